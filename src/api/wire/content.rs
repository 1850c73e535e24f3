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
    /// One path segment, unique in the package ignoring case; clients append it to the content
    /// URL.
    pub name: String,
    /// Size in bytes (plaintext), as announced when the package was created.
    pub size: u64,
    /// SHA-256 of the plaintext (lower-case hex); `None` until the file is received.
    pub sha256: Option<String>,
    /// Size in bytes of the encrypted blob; `None` until the file is received.
    pub encrypted_size: Option<u64>,
}

/// A package in the content library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PackageView {
    /// Package id, e.g. `PS100001`.
    pub id: String,
    /// Unique in the library ignoring case; at most 100 characters.
    pub name: String,
    /// What it holds, which decides whether a cloud service takes it.
    pub content_type: ContentType,
    /// `uploading` until every announced file is received, then `ready`.
    pub state: PackageState,
    /// The files announced at creation, by name.
    pub files: Vec<PackageFileView>,
    /// Total plaintext bytes.
    pub size: u64,
    /// One entry per service it was sent to, in whatever state (by service FQDN).
    pub distributions: Vec<DistributionView>,
    /// When it was created, RFC 3339 UTC with milliseconds.
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
    /// Package id: the site code and five hex digits (e.g. `PS100001`).
    pub package_id: String,
    /// The package's name (unique in the library).
    pub package_name: String,
    /// The service's id (32 hex digits).
    pub service_id: String,
    /// The service's FQDN.
    pub service_fqdn: String,
    /// How far the distribution got.
    pub state: DistributionState,
    /// Why it failed, or what it waits for.
    pub reason: Option<String>,
    /// Encrypted bytes the package takes on the service (its received files' encrypted sizes).
    pub size: u64,
    /// Last state change, RFC 3339 UTC with milliseconds.
    pub updated: String,
}

/// A file announced when a package is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewPackageFile {
    /// File name: one path segment of at most 255 bytes, not starting with `.`, without `/`,
    /// `\` or control characters.
    pub name: String,
    /// Size in bytes; the upload must be exactly this long.
    pub size: u64,
}

/// `POST /v1/content`: create a package; then `PUT /v1/content/{id}/files/{name}` each file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatePackage {
    /// Name: unique in the library ignoring case, at most 50 characters (ConfigMgr's limit),
    /// no control characters or text-direction overrides.
    pub name: String,
    /// What it holds; a type cloud services do not take is refused, Microsoft software updates
    /// are taken with a warning.
    pub content_type: ContentType,
    /// Files it will hold: 1 to 1,000, names unique ignoring case, each at most 1 TiB.
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
    /// Each a service's id, FQDN or name; may be empty only for `redistribute`.
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
    /// The service's id (32 hex digits).
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
    /// When the token expires, RFC 3339 UTC: the site's content token lifetime (24 hours unless
    /// configured) after the request.
    pub token_expires: String,
}

/// The management point's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContentLocations {
    /// The package's id (e.g. `PS100001`), also when the request named it by name.
    pub package_id: String,
    /// The package's name.
    pub package_name: String,
    /// Files (with plaintext size and SHA-256 to verify against).
    pub files: Vec<PackageFileView>,
    /// The package key (base64, AES-256) to decrypt the files.
    pub key: String,
    /// Cloud sources, in the order to try them: every service the package was distributed to
    /// successfully that is not provisioning or being deleted, shuffled so clients spread across
    /// them. Empty when the client settings do not allow cloud distribution points.
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
    /// When it was collected, RFC 3339 UTC with milliseconds.
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
    /// What the service costs this month, from the site's price table.
    pub cost: CostView,
}

/// `usage` event: a service's new usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsageEvent {
    /// The service's id (32 hex digits).
    pub service_id: String,
    /// Its usage as just collected.
    pub usage: UsageView,
}
