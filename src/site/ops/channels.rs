//! A connection point's side of its channels, as the site sees it: the configuration it reads
//! to open them, the reports of their state, and its presence. A connection point is present
//! for as long as it holds its presence request open; when the request ends (its process died,
//! its host went away) every channel it reported turns Disconnected at once, so a killed
//! connection point shows as Disconnected within moments instead of after a lease runs out.

use super::connection_points::{row, view};
use super::error::{OpError, OpResult};
use crate::api::wire::{
    ChannelConfig, ChannelInstance, ChannelProxy, ConnectionPointReport, ConnectionPointView, Event,
};
use crate::domain::cmg::{self, ChannelState, connection_point_name};
use crate::domain::task::{Level, message};
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::live::PointState;
use crate::site::repo::connection_points::ConnectionPointRow;
use crate::site::repo::services;
use crate::site::repo::site::system_proxy;
use crate::site::store::now_millis;
use crate::site::{cp_certs, credentials};
use std::sync::Arc;

/// What connection point `id` needs to open its channels: the CMG's instances as the cloud
/// reports them now, the service certificate to pin, its own certificate and key (issued now if
/// it has none or it nears its end), and its site system's proxy for the HTTPS fallback.
pub(crate) async fn config(ctx: &SiteContext, id: &str) -> OpResult<ChannelConfig> {
    let cp = row(ctx, id).await?;
    let (secrets, for_tx) = (ctx.secrets().clone(), cp.clone());
    let (rec, (cert_pem, key_pem), proxy) = ctx
        .store()
        .call_transaction(move |tx| {
            let rec = services::get_service(tx, &for_tx.cmg_id)?
                .ok_or_else(|| OpError::not_found("the connection point's CMG"))?;
            let cert = cp_certs::ensure_certificate(tx, &secrets, &for_tx)
                .map_err(|e| OpError::internal("issuing the connection point's certificate", e))?;
            let proxy = system_proxy(tx, &secrets, &for_tx.site_system)?;
            Ok::<_, OpError>((rec, cert, proxy))
        })
        .await?;
    let caller = credentials::caller(ctx, &rec).await?;
    // The cloud is asked now: the addresses move when instances restart or their count changes.
    let instances = match ctx.provider().status(&caller, &rec.deployment_name).await {
        Ok(Some(status)) => status
            .instances
            .iter()
            .map(|i| ChannelInstance {
                id: i.id.clone(),
                channel: i.channel.map(|a| a.to_string()),
                fallback: i.fallback.map(|a| a.to_string()),
            })
            .collect(),
        Ok(None) => Vec::new(),
        Err(e) => {
            return Err(OpError::Conflict(format!(
                "the cloud cannot tell where the instances of {} are now: {e}",
                rec.service_fqdn
            )));
        }
    };
    Ok(ChannelConfig {
        connection_point_id: cp.id.clone(),
        name: connection_point_name(&cp.id),
        external: cp.external,
        cmg_id: rec.id.clone(),
        cmg_fqdn: rec.service_fqdn.clone(),
        cmg_state: rec.state,
        service_thumbprint: rec.cert_thumbprint.clone(),
        instances,
        certificate_pem: cert_pem,
        key_pem,
        proxy: proxy.map(|p| {
            let (account, password) = match p.credentials {
                Some((a, pw)) => (Some(a), Some(pw).filter(|pw| !pw.is_empty())),
                None => (None, None),
            };
            ChannelProxy {
                url: p.url,
                account,
                password: password.map(Into::into),
            }
        }),
    })
}

/// Records connection point `id`'s report of its channels; publishes the connection point when
/// anything changed, with a status message when it connected, lost its last channel, or a
/// channel was refused.
pub(crate) async fn report(
    ctx: &SiteContext,
    id: &str,
    report: ConnectionPointReport,
) -> OpResult<ConnectionPointView> {
    cmg::check_channel_count(report.channels.len())?;
    for c in &report.channels {
        cmg::check_channel(
            &c.instance,
            c.transport,
            c.via_proxy,
            c.state,
            c.reason.as_deref(),
        )?;
    }
    let cp = row(ctx, id).await?;
    let (before, after) = ctx.live().report(&cp.id, report.channels, now_millis());
    Ok(announce(ctx, &cp, &before, &after).await)
}

