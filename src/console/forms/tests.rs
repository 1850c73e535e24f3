//! The Properties forms driven key by key through the app, and rendered with `TestBackend`.

use crate::api::operations::AlertAction;
use crate::api::wire::AlertView;
use crate::api::wire::{
    CertificateView, CloseAlert, CmgSettings, ServiceView, SetService, SiteSystemView, SiteView,
};
use crate::console::app::{App, Effect, NetMsg, Node, Request};
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Snapshot;
use crate::console::msg::{Reply, refusal};
use crate::console::theme::Theme;
use crate::console::ui;
use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::proxy::ProxySettings;
use crate::domain::role::Role;
use crate::domain::service::HostedKind;
use crate::domain::service::{
    CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, CMG_EGRESS_DEFAULT, CMG_STORAGE_DEFAULT,
    Environment, ServiceState,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

fn service(id: &str, fqdn: &str, kind: &str) -> ServiceView {
    ServiceView {
        id: id.into(),
        kind: HostedKind::parse(kind).expect("cdp or cmg"),
        service_fqdn: fqdn.into(),
        name: fqdn.split('.').next().unwrap_or(fqdn).into(),
        status: ServiceState::Ready,
        status_details: None,
        subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
        environment: Environment::AzurePublicCloud,
        region: "WestEurope".into(),
        resource_group: None,
        description: "Europe".into(),
        vm_instances: if kind == "cmg" { 1 } else { 2 },
        instances: Vec::new(),
        storage: if kind == "cmg" {
            CMG_STORAGE_DEFAULT
        } else {
            CDP_STORAGE_DEFAULT
        },
        transfer: if kind == "cmg" {
            CMG_EGRESS_DEFAULT
        } else {
            CDP_TRANSFER_DEFAULT
        },
        cmg: (kind == "cmg").then(|| CmgSettings {
            vm_size: "Standard_A2_v2".into(),
            check_crl: true,
            enforce_tls12: true,
            serve_content: true,
            egress_alerts: true,
            stop_at_critical: false,
            storage_alerts: false,
            trusted_roots: Vec::new(),
        }),
        certificate: CertificateView {
            thumbprint: "9CEA69D045BED5A64921981958CAF0AE6CEF9786".into(),
            subject_cn: Some(fqdn.into()),
            not_after: "2027-11-23T00:00:00Z".into(),
            wildcard: false,
        },
        cname_target: "x.cloudapp.net".into(),
        created: "2026-11-22T10:00:00.000Z".into(),
        updated: "2026-11-22T10:05:00.000Z".into(),
        usage: None,
        gateway: None,
    }
}

fn alert(enabled: bool) -> AlertView {
    AlertView {
        service_fqdn: None,
        id: "a1".into(),
        type_id: AlertType::ProxyFailure,
        service_id: Some("c1".into()),
        name: "Proxy refused the connection".into(),
        severity: Severity::Critical,
        state: if enabled {
            AlertState::Active
        } else {
            AlertState::Disabled
        },
        occurrences: 2,
        first_seen: Some("2026-11-22T10:00:00.000Z".into()),
        last_seen: Some("2026-11-22T10:04:00.000Z".into()),
        details: Value::Null,
        skip_until: None,
        comments: Vec::new(),
        closed_by: None,
        enabled,
    }
}

fn app_with(role: &str, proxy: ProxySettings, alert_enabled: bool) -> App {
    let mut app = App::new(Keymap::default(), "default", 100);
    app.on_net(NetMsg::Connected);
    app.on_net(NetMsg::Snapshot(Box::new(Snapshot {
        site: Some(SiteView {
            site_code: "PS1".into(),
            server_name: "SITESRV".into(),
            version: "0.1.0".into(),
            role: Role::parse(role).expect("a role name"),
            replica: crate::domain::replica::ReplicaRole::Active,
            database: crate::domain::replica::DatabaseEngine::Sqlite,
        }),
        cdps: vec![service("c1", "cdp1.contoso.com", "cdp")],
        cmgs: vec![service("m1", "cmg1.contoso.com", "cmg")],
        site_systems: vec![SiteSystemView {
            name: "SITESRV".into(),
            roles: vec!["Site server".into()],
            proxy,
        }],
        alerts: vec![alert(alert_enabled)],
        ..Snapshot::default()
    })));
    app
}

pub(super) fn new_app(role: &str) -> App {
    app_with(role, ProxySettings::default(), true)
}

pub(super) fn open(app: &mut App, node: Node) {
    app.node = node;
    app.on_action(Action::Properties);
    assert!(
        app.form.is_some(),
        "p opens the Properties of a row on {node:?}"
    );
}

pub(super) fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(key(app, KeyCode::Char(c)).is_empty());
    }
}

