//! `cloudsite client fetch PACKAGE --out DIR`: a Configuration Manager client's view — ask the
//! management point for content locations, download from the cloud sources, verify.

use super::connect::{SiteArgs, connect};
use super::output::{self, CliError, Failure, fail};
use super::via_cmg::{ViaCmg, management_point, read_trust};
use crate::client::{FetchError, FetchEvent, FetchReport, FetchRequest, fetch};
use crate::domain::content::ClientLocation;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// `cloudsite client …`.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Fetch a package as a client does: ask the management point, download from the cloud
    /// sources in order (resuming), decrypt and verify into a folder. Exit 1 if no source works.
    Fetch(FetchArgs),
    /// Ask the management point for the client's policy (its client settings), directly or
    /// through a CMG with --via-cmg: the same answer either way.
    Policy(super::client_mp_cmd::MpArgs),
    /// Hold a client notification channel open (directly or through a CMG with --via-cmg) and
    /// print each message the site pushes (`cloudsite client-notifications send`).
    Notify(super::client_mp_cmd::NotifyArgs),
}

/// Options of `client fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Package id (e.g. PS100001) or name.
    pub package: String,
    /// Folder for the files (created if missing; a re-run resumes and skips verified files).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Root CA certificate (.cer, DER or PEM) to trust for the services' certificates;
    /// repeat for several. Without it, the system's root certificates.
    #[arg(long, value_name = "ROOT.cer")]
    pub trust: Vec<PathBuf>,
    /// The client is on the internet: only cloud sources (and internet-facing DPs).
    #[arg(long, conflicts_with = "intranet")]
    pub internet: bool,
    /// The client is on the intranet (the default): cloud sources come last.
    #[arg(long)]
    pub intranet: bool,
    /// The client's name, for the site's logs.
    #[arg(long, value_name = "CLIENT")]
    pub name: Option<String>,
    /// Print a JSON report (package, files with SHA-256, source used, attempts with errors).
    #[arg(long)]
    pub json: bool,
    /// Ask the management point through this cloud management gateway (its service FQDN or
    /// name), as an internet client does; implies --internet.
    #[command(flatten)]
    pub cmg: ViaCmg,
}

/// Runs a `client` subcommand.
pub(super) async fn run(site: &SiteArgs, cmd: ClientCommand) -> ExitCode {
    match cmd {
        ClientCommand::Fetch(args) => fetch_cmd(site, args).await,
        ClientCommand::Policy(args) => super::client_mp_cmd::policy(site, args).await,
        ClientCommand::Notify(args) => super::client_mp_cmd::notify(site, args).await,
    }
}

