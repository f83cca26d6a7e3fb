//! Code generation: libpcap's block graph (true/false exit lists threaded
//! through unresolved edges, backpatching), link-layer offset logic and the
//! primitives of pcap-filter(7).

use crate::bpf::*;
use crate::names::Resolver;
use crate::CompileOptions;

pub type B = usize;
pub type R<T> = Result<T, String>;

pub const OFFSET_NOT_SET: u32 = 0xffff_ffff;

// DLT numbers used here.
#[allow(dead_code)]
pub mod dlt {
    pub const NULL: u32 = 0;
    pub const EN10MB: u32 = 1;
    pub const IEEE802: u32 = 6;
    pub const ARCNET: u32 = 7;
    pub const SLIP: u32 = 8;
    pub const PPP: u32 = 9;
    pub const FDDI: u32 = 10;
    pub const ATM_RFC1483: u32 = 11;
    pub const RAW: u32 = 12;
    pub const SLIP_BSDOS: u32 = 15;
    pub const PPP_BSDOS: u32 = 16;
    pub const ATM_CLIP: u32 = 19;
    pub const PPP_SERIAL: u32 = 50;
    pub const PPP_ETHER: u32 = 51;
    pub const C_HDLC: u32 = 104;
    pub const IEEE802_11: u32 = 105;
    pub const FRELAY: u32 = 107;
    pub const LOOP: u32 = 108;
    pub const ENC: u32 = 109;
    pub const LINUX_SLL: u32 = 113;
    pub const PFLOG: u32 = 117;
    pub const PRISM_HEADER: u32 = 119;
    pub const IP_OVER_FC: u32 = 122;
    pub const SUNATM: u32 = 123;
    pub const MTP2_WITH_PHDR: u32 = 139;
    pub const MTP2: u32 = 140;
    pub const ERF: u32 = 197;
    pub const IEEE802_11_RADIO: u32 = 127;
    pub const ARCNET_LINUX: u32 = 129;
    pub const LINUX_IRDA: u32 = 144;
    pub const IEEE802_11_RADIO_AVS: u32 = 163;
    pub const PPP_PPPD: u32 = 166;
    pub const LINUX_LAPD: u32 = 177;
    pub const PPI: u32 = 192;
    pub const IPNET: u32 = 226;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const NETANALYZER: u32 = 240;
    pub const NETANALYZER_TRANSPARENT: u32 = 241;
    pub const LINUX_SLL2: u32 = 276;
    pub const HDLC: u32 = 112;
    pub const LTALK: u32 = 114;
    pub const APPLE_IP_OVER_IEEE1394: u32 = 138;
    pub const MATCHING_MIN: u32 = 104;
    pub const MATCHING_MAX: u32 = 289;
}

// Ethernet types and SAPs.
pub const ETHERMTU: u32 = 1500;
pub const ETHERTYPE_IP: u32 = 0x0800;
pub const ETHERTYPE_ARP: u32 = 0x0806;
pub const ETHERTYPE_REVARP: u32 = 0x8035;
pub const ETHERTYPE_IPV6: u32 = 0x86dd;
pub const ETHERTYPE_ATALK: u32 = 0x809b;
pub const ETHERTYPE_AARP: u32 = 0x80f3;
pub const ETHERTYPE_DN: u32 = 0x6003;
pub const ETHERTYPE_SCA: u32 = 0x6007;
pub const ETHERTYPE_LAT: u32 = 0x6004;
pub const ETHERTYPE_MOPDL: u32 = 0x6001;
pub const ETHERTYPE_MOPRC: u32 = 0x6002;
pub const ETHERTYPE_IPX: u32 = 0x8137;
pub const ETHERTYPE_8021Q: u32 = 0x8100;
pub const ETHERTYPE_8021AD: u32 = 0x88a8;
pub const ETHERTYPE_8021QINQ: u32 = 0x9100;
pub const ETHERTYPE_MPLS: u32 = 0x8847;
pub const ETHERTYPE_PPPOED: u32 = 0x8863;
pub const ETHERTYPE_PPPOES: u32 = 0x8864;
pub const ETHERTYPE_NS: u32 = 0x0600;
pub const LLCSAP_IP: u32 = 0x06;
pub const LLCSAP_ISONS: u32 = 0xfe;
pub const LLCSAP_NETBEUI: u32 = 0xf0;
pub const LLCSAP_IPX: u32 = 0xe0;
pub const LLCSAP_8021D: u32 = 0x42;
pub const LLCSAP_SNAP: u8 = 0xaa;
pub const PPP_MPLS_UCAST: u32 = 0x0281;
pub const LINUX_SLL_P_802_3: u32 = 0x0001;
pub const LINUX_SLL_P_802_2: u32 = 0x0004;
pub const LINUX_SLL_OUTGOING: u32 = 4;
pub const IPPROTO_TCP: u32 = 6;
pub const IPPROTO_UDP: u32 = 17;
pub const IPPROTO_SCTP: u32 = 132;
pub const IPPROTO_FRAGMENT: u32 = 44;
pub const PROTO_UNDEF: u32 = 0xffff_ffff;

