//! Site, site systems (Proxy tab), client settings, tokens, and monitoring routes (tasks,
//! status messages, alerts, logs, events).

use super::AppState;
use super::auth::{Admin, Reader, Writer};
use super::error::{ApiError, ApiResult};
use crate::api::wire::{self, AlertView};
use crate::api::wire::{
    ClientSettings, CloseAlert, CreateToken, ErrorBody, EventView, LogLineView, NewToken,
    PostponeAlert, SetProxy, SiteSystemView, SiteView, StatusMessageView, TaskView,
};
use crate::domain::proxy::{self, ProxySettings};
use crate::site::cmtrace::{self, LogFile};
use crate::site::repo::{
    alerts, client_settings, site, site::PasswordChange, status_messages, tasks,
};
use crate::site::tokens::{self, Role};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use serde::Deserialize;
use std::convert::Infallible;

/// The site, and the caller's role.
#[utoipa::path(get, path = "/v1/site", tag = "site", responses((status = 200, body = SiteView), (status = 401, body = ErrorBody)))]
pub async fn get_site(State(s): State<AppState>, who: Reader) -> ApiResult<Json<SiteView>> {
    let (site_code, server_name) = s
        .manager
        .store
        .call(|c| site::site(c))
        .await?
        .ok_or_else(|| ApiError::internal("the site is not set up"))?;
    Ok(Json(SiteView {
        site_code,
        server_name,
        version: env!("CARGO_PKG_VERSION").into(),
        role: who.role,
    }))
}

/// Site systems with their Proxy tab.
#[utoipa::path(get, path = "/v1/site-systems", tag = "site", responses((status = 200, body = Vec<SiteSystemView>)))]
pub async fn list_site_systems(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<Vec<SiteSystemView>>> {
    Ok(Json(s.manager.store.call(|c| site::site_systems(c)).await?))
}

/// A site system's Proxy tab.
#[utoipa::path(get, path = "/v1/site-systems/{name}/proxy", tag = "site", params(("name" = String, Path)), responses((status = 200, body = ProxySettings), (status = 404, body = ErrorBody)))]
pub async fn get_proxy(
    State(s): State<AppState>,
    _: Reader,
    Path(name): Path<String>,
) -> ApiResult<Json<ProxySettings>> {
    let n = name.clone();
    let sys = s
        .manager
        .store
        .call(move |c| site::site_system(c, &n))
        .await?;
    Ok(Json(
        sys.ok_or_else(|| ApiError::not_found(&format!("the site system '{name}'")))?
            .proxy,
    ))
}

/// Saves a site system's Proxy tab (the password is stored encrypted and never returned).
#[utoipa::path(put, path = "/v1/site-systems/{name}/proxy", tag = "site", params(("name" = String, Path)), request_body = SetProxy,
    responses((status = 200, body = ProxySettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_proxy(
    State(s): State<AppState>,
    _: Writer,
    Path(name): Path<String>,
    Json(req): Json<SetProxy>,
) -> ApiResult<Json<ProxySettings>> {
    let port = proxy::validate(
        req.enabled,
        req.server.as_deref(),
        req.port.unwrap_or(i64::from(proxy::DEFAULT_PORT)),
        req.account.as_deref(),
    )?;
    let account = req.account.clone().filter(|a| !a.trim().is_empty());
    if req.password.as_ref().is_some_and(|p| !p.is_empty()) && account.is_none() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "Password",
            "needs an account",
        ));
    }
    let settings = ProxySettings {
        enabled: req.enabled,
        server: req
            .server
            .clone()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        port,
        account: account.clone(),
        has_password: false,
    };
    let password = match (&req.password, &account) {
        (_, None) => PasswordChange::Clear,
        (None, Some(_)) => PasswordChange::Keep,
        (Some(p), Some(_)) if p.is_empty() => PasswordChange::Clear,
        (Some(p), Some(_)) => PasswordChange::Set(p.clone()),
    };
    if let PasswordChange::Set(p) = &password {
        // Even if a message ever quoted it, the log would not carry it.
        s.manager.logs.register_secret(p);
    }
    let secrets = s.manager.secrets.clone();
    let n = name.clone();
    let saved = s
        .manager
        .store
        .call_transaction(move |tx| {
            if site::site_system(tx, &n)?.is_none() {
                return Ok(None);
            }
            site::set_proxy(tx, &secrets, &n, &settings, password)?;
            site::site_system(tx, &n)
        })
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("the site system '{name}'")))?;
    s.manager
        .bus
        .publish(wire::Event::SiteSystem(saved.clone()));
    Ok(Json(saved.proxy))
}

/// Client settings.
#[utoipa::path(get, path = "/v1/client-settings", tag = "site", responses((status = 200, body = ClientSettings)))]
pub async fn get_client_settings(
    State(s): State<AppState>,
    _: Reader,
) -> ApiResult<Json<ClientSettings>> {
    Ok(Json(ClientSettings {
        allow_cloud_dp: s
            .manager
            .store
            .call(|c| client_settings::allow_cloud_dp(c))
            .await?,
    }))
}

