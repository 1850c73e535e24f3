//! What the scripting commands show people, against a real `cloudsite serve`: text from the
//! site made safe for the terminal (no escape sequence, BiDi override or line break from a
//! stored value reaches it as itself), times in the local zone read at start-up (or RFC 3339
//! when the config says so), sizes in binary units; JSON keeps the raw values.

mod serve_support;

use serde_json::Value;
use serve_support::*;
use std::path::Path;
use std::process::Command;

/// A description that would clear the screen, set the window title, reverse the text and
/// start a new line.
const HOSTILE: &str = "cdp \u{1b}[2J\u{1b}]0;title\u{7}\u{202E}exe\r\nsecond line";
/// How it reads once made safe.
const SHOWN: &str = "cdp \\u{1b}[2J\\u{1b}]0;title\\u{7}\\u{202e}exe\\u{d}\\u{a}second line";

/// Runs the CLI against the site in the zone one hour east of UTC (POSIX `TZ` counts west),
/// with `config` as its config file.
fn run(site: &Serve, dir: &Path, lab: &Lab, config: &Path, args: &[&str]) -> (Vec<u8>, String) {
    let token = std::fs::read_to_string(dir.join("data/admin.token")).unwrap();
    let out = Command::new(BIN)
        .arg("--site")
        .arg(&site.url)
        .args(args)
        .env("CLOUDSITE_TOKEN", token.trim())
        .env("CLOUDSITE_CONFIG", config)
        .env("TZ", "UTC-01:00")
        .env("PW", lab.s("password"))
        .current_dir(&lab.dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (out.stdout, stderr)
}

/// Writes `value` into a stored row as an older release could have (the site now refuses
/// such text), so what reads it back must still make it safe.
fn plant(dir: &Path, sql: &str, value: &str) {
    let db = rusqlite::Connection::open(dir.join("data/site.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    assert_eq!(db.execute(sql, [value]).unwrap(), 1, "{sql}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Neither ESC, BEL, CR, a C1 control nor a BiDi override (line ends and the TSV tab aside):
/// nothing the terminal would obey.
fn assert_inert(what: &str, out: &[u8]) {
    let text = text(out);
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\n' | '\t'))
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(
        !out.contains(&0x1b),
        "{what}: an ESC byte reached stdout:\n{text}"
    );
    assert!(bad.is_empty(), "{what}: {bad:?} reached stdout:\n{text}");
}

#[test]
fn site_text_times_and_sizes_as_people_read_them_json_raw() {
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path());
    let site = serve(dir.path(), 100);
    let local = dir.path().join("local.toml");
    std::fs::write(&local, "").unwrap();
    let utc = dir.path().join("utc.toml");
    std::fs::write(&utc, "[console]\ndate_format = \"rfc3339\"\n").unwrap();
    let run = |config: &Path, args: &[&str]| run(&site, dir.path(), &lab, config, args);

    let fqdn = "cdp1.lab.contoso.com";
    run(&local, &refs(&lab.create_args("cdp", "cdp1", &["--wait"])));

    // The site refuses the description by field; one stored before that rule is shown
    // escaped, on one line, by every command.
    let token = std::fs::read_to_string(dir.path().join("data/admin.token")).unwrap();
    let refused = Command::new(BIN)
        .args([
            "--site",
            &site.url,
            "cdp",
            "set",
            fqdn,
            "--description",
            HOSTILE,
        ])
        .env("CLOUDSITE_TOKEN", token.trim())
        .env("CLOUDSITE_CONFIG", &local)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Description"));
    assert_inert("cdp set (refused)", &refused.stderr);
    plant(dir.path(), "UPDATE services SET description = ?1", HOSTILE);
    let (out, _) = run(&local, &["cdp", "show", fqdn]);
    assert_inert("cdp show", &out);
    let show = text(&out);
    let line = show
        .lines()
        .find(|l| l.starts_with("Description"))
        .unwrap_or_else(|| panic!("no Description line:\n{show}"));
    assert!(line.ends_with(SHOWN), "{line}");
    assert!(!show.contains("\nsecond line"), "{show}");
    // Times in the zone the process started in, with the zone; the expiry too.
    let created = show
        .lines()
        .find(|l| l.starts_with("Created"))
        .unwrap_or_else(|| panic!("no Created line:\n{show}"));
    assert!(created.ends_with(" +01:00"), "{created}");
    assert!(
        show.lines()
            .any(|l| l.starts_with("Certificate") && l.ends_with("+01:00)")),
        "{show}"
    );
    let (out, _) = run(&local, &["cdp", "list"]);
    assert_inert("cdp list", &out);
    let list = text(&out);
    assert_eq!(list.lines().count(), 2, "a header and one row:\n{list}");
    assert!(list.contains(SHOWN), "{list}");
    let (out, _) = run(&local, &["-o", "tsv", "cdp", "list"]);
    assert_inert("cdp list -o tsv", &out);
    // JSON is for programs: the value as stored, the time as the API gives it.
    let (out, _) = run(&local, &["cdp", "show", fqdn, "--json"]);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["description"], HOSTILE);
    assert!(v["created"].as_str().unwrap().contains('T'), "{v}");

    // Status messages: local time with the zone; RFC 3339 in UTC when configured; raw in JSON.
    let (out, _) = run(&local, &["status-messages"]);
    let msgs = text(&out);
    let row = msgs.lines().nth(1).unwrap_or_else(|| panic!("{msgs}"));
    assert!(
        row.as_bytes().get(10) == Some(&b' ') && row.get(19..26) == Some(" +01:00"),
        "{row}"
    );
    let (out, _) = run(&utc, &["status-messages"]);
    let msgs = text(&out);
    let row = msgs.lines().nth(1).unwrap_or_else(|| panic!("{msgs}"));
    let time = row.split_whitespace().next().unwrap_or_default();
    assert!(
        time.as_bytes().get(10) == Some(&b'T') && time.ends_with('Z'),
        "{row}"
    );
    let (out, _) = run(&local, &["status-messages", "--json"]);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v[0]["time"].as_str().unwrap().contains('T'), "{v}");

    // Short times in columns name their zone in the title.
    let (out, _) = run(&local, &["alerts", "list"]);
    assert!(text(&out).starts_with("ID"), "{}", text(&out));
    assert!(text(&out).contains("LAST SEEN (+01:00)"), "{}", text(&out));
    let (out, _) = run(&utc, &["alerts", "list"]);
    assert!(text(&out).contains("LAST SEEN (UTC)"), "{}", text(&out));

    // Sizes: binary units for people, bytes in JSON.
    let file = dir.path().join("tool.bin");
    std::fs::write(&file, vec![7u8; 3 * 1024 + 512]).unwrap();
    // The site refuses control characters and BiDi overrides in a package name; one stored
    // before that rule is shown escaped.
    let name = "Tool \u{202E}exe.txt";
    let (out, _) = run(
        &local,
        &["content", "add", file.to_str().unwrap(), "--name", "Tool"],
    );
    assert_inert("content add", &out);
    assert!(
        text(&out).contains("Size           3.5 KiB"),
        "{}",
        text(&out)
    );
    plant(dir.path(), "UPDATE packages SET name = ?1", name);
    let (out, _) = run(&local, &["content", "list"]);
    assert_inert("content list", &out);
    let list = text(&out);
    assert!(
        list.contains("Tool \\u{202e}exe.txt") && list.contains("3.5 KiB"),
        "{list}"
    );
    assert!(list.contains("Created (+01:00)"), "{list}");
    let (out, _) = run(&local, &["content", "list", "--json"]);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["size"], 3 * 1024 + 512);
    assert_eq!(v[0]["name"], name);
}
