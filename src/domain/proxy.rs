//! The site system's Proxy tab (README, "Configuration Manager facts").

use super::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

/// Default proxy port.
pub const DEFAULT_PORT: u16 = 80;

/// Proxy settings of one site system, as the Proxy tab shows them (the password is never shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProxySettings {
    /// "Use a proxy server when synchronizing information from the internet".
    pub enabled: bool,
    /// Proxy server name: host, FQDN or IP address.
    pub server: Option<String>,
    /// Port, default 80.
    pub port: u16,
    /// "Use credentials to connect to the proxy server": the account name.
    pub account: Option<String>,
    /// Whether a password is stored for the account (the password itself is never returned).
    pub has_password: bool,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            enabled: false,
            server: None,
            port: DEFAULT_PORT,
            account: None,
            has_password: false,
        }
    }
}

/// Checks a proxy server name: a host name, an FQDN, or an IPv4/IPv6 address.
pub fn server_name(value: &str) -> Result<(), FieldError> {
    let v = value.trim();
    if v.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    // A single-label host name is allowed here (the Proxy tab takes "host or FQDN").
    let as_fqdn = if v.contains('.') {
        v.to_string()
    } else {
        format!("{v}.local")
    };
    validate::fqdn_problem(&as_fqdn).map_or(Ok(()), |p| {
        Err(FieldError::new(
            "Proxy server name",
            format!("must be a host name, FQDN or IP address: {p}"),
        ))
    })
}

/// Validates the Proxy tab as the DSC resource does: port 1–65535, a server when enabled,
/// no proxy fields without "use a proxy server", an account name without `@` (no UPN).
pub fn validate(
    enabled: bool,
    server: Option<&str>,
    port: i64,
    account: Option<&str>,
) -> Result<u16, FieldError> {
    let port = validate::port("Port", port)?;
    match (enabled, server.filter(|s| !s.trim().is_empty())) {
        (true, None) => {
            return Err(FieldError::new(
                "Proxy server name",
                "is required when a proxy server is used",
            ));
        }
        (true, Some(s)) => server_name(s)?,
        (false, Some(_)) => {
            return Err(FieldError::new(
                "Proxy server name",
                "must be empty unless \"Use a proxy server\" is on",
            ));
        }
        (false, None) => {}
    }
    if let Some(a) = account.filter(|a| !a.is_empty()) {
        super::text::account(a)?;
        if !enabled {
            return Err(FieldError::new(
                "Account",
                "must be empty unless \"Use a proxy server\" is on",
            ));
        }
        if a.contains('@') {
            return Err(FieldError::new(
                "Account",
                "must be DOMAIN\\user or user, not a UPN",
            ));
        }
    }
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_rules() {
        assert_eq!(
            validate(true, Some("proxy.contoso.com"), 8080, Some("CONTOSO\\svc")),
            Ok(8080)
        );
        assert_eq!(validate(true, Some("10.0.0.5"), 80, None), Ok(80));
        assert_eq!(validate(true, Some("proxy1"), 80, None), Ok(80));
        assert_eq!(
            validate(true, None, 80, None).unwrap_err().field,
            "Proxy server name"
        );
        assert_eq!(
            validate(false, Some("p.contoso.com"), 80, None)
                .unwrap_err()
                .field,
            "Proxy server name"
        );
        assert_eq!(
            validate(true, Some("p.contoso.com"), 0, None)
                .unwrap_err()
                .field,
            "Port"
        );
        assert_eq!(
            validate(true, Some("p.contoso.com"), 80, Some("a@b.com"))
                .unwrap_err()
                .field,
            "Account"
        );
        assert_eq!(
            validate(false, None, 80, Some("svc")).unwrap_err().field,
            "Account"
        );
        assert!(validate(true, Some("bad_name"), 80, None).is_err());
    }
}
