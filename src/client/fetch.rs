//! Fetching a package as a client does: ask the management point for the content locations,
//! then try them in order. Each file is streamed to a `.part` file (resuming what an earlier
//! run left), decrypted into a `.tmp` file, checked against the announced size and SHA-256,
//! and renamed into place. A location that fails (stopped, untrusted, refused token, bad
//! bytes) is recorded and the next one tried; files it completed are kept.

use super::attempt::AttemptError;
use super::error::{Failure, FetchError, classify, every_address_failed, root_cause};
use super::local::{self, FilePaths, VerifyError};
use super::report::{
    AttemptReport, FetchEvent, FetchReport, FileReport, FileStatus, SourceReport, mb_per_sec,
};
use super::resume::{self, Answer, PartPlan};
use super::transport;
use crate::api::client::Client;
use crate::api::wire::{
    ContentLocation, ContentLocationRequest, ContentLocations, PackageFileView,
};
use crate::content::crypt::{PackageKey, encrypted_len};
use crate::domain::content::ClientLocation;
use reqwest::Url;
use reqwest::header::{CONTENT_RANGE, RANGE};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::io::AsyncWriteExt;

/// Progress is reported every this many bytes received.
const PROGRESS_STEP: u64 = 4 * 1024 * 1024;
/// Passes over one file on one address before giving up on inconsistent answers.
const MAX_PASSES: u32 = 3;

/// What to fetch, and where to put it.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// Package id or name.
    pub package: String,
    /// Where the client is (decides which sources the management point offers).
    pub location: ClientLocation,
    /// The client's name, for the site's logs.
    pub client_name: Option<String>,
    /// The folder for the files (created if missing).
    pub out_dir: PathBuf,
    /// Roots to trust for the services' certificates (DER or PEM each); empty: the system's.
    pub trust: Vec<Vec<u8>>,
}

/// Asks the site's management point where `req.package` is, then [`fetch_from`] there.
pub async fn fetch(
    site: &Client,
    req: &FetchRequest,
    progress: impl FnMut(FetchEvent) + Send,
) -> Result<FetchReport, FetchError> {
    let ask = ContentLocationRequest {
        package: req.package.clone(),
        location: req.location,
        client: req.client_name.clone(),
    };
    let answer = site.content_locations(&ask).await?;
    fetch_from(&answer, &req.out_dir, &req.trust, progress).await
}

/// One file of the package and what became of it.
struct Job<'a> {
    entry: &'a PackageFileView,
    paths: FilePaths,
    /// Encrypted size expected on the service.
    encrypted: u64,
    done: Option<FileReport>,
}

/// What every attempt shares.
struct Ctx<'p> {
    key: PackageKey,
    roots: Vec<Vec<u8>>,
    /// Roots as given (for the "not trusted by the roots given" message).
    roots_given: usize,
    downloaded: u64,
    progress: &'p mut (dyn FnMut(FetchEvent) + Send),
}

