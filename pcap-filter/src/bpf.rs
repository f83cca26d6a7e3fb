//! Classic BPF runtime: interpreter (libpcap `bpf_filter` semantics),
//! validator (`bpf_validate`) and the text forms (`bpf_image`, `bpf_dump`).

pub use crate::bpfprog::Program;

/// One classic BPF instruction; same layout as `struct bpf_insn` and the
/// kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

impl Insn {
    /// A statement (no jump offsets).
    pub const fn stmt(code: u16, k: u32) -> Insn {
        Insn {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }
    /// A conditional jump.
    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }
}

/// Ancillary data that Linux passes out of band (SKF_AD_VLAN_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Aux {
    pub vlan_tag: u16,
    pub vlan_tag_present: bool,
}

// Instruction classes.
pub const BPF_LD: u16 = 0x00;
pub const BPF_LDX: u16 = 0x01;
pub const BPF_ST: u16 = 0x02;
pub const BPF_STX: u16 = 0x03;
pub const BPF_ALU: u16 = 0x04;
pub const BPF_JMP: u16 = 0x05;
pub const BPF_RET: u16 = 0x06;
pub const BPF_MISC: u16 = 0x07;
// Sizes.
pub const BPF_W: u16 = 0x00;
pub const BPF_H: u16 = 0x08;
pub const BPF_B: u16 = 0x10;
// Modes.
pub const BPF_IMM: u16 = 0x00;
pub const BPF_ABS: u16 = 0x20;
pub const BPF_IND: u16 = 0x40;
pub const BPF_MEM: u16 = 0x60;
pub const BPF_LEN: u16 = 0x80;
pub const BPF_MSH: u16 = 0xa0;
// ALU / jump operations.
pub const BPF_ADD: u16 = 0x00;
pub const BPF_SUB: u16 = 0x10;
pub const BPF_MUL: u16 = 0x20;
pub const BPF_DIV: u16 = 0x30;
pub const BPF_OR: u16 = 0x40;
pub const BPF_AND: u16 = 0x50;
pub const BPF_LSH: u16 = 0x60;
pub const BPF_RSH: u16 = 0x70;
pub const BPF_NEG: u16 = 0x80;
pub const BPF_MOD: u16 = 0x90;
pub const BPF_XOR: u16 = 0xa0;
pub const BPF_JA: u16 = 0x00;
pub const BPF_JEQ: u16 = 0x10;
pub const BPF_JGT: u16 = 0x20;
pub const BPF_JGE: u16 = 0x30;
pub const BPF_JSET: u16 = 0x40;
// Sources.
pub const BPF_K: u16 = 0x00;
pub const BPF_X: u16 = 0x08;
pub const BPF_A: u16 = 0x10;
// Misc.
pub const BPF_TAX: u16 = 0x00;
pub const BPF_TXA: u16 = 0x80;

/// Backward `ja` jumps allowed in one run before the packet is rejected.
pub const MAX_BACK_JUMPS: u32 = 1 << 20;

/// Number of scratch memory words.
pub const BPF_MEMWORDS: usize = 16;
/// Largest program the Linux kernel accepts.
pub const BPF_MAXINSNS: usize = 4096;

/// Linux ancillary data area (`SKF_AD_OFF` = -0x1000).
pub const SKF_AD_OFF: u32 = 0xffff_f000;
pub const SKF_AD_PROTOCOL: u32 = 0;
pub const SKF_AD_PKTTYPE: u32 = 4;
pub const SKF_AD_IFINDEX: u32 = 8;
pub const SKF_AD_VLAN_TAG: u32 = 44;
pub const SKF_AD_VLAN_TAG_PRESENT: u32 = 48;
pub const SKF_AD_MAX: u32 = 64;

const AD_VLAN_TAG: u32 = SKF_AD_OFF.wrapping_add(SKF_AD_VLAN_TAG);
const AD_VLAN_TAG_PRESENT: u32 = SKF_AD_OFF.wrapping_add(SKF_AD_VLAN_TAG_PRESENT);

