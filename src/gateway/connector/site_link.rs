//! The connection point's own connections to its site: one subscription to the site's event
//! stream (client notifications for every held client, and news of its CMG), its presence (a
//! request held open while it runs, so the site sees it die), and the reports of its channels.

use super::shared::Shared;
use crate::api::wire::{ConnectionPointReport, Event, EventKinds};
use crate::domain::task::Level;
use std::sync::Arc;

/// Sleeps `delay` unless the connection point stops first; false when it stopped.
async fn pause(shared: &Shared, delay: std::time::Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        _ = shared.stopped() => false,
    }
}

/// Logs `text` unless it is what was logged last (a site that stays away is said once).
fn log_once(shared: &Shared, last: &mut Option<String>, level: Level, text: String) {
    if last.as_deref() != Some(text.as_str()) {
        shared.log.line(level, &text);
        *last = Some(text);
    }
}

/// The kinds of event the feed reads: not the rest (a log line for every management point
/// request, task progress, …), which the site would otherwise send to every connection point.
const FEED_KINDS: &str = "client_notification,service,service_deleted";

/// Follows the site's events: relays client notifications to every held client, and asks for
/// the configuration again when the CMG changes (started, stopped, instances added or gone).
pub(super) async fn feed(shared: Arc<Shared>) {
    let (min, max) = (shared.opts.backoff_min, shared.opts.backoff_max);
    let mut delay = min;
    let mut last_id = None;
    let mut logged = None;
    // A test holds FEED_KINDS to the site's names; should one ever be refused, read everything.
    let kinds = EventKinds::parse(FEED_KINDS).ok();
    loop {
        match shared.client.events_of(last_id, kinds.as_ref()).await {
            Ok(mut stream) => {
                delay = min;
                logged = None;
                // Whatever happened while the stream was down is read anew.
                shared.reconfigure.notify_one();
                while let Some(Ok(ev)) = stream.next().await {
                    if ev.id > 0 {
                        last_id = Some(ev.id);
                    }
                    match ev.event {
                        Event::ClientNotification(n) => {
                            // No held client is no error: the notification is for no one here.
                            let _ = shared.notices.send(n);
                        }
                        Event::Service(s) if shared.cmg_changed(&s) => {
                            shared.reconfigure.notify_one();
                        }
                        Event::ServiceDeleted(d) if shared.is_cmg(&d.id) => {
                            shared.reconfigure.notify_one();
                        }
                        Event::Resync => shared.reconfigure.notify_one(),
                        _ => {}
                    }
                }
                shared.log.line(
                    Level::Warning,
                    "The site's event stream ended; subscribing again",
                );
            }
            Err(e) => log_once(
                &shared,
                &mut logged,
                Level::Warning,
                format!("Cannot subscribe to the site's events: {e}"),
            ),
        }
        if !pause(&shared, delay).await {
            return;
        }
        delay = (delay * 2).min(max);
    }
}

/// Holds the connection point's presence at the site for as long as it runs; each time it is
/// (re)opened, the whole report is sent again (the site may have marked the channels
/// Disconnected while it was closed).
pub(super) async fn presence(shared: Arc<Shared>) {
    let (min, max) = (shared.opts.backoff_min, shared.opts.backoff_max);
    let mut delay = min;
    let mut logged = None;
    loop {
        match shared.client.presence(&shared.id).await {
            Ok(held) => {
                delay = min;
                logged = None;
                shared.report_all();
                let why = held.ended().await;
                shared.log.line(
                    Level::Warning,
                    &format!(
                        "The site ended this connection point's presence ({why}); opening it again"
                    ),
                );
            }
            Err(e) => log_once(
                &shared,
                &mut logged,
                Level::Warning,
                format!("Cannot open this connection point's presence at the site: {e}"),
            ),
        }
        if !pause(&shared, delay).await {
            return;
        }
        delay = (delay * 2).min(max);
    }
}

/// Sends the channels to the site whenever they change (the whole picture each time), retrying
/// while the site cannot be reached.
pub(super) async fn reporter(shared: Arc<Shared>) {
    let (min, max) = (shared.opts.backoff_min, shared.opts.backoff_max);
    let mut sent = None;
    let mut logged = None;
    loop {
        tokio::select! {
            _ = shared.changed.notified() => {}
            _ = shared.stopped() => return,
        }
        let mut delay = min;
        loop {
            let channels = shared.channels();
            if !shared.take_report_all() && sent.as_ref() == Some(&channels) {
                break;
            }
            let report = ConnectionPointReport {
                channels: channels.clone(),
            };
            match shared.client.report_channels(&shared.id, &report).await {
                Ok(_) => {
                    sent = Some(channels);
                    logged = None;
                    break;
                }
                Err(e) => {
                    log_once(
                        &shared,
                        &mut logged,
                        Level::Warning,
                        format!("Cannot report the channels to the site: {e}"),
                    );
                    // The next attempt sends what is current then, not what failed now.
                    shared.report_all_later();
                    if !pause(&shared, delay).await {
                        return;
                    }
                    delay = (delay * 2).min(max);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_asks_for_kinds_the_site_knows() {
        let kinds = EventKinds::parse(FEED_KINDS).expect("known kinds");
        assert_eq!(kinds.query(), FEED_KINDS);
    }
}
