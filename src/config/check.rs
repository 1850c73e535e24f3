//! Turning config text into a [`Config`], collecting every problem with its place.
//!
//! serde stops at the first error, so after each one the offending key is dropped and
//! deserialisation runs again: one pass finds every unknown key and wrongly typed value.
//! The values that do deserialise are then checked against their rules.

use serde::Deserialize;
use toml::de::Deserializer;

use super::error::ConfigError;
use super::located::{Problem, join_path, key_path_at, parse_toml, remove_path, span_of};
use super::schema::{Config, MonitoringConfig, StorageKind, StorageSection};
use crate::domain::cost::PriceTable;
use crate::domain::duration::parse as parse_duration;
use std::time::Duration;

/// Rules another layer adds to the config's own: each problem as its key path and message
/// (the console checks its theme and key bindings this way, so `config check` and the console
/// refuse the same files).
pub type ExtraRules<'a> = &'a dyn Fn(&Config) -> Vec<(Vec<String>, String)>;

/// No rules beyond the config's own.
pub fn no_extra_rules(_: &Config) -> Vec<(Vec<String>, String)> {
    Vec::new()
}

/// More errors than this in one file means something else is wrong (not a config file at all).
const MAX_ROUNDS: usize = 200;

/// Parses `text` (labelled `file` in problems), with the config's own rules and `extra`.
pub(super) fn parse(text: &str, file: &str, extra: ExtraRules<'_>) -> Result<Config, ConfigError> {
    let doc = parse_toml(text, file).map_err(|problems| ConfigError::Invalid { problems })?;

    let mut problems = Vec::new();
    let mut table = doc.clone();
    let mut config = None;
    for _ in 0..MAX_ROUNDS {
        match Config::deserialize(Deserializer::from(table.clone())) {
            Ok(c) => {
                config = Some(c);
                break;
            }
            Err(e) => {
                let offset = e.span().map(|s| s.start);
                let path = offset.and_then(|o| key_path_at(table.get_ref(), o));
                let key = path.as_deref().map(join_path).unwrap_or_default();
                problems.push(Problem::at(file, text, offset, key, friendly(e.message())));
                // Without a key to drop, another round would fail the same way.
                if !path.is_some_and(|p| remove_path(table.get_mut(), &p)) {
                    break;
                }
            }
        }
    }

    if let Some(config) = &config {
        for (path, message) in rule_problems(config).into_iter().chain(extra(config)) {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            let offset = span_of(doc.get_ref(), &segments).map(|s| s.start);
            problems.push(Problem::at(file, text, offset, path.join("."), message));
        }
    }
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => {
            problems.sort_by_key(|p| (p.line, p.column));
            Err(ConfigError::Invalid { problems })
        }
    }
}

/// Every value that has the right type but breaks a rule: key path and message.
fn rule_problems(config: &Config) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    if let Some(url) = &config.site.url
        && let Some(why) = url_problem(url)
    {
        out.push((path(&["site", "url"]), why));
    }
    if let Some(url) = &config.site.database
        && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        out.push((
            path(&["site", "database"]),
            "must be a PostgreSQL URL (postgres://user@host:port/database)".into(),
        ));
    }
    let absolute = [
        (path(&["site", "token_file"]), &config.site.token_file),
        (path(&["paths", "data_dir"]), &config.paths.data_dir),
        (path(&["paths", "log_dir"]), &config.paths.log_dir),
    ];
    for (path, value) in absolute {
        if let Some(p) = value
            && !p.is_absolute()
        {
            out.push((
                path,
                format!(
                    "must be an absolute path (got {:?})",
                    p.display().to_string()
                ),
            ));
        }
    }
    let cl = &config.cloud;
    if !(10..=3_600_000).contains(&cl.poll_interval_ms) {
        out.push((
            path(&["cloud", "poll_interval_ms"]),
            format!(
                "must be from 10 to 3600000 ms (got {})",
                cl.poll_interval_ms
            ),
        ));
    }
    if !(10..=3_600_000).contains(&cl.container_retry_ms) {
        out.push((
            path(&["cloud", "container_retry_ms"]),
            format!(
                "must be from 10 to 3600000 ms (got {})",
                cl.container_retry_ms
            ),
        ));
    }
    out.extend(storage_problems(&cl.storage));
    if cl.provisioning_delay_ms > 3_600_000 {
        out.push((
            path(&["cloud", "provisioning_delay_ms"]),
            format!(
                "must be at most 3600000 ms, one hour (got {})",
                cl.provisioning_delay_ms
            ),
        ));
    }
    let c = &config.console;
    if !(1..=240).contains(&c.max_fps) {
        out.push((
            path(&["console", "max_fps"]),
            format!("must be from 1 to 240 (got {})", c.max_fps),
        ));
    }
    if !(100..=1_000_000).contains(&c.log_buffer_lines) {
        out.push((
            path(&["console", "log_buffer_lines"]),
            format!("must be from 100 to 1000000 (got {})", c.log_buffer_lines),
        ));
    }
    out.extend(monitoring_problems(&config.monitoring));
    out.extend(price_problems(&config.prices));
    out
}

