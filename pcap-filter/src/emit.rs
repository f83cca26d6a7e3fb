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

pub fn to_insns(blocks: &[Block], root: B) -> R<Vec<Insn>> {
    let n = blocks.len();
    let mut longjt = vec![0usize; n];
    let mut longjf = vec![0usize; n];
    loop {
        // count (reachable blocks)
        let mut mark = vec![false; n];
        let mut stack = vec![root];
        let mut total = 0usize;
        while let Some(p) = stack.pop() {
            if mark[p] {
                continue;
            }
            mark[p] = true;
            let b = &blocks[p];
            total += slen(b) + 1 + longjt[p] + longjf[p];
            if let Some(j) = b.jt {
                stack.push(j);
            }
            if let Some(j) = b.jf {
                stack.push(j);
            }
        }
        let mut out = vec![Insn::default(); total];
        let mut ftail = total;
        let mut offset = vec![0usize; n];
        let mut mark = vec![false; n];
        // post-order: JF subtree, JT subtree, then the block itself
        let mut stack: Vec<(B, u8)> = vec![(root, 0)];
        let mut retry = false;
        while let Some((p, st)) = stack.pop() {
            let b = &blocks[p];
            match st {
                0 => {
                    if mark[p] {
                        continue;
                    }
                    mark[p] = true;
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
                    let slen = slen(b);
                    let start = ftail - (slen + 1 + longjt[p] + longjf[p]);
                    ftail = start;
                    offset[p] = start;
                    let live = b.stmts.iter().filter(|s| s.code != NOP);
                    for (i, s) in live.enumerate() {
                        let d = &mut out[start + i];
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
                            let jt = t as i64 - i as i64 - 1;
                            let jf = f as i64 - i as i64 - 1;
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
                        let off = offset[jt] as i64 - (start + slen) as i64 - 1;
                        if off >= 256 && longjt[p] == 0 {
                            longjt[p] += 1;
                            retry = true;
                        } else if off >= 256 {
                            out[di].jt = extra as u8;
                            extra += 1;
                            out[di + extra] =
                                Insn::stmt(BPF_JMP | BPF_JA, (off - extra as i64) as u32);
                        } else {
                            out[di].jt = off as u8;
                        }
                        let off = offset[jf] as i64 - (start + slen) as i64 - 1;
                        if off >= 256 && longjf[p] == 0 {
                            longjf[p] += 1;
                            retry = true;
                        } else if off >= 256 {
                            out[di].jf = extra as u8;
                            extra += 1;
                            out[di + extra] =
                                Insn::stmt(BPF_JMP | BPF_JA, (off - extra as i64) as u32);
                        } else {
                            out[di].jf = off as u8;
                        }
                    }
                }
            }
        }
        if !retry {
            return Ok(out);
        }
    }
}
