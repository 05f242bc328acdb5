//! Sign-in attempts per e-mail address and per client IP: past the limit a
//! sign-in answers 429 with `Retry-After` until the oldest counted failure
//! leaves the window. Per node (each node counts what it sees).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per e-mail address in the window.
pub const PER_EMAIL: usize = 5;
/// Failed sign-ins allowed per IP address in the window.
pub const PER_IP: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Default)]
pub struct LoginLimiter(Arc<Mutex<HashMap<String, VecDeque<Instant>>>>);

impl LoginLimiter {
    /// `Err(seconds to wait)` when `key` already used its `limit` failures.
    fn check_one(
        map: &mut HashMap<String, VecDeque<Instant>>,
        key: &str,
        limit: usize,
        now: Instant,
    ) -> Result<(), u64> {
        let Some(failures) = map.get_mut(key) else { return Ok(()) };
        while failures.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            failures.pop_front();
        }
        if failures.len() < limit {
            return Ok(());
        }
        let oldest = failures.front().copied().unwrap_or(now);
        Err(WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1))
    }

    /// Counts a sign-in attempt before the password is checked, so parallel
    /// guesses cannot all pass a check made before any of them failed; or
    /// `Err(seconds to wait)` when the address or the IP used up its attempts.
    pub fn begin(&self, email: &str, ip: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Self::check_one(&mut map, &format!("e:{email}"), PER_EMAIL, now)?;
        if let Some(ip) = ip {
            Self::check_one(&mut map, &format!("i:{ip}"), PER_IP, now)?;
        }
        if map.len() > 100_000 {
            map.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(format!("e:{email}")).or_default().push_back(now);
        if let Some(ip) = ip {
            map.entry(format!("i:{ip}")).or_default().push_back(now);
        }
        Ok(())
    }

    /// The attempt was right: the address's attempts are forgotten, and the IP's
    /// count gives this one back (only failures count against an office's shared IP).
    pub fn succeeded(&self, email: &str, ip: Option<&str>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("e:{email}"));
        if let Some(attempts) = ip.and_then(|ip| map.get_mut(&format!("i:{ip}"))) {
            attempts.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_per_email_and_per_ip() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_EMAIL {
            assert!(limiter.begin("a@x.example", Some("1.2.3.4")).is_ok());
        }
        // Counted when they start: a sixth parallel guess is refused before any password was checked.
        let wait = limiter.begin("a@x.example", Some("9.9.9.9")).unwrap_err();
        assert!(wait > 800 && wait <= 900, "{wait}");
        assert!(limiter.begin("b@x.example", Some("1.2.3.4")).is_ok(), "other addresses from the IP still try");
        for i in 0..PER_IP {
            let _ = limiter.begin(&format!("u{i}@x.example"), Some("5.5.5.5"));
        }
        assert!(limiter.begin("new@x.example", Some("5.5.5.5")).is_err());
        assert!(limiter.begin("new@x.example", Some("6.6.6.6")).is_ok());
        limiter.succeeded("a@x.example", None);
        assert!(limiter.begin("a@x.example", None).is_ok());
    }

    #[test]
    fn successful_sign_ins_do_not_use_up_a_shared_ip() {
        let limiter = LoginLimiter::default();
        for i in 0..3 * PER_IP {
            let email = format!("staff{i}@x.example");
            assert!(limiter.begin(&email, Some("7.7.7.7")).is_ok(), "{i}");
            limiter.succeeded(&email, Some("7.7.7.7"));
        }
    }
}
