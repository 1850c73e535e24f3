//! The client side of the held routes: `GET /v1/events` (Server-Sent Events of
//! [`EventView`]s), a client's notification channel, and a connection point's presence.

use super::error::ClientError;
use super::sse::{SseDecoder, SseMessage};
use super::wire::{AnalyzerEvent, ClientNotificationView, Event, EventView};
use std::collections::VecDeque;
use std::time::Duration;

/// How long a stream may stay silent before the link counts as dead: three of the site's
/// keep-alive periods (it sends one every 15 s unless it says otherwise).
pub(super) const DEFAULT_IDLE: Duration = Duration::from_secs(45);

/// The response header in which the site announces its keep-alive period, in milliseconds.
pub const KEEP_ALIVE_HEADER: &str = "x-keep-alive-ms";

/// Reads the events of a streaming answer, and says when the link went silent for longer than
/// the keep-alives the site announced allow.
struct SseReader {
    resp: reqwest::Response,
    decoder: SseDecoder,
    ready: VecDeque<SseMessage>,
    idle: Option<Duration>,
    url: String,
}

impl SseReader {
    /// Reads `resp`; silence counts as a dead link after three of the keep-alive periods the
    /// answer announced, else after `default` (none: silence is never an error).
    fn new(resp: reqwest::Response, url: &str, default: Option<Duration>) -> SseReader {
        let idle = resp
            .headers()
            .get(KEEP_ALIVE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(|ms| Duration::from_millis(ms.saturating_mul(3).max(1)))
            .or(default);
        SseReader {
            resp,
            decoder: SseDecoder::default(),
            ready: VecDeque::new(),
            idle,
            url: url.to_string(),
        }
    }

    /// The next event; `None` when the site closed the stream.
    async fn next(&mut self) -> Option<Result<SseMessage, ClientError>> {
        loop {
            if let Some(m) = self.ready.pop_front() {
                return Some(Ok(m));
            }
            let chunk = match self.idle {
                Some(idle) => tokio::time::timeout(idle, self.resp.chunk()).await,
                None => Ok(self.resp.chunk().await),
            };
            match chunk {
                Ok(Ok(Some(bytes))) => self.ready.extend(self.decoder.push(&bytes)),
                Ok(Ok(None)) => return None,
                Ok(Err(e)) => return Some(Err(ClientError::transport(&self.url, &e))),
                Err(_) => {
                    return Some(Err(ClientError::Transport {
                        url: self.url.clone(),
                        message: format!(
                            "no event or keep-alive for {} s: the link is down",
                            self.idle.unwrap_or_default().as_secs_f32()
                        ),
                    }));
                }
            }
        }
    }
}

/// A Server-Sent Events stream of [`EventView`]s.
pub struct EventStream(SseReader);

impl EventStream {
    /// Reads events from an answer to `GET /v1/events`; the link counts as dead after three
    /// of the keep-alive periods the site announced (or [`DEFAULT_IDLE`]) without a byte.
    pub(super) fn new(resp: reqwest::Response, url: &str) -> EventStream {
        EventStream(SseReader::new(resp, url, Some(DEFAULT_IDLE)))
    }

    /// How long the stream may be silent before [`EventStream::next`] reports the link down.
    pub fn idle_timeout(&self) -> Duration {
        self.0.idle.unwrap_or(DEFAULT_IDLE)
    }

    /// The next event; `None` when the site closed the stream; an error when the link broke
    /// or went silent for longer than [`EventStream::idle_timeout`] (a dropped link — laptop
    /// sleep, an SSH hop, a NAT that forgot the flow — sends no FIN, only silence).
    pub async fn next(&mut self) -> Option<Result<EventView, ClientError>> {
        Some(self.0.next().await?.and_then(|m| parse_event(&m.data)))
    }
}

/// A client's notification channel: the messages pushed to every client, as they come.
pub struct NotificationStream(SseReader);

impl NotificationStream {
    /// Reads notifications from an answer to `GET /v1/mp/notifications` (a connection point
    /// may send keep-alives rarely: silence is a dead link only when the answer says so).
    pub(super) fn new(resp: reqwest::Response, url: &str) -> NotificationStream {
        NotificationStream(SseReader::new(resp, url, None))
    }

    /// The next notification; `None` when the channel closed.
    pub async fn next(&mut self) -> Option<Result<ClientNotificationView, ClientError>> {
        Some(self.0.next().await?.and_then(|m| {
            serde_json::from_str(&m.data).map_err(|e| ClientError::Transport {
                url: String::new(),
                message: format!("bad notification: {e}"),
            })
        }))
    }
}

/// The events of a connection analyzer run, as the site streams them.
pub struct AnalyzerStream(SseReader);

impl AnalyzerStream {
    /// Reads an answer to `POST /v1/cmgs/{id}/analyze` (keep-alives as the answer announces).
    pub(super) fn new(resp: reqwest::Response, url: &str) -> AnalyzerStream {
        AnalyzerStream(SseReader::new(resp, url, Some(DEFAULT_IDLE)))
    }

    /// The next event; `None` when the analysis ended.
    pub async fn next(&mut self) -> Option<Result<AnalyzerEvent, ClientError>> {
        Some(self.0.next().await?.and_then(|m| {
            serde_json::from_str(&m.data).map_err(|e| ClientError::Transport {
                url: String::new(),
                message: format!("bad analyzer event: {e}"),
            })
        }))
    }
}

/// A held request the site keeps open for as long as the caller lives (a connection point's
/// presence): it only ends.
pub struct Held(SseReader);

impl Held {
    /// Holds an answer to a presence request.
    pub(super) fn new(resp: reqwest::Response, url: &str) -> Held {
        Held(SseReader::new(resp, url, None))
    }

    /// Waits until the site ends the request, the connection breaks, or it goes silent past
    /// its keep-alives; says why.
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
