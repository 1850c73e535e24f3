//! The local cloud's hosted services over loopback: deployment states with real instance
//! listeners, scaling, private storage of the spec, and restarts on the same data directory.

mod common;
mod local_cloud_support;

use cloudsite::cloud::local::Faults;
use cloudsite::cloud::{CloudError, DeploymentState, HostedKind, InstanceState, Provider};
use cloudsite::tls::sha1_thumbprint;
use local_cloud_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_lives_through_its_states() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let s = spec("clouddp1", HostedKind::Cdp, 2, &svc);
    p.deploy(&c, &s).await.expect("deploy");
    p.deploy(&c, &s).await.expect("deploy is idempotent");
    let first = p
        .status(&c, "clouddp1")
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(first.state, DeploymentState::Provisioning);
    assert!(
        first
            .instances
            .iter()
            .all(|i| i.state == InstanceState::BusyRole && i.address.is_none())
    );

    let running = wait_for(&p, &c, "clouddp1", DeploymentState::Running).await;
    let ids: Vec<&str> = running.instances.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["CDP_IN_0", "CDP_IN_1"]);
    let addrs = addresses(&running);
    for (addr, id) in addrs.iter().zip(ids) {
        let (served, answer) = https_get(*addr, "/").await;
        assert_eq!(sha1_thumbprint(&served), sha1_thumbprint(&svc.made.cert));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer.ends_with(&format!("clouddp1 {id} ready")),
            "{answer}"
        );
    }

    // Content comes from the storage container and is counted as egress.
    let content = dir.path().join("storage/clouddp1store/content/pkg");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(content.join("a.bin"), vec![7u8; 100_000]).expect("write");
    let token = content_token("clouddp1", "pkg", 600);
    let (_, answer) = https_get_auth(addrs[0], "/content/pkg/a.bin", &token).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("content-length: 100000"),
        "{}",
        &answer[..200]
    );
    let (_, answer) = https_get(addrs[1], "/content/../secret").await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert_eq!(
        p.usage(&c, "clouddp1").await.expect("usage").egress_bytes,
        100_000
    );

    p.stop(&c, "clouddp1").await.expect("stop");
    assert_eq!(
        p.status(&c, "clouddp1")
            .await
            .expect("status")
            .expect("exists")
            .state,
        DeploymentState::Stopping
    );
    let stopped = wait_for(&p, &c, "clouddp1", DeploymentState::Stopped).await;
    assert!(
        stopped
            .instances
            .iter()
            .all(|i| i.state == InstanceState::StoppedRole && i.address.is_none())
    );
    for addr in &addrs {
        assert!(refused(*addr).await, "{addr} still accepts connections");
    }
    p.stop(&c, "clouddp1").await.expect("stop is idempotent");

    p.start(&c, "clouddp1").await.expect("start");
    let again = wait_for(&p, &c, "clouddp1", DeploymentState::Running).await;
    for addr in addresses(&again) {
        let (_, answer) = https_get(addr, "/").await;
        assert!(answer.contains("ready"), "{answer}");
    }
    assert_eq!(addresses(&again), addrs, "the ports come back");

    p.delete(&c, "clouddp1").await.expect("delete");
    wait_gone(&p, &c, "clouddp1").await;
    for addr in &addrs {
        assert!(refused(*addr).await, "{addr} still accepts connections");
    }
    assert!(!dir.path().join("deployments/clouddp1").exists());
    p.delete(&c, "clouddp1")
        .await
        .expect("delete is idempotent");
    assert!(matches!(
        p.start(&c, "clouddp1").await,
        Err(CloudError::NotFound(_))
    ));
    cloud.shutdown().await;
}

