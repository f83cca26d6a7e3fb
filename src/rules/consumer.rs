//! The consumer side in one place: snapshot caching, the rule verdict and
//! the sampling countdown, in the 3.7.5 order (rules, then sampling of the
//! forwarded packets).

use std::sync::Arc;

use super::{RuleTable, Sampler, Snapshot};
use crate::ffi::types::pkt_parsing_info;
use crate::parse::Direction;

/// What happens to one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Queue it to the application (or reflect it).
    Forward,
    /// The rules (or the default policy) dropped it. Not a ring drop: it
    /// does not count in `pfring_stat.drop`.
    Filtered,
    /// The rules forwarded it but sampling skipped it. Not a drop either.
    SampledOut,
}

/// Per-consumer cache of the table's snapshot. Owned by the thread that
/// reads the ring (one per ring, or one per thread in reentrant mode); it
/// takes the table's mutex only when the table's generation moved.
#[derive(Debug)]
pub struct Consumer {
    snap: Arc<Snapshot>,
    seen: u64,
    /// `snap.is_trivial()`, kept with the snapshot (read per packet).
    trivial: bool,
}

impl Consumer {
    /// Caches the table's current snapshot.
    pub fn new(table: &RuleTable) -> Consumer {
        // Generation first: a change racing with this is seen next time.
        let seen = table.generation();
        let snap = table.snapshot();
        Consumer {
            trivial: snap.is_trivial(),
            snap,
            seen,
        }
    }

    /// The current snapshot, refreshed if the table changed (one atomic
    /// load when it did not).
    #[inline]
    pub fn snapshot(&mut self, table: &RuleTable) -> &Snapshot {
        self.refresh(table);
        &self.snap
    }

    #[inline(always)]
    fn refresh(&mut self, table: &RuleTable) {
        let g = table.generation();
        if g != self.seen {
            self.reload(table, g);
        }
    }

    #[cold]
    #[inline(never)]
    fn reload(&mut self, table: &RuleTable, g: u64) {
        self.seen = g;
        self.snap = table.snapshot();
        self.trivial = self.snap.is_trivial();
    }

    /// True when every packet is forwarded without looking at it (no rules,
    /// policy accept): the caller may skip parsing for the verdict.
    #[inline]
    pub fn is_trivial(&mut self, table: &RuleTable) -> bool {
        self.refresh(table);
        self.trivial
    }

    /// Rules, then sampling. `p` must be `crate::parse::parse(frame, dir)`
    /// (it is not read when the table has no rules).
    #[inline]
    pub fn decide(
        &mut self,
        table: &RuleTable,
        sampler: &Sampler,
        frame: &[u8],
        p: &pkt_parsing_info,
        dir: Direction,
        wire_len: u32,
    ) -> Decision {
        if !self.snapshot(table).evaluate(frame, p, dir, wire_len) {
            Decision::Filtered
        } else if sampler.keep() {
            Decision::Forward
        } else {
            Decision::SampledOut
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::types::RawFilteringRule;
    use crate::parse::parse;
    use crate::rules::vectors;

    fn frame(spec: &str) -> Vec<u8> {
        let args: Vec<String> = spec.split(' ').map(String::from).collect();
        vectors::build_frame(&args).unwrap()
    }

    fn rule(text: &str) -> RawFilteringRule {
        let v = vectors::parse(&format!("vector r\n{text}\nend\n")).unwrap();
        match &v[0].steps[0].1 {
            vectors::Step::AddRule(r, _) => **r,
            _ => unreachable!(),
        }
    }

    #[test]
    fn sampling_applies_to_forwarded_packets_only() {
        let table = RuleTable::new();
        let sampler = Sampler::new();
        let mut c = Consumer::new(&table);
        assert!(c.is_trivial(&table));
        table.set_default_accept(false);
        table
            .add(&rule("rule id=1 action=fwd ports=53-53"))
            .unwrap();
        assert!(!c.is_trivial(&table));
        sampler.set_rate(10).unwrap();
        let dns = frame("udp 198.51.100.1:1000 > 198.51.100.2:53");
        let other = frame("udp 198.51.100.1:1000 > 198.51.100.2:9");
        let (pd, po) = (parse(&dns, Direction::Rx), parse(&other, Direction::Rx));
        let mut counts = [0usize; 3];
        let mut kept_at = Vec::new();
        for i in 0..10_000 {
            // 1 frame in 64 is forwarded by the rule, as in the benchmark.
            let (f, p) = if i % 64 == 0 {
                (&dns, &pd)
            } else {
                (&other, &po)
            };
            let d = c.decide(&table, &sampler, f, p, Direction::Rx, f.len() as u32);
            counts[d as usize] += 1;
            if d == Decision::Forward {
                kept_at.push(i / 64);
            }
        }
        // 157 forwarded frames (0, 64, ..., 9984): the 1st, 11th, ... kept.
        assert_eq!(counts, [16, 10_000 - 157, 141]);
        assert_eq!(kept_at, (0..16).map(|k| k * 10).collect::<Vec<_>>());
        assert_eq!(table.rule_stats(1).unwrap().num_pkts, 157);
    }

    #[test]
    fn a_rule_change_is_seen_by_the_next_packet() {
        let table = RuleTable::new();
        let sampler = Sampler::new();
        let mut c = Consumer::new(&table);
        let f = frame("tcp 198.51.100.1:1000 > 198.51.100.2:80");
        let p = parse(&f, Direction::Tx);
        let go = |c: &mut Consumer| c.decide(&table, &sampler, &f, &p, Direction::Tx, 54);
        assert_eq!(go(&mut c), Decision::Forward);
        table.add(&rule("rule id=3 action=drop proto=6")).unwrap();
        assert_eq!(go(&mut c), Decision::Filtered);
        table.remove(3).unwrap();
        assert_eq!(go(&mut c), Decision::Forward);
    }
}
