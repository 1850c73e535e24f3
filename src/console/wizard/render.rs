//! What the wizard draws itself: Summary (everything that will be sent, passwords as `•••`),
//! Progress (the task and its CloudMgr.log lines) and Completion (what happened, what next).
//! Field pages, the step list and the message lines are the shell's.

use super::page::Page;
use super::progress::{LOG_LINES, Progress, task_state};
use crate::console::field::{FieldId, Kind};
use crate::console::shell::Core;
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::{of, state_role};
use crate::console::ui::text::{safe, wrap};
use crate::display;
use crate::domain::service::HostedKind;
use crate::domain::task::Level;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Widest label column of Summary.
const LABEL_WIDTH: usize = 30;

fn note_lines(out: &mut Vec<Line<'static>>, mark: &str, text: &str, style: Style, width: usize) {
    for (i, l) in wrap(text, width.saturating_sub(4)).into_iter().enumerate() {
        let lead = if i == 0 {
            format!("  {mark} ")
        } else {
            "    ".into()
        };
        out.push(Line::from(Span::styled(format!("{lead}{l}"), style)));
    }
}

/// What Summary lists: per page, (label, value) with passwords as `•••`.
/// `subscription_name` is what the site said the subscription is called.
pub(super) fn summary_rows(
    kind: HostedKind,
    subscription_name: Option<&str>,
    core: &Core,
) -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for (i, page) in core.pages().iter().enumerate().take(Page::Summary.index()) {
        let mut rows = Vec::new();
        // The pick list only fills the Subscription ID: that is what is sent.
        let sent =
            |f: &&crate::console::field::Field| f.enabled && f.id != FieldId::KnownSubscription;
        for f in page.fields.iter().filter(sent) {
            let value = match f.kind {
                Kind::Secret if f.text_value().is_empty() => "(none)".to_string(),
                Kind::Secret => "•••".to_string(),
                Kind::Check => if f.checked { "Yes" } else { "No" }.to_string(),
                _ if f.value().trim().is_empty() => "(none)".to_string(),
                _ => f.value().trim().to_string(),
            };
            rows.push((f.label.clone(), value));
            if f.id == FieldId::SubscriptionId
                && let Some(name) = subscription_name
            {
                rows.push(("Subscription name".into(), name.to_string()));
            }
        }
        if i == 1 {
            let fqdn = core.text(FieldId::ServiceFqdn);
            let host = fqdn
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            rows.push(("Deployment name".into(), host.clone()));
            if kind == HostedKind::Cdp || core.checked(FieldId::ServeContent) {
                let account: String = host.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                rows.push(("Storage account".into(), account));
            }
        }
        out.push((Page::ALL[i].title(), rows));
    }
    out
}

/// Summary: [`summary_rows`] under their page names.
pub(super) fn summary_lines(
    kind: HostedKind,
    subscription_name: Option<&str>,
    core: &Core,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let label_w = LABEL_WIDTH.min(width / 2);
    for (page, rows) in summary_rows(kind, subscription_name, core) {
        out.push(Line::from(Span::styled(page, of(theme, Role::Header))));
        for (label, value) in rows {
            let label: String = if label.chars().count() > label_w {
                label.chars().take(label_w - 1).chain(['…']).collect()
            } else {
                label
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {label:<label_w$} "), of(theme, Role::Muted)),
                Span::styled(safe(&value), of(theme, Role::Text)),
            ]));
        }
    }
    out
}

fn log_role(level: Level) -> Role {
    match level {
        Level::Info => Role::LogInfo,
        Level::Warning => Role::LogWarning,
        Level::Error => Role::LogError,
    }
}

/// Progress: the task as last seen and its log lines.
pub(super) fn progress_lines(
    progress: Option<&Progress>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(p) = progress else {
        return Vec::new();
    };
    let state = p.state();
    let mut out = vec![
        Line::from(safe(&format!(
            "Creating {} (deployment {})",
            p.service.service_fqdn, p.service.name
        ))),
        Line::from(vec![
            Span::raw("State: "),
            Span::styled(state.as_str(), of(theme, state_role(state))),
        ]),
        Line::from(format!(
            "Task:  {}{}",
            task_state(p.task.state),
            p.task
                .step
                .map(|s| format!(" — {}", s.describe()))
                .unwrap_or_default()
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!(
                "CloudMgr.log (last {LOG_LINES} lines, times {})",
                display::zone_label()
            ),
            of(theme, Role::Header),
        )),
    ];
    for l in &p.lines {
        let text: String = format!("{} {}", display::short_time(&l.time), safe(&l.message))
            .chars()
            .take(width)
            .collect();
        out.push(Line::from(Span::styled(text, of(theme, log_role(l.level)))));
    }
    out
}

/// Completion: what happened and what to do next.
pub(super) fn completion_lines(
    kind: HostedKind,
    progress: Option<&Progress>,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(p) = progress else {
        return Vec::new();
    };
    let (ok, headline, next) = p.completion(kind);
    let role = if ok {
        Role::StatusReady
    } else {
        Role::StatusError
    };
    let mut out: Vec<Line<'static>> = wrap(&headline, width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, of(theme, role))))
        .collect();
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "What to do next",
        of(theme, Role::Header),
    )));
    for n in next {
        note_lines(&mut out, "•", &n, of(theme, Role::Text), width);
    }
    out
}
