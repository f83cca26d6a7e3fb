//! Frame -> `pkt_parsing_info`, with the 3.7.5 kernel's field semantics.
//!
//! All reads are bounds-checked: a truncated frame fills what it has and
//! leaves the rest zero, as the kernel's parser did for short packets.
#![forbid(unsafe_code)]

use crate::ffi::types::pkt_parsing_info;

/// Where the frame was seen: received by the device or sent by it. The
/// 3.7.5 kernel expressed offsets relative to `skb->data`, which points at
/// the network header on RX and at the Ethernet header on TX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Rx,
    Tx,
}

const ETH_HLEN: usize = 14;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_8021Q: u16 = 0x8100;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

#[inline(always)]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

#[inline(always)]
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Parses an Ethernet frame (as captured, starting at the destination MAC).
#[inline]
pub fn parse(frame: &[u8], dir: Direction) -> pkt_parsing_info {
    let mut p = pkt_parsing_info::default();
    fill(frame, dir, &mut p);
    p
}

/// [`parse`] into an existing header (what a C caller's `hdr` holds is
/// overwritten completely).
#[inline(always)]
pub fn parse_into(frame: &[u8], dir: Direction, p: &mut pkt_parsing_info) {
    if !fill_fast(frame, base_of(dir), p) {
        fill_slow(frame, dir, p);
    }
}

/// Offsets are kept relative to skb->data; on RX that is 14 bytes in.
#[inline(always)]
fn base_of(dir: Direction) -> u16 {
    match dir {
        Direction::Rx => 0u16.wrapping_sub(ETH_HLEN as u16),
        Direction::Tx => 0,
    }
}

/// Every frame `fill_fast` does not take (tagged, non-IPv4, IP options,
/// short): out of line.
#[inline(never)]
fn fill_slow(frame: &[u8], dir: Direction, p: &mut pkt_parsing_info) {
    *p = pkt_parsing_info::default();
    fill_general(frame, base_of(dir), p);
}

/// The common case in one go: an untagged IPv4 frame with a 20-byte IP
/// header and at least 20 bytes after it (any TCP header, a UDP header),
/// read through one fixed-size array (no per-field bounds checks) and
/// stored as one struct. Gives what [`fill`] gives for such frames.
#[inline(always)]
fn fill_fast(frame: &[u8], base: u16, p: &mut pkt_parsing_info) -> bool {
    let Some(h) = frame.first_chunk::<54>() else {
        return false;
    };
    if h[12] != 0x08 || h[13] != 0x00 || h[14] != 0x45 {
        return false;
    }
    let proto = h[23];
    let (sport, dport, flags, payload) = match proto {
        IPPROTO_TCP => (
            u16::from_be_bytes([h[34], h[35]]),
            u16::from_be_bytes([h[36], h[37]]),
            h[47] & 0x3f,
            34 + u16::from(h[46] >> 4) * 4,
        ),
        IPPROTO_UDP => (
            u16::from_be_bytes([h[34], h[35]]),
            u16::from_be_bytes([h[36], h[37]]),
            0,
            42,
        ),
        _ => (0, 0, 0, 34),
    };
    *p = pkt_parsing_info {
        eth_type: ETH_P_IP,
        l3_proto: proto,
        ipv4_tos: h[15],
        ipv4_src: u32::from_be_bytes([h[26], h[27], h[28], h[29]]),
        ipv4_dst: u32::from_be_bytes([h[30], h[31], h[32], h[33]]),
        l4_src_port: sport,
        l4_dst_port: dport,
        tcp_flags: flags,
        eth_offset: base,
        l3_offset: base.wrapping_add(ETH_HLEN as u16),
        l4_offset: base.wrapping_add(34),
        payload_offset: base.wrapping_add(payload),
        ..pkt_parsing_info::default()
    };
    true
}

fn fill(frame: &[u8], dir: Direction, p: &mut pkt_parsing_info) -> Option<()> {
    let base = base_of(dir);
    if fill_fast(frame, base, p) {
        return Some(());
    }
    *p = pkt_parsing_info::default();
    fill_general(frame, base, p)
}

fn fill_general(frame: &[u8], base: u16, p: &mut pkt_parsing_info) -> Option<()> {
    p.eth_offset = base;
    p.eth_type = be16(frame, 12)?;
    let mut l3 = ETH_HLEN;
    if p.eth_type == ETH_P_8021Q {
        p.vlan_offset = base.wrapping_add(ETH_HLEN as u16);
        p.vlan_id = be16(frame, 14)? & 0x0fff;
        p.eth_type = be16(frame, 16)?;
        l3 += 4;
    }
    if p.eth_type != ETH_P_IP {
        return None;
    }
    let ver_ihl = *frame.get(l3)?;
    p.l3_offset = base.wrapping_add(l3 as u16);
    p.ipv4_tos = *frame.get(l3 + 1)?;
    p.l3_proto = *frame.get(l3 + 9)?;
    p.ipv4_src = be32(frame, l3 + 12)?;
    p.ipv4_dst = be32(frame, l3 + 16)?;
    let l4 = l3 + usize::from(ver_ihl & 0x0f) * 4;
    p.l4_offset = base.wrapping_add(l4 as u16);
    match p.l3_proto {
        IPPROTO_TCP => {
            let sport = be16(frame, l4)?;
            let dport = be16(frame, l4 + 2)?;
            let doff = *frame.get(l4 + 12)? >> 4;
            let flags = *frame.get(l4 + 13)?;
            p.l4_src_port = sport;
            p.l4_dst_port = dport;
            p.tcp_flags = flags & 0x3f;
            p.payload_offset = base.wrapping_add((l4 + usize::from(doff) * 4) as u16);
        }
        IPPROTO_UDP => {
            p.l4_src_port = be16(frame, l4)?;
            p.l4_dst_port = be16(frame, l4 + 2)?;
            p.payload_offset = base.wrapping_add((l4 + 8) as u16);
        }
        _ => p.payload_offset = p.l4_offset,
    }
    Some(())
}

