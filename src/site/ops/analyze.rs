//! The CMG connection analyzer as an operation: checks what it was asked (the CMG exists, the
//! client certificate opens) before anything streams, then runs the analysis on its own task
//! (`site::analyzer`), writing each conclusion to `CMGService.log`.

use super::error::{OpError, OpResult};
use super::services::find;
use super::{connection_points, management_point};
use crate::api::wire::{AnalyzeCmg, AnalyzerEvent, CertUpload};
use crate::domain::analyzer::CheckOutcome;
use crate::domain::service::HostedKind;
use crate::domain::task::Level;
use crate::site::analyzer::{self, ClientKey, Subject};
use crate::site::cmtrace::CMG_SERVICE_LOG;
use crate::site::context::SiteContext;
use base64::Engine;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Events buffered between the analysis and a slow reader.
const BUFFER: usize = 16;

/// Opens the client certificate of a request: a `.pfx` with its key.
fn client_key(upload: &CertUpload) -> OpResult<ClientKey> {
    const FIELD: &str = "Client certificate";
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.file_base64.trim())
        .map_err(|_| OpError::invalid(FIELD, "must be a .pfx file, base64"))?;
    let opts = crate::cert::Options::new().password(upload.password.expose());
    let (report, identity) = crate::cert::inspect_identity(&bytes, &opts);
    if let Some(e) = report.error {
        return Err(OpError::invalid(FIELD, e.message));
    }
    let identity = identity.ok_or_else(|| {
        OpError::invalid(
            FIELD,
            "the file holds no private key: a client certificate .pfx with its key is needed",
        )
    })?;
    let chain = crate::tls::certs_from_pem(&identity.cert_pem())
        .map_err(|e| OpError::invalid(FIELD, e.to_string()))?
        .into_iter()
        .map(|c| c.to_vec())
        .collect();
    let key = crate::tls::key_from_pem(&identity.key_pem())
        .map_err(|e| OpError::invalid(FIELD, e.to_string()))?;
    Ok(ClientKey { chain, key })
}

/// Starts the connection analyzer on the CMG `key` (id, Service FQDN or name); its events
/// arrive on the receiver as each check runs and concludes, then `Done`.
pub(crate) async fn start(
    ctx: &Arc<SiteContext>,
    key: &str,
    req: AnalyzeCmg,
) -> OpResult<mpsc::Receiver<AnalyzerEvent>> {
    let client = req
        .client_certificate
        .as_ref()
        .map(client_key)
        .transpose()?;
    let rec = find(ctx, HostedKind::Cmg, key).await?;
    let view = ctx.service_view(&rec).await?;
    let id = rec.id.clone();
    let roots = ctx
        .store()
        .call(move |c| crate::site::repo::services::trusted_root_ders(c, &id))
        .await?;
    let points = connection_points::list(ctx, Some(&rec.id)).await?;
    let direct_policy = management_point::current_policy(ctx).await?;
    let subject = Subject {
        view,
        cert_pem: rec.cert_pem.clone(),
        roots,
        points,
        direct_policy,
    };
    let (tx, rx) = mpsc::channel(BUFFER);
    let ctx = Arc::clone(ctx);
    tokio::spawn(async move {
        let fqdn = subject.view.service_fqdn.clone();
        let results = analyzer::run(subject, client, tx).await;
        for r in results {
            let level = match r.outcome {
                CheckOutcome::Failed => Level::Warning,
                _ => Level::Info,
            };
            let text = format!(
                "Connection analyzer, CMG {fqdn}: {}: {}. {}",
                r.name,
                r.outcome.display_name(),
                r.detail
            );
            ctx.log(CMG_SERVICE_LOG, level, &text).await;
        }
    });
    Ok(rx)
}