/// `[cloud.storage]`: Azure needs an account; names and URLs must be usable.
fn storage_problems(s: &StorageSection) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let at = |key: &str| path(&["cloud", "storage", key]);
    if s.kind == StorageKind::Azure && s.account.as_deref().is_none_or(str::is_empty) {
        out.push((
            at("account"),
            "kind = \"azure\" needs the storage account name".to_string(),
        ));
    }
    if let Some(problem) = s.endpoint.as_deref().and_then(url_problem) {
        out.push((at("endpoint"), problem));
    }
    let container_ok = (3..=63).contains(&s.container.len())
        && s.container
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.container.starts_with('-')
        && !s.container.ends_with('-')
        && !s.container.contains("--");
    if !container_ok {
        out.push((
            at("container"),
            format!(
                "must be 3-63 lower-case letters, digits and single hyphens, as Azure names containers (got {:?})",
                s.container
            ),
        ));
    }
    if s.key_env.is_empty() {
        out.push((
            at("key_env"),
            "must name the environment variable holding the key".to_string(),
        ));
    }
    out
}

fn path(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| s.to_string()).collect()
}

/// Longest interval or token lifetime accepted: 30 days.
const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// `[monitoring]`: durations that parse and are neither 0 nor absurd, a usable quota unit.
fn monitoring_problems(m: &MonitoringConfig) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let durations = [
        ("usage_interval", &m.usage_interval),
        ("cmg_stop_check", &m.cmg_stop_check),
        ("health_interval", &m.health_interval),
        ("gateway_interval", &m.gateway_interval),
        ("token_lifetime", &m.token_lifetime),
    ];
    for (key, text) in durations {
        let why = match parse_duration(text) {
            None => format!(
                "must be a duration such as \"500ms\", \"90s\", \"6m\" or \"1h\" (got {text:?})"
            ),
            Some(d) if d.is_zero() => format!("must be more than 0 (got {text:?})"),
            Some(d) if d > MAX_DURATION => {
                format!("must be at most 30 days, \"720h\" (got {text:?})")
            }
            Some(_) => continue,
        };
        out.push((path(&["monitoring", key]), why));
    }
    if m.quota_unit_bytes == 0 {
        out.push((
            path(&["monitoring", "quota_unit_bytes"]),
            "must be 1 or more bytes (1073741824 is 1 GiB, the real quota unit)".into(),
        ));
    }
    if !(0..=3650).contains(&m.expiry_warning_days) {
        out.push((
            path(&["monitoring", "expiry_warning_days"]),
            format!(
                "must be from 0 to 3650 days (got {})",
                m.expiry_warning_days
            ),
        ));
    }
    out
}

/// `[prices]`: a currency, and prices that are numbers of 0 or more.
fn price_problems(p: &PriceTable) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    if p.currency.trim().is_empty() {
        out.push((
            path(&["prices", "currency"]),
            "must not be empty (e.g. \"USD\")".into(),
        ));
    }
    let bad = |v: f64| !(v.is_finite() && v >= 0.0);
    let mut prices = vec![
        (path(&["prices", "egress_per_gb"]), p.egress_per_gb),
        (
            path(&["prices", "storage_per_gb_month"]),
            p.storage_per_gb_month,
        ),
        (
            path(&["prices", "default_instance_hour"]),
            p.default_instance_hour,
        ),
    ];
    for (size, v) in &p.instance_hour {
        prices.push((path(&["prices", "instance_hour", size]), *v));
    }
    for (key, v) in prices {
        if bad(v) {
            out.push((key, format!("must be a price of 0 or more (got {v})")));
        }
    }
    out
}

