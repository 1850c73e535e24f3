//! The client side of `GET /v1/events`: a Server-Sent Events reader.

use super::error::ClientError;
use super::wire::{Event, EventView};

/// A Server-Sent Events stream of [`EventView`]s.
pub struct EventStream {
    resp: reqwest::Response,
    buf: String,
}

impl EventStream {
    /// Reads events from an answer to `GET /v1/events`.
    pub(super) fn new(resp: reqwest::Response) -> EventStream {
        EventStream {
            resp,
            buf: String::new(),
        }
    }

    /// The next event; `None` when the site closed the stream.
    pub async fn next(&mut self) -> Option<Result<EventView, ClientError>> {
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
                return Some(parse_event(&data));
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
