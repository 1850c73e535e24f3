//! Monitoring views: alerts, status messages, logs. Times are short (`12-04 14:03`) with the
//! zone in the column's title, so they fit at 80×24; the site's text is made safe.

use super::lists::{Col, Fitted, col, draw_empty, fit_ranked, list_title};
use super::style::of;
use super::style::pane;
use super::text::safe;
use crate::api::wire::{AlertView, LogLineView, StatusMessageView};
use crate::console::app::{App, Focus};
use crate::console::rows;
use crate::console::theme::{Role, Theme};
use crate::display;
use crate::domain::alert::Severity;
use crate::domain::task::Level;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table, TableState};

fn level_role(l: Level) -> Role {
    match l {
        Level::Info => Role::LogInfo,
        Level::Warning => Role::LogWarning,
        Level::Error => Role::LogError,
    }
}

/// A table of the columns [`fit_ranked`] kept, the selection highlighted while focused.
fn table<'a>(
    (header, widths, rows): Fitted<'a>,
    title: &str,
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

/// A column of short times (`12-04 14:03`): its title carries the zone they are in.
fn time_col<'a>(name: &str, cells: Vec<Cell<'a>>) -> Col<'a> {
    let header = format!("{name} {}", display::zone_label());
    let width = header.chars().count().max(display::short_time_width());
    col(
        header,
        u16::try_from(width).unwrap_or(u16::MAX),
        false,
        cells,
    )
}

/// A column as wide as its widest cell or its header, at most `most`: names that are short in
/// practice (a state, a log file) leave the room to the text that needs it.
fn sized_col<'a>(
    header: &'static str,
    texts: &[String],
    most: usize,
    cells: Vec<Cell<'a>>,
) -> Col<'a> {
    let width = texts
        .iter()
        .map(|t| t.chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
        .min(most);
    col(
        header,
        u16::try_from(width).unwrap_or(u16::MAX),
        false,
        cells,
    )
}

fn short(t: Option<&str>) -> Cell<'static> {
    Cell::from(t.map(display::short_time).unwrap_or_default())
}

/// Alerts: severity, state, name, service, first/last seen, occurrences. On a narrow terminal
/// the first time, then the service, give way.
pub fn alerts(f: &mut Frame<'_>, area: Rect, app: &App, shown: &[usize], theme: &Theme) {
    let alerts: Vec<&AlertView> = shown
        .iter()
        .filter_map(|&i| app.model.alerts.get(i))
        .collect();
    let role = |s: Severity| match s {
        Severity::Critical => Role::AlertCritical,
        Severity::Warning => Role::AlertWarning,
        Severity::Informational => Role::AlertInfo,
    };
    let sev: Vec<String> = alerts
        .iter()
        .map(|a| a.severity.display_name().into())
        .collect();
    let state: Vec<String> = alerts
        .iter()
        .map(|a| a.state.display_name().into())
        .collect();
    let service: Vec<String> = alerts
        .iter()
        .map(|a| safe(&rows::alert_service(&app.model, a)))
        .collect();
    let cols = vec![
        sized_col(
            "Severity",
            &sev,
            13,
            alerts
                .iter()
                .zip(&sev)
                .map(|(a, t)| Cell::from(Span::styled(t.clone(), of(theme, role(a.severity)))))
                .collect(),
        ),
        sized_col(
            "State",
            &state,
            15,
            state.iter().map(|t| Cell::from(t.clone())).collect(),
        ),
        col(
            "Name",
            12,
            true,
            alerts.iter().map(|a| Cell::from(safe(&a.name))).collect(),
        ),
        sized_col(
            "Service",
            &service,
            22,
            service.iter().map(|t| Cell::from(t.clone())).collect(),
        ),
        time_col(
            "First",
            alerts
                .iter()
                .map(|a| short(a.first_seen.as_deref()))
                .collect(),
        ),
        time_col(
            "Last",
            alerts
                .iter()
                .map(|a| short(a.last_seen.as_deref()))
                .collect(),
        ),
        col(
            "Count",
            5,
            false,
            alerts
                .iter()
                .map(|a| Cell::from(a.occurrences.to_string()))
                .collect(),
        ),
    ];
    // Severity, name and when it was last seen first; the service and first time last.
    let fitted = fit_ranked(cols, &[0, 3, 1, 5, 6, 2, 4], area.width.saturating_sub(2));
    let mut st = TableState::default().with_selected((!alerts.is_empty()).then(|| app.row()));
    let title = list_title("Alerts", app, "");
    f.render_stateful_widget(table(fitted, &title, app, theme), area, &mut st);
    if alerts.is_empty() {
        draw_empty(f, area, app, theme);
    }
}

