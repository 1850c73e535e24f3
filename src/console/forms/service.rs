//! Properties of a cloud distribution point or cloud management gateway (domain.md §7): tabs
//! Settings / Alerts / Content. Description, thresholds and the CMG settings are editable;
//! subscription, service name and region are read-only after creation. Save sends only the
//! fields that changed.

use super::content_tab::{self, ContentTab};
use super::renew::{self, Renewal};
use crate::api::wire::{ServiceView, SetService, ThresholdInput};
use crate::console::field::{Field, FieldId};
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request};
use crate::console::shell::{Body, Core, Nav, Page, PageView, Shell};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::usage::{self, Figure};
use crate::domain::service::HostedKind;
use crate::domain::service::{QUOTA_GB, Threshold};
use crate::domain::validate;
use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use FieldId::*;

/// Tab indexes.
const SETTINGS: usize = 0;
const ALERTS: usize = 1;
const CONTENT: usize = 2;

/// Storage threshold label (as the site names its fields).
const STORAGE: &str = "Storage alert threshold";
/// CDP 30-day transfer threshold label.
const TRANSFER: &str = "Transfer alert threshold";
/// CMG 14-day outbound data threshold label.
const EGRESS: &str = "Outbound data transfer threshold";

const STORAGE_IDS: [FieldId; 3] = [StorageGb, StorageWarn, StorageCrit];
const TRANSFER_IDS: [FieldId; 3] = [TransferGb, TransferWarn, TransferCrit];
const EGRESS_IDS: [FieldId; 3] = [EgressGb, EgressWarn, EgressCrit];

/// The Properties form of one service.
pub(crate) struct ServiceForm {
    cmg: bool,
    id: String,
    fqdn: String,
    content: ContentTab,
    renewal: Renewal,
}

/// The threshold's fields; under the quota, what is used now in the same GB (`used`, once
/// collected), so the two compare at a glance.
fn threshold_fields(
    ids: [FieldId; 3],
    label: &str,
    t: Threshold,
    used: Option<String>,
) -> [Field; 3] {
    let quota = Field::text(ids[0], &format!("{label} (GB)"), &t.quota_gb.to_string());
    [
        match used {
            Some(u) => quota.hint(&format!("now: {u}")),
            None => quota,
        },
        Field::text(
            ids[1],
            &format!("{label} warning %"),
            &t.warning_pct.to_string(),
        ),
        Field::text(
            ids[2],
            &format!("{label} critical %"),
            &t.critical_pct.to_string(),
        ),
    ]
}

impl ServiceForm {
    /// The form for `s`; `read_only` is the reason changes are refused, if they are.
    pub(crate) fn open(
        s: &ServiceView,
        read_only: Option<&'static str>,
        keymap: &Keymap,
    ) -> Shell<ServiceForm> {
        let cmg = s.kind == HostedKind::Cmg;
        let mut settings = vec![
            Field::text(Description, "Description", &s.description),
            Field::read_only(SubscriptionId, "Subscription ID", &s.subscription_id),
            Field::read_only(ServiceFqdn, "Service name", &s.service_fqdn),
            Field::read_only(Region, "Region", &s.region),
            Field::read_only(
                Certificate,
                "Certificate",
                &format!(
                    "{} · expires {}",
                    s.certificate.subject_cn.as_deref().unwrap_or("(no CN)"),
                    crate::display::date(&s.certificate.not_after),
                ),
            ),
        ];
        settings.extend(renew::fields());
        let mut alerts = Vec::new();
        let used = |which: Figure| s.usage.as_ref().map(|_| usage::used_detail(s, which).0);
        if let Some(c) = s.cmg.as_ref().filter(|_| cmg) {
            settings.extend([
                Field::text(VmInstances, "VM Instance", &s.vm_instances.to_string())
                    .hint("1–16; a change starts an upgrade"),
                Field::read_only(VmSize, "VM size", &c.vm_size),
                Field::check(
                    CheckCrl,
                    "Verify Client Certificate Revocation",
                    c.check_crl,
                ),
                Field::check(EnforceTls12, "Enforce TLS 1.2", c.enforce_tls12)
                    .hint("a change starts an upgrade"),
                Field::check(
                    ServeContent,
                    "Allow CMG to function as a cloud distribution point",
                    c.serve_content,
                ),
            ]);
            alerts.push(Field::check(
                EgressAlerts,
                "14-day threshold and alerts",
                c.egress_alerts,
            ));
            alerts.extend(
                threshold_fields(EGRESS_IDS, EGRESS, s.transfer, used(Figure::Transfer))
                    .map(|f| f.depends(EgressAlerts)),
            );
            alerts.push(
                Field::check(
                    StopAtCritical,
                    "Stop this service when the critical threshold is exceeded",
                    c.stop_at_critical,
                )
                .depends(EgressAlerts),
            );
            alerts.push(Field::check(
                StorageAlerts,
                "Specify storage alert threshold",
                c.storage_alerts,
            ));
            alerts.extend(
                threshold_fields(STORAGE_IDS, STORAGE, s.storage, used(Figure::Storage))
                    .map(|f| f.depends(StorageAlerts)),
            );
        } else {
            let [gb, warn, crit] =
                threshold_fields(STORAGE_IDS, STORAGE, s.storage, used(Figure::Storage));
            alerts.extend([
                gb,
                warn,
                crit.hint("alerts when used storage reaches % of the quota"),
            ]);
            let [gb, warn, crit] =
                threshold_fields(TRANSFER_IDS, TRANSFER, s.transfer, used(Figure::Transfer));
            alerts.extend([
                gb,
                warn,
                crit.hint("rolling 30 days; transfer is monitored, never stopped"),
            ]);
        }
        settings.push(Field::button(Save, "Save"));
        alerts.push(Field::button(Save, "Save"));
        let pages = vec![
            Page::new("Settings", settings),
            Page::new("Alerts", alerts),
            Page::custom("Content"),
        ];
        let mut core = Core::new(Nav::Tabs, pages, read_only);
        let mut form = ServiceForm {
            cmg,
            id: s.id.clone(),
            fqdn: s.service_fqdn.clone(),
            content: ContentTab::new(&s.id, &s.service_fqdn, keymap),
            renewal: Renewal::default(),
        };
        form.validate(&mut core);
        Shell::new(core, form, keymap)
    }

