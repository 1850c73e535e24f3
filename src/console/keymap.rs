//! Keys → actions, with the default bindings below; every action can be remapped in the
//! config's `[keys]` section (`start = ["s"]`), and a key bound to two actions of the same
//! context is reported at load. The README's keyboard reference is checked against this table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Where an action applies: the main screen, a detail view, or inside a wizard/form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Lists, tree and details.
    Main,
    /// The detail view of one row (Enter).
    Detail,
    /// Wizard pages and forms.
    Form,
    /// Everywhere; a context's own binding wins over a global one, and a key may not be bound
    /// to a global action and any other.
    Global,
}

/// Main-screen actions that also work in a detail view (moving through the text, opening
/// the Properties of what it shows): a key of theirs may not be a detail view key too.
pub const IN_DETAIL: [Action; 3] = [Action::Up, Action::Down, Action::Properties];

macro_rules! actions {
    ($( $variant:ident = $name:literal, $ctx:ident, $label:literal, [$($key:literal),*] ;)*) => {
        /// Something the operator can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( #[doc = $label] $variant, )* }

        impl Action {
            /// Every action, in the order of the help screen.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            /// Name used in the config's `[keys]`.
            pub fn name(self) -> &'static str { match self { $(Action::$variant => $name),* } }
            /// Where it applies.
            pub fn context(self) -> Context { match self { $(Action::$variant => Context::$ctx),* } }
            /// What it does, for the footer and help.
            pub fn label(self) -> &'static str { match self { $(Action::$variant => $label),* } }
            /// Default keys, as written in the config (`ctrl+d`, `pagedown`).
            pub fn default_keys(self) -> &'static [&'static str] { match self { $(Action::$variant => &[$($key),*]),* } }
        }
    };
}

actions! {
    Up = "up", Main, "Move up", ["up", "k"];
    Down = "down", Main, "Move down", ["down", "j"];
    FocusNext = "focus_next", Main, "Next pane", ["tab"];
    FocusPrev = "focus_prev", Main, "Previous pane", ["shift+tab"];
    Open = "open", Main, "Details (the whole text of the row)", ["enter"];
    Properties = "properties", Main, "Properties", ["p"];
    Create = "create", Main, "Create", ["c"];
    Start = "start", Main, "Start Service", ["s"];
    Stop = "stop", Main, "Stop Service", ["x"];
    Delete = "delete", Main, "Delete", ["delete", "ctrl+d"];
    Refresh = "refresh", Main, "Refresh", ["r"];
    Logs = "logs", Main, "Logs", ["l"];
    Alerts = "alerts", Main, "Alerts", ["a"];
    Analyze = "analyze", Main, "Analyze (CMG)", ["z"];
    Filter = "filter", Main, "Filter", ["/"];
    Tree = "tree", Main, "Show or hide the workspace tree", ["t"];
    Palette = "palette", Main, "Command palette", [":"];
    Help = "help", Main, "Help", ["?"];
    Quit = "quit", Main, "Quit", ["q"];
    Back = "back", Global, "Back / cancel", ["esc"];
    ForceQuit = "force_quit", Global, "Quit anywhere", ["ctrl+c"];
    Copy = "copy", Detail, "Copy the text to the clipboard (OSC 52)", ["c"];
    Plain = "plain", Detail, "Plain text for mouse selection (no frame)", ["v"];
    NextField = "next_field", Form, "Next field", ["tab"];
    PrevField = "prev_field", Form, "Previous field", ["shift+tab"];
    NextPage = "next_page", Form, "Next page or tab", ["ctrl+n", "pagedown"];
    PrevPage = "prev_page", Form, "Previous page or tab", ["ctrl+p", "pageup"];
    Submit = "submit", Form, "Next (on the last field)", ["enter"];
    Redistribute = "redistribute", Form, "Redistribute the package (Content tab)", ["r"];
    Remove = "remove", Form, "Remove the package (Content tab)", ["delete", "ctrl+d"];
}

/// A key with modifiers, as written in the config (`ctrl+d`, `shift+tab`, `pagedown`, `s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The key. Shift has no flag: it is in the code (`shift+tab` is `BackTab`, `shift+s` is
    /// `Char('S')`).
    pub code: KeyCodeOrd,
    /// Ctrl held.
    pub ctrl: bool,
    /// Alt (or Meta) held.
    pub alt: bool,
}

/// `KeyCode` subset that orders and hashes (for the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    /// A character, case kept (`S` and `s` differ); `space` is `Char(' ')`.
    Char(char),
    /// Up arrow.
    Up,
    /// Down arrow.
    Down,
    /// Left arrow.
    Left,
    /// Right arrow.
    Right,
    /// Enter.
    Enter,
    /// Esc.
    Esc,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Home.
    Home,
    /// End.
    End,
    /// Page Up.
    PageUp,
    /// Page Down.
    PageDown,
    /// A function key; the config accepts F1–F12.
    F(u8),
}

