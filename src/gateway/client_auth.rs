//! Client authentication at a CMG: PKI client certificates checked against the trusted root
//! certificates the CMG was created with (the wizard's "Certificates…"), and optionally
//! against their issuers' CRLs ([`super::revocation`]).
//!
//! The TLS layer only asks for a certificate (naming the trusted roots, so a client holding
//! several picks the right one) and checks that the client holds its key; whether the
//! certificate is trusted is decided per request. So a client without a certificate, or with
//! one the CMG does not trust, still downloads content with its access token, and a request
//! that needs a certificate is refused with a reason the client's operator can act on instead
//! of a bare TLS alert.

use super::revocation::{self, CrlFetcher, RevocationError};
use crate::tls::{AnyClientCert, provider};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};
use std::sync::Arc;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Why a client certificate is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientCertError {
    /// The client presented no certificate.
    #[error(
        "a client authentication certificate is required: this CMG accepts management point and software update point requests only from clients with a certificate from one of its trusted roots"
    )]
    Missing,
    /// The certificate does not lead to one of the trusted roots.
    #[error(
        "the client certificate {subject} does not chain to a trusted root of this CMG ({reason})"
    )]
    Untrusted {
        /// Who the certificate names, and its thumbprint.
        subject: String,
        /// What the chain check found.
        reason: String,
    },
    /// The certificate chains, but is not usable now or for this purpose.
    #[error("the client certificate {subject} cannot be used: {reason}")]
    Invalid {
        /// Who the certificate names, and its thumbprint.
        subject: String,
        /// Why (expired, not yet valid, not for client authentication).
        reason: String,
    },
    /// Its revocation check refused it.
    #[error("{0}")]
    Revocation(#[from] RevocationError),
}

/// The roots (and intermediates) a CMG trusts for client certificates.
pub struct ClientTrust {
    verifier: Arc<dyn ClientCertVerifier>,
    hints: Vec<DistinguishedName>,
    /// Every certificate given, DER: where a leaf's issuer is looked up for its CRL.
    known: Vec<Vec<u8>>,
    intermediates: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for ClientTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTrust")
            .field("certificates", &self.known.len())
            .finish_non_exhaustive()
    }
}

/// `'CN' (thumbprint …)` of a certificate, for messages.
fn describe(der: &[u8]) -> String {
    let thumbprint = crate::tls::sha1_thumbprint(der);
    match crate::cert::x509::parse(der) {
        Ok((facts, _)) => {
            let name = facts.subject_cn.unwrap_or(facts.subject);
            format!("'{name}' (thumbprint {thumbprint})")
        }
        Err(_) => format!("(thumbprint {thumbprint})"),
    }
}

fn raw_names(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some((
        cert.subject().as_raw().to_vec(),
        cert.issuer().as_raw().to_vec(),
    ))
}

fn when(t: UnixTime) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(crate::cert::x509::rfc3339)
        .unwrap_or_else(|_| format!("{secs} s after 1970"))
}

impl ClientTrust {
    /// The trust the CMG's certificates (DER) describe. The self-signed ones are the roots;
    /// the others are intermediates a client need not send. At least one root is needed.
    pub fn new(certificates: &[Vec<u8>]) -> Result<ClientTrust, String> {
        let mut roots = RootCertStore::empty();
        let mut intermediates = Vec::new();
        for (n, der) in certificates.iter().enumerate() {
            let (subject, issuer) = raw_names(der).ok_or_else(|| {
                format!("trusted certificate {} is not an X.509 certificate", n + 1)
            })?;
            if subject == issuer {
                roots
                    .add(CertificateDer::from(der.clone()))
                    .map_err(|e| format!("trusted root {} cannot be used: {e}", describe(der)))?;
            } else {
                intermediates.push(CertificateDer::from(der.clone()));
            }
        }
        if roots.is_empty() {
            return Err(
                "no trusted root certificate among the client trust certificates: intermediates need the root they chain to"
                    .into(),
            );
        }
        let roots = Arc::new(roots);
        let hints = roots.subjects();
        let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| format!("the trusted roots cannot be used: {e}"))?;
        Ok(ClientTrust {
            verifier,
            hints,
            known: certificates.to_vec(),
            intermediates,
        })
    }

    /// The TLS side: asks for a certificate naming the trusted roots, accepts none, checks
    /// only that the client holds the key of what it presents.
    pub fn tls_verifier(&self) -> Arc<dyn ClientCertVerifier> {
        Arc::new(AskForCertificate {
            inner: AnyClientCert::new(),
            hints: self.hints.clone(),
        })
    }

    /// The issuer of `leaf` among what the client sent and what the CMG was given.
    fn issuer_of<'a>(&'a self, leaf: &[u8], sent: &'a [Vec<u8>]) -> Option<&'a [u8]> {
        let (_, issuer) = raw_names(leaf)?;
        sent.iter()
            .chain(&self.known)
            .find(|c| raw_names(c).is_some_and(|(subject, _)| subject == issuer))
            .map(Vec::as_slice)
    }

    /// Checks a client's certificate chain (leaf first, DER, as the client sent it): it
    /// chains to a trusted root, is valid now and for client authentication, and — with
    /// `revocation` — its issuer's CRL does not list it.
    pub async fn authenticate(
        &self,
        chain: &[Vec<u8>],
        revocation: Option<&dyn CrlFetcher>,
    ) -> Result<(), ClientCertError> {
        let Some((leaf, sent)) = chain.split_first() else {
            return Err(ClientCertError::Missing);
        };
        let intermediates: Vec<CertificateDer<'static>> = sent
            .iter()
            .map(|c| CertificateDer::from(c.clone()))
            .chain(self.intermediates.iter().cloned())
            .collect();
        let verdict = self.verifier.verify_client_cert(
            &CertificateDer::from(leaf.clone()),
            &intermediates,
            UnixTime::now(),
        );
        if let Err(e) = verdict {
            return Err(refusal(leaf, e));
        }
        if let Some(fetcher) = revocation {
            let issuer = self.issuer_of(leaf, sent).ok_or_else(|| {
                RevocationError::Certificate(
                    "the issuer of the client certificate is not known".into(),
                )
            })?;
            revocation::check(leaf, issuer, fetcher).await?;
        }
        Ok(())
    }
}

