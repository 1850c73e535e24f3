//! The shell with a form of its own (two pages, a text field and a checkbox on the second
//! that enables a number): the reply path, error placement, waiting, dependent fields.

use super::*;
use crate::api::client::ClientError;
use crate::api::wire::{ErrorDetail, SetService};
use crate::console::field::{Field, FieldId};
use crate::console::form::Form;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request, refusal};
use crate::console::theme::Role;
use crate::domain::service::HostedKind;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Saves `Description` and counts what the shell asked of it.
#[derive(Default)]
struct Probe {
    edits: Vec<FieldId>,
    left: Vec<FieldId>,
    accepted: Vec<&'static str>,
}

impl Body for Probe {
    fn title(&self) -> String {
        "Probe".into()
    }

    fn edited(&mut self, _core: &mut Core, id: FieldId) {
        self.edits.push(id);
    }

    fn left(&mut self, _core: &mut Core, id: FieldId) {
        self.left.push(id);
    }

    fn submit(&mut self, core: &mut Core, _model: &Model) -> Outcome {
        let request = Request::SetService {
            kind: HostedKind::Cdp,
            id: "probe".into(),
            set: SetService {
                description: Some(core.text(FieldId::Description)),
                ..SetService::default()
            },
        };
        core.send("save", "save".into(), request, (Role::Muted, "saving…"))
    }

    fn accepted(
        &mut self,
        _core: &mut Core,
        tag: &'static str,
        _answer: &Reply,
        _model: &Model,
    ) -> Outcome {
        self.accepted.push(tag);
        Outcome::close(None)
    }
}

fn probe(nav: Nav) -> Shell<Probe> {
    let pages = vec![
        Page::new(
            "One",
            vec![
                Field::text(FieldId::Description, "Description", "abc"),
                Field::button(FieldId::Save, "Save"),
            ],
        ),
        Page::new(
            "Two",
            vec![
                Field::check(FieldId::StorageAlerts, "Alerts", false),
                Field::number(FieldId::StorageGb, "Quota", 10).depends(FieldId::StorageAlerts),
                Field::button(FieldId::Save, "Save"),
            ],
        ),
    ];
    Shell::new(
        Core::new(nav, pages, None),
        Probe::default(),
        &Keymap::default(),
    )
}

fn key(s: &mut Shell<Probe>, code: KeyCode) -> Outcome {
    s.on_key(
        KeyEvent::new(code, KeyModifiers::NONE),
        &Keymap::default(),
        &Model::new(10),
    )
}

fn reply(s: &mut Shell<Probe>, tag: &'static str, r: Result<Reply, ClientError>) -> Outcome {
    s.on_reply(tag, &r, &Model::new(10))
}

/// A refusal that names no field (409, as for a state conflict).
fn conflict(message: &str) -> ClientError {
    ClientError::Api {
        status: 409,
        detail: ErrorDetail {
            code: "conflict".into(),
            message: message.into(),
            field: None,
            rule: None,
        },
    }
}

/// Every field error of the form, by field.
fn field_errors(s: &Shell<Probe>) -> Vec<(FieldId, String)> {
    s.core
        .all()
        .filter_map(|f| f.error.clone().map(|e| (f.id, e)))
        .collect()
}

/// Types in the description and presses Save: the form waits for its answer.
fn save(s: &mut Shell<Probe>) {
    s.core.focus_on(FieldId::Description);
    key(s, KeyCode::Char('d'));
    key(s, KeyCode::Enter);
    assert_eq!(key(s, KeyCode::Enter).requests.len(), 1);
}

#[test]
fn answers_are_taken_once_and_only_for_requests_sent() {
    let mut s = probe(Nav::Tabs);
    assert!(
        !reply(&mut s, "save", Ok(Reply::Reloading)).close,
        "never asked"
    );
    key(&mut s, KeyCode::Char('d'));
    assert_eq!(s.body.edits, [FieldId::Description]);
    key(&mut s, KeyCode::Enter); // to Save
    assert_eq!(s.body.left, [FieldId::Description]);
    let out = key(&mut s, KeyCode::Enter);
    assert_eq!(out.requests.len(), 1);
    assert!(s.core.busy());
    // Waiting: no second save, no edits.
    assert!(key(&mut s, KeyCode::Enter).requests.is_empty());
    s.core.focus_on(FieldId::Description);
    key(&mut s, KeyCode::Char('x'));
    assert_eq!(s.core.text(FieldId::Description), "abcd");
    assert!(reply(&mut s, "save", Ok(Reply::Reloading)).close);
    assert!(!s.core.busy());
    assert!(
        !reply(&mut s, "save", Ok(Reply::Reloading)).close,
        "answered already"
    );
    assert_eq!(s.body.accepted, ["save"]);
}

