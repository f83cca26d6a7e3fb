//! Compiles a rule snapshot and its default policy into one classic BPF
//! program for `SO_ATTACH_FILTER`, so that packets the rules certainly drop
//! never reach the ring.
//!
//! The program accepts a superset of what [`Snapshot::evaluate`] forwards
//! (returning `snaplen`) and drops (returning 0) only packets whose verdict
//! is certain. It recomputes the `pkt_parsing_info` fields the rules use
//! exactly as `crate::parse` does, from the frame as the AF_PACKET filter
//! sees it:
//!
//! * the kernel has already moved a received 802.1Q tag out of the frame,
//!   so the VLAN id comes from the `SKF_AD_VLAN_TAG_PRESENT` / `SKF_AD_VLAN_TAG`
//!   ancillary loads (the ring must hand `evaluate` the frame with the tag
//!   put back, as libpcap does); a stripped tag whose TPID
//!   (`SKF_AD_VLAN_TPID`, Linux >= 4.2) is not 0x8100, and a tag still in
//!   the frame (ethertype 0x8100 at offset 12), are accepted and left to
//!   user space;
//! * a frame too short for a field the parser would read is accepted (the
//!   kernel would otherwise abort the program on the out-of-bounds load,
//!   which drops);
//! * payload patterns cannot be expressed: a forwarding rule with a pattern
//!   is compiled as if the pattern matched, a dropping rule with a pattern is
//!   left out (the packet may continue to later rules);
//! * `execute and continue` rules never change a verdict and are left out.
//!
//! Hash rules, VLAN, protocol, host and port ranges and balance hashes
//! (`BPF_MOD`, Linux >= 3.7) are compiled exactly. Every conditional jump is
//! local to its rule's block (well under 255 instructions), so no long jumps
//! are needed; a program longer than [`BPF_MAXINSNS`] falls back to
//! accept-all.
//!
//! The user-space evaluation stays authoritative (statistics, payload); the
//! prefilter only saves crossing the kernel boundary. Note that the kernel
//! filter sees the whole packet while user space sees `snaplen` bytes: the
//! ring's snaplen must cover the headers (14 + 4 + 60 + 20 bytes) for the
//! two to agree on header fields.

use super::engine::{Compiled, HashKey, Snapshot};
use super::Action;

/// One classic BPF instruction, laid out as the kernel's `struct
/// sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// The kernel's limit on classic BPF program length.
pub const BPF_MAXINSNS: usize = 4096;

// Opcode parts (linux/filter.h, linux/bpf_common.h).
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;
const W: u16 = 0x00;
const H: u16 = 0x08;
const B: u16 = 0x10;
const IMM: u16 = 0x00;
const ABS: u16 = 0x20;
const IND: u16 = 0x40;
const MEM: u16 = 0x60;
const LEN: u16 = 0x80;
const MSH: u16 = 0xa0;
const ADD: u16 = 0x00;
const AND: u16 = 0x50;
const MOD: u16 = 0x90;
const JA: u16 = 0x00;
const JEQ: u16 = 0x10;
const JGT: u16 = 0x20;
const JGE: u16 = 0x30;
const K: u16 = 0x00;
const X: u16 = 0x08;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;

/// Ancillary loads: `SKF_AD_OFF` (-0x1000) plus the field offset.
const SKF_AD_OFF: u32 = 0xffff_f000;
const SKF_AD_VLAN_TAG: u32 = SKF_AD_OFF + 44;
const SKF_AD_VLAN_TAG_PRESENT: u32 = SKF_AD_OFF + 48;
const SKF_AD_VLAN_TPID: u32 = SKF_AD_OFF + 60;

// Scratch memory slots holding the parsed fields.
const M_VLAN: u32 = 0;
const M_PROTO: u32 = 1;
const M_SRC: u32 = 2;
const M_DST: u32 = 3;
const M_SPORT: u32 = 4;
const M_DPORT: u32 = 5;
const M_HASH: u32 = 6;
const M_LO_IP: u32 = 7;
const M_LO_PORT: u32 = 8;
const M_HI_IP: u32 = 9;
const M_HI_PORT: u32 = 10;

