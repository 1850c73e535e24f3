//! Client certificate revocation, as a CMG with "Verify client certificate revocation" checks
//! it: the CRLs a certificate names in its CRL Distribution Points (`http://` URLs, as a CA
//! publishes them), fetched and kept a short while, each trusted only when it is signed by the
//! certificate's issuer. A certificate whose status cannot be learnt is refused too: a CMG
//! that lets clients in whenever the CRL is down checks nothing.
//!
//! [`check`] needs only the certificate, its issuer and a [`CrlFetcher`], so the site's
//! connection analyzer can ask the same question the CMG asks.

use crate::tls::provider;
use async_trait::async_trait;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, RootCertStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

/// How long a fetched CRL is used before it is fetched again: short, so a certificate the CA
/// has just revoked is refused within a minute, long enough that a burst of clients costs one
/// download.
pub const CRL_CACHE_TTL: Duration = Duration::from_secs(60);

/// How long one CRL download may take; a client waits for it.
pub const CRL_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest CRL accepted (a large enterprise CA's full CRL is a few megabytes).
const MAX_CRL_BYTES: usize = 32 * 1024 * 1024;

/// Why a certificate's revocation status says no, or cannot be learnt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// The issuer's CRL lists the certificate.
    #[error("the client certificate (serial {serial}) is revoked by the CRL at {url}")]
    Revoked {
        /// The certificate's serial number, upper-case hex.
        serial: String,
        /// The CRL that lists it.
        url: String,
    },
    /// No CRL could be downloaded; the last failure is given.
    #[error("cannot check revocation: the CRL at {url} could not be fetched: {reason}")]
    Unavailable {
        /// The CRL tried last.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A CRL was downloaded but cannot say anything about the certificate.
    #[error("cannot check revocation: the CRL at {url} cannot be used: {reason}")]
    Unusable {
        /// The CRL.
        url: String,
        /// Why (not signed by the issuer, out of date, not a CRL).
        reason: String,
    },
    /// The certificate names no CRL to check against.
    #[error(
        "cannot check revocation: the client certificate (serial {serial}) names no http:// CRL distribution point"
    )]
    NoDistributionPoint {
        /// The certificate's serial number.
        serial: String,
    },
    /// The certificate or its issuer cannot be read or do not belong together.
    #[error("cannot check revocation: {0}")]
    Certificate(String),
}

/// Downloads CRLs.
#[async_trait]
pub trait CrlFetcher: Send + Sync {
    /// The CRL at `url` (DER); the error says why it could not be had, for an operator.
    async fn fetch(&self, url: &str) -> Result<Arc<Vec<u8>>, String>;
}

/// CRLs by URL, with when each was fetched.
type CrlCache = HashMap<String, (Instant, Arc<Vec<u8>>)>;

/// Fetches CRLs over plain HTTP, straight (no proxy: a CMG reaches its clients' CAs directly),
/// keeping each for [`CRL_CACHE_TTL`]. Failures are not kept: the next client tries again.
pub struct HttpCrlFetcher {
    client: reqwest::Client,
    ttl: Duration,
    cache: Mutex<CrlCache>,
}

impl std::fmt::Debug for HttpCrlFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCrlFetcher")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The text of an error and its sources, joined with ": ".
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