/// Publishes a connection point whose state changed, with the status message of its new
/// overall state; answers its view.
async fn announce(
    ctx: &SiteContext,
    cp: &ConnectionPointRow,
    before: &PointState,
    after: &PointState,
) -> ConnectionPointView {
    let v = view(ctx, cp);
    if before.channels == after.channels && before.state == after.state {
        return v;
    }
    ctx.bus().publish(Event::ConnectionPoint(v.clone()));
    if before.state != after.state {
        let who = format!(
            "The CMG connection point {} on {} ({})",
            v.name, cp.site_system, cp.cmg_name
        );
        let (id, level, text) = match after.state {
            ChannelState::Connected => {
                let how: Vec<String> = after
                    .channels
                    .iter()
                    .filter(|c| c.state == ChannelState::Connected)
                    .map(|c| {
                        let t = c.transport.map_or("?", |t| t.display_name());
                        format!("{} over {t}", c.instance)
                    })
                    .collect();
                (
                    message::CONNECTION_POINT_CONNECTED,
                    Level::Info,
                    format!("{who} is connected: {}.", how.join(", ")),
                )
            }
            ChannelState::Disconnected => (
                message::CONNECTION_POINT_DISCONNECTED,
                Level::Warning,
                format!(
                    "{who} is disconnected: {}.",
                    after.reason.as_deref().unwrap_or("no channel")
                ),
            ),
            ChannelState::Error => (
                message::CONNECTION_POINT_ERROR,
                Level::Error,
                format!(
                    "{who} cannot open its channel: {}.",
                    after.reason.as_deref().unwrap_or("refused")
                ),
            ),
        };
        ctx.status(id, level, Some(&cp.cmg_id), &text).await;
    }
    v
}

/// A connection point's open presence request; dropping it (the request ended) marks the
/// connection point gone, unless a newer presence replaced this one.
pub(crate) struct Presence {
    ctx: Arc<SiteContext>,
    cp: ConnectionPointRow,
    session: u64,
}

/// Connection point `id` opened its presence request.
pub(crate) async fn present(ctx: &Arc<SiteContext>, id: &str) -> OpResult<Presence> {
    let cp = row(ctx, id).await?;
    let session = ctx.live().present(&cp.id, now_millis());
    let text = format!(
        "CMG connection point {} on {} is running (presence {session} opened)",
        connection_point_name(&cp.id),
        cp.site_system
    );
    ctx.log(CLOUD_MGR_LOG, Level::Info, &text).await;
    Ok(Presence {
        ctx: Arc::clone(ctx),
        cp,
        session,
    })
}

impl Drop for Presence {
    fn drop(&mut self) {
        let why = "the connection point stopped running (its presence request to the site ended)";
        let Some((before, after)) =
            self.ctx
                .live()
                .absent(&self.cp.id, self.session, why, now_millis())
        else {
            return;
        };
        let (ctx, cp) = (Arc::clone(&self.ctx), self.cp.clone());
        // Drop cannot wait; the announcement is quick and needs the runtime that is dropping us.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                // A connection point whose CMG was deleted meanwhile is forgotten, not shown.
                if row(&ctx, &cp.id).await.is_err() {
                    ctx.live().forget(&cp.id);
                    return;
                }
                let text = format!(
                    "CMG connection point {} on {}: its presence request ended",
                    connection_point_name(&cp.id),
                    cp.site_system
                );
                ctx.log(CLOUD_MGR_LOG, Level::Warning, &text).await;
                announce(&ctx, &cp, &before, &after).await;
            });
        }
    }
}
