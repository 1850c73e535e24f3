//! Events between replicas, over PostgreSQL's LISTEN/NOTIFY: every event a replica publishes
//! is also sent on one channel, and every replica republishes what the others send, so a
//! console attached to any replica sees every change live.
//!
//! A notification carries at most 8000 bytes: a larger event goes as a `resync` marker, and
//! the consoles of the other replicas re-read everything. A replica whose listening session
//! breaks publishes `resync` to its own consoles for the same reason, then listens again.

use super::lease::connect;
use crate::api::wire::Event;
use crate::site::events::EventBus;
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// The notification channel.
const CHANNEL: &str = "cloudsite_events";
/// The most a notification payload may hold (PostgreSQL's limit is 8000 bytes).
const MAX_PAYLOAD: usize = 7900;
/// How long a broken session waits before it connects again, and how often the listener
/// looks at whether it should stop.
const PAUSE: Duration = Duration::from_secs(1);

/// One event on the channel, with the replica that published it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    /// `None`: the event was too large to carry; re-read everything.
    event: Option<Event>,
}

/// The two threads of the relay: one sends this replica's events, one listens to the others'.
pub(crate) struct Relay {
    bus: Arc<EventBus>,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// Relays the events of `bus` for the replica `origin` through the database at `url`.
    pub(crate) fn start(url: &str, origin: &str, bus: Arc<EventBus>) -> std::io::Result<Relay> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        bus.relay_to(tx);
        let sender = {
            let (url, origin) = (url.to_string(), origin.to_string());
            std::thread::Builder::new()
                .name("cloudsite-relay-out".into())
                .spawn(move || send(&url, &origin, &rx))?
        };
        let listener = {
            let (url, origin, bus, stop) = (
                url.to_string(),
                origin.to_string(),
                Arc::clone(&bus),
                Arc::clone(&stop),
            );
            std::thread::Builder::new()
                .name("cloudsite-relay-in".into())
                .spawn(move || listen(&url, &origin, &bus, &stop))?
        };
        Ok(Relay {
            bus,
            stop,
            threads: vec![sender, listener],
        })
    }

    /// Stops relaying and waits for both threads.
    pub(crate) fn stop(mut self) {
        self.end();
    }

    fn end(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Dropping the bus's sender ends the sending thread.
        self.bus.stop_relay();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.end();
    }
}

/// The payload of `event` from `origin`: the event, or the resync marker if it is too large.
fn payload(origin: &str, event: Event) -> String {
    let whole = Envelope {
        origin: origin.to_string(),
        event: Some(event),
    };
    match serde_json::to_string(&whole) {
        Ok(text) if text.len() <= MAX_PAYLOAD => text,
        _ => serde_json::to_string(&Envelope {
            origin: origin.to_string(),
            event: None,
        })
        .unwrap_or_default(),
    }
}

fn send(url: &str, origin: &str, events: &mpsc::Receiver<Event>) {
    let mut client: Option<postgres::Client> = None;
    while let Ok(event) = events.recv() {
        let text = payload(origin, event);
        for _ in 0..2 {
            let session = match client.as_mut() {
                Some(c) => c,
                None => match connect(url) {
                    Ok(c) => client.insert(c),
                    Err(e) => {
                        tracing::warn!(target: "cloudsite::site", "event relay: {e}");
                        std::thread::sleep(PAUSE);
                        continue;
                    }
                },
            };
            match session.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &text]) {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(target: "cloudsite::site", "event relay: {e}");
                    client = None;
                }
            }
        }
    }
}

fn listen(url: &str, origin: &str, bus: &EventBus, stop: &AtomicBool) {
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        let mut client = match connect(url).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {CHANNEL}"))
                .map_err(|e| e.to_string())?;
            Ok(c)
        }) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(target: "cloudsite::site", "event relay: {e}");
                std::thread::sleep(PAUSE);
                continue;
            }
        };
        if !first {
            // Events may have gone by while the session was down.
            bus.publish_from_peer(Event::Resync);
        }
        first = false;
        'session: while !stop.load(Ordering::SeqCst) {
            if client.is_closed() {
                break;
            }
            let mut notes = client.notifications();
            let mut iter = notes.timeout_iter(PAUSE);
            loop {
                match iter.next() {
                    Ok(None) => break,
                    Ok(Some(note)) => {
                        let Ok(env) = serde_json::from_str::<Envelope>(note.payload()) else {
                            continue;
                        };
                        if env.origin != origin {
                            bus.publish_from_peer(env.event.unwrap_or(Event::Resync));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(target: "cloudsite::site", "event relay: {e}");
                        break 'session;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_too_large_for_a_notification_goes_as_resync() {
        let small = payload("a", Event::Resync);
        assert!(small.contains("\"event\""), "{small}");
        let big = Event::Log(crate::api::wire::LogLineView {
            file: "CloudMgr.log".into(),
            time: "2026-12-04T00:00:00.000Z".into(),
            component: "x".into(),
            level: crate::domain::task::Level::Info,
            message: "é".repeat(5000),
        });
        let text = payload("a", big);
        let env: Envelope = serde_json::from_str(&text).expect("an envelope");
        assert_eq!((env.origin.as_str(), env.event), ("a", None));
    }
}
