//! The rules: what makes a certificate fit for its role (README, "Configuration Manager facts"), each with a stable code.

use super::oid;
use super::x509::CertFacts;
use crate::domain::validate;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// The role a certificate file is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Server authentication certificate of a CDP or CMG (`.pfx` with the private key).
    Service,
    /// Management certificate of a classic Azure subscription (`.pfx`, or `.publishsettings`).
    Management,
    /// Trusted root or intermediate CA for CMG client authentication (`.cer`).
    TrustedRoot,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used for the role.
    Error,
    /// Usable, but the operator should know.
    Warning,
    /// For information.
    Info,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is; one `error` makes the file unusable for the role.
    pub severity: Severity,
    /// Stable identifier (see the table in the README).
    pub code: &'static str,
    /// What it means for the operator.
    pub message: String,
    /// Index into `certificates` the finding is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<usize>,
}

/// Days before expiry from which a warning is given (ConfigMgr itself gives none).
pub(crate) const EXPIRY_WARNING_DAYS: i64 = 30;
/// Smallest RSA key ConfigMgr and Azure accept.
pub(crate) const MIN_RSA_BITS: u32 = 2048;

/// What the rules look at.
#[derive(Debug)]
pub(crate) struct Subject<'a> {
    /// Every certificate in the file.
    pub certs: &'a [CertFacts],
    /// Index into `certs` of the leaf (the one matching the key, else the first); `None` when
    /// there is no certificate.
    pub leaf: Option<usize>,
    /// The file holds a private key.
    pub has_key: bool,
    /// `Some(false)` when the key is known to match no certificate.
    pub key_matched: Option<bool>,
    /// The time validity is judged at.
    pub now: OffsetDateTime,
}

struct Out(Vec<Finding>);

impl Out {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        cert: Option<usize>,
        message: String,
    ) {
        self.0.push(Finding {
            severity,
            code,
            message,
            certificate: cert,
        });
    }
}

fn date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// Evaluates the rules of `role` (or the role-independent ones when `None`).
pub(crate) fn evaluate(role: Option<Role>, s: &Subject<'_>) -> Vec<Finding> {
    let mut out = Out(Vec::new());
    if s.certs.is_empty() {
        if role.is_some() {
            out.push(
                Severity::Error,
                "no_certificate",
                None,
                "The file holds no certificate.".into(),
            );
        }
        return out.0;
    }
    match role {
        Some(Role::TrustedRoot) => trusted_root(s, &mut out),
        Some(r @ (Role::Service | Role::Management)) => {
            key_present(s, r, &mut out);
            let i = s.leaf.unwrap_or(0);
            let c = &s.certs[i];
            validity(c, i, s.now, &mut out);
            version(c, i, &mut out);
            rsa_size(c, i, &mut out);
            if r == Role::Service {
                signature(c, i, &mut out);
                server_auth(c, i, &mut out);
                service_name(c, i, &mut out);
                trust(c, i, &mut out);
            }
        }
        None => {
            let i = s.leaf.unwrap_or(0);
            let c = &s.certs[i];
            validity(c, i, s.now, &mut out);
            version(c, i, &mut out);
            signature(c, i, &mut out);
        }
    }
    out.0.sort_by_key(|f| f.severity);
    out.0
}

fn key_present(s: &Subject<'_>, role: Role, out: &mut Out) {
    let what = if role == Role::Service {
        "service"
    } else {
        "management"
    };
    if !s.has_key {
        out.push(
            Severity::Error,
            "no_private_key",
            None,
            format!("The file holds no private key; the {what} certificate must be a .pfx exported with its private key."),
        );
    } else if s.key_matched == Some(false) {
        out.push(
            Severity::Error,
            "key_mismatch",
            None,
            "The private key in the file belongs to none of its certificates.".into(),
        );
    }
}

fn validity(c: &CertFacts, i: usize, now: OffsetDateTime, out: &mut Out) {
    let (nb, na) = c.validity;
    if now > na {
        let days = (now - na).whole_days();
        out.push(
            Severity::Error,
            "expired",
            Some(i),
            format!("The certificate expired on {} ({days} days ago).", date(na)),
        );
    } else if now < nb {
        out.push(
            Severity::Error,
            "not_yet_valid",
            Some(i),
            format!("The certificate is not valid before {}.", date(nb)),
        );
    } else if na - now <= Duration::days(EXPIRY_WARNING_DAYS) {
        let days = (na - now).whole_days();
        out.push(
            Severity::Warning,
            "expires_soon",
            Some(i),
            format!(
                "The certificate expires on {} (in {days} days); renew it before then.",
                date(na)
            ),
        );
    }
}

fn version(c: &CertFacts, i: usize, out: &mut Out) {
    if c.version < 3 {
        out.push(
            Severity::Error,
            "version_below_3",
            Some(i),
            format!(
                "The certificate is X.509 version {}; version 3 is required.",
                c.version
            ),
        );
    }
}

fn rsa_size(c: &CertFacts, i: usize, out: &mut Out) {
    if c.key_algorithm.starts_with("RSA") {
        if let Some(bits) = c.key_bits.filter(|b| *b < MIN_RSA_BITS) {
            out.push(
                Severity::Error,
                "rsa_key_too_small",
                Some(i),
                format!("The RSA key has {bits} bits; at least {MIN_RSA_BITS} are required (2048 or 4096)."),
            );
        }
    } else {
        out.push(
            Severity::Warning,
            "key_not_rsa",
            Some(i),
            format!(
                "The key is {}; Configuration Manager documents RSA keys (2048 or 4096 bits) and may refuse it.",
                c.key_algorithm
            ),
        );
    }
}

