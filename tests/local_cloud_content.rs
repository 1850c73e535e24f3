//! Content in the local cloud: resumable, verified blob uploads through the management API,
//! storage usage, and instances serving blobs over HTTPS to token holders, with byte ranges and
//! exact egress metering. Every test runs against both stores: `folder::…` against the data
//! directory, `azure::…` against a throwaway Azurite (skipped, with one line, without it).

mod azurite_support;
mod common;
mod local_cloud_support;

use azurite_support::Azurite;
use cloudsite::cloud::local::{
    CONTENT_CONTAINER, Faults, LocalCloud, LocalCloudConfig, LocalCloudHandle, StorageConfig,
};
use cloudsite::cloud::{
    BlobTarget, Caller, CloudError, DeploymentState, HostedKind, Provider, ProxyRoute,
};
use cloudsite::content::token::{self, Claims, TokenError};
use local_cloud_support::*;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_RANGES, AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_RANGE, RANGE,
};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

const SVC: &str = "clouddp1";
const ACCOUNT: &str = "clouddp1store";

/// `len` bytes that differ everywhere (so a misplaced range shows), written to `dir/name`.
fn make_file(dir: &Path, name: &str, len: usize, seed: u64) -> (PathBuf, Vec<u8>, String) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let data: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, &data).expect("write test file");
    let sha = hex::encode(Sha256::digest(&data));
    (path, data, sha)
}

fn target(blob: &str) -> BlobTarget {
    BlobTarget {
        account: ACCOUNT.to_string(),
        container: CONTENT_CONTAINER.to_string(),
        blob: blob.to_string(),
    }
}

