//! "expression rejects all packets": a path analysis in the spirit of
//! libpcap's optimizer. Values are numbered symbolically (same load, same
//! value); along each path the outcomes of earlier tests on the same value
//! decide later identical tests, and a true `jeq #k` decides other `jeq`s on
//! that value. If no feasible path reaches a non-zero `ret`, the program
//! rejects everything. Work is bounded; when the bound is hit the answer is
//! "does not reject all" (never a false error).

use crate::bpf::*;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum V {
    Const(u32),
    Sym(u64),
}

fn h<T: Hash>(t: T) -> u64 {
    let mut s = DefaultHasher::new();
    t.hash(&mut s);
    s.finish()
}

#[derive(Clone)]
struct St {
    a: V,
    x: V,
    mem: [V; 16],
    /// (value, code, k) -> outcome of that test on this path
    facts: HashMap<(V, u16, u32), bool>,
    /// values known equal to a constant (from a true jeq)
    eq: HashMap<V, u32>,
}

const BUDGET: usize = 400_000;

/// Result of following one edge: threaded through straight-line code and
/// decided jumps, it stops at an undecided jump (merge point) or a `ret`.
enum Stop {
    Jump(usize, Box<St>),
    Accept,
    Reject,
    Budget,
}

fn merge(into: &mut St, other: &St, pc: usize) {
    into.facts.retain(|k, v| other.facts.get(k) == Some(v));
    into.eq.retain(|k, v| other.eq.get(k) == Some(v));
    if into.a != other.a {
        into.a = V::Sym(h(("mergeA", pc)));
    }
    if into.x != other.x {
        into.x = V::Sym(h(("mergeX", pc)));
    }
    for i in 0..16 {
        if into.mem[i] != other.mem[i] {
            into.mem[i] = V::Sym(h(("mergeM", pc, i)));
        }
    }
}

/// Follow the program from `pc` with state `st` until an undecided jump.
fn thread(prog: &[Insn], mut pc: usize, mut st: St, work: &mut usize) -> Stop {
    loop {
        *work += 1;
        if *work > BUDGET {
            return Stop::Budget;
        }
        let Some(ins) = prog.get(pc) else {
            return Stop::Reject;
        };
        let k = ins.k;
        match class(ins.code) {
            BPF_RET => {
                let v = if ins.code == BPF_RET | BPF_K {
                    V::Const(k)
                } else {
                    st.a
                };
                return if v == V::Const(0) {
                    Stop::Reject
                } else {
                    Stop::Accept
                };
            }
            BPF_JMP => {
                if op(ins.code) == BPF_JA {
                    pc = pc.wrapping_add(1).wrapping_add(k as i32 as isize as usize);
                    continue;
                }
                let rhs = if src(ins.code) == BPF_X {
                    st.x
                } else {
                    V::Const(k)
                };
                match decide(&st, ins.code, st.a, rhs) {
                    Some(true) => pc = pc + 1 + ins.jt as usize,
                    Some(false) => pc = pc + 1 + ins.jf as usize,
                    None => return Stop::Jump(pc, Box::new(st)),
                }
                continue;
            }
            _ => step(&mut st, ins, pc),
        }
        pc += 1;
    }
}

fn step(st: &mut St, ins: &Insn, pc: usize) {
    let k = ins.k;
    match class(ins.code) {
        BPF_LD | BPF_LDX => {
            let v = match mode(ins.code) {
                BPF_IMM => V::Const(k),
                BPF_ABS => V::Sym(h((ins.code & !1, k))),
                BPF_IND => V::Sym(h((ins.code, k, st.x))),
                BPF_MSH => V::Sym(h((ins.code, k))),
                BPF_LEN => V::Sym(h("len")),
                BPF_MEM => st.mem[(k as usize) & 15],
                _ => V::Sym(h(("?", pc))),
            };
            if class(ins.code) == BPF_LD {
                st.a = v;
            } else {
                st.x = v;
            }
        }
        BPF_ST => st.mem[(k as usize) & 15] = st.a,
        BPF_STX => st.mem[(k as usize) & 15] = st.x,
        BPF_MISC => {
            if ins.code == BPF_MISC | BPF_TAX {
                st.x = st.a;
            } else {
                st.a = st.x;
            }
        }
        BPF_ALU => {
            let rhs = if src(ins.code) == BPF_X {
                st.x
            } else {
                V::Const(k)
            };
            st.a = match (st.a, rhs) {
                (V::Const(a), V::Const(b)) => match alu(op(ins.code), a, b) {
                    Some(r) => V::Const(r),
                    None => V::Sym(h(("div0", pc))),
                },
                (a, b) => V::Sym(h((op(ins.code), a, b))),
            };
        }
        _ => {}
    }
}

