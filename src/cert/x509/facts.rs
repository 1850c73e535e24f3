//! What the inspector knows about one certificate, whichever parser read it.

use crate::cert::key::KeyInfo;
use ::time::OffsetDateTime;
use ::time::format_description::well_known::Rfc3339;
use serde::Serialize;

/// One certificate's facts (the `certificates[]` objects of the JSON report).
#[derive(Debug, Clone, Serialize)]
pub struct CertFacts {
    /// First common name of the subject.
    pub subject_cn: Option<String>,
    /// First common name of the issuer.
    pub issuer_cn: Option<String>,
    /// The whole subject DN, RFC 4514 style.
    pub subject: String,
    /// The whole issuer DN.
    pub issuer: String,
    /// Subject alternative names of type DNS, in order.
    pub dns_names: Vec<String>,
    /// SHA-1 of the DER, upper-case hex (the Windows "thumbprint").
    pub sha1_thumbprint: String,
    /// SHA-256 of the DER, upper-case hex.
    pub sha256_thumbprint: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// X.509 version as people count it (1, 2 or 3).
    pub version: u32,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// `RSA`, `EC`, `Ed25519`, …
    pub key_algorithm: String,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// Named curve of an EC key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_curve: Option<String>,
    /// Signature algorithm, OpenSSL's name (e.g. `sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    /// Extended key usages as dotted OIDs; `null` when the certificate has no EKU extension.
    pub eku: Option<Vec<String>>,
    /// Basic constraints say this is a CA.
    pub is_ca: bool,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
    /// The PKCS#12 friendly name, when the file gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// This certificate holds the public half of the file's private key.
    pub matches_private_key: bool,
    /// Validity as timestamps, for the rules.
    #[serde(skip)]
    pub validity: (OffsetDateTime, OffsetDateTime),
    /// Public key facts, for matching and rules.
    #[serde(skip)]
    pub key: KeyInfo,
    /// Signature algorithm OID, for the rules.
    #[serde(skip)]
    pub signature_oid: String,
}

pub(super) fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Formats a time as RFC 3339 (UTC).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
