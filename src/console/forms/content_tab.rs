//! The Content tab of a service's Properties (domain.md §7): the packages on this service with
//! their state (In progress / Success / Failed with the reason / Removing) and size, and keys
//! to Redistribute or Remove the selected one (a distribution request naming this service). Remove asks first; read-only tokens see both disabled with the reason.
//! The list is read from the model on every frame, so `distribution` events move it live.

use crate::api::operations::Distribution;
use crate::api::wire::{ContentTargets, DistributionState, DistributionView};
use crate::console::confirm;
use crate::console::keymap::{Action, Context, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request};
use crate::console::shell::{Anchor, Core, PageView, tab_keys};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::text::safe;
use crate::console::ui::usage::distribution_state;
use crate::display::size;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

/// Reply tags of the tab's requests.
pub(crate) const TAGS: [&str; 2] = ["redistribute", "remove"];

/// The Content tab of one service.
pub(crate) struct ContentTab {
    service_id: String,
    fqdn: String,
    selected: usize,
    /// The package awaiting the operator's confirmation of Remove.
    confirm: Option<String>,
    hints: String,
}

impl ContentTab {
    /// The tab of the service `service_id` (`fqdn` for messages).
    pub(crate) fn new(service_id: &str, fqdn: &str, keymap: &Keymap) -> Self {
        ContentTab {
            service_id: service_id.to_string(),
            fqdn: fqdn.to_string(),
            selected: 0,
            confirm: None,
            hints: Self::key_hints(keymap),
        }
    }

