//! Tokenizer for the pcap-filter(7) language (libpcap 1.10.3 scanner rules).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Num(u32),
    Id(String),
    Hid(String),
    Hid6(String),
    Eid(String),
    Aid(String),
    Kw(Kw),
    /// Single-character operators and brackets.
    Ch(char),
    Geq,
    Leq,
    Neq,
    Lsh,
    Rsh,
    And,
    Or,
    Not,
    /// A lexical error; the message is already known.
    Error(String),
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    Dst,
    Src,
    Link,
    Arp,
    Rarp,
    Ip,
    Sctp,
    Tcp,
    Udp,
    Icmp,
    Igmp,
    Igrp,
    Pim,
    Vrrp,
    Carp,
    Radio,
    Ipv6,
    Icmpv6,
    Ah,
    Esp,
    Atalk,
    Aarp,
    Decnet,
    Lat,
    Sca,
    Moprc,
    Mopdl,
    Iso,
    Esis,
    Isis,
    L1,
    L2,
    Iih,
    Lsp,
    Snp,
    Csnp,
    Psnp,
    Clnp,
    Stp,
    Ipx,
    Netbeui,
    Host,
    Net,
    Netmask,
    Port,
    Portrange,
    Proto,
    Protochain,
    Gateway,
    Type,
    Subtype,
    Dir,
    Addr1,
    Addr2,
    Addr3,
    Addr4,
    Ra,
    Ta,
    Less,
    Greater,
    Byte,
    Broadcast,
    Multicast,
    Len,
    Inbound,
    Outbound,
    Ifindex,
    Vlan,
    Mpls,
    Pppoed,
    Pppoes,
    Geneve,
    Lane,
    Llc,
    Metac,
    Bcc,
    Oam,
    Oamf4,
    Oamf4ec,
    Oamf4sc,
    Sc,
    Ilmic,
    Vpi,
    Vci,
    Connectmsg,
    Metaconnect,
    PfIfname,
    PfRset,
    PfRnr,
    PfSrnr,
    PfReason,
    PfAction,
    Fisu,
    Lssu,
    Msu,
    Hfisu,
    Hlssu,
    Hmsu,
    Sio,
    Opc,
    Dpc,
    Sls,
    Hsio,
    Hopc,
    Hdpc,
    Hsls,
}

