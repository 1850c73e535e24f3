//! The console's network worker: connects through its [`SiteLink`] (which starts the embedded
//! site when that is its job), reads everything, follows the event stream, reconnects with
//! backoff and resynchronises, and runs the app's requests. It talks to the UI only through
//! channels, so the UI never waits on it.

use super::link::SiteLink;
use super::model::Snapshot;
use super::msg::{NetMsg, Reply, Request};
use crate::api::client::{Client, ClientError};
use crate::api::wire::{AnalyzeCmg, AnalyzerEvent};
use crate::domain::service::HostedKind;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock, mpsc};

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
    let (
        site,
        cdps,
        cmgs,
        site_systems,
        alerts,
        status,
        logs,
        tasks,
        distributions,
        packages,
        connection_points,
    ) = tokio::try_join!(
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
        client.connection_points(None),
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
        connection_points,
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
        // Called alone, an analysis answers its conclusion; the worker streams every event
        // instead (`answer`).
        Request::Analyze {
            id,
            client_certificate,
        } => {
            let req = AnalyzeCmg { client_certificate };
            let mut stream = client.analyze_cmg(&id, &req).await?;
            let mut last = None;
            while let Some(event) = stream.next().await {
                last = Some(event?);
            }
            Reply::Analyzer(last.ok_or_else(|| analysis_ended(client))?)
        }
    })
}

/// An analysis stream that ended before `Done`.
fn analysis_ended(client: &Client) -> ClientError {
    ClientError::Transport {
        url: client.base().to_string(),
        message: "the analysis ended before its last check".into(),
    }
}

/// Answers one request on the worker's channel: every event of an analysis as it comes (the
/// console shows each check as it runs), one reply for the rest.
async fn answer(client: &Client, id: u64, req: Request, tx: &mpsc::UnboundedSender<NetMsg>) {
    let Request::Analyze {
        id: cmg,
        client_certificate,
    } = req
    else {
        let result = call(client, req).await;
        let _ = tx.send(NetMsg::Reply { id, result });
        return;
    };
    let analyze = AnalyzeCmg { client_certificate };
    let mut stream = match client.analyze_cmg(&cmg, &analyze).await {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(NetMsg::Reply { id, result: Err(e) });
            return;
        }
    };
    while let Some(event) = stream.next().await {
        let done = matches!(event, Ok(AnalyzerEvent::Done { .. }) | Err(_));
        let result = event.map(Reply::Analyzer);
        if tx.send(NetMsg::Reply { id, result }).is_err() || done {
            return;
        }
    }
    let _ = tx.send(NetMsg::Reply {
        id,
        result: Err(analysis_ended(client)),
    });
}

/// The client in use: replaced when the link finds the site anew (another address, a site
/// this process now runs itself).
type Current = Arc<RwLock<Client>>;

/// Failed attempts after which the worker asks the link where the site is now, rather than
/// retrying the same address: the console that ran the embedded site may have quit (its site
/// went down, or came back on another port).
const ASK_LINK_AFTER: u32 = 2;

/// Runs the worker until the UI stops sending requests. Returns the link so the caller can
/// close it (an embedded site stops cleanly).
pub async fn run<L: SiteLink>(
    link: L,
    tx: mpsc::UnboundedSender<NetMsg>,
    mut requests: mpsc::UnboundedReceiver<(u64, Request)>,
) -> L {
    let link = Arc::new(Mutex::new(link));
    let client = loop {
        let connected = link.lock().await.connect().await;
        match connected {
            Ok(c) => break c,
            Err(e) => {
                // Nothing to reconnect to: say why and keep the UI up (the operator can quit).
                let _ = tx.send(NetMsg::Disconnected {
                    reason: e.reason,
                    attempt: 1,
                });
                tokio::time::sleep(MAX_BACKOFF).await;
                if tx.is_closed() {
                    return unwrap_link(link).await;
                }
            }
        }
    };
    let current: Current = Arc::new(RwLock::new(client));
    let (reload_tx, reload_rx) = mpsc::unbounded_channel::<()>();
    let follower = tokio::spawn(follow(
        Arc::clone(&link),
        Arc::clone(&current),
        tx.clone(),
        reload_rx,
    ));
    while let Some((id, req)) = requests.recv().await {
        if matches!(req, Request::Reload) {
            let _ = reload_tx.send(());
            let _ = tx.send(NetMsg::Reply {
                id,
                result: Ok(Reply::Reloading),
            });
            continue;
        }
        let (tx, client) = (tx.clone(), current.read().await.clone());
        tokio::spawn(async move { answer(&client, id, req, &tx).await });
    }
    follower.abort();
    let _ = follower.await;
    unwrap_link(link).await
}

/// The link back from its shared cell once no one else holds it.
async fn unwrap_link<L: SiteLink>(link: Arc<Mutex<L>>) -> L {
    let mut link = link;
    loop {
        match Arc::try_unwrap(link) {
            Ok(m) => return m.into_inner(),
            // A request still running holds no link, only the follower might: wait a moment.
            Err(again) => {
                link = again;
                tokio::task::yield_now().await;
            }
        }
    }
}

/// Keeps the model current: full read, then events; on a drop, backoff and again — and after
/// a few failures, asks the link where the site is now.
async fn follow<L: SiteLink>(
    link: Arc<Mutex<L>>,
    current: Current,
    tx: mpsc::UnboundedSender<NetMsg>,
    mut reloads: mpsc::UnboundedReceiver<()>,
) {
    let mut attempt: u32 = 0;
    let mut last_id: Option<u64> = None;
    loop {
        if tx.is_closed() {
            return;
        }
        if attempt >= ASK_LINK_AFTER {
            let found = link.lock().await.connect().await;
            if let Ok(client) = found {
                let moved = client.base() != current.read().await.base();
                *current.write().await = client;
                if moved {
                    // Another site run (another port): its event ids mean nothing here.
                    last_id = None;
                }
            }
        }
        let client = current.read().await.clone();
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
