//! TLS plumbing shared by the site, the local cloud and every client: the process-wide crypto provider,
//! PEM ↔ rustls conversions, thumbprints, the client-certificate verifier that accepts any
//! certificate (the cloud decides per request whether it is registered), and the
//! server-certificate verifier of probes that judge the certificate themselves.

pub mod listen;

use crate::cert::pem;
use rustls::DistinguishedName;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, ServerConfig, SignatureScheme};
use sha1::{Digest, Sha1};
use std::sync::{Arc, Mutex};

/// Why a certificate or key could not be turned into a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The PEM text is broken.
    #[error("{0}")]
    Pem(String),
    /// The PEM text holds no certificate.
    #[error("no certificate found in the PEM text")]
    NoCertificate,
    /// The PEM text holds no (supported) private key.
    #[error("no private key found in the PEM text (PKCS#8, PKCS#1 or SEC1 expected)")]
    NoKey,
    /// rustls refused the certificate/key pair.
    #[error("{0}")]
    Rustls(#[from] rustls::Error),
}

/// Installs ring as the process-wide rustls crypto provider; later calls do nothing.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is exactly what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The ring provider, as an `Arc` for the `builder_with_provider` constructors.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in a PEM text, in order (leaf first for a chain).
pub fn certs_from_pem(text: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = pem::blocks(text.as_bytes())
        .map_err(TlsError::Pem)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| CertificateDer::from(b.der))
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certs)
}

/// The first private key in a PEM text.
pub fn key_from_pem(text: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    pem::blocks(text.as_bytes())
        .map_err(TlsError::Pem)?
        .into_iter()
        .find_map(|b| match b.label.as_str() {
            "PRIVATE KEY" => Some(PrivateKeyDer::Pkcs8(b.der.into())),
            "RSA PRIVATE KEY" => Some(PrivateKeyDer::Pkcs1(b.der.into())),
            "EC PRIVATE KEY" => Some(PrivateKeyDer::Sec1(b.der.into())),
            _ => None,
        })
        .ok_or(TlsError::NoKey)
}

/// SHA-1 of a certificate's DER in upper-case hex: the Windows "thumbprint".
pub fn sha1_thumbprint(der: &[u8]) -> String {
    hex::encode_upper(Sha1::digest(der))
}

/// A TLS server configuration serving `chain_pem` with `key_pem`, asking for a client
/// certificate when `client_auth` is given. Offers HTTP/1.1 only.
pub fn server_config(
    chain_pem: &str,
    key_pem: &str,
    client_auth: Option<Arc<dyn ClientCertVerifier>>,
) -> Result<ServerConfig, TlsError> {
    let chain = certs_from_pem(chain_pem)?;
    let key = key_from_pem(key_pem)?;
    // rustls speaks only TLS 1.2 and 1.3, so "TLS 1.2 only" needs no extra switch.
    let builder =
        ServerConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let builder = match client_auth {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Accepts any client certificate whose handshake signature is valid, without checking its
/// chain: classic Azure management certificates were self-signed, so trust is decided per
/// request against the subscription's registered thumbprints, not by a CA.
#[derive(Debug)]
pub struct AnyClientCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCert {
    /// A verifier using the ring provider's signature algorithms.
    pub fn new() -> Self {
        AnyClientCert {
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        }
    }
}

impl Default for AnyClientCert {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        // A missing certificate gets a 403 with an explanation rather than a bare TLS alert.
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
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

/// Accepts any server certificate whose handshake signature is valid, and keeps the one
/// presented last: for probes that ask whether an instance answers (the health checks), or that
/// judge its certificate themselves and say what is wrong (the connection analyzer).
#[derive(Debug)]
pub struct AnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
    presented: Mutex<Option<Vec<u8>>>,
}

impl AnyServerCert {
    /// A verifier using the ring provider's signature algorithms.
    pub fn new() -> Self {
        AnyServerCert {
            algorithms: provider().signature_verification_algorithms,
            presented: Mutex::new(None),
        }
    }

    /// The leaf certificate (DER) presented last, taken.
    pub fn take_presented(&self) -> Option<Vec<u8>> {
        self.presented
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

impl Default for AnyServerCert {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.presented.lock().unwrap_or_else(|p| p.into_inner()) = Some(end_entity.to_vec());
        Ok(ServerCertVerified::assertion())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip() {
        let der = (0u8..200).collect::<Vec<_>>();
        let text = crate::cert::pem::encode("CERTIFICATE", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        let certs = certs_from_pem(&text).expect("parse");
        assert_eq!(certs[0].as_ref(), der.as_slice());
        assert!(matches!(key_from_pem(&text), Err(TlsError::NoKey)));
        assert!(matches!(
            certs_from_pem("nothing"),
            Err(TlsError::NoCertificate)
        ));
    }

    #[test]
    fn provider_installs_twice() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(CryptoProvider::get_default().is_some());
    }
}