fn keyword(s: &str) -> Option<Tok> {
    use Kw::*;
    let k = match s {
        "dst" => Dst,
        "src" => Src,
        "link" | "ether" | "ppp" | "slip" | "fddi" | "tr" | "wlan" => Link,
        "arp" => Arp,
        "rarp" => Rarp,
        "ip" => Ip,
        "sctp" => Sctp,
        "tcp" => Tcp,
        "udp" => Udp,
        "icmp" => Icmp,
        "igmp" => Igmp,
        "igrp" => Igrp,
        "pim" => Pim,
        "vrrp" => Vrrp,
        "carp" => Carp,
        "radio" => Radio,
        "ip6" => Ipv6,
        "icmp6" => Icmpv6,
        "ah" => Ah,
        "esp" => Esp,
        "atalk" => Atalk,
        "aarp" => Aarp,
        "decnet" => Decnet,
        "lat" => Lat,
        "sca" => Sca,
        "moprc" => Moprc,
        "mopdl" => Mopdl,
        "iso" => Iso,
        "esis" | "es-is" => Esis,
        "isis" | "is-is" => Isis,
        "l1" => L1,
        "l2" => L2,
        "iih" => Iih,
        "lsp" => Lsp,
        "snp" => Snp,
        "csnp" => Csnp,
        "psnp" => Psnp,
        "clnp" => Clnp,
        "stp" => Stp,
        "ipx" => Ipx,
        "netbeui" => Netbeui,
        "host" => Host,
        "net" => Net,
        "mask" => Netmask,
        "port" => Port,
        "portrange" => Portrange,
        "proto" => Proto,
        "protochain" => Protochain,
        "gateway" => Gateway,
        "type" => Type,
        "subtype" => Subtype,
        "direction" | "dir" => Dir,
        "address1" | "addr1" => Addr1,
        "address2" | "addr2" => Addr2,
        "address3" | "addr3" => Addr3,
        "address4" | "addr4" => Addr4,
        "ra" => Ra,
        "ta" => Ta,
        "less" => Less,
        "greater" => Greater,
        "byte" => Byte,
        "broadcast" => Broadcast,
        "multicast" => Multicast,
        "and" => return Some(Tok::And),
        "or" => return Some(Tok::Or),
        "not" => return Some(Tok::Not),
        "len" | "length" => Len,
        "inbound" => Inbound,
        "outbound" => Outbound,
        "ifindex" => Ifindex,
        "vlan" => Vlan,
        "mpls" => Mpls,
        "pppoed" => Pppoed,
        "pppoes" => Pppoes,
        "geneve" => Geneve,
        "lane" => Lane,
        "llc" => Llc,
        "metac" => Metac,
        "bcc" => Bcc,
        "oam" => Oam,
        "oamf4" => Oamf4,
        "oamf4ec" => Oamf4ec,
        "oamf4sc" => Oamf4sc,
        "sc" => Sc,
        "ilmic" => Ilmic,
        "vpi" => Vpi,
        "vci" => Vci,
        "connectmsg" => Connectmsg,
        "metaconnect" => Metaconnect,
        "on" | "ifname" => PfIfname,
        "rset" | "ruleset" => PfRset,
        "rnr" | "rulenum" => PfRnr,
        "srnr" | "subrulenum" => PfSrnr,
        "reason" => PfReason,
        "action" => PfAction,
        "fisu" => Fisu,
        "lssu" | "lsu" => Lssu,
        "msu" => Msu,
        "hfisu" => Hfisu,
        "hlssu" => Hlssu,
        "hmsu" => Hmsu,
        "sio" => Sio,
        "opc" => Opc,
        "dpc" => Dpc,
        "sls" => Sls,
        "hsio" => Hsio,
        "hopc" => Hopc,
        "hdpc" => Hdpc,
        "hsls" => Hsls,
        _ => return named_number(s).map(Tok::Num),
    };
    Some(Tok::Kw(k))
}

fn named_number(s: &str) -> Option<u32> {
    Some(match s {
        "icmptype" => 0,
        "icmpcode" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-sourcequench" => 4,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-routeradvert" => 9,
        "icmp-routersolicit" => 10,
        "icmp-timxceed" => 11,
        "icmp-paramprob" => 12,
        "icmp-tstamp" => 13,
        "icmp-tstampreply" => 14,
        "icmp-ireq" => 15,
        "icmp-ireqreply" => 16,
        "icmp-maskreq" => 17,
        "icmp-maskreply" => 18,
        "icmp6type" => 0,
        "icmp6code" => 1,
        "icmp6-destinationunreach" => 1,
        "icmp6-packettoobig" => 2,
        "icmp6-timeexceeded" => 3,
        "icmp6-parameterproblem" => 4,
        "icmp6-echo" => 128,
        "icmp6-echoreply" => 129,
        "icmp6-multicastlistenerquery" => 130,
        "icmp6-multicastlistenerreportv1" => 131,
        "icmp6-multicastlistenerdone" => 132,
        "icmp6-routersolicit" => 133,
        "icmp6-routeradvert" => 134,
        "icmp6-neighborsolicit" => 135,
        "icmp6-neighboradvert" => 136,
        "icmp6-redirect" => 137,
        "icmp6-routerrenum" => 138,
        "icmp6-nodeinformationquery" => 139,
        "icmp6-nodeinformationresponse" => 140,
        "icmp6-ineighbordiscoverysolicit" => 141,
        "icmp6-ineighbordiscoveryadvert" => 142,
        "icmp6-multicastlistenerreportv2" => 143,
        "icmp6-homeagentdiscoveryrequest" => 144,
        "icmp6-homeagentdiscoveryreply" => 145,
        "icmp6-mobileprefixsolicit" => 146,
        "icmp6-mobileprefixadvert" => 147,
        "icmp6-certpathsolicit" => 148,
        "icmp6-certpathadvert" => 149,
        "icmp6-multicastrouteradvert" => 151,
        "icmp6-multicastroutersolicit" => 152,
        "icmp6-multicastrouterterm" => 153,
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        _ => return None,
    })
}

