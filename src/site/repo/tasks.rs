//! Durable task rows: what each task does, where it is, the step it reached.

use super::error::{RepoError, Result};
use super::sql::StepColumn;
use crate::api::wire::TaskView;
use crate::domain::task::{Step, StopReason, TaskKind, TaskState};
use crate::site::db::{Connection, OptionalExtension, Row, params};
use crate::site::store::{millis_to_rfc3339, new_id, now_millis};
use serde::{Deserialize, Serialize};

/// What a task carries besides its kind (the `payload` column, JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskPayload {
    /// Who asked for a stop; `None` on the other kinds of task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<StopReason>,
    /// The outbound bytes over the window that made the stop-at-critical check stop the CMG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_bytes: Option<u64>,
}

impl TaskPayload {
    /// The payload of a Stop task asked for by `reason`.
    pub(crate) fn stop(reason: StopReason, outbound_bytes: Option<u64>) -> TaskPayload {
        TaskPayload {
            requested_by: Some(reason),
            outbound_bytes,
        }
    }

    /// Who asked for the stop (an administrator unless the payload says otherwise).
    pub(crate) fn stop_reason(&self) -> StopReason {
        self.requested_by.unwrap_or_default()
    }
}

/// A task row.
#[derive(Debug, Clone)]
pub(crate) struct TaskRecord {
    /// 32 hex digits.
    pub id: String,
    /// Id of the service it acts on.
    pub service_id: String,
    /// Create, upgrade, delete, stop or start.
    pub kind: TaskKind,
    /// Created, in progress, completed or failed; only one task per service is unfinished.
    pub state: TaskState,
    /// Step reached (none before the first).
    pub step: Option<Step>,
    /// What the task carries besides its kind.
    pub payload: TaskPayload,
    /// Why it failed, for the operator; only a failed task has one (not every failed task).
    pub error: Option<String>,
    /// When it was created, unix ms.
    pub created: i64,
    /// When it completed or failed, unix ms; `None` while it is unfinished.
    pub ended: Option<i64>,
}

impl TaskRecord {
    /// The task as the API shows it (times as RFC 3339 UTC).
    pub(crate) fn view(&self) -> TaskView {
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

fn task_from_row(r: &Row<'_>) -> crate::site::db::Result<TaskRecord> {
    Ok(TaskRecord {
        id: r.get(0)?,
        service_id: r.get(1)?,
        kind: r.get(2)?,
        state: r.get(3)?,
        step: r.get::<_, StepColumn>(4)?.0,
        // Tasks written before payloads were typed hold `null`.
        payload: super::sql::json::<Option<TaskPayload>>(r, 5)?.unwrap_or_default(),
        error: r.get(6)?,
        created: r.get(7)?,
        ended: r.get(8)?,
    })
}

/// Creates a task in `Created`.
pub(crate) fn insert_task(
    conn: &Connection,
    service_id: &str,
    kind: TaskKind,
    payload: TaskPayload,
) -> Result<TaskRecord> {
    let id = new_id()?;
    conn.execute(
        "INSERT INTO tasks (id, service_id, kind, state, step, payload, created) VALUES (?1, ?2, ?3, ?4, '', ?5, ?6)",
        params![id, service_id, kind, TaskState::Created, serde_json::to_string(&payload)?, now_millis()],
    )?;
    get_task(conn, &id)?.ok_or(RepoError::Sql(crate::site::db::Error::QueryReturnedNoRows))
}

/// A task by id.
pub(crate) fn get_task(conn: &Connection, id: &str) -> Result<Option<TaskRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"),
            params![id],
            task_from_row,
        )
        .optional()?)
}

/// Moves a task on: state, step reached, error; stamps start and end.
pub(crate) fn update_task(
    conn: &Connection,
    id: &str,
    state: TaskState,
    step: Option<Step>,
    error: Option<&str>,
) -> Result<Option<TaskRecord>> {
    move_task(conn, id, None, state, step, error)
}

/// [`update_task`], and with an `owner` only while that owner holds the task (one statement,
/// so a takeover between a check and the write cannot slip through).
fn move_task(
    conn: &Connection,
    id: &str,
    owner: Option<&TaskOwner>,
    state: TaskState,
    step: Option<Step>,
    error: Option<&str>,
) -> Result<Option<TaskRecord>> {
    let now = now_millis();
    let changed = conn.execute(
        "UPDATE tasks SET state = ?2, step = ?3, error = ?4, \
         started = CASE WHEN started IS NULL AND CAST(?2 AS BIGINT) >= 2 THEN ?5 ELSE started END, \
         ended = CASE WHEN CAST(?2 AS BIGINT) >= 3 THEN CAST(?5 AS BIGINT) ELSE NULL END \
         WHERE id = ?1 AND (CAST(?6 AS TEXT) IS NULL OR (owner = ?6 AND owner_epoch = ?7))",
        params![
            id,
            state,
            StepColumn(step),
            error,
            now,
            owner.map(|o| o.id.as_str()),
            owner.map_or(0, |o| o.epoch)
        ],
    )?;
    if changed == 0 && owner.is_some() {
        return Ok(None);
    }
    get_task(conn, id)
}

/// Who runs a task: a services manager (`id`, one per process start) under the lease it
/// holds (`epoch`, counted up each time a replica takes the lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskOwner {
    /// The services manager's id.
    pub id: String,
    /// The lease it holds.
    pub epoch: i64,
}

/// Takes an unfinished task for `owner`: free, already its own, or held under an older lease
/// (a replica that lost the lease has no say any more). False when another manager holds it
/// under the same or a newer lease, or the task has ended.
pub(crate) fn claim_task(conn: &Connection, id: &str, owner: &TaskOwner) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE tasks SET owner = ?2, owner_epoch = ?3 WHERE id = ?1 AND state IN (1, 2) \
         AND (owner IS NULL OR owner = ?2 OR owner_epoch < ?3)",
        params![id, owner.id, owner.epoch],
    )?;
    Ok(changed == 1)
}

/// [`update_task`] for the manager that claimed the task; `None` when it no longer holds it
/// (another manager took it over under a newer lease), and then nothing changes.
pub(crate) fn update_owned_task(
    conn: &Connection,
    id: &str,
    owner: &TaskOwner,
    state: TaskState,
    step: Option<Step>,
    error: Option<&str>,
) -> Result<Option<TaskRecord>> {
    move_task(conn, id, Some(owner), state, step, error)
}

/// Tasks not yet completed or failed, oldest first (to resume after a restart).
pub(crate) fn unfinished_tasks(conn: &Connection) -> Result<Vec<TaskRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE state IN (1, 2) ORDER BY created"
    ))?;
    let rows = stmt.query_map(params![], task_from_row)?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// An unfinished task of a service, if any (one operation at a time per service).
pub(crate) fn active_task(conn: &Connection, service_id: &str) -> Result<Option<TaskRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE service_id = ?1 AND state IN (1, 2) ORDER BY created LIMIT 1"),
            params![service_id],
            task_from_row,
        )
        .optional()?)
}

/// Recent tasks, newest first, optionally of one service.
pub(crate) fn list_tasks(
    conn: &Connection,
    service_id: Option<&str>,
    limit: u32,
) -> Result<Vec<TaskRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE CAST(?1 AS TEXT) IS NULL OR service_id = ?1 ORDER BY created DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![service_id, limit], task_from_row)?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}
