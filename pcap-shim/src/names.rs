//! Pure parts of pcap/namedb.h: protocol tables, MAC address text forms and
//! the /etc/ethers line format.

/// Ethernet protocol names of `eproto_db`.
pub const EPROTO: &[(&str, u16)] = &[
    ("aarp", 0x80f3),
    ("arp", 0x0806),
    ("atalk", 0x809b),
    ("decnet", 0x6003),
    ("ip", 0x0800),
    ("ip6", 0x86dd),
    ("lat", 0x6004),
    ("loopback", 0x9000),
    ("mopdl", 0x6001),
    ("moprc", 0x6002),
    ("rarp", 0x8035),
    ("sca", 0x6007),
];

/// LLC SAP names known to pcap_nametollc.
pub const LLC: &[(&str, u8)] = &[
    ("iso", 0xfe),
    ("stp", 0x42),
    ("ipx", 0xe0),
    ("netbeui", 0xf0),
];

/// pcap_nametoeproto.
pub fn ethertype(name: &[u8]) -> Option<u16> {
    EPROTO.iter().find(|e| e.0.as_bytes() == name).map(|e| e.1)
}

/// pcap_nametollc.
pub fn llc_sap(name: &[u8]) -> Option<u8> {
    LLC.iter().find(|e| e.0.as_bytes() == name).map(|e| e.1)
}

/// libpcap's hex digit value (non-hex characters give garbage, as there).
fn xdtoi(c: u8) -> u8 {
    if c.is_ascii_digit() {
        c - b'0'
    } else if c.is_ascii_lowercase() {
        c.wrapping_sub(b'a').wrapping_add(10)
    } else {
        c.wrapping_sub(b'A').wrapping_add(10)
    }
}

/// pcap_ether_aton: one or two hex digits per byte, separated by ':', '.'
/// or '-'; at most 6 bytes are stored.
pub fn ether_aton(s: &[u8]) -> [u8; 6] {
    let mut e = [0u8; 6];
    let mut i = 0;
    let mut n = 0;
    while i < s.len() {
        if matches!(s[i], b':' | b'.' | b'-') {
            i += 1;
        }
        let mut d = xdtoi(s.get(i).copied().unwrap_or(0));
        i += 1;
        if s.get(i).is_some_and(|c| c.is_ascii_hexdigit()) {
            d = (d << 4) | xdtoi(s[i]);
            i += 1;
        }
        if n < 6 {
            e[n] = d;
        }
        n += 1;
    }
    e
}

/// A stream of bytes (getc).
pub trait ByteSource {
    /// The next byte, None at end of file.
    fn getc(&mut self) -> Option<u8>;
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_space(f: &mut impl ByteSource) -> Option<u8> {
    loop {
        let c = f.getc()?;
        if !(is_space(c) && c != b'\n') {
            return Some(c);
        }
    }
}

fn skip_line(f: &mut impl ByteSource) -> Option<u8> {
    loop {
        let c = f.getc()?;
        if c == b'\n' {
            return Some(c);
        }
    }
}

/// pcap_next_etherent: the next "address name" entry; None at end of file
/// (an entry cut off by end of file is dropped, as in libpcap).
pub fn next_etherent(f: &mut impl ByteSource) -> Option<([u8; 6], Vec<u8>)> {
    'line: loop {
        let mut c = skip_space(f)?;
        if c == b'\n' {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            skip_line(f)?;
            continue;
        }
        let mut addr = [0u8; 6];
        for a in addr.iter_mut() {
            let mut d = xdtoi(c);
            c = f.getc()?;
            if c.is_ascii_hexdigit() {
                d = (d << 4) | xdtoi(c);
                c = f.getc()?;
            }
            *a = d;
            if c != b':' {
                break;
            }
            c = f.getc()?;
        }
        if !is_space(c) {
            skip_line(f)?;
            continue;
        }
        c = skip_space(f)?;
        if c == b'\n' {
            continue;
        }
        if c == b'#' {
            skip_line(f)?;
            continue 'line;
        }
        let mut name = Vec::new();
        let mut room = 121;
        loop {
            name.push(c);
            c = f.getc()?;
            room -= 1;
            if is_space(c) || room == 0 {
                break;
            }
        }
        if c != b'\n' {
            let _ = skip_line(f);
        }
        return Some((addr, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes<'a>(&'a [u8]);
    impl ByteSource for Bytes<'_> {
        fn getc(&mut self) -> Option<u8> {
            let (c, rest) = self.0.split_first()?;
            self.0 = rest;
            Some(*c)
        }
    }

    #[test]
    fn aton_forms() {
        assert_eq!(ether_aton(b"00:1a:2B:3:4:5"), [0, 0x1a, 0x2b, 3, 4, 5]);
        assert_eq!(ether_aton(b"0.1.2.3.4.ff"), [0, 1, 2, 3, 4, 0xff]);
    }

    #[test]
    fn etherent_lines() {
        let mut f = Bytes(b"# comment\n\n  0:1:2:3:4:5  host-a # x\nzz\n8:9:a:b:c:d\tb\n");
        let (a, n) = next_etherent(&mut f).unwrap();
        assert_eq!((a, n.as_slice()), ([0, 1, 2, 3, 4, 5], &b"host-a"[..]));
        let (a, n) = next_etherent(&mut f).unwrap();
        assert_eq!((a, n.as_slice()), ([8, 9, 10, 11, 12, 13], &b"b"[..]));
        assert!(next_etherent(&mut f).is_none());
    }

    #[test]
    fn tables() {
        assert_eq!(ethertype(b"ip6"), Some(0x86dd));
        assert_eq!(ethertype(b"IP"), None);
        assert_eq!(llc_sap(b"stp"), Some(0x42));
    }
}