/// A running cloud with `clouddp1` (2 instances, storage account, access key) running.
async fn running(
    dir: &Path,
    faults: Faults,
    store: &Store,
) -> (
    LocalCloudHandle,
    cloudsite::cloud::local::LocalProvider,
    Caller,
    Vec<SocketAddr>,
    Service,
) {
    let cloud = LocalCloud::start(LocalCloudConfig {
        data_dir: dir.to_path_buf(),
        provisioning_delay: DELAY,
        faults,
        storage: store.config(),
        ..LocalCloudConfig::default()
    })
    .await
    .expect("cloud starts");
    let mgmt = management_cert("mgmt-a");
    cloudsite::cloud::local::register_subscription(dir, SUB_A, &mgmt.cert, Some("Lab A"))
        .expect("register");
    let p = cloud.provider().expect("provider");
    let c = caller(SUB_A, &mgmt);
    let svc = service_cert();
    p.deploy(&c, &spec(SVC, HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    let status = wait_for(&p, &c, SVC, DeploymentState::Running).await;
    (cloud, p, c, addresses(&status), svc)
}

fn blob_url(cloud: &LocalCloudHandle, rest: &str) -> String {
    format!(
        "{}/{SUB_A}/services/storageservices/{ACCOUNT}/containers/{CONTENT_CONTAINER}/{rest}",
        cloud.management_url()
    )
}

async fn raw_put(
    client: &reqwest::Client,
    url: &str,
    total: usize,
    sha: &str,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let response = client
        .put(url)
        .header("x-blob-length", total)
        .header("x-blob-sha256", sha)
        .body(body)
        .send()
        .await
        .expect("put");
    (response.status(), response.text().await.expect("body"))
}

async fn blob_state(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = client.get(url).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

/// GETs a blob from an instance; returns status, headers and body.
async fn fetch(
    addr: SocketAddr,
    blob: &str,
    token: Option<&str>,
    extra: &[(reqwest::header::HeaderName, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = content_client().get(content_url(addr, blob));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in extra {
        request = request.header(name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

async fn uploaded_content_is_served_in_ranges_and_metered_exactly(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, addrs, _) = running(dir.path(), Faults::default(), store).await;
    let len = 3 * 1024 * 1024 + 12_345;
    let (path, data, sha) = make_file(files.path(), "setup.bin", len, 1);
    p.put_blob(&c, &target("PS100001/setup.bin"), &path, &sha)
        .await
        .expect("upload");
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(len as u64)
    );
    // Idempotent: the same blob again changes nothing.
    p.put_blob(
        &c,
        &target("PS100001/setup.bin"),
        &path,
        &sha.to_uppercase(),
    )
    .await
    .expect("upload again");
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(len as u64)
    );
    assert_eq!(p.egress(&c, SVC).await, Ok(0));
    // The blob is where the store keeps blobs, and only there.
    let names = store.names(dir.path(), ACCOUNT).await;
    assert!(
        names.iter().any(|n| n.ends_with("PS100001/setup.bin")),
        "{names:?}"
    );
    if let Store::Azure(_) = store {
        let files = Store::Folder
            .names(dir.path(), &format!("{ACCOUNT}/{CONTENT_CONTAINER}"))
            .await;
        assert!(files.is_empty(), "{files:?}");
    }

    let token = content_token(SVC, "PS100001", 3600);
    let blob = "PS100001/setup.bin";
    let mut received = 0u64;
    for addr in &addrs {
        let (status, headers, body) = fetch(*addr, blob, Some(&token), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[ACCEPT_RANGES], "bytes");
        assert_eq!(headers[CONTENT_LENGTH], len.to_string().as_str());
        assert!(
            body == data,
            "the served blob differs from the uploaded file"
        );
        received += body.len() as u64;
    }
    let n = len as u64;
    let cases: [(&str, StatusCode, u64, u64); 4] = [
        ("bytes=1000-1999", StatusCode::PARTIAL_CONTENT, 1000, 1999),
        ("bytes=-500", StatusCode::PARTIAL_CONTENT, n - 500, n - 1),
        (
            "bytes=3000000-",
            StatusCode::PARTIAL_CONTENT,
            3_000_000,
            n - 1,
        ),
        ("bytes=10-20,30-40", StatusCode::OK, 0, n - 1),
    ];
    for (range, want, first, last) in cases {
        let (status, headers, body) = fetch(addrs[0], blob, Some(&token), &[(RANGE, range)]).await;
        assert_eq!(status, want, "{range}");
        assert!(body == data[first as usize..=last as usize], "{range}");
        if want == StatusCode::PARTIAL_CONTENT {
            assert_eq!(
                headers[CONTENT_RANGE],
                format!("bytes {first}-{last}/{n}").as_str(),
                "{range}"
            );
        }
        received += body.len() as u64;
    }
    let (status, headers, body) = fetch(
        addrs[1],
        blob,
        Some(&token),
        &[(RANGE, &format!("bytes={n}-"))],
    )
    .await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(headers[CONTENT_RANGE], format!("bytes */{n}").as_str());
    assert!(body.is_empty());
    // A range for an older version of the blob (If-Range no longer matching) gets it whole.
    let (_, headers, _) = fetch(addrs[0], blob, Some(&token), &[(RANGE, "bytes=0-0")]).await;
    let etag = headers[ETAG].to_str().expect("etag").to_string();
    let (status, _, body) = fetch(
        addrs[0],
        blob,
        Some(&token),
        &[(RANGE, "bytes=5-9"), (IF_RANGE, &etag)],
    )
    .await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[5..10])
    );
    let (status, _, body) = fetch(
        addrs[0],
        blob,
        Some(&token),
        &[(RANGE, "bytes=5-9"), (IF_RANGE, "\"stale\"")],
    )
    .await;
    assert_eq!((status, body.len()), (StatusCode::OK, len));
    received += 1 + 5 + len as u64;
    // HEAD: the headers, no body, nothing metered.
    let head = content_client()
        .head(content_url(addrs[0], blob))
        .bearer_auth(&token)
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[CONTENT_LENGTH], len.to_string().as_str());

    // Many clients at once, over both instances.
    let downloads = (0..24).map(|i| {
        let (addr, token, data) = (addrs[i % 2], token.clone(), data.clone());
        tokio::spawn(async move {
            let (status, _, body) = fetch(addr, "PS100001/setup.bin", Some(&token), &[]).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body == data, "a concurrent download differs");
            body.len() as u64
        })
    });
    for download in downloads {
        received += download.await.expect("download task");
    }
    assert_eq!(
        p.egress(&c, SVC).await,
        Ok(received),
        "egress = body bytes received"
    );
    cloud.shutdown().await;
}

async fn only_valid_tokens_for_the_package_and_service_open_content(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, addrs, svc) = running(dir.path(), Faults::default(), store).await;
    let (path, _, sha) = make_file(files.path(), "a.bin", 1000, 2);
    p.put_blob(&c, &target("PKG1/a.bin"), &path, &sha)
        .await
        .expect("upload");
    let addr = addrs[0];
    let key = b"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |svc: &str, pkg: &str, exp: i64| Claims {
        svc: svc.into(),
        pkg: pkg.into(),
        iat: now - 100,
        exp,
    };
    let expired = token::issue(key, &claims(SVC, "PKG1", now - 10));
    let forged = token::issue(
        b"another key, same claims, no good",
        &claims(SVC, "PKG1", now + 60),
    );
    let other_pkg = token::issue(key, &claims(SVC, "PKG2", now + 60));
    let other_svc = token::issue(key, &claims("clouddp9", "PKG1", now + 60));
    let (status, headers, body) = fetch(addr, "PKG1/a.bin", None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(reqwest::header::WWW_AUTHENTICATE));
    assert_eq!(
        String::from_utf8_lossy(&body),
        TokenError::Missing.to_string()
    );
    let refusals = [
        (
            Some(expired.as_str()),
            StatusCode::UNAUTHORIZED,
            "expired at",
        ),
        (
            Some(forged.as_str()),
            StatusCode::UNAUTHORIZED,
            "signature is not valid",
        ),
        (Some("v1.garbage"), StatusCode::UNAUTHORIZED, "malformed"),
        (
            Some(other_pkg.as_str()),
            StatusCode::FORBIDDEN,
            "is for package PKG2",
        ),
        (
            Some(other_svc.as_str()),
            StatusCode::FORBIDDEN,
            "for service clouddp9",
        ),
    ];
    for (token, want, message) in refusals {
        let (status, _, body) = fetch(addr, "PKG1/a.bin", token, &[]).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, want, "{body}");
        assert!(body.contains(message), "{body}");
    }
    let basic = content_client()
        .get(content_url(addr, "PKG1/a.bin"))
        .header(AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("basic");
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    // Names that break the rules never exist, whoever asks; partial copies included.
    let good = content_token(SVC, "PKG1", 60);
    for blob in [
        "PKG1/.a.bin.partial",
        "PKG1/.a.bin.sha256",
        "PKG1/missing.bin",
    ] {
        assert_eq!(
            fetch(addr, blob, Some(&good), &[]).await.0,
            StatusCode::NOT_FOUND,
            "{blob}"
        );
    }
    let (_, answer) = https_get_auth(addr, "/content/PKG1/../../../account.json", &good).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // What tests/local_cloud_lifecycle.rs needs: the raw client with a token.
    let (_, answer) = https_get_auth(addr, "/content/PKG1/a.bin", &good).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("content-length: 1000"),
        "{}",
        &answer[..200]
    );
    let (status, _, body) = fetch(addr, "PKG1/a.bin", Some(&good), &[]).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1000));
    assert_eq!(
        p.egress(&c, SVC).await,
        Ok(2000),
        "refusals send no content"
    );

    // A service without an access key serves nothing.
    let mut keyless = spec("clouddp2", HostedKind::Cdp, 1, &svc);
    keyless.access_key = None;
    p.deploy(&c, &keyless).await.expect("deploy keyless");
    let status = wait_for(&p, &c, "clouddp2", DeploymentState::Running).await;
    let (status, _, body) = fetch(addresses(&status)[0], "PKG1/a.bin", Some(&good), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        String::from_utf8_lossy(&body),
        "this service serves no content"
    );

    // A new key reaches the running instances (same certificate, so the same listeners): old
    // tokens stop working, new ones work.
    let mut rotated = spec(SVC, HostedKind::Cdp, 2, &svc);
    let new_key = [9u8; 32];
    use base64::Engine as _;
    rotated.access_key = Some(base64::engine::general_purpose::STANDARD.encode(new_key));
    p.update(&c, &rotated).await.expect("update");
    let status = wait_for(&p, &c, SVC, DeploymentState::Running).await;
    assert_eq!(addresses(&status), addrs);
    let (code, _, _) = fetch(addr, "PKG1/a.bin", Some(&good), &[]).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let fresh = token::issue(&new_key, &claims(SVC, "PKG1", now + 60));
    assert_eq!(
        fetch(addr, "PKG1/a.bin", Some(&fresh), &[]).await.0,
        StatusCode::OK
    );
    let mut bad = rotated.clone();
    bad.access_key = Some("c2hvcnQ=".into());
    assert!(
        matches!(p.update(&c, &bad).await, Err(CloudError::Rejected(m)) if m.contains("32 bytes"))
    );
    cloud.shutdown().await;
}

