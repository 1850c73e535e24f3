//! Gateway sampling: every `gateway_interval`, each running CMG's gateway is read from the
//! cloud (`Provider::gateway`: which connection points hold a channel to each instance, held
//! client notification channels, requests carried and refused). The figures go into the CMG's
//! view (published when they change), channel changes into `CMGService.log`, and a Ready CMG
//! with connection points but no channel left raises `no_connection_point_channel`.

use super::health::{AlertKind, Known, apply};
use crate::api::wire::{GatewayView, InstanceGatewayView};
use crate::cloud::GatewayStatus;
use crate::domain::alert::AlertType;
use crate::domain::service::{HostedKind, ServiceState};
use crate::domain::task::Level;
use crate::site::cmtrace::{CLOUD_MGR_LOG, CMG_SERVICE_LOG};
use crate::site::context::SiteContext;
use crate::site::credentials;
use crate::site::repo::services::ServiceRecord;
use crate::site::repo::{alerts, connection_points, services};
use crate::site::store::{millis_to_rfc3339, now_millis};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tokio::time::Instant;

/// A Ready CMG that lost every channel to its connection points (critical).
const NO_CHANNEL: AlertKind = AlertKind {
    type_id: AlertType::NoConnectionPointChannel,
    name: "CMG has no connection point channel",
};

/// Samples a CMG that never had a channel may take before the alert is raised (its connection
/// points are still connecting after a start). One that had a channel and lost it is raised at
/// once.
const GRACE_SAMPLES: u32 = 12;

/// What the sampler remembers of one CMG between samples.
#[derive(Debug, Default)]
struct Track {
    /// The last sample's time and its request total, for the rate.
    last: Option<(Instant, u64)>,
    /// The connection points on each instance at the last sample.
    peers: HashMap<String, BTreeSet<String>>,
    /// It had a channel at some sample since the site started.
    had_channel: bool,
    /// Samples in a row without any channel.
    without: u32,
    /// Whether the alert condition held at the last evaluation.
    alerted: Option<bool>,
}

