//! The semantic roles a theme styles. Views ask for a role, never for a colour.

use std::fmt;

macro_rules! roles {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A semantic role the console styles (`status.ready`, `border.focused`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role {
            $(#[doc = $doc] $variant,)*
        }

        impl Role {
            /// Every role, in the order themes list them.
            pub const ALL: [Role; [$($name),*].len()] = [$(Role::$variant),*];

            /// The role's dotted name as written in theme files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)*
                }
            }
        }
    };
}

roles! {
    StatusReady => "status.ready", "A service that is running and serving.";
    StatusProvisioning => "status.provisioning", "A service being created.";
    StatusStarting => "status.starting", "A service starting.";
    StatusStopping => "status.stopping", "A service stopping.";
    StatusStopped => "status.stopped", "A service stopped by the operator.";
    StatusUpgrading => "status.upgrading", "A service being upgraded or redeployed.";
    StatusDeleting => "status.deleting", "A service being deleted.";
    StatusError => "status.error", "A service in error.";
    AlertInfo => "alert.info", "An informational alert.";
    AlertWarning => "alert.warning", "A warning alert.";
    AlertCritical => "alert.critical", "A critical alert.";
    Focus => "focus", "The widget or row with keyboard focus.";
    Selection => "selection", "Selected rows or text.";
    Muted => "muted", "De-emphasised text (hints, timestamps).";
    Border => "border", "Borders of unfocused panes.";
    BorderFocused => "border.focused", "The border of the focused pane.";
    Title => "title", "Pane and dialog titles.";
    Header => "header", "Table headers and the top bar.";
    Footer => "footer", "The bottom bar.";
    Text => "text", "Ordinary text.";
    Key => "key", "Key hints (`s` start, `q` quit).";
    Input => "input", "Text being typed into a field.";
    InputInvalid => "input.invalid", "A field whose value breaks a rule.";
    Gauge => "gauge", "Gauges (usage against a threshold).";
    Sparkline => "sparkline", "Sparklines (usage over time).";
    LogInfo => "log.info", "Informational log lines.";
    LogWarning => "log.warning", "Warning log lines.";
    LogError => "log.error", "Error log lines.";
}

impl Role {
    /// How many roles there are.
    pub const COUNT: usize = Role::ALL.len();

    /// The role named `name` (`"status.ready"`), if there is one.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The role's position in [`Role::ALL`], for table lookups.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Whether `path` is a role or the group above one (`status`, `border`).
    pub(crate) fn is_prefix(path: &str) -> bool {
        Role::ALL.iter().any(|r| {
            let name = r.as_str();
            name == path
                || name
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// The names directly below `path` (`""` for the top level): `["ready", …]` under `status`.
    pub(crate) fn children(path: &str) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Role::ALL
            .iter()
            .filter_map(|r| {
                let rest = if path.is_empty() {
                    Some(r.as_str())
                } else {
                    r.as_str().strip_prefix(path)?.strip_prefix('.')
                };
                rest.map(|rest| rest.split('.').next().unwrap_or(rest))
            })
            .collect();
        out.dedup();
        out
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_matches_position() {
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(Role::from_name(role.as_str()), Some(role));
            assert_eq!(role.index(), i);
        }
        assert_eq!(Role::COUNT, 28);
        assert_eq!(Role::from_name("status"), None);
    }

    #[test]
    fn groups_and_children() {
        assert!(Role::is_prefix("status"));
        assert!(Role::is_prefix("border"));
        assert!(!Role::is_prefix("stat"));
        assert_eq!(Role::children("border"), vec!["focused"]);
        assert_eq!(Role::children("alert"), vec!["info", "warning", "critical"]);
        assert!(Role::children("").contains(&"status"));
    }
}
