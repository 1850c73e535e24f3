//! Issue 12's walk-through of the console as a new operator would make it, key by key: every
//! list filters, every row opens whole, Logs and Alerts follow the service, the footer keeps
//! Help, the palette completes, colour without colour, and the keys before the first answer.

mod console_fixture;

use cloudsite::console::app::{App, Effect, Focus, Modal, NetMsg, Node, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::service::Action as ServiceAction;
use console_fixture::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// `app` on `node`, its list focused.
fn on(node: Node) -> App {
    let mut a = app("full-admin");
    a.node = node;
    a
}

/// Whether `a` drawn at `w`×`h` shows `text`.
fn has(a: &App, w: u16, h: u16, text: &str) -> bool {
    render(a, w, h).contains(text)
}

#[test]
fn every_list_filters_over_every_visible_column_and_the_title_says_so() {
    // (list, a term only a column other than the first shows, rows before, rows after)
    let cases = [
        (Node::Cdps, "stopped", 3, 1),
        (Node::Cmgs, "westeurope", 1, 1),
        (Node::SiteSystems, "proxy.contoso.com:8080", 1, 1),
        (Node::Alerts, "critical", 1, 1),
        (Node::Alerts, "cdp3.contoso.com", 1, 1),
        (Node::StatusMessages, "9409", 1, 1),
        (Node::Logs, "cloudmgr.log", 3, 3),
        (Node::Logs, "injected", 3, 1),
        (Node::Content, "os upgrade", 3, 1),
        (Node::Content, "no such thing", 3, 0),
    ];
    for (node, term, before, after) in cases {
        let mut a = on(node);
        assert_eq!(a.row_count(), before, "{node:?}");
        press(&mut a, "/");
        assert!(
            matches!(a.modal, Some(Modal::Filter(_))),
            "/ opens the filter box on {node:?}"
        );
        press(&mut a, term);
        assert_eq!(a.row_count(), after, "{node:?} filtered by {term:?}");
        a.on_key(key(KeyCode::Enter));
        assert!(
            a.modal.is_none(),
            "Enter keeps the filter and closes the box"
        );
        assert!(
            has(&a, 100, 30, &format!("filter: {term}")),
            "the title of {node:?} shows the filter:\n{}",
            render(&a, 100, 30)
        );
        a.on_key(key(KeyCode::Esc));
        assert_eq!(a.row_count(), before, "Esc on the list clears the filter");
    }
}

#[test]
fn ctrl_u_in_the_filter_box_erases_what_was_typed() {
    let mut a = on(Node::Logs);
    press(&mut a, "/");
    press(&mut a, "zzz");
    assert_eq!(a.row_count(), 0);
    a.on_key(ctrl('u'));
    assert_eq!(a.filter(), "", "Ctrl-u erases, it types no u");
    assert_eq!(a.row_count(), 3);
    assert!(
        matches!(a.modal, Some(Modal::Filter(_))),
        "the box stays open"
    );
}

#[test]
fn enter_opens_every_row_whole_wrapped_and_scrollable() {
    // (list, a text longer than its column at 80×24)
    let cases = [
        (Node::Alerts, "Proxy refused the connection to the cloud"),
        (
            Node::StatusMessages,
            "The cloud distribution point cdp1.contoso.com is provisioned and ready.",
        ),
        (
            Node::Logs,
            "Create task for service cdp3 failed: injected fault",
        ),
        (Node::Cdps, "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        (Node::Content, "Windows 11 24H2 upgrade"),
    ];
    for (node, whole) in cases {
        let mut a = on(node);
        if node == Node::Content {
            a.on_key(key(KeyCode::Down));
        }
        if node == Node::Logs {
            a.on_key(key(KeyCode::End));
        }
        a.on_key(key(KeyCode::Enter));
        assert!(
            matches!(a.modal, Some(Modal::Detail(_))),
            "Enter opens a detail view on {node:?}"
        );
        // Whole on one line or wrapped at spaces: the words in order, none cut.
        let text = render(&a, 80, 24);
        let flat: String = text
            .lines()
            .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains(whole), "{node:?}: {whole:?} whole in\n{text}");
        let copied = press(&mut a, "c");
        assert!(
            matches!(&copied[..], [Effect::Copy(t)] if t.contains(whole)),
            "c copies the whole text: {copied:?}"
        );
        a.on_key(key(KeyCode::Esc));
        assert!(a.modal.is_none(), "Esc closes it");
    }
    // A long text scrolls: the CDP's details are longer than 80×24 shows.
    let mut a = on(Node::Cdps);
    a.on_key(key(KeyCode::Enter));
    let top = render(&a, 80, 24);
    a.on_key(key(KeyCode::PageDown));
    let down = render(&a, 80, 24);
    assert_ne!(top, down, "PageDown scrolls the detail view");
    a.on_key(key(KeyCode::Home));
    assert_eq!(render(&a, 80, 24), top, "Home goes back to the top");
}

#[test]
fn the_details_pane_takes_the_focus_and_scrolls() {
    let mut a = on(Node::Cmgs);
    a.on_key(key(KeyCode::Tab));
    assert_eq!(
        a.focus,
        Focus::Details,
        "Tab from the list goes to the details pane"
    );
    let before = render(&a, 80, 24);
    a.on_key(key(KeyCode::Down));
    let after = render(&a, 80, 24);
    assert_ne!(before, after, "↓ scrolls the focused details pane");
    assert!(
        after.contains("lines 2-"),
        "its title says which lines:\n{after}"
    );
}

#[test]
fn logs_and_alerts_follow_the_selected_service_and_say_so() {
    // cdp3 (row 3) has the alert and a log line naming it.
    let mut a = on(Node::Cdps);
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Down));
    press(&mut a, "a");
    assert_eq!(a.node, Node::Alerts);
    assert_eq!(a.row_count(), 1);
    assert!(has(&a, 100, 30, "Alerts — cdp3.contoso.com"));
    a.on_key(key(KeyCode::Esc));
    assert!(has(&a, 100, 30, "Alerts — all"), "Esc shows every alert");

    let mut a = on(Node::Cdps);
    press(&mut a, "l");
    assert_eq!(a.node, Node::Logs);
    assert!(has(&a, 100, 30, "Logs — cdp1.contoso.com"));
    assert_eq!(a.row_count(), 0, "no line names cdp1");
    assert!(has(&a, 100, 30, "Nothing for cdp1.contoso.com yet"));

    let mut a = on(Node::Cdps);
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Down));
    press(&mut a, "l");
    assert_eq!(a.row_count(), 1, "the line about cdp3 only");
}

