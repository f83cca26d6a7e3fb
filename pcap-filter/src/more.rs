//! Less common primitives: 802.11 type/subtype/direction and addresses,
//! ARCnet, pflog, Geneve, protochain.

use crate::bpf::*;
use crate::gencode::*;
use crate::parser::WordOrNum;

const WLAN_TYPES: &[(&str, u32)] = &[
    ("data", 0x08),
    ("mgt", 0x00),
    ("management", 0x00),
    ("ctl", 0x04),
    ("control", 0x04),
];
const WLAN_MGT: &[(&str, u32)] = &[
    ("assoc-req", 0x00),
    ("assoc-resp", 0x10),
    ("reassoc-req", 0x20),
    ("reassoc-resp", 0x30),
    ("probe-req", 0x40),
    ("probe-resp", 0x50),
    ("beacon", 0x80),
    ("atim", 0x90),
    ("disassoc", 0xa0),
    ("disassociation", 0xa0),
    ("auth", 0xb0),
    ("authentication", 0xb0),
    ("deauth", 0xc0),
    ("deauthentication", 0xc0),
];
const WLAN_CTL: &[(&str, u32)] = &[
    ("ps-poll", 0xa0),
    ("rts", 0xb0),
    ("cts", 0xc0),
    ("ack", 0xd0),
    ("cf-end", 0xe0),
    ("cf-end-ack", 0xf0),
];
const WLAN_DATA: &[(&str, u32)] = &[
    ("data", 0x00),
    ("data-cf-ack", 0x10),
    ("data-cf-poll", 0x20),
    ("data-cf-ack-poll", 0x30),
    ("null", 0x40),
    ("cf-ack", 0x50),
    ("cf-poll", 0x60),
    ("cf-ack-poll", 0x70),
    ("qos-data", 0x80),
    ("qos-data-cf-ack", 0x90),
    ("qos-data-cf-poll", 0xa0),
    ("qos-data-cf-ack-poll", 0xb0),
    ("qos", 0xc0),
    ("qos-cf-poll", 0xe0),
    ("qos-cf-ack-poll", 0xf0),
];

fn lookup(t: &[(&str, u32)], w: &str) -> Option<u32> {
    t.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(w))
        .map(|(_, v)| *v)
}

fn is_wlan(lt: u32) -> bool {
    matches!(
        lt,
        dlt::PRISM_HEADER | dlt::IEEE802_11_RADIO_AVS | dlt::IEEE802_11_RADIO | dlt::IEEE802_11
    )
}

impl<'a> Cs<'a> {
    pub fn wlan_type_value(&mut self, w: &WordOrNum) -> R<u32> {
        match w {
            WordOrNum::Num(n) if n & !0x0c != 0 => {
                Err(format!("invalid 802.11 type value 0x{n:02x}"))
            }
            WordOrNum::Num(n) => Ok(*n),
            WordOrNum::Word(s) => {
                lookup(WLAN_TYPES, s).ok_or_else(|| format!("unknown 802.11 type name \"{s}\""))
            }
        }
    }

    pub fn wlan_subtype_value(&mut self, ty: u32, w: &WordOrNum) -> R<u32> {
        match w {
            WordOrNum::Num(n) if n & !0xf0 != 0 => {
                Err(format!("invalid 802.11 subtype value 0x{n:02x}"))
            }
            WordOrNum::Num(n) => Ok(*n),
            WordOrNum::Word(s) => {
                let t = match ty {
                    0x00 => WLAN_MGT,
                    0x04 => WLAN_CTL,
                    0x08 => WLAN_DATA,
                    _ => return Err("unknown 802.11 type".into()),
                };
                lookup(t, s).ok_or_else(|| format!("unknown 802.11 subtype name \"{s}\""))
            }
        }
    }

