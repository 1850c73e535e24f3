//! The step lists, and a task resumed at each step it can be interrupted at: the steps before
//! it are not repeated, the rest run, and the service ends where the task leads.

use super::runner::drive;
use super::steps::{remaining, steps};
use crate::domain::service::{HostedKind, ServiceState};
use crate::domain::task::{Step, TaskKind, TaskState};
use crate::site::credentials;
use crate::site::monitor::MonitorOptions;
use crate::site::repo::services::ServiceRecord;
use crate::site::repo::tasks::{self, TaskPayload};
use crate::site::testing::TestSite;
use std::sync::Arc;

const KINDS: [TaskKind; 5] = [
    TaskKind::Create,
    TaskKind::Upgrade,
    TaskKind::Delete,
    TaskKind::Stop,
    TaskKind::Start,
];

#[test]
fn each_kind_of_task_declares_its_steps() {
    use Step::*;
    assert_eq!(steps(TaskKind::Create), [Storage, Deploy, WaitReady]);
    assert_eq!(steps(TaskKind::Stop), [Stop, WaitStopped]);
    assert_eq!(steps(TaskKind::Start), [Start, WaitReady]);
    assert_eq!(steps(TaskKind::Upgrade), [Update, WaitReady]);
    assert_eq!(steps(TaskKind::Delete), [Delete, DeleteStorage, Forget]);
    // Every step but Done belongs to some task; Done belongs to none (it follows the last).
    for step in Step::ALL {
        let used = KINDS.iter().any(|k| steps(*k).contains(&step));
        assert_eq!(used, step != Done, "{step}");
    }
}

#[test]
fn a_task_resumes_at_the_step_it_recorded() {
    for kind in KINDS {
        let all = steps(kind);
        assert_eq!(remaining(kind, None), all, "{kind:?} not started");
        for (i, step) in all.iter().enumerate() {
            assert_eq!(
                remaining(kind, Some(*step)),
                &all[i..],
                "{kind:?} at {step}"
            );
        }
        assert!(remaining(kind, Some(Step::Done)).is_empty());
        // A step of another kind (written by another binary) starts over.
        let foreign = Step::ALL
            .into_iter()
            .find(|s| *s != Step::Done && !all.contains(s))
            .expect("a foreign step");
        assert_eq!(remaining(kind, Some(foreign)), all);
    }
}

/// The cloud call a step makes for `rec` (waits and bookkeeping make none).
fn call_of(step: Step, rec: &ServiceRecord) -> Option<String> {
    let (name, account) = (&rec.deployment_name, rec.storage_account.as_deref());
    match step {
        Step::Storage => account.map(|a| format!("create_container {a}")),
        Step::Deploy => Some(format!("deploy {name}")),
        Step::Stop => Some(format!("stop {name}")),
        Step::Start => Some(format!("start {name}")),
        Step::Update => Some(format!("update {name}")),
        Step::Delete => Some(format!("delete {name}")),
        Step::DeleteStorage => account.map(|a| format!("delete_container {a}")),
        Step::WaitReady | Step::WaitStopped | Step::Forget | Step::Done => None,
    }
}

/// Brings the cloud where it is once `step` has run (through the fake cloud's own calls).
async fn as_if_done(site: &TestSite, rec: &ServiceRecord, step: Step) {
    let caller = credentials::caller(&site.ctx, rec).await.expect("caller");
    let spec = credentials::deploy_spec(site.ctx.secrets(), rec).expect("spec");
    let cloud = site.ctx.provider();
    let (name, account) = (&rec.deployment_name, rec.storage_account.as_deref());
    match (step, account) {
        (Step::Storage, Some(a)) => cloud.create_container(&caller, a, "content").await,
        (Step::Deploy, _) => cloud.deploy(&caller, &spec).await,
        (Step::Stop, _) => cloud.stop(&caller, name).await,
        (Step::Start, _) => cloud.start(&caller, name).await,
        (Step::Update, _) => cloud.update(&caller, &spec).await,
        (Step::Delete, _) => cloud.delete(&caller, name).await,
        (Step::DeleteStorage, Some(a)) => cloud.delete_container(&caller, a, "content").await,
        _ => Ok(()),
    }
    .expect("cloud call");
}

