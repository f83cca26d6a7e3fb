//! Less common primitives: 802.11 type/subtype/direction, ARCnet, pflog,
//! and the parts not implemented yet (reported as errors, never silently).

use crate::bpf::*;
use crate::gencode::*;
use crate::parser::WordOrNum;

const WLAN_TYPES: &[(&str, u32)] = &[("mgt", 0x00), ("ctl", 0x04), ("data", 0x08)];
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
    ("auth", 0xb0),
    ("deauth", 0xc0),
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
            WordOrNum::Num(n) => Ok(*n),
            WordOrNum::Word(s) => {
                lookup(WLAN_TYPES, s).ok_or_else(|| format!("unknown 802.11 type name '{s}'"))
            }
        }
    }

    pub fn wlan_subtype_value(&mut self, ty: u32, w: &WordOrNum) -> R<u32> {
        match w {
            WordOrNum::Num(n) => Ok(*n),
            WordOrNum::Word(s) => {
                let t = match ty {
                    0x00 => WLAN_MGT,
                    0x04 => WLAN_CTL,
                    0x08 => WLAN_DATA,
                    _ => return Err(format!("unknown 802.11 type {ty}")),
                };
                lookup(t, s).ok_or_else(|| format!("unknown 802.11 subtype name '{s}'"))
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
                Err(format!("unknown 802.11 type name '{s}'"))
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

    pub fn wlanhostop(&mut self, _e: &[u8; 6], _dir: crate::gencode::D) -> R<B> {
        Err(NOT_YET.into())
    }

    pub fn wlan_multicast(&mut self) -> R<B> {
        Err(NOT_YET.into())
    }

    pub fn acode(&mut self, s: &str, q: Qual) -> R<B> {
        match self.linktype {
            dlt::ARCNET | dlt::ARCNET_LINUX => {
                if (q.addr == A::Host || q.addr == A::Default) && q.proto == P::Link {
                    let v = u32::from_str_radix(s.trim_start_matches('$'), 16).unwrap_or(0) as u8;
                    let (src, dst) = if self.linktype == dlt::ARCNET {
                        (0, 1)
                    } else {
                        (2, 3)
                    };
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

    pub fn geneve(&mut self, _vni: Option<u32>) -> R<B> {
        Err(NOT_YET.into())
    }

    pub fn gen_protochain(&mut self, _v: u32, _proto: P) -> R<B> {
        Err(NOT_YET.into())
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
        Ok(match s {
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
            _ => return Err(format!("unknown PF action \"{s}\"")),
        })
    }

    pub fn pf_action(&mut self, v: u32) -> R<B> {
        self.need_pflog("action")?;
        self.cmp(OffRel::LinkHdr, 2, BPF_B, v)
    }
}

/// Error text for constructs this implementation does not generate yet.
pub const NOT_YET: &str = "this filter construct is not implemented by pcap-filter yet";
