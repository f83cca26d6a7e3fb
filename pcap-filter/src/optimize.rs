//! The optimizer, following libpcap 1.10.3's optimize.c algorithm on the
//! block graph: value numbering with constant folding, peephole rules,
//! dead-store elimination, jump threading over edge dominators, or/and
//! pull-ups, block interning, and root simplification. Doing the same
//! transformations keeps the same packets accepted (including truncated
//! ones whose loads libpcap removes) and gives the same instructions.
//!
//! Data layout: the reachable blocks are copied into flat arrays indexed by
//! their optimizer number (root = 0, numbered like libpcap's
//! `number_blks_r`): successors of edge `e` in one `succ` array (edge `i` is
//! block i's true edge, edge `n + i` its false edge, as in libpcap), the
//! statements of every block in one `(code, k)` arena, bit sets as one
//! `Vec<u64>` with a row stride. Levels, dominators and edge dominators
//! depend only on the graph, so they are recomputed only when an edge
//! changed since they were last computed (same results, less work); the
//! value-numbering table is open-addressed and reset per pass by an epoch
//! counter. The results are written back into the `Block`s at the end.

use crate::bpf::*;
use crate::gencode::{Block, B, R};

pub const NOP: u16 = 0xffff;
const A_ATOM: usize = 16;
const X_ATOM: usize = 17;
const AX_ATOM: usize = 18;
const N_ATOMS: usize = 18;
/// "no block" in `succ` (a leaf's edges).
const NONE: u32 = u32::MAX;

/// Atom table entries: an atom number, `ATOM_K` (the scratch cell `k`)
/// or `ATOM_NONE`.
const ATOM_NONE: u8 = 0xff;
const ATOM_K: u8 = 0xfe;

/// libpcap's atomuse for opcode `code` (< 256).
const fn atomuse_of(code: u16) -> u8 {
    match class(code) {
        BPF_RET => match code & 0x18 {
            BPF_A => A_ATOM as u8,
            BPF_X => X_ATOM as u8,
            _ => ATOM_NONE,
        },
        BPF_LD | BPF_LDX => match mode(code) {
            BPF_IND => X_ATOM as u8,
            BPF_MEM => ATOM_K,
            _ => ATOM_NONE,
        },
        BPF_ST => A_ATOM as u8,
        BPF_STX => X_ATOM as u8,
        BPF_JMP | BPF_ALU => {
            if src(code) == BPF_X {
                AX_ATOM as u8
            } else {
                A_ATOM as u8
            }
        }
        _ => {
            if code & 0xf8 == BPF_TXA {
                X_ATOM as u8
            } else {
                A_ATOM as u8
            }
        }
    }
}

/// libpcap's atomdef for opcode `code` (< 256).
const fn atomdef_of(code: u16) -> u8 {
    match class(code) {
        BPF_LD | BPF_ALU => A_ATOM as u8,
        BPF_LDX => X_ATOM as u8,
        BPF_ST | BPF_STX => ATOM_K,
        BPF_MISC => {
            if code & 0xf8 == BPF_TAX {
                X_ATOM as u8
            } else {
                A_ATOM as u8
            }
        }
        _ => ATOM_NONE,
    }
}

const fn atom_table(def: bool) -> [u8; 256] {
    let mut t = [ATOM_NONE; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = if def {
            atomdef_of(c as u16)
        } else {
            atomuse_of(c as u16)
        };
        c += 1;
    }
    t
}

/// In the mask tables: "the scratch cell k".
const MASK_K: u32 = 1 << 31;

/// Atom tables as masks (AX_ATOM: both A and X; none: 0).
const fn mask_table(def: bool) -> [u32; 256] {
    let t = atom_table(def);
    let mut m = [0u32; 256];
    let mut c = 0;
    while c < 256 {
        m[c] = match t[c] {
            ATOM_NONE => 0,
            ATOM_K => MASK_K,
            a if a as usize == AX_ATOM => 1 << A_ATOM | 1 << X_ATOM,
            a => 1 << a,
        };
        c += 1;
    }
    m
}

static USE_MASK: [u32; 256] = mask_table(false);
static DEF_MASK: [u32; 256] = mask_table(true);

/// Mask form of atomuse/atomdef (`t`: USE_MASK or DEF_MASK); a scratch
/// cell counts when k < lim.
#[inline(always)]
fn atom_mask(t: &[u32; 256], code: u16, k: u32, lim: u32) -> u32 {
    if code > 0xff {
        return 0; // NOP
    }
    let m = t[code as usize];
    if m == MASK_K {
        if k < lim {
            1 << k
        } else {
            0
        }
    } else {
        m
    }
}

fn amask(a: usize) -> u32 {
    1 << a
}

/// One statement of the arena (the optimizer only reads and writes these
/// two fields).
#[derive(Clone, Copy, Default)]
struct S {
    code: u16,
    k: u32,
}

#[derive(Clone, Copy, Default)]
struct VnEnt {
    epoch: u32,
    code: u32,
    v0: u32,
    v1: u32,
    val: u32,
}

/// Value-numbering table: open addressing with linear probing; an entry
/// is live when its epoch is the table's (a reset only bumps the epoch).
#[derive(Default)]
struct Vn {
    t: Vec<VnEnt>,
    shift: u32,
    epoch: u32,
    len: usize,
}

impl Vn {
    fn reset(&mut self) {
        if self.t.is_empty() {
            self.t = vec![VnEnt::default(); 256];
            self.shift = 64 - 8;
            self.epoch = 0;
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.t.fill(VnEnt::default());
            self.epoch = 1;
        }
        self.len = 0;
    }

    #[inline]
    fn slot(&self, code: u16, v0: u32, v1: u32) -> usize {
        let x = (v0 as u64 | (v1 as u64) << 32) ^ (code as u64) << 20;
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.t);
        let size = old.len() * 2;
        self.t = vec![VnEnt::default(); size];
        self.shift -= 1;
        let mask = size - 1;
        for e in old {
            if e.epoch != self.epoch {
                continue;
            }
            let mut i = self.slot(e.code as u16, e.v0, e.v1);
            while self.t[i].epoch == self.epoch {
                i = (i + 1) & mask;
            }
            self.t[i] = e;
        }
    }
}