/// Status messages, newest first.
pub fn status(f: &mut Frame<'_>, area: Rect, app: &App, shown: &[usize], theme: &Theme) {
    let msgs: Vec<&StatusMessageView> = shown
        .iter()
        .filter_map(|&i| app.model.status.get(i))
        .collect();
    let sev: Vec<String> = msgs.iter().map(|m| format!("{:?}", m.severity)).collect();
    let cols = vec![
        time_col("Time", msgs.iter().map(|m| short(Some(&m.time))).collect()),
        sized_col(
            "Severity",
            &sev,
            8,
            msgs.iter()
                .zip(&sev)
                .map(|(m, t)| {
                    Cell::from(Span::styled(t.clone(), of(theme, level_role(m.severity))))
                })
                .collect(),
        ),
        col(
            "ID",
            5,
            false,
            msgs.iter()
                .map(|m| Cell::from(m.message_id.to_string()))
                .collect(),
        ),
        col(
            "Description",
            20,
            true,
            msgs.iter().map(|m| Cell::from(safe(&m.text))).collect(),
        ),
    ];
    let fitted = fit_ranked(cols, &[0, 2, 3, 1], area.width.saturating_sub(2));
    let mut st = TableState::default().with_selected((!msgs.is_empty()).then(|| app.row()));
    let title = list_title("Status Messages (SMS_CLOUD_SERVICES_MANAGER)", app, "");
    f.render_stateful_widget(table(fitted, &title, app, theme), area, &mut st);
    if msgs.is_empty() {
        draw_empty(f, area, app, theme);
    }
}

/// CMTrace logs with severity colours; follows new lines unless the operator scrolled up.
pub fn logs(f: &mut Frame<'_>, area: Rect, app: &App, shown: &[usize], theme: &Theme) {
    let lines: Vec<&LogLineView> = shown
        .iter()
        .filter_map(|&i| app.model.logs.get(i))
        .collect();
    let files: Vec<String> = lines.iter().map(|l| safe(&l.file)).collect();
    let cols = vec![
        time_col("Time", lines.iter().map(|l| short(Some(&l.time))).collect()),
        sized_col(
            "Log",
            &files,
            14,
            files.iter().map(|t| Cell::from(t.clone())).collect(),
        ),
        col(
            "Message",
            20,
            true,
            lines
                .iter()
                .map(|l| {
                    Cell::from(Span::styled(
                        safe(&l.message),
                        of(theme, level_role(l.level)),
                    ))
                })
                .collect(),
        ),
    ];
    let fitted = fit_ranked(cols, &[0, 2, 1], area.width.saturating_sub(2));
    let selected = if app.follow_logs {
        lines.len().saturating_sub(1)
    } else {
        app.row().min(lines.len().saturating_sub(1))
    };
    let mut st = TableState::default().with_selected((!lines.is_empty()).then_some(selected));
    let extra = if app.follow_logs {
        "(following)"
    } else {
        "(paused: ↓ to the end follows again)"
    };
    let title = list_title("Logs", app, extra);
    f.render_stateful_widget(table(fitted, &title, app, theme), area, &mut st);
    if lines.is_empty() {
        draw_empty(f, area, app, theme);
    }
}
