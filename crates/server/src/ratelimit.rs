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

    /// Whether a sign-in for `email` from `ip` may be tried now.
    pub fn check(&self, email: &str, ip: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Self::check_one(&mut map, &format!("e:{email}"), PER_EMAIL, now)?;
        if let Some(ip) = ip {
            Self::check_one(&mut map, &format!("i:{ip}"), PER_IP, now)?;
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, ip: Option<&str>) {
        let now = Instant::now();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(format!("e:{email}")).or_default().push_back(now);
        if let Some(ip) = ip {
            map.entry(format!("i:{ip}")).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the address's failures (not the IP's).
    pub fn succeeded(&self, email: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&format!("e:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_per_email_and_per_ip() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_EMAIL {
            assert!(limiter.check("a@x.example", Some("1.2.3.4")).is_ok());
            limiter.failed("a@x.example", Some("1.2.3.4"));
        }
        let wait = limiter.check("a@x.example", Some("9.9.9.9")).unwrap_err();
        assert!(wait > 800 && wait <= 900, "{wait}");
        assert!(limiter.check("b@x.example", Some("1.2.3.4")).is_ok(), "other addresses from the IP still try");
        for i in 0..PER_IP {
            limiter.failed(&format!("u{i}@x.example"), Some("5.5.5.5"));
        }
        assert!(limiter.check("new@x.example", Some("5.5.5.5")).is_err());
        assert!(limiter.check("new@x.example", Some("6.6.6.6")).is_ok());
        limiter.succeeded("a@x.example");
        assert!(limiter.check("a@x.example", None).is_ok());
    }
}
