//! What the two ends of a CMG channel agree on, beyond HTTP/2 itself: how the HTTPS fallback
//! becomes a channel, and the headers the CMG adds to a client request it forwards.
//!
//! Over TCP-TLS the channel is HTTP/2 from the first byte after the TLS handshake. Over the
//! HTTPS fallback (which, unlike TCP-TLS, can go through a proxy) the connection point sends
//! one HTTP/1.1 `GET` [`FALLBACK_PATH`] with `Connection: Upgrade` and `Upgrade:`
//! [`UPGRADE_PROTOCOL`]; after the CMG's `101 Switching Protocols` the connection carries the
//! same reversed HTTP/2 as the TCP-TLS one.
//!
//! Both transports authenticate both ends in TLS: the instance presents the service
//! certificate, which the connection point pins (its thumbprint comes from the site); the
//! connection point presents the certificate the site issued for it, which the instance
//! checks against the site's connection point CA (in its deploy spec).

/// The path of the HTTPS fallback's upgrade request.
pub const FALLBACK_PATH: &str = "/cmg/channel";

/// The `Upgrade` protocol token of the HTTPS fallback.
pub const UPGRADE_PROTOCOL: &str = "cloudsite-cmg-channel";

/// The client's certificate (base64 of its DER), when it presented one that the CMG verified.
pub const CLIENT_CERT_HEADER: &str = "x-cmg-client-certificate";

/// The instance that received the client's request (e.g. `CMG_IN_0`).
pub const INSTANCE_HEADER: &str = "x-cmg-instance";

/// The CMG's service FQDN.
pub const CMG_HEADER: &str = "x-cmg-name";

/// The client's address as the CMG saw it.
pub const CLIENT_ADDRESS_HEADER: &str = "x-cmg-client-address";

/// Headers that describe one hop and are not forwarded (RFC 9110 §7.6.1); HTTP/2 forbids the
/// connection-specific ones among them (RFC 9113 §8.2.2).
pub const HOP_HEADERS: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
];

/// [`HOP_HEADERS`], plus the ones the CMG sets itself, so a client cannot forge them.
pub fn is_hop_or_gateway_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_HEADERS.contains(&name.as_str()) || name.starts_with("x-cmg-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_cannot_forge_the_gateway_headers() {
        for h in [
            CLIENT_CERT_HEADER,
            INSTANCE_HEADER,
            CMG_HEADER,
            "X-CMG-Anything",
            "Connection",
        ] {
            assert!(is_hop_or_gateway_header(h), "{h}");
        }
        assert!(!is_hop_or_gateway_header("authorization"));
        assert!(!is_hop_or_gateway_header("content-type"));
    }
}