    fn transfer_ids(&self) -> [FieldId; 3] {
        if self.cmg { EGRESS_IDS } else { TRANSFER_IDS }
    }

    /// Validates every field as typed, with the site's rules and words.
    fn validate(&mut self, core: &mut Core) {
        core.clear_errors();
        self.renewal.apply(core);
        if self.cmg
            && let Some(f) = core.field(VmInstances)
            && let Err(e) = validate::VM_INSTANCES.check_text(&f.label, f.text_value())
        {
            core.put(&e);
        }
        let transfer = if self.cmg { EGRESS } else { TRANSFER };
        for (ids, label) in [(STORAGE_IDS, STORAGE), (self.transfer_ids(), transfer)] {
            let mut nums = [0i64; 3];
            let mut ok = true;
            for (i, id) in ids.iter().enumerate() {
                let bounds = if i == 0 { QUOTA_GB } else { validate::PERCENT };
                match core
                    .field(*id)
                    .map(|f| bounds.check_text("", f.text_value()))
                {
                    Some(Ok(n)) => nums[i] = n,
                    Some(Err(e)) => {
                        core.set_error(*id, Some(e.rule));
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            if ok && let Err(e) = Threshold::new(label, nums[0], nums[1], nums[2]) {
                core.put(&e);
            }
        }
    }

    fn kind(&self) -> HostedKind {
        if self.cmg {
            HostedKind::Cmg
        } else {
            HostedKind::Cdp
        }
    }

    fn threshold(core: &Core, ids: [FieldId; 3]) -> Option<ThresholdInput> {
        let fs: Vec<&Field> = ids.iter().filter_map(|id| core.field(*id)).collect();
        if fs.len() != 3 || !fs.iter().any(|f| f.changed()) {
            return None;
        }
        let n = |f: &Field| f.whole_number();
        Some(ThresholdInput {
            quota_gb: n(fs[0]),
            warning_pct: n(fs[1]),
            critical_pct: n(fs[2]),
        })
    }

    fn changed_check(core: &Core, id: FieldId) -> Option<bool> {
        core.field(id).filter(|f| f.changed()).map(|f| f.checked)
    }

    /// The Set with only the changed fields.
    pub(crate) fn changes(&self, core: &Core) -> SetService {
        let transfer = Self::threshold(core, self.transfer_ids());
        SetService {
            description: core
                .field(Description)
                .filter(|f| f.changed())
                .map(|f| f.text_value().trim().to_string()),
            storage: Self::threshold(core, STORAGE_IDS),
            transfer: if self.cmg { None } else { transfer },
            egress: if self.cmg { transfer } else { None },
            egress_alerts: Self::changed_check(core, EgressAlerts),
            storage_alerts: Self::changed_check(core, StorageAlerts),
            stop_at_critical: Self::changed_check(core, StopAtCritical),
            vm_instances: core
                .field(VmInstances)
                .filter(|f| f.changed())
                .and_then(|f| f.whole_number()),
            check_crl: Self::changed_check(core, CheckCrl),
            enforce_tls12: Self::changed_check(core, EnforceTls12),
            serve_content: Self::changed_check(core, ServeContent),
            service_certificate: Renewal::upload(core).ok().flatten(),
            ..SetService::default()
        }
    }
}

impl Body for ServiceForm {
    fn title(&self) -> String {
        format!(
            "{} Properties — {}",
            if self.cmg {
                "Cloud Management Gateway"
            } else {
                "Cloud Distribution Point"
            },
            self.fqdn
        )
    }

    fn edited(&mut self, core: &mut Core, id: FieldId) {
        if matches!(id, CertFile | CertPassword) {
            self.renewal.edited();
        }
        self.validate(core);
    }

    /// Leaving the certificate file or its password: inspect once both are given.
    fn left(&mut self, core: &mut Core, id: FieldId) {
        if matches!(id, CertFile | CertPassword) && Renewal::complete(core) {
            self.renewal.inspect(core, &self.fqdn, self.kind());
            self.validate(core);
        }
    }

    fn submit(&mut self, core: &mut Core, _model: &Model) -> Outcome {
        if core.refuse_read_only("cannot save") {
            return Outcome::default();
        }
        if Renewal::wanted(core) {
            self.renewal.inspect(core, &self.fqdn, self.kind());
        }
        self.validate(core);
        if core.blocked(|_| "fix the fields marked ⚠ before saving".into()) {
            return Outcome::default();
        }
        if !core.dirty() {
            return Outcome::close(Some(format!("{}: nothing changed", self.fqdn)));
        }
        if let Err(e) = Renewal::upload(core) {
            core.say(Role::InputInvalid, format!("not saved: {e}"));
            return Outcome::default();
        }
        core.send(
            "save",
            format!("save {}", self.fqdn),
            Request::SetService {
                kind: self.kind(),
                id: self.id.clone(),
                set: self.changes(core),
            },
            (Role::Muted, "saving…"),
        )
    }

    fn accepted(
        &mut self,
        core: &mut Core,
        tag: &'static str,
        answer: &Reply,
        _model: &Model,
    ) -> Outcome {
        if content_tab::TAGS.contains(&tag) {
            self.content.accepted(core, tag, answer);
            return Outcome::default();
        }
        let upgrade = matches!(answer, Reply::Updated(u) if u.task.is_some());
        let notice = match (upgrade, Renewal::wanted(core)) {
            (true, true) => format!(
                "{}: saved; certificate renewal (upgrade) started",
                self.fqdn
            ),
            (true, false) => format!("{}: saved; upgrade started", self.fqdn),
            _ => format!("{}: saved", self.fqdn),
        };
        Outcome::close(Some(notice))
    }

    fn refused(&self, tag: &'static str) -> String {
        if content_tab::TAGS.contains(&tag) {
            format!("{tag} not done")
        } else {
            "not saved".into()
        }
    }

    fn page_key(
        &mut self,
        core: &mut Core,
        key: &KeyEvent,
        _action: Option<Action>,
        keymap: &Keymap,
        model: &Model,
    ) -> Option<Outcome> {
        self.content.on_key(core, key, keymap, model)
    }

    fn intro(&self, core: &Core, theme: &Theme) -> Vec<Line<'static>> {
        let note = |text: &'static str| {
            vec![
                Line::from(Span::styled(text, of(theme, Role::Muted))),
                Line::from(""),
            ]
        };
        match core.page() {
            SETTINGS => {
                note(" Subscription ID, Service name and Region are read-only after creation.")
            }
            ALERTS if self.cmg => {
                note(" Storage alerts fire when used storage reaches the % of the quota.")
            }
            CONTENT => self.content.intro(core.read_only(), theme),
            _ => Vec::new(),
        }
    }

    fn page_view(&self, _core: &Core, _width: usize, theme: &Theme, model: &Model) -> PageView {
        self.content.view(model, theme)
    }

    fn page_commands(&self, _core: &Core) -> Vec<Action> {
        ContentTab::commands()
    }

    fn page_hints(&self, _core: &Core) -> Option<String> {
        Some(self.content.hints().to_string())
    }
}
