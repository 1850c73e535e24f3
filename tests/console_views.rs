//! Every main view rendered with ratatui's TestBackend at 100×30 and 80×24 (insta snapshots),
//! and the app driven key by key: navigation, filter, palette, delete confirmation, read-only.

mod common;

use cloudsite::api::operations::Distribution;
use cloudsite::api::wire::AlertView;
use cloudsite::api::wire::SubscriptionCheck;
use cloudsite::api::wire::{
    CertificateView, EventView, InstanceView, LogLineView, ServiceView, SiteSystemView, SiteView,
    StatusMessageView,
};
use cloudsite::api::wire::{
    CostView, DistributionState, DistributionView, PackageFileView, PackageState, PackageView,
    UsageView,
};
use cloudsite::console::app::{App, Effect, Focus, Modal, NetMsg, Node, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::model::Snapshot;
use cloudsite::console::msg::Reply;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::alert::{AlertState, AlertType, Severity};
use cloudsite::domain::content::ContentType;
use cloudsite::domain::proxy::ProxySettings;
use cloudsite::domain::service::{
    CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, Environment, ServiceState,
};
use cloudsite::domain::task::Level;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn service(id: &str, fqdn: &str, kind: &str, status: ServiceState) -> ServiceView {
    ServiceView {
        id: id.into(),
        kind: cloudsite::domain::service::HostedKind::parse(kind).expect("cdp or cmg"),
        service_fqdn: fqdn.into(),
        name: fqdn.split('.').next().unwrap().into(),
        status,
        status_details: (status == ServiceState::Error)
            .then(|| "the operation failed in the cloud: injected fault".into()),
        subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
        environment: Environment::AzurePublicCloud,
        region: "WestEurope".into(),
        resource_group: None,
        description: format!("{kind} for Europe"),
        vm_instances: 2,
        instances: vec![
            InstanceView {
                id: "IN_0".into(),
                state: cloudsite::domain::service::InstanceState::ReadyRole,
                address: Some("127.0.0.1:40001".into()),
            },
            InstanceView {
                id: "IN_1".into(),
                state: cloudsite::domain::service::InstanceState::ReadyRole,
                address: Some("127.0.0.1:40002".into()),
            },
        ],
        storage: CDP_STORAGE_DEFAULT,
        transfer: CDP_TRANSFER_DEFAULT,
        cmg: None,
        certificate: CertificateView {
            thumbprint: "9CEA69D045BED5A64921981958CAF0AE6CEF9786".into(),
            subject_cn: Some(fqdn.into()),
            not_after: "2027-11-23T00:00:00Z".into(),
            wildcard: false,
        },
        cname_target: format!("{}.cloudapp.net", fqdn.split('.').next().unwrap()),
        created: "2026-11-22T10:00:00.000Z".into(),
        updated: "2026-11-22T10:05:00.000Z".into(),
        usage: None,
        gateway: None,
    }
}

const GIB: u64 = 1 << 30;

/// Fixed usage: `storage_gib` stored, `daily` GiB per day (oldest first), over `window` days.
fn usage(storage_gib: u64, daily: impl Fn(u64) -> u64, window: u32, cents: i64) -> UsageView {
    let daily_transfer: Vec<u64> = (0..30).map(|d| daily(d) * GIB).collect();
    let skip = 30 - window as usize;
    UsageView {
        collected: "2026-11-22T10:00:00.000Z".into(),
        storage_bytes: storage_gib * GIB + 400 * (1 << 20),
        transfer_bytes: daily_transfer[skip..].iter().sum(),
        window_days: window,
        daily_transfer,
        quota_unit_bytes: GIB,
        cost: CostView {
            currency: "USD".into(),
            month_to_date_cents: cents,
            projected_month_cents: cents * 3,
            illustrative: true,
        },
    }
}

/// The library and where it is: cdp1 has a success and a failure, cmg1 one in progress.
fn content() -> (Vec<PackageView>, Vec<DistributionView>) {
    use ContentType::{Application, OsUpgrade, Package};
    use DistributionState::{Failed, InProgress, Success};
    let packages: Vec<PackageView> = [
        (
            "PS100001",
            "Contoso VPN client",
            Application,
            PackageState::Ready,
            84,
        ),
        (
            "PS100002",
            "Windows 11 24H2 upgrade",
            OsUpgrade,
            PackageState::Ready,
            4812,
        ),
        (
            "PS100003",
            "Printer drivers",
            Package,
            PackageState::Uploading,
            12,
        ),
    ]
    .into_iter()
    .map(|(id, name, content_type, state, mib)| PackageView {
        id: id.into(),
        name: name.into(),
        content_type,
        state,
        files: vec![PackageFileView {
            name: "setup.exe".into(),
            size: mib << 20,
            sha256: None,
            encrypted_size: None,
        }],
        size: mib << 20,
        distributions: Vec::new(),
        created: "2026-11-22T09:00:00.000Z".into(),
    })
    .collect();
    let failed = "upload to the service's storage failed: injected fault";
    let distributions = [
        (0, "c1", "cdp1", Success, None),
        (1, "c1", "cdp1", Failed, Some(failed)),
        (0, "c2", "cdp2", Success, None),
        (
            0,
            "m1",
            "cmg1",
            InProgress,
            Some("waiting for the service's storage"),
        ),
    ]
    .into_iter()
    .map(|(p, id, host, state, reason)| DistributionView {
        package_id: packages[p].id.clone(),
        package_name: packages[p].name.clone(),
        service_id: id.into(),
        service_fqdn: format!("{host}.contoso.com"),
        state,
        reason: reason.map(Into::into),
        size: packages[p].size + 4096,
        updated: "2026-11-22T10:06:00.000Z".into(),
    })
    .collect();
    (packages, distributions)
}

fn snapshot(role: &str) -> Snapshot {
    let mut cmg = service("m1", "cmg1.contoso.com", "cmg", ServiceState::Provisioning);
    cmg.cmg = Some(cloudsite::api::wire::CmgSettings {
        vm_size: "Standard_A2_v2".into(),
        check_crl: true,
        enforce_tls12: true,
        serve_content: true,
        egress_alerts: false,
        stop_at_critical: false,
        storage_alerts: false,
        trusted_roots: Vec::new(),
    });
    // cmg1: storage past critical, outbound data over 14 days.
    cmg.usage = Some(usage(
        1850,
        |d| if d < 16 { 0 } else { 150 + d * 10 },
        14,
        30012,
    ));
    let (packages, distributions) = content();
    Snapshot {
        site: Some(SiteView {
            site_code: "PS1".into(),
            server_name: "SITESRV".into(),
            version: "0.1.0".into(),
            role: cloudsite::domain::role::Role::parse(role).expect("a role"),
        }),
        cdps: vec![
            // cdp1 is quiet, cdp2 past the storage warning with hot days; cdp3 never collected.
            ServiceView {
                usage: Some(usage(120, |d| 20 + d % 7 * 10, 30, 1234)),
                ..service("c1", "cdp1.contoso.com", "cdp", ServiceState::Ready)
            },
            ServiceView {
                usage: Some(usage(
                    1100,
                    |d| if d % 9 == 4 { 320 } else { 60 + d * 4 },
                    30,
                    8950,
                )),
                ..service("c2", "cdp2.contoso.com", "cdp", ServiceState::Stopped)
            },
            service("c3", "cdp3.contoso.com", "cdp", ServiceState::Error),
        ],
        cmgs: vec![cmg],
        site_systems: vec![SiteSystemView {
            name: "SITESRV".into(),
            roles: vec!["Site server".into(), "Site system".into()],
            proxy: ProxySettings {
                enabled: true,
                server: Some("proxy.contoso.com".into()),
                port: 8080,
                account: None,
                has_password: false,
            },
        }],
        alerts: vec![AlertView {
            service_fqdn: None,
            id: "a1".into(),
            type_id: AlertType::ProxyFailure,
            service_id: Some("c3".into()),
            name: "Proxy refused the connection to the cloud".into(),
            severity: Severity::Critical,
            state: AlertState::Active,
            occurrences: 2,
            first_seen: Some("2026-11-22T10:00:00.000Z".into()),
            last_seen: Some("2026-11-22T10:04:00.000Z".into()),
            details: serde_json::Value::Null,
            skip_until: None,
            comments: Vec::new(),
            closed_by: None,
            enabled: true,
        }],
        status: vec![StatusMessageView {
            id: 1,
            message_id: 9409,
            severity: Level::Info,
            component: "SMS_CLOUD_SERVICES_MANAGER".into(),
            service_id: Some("c1".into()),
            text: "The cloud distribution point cdp1.contoso.com is provisioned and ready.".into(),
            time: "2026-11-22T10:05:00.000Z".into(),
        }],
        logs: vec![
            log(Level::Info, "Starting to Deploy Service"),
            log(
                Level::Warning,
                "Waiting for check if container exists. Will check again in 10 seconds",
            ),
            log(
                Level::Error,
                "Create task for service cdp3 failed: injected fault",
            ),
        ],
        tasks: Vec::new(),
        distributions,
        packages,
        connection_points: Vec::new(),
    }
}

fn log(level: Level, message: &str) -> LogLineView {
    LogLineView {
        file: "CloudMgr.log".into(),
        time: "2026-11-22T10:01:00.000Z".into(),
        component: "SMS_CLOUD_SERVICES_MANAGER".into(),
        level,
        message: message.into(),
    }
}

fn app(role: &str) -> App {
    let mut app = App::new(Keymap::default(), "default", 1000);
    app.on_net(NetMsg::Connected);
    app.on_net(NetMsg::Snapshot(Box::new(snapshot(role))));
    app
}

fn render(app: &App, w: u16, h: u16) -> String {
    let theme = Theme::load("default", None).unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(f, app, &theme)).unwrap();
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

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| app.on_key(key(KeyCode::Char(c))))
        .collect()
}

