//! What operators do with alerts: list, postpone (Suspend-CMAlert), close, disable and enable
//! (Disable-/Enable-CMAlert). Each change is published as an `alert` event.

use super::error::{OpError, OpResult};
use crate::api::wire::{AlertView, CloseAlert, Event, PostponeAlert};
use crate::site::context::SiteContext;
use crate::site::repo::alerts;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every alert, newest first.
pub(crate) async fn list(ctx: &SiteContext) -> OpResult<Vec<AlertView>> {
    Ok(ctx.store().call(|c| alerts::list_alerts(c)).await?)
}

/// Answers an alert change: not found for an unknown id, else publishes it.
fn changed(ctx: &SiteContext, id: &str, alert: Option<AlertView>) -> OpResult<AlertView> {
    let alert = alert.ok_or_else(|| OpError::not_found(format!("the alert '{id}'")))?;
    ctx.bus().publish(Event::Alert(alert.clone()));
    Ok(alert)
}

/// An alert comment as it is stored (trimmed; none when empty), or the rule it breaks.
fn checked_comment(comment: Option<&str>) -> OpResult<Option<String>> {
    let comment = comment.map(crate::domain::text::comment).transpose()?;
    Ok(comment.filter(|c| !c.is_empty()))
}

/// Postpones an alert until a time in the future: state Postponed; `author` signs the comment.
pub(crate) async fn postpone(
    ctx: &SiteContext,
    id: &str,
    req: PostponeAlert,
    author: &str,
) -> OpResult<AlertView> {
    let until = OffsetDateTime::parse(req.until.trim(), &Rfc3339).map_err(|_| {
        OpError::invalid(
            "Postpone until",
            "must be a date and time in RFC 3339 form (e.g. 2030-01-31T18:00:00Z)",
        )
    })?;
    if until <= OffsetDateTime::now_utc() {
        return Err(OpError::invalid("Postpone until", "must be in the future"));
    }
    let millis = (until.unix_timestamp_nanos() / 1_000_000) as i64;
    let comment = checked_comment(req.comment.as_deref())?;
    let (i, author) = (id.to_string(), author.to_string());
    let alert = ctx
        .store()
        .call_transaction(move |tx| {
            alerts::postpone_alert(tx, &i, millis, comment.as_deref(), &author)
        })
        .await?;
    changed(ctx, id, alert)
}

/// Closes an alert: state Canceled, closed by `author`.
pub(crate) async fn close(
    ctx: &SiteContext,
    id: &str,
    req: CloseAlert,
    author: &str,
) -> OpResult<AlertView> {
    let comment = checked_comment(req.comment.as_deref())?;
    let (i, author) = (id.to_string(), author.to_string());
    let alert = ctx
        .store()
        .call_transaction(move |tx| alerts::close_alert(tx, &i, comment.as_deref(), &author))
        .await?;
    changed(ctx, id, alert)
}

/// Enables (Never Triggered until raised again) or disables (not evaluated) an alert.
pub(crate) async fn set_enabled(ctx: &SiteContext, id: &str, enabled: bool) -> OpResult<AlertView> {
    let i = id.to_string();
    let alert = ctx
        .store()
        .call_transaction(move |tx| alerts::set_alert_enabled(tx, &i, enabled))
        .await?;
    changed(ctx, id, alert)
}
