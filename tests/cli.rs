//! The `cloudsite` binary end to end: arguments, exit codes, password sources, JSON and human
//! output (DESIGN.md, "Certificate inspection contract").

mod common;

use common::{Made, Spec};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "Secret1";
const CN: &str = "clouddp1.contoso.com";
const SUBSCRIPTION_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// The binary with a predictable environment: a developer's own NO_COLOR or a stray password
/// variable must not change what the tests see.
fn cloudsite() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudsite"));
    cmd.env_remove("NO_COLOR")
        .env_remove("CLOUDSITE_TEST_PW")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run cloudsite")
}

/// Runs with `input` on standard input (for `--password-stdin`).
fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cloudsite");
    // The binary may exit before reading (e.g. on an argument error); a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(input);
    child.wait_with_output().expect("wait for cloudsite")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally, not by a signal")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The whole of stdout must be exactly one JSON object (whitespace around it allowed).
fn json(out: &Output) -> Value {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    });
    assert!(v.is_object(), "expected a JSON object, got {v}");
    v
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn inspect(path: &Path) -> Command {
    let mut cmd = cloudsite();
    cmd.arg("cert").arg("inspect").arg(path);
    cmd
}

fn service_cert() -> Made {
    common::make(&Spec::service(CN))
}

fn service_pfx(made: &Made, password: &str) -> Vec<u8> {
    common::pfx(made, &[common::root_ca().cert], password)
}

fn finding_codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| f["code"].as_str().expect("code is a string").to_string())
        .collect()
}

fn sha1_hex(der: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    hex::encode_upper(Sha1::digest(der))
}

// ---------------------------------------------------------------------------------------------
// Help and completions
// ---------------------------------------------------------------------------------------------

#[test]
fn help_lists_the_subcommands() {
    let out = run(cloudsite().arg("--help"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for sub in ["cert", "config", "completions"] {
        // Subcommands appear as indented first words in clap's "Commands:" section.
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(sub) && l.starts_with("  ")),
            "--help does not list `{sub}`:\n{text}"
        );
    }
}

