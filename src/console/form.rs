//! Forms on top of the main screen: the create wizards, Properties, the Proxy tab. A form
//! owns its fields and pages, draws itself, and asks the app to send requests; the app routes
//! the answers (and live events) back to it. Every form is a [`super::shell::Shell`].

use super::keymap::{Action, Keymap};
use super::model::Model;
use super::msg::{Outcome, Reply};
use super::theme::Theme;
use crate::api::client::ClientError;
use crate::api::wire::EventView;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// A form.
pub trait Form: Send {
    /// Title of the form's window.
    fn title(&self) -> String;
    /// A key press (the form resolves it with the keymap's `Form` context itself).
    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, model: &Model) -> Outcome;
    /// Text pasted into the terminal (bracketed paste): for the focused text field.
    fn on_paste(&mut self, text: &str, model: &Model) -> Outcome;
    /// The answer to one of its requests.
    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<Reply, ClientError>,
        model: &Model,
    ) -> Outcome;
    /// A live event (progress pages follow tasks and log lines).
    fn on_event(&mut self, _ev: &EventView, _model: &Model) {}
    /// Draws the form in `area`, with the terminal cursor in the field being edited.
    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, model: &Model);
    /// The actions valid now, for the footer and help.
    fn commands(&self) -> Vec<Action>;
}
