//! Runs the rule-engine vector table (tests/data/rules/vectors.txt) against
//! the pure-Rust engine, in both directions, and checks at every frame that
//! the in-kernel prefilter compiled from the same rules (run here by a
//! minimal classic-BPF interpreter with the kernel's checks) never drops a
//! frame the engine forwards and drops every frame whose verdict is certain.

use std::sync::Arc;

use pfring::ffi::types::{RawFilteringRule, RawHashFilteringRule};
use pfring::parse::{parse, Direction};
use pfring::rules::vectors::{self, Backend, Expect, Step};
use pfring::rules::{
    compile_prefilter, prefilter_is_exact, RuleTable, Snapshot, SockFilter, BPF_MAXINSNS,
};

const SNAPLEN: u32 = 1518;

// ---------------------------------------------------------------------------
// A minimal classic BPF interpreter and validator (the kernel's rules).

mod cbpf {
    use super::SockFilter;

    /// What the kernel knows besides the frame bytes.
    #[derive(Clone, Copy, Default)]
    pub struct Aux {
        pub vlan_tci: Option<(u16, u16)>, // (tpid, tci)
    }

    const SKF_AD_OFF: u32 = 0xffff_f000;

    fn load(pkt: &[u8], off: u32, size: usize, aux: Aux) -> Option<u32> {
        if off >= SKF_AD_OFF && size == 4 {
            return match off - SKF_AD_OFF {
                44 => Some(aux.vlan_tci.map_or(0, |(_, t)| u32::from(t))),
                48 => Some(u32::from(aux.vlan_tci.is_some())),
                60 => Some(aux.vlan_tci.map_or(0, |(p, _)| u32::from(p))),
                _ => None,
            };
        }
        let off = usize::try_from(off).ok()?;
        let b = pkt.get(off..off.checked_add(size)?)?;
        Some(b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)))
    }

    /// Runs the program; an out-of-bounds load ends it with 0, as in Linux.
    pub fn run(prog: &[SockFilter], pkt: &[u8], aux: Aux) -> u32 {
        let (mut a, mut x) = (0u32, 0u32);
        let mut mem = [0u32; 16];
        let mut pc = 0usize;
        let len = pkt.len() as u32;
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(
                steps <= prog.len(),
                "no backward jumps, so at most len steps"
            );
            let i = prog[pc];
            pc += 1;
            let class = i.code & 0x07;
            let size = match i.code & 0x18 {
                0x00 => 4,
                0x08 => 2,
                _ => 1,
            };
            let mode = i.code & 0xe0;
            let src = if i.code & 0x08 != 0 { x } else { i.k };
            match class {
                0x00 => {
                    a = match mode {
                        0x00 => i.k,
                        0x20 => match load(pkt, i.k, size, aux) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0x40 => match load(pkt, x.wrapping_add(i.k), size, aux) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0x60 => mem[i.k as usize],
                        0x80 => len,
                        _ => panic!("bad ld mode {:#x}", i.code),
                    }
                }
                0x01 => {
                    x = match mode {
                        0x00 => i.k,
                        0x60 => mem[i.k as usize],
                        0x80 => len,
                        0xa0 => match load(pkt, i.k, 1, aux) {
                            Some(v) => (v & 0xf) * 4,
                            None => return 0,
                        },
                        _ => panic!("bad ldx mode {:#x}", i.code),
                    }
                }
                0x02 => mem[i.k as usize] = a,
                0x03 => mem[i.k as usize] = x,
                0x04 => {
                    a = match i.code & 0xf0 {
                        0x00 => a.wrapping_add(src),
                        0x10 => a.wrapping_sub(src),
                        0x20 => a.wrapping_mul(src),
                        0x30 => match a.checked_div(src) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0x40 => a | src,
                        0x50 => a & src,
                        0x60 => a.checked_shl(src).unwrap_or(0),
                        0x70 => a.checked_shr(src).unwrap_or(0),
                        0x80 => a.wrapping_neg(),
                        0x90 => match a.checked_rem(src) {
                            Some(v) => v,
                            None => return 0,
                        },
                        0xa0 => a ^ src,
                        _ => panic!("bad alu {:#x}", i.code),
                    }
                }
                0x05 => {
                    let op = i.code & 0xf0;
                    if op == 0x00 {
                        pc += i.k as usize;
                        continue;
                    }
                    let taken = match op {
                        0x10 => a == src,
                        0x20 => a > src,
                        0x30 => a >= src,
                        0x40 => a & src != 0,
                        _ => panic!("bad jmp {:#x}", i.code),
                    };
                    pc += usize::from(if taken { i.jt } else { i.jf });
                }
                0x06 => return if i.code & 0x18 == 0x10 { a } else { i.k },
                0x07 => {
                    if i.code & 0xf8 == 0x80 {
                        a = x
                    } else {
                        x = a
                    }
                }
                _ => unreachable!(),
            }
        }
    }

    /// The checks of the kernel's `bpf_check_classic`: length, jump targets,
    /// scratch slots, constant divisors, a final return, and (as
    /// `check_load_and_stores` does it, in one forward pass in which a `ret`
    /// falls through) every scratch slot written before it is read.
    pub fn validate(prog: &[SockFilter]) -> Result<(), String> {
        let n = prog.len();
        if n == 0 || n > super::BPF_MAXINSNS {
            return Err(format!("length {n}"));
        }
        for (pc, i) in prog.iter().enumerate() {
            let class = i.code & 0x07;
            let mem = (class == 0x00 || class == 0x01) && i.code & 0xe0 == 0x60;
            if (mem || class == 0x02 || class == 0x03) && i.k >= 16 {
                return Err(format!("pc {pc}: scratch slot {}", i.k));
            }
            if class == 0x04
                && matches!(i.code & 0xf0, 0x30 | 0x90)
                && i.code & 0x08 == 0
                && i.k == 0
            {
                return Err(format!("pc {pc}: division by constant 0"));
            }
            if class == 0x05 {
                let far = if i.code & 0xf0 == 0 {
                    i.k as usize
                } else {
                    usize::from(i.jt.max(i.jf))
                };
                if pc + 1 + far >= n {
                    return Err(format!("pc {pc}: jump past the end"));
                }
            }
        }
        let last = prog[n - 1].code & 0x07;
        if last != 0x06 && !(last == 0x05 && prog[n - 1].code & 0xf0 == 0) {
            return Err("does not end in a return".into());
        }
        let mut masks = vec![0xffffu16; n];
        let mut valid = 0u16;
        for (pc, i) in prog.iter().enumerate() {
            valid &= masks[pc];
            match i.code {
                0x02 | 0x03 => valid |= 1 << i.k,
                0x60 | 0x61 if valid & (1 << i.k) == 0 => {
                    return Err(format!("pc {pc}: M[{}] read before written", i.k));
                }
                0x05 => {
                    masks[pc + 1 + i.k as usize] &= valid;
                    valid = 0xffff;
                }
                c if c & 0x07 == 0x05 => {
                    masks[pc + 1 + usize::from(i.jt)] &= valid;
                    masks[pc + 1 + usize::from(i.jf)] &= valid;
                    valid = 0xffff;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// What the AF_PACKET filter sees for a frame: a leading 802.1Q tag is
/// moved out into the skb's vlan fields.
fn kernel_view(frame: &[u8]) -> (Vec<u8>, cbpf::Aux) {
    if frame.len() >= 18 && frame[12..14] == [0x81, 0x00] {
        let tci = u16::from_be_bytes([frame[14], frame[15]]);
        let mut v = frame[..12].to_vec();
        v.extend_from_slice(&frame[16..]);
        (
            v,
            cbpf::Aux {
                vlan_tci: Some((0x8100, tci)),
            },
        )
    } else {
        (frame.to_vec(), cbpf::Aux::default())
    }
}

/// True when the parser can read every header field the rules look at.
fn headers_complete(frame: &[u8]) -> bool {
    let l3 = if frame.len() >= 14 && frame[12..14] == [0x81, 0x00] {
        18
    } else {
        14
    };
    if frame.len() < l3 {
        return false;
    }
    if frame[l3 - 2..l3] != [0x08, 0x00] {
        return true;
    }
    if frame.len() < l3 + 20 {
        return false;
    }
    let l4 = l3 + usize::from(frame[l3] & 0x0f) * 4;
    match frame[l3 + 9] {
        6 => frame.len() >= l4 + 14,
        17 => frame.len() >= l4 + 4,
        _ => true,
    }
}

/// The engine plus the prefilter cross-check.
struct Engine {
    table: RuleTable,
    dir: Direction,
    snap: Arc<Snapshot>,
    seen: u64,
    prog: Vec<SockFilter>,
    frames: usize,
    exact_checks: usize,
    kernel_drops: usize,
}

impl Engine {
    fn new(dir: Direction) -> Engine {
        let table = RuleTable::new();
        let snap = table.snapshot();
        let seen = table.generation();
        let prog = compile_prefilter(&snap, SNAPLEN);
        Engine {
            table,
            dir,
            snap,
            seen,
            prog,
            frames: 0,
            exact_checks: 0,
            kernel_drops: 0,
        }
    }
}

fn errno<T>(r: Result<T, pfring::rules::RuleError>) -> Expect<T> {
    r.map_err(|e| e.errno())
}

impl Backend for Engine {
    fn set_policy(&mut self, accept: bool) -> Expect<()> {
        self.table.set_default_accept(accept);
        Ok(())
    }
    fn add_rule(&mut self, rule: &RawFilteringRule) -> Expect<()> {
        errno(self.table.add(rule))
    }
    fn remove_rule(&mut self, id: u16) -> Expect<()> {
        errno(self.table.remove(id))
    }
    fn add_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()> {
        errno(self.table.add_hash(rule))
    }
    fn remove_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()> {
        errno(self.table.remove_hash(rule))
    }
    fn send(&mut self, frame: &[u8]) -> bool {
        let g = self.table.generation();
        if g != self.seen {
            self.snap = self.table.snapshot();
            self.seen = g;
            self.prog = compile_prefilter(&self.snap, SNAPLEN);
            cbpf::validate(&self.prog).expect("prefilter passes the kernel's checks");
        }
        let p = parse(frame, self.dir);
        let fwd = self.snap.evaluate(frame, &p, self.dir, frame.len() as u32);
        let (kv, aux) = kernel_view(frame);
        let pre = cbpf::run(&self.prog, &kv, aux);
        assert!(pre == 0 || pre == SNAPLEN, "prefilter returned {pre}");
        if fwd {
            assert_eq!(
                pre, SNAPLEN,
                "prefilter dropped a forwarded frame {frame:02x?}"
            );
        }
        if prefilter_is_exact(&self.snap) && headers_complete(frame) {
            assert_eq!(pre != 0, fwd, "prefilter not exact on {frame:02x?}");
            self.exact_checks += 1;
        }
        // A tag left in the frame (no offload) must not drop a forwarded frame.
        if fwd && frame.len() >= 14 && frame[12..14] == [0x81, 0x00] {
            assert_eq!(cbpf::run(&self.prog, frame, cbpf::Aux::default()), SNAPLEN);
        }
        self.frames += 1;
        self.kernel_drops += usize::from(pre == 0);
        fwd
    }
    fn rule_stats(&mut self, id: u16) -> Expect<(u64, u64)> {
        errno(self.table.rule_stats(id)).map(|s| (s.num_pkts, s.num_bytes))
    }
    fn hash_stats(&mut self, rule: &RawHashFilteringRule) -> Expect<(u64, u64)> {
        errno(self.table.hash_rule_stats(rule)).map(|s| (s.num_pkts, s.num_bytes))
    }
}

fn table() -> Vec<vectors::Vector> {
    vectors::parse(vectors::BUILTIN).expect("vector table parses")
}

#[test]
fn vector_table_has_the_expected_size() {
    let t = table();
    assert_eq!(t.len(), 42);
    assert_eq!(t.iter().filter(|v| v.applies_to("af_packet")).count(), 42);
    assert_eq!(t.iter().filter(|v| v.applies_to("kmod")).count(), 41);
    let sends = t
        .iter()
        .flat_map(|v| &v.steps)
        .filter(|(_, s)| matches!(s, Step::Send(..)))
        .count();
    assert_eq!(sends, 139);
}

fn run_all(dir: Direction) -> (usize, usize, usize) {
    let mut frames = 0;
    let mut exact = 0;
    let mut kernel_drops = 0;
    for v in table() {
        assert!(v.applies_to("af_packet"));
        let mut e = Engine::new(dir);
        if let Err(msg) = vectors::run(&v, &mut e) {
            panic!("{dir:?}: {msg}");
        }
        frames += e.frames;
        exact += e.exact_checks;
        kernel_drops += e.kernel_drops;
    }
    (frames, exact, kernel_drops)
}

#[test]
fn vectors_pass_on_the_engine_for_received_frames() {
    let (frames, exact, kernel_drops) = run_all(Direction::Rx);
    assert_eq!(frames, 139);
    assert_eq!(exact, 117);
    assert_eq!(kernel_drops, 61);
}

#[test]
fn vectors_pass_on_the_engine_for_transmitted_frames() {
    let (frames, _, _) = run_all(Direction::Tx);
    assert_eq!(frames, 139);
}

#[test]
fn a_failing_expectation_is_reported_with_its_line() {
    let text = "vector x\npolicy drop\nsend arp => fwd\nend\n";
    let v = vectors::parse(text).unwrap();
    let err = vectors::run(&v[0], &mut Engine::new(Direction::Rx)).unwrap_err();
    assert_eq!(
        err,
        "vector 'x' line 3: frame of 42 bytes: got drop, want fwd"
    );
    let text = "vector y\nremove 3\nend\n";
    let v = vectors::parse(text).unwrap();
    let err = vectors::run(&v[0], &mut Engine::new(Direction::Rx)).unwrap_err();
    assert_eq!(err, "vector 'y' line 2: got ENOENT, want Ok(())");
}

#[test]
fn parse_errors_name_the_line() {
    let e = vectors::parse("vector a\nrule action=fwd\nend\n").unwrap_err();
    assert_eq!((e.line, e.msg.as_str()), (2, "rule needs id="));
    let e = vectors::parse("vector a\nsend udp 1.2.3.4:1 > 5.6.7.8:2\nend\n").unwrap_err();
    assert_eq!(
        (e.line, e.msg.as_str()),
        (2, "send needs '=> fwd' or '=> drop'")
    );
    let e = vectors::parse("vector a\nonly bsd\nend\n").unwrap_err();
    assert_eq!(
        (e.line, e.msg.as_str()),
        (2, "want 'only af_packet' or 'only kmod'")
    );
    let e = vectors::parse("vector a\npolicy accept\n").unwrap_err();
    assert_eq!((e.line, e.msg.as_str()), (1, "vector 'a' has no 'end'"));
}

#[test]
fn built_frames_have_exact_bytes() {
    let args: Vec<String> = "udp 198.51.100.1:1234 > 198.51.100.2:53 vlan=100 payload=\"hi\""
        .split(' ')
        .map(String::from)
        .collect();
    let f = vectors::build_frame(&args).unwrap();
    let want: Vec<u8> = [
        &[
            2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 100, 0x08, 0x00,
        ][..],
        &[0x45, 0, 0, 30, 0, 1, 0x40, 0, 64, 17],
        &[0xe6, 0x63], // header checksum
        &[198, 51, 100, 1, 198, 51, 100, 2],
        &[0x04, 0xd2, 0, 53, 0, 10, 0, 0, b'h', b'i'],
    ]
    .concat();
    assert_eq!(f, want);
    // The checksum of a header with its checksum is 0 (i.e. sums to 0xffff).
    let sum: u32 = f[18..38]
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    assert_eq!((sum & 0xffff) + (sum >> 16), 0xffff);
}

// ---------------------------------------------------------------------------
// Prefilter shape.

fn rule(id: u16, action: u32) -> RawFilteringRule {
    let v = vectors::parse(&format!("vector r\nrule id={id} action={action}\nend\n")).unwrap();
    match &v[0].steps[0].1 {
        Step::AddRule(r, _) => **r,
        _ => unreachable!(),
    }
}

#[test]
fn trivial_tables_compile_to_one_return() {
    let t = RuleTable::new();
    assert_eq!(
        compile_prefilter(&t.snapshot(), 96),
        [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 96
        }]
    );
    t.set_default_accept(false);
    assert_eq!(
        compile_prefilter(&t.snapshot(), 96),
        [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0
        }]
    );
}

#[test]
fn rules_that_cannot_change_the_default_compile_to_one_return() {
    let t = RuleTable::new();
    t.set_default_accept(false);
    t.add(&rule(1, 2)).unwrap(); // continue
    t.add(&rule(2, 1)).unwrap(); // drop, as the policy
    let h = RawHashFilteringRule {
        vlan_id: 0,
        proto: 6,
        host_peer_a: 1,
        host_peer_b: 2,
        port_peer_a: 3,
        port_peer_b: 4,
        rule_action: 1,
        plugin_action: Default::default(),
    };
    t.add_hash(&h).unwrap();
    let ret0 = [SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0,
    }];
    assert_eq!(compile_prefilter(&t.snapshot(), 96), ret0);
    // A forward rule behind the drop-all rule is shadowed but still compiled.
    t.add(&rule(3, 0)).unwrap();
    assert_ne!(compile_prefilter(&t.snapshot(), 96), ret0);
    t.remove(3).unwrap();
    t.set_default_accept(true);
    assert_ne!(compile_prefilter(&t.snapshot(), 96).len(), 1);
}

#[test]
fn continue_rules_and_payload_drops_do_not_drop_in_the_kernel() {
    let t = RuleTable::new();
    t.set_default_accept(true);
    let mut r = rule(1, 1);
    r.extended_fields.payload_pattern[0] = b'x' as _;
    t.add(&r).unwrap();
    t.add(&rule(2, 2)).unwrap();
    let prog = compile_prefilter(&t.snapshot(), 64);
    cbpf::validate(&prog).unwrap();
    assert!(!prefilter_is_exact(&t.snapshot()));
    let arp = vectors::build_frame(&["arp".to_string()]).unwrap();
    assert_eq!(cbpf::run(&prog, &arp, cbpf::Aux::default()), 64);
}

#[test]
fn an_unconditional_rule_ends_the_program() {
    let t = RuleTable::new();
    t.add(&rule(1, 1)).unwrap();
    let mut later = rule(2, 0);
    later.core_fields.proto = 47;
    t.add(&later).unwrap();
    let prog = compile_prefilter(&t.snapshot(), 64);
    cbpf::validate(&prog).unwrap();
    assert_eq!(
        prog.last().unwrap(),
        &SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0
        }
    );
    assert!(
        !prog.iter().any(|i| i.code == 0x15 && i.k == 47),
        "rule 2 is dead code"
    );
}