    pub fn wlan_type_subtype_value(&mut self, w: &WordOrNum) -> R<u32> {
        match w {
            WordOrNum::Num(n) => Ok(*n),
            WordOrNum::Word(s) => {
                for (ty, t) in [(0x00, WLAN_MGT), (0x04, WLAN_CTL), (0x08, WLAN_DATA)] {
                    if let Some(v) = lookup(t, s) {
                        return Ok(ty | v);
                    }
                }
                Err("unknown 802.11 type name".into())
            }
        }
    }

    pub fn wlan_fc(&mut self, v: u32, mask: u32) -> R<B> {
        if !is_wlan(self.linktype) {
            return Err("802.11 link-layer types supported only on 802.11".into());
        }
        self.mcmp(OffRel::LinkHdr, 0, BPF_B, v, mask)
    }

    pub fn wlan_dir(&mut self, v: u32) -> R<B> {
        if !is_wlan(self.linktype) {
            return Err("frame direction supported only with 802.11 headers".into());
        }
        self.mcmp(OffRel::LinkHdr, 1, BPF_B, v, 0x03)
    }

    fn lh_jset(&mut self, off: u32, k: u32, not: bool) -> R<B> {
        let s = self.load_a(OffRel::LinkHdr, off, BPF_B)?;
        let b = self.new_block(jmp(BPF_JSET), k);
        self.blocks[b].stmts = s;
        if not {
            self.gen_not(b);
        }
        Ok(b)
    }