/// Sets client settings.
#[utoipa::path(put, path = "/v1/client-settings", tag = "site", request_body = ClientSettings, responses((status = 200, body = ClientSettings), (status = 403, body = ErrorBody)))]
pub async fn set_client_settings(
    State(s): State<AppState>,
    _: Writer,
    Json(req): Json<ClientSettings>,
) -> ApiResult<Json<ClientSettings>> {
    s.manager
        .store
        .call(move |c| client_settings::set_allow_cloud_dp(c, req.allow_cloud_dp))
        .await?;
    s.manager.bus.publish(wire::Event::ClientSettings(req));
    Ok(Json(req))
}

/// Creates an API token (Full Administrator only); the token is shown once.
#[utoipa::path(post, path = "/v1/tokens", tag = "site", request_body = CreateToken, responses((status = 201, body = NewToken), (status = 403, body = ErrorBody)))]
pub async fn create_token(
    State(s): State<AppState>,
    _: Admin,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let role = Role::parse(&req.role).ok_or_else(|| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "Role",
            "must be full-admin, infra-admin or read-only",
        )
    })?;
    let store = s.manager.store.clone();
    let name = req.name.clone();
    let (rec, token) = tokio::task::spawn_blocking(move || tokens::create(&store, &name, role))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            tokens::TokenError::BadName(m) => ApiError::field(StatusCode::BAD_REQUEST, "Name", m),
            other => ApiError::internal(other),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            id: rec.id,
            name: rec.name,
            role: rec.role,
            token,
        }),
    ))
}

/// Query of list routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only this service (id).
    pub service: Option<String>,
    /// At most this many (default 200).
    pub limit: Option<u32>,
}

/// Recent tasks.
#[utoipa::path(get, path = "/v1/tasks", tag = "monitoring", params(ListQuery), responses((status = 200, body = Vec<TaskView>)))]
pub async fn list_tasks(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TaskView>>> {
    let limit = q.limit.unwrap_or(200).min(10_000);
    let tasks = s
        .manager
        .store
        .call(move |c| tasks::list_tasks(c, q.service.as_deref(), limit))
        .await?;
    Ok(Json(tasks.iter().map(|t| t.view()).collect()))
}

/// One task.
#[utoipa::path(get, path = "/v1/tasks/{id}", tag = "monitoring", params(("id" = String, Path)), responses((status = 200, body = TaskView), (status = 404, body = ErrorBody)))]
pub async fn get_task(
    State(s): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    let i = id.clone();
    let t = s
        .manager
        .store
        .call(move |c| tasks::get_task(c, &i))
        .await?;
    Ok(Json(
        t.ok_or_else(|| ApiError::not_found(&format!("the task '{id}'")))?
            .view(),
    ))
}

/// Status messages, newest first.
#[utoipa::path(get, path = "/v1/status-messages", tag = "monitoring", params(ListQuery), responses((status = 200, body = Vec<StatusMessageView>)))]
pub async fn list_status_messages(
    State(s): State<AppState>,
    _: Reader,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<StatusMessageView>>> {
    let limit = q.limit.unwrap_or(200).min(10_000);
    Ok(Json(
        s.manager
            .store
            .call(move |c| status_messages::list_status(c, q.service.as_deref(), limit))
            .await?,
    ))
}

/// Alerts.
#[utoipa::path(get, path = "/v1/alerts", tag = "monitoring", responses((status = 200, body = Vec<AlertView>)))]
pub async fn list_alerts(State(s): State<AppState>, _: Reader) -> ApiResult<Json<Vec<AlertView>>> {
    Ok(Json(
        s.manager.store.call(|c| alerts::list_alerts(c)).await?,
    ))
}

/// Answers an alert change: 404 for an unknown id, else publishes the `alert` event.
fn alert_changed(s: &AppState, id: &str, alert: Option<AlertView>) -> ApiResult<Json<AlertView>> {
    let alert = alert.ok_or_else(|| ApiError::not_found(&format!("the alert '{id}'")))?;
    s.manager.bus.publish(wire::Event::Alert(alert.clone()));
    Ok(Json(alert))
}

/// Postpones an alert until a time (Suspend-CMAlert -SkipUntil -Comment): state Postponed.
#[utoipa::path(post, path = "/v1/alerts/{id}/postpone", tag = "monitoring", params(("id" = String, Path)), request_body = PostponeAlert,
    responses((status = 200, body = AlertView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn postpone_alert(
    State(s): State<AppState>,
    Writer(who): Writer,
    Path(id): Path<String>,
    Json(req): Json<PostponeAlert>,
) -> ApiResult<Json<AlertView>> {
    let until = time::OffsetDateTime::parse(
        req.until.trim(),
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|_| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "Postpone until",
            "must be a date and time in RFC 3339 form (e.g. 2030-01-31T18:00:00Z)",
        )
    })?;
    if until <= time::OffsetDateTime::now_utc() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "Postpone until",
            "must be in the future",
        ));
    }
    let millis = (until.unix_timestamp_nanos() / 1_000_000) as i64;
    let i = id.clone();
    let alert = s
        .manager
        .store
        .call_transaction(move |tx| {
            alerts::postpone_alert(tx, &i, millis, req.comment.as_deref(), &who.name)
        })
        .await?;
    alert_changed(&s, &id, alert)
}

