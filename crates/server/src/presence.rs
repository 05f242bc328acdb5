//! Whether a shop's staff are at their console, across every node, and what
//! buyers are told about when the shop answers.
//!
//! Each staff socket keeps a row in `staff_presence` (online, or away once its
//! console says it is idle), refreshed every [`BEAT`] by its node and deleted
//! when it closes. A row not refreshed for [`GONE_AFTER_MS`] belongs to a node
//! that stopped: it counts as offline, and any node's sweeper deletes it and
//! tells the shop's buyers. Every change is published to the shop (all nodes)
//! as `ServerFrame::Availability`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use talkshop_protocol::presence::{BusinessHours, ShopAvailability, StaffPresence};
use talkshop_protocol::{ApiError, Sender, ServerFrame};
use tokio::sync::Mutex;

use crate::auth::{Role, Viewer};
use crate::clock;
use crate::error::AppResult;
use crate::hub::Audience;
use crate::state::AppState;
use crate::storage::PresenceBeat;

/// How often a node refreshes its staff sockets' rows.
pub const BEAT: Duration = Duration::from_secs(15);
/// A row older than two beats (and some slack) belongs to a node that stopped.
pub const GONE_AFTER_MS: i64 = 2 * 15_000 + 5_000;
/// First replies measured over this long.
const REPLY_WINDOW_MS: i64 = 30 * 24 * 3_600_000;
/// Messages read at most to measure them (the newest).
const REPLY_SAMPLE: i64 = 5_000;
/// A shop's typical reply time is measured again after this long.
const REPLY_CACHE: Duration = Duration::from_secs(300);

/// A shop's measured typical reply time and when it was measured.
type MeasuredReplies = HashMap<String, (Instant, Option<i64>)>;

/// This node's part in presence: its id in `staff_presence` and the shops'
/// typical reply times it measured recently.
#[derive(Clone)]
pub struct Presence {
    node: Arc<str>,
    /// Held while measuring, so that many buyers connecting at once measure once.
    replies: Arc<Mutex<MeasuredReplies>>,
}

impl Default for Presence {
    fn default() -> Presence {
        Presence { node: uuid::Uuid::new_v4().to_string().into(), replies: Default::default() }
    }
}

impl Presence {
    /// Median seconds to the staff's first reply over the last 30 days.
    async fn typical_reply_secs(&self, state: &AppState, shop_id: &str, now: i64) -> AppResult<Option<i64>> {
        let mut cache = self.replies.lock().await;
        if let Some((_, secs)) = cache.get(shop_id).filter(|(at, _)| at.elapsed() < REPLY_CACHE) {
            return Ok(*secs);
        }
        let messages = state.storage.shop_message_times(shop_id, now - REPLY_WINDOW_MS, REPLY_SAMPLE).await?;
        let secs = median(first_reply_delays(messages)).map(|ms| ms / 1000);
        cache.insert(shop_id.to_owned(), (Instant::now(), secs));
        Ok(secs)
    }

    /// Forgets the measured reply times (tests).
    pub async fn forget_reply_times(&self) {
        self.replies.lock().await.clear();
    }
}

/// A staff socket's place in its shop's presence.
pub struct StaffSocket {
    id: String,
    shop_id: String,
    staff_id: String,
    state: StaffPresence,
    written: Instant,
}

impl StaffSocket {
    /// A staff socket joins as online and the shop's buyers are told;
    /// `None` for buyers' sockets.
    pub async fn join(state: &AppState, viewer: &Viewer) -> Option<StaffSocket> {
        if viewer.claims.role != Role::Staff {
            return None;
        }
        let mut socket = StaffSocket {
            id: uuid::Uuid::new_v4().to_string(),
            shop_id: viewer.claims.shop.clone(),
            staff_id: viewer.claims.sub.clone(),
            state: StaffPresence::Online,
            written: Instant::now(),
        };
        socket.write(state).await;
        announce(state, &socket.shop_id).await;
        Some(socket)
    }

    /// The console said its person went idle or came back.
    pub async fn activity(&mut self, state: &AppState, idle: bool) {
        let now = if idle { StaffPresence::Away } else { StaffPresence::Online };
        if now != self.state {
            self.state = now;
            self.write(state).await;
            announce(state, &self.shop_id).await;
        }
    }

    /// Refreshes the row once a beat (called on every socket heartbeat).
    pub async fn tick(&mut self, state: &AppState) {
        if self.written.elapsed() >= BEAT {
            self.write(state).await;
        }
    }

    pub async fn leave(self, state: &AppState) {
        if let Err(err) = state.storage.drop_presence(&self.id).await {
            tracing::warn!(error = %err, "staff presence not removed; it expires by itself");
        }
        announce(state, &self.shop_id).await;
    }

