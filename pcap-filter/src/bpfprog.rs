//! A classic-BPF program decoded once for fast repeated runs.
//!
//! [`Program::new`] maps every instruction to a dense internal operation
//! with its jump targets resolved to absolute indices, invalid instructions
//! and out-of-range targets turned into an explicit "reject", and the most
//! common sequences fused into one operation (a packet load followed by a
//! conditional jump on the loaded value, `ldxb 4*([k]&0xf)` or `ldx M[m]`
//! followed by an indexed load and possibly a `jeq`, `ld #k; st M[m]`,
//! `ldx M[m]; ld M[n]`, `and #k; jeq`), and conditional jumps whose target
//! is a `ret` returning directly. The operation list keeps one entry per
//! original instruction, so a jump into the middle of a fused sequence still
//! lands on the plain instruction there. Programs of up to 256 and 4096
//! operations run from fixed-size tables (no bounds check per dispatch),
//! longer ones from a slice, and programs over 65534 instructions with the
//! plain interpreter. [`Program::filter`] returns exactly what
//! [`crate::bpf::filter`] returns for the same instructions, validated or
//! not (checked by unit tests, the corpus suites and the `bpf_run` fuzz
//! target).

use crate::bpf::{self, Aux, Insn, MAX_BACK_JUMPS};

/// Jump-target index (programs longer than `u16::MAX` instructions use the
/// plain interpreter).
type Tgt = u16;

/// Conditional jump kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cond {
    Eq,
    Gt,
    Ge,
    Set,
}

