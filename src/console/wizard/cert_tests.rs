//! Wizard tests about certificates: findings under the fields, a wrong password, the Service
//! FQDN filled from the certificate (a wildcard's `host` placeholder selected so typing
//! replaces it), and a `.publishsettings` file filling the Subscription ID.

use super::tests::{
    GUID, PW, fill, focus_on, focused, general_ok, get, message, model, new, page, pfx, pfx_with,
    press, press_mod, screen, typ, validate_ok,
};
use super::*;
use crate::console::field::FieldId;
use crate::console::theme::Theme;
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[test]
fn wrong_password_is_shown_under_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let mgmt = pfx(dir.path(), "management.pfx", "mgmt", false, false);
    let mut w = new(HostedKind::Cdp);
    fill(&mut w, FieldId::MgmtFile, &mgmt.display().to_string());
    fill(&mut w, FieldId::MgmtPassword, "wrong");
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        get(&w, FieldId::MgmtPassword).error.as_deref(),
        Some("the password is not correct")
    );
    assert!(screen(&w).contains("the password is not correct"));
}

#[test]
fn certificate_findings_fill_and_block() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    general_ok(&mut w, dir.path());
    validate_ok(&mut w, &[]);
    // Expired: an error blocks Next.
    let expired = pfx(dir.path(), "expired.pfx", "expired.contoso.com", true, true);
    fill(&mut w, FieldId::CertFile, &expired.display().to_string());
    fill(&mut w, FieldId::CertPassword, PW);
    press(&mut w, KeyCode::Tab);
    assert!(get(&w, FieldId::CertFile).blocks());
    press(&mut w, KeyCode::PageDown);
    assert_eq!(page(&w), Page::Settings);
    assert!(screen(&w).contains("The certificate expired on"));
    // Wildcard: host.<domain> with the host selected, and a message.
    let wild = pfx(dir.path(), "wild.pfx", "*.contoso.com", true, false);
    focus_on(&mut w, FieldId::CertFile);
    press_mod(&mut w, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typ(&mut w, &wild.display().to_string());
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::CertPassword));
    assert!(
        !get(&w, FieldId::CertFile).blocks(),
        "{:?}",
        get(&w, FieldId::CertFile).notes
    );
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::ServiceFqdn));
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "host.contoso.com"
    );
    assert!(screen(&w).contains("wildcard certificate: type the host name"));
    assert_eq!(press(&mut w, KeyCode::PageDown).requests.len(), 0);
    assert_eq!(
        page(&w),
        Page::Settings,
        "the placeholder host is not accepted"
    );
    typ(&mut w, "clouddp1");
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "clouddp1.contoso.com"
    );
    assert!(get(&w, FieldId::ServiceFqdn).error.is_none());
    // A good certificate: FQDN = CN, replacing the name filled before.
    let good = pfx(dir.path(), "good.pfx", "cdp1.contoso.com", true, false);
    focus_on(&mut w, FieldId::CertFile);
    press_mod(&mut w, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typ(&mut w, &good.display().to_string());
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "clouddp1.contoso.com",
        "typed by hand: kept"
    );
    focus_on(&mut w, FieldId::ServiceFqdn);
    press(&mut w, KeyCode::End);
    press_mod(&mut w, KeyCode::Char('u'), KeyModifiers::CONTROL);
    focus_on(&mut w, FieldId::CertPassword);
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "cdp1.contoso.com"
    );
    press(&mut w, KeyCode::PageDown);
    assert_eq!(page(&w), Page::Alerts, "{}", message(&w));
}