/// Result of libpcap's `stoulen`.
pub enum Stoul {
    Ok(u32),
    NotOctal,
    NotHex,
    NotDecimal,
    Overflow,
}

/// libpcap's number conversion: 0x hex, leading-0 octal, else decimal.
pub fn stoul(s: &str) -> Stoul {
    let b = s.as_bytes();
    let (digits, base): (&[u8], u64) =
        if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
            (&b[2..], 16)
        } else if !b.is_empty() && b[0] == b'0' {
            (&b[1..], 8)
        } else {
            (b, 10)
        };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match (c as char).to_digit(16) {
            Some(d) if (d as u64) < base => d as u64,
            _ => {
                return match base {
                    16 => Stoul::NotHex,
                    8 => Stoul::NotOctal,
                    _ => Stoul::NotDecimal,
                }
            }
        };
        n = n * base + d;
        if n > u32::MAX as u64 {
            return Stoul::Overflow;
        }
    }
    Stoul::Ok(n as u32)
}

fn is_idchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.'
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// Length of a `{N}` number (decimal digits, or 0x + hex digits) at s.
fn num_len(s: &[u8]) -> usize {
    if s.len() >= 3 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') && is_hex(s[2]) {
        let mut i = 2;
        while i < s.len() && is_hex(s[i]) {
            i += 1;
        }
        return i;
    }
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Longest IPv4-ish HID: N(.N){1,3}.
fn hid_len(s: &[u8]) -> usize {
    let mut i = num_len(s);
    if i == 0 {
        return 0;
    }
    let mut parts = 1;
    while parts < 4 && i < s.len() && s[i] == b'.' {
        let n = num_len(&s[i + 1..]);
        if n == 0 {
            break;
        }
        i += 1 + n;
        parts += 1;
    }
    if parts >= 2 {
        i
    } else {
        0
    }
}

/// The scanner's "bogus ethernet address" rule `{B}:+({B}:+)+`: at least two
/// groups of 1-2 hex digits, each followed by one or more colons.
fn bogus_eid_len(s: &[u8]) -> usize {
    let mut i = 0;
    let mut groups = 0;
    loop {
        let mut n = 0;
        while n < 2 && i + n < s.len() && is_hex(s[i + n]) {
            n += 1;
        }
        if n == 0 || s.get(i + n) != Some(&b':') {
            break;
        }
        let mut j = i + n;
        while j < s.len() && s[j] == b':' {
            j += 1;
        }
        i = j;
        groups += 1;
    }
    if groups >= 2 {
        i
    } else {
        0
    }
}

