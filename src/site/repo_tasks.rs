//! Typed reads and writes of durable tasks and status messages.

use super::repo::RepoError;
use super::sql::StepColumn;
use super::store::{millis_to_rfc3339, new_id, now_millis};
use crate::api::wire::{StatusMessageView, TaskView};
use crate::domain::task::{COMPONENT, Level, Step, TaskKind, TaskState};
use rusqlite::{Connection, OptionalExtension, Row, params};

type Result<T> = std::result::Result<T, RepoError>;

/// A task row.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    /// Id.
    pub id: String,
    /// Service.
    pub service_id: String,
    /// Kind.
    pub kind: TaskKind,
    /// State.
    pub state: TaskState,
    /// Step reached (none before the first).
    pub step: Option<Step>,
    /// JSON payload (e.g. the deploy spec change of an upgrade).
    pub payload: serde_json::Value,
    /// Failure.
    pub error: Option<String>,
    /// Created (ms).
    pub created: i64,
    /// Ended (ms).
    pub ended: Option<i64>,
}

impl TaskRecord {
    /// API view.
    pub fn view(&self) -> TaskView {
        TaskView {
            id: self.id.clone(),
            service_id: self.service_id.clone(),
            kind: self.kind,
            state: self.state,
            step: self.step,
            error: self.error.clone(),
            created: millis_to_rfc3339(self.created),
            ended: self.ended.map(millis_to_rfc3339),
        }
    }
}

const TASK_COLUMNS: &str = "id, service_id, kind, state, step, payload, error, created, ended";

fn task_from_row(r: &Row<'_>) -> rusqlite::Result<TaskRecord> {
    Ok(TaskRecord {
        id: r.get(0)?,
        service_id: r.get(1)?,
        kind: r.get(2)?,
        state: r.get(3)?,
        step: r.get::<_, StepColumn>(4)?.0,
        payload: super::sql::json(r, 5)?,
        error: r.get(6)?,
        created: r.get(7)?,
        ended: r.get(8)?,
    })
}

/// Creates a task in `Created`.
pub fn insert_task(
    conn: &Connection,
    service_id: &str,
    kind: TaskKind,
    payload: serde_json::Value,
) -> Result<TaskRecord> {
    let id = new_id()?;
    conn.execute(
        "INSERT INTO tasks (id, service_id, kind, state, step, payload, created) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
        params![id, service_id, kind, TaskState::Created, payload.to_string(), now_millis()],
    )?;
    Ok(get_task(conn, &id)?.expect("task just inserted"))
}

/// A task by id.
pub fn get_task(conn: &Connection, id: &str) -> Result<Option<TaskRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"),
            params![id],
            task_from_row,
        )
        .optional()?)
}

/// Moves a task on: state, step reached, error; stamps start and end.
pub fn update_task(
    conn: &Connection,
    id: &str,
    state: TaskState,
    step: Option<Step>,
    error: Option<&str>,
) -> Result<Option<TaskRecord>> {
    let now = now_millis();
    conn.execute(
        "UPDATE tasks SET state = ?2, step = ?3, error = ?4, \
         started = CASE WHEN started IS NULL AND ?2 >= 2 THEN ?5 ELSE started END, \
         ended = CASE WHEN ?2 >= 3 THEN ?5 ELSE NULL END WHERE id = ?1",
        params![id, state, StepColumn(step), error, now],
    )?;
    get_task(conn, id)
}

/// Tasks not yet completed or failed, oldest first (to resume after a restart).
pub fn unfinished_tasks(conn: &Connection) -> Result<Vec<TaskRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE state IN (1, 2) ORDER BY created"
    ))?;
    let rows = stmt.query_map([], task_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// An unfinished task of a service, if any (one operation at a time per service).
pub fn active_task(conn: &Connection, service_id: &str) -> Result<Option<TaskRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE service_id = ?1 AND state IN (1, 2) ORDER BY created LIMIT 1"),
            params![service_id],
            task_from_row,
        )
        .optional()?)
}

/// Recent tasks, newest first, optionally of one service.
pub fn list_tasks(
    conn: &Connection,
    service_id: Option<&str>,
    limit: u32,
) -> Result<Vec<TaskRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE ?1 IS NULL OR service_id = ?1 ORDER BY created DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![service_id, limit], task_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Records a status message; returns it.
pub fn insert_status(
    conn: &Connection,
    message_id: u32,
    level: Level,
    service_id: Option<&str>,
    text: &str,
) -> Result<StatusMessageView> {
    let now = now_millis();
    let severity = match level {
        Level::Info => "info",
        Level::Warning => "warning",
        Level::Error => "error",
    };
    conn.execute(
        "INSERT INTO status_messages (message_id, severity, component, service_id, text, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![message_id, severity, COMPONENT, service_id, text, now],
    )?;
    Ok(StatusMessageView {
        id: conn.last_insert_rowid(),
        message_id,
        severity: level,
        component: COMPONENT.into(),
        service_id: service_id.map(str::to_string),
        text: text.into(),
        time: millis_to_rfc3339(now),
    })
}

/// Status messages, newest first.
pub fn list_status(
    conn: &Connection,
    service_id: Option<&str>,
    limit: u32,
) -> Result<Vec<StatusMessageView>> {
    let mut stmt = conn.prepare(
        "SELECT id, message_id, severity, component, service_id, text, time FROM status_messages \
         WHERE ?1 IS NULL OR service_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![service_id, limit], |r| {
        let sev: String = r.get(2)?;
        Ok(StatusMessageView {
            id: r.get(0)?,
            message_id: r.get::<_, i64>(1)? as u32,
            severity: match sev.as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                _ => Level::Info,
            },
            component: r.get(3)?,
            service_id: r.get(4)?,
            text: r.get(5)?,
            time: millis_to_rfc3339(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