    fn rows<'m>(&self, model: &'m Model) -> &'m [DistributionView] {
        model.service_distributions(&self.service_id)
    }

    fn current<'m>(&self, model: &'m Model) -> Option<&'m DistributionView> {
        let rows = self.rows(model);
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
    }

    /// The commands of the tab, for the footer.
    pub(crate) fn commands() -> Vec<Action> {
        vec![
            Action::Redistribute,
            Action::Remove,
            Action::NextPage,
            Action::PrevPage,
            Action::Back,
        ]
    }

    /// Key hints for the window's last line.
    pub(crate) fn hints(&self) -> &str {
        &self.hints
    }

    fn key_hints(keymap: &Keymap) -> String {
        let first = |a: Action| {
            let k = keymap.keys_text(a);
            k.split('/').next().unwrap_or_default().to_string()
        };
        format!(
            "↑/↓ package · {} redistribute · {} remove · {} tab · {} close",
            first(Action::Redistribute),
            first(Action::Remove),
            tab_keys(keymap),
            first(Action::Back)
        )
    }

    /// A key on this tab: `Some` when the tab used it; `None` leaves it to the shell (tabs,
    /// Esc).
    pub(crate) fn on_key(
        &mut self,
        core: &mut Core,
        key: &KeyEvent,
        keymap: &Keymap,
        model: &Model,
    ) -> Option<Outcome> {
        let action = keymap.action(key, Context::Form);
        if let Some(id) = self.confirm.take() {
            // Cancel is the default: only `y` removes (Enter too cancels).
            if confirm::yes(key) {
                return Some(self.send(core, Distribution::Remove, &id));
            }
            core.say(Role::Muted, "remove cancelled");
            return Some(Outcome::default());
        }
        let n = self.rows(model).len();
        let main = keymap.action(key, Context::Main);
        match action {
            Some(a @ (Action::Redistribute | Action::Remove)) => {
                let verb = if a == Action::Remove {
                    "Remove"
                } else {
                    "Redistribute"
                };
                if let Some(why) = core.read_only() {
                    core.say(Role::AlertWarning, format!("{verb}: not available ({why})"));
                    return Some(Outcome::default());
                }
                let Some(d) = self.current(model) else {
                    core.say(Role::Muted, format!("{verb}: no package on this service"));
                    return Some(Outcome::default());
                };
                let id = d.package_id.clone();
                if a == Action::Redistribute {
                    return Some(self.send(core, Distribution::Redistribute, &id));
                }
                core.say(
                    Role::AlertWarning,
                    confirm::question(&format!("Remove {id}?"), "removes", "cancels"),
                );
                self.confirm = Some(id);
                Some(Outcome::default())
            }
            // No field to submit here: Enter must not save-and-close the whole form.
            Some(Action::Submit) => Some(Outcome::default()),
            _ if key.code == KeyCode::Up || main == Some(Action::Up) => {
                self.selected = self.selected.min(n.saturating_sub(1)).saturating_sub(1);
                Some(Outcome::default())
            }
            _ if key.code == KeyCode::Down || main == Some(Action::Down) => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
                Some(Outcome::default())
            }
            _ => None,
        }
    }

    fn send(&mut self, core: &mut Core, distribution: Distribution, package: &str) -> Outcome {
        let (what, msg) = if distribution == Distribution::Remove {
            (
                format!("remove {package} from {}", self.fqdn),
                format!("removing {package} from {}…", self.fqdn),
            )
        } else {
            (
                format!("redistribute {package} to {}", self.fqdn),
                format!("redistributing {package} to {}…", self.fqdn),
            )
        };
        core.say(Role::Muted, msg);
        // The verb is the reply tag: one of `TAGS`.
        core.side_request(
            distribution.verb(),
            what,
            Request::Distribution {
                package: package.to_string(),
                what: distribution,
                targets: ContentTargets {
                    services: vec![self.service_id.clone()],
                },
            },
        )
    }

    /// The site accepted a Redistribute or Remove: the form stays open and says so (the new
    /// state arrives as `distribution` events).
    pub(crate) fn accepted(&mut self, core: &mut Core, tag: &str, answer: &Reply) {
        let (id, warnings) = match answer {
            Reply::Package(c) => (c.package.id.as_str(), c.warnings.as_slice()),
            _ => ("", &[][..]),
        };
        let done = if tag == "remove" {
            format!("{id}: removal from {} started", self.fqdn)
        } else {
            format!("{id}: redistribution to {} started", self.fqdn)
        };
        if warnings.is_empty() {
            core.say(Role::Text, done);
        } else {
            core.say(
                Role::AlertWarning,
                format!("{done} · {}", warnings.join(" · ")),
            );
        }
    }

    /// The lines above the list.
    pub(crate) fn intro(
        &self,
        read_only: Option<&'static str>,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let mut intro = vec![Line::from(Span::styled(
            format!(
                " Packages on {} and their distribution state.",
                safe(&self.fqdn)
            ),
            of(theme, Role::Text),
        ))];
        if let Some(why) = read_only {
            intro.push(Line::from(Span::styled(
                format!(" Redistribute and Remove are not available: {why}."),
                of(theme, Role::Muted),
            )));
        }
        intro.push(Line::from(""));
        intro
    }

    /// The packages, the selected one highlighted and kept in view.
    pub(crate) fn view(&self, model: &Model, theme: &Theme) -> PageView {
        let muted = of(theme, Role::Muted);
        let rows = self.rows(model);
        if rows.is_empty() {
            let lines = vec![
                Line::from(Span::styled(
                    " No packages are distributed to this service.",
                    muted,
                )),
                Line::from(Span::styled(
                    format!(
                        " Distribute one with: cloudsite content distribute PACKAGE --to {}",
                        safe(&self.fqdn)
                    ),
                    muted,
                )),
            ];
            return PageView {
                lines,
                anchor: Anchor::Keep(0),
            };
        }
        let id_w = rows
            .iter()
            .map(|d| safe(&d.package_id).chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        let name_w = rows
            .iter()
            .map(|d| safe(&d.package_name).chars().count())
            .max()
            .unwrap_or(0)
            .clamp(4, 24);
        let mut body = vec![Line::from(Span::styled(
            format!(
                "  {:<id_w$}  {:<name_w$}  {:<11}  {:>8}",
                "Package", "Name", "State", "Size"
            ),
            of(theme, Role::Header),
        ))];
        let sel = self.selected.min(rows.len() - 1);
        let mut sel_line = 1;
        for (i, d) in rows.iter().enumerate() {
            let (state, role) = distribution_state(d.state);
            let name: String = safe(&d.package_name).chars().take(name_w).collect();
            // `›` marks the selection without colour too (NO_COLOR, screen readers).
            let mark = if i == sel { "›" } else { " " };
            let row = format!("{mark} {:<id_w$}  {name:<name_w$}  ", safe(&d.package_id));
            let bytes = format!("  {:>8}", size(d.size));
            let state = format!("{state:<11}");
            if i == sel {
                sel_line = body.len();
                let focus = of(theme, Role::Focus);
                body.push(Line::from(vec![
                    Span::styled(row, focus),
                    Span::styled(state, focus),
                    Span::styled(bytes, focus),
                ]));
            } else {
                body.push(Line::from(vec![
                    Span::raw(row),
                    Span::styled(state, of(theme, role)),
                    Span::raw(bytes),
                ]));
            }
            // The reason gets a line of its own: a failure must be readable in full.
            if let Some(reason) = &d.reason {
                let (sign, style) = if d.state == DistributionState::Failed {
                    ("⚠", of(theme, Role::StatusError))
                } else {
                    ("…", muted)
                };
                body.push(Line::from(Span::styled(
                    format!("    {sign} {}", safe(reason)),
                    style,
                )));
            }
        }
        if let Some(id) = &self.confirm {
            let name = rows
                .iter()
                .find(|d| &d.package_id == id)
                .map(|d| d.package_name.as_str())
                .unwrap_or_default();
            let warn = of(theme, Role::AlertWarning);
            body.extend([
                Line::from(""),
                Line::from(Span::styled(
                    safe(&format!(" Remove {id} ({name}) from {}?", self.fqdn)),
                    warn,
                )),
                Line::from(Span::styled(
                    " Its files are deleted from the service's storage.",
                    warn,
                )),
            ]);
        }
        PageView {
            lines: body,
            anchor: Anchor::Keep(sel_line),
        }
    }
}
