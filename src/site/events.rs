//! The event bus behind `GET /v1/events`: every change is published with an increasing id; a
//! bounded backlog lets a reconnecting client resume from `Last-Event-ID`.

use crate::api::wire::{Event, EventView};
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// Events kept for clients that reconnect.
const BACKLOG: usize = 4096;

/// Publishes events to every subscriber.
pub struct EventBus {
    tx: broadcast::Sender<EventView>,
    inner: Mutex<Inner>,
    closed: tokio::sync::watch::Sender<bool>,
    /// Where this replica's events also go, for the other replicas (`site::replica::relay`).
    relay: Mutex<Option<std::sync::mpsc::Sender<Event>>>,
}

struct Inner {
    next_id: u64,
    backlog: VecDeque<EventView>,
}

/// What a subscriber gets: the events it missed (or a `resync` marker) and the live stream.
pub struct Subscription {
    /// Events after the client's last id, oldest first. A single `resync` event when the id is
    /// older than the backlog (the client must re-read everything).
    pub missed: Vec<EventView>,
    /// Live events.
    pub live: broadcast::Receiver<EventView>,
}

impl EventBus {
    /// A bus whose ids start after `first_id` (ids from a previous run then read as too old).
    pub fn new(first_id: u64) -> Self {
        let (tx, _) = broadcast::channel(1024);
        let (closed, _) = tokio::sync::watch::channel(false);
        EventBus {
            tx,
            inner: Mutex::new(Inner {
                next_id: first_id + 1,
                backlog: VecDeque::new(),
            }),
            closed,
            relay: Mutex::new(None),
        }
    }

    /// Sends every event published from now on to `relay` as well.
    pub(crate) fn relay_to(&self, relay: std::sync::mpsc::Sender<Event>) {
        *self.relay.lock().unwrap_or_else(|p| p.into_inner()) = Some(relay);
    }

    /// Stops sending events to the relay.
    pub(crate) fn stop_relay(&self) {
        self.relay.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Publishes an event another replica published (not relayed back); returns its id here.
    pub(crate) fn publish_from_peer(&self, event: Event) -> u64 {
        self.append(event)
    }

    /// Ends every open stream (the service is stopping): clients see the end and reconnect.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Resolves once [`EventBus::close`] has been called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut rx = self.closed.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// Publishes an event (to the other replicas too, when relayed); returns its id.
    pub fn publish(&self, event: Event) -> u64 {
        if !matches!(event, Event::Resync)
            && let Some(relay) = self
                .relay
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
        {
            let _ = relay.send(event.clone());
        }
        self.append(event)
    }

    fn append(&self, event: Event) -> u64 {
        // The lock orders ids, backlog and broadcast identically for every subscriber.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let id = inner.next_id;
        inner.next_id += 1;
        let event = EventView { id, event };
        inner.backlog.push_back(event.clone());
        if inner.backlog.len() > BACKLOG {
            inner.backlog.pop_front();
        }
        let _ = self.tx.send(event);
        id
    }

    /// Subscribes; `last_id` is the client's `Last-Event-ID`, if any.
    pub fn subscribe(&self, last_id: Option<u64>) -> Subscription {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let live = self.tx.subscribe();
        let missed = match last_id {
            None => Vec::new(),
            Some(last) => {
                let oldest = inner.backlog.front().map(|e| e.id).unwrap_or(inner.next_id);
                if last + 1 >= oldest && last < inner.next_id {
                    inner
                        .backlog
                        .iter()
                        .filter(|e| e.id > last)
                        .cloned()
                        .collect()
                } else {
                    vec![EventView {
                        id: inner.next_id - 1,
                        event: Event::Resync,
                    }]
                }
            }
        };
        Subscription { missed, live }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_gets_what_was_missed_and_old_ids_get_resync() {
        let bus = EventBus::new(1000);
        let a = bus.publish(Event::Resync);
        let b = bus.publish(Event::Resync);
        let sub = bus.subscribe(Some(a));
        assert_eq!(sub.missed.iter().map(|e| e.id).collect::<Vec<_>>(), vec![b]);
        assert!(bus.subscribe(Some(b)).missed.is_empty());
        assert_eq!(bus.subscribe(Some(5)).missed[0].event, Event::Resync);
        assert_eq!(bus.subscribe(Some(b + 10)).missed[0].event, Event::Resync);
        assert!(bus.subscribe(None).missed.is_empty());
    }

    #[tokio::test]
    async fn live_events_reach_subscribers() {
        let bus = EventBus::new(0);
        let mut sub = bus.subscribe(None);
        bus.publish(Event::PackageDeleted(crate::api::wire::PackageDeleted {
            id: "x".into(),
        }));
        let e = sub.live.recv().await.unwrap();
        assert_eq!((e.id, e.event.name()), (1, "package_deleted"));
    }
}