fn clear(app: &mut App, n: usize) {
    for _ in 0..n {
        key(app, KeyCode::Backspace);
    }
}

/// Presses Enter until the form sends something (Enter on the last field saves).
fn enter_until_request(app: &mut App) -> Option<(u64, Request)> {
    for _ in 0..20 {
        let effects = key(app, KeyCode::Enter);
        if let Some(Effect::Request(id, request)) = effects.into_iter().next() {
            return Some((id, request));
        }
        app.form.as_ref()?;
        // A refused save puts the focus on the first field in error: stop there.
        let text = screen(app, 100, 30);
        if ["fix the fields marked", "cannot save:", "not available:"]
            .iter()
            .any(|m| text.contains(m))
        {
            return None;
        }
    }
    None
}

/// The Set a Properties save sends to `want` (kind, id), as JSON without the fields it leaves
/// alone.
fn set_sent(request: Request, want: (HostedKind, &str)) -> Value {
    let Request::SetService { kind, id, set } = request else {
        panic!("not a Set: {request:?}")
    };
    assert_eq!((kind, id.as_str()), want);
    let mut sent = serde_json::to_value::<SetService>(set).expect("JSON");
    if let Some(map) = sent.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    sent
}

/// The alert action a form sends to alert `a1`.
fn alert_sent(request: Request) -> AlertAction {
    let Request::Alert { id, action } = request else {
        panic!("not an alert action: {request:?}")
    };
    assert_eq!(id, "a1");
    action
}

/// The Proxy tab a form sends to SITESRV.
fn proxy_sent(request: Request) -> crate::api::wire::SetProxy {
    let Request::SetProxy { system, set } = request else {
        panic!("not a Proxy tab: {request:?}")
    };
    assert_eq!(system, "SITESRV");
    set
}

pub(super) fn screen(app: &App, w: u16, h: u16) -> String {
    let theme = Theme::load("default", None).unwrap_or_else(|_| Theme::monochrome());
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| ui::draw(f, app, &theme)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn service_properties_patch_only_the_changed_fields() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    let text = screen(&app, 100, 30);
    for want in [
        "Settings",
        "Alerts",
        "Content",
        "Subscription ID",
        "read-only",
    ] {
        assert!(text.contains(want), "{want} missing in\n{text}");
    }
    // Description is the first field.
    type_text(&mut app, " and Africa");
    // Alerts tab: the storage quota is the first field there.
    ctrl(&mut app, 'n');
    clear(&mut app, 4);
    type_text(&mut app, "3000");
    let (id, request) = enter_until_request(&mut app).expect("save sends a Set");
    assert_eq!(
        set_sent(request, (HostedKind::Cdp, "c1")),
        json!({
            "description": "Europe and Africa",
            "storage": {"quota_gb": 3000, "warning_pct": 50, "critical_pct": 90},
        })
    );
    // The answer closes the form with a notice.
    let updated = crate::api::wire::Updated {
        service: service("c1", "cdp1.contoso.com", "cdp"),
        task: None,
    };
    app.on_net(NetMsg::Reply {
        id,
        result: Ok(Reply::Updated(updated)),
    });
    assert!(app.form.is_none());
    assert!(
        app.notice.as_deref().is_some_and(|n| n.contains("saved")),
        "{:?}",
        app.notice
    );
}