/// What a failed chain check means for the client's operator.
fn refusal(leaf: &[u8], e: rustls::Error) -> ClientCertError {
    let subject = describe(leaf);
    let untrusted = |reason: &str| ClientCertError::Untrusted {
        subject: subject.clone(),
        reason: reason.to_string(),
    };
    let invalid = |reason: String| ClientCertError::Invalid {
        subject: subject.clone(),
        reason,
    };
    match e {
        rustls::Error::InvalidCertificate(e) => match e {
            CertificateError::UnknownIssuer => {
                untrusted("its issuer is not a trusted root, nor signed by one")
            }
            CertificateError::BadSignature => untrusted("a signature in its chain does not verify"),
            CertificateError::ExpiredContext { not_after, .. } => {
                invalid(format!("it expired on {}", when(not_after)))
            }
            CertificateError::Expired => invalid("it has expired".into()),
            CertificateError::NotValidYetContext { not_before, .. } => {
                invalid(format!("it is not valid before {}", when(not_before)))
            }
            CertificateError::NotValidYet => invalid("it is not valid yet".into()),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                invalid(
                    "it is not for client authentication (its enhanced key usage lacks Client Authentication)"
                        .into(),
                )
            }
            other => invalid(format!("it does not verify ({other})")),
        },
        other => invalid(format!("it does not verify ({other})")),
    }
}

/// Asks for a client certificate, names the roots, and leaves the trust decision to the
/// request (see the module documentation).
#[derive(Debug)]
struct AskForCertificate {
    inner: AnyClientCert,
    hints: Vec<DistinguishedName>,
}

impl ClientCertVerifier for AskForCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    };
    use time::{Duration, OffsetDateTime};

    fn ca(cn: &str) -> (CertificateParams, KeyPair, Vec<u8>) {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::new()).expect("params");
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let der = p.self_signed(&key).expect("ca").der().to_vec();
        (p, key, der)
    }

    fn client(
        ca: &(CertificateParams, KeyPair, Vec<u8>),
        eku: ExtendedKeyUsagePurpose,
        not_after: OffsetDateTime,
    ) -> Vec<u8> {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(vec!["pc1.contoso.com".into()]).expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "pc1.contoso.com");
        p.extended_key_usages = vec![eku];
        p.not_before = OffsetDateTime::now_utc() - Duration::days(2);
        p.not_after = not_after;
        p.signed_by(&key, &Issuer::from_params(&ca.0, &ca.1))
            .expect("client")
            .der()
            .to_vec()
    }

    #[tokio::test]
    async fn each_refusal_says_what_is_wrong() {
        crate::tls::install_crypto_provider();
        let root = ca("Contoso Root");
        let stranger = ca("Fabrikam Root");
        let trust = ClientTrust::new(std::slice::from_ref(&root.2)).expect("trust");
        let year = OffsetDateTime::now_utc() + Duration::days(365);
        let good = client(&root, ExtendedKeyUsagePurpose::ClientAuth, year);
        assert_eq!(trust.authenticate(&[good], None).await, Ok(()));
        assert_eq!(
            trust.authenticate(&[], None).await,
            Err(ClientCertError::Missing)
        );
        let e = trust
            .authenticate(
                &[client(&stranger, ExtendedKeyUsagePurpose::ClientAuth, year)],
                None,
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the client certificate 'pc1.contoso.com' (thumbprint ")
                && e.to_string()
                    .contains("does not chain to a trusted root of this CMG"),
            "{e}"
        );
        let expired = client(
            &root,
            ExtendedKeyUsagePurpose::ClientAuth,
            OffsetDateTime::now_utc() - Duration::days(1),
        );
        let e = trust.authenticate(&[expired], None).await.unwrap_err();
        assert!(e.to_string().contains("it expired on"), "{e}");
        let server = client(&root, ExtendedKeyUsagePurpose::ServerAuth, year);
        let e = trust.authenticate(&[server], None).await.unwrap_err();
        assert!(
            e.to_string().contains("not for client authentication"),
            "{e}"
        );
        assert_eq!(trust.tls_verifier().root_hint_subjects().len(), 1);
    }

    #[test]
    fn intermediates_alone_are_not_a_trust() {
        crate::tls::install_crypto_provider();
        let root = ca("Contoso Root");
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::new()).expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "Contoso Issuing");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuing = p
            .signed_by(&key, &Issuer::from_params(&root.0, &root.1))
            .expect("issuing")
            .der()
            .to_vec();
        assert!(ClientTrust::new(std::slice::from_ref(&issuing)).is_err());
        assert!(ClientTrust::new(&[issuing, root.2]).is_ok());
        assert!(ClientTrust::new(&[b"junk".to_vec()]).is_err());
    }
}
