//! Wildcard and hash filtering rules with the 3.7.5 semantics, the default
//! policy, per-rule statistics, the sampling countdown, and the compilation
//! of a rule set into an in-kernel classic-BPF prefilter.
//!
//! This module is what the AF_PACKET backend runs in user space in place of
//! the 3.7.5 kernel's `add_skb_to_ring` steps 4-7 (pfring-abi.md §4 item 5).
//! It knows nothing of sockets: the ring feeds it frames and asks for a
//! verdict.
//!
//! # Per-packet semantics (3.7.5)
//!
//! [`Snapshot::evaluate`] decides whether a frame is forwarded to the ring:
//!
//! 1. `fwd` starts as the default policy ([`RuleTable::set_default_accept`],
//!    accept on a new table).
//! 2. Hash rules first: the exact tuple `<vlan, proto, ip a, ip b, port a,
//!    port b>` matches a packet in either direction (`a` = source and `b` =
//!    destination, or the reverse). On a hit the rule's packet/byte counters
//!    move; `forward` forwards and `dont forward` drops, both skipping the
//!    wildcard list; `execute and continue` goes on to the wildcard list with
//!    `fwd` unchanged.
//! 3. Wildcard rules in ascending `rule_id`. A rule matches when every set
//!    field matches (0 = any):
//!    * `vlan_id`: equals the frame's VLAN id (0 when untagged);
//!    * `proto`: equals the IPv4 protocol;
//!    * `host_low > 0`: **both** the source and the destination address lie
//!      in `[host_low, host_high]` (host byte order). This is the 3.7.5 rule
//!      as pfring-abi.md §4 reads it; kernels from 3.8 on accept either
//!      address instead;
//!    * `port_high > 0`: the source **or** the destination port lies in
//!      `[port_low, port_high]`;
//!    * `balance_pool > 0`: `(vlan + proto + src + dst + sport + dport) %
//!      balance_pool == balance_id` (u32 wrapping sum of the parsed, host
//!      order fields: the 3.7.5 `hash_pkt_header`);
//!    * `payload_pattern` (the NUL-terminated prefix of the 32-byte field,
//!      empty = no pattern): the bytes occur, case-sensitively, in the
//!      captured payload (from the parsed payload offset to the end of the
//!      captured frame); a frame without a payload offset never matches.
//!
//!    A matching rule's counters move, then its action applies: `forward`
//!    (stop, forwarded), `dont forward` (stop, dropped) or `execute and
//!    continue` (next rule, `fwd` unchanged).
//! 4. The verdict is `fwd`. Sampling ([`Sampler`]) applies afterwards, to
//!    forwarded packets only, and is not a drop.
//!
//! Per-rule statistics ([`pfring_rule_stats`]: packets and bytes matched;
//! bytes are the wire length) count every match, whatever the action.
//!
//! # What `add` does to a rule (the library's sanitising, §2.2)
//!
//! [`sanitize`] applies, in place, `port_low > port_high => port_low =
//! port_high`, `host_low > host_high => host_low = host_high` and
//! `balance_id > balance_pool => balance_id = 0`; [`RuleTable::add`] applies
//! it to its own copy. A `rule_action` outside 0..=2 is refused with EINVAL.
//! Adding an id that exists replaces the rule and restarts its statistics.
//! Adding a hash rule whose tuple (in either orientation, with the same vlan
//! and proto) is already present is refused with EEXIST (3.7.5: "duplicate
//! found, discarded", EFAULT there); removing a missing wildcard or hash
//! rule fails with ENOENT (the 3.7.5 kernel said EFAULT or -1; ENOENT says
//! what happened).
//!
//! # Plugins
//!
//! `extended_fields.filter_plugin_id` and `plugin_action.plugin_id` name
//! kernel plugins of the 3.7.5 module. None can exist on the AF_PACKET
//! backend, so a rule that names one (non-zero id) is refused with
//! EOPNOTSUPP instead of being accepted with its plugin silently ignored:
//! ignoring a filter plugin would make the rule match more packets than the
//! caller asked for, and a plugin action's statistics could never be read.
//! `filter_plugin_data` is ignored (it only means something to a plugin).
//!
//! # Concurrency
//!
//! [`RuleTable`] is shared by every thread of a ring. Control calls (add,
//! remove, policy, stats) take its mutex; each change builds a new immutable
//! [`Snapshot`] and bumps an atomic generation counter. The consumer thread
//! keeps an `Arc<Snapshot>` and re-fetches it only when
//! [`RuleTable::generation`] changed, so the packet path takes no lock and
//! allocates nothing. Rule counters are `Arc`-shared atomics that survive
//! snapshot rebuilds (a replaced or removed rule gets fresh counters).
//!
//! [`Consumer`] packages this with the sampling countdown:
//!
//! ```
//! use pfring::parse::{parse, Direction};
//! use pfring::rules::{Consumer, Decision, RuleTable, Sampler};
//! let (table, sampler) = (RuleTable::new(), Sampler::new());
//! let mut consumer = Consumer::new(&table); // in the thread reading the ring
//! table.set_default_accept(false); // from any thread, at any time
//! let frame = [0u8; 60];
//! let p = parse(&frame, Direction::Rx);
//! let d = consumer.decide(&table, &sampler, &frame, &p, Direction::Rx, 60);
//! assert_eq!(d, Decision::Filtered);
//! ```
//!
//! # In-kernel prefilter
//!
//! After every change the ring re-attaches [`RuleTable::prefilter`] with
//! `SO_ATTACH_FILTER` (which replaces the old program atomically); see
//! [`compile_prefilter`] for what it decides in the kernel and what it
//! leaves to [`Snapshot::evaluate`], which stays authoritative.
//!
//! # Errors
//!
//! [`RuleError`] names each failure; [`RuleError::errno`] gives the value the
//! C API reports.
#![forbid(unsafe_code)]

