//! The console's CMG details pane with the gateway live: per connection point its state
//! (Connected, Disconnected with the reason) and the instances it is connected to, and the
//! client traffic; a connection point event changes it at once. The connection analyzer (`z` on
//! a CMG) shows each check as it runs and concludes. TestBackend at 80×24 and 100×30 (insta
//! snapshots).

use cloudsite::api::wire::{
    AnalyzerEvent, CertificateView, ChannelView, CheckResult, ConnectionPointView, EventView,
    GatewayView, InstanceView, ServiceView, SiteView,
};
use cloudsite::console::app::{App, Effect, NetMsg, Node, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::model::Snapshot;
use cloudsite::console::msg::Reply;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use cloudsite::domain::cmg::{ChannelState, Transport};
use cloudsite::domain::service::{
    CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, Environment, HostedKind, InstanceState, ServiceState,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn cmg() -> ServiceView {
    let instance = |n: u8| InstanceView {
        id: format!("CMG_IN_{n}"),
        state: InstanceState::ReadyRole,
        address: Some(format!("127.0.0.1:4000{n}")),
    };
    ServiceView {
        id: "m1".into(),
        kind: HostedKind::Cmg,
        service_fqdn: "cmg1.contoso.com".into(),
        name: "cmg1".into(),
        status: ServiceState::Ready,
        status_details: None,
        subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
        environment: Environment::AzurePublicCloud,
        region: "WestEurope".into(),
        resource_group: None,
        description: "CMG for Europe".into(),
        vm_instances: 2,
        instances: vec![instance(0), instance(1)],
        storage: CDP_STORAGE_DEFAULT,
        transfer: CDP_TRANSFER_DEFAULT,
        cmg: None,
        certificate: CertificateView {
            thumbprint: "9CEA69D045BED5A64921981958CAF0AE6CEF9786".into(),
            subject_cn: Some("cmg1.contoso.com".into()),
            not_after: "2027-11-23T00:00:00Z".into(),
            wildcard: false,
        },
        cname_target: "cmg1.cloudapp.net".into(),
        created: "2026-11-22T10:00:00.000Z".into(),
        updated: "2026-11-22T10:05:00.000Z".into(),
        usage: None,
        gateway: Some(GatewayView {
            sampled: "2026-11-22T10:06:00Z".into(),
            connection_points: vec!["cmgcp-1".into()],
            notification_channels: 42,
            requests_per_minute: 180,
            requests: 5310,
            refused: 3,
            instances: Vec::new(),
        }),
    }
}

fn channel(instance: &str, state: ChannelState, reason: Option<&str>) -> ChannelView {
    ChannelView {
        instance: instance.into(),
        state,
        transport: Some(Transport::TcpTls),
        via_proxy: false,
        reason: reason.map(Into::into),
    }
}

fn point(id: &str, server: &str, channels: Vec<ChannelView>) -> ConnectionPointView {
    let state = ChannelState::overall(channels.iter().map(|c| c.state));
    let reason = channels.iter().find_map(|c| c.reason.clone());
    ConnectionPointView {
        id: id.into(),
        name: format!("cmgcp-{id}"),
        cmg_id: "m1".into(),
        cmg_name: "cmg1.contoso.com".into(),
        region: "WestEurope".into(),
        site_system: server.into(),
        site_code: "PS1".into(),
        external: server != "SITESRV",
        state,
        reason,
        channels,
        updated: Some("2026-11-22T10:06:00Z".into()),
    }
}

fn app() -> App {
    let mut app = App::new(Keymap::default(), "default", 100);
    app.on_net(NetMsg::Connected);
    app.on_net(NetMsg::Snapshot(Box::new(Snapshot {
        site: Some(SiteView {
            site_code: "PS1".into(),
            server_name: "SITESRV".into(),
            version: "0.1.0".into(),
            role: cloudsite::domain::role::Role::FullAdministrator,
            replica: cloudsite::domain::replica::ReplicaRole::Active,
            database: cloudsite::domain::replica::DatabaseEngine::Sqlite,
        }),
        cmgs: vec![cmg()],
        connection_points: vec![
            point(
                "1",
                "SITESRV",
                vec![
                    channel("CMG_IN_0", ChannelState::Connected, None),
                    channel("CMG_IN_1", ChannelState::Connected, None),
                ],
            ),
            point(
                "2",
                "CPSERVER2",
                vec![
                    channel(
                        "CMG_IN_0",
                        ChannelState::Disconnected,
                        Some("it stopped running"),
                    ),
                    channel(
                        "CMG_IN_1",
                        ChannelState::Disconnected,
                        Some("it stopped running"),
                    ),
                ],
            ),
        ],
        ..Snapshot::default()
    })));
    app.node = Node::Cmgs;
    app
}

fn render(app: &App, w: u16, h: u16) -> String {
    let theme = Theme::load("default", None).expect("theme");
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| ui::draw(f, app, &theme)).expect("draw");
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_cmg_details_show_each_connection_point_and_the_client_traffic() {
    let a = app();
    for (w, h) in [(100, 30), (80, 24)] {
        let text = render(&a, w, h);
        for want in [
            "Connected on SITESRV",
            "  to CMG_IN_0, CMG_IN_1",
            "Disconnected on CPSERVER2",
            "  it stopped running",
            "Client channels       42",
            "Requests/min          180 (5310 total, 3 refused)",
        ] {
            // Columns follow the widest label on the pane: compare with runs of spaces as one.
            assert!(
                squash(&text).contains(&squash(want)),
                "{want:?} at {w}x{h}:\n{text}"
            );
        }
        insta::assert_snapshot!(format!("cmg_gateway_details_{w}x{h}"), text);
    }
}

#[test]
fn a_connection_point_event_changes_the_details_at_once() {
    let mut a = app();
    let back = point(
        "2",
        "CPSERVER2",
        vec![
            channel("CMG_IN_0", ChannelState::Connected, None),
            channel("CMG_IN_1", ChannelState::Connected, None),
        ],
    );
    let ev: EventView = serde_json::from_value(serde_json::json!({
        "id": 7, "kind": "connection_point", "data": back
    }))
    .expect("an event");
    a.on_net(NetMsg::Event(ev));
    let text = render(&a, 100, 30);
    assert!(text.contains("Connected on CPSERVER2 (cmgcp-2)"), "{text}");
    assert!(!text.contains("stopped running"), "{text}");
}

fn finished(check: AnalyzerCheck, outcome: CheckOutcome, detail: &str) -> AnalyzerEvent {
    AnalyzerEvent::Finished {
        result: CheckResult {
            check,
            name: check.display_name().into(),
            outcome,
            detail: detail.into(),
            action: (outcome == CheckOutcome::Failed).then(|| {
                "Make sure cmgcp-2 runs on CPSERVER2 (cloudsite connection-point run 2).".into()
            }),
        },
    }
}

fn running(check: AnalyzerCheck) -> AnalyzerEvent {
    AnalyzerEvent::Running {
        check,
        name: check.display_name().into(),
    }
}

#[test]
fn z_runs_the_connection_analyzer_and_shows_each_check_as_it_runs() {
    let mut a = app();
    let effects = a.on_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE));
    assert!(effects.is_empty(), "z first asks for a client certificate");
    let effects = a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let id = match effects.as_slice() {
        [
            Effect::Request(
                id,
                Request::Analyze {
                    id: cmg,
                    client_certificate: None,
                },
            ),
        ] => {
            assert_eq!(cmg, "m1", "the selected CMG");
            *id
        }
        other => panic!("Enter asks the site to analyze the CMG: {other:?}"),
    };
    let reply = |a: &mut App, e: AnalyzerEvent| {
        a.on_net(NetMsg::Reply {
            id,
            result: Ok(Reply::Analyzer(e)),
        })
    };
    use AnalyzerCheck as C;
    reply(&mut a, running(C::ServiceRunning));
    reply(
        &mut a,
        finished(C::ServiceRunning, CheckOutcome::Passed, "The CMG is Ready."),
    );
    reply(&mut a, running(C::DnsCertificate));
    reply(
        &mut a,
        finished(
            C::DnsCertificate,
            CheckOutcome::Passed,
            "Every instance presents it.",
        ),
    );
    reply(&mut a, running(C::ConnectionPoints));
    reply(
        &mut a,
        finished(
            C::ConnectionPoints,
            CheckOutcome::Failed,
            "Not connected: cmgcp-2 on CPSERVER2 is Disconnected to CMG_IN_0.",
        ),
    );
    reply(&mut a, running(C::ManagementPoint));
    for (w, h) in [(100, 30), (80, 24)] {
        let text = render(&a, w, h);
        assert!(
            text.contains("Running Management point reachable"),
            "{text}"
        );
        assert!(text.contains("Failed  Connection points"), "{text}");
        assert!(text.contains("Analyzing…"), "{text}");
        insta::assert_snapshot!(format!("cmg_analyzer_running_{w}x{h}"), text);
    }
    for c in [C::ManagementPoint, C::ClientCertificate, C::TlsVersion] {
        reply(&mut a, running(c));
        reply(&mut a, finished(c, CheckOutcome::Passed, "ok."));
    }
    reply(
        &mut a,
        AnalyzerEvent::Done {
            cmg: "cmg1.contoso.com".into(),
            failed: 1,
        },
    );
    let text = render(&a, 100, 30);
    assert!(text.contains("1 check(s) failed."), "{text}");
    assert!(
        text.contains("Analyzed as a client without a certificate"),
        "{text}"
    );
    assert!(!text.contains("Running"), "{text}");
    // Esc closes it; z elsewhere than on a CMG says what to select.
    a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(a.form.is_none());
    a.node = Node::Cdps;
    assert!(
        a.on_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE))
            .is_empty()
    );
    assert!(
        a.notice
            .as_deref()
            .unwrap_or_default()
            .contains("select a cloud management gateway")
    );
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

