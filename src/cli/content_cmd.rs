//! `cloudsite content …`: the content library and its distribution to cloud services.

use super::connect::{SiteArgs, with_client};
use super::output::{self, CliError, fail, say, table, zoned};
use crate::api::client::Client;
use crate::api::operations::Distribution;
use crate::api::wire::Event;
use crate::api::wire::{
    ContentTargets, CreatePackage, DistributionState, DistributionView, NewPackageFile,
    PackageChanged, PackageView,
};
use crate::display;
use crate::domain::content::ContentType;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// The content subcommands.
#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Add files to the library as a new package (each file is encrypted by the site).
    Add {
        /// Files of the package.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Package name (unique).
        #[arg(long)]
        name: String,
        /// application, package, os-upgrade, third-party-update, software-update (warned),
        /// app-v-streaming, boot-image, prestaged, m365-apps-update (refused by cloud DPs).
        #[arg(long = "type", default_value = "package", value_parser = parse_type)]
        content_type: ContentType,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the library's packages.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One package, its files and where it is distributed.
    Show {
        /// Package id or name.
        package: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Distribute a package to cloud services.
    Distribute {
        /// Package id or name.
        package: String,
        /// Services (FQDN, name or id).
        #[arg(long = "to", required = true, num_args = 1..)]
        services: Vec<String>,
        /// Wait until every distribution succeeds or fails.
        #[arg(long)]
        wait: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send a package again (to the services named, or to all that have it).
    Redistribute {
        /// Package id or name.
        package: String,
        /// Services (default: every service that has it).
        #[arg(long = "to", num_args = 1..)]
        services: Vec<String>,
        /// Wait until done.
        #[arg(long)]
        wait: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a package from cloud services (deletes it from their storage).
    Remove {
        /// Package id or name.
        package: String,
        /// Services.
        #[arg(long = "from", required = true, num_args = 1..)]
        services: Vec<String>,
        /// Wait until removed.
        #[arg(long)]
        wait: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a package from the library (it must be on no service).
    Delete {
        /// Package id or name.
        package: String,
    },
    /// Distribution status, per package and service.
    Status {
        /// Only this service.
        #[arg(long)]
        service: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_type(text: &str) -> Result<ContentType, String> {
    ContentType::parse(text).map_err(|e| e.rule)
}

fn state_label(s: DistributionState) -> &'static str {
    match s {
        DistributionState::InProgress => "In progress",
        DistributionState::Success => "Success",
        DistributionState::Failed => "Failed",
        DistributionState::Removing => "Removing",
    }
}

fn print_distributions(list: &[DistributionView]) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            vec![
                d.package_id.clone(),
                d.package_name.clone(),
                d.service_fqdn.clone(),
                state_label(d.state).into(),
                display::size(d.size),
                display::short_time(&d.updated),
                d.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let updated = zoned("Updated");
    table(
        &[
            "Package", "Name", "Service", "State", "Size", &updated, "Details",
        ],
        &rows,
    );
}

fn print_package(p: &PackageView) {
    say(format!("Package ID     {}", p.id));
    say(format!("Name           {}", p.name));
    say(format!("Type           {}", p.content_type.as_str()));
    say(format!("State          {:?}", p.state));
    say(format!("Size           {}", display::size(p.size)));
    say(format!("Created        {}", display::time(&p.created)));
    for f in &p.files {
        say(format!(
            "File           {}  {}  sha256 {}",
            f.name,
            display::size(f.size),
            f.sha256.as_deref().unwrap_or("(not received)")
        ));
    }
    if p.distributions.is_empty() {
        println!("Distributed to (none)");
    } else {
        print_distributions(&p.distributions);
    }
}

fn report(changed: &PackageChanged, json: bool) {
    for w in &changed.warnings {
        output::warn(w);
    }
    if output::is_json(json) {
        output::json(changed);
    } else {
        print_package(&changed.package);
    }
}

/// Waits until none of the package's distributions is in progress or removing (following
/// the event stream); exit 1 if any failed.
async fn wait_distributions(client: &Client, id: &str, json: bool) -> Result<ExitCode, CliError> {
    loop {
        let mut events = client.events(None).await?;
        let p = client.package(id).await?;
        let busy = p.distributions.iter().any(|d| {
            matches!(
                d.state,
                DistributionState::InProgress | DistributionState::Removing
            )
        });
        if !busy {
            if output::is_json(json) {
                output::json(&p);
            } else {
                print_package(&p);
            }
            let failed: Vec<String> = p
                .distributions
                .iter()
                .filter(|d| d.state == DistributionState::Failed)
                .map(|d| {
                    format!(
                        "{}: {}",
                        d.service_fqdn,
                        d.reason.as_deref().unwrap_or("failed")
                    )
                })
                .collect();
            return Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                fail(format!("distribution failed on {}", failed.join("; ")))
            });
        }
        // Any distribution event for this package may end the wait: re-read then.
        let timeout = tokio::time::sleep(std::time::Duration::from_secs(5));
        tokio::pin!(timeout);
        loop {
            tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(ev)) if match &ev.event {
                        Event::Distribution(d) => d.package_id == id,
                        Event::DistributionRemoved(d) => d.package_id == id,
                        _ => false,
                    } => break,
                    Some(Ok(_)) => {}
                    _ => break,
                },
                () = &mut timeout => break,
            }
        }
    }
}

