//! The create wizards: Create Cloud Distribution Point and Create Cloud Management Gateway.
//!
//! Pages General → Settings → Alerts → Summary → Progress → Completion (domain.md §1–§2).
//! Fields are validated as typed with the `domain` rules and again on Next; certificates are
//! inspected locally as soon as a file and its password are given (leaving the password
//! field, or Next), with errors blocking Next and warnings shown. General's Next asks the site
//! to validate the subscription; Summary's Next sends the create; Progress follows the task.
//!
//! Keys: Tab/Shift-Tab (and ↑/↓) move between fields — Tab in a file field first completes
//! the path (see [`fields`]); Ctrl-n/PageDown Next, Ctrl-p/PageUp Previous, Enter on the
//! last field = Next; ←/→ choose, Space toggles; Esc cancels (asks first when something was
//! typed) and closes Progress/Completion (the task goes on).

mod cdp;
mod check;
mod cmg;
pub mod fields;
mod inline;
mod progress;
mod render;
#[cfg(test)]
pub(crate) mod tests;

use super::form::Form;
use super::keymap::{Action, Context, Keymap};
use super::model::Model;
use super::msg::{FormRequest, Outcome, Request};
use super::theme::Theme;
use crate::api::wire::{Accepted, EventView, SubscriptionCheck};
use crate::cloud::HostedKind;
pub use check::{CertInfo, Inspection, inspect_cert, upload_file};
use check::{Ctx, Values};
use crossterm::event::{KeyCode, KeyEvent};
use fields::{Field, Kind, TabResult, Tone};
use progress::Progress;
use ratatui::Frame;
use ratatui::layout::Rect;
pub use render::wrap;

/// Opens the create wizard of `kind`.
pub fn open(kind: HostedKind, model: &Model) -> Box<dyn Form> {
    Box::new(Wizard::new(kind, model))
}

/// A wizard page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Page {
    /// Subscription and management certificate.
    General,
    /// Region, certificate, names, options.
    Settings,
    /// Thresholds.
    Alerts,
    /// Everything that will be sent.
    Summary,
    /// The task, live.
    Progress,
    /// What happened and what next.
    Completion,
}

impl Page {
    /// Every page in order.
    pub const ALL: [Page; 6] = [
        Page::General,
        Page::Settings,
        Page::Alerts,
        Page::Summary,
        Page::Progress,
        Page::Completion,
    ];

    /// Name as listed.
    pub fn title(self) -> &'static str {
        match self {
            Page::General => "General",
            Page::Settings => "Settings",
            Page::Alerts => "Alerts",
            Page::Summary => "Summary",
            Page::Progress => "Progress",
            Page::Completion => "Completion",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn has_fields(self) -> bool {
        self <= Page::Alerts
    }
}

/// A create wizard.
pub struct Wizard {
    kind: HostedKind,
    page: Page,
    /// Fields of General, Settings and Alerts.
    pages: Vec<Vec<Field>>,
    focus: usize,
    /// The request being waited for (`validate`, `create`).
    busy: Option<&'static str>,
    /// A page-level message (the cloud's answer, an error of the create).
    message: Option<(Tone, String)>,
    subscription_name: Option<String>,
    confirm_discard: bool,
    touched: bool,
    cert: Option<CertInfo>,
    /// The Service FQDN last filled from the certificate (replaced when the certificate changes).
    fqdn_auto: Option<String>,
    /// `host.<domain>` prefilled for a wildcard certificate.
    placeholder: Option<String>,
    progress: Option<Progress>,
    /// First line shown on Summary (↑/↓ scroll it).
    scroll: u16,
}

impl Wizard {
    /// A wizard on its General page with the defaults.
    pub fn new(kind: HostedKind, model: &Model) -> Self {
        let site = model.site.as_ref().map(|s| s.site_code.as_str());
        Wizard {
            kind,
            page: Page::General,
            pages: match kind {
                HostedKind::Cdp => cdp::pages(site),
                HostedKind::Cmg => cmg::pages(),
            },
            focus: 0,
            busy: None,
            message: None,
            subscription_name: None,
            confirm_discard: false,
            touched: false,
            cert: None,
            fqdn_auto: None,
            placeholder: None,
            progress: None,
            scroll: 0,
        }
    }

    /// The page shown.
    pub fn page(&self) -> Page {
        self.page
    }

    fn fields(&self) -> &[Field] {
        if self.page.has_fields() {
            &self.pages[self.page.index()]
        } else {
            &[]
        }
    }

    fn values(&self) -> Values<'_> {
        Values(&self.pages)
    }

    fn field_mut(&mut self, id: &str) -> Option<&mut Field> {
        check::field_mut(&mut self.pages, id)
    }