/// Instructions before the first hash group: field loads, the endpoint
/// ordering and the two group tests.
const PROLOGUE_LEN: usize = 91;

#[test]
fn hash_rules_up_to_the_limit_compile_and_beyond_fall_back_to_accept_all() {
    let t = RuleTable::new();
    t.set_default_accept(false);
    let mut h = RawHashFilteringRule {
        vlan_id: 0,
        proto: 17,
        host_peer_a: 0xc633_6401,
        host_peer_b: 0xc633_6402,
        port_peer_a: 0,
        port_peer_b: 53,
        rule_action: 0,
        plugin_action: Default::default(),
    };
    for port in 1..=400u16 {
        h.port_peer_a = port;
        t.add_hash(&h).unwrap();
    }
    let prog = compile_prefilter(&t.snapshot(), 64);
    cbpf::validate(&prog).unwrap();
    // 9 instructions per hash rule after the shared prologue.
    assert_eq!(prog.len(), PROLOGUE_LEN + 9 * 400 + 1);
    assert!(prog.len() <= BPF_MAXINSNS);
    let f = |sport: u16| {
        vectors::build_frame(
            &format!("udp 198.51.100.1:{sport} > 198.51.100.2:53")
                .split(' ')
                .map(String::from)
                .collect::<Vec<_>>(),
        )
        .unwrap()
    };
    assert_eq!(cbpf::run(&prog, &f(400), cbpf::Aux::default()), 64);
    assert_eq!(cbpf::run(&prog, &f(401), cbpf::Aux::default()), 0);
    for port in 401..=500u16 {
        h.port_peer_a = port;
        t.add_hash(&h).unwrap();
    }
    let prog = compile_prefilter(&t.snapshot(), 64);
    assert_eq!(
        prog,
        [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 64
        }]
    );
}