/// Fetches the files of `locations` into `out_dir`, trying its locations in the order given.
pub async fn fetch_from(
    locations: &ContentLocations,
    out_dir: &Path,
    trust: &[Vec<u8>],
    mut progress: impl FnMut(FetchEvent) + Send,
) -> Result<FetchReport, FetchError> {
    let started = Instant::now();
    let key = PackageKey::from_base64(&locations.key)
        .map_err(|e| FetchError::BadAnswer(format!("package key: {e}")))?;
    let roots = transport::trust_roots(trust)?;
    tokio::fs::create_dir_all(out_dir)
        .await
        .map_err(|e| FetchError::local(out_dir, e))?;
    let mut ctx = Ctx {
        key,
        roots,
        roots_given: trust.len(),
        downloaded: 0,
        progress: &mut progress,
    };
    let mut jobs = Vec::new();
    for entry in &locations.files {
        local::check_name(&entry.name).map_err(FetchError::BadAnswer)?;
        let paths = local::paths(out_dir, &entry.name);
        let done = present(&paths.done, entry).await?;
        if let Some(d) = &done {
            (ctx.progress)(FetchEvent::FileSkipped {
                file: d.name.clone(),
                size: d.size,
            });
        }
        jobs.push(Job {
            encrypted: entry.encrypted_size.unwrap_or(encrypted_len(entry.size)),
            entry,
            paths,
            done,
        });
    }
    let mut report = FetchReport {
        package_id: locations.package_id.clone(),
        package_name: locations.package_name.clone(),
        out_dir: out_dir.display().to_string(),
        files: Vec::new(),
        source: None,
        attempts: Vec::new(),
        downloaded_bytes: 0,
        total_bytes: locations.files.iter().map(|f| f.size).sum(),
        elapsed_secs: 0.0,
        mb_per_sec: 0.0,
    };
    let finish = |report: &mut FetchReport, jobs: &[Job], downloaded: u64| {
        report.files = jobs.iter().filter_map(|j| j.done.clone()).collect();
        report.downloaded_bytes = downloaded;
        report.elapsed_secs = started.elapsed().as_secs_f64();
        report.mb_per_sec = mb_per_sec(downloaded, report.elapsed_secs);
    };
    if jobs.iter().all(|j| j.done.is_some()) {
        finish(&mut report, &jobs, 0);
        return Ok(report);
    }
    if locations.locations.is_empty() {
        return Err(FetchError::NoSource {
            package: locations.package_id.clone(),
            note: locations.note.clone(),
        });
    }
    let total = locations.locations.len();
    for (i, loc) in locations.locations.iter().enumerate() {
        let mut attempt = AttemptReport {
            service_id: loc.service_id.clone(),
            kind: loc.kind,
            service_fqdn: loc.service_fqdn.clone(),
            address: None,
            files: 0,
            downloaded_bytes: 0,
            error: None,
        };
        let result = try_location(&mut ctx, i + 1, total, loc, &mut jobs, &mut attempt).await;
        match result {
            Ok(()) => {
                report.source = Some(SourceReport {
                    service_id: loc.service_id.clone(),
                    kind: loc.kind,
                    service_fqdn: loc.service_fqdn.clone(),
                    address: attempt.address.clone(),
                });
                report.attempts.push(attempt);
                finish(&mut report, &jobs, ctx.downloaded);
                return Ok(report);
            }
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Location(e) | Failure::Address(e)) => {
                (ctx.progress)(FetchEvent::LocationFailed {
                    index: i + 1,
                    service_fqdn: loc.service_fqdn.clone(),
                    error: e.clone(),
                });
                attempt.error = Some(e);
                report.attempts.push(attempt);
            }
        }
    }
    finish(&mut report, &jobs, ctx.downloaded);
    Err(FetchError::AllFailed {
        report: Box::new(report),
    })
}

/// The report for a file already complete and verified at `path`, if it is.
async fn present(path: &Path, entry: &PackageFileView) -> Result<Option<FileReport>, FetchError> {
    let (p, size, sha) = (path.to_path_buf(), entry.size, entry.sha256.clone());
    let found =
        tokio::task::spawn_blocking(move || local::already_present(&p, size, sha.as_deref()))
            .await
            .map_err(|e| FetchError::local(path, e))?
            .map_err(|e| FetchError::local(path, e))?;
    Ok(found.map(|sha256| FileReport {
        name: entry.name.clone(),
        size: entry.size,
        sha256,
        path: path.display().to_string(),
        status: FileStatus::AlreadyPresent,
        source: None,
    }))
}

/// `https://<fqdn>/content/<package>/` + `name`, percent-encoded as one segment.
fn file_url(base: &Url, name: &str) -> Result<Url, String> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|_| format!("{base} cannot take a file name"))?
        .pop_if_empty()
        .push(name);
    Ok(url)
}

