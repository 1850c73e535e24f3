//! Content access tokens: what the management point gives a client with its content locations
//! (valid 24 hours in ConfigMgr) and what a cloud instance checks before serving a byte.
//!
//! A token is `v1.<claims>.<mac>`: base64url JSON claims and their HMAC-SHA256 under the
//! service's access key, a secret the site generates per service and hands only to that
//! service's deployment. A token therefore opens one package on one service until it expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Deployment name of the service it is valid on (lower case).
    pub svc: String,
    /// Package id it opens (e.g. `PS100001`; compared ignoring ASCII case).
    pub pkg: String,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds: refused from this second on.
    pub exp: i64,
}

/// Why a token was refused. Messages are shown to the client's operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No token.
    #[error("no access token was presented; ask the management point for content locations first")]
    Missing,
    /// Not a token.
    #[error("the access token is malformed")]
    Malformed,
    /// Not signed by this service's key: forged or altered.
    #[error(
        "the access token's signature is not valid for this service (forged, altered, or issued for another service)"
    )]
    BadSignature,
    /// Past its expiry.
    #[error("the access token expired at {0} (UTC); ask the management point for a new one")]
    Expired(String),
    /// For another package.
    #[error("the access token is for package {0}, not this one")]
    WrongPackage(String),
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Signs `claims` with the service's access key.
pub fn issue(key: &[u8], claims: &Claims) -> String {
    let body = B64.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let sig = B64.encode(mac(key, format!("v1.{body}").as_bytes()));
    format!("v1.{body}.{sig}")
}

/// Checks a token for `package` at unix time `now`; returns its claims.
pub fn verify(key: &[u8], token: &str, package: &str, now: i64) -> Result<Claims, TokenError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    let mut parts = token.split('.');
    let (Some("v1"), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let sig = B64.decode(sig).map_err(|_| TokenError::Malformed)?;
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(format!("v1.{body}").as_bytes());
    // Constant-time comparison.
    m.verify_slice(&sig).map_err(|_| TokenError::BadSignature)?;
    let claims: Claims = B64
        .decode(body)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Malformed)?;
    if claims.exp <= now {
        let at = time::OffsetDateTime::from_unix_timestamp(claims.exp)
            .map(crate::cert::x509::rfc3339)
            .unwrap_or_else(|_| claims.exp.to_string());
        return Err(TokenError::Expired(at));
    }
    if !claims.pkg.eq_ignore_ascii_case(package) {
        return Err(TokenError::WrongPackage(claims.pkg));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            svc: "clouddp1".into(),
            pkg: "PS100001".into(),
            iat: 1000,
            exp,
        }
    }

    #[test]
    fn valid_tokens_open_their_package_only() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = issue(key, &claims(2000));
        assert_eq!(verify(key, &t, "PS100001", 1500).expect("ok"), claims(2000));
        assert_eq!(verify(key, &t, "ps100001", 1500).map(|c| c.exp), Ok(2000));
        assert_eq!(
            verify(key, &t, "PS100002", 1500),
            Err(TokenError::WrongPackage("PS100001".into()))
        );
        assert!(matches!(
            verify(key, &t, "PS100001", 2000),
            Err(TokenError::Expired(_))
        ));
        assert_eq!(
            verify(b"another key", &t, "PS100001", 1500),
            Err(TokenError::BadSignature)
        );
        assert_eq!(verify(key, "", "PS100001", 1500), Err(TokenError::Missing));
        assert_eq!(
            verify(key, "v1.x", "PS100001", 1500),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn altered_claims_break_the_signature() {
        let key = b"k";
        let t = issue(key, &claims(2000));
        let parts: Vec<&str> = t.split('.').collect();
        let forged_body = B64.encode(serde_json::to_vec(&claims(999_999)).expect("json"));
        let forged = format!("v1.{forged_body}.{}", parts[2]);
        assert_eq!(
            verify(key, &forged, "PS100001", 1500),
            Err(TokenError::BadSignature)
        );
    }
}
