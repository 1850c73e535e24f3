//! Field rules (the `domain` validations, as typed and on Next), local certificate inspection
//! with inline findings, and the pieces of the requests the wizard sends.

use super::fields::{Field, Kind, Tone, expand_home};
use crate::api::wire::{CertUpload, SubscriptionInput, ThresholdInput, TrustedRootUpload};
use crate::cert::{self, ErrorKind, Options, Report, Role, Severity};
use crate::domain::service::{self, Environment, HostedKind, MAX_QUOTA_GB, TrustedRootKind};
use crate::domain::validate;
use base64::Engine;

/// Read access to every field of the wizard by id.
pub struct Values<'a>(pub &'a [Vec<Field>]);

impl<'a> Values<'a> {
    /// The field `id`.
    pub fn get(&self, id: &str) -> Option<&'a Field> {
        self.0.iter().flatten().find(|f| f.id == id)
    }

    /// Its value as text (trimmed).
    pub fn text(&self, id: &str) -> String {
        self.get(id)
            .map(|f| f.value().trim().to_string())
            .unwrap_or_default()
    }

    /// Its raw text (passwords are not trimmed).
    pub fn raw(&self, id: &str) -> String {
        self.get(id).map(|f| f.text.clone()).unwrap_or_default()
    }

    /// A checkbox's state.
    pub fn checked(&self, id: &str) -> bool {
        self.get(id).is_some_and(|f| f.checked)
    }

    /// A number field's value.
    pub fn num(&self, id: &str) -> Option<i64> {
        self.text(id).parse().ok()
    }

    /// Whether a field is enabled (its checkbox, if any, is on).
    pub fn enabled(&self, f: &Field) -> bool {
        f.depends_on.is_none_or(|d| self.checked(d))
    }
}

/// Mutable access to the field `id`.
pub fn field_mut<'a>(pages: &'a mut [Vec<Field>], id: &str) -> Option<&'a mut Field> {
    pages.iter_mut().flatten().find(|f| f.id == id)
}

/// What the service certificate says about the names it can serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertInfo {
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
    pub fn of(report: &Report, kind: HostedKind) -> Self {
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
pub struct Ctx<'a> {
    /// CDP or CMG.
    pub kind: HostedKind,
    /// The service certificate, once inspected.
    pub cert: Option<&'a CertInfo>,
    /// The `host.<domain>` placeholder prefilled for a wildcard certificate.
    pub placeholder: Option<&'a str>,
}

/// Threshold groups of the Alerts page: (quota, warning, critical) field ids.
pub fn groups(kind: HostedKind) -> &'static [[&'static str; 3]] {
    match kind {
        HostedKind::Cdp => &[
            ["storage_gb", "storage_warn", "storage_crit"],
            ["transfer_gb", "transfer_warn", "transfer_crit"],
        ],
        HostedKind::Cmg => &[
            ["egress_gb", "egress_warn", "egress_crit"],
            ["storage_gb", "storage_warn", "storage_crit"],
        ],
    }
}

/// The group a threshold field belongs to.
pub fn group_of(kind: HostedKind, id: &str) -> Option<[&'static str; 3]> {
    groups(kind).iter().find(|g| g.contains(&id)).copied()
}

fn required(id: &str) -> String {
    match id {
        "subscription_id" => "is required: the subscription's GUID from the Azure portal".into(),
        "service_fqdn" => "is required (it is filled from the certificate's name)".into(),
        _ => "is required".into(),
    }
}

/// The rule field `f` breaks, if any. `strict` (on Next) also reports empty required fields.
pub fn rule(v: &Values<'_>, f: &Field, ctx: &Ctx<'_>, strict: bool) -> Option<String> {
    if !v.enabled(f) {
        return None;
    }
    let t = f.text.trim();
    if f.is_textual() && t.is_empty() {
        return (strict && !f.optional).then(|| required(f.id));
    }
    match f.id {
        "subscription_id" => validate::subscription_id(t).err().map(|e| e.rule),
        _ if f.kind == Kind::File => {
            (!expand_home(t).is_file()).then(|| format!("no such file: {t}"))
        }
        _ if f.kind == Kind::Files => paths(t)
            .into_iter()
            .find(|p| !expand_home(p).is_file())
            .map(|p| format!("no such file: {p}")),
        "service_fqdn" => fqdn_rule(v, t, ctx, strict),
        "resource_group" => validate::resource_group(t).err().map(|e| e.rule),
        "vm_instances" => match t.parse::<i64>() {
            Ok(n) => validate::vm_instances(n).err().map(|e| e.rule),
            Err(_) => Some("must be a whole number".into()),
        },
        id => group_of(ctx.kind, id).and_then(|g| threshold_rule(v, id, g)),
    }
}