/// Internal operation. `k` is the instruction's constant, `c` the constant a
/// fused jump compares with, `t`/`f` absolute jump targets. Kept at 16
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Reject,
    RetK(u32),
    RetA,
    LdImm(u32),
    LdxImm(u32),
    LdLen,
    LdxLen,
    LdW(u32),
    LdH(u32),
    LdB(u32),
    LdVlanTag,
    LdVlanPresent,
    LdWInd(u32),
    LdHInd(u32),
    LdBInd(u32),
    Ldxb(u32),
    // ldxb 4*([k]&0xf); ld{h,b} [x + c]
    LdxbLdHInd {
        k: u32,
        c: u32,
    },
    LdxbLdBInd {
        k: u32,
        c: u32,
    },
    LdMem(u8),
    LdxMem(u8),
    St(u8),
    Stx(u8),
    Ja(Tgt),
    JaBack(Tgt),
    JeqK {
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    JgtK {
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    JgeK {
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    JsetK {
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    JeqX {
        t: Tgt,
        f: Tgt,
    },
    JgtX {
        t: Tgt,
        f: Tgt,
    },
    JgeX {
        t: Tgt,
        f: Tgt,
    },
    JsetX {
        t: Tgt,
        f: Tgt,
    },
    // load, then a conditional jump comparing A with c
    LdHJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHJgt {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHJge {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHJset {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBJgt {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBJge {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBJset {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdWJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdWJgt {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdWJge {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdWJset {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHIndJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHIndJgt {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdHIndJge {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBIndJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdBIndJset {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    // and #k; jeq #c
    AndJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdWIndJeq {
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    // ld #k; st M[m]
    LdImmSt {
        k: u32,
        m: u8,
    },
    // ldx M[m]; ld{h,b,} [x + k] (; jeq #c)
    LdxMemLdHInd {
        m: u8,
        k: u32,
    },
    // ldx M[m]; ld M[n]
    LdxMemLdMem {
        m: u8,
        n: u8,
    },
    LdxMemLdBInd {
        m: u8,
        k: u32,
    },
    LdxMemLdWInd {
        m: u8,
        k: u32,
    },
    LdxMemLdHIndJeq {
        m: u8,
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdxMemLdBIndJeq {
        m: u8,
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    LdxMemLdWIndJeq {
        m: u8,
        k: u32,
        c: u32,
        t: Tgt,
        f: Tgt,
    },
    // fused loads and jumps with a return at one target
    LdHJeqRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdHJeqRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdBJeqRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdBJeqRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdWJeqRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdWJeqRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdHJsetRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdHJsetRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdBJsetRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdBJsetRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdHIndJeqRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdHIndJeqRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    LdBIndJeqRt {
        k: u32,
        c: u32,
        rt: u32,
        f: Tgt,
    },
    LdBIndJeqRf {
        k: u32,
        c: u32,
        t: Tgt,
        rf: u32,
    },
    // conditional jumps on A with a return at one or both targets (`rt`,
    // `rf`: the value returned)
    JeqKRt {
        c: u32,
        rt: u32,
        f: Tgt,
    },
    JeqKRf {
        c: u32,
        t: Tgt,
        rf: u32,
    },
    JeqKR2 {
        c: u32,
        rt: u32,
        rf: u32,
    },
    JgtKRt {
        c: u32,
        rt: u32,
        f: Tgt,
    },
    JgtKRf {
        c: u32,
        t: Tgt,
        rf: u32,
    },
    JgtKR2 {
        c: u32,
        rt: u32,
        rf: u32,
    },
    JgeKRt {
        c: u32,
        rt: u32,
        f: Tgt,
    },
    JgeKRf {
        c: u32,
        t: Tgt,
        rf: u32,
    },
    JgeKR2 {
        c: u32,
        rt: u32,
        rf: u32,
    },
    JsetKRt {
        c: u32,
        rt: u32,
        f: Tgt,
    },
    JsetKRf {
        c: u32,
        t: Tgt,
        rf: u32,
    },
    JsetKR2 {
        c: u32,
        rt: u32,
        rf: u32,
    },
    AddX,
    SubX,
    MulX,
    DivX,
    ModX,
    AndX,
    OrX,
    XorX,
    LshX,
    RshX,
    AddK(u32),
    SubK(u32),
    MulK(u32),
    DivK(u32),
    ModK(u32),
    AndK(u32),
    OrK(u32),
    XorK(u32),
    LshK(u32),
    RshK(u32),
    Neg,
    Tax,
    Txa,
}

const AD_VLAN_TAG: u32 = bpf::SKF_AD_OFF.wrapping_add(bpf::SKF_AD_VLAN_TAG);
const AD_VLAN_TAG_PRESENT: u32 = bpf::SKF_AD_OFF.wrapping_add(bpf::SKF_AD_VLAN_TAG_PRESENT);

/// Programs of at most this many operations (with the final `Reject`) use
/// a fixed-size table indexed without bounds checks...
const SMALL: usize = 256;
/// ... and up to this many (the kernel's limit) a larger one.
const MEDIUM: usize = bpf::BPF_MAXINSNS;

type RunFn = fn(&Program, &[u8], u32, Option<&Aux>) -> u32;

/// A program prepared once for [`Program::filter`]; build it when the
/// filter is installed, not per packet.
#[derive(Clone)]
pub struct Program {
    /// Decoded operations, one per instruction plus a final `Reject`
    /// (padded with `Reject` to [`SMALL`] or [`MEDIUM`] entries).
    ops: Box<[Op]>,
    /// The original instructions, for programs too long for 16-bit
    /// targets (run by the plain interpreter).
    plain: Box<[Insn]>,
    /// The interpreter variant for this program.
    run: RunFn,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("ops", &self.ops)
            .field("plain", &self.plain)
            .finish()
    }
}

fn run_table<const N: usize, const MEM: bool>(
    prog: &Program,
    p: &[u8],
    wirelen: u32,
    aux: Option<&Aux>,
) -> u32 {
    match <&[Op; N]>::try_from(&*prog.ops) {
        Ok(ops) => exec::<_, MEM>(ops, p, wirelen, aux),
        Err(_) => 0,
    }
}

fn run_large<const MEM: bool>(prog: &Program, p: &[u8], wirelen: u32, aux: Option<&Aux>) -> u32 {
    exec::<_, MEM>(&*prog.ops, p, wirelen, aux)
}

fn run_plain(prog: &Program, p: &[u8], wirelen: u32, aux: Option<&Aux>) -> u32 {
    match aux {
        Some(aux) => bpf::filter_with_aux(&prog.plain, p, wirelen, aux),
        None => bpf::filter(&prog.plain, p, wirelen),
    }
}

impl Program {
    /// Decode `prog`. Never fails: instructions the interpreter does not
    /// know reject the packet when reached, like [`crate::bpf::filter`].
    pub fn new(prog: &[Insn]) -> Program {
        let n = prog.len();
        if n == 0 || n >= Tgt::MAX as usize {
            return Program {
                ops: Box::new([]),
                plain: prog.into(),
                run: run_plain,
            };
        }
        // Target of a jump from instruction `from` (already incremented pc)
        // by `off`; anything outside the program lands on the final Reject.
        let tgt = |from: usize, off: i64| -> Tgt {
            let t = from as i64 + off;
            if t < 0 || t > n as i64 {
                n as Tgt
            } else {
                t as Tgt
            }
        };
        let mut ops: Vec<Op> = Vec::with_capacity(n + 1);
        for (i, ins) in prog.iter().enumerate() {
            ops.push(decode(ins, i, &tgt));
        }
        ops.push(Op::Reject);
        // Fuse pairs. Instruction i+1 keeps its own plain operation, so
        // jumps into it still work.
        for i in 0..n.saturating_sub(1) {
            let next = prog[i + 1];
            let cond = match next.code {
                0x15 => Some(Cond::Eq),
                0x25 => Some(Cond::Gt),
                0x35 => Some(Cond::Ge),
                0x45 => Some(Cond::Set),
                _ => None,
            };
            let (c, t, f) = (
                next.k,
                tgt(i + 2, next.jt as i64),
                tgt(i + 2, next.jf as i64),
            );
            let fused = match (ops[i], cond) {
                (Op::LdH(k), Some(Cond::Eq)) => Op::LdHJeq { k, c, t, f },
                (Op::LdH(k), Some(Cond::Gt)) => Op::LdHJgt { k, c, t, f },
                (Op::LdH(k), Some(Cond::Ge)) => Op::LdHJge { k, c, t, f },
                (Op::LdH(k), Some(Cond::Set)) => Op::LdHJset { k, c, t, f },
                (Op::LdB(k), Some(Cond::Eq)) => Op::LdBJeq { k, c, t, f },
                (Op::LdB(k), Some(Cond::Gt)) => Op::LdBJgt { k, c, t, f },
                (Op::LdB(k), Some(Cond::Ge)) => Op::LdBJge { k, c, t, f },
                (Op::LdB(k), Some(Cond::Set)) => Op::LdBJset { k, c, t, f },
                (Op::LdW(k), Some(Cond::Eq)) => Op::LdWJeq { k, c, t, f },
                (Op::LdW(k), Some(Cond::Gt)) => Op::LdWJgt { k, c, t, f },
                (Op::LdW(k), Some(Cond::Ge)) => Op::LdWJge { k, c, t, f },
                (Op::LdW(k), Some(Cond::Set)) => Op::LdWJset { k, c, t, f },
                (Op::LdHInd(k), Some(Cond::Eq)) => Op::LdHIndJeq { k, c, t, f },
                (Op::LdHInd(k), Some(Cond::Gt)) => Op::LdHIndJgt { k, c, t, f },
                (Op::LdHInd(k), Some(Cond::Ge)) => Op::LdHIndJge { k, c, t, f },
                (Op::LdBInd(k), Some(Cond::Eq)) => Op::LdBIndJeq { k, c, t, f },
                (Op::LdBInd(k), Some(Cond::Set)) => Op::LdBIndJset { k, c, t, f },
                (Op::AndK(k), Some(Cond::Eq)) => Op::AndJeq { k, c, t, f },
                (Op::LdWInd(k), Some(Cond::Eq)) => Op::LdWIndJeq { k, c, t, f },
                (Op::LdImm(k), None) => match ops[i + 1] {
                    Op::St(m) => Op::LdImmSt { k, m },
                    _ => continue,
                },
                (Op::LdxMem(m), None) => {
                    // a following jeq makes a triple (targets from i+3)
                    let jeq = prog.get(i + 2).filter(|j| j.code == 0x15);
                    let (c, t, f) = match jeq {
                        Some(j) => (j.k, tgt(i + 3, j.jt as i64), tgt(i + 3, j.jf as i64)),
                        None => (0, 0, 0),
                    };
                    match (ops[i + 1], jeq.is_some()) {
                        (Op::LdHInd(k), true) => Op::LdxMemLdHIndJeq { m, k, c, t, f },
                        (Op::LdBInd(k), true) => Op::LdxMemLdBIndJeq { m, k, c, t, f },
                        (Op::LdWInd(k), true) => Op::LdxMemLdWIndJeq { m, k, c, t, f },
                        (Op::LdHInd(k), false) => Op::LdxMemLdHInd { m, k },
                        (Op::LdBInd(k), false) => Op::LdxMemLdBInd { m, k },
                        (Op::LdWInd(k), false) => Op::LdxMemLdWInd { m, k },
                        (Op::LdMem(n), _) => Op::LdxMemLdMem { m, n },
                        _ => continue,
                    }
                }
                (Op::Ldxb(k), None) => match ops[i + 1] {
                    Op::LdHInd(c) => Op::LdxbLdHInd { k, c },
                    Op::LdBInd(c) => Op::LdxbLdBInd { k, c },
                    _ => continue,
                },
                _ => continue,
            };
            ops[i] = fused;
        }
        // Jumps to a return: return directly. Only plain jumps change (they
        // keep their index), and a return is never part of a fused pair.
        let ret_at = |ops: &[Op], t: Tgt| match ops[t as usize] {
            Op::RetK(v) => Some(v),
            Op::Reject => Some(0),
            _ => None,
        };
        for i in 0..n {
            ops[i] = match ops[i] {
                Op::LdHJeq { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdHJeqRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdHJeqRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdBJeq { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdBJeqRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdBJeqRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdWJeq { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdWJeqRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdWJeqRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdHJset { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdHJsetRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdHJsetRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdBJset { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdBJsetRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdBJsetRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdHIndJeq { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdHIndJeqRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdHIndJeqRf { k, c, t, rf },
                    _ => continue,
                },
                Op::LdBIndJeq { k, c, t, f } => match (ret_at(&ops, t), ret_at(&ops, f)) {
                    (Some(rt), _) => Op::LdBIndJeqRt { k, c, rt, f },
                    (None, Some(rf)) => Op::LdBIndJeqRf { k, c, t, rf },
                    _ => continue,
                },
                _ => continue,
            };
        }
        for i in 0..n {
            let (cond, c, t, f) = match ops[i] {
                Op::JeqK { c, t, f } => (Cond::Eq, c, t, f),
                Op::JgtK { c, t, f } => (Cond::Gt, c, t, f),
                Op::JgeK { c, t, f } => (Cond::Ge, c, t, f),
                Op::JsetK { c, t, f } => (Cond::Set, c, t, f),
                _ => continue,
            };
            ops[i] = match (cond, ret_at(&ops, t), ret_at(&ops, f)) {
                (_, None, None) => continue,
                (Cond::Eq, Some(rt), None) => Op::JeqKRt { c, rt, f },
                (Cond::Eq, None, Some(rf)) => Op::JeqKRf { c, t, rf },
                (Cond::Eq, Some(rt), Some(rf)) => Op::JeqKR2 { c, rt, rf },
                (Cond::Gt, Some(rt), None) => Op::JgtKRt { c, rt, f },
                (Cond::Gt, None, Some(rf)) => Op::JgtKRf { c, t, rf },
                (Cond::Gt, Some(rt), Some(rf)) => Op::JgtKR2 { c, rt, rf },
                (Cond::Ge, Some(rt), None) => Op::JgeKRt { c, rt, f },
                (Cond::Ge, None, Some(rf)) => Op::JgeKRf { c, t, rf },
                (Cond::Ge, Some(rt), Some(rf)) => Op::JgeKR2 { c, rt, rf },
                (Cond::Set, Some(rt), None) => Op::JsetKRt { c, rt, f },
                (Cond::Set, None, Some(rf)) => Op::JsetKRf { c, t, rf },
                (Cond::Set, Some(rt), Some(rf)) => Op::JsetKR2 { c, rt, rf },
            };
        }
        let mem = prog
            .iter()
            .any(|i| matches!(i.code, 0x60 | 0x61 | 0x02 | 0x03));
        let (run, size): (RunFn, usize) = match (ops.len(), mem) {
            (0..=SMALL, false) => (run_table::<SMALL, false>, SMALL),
            (0..=SMALL, true) => (run_table::<SMALL, true>, SMALL),
            (0..=MEDIUM, false) => (run_table::<MEDIUM, false>, MEDIUM),
            (0..=MEDIUM, true) => (run_table::<MEDIUM, true>, MEDIUM),
            (_, false) => (run_large::<false>, 0),
            (_, true) => (run_large::<true>, 0),
        };
        if ops.len() < size {
            ops.resize(size, Op::Reject);
        }
        Program {
            ops: ops.into_boxed_slice(),
            plain: Box::new([]),
            run,
        }
    }

    /// [`crate::bpf::filter`] for this program.
    #[inline]
    pub fn filter(&self, pkt: &[u8], wirelen: u32) -> u32 {
        self.run(pkt, wirelen, None)
    }

    /// [`crate::bpf::filter_with_aux`] for this program.
    #[inline]
    pub fn filter_with_aux(&self, pkt: &[u8], wirelen: u32, aux: &Aux) -> u32 {
        self.run(pkt, wirelen, Some(aux))
    }

    #[inline]
    fn run(&self, pkt: &[u8], wirelen: u32, aux: Option<&Aux>) -> u32 {
        (self.run)(self, pkt, wirelen, aux)
    }
}

fn decode(ins: &Insn, i: usize, tgt: &dyn Fn(usize, i64) -> Tgt) -> Op {
    let k = ins.k;
    let from = i + 1;
    let t = tgt(from, ins.jt as i64);
    let f = tgt(from, ins.jf as i64);
    let mem = |k: u32| -> Option<u8> { (k < 16).then_some(k as u8) };
    match ins.code {
        0x06 => Op::RetK(k),
        0x16 => Op::RetA,
        0x00 => Op::LdImm(k),
        0x01 => Op::LdxImm(k),
        0x20 => Op::LdW(k),
        0x28 => Op::LdH(k),
        0x30 => match k {
            AD_VLAN_TAG => Op::LdVlanTag,
            AD_VLAN_TAG_PRESENT => Op::LdVlanPresent,
            _ => Op::LdB(k),
        },
        0x80 => Op::LdLen,
        0x81 => Op::LdxLen,
        0x40 => Op::LdWInd(k),
        0x48 => Op::LdHInd(k),
        0x50 => Op::LdBInd(k),
        0xb1 => Op::Ldxb(k),
        0x60 => mem(k).map_or(Op::Reject, Op::LdMem),
        0x61 => mem(k).map_or(Op::Reject, Op::LdxMem),
        0x02 => mem(k).map_or(Op::Reject, Op::St),
        0x03 => mem(k).map_or(Op::Reject, Op::Stx),
        0x05 => {
            let to = tgt(from, k as i32 as i64);
            if k & 0x8000_0000 != 0 {
                Op::JaBack(to)
            } else {
                Op::Ja(to)
            }
        }
        0x15 => Op::JeqK { c: k, t, f },
        0x25 => Op::JgtK { c: k, t, f },
        0x35 => Op::JgeK { c: k, t, f },
        0x45 => Op::JsetK { c: k, t, f },
        0x1d => Op::JeqX { t, f },
        0x2d => Op::JgtX { t, f },
        0x3d => Op::JgeX { t, f },
        0x4d => Op::JsetX { t, f },
        0x0c => Op::AddX,
        0x1c => Op::SubX,
        0x2c => Op::MulX,
        0x3c => Op::DivX,
        0x9c => Op::ModX,
        0x5c => Op::AndX,
        0x4c => Op::OrX,
        0xac => Op::XorX,
        0x6c => Op::LshX,
        0x7c => Op::RshX,
        0x04 => Op::AddK(k),
        0x14 => Op::SubK(k),
        0x24 => Op::MulK(k),
        0x34 if k == 0 => Op::Reject,
        0x34 => Op::DivK(k),
        0x94 if k == 0 => Op::Reject,
        0x94 => Op::ModK(k),
        0x54 => Op::AndK(k),
        0x44 => Op::OrK(k),
        0xa4 => Op::XorK(k),
        // libpcap shifts by the raw constant; x86 masks the count to 5 bits.
        0x64 => Op::LshK(k & 31),
        0x74 => Op::RshK(k & 31),
        0x84 => Op::Neg,
        0x07 => Op::Tax,
        0x87 => Op::Txa,
        _ => Op::Reject,
    }
}

#[inline(always)]
fn ld_w(p: &[u8], k: usize) -> Option<u32> {
    let b: [u8; 4] = p.get(k..k + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

#[inline(always)]
fn ld_h(p: &[u8], k: usize) -> Option<u32> {
    let b: [u8; 2] = p.get(k..k + 2)?.try_into().ok()?;
    Some(u16::from_be_bytes(b) as u32)
}

#[inline(always)]
fn ld_b(p: &[u8], k: usize) -> Option<u32> {
    p.get(k).map(|&b| b as u32)
}

#[inline(always)]
fn jump(cond: bool, t: Tgt, f: Tgt) -> usize {
    if cond {
        t as usize
    } else {
        f as usize
    }
}

/// Operation lookup by index.
trait OpsAt {
    fn at(&self, pc: usize) -> &Op;
}

impl<const N: usize> OpsAt for [Op; N] {
    #[inline(always)]
    fn at(&self, pc: usize) -> &Op {
        // Every target is below N (a power of two): the mask only removes
        // the bounds check.
        &self[pc % N]
    }
}

impl OpsAt for [Op] {
    #[inline(always)]
    fn at(&self, pc: usize) -> &Op {
        match self.get(pc) {
            Some(op) => op,
            None => &Op::Reject,
        }
    }
}

/// The interpreter loop over decoded operations. `MEM`: the program uses
/// scratch memory (without it the memory array is optimised away).
#[inline(always)]
fn exec<O: OpsAt + ?Sized, const MEM: bool>(
    ops: &O,
    p: &[u8],
    wirelen: u32,
    aux: Option<&Aux>,
) -> u32 {
    let mut a: u32 = 0;
    let mut x: u32 = 0;
    let mut mem = [0u32; bpf::BPF_MEMWORDS];
    let mut pc: usize = 0;
    let mut back_jumps: u32 = 0;
    macro_rules! ld {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return 0,
            }
        };
    }
    loop {
        let op = ops.at(pc);
        match *op {
            Op::Reject => return 0,
            Op::RetK(k) => return k,
            Op::RetA => return a,
            Op::LdImm(k) => {
                a = k;
                pc += 1;
            }
            Op::LdxImm(k) => {
                x = k;
                pc += 1;
            }
            Op::LdLen => {
                a = wirelen;
                pc += 1;
            }
            Op::LdxLen => {
                x = wirelen;
                pc += 1;
            }
            Op::LdW(k) => {
                a = ld!(ld_w(p, k as usize));
                pc += 1;
            }
            Op::LdH(k) => {
                a = ld!(ld_h(p, k as usize));
                pc += 1;
            }
            Op::LdB(k) => {
                a = ld!(ld_b(p, k as usize));
                pc += 1;
            }
            Op::LdVlanTag => match aux {
                Some(ad) => {
                    a = ad.vlan_tag as u32;
                    pc += 1;
                }
                None => return 0,
            },
            Op::LdVlanPresent => match aux {
                Some(ad) => {
                    a = ad.vlan_tag_present as u32;
                    pc += 1;
                }
                None => return 0,
            },
            Op::LdWInd(k) => {
                a = ld!(ld_w(p, x as usize + k as usize));
                pc += 1;
            }
            Op::LdHInd(k) => {
                a = ld!(ld_h(p, x as usize + k as usize));
                pc += 1;
            }
            Op::LdBInd(k) => {
                a = ld!(ld_b(p, x as usize + k as usize));
                pc += 1;
            }
            Op::Ldxb(k) => {
                x = (ld!(ld_b(p, k as usize)) & 0xf) << 2;
                pc += 1;
            }
            Op::LdxbLdHInd { k, c } => {
                x = (ld!(ld_b(p, k as usize)) & 0xf) << 2;
                a = ld!(ld_h(p, x as usize + c as usize));
                pc += 2;
            }
            Op::LdxbLdBInd { k, c } => {
                x = (ld!(ld_b(p, k as usize)) & 0xf) << 2;
                a = ld!(ld_b(p, x as usize + c as usize));
                pc += 2;
            }
            Op::LdMem(m) if MEM => {
                a = mem[(m & 15) as usize];
                pc += 1;
            }
            Op::LdxMem(m) if MEM => {
                x = mem[(m & 15) as usize];
                pc += 1;
            }
            Op::St(m) if MEM => {
                mem[(m & 15) as usize] = a;
                pc += 1;
            }
            Op::Stx(m) if MEM => {
                mem[(m & 15) as usize] = x;
                pc += 1;
            }
            Op::LdWIndJeq { k, c, t, f } => {
                a = ld!(ld_w(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdImmSt { k, m } if MEM => {
                a = k;
                mem[(m & 15) as usize] = a;
                pc += 2;
            }
            Op::LdxMemLdMem { m, n } if MEM => {
                x = mem[(m & 15) as usize];
                a = mem[(n & 15) as usize];
                pc += 2;
            }
            Op::LdxMemLdHInd { m, k } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_h(p, x as usize + k as usize));
                pc += 2;
            }
            Op::LdxMemLdBInd { m, k } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_b(p, x as usize + k as usize));
                pc += 2;
            }
            Op::LdxMemLdWInd { m, k } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_w(p, x as usize + k as usize));
                pc += 2;
            }
            Op::LdxMemLdHIndJeq { m, k, c, t, f } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_h(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdxMemLdBIndJeq { m, k, c, t, f } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_b(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdxMemLdWIndJeq { m, k, c, t, f } if MEM => {
                x = mem[(m & 15) as usize];
                a = ld!(ld_w(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdMem(_)
            | Op::LdxMem(_)
            | Op::St(_)
            | Op::Stx(_)
            | Op::LdImmSt { .. }
            | Op::LdxMemLdMem { .. }
            | Op::LdxMemLdHInd { .. }
            | Op::LdxMemLdBInd { .. }
            | Op::LdxMemLdWInd { .. }
            | Op::LdxMemLdHIndJeq { .. }
            | Op::LdxMemLdBIndJeq { .. }
            | Op::LdxMemLdWIndJeq { .. } => return 0,
            Op::Ja(t) => pc = t as usize,
            Op::JaBack(t) => {
                back_jumps += 1;
                if back_jumps > MAX_BACK_JUMPS {
                    return 0;
                }
                pc = t as usize;
            }
            Op::JeqK { c, t, f } => pc = jump(a == c, t, f),
            Op::JgtK { c, t, f } => pc = jump(a > c, t, f),
            Op::JgeK { c, t, f } => pc = jump(a >= c, t, f),
            Op::JsetK { c, t, f } => pc = jump(a & c != 0, t, f),
            Op::JeqX { t, f } => pc = jump(a == x, t, f),
            Op::JgtX { t, f } => pc = jump(a > x, t, f),
            Op::JgeX { t, f } => pc = jump(a >= x, t, f),
            Op::JsetX { t, f } => pc = jump(a & x != 0, t, f),
            Op::LdHJeq { k, c, t, f } => {
                a = ld!(ld_h(p, k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdHJgt { k, c, t, f } => {
                a = ld!(ld_h(p, k as usize));
                pc = jump(a > c, t, f);
            }
            Op::LdHJge { k, c, t, f } => {
                a = ld!(ld_h(p, k as usize));
                pc = jump(a >= c, t, f);
            }
            Op::LdHJset { k, c, t, f } => {
                a = ld!(ld_h(p, k as usize));
                pc = jump(a & c != 0, t, f);
            }
            Op::LdBJeq { k, c, t, f } => {
                a = ld!(ld_b(p, k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdBJgt { k, c, t, f } => {
                a = ld!(ld_b(p, k as usize));
                pc = jump(a > c, t, f);
            }
            Op::LdBJge { k, c, t, f } => {
                a = ld!(ld_b(p, k as usize));
                pc = jump(a >= c, t, f);
            }
            Op::LdBJset { k, c, t, f } => {
                a = ld!(ld_b(p, k as usize));
                pc = jump(a & c != 0, t, f);
            }
            Op::LdWJeq { k, c, t, f } => {
                a = ld!(ld_w(p, k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdWJgt { k, c, t, f } => {
                a = ld!(ld_w(p, k as usize));
                pc = jump(a > c, t, f);
            }
            Op::LdWJge { k, c, t, f } => {
                a = ld!(ld_w(p, k as usize));
                pc = jump(a >= c, t, f);
            }
            Op::LdWJset { k, c, t, f } => {
                a = ld!(ld_w(p, k as usize));
                pc = jump(a & c != 0, t, f);
            }
            Op::LdHIndJeq { k, c, t, f } => {
                a = ld!(ld_h(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdHIndJgt { k, c, t, f } => {
                a = ld!(ld_h(p, x as usize + k as usize));
                pc = jump(a > c, t, f);
            }
            Op::LdHIndJge { k, c, t, f } => {
                a = ld!(ld_h(p, x as usize + k as usize));
                pc = jump(a >= c, t, f);
            }
            Op::LdBIndJeq { k, c, t, f } => {
                a = ld!(ld_b(p, x as usize + k as usize));
                pc = jump(a == c, t, f);
            }
            Op::LdBIndJset { k, c, t, f } => {
                a = ld!(ld_b(p, x as usize + k as usize));
                pc = jump(a & c != 0, t, f);
            }
            Op::LdHJeqRt { k, c, rt, f } => {
                a = ld!(ld_h(p, k as usize));
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdHJeqRf { k, c, t, rf } => {
                a = ld!(ld_h(p, k as usize));
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdBJeqRt { k, c, rt, f } => {
                a = ld!(ld_b(p, k as usize));
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdBJeqRf { k, c, t, rf } => {
                a = ld!(ld_b(p, k as usize));
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdWJeqRt { k, c, rt, f } => {
                a = ld!(ld_w(p, k as usize));
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdWJeqRf { k, c, t, rf } => {
                a = ld!(ld_w(p, k as usize));
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdHJsetRt { k, c, rt, f } => {
                a = ld!(ld_h(p, k as usize));
                if a & c != 0 {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdHJsetRf { k, c, t, rf } => {
                a = ld!(ld_h(p, k as usize));
                if a & c == 0 {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdBJsetRt { k, c, rt, f } => {
                a = ld!(ld_b(p, k as usize));
                if a & c != 0 {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdBJsetRf { k, c, t, rf } => {
                a = ld!(ld_b(p, k as usize));
                if a & c == 0 {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdHIndJeqRt { k, c, rt, f } => {
                a = ld!(ld_h(p, x as usize + k as usize));
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdHIndJeqRf { k, c, t, rf } => {
                a = ld!(ld_h(p, x as usize + k as usize));
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::LdBIndJeqRt { k, c, rt, f } => {
                a = ld!(ld_b(p, x as usize + k as usize));
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::LdBIndJeqRf { k, c, t, rf } => {
                a = ld!(ld_b(p, x as usize + k as usize));
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::JeqKRt { c, rt, f } => {
                if a == c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::JeqKRf { c, t, rf } => {
                if a != c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::JeqKR2 { c, rt, rf } => return if a == c { rt } else { rf },
            Op::JgtKRt { c, rt, f } => {
                if a > c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::JgtKRf { c, t, rf } => {
                if a <= c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::JgtKR2 { c, rt, rf } => return if a > c { rt } else { rf },
            Op::JgeKRt { c, rt, f } => {
                if a >= c {
                    return rt;
                }
                pc = f as usize;
            }
            Op::JgeKRf { c, t, rf } => {
                if a < c {
                    return rf;
                }
                pc = t as usize;
            }
            Op::JgeKR2 { c, rt, rf } => return if a >= c { rt } else { rf },
            Op::JsetKRt { c, rt, f } => {
                if a & c != 0 {
                    return rt;
                }
                pc = f as usize;
            }
            Op::JsetKRf { c, t, rf } => {
                if a & c == 0 {
                    return rf;
                }
                pc = t as usize;
            }
            Op::JsetKR2 { c, rt, rf } => return if a & c != 0 { rt } else { rf },
            Op::AndJeq { k, c, t, f } => {
                a &= k;
                pc = jump(a == c, t, f);
            }
            Op::AddX => {
                a = a.wrapping_add(x);
                pc += 1;
            }
            Op::SubX => {
                a = a.wrapping_sub(x);
                pc += 1;
            }
            Op::MulX => {
                a = a.wrapping_mul(x);
                pc += 1;
            }
            Op::DivX => {
                if x == 0 {
                    return 0;
                }
                a /= x;
                pc += 1;
            }
            Op::ModX => {
                if x == 0 {
                    return 0;
                }
                a %= x;
                pc += 1;
            }
            Op::AndX => {
                a &= x;
                pc += 1;
            }
            Op::OrX => {
                a |= x;
                pc += 1;
            }
            Op::XorX => {
                a ^= x;
                pc += 1;
            }
            Op::LshX => {
                a = if x < 32 { a << x } else { 0 };
                pc += 1;
            }
            Op::RshX => {
                a = if x < 32 { a >> x } else { 0 };
                pc += 1;
            }
            Op::AddK(k) => {
                a = a.wrapping_add(k);
                pc += 1;
            }
            Op::SubK(k) => {
                a = a.wrapping_sub(k);
                pc += 1;
            }
            Op::MulK(k) => {
                a = a.wrapping_mul(k);
                pc += 1;
            }
            Op::DivK(k) => match a.checked_div(k) {
                Some(v) => {
                    a = v;
                    pc += 1;
                }
                None => return 0,
            },
            Op::ModK(k) => match a.checked_rem(k) {
                Some(v) => {
                    a = v;
                    pc += 1;
                }
                None => return 0,
            },
            Op::AndK(k) => {
                a &= k;
                pc += 1;
            }
            Op::OrK(k) => {
                a |= k;
                pc += 1;
            }
            Op::XorK(k) => {
                a ^= k;
                pc += 1;
            }
            Op::LshK(k) => {
                a = a.wrapping_shl(k);
                pc += 1;
            }
            Op::RshK(k) => {
                a = a.wrapping_shr(k);
                pc += 1;
            }
            Op::Neg => {
                a = a.wrapping_neg();
                pc += 1;
            }
            Op::Tax => {
                x = a;
                pc += 1;
            }
            Op::Txa => {
                a = x;
                pc += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::{filter, filter_with_aux};

    #[test]
    fn op_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 16);
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 16) as u32
        }
        fn below(&mut self, n: u32) -> u32 {
            self.next() % n
        }
    }

    const CODES: [u16; 60] = [
        0x06, 0x16, 0x00, 0x01, 0x20, 0x28, 0x30, 0x80, 0x81, 0x40, 0x48, 0x50, 0xb1, 0x60, 0x61,
        0x02, 0x03, 0x05, 0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, 0x0c, 0x1c, 0x2c, 0x3c,
        0x9c, 0x5c, 0x4c, 0xac, 0x6c, 0x7c, 0x04, 0x14, 0x24, 0x34, 0x94, 0x54, 0x44, 0xa4, 0x64,
        0x74, 0x84, 0x07, 0x87, 0x28, 0x30, 0x15, 0x15, 0x45, 0x28, 0x30, 0x48, 0x21, 0xff, 0x0e,
    ];

    fn random_insn(r: &mut Rng, n: usize) -> Insn {
        let code = CODES[r.below(CODES.len() as u32) as usize];
        let k = match r.below(8) {
            0 => r.next(),
            1 => bpf::SKF_AD_OFF + 4 * r.below(16),
            2 => r.below(20),
            3 => 0xffff_fff0 + r.below(16),
            _ => r.below(80),
        };
        let span = (n as u32).max(1) + 3;
        Insn {
            code,
            jt: r.below(span) as u8,
            jf: r.below(span) as u8,
            k,
        }
    }

    /// Program::filter == bpf::filter on random (mostly invalid) programs
    /// of every size class, with and without the VLAN ancillary data.
    #[test]
    fn same_results_as_plain_interpreter() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..6000 {
            let n = match round % 10 {
                0 => 1 + r.below(3) as usize,
                9 => 250 + r.below(20) as usize,
                _ => 2 + r.below(40) as usize,
            };
            let mut prog: Vec<Insn> = (0..n).map(|_| random_insn(&mut r, n)).collect();
            if round % 2 == 0 {
                prog.push(Insn::stmt(0x16, 0));
            }
            let compiled = Program::new(&prog);
            for _ in 0..8 {
                let len = r.below(90) as usize;
                let pkt: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
                let wl = len as u32 + r.below(3);
                assert_eq!(
                    compiled.filter(&pkt, wl),
                    filter(&prog, &pkt, wl),
                    "{prog:?} {pkt:?}"
                );
                let aux = Aux {
                    vlan_tag: r.next() as u16,
                    vlan_tag_present: r.below(2) == 1,
                };
                assert_eq!(
                    compiled.filter_with_aux(&pkt, wl, &aux),
                    filter_with_aux(&prog, &pkt, wl, &aux)
                );
            }
        }
    }

    #[test]
    fn fused_pairs_and_jumps_into_them() {
        // ldh [12]; jeq #0x800 (target of the ja); ret #1; ret #2
        let prog = [
            Insn::jump(0x15, 0x800, 1, 0),
            Insn::stmt(0x28, 12),
            Insn::jump(0x15, 0x800, 0, 1),
            Insn::stmt(0x06, 1),
            Insn::stmt(0x06, 2),
        ];
        let p = Program::new(&prog);
        let mut pkt = [0u8; 14];
        assert_eq!(p.filter(&pkt, 14), 2);
        pkt[12] = 8;
        assert_eq!(p.filter(&pkt, 14), 1);
        assert_eq!(p.filter(&pkt[..13], 14), 0);
        // ldxb 4*([14]&0xf); ldh [x+14]; jeq #80
        let prog = [
            Insn::stmt(0xb1, 0),
            Insn::stmt(0x48, 2),
            Insn::jump(0x15, 80, 0, 1),
            Insn::stmt(0x06, 7),
            Insn::stmt(0x16, 0),
        ];
        let p = Program::new(&prog);
        assert_eq!(p.filter(&[0x41, 0, 0, 0, 0, 0, 0, 80], 8), 7);
        assert_eq!(p.filter(&[0x41, 0, 0, 0, 0, 0, 0, 81], 8), 81);
        assert_eq!(p.filter(&[0x41, 0, 0, 0, 0, 0, 0], 8), 0);
        // empty program accepts, long programs use the plain interpreter
        assert_eq!(Program::new(&[]).filter(&[], 0), u32::MAX);
        let mut long = vec![Insn::stmt(0x04, 1); 70_000];
        long.push(Insn::stmt(0x16, 0));
        assert_eq!(Program::new(&long).filter(&[], 0), 70_000);
        let mut mid = vec![Insn::stmt(0x04, 1); 1000];
        mid.push(Insn::stmt(0x02, 3));
        mid.push(Insn::stmt(0x61, 3));
        mid.push(Insn::stmt(0x87, 0));
        mid.push(Insn::stmt(0x16, 0));
        assert_eq!(Program::new(&mid).filter(&[], 0), 1000);
        // table boundaries: 256 and 4096 operations (instructions + Reject)
        for n in [254usize, 255, 256, 4094, 4095, 4096, 5000] {
            let mut p = vec![Insn::stmt(0x04, 1); n - 1];
            p.push(Insn::stmt(0x16, 0));
            assert_eq!(Program::new(&p).filter(&[], 0), n as u32 - 1);
            // falling off the end rejects
            p.pop();
            assert_eq!(Program::new(&p).filter(&[], 0), 0);
            // a jump to the last instruction from the first
            let mut q = vec![Insn::stmt(0x06, 9); n];
            q[0] = Insn::stmt(0x05, n as u32 - 2);
            q[n - 1] = Insn::stmt(0x06, 7);
            assert_eq!(Program::new(&q).filter(&[], 0), 7);
        }
    }
}
