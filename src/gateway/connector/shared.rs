//! What the connection point's tasks share: the site client, the log, the channels' states
//! (the reporter sends them), the notification fan-out to held clients, and the stop signal.

use crate::api::client::Client;
use crate::api::wire::{ChannelView, ClientNotificationView, ServiceView};
use crate::domain::task::Level;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};

/// The connection point's log (ConfigMgr's name, on the connection point's server).
pub const LOG_FILE: &str = "SMS_Cloud_ProxyConnector.log";
/// The component its lines carry.
pub const COMPONENT: &str = "SMS_CLOUD_PROXYCONNECTOR";

/// Where the connection point's log lines go (the site's CMTrace writer for a connection point
/// the site runs; the command's own writer for a standalone one).
pub trait ConnectorLog: Send + Sync {
    /// Writes one line of [`LOG_FILE`].
    fn line(&self, level: Level, text: &str);
}

/// The site's API answering in this process, with the token the connection point uses: a
/// connection point the site runs itself hands client requests straight to it instead of
/// over a loopback HTTP connection (one TCP hop, an HTTP client and an HTTP server fewer).
#[derive(Clone)]
pub struct LocalSite {
    /// The site's API.
    pub api: axum::Router,
    /// The connection point's token.
    pub token: String,
}

impl std::fmt::Debug for LocalSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.write_str("LocalSite(..)")
    }
}

/// How fast a connection point retries and refreshes, and where it relays client requests.
#[derive(Debug, Clone)]
pub struct Options {
    /// First wait after a failed attempt (doubling up to `backoff_max`).
    pub backoff_min: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// How long one step of a connection (connect, TLS, proxy, upgrade) may take.
    pub connect_timeout: Duration,
    /// How often the channel configuration is read even when nothing announced a change.
    pub refresh: Duration,
    /// The site's API in this process, when the site runs the connection point itself;
    /// `None`: client requests go to the site over HTTP like every other call.
    pub local_site: Option<LocalSite>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            refresh: Duration::from_secs(60),
            local_site: None,
        }
    }
}

/// Notifications kept for held clients that are slow to take them.
const NOTICE_BACKLOG: usize = 256;

/// What the connection point's tasks share.
pub(super) struct Shared {
    /// The site.
    pub(super) client: Client,
    /// The connection point's id.
    pub(super) id: String,
    /// Its log.
    pub(super) log: Arc<dyn ConnectorLog>,
    /// Its timing.
    pub(super) opts: Options,
    /// Client notifications, to every held client.
    pub(super) notices: broadcast::Sender<ClientNotificationView>,
    channels: Mutex<BTreeMap<String, ChannelView>>,
    /// The channels changed: the reporter sends them.
    pub(super) changed: Notify,
    /// Send the whole report even if it was sent (the site may have forgotten it).
    report_all: AtomicBool,
    /// Read the channel configuration again.
    pub(super) reconfigure: Notify,
    /// Set when it stops.
    pub(super) stop: watch::Sender<bool>,
    connections: AtomicU64,
    /// The CMG as last seen in an event: its id, status and instances.
    pub(super) cmg: Mutex<Option<(String, String)>>,
}

/// Locks a mutex, whatever a panicking holder left.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves data that is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// The shared state of a new connection point.
    pub(super) fn new(
        client: Client,
        id: &str,
        log: Arc<dyn ConnectorLog>,
        opts: Options,
        stop: watch::Sender<bool>,
    ) -> Shared {
        Shared {
            client,
            id: id.to_string(),
            log,
            opts,
            notices: broadcast::channel(NOTICE_BACKLOG).0,
            channels: Mutex::new(BTreeMap::new()),
            changed: Notify::new(),
            report_all: AtomicBool::new(false),
            reconfigure: Notify::new(),
            stop,
            connections: AtomicU64::new(0),
            cmg: Mutex::new(None),
        }
    }

    /// Resolves once the connection point is stopping.
    pub(super) fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut rx = self.stop.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }

    pub(super) fn next_connection(&self) -> u64 {
        1 + self.connections.fetch_add(1, Ordering::Relaxed)
    }

    /// Records a channel's state; the site hears of a change at once.
    pub(super) fn set_channel(&self, view: ChannelView) {
        let mut map = lock(&self.channels);
        if map.get(&view.instance) != Some(&view) {
            map.insert(view.instance.clone(), view);
            drop(map);
            self.changed.notify_one();
        }
    }

    /// Forgets the channels of instances the CMG no longer has.
    pub(super) fn keep_channels(&self, instances: &[String]) {
        let mut map = lock(&self.channels);
        let before = map.len();
        map.retain(|k, _| instances.contains(k));
        if map.len() != before {
            drop(map);
            self.changed.notify_one();
        }
    }

    pub(super) fn channels(&self) -> Vec<ChannelView> {
        lock(&self.channels).values().cloned().collect()
    }

    /// Sends the whole report at the next chance.
    pub(super) fn report_all(&self) {
        self.report_all.store(true, Ordering::SeqCst);
        self.changed.notify_one();
    }

    /// Sends the whole report when the reporter next tries (it retries on its own).
    pub(super) fn report_all_later(&self) {
        self.report_all.store(true, Ordering::SeqCst);
    }

    pub(super) fn take_report_all(&self) -> bool {
        self.report_all.swap(false, Ordering::SeqCst)
    }

    pub(super) fn is_cmg(&self, id: &str) -> bool {
        lock(&self.cmg).as_ref().is_some_and(|(c, _)| c == id)
    }

    /// Whether an event about a service is news for the channels: this CMG's state or
    /// instances changed (its gateway figures change all the time and are no news).
    pub(super) fn cmg_changed(&self, s: &ServiceView) -> bool {
        let mut seen = lock(&self.cmg);
        let Some((id, last)) = seen.as_mut() else {
            return false;
        };
        if *id != s.id {
            return false;
        }
        let now = format!("{:?} {:?}", s.status, s.instances);
        if *last == now {
            return false;
        }
        *last = now;
        true
    }
}
