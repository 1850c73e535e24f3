//! The selected alert's actions (Monitoring → Alerts, Enter): postpone until a date
//! (Suspend-CMAlert -SkipUntil -Comment), close, disable or enable it, with an optional
//! comment. Sends the matching `POST /v1/alerts/{id}/…`.

use super::fields::{self, Field, KeyResult, Window};
use crate::api::wire::{CloseAlert, PostponeAlert};
use crate::console::form::Form;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{FormRequest, Outcome, Request};
use crate::console::theme::{Role, Theme};
use crate::site::repo_site::AlertView;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Label of the date field (as the site names it in its errors).
const UNTIL: &str = "Postpone until";

/// The alert form.
pub struct AlertForm {
    alert: AlertView,
    fields: Vec<Field>,
    focus: usize,
    read_only: Option<&'static str>,
    message: Option<(String, Role)>,
    sending: bool,
    keys: String,
}

fn state_name(s: i64) -> &'static str {
    match s {
        0 => "Active",
        1 => "Postponed",
        2 => "Canceled",
        4 => "Disabled",
        5 => "Never triggered",
        _ => "Unknown",
    }
}

/// Now plus one day, RFC 3339 to the second (the default of "Postpone until").
pub fn tomorrow() -> String {
    let t = OffsetDateTime::now_utc() + time::Duration::days(1);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

impl AlertForm {
    /// The form for `alert`; `read_only` is the reason changes are refused, if they are.
    pub fn new(alert: &AlertView, read_only: Option<&'static str>, keymap: &Keymap) -> Self {
        let toggle = if alert.enabled { "Disable" } else { "Enable" };
        let fields = vec![
            Field::choice("action", "Action", &["Postpone", "Close", toggle], 0)
                .hint("Space or ←/→ changes the action"),
            Field::text("until", UNTIL, &tomorrow())
                .hint("RFC 3339 date and time, e.g. 2030-01-31T18:00:00Z"),
            Field::text("comment", "Comment", "").hint("optional; kept with the alert"),
            Field::button("apply", "Apply"),
        ];
        let mut form = AlertForm {
            alert: alert.clone(),
            fields,
            focus: 0,
            read_only,
            message: None,
            sending: false,
            keys: fields::key_hints(keymap, false, "apply"),
        };
        form.validate();
        form
    }

    fn action(&self) -> &str {
        self.fields[0].chosen()
    }

    fn validate(&mut self) -> bool {
        let action = self.action().to_string();
        for f in self.fields.iter_mut() {
            f.error = None;
        }
        self.fields[1].hidden = action != "Postpone";
        self.fields[2].hidden = !matches!(action.as_str(), "Postpone" | "Close");
        if action == "Postpone" {
            match OffsetDateTime::parse(self.fields[1].value.trim(), &Rfc3339) {
                Ok(t) if t <= OffsetDateTime::now_utc() => {
                    self.fields[1].error = Some("must be in the future".into());
                }
                Ok(_) => {}
                Err(_) => {
                    self.fields[1].error = Some("must be a date and time in RFC 3339 form".into());
                }
            }
        }
        self.fields.iter().all(|f| f.error.is_none())
    }

    /// The request Apply sends.
    pub fn request(&self) -> Request {
        let id = &self.alert.id;
        let comment = Some(self.fields[2].value.trim().to_string()).filter(|c| !c.is_empty());
        let (verb, body) = match self.action() {
            "Postpone" => (
                "postpone",
                serde_json::to_value(PostponeAlert {
                    until: self.fields[1].value.trim().to_string(),
                    comment,
                })
                .unwrap_or_default(),
            ),
            "Close" => (
                "close",
                serde_json::to_value(CloseAlert { comment }).unwrap_or_default(),
            ),
            "Disable" => ("disable", serde_json::Value::Null),
            _ => ("enable", serde_json::Value::Null),
        };
        Request::Call {
            method: "POST",
            path: format!("/v1/alerts/{id}/{verb}"),
            body,
        }
    }

    fn apply(&mut self) -> Outcome {
        if let Some(why) = self.read_only {
            self.message = Some((format!("not available: {why}"), Role::AlertWarning));
            return Outcome::default();
        }
        if self.sending {
            return Outcome::default();
        }
        if !self.validate() {
            self.focus = 1;
            self.message = Some(("fix the fields marked ⚠ first".into(), Role::InputInvalid));
            return Outcome::default();
        }
        self.sending = true;
        self.message = Some(("sending…".into(), Role::Muted));
        Outcome {
            requests: vec![FormRequest {
                tag: "apply",
                what: format!(
                    "{} the alert {}",
                    self.action().to_lowercase(),
                    self.alert.name
                ),
                request: self.request(),
            }],
            ..Outcome::default()
        }
    }
}

impl Form for AlertForm {
    fn title(&self) -> String {
        format!("Alert — {}", self.alert.name)
    }

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, _model: &Model) -> Outcome {
        let result = fields::on_key(
            &mut self.fields,
            &mut self.focus,
            key,
            keymap,
            self.read_only.is_some(),
        );
        match result {
            KeyResult::Back => {
                return Outcome {
                    close: true,
                    ..Outcome::default()
                };
            }
            KeyResult::Submit => return self.apply(),
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
        if tag != "apply" {
            return Outcome::default();
        }
        self.sending = false;
        match result {
            Ok(v) => {
                let state = serde_json::from_value::<AlertView>(v.clone())
                    .map(|a| state_name(a.state))
                    .unwrap_or("changed");
                Outcome {
                    close: true,
                    notice: Some(format!("{}: {}", self.alert.name, state.to_lowercase())),
                    ..Outcome::default()
                }
            }
            Err(e) => {
                if let Some(i) = fields::place_error(&mut self.fields, e) {
                    self.focus = i;
                }
                self.message = Some((format!("not done: {e}"), Role::InputInvalid));
                Outcome::default()
            }
        }
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, _model: &Model) {
        let title = self.title();
        let a = &self.alert;
        let muted = crate::console::ui::style::of(theme, Role::Muted);
        let mut intro = vec![Line::from(vec![
            Span::raw(" State: "),
            Span::styled(
                state_name(a.state),
                crate::console::ui::style::of(theme, Role::Text),
            ),
            Span::styled(
                format!(
                    "   occurrences {}   last seen {}",
                    a.occurrences,
                    a.last_seen.as_deref().unwrap_or("never")
                ),
                muted,
            ),
        ])];
        if let Some(u) = &a.skip_until {
            intro.push(Line::from(Span::styled(
                format!(" Postponed until {u}"),
                muted,
            )));
        }
        if let Some(c) = &a.closed_by {
            intro.push(Line::from(Span::styled(format!(" Closed by {c}"), muted)));
        }
        if let Some(c) = a.comments.last() {
            intro.push(Line::from(Span::styled(
                format!(" Last comment ({}, {}): {}", c.author, c.time, c.text),
                muted,
            )));
        }
        intro.push(Line::from(""));
        fields::draw(
            f,
            area,
            theme,
            Window {
                title: &title,
                tabs: &[],
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