    async fn write(&mut self, state: &AppState) {
        let beat = PresenceBeat {
            socket_id: &self.id,
            node: &state.presence.node,
            shop_id: &self.shop_id,
            staff_id: &self.staff_id,
            state: self.state,
            now: clock::now_millis(),
        };
        match state.storage.beat_presence(&beat).await {
            Ok(()) => self.written = Instant::now(),
            Err(err) => tracing::warn!(error = %err, "staff presence not refreshed"),
        }
    }
}

/// Whether and when the shop answers, right now.
pub async fn availability(state: &AppState, shop_id: &str) -> AppResult<ShopAvailability> {
    let shop = crate::shops::load(state, shop_id).await?;
    let now = clock::now_millis();
    let staff = state.storage.shop_presence(shop_id, now - GONE_AFTER_MS).await?;
    let hours = match &shop.settings.business_hours {
        Some(hours) => open_at(hours, now).unwrap_or_else(|err| {
            tracing::warn!(error = %err, shop = shop_id, "business hours unreadable; the shop counts as open");
            Hours::ALWAYS
        }),
        None => Hours::ALWAYS,
    };
    Ok(ShopAvailability {
        staff,
        open: hours.open,
        back_at: hours.back_at,
        closes_at: hours.closes_at,
        typical_reply_secs: state.presence.typical_reply_secs(state, shop_id, now).await?,
        away_message: shop.settings.away_message.clone(),
    })
}

/// Tells everyone connected to the shop, on every node, how it answers now.
pub async fn announce(state: &AppState, shop_id: &str) {
    match availability(state, shop_id).await {
        Ok(availability) => {
            let frame = ServerFrame::Availability { availability };
            crate::catalog_changes::publish(state, Audience::Shop { shop_id: shop_id.to_owned() }, frame).await;
        }
        Err(err) => tracing::warn!(error = %err, shop = shop_id, "availability not announced"),
    }
}

/// Every beat, deletes the rows of nodes that stopped and tells their shops.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut stop = state.shutdown.clone();
        let mut tick = tokio::time::interval(BEAT);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match state.storage.sweep_presence(clock::now_millis() - GONE_AFTER_MS).await {
                        Ok(shops) => for shop in shops {
                            announce(&state, &shop).await;
                        },
                        Err(err) => tracing::warn!(error = %err, "presence sweep failed"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
}

/// A time zone the server knows, else an error naming the field.
pub fn check_time_zone(hours: &BusinessHours) -> Result<(), ApiError> {
    TimeZone::get(&hours.time_zone).map(|_| ()).map_err(|_| {
        ApiError::invalid(
            "business_hours.time_zone",
            format!("{:?} is not a time zone; use a name like America/Sao_Paulo", hours.time_zone),
        )
    })
}

/// Where `now` falls in a shop's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub open: bool,
    /// While closed: when it opens next (within a week; `None` when the schedule has no opening).
    pub back_at: Option<i64>,
    /// While open: when this opening ends.
    pub closes_at: Option<i64>,
}

impl Hours {
    pub const ALWAYS: Hours = Hours { open: true, back_at: None, closes_at: None };
}

/// Whether the shop is open at `now` (Unix ms), until when, or when it opens next.
pub fn open_at(hours: &BusinessHours, now: i64) -> Result<Hours, jiff::Error> {
    let tz = TimeZone::get(&hours.time_zone)?;
    let now = Timestamp::from_millisecond(now)?;
    let mut date = now.to_zoned_datetime(tz.clone()).date();
    for _ in 0..8 {
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        let mut next = None;
        for range in hours.days.get(weekday).into_iter().flatten() {
            let Some((open, close)) = range.minutes() else { continue };
            let (start, end) = (instant(date, open, &tz)?, instant(date, close, &tz)?);
            if start <= now && now < end {
                return Ok(Hours { open: true, back_at: None, closes_at: Some(end.as_millisecond()) });
            }
            if start > now && next.is_none() {
                next = Some(start.as_millisecond());
            }
        }
        if next.is_some() {
            return Ok(Hours { open: false, back_at: next, closes_at: None });
        }
        date = date.tomorrow()?;
    }
    Ok(Hours { open: false, back_at: None, closes_at: None })
}

/// `minute` minutes after midnight of `date` in `tz` (24:00 is the next midnight).
fn instant(date: Date, minute: u32, tz: &TimeZone) -> Result<Timestamp, jiff::Error> {
    let datetime = if minute >= 24 * 60 {
        date.tomorrow()?.at(0, 0, 0, 0)
    } else {
        date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
    };
    Ok(datetime.to_zoned_datetime(tz.clone())?.timestamp())
}

