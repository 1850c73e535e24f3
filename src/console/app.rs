//! The console's state and its update function: key presses and network messages in, requests
//! for the network worker out. No I/O here, so tests drive it key by key. The keys of the
//! modals (filter box, palette, delete prompt, detail view) are in `modal`.

use super::describe::Target;
use super::field::Input;
use super::form::Form;
use super::forms::{self, Target as FormTarget};
use super::keymap::{Action, Context, Keymap};
use super::model::{Link, Model};
use super::msg::{Outcome, Reply};
use super::rows;
use super::scroll::Scroll;
use super::wizard;
use crate::api::wire::ServiceView;
use crate::domain::service::Action as ServiceAction;
use crate::domain::service::HostedKind;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::HashMap;

// Still named through the app by the benches and the tests written before `msg` existed.
pub use super::msg::{Effect, NetMsg, Request};
pub use super::node::{Node, TREE, selectable};
pub use super::rows::Scope;

mod modal;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Navigation tree.
    Tree,
    /// Main list.
    List,
    /// Details pane.
    Details,
}

/// The detail view of one row: what it shows, where it is scrolled, and whether it is drawn
/// as plain text (no frame, for selecting with the mouse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// What it shows.
    pub target: Target,
    /// Where it is scrolled.
    pub scroll: Scroll,
    /// Drawn without a frame.
    pub plain: bool,
}

/// A modal on top of the main screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    /// Help (`?`).
    Help,
    /// Typing a list filter (applied as typed).
    Filter(Input),
    /// Typing a command (`:`).
    Palette(Input),
    /// Delete confirmation: the service and what has been typed.
    ConfirmDelete {
        /// The service's id, for the delete request.
        id: String,
        /// Its Service FQDN (one answer).
        fqdn: String,
        /// Its deployment name (the other).
        name: String,
        /// CDP or CMG.
        kind: HostedKind,
        /// What the operator typed so far.
        typed: Input,
    },
    /// A message to acknowledge.
    Message(String),
    /// The whole text of one row.
    Detail(Detail),
}

/// The console's whole state: [`App::on_key`] and [`App::on_net`] change it and return the
/// effects for the event loop.
pub struct App {
    /// The site as the console knows it.
    pub model: Model,
    /// Key bindings in force (the defaults with the config's `[keys]` applied).
    pub keymap: Keymap,
    /// The tree node whose list is shown (Cloud Distribution Points at start).
    pub node: Node,
    /// Focused pane.
    pub focus: Focus,
    /// Selected row per node, among the rows shown; a node missing here is at row 0, and
    /// [`App::row`] reads a row past the end of the list as its last.
    pub selected: HashMap<Node, usize>,
    /// Each list's filter (case-insensitive, over every column).
    pub filters: HashMap<Node, String>,
    /// The service Logs and Alerts are narrowed to, per node (none: every line or alert).
    pub scopes: HashMap<Node, Scope>,
    /// The modal over the main screen, if any; it takes the keys (an open form comes first).
    pub modal: Option<Modal>,
    /// The theme asked for (config, then `:theme NAME`); the event loop loads it, and puts the
    /// name in use back here when it does not load.
    pub theme: String,
    /// The themes `:theme` offers (built-ins and the operator's own).
    pub theme_names: Vec<String>,
    /// One-line notice in the footer (last action's result).
    pub notice: Option<String>,
    /// Logs view: keep the newest line selected as lines arrive; on at start, off once the
    /// selection moves off the last line.
    pub follow_logs: bool,
    /// The workspace tree is hidden: the list has the whole width.
    pub tree_hidden: bool,
    /// Where the details pane is scrolled.
    pub details_scroll: Scroll,
    /// Set when the app should leave.
    pub quit: bool,
    /// The open form (wizard, Properties, Proxy tab), drawn over the main screen.
    pub form: Option<Box<dyn Form>>,
    next_request: u64,
    pending: HashMap<u64, String>,
    pending_form: HashMap<u64, &'static str>,
}

