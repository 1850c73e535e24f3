//! Wizard tests: key events in, requests, pages and drawn text out.

use super::*;
use crate::api::wire::EventView;
use crate::api::wire::ThresholdInput;
use crate::cert::pkcs12_write::{Attrs, PfxSpec, write as write_pfx};
use crate::console::field::{Field, FieldId};
use crate::console::keymap::Action;
use crate::console::msg::{Outcome, Reply, Request, refusal};
use crate::console::shell::Shell;
use crate::console::theme::{Role, Theme};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair};
use serde_json::json;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

pub(crate) const PW: &str = "Pa55-word!";
pub(super) const GUID: &str = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

pub(super) fn model() -> Model {
    Model::new(100)
}

/// A wire type from its JSON, as the site would send it.
fn wire<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("the wire type's JSON")
}

pub(super) type W = Shell<Wizard>;

pub(super) fn new(kind: HostedKind) -> W {
    Wizard::open(kind, &model(), &Keymap::default())
}

pub(super) fn page(w: &W) -> Page {
    Wizard::page(&w.core)
}

pub(super) fn focused(w: &W) -> Option<FieldId> {
    w.core.focused_id()
}

fn goto(w: &mut W, p: Page) {
    w.body.goto(&mut w.core, p);
}

pub(super) fn message(w: &W) -> String {
    w.core.message.clone().map(|(_, m)| m).unwrap_or_default()
}

pub(super) fn press_mod(w: &mut W, code: KeyCode, m: KeyModifiers) -> Outcome {
    w.on_key(KeyEvent::new(code, m), &Keymap::default(), &model())
}

pub(super) fn press(w: &mut W, code: KeyCode) -> Outcome {
    press_mod(w, code, KeyModifiers::NONE)
}

pub(super) fn typ(w: &mut W, text: &str) {
    for c in text.chars() {
        press(w, KeyCode::Char(c));
    }
}

pub(super) fn focus_on(w: &mut W, id: FieldId) {
    assert!(w.core.fields().iter().any(|f| f.id == id), "{id:?}");
    w.core.focus_on(id);
}

pub(super) fn fill(w: &mut W, id: FieldId, text: &str) {
    focus_on(w, id);
    typ(w, text);
}

pub(super) fn get(w: &W, id: FieldId) -> &Field {
    w.core.field(id).expect("the wizard has this field")
}

pub(super) fn screen(w: &W) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| w.render(f, f.area(), &Theme::monochrome(), &model()))
        .unwrap();
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// A PFX with one certificate for `cn`, self-signed, protected by `PW`.
pub(crate) fn pfx(dir: &Path, file: &str, cn: &str, server: bool, expired: bool) -> PathBuf {
    pfx_with(dir, file, cn, server, expired, PW)
}