#[test]
fn cmg_vm_change_reports_the_upgrade_and_site_errors_land_under_the_field() {
    let mut app = new_app("infra-admin");
    open(&mut app, Node::Cmgs);
    // Description → Certificate file → Password → VM Instance (read-only fields are skipped).
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    clear(&mut app, 2);
    type_text(&mut app, "3");
    // Turn off TLS 1.2 enforcement: VM Instance → CRL → TLS 1.2.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    let (id, request) = enter_until_request(&mut app).expect("save");
    assert_eq!(
        set_sent(request, (HostedKind::Cmg, "m1")),
        json!({"vm_instances": 3, "enforce_tls12": false})
    );
    // A refusal naming a field shows under that field, and the form stays.
    app.on_net(NetMsg::Reply {
        id,
        result: Err(refusal("VM Instance", "must be from 1 to 16 (got 3)")),
    });
    assert!(app.form.is_some());
    let text = screen(&app, 100, 30);
    assert!(text.contains("⚠ must be from 1 to 16 (got 3)"), "{text}");
    // Saved again: the upgrade task is reported.
    let (id, ..) = enter_until_request(&mut app).expect("save again");
    let mut svc = serde_json::to_value(service("m1", "cmg1.contoso.com", "cmg")).unwrap();
    svc["vm_instances"] = json!(3);
    let task = json!({"id": "t1", "service_id": "m1", "kind": "upgrade", "state": "created",
        "step": null, "error": null, "created": "2026-11-22T10:00:00.000Z", "ended": null});
    let reply = json!({"service": svc, "task": task});
    let reply = serde_json::from_value(reply).expect("an Updated");
    app.on_net(NetMsg::Reply {
        id,
        result: Ok(Reply::Updated(reply)),
    });
    assert!(app.form.is_none());
    let notice = app.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("saved") && notice.contains("upgrade started"),
        "{notice}"
    );
}

#[test]
fn a_refusal_about_a_field_on_another_tab_shows_that_tab_with_the_rule_under_the_field() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    // Saved from the Settings tab…
    type_text(&mut app, " and Africa");
    let (id, _) = enter_until_request(&mut app).expect("save");
    assert!(!screen(&app, 100, 30).contains("Storage alert threshold (GB)"));
    // …refused about a field of the Alerts tab. The message need not name it: the site's
    // structured field does.
    let refusal = crate::api::client::ClientError::Api {
        status: 400,
        detail: crate::api::wire::ErrorDetail {
            code: "invalid_field".into(),
            message: "the quota exceeds what the subscription allows".into(),
            field: Some("Storage alert threshold (GB)".into()),
            rule: Some("must be at most 2500 for this subscription".into()),
        },
    };
    app.on_net(NetMsg::Reply {
        id,
        result: Err(refusal),
    });
    assert!(app.form.is_some(), "the form stays open");
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("Storage alert threshold (GB)")
            && text.contains("⚠ must be at most 2500 for this subscription"),
        "the Alerts tab, the rule under its field:\n{text}"
    );
    assert!(
        text.contains("not saved: Storage alert threshold (GB): must be at most 2500"),
        "{text}"
    );
}

#[test]
fn an_invalid_threshold_blocks_save_with_its_message() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    ctrl(&mut app, 'n'); // Alerts tab
    key(&mut app, KeyCode::Tab); // storage warning %
    clear(&mut app, 2);
    type_text(&mut app, "95");
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("must be lower than Storage alert threshold critical %"),
        "validated as typed:\n{text}"
    );
    assert!(
        enter_until_request(&mut app).is_none(),
        "an invalid threshold must not be sent"
    );
    assert!(app.form.is_some());
    let text = screen(&app, 100, 30);
    assert!(text.contains("fix the fields marked"), "{text}");
    // A non-number is refused too.
    clear(&mut app, 2);
    type_text(&mut app, "x");
    assert!(screen(&app, 100, 30).contains("must be a whole number"));
}

#[test]
fn read_only_fields_cannot_be_edited() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    // Tab from Description goes to Certificate file, Password, Save: Subscription, Service
    // name and Region are not focusable, so typed text never reaches them.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "zzz");
    key(&mut app, KeyCode::Up); // Password, then back to Save: Save takes no text
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "yyy");
    let text = screen(&app, 100, 30);
    assert!(text.contains("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
    assert!(!text.contains("zzz") && !text.contains("yyy"), "{text}");
    // Nothing changed: save closes without a request.
    assert!(enter_until_request(&mut app).is_none());
    assert!(app.form.is_none());
}

#[test]
fn analysts_see_the_form_read_only_with_the_reason() {
    let mut app = new_app("read-only");
    open(&mut app, Node::Cdps);
    type_text(&mut app, "changed");
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("Read-only Analyst role may only read"),
        "{text}"
    );
    assert!(!text.contains("Europechanged"));
    // A paste is refused the same way.
    assert!(app.on_paste("pasted").is_empty());
    let text = screen(&app, 100, 30);
    assert!(text.contains("read-only: the Read-only Analyst role") && !text.contains("pasted"));
    assert!(enter_until_request(&mut app).is_none());
    assert!(app.form.is_some(), "save is refused, the form stays");
}

