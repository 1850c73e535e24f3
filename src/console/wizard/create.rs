//! The create wizard as a shell body: the steps' flow (Next checks the page, General asks the
//! site to validate the subscription, Summary sends the create), the site's answers, and the
//! Progress page following the task.

use super::check::{self, CertInfo};
use super::page::Page;
use super::progress::Progress;
use super::{cdp, cmg, render};
use crate::api::wire::{EventView, SubscriptionCheck};
use crate::console::field::FieldId;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request};
use crate::console::shell::{self, Anchor, Body, Core, Nav, PageView, Shell};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::domain::service::HostedKind;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

/// A create wizard's own state (the fields are the shell's).
pub(crate) struct Wizard {
    /// CDP or CMG.
    pub(super) kind: HostedKind,
    /// The subscription's name, as the site's validation gave it.
    pub(super) subscription_name: Option<String>,
    /// The service certificate, once inspected.
    pub(super) cert: Option<CertInfo>,
    /// The Service FQDN last filled from the certificate (replaced when the certificate changes).
    pub(super) fqdn_auto: Option<String>,
    /// `host.<domain>` prefilled for a wildcard certificate.
    pub(super) placeholder: Option<String>,
    /// The deployment being followed, once the site accepted the create.
    pub(super) progress: Option<Progress>,
    /// First line shown on Summary (↑/↓ scroll it).
    pub(super) scroll: u16,
    /// The site's services as `(Service FQDN, deployment name)`: a Service FQDN one of them
    /// has is refused on Settings, not first at Summary.
    pub(super) taken: Vec<(String, String)>,
}

impl Wizard {
    /// A wizard on its General page with the defaults.
    pub(crate) fn open(kind: HostedKind, model: &Model, keymap: &Keymap) -> Shell<Wizard> {
        let site = model.site.as_ref().map(|s| s.site_code.as_str());
        let mut known: Vec<String> = model
            .cdps
            .iter()
            .chain(model.cmgs.iter())
            .map(|s| s.subscription_id.to_ascii_lowercase())
            .collect();
        known.sort();
        known.dedup();
        let [general, settings, alerts] = match kind {
            HostedKind::Cdp => cdp::pages(site, &known),
            HostedKind::Cmg => cmg::pages(&known),
        };
        let mut fields = [general, settings, alerts].into_iter();
        let pages = Page::ALL
            .iter()
            .map(|p| {
                let page = match fields.next().filter(|_| p.has_fields()) {
                    Some(f) => shell::Page::new(p.title(), f),
                    None => shell::Page::custom(p.title()),
                };
                page.back(p.back())
            })
            .collect();
        let core = Core::new(Nav::Steps, pages, None).discard_prompt("Discard the wizard?");
        let wizard = Wizard {
            kind,
            subscription_name: None,
            cert: None,
            fqdn_auto: None,
            placeholder: None,
            progress: None,
            scroll: 0,
            taken: model
                .cdps
                .iter()
                .chain(model.cmgs.iter())
                .map(|s| (s.service_fqdn.clone(), s.name.clone()))
                .collect(),
        };
        Shell::new(core, wizard, keymap)
    }

    /// The page shown.
    pub(crate) fn page(core: &Core) -> Page {
        Page::at(core.page())
    }

    /// Shows `page` from its top.
    pub(super) fn goto(&mut self, core: &mut Core, page: Page) {
        core.goto(page.index());
        self.scroll = 0;
    }

    fn on_validated(&mut self, core: &mut Core, check: &SubscriptionCheck) {
        if !check.ok {
            let field = refused_field(&check.message);
            core.set_error(field, Some(check.message.clone()));
            core.focus_on(field);
            core.say(
                Role::InputInvalid,
                "The cloud did not accept them: the reason is under the field marked ✗.",
            );
            return;
        }
        if core.text(FieldId::SubscriptionId).is_empty()
            && let Some(f) = core.field_mut(FieldId::SubscriptionId)
        {
            f.set_text(&check.subscription_id);
        }
        self.subscription_name = check.name.clone();
        if let Some(f) = core.field_mut(FieldId::Region) {
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
        self.goto(core, Page::Settings);
    }
}

/// The field a refusal of "validate on Next" concerns. The answer names no field (the site
/// could say which; see the report on the API), so the cloud's words decide: a subscription
/// the cloud does not know goes under the Subscription ID; a certificate it does not take
/// under the management certificate; anything else (the cloud unreachable, the proxy refusing)
/// under the Subscription ID that was being checked.
fn refused_field(message: &str) -> FieldId {
    let m = message.to_ascii_lowercase();
    let refused = m.starts_with("the cloud refused");
    if refused && !m.contains("not known") {
        FieldId::MgmtFile
    } else {
        FieldId::SubscriptionId
    }
}

impl Body for Wizard {
    fn title(&self) -> String {
        match self.kind {
            HostedKind::Cdp => "Create Cloud Distribution Point Wizard".into(),
            HostedKind::Cmg => "Create Cloud Management Gateway Wizard".into(),
        }
    }

    fn edited(&mut self, core: &mut Core, id: FieldId) {
        self.after_edit(core, id);
    }

    fn left(&mut self, core: &mut Core, id: FieldId) {
        self.leave(core, id);
    }

