//! A client through the whole CMG data path, nothing standing in: client → the CMG instance the
//! local cloud runs (TLS with the service certificate, client certificate checked against the
//! lab root and the CRL `cloudsite lab serve` publishes) → the channel the site's connection
//! point dialled → the management point. The answers are the ones a direct request gets; a
//! client without a certificate, with an untrusted or a revoked one, speaking TLS 1.1, or asking
//! outside the URL mappings is refused with a message that says why.

mod cmg_support;
mod common;
mod local_cloud_support;
mod site_support;

use cloudsite::api::client::ClientError;
use cloudsite::api::wire::{
    ClientPolicy, ContentLocationRequest, ContentLocations, SoftwareUpdateView,
};
use cloudsite::domain::content::ClientLocation;
use cmg_support::*;
use local_cloud_support::gateway::legacy_hello_alert;
use std::time::Duration;

/// The status and message of a call the CMG refused.
fn refusal<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Api { status, detail }) => (status, detail.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A CMG trusting the lab root, its CRL published, the site's connection point Connected, and
/// a software update package (so the catalog has an entry).
async fn ready() -> (E2e, tokio::process::Child, String) {
    let e = E2e::start(true).await;
    let crl = e.serve_crl().await;
    e.own_point().await;
    let package = update_package(&e.site).await;
    (e, crl, package)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_through_the_cmg_gets_what_a_direct_request_gets_and_strangers_are_refused() {
    let (e, _crl, package) = ready().await;

    // The same answers, directly and through the CMG with the lab's valid certificate.
    let valid = e.client(Some("valid"));
    let direct: ClientPolicy = e.site.reader.policy().await.expect("policy");
    let via = valid.policy().await.expect("policy through the CMG");
    assert_eq!(
        (via.site_code, via.settings),
        (direct.site_code, direct.settings)
    );
    let ask = ContentLocationRequest {
        package,
        location: ClientLocation::Internet,
        client: Some("client-valid".into()),
    };
    let direct: ContentLocations = e.site.reader.content_locations(&ask).await.expect("mp");
    let via = valid
        .content_locations(&ask)
        .await
        .expect("mp through the CMG");
    assert_eq!(via, direct);
    let direct: Vec<SoftwareUpdateView> = e.site.reader.software_updates().await.expect("sup");
    assert_eq!(direct.len(), 1, "{direct:?}");
    let via = valid.software_updates().await.expect("sup through the CMG");
    assert_eq!(via, direct);

    // Outside the URL mappings: refused at the CMG, which names them.
    let (status, message) = refusal(
        valid
            .services(cloudsite::domain::service::HostedKind::Cmg)
            .await,
    );
    assert_eq!(status, 403, "{message}");
    assert!(
        message.starts_with("/v1/cmgs is not in this CMG's URL mappings (management point /v1/mp/, software update point /v1/sup/)"),
        "{message}"
    );

    // Clients the CMG does not accept, each told why.
    let (status, message) = refusal(e.client(None).policy().await);
    assert_eq!(status, 403);
    assert!(
        message.starts_with("a client authentication certificate is required"),
        "{message}"
    );
    let (status, message) = refusal(e.client(Some("untrusted")).policy().await);
    assert_eq!(status, 403);
    assert!(
        message.contains("does not chain to a trusted root of this CMG"),
        "{message}"
    );
    let (status, message) = refusal(e.client(Some("revoked")).policy().await);
    assert_eq!(status, 403);
    assert!(
        message.contains(&format!("is revoked by the CRL at {}", e.crl_url())),
        "{message}"
    );
    // "Enforce TLS 1.2" (on by default): a TLS 1.1 hello gets protocol_version (70).
    assert_eq!(legacy_hello_alert(e.address(0), 0x02).await, 70);

    // The refusals reached nobody behind the CMG, and the site counted them.
    e.wait_gateway(Duration::from_secs(10), "refusals counted", |g| {
        g.refused >= 4
    })
    .await;
    let seen = e.gateway().await.expect("sampled");
    assert_eq!(seen.refused, 4, "{seen:?}");
    assert_eq!(seen.requests, 3, "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_fetch_via_cmg_says_why_a_revoked_certificate_is_refused() {
    let (e, _crl, package) = ready().await;
    let token = e.site.tmp.path().join("token");
    std::fs::write(&token, &e.site.read_token).expect("token file");
    let fetch = |kind: &str| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cloudsite"));
        cmd.args(["--site", &e.site.url, "--token-file"])
            .arg(&token)
            .args([
                "client",
                "fetch",
                &package,
                "--via-cmg",
                CMG,
                "--client-cert",
            ])
            .arg(lab_client_pfx(&e.site, kind))
            .args(["--client-cert-password-env", "LAB_PW", "--trust"])
            .arg(&e.site.lab.root_ca)
            .arg("--out")
            .arg(e.site.tmp.path().join(format!("out-{kind}")))
            .env("LAB_PW", &e.site.lab.password)
            .env_remove("CLOUDSITE_TOKEN")
            .env_remove("CLOUDSITE_DATA_DIR");
        cmd
    };
    let revoked = fetch("revoked").output().await.expect("client fetch");
    let valid = fetch("valid").output().await.expect("client fetch");
    let stderr = String::from_utf8_lossy(&revoked.stderr);
    assert!(!revoked.status.success());
    assert!(stderr.contains("is revoked by the CRL at"), "{stderr}");
    // The valid certificate gets through to the management point, whose answer (no cloud
    // source for an internet client with these client settings) is what the client reports.
    let stderr = String::from_utf8_lossy(&valid.stderr);
    assert!(!valid.status.success());
    assert!(
        stderr.contains(&format!(
            "the management point offers no cloud source for {package}"
        )),
        "{stderr}"
    );
}
