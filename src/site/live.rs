//! What the site knows only while it runs: each connection point's channels as it last reported
//! them and whether it is present (holds its presence request), and each CMG's gateway figures
//! as last sampled. None of it is stored: after a restart every connection point reports again
//! and the next sample comes within seconds, so a stored copy could only ever be stale.

use crate::api::wire::{ChannelView, GatewayView};
use crate::domain::cmg::ChannelState;
use std::collections::HashMap;
use std::sync::Mutex;

/// One connection point's live state.
#[derive(Debug, Clone, Default)]
struct Point {
    channels: Vec<ChannelView>,
    /// The presence request open now, if any (a new one replaces an old one).
    session: Option<u64>,
    /// When the site last heard from it (unix milliseconds).
    updated: Option<i64>,
}

/// A connection point's state as views show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PointState {
    /// Overall state.
    pub state: ChannelState,
    /// Why not connected (or which instances are not).
    pub reason: Option<String>,
    /// Per instance.
    pub channels: Vec<ChannelView>,
    /// Last heard from (unix milliseconds).
    pub updated: Option<i64>,
}

/// The live state of the site's connection points and gateways.
#[derive(Default)]
pub(crate) struct Live {
    points: Mutex<HashMap<String, Point>>,
    gateways: Mutex<HashMap<String, GatewayView>>,
    sessions: std::sync::atomic::AtomicU64,
}

/// A connection point's overall state and the reason to show, from its channels.
fn summary(channels: &[ChannelView]) -> (ChannelState, Option<String>) {
    let state = ChannelState::overall(channels.iter().map(|c| c.state));
    let reason = match state {
        ChannelState::Connected => {
            let down: Vec<&ChannelView> = channels
                .iter()
                .filter(|c| c.state != ChannelState::Connected)
                .collect();
            (!down.is_empty()).then(|| {
                let names: Vec<&str> = down.iter().map(|c| c.instance.as_str()).collect();
                format!("not connected to {}", names.join(", "))
            })
        }
        ChannelState::Error => channels
            .iter()
            .find(|c| c.state == ChannelState::Error)
            .map(|c| {
                format!(
                    "{}: {}",
                    c.instance,
                    c.reason.as_deref().unwrap_or("refused")
                )
            }),
        ChannelState::Disconnected => match channels
            .iter()
            .find_map(|c| c.reason.as_deref().map(|r| format!("{}: {r}", c.instance)))
        {
            Some(r) => Some(r),
            None if channels.is_empty() => Some("has not reported yet".into()),
            None => None,
        },
    };
    (state, reason)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves maps that are still maps.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Live {
    /// Connection point `id` as views show it (Disconnected, "has not reported yet" when the
    /// site never heard from it since it started).
    pub(crate) fn point(&self, id: &str) -> PointState {
        let points = lock(&self.points);
        let p = points.get(id).cloned().unwrap_or_default();
        let (state, reason) = summary(&p.channels);
        PointState {
            state,
            reason,
            channels: p.channels,
            updated: p.updated,
        }
    }

    /// Replaces connection point `id`'s channels with a report; answers the state before and
    /// after.
    pub(crate) fn report(
        &self,
        id: &str,
        channels: Vec<ChannelView>,
        now: i64,
    ) -> (PointState, PointState) {
        let before = self.point(id);
        {
            let mut points = lock(&self.points);
            let p = points.entry(id.to_string()).or_default();
            p.channels = channels;
            p.updated = Some(now);
        }
        (before, self.point(id))
    }

    /// Connection point `id` opened its presence request: the new session's number.
    pub(crate) fn present(&self, id: &str, now: i64) -> u64 {
        let session = 1 + self
            .sessions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut points = lock(&self.points);
        let p = points.entry(id.to_string()).or_default();
        p.session = Some(session);
        p.updated = Some(now);
        session
    }

    /// Presence `session` of connection point `id` ended. If it is still the current one, the
    /// connection point is gone: every channel is Disconnected with `why`. Answers the states
    /// before and after, or none when a newer session had already replaced this one.
    pub(crate) fn absent(
        &self,
        id: &str,
        session: u64,
        why: &str,
        now: i64,
    ) -> Option<(PointState, PointState)> {
        let before = self.point(id);
        {
            let mut points = lock(&self.points);
            let p = points.get_mut(id)?;
            if p.session != Some(session) {
                return None;
            }
            p.session = None;
            p.updated = Some(now);
            for c in &mut p.channels {
                c.state = ChannelState::Disconnected;
                c.reason = Some(why.to_string());
            }
        }
        Some((before, self.point(id)))
    }

    /// Forgets connection point `id` (its CMG was deleted).
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.points).remove(id);
    }

    /// CMG `cmg_id`'s gateway as last sampled.
    pub(crate) fn gateway(&self, cmg_id: &str) -> Option<GatewayView> {
        lock(&self.gateways).get(cmg_id).cloned()
    }

    /// Records a sample (none: the CMG has no gateway now); answers whether the figures changed
    /// (the sampling time alone is no change).
    pub(crate) fn set_gateway(&self, cmg_id: &str, view: Option<GatewayView>) -> bool {
        let mut gateways = lock(&self.gateways);
        let same = |a: &GatewayView, b: &GatewayView| {
            GatewayView {
                sampled: String::new(),
                ..a.clone()
            } == GatewayView {
                sampled: String::new(),
                ..b.clone()
            }
        };
        match view {
            Some(v) => {
                let changed = gateways.get(cmg_id).is_none_or(|old| !same(old, &v));
                gateways.insert(cmg_id.to_string(), v);
                changed
            }
            None => gateways.remove(cmg_id).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cmg::Transport;

    fn channel(instance: &str, state: ChannelState, reason: Option<&str>) -> ChannelView {
        ChannelView {
            instance: instance.into(),
            state,
            transport: Some(Transport::TcpTls),
            via_proxy: false,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn a_presence_that_ends_disconnects_unless_a_newer_one_replaced_it() {
        let live = Live::default();
        assert_eq!(live.point("cp").state, ChannelState::Disconnected);
        let old = live.present("cp", 1);
        let (_, after) = live.report(
            "cp",
            vec![channel("CMG_IN_0", ChannelState::Connected, None)],
            2,
        );
        assert_eq!(after.state, ChannelState::Connected);
        let new = live.present("cp", 3);
        assert!(
            live.absent("cp", old, "gone", 4).is_none(),
            "a stale session"
        );
        assert_eq!(live.point("cp").state, ChannelState::Connected);
        let (before, after) = live.absent("cp", new, "it stopped", 5).expect("current");
        assert_eq!(
            (before.state, after.state),
            (ChannelState::Connected, ChannelState::Disconnected)
        );
        assert_eq!(after.reason.as_deref(), Some("CMG_IN_0: it stopped"));
    }

    #[test]
    fn reasons_name_the_instances() {
        let live = Live::default();
        let (_, s) = live.report(
            "cp",
            vec![
                channel("CMG_IN_0", ChannelState::Connected, None),
                channel("CMG_IN_1", ChannelState::Disconnected, Some("refused")),
            ],
            1,
        );
        assert_eq!(s.state, ChannelState::Connected);
        assert_eq!(s.reason.as_deref(), Some("not connected to CMG_IN_1"));
        let (_, s) = live.report(
            "cp",
            vec![channel("CMG_IN_0", ChannelState::Error, Some("pin"))],
            2,
        );
        assert_eq!(
            (s.state, s.reason.as_deref()),
            (ChannelState::Error, Some("CMG_IN_0: pin"))
        );
    }
}