#[test]
fn esc_asks_first_when_something_changed() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "nothing changed: Esc closes at once");
    open(&mut app, Node::Cdps);
    type_text(&mut app, "!");
    key(&mut app, KeyCode::Esc);
    assert!(app.form.is_some(), "asks first");
    assert!(screen(&app, 100, 30).contains("Discard your changes?"));
    key(&mut app, KeyCode::Char('x')); // keeps editing
    assert!(app.form.is_some());
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(
        app.form.is_some(),
        "Esc again keeps editing: only y discards"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.form.is_none());
}

#[test]
fn proxy_form_validates_as_typed() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::SiteSystems);
    // Turn the proxy on without a server name.
    key(&mut app, KeyCode::Char(' '));
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("is required when a proxy server is used"),
        "{text}"
    );
    assert!(enter_until_request(&mut app).is_none(), "blocked");
    // Server, then a port out of range.
    app.form = None;
    open(&mut app, Node::SiteSystems);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "proxy.contoso.com");
    key(&mut app, KeyCode::Tab);
    clear(&mut app, 2);
    type_text(&mut app, "70000");
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("must be a port from 1 to 65535 (got 70000)"),
        "{text}"
    );
    assert!(enter_until_request(&mut app).is_none(), "blocked");
    clear(&mut app, 5);
    type_text(&mut app, "8080");
    let (_, request) = enter_until_request(&mut app).expect("save");
    let set = proxy_sent(request);
    assert!(set.enabled);
    assert_eq!(set.server.as_deref(), Some("proxy.contoso.com"));
    assert_eq!(set.port, Some(8080));
    assert!(set.account.is_none() && set.password.is_none());
}

#[test]
fn proxy_password_is_masked_and_kept_when_left_empty() {
    let stored = ProxySettings {
        enabled: true,
        server: Some("proxy.contoso.com".into()),
        port: 8080,
        account: Some("CONTOSO\\svc".into()),
        has_password: true,
    };
    let mut app = app_with("full-admin", stored.clone(), true);
    open(&mut app, Node::SiteSystems);
    let text = screen(&app, 100, 30);
    assert!(text.contains("a password is stored"), "{text}");
    assert!(text.contains("leave empty to keep the stored password"));
    // Change only the port: the password is not sent, so the stored one stays.
    key(&mut app, KeyCode::Tab); // server
    key(&mut app, KeyCode::Tab); // port
    clear(&mut app, 4);
    type_text(&mut app, "3128");
    let (_, request) = enter_until_request(&mut app).expect("save");
    let set = proxy_sent(request);
    assert_eq!(set.port, Some(3128));
    assert_eq!(set.account.as_deref(), Some("CONTOSO\\svc"));
    assert!(set.password.is_none(), "left empty: {set:?}");

    // A typed password is masked on screen and sent.
    let mut app = app_with("full-admin", stored, true);
    open(&mut app, Node::SiteSystems);
    for _ in 0..5 {
        key(&mut app, KeyCode::Tab); // … credentials, account, password
    }
    type_text(&mut app, "S3cret!pw");
    let text = screen(&app, 100, 30);
    assert!(!text.contains("S3cret!pw"), "the password shows:\n{text}");
    assert!(text.contains("•••••••••"), "{text}");
    let (_, request) = enter_until_request(&mut app).expect("save");
    assert_eq!(proxy_sent(request).password.as_deref(), Some("S3cret!pw"));
}