    /// The 802.11 destination-address test shared by `wlan dst` and the
    /// 802.11 multicast test; `atom(offset)` tests the address at offset.
    fn wlan_dst_like(&mut self, atom: &dyn Fn(&mut Cs<'a>, u32) -> R<B>) -> R<B> {
        let b1 = self.lh_jset(1, 0x01, false)?;
        let b0 = atom(self, 16)?;
        self.gen_and(b1, b0);
        let b2 = self.lh_jset(1, 0x01, true)?;
        let b1 = atom(self, 4)?;
        self.gen_and(b2, b1);
        self.gen_or(b1, b0);
        let b1 = self.lh_jset(0, 0x08, false)?;
        self.gen_and(b1, b0);
        let b2 = self.lh_jset(0, 0x08, true)?;
        let b1 = atom(self, 4)?;
        self.gen_and(b2, b1);
        self.gen_or(b1, b0);
        let b1 = self.lh_jset(0, 0x04, true)?;
        self.gen_and(b1, b0);
        Ok(b0)
    }

    fn not_cts_ack(&mut self) -> R<B> {
        let b0 = self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0x04, 0x0c)?;
        self.gen_not(b0);
        let b1 = self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0xc0, 0xf0)?;
        self.gen_not(b1);
        let b2 = self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0xd0, 0xf0)?;
        self.gen_not(b2);
        self.gen_and(b1, b2);
        self.gen_or(b0, b2);
        Ok(b2)
    }

    pub fn wlanhostop(&mut self, e: &[u8; 6], dir: D) -> R<B> {
        let e = *e;
        match dir {
            D::Src => {
                let b1 = self.lh_jset(1, 0x01, false)?;
                let b0 = self.bcmp(OffRel::LinkHdr, 24, &e)?;
                self.gen_and(b1, b0);
                let b2 = self.lh_jset(1, 0x01, true)?;
                let b1 = self.bcmp(OffRel::LinkHdr, 16, &e)?;
                self.gen_and(b2, b1);
                self.gen_or(b1, b0);
                let b1 = self.lh_jset(1, 0x02, false)?;
                self.gen_and(b1, b0);
                let b2 = self.lh_jset(1, 0x02, true)?;
                let b1 = self.bcmp(OffRel::LinkHdr, 10, &e)?;
                self.gen_and(b2, b1);
                self.gen_or(b1, b0);
                let b1 = self.lh_jset(0, 0x08, false)?;
                self.gen_and(b1, b0);
                let b2 = self.lh_jset(0, 0x08, true)?;
                let b1 = self.bcmp(OffRel::LinkHdr, 10, &e)?;
                self.gen_and(b2, b1);
                self.gen_or(b1, b0);
                let b1 = self.lh_jset(0, 0x04, true)?;
                self.gen_and(b1, b0);
                Ok(b0)
            }
            D::Dst => self.wlan_dst_like(&|cs: &mut Cs<'a>, off| cs.bcmp(OffRel::LinkHdr, off, &e)),
            D::And | D::Default | D::Or => {
                let b0 = self.wlanhostop(&e, D::Src)?;
                let b1 = self.wlanhostop(&e, D::Dst)?;
                if dir == D::And {
                    self.gen_and(b0, b1);
                } else {
                    self.gen_or(b0, b1);
                }
                Ok(b1)
            }
            D::Addr1 => self.bcmp(OffRel::LinkHdr, 4, &e),
            D::Addr2 => {
                let b2 = self.not_cts_ack()?;
                let b1 = self.bcmp(OffRel::LinkHdr, 10, &e)?;
                self.gen_and(b2, b1);
                Ok(b1)
            }
            D::Addr3 => {
                let b0 = self.mcmp(OffRel::LinkHdr, 0, BPF_B, 0x04, 0x0c)?;
                self.gen_not(b0);
                let b1 = self.bcmp(OffRel::LinkHdr, 16, &e)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            D::Addr4 => {
                let b0 = self.mcmp(OffRel::LinkHdr, 1, BPF_B, 0x03, 0x03)?;
                let b1 = self.bcmp(OffRel::LinkHdr, 24, &e)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            D::Ra => {
                let b1 = self.lh_jset(0, 0x08, false)?;
                let b0 = self.bcmp(OffRel::LinkHdr, 4, &e)?;
                self.gen_and(b1, b0);
                Ok(b0)
            }
            D::Ta => {
                let b2 = self.not_cts_ack()?;
                let b1 = self.lh_jset(0, 0x08, false)?;
                self.gen_and(b1, b2);
                let b1 = self.bcmp(OffRel::LinkHdr, 10, &e)?;
                self.gen_and(b2, b1);
                Ok(b1)
            }
            D::Undef => Err("syntax error in filter expression".into()),
        }
    }

    pub fn wlan_multicast(&mut self) -> R<B> {
        self.wlan_dst_like(&|cs: &mut Cs<'a>, off| {
            let s = cs.load_a(OffRel::LinkHdr, off, BPF_B)?;
            let b = cs.new_block(jmp(BPF_JSET), 1);
            cs.blocks[b].stmts = s;
            Ok(b)
        })
    }

    pub fn acode(&mut self, s: &str, q: Qual) -> R<B> {
        match self.linktype {
            dlt::ARCNET | dlt::ARCNET_LINUX => {
                if (q.addr == A::Host || q.addr == A::Default) && q.proto == P::Link {
                    // pcap_ether_aton("$x..."): '$' is taken as a hex digit
                    // worth -19, so the first byte is 0xd0 | x
                    let x = s.as_bytes().get(1).map_or(0, |&c| match c {
                        b'0'..=b'9' => c - b'0',
                        b'a'..=b'f' => c - b'a' + 10,
                        _ => c.wrapping_sub(b'A').wrapping_add(10),
                    });
                    let v = 0xd0 | (x & 0x0f);
                    let (src, dst) = (0, 1);
                    let one = |cs: &mut Cs, off: u32| cs.cmp(OffRel::LinkHdr, off, BPF_B, v as u32);
                    match q.dir {
                        D::Src => one(self, src),
                        D::Dst => one(self, dst),
                        D::And | D::Default | D::Or => {
                            let b0 = one(self, src)?;
                            let b1 = one(self, dst)?;
                            if q.dir == D::And {
                                self.gen_and(b0, b1);
                            } else {
                                self.gen_or(b0, b1);
                            }
                            Ok(b1)
                        }
                        _ => Err("'addr1' and 'address1' are only supported on 802.11".into()),
                    }
                } else {
                    Err("ARCnet address used in non-arc expression".into())
                }
            }
            _ => Err("aid supported only on ARCnet".into()),
        }
    }

    fn geneve_check(&mut self, v6: bool, vni: Option<u32>) -> R<B> {
        let mut b0 = if v6 {
            self.gen_port6(6081, IPPROTO_UDP, D::Dst)?
        } else {
            self.gen_port(6081, IPPROTO_UDP, D::Dst)?
        };
        let rel = if v6 {
            OffRel::TranIpv6
        } else {
            OffRel::TranIpv4
        };
        let b1 = self.mcmp(rel, 8, BPF_B, 0, 0xc0)?;
        self.gen_and(b0, b1);
        b0 = b1;
        if let Some(v) = vni {
            if v > 0xffffff {
                return Err(format!("Geneve VNI {v} greater than maximum {}", 0xffffff));
            }
            let b1 = self.mcmp(rel, 12, BPF_W, v << 8, 0xffff_ff00)?;
            self.gen_and(b0, b1);
            b0 = b1;
        }
        Ok(b0)
    }

    pub fn geneve(&mut self, vni: Option<u32>) -> R<B> {
        // IPv4
        let b4 = self.geneve_check(false, vni)?;
        let mut s = self.loadx_iphdrlen()?;
        s.push(self.stmt(BPF_MISC | BPF_TXA, 0));
        let b1 = self.new_block(BPF_JMP | BPF_JEQ | BPF_X, 0);
        self.blocks[b1].stmts = s;
        self.gen_and(b4, b1);
        let b4 = b1;
        // IPv6
        let b6 = self.geneve_check(true, vni)?;
        let mut s = Vec::new();
        if self.off_linkpl.is_variable {
            if self.off_linkpl.reg == -1 {
                self.off_linkpl.reg = self.alloc_reg()?;
            }
            s.push(self.stmt(BPF_LDX | BPF_MEM, self.off_linkpl.reg as u32));
            s.push(self.stmt(BPF_LD | BPF_IMM, 40));
            s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
        } else {
            s.push(self.stmt(BPF_LD | BPF_IMM, 40));
        }
        s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
        let b1 = self.new_block(BPF_JMP | BPF_JEQ | BPF_X, 0);
        self.blocks[b1].stmts = s;
        self.gen_and(b6, b1);
        let b6 = b1;
        self.gen_or(b4, b6);
        let b0 = b6;
        let s = self.geneve_offsets()?;
        let b1 = self.gen_true();
        let old = std::mem::take(&mut self.blocks[b1].stmts);
        let mut s = s;
        s.extend(old);
        self.blocks[b1].stmts = s;
        self.gen_and(b0, b1);
        self.is_geneve = true;
        Ok(b1)
    }

    fn geneve_offsets(&mut self) -> R<Vec<Stmt>> {
        let mut s = vec![self.stmt(
            BPF_ALU | BPF_ADD | BPF_K,
            self.off_linkpl
                .constant
                .wrapping_add(self.off_nl)
                .wrapping_add(8),
        )];
        s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
        self.off_linktype.reg = self.alloc_reg()?;
        self.off_linktype.is_variable = true;
        self.off_linktype.constant = 0;
        s.push(self.stmt(BPF_ST, self.off_linktype.reg as u32));
        s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, 0));
        s.push(self.stmt(BPF_ALU | BPF_AND | BPF_K, 0x3f));
        s.push(self.stmt(BPF_ALU | BPF_MUL | BPF_K, 4));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 8));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
        // PUSH_LINKHDR(DLT_EN10MB, variable, 0, new register)
        let r = self.alloc_reg()?;
        self.prevlinktype = self.linktype;
        self.off_prevlinkhdr = self.off_linkhdr;
        self.linktype = dlt::EN10MB;
        self.off_linkhdr = AbsOff {
            is_variable: true,
            constant: 0,
            reg: r,
        };
        self.is_geneve = false;
        s.push(self.stmt(BPF_ST, r as u32));
        self.no_optimize = true;
        s.push(self.stmt(BPF_LD | BPF_IND | BPF_H, 2));
        s.push(self.stmt(BPF_LDX | BPF_MEM, r as u32));
        let mut sp = self.stmt(jmp(BPF_JEQ), 0x6558);
        let txa = self.stmt(BPF_MISC | BPF_TXA, 0);
        sp.jt = Some(txa.id);
        let a12 = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 12);
        let st = self.stmt(BPF_ST, self.off_linktype.reg as u32);
        let a2 = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 2);
        let tax = self.stmt(BPF_MISC | BPF_TAX, 0);
        self.off_linkpl.reg = self.alloc_reg()?;
        self.off_linkpl.is_variable = true;
        self.off_linkpl.constant = 0;
        let stx = self.stmt(BPF_STX, self.off_linkpl.reg as u32);
        sp.jf = Some(stx.id);
        s.extend([sp, txa, a12, st, a2, tax, stx]);
        self.off_nl = 0;
        Ok(s)
    }

    pub fn gen_protochain(&mut self, v: u32, proto: P) -> R<B> {
        let reg2 = self.alloc_reg()?;
        match proto {
            P::Ip | P::Ipv6 => {}
            P::Default => {
                let b0 = self.gen_protochain(v, P::Ip)?;
                let b = self.gen_protochain(v, P::Ipv6)?;
                self.gen_or(b0, b);
                return Ok(b);
            }
            _ => return Err("bad protocol applied for 'protochain'".into()),
        }
        if self.off_linkpl.is_variable {
            return Err("'protochain' not supported with variable length headers".into());
        }
        self.no_optimize = true;
        let base = self.off_linkpl.constant.wrapping_add(self.off_nl);
        let mut s: Vec<Stmt> = Vec::new();
        let b0 = if proto == P::Ip {
            let b0 = self.gen_linktype(ETHERTYPE_IP)?;
            s.push(self.stmt(BPF_LD | BPF_ABS | BPF_B, base.wrapping_add(9)));
            s.push(self.stmt(BPF_LDX | BPF_MSH | BPF_B, base));
            b0
        } else {
            let b0 = self.gen_linktype(ETHERTYPE_IPV6)?;
            s.push(self.stmt(BPF_LD | BPF_ABS | BPF_B, base.wrapping_add(6)));
            s.push(self.stmt(BPF_LDX | BPF_IMM, 40));
            b0
        };
        // indices into s of statements whose targets are set later
        let again = s.len();
        s.push(self.stmt(jmp(BPF_JEQ), v));
        let fix5 = again;
        let fix2 = s.len();
        s.push(self.stmt(jmp(BPF_JEQ), 59));
        s[fix5].jf = Some(s[fix2].id);
        let mut fix3 = None;
        if proto == P::Ipv6 {
            let v6start = s.len();
            for (n, k) in [0u32, 60, 43, 44].iter().enumerate() {
                let st = self.stmt(jmp(BPF_JEQ), *k);
                let id = st.id;
                s.push(st);
                if n == 0 {
                    s[fix2].jf = Some(id);
                } else {
                    let l = s.len();
                    s[l - 2].jf = Some(id);
                }
            }
            let v6end = s.len() - 1;
            fix3 = Some(v6end);
            let v6advance = s.len();
            s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, base));
            s.push(self.stmt(BPF_ST, reg2 as u32));
            s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, base.wrapping_add(1)));
            s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 1));
            s.push(self.stmt(BPF_ALU | BPF_MUL | BPF_K, 8));
            s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_X, 0));
            s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
            s.push(self.stmt(BPF_LD | BPF_MEM, reg2 as u32));
            let i = s.len();
            s.push(self.stmt(
                BPF_JMP | BPF_JA,
                (again as u32).wrapping_sub(i as u32).wrapping_sub(1),
            ));
            let adv = s[v6advance].id;
            for st in s.iter_mut().take(v6end + 1).skip(v6start) {
                st.jt = Some(adv);
            }
        } else {
            let nop = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 0);
            s[fix2].jf = Some(nop.id);
            s.push(nop);
        }
        let ahcheck = s.len();
        s.push(self.stmt(jmp(BPF_JEQ), 51));
        if let Some(f3) = fix3 {
            s[f3].jf = Some(s[ahcheck].id);
        }
        let fix4 = ahcheck;
        let txa = self.stmt(BPF_MISC | BPF_TXA, 0);
        s[fix4].jt = Some(txa.id);
        s.push(txa);
        s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, base));
        s.push(self.stmt(BPF_ST, reg2 as u32));
        s.push(self.stmt(BPF_MISC | BPF_TXA, 0));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 1));
        s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
        s.push(self.stmt(BPF_LD | BPF_IND | BPF_B, base));
        s.push(self.stmt(BPF_ALU | BPF_ADD | BPF_K, 2));
        s.push(self.stmt(BPF_ALU | BPF_MUL | BPF_K, 4));
        s.push(self.stmt(BPF_MISC | BPF_TAX, 0));
        s.push(self.stmt(BPF_LD | BPF_MEM, reg2 as u32));
        let i = s.len();
        s.push(self.stmt(
            BPF_JMP | BPF_JA,
            (again as u32).wrapping_sub(i as u32).wrapping_sub(1),
        ));
        let end = self.stmt(BPF_ALU | BPF_ADD | BPF_K, 0);
        s[fix2].jt = Some(end.id);
        s[fix4].jf = Some(end.id);
        s[fix5].jt = Some(end.id);
        s.push(end);
        let b = self.new_block(jmp(BPF_JEQ), v);
        self.blocks[b].stmts = s;
        self.free_reg(reg2);
        self.gen_and(b0, b);
        Ok(b)
    }

    fn need_pflog(&self, what: &str) -> R<()> {
        if self.linktype != dlt::PFLOG {
            return Err(format!("{what} supported only on PF linktype"));
        }
        Ok(())
    }

    pub fn pf_string(&mut self, ifname: bool, s: &str) -> R<B> {
        self.need_pflog(if ifname { "ifname" } else { "ruleset" })?;
        let (off, len) = if ifname { (4, 16) } else { (20, 16) };
        if s.len() >= len {
            return Err(if ifname {
                format!("ifname interface names can only be {} characters", len - 1)
            } else {
                format!("ruleset names can only be {} characters", len - 1)
            });
        }
        self.bcmp(OffRel::LinkHdr, off, s.as_bytes())
    }

    pub fn pf_num(&mut self, rnr: bool, n: u32) -> R<B> {
        self.need_pflog(if rnr { "rnr" } else { "srnr" })?;
        self.cmp(OffRel::LinkHdr, if rnr { 36 } else { 40 }, BPF_W, n)
    }

    pub fn pf_reason_code(&mut self, s: &str) -> R<u32> {
        const REASONS: &[&str] = &[
            "match",
            "bad-offset",
            "fragment",
            "short",
            "normalize",
            "memory",
            "bad-timestamp",
            "congestion",
            "ip-option",
            "proto-cksum",
            "state-mismatch",
            "state-insert",
            "state-limit",
            "src-limit",
            "synproxy",
        ];
        REASONS
            .iter()
            .position(|r| r.eq_ignore_ascii_case(s))
            .map(|p| p as u32)
            .ok_or_else(|| format!("unknown PF reason \"{s}\""))
    }

    pub fn pf_reason(&mut self, v: u32) -> R<B> {
        self.need_pflog("reason")?;
        self.cmp(OffRel::LinkHdr, 3, BPF_B, v)
    }

    pub fn pf_action_code(&mut self, s: &str) -> R<u32> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "pass" | "accept" => 0,
            "drop" | "block" => 1,
            "scrub" => 2,
            "noscrub" => 3,
            "nat" => 4,
            "nonat" => 5,
            "binat" => 6,
            "nobinat" => 7,
            "rdr" => 8,
            "nordr" => 9,
            "synproxy-drop" => 10,
            _ => return Err(format!("unknown PF action \"{s}\"")),
        })
    }

    pub fn pf_action(&mut self, v: u32) -> R<B> {
        self.need_pflog("action")?;
        self.cmp(OffRel::LinkHdr, 2, BPF_B, v)
    }
}