#[test]
fn bash_completion_covers_cert_inspect() {
    let out = run(cloudsite().args(["completions", "bash"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let script = stdout(&out);
    assert!(script.contains("cloudsite"), "{script}");
    assert!(script.contains("inspect"), "{script}");
}

#[test]
fn zsh_and_fish_completions_succeed() {
    for shell in ["zsh", "fish"] {
        let out = run(cloudsite().args(["completions", shell]));
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("cloudsite"),
            "{shell} script does not mention cloudsite"
        );
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = run(cloudsite().args(["completions", "cmd.exe"]));
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------------------------

#[test]
fn good_service_pfx_is_usable_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let made = service_cert();
    let path = write(dir.path(), "service.pfx", &service_pfx(&made, PASSWORD));
    let out = run(inspect(&path)
        .args([
            "--role",
            "service",
            "--json",
            "--password-env",
            "CLOUDSITE_TEST_PW",
        ])
        .env("CLOUDSITE_TEST_PW", PASSWORD));
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v:#}");
    assert_eq!(v["verdict"], "usable", "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["has_private_key"], true);
    assert_eq!(v["format"], "pkcs12");
    assert_eq!(v["role"], "service");
}

#[test]
fn cert_only_file_for_service_role_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let made = service_cert();
    let path = write(dir.path(), "service.cer", &made.cert);
    let out = run(inspect(&path).args(["--role", "service", "--json"]));
    let v = json(&out);
    assert_eq!(code(&out), 1, "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["verdict"], "unusable");
    assert_eq!(v["has_private_key"], false);
    assert!(
        finding_codes(&v).iter().any(|c| c == "no_private_key"),
        "{v:#}"
    );
}

#[test]
fn wrong_password_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run(inspect(&path)
        .args([
            "--role",
            "service",
            "--json",
            "--password-env",
            "CLOUDSITE_TEST_PW",
        ])
        .env("CLOUDSITE_TEST_PW", "not-the-password"));
    let v = json(&out);
    assert_eq!(code(&out), 2, "{v:#}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "wrong_password", "{v:#}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(v["verdict"], "unreadable");
}

#[test]
fn no_password_for_a_protected_pfx_is_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run(inspect(&path).arg("--json"));
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"]["kind"], "wrong_password");
}

#[test]
fn garbage_file_is_malformed_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "garbage.pfx",
        b"this is not a certificate, just some words\n",
    );
    let out = run(inspect(&path).arg("--json"));
    let v = json(&out);
    assert_eq!(code(&out), 2, "{v:#}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "malformed", "{v:#}");
}

#[test]
fn missing_file_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("does-not-exist.pfx");
    let out = run(inspect(&path).arg("--json"));
    let v = json(&out);
    assert_eq!(code(&out), 2, "{v:#}");
    assert_eq!(v["ok"], false);
    assert!(v["error"].is_object(), "{v:#}");

    // The human report still names the file and says why.
    let out = run(&mut inspect(&path));
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains("does-not-exist.pfx"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("unreadable"), "{}", stdout(&out));
}

#[test]
fn empty_file_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.pfx", b"");
    let out = run(inspect(&path).args(["--role", "service", "--json"]));
    let v = json(&out);
    assert_eq!(code(&out), 2, "{v:#}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "malformed", "{v:#}");
}

#[test]
fn exit_code_follows_verdict_on_a_real_openssl_file() {
    // Whether this file is still valid depends on today's date, so the exit code is checked
    // against the verdict the binary itself reports rather than against a constant.
    let out = run(inspect(&common::fixture("openssl/modern-chain.pfx"))
        .args([
            "--role",
            "service",
            "--json",
            "--password-env",
            "CLOUDSITE_TEST_PW",
        ])
        .env("CLOUDSITE_TEST_PW", PASSWORD));
    let v = json(&out);
    assert_eq!(v["ok"], true, "{v:#}");
    let leaf = v["leaf"].as_u64().expect("leaf index") as usize;
    assert_eq!(
        v["certificates"][leaf]["sha1_thumbprint"],
        "A76881F322EA53D45AC0D68D86183AEF3E3A0026"
    );
    let expected = match v["verdict"].as_str().unwrap() {
        "usable" | "usable_with_warnings" => 0,
        "unusable" => 1,
        other => panic!("unexpected verdict {other}"),
    };
    assert_eq!(code(&out), expected, "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// Password sources
// ---------------------------------------------------------------------------------------------

#[test]
fn password_from_env_opens_the_pfx() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run(inspect(&path)
        .args(["--password-env", "CLOUDSITE_TEST_PW", "--json"])
        .env("CLOUDSITE_TEST_PW", PASSWORD));
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["has_private_key"], true);
}

#[test]
fn password_from_stdin_opens_the_pfx_with_lf_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    for input in ["Secret1\n", "Secret1\r\n", "Secret1"] {
        let out = run_with_stdin(
            inspect(&path).args(["--password-stdin", "--json"]),
            input.as_bytes(),
        );
        let v = json(&out);
        assert_eq!(code(&out), 0, "input {input:?}: {v:#}");
        assert_eq!(v["ok"], true, "input {input:?}");
        assert_eq!(v["has_private_key"], true, "input {input:?}");
    }
}

#[test]
fn password_stdin_reads_only_the_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run_with_stdin(
        inspect(&path).args(["--password-stdin", "--json"]),
        b"Secret1\nsomething else\n",
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    let out = run_with_stdin(
        inspect(&path).args(["--password-stdin", "--json"]),
        b"Secret2\n",
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"]["kind"], "wrong_password");
}

#[test]
fn password_env_unset_names_the_variable_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run(inspect(&path).args([
        "--password-env",
        "CLOUDSITE_TEST_PW_NOT_SET_ANYWHERE",
        "--json",
    ]));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("CLOUDSITE_TEST_PW_NOT_SET_ANYWHERE"),
        "stderr does not name the variable: {}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
    // --json still prints the one object the contract promises.
    let report = json(&out);
    assert_eq!(report["ok"], false);
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CLOUDSITE_TEST_PW_NOT_SET_ANYWHERE")
    );
}

#[test]
fn password_env_and_stdin_together_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "service.pfx",
        &service_pfx(&service_cert(), PASSWORD),
    );
    let out = run_with_stdin(
        inspect(&path)
            .args(["--password-env", "CLOUDSITE_TEST_PW", "--password-stdin"])
            .env("CLOUDSITE_TEST_PW", PASSWORD),
        b"Secret1\n",
    );
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("cannot be used with"),
        "not clap's conflict error: {err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report on a usage error: {}",
        stdout(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// JSON output
// ---------------------------------------------------------------------------------------------

#[test]
fn json_has_the_contract_keys_and_true_facts() {
    let dir = tempfile::tempdir().unwrap();
    let made = service_cert();
    let root = common::root_ca();
    let path = write(
        dir.path(),
        "service.pfx",
        &common::pfx(&made, std::slice::from_ref(&root.cert), PASSWORD),
    );
    let out = run(inspect(&path)
        .args([
            "--role",
            "service",
            "--json",
            "--password-env",
            "CLOUDSITE_TEST_PW",
        ])
        .env("CLOUDSITE_TEST_PW", PASSWORD));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json(&out);

    for key in [
        "ok",
        "error",
        "format",
        "has_private_key",
        "certificates",
        "leaf",
        "service_fqdn",
        "findings",
        "verdict",
    ] {
        assert!(v.get(key).is_some(), "missing top-level key {key}: {v:#}");
    }
    assert_eq!(v["ok"], true);
    assert!(v["error"].is_null());
    assert_eq!(v["service_fqdn"], CN);

    let certs = v["certificates"].as_array().expect("certificates array");
    assert_eq!(certs.len(), 2, "leaf and root: {v:#}");
    for c in certs {
        for key in [
            "subject_cn",
            "issuer_cn",
            "dns_names",
            "sha1_thumbprint",
            "sha256_thumbprint",
            "serial",
            "version",
            "not_before",
            "not_after",
            "key_algorithm",
            "key_bits",
            "signature_algorithm",
            "eku",
            "is_ca",
        ] {
            assert!(c.get(key).is_some(), "certificate lacks {key}: {c:#}");
        }
        for key in ["not_before", "not_after"] {
            let s = c[key].as_str().expect("time is a string");
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|e| panic!("{key} {s:?} is not RFC 3339: {e}"));
        }
        let sha256 = c["sha256_thumbprint"].as_str().unwrap();
        assert_eq!(sha256.len(), 64, "{sha256}");
        assert!(sha256.chars().all(|ch| ch.is_ascii_hexdigit()));
    }

    let leaf = v["leaf"].as_u64().expect("leaf index") as usize;
    let lc = &certs[leaf];
    assert_eq!(lc["subject_cn"], CN);
    assert_eq!(lc["issuer_cn"], "cloudsite Test Root CA");
    assert_eq!(lc["dns_names"], serde_json::json!([CN]));
    assert_eq!(lc["sha1_thumbprint"], sha1_hex(&made.cert));
    assert_eq!(lc["version"], 3);
    assert_eq!(lc["key_algorithm"], "RSA");
    assert_eq!(lc["key_bits"], 2048);
    assert_eq!(lc["is_ca"], false);
    assert_eq!(lc["eku"], serde_json::json!(["1.3.6.1.5.5.7.3.1"]));
    assert!(lc["serial"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(
        lc["signature_algorithm"]
            .as_str()
            .is_some_and(|s| s.to_ascii_lowercase().contains("sha256"))
    );

    let root_idx = 1 - leaf;
    assert_eq!(certs[root_idx]["sha1_thumbprint"], sha1_hex(&root.cert));
    assert_eq!(certs[root_idx]["is_ca"], true);

    for f in v["findings"].as_array().expect("findings array") {
        for key in ["severity", "code", "message"] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f:#}");
        }
        assert!(
            ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()),
            "{f:#}"
        );
    }
    assert_eq!(v["verdict"], "usable");
}

#[test]
fn json_findings_carry_severity_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = Spec::service(CN);
    spec.ca_signed = false;
    spec.eku = None;
    let path = write(
        dir.path(),
        "self.pfx",
        &common::pfx(&common::make(&spec), &[], ""),
    );
    let out = run(inspect(&path).args(["--role", "service", "--json"]));
    let v = json(&out);
    assert_eq!(code(&out), 1, "{v:#}");
    let findings = v["findings"].as_array().unwrap();
    let eku = findings
        .iter()
        .find(|f| f["code"] == "missing_server_auth_eku")
        .unwrap_or_else(|| panic!("no EKU finding: {v:#}"));
    assert_eq!(eku["severity"], "error");
    assert!(
        eku["message"]
            .as_str()
            .is_some_and(|m| m.contains("1.3.6.1.5.5.7.3.1"))
    );
    let self_signed = findings
        .iter()
        .find(|f| f["code"] == "self_signed")
        .unwrap_or_else(|| panic!("no self_signed finding: {v:#}"));
    assert_eq!(self_signed["severity"], "warning");
    assert_eq!(v["verdict"], "unusable");
}

