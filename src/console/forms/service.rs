//! Properties of a cloud distribution point or cloud management gateway (domain.md §7): tabs
//! Settings / Alerts / Content. Description, thresholds and the CMG settings are editable;
//! subscription, service name and region are read-only after creation. Save sends
//! `PATCH /v1/cdps|cmgs/{id}` with only the fields that changed.

use super::content_tab::{self, ContentTab};
use super::fields::{self, Field, KeyResult, Window};
use super::renew::{self, Renewal};
use crate::api::wire::{ServiceView, SetService, ThresholdInput, Updated};
use crate::cloud::HostedKind;
use crate::console::form::Form;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{FormRequest, Outcome, Request};
use crate::console::theme::{Role, Theme};
use crate::domain::service::Threshold;
use crate::domain::validate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The tabs.
pub const TABS: [&str; 3] = ["Settings", "Alerts", "Content"];

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

/// The Properties form of one service.
pub struct ServiceForm {
    cmg: bool,
    id: String,
    fqdn: String,
    tabs: [Vec<Field>; 3],
    tab: usize,
    focus: [usize; 3],
    read_only: Option<&'static str>,
    message: Option<(String, Role)>,
    confirm_discard: bool,
    saving: bool,
    keys: String,
    content: ContentTab,
    content_keys: String,
    renewal: Renewal,
}

