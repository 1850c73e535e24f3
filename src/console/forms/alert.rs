//! The selected alert's actions (Monitoring → Alerts, `p`): postpone until a date
//! (Suspend-CMAlert -SkipUntil -Comment), close, disable or enable it, with an optional
//! comment. Sends the matching alert action.

use crate::api::operations::AlertAction as Verb;
use crate::api::wire::AlertView;
use crate::api::wire::{CloseAlert, PostponeAlert};
use crate::console::describe;
use crate::console::field::Tone;
use crate::console::field::{Field, FieldId};
use crate::console::keymap::Keymap;
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request};
use crate::console::shell::{Body, Core, Nav, Page, Shell};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::text::safe;
use crate::display;
use ratatui::text::{Line, Span};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use FieldId::{AlertAction, Comment, PostponeUntil as Until};

/// The alert form.
pub(crate) struct AlertForm {
    alert: AlertView,
}

/// Now plus one day, RFC 3339 to the second (the default of "Postpone until").
pub(crate) fn tomorrow() -> String {
    let t = OffsetDateTime::now_utc() + time::Duration::days(1);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

impl AlertForm {
    /// The form for `alert`; `read_only` is the reason changes are refused, if they are.
    pub(crate) fn open(
        alert: &AlertView,
        read_only: Option<&'static str>,
        keymap: &Keymap,
    ) -> Shell<AlertForm> {
        let toggle = if alert.enabled { "Disable" } else { "Enable" };
        let fields = vec![
            Field::choice(
                AlertAction,
                "Action",
                &["Postpone", "Close", toggle],
                "Postpone",
            )
            .hint("Space or ←/→ changes the action"),
            Field::text(Until, "Postpone until", &tomorrow())
                .hint("RFC 3339 date and time, e.g. 2030-01-31T18:00:00Z"),
            Field::text(Comment, "Comment", "").hint("optional; kept with the alert"),
            Field::button(FieldId::Apply, "Apply"),
        ];
        let mut core = Core::new(Nav::Tabs, vec![Page::new("", fields)], read_only);
        let mut form = AlertForm {
            alert: alert.clone(),
        };
        form.edited(&mut core, AlertAction);
        Shell::new(core, form, keymap)
    }

    fn validate(core: &mut Core) -> bool {
        let action = core.text(AlertAction);
        core.clear_errors();
        if let Some(f) = core.field_mut(Until) {
            f.hidden = action != "Postpone";
        }
        if let Some(f) = core.field_mut(Comment) {
            f.hidden = !matches!(action.as_str(), "Postpone" | "Close");
        }
        if action == "Postpone" {
            let until = core.text(Until);
            let parsed = OffsetDateTime::parse(&until, &Rfc3339);
            let error = match parsed {
                Ok(t) if t <= OffsetDateTime::now_utc() => Some("must be in the future"),
                Ok(_) => None,
                Err(_) => Some("must be a date and time in RFC 3339 form"),
            };
            core.set_error(Until, error.map(str::to_string));
            // The field takes the site's form (RFC 3339); say how it reads where the operator is.
            if let Some(f) = core.field_mut(Until) {
                f.notes = match parsed {
                    Ok(_) => vec![(Tone::Info, format!("that is {}", display::time(&until)))],
                    Err(_) => Vec::new(),
                };
            }
        }
        !core.all().any(|f| f.error.is_some())
    }

    /// The request Apply sends.
    pub(crate) fn request(&self, core: &Core) -> Request {
        let comment = Some(core.text(Comment)).filter(|c| !c.is_empty());
        let action = match core.text(AlertAction).as_str() {
            "Postpone" => Verb::Postpone(PostponeAlert {
                until: core.text(Until),
                comment,
            }),
            "Close" => Verb::Close(CloseAlert { comment }),
            "Disable" => Verb::Disable,
            _ => Verb::Enable,
        };
        Request::Alert {
            id: self.alert.id.clone(),
            action,
        }
    }
}

impl Body for AlertForm {
    fn title(&self) -> String {
        format!("Alert — {}", self.alert.name)
    }

    fn edited(&mut self, core: &mut Core, _id: FieldId) {
        Self::validate(core);
    }

    fn submit(&mut self, core: &mut Core, _model: &Model) -> Outcome {
        if core.refuse_read_only("not available") {
            return Outcome::default();
        }
        Self::validate(core);
        if core.blocked(|_| "fix the fields marked ⚠ first".into()) {
            return Outcome::default();
        }
        let what = format!(
            "{} the alert {}",
            core.text(AlertAction).to_lowercase(),
            self.alert.name
        );
        let request = self.request(core);
        core.send("apply", what, request, (Role::Muted, "sending…"))
    }

    fn accepted(
        &mut self,
        _core: &mut Core,
        _tag: &'static str,
        answer: &Reply,
        _model: &Model,
    ) -> Outcome {
        let state = match answer {
            Reply::Alert(a) => a.state.display_name(),
            _ => "changed",
        };
        Outcome::close(Some(format!(
            "{}: {}",
            self.alert.name,
            state.to_lowercase()
        )))
    }

    fn refused(&self, _tag: &'static str) -> String {
        "not done".into()
    }

    fn submit_verb(&self) -> &'static str {
        "apply"
    }

    fn intro(&self, _core: &Core, theme: &Theme) -> Vec<Line<'static>> {
        let a = &self.alert;
        let muted = of(theme, Role::Muted);
        let mut intro = vec![Line::from(vec![
            Span::raw(" State: "),
            Span::styled(a.state.display_name(), of(theme, Role::Text)),
            Span::styled(
                format!(
                    "   occurrences {}   last seen {}",
                    a.occurrences,
                    a.last_seen.as_deref().map_or("never".into(), display::time)
                ),
                muted,
            ),
        ])];
        if let Some(fqdn) = &a.service_fqdn {
            intro.push(Line::from(Span::styled(
                format!(" Service: {}", safe(fqdn)),
                muted,
            )));
        }
        // What the alert says about its last occurrence: what it is about, before acting on it.
        for (k, v) in describe::details(&a.details) {
            let line = if k.is_empty() {
                format!(" {}", safe(&v))
            } else {
                format!(" {}: {}", safe(&k), safe(&v))
            };
            intro.push(Line::from(Span::styled(line, of(theme, Role::Text))));
        }
        if let Some(u) = &a.skip_until {
            intro.push(Line::from(Span::styled(
                format!(" Postponed until {}", display::time(u)),
                muted,
            )));
        }
        if let Some(c) = &a.closed_by {
            intro.push(Line::from(Span::styled(
                format!(" Closed by {}", safe(c)),
                muted,
            )));
        }
        if let Some(c) = a.comments.last() {
            intro.push(Line::from(Span::styled(
                format!(
                    " Last comment ({}, {}): {}",
                    safe(&c.author),
                    display::time(&c.time),
                    safe(&c.text)
                ),
                muted,
            )));
        }
        intro.push(Line::from(""));
        intro
    }
}