/// Why `url` is not a usable site URL, or `None`.
fn url_problem(url: &str) -> Option<String> {
    let bad = |why: &str| Some(format!("{why} (got {url:?})"));
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return bad("must be an http:// or https:// URL");
    };
    if url.chars().any(char::is_whitespace) {
        return bad("must not contain spaces");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return bad("must not contain a user name or password: put the token in token_file");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return bad("has an unclosed [ in its IPv6 address"),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return bad("must name a host, as in https://site.contoso.com");
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return bad("has a port that is not a number from 1 to 65535");
    }
    None
}

/// serde's wording, rewritten for operators: "unknown key", "expected …, found …", no Rust type names.
fn friendly(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let expected = backticked(rest.split_once('`').map_or("", |(_, after)| after));
        return if expected.is_empty() {
            "unknown key; this table takes no keys".into()
        } else {
            format!("unknown key; expected one of {}", expected.join(", "))
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (got, after) = rest.split_once('`').unwrap_or((rest, ""));
        return format!(
            "must be one of {} (got {got:?})",
            backticked(after).join(", ")
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            return format!(
                "expected {}, found {}",
                type_words(expected),
                found.replace('`', "")
            );
        }
    }
    message.to_string()
}

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn type_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "a map" => "a table".into(),
        "a sequence" => "an array".into(),
        e if e.starts_with("struct ") => "a table".into(),
        e if e.starts_with("enum ") => "a string".into(),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_problem("https://site.contoso.com"), None);
        assert_eq!(url_problem("http://127.0.0.1:8443/api"), None);
        assert_eq!(url_problem("http://[::1]:8080"), None);
        assert!(url_problem("ftp://x").is_some());
        assert!(url_problem("site.contoso.com").is_some());
        assert!(url_problem("https://").is_some());
        assert!(url_problem("https://host:0").is_some());
        assert!(url_problem("https://host:99999").is_some());
        assert!(url_problem("https://user:pw@host").is_some());
        assert!(url_problem("https://ho st").is_some());
    }

    #[test]
    fn storage_rules() {
        let ok = StorageSection::default();
        assert!(storage_problems(&ok).is_empty());
        let azure = StorageSection {
            kind: StorageKind::Azure,
            endpoint: Some("http://127.0.0.1:10000/devstoreaccount1".into()),
            ..StorageSection::default()
        };
        let problems = storage_problems(&azure);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, ["cloud", "storage", "account"]);
        let bad = StorageSection {
            account: Some("contoso".into()),
            endpoint: Some("blob.core.windows.net".into()),
            container: "Bad--Name".into(),
            key_env: String::new(),
            ..azure
        };
        let keys: Vec<_> = storage_problems(&bad)
            .into_iter()
            .map(|(p, _)| p[2].clone())
            .collect();
        assert_eq!(keys, ["endpoint", "container", "key_env"]);
        let parsed: Config =
            toml::from_str("[cloud.storage]\nkind = \"azure\"\naccount = \"contoso\"\n")
                .expect("parse");
        assert_eq!(parsed.cloud.storage.kind, StorageKind::Azure);
        assert_eq!(parsed.cloud.storage.container, "cloudsite");
    }

    #[test]
    fn serde_messages_are_rewritten() {
        assert_eq!(
            friendly("unknown field `uri`, expected `url` or `token_file`"),
            "unknown key; expected one of url, token_file"
        );
        assert_eq!(
            friendly("unknown variant `verbose`, expected one of `error`, `warning`, `info`"),
            "must be one of error, warning, info (got \"verbose\")"
        );
        assert_eq!(
            friendly("invalid value: integer `-1`, expected u32"),
            "expected a whole number, 0 or more, found integer -1"
        );
        assert_eq!(
            friendly("invalid type: string \"yes\", expected a boolean"),
            "expected a boolean, found string \"yes\""
        );
    }
}
