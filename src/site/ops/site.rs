//! The site itself: what it is, its site systems and their Proxy tab, and its client settings.

use super::error::{OpError, OpResult};
use crate::api::wire::{ClientSettings, Event, SetProxy, SiteSystemView, SiteView};
use crate::domain::proxy::{self, ProxySettings};
use crate::domain::role::Role;
use crate::site::context::SiteContext;
use crate::site::repo::client_settings;
use crate::site::repo::site::{self, PasswordChange};

/// The site, as seen by a caller with `role`.
pub(crate) async fn describe(ctx: &SiteContext, role: Role) -> OpResult<SiteView> {
    let (site_code, server_name) = ctx
        .store()
        .call(|c| site::site(c))
        .await?
        .ok_or_else(|| OpError::internal("reading the site", "the site is not set up"))?;
    Ok(SiteView {
        site_code,
        server_name,
        version: env!("CARGO_PKG_VERSION").into(),
        role,
        replica: ctx.replica().role(),
        database: ctx.replica().engine(),
    })
}

/// Every site system with its Proxy tab.
pub(crate) async fn site_systems(ctx: &SiteContext) -> OpResult<Vec<SiteSystemView>> {
    Ok(ctx.store().call(|c| site::site_systems(c)).await?)
}

/// A site system's Proxy tab.
pub(crate) async fn proxy(ctx: &SiteContext, name: &str) -> OpResult<ProxySettings> {
    let n = name.to_string();
    let sys = ctx.store().call(move |c| site::site_system(c, &n)).await?;
    Ok(sys
        .ok_or_else(|| OpError::not_found(format!("the site system '{name}'")))?
        .proxy)
}

/// Validates the Proxy tab: the settings to store and what to do with the stored password.
fn proxy_change(req: &SetProxy) -> OpResult<(ProxySettings, PasswordChange)> {
    let port = proxy::validate(
        req.enabled,
        req.server.as_deref(),
        req.port.unwrap_or(i64::from(proxy::DEFAULT_PORT)),
        req.account.as_deref(),
    )?;
    let account = req.account.clone().filter(|a| !a.trim().is_empty());
    if req.password.as_ref().is_some_and(|p| !p.is_empty()) && account.is_none() {
        return Err(OpError::invalid("Password", "needs an account"));
    }
    let password = match (&req.password, &account) {
        (_, None) => PasswordChange::Clear,
        (None, Some(_)) => PasswordChange::Keep,
        (Some(p), Some(_)) if p.is_empty() => PasswordChange::Clear,
        (Some(p), Some(_)) => PasswordChange::Set(p.expose().to_string()),
    };
    let settings = ProxySettings {
        enabled: req.enabled,
        server: req
            .server
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        port,
        account,
        has_password: false,
    };
    Ok((settings, password))
}

/// Saves a site system's Proxy tab; a save replaces the previous settings. The password is
/// stored sealed and never returned.
pub(crate) async fn set_proxy(
    ctx: &SiteContext,
    name: &str,
    req: SetProxy,
) -> OpResult<ProxySettings> {
    let (settings, password) = proxy_change(&req)?;
    if let PasswordChange::Set(p) = &password {
        // Even if a message ever quoted it, the log would not carry it.
        ctx.logs().register_secret(p);
    }
    let secrets = ctx.secrets().clone();
    let n = name.to_string();
    let saved = ctx
        .store()
        .call_transaction(move |tx| {
            if site::site_system(tx, &n)?.is_none() {
                return Ok(None);
            }
            site::set_proxy(tx, &secrets, &n, &settings, password)?;
            site::site_system(tx, &n)
        })
        .await?
        .ok_or_else(|| OpError::not_found(format!("the site system '{name}'")))?;
    ctx.bus().publish(Event::SiteSystem(saved.clone()));
    Ok(saved.proxy)
}

/// The client settings.
pub(crate) async fn client_settings(ctx: &SiteContext) -> OpResult<ClientSettings> {
    Ok(ClientSettings {
        allow_cloud_dp: ctx
            .store()
            .call(|c| client_settings::allow_cloud_dp(c))
            .await?,
    })
}

/// Saves the client settings.
pub(crate) async fn set_client_settings(
    ctx: &SiteContext,
    req: ClientSettings,
) -> OpResult<ClientSettings> {
    ctx.store()
        .call(move |c| client_settings::set_allow_cloud_dp(c, req.allow_cloud_dp))
        .await?;
    ctx.bus().publish(Event::ClientSettings(req));
    Ok(req)
}