#[test]
fn a_refusal_lands_under_the_field_it_names_on_its_tab() {
    let mut s = probe(Nav::Tabs);
    key(&mut s, KeyCode::Char('d'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(&mut s, "save", Err(refusal("Quota", "must be at most 5")));
    assert_eq!(s.core.page(), 1, "moved to the tab of the field");
    let quota = s.core.field(FieldId::StorageGb).map(|f| f.error.clone());
    assert_eq!(quota, Some(Some("must be at most 5".into())));
    let message = s.core.message.clone().map(|(_, m)| m);
    assert_eq!(
        message.as_deref(),
        Some("not saved: Quota: must be at most 5")
    );
    // The site's name for a field finds it too ("Storage alert threshold (GB)").
    s.core.focus_on(FieldId::Description);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(
        &mut s,
        "save",
        Err(refusal("Storage alert threshold (GB)", "too big")),
    );
    let quota = s.core.field(FieldId::StorageGb).map(|f| f.error.clone());
    assert_eq!(quota, Some(Some("too big".into())));
    // A message naming no field is only said.
    s.core.focus_on(FieldId::Description);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(&mut s, "save", Err(conflict("the site is busy")));
    let message = s.core.message.clone().map(|(_, m)| m);
    assert_eq!(
        message.as_deref(),
        Some("not saved: the site is busy (409)")
    );
}

#[test]
fn the_field_comes_from_the_sites_structured_error_not_from_its_message() {
    let mut s = probe(Nav::Tabs);
    save(&mut s);
    // The site's own words need not name the field: its `field` and `rule` do.
    let error = ClientError::Api {
        status: 400,
        detail: ErrorDetail {
            code: "invalid_field".into(),
            message: "the quota is too large for this subscription".into(),
            field: Some("Quota".into()),
            rule: Some("must be at most 5".into()),
        },
    };
    reply(&mut s, "save", Err(error));
    assert_eq!(s.core.page(), 1, "moved to the tab of the field");
    assert_eq!(
        field_errors(&s),
        [(FieldId::StorageGb, "must be at most 5".to_string())]
    );
    // A message shaped like "Field: rule" without the structure is only said.
    save(&mut s);
    s.core.clear_errors();
    reply(
        &mut s,
        "save",
        Err(conflict("Quota: in use by another task")),
    );
    assert!(field_errors(&s).is_empty(), "{:?}", field_errors(&s));
    let message = s.core.message.clone().map(|(_, m)| m);
    assert_eq!(
        message.as_deref(),
        Some("not saved: Quota: in use by another task (409)")
    );
}

#[test]
fn a_site_that_cannot_be_reached_is_said_on_the_message_line() {
    let mut s = probe(Nav::Tabs);
    save(&mut s);
    let error = ClientError::Transport {
        url: "http://127.0.0.1:1".into(),
        message: "error sending request: connection refused".into(),
    };
    let out = reply(&mut s, "save", Err(error));
    assert!(!out.close, "the form stays open with what was typed");
    assert!(!s.core.busy(), "and may be saved again");
    assert!(field_errors(&s).is_empty());
    let (role, message) = s.core.message.clone().expect("a message");
    assert_eq!(role, Role::InputInvalid);
    assert_eq!(
        message,
        "not saved: cannot reach the site at http://127.0.0.1:1: error sending request: \
         connection refused"
    );
}

#[test]
fn on_a_wizard_step_a_refusal_says_which_page_holds_the_field() {
    let mut s = probe(Nav::Steps);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(&mut s, "save", Err(refusal("Quota", "must be at most 5")));
    assert_eq!(s.core.page(), 0, "steps do not jump back");
    let message = s.core.message.clone().map(|(_, m)| m).unwrap_or_default();
    assert!(message.ends_with("the field is on the Two page: go back with Previous"));
}

#[test]
fn a_field_that_depends_on_a_checkbox_applies_while_it_is_ticked() {
    let mut s = probe(Nav::Tabs);
    key(&mut s, KeyCode::PageDown);
    let enabled = |s: &Shell<Probe>| s.core.field(FieldId::StorageGb).is_some_and(|f| f.enabled);
    assert!(!enabled(&s));
    key(&mut s, KeyCode::Tab);
    assert_eq!(
        s.core.focused_id(),
        Some(FieldId::Save),
        "skipped while off"
    );
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char(' '));
    assert!(enabled(&s));
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.core.focused_id(), Some(FieldId::StorageGb));
    assert_eq!(
        s.commands(),
        [
            Action::NextField,
            Action::PrevField,
            Action::NextPage,
            Action::PrevPage,
            Action::Submit,
            Action::Back
        ]
    );
}
