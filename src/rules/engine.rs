//! The rule table (control side) and its immutable snapshots (packet side).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{Action, RuleError};
use crate::ffi::types::{
    pfring_rule_stats, pkt_parsing_info, RawFilteringRule, RawHashFilteringRule,
};
use crate::parse::Direction;

/// Bytes before the network header of a received frame: RX offsets in
/// `pkt_parsing_info` are relative to the network header (3.7.5 `displ`).
const RX_DISPL: usize = 14;

/// Applies the 3.7.5 library's sanitising to a wildcard rule, in place, as
/// `pfring_add_filtering_rule` did to the caller's struct:
/// `port_low > port_high => port_low = port_high`,
/// `host_low > host_high => host_low = host_high`,
/// `balance_id > balance_pool => balance_id = 0`.
pub fn sanitize(rule: &mut RawFilteringRule) {
    let c = &mut rule.core_fields;
    if c.port_low > c.port_high {
        c.port_low = c.port_high;
    }
    if c.host_low > c.host_high {
        c.host_low = c.host_high;
    }
    if rule.balance_id > rule.balance_pool {
        rule.balance_id = 0;
    }
}

/// Packets and bytes one rule matched; shared by every snapshot that holds
/// the rule, so counts survive rebuilds.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pkts: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    #[inline]
    fn hit(&self, wire_len: u32) {
        // Relaxed: independent monotonic counters, read only for reporting.
        self.pkts.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(u64::from(wire_len), Ordering::Relaxed);
    }

    fn read(&self) -> pfring_rule_stats {
        pfring_rule_stats {
            num_pkts: self.pkts.load(Ordering::Relaxed),
            num_bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// A payload pattern with its KMP failure table (at most 31 bytes: the
/// NUL-terminated prefix of the 32-byte field).
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    bytes: [u8; 32],
    fail: [u8; 32],
    len: usize,
}

impl Pattern {
    fn new(field: &[core::ffi::c_char; 32]) -> Option<Pattern> {
        let mut bytes = [0u8; 32];
        let mut len = 0;
        for (dst, &c) in bytes.iter_mut().zip(field.iter()) {
            if c == 0 {
                break;
            }
            *dst = c as u8;
            len += 1;
        }
        if len == 0 {
            return None;
        }
        // fail[i]: length of the longest proper border of bytes[..=i].
        let mut fail = [0u8; 32];
        let mut k = 0usize;
        for i in 1..len {
            while k > 0 && bytes[i] != bytes[k] {
                k = usize::from(fail[k - 1]);
            }
            if bytes[i] == bytes[k] {
                k += 1;
            }
            fail[i] = k as u8;
        }
        Some(Pattern { bytes, fail, len })
    }

    fn found_in(&self, hay: &[u8]) -> bool {
        let pat = &self.bytes[..self.len];
        let mut k = 0usize;
        for &b in hay {
            while k > 0 && b != pat[k] {
                k = usize::from(self.fail[k - 1]);
            }
            if b == pat[k] {
                k += 1;
                if k == pat.len() {
                    return true;
                }
            }
        }
        false
    }
}

/// A wildcard rule ready for matching.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    pub(crate) action: Action,
    /// 0 = any.
    pub(crate) proto: u8,
    /// 0 = any.
    pub(crate) vlan: u16,
    /// Both addresses must lie inside.
    pub(crate) hosts: Option<(u32, u32)>,
    /// Either port must lie inside.
    pub(crate) ports: Option<(u16, u16)>,
    /// (balance_id, balance_pool), pool > 0.
    pub(crate) balance: Option<(u8, u8)>,
    pub(crate) pattern: Option<Pattern>,
    counters: Arc<Counters>,
}

/// Canonical hash-rule key: the two endpoints ordered, so both directions
/// of a flow give the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct HashKey {
    pub(crate) vlan: u16,
    pub(crate) proto: u8,
    pub(crate) lo: (u32, u16),
    pub(crate) hi: (u32, u16),
}