#[test]
fn every_view_at_both_sizes() {
    for (w, h) in [(100, 30), (80, 24)] {
        for node in [
            Node::Overview,
            Node::Cdps,
            Node::Cmgs,
            Node::SiteSystems,
            Node::Alerts,
            Node::StatusMessages,
            Node::Logs,
            Node::Content,
        ] {
            let mut a = app("full-admin");
            a.node = node;
            insta::assert_snapshot!(format!("{node:?}_{w}x{h}"), render(&a, w, h));
        }
    }
}

#[test]
fn loading_state_is_the_first_frame() {
    let a = App::new(Keymap::default(), "default", 100);
    let text = render(&a, 100, 30);
    assert!(
        text.contains("loading…") && text.contains("connecting") && text.contains("Loading…"),
        "{text}"
    );
    insta::assert_snapshot!("loading_100x30", text);
}

#[test]
fn too_small_a_terminal_gets_a_message() {
    let text = render(&app("full-admin"), 60, 20);
    assert!(
        text.contains("at least 80×24") && text.contains("60×20"),
        "{text}"
    );
}

#[test]
fn modals_render() {
    let mut a = app("full-admin");
    press(&mut a, "?");
    insta::assert_snapshot!("help_100x30", render(&a, 100, 30));
    let mut a = app("full-admin");
    a.on_key(key(KeyCode::Delete));
    press(&mut a, "cdp1");
    insta::assert_snapshot!("confirm_delete_100x30", render(&a, 100, 30));
}