/// Optimizer state. Kept per thread between compilations (all vectors are
/// reused), see `SCRATCH`.
#[derive(Default)]
struct Opt {
    n: usize,
    /// opt id -> arena index
    ids: Vec<B>,
    /// arena index -> opt id (numbering only)
    oid: Vec<u32>,
    /// edge -> successor block id: true edges 0..n, false edges n..2n
    succ: Vec<u32>,
    code: Vec<u16>,
    k: Vec<u32>,
    /// statements of block i: st[sstart[i]..sstart[i] + slen[i]]
    sstart: Vec<u32>,
    slen: Vec<u32>,
    st: Vec<S>,
    level: Vec<u32>,
    /// blocks by level: level i is lv_flat[lv_start[i]..lv_start[i + 1]]
    lv_flat: Vec<u32>,
    lv_start: Vec<u32>,
    lv_pos: Vec<u32>,
    /// the blocks level by level from the deepest (levels maxl..=0)
    down: Vec<u32>,
    stack: Vec<(u32, u8)>,
    order: Vec<(u32, u32)>,
    mark: Vec<bool>,
    /// dominators: row i (dwords words) = the blocks dominating block i
    dom: Vec<u64>,
    dwords: usize,
    /// edge dominators: row e (ewords words)
    edom: Vec<u64>,
    ewords: usize,
    val: Vec<[u32; N_ATOMS]>,
    oval: Vec<u32>,
    in_use: Vec<u32>,
    out_use: Vec<u32>,
    kill: Vec<u32>,
    /// uses of block i's own statements and jump (compute_local_ud)
    luse: Vec<u32>,
    /// block i's statements or jump changed since its local uses were
    /// computed
    ud_dirty: Vec<bool>,
    /// in-edges of block i, by their predecessor blocks:
    /// in_flat[in_start[i]..in_start[i + 1]]
    in_start: Vec<u32>,
    in_pos: Vec<u32>,
    in_flat: Vec<u32>,
    vn: Vn,
    /// value number -> constant (u64::MAX: not a constant)
    vconst: Vec<u64>,
    curval: u32,
    done: bool,
    nbm: bool,
    /// graph version: bumped by every edge change
    gver: u64,
    /// graph version the levels/dominators/edge dominators were computed at
    lv_ver: u64,
    /// graph and level versions of the in-edge lists
    ie_ver: (u64, u64),
    link: Vec<u32>,
    keys: Vec<(u64, u64, u64)>,
    itab: Vec<u32>,
    shash: Vec<u64>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Opt> = std::cell::RefCell::new(Opt::default());
}

/// `v` cleared and filled with `n` copies of `x`.
fn reset<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

/// Optimize the graph rooted at `root` in place; returns the new root.
pub fn optimize(blocks: &mut [Block], root: B) -> R<B> {
    let r = SCRATCH.with(|cell| {
        let mut o = cell.borrow_mut();
        o.load(blocks, root);
        let r = o.run();
        if r.is_ok() {
            o.store(blocks);
        }
        // large graphs: do not pin their buffers (the bit matrices grow
        // with the square of the block count)
        if o.n > 1024 {
            *o = Opt::default();
        }
        r
    });
    r?;
    Ok(opt_root(blocks, root))
}

/// libpcap's opt_root: skip jumps whose branches agree, moving the root's
/// statements in front of the new root's.
fn opt_root(bl: &mut [Block], root: B) -> B {
    let mut r = root;
    let s = std::mem::take(&mut bl[r].stmts);
    while class(bl[r].code) == BPF_JMP && bl[r].jt == bl[r].jf {
        r = bl[r].jt.unwrap();
    }
    let tmp = std::mem::take(&mut bl[r].stmts);
    let mut s = s;
    s.extend(tmp);
    bl[r].stmts = s;
    if class(bl[r].code) == BPF_RET {
        bl[r].stmts.clear();
    }
    r
}

impl Opt {
    /// Number the blocks like number_blks_r (JT first, then JF) and copy
    /// them into the flat arrays.
    fn load(&mut self, blocks: &[Block], root: B) {
        self.ids.clear();
        reset(&mut self.oid, blocks.len(), NONE);
        let mut st = std::mem::take(&mut self.stack);
        st.clear();
        st.push((root as u32, 0));
        while let Some((b, _)) = st.pop() {
            let b = b as usize;
            if self.oid[b] != NONE {
                continue;
            }
            self.oid[b] = self.ids.len() as u32;
            self.ids.push(b);
            if let (Some(t), Some(f)) = (blocks[b].jt, blocks[b].jf) {
                st.push((f as u32, 0));
                st.push((t as u32, 0));
            }
        }
        self.stack = st;
        let n = self.ids.len();
        self.n = n;
        reset(&mut self.succ, 2 * n, NONE);
        self.code.clear();
        self.k.clear();
        self.sstart.clear();
        self.slen.clear();
        self.st.clear();
        for i in 0..n {
            let b = &blocks[self.ids[i]];
            self.code.push(b.code);
            self.k.push(b.k);
            if let (Some(t), Some(f)) = (b.jt, b.jf) {
                self.succ[i] = self.oid[t];
                self.succ[n + i] = self.oid[f];
            }
            self.sstart.push(self.st.len() as u32);
            self.slen.push(b.stmts.len() as u32);
            self.st.extend(b.stmts.iter().map(|s| S {
                code: s.code,
                k: s.k,
            }));
        }
        reset(&mut self.level, n, 0);
        self.dwords = n.div_ceil(64).max(1);
        self.ewords = (2 * n).div_ceil(64).max(1);
        reset(&mut self.dom, n * self.dwords, 0);
        reset(&mut self.edom, 2 * n * self.ewords, 0);
        reset(&mut self.val, n, [0; N_ATOMS]);
        reset(&mut self.oval, n, 0);
        reset(&mut self.in_use, n, 0);
        reset(&mut self.out_use, n, 0);
        reset(&mut self.kill, n, 0);
        reset(&mut self.luse, n, 0);
        reset(&mut self.ud_dirty, n, true);
        self.curval = 0;
        self.done = false;
        self.nbm = false;
        self.gver = 1;
        self.lv_ver = 0;
        self.ie_ver = (0, 0);
    }