// ---------------------------------------------------------------------------
// Randomised cross-check of engine and prefilter (deterministic generator).

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize]
    }
}

const IPS: [&str; 4] = [
    "198.51.100.1",
    "198.51.100.2",
    "198.51.100.9",
    "203.0.113.7",
];
const PORTS: [u16; 5] = [0, 53, 80, 1000, 65535];

fn random_frame(g: &mut Lcg) -> Vec<u8> {
    let kind = g.pick(&["udp", "tcp", "icmp", "arp", "ip"]);
    if kind == "arp" {
        return vectors::build_frame(&["arp".to_string()]).unwrap();
    }
    let (s, d) = (g.pick(&IPS), g.pick(&IPS));
    let mut spec = if kind == "udp" || kind == "tcp" {
        format!("{kind} {s}:{} > {d}:{}", g.pick(&PORTS), g.pick(&PORTS))
    } else if kind == "ip" {
        format!("ip proto={} {s} > {d}", g.pick(&[17u8, 6, 47]))
    } else {
        format!("icmp {s} > {d}")
    };
    if g.below(3) == 0 {
        spec += &format!(" vlan={}", g.pick(&[1u16, 10, 4095]));
    }
    if g.below(3) == 0 {
        spec += " payload=\"abc\"";
    }
    if g.below(5) == 0 {
        spec += &format!(" ihl={}", 5 + g.below(11));
    }
    let args: Vec<String> = spec.split(' ').map(String::from).collect();
    let mut f = vectors::build_frame(&args).unwrap();
    if g.below(8) == 0 {
        let n = g.below(f.len() as u32) as usize;
        f.truncate(n);
    }
    f
}