#[test]
fn keys_before_the_first_answer_say_connecting_not_read_only() {
    let mut a = App::new(Keymap::default(), "default", 100);
    a.on_net(NetMsg::Connected);
    for keys in ["c", "s"] {
        press(&mut a, keys);
        let notice = a.notice.clone().unwrap_or_default();
        assert!(
            notice.contains("connecting") && !notice.contains("Read-only"),
            "{keys}: {notice}"
        );
    }
}

#[test]
fn the_footer_keeps_help_and_quit_at_every_width() {
    for w in [80, 100, 120, 160] {
        for node in [
            Node::Cdps,
            Node::Cmgs,
            Node::Alerts,
            Node::Logs,
            Node::Content,
        ] {
            let a = on(node);
            let text = render(&a, w, 24);
            let footer = text.lines().last().unwrap_or_default();
            assert!(
                footer.contains("? Help") && footer.contains("q Quit"),
                "{node:?} at {w}: {footer:?}"
            );
            assert!(footer.contains("/ Filter"), "the key is drawn: {footer:?}");
        }
    }
    // Wide enough, nothing gives way.
    let text = render(&on(Node::Cdps), 200, 30);
    let footer = text.lines().last().unwrap_or_default();
    for k in ["Del Delete", "l Logs", "a Alerts", "r Refresh", "t Tree"] {
        assert!(footer.contains(k), "{k} at 200: {footer:?}");
    }
}

#[test]
fn the_palette_knows_its_commands_and_completes_them() {
    let mut a = app("full-admin");
    press(&mut a, ":");
    press(&mut a, "create foo");
    a.on_key(key(KeyCode::Enter));
    assert!(a.form.is_none(), ":create foo opens no wizard");
    assert!(
        a.notice
            .as_deref()
            .is_some_and(|n| n.contains("cdp") && n.contains("cmg")),
        "{:?}",
        a.notice
    );
    for (typed, node) in [
        ("content", Node::Content),
        ("status", Node::StatusMessages),
        ("overview", Node::Overview),
    ] {
        press(&mut a, ":");
        press(&mut a, typed);
        a.on_key(key(KeyCode::Enter));
        assert_eq!(a.node, node, ":{typed}");
    }
    press(&mut a, ":");
    press(&mut a, "con");
    a.on_key(key(KeyCode::Tab));
    assert!(matches!(&a.modal, Some(Modal::Palette(t)) if t.text() == "content "));
    a.on_key(key(KeyCode::Esc));
    press(&mut a, ":");
    press(&mut a, "theme hi");
    a.on_key(key(KeyCode::Tab));
    assert!(
        matches!(&a.modal, Some(Modal::Palette(t)) if t.text() == "theme high-contrast "),
        "{:?}",
        a.modal
    );
    a.on_key(key(KeyCode::Enter));
    assert_eq!(a.theme, "high-contrast");
    press(&mut a, "?");
    let help = render(&a, 100, 30);
    for c in [":content", ":status", ":overview"] {
        assert!(help.contains(c), "help lists {c}:\n{help}");
    }
}

