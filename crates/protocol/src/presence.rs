//! When a shop answers: its business hours (a weekly schedule in its own time
//! zone), whether staff are at their console, and what the widget's header
//! tells buyers about it.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const MAX_RANGES_PER_DAY: usize = 4;
pub const MAX_TIME_ZONE_CHARS: usize = 64;
/// Minutes without input after which the console tells the server its staff member is away.
pub const IDLE_AFTER_MINUTES: u32 = 5;

/// One opening on a day, `HH:MM` to `HH:MM` in the shop's time zone
/// (`close` may be `24:00`, the end of the day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRange {
    pub open: String,
    pub close: String,
}

impl OpenRange {
    /// Minutes since midnight of `open` and `close`, if both are well formed.
    pub fn minutes(&self) -> Option<(u32, u32)> {
        Some((minute_of_day(&self.open)?, minute_of_day(&self.close)?))
    }
}

/// `HH:MM` (00:00 to 24:00) as minutes since midnight.
pub fn minute_of_day(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// A shop's weekly opening hours. Without any, a shop is always open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// An IANA time zone: `America/Sao_Paulo`, `Asia/Bangkok`.
    pub time_zone: String,
    /// Seven days, Monday first, each with zero or more ranges in order.
    pub days: Vec<Vec<OpenRange>>,
}

impl BusinessHours {
    /// The shape of the schedule; whether the time zone exists is the server's check.
    pub fn validate(&self) -> Result<(), ApiError> {
        let zone = self.time_zone.as_str();
        let zone_ok = !zone.is_empty()
            && zone.len() <= MAX_TIME_ZONE_CHARS
            && zone.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
            && !zone.starts_with('/')
            && !zone.ends_with('/')
            && !zone.contains("//");
        if !zone_ok {
            return Err(ApiError::invalid(
                "business_hours.time_zone",
                "The time zone is a name like America/Sao_Paulo",
            ));
        }
        if self.days.len() != 7 {
            return Err(ApiError::invalid("business_hours.days", "Business hours list seven days, Monday first"));
        }
        for ranges in &self.days {
            if ranges.len() > MAX_RANGES_PER_DAY {
                return Err(ApiError::invalid("business_hours.days", "At most 4 opening ranges a day"));
            }
            let mut end_of_last = None;
            for range in ranges {
                let Some((open, close)) = range.minutes() else {
                    return Err(ApiError::invalid("business_hours.days", "Opening times are HH:MM, 00:00 to 24:00"));
                };
                if open >= close {
                    return Err(ApiError::invalid("business_hours.days", "A range closes after it opens"));
                }
                if end_of_last.is_some_and(|end| open < end) {
                    return Err(ApiError::invalid(
                        "business_hours.days",
                        "A day's ranges are in order and do not overlap",
                    ));
                }
                end_of_last = Some(close);
            }
        }
        Ok(())
    }
}

/// One day's ranges as typed in the console: `09:00-12:00, 13:00-18:00` (empty: closed).
pub fn parse_day(text: &str) -> Result<Vec<OpenRange>, ApiError> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (open, close) = part
                .split_once(['-', '–'])
                .ok_or_else(|| ApiError::invalid("business_hours.days", format!("{part:?} is not like 09:00-18:00")))?;
            Ok(OpenRange { open: open.trim().to_owned(), close: close.trim().to_owned() })
        })
        .collect()
}

/// The inverse of [`parse_day`].
pub fn day_text(ranges: &[OpenRange]) -> String {
    ranges.iter().map(|r| format!("{}-{}", r.open, r.close)).collect::<Vec<_>>().join(", ")
}

/// Whether a shop's staff are at their console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffPresence {
    /// Nobody's console is connected.
    Offline,
    /// Connected, but nobody touched their console for a while.
    Away,
    /// Someone is at their console.
    Online,
}

impl StaffPresence {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffPresence::Offline => "offline",
            StaffPresence::Away => "away",
            StaffPresence::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Option<StaffPresence> {
        [StaffPresence::Offline, StaffPresence::Away, StaffPresence::Online].into_iter().find(|p| p.as_str() == text)
    }
}

/// Whether and when a shop answers, as buyers see it (with the shop's look, and
/// live as `ServerFrame::Availability`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopAvailability {
    pub staff: StaffPresence,
    /// Inside business hours (always, when the shop set none).
    pub open: bool,
    /// While closed: when the shop opens next (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_at: Option<i64>,
    /// While open by business hours: when the current opening ends (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<i64>,
    /// The median time to the staff's first reply to a buyer over the last 30 days, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_reply_secs: Option<i64>,
    /// The owner's away message (Settings), shown while closed.
    #[serde(default)]
    pub away_message: String,
}

/// What the widget's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    Online,
    /// Usually replies in this many minutes (a multiple of 5).
    RepliesInMinutes(u32),
    /// Usually replies in this many hours.
    RepliesInHours(u32),
    /// No replies to measure yet.
    RepliesSoon,
    /// Outside business hours: the away message and when the shop is back.
    Closed,
}

impl ShopAvailability {
    /// Always open with nobody around: what a shop is before anything is known.
    pub fn unknown() -> ShopAvailability {
        ShopAvailability {
            staff: StaffPresence::Offline,
            open: true,
            back_at: None,
            closes_at: None,
            typical_reply_secs: None,
            away_message: String::new(),
        }
    }

    /// Staff at their console win over the schedule: they answer now.
    pub fn headline(&self) -> Headline {
        if self.staff == StaffPresence::Online {
            return Headline::Online;
        }
        if !self.open {
            return Headline::Closed;
        }
        match self.typical_reply_secs {
            None => Headline::RepliesSoon,
            Some(secs) if secs < 55 * 60 => {
                let minutes = (secs.max(1) as u32).div_ceil(60);
                Headline::RepliesInMinutes(minutes.div_ceil(5) * 5)
            }
            Some(secs) => Headline::RepliesInHours(((secs + 1800) / 3600).max(1) as u32),
        }
    }

