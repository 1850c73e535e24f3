//! The CMG connection analyzer, as ConfigMgr's console runs it on a CMG: its checks in order
//! (service running; DNS name and service certificate; connection points connected to every
//! instance; a management point request through the CMG; the client certificate trusted and
//! not revoked; TLS version), each Passed, Failed or Skipped with what to do. The network
//! checks are real: the site connects to the instances' public addresses as a client would.

mod checks;
mod client_cert;
mod probe;
mod subject;

pub(crate) use probe::ClientKey;
pub(crate) use subject::Subject;

use crate::api::wire::{AnalyzerEvent, CheckResult};
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use tokio::sync::mpsc;

/// Runs every check in order, sending each as it starts and ends, then `Done`. A receiver that
/// went away (the operator closed the view) ends the run.
pub(crate) async fn run(
    subject: Subject,
    client: Option<ClientKey>,
    events: mpsc::Sender<AnalyzerEvent>,
) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    for check in AnalyzerCheck::ALL {
        let running = AnalyzerEvent::Running {
            check,
            name: check.display_name().into(),
        };
        if events.send(running).await.is_err() {
            return results;
        }
        let service_up = results
            .first()
            .is_none_or(|r| r.outcome == CheckOutcome::Passed);
        let r = if !service_up && check != AnalyzerCheck::ClientCertificate {
            subject::skipped(
                check,
                "the CMG service is not running (see the first check)",
            )
        } else {
            match check {
                AnalyzerCheck::ServiceRunning => checks::service_running(&subject).await,
                AnalyzerCheck::DnsCertificate => checks::dns_certificate(&subject).await,
                AnalyzerCheck::ConnectionPoints => checks::connection_points(&subject),
                AnalyzerCheck::ManagementPoint => {
                    checks::management_point(&subject, client.as_ref()).await
                }
                AnalyzerCheck::ClientCertificate => {
                    client_cert::check(&subject, client.as_ref()).await
                }
                AnalyzerCheck::TlsVersion => checks::tls_version(&subject).await,
            }
        };
        let finished = AnalyzerEvent::Finished { result: r.clone() };
        results.push(r);
        if events.send(finished).await.is_err() {
            return results;
        }
    }
    let failed = results
        .iter()
        .filter(|r| r.outcome == CheckOutcome::Failed)
        .count();
    let _ = events
        .send(AnalyzerEvent::Done {
            cmg: subject.fqdn().to_string(),
            failed,
        })
        .await;
    results
}
