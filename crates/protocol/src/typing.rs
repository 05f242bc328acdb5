//! Typing indicators: how often a client says "typing" and how long the other
//! side shows it. Both the widget and the server throttle with [`TypingThrottle`].

/// A sender signals typing at most once per this many milliseconds.
pub const TYPING_SEND_EVERY_MS: i64 = 3_000;
/// The indicator disappears this long after the last signal.
pub const TYPING_SHOWN_MS: i64 = 5_000;
/// The server accepts signals a little faster than clients send them (clock jitter).
pub const TYPING_ACCEPT_EVERY_MS: i64 = 2_500;

/// Lets one signal through per interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypingThrottle {
    every_ms: i64,
    last: Option<i64>,
}

impl TypingThrottle {
    pub fn new(every_ms: i64) -> TypingThrottle {
        TypingThrottle { every_ms, last: None }
    }

    /// Whether a signal at `now_ms` would go out.
    pub fn is_due(&self, now_ms: i64) -> bool {
        !matches!(self.last, Some(last) if now_ms - last < self.every_ms && now_ms >= last)
    }

    /// Whether a signal at `now_ms` goes out; if so it starts a new interval.
    pub fn allow(&mut self, now_ms: i64) -> bool {
        let due = self.is_due(now_ms);
        if due {
            self.last = Some(now_ms);
        }
        due
    }

    /// A sent message ends the typing burst: the next keystroke signals at once.
    pub fn reset(&mut self) {
        self.last = None;
    }
}

impl Default for TypingThrottle {
    fn default() -> Self {
        TypingThrottle::new(TYPING_SEND_EVERY_MS)
    }
}

/// What the receiving side shows: "typing…" until a deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypingSeen {
    until: Option<i64>,
}

impl TypingSeen {
    /// The other party signalled typing at `now_ms`.
    pub fn signal(&mut self, now_ms: i64) {
        self.until = Some(now_ms + TYPING_SHOWN_MS);
    }

    /// A message from the other party arrived: they stopped typing it.
    pub fn clear(&mut self) {
        self.until = None;
    }

    pub fn is_shown(&self, now_ms: i64) -> bool {
        self.until.is_some_and(|until| now_ms < until)
    }

    /// When the indicator should next be checked, if it is showing.
    pub fn deadline(&self) -> Option<i64> {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_sent_at_most_once_per_interval() {
        let mut t = TypingThrottle::default();
        assert!(t.allow(10_000));
        assert!(!t.allow(10_001));
        assert!(!t.allow(12_999));
        assert!(t.allow(13_000));
        assert!(!t.allow(15_000));
        // A message resets the burst.
        t.reset();
        assert!(t.allow(15_001));
        // A clock that went backwards does not block typing forever.
        assert!(t.allow(1_000));
    }

    #[test]
    fn indicator_expires_after_five_seconds_or_on_a_message() {
        let mut seen = TypingSeen::default();
        assert!(!seen.is_shown(0));
        seen.signal(1_000);
        assert!(seen.is_shown(1_000));
        assert!(seen.is_shown(5_999));
        assert!(!seen.is_shown(6_000));
        seen.signal(7_000);
        assert!(seen.is_shown(8_000));
        seen.clear();
        assert!(!seen.is_shown(8_000));
        assert_eq!(seen.deadline(), None);
    }
}