#[test]
fn navigation_filter_and_palette() {
    let mut a = app("full-admin");
    assert_eq!((a.node, a.focus), (Node::Cdps, Focus::List));
    press(&mut a, "j");
    assert_eq!(
        a.selected_service().unwrap().service_fqdn,
        "cdp2.contoso.com"
    );
    press(&mut a, "/");
    press(&mut a, "cdp3");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.services().len(), 1);
    assert_eq!(
        a.selected_service().unwrap().service_fqdn,
        "cdp3.contoso.com"
    );
    a.on_key(key(KeyCode::Esc));
    assert_eq!(a.services().len(), 3, "Esc clears the filter");
    press(&mut a, ":");
    press(&mut a, "cmg");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.node, Node::Cmgs);
    press(&mut a, ":theme light");
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.theme, "light");
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.focus, Focus::Details);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(a.focus, Focus::Tree);
    press(&mut a, "j");
    assert_eq!(a.node, Node::SiteSystems, "the tree moves the node");
    let e = press(&mut a, "q");
    assert!(matches!(e.as_slice(), [Effect::Quit]));
}

#[test]
fn actions_send_requests_and_delete_needs_the_typed_name() {
    let mut a = app("full-admin");
    // cdp1 is Ready: stop is allowed, start is not.
    let e = press(&mut a, "s");
    assert!(
        e.is_empty() && a.notice.as_deref().unwrap_or("").contains("Ready"),
        "{:?}",
        a.notice
    );
    let e = press(&mut a, "x");
    assert!(
        matches!(
            &e[..],
            [Effect::Request(
                _,
                Request::Act {
                    action: cloudsite::domain::service::Action::Stop,
                    ..
                }
            )]
        ),
        "{e:?}"
    );
    // Delete: Enter before the name matches cancels (the default).
    a.on_key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    assert!(matches!(a.modal, Some(Modal::ConfirmDelete { .. })));
    press(&mut a, "cdp");
    assert!(a.on_key(key(KeyCode::Enter)).is_empty());
    assert!(a.modal.is_none());
    a.on_key(key(KeyCode::Delete));
    press(&mut a, "cdp1.contoso.com");
    let e = a.on_key(key(KeyCode::Enter));
    assert!(
        matches!(
            &e[..],
            [Effect::Request(
                _,
                Request::Act {
                    action: cloudsite::domain::service::Action::Delete,
                    ..
                }
            )]
        ),
        "{e:?}"
    );
}

