//! A connection point attaching its channel to a CMG instance, on the instance's side. Both
//! transports are TLS in which the connection point must present a certificate the site's
//! connection point CA issued ([`connection_point_verifier`]), so a stranger cannot attach;
//! its name is that certificate's common name ([`peer_name`]). Over TCP-TLS the connection is
//! the channel from the first byte after the handshake ([`channel`]); over the HTTPS fallback
//! it becomes the channel after one HTTP/1.1 upgrade ([`fallback`]).
//!
//! Both run until the channel closes, so whoever runs them (a task per connection) closes the
//! channel by dropping them: the connection point sees its TCP connection close.

use super::channel;
use super::pool::ChannelPool;
use super::protocol::{FALLBACK_PATH, UPGRADE_PROTOCOL};
use crate::tls::{certs_from_pem, provider};
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::server::conn::http1;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How long a connection point on the fallback may take to send its upgrade request.
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS client verifier of the channel ports: a certificate is required and must chain to
/// the site's connection point CA (`ca_pem`, every certificate in it a trust anchor). A
/// refusal is a TLS alert the connection point can name: `CertificateRequired` (none),
/// `UnknownCA` (not issued by the site's CA, even by one with the same name),
/// `CertificateExpired`, `UnsupportedCertificate` (not for client authentication).
pub fn connection_point_verifier(ca_pem: &str) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let certs = certs_from_pem(ca_pem)
        .map_err(|e| format!("the connection point CA is not usable PEM: {e}"))?;
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| format!("the connection point CA cannot be a trust anchor: {e}"))?;
    }
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| format!("the connection point CA cannot be used: {e}"))?;
    Ok(Arc::new(SiteCaOnly(inner)))
}

/// The site's CA's verifier, with one refusal renamed: a certificate from another CA of the
/// same name fails on its signature, which TLS reports as `DecryptError`; to the connection
/// point's operator that is an unknown CA.
#[derive(Debug)]
struct SiteCaOnly(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for SiteCaOnly {
    fn offer_client_auth(&self) -> bool {
        self.0.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.0.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0
            .verify_client_cert(end_entity, intermediates, now)
            .map_err(|e| match e {
                rustls::Error::InvalidCertificate(CertificateError::BadSignature) => {
                    rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// A connection point's name: its certificate's common name, else its first DNS name, else
/// its thumbprint.
pub fn peer_name(cert_der: &[u8]) -> String {
    match crate::cert::x509::parse(cert_der) {
        Ok((facts, _)) => facts
            .subject_cn
            .filter(|cn| !cn.trim().is_empty())
            .or_else(|| facts.dns_names.first().cloned())
            .unwrap_or(facts.sha1_thumbprint),
        Err(_) => crate::tls::sha1_thumbprint(cert_der),
    }
}

/// Runs the channel over `io` (authenticated as connection point `peer`) until it closes,
/// listed in `pool` meanwhile.
pub async fn channel<IO>(io: IO, peer: &str, pool: &ChannelPool)
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let Ok((sender, drive)) = channel::open(io).await else {
        return;
    };
    let _listed = pool.add(peer, sender);
    drive.await;
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(format!("{text}\n")));
    *response.status_mut() = status;
    response
}

/// Does the request ask to become a channel?
fn wants_channel(req: &Request<hyper::body::Incoming>) -> bool {
    let has = |name, token: &str| {
        req.headers().get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, UPGRADE_PROTOCOL)
}

/// The fallback's one HTTP exchange: `GET FALLBACK_PATH` with the upgrade becomes `101`, and
/// the connection is handed over through `slot`; anything else is refused with the reason.
fn answer(
    mut req: Request<hyper::body::Incoming>,
    slot: &Mutex<Option<tokio::sync::oneshot::Sender<OnUpgrade>>>,
) -> Response<Body> {
    if req.uri().path() != FALLBACK_PATH {
        return plain(
            StatusCode::NOT_FOUND,
            &format!(
                "this is a CMG channel port: a connection point opens its channel with GET {FALLBACK_PATH} and Upgrade: {UPGRADE_PROTOCOL}"
            ),
        );
    }
    if req.method() != Method::GET {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "the channel upgrade is a GET",
        );
    }
    if !wants_channel(&req) {
        let mut response = plain(
            StatusCode::UPGRADE_REQUIRED,
            &format!("the channel needs Connection: Upgrade and Upgrade: {UPGRADE_PROTOCOL}"),
        );
        response
            .headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static(UPGRADE_PROTOCOL));
        return response;
    }
    let handed = slot
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .map(|tx| tx.send(hyper::upgrade::on(&mut req)).is_ok());
    if handed != Some(true) {
        return plain(StatusCode::CONFLICT, "this connection is already a channel");
    }
    let mut response = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    *response.body_mut() = Body::empty();
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static(UPGRADE_PROTOCOL));
    response
}

/// Serves the HTTPS fallback on `io` (after TLS, as connection point `peer`): HTTP/1.1 until
/// the upgrade, then the channel on the same connection until it closes.
pub async fn fallback<IO>(io: IO, peer: &str, pool: &ChannelPool)
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let slot = Arc::new(Mutex::new(Some(tx)));
    let service = hyper::service::service_fn(move |req| {
        let response = answer(req, &slot);
        async move { Ok::<_, Infallible>(response) }
    });
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(UPGRADE_TIMEOUT)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades()
        .await;
    if served.is_err() {
        return;
    }
    // The connection ended: with the upgrade (the handler took it) or without (nothing sent).
    let Ok(upgrade) = rx.await else {
        return;
    };
    if let Ok(upgraded) = upgrade.await {
        channel(TokioIo::new(upgraded), peer, pool).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_point_goes_by_its_common_name() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut p = rcgen::CertificateParams::new(vec!["cp1.contoso.com".into()]).expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "CP1.contoso.com");
        let der = p.self_signed(&key).expect("cert").der().to_vec();
        assert_eq!(peer_name(&der), "CP1.contoso.com");
        let p = rcgen::CertificateParams::new(vec!["cp2.contoso.com".into()]).expect("params");
        let mut p = p;
        p.distinguished_name = rcgen::DistinguishedName::new();
        let der = p.self_signed(&key).expect("cert").der().to_vec();
        assert_eq!(peer_name(&der), "cp2.contoso.com");
        assert!(connection_point_verifier("junk").is_err());
    }
}
