//! JSON bodies of the content library, distribution, management point and usage routes.

use crate::domain::content::{ClientLocation, ContentType};
use crate::domain::service::HostedKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a package is in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackageState {
    /// Created; its files are still being uploaded to the site.
    Uploading,
    /// Every file received and encrypted: it can be distributed.
    Ready,
}

/// One file of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageFileView {
    /// File name.
    pub name: String,
    /// Size in bytes (plaintext).
    pub size: u64,
    /// SHA-256 of the plaintext (hex), once received.
    pub sha256: Option<String>,
    /// Size of the encrypted blob, once received.
    pub encrypted_size: Option<u64>,
}

/// A package in the content library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageView {
    /// Package id, e.g. `PS100001`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    pub content_type: ContentType,
    /// State.
    pub state: PackageState,
    /// Files.
    pub files: Vec<PackageFileView>,
    /// Total plaintext bytes.
    pub size: u64,
    /// Where it is distributed.
    pub distributions: Vec<DistributionView>,
    /// Created, RFC 3339.
    pub created: String,
}

/// Distribution state of a package on a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DistributionState {
    /// Being uploaded (or waiting for the service's storage).
    InProgress,
    /// On the service: clients can get it.
    Success,
    /// Failed; `reason` says why. Redistribute to try again.
    Failed,
    /// Being removed from the service.
    Removing,
}

/// A package on a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DistributionView {
    /// Package id.
    pub package_id: String,
    /// Package name.
    pub package_name: String,
    /// Service id.
    pub service_id: String,
    /// Service FQDN.
    pub service_fqdn: String,
    /// State.
    pub state: DistributionState,
    /// Why it failed, or what it waits for.
    pub reason: Option<String>,
    /// Encrypted bytes the package takes on the service.
    pub size: u64,
    /// Last change, RFC 3339.
    pub updated: String,
}

/// A file announced when a package is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewPackageFile {
    /// File name (one path segment).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// `POST /v1/content`: create a package; then `PUT /v1/content/{id}/files/{name}` each file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatePackage {
    /// Name (unique in the library).
    pub name: String,
    /// Type.
    pub content_type: ContentType,
    /// Files it will hold.
    pub files: Vec<NewPackageFile>,
}

/// The answer to a content change: the package and any warnings for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageChanged {
    /// The package as it is now.
    pub package: PackageView,
    /// Warnings (e.g. Microsoft software updates on a cloud DP).
    pub warnings: Vec<String>,
}

/// `POST /v1/content/{id}/distribute`, `/redistribute`, `/remove`: the services concerned
/// (ids, FQDNs or names). Empty for `redistribute` means every service that has the package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentTargets {
    /// Services.
    #[serde(default)]
    pub services: Vec<String>,
}

/// `POST /v1/mp/content-locations`: a client asks where a package is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentLocationRequest {
    /// Package id or name.
    pub package: String,
    /// Where the client is.
    pub location: ClientLocation,
    /// The client's name (for logs).
    #[serde(default)]
    pub client: Option<String>,
}

/// One place a client can download a package from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentLocation {
    /// Service id.
    pub service_id: String,
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Service FQDN: the name the client connects to and checks the certificate against.
    pub service_fqdn: String,
    /// What the FQDN resolves to (the instances' addresses): there is no DNS for the local
    /// cloud, so the answer carries it, as a CNAME lookup would.
    pub addresses: Vec<String>,
    /// Content URL prefix: `https://<fqdn>/content/<package id>/`; append the file name.
    pub url: String,
    /// Access token for this service and package (send `Authorization: Bearer <token>`).
    pub token: String,
    /// When the token expires, RFC 3339.
    pub token_expires: String,
}

/// The management point's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentLocations {
    /// Package id.
    pub package_id: String,
    /// Package name.
    pub package_name: String,
    /// Files (with plaintext size and SHA-256 to verify against).
    pub files: Vec<PackageFileView>,
    /// The package key (base64, AES-256) to decrypt the files.
    pub key: String,
    /// Sources, in the order to try them.
    pub locations: Vec<ContentLocation>,
    /// Why no cloud source is offered, when none is.
    pub note: Option<String>,
}

/// Money in hundredths of the price table's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CostView {
    /// Currency of the price table (illustrative prices unless configured).
    pub currency: String,
    /// Cost since the start of the month, in cents.
    pub month_to_date_cents: i64,
    /// Projected cost for the whole month at the current rate, in cents.
    pub projected_month_cents: i64,
    /// The built-in (illustrative) price table was used: no `[prices]` configured.
    #[serde(default)]
    pub illustrative: bool,
}

/// A service's usage as last collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageView {
    /// When collected, RFC 3339.
    pub collected: String,
    /// Bytes stored in the service's storage.
    pub storage_bytes: u64,
    /// Bytes sent over the threshold window (CDP 30 days, CMG 14 days).
    pub transfer_bytes: u64,
    /// The window, in days.
    pub window_days: u32,
    /// Bytes sent per day over the last 30 days, oldest first (today last).
    pub daily_transfer: Vec<u64>,
    /// Bytes per quota GB (1 GiB unless configured smaller for demos and tests).
    pub quota_unit_bytes: u64,
    /// Cost.
    pub cost: CostView,
}

/// `usage` event: a service's new usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageEvent {
    /// Service id.
    pub service_id: String,
    /// Usage.
    pub usage: UsageView,
}
