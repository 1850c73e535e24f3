//! Settings tab: renewing the service certificate, key by key.

use super::tests::{key, new_app, open, screen};
use crate::api::wire::SetService;
use crate::console::app::{App, Effect, NetMsg, Node, Request};
use crate::console::msg::refusal;
use crate::console::wizard::tests::{PW, pfx};
use crate::domain::service::HostedKind;
use base64::Engine;
use crossterm::event::KeyCode;

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
fn save(app: &mut App) -> Option<(u64, Request)> {
    for _ in 0..5 {
        if let Some(Effect::Request(id, request)) = key(app, KeyCode::Enter).into_iter().next() {
            return Some((id, request));
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
    let (id, request) = save(&mut app).expect("save sends a Set");
    let Request::SetService { kind, id: sid, set } = request else {
        panic!("not a Set: {request:?}")
    };
    assert_eq!((kind, sid.as_str()), (HostedKind::Cdp, "c1"));
    let bytes = std::fs::read(&file).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let cert = set.service_certificate.clone().expect("the certificate");
    assert_eq!(cert.file_base64, b64);
    assert_eq!(cert.password, PW);
    let only_cert = SetService {
        service_certificate: Some(cert),
        ..SetService::default()
    };
    assert_eq!(
        serde_json::to_value(&set).unwrap(),
        serde_json::to_value(&only_cert).unwrap(),
        "nothing else is sent"
    );
    // The site's refusal lands under "Certificate file", the form stays.
    app.on_net(NetMsg::Reply {
        id,
        result: Err(refusal(
            "Certificate file",
            "the service is Provisioning; try when Ready",
        )),
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
