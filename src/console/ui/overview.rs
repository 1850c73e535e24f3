//! The Overview: counts by state, active alerts, content and cost, a storage gauge per service
//! and a 30-day transfer sparkline per service, both against the warning/critical thresholds.

use super::style::pane;
use super::style::{of, state_role};
use super::text::safe;
use super::usage;
use crate::api::wire::DistributionState;
use crate::api::wire::ServiceView;
use crate::console::app::App;
use crate::console::theme::{Role, Theme};
use crate::domain::service::{ServiceState, Threshold};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Columns of a gauge and of a sparkline (one per day): both panes line up.
const BAR: usize = 30;
/// Eighths of a cell, lowest to full.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Counts, alerts, content and cost; then the storage gauges and the transfer sparklines.
pub fn overview(f: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let all: Vec<&ServiceView> = app.model.cdps.iter().chain(app.model.cmgs.iter()).collect();
    let summary_h = 8;
    let rest = area.height.saturating_sub(summary_h);
    let n = u16::try_from(all.len()).unwrap_or(u16::MAX).max(1);
    // Storage: a row per service; transfer: a legend line too. Past the space, half each.
    let storage_h = n.saturating_add(2).min(rest / 2).max(3);
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(summary_h),
            Constraint::Length(storage_h),
            Constraint::Min(3),
        ])
        .split(area);
    summary(f, parts[0], app, &all, theme);
    storage(f, parts[1], &all, theme);
    transfer(f, parts[2], &all, theme);
}

fn summary(f: &mut Frame<'_>, area: Rect, app: &App, all: &[&ServiceView], theme: &Theme) {
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
    let dists: Vec<_> = app.model.distributions.values().flatten().collect();
    let failed = dists
        .iter()
        .filter(|d| d.state == DistributionState::Failed)
        .count();
    let pending = dists
        .iter()
        .filter(|d| d.state == DistributionState::InProgress)
        .count();
    let room = usize::from(area.width.saturating_sub(2));
    let (cdps, cmgs) = (app.model.cdps.len(), app.model.cmgs.len());
    let cost = cost_total(all);
    let text = vec![
        Line::from(Span::styled(
            fit_text(
                format!(
                    "{}, {}",
                    plural(cdps, "cloud distribution point"),
                    plural(cmgs, "cloud management gateway")
                ),
                format!("{}, {}", plural(cdps, "CDP"), plural(cmgs, "CMG")),
                room,
            ),
            of(theme, Role::Text),
        )),
        Line::from(counts),
        Line::from(vec![
            Span::raw("Active alerts: "),
            Span::styled(format!("{crit} critical"), of(theme, Role::AlertCritical)),
            Span::raw(", "),
            Span::styled(format!("{warn} warning"), of(theme, Role::AlertWarning)),
        ]),
        Line::from(vec![
            Span::raw(format!(
                "{} packages, {} distributed: {pending} in progress, ",
                app.model.packages.len(),
                dists.len()
            )),
            Span::styled(
                format!("{failed} failed"),
                of(
                    theme,
                    if failed > 0 {
                        Role::AlertWarning
                    } else {
                        Role::Text
                    },
                ),
            ),
        ]),
        Line::from(fit_text(
            format!("Cost this month: {cost}"),
            format!("Cost: {cost}"),
            room,
        )),
        Line::from(Span::styled(
            if all
                .iter()
                .any(|s| s.usage.as_ref().is_some_and(|u| u.cost.illustrative))
            {
                "Illustrative prices: set [prices] in the config."
            } else {
                ""
            },
            of(theme, Role::Muted),
        )),
    ];
    f.render_widget(
        Paragraph::new(text).block(pane("Overview", false, theme)),
        area,
    );
}