fn random_rule(g: &mut Lcg, id: u16) -> RawFilteringRule {
    let mut r = rule(id, g.below(3));
    let c = &mut r.core_fields;
    if g.below(2) == 0 {
        c.proto = g.pick(&[1u8, 6, 17, 47]);
    }
    if g.below(4) == 0 {
        c.vlan_id = g.pick(&[1u16, 10, 4095]);
    }
    if g.below(3) == 0 {
        c.host_low = u32::from(g.pick(&IPS).parse::<std::net::Ipv4Addr>().unwrap());
        c.host_high = u32::from(g.pick(&IPS).parse::<std::net::Ipv4Addr>().unwrap());
    }
    if g.below(3) == 0 {
        c.port_low = g.pick(&PORTS);
        c.port_high = g.pick(&PORTS);
    }
    if g.below(4) == 0 {
        r.balance_pool = g.pick(&[1u8, 2, 3, 7]);
        r.balance_id = g.below(9) as u8;
    }
    if g.below(6) == 0 {
        for (d, s) in r.extended_fields.payload_pattern.iter_mut().zip(b"bc") {
            *d = *s as _;
        }
    }
    r
}

#[test]
fn random_rule_sets_never_make_the_prefilter_drop_a_forwarded_frame() {
    let mut g = Lcg(0x5eed_2008);
    let mut checked = 0;
    let mut exact = 0;
    let mut kernel_drops = 0;
    for _ in 0..300 {
        let mut e = Engine::new(Direction::Rx);
        e.set_policy(g.below(2) == 0).unwrap();
        for _ in 0..g.below(6) {
            let id = g.below(8) as u16;
            let r = random_rule(&mut g, id);
            e.add_rule(&r).unwrap();
        }
        for _ in 0..g.below(3) {
            let (s, d) = (g.pick(&IPS), g.pick(&IPS));
            let h = RawHashFilteringRule {
                vlan_id: g.pick(&[0u16, 10]),
                proto: g.pick(&[6u8, 17]),
                host_peer_a: u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()),
                host_peer_b: u32::from(d.parse::<std::net::Ipv4Addr>().unwrap()),
                port_peer_a: g.pick(&PORTS),
                port_peer_b: g.pick(&PORTS),
                rule_action: g.below(3),
                plugin_action: Default::default(),
            };
            let _ = e.add_hash(&h);
        }
        for _ in 0..40 {
            let f = random_frame(&mut g);
            e.send(&f); // asserts superset and exactness inside
        }
        checked += e.frames;
        exact += e.exact_checks;
        kernel_drops += e.kernel_drops;
    }
    assert_eq!(checked, 12_000);
    assert_eq!(exact, 7_617);
    assert_eq!(kernel_drops, 5_079);
}