#[test]
fn read_only_analysts_see_actions_disabled_with_the_reason() {
    let mut a = app("read-only");
    let e = press(&mut a, "x");
    assert!(e.is_empty());
    assert!(
        a.notice.as_deref().unwrap().contains("Read-only Analyst"),
        "{:?}",
        a.notice
    );
    let e = press(&mut a, "c");
    assert!(e.is_empty() && a.form.is_none());
    insta::assert_snapshot!("read_only_cdps_100x30", render(&app("read-only"), 100, 30));
}

#[test]
fn events_update_the_model_without_a_key_press() {
    let mut a = app("full-admin");
    let mut s = service("c1", "cdp1.contoso.com", "cdp", ServiceState::Stopping);
    s.description = "cdp for Europe".into();
    a.on_net(NetMsg::Event(ev(
        7,
        "service",
        serde_json::to_value(&s).unwrap(),
    )));
    assert_eq!(a.model.cdps[0].status, ServiceState::Stopping);
    assert!(render(&a, 100, 30).contains("Stopping"));
    a.on_net(NetMsg::Event(ev(
        8,
        "service_deleted",
        serde_json::json!({"id": "c2", "service_fqdn": "cdp2.contoso.com"}),
    )));
    assert_eq!(a.model.cdps.len(), 2);
    a.on_net(NetMsg::Disconnected {
        reason: "connection refused".into(),
        attempt: 3,
    });
    assert!(render(&a, 100, 30).contains("disconnected, reconnecting (attempt 3)"));
    // A resync event asks for a full read.
    let e = a.on_net(NetMsg::Event(ev(0, "resync", serde_json::Value::Null)));
    assert!(matches!(&e[..], [Effect::Request(_, Request::Reload)]));
}

#[test]
fn the_log_buffer_is_bounded() {
    let mut a = App::new(Keymap::default(), "default", 100);
    a.on_net(NetMsg::Snapshot(Box::new(snapshot("full-admin"))));
    for i in 0..250 {
        let l = log(Level::Info, &format!("line {i}"));
        a.on_net(NetMsg::Event(ev(
            100 + i,
            "log",
            serde_json::to_value(&l).unwrap(),
        )));
    }
    assert_eq!(a.model.logs.len(), 100);
    assert_eq!(a.model.logs.back().unwrap().message, "line 249");
}

fn reply_to_last(a: &mut App, effects: Vec<Effect>, reply: Reply) {
    let id = effects.iter().rev().find_map(|e| match e {
        Effect::Request(id, _) => Some(*id),
        _ => None,
    });
    if let Some(id) = id {
        a.on_net(NetMsg::Reply {
            id,
            result: Ok(reply),
        });
    }
}