    fn focused_id(&self) -> Option<&'static str> {
        self.fields().get(self.focus).map(|f| f.id)
    }

    fn enabled_at(&self, i: usize) -> bool {
        self.fields()
            .get(i)
            .is_some_and(|f| self.values().enabled(f))
    }

    fn revalidate(&mut self, id: &str, strict: bool) {
        let rule = {
            let v = self.values();
            let ctx = Ctx {
                kind: self.kind,
                cert: self.cert.as_ref(),
                placeholder: self.placeholder.as_deref(),
            };
            match v.get(id) {
                Some(f) => check::rule(&v, f, &ctx, strict),
                None => return,
            }
        };
        if let Some(f) = self.field_mut(id) {
            f.error = rule;
        }
    }

    fn first_enabled(&self) -> usize {
        (0..self.fields().len())
            .find(|i| self.enabled_at(*i))
            .unwrap_or(0)
    }

    fn goto(&mut self, page: Page) {
        self.page = page;
        self.focus = self.first_enabled();
        self.message = None;
        self.confirm_discard = false;
        self.scroll = 0;
    }

    fn move_focus(&mut self, forward: bool) {
        if let Some(id) = self.focused_id() {
            self.leave(id);
        }
        let n = self.fields().len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if self.enabled_at(i) {
                break;
            }
        }
        self.focus = i;
    }

    fn is_last_field(&self) -> bool {
        !(self.focus + 1..self.fields().len()).any(|i| self.enabled_at(i))
    }

    fn request(
        &mut self,
        tag: &'static str,
        what: String,
        path: &str,
        body: serde_json::Value,
        waiting: &str,
    ) -> Outcome {
        self.busy = Some(tag);
        self.message = Some((Tone::Info, waiting.to_string()));
        Outcome {
            requests: vec![FormRequest {
                tag,
                what,
                request: Request::Call {
                    method: "POST",
                    path: path.to_string(),
                    body,
                },
            }],
            ..Outcome::default()
        }
    }

    fn next(&mut self) -> Outcome {
        if self.busy.is_some() {
            return Outcome::default();
        }
        let page = self.page;
        match page {
            Page::General if self.validate_page() => {
                match check::subscription_input(&self.values()) {
                    Ok(input) => {
                        let body = serde_json::to_value(input).unwrap_or_default();
                        return self.request(
                            "validate",
                            "validate the subscription".into(),
                            "/v1/subscriptions/validate",
                            body,
                            "Checking with the cloud…",
                        );
                    }
                    Err(e) => self.message = Some((Tone::Error, e)),
                }
            }
            Page::Settings if self.validate_page() => self.goto(Page::Alerts),
            Page::Alerts if self.validate_page() => self.goto(Page::Summary),
            Page::Summary => {
                let v = self.values();
                let body = match self.kind {
                    HostedKind::Cdp => cdp::body(&v),
                    HostedKind::Cmg => cmg::body(&v),
                };
                let path = match self.kind {
                    HostedKind::Cdp => "/v1/cdps",
                    HostedKind::Cmg => "/v1/cmgs",
                };
                let what = format!("create {}", v.text("service_fqdn"));
                match body {
                    Ok(b) => {
                        return self.request(
                            "create",
                            what,
                            path,
                            b,
                            "Sending the request to the site…",
                        );
                    }
                    Err(e) => self.message = Some((Tone::Error, e)),
                }
            }
            _ => {}
        }
        Outcome::default()
    }

    fn prev(&mut self) {
        if self.busy.is_none() && self.page > Page::General && self.page <= Page::Summary {
            let p = Page::ALL[self.page.index() - 1];
            self.goto(p);
        }
    }

    fn cancel(&mut self) -> Outcome {
        if self.page >= Page::Progress || !self.touched {
            return Outcome {
                close: true,
                ..Outcome::default()
            };
        }
        self.confirm_discard = true;
        Outcome::default()
    }

    /// A site error: under its field when the site names one, and on the page with a hint.
    fn show_error(&mut self, e: &str) {
        let mut text = e.to_string();
        if let Some((id, rule)) = check::server_field(e) {
            let page = self
                .pages
                .iter()
                .position(|p| p.iter().any(|f| f.id == id))
                .map(|i| Page::ALL[i]);
            if let Some(f) = self.field_mut(id) {
                f.error = Some(rule);
            }
            if let Some(p) = page
                && p != self.page
            {
                text = format!(
                    "{e} — the field is on the {} page: go back with Previous",
                    p.title()
                );
            }
        }
        self.message = Some((Tone::Error, text));
    }

    fn on_field_key(&mut self, key: KeyEvent, action: Option<Action>) -> Outcome {
        match action {
            Some(Action::NextPage) => return self.next(),
            Some(Action::PrevPage) => self.prev(),
            Some(Action::Back) => return self.cancel(),
            _ if self.busy.is_some() => {}
            Some(Action::NextField) => {
                let tab = match self.fields().get(self.focus) {
                    Some(f) if matches!(f.kind, Kind::File | Kind::Files) => {
                        let i = (self.page.index(), self.focus);
                        self.pages[i.0][i.1].tab()
                    }
                    _ => TabResult::MoveOn,
                };
                match tab {
                    TabResult::MoveOn => self.move_focus(true),
                    TabResult::Completed => {
                        if let Some(id) = self.focused_id() {
                            self.edited(id);
                        }
                    }
                    TabResult::Listed => {}
                }
            }
            Some(Action::PrevField) => self.move_focus(false),
            Some(Action::Submit) => {
                if self.is_last_field() {
                    return self.next();
                }
                self.move_focus(true);
            }
            _ => match key.code {
                KeyCode::Up => self.move_focus(false),
                KeyCode::Down => self.move_focus(true),
                _ => {
                    let i = (self.page.index(), self.focus);
                    let changed = self
                        .pages
                        .get_mut(i.0)
                        .and_then(|p| p.get_mut(i.1))
                        .is_some_and(|f| f.edit(&key));
                    if changed && let Some(id) = self.focused_id() {
                        self.edited(id);
                    }
                }
            },
        }
        Outcome::default()
    }
}

