//! What operators read to follow the site: tasks, status messages and the CMTrace logs.

use super::error::{OpError, OpResult};
use crate::api::wire::LogFileView;
use crate::api::wire::{LogLineView, StatusMessageView, TaskView};
use crate::site::cmtrace;
use crate::site::context::SiteContext;
use crate::site::repo::{status_messages, tasks};

/// Most rows or lines one read returns.
const MAX_ROWS: u32 = 10_000;
/// Most log lines one read returns.
const MAX_LINES: usize = 100_000;

/// How many rows a list read returns: `limit`, 200 by default; 0 or more than [`MAX_ROWS`]
/// is refused (the OpenAPI document gives the range; a silent cap would answer something
/// other than what was asked).
fn row_limit(limit: Option<u32>) -> OpResult<u32> {
    match limit {
        None => Ok(200),
        Some(n) if (1..=MAX_ROWS).contains(&n) => Ok(n),
        Some(n) => Err(OpError::invalid(
            "limit",
            format!("must be 1 to {MAX_ROWS} (got {n})"),
        )),
    }
}

/// Recent tasks, newest first, optionally of one service (at most `limit`, default 200).
pub(crate) async fn tasks(
    ctx: &SiteContext,
    service: Option<String>,
    limit: Option<u32>,
) -> OpResult<Vec<TaskView>> {
    let limit = row_limit(limit)?;
    let list = ctx
        .store()
        .call(move |c| tasks::list_tasks(c, service.as_deref(), limit))
        .await?;
    Ok(list.iter().map(|t| t.view()).collect())
}

/// One task.
pub(crate) async fn task(ctx: &SiteContext, id: &str) -> OpResult<TaskView> {
    let i = id.to_string();
    let t = ctx.store().call(move |c| tasks::get_task(c, &i)).await?;
    Ok(
        t.ok_or_else(|| OpError::not_found(format!("the task '{id}'")))?
            .view(),
    )
}

/// Status messages, newest first, optionally of one service (at most `limit`, default 200).
pub(crate) async fn status_messages(
    ctx: &SiteContext,
    service: Option<String>,
    limit: Option<u32>,
) -> OpResult<Vec<StatusMessageView>> {
    let limit = row_limit(limit)?;
    Ok(ctx
        .store()
        .call(move |c| status_messages::list_status(c, service.as_deref(), limit))
        .await?)
}

/// The log files.
pub(crate) fn logs(ctx: &SiteContext) -> OpResult<Vec<LogFileView>> {
    cmtrace::list_logs(ctx.logs().dir()).map_err(|e| OpError::internal("listing the logs", e))
}

/// The last `tail` lines (default 200) of a log, named with or without `.log`.
pub(crate) fn log_tail(
    ctx: &SiteContext,
    file: &str,
    tail: Option<usize>,
) -> OpResult<Vec<LogLineView>> {
    let file = if file.ends_with(".log") {
        file.to_string()
    } else {
        format!("{file}.log")
    };
    cmtrace::check_file_name(&file, false).map_err(|e| OpError::invalid("Log", e.to_string()))?;
    let lines = cmtrace::read_tail(ctx.logs().dir(), &file, tail.unwrap_or(200).min(MAX_LINES))
        .map_err(|e| OpError::internal(format!("reading {file}"), e))?;
    Ok(lines
        .into_iter()
        .map(|l| LogLineView {
            file: file.clone(),
            time: l.time,
            component: l.component,
            level: l.level,
            message: l.message,
        })
        .collect())
}
