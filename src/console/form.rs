//! Forms on top of the main screen: the create wizards, Properties, the Proxy tab. A form
//! owns its fields and pages, draws itself, and asks the app to send requests; the app routes
//! the answers (and live events) back to it.

use super::app::Request;
use super::keymap::{Action, Keymap};
use super::model::Model;
use super::theme::Theme;
use crate::api::wire::EventView;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// A request a form wants sent, tagged so the form recognises the answer.
#[derive(Debug, Clone)]
pub struct FormRequest {
    /// The form's own tag (e.g. `validate`, `create`).
    pub tag: &'static str,
    /// What the operator is waiting for, for messages ("create cdp1.contoso.com").
    pub what: String,
    /// The request.
    pub request: Request,
}

/// What a key press did to the form.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Requests to send.
    pub requests: Vec<FormRequest>,
    /// The form is done (finished or cancelled): close it.
    pub close: bool,
    /// A line for the footer.
    pub notice: Option<String>,
}

/// A form.
pub trait Form: Send {
    /// Title of the form's window.
    fn title(&self) -> String;
    /// A key press (the form resolves it with the keymap's `Form` context itself).
    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, model: &Model) -> Outcome;
    /// The answer to one of its requests.
    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<serde_json::Value, String>,
        model: &Model,
    ) -> Outcome;
    /// A live event (progress pages follow tasks and log lines).
    fn on_event(&mut self, _ev: &EventView, _model: &Model) {}
    /// Draws the form in `area`.
    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, model: &Model);
    /// The actions valid now, for the footer and help.
    fn commands(&self) -> Vec<Action>;
}
