//! `client::fetch_from` against small HTTPS content servers that behave like cloud instances
//! (bearer tokens, ranges, plain-text refusals), so the client's parts are tested without a
//! site: order of locations, failover between instances, resume, verification, messages.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cloudsite::api::wire::{ContentLocation, ContentLocations, PackageFileView};
use cloudsite::client::{
    AttemptError, FetchError, FetchEvent, FetchReport, FileStatus, fetch_from,
};
use cloudsite::content::crypt::{CHUNK, PackageKey, encrypt_stream};
use cloudsite::content::token::{self, Claims, TokenError};
use futures_util::{StreamExt, stream};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_rustls::TlsAcceptor;

const PKG: &str = "PS100001";
const FQDN: &str = "cdp1.lab.test";

/// A root CA and a service certificate for `FQDN`.
struct Pki {
    root_der: Vec<u8>,
    tls: Arc<rustls::ServerConfig>,
}

fn pki(name: &str) -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca = rcgen::CertificateParams::new(Vec::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("key");
    let leaf = rcgen::CertificateParams::new(vec![name.to_string()])
        .expect("params")
        .signed_by(&key, &rcgen::Issuer::from_params(&ca, &ca_key))
        .expect("leaf");
    cloudsite::tls::install_crypto_provider();
    let tls = cloudsite::tls::server_config(&leaf.pem(), &key.serialize_pem(), None)
        .expect("server config");
    Pki {
        root_der: ca_cert.der().to_vec(),
        tls: Arc::new(tls),
    }
}

/// What a service serves: its name (the tokens' `svc`), access key and blobs.
struct Svc {
    name: String,
    key: Vec<u8>,
    blobs: HashMap<String, Vec<u8>>,
    /// Break off the next body longer than 100 kB halfway, once.
    cut_once: AtomicBool,
}

fn refuse(status: StatusCode, e: impl ToString) -> Response {
    (status, e.to_string()).into_response()
}

async fn content(
    State(svc): State<Arc<Svc>>,
    Path((pkg, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match token::verify(&svc.key, bearer, &pkg, now) {
        Ok(c) if c.svc == svc.name => {}
        Ok(c) => return refuse(StatusCode::FORBIDDEN, format!("token for {}", c.svc)),
        Err(e @ TokenError::WrongPackage(_)) => return refuse(StatusCode::FORBIDDEN, e),
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e),
    }
    let Some(blob) = svc.blobs.get(&format!("{pkg}/{file}")) else {
        return refuse(StatusCode::NOT_FOUND, "not found\n");
    };
    let len = blob.len() as u64;
    let from = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.strip_suffix('-'))
        .and_then(|v| v.parse::<u64>().ok());
    if from.is_some_and(|f| f >= len) {
        let range = format!("bytes */{len}");
        return (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, range)],
        )
            .into_response();
    }
    let start = from.unwrap_or(0) as usize;
    let body = blob[start..].to_vec();
    let cut = body.len() > 100_000 && svc.cut_once.swap(false, Ordering::SeqCst);
    let stream_body = if cut {
        // Half the body, a pause so it reaches the client, then the connection dies.
        let half = Bytes::from(body[..body.len() / 2].to_vec());
        let dies = async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            Err(std::io::Error::other("instance stopped"))
        };
        let steps = stream::once(async { Ok(half) }).chain(stream::once(dies));
        Body::from_stream(steps)
    } else {
        Body::from(body.clone())
    };
    let mut resp = Response::new(stream_body);
    if from.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        let range = format!("bytes {start}-{}/{len}", len - 1);
        resp.headers_mut()
            .insert(header::CONTENT_RANGE, range.parse().expect("header"));
    }
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, body.len().into());
    h.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    resp
}

/// Serves `svc` over HTTPS on 127.0.0.1; the listener stops when the handle is dropped.
async fn instance(
    tls: &Arc<rustls::ServerConfig>,
    svc: &Arc<Svc>,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let acceptor = TlsAcceptor::from(tls.clone());
    let router = Router::new()
        .route("/content/{pkg}/{file}", get(content))
        .with_state(svc.clone());
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(router))
                    .await;
            });
        }
    });
    (addr, task)
}

