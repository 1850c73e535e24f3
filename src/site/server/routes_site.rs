//! Site, site systems (Proxy tab), client settings, tokens, and monitoring routes (tasks,
//! status messages, alerts, logs, events). Thin: the work is in the ops.

use super::auth::{Admin, Reader, Writer};
use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::api::client::KEEP_ALIVE_HEADER;
use crate::api::wire::LogFileView;
use crate::api::wire::{self, AlertView};
use crate::api::wire::{
    ClientSettings, CloseAlert, CreateToken, ErrorBody, EventView, LogLineView, NewToken,
    PostponeAlert, SetProxy, SiteSystemView, SiteView, StatusMessageView, TaskView,
};
use crate::domain::proxy::ProxySettings;
use crate::site::ops::{access, alerts, monitoring, site};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use std::convert::Infallible;

/// The site, and the caller's role.
#[utoipa::path(get, path = "/v1/site", tag = "site", responses((status = 200, body = SiteView), (status = 401, body = ErrorBody)))]
pub(super) async fn get_site(State(s): State<AppState>, who: Reader) -> ApiResult<Json<SiteView>> {
    Ok(Json(site::describe(&s.ctx, who.role).await?))
}

/// Site systems with their Proxy tab.
#[utoipa::path(get, path = "/v1/site-systems", tag = "site", responses((status = 200, body = Vec<SiteSystemView>)))]
pub(super) async fn list_site_systems(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<SiteSystemView>>> {
    Ok(Json(site::site_systems(&s.ctx).await?))
}

/// A site system's Proxy tab.
#[utoipa::path(get, path = "/v1/site-systems/{name}/proxy", tag = "site", params(("name" = String, Path)), responses((status = 200, body = ProxySettings), (status = 404, body = ErrorBody)))]
pub(super) async fn get_proxy(
    State(s): State<AppState>,
    _: Reader,
    Path(name): Path<String>,
) -> ApiResult<Json<ProxySettings>> {
    Ok(Json(site::proxy(&s.ctx, &name).await?))
}

/// Saves a site system's Proxy tab (the password is stored encrypted and never returned).
#[utoipa::path(put, path = "/v1/site-systems/{name}/proxy", tag = "site", params(("name" = String, Path)), request_body = SetProxy,
    responses((status = 200, body = ProxySettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn set_proxy(
    State(s): State<AppState>,
    _: Writer,
    Path(name): Path<String>,
    Json(req): Json<SetProxy>,
) -> ApiResult<Json<ProxySettings>> {
    Ok(Json(site::set_proxy(&s.ctx, &name, req).await?))
}

/// The client settings ("Allow access to cloud distribution points").
#[utoipa::path(get, path = "/v1/client-settings", tag = "site", responses((status = 200, body = ClientSettings)))]
pub(super) async fn get_client_settings(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<ClientSettings>> {
    Ok(Json(site::client_settings(&s.ctx).await?))
}

/// Sets client settings.
#[utoipa::path(put, path = "/v1/client-settings", tag = "site", request_body = ClientSettings, responses((status = 200, body = ClientSettings), (status = 403, body = ErrorBody)))]
pub(super) async fn set_client_settings(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<ClientSettings>,
) -> ApiResult<Json<ClientSettings>> {
    Ok(Json(site::set_client_settings(&s.ctx, req).await?))
}

/// Creates an API token (Full Administrator only); the token is shown once.
#[utoipa::path(post, path = "/v1/tokens", tag = "site", request_body = CreateToken, responses((status = 201, body = NewToken), (status = 403, body = ErrorBody)))]
pub(super) async fn create_token(
    State(s): State<AppState>,
    _: Admin,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    Ok((
        StatusCode::CREATED,
        Json(access::create_token(&s.ctx, req).await?),
    ))
}

/// Query of list routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct ListQuery {
    /// Only this service, by its id (32 hex digits); an FQDN matches nothing.
    pub service: Option<String>,
    /// At most this many, newest first (default 200; 1 to 10,000, more is refused).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// Recent tasks, newest first, optionally of one service.
#[utoipa::path(get, path = "/v1/tasks", tag = "monitoring", params(ListQuery), responses((status = 200, body = Vec<TaskView>)))]
pub(super) async fn list_tasks(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TaskView>>> {
    Ok(Json(monitoring::tasks(&s.ctx, q.service, q.limit).await?))
}

/// One task, by id.
#[utoipa::path(get, path = "/v1/tasks/{id}", tag = "monitoring", params(("id" = String, Path)), responses((status = 200, body = TaskView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_task(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    Ok(Json(monitoring::task(&s.ctx, &id).await?))
}

/// Status messages, newest first.
#[utoipa::path(get, path = "/v1/status-messages", tag = "monitoring", params(ListQuery), responses((status = 200, body = Vec<StatusMessageView>)))]
pub(super) async fn list_status_messages(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<StatusMessageView>>> {
    let list = monitoring::status_messages(&s.ctx, q.service, q.limit);
    Ok(Json(list.await?))
}

/// Every alert, the most recently raised first.
#[utoipa::path(get, path = "/v1/alerts", tag = "monitoring", responses((status = 200, body = Vec<AlertView>)))]
pub(super) async fn list_alerts(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<AlertView>>> {
    Ok(Json(alerts::list(&s.ctx).await?))
}

/// Postpones an alert until a time (Suspend-CMAlert -SkipUntil -Comment): state Postponed.
#[utoipa::path(post, path = "/v1/alerts/{id}/postpone", tag = "monitoring", params(("id" = String, Path)), request_body = PostponeAlert,
    responses((status = 200, body = AlertView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn postpone_alert(
    State(s): State<AppState>,
    Writer(who): Writer,
    Path(id): Path<String>,
    Json(req): Json<PostponeAlert>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::postpone(&s.ctx, &id, req, &who.name).await?))
}

/// Closes an alert: state Canceled, closed by the caller's token name.
#[utoipa::path(post, path = "/v1/alerts/{id}/close", tag = "monitoring", params(("id" = String, Path)), request_body = CloseAlert,
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn close_alert(
    State(s): State<AppState>,
    Writer(who): Writer,
    Path(id): Path<String>,
    Json(req): Json<CloseAlert>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::close(&s.ctx, &id, req, &who.name).await?))
}

/// Disables an alert (Disable-CMAlert): its condition is not evaluated; state Disabled.
#[utoipa::path(post, path = "/v1/alerts/{id}/disable", tag = "monitoring", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn disable_alert(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::set_enabled(&s.ctx, &id, false).await?))
}

/// Enables an alert (Enable-CMAlert): Never Triggered until it is raised again.
#[utoipa::path(post, path = "/v1/alerts/{id}/enable", tag = "monitoring", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn enable_alert(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::set_enabled(&s.ctx, &id, true).await?))
}

/// The log files in the site's log dir, with size and last write.
#[utoipa::path(get, path = "/v1/logs", tag = "monitoring", responses((status = 200, body = Vec<LogFileView>)))]
pub(super) async fn list_logs(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<LogFileView>>> {
    Ok(Json(monitoring::logs(&s.ctx)?))
}

/// Query of the log route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct TailQuery {
    /// Lines from the end (default 200, capped at 100,000).
    pub tail: Option<usize>,
}

/// The last lines of a log (`CloudMgr.log`, `CloudMgr`, `CMGSetup.log`, …).
#[utoipa::path(get, path = "/v1/logs/{file}", tag = "monitoring", params(("file" = String, Path), TailQuery),
    responses((status = 200, body = Vec<LogLineView>), (status = 400, body = ErrorBody)))]