/// Month to date and projected, summed per currency over the services with usage.
fn cost_total(all: &[&ServiceView]) -> String {
    let mut per: Vec<(String, i64, i64)> = Vec::new();
    for u in all.iter().filter_map(|s| s.usage.as_ref()) {
        let c = &u.cost;
        match per.iter_mut().find(|(cur, _, _)| *cur == c.currency) {
            Some(p) => {
                p.1 += c.month_to_date_cents;
                p.2 += c.projected_month_cents;
            }
            None => per.push((
                c.currency.clone(),
                c.month_to_date_cents,
                c.projected_month_cents,
            )),
        }
    }
    if per.is_empty() {
        return "not collected yet".into();
    }
    per.iter()
        .map(|(cur, mtd, proj)| {
            format!(
                "{} to date, {} projected",
                usage::money(cur, *mtd),
                usage::money(cur, *proj)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Rows for `n` services in `inner`: how many fit, keeping the last for "… N more".
fn fitting(n: usize, lines: u16) -> usize {
    let lines = usize::from(lines);
    if n <= lines {
        n
    } else {
        lines.saturating_sub(1)
    }
}

/// Width of the name column: the longest deployment name, within bounds.
fn name_width(all: &[&ServiceView]) -> usize {
    all.iter()
        .map(|s| safe(&s.name).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 14)
}

fn name_cell<'a>(s: &ServiceView, w: usize, theme: &Theme) -> Span<'a> {
    let name: String = safe(&s.name).chars().take(w).collect();
    Span::styled(format!("{name:<w$} "), of(theme, Role::Text))
}

fn more_line<'a>(hidden: usize, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(
        format!("… {hidden} more (see the lists)"),
        of(theme, Role::Muted),
    ))
}

/// "1 thing", "2 things".
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The most detailed of `variants` (most detailed first) that fits `room` on every row.
fn detail_level(variants: &[Vec<String>], room: usize) -> usize {
    variants
        .iter()
        .map(|v| {
            v.iter()
                .position(|t| t.chars().count() <= room)
                .unwrap_or(v.len().saturating_sub(1))
        })
        .max()
        .unwrap_or(0)
}

/// `long` if it fits in `room`, else `short`.
fn fit_text(long: String, short: String, room: usize) -> String {
    if long.chars().count() <= room {
        long
    } else {
        short
    }
}

/// One gauge per service: storage used against the quota. Filled cells take the colour of the
/// level reached (normal, warning, critical); the empty track shows where the warning (`│`)
/// and critical (`┃`) thresholds are, so the reading needs no colour.
fn storage(f: &mut Frame<'_>, area: Rect, all: &[&ServiceView], theme: &Theme) {
    let block = pane("Storage used against the quota", false, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown = fitting(all.len(), inner.height);
    let rows: Vec<Option<Row<'_>>> = all[..shown]
        .iter()
        .map(|s| {
            let u = s.usage.as_ref()?;
            let r = usage::ratio(u.storage_bytes, s.storage, u.quota_unit_bytes);
            let pct = format!("{:.0} %", r * 100.0);
            let used = usage::gb(u.storage_bytes, u.quota_unit_bytes);
            let quota = usage::quota(s.storage);
            Some(Row {
                bars: gauge(
                    r,
                    u.storage_bytes > 0,
                    s.storage,
                    usage::level(u.storage_bytes, s.storage, u.quota_unit_bytes, Role::Gauge),
                    theme,
                ),
                texts: vec![
                    format!("{used} / {quota} ({pct})"),
                    format!("{used} ({pct})"),
                    pct,
                ],
                role: usage::level(u.storage_bytes, s.storage, u.quota_unit_bytes, Role::Text),
            })
        })
        .collect();
    let mut lines = rows_lines(&all[..shown], name_width(all), rows, inner.width, theme);
    if shown < all.len() {
        lines.push(more_line(all.len() - shown, theme));
    }
    if all.is_empty() {
        lines.push(Line::from(Span::styled(
            "No services.",
            of(theme, Role::Muted),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A service's row in the Overview: its bars, its figure (most detailed first) and colour.
struct Row<'a> {
    bars: Vec<Span<'a>>,
    texts: Vec<String>,
    role: Role,
}

/// Name (`nw` wide, the same in both panes), bars and figure per service, every figure at the
/// same level of detail (the most the narrowest row allows), "not collected yet" for services
/// without usage.
fn rows_lines<'a>(
    services: &[&ServiceView],
    nw: usize,
    rows: Vec<Option<Row<'a>>>,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let room = usize::from(width).saturating_sub(nw + 1 + BAR + 1);
    let texts: Vec<Vec<String>> = rows.iter().flatten().map(|r| r.texts.clone()).collect();
    let detail = detail_level(&texts, room);
    services
        .iter()
        .zip(rows)
        .map(|(s, row)| {
            let mut spans = vec![name_cell(s, nw, theme)];
            match row {
                Some(r) => {
                    let text = r.texts.get(detail).or(r.texts.last()).cloned();
                    spans.extend(r.bars);
                    spans.push(Span::styled(
                        format!(" {}", text.unwrap_or_default()),
                        of(theme, r.role),
                    ));
                }
                None => spans.push(Span::styled("not collected yet", of(theme, Role::Muted))),
            }
            Line::from(spans)
        })
        .collect()
}

/// The cells of a gauge at `ratio` with the thresholds' markers.
fn gauge<'a>(ratio: f64, any: bool, t: Threshold, role: Role, theme: &Theme) -> Vec<Span<'a>> {
    let mut filled = (ratio.clamp(0.0, 1.0) * BAR as f64).round() as usize;
    let sliver = any && filled == 0;
    if sliver {
        filled = 1;
    }
    let at = |pct: u8| (usize::from(pct) * BAR / 100).min(BAR - 1);
    let (warn, crit) = (at(t.warning_pct), at(t.critical_pct));
    (0..BAR)
        .map(|i| {
            if i < filled {
                let c = if sliver { "▏" } else { "█" };
                Span::styled(c, of(theme, role))
            } else if i == crit {
                Span::styled("┃", of(theme, Role::AlertCritical))
            } else if i == warn {
                Span::styled("│", of(theme, Role::AlertWarning))
            } else {
                Span::styled("░", of(theme, Role::Muted))
            }
        })
        .collect()
}

/// One sparkline per service: bytes sent each day of the last 30, oldest left.
///
/// Each bar is drawn against the *daily pace* of the thresholds: the bytes per day that,
/// kept up over the threshold's window (CDP 30 days, CMG 14), would reach the warning or the
/// critical quota. A full bar is the critical pace (faster days are clipped at full), a bar
/// at or over the warning pace takes the warning colour, at or over the critical pace the
/// critical colour, and a day with nothing sent is a `·`. So an operator reads at a glance
/// which days ran hot and how close to the alert line they ran, even without colour (bar
/// height against the full cell); the figure after the bars is the window's actual total
/// against the quota (what the alert fires on), coloured by the level it has reached.
/// Scaling to the largest day instead would draw a quiet month and a dangerous one alike.
fn transfer(f: &mut Frame<'_>, area: Rect, all: &[&ServiceView], theme: &Theme) {
    let block = pane(
        "Transfer per day, 30 days (█ = critical pace)",
        false,
        theme,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let legend = fit_text(
        "pace = threshold ÷ window days · figure = window total of quota".into(),
        "figure = window total of quota".into(),
        usize::from(inner.width),
    );
    let shown = fitting(all.len(), inner.height.saturating_sub(1));
    let rows: Vec<Option<Row<'_>>> = all[..shown]
        .iter()
        .map(|s| {
            let u = s.usage.as_ref()?;
            let t = s.transfer;
            let window = u.window_days.max(1);
            let quota = t.quota_bytes(u.quota_unit_bytes);
            let pace = |pct: u8| quota as f64 * f64::from(pct) / 100.0 / f64::from(window);
            let r = usage::ratio(u.transfer_bytes, t, u.quota_unit_bytes);
            let pct = format!("{:.0} %", r * 100.0);
            let used = usage::gb(u.transfer_bytes, u.quota_unit_bytes);
            Some(Row {
                bars: sparkline(
                    &u.daily_transfer,
                    pace(t.warning_pct),
                    pace(t.critical_pct),
                    theme,
                ),
                texts: vec![
                    format!("{used} / {} in {window} d ({pct})", usage::quota(t)),
                    format!("{used} ({pct})"),
                    pct,
                ],
                role: usage::level(u.transfer_bytes, t, u.quota_unit_bytes, Role::Text),
            })
        })
        .collect();
    let mut lines = vec![Line::from(Span::styled(legend, of(theme, Role::Muted)))];
    lines.extend(rows_lines(
        &all[..shown],
        name_width(all),
        rows,
        inner.width,
        theme,
    ));
    if shown < all.len() {
        lines.push(more_line(all.len() - shown, theme));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The bars of `days` (the last [`BAR`] of them, right-aligned) against the two paces.
fn sparkline<'a>(days: &[u64], warn: f64, crit: f64, theme: &Theme) -> Vec<Span<'a>> {
    let days = &days[days.len().saturating_sub(BAR)..];
    let mut out: Vec<Span<'a>> = (days.len()..BAR).map(|_| Span::raw(" ")).collect();
    for &d in days {
        let v = d as f64;
        let (c, style): (char, Style) = if d == 0 {
            ('·', of(theme, Role::Muted))
        } else {
            let eighths = if crit > 0.0 {
                (v / crit * 8.0).ceil().clamp(1.0, 8.0) as usize
            } else {
                8
            };
            let role = if v >= crit {
                Role::AlertCritical
            } else if v >= warn {
                Role::AlertWarning
            } else {
                Role::Sparkline
            };
            (LEVELS[eighths - 1], of(theme, role))
        };
        out.push(Span::styled(c.to_string(), style));
    }
    out
}