/// Delivers every file not yet done from one location, moving to the service's next instance
/// address when one refuses or breaks off.
async fn try_location(
    ctx: &mut Ctx<'_>,
    index: usize,
    total: usize,
    loc: &ContentLocation,
    jobs: &mut [Job<'_>],
    attempt: &mut AttemptReport,
) -> Result<(), Failure> {
    let fqdn = loc.service_fqdn.as_str();
    let (addrs, bad) = transport::address_order(&loc.addresses, transport::random_start());
    // Announced before anything can fail, so every failure follows its location's line.
    (ctx.progress)(FetchEvent::Trying {
        index,
        total,
        service_fqdn: fqdn.to_string(),
        kind: loc.kind,
        address: addrs.first().map(|a| a.to_string()),
    });
    let bad_location = |detail: String| {
        Failure::Location(AttemptError::BadLocation {
            fqdn: fqdn.to_string(),
            detail,
        })
    };
    let base = Url::parse(&loc.url).map_err(|e| bad_location(format!("URL {}: {e}", loc.url)))?;
    if base.scheme() != "https" {
        return Err(bad_location(format!("URL {} is not https", loc.url)));
    }
    let url_host = base.host_str().unwrap_or(fqdn).to_string();
    if addrs.is_empty() {
        return Err(if bad.is_empty() {
            Failure::Location(AttemptError::NoInstance {
                fqdn: fqdn.to_string(),
            })
        } else {
            bad_location(format!("addresses are not ip:port: {}", bad.join(", ")))
        });
    }
    let mut hosts = vec![fqdn];
    if !url_host.eq_ignore_ascii_case(fqdn) {
        hosts.push(&url_host);
    }
    let mut clients: Vec<Option<reqwest::Client>> = vec![None; addrs.len()];
    let mut cur = 0;
    attempt.address = Some(addrs[cur].to_string());
    for job in jobs.iter_mut().filter(|j| j.done.is_none()) {
        let url = file_url(&base, &job.entry.name).map_err(bad_location)?;
        let mut failed = Vec::new();
        loop {
            let http = match &clients[cur] {
                Some(c) => c.clone(),
                None => {
                    let c = transport::http_client(&hosts, addrs[cur], &ctx.roots)
                        .map_err(|e| bad_location(format!("cannot set up HTTPS: {e}")))?;
                    clients[cur] = Some(c.clone());
                    c
                }
            };
            let address = addrs[cur].to_string();
            match fetch_file(ctx, &http, &url, loc, &address, job, attempt).await {
                Ok(report) => {
                    job.done = Some(report);
                    attempt.files += 1;
                    break;
                }
                Err(Failure::Address(e)) => {
                    failed.push((address.clone(), e.clone()));
                    if failed.len() >= addrs.len() {
                        return Err(Failure::Location(every_address_failed(fqdn, failed)));
                    }
                    cur = (cur + 1) % addrs.len();
                    attempt.address = Some(addrs[cur].to_string());
                    (ctx.progress)(FetchEvent::AddressFailed {
                        index,
                        address,
                        next: addrs[cur].to_string(),
                        error: e,
                    });
                }
                Err(other) => return Err(other),
            }
        }
    }
    Ok(())
}

/// How a request for a file ended when it did not fail.
enum Got {
    /// The part is as complete as the instance can make it: verify it.
    Verify,
    /// The part does not fit what the instance has: start over.
    Discard,
}

/// Downloads (or resumes) one file from one instance and turns it into the verified file.
async fn fetch_file(
    ctx: &mut Ctx<'_>,
    http: &reqwest::Client,
    url: &Url,
    loc: &ContentLocation,
    address: &str,
    job: &Job<'_>,
    attempt: &mut AttemptReport,
) -> Result<FileReport, Failure> {
    let fatal = |path: &Path, e: std::io::Error| Failure::Fatal(FetchError::local(path, e));
    let mut resumed = false;
    for pass in 1..=MAX_PASSES {
        let part_len = match tokio::fs::metadata(&job.paths.part).await {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(fatal(&job.paths.part, e)),
        };
        let plan = resume::plan(part_len, job.encrypted);
        // Bytes from before this request (an earlier run or location) may belong to another
        // copy of the blob; if they fail to verify, one fresh download settles it.
        let carried = matches!(plan, PartPlan::Resume { .. } | PartPlan::Complete);
        let got = match plan {
            PartPlan::Complete => Got::Verify,
            PartPlan::Discard => Got::Discard,
            PartPlan::Fresh | PartPlan::Resume { .. } => {
                let from = match plan {
                    PartPlan::Resume { from } => Some(from),
                    _ => None,
                };
                let got = download(ctx, http, url, loc, address, job, from, attempt).await?;
                resumed |= from.is_some() && matches!(got, (Got::Verify, true));
                got.0
            }
        };
        if let Got::Discard = got {
            remove(&job.paths.part)
                .await
                .map_err(|e| fatal(&job.paths.part, e))?;
            continue;
        }
        let (key, paths, size, sha) = (
            ctx.key.clone(),
            job.paths.clone(),
            job.entry.size,
            job.entry.sha256.clone(),
        );
        let verified = tokio::task::spawn_blocking(move || {
            local::decrypt_verify(&key, &paths, size, sha.as_deref())
        })
        .await
        .map_err(|e| fatal(&job.paths.tmp, std::io::Error::other(e)))?;
        let error = match verified {
            Ok(sha256) => {
                (ctx.progress)(FetchEvent::FileDone {
                    file: job.entry.name.clone(),
                    size: job.entry.size,
                    sha256: sha256.clone(),
                });
                return Ok(FileReport {
                    name: job.entry.name.clone(),
                    size: job.entry.size,
                    sha256,
                    path: job.paths.done.display().to_string(),
                    status: if resumed || matches!(plan, PartPlan::Complete) {
                        FileStatus::Resumed
                    } else {
                        FileStatus::Downloaded
                    },
                    source: Some(loc.service_fqdn.clone()),
                });
            }
            Err(VerifyError::Io(e)) => return Err(fatal(&job.paths.tmp, e)),
            Err(VerifyError::Crypt(e)) => AttemptError::Corrupt {
                fqdn: loc.service_fqdn.clone(),
                file: job.entry.name.clone(),
                detail: e.to_string(),
            },
            Err(VerifyError::Mismatch { sha256, size }) => AttemptError::Mismatch {
                fqdn: loc.service_fqdn.clone(),
                file: job.entry.name.clone(),
                expected: job.entry.sha256.clone().unwrap_or_else(|| "any".into()),
                actual: sha256,
                expected_size: job.entry.size,
                actual_size: size,
            },
        };
        if !carried || pass == MAX_PASSES {
            return Err(Failure::Location(error));
        }
        resumed = false;
    }
    Err(Failure::Location(AttemptError::BadLocation {
        fqdn: loc.service_fqdn.clone(),
        detail: format!(
            "its answers for {} do not fit together (byte ranges other than asked for)",
            job.entry.name
        ),
    }))
}

async fn remove(path: &Path) -> std::io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// At most 4 KiB of an error body: enough for the instance's reason, bounded for a rogue one.
async fn error_body(mut resp: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < 4096 {
        match resp.chunk().await {
            Ok(Some(c)) => body.extend_from_slice(&c),
            _ => break,
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// Asks for the file (from byte `from`) and streams the body into the part; returns what to do
/// next and whether the body was appended to an existing part.
#[allow(clippy::too_many_arguments)]
async fn download(
    ctx: &mut Ctx<'_>,
    http: &reqwest::Client,
    url: &Url,
    loc: &ContentLocation,
    address: &str,
    job: &Job<'_>,
    from: Option<u64>,
    attempt: &mut AttemptReport,
) -> Result<(Got, bool), Failure> {
    let fqdn = loc.service_fqdn.as_str();
    let name = job.entry.name.as_str();
    let mut req = http.get(url.clone()).bearer_auth(&loc.token);
    if let Some(from) = from {
        req = req.header(RANGE, resume::range_header(from));
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| classify(&e, fqdn, address, ctx.roots_given))?;
    let status = resp.status().as_u16();
    let content_range = resp
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let append = match resume::answer(status, from, content_range.as_deref()) {
        Answer::Refused(status) => {
            let body = error_body(resp).await;
            return Err(Failure::Location(AttemptError::from_status(
                fqdn, name, status, &body,
            )));
        }
        Answer::Verify => return Ok((Got::Verify, from.is_some())),
        Answer::Discard => return Ok((Got::Discard, false)),
        Answer::WriteAll => false,
        Answer::Append => true,
    };
    let part = &job.paths.part;
    let fatal = |e: std::io::Error| Failure::Fatal(FetchError::local(part, e));
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(part)
        .await
        .map_err(fatal)?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut received = if append { from.unwrap_or(0) } else { 0 };
    (ctx.progress)(FetchEvent::FileStarted {
        file: name.to_string(),
        from: received,
        total: job.encrypted,
    });
    let mut reported = received;
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                // Keep what arrived: the next address (or the next run) resumes from there.
                out.flush().await.map_err(fatal)?;
                return Err(Failure::Address(AttemptError::Interrupted {
                    fqdn: fqdn.to_string(),
                    file: name.to_string(),
                    received,
                    detail: root_cause(&e),
                }));
            }
        };
        let n = chunk.len() as u64;
        if received + n > job.encrypted {
            // More than the blob can be: not this package's file; don't fill the disk with it.
            drop(out);
            remove(part).await.map_err(fatal)?;
            return Err(Failure::Location(AttemptError::Corrupt {
                fqdn: fqdn.to_string(),
                file: name.to_string(),
                detail: format!(
                    "the service sent more than the {} bytes expected",
                    job.encrypted
                ),
            }));
        }
        out.write_all(&chunk).await.map_err(fatal)?;
        received += n;
        ctx.downloaded += n;
        attempt.downloaded_bytes += n;
        if received - reported >= PROGRESS_STEP {
            reported = received;
            (ctx.progress)(FetchEvent::Progress {
                file: name.to_string(),
                received,
                total: job.encrypted,
            });
        }
    }
    out.flush().await.map_err(fatal)?;
    (ctx.progress)(FetchEvent::Progress {
        file: name.to_string(),
        received,
        total: job.encrypted,
    });
    Ok((Got::Verify, append))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_append_one_encoded_segment() {
        let base = Url::parse("https://cdp1.lab.contoso.com/content/PS100001/").expect("url");
        assert_eq!(
            file_url(&base, "setup file#1.msi").expect("url").as_str(),
            "https://cdp1.lab.contoso.com/content/PS100001/setup%20file%231.msi"
        );
        let bare = Url::parse("https://cdp1.lab.contoso.com/content/PS100001").expect("url");
        assert_eq!(
            file_url(&bare, "a.msi").expect("url").path(),
            "/content/PS100001/a.msi"
        );
    }
}