/// Where the service and the cloud are before a task of `kind` starts.
async fn before(site: &TestSite, rec: &ServiceRecord, kind: TaskKind) {
    let earlier: &[Step] = match kind {
        TaskKind::Create => &[],
        TaskKind::Stop | TaskKind::Upgrade | TaskKind::Delete => &[Step::Storage, Step::Deploy],
        TaskKind::Start => &[Step::Storage, Step::Deploy, Step::Stop],
    };
    for step in earlier {
        as_if_done(site, rec, *step).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_interrupted_at_any_step_finishes_from_there() {
    for kind in KINDS {
        for storage in [true, false] {
            let all = steps(kind);
            for (i, step) in all.iter().enumerate() {
                let site = TestSite::new(MonitorOptions::default());
                let rec = site.add_service(HostedKind::Cdp, "cdp1", storage, ServiceState::Ready);
                before(&site, &rec, kind).await;
                for done in &all[..i] {
                    as_if_done(&site, &rec, *done).await;
                }
                site.cloud.clear_calls();
                let id = rec.id.clone();
                let task = site
                    .ctx
                    .store()
                    .with(|c| {
                        let t = tasks::insert_task(c, &id, kind, TaskPayload::default())?;
                        tasks::update_task(c, &t.id, TaskState::InProgress, Some(*step), None)
                    })
                    .expect("task")
                    .expect("task row");

                drive(Arc::clone(&site.ctx), task.id.clone()).await;

                let what = format!("{kind:?} resumed at {step} (storage: {storage})");
                let want: Vec<String> = all[i..].iter().filter_map(|s| call_of(*s, &rec)).collect();
                assert_eq!(site.cloud.calls(), want, "{what}");
                let task = site.finished(&task.id).await;
                assert_eq!(
                    (task.state, task.step, task.error.as_deref()),
                    (TaskState::Completed, Some(Step::Done), None),
                    "{what}"
                );
                let left = site.service(&rec.id).map(|r| r.state);
                let want = match kind {
                    TaskKind::Delete => None,
                    TaskKind::Stop => Some(ServiceState::Stopped),
                    _ => Some(ServiceState::Ready),
                };
                assert_eq!(left, want, "{what}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_task_runs_every_step_and_records_each_before_it_runs() {
    let site = TestSite::new(MonitorOptions::default());
    let (_, task) = fresh_create(&site);
    let mut events = site.ctx.bus().subscribe(None).live;
    drive(Arc::clone(&site.ctx), task.id.clone()).await;
    assert_eq!(
        site.cloud.calls(),
        ["create_container cmg1sa", "deploy cmg1"]
    );
    let mut reached = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let crate::api::wire::Event::Task(t) = e.event
            && t.id == task.id
        {
            reached.extend(t.step);
        }
    }
    reached.dedup();
    assert_eq!(
        reached,
        [Step::Storage, Step::Deploy, Step::WaitReady, Step::Done]
    );
}

/// A fresh create on `site`'s CMG `cmg1`: the service and its task.
fn fresh_create(site: &TestSite) -> (ServiceRecord, tasks::TaskRecord) {
    let rec = site.add_service(HostedKind::Cmg, "cmg1", true, ServiceState::Provisioning);
    let id = rec.id.clone();
    let task = site
        .ctx
        .store()
        .with(|c| tasks::insert_task(c, &id, TaskKind::Create, TaskPayload::default()))
        .expect("task");
    (rec, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_managers_racing_for_one_task_run_it_once() {
    for _ in 0..20 {
        let site = TestSite::new(MonitorOptions::default());
        let other = site.other_manager(1);
        let (rec, task) = fresh_create(&site);
        tokio::join!(
            drive(Arc::clone(&site.ctx), task.id.clone()),
            drive(other, task.id.clone())
        );
        assert_eq!(
            site.cloud.calls(),
            ["create_container cmg1sa", "deploy cmg1"],
            "every cloud call made once"
        );
        let done = site.finished(&task.id).await;
        assert_eq!((done.state, done.error), (TaskState::Completed, None));
        assert_eq!(site.tasks(&rec.id).len(), 1, "one task record");
        assert_eq!(
            site.service(&rec.id).map(|r| r.state),
            Some(ServiceState::Ready)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_lease_takes_a_task_over_and_the_old_manager_changes_nothing_more() {
    let site = TestSite::new(MonitorOptions::default());
    let (rec, task) = fresh_create(&site);
    let old = site.ctx.replica().owner();
    let newer = site.other_manager(2);
    let store = site.ctx.store();
    let tid = task.id.clone();
    // The old manager had taken the task and recorded its first step, then lost the lease.
    let (o, t) = (old.clone(), tid.clone());
    store
        .with(|c| {
            assert!(tasks::claim_task(c, &t, &o)?);
            tasks::update_owned_task(c, &t, &o, TaskState::InProgress, Some(Step::Storage), None)
        })
        .expect("the old manager's step")
        .expect("it held the task");
    // An equal lease cannot take it; a newer one can, and finishes it.
    let same = crate::site::repo::tasks::TaskOwner {
        id: "another".into(),
        epoch: old.epoch,
    };
    assert!(
        !store
            .with(|c| tasks::claim_task(c, &tid, &same))
            .expect("claim")
    );
    drive(Arc::clone(&newer), tid.clone()).await;
    let done = site.finished(&tid).await;
    assert_eq!(done.state, TaskState::Completed);
    // The old manager's next step is refused and leaves the task as it is.
    let refused = store
        .with(|c| {
            tasks::update_owned_task(
                c,
                &tid,
                &old,
                TaskState::Failed,
                Some(Step::Deploy),
                Some("late"),
            )
        })
        .expect("update");
    assert!(
        refused.is_none(),
        "the old manager no longer holds the task"
    );
    // And driving it again under the old lease does nothing.
    site.cloud.clear_calls();
    drive(Arc::clone(&site.ctx), tid.clone()).await;
    assert!(site.cloud.calls().is_empty());
    let after = site.finished(&tid).await;
    assert_eq!((after.state, after.error), (TaskState::Completed, None));
    assert_eq!(
        site.service(&rec.id).map(|r| r.state),
        Some(ServiceState::Ready)
    );
}
