//! The console's state and its update function: key presses and network messages in, requests
//! for the network worker out. No I/O here, so tests drive it key by key.

use super::field::Input;
use super::form::Form;
use super::forms::{self, Target};
use super::keymap::{Action, Context, Keymap};
use super::model::{Link, Model};
use super::msg::{Outcome, Reply};
// Still named through the app by the benches and the tests written before `msg` existed.
pub use super::msg::{Effect, NetMsg, Request};
use super::wizard;
use crate::api::wire::ServiceView;
use crate::domain::service::Action as ServiceAction;
use crate::domain::service::HostedKind;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::HashMap;

/// A node of the navigation tree (the console's workspace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Overview.
    Overview,
    /// Administration → Cloud Services → Cloud Distribution Points.
    Cdps,
    /// Administration → Cloud Services → Cloud Management Gateway.
    Cmgs,
    /// Administration → Site Configuration → Servers and Site System Roles.
    SiteSystems,
    /// Monitoring → Alerts.
    Alerts,
    /// Monitoring → Status Messages.
    StatusMessages,
    /// Monitoring → Logs.
    Logs,
    /// Content.
    Content,
}

/// The tree as drawn: (depth, label, node it opens if any).
pub const TREE: &[(u8, &str, Option<Node>)] = &[
    (0, "Overview", Some(Node::Overview)),
    (0, "Administration", None),
    (1, "Cloud Services", None),
    (2, "Cloud Distribution Points", Some(Node::Cdps)),
    (2, "Cloud Management Gateway", Some(Node::Cmgs)),
    (1, "Site Configuration", None),
    (2, "Servers and Site System Roles", Some(Node::SiteSystems)),
    (0, "Monitoring", None),
    (1, "Alerts", Some(Node::Alerts)),
    (1, "Status Messages", Some(Node::StatusMessages)),
    (1, "Logs", Some(Node::Logs)),
    (0, "Content", Some(Node::Content)),
];