impl HashKey {
    fn new(vlan: u16, proto: u8, a: (u32, u16), b: (u32, u16)) -> HashKey {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        HashKey {
            vlan,
            proto,
            lo,
            hi,
        }
    }

    fn of_rule(r: &RawHashFilteringRule) -> HashKey {
        HashKey::new(
            r.vlan_id,
            r.proto,
            (r.host_peer_a, r.port_peer_a),
            (r.host_peer_b, r.port_peer_b),
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct HashCompiled {
    pub(crate) action: Action,
    counters: Arc<Counters>,
}

/// An immutable, compiled view of a rule table: what the packet path uses.
/// Obtained from [`RuleTable::snapshot`]; cheap to hold and share.
#[derive(Debug)]
pub struct Snapshot {
    default_accept: bool,
    pub(crate) rules: Box<[Compiled]>,
    pub(crate) hash: HashMap<HashKey, HashCompiled>,
}

impl Snapshot {
    /// True when the table has no rules and the default policy is accept:
    /// every packet is forwarded, so the ring need not parse at all.
    pub fn is_trivial(&self) -> bool {
        self.default_accept && self.has_no_rules()
    }

    /// True when there are neither wildcard nor hash rules: the verdict is
    /// [`Snapshot::default_accept`] for every packet and `evaluate` ignores
    /// the parsed fields.
    pub fn has_no_rules(&self) -> bool {
        self.rules.is_empty() && self.hash.is_empty()
    }

    /// The default policy (true = forward packets no rule decides).
    pub fn default_accept(&self) -> bool {
        self.default_accept
    }

    /// Number of wildcard rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of hash rules.
    pub fn hash_rule_count(&self) -> usize {
        self.hash.len()
    }

    /// Decides whether a frame is forwarded to the ring (true) or dropped,
    /// moving the counters of every rule that matches.
    ///
    /// * `frame`: the captured bytes from the Ethernet header on (with the
    ///   802.1Q tag in place when the frame had one);
    /// * `p`: `crate::parse::parse(frame, dir)`;
    /// * `dir`: the direction `p` was parsed with (it fixes what the payload
    ///   offset is relative to);
    /// * `wire_len`: the packet's length on the wire (added to byte counts).
    ///
    /// Takes no lock and allocates nothing.
    pub fn evaluate(
        &self,
        frame: &[u8],
        p: &pkt_parsing_info,
        dir: Direction,
        wire_len: u32,
    ) -> bool {
        let mut fwd = self.default_accept;
        if !self.hash.is_empty() {
            let key = HashKey::new(
                p.vlan_id,
                p.l3_proto,
                (p.ipv4_src, p.l4_src_port),
                (p.ipv4_dst, p.l4_dst_port),
            );
            if let Some(h) = self.hash.get(&key) {
                h.counters.hit(wire_len);
                match h.action {
                    Action::Forward => return true,
                    Action::Drop => return false,
                    Action::Continue => {}
                }
            }
        }
        for r in self.rules.iter() {
            if !matches(r, frame, p, dir) {
                continue;
            }
            r.counters.hit(wire_len);
            match r.action {
                Action::Forward => {
                    fwd = true;
                    break;
                }
                Action::Drop => {
                    fwd = false;
                    break;
                }
                Action::Continue => {}
            }
        }
        fwd
    }
}

/// The 3.7.5 additive packet hash (`hash_pkt_header` without masks).
#[inline]
pub(crate) fn balance_hash(p: &pkt_parsing_info) -> u32 {
    u32::from(p.vlan_id)
        .wrapping_add(u32::from(p.l3_proto))
        .wrapping_add(p.ipv4_src)
        .wrapping_add(p.ipv4_dst)
        .wrapping_add(u32::from(p.l4_src_port))
        .wrapping_add(u32::from(p.l4_dst_port))
}

/// The captured payload as the 3.7.5 kernel searched it: from the payload
/// offset (when it is set) to the end of the captured frame.
fn payload<'a>(frame: &'a [u8], p: &pkt_parsing_info, dir: Direction) -> &'a [u8] {
    if p.payload_offset == 0 {
        return &[];
    }
    let start = usize::from(p.payload_offset)
        + match dir {
            Direction::Rx => RX_DISPL,
            Direction::Tx => 0,
        };
    frame.get(start..).unwrap_or(&[])
}

#[inline]
fn matches(r: &Compiled, frame: &[u8], p: &pkt_parsing_info, dir: Direction) -> bool {
    if r.vlan != 0 && p.vlan_id != r.vlan {
        return false;
    }
    if r.proto != 0 && p.l3_proto != r.proto {
        return false;
    }
    if let Some((lo, hi)) = r.hosts {
        let inside = |a: u32| lo <= a && a <= hi;
        if !(inside(p.ipv4_src) && inside(p.ipv4_dst)) {
            return false;
        }
    }
    if let Some((lo, hi)) = r.ports {
        let inside = |x: u16| lo <= x && x <= hi;
        if !(inside(p.l4_src_port) || inside(p.l4_dst_port)) {
            return false;
        }
    }
    if let Some((id, pool)) = r.balance {
        if balance_hash(p) % u32::from(pool) != u32::from(id) {
            return false;
        }
    }
    if let Some(pat) = &r.pattern {
        if !pat.found_in(payload(frame, p, dir)) {
            return false;
        }
    }
    true
}

#[derive(Debug)]
struct WildEntry {
    rule: RawFilteringRule,
    action: Action,
    counters: Arc<Counters>,
}

#[derive(Debug)]
struct HashEntry {
    rule: RawHashFilteringRule,
    action: Action,
    counters: Arc<Counters>,
}

#[derive(Debug)]
struct State {
    default_accept: bool,
    rules: BTreeMap<u16, WildEntry>,
    hash: HashMap<HashKey, HashEntry>,
    current: Arc<Snapshot>,
}

impl State {
    fn build(&self) -> Snapshot {
        let rules = self
            .rules
            .values()
            .map(|e| {
                let c = &e.rule.core_fields;
                Compiled {
                    action: e.action,
                    proto: c.proto,
                    vlan: c.vlan_id,
                    hosts: (c.host_low > 0).then_some((c.host_low, c.host_high)),
                    ports: (c.port_high > 0).then_some((c.port_low, c.port_high)),
                    balance: (e.rule.balance_pool > 0)
                        .then_some((e.rule.balance_id, e.rule.balance_pool)),
                    pattern: Pattern::new(&e.rule.extended_fields.payload_pattern),
                    counters: Arc::clone(&e.counters),
                }
            })
            .collect();
        let hash = self
            .hash
            .iter()
            .map(|(k, e)| {
                (
                    *k,
                    HashCompiled {
                        action: e.action,
                        counters: Arc::clone(&e.counters),
                    },
                )
            })
            .collect();
        Snapshot {
            default_accept: self.default_accept,
            rules,
            hash,
        }
    }
}

/// The rules and default policy of one ring. All methods take `&self` and
/// may be called from any thread; see the module docs for the model.
#[derive(Debug)]
pub struct RuleTable {
    state: Mutex<State>,
    generation: AtomicU64,
}

impl Default for RuleTable {
    fn default() -> Self {
        Self::new()
    }
}

impl RuleTable {
    /// An empty table with the default policy accept (as a 3.7.5 ring at
    /// bind time).
    pub fn new() -> RuleTable {
        let mut state = State {
            default_accept: true,
            rules: BTreeMap::new(),
            hash: HashMap::new(),
            current: Arc::new(Snapshot {
                default_accept: true,
                rules: Box::new([]),
                hash: HashMap::new(),
            }),
        };
        state.current = Arc::new(state.build());
        RuleTable {
            state: Mutex::new(state),
            generation: AtomicU64::new(0),
        }
    }

