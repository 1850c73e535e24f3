//! Service rows: the CDPs and CMGs of the site with their settings and sealed keys. Every
//! function takes a connection (or transaction) so callers group changes into one transaction.

use super::error::Result;
use crate::api::wire::InstanceView;
use crate::domain::service::{Environment, HostedKind, ServiceState, Threshold};
use crate::site::db::{Connection, OptionalExtension, Row, params};
use crate::site::prepare::{CmgOptions, Prepared, ServiceCert};
use crate::site::secrets::SecretBox;
use crate::site::store::{new_id, now_millis};
use serde::{Deserialize, Serialize};

/// The structured part of a service row (`settings` column).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Storage threshold.
    pub storage: Threshold,
    /// Transfer / outbound data threshold.
    pub transfer: Threshold,
    /// CMG options.
    #[serde(default)]
    pub cmg: Option<CmgOptions>,
    /// Instances as last reported by the cloud.
    #[serde(default)]
    pub instances: Vec<InstanceView>,
    /// Service certificate subject CN.
    #[serde(default)]
    pub cert_cn: Option<String>,
    /// Service certificate expiry (RFC 3339).
    #[serde(default)]
    pub cert_not_after: String,
    /// CMG: SHA-1 thumbprint of the connection point CA its deployment trusts, recorded when
    /// a deploy or upgrade sent it; none for a CMG deployed before the site had one.
    #[serde(default)]
    pub gateway_ca: Option<String>,
}

/// A service row (secrets still sealed).
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    /// Id.
    pub id: String,
    /// CDP or CMG.
    pub kind: HostedKind,
    /// Deployment name.
    pub deployment_name: String,
    /// Service FQDN.
    pub service_fqdn: String,
    /// Description.
    pub description: String,
    /// Subscription.
    pub subscription_id: String,
    /// Environment.
    pub environment: Environment,
    /// Region.
    pub region: String,
    /// Resource group.
    pub resource_group: Option<String>,
    /// State.
    pub state: ServiceState,
    /// Status details.
    pub status_details: String,
    /// Instance count.
    pub instances: u8,
    /// Storage account.
    pub storage_account: Option<String>,
    /// Settings.
    pub settings: Settings,
    /// Service certificate thumbprint.
    pub cert_thumbprint: String,
    /// Service certificate chain, PEM.
    pub cert_pem: String,
    /// Wildcard certificate.
    pub cert_wildcard: bool,
    /// Sealed service key.
    pub service_key: Vec<u8>,
    /// Management certificate, PEM.
    pub management_cert_pem: String,
    /// Sealed management key.
    pub management_key: Vec<u8>,
    /// Created (ms).
    pub created: i64,
    /// Updated (ms).
    pub updated: i64,
}

const SERVICE_COLUMNS: &str = "id, kind, deployment_name, service_fqdn, description, subscription_id, environment, \
    region, resource_group, state, status_details, instances, storage_account, settings, service_cert_thumbprint, \
    service_cert_pem, service_cert_wildcard, service_key, management_cert_pem, management_key, created, updated";

fn service_from_row(r: &Row<'_>) -> crate::site::db::Result<ServiceRecord> {
    Ok(ServiceRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        deployment_name: r.get(2)?,
        service_fqdn: r.get(3)?,
        description: r.get(4)?,
        subscription_id: r.get(5)?,
        environment: r.get(6)?,
        region: r.get(7)?,
        resource_group: r.get(8)?,
        state: r.get(9)?,
        status_details: r.get(10)?,
        instances: r.get::<_, i64>(11)?.clamp(0, 255) as u8,
        storage_account: r.get(12)?,
        settings: super::sql::json(r, 13)?,
        cert_thumbprint: r.get(14)?,
        cert_pem: r.get(15)?,
        cert_wildcard: r.get::<_, i64>(16)? != 0,
        service_key: r.get::<_, Option<Vec<u8>>>(17)?.unwrap_or_default(),
        management_cert_pem: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
        management_key: r.get::<_, Option<Vec<u8>>>(19)?.unwrap_or_default(),
        created: r.get(20)?,
        updated: r.get(21)?,
    })
}

