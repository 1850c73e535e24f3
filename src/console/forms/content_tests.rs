//! The Content tab of Properties driven key by key through the app: Redistribute and Remove
//! send the right requests, Remove asks first, read-only tokens are refused with the reason,
//! and `distribution` events move the list while the form is open.

use super::tests::{ctrl, key, new_app, open, screen};
use crate::api::operations::Distribution;
use crate::api::wire::EventView;
use crate::api::wire::{DistributionState, DistributionView};
use crate::console::app::{App, Effect, NetMsg, Node, Request};
use crate::console::msg::refusal;
use crossterm::event::KeyCode;
use serde_json::{Value, json};

fn distribution(package: &str, service: &str, state: DistributionState) -> DistributionView {
    DistributionView {
        package_id: package.into(),
        package_name: format!("{package} name"),
        service_id: service.into(),
        service_fqdn: format!("{service}.contoso.com"),
        state,
        reason: (state == DistributionState::Failed).then(|| "injected fault".into()),
        size: 3 << 20,
        updated: "2026-11-22T10:06:00.000Z".into(),
    }
}

fn event(app: &mut App, kind: &str, data: Value) {
    let ev: EventView =
        serde_json::from_value(serde_json::json!({"id": 0, "kind": kind, "data": data}))
            .expect("a well-formed event");
    app.on_net(NetMsg::Event(ev));
}

/// Properties of `node`'s first service on its Content tab, with two packages on it.
fn content_tab(role: &str, node: Node, service: &str) -> App {
    let mut app = new_app(role);
    for (p, st) in [
        ("PS100001", DistributionState::Success),
        ("PS100002", DistributionState::Failed),
    ] {
        let d = serde_json::to_value(distribution(p, service, st)).unwrap_or_default();
        event(&mut app, "distribution", d);
    }
    open(&mut app, node);
    ctrl(&mut app, 'n');
    ctrl(&mut app, 'n');
    assert!(screen(&app, 100, 30).contains("PS100002 name"));
    app
}

/// The one distribution request sent: package, what, services.
fn call(effects: Vec<Effect>) -> Option<(String, Distribution, Vec<String>)> {
    match effects.as_slice() {
        [
            Effect::Request(
                _,
                Request::Distribution {
                    package,
                    what,
                    targets,
                },
            ),
        ] => Some((package.clone(), *what, targets.services.clone())),
        _ => None,
    }
}

#[test]
fn redistribute_sends_this_service_for_the_selected_package() {
    for (node, id) in [(Node::Cdps, "c1"), (Node::Cmgs, "m1")] {
        let mut app = content_tab("full-admin", node, id);
        key(&mut app, KeyCode::Down);
        let sent = call(key(&mut app, KeyCode::Char('r')));
        assert_eq!(
            sent,
            Some((
                "PS100002".to_string(),
                Distribution::Redistribute,
                vec![id.to_string()]
            )),
            "{node:?}"
        );
        assert!(screen(&app, 100, 30).contains("redistributing PS100002"));
    }
}

#[test]
fn remove_asks_first_and_cancel_is_the_default() {
    let mut app = content_tab("full-admin", Node::Cdps, "c1");
    assert!(key(&mut app, KeyCode::Delete).is_empty());
    assert!(
        screen(&app, 100, 30).contains("Remove PS100001 (PS100001 name) from cdp1.contoso.com?")
    );
    // Any key but y cancels, and does nothing else (Esc does not close the form).
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.form.is_some());
    assert!(key(&mut app, KeyCode::Delete).is_empty());
    assert!(
        key(&mut app, KeyCode::Char('r')).is_empty(),
        "r cancels, not redistributes"
    );
    assert!(screen(&app, 100, 30).contains("remove cancelled"));
    assert!(ctrl(&mut app, 'd').is_empty());
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "Enter cancels: it never confirms a destructive action"
    );
    assert!(ctrl(&mut app, 'd').is_empty());
    let effects = key(&mut app, KeyCode::Char('y'));
    let id = match effects.first() {
        Some(Effect::Request(id, _)) => *id,
        _ => 0,
    };
    assert_eq!(
        call(effects),
        Some((
            "PS100001".to_string(),
            Distribution::Remove,
            vec!["c1".to_string()]
        ))
    );
    // The answer stays in the form; the state follows from events.
    app.on_net(NetMsg::Reply {
        id,
        result: Err(refusal(
            "Services",
            "package PS100001 is not distributed to c1.contoso.com",
        )),
    });
    assert!(screen(&app, 100, 30).contains("remove not done: Services: package PS100001"));
    event(
        &mut app,
        "distribution_removed",
        json!({"package_id": "PS100001", "service_id": "c1"}),
    );
    assert!(!screen(&app, 100, 30).contains("PS100001 name"));
    // Enter with nothing to confirm neither saves nor closes the form.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.form.is_some());
}

#[test]
fn read_only_tokens_are_refused_with_the_reason() {
    let mut app = content_tab("read-only", Node::Cdps, "c1");
    for code in [KeyCode::Char('r'), KeyCode::Delete] {
        assert!(key(&mut app, code).is_empty());
    }
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("Remove: not available (the Read-only Analyst role may only read)"),
        "{text}"
    );
    assert!(text.contains("Redistribute and Remove are not available"));
}

#[test]
fn an_empty_content_tab_says_how_to_distribute() {
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    ctrl(&mut app, 'n');
    ctrl(&mut app, 'n');
    assert!(key(&mut app, KeyCode::Char('r')).is_empty());
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("No packages are distributed") && text.contains("no package on this service"),
        "{text}"
    );
}