async fn an_interrupted_upload_resumes_where_it_stopped(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, addrs, _) = running(dir.path(), Faults::default(), store).await;
    let len = 4 * 1024 * 1024 + 7;
    let (path, data, sha) = make_file(files.path(), "big.bin", len, 3);
    let raw = management_client(&cloud, &c);
    let url = blob_url(&cloud, "blobs/PS1/big.bin");
    let half = 2 * 1024 * 1024 + 3;
    // The first half arrives, then the upload "breaks off".
    let (status, body) = raw_put(
        &raw,
        &format!("{url}?offset=0"),
        len,
        &sha,
        data[..half].to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let state = blob_state(&raw, &url).await;
    assert_eq!(
        state,
        serde_json::json!({"complete_size": null, "complete_sha256": null, "partial_size": half})
    );
    // Invisible until complete: not counted, not served.
    assert_eq!(p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await, Ok(0));
    let token = content_token(SVC, "PS1", 60);
    assert_eq!(
        fetch(addrs[0], "PS1/big.bin", Some(&token), &[]).await.0,
        StatusCode::NOT_FOUND
    );
    // A piece that does not start where the partial copy ends is refused with where it ends.
    let (status, body) = raw_put(&raw, &format!("{url}?offset=10"), len, &sha, vec![0; 10]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains(&format!("holds {half} bytes")), "{body}");

    // The provider resumes: only the second half crosses the (counting) proxy.
    let (proxy_url, sent) = counting_proxy().await;
    let via_proxy = Caller {
        proxy: Some(ProxyRoute {
            url: proxy_url,
            credentials: None,
        }),
        ..c.clone()
    };
    p.put_blob(&via_proxy, &target("PS1/big.bin"), &path, &sha)
        .await
        .expect("resume");
    let through = sent.load(Ordering::SeqCst);
    let rest = (len - half) as u64;
    assert!(
        through >= rest && through < rest + 64 * 1024,
        "{through} bytes went up for the {rest} missing"
    );
    let state = blob_state(&raw, &url).await;
    assert_eq!(
        state,
        serde_json::json!({"complete_size": len, "complete_sha256": sha, "partial_size": 0})
    );
    let (status, _, body) = fetch(addrs[1], "PS1/big.bin", Some(&token), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == data, "the resumed blob differs from the file");

    // A partial copy of another version of the file: the provider starts over and succeeds.
    let (path2, data2, sha2) = make_file(files.path(), "big2.bin", len, 4);
    let url2 = blob_url(&cloud, "blobs/PS1/other.bin");
    let (status, _) = raw_put(
        &raw,
        &format!("{url2}?offset=0"),
        len,
        &sha2,
        data[..half].to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    p.put_blob(&c, &target("PS1/other.bin"), &path2, &sha2)
        .await
        .expect("start over");
    let (_, _, body) = fetch(addrs[0], "PS1/other.bin", Some(&token), &[]).await;
    assert!(body == data2, "the restarted blob differs from the file");
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(2 * len as u64)
    );
    cloud.shutdown().await;
}