/// MAC address forms: xx:xx:xx:xx:xx:xx, xx-xx-..., xx.xx.xx..., xxxx.xxxx.xxxx
/// and xxxxxxxxxxxx (`{B2}{3}`: exactly twelve hex digits).
fn eid_len(s: &[u8]) -> usize {
    // B = [0-9A-Fa-f][0-9A-Fa-f]?
    fn b(s: &[u8], i: usize) -> usize {
        let mut n = 0;
        while n < 2 && i + n < s.len() && is_hex(s[i + n]) {
            n += 1;
        }
        n
    }
    let mut best = 0;
    for sep in [b':', b'-', b'.'] {
        let mut i = 0;
        let mut ok = true;
        for k in 0..6 {
            let n = b(s, i);
            if n == 0 {
                ok = false;
                break;
            }
            i += n;
            if k < 5 {
                if i < s.len() && s[i] == sep {
                    i += 1;
                } else {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            best = best.max(i);
        }
    }
    // xxxx.xxxx.xxxx (B2 = 4 hex digits exactly)
    let mut i = 0;
    let mut ok = true;
    for k in 0..3 {
        let mut n = 0;
        while n < 4 && i + n < s.len() && is_hex(s[i + n]) {
            n += 1;
        }
        if n != 4 {
            ok = false;
            break;
        }
        i += 4;
        if k < 2 {
            if i < s.len() && s[i] == b'.' {
                i += 1;
            } else {
                ok = false;
                break;
            }
        }
    }
    if ok {
        best = best.max(i);
    }
    if s.len() >= 12 && s[..12].iter().all(|&c| is_hex(c)) {
        best = best.max(12);
    }
    best
}

/// `{W}`: 1-4 hex digits.
fn is_w(g: &[u8]) -> bool {
    (1..=4).contains(&g.len()) && g.iter().all(|&c| is_hex(c))
}

/// `{N}\.{N}\.{N}\.{N}` exactly.
fn is_v4_suffix(t: &[u8]) -> bool {
    let parts: Vec<&[u8]> = t.split(|&c| c == b'.').collect();
    parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && num_len(p) == p.len())
}

/// Whether t is exactly one of the scanner's V6 patterns: eight groups, or
/// one "::" with at most seven groups; an IPv4 tail counts for two groups.
fn is_v6_form(t: &[u8]) -> bool {
    fn groups(side: &[u8], v4_ok: bool) -> Option<(usize, bool)> {
        if side.is_empty() {
            return Some((0, false));
        }
        let gs: Vec<&[u8]> = side.split(|&c| c == b':').collect();
        let last = gs.len() - 1;
        let mut v4 = false;
        for (k, g) in gs.iter().enumerate() {
            if k == last && v4_ok && g.contains(&b'.') {
                if !is_v4_suffix(g) {
                    return None;
                }
                v4 = true;
            } else if !is_w(g) {
                return None;
            }
        }
        Some((if v4 { last } else { gs.len() }, v4))
    }
    if let Some(p) = t.windows(2).position(|w| w == b"::") {
        let (l, r) = (&t[..p], &t[p + 2..]);
        let Some((nl, _)) = groups(l, false) else {
            return false;
        };
        let Some((nr, v4)) = groups(r, true) else {
            return false;
        };
        nl + nr <= if v4 { 5 } else { 7 }
    } else {
        match groups(t, true) {
            Some((n, true)) => n == 6,
            Some((n, false)) => n == 8,
            None => false,
        }
    }
}

/// IPv6 literal: the longest prefix matching the scanner's V6 patterns
/// (flex longest match); the caller checks it with the address parser.
fn hid6_len(s: &[u8]) -> usize {
    let mut end = 0;
    while end < s.len()
        && end < 512
        && (is_hex(s[end]) || matches!(s[end], b':' | b'.' | b'x' | b'X'))
    {
        end += 1;
    }
    // every V6 form has "::" or at least six ':', and every candidate is a
    // prefix of the run: without either (a MAC address), nothing matches
    let run = &s[..end];
    if !run.windows(2).any(|w| w == b"::") && run.iter().filter(|&&c| c == b':').count() < 6 {
        return 0;
    }
    let mut e = end;
    while e >= 2 {
        if s[..e].contains(&b':') && is_v6_form(&s[..e]) {
            return e;
        }
        e -= 1;
    }
    0
}

/// HID6 token for a V6-pattern match; libpcap checks it with
/// getaddrinfo(AI_NUMERICHOST) and reports "bogus IPv6 address" otherwise.
fn hid6_tok(text: String) -> Tok {
    if text.parse::<std::net::Ipv6Addr>().is_ok() {
        Tok::Hid6(text)
    } else {
        Tok::Error(format!("bogus IPv6 address {text}"))
    }
}

fn id_len(s: &[u8]) -> usize {
    if s.is_empty() || !s[0].is_ascii_alphanumeric() {
        return 0;
    }
    let mut i = 1;
    while i < s.len() && is_idchar(s[i]) {
        i += 1;
    }
    // must end in [.A-Za-z0-9]
    while i > 1 && (s[i - 1] == b'-' || s[i - 1] == b'_') {
        i -= 1;
    }
    i
}

pub fn tokenize(input: &str) -> Vec<Tok> {
    let s = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
            i += 1;
            continue;
        }
        let rest = &s[i..];
        // two-character operators
        if rest.len() >= 2 {
            let two = &rest[..2];
            let t = match two {
                b">=" => Some(Tok::Geq),
                b"<=" => Some(Tok::Leq),
                b"!=" => Some(Tok::Neq),
                b"==" => Some(Tok::Ch('=')),
                b"<<" => Some(Tok::Lsh),
                b">>" => Some(Tok::Rsh),
                b"&&" => Some(Tok::And),
                b"||" => Some(Tok::Or),
                _ => None,
            };
            if let Some(t) = t {
                // "::" style IPv6 is handled below; these never start one.
                out.push(t);
                i += 2;
                continue;
            }
        }
        if c == b'\\' {
            // \\[^ !()\n\t]+ : an ID with the backslash removed
            let mut j = i + 1;
            while j < s.len() && !matches!(s[j], b' ' | b'!' | b'(' | b')' | b'\n' | b'\t') {
                j += 1;
            }
            if j > i + 1 {
                out.push(Tok::Id(String::from_utf8_lossy(&s[i + 1..j]).into_owned()));
                i = j;
                continue;
            }
            out.push(Tok::Error(
                "can't parse filter expression: syntax error".into(),
            ));
            return out;
        }
        if c == b'$' {
            // AID: "$"{B} -- one or two hex digits
            let mut j = i + 1;
            while j < s.len() && j < i + 3 && is_hex(s[j]) {
                j += 1;
            }
            if j > i + 1 {
                out.push(Tok::Aid(String::from_utf8_lossy(&s[i..j]).into_owned()));
                i = j;
                continue;
            }
        }
        if c == b':' && rest.len() >= 2 && rest[1] == b':' {
            let n = hid6_len(rest);
            if n > 0 {
                let tok = hid6_tok(String::from_utf8_lossy(&rest[..n]).into_owned());
                let err = matches!(tok, Tok::Error(_));
                out.push(tok);
                if err {
                    return out;
                }
                i += n;
                continue;
            }
        }
        if "+-*/%:[]!<>()&|^=".contains(c as char) {
            out.push(match c {
                b'!' => Tok::Ch('!'),
                _ => Tok::Ch(c as char),
            });
            i += 1;
            continue;
        }
        if c.is_ascii_alphanumeric() {
            // candidate lengths; flex takes the longest, ties go to the
            // earlier rule (NUM/HID/HID6/EID before ID).
            let il = id_len(rest);
            let nl = num_len(rest);
            // the address forms need a separator right after 1-4 hex digits
            let sep = rest
                .iter()
                .take(5)
                .position(|&c| c == b':' || c == b'-' || c == b'.');
            let hl = if nl > 0 && rest.get(nl) == Some(&b'.') {
                hid_len(rest)
            } else {
                0
            };
            let el = if sep.is_some() || rest.len() >= 12 {
                eid_len(rest)
            } else {
                0
            };
            let bl = if sep.is_some() {
                bogus_eid_len(rest)
            } else {
                0
            };
            let h6 = if rest.iter().take(5).any(|&c| c == b':') {
                hid6_len(rest)
            } else {
                0
            };
            let best = nl.max(hl).max(el).max(h6).max(bl).max(il);
            let text = String::from_utf8_lossy(&rest[..best]).into_owned();
            // rule order for equal lengths: MAC, N, HID, V6, bogus MAC, ID
            let tok = if best == el && el > 0 {
                Tok::Eid(text)
            } else if best == nl && nl > 0 {
                match stoul(&text) {
                    Stoul::Ok(v) => Tok::Num(v),
                    Stoul::NotOctal => {
                        Tok::Error(format!("number {text} contains non-octal digit"))
                    }
                    Stoul::NotHex => Tok::Error(format!("number {text} contains non-hex digit")),
                    Stoul::NotDecimal => {
                        Tok::Error(format!("number {text} contains non-decimal digit"))
                    }
                    Stoul::Overflow => Tok::Error(format!("number {text} overflows 32 bits")),
                }
            } else if best == hl && hl > 0 {
                Tok::Hid(text)
            } else if best == h6 && h6 > 0 {
                hid6_tok(text)
            } else if best == bl && bl > 0 {
                Tok::Error(format!("bogus ethernet address {text}"))
            } else {
                match keyword(&text) {
                    Some(t) => t,
                    None => Tok::Id(text),
                }
            };
            let err = matches!(tok, Tok::Error(_));
            out.push(tok);
            if err {
                return out;
            }
            i += best;
            continue;
        }
        // anything else: the scanner returns LEX_ERROR
        out.push(Tok::Error(
            "can't parse filter expression: syntax error".into(),
        ));
        return out;
    }
    out.push(Tok::Eof);
    out
}
