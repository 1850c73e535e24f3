//! Turns a create request into a validated service, and a renewal into a validated certificate:
//! every field checked with `domain`, every certificate with `cert`. Pure (no database):
//! uniqueness is the store's job.

use crate::api::wire::{CertUpload, CreateCdp, CreateCmg, SubscriptionInput, ThresholdInput};
use crate::cert::{self, Identity, Options, Report, Role, Severity};
use crate::domain::service::{self, Environment, HostedKind, Threshold, TrustedRootKind};
use crate::domain::text;
use crate::domain::validate::{self, FieldError};
use base64::Engine;
use time::OffsetDateTime;

/// A trusted root or intermediate for CMG client authentication.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// Root or intermediate.
    pub kind: TrustedRootKind,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-1 thumbprint of the DER, upper-case hex; no two roots of a service share one.
    pub thumbprint: String,
    /// Subject CN, when the subject has one.
    pub subject_cn: Option<String>,
}

/// CMG options as validated (and as stored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CmgOptions {
    /// VM size, spelled as in `service::VM_SIZES` (`Standard_A2_v2` unless given).
    pub vm_size: String,
    /// Verify client certificate revocation (on unless turned off).
    pub check_crl: bool,
    /// Enforce TLS 1.2 (on unless turned off).
    pub enforce_tls12: bool,
    /// Serve content from cloud storage: the service then has a storage account (on unless
    /// turned off).
    pub serve_content: bool,
    /// Outbound data threshold and alerts on (off unless turned on).
    pub egress_alerts: bool,
    /// Stop the CMG when outbound data passes the critical level; acts only with
    /// `egress_alerts` on.
    pub stop_at_critical: bool,
    /// Storage threshold and alerts on (off unless turned on).
    pub storage_alerts: bool,
}

/// The service certificate as validated.
#[derive(Debug, Clone)]
pub struct ServiceCert {
    /// The chain, leaf first, and the leaf's private key.
    pub identity: Identity,
    /// SHA-1 thumbprint of the leaf, upper-case hex.
    pub thumbprint: String,
    /// CN of the leaf.
    pub subject_cn: Option<String>,
    /// The leaf's expiry, RFC 3339 UTC.
    pub not_after: String,
    /// A wildcard certificate (may be shared by several services).
    pub wildcard: bool,
}

/// A service ready to be stored and provisioned.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Service FQDN: as given, else from the certificate (a CMG prefers its first DNS name).
    pub service_fqdn: String,
    /// Deployment name: the FQDN's host part.
    pub deployment_name: String,
    /// Description, trimmed; may be empty.
    pub description: String,
    /// Subscription GUID (lower case).
    pub subscription_id: String,
    /// The subscription's Azure environment.
    pub environment: Environment,
    /// Region, spelled as in the CDP or the CMG region list (matched ignoring case).
    pub region: String,
    /// Resource group, trimmed; `None` when not given or blank.
    pub resource_group: Option<String>,
    /// VM instances: 1–16 for a CMG, always `service::CDP_INSTANCES` for a CDP.
    pub instances: u8,
    /// Storage account for content, when the service serves content.
    pub storage_account: Option<String>,
    /// Storage threshold, the kind's defaults where not given.
    pub storage: Threshold,
    /// Transfer (CDP) or outbound data (CMG) threshold.
    pub transfer: Threshold,
    /// CMG options; `None` for a CDP.
    pub cmg: Option<CmgOptions>,
    /// CMG trusted roots and intermediates, in the order given; empty for a CDP.
    pub trusted_roots: Vec<TrustedRoot>,
    /// The service certificate, checked for the service role and against `service_fqdn`.
    pub service_cert: ServiceCert,
    /// The management certificate's chain and key (from its `.pfx` or `.publishsettings`).
    pub management: Identity,
}

fn decode(field: &str, b64: &str) -> Result<Vec<u8>, FieldError> {
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| FieldError::new(field, "must be the file's bytes in base64"))
}

/// The fields the errors of an opened certificate name: its file, its password, its findings.
struct Labels {
    file: String,
    password: String,
    wrong_password: &'static str,
    findings: String,
}

/// Opens an uploaded certificate for `role`; errors name `label` ("Service certificate", …).
fn open(
    label: &str,
    upload: &CertUpload,
    role: Role,
    now: OffsetDateTime,
) -> Result<(Report, Identity), FieldError> {
    let labels = Labels {
        file: format!("{label} file"),
        password: format!("{label} password"),
        wrong_password: "is not correct for the file",
        findings: label.to_string(),
    };
    open_as(&labels, upload, role, now)
}

