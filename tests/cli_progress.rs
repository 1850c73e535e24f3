//! Long transfers show a progress bar on a terminal and nothing when piped.

mod serve_support;

use serve_support::*;
use std::process::{Command, Stdio};

/// Whether `script` can give a pseudo-terminal here.
fn have_pty() -> bool {
    Command::new("script")
        .args(["-q", "-e", "-c", "true", "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn content_add_draws_a_bar_on_a_terminal_and_nothing_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);
    // Large enough that the upload lasts a few frames of the bar.
    let file = dir.path().join("big.bin");
    std::fs::write(&file, vec![7u8; 24 << 20]).unwrap();
    let path = file.display().to_string();

    let out = cli_output(
        &site,
        dir.path(),
        &lab,
        &["content", "add", &path, "--name", "Piped"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains('\r') && !err.contains("MiB/s"),
        "no bar when piped: {err:?}"
    );
    assert!(err.contains("Sending big.bin"), "{err}");

    if !have_pty() {
        eprintln!("skipped the terminal half: no pseudo-terminal available");
        return;
    }
    let token = std::fs::read_to_string(dir.path().join("data/admin.token")).unwrap();
    let inner = format!(
        "'{BIN}' --site '{}' content add '{path}' --name OnATerminal",
        site.url
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("CLOUDSITE_TOKEN", token.trim())
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{seen}");
    assert!(
        seen.contains("big.bin [") && seen.contains("MiB"),
        "a bar on the terminal: {seen:?}"
    );
}
