//! Settings tab: renewing the service certificate (a new `.pfx` for the same Service name).
//! The file is inspected like in the create wizard once a file and its password are given
//! (leaving either field, or Save); error findings block Save; an empty file = no renewal.

use super::fields::Field;
use crate::api::wire::CertUpload;
use crate::cert::Role;
use crate::console::wizard::fields::{Tone, expand_home};
use crate::console::wizard::{CertInfo, Inspection, inspect_cert, upload_file};
use crate::domain::service::HostedKind;
use crate::domain::validate;

/// Key of the file field (its label is the one the site names in its errors).
pub const FILE: &str = "cert_file";
/// Key of the password field.
pub const PASSWORD: &str = "cert_password";

/// The two fields.
pub fn fields() -> [Field; 2] {
    [
        Field::file(FILE, "Certificate file")
            .hint("renewal .pfx for the same name; Tab completes the path"),
        Field::secret(PASSWORD, "Password"),
    ]
}

/// The last inspection's findings: notes for the file, an error for the password.
#[derive(Debug, Default)]
pub struct Renewal {
    found: Option<Inspection>,
}

fn value(fields: &[Field], key: &str) -> String {
    fields
        .iter()
        .find(|f| f.key == key)
        .map(|f| f.value.clone())
        .unwrap_or_default()
}

impl Renewal {
    /// The file or password changed: the findings are stale.
    pub fn edited(&mut self) {
        self.found = None;
    }

    /// Inspects the file with its password, and checks it holds `fqdn`.
    pub fn inspect(&mut self, fields: &[Field], fqdn: &str, kind: HostedKind) {
        let path = value(fields, FILE).trim().to_string();
        self.found = inspect_cert(&path, &value(fields, PASSWORD), Role::Service).map(|mut i| {
            if let Some(r) = &i.report {
                let c = CertInfo::of(r, kind);
                let problem = validate::renewal_fqdn_problem(
                    fqdn,
                    c.wildcard_domain.as_deref(),
                    c.cn.as_deref(),
                    &c.dns_names,
                );
                if let Some(p) = problem {
                    i.notes
                        .push((Tone::Error, format!("the Service name {fqdn} {p}")));
                }
            }
            i
        });
    }

    /// Puts the findings (and a missing file) under the fields.
    pub fn apply(&self, fields: &mut [Field]) {
        let path = value(fields, FILE).trim().to_string();
        for f in fields.iter_mut() {
            match f.key {
                FILE => {
                    f.notes = self
                        .found
                        .as_ref()
                        .map(|x| x.notes.clone())
                        .unwrap_or_default();
                    if !path.is_empty() && !expand_home(&path).is_file() {
                        f.error = Some(format!("no such file: {path}"));
                    }
                }
                PASSWORD => {
                    f.error = self.found.as_ref().and_then(|x| x.password_error.clone());
                }
                _ => {}
            }
        }
    }

    /// The certificate to send: `None` when the file field is empty.
    pub fn upload(fields: &[Field]) -> Result<Option<CertUpload>, String> {
        let path = value(fields, FILE).trim().to_string();
        if path.is_empty() {
            return Ok(None);
        }
        upload_file(&path, &value(fields, PASSWORD)).map(Some)
    }
}
