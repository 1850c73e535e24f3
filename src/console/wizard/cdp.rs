//! Create Cloud Distribution Point: the pages' fields (domain.md §1) and the request.

use super::check::{self, Values};
use super::fields::Field;
use crate::api::wire::CreateCdp;
use crate::domain::service::{CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, REGIONS, Threshold};

/// General page, shared by both wizards (the classic page: environment, subscription,
/// management certificate).
pub fn general() -> Vec<Field> {
    vec![
        Field::choice(
            "environment",
            "Azure environment",
            &["AzurePublicCloud", "AzureUSGovernmentCloud"],
            "AzurePublicCloud",
        ),
        Field::text("subscription_id", "Subscription ID")
            .hint("a GUID from the Azure portal; filled from a .publishsettings file"),
        Field::file(
            "mgmt_file",
            "Management certificate file (.pfx or .publishsettings)",
        ),
        Field::password("mgmt_password", "Password"),
    ]
}

/// Threshold fields with their defaults.
pub fn threshold_fields(
    ids: [&'static str; 3],
    labels: [&'static str; 3],
    default: Threshold,
) -> [Field; 3] {
    [
        Field::number(ids[0], labels[0], i64::from(default.quota_gb)),
        Field::number(ids[1], labels[1], i64::from(default.warning_pct)),
        Field::number(ids[2], labels[2], i64::from(default.critical_pct)),
    ]
}

/// General, Settings and Alerts; `site_code` is this site's, the only primary site.
pub fn pages(site_code: Option<&str>) -> Vec<Vec<Field>> {
    let sites: Vec<&str> = site_code.into_iter().collect();
    let settings = vec![
        Field::choice("region", "Region", REGIONS, "WestEurope"),
        Field::text("resource_group", "Resource group").optional(),
        Field::choice(
            "primary_site",
            "Primary site",
            &sites,
            site_code.unwrap_or(""),
        )
        .optional()
        .hint("this site is the only primary site: it transfers the content"),
        Field::file("cert_file", "Certificate file (.pfx)"),
        Field::password("cert_password", "Password"),
        Field::text("service_fqdn", "Service FQDN")
            .hint("filled from the certificate's name; editable"),
        Field::text("description", "Description").optional(),
    ];
    // Exact labels are unconfirmed (domain.md §1); these say what each number means.
    let mut alerts = Vec::new();
    alerts.extend(threshold_fields(
        ["storage_gb", "storage_warn", "storage_crit"],
        [
            "Storage alert threshold (GB)",
            "Storage warning alert (%)",
            "Storage critical alert (%)",
        ],
        CDP_STORAGE_DEFAULT,
    ));
    alerts.extend(threshold_fields(
        ["transfer_gb", "transfer_warn", "transfer_crit"],
        [
            "Monthly transfer alert threshold (GB)",
            "Transfer warning alert (%)",
            "Transfer critical alert (%)",
        ],
        CDP_TRANSFER_DEFAULT,
    ));
    vec![general(), settings, alerts]
}

/// The `POST /v1/cdps` body.
pub fn body(v: &Values<'_>) -> Result<serde_json::Value, String> {
    let req = CreateCdp {
        primary_site: check::opt(v, "primary_site"),
        subscription: check::subscription_input(v)?,
        region: v.text("region"),
        resource_group: check::opt(v, "resource_group"),
        service_certificate: check::upload(v, "cert_file", "cert_password")?,
        service_fqdn: check::opt(v, "service_fqdn"),
        description: v.text("description"),
        storage: check::threshold(v, ["storage_gb", "storage_warn", "storage_crit"]),
        transfer: check::threshold(v, ["transfer_gb", "transfer_warn", "transfer_crit"]),
    };
    serde_json::to_value(req).map_err(|e| e.to_string())
}