impl Form for Wizard {
    fn title(&self) -> String {
        match self.kind {
            HostedKind::Cdp => "Create Cloud Distribution Point Wizard".into(),
            HostedKind::Cmg => "Create Cloud Management Gateway Wizard".into(),
        }
    }

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, _model: &Model) -> Outcome {
        if self.confirm_discard {
            self.confirm_discard = false;
            return Outcome {
                close: matches!(key.code, KeyCode::Char('y' | 'Y')),
                ..Outcome::default()
            };
        }
        let action = keymap.action(&key, Context::Form);
        match self.page {
            Page::General | Page::Settings | Page::Alerts => self.on_field_key(key, action),
            Page::Summary => match action {
                Some(Action::NextPage | Action::Submit) => self.next(),
                Some(Action::PrevPage) => {
                    self.prev();
                    Outcome::default()
                }
                Some(Action::Back) => self.cancel(),
                _ => {
                    match key.code {
                        KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
                        KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
                        _ => {}
                    }
                    Outcome::default()
                }
            },
            Page::Progress => match action {
                Some(Action::Back) => Outcome {
                    close: true,
                    notice: Some("the deployment goes on; follow it in the list".into()),
                    ..Outcome::default()
                },
                _ => Outcome::default(),
            },
            Page::Completion => match action {
                Some(Action::Back | Action::Submit) => Outcome {
                    close: true,
                    ..Outcome::default()
                },
                _ => Outcome::default(),
            },
        }
    }

    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<serde_json::Value, String>,
        model: &Model,
    ) -> Outcome {
        if self.busy != Some(tag) {
            return Outcome::default();
        }
        self.busy = None;
        match (tag, result) {
            ("validate", Ok(v)) => match serde_json::from_value::<SubscriptionCheck>(v.clone()) {
                Ok(check) if check.ok => {
                    if self.values().text("subscription_id").is_empty()
                        && let Some(f) = self.field_mut("subscription_id")
                    {
                        f.set_text(&check.subscription_id);
                    }
                    self.subscription_name = check.name.clone();
                    if let Some(f) = self.field_mut("region") {
                        let offered: Vec<String> = f
                            .options()
                            .iter()
                            .filter(|o| check.regions.iter().any(|r| r.eq_ignore_ascii_case(o)))
                            .cloned()
                            .collect();
                        if !offered.is_empty() {
                            f.set_options(offered);
                        }
                    }
                    self.goto(Page::Settings);
                }
                Ok(check) => self.message = Some((Tone::Error, check.message)),
                Err(e) => self.message = Some((Tone::Error, format!("unexpected answer: {e}"))),
            },
            ("create", Ok(v)) => match serde_json::from_value::<Accepted>(v.clone()) {
                Ok(acc) => {
                    let p = Progress::new(acc, model);
                    let done = p.finished().is_some();
                    self.progress = Some(p);
                    self.goto(if done {
                        Page::Completion
                    } else {
                        Page::Progress
                    });
                }
                Err(e) => self.message = Some((Tone::Error, format!("unexpected answer: {e}"))),
            },
            (_, Err(e)) => self.show_error(e),
            _ => {}
        }
        Outcome::default()
    }

    fn on_event(&mut self, ev: &EventView, model: &Model) {
        if let Some(p) = self.progress.as_mut() {
            p.apply(ev, model);
            if self.page == Page::Progress && p.finished().is_some() {
                self.goto(Page::Completion);
            }
        }
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, _model: &Model) {
        render::render(self, f, area, theme);
    }

    fn commands(&self) -> Vec<Action> {
        match self.page {
            Page::General => vec![
                Action::NextField,
                Action::PrevField,
                Action::NextPage,
                Action::Submit,
                Action::Back,
            ],
            Page::Settings | Page::Alerts => vec![
                Action::NextField,
                Action::PrevField,
                Action::NextPage,
                Action::PrevPage,
                Action::Submit,
                Action::Back,
            ],
            Page::Summary => vec![Action::NextPage, Action::PrevPage, Action::Back],
            Page::Progress => vec![Action::Back],
            Page::Completion => vec![Action::Submit, Action::Back],
        }
    }
}