fn ctrl_n(a: &mut App) -> Vec<Effect> {
    a.on_key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL))
}

fn type_in(a: &mut App, text: &str) {
    for c in text.chars() {
        a.on_key(key(KeyCode::Char(c)));
    }
}

#[test]
fn every_wizard_page_and_form_at_both_sizes() {
    // A fixed relative path keeps the snapshots the same on every machine.
    let dir = std::path::Path::new("target/console-snapshots");
    std::fs::create_dir_all(dir).unwrap();
    let made = common::make(&common::Spec::service("cdp9.contoso.com"));
    let pfx = dir.join("cdp9.pfx");
    std::fs::write(&pfx, common::pfx(&made, &[], "pw")).unwrap();
    let mgmt = dir.join("mgmt.pfx");
    std::fs::write(
        &mgmt,
        common::pfx(
            &common::make(&common::Spec::service("mgmt.contoso.com")),
            &[],
            "pw",
        ),
    )
    .unwrap();
    let shots = |a: &App, page: &str| {
        for (w, h) in [(100, 30), (80, 24)] {
            insta::assert_snapshot!(format!("wizard_cdp_{page}_{w}x{h}"), render(a, w, h));
        }
    };
    let mut a = app("full-admin");
    press(&mut a, "c");
    shots(&a, "1_general");
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, mgmt.to_str().unwrap());
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, "pw");
    let e = ctrl_n(&mut a);
    reply_to_last(
        &mut a,
        e,
        Reply::Checked(SubscriptionCheck {
            ok: true,
            subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
            name: Some("Lab".into()),
            regions: vec!["WestEurope".into(), "EastUS".into()],
            message: "accepted".into(),
        }),
    );
    for _ in 0..3 {
        a.on_key(key(KeyCode::Tab)); // region → resource group → primary site → certificate
    }
    type_in(&mut a, pfx.to_str().unwrap());
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, "pw");
    a.on_key(key(KeyCode::Tab));
    shots(&a, "2_settings");
    ctrl_n(&mut a);
    shots(&a, "3_alerts");
    ctrl_n(&mut a);
    shots(&a, "4_summary");
    let e = ctrl_n(&mut a);
    let svc = service("c9", "cdp9.contoso.com", "cdp", ServiceState::Provisioning);
    let task = serde_json::json!({"id": "t9", "service_id": "c9", "kind": "create", "state": "in_progress", "step": "deploy", "error": null, "created": "2026-11-22T10:00:00.000Z", "ended": null});
    let accepted = serde_json::json!({"service": svc, "task": task});
    reply_to_last(
        &mut a,
        e,
        Reply::Accepted(serde_json::from_value(accepted).unwrap()),
    );
    let line = log(Level::Info, "Starting to Deploy Service");
    a.on_net(NetMsg::Event(ev(
        50,
        "log",
        serde_json::to_value(&line).unwrap(),
    )));
    shots(&a, "5_progress");
    let ready = service("c9", "cdp9.contoso.com", "cdp", ServiceState::Ready);
    a.on_net(NetMsg::Event(ev(
        51,
        "service",
        serde_json::to_value(&ready).unwrap(),
    )));
    let mut done = task.clone();
    done["state"] = "completed".into();
    done["step"] = "done".into();
    a.on_net(NetMsg::Event(ev(52, "task", done)));
    shots(&a, "6_completion");
    assert!(render(&a, 100, 30).contains("CNAME"));

    // Properties, the Proxy tab, the alert form.
    let forms = |a: &App, name: &str| {
        for (w, h) in [(100, 30), (80, 24)] {
            insta::assert_snapshot!(format!("form_{name}_{w}x{h}"), mask_times(&render(a, w, h)));
        }
    };
    let mut a = app("full-admin");
    a.on_key(key(KeyCode::Enter));
    forms(&a, "properties");
    // Settings: a renewed certificate for another name, inspected on leaving the password.
    let other = dir.join("other.pfx");
    let made = common::make(&common::Spec::service("cdp2.contoso.com"));
    std::fs::write(&other, common::pfx(&made, &[], "pw")).unwrap();
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, other.to_str().unwrap());
    a.on_key(key(KeyCode::Tab));
    type_in(&mut a, "pw");
    a.on_key(key(KeyCode::Tab));
    forms(&a, "properties_renew");
    let mut a = app("full-admin");
    a.node = Node::SiteSystems;
    a.on_key(key(KeyCode::Enter));
    forms(&a, "proxy");
    let mut a = app("full-admin");
    a.node = Node::Alerts;
    a.on_key(key(KeyCode::Enter));
    forms(&a, "alert");
}

