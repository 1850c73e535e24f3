//! The one form shell every wizard and Properties form runs in. It owns what the forms have
//! in common: moving the focus (Tab/Shift-Tab, ↑/↓, Enter to the next field, Tab completion
//! in file fields), tabs and wizard steps (only the keymap's page keys change them: ←/→ belong
//! to the field), the discard question (Esc on a changed form asks; only y discards,
//! any other key keeps editing), read-only refusals, paste into the focused field, waiting
//! for the main request, and the site's answers — all of them arrive in `reply`, which puts
//! an error under the field it names. A form is a [`Body`] on top: its checks, its main
//! action, what it makes of an accepted answer, and the pages it draws itself.

mod body;
mod dispatch;
mod reply;
mod state;
mod steps_view;
mod tabs_view;
#[cfg(test)]
mod tests;

pub(super) use body::{Anchor, Body, PageView};
pub(super) use dispatch::Shell;
pub(super) use state::{Core, Nav, Page};
pub(super) use tabs_view::tab_keys;
