//! The shell as the app sees it: a [`Form`] made of the shell's state and a body. Keys and
//! pastes are handled here for every form.

use super::body::Body;
use super::state::{Core, Nav};
use super::{reply, steps_view, tabs_view};
use crate::api::client::ClientError;
use crate::api::wire::EventView;
use crate::console::confirm;
use crate::console::field::{FieldId, FieldKey, Kind, TabResult};
use crate::console::form::Form;
use crate::console::keymap::{Action, Context, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply};
use crate::console::theme::{Role, Theme};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

/// A form: the shell's state and the form's own.
pub(crate) struct Shell<B> {
    /// Pages, fields, focus, message.
    pub core: Core,
    /// The form's own part: its checks, its requests and the pages it draws.
    pub body: B,
    hints: String,
}

impl<B: Body> Shell<B> {
    /// Runs `body` on `core`; `keymap` names the keys in a dialog's key hints.
    pub(crate) fn new(core: Core, body: B, keymap: &Keymap) -> Self {
        let tabs = core.nav() == Nav::Tabs && core.pages().len() > 1;
        let hints = tabs_view::field_hints(keymap, tabs, body.submit_verb());
        Shell { core, body, hints }
    }

    /// Field `id` changed: the body checks it (with the dependent fields enabled as they now
    /// are), and the last message is stale.
    fn changed(&mut self, id: FieldId) {
        self.core.sync_enabled();
        self.core.message = None;
        self.body.edited(&mut self.core, id);
        self.core.sync_enabled();
    }

    fn submit(&mut self, model: &Model) -> Outcome {
        if self.core.busy() {
            return Outcome::default();
        }
        self.body.submit(&mut self.core, model)
    }

    fn cancel(&mut self) -> Outcome {
        if self.core.dirty() {
            self.core.confirm = true;
            return Outcome::default();
        }
        Outcome::close(None)
    }

    fn next_page(&mut self, model: &Model) -> Outcome {
        match self.core.nav() {
            Nav::Tabs => {
                let n = self.core.pages().len().max(1);
                self.core.goto((self.core.page() + 1) % n);
                Outcome::default()
            }
            Nav::Steps => self.submit(model),
        }
    }

    fn prev_page(&mut self) {
        let (page, n) = (self.core.page(), self.core.pages().len().max(1));
        match self.core.nav() {
            Nav::Tabs => self.core.goto((page + n - 1) % n),
            Nav::Steps => {
                if !self.core.busy() && page > 0 && self.core.pages()[page].back {
                    self.core.goto(page - 1);
                }
            }
        }
    }

    /// A key: the discard question first, then a page the body draws, the page keys, and
    /// the focused field.
    fn key(&mut self, key: KeyEvent, keymap: &Keymap, model: &Model) -> Outcome {
        let action = keymap.action(&key, Context::Form);
        if self.core.confirm {
            // The key answers the question and does nothing else; only `y` discards.
            self.core.confirm = false;
            if confirm::yes(&key) {
                return Outcome::close(Some("changes discarded".into()));
            }
            self.core.say(Role::Muted, "kept editing");
            return Outcome::default();
        }
        let custom = self.core.fields().is_empty();
        if custom
            && let Some(out) = self
                .body
                .page_key(&mut self.core, &key, action, keymap, model)
        {
            return out;
        }
        match action {
            Some(Action::Back) => return self.cancel(),
            Some(Action::NextPage) => return self.next_page(model),
            Some(Action::PrevPage) => {
                self.prev_page();
                return Outcome::default();
            }
            _ => {}
        }
        if custom {
            return match action {
                Some(Action::Submit) => self.submit(model),
                _ => Outcome::default(),
            };
        }
        if self.core.busy() {
            return Outcome::default();
        }
        self.field_key(key, action, model)
    }

