//! Rule-engine test vectors: a small line format, its parser, a frame
//! builder and a runner over any [`Backend`] (the pure-Rust engine, a real
//! ring on veth, the kernel module), so one table checks all of them.
//!
//! The table shipped with the crate is `tests/data/rules/vectors.txt`
//! ([`BUILTIN`]). Format, one statement per line (`#` starts a comment):
//!
//! ```text
//! vector <name>                 starts a vector: a fresh ring, policy accept
//! only <backend>                 the vector holds for that backend only
//!                                (`af_packet`, `kmod`); may repeat
//! policy accept|drop            pfring_toggle_filtering_policy
//! rule id=N action=A [proto=N] [vlan=N] [hosts=IP-IP] [ports=N-N]
//!      [balance=ID/POOL] [pattern="text"] [filter_plugin=N] [plugin=N] [=> ERR]
//! remove N [=> ERR]             pfring_remove_filtering_rule
//! hash action=A [vlan=N] proto=N a=IP:PORT b=IP:PORT [plugin=N] [=> ERR]
//! unhash [vlan=N] proto=N a=IP:PORT b=IP:PORT [=> ERR]
//! send FRAME => fwd|drop        the frame reaches the ring or not
//! stats N PKTS BYTES | stats N => ERR           wildcard rule statistics
//! hstats [vlan=N] proto=N a=.. b=.. PKTS BYTES | ... => ERR
//! end
//! ```
//!
//! `A` is `fwd`, `drop`, `cont` or a raw number; `ERR` is an errno name
//! (`EINVAL`, `ENOENT`, `EEXIST`, `EOPNOTSUPP`); without `=> ERR` the call
//! must succeed. Ranges are written low-high and stored as given (so the
//! sanitising can be tested with low > high). Frames:
//!
//! ```text
//! udp SRC:PORT > DST:PORT [opts]     tcp SRC:PORT > DST:PORT [flags=N] [opts]
//! icmp SRC > DST [opts]              ip proto=N SRC > DST [opts]
//! arp                                hex HEXBYTES
//! opts: vlan=N  payload="text"  ihl=N (IPv4 header words, options are NOPs)
//!       len=N (zero-pad the payload up to a frame of N bytes)
//! ```
//!
//! Built frames go from 02:00:00:00:00:01 to 02:00:00:00:00:02, carry an
//! 802.1Q tag when `vlan=` is given, and have a valid IPv4 header checksum;
//! the byte counts in `stats` are the frame lengths.

use std::fmt;
use std::net::Ipv4Addr;

use crate::ffi::types::{
    filtering_rule_core_fields, filtering_rule_extended_fields, filtering_rule_plugin_action,
    RawFilteringRule, RawHashFilteringRule,
};

/// The crate's vector table.
pub const BUILTIN: &str = include_str!("../../tests/data/rules/vectors.txt");

/// Expected outcome of a control call: Ok or the errno.
pub type Expect<T> = Result<T, i32>;

/// One statement of a vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Policy(bool),
    AddRule(Box<RawFilteringRule>, Expect<()>),
    RemoveRule(u16, Expect<()>),
    AddHash(RawHashFilteringRule, Expect<()>),
    RemoveHash(RawHashFilteringRule, Expect<()>),
    /// The frame and whether it must reach the ring.
    Send(Vec<u8>, bool),
    /// Rule id, then (packets, bytes) or the errno.
    RuleStats(u16, Expect<(u64, u64)>),
    HashStats(RawHashFilteringRule, Expect<(u64, u64)>),
}

/// A named sequence of steps run on a fresh ring.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    pub name: String,
    /// Line of the `vector` statement.
    pub line: usize,
    /// Backends the vector is limited to (empty = all).
    pub only: Vec<String>,
    pub steps: Vec<(usize, Step)>,
}

impl Vector {
    /// True if the vector holds for `backend` (e.g. "af_packet", "kmod").
    pub fn applies_to(&self, backend: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|b| b == backend)
    }
}

