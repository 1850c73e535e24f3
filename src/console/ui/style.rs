//! Theme roles as ratatui styles, and the bordered pane every view and form is drawn in.

use crate::console::theme::{Color, Role, Theme};
use crate::domain::service::ServiceState;
use ratatui::style::{Color as RColor, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

fn color(c: Color) -> RColor {
    match c {
        Color::Reset => RColor::Reset,
        Color::Black => RColor::Black,
        Color::Red => RColor::Red,
        Color::Green => RColor::Green,
        Color::Yellow => RColor::Yellow,
        Color::Blue => RColor::Blue,
        Color::Magenta => RColor::Magenta,
        Color::Cyan => RColor::Cyan,
        Color::Gray => RColor::Gray,
        Color::DarkGray => RColor::DarkGray,
        Color::LightRed => RColor::LightRed,
        Color::LightGreen => RColor::LightGreen,
        Color::LightYellow => RColor::LightYellow,
        Color::LightBlue => RColor::LightBlue,
        Color::LightMagenta => RColor::LightMagenta,
        Color::LightCyan => RColor::LightCyan,
        Color::White => RColor::White,
        Color::Rgb(r, g, b) => RColor::Rgb(r, g, b),
        Color::Indexed(i) => RColor::Indexed(i),
    }
}

/// The ratatui style of a theme role.
pub fn of(theme: &Theme, role: Role) -> Style {
    let s = theme.style(role);
    let mut out = Style::default();
    if let Some(fg) = s.fg {
        out = out.fg(color(fg));
    }
    if let Some(bg) = s.bg {
        out = out.bg(color(bg));
    }
    for (on, m) in [
        (s.bold, Modifier::BOLD),
        (s.italic, Modifier::ITALIC),
        (s.underline, Modifier::UNDERLINED),
        (s.reverse, Modifier::REVERSED),
        (s.dim, Modifier::DIM),
    ] {
        if on {
            out = out.add_modifier(m);
        }
    }
    out
}

/// The role that colours a service state.
pub fn state_role(state: ServiceState) -> Role {
    match state {
        ServiceState::Ready => Role::StatusReady,
        ServiceState::Provisioning => Role::StatusProvisioning,
        ServiceState::Starting => Role::StatusStarting,
        ServiceState::Stopping => Role::StatusStopping,
        ServiceState::Stopped => Role::StatusStopped,
        ServiceState::Upgrading => Role::StatusUpgrading,
        ServiceState::Deleting => Role::StatusDeleting,
        ServiceState::Error => Role::StatusError,
    }
}

/// A bordered block whose border shows focus. The title is made safe: it often carries a
/// name or a filter.
pub fn pane<'a>(title: &str, focused: bool, theme: &Theme) -> Block<'a> {
    let title = crate::display::terminal_safe(title);
    Block::default()
        .borders(Borders::ALL)
        .border_style(of(
            theme,
            if focused {
                Role::BorderFocused
            } else {
                Role::Border
            },
        ))
        .title(Span::styled(format!(" {title} "), of(theme, Role::Title)))
}
