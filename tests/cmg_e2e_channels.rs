//! Connection points coming and going under a real CMG, seen from a client and from the site:
//! a connection point run as its own process (`cloudsite connection-point run`) is killed —
//! the CMG answers 503 saying why, the site shows it Disconnected within a second — and run
//! again — Connected, requests flow; with the site's own connection point beside it, requests
//! alternate between the two and keep flowing when one is killed.

mod cmg_support;
mod common;
mod local_cloud_support;
mod site_support;

use cloudsite::api::client::ClientError;
use cloudsite::domain::cmg::ChannelState;
use cmg_support::*;
use site_support::*;
use std::time::{Duration, Instant};

/// The path the sniffing tunnel counts: a policy request relayed by the standalone one.
const POLICY: &str = "GET /v1/mp/policy ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_points_die_and_return_and_share_the_requests() {
    let e = E2e::start(false).await;
    let other = e.add_point("CPSERVER2", true).await;
    // The standalone one reaches the site through a tunnel that counts the requests it relays.
    let sniff = SniffTunnel::start(site_addr(&e.site), POLICY).await;
    let dir = e.site.tmp.path().join("cp2");
    let mut child = e.standalone(&other.id, &sniff.url(), &dir);
    wait_point(
        &e.site,
        &other.id,
        Duration::from_secs(20),
        "connected",
        connected,
    )
    .await;
    let client = e.client(None);
    client.policy().await.expect("policy through the CMG");
    assert_eq!(sniff.seen(), 1, "the one connection point relayed it");

    // Killed (no goodbye): the CMG says why it cannot answer, the site shows it at once.
    child.start_kill().expect("kill");
    let killed = Instant::now();
    let _ = child.wait().await;
    let (down, _) = wait_point(
        &e.site,
        &other.id,
        Duration::from_secs(1),
        "disconnected after SIGKILL",
        |c| c.state == ChannelState::Disconnected,
    )
    .await;
    assert!(
        killed.elapsed() <= Duration::from_secs(1),
        "{:?}",
        killed.elapsed()
    );
    assert!(down.reason.is_some(), "{down:?}");
    e.wait_gateway(Duration::from_secs(10), "no channel left", |g| {
        g.connection_points.is_empty()
    })
    .await;
    match client.policy().await {
        Err(ClientError::Api { status, detail }) => {
            assert_eq!(status, 503, "{detail:?}");
            assert!(
                detail.message.starts_with(&format!(
                    "no CMG connection point is connected to {}: the site cannot be reached through this instance now",
                    e.cmg.instances[0].id
                )),
                "{detail:?}"
            );
        }
        other => panic!("expected 503, got {other:?}"),
    }

    // Run again: Connected, and requests flow.
    let mut child = e.standalone(&other.id, &sniff.url(), &dir);
    wait_point(
        &e.site,
        &other.id,
        Duration::from_secs(20),
        "back",
        connected,
    )
    .await;
    e.wait_gateway(Duration::from_secs(10), "the channel is back", |g| {
        g.connection_points == [other.name.clone()]
    })
    .await;
    client.policy().await.expect("policy through the CMG again");
    assert_eq!(sniff.seen(), 2);

    // With the site's own connection point too, requests alternate between the two.
    let own = e.add_point(SERVER_NAME, false).await;
    wait_point(&e.site, &own.id, Duration::from_secs(20), "own", connected).await;
    e.wait_gateway(Duration::from_secs(10), "two channels", |g| {
        g.connection_points.len() == 2
    })
    .await;
    let mut by_other = Vec::new();
    for _ in 0..8 {
        let before = sniff.seen();
        client.policy().await.expect("policy");
        by_other.push(sniff.seen() > before);
    }
    assert_eq!(by_other.iter().filter(|o| **o).count(), 4, "{by_other:?}");
    assert!(
        by_other.windows(2).all(|w| w[0] != w[1]),
        "round-robin: {by_other:?}"
    );

    // One is killed: every request goes to the other.
    child.start_kill().expect("kill");
    let _ = child.wait().await;
    wait_point(
        &e.site,
        &other.id,
        Duration::from_secs(1),
        "disconnected",
        |c| c.state == ChannelState::Disconnected,
    )
    .await;
    e.wait_gateway(Duration::from_secs(10), "one channel", |g| {
        g.connection_points == [own.name.clone()]
    })
    .await;
    let before = sniff.seen();
    for _ in 0..6 {
        client.policy().await.expect("policy keeps flowing");
    }
    assert_eq!(sniff.seen(), before, "the killed one relayed nothing");
}
