//! Content a site distributes to cloud services: package types and what a cloud distribution
//! point takes, package names, and the rules for offering cloud sources to clients.

use super::FieldError;
use super::text;
use serde::{Deserialize, Serialize};

/// What a package holds (`content add --type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContentType {
    /// An application's deployment type content.
    Application,
    /// A classic package.
    Package,
    /// An OS upgrade package.
    OsUpgrade,
    /// Third-party software updates.
    ThirdPartyUpdate,
    /// Microsoft software updates (accepted with a warning: clients never use them from a CDP).
    SoftwareUpdate,
    /// App-V streaming application (refused).
    AppVStreaming,
    /// A boot image for PXE or multicast deployments (refused).
    BootImage,
    /// Content prestaged on a distribution point (refused).
    Prestaged,
    /// Microsoft 365 Apps updates (refused).
    M365AppsUpdate,
}

/// Every type, in the order `--help` lists them.
pub const CONTENT_TYPES: [ContentType; 9] = [
    ContentType::Application,
    ContentType::Package,
    ContentType::OsUpgrade,
    ContentType::ThirdPartyUpdate,
    ContentType::SoftwareUpdate,
    ContentType::AppVStreaming,
    ContentType::BootImage,
    ContentType::Prestaged,
    ContentType::M365AppsUpdate,
];

/// Whether a cloud service takes a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudSupport {
    /// Taken.
    Supported,
    /// Taken, with a warning for the operator.
    Warn(String),
    /// Refused, with the reason.
    Refused(String),
}

impl ContentType {
    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Application => "application",
            ContentType::Package => "package",
            ContentType::OsUpgrade => "os-upgrade",
            ContentType::ThirdPartyUpdate => "third-party-update",
            ContentType::SoftwareUpdate => "software-update",
            ContentType::AppVStreaming => "app-v-streaming",
            ContentType::BootImage => "boot-image",
            ContentType::Prestaged => "prestaged",
            ContentType::M365AppsUpdate => "m365-apps-update",
        }
    }

    /// Parses [`ContentType::as_str`]; the error names the field and lists the choices.
    pub fn parse(text: &str) -> Result<ContentType, FieldError> {
        CONTENT_TYPES
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let all: Vec<&str> = CONTENT_TYPES.iter().map(|t| t.as_str()).collect();
                FieldError::new(
                    "Content type",
                    format!(
                        "'{text}' is not a content type; use one of {}",
                        all.join(", ")
                    ),
                )
            })
    }

    /// What a cloud distribution point (or a content-enabled CMG) does with this type, as the
    /// ConfigMgr documentation states it ("Specifications" and "Limitations").
    pub fn cloud_support(self) -> CloudSupport {
        match self {
            ContentType::Application
            | ContentType::Package
            | ContentType::OsUpgrade
            | ContentType::ThirdPartyUpdate => CloudSupport::Supported,
            ContentType::SoftwareUpdate => CloudSupport::Warn(
                "Microsoft software updates on a cloud distribution point cost Azure storage that clients never use: \
                 internet-based clients always get Microsoft update content from Microsoft Update, free of charge. \
                 Distribute only third-party updates to cloud services."
                    .into(),
            ),
            ContentType::AppVStreaming => CloudSupport::Refused(
                "a cloud distribution point doesn't support App-V streaming applications".into(),
            ),
            ContentType::BootImage => CloudSupport::Refused(
                "a cloud distribution point can't be used for PXE or multicast-enabled deployments, so it takes no boot images".into(),
            ),
            ContentType::Prestaged => CloudSupport::Refused(
                "content can't be prestaged on a cloud distribution point: the site's distribution manager transfers all of it".into(),
            ),
            ContentType::M365AppsUpdate => CloudSupport::Refused(
                "a cloud distribution point doesn't support content for Microsoft 365 Apps updates".into(),
            ),
        }
    }
}

/// A package name: 1 to [`text::MAX_PACKAGE_NAME`] characters (ConfigMgr's), one line, not
/// only spaces.
pub fn package_name(name: &str) -> Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::new("Package name", "is required"));
    }
    text::one_line("Package name", name, text::MAX_PACKAGE_NAME).map(|_| ())
}

/// A file name inside a package: one path segment of at most 255 bytes
/// ([`text::file_name`]), not starting with '.'.
pub fn package_file_name(name: &str) -> Result<(), FieldError> {
    text::file_name("File", name)?;
    if name.starts_with('.') {
        return Err(FieldError::new(
            "File",
            format!("'{name}' must not start with '.'"),
        ));
    }
    Ok(())
}

/// A package id as ConfigMgr shapes it: the site code and five hex digits (`PS100001`).
pub fn package_id(site_code: &str, serial: u32) -> String {
    format!("{}{:05X}", site_code.to_ascii_uppercase(), serial)
}

/// Where a client is, for content source priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClientLocation {
    /// On the intranet: on-premises sources first, cloud sources last.
    Intranet,
    /// On the internet: cloud sources (and internet-facing DPs) only.
    Internet,
}

/// How long a content access token lasts (ConfigMgr: 24 hours).
pub const TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_and_say_what_a_cloud_dp_takes() {
        for t in CONTENT_TYPES {
            assert_eq!(ContentType::parse(t.as_str()), Ok(t));
        }
        assert_eq!(
            ContentType::parse(" Application "),
            Ok(ContentType::Application)
        );
        let e = ContentType::parse("driver").expect_err("unknown");
        assert_eq!(e.field, "Content type");
        assert!(e.rule.contains("third-party-update"));
        assert_eq!(
            ContentType::Package.cloud_support(),
            CloudSupport::Supported
        );
        assert!(
            matches!(ContentType::SoftwareUpdate.cloud_support(), CloudSupport::Warn(w) if w.contains("Microsoft Update"))
        );
        for t in [
            ContentType::AppVStreaming,
            ContentType::BootImage,
            ContentType::Prestaged,
            ContentType::M365AppsUpdate,
        ] {
            assert!(
                matches!(t.cloud_support(), CloudSupport::Refused(_)),
                "{t:?}"
            );
        }
    }

    #[test]
    fn names_and_ids() {
        assert!(package_name("Office 2024").is_ok());
        assert!(package_name("  ").is_err());
        assert!(package_name(&"x".repeat(101)).is_err());
        assert!(package_name("a\nb").is_err());
        assert!(package_file_name("setup.msi").is_ok());
        for bad in ["", "..", "a/b", "a\\b", ".hidden", "a\0"] {
            assert!(package_file_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(package_id("ps1", 1), "PS100001");
        assert_eq!(package_id("PS1", 0xABCDE), "PS1ABCDE");
    }
}
