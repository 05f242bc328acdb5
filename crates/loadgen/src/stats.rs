//! Percentiles over recorded samples (microseconds).

use serde::Serialize;

/// Latency summary in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Nearest-rank percentile of sorted samples; 0 when empty.
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Latency {
    /// Summarises samples in microseconds (sorts them).
    pub fn of(samples: &mut [u32]) -> Latency {
        samples.sort_unstable();
        let ms = |us: u32| f64::from(us) / 1000.0;
        Latency {
            count: samples.len() as u64,
            p50_ms: ms(percentile(samples, 50.0)),
            p90_ms: ms(percentile(samples, 90.0)),
            p99_ms: ms(percentile(samples, 99.0)),
            max_ms: ms(samples.last().copied().unwrap_or(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&sorted, 50.0), 50);
        assert_eq!(percentile(&sorted, 99.0), 99);
        assert_eq!(percentile(&sorted, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn summary_in_milliseconds() {
        let mut samples = vec![3000, 1000, 2000];
        let l = Latency::of(&mut samples);
        assert_eq!(l.count, 3);
        assert_eq!(l.p50_ms, 2.0);
        assert_eq!(l.max_ms, 3.0);
    }
}
