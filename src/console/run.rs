//! The console's terminal and event loop: raw mode, the alternate screen and bracketed paste,
//! restored on exit, panic, SIGHUP and SIGTERM; keys and pastes from a reader thread, network messages
//! from the worker; a redraw only when something changed, at most `max_fps` times a second.

use super::app::App;
use super::keymap::Keymap;
use super::link::SiteLink;
use super::msg::{Effect, NetMsg};
use super::theme::Theme;
use super::ui;
use crate::config::Config;
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{IsTerminal, stdout};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Why the console could not open (the caller says it and exits non-zero).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Standard input or output is not a terminal.
    #[error(
        "the console needs a terminal; use the scripting commands (cloudsite --help) otherwise"
    )]
    NoTerminal,
    /// The config file is unusable (one problem a line).
    #[error("{0}")]
    Config(String),
    /// The `[keys]` bindings are unusable (one problem a line).
    #[error("{0}")]
    Keys(String),
    /// Raw mode could not be turned on.
    #[error("cannot put the terminal in raw mode")]
    RawMode,
    /// The terminal could not be drawn on.
    #[error("cannot draw on this terminal: {0}")]
    Draw(std::io::Error),
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show,
        crossterm::event::DisableMouseCapture
    );
    // Last and on its own: where bracketed paste is unsupported this fails, and that must not
    // keep the terminal from being restored.
    let _ = execute!(stdout(), DisableBracketedPaste);
}

/// The theme to draw with: the named one as this terminal can show it (`NO_COLOR`,
/// `COLORTERM`: see [`Theme::for_terminal`]).
pub fn theme_for(name: &str, config: &Config) -> Theme {
    let user_dir = config
        .apply_paths(&crate::paths::Paths::resolve())
        .themes_dir;
    let theme = Theme::load(name, Some(&user_dir))
        .unwrap_or_else(|_| Theme::load("default", None).unwrap_or_else(|_| Theme::monochrome()));
    let env = |k| std::env::var(k).ok();
    theme.for_terminal(env("NO_COLOR").as_deref(), env("COLORTERM").as_deref())
}

/// OSC 52: asks the terminal to put `text` on the clipboard (terminals that do not allow it
/// ignore the sequence).
fn osc52(text: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{b64}\x07")
}

/// Opens the console on the site `link` reaches, until the operator quits; then closes the
/// link (an embedded site stops).
pub async fn run<L: SiteLink>(link: L) -> Result<(), RunError> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        return Err(RunError::NoTerminal);
    }
    let paths = crate::paths::Paths::resolve();
    let themes = Some(paths.themes_dir.as_path());
    let rules = |c: &Config| super::settings::config_problems(c, themes);
    let config = match Config::load(&paths, &rules) {
        Ok(c) => {
            crate::display::set_date_format(c.console.date_format);
            Ok(c)
        }
        Err(e) => Err(e),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => return Err(RunError::Config(e.lines().join("\n"))),
    };
    let keymap = match Keymap::from_config(&config.keys) {
        Ok(k) => k,
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(RunError::Keys(lines.join("\n")));
        }
    };
    let mut app = App::new(
        keymap,
        &config.console.theme,
        config.console.log_buffer_lines as usize,
    );
    let mut theme = theme_for(&app.theme, &config);
    app.theme_names = super::theme::available(Some(
        &config
            .apply_paths(&crate::paths::Paths::resolve())
            .themes_dir,
    ));

    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        default_hook(info);
    }));
    if enable_raw_mode().is_err() {
        return Err(RunError::RawMode);
    }
    let _ = execute!(stdout(), EnterAlternateScreen);
    // Bracketed paste: pasted text arrives as one event for the focused field, so a pasted
    // newline is not an Enter that submits the form.
    let _ = execute!(stdout(), EnableBracketedPaste);
    if config.console.mouse {
        let _ = execute!(stdout(), crossterm::event::EnableMouseCapture);
    }
    let mut terminal = match Terminal::new(CrosstermBackend::new(stdout())) {
        Ok(t) => t,
        Err(e) => {
            restore();
            return Err(RunError::Draw(e));
        }
    };

    let (net_tx, mut net_rx) = mpsc::unbounded_channel::<NetMsg>();
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let worker = tokio::spawn(super::net::run(link, net_tx, req_rx));
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<Event>();
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            if key_tx.send(ev).is_err() {
                break;
            }
        }
    });
    // The terminal went away (SIGHUP) or someone asked the console to end (SIGTERM, as `kill`
    // and service managers send): either way leave as `q` does, restoring the terminal.
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(unix)]
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();

    let frame_gap = Duration::from_millis(1000 / u64::from(config.console.max_fps.max(1)));
    let mut dirty = true;
    let mut last_draw = Instant::now() - frame_gap;
    loop {
        if dirty && last_draw.elapsed() >= frame_gap {
            let _ = terminal.draw(|f| ui::draw(f, &app, &theme));
            last_draw = Instant::now();
            dirty = false;
        }
        let wait = if dirty {
            frame_gap.saturating_sub(last_draw.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        let effects = tokio::select! {
            Some(ev) = key_rx.recv() => {
                dirty = true;
                match ev {
                    Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
                    Event::Paste(text) => app.on_paste(&text),
                    _ => Vec::new(),
                }
            }
            Some(msg) = net_rx.recv() => { dirty = true; app.on_net(msg) }
            _ = tokio::time::sleep(wait) => Vec::new(),
            _ = async {
                #[cfg(unix)]
                match hangup.as_mut() { Some(h) => { h.recv().await; } None => std::future::pending::<()>().await }
                #[cfg(not(unix))]
                std::future::pending::<()>().await
            } => { app.quit = true; Vec::new() }
            _ = async {
                #[cfg(unix)]
                match terminate.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await }
                #[cfg(not(unix))]
                std::future::pending::<()>().await
            } => { app.quit = true; Vec::new() }
        };
        for e in effects {
            match e {
                Effect::Quit => app.quit = true,
                Effect::Copy(text) => {
                    use std::io::Write;
                    let mut out = stdout();
                    let _ = out.write_all(osc52(&text).as_bytes());
                    let _ = out.flush();
                }
                Effect::Request(id, r) => {
                    let _ = req_tx.send((id, r));
                }
            }
        }
        if theme.name != app.theme && !app.theme.is_empty() {
            let wanted = app.theme.clone();
            match Theme::load(
                &wanted,
                Some(
                    &config
                        .apply_paths(&crate::paths::Paths::resolve())
                        .themes_dir,
                ),
            ) {
                Ok(_) => theme = theme_for(&wanted, &config),
                Err(e) => {
                    app.notice = Some(format!("theme {wanted}: {e}"));
                    app.theme = theme.name.clone();
                }
            }
        }
        if app.quit {
            break;
        }
    }
    restore();
    drop(req_tx);
    // The worker ends as soon as the requests stop, unless it is still retrying a failed
    // connection — and then there is nothing to close.
    if let Ok(Ok(link)) = tokio::time::timeout(Duration::from_secs(3), worker).await {
        link.close().await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("cdp1"), "\x1b]52;c;Y2RwMQ==\x07");
    }
}
