//! The shell with a form of its own (two pages, a text field and a checkbox on the second
//! that enables a number): the reply path, error placement, waiting, dependent fields.

use super::*;
use crate::console::field::{Field, FieldId};
use crate::console::form::Form;
use crate::console::keymap::{Action, Keymap};
use crate::console::model::Model;
use crate::console::msg::{Outcome, Request};
use crate::console::theme::Role;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

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
        let body = json!({"description": core.text(FieldId::Description)});
        let request = Request::Call {
            method: "PATCH",
            path: "/v1/probe".into(),
            body,
        };
        core.send("save", "save".into(), request, (Role::Muted, "saving…"))
    }

    fn accepted(
        &mut self,
        _core: &mut Core,
        tag: &'static str,
        _answer: &serde_json::Value,
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

fn reply(s: &mut Shell<Probe>, tag: &'static str, r: Result<serde_json::Value, String>) -> Outcome {
    s.on_reply(tag, &r, &Model::new(10))
}

#[test]
fn answers_are_taken_once_and_only_for_requests_sent() {
    let mut s = probe(Nav::Tabs);
    assert!(!reply(&mut s, "save", Ok(json!({}))).close, "never asked");
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
    assert!(reply(&mut s, "save", Ok(json!({}))).close);
    assert!(!s.core.busy());
    assert!(
        !reply(&mut s, "save", Ok(json!({}))).close,
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
    reply(&mut s, "save", Err("Quota: must be at most 5".into()));
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
        Err("Storage alert threshold (GB): too big".into()),
    );
    let quota = s.core.field(FieldId::StorageGb).map(|f| f.error.clone());
    assert_eq!(quota, Some(Some("too big".into())));
    // A message naming no field is only said.
    s.core.focus_on(FieldId::Description);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(&mut s, "save", Err("the site is busy".into()));
    let message = s.core.message.clone().map(|(_, m)| m);
    assert_eq!(message.as_deref(), Some("not saved: the site is busy"));
}

#[test]
fn on_a_wizard_step_a_refusal_says_which_page_holds_the_field() {
    let mut s = probe(Nav::Steps);
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    reply(&mut s, "save", Err("Quota: must be at most 5".into()));
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
