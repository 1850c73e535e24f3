//! The scripting commands' conventions, against a real `cloudsite serve`: exit codes by kind of
//! failure, JSON errors on stderr, `-o tsv`, `--wait --timeout`, the manual page, a closed
//! pipe, the help text.

mod serve_support;

use serde_json::Value;
use serve_support::*;
use std::io::Read;
use std::process::{Command, Stdio};

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exit_codes_say_what_kind_of_failure_and_json_errors_are_one_object() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);

    // Not found: 3, and with --json one JSON object on stderr.
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "show", "nope", "--json"]);
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let err: Value = serde_json::from_slice(&out.stderr).expect("stderr is one JSON object");
    assert_eq!(err["error"]["kind"], "not_found");
    assert_eq!(err["error"]["exit"], 3);
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope"))
    );
    assert!(out.stdout.is_empty());

    // Refused by the site (a field rule): 4, the field named in the JSON error.
    let out = cli_output(
        &site,
        dir.path(),
        &lab,
        &[
            "-o",
            "json",
            "client-settings",
            "set",
            "--allow-cloud-dp",
            "yes",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = cli_output(
        &site,
        dir.path(),
        &lab,
        &[
            "-o",
            "json",
            "proxy",
            "set",
            "SITESERVER",
            "--enable",
            "yes",
            "--port",
            "0",
        ],
    );
    assert_eq!(code(&out), 4, "{}", text(&out.stderr));
    let err: Value = serde_json::from_slice(&out.stderr).expect("JSON error");
    assert_eq!(err["error"]["kind"], "refused");
    assert!(err["error"]["field"].is_string(), "{err}");

    // Without -o json the error is one line for people.
    let out = cli_output(&site, dir.path(), &lab, &["cmg", "show", "nope"]);
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).starts_with("cloudsite: "));

    // -o tsv: a header and tab-separated rows.
    let out = cli_output(&site, dir.path(), &lab, &["-o", "tsv", "status-messages"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let first = text(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        first.contains('\t') && first.contains("SEVERITY"),
        "{first}"
    );
}

#[test]
fn a_site_that_cannot_be_reached_is_exit_5() {
    let out = Command::new(BIN)
        .args(["--site", "http://127.0.0.1:1", "cdp", "list", "--json"])
        .env("CLOUDSITE_TOKEN", "cs_nothing")
        .output()
        .unwrap();
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    let err: Value = serde_json::from_slice(&out.stderr).expect("JSON error");
    assert_eq!(err["error"]["kind"], "unreachable");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    // The cause, not only reqwest's "error sending request".
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[test]
fn wait_gives_up_after_its_timeout_with_exit_124_and_the_task_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    // Provisioning takes 20 s; the command waits 1 s.
    let site = serve(dir.path(), 20_000);
    let args = lab.create_args("cdp", "cdp1", &["-w", "--timeout", "1s"]);
    let out = cli_output(&site, dir.path(), &lab, &refs(&args));
    assert_eq!(code(&out), 124, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("did not end within 1s"));
    // The service is still provisioning.
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["status"], "Provisioning", "{list}");
}

#[test]
fn man_page_help_text_and_a_closed_pipe() {
    let out = Command::new(BIN).arg("man").output().unwrap();
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH cloudsite 1"), "{page}");
    assert!(page.contains("cert") && page.contains("cmg"));

    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = text(&help.stdout);
    assert!(help.contains("opens the terminal console"), "{help}");
    assert!(!help.contains("shows this overview"));
    assert!(help.contains("-o, --output"), "{help}");

    // `cloudsite completions bash | head -c 10`: the reader goes away early; no panic.
    let mut child = Command::new(BIN)
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "nothing said on a closed pipe: {err}");
    assert_ne!(status.code(), Some(101), "not a panic exit");
}

#[test]
fn stop_says_where_the_service_is_going_and_a_second_stop_is_a_success_with_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);
    let args = lab.create_args("cdp", "cdp1", &["-w", "--json"]);
    let created = cli_output(&site, dir.path(), &lab, &refs(&args));
    assert_eq!(code(&created), 0, "{}", text(&created.stderr));
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fqdn = list[0]["service_fqdn"].as_str().unwrap().to_string();

    // Without --wait: the task and the state it heads to, not the state before it began.
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "stop", &fqdn]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Stopping -> Stopped (task "), "{said}");
    assert!(!said.contains("Ready"), "{said}");

    let out = cli_output(&site, dir.path(), &lab, &["cdp", "stop", &fqdn, "-w"]);
    // Either the first stop is still running (refused: a task runs) or it ended; wait for it.
    if code(&out) != 0 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let out = cli_output(&site, dir.path(), &lab, &["cdp", "show", &fqdn, "--json"]);
            let s: Value = serde_json::from_slice(&out.stdout).unwrap();
            if s["status"] == "Stopped" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "never stopped: {s}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    // Stopping a stopped service: success, nothing to do (as kubectl/az), in text and JSON.
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "stop", &fqdn]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("already Stopped, nothing to do"),
        "{}",
        text(&out.stdout)
    );
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "stop", &fqdn, "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let s: Value = serde_json::from_slice(&out.stdout).expect("the service as JSON");
    assert_eq!(s["status"], "Stopped");

    // A start of a stopped service is not "nothing to do"; a delete is never idempotent here.
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "start", &fqdn, "-w"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = cli_output(&site, dir.path(), &lab, &["cdp", "start", &fqdn]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("already Ready"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn cmg_show_lists_every_trusted_root() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);
    let root = lab.s("root_ca");
    let args = lab.create_args("cmg", "cmg1", &["--trusted-root", &root, "-w"]);
    let out = cli_output(&site, dir.path(), &lab, &refs(&args));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = cli_output(
        &site,
        dir.path(),
        &lab,
        &["cmg", "show", "cmg1.lab.contoso.com"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let line = shown
        .lines()
        .find(|l| l.starts_with("Trusted root"))
        .unwrap_or_else(|| panic!("no trusted root line:\n{shown}"));
    // The root's name and its thumbprint (40 hex digits).
    assert!(line.contains("cloudsite Lab Root CA"), "{line}");
    assert!(
        line.split(['(', ')'])
            .any(|p| p.len() == 40 && p.chars().all(|c| c.is_ascii_hexdigit())),
        "{line}"
    );
}
