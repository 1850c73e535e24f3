//! The CMG connection analyzer against a real CMG of the embedded local cloud, with the site's
//! own connection point or one run as `cloudsite connection-point run`, and the lab's client
//! certificates and CRL: every check passes on a healthy CMG, and each failure is reported by
//! name with what to do — a stopped service, a connection point that stopped, a client
//! certificate that is untrusted, revoked, whose CRL cannot be fetched, missing where the CMG
//! requires one, or given to a CMG with no trusted roots. Also through the CLI.

mod cmg_analyze_support;
mod common;
mod site_support;

use cloudsite::domain::analyzer::{AnalyzerCheck as C, CheckOutcome::*};
use cloudsite::domain::cmg::ChannelState;
use cloudsite::domain::service::{Action, HostedKind, ServiceState};
use cmg_analyze_support::*;
use site_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_cmg_passes_and_each_client_certificate_failure_is_named() {
    let g = gateway(true).await;
    let cp = g.add_point(SERVER_NAME, false).await;
    g.wait_point(&cp.id, ChannelState::Connected).await;
    let mut crl = g.serve_crl().await;

    // Healthy, with the lab's valid client certificate: every check passes.
    let r = g.analyze(CMG, Some("valid")).await;
    all_passed(&r);
    expect(
        &r,
        C::ConnectionPoints,
        Passed,
        &format!("{} to CMG_IN_0", cp.name),
    );
    expect(&r, C::ManagementPoint, Passed, "as directly");
    expect(&r, C::ClientCertificate, Passed, "does not list it");
    expect(&r, C::TlsVersion, Passed, "TLS 1.0 refused");
    expect(&r, C::DnsCertificate, Passed, &g.cmg.certificate.thumbprint);

    // The same through the CLI: each check printed, exit 0.
    let pfx = g.client_pfx("valid");
    let out = g
        .cli()
        .args(["cmg", "analyze", CMG, "--client-cert"])
        .arg(&pfx)
        .args(["--client-cert-password-env", "LAB_PASSWORD"])
        .output()
        .expect("cmg analyze");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("[1/6] CMG service running: Passed"), "{text}");
    assert!(text.contains("[6/6] TLS version: Passed"), "{text}");
    assert!(text.contains("every check passed"), "{text}");

    // Revoked (the CRL lists it): named, and the CMG refuses the request too.
    let r = g.analyze(CMG, Some("revoked")).await;
    let c = expect(&r, C::ClientCertificate, Failed, "is revoked by the CRL at");
    assert!(
        c.action.as_deref().unwrap_or_default().contains("new one"),
        "{c:?}"
    );
    expect(&r, C::ManagementPoint, Failed, "answered 403");

    // From another root.
    let r = g.analyze(CMG, Some("untrusted")).await;
    expect(
        &r,
        C::ClientCertificate,
        Failed,
        "does not chain to a trusted root",
    );
    expect(&r, C::ManagementPoint, Failed, "answered 403");

    // None, where the CMG requires one.
    let r = g.analyze(CMG, None).await;
    expect(&r, C::ClientCertificate, Failed, "this CMG requires one");
    let mp = expect(&r, C::ManagementPoint, Failed, "certificate is required");
    assert!(
        mp.action
            .as_deref()
            .unwrap_or_default()
            .contains("--client-cert"),
        "{mp:?}"
    );
    expect(&r, C::ConnectionPoints, Passed, "Connected");

    // The CRL can no longer be fetched: explained, with what to do.
    crl.kill();
    let r = g.analyze(CMG, Some("valid")).await;
    let c = expect(&r, C::ClientCertificate, Failed, "could not be fetched");
    assert!(c.detail.contains(&g.crl_url()), "{c:?}");
    assert!(
        c.detail.contains("refuses every client certificate"),
        "{c:?}"
    );
    let action = c.action.as_deref().unwrap_or_default();
    assert!(
        action.contains("lab serve") && action.contains("--check-crl no"),
        "{action}"
    );

    // The CLI says so with exit 1, and --json carries every check.
    let out = g
        .cli()
        .args(["cmg", "analyze", CMG, "--json", "--client-cert"])
        .arg(&pfx)
        .args(["--client-cert-password-env", "LAB_PASSWORD"])
        .output()
        .expect("cmg analyze --json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["cmg"], CMG);
    assert_eq!(json["failed"], 1, "{json}");
    assert_eq!(json["checks"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["checks"][4]["check"], "client_certificate");
    assert_eq!(json["checks"][4]["outcome"], "failed");
    // The site's log keeps the conclusions.
    let log = g
        .site
        .admin
        .log("CMGService.log", Some(500))
        .await
        .expect("log");
    assert!(
        log.iter()
            .any(|l| l.message.contains("Connection analyzer") && l.message.contains("Failed")),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_connection_point_a_stopped_service_and_no_trusted_roots_are_named() {
    let g = gateway(false).await;
    let cp = g.add_point("CPSERVER2", true).await;
    let mut run = g.run_point(&cp.id);
    g.wait_point(&cp.id, ChannelState::Connected).await;

    // Healthy without revocation checking: every check passes.
    let r = g.analyze(CMG, Some("valid")).await;
    all_passed(&r);
    expect(
        &r,
        C::ClientCertificate,
        Passed,
        "revocation is not checked",
    );

    // The connection point stops: named, with how to run it.
    run.kill();
    g.wait_point(&cp.id, ChannelState::Disconnected).await;
    let r = g.analyze(CMG, Some("valid")).await;
    let c = expect(
        &r,
        C::ConnectionPoints,
        Failed,
        &format!("{} on CPSERVER2 is Disconnected", cp.name),
    );
    let action = c.action.as_deref().unwrap_or_default();
    assert!(
        action.contains(&format!("connection-point run {}", cp.id)),
        "{action}"
    );
    expect(&r, C::ManagementPoint, Failed, "answered 503");
    expect(&r, C::ServiceRunning, Passed, "Ready");

    // A CMG with no trusted roots, given a client certificate: named.
    let mut req = g.site.lab.cmg("cmg2.lab.contoso.com");
    req.check_crl = Some(false);
    g.site.create_cmg_ready(&req).await;
    let r = g.analyze("cmg2.lab.contoso.com", Some("valid")).await;
    expect(
        &r,
        C::ClientCertificate,
        Failed,
        "no trusted root certificates",
    );
    expect(&r, C::ConnectionPoints, Failed, "no connection point");
    // Without one, there is nothing to check there.
    let r = g.analyze("cmg2.lab.contoso.com", None).await;
    expect(
        &r,
        C::ClientCertificate,
        Skipped,
        "does not ask clients for one",
    );

    // The CMG is stopped: the first check names it, the network checks are skipped.
    let acc = g
        .site
        .admin
        .act(HostedKind::Cmg, CMG, Action::Stop)
        .await
        .expect("stop");
    wait_task(&g.site.admin, &acc.task.id).await;
    wait_status(
        &g.site.admin,
        &format!("/v1/cmgs/{}", g.cmg.id),
        ServiceState::Stopped,
    )
    .await;
    let r = g.analyze(CMG, Some("valid")).await;
    let c = expect(&r, C::ServiceRunning, Failed, "The CMG is Stopped");
    assert!(
        c.action
            .as_deref()
            .unwrap_or_default()
            .contains("cmg start"),
        "{c:?}"
    );
    for check in [
        C::DnsCertificate,
        C::ConnectionPoints,
        C::ManagementPoint,
        C::TlsVersion,
    ] {
        expect(&r, check, Skipped, "not running");
    }
}