#[derive(Clone, Copy)]
enum Target {
    Next,
    Label(usize),
}

struct Asm {
    code: Vec<(u16, Target, Target, u32)>,
    labels: Vec<Option<usize>>,
}

impl Asm {
    fn new() -> Asm {
        Asm {
            code: Vec::new(),
            labels: Vec::new(),
        }
    }

    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn bind(&mut self, l: usize) {
        self.labels[l] = Some(self.code.len());
    }

    fn stmt(&mut self, code: u16, k: u32) {
        self.code.push((code, Target::Next, Target::Next, k));
    }

    fn jmp(&mut self, op: u16, k: u32, jt: Target, jf: Target) {
        self.code.push((JMP | op | K, jt, jf, k));
    }

    fn ja(&mut self, l: usize) {
        self.code
            .push((JMP | JA, Target::Label(l), Target::Next, 0));
    }

    fn ret(&mut self, k: u32) {
        self.stmt(RET | K, k);
    }

    fn ld_mem(&mut self, slot: u32) {
        self.stmt(LD | MEM, slot);
    }

    fn len(&self) -> usize {
        self.code.len()
    }

    /// Resolves labels; None if a conditional jump would exceed 255.
    fn finish(self) -> Option<Vec<SockFilter>> {
        let mut out = Vec::with_capacity(self.code.len());
        for (pc, &(code, jt, jf, k)) in self.code.iter().enumerate() {
            let off = |t: Target| -> Option<usize> {
                match t {
                    Target::Next => Some(0),
                    Target::Label(l) => self.labels[l]?.checked_sub(pc + 1),
                }
            };
            if code == JMP | JA {
                let o = off(jt)?;
                out.push(SockFilter {
                    code,
                    jt: 0,
                    jf: 0,
                    k: u32::try_from(o).ok()?,
                });
            } else {
                out.push(SockFilter {
                    code,
                    jt: u8::try_from(off(jt)?).ok()?,
                    jf: u8::try_from(off(jf)?).ok()?,
                    k,
                });
            }
        }
        Some(out)
    }
}

/// True when the prefilter decides exactly what `evaluate` decides for
/// every frame whose tag (if any) the kernel stripped and whose headers are
/// complete: no rule that could change a verdict has a payload pattern.
pub fn prefilter_is_exact(snap: &Snapshot) -> bool {
    !snap
        .rules
        .iter()
        .any(|r| r.pattern.is_some() && r.action != Action::Continue)
}

