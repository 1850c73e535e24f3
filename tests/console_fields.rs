//! Text fields and the form shell, driven through the app key by key (and paste by paste) and
//! drawn with ratatui's TestBackend: the editing keys with the terminal cursor where the text
//! says (CJK is two columns), bracketed paste into a wizard field, a Properties field, the
//! filter box and the palette, ←/→ in a field while the page keys change tabs, and the one
//! discard question of every form.

use cloudsite::api::operations::AlertAction;
use cloudsite::api::wire::AlertView;
use cloudsite::api::wire::{ServiceView, SiteSystemView, SiteView};
use cloudsite::console::app::{App, Effect, Modal, NetMsg, Node, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::model::Snapshot;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const GUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

fn service() -> ServiceView {
    let t = json!({"quota_gb": 2000, "warning_pct": 50, "critical_pct": 90});
    serde_json::from_value(json!({
        "id": "c1", "kind": "cdp", "service_fqdn": "cdp1.contoso.com", "name": "cdp1",
        "status": "Ready", "status_details": null, "subscription_id": GUID,
        "environment": "AzurePublicCloud", "region": "WestEurope", "resource_group": null,
        "description": "cdp for Europe", "vm_instances": 2, "instances": [], "storage": t,
        "transfer": t, "cmg": null,
        "certificate": {"thumbprint": "AA", "subject_cn": "cdp1.contoso.com",
                        "not_after": "2030-01-01T00:00:00Z", "wildcard": false},
        "cname_target": "cdp1.cloudapp.net",
        "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"
    }))
    .expect("a service")
}

fn app() -> App {
    let mut app = App::new(Keymap::default(), "default", 100);
    let system: SiteSystemView = serde_json::from_value(json!({
        "name": "SITESRV", "roles": ["Site server"],
        "proxy": {"enabled": true, "server": "proxy.contoso.com", "port": 8080,
                  "account": null, "has_password": false}
    }))
    .expect("a site system");
    let alert: AlertView = serde_json::from_value(json!({
        "id": "a1", "type_id": "proxy_failure", "service_id": "c1",
        "name": "Proxy refused the connection", "severity": "critical", "state": "active", "occurrences": 2,
        "first_seen": null, "last_seen": null, "details": null, "skip_until": null,
        "comments": [], "closed_by": null, "enabled": true
    }))
    .expect("an alert");
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
        cdps: vec![service()],
        site_systems: vec![system],
        alerts: vec![alert],
        ..Snapshot::default()
    })));
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn with(app: &mut App, m: KeyModifiers, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, m))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    with(app, KeyModifiers::CONTROL, KeyCode::Char(c))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The screen's lines and the terminal cursor, if shown.
fn draw(app: &App) -> (Vec<String>, Option<(u16, u16)>) {
    let theme = Theme::load("default", None).unwrap_or_else(|_| Theme::monochrome());
    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    term.draw(|f| ui::draw(f, app, &theme)).expect("draw");
    let backend = term.backend();
    let buf = backend.buffer();
    let lines = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    let p = backend.cursor_position();
    (lines, backend.cursor_visible().then_some((p.x, p.y)))
}

fn screen(app: &App) -> String {
    draw(app).0.join("\n")
}

/// Where the terminal cursor is, as the row and the text of that row up to the cursor
/// (made of cells, so a two-column character counts twice).
fn at_cursor(app: &App) -> (usize, String) {
    let theme = Theme::load("default", None).unwrap_or_else(|_| Theme::monochrome());
    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    term.draw(|f| ui::draw(f, app, &theme)).expect("draw");
    let backend = term.backend();
    assert!(backend.cursor_visible(), "the terminal cursor is shown");
    let p = backend.cursor_position();
    let buf = backend.buffer();
    let before = (0..p.x)
        .map(|x| buf[(x, p.y)].symbol().to_string())
        .collect();
    (usize::from(p.y), before)
}

/// The request the last key or paste sent.
fn call(effects: &[Effect]) -> Option<Request> {
    effects.iter().find_map(|e| match e {
        Effect::Request(_, r) => Some(r.clone()),
        _ => None,
    })
}

/// Saves the open Properties of `c1` (Enter until the Save button) and returns the fields
/// sent, as JSON without those left alone.
fn save(app: &mut App) -> Value {
    for _ in 0..20 {
        if let Some(request) = call(&press(app, KeyCode::Enter)) {
            let Request::SetService { id, set, .. } = request else {
                panic!("not a Set: {request:?}")
            };
            assert_eq!(id, "c1");
            let mut sent = serde_json::to_value(set).unwrap();
            sent.as_object_mut().unwrap().retain(|_, v| !v.is_null());
            return sent;
        }
    }
    panic!("nothing was sent:\n{}", screen(app));
}

fn open(app: &mut App, node: Node) {
    app.node = node;
    press(app, KeyCode::Char('p'));
    assert!(app.form.is_some(), "p opens the Properties on {node:?}");
}

