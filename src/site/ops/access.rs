//! Who may do what: API tokens are checked here, roles are matched against what an operation
//! needs, and Full Administrators make new tokens.

use super::error::{OpError, OpResult};
use crate::api::wire::{CreateToken, NewToken};
use crate::domain::role::Role;
use crate::site::context::SiteContext;
use crate::site::repo::connection_points::{CREDENTIAL_LABEL, credential, set_credential};
use crate::site::tokens::{self, TokenError, TokenRecord};

/// The record of `token` if it is a current token of this site (its last use is refreshed).
pub(crate) async fn authenticate(
    ctx: &SiteContext,
    token: String,
) -> OpResult<Option<TokenRecord>> {
    // Every API request checks its token: a quick read, at most a `last_used` refresh a minute.
    ctx.store()
        .call_quick(move |c| tokens::verify_on(c, &token))
        .await
        .map_err(|e| OpError::internal("checking an API token", e))
}

/// Refuses a client's token outside the management point routes.
pub(crate) fn require_site_reader(role: Role) -> OpResult<()> {
    if role.can_read_site() {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "a {} token reaches only the management point routes (/v1/mp, /v1/sup)",
            role.display_name()
        )))
    }
}

/// Refuses a role the management point gives no content keys (an analyst's).
pub(crate) fn require_content_keys(role: Role) -> OpResult<()> {
    if role.gets_content_keys() {
        Ok(())
    } else {
        Err(OpError::Forbidden(format!(
            "a {} token gets no package keys or content tokens; clients use a client token",
            role.display_name()
        )))
    }
}

/// Refuses a role that may not change things.
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
    let role = Role::parse(&req.role).ok_or_else(|| {
        OpError::invalid(
            "Role",
            "must be full-admin, infra-admin, read-only or client",
        )
    })?;
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

/// The credential under which the site keeps its own connection points' token.
const SERVICE_TOKEN: &str = "connection point token";
/// That token's name in the token list.
const SERVICE_TOKEN_NAME: &str = "connection points run by the site service";

/// The token the connection points the site service runs use over its own API (they take the
/// same path as any other): made the first time one runs, kept sealed, made again if someone
/// revoked it. An Infrastructure Administrator token, as every connection point needs.
pub(crate) async fn service_token(ctx: &SiteContext) -> OpResult<String> {
    let (store, secrets) = (ctx.store().clone(), ctx.secrets().clone());
    let token = tokio::task::spawn_blocking(move || {
        let sealed = store.with(|c| credential(c, SERVICE_TOKEN))?;
        if let Some(sealed) = sealed {
            let token = secrets
                .open(CREDENTIAL_LABEL, &sealed)?
                .as_str()?
                .to_string();
            if tokens::verify(&store, &token)
                .map_err(|e| OpError::internal("checking the site's own token", e))?
                .is_some()
            {
                return Ok::<_, OpError>(token);
            }
        }
        let (_, token) = tokens::create(
            &store,
            SERVICE_TOKEN_NAME,
            Role::InfrastructureAdministrator,
        )
        .map_err(|e| OpError::internal("making the site's own token", e))?;
        let sealed = secrets
            .seal(CREDENTIAL_LABEL, token.as_bytes())
            .map_err(|e| OpError::internal("sealing the site's own token", e))?;
        store.with(|c| set_credential(c, SERVICE_TOKEN, &sealed))?;
        Ok(token)
    })
    .await??;
    ctx.logs().register_secret(&token);
    Ok(token)
}