/// The prefilter for `snap`: `snaplen` = the value returned on accept (the
/// ring's capture length). A table whose rules cannot change the default
/// verdict (e.g. no rules) gives a one-instruction program returning the
/// default policy: `[ret snaplen]` (attach nothing) or `[ret 0]`.
pub fn compile_prefilter(snap: &Snapshot, snaplen: u32) -> Vec<SockFilter> {
    let accept_all = vec![SockFilter {
        code: RET | K,
        jt: 0,
        jf: 0,
        k: snaplen,
    }];
    let default = if snap.default_accept() { snaplen } else { 0 };
    // When no rule can give a verdict other than the default one (no rules,
    // only `continue` rules, or only rules agreeing with the policy), every
    // packet gets the default.
    let agrees = |a: Action| match a {
        Action::Forward => snap.default_accept(),
        Action::Drop => !snap.default_accept(),
        Action::Continue => true,
    };
    let all_default = snap.rules.iter().all(|r| !decisive(r) || agrees(r.action))
        && snap.hash.values().all(|h| agrees(h.action));
    if all_default {
        return vec![SockFilter {
            code: RET | K,
            jt: 0,
            jf: 0,
            k: default,
        }];
    }
    let mut a = Asm::new();
    let need_hash = snap
        .rules
        .iter()
        .any(|r| decisive(r) && r.balance.is_some());
    prologue(&mut a, snaplen, need_hash);

    // Hash rules: at most one can hit a packet, so their order is free;
    // `execute and continue` ones never decide and are left out.
    let mut keys: Vec<(HashKey, u32)> = snap
        .hash
        .iter()
        .filter_map(|(k, h)| match h.action {
            Action::Forward => Some((*k, snaplen)),
            Action::Drop => Some((*k, 0)),
            Action::Continue => None,
        })
        .collect();
    keys.sort_unstable_by_key(|(k, _)| *k);
    if !keys.is_empty() {
        canonical_endpoints(&mut a);
    }
    for group in keys.chunk_by(|x, y| (x.0.vlan, x.0.proto) == (y.0.vlan, y.0.proto)) {
        hash_group(&mut a, group[0].0.vlan, group[0].0.proto, group);
        if a.len() > BPF_MAXINSNS {
            return accept_all;
        }
    }
    let mut tail_reachable = true;
    for r in snap.rules.iter() {
        if !decisive(r) {
            continue;
        }
        let verdict = if r.action == Action::Forward {
            snaplen
        } else {
            0
        };
        let unconditional = rule_block(&mut a, r, verdict);
        if a.len() > BPF_MAXINSNS {
            return accept_all;
        }
        if unconditional {
            tail_reachable = false;
            break;
        }
    }
    if tail_reachable {
        a.ret(default);
    }
    match a.finish() {
        Some(p) if p.len() <= BPF_MAXINSNS => p,
        _ => accept_all,
    }
}

/// A rule that can change the verdict in the prefilter.
fn decisive(r: &Compiled) -> bool {
    match r.action {
        Action::Continue => false,
        // A drop that depends on the payload may not happen.
        Action::Drop => r.pattern.is_none() && balance_possible(r),
        Action::Forward => balance_possible(r),
    }
}

/// A balance condition with `balance_id >= balance_pool` never matches.
fn balance_possible(r: &Compiled) -> bool {
    r.balance.is_none_or(|(id, pool)| id < pool)
}