impl HttpCrlFetcher {
    /// A fetcher keeping CRLs for `ttl`.
    pub fn new(ttl: Duration) -> Result<HttpCrlFetcher, String> {
        crate::tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CRL_FETCH_TIMEOUT)
            .timeout(CRL_FETCH_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot set up the CRL client: {}", chain_text(&e)))?;
        Ok(HttpCrlFetcher {
            client,
            ttl,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, url: &str) -> Option<Arc<Vec<u8>>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
        cache.get(url).map(|(_, crl)| crl.clone())
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, String> {
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| chain_text(&e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| chain_text(&e.without_url()))?
        {
            if body.len() + chunk.len() > MAX_CRL_BYTES {
                return Err(format!("it is larger than {MAX_CRL_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[async_trait]
impl CrlFetcher for HttpCrlFetcher {
    async fn fetch(&self, url: &str) -> Result<Arc<Vec<u8>>, String> {
        if let Some(crl) = self.cached(url) {
            return Ok(crl);
        }
        let crl = Arc::new(self.download(url).await?);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_string(), (Instant::now(), crl.clone()));
        Ok(crl)
    }
}

/// A certificate's serial number as Windows shows it: upper-case hex.
pub fn serial(cert_der: &[u8]) -> Result<String, String> {
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    Ok(hex::encode_upper(cert.raw_serial()))
}

/// The `http://` URLs of a certificate's CRL Distribution Points, in order. Other kinds
/// (LDAP, `file:`) are left out: a CMG in the cloud cannot reach a directory on premises.
pub fn distribution_points(cert_der: &[u8]) -> Result<Vec<String>, String> {
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|e| format!("the certificate cannot be read: {e}"))?;
    let mut urls = Vec::new();
    for ext in cert.extensions() {
        let ParsedExtension::CRLDistributionPoints(points) = ext.parsed_extension() else {
            continue;
        };
        for point in points.iter() {
            let Some(DistributionPointName::FullName(names)) = &point.distribution_point else {
                continue;
            };
            for name in names {
                if let GeneralName::URI(uri) = name
                    && uri
                        .get(..7)
                        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
                    && !urls.iter().any(|u| u == uri)
                {
                    urls.push(uri.to_string());
                }
            }
        }
    }
    Ok(urls)
}

/// A CRL as DER, whether it was published as DER (the norm) or PEM.
fn crl_der(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(b"-----BEGIN")
        && let Ok(blocks) = crate::cert::pem::blocks(bytes)
        && let Some(block) = blocks.into_iter().find(|b| b.label == "X509 CRL")
    {
        return block.der;
    }
    bytes.to_vec()
}

fn when(t: UnixTime) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(crate::cert::x509::rfc3339)
        .unwrap_or_else(|_| format!("{secs} s after 1970"))
}

/// What one CRL says about `leaf`: webpki checks that `issuer` signed both the certificate
/// and the CRL, that the CRL is current, and whether it lists the certificate.
fn judge(
    leaf: &[u8],
    issuer: &[u8],
    url: &str,
    crl: &[u8],
    serial: &str,
) -> Result<(), RevocationError> {
    let unusable = |reason: String| RevocationError::Unusable {
        url: url.to_string(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(issuer.to_vec()))
        .map_err(|e| RevocationError::Certificate(format!("the issuer cannot be used: {e}")))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .with_crls([CertificateRevocationListDer::from(crl_der(crl))])
        .only_check_end_entity_revocation()
        .enforce_revocation_expiration()
        .build()
        .map_err(|e| unusable(format!("it is not a CRL this CMG can read ({e})")))?;
    let verdict =
        verifier.verify_client_cert(&CertificateDer::from(leaf.to_vec()), &[], UnixTime::now());
    match verdict {
        Ok(_) => Ok(()),
        Err(rustls::Error::InvalidCertificate(e)) => Err(match e {
            CertificateError::Revoked => RevocationError::Revoked {
                serial: serial.to_string(),
                url: url.to_string(),
            },
            CertificateError::UnknownRevocationStatus => unusable(
                "it is not the CRL of the certificate's issuer (another issuer, or a partial CRL that does not cover it)"
                    .into(),
            ),
            CertificateError::ExpiredRevocationListContext { next_update, .. } => unusable(
                format!("it is out of date (its next update was due {})", when(next_update)),
            ),
            CertificateError::ExpiredRevocationList => unusable("it is out of date".into()),
            other => RevocationError::Certificate(format!(
                "the client certificate does not verify against its issuer ({other})"
            )),
        }),
        Err(rustls::Error::InvalidCertRevocationList(e)) => Err(unusable(match e {
            rustls::CertRevocationListError::BadSignature => {
                "its signature is not the issuer's".to_string()
            }
            other => format!("{other:?}"),
        })),
        Err(e) => Err(unusable(e.to_string())),
    }
}

/// Checks `leaf` (DER) against the CRLs it names, trusting only CRLs `issuer` (DER) signed.
/// The distribution points are tried in order, as Windows does: the first CRL that can be
/// downloaded decides; when none can, the last download failure is the answer.
pub async fn check(
    leaf: &[u8],
    issuer: &[u8],
    fetcher: &dyn CrlFetcher,
) -> Result<(), RevocationError> {
    let serial = serial(leaf).map_err(RevocationError::Certificate)?;
    let urls = distribution_points(leaf).map_err(RevocationError::Certificate)?;
    let mut last = RevocationError::NoDistributionPoint {
        serial: serial.clone(),
    };
    for url in urls {
        match fetcher.fetch(&url).await {
            Ok(crl) => return judge(leaf, issuer, &url, &crl, &serial),
            Err(reason) => last = RevocationError::Unavailable { url, reason },
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
        IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
    };
    use time::{Duration as Span, OffsetDateTime};

    struct Ca {
        params: CertificateParams,
        key: KeyPair,
        der: Vec<u8>,
    }

    fn ca(cn: &str) -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let der = params.self_signed(&key).expect("ca").der().to_vec();
        Ca { params, key, der }
    }

    fn leaf(ca: &Ca, serial: u64, urls: &[&str]) -> Vec<u8> {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(vec!["client.contoso.com".into()]).expect("params");
        p.serial_number = Some(SerialNumber::from(serial));
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        if !urls.is_empty() {
            p.crl_distribution_points = vec![CrlDistributionPoint {
                uris: urls.iter().map(|u| u.to_string()).collect(),
            }];
        }
        let issuer = Issuer::from_params(&ca.params, &ca.key);
        p.signed_by(&key, &issuer).expect("leaf").der().to_vec()
    }

    fn crl(ca: &Ca, revoked: &[u64], next_update: OffsetDateTime) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        CertificateRevocationListParams {
            this_update: now - Span::hours(1),
            next_update,
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: now - Span::hours(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&Issuer::from_params(&ca.params, &ca.key))
        .expect("crl")
        .der()
        .to_vec()
    }

    /// Serves fixed answers by URL; counts downloads.
    struct Fixed(HashMap<String, Result<Vec<u8>, String>>);

    #[async_trait]
    impl CrlFetcher for Fixed {
        async fn fetch(&self, url: &str) -> Result<Arc<Vec<u8>>, String> {
            match self.0.get(url) {
                Some(Ok(b)) => Ok(Arc::new(b.clone())),
                Some(Err(e)) => Err(e.clone()),
                None => Err("connection refused".into()),
            }
        }
    }

    const A: &str = "http://pki.contoso.com/a.crl";
    const B: &str = "http://pki.contoso.com/b.crl";

    #[tokio::test]
    async fn the_issuers_crl_decides() {
        crate::tls::install_crypto_provider();
        let root = ca("Root");
        let later = OffsetDateTime::now_utc() + Span::days(7);
        let good = leaf(&root, 7, &["ldap://dc/x", A]);
        let bad = leaf(&root, 9, &[A]);
        assert_eq!(distribution_points(&good).unwrap(), [A]);
        let f = Fixed(HashMap::from([(
            A.to_string(),
            Ok(crl(&root, &[9], later)),
        )]));
        assert_eq!(check(&good, &root.der, &f).await, Ok(()));
        let e = check(&bad, &root.der, &f).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("the client certificate (serial 09) is revoked by the CRL at {A}")
        );

        // A CRL someone else signed, or an old one, says nothing.
        let other = ca("Root");
        let f = Fixed(HashMap::from([(
            A.to_string(),
            Ok(crl(&other, &[], later)),
        )]));
        assert!(matches!(
            check(&good, &root.der, &f).await,
            Err(RevocationError::Unusable { reason, .. }) if reason.contains("signature")
        ));
        let stale = OffsetDateTime::now_utc() - Span::minutes(1);
        let f = Fixed(HashMap::from([(A.to_string(), Ok(crl(&root, &[], stale)))]));
        assert!(matches!(
            check(&good, &root.der, &f).await,
            Err(RevocationError::Unusable { reason, .. }) if reason.contains("out of date")
        ));
        let f = Fixed(HashMap::from([(A.to_string(), Ok(b"junk".to_vec()))]));
        assert!(matches!(
            check(&good, &root.der, &f).await,
            Err(RevocationError::Unusable { .. })
        ));
    }

    #[tokio::test]
    async fn a_crl_that_cannot_be_had_is_an_answer_too() {
        crate::tls::install_crypto_provider();
        let root = ca("Root");
        let later = OffsetDateTime::now_utc() + Span::days(7);
        let none = leaf(&root, 3, &[]);
        assert_eq!(
            check(&none, &root.der, &Fixed(HashMap::new())).await,
            Err(RevocationError::NoDistributionPoint {
                serial: "03".into()
            })
        );
        let two = leaf(&root, 3, &[A, B]);
        let f = Fixed(HashMap::new());
        let e = check(&two, &root.der, &f).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot check revocation: the CRL at {B} could not be fetched: connection refused"
            )
        );
        // The first one that can be had decides.
        let f = Fixed(HashMap::from([(
            B.to_string(),
            Ok(crl(&root, &[3], later)),
        )]));
        assert!(matches!(
            check(&two, &root.der, &f).await,
            Err(RevocationError::Revoked { url, .. }) if url == B
        ));
    }
}
