//! Alert actions over real HTTP against an in-process site: postpone (until a future time),
//! close (closed by the token's name, comment kept), disable and enable; 404 for an unknown
//! id, 403 for a read-only token; an `alert` event on `/v1/events` for every change; and the
//! `cloudsite alerts` commands.

mod site_support;

use cloudsite::api::client::{Client, EventStream};
use cloudsite::api::wire::{AlertView, Event};
use cloudsite::api::wire::{CloseAlert, PostponeAlert};
use cloudsite::domain::alert::{AlertState, AlertType};
use cloudsite::site::repo::alerts;
use cloudsite::site::service::{self, SiteHandle, SiteOptions};
use cloudsite::site::store::Store;
use serde_json::{Value, json};
use site_support::{api_err, client, new_token, raw};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct AlertSite {
    _tmp: tempfile::TempDir,
    data_dir: PathBuf,
    handle: Option<SiteHandle>,
    url: String,
    admin_token: String,
    operator: Client,
    operator_token: String,
    read_token: String,
}

async fn start() -> AlertSite {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = tmp.path().join("data");
    let mut opts = SiteOptions::new(&data_dir);
    opts.server_name = "SITESERVER".into();
    let handle = service::start(opts).await.expect("the site starts");
    let url = handle.url.clone();
    let admin_token = handle.new_admin_token.clone().expect("bootstrap token");
    let admin = client(&url, &admin_token);
    let operator_token = new_token(&admin, "operator", "infra-admin").await;
    let read_token = new_token(&admin, "analyst", "read-only").await;
    AlertSite {
        operator: client(&url, &operator_token),
        _tmp: tmp,
        data_dir,
        handle: Some(handle),
        url,
        admin_token,
        operator_token,
        read_token,
    }
}

impl AlertSite {
    /// Raises an alert through a second connection to the running site's database.
    fn raise(&self, type_id: AlertType, name: &str) -> AlertView {
        let store = Store::open(&self.data_dir.join("site.db")).expect("open the site database");
        store
            .with(|c| {
                alerts::raise_alert(
                    c,
                    type_id,
                    None,
                    name,
                    type_id.severity(),
                    json!({"reason": "test"}),
                )
            })
            .expect("raise")
    }

    async fn shutdown(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown().await;
        }
    }
}

/// The next `alert` event about `id` (other events are skipped), within 5 s.
async fn next_alert_event(events: &mut EventStream, id: &str) -> AlertView {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let ev = events
                .next()
                .await
                .expect("the stream stays open")
                .expect("a good event");
            if let Event::Alert(a) = ev.event
                && a.id == id
            {
                return a;
            }
        }
    })
    .await
    .expect("an alert event within 5 s")
}