/// Loads the fields into scratch memory, mirroring `crate::parse` on the
/// tag-stripped frame.
fn prologue(a: &mut Asm, snaplen: u32, need_hash: bool) {
    let is_ip = a.label();
    let no_vlan = a.label();
    let vlan_done = a.label();
    let tcp = a.label();
    let udp = a.label();
    let ports = a.label();
    let no_ports = a.label();
    let done = a.label();

    // Early accepts return in place rather than through a shared `ret`:
    // Linux's scratch-memory check lets a `ret` fall through to the next
    // instruction, so a shared one would mark every slot unset after it.
    // Shorter than an Ethernet header: the parser sees no ethertype.
    a.stmt(LD | W | LEN, 0);
    accept_unless(a, JGE, 14, snaplen);
    // A tag still in the frame: offsets differ, let user space decide.
    a.stmt(LD | H | ABS, 12);
    accept_if(a, JEQ, 0x8100, snaplen);
    // VLAN id: from the stripped tag, 0 when untagged.
    a.stmt(LD | W | ABS, SKF_AD_VLAN_TAG_PRESENT);
    a.jmp(JEQ, 0, Target::Label(no_vlan), Target::Next);
    a.stmt(LD | W | ABS, SKF_AD_VLAN_TPID);
    accept_unless(a, JEQ, 0x8100, snaplen);
    a.stmt(LD | W | ABS, SKF_AD_VLAN_TAG);
    a.stmt(ALU | AND | K, 0x0fff);
    a.ja(vlan_done);
    a.bind(no_vlan);
    a.stmt(LD | IMM, 0);
    a.bind(vlan_done);
    a.stmt(ST, M_VLAN);
    // IPv4?
    a.stmt(LD | H | ABS, 12);
    a.jmp(JEQ, 0x0800, Target::Label(is_ip), Target::Next);
    a.stmt(LD | IMM, 0);
    for m in [M_PROTO, M_SRC, M_DST, M_SPORT, M_DPORT] {
        a.stmt(ST, m);
    }
    a.ja(done);
    a.bind(is_ip);
    // The parser needs the addresses (bytes 26..34).
    a.stmt(LD | W | LEN, 0);
    accept_unless(a, JGE, 34, snaplen);
    a.stmt(LD | B | ABS, 23);
    a.stmt(ST, M_PROTO);
    a.stmt(LD | W | ABS, 26);
    a.stmt(ST, M_SRC);
    a.stmt(LD | W | ABS, 30);
    a.stmt(ST, M_DST);
    a.stmt(LDX | B | MSH, 14);
    a.ld_mem(M_PROTO);
    a.jmp(JEQ, 6, Target::Label(tcp), Target::Next);
    a.jmp(JEQ, 17, Target::Label(udp), Target::Label(no_ports));
    // TCP: the parser sets ports only when the flags byte (l4 + 13) is
    // there: len >= 14 + ihl*4 + 14.
    a.bind(tcp);
    a.stmt(MISC | TXA, 0);
    a.stmt(ALU | ADD | K, 28);
    a.stmt(MISC | TAX, 0);
    a.stmt(LD | W | LEN, 0);
    a.jmp(JGE | X, 0, Target::Label(ports), Target::Next);
    a.ret(snaplen);
    // UDP: both ports, len >= 14 + ihl*4 + 4.
    a.bind(udp);
    a.stmt(MISC | TXA, 0);
    a.stmt(ALU | ADD | K, 18);
    a.stmt(MISC | TAX, 0);
    a.stmt(LD | W | LEN, 0);
    a.jmp(JGE | X, 0, Target::Label(ports), Target::Next);
    a.ret(snaplen);
    a.bind(ports);
    a.stmt(LDX | B | MSH, 14);
    a.stmt(LD | H | IND, 14);
    a.stmt(ST, M_SPORT);
    a.stmt(LD | H | IND, 16);
    a.stmt(ST, M_DPORT);
    a.ja(done);
    a.bind(no_ports);
    a.stmt(LD | IMM, 0);
    a.stmt(ST, M_SPORT);
    a.stmt(ST, M_DPORT);
    a.bind(done);
    if need_hash {
        a.ld_mem(M_VLAN);
        for m in [M_PROTO, M_SRC, M_DST, M_SPORT, M_DPORT] {
            a.stmt(LDX | MEM, m);
            a.stmt(ALU | ADD | X, 0);
        }
        a.stmt(ST, M_HASH);
    }
}

/// `if !(A op k) return snaplen`.
fn accept_unless(a: &mut Asm, op: u16, k: u32, snaplen: u32) {
    let ok = a.label();
    a.jmp(op, k, Target::Label(ok), Target::Next);
    a.ret(snaplen);
    a.bind(ok);
}

/// `if (A op k) return snaplen`.
fn accept_if(a: &mut Asm, op: u16, k: u32, snaplen: u32) {
    let ok = a.label();
    a.jmp(op, k, Target::Next, Target::Label(ok));
    a.ret(snaplen);
    a.bind(ok);
}

/// Emits the hash rules of one `(vlan, proto)` group; the group test jumps
/// over the group with `ja` (groups can be longer than 255 instructions).
fn hash_group(a: &mut Asm, vlan: u16, proto: u8, rules: &[(HashKey, u32)]) {
    let end_group = a.label();
    for (slot, value) in [(M_VLAN, u32::from(vlan)), (M_PROTO, u32::from(proto))] {
        let body = a.label();
        a.ld_mem(slot);
        a.jmp(JEQ, value, Target::Label(body), Target::Next);
        a.ja(end_group);
        a.bind(body);
    }
    for (key, verdict) in rules {
        let end = a.label();
        let e = Target::Label(end);
        let checks = [
            (M_LO_IP, key.lo.0),
            (M_LO_PORT, u32::from(key.lo.1)),
            (M_HI_IP, key.hi.0),
            (M_HI_PORT, u32::from(key.hi.1)),
        ];
        for (slot, value) in checks {
            a.ld_mem(slot);
            a.jmp(JEQ, value, Target::Next, e);
        }
        a.ret(*verdict);
        a.bind(end);
    }
    a.bind(end_group);
}