/// What a vector runs against. Errors are errno values.
pub trait Backend {
    fn set_policy(&mut self, accept: bool) -> Expect<()>;
    fn add_rule(&mut self, rule: &RawFilteringRule) -> Expect<()>;
    fn remove_rule(&mut self, id: u16) -> Expect<()>;
    fn add_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()>;
    fn remove_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()>;
    /// Offers the frame; true if it reached the ring.
    fn send(&mut self, frame: &[u8]) -> bool;
    fn rule_stats(&mut self, id: u16) -> Expect<(u64, u64)>;
    fn hash_stats(&mut self, rule: &RawHashFilteringRule) -> Expect<(u64, u64)>;
}

/// A parse error with its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// Runs one vector; the error names the failing line and what differed.
pub fn run(v: &Vector, b: &mut dyn Backend) -> Result<(), String> {
    for (line, step) in &v.steps {
        let fail = |what: String| Err(format!("vector '{}' line {line}: {what}", v.name));
        match step {
            Step::Policy(accept) => {
                if let Err(e) = b.set_policy(*accept) {
                    return fail(format!("policy failed with {}", errno_name(e)));
                }
            }
            Step::AddRule(r, want) => check(b.add_rule(r), *want).or_else(fail)?,
            Step::RemoveRule(id, want) => check(b.remove_rule(*id), *want).or_else(fail)?,
            Step::AddHash(r, want) => check(b.add_hash(r), *want).or_else(fail)?,
            Step::RemoveHash(r, want) => check(b.remove_hash(r), *want).or_else(fail)?,
            Step::Send(frame, want) => {
                let got = b.send(frame);
                if got != *want {
                    return fail(format!(
                        "frame of {} bytes: got {}, want {}",
                        frame.len(),
                        verdict_name(got),
                        verdict_name(*want)
                    ));
                }
            }
            Step::RuleStats(id, want) => check(b.rule_stats(*id), *want).or_else(fail)?,
            Step::HashStats(r, want) => check(b.hash_stats(r), *want).or_else(fail)?,
        }
    }
    Ok(())
}

fn verdict_name(fwd: bool) -> &'static str {
    if fwd {
        "fwd"
    } else {
        "drop"
    }
}

fn check<T: PartialEq + fmt::Debug>(got: Expect<T>, want: Expect<T>) -> Result<(), String> {
    if got == want {
        return Ok(());
    }
    let show = |r: &Expect<T>| match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => errno_name(*e).to_string(),
    };
    Err(format!("got {}, want {}", show(&got), show(&want)))
}

const ERRNOS: [(&str, i32); 4] = [
    ("EINVAL", libc::EINVAL),
    ("ENOENT", libc::ENOENT),
    ("EEXIST", libc::EEXIST),
    ("EOPNOTSUPP", libc::EOPNOTSUPP),
];

/// The name of an errno this table uses ("E?" for others).
pub fn errno_name(e: i32) -> &'static str {
    ERRNOS
        .iter()
        .find(|(_, v)| *v == e)
        .map_or("E?", |(n, _)| n)
}

/// Parses a vector table.
pub fn parse(text: &str) -> Result<Vec<Vector>, ParseError> {
    let mut out = Vec::new();
    let mut cur: Option<Vector> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |msg: String| ParseError { line, msg };
        let toks = tokenize(raw).map_err(err)?;
        let Some(first) = toks.first() else { continue };
        if first == "vector" {
            if cur.is_some() {
                return Err(err("'vector' before 'end'".into()));
            }
            let name = toks[1..].join(" ");
            if name.is_empty() {
                return Err(err("vector needs a name".into()));
            }
            cur = Some(Vector {
                name,
                line,
                only: Vec::new(),
                steps: Vec::new(),
            });
            continue;
        }
        let Some(v) = cur.as_mut() else {
            return Err(err(format!("'{first}' outside a vector")));
        };
        if first == "end" {
            out.push(cur.take().expect("checked above"));
            continue;
        }
        if first == "only" {
            match toks.as_slice() {
                [_, b] if b == "af_packet" || b == "kmod" => v.only.push(b.clone()),
                _ => return Err(err("want 'only af_packet' or 'only kmod'".into())),
            }
            continue;
        }
        let step = parse_step(&toks).map_err(err)?;
        v.steps.push((line, step));
    }
    if let Some(v) = cur {
        return Err(ParseError {
            line: v.line,
            msg: format!("vector '{}' has no 'end'", v.name),
        });
    }
    Ok(out)
}