/// An upload whose connection dies mid-body keeps at most what arrived, never more, and the
/// next upload completes the blob with the right bytes.
async fn a_killed_upload_leaves_a_resumable_blob(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, addrs, _) = running(dir.path(), Faults::default(), store).await;
    let len = 6 * 1024 * 1024 + 11;
    let (path, data, sha) = make_file(files.path(), "killed.bin", len, 8);
    let raw = management_client(&cloud, &c);
    let url = blob_url(&cloud, "blobs/PK/killed.bin");
    let sent = 3 * 1024 * 1024;
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(data[..sent / 2].to_vec()),
        Ok(data[sent / 2..sent].to_vec()),
        Err(std::io::Error::other("the uploader was killed")),
    ];
    let result = raw
        .put(format!("{url}?offset=0"))
        .header("x-blob-length", len)
        .header("x-blob-sha256", &sha)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            pieces,
        )))
        .send()
        .await;
    assert!(result.is_err(), "the upload should have broken off");
    // The cloud is done with the broken request once an empty piece where the partial copy
    // ends is accepted (409 UploadInProgress until then).
    let mut held = 0;
    for _ in 0..500 {
        held = blob_state(&raw, &url).await["partial_size"]
            .as_u64()
            .expect("partial size");
        let (status, _) = raw_put(&raw, &format!("{url}?offset={held}"), len, &sha, vec![]).await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::CONFLICT);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(held <= sent as u64, "{held} bytes held of the {sent} sent");
    assert_eq!(p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await, Ok(0));
    p.put_blob(&c, &target("PK/killed.bin"), &path, &sha)
        .await
        .expect("upload after the kill");
    let token = content_token(SVC, "PK", 60);
    let (status, _, body) = fetch(addrs[0], "PK/killed.bin", Some(&token), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == data, "the blob differs from the file");
    let names = store.names(dir.path(), ACCOUNT).await;
    assert!(
        names.iter().all(|n| !n.contains(".killed.bin.part")),
        "pieces left behind: {names:?}"
    );
    cloud.shutdown().await;
}

