//! The command line's logging: `--debug`, `RUST_LOG` and `[logging] level`.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cloudsite");

/// Runs `cdp list` with an embedded site in `data`; returns (success, stderr).
fn cdp_list(
    data: &std::path::Path,
    config: &std::path::Path,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> (bool, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(extra)
        .args(["cdp", "list", "--json", "--data-dir"])
        .arg(data)
        .env_remove("CLOUDSITE_TOKEN")
        .env_remove("CLOUDSITE_SITE")
        .env_remove("RUST_LOG")
        .env("CLOUDSITE_CONFIG", config);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cloudsite");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn debug_shows_requests_and_site_lines_rust_log_overrides_and_the_config_level_filters_cmtrace() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[logging]\nlevel = \"info\"\n").unwrap();
    let data = dir.path().join("data");

    // Quiet by default: stderr is for errors.
    let (ok, err) = cdp_list(&data, &config, &[], &[]);
    assert!(ok && err.is_empty(), "{err}");
    // --debug: each API request (tower-http's trace layer) and the site's own lines.
    let (ok, err) = cdp_list(&data, &config, &["--debug"], &[]);
    assert!(ok, "{err}");
    assert!(err.contains("finished processing request"), "{err}");
    assert!(err.contains("SMS_CLOUD_SERVICES_MANAGER started"), "{err}");
    // RUST_LOG wins over --debug.
    let (ok, err) = cdp_list(&data, &config, &["--debug"], &[("RUST_LOG", "error")]);
    assert!(ok && !err.contains("processing request"), "{err}");

    // [logging] level = "error": the info lines stay out of CloudMgr.log.
    let fresh = dir.path().join("quiet");
    std::fs::write(&config, "[logging]\nlevel = \"error\"\n").unwrap();
    let (ok, err) = cdp_list(&fresh, &config, &[], &[]);
    assert!(ok, "{err}");
    let log = std::fs::read_to_string(fresh.join("logs").join("CloudMgr.log")).unwrap_or_default();
    assert!(!log.contains("SMS_CLOUD_SERVICES_MANAGER started"), "{log}");
    let log = std::fs::read_to_string(data.join("logs").join("CloudMgr.log")).unwrap_or_default();
    assert!(
        log.contains("SMS_CLOUD_SERVICES_MANAGER started"),
        "info is written at info"
    );
}

mod serve_support;

#[test]
fn lab_init_with_a_site_registers_the_subscription_through_that_sites_api() {
    let dir = tempfile::tempdir().unwrap();
    let site = serve_support::serve(dir.path(), 100);
    let home = dir.path().join("home");
    let lab = dir.path().join("lab");
    let token = dir.path().join("data").join("admin.token");
    let out = Command::new(BIN)
        .args(["lab", "init"])
        .arg(&lab)
        .args(["--site", &site.url, "--token-file"])
        .arg(&token)
        .env_remove("CLOUDSITE_DATA_DIR")
        .env_remove("CLOUDSITE_TOKEN")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("CLOUDSITE_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lab.join("lab.json")).unwrap()).unwrap();
    let id = json["subscription_id"].as_str().unwrap_or_default();
    let registered = dir
        .path()
        .join("data")
        .join("cloud")
        .join("subscriptions")
        .join(format!("{id}.json"));
    assert!(registered.exists(), "the site's own cloud knows {id}");
    assert!(
        !home.exists(),
        "nothing was written to the default data dir"
    );

    // Without a Full Administrator token the site refuses, and says so.
    let reader = dir.path().join("reader.token");
    std::fs::write(
        &reader,
        "cs_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["lab", "init"])
        .arg(dir.path().join("lab2"))
        .args(["--site", &site.url, "--token-file"])
        .arg(&reader)
        .env_remove("CLOUDSITE_DATA_DIR")
        .env("HOME", &home)
        .env("CLOUDSITE_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not valid"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