/// Splits on whitespace; `"..."` (with `\"`, `\\`, `\xHH`) is one token
/// part; `#` outside quotes ends the line.
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut in_tok = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => break,
            c if c.is_whitespace() => {
                if in_tok {
                    toks.push(std::mem::take(&mut cur));
                    in_tok = false;
                }
            }
            '"' => {
                in_tok = true;
                cur.push('"');
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('x') => {
                                let h: String = chars.by_ref().take(2).collect();
                                let b = u8::from_str_radix(&h, 16)
                                    .map_err(|_| format!("bad escape \\x{h}"))?;
                                cur.push(char::from(b));
                            }
                            Some(e @ ('"' | '\\')) => cur.push(e),
                            other => return Err(format!("bad escape {other:?}")),
                        },
                        Some(c) => cur.push(c),
                    }
                }
                cur.push('"');
            }
            c => {
                in_tok = true;
                cur.push(c);
            }
        }
    }
    if in_tok {
        toks.push(cur);
    }
    Ok(toks)
}

/// Splits off a trailing `=> X`.
fn split_arrow(toks: &[String]) -> Result<(&[String], Option<&str>), String> {
    match toks.iter().position(|t| t == "=>") {
        None => Ok((toks, None)),
        Some(p) if p + 2 == toks.len() => Ok((&toks[..p], Some(toks[p + 1].as_str()))),
        Some(_) => Err("'=>' must be followed by exactly one word".into()),
    }
}

fn errno_of(name: Option<&str>) -> Result<Expect<()>, String> {
    match name {
        None => Ok(Ok(())),
        Some(n) => ERRNOS
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| Err(*v))
            .ok_or(format!("unknown errno {n}")),
    }
}

fn num<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    let v = if let Some(h) = s.strip_prefix("0x") {
        u64::from_str_radix(h, 16)
    } else {
        s.parse::<u64>()
    }
    .map_err(|_| format!("bad number '{s}'"))?;
    T::try_from(v).map_err(|_| format!("number out of range '{s}'"))
}

fn ip(s: &str) -> Result<u32, String> {
    s.parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| format!("bad IPv4 address '{s}'"))
}

fn endpoint(s: &str) -> Result<(u32, u16), String> {
    let (a, p) = s
        .rsplit_once(':')
        .ok_or(format!("want IP:PORT, got '{s}'"))?;
    Ok((ip(a)?, num(p)?))
}

fn range<T>(s: &str, f: impl Fn(&str) -> Result<T, String>) -> Result<(T, T), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or(format!("want LOW-HIGH, got '{s}'"))?;
    Ok((f(a)?, f(b)?))
}

fn unquote(s: &str) -> Result<&str, String> {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or(format!("want a quoted string, got {s}"))
}

fn action(s: &str) -> Result<u32, String> {
    match s {
        "fwd" => Ok(0),
        "drop" => Ok(1),
        "cont" => Ok(2),
        n => num(n),
    }
}

fn kv(t: &str) -> Result<(&str, &str), String> {
    t.split_once('=')
        .ok_or(format!("want key=value, got '{t}'"))
}

fn parse_rule(args: &[String]) -> Result<RawFilteringRule, String> {
    let mut r = RawFilteringRule {
        rule_id: 0,
        rule_action: 0,
        balance_id: 0,
        balance_pool: 0,
        core_fields: filtering_rule_core_fields::default(),
        extended_fields: filtering_rule_extended_fields::default(),
        plugin_action: filtering_rule_plugin_action::default(),
    };
    let mut have_id = false;
    for t in args {
        let (k, v) = kv(t)?;
        match k {
            "id" => {
                r.rule_id = num(v)?;
                have_id = true;
            }
            "action" => r.rule_action = action(v)?,
            "proto" => r.core_fields.proto = num(v)?,
            "vlan" => r.core_fields.vlan_id = num(v)?,
            "hosts" => (r.core_fields.host_low, r.core_fields.host_high) = range(v, ip)?,
            "ports" => (r.core_fields.port_low, r.core_fields.port_high) = range(v, num)?,
            "balance" => {
                let (id, pool) = v
                    .split_once('/')
                    .ok_or(format!("want ID/POOL, got '{v}'"))?;
                r.balance_id = num(id)?;
                r.balance_pool = num(pool)?;
            }
            "pattern" => {
                let text = unquote(v)?;
                let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
                if bytes.len() > 31 {
                    return Err("pattern longer than 31 bytes".into());
                }
                for (d, s) in r.extended_fields.payload_pattern.iter_mut().zip(bytes) {
                    *d = s as core::ffi::c_char;
                }
            }
            "filter_plugin" => r.extended_fields.filter_plugin_id = num(v)?,
            "plugin" => r.plugin_action.plugin_id = num(v)?,
            _ => return Err(format!("unknown rule field '{k}'")),
        }
    }
    if !have_id {
        return Err("rule needs id=".into());
    }
    Ok(r)
}

