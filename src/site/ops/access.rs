//! Who may do what: API tokens are checked here, roles are matched against what an operation
//! needs, and Full Administrators make new tokens.

use super::error::{OpError, OpResult};
use crate::api::wire::{CreateToken, NewToken};
use crate::domain::role::Role;
use crate::site::context::SiteContext;
use crate::site::tokens::{self, TokenError, TokenRecord};

/// The record of `token` if it is a current token of this site (its last use is refreshed).
pub(crate) async fn authenticate(
    ctx: &SiteContext,
    token: String,
) -> OpResult<Option<TokenRecord>> {
    let store = ctx.store().clone();
    tokio::task::spawn_blocking(move || tokens::verify(&store, &token))
        .await?
        .map_err(|e| OpError::internal("checking an API token", e))
}

/// Refuses a role that may only read.
pub(crate) fn require_writer(role: Role) -> OpResult<()> {
    if role.can_write() {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "the {} role may only read",
            role.display_name()
        )))
    }
}

/// Refuses every role but Full Administrator (who manages tokens).
pub(crate) fn require_admin(role: Role) -> OpResult<()> {
    if role == Role::FullAdministrator {
        Ok(())
    } else {
        Err(OpError::Forbidden(
            "only a Full Administrator manages tokens".into(),
        ))
    }
}

/// Makes a token; it is shown once, in the answer.
pub(crate) async fn create_token(ctx: &SiteContext, req: CreateToken) -> OpResult<NewToken> {
    let role = Role::parse(&req.role)
        .ok_or_else(|| OpError::invalid("Role", "must be full-admin, infra-admin or read-only"))?;
    let store = ctx.store().clone();
    let (rec, token) = tokio::task::spawn_blocking(move || tokens::create(&store, &req.name, role))
        .await?
        .map_err(|e| match e {
            TokenError::BadName(m) => OpError::invalid("Name", m),
            other => OpError::internal("making an API token", other),
        })?;
    Ok(NewToken {
        id: rec.id,
        name: rec.name,
        role: rec.role,
        token,
    })
}
