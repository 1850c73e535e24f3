//! Progress bars for long transfers (`content add` of a large file, `client fetch`), drawn on
//! standard error only when it is a terminal and the output is for people: piped or in JSON,
//! nothing is drawn.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Whether bars are drawn: stderr is a terminal and the output is not JSON.
pub(super) fn wanted(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

/// A bar for `len` bytes labelled `what`, starting at `from`; hidden when bars are not wanted.
pub(super) fn bytes(what: &str, len: u64, from: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(crate::display::terminal_safe(what).into_owned());
    bar.set_position(from);
    bar
}