impl Key {
    /// Parses a config key name.
    pub fn parse(text: &str) -> Result<Key, String> {
        let lower = text.trim().to_ascii_lowercase();
        let mut parts: Vec<&str> = lower.split('+').collect();
        // "+" alone, or "ctrl++", names the plus key.
        if lower.ends_with("++") || lower == "+" {
            parts.retain(|p| !p.is_empty());
            parts.push("+");
        }
        let last = parts
            .pop()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| format!("'{text}' names no key"))?;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        for m in parts {
            match m {
                "ctrl" | "control" => ctrl = true,
                "alt" | "meta" => alt = true,
                "shift" => shift = true,
                other => {
                    return Err(format!(
                        "'{other}' in '{text}' is not a modifier (ctrl, alt, shift)"
                    ));
                }
            }
        }
        let code = match last {
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "enter" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" if shift => KeyCodeOrd::BackTab,
            "tab" => KeyCodeOrd::Tab,
            "backtab" => KeyCodeOrd::BackTab,
            "backspace" => KeyCodeOrd::Backspace,
            "delete" | "del" => KeyCodeOrd::Delete,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "pageup" | "pgup" => KeyCodeOrd::PageUp,
            "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
            "space" => KeyCodeOrd::Char(' '),
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCodeOrd::F(f[1..].parse().unwrap_or(1))
            }
            s if s.chars().count() == 1 => {
                // Keep the case the operator wrote: "S" and "s" are different keys.
                let c = text.trim().chars().last().unwrap_or(' ');
                KeyCodeOrd::Char(if shift { c.to_ascii_uppercase() } else { c })
            }
            other => return Err(format!("'{other}' is not a key name")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key of a terminal event.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::F(n) => KeyCodeOrd::F(n),
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::Up => f.write_str("↑"),
            KeyCodeOrd::Down => f.write_str("↓"),
            KeyCodeOrd::Left => f.write_str("←"),
            KeyCodeOrd::Right => f.write_str("→"),
            KeyCodeOrd::Enter => f.write_str("Enter"),
            KeyCodeOrd::Esc => f.write_str("Esc"),
            KeyCodeOrd::Tab => f.write_str("Tab"),
            KeyCodeOrd::BackTab => f.write_str("Shift-Tab"),
            KeyCodeOrd::Backspace => f.write_str("Backspace"),
            KeyCodeOrd::Delete => f.write_str("Delete"),
            KeyCodeOrd::Home => f.write_str("Home"),
            KeyCodeOrd::End => f.write_str("End"),
            KeyCodeOrd::PageUp => f.write_str("PageUp"),
            KeyCodeOrd::PageDown => f.write_str("PageDown"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
        }
    }
}

/// A problem with the `[keys]` section: the key path it concerns and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// Path in the config: `["keys", action]`, the action as the operator wrote it.
    pub key_path: Vec<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key_path.join("."), self.message)
    }
}

