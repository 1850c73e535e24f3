//! The create wizards: Create Cloud Distribution Point and Create Cloud Management Gateway.
//!
//! Pages General → Settings → Alerts → Summary → Progress → Completion (domain.md §1–§2),
//! run as wizard steps by the form shell. Fields are validated as typed with the `domain`
//! rules and again on Next; certificates are inspected locally as soon as a file and its
//! password are given (leaving the password field, or Next), with errors blocking Next and
//! warnings shown. General's Next asks the site to validate the subscription; Summary's Next
//! sends the create; Progress follows the task.
//!
//! Keys: Tab/Shift-Tab (and ↑/↓) move between fields — Tab in a file field first completes
//! the path (see [`crate::console::field::path`]); Ctrl-n/PageDown Next, Ctrl-p/PageUp
//! Previous, Enter on the last field = Next; ←/→ move the cursor in a text field and choose
//! in a choice, Space toggles; Esc cancels (asks first when something was typed) and closes
//! Progress/Completion (the task goes on).

mod cdp;
#[cfg(test)]
mod cert_tests;
mod check;
mod cmg;
mod create;
mod inline;
mod page;
mod progress;
mod render;
#[cfg(test)]
pub(crate) mod tests;

use super::form::Form;
use super::keymap::Keymap;
use super::model::Model;
use crate::domain::service::HostedKind;
pub(super) use check::{CertInfo, Inspection, inspect_cert, upload_file};
pub(super) use create::Wizard;
#[cfg(test)]
use page::Page;

/// Opens the create wizard of `kind`.
pub(super) fn open(kind: HostedKind, model: &Model, keymap: &Keymap) -> Box<dyn Form> {
    Box::new(Wizard::open(kind, model, keymap))
}
