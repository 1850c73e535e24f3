//! The command palette (`:`): its commands, what a typed line means, and Tab completion of
//! command names, creation kinds and theme names. The help screen, the palette's messages and
//! the README list the commands from [`COMMANDS`].

use super::node::Node;
use crate::domain::service::HostedKind;

/// A palette command: its name, what follows it, and what it does.
pub struct CommandHelp {
    /// The name typed (`cdp`).
    pub name: &'static str,
    /// What follows it (`cdp|cmg`, `NAME`), if anything.
    pub args: &'static str,
    /// What it does.
    pub does: &'static str,
}

/// Every command, in the order the help lists them.
pub const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "overview",
        args: "",
        does: "the Overview",
    },
    CommandHelp {
        name: "cdp",
        args: "",
        does: "Cloud Distribution Points",
    },
    CommandHelp {
        name: "cmg",
        args: "",
        does: "Cloud Management Gateway",
    },
    CommandHelp {
        name: "content",
        args: "",
        does: "the content library",
    },
    CommandHelp {
        name: "proxy",
        args: "",
        does: "Servers and Site System Roles (the Proxy tab)",
    },
    CommandHelp {
        name: "alerts",
        args: "",
        does: "every alert",
    },
    CommandHelp {
        name: "status",
        args: "",
        does: "Status Messages",
    },
    CommandHelp {
        name: "logs",
        args: "",
        does: "every log line",
    },
    CommandHelp {
        name: "create",
        args: "cdp|cmg",
        does: "the create wizard",
    },
    CommandHelp {
        name: "theme",
        args: "NAME",
        does: "switch the theme",
    },
    CommandHelp {
        name: "quit",
        args: "",
        does: "leave",
    },
];

/// The kinds `:create` takes.
const KINDS: [&str; 2] = ["cdp", "cmg"];

/// What a palette line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Show a node (unscoped, unfiltered).
    Go(Node),
    /// Open a create wizard; `None`: the kind of the list shown.
    Create(Option<HostedKind>),
    /// Switch to a theme.
    Theme(String),
    /// Leave.
    Quit,
    /// Nothing typed.
    Nothing,
}

/// The commands as one line: `:overview :cdp … :create cdp|cmg :theme NAME :quit`.
pub fn summary() -> String {
    COMMANDS
        .iter()
        .map(|c| match c.args {
            "" => format!(":{}", c.name),
            args => format!(":{} {args}", c.name),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `line` asks for, or why it asks for nothing this console knows; `themes` are the
/// names `:theme` takes.
pub fn parse(line: &str, themes: &[String]) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(Command::Nothing);
    };
    let arg = words.next();
    let node = |n| Ok(Command::Go(n));
    match first.to_ascii_lowercase().as_str() {
        "overview" => node(Node::Overview),
        "cdp" | "cdps" => node(Node::Cdps),
        "cmg" | "cmgs" => node(Node::Cmgs),
        "content" => node(Node::Content),
        "proxy" | "servers" => node(Node::SiteSystems),
        "alerts" => node(Node::Alerts),
        "status" | "status-messages" => node(Node::StatusMessages),
        "logs" => node(Node::Logs),
        "q" | "quit" => Ok(Command::Quit),
        "create" => match arg.map(str::to_ascii_lowercase).as_deref() {
            None => Ok(Command::Create(None)),
            Some("cdp") => Ok(Command::Create(Some(HostedKind::Cdp))),
            Some("cmg") => Ok(Command::Create(Some(HostedKind::Cmg))),
            Some(other) => Err(format!(
                ":create {other}: no such kind; the kinds are {}",
                KINDS.join(" and ")
            )),
        },
        "theme" => match arg {
            None => Err(format!("usage: :theme NAME ({})", themes.join(", "))),
            Some(name) if themes.iter().any(|t| t == name) => Ok(Command::Theme(name.into())),
            Some(name) => Err(format!(
                ":theme {name}: no such theme; the themes are {}",
                themes.join(", ")
            )),
        },
        other => Err(format!("unknown command :{other} — {}", summary())),
    }
}

/// What Tab made of the line: the completed line, and the choices left when several fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The line with the word under completion extended as far as every choice agrees.
    pub line: String,
    /// The choices when more than one fits (the operator types on to pick).
    pub choices: Vec<String>,
}

