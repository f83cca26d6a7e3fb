//! The primitives of pcap-filter(7): protocols, hosts, networks, ports,
//! arithmetic, VLAN/MPLS/PPPoE, broadcast/multicast, direction.

use crate::bpf::*;
use crate::gencode::*;
use std::net::IpAddr;

fn pname(p: P) -> &'static str {
    match p {
        P::Sctp => "sctp",
        P::Tcp => "tcp",
        P::Udp => "udp",
        P::Icmp => "icmp",
        P::Igmp => "igmp",
        P::Igrp => "igrp",
        P::Pim => "pim",
        P::Vrrp => "vrrp",
        P::Carp => "carp",
        P::Icmpv6 => "icmp6",
        P::Ah => "ah",
        P::Esp => "esp",
        P::Esis => "esis",
        P::Isis => "isis",
        P::Clnp => "clnp",
        P::Stp => "stp",
        P::Netbeui => "netbeui",
        P::IsisL1 => "l1",
        P::IsisL2 => "l2",
        P::IsisIih => "iih",
        P::IsisSnp => "snp",
        P::IsisCsnp => "csnp",
        P::IsisPsnp => "psnp",
        P::IsisLsp => "lsp",
        P::Radio => "radio",
        P::Ip => "ip",
        P::Arp => "arp",
        P::Rarp => "rarp",
        P::Decnet => "decnet",
        P::Ipv6 => "ip6",
        P::Aarp => "aarp",
        P::Ipx => "ipx",
        P::Iso => "iso",
        P::Atalk => "atalk",
        P::Lat => "lat",
        P::Sca => "sca",
        P::Moprc => "moprc",
        P::Mopdl => "mopdl",
        P::Link => "link",
        P::Default | P::Undef => "?",
    }
}

fn dir_err_addr(d: D) -> Option<String> {
    Some(
        match d {
            D::Addr1 => "'addr1' and 'address1' are not valid qualifiers for addresses other than 802.11 MAC addresses",
            D::Addr2 => "'addr2' and 'address2' are not valid qualifiers for addresses other than 802.11 MAC addresses",
            D::Addr3 => "'addr3' and 'address3' are not valid qualifiers for addresses other than 802.11 MAC addresses",
            D::Addr4 => "'addr4' and 'address4' are not valid qualifiers for addresses other than 802.11 MAC addresses",
            D::Ra => "'ra' is not a valid qualifier for addresses other than 802.11 MAC addresses",
            D::Ta => "'ta' is not a valid qualifier for addresses other than 802.11 MAC addresses",
            _ => return None,
        }
        .to_string(),
    )
}

fn dir_err_port(d: D) -> Option<String> {
    Some(
        match d {
            D::Addr1 => "'addr1' and 'address1' are not valid qualifiers for ports",
            D::Addr2 => "'addr2' and 'address2' are not valid qualifiers for ports",
            D::Addr3 => "'addr3' and 'address3' are not valid qualifiers for ports",
            D::Addr4 => "'addr4' and 'address4' are not valid qualifiers for ports",
            D::Ra => "'ra' is not a valid qualifier for ports",
            D::Ta => "'ta' is not a valid qualifier for ports",
            _ => return None,
        }
        .to_string(),
    )
}

fn dir_err_ether(d: D) -> Option<String> {
    Some(
        match d {
            D::Addr1 => "'addr1' and 'address1' are only supported on 802.11 with 802.11 headers",
            D::Addr2 => "'addr2' and 'address2' are only supported on 802.11 with 802.11 headers",
            D::Addr3 => "'addr3' and 'address3' are only supported on 802.11 with 802.11 headers",
            D::Addr4 => "'addr4' and 'address4' are only supported on 802.11 with 802.11 headers",
            D::Ra => "'ra' is only supported on 802.11 with 802.11 headers",
            D::Ta => "'ta' is only supported on 802.11 with 802.11 headers",
            _ => return None,
        }
        .to_string(),
    )
}

/// `__pcap_atoin`: dotted decimal with 1-4 parts; returns (value, bits).
pub fn atoin(s: &str) -> Option<(u32, u32)> {
    let mut addr: u32 = 0;
    let mut len = 0;
    for part in s.split('.') {
        let mut n: u32 = 0;
        if part.is_empty() {
            // "1..2": libpcap's loop sees an empty component as 0
        }
        for c in part.bytes() {
            if !c.is_ascii_digit() {
                return None;
            }
            if n > 25 {
                return None;
            }
            n = n * 10 + (c - b'0') as u32;
        }
        if n > 255 {
            return None;
        }
        addr = (addr << 8) | (n & 0xff);
        len += 8;
    }
    Some((addr, len))
}

impl<'a> Cs<'a> {
    pub fn proto_abbrev(&mut self, p: P) -> R<B> {
        let or_all = |cs: &mut Cs, vals: &[u32]| -> R<B> {
            let mut b1 = cs.gen_proto(vals[0], P::Isis, D::Default)?;
            let b0 = cs.gen_proto(vals[1], P::Isis, D::Default)?;
            cs.gen_or(b1, b0);
            b1 = b0;
            for &v in &vals[2..] {
                let b0 = cs.gen_proto(v, P::Isis, D::Default)?;
                cs.gen_or(b0, b1);
            }
            Ok(b1)
        };
        match p {
            P::Sctp => self.gen_proto(IPPROTO_SCTP, P::Default, D::Default),
            P::Tcp => self.gen_proto(IPPROTO_TCP, P::Default, D::Default),
            P::Udp => self.gen_proto(IPPROTO_UDP, P::Default, D::Default),
            P::Icmp => self.gen_proto(1, P::Ip, D::Default),
            P::Igmp => self.gen_proto(2, P::Ip, D::Default),
            P::Igrp => self.gen_proto(9, P::Ip, D::Default),
            P::Pim => self.gen_proto(103, P::Default, D::Default),
            P::Vrrp => self.gen_proto(112, P::Ip, D::Default),
            P::Carp => self.gen_proto(112, P::Ip, D::Default),
            P::Ip => self.gen_linktype(ETHERTYPE_IP),
            P::Arp => self.gen_linktype(ETHERTYPE_ARP),
            P::Rarp => self.gen_linktype(ETHERTYPE_REVARP),
            P::Link => Err("link layer applied in wrong context".into()),
            P::Atalk => self.gen_linktype(ETHERTYPE_ATALK),
            P::Aarp => self.gen_linktype(ETHERTYPE_AARP),
            P::Decnet => self.gen_linktype(ETHERTYPE_DN),
            P::Sca => self.gen_linktype(ETHERTYPE_SCA),
            P::Lat => self.gen_linktype(ETHERTYPE_LAT),
            P::Mopdl => self.gen_linktype(ETHERTYPE_MOPDL),
            P::Moprc => self.gen_linktype(ETHERTYPE_MOPRC),
            P::Ipv6 => self.gen_linktype(ETHERTYPE_IPV6),
            P::Icmpv6 => self.gen_proto(58, P::Ipv6, D::Default),
            P::Ah => self.gen_proto(51, P::Default, D::Default),
            P::Esp => self.gen_proto(50, P::Default, D::Default),
            P::Iso => self.gen_linktype(LLCSAP_ISONS),
            P::Esis => self.gen_proto(0x82, P::Iso, D::Default),
            P::Isis => self.gen_proto(0x83, P::Iso, D::Default),
            P::IsisL1 => or_all(self, &[15, 17, 18, 24, 26]),
            P::IsisL2 => or_all(self, &[16, 17, 20, 25, 27]),
            P::IsisIih => or_all(self, &[15, 16, 17]),
            P::IsisLsp => or_all(self, &[18, 20]),
            P::IsisSnp => or_all(self, &[24, 25, 26, 27]),
            P::IsisCsnp => or_all(self, &[24, 25]),
            P::IsisPsnp => or_all(self, &[26, 27]),
            P::Clnp => self.gen_proto(0x81, P::Iso, D::Default),
            P::Stp => self.gen_linktype(LLCSAP_8021D),
            P::Ipx => self.gen_linktype(LLCSAP_IPX),
            P::Netbeui => self.gen_linktype(LLCSAP_NETBEUI),
            P::Radio => Err("'radio' is not a valid protocol type".into()),
            P::Default | P::Undef => Err("syntax error in filter expression".into()),
        }
    }