/// The nodes the tree can select, in order.
pub fn selectable() -> Vec<Node> {
    TREE.iter().filter_map(|(_, _, n)| *n).collect()
}

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
        /// Its FQDN: Enter deletes only when `typed` equals it, ignoring ASCII case.
        name: String,
        /// CDP or CMG.
        kind: HostedKind,
        /// What the operator typed so far.
        typed: String,
    },
    /// A message to acknowledge.
    Message(String),
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
    /// Selected row per node; a node missing here is at row 0, and [`App::row`] reads a row past
    /// the end of the list as its last.
    pub selected: HashMap<Node, usize>,
    /// List filter (case-insensitive substring).
    pub filter: String,
    /// The modal over the main screen, if any; it takes the keys (an open form comes first).
    pub modal: Option<Modal>,
    /// The theme asked for (config, then `:theme NAME`); the event loop loads it, and puts the
    /// name in use back here when it does not load.
    pub theme: String,
    /// One-line notice in the footer (last action's result).
    pub notice: Option<String>,
    /// Logs view: keep the newest line selected as lines arrive; on at start, off once the
    /// selection moves off the last line.
    pub follow_logs: bool,
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
            filter: String::new(),
            modal: None,
            theme: theme.to_string(),
            notice: None,
            follow_logs: true,
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

    /// The services listed in the current node (filtered), if it lists services.
    pub fn services(&self) -> Vec<&ServiceView> {
        let list = match self.node {
            Node::Cdps => &self.model.cdps,
            Node::Cmgs => &self.model.cmgs,
            _ => return Vec::new(),
        };
        let f = self.filter.to_ascii_lowercase();
        list.iter()
            .filter(|s| {
                f.is_empty()
                    || s.service_fqdn.to_ascii_lowercase().contains(&f)
                    || s.description.to_ascii_lowercase().contains(&f)
            })
            .collect()
    }

    /// Rows in the current node's list (for moving the selection).
    pub fn row_count(&self) -> usize {
        match self.node {
            Node::Cdps | Node::Cmgs => self.services().len(),
            Node::SiteSystems => self.model.site_systems.len(),
            Node::Alerts => self.model.alerts.len(),
            Node::StatusMessages => self.model.status.len(),
            Node::Logs => self.model.logs.len(),
            Node::Content => self.model.packages.len(),
            Node::Overview => 0,
        }
    }

    /// Selected row of the current node.
    pub fn row(&self) -> usize {
        self.selected
            .get(&self.node)
            .copied()
            .unwrap_or(0)
            .min(self.row_count().saturating_sub(1))
    }

    /// The selected service, if the node lists services.
    pub fn selected_service(&self) -> Option<&ServiceView> {
        self.services().get(self.row()).copied()
    }

    /// What Properties opens on: the selected service, site system or alert.
    pub fn target(&self) -> Option<Target<'_>> {
        match self.node {
            Node::Cdps | Node::Cmgs => self.selected_service().map(Target::Service),
            Node::SiteSystems => self
                .model
                .site_systems
                .get(self.row())
                .map(Target::SiteSystem),
            Node::Alerts => self.model.alerts.get(self.row()).map(Target::Alert),
            _ => None,
        }
    }

    /// Why service actions are unavailable, if they are.
    pub fn write_blocked(&self) -> Option<&'static str> {
        if !self.model.can_write() {
            Some("the Read-only Analyst role may only read")
        } else {
            None
        }
    }

    /// The actions valid here, for the footer and help (each view lists its own).
    pub fn commands(&self) -> Vec<Action> {
        if let Some(form) = &self.form {
            return form.commands();
        }
        let mut v = vec![Action::Up, Action::Down, Action::FocusNext];
        match self.node {
            Node::Cdps | Node::Cmgs => v.extend([
                Action::Create,
                Action::Start,
                Action::Stop,
                Action::Delete,
                Action::Open,
                Action::Refresh,
                Action::Logs,
                Action::Alerts,
                Action::Filter,
            ]),
            Node::SiteSystems => v.extend([Action::Open, Action::Refresh]),
            Node::Logs | Node::Alerts | Node::StatusMessages => {
                v.extend([Action::Refresh, Action::Filter])
            }
            Node::Overview | Node::Content => v.push(Action::Refresh),
        }
        if self.node == Node::Cmgs {
            v.push(Action::Analyze);
        }
        v.extend([Action::Palette, Action::Help, Action::Quit]);
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
        if let Some(modal) = self.modal.clone() {
            return self.on_modal_key(modal, key);
        }
        let Some(action) = self.keymap.action(&key, Context::Main) else {
            return Vec::new();
        };
        self.on_action(action)
    }

    /// Text pasted into the terminal: into the open form's focused field, or the filter box or
    /// the palette being typed in (see `Input::paste` for what is refused). Elsewhere it is
    /// ignored: the main screen's keys are single keys, not text.
    pub fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(mut form) = self.form.take() {
            let out = form.on_paste(text, &self.model);
            self.form = Some(form);
            return self.form_outcome(out);
        }
        let Some(Modal::Filter(input) | Modal::Palette(input)) = self.modal.as_mut() else {
            return Vec::new();
        };
        match input.paste(text) {
            Ok(_) => {
                if let Some(Modal::Filter(input)) = &self.modal {
                    self.filter = input.text().to_string();
                }
            }
            Err(e) => self.notice = Some(e.to_string()),
        }
        Vec::new()
    }

    fn move_sel(&mut self, delta: i64) {
        match self.focus {
            Focus::Tree => {
                let nodes = selectable();
                let i = nodes.iter().position(|n| *n == self.node).unwrap_or(0) as i64;
                let j = (i + delta).clamp(0, nodes.len() as i64 - 1) as usize;
                self.node = nodes[j];
            }
            _ => {
                let n = self.row_count() as i64;
                if n == 0 {
                    return;
                }
                let j = (self.row() as i64 + delta).clamp(0, n - 1) as usize;
                self.selected.insert(self.node, j);
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
                name: s.service_fqdn,
                kind,
                typed: String::new(),
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

    /// Performs an action of the main screen.
    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        self.notice = None;
        match action {
            Action::Up => self.move_sel(-1),
            Action::Down => self.move_sel(1),
            Action::FocusNext | Action::FocusPrev => {
                let order = [Focus::Tree, Focus::List, Focus::Details];
                let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
                let step = if action == Action::FocusNext {
                    1
                } else {
                    order.len() - 1
                };
                self.focus = order[(i + step) % order.len()];
            }
            Action::Open => {
                if self.focus == Focus::Tree {
                    self.focus = Focus::List;
                } else if let Some(target) = self.target() {
                    let read_only = self.write_blocked();
                    self.form = Some(forms::open_properties(target, read_only, &self.keymap));
                }
            }
            Action::Create => {
                if let Some(why) = self.write_blocked() {
                    self.notice = Some(format!("create: not available ({why})"));
                } else {
                    let kind = match self.node {
                        Node::Cmgs => Some(HostedKind::Cmg),
                        Node::Cdps | Node::Overview => Some(HostedKind::Cdp),
                        _ => None,
                    };
                    match kind {
                        Some(k) => self.form = Some(wizard::open(k, &self.model, &self.keymap)),
                        None => self.notice = Some(
                            "create: choose Cloud Distribution Points or Cloud Management Gateway"
                                .into(),
                        ),
                    }
                }
            }
            Action::Start => return self.service_action(ServiceAction::Start),
            Action::Stop => return self.service_action(ServiceAction::Stop),
            Action::Delete => return self.service_action(ServiceAction::Delete),
            Action::Refresh => return vec![self.request("refresh", Request::Reload)],
            Action::Logs => {
                self.node = Node::Logs;
                if let Some(s) = self.selected_service() {
                    self.filter = s.name.clone();
                }
                self.follow_logs = true;
            }
            Action::Alerts => {
                self.node = Node::Alerts;
                self.filter.clear();
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
            Action::Filter => self.modal = Some(Modal::Filter(Input::new(&self.filter))),
            Action::Palette => self.modal = Some(Modal::Palette(Input::default())),
            Action::Help => self.modal = Some(Modal::Help),
            Action::Quit | Action::ForceQuit => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Back => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                } else {
                    self.focus = Focus::Tree;
                }
            }
            // The rest are Form-context actions: only an open form acts on them.
            _ => {}
        }
        Vec::new()
    }

    fn on_modal_key(&mut self, modal: Modal, key: KeyEvent) -> Vec<Effect> {
        let action = self.keymap.action(&key, Context::Global);
        if action == Some(Action::ForceQuit) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        match modal {
            Modal::Help | Modal::Message(_) => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?')
                ) {
                    self.modal = None;
                }
            }
            Modal::Filter(mut input) => match key.code {
                KeyCode::Esc => {
                    self.filter.clear();
                    self.modal = None;
                }
                KeyCode::Enter => self.modal = None,
                _ => {
                    input.handle(&key);
                    self.filter = input.text().to_string();
                    self.modal = Some(Modal::Filter(input));
                }
            },
            Modal::Palette(mut input) => match key.code {
                KeyCode::Esc => self.modal = None,
                KeyCode::Enter => {
                    self.modal = None;
                    return self.run_command(input.text().trim());
                }
                _ => {
                    input.handle(&key);
                    self.modal = Some(Modal::Palette(input));
                }
            },
            Modal::ConfirmDelete {
                id,
                name,
                kind,
                mut typed,
            } => match key.code {
                // Cancel is the default: Esc, or Enter before the name matches.
                KeyCode::Esc => self.modal = None,
                KeyCode::Enter => {
                    self.modal = None;
                    if typed.eq_ignore_ascii_case(&name) {
                        let what = format!("delete {name}");
                        return vec![self.request(
                            &what,
                            Request::Act {
                                kind,
                                id,
                                action: ServiceAction::Delete,
                            },
                        )];
                    }
                    self.notice = Some("delete cancelled".into());
                }
                KeyCode::Backspace => {
                    typed.pop();
                    self.modal = Some(Modal::ConfirmDelete {
                        id,
                        name,
                        kind,
                        typed,
                    });
                }
                KeyCode::Char(c) => {
                    typed.push(c);
                    self.modal = Some(Modal::ConfirmDelete {
                        id,
                        name,
                        kind,
                        typed,
                    });
                }
                _ => {}
            },
        }
        Vec::new()
    }

    /// Runs a palette command (`cdp`, `cmg`, `alerts`, `logs`, `proxy`, `theme NAME`, `quit`, …).
    pub fn run_command(&mut self, cmd: &str) -> Vec<Effect> {
        let mut words = cmd.split_whitespace();
        let node = match words.next().unwrap_or("") {
            "cdp" | "cdps" => Some(Node::Cdps),
            "cmg" | "cmgs" => Some(Node::Cmgs),
            "alerts" => Some(Node::Alerts),
            "logs" => Some(Node::Logs),
            "status" | "status-messages" => Some(Node::StatusMessages),
            "proxy" | "servers" => Some(Node::SiteSystems),
            "overview" => Some(Node::Overview),
            "content" => Some(Node::Content),
            "theme" => {
                match words.next() {
                    Some(name) => self.theme = name.to_string(),
                    None => self.notice = Some("usage: :theme NAME".into()),
                }
                return Vec::new();
            }
            "q" | "quit" => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            "create" => {
                self.node = match words.next() {
                    Some("cmg") => Node::Cmgs,
                    _ => Node::Cdps,
                };
                return self.on_action(Action::Create);
            }
            "" => None,
            other => {
                self.notice = Some(format!(
                    "unknown command :{other} (try :cdp, :cmg, :alerts, :logs, :proxy, :create cdp, :theme NAME, :quit)"
                ));
                None
            }
        };
        if let Some(n) = node {
            self.node = n;
            self.filter.clear();
            self.focus = Focus::List;
        }
        Vec::new()
    }
}
