//! Create Cloud Management Gateway: the pages' fields (domain.md §2) and the request.

use super::cdp::{general, threshold_fields};
use super::check::{self, Values};
use super::fields::Field;
use crate::api::wire::CreateCmg;
use crate::domain::service::{CMG_EGRESS_DEFAULT, CMG_REGIONS, CMG_STORAGE_DEFAULT, VM_SIZES};

/// General, Settings and Alerts.
pub fn pages() -> Vec<Vec<Field>> {
    let settings = vec![
        Field::file("cert_file", "Certificate file (.pfx)"),
        Field::password("cert_password", "Password"),
        Field::text("service_fqdn", "Service name (FQDN)")
            .hint("filled from the certificate's name; the host part names the deployment"),
        Field::text("description", "Description").optional(),
        Field::choice("region", "Region", CMG_REGIONS, "WestEurope"),
        Field::text("resource_group", "Resource group").optional(),
        Field::choice("vm_size", "VM Size", VM_SIZES, "Standard_A2_v2"),
        Field::number("vm_instances", "VM Instance", 1).hint("1 to 16"),
        Field::files("trusted_roots", "Certificates (trusted roots)").optional(),
        Field::check("check_crl", "Verify Client Certificate Revocation", true),
        Field::check("enforce_tls12", "Enforce TLS 1.2", true),
        Field::check(
            "serve_content",
            "Allow CMG to function as a cloud distribution point and serve content from Azure storage",
            true,
        ),
    ];
    let [egress_gb, egress_warn, egress_crit] = threshold_fields(
        ["egress_gb", "egress_warn", "egress_crit"],
        ["Threshold (GB)", "Warning (%)", "Critical (%)"],
        CMG_EGRESS_DEFAULT,
    );
    let [storage_gb, storage_warn, storage_crit] = threshold_fields(
        ["storage_gb", "storage_warn", "storage_crit"],
        [
            "Storage alert threshold (GB)",
            "Generate Warning alert (% of storage alert threshold)",
            "Generate Critical alert (% of storage alert threshold)",
        ],
        CMG_STORAGE_DEFAULT,
    );
    let alerts = vec![
        Field::check(
            "egress_alerts",
            "Turn on 14-day threshold and alerts for monitoring outbound data transfer",
            false,
        ),
        egress_gb.depends("egress_alerts"),
        egress_warn.depends("egress_alerts"),
        egress_crit.depends("egress_alerts"),
        Field::check(
            "stop_at_critical",
            "Stop this service when the critical threshold is exceeded",
            false,
        )
        .depends("egress_alerts"),
        Field::check("storage_alerts", "Specify storage alert threshold", false),
        storage_gb.depends("storage_alerts"),
        storage_warn.depends("storage_alerts"),
        storage_crit.depends("storage_alerts"),
    ];
    vec![general(), settings, alerts]
}

/// The `POST /v1/cmgs` body.
pub fn body(v: &Values<'_>) -> Result<serde_json::Value, String> {
    let req = CreateCmg {
        subscription: check::subscription_input(v)?,
        service_certificate: check::upload(v, "cert_file", "cert_password")?,
        service_fqdn: check::opt(v, "service_fqdn"),
        description: v.text("description"),
        region: v.text("region"),
        resource_group: check::opt(v, "resource_group"),
        vm_size: Some(v.text("vm_size")),
        vm_instances: v.num("vm_instances"),
        trusted_roots: check::trusted_roots(&v.text("trusted_roots"))?,
        check_crl: Some(v.checked("check_crl")),
        enforce_tls12: Some(v.checked("enforce_tls12")),
        serve_content: Some(v.checked("serve_content")),
        egress_alerts: Some(v.checked("egress_alerts")),
        egress: check::threshold(v, ["egress_gb", "egress_warn", "egress_crit"]),
        stop_at_critical: Some(v.checked("egress_alerts") && v.checked("stop_at_critical")),
        storage_alerts: Some(v.checked("storage_alerts")),
        storage: check::threshold(v, ["storage_gb", "storage_warn", "storage_crit"]),
    };
    serde_json::to_value(req).map_err(|e| e.to_string())
}