    /// Rebuilds the snapshot after a change and publishes the new
    /// generation (Release: pairs with the Acquire in `generation`).
    fn publish(&self, state: &mut State) {
        state.current = Arc::new(state.build());
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Counter bumped by every change; the consumer re-fetches
    /// [`RuleTable::snapshot`] when it differs from the last value seen.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current compiled view (takes the table's mutex briefly).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.state.lock().current)
    }

    /// Adds (or replaces, with fresh statistics) the wildcard rule with
    /// `rule.rule_id`, after [`sanitize`]. Errors: [`RuleError::InvalidAction`],
    /// [`RuleError::PluginUnsupported`]; nothing changes on error.
    pub fn add(&self, rule: &RawFilteringRule) -> Result<(), RuleError> {
        let action = Action::from_raw(rule.rule_action)?;
        if rule.extended_fields.filter_plugin_id != 0 {
            return Err(RuleError::PluginUnsupported(
                rule.extended_fields.filter_plugin_id,
            ));
        }
        if rule.plugin_action.plugin_id != 0 {
            return Err(RuleError::PluginUnsupported(rule.plugin_action.plugin_id));
        }
        let mut r = *rule;
        sanitize(&mut r);
        let mut st = self.state.lock();
        st.rules.insert(
            r.rule_id,
            WildEntry {
                rule: r,
                action,
                counters: Arc::default(),
            },
        );
        self.publish(&mut st);
        Ok(())
    }

