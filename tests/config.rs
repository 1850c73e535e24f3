//! The config file: the example equals the defaults, and every mistake is reported with its place.

use std::fs;
use std::path::Path;
use std::time::Duration;

use cloudsite::config::{Config, ConfigError, DateFormat, LogLevel, no_extra_rules};
use cloudsite::site::monitor::MonitorOptions;

fn problems(text: &str) -> Vec<String> {
    problems_with(text, None)
}

/// Parses `text` with the console's rules too (themes looked up in `themes`), as
/// `cloudsite config check` and the console do.
fn parse_with(text: &str, themes: Option<&Path>) -> Result<Config, ConfigError> {
    let rules = |c: &Config| cloudsite::console::settings::config_problems(c, themes);
    Config::parse(text, "config.toml", &rules)
}

fn problems_with(text: &str, themes: Option<&Path>) -> Vec<String> {
    match parse_with(text, themes) {
        Ok(c) => panic!("expected problems, got {c:?}"),
        Err(e) => e.lines(),
    }
}

fn only(text: &str) -> String {
    let mut found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

#[test]
fn the_example_loads_and_equals_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let config = Config::load_file(&path, &|c: &Config| {
        cloudsite::console::settings::config_problems(c, None)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config, Config::default());
    assert_eq!(config.console.theme, "default");
    assert_eq!(config.console.max_fps, 60);
    assert_eq!(config.console.log_buffer_lines, 10_000);
    assert_eq!(config.console.date_format, DateFormat::Local);
    assert_eq!(config.logging.level, LogLevel::Info);
    assert!(config.site.url.is_none() && config.keys.is_empty());
}

#[test]
fn the_example_documents_every_key() {
    let text = include_str!("../config.example.toml");
    let keys = [
        "url",
        "token_file",
        "theme",
        "mouse",
        "max_fps",
        "log_buffer_lines",
        "date_format",
        "data_dir",
        "log_dir",
        "level",
        "[keys]",
        "[monitoring]",
        "usage_interval",
        "cmg_stop_check",
        "health_interval",
        "quota_unit_bytes",
        "expiry_warning_days",
        "token_lifetime",
        "[prices]",
        "currency",
        "egress_per_gb",
        "storage_per_gb_month",
        "default_instance_hour",
        "[prices.instance_hour]",
        "illustrative",
    ];
    for key in keys {
        assert!(
            text.contains(key),
            "config.example.toml does not mention {key}"
        );
    }
}

#[test]
fn an_empty_file_is_the_defaults_and_values_are_read() {
    assert_eq!(parse_with("", None).ok(), Some(Config::default()));
    let text = "[site]\nurl = \"https://site.contoso.com\"\n[console]\nmouse = true\nmax_fps = 30\n\
                date_format = \"rfc3339\"\n[logging]\nlevel = \"debug\"\n[keys]\nstart = [\"s\", \"ctrl+s\"]\n";
    let config = parse_with(text, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.site.url.as_deref(), Some("https://site.contoso.com"));
    assert!(config.console.mouse);
    assert_eq!(config.console.max_fps, 30);
    assert_eq!(config.console.date_format, DateFormat::Rfc3339);
    assert_eq!(config.logging.level, LogLevel::Debug);
    assert_eq!(config.keys["start"], ["s", "ctrl+s"]);
}

#[test]
fn an_unknown_top_level_key_is_named() {
    let msg = only("[console]\nmouse = true\n\n[sight]\nurl = \"http://x\"\n");
    assert!(
        msg.starts_with("config.toml:4:2: sight: unknown key; expected one of"),
        "{msg}"
    );
    assert!(msg.contains("site") && msg.contains("console"), "{msg}");
}

#[test]
fn an_unknown_nested_key_is_named_with_its_full_path() {
    let msg = only("# comment\n[site]\nuri = \"http://x\"\n");
    assert_eq!(
        msg,
        "config.toml:3:1: site.uri: unknown key; expected one of url, token_file, database"
    );
    let dotted = only("console.colour = \"red\"\n");
    assert!(
        dotted.starts_with("config.toml:1:9: console.colour: unknown key"),
        "{dotted}"
    );
}

#[test]
fn a_wrong_type_is_named() {
    let msg = only("[console]\ntheme = \"default\"\nmouse = \"yes\"\n");
    assert_eq!(
        msg,
        "config.toml:3:9: console.mouse: expected a boolean, found string \"yes\""
    );
    let section = only("console = 5\n");
    assert!(
        section.starts_with("config.toml:1:11: console: expected a table"),
        "{section}"
    );
    let keys = only("[keys]\nstart = [\"s\", 5]\n");
    assert!(
        keys.starts_with("config.toml:2:15: keys.start: expected a string"),
        "{keys}"
    );
}

#[test]
fn an_out_of_range_value_is_named() {
    let msg = only("[console]\n\nmax_fps = 0\n");
    assert_eq!(
        msg,
        "config.toml:3:11: console.max_fps: must be from 1 to 240 (got 0)"
    );
    let msg = only("[console]\nlog_buffer_lines = 99\n");
    assert!(
        msg.starts_with("config.toml:2:20: console.log_buffer_lines: must be from 100 to 1000000"),
        "{msg}"
    );
    let msg = only("[console]\nmax_fps = -5\n");
    assert!(
        msg.starts_with("config.toml:2:11: console.max_fps: expected a whole number"),
        "{msg}"
    );
}

#[test]
fn a_bad_url_is_named() {
    let msg = only("[site]\nurl = \"site.contoso.com\"\n");
    assert!(
        msg.starts_with("config.toml:2:7: site.url: must be an http:// or https:// URL"),
        "{msg}"
    );
}

#[test]
fn an_unknown_enum_value_lists_the_choices() {
    let msg = only("[logging]\nlevel = \"verbose\"\n");
    assert!(
        msg.starts_with("config.toml:2:9: logging.level: must be one of error, warning"),
        "{msg}"
    );
}

#[test]
fn an_unknown_theme_is_named() {
    let msg = only("[console]\ntheme = \"solarized\"\n");
    assert!(
        msg.starts_with("config.toml:2:9: console.theme: no theme named 'solarized'"),
        "{msg}"
    );
    assert!(msg.contains("high-contrast"), "{msg}");
}

#[test]
fn a_user_theme_is_accepted_and_a_broken_one_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("mine.toml"), "parent = \"default\"\n").expect("write");
    fs::write(
        dir.path().join("broken.toml"),
        "parent = \"default\"\ntext = \"plaid\"\n",
    )
    .expect("write");
    let ok = parse_with("[console]\ntheme = \"mine\"\n", Some(dir.path()));
    assert_eq!(ok.map(|c| c.console.theme).ok().as_deref(), Some("mine"));
    let found = problems_with("[console]\ntheme = \"broken\"\n", Some(dir.path()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("config.toml:2:9: console.theme: theme 'broken' does not load"),
        "{found:?}"
    );
    assert!(
        found[0].contains("broken.toml:2:8: text: 'plaid' is not a colour"),
        "{found:?}"
    );
}