#[test]
fn alert_form_sends_the_chosen_action() {
    // Postpone (the default action) with a comment.
    let mut app = new_app("full-admin");
    open(&mut app, Node::Alerts);
    let text = screen(&app, 100, 30);
    assert!(text.contains("Postpone until"), "{text}");
    key(&mut app, KeyCode::Tab); // until (default: now + 1 day)
    key(&mut app, KeyCode::Tab); // comment
    type_text(&mut app, "proxy team on it");
    let (_, request) = enter_until_request(&mut app).expect("postpone");
    let AlertAction::Postpone(postpone) = alert_sent(request) else {
        panic!("not a postpone")
    };
    assert_eq!(postpone.comment.as_deref(), Some("proxy team on it"));
    let t = time::OffsetDateTime::parse(
        &postpone.until,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    assert!(t > time::OffsetDateTime::now_utc() + time::Duration::hours(23));

    // A date in the past is refused as typed.
    let mut app = app_with("full-admin", ProxySettings::default(), true);
    open(&mut app, Node::Alerts);
    key(&mut app, KeyCode::Tab);
    clear(&mut app, 40);
    type_text(&mut app, "2001-01-01T00:00:00Z");
    assert!(screen(&app, 100, 30).contains("must be in the future"));
    assert!(enter_until_request(&mut app).is_none());

    // Close.
    let mut app = new_app("full-admin");
    open(&mut app, Node::Alerts);
    key(&mut app, KeyCode::Right);
    let (id, request) = enter_until_request(&mut app).expect("close");
    assert_eq!(
        alert_sent(request),
        AlertAction::Close(CloseAlert { comment: None })
    );
    let mut closed = alert(true);
    closed.state = AlertState::Canceled;
    app.on_net(NetMsg::Reply {
        id,
        result: Ok(Reply::Alert(closed)),
    });
    assert!(app.form.is_none());
    assert!(app.notice.clone().unwrap_or_default().contains("canceled"));

    // Disable, and Enable for a disabled alert.
    let mut app = new_app("full-admin");
    open(&mut app, Node::Alerts);
    key(&mut app, KeyCode::Left);
    let (_, request) = enter_until_request(&mut app).expect("disable");
    assert_eq!(alert_sent(request), AlertAction::Disable);
    let mut app = app_with("full-admin", ProxySettings::default(), false);
    open(&mut app, Node::Alerts);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    let (_, request) = enter_until_request(&mut app).expect("enable");
    assert_eq!(alert_sent(request), AlertAction::Enable);

    // Read-only: nothing is sent.
    let mut app = new_app("read-only");
    open(&mut app, Node::Alerts);
    assert!(enter_until_request(&mut app).is_none());
    assert!(screen(&app, 100, 30).contains("may only read"));
}

#[test]
fn forms_fit_the_smallest_terminal() {
    for node in [Node::Cdps, Node::Cmgs, Node::SiteSystems, Node::Alerts] {
        let mut app = new_app("full-admin");
        open(&mut app, node);
        let text = screen(&app, 80, 24);
        assert!(text.contains("Esc cancel"), "{node:?}:\n{text}");
    }
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cmgs);
    key(&mut app, KeyCode::PageDown);
    // The last field of the CMG Alerts tab (the Save button) scrolls into view.
    for _ in 0..3 {
        key(&mut app, KeyCode::Up);
    }
    let text = screen(&app, 80, 24);
    assert!(text.contains("[ Save ]"), "{text}");
    key(&mut app, KeyCode::PageDown);
    assert!(screen(&app, 80, 24).contains("No packages are distributed to this service"));
}

#[test]
fn a_number_too_long_for_the_arithmetic_gets_the_sites_range_rule() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    ctrl(&mut app, 'n'); // Alerts tab: the storage quota first
    clear(&mut app, 4);
    let huge = "99999999999999999999";
    type_text(&mut app, huge);
    let text = screen(&app, 160, 30);
    // The words the site (and `cloudsite cdp set --storage-quota-gb`) use for a quota out of
    // range, not "must be a whole number".
    let site = crate::domain::service::Threshold::new("Storage alert threshold", 5_000_000, 50, 90)
        .unwrap_err()
        .rule;
    assert_eq!(site, "must be from 1 to 1000000 GB (got 5000000)");
    assert!(
        text.contains(&format!("must be from 1 to 1000000 GB (got {huge})")),
        "{text}"
    );
    assert!(!text.contains("whole number"), "{text}");
}
