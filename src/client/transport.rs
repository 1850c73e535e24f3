//! Connecting to a cloud service the way a client does: by its FQDN (so the certificate is
//! checked against the service name), with the FQDN pinned to one instance address because
//! the local cloud has no DNS, trusting exactly the roots given or else the system's.

use super::error::FetchError;
use std::net::SocketAddr;
use std::time::Duration;

/// How long an instance may take to accept a connection before the next address is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a transfer may stall before it counts as broken off (and resumes elsewhere).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The DER certificates in `bytes` (DER, or PEM with one or more certificates), checked to be
/// X.509 so a wrong file fails here rather than as "untrusted" at every service.
pub fn root_ders(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let ders = if crate::cert::pem::looks_like_pem(bytes) {
        let ders: Vec<Vec<u8>> = crate::cert::pem::blocks(bytes)?
            .into_iter()
            .filter(|b| b.label.contains("CERTIFICATE"))
            .map(|b| b.der)
            .collect();
        if ders.is_empty() {
            return Err("the PEM text holds no certificate".into());
        }
        ders
    } else {
        vec![bytes.to_vec()]
    };
    for der in &ders {
        x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not an X.509 certificate (DER or PEM): {e}"))?;
    }
    Ok(ders)
}

/// [`root_ders`] of every root given; the error names the root by its position.
pub(super) fn trust_roots(roots: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, FetchError> {
    let mut out = Vec::new();
    for (i, bytes) in roots.iter().enumerate() {
        out.extend(
            root_ders(bytes).map_err(|e| FetchError::Trust(format!("root #{}: {e}", i + 1)))?,
        );
    }
    Ok(out)
}

/// A client for `hosts` (the service FQDN and the URL's host, if different) pinned to `addr`,
/// trusting exactly `roots` (DER), or the system's roots when there are none.
pub(super) fn http_client(
    hosts: &[&str],
    addr: SocketAddr,
    roots: &[Vec<u8>],
) -> Result<reqwest::Client, String> {
    crate::tls::install_crypto_provider();
    // A proxy would resolve the FQDN itself and miss the pinned address; content from the
    // local cloud is reached directly.
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT);
    for host in hosts {
        builder = builder.resolve(host, addr);
    }
    if !roots.is_empty() {
        let certs = roots
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        builder = builder.tls_certs_only(certs);
    }
    builder.build().map_err(|e| e.to_string())
}

/// The usable addresses of a location, rotated to start at `start % len` so clients spread
/// over the instances; also the entries that are not `ip:port`.
pub(super) fn address_order(addresses: &[String], start: usize) -> (Vec<SocketAddr>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for a in addresses {
        match a.trim().parse::<SocketAddr>() {
            Ok(s) => good.push(s),
            Err(_) => bad.push(a.clone()),
        }
    }
    if !good.is_empty() {
        let n = start % good.len();
        good.rotate_left(n);
    }
    (good, bad)
}

/// A random starting index (0 if no randomness is available: any start is correct).
pub(super) fn random_start() -> usize {
    let mut b = [0u8; 8];
    match getrandom::fill(&mut b) {
        Ok(()) => u64::from_le_bytes(b) as usize,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_rotate_and_bad_ones_are_reported() {
        let list: Vec<String> = ["127.0.0.1:1", "nonsense", "127.0.0.1:2", "127.0.0.1:3"]
            .map(String::from)
            .to_vec();
        let (good, bad) = address_order(&list, 4);
        let ports: Vec<u16> = good.iter().map(|a| a.port()).collect();
        assert_eq!(ports, [2, 3, 1]);
        assert_eq!(bad, ["nonsense"]);
        assert_eq!(address_order(&[], 3), (vec![], vec![]));
    }

    #[test]
    fn roots_must_be_certificates() {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["root".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let der = cert.der().to_vec();
        let pem = cert.pem().into_bytes();
        let both = [pem.clone(), pem.clone()].concat();
        let roots = trust_roots(&[der.clone(), both]).expect("roots");
        assert_eq!(roots, vec![der.clone(), der.clone(), der]);
        let e = trust_roots(&[b"not a certificate".to_vec()]).expect_err("junk");
        assert!(
            e.to_string().contains("root #1: not an X.509 certificate"),
            "{e}"
        );
        let e = trust_roots(&[
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
        ])
        .expect_err("key");
        assert!(e.to_string().contains("no certificate"), "{e}");
        let client = http_client(&["a.example"], "127.0.0.1:1".parse().expect("addr"), &roots);
        assert!(client.is_ok());
    }
}
