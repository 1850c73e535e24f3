//! This process's part in a site that may have several replicas (`cloudsite serve` processes
//! on one PostgreSQL database): its id, whether it holds the lease that makes it the one
//! services manager, and the epoch of that lease, which fences the tasks it runs.
//!
//! On SQLite the file lock in the data dir already makes one process the site, so that process
//! is active from the start. On PostgreSQL, [`lease`] holds a session advisory lock and
//! [`relay`] carries events between replicas with LISTEN/NOTIFY.

pub(crate) mod lease;
pub(crate) mod relay;

use super::repo::tasks::TaskOwner;
use crate::domain::replica::{DatabaseEngine, ReplicaRole};
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::watch;

/// This replica: id, engine, role and lease epoch.
pub struct Replica {
    id: String,
    engine: DatabaseEngine,
    role: watch::Sender<ReplicaRole>,
    epoch: AtomicI64,
}

impl Replica {
    /// A replica named after `server_name`, this process and a random part (ids of two
    /// processes never collide, not even on one host after a restart), passive until
    /// [`Replica::activate`].
    pub fn new(server_name: &str, engine: DatabaseEngine) -> Replica {
        let mut random = [0u8; 4];
        // Without randomness the pid still tells two live processes on one host apart.
        let _ = getrandom::fill(&mut random);
        let id = format!(
            "{server_name}:{}:{}",
            std::process::id(),
            hex::encode(random)
        );
        let (role, _) = watch::channel(ReplicaRole::Passive);
        Replica {
            id,
            engine,
            role,
            epoch: AtomicI64::new(0),
        }
    }

    /// This replica's id, as tasks record their owner.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the site keeps its state.
    pub fn engine(&self) -> DatabaseEngine {
        self.engine
    }

    /// Active or passive, now.
    pub fn role(&self) -> ReplicaRole {
        *self.role.borrow()
    }

    /// Follows the role as it changes.
    pub fn watch(&self) -> watch::Receiver<ReplicaRole> {
        self.role.subscribe()
    }

    /// This replica took the lease; its tasks are claimed under `epoch`.
    pub(crate) fn activate(&self, epoch: i64) {
        self.epoch.store(epoch, Ordering::SeqCst);
        self.role.send_replace(ReplicaRole::Active);
    }

    /// This replica lost the lease (its database session ended).
    pub(crate) fn deactivate(&self) {
        self.role.send_replace(ReplicaRole::Passive);
    }

    /// Who this replica's services manager is, for the tasks it claims.
    pub(crate) fn owner(&self) -> TaskOwner {
        TaskOwner {
            id: self.id.clone(),
            epoch: self.epoch.load(Ordering::SeqCst),
        }
    }
}