#[test]
fn a_publishsettings_file_fills_the_subscription_id() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let p = pfx_with(dir.path(), "m.pfx", "mgmt", false, false, "");
    let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap());
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><PublishData><PublishProfile SchemaVersion="2.0" PublishMethod="AzureServiceManagementAPI"><Subscription ServiceManagementUrl="https://management.core.windows.net" Id="{GUID}" Name="lab" ManagementCertificate="{b64}" /></PublishProfile></PublishData>"#
    );
    let file = dir.path().join("lab.publishsettings");
    std::fs::write(&file, xml).unwrap();
    let mut w = new(HostedKind::Cdp);
    fill(&mut w, FieldId::MgmtFile, &file.display().to_string());
    press(&mut w, KeyCode::Tab);
    assert_eq!(get(&w, FieldId::SubscriptionId).text_value(), GUID);
    assert!(
        !get(&w, FieldId::MgmtFile).blocks(),
        "{:?}",
        get(&w, FieldId::MgmtFile).notes
    );
    assert_eq!(press(&mut w, KeyCode::PageDown).requests.len(), 1);
}

#[test]
fn the_wildcard_placeholder_is_selected_with_the_cursor_on_it_and_a_paste_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    general_ok(&mut w, dir.path());
    validate_ok(&mut w, &[]);
    let wild = pfx(dir.path(), "wild.pfx", "*.contoso.com", true, false);
    fill(&mut w, FieldId::CertFile, &wild.display().to_string());
    fill(&mut w, FieldId::CertPassword, PW);
    press(&mut w, KeyCode::Tab);
    assert_eq!(focused(&w), Some(FieldId::ServiceFqdn));
    let f = get(&w, FieldId::ServiceFqdn);
    assert_eq!((f.input.selection(), f.input.cursor()), (Some(0..4), 0));
    // The terminal cursor is on the "h" of the placeholder.
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| w.render(f, f.area(), &Theme::monochrome(), &model()))
        .unwrap();
    let p = t.backend().cursor_position();
    let buf = t.backend().buffer();
    let row: String = (0..100).map(|x| buf[(x, p.y)].symbol()).collect();
    let col = row
        .find("host.contoso.com")
        .expect("the placeholder on the cursor's row");
    assert_eq!(usize::from(p.x), row[..col].chars().count());
    w.on_paste("cdp7\n", &model());
    let f = get(&w, FieldId::ServiceFqdn);
    assert_eq!(f.text_value(), "cdp7.contoso.com");
    assert!(f.error.is_none(), "{:?}", f.error);
}

#[test]
fn a_service_fqdn_the_site_already_has_is_refused_on_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = new(HostedKind::Cdp);
    // The site has cdp1.contoso.com (and a service whose host part is clouddp2).
    w.body.taken = vec![
        ("CDP1.contoso.com".into(), "cdp1".into()),
        ("clouddp2.fabrikam.com".into(), "clouddp2".into()),
    ];
    general_ok(&mut w, dir.path());
    validate_ok(&mut w, &[]);
    let good = pfx(dir.path(), "good.pfx", "cdp1.contoso.com", true, false);
    fill(&mut w, FieldId::CertFile, &good.display().to_string());
    fill(&mut w, FieldId::CertPassword, PW);
    press(&mut w, KeyCode::Tab);
    assert_eq!(
        get(&w, FieldId::ServiceFqdn).text_value(),
        "cdp1.contoso.com"
    );
    // Whatever the case, on Settings, with the site's own words; Next stays on the page.
    let error = get(&w, FieldId::ServiceFqdn).error.clone();
    assert_eq!(
        error.as_deref(),
        Some("must be unique: CDP1.contoso.com already uses this name (or its host part cdp1)")
    );
    press(&mut w, KeyCode::PageDown);
    assert_eq!(page(&w), Page::Settings);
    // A host part another service's deployment has is taken too (the rule is domain's).
    let taken = [("clouddp2.fabrikam.com", "clouddp2")];
    assert!(
        crate::domain::service::name_taken("CloudDP2.contoso.com", taken)
            .is_some_and(|e| e.contains("clouddp2.fabrikam.com"))
    );
    assert_eq!(
        crate::domain::service::name_taken("cdp3.contoso.com", taken),
        None
    );
}
