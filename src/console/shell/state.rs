//! The state the shell keeps for every form: pages and their fields, focus, the message line,
//! the request being waited for, and the discard question. Bodies read and change fields
//! through it by [`FieldId`].

use crate::console::confirm;
use crate::console::field::{Field, FieldId, Kind};
use crate::console::msg::{FormRequest, Outcome, Request};
use crate::console::theme::Role;
use crate::domain::validate::FieldError;

/// How the operator moves between pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    /// Tabs of a Properties dialog: Ctrl-n/Ctrl-p (PageDown/PageUp) cycle freely and each tab
    /// keeps its focus; a site error moves to the tab of its field.
    Tabs,
    /// Wizard steps: Next is the body's submit (it checks the page and may ask the site);
    /// Previous goes back where the page allows it; a page is entered at its first field.
    Steps,
}

/// One tab or wizard step.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// Title (tab label, step name); empty for a dialog without tabs.
    pub title: &'static str,
    /// Its fields; none for a page the body draws itself (Content, Summary, Progress).
    pub fields: Vec<Field>,
    /// Steps: Previous may leave this page.
    pub back: bool,
}

impl Page {
    /// A page of fields.
    pub(crate) fn new(title: &'static str, fields: Vec<Field>) -> Page {
        Page {
            title,
            fields,
            back: true,
        }
    }

    /// A page the body draws and handles itself.
    pub(crate) fn custom(title: &'static str) -> Page {
        Page::new(title, Vec::new())
    }

    /// Whether Previous may leave it (steps).
    pub(crate) fn back(mut self, back: bool) -> Page {
        self.back = back;
        self
    }
}

/// The shell's state of one form.
#[derive(Debug)]
pub(crate) struct Core {
    pages: Vec<Page>,
    page: usize,
    focus: Vec<usize>,
    nav: Nav,
    read_only: Option<&'static str>,
    /// The message line: a result, a question, what is being waited for.
    pub message: Option<(Role, String)>,
    busy: Option<&'static str>,
    sent: Vec<&'static str>,
    pub(super) confirm: bool,
    pub(super) discard_prompt: String,
}

impl Core {
    /// A form of `pages`; `read_only` is the reason changes are refused, if they are.
    pub(crate) fn new(nav: Nav, pages: Vec<Page>, read_only: Option<&'static str>) -> Core {
        let mut core = Core {
            focus: vec![0; pages.len()],
            pages,
            page: 0,
            nav,
            read_only,
            message: None,
            busy: None,
            sent: Vec::new(),
            confirm: false,
            discard_prompt: confirm::question("Discard your changes?", "discards", "keeps editing"),
        };
        core.sync_enabled();
        for p in 0..core.pages.len() {
            core.focus[p] = core.first_focusable(p);
        }
        core
    }

    /// With the question Esc asks when something changed (`Discard the wizard?`); the answers
    /// are the convention's (see [`confirm`]).
    pub(crate) fn discard_prompt(mut self, question: &str) -> Core {
        self.discard_prompt = confirm::question(question, "discards", "keeps editing");
        self
    }

    /// How pages are moved between.
    pub(crate) fn nav(&self) -> Nav {
        self.nav
    }

    /// The pages.
    pub(crate) fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// Index of the page shown.
    pub(crate) fn page(&self) -> usize {
        self.page
    }

    /// The fields of the page shown.
    pub(crate) fn fields(&self) -> &[Field] {
        self.pages
            .get(self.page)
            .map(|p| p.fields.as_slice())
            .unwrap_or(&[])
    }

    /// Index of the focused field on the page shown.
    pub(crate) fn focus(&self) -> usize {
        self.focus.get(self.page).copied().unwrap_or(0)
    }

    /// The focused field, if focus may rest on it.
    pub(crate) fn focused(&self) -> Option<&Field> {
        self.fields().get(self.focus()).filter(|f| f.focusable())
    }

    /// The focused field, to change.
    pub(super) fn focused_mut(&mut self) -> Option<&mut Field> {
        let i = self.focus();
        self.pages
            .get_mut(self.page)?
            .fields
            .get_mut(i)
            .filter(|f| f.focusable())
    }

    /// The focused field's id.
    pub(crate) fn focused_id(&self) -> Option<FieldId> {
        self.focused().map(|f| f.id)
    }

