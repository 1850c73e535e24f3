//! cloudsite: a terminal console and site service for the cloud services of a
//! Configuration Manager–style site (cloud distribution points, cloud management
//! gateways, the site system proxy).
//!
//! Layers (an arrow points to what a layer may use):
//! `console`/`cli` → `api` → `site` → `cloud`; every layer may use `cert` and `domain`;
//! `domain` uses nothing.

#![warn(missing_docs, unreachable_pub)]

/// Every cloudsite process allocates through mimalloc: under load, glibc's malloc made the
/// serving threads wait on each other's arena locks (README, "Content serving").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod cert;
pub mod cli;
pub mod client;
pub mod cloud;
pub mod config;
pub mod console;
pub mod content;
pub mod display;
pub mod domain;
pub mod gateway;
pub mod paths;
pub mod site;
pub mod tls;
