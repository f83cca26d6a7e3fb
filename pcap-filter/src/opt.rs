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

const BUDGET: usize = 200_000;

pub fn rejects_all(prog: &[Insn]) -> bool {
    let init = St {
        a: V::Const(0),
        x: V::Const(0),
        mem: [V::Const(0); 16],
        facts: HashMap::new(),
        eq: HashMap::new(),
    };
    let mut work = 0usize;
    let mut stack = vec![(0usize, init)];
    while let Some((mut pc, mut st)) = stack.pop() {
        loop {
            work += 1;
            if work > BUDGET {
                return false;
            }
            let Some(ins) = prog.get(pc) else {
                break;
            };
            pc += 1;
            let k = ins.k;
            match class(ins.code) {
                BPF_RET => {
                    let v = if ins.code == BPF_RET | BPF_K {
                        V::Const(k)
                    } else {
                        st.a
                    };
                    if v != V::Const(0) {
                        return false;
                    }
                    break;
                }
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
                BPF_JMP => {
                    if op(ins.code) == BPF_JA {
                        pc = pc.wrapping_add(k as usize);
                        continue;
                    }
                    let rhs = if src(ins.code) == BPF_X {
                        st.x
                    } else {
                        V::Const(k)
                    };
                    let decided = decide(&st, ins.code, st.a, rhs);
                    let tpc = pc + ins.jt as usize;
                    let fpc = pc + ins.jf as usize;
                    match decided {
                        Some(true) => pc = tpc,
                        Some(false) => pc = fpc,
                        None => {
                            let key_k = match rhs {
                                V::Const(c) => c,
                                V::Sym(s) => s as u32,
                            };
                            let mut stf = st.clone();
                            stf.facts.insert((st.a, ins.code, key_k), false);
                            st.facts.insert((st.a, ins.code, key_k), true);
                            if ins.code == BPF_JMP | BPF_JEQ | BPF_K {
                                st.eq.insert(st.a, k);
                            }
                            stack.push((fpc, stf));
                            pc = tpc;
                        }
                    }
                }
                _ => break,
            }
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