#[test]
fn several_bad_values_are_all_reported_in_file_order() {
    let text = "\
[site]
url = \"ftp://x\"
uri = 1
token_file = \"relative/token\"

[console]
theme = \"nope\"
mouse = 1
max_fps = 1000
log_buffer_lines = 5
date_format = \"iso\"

[paths]
data_dir = \"data\"

[logging]
level = \"loud\"

[extra]
";
    let found = problems(text);
    let expected = [
        "config.toml:2:7: site.url:",
        "config.toml:3:1: site.uri: unknown key",
        "config.toml:4:14: site.token_file: must be an absolute path",
        "config.toml:7:9: console.theme: no theme named 'nope'",
        "config.toml:8:9: console.mouse: expected a boolean",
        "config.toml:9:11: console.max_fps: must be from 1 to 240 (got 1000)",
        "config.toml:10:20: console.log_buffer_lines: must be from 100 to 1000000 (got 5)",
        "config.toml:11:15: console.date_format: must be one of rfc3339, local (got \"iso\")",
        "config.toml:14:12: paths.data_dir: must be an absolute path",
        "config.toml:17:9: logging.level: must be one of",
        "config.toml:19:2: extra: unknown key",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (got, want) in found.iter().zip(expected) {
        assert!(got.starts_with(want), "got {got:?}, want {want:?}");
    }
}

#[test]
fn monitoring_and_prices_are_read_into_the_monitor_options() {
    let text = "[monitoring]\nusage_interval = \"200ms\"\ncmg_stop_check = \"90s\"\nhealth_interval = \"2h\"\n\
                quota_unit_bytes = 1024\ntoken_lifetime = \"10m\"\n\
                [prices]\ncurrency = \"EUR\"\negress_per_gb = 0.5\n[prices.instance_hour]\nStandard_B2s = 1.25\n";
    let config = parse_with(text, None).unwrap_or_else(|e| panic!("{e}"));
    let m = MonitorOptions::from_config(&config);
    assert_eq!(m.usage_interval, Duration::from_millis(200));
    assert_eq!(m.cmg_stop_check, Duration::from_secs(90));
    assert_eq!(m.health_interval, Duration::from_secs(7200));
    assert_eq!(m.token_lifetime, Duration::from_secs(600));
    assert_eq!(m.quota_unit_bytes, 1024);
    assert_eq!(m.expiry_warning_days, 30);
    assert_eq!(m.prices.currency, "EUR");
    assert_eq!(m.prices.egress_per_gb, 0.5);
    assert_eq!(m.prices.instance_hour.get("Standard_B2s"), Some(&1.25));
    // A table given replaces the default sizes.
    assert_eq!(m.prices.instance_hour.len(), 1);
    let d = MonitorOptions::from_config(&Config::default());
    assert_eq!(d.usage_interval, Duration::from_secs(3600));
    assert_eq!(d.cmg_stop_check, Duration::from_secs(360));
    assert_eq!(d.quota_unit_bytes, 1 << 30);
}

#[test]
fn bad_monitoring_and_price_values_are_named() {
    let text = "\
[monitoring]
usage_interval = \"0s\"
cmg_stop_check = \"soon\"
health_interval = \"2000h\"
quota_unit_bytes = 0
expiry_warning_days = -1
token_lifetime = 5

[prices]
currency = \"\"
egress_per_gb = -0.1
storage_per_gb_month = nan
color = 1

[prices.instance_hour]
Standard_A0 = -2.0
";
    let found = problems(text);
    let expected = [
        "config.toml:2:18: monitoring.usage_interval: must be more than 0",
        "config.toml:3:18: monitoring.cmg_stop_check: must be a duration such as",
        "config.toml:4:19: monitoring.health_interval: must be at most 30 days",
        "config.toml:5:20: monitoring.quota_unit_bytes: must be 1 or more bytes",
        "config.toml:6:23: monitoring.expiry_warning_days: must be from 0 to 3650 days (got -1)",
        "config.toml:7:18: monitoring.token_lifetime: expected a string",
        "config.toml:10:12: prices.currency: must not be empty",
        "config.toml:11:17: prices.egress_per_gb: must be a price of 0 or more (got -0.1)",
        "config.toml:12:24: prices.storage_per_gb_month: must be a price of 0 or more (got NaN)",
        "config.toml:13:1: prices.color: unknown key",
        "config.toml:16:15: prices.instance_hour.Standard_A0: must be a price of 0 or more (got -2)",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (got, want) in found.iter().zip(expected) {
        assert!(got.starts_with(want), "got {got:?}, want {want:?}");
    }
}

#[test]
fn a_syntax_error_has_a_place() {
    let found = problems("[console]\nmouse = \n");
    assert!(found[0].starts_with("config.toml:2:"), "{found:?}");
}

#[test]
fn load_uses_defaults_without_a_file_and_reads_one_when_present() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = cloudsite::paths::Paths::resolve();
    paths.config_file = dir.path().join("config.toml");
    paths.themes_dir = dir.path().join("themes");
    assert_eq!(
        Config::load(&paths, &no_extra_rules).ok(),
        Some(Config::default())
    );
    fs::write(&paths.config_file, "[console]\nmax_fps = 0\n").expect("write");
    let err = Config::load(&paths, &no_extra_rules)
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { .. }));
    assert!(
        err.to_string()
            .contains("config.toml:2:11: console.max_fps"),
        "{err}"
    );
}