/// Protocol qualifiers (gencode.h numbering is irrelevant here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum P {
    Default,
    Undef,
    Link,
    Ip,
    Arp,
    Rarp,
    Sctp,
    Tcp,
    Udp,
    Icmp,
    Igmp,
    Igrp,
    Atalk,
    Decnet,
    Lat,
    Sca,
    Moprc,
    Mopdl,
    Ipv6,
    Icmpv6,
    Ah,
    Esp,
    Pim,
    Vrrp,
    Aarp,
    Iso,
    Esis,
    Isis,
    Clnp,
    Stp,
    Ipx,
    Netbeui,
    IsisL1,
    IsisL2,
    IsisIih,
    IsisSnp,
    IsisCsnp,
    IsisPsnp,
    IsisLsp,
    Radio,
    Carp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum D {
    Default,
    Undef,
    Src,
    Dst,
    Or,
    And,
    Addr1,
    Addr2,
    Addr3,
    Addr4,
    Ra,
    Ta,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum A {
    Default,
    Undef,
    Host,
    Net,
    Port,
    Gateway,
    Proto,
    Protochain,
    Portrange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Qual {
    pub addr: A,
    pub proto: P,
    pub dir: D,
}

pub const QERR: Qual = Qual {
    addr: A::Undef,
    proto: P::Undef,
    dir: D::Undef,
};

#[derive(Clone, Debug)]
pub struct Stmt {
    pub code: u16,
    pub k: u32,
    pub id: u32,
    /// In-block jump targets (statement ids), for the few generators that
    /// jump inside a block's statement list.
    pub jt: Option<u32>,
    pub jf: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub code: u16,
    pub k: u32,
    pub jt: Option<B>,
    pub jf: Option<B>,
    pub sense: bool,
    pub head: B,
}

#[derive(Clone, Debug)]
pub struct Arth {
    pub s: Vec<Stmt>,
    pub regno: i32,
    pub b: Option<B>,
}

#[derive(Clone, Copy, Debug)]
pub struct AbsOff {
    pub is_variable: bool,
    pub constant: u32,
    pub reg: i32,
}

impl AbsOff {
    const fn c(v: u32) -> AbsOff {
        AbsOff {
            is_variable: false,
            constant: v,
            reg: -1,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum OffRel {
    Packet,
    LinkHdr,
    PrevLinkHdr,
    Llc,
    PrevMplsHdr,
    LinkPl,
    LinkPlNoSnap,
    LinkType,
    TranIpv4,
    TranIpv6,
}

pub struct Cs<'a> {
    pub blocks: Vec<Block>,
    next_id: u32,
    pub linktype: u32,
    pub prevlinktype: u32,
    pub outermostlinktype: u32,
    pub off_linkhdr: AbsOff,
    pub off_prevlinkhdr: AbsOff,
    pub off_outermostlinkhdr: AbsOff,
    pub off_linktype: AbsOff,
    pub off_linkpl: AbsOff,
    pub off_nl: u32,
    pub off_nl_nosnap: u32,
    pub is_geneve: bool,
    pub is_vlan_vloffset: bool,
    /// Code that the optimizer must not touch was generated.
    pub no_optimize: bool,
    pub label_stack_depth: u32,
    pub vlan_stack_depth: u32,
    regused: [bool; 16],
    curreg: usize,
    pub snaplen: u32,
    pub opts: &'a CompileOptions,
    pub res: &'a dyn Resolver,
}

pub fn jmp(op: u16) -> u16 {
    BPF_JMP | op | BPF_K
}

impl<'a> Cs<'a> {
    pub fn new(opts: &'a CompileOptions, res: &'a dyn Resolver) -> R<Cs<'a>> {
        let mut cs = Cs {
            blocks: Vec::new(),
            next_id: 0,
            linktype: opts.linktype,
            prevlinktype: opts.linktype,
            outermostlinktype: opts.linktype,
            off_linkhdr: AbsOff::c(0),
            off_prevlinkhdr: AbsOff::c(OFFSET_NOT_SET),
            off_outermostlinkhdr: AbsOff::c(0),
            off_linktype: AbsOff::c(OFFSET_NOT_SET),
            off_linkpl: AbsOff::c(OFFSET_NOT_SET),
            off_nl: 0,
            off_nl_nosnap: 0,
            is_geneve: false,
            is_vlan_vloffset: false,
            no_optimize: false,
            label_stack_depth: 0,
            vlan_stack_depth: 0,
            regused: [false; 16],
            curreg: 0,
            snaplen: opts.snaplen,
            opts,
            res,
        };
        cs.init_linktype()?;
        Ok(cs)
    }

    fn init_linktype(&mut self) -> R<()> {
        use dlt::*;
        let lt = self.linktype;
        let (ltype, lpl, nl, nosnap): (u32, u32, u32, u32) = match lt {
            ARCNET => (2, 6, 0, 0),
            ARCNET_LINUX => (4, 8, 0, 0),
            EN10MB => (12, 14, 0, 3),
            NETANALYZER | NETANALYZER_TRANSPARENT => {
                // a 4-byte pseudo-header (plus preamble and SFD if transparent)
                let hdr = if lt == NETANALYZER { 4 } else { 12 };
                self.off_linkhdr = AbsOff::c(hdr);
                self.off_outermostlinkhdr = self.off_linkhdr;
                (hdr + 12, hdr + 14, 0, 3)
            }
            99 => (6, 44, 0, 0),
            // Juniper pseudo-headers
            130 | 131 | 134 | 179 | 180 | 181 => (4, 4, 0, OFFSET_NOT_SET),
            137 => (4, 4, 0, 10),
            135 => (8, 8, 0, 10),
            167 | 178 => (16, 14, 18, 21),
            168 => (4, 6, 0, OFFSET_NOT_SET),
            133 => (6, 12, 0, OFFSET_NOT_SET),
            164 => (12, 12, 0, OFFSET_NOT_SET),
            132 => (6, OFFSET_NOT_SET, OFFSET_NOT_SET, OFFSET_NOT_SET),
            136 => (12, OFFSET_NOT_SET, OFFSET_NOT_SET, OFFSET_NOT_SET),
            183 | 200 => (18, OFFSET_NOT_SET, OFFSET_NOT_SET, OFFSET_NOT_SET),
            194 | 232 | 233 | 234 | 238 => (8, OFFSET_NOT_SET, OFFSET_NOT_SET, OFFSET_NOT_SET),
            165 => (
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
            ),
            HDLC => (2, 4, 0, 0),
            LTALK => (OFFSET_NOT_SET, 0, 0, 0),
            APPLE_IP_OVER_IEEE1394 => (16, 18, 0, 0),
            SLIP => (OFFSET_NOT_SET, 16, 0, 0),
            SLIP_BSDOS => (OFFSET_NOT_SET, 24, 0, 0),
            NULL | LOOP => (0, 4, 0, 0),
            ENC => (0, 12, 0, 0),
            PPP | PPP_PPPD | C_HDLC | PPP_SERIAL => (2, 4, 0, 0),
            PPP_ETHER => (6, 8, 0, 0),
            PPP_BSDOS => (5, 24, 0, 0),
            FDDI => (13, 13, 8, 3),
            IEEE802 => (14, 14, 8, 3),
            IEEE802_11 | PRISM_HEADER | IEEE802_11_RADIO_AVS | IEEE802_11_RADIO | PPI => {
                self.off_linktype = AbsOff::c(24);
                self.off_linkpl = AbsOff {
                    is_variable: true,
                    constant: 0,
                    reg: -1,
                };
                if lt != IEEE802_11 {
                    self.off_linkhdr = AbsOff {
                        is_variable: true,
                        constant: 0,
                        reg: -1,
                    };
                }
                self.off_outermostlinkhdr = self.off_linkhdr;
                self.off_nl = 8;
                self.off_nl_nosnap = 3;
                return Ok(());
            }
            ATM_RFC1483 | ATM_CLIP => (0, 0, 8, 3),
            SUNATM => (4, 4, 8, 3),
            RAW | IPV4 | IPV6 => (OFFSET_NOT_SET, 0, 0, 0),
            LINUX_SLL => (14, 16, 0, 0),
            LINUX_SLL2 => (0, 20, 0, 0),
            LINUX_IRDA => (OFFSET_NOT_SET, 0, 0, 0),
            LINUX_LAPD => (
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
                OFFSET_NOT_SET,
            ),
            IP_OVER_FC => (16, 16, 8, 3),
            IPNET => (1, 24, 0, u32::MAX),
            PFLOG => (0, OFFSET_NOT_SET, 0, 0),
            FRELAY => (OFFSET_NOT_SET, 0, 0, 0),
            _ => {
                if (MATCHING_MIN..=MATCHING_MAX).contains(&lt) {
                    (
                        OFFSET_NOT_SET,
                        OFFSET_NOT_SET,
                        OFFSET_NOT_SET,
                        OFFSET_NOT_SET,
                    )
                } else {
                    return Err(format!(
                        "unknown data link type {} (min {}, max {})",
                        lt as i32, MATCHING_MIN, MATCHING_MAX
                    ));
                }
            }
        };
        self.off_linktype = AbsOff::c(ltype);
        self.off_linkpl = AbsOff::c(lpl);
        self.off_nl = nl;
        self.off_nl_nosnap = nosnap;
        if lt == PFLOG {
            self.off_linkpl = AbsOff {
                is_variable: true,
                constant: 0,
                reg: -1,
            };
        }
        Ok(())
    }

    // ---- blocks and statements --------------------------------------

    pub fn stmt(&mut self, code: u16, k: u32) -> Stmt {
        self.next_id += 1;
        Stmt {
            code,
            k,
            id: self.next_id,
            jt: None,
            jf: None,
        }
    }

    pub fn new_block(&mut self, code: u16, k: u32) -> B {
        let id = self.blocks.len();
        self.blocks.push(Block {
            stmts: Vec::new(),
            code,
            k,
            jt: None,
            jf: None,
            sense: false,
            head: id,
        });
        id
    }

    fn block_with(&mut self, stmts: Vec<Stmt>, code: u16, k: u32) -> B {
        let b = self.new_block(code, k);
        self.blocks[b].stmts = stmts;
        b
    }

    pub fn gen_retblk(&mut self, v: u32) -> B {
        self.new_block(BPF_RET | BPF_K, v)
    }

    pub fn backpatch(&mut self, list: B, target: B) {
        let mut cur = Some(list);
        while let Some(l) = cur {
            let blk = &mut self.blocks[l];
            if !blk.sense {
                cur = blk.jt;
                blk.jt = Some(target);
            } else {
                cur = blk.jf;
                blk.jf = Some(target);
            }
        }
    }

    fn merge(&mut self, b0: B, b1: B) {
        let mut p = b0;
        loop {
            let blk = &self.blocks[p];
            let next = if !blk.sense { blk.jt } else { blk.jf };
            match next {
                Some(n) => p = n,
                None => break,
            }
        }
        let blk = &mut self.blocks[p];
        if !blk.sense {
            blk.jt = Some(b1);
        } else {
            blk.jf = Some(b1);
        }
    }

    pub fn gen_and(&mut self, b0: B, b1: B) {
        let h1 = self.blocks[b1].head;
        self.backpatch(b0, h1);
        self.blocks[b0].sense = !self.blocks[b0].sense;
        self.blocks[b1].sense = !self.blocks[b1].sense;
        self.merge(b1, b0);
        self.blocks[b1].sense = !self.blocks[b1].sense;
        self.blocks[b1].head = self.blocks[b0].head;
    }

    pub fn gen_or(&mut self, b0: B, b1: B) {
        self.blocks[b0].sense = !self.blocks[b0].sense;
        let h1 = self.blocks[b1].head;
        self.backpatch(b0, h1);
        self.blocks[b0].sense = !self.blocks[b0].sense;
        self.merge(b1, b0);
        self.blocks[b1].head = self.blocks[b0].head;
    }

    pub fn gen_not(&mut self, b: B) {
        self.blocks[b].sense = !self.blocks[b].sense;
    }

    // ---- registers ----------------------------------------------------

    pub fn alloc_reg(&mut self) -> R<i32> {
        for _ in 0..BPF_MEMWORDS {
            if self.regused[self.curreg] {
                self.curreg = (self.curreg + 1) % BPF_MEMWORDS;
            } else {
                self.regused[self.curreg] = true;
                return Ok(self.curreg as i32);
            }
        }
        Err("too many registers needed to evaluate expression".into())
    }

    pub fn free_reg(&mut self, n: i32) {
        if (0..16).contains(&n) {
            self.regused[n as usize] = false;
        }
    }

    // ---- loads --------------------------------------------------------

    fn abs_offset_varpart(&mut self, which: Which) -> R<Option<Vec<Stmt>>> {
        let off = self.off(which);
        if off.is_variable {
            if off.reg == -1 {
                let r = self.alloc_reg()?;
                self.off_mut(which).reg = r;
            }
            let reg = self.off(which).reg;
            Ok(Some(vec![self.stmt(BPF_LDX | BPF_MEM, reg as u32)]))
        } else {
            Ok(None)
        }
    }

    fn off(&self, w: Which) -> AbsOff {
        match w {
            Which::LinkHdr => self.off_linkhdr,
            Which::PrevLinkHdr => self.off_prevlinkhdr,
            Which::LinkPl => self.off_linkpl,
            Which::LinkType => self.off_linktype,
        }
    }

    fn off_mut(&mut self, w: Which) -> &mut AbsOff {
        match w {
            Which::LinkHdr => &mut self.off_linkhdr,
            Which::PrevLinkHdr => &mut self.off_prevlinkhdr,
            Which::LinkPl => &mut self.off_linkpl,
            Which::LinkType => &mut self.off_linktype,
        }
    }

    fn load_absoffsetrel(&mut self, w: Which, offset: u32, size: u16) -> R<Vec<Stmt>> {
        match self.abs_offset_varpart(w)? {
            Some(mut s) => {
                let k = self.off(w).constant.wrapping_add(offset);
                s.push(self.stmt(BPF_LD | BPF_IND | size, k));
                Ok(s)
            }
            None => {
                let k = self.off(w).constant.wrapping_add(offset);
                Ok(vec![self.stmt(BPF_LD | BPF_ABS | size, k)])
            }
        }
    }

    pub fn loadx_iphdrlen(&mut self) -> R<Vec<Stmt>> {
        match self.abs_offset_varpart(Which::LinkPl)? {
            Some(mut s) => {
                let k = self.off_linkpl.constant.wrapping_add(self.off_nl);
                s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, k));
                s.push(self.stmt(BPF_ALU | BPF_AND | BPF_K, 0xf));
                s.push(self.stmt(BPF_ALU | BPF_LSH | BPF_K, 2));
                s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
                s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
                Ok(s)
            }
            None => {
                let k = self.off_linkpl.constant.wrapping_add(self.off_nl);
                Ok(vec![self.stmt(BPF_LDX | BPF_MSH | BPF_B, k)])
            }
        }
    }

    pub fn load_a(&mut self, rel: OffRel, offset: u32, size: u16) -> R<Vec<Stmt>> {
        match rel {
            OffRel::Packet => Ok(vec![self.stmt(BPF_LD | BPF_ABS | size, offset)]),
            OffRel::LinkHdr => self.load_absoffsetrel(Which::LinkHdr, offset, size),
            OffRel::PrevLinkHdr => self.load_absoffsetrel(Which::PrevLinkHdr, offset, size),
            OffRel::Llc => self.load_absoffsetrel(Which::LinkPl, offset, size),
            OffRel::PrevMplsHdr => {
                let o = self.off_nl.wrapping_sub(4).wrapping_add(offset);
                self.load_absoffsetrel(Which::LinkPl, o, size)
            }
            OffRel::LinkPl => {
                let o = self.off_nl.wrapping_add(offset);
                self.load_absoffsetrel(Which::LinkPl, o, size)
            }
            OffRel::LinkPlNoSnap => {
                let o = self.off_nl_nosnap.wrapping_add(offset);
                self.load_absoffsetrel(Which::LinkPl, o, size)
            }
            OffRel::LinkType => self.load_absoffsetrel(Which::LinkType, offset, size),
            OffRel::TranIpv4 => {
                let mut s = self.loadx_iphdrlen()?;
                let k = self
                    .off_linkpl
                    .constant
                    .wrapping_add(self.off_nl)
                    .wrapping_add(offset);
                s.push(self.stmt(BPF_LD | BPF_IND | size, k));
                Ok(s)
            }
            OffRel::TranIpv6 => {
                let o = self.off_nl.wrapping_add(40).wrapping_add(offset);
                self.load_absoffsetrel(Which::LinkPl, o, size)
            }
        }
    }

    // ---- comparisons --------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub fn ncmp(
        &mut self,
        rel: OffRel,
        offset: u32,
        size: u16,
        mask: u32,
        jtype: u16,
        reverse: bool,
        v: u32,
    ) -> R<B> {
        let mut s = self.load_a(rel, offset, size)?;
        if mask != 0xffff_ffff {
            s.push(self.stmt(BPF_ALU | BPF_AND | BPF_K, mask));
        }
        let b = self.block_with(s, jmp(jtype), v);
        if reverse && (jtype == BPF_JGT || jtype == BPF_JGE) {
            self.gen_not(b);
        }
        Ok(b)
    }

    pub fn cmp(&mut self, rel: OffRel, offset: u32, size: u16, v: u32) -> R<B> {
        self.ncmp(rel, offset, size, 0xffff_ffff, BPF_JEQ, false, v)
    }
    pub fn cmp_gt(&mut self, rel: OffRel, offset: u32, size: u16, v: u32) -> R<B> {
        self.ncmp(rel, offset, size, 0xffff_ffff, BPF_JGT, false, v)
    }
    pub fn cmp_ge(&mut self, rel: OffRel, offset: u32, size: u16, v: u32) -> R<B> {
        self.ncmp(rel, offset, size, 0xffff_ffff, BPF_JGE, false, v)
    }
    pub fn cmp_lt(&mut self, rel: OffRel, offset: u32, size: u16, v: u32) -> R<B> {
        self.ncmp(rel, offset, size, 0xffff_ffff, BPF_JGE, true, v)
    }
    pub fn cmp_le(&mut self, rel: OffRel, offset: u32, size: u16, v: u32) -> R<B> {
        self.ncmp(rel, offset, size, 0xffff_ffff, BPF_JGT, true, v)
    }
    pub fn mcmp(&mut self, rel: OffRel, offset: u32, size: u16, v: u32, mask: u32) -> R<B> {
        self.ncmp(rel, offset, size, mask, BPF_JEQ, false, v)
    }

    pub fn bcmp(&mut self, rel: OffRel, offset: u32, v: &[u8]) -> R<B> {
        let mut size = v.len();
        let mut b: Option<B> = None;
        while size >= 4 {
            let p = &v[size - 4..size];
            let w = u32::from_be_bytes([p[0], p[1], p[2], p[3]]);
            let tmp = self.cmp(rel, offset + size as u32 - 4, BPF_W, w)?;
            if let Some(b0) = b {
                self.gen_and(b0, tmp);
            }
            b = Some(tmp);
            size -= 4;
        }
        while size >= 2 {
            let p = &v[size - 2..size];
            let w = u16::from_be_bytes([p[0], p[1]]) as u32;
            let tmp = self.cmp(rel, offset + size as u32 - 2, BPF_H, w)?;
            if let Some(b0) = b {
                self.gen_and(b0, tmp);
            }
            b = Some(tmp);
            size -= 2;
        }
        if size > 0 {
            let tmp = self.cmp(rel, offset, BPF_B, v[0] as u32)?;
            if let Some(b0) = b {
                self.gen_and(b0, tmp);
            }
            b = Some(tmp);
        }
        Ok(b.expect("bcmp of empty value"))
    }

    pub fn uncond(&mut self, rsense: bool) -> B {
        let s = self.stmt(BPF_LD | BPF_IMM, (!rsense) as u32);
        self.block_with(vec![s], jmp(BPF_JEQ), 0)
    }
    pub fn gen_true(&mut self) -> B {
        self.uncond(true)
    }
    pub fn gen_false(&mut self) -> B {
        self.uncond(false)
    }

    pub fn gen_len(&mut self, jtype: u16, n: u32) -> B {
        let s = self.stmt(BPF_LD | BPF_LEN, 0);
        self.block_with(vec![s], jmp(jtype), n)
    }

    // ---- link layer ----------------------------------------------------

    pub fn snap(&mut self, orgcode: u32, ptype: u32) -> R<B> {
        let v = [
            LLCSAP_SNAP,
            LLCSAP_SNAP,
            0x03,
            (orgcode >> 16) as u8,
            (orgcode >> 8) as u8,
            orgcode as u8,
            (ptype >> 8) as u8,
            ptype as u8,
        ];
        self.bcmp(OffRel::Llc, 0, &v)
    }

    fn ether_linktype(&mut self, ll: u32) -> R<B> {
        match ll {
            LLCSAP_ISONS | LLCSAP_IP | LLCSAP_NETBEUI => {
                let b0 = self.cmp_gt(OffRel::LinkType, 0, BPF_H, ETHERMTU)?;
                self.gen_not(b0);
                let b1 = self.cmp(OffRel::Llc, 0, BPF_H, (ll << 8) | ll)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            LLCSAP_IPX => {
                let b0 = self.cmp(OffRel::Llc, 0, BPF_B, LLCSAP_IPX)?;
                let b1 = self.cmp(OffRel::Llc, 0, BPF_H, 0xffff)?;
                self.gen_or(b0, b1);
                let b0 = self.snap(0x000000, ETHERTYPE_IPX)?;
                self.gen_or(b0, b1);
                let b0 = self.cmp_gt(OffRel::LinkType, 0, BPF_H, ETHERMTU)?;
                self.gen_not(b0);
                self.gen_and(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, ETHERTYPE_IPX)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            ETHERTYPE_ATALK | ETHERTYPE_AARP => {
                let b0 = self.cmp_gt(OffRel::LinkType, 0, BPF_H, ETHERMTU)?;
                self.gen_not(b0);
                let b1 = if ll == ETHERTYPE_ATALK {
                    self.snap(0x080007, ETHERTYPE_ATALK)?
                } else {
                    self.snap(0x000000, ETHERTYPE_AARP)?
                };
                self.gen_and(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, ll)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            _ => {
                if ll <= ETHERMTU {
                    let b0 = self.cmp_gt(OffRel::LinkType, 0, BPF_H, ETHERMTU)?;
                    self.gen_not(b0);
                    let b1 = self.cmp(OffRel::LinkType, 2, BPF_B, ll)?;
                    self.gen_and(b0, b1);
                    Ok(b1)
                } else {
                    self.cmp(OffRel::LinkType, 0, BPF_H, ll)
                }
            }
        }
    }

    fn llc_linktype(&mut self, ll: u32) -> R<B> {
        match ll {
            LLCSAP_IP | LLCSAP_ISONS | LLCSAP_NETBEUI => {
                self.cmp(OffRel::Llc, 0, BPF_H, (ll << 8) | ll)
            }
            LLCSAP_IPX => self.cmp(OffRel::Llc, 0, BPF_B, ll),
            ETHERTYPE_ATALK => self.snap(0x080007, ETHERTYPE_ATALK),
            _ => {
                if ll <= ETHERMTU {
                    self.cmp(OffRel::Llc, 0, BPF_B, ll)
                } else {
                    self.cmp(OffRel::Llc, 6, BPF_H, ll)
                }
            }
        }
    }

    fn linux_sll_linktype(&mut self, ll: u32) -> R<B> {
        match ll {
            LLCSAP_ISONS | LLCSAP_IP | LLCSAP_NETBEUI => {
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, LINUX_SLL_P_802_2)?;
                let b1 = self.cmp(OffRel::Llc, 0, BPF_H, (ll << 8) | ll)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            LLCSAP_IPX => {
                let b0 = self.cmp(OffRel::Llc, 0, BPF_B, LLCSAP_IPX)?;
                let b1 = self.snap(0x000000, ETHERTYPE_IPX)?;
                self.gen_or(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, LINUX_SLL_P_802_2)?;
                self.gen_and(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, LINUX_SLL_P_802_3)?;
                self.gen_or(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, ETHERTYPE_IPX)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            ETHERTYPE_ATALK | ETHERTYPE_AARP => {
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, LINUX_SLL_P_802_2)?;
                let b1 = if ll == ETHERTYPE_ATALK {
                    self.snap(0x080007, ETHERTYPE_ATALK)?
                } else {
                    self.snap(0x000000, ETHERTYPE_AARP)?
                };
                self.gen_and(b0, b1);
                let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, ll)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            _ => {
                if ll <= ETHERMTU {
                    let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, LINUX_SLL_P_802_2)?;
                    let b1 = self.cmp(OffRel::LinkHdr, self.off_linkpl.constant, BPF_B, ll)?;
                    self.gen_and(b0, b1);
                    Ok(b1)
                } else {
                    self.cmp(OffRel::LinkType, 0, BPF_H, ll)
                }
            }
        }
    }

    fn loopback_linktype(&mut self, ll: u32) -> R<B> {
        let v = match ll {
            ETHERTYPE_IP => 2u32,
            ETHERTYPE_IPV6 => 10u32,
            _ => return Ok(self.gen_false()),
        };
        self.loopback_af(v)
    }

    fn loopback_af(&mut self, af: u32) -> R<B> {
        let mut v = af;
        if self.linktype == dlt::NULL || self.linktype == dlt::ENC {
            if self.opts.swapped {
                v = v.swap_bytes();
            }
            // htonl on a little-endian host
            v = v.swap_bytes();
        }
        self.cmp(OffRel::LinkHdr, 0, BPF_W, v)
    }

    fn mpls_linktype(&mut self, ll: u32) -> R<B> {
        match ll {
            ETHERTYPE_IP => {
                let b0 = self.mcmp(OffRel::LinkPl, (-2i32) as u32, BPF_B, 0x01, 0x01)?;
                let b1 = self.mcmp(OffRel::LinkPl, 0, BPF_B, 0x40, 0xf0)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            ETHERTYPE_IPV6 => {
                let b0 = self.mcmp(OffRel::LinkPl, (-2i32) as u32, BPF_B, 0x01, 0x01)?;
                let b1 = self.mcmp(OffRel::LinkPl, 0, BPF_B, 0x60, 0xf0)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            _ => Err("unsupported protocol over mpls".into()),
        }
    }

    pub fn gen_linktype(&mut self, ll: u32) -> R<B> {
        use dlt::*;
        if self.label_stack_depth > 0 {
            return self.mpls_linktype(ll);
        }
        match self.linktype {
            EN10MB | NETANALYZER | NETANALYZER_TRANSPARENT => {
                let b0 = if !self.is_geneve {
                    self.prevlinkhdr_check()?
                } else {
                    None
                };
                let b1 = self.ether_linktype(ll)?;
                if let Some(b0) = b0 {
                    self.gen_and(b0, b1);
                }
                Ok(b1)
            }
            SUNATM => {
                let b0 = self.atm_proto(2)?;
                let b1 = self.llc_linktype(ll)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            130..=137 | 164 | 167 | 168 | 178..=181 | 183 | 194 | 200 | 232..=234 | 238 => {
                // only the Juniper magic number is checked
                self.mcmp(OffRel::LinkHdr, 0, BPF_W, 0x4d47_4300, 0xffff_ff00)
            }
            165 => self.mcmp(OffRel::LinkHdr, 0, BPF_W, 0x55ff_0000, 0xffff_0000),
            LTALK => Ok(if ll == ETHERTYPE_ATALK {
                self.gen_true()
            } else {
                self.gen_false()
            }),
            FRELAY => match ll {
                ETHERTYPE_IP => self.cmp(OffRel::LinkHdr, 2, BPF_H, 0x03cc),
                ETHERTYPE_IPV6 => self.cmp(OffRel::LinkHdr, 2, BPF_H, 0x038e),
                LLCSAP_ISONS => {
                    let b0 = self.cmp(OffRel::LinkHdr, 2, BPF_H, 0x0381)?;
                    let b1 = self.cmp(OffRel::LinkHdr, 2, BPF_H, 0x0382)?;
                    let b2 = self.cmp(OffRel::LinkHdr, 2, BPF_H, 0x0383)?;
                    self.gen_or(b1, b2);
                    self.gen_or(b0, b2);
                    Ok(b2)
                }
                _ => Ok(self.gen_false()),
            },
            IPNET => match ll {
                ETHERTYPE_IP => self.cmp(OffRel::LinkType, 0, BPF_B, 2),
                ETHERTYPE_IPV6 => self.cmp(OffRel::LinkType, 0, BPF_B, 26),
                _ => Ok(self.gen_false()),
            },
            C_HDLC | HDLC => {
                let ll = if ll == LLCSAP_ISONS {
                    (ll << 8) | LLCSAP_ISONS
                } else {
                    ll
                };
                self.cmp(OffRel::LinkType, 0, BPF_H, ll)
            }
            IEEE802_11 | PRISM_HEADER | IEEE802_11_RADIO_AVS | IEEE802_11_RADIO | PPI => {
                let b0 = self.check_802_11_data_frame()?;
                let b1 = self.llc_linktype(ll)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            FDDI | IEEE802 | ATM_RFC1483 | ATM_CLIP | IP_OVER_FC => self.llc_linktype(ll),
            LINUX_SLL => self.linux_sll_linktype(ll),
            SLIP | SLIP_BSDOS | RAW => match ll {
                ETHERTYPE_IP => self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0x40, 0xf0),
                ETHERTYPE_IPV6 => self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0x60, 0xf0),
                _ => Ok(self.gen_false()),
            },
            IPV4 => Ok(if ll == ETHERTYPE_IP {
                self.gen_true()
            } else {
                self.gen_false()
            }),
            IPV6 => Ok(if ll == ETHERTYPE_IPV6 {
                self.gen_true()
            } else {
                self.gen_false()
            }),
            PPP | PPP_PPPD | PPP_SERIAL | PPP_ETHER => {
                let v = ethertype_to_ppptype(ll);
                self.cmp(OffRel::LinkType, 0, BPF_H, v)
            }
            PPP_BSDOS => {
                // IP has three PPP protocol numbers on BSD/OS
                if ll == ETHERTYPE_IP {
                    let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, 0x21)?;
                    let b1 = self.cmp(OffRel::LinkType, 0, BPF_H, 0x2d)?;
                    self.gen_or(b0, b1);
                    let b0 = self.cmp(OffRel::LinkType, 0, BPF_H, 0x2f)?;
                    self.gen_or(b1, b0);
                    Ok(b0)
                } else {
                    let v = ethertype_to_ppptype(ll);
                    self.cmp(OffRel::LinkType, 0, BPF_H, v)
                }
            }
            NULL | LOOP | ENC if ll == ETHERTYPE_IPV6 && self.opts.savefile => {
                // a savefile may come from a BSD: check all their AF_INET6 values
                let b0 = self.loopback_af(24)?;
                let b1 = self.loopback_af(28)?;
                self.gen_or(b0, b1);
                let b0 = self.loopback_af(30)?;
                self.gen_or(b0, b1);
                Ok(b1)
            }
            NULL | LOOP | ENC => self.loopback_linktype(ll),
            ARCNET | ARCNET_LINUX => match ll {
                ETHERTYPE_IPV6 => self.cmp(OffRel::LinkType, 0, BPF_B, 0xc4),
                ETHERTYPE_IP => {
                    let b0 = self.cmp(OffRel::LinkType, 0, BPF_B, 0xd4)?;
                    let b1 = self.cmp(OffRel::LinkType, 0, BPF_B, 0xf0)?;
                    self.gen_or(b0, b1);
                    Ok(b1)
                }
                ETHERTYPE_ARP => {
                    let b0 = self.cmp(OffRel::LinkType, 0, BPF_B, 0xd5)?;
                    let b1 = self.cmp(OffRel::LinkType, 0, BPF_B, 0xf1)?;
                    self.gen_or(b0, b1);
                    Ok(b1)
                }
                ETHERTYPE_REVARP => self.cmp(OffRel::LinkType, 0, BPF_B, 0xd6),
                ETHERTYPE_ATALK => self.cmp(OffRel::LinkType, 0, BPF_B, 0xdd),
                _ => Ok(self.gen_false()),
            },
            PFLOG => match ll {
                ETHERTYPE_IP => self.cmp(OffRel::LinkHdr, 1, BPF_B, 2),
                ETHERTYPE_IPV6 => self.cmp(OffRel::LinkHdr, 1, BPF_B, 10),
                _ => Ok(self.gen_false()),
            },
            LINUX_SLL2 => self.cmp(OffRel::LinkType, 0, BPF_H, ll),
            _ => {
                if self.off_linktype.constant != OFFSET_NOT_SET {
                    self.cmp(OffRel::LinkType, 0, BPF_H, ll)
                } else {
                    let name = match self.linktype {
                        139 | 140 => "MTP2".to_string(),
                        144 => "IrDA".to_string(),
                        177 => "LAPD".to_string(),
                        182 => "Multi-link Frame Relay".to_string(),
                        186 | 189 | 220 | 249 => "USB".to_string(),
                        187 | 201 => "Bluetooth".to_string(),
                        190 | 227 => "CAN".to_string(),
                        191 | 195 | 215 | 230 | 283 => "IEEE 802.15.4".to_string(),
                        193 => "IEEE 802.16".to_string(),
                        196 => "SITA".to_string(),
                        197 => "ERF".to_string(),
                        198 => "RAIF1".to_string(),
                        199 | 209 => "IPMB".to_string(),
                        202 => "AX.25".to_string(),
                        239 => "NFLOG".to_string(),
                        246 => "PFSYNC".to_string(),
                        lt => crate::dltnames::description_or_dlt(lt),
                    };
                    Err(format!("{name} link-layer type filtering not implemented"))
                }
            }
        }
    }

    /// `gen_prevlinkhdr_check`: LANE data (not LE control) under SUNATM,
    /// or "is there a link-layer header" after Geneve.
    pub fn prevlinkhdr_check(&mut self) -> R<Option<B>> {
        if self.is_geneve {
            let s = vec![
                self.stmt(BPF_LD | BPF_MEM, self.off_linkhdr.reg as u32),
                self.stmt(BPF_LDX | BPF_MEM, self.off_linkpl.reg as u32),
            ];
            let b = self.new_block(BPF_JMP | BPF_JEQ | BPF_X, 0);
            self.blocks[b].stmts = s;
            self.gen_not(b);
            return Ok(Some(b));
        }
        if self.prevlinktype == dlt::SUNATM {
            let b = self.cmp(OffRel::PrevLinkHdr, 4, BPF_H, 0xff00)?;
            self.gen_not(b);
            return Ok(Some(b));
        }
        Ok(None)
    }

    /// ATM pseudo-header protocol type test (SUNATM).
    pub fn atm_proto(&mut self, v: u32) -> R<B> {
        self.ncmp(OffRel::LinkHdr, 0, BPF_B, 0x0f, BPF_JEQ, false, v)
    }

    pub fn check_802_11_data_frame(&mut self) -> R<B> {
        // fc[0] & 0x08 (data frame) and not fc[0] & 0x04 (control)
        let s = self.load_a(OffRel::LinkHdr, 0, BPF_B)?;
        let b0 = self.block_with(s, jmp(BPF_JSET), 0x08);
        let s = self.load_a(OffRel::LinkHdr, 0, BPF_B)?;
        let b1 = self.block_with(s, jmp(BPF_JSET), 0x04);
        self.gen_not(b1);
        self.gen_and(b1, b0);
        Ok(b0)
    }

    pub fn gen_ipfrag(&mut self) -> R<B> {
        let s = self.load_a(OffRel::LinkPl, 6, BPF_H)?;
        let b = self.block_with(s, jmp(BPF_JSET), 0x1fff);
        self.gen_not(b);
        Ok(b)
    }
}

#[derive(Clone, Copy)]
enum Which {
    LinkHdr,
    PrevLinkHdr,
    LinkPl,
    LinkType,
}

pub fn ethertype_to_ppptype(ll: u32) -> u32 {
    match ll {
        ETHERTYPE_IP => 0x21,
        ETHERTYPE_IPV6 => 0x57,
        ETHERTYPE_DN => 0x27,
        ETHERTYPE_ATALK => 0x29,
        ETHERTYPE_NS => 0x25,
        LLCSAP_ISONS => 0x23,
        LLCSAP_8021D => 0x31,
        LLCSAP_IPX => 0x2b,
        _ => ll,
    }
}

impl<'a> Cs<'a> {
    /// `finish_parse`: variable-offset prologue, then true exits to
    /// "ret #snaplen" and false exits to "ret #0".
    pub fn finish_parse(&mut self, p: B) -> R<B> {
        let head = self.blocks[p].head;
        self.insert_compute_vloffsets(head)?;
        if self.linktype == dlt::PPI {
            // the per-packet DLT must be DLT_IEEE802_11 (105), little-endian
            let ld = self.stmt(BPF_LD | BPF_W | BPF_ABS, 4);
            let c = self.new_block(jmp(BPF_JEQ), 105u32.swap_bytes());
            self.blocks[c].stmts = vec![ld];
            self.gen_and(c, p);
        }
        let t = self.gen_retblk(self.snaplen);
        self.backpatch(p, t);
        self.blocks[p].sense = !self.blocks[p].sense;
        let f = self.gen_retblk(0);
        self.backpatch(p, f);
        Ok(self.blocks[p].head)
    }

    fn insert_compute_vloffsets(&mut self, b: B) -> R<()> {
        let mut s: Option<Vec<Stmt>> = None;
        if self.outermostlinktype == dlt::PRISM_HEADER {
            // libpcap turns the optimizer off for Prism before checking
            // whether the header length is needed at all
            self.no_optimize = true;
        }
        match self.outermostlinktype {
            dlt::IEEE802_11_RADIO if self.off_linkhdr.reg != -1 => {
                let r = self.off_linkhdr.reg as u32;
                s = Some(vec![
                    self.stmt(BPF_LD | BPF_B | BPF_ABS, 3),
                    self.stmt(BPF_ALU | BPF_LSH | BPF_K, 8),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                    self.stmt(BPF_LD | BPF_B | BPF_ABS, 2),
                    self.stmt(BPF_ALU | BPF_OR | BPF_X, 0),
                    self.stmt(BPF_ST, r),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                ]);
            }
            dlt::PRISM_HEADER if self.off_linkhdr.reg != -1 => {
                let r = self.off_linkhdr.reg as u32;
                let mut v = vec![
                    self.stmt(BPF_LD | BPF_W | BPF_ABS, 0),
                    self.stmt(BPF_ALU | BPF_AND | BPF_K, 0xffff_f000),
                ];
                let mut jeq = self.stmt(jmp(BPF_JEQ), 0x8021_1000);
                let l4 = self.stmt(BPF_LD | BPF_W | BPF_ABS, 4);
                jeq.jt = Some(l4.id);
                let ja = self.stmt(BPF_JMP | BPF_JA, 1);
                let l144 = self.stmt(BPF_LD | BPF_W | BPF_IMM, 144);
                jeq.jf = Some(l144.id);
                let st = self.stmt(BPF_ST, r);
                let tax = self.stmt(BPF_MISC | BPF_TAX, 0);
                v.extend([jeq, l4, ja, l144, st, tax]);
                s = Some(v);
            }
            dlt::IEEE802_11_RADIO_AVS if self.off_linkhdr.reg != -1 => {
                let r = self.off_linkhdr.reg as u32;
                s = Some(vec![
                    self.stmt(BPF_LD | BPF_W | BPF_ABS, 4),
                    self.stmt(BPF_ST, r),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                ]);
            }
            dlt::PPI if self.off_linkhdr.reg != -1 => {
                let r = self.off_linkhdr.reg as u32;
                s = Some(vec![
                    self.stmt(BPF_LD | BPF_B | BPF_ABS, 3),
                    self.stmt(BPF_ALU | BPF_LSH | BPF_K, 8),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                    self.stmt(BPF_LD | BPF_B | BPF_ABS, 2),
                    self.stmt(BPF_ALU | BPF_OR | BPF_X, 0),
                    self.stmt(BPF_ST, r),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                ]);
            }
            _ => {}
        }
        match self.outermostlinktype {
            dlt::IEEE802_11
            | dlt::IEEE802_11_RADIO
            | dlt::PRISM_HEADER
            | dlt::IEEE802_11_RADIO_AVS
            | dlt::PPI => {
                s = self.load_802_11_header_len(s, b)?;
            }
            dlt::PFLOG if self.off_linkpl.reg != -1 => {
                let r = self.off_linkpl.reg as u32;
                s = Some(vec![
                    self.stmt(BPF_LD | BPF_B | BPF_ABS, 0),
                    self.stmt(BPF_ALU | BPF_ADD | BPF_K, 3),
                    self.stmt(BPF_ALU | BPF_AND | BPF_K, 0xffff_fffc),
                    self.stmt(BPF_ST, r),
                    self.stmt(BPF_MISC | BPF_TAX, 0),
                ]);
            }
            _ => {}
        }
        if s.is_none() && self.is_vlan_vloffset {
            if self.off_linkpl.reg == -1 {
                self.off_linkpl.reg = self.alloc_reg()?;
            }
            if self.off_linktype.reg == -1 {
                self.off_linktype.reg = self.alloc_reg()?;
            }
            let v = vec![
                self.stmt(BPF_LD | BPF_W | BPF_IMM, 0),
                self.stmt(BPF_ST, self.off_linkpl.reg as u32),
                self.stmt(BPF_ST, self.off_linktype.reg as u32),
            ];
            s = Some(v);
        }
        if let Some(mut v) = s {
            v.extend(std::mem::take(&mut self.blocks[b].stmts));
            self.blocks[b].stmts = v;
        }
        Ok(())
    }
}

impl<'a> Cs<'a> {
    /// `gen_load_802_11_header_len`: compute the offset of the 802.11
    /// payload into its register (data frames, QoS, radiotap padding).
    /// The jumps go to the first statement of the root block.
    fn load_802_11_header_len(&mut self, s: Option<Vec<Stmt>>, b: B) -> R<Option<Vec<Stmt>>> {
        if self.off_linkpl.reg == -1 {
            return Ok(s);
        }
        self.no_optimize = true;
        let Some(snext) = self.blocks[b].stmts.first().map(|x| x.id) else {
            return Err("no jmp destination".into());
        };
        let reg = self.off_linkpl.reg as u32;
        let mut s = match s {
            Some(s) => s,
            None => vec![self.stmt(BPF_LDX | BPF_IMM, self.off_outermostlinkhdr.constant)],
        };
        s.push(self.stmt(BPF_MISC | BPF_TXA, 0));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 24));
        s.push(self.stmt(BPF_ST, reg));
        s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, 0));
        let mut j1 = self.stmt(jmp(BPF_JSET), 0x08);
        let mut j2 = self.stmt(jmp(BPF_JSET), 0x04);
        let mut jq = self.stmt(jmp(BPF_JSET), 0x80);
        j1.jt = Some(j2.id);
        j1.jf = Some(snext);
        j2.jt = Some(snext);
        j2.jf = Some(jq.id);
        let q1 = self.stmt(BPF_LD | BPF_MEM, reg);
        jq.jt = Some(q1.id);
        let q2 = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 2);
        let q3 = self.stmt(BPF_ST, reg);
        if self.linktype == dlt::IEEE802_11_RADIO {
            let l4 = self.stmt(BPF_LD | BPF_ABS | BPF_W, 4);
            jq.jf = Some(l4.id);
            let mut jfl = self.stmt(jmp(BPF_JSET), 0x0200_0000);
            let mut jext = self.stmt(jmp(BPF_JSET), 0x0000_0080);
            let mut jtsft = self.stmt(jmp(BPF_JSET), 0x0100_0000);
            jfl.jf = Some(snext);
            jfl.jt = Some(jext.id);
            jext.jt = Some(snext);
            jext.jf = Some(jtsft.id);
            let l16 = self.stmt(BPF_LD | BPF_ABS | BPF_B, 16);
            jtsft.jt = Some(l16.id);
            let mut jpad1 = self.stmt(jmp(BPF_JSET), 0x20);
            let l8 = self.stmt(BPF_LD | BPF_ABS | BPF_B, 8);
            jtsft.jf = Some(l8.id);
            let mut jpad2 = self.stmt(jmp(BPF_JSET), 0x20);
            let r1 = self.stmt(BPF_LD | BPF_MEM, reg);
            let r2 = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 3);
            let r3 = self.stmt(BPF_ALU | BPF_AND | BPF_K, !3u32);
            let r4 = self.stmt(BPF_ST, reg);
            jpad1.jt = Some(r1.id);
            jpad1.jf = Some(snext);
            jpad2.jt = Some(r1.id);
            jpad2.jf = Some(snext);
            s.extend([
                j1, j2, jq, q1, q2, q3, l4, jfl, jext, jtsft, l16, jpad1, l8, jpad2, r1, r2, r3, r4,
            ]);
        } else {
            jq.jf = Some(snext);
            s.extend([j1, j2, jq, q1, q2, q3]);
        }
        Ok(Some(s))
    }
}
