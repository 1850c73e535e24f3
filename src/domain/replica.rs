//! A site service replica's part in a highly available site: several `cloudsite serve`
//! processes share one database, all serve the API, and exactly one runs the services manager.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What this replica does for the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplicaRole {
    /// Holds the database lease: runs the tasks, the monitors, the distribution worker and the
    /// site's connection points, besides the API. A site on SQLite has one replica, always this.
    Active,
    /// Serves the API and waits for the lease; takes over when the active replica goes.
    Passive,
}

impl ReplicaRole {
    /// The word the console and `site show` print.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaRole::Active => "active",
            ReplicaRole::Passive => "passive",
        }
    }
}

/// Where the site keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseEngine {
    /// One SQLite file in the data dir: one replica.
    #[default]
    Sqlite,
    /// A PostgreSQL database several replicas share.
    Postgres,
}

impl DatabaseEngine {
    /// Whether several replicas can share the database.
    pub fn replicated(self) -> bool {
        self == DatabaseEngine::Postgres
    }
}
