//! Drawing a wizard: the page list on the left (current page highlighted), the page on the
//! right; the footer is the app's, built from `commands()`.

use super::fields::{Field, Kind, Tone};
use super::progress::{LOG_LINES, task_state};
use super::{Page, Wizard};
use crate::cloud::HostedKind;
use crate::console::form::Form;
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::pane;
use crate::console::ui::style::{of, state_role};
use crate::domain::task::Level;
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Width of the page list.
const PAGE_LIST_WIDTH: u16 = 16;
/// Widest label column.
const LABEL_WIDTH: usize = 30;

/// Draws the wizard in `area`.
pub fn render(w: &Wizard, f: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let title = w.title();
    let block = pane(&title, true, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Length(PAGE_LIST_WIDTH), Constraint::Min(20)])
        .split(inner);
    page_list(w, f, cols[0], theme);
    let right = Rect {
        x: cols[1].x + 1,
        width: cols[1].width.saturating_sub(1),
        ..cols[1]
    };
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(3),
        ])
        .split(right);
    let heading = vec![
        Line::from(Span::styled(w.page.title(), of(theme, Role::Header))),
        Line::from(Span::styled(intro(w), of(theme, Role::Muted))),
    ];
    f.render_widget(Paragraph::new(heading), rows[0]);
    let width = usize::from(rows[1].width);
    let height = usize::from(rows[1].height);
    let (lines, scroll) = match w.page {
        Page::General | Page::Settings | Page::Alerts => {
            // Keep the whole focused field (value, messages, hint) in view.
            let (lines, start, end) = field_page(w, width, theme);
            (lines, end.saturating_sub(height).min(start))
        }
        Page::Summary => {
            let lines = summary_lines(w, width, theme);
            let most = lines.len().saturating_sub(height);
            (lines, usize::from(w.scroll).min(most))
        }
        Page::Progress => (progress_lines(w, width, theme), 0),
        Page::Completion => (completion_lines(w, width, theme), 0),
    };
    f.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        rows[1],
    );
    f.render_widget(
        Paragraph::new(message_lines(w, usize::from(rows[2].width), theme)),
        rows[2],
    );
}

fn intro(w: &Wizard) -> String {
    let what = match w.kind {
        HostedKind::Cdp => "cloud distribution point",
        HostedKind::Cmg => "cloud management gateway",
    };
    match w.page {
        Page::General => "The subscription and its management certificate.".into(),
        Page::Settings => format!("The {what}: region, certificate, names."),
        Page::Alerts => "Thresholds that raise warning and critical alerts.".into(),
        Page::Summary => "What will be sent (↑/↓ scroll). Next creates it.".into(),
        Page::Progress => "Following the deployment; Esc closes (it goes on).".into(),
        Page::Completion => "Enter or Esc closes the wizard.".into(),
    }
}