/// Offset of the payload inside the captured frame, if the frame is IPv4
/// TCP/UDP/other and the offset lies inside it.
pub fn payload_start(p: &pkt_parsing_info, dir: Direction) -> Option<usize> {
    if p.l3_offset == 0 && dir == Direction::Tx {
        return None;
    }
    let base: u16 = match dir {
        Direction::Rx => ETH_HLEN as u16,
        Direction::Tx => 0,
    };
    let off = p.payload_offset.wrapping_add(base);
    if p.eth_type == ETH_P_IP && off != 0 {
        Some(usize::from(off))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udp_frame() -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 8 + 4];
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        f[15] = 0x10;
        f[14 + 9] = 17;
        f[26..30].copy_from_slice(&[198, 51, 100, 1]);
        f[30..34].copy_from_slice(&[198, 51, 100, 2]);
        f[34..36].copy_from_slice(&1234u16.to_be_bytes());
        f[36..38].copy_from_slice(&53u16.to_be_bytes());
        f
    }

    #[test]
    fn udp_rx_offsets_are_relative_to_network_header() {
        let p = parse(&udp_frame(), Direction::Rx);
        assert_eq!(p.eth_type, 0x0800);
        assert_eq!(p.vlan_id, 0);
        assert_eq!(p.l3_proto, 17);
        assert_eq!(p.ipv4_tos, 0x10);
        assert_eq!(p.ipv4_src, 0xc6336401);
        assert_eq!(p.ipv4_dst, 0xc6336402);
        assert_eq!((p.l4_src_port, p.l4_dst_port), (1234, 53));
        assert_eq!(p.eth_offset, 0xfff2);
        assert_eq!(p.l3_offset, 0);
        assert_eq!(p.l4_offset, 20);
        assert_eq!(p.payload_offset, 28);
        assert_eq!(payload_start(&p, Direction::Rx), Some(42));
    }

    #[test]
    fn tx_offsets_start_at_ethernet() {
        let p = parse(&udp_frame(), Direction::Tx);
        assert_eq!(
            (p.eth_offset, p.l3_offset, p.l4_offset, p.payload_offset),
            (0, 14, 34, 42)
        );
    }

    /// The fast path gives exactly what the general parser gives, on
    /// frames around its conditions (type, IHL, protocol, length).
    #[test]
    fn fast_path_equals_general_parser() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // (miri interprets every instruction: fewer frames there)
        let frames = if cfg!(miri) { 400 } else { 20_000 };
        let mut fast_taken = 0;
        for i in 0..frames {
            let len = 40 + (rnd() % 40) as usize;
            let mut f: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            if i % 8 != 0 {
                f[12] = 0x08;
                f[13] = 0x00;
            }
            if i % 4 != 1 {
                f[14] = if i % 16 == 2 { 0x46 } else { 0x45 };
            }
            f[23] = [6, 17, 1, 6, 17, rnd() as u8][i % 6];
            for dir in [Direction::Rx, Direction::Tx] {
                let base = match dir {
                    Direction::Rx => 0u16.wrapping_sub(ETH_HLEN as u16),
                    Direction::Tx => 0,
                };
                let mut general = pkt_parsing_info::default();
                let _ = fill_general(&f, base, &mut general);
                let mut fast = pkt_parsing_info::default();
                if fill_fast(&f, base, &mut fast) {
                    fast_taken += 1;
                    assert_eq!(fast, general, "frame {f:02x?} {dir:?}");
                }
                assert_eq!(parse(&f, dir), general);
            }
        }
        assert!(fast_taken > frames / 2, "{fast_taken}");
    }

    #[test]
    fn vlan_gives_inner_type_and_id() {
        let mut f = udp_frame();
        f.splice(12..12, [0x81, 0x00, 0x20, 0x64]);
        let p = parse(&f, Direction::Rx);
        assert_eq!(p.vlan_id, 100);
        assert_eq!(p.eth_type, 0x0800);
        assert_eq!(p.vlan_offset, 0);
        assert_eq!(p.l3_offset, 4);
        assert_eq!((p.l4_src_port, p.l4_dst_port), (1234, 53));
    }

    #[test]
    fn truncated_and_non_ip_frames_never_panic() {
        let f = udp_frame();
        for n in 0..f.len() {
            let _ = parse(&f[..n], Direction::Rx);
        }
        let mut arp = f.clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        let p = parse(&arp, Direction::Rx);
        assert_eq!((p.eth_type, p.l3_proto, p.l3_offset), (0x0806, 0, 0));
    }
}