/// A package of two files, encrypted, and its blobs.
struct Package {
    key: PackageKey,
    plain: Vec<(String, Vec<u8>)>,
    blobs: HashMap<String, Vec<u8>>,
}

fn package() -> Package {
    let key = PackageKey::generate().expect("key");
    let big: Vec<u8> = (0..3 * CHUNK + 123).map(|i| (i * 7 % 253) as u8).collect();
    let plain = vec![
        ("readme.txt".to_string(), b"hello\n".to_vec()),
        ("setup.bin".to_string(), big),
    ];
    let mut blobs = HashMap::new();
    for (name, bytes) in &plain {
        let mut sealed = Vec::new();
        encrypt_stream(&key, &mut bytes.as_slice(), &mut sealed).expect("encrypt");
        blobs.insert(format!("{PKG}/{name}"), sealed);
    }
    Package { key, plain, blobs }
}

fn service(name: &str, pkg: &Package) -> Arc<Svc> {
    Arc::new(Svc {
        name: name.into(),
        key: vec![9u8; 32],
        blobs: pkg.blobs.clone(),
        cut_once: AtomicBool::new(false),
    })
}

fn token_for(svc: &Svc, pkg: &str, exp_in: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    token::issue(
        &svc.key,
        &Claims {
            svc: svc.name.clone(),
            pkg: pkg.into(),
            iat: now,
            exp: now + exp_in,
        },
    )
}

fn location(fqdn: &str, addresses: &[SocketAddr], token: String) -> ContentLocation {
    ContentLocation {
        service_id: format!("id-{fqdn}"),
        kind: cloudsite::domain::service::HostedKind::Cdp,
        service_fqdn: fqdn.into(),
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
        url: format!("https://{fqdn}/content/{PKG}/"),
        token,
        token_expires: "2099-01-01T00:00:00Z".into(),
    }
}

fn answer(pkg: &Package, locations: Vec<ContentLocation>) -> ContentLocations {
    ContentLocations {
        package_id: PKG.into(),
        package_name: "Tools".into(),
        files: pkg
            .plain
            .iter()
            .map(|(name, bytes)| PackageFileView {
                name: name.clone(),
                size: bytes.len() as u64,
                sha256: Some(hex::encode(Sha256::digest(bytes))),
                encrypted_size: Some(pkg.blobs[&format!("{PKG}/{name}")].len() as u64),
            })
            .collect(),
        key: pkg.key.to_base64(),
        locations,
        note: None,
    }
}