#[tokio::test]
async fn the_deployment_file_is_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    p.deploy(&c, &spec("private1", HostedKind::Cdp, 2, &service_cert()))
        .await
        .expect("deploy");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("deployments/private1/deployment.json"))
            .expect("file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cmg_scales_its_instances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    let mut s = spec("cmg1", HostedKind::Cmg, 1, &svc);
    s.storage_account = None;
    p.deploy(&c, &s).await.expect("deploy");
    let one = wait_for(&p, &c, "cmg1", DeploymentState::Running).await;
    let first = addresses(&one)[0];
    s.instances = 3;
    p.update(&c, &s).await.expect("update");
    assert_eq!(
        p.status(&c, "cmg1")
            .await
            .expect("status")
            .expect("exists")
            .state,
        DeploymentState::Updating
    );
    let three = wait_for(&p, &c, "cmg1", DeploymentState::Running).await;
    let ids: Vec<&str> = three.instances.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["CMG_IN_0", "CMG_IN_1", "CMG_IN_2"]);
    let addrs = addresses(&three);
    assert_eq!(addrs[0], first, "an unchanged instance keeps serving");
    for addr in &addrs {
        assert!(https_get(*addr, "/").await.1.contains("ready"));
    }
    s.instances = 1;
    p.update(&c, &s).await.expect("scale down");
    wait_for(&p, &c, "cmg1", DeploymentState::Running).await;
    assert!(refused(addrs[2]).await);
    s.kind = HostedKind::Cdp;
    assert!(matches!(
        p.update(&c, &s).await,
        Err(CloudError::Rejected(_))
    ));
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_brings_deployments_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    p.deploy(&c, &spec("restart1", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    let running = wait_for(&p, &c, "restart1", DeploymentState::Running).await;
    let addrs = addresses(&running);
    p.deploy(&c, &spec("restart3", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    wait_for(&p, &c, "restart3", DeploymentState::Running).await;
    p.stop(&c, "restart3").await.expect("stop");
    p.deploy(&c, &spec("restart4", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    p.delete(&c, "restart4").await.expect("delete");
    p.deploy(&c, &spec("restart2", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    let provisioning = p
        .status(&c, "restart2")
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(provisioning.state, DeploymentState::Provisioning);
    // Killed while restart2 provisions and restart3 stops.
    cloud.shutdown().await;
    for addr in &addrs {
        assert!(refused(*addr).await, "shutdown closes instance listeners");
    }

    let cloud = start_cloud(dir.path(), DELAY, Faults::default()).await;
    let p = cloud.provider().expect("provider");
    let back = p
        .status(&c, "restart1")
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(back.state, DeploymentState::Running);
    let back_addrs = addresses(&back);
    assert_eq!(back_addrs, addrs, "same ports after a restart");
    for addr in back_addrs {
        assert!(https_get(addr, "/").await.1.contains("restart1"));
    }
    let provisioned = wait_for(&p, &c, "restart2", DeploymentState::Running).await;
    for addr in addresses(&provisioned) {
        assert!(https_get(addr, "/").await.1.contains("restart2"));
    }
    let stopped = p
        .status(&c, "restart3")
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(stopped.state, DeploymentState::Stopped);
    assert_eq!(
        p.status(&c, "restart4").await.expect("status"),
        None,
        "the delete finished"
    );
    assert!(!dir.path().join("deployments/restart4").exists());
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_operation_supersedes_an_unfinished_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, p, c) = setup(dir.path(), Faults::default()).await;
    let svc = service_cert();
    p.deploy(&c, &spec("quick1", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    // Stopped before it finished provisioning: it never serves.
    p.stop(&c, "quick1").await.expect("stop");
    let stopped = wait_for(&p, &c, "quick1", DeploymentState::Stopped).await;
    assert!(stopped.instances.iter().all(|i| i.address.is_none()));
    tokio::time::sleep(DELAY * 2).await;
    let still = p
        .status(&c, "quick1")
        .await
        .expect("status")
        .expect("exists");
    assert_eq!(
        still.state,
        DeploymentState::Stopped,
        "the provisioning step was dropped"
    );

    p.start(&c, "quick1").await.expect("start");
    let running = wait_for(&p, &c, "quick1", DeploymentState::Running).await;
    let addrs = addresses(&running);
    // Started again while stopping: it keeps serving on the same listeners.
    p.stop(&c, "quick1").await.expect("stop");
    p.start(&c, "quick1").await.expect("start");
    let again = wait_for(&p, &c, "quick1", DeploymentState::Running).await;
    assert_eq!(addresses(&again), addrs);
    tokio::time::sleep(DELAY * 2).await;
    for addr in &addrs {
        assert!(https_get(*addr, "/").await.1.contains("ready"));
    }
    // Deleted while provisioning: gone for good.
    p.deploy(&c, &spec("quick2", HostedKind::Cdp, 2, &svc))
        .await
        .expect("deploy");
    p.delete(&c, "quick2").await.expect("delete");
    wait_gone(&p, &c, "quick2").await;
    assert!(matches!(
        p.start(&c, "quick2").await,
        Err(CloudError::NotFound(_))
    ));
    cloud.shutdown().await;
}
