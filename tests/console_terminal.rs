//! The console on a real pseudo-terminal (util-linux `script`): a SIGTERM leaves the terminal
//! as it found it — out of the alternate screen, cursor shown, bracketed paste off — as `q` and
//! SIGHUP do.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cloudsite");

/// Whether `script` can give a pseudo-terminal here (containers without /dev/pts cannot).
fn have_pty() -> bool {
    Command::new("script")
        .args(["-q", "-e", "-c", "true", "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The pid of the first child of `pid`.
fn child_of(pid: u32) -> Option<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    for t in tasks.flatten() {
        let children = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
        if let Some(c) = children.split_whitespace().next() {
            return c.parse().ok();
        }
    }
    None
}

#[test]
fn sigterm_restores_the_terminal() {
    if !have_pty() {
        eprintln!("skipped: no pseudo-terminal available (`script` cannot allocate one here)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inner = format!(
        "exec '{BIN}' --data-dir '{}'",
        dir.path().join("data").display()
    );
    let mut script = Command::new("script")
        .args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "100")
        .env("LINES", "30")
        .env_remove("CLOUDSITE_SITE")
        .env("CLOUDSITE_CONFIG", dir.path().join("none.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run script");
    let mut stdout = script.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let until = |seen: &mut Vec<u8>, needle: &[u8], limit: Duration| {
        let deadline = Instant::now() + limit;
        while !seen.windows(needle.len()).any(|w| w == needle) {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) => seen.extend(chunk),
                Err(_) => return false,
            }
        }
        true
    };
    assert!(
        until(&mut seen, b"\x1b[?1049h", Duration::from_secs(30)),
        "the console never entered the alternate screen: {:?}",
        String::from_utf8_lossy(&seen)
    );
    // Let it draw a frame, then ask it to end as a service manager would.
    std::thread::sleep(Duration::from_millis(500));
    let pid = child_of(script.id()).expect("the console's pid");
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let entered = seen.len();
    assert!(
        until(&mut seen, b"\x1b[?1049l", Duration::from_secs(15)),
        "SIGTERM left the alternate screen on: {:?}",
        String::from_utf8_lossy(&seen[entered.saturating_sub(200)..])
    );
    // Bracketed paste goes off last, on its own.
    assert!(
        until(&mut seen, b"\x1b[?2004l", Duration::from_secs(15)),
        "bracketed paste was not turned off"
    );
    let after = &seen[entered..];
    let shown = |needle: &[u8]| after.windows(needle.len()).any(|w| w == needle);
    assert!(shown(b"\x1b[?25h"), "the cursor was not shown again");
    let _ = script.stdin.take().map(|mut s| s.write_all(b""));
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut exited = false;
    while Instant::now() < deadline && !exited {
        exited = script.try_wait().unwrap().is_some();
        std::thread::sleep(Duration::from_millis(50));
    }
    if !exited {
        let _ = script.kill();
    }
    let _ = script.wait();
    assert!(exited, "the console did not exit after SIGTERM");
}
