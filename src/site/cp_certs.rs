//! The site's connection point certificates in the database: the CA made on first need and
//! each connection point's certificate issued (or renewed) when it is added or asks for its
//! channel configuration. Private keys are sealed before they are stored. Every function runs
//! inside the caller's transaction, so two requests cannot make two CAs.

use super::pki::{self, PkiError};
use super::repo::RepoError;
use super::repo::connection_points::{
    self as rows, CA_KEY_LABEL, CaRow, ConnectionPointRow, KEY_LABEL,
};
use super::repo::site;
use super::secrets::{SecretBox, SecretError};
use crate::cert::pem;
use crate::domain::cmg::connection_point_name;
use crate::site::db::Connection;
use time::OffsetDateTime;

/// Why a certificate could not be made or read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CertError {
    /// The database failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A sealed key did not open.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A certificate could not be made.
    #[error(transparent)]
    Pki(#[from] PkiError),
}

impl From<crate::site::store::StoreError> for CertError {
    fn from(e: crate::site::store::StoreError) -> Self {
        CertError::Repo(RepoError::from(e))
    }
}

impl From<crate::site::db::Error> for CertError {
    fn from(e: crate::site::db::Error) -> Self {
        CertError::Repo(RepoError::from(e))
    }
}

/// The site's connection point CA, made now if the site has none yet.
pub(crate) fn ensure_ca(conn: &Connection, secrets: &SecretBox) -> Result<CaRow, CertError> {
    if let Some(ca) = rows::ca(conn)? {
        return Ok(ca);
    }
    let code = site::site(conn)?.map(|(code, _)| code).unwrap_or_default();
    let subject = pki::ca_subject(&code);
    let made = pki::new_ca(&subject, OffsetDateTime::now_utc())?;
    let sealed = secrets.seal(CA_KEY_LABEL, &made.key_der)?;
    rows::insert_ca(conn, &subject, &made.cert_pem, &sealed)?;
    Ok(CaRow {
        subject,
        cert_pem: made.cert_pem,
        key: sealed,
    })
}

/// A connection point's certificate and key (PKCS#8 PEM), issued now when it has none, the CA
/// changed, or it nears its end.
pub(crate) fn ensure_certificate(
    conn: &Connection,
    secrets: &SecretBox,
    row: &ConnectionPointRow,
) -> Result<(String, String), CertError> {
    let ca = ensure_ca(conn, secrets)?;
    let now = OffsetDateTime::now_utc();
    if let (Some(cert), Some(key)) = (&row.cert_pem, &row.key)
        && !pki::needs_reissue(cert, &ca.subject, now)
    {
        let key = secrets.open(KEY_LABEL, key)?;
        return Ok((cert.clone(), pem::encode("PRIVATE KEY", key.as_bytes())));
    }
    let ca_key = secrets.open(CA_KEY_LABEL, &ca.key)?;
    let issued = pki::issue(
        &ca.subject,
        ca_key.as_bytes(),
        &connection_point_name(&row.id),
        now,
    )?;
    let sealed = secrets.seal(KEY_LABEL, &issued.key_der)?;
    rows::set_certificate(conn, &row.id, &issued.cert_pem, &sealed)?;
    Ok((issued.cert_pem, pem::encode("PRIVATE KEY", &issued.key_der)))
}
