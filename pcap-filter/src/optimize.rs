//! The optimizer, following libpcap 1.10.3's optimize.c algorithm on the
//! block graph: value numbering with constant folding, peephole rules,
//! dead-store elimination, jump threading over edge dominators, or/and
//! pull-ups, block interning, and root simplification. Doing the same
//! transformations keeps the same packets accepted (including truncated
//! ones whose loads libpcap removes) and gives the same instructions.

use crate::bpf::*;
use crate::gencode::{Block, B, R};
use std::collections::HashMap;

pub const NOP: u16 = 0xffff;
const A_ATOM: usize = 16;
const X_ATOM: usize = 17;
const AX_ATOM: usize = 18;
const N_ATOMS: usize = 18;

/// A square-ish bit matrix: `rows` bit sets of `bits` bits each, stored
/// flat so that resetting and intersecting rows does not allocate.
struct BitMat {
    words: usize,
    data: Vec<u64>,
}

impl BitMat {
    /// A zeroed matrix in (reused) storage `data`.
    fn with_buf(mut data: Vec<u64>, rows: usize, bits: usize) -> BitMat {
        let words = bits.div_ceil(64).max(1);
        data.clear();
        data.resize(rows * words, 0);
        BitMat { words, data }
    }
    fn row(&self, r: usize) -> &[u64] {
        &self.data[r * self.words..(r + 1) * self.words]
    }
    fn fill(&mut self, v: u64) {
        self.data.fill(v);
    }
    fn clear_row(&mut self, r: usize) {
        let w = self.words;
        self.data[r * w..(r + 1) * w].fill(0);
    }
    fn insert(&mut self, r: usize, i: usize) {
        self.data[r * self.words + i / 64] |= 1 << (i % 64);
    }
    fn has(&self, r: usize, i: usize) -> bool {
        self.data[r * self.words + i / 64] & (1 << (i % 64)) != 0
    }
    /// rows `d1` and `d2` &= row `src` (a row and'ed with itself is
    /// unchanged, so overlapping rows are fine)
    fn intersect_into(&mut self, src: usize, d1: usize, d2: usize) {
        let w = self.words;
        let (s0, a0, b0) = (src * w, d1 * w, d2 * w);
        if s0 + w > self.data.len() || a0 + w > self.data.len() || b0 + w > self.data.len() {
            return;
        }
        for i in 0..w {
            let v = self.data[s0 + i];
            self.data[a0 + i] &= v;
            self.data[b0 + i] &= v;
        }
    }
}

/// Blocks by level, flat: level i is `flat[start[i]..start[i + 1]]`.
#[derive(Default)]
struct Levels {
    flat: Vec<B>,
    start: Vec<usize>,
    pos: Vec<usize>,
}

impl Levels {
    /// Positions of level `i` in `flat`.
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        }
    }
}

impl std::ops::Index<usize> for Levels {
    type Output = [B];
    fn index(&self, i: usize) -> &[B] {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.flat[a..b],
            _ => &[],
        }
    }
}