async fn bad_hashes_names_and_lengths_leave_nothing_behind(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, _, _) = running(dir.path(), Faults::default(), store).await;
    let (path, data, sha) = make_file(files.path(), "a.bin", 300_000, 5);
    let wrong = hex::encode(Sha256::digest(b"something else"));
    match p.put_blob(&c, &target("PKG/a.bin"), &path, &wrong).await {
        Err(CloudError::Rejected(m)) => assert!(m.contains("SHA-256") && m.contains(&sha), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await, Ok(0));
    let raw = management_client(&cloud, &c);
    let url = blob_url(&cloud, "blobs/PKG/a.bin");
    assert_eq!(
        blob_state(&raw, &url).await,
        serde_json::json!({"complete_size": null, "complete_sha256": null, "partial_size": 0})
    );
    let left = store
        .names(dir.path(), &format!("{ACCOUNT}/{CONTENT_CONTAINER}/PKG"))
        .await;
    assert!(left.is_empty(), "{left:?}");

    for (blob, rule) in [
        ("../a.bin", "'..'"),
        ("PKG/.a.bin.partial", "start with '.'"),
        ("PKG", "<package id>/<file name>"),
        ("PKG/sub/a.bin", "<package id>/<file name>"),
    ] {
        match p.put_blob(&c, &target(blob), &path, &sha).await {
            Err(CloudError::Rejected(m)) => assert!(m.contains(rule), "{blob}: {m}"),
            other => panic!("{blob}: {other:?}"),
        }
    }
    assert!(matches!(
        p.delete_blobs(&c, ACCOUNT, CONTENT_CONTAINER, "..").await,
        Err(CloudError::Rejected(_))
    ));
    // The server applies the rules too, to requests the provider would never send.
    for rest in [
        "blobs/..%2Fx/a.bin",
        "blobs/PKG/.hidden",
        "blobs/PKG/a%5Cb",
        "blobs/PKG/a%00b",
    ] {
        let (status, body) = raw_put(
            &raw,
            &format!("{}?offset=0", blob_url(&cloud, rest)),
            1,
            &sha,
            vec![1],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{rest}: {body}");
        assert!(body.contains("invalid"), "{rest}: {body}");
    }
    // Longer than declared: refused, nothing kept.
    let (status, body) = raw_put(
        &raw,
        &format!("{url}?offset=0"),
        10,
        &sha,
        data[..11].to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("past the declared length"), "{body}");
    assert_eq!(blob_state(&raw, &url).await["partial_size"], 0);
    // Another subscription's container does not exist for it.
    let mgmt_b = management_cert("mgmt-b");
    cloudsite::cloud::local::register_subscription(dir.path(), SUB_B, &mgmt_b.cert, None)
        .expect("register");
    let b = caller(SUB_B, &mgmt_b);
    assert!(matches!(
        p.put_blob(&b, &target("PKG/a.bin"), &path, &sha).await,
        Err(CloudError::NotFound(_))
    ));
    assert!(matches!(
        p.storage_used(&b, ACCOUNT, CONTENT_CONTAINER).await,
        Err(CloudError::NotFound(_))
    ));
    cloud.shutdown().await;
}

async fn deleting_packages_and_stopping_the_service(store: &Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c, addrs, _) = running(dir.path(), Faults::default(), store).await;
    let (a, _, sha_a) = make_file(files.path(), "a.bin", 200_000, 6);
    let (b, data_b, sha_b) = make_file(files.path(), "b.bin", 50_000, 7);
    // An injected fault fails the upload; the next try goes through.
    cloud.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    assert!(matches!(
        p.put_blob(&c, &target("P1/a.bin"), &a, &sha_a).await,
        Err(CloudError::Failed(m)) if m.contains("injected fault")
    ));
    p.put_blob(&c, &target("P1/a.bin"), &a, &sha_a)
        .await
        .expect("a");
    p.put_blob(&c, &target("P1/b.bin"), &b, &sha_b)
        .await
        .expect("b in P1");
    p.put_blob(&c, &target("P2/b.bin"), &b, &sha_b)
        .await
        .expect("b in P2");
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(300_000)
    );

    p.delete_blobs(&c, ACCOUNT, CONTENT_CONTAINER, "P1")
        .await
        .expect("delete P1");
    p.delete_blobs(&c, ACCOUNT, CONTENT_CONTAINER, "P1")
        .await
        .expect("delete P1 again");
    p.delete_blobs(&c, "noaccount", CONTENT_CONTAINER, "P1")
        .await
        .expect("absent container");
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(50_000)
    );
    let t1 = content_token(SVC, "P1", 60);
    assert_eq!(
        fetch(addrs[0], "P1/a.bin", Some(&t1), &[]).await.0,
        StatusCode::NOT_FOUND
    );

    p.stop(&c, SVC).await.expect("stop");
    wait_for(&p, &c, SVC, DeploymentState::Stopped).await;
    for addr in &addrs {
        assert!(refused(*addr).await, "{addr} still accepts connections");
    }
    assert_eq!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Ok(50_000)
    );
    p.start(&c, SVC).await.expect("start");
    let again = wait_for(&p, &c, SVC, DeploymentState::Running).await;
    let t2 = content_token(SVC, "P2", 60);
    let (status, _, body) = fetch(addresses(&again)[0], "P2/b.bin", Some(&t2), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == data_b);
    assert_eq!(p.egress(&c, SVC).await, Ok(50_000));

    // The container goes with everything in it.
    p.delete_container(&c, ACCOUNT, CONTENT_CONTAINER)
        .await
        .expect("delete container");
    assert!(matches!(
        p.storage_used(&c, ACCOUNT, CONTENT_CONTAINER).await,
        Err(CloudError::NotFound(_))
    ));
    assert!(!dir.path().join("storage").join(ACCOUNT).exists());
    let left = store.names(dir.path(), ACCOUNT).await;
    assert!(left.is_empty(), "{left:?}");
    cloud.shutdown().await;
}