impl App {
    /// A console with an empty model.
    pub fn new(keymap: Keymap, theme: &str, log_capacity: usize) -> Self {
        App {
            model: Model::new(log_capacity),
            keymap,
            node: Node::Cdps,
            focus: Focus::List,
            selected: HashMap::new(),
            filters: HashMap::new(),
            scopes: HashMap::new(),
            modal: None,
            theme: theme.to_string(),
            theme_names: super::theme::builtin_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            notice: None,
            follow_logs: true,
            tree_hidden: false,
            details_scroll: Scroll::default(),
            quit: false,
            form: None,
            next_request: 1,
            pending: HashMap::new(),
            pending_form: HashMap::new(),
        }
    }

    fn request(&mut self, what: &str, req: Request) -> Effect {
        let id = self.next_request;
        self.next_request += 1;
        self.pending.insert(id, what.to_string());
        Effect::Request(id, req)
    }

    /// The filter of the list shown ("" when none).
    pub fn filter(&self) -> &str {
        self.filters.get(&self.node).map_or("", String::as_str)
    }

    /// The service the list shown is narrowed to, if any.
    pub fn scope(&self) -> Option<&Scope> {
        self.scopes.get(&self.node)
    }

    /// The rows of the current node that are shown (scope and filter applied), as indexes
    /// into the model's list.
    pub fn visible(&self) -> Vec<usize> {
        rows::visible(&self.model, self.node, self.filter(), self.scope())
    }

    /// The services listed in the current node (filtered), if it lists services.
    pub fn services(&self) -> Vec<&ServiceView> {
        self.visible()
            .into_iter()
            .filter_map(|i| rows::service(&self.model, self.node, i))
            .collect()
    }

    /// Rows shown in the current node's list.
    pub fn row_count(&self) -> usize {
        self.visible().len()
    }

    /// Selected row of the current node, among the rows shown.
    pub fn row(&self) -> usize {
        self.selected
            .get(&self.node)
            .copied()
            .unwrap_or(0)
            .min(self.row_count().saturating_sub(1))
    }

    /// The model index of the selected row, if a row is shown. On Logs, while following,
    /// the last line.
    pub fn selected_index(&self) -> Option<usize> {
        let shown = self.visible();
        let at = if self.node == Node::Logs && self.follow_logs {
            shown.len().checked_sub(1)?
        } else {
            self.row()
        };
        shown.get(at).copied()
    }

    /// The selected service, if the node lists services.
    pub fn selected_service(&self) -> Option<&ServiceView> {
        rows::service(&self.model, self.node, self.selected_index()?)
    }

    /// What the selected row is, for its detail view.
    pub fn selected_target(&self) -> Option<Target> {
        Target::of_row(&self.model, self.node, self.selected_index()?)
    }