/// Completes the last word of `line`: a command name, a kind after `create`, a theme name
/// after `theme`. A single choice is completed with a space after it.
pub fn complete(line: &str, themes: &[String]) -> Completion {
    let trailing = line.ends_with(char::is_whitespace);
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial) = match (words.len(), trailing) {
        (0, _) => (Vec::new(), ""),
        (_, true) => (words.clone(), ""),
        (n, false) => (words[..n - 1].to_vec(), words[n - 1]),
    };
    let options: Vec<String> = match done.as_slice() {
        [] => COMMANDS.iter().map(|c| c.name.to_string()).collect(),
        [cmd] if cmd.eq_ignore_ascii_case("create") => {
            KINDS.iter().map(|k| k.to_string()).collect()
        }
        [cmd] if cmd.eq_ignore_ascii_case("theme") => themes.to_vec(),
        _ => Vec::new(),
    };
    let lower = partial.to_ascii_lowercase();
    let fits: Vec<String> = options
        .into_iter()
        .filter(|o| o.to_ascii_lowercase().starts_with(&lower))
        .collect();
    let head = |word: &str| {
        let mut parts = done.clone();
        parts.push(word);
        parts.join(" ")
    };
    match fits.as_slice() {
        [] => Completion {
            line: line.to_string(),
            choices: Vec::new(),
        },
        [one] => Completion {
            line: format!("{} ", head(one)),
            choices: Vec::new(),
        },
        many => {
            let common = many.iter().skip(1).fold(many[0].clone(), |acc, o| {
                acc.chars()
                    .zip(o.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            let line = if common.chars().count() > partial.chars().count() {
                head(&common)
            } else {
                line.to_string()
            };
            Completion {
                line,
                choices: many.to_vec(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes() -> Vec<String> {
        ["default", "light", "ansi16", "high-contrast"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn lines_mean_commands_and_unknown_kinds_are_refused_with_the_valid_ones() {
        let t = themes();
        assert_eq!(parse("cdp", &t), Ok(Command::Go(Node::Cdps)));
        assert_eq!(
            parse("  Status ", &t),
            Ok(Command::Go(Node::StatusMessages))
        );
        assert_eq!(
            parse("create cmg", &t),
            Ok(Command::Create(Some(HostedKind::Cmg)))
        );
        assert_eq!(parse("create", &t), Ok(Command::Create(None)));
        let e = parse("create foo", &t).unwrap_err();
        assert!(e.contains("foo") && e.contains("cdp and cmg"), "{e}");
        assert_eq!(parse("theme light", &t), Ok(Command::Theme("light".into())));
        assert!(
            parse("theme solarized", &t)
                .unwrap_err()
                .contains("high-contrast")
        );
        let e = parse("frobnicate", &t).unwrap_err();
        for c in [
            ":overview",
            ":content",
            ":status",
            ":create cdp|cmg",
            ":theme NAME",
        ] {
            assert!(e.contains(c), "{c} missing from {e}");
        }
        assert_eq!(parse("", &t), Ok(Command::Nothing));
    }

    #[test]
    fn tab_completes_commands_kinds_and_themes() {
        let t = themes();
        assert_eq!(complete("cr", &t).line, "create ");
        assert_eq!(complete("create ", &t).choices, ["cdp", "cmg"]);
        assert_eq!(complete("create cm", &t).line, "create cmg ");
        assert_eq!(complete("theme hi", &t).line, "theme high-contrast ");
        assert_eq!(complete("theme ", &t).choices, t);
        let c = complete("c", &t);
        assert_eq!(c.line, "c", "cdp, cmg, content, create share only the c");
        assert_eq!(c.choices, ["cdp", "cmg", "content", "create"]);
        assert_eq!(complete("con", &t).line, "content ");
        assert_eq!(complete("zz", &t).line, "zz");
        assert!(complete("zz", &t).choices.is_empty());
    }
}