fn assert_files(dir: &std::path::Path, pkg: &Package) {
    for (name, bytes) in &pkg.plain {
        assert_eq!(
            &std::fs::read(dir.join(name)).expect("file"),
            bytes,
            "{name}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

async fn run(
    answer: &ContentLocations,
    dir: &std::path::Path,
    trust: &[Vec<u8>],
) -> (Result<FetchReport, FetchError>, Vec<FetchEvent>) {
    let mut events = Vec::new();
    let r = fetch_from(answer, dir, trust, |e| events.push(e)).await;
    (r, events)
}

fn kinds(report: &FetchReport) -> Vec<Option<&'static str>> {
    report
        .attempts
        .iter()
        .map(|a| a.error.as_ref().map(AttemptError::kind))
        .collect()
}

/// The error message of attempt `i`.
fn err_text(report: &FetchReport, i: usize) -> String {
    report.attempts[i]
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// The report of a fetch that had to fail with `AllFailed`.
fn all_failed(r: Result<FetchReport, FetchError>) -> Box<FetchReport> {
    match r {
        Err(FetchError::AllFailed { report }) => report,
        other => panic!("expected AllFailed: {other:?}"),
    }
}

/// A valid token of `svc` for the package.
fn tok(svc: &Svc) -> String {
    token_for(svc, PKG, 3600)
}

#[tokio::test]
async fn fetches_verifies_and_a_rerun_skips_everything() {
    let (pki, pkg, dir) = (pki(FQDN), package(), tempfile::tempdir().expect("dir"));
    let svc = service("cdp1", &pkg);
    let (addr, _i) = instance(&pki.tls, &svc).await;
    let ans = answer(&pkg, vec![location(FQDN, &[addr], tok(&svc))]);
    let trust = vec![pki.root_der.clone()];
    let (r, _) = run(&ans, dir.path(), &trust).await;
    let report = r.expect("fetch");
    assert_files(dir.path(), &pkg);
    assert_eq!(report.files.len(), 2);
    assert!(
        report
            .files
            .iter()
            .all(|f| f.status == FileStatus::Downloaded)
    );
    assert_eq!(
        report.source.as_ref().map(|s| s.service_fqdn.as_str()),
        Some(FQDN)
    );
    assert_eq!(kinds(&report), [None]);
    assert_eq!(
        report.downloaded_bytes,
        pkg.blobs.values().map(|b| b.len() as u64).sum::<u64>()
    );
    assert_eq!(
        report.files[1].sha256,
        hex::encode(Sha256::digest(&pkg.plain[1].1))
    );

    let (r, events) = run(&ans, dir.path(), &trust).await;
    let again = r.expect("rerun");
    assert!(
        again
            .files
            .iter()
            .all(|f| f.status == FileStatus::AlreadyPresent)
    );
    assert!(again.attempts.is_empty() && again.source.is_none());
    assert_eq!(again.downloaded_bytes, 0);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, FetchEvent::FileSkipped { .. }))
            .count(),
        2
    );
}

#[tokio::test]
async fn a_stopped_service_and_a_refused_token_move_on_to_the_next_location() {
    let (pki, pkg, dir) = (pki(FQDN), package(), tempfile::tempdir().expect("dir"));
    let svc = service("cdp1", &pkg);
    let (addr, _i) = instance(&pki.tls, &svc).await;
    let dead: SocketAddr = "127.0.0.1:1".parse().expect("addr");
    let ans = answer(
        &pkg,
        vec![
            location(FQDN, &[dead], tok(&svc)),
            location(FQDN, &[], tok(&svc)),
            location(FQDN, &[addr], token_for(&svc, PKG, -10)),
            location(FQDN, &[addr], tok(&svc)),
        ],
    );
    let (r, events) = run(&ans, dir.path(), std::slice::from_ref(&pki.root_der)).await;
    let report = r.expect("fetch");
    assert_files(dir.path(), &pkg);
    assert_eq!(
        kinds(&report),
        [
            Some("unreachable"),
            Some("no-instance"),
            Some("unauthorized"),
            None
        ]
    );
    let stopped = err_text(&report, 0);
    assert!(
        stopped.contains("127.0.0.1:1") && stopped.contains("the service may be stopped"),
        "{stopped}"
    );
    let expired = err_text(&report, 2);
    assert!(
        expired.contains("401") && expired.contains("expired"),
        "{expired}"
    );
    let failed = events
        .iter()
        .filter(|e| matches!(e, FetchEvent::LocationFailed { .. }))
        .count();
    assert_eq!(failed, 3);
}

