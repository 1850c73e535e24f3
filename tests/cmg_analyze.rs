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

/// A link to the test site.
struct FixedLink(cloudsite::api::client::Client);

impl cloudsite::console::link::SiteLink for FixedLink {
    async fn connect(
        &mut self,
    ) -> Result<cloudsite::api::client::Client, cloudsite::console::link::LinkError> {
        Ok(self.0.clone())
    }

    async fn close(self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_each_check_of_a_real_analysis_as_it_arrives() {
    use cloudsite::console::app::{App, Effect, NetMsg, Node};
    use cloudsite::console::keymap::Keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let g = gateway(false).await;
    let cp = g.add_point(SERVER_NAME, false).await;
    g.wait_point(&cp.id, ChannelState::Connected).await;
    // The console's own worker, against the site, as the console runs it.
    let (net_tx, mut net_rx) = tokio::sync::mpsc::unbounded_channel();
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let worker = tokio::spawn(cloudsite::console::net::run(
        FixedLink(g.site.infra.clone()),
        net_tx,
        req_rx,
    ));
    let mut app = App::new(Keymap::default(), "default", 100);
    let recv = async |rx: &mut tokio::sync::mpsc::UnboundedReceiver<NetMsg>| {
        tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
            .await
            .expect("a message within 20 s")
            .expect("the worker runs")
    };
    while !app.model.loaded {
        app.on_net(recv(&mut net_rx).await);
    }
    app.node = Node::Cmgs;
    // z asks for a client certificate first; Enter with none analyzes as a client without one.
    let asked = app.on_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE));
    assert!(asked.is_empty(), "{asked:?}");
    let effects = app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let [Effect::Request(id, req)] = effects.as_slice() else {
        panic!("Enter sends one request: {effects:?}");
    };
    req_tx
        .send((*id, req.clone()))
        .expect("the worker takes it");
    let theme = cloudsite::console::theme::Theme::load("default", None).expect("theme");
    let screen = |app: &App| {
        let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        term.draw(|f| cloudsite::console::ui::draw(f, app, &theme))
            .expect("draw");
        let buf = term.backend().buffer().clone();
        (0..30)
            .map(|y| (0..100).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Each answer shows at once: a check is seen running before the end.
    let mut seen_running = false;
    let text = loop {
        app.on_net(recv(&mut net_rx).await);
        let text = screen(&app);
        seen_running |= text.contains("Running ");
        if text.contains("check(s) failed.") || text.contains("Every check passed.") {
            break text;
        }
    };
    assert!(seen_running, "a check showed running before the end");
    assert!(
        text.contains("Passed  Connection points connected"),
        "{text}"
    );
    // The console analyzes without a certificate: this CMG requires one.
    assert!(
        text.contains("Failed  Client certificate trusted"),
        "{text}"
    );
    assert!(text.contains("2 check(s) failed."), "{text}");
    drop(req_tx);
    let _ = worker.await;
}
