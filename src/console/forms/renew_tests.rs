//! Settings tab: renewing the service certificate, key by key.

use super::tests::{key, new_app, open, screen};
use crate::console::app::{App, Effect, NetMsg, Node, Request};
use crate::console::wizard::tests::{PW, pfx};
use base64::Engine;
use crossterm::event::KeyCode;
use serde_json::Value;

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Description → Certificate file; types the path, Tab, the password.
fn renew(app: &mut App, path: &str, password: &str) {
    key(app, KeyCode::Tab);
    type_text(app, path);
    key(app, KeyCode::Tab);
    type_text(app, password);
}

/// Enter until a request leaves (Enter on Save); `None` if a save is refused.
fn save(app: &mut App) -> Option<(u64, String, Value)> {
    for _ in 0..5 {
        if let Some(Effect::Request(id, Request::Call { path, body, .. })) =
            key(app, KeyCode::Enter).into_iter().next()
        {
            return Some((id, path, body));
        }
        if screen(app, 100, 30).contains("fix the fields marked") {
            return None;
        }
    }
    None
}

#[test]
fn a_certificate_and_password_are_sent_with_the_save() {
    let dir = tempfile::tempdir().unwrap();
    let file = pfx(dir.path(), "renewed.pfx", "cdp1.contoso.com", true, false);
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    // Tab completes the path, as in the wizard.
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, &format!("{}/ren", dir.path().display()));
    key(&mut app, KeyCode::Tab);
    assert!(screen(&app, 100, 30).contains("renewed.pfx"));
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, PW);
    let text = screen(&app, 100, 30);
    assert!(text.contains("••••") && !text.contains(PW), "{text}");
    let (id, path, body) = save(&mut app).expect("save sends a PATCH");
    assert_eq!(path, "/v1/cdps/c1");
    let bytes = std::fs::read(&file).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    assert_eq!(body["service_certificate"]["file_base64"], b64.as_str());
    assert_eq!(body["service_certificate"]["password"], PW);
    assert_eq!(body.as_object().map(|m| m.len()), Some(1), "{body}");
    // The site's refusal lands under "Certificate file", the form stays.
    app.on_net(NetMsg::Reply {
        id,
        result: Err("Certificate file: the service is Provisioning; try when Ready".into()),
    });
    let text = screen(&app, 100, 30);
    assert!(app.form.is_some());
    assert!(text.contains("⚠ the service is Provisioning"), "{text}");
    assert!(text.contains("not saved: Certificate file"), "{text}");
}

#[test]
fn an_invalid_certificate_blocks_save() {
    let dir = tempfile::tempdir().unwrap();
    let expired = pfx(dir.path(), "old.pfx", "cdp1.contoso.com", true, true);
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    renew(&mut app, &expired.display().to_string(), PW);
    key(&mut app, KeyCode::Tab); // leaving the password inspects the file
    let text = screen(&app, 100, 30);
    assert!(text.contains("✗"), "findings shown inline:\n{text}");
    assert!(
        save(&mut app).is_none(),
        "an expired certificate is not sent"
    );
    // Another name than the service's is refused too.
    let other = pfx(dir.path(), "other.pfx", "cdp2.contoso.com", true, false);
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    renew(&mut app, &other.display().to_string(), PW);
    assert!(save(&mut app).is_none());
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("the Service name cdp1.contoso.com must be"),
        "{text}"
    );
    // A wrong password shows under the password.
    let good = pfx(dir.path(), "good.pfx", "cdp1.contoso.com", true, false);
    let mut app = new_app("full-admin");
    open(&mut app, Node::Cdps);
    renew(&mut app, &good.display().to_string(), "nope");
    assert!(save(&mut app).is_none());
    assert!(screen(&app, 100, 30).contains("the password is not correct"));
}

#[test]
fn read_only_tokens_cannot_pick_a_certificate() {
    let mut app = new_app("read-only");
    open(&mut app, Node::Cdps);
    renew(&mut app, "/tmp/x.pfx", "pw");
    let text = screen(&app, 100, 30);
    assert!(!text.contains("/tmp/x.pfx"), "{text}");
    assert!(text.contains("read-only:"), "{text}");
}
