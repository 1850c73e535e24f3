//! The CMG data path routes: what connection points read, report and hold, client
//! notifications, and the management point and software update point routes clients reach
//! directly or through a CMG. Thin: the work is in `ops::channels` and
//! `ops::management_point`.

use super::auth::{MpCaller, Writer};
use super::error::ApiResult;
use super::hop::Via;
use super::state::AppState;
use crate::api::mappings::NOTIFICATION_EVENT;
use crate::api::wire::{
    AnalyzeCmg, AnalyzerEvent, ChannelConfig, ClientNotificationView, ClientPolicy,
    ConnectionPointReport, ConnectionPointView, ErrorBody, SendClientNotification,
    SoftwareUpdateView,
};
use crate::site::ops::{analyze, channels, management_point};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::StreamExt;
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::ReceiverStream;

/// How often a held stream carries a keep-alive comment: proxies do not time it out, and a
/// peer that vanished without closing is found when a write fails.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// What connection point `id` needs to open its channels (its certificate and key included).
#[utoipa::path(get, path = "/v1/connection-points/{id}/channel", tag = "cmg", params(("id" = String, Path)),
    responses((status = 200, body = ChannelConfig), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn channel_config(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<ChannelConfig>> {
    Ok(Json(channels::config(&s.ctx, &id).await?))
}

/// A connection point reports its channel to each instance (transport, state, reason).
#[utoipa::path(put, path = "/v1/connection-points/{id}/state", tag = "cmg", params(("id" = String, Path)), request_body = ConnectionPointReport,
    responses((status = 200, body = ConnectionPointView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn report_state(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<ConnectionPointReport>,
) -> ApiResult<Json<ConnectionPointView>> {
    Ok(Json(channels::report(&s.ctx, &id, req).await?))
}

/// A connection point holds this open while it runs: when it ends, the site shows the
/// connection point Disconnected at once (text/event-stream of keep-alives only).
#[utoipa::path(get, path = "/v1/connection-points/{id}/presence", tag = "cmg", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream held open while the connection point runs"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn presence(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let held = channels::present(&s.ctx, &id).await?;
    // The stream never yields; it owns the presence, which ends when the stream is dropped.
    let stream = futures_util::stream::unfold(held, |held| async move {
        std::future::pending::<()>().await;
        drop(held);
        None::<(Result<Event, Infallible>, channels::Presence)>
    });
    Ok(Sse::new(stream.take_until(Box::pin(s.ctx.bus().closed())))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// Push a message to every client holding a notification channel (directly or through a CMG).
#[utoipa::path(post, path = "/v1/client-notifications", tag = "cmg", request_body = SendClientNotification,
    responses((status = 202, body = ClientNotificationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn send_client_notification(
    State(s): State<AppState>,
    Writer(who): Writer,
    Json(req): Json<SendClientNotification>,
) -> ApiResult<(StatusCode, Json<ClientNotificationView>)> {
    let sent = management_point::notify_clients(&s.ctx, req, &who.name).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Management point: the client's policy (the client settings).
#[utoipa::path(get, path = "/v1/mp/policy", tag = "content", responses((status = 200, body = ClientPolicy), (status = 401, body = ErrorBody)))]
pub(super) async fn policy(
    State(s): State<AppState>,
    _: MpCaller,
    Via(hop): Via,
) -> ApiResult<Json<ClientPolicy>> {
    Ok(Json(management_point::policy(&s.ctx, hop.as_ref()).await?))
}

/// Management point: a client's notification channel, held open (text/event-stream of
/// `client_notification` events whose data is a ClientNotificationView).
#[utoipa::path(get, path = "/v1/mp/notifications", tag = "content",
    responses((status = 200, description = "text/event-stream of client_notification events", body = ClientNotificationView), (status = 401, body = ErrorBody)))]
pub(super) async fn notifications(
    State(s): State<AppState>,
    _: MpCaller,
    Via(hop): Via,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let channel = management_point::notification_channel(&s.ctx, hop.as_ref()).await;
    Sse::new(channel.map(|n| {
        let data = serde_json::to_string(&n).unwrap_or_default();
        Ok(Event::default()
            .event(NOTIFICATION_EVENT)
            .id(n.id.clone())
            .data(data))
    }))
    .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// Software update point: the software updates it offers.
#[utoipa::path(get, path = "/v1/sup/catalog", tag = "content", responses((status = 200, body = Vec<SoftwareUpdateView>), (status = 401, body = ErrorBody)))]
pub(super) async fn sup_catalog(
    State(s): State<AppState>,
    _: MpCaller,
    Via(hop): Via,
) -> ApiResult<Json<Vec<SoftwareUpdateView>>> {
    Ok(Json(
        management_point::software_updates(&s.ctx, hop.as_ref()).await?,
    ))
}

/// The SSE event name of the connection analyzer's events.
const ANALYZER_EVENT: &str = "analyzer";

/// Runs the connection analyzer on a CMG: text/event-stream of `analyzer` events (data an
/// AnalyzerEvent) as each check runs and concludes, then `done`.
#[utoipa::path(post, path = "/v1/cmgs/{id}/analyze", tag = "cmg", params(("id" = String, Path)), request_body = AnalyzeCmg,
    responses((status = 200, description = "text/event-stream of analyzer events", body = AnalyzerEvent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn analyze_cmg(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
    Json(req): Json<AnalyzeCmg>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let events = analyze::start(&s.ctx, &id, req).await?;
    let stream = ReceiverStream::new(events).map(|e| {
        let data = serde_json::to_string(&e).unwrap_or_default();
        Ok(Event::default().event(ANALYZER_EVENT).data(data))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