    pub fn gen_proto(&mut self, v: u32, proto: P, dir: D) -> R<B> {
        if dir != D::Default {
            return Err("direction applied to 'proto'".into());
        }
        match proto {
            P::Default => {
                let b0 = self.gen_proto(v, P::Ip, dir)?;
                let b1 = self.gen_proto(v, P::Ipv6, dir)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            P::Link => self.gen_linktype(v),
            P::Ip => {
                let b0 = self.gen_linktype(ETHERTYPE_IP)?;
                let b1 = self.cmp(OffRel::LinkPl, 9, BPF_B, v)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            P::Ipv6 => {
                let b0 = self.gen_linktype(ETHERTYPE_IPV6)?;
                let b2 = self.cmp(OffRel::LinkPl, 6, BPF_B, IPPROTO_FRAGMENT)?;
                let b1 = self.cmp(OffRel::LinkPl, 40, BPF_B, v)?;
                self.gen_and(b2, b1);
                let b2 = self.cmp(OffRel::LinkPl, 6, BPF_B, v)?;
                self.gen_or(b2, b1);
                self.gen_and(b0, b1);
                Ok(b1)
            }
            P::Iso => {
                if self.linktype == dlt::FRELAY {
                    self.cmp(OffRel::LinkHdr, 2, BPF_H, (0x03 << 8) | v)
                } else if self.linktype == dlt::C_HDLC || self.linktype == dlt::HDLC {
                    let b0 = self.gen_linktype((LLCSAP_ISONS << 8) | LLCSAP_ISONS)?;
                    let b1 = self.cmp(OffRel::LinkPlNoSnap, 1, BPF_B, v)?;
                    self.gen_and(b0, b1);
                    Ok(b1)
                } else {
                    let b0 = self.gen_linktype(LLCSAP_ISONS)?;
                    let b1 = self.cmp(OffRel::LinkPlNoSnap, 0, BPF_B, v)?;
                    self.gen_and(b0, b1);
                    Ok(b1)
                }
            }
            P::Isis => {
                let b0 = self.gen_proto(0x83, P::Iso, D::Default)?;
                let b1 = self.cmp(OffRel::LinkPlNoSnap, 4, BPF_B, v)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            P::Arp => Err("arp does not encapsulate another protocol".into()),
            P::Rarp => Err("rarp does not encapsulate another protocol".into()),
            P::Atalk => Err("AppleTalk encapsulation is not specifiable".into()),
            P::Decnet => Err("DECNET encapsulation is not specifiable".into()),
            P::Lat => Err("LAT does not encapsulate another protocol".into()),
            P::Sca => Err("SCA does not encapsulate another protocol".into()),
            P::Moprc => Err("MOPRC does not encapsulate another protocol".into()),
            P::Mopdl => Err("MOPDL does not encapsulate another protocol".into()),
            P::Clnp => Err("'clnp proto' is not supported".into()),
            P::Undef => Err("syntax error in filter expression".into()),
            other => Err(format!("'{} proto' is bogus", pname(other))),
        }
    }

    fn hostop(&mut self, addr: u32, mask: u32, dir: D, ll: u32, src: u32, dst: u32) -> R<B> {
        let offset = match dir {
            D::Src => src,
            D::Dst => dst,
            D::And | D::Default | D::Or => {
                let b0 = self.hostop(addr, mask, D::Src, ll, src, dst)?;
                let b1 = self.hostop(addr, mask, D::Dst, ll, src, dst)?;
                if dir == D::And {
                    self.gen_and(b0, b1);
                } else {
                    self.gen_or(b0, b1);
                }
                return Ok(b1);
            }
            other => {
                return Err(dir_err_addr(other).unwrap_or_else(|| "syntax error".into()));
            }
        };
        let b0 = self.gen_linktype(ll)?;
        let b1 = self.mcmp(OffRel::LinkPl, offset, BPF_W, addr, mask)?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    fn hostop6(&mut self, addr: &[u8; 16], mask: &[u8; 16], dir: D) -> R<B> {
        let offset = match dir {
            D::Src => 8,
            D::Dst => 24,
            D::And | D::Default | D::Or => {
                let b0 = self.hostop6(addr, mask, D::Src)?;
                let b1 = self.hostop6(addr, mask, D::Dst)?;
                if dir == D::And {
                    self.gen_and(b0, b1);
                } else {
                    self.gen_or(b0, b1);
                }
                return Ok(b1);
            }
            other => {
                return Err(dir_err_addr(other).unwrap_or_else(|| "syntax error".into()));
            }
        };
        let w = |a: &[u8; 16], i: usize| {
            u32::from_be_bytes([a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]])
        };
        let b1 = self.mcmp(OffRel::LinkPl, offset + 12, BPF_W, w(addr, 3), w(mask, 3))?;
        let b0 = self.mcmp(OffRel::LinkPl, offset + 8, BPF_W, w(addr, 2), w(mask, 2))?;
        self.gen_and(b0, b1);
        let b0 = self.mcmp(OffRel::LinkPl, offset + 4, BPF_W, w(addr, 1), w(mask, 1))?;
        self.gen_and(b0, b1);
        let b0 = self.mcmp(OffRel::LinkPl, offset, BPF_W, w(addr, 0), w(mask, 0))?;
        self.gen_and(b0, b1);
        let b0 = self.gen_linktype(ETHERTYPE_IPV6)?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    pub fn gen_host(&mut self, addr: u32, mask: u32, proto: P, dir: D, ty: A) -> R<B> {
        let typestr = if ty == A::Net { "net" } else { "host" };
        match proto {
            P::Default => {
                let b0 = self.gen_host(addr, mask, P::Ip, dir, ty)?;
                if self.label_stack_depth == 0 {
                    let b1 = self.gen_host(addr, mask, P::Arp, dir, ty)?;
                    self.gen_or(b0, b1);
                    let b0b = self.gen_host(addr, mask, P::Rarp, dir, ty)?;
                    self.gen_or(b1, b0b);
                    return Ok(b0b);
                }
                Ok(b0)
            }
            P::Link => Err(format!("link-layer modifier applied to {typestr}")),
            P::Ip => self.hostop(addr, mask, dir, ETHERTYPE_IP, 12, 16),
            P::Rarp => self.hostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24),
            P::Arp => self.hostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24),
            P::Atalk => Err("AppleTalk host filtering not implemented".into()),
            P::Aarp => Err("AARP host filtering not implemented".into()),
            P::Decnet => self.dnhostop(addr, dir),
            P::Lat => Err("LAT host filtering not implemented".into()),
            P::Sca => Err("SCA host filtering not implemented".into()),
            P::Moprc => Err("MOPRC host filtering not implemented".into()),
            P::Mopdl => Err("MOPDL host filtering not implemented".into()),
            P::Ipv6 => Err("'ip6' modifier applied to ip host".into()),
            P::Iso => Err("ISO host filtering not implemented".into()),
            P::Ipx => Err("IPX host filtering not implemented".into()),
            P::Undef => Err("syntax error in filter expression".into()),
            other => Err(format!("'{}' modifier applied to {typestr}", pname(other))),
        }
    }

    pub fn gen_host6(&mut self, addr: &[u8; 16], mask: &[u8; 16], proto: P, dir: D, ty: A) -> R<B> {
        let typestr = if ty == A::Net { "net" } else { "host" };
        match proto {
            P::Default | P::Ipv6 => self.hostop6(addr, mask, dir),
            P::Link => Err(format!("link-layer modifier applied to ip6 {typestr}")),
            P::Atalk => Err(format!("AppleTalk modifier applied to ip6 {typestr}")),
            P::Undef => Err("syntax error in filter expression".into()),
            other => Err(format!(
                "'{}' modifier applied to ip6 {typestr}",
                pname(other)
            )),
        }
    }

    fn dnhostop(&mut self, addr: u32, dir: D) -> R<B> {
        let offset_sh: u32;
        let offset_lh: u32;
        match dir {
            D::Dst => {
                offset_sh = 1;
                offset_lh = 7;
            }
            D::Src => {
                offset_sh = 3;
                offset_lh = 15;
            }
            D::And | D::Default | D::Or => {
                let b0 = self.dnhostop(addr, D::Src)?;
                let b1 = self.dnhostop(addr, D::Dst)?;
                if dir == D::And {
                    self.gen_and(b0, b1);
                } else {
                    self.gen_or(b0, b1);
                }
                return Ok(b1);
            }
            other => return Err(dir_err_addr(other).unwrap_or_else(|| "syntax error".into())),
        }
        let b0 = self.gen_linktype(ETHERTYPE_DN)?;
        // Check for pad = 1, long header case
        let tmp = self.mcmp(OffRel::LinkPl, 2, BPF_H, 0x8106, 0xff07)?;
        let b1 = self.cmp(
            OffRel::LinkPl,
            2 + 1 + offset_lh,
            BPF_H,
            (addr as u16).swap_bytes() as u32,
        )?;
        self.gen_and(tmp, b1);
        // Check for pad = 0, long header case
        let tmp = self.mcmp(OffRel::LinkPl, 2, BPF_B, 0x06, 0x07)?;
        let b2 = self.cmp(
            OffRel::LinkPl,
            2 + offset_lh,
            BPF_H,
            (addr as u16).swap_bytes() as u32,
        )?;
        self.gen_and(tmp, b2);
        self.gen_or(b2, b1);
        // Check for pad = 1, short header case
        let tmp = self.mcmp(OffRel::LinkPl, 2, BPF_H, 0x8102, 0xff07)?;
        let b2 = self.cmp(
            OffRel::LinkPl,
            2 + 1 + offset_sh,
            BPF_H,
            (addr as u16).swap_bytes() as u32,
        )?;
        self.gen_and(tmp, b2);
        self.gen_or(b2, b1);
        // Check for pad = 0, short header case
        let tmp = self.mcmp(OffRel::LinkPl, 2, BPF_B, 0x02, 0x07)?;
        let b2 = self.cmp(
            OffRel::LinkPl,
            2 + offset_sh,
            BPF_H,
            (addr as u16).swap_bytes() as u32,
        )?;
        self.gen_and(tmp, b2);
        self.gen_or(b2, b1);
        // Combine with test for cstate->linktype
        self.gen_and(b0, b1);
        Ok(b1)
    }

    // ---- ports --------------------------------------------------------

    fn portatom(&mut self, off: u32, v: u32) -> R<B> {
        self.cmp(OffRel::TranIpv4, off, BPF_H, v)
    }
    fn portatom6(&mut self, off: u32, v: u32) -> R<B> {
        self.cmp(OffRel::TranIpv6, off, BPF_H, v)
    }

    fn portop(&mut self, port: u32, proto: u32, dir: D) -> R<B> {
        let tmp = self.cmp(OffRel::LinkPl, 9, BPF_B, proto)?;
        let b0 = self.gen_ipfrag()?;
        self.gen_and(tmp, b0);
        let b1 = self.dir_pair(dir, &|cs: &mut Cs, off| cs.portatom(off, port))?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    fn dir_pair(&mut self, dir: D, f: &dyn Fn(&mut Cs<'a>, u32) -> R<B>) -> R<B> {
        self.dir_pair_ex(dir, f, false)
    }

    fn dir_pair_ex(&mut self, dir: D, f: &dyn Fn(&mut Cs<'a>, u32) -> R<B>, range: bool) -> R<B> {
        match dir {
            D::Src => f(self, 0),
            D::Dst => f(self, 2),
            D::And => {
                let tmp = f(self, 0)?;
                let b1 = f(self, 2)?;
                self.gen_and(tmp, b1);
                Ok(b1)
            }
            D::Default | D::Or => {
                let tmp = f(self, 0)?;
                let b1 = f(self, 2)?;
                self.gen_or(tmp, b1);
                Ok(b1)
            }
            other => {
                let m = dir_err_port(other).unwrap_or_else(|| "syntax error".into());
                Err(if range {
                    m.replace("for ports", "for port ranges")
                } else {
                    m
                })
            }
        }
    }

    pub fn gen_port(&mut self, port: u32, ip_proto: u32, dir: D) -> R<B> {
        let b0 = self.gen_linktype(ETHERTYPE_IP)?;
        let b1 = match ip_proto {
            IPPROTO_UDP | IPPROTO_TCP | IPPROTO_SCTP => self.portop(port, ip_proto, dir)?,
            _ => {
                let tmp = self.portop(port, IPPROTO_TCP, dir)?;
                let b1 = self.portop(port, IPPROTO_UDP, dir)?;
                self.gen_or(tmp, b1);
                let tmp = self.portop(port, IPPROTO_SCTP, dir)?;
                self.gen_or(tmp, b1);
                b1
            }
        };
        self.gen_and(b0, b1);
        Ok(b1)
    }

    fn portop6(&mut self, port: u32, proto: u32, dir: D) -> R<B> {
        let b0 = self.cmp(OffRel::LinkPl, 6, BPF_B, proto)?;
        let b1 = self.dir_pair(dir, &|cs: &mut Cs, off| cs.portatom6(off, port))?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    pub fn gen_port6(&mut self, port: u32, ip_proto: u32, dir: D) -> R<B> {
        let b0 = self.gen_linktype(ETHERTYPE_IPV6)?;
        let b1 = match ip_proto {
            IPPROTO_UDP | IPPROTO_TCP | IPPROTO_SCTP => self.portop6(port, ip_proto, dir)?,
            _ => {
                let tmp = self.portop6(port, IPPROTO_TCP, dir)?;
                let b1 = self.portop6(port, IPPROTO_UDP, dir)?;
                self.gen_or(tmp, b1);
                let tmp = self.portop6(port, IPPROTO_SCTP, dir)?;
                self.gen_or(tmp, b1);
                b1
            }
        };
        self.gen_and(b0, b1);
        Ok(b1)
    }

    fn portrangeatom(&mut self, off: u32, v1: u32, v2: u32, v6: bool) -> R<B> {
        let (lo, hi) = if v1 > v2 { (v2, v1) } else { (v1, v2) };
        let rel = if v6 {
            OffRel::TranIpv6
        } else {
            OffRel::TranIpv4
        };
        let b1 = self.cmp_ge(rel, off, BPF_H, lo)?;
        let b2 = self.cmp_le(rel, off, BPF_H, hi)?;
        self.gen_and(b1, b2);
        Ok(b2)
    }

    fn portrangeop(&mut self, p1: u32, p2: u32, proto: u32, dir: D, v6: bool) -> R<B> {
        let b0 = if v6 {
            self.cmp(OffRel::LinkPl, 6, BPF_B, proto)?
        } else {
            let tmp = self.cmp(OffRel::LinkPl, 9, BPF_B, proto)?;
            let b0 = self.gen_ipfrag()?;
            self.gen_and(tmp, b0);
            b0
        };
        let b1 = self.dir_pair_ex(
            dir,
            &|cs: &mut Cs, off| cs.portrangeatom(off, p1, p2, v6),
            true,
        )?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    pub fn gen_portrange(&mut self, p1: u32, p2: u32, ip_proto: u32, dir: D, v6: bool) -> R<B> {
        let b0 = self.gen_linktype(if v6 { ETHERTYPE_IPV6 } else { ETHERTYPE_IP })?;
        let b1 = match ip_proto {
            IPPROTO_UDP | IPPROTO_TCP | IPPROTO_SCTP => {
                self.portrangeop(p1, p2, ip_proto, dir, v6)?
            }
            _ => {
                let tmp = self.portrangeop(p1, p2, IPPROTO_TCP, dir, v6)?;
                let b1 = self.portrangeop(p1, p2, IPPROTO_UDP, dir, v6)?;
                self.gen_or(tmp, b1);
                let tmp = self.portrangeop(p1, p2, IPPROTO_SCTP, dir, v6)?;
                self.gen_or(tmp, b1);
                b1
            }
        };
        self.gen_and(b0, b1);
        Ok(b1)
    }

    // ---- names and numbers ---------------------------------------------

    /// `gen_ncode`: a number or IPv4 literal with qualifiers.
    pub fn ncode(&mut self, s: Option<&str>, v0: u32, q: Qual) -> R<B> {
        let proto = q.proto;
        let dir = q.dir;
        let mut v = v0;
        let vlen: u32 = match s {
            None => 32,
            Some(s) => {
                if proto == P::Decnet {
                    match atodn(s) {
                        Some(a) => {
                            v = a;
                            16
                        }
                        None => return Err(format!("malformed decnet address '{s}'")),
                    }
                } else {
                    match atoin(s) {
                        Some((a, l)) => {
                            v = a;
                            l
                        }
                        None => return Err(format!("invalid IPv4 address '{s}'")),
                    }
                }
            }
        };
        match q.addr {
            A::Default | A::Host | A::Net => {
                if proto == P::Decnet {
                    self.gen_host(v, 0, proto, dir, q.addr)
                } else if proto == P::Link {
                    Err("illegal link layer address".into())
                } else {
                    let mut mask: u32 = 0xffff_ffff;
                    if s.is_none() && q.addr == A::Net {
                        while v != 0 && (v & 0xff00_0000) == 0 {
                            v <<= 8;
                            mask <<= 8;
                        }
                    } else {
                        v = shl32(v, 32 - vlen);
                        mask = shl32(mask, 32 - vlen);
                    }
                    self.gen_host(v, mask, proto, dir, q.addr)
                }
            }
            A::Port | A::Portrange => {
                let what = if q.addr == A::Port {
                    "port"
                } else {
                    "portrange"
                };
                let p = match proto {
                    P::Udp => IPPROTO_UDP,
                    P::Tcp => IPPROTO_TCP,
                    P::Sctp => IPPROTO_SCTP,
                    P::Default => PROTO_UNDEF,
                    _ => return Err(format!("illegal qualifier of '{what}'")),
                };
                if v > 65535 {
                    return Err(format!("illegal port number {v} > 65535"));
                }
                if q.addr == A::Port {
                    let b = self.gen_port(v, p, dir)?;
                    let b6 = self.gen_port6(v, p, dir)?;
                    self.gen_or(b6, b);
                    Ok(b)
                } else {
                    let b = self.gen_portrange(v, v, p, dir, false)?;
                    let b6 = self.gen_portrange(v, v, p, dir, true)?;
                    self.gen_or(b6, b);
                    Ok(b)
                }
            }
            A::Gateway => Err("'gateway' requires a name".into()),
            A::Proto => self.gen_proto(v, proto, dir),
            A::Protochain => self.gen_protochain(v, proto),
            A::Undef => Err("syntax error in filter expression".into()),
        }
    }

    fn lookup_proto(&mut self, name: &str, proto: P) -> R<Option<u32>> {
        match proto {
            P::Default | P::Ip | P::Ipv6 => match self.res.protocol(name) {
                Some(v) => Ok(Some(v)),
                None => Err(format!("unknown ip proto '{name}'")),
            },
            P::Link => {
                if let Some(v) = eproto(name) {
                    return Ok(Some(v));
                }
                if let Some(v) = llcproto(name) {
                    return Ok(Some(v));
                }
                Err(format!("unknown ether proto '{name}'"))
            }
            P::Iso => match name {
                "esis" => Ok(Some(0x82)),
                "isis" => Ok(Some(0x83)),
                "clnp" => Ok(Some(0x81)),
                _ => Err(format!("unknown osi proto '{name}'")),
            },
            _ => Ok(None),
        }
    }

    fn nametoport(&self, name: &str) -> Option<(u32, u32)> {
        // getaddrinfo(NULL, name) takes a numeric service first
        match numeric_service(name) {
            NumServ::Port(p) => return Some((p, PROTO_UNDEF)),
            NumServ::Invalid => return None,
            NumServ::NotNumeric => {}
        }
        let (tcp, udp) = self.res.service(name);
        match (tcp, udp) {
            (Some(t), Some(u)) => Some((t, if t == u { PROTO_UNDEF } else { IPPROTO_TCP })),
            (Some(t), None) => Some((t, IPPROTO_TCP)),
            (None, Some(u)) => Some((u, IPPROTO_UDP)),
            (None, None) => None,
        }
    }

    /// `pcap_nametoportrange`: "%d-%d" first, else "name-name".
    fn nametoportrange(&self, name: &str) -> Option<(u32, u32, u32)> {
        if let Some((a, rest)) = scan_int(name) {
            if let Some(rest) = rest.strip_prefix('-') {
                if let Some((b, _)) = scan_int(rest) {
                    return Some((a as u32, b as u32, PROTO_UNDEF));
                }
            }
        }
        let (n1, n2) = name.split_once('-')?;
        let (p1, pr1) = self.nametoport(n1)?;
        let (p2, pr2) = self.nametoport(n2)?;
        Some((p1, p2, if pr1 != pr2 { PROTO_UNDEF } else { pr2 }))
    }

    fn port_proto_check(&self, name: &str, proto: P, real: u32, range: bool) -> R<u32> {
        let pre = if range { "port in range" } else { "port" };
        let want = match proto {
            P::Udp => IPPROTO_UDP,
            P::Tcp => IPPROTO_TCP,
            P::Sctp => IPPROTO_SCTP,
            _ => return Ok(real),
        };
        let pn = |p: u32| match p {
            IPPROTO_TCP => "tcp",
            IPPROTO_UDP => "udp",
            _ => "sctp",
        };
        if real != PROTO_UNDEF && real != want {
            return Err(format!("{pre} '{name}' is {}", pn(real)));
        }
        Ok(want)
    }

    /// `gen_scode`: a name with qualifiers.
    pub fn scode(&mut self, name: &str, q: Qual) -> R<B> {
        let proto = q.proto;
        let dir = q.dir;
        match q.addr {
            A::Net => {
                let mut addr = self.res.network(name).unwrap_or(0);
                if addr == 0 {
                    return Err(format!("unknown network '{name}'"));
                }
                let mut mask: u32 = 0xffff_ffff;
                while addr != 0 && (addr & 0xff00_0000) == 0 {
                    addr <<= 8;
                    mask <<= 8;
                }
                self.gen_host(addr, mask, proto, dir, q.addr)
            }
            A::Default | A::Host => {
                if proto == P::Link {
                    let lt = self.linktype;
                    match lt {
                        dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT | dlt::FDDI
                        | dlt::IEEE802 | dlt::IEEE802_11 | dlt::IEEE802_11_RADIO
                        | dlt::IEEE802_11_RADIO_AVS | dlt::PRISM_HEADER | dlt::PPI | dlt::IP_OVER_FC => {
                            let Some(e) = self.res.ether(name) else {
                                let what = match lt {
                                    dlt::FDDI => "FDDI",
                                    dlt::IEEE802 => "token ring",
                                    dlt::IP_OVER_FC => "Fibre Channel",
                                    dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT => "ether",
                                    _ => "802.11",
                                };
                                return Err(format!("unknown {what} host '{name}'"));
                            };
                            self.link_hostop(&e, dir)
                        }
                        _ => Err("only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name".into()),
                    }
                } else if proto == P::Decnet {
                    Err(format!(
                        "decnet name support not included, '{name}' cannot be translated\n"
                    ))
                } else {
                    let addrs = self.res.host(name);
                    if addrs.is_empty() {
                        return Err(format!("unknown host '{name}'"));
                    }
                    let mut tproto = proto;
                    let mut tproto6 = proto;
                    if self.off_linktype.constant == OFFSET_NOT_SET && tproto == P::Default {
                        tproto = P::Ip;
                        tproto6 = P::Ipv6;
                    }
                    let mut b: Option<B> = None;
                    for a in addrs {
                        let tmp = match a {
                            IpAddr::V4(v4) => {
                                if tproto == P::Ipv6 {
                                    continue;
                                }
                                self.gen_host(u32::from(v4), 0xffff_ffff, tproto, dir, q.addr)?
                            }
                            IpAddr::V6(v6) => {
                                if tproto6 == P::Ip {
                                    continue;
                                }
                                self.gen_host6(&v6.octets(), &[0xff; 16], tproto6, dir, q.addr)?
                            }
                        };
                        if let Some(b0) = b {
                            self.gen_or(b0, tmp);
                        }
                        b = Some(tmp);
                    }
                    match b {
                        Some(b) => Ok(b),
                        None => Err(format!(
                            "unknown host '{name}'{}",
                            if proto == P::Default {
                                ""
                            } else {
                                " for specified address family"
                            }
                        )),
                    }
                }
            }
            A::Port => {
                if !matches!(proto, P::Default | P::Udp | P::Tcp | P::Sctp) {
                    return Err("illegal qualifier of 'port'".into());
                }
                let Some((port, real)) = self.nametoport(name) else {
                    return Err(format!("unknown port '{name}'"));
                };
                let real = self.port_proto_check(name, proto, real, false)?;
                if port > 65535 {
                    return Err(format!("illegal port number {port} > 65535"));
                }
                let b = self.gen_port(port, real, dir)?;
                let b6 = self.gen_port6(port, real, dir)?;
                self.gen_or(b6, b);
                Ok(b)
            }
            A::Portrange => {
                if !matches!(proto, P::Default | P::Udp | P::Tcp | P::Sctp) {
                    return Err("illegal qualifier of 'portrange'".into());
                }
                let Some((p1, p2, real)) = self.nametoportrange(name) else {
                    return Err(format!("unknown port in range '{name}'"));
                };
                let real = self.port_proto_check(name, proto, real, true)?;
                // sscanf("%d-%d") values: negative ones are "< 0"
                for p in [p1 as i32, p2 as i32] {
                    if p < 0 {
                        return Err(format!("illegal port number {p} < 0"));
                    }
                    if p > 65535 {
                        return Err(format!("illegal port number {p} > 65535"));
                    }
                }
                let b = self.gen_portrange(p1, p2, real, dir, false)?;
                let b6 = self.gen_portrange(p1, p2, real, dir, true)?;
                self.gen_or(b6, b);
                Ok(b)
            }
            A::Gateway => Err("'gateway' not supported in this configuration".into()),
            A::Proto => match self.lookup_proto(name, proto)? {
                Some(v) => self.gen_proto(v, proto, dir),
                None => Err(format!("unknown protocol: {name}")),
            },
            A::Protochain => match self.lookup_proto(name, proto)? {
                Some(v) => self.gen_protochain(v, proto),
                None => Err(format!("unknown protocol: {name}")),
            },
            A::Undef => Err("syntax error in filter expression".into()),
        }
    }

    /// `gen_mcode`: "net A/len" or "net A mask M".
    pub fn mcode(&mut self, s1: &str, s2: Option<&str>, masklen: u32, q: Qual) -> R<B> {
        let Some((n, nlen)) = atoin(s1) else {
            return Err(format!("invalid IPv4 address '{s1}'"));
        };
        let n = shl32(n, 32 - nlen);
        let m = if let Some(s2) = s2 {
            let Some((m, mlen)) = atoin(s2) else {
                return Err(format!("invalid IPv4 address '{s2}'"));
            };
            let m = shl32(m, 32 - mlen);
            if n & !m != 0 {
                return Err(format!("non-network bits set in \"{s1} mask {s2}\""));
            }
            m
        } else {
            if masklen > 32 {
                return Err("mask length must be <= 32".into());
            }
            let m = if masklen == 0 {
                0
            } else {
                0xffff_ffffu32 << (32 - masklen)
            };
            if n & !m != 0 {
                return Err(format!("non-network bits set in \"{s1}/{masklen}\""));
            }
            m
        };
        match q.addr {
            A::Net => self.gen_host(n, m, q.proto, q.dir, q.addr),
            _ => Err("Mask syntax for networks only".into()),
        }
    }

    /// `gen_mcode6`.
    pub fn mcode6(&mut self, s1: &str, s2: Option<&str>, masklen: u32, q: Qual) -> R<B> {
        if let Some(s2) = s2 {
            return Err(format!("no mask {s2} supported"));
        }
        let Ok(a) = s1.parse::<std::net::Ipv6Addr>() else {
            return Err(format!("invalid ip6 address {s1}"));
        };
        if masklen > 128 {
            return Err("mask length must be <= 128".into());
        }
        let mut mask = [0u8; 16];
        for m in mask.iter_mut().take((masklen / 8) as usize) {
            *m = 0xff;
        }
        if masklen % 8 != 0 {
            mask[(masklen / 8) as usize] = (0xffu32 << (8 - masklen % 8)) as u8;
        }
        let addr = a.octets();
        if addr.iter().zip(mask.iter()).any(|(x, m)| x & !m != 0) {
            return Err(format!("non-network bits set in \"{s1}/{masklen}\""));
        }
        match q.addr {
            A::Default | A::Host | A::Net => {
                if q.addr != A::Net && masklen != 128 {
                    return Err("Mask syntax for networks only".into());
                }
                self.gen_host6(&addr, &mask, q.proto, q.dir, q.addr)
            }
            _ => Err("invalid qualifier against IPv6 address".into()),
        }
    }

    fn ehostop_at(&mut self, e: &[u8; 6], dir: D, src: u32, dst: u32) -> R<B> {
        match dir {
            D::Src => self.bcmp(OffRel::LinkHdr, src, e),
            D::Dst => self.bcmp(OffRel::LinkHdr, dst, e),
            D::And | D::Default | D::Or => {
                let b0 = self.ehostop_at(e, D::Src, src, dst)?;
                let b1 = self.ehostop_at(e, D::Dst, src, dst)?;
                if dir == D::And {
                    self.gen_and(b0, b1);
                } else {
                    self.gen_or(b0, b1);
                }
                Ok(b1)
            }
            other => {
                let msg = dir_err_ether(other).unwrap_or_else(|| "syntax error".into());
                // gen_ehostop says "with 802.11 headers"; the FDDI, token
                // ring and IP-over-FC versions end after "802.11"
                Err(match self.linktype {
                    dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT => msg,
                    _ => msg.trim_end_matches(" with 802.11 headers").to_string(),
                })
            }
        }
    }

    /// Link-level host test for the current link type.
    pub fn link_hostop(&mut self, e: &[u8; 6], dir: D) -> R<B> {
        match self.linktype {
            dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT => {
                let tmp = self.prevlinkhdr_check()?;
                let b = self.ehostop_at(e, dir, 6, 0)?;
                if let Some(t) = tmp {
                    self.gen_and(t, b);
                }
                Ok(b)
            }
            dlt::FDDI => self.ehostop_at(e, dir, 7, 1),
            dlt::IEEE802 => self.ehostop_at(e, dir, 8, 2),
            dlt::IP_OVER_FC => self.ehostop_at(e, dir, 10, 2),
            dlt::IEEE802_11 | dlt::IEEE802_11_RADIO | dlt::IEEE802_11_RADIO_AVS | dlt::PRISM_HEADER | dlt::PPI => {
                self.wlanhostop(e, dir)
            }
            _ => Err("ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel".into()),
        }
    }

    /// `gen_ecode`: a MAC address literal.
    pub fn ecode(&mut self, s: &str, q: Qual) -> R<B> {
        let Some(e) = parse_mac(s) else {
            return Err(format!("invalid ethernet address '{s}'"));
        };
        if (q.addr == A::Host || q.addr == A::Default) && q.proto == P::Link {
            return self.link_hostop(&e, q.dir);
        }
        Err("ethernet address used in non-ether expression".into())
    }

    pub fn broadcast(&mut self, proto: P) -> R<B> {
        match proto {
            P::Default | P::Link => match self.linktype {
                dlt::EN10MB
                | dlt::NETANALYZER
                | dlt::NETANALYZER_TRANSPARENT
                | dlt::FDDI
                | dlt::IEEE802
                | dlt::IP_OVER_FC
                | dlt::IEEE802_11
                | dlt::IEEE802_11_RADIO
                | dlt::IEEE802_11_RADIO_AVS
                | dlt::PRISM_HEADER
                | dlt::PPI => self.link_hostop(&[0xff; 6], D::Dst),
                dlt::ARCNET | dlt::ARCNET_LINUX => {
                    let off = 1;
                    self.cmp(OffRel::LinkHdr, off, BPF_B, 0)
                }
                _ => Err("not a broadcast link".into()),
            },
            P::Ip => {
                if self.opts.netmask == 0xffff_ffff {
                    return Err("netmask not known, so 'ip broadcast' not supported".into());
                }
                let b0 = self.gen_linktype(ETHERTYPE_IP)?;
                let hostmask = !self.opts.netmask;
                let b1 = self.mcmp(OffRel::LinkPl, 16, BPF_W, 0, hostmask)?;
                let b2 = self.mcmp(OffRel::LinkPl, 16, BPF_W, hostmask, hostmask)?;
                self.gen_or(b1, b2);
                self.gen_and(b0, b2);
                Ok(b2)
            }
            _ => Err("only link-layer/IP broadcast filters supported".into()),
        }
    }

    fn mac_multicast(&mut self, off: u32) -> R<B> {
        let s = self.load_a(OffRel::LinkHdr, off, BPF_B)?;
        let b = self.new_block(BPF_JMP | BPF_JSET | BPF_K, 1);
        self.blocks[b].stmts = s;
        Ok(b)
    }

    pub fn multicast(&mut self, proto: P) -> R<B> {
        match proto {
            P::Default | P::Link => match self.linktype {
                dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT => {
                    let b1 = self.prevlinkhdr_check()?;
                    let b0 = self.mac_multicast(0)?;
                    if let Some(b1) = b1 {
                        self.gen_and(b1, b0);
                    }
                    Ok(b0)
                }
                dlt::FDDI => self.mac_multicast(1),
                dlt::IEEE802 => self.mac_multicast(2),
                dlt::IP_OVER_FC => self.mac_multicast(2),
                dlt::ARCNET | dlt::ARCNET_LINUX => {
                    let off = 1;
                    self.cmp(OffRel::LinkHdr, off, BPF_B, 0)
                }
                dlt::IEEE802_11 | dlt::IEEE802_11_RADIO | dlt::IEEE802_11_RADIO_AVS | dlt::PRISM_HEADER
                | dlt::PPI => self.wlan_multicast(),
                _ => Err("link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel".into()),
            },
            P::Ip => {
                let b0 = self.gen_linktype(ETHERTYPE_IP)?;
                let b1 = self.cmp_ge(OffRel::LinkPl, 16, BPF_B, 224)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            P::Ipv6 => {
                let b0 = self.gen_linktype(ETHERTYPE_IPV6)?;
                let b1 = self.cmp(OffRel::LinkPl, 24, BPF_B, 255)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            _ => Err("link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel".into()),
        }
    }

    // ---- arithmetic -----------------------------------------------------

    pub fn loadi(&mut self, v: u32) -> R<Arth> {
        let reg = self.alloc_reg()?;
        let s = vec![
            self.stmt(BPF_LD | BPF_IMM, v),
            self.stmt(BPF_ST, reg as u32),
        ];
        Ok(Arth {
            s,
            regno: reg,
            b: None,
        })
    }

    pub fn loadlen(&mut self) -> R<Arth> {
        let reg = self.alloc_reg()?;
        let s = vec![
            self.stmt(BPF_LD | BPF_LEN, 0),
            self.stmt(BPF_ST, reg as u32),
        ];
        Ok(Arth {
            s,
            regno: reg,
            b: None,
        })
    }

    fn xfer_to_x(&mut self, a: &Arth) -> Stmt {
        self.stmt(BPF_LDX | BPF_MEM, a.regno as u32)
    }
    fn xfer_to_a(&mut self, a: &Arth) -> Stmt {
        self.stmt(BPF_LD | BPF_MEM, a.regno as u32)
    }

    pub fn load(&mut self, proto: P, mut inst: Arth, size: u32) -> R<Arth> {
        let regno = self.alloc_reg()?;
        self.free_reg(inst.regno);
        let size = match size {
            1 => BPF_B,
            2 => BPF_H,
            4 => BPF_W,
            _ => return Err("data size must be 1, 2, or 4".into()),
        };
        match proto {
            P::Radio => {
                if !matches!(
                    self.linktype,
                    dlt::IEEE802_11_RADIO_AVS | dlt::IEEE802_11_RADIO | dlt::PRISM_HEADER
                ) {
                    return Err("radio information not present in capture".into());
                }
                let x = self.xfer_to_x(&inst);
                let l = self.stmt(BPF_LD | BPF_IND | size, 0);
                inst.s.push(x);
                inst.s.push(l);
            }
            P::Link => {
                let linkhdr = self.off_linkhdr;
                let mut s = if linkhdr.is_variable {
                    let mut s = self.abs_offset_varpart_linkhdr()?;
                    let a = self.xfer_to_a(&inst);
                    s.push(a);
                    s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
                    s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
                    s
                } else {
                    vec![self.xfer_to_x(&inst)]
                };
                s.push(self.stmt(BPF_LD | BPF_IND | size, self.off_linkhdr.constant));
                inst.s.extend(s);
            }
            P::Ip
            | P::Arp
            | P::Rarp
            | P::Atalk
            | P::Decnet
            | P::Sca
            | P::Lat
            | P::Moprc
            | P::Mopdl
            | P::Ipv6 => {
                let mut s = if self.off_linkpl.is_variable {
                    let mut s = self.abs_offset_varpart_linkpl()?;
                    let a = self.xfer_to_a(&inst);
                    s.push(a);
                    s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
                    s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
                    s
                } else {
                    vec![self.xfer_to_x(&inst)]
                };
                let k = self.off_linkpl.constant.wrapping_add(self.off_nl);
                s.push(self.stmt(BPF_LD | BPF_IND | size, k));
                inst.s.extend(s);
                let b = self.proto_abbrev(proto)?;
                if let Some(ib) = inst.b {
                    self.gen_and(ib, b);
                }
                inst.b = Some(b);
            }
            P::Sctp
            | P::Tcp
            | P::Udp
            | P::Icmp
            | P::Igmp
            | P::Igrp
            | P::Pim
            | P::Vrrp
            | P::Carp => {
                let mut s = self.loadx_iphdrlen()?;
                let a = self.xfer_to_a(&inst);
                s.push(a);
                s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
                s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
                let k = self.off_linkpl.constant.wrapping_add(self.off_nl);
                s.push(self.stmt(BPF_LD | BPF_IND | size, k));
                inst.s.extend(s);
                let pa = self.proto_abbrev(proto)?;
                let b = self.gen_ipfrag()?;
                self.gen_and(pa, b);
                if let Some(ib) = inst.b {
                    self.gen_and(ib, b);
                }
                let pa = self.proto_abbrev(P::Ip)?;
                self.gen_and(pa, b);
                inst.b = Some(b);
            }
            P::Icmpv6 => {
                let b = self.proto_abbrev(P::Ipv6)?;
                if let Some(ib) = inst.b {
                    self.gen_and(ib, b);
                }
                inst.b = Some(b);
                let b = self.cmp(OffRel::LinkPl, 6, BPF_B, 58)?;
                if let Some(ib) = inst.b {
                    self.gen_and(ib, b);
                }
                inst.b = Some(b);
                let mut s = if self.off_linkpl.is_variable {
                    let mut s = self.abs_offset_varpart_linkpl()?;
                    let a = self.xfer_to_a(&inst);
                    s.push(a);
                    s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
                    s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
                    s
                } else {
                    vec![self.xfer_to_x(&inst)]
                };
                let k = self
                    .off_linkpl
                    .constant
                    .wrapping_add(self.off_nl)
                    .wrapping_add(40);
                s.push(self.stmt(BPF_LD | BPF_IND | size, k));
                inst.s.extend(s);
            }
            _ => return Err("unsupported index operation".into()),
        }
        inst.regno = regno;
        let st = self.stmt(BPF_ST, regno as u32);
        inst.s.push(st);
        Ok(inst)
    }

    fn abs_offset_varpart_linkhdr(&mut self) -> R<Vec<Stmt>> {
        if self.off_linkhdr.reg == -1 {
            self.off_linkhdr.reg = self.alloc_reg()?;
        }
        Ok(vec![
            self.stmt(BPF_LDX | BPF_MEM, self.off_linkhdr.reg as u32)
        ])
    }

    fn abs_offset_varpart_linkpl(&mut self) -> R<Vec<Stmt>> {
        if self.off_linkpl.reg == -1 {
            self.off_linkpl.reg = self.alloc_reg()?;
        }
        Ok(vec![
            self.stmt(BPF_LDX | BPF_MEM, self.off_linkpl.reg as u32)
        ])
    }

    pub fn neg(&mut self, mut a: Arth) -> R<Arth> {
        let s = self.xfer_to_a(&a);
        a.s.push(s);
        a.s.push(self.stmt(BPF_ALU | BPF_NEG, 0));
        a.s.push(self.stmt(BPF_ST, a.regno as u32));
        Ok(a)
    }

    pub fn arth(&mut self, code: u16, mut a0: Arth, a1: Arth) -> R<Arth> {
        let imm =
            a1.s.first()
                .filter(|s| s.code == BPF_LD | BPF_IMM)
                .map(|s| s.k);
        match code {
            BPF_DIV if imm == Some(0) => return Err("division by zero".into()),
            BPF_MOD if imm == Some(0) => return Err("modulus by zero".into()),
            BPF_LSH | BPF_RSH if imm.is_some_and(|k| k > 31) => {
                return Err("shift by more than 31 bits".into())
            }
            _ => {}
        }
        let s0 = self.xfer_to_x(&a1);
        let s1 = self.xfer_to_a(&a0);
        let s2 = self.stmt(BPF_ALU | BPF_X | code, 0);
        a0.s.extend(a1.s);
        a0.s.push(s0);
        a0.s.push(s1);
        a0.s.push(s2);
        self.free_reg(a0.regno);
        self.free_reg(a1.regno);
        let r = self.alloc_reg()?;
        a0.regno = r;
        a0.s.push(self.stmt(BPF_ST, r as u32));
        // libpcap keeps only the left operand's protocol checks here
        Ok(a0)
    }

    pub fn relation(&mut self, code: u16, a0: Arth, a1: Arth, reversed: bool) -> R<B> {
        let s0 = self.xfer_to_x(&a1);
        let s1 = self.xfer_to_a(&a0);
        let mut stmts = a0.s;
        stmts.extend(a1.s);
        stmts.push(s0);
        stmts.push(s1);
        let b = if code == BPF_JEQ {
            stmts.push(self.stmt(BPF_ALU | BPF_SUB | BPF_X, 0));
            self.new_block(jmp(code), 0)
        } else {
            self.new_block(BPF_JMP | code | BPF_X, 0)
        };
        if reversed {
            self.gen_not(b);
        }
        self.blocks[b].stmts = stmts;
        self.free_reg(a0.regno);
        self.free_reg(a1.regno);
        let tmp = match (a0.b, a1.b) {
            (Some(x), Some(y)) => {
                self.gen_and(x, y);
                Some(y)
            }
            (Some(x), None) => Some(x),
            (None, y) => y,
        };
        if let Some(t) = tmp {
            self.gen_and(t, b);
        }
        Ok(b)
    }

    pub fn byteop(&mut self, op: char, idx: u32, val: u32) -> R<B> {
        match op {
            '=' => self.cmp(OffRel::LinkHdr, idx, BPF_B, val),
            '<' => self.cmp_lt(OffRel::LinkHdr, idx, BPF_B, val),
            '>' => self.cmp_gt(OffRel::LinkHdr, idx, BPF_B, val),
            _ => {
                let code = if op == '|' {
                    BPF_ALU | BPF_OR | BPF_K
                } else {
                    BPF_ALU | BPF_AND | BPF_K
                };
                let s = self.stmt(code, val);
                let b = self.new_block(jmp(BPF_JEQ), 0);
                self.blocks[b].stmts = vec![s];
                self.gen_not(b);
                Ok(b)
            }
        }
    }

    pub fn less(&mut self, n: u32) -> B {
        let b = self.gen_len(BPF_JGT, n);
        self.gen_not(b);
        b
    }

    pub fn greater(&mut self, n: u32) -> B {
        self.gen_len(BPF_JGE, n)
    }

    // ---- direction, interfaces --------------------------------------------

    fn savefile_err(&self, what: &str) -> String {
        format!(
            "{what} not supported on {} when reading savefiles",
            crate::dltnames::description_or_dlt(self.linktype)
        )
    }

    pub fn inbound(&mut self, outbound: bool) -> R<B> {
        match self.linktype {
            dlt::SLIP => {
                // gcc evaluates libpcap's call arguments right to left
                let z = self.loadi(0)?;
                let i = self.loadi(0)?;
                let l = self.load(P::Link, i, 1)?;
                self.relation(BPF_JEQ, l, z, outbound)
            }
            dlt::IPNET => self.cmp(OffRel::LinkHdr, 2, BPF_H, if outbound { 1 } else { 2 }),
            dlt::LINUX_SLL => {
                let b = self.cmp(OffRel::LinkHdr, 0, BPF_H, LINUX_SLL_OUTGOING)?;
                if !outbound {
                    self.gen_not(b);
                }
                Ok(b)
            }
            dlt::LINUX_SLL2 => {
                let b = self.cmp(OffRel::LinkHdr, 10, BPF_B, LINUX_SLL_OUTGOING)?;
                if !outbound {
                    self.gen_not(b);
                }
                Ok(b)
            }
            dlt::PFLOG => self.cmp(OffRel::LinkHdr, 60, BPF_B, if outbound { 2 } else { 1 }),
            dlt::PPP_PPPD => self.cmp(OffRel::LinkHdr, 0, BPF_B, if outbound { 1 } else { 0 }),
            130..=137 | 164 | 167 | 168 | 178..=181 | 183 | 194 | 200 | 232..=234 | 238 => self
                .mcmp(
                    OffRel::LinkHdr,
                    3,
                    BPF_B,
                    if outbound { 0 } else { 1 },
                    0x01,
                ),
            _ => {
                if self.opts.savefile {
                    return Err(self.savefile_err("inbound/outbound"));
                }
                let b = self.cmp(OffRel::LinkHdr, SKF_AD_OFF + SKF_AD_PKTTYPE, BPF_H, 4)?;
                if !outbound {
                    self.gen_not(b);
                }
                Ok(b)
            }
        }
    }

    pub fn ifindex(&mut self, idx: u32) -> R<B> {
        match self.linktype {
            dlt::LINUX_SLL2 => self.cmp(OffRel::LinkHdr, 4, BPF_W, idx),
            _ => {
                if self.opts.savefile {
                    return Err(self.savefile_err("ifindex"));
                }
                self.cmp(OffRel::LinkHdr, SKF_AD_OFF + SKF_AD_IFINDEX, BPF_W, idx)
            }
        }
    }

    // ---- VLAN / MPLS / PPPoE ------------------------------------------------

    fn vlan_tpid_test(&mut self) -> R<B> {
        let b0 = self.gen_linktype(ETHERTYPE_8021Q)?;
        let b1 = self.gen_linktype(ETHERTYPE_8021AD)?;
        self.gen_or(b0, b1);
        let b0 = b1;
        let b1 = self.gen_linktype(ETHERTYPE_8021QINQ)?;
        self.gen_or(b0, b1);
        Ok(b1)
    }

    fn vlan_vid_test(&mut self, vid: u32) -> R<B> {
        if vid > 0x0fff {
            return Err(format!("VLAN tag {vid} greater than maximum {}", 0x0fff));
        }
        self.mcmp(OffRel::LinkPl, 0, BPF_H, vid, 0x0fff)
    }

    fn vlan_no_ext(&mut self, vid: Option<u32>) -> R<B> {
        let mut b0 = self.vlan_tpid_test()?;
        if let Some(v) = vid {
            let b1 = self.vlan_vid_test(v)?;
            self.gen_and(b0, b1);
            b0 = b1;
        }
        self.off_linkpl.constant = self.off_linkpl.constant.wrapping_add(4);
        self.off_linktype.constant = self.off_linktype.constant.wrapping_add(4);
        Ok(b0)
    }

    fn vloffset_add(&mut self, which_linkpl: bool, v: u32, s: &mut Vec<Stmt>) -> R<()> {
        let off = if which_linkpl {
            self.off_linkpl
        } else {
            self.off_linktype
        };
        let mut reg = off.reg;
        if reg == -1 {
            reg = self.alloc_reg()?;
        }
        {
            let o = if which_linkpl {
                &mut self.off_linkpl
            } else {
                &mut self.off_linktype
            };
            o.is_variable = true;
            o.reg = reg;
        }
        s.push(self.stmt(BPF_LD | BPF_MEM, reg as u32));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, v));
        s.push(self.stmt(BPF_ST, reg as u32));
        Ok(())
    }

    fn vlan_bpf_ext(&mut self, vid: Option<u32>) -> R<B> {
        let s = self.stmt(
            BPF_LD | BPF_B | BPF_ABS,
            SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT,
        );
        let b0 = self.new_block(jmp(BPF_JEQ), 1);
        self.blocks[b0].stmts = vec![s];
        let b_tpid = self.vlan_tpid_test()?;
        let b_vid = match vid {
            Some(v) => Some(self.vlan_vid_test(v)?),
            None => None,
        };
        // patch the TPID test: shift the variable offsets first
        let mut pre = Vec::new();
        self.is_vlan_vloffset = true;
        self.vloffset_add(true, 4, &mut pre)?;
        self.vloffset_add(false, 4, &mut pre)?;
        let h = self.blocks[b_tpid].head;
        let old = std::mem::take(&mut self.blocks[h].stmts);
        pre.extend(old);
        self.blocks[h].stmts = pre;
        self.gen_or(b0, b_tpid);
        let mut b0 = b_tpid;
        if let Some(bv) = b_vid {
            // patch the VID test to take the TCI from the metadata
            let old = std::mem::take(&mut self.blocks[bv].stmts);
            let mut s = vec![self.stmt(
                BPF_LD | BPF_B | BPF_ABS,
                SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT,
            )];
            let mut sjeq = self.stmt(jmp(BPF_JEQ), 1);
            sjeq.jf = old.first().map(|x| x.id);
            let s2 = self.stmt(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + SKF_AD_VLAN_TAG);
            sjeq.jt = Some(s2.id);
            s.push(sjeq);
            s.push(s2);
            let cnt = old.len() as u32;
            s.push(self.stmt(BPF_JMP | BPF_JA, cnt.wrapping_sub(1)));
            s.extend(old);
            self.blocks[bv].stmts = s;
            self.gen_and(b0, bv);
            b0 = bv;
        }
        Ok(b0)
    }

    pub fn vlan(&mut self, vid: Option<u32>) -> R<B> {
        if self.label_stack_depth > 0 {
            return Err("no VLAN match after MPLS".into());
        }
        let b = match self.linktype {
            dlt::EN10MB | dlt::NETANALYZER | dlt::NETANALYZER_TRANSPARENT => {
                if self.vlan_stack_depth == 0
                    && !self.off_linkhdr.is_variable
                    && self.off_linkhdr.constant == self.off_outermostlinkhdr.constant
                    && self.opts.live
                {
                    self.vlan_bpf_ext(vid)?
                } else {
                    self.vlan_no_ext(vid)?
                }
            }
            dlt::IEEE802_11
            | dlt::PRISM_HEADER
            | dlt::IEEE802_11_RADIO_AVS
            | dlt::IEEE802_11_RADIO => self.vlan_no_ext(vid)?,
            lt => {
                return Err(format!(
                    "no VLAN support for {}",
                    crate::dltnames::description_or_dlt(lt)
                ));
            }
        };
        self.vlan_stack_depth += 1;
        Ok(b)
    }

    pub fn mpls(&mut self, label: Option<u32>) -> R<B> {
        let mut b0 = if self.label_stack_depth > 0 {
            self.mcmp(OffRel::PrevMplsHdr, 2, BPF_B, 0, 0x01)?
        } else {
            match self.linktype {
                dlt::C_HDLC
                | dlt::HDLC
                | dlt::EN10MB
                | dlt::NETANALYZER
                | dlt::NETANALYZER_TRANSPARENT => self.gen_linktype(ETHERTYPE_MPLS)?,
                dlt::PPP => self.gen_linktype(PPP_MPLS_UCAST)?,
                lt => {
                    return Err(format!(
                        "no MPLS support for {}",
                        crate::dltnames::description_or_dlt(lt)
                    ));
                }
            }
        };
        if let Some(l) = label {
            if l > 0xfffff {
                return Err(format!("MPLS label {l} greater than maximum {}", 0xfffff));
            }
            let b1 = self.mcmp(OffRel::LinkPl, 0, BPF_W, l << 12, 0xffff_f000)?;
            self.gen_and(b0, b1);
            b0 = b1;
        }
        self.off_nl_nosnap = self.off_nl_nosnap.wrapping_add(4);
        self.off_nl = self.off_nl.wrapping_add(4);
        self.label_stack_depth += 1;
        Ok(b0)
    }

    pub fn pppoed(&mut self) -> R<B> {
        self.gen_linktype(ETHERTYPE_PPPOED)
    }

    pub fn pppoes(&mut self, sess: Option<u32>) -> R<B> {
        let mut b0 = self.gen_linktype(ETHERTYPE_PPPOES)?;
        if let Some(s) = sess {
            if s > 0xffff {
                return Err(format!(
                    "PPPoE session number {s} greater than maximum {}",
                    0xffff
                ));
            }
            let b1 = self.mcmp(OffRel::LinkPl, 0, BPF_W, s, 0xffff)?;
            self.gen_and(b0, b1);
            b0 = b1;
        }
        // PUSH_LINKHDR(DLT_PPP, off_linkpl.is_variable, off_linkpl + off_nl + 6, off_linkpl.reg)
        self.prevlinktype = self.linktype;
        self.off_prevlinkhdr = self.off_linkhdr;
        self.linktype = dlt::PPP;
        self.off_linkhdr = AbsOff {
            is_variable: self.off_linkpl.is_variable,
            constant: self
                .off_linkpl
                .constant
                .wrapping_add(self.off_nl)
                .wrapping_add(6),
            reg: self.off_linkpl.reg,
        };
        self.is_geneve = false;
        self.off_linktype = self.off_linkhdr;
        self.off_linkpl.constant = self.off_linkhdr.constant.wrapping_add(2);
        self.off_nl = 0;
        self.off_nl_nosnap = 0;
        Ok(b0)
    }

    pub fn llc(&mut self) -> R<B> {
        match self.linktype {
            dlt::EN10MB => {
                let b0 = self.cmp_gt(OffRel::LinkType, 0, BPF_H, ETHERMTU)?;
                self.gen_not(b0);
                let b1 = self.cmp(OffRel::Llc, 0, BPF_H, 0xffff)?;
                self.gen_not(b1);
                self.gen_and(b0, b1);
                Ok(b1)
            }
            dlt::IEEE802 | dlt::FDDI | dlt::ATM_RFC1483 => Ok(self.gen_true()),
            dlt::SUNATM => {
                let b = self.atm_proto(2)?;
                self.linktype = self.prevlinktype;
                Ok(b)
            }
            dlt::IEEE802_11
            | dlt::IEEE802_11_RADIO
            | dlt::IEEE802_11_RADIO_AVS
            | dlt::PRISM_HEADER
            | dlt::PPI => self.check_802_11_data_frame(),
            lt => Err(format!(
                "'llc' not supported for {}",
                crate::dltnames::description_or_dlt(lt)
            )),
        }
    }

    pub fn llc_kind(&mut self, name: &str) -> R<B> {
        // llc i / s / u and the S and U subtypes (names compared without
        // case, and checked before the link type)
        let kind = name.to_ascii_lowercase();
        const KNOWN: &[&str] = &[
            "i", "s", "u", "rr", "rnr", "rej", "ui", "ua", "disc", "dm", "sabme", "test", "xid",
            "frmr",
        ];
        if !KNOWN.contains(&kind.as_str()) {
            return Err(format!("unknown LLC type name \"{name}\""));
        }
        let b0 = self.llc()?;
        let b1 = match kind.as_str() {
            "i" => {
                let s = self.load_a(OffRel::Llc, 2, BPF_B)?;
                let b1 = self.new_block(jmp(BPF_JSET), 0x01);
                self.blocks[b1].stmts = s;
                self.gen_not(b1);
                b1
            }
            "s" => self.mcmp(OffRel::Llc, 2, BPF_B, 0x01, 0x03)?,
            "u" => self.mcmp(OffRel::Llc, 2, BPF_B, 0x03, 0x03)?,
            "rr" => self.mcmp(OffRel::Llc, 2, BPF_B, 0x01, 0x0f)?,
            "rnr" => self.mcmp(OffRel::Llc, 2, BPF_B, 0x05, 0x0f)?,
            "rej" => self.mcmp(OffRel::Llc, 2, BPF_B, 0x09, 0x0f)?,
            other => {
                let v = match other {
                    "ui" => 0x03,
                    "ua" => 0x63,
                    "disc" => 0x43,
                    "dm" => 0x0f,
                    "sabme" => 0x6f,
                    "test" => 0xe3,
                    "xid" => 0xaf,
                    "frmr" => 0x87,
                    _ => return Err(format!("unknown LLC type name \"{other}\"")),
                };
                self.mcmp(OffRel::Llc, 2, BPF_B, v, 0xef)?
            }
        };
        self.gen_and(b0, b1);
        Ok(b1)
    }
}

enum NumServ {
    Port(u32),
    Invalid,
    NotNumeric,
}

/// glibc getaddrinfo's numeric service: `strtoul(s, &end, 10)` must consume
/// the whole string (an empty string is port 0); the value is kept as an
/// int (negative: no such service) and used modulo 65536.
fn numeric_service(s: &str) -> NumServ {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let neg = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(b[i] - b'0')))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    // no digits: strtoul leaves the end pointer at the start of the string
    let end = if i == start { 0 } else { i };
    if end != b.len() {
        return NumServ::NotNumeric;
    }
    let v = if overflow {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    };
    let num = v as u32 as i32;
    if num < 0 {
        NumServ::Invalid
    } else {
        NumServ::Port(num as u32 & 0xffff)
    }
}

/// sscanf("%d") on the start of `s`: optional sign and digits.
fn scan_int(s: &str) -> Option<(i32, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == ds {
        return None;
    }
    let v: i64 = s[..i].parse().unwrap_or(i64::MAX);
    Some((v as i32, &s[i..]))
}

fn shl32(v: u32, n: u32) -> u32 {
    if n >= 32 {
        0
    } else {
        v << n
    }
}

/// `__pcap_atodn`: DECnet "area.node".
pub fn atodn(s: &str) -> Option<u32> {
    // sscanf("%d.%d"), then the area and node masks
    let (area, rest) = scan_int(s)?;
    let rest = rest.strip_prefix('.')?;
    let (node, _) = scan_int(rest)?;
    Some((((area as u32) << 10) & 0o176000) | ((node as u32) & 0o1777))
}

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let hex: Vec<u8> = if s.contains(':') || s.contains('-') || (s.matches('.').count() == 5) {
        let parts: Vec<&str> = s.split([':', '-', '.']).collect();
        if parts.len() != 6 {
            return None;
        }
        for (i, p) in parts.iter().enumerate() {
            out[i] = u8::from_str_radix(p, 16).ok()?;
        }
        return Some(out);
    } else {
        s.bytes().filter(|c| *c != b'.').collect()
    };
    if hex.len() != 12 {
        return None;
    }
    for i in 0..6 {
        let t = std::str::from_utf8(&hex[2 * i..2 * i + 2]).ok()?;
        out[i] = u8::from_str_radix(t, 16).ok()?;
    }
    Some(out)
}

pub fn eproto(name: &str) -> Option<u32> {
    Some(match name {
        "aarp" => ETHERTYPE_AARP,
        "arp" => ETHERTYPE_ARP,
        "atalk" => ETHERTYPE_ATALK,
        "decnet" => ETHERTYPE_DN,
        "ip" => ETHERTYPE_IP,
        "ip6" => ETHERTYPE_IPV6,
        "lat" => ETHERTYPE_LAT,
        "loopback" => 0x9000,
        "mopdl" => ETHERTYPE_MOPDL,
        "moprc" => ETHERTYPE_MOPRC,
        "rarp" => ETHERTYPE_REVARP,
        "sca" => ETHERTYPE_SCA,
        _ => return None,
    })
}

pub fn llcproto(name: &str) -> Option<u32> {
    Some(match name {
        "iso" => LLCSAP_ISONS,
        "stp" => LLCSAP_8021D,
        "ipx" => LLCSAP_IPX,
        "netbeui" => LLCSAP_NETBEUI,
        _ => return None,
    })
}
