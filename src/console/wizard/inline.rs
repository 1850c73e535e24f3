//! Checks as the operator goes: a field as typed, certificates on leaving their fields, a
//! whole page on Next.

use super::check::{self, CertInfo, Values};
use super::fields::Tone;
use super::{Page, Wizard};
use crate::cert::Role;

impl Wizard {
    /// Leaving a field: inspect a certificate once its file and password are given.
    pub(super) fn leave(&mut self, id: &str) {
        let v = self.values();
        match id {
            "mgmt_password" if !v.text("mgmt_file").is_empty() => self.check_mgmt(),
            "mgmt_file" if !v.raw("mgmt_password").is_empty() || is_publish(&v) => {
                self.check_mgmt()
            }
            "cert_password" if !v.text("cert_file").is_empty() => self.check_service(),
            "cert_file" if !v.raw("cert_password").is_empty() => self.check_service(),
            "trusted_roots" => self.check_roots(),
            _ => {}
        }
    }

    pub(super) fn check_mgmt(&mut self) {
        let Some(report) = check::inspect_into(
            &mut self.pages,
            "mgmt_file",
            "mgmt_password",
            Role::Management,
        ) else {
            return;
        };
        let subs = report.subscriptions.unwrap_or_default();
        if let Some(first) = subs.first()
            && self.values().text("subscription_id").is_empty()
        {
            let id = first.id.clone();
            if let Some(f) = self.field_mut("subscription_id") {
                f.set_text(&id);
                f.notes.clear();
                if subs.len() > 1 {
                    let all: Vec<&str> = subs.iter().map(|s| s.id.as_str()).collect();
                    f.notes.push((
                        Tone::Info,
                        format!(
                            "the file lists {} subscriptions ({}); the first is filled in",
                            subs.len(),
                            all.join(", ")
                        ),
                    ));
                }
            }
            self.revalidate("subscription_id", false);
        }
    }

    pub(super) fn check_service(&mut self) {
        let report =
            check::inspect_into(&mut self.pages, "cert_file", "cert_password", Role::Service);
        self.cert = report.map(|r| CertInfo::of(&r, self.kind));
        let current = self.values().text("service_fqdn");
        let replace = current.is_empty()
            || self.fqdn_auto.as_deref() == Some(current.as_str())
            || self.placeholder.as_deref() == Some(current.as_str());
        let cert = self.cert.clone();
        if let Some(f) = self.field_mut("service_fqdn") {
            f.notes.clear();
        }
        match cert {
            Some(CertInfo {
                wildcard_domain: Some(domain),
                ..
            }) => {
                let value = format!("host.{domain}");
                if let Some(f) = self.field_mut("service_fqdn") {
                    if replace {
                        f.set_text(&value);
                        f.cursor = 0;
                        f.selection = Some((0, 4));
                    }
                    f.notes.push((
                        Tone::Warning,
                        "wildcard certificate: type the host name".into(),
                    ));
                }
                if replace {
                    self.fqdn_auto = Some(value.clone());
                    self.placeholder = Some(value);
                }
            }
            Some(CertInfo {
                fqdn: Some(name), ..
            }) if replace => {
                if let Some(f) = self.field_mut("service_fqdn") {
                    f.set_text(&name);
                }
                self.fqdn_auto = Some(name);
                self.placeholder = None;
            }
            _ => {}
        }
        if !self.values().text("service_fqdn").is_empty() {
            self.revalidate("service_fqdn", false);
        }
    }

    pub(super) fn check_roots(&mut self) {
        let text = self.values().text("trusted_roots");
        if text.is_empty() {
            return;
        }
        self.revalidate("trusted_roots", false);
        if self
            .values()
            .get("trusted_roots")
            .is_some_and(|f| f.error.is_none())
        {
            let err = check::trusted_roots(&text).err();
            if let Some(f) = self.field_mut("trusted_roots") {
                f.error = err;
            }
        }
    }

    /// After an edit: stale findings go, the field (and its group) is checked as typed.
    pub(super) fn edited(&mut self, id: &'static str) {
        self.touched = true;
        self.message = None;
        let stale: &[&str] = match id {
            "mgmt_file" | "mgmt_password" => &["mgmt_file", "mgmt_password"],
            "cert_file" | "cert_password" => &["cert_file", "cert_password"],
            _ => &[],
        };
        for s in stale {
            if let Some(f) = self.field_mut(s) {
                f.notes.clear();
                f.error = None;
            }
        }
        if id == "cert_file" || id == "cert_password" {
            self.cert = None;
        }
        let mut again = vec![id];
        if let Some(g) = check::group_of(self.kind, id) {
            again.extend(g);
        }
        if id == "serve_content" {
            again.push("service_fqdn");
        }
        let dependents: Vec<&'static str> = self
            .pages
            .iter()
            .flatten()
            .filter(|f| f.depends_on == Some(id))
            .map(|f| f.id)
            .collect();
        again.extend(dependents);
        for a in again {
            if a != "service_fqdn" || !self.values().text(a).is_empty() {
                self.revalidate(a, false);
            }
        }
        if !self.values().text("mgmt_file").is_empty() {
            self.revalidate("mgmt_file", false);
        }
        if !self.values().text("cert_file").is_empty() {
            self.revalidate("cert_file", false);
        }
    }

    /// Validates the page for Next: every field strictly, then the certificates.
    pub(super) fn validate_page(&mut self) -> bool {
        let ids: Vec<&'static str> = self.fields().iter().map(|f| f.id).collect();
        for id in &ids {
            self.revalidate(id, true);
        }
        match self.page {
            Page::General => self.check_mgmt(),
            Page::Settings => {
                self.check_service();
                self.revalidate("service_fqdn", true);
                self.check_roots();
            }
            _ => {}
        }
        let v = self.values();
        let bad = self
            .fields()
            .iter()
            .position(|f| v.enabled(f) && f.blocks());
        match bad {
            Some(i) => {
                let f = &self.fields()[i];
                let why = f
                    .error
                    .clone()
                    .or_else(|| {
                        f.notes
                            .iter()
                            .find(|(t, _)| *t == Tone::Error)
                            .map(|(_, m)| m.clone())
                    })
                    .unwrap_or_default();
                self.message = Some((
                    Tone::Error,
                    format!("Fix the fields marked ✗ first ({}: {why})", f.label),
                ));
                self.focus = i;
                false
            }
            None => true,
        }
    }
}

fn is_publish(v: &Values<'_>) -> bool {
    v.text("mgmt_file")
        .to_ascii_lowercase()
        .ends_with(".publishsettings")
}