/// FxHash-style hasher for the value-numbering table (keys are small
/// integers; SipHash's DoS resistance buys nothing here).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(b as u64);
        }
    }
    fn write_u16(&mut self, v: u16) {
        self.add(v as u64);
    }
    fn write_u32(&mut self, v: u32) {
        self.add(v as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

fn atomuse(code: u16, k: u32) -> Option<usize> {
    if code == NOP {
        return None;
    }
    match class(code) {
        BPF_RET => match code & 0x18 {
            BPF_A => Some(A_ATOM),
            BPF_X => Some(X_ATOM),
            _ => None,
        },
        BPF_LD | BPF_LDX => match mode(code) {
            BPF_IND => Some(X_ATOM),
            BPF_MEM => Some(k as usize),
            _ => None,
        },
        BPF_ST => Some(A_ATOM),
        BPF_STX => Some(X_ATOM),
        BPF_JMP | BPF_ALU => {
            if src(code) == BPF_X {
                Some(AX_ATOM)
            } else {
                Some(A_ATOM)
            }
        }
        _ => {
            if code & 0xf8 == BPF_TXA {
                Some(X_ATOM)
            } else {
                Some(A_ATOM)
            }
        }
    }
}

fn atomdef(code: u16, k: u32) -> Option<usize> {
    if code == NOP {
        return None;
    }
    match class(code) {
        BPF_LD | BPF_ALU => Some(A_ATOM),
        BPF_LDX => Some(X_ATOM),
        BPF_ST | BPF_STX => Some(k as usize),
        BPF_MISC => {
            if code & 0xf8 == BPF_TAX {
                Some(X_ATOM)
            } else {
                Some(A_ATOM)
            }
        }
        _ => None,
    }
}

fn amask(a: usize) -> u32 {
    1 << a
}

struct Opt<'b> {
    bl: &'b mut Vec<Block>,
    /// opt id -> arena index
    ids: Vec<B>,
    /// arena index -> opt id
    oid: Vec<usize>,
    n: usize,
    level: Vec<usize>,
    levels: Levels,
    /// reusable traversal buffers
    stack: Vec<(B, u8)>,
    order: Vec<(B, usize)>,
    dom: BitMat,
    edom: BitMat,
    val: Vec<[u32; N_ATOMS]>,
    oval: Vec<u32>,
    in_use: Vec<u32>,
    out_use: Vec<u32>,
    kill: Vec<u32>,
    /// in-edges of block id i: in_flat[in_start[i]..in_start[i + 1]]
    in_start: Vec<usize>,
    in_pos: Vec<usize>,
    in_flat: Vec<usize>,
    /// reusable mark buffer (arena size)
    mark: Vec<bool>,
    vn: HashMap<(u16, u32, u32), u32, FxBuild>,
    /// value number -> constant (u64::MAX: not a constant)
    vconst: Vec<u64>,
    curval: u32,
    done: bool,
    nbm: bool,
    root: B,
}

impl<'b> Opt<'b> {
    fn jt(&self, b: B) -> Option<B> {
        self.bl[b].jt
    }
    fn jf(&self, b: B) -> Option<B> {
        self.bl[b].jf
    }

    fn edge_pred(&self, e: usize) -> B {
        self.ids[e % self.n]
    }
    fn edge_succ(&self, e: usize) -> Option<B> {
        let p = self.edge_pred(e);
        if e < self.n {
            self.bl[p].jt
        } else {
            self.bl[p].jf
        }
    }
    fn set_edge_succ(&mut self, e: usize, s: B) {
        let p = self.edge_pred(e);
        if e < self.n {
            self.bl[p].jt = Some(s);
        } else {
            self.bl[p].jf = Some(s);
        }
    }
    fn edge_code(&self, e: usize) -> i32 {
        let p = self.edge_pred(e);
        let c = self.bl[p].code as i32;
        if e < self.n {
            c
        } else {
            -c
        }
    }

    fn f(&mut self, code: u16, v0: u32, v1: u32) -> u32 {
        let (curval, vconst) = (&mut self.curval, &mut self.vconst);
        *self.vn.entry((code, v0, v1)).or_insert_with(|| {
            *curval += 1;
            let v = *curval;
            if vconst.len() <= v as usize {
                vconst.resize(v as usize + 1, u64::MAX);
            }
            if mode(code) == BPF_IMM && (class(code) == BPF_LD || class(code) == BPF_LDX) {
                vconst[v as usize] = v0 as u64;
            }
            v
        })
    }
    fn k(&mut self, k: u32) -> u32 {
        self.f(BPF_LD | BPF_IMM | BPF_W, k, 0)
    }
    fn cval(&self, v: u32) -> Option<u32> {
        match self.vconst.get(v as usize) {
            Some(&c) if c != u64::MAX => Some(c as u32),
            _ => None,
        }
    }

    fn find_levels(&mut self) {
        let mut mark = std::mem::take(&mut self.mark);
        mark.clear();
        mark.resize(self.bl.len(), false);
        let mut stack = std::mem::take(&mut self.stack);
        let mut order = std::mem::take(&mut self.order);
        stack.clear();
        order.clear();
        let mut maxl = 0;
        // post-order: JT subtree, JF subtree, then the block
        stack.push((self.root, 0));
        while let Some((b, st)) = stack.pop() {
            match st {
                0 => {
                    if mark[b] {
                        continue;
                    }
                    mark[b] = true;
                    stack.push((b, 1));
                    if let Some(t) = self.jt(b) {
                        stack.push((t, 0));
                    }
                }
                1 => {
                    stack.push((b, 2));
                    if let (Some(_), Some(f)) = (self.jt(b), self.jf(b)) {
                        stack.push((f, 0));
                    }
                }
                _ => {
                    let lv = match (self.jt(b), self.jf(b)) {
                        (Some(t), Some(f)) => self.level[t].max(self.level[f]) + 1,
                        _ => 0,
                    };
                    self.level[b] = lv;
                    maxl = maxl.max(lv);
                    order.push((b, lv));
                }
            }
        }
        // libpcap prepends each block to its level's list: within a level
        // the order is the reverse of the visit order
        let lvs = &mut self.levels;
        lvs.start.clear();
        lvs.start.resize(maxl + 2, 0);
        for &(_, lv) in &order {
            lvs.start[lv + 1] += 1;
        }
        for i in 0..=maxl {
            lvs.start[i + 1] += lvs.start[i];
        }
        lvs.flat.clear();
        lvs.flat.resize(order.len(), 0);
        // fill each level from its end
        let mut pos: Vec<usize> = std::mem::take(&mut lvs.pos);
        pos.clear();
        pos.extend_from_slice(&lvs.start[1..]);
        for &(b, lv) in &order {
            pos[lv] -= 1;
            lvs.flat[pos[lv]] = b;
        }
        lvs.pos = pos;
        self.mark = mark;
        self.stack = stack;
        self.order = order;
    }

    fn find_dom(&mut self) {
        self.dom.fill(u64::MAX);
        let r = self.oid[self.root];
        self.dom.clear_row(r);
        let maxl = self.level[self.root];
        for i in (0..=maxl).rev() {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                let id = self.oid[b];
                self.dom.insert(id, id);
                if let (Some(t), Some(f)) = (self.jt(b), self.jf(b)) {
                    let (ti, fi) = (self.oid[t], self.oid[f]);
                    self.dom.intersect_into(id, ti, fi);
                }
            }
        }
    }

    fn compute_local_ud(&mut self, b: B) {
        let mut def = 0u32;
        let mut usev = 0u32;
        let mut killed = 0u32;
        let add_use = |atom: usize, def: u32, usev: &mut u32| {
            if atom == AX_ATOM {
                if def & amask(X_ATOM) == 0 {
                    *usev |= amask(X_ATOM);
                }
                if def & amask(A_ATOM) == 0 {
                    *usev |= amask(A_ATOM);
                }
            } else if atom < N_ATOMS && def & amask(atom) == 0 {
                *usev |= amask(atom);
            }
        };
        for s in &self.bl[b].stmts {
            if s.code == NOP {
                continue;
            }
            if let Some(a) = atomuse(s.code, s.k) {
                add_use(a, def, &mut usev);
            }
            if let Some(a) = atomdef(s.code, s.k) {
                if a < 32 {
                    if usev & amask(a) == 0 {
                        killed |= amask(a);
                    }
                    def |= amask(a);
                }
            }
        }
        if class(self.bl[b].code) == BPF_JMP {
            if let Some(a) = atomuse(self.bl[b].code, self.bl[b].k) {
                add_use(a, def, &mut usev);
            }
        }
        let id = self.oid[b];
        self.kill[id] = killed;
        self.in_use[id] = usev;
    }

    fn find_ud(&mut self) {
        let maxl = self.level[self.root];
        for i in (0..=maxl).rev() {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                self.compute_local_ud(b);
                self.out_use[self.oid[b]] = 0;
            }
        }
        for i in 1..=maxl {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                let id = self.oid[b];
                let (t, f) = (self.oid[self.jt(b).unwrap()], self.oid[self.jf(b).unwrap()]);
                self.out_use[id] |= self.in_use[t] | self.in_use[f];
                self.in_use[id] |= self.out_use[id] & !self.kill[id];
            }
        }
    }

    fn find_edom(&mut self) {
        self.edom.fill(u64::MAX);
        let r = self.oid[self.root];
        self.edom.clear_row(r);
        self.edom.clear_row(self.n + r);
        let maxl = self.level[self.root];
        for i in (0..=maxl).rev() {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                let id = self.oid[b];
                for e in [id, self.n + id] {
                    self.edom.insert(e, e);
                    if let Some(s) = self.edge_succ(e) {
                        let si = self.oid[s];
                        self.edom.intersect_into(e, si, self.n + si);
                    }
                }
            }
        }
    }

    /// In-edge lists in libpcap's order (each edge was prepended while
    /// walking the levels from the deepest), stored flat.
    fn find_inedges(&mut self) {
        let n = self.n;
        self.in_pos.clear();
        self.in_pos.resize(n, 0);
        let maxl = self.level[self.root];
        for i in (1..=maxl).rev() {
            for &b in &self.levels[i] {
                let (t, f) = (
                    self.oid[self.bl[b].jt.unwrap()],
                    self.oid[self.bl[b].jf.unwrap()],
                );
                self.in_pos[t] += 1;
                self.in_pos[f] += 1;
            }
        }
        self.in_start.clear();
        self.in_start.push(0);
        let mut acc = 0;
        for c in self.in_pos.iter_mut() {
            acc += *c;
            self.in_start.push(acc);
            *c = acc;
        }
        self.in_flat.clear();
        self.in_flat.resize(acc, 0);
        for i in (1..=maxl).rev() {
            for &b in &self.levels[i] {
                let id = self.oid[b];
                let (t, f) = (
                    self.oid[self.bl[b].jt.unwrap()],
                    self.oid[self.bl[b].jf.unwrap()],
                );
                self.in_pos[t] -= 1;
                self.in_flat[self.in_pos[t]] = id;
                self.in_pos[f] -= 1;
                self.in_flat[self.in_pos[f]] = n + id;
            }
        }
    }

    fn in_range(&self, id: usize) -> std::ops::Range<usize> {
        self.in_start[id]..self.in_start[id + 1]
    }

    fn vstore(&mut self, b: B, si: Option<usize>, slot: usize, newval: u32, alter: bool) {
        let id = self.oid[b];
        if alter && newval != 0 && self.val[id][slot] == newval {
            if let Some(i) = si {
                self.bl[b].stmts[i].code = NOP;
            }
        } else {
            self.val[id][slot] = newval;
        }
    }

    fn fold_op(&mut self, b: B, si: usize, v0: u32, v1: u32) -> R<()> {
        let a = self.cval(v0).unwrap_or(0);
        let c = self.cval(v1).unwrap_or(0);
        let code = self.bl[b].stmts[si].code;
        let r = match op(code) {
            BPF_ADD => a.wrapping_add(c),
            BPF_SUB => a.wrapping_sub(c),
            BPF_MUL => a.wrapping_mul(c),
            BPF_DIV => {
                if c == 0 {
                    return Err("division by zero".into());
                }
                a / c
            }
            BPF_MOD => {
                if c == 0 {
                    return Err("modulus by zero".into());
                }
                a % c
            }
            BPF_AND => a & c,
            BPF_OR => a | c,
            BPF_XOR => a ^ c,
            BPF_LSH => {
                if c < 32 {
                    a << c
                } else {
                    0
                }
            }
            BPF_RSH => {
                if c < 32 {
                    a >> c
                } else {
                    0
                }
            }
            _ => a,
        };
        let s = &mut self.bl[b].stmts[si];
        s.k = r;
        s.code = BPF_LD | BPF_IMM;
        self.done = false;
        self.nbm = true;
        Ok(())
    }

    fn opt_stmt(&mut self, b: B, si: usize, alter: bool) -> R<()> {
        let id = self.oid[b];
        let (code, k) = (self.bl[b].stmts[si].code, self.bl[b].stmts[si].k);
        match code {
            0x20 | 0x28 | 0x30 => {
                let v = self.f(code, k, 0);
                self.vstore(b, Some(si), A_ATOM, v, alter);
            }
            0x40 | 0x48 | 0x50 => {
                let xv = self.val[id][X_ATOM];
                let v = if let (true, Some(c)) = (alter, self.cval(xv)) {
                    let s = &mut self.bl[b].stmts[si];
                    s.code = BPF_LD | BPF_ABS | size(code);
                    s.k = s.k.wrapping_add(c);
                    let (nc, nk) = (s.code, s.k);
                    self.done = false;
                    self.nbm = true;
                    self.f(nc, nk, 0)
                } else {
                    self.f(code, k, xv)
                };
                self.vstore(b, Some(si), A_ATOM, v, alter);
            }
            0x80 => {
                let v = self.f(code, 0, 0);
                self.vstore(b, Some(si), A_ATOM, v, alter);
            }
            0x00 => {
                let v = self.k(k);
                self.vstore(b, Some(si), A_ATOM, v, alter);
            }
            0x01 => {
                let v = self.k(k);
                self.vstore(b, Some(si), X_ATOM, v, alter);
            }
            0xb1 => {
                let v = self.f(code, k, 0);
                self.vstore(b, Some(si), X_ATOM, v, alter);
            }
            0x84 => {
                let av = self.val[id][A_ATOM];
                if let (true, Some(c)) = (alter, self.cval(av)) {
                    let nk = 0u32.wrapping_sub(c);
                    let s = &mut self.bl[b].stmts[si];
                    s.code = BPF_LD | BPF_IMM;
                    s.k = nk;
                    self.val[id][A_ATOM] = self.k(nk);
                } else {
                    self.val[id][A_ATOM] = self.f(code, av, 0);
                }
            }
            c if class(c) == BPF_ALU && src(c) == BPF_K => {
                let o = op(c);
                if alter {
                    if k == 0 {
                        if matches!(o, BPF_ADD | BPF_LSH | BPF_RSH | BPF_OR | BPF_XOR) {
                            self.bl[b].stmts[si].code = NOP;
                            return Ok(());
                        }
                        if matches!(o, BPF_MUL | BPF_AND) {
                            self.bl[b].stmts[si].code = BPF_LD | BPF_IMM;
                            self.val[id][A_ATOM] = self.k(k);
                            return Ok(());
                        }
                        if o == BPF_DIV {
                            return Err("division by zero".into());
                        }
                        if o == BPF_MOD {
                            return Err("modulus by zero".into());
                        }
                    }
                    let av = self.val[id][A_ATOM];
                    if self.cval(av).is_some() {
                        let kv = self.k(k);
                        self.fold_op(b, si, av, kv)?;
                        let nk = self.bl[b].stmts[si].k;
                        self.val[id][A_ATOM] = self.k(nk);
                        return Ok(());
                    }
                }
                let av = self.val[id][A_ATOM];
                let kv = self.k(k);
                self.val[id][A_ATOM] = self.f(c, av, kv);
            }
            c if class(c) == BPF_ALU && src(c) == BPF_X => {
                let o = op(c);
                let xv = self.val[id][X_ATOM];
                let av = self.val[id][A_ATOM];
                if alter {
                    if let Some(xc) = self.cval(xv) {
                        if self.cval(av).is_some() {
                            self.fold_op(b, si, av, xv)?;
                            let nk = self.bl[b].stmts[si].k;
                            self.val[id][A_ATOM] = self.k(nk);
                        } else {
                            {
                                let s = &mut self.bl[b].stmts[si];
                                s.code = BPF_ALU | BPF_K | o;
                                s.k = xc;
                            }
                            if (o == BPF_LSH || o == BPF_RSH) && xc > 31 {
                                return Err("shift by more than 31 bits".into());
                            }
                            self.done = false;
                            self.nbm = true;
                            let kv = self.k(xc);
                            self.val[id][A_ATOM] = self.f(BPF_ALU | BPF_K | o, av, kv);
                        }
                        return Ok(());
                    }
                    if self.cval(av) == Some(0) {
                        if matches!(o, BPF_ADD | BPF_OR | BPF_XOR) {
                            self.bl[b].stmts[si].code = BPF_MISC | BPF_TXA;
                            self.vstore(b, Some(si), A_ATOM, xv, alter);
                            return Ok(());
                        } else if matches!(
                            o,
                            BPF_MUL | BPF_DIV | BPF_MOD | BPF_AND | BPF_LSH | BPF_RSH
                        ) {
                            {
                                let s = &mut self.bl[b].stmts[si];
                                s.code = BPF_LD | BPF_IMM;
                                s.k = 0;
                            }
                            let kv = self.k(0);
                            self.vstore(b, Some(si), A_ATOM, kv, alter);
                            return Ok(());
                        } else if o == BPF_NEG {
                            self.bl[b].stmts[si].code = NOP;
                            return Ok(());
                        }
                    }
                }
                self.val[id][A_ATOM] = self.f(c, av, xv);
            }
            0x87 => {
                let xv = self.val[id][X_ATOM];
                self.vstore(b, Some(si), A_ATOM, xv, alter);
            }
            0x60 => {
                let v = self.val[id][(k as usize) & 15];
                if let (true, Some(c)) = (alter, self.cval(v)) {
                    let s = &mut self.bl[b].stmts[si];
                    s.code = BPF_LD | BPF_IMM;
                    s.k = c;
                    self.done = false;
                    self.nbm = true;
                }
                self.vstore(b, Some(si), A_ATOM, v, alter);
            }
            0x07 => {
                let av = self.val[id][A_ATOM];
                self.vstore(b, Some(si), X_ATOM, av, alter);
            }
            0x61 => {
                let v = self.val[id][(k as usize) & 15];
                if let (true, Some(c)) = (alter, self.cval(v)) {
                    let s = &mut self.bl[b].stmts[si];
                    s.code = BPF_LDX | BPF_IMM;
                    s.k = c;
                    self.done = false;
                    self.nbm = true;
                }
                self.vstore(b, Some(si), X_ATOM, v, alter);
            }
            0x02 => {
                let av = self.val[id][A_ATOM];
                self.vstore(b, Some(si), (k as usize) & 15, av, alter);
            }
            0x03 => {
                let xv = self.val[id][X_ATOM];
                self.vstore(b, Some(si), (k as usize) & 15, xv, alter);
            }
            _ => {}
        }
        Ok(())
    }

    fn this_op(&self, b: B, mut i: usize) -> Option<usize> {
        let st = &self.bl[b].stmts;
        while i < st.len() && st[i].code == NOP {
            i += 1;
        }
        (i < st.len()).then_some(i)
    }

    fn opt_not(&mut self, b: B) {
        let blk = &mut self.bl[b];
        std::mem::swap(&mut blk.jt, &mut blk.jf);
    }

    fn opt_peep(&mut self, b: B) {
        let id = self.oid[b];
        if self.bl[b].stmts.is_empty() {
            return;
        }
        let mut last = 0usize;
        let mut s = 0usize;
        while let Some(si) = self.this_op(b, s) {
            let Some(next) = self.this_op(b, si + 1) else {
                break;
            };
            last = next;
            let (sc, sk) = (self.bl[b].stmts[si].code, self.bl[b].stmts[si].k);
            let (nc, nk) = (self.bl[b].stmts[next].code, self.bl[b].stmts[next].k);
            if sc == BPF_ST && nc == (BPF_LDX | BPF_MEM) && sk == nk {
                self.done = false;
                self.nbm = true;
                self.bl[b].stmts[next].code = BPF_MISC | BPF_TAX;
            }
            let nc = self.bl[b].stmts[next].code;
            if sc == (BPF_LD | BPF_IMM) && nc == (BPF_MISC | BPF_TAX) {
                self.bl[b].stmts[si].code = BPF_LDX | BPF_IMM;
                self.bl[b].stmts[next].code = BPF_MISC | BPF_TXA;
                self.done = false;
                self.nbm = true;
            }
            if self.bl[b].stmts[si].code == (BPF_LD | BPF_IMM) {
                if self.out_use[id] & amask(X_ATOM) != 0 {
                    s = next;
                    continue;
                }
                let add = if self.bl[b].stmts[next].code != (BPF_LDX | BPF_MSH | BPF_B) {
                    Some(next)
                } else {
                    self.this_op(b, next + 1)
                };
                let Some(add) =
                    add.filter(|&a| self.bl[b].stmts[a].code == (BPF_ALU | BPF_ADD | BPF_X))
                else {
                    s = next;
                    continue;
                };
                let Some(tax) = self
                    .this_op(b, add + 1)
                    .filter(|&t| self.bl[b].stmts[t].code == (BPF_MISC | BPF_TAX))
                else {
                    s = next;
                    continue;
                };
                let Some(ild) = self.this_op(b, tax + 1).filter(|&t| {
                    let c = self.bl[b].stmts[t].code;
                    class(c) == BPF_LD && mode(c) == BPF_IND
                }) else {
                    s = next;
                    continue;
                };
                let k0 = self.bl[b].stmts[si].k;
                let st = &mut self.bl[b].stmts;
                st[ild].k = st[ild].k.wrapping_add(k0);
                st[si].code = NOP;
                st[add].code = NOP;
                st[tax].code = NOP;
                self.done = false;
                self.nbm = true;
            }
            s = next;
        }
        let lastc = self.bl[b].stmts[last].code;
        if self.bl[b].code == (BPF_JMP | BPF_JEQ | BPF_K) && self.out_use[id] & amask(A_ATOM) == 0 {
            if lastc == (BPF_ALU | BPF_SUB | BPF_X) {
                let xv = self.val[id][X_ATOM];
                if let Some(c) = self.cval(xv) {
                    self.bl[b].k = self.bl[b].k.wrapping_add(c);
                    self.bl[b].stmts[last].code = NOP;
                    self.done = false;
                    self.nbm = true;
                } else if self.bl[b].k == 0 {
                    self.bl[b].stmts[last].code = NOP;
                    self.bl[b].code = BPF_JMP | BPF_JEQ | BPF_X;
                    self.done = false;
                    self.nbm = true;
                }
            } else if lastc == (BPF_ALU | BPF_SUB | BPF_K) {
                let lk = self.bl[b].stmts[last].k;
                self.bl[b].stmts[last].code = NOP;
                self.bl[b].k = self.bl[b].k.wrapping_add(lk);
                self.done = false;
                self.nbm = true;
            } else if lastc == (BPF_ALU | BPF_AND | BPF_K) && self.bl[b].k == 0 {
                self.bl[b].k = self.bl[b].stmts[last].k;
                self.bl[b].code = BPF_JMP | BPF_K | BPF_JSET;
                self.bl[b].stmts[last].code = NOP;
                self.done = false;
                self.nbm = true;
                self.opt_not(b);
            }
        }
        if self.bl[b].code == (BPF_JMP | BPF_K | BPF_JSET) {
            if self.bl[b].k == 0 {
                self.bl[b].jt = self.bl[b].jf;
            }
            if self.bl[b].k == 0xffff_ffff {
                self.bl[b].jf = self.bl[b].jt;
            }
        }
        let xv = self.val[id][X_ATOM];
        if let Some(c) = self.cval(xv) {
            if src(self.bl[b].code) == BPF_X {
                self.bl[b].code &= !BPF_X;
                self.bl[b].k = c;
            }
        }
        let av = self.val[id][A_ATOM];
        if let Some(mut v) = self.cval(av) {
            if src(self.bl[b].code) == BPF_K {
                let bk = self.bl[b].k;
                v = match op(self.bl[b].code) {
                    BPF_JEQ => (v == bk) as u32,
                    BPF_JGT => (v > bk) as u32,
                    BPF_JGE => (v >= bk) as u32,
                    BPF_JSET => v & bk,
                    _ => v,
                };
                if self.bl[b].jf != self.bl[b].jt {
                    self.done = false;
                    self.nbm = true;
                }
                if v != 0 {
                    self.bl[b].jf = self.bl[b].jt;
                } else {
                    self.bl[b].jt = self.bl[b].jf;
                }
            }
        }
    }

    fn opt_deadstores(&mut self, b: B) {
        let id = self.oid[b];
        // last[a]: statement that last defined atom a (valid when bit a of
        // `pend` is set)
        let mut last = [0usize; N_ATOMS];
        let mut pend = 0u32;
        let n = self.bl[b].stmts.len();
        for i in 0..=n {
            let (code, k) = match self.bl[b].stmts.get(i) {
                Some(s) => (s.code, s.k),
                None => (self.bl[b].code, self.bl[b].k),
            };
            if let Some(a) = atomuse(code, k) {
                if a == AX_ATOM {
                    pend &= !(amask(X_ATOM) | amask(A_ATOM));
                } else if a < N_ATOMS {
                    pend &= !amask(a);
                }
            }
            if let Some(a) = atomdef(code, k) {
                if a < N_ATOMS {
                    if pend & amask(a) != 0 {
                        self.done = false;
                        self.bl[b].stmts[last[a]].code = NOP;
                    }
                    if i < n {
                        last[a] = i;
                        pend |= amask(a);
                    } else {
                        pend &= !amask(a);
                    }
                }
            }
        }
        let mut rest = pend & !self.out_use[id];
        while rest != 0 {
            let atom = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            self.bl[b].stmts[last[atom]].code = NOP;
            self.val[id][atom] = 0;
            self.nbm = true;
            self.done = false;
        }
    }

    fn opt_blk(&mut self, b: B, do_stmts: bool) -> R<()> {
        let id = self.oid[b];
        let ins = self.in_range(id);
        if ins.is_empty() {
            self.val[id] = [0; N_ATOMS];
        } else {
            let p0 = self.oid[self.edge_pred(self.in_flat[ins.start])];
            let mut v = self.val[p0];
            for k in ins.start + 1..ins.end {
                let p = self.oid[self.edge_pred(self.in_flat[k])];
                let pv = &self.val[p];
                for (slot, &x) in v.iter_mut().zip(pv.iter()) {
                    if *slot != x {
                        *slot = 0;
                    }
                }
            }
            self.val[id] = v;
        }
        let aval = self.val[id][A_ATOM];
        let xval = self.val[id][X_ATOM];
        for si in 0..self.bl[b].stmts.len() {
            self.opt_stmt(b, si, do_stmts)?;
        }
        if do_stmts
            && ((self.out_use[id] == 0
                && aval != 0
                && self.val[id][A_ATOM] == aval
                && xval != 0
                && self.val[id][X_ATOM] == xval)
                || class(self.bl[b].code) == BPF_RET)
        {
            if !self.bl[b].stmts.is_empty() {
                self.bl[b].stmts.clear();
                self.done = false;
                self.nbm = true;
            }
        } else {
            self.opt_peep(b);
            self.opt_deadstores(b);
        }
        self.oval[id] = if src(self.bl[b].code) == BPF_K {
            let k = self.bl[b].k;
            self.k(k)
        } else {
            self.val[id][X_ATOM]
        };
        Ok(())
    }

    fn use_conflict(&self, b: B, succ: B) -> bool {
        let u = self.out_use[self.oid[succ]];
        if u == 0 {
            return false;
        }
        let (bi, si) = (self.oid[b], self.oid[succ]);
        (0..N_ATOMS).any(|a| u & amask(a) != 0 && self.val[bi][a] != self.val[si][a])
    }

    fn fold_edge(&self, child: B, e: usize) -> Option<B> {
        let mut code = self.edge_code(e);
        let sense = if code < 0 {
            code = -code;
            false
        } else {
            true
        };
        if self.bl[child].code as i32 != code {
            return None;
        }
        let ci = self.oid[child];
        let pi = self.oid[self.edge_pred(e)];
        if self.val[ci][A_ATOM] != self.val[pi][A_ATOM] {
            return None;
        }
        if self.oval[ci] == self.oval[pi] {
            return if sense {
                self.bl[child].jt
            } else {
                self.bl[child].jf
            };
        }
        if sense && code == (BPF_JMP | BPF_JEQ | BPF_K) as i32 {
            return self.bl[child].jf;
        }
        None
    }

    fn opt_j(&mut self, e: usize) {
        let Some(succ) = self.edge_succ(e) else {
            return;
        };
        if self.jt(succ).is_none() {
            return;
        }
        let pred = self.edge_pred(e);
        if self.jt(succ) == self.jf(succ) {
            let t = self.jt(succ).unwrap();
            if !self.use_conflict(pred, t) {
                self.nbm = true;
                self.done = false;
                self.set_edge_succ(e, t);
            }
        }
        'top: loop {
            let words = self.edom.words;
            for w in 0..words {
                let mut x = self.edom.row(e)[w];
                while x != 0 {
                    let k = w * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    let succ = self.edge_succ(e).unwrap();
                    if let Some(target) = self.fold_edge(succ, k) {
                        if !self.use_conflict(pred, target) {
                            self.done = false;
                            self.set_edge_succ(e, target);
                            if self.jt(target).is_some() {
                                continue 'top;
                            }
                            return;
                        }
                    }
                }
            }
            return;
        }
    }

    fn pullup(&mut self, b: B, is_or: bool) {
        let id = self.oid[b];
        let ins = self.in_range(id);
        if ins.is_empty() {
            return;
        }
        let val = self.val[self.oid[self.edge_pred(self.in_flat[ins.start])]][A_ATOM];
        for k in ins.start + 1..ins.end {
            if val != self.val[self.oid[self.edge_pred(self.in_flat[k])]][A_ATOM] {
                return;
            }
        }
        // "same" = JT for or_pullup (chain goes down JF), JF for and_pullup
        let same_of = |o: &Opt, x: B| if is_or { o.jt(x) } else { o.jf(x) };
        let next_of = |o: &Opt, x: B| if is_or { o.jf(x) } else { o.jt(x) };
        // a "slot" is (block, which edge): the pointer libpcap walks
        #[derive(Clone, Copy)]
        struct Slot(B, bool); // (block, true = JT edge)
        let get = |o: &Opt, s: Slot| if s.1 { o.jt(s.0) } else { o.jf(s.0) };
        let p0 = self.edge_pred(self.in_flat[ins.start]);
        let mut diffp = Slot(p0, self.jt(p0) == Some(b));
        let mut at_top = true;
        loop {
            let Some(d) = get(self, diffp) else {
                return;
            };
            if same_of(self, d) != same_of(self, b) {
                return;
            }
            if !self.dom.has(self.oid[d], id) {
                return;
            }
            if self.val[self.oid[d]][A_ATOM] != val {
                break;
            }
            diffp = Slot(d, !is_or);
            at_top = false;
        }
        let d = get(self, diffp).unwrap();
        let mut samep = Slot(d, !is_or);
        loop {
            let Some(sm) = get(self, samep) else {
                return;
            };
            if same_of(self, sm) != same_of(self, b) {
                return;
            }
            if !self.dom.has(self.oid[sm], id) {
                return;
            }
            if self.val[self.oid[sm]][A_ATOM] == val {
                break;
            }
            samep = Slot(sm, !is_or);
        }
        let pull = get(self, samep).unwrap();
        let set = |o: &mut Opt, s: Slot, v: Option<B>| {
            if s.1 {
                o.bl[s.0].jt = v;
            } else {
                o.bl[s.0].jf = v;
            }
        };
        let pull_next = next_of(self, pull);
        set(self, samep, pull_next);
        let dv = get(self, diffp);
        if is_or {
            self.bl[pull].jf = dv;
        } else {
            self.bl[pull].jt = dv;
        }
        if at_top {
            for k in ins {
                let p = self.edge_pred(self.in_flat[k]);
                if self.jt(p) == Some(b) {
                    self.bl[p].jt = Some(pull);
                } else {
                    self.bl[p].jf = Some(pull);
                }
            }
        } else {
            set(self, diffp, Some(pull));
        }
        self.done = false;
    }

    fn opt_blks(&mut self, do_stmts: bool) -> R<()> {
        self.vn.clear();
        self.vconst.clear();
        self.curval = 0;
        let maxl = self.level[self.root];
        self.find_inedges();
        for i in (0..=maxl).rev() {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                self.opt_blk(b, do_stmts)?;
            }
        }
        if do_stmts {
            return Ok(());
        }
        for i in 1..=maxl {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                let id = self.oid[b];
                self.opt_j(id);
                self.opt_j(self.n + id);
            }
        }
        self.find_inedges();
        for i in 1..=maxl {
            for bi in self.levels.range(i) {
                let b = self.levels.flat[bi];
                self.pullup(b, true);
                self.pullup(b, false);
            }
        }
        Ok(())
    }

    fn opt_loop(&mut self, do_stmts: bool) -> R<()> {
        let mut loop_count = 0;
        loop {
            self.done = true;
            self.nbm = false;
            self.find_levels();
            self.find_dom();
            self.find_ud();
            self.find_edom();
            self.opt_blks(do_stmts)?;
            if self.done {
                break;
            }
            if self.nbm {
                loop_count = 0;
            } else {
                loop_count += 1;
                if loop_count >= 100 {
                    break;
                }
            }
        }
        Ok(())
    }

    fn intern_blocks(&mut self) {
        loop {
            let mut done1 = true;
            let mut link: Vec<Option<B>> = vec![None; self.n];
            // mark reachable
            let mut mark = vec![false; self.bl.len()];
            let mut st = vec![self.root];
            while let Some(b) = st.pop() {
                if mark[b] {
                    continue;
                }
                mark[b] = true;
                if let (Some(t), Some(f)) = (self.jt(b), self.jf(b)) {
                    st.push(t);
                    st.push(f);
                }
            }
            if self.n >= 2 {
                // compact per-id keys (jump code, k, targets) so the
                // quadratic scan compares integers; statements only when
                // the keys match (eq_blk's first test)
                let key = |o: &Opt, b: B| {
                    let x = &o.bl[b];
                    let t = |v: Option<B>| v.map_or(u64::MAX, |v| v as u64);
                    ((x.code as u64) << 32 | x.k as u64, t(x.jt), t(x.jf))
                };
                let keys: Vec<Option<(u64, u64, u64)>> = self
                    .ids
                    .iter()
                    .map(|&b| mark[b].then(|| key(self, b)))
                    .collect();
                for i in (0..self.n - 1).rev() {
                    let Some(ki) = keys[i] else {
                        continue;
                    };
                    for j in i + 1..self.n {
                        if keys[j] != Some(ki) {
                            continue;
                        }
                        let (bi, bj) = (self.ids[i], self.ids[j]);
                        if self.eq_blk(bi, bj) {
                            link[i] = Some(link[j].unwrap_or(bj));
                            break;
                        }
                    }
                }
            }
            for i in 0..self.n {
                let p = self.ids[i];
                let (Some(t), Some(f)) = (self.jt(p), self.jf(p)) else {
                    continue;
                };
                if let Some(l) = link[self.oid[t]] {
                    done1 = false;
                    self.bl[p].jt = Some(l);
                }
                if let Some(l) = link[self.oid[f]] {
                    done1 = false;
                    self.bl[p].jf = Some(l);
                }
            }
            if done1 {
                break;
            }
        }
    }

    fn eq_blk(&self, x: B, y: B) -> bool {
        let (a, b) = (&self.bl[x], &self.bl[y]);
        if a.code != b.code || a.k != b.k || a.jt != b.jt || a.jf != b.jf {
            return false;
        }
        let live = |s: &&crate::gencode::Stmt| s.code != NOP;
        a.stmts.iter().filter(live).map(|s| (s.code, s.k)).eq(b
            .stmts
            .iter()
            .filter(live)
            .map(|s| (s.code, s.k)))
    }
}