#[test]
fn the_analyzer_presents_the_client_certificate_the_operator_gives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut a = app();
    a.on_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE));
    let text = render(&a, 100, 30);
    assert!(text.contains("Client certificate (.pfx)"), "{text}");
    insta::assert_snapshot!("cmg_analyzer_asks_for_a_client_certificate_100x30", text);
    // A file that is not there is named under the field, and nothing is sent.
    let missing = dir.path().join("missing.pfx");
    typed(&mut a, &missing.display().to_string());
    let effects = a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(effects.is_empty(), "{effects:?}");
    let text = squash(&render(&a, 100, 30));
    assert!(text.contains("cannot read"), "{text}");
    // The file as given, and its password, go to the site.
    let file = dir.path().join("c.pfx");
    std::fs::write(&file, b"PFX bytes").expect("write");
    for _ in 0..missing.display().to_string().chars().count() {
        a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    }
    typed(&mut a, &file.display().to_string());
    a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    typed(&mut a, "pw1");
    let effects = a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let id = match effects.as_slice() {
        [
            Effect::Request(
                id,
                Request::Analyze {
                    client_certificate: Some(c),
                    ..
                },
            ),
        ] => {
            assert_eq!(c.file_base64, "UEZYIGJ5dGVz", "the file's bytes");
            assert_eq!(c.password.expose(), "pw1");
            *id
        }
        other => panic!("the analysis presents the certificate: {other:?}"),
    };
    a.on_net(NetMsg::Reply {
        id,
        result: Ok(Reply::Analyzer(AnalyzerEvent::Done {
            cmg: "cmg1.contoso.com".into(),
            failed: 0,
        })),
    });
    let text = squash(&render(&a, 100, 30));
    assert!(
        text.contains(&format!(
            "Analyzed with the client certificate {}",
            file.display()
        )),
        "{text}"
    );
}

#[test]
fn a_failed_analysis_says_why() {
    let mut a = app();
    a.on_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE));
    let effects = a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let Some(Effect::Request(id, _)) = effects.first() else {
        panic!("a request");
    };
    a.on_net(NetMsg::Reply {
        id: *id,
        result: Err(cloudsite::api::client::ClientError::Transport {
            url: "http://127.0.0.1:1".into(),
            message: "connection refused".into(),
        }),
    });
    let text = render(&a, 100, 30);
    assert!(text.contains("The analysis stopped"), "{text}");
    assert!(text.contains("connection refused"), "{text}");
}

/// `text` with every run of spaces as one space.
fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}