mod bpf;
mod consumer;
mod engine;
mod sampler;
pub mod vectors;

pub use bpf::{compile_prefilter, prefilter_is_exact, SockFilter, BPF_MAXINSNS};
pub use consumer::{Consumer, Decision};
pub use engine::{sanitize, RuleTable, Snapshot};
pub use sampler::Sampler;

pub use crate::ffi::types::pfring_rule_stats;

use core::fmt;

/// Why a rule-table call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// `rule_action` is not one of the three 3.7.5 actions (EINVAL).
    InvalidAction(u32),
    /// No wildcard rule has this id (ENOENT).
    NoSuchRule(u16),
    /// No hash rule has this tuple (ENOENT).
    NoSuchHashRule,
    /// A hash rule with this tuple already exists (EEXIST).
    DuplicateHashRule,
    /// The rule names a kernel plugin (filter or action), which the AF_PACKET
    /// backend cannot run (EOPNOTSUPP).
    PluginUnsupported(u16),
    /// A sampling rate of 0 (EINVAL).
    InvalidSamplingRate,
}

impl RuleError {
    /// The errno value reported to C callers.
    pub fn errno(&self) -> i32 {
        match self {
            RuleError::InvalidAction(_) | RuleError::InvalidSamplingRate => libc::EINVAL,
            RuleError::NoSuchRule(_) | RuleError::NoSuchHashRule => libc::ENOENT,
            RuleError::DuplicateHashRule => libc::EEXIST,
            RuleError::PluginUnsupported(_) => libc::EOPNOTSUPP,
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::InvalidAction(a) => {
                write!(
                    f,
                    "rule_action {a} is not 0 (forward), 1 (don't forward) or 2 (continue)"
                )
            }
            RuleError::NoSuchRule(id) => write!(f, "no filtering rule with id {id}"),
            RuleError::NoSuchHashRule => f.write_str("no hash filtering rule with this tuple"),
            RuleError::DuplicateHashRule => {
                f.write_str("a hash filtering rule with this tuple already exists")
            }
            RuleError::PluginUnsupported(id) => write!(
                f,
                "plugin {id}: kernel plugins do not exist on the AF_PACKET backend"
            ),
            RuleError::InvalidSamplingRate => f.write_str("sampling rate 0 (1 disables sampling)"),
        }
    }
}

impl std::error::Error for RuleError {}

/// What a matching rule does (the numeric `rule_action_behaviour`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `forward_packet_and_stop_rule_evaluation` (0).
    Forward,
    /// `dont_forward_packet_and_stop_rule_evaluation` (1).
    Drop,
    /// `execute_action_and_continue_rule_evaluation` (2).
    Continue,
}

impl Action {
    /// Decodes a raw `rule_action`; values above 2 are refused.
    pub fn from_raw(raw: u32) -> Result<Action, RuleError> {
        match raw {
            0 => Ok(Action::Forward),
            1 => Ok(Action::Drop),
            2 => Ok(Action::Continue),
            other => Err(RuleError::InvalidAction(other)),
        }
    }

    /// The raw `rule_action` value.
    pub fn raw(self) -> u32 {
        match self {
            Action::Forward => 0,
            Action::Drop => 1,
            Action::Continue => 2,
        }
    }
}