pub(super) async fn get_log(
    State(s): State<AppState>,
    _: Reader,
    Path(file): Path<String>,
    Query(q): Query<TailQuery>,
) -> ApiResult<Json<Vec<LogLineView>>> {
    Ok(Json(monitoring::log_tail(&s.ctx, &file, q.tail)?))
}

/// Query of the event stream.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct EventsQuery {
    /// Only these kinds of event, comma-separated wire names (`client_notification,service`);
    /// `resync` always comes. Default: every kind.
    pub kinds: Option<String>,
}

/// Server-Sent Events: every change (service, task, alert, status message, log line), or the
/// kinds asked for. Send `Last-Event-ID` to resume; a `resync` event means "read everything
/// again".
#[utoipa::path(get, path = "/v1/events", tag = "monitoring", params(EventsQuery),
    responses((status = 200, description = "text/event-stream of EventView", body = EventView), (status = 400, body = ErrorBody)))]
pub(super) async fn events(
    State(s): State<AppState>,
    _: Reader,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<impl IntoResponse> {
    let kinds = match q.kinds.as_deref() {
        None => None,
        Some(text) => Some(
            wire::EventKinds::parse(text)
                .map_err(|rule| ApiError::field(StatusCode::BAD_REQUEST, "kinds", &rule))?,
        ),
    };
    let wanted = move |ev: &EventView| kinds.as_ref().is_none_or(|k| k.wants(&ev.event));
    let period = s.ctx.timing().keep_alive;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let sub = s.ctx.bus().subscribe(last);
    let missed: Vec<_> = sub.missed.into_iter().filter(&wanted).map(to_sse).collect();
    let missed = futures_util::stream::iter(missed);
    let live = futures_util::stream::unfold((sub.live, wanted), |(mut rx, wanted)| async move {
        loop {
            match rx.recv().await {
                Ok(ev) if !wanted(&ev) => continue,
                Ok(ev) => return Some((to_sse(ev), (rx, wanted))),
                // A slow client lost events: tell it to re-read rather than show stale data.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let ev = EventView {
                        id: 0,
                        event: wire::Event::Resync,
                    };
                    return Some((to_sse(ev), (rx, wanted)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    use futures_util::StreamExt;
    // When the service stops, streams end, so clients notice at once instead of holding a
    // connection to a service that is gone.
    let stream = Sse::new(
        missed
            .chain(live)
            .take_until(Box::pin(s.ctx.bus().closed())),
    )
    .keep_alive(KeepAlive::new().interval(period));
    // The period, so a client can tell a silent link from a quiet site (api::events).
    let announce = [(KEEP_ALIVE_HEADER, period.as_millis().to_string())];
    Ok((announce, stream))
}

fn to_sse(ev: EventView) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&ev).unwrap_or_default();
    let mut e = Event::default().event(ev.event.name()).data(data);
    if ev.id > 0 {
        e = e.id(ev.id.to_string());
    }
    Ok(e)
}