pub(super) fn pfx_with(
    dir: &Path,
    file: &str,
    cn: &str,
    server: bool,
    expired: bool,
    pw: &str,
) -> PathBuf {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = CertificateParams::new(vec![cn.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.extended_key_usages = vec![if server {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    let now = OffsetDateTime::now_utc();
    (p.not_before, p.not_after) = if expired {
        (now - Duration::days(400), now - Duration::days(30))
    } else {
        (now - Duration::days(1), now + Duration::days(365))
    };
    let cert = p.self_signed(&key).unwrap();
    let mut spec = PfxSpec::modern(pw);
    let id = Some(vec![1]);
    spec.key = Some((
        key.serialize_der(),
        Attrs {
            friendly_name: None,
            local_key_id: id.clone(),
        },
    ));
    spec.certs.push((
        cert.der().to_vec(),
        Attrs {
            friendly_name: None,
            local_key_id: id,
        },
    ));
    let path = dir.join(file);
    std::fs::write(&path, write_pfx(&spec)).unwrap();
    path
}

pub(super) fn general_ok(w: &mut W, dir: &Path) {
    let mgmt = pfx(dir, "management.pfx", "mgmt", false, false);
    fill(w, FieldId::SubscriptionId, GUID);
    fill(w, FieldId::MgmtFile, &mgmt.display().to_string());
    fill(w, FieldId::MgmtPassword, PW);
}

pub(super) fn validate_ok(w: &mut W, regions: &[&str]) {
    let out = press_mod(w, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(out.requests.len(), 1, "{}", message(w));
    let reply = json!({"ok": true, "subscription_id": GUID, "name": "lab", "regions": regions, "message": ""});
    w.on_reply("validate", &Ok(Reply::Checked(wire(reply))), &model());
    assert_eq!(page(w), Page::Settings, "{}", message(w));
}

fn to_summary(w: &mut W, dir: &Path, cn: &str) {
    general_ok(w, dir);
    validate_ok(w, &["WestEurope", "EastUS"]);
    let svc = pfx(dir, "service.pfx", cn, true, false);
    fill(w, FieldId::CertFile, &svc.display().to_string());
    fill(w, FieldId::CertPassword, PW);
    press(w, KeyCode::Tab);
    assert_eq!(get(w, FieldId::ServiceFqdn).text_value(), cn);
    press(w, KeyCode::PageDown);
    assert_eq!(page(w), Page::Alerts, "{}", message(w));
    press(w, KeyCode::PageDown);
    assert_eq!(page(w), Page::Summary, "{}", message(w));
}

fn service_json(status: &str) -> serde_json::Value {
    let t = json!({"quota_gb": 2000, "warning_pct": 50, "critical_pct": 90});
    json!({
        "id": "svc1", "kind": "cdp", "service_fqdn": "cdp1.contoso.com", "name": "cdp1",
        "status": status, "status_details": null, "subscription_id": GUID,
        "environment": "AzurePublicCloud", "region": "WestEurope", "resource_group": null,
        "description": "", "vm_instances": 2, "instances": [], "storage": t, "transfer": t,
        "cmg": null,
        "certificate": {"thumbprint": "AA", "subject_cn": "cdp1.contoso.com",
                        "not_after": "2030-01-01T00:00:00Z", "wildcard": false},
        "cname_target": "d1594d45.cloudapp.net",
        "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"
    })
}

fn task_json(state: &str, step: Option<&str>, error: Option<&str>) -> serde_json::Value {
    json!({"id": "task1", "service_id": "svc1", "kind": "create", "state": state,
           "step": step, "error": error, "created": "2026-01-01T00:00:00Z", "ended": null})
}

fn event(kind: &str, data: serde_json::Value) -> EventView {
    serde_json::from_value(json!({"id": 1, "kind": kind, "data": data}))
        .expect("a well-formed event")
}

#[test]
fn typing_focus_choices_and_masked_password() {
    let mut w = new(HostedKind::Cdp);
    assert_eq!(focused(&w), Some(FieldId::Environment));
    press(&mut w, KeyCode::Right);
    assert_eq!(
        get(&w, FieldId::Environment).value(),
        "AzureUSGovernmentCloud"
    );
    press(&mut w, KeyCode::Left);
    assert_eq!(get(&w, FieldId::Environment).value(), "AzurePublicCloud");
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::SubscriptionId));
    typ(&mut w, "abc");
    assert!(
        get(&w, FieldId::SubscriptionId)
            .error
            .as_deref()
            .unwrap()
            .contains("GUID")
    );
    press(&mut w, KeyCode::Tab);
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::MgmtPassword));
    typ(&mut w, "s3cretpw");
    let s = screen(&w);
    assert!(s.contains("••••••••"), "{s}");
    assert!(!s.contains("s3cretpw"), "{s}");
    assert!(s.contains("▸ General"), "{s}");
    press_mod(&mut w, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(focused(&w), Some(FieldId::MgmtFile));
    assert!(screen(&w).contains("Tab completes the path"));
}

#[test]
fn cmg_checkboxes_and_dependent_fields() {
    let mut w = new(HostedKind::Cmg);
    goto(&mut w, Page::Alerts);
    assert_eq!(focused(&w), Some(FieldId::EgressAlerts));
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        focused(&w),
        Some(FieldId::StorageAlerts),
        "disabled fields are skipped"
    );
    press(&mut w, KeyCode::Char(' '));
    assert!(get(&w, FieldId::StorageAlerts).checked);
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::StorageGb));
    assert_eq!(get(&w, FieldId::StorageGb).text_value(), "2000");
    goto(&mut w, Page::Settings);
    focus_on(&mut w, FieldId::CheckCrl);
    press(&mut w, KeyCode::Char(' '));
    assert!(!get(&w, FieldId::CheckCrl).checked);
    assert_eq!(get(&w, FieldId::VmSize).value(), "Standard_A2_v2");
    focus_on(&mut w, FieldId::VmInstances);
    typ(&mut w, "7");
    assert!(
        get(&w, FieldId::VmInstances)
            .error
            .as_deref()
            .unwrap()
            .contains("1 to 16")
    );
    assert!(screen(&w).contains("☐ Verify Client Certificate Revocation"));
}

