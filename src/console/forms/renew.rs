//! Settings tab: renewing the service certificate (a new `.pfx` for the same Service name).
//! The file is inspected like in the create wizard once a file and its password are given
//! (leaving either field, or Save); error findings block Save; an empty file = no renewal.

use crate::api::wire::CertUpload;
use crate::cert::Role;
use crate::console::field::path::expand_home;
use crate::console::field::{Field, FieldId, Tone};
use crate::console::shell::Core;
use crate::console::wizard::{CertInfo, Inspection, inspect_cert, upload_file};
use crate::domain::service::HostedKind;
use crate::domain::validate;

use FieldId::{CertFile, CertPassword};

/// The two fields (the file's label is the one the site names in its errors).
pub(crate) fn fields() -> [Field; 2] {
    [
        Field::file(CertFile, "Certificate file")
            .hint("renewal .pfx for the same name; Tab completes the path"),
        Field::secret(CertPassword, "Password"),
    ]
}

/// The last inspection's findings: notes for the file, an error for the password.
#[derive(Debug, Default)]
pub(crate) struct Renewal {
    found: Option<Inspection>,
}

impl Renewal {
    /// The file or password changed: the findings are stale.
    pub(crate) fn edited(&mut self) {
        self.found = None;
    }

    /// Whether a renewal file is given.
    pub(crate) fn wanted(core: &Core) -> bool {
        !core.text(CertFile).is_empty()
    }

    /// Whether both the file and the password are given (time to inspect).
    pub(crate) fn complete(core: &Core) -> bool {
        Self::wanted(core) && !core.text(CertPassword).is_empty()
    }

    /// Inspects the file with its password, and checks it holds `fqdn`.
    pub(crate) fn inspect(&mut self, core: &Core, fqdn: &str, kind: HostedKind) {
        let path = core.text(CertFile);
        self.found = inspect_cert(&path, &core.raw(CertPassword), Role::Service).map(|mut i| {
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
    pub(crate) fn apply(&self, core: &mut Core) {
        let path = core.text(CertFile);
        if let Some(f) = core.field_mut(CertFile) {
            f.notes = self
                .found
                .as_ref()
                .map(|x| x.notes.clone())
                .unwrap_or_default();
            if !path.is_empty() && !expand_home(&path).is_file() {
                f.error = Some(format!("no such file: {path}"));
            }
        }
        let wrong = self.found.as_ref().and_then(|x| x.password_error.clone());
        core.set_error(CertPassword, wrong);
    }

    /// The certificate to send: `None` when the file field is empty.
    pub(crate) fn upload(core: &Core) -> Result<Option<CertUpload>, String> {
        let path = core.text(CertFile);
        if path.is_empty() {
            return Ok(None);
        }
        upload_file(&path, &core.raw(CertPassword)).map(Some)
    }
}
