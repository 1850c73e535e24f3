//! `cloudsite cdp …` and `cloudsite cmg …`: the `*-CMCloudDistributionPoint` and
//! `*-CMCloudManagementGateway` cmdlets as commands.

use super::connect::{SiteArgs, connect};
use super::output::{self, CliError, Failure, fail, say, table, wait_task};
pub(super) use super::service_args::*;
use crate::api::client::Client;
use crate::api::wire::{
    Accepted, AddConnectionPoint, CertUpload, CreateCdp, CreateCmg, ServiceView, SetService,
    SubscriptionInput, ThresholdInput, TrustedRootUpload,
};
use crate::display;
use crate::domain::service::{
    Action, Environment, HostedKind, TrustedRootKind, delete_answers, delete_confirmed,
};
use crate::site::prepare::cn_case_warning;
use base64::Engine;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn read_file(flag: &str, path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
        .map_err(|e| format!("{flag} {}: {e}", path.display()))
}

fn password(flag: &str, var: &Option<String>) -> Result<String, String> {
    match var {
        None => Ok(String::new()),
        Some(v) => {
            std::env::var(v).map_err(|_| format!("{flag}: the environment variable {v} is not set"))
        }
    }
}

fn subscription(g: &GeneralArgs) -> Result<SubscriptionInput, String> {
    let (file, pw) = match (&g.management_cert, &g.publishsettings) {
        (Some(f), _) => (
            read_file("--management-cert", f)?,
            password(
                "--management-cert-password-env",
                &g.management_cert_password_env,
            )?,
        ),
        (None, Some(f)) => (read_file("--publishsettings", f)?, String::new()),
        (None, None) => return Err("give --management-cert or --publishsettings".into()),
    };
    Ok(SubscriptionInput {
        subscription_id: g.subscription_id.clone(),
        environment: if g.environment == "AzureUSGovernmentCloud" {
            Environment::AzureUSGovernmentCloud
        } else {
            Environment::AzurePublicCloud
        },
        management_certificate: CertUpload {
            file_base64: file,
            password: pw.into(),
        },
    })
}

fn service_cert(g: &GeneralArgs) -> Result<CertUpload, String> {
    cert_upload(&g.service_cert, &g.service_cert_password_env)
}

fn cert_upload(file: &Path, password_env: &Option<String>) -> Result<CertUpload, String> {
    Ok(CertUpload {
        file_base64: read_file("--service-cert", file)?,
        password: password("--service-cert-password-env", password_env)?.into(),
    })
}

fn threshold(q: Option<i64>, w: Option<i64>, c: Option<i64>) -> ThresholdInput {
    ThresholdInput {
        quota_gb: q,
        warning_pct: w,
        critical_pct: c,
    }
}

fn some_threshold(t: ThresholdInput) -> Option<ThresholdInput> {
    (t != ThresholdInput::default()).then_some(t)
}

fn print_services(list: &[ServiceView], cmg: bool) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let mut row = vec![
                s.service_fqdn.clone(),
                s.status.as_str().to_string(),
                s.region.clone(),
            ];
            if cmg {
                row.push(s.vm_instances.to_string());
                row.push(
                    s.cmg
                        .as_ref()
                        .map(|c| if c.serve_content { "Yes" } else { "No" })
                        .unwrap_or("")
                        .to_string(),
                );
            }
            row.push(s.description.clone());
            row
        })
        .collect();
    if cmg {
        table(
            &[
                "NAME",
                "STATUS",
                "REGION",
                "VM INSTANCES",
                "SERVE CONTENT",
                "DESCRIPTION",
            ],
            &rows,
        );
    } else {
        table(&["SERVICE NAME", "STATUS", "REGION", "DESCRIPTION"], &rows);
    }
}

fn print_service(s: &ServiceView) {
    for (k, v) in service_lines(s) {
        say(format!("{k:<36}{v}"));
    }
}

