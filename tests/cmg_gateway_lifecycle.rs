//! The CMG data path as the CMG and its connection points change: the connection point follows
//! its CMG through stop, start and a second VM; a CMG deployed before the site had a connection
//! point CA is synchronised at start; a report cannot claim TCP-TLS through a proxy; intranet
//! clients hold their notification channel at the site itself.

mod cmg_support;
mod common;
mod local_cloud_support;
mod site_support;

use axum::http::Method;
use cloudsite::api::wire::{SendClientNotification, SetService, Updated};
use cloudsite::domain::alert::AlertState;
use cloudsite::domain::cmg::ChannelState;
use cloudsite::domain::service::{Action, HostedKind};
use cloudsite::domain::task::{TaskKind, TaskState};
use cmg_support::*;
use site_support::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_point_follows_the_cmg_as_it_stops_starts_and_grows() {
    let r = rig().await;
    let first = TestInstance::start(
        &r.cmg.instances[0].id,
        CMG,
        &r.service,
        &r.ca,
        None,
        None,
        true,
    )
    .await;
    let second = TestInstance::start("CMG_IN_1", CMG, &r.service, &r.ca, None, None, true).await;
    r.cloud
        .place(&r.cmg.name, vec![Arc::clone(&first), Arc::clone(&second)]);
    let cp = r.add_point(SERVER_NAME, false).await;
    r.wait_point(&cp.id, Duration::from_secs(15), "connected", connected)
        .await;

    // Stop service: the instances stop serving, the connection point lets go of them.
    let stop = r
        .site
        .admin
        .act(HostedKind::Cmg, &r.cmg.id, Action::Stop)
        .await
        .expect("stop");
    wait_task(&r.site.admin, &stop.task.id).await;
    let (down, _) = r
        .wait_point(
            &cp.id,
            Duration::from_secs(10),
            "let go when stopped",
            |c| c.state == ChannelState::Disconnected,
        )
        .await;
    assert!(
        down.reason
            .as_deref()
            .unwrap_or_default()
            .contains("Stopped"),
        "{down:?}"
    );
    let start = Instant::now();
    while !first.peers().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the channel stays open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // No alert for a CMG that is not Ready.
    assert!(
        r.alert()
            .await
            .is_none_or(|a| a.state != AlertState::Active)
    );

    // Start service: back.
    let start_task = r
        .site
        .admin
        .act(HostedKind::Cmg, &r.cmg.id, Action::Start)
        .await
        .expect("start");
    wait_task(&r.site.admin, &start_task.task.id).await;
    r.wait_point(
        &cp.id,
        Duration::from_secs(15),
        "back after the start",
        connected,
    )
    .await;

    // A second VM: the connection point opens a channel to it too.
    let up: Updated = r
        .site
        .admin
        .set_service(
            HostedKind::Cmg,
            &r.cmg.id,
            &SetService {
                vm_instances: Some(2),
                ..SetService::default()
            },
        )
        .await
        .expect("two VMs");
    wait_task(&r.site.admin, &up.task.expect("an upgrade").id).await;
    let (both, _) = r
        .wait_point(&cp.id, Duration::from_secs(15), "two channels", |c| {
            c.channels.len() == 2
                && c.channels
                    .iter()
                    .all(|ch| ch.state == ChannelState::Connected)
        })
        .await;
    assert_eq!(second.peers(), std::slice::from_ref(&both.name));
    let (status, _) = second
        .request(Method::GET, "/v1/mp/policy", None, None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intranet_clients_hold_their_notification_channel_at_the_site() {
    let site = Site::start().await;
    let mut held = site
        .reader
        .notifications()
        .await
        .expect("a notification channel");
    let sent = site
        .infra
        .send_client_notification(&SendClientNotification {
            message: "  restart to finish installing updates ".into(),
        })
        .await
        .expect("push");
    assert_eq!(sent.message, "restart to finish installing updates");
    assert_eq!(sent.sent_by, "infra");
    let got = tokio::time::timeout(Duration::from_secs(5), held.next())
        .await
        .expect("in time")
        .expect("a notification")
        .expect("readable");
    assert_eq!(got, sent);
    // A reader may hold a channel but not push; an empty message is refused by name.
    let (status, _) = site
        .raw(
            "POST",
            "/v1/client-notifications",
            Some(&site.read_token),
            Some(&serde_json::json!({"message": "hi"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, answer) = site
        .raw(
            "POST",
            "/v1/client-notifications",
            Some(&site.admin_token),
            Some(&serde_json::json!({"message": " "})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("Message"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_cannot_claim_tcp_tls_through_a_proxy() {
    let r = rig().await;
    let cp = r.add_point("CPSERVER2", true).await;
    let path = format!("/v1/connection-points/{}/state", cp.id);
    let claim = |transport: &str, via_proxy: bool| {
        serde_json::json!({"channels": [{
            "instance": "CMG_IN_0", "state": "connected",
            "transport": transport, "via_proxy": via_proxy
        }]})
    };
    let (status, answer) = r
        .site
        .raw(
            "PUT",
            &path,
            Some(&r.site.infra_token),
            Some(&claim("tcp_tls", true)),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("Transport"))
    );
    let (status, answer) = r
        .site
        .raw(
            "PUT",
            &path,
            Some(&r.site.infra_token),
            Some(&claim("https", true)),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "connected");
    let (status, _) = r
        .site
        .raw(
            "PUT",
            "/v1/connection-points/nosuch/state",
            Some(&r.site.infra_token),
            Some(&claim("https", true)),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cmg_deployed_before_the_connection_point_ca_is_synchronised_at_start() {
    let mut r = rig().await;
    let before = r.cloud.gateway_spec(&r.cmg.name).expect("spec");
    // As a CMG deployed by an older site: its record names no connection point CA.
    r.site.shutdown().await;
    r.site
        .with_store(|store| {
            let sql = match store.engine() {
                cloudsite::site::db::Engine::Sqlite => {
                    "UPDATE services SET settings = json_remove(settings, '$.gateway_ca')"
                }
                cloudsite::site::db::Engine::Postgres => {
                    "UPDATE services SET settings = (settings::jsonb - 'gateway_ca')::text"
                }
            };
            store.execute_batch(sql)
        })
        .await
        .expect("forget the CA");
    r.site.restart().await;
    let start = Instant::now();
    let task = loop {
        let tasks = r
            .site
            .admin
            .tasks(Some(&r.cmg.id), None)
            .await
            .expect("tasks");
        if let Some(t) = tasks.into_iter().find(|t| t.kind == TaskKind::Upgrade) {
            break t;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no sync started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let done = wait_task(&r.site.admin, &task.id).await;
    assert_eq!(done.state, TaskState::Completed);
    let after = r.cloud.gateway_spec(&r.cmg.name).expect("spec");
    assert_eq!(
        after.connection_point_ca_pem,
        before.connection_point_ca_pem
    );
    assert!(
        r.log_has(
            "CloudMgr.log",
            "deployed without the site's connection point CA"
        )
        .await
    );
    // Once is enough: another start synchronises nothing.
    r.site.restart().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let upgrades = r
        .site
        .admin
        .tasks(Some(&r.cmg.id), None)
        .await
        .expect("tasks")
        .into_iter()
        .filter(|t| t.kind == TaskKind::Upgrade)
        .count();
    assert_eq!(upgrades, 1);
}
