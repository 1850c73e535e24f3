//! The connection points the site service runs itself: one for each connection point on the
//! site server that is not marked as run elsewhere, started at site start and when one is
//! added, stopped when its CMG is deleted and when the site stops. Each is the same connector
//! a standalone `cloudsite connection-point run` is (`gateway::connector`), talking to this
//! site over its own API on loopback with a token the site keeps for them. Its lines go to
//! the site's `SMS_Cloud_ProxyConnector.log`.

use super::context::SiteContext;
use super::ops::{access, connection_points};
use crate::api::client::Client;
use crate::api::wire::Event;
use crate::domain::task::Level;
use crate::gateway::connector::{COMPONENT, Connector, ConnectorLog, LOG_FILE, LocalSite, Options};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// The site's log writer, as a connector's log.
struct SiteLog(Arc<SiteContext>);

impl ConnectorLog for SiteLog {
    fn line(&self, level: Level, text: &str) {
        self.0.log_as(LOG_FILE, COMPONENT, level, text);
    }
}

/// The running host of the site's own connection points.
pub(crate) struct CpHost {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl CpHost {
    /// Stops every connection point it runs (each tells the site its channels closed).
    pub(crate) async fn stop(mut self) {
        self.stop.send_replace(true);
        let _ = (&mut self.task).await;
    }
}

impl Drop for CpHost {
    fn drop(&mut self) {
        // Dropped without `stop` (a site handle dropped in a test): its connection points
        // still end, each on its own.
        self.stop.send_replace(true);
    }
}

/// Starts the host: `url` is where the site's API answers on loopback, and `api` the API
/// itself, which the connection points hand client requests to in this process.
pub(crate) fn start(ctx: Arc<SiteContext>, url: String, api: axum::Router) -> CpHost {
    let (stop, mut stopped) = watch::channel(false);
    // Subscribed before the first look at the rows, so no addition falls between the two.
    let mut events = ctx.bus().subscribe(None).live;
    let task = tokio::spawn(async move {
        let mut host = Host {
            ctx,
            url,
            api,
            client: None,
            running: HashMap::new(),
        };
        host.sync().await;
        loop {
            tokio::select! {
                _ = async { stopped.wait_for(|s| *s).await.map(|_| ()) } => break,
                ev = events.recv() => match ev {
                    Ok(ev) => match ev.event {
                        Event::ConnectionPoint(cp) if !cp.external && !host.running.contains_key(&cp.id) => {
                            host.sync().await
                        }
                        Event::ServiceDeleted(_) => host.sync().await,
                        _ => {}
                    },
                    Err(broadcast::error::RecvError::Lagged(_)) => host.sync().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        for (_, c) in host.running.drain() {
            c.stop().await;
        }
    });
    CpHost { stop, task }
}

struct Host {
    ctx: Arc<SiteContext>,
    url: String,
    api: axum::Router,
    client: Option<(Client, String)>,
    running: HashMap<String, Connector>,
}

impl Host {
    /// Runs exactly the site service's own connection points.
    async fn sync(&mut self) {
        let rows = match connection_points::rows_of(&self.ctx, None).await {
            Ok(r) => r,
            Err(e) => {
                let text = format!("Cannot read the connection points to run: {e}");
                self.ctx.log_as(LOG_FILE, COMPONENT, Level::Error, &text);
                return;
            }
        };
        let mine: Vec<String> = rows
            .iter()
            .filter(|r| !r.external)
            .map(|r| r.id.clone())
            .collect();
        let gone: Vec<String> = self
            .running
            .keys()
            .filter(|id| !mine.contains(id))
            .cloned()
            .collect();
        for id in gone {
            if let Some(c) = self.running.remove(&id) {
                c.stop().await;
            }
            self.ctx.live().forget(&id);
        }
        for id in mine {
            if self.running.contains_key(&id) {
                continue;
            }
            let Some((client, token)) = self.client().await else {
                return;
            };
            let log = Arc::new(SiteLog(Arc::clone(&self.ctx)));
            let opts = Options {
                local_site: Some(LocalSite {
                    api: self.api.clone(),
                    token,
                }),
                ..Options::default()
            };
            let c = Connector::start(client, &id, log, opts);
            self.running.insert(id, c);
        }
    }

    /// The client the connection points use and its token (the site's own), made on first
    /// need.
    async fn client(&mut self) -> Option<(Client, String)> {
        if let Some(c) = &self.client {
            return Some(c.clone());
        }
        let made = match access::service_token(&self.ctx).await {
            Ok(token) => Client::new(&self.url, &token, None)
                .map(|c| (c, token))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match made {
            Ok(c) => {
                self.client = Some(c.clone());
                Some(c)
            }
            Err(e) => {
                let text = format!("Cannot start the site's connection points: {e}");
                self.ctx.log_as(LOG_FILE, COMPONENT, Level::Error, &text);
                None
            }
        }
    }
}
