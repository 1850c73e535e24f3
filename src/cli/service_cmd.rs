//! `cloudsite cdp …` and `cloudsite cmg …`: the `*-CMCloudDistributionPoint` and
//! `*-CMCloudManagementGateway` cmdlets as commands.

use super::connect::{SiteArgs, connect};
use super::output::{self, fail, table, wait_task};
use crate::api::client::Client;
use crate::api::wire::{
    Accepted, AddConnectionPoint, CertUpload, ConnectionPointView, CreateCdp, CreateCmg,
    ServiceView, SetService, SubscriptionInput, ThresholdInput, TrustedRootUpload, Updated,
};
use crate::domain::service::Environment;
use base64::Engine;
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// General page options shared by both create commands.
#[derive(Debug, Args)]
pub struct GeneralArgs {
    /// Subscription ID (GUID); optional with a .publishsettings listing one.
    #[arg(long)]
    pub subscription_id: Option<String>,
    /// Azure environment.
    #[arg(long, value_parser = ["AzurePublicCloud", "AzureUSGovernmentCloud"], default_value = "AzurePublicCloud")]
    pub environment: String,
    /// Management certificate .pfx (or use --publishsettings).
    #[arg(long, value_name = "FILE", required_unless_present = "publishsettings")]
    pub management_cert: Option<PathBuf>,
    /// Environment variable holding the management certificate's password.
    #[arg(long, value_name = "VAR")]
    pub management_cert_password_env: Option<String>,
    /// A v1 .publishsettings file instead of a management .pfx.
    #[arg(long, value_name = "FILE", conflicts_with = "management_cert")]
    pub publishsettings: Option<PathBuf>,
    /// Region.
    #[arg(long)]
    pub region: String,
    /// Resource group.
    #[arg(long)]
    pub resource_group: Option<String>,
    /// Service certificate .pfx.
    #[arg(long, value_name = "FILE")]
    pub service_cert: PathBuf,
    /// Environment variable holding the service certificate's password.
    #[arg(long, value_name = "VAR")]
    pub service_cert_password_env: Option<String>,
    /// Service FQDN (default: from the certificate; required for a wildcard certificate).
    #[arg(long, alias = "service-cname")]
    pub service_fqdn: Option<String>,
    /// Description.
    #[arg(long, default_value = "")]
    pub description: String,
}

/// Threshold flags (`--storage-quota-gb` …).
#[derive(Debug, Args, Default)]
pub struct StorageArgs {
    /// Storage alert threshold (GB).
    #[arg(long)]
    pub storage_quota_gb: Option<i64>,
    /// Storage warning (% of the threshold).
    #[arg(long)]
    pub storage_warning_pct: Option<i64>,
    /// Storage critical (% of the threshold).
    #[arg(long)]
    pub storage_critical_pct: Option<i64>,
}

/// Transfer (CDP, 30 days) threshold flags.
#[derive(Debug, Args, Default)]
pub struct TransferArgs {
    /// Monthly transfer alert threshold (GB) (`-TrafficOutGB`).
    #[arg(long, alias = "traffic-out-gb")]
    pub transfer_quota_gb: Option<i64>,
    /// Transfer warning %.
    #[arg(long, alias = "traffic-warning-pct")]
    pub transfer_warning_pct: Option<i64>,
    /// Transfer critical %.
    #[arg(long, alias = "traffic-critical-pct")]
    pub transfer_critical_pct: Option<i64>,
}

/// Outbound data (CMG, 14 days) flags.
#[derive(Debug, Args, Default)]
pub struct EgressArgs {
    /// Turn on the 14-day threshold and alerts for outbound data.
    #[arg(long)]
    pub egress_alerts: Option<bool>,
    /// Outbound data threshold (GB).
    #[arg(long)]
    pub egress_quota_gb: Option<i64>,
    /// Outbound data warning %.
    #[arg(long)]
    pub egress_warning_pct: Option<i64>,
    /// Outbound data critical %.
    #[arg(long)]
    pub egress_critical_pct: Option<i64>,
    /// Stop this service when the critical threshold is exceeded.
    #[arg(long)]
    pub stop_at_critical: Option<bool>,
    /// Specify storage alert threshold (turn storage alerts on).
    #[arg(long)]
    pub storage_alerts: Option<bool>,
}

