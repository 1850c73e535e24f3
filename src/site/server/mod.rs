//! The site service's HTTP API (`/v1`), built with axum; the OpenAPI document is generated
//! from the same route list, so it always matches.

mod auth;
mod deadline;
mod error;
mod hop;
mod refusals;
mod routes;
mod routes_content;
mod routes_gateway;
mod routes_site;
pub(crate) mod state;

use axum::Json;
use axum::routing::get;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API router and its OpenAPI document.
pub(crate) fn router(state: state::AppState) -> axum::Router {
    let (router, mut api) = OpenApiRouter::new()
        .routes(routes!(routes::list_cdps, routes::create_cdp))
        .routes(routes!(
            routes::get_cdp,
            routes::set_cdp,
            routes::delete_cdp
        ))
        .routes(routes!(routes::start_cdp))
        .routes(routes!(routes::stop_cdp))
        .routes(routes!(routes::list_cmgs, routes::create_cmg))
        .routes(routes!(
            routes::get_cmg,
            routes::set_cmg,
            routes::delete_cmg
        ))
        .routes(routes!(routes::start_cmg))
        .routes(routes!(routes::stop_cmg))
        .routes(routes!(routes::sync_cmg))
        .routes(routes!(
            routes::list_cmg_connection_points,
            routes::add_connection_point
        ))
        .routes(routes!(routes_gateway::analyze_cmg))
        .routes(routes!(routes::list_connection_points))
        .routes(routes!(routes_gateway::channel_config))
        .routes(routes!(routes_gateway::report_state))
        .routes(routes!(routes_gateway::presence))
        .routes(routes!(routes_gateway::send_client_notification))
        .routes(routes!(routes_gateway::policy))
        .routes(routes!(routes_gateway::notifications))
        .routes(routes!(routes_gateway::sup_catalog))
        .routes(routes!(routes::validate_subscription))
        .routes(routes!(routes::register_lab_subscription))
        .routes(routes!(routes_site::get_site))
        .routes(routes!(routes_site::list_site_systems))
        .routes(routes!(routes_site::get_proxy, routes_site::set_proxy))
        .routes(routes!(
            routes_site::get_client_settings,
            routes_site::set_client_settings
        ))
        .routes(routes!(routes_site::create_token))
        .routes(routes!(routes_site::list_tasks))
        .routes(routes!(routes_site::get_task))
        .routes(routes!(routes_site::list_status_messages))
        .routes(routes!(routes_site::list_alerts))
        .routes(routes!(routes_site::postpone_alert))
        .routes(routes!(routes_site::close_alert))
        .routes(routes!(routes_site::disable_alert))
        .routes(routes!(routes_site::enable_alert))
        .routes(routes!(routes_site::list_logs))
        .routes(routes!(routes_site::get_log))
        .routes(routes!(routes_site::events))
        .routes(routes!(
            routes_content::list_packages,
            routes_content::create_package
        ))
        .routes(routes!(
            routes_content::get_package,
            routes_content::delete_package
        ))
        .routes(routes!(routes_content::put_file))
        .routes(routes!(routes_content::distribute))
        .routes(routes!(routes_content::redistribute))
        .routes(routes!(routes_content::remove))
        .routes(routes!(routes_content::list_distributions))
        .routes(routes!(routes_content::content_locations))
        .with_state(state)
        .split_for_parts();
    api.info.title = "cloudsite site service".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.description = Some("Cloud distribution points, cloud management gateways and the site system proxy. Every route needs `Authorization: Bearer <token>`; changes need a Full or Infrastructure Administrator token.".into());
    refusals::document_refusals(&mut api);
    let doc = Arc::new(api);
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let d = Arc::clone(&doc);
                async move { Json((*d).clone()) }
            }),
        )
        .route("/v1/health", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn(deadline::within_deadline))
        .layer(axum::middleware::map_response(refusals::json_refusals))
        // A span per request (debug level): method, path, status and time with `--debug`.
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