#[test]
fn a_missing_named_file_is_a_read_error() {
    let err = Config::load_file(Path::new("/nonexistent/cloudsite.toml"), &no_extra_rules)
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string().contains("/nonexistent/cloudsite.toml"),
        "{err}"
    );
}

#[test]
fn paths_overrides_apply() {
    let config =
        parse_with("[paths]\ndata_dir = \"/srv/cs\"\n", None).unwrap_or_else(|e| panic!("{e}"));
    let base = cloudsite::paths::Paths::resolve();
    let applied = config.apply_paths(&base);
    if std::env::var_os("CLOUDSITE_DATA_DIR").is_none() {
        assert_eq!(applied.data_dir, Path::new("/srv/cs"));
    }
    assert_eq!(applied.log_dir, base.log_dir);
}

#[test]
fn config_check_refuses_the_key_bindings_the_console_refuses() {
    let unknown = problems("[keys]\nlaunch = [\"l\"]\n");
    assert!(
        unknown.iter().any(|p| p.contains("keys.launch")
            && p.contains("unknown action")
            && p.contains("config.toml:2:")),
        "{unknown:?}"
    );
    let clash = problems("[keys]\nstop = [\"S\"]\nstart = [\"S\"]\n");
    assert!(
        clash
            .iter()
            .any(|p| p.contains("is bound to both start and stop")),
        "{clash:?}"
    );
    // The same file through the real `config check`.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("config.toml");
    fs::write(&file, "[keys]\nlaunch = [\"l\"]\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cloudsite"))
        .args(["config", "check"])
        .arg(&file)
        .output()
        .expect("run config check");
    assert!(!out.status.success(), "config check accepted it");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keys.launch"), "{err}");
}
