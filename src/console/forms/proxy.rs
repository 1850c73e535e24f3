//! Site system Properties, Proxy tab (domain.md §8): use a proxy server; server name; port
//! (default 80); use credentials: account and password. The password is masked, never shown
//! again, and left empty keeps the stored one. Save sends `PUT /v1/site-systems/{name}/proxy`.

use super::fields::{self, Field, KeyResult, Window};
use crate::api::wire::{SetProxy, SiteSystemView};
use crate::console::form::Form;
use crate::console::keymap::{Action, Context, Keymap};
use crate::console::model::Model;
use crate::console::msg::{FormRequest, Outcome, Request};
use crate::console::theme::{Role, Theme};
use crate::domain::proxy;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The tabs of Site System Properties this console has.
pub const TABS: [&str; 1] = ["Proxy"];

/// The Proxy tab of one site system.
pub struct ProxyForm {
    name: String,
    roles: Vec<String>,
    fields: Vec<Field>,
    focus: usize,
    read_only: Option<&'static str>,
    message: Option<(String, Role)>,
    confirm_discard: bool,
    saving: bool,
    keys: String,
}

impl ProxyForm {
    /// The form for `sys`; `read_only` is the reason changes are refused, if they are.
    pub fn new(sys: &SiteSystemView, read_only: Option<&'static str>, keymap: &Keymap) -> Self {
        let p = &sys.proxy;
        let password_hint = if p.has_password {
            "a password is stored; leave empty to keep the stored password"
        } else {
            "leave empty to keep the stored password (none is stored)"
        };
        let fields = vec![
            Field::check(
                "enabled",
                "Use a proxy server when synchronizing information from the internet",
                p.enabled,
            ),
            Field::text(
                "server",
                "Proxy server name",
                p.server.as_deref().unwrap_or(""),
            )
            .hint("host name, FQDN or IP address"),
            Field::text("port", "Port", &p.port.to_string()).hint("default 80"),
            Field::check(
                "credentials",
                "Use credentials to connect to the proxy server",
                p.account.is_some(),
            ),
            Field::text("account", "Account", p.account.as_deref().unwrap_or(""))
                .hint("DOMAIN\\user or user (the site system proxy server account)"),
            Field::secret("password", "Password").hint(password_hint),
            Field::button("save", "Save"),
        ];
        let mut form = ProxyForm {
            name: sys.name.clone(),
            roles: sys.roles.clone(),
            fields,
            focus: 0,
            read_only,
            message: None,
            confirm_discard: false,
            saving: false,
            keys: fields::key_hints(keymap, false, "save"),
        };
        form.validate();
        form
    }

    fn get(&self, key: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .expect("the proxy form has this field")
    }

    fn get_mut(&mut self, key: &str) -> &mut Field {
        self.fields
            .iter_mut()
            .find(|f| f.key == key)
            .expect("the proxy form has this field")
    }

    fn dirty(&self) -> bool {
        self.fields.iter().any(Field::changed)
    }

    /// Validates as typed with the domain's rules; returns whether everything is fine.
    fn validate(&mut self) -> bool {
        for f in self.fields.iter_mut() {
            f.error = None;
        }
        let enabled = self.get("enabled").checked;
        let creds = enabled && self.get("credentials").checked;
        for k in ["server", "port", "credentials"] {
            self.get_mut(k).enabled = enabled;
        }
        for k in ["account", "password"] {
            self.get_mut(k).enabled = creds;
        }
        let port = match fields::number(self.get("port")) {
            Ok(p) => p,
            Err(e) => {
                self.get_mut("port").error = Some(e);
                return false;
            }
        };
        let server = enabled.then(|| self.get("server").value.trim().to_string());
        let account = creds.then(|| self.get("account").value.trim().to_string());
        if let Err(e) = proxy::validate(enabled, server.as_deref(), port, account.as_deref()) {
            if let Some(f) = self.fields.iter_mut().find(|f| f.label == e.field) {
                f.error = Some(e.rule);
            }
            return false;
        }
        if creds && account.as_deref().is_none_or(str::is_empty) {
            self.get_mut("account").error =
                Some("is required when credentials are used".to_string());
            return false;
        }
        true
    }