    /// Write the optimized graph and statements back into the blocks.
    fn store(&self, blocks: &mut [Block]) {
        let n = self.n;
        for i in 0..n {
            let b = &mut blocks[self.ids[i]];
            b.code = self.code[i];
            b.k = self.k[i];
            let (t, f) = (self.succ[i], self.succ[n + i]);
            b.jt = (t != NONE).then(|| self.ids[t as usize]);
            b.jf = (f != NONE).then(|| self.ids[f as usize]);
            let base = self.sstart[i] as usize;
            let len = self.slen[i] as usize;
            b.stmts.truncate(len);
            for (d, s) in b.stmts.iter_mut().zip(&self.st[base..base + len]) {
                d.code = s.code;
                d.k = s.k;
            }
        }
    }

    #[inline]
    fn jt(&self, b: usize) -> u32 {
        self.succ[b]
    }
    #[inline]
    fn jf(&self, b: usize) -> u32 {
        self.succ[self.n + b]
    }
    #[inline]
    fn edge_pred(&self, e: usize) -> usize {
        if e < self.n {
            e
        } else {
            e - self.n
        }
    }
    #[inline]
    fn set_succ(&mut self, e: usize, s: u32) {
        if self.succ[e] != s {
            self.succ[e] = s;
            self.gver += 1;
        }
    }

    #[inline(always)]
    fn f(&mut self, code: u16, v0: u32, v1: u32) -> u32 {
        let mask = self.vn.t.len() - 1;
        let mut i = self.vn.slot(code, v0, v1);
        let epoch = self.vn.epoch;
        loop {
            let e = &self.vn.t[i];
            if e.epoch != epoch {
                break;
            }
            if e.code == code as u32 && e.v0 == v0 && e.v1 == v1 {
                return e.val;
            }
            i = (i + 1) & mask;
        }
        self.curval += 1;
        let v = self.curval;
        self.vn.t[i] = VnEnt {
            epoch,
            code: code as u32,
            v0,
            v1,
            val: v,
        };
        self.vn.len += 1;
        if self.vn.len * 2 > self.vn.t.len() {
            self.vn.grow();
        }
        let c = if mode(code) == BPF_IMM && (class(code) == BPF_LD || class(code) == BPF_LDX) {
            v0 as u64
        } else {
            u64::MAX
        };
        self.vconst.push(c);
        v
    }
    fn kv(&mut self, k: u32) -> u32 {
        self.f(BPF_LD | BPF_IMM | BPF_W, k, 0)
    }
    fn cval(&self, v: u32) -> Option<u32> {
        match self.vconst.get(v as usize) {
            Some(&c) if c != u64::MAX => Some(c as u32),
            _ => None,
        }
    }

    fn find_levels(&mut self) {
        let n = self.n;
        reset(&mut self.mark, n, false);
        let Opt {
            mark,
            stack,
            order,
            succ,
            level,
            lv_start,
            lv_flat,
            lv_pos,
            down,
            ..
        } = self;
        let (mark, succ, level) = (&mut mark[..n], &succ[..2 * n], &mut level[..n]);
        stack.clear();
        order.clear();
        let mut maxl = 0;
        // post-order: JT subtree, JF subtree, then the block (JF is
        // pushed under JT, so it is looked at after the whole JT subtree)
        stack.push((0, 0));
        while let Some((b, post)) = stack.pop() {
            let bu = b as usize;
            let (t, f) = (succ[bu], succ[n + bu]);
            if post == 0 {
                if mark[bu] {
                    continue;
                }
                mark[bu] = true;
                stack.push((b, 1));
                if t != NONE {
                    if f != NONE {
                        stack.push((f, 0));
                    }
                    stack.push((t, 0));
                }
            } else {
                let lv = if t != NONE && f != NONE {
                    level[t as usize].max(level[f as usize]) + 1
                } else {
                    0
                };
                level[bu] = lv;
                maxl = maxl.max(lv);
                order.push((b, lv));
            }
        }
        // libpcap prepends each block to its level's list: within a level
        // the order is the reverse of the visit order
        let maxl = maxl as usize;
        reset(lv_start, maxl + 2, 0);
        let lv_start = &mut lv_start[..maxl + 2];
        for &(_, lv) in order.iter() {
            lv_start[lv as usize + 1] += 1;
        }
        for i in 0..=maxl {
            lv_start[i + 1] += lv_start[i];
        }
        reset(lv_flat, order.len(), 0);
        // fill each level from its end
        lv_pos.clear();
        lv_pos.extend_from_slice(&lv_start[1..]);
        for &(b, lv) in order.iter() {
            let p = &mut lv_pos[lv as usize];
            *p -= 1;
            lv_flat[*p as usize] = b;
        }
        // the deepest level first (the order of the bottom-up walks)
        down.clear();
        for i in (0..=maxl).rev() {
            let r = lv_start[i] as usize..lv_start[i + 1] as usize;
            down.extend_from_slice(&lv_flat[r]);
        }
    }

    fn find_dom(&mut self) {
        let w = self.dwords;
        self.dom.fill(u64::MAX);
        self.dom[..w].fill(0);
        if w == 1 {
            let n = self.n;
            let (dom, succ) = (&mut self.dom[..n], &self.succ[..2 * n]);
            for &id in &self.down {
                let id = id as usize;
                let d = dom[id] | 1 << id;
                dom[id] = d;
                let (t, f) = (succ[id], succ[n + id]);
                if t != NONE && f != NONE {
                    dom[t as usize] &= d;
                    dom[f as usize] &= d;
                }
            }
            return;
        }
        let n = self.n;
        let (dom, succ) = (&mut self.dom[..], &self.succ[..2 * n]);
        for &id in &self.down {
            let id = id as usize;
            dom[id * w + id / 64] |= 1 << (id % 64);
            let (t, f) = (succ[id], succ[n + id]);
            if t != NONE && f != NONE {
                intersect_into(dom, w, id, t as usize, f as usize);
            }
        }
    }

    fn compute_local_ud(&mut self, id: usize) {
        let mut def = 0u32;
        let mut usev = 0u32;
        let mut killed = 0u32;
        let base = self.sstart[id] as usize;
        let len = self.slen[id] as usize;
        for s in &self.st[base..base + len] {
            if s.code == NOP {
                continue;
            }
            usev |= atom_mask(&USE_MASK, s.code, s.k, N_ATOMS as u32) & !def;
            let d = atom_mask(&DEF_MASK, s.code, s.k, 32);
            if d != 0 {
                if usev & d == 0 {
                    killed |= d;
                }
                def |= d;
            }
        }
        if class(self.code[id]) == BPF_JMP {
            usev |= atom_mask(&USE_MASK, self.code[id], self.k[id], N_ATOMS as u32) & !def;
        }
        self.kill[id] = killed;
        self.luse[id] = usev;
    }