/// SS7 offsets of `init_linktype` (li, li_hsl, sio, opc, dpc, sls); other
/// link types have none.
fn ss7_offsets(lt: u32) -> Option<[u32; 6]> {
    match lt {
        dlt::MTP2 => Some([2, 4, 3, 4, 4, 7]),
        dlt::MTP2_WITH_PHDR => Some([6, 8, 7, 8, 8, 11]),
        dlt::ERF => Some([22, 24, 23, 24, 24, 27]),
        _ => None,
    }
}

impl<'a> Cs<'a> {
    /// `gen_mtp2type_abbrev`: fisu, lssu, msu and the high-speed-link
    /// variants hfisu, hlssu, hmsu.
    pub fn mtp2type(&mut self, what: &str) -> R<B> {
        let hsl = what.starts_with('h');
        let Some(offs) = ss7_offsets(self.linktype) else {
            return Err(if hsl {
                format!("'{what}' supported only on MTP2_HSL")
            } else {
                format!("'{what}' supported only on MTP2")
            });
        };
        let (li, li_hsl) = (offs[0], offs[1]);
        let p = OffRel::Packet;
        match what {
            "fisu" => self.ncmp(p, li, BPF_B, 0x3f, BPF_JEQ, false, 0),
            "lssu" => {
                let b0 = self.ncmp(p, li, BPF_B, 0x3f, BPF_JGT, true, 2)?;
                let b1 = self.ncmp(p, li, BPF_B, 0x3f, BPF_JGT, false, 0)?;
                self.gen_and(b1, b0);
                Ok(b0)
            }
            "msu" => self.ncmp(p, li, BPF_B, 0x3f, BPF_JGT, false, 2),
            "hfisu" => self.ncmp(p, li_hsl, BPF_H, 0xff80, BPF_JEQ, false, 0),
            "hlssu" => {
                let b0 = self.ncmp(p, li_hsl, BPF_H, 0xff80, BPF_JGT, true, 0x0100)?;
                let b1 = self.ncmp(p, li_hsl, BPF_H, 0xff80, BPF_JGT, false, 0)?;
                self.gen_and(b1, b0);
                Ok(b0)
            }
            _ => self.ncmp(p, li_hsl, BPF_H, 0xff80, BPF_JGT, false, 0x0100),
        }
    }

