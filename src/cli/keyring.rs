//! The operator's API token in the OS keyring (`cloudsite login`). Without a usable keyring
//! (a headless box with no session keyring) cloudsite says so and never falls back to writing
//! the token in the clear.

use keyring_core::Entry;

/// Keyring service name of every cloudsite secret.
pub(super) const SERVICE: &str = "cloudsite";

fn ensure_store() -> Result<(), String> {
    if keyring_core::get_default_store().is_some() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        let store = linux_keyutils_keyring_store::Store::new().map_err(unavailable)?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    Err(unavailable("no keyring store is built for this platform"))
}

fn unavailable(e: impl std::fmt::Display) -> String {
    format!(
        "the OS keyring is not available here ({e}); use CLOUDSITE_TOKEN or --token-file instead"
    )
}

fn entry(site_url: &str) -> Result<Entry, String> {
    ensure_store()?;
    Entry::new(SERVICE, site_url.trim_end_matches('/')).map_err(unavailable)
}

/// Stores the token for a site.
pub(super) fn store_token(site_url: &str, token: &str) -> Result<(), String> {
    entry(site_url)?.set_password(token).map_err(unavailable)
}

/// The token stored for a site, if any; `Err` only when the keyring itself fails.
pub(super) fn load_token(site_url: &str) -> Result<Option<String>, String> {
    match entry(site_url)?.get_password() {
        Ok(t) => Ok(Some(t)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

/// Removes the token stored for a site.
pub(super) fn forget_token(site_url: &str) -> Result<(), String> {
    match entry(site_url)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(unavailable(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_per_site() {
        keyring_core::set_default_store(keyring_core::mock::Store::new().expect("mock store"));
        assert_eq!(load_token("https://site-a:8443"), Ok(None));
        store_token("https://site-a:8443/", "cs_secret").unwrap();
        assert_eq!(
            load_token("https://site-a:8443").unwrap().as_deref(),
            Some("cs_secret")
        );
        assert_eq!(load_token("https://site-b:8443"), Ok(None));
        forget_token("https://site-a:8443").unwrap();
        assert_eq!(load_token("https://site-a:8443"), Ok(None));
    }
}
