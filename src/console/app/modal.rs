//! The keys of the modals over the main screen: help and messages, the filter box, the
//! palette, the delete prompt and the detail view; and the palette's commands.

use super::{App, Detail, Modal, Node};
use crate::console::describe;
use crate::console::field::input::Edit;
use crate::console::keymap::{Action, Context, IN_DETAIL};
use crate::console::msg::{Effect, Request};
use crate::console::palette::{self, Command};
use crate::domain::service::Action as ServiceAction;
use crate::domain::service::{HostedKind, delete_confirmed};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    pub(super) fn on_modal_key(&mut self, modal: Modal, key: KeyEvent) -> Vec<Effect> {
        let action = self.keymap.action(&key, Context::Global);
        if action == Some(Action::ForceQuit) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        match modal {
            Modal::Help | Modal::Message(_) => {
                if !matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?')
                ) {
                    self.modal = Some(modal);
                }
            }
            Modal::Filter(mut input) => match key.code {
                KeyCode::Esc => self.set_filter(String::new()),
                KeyCode::Enter => {}
                _ => {
                    input.handle(&key);
                    self.set_filter(input.text().to_string());
                    self.selected.remove(&self.node);
                    self.modal = Some(Modal::Filter(input));
                }
            },
            Modal::Palette(mut input) => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => return self.run_command(input.text().trim()),
                KeyCode::Tab => {
                    let c = palette::complete(input.text(), &self.theme_names);
                    input.set(&c.line);
                    self.notice = (!c.choices.is_empty()).then(|| c.choices.join("  "));
                    self.modal = Some(Modal::Palette(input));
                }
                _ => {
                    if input.handle(&key) == Edit::Changed {
                        self.notice = None;
                    }
                    self.modal = Some(Modal::Palette(input));
                }
            },
            Modal::ConfirmDelete {
                id,
                fqdn,
                name,
                kind,
                mut typed,
            } => match key.code {
                // Only the name typed out confirms: Esc, or Enter before a name matches, cancel.
                KeyCode::Esc => self.notice = Some("delete cancelled".into()),
                KeyCode::Enter => {
                    if delete_confirmed(typed.text(), &fqdn, &name) {
                        let what = format!("delete {fqdn}");
                        return vec![self.request(
                            &what,
                            Request::Act {
                                kind,
                                id,
                                action: ServiceAction::Delete,
                            },
                        )];
                    }
                    self.notice = Some("delete cancelled".into());
                }
                _ => {
                    typed.handle(&key);
                    self.modal = Some(Modal::ConfirmDelete {
                        id,
                        fqdn,
                        name,
                        kind,
                        typed,
                    });
                }
            },
            Modal::Detail(d) => return self.detail_key(d, key),
        }
        Vec::new()
    }

    fn detail_key(&mut self, mut d: Detail, key: KeyEvent) -> Vec<Effect> {
        let main = self
            .keymap
            .action(&key, Context::Main)
            .filter(|a| IN_DETAIL.contains(a));
        let action = self.keymap.action(&key, Context::Detail).or(main);
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match action {
            Some(Action::Back) => return Vec::new(),
            Some(Action::Copy) => {
                let text = describe::describe(&self.model, &d.target)
                    .map(|doc| doc.plain())
                    .unwrap_or_default();
                self.notice = Some(format!(
                    "copied {} lines to the clipboard (OSC 52; the terminal must allow it)",
                    text.lines().count()
                ));
                self.modal = Some(Modal::Detail(d));
                return vec![Effect::Copy(text)];
            }
            Some(Action::Plain) => d.plain = !d.plain,
            Some(Action::Properties) => {
                self.properties(&d.target);
                if self.form.is_some() {
                    return Vec::new();
                }
            }
            Some(Action::Up) => {
                d.scroll.key(KeyCode::Up);
            }
            Some(Action::Down) => {
                d.scroll.key(KeyCode::Down);
            }
            _ if plain => {
                d.scroll.key(key.code);
            }
            _ => {}
        }
        self.modal = Some(Modal::Detail(d));
        Vec::new()
    }

    /// Runs a palette command (`cdp`, `create cmg`, `theme NAME`, `quit`, …; see
    /// [`palette::COMMANDS`]).
    pub fn run_command(&mut self, cmd: &str) -> Vec<Effect> {
        self.notice = None;
        match palette::parse(cmd, &self.theme_names) {
            Ok(Command::Nothing) => {}
            Ok(Command::Go(n)) => {
                self.filters.remove(&n);
                self.scopes.remove(&n);
                self.show(n);
            }
            Ok(Command::Create(kind)) => {
                let kind = kind.or(match self.node {
                    Node::Cdps => Some(HostedKind::Cdp),
                    Node::Cmgs => Some(HostedKind::Cmg),
                    _ => None,
                });
                return self.create(kind);
            }
            Ok(Command::Theme(name)) => self.theme = name,
            Ok(Command::Quit) => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Err(e) => self.notice = Some(e),
        }
        Vec::new()
    }
}
