//! The console's network worker: connects through its [`SiteLink`] (which starts the embedded
//! site when that is its job), reads everything, follows the event stream, reconnects with
//! backoff and resynchronises, and runs the app's requests. It talks to the UI only through
//! channels, so the UI never waits on it.

use super::link::SiteLink;
use super::model::Snapshot;
use super::msg::{NetMsg, Request};
use crate::api::client::Client;
use crate::domain::service::Action;
use crate::domain::service::HostedKind;
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Reads everything the views show.
pub async fn snapshot(client: &Client) -> Result<Snapshot, String> {
    let e = |x: crate::api::client::ClientError| x.to_string();
    let (site, cdps, cmgs, systems, alerts, status, logs, tasks, distributions, packages) = tokio::try_join!(
        async { client.get("/v1/site").await.map_err(e) },
        async { client.get("/v1/cdps").await.map_err(e) },
        async { client.get("/v1/cmgs").await.map_err(e) },
        async { client.get("/v1/site-systems").await.map_err(e) },
        async { client.get("/v1/alerts").await.map_err(e) },
        async { client.get("/v1/status-messages?limit=500").await.map_err(e) },
        async {
            client
                .get("/v1/logs/CloudMgr.log?tail=500")
                .await
                .map_err(e)
        },
        async { client.get("/v1/tasks?limit=200").await.map_err(e) },
        // Every service's packages in one read (the Content tabs and lists), not one per service.
        async { client.get("/v1/distributions").await.map_err(e) },
        async { client.get("/v1/content").await.map_err(e) },
    )?;
    Ok(Snapshot {
        site: Some(site),
        cdps,
        cmgs,
        site_systems: systems,
        alerts,
        status,
        logs,
        tasks,
        distributions,
        packages,
    })
}

async fn call(client: &Client, req: Request) -> Result<serde_json::Value, String> {
    let e = |x: crate::api::client::ClientError| x.to_string();
    match req {
        Request::Reload => Ok(serde_json::Value::Null),
        Request::Act { kind, id, action } => {
            let base = if kind == HostedKind::Cmg {
                "cmgs"
            } else {
                "cdps"
            };
            match action {
                Action::Delete => client.delete(&format!("/v1/{base}/{id}")).await.map_err(e),
                Action::Start => client
                    .post(&format!("/v1/{base}/{id}/start"), &())
                    .await
                    .map_err(e),
                Action::Stop => client
                    .post(&format!("/v1/{base}/{id}/stop"), &())
                    .await
                    .map_err(e),
                Action::Upgrade => client
                    .post(&format!("/v1/{base}/{id}/sync"), &())
                    .await
                    .map_err(e),
            }
        }
        Request::Call { method, path, body } => match method {
            "POST" => client.post(&path, &body).await.map_err(e),
            "PUT" => client.put(&path, &body).await.map_err(e),
            "PATCH" => client.patch(&path, &body).await.map_err(e),
            "DELETE" => client.delete(&path).await.map_err(e),
            _ => client.get(&path).await.map_err(e),
        },
    }
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
                result: Ok(serde_json::Value::Null),
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
                                    Err(e) => break Err(e),
                                }
                            }
                        }
                    }
                }
                Err(e) => Err(e),
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