fn page_list(w: &Wizard, f: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let lines: Vec<Line<'_>> = Page::ALL
        .iter()
        .map(|p| {
            let (mark, role) = if *p == w.page {
                ("▸ ", Role::Focus)
            } else if *p < w.page {
                ("✓ ", Role::Text)
            } else {
                ("  ", Role::Muted)
            };
            Line::from(Span::styled(
                format!("{mark}{:<12}", p.title()),
                of(theme, role),
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}

/// Words of `text` in lines of at most `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (ll, wl) = (line.chars().count(), word.chars().count());
        if ll > 0 && ll + 1 + wl > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

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

/// The value as drawn: masked, cursor, selection, scrolled to keep the cursor visible.
fn value_spans(f: &Field, focused: bool, room: usize, theme: &Theme) -> Vec<Span<'static>> {
    let base = of(
        theme,
        if f.error.is_some() {
            Role::InputInvalid
        } else if focused {
            Role::Input
        } else {
            Role::Text
        },
    );
    match &f.kind {
        Kind::Choice(_) => {
            let text = if focused {
                format!("◀ {} ▶", f.value())
            } else {
                f.value()
            };
            return vec![Span::styled(text, base)];
        }
        Kind::Check => return Vec::new(),
        _ => {}
    }
    let chars: Vec<char> = match f.kind {
        Kind::Password => f.text.chars().map(|_| '•').collect(),
        _ => f.text.chars().collect(),
    };
    if chars.is_empty() && !focused {
        let t = if f.optional { "(optional)" } else { "" };
        return vec![Span::styled(t.to_string(), of(theme, Role::Muted))];
    }
    let room = room.max(4);
    let start = if focused && f.cursor + 1 > room {
        f.cursor + 1 - room
    } else {
        0
    };
    let mut spans = Vec::new();
    let mut plain = String::new();
    let end = (start + room).min(chars.len());
    for (i, c) in chars.iter().enumerate().take(end).skip(start) {
        if focused && i == f.cursor {
            spans.push(Span::styled(std::mem::take(&mut plain), base));
            spans.push(Span::styled("▏", of(theme, Role::Focus)));
        }
        let selected = f.selection.is_some_and(|(a, b)| (a..b).contains(&i));
        if selected {
            spans.push(Span::styled(std::mem::take(&mut plain), base));
            spans.push(Span::styled(c.to_string(), of(theme, Role::Selection)));
        } else {
            plain.push(*c);
        }
    }
    spans.push(Span::styled(plain, base));
    if focused && f.cursor >= end {
        spans.push(Span::styled("▏", of(theme, Role::Focus)));
    }
    spans
}

/// The lines of a field page, with the first and one-past-last line of the focused field.
fn field_page(w: &Wizard, width: usize, theme: &Theme) -> (Vec<Line<'static>>, usize, usize) {
    let v = w.values();
    let label_w = LABEL_WIDTH.min(width / 2);
    let mut out: Vec<Line<'static>> = Vec::new();
    let (mut start, mut end) = (0, 0);
    for (i, f) in w.fields().iter().enumerate() {
        let focused = i == w.focus;
        let enabled = v.enabled(f);
        if focused {
            start = out.len();
        } else if i == w.focus + 1 {
            end = out.len();
        }
        let label_role = match (focused, enabled) {
            (true, _) => Role::Focus,
            (false, false) => Role::Muted,
            _ => Role::Text,
        };
        let mark = if focused { "›" } else { " " };
        let indent = if f.depends_on.is_some() { "   " } else { "" };
        if f.kind == Kind::Check {
            let tick = if f.checked { "☑" } else { "☐" };
            for (n, l) in wrap(
                &format!("{tick} {}", f.label),
                width.saturating_sub(2 + indent.len()),
            )
            .into_iter()
            .enumerate()
            {
                let lead = if n == 0 { mark } else { " " };
                let pad = if n == 0 { "" } else { "  " };
                out.push(Line::from(Span::styled(
                    format!("{lead}{indent}{pad}{l}"),
                    of(theme, label_role),
                )));
            }
        } else {
            let label = format!("{indent}{}", f.label);
            let mut spans = vec![Span::raw(mark.to_string())];
            let room;
            if label.chars().count() + 1 > label_w {
                out.push(Line::from(vec![
                    Span::raw(mark.to_string()),
                    Span::styled(label, of(theme, label_role)),
                ]));
                spans = vec![Span::raw(format!(" {indent}  "))];
                room = width.saturating_sub(4 + indent.len());
            } else {
                spans.push(Span::styled(
                    format!("{label:<label_w$} "),
                    of(theme, label_role),
                ));
                room = width.saturating_sub(label_w + 3);
            }
            if enabled {
                spans.extend(value_spans(f, focused, room, theme));
            } else {
                spans.push(Span::styled(f.value(), of(theme, Role::Muted)));
            }
            out.push(Line::from(spans));
        }
        if !enabled {
            continue;
        }
        if let Some(e) = &f.error {
            note_lines(&mut out, "✗", e, of(theme, Role::InputInvalid), width);
        }
        for (tone, text) in &f.notes {
            let (mark, role) = tone.mark();
            note_lines(&mut out, mark, text, of(theme, role), width);
        }
        if focused {
            if let Some(c) = &f.candidates {
                note_lines(&mut out, "»", c, of(theme, Role::Text), width);
            }
            if let Some(h) = f.hint {
                note_lines(&mut out, " ", h, of(theme, Role::Muted), width);
            }
        }
    }
    if end <= start {
        end = out.len();
    }
    (out, start, end)
}

/// What Summary lists: per page, (label, value) with passwords as `•••`.
pub fn summary_rows(w: &Wizard) -> Vec<(&'static str, Vec<(String, String)>)> {
    let v = w.values();
    let mut out = Vec::new();
    for (i, page) in w.pages.iter().enumerate() {
        let mut rows = Vec::new();
        for f in page.iter().filter(|f| v.enabled(f)) {
            let value = match f.kind {
                Kind::Password if f.text.is_empty() => "(none)".to_string(),
                Kind::Password => "•••".to_string(),
                Kind::Check => if f.checked { "Yes" } else { "No" }.to_string(),
                _ if f.value().trim().is_empty() => "(none)".to_string(),
                _ => f.value().trim().to_string(),
            };
            rows.push((f.label.to_string(), value));
            if f.id == "subscription_id"
                && let Some(name) = &w.subscription_name
            {
                rows.push(("Subscription name".into(), name.clone()));
            }
        }
        if i == 1 {
            let fqdn = v.text("service_fqdn");
            let host = fqdn
                .split('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            rows.push(("Deployment name".into(), host.clone()));
            if w.kind == HostedKind::Cdp || v.checked("serve_content") {
                let account: String = host.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                rows.push(("Storage account".into(), account));
            }
        }
        out.push((Page::ALL[i].title(), rows));
    }
    out
}

fn summary_lines(w: &Wizard, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let label_w = LABEL_WIDTH.min(width / 2);
    for (page, rows) in summary_rows(w) {
        out.push(Line::from(Span::styled(page, of(theme, Role::Header))));
        for (label, value) in rows {
            let label: String = if label.chars().count() > label_w {
                label.chars().take(label_w - 1).chain(['…']).collect()
            } else {
                label
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {label:<label_w$} "), of(theme, Role::Muted)),
                Span::styled(value, of(theme, Role::Text)),
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

fn progress_lines(w: &Wizard, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(p) = &w.progress else {
        return Vec::new();
    };
    let state = p.state();
    let mut out = vec![
        Line::from(format!(
            "Creating {} (deployment {})",
            p.service.service_fqdn, p.service.name
        )),
        Line::from(vec![
            Span::raw("State: "),
            Span::styled(state.as_str(), of(theme, state_role(state))),
        ]),
        Line::from(format!(
            "Task:  {}{}",
            task_state(p.task.state),
            p.task
                .step
                .as_deref()
                .map(|s| format!(" — {s}"))
                .unwrap_or_default()
        )),
        Line::from(""),
        Line::from(Span::styled(
            format!("CloudMgr.log (last {LOG_LINES} lines)"),
            of(theme, Role::Header),
        )),
    ];
    for l in &p.lines {
        let time = l.time.get(11..19).unwrap_or(&l.time).to_string();
        let text: String = format!("{time} {}", l.message)
            .chars()
            .take(width)
            .collect();
        out.push(Line::from(Span::styled(text, of(theme, log_role(l.level)))));
    }
    out
}

fn completion_lines(w: &Wizard, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(p) = &w.progress else {
        return Vec::new();
    };
    let (ok, headline, next) = p.completion(w.kind);
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

fn message_lines(w: &Wizard, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if w.confirm_discard {
        out.push(Line::from(Span::styled(
            "Discard the wizard? y/N",
            of(theme, Role::AlertWarning),
        )));
        return out;
    }
    if let Some((tone, text)) = &w.message {
        let role = match tone {
            Tone::Error => Role::InputInvalid,
            Tone::Warning => Role::AlertWarning,
            Tone::Info => Role::Text,
        };
        for l in wrap(text, width).into_iter().take(3) {
            out.push(Line::from(Span::styled(l, of(theme, role))));
        }
    }
    out
}