/// The blob container the cloud uses in Azurite.
const BLOBS: &str = "cloudsite";

/// The store a run of the suite uses.
enum Store {
    /// Blobs in the cloud's data directory.
    Folder,
    /// Blobs in Azurite.
    Azure(Azurite),
}

impl Store {
    fn config(&self) -> StorageConfig {
        match self {
            Store::Folder => StorageConfig::Folder,
            Store::Azure(azurite) => azurite.storage(BLOBS),
        }
    }

    /// Every blob name, hidden ones included, under `prefix` (`account/container/…`).
    async fn names(&self, data_dir: &Path, prefix: &str) -> Vec<String> {
        match self {
            Store::Folder => {
                let mut names = Vec::new();
                let mut dirs = vec![data_dir.join("storage").join(prefix)];
                while let Some(dir) = dirs.pop() {
                    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                        if entry.path().is_dir() {
                            dirs.push(entry.path());
                        } else {
                            names.push(entry.path().display().to_string());
                        }
                    }
                }
                names
            }
            Store::Azure(azurite) => azurite.names(BLOBS, prefix).await,
        }
    }
}

/// Each test, once per store.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod folder {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(&super::Store::Folder).await
                }
            )*
        }
        mod azure {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(azurite) = super::Azurite::start(concat!("azure::", stringify!($name)))
                    else {
                        return;
                    };
                    super::$name(&super::Store::Azure(azurite)).await
                }
            )*
        }
    };
}

on_both_stores!(
    uploaded_content_is_served_in_ranges_and_metered_exactly,
    only_valid_tokens_for_the_package_and_service_open_content,
    an_interrupted_upload_resumes_where_it_stopped,
    a_killed_upload_leaves_a_resumable_blob,
    bad_hashes_names_and_lengths_leave_nothing_behind,
    deleting_packages_and_stopping_the_service,
);
