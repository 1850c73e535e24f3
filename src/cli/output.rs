//! Output helpers shared by the scripting commands: tables, JSON, waiting for tasks.

use crate::api::client::Client;
use crate::api::wire::{Event, TaskView};
use crate::domain::task::TaskState;
use serde::Serialize;
use std::process::ExitCode;

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

/// Prints rows under headers, columns aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// Prints an error and returns exit code 1.
pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("cloudsite: {message}");
    ExitCode::from(1)
}

/// Waits until the task ends (following the events, re-reading the task if the stream ends).
pub async fn wait_task(client: &Client, task_id: &str) -> Result<TaskView, String> {
    loop {
        // Subscribe before reading, so an end between the two is not missed.
        let mut events = client.events(None).await.map_err(|e| e.to_string())?;
        let task = client.task(task_id).await.map_err(|e| e.to_string())?;
        if task.state.is_final() {
            return Ok(task);
        }
        while let Some(ev) = events.next().await {
            let Ok(ev) = ev else { break };
            if let Event::Task(t) = ev.event
                && t.id == task_id
                && t.state.is_final()
            {
                return Ok(t);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Exit code for a finished task: 0 completed, 1 failed (with the reason on stderr).
pub fn task_exit(task: &TaskView) -> ExitCode {
    match task.state {
        TaskState::Completed => ExitCode::SUCCESS,
        _ => fail(format!(
            "the {:?} task failed: {}",
            task.kind,
            task.error.as_deref().unwrap_or("no reason given")
        )),
    }
}