    /// Next.
    fn submit(&mut self, core: &mut Core, _model: &Model) -> Outcome {
        match Wizard::page(core) {
            Page::General if self.validate_page(core) => match check::subscription_input(core) {
                Ok(input) => {
                    return core.send(
                        "validate",
                        "validate the subscription".into(),
                        Request::ValidateSubscription(input),
                        (Role::Text, "Checking with the cloud…"),
                    );
                }
                Err(e) => core.say(Role::InputInvalid, e),
            },
            Page::Settings if self.validate_page(core) => self.goto(core, Page::Alerts),
            Page::Alerts if self.validate_page(core) => self.goto(core, Page::Summary),
            Page::Summary => {
                let request = match self.kind {
                    HostedKind::Cdp => cdp::request(core).map(Request::CreateCdp),
                    HostedKind::Cmg => cmg::request(core).map(Request::CreateCmg),
                };
                let what = format!("create {}", core.text(FieldId::ServiceFqdn));
                match request {
                    Ok(r) => {
                        return core.send(
                            "create",
                            what,
                            r,
                            (Role::Text, "Sending the request to the site…"),
                        );
                    }
                    Err(e) => core.say(Role::InputInvalid, e),
                }
            }
            _ => {}
        }
        Outcome::default()
    }

    fn accepted(
        &mut self,
        core: &mut Core,
        tag: &'static str,
        answer: &Reply,
        model: &Model,
    ) -> Outcome {
        match (tag, answer) {
            ("validate", Reply::Checked(check)) => self.on_validated(core, check),
            ("create", Reply::Accepted(acc)) => {
                let p = Progress::new(acc.clone(), model);
                let done = p.finished().is_some();
                self.progress = Some(p);
                let next = if done {
                    Page::Completion
                } else {
                    Page::Progress
                };
                self.goto(core, next);
            }
            _ => core.say(Role::InputInvalid, format!("unexpected answer to {tag}")),
        }
        Outcome::default()
    }

    /// The site's words alone: the wizard's message area is the site's answer.
    fn refused(&self, _tag: &'static str) -> String {
        String::new()
    }

    fn on_event(&mut self, core: &mut Core, ev: &EventView, model: &Model) {
        if let Some(p) = self.progress.as_mut() {
            p.apply(ev, model);
            if Wizard::page(core) == Page::Progress && p.finished().is_some() {
                self.goto(core, Page::Completion);
            }
        }
    }

    fn page_shown(&mut self, _core: &Core) {
        self.scroll = 0;
    }

    fn page_key(
        &mut self,
        core: &mut Core,
        key: &KeyEvent,
        action: Option<Action>,
        _keymap: &Keymap,
        _model: &Model,
    ) -> Option<Outcome> {
        match (Wizard::page(core), action) {
            (Page::Summary, _) => {
                match key.code {
                    KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
                    KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
                    _ => return None,
                }
                Some(Outcome::default())
            }
            (Page::Progress, Some(Action::Back)) => Some(Outcome::close(Some(
                "the deployment goes on; follow it in the list".into(),
            ))),
            (Page::Completion, Some(Action::Back | Action::Submit)) => Some(Outcome::close(None)),
            // The deployment is under way: nothing else to do here.
            (Page::Progress | Page::Completion, _) => Some(Outcome::default()),
            _ => None,
        }
    }

    fn intro(&self, core: &Core, theme: &Theme) -> Vec<Line<'static>> {
        let what = match self.kind {
            HostedKind::Cdp => "cloud distribution point",
            HostedKind::Cmg => "cloud management gateway",
        };
        let text = match Wizard::page(core) {
            Page::General => "The subscription and its management certificate.".into(),
            Page::Settings => format!("The {what}: region, certificate, names."),
            Page::Alerts => "Thresholds that raise warning and critical alerts.".into(),
            Page::Summary => "What will be sent (↑/↓ scroll). Next creates it.".into(),
            Page::Progress => "Following the deployment; Esc closes (it goes on).".into(),
            Page::Completion => "Enter or Esc closes the wizard.".into(),
        };
        vec![Line::from(Span::styled(text, of(theme, Role::Muted)))]
    }

    fn page_view(&self, core: &Core, width: usize, theme: &Theme, _model: &Model) -> PageView {
        let (lines, top) = match Wizard::page(core) {
            Page::Summary => (
                render::summary_lines(
                    self.kind,
                    self.subscription_name.as_deref(),
                    core,
                    width,
                    theme,
                ),
                usize::from(self.scroll),
            ),
            Page::Progress => (
                render::progress_lines(self.progress.as_ref(), width, theme),
                0,
            ),
            Page::Completion => (
                render::completion_lines(self.kind, self.progress.as_ref(), width, theme),
                0,
            ),
            _ => (Vec::new(), 0),
        };
        PageView {
            lines,
            anchor: Anchor::Top(top),
        }
    }

    fn page_commands(&self, core: &Core) -> Vec<Action> {
        match Wizard::page(core) {
            Page::Summary => vec![Action::NextPage, Action::PrevPage, Action::Back],
            Page::Progress => vec![Action::Back],
            _ => vec![Action::Submit, Action::Back],
        }
    }
}
