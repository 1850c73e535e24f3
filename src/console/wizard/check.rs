//! Field rules (the `domain` validations, as typed and on Next), local certificate inspection
//! with inline findings, and the pieces of the requests the wizard sends.

use crate::api::wire::{CertUpload, SubscriptionInput, ThresholdInput, TrustedRootUpload};
use crate::cert::{self, ErrorKind, Options, Report, Role, Severity};
use crate::console::field::path::expand_home;
use crate::console::field::{Field, FieldId, Kind, Tone};
use crate::console::shell::Core;
use crate::domain::service::HostedKind;
use crate::domain::service::{self, Environment, QUOTA_GB};
use crate::domain::validate;
use base64::Engine;

use FieldId::*;

/// What the service certificate says about the names it can serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CertInfo {
    /// Subject CN.
    pub cn: Option<String>,
    /// DNS names.
    pub dns_names: Vec<String>,
    /// `contoso.com` for a `*.contoso.com` certificate.
    pub wildcard_domain: Option<String>,
    /// The name to prefill (CN, or for a CMG the first DNS name).
    pub fqdn: Option<String>,
}

impl CertInfo {
    /// From an inspection report.
    pub(crate) fn of(report: &Report, kind: HostedKind) -> Self {
        let leaf = report.leaf_cert();
        let dns_names = leaf.map(|c| c.dns_names.clone()).unwrap_or_default();
        let fqdn = match kind {
            HostedKind::Cmg => dns_names
                .iter()
                .find(|d| validate::fqdn_problem(d).is_none())
                .cloned()
                .or_else(|| report.service_fqdn.clone()),
            HostedKind::Cdp => report.service_fqdn.clone(),
        };
        CertInfo {
            cn: leaf.and_then(|c| c.subject_cn.clone()),
            dns_names,
            wildcard_domain: report.wildcard_domain.clone(),
            fqdn,
        }
    }
}

/// What the rules need besides the fields.
pub(super) struct Ctx<'a> {
    /// CDP or CMG.
    pub kind: HostedKind,
    /// The service certificate, once inspected.
    pub cert: Option<&'a CertInfo>,
    /// The `host.<domain>` placeholder prefilled for a wildcard certificate.
    pub placeholder: Option<&'a str>,
    /// The site's services as `(Service FQDN, deployment name)`.
    pub taken: &'a [(String, String)],
}

/// Threshold groups of the Alerts page: (quota, warning, critical) field ids.
pub(super) fn groups(kind: HostedKind) -> &'static [[FieldId; 3]] {
    match kind {
        HostedKind::Cdp => &[
            [StorageGb, StorageWarn, StorageCrit],
            [TransferGb, TransferWarn, TransferCrit],
        ],
        HostedKind::Cmg => &[
            [EgressGb, EgressWarn, EgressCrit],
            [StorageGb, StorageWarn, StorageCrit],
        ],
    }
}

/// The group a threshold field belongs to.
pub(super) fn group_of(kind: HostedKind, id: FieldId) -> Option<[FieldId; 3]> {
    groups(kind).iter().find(|g| g.contains(&id)).copied()
}

fn required(id: FieldId) -> String {
    match id {
        SubscriptionId => "is required: the subscription's GUID from the Azure portal".into(),
        ServiceFqdn => "is required (it is filled from the certificate's name)".into(),
        _ => "is required".into(),
    }
}

