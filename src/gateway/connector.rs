//! The CMG connection point: it reads its channel configuration from the site, dials out to
//! every instance of its CMG (TCP-TLS, else the HTTPS fallback through the site system's proxy)
//! and serves each channel: client requests relayed to the site's management point and
//! software update point, client notification channels answered from one subscription to the
//! site. It reports every channel's state to the site as it changes, and holds a presence
//! request open so the site sees it die. It uses only the site's API: the site service runs
//! its own connection points with this same code over loopback, and `cloudsite
//! connection-point run` runs one anywhere else.

mod dial;
mod link;
mod pin;
mod relay;
mod shared;
mod site_link;

pub use shared::{COMPONENT, ConnectorLog, LOG_FILE, LocalSite, Options};

use crate::api::client::Client;
use crate::api::wire::{ChannelConfig, ChannelInstance, ChannelView};
use crate::domain::cmg::ChannelState;
use crate::domain::task::Level;
use dial::Target;
use shared::{Shared, lock};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running connection point.
pub struct Connector {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Connector {
    /// Starts connection point `id` of the site `client` reaches (with a Full or
    /// Infrastructure Administrator token).
    pub fn start(client: Client, id: &str, log: Arc<dyn ConnectorLog>, opts: Options) -> Self {
        crate::tls::install_crypto_provider();
        let (stop, _) = watch::channel(false);
        let shared = Arc::new(Shared::new(client, id, log, opts, stop));
        let task = tokio::spawn(supervise(Arc::clone(&shared)));
        Connector { shared, task }
    }

    /// Its channels as it last saw them.
    pub fn channels(&self) -> Vec<ChannelView> {
        self.shared.channels()
    }

