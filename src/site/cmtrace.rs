//! CMTrace-format logs (`CloudMgr.log`, `CloudDP-<ServiceName>.log`, the CMG logs), written the
//! way ConfigMgr writes them so CMTrace and OneTrace open them, and read back for the API.
//!
//! Format decisions:
//! - A record is `<![LOG[message]LOG]!><time="HH:MM:SS.mmm+000" date="MM-DD-YYYY"
//!   component="…" context="" type="1" thread="N" file="">` followed by CRLF, as ConfigMgr
//!   writes on Windows. Times are UTC, so the bias is always `+000`.
//! - Messages may span lines (ConfigMgr's do too); readers parse records, not lines, so a
//!   multi-line message reads back whole.
//! - The record terminator `]LOG]!>` inside a message is written as `]LOG]!&gt;`; CMTrace does
//!   not decode entities, so this is the one lossy change, and it keeps every record parseable.
//! - PEM private key blocks and values registered with [`LogWriter::register_secret`] are
//!   replaced by `[redacted]` before anything reaches the file.
//! - `thread` is a small per-process number for the writing thread, not the OS thread id.
//! - At the size limit `X.log` is renamed to `X.lo_` (replacing the previous one) and a new
//!   `X.log` begins, as ConfigMgr does; one generation of history is kept.

use crate::api::wire::LogFileView;
use crate::domain::task::Level;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Size at which a log is rotated (ConfigMgr's default for most components).
pub const DEFAULT_MAX_SIZE: u64 = 5 * 1024 * 1024;
/// The services manager's own log.
pub const CLOUD_MGR_LOG: &str = "CloudMgr.log";
/// CMG setup log (synced from the instances in ConfigMgr; written here as steps happen).
pub const CMG_SETUP_LOG: &str = "CMGSetup.log";
/// CMG service log (synced from the instances in ConfigMgr; written here from the gateway
/// samples: channels opened and closed).
pub const CMG_SERVICE_LOG: &str = "CMGService.log";
/// Replaces every secret in a written line.
pub const REDACTED: &str = "[redacted]";

const START: &[u8] = b"<![LOG[";
const END: &[u8] = b"]LOG]!>";
const ESCAPED_END: &str = "]LOG]!&gt;";
/// Most bytes one read (tail or follow) looks at, so a huge foreign log cannot exhaust memory.
const READ_WINDOW: u64 = 8 * 1024 * 1024;

/// What went wrong writing or reading a log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file name could escape the log dir or is not a log name.
    #[error("log file name {name:?} is not allowed: {reason}")]
    BadFileName {
        /// The name given.
        name: String,
        /// The rule it broke.
        reason: &'static str,
    },
    /// The file system failed.
    #[error("log file {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One parsed log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogLine {
    /// When, RFC 3339 in UTC (e.g. `2024-05-03T12:34:56.789Z`).
    pub time: String,
    /// The writing component (e.g. `SMS_CLOUD_SERVICES_MANAGER`).
    pub component: String,
    /// Info, warning or error (CMTrace `type` 1, 2, 3).
    pub level: Level,
    /// The `thread` attribute.
    pub thread: u32,
    /// The message text.
    pub message: String,
}

