//! The API view of a service row: settings, certificate, trusted roots, the CNAME target and
//! the latest usage.

use super::error::Result;
use super::services::ServiceRecord;
use super::usage::latest_usage;
use crate::api::wire::{CertificateView, CmgSettings, ServiceView, TrustedRootView};
use crate::domain::service::{Environment, HostedKind};
use crate::site::db::{Connection, params};
use crate::site::store::millis_to_rfc3339;

/// Trusted roots of a CMG.
pub(crate) fn trusted_roots(conn: &Connection, service_id: &str) -> Result<Vec<TrustedRootView>> {
    let mut stmt = conn.prepare(
        "SELECT kind, thumbprint, der FROM trusted_roots WHERE service_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![service_id], |r| {
        let der: Vec<u8> = r.get(2)?;
        let cn = crate::cert::x509::parse(&der)
            .ok()
            .and_then(|(f, _)| f.subject_cn);
        Ok(TrustedRootView {
            kind: r.get(0)?,
            thumbprint: r.get(1)?,
            subject_cn: cn,
        })
    })?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// The API view of a service.
pub(crate) fn view(conn: &Connection, rec: &ServiceRecord) -> Result<ServiceView> {
    let cmg = match &rec.settings.cmg {
        Some(o) => Some(CmgSettings {
            vm_size: o.vm_size.clone(),
            check_crl: o.check_crl,
            enforce_tls12: o.enforce_tls12,
            serve_content: o.serve_content,
            egress_alerts: o.egress_alerts,
            stop_at_critical: o.stop_at_critical,
            storage_alerts: o.storage_alerts,
            trusted_roots: trusted_roots(conn, &rec.id)?,
        }),
        None => None,
    };
    Ok(ServiceView {
        id: rec.id.clone(),
        kind: rec.kind,
        service_fqdn: rec.service_fqdn.clone(),
        name: rec.deployment_name.clone(),
        status: rec.state,
        status_details: Some(rec.status_details.clone()).filter(|d| !d.is_empty()),
        subscription_id: rec.subscription_id.clone(),
        environment: rec.environment,
        region: rec.region.clone(),
        resource_group: rec.resource_group.clone(),
        description: rec.description.clone(),
        vm_instances: rec.instances,
        instances: rec.settings.instances.clone(),
        storage: rec.settings.storage,
        transfer: rec.settings.transfer,
        cmg,
        certificate: CertificateView {
            thumbprint: rec.cert_thumbprint.clone(),
            subject_cn: rec.settings.cert_cn.clone(),
            not_after: rec.settings.cert_not_after.clone(),
            wildcard: rec.cert_wildcard,
        },
        cname_target: cname_target(rec),
        created: millis_to_rfc3339(rec.created),
        updated: millis_to_rfc3339(rec.updated),
        usage: latest_usage(conn, &rec.id)?,
        // Live figures, not stored: the caller adds them (`SiteContext::service_view`).
        gateway: None,
    })
}

/// The cloud name the operator's CNAME must point at (README, "Configuration Manager facts").
pub(crate) fn cname_target(rec: &ServiceRecord) -> String {
    let gov = rec.environment == Environment::AzureUSGovernmentCloud;
    match rec.kind {
        HostedKind::Cdp => format!(
            "{}.{}",
            rec.deployment_name,
            if gov {
                "usgovcloudapp.net"
            } else {
                "cloudapp.net"
            }
        ),
        HostedKind::Cmg if gov => format!("{}.usgovcloudapp.net", rec.deployment_name),
        HostedKind::Cmg => format!(
            "{}.{}.cloudapp.azure.com",
            rec.deployment_name,
            rec.region.to_ascii_lowercase()
        ),
    }
}
