//! Why a fetch failed as a whole ([`FetchError`]), and how a failed request counts: the
//! location's [`AttemptError`] (the client moves on) or the end of the fetch.

use super::attempt::AttemptError;
use super::report::FetchReport;
use crate::api::client::ClientError;
use std::error::Error as StdError;
use std::path::PathBuf;

/// Why a fetch failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The management point could not be asked.
    #[error("{}", site_failed(.0))]
    Site(#[from] ClientError),
    /// The management point offers no source (its note says why).
    #[error("the management point offers no cloud source for {package}: {}", .note.as_deref().unwrap_or("no reason given"))]
    NoSource {
        /// The package's id as the management point answered (e.g. `PS100001`).
        package: String,
        /// The management point's reason (e.g. the client setting forbids cloud sources).
        note: Option<String>,
    },
    /// Every location failed; the report lists each attempt and why.
    #[error("{}", all_failed(.report))]
    AllFailed {
        /// What was done: files already complete, and each attempt with its error.
        report: Box<FetchReport>,
    },
    /// The management point's answer cannot be used (bad key, unsafe file name).
    #[error("the management point's answer is unusable: {0}")]
    BadAnswer(String),
    /// A root given to trust is not a certificate.
    #[error("a root certificate to trust is unusable: {0}")]
    Trust(String),
    /// The output folder cannot be written: no location can help.
    #[error("{}: {detail}", .path.display())]
    Local {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        detail: String,
    },
}

fn site_failed(e: &ClientError) -> String {
    match e {
        ClientError::Api { .. } => format!("the management point refused the request: {e}"),
        // Already says "cannot reach the site at …".
        ClientError::Transport { .. } => e.to_string(),
    }
}

fn all_failed(report: &FetchReport) -> String {
    let mut out = format!(
        "no content location could deliver {} ({}):",
        report.package_id, report.package_name
    );
    for (i, a) in report.attempts.iter().enumerate() {
        let why = a
            .error
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no error recorded".into());
        out.push_str(&format!(
            "\n  {}. {} ({}): {why}",
            i + 1,
            a.service_fqdn,
            a.kind
        ));
    }
    out
}

impl FetchError {
    /// A local I/O failure on `path`.
    pub(crate) fn local(path: &std::path::Path, e: impl std::fmt::Display) -> FetchError {
        FetchError::Local {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }
}

/// How a request failure counts.
#[derive(Debug)]
pub(crate) enum Failure {
    /// This address failed (connection refused, broke off): try the service's next address.
    Address(AttemptError),
    /// The location failed: try the next location.
    Location(AttemptError),
    /// Nothing else can work (the disk): stop.
    Fatal(FetchError),
}

/// The rustls error somewhere in `err`'s chain (tokio-rustls wraps it in an `io::Error`).
fn find_rustls<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // `io::Error::source` skips the error it wraps, so look inside by hand (the connector
        // wraps the rustls error in an io::Error wrapped in another).
        let mut inner: &(dyn StdError + 'static) = e;
        while let Some(io) = inner.downcast_ref::<std::io::Error>()
            && let Some(wrapped) = io.get_ref()
        {
            if let Some(r) = wrapped.downcast_ref::<rustls::Error>() {
                return Some(r);
            }
            inner = wrapped;
        }
        cur = e.source();
    }
    None
}