fn parse_hash(args: &[String]) -> Result<RawHashFilteringRule, String> {
    let mut r = RawHashFilteringRule {
        vlan_id: 0,
        proto: 0,
        host_peer_a: 0,
        host_peer_b: 0,
        port_peer_a: 0,
        port_peer_b: 0,
        rule_action: 0,
        plugin_action: filtering_rule_plugin_action::default(),
    };
    for t in args {
        let (k, v) = kv(t)?;
        match k {
            "action" => r.rule_action = action(v)?,
            "vlan" => r.vlan_id = num(v)?,
            "proto" => r.proto = num(v)?,
            "a" => (r.host_peer_a, r.port_peer_a) = endpoint(v)?,
            "b" => (r.host_peer_b, r.port_peer_b) = endpoint(v)?,
            "plugin" => r.plugin_action.plugin_id = num(v)?,
            _ => return Err(format!("unknown hash rule field '{k}'")),
        }
    }
    Ok(r)
}

/// `PKTS BYTES` or `=> ERR`, after the leading arguments.
fn stats_expect(rest: &[String], arrow: Option<&str>) -> Result<Expect<(u64, u64)>, String> {
    match (rest, arrow) {
        ([p, b], None) => Ok(Ok((num(p)?, num(b)?))),
        ([], Some(_)) => errno_of(arrow).map(|e| e.map(|()| (0, 0))),
        _ => Err("want PKTS BYTES or => ERR".into()),
    }
}

fn parse_step(toks: &[String]) -> Result<Step, String> {
    let (toks, arrow) = split_arrow(toks)?;
    let args = &toks[1..];
    match toks[0].as_str() {
        "policy" => match (args, arrow) {
            ([p], None) if p == "accept" => Ok(Step::Policy(true)),
            ([p], None) if p == "drop" => Ok(Step::Policy(false)),
            _ => Err("want 'policy accept' or 'policy drop'".into()),
        },
        "rule" => Ok(Step::AddRule(Box::new(parse_rule(args)?), errno_of(arrow)?)),
        "remove" => match args {
            [id] => Ok(Step::RemoveRule(num(id)?, errno_of(arrow)?)),
            _ => Err("want 'remove ID'".into()),
        },
        "hash" => Ok(Step::AddHash(parse_hash(args)?, errno_of(arrow)?)),
        "unhash" => Ok(Step::RemoveHash(parse_hash(args)?, errno_of(arrow)?)),
        "send" => {
            let fwd = match arrow {
                Some("fwd") => true,
                Some("drop") => false,
                _ => return Err("send needs '=> fwd' or '=> drop'".into()),
            };
            Ok(Step::Send(build_frame(args)?, fwd))
        }
        "stats" => match args {
            [id, rest @ ..] => Ok(Step::RuleStats(num(id)?, stats_expect(rest, arrow)?)),
            _ => Err("want 'stats ID PKTS BYTES'".into()),
        },
        "hstats" => {
            let n = args.iter().take_while(|t| t.contains('=')).count();
            Ok(Step::HashStats(
                parse_hash(&args[..n])?,
                stats_expect(&args[n..], arrow)?,
            ))
        }
        other => Err(format!("unknown statement '{other}'")),
    }
}