/// CMG settings flags.
#[derive(Debug, Args, Default)]
pub struct CmgOptionArgs {
    /// VM instances, 1–16.
    #[arg(long)]
    pub vm_instances: Option<i64>,
    /// Verify Client Certificate Revocation.
    #[arg(long)]
    pub check_crl: Option<bool>,
    /// Enforce TLS 1.2.
    #[arg(long)]
    pub enforce_tls12: Option<bool>,
    /// Allow the CMG to serve content.
    #[arg(long)]
    pub serve_content: Option<bool>,
}

/// Options of commands that start a task.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// Wait for the task to end; exit 1 if it failed.
    #[arg(long)]
    pub wait: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cloudsite cdp …`.
#[derive(Debug, Subcommand)]
pub enum CdpCommand {
    /// Create a cloud distribution point (New-CMCloudDistributionPoint).
    Create {
        #[command(flatten)]
        general: Box<GeneralArgs>,
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        transfer: TransferArgs,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// List cloud distribution points.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one (by Service FQDN, name or id).
    Show {
        /// The service.
        service: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change description and alert thresholds (Set-CMCloudDistributionPoint).
    Set {
        /// The service.
        service: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        transfer: TransferArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start Service.
    Start {
        service: String,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Stop Service (content is kept).
    Stop {
        service: String,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Delete the service and its content.
    Delete {
        service: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        task: TaskArgs,
    },
}

/// `cloudsite cmg …`.
#[derive(Debug, Subcommand)]
pub enum CmgCommand {
    /// Create a cloud management gateway (New-CMCloudManagementGateway).
    Create {
        #[command(flatten)]
        general: Box<GeneralArgs>,
        /// VM size (Standard_A2_v2, Standard_A4_v2, Standard_B2s).
        #[arg(long)]
        vm_size: Option<String>,
        /// Trusted root certificate (.cer), repeatable.
        #[arg(long, value_name = "FILE")]
        trusted_root: Vec<PathBuf>,
        /// Intermediate CA certificate (.cer), repeatable.
        #[arg(long, value_name = "FILE")]
        intermediate: Vec<PathBuf>,
        #[command(flatten)]
        options: CmgOptionArgs,
        #[command(flatten)]
        egress: EgressArgs,
        #[command(flatten)]
        storage: StorageArgs,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// List cloud management gateways.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one.
    Show {
        /// The service.
        service: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change settings (Set-CMCloudManagementGateway); a VM count change starts an upgrade.
    Set {
        /// The service.
        service: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        options: CmgOptionArgs,
        #[command(flatten)]
        egress: EgressArgs,
        #[command(flatten)]
        storage: StorageArgs,
        /// Wait for an upgrade task to end.
        #[arg(long)]
        wait: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start service.
    Start {
        service: String,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Stop service.
    Stop {
        service: String,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Synchronize the configuration to the cloud (Sync-CMCloudManagementGateway).
    Sync {
        service: String,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Delete the gateway.
    Delete {
        service: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// CMG connection points.
    #[command(subcommand)]
    ConnectionPoint(ConnectionPointCommand),
}

/// `cloudsite cmg connection-point …`.
#[derive(Debug, Subcommand)]
pub enum ConnectionPointCommand {
    /// Add a connection point for a CMG on a site system.
    Add {
        /// The CMG.
        cmg: String,
        /// Site system server (default: the site server).
        #[arg(long)]
        site_system: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List connection points.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

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
            password: pw,
        },
    })
}

fn service_cert(g: &GeneralArgs) -> Result<CertUpload, String> {
    Ok(CertUpload {
        file_base64: read_file("--service-cert", &g.service_cert)?,
        password: password("--service-cert-password-env", &g.service_cert_password_env)?,
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
            if s.kind == "cmg" {
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
                s.certificate.thumbprint, s.certificate.not_after
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
    }
    for (k, v) in lines {
        println!("{k:<36}{v}");
    }
}

async fn finish_task(client: &Client, accepted: Accepted, task: &TaskArgs) -> ExitCode {
    if !task.wait {
        if task.json {
            output::json(&accepted);
        } else {
            println!(
                "{}: {} (task {} {:?})",
                accepted.service.service_fqdn,
                accepted.service.status.as_str(),
                accepted.task.id,
                accepted.task.kind
            );
        }
        return ExitCode::SUCCESS;
    }
    match wait_task(client, &accepted.task.id).await {
        Err(e) => fail(e),
        Ok(t) => {
            if task.json {
                output::json(&t);
            } else {
                println!(
                    "{}: task {:?} {:?}",
                    accepted.service.service_fqdn, t.kind, t.state
                );
            }
            output::task_exit(&t)
        }
    }
}

fn confirm_delete(service: &str, yes: bool) -> Result<(), String> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err("refusing to delete without --yes when not run from a terminal".into());
    }
    eprint!(
        "Delete {service} and all its content in the cloud? Type the service name to confirm: "
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    if answer.trim().eq_ignore_ascii_case(service) {
        Ok(())
    } else {
        Err("not confirmed; nothing was deleted".into())
    }
}

/// Runs a `cdp` subcommand.
pub async fn run_cdp(site: &SiteArgs, cmd: CdpCommand) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let code = cdp(&conn.client, cmd).await;
    conn.close().await;
    code
}

async fn cdp(client: &Client, cmd: CdpCommand) -> ExitCode {
    let result: Result<ExitCode, String> = async {
        Ok(match cmd {
            CdpCommand::Create {
                general,
                storage,
                transfer,
                task,
            } => {
                let req = CreateCdp {
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
                let acc: Accepted = client
                    .post("/v1/cdps", &req)
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CdpCommand::List { json } => {
                let list: Vec<ServiceView> =
                    client.get("/v1/cdps").await.map_err(|e| e.to_string())?;
                if json {
                    output::json(&list)
                } else {
                    print_services(&list, false)
                }
                ExitCode::SUCCESS
            }
            CdpCommand::Show { service, json } => {
                let s: ServiceView = client
                    .get(&format!("/v1/cdps/{service}"))
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    output::json(&s)
                } else {
                    print_service(&s)
                }
                ExitCode::SUCCESS
            }
            CdpCommand::Set {
                service,
                description,
                storage,
                transfer,
                json,
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
                let u: Updated = client
                    .patch(&format!("/v1/cdps/{service}"), &req)
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    output::json(&u)
                } else {
                    print_service(&u.service)
                }
                ExitCode::SUCCESS
            }
            CdpCommand::Start { service, task } => {
                let acc: Accepted = client
                    .post(&format!("/v1/cdps/{service}/start"), &())
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CdpCommand::Stop { service, task } => {
                let acc: Accepted = client
                    .post(&format!("/v1/cdps/{service}/stop"), &())
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CdpCommand::Delete { service, yes, task } => {
                confirm_delete(&service, yes)?;
                let acc: Accepted = client
                    .delete(&format!("/v1/cdps/{service}"))
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
        })
    }
    .await;
    result.unwrap_or_else(fail)
}

/// Runs a `cmg` subcommand.
pub async fn run_cmg(site: &SiteArgs, cmd: CmgCommand) -> ExitCode {
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let code = cmg(&conn.client, cmd).await;
    conn.close().await;
    code
}

fn roots(files: &[PathBuf], kind: &str) -> Result<Vec<TrustedRootUpload>, String> {
    files
        .iter()
        .map(|f| {
            Ok(TrustedRootUpload {
                file_base64: read_file("--trusted-root", f)?,
                kind: kind.into(),
            })
        })
        .collect()
}

async fn cmg(client: &Client, cmd: CmgCommand) -> ExitCode {
    let result: Result<ExitCode, String> = async {
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
                let mut trusted_roots = roots(&trusted_root, "root")?;
                trusted_roots.extend(roots(&intermediate, "intermediate")?);
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
                let acc: Accepted = client
                    .post("/v1/cmgs", &req)
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::List { json } => {
                let list: Vec<ServiceView> =
                    client.get("/v1/cmgs").await.map_err(|e| e.to_string())?;
                if json {
                    output::json(&list)
                } else {
                    print_services(&list, true)
                }
                ExitCode::SUCCESS
            }
            CmgCommand::Show { service, json } => {
                let s: ServiceView = client
                    .get(&format!("/v1/cmgs/{service}"))
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    output::json(&s)
                } else {
                    print_service(&s)
                }
                ExitCode::SUCCESS
            }
            CmgCommand::Set {
                service,
                description,
                options,
                egress,
                storage,
                wait,
                json,
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
                let u: Updated = client
                    .patch(&format!("/v1/cmgs/{service}"), &req)
                    .await
                    .map_err(|e| e.to_string())?;
                match (&u.task, wait) {
                    (Some(t), true) => {
                        let t = wait_task(client, &t.id).await?;
                        if json {
                            output::json(&t)
                        } else {
                            println!("{}: upgrade {:?}", u.service.service_fqdn, t.state)
                        }
                        output::task_exit(&t)
                    }
                    _ => {
                        if json {
                            output::json(&u)
                        } else {
                            print_service(&u.service)
                        }
                        ExitCode::SUCCESS
                    }
                }
            }
            CmgCommand::Start { service, task } => {
                let acc: Accepted = client
                    .post(&format!("/v1/cmgs/{service}/start"), &())
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::Stop { service, task } => {
                let acc: Accepted = client
                    .post(&format!("/v1/cmgs/{service}/stop"), &())
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::Sync { service, task } => {
                let acc: Accepted = client
                    .post(&format!("/v1/cmgs/{service}/sync"), &())
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::Delete { service, yes, task } => {
                confirm_delete(&service, yes)?;
                let acc: Accepted = client
                    .delete(&format!("/v1/cmgs/{service}"))
                    .await
                    .map_err(|e| e.to_string())?;
                finish_task(client, acc, &task).await
            }
            CmgCommand::ConnectionPoint(ConnectionPointCommand::Add {
                cmg,
                site_system,
                json,
            }) => {
                let site_system = match site_system {
                    Some(s) => s,
                    None => {
                        client
                            .get::<crate::api::wire::SiteView>("/v1/site")
                            .await
                            .map_err(|e| e.to_string())?
                            .server_name
                    }
                };
                let cp: ConnectionPointView = client
                    .post(
                        &format!("/v1/cmgs/{cmg}/connection-points"),
                        &AddConnectionPoint { site_system },
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    output::json(&cp)
                } else {
                    println!(
                        "{} on {} (site {}), region {}",
                        cp.cmg_name, cp.site_system, cp.site_code, cp.region
                    )
                }
                ExitCode::SUCCESS
            }
            CmgCommand::ConnectionPoint(ConnectionPointCommand::List { json }) => {
                let list: Vec<ConnectionPointView> = client
                    .get("/v1/connection-points")
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    output::json(&list)
                } else {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|c| {
                            vec![
                                c.cmg_name.clone(),
                                c.site_system.clone(),
                                c.site_code.clone(),
                                c.region.clone(),
                            ]
                        })
                        .collect();
                    table(&["CMG", "SITE SYSTEM", "SITE", "REGION"], &rows);
                }
                ExitCode::SUCCESS
            }
        })
    }
    .await;
    result.unwrap_or_else(fail)
}