fn threshold_rule(v: &Values<'_>, id: &str, [gb, warn, crit]: [&str; 3]) -> Option<String> {
    let Some(n) = v.num(id) else {
        return Some("must be a whole number".into());
    };
    if id == gb {
        return (!(1..=MAX_QUOTA_GB).contains(&n))
            .then(|| format!("must be from 1 to {MAX_QUOTA_GB} GB (got {n})"));
    }
    if let Err(e) = validate::percentage("%", n) {
        return Some(e.rule);
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

fn fqdn_rule(v: &Values<'_>, t: &str, ctx: &Ctx<'_>, strict: bool) -> Option<String> {
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
    let host = t.split('.').next().unwrap_or(t);
    if ctx.kind == HostedKind::Cmg
        && let Err(e) = validate::cmg_name(host)
    {
        return Some(format!("the host part '{host}' {}", e.rule));
    }
    let needs_storage = ctx.kind == HostedKind::Cdp || v.checked("serve_content");
    if needs_storage && let Err(e) = service::storage_account_name(host) {
        return Some(e.rule);
    }
    None
}

/// The paths of a comma-separated list.
pub fn paths(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// What inspecting a certificate file found.
#[derive(Debug, Default)]
pub struct Inspection {
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
pub fn inspect_cert(path: &str, password: &str, role: Role) -> Option<Inspection> {
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
pub fn inspect_into(
    pages: &mut [Vec<Field>],
    file_id: &str,
    pw_id: &str,
    role: Role,
) -> Option<Report> {
    let (path, password) = {
        let v = Values(pages);
        (v.text(file_id), v.raw(pw_id))
    };
    if let Some(f) = field_mut(pages, file_id) {
        f.notes.clear();
    }
    if let Some(f) = field_mut(pages, pw_id) {
        f.error = None;
    }
    let found = inspect_cert(&path, &password, role)?;
    if let Some(f) = field_mut(pages, pw_id) {
        f.error = found.password_error;
    }
    if let Some(f) = field_mut(pages, file_id) {
        f.notes = found.notes;
    }
    found.report
}

/// Reads and checks the trusted root / intermediate files of a comma-separated list.
pub fn trusted_roots(text: &str) -> Result<Vec<TrustedRootUpload>, String> {
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
            kind: if root {
                TrustedRootKind::Root
            } else {
                TrustedRootKind::Intermediate
            }
            .as_str()
            .into(),
        });
    }
    let roots = out
        .iter()
        .filter(|r| r.kind == TrustedRootKind::Root.as_str())
        .count();
    validate::trusted_root_counts(roots, out.len() - roots).map_err(|e| e.rule)?;
    Ok(out)
}

/// A certificate file and its password, for a request.
pub fn upload(v: &Values<'_>, file_id: &str, pw_id: &str) -> Result<CertUpload, String> {
    upload_file(&v.text(file_id), &v.raw(pw_id))
}

/// The certificate file at `path` (base64) and its password, for a request.
pub fn upload_file(path: &str, password: &str) -> Result<CertUpload, String> {
    let bytes = std::fs::read(expand_home(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok(CertUpload {
        file_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        password: password.to_string(),
    })
}

/// The text of an optional field: `None` when empty.
pub fn opt(v: &Values<'_>, id: &str) -> Option<String> {
    Some(v.text(id)).filter(|t| !t.is_empty())
}

/// The General page as the site wants it.
pub fn subscription_input(v: &Values<'_>) -> Result<SubscriptionInput, String> {
    Ok(SubscriptionInput {
        subscription_id: opt(v, "subscription_id"),
        environment: if v.text("environment") == "AzureUSGovernmentCloud" {
            Environment::AzureUSGovernmentCloud
        } else {
            Environment::AzurePublicCloud
        },
        management_certificate: upload(v, "mgmt_file", "mgmt_password")?,
    })
}

/// A threshold group as sent.
pub fn threshold(v: &Values<'_>, [gb, warn, crit]: [&str; 3]) -> ThresholdInput {
    ThresholdInput {
        quota_gb: v.num(gb),
        warning_pct: v.num(warn),
        critical_pct: v.num(crit),
    }
}

/// The wizard field a site error names ("Service FQDN: must be …" → `service_fqdn`), with
/// the rule.
pub fn server_field(message: &str) -> Option<(&'static str, String)> {
    let (label, rule) = message.split_once(": ")?;
    let id = match label {
        "Subscription ID" => "subscription_id",
        "Management certificate" | "Management certificate file" => "mgmt_file",
        "Management certificate password" => "mgmt_password",
        "Region" => "region",
        "Service certificate" | "Service certificate file" => "cert_file",
        "Service certificate password" => "cert_password",
        "Service FQDN" | "Service name" | "CMG name" => "service_fqdn",
        "VM Size" => "vm_size",
        "VM Instance" => "vm_instances",
        "Certificates" => "trusted_roots",
        l if l.starts_with("Trusted root certificate") => "trusted_roots",
        l => {
            let group = if l.starts_with("Storage alert threshold") {
                "storage"
            } else if l.starts_with("Transfer alert threshold") {
                "transfer"
            } else if l.starts_with("Outbound data transfer threshold") {
                "egress"
            } else {
                return None;
            };
            let part = if l.ends_with("warning %") {
                "warn"
            } else if l.ends_with("critical %") {
                "crit"
            } else {
                "gb"
            };
            return Some((field_id(group, part), rule.to_string()));
        }
    };
    Some((id, rule.to_string()))
}

fn field_id(group: &str, part: &str) -> &'static str {
    match (group, part) {
        ("storage", "warn") => "storage_warn",
        ("storage", "crit") => "storage_crit",
        ("storage", _) => "storage_gb",
        ("transfer", "warn") => "transfer_warn",
        ("transfer", "crit") => "transfer_crit",
        ("transfer", _) => "transfer_gb",
        ("egress", "warn") => "egress_warn",
        ("egress", "crit") => "egress_crit",
        _ => "egress_gb",
    }
}