/// Opens an uploaded certificate for `role`; errors name the fields of `labels`.
fn open_as(
    labels: &Labels,
    upload: &CertUpload,
    role: Role,
    now: OffsetDateTime,
) -> Result<(Report, Identity), FieldError> {
    let bytes = decode(&labels.file, &upload.file_base64)?;
    let mut opts = Options::new()
        .password(upload.password.expose())
        .role(Some(role));
    opts.now = now;
    let (report, identity) = cert::inspect_identity(&bytes, &opts);
    if let Some(e) = &report.error {
        return Err(match e.kind {
            cert::ErrorKind::WrongPassword => {
                FieldError::new(&labels.password, labels.wrong_password)
            }
            _ => FieldError::new(&labels.file, e.message.clone()),
        });
    }
    let errors: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.as_str())
        .collect();
    if !errors.is_empty() {
        return Err(FieldError::new(&labels.findings, errors.join(" ")));
    }
    let identity = identity.ok_or_else(|| {
        FieldError::new(
            &labels.findings,
            "the file holds no private key matching its certificate",
        )
    })?;
    Ok((report, identity))
}

/// General page: the subscription ID and the management certificate (or a .publishsettings).
pub fn subscription(
    input: &SubscriptionInput,
    now: OffsetDateTime,
) -> Result<(String, Identity), FieldError> {
    let (report, identity) = open(
        "Management certificate",
        &input.management_certificate,
        Role::Management,
        now,
    )?;
    let from_file = report
        .subscriptions
        .as_ref()
        .map(|s| s.iter().map(|s| s.id.clone()).collect::<Vec<_>>());
    let id = match (&input.subscription_id, from_file) {
        (Some(id), _) if !id.trim().is_empty() => id.clone(),
        (_, Some(ids)) if ids.len() == 1 => ids[0].clone(),
        (_, Some(ids)) if ids.len() > 1 => {
            return Err(FieldError::new(
                "Subscription ID",
                format!(
                    "the .publishsettings file lists several subscriptions ({}); choose one",
                    ids.join(", ")
                ),
            ));
        }
        _ => return Err(FieldError::new("Subscription ID", "is required")),
    };
    Ok((validate::subscription_id(&id)?, identity))
}

fn threshold(
    label: &str,
    input: &ThresholdInput,
    default: Threshold,
) -> Result<Threshold, FieldError> {
    Threshold::new(
        label,
        input.quota_gb.unwrap_or(i64::from(default.quota_gb)),
        input.warning_pct.unwrap_or(i64::from(default.warning_pct)),
        input
            .critical_pct
            .unwrap_or(i64::from(default.critical_pct)),
    )
}

/// Checks and applies a threshold update to `current`.
pub fn update_threshold(
    label: &str,
    input: &ThresholdInput,
    current: Threshold,
) -> Result<Threshold, FieldError> {
    threshold(label, input, current)
}

/// The Service FQDN: given, or the certificate's name; a wildcard certificate needs a host.
fn service_fqdn(
    given: Option<&str>,
    report: &Report,
    prefer_dns_name: bool,
) -> Result<(String, bool), FieldError> {
    let leaf = report.leaf_cert();
    let wildcard = report.wildcard_domain.clone();
    let from_cert = if prefer_dns_name {
        leaf.and_then(|c| c.dns_names.first().cloned())
            .or_else(|| report.service_fqdn.clone())
    } else {
        report.service_fqdn.clone()
    };
    let fqdn = match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => g.to_string(),
        None => match (&wildcard, from_cert) {
            (Some(domain), _) => {
                return Err(FieldError::new(
                    "Service FQDN",
                    format!(
                        "the certificate is a wildcard (*.{domain}): give the host name, e.g. clouddp1.{domain}"
                    ),
                ));
            }
            (None, Some(f)) => f,
            (None, None) => {
                return Err(FieldError::new(
                    "Service FQDN",
                    "is required: the certificate CN is not an FQDN",
                ));
            }
        },
    };
    validate::fqdn("Service FQDN", &fqdn)?;
    if let Some(rule) = validate::fqdn_certificate_problem(
        &fqdn,
        wildcard.as_deref(),
        leaf.and_then(|c| c.subject_cn.as_deref()),
        leaf.map(|c| c.dns_names.as_slice()).unwrap_or_default(),
    ) {
        return Err(FieldError::new("Service FQDN", rule));
    }
    Ok((fqdn, wildcard.is_some()))
}