/// Orders the packet's endpoints as `HashKey` does: M_LO_* gets the smaller
/// `(ip, port)`, so one comparison per field matches both directions.
fn canonical_endpoints(a: &mut Asm) {
    let swap = a.label();
    let keep = a.label();
    let cmp_ports = a.label();
    let done = a.label();
    a.ld_mem(M_DST);
    a.stmt(MISC | TAX, 0);
    a.ld_mem(M_SRC);
    a.jmp(JGT | X, 0, Target::Label(swap), Target::Next);
    a.jmp(JEQ | X, 0, Target::Label(cmp_ports), Target::Label(keep));
    a.bind(cmp_ports);
    a.ld_mem(M_DPORT);
    a.stmt(MISC | TAX, 0);
    a.ld_mem(M_SPORT);
    a.jmp(JGT | X, 0, Target::Label(swap), Target::Label(keep));
    a.bind(keep);
    for (from, to) in [
        (M_SRC, M_LO_IP),
        (M_SPORT, M_LO_PORT),
        (M_DST, M_HI_IP),
        (M_DPORT, M_HI_PORT),
    ] {
        a.ld_mem(from);
        a.stmt(ST, to);
    }
    a.ja(done);
    a.bind(swap);
    for (from, to) in [
        (M_DST, M_LO_IP),
        (M_DPORT, M_LO_PORT),
        (M_SRC, M_HI_IP),
        (M_SPORT, M_HI_PORT),
    ] {
        a.ld_mem(from);
        a.stmt(ST, to);
    }
    a.bind(done);
}

/// Emits one wildcard rule; returns true if it has no condition (every
/// packet reaching it gets its verdict).
fn rule_block(a: &mut Asm, r: &Compiled, verdict: u32) -> bool {
    let end = a.label();
    let e = Target::Label(end);
    let n = Target::Next;
    let mut conditions = 0;
    if r.vlan != 0 {
        a.ld_mem(M_VLAN);
        a.jmp(JEQ, u32::from(r.vlan), n, e);
        conditions += 1;
    }
    if r.proto != 0 {
        a.ld_mem(M_PROTO);
        a.jmp(JEQ, u32::from(r.proto), n, e);
        conditions += 1;
    }
    if let Some((lo, hi)) = r.hosts {
        for m in [M_SRC, M_DST] {
            a.ld_mem(m);
            a.jmp(JGE, lo, n, e);
            a.jmp(JGT, hi, e, n);
        }
        conditions += 1;
    }
    if let Some((lo, hi)) = r.ports {
        let try_dst = a.label();
        let ok = a.label();
        a.ld_mem(M_SPORT);
        a.jmp(JGE, u32::from(lo), n, Target::Label(try_dst));
        a.jmp(
            JGT,
            u32::from(hi),
            Target::Label(try_dst),
            Target::Label(ok),
        );
        a.bind(try_dst);
        a.ld_mem(M_DPORT);
        a.jmp(JGE, u32::from(lo), n, e);
        a.jmp(JGT, u32::from(hi), e, n);
        a.bind(ok);
        conditions += 1;
    }
    if let Some((id, pool)) = r.balance {
        a.ld_mem(M_HASH);
        a.stmt(ALU | MOD | K, u32::from(pool));
        a.jmp(JEQ, u32::from(id), n, e);
        conditions += 1;
    }
    a.ret(verdict);
    a.bind(end);
    conditions == 0
}