/// The cells of `a` drawn with `theme` at 100×30.
fn cells(a: &App, theme: &Theme) -> ratatui::buffer::Buffer {
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| ui::draw(f, a, theme)).unwrap();
    term.backend().buffer().clone()
}

#[test]
fn without_colour_the_selection_and_the_current_node_still_stand_out() {
    let theme = Theme::load("default", None)
        .unwrap()
        .for_terminal(Some("1"), None);
    let a = on(Node::Cdps);
    let buf = cells(&a, &theme);
    let text = render(&a, 100, 30);
    let row_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} on screen"))
    };
    let reversed = |y: usize, x: u16| buf[(x, y as u16)].modifier.contains(Modifier::REVERSED);
    // The selected row (cdp1) is reversed; the column headers are not.
    let selected = row_of("cdp1.contoso.com");
    let x = text.lines().nth(selected).unwrap().find("cdp1").unwrap() as u16;
    assert!(reversed(selected, x), "the selected row is reversed");
    let header = row_of("Service Name");
    assert!(!reversed(header, x), "the header is not");
    // The current node is marked even while the list has the focus.
    assert!(text.contains("▸Cloud Distribution"), "{text}");
}

#[test]
fn deleting_takes_the_name_too_and_enter_alone_never_deletes() {
    let mut a = on(Node::Cdps);
    a.on_key(key(KeyCode::Delete));
    assert!(
        has(&a, 100, 30, "cdp1.contoso.com or cdp1"),
        "the prompt says both"
    );
    a.on_key(key(KeyCode::Enter));
    assert!(a.modal.is_none(), "Enter with nothing typed cancels");
    assert_eq!(a.notice.as_deref(), Some("delete cancelled"));
    a.on_key(key(KeyCode::Delete));
    press(&mut a, "cdp1");
    let e = a.on_key(key(KeyCode::Enter));
    assert!(
        matches!(&e[..], [Effect::Request(_, Request::Act { id, action: ServiceAction::Delete, .. })] if id == "c1"),
        "{e:?}"
    );
}

#[test]
fn t_hides_the_workspace_tree_and_gives_the_list_the_width() {
    let mut a = on(Node::Cdps);
    assert!(has(&a, 100, 30, "Workspace"));
    press(&mut a, "t");
    let text = render(&a, 100, 30);
    assert!(!text.contains("Workspace"), "{text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("┌ Cloud Distribution Points")
    );
    a.on_key(key(KeyCode::BackTab));
    assert_ne!(a.focus, Focus::Tree, "a hidden tree takes no focus");
    press(&mut a, "t");
    assert!(has(&a, 100, 30, "Workspace"));
}

#[test]
fn an_empty_list_says_how_to_get_a_lab() {
    let mut a = on(Node::Cdps);
    a.model.cdps.clear();
    assert!(
        has(&a, 140, 30, "cloudsite lab init"),
        "{}",
        render(&a, 140, 30)
    );
}

#[test]
fn cmg_details_show_its_options_and_trusted_roots_and_usage_says_when() {
    let mut a = on(Node::Cmgs);
    a.on_key(key(KeyCode::Enter));
    let text = render(&a, 100, 40);
    for field in [
        "VM size",
        "Standard_A2_v2",
        "Serve content",
        "Enforce TLS 1.2",
        "Verify CRL",
        "Trusted roots",
        "Usage as of",
    ] {
        assert!(text.contains(field), "{field}:\n{text}");
    }
}

#[test]
fn the_detail_view_of_an_alert_and_of_a_status_message_at_80x24() {
    for node in [Node::Alerts, Node::StatusMessages] {
        let mut a = on(node);
        a.on_key(key(KeyCode::Enter));
        insta::assert_snapshot!(format!("detail_{node:?}_80x24"), render(&a, 80, 24));
    }
}