    /// Removes the wildcard rule `id`; [`RuleError::NoSuchRule`] if absent.
    pub fn remove(&self, id: u16) -> Result<(), RuleError> {
        let mut st = self.state.lock();
        if st.rules.remove(&id).is_none() {
            return Err(RuleError::NoSuchRule(id));
        }
        self.publish(&mut st);
        Ok(())
    }

    /// The stored (sanitised) wildcard rule `id`.
    pub fn rule(&self, id: u16) -> Option<RawFilteringRule> {
        self.state.lock().rules.get(&id).map(|e| e.rule)
    }

    /// Adds a hash rule. Errors: [`RuleError::InvalidAction`],
    /// [`RuleError::PluginUnsupported`], [`RuleError::DuplicateHashRule`]
    /// (same vlan, proto and endpoint pair in either orientation).
    pub fn add_hash(&self, rule: &RawHashFilteringRule) -> Result<(), RuleError> {
        let action = Action::from_raw(rule.rule_action)?;
        if rule.plugin_action.plugin_id != 0 {
            return Err(RuleError::PluginUnsupported(rule.plugin_action.plugin_id));
        }
        let key = HashKey::of_rule(rule);
        let mut st = self.state.lock();
        if st.hash.contains_key(&key) {
            return Err(RuleError::DuplicateHashRule);
        }
        st.hash.insert(
            key,
            HashEntry {
                rule: *rule,
                action,
                counters: Arc::default(),
            },
        );
        self.publish(&mut st);
        Ok(())
    }

    /// Removes the hash rule with this tuple (either orientation; the action
    /// and plugin fields are not compared); [`RuleError::NoSuchHashRule`] if
    /// absent.
    pub fn remove_hash(&self, rule: &RawHashFilteringRule) -> Result<(), RuleError> {
        let mut st = self.state.lock();
        if st.hash.remove(&HashKey::of_rule(rule)).is_none() {
            return Err(RuleError::NoSuchHashRule);
        }
        self.publish(&mut st);
        Ok(())
    }

    /// The stored hash rule with this tuple (as it was added).
    pub fn hash_rule(&self, rule: &RawHashFilteringRule) -> Option<RawHashFilteringRule> {
        self.state
            .lock()
            .hash
            .get(&HashKey::of_rule(rule))
            .map(|e| e.rule)
    }

    /// Sets the default policy (true = forward packets no rule decides).
    pub fn set_default_accept(&self, accept: bool) {
        let mut st = self.state.lock();
        if st.default_accept != accept {
            st.default_accept = accept;
            self.publish(&mut st);
        }
    }

    /// The default policy.
    pub fn default_accept(&self) -> bool {
        self.state.lock().default_accept
    }