    /// Every field of every page.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Field> {
        self.pages.iter().flat_map(|p| p.fields.iter())
    }

    /// Field `id`, on whichever page.
    pub(crate) fn field(&self, id: FieldId) -> Option<&Field> {
        self.all().find(|f| f.id == id)
    }

    /// Field `id`, to change.
    pub(crate) fn field_mut(&mut self, id: FieldId) -> Option<&mut Field> {
        self.pages
            .iter_mut()
            .flat_map(|p| p.fields.iter_mut())
            .find(|f| f.id == id)
    }

    /// The page holding field `id`.
    pub(crate) fn page_of(&self, id: FieldId) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.fields.iter().any(|f| f.id == id))
    }

    /// A field's value as text, trimmed (the chosen option, `on`/`off`).
    pub(crate) fn text(&self, id: FieldId) -> String {
        self.field(id)
            .map(|f| f.value().trim().to_string())
            .unwrap_or_default()
    }

    /// A text field's text as typed (passwords are not trimmed).
    pub(crate) fn raw(&self, id: FieldId) -> String {
        self.field(id)
            .map(|f| f.text_value().to_string())
            .unwrap_or_default()
    }

    /// A checkbox's state.
    pub(crate) fn checked(&self, id: FieldId) -> bool {
        self.field(id).is_some_and(|f| f.checked)
    }

    /// A number field's value.
    pub(crate) fn num(&self, id: FieldId) -> Option<i64> {
        self.text(id).parse().ok()
    }

    /// Sets (or clears) the error under field `id`.
    pub(crate) fn set_error(&mut self, id: FieldId, error: Option<String>) {
        if let Some(f) = self.field_mut(id) {
            f.error = error;
        }
    }

    /// Clears every field's error.
    pub(crate) fn clear_errors(&mut self) {
        for f in self.pages.iter_mut().flat_map(|p| p.fields.iter_mut()) {
            f.error = None;
        }
    }

    /// The field a site error or a domain rule names by `label`: the form's own label first,
    /// then the site's names for fields (see [`FieldId::named_by_site`]).
    pub(crate) fn field_named(&self, label: &str) -> Option<FieldId> {
        self.all()
            .find(|f| f.label == label)
            .map(|f| f.id)
            .or_else(|| FieldId::named_by_site(label).filter(|id| self.field(*id).is_some()))
    }

    /// Puts a domain rule's error under the field it names.
    pub(crate) fn put(&mut self, e: &FieldError) {
        if let Some(id) = self.field_named(&e.field) {
            self.set_error(id, Some(e.rule.clone()));
        }
    }

    /// The reason changes are refused, if they are.
    pub(crate) fn read_only(&self) -> Option<&'static str> {
        self.read_only
    }

    /// Whether fields may be changed.
    pub(crate) fn editable(&self) -> bool {
        self.read_only.is_none()
    }

    /// Whether the form waits for the answer to its main request.
    pub(crate) fn busy(&self) -> bool {
        self.busy.is_some()
    }

    /// Whether the operator changed anything since the form opened.
    pub(crate) fn dirty(&self) -> bool {
        self.all().any(Field::changed)
    }

    /// Sets the message line.
    pub(crate) fn say(&mut self, role: Role, text: impl Into<String>) {
        self.message = Some((role, text.into()));
    }

    /// On a read-only form: says so (`what: why`) and returns true.
    pub(crate) fn refuse_read_only(&mut self, what: &str) -> bool {
        match self.read_only {
            Some(why) => {
                self.say(Role::AlertWarning, format!("{what}: {why}"));
                true
            }
            None => false,
        }
    }

    fn first_focusable(&self, page: usize) -> usize {
        self.pages[page]
            .fields
            .iter()
            .position(Field::focusable)
            .unwrap_or(0)
    }

    /// Shows `page`: tabs keep their focus, steps start at their first field with a fresh
    /// message line.
    pub(crate) fn goto(&mut self, page: usize) {
        if page >= self.pages.len() {
            return;
        }
        self.page = page;
        self.confirm = false;
        if self.nav == Nav::Steps {
            self.focus[page] = self.first_focusable(page);
            self.message = None;
        }
        self.settle_focus();
    }

    /// Puts the focus on field `id`: on the page shown, or (tabs) on the page that holds it.
    pub(crate) fn focus_on(&mut self, id: FieldId) {
        let page = match self.fields().iter().any(|f| f.id == id) {
            true => Some(self.page),
            false if self.nav == Nav::Tabs => self.page_of(id),
            false => None,
        };
        if let Some(p) = page
            && let Some(i) = self.pages[p].fields.iter().position(|f| f.id == id)
        {
            self.page = p;
            self.focus[p] = i;
            self.settle_focus();
        }
    }

    /// A field that depends on a checkbox applies while the box is ticked and applies itself.
    pub(super) fn sync_enabled(&mut self) {
        let deps: Vec<(usize, usize, FieldId)> = self
            .pages
            .iter()
            .enumerate()
            .flat_map(|(p, page)| {
                page.fields
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, f)| f.depends_on.map(|d| (p, i, d)))
            })
            .collect();
        // In page order: a box that depends on another box is settled before its dependents.
        for (p, i, d) in deps {
            let on = self
                .field(d)
                .is_some_and(|b| b.enabled && b.kind == Kind::Check && b.checked);
            self.pages[p].fields[i].enabled = on;
        }
    }

    /// Moves the focus off a field it may not rest on (hidden, disabled) to the first one of
    /// the page that takes it.
    pub(super) fn settle_focus(&mut self) {
        if self
            .fields()
            .get(self.focus())
            .is_some_and(Field::focusable)
        {
            return;
        }
        if let Some(f) = self.focus.get_mut(self.page) {
            *f = self.pages[self.page]
                .fields
                .iter()
                .position(Field::focusable)
                .unwrap_or(0);
        }
    }

    /// Moves the focus to the next (or previous) field that takes it, wrapping around.
    pub(super) fn move_focus(&mut self, forward: bool) {
        let n = self.fields().len();
        let at = self.focus();
        for step in 1..=n {
            let i = if forward {
                (at + step) % n
            } else {
                (at + n - step % n) % n
            };
            if self.fields()[i].focusable() {
                self.focus[self.page] = i;
                return;
            }
        }
    }

    /// Whether no field after the focused one takes the focus.
    pub(super) fn on_last_field(&self) -> bool {
        !self
            .fields()
            .get(self.focus() + 1..)
            .is_some_and(|rest| rest.iter().any(Field::focusable))
    }

    /// When a field that applies blocks (an error, an error finding): focuses the first one —
    /// on the page shown for steps, on any tab for tabs — says `message(field)` and returns
    /// true.
    pub(crate) fn blocked(&mut self, message: impl Fn(&Field) -> String) -> bool {
        let pages = match self.nav {
            Nav::Tabs => 0..self.pages.len(),
            Nav::Steps => self.page..self.page + 1,
        };
        let bad = self.pages[pages]
            .iter()
            .flat_map(|p| p.fields.iter())
            .find(|f| f.enabled && !f.hidden && f.blocks());
        let Some(f) = bad else {
            return false;
        };
        let (id, text) = (f.id, message(f));
        self.focus_on(id);
        self.say(Role::InputInvalid, text);
        true
    }

    /// Sends the form's main request (Save, Apply, Next): the form waits for its answer, and
    /// says `waiting` meanwhile.
    pub(crate) fn send(
        &mut self,
        tag: &'static str,
        what: String,
        request: Request,
        waiting: (Role, &str),
    ) -> Outcome {
        self.busy = Some(tag);
        self.say(waiting.0, waiting.1);
        self.side_request(tag, what, request)
    }

    /// Sends a request the form does not wait for (the Content tab's actions).
    pub(crate) fn side_request(
        &mut self,
        tag: &'static str,
        what: String,
        request: Request,
    ) -> Outcome {
        self.sent.push(tag);
        Outcome {
            requests: vec![FormRequest { tag, what, request }],
            ..Outcome::default()
        }
    }

    /// An answer to `tag` arrived: whether the form sent it (answers it never asked for, or
    /// already had, are dropped).
    pub(super) fn answered(&mut self, tag: &'static str) -> bool {
        let Some(i) = self.sent.iter().position(|t| *t == tag) else {
            return false;
        };
        self.sent.remove(i);
        if self.busy == Some(tag) {
            self.busy = None;
        }
        true
    }
}