    fn find_ud(&mut self) {
        let n = self.n;
        // (unreachable blocks get sets too; nothing reads them)
        for id in 0..n {
            if self.ud_dirty[id] {
                // statements or jump changed since the last time
                self.ud_dirty[id] = false;
                self.compute_local_ud(id);
            }
        }
        self.in_use[..n].copy_from_slice(&self.luse[..n]);
        self.out_use[..n].fill(0);
        let (in_use, out_use, kill, succ) = (
            &mut self.in_use[..n],
            &mut self.out_use[..n],
            &self.kill[..n],
            &self.succ[..2 * n],
        );
        // levels 1..=maxl, the shallowest first
        for &id in &self.lv_flat[self.lv_start[1] as usize..] {
            let id = id as usize;
            let (t, f) = (succ[id] as usize, succ[n + id] as usize);
            let o = out_use[id] | in_use[t] | in_use[f];
            out_use[id] = o;
            in_use[id] |= o & !kill[id];
        }
    }

    fn find_edom(&mut self) {
        let n = self.n;
        let w = self.ewords;
        self.edom.fill(u64::MAX);
        self.edom[..w].fill(0);
        self.edom[n * w..(n + 1) * w].fill(0);
        if w == 1 {
            let (edom, succ) = (&mut self.edom[..2 * n], &self.succ[..2 * n]);
            for &id in &self.down {
                let id = id as usize;
                for e in [id, n + id] {
                    let d = edom[e] | 1 << e;
                    edom[e] = d;
                    let s = succ[e];
                    if s != NONE {
                        edom[s as usize] &= d;
                        edom[n + s as usize] &= d;
                    }
                }
            }
            return;
        }
        let (edom, succ) = (&mut self.edom[..], &self.succ[..2 * n]);
        for &id in &self.down {
            let id = id as usize;
            for e in [id, n + id] {
                edom[e * w + e / 64] |= 1 << (e % 64);
                let s = succ[e];
                if s != NONE {
                    let s = s as usize;
                    intersect_into(edom, w, e, s, n + s);
                }
            }
        }
    }

    /// In-edge lists in libpcap's order (each edge was prepended while
    /// walking the levels from the deepest), stored flat.
    fn find_inedges(&mut self) {
        // same graph and same levels as last time: same lists
        if self.ie_ver == (self.gver, self.lv_ver) {
            return;
        }
        self.ie_ver = (self.gver, self.lv_ver);
        let n = self.n;
        reset(&mut self.in_pos, n, 0);
        {
            let (in_pos, succ) = (&mut self.in_pos[..n], &self.succ[..2 * n]);
            // levels 1..=maxl
            for &id in &self.lv_flat[self.lv_start[1] as usize..] {
                let id = id as usize;
                in_pos[succ[id] as usize] += 1;
                in_pos[succ[n + id] as usize] += 1;
            }
        }
        self.in_start.resize(n + 1, 0);
        self.in_start[0] = 0;
        let mut acc = 0;
        for (c, st) in self.in_pos.iter_mut().zip(self.in_start[1..].iter_mut()) {
            acc += *c;
            *st = acc;
            *c = acc;
        }
        reset(&mut self.in_flat, acc as usize, 0);
        // levels maxl..=1 (level 0 ends `down`); only the predecessors
        // are kept (an edge's block)
        let k = self.down.len() - self.lv_start[1] as usize;
        let (in_pos, in_flat, succ) = (
            &mut self.in_pos[..n],
            &mut self.in_flat[..],
            &self.succ[..2 * n],
        );
        for &id in &self.down[..k] {
            let (t, f) = (succ[id as usize] as usize, succ[n + id as usize] as usize);
            in_pos[t] -= 1;
            in_flat[in_pos[t] as usize] = id;
            in_pos[f] -= 1;
            in_flat[in_pos[f] as usize] = id;
        }
    }

    fn in_range(&self, id: usize) -> std::ops::Range<usize> {
        self.in_start[id] as usize..self.in_start[id + 1] as usize
    }

    fn vstore(&mut self, id: usize, si: usize, slot: usize, newval: u32, alter: bool) {
        if alter && newval != 0 && self.val[id][slot] == newval {
            self.st[si].code = NOP;
        } else {
            self.val[id][slot] = newval;
        }
    }

    fn fold_op(&mut self, si: usize, v0: u32, v1: u32) -> R<()> {
        let a = self.cval(v0).unwrap_or(0);
        let c = self.cval(v1).unwrap_or(0);
        let code = self.st[si].code;
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
        let s = &mut self.st[si];
        s.k = r;
        s.code = BPF_LD | BPF_IMM;
        self.done = false;
        self.nbm = true;
        Ok(())
    }