#[test]
fn thresholds_are_checked_as_typed() {
    let mut w = new(HostedKind::Cdp);
    goto(&mut w, Page::Alerts);
    focus_on(&mut w, FieldId::StorageWarn);
    press(&mut w, KeyCode::Backspace);
    press(&mut w, KeyCode::Backspace);
    typ(&mut w, "95");
    assert!(
        get(&w, FieldId::StorageWarn)
            .error
            .as_deref()
            .unwrap()
            .contains("lower than")
    );
    press(&mut w, KeyCode::PageDown);
    assert_eq!(page(&w), Page::Alerts);
    focus_on(&mut w, FieldId::StorageCrit);
    press(&mut w, KeyCode::Backspace);
    press(&mut w, KeyCode::Backspace);
    typ(&mut w, "99");
    assert!(get(&w, FieldId::StorageWarn).error.is_none());
}

#[test]
fn tab_completes_a_path_then_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("management.pfx"), b"x").unwrap();
    let mut w = new(HostedKind::Cdp);
    fill(
        &mut w,
        FieldId::MgmtFile,
        &format!("{}/man", dir.path().display()),
    );
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::MgmtFile));
    assert_eq!(
        get(&w, FieldId::MgmtFile).text_value(),
        format!("{}/management.pfx", dir.path().display())
    );
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::MgmtPassword));
}

#[test]
fn next_is_blocked_by_a_bad_guid_and_previous_keeps_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    general_ok(&mut w, dir.path());
    focus_on(&mut w, FieldId::SubscriptionId);
    press(&mut w, KeyCode::Backspace);
    let out = press(&mut w, KeyCode::PageDown);
    assert!(out.requests.is_empty());
    assert_eq!(page(&w), Page::General);
    assert_eq!(focused(&w), Some(FieldId::SubscriptionId));
    let s = screen(&w);
    assert!(s.contains("must be a GUID"), "{s}");
    typ(&mut w, "1");
    validate_ok(&mut w, &["WestEurope", "EastUS"]);
    assert_eq!(get(&w, FieldId::Region).options(), ["EastUS", "WestEurope"]);
    fill(&mut w, FieldId::ResourceGroup, "rg-lab");
    press_mod(&mut w, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(page(&w), Page::General);
    assert_eq!(get(&w, FieldId::SubscriptionId).text_value(), GUID);
    assert_eq!(get(&w, FieldId::MgmtPassword).text_value(), PW);
    validate_ok(&mut w, &["WestEurope"]);
    assert_eq!(get(&w, FieldId::ResourceGroup).text_value(), "rg-lab");
}

#[test]
fn general_next_asks_the_site_and_shows_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    general_ok(&mut w, dir.path());
    let out = press(&mut w, KeyCode::PageDown);
    let r = &out.requests[0];
    assert_eq!(r.tag, "validate");
    let Request::ValidateSubscription(input) = &r.request else {
        panic!("{:?}", r.request)
    };
    assert_eq!(input.subscription_id.as_deref(), Some(GUID));
    assert_eq!(input.management_certificate.password, PW);
    assert!(screen(&w).contains("Checking with the cloud…"));
    assert!(
        press(&mut w, KeyCode::PageDown).requests.is_empty(),
        "one at a time"
    );
    let refused = json!({"ok": false, "subscription_id": GUID, "name": null, "regions": [],
        "message": "The management certificate is not registered with subscription 3f25"});
    w.on_reply("validate", &Ok(Reply::Checked(wire(refused))), &model());
    assert_eq!(page(&w), Page::General);
    assert!(screen(&w).contains("is not registered with subscription"));
    w.on_reply("validate", &Ok(Reply::Reloading), &model());
    assert_eq!(
        page(&w),
        Page::General,
        "an answer nobody waits for is ignored"
    );
}