/// The rule field `f` breaks, if any. `strict` (on Next) also reports empty required fields.
pub(super) fn rule(v: &Core, f: &Field, ctx: &Ctx<'_>, strict: bool) -> Option<String> {
    if !f.enabled {
        return None;
    }
    let t = f.text_value().trim();
    if f.is_textual() && t.is_empty() {
        return (strict && !f.optional).then(|| required(f.id));
    }
    match f.id {
        SubscriptionId => validate::subscription_id(t).err().map(|e| e.rule),
        _ if f.kind == Kind::File => {
            (!expand_home(t).is_file()).then(|| format!("no such file: {t}"))
        }
        _ if f.kind == Kind::Files => paths(t)
            .into_iter()
            .find(|p| !expand_home(p).is_file())
            .map(|p| format!("no such file: {p}")),
        ServiceFqdn => fqdn_rule(v, t, ctx, strict),
        ResourceGroup => validate::resource_group(t).err().map(|e| e.rule),
        VmInstances => validate::VM_INSTANCES
            .check_text(&f.label, t)
            .err()
            .map(|e| e.rule),
        id => group_of(ctx.kind, id).and_then(|g| threshold_rule(v, id, g)),
    }
}

fn threshold_rule(v: &Core, id: FieldId, [gb, warn, crit]: [FieldId; 3]) -> Option<String> {
    // The site's words for the same number (domain::service::QUOTA_GB, validate::PERCENT).
    let bounds = if id == gb {
        QUOTA_GB
    } else {
        validate::PERCENT
    };
    let n = match bounds.check_text("", &v.text(id)) {
        Ok(n) => n,
        Err(e) => return Some(e.rule),
    };
    if id == gb {
        return None;
    }
    if id == warn
        && let Some(c) = v.num(crit)
        && validate::percentage("%", c).is_ok()
    {
        return validate::warning_below_critical("Warning %", n, "the critical %", c)
            .err()
            .map(|e| e.rule);
    }
    None
}

fn fqdn_rule(v: &Core, t: &str, ctx: &Ctx<'_>, strict: bool) -> Option<String> {
    if let Some(p) = validate::fqdn_problem(t) {
        return Some(p);
    }
    // The prefilled `host.<domain>` is refused on Next only: while it is shown, the note
    // under the field already asks for the host name.
    if strict && ctx.placeholder.is_some_and(|p| p.eq_ignore_ascii_case(t)) {
        return Some("wildcard certificate: type the host name in place of 'host'".into());
    }
    if let Some(cert) = ctx.cert
        && let Some(rule) = validate::fqdn_certificate_problem(
            t,
            cert.wildcard_domain.as_deref(),
            cert.cn.as_deref(),
            &cert.dns_names,
        )
    {
        return Some(rule);
    }
    if let Some(rule) =
        service::name_taken(t, ctx.taken.iter().map(|(f, d)| (f.as_str(), d.as_str())))
    {
        return Some(rule);
    }
    let host = t.split('.').next().unwrap_or(t);
    if ctx.kind == HostedKind::Cmg
        && let Err(e) = validate::cmg_name(host)
    {
        return Some(format!("the host part '{host}' {}", e.rule));
    }
    let needs_storage = ctx.kind == HostedKind::Cdp || v.checked(ServeContent);
    if needs_storage && let Err(e) = service::storage_account_name(host) {
        return Some(e.rule);
    }
    None
}