    /// Packets and bytes wildcard rule `id` matched since it was (last)
    /// added; [`RuleError::NoSuchRule`] if absent.
    pub fn rule_stats(&self, id: u16) -> Result<pfring_rule_stats, RuleError> {
        let st = self.state.lock();
        st.rules
            .get(&id)
            .map(|e| e.counters.read())
            .ok_or(RuleError::NoSuchRule(id))
    }

    /// Packets and bytes the hash rule with this tuple matched;
    /// [`RuleError::NoSuchHashRule`] if absent.
    pub fn hash_rule_stats(
        &self,
        rule: &RawHashFilteringRule,
    ) -> Result<pfring_rule_stats, RuleError> {
        let st = self.state.lock();
        st.hash
            .get(&HashKey::of_rule(rule))
            .map(|e| e.counters.read())
            .ok_or(RuleError::NoSuchHashRule)
    }

    /// The in-kernel prefilter for the current rules and policy, returning
    /// `snaplen` on accept (see [`super::compile_prefilter`]).
    pub fn prefilter(&self, snaplen: u32) -> Vec<super::SockFilter> {
        super::compile_prefilter(&self.snapshot(), snaplen)
    }

    /// Number of wildcard and hash rules (the `# Filt. Rules` of /proc).
    pub fn len(&self) -> usize {
        let st = self.state.lock();
        st.rules.len() + st.hash.len()
    }

    /// True when the table holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::types::{
        filtering_rule_core_fields, filtering_rule_extended_fields, filtering_rule_plugin_action,
    };
    use crate::parse::parse;

    fn rule(id: u16, action: u32, proto: u8) -> RawFilteringRule {
        RawFilteringRule {
            rule_id: id,
            rule_action: action,
            balance_id: 0,
            balance_pool: 0,
            core_fields: filtering_rule_core_fields {
                proto,
                ..Default::default()
            },
            extended_fields: filtering_rule_extended_fields::default(),
            plugin_action: filtering_rule_plugin_action::default(),
        }
    }

    fn udp() -> Vec<u8> {
        let mut f = vec![0u8; 42];
        f[12] = 0x08;
        f[14] = 0x45;
        f[23] = 17;
        f[26..30].copy_from_slice(&[198, 51, 100, 1]);
        f[30..34].copy_from_slice(&[198, 51, 100, 2]);
        f[34..36].copy_from_slice(&1000u16.to_be_bytes());
        f[36..38].copy_from_slice(&2000u16.to_be_bytes());
        f
    }

    fn eval(s: &Snapshot, f: &[u8]) -> bool {
        s.evaluate(f, &parse(f, Direction::Rx), Direction::Rx, f.len() as u32)
    }

    #[test]
    fn sanitize_rewrites_exactly_the_three_fields() {
        let mut r = rule(1, 0, 6);
        r.core_fields.port_low = 90;
        r.core_fields.port_high = 80;
        r.core_fields.host_low = 0xc633_6410;
        r.core_fields.host_high = 0xc633_6401;
        r.balance_id = 9;
        r.balance_pool = 8;
        let before = r;
        sanitize(&mut r);
        assert_eq!((r.core_fields.port_low, r.core_fields.port_high), (80, 80));
        assert_eq!(
            (r.core_fields.host_low, r.core_fields.host_high),
            (0xc633_6401, 0xc633_6401)
        );
        assert_eq!((r.balance_id, r.balance_pool), (0, 8));
        assert_eq!((r.rule_id, r.rule_action, r.core_fields.proto), (1, 0, 6));
        assert_ne!(r, before);
        let mut ok = rule(2, 1, 0);
        ok.core_fields.port_low = 1;
        ok.core_fields.port_high = 2;
        ok.balance_id = 3;
        ok.balance_pool = 3;
        let copy = ok;
        sanitize(&mut ok);
        assert_eq!(ok, copy);
    }

    #[test]
    fn table_stores_the_sanitised_copy() {
        let t = RuleTable::new();
        let mut r = rule(4, 0, 0);
        r.core_fields.port_low = 9;
        r.core_fields.port_high = 3;
        t.add(&r).unwrap();
        assert_eq!(
            r.core_fields.port_low, 9,
            "the caller's rule is not touched"
        );
        assert_eq!(t.rule(4).unwrap().core_fields.port_low, 3);
        assert_eq!(t.rule(5), None);
    }