/// The wizard drawn at `w`×`h`: its lines, and where the terminal cursor is.
fn drawn_at(w: &W, width: u16, height: u16) -> (Vec<String>, Option<(u16, u16)>) {
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| w.render(f, f.area(), &Theme::monochrome(), &model()))
        .unwrap();
    let backend = t.backend();
    let buf = backend.buffer();
    let lines = (0..height)
        .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    let p = backend.cursor_position();
    (lines, backend.cursor_visible().then_some((p.x, p.y)))
}

#[test]
fn the_clouds_refusal_on_next_is_under_its_field_whole_with_the_cursor_there() {
    let dir = tempfile::tempdir().unwrap();
    for (reason, field, label) in [
        (
            "the cloud refused the subscription or its management certificate: The server failed \
             to authenticate the request: subscription 3f2504e0-4f89-11d3-9a0c-0305e82c3301 is not \
             known to this cloud (client certificate thumbprint \
             9CEA69D045BED5A64921981958CAF0AE6CEF9786). Register the management certificate with \
             `cloudsite cloud subscription add 3f2504e0-4f89-11d3-9a0c-0305e82c3301 --cer FILE`.",
            FieldId::SubscriptionId,
            "Subscription ID",
        ),
        (
            "the cloud refused the subscription or its management certificate: The server failed \
             to authenticate the request: the certificate with thumbprint \
             9CEA69D045BED5A64921981958CAF0AE6CEF9786 is not a management certificate of \
             subscription 3f2504e0-4f89-11d3-9a0c-0305e82c3301. Upload its .cer with `cloudsite \
             cloud subscription add 3f2504e0-4f89-11d3-9a0c-0305e82c3301 --cer FILE`.",
            FieldId::MgmtFile,
            "Management certificate",
        ),
    ] {
        let mut w = new(HostedKind::Cdp);
        general_ok(&mut w, dir.path());
        assert_eq!(focused(&w), Some(FieldId::MgmtPassword));
        let out = press(&mut w, KeyCode::PageDown);
        assert_eq!(out.requests.len(), 1);
        let refused = json!({"ok": false, "subscription_id": GUID, "name": null, "regions": [],
            "message": reason});
        w.on_reply("validate", &Ok(Reply::Checked(wire(refused))), &model());
        assert_eq!(page(&w), Page::General);
        assert_eq!(
            focused(&w),
            Some(field),
            "the cursor moves to the field at fault"
        );
        assert_eq!(get(&w, field).error.as_deref(), Some(reason));
        // At the smallest size the console draws, the reason is there in full.
        let (lines, cursor) = drawn_at(&w, 76, 22);
        // The page, right of the step list.
        let text = lines
            .iter()
            .map(|l| l.chars().skip(17).collect::<String>())
            .map(|l| {
                l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(&text).contains(&words(reason)),
            "the whole reason:\n{}",
            lines.join("\n")
        );
        let (_, y) = cursor.expect("a cursor in the field");
        let y = usize::from(y);
        // A long label has a line of its own, the value under it.
        assert!(
            lines[y].contains(label) || lines[y - 1].contains(label),
            "cursor on line {y}: {}",
            lines.join("\n")
        );
        // Fixing the field and Next asks the cloud again.
        assert_eq!(press(&mut w, KeyCode::PageDown).requests.len(), 1);
    }
}

#[test]
fn summary_sends_the_create_with_defaults_and_no_stray_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    to_summary(&mut w, dir.path(), "cdp1.contoso.com");
    let s = screen(&w);
    assert!(s.contains("•••") && !s.contains(PW), "{s}");
    assert!(
        s.contains("cdp1.contoso.com") && s.contains("Deployment name"),
        "{s}"
    );
    let out = press(&mut w, KeyCode::Enter);
    let r = &out.requests[0];
    assert_eq!(r.tag, "create");
    let Request::CreateCdp(req) = &r.request else {
        panic!("{:?}", r.request)
    };
    let threshold = |gb| ThresholdInput {
        quota_gb: Some(gb),
        warning_pct: Some(50),
        critical_pct: Some(90),
    };
    assert_eq!(req.storage, threshold(2000));
    assert_eq!(req.transfer, threshold(10000));
    assert_eq!(req.region, "WestEurope");
    assert_eq!(req.service_fqdn.as_deref(), Some("cdp1.contoso.com"));
    assert_eq!(req.subscription.subscription_id.as_deref(), Some(GUID));
    assert_eq!(req.service_certificate.password, PW);
    assert_eq!(req.subscription.management_certificate.password, PW);
    let sent = serde_json::to_string(req).unwrap();
    assert_eq!(sent.matches(PW).count(), 2);

    // A 4xx answer: shown on Summary with the page holding the field; Previous works.
    w.on_reply(
        "create",
        &Err(refusal(
            "Service FQDN",
            "must be a name the service certificate holds",
        )),
        &model(),
    );
    assert_eq!(page(&w), Page::Summary);
    assert!(screen(&w).contains("Service FQDN: must be a name"));
    let msg = message(&w);
    assert!(msg.contains("on the Settings page"), "{msg}");
    assert!(get(&w, FieldId::ServiceFqdn).error.is_some());
    press(&mut w, KeyCode::PageUp);
    assert_eq!(page(&w), Page::Alerts);
}