    fn field_key(&mut self, key: KeyEvent, action: Option<Action>, model: &Model) -> Outcome {
        let before = self.core.focused_id();
        let editable = self.core.editable();
        match action {
            Some(Action::NextField) => {
                let tab = match self.core.focused_mut() {
                    Some(f) if editable && matches!(f.kind, Kind::File | Kind::Files) => f.tab(),
                    _ => TabResult::MoveOn,
                };
                match (tab, before) {
                    (TabResult::Completed, Some(id)) => self.changed(id),
                    (TabResult::MoveOn, _) => self.core.move_focus(true),
                    _ => {}
                }
            }
            Some(Action::PrevField) => self.core.move_focus(false),
            Some(Action::Submit) => {
                let press = self.core.focused().is_none_or(|f| f.kind == Kind::Button)
                    || self.core.on_last_field();
                if press {
                    return self.submit(model);
                }
                self.core.move_focus(true);
            }
            _ => match key.code {
                KeyCode::Up => self.core.move_focus(false),
                KeyCode::Down => self.core.move_focus(true),
                _ => {
                    let result = self.core.focused_mut().map(|f| f.on_key(&key, editable));
                    match (result, before) {
                        (Some(FieldKey::Changed), Some(id)) => self.changed(id),
                        (Some(FieldKey::Refused), _) => {
                            let why = self.core.read_only().unwrap_or_default();
                            self.core
                                .say(Role::AlertWarning, format!("read-only: {why}"));
                        }
                        _ => {}
                    }
                }
            },
        }
        if let Some(id) = before
            && self.core.focused_id() != Some(id)
        {
            self.body.left(&mut self.core, id);
        }
        self.core.settle_focus();
        Outcome::default()
    }
}

impl<B: Body> Form for Shell<B> {
    fn title(&self) -> String {
        self.body.title()
    }

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, model: &Model) -> Outcome {
        let page = self.core.page();
        let out = self.key(key, keymap, model);
        if self.core.page() != page {
            self.body.page_shown(&self.core);
        }
        out
    }

    fn on_paste(&mut self, text: &str, _model: &Model) -> Outcome {
        if self.core.confirm || self.core.busy() {
            return Outcome::default();
        }
        let editable = self.core.editable();
        let Some(f) = self.core.focused_mut().filter(|f| f.is_textual()) else {
            return Outcome::default();
        };
        if !editable {
            let why = self.core.read_only().unwrap_or_default();
            self.core
                .say(Role::AlertWarning, format!("read-only: {why}"));
            return Outcome::default();
        }
        let id = f.id;
        match f.paste(text) {
            Ok(true) => self.changed(id),
            Ok(false) => {}
            Err(e) => self.core.say(Role::InputInvalid, e.to_string()),
        }
        Outcome::default()
    }

    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<Reply, ClientError>,
        model: &Model,
    ) -> Outcome {
        reply::route(&mut self.core, &mut self.body, tag, result, model)
    }

    fn on_event(&mut self, ev: &EventView, model: &Model) {
        self.body.on_event(&mut self.core, ev, model);
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, model: &Model) {
        match self.core.nav() {
            Nav::Tabs => {
                tabs_view::draw(&self.core, &self.body, &self.hints, f, area, theme, model)
            }
            Nav::Steps => steps_view::draw(&self.core, &self.body, f, area, theme, model),
        }
    }

    fn commands(&self) -> Vec<Action> {
        let core = &self.core;
        if core.fields().is_empty() {
            return self.body.page_commands(core);
        }
        let mut v = vec![Action::NextField, Action::PrevField];
        match core.nav() {
            Nav::Tabs if core.pages().len() > 1 => v.extend([Action::NextPage, Action::PrevPage]),
            Nav::Tabs => {}
            Nav::Steps => {
                v.push(Action::NextPage);
                if core.pages()[core.page()].back {
                    v.push(Action::PrevPage);
                }
            }
        }
        v.extend([Action::Submit, Action::Back]);
        v
    }
}