/// Samples every CMG until the site stops: at once, then every `gateway_interval`.
pub(super) async fn run(ctx: Arc<SiteContext>) {
    let mut tick = tokio::time::interval(ctx.monitor().gateway_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let closed = ctx.bus().closed();
    tokio::pin!(closed);
    let mut tracks: HashMap<String, Track> = HashMap::new();
    loop {
        tokio::select! {
            _ = &mut closed => return,
            _ = async { tick.tick().await; round(&ctx, &mut tracks).await } => {}
        }
    }
}

async fn round(ctx: &SiteContext, tracks: &mut HashMap<String, Track>) {
    let read = ctx
        .store()
        .call(|c| {
            let cmgs = services::list_services(c, Some(HostedKind::Cmg))?;
            let points = connection_points::connection_points(c, None)?;
            Ok::<_, crate::site::repo::RepoError>((cmgs, points))
        })
        .await;
    let (cmgs, points) = match read {
        Ok(r) => r,
        Err(e) => {
            let text = format!("Gateway sampling: cannot read the CMGs: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    tracks.retain(|id, _| cmgs.iter().any(|r| &r.id == id));
    for rec in &cmgs {
        let has_points = points.iter().any(|p| p.cmg_id == rec.id);
        let track = tracks.entry(rec.id.clone()).or_default();
        sample(ctx, rec, has_points, track).await;
    }
}

/// Samples one CMG and acts on what changed.
async fn sample(ctx: &SiteContext, rec: &ServiceRecord, has_points: bool, track: &mut Track) {
    let running = matches!(rec.state, ServiceState::Ready | ServiceState::Upgrading);
    let status = if running {
        match credentials::caller(ctx, rec).await {
            Ok(caller) => ctx
                .provider()
                .gateway(&caller, &rec.deployment_name)
                .await
                .ok(),
            Err(_) => None,
        }
    } else {
        None
    };
    let Some(status) = status.flatten() else {
        // Not running (or the cloud could not tell): no figures, nothing to alert on; a CMG
        // that starts again is given its grace anew.
        if ctx.live().set_gateway(&rec.id, None) {
            ctx.publish_service(rec).await;
        }
        *track = Track {
            alerted: track.alerted,
            ..Track::default()
        };
        evaluate(ctx, rec, false, track).await;
        return;
    };
    log_channels(ctx, rec, &status, track).await;
    let view = figures(&status, track);
    let channels = view
        .instances
        .iter()
        .any(|i| !i.connection_points.is_empty());
    if ctx.live().set_gateway(&rec.id, Some(view)) {
        ctx.publish_service(rec).await;
    }
    if channels {
        track.had_channel = true;
        track.without = 0;
    } else {
        track.without = track.without.saturating_add(1);
    }
    let lost = !channels && (track.had_channel || track.without > GRACE_SAMPLES);
    evaluate(
        ctx,
        rec,
        rec.state == ServiceState::Ready && has_points && lost,
        track,
    )
    .await;
}

/// The view of a sample, with the request rate since the previous one.
fn figures(status: &GatewayStatus, track: &mut Track) -> GatewayView {
    let requests: u64 = status.instances.iter().map(|i| i.requests).sum();
    let now = Instant::now();
    let rpm = match track.last {
        Some((at, before)) if requests >= before => {
            let secs = now.duration_since(at).as_secs_f64().max(0.001);
            ((requests - before) as f64 * 60.0 / secs).round() as u64
        }
        // The first sample, or the instances restarted (their counters began again).
        _ => 0,
    };
    track.last = Some((now, requests));
    let mut all: BTreeSet<String> = BTreeSet::new();
    let instances: Vec<InstanceGatewayView> = status
        .instances
        .iter()
        .map(|i| {
            all.extend(i.connection_points.iter().cloned());
            InstanceGatewayView {
                id: i.id.clone(),
                connection_points: i.connection_points.clone(),
                notification_channels: i.notification_channels,
                requests: i.requests,
                refused: i.refused,
            }
        })
        .collect();
    GatewayView {
        sampled: millis_to_rfc3339(now_millis()),
        connection_points: all.into_iter().collect(),
        notification_channels: status
            .instances
            .iter()
            .map(|i| i.notification_channels)
            .sum(),
        requests_per_minute: rpm,
        requests,
        refused: status.instances.iter().map(|i| i.refused).sum(),
        instances,
    }
}

/// Writes the channels that opened and closed since the last sample to `CMGService.log`.
async fn log_channels(
    ctx: &SiteContext,
    rec: &ServiceRecord,
    status: &GatewayStatus,
    track: &mut Track,
) {
    let mut now: HashMap<String, BTreeSet<String>> = HashMap::new();
    for i in &status.instances {
        now.insert(i.id.clone(), i.connection_points.iter().cloned().collect());
    }
    for (instance, peers) in &now {
        let before = track.peers.get(instance).cloned().unwrap_or_default();
        for p in peers.difference(&before) {
            let text = format!(
                "{} {instance}: connection point {p} opened a channel ({} channel(s) on this instance)",
                rec.deployment_name,
                peers.len()
            );
            ctx.log(CMG_SERVICE_LOG, Level::Info, &text).await;
        }
        for p in before.difference(peers) {
            let text = format!(
                "{} {instance}: the channel of connection point {p} closed ({} channel(s) left on this instance)",
                rec.deployment_name,
                peers.len()
            );
            ctx.log(CMG_SERVICE_LOG, Level::Warning, &text).await;
        }
    }
    track.peers = now;
}

/// Raises or clears the alert when its condition changed since the last evaluation.
async fn evaluate(ctx: &SiteContext, rec: &ServiceRecord, holds: bool, track: &mut Track) {
    if track.alerted == Some(holds) {
        return;
    }
    let known: Known = match ctx.store().call(|c| alerts::list_alerts(c)).await {
        Ok(list) => list
            .into_iter()
            .map(|a| ((a.type_id, a.service_id.clone()), a))
            .collect(),
        Err(e) => {
            let text = format!("Gateway sampling: cannot read the alerts: {e}");
            ctx.log(CLOUD_MGR_LOG, Level::Error, &text).await;
            return;
        }
    };
    let condition = holds.then(|| {
        let details = json!({
            "service": rec.service_fqdn,
            "deployment": rec.deployment_name,
        });
        let summary = "no connection point holds a channel to any instance: internet clients cannot reach the site through it".to_string();
        (details, summary)
    });
    apply(ctx, &known, NO_CHANNEL, Some(rec), condition).await;
    track.alerted = Some(holds);
}