/// Work buffers of the optimizer, kept per thread between compilations so
/// that a compile does not allocate them again.
#[derive(Default)]
struct Scratch {
    ids: Vec<B>,
    oid: Vec<usize>,
    st: Vec<B>,
    level: Vec<usize>,
    levels: Levels,
    stack: Vec<(B, u8)>,
    order: Vec<(B, usize)>,
    dom: Vec<u64>,
    edom: Vec<u64>,
    val: Vec<[u32; N_ATOMS]>,
    oval: Vec<u32>,
    in_use: Vec<u32>,
    out_use: Vec<u32>,
    kill: Vec<u32>,
    in_start: Vec<usize>,
    in_pos: Vec<usize>,
    in_flat: Vec<usize>,
    mark: Vec<bool>,
    vn: HashMap<(u16, u32, u32), u32, FxBuild>,
    vconst: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// `v` cleared and filled with `n` copies of `x`.
fn reset<T: Clone>(mut v: Vec<T>, n: usize, x: T) -> Vec<T> {
    v.clear();
    v.resize(n, x);
    v
}

/// Optimize the graph rooted at `root` in place; returns the new root.
pub fn optimize(blocks: &mut Vec<Block>, root: B) -> R<B> {
    let mut sc = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    // number the blocks like number_blks_r (JT first, then JF)
    let mut ids = std::mem::take(&mut sc.ids);
    ids.clear();
    let mut oid = reset(std::mem::take(&mut sc.oid), blocks.len(), usize::MAX);
    let mut st = std::mem::take(&mut sc.st);
    st.clear();
    st.push(root);
    while let Some(b) = st.pop() {
        if oid[b] != usize::MAX {
            continue;
        }
        oid[b] = ids.len();
        ids.push(b);
        if let (Some(t), Some(f)) = (blocks[b].jt, blocks[b].jf) {
            st.push(f);
            st.push(t);
        }
    }
    let n = ids.len();
    let nb = blocks.len();
    let mut vn = std::mem::take(&mut sc.vn);
    vn.clear();
    let mut o = Opt {
        bl: blocks,
        ids,
        oid,
        n,
        level: reset(std::mem::take(&mut sc.level), nb, 0),
        levels: std::mem::take(&mut sc.levels),
        stack: std::mem::take(&mut sc.stack),
        order: std::mem::take(&mut sc.order),
        dom: BitMat::with_buf(std::mem::take(&mut sc.dom), n, n),
        edom: BitMat::with_buf(std::mem::take(&mut sc.edom), 2 * n, 2 * n),
        val: reset(std::mem::take(&mut sc.val), n, [0; N_ATOMS]),
        oval: reset(std::mem::take(&mut sc.oval), n, 0),
        in_use: reset(std::mem::take(&mut sc.in_use), n, 0),
        out_use: reset(std::mem::take(&mut sc.out_use), n, 0),
        kill: reset(std::mem::take(&mut sc.kill), n, 0),
        in_start: std::mem::take(&mut sc.in_start),
        in_pos: std::mem::take(&mut sc.in_pos),
        in_flat: std::mem::take(&mut sc.in_flat),
        mark: std::mem::take(&mut sc.mark),
        vn,
        vconst: std::mem::take(&mut sc.vconst),
        curval: 0,
        done: false,
        nbm: false,
        root,
    };
    let r = o.run();
    // keep the buffers for the next compilation on this thread
    let keep = Scratch {
        ids: o.ids,
        oid: o.oid,
        st,
        level: o.level,
        levels: o.levels,
        stack: o.stack,
        order: o.order,
        dom: o.dom.data,
        edom: o.edom.data,
        val: o.val,
        oval: o.oval,
        in_use: o.in_use,
        out_use: o.out_use,
        kill: o.kill,
        in_start: o.in_start,
        in_pos: o.in_pos,
        in_flat: o.in_flat,
        mark: o.mark,
        vn: o.vn,
        vconst: o.vconst,
    };
    // very large graphs: do not pin their buffers
    if nb <= 4096 {
        SCRATCH.with(|s| *s.borrow_mut() = keep);
    }
    r
}

impl Opt<'_> {
    fn run(&mut self) -> R<B> {
        self.opt_loop(false)?;
        self.opt_loop(true)?;
        self.intern_blocks();
        // opt_root
        let mut r = self.root;
        let s = std::mem::take(&mut self.bl[r].stmts);
        while class(self.bl[r].code) == BPF_JMP && self.bl[r].jt == self.bl[r].jf {
            r = self.bl[r].jt.unwrap();
        }
        let tmp = std::mem::take(&mut self.bl[r].stmts);
        let mut s = s;
        s.extend(tmp);
        self.bl[r].stmts = s;
        if class(self.bl[r].code) == BPF_RET {
            self.bl[r].stmts.clear();
        }
        Ok(r)
    }
}