// ---------------------------------------------------------------------------
// The same programs in the real kernel: attached with SO_ATTACH_FILTER to an
// AF_PACKET socket on one end of a veth pair (both ends in a namespace of
// this test), the kernel's verdict on every vector frame must equal the
// interpreter's. This checks that Linux accepts the programs and that the
// VLAN ancillary loads see what the interpreter's kernel model assumes.

mod kernel {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::process::Command;

    use super::SockFilter;

    const IPV6_OFF: &str = "for f in all default; do \
        echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null; true";

    /// A network namespace holding a veth pair va/vb, deleted on drop.
    pub struct Netns(pub String);

    fn ip(args: &[&str]) {
        let st = Command::new("ip").args(args).status().expect("run ip");
        assert!(st.success(), "ip {args:?} failed");
    }

    impl Netns {
        pub fn new(tag: &str) -> Netns {
            let name = format!("rules-{tag}-{}", std::process::id());
            let _ = Command::new("ip")
                .args(["netns", "del", &name])
                .stderr(std::process::Stdio::null())
                .status();
            ip(&["netns", "add", &name]);
            let ns = Netns(name);
            let n = ns.0.as_str();
            // No IPv6 chatter on the new links (best effort: IPv6 may be
            // absent; the checks below skip foreign frames anyway).
            let _ = Command::new("ip")
                .args(["netns", "exec", n, "sh", "-c", IPV6_OFF])
                .status();
            ip(&[
                "-n", n, "link", "add", "va", "type", "veth", "peer", "name", "vb",
            ]);
            ip(&["-n", n, "link", "set", "va", "up"]);
            ip(&["-n", n, "link", "set", "vb", "up"]);
            ns
        }

