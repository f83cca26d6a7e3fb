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