    #[test]
    fn generation_moves_on_every_change_only() {
        let t = RuleTable::new();
        let g0 = t.generation();
        t.set_default_accept(true);
        assert_eq!(t.generation(), g0, "same policy is no change");
        t.set_default_accept(false);
        assert_eq!(t.generation(), g0 + 1);
        t.add(&rule(1, 0, 17)).unwrap();
        assert_eq!(t.generation(), g0 + 2);
        assert_eq!(t.add(&rule(1, 3, 17)), Err(RuleError::InvalidAction(3)));
        assert_eq!(t.remove(9), Err(RuleError::NoSuchRule(9)));
        assert_eq!(t.generation(), g0 + 2, "failed calls change nothing");
        t.remove(1).unwrap();
        assert_eq!(t.generation(), g0 + 3);
        assert!(t.is_empty());
    }

    #[test]
    fn stats_survive_rebuilds_and_restart_on_replacement() {
        let t = RuleTable::new();
        t.add(&rule(1, 2, 17)).unwrap();
        let old = t.snapshot();
        assert!(eval(&old, &udp()));
        t.add(&rule(2, 0, 6)).unwrap();
        t.set_default_accept(false);
        let new = t.snapshot();
        assert!(!eval(&new, &udp()));
        // The consumer may still hold the old snapshot: same counters.
        assert!(eval(&old, &udp()));
        assert_eq!(
            t.rule_stats(1).unwrap(),
            pfring_rule_stats {
                num_pkts: 3,
                num_bytes: 126
            }
        );
        t.add(&rule(1, 2, 17)).unwrap();
        assert_eq!(t.rule_stats(1).unwrap(), pfring_rule_stats::default());
        assert_eq!(t.rule_stats(2).unwrap(), pfring_rule_stats::default());
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn snapshot_shape() {
        let t = RuleTable::new();
        let s = t.snapshot();
        assert!(s.is_trivial() && s.has_no_rules() && s.default_accept());
        // With no rules the parsed fields are not looked at.
        assert!(s.evaluate(&[], &pkt_parsing_info::default(), Direction::Rx, 0));
        t.set_default_accept(false);
        let s = t.snapshot();
        assert!(!s.is_trivial() && s.has_no_rules());
        assert!(!s.evaluate(&[], &pkt_parsing_info::default(), Direction::Rx, 0));
        t.set_default_accept(true);
        t.add(&rule(1, 2, 0)).unwrap();
        let h = RawHashFilteringRule {
            vlan_id: 0,
            proto: 17,
            host_peer_a: 1,
            host_peer_b: 2,
            port_peer_a: 3,
            port_peer_b: 4,
            rule_action: 1,
            plugin_action: filtering_rule_plugin_action::default(),
        };
        t.add_hash(&h).unwrap();
        let s = t.snapshot();
        assert!(!s.is_trivial());
        assert_eq!((s.rule_count(), s.hash_rule_count()), (1, 1));
        assert_eq!(t.hash_rule(&h), Some(h));
        let reversed = RawHashFilteringRule {
            host_peer_a: 2,
            host_peer_b: 1,
            port_peer_a: 4,
            port_peer_b: 3,
            rule_action: 0,
            ..h
        };
        assert_eq!(t.hash_rule(&reversed), Some(h));
        assert_eq!(t.add_hash(&reversed), Err(RuleError::DuplicateHashRule));
    }

    #[test]
    fn errors_map_to_errno_and_say_what_failed() {
        let cases = [
            (
                RuleError::InvalidAction(7),
                libc::EINVAL,
                "rule_action 7 is not 0 (forward), 1 (don't forward) or 2 (continue)",
            ),
            (
                RuleError::NoSuchRule(5),
                libc::ENOENT,
                "no filtering rule with id 5",
            ),
            (
                RuleError::NoSuchHashRule,
                libc::ENOENT,
                "no hash filtering rule with this tuple",
            ),
            (
                RuleError::DuplicateHashRule,
                libc::EEXIST,
                "a hash filtering rule with this tuple already exists",
            ),
            (
                RuleError::PluginUnsupported(1),
                libc::EOPNOTSUPP,
                "plugin 1: kernel plugins do not exist on the AF_PACKET backend",
            ),
            (
                RuleError::InvalidSamplingRate,
                libc::EINVAL,
                "sampling rate 0 (1 disables sampling)",
            ),
        ];
        for (e, errno, text) in cases {
            assert_eq!(e.errno(), errno);
            assert_eq!(e.to_string(), text);
        }
        for raw in 0..3 {
            assert_eq!(Action::from_raw(raw).unwrap().raw(), raw);
        }
    }

    #[test]
    fn kmp_agrees_with_a_naive_search() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as u8 % 3 + b'a'
        };
        for _ in 0..2000 {
            let plen = usize::from(next() - b'a') + 1 + usize::from(next() - b'a');
            let mut field = [0 as core::ffi::c_char; 32];
            let pat: Vec<u8> = (0..plen).map(|_| next()).collect();
            for (d, &s) in field.iter_mut().zip(&pat) {
                *d = s as core::ffi::c_char;
            }
            let hay: Vec<u8> = (0..usize::from(next()) % 16).map(|_| next()).collect();
            let p = Pattern::new(&field).unwrap();
            let naive = hay.windows(pat.len()).any(|w| w == pat.as_slice());
            assert_eq!(p.found_in(&hay), naive, "{pat:?} in {hay:?}");
        }
    }

    #[test]
    fn pattern_is_the_nul_terminated_prefix_of_32_bytes() {
        let mut field = [b'x' as core::ffi::c_char; 32];
        assert_eq!(Pattern::new(&field).unwrap().len, 32);
        field[3] = 0;
        field[5] = 0;
        assert_eq!(Pattern::new(&field).unwrap().len, 3);
        field[0] = 0;
        assert!(Pattern::new(&field).is_none());
    }

    #[test]
    fn packet_path_races_with_control_calls_and_stats_readers() {
        use std::sync::atomic::AtomicBool;
        const N: u64 = 20_000;
        let t = Arc::new(RuleTable::new());
        t.set_default_accept(false);
        t.add(&rule(1, 0, 17)).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let consumer = {
            let t = Arc::clone(&t);
            std::thread::spawn(move || {
                let f = udp();
                let mut snap = t.snapshot();
                let mut seen = t.generation();
                let mut refreshes = 0u32;
                for _ in 0..N {
                    let g = t.generation();
                    if g != seen {
                        snap = t.snapshot();
                        seen = g;
                        refreshes += 1;
                    }
                    assert!(eval(&snap, &f));
                }
                refreshes
            })
        };
        let control = {
            let t = Arc::clone(&t);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut n = 0u32;
                while !done.load(Ordering::Relaxed) && n < 100_000 {
                    // TCP-only rules never change the UDP verdict.
                    t.add(&rule(2 + (n % 3) as u16, n % 3, 6)).unwrap();
                    t.remove(2 + (n % 3) as u16).unwrap();
                    n += 1;
                }
                n
            })
        };
        let reader = {
            let t = Arc::clone(&t);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut last = 0;
                while !done.load(Ordering::Relaxed) {
                    let s = t.rule_stats(1).unwrap();
                    assert!(s.num_pkts >= last && s.num_pkts <= N);
                    assert_eq!(s.num_bytes % 42, 0);
                    last = s.num_pkts;
                    std::thread::yield_now();
                }
            })
        };
        let refreshes = consumer.join().unwrap();
        done.store(true, Ordering::Relaxed);
        let changes = control.join().unwrap();
        reader.join().unwrap();
        assert!(u64::from(refreshes) <= 2 * u64::from(changes));
        assert_eq!(
            t.rule_stats(1).unwrap(),
            pfring_rule_stats {
                num_pkts: N,
                num_bytes: N * 42
            }
        );
    }
}