#[test]
fn every_editing_key_in_a_properties_field_with_the_cursor_where_the_text_says() {
    let mut app = app();
    open(&mut app, Node::Cdps);
    // Description is focused, the cursor after its text.
    let (row, before) = at_cursor(&app);
    assert!(before.ends_with("cdp for Europe"), "{before:?}");
    let value_at = before.chars().count() - "cdp for Europe".len();
    let cursor = |app: &App| {
        let (r, before) = at_cursor(app);
        assert_eq!(r, row, "the cursor stays on the Description line");
        before.chars().count() - value_at
    };
    ctrl(&mut app, 'w');
    assert_eq!(cursor(&app), "cdp for ".len());
    type_text(&mut app, "東京");
    // 東京 is two characters and four columns.
    assert_eq!(cursor(&app), "cdp for ".len() + 4);
    press(&mut app, KeyCode::Left);
    assert_eq!(cursor(&app), "cdp for ".len() + 2);
    press(&mut app, KeyCode::Backspace);
    assert_eq!(cursor(&app), "cdp for ".len());
    press(&mut app, KeyCode::Right);
    assert_eq!(cursor(&app), "cdp for ".len() + 2);
    press(&mut app, KeyCode::Home);
    assert_eq!(cursor(&app), 0);
    with(&mut app, KeyModifiers::CONTROL, KeyCode::Right);
    assert_eq!(cursor(&app), "cdp".len());
    with(&mut app, KeyModifiers::ALT, KeyCode::Char('f'));
    assert_eq!(cursor(&app), "cdp for".len());
    with(&mut app, KeyModifiers::ALT, KeyCode::Char('b'));
    assert_eq!(cursor(&app), "cdp ".len());
    with(&mut app, KeyModifiers::CONTROL, KeyCode::Left);
    assert_eq!(cursor(&app), 0);
    ctrl(&mut app, 'e');
    assert_eq!(cursor(&app), "cdp for ".len() + 2);
    ctrl(&mut app, 'a');
    press(&mut app, KeyCode::Delete);
    assert_eq!(cursor(&app), 0);
    ctrl(&mut app, 'k');
    type_text(&mut app, "Europe and Africa");
    with(&mut app, KeyModifiers::ALT, KeyCode::Char('b'));
    ctrl(&mut app, 'u');
    assert_eq!(cursor(&app), 0);
    press(&mut app, KeyCode::End);
    assert_eq!(cursor(&app), "Africa".len());
    let body = save(&mut app);
    assert_eq!(body, json!({"description": "Africa"}));
}

#[test]
fn the_arrows_move_the_cursor_in_a_field_and_only_the_page_keys_change_tabs() {
    let mut app = app();
    open(&mut app, Node::Cdps);
    let settings = "Subscription ID, Service name and Region are read-only";
    for _ in 0..3 {
        press(&mut app, KeyCode::Left);
    }
    press(&mut app, KeyCode::Right);
    assert!(screen(&app).contains(settings), "←/→ stay on the tab");
    type_text(&mut app, "_");
    assert!(screen(&app).contains("cdp for Euro_pe"));
    ctrl(&mut app, 'n');
    let alerts = screen(&app);
    assert!(
        !alerts.contains(settings) && alerts.contains("Storage alert threshold (GB)"),
        "{alerts}"
    );
    // The storage quota is focused: ← moves into "2000" rather than back to Settings.
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    type_text(&mut app, "5");
    assert!(screen(&app).contains("20500"));
    press(&mut app, KeyCode::PageDown);
    assert!(screen(&app).contains("Packages on cdp1.contoso.com"));
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Right);
    assert!(
        screen(&app).contains("Packages on cdp1.contoso.com"),
        "no arrow changes the Content tab either"
    );
    press(&mut app, KeyCode::PageUp);
    ctrl(&mut app, 'p');
    assert!(screen(&app).contains(settings));
    // The dialog says which keys change tabs.
    assert!(screen(&app).contains("Ctrl-n/p tab"), "{}", screen(&app));
}

#[test]
fn a_choice_still_cycles_with_the_arrows() {
    let mut app = app();
    open(&mut app, Node::Alerts);
    assert!(screen(&app).contains("‹ Postpone ›"));
    press(&mut app, KeyCode::Right);
    assert!(screen(&app).contains("‹ Close ›"));
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert!(screen(&app).contains("‹ Disable ›"));
    assert_eq!(draw(&app).1, None, "no text cursor on a choice");
    // Disable needs no date or comment: Enter goes to Apply, and Enter applies.
    press(&mut app, KeyCode::Enter);
    let request = call(&press(&mut app, KeyCode::Enter)).expect("Enter applies");
    assert!(
        matches!(&request, Request::Alert { id, action: AlertAction::Disable } if id == "a1"),
        "{request:?}"
    );
}