fn threshold_fields(key: [&'static str; 3], label: &str, t: Threshold) -> [Field; 3] {
    [
        Field::text(key[0], &format!("{label} (GB)"), &t.quota_gb.to_string()),
        Field::text(
            key[1],
            &format!("{label} warning %"),
            &t.warning_pct.to_string(),
        ),
        Field::text(
            key[2],
            &format!("{label} critical %"),
            &t.critical_pct.to_string(),
        ),
    ]
}

impl ServiceForm {
    /// The form for `s`; `read_only` is the reason changes are refused, if they are.
    pub fn new(s: &ServiceView, read_only: Option<&'static str>, keymap: &Keymap) -> Self {
        let cmg = s.kind == "cmg";
        let mut settings = vec![
            Field::text("description", "Description", &s.description),
            Field::read_only("subscription", "Subscription ID", &s.subscription_id),
            Field::read_only("fqdn", "Service name", &s.service_fqdn),
            Field::read_only("region", "Region", &s.region),
            Field::read_only(
                "certificate",
                "Certificate",
                &format!(
                    "{} · expires {}",
                    s.certificate.subject_cn.as_deref().unwrap_or("(no CN)"),
                    s.certificate.not_after.get(..10).unwrap_or(""),
                ),
            ),
        ];
        settings.extend(renew::fields());
        let mut alerts = Vec::new();
        if let Some(c) = s.cmg.as_ref().filter(|_| cmg) {
            settings.extend([
                Field::text("vm_instances", "VM Instance", &s.vm_instances.to_string())
                    .hint("1–16; a change starts an upgrade"),
                Field::read_only("vm_size", "VM size", &c.vm_size),
                Field::check(
                    "check_crl",
                    "Verify Client Certificate Revocation",
                    c.check_crl,
                ),
                Field::check("enforce_tls12", "Enforce TLS 1.2", c.enforce_tls12)
                    .hint("a change starts an upgrade"),
                Field::check(
                    "serve_content",
                    "Allow CMG to function as a cloud distribution point",
                    c.serve_content,
                ),
            ]);
            alerts.push(Field::check(
                "egress_alerts",
                "14-day threshold and alerts",
                c.egress_alerts,
            ));
            alerts.extend(threshold_fields(
                ["transfer_q", "transfer_w", "transfer_c"],
                EGRESS,
                s.transfer,
            ));
            alerts.push(Field::check(
                "stop_at_critical",
                "Stop this service when the critical threshold is exceeded",
                c.stop_at_critical,
            ));
            alerts.push(Field::check(
                "storage_alerts",
                "Specify storage alert threshold",
                c.storage_alerts,
            ));
            alerts.extend(threshold_fields(
                ["storage_q", "storage_w", "storage_c"],
                STORAGE,
                s.storage,
            ));
        } else {
            alerts.extend(threshold_fields(
                ["storage_q", "storage_w", "storage_c"],
                STORAGE,
                s.storage,
            ));
            if let Some(last) = alerts.last_mut() {
                last.hint = Some("alerts when used storage reaches % of the quota".into());
            }
            alerts.extend(threshold_fields(
                ["transfer_q", "transfer_w", "transfer_c"],
                TRANSFER,
                s.transfer,
            ));
            if let Some(last) = alerts.last_mut() {
                last.hint = Some("rolling 30 days; transfer is monitored, never stopped".into());
            }
        }
        settings.push(Field::button("save", "Save"));
        alerts.push(Field::button("save", "Save"));
        let mut form = ServiceForm {
            cmg,
            id: s.id.clone(),
            fqdn: s.service_fqdn.clone(),
            tabs: [settings, alerts, Vec::new()],
            tab: SETTINGS,
            focus: [0; 3],
            read_only,
            message: None,
            confirm_discard: false,
            saving: false,
            keys: fields::key_hints(keymap, true, "save"),
            content: ContentTab::new(&s.id, &s.service_fqdn),
            content_keys: ContentTab::key_hints(keymap),
            renewal: Renewal::default(),
        };
        form.validate();
        form
    }

    fn field(&self, key: &str) -> Option<&Field> {
        self.tabs.iter().flatten().find(|f| f.key == key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.tabs.iter_mut().flatten().find(|f| f.key == key)
    }

    fn dirty(&self) -> bool {
        self.tabs.iter().flatten().any(Field::changed)
    }

    fn set_error(&mut self, key: &str, e: Option<String>) {
        if let Some(f) = self.field_mut(key) {
            f.error = e;
        }
    }

    fn put_field_error(&mut self, e: validate::FieldError) {
        if let Some(f) = self.tabs.iter_mut().flatten().find(|f| f.label == e.field) {
            f.error = Some(e.rule);
        }
    }

    /// Validates every field as typed; returns whether all are fine.
    fn validate(&mut self) -> bool {
        for f in self.tabs.iter_mut().flatten() {
            f.error = None;
        }
        self.renewal.apply(&mut self.tabs[SETTINGS]);
        // CMG: thresholds apply only when their alerts are on.
        if self.cmg {
            let egress = self.field("egress_alerts").is_some_and(|f| f.checked);
            let storage = self.field("storage_alerts").is_some_and(|f| f.checked);
            for (k, on) in [
                ("transfer_q", egress),
                ("transfer_w", egress),
                ("transfer_c", egress),
                ("stop_at_critical", egress),
                ("storage_q", storage),
                ("storage_w", storage),
                ("storage_c", storage),
            ] {
                if let Some(f) = self.field_mut(k) {
                    f.enabled = on;
                }
            }
        }
        if self.cmg {
            match self.field("vm_instances").map(fields::number) {
                Some(Ok(n)) => {
                    if let Err(e) = validate::vm_instances(n) {
                        self.put_field_error(e);
                    }
                }
                Some(Err(e)) => self.set_error("vm_instances", Some(e)),
                None => {}
            }
        }
        let transfer = if self.cmg { EGRESS } else { TRANSFER };
        for (keys, label) in [
            (["storage_q", "storage_w", "storage_c"], STORAGE),
            (["transfer_q", "transfer_w", "transfer_c"], transfer),
        ] {
            let mut nums = [0i64; 3];
            let mut ok = true;
            for (i, k) in keys.iter().enumerate() {
                match self.field(k).map(fields::number) {
                    Some(Ok(n)) => nums[i] = n,
                    Some(Err(e)) => {
                        self.set_error(k, Some(e));
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            if ok && let Err(e) = Threshold::new(label, nums[0], nums[1], nums[2]) {
                self.put_field_error(e);
            }
        }
        !self.tabs.iter().flatten().any(Field::blocks)
    }

    fn kind(&self) -> HostedKind {
        if self.cmg {
            HostedKind::Cmg
        } else {
            HostedKind::Cdp
        }
    }

    fn threshold(&self, keys: [&str; 3]) -> Option<ThresholdInput> {
        let fs: Vec<&Field> = keys.iter().filter_map(|k| self.field(k)).collect();
        if fs.len() != 3 || !fs.iter().any(|f| f.changed()) {
            return None;
        }
        let n = |f: &Field| fields::number(f).ok();
        Some(ThresholdInput {
            quota_gb: n(fs[0]),
            warning_pct: n(fs[1]),
            critical_pct: n(fs[2]),
        })
    }

    fn changed_check(&self, key: &str) -> Option<bool> {
        self.field(key).filter(|f| f.changed()).map(|f| f.checked)
    }

    /// The Set with only the changed fields.
    pub fn changes(&self) -> SetService {
        let transfer = self.threshold(["transfer_q", "transfer_w", "transfer_c"]);
        SetService {
            description: self
                .field("description")
                .filter(|f| f.changed())
                .map(|f| f.value.trim().to_string()),
            storage: self.threshold(["storage_q", "storage_w", "storage_c"]),
            transfer: if self.cmg { None } else { transfer },
            egress: if self.cmg { transfer } else { None },
            egress_alerts: self.changed_check("egress_alerts"),
            storage_alerts: self.changed_check("storage_alerts"),
            stop_at_critical: self.changed_check("stop_at_critical"),
            vm_instances: self
                .field("vm_instances")
                .filter(|f| f.changed())
                .and_then(|f| fields::number(f).ok()),
            check_crl: self.changed_check("check_crl"),
            enforce_tls12: self.changed_check("enforce_tls12"),
            serve_content: self.changed_check("serve_content"),
            service_certificate: Renewal::upload(&self.tabs[SETTINGS]).ok().flatten(),
            ..SetService::default()
        }
    }

    fn first_error_tab(&self) -> Option<(usize, usize)> {
        self.tabs.iter().enumerate().find_map(|(t, fs)| {
            fs.iter()
                .position(|f| f.blocks() && !f.hidden)
                .map(|i| (t, i))
        })
    }

    fn save(&mut self) -> Outcome {
        if let Some(why) = self.read_only {
            self.message = Some((format!("cannot save: {why}"), Role::AlertWarning));
            return Outcome::default();
        }
        if self.saving {
            return Outcome::default();
        }
        if self
            .field(renew::FILE)
            .is_some_and(|f| !f.value.trim().is_empty())
        {
            let kind = self.kind();
            self.renewal.inspect(&self.tabs[SETTINGS], &self.fqdn, kind);
        }
        if !self.validate() {
            if let Some((t, i)) = self.first_error_tab() {
                self.tab = t;
                self.focus[t] = i;
                fields::settle_focus(&self.tabs[t], &mut self.focus[t]);
            }
            self.message = Some((
                "fix the fields marked ⚠ before saving".into(),
                Role::InputInvalid,
            ));
            return Outcome::default();
        }
        if !self.dirty() {
            return Outcome {
                close: true,
                notice: Some(format!("{}: nothing changed", self.fqdn)),
                ..Outcome::default()
            };
        }
        if let Err(e) = Renewal::upload(&self.tabs[SETTINGS]) {
            self.message = Some((format!("not saved: {e}"), Role::InputInvalid));
            return Outcome::default();
        }
        let mut body = serde_json::to_value(self.changes()).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        self.saving = true;
        self.message = Some(("saving…".into(), Role::Muted));
        let base = if self.cmg { "cmgs" } else { "cdps" };
        Outcome {
            requests: vec![FormRequest {
                tag: "save",
                what: format!("save {}", self.fqdn),
                request: Request::Call {
                    method: "PATCH",
                    path: format!("/v1/{base}/{}", self.id),
                    body,
                },
            }],
            ..Outcome::default()
        }
    }
}

impl ServiceForm {
    /// Leaving field `key`: inspect the certificate once its file and password are given.
    fn left(&mut self, key: Option<&str>) {
        let filled = |k: &str| self.field(k).is_some_and(|f| !f.value.trim().is_empty());
        let other = match key {
            Some(renew::FILE) => renew::PASSWORD,
            Some(renew::PASSWORD) => renew::FILE,
            _ => return,
        };
        if filled(renew::FILE) && filled(other) {
            let kind = self.kind();
            self.renewal.inspect(&self.tabs[SETTINGS], &self.fqdn, kind);
            self.validate();
        }
    }
}

impl Form for ServiceForm {
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

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, model: &Model) -> Outcome {
        if self.tab == CONTENT
            && !self.confirm_discard
            && let Some(out) = self.content.on_key(key, keymap, model, self.read_only)
        {
            return out;
        }
        if self.confirm_discard {
            self.confirm_discard = false;
            self.message = None;
            if keymap.action(&key, crate::console::keymap::Context::Form) == Some(Action::Back) {
                return Outcome {
                    close: true,
                    notice: Some("changes discarded".into()),
                    ..Outcome::default()
                };
            }
        }
        let tab = self.tab;
        let before = self.tabs[tab].get(self.focus[tab]).map(|f| f.key);
        let result = fields::on_key(
            &mut self.tabs[tab],
            &mut self.focus[tab],
            key,
            keymap,
            self.read_only.is_some(),
        );
        match result {
            KeyResult::Back => {
                if self.dirty() {
                    self.confirm_discard = true;
                    self.message = Some((
                        "Discard your changes? Esc again discards; any other key keeps editing."
                            .into(),
                        Role::AlertWarning,
                    ));
                    return Outcome::default();
                }
                return Outcome {
                    close: true,
                    ..Outcome::default()
                };
            }
            KeyResult::NextTab => self.tab = (self.tab + 1) % TABS.len(),
            KeyResult::PrevTab => self.tab = (self.tab + TABS.len() - 1) % TABS.len(),
            KeyResult::Submit => return self.save(),
            KeyResult::Edited => {
                self.message = None;
                if matches!(before, Some(renew::FILE | renew::PASSWORD)) {
                    self.renewal.edited();
                }
                self.validate();
            }
            KeyResult::Refused => {
                self.message = Some((
                    format!("read-only: {}", self.read_only.unwrap_or("")),
                    Role::AlertWarning,
                ));
            }
            KeyResult::Handled | KeyResult::Ignored => {}
        }
        let t = self.tab;
        fields::settle_focus(&self.tabs[t], &mut self.focus[t]);
        let after = self.tabs[t].get(self.focus[t]).map(|f| f.key);
        if t == tab && before != after {
            self.left(before);
        }
        Outcome::default()
    }

    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<serde_json::Value, String>,
        _model: &Model,
    ) -> Outcome {
        if content_tab::TAGS.contains(&tag) {
            self.content.on_reply(tag, result);
            return Outcome::default();
        }
        if tag != "save" {
            return Outcome::default();
        }
        self.saving = false;
        let renewing = self
            .field(renew::FILE)
            .is_some_and(|f| !f.value.trim().is_empty());
        match result {
            Ok(v) => {
                let upgrade = serde_json::from_value::<Updated>(v.clone())
                    .ok()
                    .is_some_and(|u| u.task.is_some());
                Outcome {
                    close: true,
                    notice: Some(if upgrade && renewing {
                        format!(
                            "{}: saved; certificate renewal (upgrade) started",
                            self.fqdn
                        )
                    } else if upgrade {
                        format!("{}: saved; upgrade started", self.fqdn)
                    } else {
                        format!("{}: saved", self.fqdn)
                    }),
                    ..Outcome::default()
                }
            }
            Err(e) => {
                let mut placed = None;
                for (t, fs) in self.tabs.iter_mut().enumerate() {
                    if let Some(i) = fields::place_error(fs, e) {
                        placed = Some((t, i));
                        break;
                    }
                }
                if let Some((t, i)) = placed {
                    self.tab = t;
                    self.focus[t] = i;
                    fields::settle_focus(&self.tabs[t], &mut self.focus[t]);
                }
                self.message = Some((format!("not saved: {e}"), Role::InputInvalid));
                Outcome::default()
            }
        }
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, model: &Model) {
        let title = self.title();
        let read_only = self.read_only.is_some();
        let mut intro = Vec::new();
        let body = match self.tab {
            CONTENT => {
                let (top, body) = self.content.lines(model, theme, self.read_only);
                intro = top;
                body
            }
            t => {
                if t == SETTINGS {
                    intro.push(Line::from(Span::styled(
                        " Subscription ID, Service name and Region are read-only after creation.",
                        crate::console::ui::style::of(theme, Role::Muted),
                    )));
                    intro.push(Line::from(""));
                } else if t == ALERTS && self.cmg {
                    intro.push(Line::from(Span::styled(
                        " Storage alerts fire when used storage reaches the % of the quota.",
                        crate::console::ui::style::of(theme, Role::Muted),
                    )));
                    intro.push(Line::from(""));
                }
                let width = usize::from(area.width.saturating_sub(2));
                fields::lines_in(&self.tabs[t], self.focus[t], theme, read_only, width)
            }
        };
        fields::draw(
            f,
            area,
            theme,
            Window {
                title: &title,
                tabs: &TABS,
                tab: self.tab,
                read_only: self.read_only,
                intro,
                body,
                message: if self.tab == CONTENT && !self.confirm_discard {
                    self.content.message.clone()
                } else {
                    self.message.clone()
                },
                keys: if self.tab == CONTENT {
                    self.content_keys.clone()
                } else {
                    self.keys.clone()
                },
            },
        );
    }

    fn commands(&self) -> Vec<Action> {
        if self.tab == CONTENT {
            return ContentTab::commands();
        }
        vec![
            Action::NextField,
            Action::PrevField,
            Action::NextPage,
            Action::PrevPage,
            Action::Submit,
            Action::Back,
        ]
    }
}
