//! Every main view rendered with ratatui's TestBackend at 100×30 and 80×24 (insta snapshots),
//! and the app driven key by key: navigation, filter, palette, delete confirmation, read-only.

mod common;
mod console_fixture;

use console_fixture::*;

use cloudsite::api::operations::Distribution;
use cloudsite::api::wire::SubscriptionCheck;
use cloudsite::console::app::{App, Effect, Focus, Modal, NetMsg, Node, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::msg::Reply;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::service::ServiceState;
use cloudsite::domain::task::Level;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Every node of the workspace that shows a view.
const VIEWS: [Node; 8] = [
    Node::Overview,
    Node::Cdps,
    Node::Cmgs,
    Node::SiteSystems,
    Node::Alerts,
    Node::StatusMessages,
    Node::Logs,
    Node::Content,
];

#[test]
fn every_view_at_both_sizes() {
    for (w, h) in [(100, 30), (80, 24)] {
        for node in VIEWS {
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
    // The subscription the site's services use is offered and filled in.
    a.on_key(key(KeyCode::Tab)); // known subscriptions
    a.on_key(key(KeyCode::Tab)); // subscription id, filled
    a.on_key(key(KeyCode::Tab)); // management certificate
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
    press(&mut a, "p");
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
    press(&mut a, "p");
    forms(&a, "proxy");
    let mut a = app("full-admin");
    a.node = Node::Alerts;
    press(&mut a, "p");
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
    press(&mut a, "p");
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
    let e = press(&mut a, "y");
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
    // Usage in the quota's own unit: 1900 GB of a 2000 GB quota.
    assert!(text.contains("1900 GB 95%"), "{text}");
    assert!(
        !text.contains('–'),
        "no service is waiting for its first collection:\n{text}"
    );
    // Wide enough, the list shows "used / quota".
    let wide = render(&a, 140, 30);
    assert!(
        wide.contains("Storage used / quota") && wide.contains("1900 GB / 2000 GB"),
        "{wide}"
    );
}

#[test]
fn a_quota_reads_in_the_gb_it_was_entered_in_before_and_after_collection() {
    // cdp3 has never been collected; give it a 100 GB storage quota, as entered.
    let mut a = app("full-admin");
    a.model.cdps[2].storage.quota_gb = 100;
    a.selected.insert(Node::Cdps, 2);
    let seen = |a: &mut App| {
        let mut out = String::new();
        for node in [Node::Cdps, Node::Overview] {
            a.node = node;
            out.push_str(&render(a, 140, 30));
        }
        a.node = Node::Cdps;
        press(a, "p");
        ctrl_n(a);
        out.push_str(&render(a, 140, 30));
        a.on_key(key(KeyCode::Esc));
        out
    };
    let before = seen(&mut a);
    assert!(before.contains("– / 100 GB"), "{before}");
    assert!(
        before.contains("quota 100 GB"),
        "the details pane:\n{before}"
    );
    // Collected: 40 GB stored, counted in the site's quota GB (2^30 bytes here).
    let mut u = a.model.cdps[0].usage.clone().unwrap();
    u.storage_bytes = 40 * GIB;
    a.on_net(NetMsg::Event(ev(
        71,
        "usage",
        serde_json::json!({"service_id": "c3", "usage": u}),
    )));
    let after = seen(&mut a);
    for (place, text) in [
        ("list", "40.0 GB / 100 GB"),
        ("details", "40.0 GB of 100 GB (40 %)"),
        ("overview gauge", "40.0 GB / 100 GB (40 %)"),
        ("Properties", "now: 40.0 GB of 100 GB (40 %)"),
    ] {
        assert!(after.contains(text), "{place}: {text}\n{after}");
    }
    for text in [&before, &after] {
        assert!(!text.contains("100 GiB") && !text.contains("TiB"), "{text}");
    }
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
    press(&mut a, "p");
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

/// What a cell's colour is, as red, green and blue: the theme's colours as xterm draws them,
/// `Reset` as the terminal's own (`default`).
fn rgb(c: ratatui::style::Color, default: (u8, u8, u8)) -> (u8, u8, u8) {
    use cloudsite::console::theme::Color as T;
    use ratatui::style::Color as R;
    let t = match c {
        R::Reset => return default,
        R::Black => T::Black,
        R::Red => T::Red,
        R::Green => T::Green,
        R::Yellow => T::Yellow,
        R::Blue => T::Blue,
        R::Magenta => T::Magenta,
        R::Cyan => T::Cyan,
        R::Gray => T::Gray,
        R::DarkGray => T::DarkGray,
        R::LightRed => T::LightRed,
        R::LightGreen => T::LightGreen,
        R::LightYellow => T::LightYellow,
        R::LightBlue => T::LightBlue,
        R::LightMagenta => T::LightMagenta,
        R::LightCyan => T::LightCyan,
        R::White => T::White,
        R::Rgb(r, g, b) => T::Rgb(r, g, b),
        R::Indexed(i) => T::Indexed(i),
    };
    t.rgb().unwrap_or(default)
}

/// The screens a theme is seen on: every view, the help, the filter and the palette, the
/// delete prompt, a detail view, Properties, the wizard's first page, read-only and loading.
fn every_screen() -> Vec<(String, App)> {
    let mut out = Vec::new();
    for node in VIEWS {
        for focus in [Focus::List, Focus::Tree, Focus::Details] {
            let mut a = app("full-admin");
            a.node = node;
            a.focus = focus;
            out.push((format!("{node:?} {focus:?}"), a));
        }
    }
    let with = |name: &str, keys: &[KeyEvent]| {
        let mut a = app("full-admin");
        for k in keys {
            a.on_key(*k);
        }
        (name.to_string(), a)
    };
    let c = |ch| key(KeyCode::Char(ch));
    out.push(with("help", &[c('?')]));
    out.push(with("filter", &[c('/'), c('c')]));
    out.push(with("palette", &[c(':'), c('c'), key(KeyCode::Tab)]));
    out.push(with("delete", &[key(KeyCode::Delete), c('c')]));
    out.push(with("detail", &[key(KeyCode::Enter)]));
    out.push(with("properties", &[c('p')]));
    out.push(with("properties alerts", &[c('p'), key(KeyCode::PageDown)]));
    out.push(with("wizard", &[c('c')]));
    out.push(with("notice", &[c('s')]));
    out.push(("read-only".into(), app("read-only")));
    out.push((
        "loading".into(),
        App::new(Keymap::default(), "default", 100),
    ));
    out
}

#[test]
fn every_shipped_theme_is_readable_wcag_aa_on_every_screen() {
    // The terminal each theme is made for: light's on white, the others on black.
    let dark = ((0xe5, 0xe5, 0xe5), (0x00, 0x00, 0x00));
    let light = ((0x00, 0x00, 0x00), (0xff, 0xff, 0xff));
    // "theme: colours (ratio)" → where first seen, and some of the text drawn so.
    let mut failures = std::collections::BTreeMap::<String, (String, String)>::new();
    // As written (a terminal with 24-bit colour), and in the 256-colour palette it falls back to.
    let themes = cloudsite::console::theme::builtin_names()
        .iter()
        .flat_map(|name| {
            let t = Theme::load(name, None).unwrap();
            [(name.to_string(), t.in_palette()), (name.to_string(), t)]
        });
    for (name, theme) in themes {
        let (tfg, tbg) = if name == "light" { light } else { dark };
        for (screen, a) in every_screen() {
            let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
            term.draw(|f| ui::draw(f, &a, &theme)).unwrap();
            let buf = term.backend().buffer().clone();
            for cell in buf.content() {
                let sym = cell.symbol();
                // Text only: borders, gauges and sparklines are drawn, not read.
                let text = sym
                    .chars()
                    .any(|ch| !ch.is_whitespace() && !matches!(ch, '\u{2500}'..='\u{259F}'));
                if !text {
                    continue;
                }
                let mut fg = rgb(cell.fg, tfg);
                let mut bg = rgb(cell.bg, tbg);
                if cell.modifier.contains(ratatui::style::Modifier::REVERSED) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                let ratio = cloudsite::console::theme::contrast_ratio(fg, bg);
                if ratio < 4.5 {
                    let k = format!(
                        "{name}: #{:02x}{:02x}{:02x} on #{:02x}{:02x}{:02x} ({ratio:.2})",
                        fg.0, fg.1, fg.2, bg.0, bg.1, bg.2
                    );
                    let e = failures.entry(k).or_insert((screen.clone(), String::new()));
                    if e.1.chars().count() < 30 {
                        e.1.push_str(sym);
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "text below WCAG AA (4.5:1):\n{}",
        failures
            .into_iter()
            .map(|(k, (screen, text))| format!("{k} on {screen}: {text:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
