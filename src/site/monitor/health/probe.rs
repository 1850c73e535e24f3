//! Instance probes: `GET /` over TLS with SNI = the service FQDN, accepting whatever
//! certificate the instance presents.

use crate::cloud::ServiceStatus;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Why a service is not serving: on one instance, or the whole deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Instance id, when the problem is one instance's.
    pub instance: Option<String>,
    /// What is wrong.
    pub problem: String,
}

pub(super) fn problem(instance: Option<&str>, text: impl Into<String>) -> Problem {
    Problem {
        instance: instance.map(str::to_string),
        problem: text.into(),
    }
}

/// How long one instance probe may take, connect to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// The most of an instance's answer that is read (it is one short line).
const MAX_ANSWER: u64 = 16 * 1024;

/// Probes every instance at once; returns the failures.
pub(super) async fn probe_all(
    tls: &Arc<rustls::ClientConfig>,
    fqdn: &str,
    s: &ServiceStatus,
) -> Vec<Problem> {
    let mut set = tokio::task::JoinSet::new();
    for inst in &s.instances {
        let Some(addr) = inst.address else { continue };
        let (tls, fqdn) = (Arc::clone(tls), fqdn.to_string());
        let expected = format!("{} {} ready", s.name, inst.id);
        let id = inst.id.clone();
        set.spawn(async move { (id, probe(tls, &fqdn, addr, &expected).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((id, Err(why))) => out.push(problem(Some(&id), why)),
            Err(e) => out.push(problem(None, format!("the probe failed: {e}"))),
        }
    }
    out.sort_by(|a, b| a.instance.cmp(&b.instance));
    out
}

/// `GET /` on one instance over TLS with SNI `fqdn`, within [`PROBE_TIMEOUT`].
pub(super) async fn probe(
    tls: Arc<rustls::ClientConfig>,
    fqdn: &str,
    addr: SocketAddr,
    expected: &str,
) -> Result<(), String> {
    let attempt = async {
        let name = ServerName::try_from(fqdn.to_string())
            .map_err(|e| format!("'{fqdn}' is not a TLS server name: {e}"))?;
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let mut stream = tokio_rustls::TlsConnector::from(tls)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
        let request = format!("GET / HTTP/1.1\r\nHost: {fqdn}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("cannot send the request to {addr}: {e}"))?;
        let mut answer = Vec::new();
        let read = (&mut stream)
            .take(MAX_ANSWER)
            .read_to_end(&mut answer)
            .await;
        // A server closing without TLS close_notify still gave a full answer.
        if let Err(e) = read
            && answer.is_empty()
        {
            return Err(format!("no answer from {addr}: {e}"));
        }
        check_answer(&answer, expected).map_err(|e| format!("{addr} {e}"))
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer from {addr} within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

/// Is this raw HTTP answer a 200 whose body is `expected`?
pub(super) fn check_answer(raw: &[u8], expected: &str) -> Result<(), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1);
    if !status.starts_with("HTTP/") || code.is_none() {
        let start: String = status.chars().take(80).collect();
        return Err(format!("did not answer HTTP ('{start}')"));
    }
    if code != Some("200") {
        return Err(format!("answered '{status}'"));
    }
    if body.trim() != expected {
        let start: String = body.trim().chars().take(80).collect();
        return Err(format!("answered '{start}', not '{expected}'"));
    }
    Ok(())
}

/// TLS for probes: any server certificate is accepted, since the question is whether the
/// instance answers, not whether a client would trust it (certificate rules are checked on
/// upload and by the expiry alerts).
pub(crate) fn probe_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let verifier = crate::tls::AnyServerCert::new();
    let mut config = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_200_with_the_instances_line_is_an_answer() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 19\r\n\r\ncdp1 CDP_IN_0 ready";
        assert_eq!(check_answer(ok, "cdp1 CDP_IN_0 ready"), Ok(()));
        assert!(
            check_answer(ok, "cdp1 CDP_IN_1 ready")
                .unwrap_err()
                .contains("not 'cdp1 CDP_IN_1 ready'")
        );
        let busy = b"HTTP/1.1 503 Service Unavailable\r\n\r\n";
        assert!(check_answer(busy, "x").unwrap_err().contains("503"));
        assert!(
            check_answer(b"\x15\x03\x03", "x")
                .unwrap_err()
                .contains("did not answer HTTP")
        );
    }

    /// A TLS server with a self-signed certificate for another name, answering one request
    /// with `body` only when the client asked for `sni`.
    async fn tls_server(sni: &'static str, body: &'static str) -> SocketAddr {
        crate::tls::install_crypto_provider();
        let key = rcgen::KeyPair::generate().expect("key");
        let params =
            rcgen::CertificateParams::new(vec!["elsewhere.example".to_string()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        let config =
            crate::tls::server_config(&cert.pem(), &key.serialize_pem(), None).expect("tls");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let asked = tls.get_ref().1.server_name().map(str::to_string);
                let mut buf = [0u8; 1024];
                let _ = tls.read(&mut buf).await;
                let answer = if asked.as_deref() == Some(sni) {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 421 Misdirected Request\r\ncontent-length: 0\r\n\r\n".to_string()
                };
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_probe_names_the_service_accepts_its_certificate_and_says_what_failed() {
        let tls = probe_config().expect("probe TLS");
        let addr = tls_server("cdp1.contoso.com", "cdp1 CDP_IN_0 ready").await;
        assert_eq!(
            probe(tls.clone(), "cdp1.contoso.com", addr, "cdp1 CDP_IN_0 ready").await,
            Ok(())
        );
        let wrong = probe(
            tls.clone(),
            "other.contoso.com",
            addr,
            "cdp1 CDP_IN_0 ready",
        )
        .await;
        assert!(wrong.unwrap_err().contains("421"));

        // Nothing listens: connect fails.
        let gone = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gone_addr = gone.local_addr().expect("addr");
        drop(gone);
        let refused = probe(tls.clone(), "cdp1.contoso.com", gone_addr, "x")
            .await
            .unwrap_err();
        assert!(refused.contains("cannot connect"), "{refused}");

        // Something listens but does not speak TLS.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let plain_addr = plain.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut tcp, _)) = plain.accept().await {
                let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let not_tls = probe(tls, "cdp1.contoso.com", plain_addr, "x")
            .await
            .unwrap_err();
        assert!(not_tls.contains("TLS handshake"), "{not_tls}");
    }
}
