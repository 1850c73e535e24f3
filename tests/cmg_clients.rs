//! Clients through a CMG of the embedded local cloud, run as the `cloudsite` binary: the
//! policy asked through the CMG is the policy asked directly, and a notification channel held
//! through the CMG (`client notify --hold`) prints each message the site pushes
//! (`client-notifications send`), one after another.

mod cmg_analyze_support;
mod common;
mod site_support;

use cloudsite::api::wire::ClientPolicy;
use cloudsite::domain::cmg::ChannelState;
use cmg_analyze_support::*;
use site_support::*;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A Ready CMG with the site's own connection point Connected.
async fn connected_gateway() -> Gateway {
    let g = gateway(false).await;
    let cp = g.add_point(SERVER_NAME, false).await;
    g.wait_point(&cp.id, ChannelState::Connected).await;
    g
}

/// `--via-cmg CMG` with the lab's valid client certificate and root.
fn via_cmg(g: &Gateway, cmd: &mut Command) {
    cmd.args(["--via-cmg", CMG, "--client-cert"])
        .arg(g.client_pfx("valid"))
        .args(["--client-cert-password-env", "LAB_PASSWORD", "--trust"])
        .arg(&g.site.lab.root_ca);
}

fn policy(g: &Gateway, through_cmg: bool) -> ClientPolicy {
    let mut cmd = g.cli();
    cmd.args(["client", "policy", "--json"]);
    if through_cmg {
        via_cmg(g, &mut cmd);
    }
    let out = cmd.output().expect("client policy");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a policy")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_through_the_cmg_is_the_policy_asked_directly() {
    let g = connected_gateway().await;
    let direct = policy(&g, false);
    let via = policy(&g, true);
    assert_eq!(
        (&via.site_code, &via.settings),
        (&direct.site_code, &direct.settings)
    );
    assert!(!via.site_code.is_empty());
    // The site logged the hop: it was the gateway, not a copy of the answer.
    let log = g
        .site
        .admin
        .log("MP_Policy.log", Some(200))
        .await
        .expect("log");
    assert!(
        log.iter()
            .any(|l| l.message.contains(&format!("through CMG {CMG}"))),
        "{log:?}"
    );
    // cmg show names the connection point, its state and instances, and the client traffic;
    // --json carries the connection points beside the service.
    let out = g
        .cli()
        .args(["cmg", "show", CMG])
        .output()
        .expect("cmg show");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("Connection points"))
        .unwrap_or_default();
    assert!(line.contains("Connected to CMG_IN_0"), "{text}");
    assert!(text.contains("Client traffic"), "{text}");
    let out = g
        .cli()
        .args(["cmg", "show", CMG, "--json"])
        .output()
        .expect("cmg show --json");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["connection_points"][0]["state"], "connected", "{json}");
    assert_eq!(json["service_fqdn"], CMG);

    // A client without a certificate is refused by this CMG, with the reason.
    let out = g
        .cli()
        .args(["client", "policy", "--via-cmg", CMG, "--trust"])
        .arg(&g.site.lab.root_ca)
        .output()
        .expect("client policy");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("certificate is required"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_hold_prints_each_message_the_site_pushes_through_the_cmg() {
    let g = connected_gateway().await;
    let mut cmd = g.cli();
    cmd.args(["client", "notify", "--hold"]);
    via_cmg(&g, &mut cmd);
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("client notify");
    let mut child = Running(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = lines
        .recv_timeout(Duration::from_secs(15))
        .expect("notify says the channel is open");
    assert!(first.contains(&format!("through CMG {CMG}")), "{first}");

    // The site pushes; the held channel prints it. The channel may reach the site's
    // subscription a moment after the CMG opened it, so an unheard push is repeated.
    let send = |text: &str| {
        let out = g
            .cli()
            .args(["client-notifications", "send", text])
            .output()
            .expect("client-notifications send");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let heard = |want: &str, limit: Duration| {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(line) = lines.recv_timeout(Duration::from_millis(200))
                && line.contains(want)
            {
                return Some(line);
            }
        }
        None
    };
    let mut got = None;
    for attempt in 0..10 {
        let text = format!("evaluate machine policy now ({attempt})");
        send(&text);
        if let Some(line) = heard(&text, Duration::from_secs(2)) {
            got = Some(line);
            break;
        }
    }
    let line = got.expect("a pushed message arrives through the CMG");
    assert!(line.contains("(from infra)"), "{line}");
    // --hold: it keeps listening, and the next one arrives too.
    send("second message");
    assert!(
        heard("second message", Duration::from_secs(5)).is_some(),
        "a held channel prints every message"
    );
    assert!(child.0.try_wait().expect("wait").is_none(), "still holding");
}