#[test]
fn an_alert_names_its_service_even_after_the_service_is_gone() {
    let mut a = on(Node::Alerts);
    a.model.alerts[0].service_fqdn = Some("cdp3.contoso.com".into());
    a.model.cdps.retain(|s| s.id != "c3");
    assert!(
        has(&a, 140, 30, "cdp3.contoso.com"),
        "{}",
        render(&a, 140, 30)
    );
    press(&mut a, "/");
    press(&mut a, "cdp3");
    assert_eq!(a.row_count(), 1, "and the filter finds it by that name");
}

#[test]
fn the_alert_form_says_what_the_alert_is_about() {
    let mut a = on(Node::Alerts);
    a.model.alerts[0].service_fqdn = Some("cdp3.contoso.com".into());
    a.model.alerts[0].details = serde_json::json!({"error": "proxy refused the CONNECT: 407"});
    press(&mut a, "p");
    let text = render(&a, 100, 30);
    assert!(
        text.contains("Service: cdp3.contoso.com")
            && text.contains("error: proxy refused the CONNECT: 407"),
        "{text}"
    );
}

/// The line of `a` drawn at 100×30 that holds `label`.
fn line_of(a: &App, label: &str) -> String {
    render(a, 100, 30)
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_wizard_offers_the_subscriptions_the_site_already_uses() {
    let (first, other) = (
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
    );
    let mut a = app("full-admin");
    a.model.cmgs[0].subscription_id = other.to_ascii_uppercase();
    press(&mut a, "c");
    assert!(line_of(&a, "Known subscriptions").contains(first));
    assert!(
        line_of(&a, "Subscription ID").contains(first),
        "the first is filled in"
    );
    a.on_key(key(KeyCode::Tab));
    a.on_key(key(KeyCode::Right));
    assert!(
        line_of(&a, "Subscription ID").contains(other),
        "choosing another fills it in (one spelling: lower case)"
    );
    a.on_key(key(KeyCode::Right));
    assert!(line_of(&a, "Known subscriptions").contains("another subscription"));
    let id = line_of(&a, "Subscription ID");
    assert!(!id.contains(first) && !id.contains(other), "{id}");
}

#[test]
fn the_details_pane_wraps_status_details_and_ids_at_80x24() {
    let mut a = on(Node::Cdps);
    a.on_key(key(KeyCode::Down));
    a.on_key(key(KeyCode::Down));
    let text = render(&a, 80, 24);
    // The pane is right of the tree: its text is what follows the pane's left border.
    let pane: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("││").nth(1))
        .map(|l| l.trim_end_matches('│').trim())
        .collect();
    let flat = pane.join(" ");
    assert!(
        flat.contains("the operation failed in the cloud: injected fault"),
        "status details whole:\n{text}"
    );
}

#[test]
fn while_typing_the_footer_gives_the_keys_of_the_box_and_the_palette_its_commands() {
    let footer = |a: &App, w| {
        render(a, w, 30)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    let mut a = app("full-admin");
    press(&mut a, ":");
    let f = footer(&a, 200);
    assert!(
        f.contains("Tab completes") && !f.contains("c Create"),
        "{f}"
    );
    for c in [
        ":overview",
        ":content",
        ":status",
        ":create cdp|cmg",
        ":theme NAME",
    ] {
        assert!(f.contains(c), "{c} in {f}");
    }
    a.on_key(key(KeyCode::Esc));
    press(&mut a, "/");
    let f = footer(&a, 100);
    assert!(f.contains("Esc clears") && f.contains("Ctrl-u"), "{f}");
}

#[test]
fn the_header_keeps_the_alert_counts_at_80_columns() {
    let mut a = app("full-admin");
    let top = |a: &App, w| {
        render(a, w, 24)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        top(&a, 80).ends_with("alerts: 1 critical 0 warning"),
        "{}",
        top(&a, 80)
    );
    assert!(top(&a, 120).contains("cloudsite") && top(&a, 120).contains("role: full-admin"));
    a.on_net(NetMsg::Disconnected {
        reason: "refused".into(),
        attempt: 8,
    });
    let t = top(&a, 80);
    assert!(
        t.contains("reconnecting (8)") && t.ends_with("1 crit 0 warn"),
        "{t}"
    );
}

#[test]
fn a_value_too_wide_for_its_label_column_goes_under_it_whole_at_80x24() {
    let mut a = app("full-admin");
    press(&mut a, "c");
    let text = render(&a, 80, 24);
    let guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    assert_eq!(
        text.matches(guid).count(),
        2,
        "the pick list and the Subscription ID, each whole:\n{text}"
    );
}
