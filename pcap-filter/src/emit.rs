//! Linearisation of the block graph into a BPF program, laid out like
//! libpcap's `icode_to_fcode`/`convert_code_r` (a block, then its true
//! successor's subtree, then its false successor's), with long-jump
//! insertion for branch offsets over 255.

use crate::bpf::*;
use crate::gencode::{Block, B, R};
use crate::optimize::NOP;

fn slen(b: &Block) -> usize {
    b.stmts.iter().filter(|s| s.code != NOP).count()
}

/// Work buffers of `to_insns`, kept per thread between compilations.
#[derive(Default)]
struct Scratch {
    pos: Vec<u32>,
    order: Vec<B>,
    stack: Vec<(B, u8)>,
    slens: Vec<usize>,
    longjt: Vec<bool>,
    longjf: Vec<bool>,
    offset: Vec<usize>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

pub fn to_insns(blocks: &[Block], root: B) -> R<Vec<Insn>> {
    SCRATCH.with(|cell| {
        let mut sc = cell.borrow_mut();
        let r = to_insns_in(blocks, root, &mut sc);
        // very large programs: do not pin their buffers
        if blocks.len() > 4096 {
            *sc = Scratch::default();
        }
        r
    })
}

fn to_insns_in(blocks: &[Block], root: B, sc: &mut Scratch) -> R<Vec<Insn>> {
    let Scratch {
        pos,
        order,
        stack,
        slens,
        longjt,
        longjf,
        offset,
    } = sc;
    // Placement order of the reachable blocks: post-order, JF subtree, JT
    // subtree, then the block itself (each placed in front of the
    // previous ones, so the first placed ends the program).
    pos.clear();
    pos.resize(blocks.len(), u32::MAX);
    order.clear();
    stack.clear();
    stack.push((root, 0));
    while let Some((p, st)) = stack.pop() {
        let b = &blocks[p];
        match st {
            0 => {
                if pos[p] != u32::MAX {
                    continue;
                }
                pos[p] = u32::MAX - 1;
                stack.push((p, 1));
                if let Some(j) = b.jf {
                    stack.push((j, 0));
                }
            }
            1 => {
                stack.push((p, 2));
                if let Some(j) = b.jt {
                    stack.push((j, 0));
                }
            }
            _ => {
                pos[p] = order.len() as u32;
                order.push(p);
            }
        }
    }
    let m = order.len();
    slens.clear();
    slens.extend(order.iter().map(|&p| slen(&blocks[p])));
    longjt.clear();
    longjt.resize(m, false);
    longjf.clear();
    longjf.resize(m, false);
    offset.clear();
    offset.resize(m, 0);
    loop {
        let total: usize = (0..m)
            .map(|i| slens[i] + 1 + longjt[i] as usize + longjf[i] as usize)
            .sum();
        let mut out = vec![Insn::default(); total];
        let mut ftail = total;
        let mut retry = false;
        for (i, &p) in order.iter().enumerate() {
            let b = &blocks[p];
            let slen = slens[i];
            let start = ftail - (slen + 1 + longjt[i] as usize + longjf[i] as usize);
            ftail = start;
            offset[i] = start;
            let live = b.stmts.iter().filter(|s| s.code != NOP);
            for (si, s) in live.enumerate() {
                let d = &mut out[start + si];
                d.code = s.code;
                d.k = s.k;
                if class(s.code) == BPF_JMP && s.code != (BPF_JMP | BPF_JA) {
                    let pos = |id: Option<u32>| {
                        id.and_then(|id| {
                            b.stmts
                                .iter()
                                .filter(|x| x.code != NOP)
                                .position(|x| x.id == id)
                        })
                    };
                    let (Some(t), Some(f)) = (pos(s.jt), pos(s.jf)) else {
                        return Err("no jmp destination".into());
                    };
                    let jt = t as i64 - si as i64 - 1;
                    let jf = f as i64 - si as i64 - 1;
                    if !(0..256).contains(&jt) || !(0..256).contains(&jf) {
                        return Err("out-of-range jump".into());
                    }
                    d.jt = jt as u8;
                    d.jf = jf as u8;
                }
            }
            let di = start + slen;
            out[di].code = b.code;
            out[di].k = b.k;
            if let (Some(jt), Some(jf)) = (b.jt, b.jf) {
                let mut extra = 0usize;
                // Distances only grow as jumps are inserted, so marking
                // every too-long branch of a pass reaches libpcap's
                // fixed point (it marks one per pass) in fewer passes.
                // The true branch first: its long jump comes first.
                for (taken, target, long) in
                    [(true, jt, &mut longjt[i]), (false, jf, &mut longjf[i])]
                {
                    let off = offset[pos[target] as usize] as i64 - (start + slen) as i64 - 1;
                    let field = if off < 256 {
                        off as u8
                    } else if !*long {
                        *long = true;
                        retry = true;
                        continue;
                    } else {
                        // The branch lands on an inserted `ja` after the
                        // block's jump (and after the other branch's).
                        extra += 1;
                        out[di + extra] = Insn::stmt(BPF_JMP | BPF_JA, (off - extra as i64) as u32);
                        (extra - 1) as u8
                    };
                    if taken {
                        out[di].jt = field;
                    } else {
                        out[di].jf = field;
                    }
                }
            }
        }
        if !retry {
            return Ok(out);
        }
    }
}