/// Closes an alert: state Canceled, closed by the caller's token name.
#[utoipa::path(post, path = "/v1/alerts/{id}/close", tag = "monitoring", params(("id" = String, Path)), request_body = CloseAlert,
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close_alert(
    State(s): State<AppState>,
    Writer(who): Writer,
    Path(id): Path<String>,
    Json(req): Json<CloseAlert>,
) -> ApiResult<Json<AlertView>> {
    let i = id.clone();
    let alert = s
        .manager
        .store
        .call_transaction(move |tx| alerts::close_alert(tx, &i, req.comment.as_deref(), &who.name))
        .await?;
    alert_changed(&s, &id, alert)
}

/// Disables an alert (Disable-CMAlert): its condition is not evaluated; state Disabled.
#[utoipa::path(post, path = "/v1/alerts/{id}/disable", tag = "monitoring", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn disable_alert(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    let i = id.clone();
    let alert = s
        .manager
        .store
        .call_transaction(move |tx| alerts::set_alert_enabled(tx, &i, false))
        .await?;
    alert_changed(&s, &id, alert)
}

/// Enables an alert (Enable-CMAlert): Never Triggered until it is raised again.
#[utoipa::path(post, path = "/v1/alerts/{id}/enable", tag = "monitoring", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable_alert(
    State(s): State<AppState>,
    _: Writer,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    let i = id.clone();
    let alert = s
        .manager
        .store
        .call_transaction(move |tx| alerts::set_alert_enabled(tx, &i, true))
        .await?;
    alert_changed(&s, &id, alert)
}

/// Log files.
#[utoipa::path(get, path = "/v1/logs", tag = "monitoring", responses((status = 200, body = Vec<LogFile>)))]
pub async fn list_logs(State(s): State<AppState>, _: Reader) -> ApiResult<Json<Vec<LogFile>>> {
    Ok(Json(
        cmtrace::list_logs(s.manager.logs.dir()).map_err(ApiError::internal)?,
    ))
}

/// Query of the log route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TailQuery {
    /// Lines from the end (default 200).
    pub tail: Option<usize>,
}

/// The last lines of a log (`CloudMgr.log`, `CloudMgr`, `CMGSetup.log`, …).
#[utoipa::path(get, path = "/v1/logs/{file}", tag = "monitoring", params(("file" = String, Path), TailQuery),
    responses((status = 200, body = Vec<LogLineView>), (status = 400, body = ErrorBody)))]
pub async fn get_log(
    State(s): State<AppState>,
    _: Reader,
    Path(file): Path<String>,
    Query(q): Query<TailQuery>,
) -> ApiResult<Json<Vec<LogLineView>>> {
    let file = if file.ends_with(".log") {
        file
    } else {
        format!("{file}.log")
    };
    cmtrace::check_file_name(&file, false)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "Log", &e.to_string()))?;
    let lines = cmtrace::read_tail(
        s.manager.logs.dir(),
        &file,
        q.tail.unwrap_or(200).min(100_000),
    )
    .map_err(ApiError::internal)?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| LogLineView {
                file: file.clone(),
                time: l.time,
                component: l.component,
                level: l.level,
                message: l.message,
            })
            .collect(),
    ))
}

/// Server-Sent Events: every change (service, task, alert, status message, log line). Send
/// `Last-Event-ID` to resume; a `resync` event means "read everything again".
#[utoipa::path(get, path = "/v1/events", tag = "monitoring", responses((status = 200, description = "text/event-stream of EventView", body = EventView)))]
pub async fn events(
    State(s): State<AppState>,
    _: Reader,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let sub = s.manager.bus.subscribe(last);
    let missed = futures_util::stream::iter(sub.missed.into_iter().map(to_sse));
    let live = futures_util::stream::unfold(sub.live, |mut rx| async move {
        match rx.recv().await {
            Ok(ev) => Some((to_sse(ev), rx)),
            // A slow client lost events: tell it to re-read rather than show stale data.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                let ev = EventView {
                    id: 0,
                    event: wire::Event::Resync,
                };
                Some((to_sse(ev), rx))
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => None,
        }
    });
    use futures_util::StreamExt;
    // When the service stops, streams end, so clients notice at once instead of holding a
    // connection to a service that is gone.
    Sse::new(
        missed
            .chain(live)
            .take_until(Box::pin(s.manager.bus.closed())),
    )
    .keep_alive(KeepAlive::default())
}

fn to_sse(ev: EventView) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&ev).unwrap_or_default();
    let mut e = Event::default().event(ev.event.name()).data(data);
    if ev.id > 0 {
        e = e.id(ev.id.to_string());
    }
    Ok(e)
}
