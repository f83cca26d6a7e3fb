//! The sampling countdown of `pfring_set_sampling_rate`.

use std::sync::atomic::{AtomicU32, Ordering};

use super::RuleError;

/// Keeps 1 packet out of `rate` among those the rules forwarded (guide
/// §3.1.7): the 1st, the `rate+1`th, the `2*rate+1`th, ... Rate 1 (the
/// initial value) disables sampling; rate 0 is refused.
///
/// The 3.7.5 kernel's countdown (`pktToSample == 0` keeps and reloads
/// `sample_rate`) kept 1 packet out of `rate + 1`; later versions fixed it to
/// the guide's "1 out of X", which is what this does.
///
/// `set_rate` may be called from any thread; `keep` is lock-free and
/// allocation-free. Changing the rate restarts the countdown, so the next
/// forwarded packet is kept.
#[derive(Debug)]
pub struct Sampler {
    rate: AtomicU32,
    /// Packets still to skip before the next kept one is due, plus one;
    /// 0 or 1 = keep the next packet.
    countdown: AtomicU32,
}

impl Default for Sampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Sampler {
    /// Sampling off (rate 1).
    pub fn new() -> Sampler {
        Sampler {
            rate: AtomicU32::new(1),
            countdown: AtomicU32::new(0),
        }
    }

    /// Sets the rate; 0 is refused with [`RuleError::InvalidSamplingRate`]
    /// and changes nothing.
    pub fn set_rate(&self, rate: u32) -> Result<(), RuleError> {
        if rate == 0 {
            return Err(RuleError::InvalidSamplingRate);
        }
        // Relaxed: the rate and countdown are independent settings; a packet
        // racing with the change may use either rate, as in the kernel.
        self.rate.store(rate, Ordering::Relaxed);
        self.countdown.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// The current rate (1 = off).
    #[inline]
    pub fn rate(&self) -> u32 {
        self.rate.load(Ordering::Relaxed)
    }

    /// Called once per forwarded packet: true if it is kept.
    #[inline]
    pub fn keep(&self) -> bool {
        let rate = self.rate.load(Ordering::Relaxed);
        if rate <= 1 {
            return true;
        }
        // A compare-exchange loop (what `fetch_update` does; that name is
        // deprecated on nightly, which builds this crate for miri and fuzzing).
        let mut c = self.countdown.load(Ordering::Relaxed);
        loop {
            let next = if c <= 1 { rate } else { c - 1 };
            match self.countdown.compare_exchange_weak(
                c,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return c <= 1,
                Err(now) => c = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_10_keeps_exactly_every_tenth_from_the_first() {
        let s = Sampler::new();
        s.set_rate(10).unwrap();
        let kept: Vec<usize> = (0..10_000).filter(|_| s.keep()).collect();
        assert_eq!(kept.len(), 1_000);
        for (n, &i) in kept.iter().enumerate() {
            assert_eq!(i, n * 10, "kept packet #{n} is at position {i}");
        }
    }

    #[test]
    fn rate_1_keeps_all_and_rate_0_is_refused_without_change() {
        let s = Sampler::new();
        assert_eq!(s.rate(), 1);
        assert_eq!((0..1000).filter(|_| s.keep()).count(), 1000);
        s.set_rate(3).unwrap();
        assert_eq!(s.set_rate(0), Err(RuleError::InvalidSamplingRate));
        assert_eq!(RuleError::InvalidSamplingRate.errno(), libc::EINVAL);
        assert_eq!(s.rate(), 3);
        let pattern: Vec<bool> = (0..7).map(|_| s.keep()).collect();
        assert_eq!(pattern, [true, false, false, true, false, false, true]);
    }

    #[test]
    fn changing_the_rate_restarts_the_countdown() {
        let s = Sampler::new();
        s.set_rate(4).unwrap();
        assert!(s.keep());
        assert!(!s.keep());
        s.set_rate(2).unwrap();
        let pattern: Vec<bool> = (0..5).map(|_| s.keep()).collect();
        assert_eq!(pattern, [true, false, true, false, true]);
        s.set_rate(1).unwrap();
        assert_eq!((0..100).filter(|_| s.keep()).count(), 100);
    }

    #[test]
    fn rate_u32_max_keeps_only_the_first_of_many() {
        let s = Sampler::new();
        s.set_rate(u32::MAX).unwrap();
        assert_eq!((0..10_000).filter(|_| s.keep()).count(), 1);
    }
}