    /// What Save sends.
    pub fn request(&self) -> SetProxy {
        let enabled = self.get("enabled").checked;
        let creds = enabled && self.get("credentials").checked;
        let password = &self.get("password").value;
        SetProxy {
            enabled,
            server: enabled
                .then(|| self.get("server").value.trim().to_string())
                .filter(|s| !s.is_empty()),
            port: fields::number(self.get("port")).ok(),
            account: creds
                .then(|| self.get("account").value.trim().to_string())
                .filter(|a| !a.is_empty()),
            // Empty keeps the stored password.
            password: (creds && !password.is_empty()).then(|| password.clone()),
        }
    }

    fn save(&mut self) -> Outcome {
        if let Some(why) = self.read_only {
            self.message = Some((format!("cannot save: {why}"), Role::AlertWarning));
            return Outcome::default();
        }
        if self.saving {
            return Outcome::default();
        }
        if !self.validate() {
            if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
                self.focus = i;
                fields::settle_focus(&self.fields, &mut self.focus);
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
                notice: Some(format!("{}: nothing changed", self.name)),
                ..Outcome::default()
            };
        }
        let body = serde_json::to_value(self.request()).unwrap_or_default();
        self.saving = true;
        self.message = Some(("saving…".into(), Role::Muted));
        Outcome {
            requests: vec![FormRequest {
                tag: "save",
                what: format!("save the proxy of {}", self.name),
                request: Request::Call {
                    method: "PUT",
                    path: format!("/v1/site-systems/{}/proxy", self.name),
                    body,
                },
            }],
            ..Outcome::default()
        }
    }
}

impl Form for ProxyForm {
    fn title(&self) -> String {
        format!("Site System Properties — {}", self.name)
    }

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, _model: &Model) -> Outcome {
        if self.confirm_discard {
            self.confirm_discard = false;
            self.message = None;
            if keymap.action(&key, Context::Form) == Some(Action::Back) {
                return Outcome {
                    close: true,
                    notice: Some("changes discarded".into()),
                    ..Outcome::default()
                };
            }
        }
        let result = fields::on_key(
            &mut self.fields,
            &mut self.focus,
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
            KeyResult::Submit => return self.save(),
            KeyResult::Edited => {
                self.message = None;
                self.validate();
            }
            KeyResult::Refused => {
                self.message = Some((
                    format!("read-only: {}", self.read_only.unwrap_or("")),
                    Role::AlertWarning,
                ));
            }
            KeyResult::NextTab | KeyResult::PrevTab | KeyResult::Handled | KeyResult::Ignored => {}
        }
        fields::settle_focus(&self.fields, &mut self.focus);
        Outcome::default()
    }

    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<serde_json::Value, String>,
        _model: &Model,
    ) -> Outcome {
        if tag != "save" {
            return Outcome::default();
        }
        self.saving = false;
        match result {
            Ok(_) => Outcome {
                close: true,
                notice: Some(format!("{}: proxy saved", self.name)),
                ..Outcome::default()
            },
            Err(e) => {
                if let Some(i) = fields::place_error(&mut self.fields, e) {
                    self.focus = i;
                    fields::settle_focus(&self.fields, &mut self.focus);
                }
                self.message = Some((format!("not saved: {e}"), Role::InputInvalid));
                Outcome::default()
            }
        }
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, _model: &Model) {
        let title = self.title();
        let intro = vec![
            Line::from(Span::styled(
                format!(" Roles: {}", self.roles.join(", ")),
                crate::console::ui::style::of(theme, Role::Muted),
            )),
            Line::from(Span::styled(
                " One proxy per server, shared by all its roles; saving replaces it.",
                crate::console::ui::style::of(theme, Role::Muted),
            )),
            Line::from(""),
        ];
        fields::draw(
            f,
            area,
            theme,
            Window {
                title: &title,
                tabs: &TABS,
                tab: 0,
                read_only: self.read_only,
                intro,
                body: fields::lines(&self.fields, self.focus, theme, self.read_only.is_some()),
                message: self.message.clone(),
                keys: self.keys.clone(),
            },
        );
    }

    fn commands(&self) -> Vec<Action> {
        vec![
            Action::NextField,
            Action::PrevField,
            Action::Submit,
            Action::Back,
        ]
    }
}
