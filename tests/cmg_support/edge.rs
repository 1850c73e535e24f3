//! The network in front of real CMG instances: every address the cloud reports for them (the
//! public one, the TCP-TLS channel port, the HTTPS fallback port) is replaced by a tunnel that
//! counts the bytes the instance sends through it, so a test knows exactly what the CMG sent to
//! clients and to the site. The TCP-TLS port can be made unreachable instead, as behind a
//! firewall that lets only HTTPS out.

use super::instance::lock;
use cloudsite::cloud::InstanceStatus;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The tunnels in front of the instances, by the address they stand for.
#[derive(Default)]
pub struct Edge {
    tunnels: Mutex<HashMap<SocketAddr, (SocketAddr, Arc<AtomicU64>)>>,
    /// Channel ports are reported as an address nobody listens on.
    block_tcp_tls: AtomicBool,
    /// Where nobody listens (made once).
    nowhere: Mutex<Option<SocketAddr>>,
}

impl Edge {
    /// Reports the TCP-TLS channel ports as unreachable from now on.
    pub fn block_tcp_tls(&self) {
        self.block_tcp_tls.store(true, Ordering::SeqCst);
    }

    /// The tunnel standing for `real` (started on first sight).
    fn through(&self, real: SocketAddr) -> SocketAddr {
        let mut tunnels = lock(&self.tunnels);
        if let Some((addr, _)) = tunnels.get(&real) {
            return *addr;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a tunnel");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let count = crate::local_cloud_support::gateway::count_through(listener, real);
        tunnels.insert(real, (addr, count));
        addr
    }

    /// A loopback address nobody listens on.
    fn nowhere(&self) -> SocketAddr {
        *lock(&self.nowhere).get_or_insert_with(|| {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr")
        })
    }

    /// Rewrites what the cloud reports of one instance.
    pub fn rewrite(&self, inst: &mut InstanceStatus) {
        inst.address = inst.address.map(|a| self.through(a));
        inst.fallback = inst.fallback.map(|a| self.through(a));
        inst.channel = if self.block_tcp_tls.load(Ordering::SeqCst) {
            inst.channel.map(|_| self.nowhere())
        } else {
            inst.channel.map(|a| self.through(a))
        };
    }

    /// Every byte the instances sent through the tunnels.
    pub fn sent(&self) -> u64 {
        lock(&self.tunnels)
            .values()
            .map(|(_, c)| c.load(Ordering::SeqCst))
            .sum()
    }

    /// The bytes sent through the tunnel standing for `real`.
    pub fn sent_from(&self, real: SocketAddr) -> u64 {
        lock(&self.tunnels)
            .get(&real)
            .map_or(0, |(_, c)| c.load(Ordering::SeqCst))
    }
}
