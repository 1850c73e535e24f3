//! When a service's certificates expire, and ConfigMgr's report of an expired one: status
//! message 9425 and its `CloudMgr.log` line. The task runner reports before every task, the
//! health checks once per expiry.

use super::cmtrace::CLOUD_MGR_LOG;
use super::context::SiteContext;
use super::repo::services::ServiceRecord;
use crate::domain::task::{Level, message};
use time::OffsetDateTime;

/// One certificate's expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertDate {
    /// `service` or `management`.
    pub which: &'static str,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

/// The expiry of the service's certificates (those that can be read).
pub(crate) fn cert_dates(rec: &ServiceRecord) -> Vec<CertDate> {
    let service = OffsetDateTime::parse(
        &rec.settings.cert_not_after,
        &time::format_description::well_known::Rfc3339,
    )
    .ok();
    let management = crate::cert::pem::blocks(rec.management_cert_pem.as_bytes())
        .ok()
        .and_then(|b| b.into_iter().next())
        .and_then(|b| crate::cert::x509::parse(&b.der).ok())
        .map(|(f, _)| f.validity.1);
    [("service", service), ("management", management)]
        .into_iter()
        .filter_map(|(which, t)| t.map(|not_after| CertDate { which, not_after }))
        .collect()
}

/// Writes 9425 and ConfigMgr's CloudMgr.log line for one expired certificate.
pub(crate) async fn report_expired(ctx: &SiteContext, rec: &ServiceRecord, cert: &CertDate) {
    let (what, when) = (cert.which, crate::cert::x509::rfc3339(cert.not_after));
    let line = format!(
        "The {what} certificate of service {} is in expired state. It expired on {when} (UTC).",
        rec.deployment_name
    );
    ctx.log(CLOUD_MGR_LOG, Level::Error, &line).await;
    let text = format!(
        "The {what} certificate of {} expired on {when}; renew it in the service's Properties.",
        rec.service_fqdn
    );
    ctx.status(
        message::CERTIFICATE_EXPIRED,
        Level::Error,
        Some(&rec.id),
        &text,
    )
    .await;
}

/// Reports each of the service's certificates that has expired (ConfigMgr gives no earlier
/// warning; the health checks add one).
pub(crate) async fn report_all_expired(ctx: &SiteContext, rec: &ServiceRecord) {
    let now = OffsetDateTime::now_utc();
    for cert in cert_dates(rec) {
        if cert.not_after < now {
            report_expired(ctx, rec, &cert).await;
        }
    }
}