        /// Moves the calling thread into the namespace.
        pub fn enter(&self) {
            let f = std::fs::File::open(format!("/var/run/netns/{}", self.0)).expect("netns file");
            // SAFETY: setns on a valid namespace fd; affects this thread only.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        }
    }

    impl Drop for Netns {
        fn drop(&mut self) {
            let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        }
    }

    /// An AF_PACKET SOCK_RAW socket bound to `dev` (in the current netns).
    pub fn packet_socket(dev: &str) -> OwnedFd {
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call; the fd is owned right below.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, i32::from(proto)) };
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let name = CString::new(dev).unwrap();
        // SAFETY: name is a valid C string.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        assert_ne!(ifindex, 0, "no device {dev}");
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: sll is a valid sockaddr_ll and the length matches it.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert_eq!(rc, 0, "bind {dev}: {}", std::io::Error::last_os_error());
        fd
    }

    /// SO_ATTACH_FILTER; the kernel checks the program and may refuse it.
    pub fn attach(fd: &OwnedFd, prog: &[SockFilter]) -> std::io::Result<()> {
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            // SockFilter has the layout of struct sock_filter.
            filter: prog.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: fprog points at prog.len() instructions that outlive the
        // call (the kernel copies them).
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                (&fprog as *const libc::sock_fprog).cast(),
                std::mem::size_of::<libc::sock_fprog>() as u32,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    pub fn send(fd: &OwnedFd, frame: &[u8]) {
        // SAFETY: frame is a valid buffer of frame.len() bytes.
        let n = unsafe { libc::send(fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        assert_eq!(
            n,
            frame.len() as isize,
            "send: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Next frame within `ms` milliseconds, if any.
    pub fn recv(fd: &OwnedFd, ms: i32) -> Option<Vec<u8>> {
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc <= 0 {
            return None;
        }
        let mut buf = vec![0u8; 2048];
        // SAFETY: buf is writable for buf.len() bytes.
        let n = unsafe {
            libc::recv(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            return None;
        }
        buf.truncate(n as usize);
        Some(buf)
    }
}

/// Every (program, frame) the vector table produces, with the interpreter's
/// verdict.
fn vector_programs() -> Vec<(Vec<SockFilter>, Vec<u8>, bool)> {
    struct Collect(Engine, Vec<(Vec<SockFilter>, Vec<u8>, bool)>);
    impl Backend for Collect {
        fn set_policy(&mut self, a: bool) -> Expect<()> {
            self.0.set_policy(a)
        }
        fn add_rule(&mut self, r: &RawFilteringRule) -> Expect<()> {
            self.0.add_rule(r)
        }
        fn remove_rule(&mut self, id: u16) -> Expect<()> {
            self.0.remove_rule(id)
        }
        fn add_hash(&mut self, r: &RawHashFilteringRule) -> Expect<()> {
            self.0.add_hash(r)
        }
        fn remove_hash(&mut self, r: &RawHashFilteringRule) -> Expect<()> {
            self.0.remove_hash(r)
        }
        fn send(&mut self, frame: &[u8]) -> bool {
            let fwd = self.0.send(frame);
            let (kv, aux) = kernel_view(frame);
            let pre = cbpf::run(&self.0.prog, &kv, aux) != 0;
            self.1.push((self.0.prog.clone(), frame.to_vec(), pre));
            fwd
        }
        fn rule_stats(&mut self, id: u16) -> Expect<(u64, u64)> {
            self.0.rule_stats(id)
        }
        fn hash_stats(&mut self, r: &RawHashFilteringRule) -> Expect<(u64, u64)> {
            self.0.hash_stats(r)
        }
    }
    let mut out = Vec::new();
    for v in table() {
        let mut c = Collect(Engine::new(Direction::Rx), Vec::new());
        vectors::run(&v, &mut c).unwrap();
        out.extend(c.1);
    }
    out
}

#[test]
fn the_kernel_agrees_with_the_interpreter_on_every_vector_frame() {
    let cases = vector_programs();
    assert_eq!(cases.len(), 139);
    assert_eq!(kernel_verdicts("vec", &cases), (78, 61));
}

#[test]
fn the_kernel_agrees_with_the_interpreter_on_random_rule_sets() {
    let mut g = Lcg(0x0b5e_55ed);
    let mut cases = Vec::new();
    for _ in 0..12 {
        let t = RuleTable::new();
        t.set_default_accept(g.below(2) == 0);
        for _ in 0..1 + g.below(5) {
            let id = g.below(8) as u16;
            let _ = t.add(&random_rule(&mut g, id));
        }
        let prog = compile_prefilter(&t.snapshot(), SNAPLEN);
        cbpf::validate(&prog).unwrap();
        for _ in 0..15 {
            let f = random_frame(&mut g);
            if f.len() < 14 {
                continue; // AF_PACKET refuses to send less than a header
            }
            let (kv, aux) = kernel_view(&f);
            let pre = cbpf::run(&prog, &kv, aux) != 0;
            cases.push((prog.clone(), f, pre));
        }
    }
    assert_eq!(cases.len(), 176);
    assert_eq!(kernel_verdicts("rnd", &cases), (110, 66));
}

/// Runs every case through the real kernel; returns (accepted, dropped).
fn kernel_verdicts(tag: &str, cases: &[(Vec<SockFilter>, Vec<u8>, bool)]) -> (usize, usize) {
    let ns = kernel::Netns::new(tag);
    let (accepted, dropped) = std::thread::scope(|s| {
        s.spawn(|| {
            ns.enter();
            let tx = kernel::packet_socket("va");
            let plain = kernel::packet_socket("vb");
            let filtered = kernel::packet_socket("vb");
            let (mut accepted, mut dropped) = (0, 0);
            for (i, (prog, frame, want)) in cases.iter().enumerate() {
                kernel::attach(&filtered, prog)
                    .unwrap_or_else(|e| panic!("case {i}: kernel refused the program: {e}"));
                while kernel::recv(&filtered, 0).is_some() {}
                kernel::send(&tx, frame);
                let seen = kernel_view(frame).0;
                // The unfiltered socket sees the frame once the receive path
                // has run every tap for it.
                let mut got_plain = false;
                for _ in 0..50 {
                    match kernel::recv(&plain, 1000) {
                        Some(f) if f == seen => {
                            got_plain = true;
                            break;
                        }
                        Some(_) => continue,
                        None => break,
                    }
                }
                assert!(got_plain, "case {i}: frame never arrived on vb");
                let wait = if *want { 1000 } else { 20 };
                let mut got = false;
                while let Some(f) = kernel::recv(&filtered, wait) {
                    if f == seen {
                        got = true;
                        break;
                    }
                }
                assert_eq!(
                    got, *want,
                    "case {i}: kernel verdict differs on {frame:02x?}"
                );
                if got {
                    accepted += 1;
                } else {
                    dropped += 1;
                }
            }
            (accepted, dropped)
        })
        .join()
        .unwrap()
    });
    (accepted, dropped)
}
