//! pcap-filter(7) language compiled to classic BPF, with libpcap 1.10.3's
//! behaviour, plus the classic-BPF interpreter, validator and text forms.
//! Pure safe Rust: name lookups go through the [`Resolver`] trait.
#![forbid(unsafe_code)]

pub mod bpf;
mod bpfprog;
pub mod dltnames;
mod emit;
mod gencode;
pub mod lexer;
mod more;
pub mod names;
mod parser;
mod prims;

pub use bpf::Insn;
pub use names::{NoResolver, Resolver, SystemResolver};

/// What `pcap_compile` knows about the handle and its arguments.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// DLT_ number of the handle.
    pub linktype: u32,
    /// `pcap_snapshot()`: the value returned for accepted packets.
    pub snaplen: u32,
    pub optimize: bool,
    /// The netmask argument (0xffffffff = PCAP_NETMASK_UNKNOWN).
    pub netmask: u32,
    /// A live Linux capture: VLAN tests use the SKF_AD ancillary loads.
    pub live: bool,
    /// A savefile handle (some Linux-only metadata tests are refused).
    pub savefile: bool,
    /// Savefile written with the other byte order (DLT_NULL family values).
    pub swapped: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            linktype: 1,
            snaplen: 262144,
            optimize: true,
            netmask: 0xffff_ffff,
            live: false,
            savefile: false,
            swapped: false,
        }
    }
}

/// A compile failure with libpcap's message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

fn err(mut m: String) -> CompileError {
    // PCAP_ERRBUF_SIZE - 1
    if m.len() > 255 {
        let mut cut = 255;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
    }
    CompileError { message: m }
}

/// Largest block graph handed to the optimizer. libpcap has no limit, but
/// its optimizer is super-linear (about 3 s for 8000 blocks, minutes beyond):
/// bigger expressions fail with "expression too complex to optimize" so that
/// compile time stays bounded (about 130 "port N" terms still compile).
pub const MAX_OPT_BLOCKS: usize = 4_000;

/// Nesting (parentheses and unary operators) at which libpcap's parser
/// stack (bison, 10000 entries) is exhausted.
const YACC_DEPTH: usize = 9996;

/// Estimate of the parser stack depth the tokens need: one entry per open
/// parenthesis and unary operator, plus two (`expr and`/`expr or`) for each
/// nesting level that has seen a binary boolean operator (bison keeps the
/// left operand and the operator on the stack while the right one is
/// parsed; "a or b or c" reduces the first pair before shifting the next).
fn nesting(toks: &[lexer::Tok]) -> usize {
    use lexer::Tok;
    let mut cur = 0usize;
    let mut pending = false;
    let mut unary = 0usize;
    let mut saved: Vec<(usize, bool)> = Vec::new();
    let mut max = 0usize;
    for t in toks {
        match t {
            Tok::Ch('(') => {
                saved.push((cur, pending));
                cur += unary + 1;
                unary = 0;
                pending = false;
            }
            Tok::Ch(')') => {
                if let Some((c, p)) = saved.pop() {
                    cur = c;
                    pending = p;
                }
                unary = 0;
            }
            Tok::Not | Tok::Ch('!') | Tok::Ch('-') => unary += 1,
            Tok::And | Tok::Or => {
                if !pending {
                    cur += 2;
                    pending = true;
                }
                unary = 0;
            }
            _ => {
                max = max.max(cur + unary);
                unary = 0;
            }
        }
        max = max.max(cur + unary);
    }
    max
}

/// Compile `expr` like `pcap_compile` does for a handle described by `opts`.
pub fn compile(
    expr: &str,
    opts: &CompileOptions,
    resolver: &dyn Resolver,
) -> Result<Vec<Insn>, CompileError> {
    if opts.snaplen == 0 {
        return Err(err("snaplen of 0 rejects all packets".into()));
    }
    let toks = lexer::tokenize(expr);
    let depth = nesting(&toks);
    if depth >= YACC_DEPTH {
        return Err(err("can't parse filter expression: memory exhausted".into()));
    }
    if depth > 200 {
        // deep recursion: use a thread with a stack large enough for it
        return std::thread::scope(|sc| {
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(sc, || compile_tokens(toks, opts, resolver))
                .map_err(|e| err(format!("can't start parser thread: {e}")))?
                .join()
                .unwrap_or_else(|_| Err(err("internal error".into())))
        });
    }
    compile_tokens(toks, opts, resolver)
}

fn compile_tokens(
    toks: Vec<lexer::Tok>,
    opts: &CompileOptions,
    resolver: &dyn Resolver,
) -> Result<Vec<Insn>, CompileError> {
    let mut cs = gencode::Cs::new(opts, resolver).map_err(err)?;
    let root = {
        let mut p = parser::Parser::new(toks, &mut cs);
        p.prog().map_err(err)?
    };
    let root = match root {
        None => cs.gen_retblk(opts.snaplen),
        Some(p) => cs.finish_parse(p).map_err(err)?,
    };
    let mut root = root;
    if opts.optimize && !cs.no_optimize {
        if cs.blocks.len() > MAX_OPT_BLOCKS {
            return Err(err("expression too complex to optimize".into()));
        }
        root = optimize::optimize(&mut cs.blocks, root).map_err(err)?;
        let r = &cs.blocks[root];
        if r.code == (bpf::BPF_RET | bpf::BPF_K) && r.k == 0 {
            return Err(err("expression rejects all packets".into()));
        }
    }
    let prog = emit::to_insns(&cs.blocks, root).map_err(err)?;
    Ok(prog)
}

mod optimize;
