//! CMG connection points: the site systems that connect to each CMG.

use super::error::{OpError, OpResult};
use super::services::find;
use crate::api::wire::{ConnectionPointView, Event};
use crate::domain::service::HostedKind;
use crate::site::context::SiteContext;
use crate::site::repo::{connection_points, site};

/// Every connection point, or those of the CMG `cmg` (id, Service FQDN or name).
pub(crate) async fn list(
    ctx: &SiteContext,
    cmg: Option<&str>,
) -> OpResult<Vec<ConnectionPointView>> {
    let cmg_id = match cmg {
        Some(key) => Some(find(ctx, HostedKind::Cmg, key).await?.id),
        None => None,
    };
    Ok(ctx
        .store()
        .call(move |c| connection_points::connection_points(c, cmg_id.as_deref()))
        .await?)
}

/// Adds a connection point for the CMG `cmg` on an existing site system (one per system).
pub(crate) async fn add(
    ctx: &SiteContext,
    cmg: &str,
    site_system: &str,
) -> OpResult<ConnectionPointView> {
    let cmg_id = find(ctx, HostedKind::Cmg, cmg).await?.id;
    let system = site_system.to_string();
    let view = ctx
        .store()
        .call_transaction(move |tx| {
            let Some((site_code, _)) = site::site(tx)? else {
                return Err(OpError::internal(
                    "adding a connection point",
                    "the site is not set up",
                ));
            };
            if site::site_system(tx, &system)?.is_none() {
                return Err(OpError::invalid(
                    "Site system",
                    "must be an existing site system server",
                ));
            }
            if connection_points::connection_points(tx, Some(&cmg_id))?
                .iter()
                .any(|c| c.site_system.eq_ignore_ascii_case(&system))
            {
                return Err(OpError::taken(
                    "Site system",
                    "already holds a connection point for this CMG",
                ));
            }
            let id = connection_points::add_connection_point(tx, &cmg_id, &system, &site_code)?;
            connection_points::connection_points(tx, Some(&cmg_id))?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| OpError::internal("adding a connection point", "its row vanished"))
        })
        .await?;
    ctx.bus().publish(Event::ConnectionPoint(view.clone()));
    Ok(view)
}