#[inline]
pub const fn class(code: u16) -> u16 {
    code & 0x07
}
#[inline]
pub const fn size(code: u16) -> u16 {
    code & 0x18
}
#[inline]
pub const fn mode(code: u16) -> u16 {
    code & 0xe0
}
#[inline]
pub const fn op(code: u16) -> u16 {
    code & 0xf0
}
#[inline]
pub const fn src(code: u16) -> u16 {
    code & 0x08
}

/// Run `prog` over a packet whose captured bytes are `pkt` and whose
/// length on the wire is `wirelen`, like libpcap's `bpf_filter`. Returns the
/// number of bytes to keep (0 = reject). An empty program accepts
/// everything (`u32::MAX`, like a NULL program in libpcap).
pub fn filter(prog: &[Insn], pkt: &[u8], wirelen: u32) -> u32 {
    run(prog, pkt, wirelen, None)
}

/// Like [`filter`], with the Linux VLAN ancillary data available to
/// `ldb [vlan_tci]`/`ldb [vlanp]` loads.
pub fn filter_with_aux(prog: &[Insn], pkt: &[u8], wirelen: u32, aux: &Aux) -> u32 {
    run(prog, pkt, wirelen, Some(aux))
}

#[inline]
fn run(prog: &[Insn], p: &[u8], wirelen: u32, aux: Option<&Aux>) -> u32 {
    if prog.is_empty() {
        return u32::MAX;
    }
    let mut a: u32 = 0;
    let mut x: u32 = 0;
    let mut mem = [0u32; BPF_MEMWORDS];
    let mut pc: usize = 0;
    let mut back_jumps: u32 = 0;
    loop {
        let Some(ins) = prog.get(pc) else {
            // Ran off the end (unvalidated program): reject.
            return 0;
        };
        pc += 1;
        let k = ins.k;
        match ins.code {
            0x06 => return k, // ret #k
            0x16 => return a, // ret a
            0x00 => a = k,    // ld #k
            0x01 => x = k,    // ldx #k
            0x20 => {
                // ld [k]: one range check covers libpcap's two
                let k = k as usize;
                match p.get(k..k + 4) {
                    Some(&[b0, b1, b2, b3]) => a = u32::from_be_bytes([b0, b1, b2, b3]),
                    _ => return 0,
                }
            }
            0x28 => {
                // ldh [k]
                let k = k as usize;
                match p.get(k..k + 2) {
                    Some(&[b0, b1]) => a = u16::from_be_bytes([b0, b1]) as u32,
                    _ => return 0,
                }
            }
            0x30 => {
                // ldb [k]
                match k {
                    AD_VLAN_TAG => match aux {
                        Some(ad) => a = ad.vlan_tag as u32,
                        None => return 0,
                    },
                    AD_VLAN_TAG_PRESENT => match aux {
                        Some(ad) => a = ad.vlan_tag_present as u32,
                        None => return 0,
                    },
                    _ => match p.get(k as usize) {
                        Some(&b) => a = b as u32,
                        None => return 0,
                    },
                }
            }
            0x80 => a = wirelen, // ld #pktlen
            0x81 => x = wirelen, // ldx #pktlen
            0x40 => {
                // ld [x + k] (no u32 wrap-around: the sum is done in usize)
                let kk = x as usize + k as usize;
                match p.get(kk..kk + 4) {
                    Some(&[b0, b1, b2, b3]) => a = u32::from_be_bytes([b0, b1, b2, b3]),
                    _ => return 0,
                }
            }
            0x48 => {
                let kk = x as usize + k as usize;
                match p.get(kk..kk + 2) {
                    Some(&[b0, b1]) => a = u16::from_be_bytes([b0, b1]) as u32,
                    _ => return 0,
                }
            }
            0x50 => match p.get(x as usize + k as usize) {
                Some(&b) => a = b as u32,
                None => return 0,
            },
            0xb1 => match p.get(k as usize) {
                // ldxb 4*([k]&0xf)
                Some(&b) => x = ((b & 0xf) as u32) << 2,
                None => return 0,
            },
            0x60 => match mem.get(k as usize) {
                Some(m) => a = *m,
                None => return 0,
            },
            0x61 => match mem.get(k as usize) {
                Some(m) => x = *m,
                None => return 0,
            },
            0x02 => match mem.get_mut(k as usize) {
                Some(m) => *m = a,
                None => return 0,
            },
            0x03 => match mem.get_mut(k as usize) {
                Some(m) => *m = x,
                None => return 0,
            },
            0x05 => {
                // ja: libpcap's offset arithmetic lets a jump go backwards
                // (protochain loops). Bound the number of backward jumps
                // so a looping program cannot hang the caller.
                if k & 0x8000_0000 != 0 {
                    back_jumps += 1;
                    if back_jumps > MAX_BACK_JUMPS {
                        return 0;
                    }
                }
                pc = pc.wrapping_add(k as i32 as isize as usize);
            }
            0x15 => pc += if a == k { ins.jt } else { ins.jf } as usize,
            0x25 => pc += if a > k { ins.jt } else { ins.jf } as usize,
            0x35 => pc += if a >= k { ins.jt } else { ins.jf } as usize,
            0x45 => pc += if a & k != 0 { ins.jt } else { ins.jf } as usize,
            0x1d => pc += if a == x { ins.jt } else { ins.jf } as usize,
            0x2d => pc += if a > x { ins.jt } else { ins.jf } as usize,
            0x3d => pc += if a >= x { ins.jt } else { ins.jf } as usize,
            0x4d => pc += if a & x != 0 { ins.jt } else { ins.jf } as usize,
            0x0c => a = a.wrapping_add(x),
            0x1c => a = a.wrapping_sub(x),
            0x2c => a = a.wrapping_mul(x),
            0x3c => {
                if x == 0 {
                    return 0;
                }
                a /= x;
            }
            0x9c => {
                if x == 0 {
                    return 0;
                }
                a %= x;
            }
            0x5c => a &= x,
            0x4c => a |= x,
            0xac => a ^= x,
            0x6c => a = if x < 32 { a << x } else { 0 },
            0x7c => a = if x < 32 { a >> x } else { 0 },
            0x04 => a = a.wrapping_add(k),
            0x14 => a = a.wrapping_sub(k),
            0x24 => a = a.wrapping_mul(k),
            0x34 => {
                if k == 0 {
                    return 0;
                }
                a /= k;
            }
            0x94 => {
                if k == 0 {
                    return 0;
                }
                a %= k;
            }
            0x54 => a &= k,
            0x44 => a |= k,
            0xa4 => a ^= k,
            // libpcap shifts by the raw constant; x86 masks the count to 5 bits.
            0x64 => a = a.wrapping_shl(k),
            0x74 => a = a.wrapping_shr(k),
            0x84 => a = a.wrapping_neg(),
            0x07 => x = a, // tax
            0x87 => a = x, // txa
            _ => return 0,
        }
    }
}