fn service_cert(report: &Report, identity: Identity, wildcard: bool) -> ServiceCert {
    let leaf = report.leaf_cert();
    ServiceCert {
        identity,
        thumbprint: leaf.map(|c| c.sha1_thumbprint.clone()).unwrap_or_default(),
        subject_cn: leaf.and_then(|c| c.subject_cn.clone()),
        not_after: leaf.map(|c| c.not_after.clone()).unwrap_or_default(),
        wildcard,
    }
}

/// The field a renewal's refusals name (Properties > Settings > Certificate file).
pub const CERTIFICATE_FILE: &str = "Certificate file";

/// A renewed service certificate, validated, with what the operator should know.
#[derive(Debug, Clone)]
pub struct Renewal {
    /// The new certificate.
    pub cert: ServiceCert,
    /// Usable anyway: a CN differing only in case, then the inspector's warnings.
    pub warnings: Vec<String>,
}

/// Validates a new service certificate for the service `fqdn` whose certificate has `current_cn`.
pub fn renewal(
    upload: &CertUpload,
    fqdn: &str,
    current_cn: Option<&str>,
    now: OffsetDateTime,
) -> Result<Renewal, FieldError> {
    let labels = Labels {
        file: CERTIFICATE_FILE.into(),
        password: CERTIFICATE_FILE.into(),
        wrong_password: "the password is not correct for the file",
        findings: CERTIFICATE_FILE.into(),
    };
    let (report, identity) = open_as(&labels, upload, Role::Service, now)?;
    let leaf = report.leaf_cert();
    let cn = leaf.and_then(|c| c.subject_cn.as_deref());
    let dns = leaf.map(|c| c.dns_names.as_slice()).unwrap_or_default();
    let wildcard = report.wildcard_domain.as_deref();
    if validate::renewal_fqdn_problem(fqdn, wildcard, cn, dns).is_some() {
        let mut names: Vec<&str> = cn.into_iter().collect();
        names.extend(
            dns.iter()
                .map(String::as_str)
                .filter(|d| !cn.is_some_and(|c| c.eq_ignore_ascii_case(d))),
        );
        let names = if names.is_empty() {
            "no name".to_string()
        } else {
            names.join(", ")
        };
        return Err(FieldError::new(
            CERTIFICATE_FILE,
            format!(
                "is for {names}, not for the Service FQDN {fqdn}: the Service FQDN cannot change; delete and recreate the service (redeploy)"
            ),
        ));
    }
    let mut warnings: Vec<String> = cn_case_warning(current_cn, cn).into_iter().collect();
    warnings.extend(
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| f.message.clone()),
    );
    Ok(Renewal {
        cert: service_cert(&report, identity, wildcard.is_some()),
        warnings,
    })
}

/// The warning for a new CN equal to the current one but for letter case (README, "Configuration Manager facts").
pub fn cn_case_warning(current: Option<&str>, new: Option<&str>) -> Option<String> {
    let (old, new) = (current?, new?);
    (old != new && old.eq_ignore_ascii_case(new)).then(|| {
        format!(
            "The new certificate's CN {new} differs from the current {old} only in letter case. \
             DNS ignores case, so the site accepts it, but Configuration Manager compares the CN \
             case-sensitively on renewal and refuses such a certificate (\"New certificate must \
             have the same CName as previous certificate\")."
        )
    })
}

fn host_part(fqdn: &str) -> String {
    fqdn.split('.').next().unwrap_or(fqdn).to_ascii_lowercase()
}

/// The resource group, if given (checked with the domain rule).
fn resource_group(given: &Option<String>) -> Result<Option<String>, FieldError> {
    match given.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(rg) => {
            validate::resource_group(rg)?;
            Ok(Some(rg.to_string()))
        }
        None => Ok(None),
    }
}

/// Validates a Create Cloud Distribution Point request.
pub fn cdp(req: &CreateCdp, now: OffsetDateTime) -> Result<Prepared, FieldError> {
    let (subscription_id, management) = subscription(&req.subscription, now)?;
    let region = service::region(&req.region, false)?;
    let (report, identity) = open(
        "Service certificate",
        &req.service_certificate,
        Role::Service,
        now,
    )?;
    let (fqdn, wildcard) = service_fqdn(req.service_fqdn.as_deref(), &report, false)?;
    let deployment_name = host_part(&fqdn);
    let storage_account = service::storage_account_name(&deployment_name)?;
    Ok(Prepared {
        kind: HostedKind::Cdp,
        deployment_name,
        service_fqdn: fqdn,
        description: text::description(&req.description)?,
        subscription_id,
        environment: req.subscription.environment,
        region,
        resource_group: resource_group(&req.resource_group)?,
        instances: service::CDP_INSTANCES,
        storage_account: Some(storage_account),
        storage: threshold(
            "Storage alert threshold",
            &req.storage,
            service::CDP_STORAGE_DEFAULT,
        )?,
        transfer: threshold(
            "Transfer alert threshold",
            &req.transfer,
            service::CDP_TRANSFER_DEFAULT,
        )?,
        cmg: None,
        trusted_roots: Vec::new(),
        service_cert: service_cert(&report, identity, wildcard),
        management,
    })
}