    /// Resolves when it ended by itself (the site no longer knows it).
    pub async fn finished(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// Stops it: every channel closes and the site hears they are Disconnected.
    pub async fn stop(mut self) {
        self.shared.stop.send_replace(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        // Its tasks end by themselves once told; dropping it without `stop` must not leave a
        // connection point running unseen.
        self.shared.stop.send_replace(true);
    }
}

/// One instance's running link and what it was started with.
struct Running {
    key: String,
    task: JoinHandle<()>,
}

/// Reads the configuration, keeps one link per serving instance, and on stop tells the site.
async fn supervise(shared: Arc<Shared>) {
    let side = [
        tokio::spawn(site_link::feed(Arc::clone(&shared))),
        tokio::spawn(site_link::presence(Arc::clone(&shared))),
        tokio::spawn(site_link::reporter(Arc::clone(&shared))),
    ];
    shared.log.line(
        Level::Info,
        &format!(
            "Connection point {} starting (site {})",
            shared.id,
            shared.client.base()
        ),
    );
    let mut links: HashMap<String, Running> = HashMap::new();
    let mut delay = shared.opts.backoff_min;
    let mut last_summary = String::new();
    loop {
        let wait = match shared.client.channel_config(&shared.id).await {
            Ok(cfg) => {
                delay = shared.opts.backoff_min;
                let summary = reconcile(&shared, &cfg, &mut links);
                if summary != last_summary {
                    shared.log.line(Level::Info, &summary);
                    last_summary = summary;
                }
                shared.opts.refresh
            }
            Err(e) if e.status() == Some(404) => {
                shared.log.line(
                    Level::Warning,
                    &format!(
                        "The site no longer knows connection point {}: stopping",
                        shared.id
                    ),
                );
                break;
            }
            Err(e) => {
                // ConfigMgr's connector says this when it has no certificate to connect with.
                let text = format!(
                    "missing role certificate. reload in next cycle (the channel configuration could not be read: {e})"
                );
                if text != last_summary {
                    shared.log.line(Level::Error, &text);
                    last_summary = text;
                }
                delay = (delay * 2).min(shared.opts.backoff_max);
                delay
            }
        };
        tokio::select! {
            _ = shared.reconfigure.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shared.stopped() => break,
        }
    }
    shared.stop.send_replace(true);
    for (_, run) in links.drain() {
        run.task.abort();
    }
    let mut channels = shared.channels();
    for c in &mut channels {
        c.state = ChannelState::Disconnected;
        c.reason = Some("the connection point stopped".into());
    }
    let report = crate::api::wire::ConnectionPointReport { channels };
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        shared.client.report_channels(&shared.id, &report),
    )
    .await;
    for t in side {
        t.abort();
    }
    shared.log.line(
        Level::Info,
        &format!("Connection point {} stopped", shared.id),
    );
}

/// Starts, keeps or stops each instance's link to match the configuration; answers a line
/// that sums it up for the log.
fn reconcile(
    shared: &Arc<Shared>,
    cfg: &ChannelConfig,
    links: &mut HashMap<String, Running>,
) -> String {
    {
        let mut cmg = lock(&shared.cmg);
        if cmg.as_ref().is_none_or(|(id, _)| *id != cfg.cmg_id) {
            *cmg = Some((cfg.cmg_id.clone(), String::new()));
        }
    }
    // Checked once here, so a certificate the site issued that cannot be used is one error for
    // every instance rather than a failure in every link.
    let usable = pin::client_config(
        &cfg.certificate_pem,
        &cfg.key_pem,
        Arc::new(pin::Pinned::new(&cfg.service_thumbprint)),
        &[],
    );
    let names: Vec<String> = cfg.instances.iter().map(|i| i.id.clone()).collect();
    links.retain(|id, run| {
        let keep = names.contains(id);
        if !keep {
            run.task.abort();
        }
        keep
    });
    shared.keep_channels(&names);
    if let Err(e) = usable {
        let why = format!("the certificate the site issued cannot be used: {e}");
        for (_, run) in links.drain() {
            run.task.abort();
        }
        for i in &cfg.instances {
            shared.set_channel(ChannelView {
                instance: i.id.clone(),
                state: ChannelState::Error,
                transport: None,
                via_proxy: false,
                reason: Some(why.clone()),
            });
        }
        return format!("ERROR: {why}");
    }
    let mut serving = 0;
    for i in &cfg.instances {
        if i.channel.is_none() && i.fallback.is_none() {
            if let Some(run) = links.remove(&i.id) {
                run.task.abort();
            }
            shared.set_channel(ChannelView {
                instance: i.id.clone(),
                state: ChannelState::Disconnected,
                transport: None,
                via_proxy: false,
                reason: Some(format!(
                    "the instance is not serving (the CMG is {})",
                    cfg.cmg_state.as_str()
                )),
            });
            continue;
        }
        serving += 1;
        // Everything a link was started with: a change of any of it starts it again.
        // (Secrets are kept as hashes: the key outlives this call.)
        let secrets = format!(
            "{}{:?}",
            cfg.key_pem,
            cfg.proxy.as_ref().map(|p| &p.password)
        );
        let key = format!(
            "{:?} {:?} {} {} {} {} {:?}",
            i.channel,
            i.fallback,
            cfg.cmg_fqdn,
            cfg.service_thumbprint,
            cfg.certificate_pem,
            crate::tls::sha1_thumbprint(secrets.as_bytes()),
            cfg.proxy.as_ref().map(|p| (&p.url, &p.account)),
        );
        if links
            .get(&i.id)
            .is_some_and(|r| r.key == key && !r.task.is_finished())
        {
            continue;
        }
        if let Some(old) = links.remove(&i.id) {
            old.task.abort();
        }
        let Some(target) = target(shared, cfg, i) else {
            continue;
        };
        let task = tokio::spawn(link::run(
            Arc::clone(shared),
            i.id.clone(),
            Arc::new(target),
        ));
        links.insert(i.id.clone(), Running { key, task });
    }
    format!(
        "Configuration of {} for {} ({}): {} instance(s), {serving} serving{}",
        cfg.name,
        cfg.cmg_fqdn,
        cfg.cmg_state.as_str(),
        cfg.instances.len(),
        cfg.proxy
            .as_ref()
            .map(|p| format!(", proxy {} for the HTTPS fallback", p.url))
            .unwrap_or_default()
    )
}

/// How one link reaches its instance. Each link has its own pin, so the certificate one
/// instance presented is never reported for another.
fn target(shared: &Shared, cfg: &ChannelConfig, i: &ChannelInstance) -> Option<Target> {
    let pin = Arc::new(pin::Pinned::new(&cfg.service_thumbprint));
    let tls = |alpn: &[&[u8]]| {
        pin::client_config(&cfg.certificate_pem, &cfg.key_pem, Arc::clone(&pin), alpn).ok()
    };
    Some(Target {
        fqdn: cfg.cmg_fqdn.clone(),
        channel: i.channel.clone(),
        fallback: i.fallback.clone(),
        proxy: cfg.proxy.clone(),
        direct_tls: tls(&[])?,
        fallback_tls: tls(&[b"http/1.1"])?,
        pin: Arc::clone(&pin),
        timeout: shared.opts.connect_timeout,
    })
}