#[test]
fn cmg_create_body() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cmg);
    general_ok(&mut w, dir.path());
    validate_ok(&mut w, &["WestEurope"]);
    let svc = pfx(dir.path(), "cmg.pfx", "cmg1.contoso.com", true, false);
    fill(&mut w, FieldId::CertFile, &svc.display().to_string());
    fill(&mut w, FieldId::CertPassword, PW);
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "cmg1.contoso.com"
    );
    press(&mut w, KeyCode::PageDown);
    assert_eq!(page(&w), Page::Alerts, "{}", message(&w));
    press(&mut w, KeyCode::Char(' '));
    press(&mut w, KeyCode::PageDown);
    let out = press(&mut w, KeyCode::PageDown);
    let Request::CreateCmg(req) = &out.requests[0].request else {
        panic!("{:?}", out.requests[0].request)
    };
    assert_eq!(req.vm_size.as_deref(), Some("Standard_A2_v2"));
    assert_eq!(req.vm_instances, Some(1));
    assert_eq!(req.check_crl, Some(true));
    assert_eq!(req.enforce_tls12, Some(true));
    assert_eq!(req.serve_content, Some(true));
    assert_eq!(req.egress_alerts, Some(true));
    assert_eq!(req.stop_at_critical, Some(false));
    assert_eq!(req.storage_alerts, Some(false));
    assert_eq!(req.egress.quota_gb, Some(10000));
    assert!(req.trusted_roots.is_empty());
}

#[test]
fn progress_follows_the_task_to_completion() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    to_summary(&mut w, dir.path(), "cdp1.contoso.com");
    press(&mut w, KeyCode::PageDown);
    let accepted =
        json!({"service": service_json("Provisioning"), "task": task_json("created", None, None)});
    w.on_reply("create", &Ok(Reply::Accepted(wire(accepted))), &model());
    assert_eq!(page(&w), Page::Progress);
    assert_eq!(w.commands(), vec![Action::Back]);
    let m = model();
    w.on_event(
        &event("task", task_json("in_progress", Some("storage"), None)),
        &m,
    );
    let log = |msg: &str| {
        event(
            "log",
            json!({"file": "CloudMgr.log", "time": "2026-01-01T00:00:05Z",
                   "component": "CloudMgr", "level": "info", "message": msg}),
        )
    };
    w.on_event(&log("Starting deployment cdp1 in WestEurope"), &m);
    w.on_event(
        &log("Waiting for check if container exists. Will check again in 10 seconds"),
        &m,
    );
    let s = screen(&w);
    assert!(s.contains("creating the storage container"), "{s}");
    assert!(s.contains("Starting deployment cdp1"), "{s}");
    assert!(s.contains("Waiting for check if container exists"), "{s}");
    w.on_event(&event("service", service_json("Ready")), &m);
    assert_eq!(page(&w), Page::Progress);
    w.on_event(&event("task", task_json("completed", None, None)), &m);
    assert_eq!(page(&w), Page::Completion);
    let s = screen(&w);
    assert!(s.contains("is Ready"), "{s}");
    assert!(
        s.contains("Create a DNS CNAME: cdp1.contoso.com → d1594d45.cloudapp.net"),
        "{s}"
    );
    assert!(press(&mut w, KeyCode::Enter).close);
}