/// Validates a Create Cloud Management Gateway request.
pub fn cmg(req: &CreateCmg, now: OffsetDateTime) -> Result<Prepared, FieldError> {
    let (subscription_id, management) = subscription(&req.subscription, now)?;
    let (report, identity) = open(
        "Service certificate",
        &req.service_certificate,
        Role::Service,
        now,
    )?;
    let (fqdn, wildcard) = service_fqdn(req.service_fqdn.as_deref(), &report, true)?;
    let deployment_name = host_part(&fqdn);
    validate::cmg_name(&deployment_name)?;
    let region = service::region(&req.region, true)?;
    let vm_size = match &req.vm_size {
        Some(v) => service::VM_SIZES
            .iter()
            .find(|s| s.eq_ignore_ascii_case(v))
            .map(|s| s.to_string())
            .ok_or_else(|| {
                FieldError::new(
                    "VM Size",
                    format!("must be one of: {}", service::VM_SIZES.join(", ")),
                )
            })?,
        None => service::VM_SIZES[0].to_string(),
    };
    let instances = validate::vm_instances(req.vm_instances.unwrap_or(1))?;
    let serve_content = req.serve_content.unwrap_or(true);
    let roots = req
        .trusted_roots
        .iter()
        .filter(|r| r.kind == TrustedRootKind::Root.as_str())
        .count();
    validate::trusted_root_counts(roots, req.trusted_roots.len() - roots)?;
    let mut trusted_roots = Vec::new();
    for (i, root) in req.trusted_roots.iter().enumerate() {
        let label = format!("Trusted root certificate {}", i + 1);
        let kind = TrustedRootKind::parse(&root.kind)
            .ok_or_else(|| FieldError::new(&label, "kind must be root or intermediate"))?;
        let der = decode(&format!("{label} file"), &root.file_base64)?;
        let mut opts = Options::new().role(Some(Role::TrustedRoot));
        opts.now = now;
        let r = cert::inspect(&der, &opts);
        if let Some(e) = &r.error {
            return Err(FieldError::new(format!("{label} file"), e.message.clone()));
        }
        if let Some(f) = r.findings.iter().find(|f| f.severity == Severity::Error) {
            return Err(FieldError::new(&label, f.message.clone()));
        }
        let leaf = r
            .leaf_cert()
            .ok_or_else(|| FieldError::new(&label, "holds no certificate"))?;
        if trusted_roots
            .iter()
            .any(|t: &TrustedRoot| t.thumbprint == leaf.sha1_thumbprint)
        {
            return Err(FieldError::new(
                &label,
                "is the same certificate as an earlier one; give each root or intermediate once",
            ));
        }
        trusted_roots.push(TrustedRoot {
            kind,
            der: der.clone(),
            thumbprint: leaf.sha1_thumbprint.clone(),
            subject_cn: leaf.subject_cn.clone(),
        });
    }
    Ok(Prepared {
        kind: HostedKind::Cmg,
        storage_account: if serve_content {
            Some(service::storage_account_name(&deployment_name)?)
        } else {
            None
        },
        deployment_name,
        service_fqdn: fqdn,
        description: text::description(&req.description)?,
        subscription_id,
        environment: req.subscription.environment,
        region,
        resource_group: resource_group(&req.resource_group)?,
        instances,
        storage: threshold(
            "Storage alert threshold",
            &req.storage,
            service::CMG_STORAGE_DEFAULT,
        )?,
        transfer: threshold(
            "Outbound data transfer threshold",
            &req.egress,
            service::CMG_EGRESS_DEFAULT,
        )?,
        cmg: Some(CmgOptions {
            vm_size,
            check_crl: req.check_crl.unwrap_or(true),
            enforce_tls12: req.enforce_tls12.unwrap_or(true),
            serve_content,
            egress_alerts: req.egress_alerts.unwrap_or(false),
            stop_at_critical: req.stop_at_critical.unwrap_or(false),
            storage_alerts: req.storage_alerts.unwrap_or(false),
        }),
        trusted_roots,
        service_cert: service_cert(&report, identity, wildcard),
        management,
    })
}