/// For each buyer message that waited for the shop, the milliseconds until
/// the staff's first reply. Messages: (conversation, sender, time), any order.
pub fn first_reply_delays(mut messages: Vec<(String, Sender, i64)>) -> Vec<i64> {
    messages.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    let mut delays = Vec::new();
    let mut waiting: Option<(&str, i64)> = None;
    for (conversation, sender, at) in &messages {
        if waiting.is_some_and(|(c, _)| c != conversation) {
            waiting = None;
        }
        match sender {
            Sender::Buyer if waiting.is_none() => waiting = Some((conversation, *at)),
            Sender::Merchant => {
                if let Some((_, since)) = waiting.take() {
                    delays.push(at - since);
                }
            }
            Sender::Buyer => {}
        }
    }
    delays
}

pub fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[values.len() / 2])
}

#[cfg(test)]
mod tests {
    use talkshop_protocol::presence::OpenRange;

    use super::*;

    fn hours(zone: &str, days: [&[(&str, &str)]; 7]) -> BusinessHours {
        BusinessHours {
            time_zone: zone.into(),
            days: days
                .iter()
                .map(|d| d.iter().map(|(o, c)| OpenRange { open: (*o).into(), close: (*c).into() }).collect())
                .collect(),
        }
    }

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn open_and_back_at_follow_the_shop_time_zone() {
        let weekdays: &[(&str, &str)] = &[("09:00", "12:00"), ("13:00", "18:00")];
        let h = hours("America/Sao_Paulo", [weekdays, weekdays, weekdays, weekdays, weekdays, &[], &[]]);
        // Wednesday 2026-12-02 10:00 in São Paulo (UTC-3) is 13:00 UTC: open.
        let open_until = |at| Hours { open: true, back_at: None, closes_at: Some(ms(at)) };
        let back = |at| Hours { open: false, back_at: Some(ms(at)), closes_at: None };
        // Open until lunch at 12:00 local.
        assert_eq!(open_at(&h, ms("2026-12-02T13:00:00Z")).unwrap(), open_until("2026-12-02T15:00:00Z"));
        // At lunch: back at 13:00 local.
        assert_eq!(open_at(&h, ms("2026-12-02T15:30:00Z")).unwrap(), back("2026-12-02T16:00:00Z"));
        // Friday evening: back on Monday 09:00 local.
        assert_eq!(open_at(&h, ms("2026-12-04T22:00:00Z")).unwrap(), back("2026-12-07T12:00:00Z"));
        // The same instant is Saturday morning in Bangkok (UTC+7).
        let bangkok = hours("Asia/Bangkok", [weekdays, weekdays, weekdays, weekdays, weekdays, weekdays, &[]]);
        assert_eq!(open_at(&bangkok, ms("2026-12-05T03:00:00Z")).unwrap(), open_until("2026-12-05T05:00:00Z"));
        let never = hours("Asia/Bangkok", [&[], &[], &[], &[], &[], &[], &[]]);
        assert_eq!(
            open_at(&never, ms("2026-12-05T03:00:00Z")).unwrap(),
            Hours { open: false, back_at: None, closes_at: None }
        );
        let all_day: &[(&str, &str)] = &[("00:00", "24:00")];
        let always = hours("Asia/Jakarta", [all_day; 7]);
        // Jakarta is UTC+7: the day ends at 17:00 UTC.
        assert_eq!(open_at(&always, ms("2026-12-05T16:59:59Z")).unwrap(), open_until("2026-12-05T17:00:00Z"));
    }

    #[test]
    fn unknown_time_zones_are_refused() {
        assert!(check_time_zone(&hours("Asia/Bangkok", [&[]; 7])).is_ok());
        let err = check_time_zone(&hours("Mars/Olympus_Mons", [&[]; 7])).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("business_hours.time_zone"));
    }

    #[test]
    fn first_replies_are_measured_per_waiting_buyer() {
        let m = |c: &str, sender, at| (c.to_owned(), sender, at);
        let messages = vec![
            m("a", Sender::Buyer, 0),
            m("a", Sender::Buyer, 50),
            m("a", Sender::Merchant, 600),
            m("a", Sender::Merchant, 700),
            m("b", Sender::Merchant, 10),
            m("b", Sender::Buyer, 1000),
            m("b", Sender::Merchant, 1300),
            // Still waiting: not counted.
            m("c", Sender::Buyer, 5),
        ];
        assert_eq!(first_reply_delays(messages), vec![600, 300]);
        assert_eq!(median(vec![600, 300, 1200]), Some(600));
        assert_eq!(median(vec![]), None);
    }
}
