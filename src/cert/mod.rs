//! Certificate files: read `.pfx`/`.p12`, `.cer`/`.crt`/`.pem` (DER or PEM, bundles, PKCS#7) and
//! `.publishsettings`; report facts and the findings for a role (README, `cloudsite cert
//! inspect`); write PKCS#12 files in memory ([`pkcs12_write`], for lab certificates and tests).
//! Pure: no I/O beyond reading the file, never panics on any bytes.

pub mod ber;
mod contents;
pub(crate) mod findings;
pub(crate) mod key;
pub(crate) mod oid;
pub mod pbe;
pub mod pem;
pub(crate) mod pkcs12;
pub mod pkcs12_write;
pub(crate) mod publishsettings;
mod report;
pub(crate) mod x509;

pub use findings::{Finding, Role, Severity};
pub use report::{ErrorKind, InspectError, KeySummary, Options, Report, Verdict};

use std::path::Path;

/// Largest file the inspector reads; certificate files are kilobytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Inspects a file on disk.
pub fn inspect_file(path: &Path, opts: &Options) -> Report {
    use std::io::Read;
    let read = std::fs::File::open(path).and_then(|f| {
        let mut buf = Vec::new();
        f.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf)?;
        Ok(buf)
    });
    match read {
        Ok(bytes) if bytes.len() as u64 > MAX_FILE_BYTES => Report::unreadable(
            None,
            opts.role,
            InspectError::new(
                ErrorKind::Unsupported,
                format!(
                    "{} is larger than {} MiB; certificate files are much smaller",
                    path.display(),
                    MAX_FILE_BYTES >> 20
                ),
            ),
        ),
        Ok(bytes) => inspect(&bytes, opts),
        Err(e) => Report::unreadable(
            None,
            opts.role,
            InspectError::new(
                ErrorKind::Io,
                format!("cannot read {}: {e}", path.display()),
            ),
        ),
    }
}

/// A certificate chain with its private key, as a TLS server or client needs it.
#[derive(Clone)]
pub struct Identity {
    /// Certificates, DER, the one matching the key first.
    pub chain_der: Vec<Vec<u8>>,
    /// The private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Identity")
            .field("certificates", &self.chain_der.len())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// The chain as PEM `CERTIFICATE` blocks.
    pub fn cert_pem(&self) -> String {
        self.chain_der
            .iter()
            .map(|d| pem::encode("CERTIFICATE", d))
            .collect()
    }

    /// The key as a PEM `PRIVATE KEY` block.
    pub fn key_pem(&self) -> String {
        pem::encode("PRIVATE KEY", &self.key_pkcs8)
    }
}

/// Inspects the bytes of a certificate file.
pub fn inspect(bytes: &[u8], opts: &Options) -> Report {
    inspect_identity(bytes, opts).0
}

/// Inspects the bytes and, when the file holds a private key that matches one of its
/// certificates, also returns that certificate (with the rest of the chain) and the key.
pub fn inspect_identity(bytes: &[u8], opts: &Options) -> (Report, Option<Identity>) {
    let contents = match contents::read(bytes, opts) {
        Ok(c) => c,
        Err((format, e)) => return (Report::unreadable(format, opts.role, e), None),
    };
    let role = opts.role.or(if contents.format == "publishsettings" {
        Some(Role::Management)
    } else {
        None
    });

    let mut certificates = Vec::with_capacity(contents.certs.len());
    for (n, entry) in contents.certs.iter().enumerate() {
        match x509::parse(&entry.der) {
            Ok((mut facts, _)) => {
                facts.friendly_name = entry.friendly_name.clone();
                certificates.push(facts);
            }
            Err(e) => {
                let error = InspectError::new(
                    ErrorKind::Malformed,
                    format!("certificate {} in the file: {e}", n + 1),
                );
                return (Report::unreadable(Some(contents.format), role, error), None);
            }
        }
    }

    let (leaf, key_matched) = pick_leaf(&contents, &certificates);
    if let (Some(i), Some(true)) = (leaf, key_matched) {
        certificates[i].matches_private_key = true;
    }
    let leaf_cn = leaf.and_then(|i| certificates[i].subject_cn.clone());
    let service_fqdn = leaf_cn
        .clone()
        .filter(|cn| crate::domain::validate::fqdn_problem(cn).is_none());
    let wildcard_domain = leaf_cn
        .as_deref()
        .and_then(crate::domain::validate::wildcard_domain)
        .map(str::to_string);

    let mut found = findings::evaluate(
        role,
        &findings::Subject {
            certs: &certificates,
            leaf,
            has_key: !contents.keys.is_empty(),
            key_matched,
            now: opts.now,
        },
    );
    if let Some(subs) = &contents.subscriptions {
        for s in subs {
            if crate::domain::validate::subscription_id(&s.id).is_err() {
                found.push(Finding {
                    severity: Severity::Warning,
                    code: "subscription_id_invalid",
                    message: format!("Subscription ID '{}' in the file is not a GUID.", s.id),
                    certificate: None,
                });
            }
        }
    }
    let verdict = if found.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Unusable
    } else if found.iter().any(|f| f.severity == Severity::Warning) {
        Verdict::UsableWithWarnings
    } else {
        Verdict::Usable
    };
    let identity = identity_of(&contents, leaf, key_matched);
    let report = Report {
        ok: true,
        error: None,
        format: Some(contents.format),
        role,
        has_private_key: !contents.keys.is_empty(),
        private_key: contents.keys.first().map(|k| KeySummary {
            algorithm: k.info.algorithm.clone(),
            bits: k.info.bits,
            curve: k.info.curve.clone(),
        }),
        certificates,
        leaf,
        service_fqdn,
        wildcard_domain,
        subscriptions: contents.subscriptions,
        protection: contents.protection,
        findings: found,
        verdict,
    };
    (report, identity)
}

/// The leaf and the rest of the chain with the key that matched the leaf.
fn identity_of(
    contents: &contents::Contents,
    leaf: Option<usize>,
    key_matched: Option<bool>,
) -> Option<Identity> {
    let leaf = leaf.filter(|_| key_matched == Some(true))?;
    let key = contents.keys.iter().find_map(|k| k.pkcs8.clone())?;
    let mut chain_der = vec![contents.certs[leaf].der.clone()];
    chain_der.extend(
        contents
            .certs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != leaf)
            .map(|(_, c)| c.der.clone()),
    );
    Some(Identity {
        chain_der,
        key_pkcs8: key,
    })
}

/// The leaf: the certificate whose public key matches the private key; failing that, the one
/// whose localKeyId matches the key's; else the first. Also says whether a key matched at all
/// (`None` when that cannot be known).
fn pick_leaf(
    contents: &contents::Contents,
    certs: &[x509::CertFacts],
) -> (Option<usize>, Option<bool>) {
    if certs.is_empty() {
        return (None, None);
    }
    let mut undecidable = false;
    for k in &contents.keys {
        match &k.info.public {
            Some(public) => {
                if let Some(i) = certs
                    .iter()
                    .position(|c| c.key.public.as_ref() == Some(public))
                {
                    return (Some(i), Some(true));
                }
            }
            None => undecidable = true,
        }
        if let Some(id) = &k.local_key_id
            && let Some(i) = contents
                .certs
                .iter()
                .position(|c| c.local_key_id.as_ref() == Some(id))
        {
            return (Some(i), Some(true));
        }
    }
    let matched = if contents.keys.is_empty() || undecidable {
        None
    } else {
        Some(false)
    };
    (Some(0), matched)
}