/// Labels binding sealed blobs to their column.
pub(crate) const SERVICE_KEY_LABEL: &str = "services.service_key";
/// Label of the management key column.
pub(crate) const MANAGEMENT_KEY_LABEL: &str = "services.management_key";

/// Inserts a prepared service in `Provisioning`; returns its id.
pub(crate) fn insert_service(
    conn: &Connection,
    p: &Prepared,
    secrets: &SecretBox,
) -> Result<String> {
    let id = new_id()?;
    let now = now_millis();
    let settings = Settings {
        storage: p.storage,
        transfer: p.transfer,
        cmg: p.cmg.clone(),
        instances: Vec::new(),
        cert_cn: p.service_cert.subject_cn.clone(),
        cert_not_after: p.service_cert.not_after.clone(),
        gateway_ca: None,
    };
    let service_key = secrets.seal(SERVICE_KEY_LABEL, &p.service_cert.identity.key_pkcs8)?;
    let management_key = secrets.seal(MANAGEMENT_KEY_LABEL, &p.management.key_pkcs8)?;
    let mgmt_thumbprint = p
        .management
        .chain_der
        .first()
        .map(|d| hex::encode_upper(<sha1::Sha1 as sha2::Digest>::digest(d)))
        .unwrap_or_default();
    conn.execute(
        &format!("INSERT INTO services ({SERVICE_COLUMNS}, vm_size, management_cert_thumbprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21, ?22)"),
        params![
            id,
            p.kind,
            p.deployment_name,
            p.service_fqdn,
            p.description,
            p.subscription_id,
            p.environment,
            p.region,
            p.resource_group,
            ServiceState::Provisioning.as_str(),
            i64::from(p.instances),
            p.storage_account,
            serde_json::to_string(&settings)?,
            p.service_cert.thumbprint,
            p.service_cert.identity.cert_pem(),
            p.service_cert.wildcard as i64,
            service_key,
            p.management.cert_pem(),
            management_key,
            now,
            p.cmg.as_ref().map(|c| c.vm_size.clone()),
            mgmt_thumbprint,
        ],
    )?;
    for root in &p.trusted_roots {
        conn.execute(
            "INSERT INTO trusted_roots (service_id, kind, der, thumbprint) VALUES (?1, ?2, ?3, ?4)",
            params![id, root.kind, root.der, root.thumbprint],
        )?;
    }
    Ok(id)
}

/// A service by id, Service FQDN or deployment name (case-insensitive).
pub(crate) fn get_service(conn: &Connection, key: &str) -> Result<Option<ServiceRecord>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {SERVICE_COLUMNS} FROM services WHERE id = ?1 OR service_fqdn = ?1 COLLATE NOCASE OR deployment_name = ?1 COLLATE NOCASE"
            ),
            params![key],
            service_from_row,
        )
        .optional()?)
}

