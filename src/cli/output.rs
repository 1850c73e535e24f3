//! How the scripting commands talk back: the output format (`-o json|table|tsv`), tables and
//! lines for people (every site or file value made safe for a terminal: `display`), errors
//! with their exit codes (one JSON object on stderr in JSON mode), and waiting for a task with
//! a deadline and a progress line.
//!
//! Exit codes (README, "Exit codes"): 0 done; 1 the command ran and reports a failure (a
//! task failed, a distribution failed); 2 usage error; 3 not found; 4 refused by the site
//! (any other 4xx: invalid field, conflict, forbidden, unauthorized); 5 the site cannot be
//! reached; 6 internal error (5xx, a local file that cannot be read); 124 `--timeout` ran out.
//! `cert inspect` keeps its own 0/1/2 contract.

use crate::api::client::{Client, ClientError};
use crate::api::wire::{Event, TaskView};
use crate::domain::task::TaskState;
use serde::Serialize;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

/// The output format of the scripting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document (sizes and times raw).
    Json,
    /// Tab-separated values, a header line first (for `cut`, `awk`, spreadsheets).
    Tsv,
}

static FORMAT: OnceLock<Format> = OnceLock::new();

/// Sets the format chosen on the command line (once, at start).
pub fn set_format(format: Format) {
    let _ = FORMAT.set(format);
}

/// The format in use: `-o`, or JSON when a command's own `--json` says so.
pub fn format(json_flag: bool) -> Format {
    if json_flag {
        Format::Json
    } else {
        FORMAT.get().copied().unwrap_or_default()
    }
}

/// Whether JSON is wanted (by `-o json` or the command's `--json`).
pub fn is_json(json_flag: bool) -> bool {
    format(json_flag) == Format::Json
}

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

/// Prints rows under headers: aligned columns, or tab-separated with `-o tsv`. Cells are made
/// safe for a terminal (a CR or LF shows as `\u{d}` and keeps its row on one line).
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    for line in table_lines(headers, rows, FORMAT.get() == Some(&Format::Tsv)) {
        println!("{line}");
    }
}

/// The lines [`table`] prints.
fn table_lines(headers: &[&str], rows: &[Vec<String>], tsv: bool) -> Vec<String> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| safe(c)).collect())
        .collect();
    if tsv {
        return std::iter::once(headers.join("\t"))
            .chain(rows.iter().map(|r| r.join("\t")))
            .collect();
    }
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(width(c));
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    std::iter::once(line(
        &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    ))
    .chain(rows.iter().map(|r| line(r)))
    .collect()
}

/// `text` made safe for a terminal: control characters, escape sequences and BiDi overrides
/// shown as escapes (`\u{1b}`).
pub fn safe(text: &str) -> String {
    crate::display::terminal_safe(text).into_owned()
}

/// Prints one line for people, made [`safe`] whole (it carries site or file values).
pub fn say(line: impl AsRef<str>) {
    println!("{}", safe(line.as_ref()));
}

/// Prints `cloudsite: warning: …` on stderr, made [`safe`].
pub fn warn(text: impl AsRef<str>) {
    eprintln!("cloudsite: warning: {}", safe(text.as_ref()));
}

/// A column title for short times: `LAST SEEN (+01:00)`, the zone they are in.
pub fn zoned(title: &str) -> String {
    format!("{title} ({})", crate::display::zone_label())
}

/// Why a command failed, and so its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The command ran and what it did failed (exit 1).
    Failed,
    /// The object does not exist (exit 3).
    NotFound,
    /// The site refused the request (exit 4).
    Refused,
    /// The site cannot be reached (exit 5).
    Unreachable,
    /// Something broke that the operator did not ask for (exit 6).
    Internal,
    /// `--timeout` ran out (exit 124, as `timeout(1)`).
    TimedOut,
}

