//! The console's network worker: connects through its [`SiteLink`] (which starts the embedded
//! site when that is its job), reads everything, follows the event stream, reconnects with
//! backoff and resynchronises, and runs the app's requests. It talks to the UI only through
//! channels, so the UI never waits on it.

use super::link::SiteLink;
use super::model::Snapshot;
use super::msg::{NetMsg, Reply, Request};
use crate::api::client::{Client, ClientError};
use crate::domain::service::HostedKind;
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Status messages a full read brings.
const STATUS_READ: u32 = 500;
/// Tasks a full read brings.
const TASKS_READ: u32 = 200;
/// CloudMgr.log lines a full read brings.
const LOG_READ: usize = 500;

/// Reads everything the views show.
pub async fn snapshot(client: &Client) -> Result<Snapshot, ClientError> {
    let (site, cdps, cmgs, site_systems, alerts, status, logs, tasks, distributions, packages) = tokio::try_join!(
        client.site(),
        client.services(HostedKind::Cdp),
        client.services(HostedKind::Cmg),
        client.site_systems(),
        client.alerts(),
        client.status_messages(None, Some(STATUS_READ)),
        client.log("CloudMgr.log", Some(LOG_READ)),
        client.tasks(None, Some(TASKS_READ)),
        // Every service's packages in one read (the Content tabs and lists), not one per service.
        client.distributions(None),
        client.packages(),
    )?;
    Ok(Snapshot {
        site: Some(site),
        cdps,
        cmgs,
        site_systems,
        alerts,
        status,
        logs,
        tasks,
        distributions,
        packages,
    })
}

/// Runs one request: the client operation it names.
pub async fn call(client: &Client, req: Request) -> Result<Reply, ClientError> {
    Ok(match req {
        // The worker hands reloads to the follower; there is no call to make.
        Request::Reload => Reply::Reloading,
        Request::Act { kind, id, action } => Reply::Accepted(client.act(kind, &id, action).await?),
        Request::ValidateSubscription(input) => {
            Reply::Checked(client.validate_subscription(&input).await?)
        }
        Request::CreateCdp(req) => Reply::Accepted(client.create_cdp(&req).await?),
        Request::CreateCmg(req) => Reply::Accepted(client.create_cmg(&req).await?),
        Request::SetService { kind, id, set } => {
            Reply::Updated(client.set_service(kind, &id, &set).await?)
        }
        Request::SetProxy { system, set } => Reply::Proxy(client.set_proxy(&system, &set).await?),
        Request::Alert { id, action } => Reply::Alert(client.alert_action(&id, &action).await?),
        Request::Distribution {
            package,
            what,
            targets,
        } => Reply::Package(client.distribution(&package, what, &targets).await?),
    })
}

/// Runs the worker until the UI stops sending requests. Returns the link so the caller can
/// close it (an embedded site stops cleanly).
pub async fn run<L: SiteLink>(
    mut link: L,
    tx: mpsc::UnboundedSender<NetMsg>,
    mut requests: mpsc::UnboundedReceiver<(u64, Request)>,
) -> L {
    let client = loop {
        match link.connect().await {
            Ok(c) => break c,
            Err(e) => {
                // Nothing to reconnect to: say why and keep the UI up (the operator can quit).
                let _ = tx.send(NetMsg::Disconnected {
                    reason: e.reason,
                    attempt: 1,
                });
                tokio::time::sleep(MAX_BACKOFF).await;
                if tx.is_closed() {
                    return link;
                }
            }
        }
    };
    let reloads = {
        let (reload_tx, reload_rx) = mpsc::unbounded_channel::<()>();
        let (tx2, client2) = (tx.clone(), client.clone());
        tokio::spawn(follow(client2, tx2, reload_rx));
        reload_tx
    };
    while let Some((id, req)) = requests.recv().await {
        if matches!(req, Request::Reload) {
            let _ = reloads.send(());
            let _ = tx.send(NetMsg::Reply {
                id,
                result: Ok(Reply::Reloading),
            });
            continue;
        }
        let (tx, client) = (tx.clone(), client.clone());
        tokio::spawn(async move {
            let result = call(&client, req).await;
            let _ = tx.send(NetMsg::Reply { id, result });
        });
    }
    link
}

/// Keeps the model current: full read, then events; on a drop, backoff and again.
async fn follow(
    client: Client,
    tx: mpsc::UnboundedSender<NetMsg>,
    mut reloads: mpsc::UnboundedReceiver<()>,
) {
    let mut attempt: u32 = 0;
    let mut last_id: Option<u64> = None;
    loop {
        if tx.is_closed() {
            return;
        }
        // Subscribe first, then read: nothing between the two is lost.
        let stream = client.events(last_id).await;
        let result: Result<(), String> = match stream {
            Ok(mut events) => match snapshot(&client).await {
                Ok(s) => {
                    attempt = 0;
                    let _ = tx.send(NetMsg::Connected);
                    let _ = tx.send(NetMsg::Snapshot(Box::new(s)));
                    loop {
                        tokio::select! {
                            ev = events.next() => match ev {
                                Some(Ok(ev)) => {
                                    if ev.id > 0 { last_id = Some(ev.id); }
                                    if tx.send(NetMsg::Event(ev)).is_err() { return; }
                                }
                                Some(Err(e)) => break Err(e.to_string()),
                                None => break Err("the site closed the event stream".to_string()),
                            },
                            r = reloads.recv() => {
                                if r.is_none() { return; }
                                match snapshot(&client).await {
                                    Ok(s) => { let _ = tx.send(NetMsg::Snapshot(Box::new(s))); }
                                    Err(e) => break Err(e.to_string()),
                                }
                            }
                        }
                    }
                }
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        if let Err(reason) = result {
            attempt += 1;
            let _ = tx.send(NetMsg::Disconnected { reason, attempt });
            let backoff =
                Duration::from_millis(250 * 2u64.saturating_pow(attempt.min(6))).min(MAX_BACKOFF);
            tokio::time::sleep(backoff).await;
        }
    }
}