    /// `gen_mtp3field_code`: sio/opc/dpc/sls (h* = the same field 3 bytes
    /// further, for high-speed links).
    pub fn mtp3field(&mut self, what: &str, v: u32, jtype: u16, reverse: bool) -> R<B> {
        let field = what.trim_start_matches('h');
        let extra = if what.starts_with('h') { 3 } else { 0 };
        let offs = ss7_offsets(self.outermostlinktype);
        let Some(offs) = offs else {
            return Err(format!("'{field}' supported only on SS7"));
        };
        let p = OffRel::Packet;
        match field {
            "sio" => {
                if v > 255 {
                    return Err(format!("sio value {v} too big; max value = 255"));
                }
                self.ncmp(p, offs[2] + extra, BPF_B, 0xffff_ffff, jtype, reverse, v)
            }
            "opc" => {
                if v > 16383 {
                    return Err(format!("opc value {v} too big; max value = 16383"));
                }
                let k = ((v & 0x3c00) >> 10) + ((v & 0x03fc) << 6) + ((v & 0x3) << 22);
                self.ncmp(p, offs[3] + extra, BPF_W, 0x00c0_ff0f, jtype, reverse, k)
            }
            "dpc" => {
                if v > 16383 {
                    return Err(format!("dpc value {v} too big; max value = 16383"));
                }
                let k = ((v & 0xff) << 24) + ((v & 0x3f00) << 8);
                self.ncmp(p, offs[4] + extra, BPF_W, 0xff3f_0000, jtype, reverse, k)
            }
            _ => {
                if v > 15 {
                    return Err(format!("sls value {v} too big; max value = 15"));
                }
                self.ncmp(p, offs[5] + extra, BPF_B, 0xf0, jtype, reverse, v << 4)
            }
        }
    }

