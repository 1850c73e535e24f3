//! Monitoring: the usage collector, threshold alerts, the CMG stop-at-critical check, health
//! checks, gateway sampling and cost projection. Everything runs as background loops of the site service.

mod cmg_stop;
mod gateway;
mod health;
pub(crate) mod options;
mod thresholds;
mod usage;

pub use options::MonitorOptions;

use crate::site::context::SiteContext;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// The running monitoring loops; [`Monitor::stop`] ends them (dropping it does too).
pub struct Monitor {
    tasks: Vec<JoinHandle<()>>,
}

impl Monitor {
    /// Ends every loop and waits until they are gone. Their work is durable (samples, alerts
    /// and Stop tasks are written in single transactions), so ending one mid-round loses
    /// nothing that the next start would not redo.
    pub async fn stop(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts the usage collector (which evaluates the thresholds after each collection), the
/// CMG stop-at-critical check, the health checks and the gateway sampling.
pub fn spawn(ctx: &Arc<SiteContext>) -> Monitor {
    Monitor {
        tasks: vec![
            tokio::spawn(usage::run(Arc::clone(ctx))),
            tokio::spawn(cmg_stop::run(Arc::clone(ctx))),
            tokio::spawn(health::run(Arc::clone(ctx))),
            tokio::spawn(gateway::run(Arc::clone(ctx))),
        ],
    }
}
