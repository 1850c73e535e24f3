//! A real CMG through its life, with the site's connection point and a client: after Stop and
//! Start the channel comes back and the client gets through again; a second VM gets its own
//! channel; every byte the CMG sends to clients and to the site is what the site meters; behind
//! the site system's proxy the channel goes over the HTTPS fallback through the proxy and
//! never claims TCP-TLS.

mod cmg_support;
mod common;
mod local_cloud_support;
mod site_support;

use cloudsite::api::client::ClientError;
use cloudsite::api::wire::{ContentLocationRequest, SendClientNotification, SetService, Updated};
use cloudsite::domain::cmg::{ChannelState, Transport};
use cloudsite::domain::content::ClientLocation;
use cloudsite::domain::service::{Action, HostedKind};
use cmg_support::*;
use site_support::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_come_back_after_stop_and_start_and_reach_a_new_vm() {
    let mut e = E2e::start(false).await;
    let cp = e.own_point().await;
    let client = e.client(None);
    client.policy().await.expect("policy through the CMG");
    let address = e.address(0);

    let stop = e
        .site
        .admin
        .act(HostedKind::Cmg, &e.cmg.id, Action::Stop)
        .await
        .expect("stop");
    wait_task(&e.site.admin, &stop.task.id).await;
    wait_point(
        &e.site,
        &cp.id,
        Duration::from_secs(10),
        "disconnected when stopped",
        |c| c.state == ChannelState::Disconnected,
    )
    .await;
    assert!(
        matches!(client.policy().await, Err(ClientError::Transport { .. })),
        "a stopped CMG does not answer"
    );

    let start = e
        .site
        .admin
        .act(HostedKind::Cmg, &e.cmg.id, Action::Start)
        .await
        .expect("start");
    wait_task(&e.site.admin, &start.task.id).await;
    wait_point(&e.site, &cp.id, Duration::from_secs(20), "back", connected).await;
    e.wait_gateway(Duration::from_secs(10), "the channel is back", |g| {
        g.connection_points == [cp.name.clone()]
    })
    .await;
    e.refresh().await;
    assert_eq!(e.address(0), address, "the instance is back where it was");
    client.policy().await.expect("policy after the start");

    // A second VM: a channel to it too, and clients get through it.
    let up: Updated = e
        .site
        .admin
        .set_service(
            HostedKind::Cmg,
            &e.cmg.id,
            &SetService {
                vm_instances: Some(2),
                ..SetService::default()
            },
        )
        .await
        .expect("two VMs");
    wait_task(&e.site.admin, &up.task.expect("an upgrade").id).await;
    wait_point(
        &e.site,
        &cp.id,
        Duration::from_secs(20),
        "two channels",
        |c| {
            c.channels.len() == 2
                && c.channels
                    .iter()
                    .all(|ch| ch.state == ChannelState::Connected)
        },
    )
    .await;
    e.wait_gateway(Duration::from_secs(10), "both instances hold it", |g| {
        g.instances.len() == 2
            && g.instances
                .iter()
                .all(|i| i.connection_points == [cp.name.clone()])
    })
    .await;
    e.refresh().await;
    e.client_via(1, None)
        .policy()
        .await
        .expect("policy through the second VM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_meters_every_byte_the_cmg_sends_to_clients_and_to_the_site() {
    let (e, edge) = E2e::start_behind_edge(false).await;
    e.own_point().await;
    let package = update_package(&e.site).await;
    let client = e.client(None);
    client.policy().await.expect("policy");
    client.software_updates().await.expect("catalog");
    let ask = ContentLocationRequest {
        package,
        location: ClientLocation::Internet,
        client: Some("pc1".into()),
    };
    client.content_locations(&ask).await.expect("locations");
    assert_eq!(
        client
            .services(HostedKind::Cmg)
            .await
            .expect_err("outside the mappings")
            .status(),
        Some(403)
    );
    // A held notification channel, and a notification pushed down it.
    let mut held = client
        .notifications()
        .await
        .expect("a notification channel");
    e.site
        .admin
        .send_client_notification(&SendClientNotification {
            message: "evaluate machine policy".into(),
        })
        .await
        .expect("push");
    let got = tokio::time::timeout(Duration::from_secs(10), held.next())
        .await
        .expect("in time")
        .expect("a notification")
        .expect("readable");
    assert_eq!(got.message, "evaluate machine policy");
    drop(held);

    // What the site shows as outbound data is what went out of the instance, to the site and
    // to the client, byte for byte.
    let start = Instant::now();
    loop {
        let view = e
            .site
            .admin
            .service(HostedKind::Cmg, &e.cmg.id)
            .await
            .expect("the CMG");
        let metered = view.usage.map(|u| u.transfer_bytes);
        if metered == Some(edge.sent()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "metered {metered:?}, sent {}",
            edge.sent()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // TLS handshakes, answers, the notification: a few kilobytes, none of it lost.
    assert!(edge.sent() > 2_000, "{}", edge.sent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_the_proxy_the_https_fallback_carries_the_channel_and_tcp_tls_does_not_claim_to() {
    let (e, edge) = E2e::start_behind_edge(false).await;
    // Only HTTPS leaves the site, through its proxy.
    edge.block_tcp_tls();
    let proxy = site_proxy(&e.site).await;
    let cp = e.own_point().await;
    assert_eq!(cp.channels[0].transport, Some(Transport::Https), "{cp:?}");
    assert!(cp.channels[0].via_proxy, "{cp:?}");
    e.client(None)
        .policy()
        .await
        .expect("policy over the fallback");
    let config = e.site.admin.channel_config(&cp.id).await.expect("config");
    let (channel, fallback) = (
        config.instances[0].channel.clone().expect("channel"),
        config.instances[0].fallback.clone().expect("fallback"),
    );
    let targets = proxy.targets.lock().expect("lock").clone();
    assert!(targets.contains(&fallback), "{targets:?}");
    assert!(
        !targets.contains(&channel),
        "TCP-TLS went through the proxy: {targets:?}"
    );
}