fn in_hours(h: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(h);
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_postponed_closed_disabled_and_enabled() {
    let mut site = start().await;
    let a = site.raise(
        AlertType::ProxyFailure,
        "Proxy refused the connection to the cloud",
    );
    assert_eq!((a.state, a.enabled), (AlertState::Active, true));
    let listed: Vec<AlertView> = site.operator.get("/v1/alerts").await.expect("list");
    assert!(
        listed
            .iter()
            .any(|x| x.id == a.id && x.state == AlertState::Active)
    );
    let mut events = site.operator.events(None).await.expect("events");

    // Postpone until tomorrow, with a comment.
    let until = in_hours(24);
    let p: AlertView = site
        .operator
        .post(
            &format!("/v1/alerts/{}/postpone", a.id),
            &PostponeAlert {
                until: until.clone(),
                comment: Some("proxy team is on it".into()),
            },
        )
        .await
        .expect("postpone");
    assert_eq!(p.state, AlertState::Postponed, "Postponed: {p:?}");
    let skip = p.skip_until.clone().expect("skip_until");
    assert_eq!(skip.get(..16), until.get(..16), "{skip} vs {until}");
    assert_eq!(p.comments.len(), 1);
    assert_eq!(p.comments[0].author, "operator");
    assert_eq!(p.comments[0].text, "proxy team is on it");
    assert!(!p.comments[0].time.is_empty());
    assert_eq!(next_alert_event(&mut events, &a.id).await, p);
    // Raised again while postponed: it stays postponed.
    let again = site.raise(
        AlertType::ProxyFailure,
        "Proxy refused the connection to the cloud",
    );
    assert_eq!((again.state, again.occurrences), (AlertState::Postponed, 2));

    // A past (or unreadable) time is refused, naming the field.
    for bad in [in_hours(-1), "tomorrow".to_string()] {
        let (status, e) = api_err(
            site.operator
                .post::<_, AlertView>(
                    &format!("/v1/alerts/{}/postpone", a.id),
                    &PostponeAlert {
                        until: bad.clone(),
                        comment: None,
                    },
                )
                .await,
        );
        assert_eq!(status, 400, "{bad}: {e:?}");
        assert_eq!(e.field.as_deref(), Some("Postpone until"), "{bad}: {e:?}");
    }

    // Close: Canceled, closed by the token's name, the comment kept after the first one.
    let c: AlertView = site
        .operator
        .post(
            &format!("/v1/alerts/{}/close", a.id),
            &CloseAlert {
                comment: Some("fixed the proxy ACL".into()),
            },
        )
        .await
        .expect("close");
    assert_eq!(c.state, AlertState::Canceled);
    assert_eq!(c.closed_by.as_deref(), Some("operator"));
    let texts: Vec<&str> = c.comments.iter().map(|x| x.text.as_str()).collect();
    assert_eq!(texts, ["proxy team is on it", "fixed the proxy ACL"]);
    assert_eq!(next_alert_event(&mut events, &a.id).await, c);
    // A closed alert raised again is active again.
    let again = site.raise(
        AlertType::ProxyFailure,
        "Proxy refused the connection to the cloud",
    );
    assert_eq!(again.state, AlertState::Active);
    assert_eq!(again.closed_by, None);

    // Disable: not evaluated; raising it does not make it active.
    let d: AlertView = site
        .operator
        .post(&format!("/v1/alerts/{}/disable", a.id), &())
        .await
        .expect("disable");
    assert_eq!((d.state, d.enabled), (AlertState::Disabled, false));
    assert_eq!(next_alert_event(&mut events, &a.id).await, d);
    assert_eq!(
        site.raise(
            AlertType::ProxyFailure,
            "Proxy refused the connection to the cloud"
        )
        .state,
        AlertState::Disabled
    );

    // Enable: an alert raised before is Canceled until raised again; "Never triggered" would
    // contradict its count.
    let e: AlertView = site
        .operator
        .post(&format!("/v1/alerts/{}/enable", a.id), &())
        .await
        .expect("enable");
    assert_eq!((e.state, e.enabled), (AlertState::Canceled, true));
    assert!(e.occurrences >= 1, "the count is kept: {e:?}");
    assert_eq!(next_alert_event(&mut events, &a.id).await, e);
    assert_eq!(
        site.raise(
            AlertType::ProxyFailure,
            "Proxy refused the connection to the cloud"
        )
        .state,
        AlertState::Active
    );
    drop(events);
    site.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_404_and_readers_are_refused() {
    let mut site = start().await;
    let a = site.raise(AlertType::NotServing, "Service is not serving clients");
    let postpone = json!({"until": in_hours(2), "comment": "x"});
    let close = json!({"comment": "x"});
    let actions: [(&str, Option<&Value>); 4] = [
        ("postpone", Some(&postpone)),
        ("close", Some(&close)),
        ("disable", None),
        ("enable", None),
    ];
    for (action, body) in actions {
        let (status, answer) = raw(
            &site.url,
            "POST",
            &format!("/v1/alerts/0123456789abcdef/{action}"),
            Some(&site.operator_token),
            body,
        )
        .await;
        assert_eq!(status, 404, "{action} of an unknown alert: {answer}");
        assert_eq!(answer["error"]["code"], "not_found", "{answer}");
        for (who, token, want) in [
            ("a read-only token", Some(site.read_token.as_str()), 403),
            ("no token", None, 401),
        ] {
            let (status, answer) = raw(
                &site.url,
                "POST",
                &format!("/v1/alerts/{}/{action}", a.id),
                token,
                body,
            )
            .await;
            assert_eq!(status, want, "{action} with {who}: {answer}");
        }
    }
    // Nothing changed.
    let list: Vec<AlertView> = site.operator.get("/v1/alerts").await.expect("list");
    let now = list.iter().find(|x| x.id == a.id).expect("the alert");
    assert_eq!(
        (now.state, now.enabled, now.comments.len()),
        (AlertState::Active, true, 0),
        "{now:?}"
    );
    // The OpenAPI document describes the new routes.
    let (status, doc) = raw(&site.url, "GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    for action in ["postpone", "close", "disable", "enable"] {
        assert!(
            doc["paths"][format!("/v1/alerts/{{id}}/{action}")]["post"].is_object(),
            "{action} missing from the OpenAPI document"
        );
    }
    site.shutdown().await;
}

fn cli(url: &str, token_file: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloudsite"))
        .arg("--site")
        .arg(url)
        .arg("--token-file")
        .arg(token_file)
        .args(args)
        .env_remove("CLOUDSITE_DATA_DIR")
        .env_remove("CLOUDSITE_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .expect("run cloudsite");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_commands() {
    let mut site = start().await;
    let a = site.raise(
        AlertType::ProxyFailure,
        "Proxy refused the connection to the cloud",
    );
    let token_file = site.data_dir.join("cli.token");
    std::fs::write(&token_file, &site.admin_token).expect("token file");
    let url = site.url.clone();
    let id = a.id.clone();
    let until = in_hours(48);
    let outputs = tokio::task::spawn_blocking(move || {
        let list = cli(&url, &token_file, &["alerts", "list"]);
        let postpone = cli(
            &url,
            &token_file,
            &[
                "alerts",
                "postpone",
                &id,
                "--until",
                &until,
                "--comment",
                "later",
            ],
        );
        let past = cli(
            &url,
            &token_file,
            &["alerts", "postpone", &id, "--until", "2001-01-01T00:00:00Z"],
        );
        let close = cli(
            &url,
            &token_file,
            &["alerts", "close", &id, "--comment", "done", "--json"],
        );
        let disable = cli(&url, &token_file, &["alerts", "disable", &id]);
        let enable = cli(&url, &token_file, &["alerts", "enable", &id]);
        let unknown = cli(&url, &token_file, &["alerts", "disable", "nope"]);
        [list, postpone, past, close, disable, enable, unknown]
    })
    .await
    .expect("cli thread");
    let [list, postpone, past, close, disable, enable, unknown] = outputs;
    assert!(list.0, "{}", list.1);
    assert!(
        list.1.contains("ID") && list.1.contains(&a.id) && list.1.contains("(site)"),
        "the list shows the id:\n{}",
        list.1
    );
    assert!(
        postpone.0 && postpone.1.contains("Postponed"),
        "{}",
        postpone.1
    );
    assert!(!past.0 && past.1.contains("Postpone until"), "{}", past.1);
    assert!(close.0, "{}", close.1);
    let closed: AlertView = serde_json::from_str(&close.1).expect("--json prints the alert");
    assert_eq!(closed.state, AlertState::Canceled);
    assert!(closed.closed_by.is_some());
    assert!(disable.0 && disable.1.contains("Disabled"), "{}", disable.1);
    assert!(
        enable.0 && enable.1.contains("Canceled") && !enable.1.contains("Never triggered"),
        "{}",
        enable.1
    );
    assert!(!unknown.0, "{}", unknown.1);
    site.shutdown().await;
}