/// Every service of `kind` (or all), by FQDN.
pub(crate) fn list_services(
    conn: &Connection,
    kind: Option<HostedKind>,
) -> Result<Vec<ServiceRecord>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SERVICE_COLUMNS} FROM services WHERE CAST(?1 AS TEXT) IS NULL OR kind = ?1 ORDER BY service_fqdn COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map(params![kind], service_from_row)?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// Which existing service already uses this FQDN, deployment name or (non-wildcard) thumbprint.
pub(crate) fn conflict(
    conn: &Connection,
    fqdn: &str,
    deployment: &str,
    thumbprint: &str,
    wildcard: bool,
) -> Result<Option<(String, String)>> {
    let by_name: Option<String> = conn
        .query_row(
            "SELECT service_fqdn FROM services WHERE service_fqdn = ?1 COLLATE NOCASE OR deployment_name = ?2 COLLATE NOCASE",
            params![fqdn, deployment],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = by_name {
        return Ok(Some((
            "Service FQDN".into(),
            crate::domain::service::taken_rule(&other, deployment),
        )));
    }
    if !wildcard {
        let by_cert: Option<String> = conn
            .query_row(
                "SELECT service_fqdn FROM services WHERE service_cert_thumbprint = ?1 COLLATE NOCASE AND service_cert_wildcard = 0",
                params![thumbprint],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = by_cert {
            return Ok(Some((
                "Service certificate".into(),
                format!(
                    "is already used by {other}; a certificate is shared only when it is a wildcard"
                ),
            )));
        }
    }
    Ok(None)
}

/// Sets the state and details; returns the updated record.
pub(crate) fn set_state(
    conn: &Connection,
    id: &str,
    state: ServiceState,
    details: &str,
) -> Result<Option<ServiceRecord>> {
    conn.execute(
        "UPDATE services SET state = ?2, status_details = ?3, updated = ?4 WHERE id = ?1",
        params![id, state.as_str(), details, now_millis()],
    )?;
    get_service(conn, id)
}

/// Replaces settings, description and instance count.
pub(crate) fn save_editable(conn: &Connection, rec: &ServiceRecord) -> Result<()> {
    conn.execute(
        "UPDATE services SET description = ?2, settings = ?3, instances = ?4, vm_size = ?5, updated = ?6 WHERE id = ?1",
        params![
            rec.id,
            rec.description,
            serde_json::to_string(&rec.settings)?,
            i64::from(rec.instances),
            rec.settings.cmg.as_ref().map(|c| c.vm_size.clone()),
            now_millis()
        ],
    )?;
    Ok(())
}

/// Which other service uses this certificate as its own (non-wildcard) certificate.
pub(crate) fn cert_used_by(
    conn: &Connection,
    thumbprint: &str,
    except_id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT service_fqdn FROM services WHERE service_cert_thumbprint = ?1 COLLATE NOCASE AND service_cert_wildcard = 0 AND id <> ?2",
            params![thumbprint, except_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Replaces a service's certificate (chain, sealed key, thumbprint, CN, expiry, wildcard).
pub(crate) fn replace_service_cert(
    conn: &Connection,
    id: &str,
    cert: &ServiceCert,
    secrets: &SecretBox,
) -> Result<()> {
    let Some(mut rec) = get_service(conn, id)? else {
        return Ok(());
    };
    rec.settings.cert_cn = cert.subject_cn.clone();
    rec.settings.cert_not_after = cert.not_after.clone();
    let key = secrets.seal(SERVICE_KEY_LABEL, &cert.identity.key_pkcs8)?;
    conn.execute(
        "UPDATE services SET settings = ?2, service_cert_thumbprint = ?3, service_cert_pem = ?4, \
         service_cert_wildcard = ?5, service_key = ?6, updated = ?7 WHERE id = ?1",
        params![
            id,
            serde_json::to_string(&rec.settings)?,
            cert.thumbprint,
            cert.identity.cert_pem(),
            cert.wildcard as i64,
            key,
            now_millis()
        ],
    )?;
    Ok(())
}

/// Records the instances the cloud reported.
pub(crate) fn set_instances(
    conn: &Connection,
    id: &str,
    instances: Vec<InstanceView>,
) -> Result<()> {
    if let Some(mut rec) = get_service(conn, id)? {
        rec.settings.instances = instances;
        conn.execute(
            "UPDATE services SET settings = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(&rec.settings)?],
        )?;
    }
    Ok(())
}

/// Records the connection point CA a CMG's deployment now trusts.
pub(crate) fn set_gateway_ca(conn: &Connection, id: &str, thumbprint: &str) -> Result<()> {
    if let Some(mut rec) = get_service(conn, id)? {
        rec.settings.gateway_ca = Some(thumbprint.to_string());
        conn.execute(
            "UPDATE services SET settings = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(&rec.settings)?],
        )?;
    }
    Ok(())
}

/// The trusted root and intermediate certificates (DER) of a CMG, in the order added.
pub(crate) fn trusted_root_ders(conn: &Connection, service_id: &str) -> Result<Vec<Vec<u8>>> {
    let mut stmt =
        conn.prepare("SELECT der FROM trusted_roots WHERE service_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map(params![service_id], |r| r.get(0))?;
    Ok(rows.collect::<crate::site::db::Result<Vec<_>>>()?)
}

/// Removes a service (its trusted roots and connection points go with it).
pub(crate) fn delete_service(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM services WHERE id = ?1", params![id])?;
    Ok(())
}
