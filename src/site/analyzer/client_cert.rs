//! The analyzer's client certificate check: the same question a CMG asks of every client
//! request (`gateway::client_auth`, `gateway::revocation`), asked by the site, so a refusal is
//! explained with what to do.

use super::probe::ClientKey;
use super::subject::{Subject, failed, passed, skipped};
use crate::api::wire::CheckResult;
use crate::domain::analyzer::AnalyzerCheck;
use crate::gateway::client_auth::{ClientCertError, ClientTrust};
use crate::gateway::revocation::{HttpCrlFetcher, RevocationError};
use std::time::Duration;

/// The subject CN of a certificate, or its subject.
fn subject(der: &[u8]) -> String {
    match crate::cert::x509::parse(der) {
        Ok((facts, _)) => facts.subject_cn.unwrap_or(facts.subject),
        Err(_) => "(unreadable)".into(),
    }
}

/// The CNs of the CMG's trusted roots, for messages.
fn roots_text(roots: &[Vec<u8>]) -> String {
    roots
        .iter()
        .map(|r| format!("'{}'", subject(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The client certificate (optional) chains to a trusted root of the CMG and, with Verify
/// client certificate revocation, its CRL can be fetched and does not list it.
pub(super) async fn check(s: &Subject, client: Option<&ClientKey>) -> CheckResult {
    let check = AnalyzerCheck::ClientCertificate;
    let fqdn = s.fqdn();
    let check_crl = s.view.cmg.as_ref().is_none_or(|c| c.check_crl);
    let Some(client) = client else {
        if s.roots.is_empty() {
            return skipped(
                check,
                "No client certificate was given, and this CMG has no trusted root certificates: it does not ask clients for one.",
            );
        }
        return failed(
            check,
            format!(
                "No client certificate was given, and this CMG requires one: it accepts management point requests only from clients with a certificate from one of its trusted roots ({}).",
                roots_text(&s.roots)
            ),
            "Analyze again with --client-cert FILE.pfx (console: give the client certificate file), a client authentication certificate from one of those roots.",
        );
    };
    let Some(leaf) = client.chain.first() else {
        return failed(
            check,
            "The client certificate file holds no certificate.",
            "Give a .pfx holding the client authentication certificate and its key.",
        );
    };
    let who = subject(leaf);
    if s.roots.is_empty() {
        return failed(
            check,
            format!(
                "This CMG has no trusted root certificates, so it does not ask clients for a certificate and cannot authenticate '{who}'."
            ),
            "Add the root CA that issued the client certificates to the CMG's trusted root certificates (Properties, Settings, Certificates…), or analyze without a client certificate.",
        );
    }
    let trust = match ClientTrust::new(&s.roots) {
        Ok(t) => t,
        Err(e) => {
            return failed(
                check,
                format!("The CMG's trusted certificates cannot be used: {e}."),
                "Replace them in the CMG's Properties (Settings, Certificates…).",
            );
        }
    };
    // A fresh fetcher, no cache: the analyzer says what the CRL says now.
    let fetcher = match HttpCrlFetcher::new(Duration::ZERO) {
        Ok(f) => f,
        Err(e) => {
            return failed(
                check,
                format!("Cannot set up CRL downloads: {e}."),
                "Try again; the site's log says more.",
            );
        }
    };
    let revocation = check_crl.then_some(&fetcher as &dyn crate::gateway::revocation::CrlFetcher);
    let crl_off = format!(
        "or turn off Verify client certificate revocation: cloudsite cmg set {fqdn} --check-crl no"
    );
    match trust.authenticate(&client.chain, revocation).await {
        Ok(()) => {
            let revoked = if check_crl {
                "its CRL was fetched and does not list it"
            } else {
                "revocation is not checked (Verify client certificate revocation is off)"
            };
            passed(
                check,
                format!(
                    "'{who}' chains to a trusted root of the CMG ({}); {revoked}.",
                    roots_text(&s.roots)
                ),
            )
        }
        Err(e @ ClientCertError::Untrusted { .. }) => failed(
            check,
            format!("{e}."),
            format!(
                "Give the client a certificate issued from one of the CMG's trusted roots ({}), or add the root that issued this one to the CMG (Properties, Settings, Certificates…).",
                roots_text(&s.roots)
            ),
        ),
        Err(e @ ClientCertError::Invalid { .. }) => failed(
            check,
            format!("{e}."),
            "Give the client a client authentication certificate (EKU Client Authentication) within its validity dates.",
        ),
        Err(ClientCertError::Revocation(e @ RevocationError::Revoked { .. })) => failed(
            check,
            format!("{e}: the CMG refuses it."),
            "The CA revoked this certificate: issue the client a new one.",
        ),
        Err(ClientCertError::Revocation(e @ RevocationError::Unavailable { .. })) => failed(
            check,
            format!(
                "{e}. While the CRL cannot be fetched the CMG refuses every client certificate it names: it cannot tell whether it is revoked."
            ),
            format!(
                "Publish the CRL where the certificate's CRL distribution point says, reachable from the CMG (the lab: cloudsite lab serve LABDIR), {crl_off}."
            ),
        ),
        Err(e) => failed(
            check,
            format!("{e}."),
            format!(
                "Publish a current CRL signed by the issuing CA at the certificate's CRL distribution point, {crl_off}."
            ),
        ),
    }
}