// ---------------------------------------------------------------------------------------------
// Human output
// ---------------------------------------------------------------------------------------------

/// A self-signed service PFX: readable, usable, and with a `self_signed` warning to show.
fn self_signed_pfx(dir: &Path) -> PathBuf {
    let mut spec = Spec::service(CN);
    spec.ca_signed = false;
    write(dir, "self.pfx", &common::pfx(&common::make(&spec), &[], ""))
}

#[test]
fn human_report_shows_cn_findings_and_verdict_without_colour() {
    let dir = tempfile::tempdir().unwrap();
    let path = self_signed_pfx(dir.path());
    let out = run(inspect(&path).args(["--role", "service"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(CN), "{text}");
    assert!(text.contains("[self_signed]"), "{text}");
    assert!(text.contains("verdict"), "{text}");
    assert!(text.contains("usable, with warnings"), "{text}");
    assert!(
        !text.contains("\x1b["),
        "ANSI escapes when stdout is not a terminal: {text:?}"
    );
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "human output must not be JSON"
    );
}

#[test]
fn human_report_honours_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let path = self_signed_pfx(dir.path());
    let out = run(inspect(&path)
        .args(["--role", "service"])
        .env("NO_COLOR", "1"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("[self_signed]"), "{text}");
    assert!(!text.contains("\x1b["), "{text:?}");
}

/// Runs the inspector under a pseudo-terminal (util-linux `script`), so the binary sees a TTY
/// on stdout; `None` where no pseudo-terminal can be had.
fn inspect_on_a_tty(path: &Path, no_color: Option<&str>) -> Option<String> {
    // Containers without /dev/pts have `script` but no terminal to give; skip there too.
    let probe = Command::new("script")
        .args(["-q", "-e", "-c", "true", "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return None;
    }
    let inner = format!(
        "'{}' cert inspect '{}' --role service",
        env!("CARGO_BIN_EXE_cloudsite"),
        path.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .stdin(Stdio::null());
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let path = self_signed_pfx(dir.path());
    let Some(coloured) = inspect_on_a_tty(&path, None) else {
        eprintln!("skipped: util-linux `script` is not available to provide a terminal");
        return;
    };
    assert!(coloured.contains(CN), "{coloured:?}");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );

    let plain = inspect_on_a_tty(&path, Some("1")).expect("script ran once already");
    assert!(plain.contains(CN), "{plain:?}");
    assert!(!plain.contains("\x1b["), "NO_COLOR=1 ignored: {plain:?}");

    // no-color.org: an empty NO_COLOR does not disable colour.
    let empty = inspect_on_a_tty(&path, Some("")).expect("script ran once already");
    assert!(
        empty.contains("\x1b["),
        "empty NO_COLOR disabled colour: {empty:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// .publishsettings
// ---------------------------------------------------------------------------------------------

fn publishsettings(pfx: &[u8], subscription_id: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(pfx);
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<PublishData>
  <PublishProfile
    PublishMethod="AzureServiceManagementAPI"
    Url="https://management.core.windows.net/"
    ManagementCertificate="{b64}">
    <Subscription
      Id="{subscription_id}"
      Name="Lab" />
  </PublishProfile>
</PublishData>
"#
    )
}

#[test]
fn publishsettings_defaults_to_management_role_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let made = common::make(&Spec::service("management.contoso.com"));
    let pfx = common::pfx(&made, &[], "");
    let path = write(
        dir.path(),
        "lab.publishsettings",
        publishsettings(&pfx, SUBSCRIPTION_ID).as_bytes(),
    );
    let out = run(inspect(&path).arg("--json"));
    let v = json(&out);
    assert_eq!(code(&out), 0, "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["format"], "publishsettings");
    assert_eq!(v["role"], "management");
    assert_eq!(v["has_private_key"], true);
    assert_eq!(v["subscriptions"][0]["id"], SUBSCRIPTION_ID, "{v:#}");
    assert_eq!(v["subscriptions"][0]["name"], "Lab");
    let leaf = v["leaf"].as_u64().expect("leaf index") as usize;
    assert_eq!(
        v["certificates"][leaf]["sha1_thumbprint"],
        sha1_hex(&made.cert)
    );

    let out = run(&mut inspect(&path));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains(SUBSCRIPTION_ID), "{text}");
    assert!(text.contains("management certificate"), "{text}");
}

#[test]
fn publishsettings_without_a_key_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let made = common::make(&Spec::service("management.contoso.com"));
    let mut spec = cloudsite::cert::pkcs12_write::PfxSpec::modern("");
    spec.iterations = 64;
    spec.certs.push((made.cert.clone(), Default::default()));
    let pfx = cloudsite::cert::pkcs12_write::write(&spec);
    let path = write(
        dir.path(),
        "nokey.publishsettings",
        publishsettings(&pfx, SUBSCRIPTION_ID).as_bytes(),
    );
    let out = run(inspect(&path).arg("--json"));
    let v = json(&out);
    assert_eq!(code(&out), 1, "{v:#}");
    assert!(finding_codes(&v).iter().any(|c| c == "no_private_key"));
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

/// Deterministic bytes, so a failure reproduces.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn malformed_inputs() -> Vec<(String, Vec<u8>)> {
    let pfx = service_pfx(&service_cert(), PASSWORD);
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();

    for len in [
        1,
        2,
        3,
        4,
        16,
        64,
        200,
        512,
        1024,
        pfx.len() / 2,
        pfx.len() - 1,
    ] {
        cases.push((format!("pfx-prefix-{len}"), pfx[..len].to_vec()));
    }

    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for (i, len) in [7usize, 100, 1000, 4096].into_iter().enumerate() {
        cases.push((format!("random-{i}"), rng.bytes(len)));
        // A leading SEQUENCE tag sends the bytes down the DER/PKCS#12 path instead of the
        // quick "not a certificate" refusal.
        let mut der_ish = rng.bytes(len);
        der_ish[0] = 0x30;
        cases.push((format!("random-der-{i}"), der_ish));
    }

    for at in [0, 1, 4, 30, pfx.len() / 3, pfx.len() / 2, pfx.len() - 20] {
        let mut flipped = pfx.clone();
        flipped[at] ^= 0xFF;
        cases.push((format!("pfx-flipped-{at}"), flipped));
    }

    cases.push((
        "xml-not-publishdata".into(),
        b"<?xml version=\"1.0\"?><Project><PublishData/></Project>".to_vec(),
    ));
    cases.push((
        "publishdata-not-xml".into(),
        b"<PublishData><PublishProfile ManagementCertificate=\"".to_vec(),
    ));
    cases.push((
        "publishdata-bad-base64".into(),
        publishsettings(b"", SUBSCRIPTION_ID)
            .replace(
                "ManagementCertificate=\"\"",
                "ManagementCertificate=\"!!not*base64\"",
            )
            .into_bytes(),
    ));
    cases.push((
        "publishdata-garbage-pfx".into(),
        publishsettings(b"\x30\x82\xff\xff garbage", "not-a-guid").into_bytes(),
    ));
    cases.push((
        "pem-bad-base64".into(),
        b"-----BEGIN CERTIFICATE-----\nMIIB!!!!not base64 at all****\n-----END CERTIFICATE-----\n"
            .to_vec(),
    ));
    cases.push((
        "pem-no-end".into(),
        common::pem("CERTIFICATE", &service_cert().cert)
            .lines()
            .take(4)
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    ));
    cases.push((
        "pem-garbage-der".into(),
        common::pem("CERTIFICATE", &rng.bytes(300)).into_bytes(),
    ));
    cases
}

#[test]
fn malformed_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases = malformed_inputs();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for (name, bytes) in &cases {
        let path = write(dir.path(), name, bytes);
        for role in ["service", "trusted-root"] {
            let out = run(inspect(&path)
                .args([
                    "--role",
                    role,
                    "--json",
                    "--password-env",
                    "CLOUDSITE_TEST_PW",
                ])
                .env("CLOUDSITE_TEST_PW", PASSWORD));
            let c = code(&out);
            let err = stderr(&out);
            assert!(
                matches!(c, 0..=2),
                "{name} ({role}): exit code {c}\nstderr: {err}"
            );
            assert!(!err.contains("panicked"), "{name} ({role}) panicked: {err}");
            let v = json(&out);
            assert_eq!(
                v["ok"] == true,
                c != 2,
                "{name} ({role}): ok disagrees with the exit code: {v:#}"
            );
        }
    }
}