/// `bpf_validate`: the checks libpcap applies before installing a program.
pub fn validate(prog: &[Insn]) -> bool {
    let len = prog.len();
    if len < 1 {
        return false;
    }
    // libpcap does the jump arithmetic in u_int.
    let ulen = len as u64;
    for (i, p) in prog.iter().enumerate() {
        match class(p.code) {
            BPF_LD | BPF_LDX => match mode(p.code) {
                BPF_IMM | BPF_ABS | BPF_IND | BPF_MSH | BPF_LEN => {}
                BPF_MEM => {
                    if p.k as usize >= BPF_MEMWORDS {
                        return false;
                    }
                }
                _ => return false,
            },
            BPF_ST | BPF_STX => {
                if p.k as usize >= BPF_MEMWORDS {
                    return false;
                }
            }
            BPF_ALU => match op(p.code) {
                BPF_ADD | BPF_SUB | BPF_MUL | BPF_OR | BPF_AND | BPF_XOR | BPF_LSH | BPF_RSH
                | BPF_NEG => {}
                BPF_DIV | BPF_MOD => {
                    if src(p.code) == BPF_K && p.k == 0 {
                        return false;
                    }
                }
                _ => return false,
            },
            BPF_JMP => {
                let from = (i as u32).wrapping_add(1);
                match op(p.code) {
                    BPF_JA => {
                        if from.wrapping_add(p.k) as u64 >= ulen {
                            return false;
                        }
                    }
                    BPF_JEQ | BPF_JGT | BPF_JGE | BPF_JSET => {
                        if from as u64 + p.jt as u64 >= ulen || from as u64 + p.jf as u64 >= ulen {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
            BPF_RET | BPF_MISC => {}
            _ => return false,
        }
    }
    class(prog[len - 1].code) == BPF_RET
}

fn abs_operand(k: u32) -> String {
    if k >= SKF_AD_OFF && k < SKF_AD_OFF.wrapping_add(SKF_AD_MAX) {
        let name = match k - SKF_AD_OFF {
            0 => Some("proto"),
            4 => Some("type"),
            8 => Some("ifidx"),
            12 => Some("nla"),
            16 => Some("nlan"),
            20 => Some("mark"),
            24 => Some("queue"),
            28 => Some("hatype"),
            32 => Some("rxhash"),
            36 => Some("cpu"),
            40 => Some("xor_x"),
            44 => Some("vlan_tci"),
            48 => Some("vlanp"),
            52 => Some("poff"),
            56 => Some("random"),
            60 => Some("vlan_tpid"),
            _ => None,
        };
        if let Some(n) = name {
            return format!("[{n}]");
        }
    }
    format!("[{}]", k as i32)
}

/// `bpf_image`: the `tcpdump -d` text of instruction number `n`.
pub fn image(insn: &Insn, n: usize) -> String {
    let k = insn.k;
    let ks = k as i32;
    let (opname, operand): (&str, String) = match insn.code {
        0x06 => ("ret", format!("#{ks}")),
        0x16 => ("ret", String::new()),
        0x20 => ("ld", abs_operand(k)),
        0x28 => ("ldh", abs_operand(k)),
        0x30 => ("ldb", abs_operand(k)),
        0x80 => ("ld", "#pktlen".to_string()),
        0x40 => ("ld", format!("[x + {ks}]")),
        0x48 => ("ldh", format!("[x + {ks}]")),
        0x50 => ("ldb", format!("[x + {ks}]")),
        0x00 => ("ld", format!("#0x{k:x}")),
        0x01 => ("ldx", format!("#0x{k:x}")),
        0xb1 => ("ldxb", format!("4*([{ks}]&0xf)")),
        0x60 => ("ld", format!("M[{ks}]")),
        0x61 => ("ldx", format!("M[{ks}]")),
        0x02 => ("st", format!("M[{ks}]")),
        0x03 => ("stx", format!("M[{ks}]")),
        0x05 => ("ja", format!("{}", (n as i64 + 1 + k as i64) as i32)),
        0x25 => ("jgt", format!("#0x{k:x}")),
        0x35 => ("jge", format!("#0x{k:x}")),
        0x15 => ("jeq", format!("#0x{k:x}")),
        0x45 => ("jset", format!("#0x{k:x}")),
        0x2d => ("jgt", "x".to_string()),
        0x3d => ("jge", "x".to_string()),
        0x1d => ("jeq", "x".to_string()),
        0x4d => ("jset", "x".to_string()),
        0x0c => ("add", "x".to_string()),
        0x1c => ("sub", "x".to_string()),
        0x2c => ("mul", "x".to_string()),
        0x3c => ("div", "x".to_string()),
        0x9c => ("mod", "x".to_string()),
        0x5c => ("and", "x".to_string()),
        0x4c => ("or", "x".to_string()),
        0xac => ("xor", "x".to_string()),
        0x6c => ("lsh", "x".to_string()),
        0x7c => ("rsh", "x".to_string()),
        0x04 => ("add", format!("#{ks}")),
        0x14 => ("sub", format!("#{ks}")),
        0x24 => ("mul", format!("#{ks}")),
        0x34 => ("div", format!("#{ks}")),
        0x94 => ("mod", format!("#{ks}")),
        0x54 => ("and", format!("#0x{k:x}")),
        0x44 => ("or", format!("#0x{k:x}")),
        0xa4 => ("xor", format!("#0x{k:x}")),
        0x64 => ("lsh", format!("#{ks}")),
        0x74 => ("rsh", format!("#{ks}")),
        0x84 => ("neg", String::new()),
        0x07 => ("tax", String::new()),
        0x87 => ("txa", String::new()),
        c => ("unimp", format!("0x{c:x}")),
    };
    if class(insn.code) == BPF_JMP && op(insn.code) != BPF_JA {
        format!(
            "({:03}) {:<8} {:<16} jt {}\tjf {}",
            n,
            opname,
            operand,
            n + 1 + insn.jt as usize,
            n + 1 + insn.jf as usize
        )
    } else {
        format!("({n:03}) {opname:<8} {operand}")
    }
}

/// `bpf_dump`: option 1 = `tcpdump -d`, 2 = `-dd`, 3 (or more) = `-ddd`.
/// Every line ends in a newline.
pub fn dump(prog: &[Insn], option: i32) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if option > 2 {
        let _ = writeln!(out, "{}", prog.len());
        for i in prog {
            let _ = writeln!(out, "{} {} {} {}", i.code, i.jt, i.jf, i.k);
        }
    } else if option > 1 {
        for i in prog {
            let _ = writeln!(
                out,
                "{{ 0x{:x}, {}, {}, 0x{:08x} }},",
                i.code, i.jt, i.jf, i.k
            );
        }
    } else {
        for (n, i) in prog.iter().enumerate() {
            out.push_str(&image(i, n));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(code: u16, k: u32) -> Insn {
        Insn::stmt(code, k)
    }
    fn j(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn::jump(code, k, jt, jf)
    }

    // Ethernet + IPv4 + TCP SYN to port 80, 60 bytes captured.
    fn tcp_syn() -> Vec<u8> {
        let mut p = vec![0u8; 54];
        p[12] = 0x08;
        p[14] = 0x45;
        p[23] = 6;
        p[36] = 0;
        p[37] = 80;
        p[47] = 0x02;
        p
    }

    #[test]
    fn empty_accepts_all() {
        assert_eq!(filter(&[], &[1, 2, 3], 3), u32::MAX);
    }

    #[test]
    fn ret_and_len() {
        assert_eq!(filter(&[s(0x06, 262144)], &[], 0), 262144);
        assert_eq!(filter(&[s(0x80, 0), s(0x16, 0)], &[0; 10], 1514), 1514);
        assert_eq!(
            filter(&[s(0x81, 0), s(0x87, 0), s(0x16, 0)], &[0; 10], 77),
            77
        );
    }

    #[test]
    fn ip_tcp_port_program() {
        // tcpdump -d 'tcp dst port 80' (IPv4 branch, hand written)
        let prog = [
            s(0x28, 12),
            j(0x15, 0x800, 0, 8),
            s(0x30, 23),
            j(0x15, 6, 0, 6),
            s(0x28, 20),
            j(0x45, 0x1fff, 4, 0),
            s(0xb1, 14),
            s(0x48, 16),
            j(0x15, 80, 0, 1),
            s(0x06, 262144),
            s(0x06, 0),
        ];
        let p = tcp_syn();
        assert_eq!(filter(&prog, &p, 60), 262144);
        let mut q = p.clone();
        q[37] = 81;
        assert_eq!(filter(&prog, &q, 60), 0);
        // truncated before the port: out-of-bounds load rejects
        assert_eq!(filter(&prog, &p[..37], 60), 0);
        assert!(validate(&prog));
    }

    #[test]
    fn bounds() {
        let p = [1u8, 2, 3, 4];
        assert_eq!(filter(&[s(0x20, 0), s(0x16, 0)], &p, 4), 0x01020304);
        assert_eq!(filter(&[s(0x20, 1), s(0x16, 0)], &p, 4), 0);
        assert_eq!(filter(&[s(0x28, 2), s(0x16, 0)], &p, 4), 0x0304);
        assert_eq!(filter(&[s(0x28, 3), s(0x16, 0)], &p, 4), 0);
        assert_eq!(filter(&[s(0x30, 3), s(0x16, 0)], &p, 4), 4);
        assert_eq!(filter(&[s(0x30, 4), s(0x16, 0)], &p, 4), 0);
        assert_eq!(filter(&[s(0x01, 1), s(0x50, 2), s(0x16, 0)], &p, 4), 4);
        assert_eq!(filter(&[s(0x01, 2), s(0x50, 2), s(0x16, 0)], &p, 4), 0);
        assert_eq!(filter(&[s(0x01, 2), s(0x48, 0), s(0x16, 0)], &p, 4), 0x0304);
        assert_eq!(
            filter(&[s(0x01, 0xffff_ffff), s(0x48, 1), s(0x16, 0)], &p, 4),
            0
        );
        assert_eq!(
            filter(&[s(0x01, 0), s(0x40, 0), s(0x16, 0)], &p, 4),
            0x01020304
        );
        assert_eq!(filter(&[s(0xb1, 0), s(0x87, 0), s(0x16, 0)], &p, 4), 4);
        assert_eq!(filter(&[s(0xb1, 9), s(0x87, 0), s(0x16, 0)], &p, 4), 0);
    }

    #[test]
    fn alu_and_divzero() {
        let run1 = |ops: &[Insn]| {
            let mut v = ops.to_vec();
            v.push(s(0x16, 0));
            filter(&v, &[], 0)
        };
        assert_eq!(run1(&[s(0x00, 7), s(0x04, 5)]), 12);
        assert_eq!(run1(&[s(0x00, 7), s(0x14, 8)]), u32::MAX);
        assert_eq!(run1(&[s(0x00, 7), s(0x24, 3)]), 21);
        assert_eq!(run1(&[s(0x00, 7), s(0x34, 2)]), 3);
        assert_eq!(run1(&[s(0x00, 7), s(0x94, 4)]), 3);
        assert_eq!(run1(&[s(0x00, 7), s(0x34, 0)]), 0);
        assert_eq!(run1(&[s(0x00, 7), s(0x01, 0), s(0x3c, 0)]), 0);
        assert_eq!(run1(&[s(0x00, 7), s(0x01, 0), s(0x9c, 0)]), 0);
        assert_eq!(run1(&[s(0x00, 0xf0), s(0x54, 0x3c)]), 0x30);
        assert_eq!(run1(&[s(0x00, 0xf0), s(0x44, 0x0f)]), 0xff);
        assert_eq!(run1(&[s(0x00, 0xf0), s(0xa4, 0xff)]), 0x0f);
        assert_eq!(run1(&[s(0x00, 1), s(0x64, 4)]), 16);
        assert_eq!(run1(&[s(0x00, 16), s(0x74, 4)]), 1);
        assert_eq!(run1(&[s(0x00, 190), s(0x64, 33)]), 380);
        assert_eq!(run1(&[s(0x00, 190), s(0x74, 32)]), 190);
        assert_eq!(run1(&[s(0x00, 190), s(0x01, 33), s(0x6c, 0)]), 0);
        assert_eq!(run1(&[s(0x00, 190), s(0x01, 33), s(0x7c, 0)]), 0);
        assert_eq!(run1(&[s(0x00, 1), s(0x84, 0)]), u32::MAX);
        assert_eq!(run1(&[s(0x00, 5), s(0x01, 3), s(0x1c, 0)]), 2);
    }

    #[test]
    fn backward_ja() {
        // X counts up until > 3 (recorded from libpcap's bpf_filter: 4)
        let prog = [
            s(0x01, 0),
            s(0x87, 0),
            s(0x04, 1),
            s(0x07, 0),
            j(0x25, 3, 1, 0),
            s(0x05, 0xffff_fffb),
            s(0x16, 0),
        ];
        assert!(validate(&prog));
        assert_eq!(filter(&prog, &[0], 1), 4);
        assert_eq!(image(&prog[5], 5), "(005) ja       1");
    }

    #[test]
    fn scratch_memory() {
        let prog = [
            s(0x00, 42),
            s(0x02, 15),
            s(0x00, 0),
            s(0x61, 15),
            s(0x87, 0),
            s(0x16, 0),
        ];
        assert_eq!(filter(&prog, &[], 0), 42);
        assert!(validate(&prog));
        assert!(!validate(&[s(0x02, 16), s(0x06, 0)]));
        assert!(!validate(&[s(0x60, 16), s(0x06, 0)]));
    }

    #[test]
    fn vlan_aux() {
        let prog = [s(0x30, SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT), s(0x16, 0)];
        let aux = Aux {
            vlan_tag: 100,
            vlan_tag_present: true,
        };
        assert_eq!(filter(&prog, &[0; 20], 20), 0);
        assert_eq!(filter_with_aux(&prog, &[0; 20], 20, &aux), 1);
        let prog2 = [s(0x30, SKF_AD_OFF + SKF_AD_VLAN_TAG), s(0x16, 0)];
        assert_eq!(filter_with_aux(&prog2, &[0; 20], 20, &aux), 100);
        // the halfword form is not understood in user space
        let prog3 = [s(0x28, SKF_AD_OFF + SKF_AD_VLAN_TAG), s(0x16, 0)];
        assert_eq!(filter_with_aux(&prog3, &[0; 20], 20, &aux), 0);
    }

    #[test]
    fn validate_rules() {
        assert!(!validate(&[]));
        assert!(validate(&[s(0x06, 0)]));
        assert!(!validate(&[s(0x00, 0)]));
        assert!(!validate(&[s(0x34, 0), s(0x06, 0)]));
        assert!(validate(&[s(0x3c, 0), s(0x06, 0)]));
        assert!(!validate(&[j(0x15, 0, 1, 0), s(0x06, 0)]));
        assert!(validate(&[j(0x15, 0, 0, 0), s(0x06, 0)]));
        assert!(!validate(&[s(0x05, 1), s(0x06, 0)]));
        // libpcap's u_int arithmetic wraps: this passes its validator
        assert!(validate(&[s(0x05, 0xffff_ffff), s(0x06, 0)]));
        // a backward jump to itself loops; the run is bounded and rejects
        assert_eq!(filter(&[s(0x05, 0xffff_ffff), s(0x06, 0)], &[], 0), 0);
        assert!(!validate(&[s(0xe0, 0), s(0x06, 0)]));
    }

    #[test]
    fn images() {
        assert_eq!(image(&s(0x28, 12), 0), "(000) ldh      [12]");
        assert_eq!(
            image(&j(0x15, 0x800, 0, 8), 1),
            "(001) jeq      #0x800           jt 2\tjf 10"
        );
        assert_eq!(image(&s(0x06, 262144), 9), "(009) ret      #262144");
        assert_eq!(image(&s(0xb1, 14), 6), "(006) ldxb     4*([14]&0xf)");
        assert_eq!(
            image(&s(0x30, SKF_AD_OFF + 48), 0),
            "(000) ldb      [vlanp]"
        );
        assert_eq!(image(&s(0x28, SKF_AD_OFF + 4), 0), "(000) ldh      [type]");
        assert_eq!(image(&s(0x16, 0), 3), "(003) ret      ");
        assert_eq!(image(&s(0xff, 0), 3), "(003) unimp    0xff");
    }

    #[test]
    fn dumps() {
        let prog = [
            s(0x28, 12),
            j(0x15, 0x800, 0, 1),
            s(0x06, 65535),
            s(0x06, 0),
        ];
        assert_eq!(
            dump(&prog, 3),
            "4\n40 0 0 12\n21 0 1 2048\n6 0 0 65535\n6 0 0 0\n"
        );
        assert_eq!(
            dump(&prog, 2),
            "{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x0000ffff },\n{ 0x6, 0, 0, 0x00000000 },\n"
        );
        assert_eq!(
            dump(&prog, 1),
            "(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #65535\n(003) ret      #0\n"
        );
    }
}