#[test]
fn paste_goes_to_the_focused_field_at_the_cursor_without_its_newline() {
    // A Properties field: inserted at the cursor, the trailing newline dropped.
    let mut app = app();
    open(&mut app, Node::Cdps);
    press(&mut app, KeyCode::Home);
    assert!(app.on_paste("Western \r\n").is_empty());
    let (_, before) = at_cursor(&app);
    assert!(
        before.ends_with("Western "),
        "cursor after the paste: {before:?}"
    );
    // Text of several lines is refused, and says so.
    app.on_paste("one\ntwo");
    assert!(screen(&app).contains("paste refused: the text has 2 lines"));
    assert_eq!(
        save(&mut app),
        json!({"description": "Western cdp for Europe"})
    );

    // A wizard field: the Subscription ID checked as typed, and the password masked (no
    // service yet, so no pick list of known subscriptions before it).
    let mut app = self::app();
    app.model.cdps.clear();
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Tab);
    app.on_paste(&format!("{GUID}\n"));
    let text = screen(&app);
    assert!(
        text.contains(GUID) && !text.contains("must be a GUID"),
        "{text}"
    );
    let (_, before) = at_cursor(&app);
    assert!(before.ends_with(GUID), "{before:?}");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    app.on_paste("pa55\n");
    let text = screen(&app);
    assert!(text.contains("••••") && !text.contains("pa55"), "{text}");
    // A choice takes no text.
    for _ in 0..3 {
        with(&mut app, KeyModifiers::SHIFT, KeyCode::BackTab);
    }
    app.on_paste("AzureUSGovernmentCloud");
    assert!(screen(&app).contains("AzurePublicCloud"));
}

#[test]
fn paste_into_the_filter_box_and_the_palette() {
    let mut app = app();
    press(&mut app, KeyCode::Char('/'));
    app.on_paste("cdp1\n");
    assert_eq!(app.filter(), "cdp1");
    let (_, before) = at_cursor(&app);
    assert!(before.ends_with("/cdp1"), "{before:?}");
    press(&mut app, KeyCode::Home);
    app.on_paste("x");
    assert_eq!(app.filter(), "xcdp1", "at the cursor");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.filter(), "");
    press(&mut app, KeyCode::Char(':'));
    app.on_paste("alerts\n");
    assert!(matches!(&app.modal, Some(Modal::Palette(t)) if t.text() == "alerts"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.node, Node::Alerts);
    // On the main screen a paste does nothing.
    assert!(app.on_paste("q").is_empty());
    assert!(!app.quit && app.modal.is_none());
}

/// Changes something on the open form, then Esc: it asks; any other key — Esc and Enter
/// included — keeps editing; only y discards (the one destructive-confirmation convention).
fn asks_then_discards(app: &mut App, change: impl Fn(&mut App), question: &str) {
    press(app, KeyCode::Esc);
    assert!(app.form.is_none(), "nothing changed: Esc closes at once");
    app.on_action(cloudsite::console::keymap::Action::Properties);
    assert!(app.form.is_some());
    change(app);
    press(app, KeyCode::Esc);
    assert!(app.form.is_some(), "a changed form asks first");
    assert!(screen(app).contains(question), "{}", screen(app));
    press(app, KeyCode::Char('x'));
    assert!(app.form.is_some() && !screen(app).contains(question));
    for no in [KeyCode::Esc, KeyCode::Enter] {
        press(app, KeyCode::Esc);
        assert!(screen(app).contains(question), "{}", screen(app));
        press(app, no);
        assert!(app.form.is_some(), "{no:?} does not discard");
    }
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('y'));
    assert!(app.form.is_none(), "y discards");
    assert_eq!(app.notice.as_deref(), Some("changes discarded"));
}

#[test]
fn esc_on_a_changed_form_asks_and_esc_again_discards_on_every_form() {
    let question = "Discard your changes?";
    let mut a = app();
    open(&mut a, Node::Cdps);
    asks_then_discards(&mut a, |a| type_text(a, "!"), question);
    let mut a = app();
    open(&mut a, Node::SiteSystems);
    asks_then_discards(
        &mut a,
        |a| {
            press(a, KeyCode::Char(' '));
        },
        question,
    );
    let mut a = app();
    open(&mut a, Node::Alerts);
    asks_then_discards(
        &mut a,
        |a| {
            press(a, KeyCode::Right);
        },
        question,
    );
    // A typed character the operator takes back leaves nothing to discard.
    let mut a = app();
    open(&mut a, Node::Cdps);
    type_text(&mut a, "!");
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Esc);
    assert!(a.form.is_none());
    // The wizard asks with its own words, and takes y too.
    let mut a = app();
    a.model.cdps.clear();
    press(&mut a, KeyCode::Char('c'));
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "x");
    press(&mut a, KeyCode::Esc);
    assert!(screen(&a).contains("Discard the wizard? y discards"));
    press(&mut a, KeyCode::Char('y'));
    assert!(a.form.is_none());
}