    fn form_target(&self, target: &Target) -> Option<FormTarget<'_>> {
        let m = &self.model;
        match target {
            Target::Service(id) => m.service(id).map(FormTarget::Service),
            Target::SiteSystem(name) => m
                .site_systems
                .iter()
                .find(|s| &s.name == name)
                .map(FormTarget::SiteSystem),
            Target::Alert(id) => m.alerts.iter().find(|a| &a.id == id).map(FormTarget::Alert),
            _ => None,
        }
    }

    /// Why changes are unavailable, if they are: the role may only read, or the role is not
    /// known yet (no answer from the site so far).
    pub fn write_blocked(&self) -> Option<&'static str> {
        match &self.model.site {
            None => Some("connecting…: your role is not known yet"),
            Some(_) if !self.model.can_write() => Some("the Read-only Analyst role may only read"),
            Some(_) => None,
        }
    }

    /// The actions valid here, for the footer and help (each view lists its own).
    pub fn commands(&self) -> Vec<Action> {
        if let Some(form) = &self.form {
            return form.commands();
        }
        if let Some(Modal::Detail(d)) = &self.modal {
            let mut v = vec![Action::Up, Action::Down, Action::Copy, Action::Plain];
            if d.target.has_properties() {
                v.push(Action::Properties);
            }
            v.push(Action::Back);
            return v;
        }
        let mut v = vec![Action::Up, Action::Down, Action::FocusNext];
        let services = matches!(self.node, Node::Cdps | Node::Cmgs);
        if services {
            v.extend([Action::Create, Action::Start, Action::Stop, Action::Delete]);
        }
        if self.node.is_list() {
            v.push(Action::Open);
        }
        if matches!(
            self.node,
            Node::Cdps | Node::Cmgs | Node::SiteSystems | Node::Alerts
        ) {
            v.push(Action::Properties);
        }
        if services {
            v.extend([Action::Logs, Action::Alerts]);
        }
        if self.node == Node::Cmgs {
            v.push(Action::Analyze);
        }
        if self.node.is_list() {
            v.push(Action::Filter);
        }
        v.extend([
            Action::Refresh,
            Action::Tree,
            Action::Palette,
            Action::Help,
            Action::Quit,
        ]);
        v
    }

    fn form_outcome(&mut self, out: Outcome) -> Vec<Effect> {
        if let Some(n) = out.notice {
            self.notice = Some(n);
        }
        if out.close {
            self.form = None;
        }
        out.requests
            .into_iter()
            .map(|r| {
                let id = self.next_request;
                self.next_request += 1;
                self.pending_form.insert(id, r.tag);
                self.pending.insert(id, r.what);
                Effect::Request(id, r.request)
            })
            .collect()
    }

    /// Applies a network message.
    pub fn on_net(&mut self, msg: NetMsg) -> Vec<Effect> {
        if let NetMsg::Reply { id, result } = &msg
            && let Some(tag) = self.pending_form.get(id).copied()
        {
            // An analysis answers several times under one id; its last reply ends the request.
            if !result.as_ref().is_ok_and(Reply::more_follow) {
                self.pending_form.remove(id);
                self.pending.remove(id);
            }
            let Some(mut form) = self.form.take() else {
                return Vec::new();
            };
            let out = form.on_reply(tag, result, &self.model);
            self.form = Some(form);
            return self.form_outcome(out);
        }
        if let (NetMsg::Event(ev), Some(form)) = (&msg, self.form.as_mut()) {
            form.on_event(ev, &self.model);
        }
        match msg {
            NetMsg::Connected => self.model.link = Link::Connected,
            NetMsg::Snapshot(s) => {
                self.model.load(*s);
                self.model.link = Link::Connected;
            }
            NetMsg::Event(ev) => {
                if !self.model.apply(&ev) {
                    return vec![self.request("resynchronise", Request::Reload)];
                }
            }
            NetMsg::Disconnected { reason, attempt } => {
                self.model.link = Link::Disconnected { reason, attempt }
            }
            NetMsg::Reply { id, result } => {
                let what = self.pending.remove(&id).unwrap_or_default();
                match result {
                    Ok(_) => self.notice = Some(format!("{what}: accepted")),
                    Err(e) => self.modal = Some(Modal::Message(format!("{what} failed: {e}"))),
                }
            }
        }
        Vec::new()
    }

    /// Applies a key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(mut form) = self.form.take() {
            if self.keymap.action(&key, Context::Global) == Some(Action::ForceQuit) {
                self.quit = true;
                return vec![Effect::Quit];
            }
            let out = form.on_key(key, &self.keymap, &self.model);
            self.form = Some(form);
            return self.form_outcome(out);
        }
        if let Some(modal) = self.modal.take() {
            return self.on_modal_key(modal, key);
        }
        if self.focus == Focus::Details {
            let action = self.keymap.action(&key, Context::Main);
            let code = match action {
                Some(Action::Up) => KeyCode::Up,
                Some(Action::Down) => KeyCode::Down,
                _ => key.code,
            };
            if self.details_scroll.key(code) {
                return Vec::new();
            }
        }
        let Some(action) = self.keymap.action(&key, Context::Main) else {
            return Vec::new();
        };
        self.on_action(action)
    }

    /// Text pasted into the terminal: into the open form's focused field, or the filter box,
    /// the palette or the delete prompt being typed in (see `Input::paste` for what is
    /// refused). Elsewhere it is ignored: the main screen's keys are single keys, not text.
    pub fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(mut form) = self.form.take() {
            let out = form.on_paste(text, &self.model);
            self.form = Some(form);
            return self.form_outcome(out);
        }
        let input = match self.modal.as_mut() {
            Some(Modal::Filter(i) | Modal::Palette(i)) => i,
            Some(Modal::ConfirmDelete { typed, .. }) => typed,
            _ => return Vec::new(),
        };
        match input.paste(text) {
            Ok(_) => {
                if let Some(Modal::Filter(input)) = &self.modal {
                    let text = input.text().to_string();
                    self.set_filter(text);
                }
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
        Vec::new()
    }

    fn set_filter(&mut self, text: String) {
        if text.is_empty() {
            self.filters.remove(&self.node);
        } else {
            self.filters.insert(self.node, text);
        }
    }

    /// Shows `node` with the list focused.
    fn show(&mut self, node: Node) {
        if self.node != node {
            self.details_scroll.reset();
        }
        self.node = node;
        self.focus = Focus::List;
        if node == Node::Logs {
            self.follow_logs = true;
        }
    }

    fn move_sel(&mut self, delta: i64) {
        match self.focus {
            Focus::Tree => {
                let nodes = selectable();
                let i = nodes.iter().position(|n| *n == self.node).unwrap_or(0) as i64;
                let j = (i + delta).clamp(0, nodes.len() as i64 - 1) as usize;
                self.node = nodes[j];
                self.details_scroll.reset();
            }
            _ => {
                let n = self.row_count() as i64;
                if n == 0 {
                    return;
                }
                let from = match self.selected_index() {
                    Some(_) if self.node == Node::Logs && self.follow_logs => n - 1,
                    _ => self.row() as i64,
                };
                let j = (from + delta).clamp(0, n - 1) as usize;
                self.selected.insert(self.node, j);
                self.details_scroll.reset();
                if self.node == Node::Logs {
                    self.follow_logs = j as i64 == n - 1;
                }
            }
        }
    }

    fn service_action(&mut self, action: ServiceAction) -> Vec<Effect> {
        if let Some(why) = self.write_blocked() {
            self.notice = Some(format!("{}: not available ({why})", action.verb()));
            return Vec::new();
        }
        let Some(s) = self.selected_service().cloned() else {
            self.notice = Some("select a service first".into());
            return Vec::new();
        };
        if let Err(why) = action.allowed_in(s.status) {
            self.notice = Some(why);
            return Vec::new();
        }
        let kind = s.kind;
        if action == ServiceAction::Delete {
            self.modal = Some(Modal::ConfirmDelete {
                id: s.id,
                fqdn: s.service_fqdn,
                name: s.name,
                kind,
                typed: Input::default(),
            });
            return Vec::new();
        }
        let what = format!("{} {}", action.verb(), s.service_fqdn);
        vec![self.request(
            &what,
            Request::Act {
                kind,
                id: s.id,
                action,
            },
        )]
    }

    /// Opens the Properties of `target`, when it has them.
    fn properties(&mut self, target: &Target) {
        let read_only = self.write_blocked();
        match self.form_target(target) {
            Some(t) => self.form = Some(forms::open_properties(t, read_only, &self.keymap)),
            None if target.has_properties() => {
                self.notice = Some("it is gone: the site removed it".into())
            }
            None => self.notice = Some("Properties: this row has none (Enter shows it)".into()),
        }
    }

    /// Logs or Alerts, narrowed to the selected service when one is selected.
    fn scoped(&mut self, node: Node) {
        match self.selected_service().map(Scope::of) {
            Some(scope) => {
                self.scopes.insert(node, scope);
            }
            None => {
                self.scopes.remove(&node);
            }
        }
        self.filters.remove(&node);
        self.selected.remove(&node);
        self.show(node);
    }

    /// Performs an action of the main screen.
    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        self.notice = None;
        match action {
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::FocusNext | Action::FocusPrev => self.cycle_focus(action == Action::FocusNext),
            Action::Open => {
                if self.focus == Focus::Tree {
                    self.focus = Focus::List;
                } else if let Some(target) = self.selected_target() {
                    self.modal = Some(Modal::Detail(Detail {
                        target,
                        scroll: Scroll::default(),
                        plain: false,
                    }));
                }
            }
            Action::Properties => match self.selected_target() {
                Some(target) => self.properties(&target),
                None => self.notice = Some("Properties: select a row first".into()),
            },
            Action::Create => {
                let kind = match self.node {
                    Node::Cmgs => Some(HostedKind::Cmg),
                    Node::Cdps | Node::Overview => Some(HostedKind::Cdp),
                    _ => None,
                };
                return self.create(kind);
            }
            Action::Start => return self.service_action(ServiceAction::Start),
            Action::Stop => return self.service_action(ServiceAction::Stop),
            Action::Delete => return self.service_action(ServiceAction::Delete),
            Action::Refresh => return vec![self.request("refresh", Request::Reload)],
            Action::Logs => self.scoped(Node::Logs),
            Action::Alerts => self.scoped(Node::Alerts),
            Action::Filter => {
                self.modal = Some(Modal::Filter(Input::new(self.filter())));
            }
            Action::Tree => {
                self.tree_hidden = !self.tree_hidden;
                if self.tree_hidden && self.focus == Focus::Tree {
                    self.focus = Focus::List;
                }
            }
            Action::Analyze => match self.selected_service().filter(|_| self.node == Node::Cmgs) {
                Some(cmg) => {
                    let (form, out) = super::analyzer::open(cmg);
                    self.form = Some(form);
                    return self.form_outcome(out);
                }
                None => {
                    self.notice = Some("analyze: select a cloud management gateway first".into())
                }
            },
            Action::Palette => self.modal = Some(Modal::Palette(Input::default())),
            Action::Help => self.modal = Some(Modal::Help),
            Action::Quit | Action::ForceQuit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Back => {
                if !self.filter().is_empty() {
                    self.filters.remove(&self.node);
                } else if self.scopes.remove(&self.node).is_none() {
                    self.focus = if self.tree_hidden {
                        Focus::List
                    } else {
                        Focus::Tree
                    };
                }
            }
            // The rest belong to forms and the detail view: only they act on them.
            _ => {}
        }
        Vec::new()
    }

    /// Moves the focus to the next (or previous) pane there is: the tree unless hidden, the
    /// list, the details pane when the node has one.
    fn cycle_focus(&mut self, forward: bool) {
        let mut order = Vec::new();
        if !self.tree_hidden {
            order.push(Focus::Tree);
        }
        order.push(Focus::List);
        if self.node.has_details_pane() {
            order.push(Focus::Details);
        }
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let step = if forward { 1 } else { order.len() - 1 };
        self.focus = order[(i + step) % order.len()];
    }

    fn create(&mut self, kind: Option<HostedKind>) -> Vec<Effect> {
        if let Some(why) = self.write_blocked() {
            self.notice = Some(format!("create: not available ({why})"));
            return Vec::new();
        }
        match kind {
            Some(k) => {
                self.show(match k {
                    HostedKind::Cdp => Node::Cdps,
                    HostedKind::Cmg => Node::Cmgs,
                });
                self.form = Some(wizard::open(k, &self.model, &self.keymap));
            }
            None => {
                self.notice = Some(
                    "create: choose Cloud Distribution Points or Cloud Management Gateway, or type :create cdp or :create cmg"
                        .into(),
                )
            }
        }
        Vec::new()
    }
}