#[test]
fn a_failed_task_says_why() {
    let mut w = new(HostedKind::Cdp);
    w.core.send(
        "create",
        "create".into(),
        Request::Reload,
        (Role::Text, "waiting"),
    );
    let accepted = json!({"service": service_json("Provisioning"), "task": task_json("in_progress", None, None)});
    w.on_reply("create", &Ok(Reply::Accepted(wire(accepted))), &model());
    w.on_event(
        &event("task", task_json("failed", None, Some("quota exceeded"))),
        &model(),
    );
    assert_eq!(page(&w), Page::Completion);
    let s = screen(&w);
    assert!(s.contains("could not be created: quota"), "{s}");
    assert!(s.contains("Read CloudMgr.log"), "{s}");
}

#[test]
fn esc_asks_when_something_was_typed() {
    let mut w = new(HostedKind::Cdp);
    assert!(
        press(&mut w, KeyCode::Esc).close,
        "nothing typed: closes at once"
    );
    let mut w = new(HostedKind::Cdp);
    fill(&mut w, FieldId::SubscriptionId, "x");
    assert!(!press(&mut w, KeyCode::Esc).close);
    assert!(screen(&w).contains("Discard the wizard? y discards · any other key keeps editing"));
    assert!(!press(&mut w, KeyCode::Char('n')).close);
    assert_eq!(get(&w, FieldId::SubscriptionId).text_value(), "x");
    press(&mut w, KeyCode::Esc);
    assert!(
        !press(&mut w, KeyCode::Esc).close,
        "Esc again keeps editing: only y discards"
    );
    press(&mut w, KeyCode::Esc);
    assert!(!press(&mut w, KeyCode::Enter).close, "Enter never discards");
    press(&mut w, KeyCode::Esc);
    assert!(press(&mut w, KeyCode::Char('y')).close);
}

#[test]
fn commands_follow_the_page() {
    let mut w = new(HostedKind::Cmg);
    assert!(!w.commands().contains(&Action::PrevPage));
    assert!(w.commands().contains(&Action::NextField));
    goto(&mut w, Page::Settings);
    assert!(w.commands().contains(&Action::PrevPage));
    goto(&mut w, Page::Summary);
    assert_eq!(
        w.commands(),
        vec![Action::NextPage, Action::PrevPage, Action::Back]
    );
    assert_eq!(w.title(), "Create Cloud Management Gateway Wizard");
}

#[test]
fn summary_scrolls_with_the_arrows() {
    let mut w = new(HostedKind::Cmg);
    goto(&mut w, Page::Summary);
    press(&mut w, KeyCode::Down);
    press(&mut w, KeyCode::Down);
    assert_eq!(w.body.scroll, 2);
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| w.render(f, f.area(), &Theme::monochrome(), &model()))
        .unwrap();
    press(&mut w, KeyCode::PageUp);
    assert_eq!((page(&w), w.body.scroll), (Page::Alerts, 0));
}

#[test]
fn the_primary_site_is_this_site_and_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model();
    m.site = Some(crate::api::wire::SiteView {
        site_code: "PS1".into(),
        server_name: "SITESRV".into(),
        version: "0".into(),
        role: crate::domain::role::Role::FullAdministrator,
        replica: crate::domain::replica::ReplicaRole::Active,
        database: crate::domain::replica::DatabaseEngine::Sqlite,
    });
    let mut w = Wizard::open(HostedKind::Cdp, &m, &Keymap::default());
    assert_eq!(get(&w, FieldId::PrimarySite).options(), ["PS1".to_string()]);
    to_summary(&mut w, dir.path(), "cdp1.contoso.com");
    assert!(screen(&w).contains("Primary site"), "{}", screen(&w));
    let out = press(&mut w, KeyCode::Enter);
    let Request::CreateCdp(req) = &out.requests[0].request else {
        panic!("{:?}", out.requests[0].request)
    };
    assert_eq!(req.primary_site.as_deref(), Some("PS1"));
}
