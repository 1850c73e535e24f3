//! `cloudsite cert inspect`: local certificate validation (README, `cloudsite cert inspect`).

use super::output::{self, safe};
use crate::cert::{self, Report, Role, Severity, Verdict};
use crate::display;
use clap::{Args, Subcommand};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `cloudsite cert`.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Inspect a certificate file and say whether it is fit for a role.
    ///
    /// Exit status: 0 usable for the role (warnings allowed), 1 readable but unusable,
    /// 2 unreadable (wrong password, malformed, unsupported).
    Inspect(InspectArgs),
}

/// Arguments of `cert inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The file: .pfx/.p12, .cer/.crt/.pem (DER or PEM, bundles), .p7b, or a v1 .publishsettings.
    pub file: PathBuf,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "password_stdin")]
    pub password_env: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Check the file for this role; without it only role-independent rules apply
    /// (a .publishsettings file is checked as a management certificate).
    #[arg(long, value_enum)]
    pub role: Option<Role>,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `cert` subcommand.
pub(super) fn run(cmd: CertCommand) -> ExitCode {
    match cmd {
        CertCommand::Inspect(args) => inspect(args),
    }
}

fn read_password(args: &InspectArgs) -> Result<String, String> {
    if let Some(var) = &args.password_env {
        return std::env::var(var).map_err(|_| {
            format!("--password-env: the environment variable {var} is not set (or not UTF-8)")
        });
    }
    if args.password_stdin {
        // One line, so an operator typing at a terminal needs only Enter; `echo pw |` works too.
        let mut raw = Vec::new();
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_until(b'\n', &mut raw)
            .map_err(|e| format!("--password-stdin: cannot read standard input: {e}"))?;
        let text = String::from_utf8(raw)
            .map_err(|_| "--password-stdin: the password is not UTF-8".to_string())?;
        let line = text.strip_suffix('\n').unwrap_or(&text);
        return Ok(line.strip_suffix('\r').unwrap_or(line).to_string());
    }
    Ok(String::new())
}

fn inspect(args: InspectArgs) -> ExitCode {
    let report = match read_password(&args) {
        Ok(password) => cert::inspect_file(
            &args.file,
            &cert::Options::new().password(password).role(args.role),
        ),
        Err(e) => {
            eprintln!("cloudsite: {e}");
            // Scripts reading --json still get the one object the contract promises.
            Report::failed(cert::ErrorKind::Io, e, args.role)
        }
    };
    let mut out = std::io::stdout().lock();
    let written = if output::is_json(args.json) {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
    } else {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        out.write_all(render(&args.file.display().to_string(), &report, color).as_bytes())
    };
    // A closed pipe (`| head`) is not the certificate's fault: keep the verdict's exit code.
    let _ = written;
    ExitCode::from(report.verdict.exit_code())
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        match sev {
            Severity::Error => self.wrap("1;31", "error  "),
            Severity::Warning => self.wrap("33", "warning"),
            Severity::Info => self.wrap("36", "info   "),
        }
    }
}

/// The human report: short, readable, findings coloured by severity; the file's text (names,
/// messages quoting them) made safe for the terminal, dates as `display` writes them.
pub(super) fn render(file: &str, r: &Report, color: bool) -> String {
    let p = Paint(color);
    let mut s = String::new();
    let role = r.role.map(|ro| match ro {
        Role::Service => "service certificate",
        Role::Management => "management certificate",
        Role::TrustedRoot => "trusted root",
    });
    s.push_str(&format!(
        "{}  ({})\n",
        p.wrap("1", &safe(file)),
        r.format.unwrap_or("unknown format")
    ));
    if let Some(e) = &r.error {
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {} {} ({kind})\n",
            p.severity(Severity::Error),
            safe(&e.message)
        ));
        s.push_str(&format!("  verdict: {}\n", p.wrap("1;31", "unreadable")));
        return s;
    }
    if let Some(subs) = &r.subscriptions {
        for sub in subs {
            s.push_str(&format!(
                "  subscription {}  {}\n",
                safe(&sub.id),
                safe(sub.name.as_deref().unwrap_or(""))
            ));
        }
    }
    match &r.private_key {
        Some(k) => s.push_str(&format!(
            "  private key: {} {}\n",
            k.algorithm,
            k.bits.map(|b| format!("{b} bits")).unwrap_or_default()
        )),
        None => s.push_str("  private key: none\n"),
    }
    for (i, c) in r.certificates.iter().enumerate() {
        let marker = if Some(i) == r.leaf { "leaf" } else { "    " };
        s.push_str(&format!(
            "  [{i}] {marker} CN={}  issued by {}\n",
            safe(c.subject_cn.as_deref().unwrap_or("(none)")),
            safe(c.issuer_cn.as_deref().unwrap_or("(none)"))
        ));
        s.push_str(&format!(
            "            valid {} .. {}  {} {}  {}\n",
            display::date(&c.not_before),
            display::date(&c.not_after),
            c.key_algorithm,
            c.key_bits.map(|b| b.to_string()).unwrap_or_default(),
            c.signature_algorithm
        ));
        s.push_str(&format!("            thumbprint {}\n", c.sha1_thumbprint));
        if !c.dns_names.is_empty() {
            s.push_str(&format!(
                "            DNS {}\n",
                safe(&c.dns_names.join(", "))
            ));
        }
    }
    if let Some(fqdn) = &r.service_fqdn {
        s.push_str(&format!("  service FQDN: {}\n", safe(fqdn)));
    } else if let Some(d) = &r.wildcard_domain {
        s.push_str(&format!(
            "  service FQDN: <host>.{} (wildcard: give the host name)\n",
            safe(d)
        ));
    }
    for f in &r.findings {
        s.push_str(&format!(
            "  {} {}  [{}]\n",
            p.severity(f.severity),
            safe(&f.message),
            f.code
        ));
    }
    let verdict = match r.verdict {
        Verdict::Usable => p.wrap("1;32", "usable"),
        Verdict::UsableWithWarnings => p.wrap("1;33", "usable, with warnings"),
        Verdict::Unusable => p.wrap("1;31", "unusable"),
        Verdict::Unreadable => p.wrap("1;31", "unreadable"),
    };
    match role {
        Some(role) => s.push_str(&format!("  verdict: {verdict} as a {role}\n")),
        None => s.push_str(&format!(
            "  verdict: {verdict} (no --role given: only general checks)\n"
        )),
    }
    s
}
