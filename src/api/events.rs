//! The client side of the held routes: `GET /v1/events` (Server-Sent Events of
//! [`EventView`]s), a client's notification channel, and a connection point's presence.

use super::error::ClientError;
use super::wire::{ClientNotificationView, Event, EventView};

/// Reads the `data:` of each Server-Sent Event of a streaming answer (comments and keep-alives
/// are skipped).
struct SseReader {
    resp: reqwest::Response,
    buf: String,
}

impl SseReader {
    /// The next event's data; `None` when the site closed the stream.
    async fn next(&mut self) -> Option<Result<String, ClientError>> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.trim_start())
                    .collect::<Vec<_>>()
                    .join("\n");
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return Some(Ok(data));
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) => return None,
                Err(e) => {
                    return Some(Err(ClientError::Transport {
                        url: String::new(),
                        message: e.to_string(),
                    }));
                }
            }
        }
    }
}

/// A Server-Sent Events stream of [`EventView`]s.
pub struct EventStream(SseReader);

impl EventStream {
    /// Reads events from an answer to `GET /v1/events`.
    pub(super) fn new(resp: reqwest::Response) -> EventStream {
        EventStream(SseReader {
            resp,
            buf: String::new(),
        })
    }

    /// The next event; `None` when the site closed the stream.
    pub async fn next(&mut self) -> Option<Result<EventView, ClientError>> {
        Some(self.0.next().await?.and_then(|data| parse_event(&data)))
    }
}

/// A client's notification channel: the messages pushed to every client, as they come.
pub struct NotificationStream(SseReader);

impl NotificationStream {
    /// Reads notifications from an answer to `GET /v1/mp/notifications`.
    pub(super) fn new(resp: reqwest::Response) -> NotificationStream {
        NotificationStream(SseReader {
            resp,
            buf: String::new(),
        })
    }

    /// The next notification; `None` when the channel closed.
    pub async fn next(&mut self) -> Option<Result<ClientNotificationView, ClientError>> {
        Some(self.0.next().await?.and_then(|data| {
            serde_json::from_str(&data).map_err(|e| ClientError::Transport {
                url: String::new(),
                message: format!("bad notification: {e}"),
            })
        }))
    }
}

/// A held request the site keeps open for as long as the caller lives (a connection point's
/// presence): it only ends.
pub struct Held(SseReader);

impl Held {
    /// Holds an answer to a presence request.
    pub(super) fn new(resp: reqwest::Response) -> Held {
        Held(SseReader {
            resp,
            buf: String::new(),
        })
    }

    /// Waits until the site ends the request (or the connection breaks); says why.
    pub async fn ended(mut self) -> String {
        loop {
            match self.0.next().await {
                None => return "the site closed it".into(),
                Some(Err(e)) => return e.to_string(),
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Reads the `data:` of one event. A kind this client does not know (a newer site) or an object
/// it cannot read becomes `resync`: the caller's picture may now be stale, so it must read
/// everything again, rather than skip the event silently or drop the stream.
pub(super) fn parse_event(data: &str) -> Result<EventView, ClientError> {
    match serde_json::from_str::<EventView>(data) {
        Ok(ev) => Ok(ev),
        Err(_) => match serde_json::from_str::<serde_json::Value>(data) {
            Ok(v) => Ok(EventView {
                id: v["id"].as_u64().unwrap_or(0),
                event: Event::Resync,
            }),
            Err(e) => Err(ClientError::Transport {
                url: String::new(),
                message: format!("bad event: {e}"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_one_wire_shape_and_unknown_ones_ask_for_a_resync() {
        let ev = EventView {
            id: 7,
            event: Event::PackageDeleted(crate::api::wire::PackageDeleted { id: "P1".into() }),
        };
        let text = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            text,
            r#"{"id":7,"kind":"package_deleted","data":{"id":"P1"}}"#
        );
        assert_eq!(parse_event(&text).unwrap(), ev);
        let resync = serde_json::to_value(EventView {
            id: 0,
            event: Event::Resync,
        })
        .unwrap();
        assert_eq!(resync, serde_json::json!({"id": 0, "kind": "resync"}));
        let null_data = parse_event(r#"{"id":3,"kind":"resync","data":null}"#).unwrap();
        assert_eq!(null_data.event, Event::Resync);
        // A newer site's event, and a known kind whose object this client cannot read.
        let newer = parse_event(r#"{"id":9,"kind":"hologram","data":{}}"#).unwrap();
        assert_eq!((newer.id, newer.event), (9, Event::Resync));
        let broken = parse_event(r#"{"id":10,"kind":"task","data":{"id":1}}"#).unwrap();
        assert_eq!((broken.id, broken.event), (10, Event::Resync));
        assert!(parse_event("not json").is_err());
    }
}