#[tokio::test]
async fn when_every_location_fails_each_one_is_listed() {
    let (pki, pkg, dir) = (pki(FQDN), package(), tempfile::tempdir().expect("dir"));
    let svc = service("cdp1", &pkg);
    let (addr, _i) = instance(&pki.tls, &svc).await;
    // Change the signature's first character: all six of its bits count (the last one's may
    // be padding), and it is replaced by another (putting 'A' there left it unchanged one time
    // in 64).
    let real = tok(&svc);
    let at = real.rfind('.').expect("a signed token") + 1;
    let swap = if real[at..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{swap}{}", &real[..at], &real[at + 1..]);
    let cdp2 = Svc {
        name: "cdp2".into(),
        ..clone_svc(&svc)
    };
    let ans = answer(
        &pkg,
        vec![
            location(FQDN, &[addr], forged),
            location(FQDN, &[addr], token_for(&svc, "PS100002", 3600)),
            location(FQDN, &[addr], tok(&cdp2)),
        ],
    );
    let report = all_failed(
        run(&ans, dir.path(), std::slice::from_ref(&pki.root_der))
            .await
            .0,
    );
    let expected = [Some("unauthorized"), Some("forbidden"), Some("forbidden")];
    assert_eq!(kinds(&report), expected);
    let text = FetchError::AllFailed {
        report: report.clone(),
    }
    .to_string();
    assert!(text.starts_with("no content location could deliver PS100001 (Tools):"));
    assert!(text.contains("\n  1. cdp1.lab.test (cdp): cdp1.lab.test refused the access token (401 Unauthorized): the access token's signature is not valid"), "{text}");
    assert!(
        text.contains("\n  2. ") && text.contains("PS100002"),
        "{text}"
    );
    assert!(report.files.is_empty());

    // The certificate does not chain to the root given.
    let one = answer(&pkg, vec![location(FQDN, &[addr], tok(&svc))]);
    let other_root = crate::pki("other.lab.test").root_der;
    let report = all_failed(run(&one, dir.path(), &[other_root]).await.0);
    let Some(AttemptError::Untrusted { roots: 1, .. }) = &report.attempts[0].error else {
        panic!("{:?}", report.attempts)
    };
    let msg = err_text(&report, 0);
    let start = "the certificate of cdp1.lab.test is not trusted by the roots given with --trust";
    assert!(msg.starts_with(start), "{msg}");

    // No root given: the system's roots do not know the lab CA.
    let report = all_failed(run(&one, dir.path(), &[]).await.0);
    let Some(AttemptError::Untrusted { roots: 0, .. }) = &report.attempts[0].error else {
        panic!("{:?}", report.attempts)
    };
    assert!(err_text(&report, 0).contains("this system's root certificates"));

    // The certificate is for another name than the one connected to.
    let other = answer(&pkg, vec![location("cdp9.lab.test", &[addr], tok(&svc))]);
    let report = all_failed(
        run(&other, dir.path(), std::slice::from_ref(&pki.root_der))
            .await
            .0,
    );
    assert_eq!(kinds(&report), [Some("wrong-name")]);
}

fn clone_svc(svc: &Svc) -> Svc {
    Svc {
        name: svc.name.clone(),
        key: svc.key.clone(),
        blobs: HashMap::new(),
        cut_once: AtomicBool::new(false),
    }
}

#[tokio::test]
async fn a_broken_transfer_resumes_on_the_next_instance_and_in_the_next_run() {
    let (pki, pkg, dir) = (pki(FQDN), package(), tempfile::tempdir().expect("dir"));
    let svc = service("cdp1", &pkg);
    let (a1, _i1) = instance(&pki.tls, &svc).await;
    let (a2, _i2) = instance(&pki.tls, &svc).await;
    let trust = vec![pki.root_der.clone()];
    svc.cut_once.store(true, Ordering::SeqCst);
    let ans = answer(&pkg, vec![location(FQDN, &[a1, a2], tok(&svc))]);
    let (r, events) = run(&ans, dir.path(), &trust).await;
    let report = r.expect("fetch");
    assert_files(dir.path(), &pkg);
    assert!(
        events.iter().any(|e| matches!(
            e,
            FetchEvent::AddressFailed {
                error: AttemptError::Interrupted { .. },
                ..
            }
        )),
        "{events:?}"
    );
    let big = report
        .files
        .iter()
        .find(|f| f.name == "setup.bin")
        .expect("big");
    assert_eq!(big.status, FileStatus::Resumed);
    // Half the big blob was fetched twice at most: resumed, not restarted.
    let total: u64 = pkg.blobs.values().map(|b| b.len() as u64).sum();
    assert_eq!(report.downloaded_bytes, total);

    // One instance only: the location fails, the part stays; the next run resumes it.
    let dir = tempfile::tempdir().expect("dir");
    svc.cut_once.store(true, Ordering::SeqCst);
    let ans = answer(&pkg, vec![location(FQDN, &[a1], tok(&svc))]);
    let (r, _) = run(&ans, dir.path(), &trust).await;
    let report = all_failed(r);
    assert_eq!(kinds(&report), [Some("interrupted")]);
    assert_eq!(
        report.files.len(),
        1,
        "readme.txt was delivered and is kept"
    );
    let part = dir.path().join(".setup.bin.part");
    let kept = std::fs::metadata(&part).expect("part").len();
    assert!(kept > 0);
    let (r, events) = run(&ans, dir.path(), &trust).await;
    let report = r.expect("resume");
    let big_len = pkg.blobs[&format!("{PKG}/setup.bin")].len() as u64;
    assert_files(dir.path(), &pkg);
    assert!(events.contains(&FetchEvent::FileStarted {
        file: "setup.bin".into(),
        from: kept,
        total: big_len
    }));
    assert_eq!(report.downloaded_bytes, big_len - kept);
}

#[tokio::test]
async fn bad_bytes_are_deleted_and_a_foreign_part_is_fetched_afresh() {
    let (pki, pkg, dir) = (pki(FQDN), package(), tempfile::tempdir().expect("dir"));
    let good = service("cdp1", &pkg);
    let mut altered = pkg.blobs.clone();
    if let Some(b) = altered.get_mut(&format!("{PKG}/setup.bin")) {
        b[5000] ^= 1;
    }
    let bad = Arc::new(Svc {
        blobs: altered,
        ..clone_svc(&good)
    });
    let (ga, _g) = instance(&pki.tls, &good).await;
    let (ba, _b) = instance(&pki.tls, &bad).await;
    let trust = vec![pki.root_der.clone()];
    let ans = answer(
        &pkg,
        vec![
            location(FQDN, &[ba], tok(&bad)),
            location(FQDN, &[ga], tok(&good)),
        ],
    );
    let (r, _) = run(&ans, dir.path(), &trust).await;
    let report = r.expect("fetch");
    assert_files(dir.path(), &pkg);
    assert_eq!(kinds(&report), [Some("corrupt"), None]);
    let msg = err_text(&report, 0);
    assert!(
        msg.starts_with("setup.bin from cdp1.lab.test does not decrypt")
            && msg.ends_with("the download was deleted"),
        "{msg}"
    );

    // A part from another encryption of the file: resuming fails to verify, a fresh copy works.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".setup.bin.part"), vec![0u8; 4096]).expect("part");
    let ans = answer(&pkg, vec![location(FQDN, &[ga], tok(&good))]);
    let report = run(&ans, dir.path(), &trust).await.0.expect("fetch");
    assert_files(dir.path(), &pkg);
    assert!(
        report
            .files
            .iter()
            .all(|f| f.status == FileStatus::Downloaded)
    );
}

#[tokio::test]
async fn no_source_and_unusable_answers() {
    let (pkg, dir) = (package(), tempfile::tempdir().expect("dir"));
    let mut ans = answer(&pkg, vec![]);
    ans.note = Some("no cloud distribution point has the package".into());
    let r = fetch_from(&ans, dir.path(), &[], |_| {}).await;
    let Err(e @ FetchError::NoSource { .. }) = r else {
        panic!("expected NoSource")
    };
    assert_eq!(
        e.to_string(),
        "the management point offers no cloud source for PS100001: no cloud distribution point has the package"
    );

    ans.files[0].name = "../escape".into();
    let r = fetch_from(&ans, dir.path(), &[], |_| {}).await;
    assert!(
        matches!(r, Err(FetchError::BadAnswer(ref m)) if m.contains("../escape")),
        "{r:?}"
    );
    ans.key = "short".into();
    assert!(matches!(
        fetch_from(&ans, dir.path(), &[], |_| {}).await,
        Err(FetchError::BadAnswer(_))
    ));
    let r = fetch_from(
        &answer(&pkg, vec![]),
        dir.path(),
        &[b"junk".to_vec()],
        |_| {},
    )
    .await;
    assert!(matches!(r, Err(FetchError::Trust(_))), "{r:?}");
}
