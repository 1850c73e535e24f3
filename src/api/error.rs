//! Why a call to the site failed.

use super::wire::ErrorDetail;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The site answered with an error.
    #[error("{}", describe(.status, .detail))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error body.
        detail: ErrorDetail,
    },
    /// The site could not be reached or answered garbage.
    #[error("cannot reach the site at {url}: {message}")]
    Transport {
        /// Site URL.
        url: String,
        /// Cause.
        message: String,
    },
}

fn describe(status: &u16, d: &ErrorDetail) -> String {
    match (&d.field, &d.rule) {
        (Some(f), Some(r)) => format!("{f}: {r}"),
        _ => format!("{} ({status})", d.message),
    }
}

impl ClientError {
    /// A transport failure talking to `url`, with the whole cause chain ("connection refused",
    /// "invalid peer certificate: UnknownIssuer", "operation timed out"), not only reqwest's
    /// top line ("error sending request").
    pub fn transport(url: &str, e: &(dyn std::error::Error + 'static)) -> ClientError {
        ClientError::Transport {
            url: url.to_string(),
            message: cause_chain(e),
        }
    }

    /// The field the site named and the rule it broke, for a refusal about one field: the
    /// console puts the rule under that field.
    pub fn field(&self) -> Option<(&str, &str)> {
        match self {
            ClientError::Api { detail, .. } => {
                Some((detail.field.as_deref()?, detail.rule.as_deref()?))
            }
            ClientError::Transport { .. } => None,
        }
    }

    /// The HTTP status, if the site answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            ClientError::Transport { .. } => None,
        }
    }
}

/// `e` and each of its sources, joined with ": ", a message repeated by its wrapper said once.
pub fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        // Wrappers often end with their source's text; keep the more specific one.
        if let Some(last) = parts.last_mut()
            && last.ends_with(&text)
        {
            next = err.source();
            continue;
        }
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("error sending request")]
    struct Top(#[source] Mid);

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Mid(#[source] std::io::Error);

    #[test]
    fn the_cause_chain_is_shown_not_only_the_top_line() {
        let e = Top(Mid(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        )));
        assert_eq!(
            cause_chain(&e),
            "error sending request: client error (Connect): Connection refused (os error 111)"
        );
    }
}