/// Appends CMTrace records to the logs in one directory; shareable across threads.
#[derive(Debug)]
pub struct LogWriter {
    dir: PathBuf,
    max_size: u64,
    min_level: Level,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    open: HashMap<String, (File, u64)>,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("open", &self.open.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl LogWriter {
    /// A writer for `log_dir`, created if missing, rotating at [`DEFAULT_MAX_SIZE`].
    pub fn new(log_dir: &Path) -> Result<LogWriter, LogError> {
        std::fs::create_dir_all(log_dir).map_err(|source| LogError::Io {
            path: log_dir.to_path_buf(),
            source,
        })?;
        Ok(LogWriter {
            dir: log_dir.to_path_buf(),
            max_size: DEFAULT_MAX_SIZE,
            min_level: Level::Info,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// The same writer leaving out records less severe than `level` (`[logging] level`).
    pub fn with_min_level(mut self, level: Level) -> LogWriter {
        self.min_level = level;
        self
    }

    /// Whether a record of `level` is written.
    pub fn writes(&self, level: Level) -> bool {
        level >= self.min_level
    }

    /// `message` as it would be written: private keys and registered secrets replaced.
    pub fn redacted(&self, message: &str) -> String {
        let inner = self.lock();
        let mut text = redact(message);
        for secret in &inner.secrets {
            text = text.replace(secret.as_str(), REDACTED);
        }
        text
    }

    /// The same writer rotating at `bytes` instead.
    pub fn with_max_size(mut self, bytes: u64) -> LogWriter {
        self.max_size = bytes.max(1);
        self
    }

    /// The log dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of log `file`, after checking the name.
    pub fn path(&self, file: &str) -> Result<PathBuf, LogError> {
        check_file_name(file, false)?;
        Ok(self.dir.join(file))
    }

    /// Makes every later line replace `secret` with `[redacted]` (e.g. a PFX password that
    /// might appear in an error message). Empty strings are ignored.
    pub fn register_secret(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut inner = self.lock();
        if !inner.secrets.iter().any(|s| s == secret) {
            inner.secrets.push(secret.to_string());
            // Longest first, so a secret containing another is replaced whole.
            inner.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Appends one record to `file` (e.g. `CloudMgr.log`), rotating it first if it is full.
    pub fn write(
        &self,
        file: &str,
        component: &str,
        level: Level,
        message: &str,
    ) -> Result<(), LogError> {
        check_file_name(file, false)?;
        if !self.writes(level) {
            return Ok(());
        }
        let text = self.redacted(message);
        let mut inner = self.lock();
        let line = format_line(
            time::OffsetDateTime::now_utc(),
            component,
            level,
            thread_number(),
            &text,
        );
        let path = self.dir.join(file);
        let io = |source| LogError::Io {
            path: path.clone(),
            source,
        };
        let len = line.len() as u64;
        let needs_rotation = match inner.open.get(file) {
            Some((_, size)) => *size > 0 && size + len > self.max_size,
            None => {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                size > 0 && size + len > self.max_size
            }
        };
        if needs_rotation {
            inner.open.remove(file);
            std::fs::rename(&path, path.with_extension("lo_")).map_err(io)?;
        }
        if !inner.open.contains_key(file) {
            let handle = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io)?;
            let size = handle.metadata().map_err(io)?.len();
            inner.open.insert(file.to_string(), (handle, size));
        }
        if let Some((handle, size)) = inner.open.get_mut(file) {
            // One write call per record: a concurrent reader sees whole records or none.
            handle.write_all(line.as_bytes()).map_err(io)?;
            *size += len;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave Inner inconsistent in a harmful way.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The name of a CDP's usage log: `CloudDP-<ServiceName>.log`.
pub fn cloud_dp_log(service_name: &str) -> String {
    format!("CloudDP-{service_name}.log")
}

/// Formats one record exactly as ConfigMgr does, CRLF included.
pub fn format_line(
    at: time::OffsetDateTime,
    component: &str,
    level: Level,
    thread: u32,
    message: &str,
) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let component: String = component
        .chars()
        .map(|c| {
            if c == '"' || c == '<' || c == '>' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!(
        "<![LOG[{}]LOG]!><time=\"{:02}:{:02}:{:02}.{:03}+000\" date=\"{:02}-{:02}-{:04}\" component=\"{}\" context=\"\" type=\"{}\" thread=\"{}\" file=\"\">\r\n",
        message.replace("]LOG]!>", ESCAPED_END),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond(),
        u8::from(at.month()),
        at.day(),
        at.year(),
        component,
        level.cmtrace_type(),
        thread,
    )
}

/// Replaces PEM private key blocks (`-----BEGIN … PRIVATE KEY-----` to the matching END line,
/// or to the end of the text if it is cut off) with `[redacted]`.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_len) = after.find("-----") else {
            break;
        };
        let label = &after[..label_len];
        if !label.ends_with("PRIVATE KEY") || label.contains('\n') {
            let skip = begin + "-----BEGIN ".len();
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        out.push_str(&rest[..begin]);
        out.push_str(REDACTED);
        let end_marker = format!("-----END {label}-----");
        match after.find(&end_marker) {
            Some(end) => rest = &after[end + end_marker.len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Parses one record (one line as written; surrounding whitespace is ignored).
pub fn parse_line(line: &str) -> Option<LogLine> {
    let bytes = line.trim().as_bytes();
    if !bytes.starts_with(START) {
        return None;
    }
    match parse_record(bytes) {
        Record::Complete(parsed, _) => parsed,
        Record::Partial => None,
    }
}

/// The last `max_lines` records of log `file` in `log_dir`, oldest first. When the current
/// file holds fewer, the rotated `.lo_` supplies the older ones. A missing log reads as empty.
pub fn read_tail(log_dir: &Path, file: &str, max_lines: usize) -> Result<Vec<LogLine>, LogError> {
    check_file_name(file, true)?;
    let path = log_dir.join(file);
    let mut lines = tail_of(&path, max_lines)?;
    if lines.len() < max_lines && path.extension().is_some_and(|e| e == "log") {
        let mut older = tail_of(&path.with_extension("lo_"), max_lines - lines.len())?;
        older.append(&mut lines);
        lines = older;
    }
    Ok(lines)
}

fn tail_of(path: &Path, max_lines: usize) -> Result<Vec<LogLine>, LogError> {
    let Some((bytes, _)) = read_from(path, None)? else {
        return Ok(Vec::new());
    };
    let (mut lines, _) = parse_records(&bytes);
    let skip = lines.len().saturating_sub(max_lines);
    lines.drain(..skip);
    Ok(lines)
}

/// The `.log` files in `log_dir`, by name. A missing directory lists as empty.
pub fn list_logs(log_dir: &Path) -> Result<Vec<LogFileView>, LogError> {
    let io = |source| LogError::Io {
        path: log_dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(log_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut logs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if check_file_name(&name, false).is_err() {
            continue;
        }
        let meta = entry.metadata().map_err(io)?;
        if !meta.is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        logs.push(LogFileView {
            name,
            size: meta.len(),
            modified: super::store::millis_to_rfc3339(modified),
        });
    }
    logs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(logs)
}

/// The complete records written to `path` since byte `offset`, and the offset to poll from
/// next. An offset past the end means the log was rotated: reading restarts at 0. A record
/// still being written is left for the next poll.
pub fn follow_from(path: &Path, offset: u64) -> Result<(Vec<LogLine>, u64), LogError> {
    let Some((mut bytes, mut start)) = read_from(path, Some(offset))? else {
        return Ok((Vec::new(), 0));
    };
    if start > 0 && !at_record_boundary(&bytes) {
        // The offset lands inside a record: the file was rotated and has already grown past
        // the old offset. Offsets we hand out always sit on a boundary.
        match read_from(path, Some(0))? {
            Some((all, zero)) => (bytes, start) = (all, zero),
            None => return Ok((Vec::new(), 0)),
        }
    }
    let (lines, consumed) = parse_records(&bytes);
    Ok((lines, start + consumed as u64))
}

/// Whether `bytes` (read from an offset) start at a record: nothing yet, line breaks, then the
/// record marker or a prefix of it still being written.
fn at_record_boundary(bytes: &[u8]) -> bool {
    let rest = bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .map_or(&[][..], |i| &bytes[i..]);
    let n = rest.len().min(START.len());
    rest[..n] == START[..n]
}

/// Reads from `offset` (or the last window, for `None`) to the end, at most [`READ_WINDOW`]
/// bytes; returns the bytes and where they start. `None` if the file does not exist.
fn read_from(path: &Path, offset: Option<u64>) -> Result<Option<(Vec<u8>, u64)>, LogError> {
    let io = |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let size = file.metadata().map_err(io)?.len();
    let start = match offset {
        Some(o) if o <= size => o,
        Some(_) => 0,
        None => size.saturating_sub(READ_WINDOW),
    };
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(READ_WINDOW).read_to_end(&mut bytes).map_err(io)?;
    Ok(Some((bytes, start)))
}

enum Record {
    /// The record ends at the byte count; `None` if it was complete but not understood.
    Complete(Option<LogLine>, usize),
    /// The record's end has not been written yet.
    Partial,
}

/// Parses every complete record in `bytes`; returns them and how many bytes they span
/// (anything after that may be a record still being written).
fn parse_records(bytes: &[u8]) -> (Vec<LogLine>, usize) {
    let mut lines = Vec::new();
    let mut pos = 0;
    loop {
        let Some(start) = find(bytes, START, pos) else {
            // Keep a tail that could be the beginning of the next record's marker.
            let keep = (1..START.len())
                .rev()
                .find(|&n| bytes.len() >= n && bytes.ends_with(&START[..n]))
                .unwrap_or(0);
            return (lines, bytes.len().max(pos) - keep);
        };
        match parse_record(&bytes[start..]) {
            Record::Complete(parsed, len) => {
                lines.extend(parsed);
                pos = start + len;
                while pos < bytes.len() && (bytes[pos] == b'\r' || bytes[pos] == b'\n') {
                    pos += 1;
                }
            }
            Record::Partial => return (lines, start),
        }
    }
}

/// Parses the record at the start of `bytes` (which begins with `<![LOG[`).
fn parse_record(bytes: &[u8]) -> Record {
    let Some(msg_end) = find(bytes, END, START.len()) else {
        return Record::Partial;
    };
    let attrs_start = msg_end + END.len();
    let Some(close) = bytes[attrs_start..].iter().position(|&b| b == b'>') else {
        return Record::Partial;
    };
    let len = attrs_start + close + 1;
    let message = String::from_utf8_lossy(&bytes[START.len()..msg_end]).into_owned();
    let attrs = String::from_utf8_lossy(&bytes[attrs_start..attrs_start + close]);
    Record::Complete(build_line(message, &attributes(&attrs)), len)
}

fn build_line(message: String, attrs: &HashMap<&str, &str>) -> Option<LogLine> {
    let time = timestamp(attrs.get("time")?, attrs.get("date")?)?;
    let level = match attrs.get("type").copied() {
        Some("2") => Level::Warning,
        Some("3") => Level::Error,
        _ => Level::Info,
    };
    // ConfigMgr writes `thread="5140"`, some tools `thread="5140 (0x1414)"`.
    let thread = attrs
        .get("thread")
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Some(LogLine {
        time,
        component: attrs.get("component").copied().unwrap_or("").to_string(),
        level,
        thread,
        message,
    })
}

/// `key="value"` pairs of a record's attribute list.
fn attributes(text: &str) -> HashMap<&str, &str> {
    let mut map = HashMap::new();
    let mut rest = text.trim_start_matches('<');
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        map.insert(key, &after[..end]);
        rest = &after[end + 1..];
    }
    map
}

/// `HH:MM:SS.fff±BBB` and `MM-DD-YYYY` to RFC 3339 UTC. The bias is minutes to add to local
/// time to get UTC (Windows' convention: Pacific is `+480`).
fn timestamp(time_attr: &str, date_attr: &str) -> Option<String> {
    let sign_at = time_attr.rfind(['+', '-']);
    let (clock, bias) = match sign_at {
        Some(i) => (&time_attr[..i], time_attr[i..].parse::<i64>().ok()?),
        None => (time_attr, 0),
    };
    let mut hms = clock.splitn(3, ':');
    let hour: u8 = hms.next()?.parse().ok()?;
    let minute: u8 = hms.next()?.parse().ok()?;
    let sec_part = hms.next()?;
    let (sec, frac) = sec_part.split_once('.').unwrap_or((sec_part, ""));
    let second: u8 = sec.parse().ok()?;
    let frac_digits: String = frac.chars().take(9).collect();
    let nanos: u32 = format!("{frac_digits:0<9}").parse().ok()?;
    let mut dmy = date_attr.splitn(3, '-');
    let month: u8 = dmy.next()?.parse().ok()?;
    let day: u8 = dmy.next()?.parse().ok()?;
    let year: i32 = dmy.next()?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let clock = time::Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    let utc =
        time::PrimitiveDateTime::new(date, clock).assume_utc() + time::Duration::minutes(bias);
    utc.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .ok()
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Checks that `name` is a plain log file name in the log dir: letters, digits, `-`, `_`, `.`,
/// ending in `.log` (or `.lo_` when reading rotated logs), nothing that walks out of the dir.
pub fn check_file_name(name: &str, allow_rotated: bool) -> Result<(), LogError> {
    let bad = |reason| {
        Err(LogError::BadFileName {
            name: name.to_string(),
            reason,
        })
    };
    let stem = match name.strip_suffix(".log") {
        Some(stem) => stem,
        None => match name.strip_suffix(".lo_") {
            Some(stem) if allow_rotated => stem,
            _ => return bad("a log file name ends in .log"),
        },
    };
    if stem.is_empty() || name.len() > 200 {
        return bad("a log file name has 1 to 196 characters before .log");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return bad("only letters, digits, '-', '_' and '.' are allowed (no path separators)");
    }
    if name.starts_with('.') || name.contains("..") {
        return bad("a log file name may not start with '.' or contain '..'");
    }
    Ok(())
}

/// A stable small number for the calling thread (the CMTrace `thread` column).
fn thread_number() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    thread_local! {
        static NUMBER: u32 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    NUMBER.with(|n| *n)
}
