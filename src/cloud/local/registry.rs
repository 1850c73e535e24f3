//! The subscriptions the local cloud knows: `data_dir/subscriptions/<guid>.json`, each with the
//! management certificates uploaded to it (the portal's "upload a .cer" step). The server reads
//! the files on every request, so a registration takes effect without a restart.

use super::files;
use crate::tls::sha1_thumbprint;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why a subscription could not be registered or read.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The subscription ID is not a GUID.
    #[error("{0}")]
    BadId(String),
    /// The certificate is not a readable X.509 certificate.
    #[error("the management certificate is not a valid X.509 certificate: {0}")]
    BadCertificate(String),
    /// The registry file is unreadable.
    #[error("subscription registry {path}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing the registry failed.
    #[error("subscription registry: {0}")]
    Io(#[from] std::io::Error),
}

/// One registered subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    /// Subscription GUID, lower case.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Registered management certificates, base64 DER.
    pub certificates: Vec<String>,
}

impl SubscriptionRecord {
    /// SHA-1 thumbprints (upper-case hex) of the registered certificates.
    pub fn thumbprints(&self) -> Vec<String> {
        self.certificates
            .iter()
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .map(|der| sha1_thumbprint(&der))
            .collect()
    }
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("subscriptions")
}

/// Checks and normalises a subscription ID (lower-case GUID); the registry's file names rely on it.
pub(super) fn normalize_id(id: &str) -> Result<String, RegistryError> {
    crate::domain::validate::subscription_id(id).map_err(|e| RegistryError::BadId(e.to_string()))
}

/// Registers `cer_der` as a management certificate of subscription `guid`, creating the
/// subscription if needed. Registering the same certificate again changes nothing; `name`,
/// when given, renames the subscription.
pub fn register_subscription(
    data_dir: &Path,
    guid: &str,
    cer_der: &[u8],
    name: Option<&str>,
) -> Result<SubscriptionRecord, RegistryError> {
    let id = normalize_id(guid)?;
    crate::cert::x509::parse(cer_der).map_err(RegistryError::BadCertificate)?;
    let mut record = subscription(data_dir, &id)?.unwrap_or_else(|| SubscriptionRecord {
        id: id.clone(),
        name: format!("Local subscription {}", &id[..8]),
        certificates: Vec::new(),
    });
    if let Some(name) = name {
        record.name = name.to_string();
    }
    let b64 = STANDARD.encode(cer_der);
    if !record.certificates.contains(&b64) {
        record.certificates.push(b64);
    }
    let text = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    files::write_atomic(&dir(data_dir).join(format!("{id}.json")), &text)?;
    Ok(record)
}

/// One subscription, `None` if it is not registered (or the ID is not a GUID).
pub fn subscription(
    data_dir: &Path,
    guid: &str,
) -> Result<Option<SubscriptionRecord>, RegistryError> {
    let Ok(id) = normalize_id(guid) else {
        return Ok(None);
    };
    let path = dir(data_dir).join(format!("{id}.json"));
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| RegistryError::Corrupt {
                path,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every registered subscription, sorted by ID. Unreadable files are skipped.
pub fn subscriptions(data_dir: &Path) -> Result<Vec<SubscriptionRecord>, RegistryError> {
    let entries = match std::fs::read_dir(dir(data_dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if let Ok(Some(record)) = subscription(data_dir, id) {
            out.push(record);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_der() -> Vec<u8> {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["mgmt".to_string()]).expect("params");
        params.self_signed(&key).expect("cert").der().to_vec()
    }

    #[test]
    fn register_is_idempotent_and_listed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let der = cert_der();
        let guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
        let a = register_subscription(dir.path(), guid, &der, None).expect("register");
        let b = register_subscription(dir.path(), guid, &der, Some("Lab")).expect("again");
        assert_eq!(a.id, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assert_eq!(b.certificates.len(), 1);
        assert_eq!(b.name, "Lab");
        assert_eq!(b.thumbprints(), vec![sha1_thumbprint(&der)]);
        let all = subscriptions(dir.path()).expect("list");
        assert_eq!(all, vec![b]);
    }

    #[test]
    fn bad_input_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            register_subscription(dir.path(), "../etc", &cert_der(), None),
            Err(RegistryError::BadId(_))
        ));
        assert!(matches!(
            register_subscription(
                dir.path(),
                "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                b"junk",
                None
            ),
            Err(RegistryError::BadCertificate(_))
        ));
        assert_eq!(subscriptions(dir.path()).expect("list"), vec![]);
    }
}
