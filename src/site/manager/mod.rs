//! The cloud services manager: the task runner that drives every service through its
//! lifecycle with durable tasks.
//!
//! Each kind of task is a declared list of steps ([`steps`]); each task records the step it
//! reached, and every step is idempotent against the provider, so a task interrupted at any
//! moment (even by SIGKILL) resumes at its recorded step after a restart. Every step is logged
//! to `CloudMgr.log` and published as an event.

mod error;
mod runner;
mod steps;
pub(crate) mod timing;
mod waits;

pub(crate) use runner::{RunnerHandle, TaskRunner};
pub use steps::steps;
pub use timing::Timing;

#[cfg(test)]
mod tests;