/// The paths of a comma-separated list.
pub(super) fn paths(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// What inspecting a certificate file found.
#[derive(Debug, Default)]
pub(crate) struct Inspection {
    /// The report, when the file could be read and opened.
    pub report: Option<Report>,
    /// Findings for the file field (errors block).
    pub notes: Vec<(Tone, String)>,
    /// A wrong password, for the password field.
    pub password_error: Option<String>,
}

/// Inspects the certificate file at `path` with `password` for `role`: findings (errors and
/// warnings) for the file field, a wrong password for the password field. `None` when the
/// path is empty or names no file.
pub(crate) fn inspect_cert(path: &str, password: &str, role: Role) -> Option<Inspection> {
    let file = expand_home(path);
    if path.is_empty() || !file.is_file() {
        return None;
    }
    let mut out = Inspection::default();
    let report = cert::inspect_file(&file, &Options::new().password(password).role(Some(role)));
    if let Some(e) = &report.error {
        if e.kind == ErrorKind::WrongPassword {
            out.password_error = Some("the password is not correct".into());
        } else {
            out.notes.push((Tone::Error, e.message.clone()));
        }
        return Some(out);
    }
    for finding in &report.findings {
        match finding.severity {
            Severity::Error => out.notes.push((Tone::Error, finding.message.clone())),
            Severity::Warning => out.notes.push((Tone::Warning, finding.message.clone())),
            Severity::Info => {}
        }
    }
    out.report = Some(report);
    Some(out)
}

/// Inspects the certificate in field `file_id` with the password in `pw_id` for `role`, and
/// puts the findings under the file field (errors block Next) and a wrong password under the
/// password field. Returns the report when the file could be read.
pub(super) fn inspect_into(
    core: &mut Core,
    file_id: FieldId,
    pw_id: FieldId,
    role: Role,
) -> Option<Report> {
    let (path, password) = (core.text(file_id), core.raw(pw_id));
    if let Some(f) = core.field_mut(file_id) {
        f.notes.clear();
    }
    core.set_error(pw_id, None);
    let found = inspect_cert(&path, &password, role)?;
    core.set_error(pw_id, found.password_error);
    if let Some(f) = core.field_mut(file_id) {
        f.notes = found.notes;
    }
    found.report
}

/// Reads and checks the trusted root / intermediate files of a comma-separated list.
pub(super) fn trusted_roots(text: &str) -> Result<Vec<TrustedRootUpload>, String> {
    let mut out = Vec::new();
    for p in paths(text) {
        let bytes = std::fs::read(expand_home(&p)).map_err(|e| format!("cannot read {p}: {e}"))?;
        let r = cert::inspect(&bytes, &Options::new().role(Some(Role::TrustedRoot)));
        if let Some(e) = &r.error {
            return Err(format!("{p}: {}", e.message));
        }
        if let Some(f) = r.findings.iter().find(|f| f.severity == Severity::Error) {
            return Err(format!("{p}: {}", f.message));
        }
        let root = r.leaf_cert().is_some_and(|c| c.self_signed);
        out.push(TrustedRootUpload {
            file_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
            kind: if root { "root" } else { "intermediate" }.into(),
        });
    }
    let roots = out.iter().filter(|r| r.kind == "root").count();
    validate::trusted_root_counts(roots, out.len() - roots).map_err(|e| e.rule)?;
    Ok(out)
}

/// A certificate file and its password, for a request.
pub(super) fn upload(v: &Core, file_id: FieldId, pw_id: FieldId) -> Result<CertUpload, String> {
    upload_file(&v.text(file_id), &v.raw(pw_id))
}

/// The certificate file at `path` (base64) and its password, for a request.
pub(crate) fn upload_file(path: &str, password: &str) -> Result<CertUpload, String> {
    let bytes = std::fs::read(expand_home(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(CertUpload {
        file_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        password: password.into(),
    })
}

/// The text of an optional field: `None` when empty.
pub(super) fn opt(v: &Core, id: FieldId) -> Option<String> {
    Some(v.text(id)).filter(|t| !t.is_empty())
}

/// The General page as the site wants it.
pub(super) fn subscription_input(v: &Core) -> Result<SubscriptionInput, String> {
    Ok(SubscriptionInput {
        subscription_id: opt(v, SubscriptionId),
        environment: if v.text(FieldId::Environment) == "AzureUSGovernmentCloud" {
            Environment::AzureUSGovernmentCloud
        } else {
            Environment::AzurePublicCloud
        },
        management_certificate: upload(v, MgmtFile, MgmtPassword)?,
    })
}

/// A threshold group as sent.
pub(super) fn threshold(v: &Core, [gb, warn, crit]: [FieldId; 3]) -> ThresholdInput {
    ThresholdInput {
        quota_gb: v.num(gb),
        warning_pct: v.num(warn),
        critical_pct: v.num(crit),
    }
}
