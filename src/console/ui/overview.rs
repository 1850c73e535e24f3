//! The Overview (counts by state, active alerts, storage gauges, transfer sparklines) and the
//! Content node.

use super::chrome::pane;
use super::style::{of, state_role};
use crate::console::app::App;
use crate::console::theme::{Role, Theme};
use crate::domain::service::ServiceState;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

/// Counts by state, alerts, and a storage gauge per service.
pub fn overview(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Length(6), Constraint::Min(3)])
        .split(area);
    let all: Vec<_> = app.model.cdps.iter().chain(app.model.cmgs.iter()).collect();
    let mut counts = Vec::new();
    for st in [
        ServiceState::Ready,
        ServiceState::Provisioning,
        ServiceState::Stopped,
        ServiceState::Error,
        ServiceState::Starting,
        ServiceState::Stopping,
        ServiceState::Upgrading,
        ServiceState::Deleting,
    ] {
        let n = all.iter().filter(|s| s.status == st).count();
        if n > 0
            || matches!(
                st,
                ServiceState::Ready | ServiceState::Stopped | ServiceState::Error
            )
        {
            counts.push(Span::styled(
                format!("{n} {}  ", st.as_str()),
                of(theme, state_role(st)),
            ));
        }
    }
    let (crit, warn) = app.model.active_alerts();
    let text = vec![
        Line::from(vec![Span::styled(
            format!(
                "{} cloud distribution points, {} cloud management gateways",
                app.model.cdps.len(),
                app.model.cmgs.len()
            ),
            of(theme, Role::Text),
        )]),
        Line::from(counts),
        Line::from(vec![
            Span::raw("Active alerts: "),
            Span::styled(format!("{crit} critical"), of(theme, Role::AlertCritical)),
            Span::raw(", "),
            Span::styled(format!("{warn} warning"), of(theme, Role::AlertWarning)),
        ]),
    ];
    f.render_widget(
        Paragraph::new(text).block(pane("Overview", false, theme)),
        parts[0],
    );
    let block = pane(
        "Storage used per service (against the storage alert threshold)",
        false,
        theme,
    );
    let inner = block.inner(parts[1]);
    f.render_widget(block, parts[1]);
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints(
            all.iter()
                .map(|_| Constraint::Length(1))
                .chain(std::iter::once(Constraint::Min(0))),
        )
        .split(inner);
    for (i, s) in all.iter().enumerate() {
        if i >= rows.len().saturating_sub(1) {
            break;
        }
        // Usage metering arrives with content distribution; until then the gauges read 0.
        let g = Gauge::default()
            .gauge_style(of(theme, Role::Gauge))
            .ratio(0.0)
            .label(format!(
                "{}  0 / {} GB (warning {} %, critical {} %)",
                s.service_fqdn, s.storage.quota_gb, s.storage.warning_pct, s.storage.critical_pct
            ));
        f.render_widget(g, rows[i]);
    }
}

/// The Content node (content distribution comes with its own issue).
pub fn content(f: &mut Frame<'_>, area: Rect, _app: &App, theme: &Theme) {
    let p = Paragraph::new(vec![
        Line::from("The content library: packages distributed to cloud distribution points."),
        Line::from(Span::styled(
            "Content distribution is not available in this version yet.",
            of(theme, Role::Muted),
        )),
    ]);
    f.render_widget(p.block(pane("Content", false, theme)), area);
}