fn signature(c: &CertFacts, i: usize, out: &mut Out) {
    match c.signature_oid.as_str() {
        // md2, md4, md5 with RSA
        "1.2.840.113549.1.1.2" | "1.2.840.113549.1.1.3" | "1.2.840.113549.1.1.4" => out.push(
            Severity::Error,
            "weak_signature",
            Some(i),
            format!("The certificate is signed with {}, which is broken; reissue it with SHA-256.", c.signature_algorithm),
        ),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => out.push(
            Severity::Warning,
            "sha1_signature",
            Some(i),
            format!(
                "The certificate is signed with {}; Windows distrusts some SHA-1 certificates. Prefer SHA-256.",
                c.signature_algorithm
            ),
        ),
        _ => {}
    }
}

fn server_auth(c: &CertFacts, i: usize, out: &mut Out) {
    match &c.eku {
        Some(ekus) if ekus.iter().any(|e| e == oid::EKU_SERVER_AUTH) => {}
        Some(ekus) => {
            let names: Vec<String> = ekus.iter().map(|e| oid::name(e)).collect();
            let have = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            out.push(
                Severity::Error,
                "missing_server_auth_eku",
                Some(i),
                format!(
                    "The certificate lacks the Server Authentication usage ({}); it has: {have}. Issue it from a Web Server template.",
                    oid::EKU_SERVER_AUTH
                ),
            );
        }
        None => out.push(
            Severity::Error,
            "missing_server_auth_eku",
            Some(i),
            format!(
                "The certificate has no Enhanced Key Usage; Server Authentication ({}) is required. Issue it from a Web Server template.",
                oid::EKU_SERVER_AUTH
            ),
        ),
    }
}

fn service_name(c: &CertFacts, i: usize, out: &mut Out) {
    match c.subject_cn.as_deref() {
        None | Some("") => out.push(
            Severity::Error,
            "cn_missing",
            Some(i),
            "The certificate subject has no common name (CN); the CN gives the Service FQDN."
                .into(),
        ),
        Some(cn) => {
            if let Some(domain) = validate::wildcard_domain(cn) {
                out.push(
                    Severity::Warning,
                    "wildcard_cn",
                    Some(i),
                    format!(
                        "The CN is a wildcard ({cn}): wildcard certificates are for testing only; a host name must be given for the Service FQDN (e.g. clouddp1.{domain})."
                    ),
                );
            } else if let Some(problem) = validate::fqdn_problem(cn) {
                out.push(
                    Severity::Error,
                    "cn_not_fqdn",
                    Some(i),
                    format!("The CN '{cn}' is not a valid FQDN for the service: it {problem}."),
                );
            }
            let lower = cn.to_ascii_lowercase();
            if lower.ends_with(".cloudapp.net") || lower.ends_with(".cloudapp.azure.com") {
                out.push(
                    Severity::Warning,
                    "cloudapp_cn",
                    Some(i),
                    format!(
                        "The CN '{cn}' is under an Azure cloudapp domain: public CAs do not issue such names, and a CN under cloudapp.net blocks conversion to a virtual machine scale set. Use a name in your own domain with a CNAME."
                    ),
                );
            }
        }
    }
    if c.dns_names.len() > 1 {
        out.push(
            Severity::Warning,
            "multiple_dns_names",
            Some(i),
            format!(
                "The certificate has {} DNS names ({}); the first, {}, is used as the service name.",
                c.dns_names.len(),
                c.dns_names.join(", "),
                c.dns_names[0]
            ),
        );
    }
}

fn trust(c: &CertFacts, i: usize, out: &mut Out) {
    if c.is_ca {
        out.push(
            Severity::Warning,
            "ca_certificate",
            Some(i),
            "The service certificate is itself a CA certificate; issue a leaf certificate for the service instead.".into(),
        );
    }
    if c.self_signed {
        out.push(
            Severity::Warning,
            "self_signed",
            Some(i),
            "The certificate is self-signed: every client must trust it (import it into their Trusted Root store).".into(),
        );
    }
}

fn trusted_root(s: &Subject<'_>, out: &mut Out) {
    if s.has_key {
        out.push(
            Severity::Info,
            "private_key_present",
            None,
            "The file holds a private key, which a trusted root does not need; share only the .cer.".into(),
        );
    }
    for (i, c) in s.certs.iter().enumerate() {
        if !c.is_ca {
            out.push(
                Severity::Error,
                "not_ca",
                Some(i),
                format!(
                    "'{}' is not a CA certificate (basic constraints do not say CA); a trusted root or intermediate must be one.",
                    c.subject_cn.as_deref().unwrap_or(&c.subject)
                ),
            );
        } else if !c.self_signed {
            out.push(
                Severity::Info,
                "intermediate_ca",
                Some(i),
                format!(
                    "'{}' is an intermediate CA, not a root.",
                    c.subject_cn.as_deref().unwrap_or(&c.subject)
                ),
            );
        }
        validity(c, i, s.now, out);
        version(c, i, out);
    }
}
