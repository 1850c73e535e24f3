//! The CMG instance end of the data path over loopback, with real TLS: connection points
//! attach over TCP-TLS or the HTTPS fallback (strangers cannot), client requests in the URL
//! mappings reach them round-robin with the gateway's headers, and client certificates are
//! required, trusted and not revoked.

mod common;
mod local_cloud_support;

use base64::Engine as _;
use cloudsite::cloud::local::Faults;
use cloudsite::cloud::{DeploymentState, Provider};
use cloudsite::gateway::protocol::FALLBACK_PATH;
use local_cloud_support::gateway::*;
use local_cloud_support::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Notify;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_points_attach_over_tcp_tls_or_the_fallback_and_strangers_cannot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    p.deploy(&c, &cmg_spec("cmgattach", 1, &svc, &cp_ca, &[], false))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "cmgattach", DeploymentState::Running).await;
    let inst = &running.instances[0];
    let (public, channel, fallback) = (
        inst.address.expect("address"),
        inst.channel.expect("a channel port"),
        inst.fallback.expect("a fallback port"),
    );
    assert!(public != channel && channel != fallback && public != fallback);
    assert_eq!(
        connection_points(&p, &c, "cmgattach", 0).await,
        Vec::<String>::new()
    );

    let cp1 = cp_ca.issue("CP1.contoso.com", 1, None);
    let cp2 = cp_ca.issue("CP2.contoso.com", 2, None);
    let _t1 = cp_tcp(channel, Some(&cp1), router("cp1")).await;
    let _t2 = cp_fallback(fallback, &cp2, router("cp2"), FALLBACK_PATH)
        .await
        .expect("the fallback upgrades");
    eventually("both connection points are listed", async || {
        connection_points(&p, &c, "cmgattach", 0).await == ["CP1.contoso.com", "CP2.contoso.com"]
    })
    .await;

    // A certificate from another CA (same names), or none, cannot attach on either port.
    let stranger = Ca::new("Site connection point CA").issue("CP1.contoso.com", 1, None);
    let e = ended(cp_tcp(channel, Some(&stranger), router("x")).await)
        .await
        .expect_err("a stranger");
    assert!(e.contains("UnknownCA"), "{e}");
    let e = ended(cp_tcp(channel, None, router("x")).await)
        .await
        .expect_err("no certificate");
    assert!(e.contains("CertificateRequired"), "{e}");
    let e = cp_fallback_tls12(fallback, &stranger, router("x"), FALLBACK_PATH)
        .await
        .expect_err("a stranger on the fallback");
    assert!(e.contains("UnknownCA"), "{e}");
    // The fallback port only upgrades its one path.
    let e = cp_fallback(fallback, &cp1, router("x"), "/somewhere")
        .await
        .expect_err("another path");
    assert!(e.starts_with("404") && e.contains(FALLBACK_PATH), "{e}");
    assert_eq!(
        connection_points(&p, &c, "cmgattach", 0).await,
        ["CP1.contoso.com", "CP2.contoso.com"]
    );

    // "Enforce TLS 1.2": nothing older is spoken on any port (alert 70, protocol_version);
    // TLS 1.2 itself works.
    for addr in [public, channel, fallback] {
        assert_eq!(legacy_hello_alert(addr, 0x01).await, 70, "{addr}");
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add(common::root_ca().cert.into()).expect("root");
    let tls12 = rustls::ClientConfig::builder_with_provider(cloudsite::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(public)
        .await
        .expect("connect");
    let name = rustls::pki_types::ServerName::try_from(FQDN).expect("name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(tls12))
        .connect(name, tcp)
        .await
        .expect("TLS 1.2");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_requests_in_the_mappings_reach_a_connection_point_with_the_gateway_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    p.deploy(&c, &cmg_spec("cmgpath", 1, &svc, &cp_ca, &[], false))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "cmgpath", DeploymentState::Running).await;
    let inst = &running.instances[0];
    let public = inst.address.expect("address");
    let client = https_client(None);

    // No connection point yet: 503, and why.
    let (status, text) = get_text(&client, public, "/v1/mp/who").await;
    assert_eq!(status, 503, "{text}");
    assert!(
        text.starts_with("no CMG connection point is connected to CMG_IN_0"),
        "{text}"
    );

    let cp = cp_ca.issue("CP1.contoso.com", 1, None);
    let _t = cp_tcp(inst.channel.expect("channel"), Some(&cp), router("cp1")).await;
    eventually("the connection point is listed", async || {
        !connection_points(&p, &c, "cmgpath", 0).await.is_empty()
    })
    .await;

    // The CMG's headers replace anything the client claims; hop headers stay behind.
    let resp = client
        .get(url(public, "/v1/mp/who?x=1"))
        .header("x-cmg-instance", "forged")
        .header("x-cmg-client-certificate", "Zm9yZ2Vk")
        .header("x-cmg-anything", "forged")
        .header("connection", "x-hop")
        .header("x-hop", "1")
        .header("authorization", "Bearer client-token")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(v["cp"], "cp1");
    let seen: BTreeMap<String, String> = serde_json::from_value(v["headers"].clone()).unwrap();
    assert_eq!(seen["x-cmg-instance"], "CMG_IN_0");
    assert_eq!(seen["x-cmg-name"], FQDN);
    assert_eq!(seen["x-cmg-client-address"], "127.0.0.1");
    assert_eq!(seen["authorization"], "Bearer client-token");
    for gone in [
        "x-cmg-client-certificate",
        "x-cmg-anything",
        "x-hop",
        "connection",
    ] {
        assert!(!seen.contains_key(gone), "{gone} was forwarded: {seen:?}");
    }

    // Bodies stream both ways.
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let echoed = client
        .post(url(public, "/v1/mp/echo"))
        .body(body.clone())
        .send()
        .await
        .expect("echo")
        .bytes()
        .await
        .expect("body");
    assert_eq!(echoed.len(), body.len());
    assert!(echoed[..] == body[..]);

    // Outside the mappings: refused at the CMG, naming the mappings.
    for path in ["/v1/tokens", "/v1/mp", "/admin", "/v1/mp/../tokens"] {
        let (status, text) = get_text(&client, public, path).await;
        assert_eq!(status, 403, "{path}: {text}");
        assert!(
            text.contains("is not in this CMG's URL mappings (management point /v1/mp/, software update point /v1/sup/)"),
            "{path}: {text}"
        );
    }

    // The instance still serves content itself.
    let content = dir.path().join("storage/cmgpathstore/content/pkg");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.bin"), vec![5u8; 1000]).expect("write");
    let resp = client
        .get(url(public, "/content/pkg/a.bin"))
        .bearer_auth(content_token("cmgpath", "pkg", 600))
        .send()
        .await
        .expect("content");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.expect("body").len(), 1000);
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_alternate_between_connection_points_and_survive_one_leaving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    p.deploy(&c, &cmg_spec("cmgrr", 1, &svc, &cp_ca, &[], false))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "cmgrr", DeploymentState::Running).await;
    let inst = &running.instances[0];
    let public = inst.address.expect("address");
    let hung = Arc::new(Notify::new());
    let a = cp_tcp(
        inst.channel.expect("channel"),
        Some(&cp_ca.issue("CPA.contoso.com", 1, None)),
        router("cp-a"),
    )
    .await;
    let b = cp_fallback(
        inst.fallback.expect("fallback"),
        &cp_ca.issue("CPB.contoso.com", 2, None),
        cp_router("cp-b", hung.clone()),
        FALLBACK_PATH,
    )
    .await
    .expect("fallback");
    eventually("both are listed", async || {
        connection_points(&p, &c, "cmgrr", 0).await.len() == 2
    })
    .await;
    let client = https_client(None);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(who(&client, public).await.0);
    }
    assert_eq!(seen.iter().filter(|s| *s == "cp-a").count(), 2, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] != w[1]),
        "round-robin: {seen:?}"
    );

    // cp-a goes away: the CMG notices and every request reaches cp-b.
    a.abort();
    eventually("cp-a is gone", async || {
        connection_points(&p, &c, "cmgrr", 0).await == ["CPB.contoso.com"]
    })
    .await;
    for _ in 0..3 {
        assert_eq!(who(&client, public).await.0, "cp-b");
    }

    // cp-b fails while answering: 502, naming it.
    let pending = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, public, "/v1/mp/hang").await }
    });
    hung.notified().await;
    b.abort();
    let (status, text) = pending.await.expect("task");
    assert_eq!(status, 502, "{text}");
    assert!(
        text.starts_with("the CMG connection point CPB.contoso.com did not answer: "),
        "{text}"
    );
    // And with none left, 503.
    eventually("no connection point is left", async || {
        get_text(&client, public, "/v1/mp/who").await.0 == 503
    })
    .await;
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_must_chain_to_a_trusted_root_and_not_be_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let cp_ca = Ca::new("Site connection point CA");
    let clients = Ca::new("Contoso Client Root");
    let other = Ca::new("Fabrikam Root");
    let crl_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let crl_url = format!(
        "http://{}/root.crl",
        crl_listener.local_addr().expect("addr")
    );
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}/root.crl", dead.local_addr().expect("addr"));
    drop(dead);
    let good = clients.issue("pc1.contoso.com", 10, Some(&crl_url));
    let revoked = clients.issue("pc2.contoso.com", 11, Some(&crl_url));
    let unreachable = clients.issue("pc3.contoso.com", 12, Some(&dead_url));
    let untrusted = other.issue("pc4.contoso.com", 13, Some(&crl_url));
    publish_crl(crl_listener, clients.crl(&[11]));

    p.deploy(&c, &cmg_spec("cmgauth", 1, &svc, &cp_ca, &[&clients], true))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "cmgauth", DeploymentState::Running).await;
    let inst = &running.instances[0];
    let public = inst.address.expect("address");
    let _t = cp_tcp(
        inst.channel.expect("channel"),
        Some(&cp_ca.issue("CP1.contoso.com", 1, None)),
        router("cp1"),
    )
    .await;
    eventually("the connection point is listed", async || {
        !connection_points(&p, &c, "cmgauth", 0).await.is_empty()
    })
    .await;

    let refusal = async |id: Option<&Identity>| {
        let (status, text) = get_text(&https_client(id), public, "/v1/mp/who").await;
        assert_eq!(status, 403, "{text}");
        text
    };
    let text = refusal(None).await;
    assert!(
        text.starts_with("a client authentication certificate is required"),
        "{text}"
    );
    let text = refusal(Some(&untrusted)).await;
    assert!(
        text.starts_with("the client certificate 'pc4.contoso.com' (thumbprint ")
            && text.contains("does not chain to a trusted root of this CMG"),
        "{text}"
    );
    assert_eq!(
        refusal(Some(&revoked)).await.trim_end(),
        format!("the client certificate (serial 0B) is revoked by the CRL at {crl_url}")
    );
    let text = refusal(Some(&unreachable)).await;
    assert!(
        text.starts_with(&format!(
            "cannot check revocation: the CRL at {dead_url} could not be fetched: "
        )),
        "{text}"
    );

    // A trusted, unrevoked certificate goes through and the site learns which it was.
    let (cp, seen) = who(&https_client(Some(&good)), public).await;
    assert_eq!(cp, "cp1");
    assert_eq!(
        seen["x-cmg-client-certificate"],
        base64::engine::general_purpose::STANDARD.encode(good.leaf())
    );

    // Content needs its token, not a certificate.
    let content = dir.path().join("storage/cmgauthstore/content/pkg");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.bin"), vec![5u8; 10]).expect("write");
    let resp = https_client(None)
        .get(url(public, "/content/pkg/a.bin"))
        .bearer_auth(content_token("cmgauth", "pkg", 600))
        .send()
        .await
        .expect("content");
    assert_eq!(resp.status(), 200);
    let stats = &gateway_of(&p, &c, "cmgauth").await[0];
    assert_eq!((stats.requests, stats.refused), (1, 4), "{stats:?}");
    cloud.shutdown().await;
}
