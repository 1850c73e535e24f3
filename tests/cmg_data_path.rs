//! The site end of the CMG data path over real sockets and TLS: the site's connection points
//! (run by the site service, and one run as a separate `cloudsite connection-point run`
//! process) dial a CMG instance end run by the test, which requires a certificate from the
//! site's connection point CA and sends client requests over the channel. They reach the
//! management point and the software update point and get the same answers as a direct
//! request; a stranger service certificate is refused by the pin; the HTTPS fallback goes
//! through the site system's proxy and TCP-TLS never does; a killed instance or connection
//! point shows Disconnected within a second; the health alert raises and clears.

mod cmg_support;
mod common;
mod local_cloud_support;
mod site_support;

use axum::http::Method;
use cloudsite::api::mappings::NOTIFICATIONS_PATH;
use cloudsite::api::wire::{
    ChannelView, ClientPolicy, ContentLocationRequest, ContentLocations, SendClientNotification,
    SoftwareUpdateView,
};
use cloudsite::domain::alert::AlertState;
use cloudsite::domain::cmg::{ChannelState, Transport};
use cloudsite::domain::content::ClientLocation;
use cloudsite::domain::service::HostedKind;
use cmg_support::*;
use futures_util::StreamExt;
use site_support::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_point_carries_requests_and_notifications_and_reconnects() {
    let r = rig().await;
    let inst = r.instance(&r.service, true).await;
    let cp = r.add_point(SERVER_NAME, false).await;
    assert!(
        !cp.external,
        "the site service runs a connection point on its own server"
    );
    assert_eq!(cp.name, format!("cmgcp-{}", cp.id));
    let (cp, _) = r
        .wait_point(&cp.id, Duration::from_secs(15), "connected", connected)
        .await;
    assert_eq!(
        cp.channels,
        [ChannelView {
            instance: inst.id.clone(),
            state: ChannelState::Connected,
            transport: Some(Transport::TcpTls),
            via_proxy: false,
            reason: None,
        }]
    );
    assert_eq!(
        inst.peers(),
        std::slice::from_ref(&cp.name),
        "the CMG names the channel by the CN"
    );

    // The management point, directly and through the CMG: the same answers.
    let client_cert = client_certificate(&r.site);
    let package = update_package(&r.site).await;
    let ask = ContentLocationRequest {
        package: package.clone(),
        location: ClientLocation::Internet,
        client: Some("client-valid".into()),
    };
    let direct = r.site.mp.content_locations(&ask).await.expect("direct");
    let (status, text) = inst
        .request(
            Method::POST,
            "/v1/mp/content-locations",
            Some(&serde_json::to_value(&ask).expect("json")),
            Some(&client_cert),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    let via: ContentLocations = serde_json::from_str(&text).expect("locations");
    assert_eq!(via, direct);
    let direct: ClientPolicy = r.site.reader.policy().await.expect("policy");
    let (status, text) = inst
        .request(Method::GET, "/v1/mp/policy", None, Some(&client_cert))
        .await;
    assert_eq!(status, 200, "{text}");
    let via: ClientPolicy = serde_json::from_str(&text).expect("policy");
    assert_eq!(
        (via.site_code, via.settings),
        (direct.site_code, direct.settings)
    );
    let direct: Vec<SoftwareUpdateView> = r.site.reader.software_updates().await.expect("sup");
    assert_eq!(direct.len(), 1, "{direct:?}");
    let (status, text) = inst
        .request(Method::GET, "/v1/sup/catalog", None, None)
        .await;
    assert_eq!(status, 200, "{text}");
    let via: Vec<SoftwareUpdateView> = serde_json::from_str(&text).expect("catalog");
    assert_eq!(via, direct);
    // Outside the URL mappings: the connection point relays nothing.
    let (status, _) = inst.request(Method::GET, "/v1/cmgs", None, None).await;
    assert_eq!(status, 404);
    // The site's logs say the request came through the CMG, with which client certificate.
    assert!(
        r.log_has(
            "MP_Location.log",
            &format!(
                "through CMG {CMG} ({}), client certificate CN=client-valid.lab.contoso.com",
                inst.id
            )
        )
        .await,
        "MP_Location.log names the hop"
    );
    assert!(r.log_has("MP_Policy.log", "through CMG").await);
    assert!(
        r.log_has("SMS_Cloud_ProxyConnector.log", "Built Tcp connection")
            .await
    );
    assert!(
        r.log_has(
            "CMGService.log",
            &format!("connection point {} opened a channel", cp.name)
        )
        .await
    );
    assert_eq!(
        r.messages(9461).await.len(),
        1,
        "CMG connection point connected"
    );

    // A held notification channel gets what an administrator pushes, answered by the
    // connection point from its one subscription to the site.
    let held = inst
        .send(Method::GET, NOTIFICATIONS_PATH, None, None)
        .await
        .expect("a notification channel");
    assert_eq!(held.status(), 200);
    let mut frames = axum::body::Body::new(held.into_body()).into_data_stream();
    let mut seen = String::new();
    for attempt in 0..5 {
        r.site
            .admin
            .send_client_notification(&SendClientNotification {
                message: format!("evaluate machine policy now ({attempt})"),
            })
            .await
            .expect("push");
        let wait = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(chunk)) = frames.next().await {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("evaluate machine policy now") {
                    return;
                }
            }
        });
        if wait.await.is_ok() {
            break;
        }
    }
    assert!(
        seen.contains("event: client_notification") && seen.contains("evaluate machine policy now"),
        "the held channel got: {seen:?}"
    );

    // The CMG's view shows the gateway as sampled.
    let start = Instant::now();
    loop {
        let view = r
            .site
            .admin
            .service(HostedKind::Cmg, &r.cmg.id)
            .await
            .expect("cmg");
        if let Some(g) = &view.gateway
            && g.connection_points == [cp.name.clone()]
            && g.requests >= 5
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "gateway: {:?}",
            view.gateway
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The instance dies: the connection point says so within a second.
    inst.kill();
    let (cp_down, took) = r
        .wait_point(
            &cp.id,
            Duration::from_secs(1),
            "disconnected after the kill",
            |c| c.state == ChannelState::Disconnected,
        )
        .await;
    assert!(took <= Duration::from_secs(1), "{took:?}");
    assert!(cp_down.reason.is_some(), "{cp_down:?}");
    let alert = r.wait_alert(AlertState::Active).await;
    assert_eq!(alert.details["service"], CMG);
    assert!(
        !r.messages(9462).await.is_empty(),
        "CMG connection point disconnected"
    );
    assert!(r.log_has("CMGService.log", "closed").await);

    // It comes back on the same ports: the connection point reconnects, the alert clears.
    let back = TestInstance::start(
        &inst.id,
        CMG,
        &r.service,
        &r.ca,
        Some(inst.channel),
        Some(inst.fallback),
        true,
    )
    .await;
    r.cloud.place(&r.cmg.name, vec![Arc::clone(&back)]);
    r.wait_point(&cp.id, Duration::from_secs(20), "reconnected", connected)
        .await;
    r.wait_alert(AlertState::Canceled).await;
    let (status, _) = back.request(Method::GET, "/v1/mp/policy", None, None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_service_certificate_is_refused_by_the_pin() {
    let r = rig().await;
    // A certificate from the same trusted CA, for another name: only the pin tells it apart.
    let stranger = Pem::from_pfx(
        &r.site.lab.cert("cmg2.lab.contoso.com").pfx,
        &r.site.lab.password,
    );
    let inst = r.instance(&stranger, true).await;
    let cp = r.add_point(SERVER_NAME, false).await;
    let (cp, _) = r
        .wait_point(&cp.id, Duration::from_secs(15), "refused", |c| {
            c.state == ChannelState::Error
        })
        .await;
    let reason = cp.reason.clone().unwrap_or_default();
    let presented = cloudsite::tls::sha1_thumbprint(&stranger.leaf_der());
    assert!(
        reason.contains(&presented) && reason.contains(&r.cmg.certificate.thumbprint),
        "{reason}"
    );
    assert_eq!(cp.channels[0].transport, Some(Transport::TcpTls));
    assert!(
        inst.peers().is_empty(),
        "no channel is served to a stranger"
    );
    assert!(inst.opened.lock().expect("lock").is_empty());
    assert!(
        !r.messages(9463).await.is_empty(),
        "the refusal is a status message"
    );
    assert!(
        r.log_has("SMS_Cloud_ProxyConnector.log", "refusing to serve it")
            .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_https_fallback_goes_through_the_proxy_and_tcp_tls_never_does() {
    let r = rig().await;
    let proxy = site_proxy(&r.site).await;
    // TCP-TLS cannot be reached (as behind a firewall); the HTTPS fallback can.
    let inst = r.instance(&r.service, false).await;
    let cp = r.add_point(SERVER_NAME, false).await;
    let (cp, _) = r
        .wait_point(
            &cp.id,
            Duration::from_secs(20),
            "connected over HTTPS",
            connected,
        )
        .await;
    assert_eq!(cp.channels[0].transport, Some(Transport::Https));
    assert!(cp.channels[0].via_proxy, "{cp:?}");
    assert_eq!(
        inst.opened.lock().expect("lock").first().map(|o| o.1),
        Some("https")
    );
    let (status, text) = inst.request(Method::GET, "/v1/mp/policy", None, None).await;
    assert_eq!(status, 200, "{text}");
    let targets = proxy.targets.lock().expect("lock").clone();
    let (channel, fallback) = (inst.channel.to_string(), inst.fallback.to_string());
    assert!(targets.contains(&fallback), "{targets:?}");
    assert!(
        !targets.contains(&channel),
        "TCP-TLS went through the proxy: {targets:?}"
    );
    assert!(
        r.log_has(
            "SMS_Cloud_ProxyConnector.log",
            "Failed to build Tcp connection"
        )
        .await
    );
    assert!(
        r.log_has("SMS_Cloud_ProxyConnector.log", "Built Http connection")
            .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standalone_connection_point_is_a_second_one_and_its_death_shows_at_once() {
    let r = rig().await;
    let inst = r.instance(&r.service, true).await;
    let own = r.add_point(SERVER_NAME, false).await;
    let other = r.add_point("CPSERVER2", true).await;
    assert!(other.external);
    let dir = r.site.tmp.path().join("cp2");
    std::fs::create_dir_all(&dir).expect("dir");
    let token = dir.join("token");
    std::fs::write(&token, &r.site.infra_token).expect("token file");
    let run = |id: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cloudsite"));
        cmd.args(["--site", &r.site.url, "--token-file"])
            .arg(&token)
            .args(["connection-point", "run", id, "--log-dir"])
            .arg(&dir)
            .env_remove("CLOUDSITE_TOKEN")
            .env_remove("CLOUDSITE_DATA_DIR")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    // The site service runs its own: running it again elsewhere is refused.
    let refused = run(&own.id).output().expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--external"));
    // Its log lines also go to stderr: nobody reads them here, so they must not fill a pipe.
    let mut child = run(&other.id)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("connection-point run");
    r.wait_point(
        &own.id,
        Duration::from_secs(15),
        "the site's own",
        connected,
    )
    .await;
    r.wait_point(
        &other.id,
        Duration::from_secs(20),
        "the standalone one",
        connected,
    )
    .await;
    let mut peers = inst.peers();
    peers.sort();
    let mut want = vec![own.name.clone(), other.name.clone()];
    want.sort();
    assert_eq!(peers, want, "both hold a channel to the instance");
    for _ in 0..4 {
        let (status, text) = inst.request(Method::GET, "/v1/mp/policy", None, None).await;
        assert_eq!(status, 200, "{text}");
    }
    let log = std::fs::read_to_string(dir.join("SMS_Cloud_ProxyConnector.log")).unwrap_or_default();
    assert!(log.contains("Built Tcp connection"), "{log}");

    // Killed (no chance to say goodbye): the site shows it Disconnected within a second.
    child.kill().expect("kill");
    let _ = child.wait();
    let (gone, took) = r
        .wait_point(
            &other.id,
            Duration::from_secs(1),
            "disconnected after SIGKILL",
            |c| c.state == ChannelState::Disconnected,
        )
        .await;
    assert!(took <= Duration::from_secs(1), "{took:?}");
    assert!(
        gone.reason
            .as_deref()
            .unwrap_or_default()
            .contains("stopped running"),
        "{gone:?}"
    );
    let (own_now, _) = r
        .wait_point(&own.id, Duration::from_secs(1), "the site's own", connected)
        .await;
    assert_eq!(own_now.state, ChannelState::Connected);
}
