//! The process's `tracing` subscriber: events on stderr, filtered by `RUST_LOG` when it is
//! set, else by `--debug`, else (for `serve`) by `[logging] level`. The scripting commands
//! and the console stay quiet unless asked (`--debug` or `RUST_LOG`): their stderr carries
//! errors for scripts, and the console owns the terminal. The site's CMTrace files are written
//! whatever the filter (leaving out records below `[logging] level`).

use crate::config::LogLevel;
use tracing_subscriber::EnvFilter;

/// What the filter is when `RUST_LOG` is not set.
fn default_filter(debug: bool, serve: bool, level: LogLevel) -> Option<String> {
    if debug {
        return Some("cloudsite=debug,tower_http=debug,info".into());
    }
    if !serve {
        return None;
    }
    let level = match level {
        LogLevel::Error => "error",
        LogLevel::Warning => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    Some(level.into())
}

/// Installs the subscriber for this run, if one is wanted. `console`: the terminal is the
/// console's, so nothing is written to it even when asked.
pub(super) fn init(debug: bool, serve: bool, console: bool, level: LogLevel) {
    if console {
        return;
    }
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match EnvFilter::try_new(&spec) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("cloudsite: RUST_LOG={spec} is not a filter ({e}); using 'info'");
                EnvFilter::new("info")
            }
        },
        _ => match default_filter(debug, serve, level) {
            Some(spec) => EnvFilter::new(spec),
            None => return,
        },
    };
    // Err only when a subscriber is already installed (a test harness): keep that one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// `[logging] level` as the least severe CMTrace record written.
pub(super) fn cmtrace_level(level: LogLevel) -> crate::domain::task::Level {
    use crate::domain::task::Level;
    match level {
        LogLevel::Error => Level::Error,
        LogLevel::Warning => Level::Warning,
        LogLevel::Info | LogLevel::Debug | LogLevel::Trace => Level::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_quiet_unless_asked_and_serve_follows_the_config() {
        assert_eq!(default_filter(false, false, LogLevel::Trace), None);
        assert!(default_filter(true, false, LogLevel::Error).is_some_and(|f| f.contains("debug")));
        assert_eq!(
            default_filter(false, true, LogLevel::Warning).as_deref(),
            Some("warn")
        );
        assert_eq!(
            cmtrace_level(LogLevel::Error),
            crate::domain::task::Level::Error
        );
        assert_eq!(
            cmtrace_level(LogLevel::Debug),
            crate::domain::task::Level::Info
        );
    }
}