/// Distributes, redistributes or removes a package and optionally waits for the outcome.
async fn change(
    client: &Client,
    what: Distribution,
    package: &str,
    services: Vec<String>,
    wait: bool,
    json: bool,
) -> Result<ExitCode, CliError> {
    let changed = client
        .distribution(package, what, &ContentTargets { services })
        .await?;
    if wait {
        for w in &changed.warnings {
            output::warn(w);
        }
        return wait_distributions(client, &changed.package.id, json).await;
    }
    report(&changed, json);
    Ok(ExitCode::SUCCESS)
}

/// Runs `content …`.
pub(super) async fn run(site: &SiteArgs, cmd: ContentCommand) -> ExitCode {
    with_client(site, |client| async move {
        let e = CliError::from;
        match cmd {
            ContentCommand::Add {
                files,
                name,
                content_type,
                json,
            } => {
                let mut announced = Vec::new();
                for f in &files {
                    let meta = std::fs::metadata(f)
                        .map_err(|err| CliError::from(format!("{}: {err}", f.display())))?;
                    if !meta.is_file() {
                        return Err(format!("{} is not a file", f.display()).into());
                    }
                    let file_name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .ok_or_else(|| {
                            CliError::from(format!("{} has no file name", f.display()))
                        })?;
                    announced.push(NewPackageFile {
                        name: file_name,
                        size: meta.len(),
                    });
                }
                let req = CreatePackage {
                    name,
                    content_type,
                    files: announced.clone(),
                };
                let created = client.create_package(&req).await.map_err(e)?;
                let id = created.package.id.clone();
                for w in &created.warnings {
                    output::warn(w);
                }
                let mut last = created.package;
                let bars = super::progress::wanted(output::is_json(json));
                for (path, f) in files.iter().zip(&announced) {
                    if !output::is_json(json) && !bars {
                        eprintln!(
                            "Sending {} ({})…",
                            output::safe(&f.name),
                            display::size(f.size)
                        );
                    }
                    let bar = super::progress::bytes(&f.name, f.size, 0, bars);
                    let shown = bar.clone();
                    let progress: crate::api::client::Progress =
                        std::sync::Arc::new(move |sent| shown.set_position(sent));
                    let sent = client.upload_file(&id, &f.name, path, Some(progress)).await;
                    bar.finish_and_clear();
                    last = sent.map_err(e)?;
                }
                if output::is_json(json) {
                    output::json(&last);
                } else {
                    print_package(&last);
                }
            }
            ContentCommand::List { json } => {
                let list = client.packages().await.map_err(e)?;
                if output::is_json(json) {
                    output::json(&list);
                } else {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|p| {
                            let ok = p
                                .distributions
                                .iter()
                                .filter(|d| d.state == DistributionState::Success)
                                .count();
                            vec![
                                p.id.clone(),
                                p.name.clone(),
                                p.content_type.as_str().into(),
                                format!("{:?}", p.state),
                                display::size(p.size),
                                format!("{ok}/{}", p.distributions.len()),
                                display::short_time(&p.created),
                            ]
                        })
                        .collect();
                    let created = zoned("Created");
                    table(
                        &[
                            "Package",
                            "Name",
                            "Type",
                            "State",
                            "Size",
                            "Distributed",
                            &created,
                        ],
                        &rows,
                    );
                }
            }
            ContentCommand::Show { package, json } => {
                let p = client.package(&package).await.map_err(e)?;
                if output::is_json(json) {
                    output::json(&p);
                } else {
                    print_package(&p);
                }
            }
            ContentCommand::Distribute {
                package,
                services,
                wait,
                json,
            } => {
                return change(
                    &client,
                    Distribution::Distribute,
                    &package,
                    services,
                    wait,
                    json,
                )
                .await;
            }
            ContentCommand::Redistribute {
                package,
                services,
                wait,
                json,
            } => {
                return change(
                    &client,
                    Distribution::Redistribute,
                    &package,
                    services,
                    wait,
                    json,
                )
                .await;
            }
            ContentCommand::Remove {
                package,
                services,
                wait,
                json,
            } => {
                return change(
                    &client,
                    Distribution::Remove,
                    &package,
                    services,
                    wait,
                    json,
                )
                .await;
            }
            ContentCommand::Delete { package } => {
                client.delete_package(&package).await.map_err(e)?;
                say(format!(
                    "Package {package} deleted from the content library."
                ));
            }
            ContentCommand::Status { service, json } => {
                let list = client.distributions(service.as_deref()).await.map_err(e)?;
                if output::is_json(json) {
                    output::json(&list);
                } else {
                    print_distributions(&list);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}