impl Failure {
    /// The exit code.
    pub fn code(self) -> u8 {
        match self {
            Failure::Failed => 1,
            Failure::NotFound => 3,
            Failure::Refused => 4,
            Failure::Unreachable => 5,
            Failure::Internal => 6,
            Failure::TimedOut => 124,
        }
    }
}

/// A command's error: what kind, the message, and the site's field and rule when it named one.
#[derive(Debug, Clone)]
pub struct CliError {
    /// What kind of failure.
    pub kind: Failure,
    /// The whole message.
    pub message: String,
    /// The site's error code (`invalid_field`, `conflict`, …), when it answered.
    pub code: Option<String>,
    /// The field at fault, when the site named one.
    pub field: Option<String>,
}

impl CliError {
    /// An error of `kind`.
    pub fn new(kind: Failure, message: impl Into<String>) -> CliError {
        CliError {
            kind,
            message: message.into(),
            code: None,
            field: None,
        }
    }
}

impl Failure {
    /// The kind of a failed call to the site.
    pub fn of(e: &ClientError) -> Failure {
        match e.status() {
            None => Failure::Unreachable,
            Some(404) => Failure::NotFound,
            Some(s) if (400..500).contains(&s) => Failure::Refused,
            Some(_) => Failure::Internal,
        }
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> CliError {
        let kind = Failure::of(&e);
        let (code, field) = match &e {
            ClientError::Api { detail, .. } => (Some(detail.code.clone()), detail.field.clone()),
            ClientError::Transport { .. } => (None, None),
        };
        CliError {
            kind,
            message: e.to_string(),
            code,
            field,
        }
    }
}

impl From<String> for CliError {
    fn from(message: String) -> CliError {
        CliError::new(Failure::Failed, message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> CliError {
        CliError::new(Failure::Failed, message)
    }
}

/// Prints an error the way the output format says (text, or one JSON object on stderr) and
/// returns its exit code.
pub fn fail(error: impl Into<CliError>) -> ExitCode {
    let e = error.into();
    if FORMAT.get() == Some(&Format::Json) {
        let body = serde_json::json!({ "error": {
            "kind": e.kind,
            "code": e.code,
            "field": e.field,
            "message": e.message,
            "exit": e.kind.code(),
        }});
        eprintln!("{body}");
    } else {
        // The message often quotes the site's words.
        eprintln!("cloudsite: {}", safe(&e.message));
    }
    ExitCode::from(e.kind.code())
}

/// Prints a plain failure (exit 1).
pub fn fail_text(message: impl std::fmt::Display) -> ExitCode {
    fail(CliError::new(Failure::Failed, message.to_string()))
}

/// How long `--wait` may wait, and whether it reports progress.
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    /// Give up (exit 124) after this long; none: wait as long as it takes.
    pub timeout: Option<Duration>,
    /// Print state changes and the task's step on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl Waiting {
    /// Waiting with `timeout`, with progress when stderr is a terminal.
    pub fn new(timeout: Option<Duration>) -> Waiting {
        Waiting {
            timeout,
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// Waits until the task ends (following the events, re-reading the task if the stream ends),
/// at most `waiting.timeout`.
pub async fn wait_task(
    client: &Client,
    task_id: &str,
    waiting: Waiting,
) -> Result<TaskView, CliError> {
    let run = follow_task(client, task_id, waiting.progress);
    match waiting.timeout {
        None => run.await,
        Some(limit) => tokio::time::timeout(limit, run).await.map_err(|_| {
            CliError::new(
                Failure::TimedOut,
                format!(
                    "the task {task_id} did not end within {}; it goes on (follow it with `cloudsite status-messages` or the console)",
                    crate::domain::duration::format(limit)
                ),
            )
        })?,
    }
}

async fn follow_task(client: &Client, task_id: &str, progress: bool) -> Result<TaskView, CliError> {
    let mut last_line = String::new();
    let mut report = |t: &TaskView| {
        if !progress {
            return;
        }
        let line = match t.step {
            Some(step) => format!("{:?}: {:?} — {}", t.kind, t.state, step.describe()),
            None => format!("{:?}: {:?}", t.kind, t.state),
        };
        if line != last_line {
            eprintln!("{line}");
            last_line = line;
        }
    };
    loop {
        // Subscribe before reading, so an end between the two is not missed.
        let mut events = client.events(None).await?;
        let task = client.task(task_id).await?;
        report(&task);
        if task.state.is_final() {
            return Ok(task);
        }
        while let Some(ev) = events.next().await {
            let Ok(ev) = ev else { break };
            if let Event::Task(t) = ev.event
                && t.id == task_id
            {
                report(&t);
                if t.state.is_final() {
                    return Ok(t);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Exit code for a finished task: 0 completed, 1 failed (with the reason on stderr).
pub fn task_exit(task: &TaskView) -> ExitCode {
    match task.state {
        TaskState::Completed => ExitCode::SUCCESS,
        _ => fail_text(format!(
            "the {:?} task failed: {}",
            task.kind,
            task.error.as_deref().unwrap_or("no reason given")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_wider_than_a_format_width_is_padded_not_a_panic() {
        // A description of 65,536 characters or more, stored before the site's limit, once made
        // `{:width$}` panic ("Formatting argument out of range") for every `cdp list`.
        let long = "d".repeat(70_000);
        let rows = vec![
            vec!["cdp1".to_string(), long.clone()],
            vec!["cdp2".to_string(), "x".to_string()],
        ];
        let lines = table_lines(&["NAME", "DESCRIPTION"], &rows, false);
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with(&long));
    }

    #[test]
    fn table_cells_from_the_site_stay_on_their_row_and_cannot_drive_the_terminal() {
        let rows = vec![
            vec![
                "cdp1".to_string(),
                "first\r\nsecond \u{1b}[2J\u{202E}".to_string(),
            ],
            vec!["cdp2".to_string(), "tab\there".to_string()],
        ];
        for tsv in [false, true] {
            let lines = table_lines(&["NAME", "DESCRIPTION"], &rows, tsv);
            assert_eq!(lines.len(), 3, "{lines:?}");
            assert!(
                lines[1].ends_with("first\\u{d}\\u{a}second \\u{1b}[2J\\u{202e}"),
                "{lines:?}"
            );
            // The TSV separator is the only control character left.
            let control = |c: char| c.is_control() && c != '\t';
            assert!(lines.iter().all(|l| !l.chars().any(control)), "{lines:?}");
            // A tab in a cell cannot split a TSV row.
            assert_eq!(
                lines[2].matches('\t').count(),
                usize::from(tsv),
                "{lines:?}"
            );
        }
        let aligned = table_lines(
            &["NAME", "SIZE"],
            &[vec!["東京".into(), "1 B".into()]],
            false,
        );
        assert_eq!(aligned, ["NAME  SIZE", "東京  1 B"]);
    }

    #[test]
    fn each_kind_of_failure_has_its_exit_code() {
        let api = |status: u16| ClientError::Api {
            status,
            detail: crate::api::wire::ErrorDetail {
                code: "x".into(),
                message: "m".into(),
                field: None,
                rule: None,
            },
        };
        assert_eq!(CliError::from(api(404)).kind.code(), 3);
        assert_eq!(CliError::from(api(409)).kind.code(), 4);
        assert_eq!(CliError::from(api(400)).kind.code(), 4);
        assert_eq!(CliError::from(api(500)).kind.code(), 6);
        let down = ClientError::Transport {
            url: "http://127.0.0.1:1".into(),
            message: "connection refused".into(),
        };
        assert_eq!(CliError::from(down).kind.code(), 5);
        assert_eq!(CliError::from("boom".to_string()).kind.code(), 1);
        assert_eq!(Failure::TimedOut.code(), 124);
    }
}
