//! Checks as the operator goes: a field as typed, certificates on leaving their fields, a
//! whole page on Next.

use super::check::{self, CertInfo, Ctx};
use super::create::Wizard;
use super::page::Page;
use crate::cert::Role;
use crate::console::field::{FieldId, Tone};
use crate::console::shell::Core;

use FieldId::*;

impl Wizard {
    /// Checks field `id` with the rules (`strict` on Next: empty required fields too).
    pub(super) fn revalidate(&self, core: &mut Core, id: FieldId, strict: bool) {
        let ctx = Ctx {
            kind: self.kind,
            cert: self.cert.as_ref(),
            placeholder: self.placeholder.as_deref(),
            taken: &self.taken,
        };
        let Some(f) = core.field(id) else {
            return;
        };
        let rule = check::rule(core, f, &ctx, strict);
        core.set_error(id, rule);
    }

    /// Leaving a field: inspect a certificate once its file and password are given.
    pub(super) fn leave(&mut self, core: &mut Core, id: FieldId) {
        match id {
            MgmtPassword if !core.text(MgmtFile).is_empty() => self.check_mgmt(core),
            MgmtFile if !core.raw(MgmtPassword).is_empty() || is_publish(core) => {
                self.check_mgmt(core)
            }
            CertPassword if !core.text(CertFile).is_empty() => self.check_service(core),
            CertFile if !core.raw(CertPassword).is_empty() => self.check_service(core),
            TrustedRoots => self.check_roots(core),
            _ => {}
        }
    }

    /// Inspects the management certificate; a `.publishsettings` file fills the Subscription ID.
    pub(super) fn check_mgmt(&mut self, core: &mut Core) {
        let Some(report) = check::inspect_into(core, MgmtFile, MgmtPassword, Role::Management)
        else {
            return;
        };
        let subs = report.subscriptions.unwrap_or_default();
        if let Some(first) = subs.first()
            && core.text(SubscriptionId).is_empty()
        {
            let id = first.id.clone();
            if let Some(f) = core.field_mut(SubscriptionId) {
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
            self.revalidate(core, SubscriptionId, false);
        }
    }

    /// Inspects the service certificate and fills the Service FQDN from it (a wildcard
    /// certificate prefills `host.<domain>` with `host` selected).
    pub(super) fn check_service(&mut self, core: &mut Core) {
        let report = check::inspect_into(core, CertFile, CertPassword, Role::Service);
        self.cert = report.map(|r| CertInfo::of(&r, self.kind));
        let current = core.text(ServiceFqdn);
        let replace = current.is_empty()
            || self.fqdn_auto.as_deref() == Some(current.as_str())
            || self.placeholder.as_deref() == Some(current.as_str());
        if let Some(f) = core.field_mut(ServiceFqdn) {
            f.notes.clear();
        }
        match self.cert.clone() {
            Some(CertInfo {
                wildcard_domain: Some(domain),
                ..
            }) => {
                let value = format!("host.{domain}");
                if let Some(f) = core.field_mut(ServiceFqdn) {
                    if replace {
                        f.set_text(&value);
                        // "host" is selected: typing the host name replaces it.
                        f.input.select(0.."host".len());
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
                if let Some(f) = core.field_mut(ServiceFqdn) {
                    f.set_text(&name);
                }
                self.fqdn_auto = Some(name);
                self.placeholder = None;
            }
            _ => {}
        }
        if !core.text(ServiceFqdn).is_empty() {
            self.revalidate(core, ServiceFqdn, false);
        }
    }

    /// Reads and checks the trusted root files.
    pub(super) fn check_roots(&mut self, core: &mut Core) {
        let text = core.text(TrustedRoots);
        if text.is_empty() {
            return;
        }
        self.revalidate(core, TrustedRoots, false);
        if core.field(TrustedRoots).is_some_and(|f| f.error.is_none()) {
            let err = check::trusted_roots(&text).err();
            core.set_error(TrustedRoots, err);
        }
    }

    /// After an edit: stale findings go, the field (and its group) is checked as typed.
    pub(super) fn after_edit(&mut self, core: &mut Core, id: FieldId) {
        if id == KnownSubscription {
            let chosen = core.text(KnownSubscription);
            let value = if chosen == super::cdp::ANOTHER_SUBSCRIPTION {
                String::new()
            } else {
                chosen
            };
            if let Some(f) = core.field_mut(SubscriptionId) {
                f.set_text(&value);
                f.notes.clear();
            }
            if !value.is_empty() {
                self.revalidate(core, SubscriptionId, false);
            } else {
                core.set_error(SubscriptionId, None);
            }
            return;
        }
        let stale: &[FieldId] = match id {
            MgmtFile | MgmtPassword => &[MgmtFile, MgmtPassword],
            CertFile | CertPassword => &[CertFile, CertPassword],
            _ => &[],
        };
        for s in stale {
            if let Some(f) = core.field_mut(*s) {
                f.notes.clear();
                f.error = None;
            }
        }
        if matches!(id, CertFile | CertPassword) {
            self.cert = None;
        }
        let mut again = vec![id];
        if let Some(g) = check::group_of(self.kind, id) {
            again.extend(g);
        }
        if id == ServeContent {
            again.push(ServiceFqdn);
        }
        again.extend(
            core.all()
                .filter(|f| f.depends_on == Some(id))
                .map(|f| f.id)
                .collect::<Vec<_>>(),
        );
        for a in again {
            if a != ServiceFqdn || !core.text(a).is_empty() {
                self.revalidate(core, a, false);
            }
        }
        for file in [MgmtFile, CertFile] {
            if !core.text(file).is_empty() {
                self.revalidate(core, file, false);
            }
        }
    }

    /// Validates the page for Next: every field strictly, then the certificates.
    pub(super) fn validate_page(&mut self, core: &mut Core) -> bool {
        let ids: Vec<FieldId> = core.fields().iter().map(|f| f.id).collect();
        for id in ids {
            self.revalidate(core, id, true);
        }
        match Wizard::page(core) {
            Page::General => self.check_mgmt(core),
            Page::Settings => {
                self.check_service(core);
                self.revalidate(core, ServiceFqdn, true);
                self.check_roots(core);
            }
            _ => {}
        }
        !core.blocked(|f| {
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
            format!("Fix the fields marked ✗ first ({}: {why})", f.label)
        })
    }
}

fn is_publish(core: &Core) -> bool {
    core.text(MgmtFile)
        .to_ascii_lowercase()
        .ends_with(".publishsettings")
}