async fn fetch_cmd(site: &SiteArgs, args: FetchArgs) -> ExitCode {
    let trust = match read_trust(&args.trust) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let req = FetchRequest {
        package: args.package.clone(),
        location: if args.internet || args.cmg.via_cmg.is_some() {
            ClientLocation::Internet
        } else {
            ClientLocation::Intranet
        },
        client_name: args.name.clone(),
        out_dir: args.out.clone(),
        trust,
    };
    let conn = match connect(site).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mp = match management_point(&conn.client, &args.cmg, &req.trust).await {
        Ok(mp) => mp,
        Err(e) => {
            conn.close().await;
            return fail(e);
        }
    };
    let json = output::is_json(args.json);
    let bars = super::progress::wanted(output::is_json(json));
    let mut bar = indicatif::ProgressBar::hidden();
    let result = fetch(&mp, &req, |ev| {
        match &ev {
            FetchEvent::FileStarted { file, from, total } => {
                bar = super::progress::bytes(file, *total, *from, bars);
            }
            FetchEvent::Progress { received, .. } => bar.set_position(*received),
            FetchEvent::FileDone { .. } | FetchEvent::LocationFailed { .. } => {
                bar.finish_and_clear()
            }
            _ => {}
        }
        if !output::is_json(json)
            && let Some(line) = event_line(&ev)
        {
            bar.suspend(|| output::say(line));
        }
    })
    .await;
    bar.finish_and_clear();
    conn.close().await;
    match result {
        Ok(report) => {
            if output::is_json(json) {
                output::json(&report);
            } else {
                output::say(summary(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if output::is_json(json) {
                output::json(&failure_json(&e));
            }
            let kind = match &e {
                FetchError::Site(site) => Failure::of(site),
                _ => Failure::Failed,
            };
            fail(CliError::new(kind, e.to_string()))
        }
    }
}

/// The JSON printed when a fetch fails: the report (when there is one) with an `error` field.
fn failure_json(e: &FetchError) -> serde_json::Value {
    let mut value = match e {
        FetchError::AllFailed { report } => {
            serde_json::to_value(report).unwrap_or_else(|_| serde_json::json!({}))
        }
        FetchError::NoSource { package, note } => {
            serde_json::json!({ "package_id": package, "note": note, "attempts": [] })
        }
        _ => serde_json::json!({}),
    };
    if let Some(map) = value.as_object_mut() {
        map.insert("error".into(), serde_json::Value::String(e.to_string()));
    }
    value
}

/// The line printed for an event: one per attempt (its start, a failed instance, its failure),
/// plus skipped and resumed files. Byte progress is not printed: it would flood a log.
fn event_line(ev: &FetchEvent) -> Option<String> {
    Some(match ev {
        FetchEvent::Trying {
            index,
            total,
            service_fqdn,
            kind,
            address,
        } => match address {
            Some(a) => format!("[{index}/{total}] {service_fqdn} ({kind}) via {a}"),
            None => format!("[{index}/{total}] {service_fqdn} ({kind})"),
        },
        FetchEvent::AddressFailed {
            address,
            next,
            error,
            ..
        } => format!("      instance {address} failed ({error}); trying {next}"),
        FetchEvent::FileSkipped { file, size } => {
            format!("      {file}: already here and verified ({size} bytes)")
        }
        FetchEvent::FileStarted { file, from, total } if *from > 0 => {
            format!("      {file}: resuming at byte {from} of {total}")
        }
        FetchEvent::LocationFailed { error, .. } => format!("      failed: {error}"),
        _ => return None,
    })
}

/// The final line: what arrived, from where, how fast.
fn summary(r: &FetchReport) -> String {
    let files = r.files.len();
    let plural = if files == 1 { "" } else { "s" };
    let head = format!(
        "Fetched {} ({}) into {}: {files} file{plural}, {} bytes",
        r.package_id, r.package_name, r.out_dir, r.total_bytes
    );
    match &r.source {
        None => format!("{head}; every file was already here and verified"),
        Some(s) => format!(
            "{head}; downloaded {:.2} MB in {:.2} s ({:.2} MB/s) from {} ({})",
            r.downloaded_bytes as f64 / 1e6,
            r.elapsed_secs,
            r.mb_per_sec,
            s.service_fqdn,
            s.kind
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{AttemptError, SourceReport};

    fn report() -> FetchReport {
        FetchReport {
            package_id: "PS100001".into(),
            package_name: "Tools".into(),
            out_dir: "/tmp/out".into(),
            files: vec![],
            source: Some(SourceReport {
                service_id: "s1".into(),
                kind: crate::domain::service::HostedKind::Cdp,
                service_fqdn: "cdp1.lab.contoso.com".into(),
                address: Some("127.0.0.1:4000".into()),
            }),
            attempts: vec![],
            downloaded_bytes: 5_000_000,
            total_bytes: 4_999_000,
            elapsed_secs: 2.0,
            mb_per_sec: 2.5,
        }
    }

    #[test]
    fn summary_and_event_lines() {
        assert_eq!(
            summary(&report()),
            "Fetched PS100001 (Tools) into /tmp/out: 0 files, 4999000 bytes; downloaded 5.00 MB in 2.00 s (2.50 MB/s) from cdp1.lab.contoso.com (cdp)"
        );
        let mut r = report();
        r.source = None;
        assert!(summary(&r).ends_with("every file was already here and verified"));
        let line = event_line(&FetchEvent::LocationFailed {
            index: 1,
            service_fqdn: "cdp1".into(),
            error: AttemptError::NoInstance {
                fqdn: "cdp1".into(),
            },
        });
        assert_eq!(
            line.as_deref(),
            Some(
                "      failed: the management point gave no address for cdp1: no instance is serving it (the service may be stopped)"
            )
        );
        let quiet = FetchEvent::FileStarted {
            file: "a".into(),
            from: 0,
            total: 9,
        };
        assert_eq!(event_line(&quiet), None);
    }

    #[test]
    fn failure_json_keeps_the_attempts() {
        let e = FetchError::AllFailed {
            report: Box::new(report()),
        };
        let v = failure_json(&e);
        assert_eq!(v["package_id"], "PS100001");
        assert!(
            v["error"]
                .as_str()
                .is_some_and(|s| s.starts_with("no content location"))
        );
        let v = failure_json(&FetchError::NoSource {
            package: "PS1".into(),
            note: Some("no cloud DP has it".into()),
        });
        assert_eq!(v["note"], "no cloud DP has it");
    }
}
