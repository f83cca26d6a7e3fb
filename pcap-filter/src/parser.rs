//! Recursive-descent parser with the semantics (and the action order) of
//! libpcap 1.10.3's yacc grammar; code is generated while parsing, like the
//! grammar's actions do, so register numbers and offsets evolve the same way.

use crate::bpf::*;
use crate::gencode::*;
use crate::lexer::{Kw, Tok};

pub const SYNTAX: &str = "can't parse filter expression: syntax error";

pub struct Parser<'c, 'a> {
    toks: Vec<Tok>,
    pos: usize,
    /// For each token: whether an `id` starts there (see `id_start`),
    /// precomputed so deep nesting stays linear.
    id_at: Vec<bool>,
    /// For each `(`: whether its group is an arithmetic operand.
    arith_at: Vec<bool>,
    pub cs: &'c mut Cs<'a>,
}

fn pname_of(k: Kw) -> Option<P> {
    use Kw::*;
    Some(match k {
        Link => P::Link,
        Ip => P::Ip,
        Arp => P::Arp,
        Rarp => P::Rarp,
        Sctp => P::Sctp,
        Tcp => P::Tcp,
        Udp => P::Udp,
        Icmp => P::Icmp,
        Igmp => P::Igmp,
        Igrp => P::Igrp,
        Pim => P::Pim,
        Vrrp => P::Vrrp,
        Carp => P::Carp,
        Atalk => P::Atalk,
        Aarp => P::Aarp,
        Decnet => P::Decnet,
        Lat => P::Lat,
        Sca => P::Sca,
        Moprc => P::Moprc,
        Mopdl => P::Mopdl,
        Ipv6 => P::Ipv6,
        Icmpv6 => P::Icmpv6,
        Ah => P::Ah,
        Esp => P::Esp,
        Iso => P::Iso,
        Esis => P::Esis,
        Isis => P::Isis,
        L1 => P::IsisL1,
        L2 => P::IsisL2,
        Iih => P::IsisIih,
        Lsp => P::IsisLsp,
        Snp => P::IsisSnp,
        Csnp => P::IsisCsnp,
        Psnp => P::IsisPsnp,
        Clnp => P::Clnp,
        Stp => P::Stp,
        Ipx => P::Ipx,
        Netbeui => P::Netbeui,
        Radio => P::Radio,
        _ => return None,
    })
}

fn is_dqual(k: Kw) -> bool {
    matches!(
        k,
        Kw::Src | Kw::Dst | Kw::Addr1 | Kw::Addr2 | Kw::Addr3 | Kw::Addr4 | Kw::Ra | Kw::Ta
    )
}

fn is_aqual(k: Kw) -> bool {
    matches!(
        k,
        Kw::Host | Kw::Net | Kw::Port | Kw::Portrange | Kw::Proto | Kw::Protochain | Kw::Gateway
    )
}

fn binop(t: &Tok) -> Option<(u8, u16)> {
    // (precedence, ALU op); higher binds tighter
    Some(match t {
        Tok::Ch('|') => (1, BPF_OR),
        Tok::Ch('^') => (2, BPF_XOR),
        Tok::Ch('&') => (3, BPF_AND),
        Tok::Lsh => (4, BPF_LSH),
        Tok::Rsh => (4, BPF_RSH),
        Tok::Ch('+') => (5, BPF_ADD),
        Tok::Ch('-') => (5, BPF_SUB),
        Tok::Ch('*') => (6, BPF_MUL),
        Tok::Ch('/') => (6, BPF_DIV),
        Tok::Ch('%') => (6, BPF_MOD),
        _ => return None,
    })
}

fn relop(t: &Tok) -> Option<(u16, bool)> {
    Some(match t {
        Tok::Ch('>') => (BPF_JGT, false),
        Tok::Geq => (BPF_JGE, false),
        Tok::Ch('=') => (BPF_JEQ, false),
        Tok::Leq => (BPF_JGT, true),
        Tok::Ch('<') => (BPF_JGE, true),
        Tok::Neq => (BPF_JEQ, true),
        _ => return None,
    })
}

