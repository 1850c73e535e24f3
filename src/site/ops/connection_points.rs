//! CMG connection points: the site systems that connect to each CMG. Adding one issues its
//! certificate from the site's connection point CA; its live state (channels, presence) comes
//! from what it reports (`ops::channels`).

use super::error::{OpError, OpResult};
use super::services::find;
use crate::api::wire::{AddConnectionPoint, ConnectionPointView, Event};
use crate::domain::cmg::{self, connection_point_name, runs_in_site_service};
use crate::domain::service::HostedKind;
use crate::site::context::SiteContext;
use crate::site::cp_certs;
use crate::site::repo::connection_points::{self as rows, ConnectionPointRow};
use crate::site::repo::site;
use crate::site::store::millis_to_rfc3339;

/// The API view of a connection point: its row and its live state.
pub(crate) fn view(ctx: &SiteContext, row: &ConnectionPointRow) -> ConnectionPointView {
    let live = ctx.live().point(&row.id);
    ConnectionPointView {
        id: row.id.clone(),
        name: connection_point_name(&row.id),
        cmg_id: row.cmg_id.clone(),
        cmg_name: row.cmg_name.clone(),
        region: row.region.clone(),
        site_system: row.site_system.clone(),
        site_code: row.site_code.clone(),
        external: row.external,
        state: live.state,
        reason: live.reason,
        channels: live.channels,
        updated: live.updated.map(millis_to_rfc3339),
    }
}

/// The connection point rows, of one CMG or every one.
pub(crate) async fn rows_of(
    ctx: &SiteContext,
    cmg_id: Option<String>,
) -> OpResult<Vec<ConnectionPointRow>> {
    Ok(ctx
        .store()
        .call(move |c| rows::connection_points(c, cmg_id.as_deref()))
        .await?)
}

/// One connection point's row.
pub(crate) async fn row(ctx: &SiteContext, id: &str) -> OpResult<ConnectionPointRow> {
    let key = id.to_string();
    ctx.store()
        .call(move |c| rows::connection_point(c, &key))
        .await?
        .ok_or_else(|| OpError::not_found(format!("the connection point '{id}'")))
}

/// Every connection point, or those of the CMG `cmg` (id, Service FQDN or name).
pub(crate) async fn list(
    ctx: &SiteContext,
    cmg: Option<&str>,
) -> OpResult<Vec<ConnectionPointView>> {
    let cmg_id = match cmg {
        Some(key) => Some(find(ctx, HostedKind::Cmg, key).await?.id),
        None => None,
    };
    Ok(rows_of(ctx, cmg_id)
        .await?
        .iter()
        .map(|r| view(ctx, r))
        .collect())
}

/// Adds a connection point for the CMG `cmg` on a site system (one per system and CMG) and
/// issues its certificate. An external one may name a server that is not a site system yet: it
/// becomes one (the connection point runs there, `cloudsite connection-point run`).
pub(crate) async fn add(
    ctx: &SiteContext,
    cmg: &str,
    req: AddConnectionPoint,
) -> OpResult<ConnectionPointView> {
    let cmg_id = find(ctx, HostedKind::Cmg, cmg).await?.id;
    let system = req.site_system.trim().to_string();
    if req.external {
        cmg::site_system_name(&system)?;
    }
    let secrets = ctx.secrets().clone();
    let row = ctx
        .store()
        .call_transaction(move |tx| {
            let Some((site_code, server)) = site::site(tx)? else {
                return Err(OpError::internal(
                    "adding a connection point",
                    "the site is not set up",
                ));
            };
            if site::site_system(tx, &system)?.is_none() {
                if !req.external {
                    return Err(OpError::invalid(
                        "Site system",
                        "must be an existing site system server (or add the connection point with --external to run it on a new one)",
                    ));
                }
                site::add_site_system(tx, &system)?;
            }
            if rows::connection_points(tx, Some(&cmg_id))?
                .iter()
                .any(|c| c.site_system.eq_ignore_ascii_case(&system))
            {
                return Err(OpError::taken(
                    "Site system",
                    "already holds a connection point for this CMG",
                ));
            }
            let external = !runs_in_site_service(&system, &server, req.external);
            let id = rows::add_connection_point(tx, &cmg_id, &system, &site_code, external)?;
            let row = rows::connection_point(tx, &id)?.ok_or_else(|| {
                OpError::internal("adding a connection point", "its row vanished")
            })?;
            cp_certs::ensure_certificate(tx, &secrets, &row)
                .map_err(|e| OpError::internal("issuing the connection point's certificate", e))?;
            Ok(row)
        })
        .await?;
    let view = view(ctx, &row);
    ctx.bus().publish(Event::ConnectionPoint(view.clone()));
    Ok(view)
}