    /// Value-number statement `si` (arena index) of block `id`.
    fn opt_stmt(&mut self, id: usize, si: usize, alter: bool) -> R<()> {
        let S { code, k } = self.st[si];
        match code {
            0x20 | 0x28 | 0x30 => {
                let v = self.f(code, k, 0);
                self.vstore(id, si, A_ATOM, v, alter);
            }
            0x40 | 0x48 | 0x50 => {
                let xv = self.val[id][X_ATOM];
                let v = if let (true, Some(c)) = (alter, self.cval(xv)) {
                    let s = &mut self.st[si];
                    s.code = BPF_LD | BPF_ABS | size(code);
                    s.k = s.k.wrapping_add(c);
                    let (nc, nk) = (s.code, s.k);
                    self.done = false;
                    self.nbm = true;
                    self.f(nc, nk, 0)
                } else {
                    self.f(code, k, xv)
                };
                self.vstore(id, si, A_ATOM, v, alter);
            }
            0x80 => {
                let v = self.f(code, 0, 0);
                self.vstore(id, si, A_ATOM, v, alter);
            }
            0x00 => {
                let v = self.kv(k);
                self.vstore(id, si, A_ATOM, v, alter);
            }
            0x01 => {
                let v = self.kv(k);
                self.vstore(id, si, X_ATOM, v, alter);
            }
            0xb1 => {
                let v = self.f(code, k, 0);
                self.vstore(id, si, X_ATOM, v, alter);
            }
            0x84 => {
                let av = self.val[id][A_ATOM];
                if let (true, Some(c)) = (alter, self.cval(av)) {
                    let nk = 0u32.wrapping_sub(c);
                    let s = &mut self.st[si];
                    s.code = BPF_LD | BPF_IMM;
                    s.k = nk;
                    self.val[id][A_ATOM] = self.kv(nk);
                } else {
                    self.val[id][A_ATOM] = self.f(code, av, 0);
                }
            }
            c if class(c) == BPF_ALU && src(c) == BPF_K => {
                let o = op(c);
                if alter {
                    if k == 0 {
                        if matches!(o, BPF_ADD | BPF_LSH | BPF_RSH | BPF_OR | BPF_XOR) {
                            self.st[si].code = NOP;
                            return Ok(());
                        }
                        if matches!(o, BPF_MUL | BPF_AND) {
                            self.st[si].code = BPF_LD | BPF_IMM;
                            self.val[id][A_ATOM] = self.kv(k);
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
                        let kv = self.kv(k);
                        self.fold_op(si, av, kv)?;
                        let nk = self.st[si].k;
                        self.val[id][A_ATOM] = self.kv(nk);
                        return Ok(());
                    }
                }
                let av = self.val[id][A_ATOM];
                let kv = self.kv(k);
                self.val[id][A_ATOM] = self.f(c, av, kv);
            }
            c if class(c) == BPF_ALU && src(c) == BPF_X => {
                let o = op(c);
                let xv = self.val[id][X_ATOM];
                let av = self.val[id][A_ATOM];
                if alter {
                    if let Some(xc) = self.cval(xv) {
                        if self.cval(av).is_some() {
                            self.fold_op(si, av, xv)?;
                            let nk = self.st[si].k;
                            self.val[id][A_ATOM] = self.kv(nk);
                        } else {
                            {
                                let s = &mut self.st[si];
                                s.code = BPF_ALU | BPF_K | o;
                                s.k = xc;
                            }
                            if (o == BPF_LSH || o == BPF_RSH) && xc > 31 {
                                return Err("shift by more than 31 bits".into());
                            }
                            self.done = false;
                            self.nbm = true;
                            let kv = self.kv(xc);
                            self.val[id][A_ATOM] = self.f(BPF_ALU | BPF_K | o, av, kv);
                        }
                        return Ok(());
                    }
                    if self.cval(av) == Some(0) {
                        if matches!(o, BPF_ADD | BPF_OR | BPF_XOR) {
                            self.st[si].code = BPF_MISC | BPF_TXA;
                            self.vstore(id, si, A_ATOM, xv, alter);
                            return Ok(());
                        } else if matches!(
                            o,
                            BPF_MUL | BPF_DIV | BPF_MOD | BPF_AND | BPF_LSH | BPF_RSH
                        ) {
                            {
                                let s = &mut self.st[si];
                                s.code = BPF_LD | BPF_IMM;
                                s.k = 0;
                            }
                            let kv = self.kv(0);
                            self.vstore(id, si, A_ATOM, kv, alter);
                            return Ok(());
                        } else if o == BPF_NEG {
                            self.st[si].code = NOP;
                            return Ok(());
                        }
                    }
                }
                self.val[id][A_ATOM] = self.f(c, av, xv);
            }
            0x87 => {
                let xv = self.val[id][X_ATOM];
                self.vstore(id, si, A_ATOM, xv, alter);
            }
            0x60 => {
                let v = self.val[id][(k as usize) & 15];
                if let (true, Some(c)) = (alter, self.cval(v)) {
                    let s = &mut self.st[si];
                    s.code = BPF_LD | BPF_IMM;
                    s.k = c;
                    self.done = false;
                    self.nbm = true;
                }
                self.vstore(id, si, A_ATOM, v, alter);
            }
            0x07 => {
                let av = self.val[id][A_ATOM];
                self.vstore(id, si, X_ATOM, av, alter);
            }
            0x61 => {
                let v = self.val[id][(k as usize) & 15];
                if let (true, Some(c)) = (alter, self.cval(v)) {
                    let s = &mut self.st[si];
                    s.code = BPF_LDX | BPF_IMM;
                    s.k = c;
                    self.done = false;
                    self.nbm = true;
                }
                self.vstore(id, si, X_ATOM, v, alter);
            }
            0x02 => {
                let av = self.val[id][A_ATOM];
                self.vstore(id, si, (k as usize) & 15, av, alter);
            }
            0x03 => {
                let xv = self.val[id][X_ATOM];
                self.vstore(id, si, (k as usize) & 15, xv, alter);
            }
            _ => {}
        }
        Ok(())
    }

    /// First non-NOP statement at or after arena index `i` (before `end`).
    #[inline]
    fn this_op(&self, mut i: usize, end: usize) -> Option<usize> {
        while i < end && self.st[i].code == NOP {
            i += 1;
        }
        (i < end).then_some(i)
    }

    fn opt_not(&mut self, id: usize) {
        let n = self.n;
        self.succ.swap(id, n + id);
        self.gver += 1;
    }

    fn opt_peep(&mut self, id: usize) {
        let base = self.sstart[id] as usize;
        let end = base + self.slen[id] as usize;
        if base == end {
            return;
        }
        let mut last = base;
        let mut s = base;
        while let Some(si) = self.this_op(s, end) {
            let Some(next) = self.this_op(si + 1, end) else {
                break;
            };
            last = next;
            let (sc, sk) = (self.st[si].code, self.st[si].k);
            let (nc, nk) = (self.st[next].code, self.st[next].k);
            if sc == BPF_ST && nc == (BPF_LDX | BPF_MEM) && sk == nk {
                self.done = false;
                self.nbm = true;
                self.st[next].code = BPF_MISC | BPF_TAX;
            }
            let nc = self.st[next].code;
            if sc == (BPF_LD | BPF_IMM) && nc == (BPF_MISC | BPF_TAX) {
                self.st[si].code = BPF_LDX | BPF_IMM;
                self.st[next].code = BPF_MISC | BPF_TXA;
                self.done = false;
                self.nbm = true;
            }
            if self.st[si].code == (BPF_LD | BPF_IMM) {
                if self.out_use[id] & amask(X_ATOM) != 0 {
                    s = next;
                    continue;
                }
                let add = if self.st[next].code != (BPF_LDX | BPF_MSH | BPF_B) {
                    Some(next)
                } else {
                    self.this_op(next + 1, end)
                };
                let Some(add) = add.filter(|&a| self.st[a].code == (BPF_ALU | BPF_ADD | BPF_X))
                else {
                    s = next;
                    continue;
                };
                let Some(tax) = self
                    .this_op(add + 1, end)
                    .filter(|&t| self.st[t].code == (BPF_MISC | BPF_TAX))
                else {
                    s = next;
                    continue;
                };
                let Some(ild) = self.this_op(tax + 1, end).filter(|&t| {
                    let c = self.st[t].code;
                    class(c) == BPF_LD && mode(c) == BPF_IND
                }) else {
                    s = next;
                    continue;
                };
                let k0 = self.st[si].k;
                let st = &mut self.st;
                st[ild].k = st[ild].k.wrapping_add(k0);
                st[si].code = NOP;
                st[add].code = NOP;
                st[tax].code = NOP;
                self.done = false;
                self.nbm = true;
            }
            s = next;
        }
        let lastc = self.st[last].code;
        if self.code[id] == (BPF_JMP | BPF_JEQ | BPF_K) && self.out_use[id] & amask(A_ATOM) == 0 {
            if lastc == (BPF_ALU | BPF_SUB | BPF_X) {
                let xv = self.val[id][X_ATOM];
                if let Some(c) = self.cval(xv) {
                    self.k[id] = self.k[id].wrapping_add(c);
                    self.st[last].code = NOP;
                    self.done = false;
                    self.nbm = true;
                } else if self.k[id] == 0 {
                    self.st[last].code = NOP;
                    self.code[id] = BPF_JMP | BPF_JEQ | BPF_X;
                    self.done = false;
                    self.nbm = true;
                }
            } else if lastc == (BPF_ALU | BPF_SUB | BPF_K) {
                let lk = self.st[last].k;
                self.st[last].code = NOP;
                self.k[id] = self.k[id].wrapping_add(lk);
                self.done = false;
                self.nbm = true;
            } else if lastc == (BPF_ALU | BPF_AND | BPF_K) && self.k[id] == 0 {
                self.k[id] = self.st[last].k;
                self.code[id] = BPF_JMP | BPF_K | BPF_JSET;
                self.st[last].code = NOP;
                self.done = false;
                self.nbm = true;
                self.opt_not(id);
            }
        }
        let n = self.n;
        if self.code[id] == (BPF_JMP | BPF_K | BPF_JSET) {
            if self.k[id] == 0 {
                let f = self.jf(id);
                self.set_succ(id, f);
            }
            if self.k[id] == 0xffff_ffff {
                let t = self.jt(id);
                self.set_succ(n + id, t);
            }
        }
        let xv = self.val[id][X_ATOM];
        if let Some(c) = self.cval(xv) {
            if src(self.code[id]) == BPF_X {
                self.code[id] &= !BPF_X;
                self.k[id] = c;
                self.ud_dirty[id] = true;
            }
        }
        let av = self.val[id][A_ATOM];
        if let Some(mut v) = self.cval(av) {
            if src(self.code[id]) == BPF_K {
                let bk = self.k[id];
                v = match op(self.code[id]) {
                    BPF_JEQ => (v == bk) as u32,
                    BPF_JGT => (v > bk) as u32,
                    BPF_JGE => (v >= bk) as u32,
                    BPF_JSET => v & bk,
                    _ => v,
                };
                if self.jf(id) != self.jt(id) {
                    self.done = false;
                    self.nbm = true;
                }
                if v != 0 {
                    let t = self.jt(id);
                    self.set_succ(n + id, t);
                } else {
                    let f = self.jf(id);
                    self.set_succ(id, f);
                }
            }
        }
    }

    /// One instruction of `opt_deadstores`' scan: its uses clear their
    /// atoms' pending stores; a definition of an atom whose store is still
    /// pending (unused since) makes that store dead. Returns the atoms it
    /// defines (at most one).
    #[inline(always)]
    fn deadstore_step(&mut self, last: &[u32; N_ATOMS], pend: &mut u32, code: u16, k: u32) -> u32 {
        *pend &= !atom_mask(&USE_MASK, code, k, N_ATOMS as u32);
        let d = atom_mask(&DEF_MASK, code, k, N_ATOMS as u32);
        if *pend & d != 0 {
            self.done = false;
            self.st[last[d.trailing_zeros() as usize] as usize].code = NOP;
        }
        d
    }

    fn opt_deadstores(&mut self, id: usize) {
        // last[a]: statement that last defined atom a (valid when bit a of
        // `pend` is set)
        let mut last = [0u32; N_ATOMS];
        let mut pend = 0u32;
        let base = self.sstart[id] as usize;
        let n = self.slen[id] as usize;
        for i in base..base + n {
            let S { code, k } = self.st[i];
            if code == NOP {
                continue;
            }
            let d = self.deadstore_step(&last, &mut pend, code, k);
            if d != 0 {
                last[d.trailing_zeros() as usize] = i as u32;
                pend |= d;
            }
        }
        // the block's own jump or return: its definition is no store
        let (code, k) = (self.code[id], self.k[id]);
        let d = self.deadstore_step(&last, &mut pend, code, k);
        pend &= !d;
        let mut rest = pend & !self.out_use[id];
        while rest != 0 {
            let atom = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            self.st[last[atom] as usize].code = NOP;
            self.val[id][atom] = 0;
            self.nbm = true;
            self.done = false;
        }
    }

    fn opt_blk(&mut self, id: usize, do_stmts: bool) -> R<()> {
        let ins = self.in_range(id);
        if ins.is_empty() {
            self.val[id] = [0; N_ATOMS];
        } else {
            let p0 = self.in_flat[ins.start] as usize;
            let mut v = self.val[p0];
            for k in ins.start + 1..ins.end {
                let p = self.in_flat[k] as usize;
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
        let base = self.sstart[id] as usize;
        // every change of the statements below clears `done`, except
        // those of opt_stmt with `alter` (and the jump's X -> K rewrite in
        // opt_peep, which marks the block itself)
        let done0 = self.done;
        self.done = true;
        if do_stmts {
            self.ud_dirty[id] = true;
        }
        let r = self.opt_blk_body(id, base, aval, xval, do_stmts);
        if !self.done {
            self.ud_dirty[id] = true;
        }
        self.done &= done0;
        r
    }

    fn opt_blk_body(
        &mut self,
        id: usize,
        base: usize,
        aval: u32,
        xval: u32,
        do_stmts: bool,
    ) -> R<()> {
        for si in base..base + self.slen[id] as usize {
            self.opt_stmt(id, si, do_stmts)?;
        }
        if do_stmts
            && ((self.out_use[id] == 0
                && aval != 0
                && self.val[id][A_ATOM] == aval
                && xval != 0
                && self.val[id][X_ATOM] == xval)
                || class(self.code[id]) == BPF_RET)
        {
            if self.slen[id] != 0 {
                self.slen[id] = 0;
                self.done = false;
                self.nbm = true;
            }
        } else {
            self.opt_peep(id);
            self.opt_deadstores(id);
        }
        self.oval[id] = if src(self.code[id]) == BPF_K {
            let k = self.k[id];
            self.kv(k)
        } else {
            self.val[id][X_ATOM]
        };
        Ok(())
    }

    #[inline(always)]
    fn use_conflict(&self, b: usize, succ: usize) -> bool {
        let mut u = self.out_use[succ];
        while u != 0 {
            let a = u.trailing_zeros() as usize;
            u &= u - 1;
            if a < N_ATOMS && self.val[b][a] != self.val[succ][a] {
                return true;
            }
        }
        false
    }

    #[inline(always)]
    fn opt_j(&mut self, e: usize) {
        let succ = self.succ[e];
        if succ == NONE {
            return;
        }
        let succ = succ as usize;
        let t = self.jt(succ);
        if t == NONE {
            return;
        }
        let pred = self.edge_pred(e);
        if t == self.jf(succ) && !self.use_conflict(pred, t as usize) {
            self.nbm = true;
            self.done = false;
            self.set_succ(e, t);
        }
        let w = self.ewords;
        let n = self.n;
        'top: loop {
            // fold_edge(child, k) for every dominating edge k, with the
            // child's side hoisted
            let child = self.succ[e] as usize;
            let ccode = self.code[child];
            let caval = self.val[child][A_ATOM];
            let coval = self.oval[child];
            let (cjt, cjf) = (self.succ[child], self.succ[n + child]);
            let jeq = ccode == (BPF_JMP | BPF_JEQ | BPF_K);
            for wi in 0..w {
                let mut x = self.edom[e * w + wi];
                while x != 0 {
                    let k = wi * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    let (pk, sense) = if k < n { (k, true) } else { (k - n, false) };
                    if self.code[pk] != ccode || self.val[pk][A_ATOM] != caval {
                        continue;
                    }
                    let target = if coval == self.oval[pk] {
                        if sense {
                            cjt
                        } else {
                            cjf
                        }
                    } else if sense && jeq {
                        cjf
                    } else {
                        NONE
                    };
                    if target != NONE && !self.use_conflict(pred, target as usize) {
                        self.done = false;
                        self.set_succ(e, target);
                        if self.jt(target as usize) != NONE {
                            continue 'top;
                        }
                        return;
                    }
                }
            }
            return;
        }
    }

    #[inline(always)]
    fn pullup(&mut self, id: usize, is_or: bool) {
        let ins = self.in_range(id);
        if ins.is_empty() {
            return;
        }
        let n = self.n;
        let val = self.val[self.in_flat[ins.start] as usize][A_ATOM];
        for k in ins.start + 1..ins.end {
            if val != self.val[self.in_flat[k] as usize][A_ATOM] {
                return;
            }
        }
        // "same" = JT for or_pullup (chain goes down JF), JF for and_pullup;
        // a "slot" is an edge (the pointer libpcap walks): the chain edge
        // of block x is x + chain
        let (same, chain) = if is_or { (0, n) } else { (n, 0) };
        let same_b = self.succ[same + id];
        let dw = self.dwords;
        let dom_has = |o: &Opt, x: usize| o.dom[x * dw + id / 64] & (1 << (id % 64)) != 0;
        let p0 = self.in_flat[ins.start] as usize;
        let mut diffp = if self.jt(p0) == id as u32 { p0 } else { n + p0 };
        let mut at_top = true;
        loop {
            let d = self.succ[diffp];
            if d == NONE {
                return;
            }
            let d = d as usize;
            if self.succ[same + d] != same_b {
                return;
            }
            if !dom_has(self, d) {
                return;
            }
            if self.val[d][A_ATOM] != val {
                break;
            }
            diffp = chain + d;
            at_top = false;
        }
        let d = self.succ[diffp] as usize;
        let mut samep = chain + d;
        loop {
            let sm = self.succ[samep];
            if sm == NONE {
                return;
            }
            let sm = sm as usize;
            if self.succ[same + sm] != same_b {
                return;
            }
            if !dom_has(self, sm) {
                return;
            }
            if self.val[sm][A_ATOM] == val {
                break;
            }
            samep = chain + sm;
        }
        let pull = self.succ[samep] as usize;
        let pull_next = self.succ[chain + pull];
        self.set_succ(samep, pull_next);
        let dv = self.succ[diffp];
        self.set_succ(chain + pull, dv);
        if at_top {
            for k in ins {
                let p = self.in_flat[k] as usize;
                if self.jt(p) == id as u32 {
                    self.set_succ(p, pull as u32);
                } else {
                    self.set_succ(n + p, pull as u32);
                }
            }
        } else {
            self.set_succ(diffp, pull as u32);
        }
        self.done = false;
    }

    fn opt_blks(&mut self, do_stmts: bool) -> R<()> {
        self.vn.reset();
        self.vconst.clear();
        self.vconst.push(u64::MAX);
        self.curval = 0;
        self.find_inedges();
        for bi in 0..self.down.len() {
            let id = self.down[bi] as usize;
            self.opt_blk(id, do_stmts)?;
        }
        if do_stmts {
            return Ok(());
        }
        let n = self.n;
        // levels 1..=maxl, the shallowest first
        let (lo, hi) = (self.lv_start[1] as usize, self.lv_flat.len());
        for bi in lo..hi {
            let id = self.lv_flat[bi] as usize;
            self.opt_j(id);
            self.opt_j(n + id);
        }
        self.find_inedges();
        for bi in lo..hi {
            let id = self.lv_flat[bi] as usize;
            self.pullup(id, true);
            self.pullup(id, false);
        }
        Ok(())
    }

    fn opt_loop(&mut self, do_stmts: bool) -> R<()> {
        let mut loop_count = 0;
        loop {
            self.done = true;
            self.nbm = false;
            if self.lv_ver != self.gver {
                // levels and (edge) dominators depend only on the graph
                self.lv_ver = self.gver;
                self.find_levels();
                self.find_dom();
                self.find_edom();
            }
            self.find_ud();
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

    /// libpcap's intern_blocks: every reachable block i is linked to the
    /// first reachable block j > i equal to it (same jump, targets and live
    /// statements), and edges to i go to j, until nothing changes. The
    /// candidates come from a hash table keyed by the jump, the targets and
    /// a hash of the live statements (the nearest block above i with the
    /// same key is the first one that can be equal); a hash collision falls
    /// back to libpcap's linear scan.
    fn intern_blocks(&mut self) {
        let n = self.n;
        if n == 0 {
            return;
        }
        let Opt {
            succ,
            code,
            k,
            sstart,
            slen,
            st,
            mark,
            link,
            keys,
            shash,
            itab,
            stack,
            ..
        } = self;
        let (succ, code, k, sstart, slen, st) = (
            &mut succ[..2 * n],
            &code[..n],
            &k[..n],
            &sstart[..n],
            &slen[..n],
            &st[..],
        );
        let stmts = |i: usize| &st[sstart[i] as usize..][..slen[i] as usize];
        // do the live statements of blocks i and j agree?
        let eq_stmts = |i: usize, j: usize| {
            let live = |s: &&S| s.code != NOP;
            stmts(i)
                .iter()
                .filter(live)
                .map(|s| (s.code, s.k))
                .eq(stmts(j).iter().filter(live).map(|s| (s.code, s.k)))
        };
        // jump and statements do not change here: hash them once
        keys.clear();
        shash.clear();
        for i in 0..n {
            let k1 = (code[i] as u64) << 32 | k[i] as u64;
            let mut h = k1;
            for s in stmts(i) {
                if s.code != NOP {
                    h = (h ^ ((s.code as u64) << 32 | s.k as u64))
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
                }
            }
            keys.push((k1, 0, 0));
            shash.push(h);
        }
        let (keys, shash) = (&mut keys[..n], &shash[..n]);
        let size = (2 * n).next_power_of_two();
        let mask = size - 1;
        let slot = |h: u64| (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask;
        loop {
            let mut done1 = true;
            reset(link, n, NONE);
            reset(mark, n, false);
            let (link, mark) = (&mut link[..n], &mut mark[..n]);
            // mark reachable
            stack.clear();
            stack.push((0, 0));
            while let Some((b, _)) = stack.pop() {
                let b = b as usize;
                if mark[b] {
                    continue;
                }
                mark[b] = true;
                let (t, f) = (succ[b], succ[n + b]);
                if t != NONE && f != NONE {
                    stack.push((t, 0));
                    stack.push((f, 0));
                }
            }
            if n >= 2 {
                for i in 0..n {
                    if mark[i] {
                        let k2 = (succ[i] as u64) << 32 | succ[n + i] as u64;
                        let h = shash[i] ^ k2.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        keys[i] = (keys[i].0, k2, h);
                    }
                }
                reset(itab, size, NONE);
                let itab = &mut itab[..size];
                if mark[n - 1] {
                    let mut p = slot(keys[n - 1].2);
                    while itab[p] != NONE {
                        p = (p + 1) & mask;
                    }
                    itab[p] = (n - 1) as u32;
                }
                for i in (0..n - 1).rev() {
                    if !mark[i] {
                        continue;
                    }
                    let ki = keys[i];
                    let mut p = slot(ki.2);
                    let mut cand = NONE;
                    while itab[p] != NONE {
                        let j = itab[p] as usize;
                        if keys[j] == ki {
                            cand = j as u32;
                            break;
                        }
                        p = (p + 1) & mask;
                    }
                    if cand != NONE {
                        let j = cand as usize;
                        let found = if eq_stmts(i, j) {
                            Some(j)
                        } else {
                            (i + 1..n).find(|&j| {
                                mark[j] && keys[j].0 == ki.0 && keys[j].1 == ki.1 && eq_stmts(i, j)
                            })
                        };
                        if let Some(j) = found {
                            let lj = link[j];
                            link[i] = if lj != NONE { lj } else { j as u32 };
                        }
                    }
                    // the nearest block with this key is now i
                    itab[p] = i as u32;
                }
            }
            for i in 0..n {
                let (t, f) = (succ[i], succ[n + i]);
                if t == NONE || f == NONE {
                    continue;
                }
                let lt = link[t as usize];
                if lt != NONE {
                    done1 = false;
                    succ[i] = lt;
                }
                let lf = link[f as usize];
                if lf != NONE {
                    done1 = false;
                    succ[n + i] = lf;
                }
            }
            if done1 {
                break;
            }
        }
    }

    fn run(&mut self) -> R<()> {
        self.opt_loop(false)?;
        self.opt_loop(true)?;
        self.intern_blocks();
        Ok(())
    }
}

/// rows `d1` and `d2` &= row `src` of a bit matrix with `w` words per row
/// (src is never d1 or d2; d1 may be d2)
#[inline(always)]
fn intersect_into(m: &mut [u64], w: usize, src: usize, d1: usize, d2: usize) {
    and_row(m, w, src, d1);
    and_row(m, w, src, d2);
}

/// row `dst` &= row `src` (different rows)
#[inline(always)]
fn and_row(m: &mut [u64], w: usize, src: usize, dst: usize) {
    let (s0, d0) = (src * w, dst * w);
    if s0 + w > m.len() || d0 + w > m.len() || src == dst {
        return;
    }
    let (s, d) = if s0 < d0 {
        let (lo, hi) = m.split_at_mut(d0);
        (&lo[s0..s0 + w], &mut hi[..w])
    } else {
        let (lo, hi) = m.split_at_mut(s0);
        (&hi[..w], &mut lo[d0..d0 + w])
    };
    for (y, x) in d.iter_mut().zip(s) {
        *y &= *x;
    }
}
