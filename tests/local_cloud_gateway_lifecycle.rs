//! A CMG's gateway through its instances' lives, over loopback with real TLS: channels close
//! when the CMG stops and come back on the same ports, a new instance has its own channel
//! port, every byte the CMG sends is metered, and the cloud reports each instance's
//! connection points, requests, refusals and held notification channels.

mod common;
mod local_cloud_support;

use cloudsite::cloud::local::Faults;
use cloudsite::cloud::{DeploymentState, InstanceGateway, Provider};
use cloudsite::gateway::protocol::FALLBACK_PATH;
use local_cloud_support::gateway::*;
use local_cloud_support::*;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_closes_the_channels_and_starting_opens_the_same_ports_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    p.deploy(&c, &cmg_spec("cmgstop", 1, &svc, &cp_ca, &[], false))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "cmgstop", DeploymentState::Running).await;
    let inst = running.instances[0].clone();
    let (channel, fallback) = (
        inst.channel.expect("channel"),
        inst.fallback.expect("fallback"),
    );
    let id = cp_ca.issue("CP1.contoso.com", 1, None);
    let t1 = cp_tcp(channel, Some(&id), router("cp1")).await;
    let t2 = cp_fallback(fallback, &id, router("cp1"), FALLBACK_PATH)
        .await
        .expect("fallback");
    eventually("both channels are up", async || {
        connection_points(&p, &c, "cmgstop", 0).await.len() == 2
    })
    .await;

    p.stop(&c, "cmgstop").await.expect("stop");
    let stopped = wait_for(&p, &c, "cmgstop", DeploymentState::Stopped).await;
    assert_eq!(
        (stopped.instances[0].channel, stopped.instances[0].fallback),
        (None, None)
    );
    // The connection points see their channels close, and cannot open new ones.
    let _ = ended(t1).await;
    let _ = ended(t2).await;
    assert!(refused(channel).await && refused(fallback).await);
    assert_eq!(
        gateway_of(&p, &c, "cmgstop").await[0],
        InstanceGateway {
            id: "CMG_IN_0".into(),
            ..InstanceGateway::default()
        }
    );

    p.start(&c, "cmgstop").await.expect("start");
    let again = wait_for(&p, &c, "cmgstop", DeploymentState::Running).await;
    assert_eq!(again.instances[0], inst, "the same ports come back");
    let _t = cp_tcp(channel, Some(&id), router("cp1")).await;
    eventually("the channel is back", async || {
        connection_points(&p, &c, "cmgstop", 0).await == ["CP1.contoso.com"]
    })
    .await;
    assert_eq!(
        who(&https_client(None), inst.address.expect("address"))
            .await
            .0,
        "cp1"
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_instance_has_its_own_channel_port_and_a_removed_one_closes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    let mut s = cmg_spec("cmgscale", 1, &svc, &cp_ca, &[], false);
    p.deploy(&c, &s).await.expect("deploy");
    let one = wait_for(&p, &c, "cmgscale", DeploymentState::Running).await;
    let id = cp_ca.issue("CP1.contoso.com", 1, None);
    let _t0 = cp_tcp(
        one.instances[0].channel.expect("channel"),
        Some(&id),
        router("cp1"),
    )
    .await;

    s.instances = 2;
    p.update(&c, &s).await.expect("scale out");
    let two = wait_for(&p, &c, "cmgscale", DeploymentState::Running).await;
    assert_eq!(
        two.instances[0], one.instances[0],
        "instance 0 keeps serving"
    );
    let new = &two.instances[1];
    assert_eq!(new.id, "CMG_IN_1");
    let (channel, fallback) = (
        new.channel.expect("channel"),
        new.fallback.expect("fallback"),
    );
    let ports: std::collections::HashSet<u16> = two
        .instances
        .iter()
        .flat_map(|i| [i.address, i.channel, i.fallback])
        .map(|a| a.expect("address").port())
        .collect();
    assert_eq!(ports.len(), 6, "every listener has its own port");
    let t1 = cp_tcp(channel, Some(&id), router("cp1-on-1")).await;
    eventually("each instance has its channel", async || {
        let g = gateway_of(&p, &c, "cmgscale").await;
        g.len() == 2 && g.iter().all(|i| i.connection_points == ["CP1.contoso.com"])
    })
    .await;
    assert_eq!(
        who(&https_client(None), new.address.expect("address"))
            .await
            .0,
        "cp1-on-1"
    );

    s.instances = 1;
    p.update(&c, &s).await.expect("scale in");
    wait_for(&p, &c, "cmgscale", DeploymentState::Running).await;
    let _ = ended(t1).await;
    assert!(refused(channel).await && refused(fallback).await);
    assert_eq!(
        connection_points(&p, &c, "cmgscale", 0).await,
        ["CP1.contoso.com"]
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_data_is_every_byte_sent_to_clients_and_to_the_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    let clients = Ca::new("Contoso Client Root");
    p.deploy(
        &c,
        &cmg_spec("cmgmeter", 1, &svc, &cp_ca, &[&clients], false),
    )
    .await
    .expect("deploy");
    let running = wait_for(&p, &c, "cmgmeter", DeploymentState::Running).await;
    let inst = &running.instances[0];
    assert_eq!(p.egress(&c, "cmgmeter").await.expect("egress"), 0);
    let content = dir.path().join("storage/cmgmeterstore/content/pkg");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.bin"), vec![9u8; 100_000]).expect("write");

    // Every connection to the instance goes through a tunnel that counts what it sends.
    let (to_site, site_bytes) = counting_tunnel(inst.channel.expect("channel")).await;
    let (to_client, client_bytes) = counting_tunnel(inst.address.expect("address")).await;
    let cp = cp_tcp(
        to_site,
        Some(&cp_ca.issue("CP1.contoso.com", 1, None)),
        router("cp1"),
    )
    .await;
    eventually("the channel is up", async || {
        !connection_points(&p, &c, "cmgmeter", 0).await.is_empty()
    })
    .await;
    let client = https_client(Some(&clients.issue("pc1.contoso.com", 5, None)));
    let upload = vec![1u8; 300_000];
    let echoed = client
        .post(url(to_client, "/v1/mp/echo"))
        .body(upload.clone())
        .send()
        .await
        .expect("echo")
        .bytes()
        .await
        .expect("body");
    assert_eq!(echoed.len(), upload.len());
    let big = client
        .get(url(to_client, "/v1/mp/big"))
        .send()
        .await
        .expect("big")
        .bytes()
        .await
        .expect("body");
    assert_eq!(big.len(), BIG);
    let file = client
        .get(url(to_client, "/content/pkg/a.bin"))
        .bearer_auth(content_token("cmgmeter", "pkg", 600))
        .send()
        .await
        .expect("content")
        .bytes()
        .await
        .expect("body");
    assert_eq!(file.len(), 100_000);
    assert_eq!(get_text(&client, to_client, "/elsewhere").await.0, 403);
    drop(client);
    cp.abort();

    // Requests and their bodies went to the site; answers and content to the client.
    let counted = async || p.egress(&c, "cmgmeter").await.expect("egress");
    let sent = || site_bytes.load(Ordering::SeqCst) + client_bytes.load(Ordering::SeqCst);
    eventually("the meter equals what was sent", async || {
        counted().await == sent()
    })
    .await;
    assert!(site_bytes.load(Ordering::SeqCst) > upload.len() as u64);
    assert!(client_bytes.load(Ordering::SeqCst) > (upload.len() + BIG + 100_000) as u64);
    // And it stays equal: nothing is counted twice or late.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(counted().await, sent());
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_reports_connection_points_requests_refusals_and_held_notifications() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    p.deploy(&c, &cmg_spec("cmgstats", 1, &svc, &cp_ca, &[], false))
        .await
        .expect("deploy");
    assert!(p.gateway(&c, "nosuchcmg").await.expect("gateway").is_none());
    let running = wait_for(&p, &c, "cmgstats", DeploymentState::Running).await;
    let inst = &running.instances[0];
    let public = inst.address.expect("address");
    let client = https_client(None);
    assert_eq!(get_text(&client, public, "/v1/mp/who").await.0, 503);
    let _t = cp_tcp(
        inst.channel.expect("channel"),
        Some(&cp_ca.issue("CP1.contoso.com", 1, None)),
        router("cp1"),
    )
    .await;
    eventually("the connection point is listed", async || {
        !connection_points(&p, &c, "cmgstats", 0).await.is_empty()
    })
    .await;
    for _ in 0..3 {
        who(&client, public).await;
    }
    assert_eq!(get_text(&client, public, "/v2/other").await.0, 403);

    let mut held = client
        .get(url(public, "/v1/mp/notifications"))
        .send()
        .await
        .expect("notifications");
    assert_eq!(held.status(), 200);
    let first = held.chunk().await.expect("chunk").expect("a first event");
    assert_eq!(&first[..], b"event: hello\n\n");
    let g = &gateway_of(&p, &c, "cmgstats").await[0];
    assert_eq!(
        *g,
        InstanceGateway {
            id: "CMG_IN_0".into(),
            connection_points: vec!["CP1.contoso.com".into()],
            notification_channels: 1,
            requests: 4,
            refused: 2,
        }
    );
    drop(held);
    eventually("the notification channel is let go", async || {
        gateway_of(&p, &c, "cmgstats").await[0].notification_channels == 0
    })
    .await;
    cloud.shutdown().await;
}
