//! What a form adds to the shell: its title, its checks as the operator types, its main
//! action, what it makes of the site's answers, and the pages it draws itself.

use super::state::Core;
use crate::api::wire::EventView;
use crate::console::field::FieldId;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply};
use crate::console::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::text::Line;

/// How a page the body draws is scrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Keep this line (the selection) in view.
    Keep(usize),
    /// Show from this line on (as far as the lines allow).
    Top(usize),
}

/// A page the body draws itself (no fields).
#[derive(Debug)]
pub(crate) struct PageView {
    /// Every line of the page; `anchor` picks which of them show.
    pub lines: Vec<Line<'static>>,
    /// How they are scrolled.
    pub anchor: Anchor,
}

impl Default for PageView {
    fn default() -> Self {
        PageView {
            lines: Vec::new(),
            anchor: Anchor::Top(0),
        }
    }
}

/// A form, as the shell runs it.
pub(crate) trait Body: Send {
    /// Title of the window.
    fn title(&self) -> String;

    /// Field `id` changed (typed, pasted, toggled, completed): check as typed.
    fn edited(&mut self, core: &mut Core, id: FieldId);

    /// The focus left field `id` (certificates are inspected here).
    fn left(&mut self, _core: &mut Core, _id: FieldId) {}

    /// The main action: Save or Apply on a dialog (Enter on the last field or the button),
    /// Next on a wizard step (also Ctrl-n). The shell does not call it while the form waits
    /// for an answer.
    fn submit(&mut self, core: &mut Core, model: &Model) -> Outcome;

    /// The site accepted request `tag` with `answer`.
    fn accepted(
        &mut self,
        core: &mut Core,
        tag: &'static str,
        answer: &Reply,
        model: &Model,
    ) -> Outcome;

    /// How the message about a refused request `tag` starts ("not saved"); empty: the site's
    /// words alone.
    fn refused(&self, _tag: &'static str) -> String {
        "not saved".into()
    }

    /// A live event (a wizard's Progress page follows its task).
    fn on_event(&mut self, _core: &mut Core, _ev: &EventView, _model: &Model) {}

    /// The shell showed another page (the operator moved between tabs or steps).
    fn page_shown(&mut self, _core: &Core) {}

    /// A key on a page without fields, before the shell's own (Esc, pages): `Some` when the
    /// body used it.
    fn page_key(
        &mut self,
        _core: &mut Core,
        _key: &KeyEvent,
        _action: Option<Action>,
        _keymap: &Keymap,
        _model: &Model,
    ) -> Option<Outcome> {
        None
    }

    /// Lines above the page (a dialog's notes; a wizard step's one-line intro).
    fn intro(&self, _core: &Core, _theme: &Theme) -> Vec<Line<'static>> {
        Vec::new()
    }

    /// A page without fields, drawn in `width` columns.
    fn page_view(&self, _core: &Core, _width: usize, _theme: &Theme, _model: &Model) -> PageView {
        PageView::default()
    }

    /// The actions valid on a page without fields, for the footer and help.
    fn page_commands(&self, _core: &Core) -> Vec<Action> {
        vec![Action::Back]
    }

    /// A dialog's key hints on a page without fields (fields pages get the shell's).
    fn page_hints(&self, _core: &Core) -> Option<String> {
        None
    }

    /// What the main action is called in the key hints ("save", "apply").
    fn submit_verb(&self) -> &'static str {
        "save"
    }
}
