//! One instance's channel, kept up: dial (TCP-TLS, else the HTTPS fallback), serve the channel
//! until it closes, dial again; back off while the instance cannot be reached. Every change of
//! the channel's state goes to the site at once (the reporter sends it).

use super::dial::{self, Target};
use super::relay;
use super::shared::Shared;
use crate::api::wire::ChannelView;
use crate::domain::cmg::{ChannelState, Transport};
use crate::domain::task::Level;
use crate::gateway::channel;
use std::sync::Arc;

fn view(
    instance: &str,
    state: ChannelState,
    transport: Option<Transport>,
    via_proxy: bool,
    reason: Option<String>,
) -> ChannelView {
    ChannelView {
        instance: instance.to_string(),
        state,
        transport,
        via_proxy,
        reason,
    }
}

/// Keeps the channel to `instance` up until the connection point stops (or the task is
/// aborted because the instance moved or went away).
pub(super) async fn run(shared: Arc<Shared>, instance: String, target: Arc<Target>) {
    let min = shared.opts.backoff_min;
    let mut delay = min;
    let mut logged: Option<String> = None;
    loop {
        let conn = shared.next_connection();
        let dialled = tokio::select! {
            d = dial::dial(&target, conn) => d,
            _ = shared.stopped() => return,
        };
        match dialled {
            Ok(d) => {
                delay = min;
                // Why TCP-TLS did not do, before the fallback that did.
                if logged.as_deref() != Some(d.lines.join("\n").as_str()) {
                    for line in &d.lines {
                        shared.log.line(Level::Warning, line);
                    }
                }
                logged = Some(d.lines.join("\n"));
                let through = if d.via_proxy {
                    target
                        .proxy
                        .as_ref()
                        .map(|p| format!(" through proxy {}", p.url))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                let kind = match d.transport {
                    Transport::TcpTls => "Tcp",
                    Transport::Https => "Http",
                };
                shared.log.line(
                    Level::Info,
                    &format!(
                        "Built {kind} connection {conn} with server {} ({}) for instance {instance}{through}",
                        target.fqdn, d.server
                    ),
                );
                let (transport, via_proxy) = (d.transport, d.via_proxy);
                shared.set_channel(view(
                    &instance,
                    ChannelState::Connected,
                    Some(transport),
                    via_proxy,
                    None,
                ));
                let service = relay::service(Arc::clone(&shared));
                let why = tokio::select! {
                    r = channel::serve(d.io, service) => match r {
                        Ok(()) => "the instance closed it".to_string(),
                        Err(e) => e.to_string(),
                    },
                    _ = shared.stopped() => return,
                };
                shared.log.line(
                    Level::Warning,
                    &format!(
                        "Connection {conn} with server {} ({}) for instance {instance} is disconnected: {why}",
                        target.fqdn, d.server
                    ),
                );
                shared.set_channel(view(
                    &instance,
                    ChannelState::Disconnected,
                    Some(transport),
                    via_proxy,
                    Some(format!("the channel closed ({why}); reconnecting")),
                ));
                // The instance may have moved (restarted elsewhere, the CMG stopped): read the
                // configuration again while redialling.
                shared.reconfigure.notify_one();
            }
            Err(f) => {
                // Each new reason is logged once, not on every retry.
                if logged.as_deref() != Some(f.reason.as_str()) {
                    let level = if f.state == ChannelState::Error {
                        Level::Error
                    } else {
                        Level::Warning
                    };
                    for line in &f.lines {
                        shared.log.line(level, line);
                    }
                    logged = Some(f.reason.clone());
                }
                shared.set_channel(view(
                    &instance,
                    f.state,
                    f.transport,
                    f.via_proxy,
                    Some(f.reason),
                ));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shared.stopped() => return,
        }
        delay = (delay * 2).min(shared.opts.backoff_max);
    }
}
