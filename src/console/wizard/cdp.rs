//! Create Cloud Distribution Point: the pages' fields (domain.md §1) and the request.

use super::check;
use crate::api::wire::CreateCdp;
use crate::console::field::{Field, FieldId};
use crate::console::shell::Core;
use crate::domain::service::{CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, REGIONS, Threshold};

use FieldId::*;

/// What the pick list of known subscriptions offers besides them.
pub(super) const ANOTHER_SUBSCRIPTION: &str = "another subscription";

/// General page, shared by both wizards (the classic page: environment, subscription,
/// management certificate). `known` are the subscriptions this site's services already use:
/// they are offered as a pick list (the first filled in), as ConfigMgr's ARM page offers the
/// account's subscriptions in a dropdown; the ID stays editable for another one.
pub(super) fn general(known: &[String]) -> Vec<Field> {
    let mut fields = vec![Field::choice(
        FieldId::Environment,
        "Azure environment",
        &["AzurePublicCloud", "AzureUSGovernmentCloud"],
        "AzurePublicCloud",
    )];
    if let Some(first) = known.first() {
        let mut options: Vec<&str> = known.iter().map(String::as_str).collect();
        options.push(ANOTHER_SUBSCRIPTION);
        fields.push(
            Field::choice(KnownSubscription, "Known subscriptions", &options, first)
                .optional()
                .hint("the subscriptions this site's services use; ←/→ choose one"),
        );
    }
    fields.extend([
        Field::text(
            SubscriptionId,
            "Subscription ID",
            known.first().map_or("", String::as_str),
        )
        .hint("a GUID from the Azure portal; filled from a .publishsettings file"),
        Field::file(
            MgmtFile,
            "Management certificate file (.pfx or .publishsettings)",
        ),
        Field::secret(MgmtPassword, "Password").optional(),
    ]);
    fields
}

/// Threshold fields with their defaults.
pub(super) fn threshold_fields(
    ids: [FieldId; 3],
    labels: [&str; 3],
    default: Threshold,
) -> [Field; 3] {
    [
        Field::number(ids[0], labels[0], i64::from(default.quota_gb)),
        Field::number(ids[1], labels[1], i64::from(default.warning_pct)),
        Field::number(ids[2], labels[2], i64::from(default.critical_pct)),
    ]
}

/// General, Settings and Alerts; `site_code` is this site's, the only primary site; `known`
/// the subscriptions its services use.
pub(super) fn pages(site_code: Option<&str>, known: &[String]) -> [Vec<Field>; 3] {
    let sites: Vec<&str> = site_code.into_iter().collect();
    let settings = vec![
        Field::choice(Region, "Region", REGIONS, "WestEurope"),
        Field::text(ResourceGroup, "Resource group", "").optional(),
        Field::choice(PrimarySite, "Primary site", &sites, site_code.unwrap_or(""))
            .optional()
            .hint("this site is the only primary site: it transfers the content"),
        Field::file(CertFile, "Certificate file (.pfx)"),
        Field::secret(CertPassword, "Password").optional(),
        Field::text(ServiceFqdn, "Service FQDN", "")
            .hint("filled from the certificate's name; editable"),
        Field::text(Description, "Description", "").optional(),
    ];
    // Exact labels are unconfirmed (domain.md §1); these say what each number means.
    let mut alerts = Vec::new();
    alerts.extend(threshold_fields(
        [StorageGb, StorageWarn, StorageCrit],
        [
            "Storage alert threshold (GB)",
            "Storage warning alert (%)",
            "Storage critical alert (%)",
        ],
        CDP_STORAGE_DEFAULT,
    ));
    alerts.extend(threshold_fields(
        [TransferGb, TransferWarn, TransferCrit],
        [
            "Monthly transfer alert threshold (GB)",
            "Transfer warning alert (%)",
            "Transfer critical alert (%)",
        ],
        CDP_TRANSFER_DEFAULT,
    ));
    [general(known), settings, alerts]
}

/// What Summary's Next sends to create the CDP.
pub(super) fn request(v: &Core) -> Result<CreateCdp, String> {
    Ok(CreateCdp {
        primary_site: check::opt(v, PrimarySite),
        subscription: check::subscription_input(v)?,
        region: v.text(Region),
        resource_group: check::opt(v, ResourceGroup),
        service_certificate: check::upload(v, CertFile, CertPassword)?,
        service_fqdn: check::opt(v, ServiceFqdn),
        description: v.text(Description),
        storage: check::threshold(v, [StorageGb, StorageWarn, StorageCrit]),
        transfer: check::threshold(v, [TransferGb, TransferWarn, TransferCrit]),
    })
}