/// Replaces the times of "now + 1 day" (the alert form's default) with fixed masks: the RFC
/// 3339 value in the field (`YYYY-MM-DDTHH:MM:SSZ`) and how it reads in the note under it
/// ("that is YYYY-MM-DD HH:MM:SS", as `display` writes it).
fn mask_times(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let window: String = chars[i..chars.len().min(i + 20)].iter().collect();
        let b = window.as_bytes();
        let digits = |w: &str| w.chars().filter(|c| c.is_ascii_digit()).count() == 14;
        let rfc3339 = b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && digits(&window);
        let shown = out.ends_with("that is ")
            && b.len() >= 19
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b' '
            && b[13] == b':'
            && b[16] == b':'
            && window.get(..19).is_some_and(digits);
        if rfc3339 {
            out.push_str("YYYY-MM-DDTHH:MM:SSZ");
            i += 20;
        } else if shown {
            out.push_str("YYYY-MM-DD HH:MM:SS");
            i += 19;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn content_tab(role: &str) -> App {
    let mut a = app(role);
    a.on_key(key(KeyCode::Enter));
    ctrl_n(&mut a);
    ctrl_n(&mut a);
    a
}

#[test]
fn the_content_tab_at_both_sizes_then_redistribute_and_remove() {
    // The keys and their requests in detail: src/console/forms/content_tests.rs.
    let mut a = content_tab("full-admin");
    for (w, h) in [(100, 30), (80, 24)] {
        insta::assert_snapshot!(format!("form_content_{w}x{h}"), render(&a, w, h));
    }
    let e = press(&mut a, "r");
    assert!(
        matches!(&e[..], [Effect::Request(_, Request::Distribution { package, what: Distribution::Redistribute, targets })]
            if package == "PS100001" && targets.services == ["c1"]),
        "{e:?}"
    );
    a.on_key(key(KeyCode::Down));
    assert!(
        a.on_key(key(KeyCode::Delete)).is_empty(),
        "Remove asks first"
    );
    insta::assert_snapshot!("form_content_confirm_remove_100x30", render(&a, 100, 30));
    let e = a.on_key(key(KeyCode::Enter));
    assert!(
        matches!(&e[..], [Effect::Request(_, Request::Distribution { package, what: Distribution::Remove, .. })]
            if package == "PS100002"),
        "{e:?}"
    );
}

#[test]
fn read_only_tokens_see_redistribute_and_remove_disabled_with_the_reason() {
    let mut a = content_tab("read-only");
    assert!(press(&mut a, "r").is_empty());
    assert!(a.on_key(key(KeyCode::Delete)).is_empty());
    let text = render(&a, 100, 30);
    assert!(
        text.contains("Remove: not available (the Read-only Analyst role may only read)"),
        "{text}"
    );
    insta::assert_snapshot!("form_content_read_only_100x30", text);
}

#[test]
fn usage_events_fill_the_used_columns() {
    let mut a = app("full-admin");
    let mut u = a.model.cdps[0].usage.clone().unwrap();
    u.storage_bytes = 1900 * GIB;
    a.on_net(NetMsg::Event(ev(
        70,
        "usage",
        serde_json::json!({"service_id": "c3", "usage": u}),
    )));
    let text = render(&a, 100, 30);
    assert!(text.contains("1.9 TiB 95%"), "{text}");
    assert!(
        !text.contains('–'),
        "no service is waiting for its first collection:\n{text}"
    );
    // Wide enough, the list shows "used / quota".
    let wide = render(&a, 140, 30);
    assert!(
        wide.contains("Storage used / quota") && wide.contains("1.9 TiB / 2.0 TiB"),
        "{wide}"
    );
}

/// An event as the site sends it: id, kind and object.
fn ev(id: u64, kind: &str, data: serde_json::Value) -> EventView {
    serde_json::from_value(serde_json::json!({"id": id, "kind": kind, "data": data}))
        .expect("a well-formed event")
}

/// Every cell of the screen, as drawn (not trimmed), and whether any holds a character a
/// terminal would act on.
fn screen(app: &App, w: u16, h: u16) -> (String, Vec<String>) {
    let theme = Theme::load("default", None).unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(f, app, &theme)).unwrap();
    let buf = term.backend().buffer().clone();
    let text = render(app, w, h);
    let unsafe_cells = buf
        .content()
        .iter()
        .map(|c| c.symbol())
        .filter(|s| {
            s.chars().any(|c| {
                c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            })
        })
        .map(|s| format!("{s:?}"))
        .collect();
    (text, unsafe_cells)
}

/// A description that would clear the screen, set the window title and reverse the text.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;title\u{7}\u{202E}exe";
/// How it reads once made safe.
const SHOWN: &str = "\\u{1b}[2J\\u{1b}]0;title\\u{7}\\u{202e}exe";

#[test]
fn site_text_is_shown_escaped_and_never_reaches_the_terminal_as_itself() {
    let mut snap = snapshot("full-admin");
    snap.cdps[0].description = HOSTILE.into();
    snap.alerts[0].name = format!("Proxy {HOSTILE}");
    snap.status[0].text = "first line\r\nsecond line".into();
    snap.logs[0].message = "Starting\r\nto Deploy".into();
    let mut a = App::new(Keymap::default(), "default", 1000);
    a.on_net(NetMsg::Connected);
    a.on_net(NetMsg::Snapshot(Box::new(snap)));

    // The details pane of the selected CDP.
    let (text, bad) = screen(&a, 100, 30);
    assert!(text.contains(SHOWN), "{text}");
    assert!(bad.is_empty(), "cells a terminal would obey: {bad:?}");

    // Properties: the field edits the real value and draws it escaped.
    a.on_key(key(KeyCode::Enter));
    let (text, bad) = screen(&a, 100, 30);
    assert!(text.contains(SHOWN), "{text}");
    assert!(bad.is_empty(), "{bad:?}");
    a.on_key(key(KeyCode::Esc));

    // The alert list, the status messages and the logs: a CR LF keeps the row on one line.
    for (node, one_line, rest) in [
        (Node::Alerts, "Proxy \\u{1b}[2J", "]0;title"),
        (
            Node::StatusMessages,
            "first line\\u{d}\\u{a}second",
            "second line",
        ),
        (Node::Logs, "Starting\\u{d}\\u{a}to Deploy", "to Deploy"),
    ] {
        a.node = node;
        let (text, bad) = screen(&a, 100, 30);
        assert!(bad.is_empty(), "{node:?}: {bad:?}");
        let row = text
            .lines()
            .find(|l| l.contains(one_line))
            .unwrap_or_else(|| panic!("{node:?}: no row with {one_line:?}:\n{text}"));
        assert!(
            !text.lines().any(|l| l != row && l.contains(rest)),
            "{node:?}: the text went on to another line:\n{text}"
        );
    }
}

#[test]
fn times_fit_at_80x24_with_their_zone_in_the_title() {
    let a = app("full-admin");
    for (node, header, time) in [
        (Node::Alerts, "Last UTC", "11-22 10:04"),
        (Node::StatusMessages, "Time UTC", "11-22 10:05"),
        (Node::Logs, "Time UTC", "11-22 10:01"),
    ] {
        let mut a = App::new(Keymap::default(), "default", 1000);
        a.on_net(NetMsg::Snapshot(Box::new(snapshot("full-admin"))));
        a.node = node;
        let text = render(&a, 80, 24);
        assert!(
            text.contains(header) && text.contains(time),
            "{node:?}:\n{text}"
        );
        assert!(!text.contains("2026-1"), "no time cut short: {text}");
    }
    let text = render(&a, 80, 24);
    assert!(
        text.contains("usage as of 11-22 10:00 UTC"),
        "the details pane says when usage was read:\n{text}"
    );
}