/// The innermost cause's message: reqwest's own top line only says "error sending request".
pub(crate) fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// The TLS failure for a rustls error met connecting to `fqdn` with `roots` roots given.
pub(crate) fn tls_failure(fqdn: &str, roots: usize, e: &rustls::Error) -> AttemptError {
    use rustls::CertificateError as C;
    let (fqdn, detail) = (fqdn.to_string(), e.to_string());
    match e {
        rustls::Error::InvalidCertificate(
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension | C::Other(_),
        ) => AttemptError::Untrusted {
            fqdn,
            roots,
            detail,
        },
        // The platform verifier's answer when the system has no root store at all.
        rustls::Error::General(text) if roots == 0 && text.contains("CA certificates") => {
            AttemptError::Untrusted {
                fqdn,
                roots,
                detail,
            }
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => AttemptError::WrongName { fqdn, detail },
        _ => AttemptError::Tls { fqdn, detail },
    }
}

/// Classifies a failed request to `fqdn` through `address`.
pub(crate) fn classify(err: &reqwest::Error, fqdn: &str, address: &str, roots: usize) -> Failure {
    if let Some(tls) = find_rustls(err) {
        // The same certificate is served by every instance: no other address helps.
        return Failure::Location(tls_failure(fqdn, roots, tls));
    }
    let (fqdn, address, detail) = (fqdn.to_string(), address.to_string(), root_cause(err));
    // Either way another instance may do better.
    Failure::Address(if err.is_connect() {
        AttemptError::Unreachable {
            fqdn,
            addresses: vec![address],
            detail,
        }
    } else {
        AttemptError::NoAnswer {
            fqdn,
            address,
            detail,
        }
    })
}

/// The location's error once every address failed: one `Unreachable` naming them all, or the
/// last failure when it was something else (a broken-off body).
pub(crate) fn every_address_failed(
    fqdn: &str,
    failures: Vec<(String, AttemptError)>,
) -> AttemptError {
    let all_unreachable = failures
        .iter()
        .all(|(_, e)| matches!(e, AttemptError::Unreachable { .. }));
    let addresses = failures.iter().map(|(a, _)| a.clone()).collect();
    match failures.into_iter().last() {
        Some((_, AttemptError::Unreachable { detail, .. })) if all_unreachable => {
            AttemptError::Unreachable {
                fqdn: fqdn.to_string(),
                addresses,
                detail,
            }
        }
        Some((_, e)) => e,
        None => AttemptError::NoInstance {
            fqdn: fqdn.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::attempt::short;

    const FQDN: &str = "cdp1.lab.contoso.com";

    #[test]
    fn statuses_map_to_kinds_with_the_body() {
        let e = AttemptError::from_status(
            FQDN,
            "a.msi",
            401,
            "the access token expired at 2030-01-01 00:00:00 (UTC); ask the management point for a new one\n",
        );
        assert_eq!(e.kind(), "unauthorized");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com refused the access token (401 Unauthorized): the access token expired at 2030-01-01 00:00:00 (UTC); ask the management point for a new one"
        );
        let e = AttemptError::from_status(
            FQDN,
            "a.msi",
            403,
            "the access token is for package PS100002, not this one",
        );
        assert!(matches!(e, AttemptError::Forbidden { ref body, .. } if body.contains("PS100002")));
        assert!(e.to_string().contains("403 Forbidden"));
        let e = AttemptError::from_status(FQDN, "a.msi", 404, "not found\n");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com does not have a.msi (404 Not Found): the package may not be distributed there (yet)"
        );
        let e = AttemptError::from_status(FQDN, "a.msi", 503, "");
        assert_eq!(
            e.to_string(),
            "cdp1.lab.contoso.com answered 503 for a.msi: no reason given"
        );
        assert_eq!(short(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn trust_failures_name_the_fix() {
        let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let with = tls_failure(FQDN, 1, &bad);
        assert_eq!(with.kind(), "untrusted");
        let text = with.to_string();
        assert!(text.starts_with("the certificate of cdp1.lab.contoso.com is not trusted by the roots given with --trust (1 certificate;"), "{text}");
        let without = tls_failure(FQDN, 0, &bad).to_string();
        assert!(
            without.contains("this system's root certificates"),
            "{without}"
        );
        assert!(without.contains("--trust ROOT.cer"), "{without}");
        let name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert_eq!(tls_failure(FQDN, 1, &name).kind(), "wrong-name");
        let no_store =
            rustls::Error::General("No CA certificates were loaded from the system".into());
        assert_eq!(tls_failure(FQDN, 0, &no_store).kind(), "untrusted");
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert_eq!(tls_failure(FQDN, 1, &expired).kind(), "tls");
        // Wrapped in an io::Error in an io::Error, as the connector hands it over.
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, bad);
        let outer = std::io::Error::other(io);
        assert!(find_rustls(&outer).is_some());
    }

    #[test]
    fn every_address_refused_names_them_all() {
        let refused = |a: &str| {
            (
                a.to_string(),
                AttemptError::Unreachable {
                    fqdn: FQDN.into(),
                    addresses: vec![a.into()],
                    detail: "Connection refused (os error 111)".into(),
                },
            )
        };
        let e = every_address_failed(FQDN, vec![refused("127.0.0.1:1"), refused("127.0.0.1:2")]);
        assert_eq!(
            e.to_string(),
            "cannot connect to cdp1.lab.contoso.com at 127.0.0.1:1, 127.0.0.1:2: Connection refused (os error 111); the service may be stopped"
        );
        let broke = AttemptError::Interrupted {
            fqdn: FQDN.into(),
            file: "a.msi".into(),
            received: 10,
            detail: "connection reset".into(),
        };
        let e = every_address_failed(
            FQDN,
            vec![
                refused("127.0.0.1:1"),
                ("127.0.0.1:2".into(), broke.clone()),
            ],
        );
        assert_eq!(e, broke);
        assert!(e.to_string().contains("kept to resume"));
        assert_eq!(every_address_failed(FQDN, vec![]).kind(), "no-instance");
        let json = serde_json::to_value(&broke).expect("json");
        assert_eq!(json["kind"], "interrupted");
        assert!(
            json["message"]
                .as_str()
                .is_some_and(|m| m.contains("a.msi"))
        );
    }
}
