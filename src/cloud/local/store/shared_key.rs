//! The one request `object_store` does not make: Create Container, signed with the account's
//! Shared Key (the Blob service's `SharedKey` scheme, version 2021-08-06).

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use time::OffsetDateTime;
use time::macros::format_description;

const VERSION: &str = "2021-08-06";

/// The `Authorization` value of a request with no body or content headers: `verb`, the
/// `x-ms-*` headers (sorted, lower-case names), the URL path and the sorted query pairs.
fn authorization(
    account: &str,
    key: &[u8],
    verb: &str,
    ms_headers: &[(&str, &str)],
    path: &str,
    query: &[(&str, &str)],
) -> Result<String, String> {
    // VERB, then eleven standard headers (all empty here: no body), then Range.
    let mut text = format!("{verb}\n{}", "\n".repeat(11));
    for (name, value) in ms_headers {
        text.push_str(&format!("{name}:{value}\n"));
    }
    text.push_str(&format!("/{account}{path}"));
    for (name, value) in query {
        text.push_str(&format!("\n{name}:{value}"));
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
        .map_err(|e| format!("the storage account key is unusable: {e}"))?;
    mac.update(text.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Ok(format!("SharedKey {account}:{signature}"))
}

/// Creates blob container `container` at the Blob service `endpoint` of `account` unless it
/// exists.
pub(super) async fn create_container(
    endpoint: &str,
    account: &str,
    key_b64: &str,
    container: &str,
) -> Result<(), String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(key_b64.trim())
        .map_err(|_| format!("the key of storage account '{account}' is not base64"))?;
    let url = format!("{endpoint}/{container}?restype=container");
    let parsed = reqwest::Url::parse(&url).map_err(|e| format!("{url}: {e}"))?;
    let date = OffsetDateTime::now_utc()
        .format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .map_err(|e| e.to_string())?;
    let auth = authorization(
        account,
        &key,
        "PUT",
        &[("x-ms-date", &date), ("x-ms-version", VERSION)],
        parsed.path(),
        &[("restype", "container")],
    )?;
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .put(parsed)
        .header("x-ms-date", date)
        .header("x-ms-version", VERSION)
        .header("authorization", auth)
        .header("content-length", "0")
        .send()
        .await
        .map_err(|e| format!("Azure storage at {endpoint}: {e}"))?;
    let status = response.status();
    let code = response
        .headers()
        .get("x-ms-error-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if status.is_success() || code == "ContainerAlreadyExists" {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!(
        "Azure storage at {endpoint} refused to create container '{container}': {status} {code} {}",
        body.chars().take(300).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_canonical_request() {
        // Fixed inputs; the signature is HMAC-SHA256 of the documented string-to-sign.
        let key = b"0123456789abcdef";
        let auth = authorization(
            "acct",
            key,
            "PUT",
            &[
                ("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"),
                ("x-ms-version", VERSION),
            ],
            "/c",
            &[("restype", "container")],
        )
        .expect("sign");
        let text = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:{VERSION}\n/acct/c\nrestype:container"
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
        mac.update(text.as_bytes());
        let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(auth, format!("SharedKey acct:{want}"));
    }
}
