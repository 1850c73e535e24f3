//! Azure SDK `.publishsettings` files (schema v1 from SDK 1.7, and v2): subscriptions and the
//! embedded management certificate (a base64 PFX with an empty password).

use serde::Serialize;

/// A subscription listed in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Subscription ID as the file gives it (`Id`; empty when missing). Should be a GUID: the
    /// inspection warns when it is not.
    pub id: String,
    /// Display name (`Name`), when the file gives one.
    pub name: Option<String>,
    /// Service management endpoint: the subscription's `ServiceManagementUrl`, else the
    /// profile's `Url`.
    pub service_management_url: Option<String>,
}

/// What a publish settings file holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct PublishSettings {
    /// Schema version: 1 (certificate on the profile) or 2 (per subscription).
    pub schema_version: u32,
    /// Subscriptions in file order.
    pub subscriptions: Vec<Subscription>,
    /// Distinct embedded management certificate PFX files, in order of appearance.
    pub pfx_files: Vec<Vec<u8>>,
}

/// True if the text looks like a publish settings XML document.
pub(crate) fn looks_like_publishsettings(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
        && text.contains("PublishData")
}

/// Parses the XML.
pub(crate) fn parse(data: &[u8]) -> Result<PublishSettings, String> {
    let text = std::str::from_utf8(data)
        .map_err(|_| "the .publishsettings file is not UTF-8 text".to_string())?;
    let text = text.trim_start_matches('\u{feff}');
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("the .publishsettings file is not valid XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "PublishData" {
        return Err(format!(
            "expected a <PublishData> document, found <{}>",
            root.tag_name().name()
        ));
    }
    let mut out = PublishSettings {
        schema_version: 1,
        ..Default::default()
    };
    let add_pfx = |b64: &str, out: &mut PublishSettings| -> Result<(), String> {
        let pfx = super::pem::decode_base64(b64.as_bytes())
            .ok_or_else(|| "the ManagementCertificate attribute is not valid base64".to_string())?;
        if !out.pfx_files.contains(&pfx) {
            out.pfx_files.push(pfx);
        }
        Ok(())
    };
    for profile in root.children().filter(|n| n.has_tag_name("PublishProfile")) {
        if let Some(v) = profile.attribute("SchemaVersion") {
            out.schema_version = v
                .split('.')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1);
        }
        let profile_url = profile.attribute("Url").map(str::to_string);
        if let Some(cert) = profile.attribute("ManagementCertificate") {
            add_pfx(cert, &mut out)?;
        }
        for sub in profile
            .children()
            .filter(|n| n.has_tag_name("Subscription"))
        {
            if let Some(cert) = sub.attribute("ManagementCertificate") {
                add_pfx(cert, &mut out)?;
            }
            out.subscriptions.push(Subscription {
                id: sub.attribute("Id").unwrap_or_default().to_string(),
                name: sub.attribute("Name").map(str::to_string),
                service_management_url: sub
                    .attribute("ServiceManagementUrl")
                    .map(str::to_string)
                    .or(profile_url.clone()),
            });
        }
    }
    if out.subscriptions.is_empty() {
        return Err("the .publishsettings file lists no subscription".into());
    }
    Ok(out)
}
