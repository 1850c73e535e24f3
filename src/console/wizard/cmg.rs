//! Create Cloud Management Gateway: the pages' fields (domain.md §2) and the request.

use super::cdp::{general, threshold_fields};
use super::check;
use crate::api::wire::CreateCmg;
use crate::console::field::{Field, FieldId};
use crate::console::shell::Core;
use crate::domain::service::{CMG_EGRESS_DEFAULT, CMG_REGIONS, CMG_STORAGE_DEFAULT, VM_SIZES};

use FieldId::*;

/// General, Settings and Alerts; `known` the subscriptions the site's services use.
pub(super) fn pages(known: &[String]) -> [Vec<Field>; 3] {
    let settings = vec![
        Field::file(CertFile, "Certificate file (.pfx)"),
        Field::secret(CertPassword, "Password").optional(),
        Field::text(ServiceFqdn, "Service name (FQDN)", "")
            .hint("filled from the certificate's name; the host part names the deployment"),
        Field::text(Description, "Description", "").optional(),
        Field::choice(Region, "Region", CMG_REGIONS, "WestEurope"),
        Field::text(ResourceGroup, "Resource group", "").optional(),
        Field::choice(VmSize, "VM Size", VM_SIZES, "Standard_A2_v2"),
        Field::number(VmInstances, "VM Instance", 1).hint("1 to 16"),
        Field::files(TrustedRoots, "Certificates (trusted roots)").optional(),
        Field::check(CheckCrl, "Verify Client Certificate Revocation", true),
        Field::check(EnforceTls12, "Enforce TLS 1.2", true),
        Field::check(
            ServeContent,
            "Allow CMG to function as a cloud distribution point and serve content from Azure storage",
            true,
        ),
    ];
    let [egress_gb, egress_warn, egress_crit] = threshold_fields(
        [EgressGb, EgressWarn, EgressCrit],
        ["Threshold (GB)", "Warning (%)", "Critical (%)"],
        CMG_EGRESS_DEFAULT,
    );
    let [storage_gb, storage_warn, storage_crit] = threshold_fields(
        [StorageGb, StorageWarn, StorageCrit],
        [
            "Storage alert threshold (GB)",
            "Generate Warning alert (% of storage alert threshold)",
            "Generate Critical alert (% of storage alert threshold)",
        ],
        CMG_STORAGE_DEFAULT,
    );
    let alerts = vec![
        Field::check(
            EgressAlerts,
            "Turn on 14-day threshold and alerts for monitoring outbound data transfer",
            false,
        ),
        egress_gb.depends(EgressAlerts),
        egress_warn.depends(EgressAlerts),
        egress_crit.depends(EgressAlerts),
        Field::check(
            StopAtCritical,
            "Stop this service when the critical threshold is exceeded",
            false,
        )
        .depends(EgressAlerts),
        Field::check(StorageAlerts, "Specify storage alert threshold", false),
        storage_gb.depends(StorageAlerts),
        storage_warn.depends(StorageAlerts),
        storage_crit.depends(StorageAlerts),
    ];
    [general(known), settings, alerts]
}

/// What Summary's Next sends to create the CMG.
pub(super) fn request(v: &Core) -> Result<CreateCmg, String> {
    Ok(CreateCmg {
        subscription: check::subscription_input(v)?,
        service_certificate: check::upload(v, CertFile, CertPassword)?,
        service_fqdn: check::opt(v, ServiceFqdn),
        description: v.text(Description),
        region: v.text(Region),
        resource_group: check::opt(v, ResourceGroup),
        vm_size: Some(v.text(VmSize)),
        vm_instances: v.num(VmInstances),
        trusted_roots: check::trusted_roots(&v.text(TrustedRoots))?,
        check_crl: Some(v.checked(CheckCrl)),
        enforce_tls12: Some(v.checked(EnforceTls12)),
        serve_content: Some(v.checked(ServeContent)),
        egress_alerts: Some(v.checked(EgressAlerts)),
        egress: check::threshold(v, [EgressGb, EgressWarn, EgressCrit]),
        stop_at_critical: Some(v.checked(EgressAlerts) && v.checked(StopAtCritical)),
        storage_alerts: Some(v.checked(StorageAlerts)),
        storage: check::threshold(v, [StorageGb, StorageWarn, StorageCrit]),
    })
}
