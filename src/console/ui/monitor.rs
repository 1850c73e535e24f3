//! Monitoring views: alerts, status messages, logs.

use super::style::of;
use super::style::pane;
use crate::console::app::{App, Focus};
use crate::console::theme::{Role, Theme};
use crate::domain::alert::Severity;
use crate::domain::task::Level;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

fn level_role(l: Level) -> Role {
    match l {
        Level::Info => Role::LogInfo,
        Level::Warning => Role::LogWarning,
        Level::Error => Role::LogError,
    }
}

fn table<'a>(
    rows: Vec<Row<'a>>,
    header: Vec<&'a str>,
    widths: Vec<Constraint>,
    title: &'a str,
    app: &App,
    theme: &Theme,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(Row::new(header).style(of(theme, Role::Header)))
        .row_highlight_style(of(
            theme,
            if app.focus == Focus::List {
                Role::Focus
            } else {
                Role::Selection
            },
        ))
        .block(pane(title, app.focus == Focus::List, theme))
}

fn short_time(t: &str) -> String {
    t.get(..19).unwrap_or(t).replace('T', " ")
}

/// Alerts: severity, state, service, first/last seen, occurrences.
pub fn alerts(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let rows: Vec<Row<'_>> = app
        .model
        .alerts
        .iter()
        .map(|a| {
            let role = match a.severity {
                Severity::Critical => Role::AlertCritical,
                Severity::Warning => Role::AlertWarning,
                Severity::Informational => Role::AlertInfo,
            };
            let (sev, state) = (a.severity.display_name(), a.state.display_name());
            let service = a
                .service_id
                .as_deref()
                .and_then(|id| app.model.service(id))
                .map(|s| s.service_fqdn.clone())
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(Span::styled(sev, of(theme, role))),
                Cell::from(state),
                Cell::from(a.name.clone()),
                Cell::from(service),
                Cell::from(a.first_seen.as_deref().map(short_time).unwrap_or_default()),
                Cell::from(a.last_seen.as_deref().map(short_time).unwrap_or_default()),
                Cell::from(a.occurrences.to_string()),
            ])
        })
        .collect();
    let mut st = TableState::default().with_selected((!rows.is_empty()).then(|| app.row()));
    let t = table(
        rows,
        vec![
            "Severity",
            "State",
            "Name",
            "Service",
            "First seen",
            "Last seen",
            "Count",
        ],
        vec![
            Constraint::Length(13),
            Constraint::Length(15),
            Constraint::Min(20),
            Constraint::Length(22),
            Constraint::Length(19),
            Constraint::Length(19),
            Constraint::Length(6),
        ],
        "Alerts",
        app,
        theme,
    );
    f.render_stateful_widget(t, area, &mut st);
}

/// Status messages, newest first.
pub fn status(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let rows: Vec<Row<'_>> = app
        .model
        .status
        .iter()
        .map(|m| {
            Row::new(vec![
                Cell::from(short_time(&m.time)),
                Cell::from(Span::styled(
                    format!("{:?}", m.severity),
                    of(theme, level_role(m.severity)),
                )),
                Cell::from(m.message_id.to_string()),
                Cell::from(m.text.clone()),
            ])
        })
        .collect();
    let mut st = TableState::default().with_selected((!rows.is_empty()).then(|| app.row()));
    let t = table(
        rows,
        vec!["Time", "Severity", "ID", "Description"],
        vec![
            Constraint::Length(19),
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Min(30),
        ],
        "Status Messages (SMS_CLOUD_SERVICES_MANAGER)",
        app,
        theme,
    );
    f.render_stateful_widget(t, area, &mut st);
}

/// CMTrace logs with severity colours; follows new lines unless the operator scrolled up.
pub fn logs(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let filter = app.filter.to_ascii_lowercase();
    let lines: Vec<_> = app
        .model
        .logs
        .iter()
        .filter(|l| filter.is_empty() || l.message.to_ascii_lowercase().contains(&filter))
        .collect();
    let rows: Vec<Row<'_>> = lines
        .iter()
        .map(|l| {
            Row::new(vec![
                Cell::from(short_time(&l.time)),
                Cell::from(l.file.clone()),
                Cell::from(Span::styled(
                    l.message.clone(),
                    of(theme, level_role(l.level)),
                )),
            ])
        })
        .collect();
    let selected = if app.follow_logs {
        rows.len().saturating_sub(1)
    } else {
        app.row().min(rows.len().saturating_sub(1))
    };
    let mut st = TableState::default().with_selected((!rows.is_empty()).then_some(selected));
    let title = format!(
        "Logs {}{}",
        if app.follow_logs {
            "(following)"
        } else {
            "(paused: ↓ to the end follows again)"
        },
        if filter.is_empty() {
            String::new()
        } else {
            format!(" — filter: {}", app.filter)
        }
    );
    let t = table(
        rows,
        vec!["Time", "Log", "Message"],
        vec![
            Constraint::Length(19),
            Constraint::Length(14),
            Constraint::Min(30),
        ],
        "Logs",
        app,
        theme,
    )
    .block(pane(&title, app.focus == Focus::List, theme));
    f.render_stateful_widget(t, area, &mut st);
}
