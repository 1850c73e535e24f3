//! Which store holds the blobs (`[cloud.storage]` of the configuration file).

use serde::Deserialize;

/// The account name and key of Azurite (the emulator's well-known development account).
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// The key of [`AZURITE_ACCOUNT`]; published by Microsoft, not a secret.
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Where the local cloud keeps the blobs of its storage containers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum StorageConfig {
    /// Files under the cloud's data directory (`storage/<account>/<container>/`).
    #[default]
    Folder,
    /// One container of an Azure storage account (or Azurite).
    Azure(AzureStorage),
}

/// An Azure storage account the blobs go to: every local-cloud container becomes the prefix
/// `<account>/<container>/` of one blob container there.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureStorage {
    /// The Azure storage account name.
    pub account: String,
    /// Its shared key (base64). When absent, read from the environment variable `key_env`.
    #[serde(default)]
    pub key: Option<String>,
    /// The environment variable holding the key when `key` is absent.
    #[serde(default = "default_key_env")]
    pub key_env: String,
    /// The Blob service URL; by default `https://<account>.blob.core.windows.net`. For
    /// Azurite: `http://127.0.0.1:10000/devstoreaccount1` (path style, account included).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The blob container that holds everything; created when missing.
    #[serde(default = "default_container")]
    pub container: String,
}

fn default_key_env() -> String {
    "AZURE_STORAGE_KEY".into()
}

fn default_container() -> String {
    "cloudsite".into()
}

impl AzureStorage {
    /// Azurite's development account at `endpoint` (e.g. `http://127.0.0.1:10000`), blobs in
    /// `container`.
    pub fn azurite(endpoint: &str, container: &str) -> AzureStorage {
        AzureStorage {
            account: AZURITE_ACCOUNT.into(),
            key: Some(AZURITE_KEY.into()),
            key_env: default_key_env(),
            endpoint: Some(format!(
                "{}/{AZURITE_ACCOUNT}",
                endpoint.trim_end_matches('/')
            )),
            container: container.into(),
        }
    }

    /// The shared key: `key`, else the environment variable `key_env`.
    pub fn resolve_key(&self) -> Result<String, String> {
        if let Some(key) = &self.key {
            return Ok(key.clone());
        }
        std::env::var(&self.key_env).map_err(|_| {
            format!(
                "the Azure storage account '{}' needs its shared key: set the environment variable {} (named by key_env in [cloud.storage])",
                self.account, self.key_env
            )
        })
    }

    /// The Blob service URL.
    pub fn endpoint_url(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://{}.blob.core.windows.net", self.account))
            .trim_end_matches('/')
            .to_string()
    }
}

impl std::fmt::Debug for AzureStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("AzureStorage")
            .field("account", &self.account)
            .field("key", &self.key.as_ref().map(|_| ".."))
            .field("key_env", &self.key_env)
            .field("endpoint", &self.endpoint)
            .field("container", &self.container)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_kinds() {
        let folder: StorageConfig = toml::from_str("kind = \"folder\"").expect("folder");
        assert_eq!(folder, StorageConfig::Folder);
        let azure: StorageConfig = toml::from_str(
            "kind = \"azure\"\naccount = \"contosocontent\"\nendpoint = \"http://127.0.0.1:10000/devstoreaccount1/\"\n",
        )
        .expect("azure");
        let StorageConfig::Azure(a) = azure else {
            panic!("{azure:?}")
        };
        assert_eq!(a.container, "cloudsite");
        assert_eq!(a.key_env, "AZURE_STORAGE_KEY");
        assert_eq!(a.endpoint_url(), "http://127.0.0.1:10000/devstoreaccount1");
        assert!(toml::from_str::<StorageConfig>("kind = \"s3\"").is_err());
        assert!(toml::from_str::<StorageConfig>("kind = \"azure\"").is_err());
        let debug = format!("{:?}", AzureStorage::azurite("http://x", "c"));
        assert!(!debug.contains(AZURITE_KEY), "{debug}");
    }
}
