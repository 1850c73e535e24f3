//! Usage samples and the last computed usage view of each service (schema V2:
//! `usage_samples`, `service_usage`).

use super::error::Result;
use crate::api::wire::UsageView;
use crate::site::db::{Connection, OptionalExtension, params};

/// One day, in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// One usage collection of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    /// When, unix ms.
    pub time: i64,
    /// The cloud's cumulative egress counter.
    pub egress_total: u64,
    /// Bytes sent since the previous sample.
    pub egress_delta: u64,
    /// Bytes stored.
    pub storage_bytes: u64,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The latest sample of a service.
pub(crate) fn last_sample(conn: &Connection, service_id: &str) -> Result<Option<Sample>> {
    Ok(conn
        .query_row(
            "SELECT time, egress_total, egress_delta, storage_bytes FROM usage_samples \
             WHERE service_id = ?1 ORDER BY time DESC, id DESC LIMIT 1",
            params![service_id],
            |r| {
                Ok(Sample {
                    time: r.get(0)?,
                    egress_total: to_u64(r.get(1)?),
                    egress_delta: to_u64(r.get(2)?),
                    storage_bytes: to_u64(r.get(3)?),
                })
            },
        )
        .optional()?)
}

/// Records a sample; the delta is the counter's growth since the previous sample. The cloud's
/// counter starts at 0 when a deployment is created and again when it is redeployed, so for
/// the first sample, and when the counter went backwards, the whole total is what was sent
/// since: nothing served is left uncounted.
pub(crate) fn insert_sample(
    conn: &Connection,
    service_id: &str,
    time: i64,
    egress_total: u64,
    storage_bytes: u64,
) -> Result<Sample> {
    let delta = match last_sample(conn, service_id)? {
        Some(prev) if egress_total >= prev.egress_total => egress_total - prev.egress_total,
        _ => egress_total,
    };
    conn.execute(
        "INSERT INTO usage_samples (service_id, time, egress_total, egress_delta, storage_bytes) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            service_id,
            time,
            to_i64(egress_total),
            to_i64(delta),
            to_i64(storage_bytes)
        ],
    )?;
    Ok(Sample {
        time,
        egress_total,
        egress_delta: delta,
        storage_bytes,
    })
}

/// Bytes sent after `since` (unix ms, exclusive) up to now.
pub(crate) fn egress_since(conn: &Connection, service_id: &str, since: i64) -> Result<u64> {
    let sum: i64 = conn.query_row(
        "SELECT CAST(ifnull(sum(egress_delta), 0) AS BIGINT) FROM usage_samples WHERE service_id = ?1 AND time > ?2",
        params![service_id, since],
        |r| r.get(0),
    )?;
    Ok(to_u64(sum))
}

/// Bytes sent per UTC day over the `days` days ending with the day of `now` (oldest first).
pub(crate) fn daily_egress(
    conn: &Connection,
    service_id: &str,
    now: i64,
    days: usize,
) -> Result<Vec<u64>> {
    let mut out = vec![0u64; days];
    if days == 0 {
        return Ok(out);
    }
    let today = now.div_euclid(DAY_MS);
    let first = today - (days as i64 - 1);
    let mut stmt = conn.prepare(
        "SELECT time, egress_delta FROM usage_samples WHERE service_id = ?1 AND time >= ?2 AND time <= ?3",
    )?;
    let rows = stmt.query_map(params![service_id, first * DAY_MS, now], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (time, delta) = row?;
        let day = time.div_euclid(DAY_MS) - first;
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| out.get_mut(d)) {
            *slot = slot.saturating_add(to_u64(delta));
        }
    }
    Ok(out)
}

/// Removes samples older than `before` (unix ms); returns how many.
pub(crate) fn prune_samples(conn: &Connection, before: i64) -> Result<usize> {
    Ok(conn.execute("DELETE FROM usage_samples WHERE time < ?1", params![before])?)
}

/// Stores the usage view of a service (replacing the previous one).
pub(crate) fn save_usage(conn: &Connection, service_id: &str, view: &UsageView) -> Result<()> {
    conn.execute(
        "INSERT INTO service_usage (service_id, view) VALUES (?1, ?2) \
         ON CONFLICT (service_id) DO UPDATE SET view = ?2",
        params![service_id, serde_json::to_string(view)?],
    )?;
    Ok(())
}

/// The usage last computed for a service (`None` before the first collection).
pub(crate) fn latest_usage(
    conn: &Connection,
    service_id: &str,
) -> Result<Option<crate::api::wire::UsageView>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT view FROM service_usage WHERE service_id = ?1",
            params![service_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::repo::RepoError;
    use crate::site::store::Store;

    fn db() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("site.db")).expect("open");
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO services (id, kind, deployment_name, service_fqdn, subscription_id, environment, region, state, \
                     instances, service_cert_thumbprint, service_cert_pem, created, updated) \
                     VALUES ('s1', 'cdp', 'cdp1', 'cdp1.contoso.com', 'sub', 'AzurePublicCloud', 'WestEurope', 'Ready', 2, 'T', '', 0, 0)",
                    params![],
                )
            })
            .expect("service row");
        (dir, store)
    }

    #[test]
    fn deltas_count_from_the_counter_start_and_after_resets() {
        let (_dir, store) = db();
        store
            .with(|c| {
                check_deltas(c);
                Ok::<_, RepoError>(())
            })
            .unwrap();
    }

    fn check_deltas(c: &Connection) {
        assert_eq!(
            insert_sample(c, "s1", 1000, 500, 7).unwrap().egress_delta,
            500
        );
        assert_eq!(
            insert_sample(c, "s1", 2000, 800, 7).unwrap().egress_delta,
            300
        );
        // A redeploy reset the counter: what it shows was sent since.
        assert_eq!(
            insert_sample(c, "s1", 3000, 100, 7).unwrap().egress_delta,
            100
        );
        assert_eq!(
            insert_sample(c, "s1", 4000, 150, 9).unwrap().egress_delta,
            50
        );
        assert_eq!(
            last_sample(c, "s1").unwrap().map(|s| s.storage_bytes),
            Some(9)
        );
        assert_eq!(egress_since(c, "s1", 0).unwrap(), 950);
        assert_eq!(egress_since(c, "s1", 2000).unwrap(), 150);
        assert_eq!(egress_since(c, "other", 0).unwrap(), 0);
    }

    #[test]
    fn daily_sums_are_oldest_first_and_old_samples_prune() {
        let (_dir, store) = db();
        store
            .with(|c| {
                check_days(c);
                Ok::<_, RepoError>(())
            })
            .unwrap();
    }

    fn check_days(c: &Connection) {
        let now = 40 * DAY_MS + 5000;
        insert_sample(c, "s1", 9 * DAY_MS, 0, 0).unwrap();
        insert_sample(c, "s1", 38 * DAY_MS + 10, 100, 0).unwrap();
        insert_sample(c, "s1", 40 * DAY_MS + 10, 130, 0).unwrap();
        insert_sample(c, "s1", 40 * DAY_MS + 20, 140, 0).unwrap();
        let days = daily_egress(c, "s1", now, 30).unwrap();
        assert_eq!(days.len(), 30);
        assert_eq!(days[29], 40);
        assert_eq!(days[27], 100);
        assert_eq!(days.iter().sum::<u64>(), 140);
        assert_eq!(prune_samples(c, 10 * DAY_MS).unwrap(), 1);
        assert_eq!(egress_since(c, "s1", 0).unwrap(), 140);
    }
}