    /// With nobody at the console (away, or outside hours), the widget offers to
    /// take an e-mail address to answer at.
    pub fn offers_email(&self) -> bool {
        self.headline() != Headline::Online
    }

    /// When the schedule changes what buyers see next (opening or closing), if ever.
    pub fn changes_at(&self) -> Option<i64> {
        self.back_at.or(self.closes_at)
    }
}

/// `PUT /api/v1/conversations/{id}/email`: where the buyer may be answered by e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuyerEmail {
    pub email: String,
    /// The buyer ticked the consent text; stored with the time.
    pub consent: bool,
}

impl BuyerEmail {
    pub fn validate(&mut self) -> Result<(), ApiError> {
        self.email = self.email.trim().to_owned();
        crate::shop::validate_email(&self.email)?;
        if !self.consent {
            return Err(ApiError::invalid("consent", "Tick the box to agree to be answered by e-mail"));
        }
        Ok(())
    }
}

/// `BuyerEmail` as stored: answered by `GET` and `PUT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBuyerEmail {
    pub email: String,
    /// When the buyer consented (Unix milliseconds).
    pub consented_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(open: &str, close: &str) -> OpenRange {
        OpenRange { open: open.into(), close: close.into() }
    }

    fn week(day: Vec<OpenRange>) -> BusinessHours {
        BusinessHours { time_zone: "America/Sao_Paulo".into(), days: vec![day; 7] }
    }

    #[test]
    fn times_of_day_are_hh_mm_up_to_24_00() {
        assert_eq!(minute_of_day("00:00"), Some(0));
        assert_eq!(minute_of_day("09:30"), Some(570));
        assert_eq!(minute_of_day("24:00"), Some(1440));
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "", "12:00:00", "-1:00"] {
            assert_eq!(minute_of_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn schedule_validation_names_the_field() {
        assert!(week(vec![range("09:00", "12:00"), range("13:00", "24:00")]).validate().is_ok());
        assert!(week(vec![]).validate().is_ok());
        let field = |hours: BusinessHours| hours.validate().unwrap_err().field;
        let days = Some("business_hours.days".to_owned());
        assert_eq!(field(week(vec![range("18:00", "09:00")])), days);
        assert_eq!(field(week(vec![range("09:00", "09:00")])), days);
        assert_eq!(field(week(vec![range("09:00", "13:00"), range("12:00", "18:00")])), days);
        assert_eq!(field(week(vec![range("9", "13:00")])), days);
        assert_eq!(field(week(vec![range("00:00", "01:00"); 5])), days);
        let mut six_days = week(vec![]);
        six_days.days.pop();
        assert_eq!(field(six_days), days);
        for zone in ["", "/etc/passwd", "Europe//Paris", "Asia/Bang kok", &"A".repeat(65)] {
            let mut hours = week(vec![]);
            hours.time_zone = zone.into();
            assert_eq!(field(hours).as_deref(), Some("business_hours.time_zone"), "{zone}");
        }
    }

    #[test]
    fn days_are_typed_as_text() {
        let ranges = parse_day(" 09:00-12:00, 13:00 – 18:00 ").unwrap();
        assert_eq!(ranges, vec![range("09:00", "12:00"), range("13:00", "18:00")]);
        assert_eq!(day_text(&ranges), "09:00-12:00, 13:00-18:00");
        assert_eq!(parse_day("").unwrap(), vec![]);
        assert_eq!(parse_day("nine to five").unwrap_err().field.as_deref(), Some("business_hours.days"));
    }

    #[test]
    fn the_headline_tells_the_truth() {
        let mut a = ShopAvailability::unknown();
        assert_eq!(a.headline(), Headline::RepliesSoon);
        a.typical_reply_secs = Some(7 * 60);
        assert_eq!(a.headline(), Headline::RepliesInMinutes(10));
        a.typical_reply_secs = Some(20);
        assert_eq!(a.headline(), Headline::RepliesInMinutes(5));
        a.typical_reply_secs = Some(3 * 3600 + 100);
        assert_eq!(a.headline(), Headline::RepliesInHours(3));
        assert!(a.offers_email(), "nobody online: an address to answer at");
        a.staff = StaffPresence::Away;
        a.open = false;
        assert_eq!(a.headline(), Headline::Closed);
        assert!(a.offers_email());
        // Someone at the console answers now, hours or not.
        a.staff = StaffPresence::Online;
        assert_eq!(a.headline(), Headline::Online);
        assert!(!a.offers_email());
    }

    #[test]
    fn buyer_email_needs_an_address_and_consent() {
        let mut ok = BuyerEmail { email: " ana@example.com ".into(), consent: true };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.email, "ana@example.com");
        let mut bad = BuyerEmail { email: "ana".into(), consent: true };
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("email"));
        let mut no_consent = BuyerEmail { email: "ana@example.com".into(), consent: false };
        assert_eq!(no_consent.validate().unwrap_err().field.as_deref(), Some("consent"));
    }

    #[test]
    fn availability_round_trips() {
        let a = ShopAvailability {
            staff: StaffPresence::Away,
            open: false,
            back_at: Some(1_700_000_000_000),
            closes_at: None,
            typical_reply_secs: Some(600),
            away_message: "Back soon".into(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<ShopAvailability>(&json).unwrap(), a);
        assert_eq!(StaffPresence::parse("away"), Some(StaffPresence::Away));
    }
}
