//! The one place a form's answers arrive. An accepted request goes to the body; a refused one
//! is placed here for every form: under the field the site names in its structured error
//! (by the form's label or the site's name for the field), on that field's tab, or, on a
//! wizard step, with a word about the page that holds it. Whatever names no field of the form
//! (a transport error, a conflict) is said on the message line alone.

use super::body::Body;
use super::state::{Core, Nav};
use crate::api::client::ClientError;
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply};
use crate::console::theme::Role;

/// The answer to request `tag`.
pub(super) fn route<B: Body>(
    core: &mut Core,
    body: &mut B,
    tag: &'static str,
    result: &Result<Reply, ClientError>,
    model: &Model,
) -> Outcome {
    if !core.answered(tag) {
        return Outcome::default();
    }
    match result {
        Ok(answer) => body.accepted(core, tag, answer, model),
        Err(e) => {
            refused(core, &body.refused(tag), e);
            Outcome::default()
        }
    }
}

/// A refusal: `lead: error` on the message line, the rule under its field.
fn refused(core: &mut Core, lead: &str, error: &ClientError) {
    let mut text = if lead.is_empty() {
        error.to_string()
    } else {
        format!("{lead}: {error}")
    };
    if let Some((label, rule)) = error.field()
        && let Some(id) = core.field_named(label)
    {
        core.set_error(id, Some(rule.to_string()));
        match core.nav() {
            Nav::Tabs => core.focus_on(id),
            Nav::Steps => {
                let page = core.page_of(id).filter(|p| *p != core.page());
                if let Some(p) = page {
                    text = format!(
                        "{text} — the field is on the {} page: go back with Previous",
                        core.pages()[p].title
                    );
                }
            }
        }
    }
    core.say(Role::InputInvalid, text);
}
