//! The connection point's TLS: it presents the certificate the site issued it, and it trusts
//! exactly one server certificate, the CMG's service certificate, pinned by the SHA-1
//! thumbprint the site gave (no CA, no name check: a stranger certificate is refused even if a
//! trusted CA issued it for the right name).

use crate::tls::{TlsError, certs_from_pem, key_from_pem, provider, sha1_thumbprint};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// Accepts only the pinned certificate; remembers the last one it refused, so the connection
/// point can say which certificate the instance presented.
#[derive(Debug)]
pub(super) struct Pinned {
    thumbprint: String,
    refused: Mutex<Option<String>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl Pinned {
    /// Pins the certificate with this SHA-1 thumbprint (hex, any case).
    pub(super) fn new(thumbprint: &str) -> Pinned {
        Pinned {
            thumbprint: thumbprint.trim().to_ascii_uppercase(),
            refused: Mutex::new(None),
            algorithms: provider().signature_verification_algorithms,
        }
    }

    /// The thumbprint of the certificate refused last, taken (so the next failure is fresh).
    pub(super) fn take_refused(&self) -> Option<String> {
        self.refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The pinned thumbprint.
    pub(super) fn thumbprint(&self) -> &str {
        &self.thumbprint
    }
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = sha1_thumbprint(end_entity.as_ref());
        if presented == self.thumbprint {
            return Ok(ServerCertVerified::assertion());
        }
        *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(presented);
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS client configuration that presents `cert_pem`/`key_pem` and trusts only `pin`.
/// `alpn` is offered as is: none over TCP-TLS (the channel is HTTP/2 from the first byte, with
/// nothing to negotiate), `http/1.1` on the HTTPS fallback (its upgrade request is HTTP/1.1).
pub(super) fn client_config(
    cert_pem: &str,
    key_pem: &str,
    pin: Arc<Pinned>,
    alpn: &[&[u8]],
) -> Result<Arc<ClientConfig>, TlsError> {
    let chain = certs_from_pem(cert_pem)?;
    let key = key_from_pem(key_pem)?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(pin)
        .with_client_auth_cert(chain, key)?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