pub fn rejects_all(prog: &[Insn]) -> bool {
    let init = St {
        a: V::Sym(h("A0")),
        x: V::Sym(h("X0")),
        mem: std::array::from_fn(|i| V::Sym(h(("M0", i)))),
        facts: HashMap::new(),
        eq: HashMap::new(),
    };
    let mut work = 0usize;
    // merged states at undecided jumps, processed in program order
    let mut pending: std::collections::BTreeMap<usize, St> = std::collections::BTreeMap::new();
    let edge = |pc: usize,
                st: St,
                pending: &mut std::collections::BTreeMap<usize, St>,
                work: &mut usize|
     -> Option<bool> {
        match thread(prog, pc, st, work) {
            Stop::Accept | Stop::Budget => Some(false),
            Stop::Reject => None,
            Stop::Jump(jpc, st) => {
                match pending.get_mut(&jpc) {
                    Some(cur) => merge(cur, &st, jpc),
                    None => {
                        pending.insert(jpc, *st);
                    }
                }
                None
            }
        }
    };
    if let Some(r) = edge(0, init, &mut pending, &mut work) {
        return r;
    }
    while let Some((pc, st)) = pending.pop_first() {
        let ins = prog[pc];
        let rhs = if src(ins.code) == BPF_X {
            st.x
        } else {
            V::Const(ins.k)
        };
        let key_k = match rhs {
            V::Const(c) => c,
            V::Sym(s) => s as u32,
        };
        let mut stt = st.clone();
        let mut stf = st;
        stt.facts.insert((stt.a, ins.code, key_k), true);
        stf.facts.insert((stf.a, ins.code, key_k), false);
        if ins.code == BPF_JMP | BPF_JEQ | BPF_K {
            stt.eq.insert(stt.a, ins.k);
        }
        if let Some(r) = edge(pc + 1 + ins.jt as usize, stt, &mut pending, &mut work) {
            return r;
        }
        if let Some(r) = edge(pc + 1 + ins.jf as usize, stf, &mut pending, &mut work) {
            return r;
        }
    }
    true
}

fn alu(op: u16, a: u32, b: u32) -> Option<u32> {
    Some(match op {
        BPF_ADD => a.wrapping_add(b),
        BPF_SUB => a.wrapping_sub(b),
        BPF_MUL => a.wrapping_mul(b),
        BPF_DIV => a.checked_div(b)?,
        BPF_MOD => a.checked_rem(b)?,
        BPF_AND => a & b,
        BPF_OR => a | b,
        BPF_XOR => a ^ b,
        BPF_LSH => a.checked_shl(b).unwrap_or(0),
        BPF_RSH => a.checked_shr(b).unwrap_or(0),
        BPF_NEG => a.wrapping_neg(),
        _ => return None,
    })
}

fn decide(st: &St, code: u16, a: V, rhs: V) -> Option<bool> {
    if let (V::Const(x), V::Const(y)) = (a, rhs) {
        return Some(match op(code) {
            BPF_JEQ => x == y,
            BPF_JGT => x > y,
            BPF_JGE => x >= y,
            _ => x & y != 0,
        });
    }
    let key_k = match rhs {
        V::Const(c) => c,
        V::Sym(s) => s as u32,
    };
    if let Some(r) = st.facts.get(&(a, code, key_k)) {
        return Some(*r);
    }
    if code == BPF_JMP | BPF_JEQ | BPF_K {
        if let (Some(v), V::Const(c)) = (st.eq.get(&a), rhs) {
            if *v != c {
                return Some(false);
            }
        }
    }
    None
}