    fn need_atm(&self, what: &str) -> R<()> {
        if self.outermostlinktype != dlt::SUNATM {
            return Err(format!("'{what}' supported only on raw ATM"));
        }
        Ok(())
    }

    /// `gen_atmfield_code` for VPI/VCI.
    pub fn atmfield(&mut self, vci: bool, v: u32, jtype: u16, reverse: bool) -> R<B> {
        self.need_atm(if vci { "vci" } else { "vpi" })?;
        let (off, size) = if vci { (2, BPF_H) } else { (1, BPF_B) };
        self.ncmp(OffRel::LinkHdr, off, size, 0xffff_ffff, jtype, reverse, v)
    }

    fn vpi_vci(&mut self, vpi: u32, vci: u32) -> R<B> {
        let b0 = self.atmfield(false, vpi, BPF_JEQ, false)?;
        let b1 = self.atmfield(true, vci, BPF_JEQ, false)?;
        self.gen_and(b0, b1);
        Ok(b1)
    }

    fn atm_msg(&mut self, t: u32) -> R<B> {
        self.ncmp(
            OffRel::LinkHdr,
            4 + 5,
            BPF_B,
            0xffff_ffff,
            BPF_JEQ,
            false,
            t,
        )
    }

    /// lane/metac/bcc/oam/oamf4/oamf4ec/oamf4sc/sc/ilmic/connectmsg/metaconnect
    pub fn atm_abbrev(&mut self, what: &str) -> R<B> {
        // libpcap's messages spell these two without the 'f'
        self.need_atm(match what {
            "oamf4ec" => "oam4ec",
            "oamf4sc" => "oam4sc",
            w => w,
        })?;
        match what {
            "metac" => self.vpi_vci(0, 1),
            "bcc" => self.vpi_vci(0, 2),
            "oamf4sc" => self.vpi_vci(0, 3),
            "oamf4ec" => self.vpi_vci(0, 4),
            "sc" => self.vpi_vci(0, 5),
            "ilmic" => self.vpi_vci(0, 16),
            "lane" => {
                let b1 = self.atm_proto(1)?;
                // PUSH_LINKHDR(DLT_EN10MB, 0, payload + 2, -1)
                self.prevlinktype = self.linktype;
                self.off_prevlinkhdr = self.off_linkhdr;
                self.linktype = dlt::EN10MB;
                self.off_linkhdr = AbsOff {
                    is_variable: false,
                    constant: 4 + 2,
                    reg: -1,
                };
                self.is_geneve = false;
                self.off_linktype.constant = self.off_linkhdr.constant + 12;
                self.off_linkpl.constant = self.off_linkhdr.constant + 14;
                self.off_nl = 0;
                self.off_nl_nosnap = 3;
                Ok(b1)
            }
            "oam" | "oamf4" => {
                let b0 = self.atmfield(true, 3, BPF_JEQ, false)?;
                let b1 = self.atmfield(true, 4, BPF_JEQ, false)?;
                self.gen_or(b0, b1);
                let b0 = self.atmfield(false, 0, BPF_JEQ, false)?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
            _ => {
                // connectmsg / metaconnect: Q.2931 call set-up and tear-down
                let b0 = self.atm_msg(0x05)?;
                let b1 = self.atm_msg(0x02)?;
                self.gen_or(b0, b1);
                let more: &[u32] = if what == "connectmsg" {
                    &[0x07, 0x0f, 0x4d, 0x5a]
                } else {
                    &[0x07, 0x4d, 0x5a]
                };
                for &t in more {
                    let b0 = self.atm_msg(t)?;
                    self.gen_or(b0, b1);
                }
                let b0 = self.atm_abbrev(if what == "connectmsg" { "sc" } else { "metac" })?;
                self.gen_and(b0, b1);
                Ok(b1)
            }
        }
    }
}
