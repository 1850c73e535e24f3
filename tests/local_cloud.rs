//! The local cloud's management API over loopback: client certificates, subscriptions,
//! containers, the global name rule, injected faults, proxies, an unreachable cloud.

mod common;
mod local_cloud_support;

use cloudsite::cert::pem::encode as pem_encode;
use cloudsite::cloud::local::{Faults, LocalProvider};
use cloudsite::cloud::{CloudError, HostedKind, Provider, ProxyRoute};
use cloudsite::tls::sha1_thumbprint;
use common::root_ca;
use local_cloud_support::*;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn unregistered_or_wrong_certificates_are_unauthorized() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = start_cloud(dir.path(), DELAY, Faults::default()).await;
    let p = cloud.provider().expect("provider");
    let mgmt = management_cert("mgmt-a");
    let c = caller(SUB_A, &mgmt);
    match p.check_subscription(&c).await {
        Err(CloudError::Unauthorized(m)) => {
            assert!(m.contains(SUB_A) && m.contains("not known"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // Registered while the cloud runs: takes effect without a restart.
    cloudsite::cloud::local::register_subscription(dir.path(), SUB_A, &mgmt.cert, None)
        .expect("register");
    let info = p.check_subscription(&c).await.expect("check");
    assert_eq!(info.id, SUB_A);
    assert!(info.regions.iter().any(|r| r == "WestEurope"));

    let other = management_cert("someone-else");
    match p.check_subscription(&caller(SUB_A, &other)).await {
        Err(CloudError::Unauthorized(m)) => {
            assert!(
                m.contains(&sha1_thumbprint(&other.cert)) && m.contains(SUB_A),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.status(&caller(SUB_B, &mgmt), "x").await,
        Err(CloudError::Unauthorized(_))
    ));
    cloud.shutdown().await;
}

#[tokio::test]
async fn containers_are_created_checked_and_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    assert!(
        !p.container_exists(&c, "acct1", "content")
            .await
            .expect("exists")
    );
    p.create_container(&c, "acct1", "content")
        .await
        .expect("create");
    p.create_container(&c, "acct1", "content")
        .await
        .expect("create again");
    // A new storage account provisions for a third of the deployment delay before its
    // containers exist, so the site's "wait for the container" step is exercised.
    let start = std::time::Instant::now();
    while !p
        .container_exists(&c, "acct1", "content")
        .await
        .expect("exists")
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the container never appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(dir.path().join("storage/acct1/content").is_dir());
    p.delete_container(&c, "acct1", "content")
        .await
        .expect("delete");
    p.delete_container(&c, "acct1", "content")
        .await
        .expect("delete again");
    assert!(
        !p.container_exists(&c, "acct1", "content")
            .await
            .expect("exists")
    );
    assert!(matches!(
        p.create_container(&c, "../up", "content").await,
        Err(CloudError::Rejected(_))
    ));
    cloud.shutdown().await;
}

#[tokio::test]
async fn names_are_globally_unique() {
    let dir = tempfile::tempdir().expect("tempdir");
    let faults = Faults {
        reserved_names: vec!["taken".to_string()],
        ..Faults::default()
    };
    let (cloud, p, a) = setup(dir.path(), faults).await;
    let mgmt_b = management_cert("mgmt-b");
    cloudsite::cloud::local::register_subscription(dir.path(), SUB_B, &mgmt_b.cert, None)
        .expect("register");
    let b = caller(SUB_B, &mgmt_b);
    let svc = service_cert();
    p.deploy(&a, &spec("shared", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    match p
        .deploy(&b, &spec("shared", HostedKind::Cdp, 2, &svc))
        .await
    {
        Err(CloudError::NameInUse(m)) => {
            assert!(m.contains("The name 'shared' is already in use"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.deploy(&a, &spec("Taken", HostedKind::Cdp, 2, &svc)).await,
        Err(CloudError::NameInUse(_))
    ));
    // Another subscription neither sees nor touches it.
    assert_eq!(p.status(&b, "shared").await.expect("status"), None);
    assert!(matches!(
        p.stop(&b, "shared").await,
        Err(CloudError::NotFound(_))
    ));
    let mut bad = spec("badcert", HostedKind::Cdp, 2, &svc);
    bad.service_key_pem = pem_encode("PRIVATE KEY", &management_cert("x").key);
    assert!(matches!(
        p.deploy(&a, &bad).await,
        Err(CloudError::Rejected(_))
    ));
    cloud.shutdown().await;
}

#[tokio::test]
async fn injected_faults_fail_the_next_operations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let faults = Faults {
        fail_next: 1,
        slow: Duration::from_millis(50),
        ..Faults::default()
    };
    let (cloud, p, c) = setup(dir.path(), faults).await;
    // Reads do not use up the fault.
    p.check_subscription(&c).await.expect("check");
    match p.create_container(&c, "acct", "content").await {
        Err(CloudError::Failed(m)) => assert!(m.contains("injected fault"), "{m}"),
        other => panic!("{other:?}"),
    }
    let started = std::time::Instant::now();
    p.create_container(&c, "acct", "content")
        .await
        .expect("second call succeeds");
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "slow applies"
    );
    cloud.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    let svc = service_cert();
    assert!(matches!(
        p.deploy(&c, &spec("faulty", HostedKind::Cdp, 2, &svc))
            .await,
        Err(CloudError::Failed(_))
    ));
    p.deploy(&c, &spec("faulty", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    cloud.shutdown().await;
}

#[tokio::test]
async fn calls_go_through_the_proxy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let proxy = start_proxy(Some(("site", "s3cret"))).await;
    let mut through = c.clone();
    through.proxy = Some(ProxyRoute {
        url: proxy.url.clone(),
        credentials: Some(("site".to_string(), "s3cret".to_string())),
    });
    p.check_subscription(&through)
        .await
        .expect("through the proxy");
    p.create_container(&through, "viaproxy", "content")
        .await
        .expect("create");
    assert!(proxy.connects.load(Ordering::SeqCst) >= 1);

    let before = proxy.connects.load(Ordering::SeqCst);
    p.check_subscription(&c).await.expect("direct");
    assert_eq!(
        proxy.connects.load(Ordering::SeqCst),
        before,
        "no proxy means direct"
    );

    let mut wrong = through.clone();
    wrong.proxy = Some(ProxyRoute {
        url: proxy.url.clone(),
        credentials: Some(("site".to_string(), "wrong".to_string())),
    });
    match p.check_subscription(&wrong).await {
        Err(CloudError::Proxy(m)) => assert!(m.contains("407") && m.contains(&proxy.url), "{m}"),
        other => panic!("{other:?}"),
    }
    let mut none = through.clone();
    none.proxy = Some(ProxyRoute {
        url: proxy.url.clone(),
        credentials: None,
    });
    assert!(matches!(
        p.check_subscription(&none).await,
        Err(CloudError::Proxy(_))
    ));

    // A port nobody listens on. (A port bound and dropped here could be taken at once by a
    // test running in parallel; port 1 is never served on this machine.)
    let dead_url = "http://127.0.0.1:1".to_string();
    let mut unreachable = c.clone();
    unreachable.proxy = Some(ProxyRoute {
        url: dead_url.clone(),
        credentials: None,
    });
    match p.check_subscription(&unreachable).await {
        Err(CloudError::Proxy(m)) => {
            assert!(
                m.contains(&dead_url) && m.contains("could not be reached"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    // The proxy is fine but cannot reach the cloud: it answers the CONNECT with 502.
    cloud.shutdown().await;
    match p.check_subscription(&through).await {
        Err(CloudError::Proxy(m)) => assert!(m.contains("tunnel") && m.contains(&proxy.url), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_cloud_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    cloud.shutdown().await;
    assert!(matches!(
        p.check_subscription(&c).await,
        Err(CloudError::Unreachable(_))
    ));
    // A client that trusts another CA refuses the cloud's certificate.
    let other_ca = pem_encode("CERTIFICATE", &root_ca().cert);
    let cloud = start_cloud(dir.path(), DELAY, Faults::default()).await;
    let wrong = LocalProvider::new(cloud.management_url(), &other_ca).expect("provider");
    assert!(matches!(
        wrong.check_subscription(&c).await,
        Err(CloudError::Unreachable(_))
    ));
    cloud.shutdown().await;
}