/// The bindings in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let keys = Action::ALL
            .iter()
            .map(|a| {
                (
                    *a,
                    a.default_keys()
                        .iter()
                        .map(|k| Key::parse(k).expect("default keys parse"))
                        .collect(),
                )
            })
            .collect();
        Keymap { keys }
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` applied; every unknown action, bad key and
    /// conflict is reported.
    pub fn from_config(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, Vec<KeyProblem>> {
        let mut map = Keymap::default();
        let mut problems = Vec::new();
        let at = |name: &str| vec!["keys".to_string(), name.to_string()];
        for (name, keys) in overrides {
            let Some(action) = Action::ALL.iter().find(|a| a.name() == name) else {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                problems.push(KeyProblem {
                    key_path: at(name),
                    message: format!("unknown action; expected one of {}", names.join(", ")),
                });
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Ok(key) => parsed.push(key),
                    Err(e) => problems.push(KeyProblem {
                        key_path: at(name),
                        message: e.to_string(),
                    }),
                }
            }
            map.keys.insert(*action, parsed);
        }
        problems.extend(
            map.conflicts()
                .into_iter()
                .map(|(action, message)| KeyProblem {
                    key_path: at(action.name()),
                    message,
                }),
        );
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems)
        }
    }

    /// Keys bound to two actions that can apply at the same time: the second action and why.
    pub fn conflicts(&self) -> Vec<(Action, String)> {
        let mut out = Vec::new();
        let entries: Vec<(Action, Key)> = self
            .keys
            .iter()
            .flat_map(|(a, ks)| ks.iter().map(move |k| (*a, *k)))
            .collect();
        for (i, (a, k)) in entries.iter().enumerate() {
            for (b, k2) in &entries[i + 1..] {
                let in_detail = |x: &Action, y: &Action| {
                    x.context() == Context::Detail && IN_DETAIL.contains(y)
                };
                let overlap = a.context() == b.context()
                    || a.context() == Context::Global
                    || b.context() == Context::Global
                    || in_detail(a, b)
                    || in_detail(b, a);
                if k == k2 && a != b && overlap {
                    out.push((
                        *b,
                        format!("{k} is bound to both {} and {}", a.name(), b.name()),
                    ));
                }
            }
        }
        out
    }

    /// The action a key event means in `context`.
    pub fn action(&self, ev: &KeyEvent, context: Context) -> Option<Action> {
        let key = Key::from_event(ev)?;
        let matches = |a: &Action| self.keys.get(a).is_some_and(|ks| ks.contains(&key));
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.context() == context && matches(a))
            .or_else(|| {
                Action::ALL
                    .iter()
                    .copied()
                    .find(|a| a.context() == Context::Global && matches(a))
            })
    }

    /// The first key of an action, as shown ("Delete" for "Delete/Ctrl-d"; "/" for Filter).
    pub fn first_key_text(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .and_then(|ks| ks.first())
            .map(|k| k.to_string())
            .unwrap_or_default()
    }

    /// Keys of an action, as shown ("s", "Delete/Ctrl-d").
    pub fn keys_text(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .map(|ks| {
                ks.iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }
}

/// The README's keyboard reference, generated from the default bindings (a test keeps the
/// README equal to this).
pub fn reference_markdown() -> String {
    let k = Keymap::default();
    let mut out =
        String::from("| keys | action | where | config name |\n| --- | --- | --- | --- |\n");
    for a in Action::ALL {
        let keys: Vec<String> = k
            .keys
            .get(a)
            .map(|ks| ks.iter().map(|k| format!("`{k}`")).collect())
            .unwrap_or_default();
        let place = match a.context() {
            Context::Main => "main screen",
            Context::Detail => "detail view",
            Context::Form => "wizards and forms",
            Context::Global => "everywhere",
        };
        out.push_str(&format!(
            "| {} | {} | {place} | `{}` |\n",
            keys.join(" "),
            a.label(),
            a.name()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn defaults_have_no_conflicts_and_resolve_by_context() {
        let k = Keymap::default();
        assert!(k.conflicts().is_empty(), "{:?}", k.conflicts());
        assert_eq!(
            k.action(&ev(KeyCode::Char('s'), KeyModifiers::NONE), Context::Main),
            Some(Action::Start)
        );
        assert_eq!(
            k.action(
                &ev(KeyCode::Char('d'), KeyModifiers::CONTROL),
                Context::Main
            ),
            Some(Action::Delete)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Tab, KeyModifiers::NONE), Context::Form),
            Some(Action::NextField)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Tab, KeyModifiers::NONE), Context::Main),
            Some(Action::FocusNext)
        );
        assert_eq!(
            k.action(
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Context::Form
            ),
            Some(Action::ForceQuit)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Esc, KeyModifiers::NONE), Context::Main),
            Some(Action::Back)
        );
        assert_eq!(k.keys_text(Action::Delete), "Delete/Ctrl-d");
    }

    #[test]
    fn readme_keyboard_reference_matches_the_keymap() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("<!-- keys:begin -->")
            .expect("README has the keys:begin marker");
        let end = readme
            .find("<!-- keys:end -->")
            .expect("README has the keys:end marker");
        let table = readme[start + "<!-- keys:begin -->".len()..end].trim();
        assert_eq!(
            table,
            reference_markdown().trim(),
            "regenerate the README table from keymap::reference_markdown()"
        );
    }

    #[test]
    fn config_remaps_and_reports_conflicts_and_mistakes() {
        let mut o = BTreeMap::new();
        o.insert("start".to_string(), vec!["S".to_string()]);
        let k = Keymap::from_config(&o).unwrap();
        assert_eq!(
            k.action(&ev(KeyCode::Char('S'), KeyModifiers::NONE), Context::Main),
            Some(Action::Start)
        );
        assert_eq!(
            k.action(&ev(KeyCode::Char('s'), KeyModifiers::NONE), Context::Main),
            None
        );
        o.insert("stop".to_string(), vec!["S".to_string()]);
        o.insert("launch".to_string(), vec!["l".to_string()]);
        o.insert("refresh".to_string(), vec!["hyper+r".to_string()]);
        let errs: Vec<String> = Keymap::from_config(&o)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            errs.iter()
                .any(|e| e.contains("S is bound to both start and stop")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("keys.launch: unknown action"))
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("keys.refresh") && e.contains("hyper"))
        );
        // A global key may not be reused anywhere.
        let mut o = BTreeMap::new();
        o.insert("create".to_string(), vec!["esc".to_string()]);
        assert!(Keymap::from_config(&o).is_err());
    }
}
