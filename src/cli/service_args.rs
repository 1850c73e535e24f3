//! Arguments of `cloudsite cdp …` and `cloudsite cmg …`, named after the cmdlets' parameters.

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    /// The 14-day threshold and alerts for outbound data (yes/no).
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
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
    /// Stop this service when the critical threshold is exceeded (yes/no).
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
    pub stop_at_critical: Option<bool>,
    /// Storage alerts (yes/no; "Specify storage alert threshold").
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
    pub storage_alerts: Option<bool>,
}

/// CMG settings flags.
#[derive(Debug, Args, Default)]
pub struct CmgOptionArgs {
    /// VM instances, 1–16.
    #[arg(long)]
    pub vm_instances: Option<i64>,
    /// Verify Client Certificate Revocation (yes/no; default yes).
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
    pub check_crl: Option<bool>,
    /// Enforce TLS 1.2 (yes/no; default yes).
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
    pub enforce_tls12: Option<bool>,
    /// Allow the CMG to serve content (yes/no; default yes).
    #[arg(long, value_name = "yes|no", action = clap::ArgAction::Set, value_parser = super::values::yes_no)]
    pub serve_content: Option<bool>,
}

/// Certificate file of `set` (Set-CMCloudManagementGateway `-ServiceCertPath`): a renewal.
#[derive(Debug, Args, Default)]
pub struct RenewArgs {
    /// New service certificate .pfx for the same Service FQDN; an upgrade redeploys it.
    #[arg(long, value_name = "FILE", alias = "service-cert-path")]
    pub service_cert: Option<PathBuf>,
    /// Environment variable holding the new certificate's password.
    #[arg(long, value_name = "VAR", requires = "service_cert")]
    pub service_cert_password_env: Option<String>,
}

/// Options of commands that start a task.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// Wait for the task to end; exit 1 if it failed. On a terminal, its progress is shown on
    /// standard error.
    #[arg(short = 'w', long)]
    pub wait: bool,
    /// With --wait: give up after this long (`90s`, `10m`, `1h`) with exit code 124; the task
    /// goes on.
    #[arg(long, value_name = "DURATION", requires = "wait", value_parser = super::values::duration)]
    pub timeout: Option<std::time::Duration>,
    /// Print JSON (the same as `-o json`).
    #[arg(long)]
    pub json: bool,
}

impl TaskArgs {
    /// How `--wait` waits.
    pub fn waiting(&self) -> super::output::Waiting {
        super::output::Waiting::new(self.timeout)
    }
}

/// `cloudsite cdp …`.
#[derive(Debug, Subcommand)]
pub enum CdpCommand {
    /// Create a cloud distribution point (New-CMCloudDistributionPoint).
    Create {
        #[command(flatten)]
        general: Box<GeneralArgs>,
        /// Primary site that transfers content (-SiteCode); this site's code by default.
        #[arg(long, alias = "site-code")]
        primary_site: Option<String>,
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
    /// Change description, alert thresholds or certificate (Set-CMCloudDistributionPoint).
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
        #[command(flatten)]
        renew: RenewArgs,
        #[command(flatten)]
        task: TaskArgs,
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
        #[arg(short = 'y', long)]
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
    /// Change settings (Set-CMCloudManagementGateway); VM count, TLS or certificate upgrades.
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
        #[command(flatten)]
        renew: RenewArgs,
        #[command(flatten)]
        task: TaskArgs,
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
        #[arg(short = 'y', long)]
        yes: bool,
        #[command(flatten)]
        task: TaskArgs,
    },
    /// Run the CMG connection analyzer: service running, DNS name and certificate, connection
    /// points, a management point request through the CMG, the client certificate, TLS
    /// version. Each check is printed as it concludes; exit 1 when one fails.
    Analyze(super::analyze_cmd::AnalyzeArgs),
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
        /// Run it elsewhere (`cloudsite connection-point run ID` on that server), not in the
        /// site service; a new server name becomes a site system. Always so off the site server.
        #[arg(long)]
        external: bool,
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
