//! Why a theme could not be loaded.

use crate::config::located::Problem;
use std::path::PathBuf;

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// No built-in or user theme has this name.
    #[error("no theme named '{name}'; available themes: {}", available.join(", "))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The names that do exist.
        available: Vec<String>,
    },
    /// The name could not be a theme file name.
    #[error(
        "'{name}' is not a theme name: use letters, digits, '-' and '_' (the file is NAME.toml)"
    )]
    BadName {
        /// The name asked for.
        name: String,
    },
    /// A user theme file exists but cannot be read.
    #[error("cannot read theme file {}: {source}", path.display())]
    Read {
        /// The user theme file, `NAME.toml` in the themes directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A theme file has mistakes; each problem names file, line, column and key.
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Every problem found in the file.
        problems: Vec<Problem>,
    },
    /// A theme without a parent leaves roles unset.
    #[error("{file}: the theme has no parent, so it must set every role; missing: {}", missing.join(", "))]
    MissingRoles {
        /// The theme file: its path, or `themes/NAME.toml` for a built-in.
        file: String,
        /// The roles it does not set.
        missing: Vec<String>,
    },
    /// A theme names a parent that does not exist.
    #[error("{place}: parent: no theme named '{parent}' (inheritance chain: {})", chain.join(" -> "))]
    UnknownParent {
        /// `file:line:column` of the `parent` key.
        place: String,
        /// The missing parent.
        parent: String,
        /// The themes followed so far, child first.
        chain: Vec<String>,
    },
    /// Themes inherit from each other in a loop.
    #[error("themes inherit from each other in a cycle: {}", chain.join(" -> "))]
    Cycle {
        /// The themes in the loop, child first, ending with the repeated one.
        chain: Vec<String>,
    },
}
