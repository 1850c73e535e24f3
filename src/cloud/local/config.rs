//! How the local cloud runs: where it keeps its data, how slow it is, and the faults it injects.

use serde::{Deserialize, Deserializer};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How the local cloud runs.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalCloudConfig {
    /// Where the cloud keeps everything.
    pub data_dir: PathBuf,
    /// Management API address; loopback, any port by default.
    pub listen: SocketAddr,
    /// How long provisioning, starting, stopping, updating and deleting take
    /// (`"3s"`, `"100ms"` or milliseconds as a number).
    #[serde(deserialize_with = "duration")]
    pub provisioning_delay: Duration,
    /// Faults to inject, for tests.
    pub faults: Faults,
    /// Where the blobs of storage containers live (the data directory by default).
    pub storage: super::store::StorageConfig,
}

impl Default for LocalCloudConfig {
    fn default() -> Self {
        LocalCloudConfig {
            data_dir: PathBuf::new(),
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            // Seconds, so a person watching the console sees Provisioning go by.
            provisioning_delay: Duration::from_secs(3),
            faults: Faults::default(),
            storage: super::store::StorageConfig::default(),
        }
    }
}

/// Faults the cloud injects, for tests.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Fail the next N mutating operations (deploy, start, stop, delete, update, create and
    /// delete container) with "injected fault".
    pub fail_next: u32,
    /// Added to every operation before it answers.
    #[serde(deserialize_with = "duration")]
    pub slow: Duration,
    /// Names refused as already in use (the globally-unique name rule).
    pub reserved_names: Vec<String>,
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Millis(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Millis(ms) => Ok(Duration::from_millis(ms)),
        Raw::Text(text) => crate::domain::duration::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{text}' is not a duration; write e.g. \"3s\", \"250ms\" or \"1m\""
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_durations() {
        let cfg: LocalCloudConfig = toml::from_str(
            "data_dir = \"/tmp/x\"\nprovisioning_delay = \"250ms\"\n[faults]\nfail_next = 2\nslow = 1500\nreserved_names = [\"taken\"]\n",
        )
        .expect("config");
        assert_eq!(cfg.provisioning_delay, Duration::from_millis(250));
        assert_eq!(cfg.faults.slow, Duration::from_millis(1500));
        assert_eq!(cfg.faults.fail_next, 2);
        assert_eq!(cfg.listen.ip(), Ipv4Addr::LOCALHOST);
        assert!(toml::from_str::<LocalCloudConfig>("provisioning_delay = \"x\"").is_err());
    }
}