/// What `cdp|cmg show` prints, label and value a line.
fn service_lines(s: &ServiceView) -> Vec<(&'static str, String)> {
    let mut lines = vec![
        ("Service FQDN", s.service_fqdn.clone()),
        ("Status", s.status.as_str().to_string()),
        (
            "Status details",
            s.status_details.clone().unwrap_or_default(),
        ),
        ("Id", s.id.clone()),
        ("Subscription ID", s.subscription_id.clone()),
        ("Region", s.region.clone()),
        ("Description", s.description.clone()),
        (
            "Instances",
            s.instances
                .iter()
                .map(|i| {
                    format!(
                        "{} {} {}",
                        i.id,
                        i.state,
                        i.address.as_deref().unwrap_or("-")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (
            "Storage alert threshold",
            format!(
                "{} GB, warning {} %, critical {} %",
                s.storage.quota_gb, s.storage.warning_pct, s.storage.critical_pct
            ),
        ),
        (
            if s.kind == HostedKind::Cmg {
                "Outbound data threshold (14 days)"
            } else {
                "Transfer alert threshold (30 days)"
            },
            format!(
                "{} GB, warning {} %, critical {} %",
                s.transfer.quota_gb, s.transfer.warning_pct, s.transfer.critical_pct
            ),
        ),
        (
            "Certificate",
            format!(
                "{} (expires {})",
                s.certificate.thumbprint,
                display::time(&s.certificate.not_after)
            ),
        ),
        ("CNAME", format!("{} -> {}", s.service_fqdn, s.cname_target)),
    ];
    if let Some(c) = &s.cmg {
        lines.push((
            "VM size / instances",
            format!("{} x {}", c.vm_size, s.vm_instances),
        ));
        lines.push((
            "Options",
            format!(
                "CRL check {}, TLS 1.2 {}, serve content {}, stop at critical {}",
                c.check_crl, c.enforce_tls12, c.serve_content, c.stop_at_critical
            ),
        ));
        // Which clients the gateway lets in depends on these: show every one, not a count.
        if c.trusted_roots.is_empty() {
            lines.push(("Trusted roots", "none (no client certificate asked)".into()));
        }
        for r in &c.trusted_roots {
            lines.push((
                match r.kind {
                    TrustedRootKind::Root => "Trusted root",
                    TrustedRootKind::Intermediate => "Intermediate",
                },
                format!(
                    "{} ({})",
                    r.subject_cn.as_deref().unwrap_or("(no CN)"),
                    r.thumbprint
                ),
            ));
        }
    }
    if let Some(u) = &s.usage {
        // In the quota's own GB, as the console shows it (README, "Usage and quotas").
        use crate::console::ui::usage::{Figure, money, used_detail};
        lines.push(("Storage used", used_detail(s, Figure::Storage).0));
        lines.push((
            if s.kind == HostedKind::Cmg {
                "Outbound data (14 days)"
            } else {
                "Transfer (30 days)"
            },
            used_detail(s, Figure::Transfer).0,
        ));
        lines.push((
            if u.cost.illustrative {
                "Cost (illustrative prices)"
            } else {
                "Cost"
            },
            format!(
                "{} this month, {} projected for the month",
                money(&u.cost.currency, u.cost.month_to_date_cents),
                money(&u.cost.currency, u.cost.projected_month_cents)
            ),
        ));
        lines.push(("Usage collected", display::time(&u.collected)));
    }
    lines.push(("Created", display::time(&s.created)));
    lines.push(("Last changed", display::time(&s.updated)));
    lines
}

/// A CMG's connection points (state, instances, reason) and client traffic, as the console's
/// details pane shows them.
fn print_gateway(s: &ServiceView, points: &[crate::api::wire::ConnectionPointView]) {
    use crate::console::ui::gateway::{point_text, traffic_text};
    if points.is_empty() {
        say(format!("{:<36}none", "Connection points"));
    }
    for (n, p) in points.iter().enumerate() {
        let key = if n == 0 { "Connection points" } else { "" };
        say(format!("{key:<36}{}", point_text(p)));
    }
    let traffic = s
        .gateway
        .as_ref()
        .map_or_else(|| "not sampled yet".to_string(), traffic_text);
    say(format!("{:<36}{traffic}", "Client traffic"));
}

async fn finish_task(client: &Client, accepted: Accepted, task: &TaskArgs) -> ExitCode {
    if !task.wait {
        if output::is_json(task.json) {
            output::json(&accepted);
        } else {
            // The service's state in the answer is the one before the task began: say where
            // the task takes it instead.
            let (during, after) = accepted.task.kind.course();
            let after = after.map_or("deleted", |s| s.as_str());
            say(format!(
                "{}: {} -> {} (task {} {:?}, started {}; --wait follows it)",
                accepted.service.service_fqdn,
                during.as_str(),
                after,
                accepted.task.id,
                accepted.task.kind,
                display::time(&accepted.task.created)
            ));
        }
        return ExitCode::SUCCESS;
    }
    match wait_task(client, &accepted.task.id, task.waiting()).await {
        Err(e) => fail(e),
        Ok(t) => {
            if output::is_json(task.json) {
                output::json(&t);
            } else {
                let ended = t
                    .ended
                    .as_deref()
                    .map(|e| format!(" at {}", display::time(e)))
                    .unwrap_or_default();
                say(format!(
                    "{}: task {:?} {:?}{ended}",
                    accepted.service.service_fqdn, t.kind, t.state
                ));
            }
            output::task_exit(&t)
        }
    }
}

/// Asks on `out` for the service's FQDN or name (the one rule the console's prompt keeps too:
/// `domain::service::delete_confirmed`) and reads the answer from `input`.
fn ask_delete(
    fqdn: &str,
    name: &str,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<(), String> {
    let _ = write!(
        out,
        "Delete {} and all its content in the cloud? This cannot be undone.\nType {} to confirm: ",
        display::terminal_safe(fqdn),
        display::terminal_safe(&delete_answers(fqdn, name)),
    );
    let _ = out.flush();
    let mut answer = String::new();
    input
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the confirmation: {e}"))?;
    if delete_confirmed(&answer, fqdn, name) {
        Ok(())
    } else {
        Err("not confirmed; nothing was deleted".into())
    }
}

/// The answer a delete needs before it goes ahead: `--yes`, or the service named at the prompt
/// (the service is read first, so the prompt can say which names it takes).
async fn confirm_delete(
    client: &Client,
    kind: HostedKind,
    service: &str,
    yes: bool,
) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err("refusing to delete without --yes when not run from a terminal".into());
    }
    let s = client.service(kind, service).await?;
    ask_delete(
        &s.service_fqdn,
        &s.name,
        &mut std::io::stdin().lock(),
        &mut std::io::stderr(),
    )
    .map_err(CliError::from)
}

/// The reads and actions CDPs and CMGs share.
async fn list(client: &Client, kind: HostedKind, json: bool) -> Result<ExitCode, CliError> {
    let list = client.services(kind).await?;
    if output::is_json(json) {
        output::json(&list)
    } else {
        print_services(&list, kind == HostedKind::Cmg)
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(
    client: &Client,
    kind: HostedKind,
    service: &str,
    json: bool,
) -> Result<ExitCode, CliError> {
    let s = client.service(kind, service).await?;
    // A CMG shows its connection points too: their live state is not part of the service.
    let points = match kind {
        HostedKind::Cmg => Some(client.connection_points(Some(&s.id)).await?),
        HostedKind::Cdp => None,
    };
    if output::is_json(json) {
        let mut value = serde_json::to_value(&s).unwrap_or_default();
        if let (Some(map), Some(points)) = (value.as_object_mut(), &points) {
            map.insert(
                "connection_points".into(),
                serde_json::to_value(points).unwrap_or_default(),
            );
        }
        output::json(&value)
    } else {
        print_service(&s);
        if let Some(points) = &points {
            print_gateway(&s, points);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Starts an action (start, stop, sync, delete) and reports or waits for its task.
async fn act(
    client: &Client,
    kind: HostedKind,
    service: &str,
    action: Action,
    task: &TaskArgs,
) -> Result<ExitCode, CliError> {
    let refusal = match client.act(kind, service, action).await {
        Ok(acc) => return Ok(finish_task(client, acc, task).await),
        Err(e) => CliError::from(e),
    };
    // Asking for a state the service is already in is a success with nothing to do; the
    // service is read again because the refusal alone does not say why.
    if refusal.kind == Failure::Refused
        && let Some(done) = action.already_done_in()
    {
        let s = client.service(kind, service).await?;
        if s.status == done {
            if output::is_json(task.json) {
                output::json(&s);
            } else {
                say(format!(
                    "{}: already {}, nothing to do",
                    s.service_fqdn,
                    s.status.as_str()
                ));
            }
            return Ok(ExitCode::SUCCESS);
        }
    }
    Err(refusal)
}

async fn delete(
    client: &Client,
    kind: HostedKind,
    service: &str,
    yes: bool,
    task: &TaskArgs,
) -> Result<ExitCode, CliError> {
    confirm_delete(client, kind, service, yes).await?;
    act(client, kind, service, Action::Delete, task).await
}

/// PATCHes a Set (with a new certificate from `renew`, if given) and reports or waits.
async fn set(
    client: &Client,
    kind: HostedKind,
    service: &str,
    mut req: SetService,
    renew: &RenewArgs,
    task: &TaskArgs,
) -> Result<ExitCode, CliError> {
    let mut old_cn = None;
    if let Some(file) = &renew.service_cert {
        req.service_certificate = Some(cert_upload(file, &renew.service_cert_password_env)?);
        let current = client.service(kind, service).await?;
        old_cn = current.certificate.subject_cn;
    }
    let u = client.set_service(kind, service, &req).await?;
    let new_cn = u.service.certificate.subject_cn.as_deref();
    if let Some(w) = cn_case_warning(old_cn.as_deref(), new_cn) {
        eprintln!("warning: {}", output::safe(&w));
    }
    Ok(match (&u.task, task.wait) {
        (Some(t), true) => {
            let t = wait_task(client, &t.id, task.waiting()).await?;
            if output::is_json(task.json) {
                output::json(&t)
            } else {
                say(format!("{}: upgrade {:?}", u.service.service_fqdn, t.state))
            }
            output::task_exit(&t)
        }
        _ => {
            if output::is_json(task.json) {
                output::json(&u)
            } else {
                print_service(&u.service)
            }
            ExitCode::SUCCESS
        }
    })
}

/// Runs a `cdp` subcommand.
pub(super) async fn run_cdp(site: &SiteArgs, cmd: CdpCommand) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let code = cdp(&conn.client, cmd).await;
    conn.close().await;
    code
}

async fn cdp(client: &Client, cmd: CdpCommand) -> ExitCode {
    let result: Result<ExitCode, CliError> = async {
        Ok(match cmd {
            CdpCommand::Create {
                general,
                primary_site,
                storage,
                transfer,
                task,
            } => {
                let req = CreateCdp {
                    primary_site,
                    subscription: subscription(&general)?,
                    region: general.region.clone(),
                    resource_group: general.resource_group.clone(),
                    service_certificate: service_cert(&general)?,
                    service_fqdn: general.service_fqdn.clone(),
                    description: general.description.clone(),
                    storage: threshold(
                        storage.storage_quota_gb,
                        storage.storage_warning_pct,
                        storage.storage_critical_pct,
                    ),
                    transfer: threshold(
                        transfer.transfer_quota_gb,
                        transfer.transfer_warning_pct,
                        transfer.transfer_critical_pct,
                    ),
                };
                let acc = client.create_cdp(&req).await?;
                finish_task(client, acc, &task).await
            }
            CdpCommand::List { json } => list(client, HostedKind::Cdp, json).await?,
            CdpCommand::Show { service, json } => {
                show(client, HostedKind::Cdp, &service, json).await?
            }
            CdpCommand::Set {
                service,
                description,
                storage,
                transfer,
                renew,
                task,
            } => {
                let req = SetService {
                    description,
                    storage: some_threshold(threshold(
                        storage.storage_quota_gb,
                        storage.storage_warning_pct,
                        storage.storage_critical_pct,
                    )),
                    transfer: some_threshold(threshold(
                        transfer.transfer_quota_gb,
                        transfer.transfer_warning_pct,
                        transfer.transfer_critical_pct,
                    )),
                    ..SetService::default()
                };
                set(client, HostedKind::Cdp, &service, req, &renew, &task).await?
            }
            CdpCommand::Start { service, task } => {
                act(client, HostedKind::Cdp, &service, Action::Start, &task).await?
            }
            CdpCommand::Stop { service, task } => {
                act(client, HostedKind::Cdp, &service, Action::Stop, &task).await?
            }
            CdpCommand::Delete { service, yes, task } => {
                delete(client, HostedKind::Cdp, &service, yes, &task).await?
            }
        })
    }
    .await;
    result.unwrap_or_else(fail)
}

/// Runs a `cmg` subcommand.
pub(super) async fn run_cmg(site: &SiteArgs, cmd: CmgCommand) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let code = cmg(&conn.client, cmd).await;
    conn.close().await;
    code
}

fn roots(files: &[PathBuf], kind: TrustedRootKind) -> Result<Vec<TrustedRootUpload>, String> {
    files
        .iter()
        .map(|f| {
            Ok(TrustedRootUpload {
                file_base64: read_file("--trusted-root", f)?,
                kind: kind.as_str().into(),
            })
        })
        .collect()
}

async fn cmg(client: &Client, cmd: CmgCommand) -> ExitCode {
    let result: Result<ExitCode, CliError> = async {
        Ok(match cmd {
            CmgCommand::Create {
                general,
                vm_size,
                trusted_root,
                intermediate,
                options,
                egress,
                storage,
                task,
            } => {
                let mut trusted_roots = roots(&trusted_root, TrustedRootKind::Root)?;
                trusted_roots.extend(roots(&intermediate, TrustedRootKind::Intermediate)?);
                let req = CreateCmg {
                    subscription: subscription(&general)?,
                    service_certificate: service_cert(&general)?,
                    service_fqdn: general.service_fqdn.clone(),
                    description: general.description.clone(),
                    region: general.region.clone(),
                    resource_group: general.resource_group.clone(),
                    vm_size,
                    vm_instances: options.vm_instances,
                    trusted_roots,
                    check_crl: options.check_crl,
                    enforce_tls12: options.enforce_tls12,
                    serve_content: options.serve_content,
                    egress_alerts: egress.egress_alerts,
                    egress: threshold(
                        egress.egress_quota_gb,
                        egress.egress_warning_pct,
                        egress.egress_critical_pct,
                    ),
                    stop_at_critical: egress.stop_at_critical,
                    storage_alerts: egress.storage_alerts,
                    storage: threshold(
                        storage.storage_quota_gb,
                        storage.storage_warning_pct,
                        storage.storage_critical_pct,
                    ),
                };
                let acc = client.create_cmg(&req).await?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::List { json } => list(client, HostedKind::Cmg, json).await?,
            CmgCommand::Analyze(args) => super::analyze_cmd::run(client, args).await?,
            CmgCommand::Show { service, json } => {
                show(client, HostedKind::Cmg, &service, json).await?
            }
            CmgCommand::Set {
                service,
                description,
                options,
                egress,
                storage,
                renew,
                task,
            } => {
                let req = SetService {
                    description,
                    vm_instances: options.vm_instances,
                    check_crl: options.check_crl,
                    enforce_tls12: options.enforce_tls12,
                    serve_content: options.serve_content,
                    egress_alerts: egress.egress_alerts,
                    egress: some_threshold(threshold(
                        egress.egress_quota_gb,
                        egress.egress_warning_pct,
                        egress.egress_critical_pct,
                    )),
                    stop_at_critical: egress.stop_at_critical,
                    storage_alerts: egress.storage_alerts,
                    storage: some_threshold(threshold(
                        storage.storage_quota_gb,
                        storage.storage_warning_pct,
                        storage.storage_critical_pct,
                    )),
                    ..SetService::default()
                };
                set(client, HostedKind::Cmg, &service, req, &renew, &task).await?
            }
            CmgCommand::Start { service, task } => {
                act(client, HostedKind::Cmg, &service, Action::Start, &task).await?
            }
            CmgCommand::Stop { service, task } => {
                act(client, HostedKind::Cmg, &service, Action::Stop, &task).await?
            }
            CmgCommand::Sync { service, task } => {
                act(client, HostedKind::Cmg, &service, Action::Upgrade, &task).await?
            }
            CmgCommand::Delete { service, yes, task } => {
                delete(client, HostedKind::Cmg, &service, yes, &task).await?
            }
            CmgCommand::ConnectionPoint(ConnectionPointCommand::Add {
                cmg,
                site_system,
                external,
                json,
            }) => {
                let site_system = match site_system {
                    Some(s) => s,
                    None => client.site().await?.server_name,
                };
                let cp = client
                    .add_connection_point(
                        &cmg,
                        &AddConnectionPoint {
                            site_system,
                            external,
                        },
                    )
                    .await?;
                if output::is_json(json) {
                    output::json(&cp)
                } else {
                    say(format!(
                        "{} ({}) for {} on {} (site {}), region {}",
                        cp.name, cp.id, cp.cmg_name, cp.site_system, cp.site_code, cp.region
                    ));
                    if cp.external {
                        say(format!(
                            "run it there: cloudsite --site URL --token-file FILE connection-point run {}",
                            cp.id
                        ));
                    }
                }
                ExitCode::SUCCESS
            }
            CmgCommand::ConnectionPoint(ConnectionPointCommand::List { json }) => {
                let list = client.connection_points(None).await?;
                if output::is_json(json) {
                    output::json(&list)
                } else {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|c| {
                            vec![
                                c.id.clone(),
                                c.cmg_name.clone(),
                                c.site_system.clone(),
                                if c.external { "external" } else { "site service" }.into(),
                                c.state.display_name().into(),
                                c.channels
                                    .iter()
                                    .map(|ch| {
                                        let t = ch.transport.map_or("-", |t| t.display_name());
                                        format!("{} {} {}", ch.instance, ch.state.display_name(), t)
                                    })
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            ]
                        })
                        .collect();
                    table(
                        &["ID", "CMG", "SITE SYSTEM", "RUN BY", "STATE", "CHANNELS"],
                        &rows,
                    );
                }
                ExitCode::SUCCESS
            }
        })
    }
    .await;
    result.unwrap_or_else(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(typed: &str) -> (Result<(), String>, String) {
        let mut out = Vec::new();
        let result = ask_delete(
            "cdp1.contoso.com",
            "cdp1",
            &mut std::io::Cursor::new(format!("{typed}\n")),
            &mut out,
        );
        (result, String::from_utf8(out).unwrap())
    }

    #[test]
    fn delete_takes_the_fqdn_or_the_name_and_says_so() {
        let (ok, prompt) = answer("cdp1");
        assert_eq!(ok, Ok(()), "the name --json shows is accepted");
        assert!(
            prompt.contains("Type cdp1.contoso.com or cdp1 to confirm"),
            "{prompt}"
        );
        assert_eq!(answer("CDP1.contoso.com").0, Ok(()));
        assert!(
            answer("cdp2")
                .0
                .unwrap_err()
                .contains("nothing was deleted")
        );
        assert!(answer("").0.is_err());
    }
}

#[cfg(test)]
mod show_tests {
    use super::*;

    #[test]
    fn show_gives_usage_in_the_quotas_gb() {
        const GIB: u64 = 1 << 30;
        let s: ServiceView = serde_json::from_value(serde_json::json!({
            "id": "c1", "kind": "cdp", "service_fqdn": "cdp1.contoso.com", "name": "cdp1",
            "status": "Ready", "status_details": null,
            "subscription_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "environment": "AzurePublicCloud", "region": "WestEurope", "resource_group": null,
            "description": "", "vm_instances": 1, "instances": [],
            "storage": {"quota_gb": 100, "warning_pct": 50, "critical_pct": 90},
            "transfer": {"quota_gb": 2000, "warning_pct": 50, "critical_pct": 90},
            "cmg": null,
            "certificate": {"thumbprint": "AB", "subject_cn": null,
                            "not_after": "2027-11-23T00:00:00Z", "wildcard": false},
            "cname_target": "cdp1.cloudapp.net",
            "created": "2026-11-22T10:00:00Z", "updated": "2026-11-22T10:00:00Z",
            "usage": {"collected": "2026-11-22T10:00:00Z", "storage_bytes": 40 * GIB,
                      "transfer_bytes": 0, "window_days": 30, "daily_transfer": [],
                      "quota_unit_bytes": GIB,
                      "cost": {"currency": "USD", "month_to_date_cents": 0,
                               "projected_month_cents": 0, "illustrative": true}},
            "gateway": null
        }))
        .expect("a service");
        let lines = service_lines(&s);
        let value = |k: &str| lines.iter().find(|(l, _)| *l == k).map(|(_, v)| v.clone());
        assert_eq!(
            value("Storage used").as_deref(),
            Some("40.0 GB of 100 GB (40 %)"),
            "the unit the quota was entered in, as the console shows it"
        );
        assert_eq!(
            value("Transfer (30 days)").as_deref(),
            Some("0 GB of 2000 GB (0 %)")
        );
    }
}