/// Builds a frame from a frame description (see the module docs).
pub fn build_frame(args: &[String]) -> Result<Vec<u8>, String> {
    let kind = args.first().ok_or("missing frame")?.as_str();
    let rest = &args[1..];
    match kind {
        "hex" => {
            let h: String = rest.concat();
            if h.len() % 2 != 0 {
                return Err("odd number of hex digits".into());
            }
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| "bad hex".to_string()))
                .collect()
        }
        "arp" => {
            let mut f = eth_header(None, 0x0806);
            f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
            f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 198, 51, 100, 1]);
            f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 198, 51, 100, 2]);
            Ok(f)
        }
        "udp" | "tcp" | "icmp" | "ip" => build_ip(kind, rest),
        other => Err(format!("unknown frame kind '{other}'")),
    }
}

fn eth_header(vlan: Option<u16>, ethertype: u16) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    if let Some(v) = vlan {
        f.extend_from_slice(&0x8100u16.to_be_bytes());
        f.extend_from_slice(&v.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn build_ip(kind: &str, args: &[String]) -> Result<Vec<u8>, String> {
    let mut proto: u8 = match kind {
        "udp" => 17,
        "tcp" => 6,
        "icmp" => 1,
        _ => 0,
    };
    let mut pos = Vec::new();
    let mut vlan = None;
    let mut payload = Vec::new();
    let mut ihl: usize = 5;
    let mut len = None;
    let mut flags: u8 = 0x18;
    for t in args {
        match t.split_once('=') {
            Some(("vlan", v)) => vlan = Some(num::<u16>(v)?),
            Some(("payload", v)) => payload = unquote(v)?.chars().map(|c| c as u32 as u8).collect(),
            Some(("ihl", v)) => ihl = num(v)?,
            Some(("len", v)) => len = Some(num::<usize>(v)?),
            Some(("flags", v)) => flags = num(v)?,
            Some(("proto", v)) if kind == "ip" => proto = num(v)?,
            Some((k, _)) => return Err(format!("unknown frame option '{k}'")),
            None => pos.push(t.as_str()),
        }
    }
    let (src, dst) = match pos.as_slice() {
        [s, ">", d] => (*s, *d),
        _ => return Err("want SRC > DST".into()),
    };
    let with_ports = matches!(kind, "udp" | "tcp");
    let ((sip, sport), (dip, dport)) = if with_ports {
        (endpoint(src)?, endpoint(dst)?)
    } else {
        ((ip(src)?, 0), (ip(dst)?, 0))
    };
    if !(5..=15).contains(&ihl) {
        return Err("ihl must be 5..15".into());
    }
    let eth = eth_header(vlan, 0x0800);
    let l4_hdr = match kind {
        "udp" => 8,
        "tcp" => 20,
        "icmp" => 8,
        _ => 0,
    };
    let headers = eth.len() + ihl * 4 + l4_hdr;
    if let Some(n) = len {
        if n < headers + payload.len() {
            return Err(format!("len={n} is shorter than the frame"));
        }
        payload.resize(n - headers, 0);
    }
    let ip_len = ihl * 4 + l4_hdr + payload.len();
    let mut iph = vec![0x40 | ihl as u8, 0];
    iph.extend_from_slice(&(ip_len as u16).to_be_bytes());
    iph.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    iph.extend_from_slice(&sip.to_be_bytes());
    iph.extend_from_slice(&dip.to_be_bytes());
    iph.resize(ihl * 4, 1);
    let c = checksum(&iph);
    iph[10..12].copy_from_slice(&c.to_be_bytes());
    let mut l4 = Vec::new();
    match kind {
        "udp" => {
            l4.extend_from_slice(&sport.to_be_bytes());
            l4.extend_from_slice(&dport.to_be_bytes());
            l4.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            l4.extend_from_slice(&[0, 0]);
            l4.extend_from_slice(&payload);
        }
        "tcp" => {
            l4.extend_from_slice(&sport.to_be_bytes());
            l4.extend_from_slice(&dport.to_be_bytes());
            l4.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
            l4.extend_from_slice(&payload);
        }
        "icmp" => {
            l4.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
            l4.extend_from_slice(&payload);
            let c = checksum(&l4);
            l4[2..4].copy_from_slice(&c.to_be_bytes());
        }
        _ => l4.extend_from_slice(&payload),
    }
    let mut f = eth;
    f.extend_from_slice(&iph);
    f.extend_from_slice(&l4);
    Ok(f)
}