impl<'c, 'a> Parser<'c, 'a> {
    pub fn new(toks: Vec<Tok>, cs: &'c mut Cs<'a>) -> Self {
        let n = toks.len();
        // Match parentheses once (tokens after an Eof are never reached).
        let mut arith_at = vec![false; n];
        // pnum_at[o]: the group opened at o is a parenthesised number
        // ("paren pnum ')'"), which yacc takes as one `pnum`; pnum_end[o]:
        // its closing parenthesis
        let mut pnum_at = vec![false; n];
        let mut pnum_end = vec![0usize; n];
        // could_arith[o]: the group's content can be an arithmetic
        // expression (starts like one, no relation/and/or/not at its level);
        // otherwise yacc has committed to "( expr )" long before the ')'
        let mut could_arith = vec![false; n];
        let mut flat_bad = vec![false; n];
        let mut open: Vec<usize> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            match t {
                Tok::Ch('(') => open.push(i),
                Tok::And | Tok::Or | Tok::Not | Tok::Ch('!') => {
                    if let Some(&o) = open.last() {
                        flat_bad[o] = true;
                    }
                }
                t if relop(t).is_some() => {
                    if let Some(&o) = open.last() {
                        flat_bad[o] = true;
                    }
                }
                Tok::Ch(')') => {
                    if let Some(o) = open.pop() {
                        let first = &toks[o + 1];
                        could_arith[o] = !flat_bad[o]
                            && match first {
                                Tok::Num(_) | Tok::Kw(Kw::Len) | Tok::Ch('-') => true,
                                Tok::Kw(k) => {
                                    pname_of(*k).is_some() && toks.get(o + 2) == Some(&Tok::Ch('['))
                                }
                                Tok::Ch('(') => could_arith[o + 1],
                                _ => false,
                            };
                        // content that can only be arithmetic makes yacc
                        // take the group as "( arth )", whatever follows
                        arith_at[o] = could_arith[o];
                        pnum_at[o] = (i == o + 2 && matches!(toks[o + 1], Tok::Num(_)))
                            || (toks[o + 1] == Tok::Ch('(')
                                && pnum_at[o + 1]
                                && pnum_end[o + 1] + 1 == i);
                        pnum_end[o] = i;
                    }
                }
                Tok::Eof => break,
                _ => {}
            }
        }
        // id_at[p] depends on p+1 only: fill from the end.
        let mut id_at = vec![false; n + 1];
        for p in (0..n).rev() {
            id_at[p] = match &toks[p] {
                Tok::Id(_) | Tok::Hid(_) | Tok::Hid6(_) | Tok::Eid(_) | Tok::Aid(_) => true,
                Tok::Not | Tok::Ch('!') => id_at[p + 1],
                Tok::Num(_) => {
                    // after "and"/"or" a number is an id only when what
                    // follows can follow an id; otherwise yacc's default
                    // reduction makes it an arithmetic operand
                    matches!(
                        toks.get(p + 1).unwrap_or(&Tok::Eof),
                        Tok::And | Tok::Or | Tok::Ch(')') | Tok::Eof
                    )
                }
                // a parenthesised number is one pnum: like a number
                Tok::Ch('(') if pnum_at[p] => matches!(
                    toks.get(pnum_end[p] + 1).unwrap_or(&Tok::Eof),
                    Tok::And | Tok::Or | Tok::Ch(')') | Tok::Eof
                ),
                // "( pid )" vs "( expr )": yacc reduces a name or address
                // inside the parentheses as soon as it reads it, whatever
                // follows the group
                Tok::Ch('(') => id_at[p + 1],
                _ => false,
            };
        }
        // a parenthesised number that is not an id is an arithmetic operand
        for (a, p) in arith_at.iter_mut().zip(pnum_at.iter()) {
            *a |= *p;
        }
        Parser {
            toks,
            pos: 0,
            id_at,
            arith_at,
            cs,
        }
    }

    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).unwrap_or(&Tok::Eof)
    }
    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).unwrap_or(&Tok::Eof)
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err<T>(&self) -> R<T> {
        if let Tok::Error(m) = self.peek() {
            return Err(m.clone());
        }
        Err(SYNTAX.into())
    }

    fn expect(&mut self, t: Tok) -> R<()> {
        if *self.peek() == t {
            self.next();
            Ok(())
        } else {
            self.err()
        }
    }

    /// prog: null | expr
    pub fn prog(&mut self) -> R<Option<B>> {
        if *self.peek() == Tok::Eof {
            return Ok(None);
        }
        let (b, _) = self.expr(QERR)?;
        if *self.peek() != Tok::Eof {
            return self.err();
        }
        Ok(Some(b))
    }

    fn expr(&mut self, q0: Qual) -> R<(B, Qual)> {
        let (mut b, mut q) = self.term(q0)?;
        loop {
            let is_and = match self.peek() {
                Tok::And => true,
                Tok::Or => false,
                _ => break,
            };
            self.next();
            let (b2, q2) = if self.id_starts_here(self.pos) {
                self.id(q)?
            } else {
                self.term(q)?
            };
            if is_and {
                self.cs.gen_and(b, b2);
            } else {
                self.cs.gen_or(b, b2);
            }
            b = b2;
            q = q2;
        }
        Ok((b, q))
    }

    /// Whether the tokens at `p` form an `id` (rather than a `term`).
    fn id_starts_here(&self, p: usize) -> bool {
        self.id_at.get(p).copied().unwrap_or(false)
    }

    /// At an opening parenthesis: is the parenthesised group an arithmetic
    /// operand (followed by a relational or arithmetic operator)?
    fn paren_is_arith(&self, p: usize) -> bool {
        self.arith_at.get(p).copied().unwrap_or(false)
    }

    fn term(&mut self, q: Qual) -> R<(B, Qual)> {
        match self.peek() {
            Tok::Not | Tok::Ch('!') => {
                self.next();
                let (b, q2) = self.term(q)?;
                self.cs.gen_not(b);
                Ok((b, q2))
            }
            _ => self.rterm(q),
        }
    }

    /// A number or a parenthesised number at the cursor, if there is one.
    fn pnum_try(&mut self) -> Option<u32> {
        let mut k = 0;
        while *self.peek_at(k) == Tok::Ch('(') {
            k += 1;
        }
        if let Tok::Num(n) = self.peek_at(k).clone() {
            if (0..k).all(|j| *self.peek_at(k + 1 + j) == Tok::Ch(')')) {
                self.pos += 2 * k + 1;
                return Some(n);
            }
        }
        None
    }

    /// The optional `pnum` after vlan/mpls/pppoes/geneve.
    fn pnum_opt(&mut self) -> R<Option<u32>> {
        match self.peek().clone() {
            Tok::Num(n) => {
                self.next();
                Ok(Some(n))
            }
            Tok::Ch('(') => {
                // paren pnum ')': nothing else may follow the keyword with a
                // '(', so the parser is committed to a number here
                let mut k = 0;
                while *self.peek() == Tok::Ch('(') {
                    self.next();
                    k += 1;
                }
                let Tok::Num(n) = self.peek().clone() else {
                    return self.err();
                };
                self.next();
                for _ in 0..k {
                    self.expect(Tok::Ch(')'))?;
                }
                Ok(Some(n))
            }
            _ => Ok(None),
        }
    }

    fn rterm(&mut self, q: Qual) -> R<(B, Qual)> {
        let t = self.peek().clone();
        match t {
            Tok::Ch('(') => {
                if self.paren_is_arith(self.pos) {
                    return self.relation();
                }
                self.next();
                let (b, _) = self.expr(q)?;
                self.expect(Tok::Ch(')'))?;
                Ok((b, q))
            }
            Tok::Num(_) | Tok::Kw(Kw::Len) | Tok::Ch('-') => self.relation(),
            Tok::Kw(k) => {
                if let Some(p) = pname_of(k) {
                    match self.peek_at(1).clone() {
                        Tok::Kw(k2) if is_dqual(k2) || is_aqual(k2) => {
                            self.next();
                            self.head_and_id(p)
                        }
                        Tok::Kw(Kw::Broadcast) => {
                            self.pos += 2;
                            Ok((self.cs.broadcast(p)?, QERR))
                        }
                        Tok::Kw(Kw::Multicast) => {
                            self.pos += 2;
                            Ok((self.cs.multicast(p)?, QERR))
                        }
                        Tok::Ch('[') => self.relation(),
                        Tok::Kw(Kw::Type) | Tok::Kw(Kw::Subtype) | Tok::Kw(Kw::Dir) => {
                            self.next();
                            Ok((self.p80211()?, QERR))
                        }
                        Tok::And | Tok::Or | Tok::Ch(')') | Tok::Eof => {
                            self.next();
                            Ok((self.cs.proto_abbrev(p)?, QERR))
                        }
                        _ => {
                            // yacc needs a valid lookahead to reduce here
                            self.next();
                            self.err()
                        }
                    }
                } else if is_dqual(k) || is_aqual(k) {
                    self.head_and_id(P::Default)
                } else {
                    Ok((self.other(k)?, QERR))
                }
            }
            _ => self.err(),
        }
    }

    fn head_and_id(&mut self, proto: P) -> R<(B, Qual)> {
        let mut dir = D::Default;
        if let Tok::Kw(k) = self.peek().clone() {
            if is_dqual(k) {
                self.next();
                dir = match k {
                    Kw::Src | Kw::Dst => {
                        let first = if k == Kw::Src { D::Src } else { D::Dst };
                        let other = if k == Kw::Src { Kw::Dst } else { Kw::Src };
                        match self.peek() {
                            Tok::Or | Tok::And => {
                                let is_or = *self.peek() == Tok::Or;
                                if *self.peek_at(1) == Tok::Kw(other) {
                                    self.pos += 2;
                                    if is_or {
                                        D::Or
                                    } else {
                                        D::And
                                    }
                                } else {
                                    // "dst and" was shifted; the error is
                                    // at the token after it
                                    self.next();
                                    return self.err();
                                }
                            }
                            _ => first,
                        }
                    }
                    Kw::Addr1 => D::Addr1,
                    Kw::Addr2 => D::Addr2,
                    Kw::Addr3 => D::Addr3,
                    Kw::Addr4 => D::Addr4,
                    Kw::Ra => D::Ra,
                    _ => D::Ta,
                };
            }
        }
        let mut addr = A::Default;
        if let Tok::Kw(k) = self.peek().clone() {
            let a = match k {
                Kw::Host => Some(A::Host),
                Kw::Net => Some(A::Net),
                Kw::Port => Some(A::Port),
                Kw::Portrange => Some(A::Portrange),
                Kw::Proto if dir == D::Default => Some(A::Proto),
                Kw::Protochain if dir == D::Default => Some(A::Protochain),
                Kw::Gateway if dir == D::Default => Some(A::Gateway),
                _ => None,
            };
            if let Some(a) = a {
                self.next();
                addr = a;
            }
        }
        let q = Qual { addr, proto, dir };
        self.id(q)
    }

    /// id: nid | pnum | paren pid ')'
    fn id(&mut self, q: Qual) -> R<(B, Qual)> {
        let t = self.peek().clone();
        match t {
            Tok::Id(name) => {
                self.next();
                Ok((self.cs.scode(&name, q)?, q))
            }
            Tok::Hid(s) => {
                self.next();
                match self.peek().clone() {
                    Tok::Ch('/') => {
                        self.next();
                        let Tok::Num(n) = self.peek().clone() else {
                            return self.err();
                        };
                        self.next();
                        Ok((self.cs.mcode(&s, None, n, q)?, q))
                    }
                    Tok::Kw(Kw::Netmask) => {
                        self.next();
                        let Tok::Hid(m) = self.peek().clone() else {
                            return self.err();
                        };
                        self.next();
                        Ok((self.cs.mcode(&s, Some(&m), 0, q)?, q))
                    }
                    next => {
                        // yacc read the next token to see that no '/' or
                        // "mask" follows; a scanner error there was recorded
                        // first, and the grammar's own checks below do not
                        // overwrite it (gencode's errors do)
                        if let Tok::Error(m) = next {
                            if matches!(q.addr, A::Port | A::Portrange | A::Proto | A::Protochain) {
                                return Err(m);
                            }
                        }
                        match q.addr {
                            A::Port => return Err("'port' modifier applied to ip host".into()),
                            A::Portrange => {
                                return Err("'portrange' modifier applied to ip host".into())
                            }
                            A::Proto => return Err("'proto' modifier applied to ip host".into()),
                            A::Protochain => {
                                return Err("'protochain' modifier applied to ip host".into())
                            }
                            _ => {}
                        }
                        Ok((self.cs.ncode(Some(&s), 0, q)?, q))
                    }
                }
            }
            Tok::Hid6(s) => {
                self.next();
                if *self.peek() == Tok::Ch('/') {
                    self.next();
                    let Tok::Num(n) = self.peek().clone() else {
                        return self.err();
                    };
                    self.next();
                    Ok((self.cs.mcode6(&s, None, n, q)?, q))
                } else {
                    Ok((self.cs.mcode6(&s, None, 128, q)?, q))
                }
            }
            Tok::Eid(s) => {
                self.next();
                Ok((self.cs.ecode(&s, q)?, q))
            }
            Tok::Aid(s) => {
                self.next();
                Ok((self.cs.acode(&s, q)?, q))
            }
            Tok::Not | Tok::Ch('!') => {
                self.next();
                let (b, q2) = self.id(q)?;
                self.cs.gen_not(b);
                Ok((b, q2))
            }
            Tok::Num(n) => {
                self.next();
                Ok((self.cs.ncode(None, n, q)?, q))
            }
            Tok::Ch('(') => {
                // paren pid ')' (or paren pnum ')')
                if let Some(n) = self.pnum_try() {
                    return Ok((self.cs.ncode(None, n, q)?, q));
                }
                self.next();
                // pid: nid | qid and id | qid or id; qid: pnum | pid -- the
                // first element is a name/address or a (parenthesised) number
                let (mut b, _) = if *self.peek() == Tok::Ch('(') {
                    match self.pnum_try() {
                        Some(n) => (self.cs.ncode(None, n, q)?, q),
                        None => return self.err(),
                    }
                } else {
                    self.id(q)?
                };
                loop {
                    let is_and = match self.peek() {
                        Tok::And => true,
                        Tok::Or => false,
                        _ => break,
                    };
                    self.next();
                    let (b2, _) = self.id(q)?;
                    if is_and {
                        self.cs.gen_and(b, b2);
                    } else {
                        self.cs.gen_or(b, b2);
                    }
                    b = b2;
                }
                self.expect(Tok::Ch(')'))?;
                Ok((b, q))
            }
            _ => self.err(),
        }
    }

    // ---- arithmetic ---------------------------------------------------------

    fn relation(&mut self) -> R<(B, Qual)> {
        let a0 = self.arth(0)?;
        let Some((code, rev)) = relop(self.peek()) else {
            return self.err();
        };
        self.next();
        let a1 = self.arth(0)?;
        Ok((self.cs.relation(code, a0, a1, rev)?, QERR))
    }

    fn arth(&mut self, min_prec: u8) -> R<Arth> {
        let mut lhs = self.arth_primary()?;
        while let Some((prec, op)) = binop(self.peek()) {
            // '%' and '^' have no precedence in libpcap's grammar: yacc
            // always shifts them, and the rules ending in them always
            // shift the next operator, so they take everything after them.
            let noprec = op == BPF_MOD || op == BPF_XOR;
            if !noprec && prec < min_prec.max(1) {
                break;
            }
            self.next();
            let rhs = if noprec {
                self.arth(1)?
            } else {
                self.arth(prec + 1)?
            };
            lhs = self.cs.arth(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn arth_primary(&mut self) -> R<Arth> {
        match self.peek().clone() {
            Tok::Num(n) => {
                self.next();
                self.cs.loadi(n)
            }
            Tok::Kw(Kw::Len) => {
                self.next();
                self.cs.loadlen()
            }
            Tok::Ch('-') => {
                self.next();
                let a = self.arth_unary()?;
                self.cs.neg(a)
            }
            Tok::Ch('(') => {
                self.next();
                let a = self.arth(0)?;
                self.expect(Tok::Ch(')'))?;
                Ok(a)
            }
            Tok::Kw(k) => {
                let Some(p) = pname_of(k) else {
                    return self.err();
                };
                self.next();
                self.expect(Tok::Ch('['))?;
                let idx = self.arth(0)?;
                let size = if *self.peek() == Tok::Ch(':') {
                    self.next();
                    let Tok::Num(n) = self.peek().clone() else {
                        return self.err();
                    };
                    self.next();
                    n
                } else {
                    1
                };
                self.expect(Tok::Ch(']'))?;
                self.cs.load(p, idx, size)
            }
            _ => self.err(),
        }
    }

    /// Operand of unary minus: binds tighter than every binary operator
    /// except '%' and '^', which yacc always shifts (no precedence).
    fn arth_unary(&mut self) -> R<Arth> {
        let mut lhs = self.arth_primary()?;
        while let Some((_, op)) = binop(self.peek()) {
            if op != BPF_MOD && op != BPF_XOR {
                break;
            }
            self.next();
            let rhs = self.arth(1)?;
            lhs = self.cs.arth(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    // ---- "other" --------------------------------------------------------------

    fn num(&mut self) -> R<u32> {
        match self.peek().clone() {
            Tok::Num(n) => {
                self.next();
                Ok(n)
            }
            _ => self.err(),
        }
    }

    fn other(&mut self, k: Kw) -> R<B> {
        self.next();
        match k {
            Kw::Broadcast => self.cs.broadcast(P::Default),
            Kw::Multicast => self.cs.multicast(P::Default),
            Kw::Less => {
                let n = self.num()?;
                Ok(self.cs.less(n))
            }
            Kw::Greater => {
                let n = self.num()?;
                Ok(self.cs.greater(n))
            }
            Kw::Byte => {
                let idx = self.num()?;
                let op = match self.next() {
                    Tok::Ch(c @ ('&' | '|' | '<' | '>' | '=')) => c,
                    _ => {
                        self.pos -= 1;
                        return self.err();
                    }
                };
                let v = self.num()?;
                self.cs.byteop(op, idx, v)
            }
            Kw::Inbound => self.cs.inbound(false),
            Kw::Outbound => self.cs.inbound(true),
            Kw::Ifindex => {
                let n = self.num()?;
                self.cs.ifindex(n)
            }
            Kw::Vlan => {
                let n = self.pnum_opt()?;
                self.cs.vlan(n)
            }
            Kw::Mpls => {
                let n = self.pnum_opt()?;
                self.cs.mpls(n)
            }
            Kw::Pppoed => self.cs.pppoed(),
            Kw::Pppoes => {
                let n = self.pnum_opt()?;
                self.cs.pppoes(n)
            }
            Kw::Geneve => {
                let n = self.pnum_opt()?;
                self.cs.geneve(n)
            }
            Kw::Llc => match self.peek().clone() {
                Tok::Id(s) => {
                    self.next();
                    self.cs.llc_kind(&s)
                }
                Tok::Kw(Kw::PfRnr) => {
                    self.next();
                    self.cs.llc_kind("rnr")
                }
                _ => self.cs.llc(),
            },
            Kw::PfIfname | Kw::PfRset => {
                let Tok::Id(s) = self.peek().clone() else {
                    return self.err();
                };
                self.next();
                self.cs.pf_string(k == Kw::PfIfname, &s)
            }
            Kw::PfRnr | Kw::PfSrnr => {
                let n = self.num()?;
                self.cs.pf_num(k == Kw::PfRnr, n)
            }
            Kw::PfReason => {
                let v = match self.next() {
                    Tok::Num(n) => n,
                    Tok::Id(s) => self.cs.pf_reason_code(&s)?,
                    _ => {
                        self.pos -= 1;
                        return self.err();
                    }
                };
                self.cs.pf_reason(v)
            }
            Kw::PfAction => {
                let v = match self.next() {
                    Tok::Id(s) => self.cs.pf_action_code(&s)?,
                    _ => {
                        self.pos -= 1;
                        return self.err();
                    }
                };
                self.cs.pf_action(v)
            }
            Kw::Type | Kw::Subtype | Kw::Dir => {
                self.pos -= 1;
                self.p80211()
            }
            Kw::Lane
            | Kw::Metac
            | Kw::Bcc
            | Kw::Oam
            | Kw::Oamf4
            | Kw::Oamf4ec
            | Kw::Oamf4sc
            | Kw::Sc
            | Kw::Ilmic
            | Kw::Connectmsg
            | Kw::Metaconnect => self.cs.atm_abbrev(kw_name(k)),
            Kw::Vpi | Kw::Vci => {
                let vci = k == Kw::Vci;
                match self.peek().clone() {
                    Tok::Num(n) => {
                        self.next();
                        self.cs.atmfield(vci, n, BPF_JEQ, false)
                    }
                    t if relop(&t).is_some() => {
                        let (code, rev) = relop(&t).unwrap();
                        self.next();
                        let n = self.num()?;
                        self.cs.atmfield(vci, n, code, rev)
                    }
                    Tok::Ch('(') => {
                        self.next();
                        let n = self.num()?;
                        let mut b = self.cs.atmfield(vci, n, BPF_JEQ, false)?;
                        while *self.peek() == Tok::Or {
                            self.next();
                            let n = self.num()?;
                            let b2 = self.cs.atmfield(vci, n, BPF_JEQ, false)?;
                            self.cs.gen_or(b, b2);
                            b = b2;
                        }
                        self.expect(Tok::Ch(')'))?;
                        Ok(b)
                    }
                    _ => self.err(),
                }
            }
            Kw::Fisu | Kw::Lssu | Kw::Msu | Kw::Hfisu | Kw::Hlssu | Kw::Hmsu => {
                self.cs.mtp2type(kw_name(k))
            }
            Kw::Sio | Kw::Opc | Kw::Dpc | Kw::Sls | Kw::Hsio | Kw::Hopc | Kw::Hdpc | Kw::Hsls => {
                // each value is generated as soon as it is read
                let f = kw_name(k);
                match self.peek().clone() {
                    Tok::Num(n) => {
                        self.next();
                        self.cs.mtp3field(f, n, BPF_JEQ, false)
                    }
                    t if relop(&t).is_some() => {
                        let (code, rev) = relop(&t).unwrap();
                        self.next();
                        let n = self.num()?;
                        self.cs.mtp3field(f, n, code, rev)
                    }
                    Tok::Ch('(') => {
                        self.next();
                        let n = self.num()?;
                        let mut b = self.cs.mtp3field(f, n, BPF_JEQ, false)?;
                        loop {
                            match self.next() {
                                Tok::Ch(')') => break,
                                Tok::Or => {
                                    let n = self.num()?;
                                    let b2 = self.cs.mtp3field(f, n, BPF_JEQ, false)?;
                                    self.cs.gen_or(b, b2);
                                    b = b2;
                                }
                                _ => {
                                    self.pos -= 1;
                                    return self.err();
                                }
                            }
                        }
                        Ok(b)
                    }
                    _ => self.err(),
                }
            }
            _ => {
                self.pos -= 1;
                self.err()
            }
        }
    }

    fn p80211(&mut self) -> R<B> {
        let t = self.next();
        let word = |p: &mut Self| -> R<WordOrNum> {
            match p.next() {
                Tok::Num(n) => Ok(WordOrNum::Num(n)),
                Tok::Id(s) => Ok(WordOrNum::Word(s)),
                _ => {
                    p.pos -= 1;
                    p.err()
                }
            }
        };
        match t {
            Tok::Kw(Kw::Type) => {
                let ty = word(self)?;
                let tyv = self.cs.wlan_type_value(&ty)?;
                if *self.peek() == Tok::Kw(Kw::Subtype) {
                    self.next();
                    let st = word(self)?;
                    let stv = self.cs.wlan_subtype_value(tyv, &st)?;
                    self.cs.wlan_fc(tyv | stv, 0x0c | 0xf0)
                } else {
                    self.cs.wlan_fc(tyv, 0x0c)
                }
            }
            Tok::Kw(Kw::Subtype) => {
                // `type_subtype` takes only a name
                if !matches!(self.peek(), Tok::Id(_)) {
                    return self.err();
                }
                let st = word(self)?;
                let v = self.cs.wlan_type_subtype_value(&st)?;
                self.cs.wlan_fc(v, 0x0c | 0xf0)
            }
            Tok::Kw(Kw::Dir) => {
                let d = word(self)?;
                let v = match d {
                    WordOrNum::Num(n) => n,
                    WordOrNum::Word(w) => match w.to_ascii_lowercase().as_str() {
                        "nods" => 0,
                        "tods" => 1,
                        "fromds" => 2,
                        "dstods" => 3,
                        _ => return Err("unknown 802.11 direction".into()),
                    },
                };
                self.cs.wlan_dir(v)
            }
            _ => self.err(),
        }
    }
}

fn kw_name(k: Kw) -> &'static str {
    use Kw::*;
    match k {
        Lane => "lane",
        Metac => "metac",
        Bcc => "bcc",
        Oam => "oam",
        Oamf4 => "oamf4",
        Oamf4ec => "oamf4ec",
        Oamf4sc => "oamf4sc",
        Sc => "sc",
        Ilmic => "ilmic",
        Connectmsg => "connectmsg",
        Metaconnect => "metaconnect",
        Fisu => "fisu",
        Lssu => "lssu",
        Msu => "msu",
        Hfisu => "hfisu",
        Hlssu => "hlssu",
        Hmsu => "hmsu",
        Vpi => "vpi",
        Vci => "vci",
        Sio => "sio",
        Opc => "opc",
        Dpc => "dpc",
        Sls => "sls",
        Hsio => "hsio",
        Hopc => "hopc",
        Hdpc => "hdpc",
        Hsls => "hsls",
        _ => "?",
    }
}

pub enum WordOrNum {
    Word(String),
    Num(u32),
}
