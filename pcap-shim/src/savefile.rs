//! Savefile reader: pcap (µs, ns and Kuznetzov magics, both byte orders) and
//! pcapng (SHB/IDB/EPB/SPB/PB), with libpcap 1.10.3's leniencies, refusals
//! and error texts. Input is read through a large buffer: records are parsed
//! in place, so the per-packet path neither allocates nor copies.

use std::io::{self, Read};

use crate::dlt;

const TCPDUMP_MAGIC: u32 = 0xa1b2_c3d4;
const KUZNETZOV_MAGIC: u32 = 0xa1b2_cd34;
const NSEC_MAGIC: u32 = 0xa1b2_3c4d;
const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const BT_IDB: u32 = 1;
const BT_PB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_EPB: u32 = 6;

/// libpcap refuses pcapng blocks bigger than this until an IDB raises it.
const INITIAL_MAX_BLOCKSIZE: u32 = 16 * 1024 * 1024;
/// An SHB longer than this is considered insane.
const SHB_INSANE_MAX: u32 = 1024 * 1024;

/// Time stamp precision requested by the caller.
pub const PRECISION_MICRO: u32 = 0;
/// Nanosecond precision.
pub const PRECISION_NANO: u32 = 1;

/// Turns an I/O error into libpcap's "error reading dump file: ..." text.
pub type ErrText = fn(&io::Error) -> String;

/// One record's header, already converted to the host's view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PktHdr {
    /// Seconds (time_t).
    pub sec: i64,
    /// Microseconds or nanoseconds, per the requested precision.
    pub frac: i64,
    /// Bytes present in the record.
    pub caplen: u32,
    /// Bytes on the wire.
    pub len: u32,
}

/// Buffered input that hands out slices of its own buffer.
struct Input {
    src: Box<dyn Read>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Read ahead as far as the buffer allows (regular files); otherwise read
    /// only what the parser asks for, so pipes are not waited on needlessly.
    greedy: bool,
}

impl Input {
    fn new(src: Box<dyn Read>, greedy: bool) -> Input {
        Input {
            src,
            buf: vec![0; if greedy { 256 * 1024 } else { 4096 }],
            pos: 0,
            end: 0,
            greedy,
        }
    }

    /// Makes up to `n` bytes available at the cursor; returns how many are
    /// (fewer than `n` only at end of file).
    #[inline]
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.end - self.pos >= n {
            return Ok(n);
        }
        self.refill(n)
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self, n: usize) -> io::Result<usize> {
        let avail = self.end - self.pos;
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end = avail;
            self.pos = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        let want = if self.greedy { self.buf.len() } else { n };
        while self.end < n {
            match self.src.read(&mut self.buf[self.end..want]) {
                Ok(0) => break,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.end - self.pos).min(n))
    }

    /// The next `n` bytes (which `fill` made available), consumed.
    fn take(&mut self, n: usize) -> &mut [u8] {
        let s = self.pos;
        self.pos += n;
        &mut self.buf[s..s + n]
    }

    /// Discards `n` bytes; returns how many were actually there.
    fn skip(&mut self, mut n: usize) -> io::Result<usize> {
        let mut done = 0;
        while n > 0 {
            let chunk = n.min(64 * 1024);
            let got = self.fill(chunk)?;
            self.pos += got;
            done += got;
            if got < chunk {
                break;
            }
            n -= chunk;
        }
        Ok(done)
    }
}

fn rd32(b: &[u8], swapped: bool) -> u32 {
    let v = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
    if swapped {
        v.swap_bytes()
    } else {
        v
    }
}

fn rd16(b: &[u8], swapped: bool) -> u16 {
    let v = u16::from_ne_bytes([b[0], b[1]]);
    if swapped {
        v.swap_bytes()
    } else {
        v
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LenSwap {
    No,
    Yes,
    Maybe,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scale {
    Pass,
    Up,
    Down,
}

struct PcapFmt {
    hdrsize: usize,
    lengths: LenSwap,
    scale: Scale,
}

#[derive(Clone, Copy, Debug)]
enum NgScale {
    Pass,
    UpDec(u64),
    DownDec(u64),
    Bin,
}

#[derive(Clone, Copy, Debug)]
struct NgIf {
    tsresol: u64,
    tsoffset: i64,
    scale: NgScale,
}

struct NgFmt {
    user_tsresol: u64,
    max_blocksize: u32,
    ifaces: Vec<NgIf>,
}

enum Format {
    Pcap(PcapFmt),
    Ng(NgFmt),
}

/// An open savefile.
pub struct Reader {
    input: Input,
    /// Holds a record cut to the snapshot length (rare, corrupt files).
    scratch: Vec<u8>,
    fmt: Format,
    err_text: ErrText,
    /// DLT of the file (after LINKTYPE mapping).
    pub linktype: i32,
    /// Upper bits of the pcap header's link-type field.
    pub linktype_ext: u32,
    /// Snapshot length after libpcap's adjustment.
    pub snapshot: i32,
    /// File written in the other byte order.
    pub swapped: bool,
    /// pcap: header version; pcapng: SHB version.
    pub version_major: u16,
    /// Minor version.
    pub version_minor: u16,
    /// Precision the records are delivered in.
    pub precision: u32,
}

/// A pcapng block: its type and the (offset, length) of its body inside the
/// input buffer.
type Block = (u32, (usize, usize));

/// Why opening failed: libpcap's text.
#[derive(Debug, PartialEq, Eq)]
pub struct OpenError(pub String);

impl Reader {
    /// Reads the file header from `src`. `greedy` allows read-ahead (set it
    /// for regular files). `err_text` formats read errors.
    pub fn open(
        src: Box<dyn Read>,
        greedy: bool,
        precision: u32,
        err_text: ErrText,
    ) -> Result<Reader, OpenError> {
        let mut input = Input::new(src, greedy);
        let rerr = |e: &io::Error| OpenError(err_text(e));
        let got = input.fill(4).map_err(|e| rerr(&e))?;
        if got < 4 {
            return Err(OpenError(format!(
                "truncated dump file; tried to read 4 file header bytes, only got {got}"
            )));
        }
        let magic = rd32(&input.buf[input.pos..], false);
        let mut r = Reader {
            input,
            scratch: Vec::new(),
            fmt: Format::Pcap(PcapFmt {
                hdrsize: 16,
                lengths: LenSwap::No,
                scale: Scale::Pass,
            }),
            err_text,
            linktype: 0,
            linktype_ext: 0,
            snapshot: 0,
            swapped: false,
            version_major: 0,
            version_minor: 0,
            precision,
        };
        let is_pcap = |m: u32| m == TCPDUMP_MAGIC || m == KUZNETZOV_MAGIC || m == NSEC_MAGIC;
        if is_pcap(magic) || is_pcap(magic.swap_bytes()) {
            r.open_pcap(magic)?;
            return Ok(r);
        }
        if magic == PCAPNG_SHB && r.open_pcapng()? {
            return Ok(r);
        }
        Err(OpenError("unknown file format".into()))
    }

    fn open_pcap(&mut self, raw_magic: u32) -> Result<(), OpenError> {
        let swapped = !matches!(raw_magic, TCPDUMP_MAGIC | KUZNETZOV_MAGIC | NSEC_MAGIC);
        let magic = if swapped {
            raw_magic.swap_bytes()
        } else {
            raw_magic
        };
        let got = self
            .input
            .fill(24)
            .map_err(|e| OpenError((self.err_text)(&e)))?;
        if got < 24 {
            return Err(OpenError(format!(
                "truncated dump file; tried to read 24 file header bytes, only got {}",
                got - 4
            )));
        }
        let h = self.input.take(24);
        let major = rd16(&h[4..], swapped);
        let minor = rd16(&h[6..], swapped);
        let snaplen = rd32(&h[16..], swapped);
        let linktype = rd32(&h[20..], swapped);
        if major < 2 {
            return Err(OpenError("archaic pcap savefile format".into()));
        }
        if !((major == 2 && minor <= 4) || (major == 543 && minor == 0)) {
            return Err(OpenError(format!(
                "unsupported pcap savefile version {major}.{minor}"
            )));
        }
        self.swapped = swapped;
        self.version_major = major;
        self.version_minor = minor;
        // The low 26 bits are the link type, the top 6 extra information.
        self.linktype = dlt::linktype_to_dlt(linktype & 0x03ff_ffff);
        self.linktype_ext = linktype & 0xfc00_0000;
        self.snapshot = dlt::adjust_snapshot(self.linktype, snaplen) as i32;
        let scale = match (self.precision, magic == NSEC_MAGIC) {
            (PRECISION_MICRO, true) => Scale::Down,
            (PRECISION_MICRO, false) => Scale::Pass,
            (PRECISION_NANO, true) => Scale::Pass,
            (PRECISION_NANO, false) => Scale::Up,
            (p, _) => {
                return Err(OpenError(format!("unknown time stamp resolution {p}")));
            }
        };
        let lengths = match (major, minor) {
            (2, m) if m < 3 => LenSwap::Yes,
            (2, 3) => LenSwap::Maybe,
            (543, _) => LenSwap::Yes,
            _ => LenSwap::No,
        };
        let mut hdrsize = 16;
        if magic == KUZNETZOV_MAGIC {
            hdrsize = 24;
            if self.linktype == 1 {
                // Possibly a cooked capture with a faked Ethernet header.
                self.snapshot = self.snapshot.saturating_add(14);
            }
        }
        self.fmt = Format::Pcap(PcapFmt {
            hdrsize,
            lengths,
            scale,
        });
        Ok(())
    }

    /// Returns Ok(false) when this is not a pcapng file after all.
    fn open_pcapng(&mut self) -> Result<bool, OpenError> {
        let got = self
            .input
            .fill(12)
            .map_err(|e| OpenError((self.err_text)(&e)))?;
        if got < 12 {
            return Ok(false);
        }
        let h = &self.input.buf[self.input.pos..];
        let mut total = rd32(&h[4..], false);
        let bom = rd32(&h[8..], false);
        let swapped = if bom == PCAPNG_BYTE_ORDER_MAGIC {
            false
        } else if bom.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC {
            total = total.swap_bytes();
            true
        } else {
            return Ok(false);
        };
        if !(28..=SHB_INSANE_MAX).contains(&total) {
            return Err(OpenError(format!(
                "Section Header Block in pcapng dump file has invalid length 28 < _{total}_ < {SHB_INSANE_MAX} (BT_SHB_INSANE_MAX)"
            )));
        }
        let precision = self.precision;
        let user_tsresol = match precision {
            PRECISION_MICRO => 1_000_000,
            PRECISION_NANO => 1_000_000_000,
            p => return Err(OpenError(format!("unknown time stamp resolution {p}"))),
        };
        self.swapped = swapped;
        self.fmt = Format::Ng(NgFmt {
            user_tsresol,
            max_blocksize: INITIAL_MAX_BLOCKSIZE,
            ifaces: Vec::new(),
        });
        let want = total as usize;
        let got = self
            .input
            .fill(want)
            .map_err(|e| OpenError((self.err_text)(&e)))?;
        if got < want {
            return Err(OpenError(format!(
                "truncated pcapng dump file; tried to read {} bytes, only got {}",
                want - 12,
                got - 12
            )));
        }
        let shb = self.input.take(want);
        let major = rd16(&shb[12..], swapped);
        let minor = rd16(&shb[14..], swapped);
        if !(major == 1 && (minor == 0 || minor == 2)) {
            return Err(OpenError(format!(
                "unsupported pcapng savefile version {major}.{minor}"
            )));
        }
        self.version_major = major;
        self.version_minor = minor;
        loop {
            let (btype, body) = match self.read_block() {
                Ok(Some(b)) => b,
                Ok(None) => {
                    return Err(OpenError(
                        "the capture file has no Interface Description Blocks".into(),
                    ))
                }
                Err(e) => return Err(OpenError(e)),
            };
            match btype {
                BT_IDB => {
                    if body.1 < 8 {
                        return Err(OpenError(format!(
                            "block of type {btype} in pcapng dump file is too short"
                        )));
                    }
                    let b = &self.input.buf[body.0..body.0 + body.1];
                    let lt = rd16(b, swapped);
                    let snaplen = rd32(&b[4..], swapped);
                    self.add_interface(body.0 + 8, body.1 - 8)
                        .map_err(OpenError)?;
                    self.linktype = dlt::linktype_to_dlt(u32::from(lt));
                    self.snapshot = dlt::adjust_snapshot(self.linktype, snaplen) as i32;
                    self.linktype_ext = 0;
                    let need = 8 + 20 + dlt::max_snaplen(self.linktype) + 131_072 + 4;
                    if let Format::Ng(ng) = &mut self.fmt {
                        if need > ng.max_blocksize {
                            ng.max_blocksize = need;
                        }
                    }
                    return Ok(true);
                }
                BT_EPB | BT_SPB | BT_PB => return Err(OpenError(
                    "the capture file has a packet block before any Interface Description Blocks"
                        .into(),
                )),
                _ => {}
            }
        }
    }

    /// Reads one pcapng block; returns its type and the (offset, length) of
    /// its body inside the input buffer (valid until the next read).
    fn read_block(&mut self) -> Result<Option<Block>, String> {
        let swapped = self.swapped;
        let got = self.input.fill(8).map_err(|e| (self.err_text)(&e))?;
        if got == 0 {
            return Ok(None);
        }
        if got < 8 {
            return Err(format!(
                "truncated pcapng dump file; tried to read 8 bytes, only got {got}"
            ));
        }
        let h = &self.input.buf[self.input.pos..];
        let btype = rd32(h, swapped);
        let total = rd32(&h[4..], swapped);
        if total < 12 {
            return Err(format!(
                "block in pcapng dump file has a length of {total} < 12"
            ));
        }
        if total % 4 != 0 {
            return Err(format!(
                "block in pcapng dump file has a length of {total} that is not a multiple of 4"
            ));
        }
        let max = match &self.fmt {
            Format::Ng(ng) => ng.max_blocksize,
            Format::Pcap(_) => INITIAL_MAX_BLOCKSIZE,
        };
        if total > max {
            return Err(format!("pcapng block size {total} > maximum {max}"));
        }
        let want = total as usize;
        let got = self.input.fill(want).map_err(|e| (self.err_text)(&e))?;
        if got < want {
            return Err(format!(
                "truncated pcapng dump file; tried to read {} bytes, only got {}",
                want - 8,
                got - 8
            ));
        }
        let start = self.input.pos;
        self.input.pos += want;
        let trailer = rd32(&self.input.buf[start + want - 4..], swapped);
        // 1.10.3's text carries no numbers.
        if trailer != total {
            return Err("block total length in header and trailer don't match".into());
        }
        Ok(Some((btype, (start + 8, want - 12))))
    }

    /// Parses an IDB's options (at `off`, `len` bytes in the buffer) and
    /// records the interface.
    fn add_interface(&mut self, off: usize, len: usize) -> Result<(), String> {
        let swapped = self.swapped;
        let mut tsresol: u64 = 1_000_000;
        let mut is_binary = false;
        let mut tsoffset: i64 = 0;
        let (mut saw_res, mut saw_off) = (false, false);
        let b = &self.input.buf[off..off + len];
        let mut i = 0;
        let short = || "block of type 1 in pcapng dump file is too short".to_string();
        while i < b.len() {
            if b.len() - i < 4 {
                return Err(short());
            }
            let code = rd16(&b[i..], swapped);
            let olen = rd16(&b[i + 2..], swapped);
            i += 4;
            let padded = usize::from(olen).div_ceil(4) * 4;
            if b.len() - i < padded {
                return Err(short());
            }
            let v = &b[i..i + padded];
            i += padded;
            match code {
                0 => {
                    if olen != 0 {
                        return Err(format!("Interface Description Block has opt_endofopt option with length {olen} != 0"));
                    }
                    break;
                }
                9 => {
                    if olen != 1 {
                        return Err(format!("Interface Description Block has if_tsresol option with length {olen} != 1"));
                    }
                    if saw_res {
                        return Err(
                            "Interface Description Block has more than one if_tsresol option"
                                .into(),
                        );
                    }
                    saw_res = true;
                    let r = v[0];
                    if r & 0x80 != 0 {
                        let shift = r & 0x7f;
                        if shift > 63 {
                            return Err(format!("Interface Description Block if_tsresol option resolution 2^-{shift} is too high"));
                        }
                        is_binary = true;
                        tsresol = 1u64 << shift;
                    } else {
                        if r > 19 {
                            return Err(format!("Interface Description Block if_tsresol option resolution 10^-{r} is too high"));
                        }
                        is_binary = false;
                        tsresol = 10u64.pow(u32::from(r));
                    }
                }
                14 => {
                    if olen != 8 {
                        return Err(format!("Interface Description Block has if_tsoffset option with length {olen} != 8"));
                    }
                    if saw_off {
                        return Err(
                            "Interface Description Block has more than one if_tsoffset option"
                                .into(),
                        );
                    }
                    saw_off = true;
                    let raw = i64::from_ne_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]]);
                    tsoffset = if swapped { raw.swap_bytes() } else { raw };
                }
                _ => {}
            }
        }
        let Format::Ng(ng) = &mut self.fmt else {
            return Ok(());
        };
        let user = ng.user_tsresol;
        let scale = if tsresol == user {
            NgScale::Pass
        } else if is_binary {
            NgScale::Bin
        } else if tsresol > user {
            NgScale::DownDec(tsresol / user)
        } else {
            NgScale::UpDec(user / tsresol)
        };
        ng.ifaces.push(NgIf {
            tsresol,
            tsoffset,
            scale,
        });
        Ok(())
    }

    /// The next record: `Ok(None)` at end of file, `Err(text)` on error.
    pub fn next_record(&mut self) -> Result<Option<(PktHdr, &mut [u8])>, String> {
        match self.fmt {
            Format::Pcap(_) => self.next_pcap(),
            Format::Ng(_) => self.next_pcapng(),
        }
    }

    #[inline]
    fn next_pcap(&mut self) -> Result<Option<(PktHdr, &mut [u8])>, String> {
        let Format::Pcap(PcapFmt {
            hdrsize,
            lengths,
            scale,
        }) = self.fmt
        else {
            return Ok(None);
        };
        let swapped = self.swapped;
        let got = self.input.fill(hdrsize).map_err(|e| (self.err_text)(&e))?;
        if got < hdrsize {
            if got == 0 {
                return Ok(None);
            }
            return Err(format!(
                "truncated dump file; tried to read {hdrsize} header bytes, only got {got}"
            ));
        }
        // Copy the 16 bytes that matter into a fixed array: the field reads
        // below then need no bounds checks.
        let p = self.input.pos;
        let mut hb = [0u8; 16];
        hb.copy_from_slice(&self.input.buf[p..p + 16]);
        self.input.pos += hdrsize;
        let field = |i: usize| {
            let v = u32::from_ne_bytes([hb[i], hb[i + 1], hb[i + 2], hb[i + 3]]);
            if swapped {
                v.swap_bytes()
            } else {
                v
            }
        };
        // Seconds and fractions are signed 32-bit fields, but 1.10.3's byte
        // swap yields unsigned values: swapped files zero-extend them.
        let (sec, mut frac) = if swapped {
            (i64::from(field(0)), i64::from(field(4)))
        } else {
            (field(0) as i32 as i64, field(4) as i32 as i64)
        };
        let mut caplen = field(8);
        let mut len = field(12);
        match scale {
            Scale::Pass => {}
            Scale::Up => frac = frac.wrapping_mul(1000),
            Scale::Down => frac /= 1000,
        }
        if lengths == LenSwap::Yes || (lengths == LenSwap::Maybe && caplen > len) {
            std::mem::swap(&mut caplen, &mut len);
        }
        let snapshot = self.snapshot as u32;
        if caplen > dlt::max_snaplen(self.linktype) {
            return Err(if caplen > snapshot {
                format!(
                    "invalid packet capture length {caplen}, bigger than snaplen of {}",
                    self.snapshot
                )
            } else {
                format!(
                    "invalid packet capture length {caplen}, bigger than maximum of {}",
                    dlt::max_snaplen(self.linktype)
                )
            });
        }
        let err_text = self.err_text;
        if caplen > snapshot {
            // Deliver the first `snapshot` bytes and drop the rest.
            let want = snapshot as usize;
            let got = self.input.fill(want).map_err(|e| err_text(&e))?;
            if got < want {
                return Err(format!(
                    "truncated dump file; tried to read {snapshot} captured bytes, only got {got}"
                ));
            }
            // Keep the first `snapshot` bytes aside (reused buffer), then
            // drop the rest of the record.
            self.scratch.clear();
            let kept = self.input.take(want);
            self.scratch.extend_from_slice(kept);
            let rest = (caplen - snapshot) as usize;
            let skipped = self.input.skip(rest).map_err(|e| err_text(&e))?;
            if skipped < rest {
                return Err(format!(
                    "truncated dump file; tried to read {caplen} captured bytes, only got {}",
                    want + skipped
                ));
            }
            let hdr = PktHdr {
                sec,
                frac,
                caplen: snapshot,
                len,
            };
            let data = &mut self.scratch[..];
            if swapped {
                swap_pseudo_headers(self.linktype, &hdr, data);
            }
            return Ok(Some((hdr, data)));
        }
        let want = caplen as usize;
        let got = self.input.fill(want).map_err(|e| err_text(&e))?;
        if got < want {
            return Err(format!(
                "truncated dump file; tried to read {caplen} captured bytes, only got {got}"
            ));
        }
        let linktype = self.linktype;
        let data = self.input.take(want);
        let hdr = PktHdr {
            sec,
            frac,
            caplen,
            len,
        };
        if swapped {
            swap_pseudo_headers(linktype, &hdr, data);
        }
        Ok(Some((hdr, data)))
    }

    fn next_pcapng(&mut self) -> Result<Option<(PktHdr, &mut [u8])>, String> {
        let swapped = self.swapped;
        let (iface, caplen, len, t, off, blen, btype) = loop {
            let Some((btype, (off, blen))) = self.read_block()? else {
                return Ok(None);
            };
            let b = &self.input.buf[off..off + blen];
            let short = || format!("block of type {btype} in pcapng dump file is too short");
            match btype {
                BT_EPB => {
                    if blen < 20 {
                        return Err(short());
                    }
                    let t = (u64::from(rd32(&b[4..], swapped)) << 32)
                        | u64::from(rd32(&b[8..], swapped));
                    break (
                        rd32(b, swapped),
                        rd32(&b[12..], swapped),
                        rd32(&b[16..], swapped),
                        t,
                        off + 20,
                        blen - 20,
                        btype,
                    );
                }
                BT_SPB => {
                    if blen < 4 {
                        return Err(short());
                    }
                    let len = rd32(b, swapped);
                    let caplen = len.min(self.snapshot as u32);
                    break (0, caplen, len, 0, off + 4, blen - 4, btype);
                }
                BT_PB => {
                    if blen < 20 {
                        return Err(short());
                    }
                    let t = (u64::from(rd32(&b[4..], swapped)) << 32)
                        | u64::from(rd32(&b[8..], swapped));
                    break (
                        u32::from(rd16(b, swapped)),
                        rd32(&b[12..], swapped),
                        rd32(&b[16..], swapped),
                        t,
                        off + 20,
                        blen - 20,
                        btype,
                    );
                }
                BT_IDB => {
                    if blen < 8 {
                        return Err(short());
                    }
                    let lt = rd16(b, swapped);
                    let snaplen = rd32(&b[4..], swapped);
                    if self.linktype != i32::from(lt) {
                        return Err(format!("an interface has a type {lt} different from the type of the first interface"));
                    }
                    if self.snapshot as u32 != dlt::adjust_snapshot(self.linktype, snaplen) {
                        return Err(format!("an interface has a snapshot length {snaplen} different from the snapshot length of the first interface"));
                    }
                    self.add_interface(off + 8, blen - 8)?;
                }
                PCAPNG_SHB => {
                    if blen < 16 {
                        return Err(short());
                    }
                    let bom = rd32(b, swapped);
                    let major = rd16(&b[4..], swapped);
                    if bom == PCAPNG_BYTE_ORDER_MAGIC.swap_bytes() {
                        return Err("the file has sections with different byte orders".into());
                    }
                    if bom != PCAPNG_BYTE_ORDER_MAGIC {
                        return Err(
                            "the file has a section with a bad byte order magic field".into()
                        );
                    }
                    if major != 1 {
                        return Err(format!(
                            "unknown pcapng savefile major version number {major}"
                        ));
                    }
                    if let Format::Ng(ng) = &mut self.fmt {
                        ng.ifaces.clear();
                    }
                }
                _ => {}
            }
        };
        let Format::Ng(ng) = &self.fmt else {
            return Ok(None);
        };
        let Some(ifc) = ng.ifaces.get(iface as usize).copied() else {
            return Err(format!("a packet arrived on interface {iface}, but there's no Interface Description Block for that interface"));
        };
        if caplen > self.snapshot as u32 {
            return Err(format!(
                "invalid packet capture length {caplen}, bigger than snaplen of {}",
                self.snapshot
            ));
        }
        let sec = (t / ifc.tsresol).wrapping_add(ifc.tsoffset as u64);
        let mut frac = t % ifc.tsresol;
        match ifc.scale {
            NgScale::Pass => {}
            NgScale::UpDec(f) => frac = frac.wrapping_mul(f),
            NgScale::DownDec(f) => frac /= f,
            NgScale::Bin => frac = frac.wrapping_mul(ng.user_tsresol) / ifc.tsresol,
        }
        if caplen as usize > blen {
            return Err(format!(
                "block of type {btype} in pcapng dump file is too short"
            ));
        }
        let hdr = PktHdr {
            sec: sec as i64,
            frac: i64::from(frac as i32),
            caplen,
            len,
        };
        let linktype = self.linktype;
        let data = &mut self.input.buf[off..off + caplen as usize];
        if swapped {
            swap_pseudo_headers(linktype, &hdr, data);
        }
        Ok(Some((hdr, data)))
    }
}

/// Converts link-layer pseudo-headers written in the other byte order.
fn swap_pseudo_headers(linktype: i32, hdr: &PktHdr, data: &mut [u8]) {
    if linktype == 239 {
        swap_nflog(hdr, data);
    }
}

/// NFLOG TLV type/length fields are in the writer's byte order.
fn swap_nflog(hdr: &PktHdr, data: &mut [u8]) {
    let mut caplen = hdr.caplen as usize;
    let mut length = hdr.len as usize;
    if caplen < 4 || length < 4 || data.len() < 4 || data[1] != 0 {
        return;
    }
    caplen -= 4;
    length -= 4;
    let mut p = 4;
    while caplen >= 4 && p + 4 <= data.len() {
        let tl = u16::from_ne_bytes([data[p], data[p + 1]]).swap_bytes();
        let tt = u16::from_ne_bytes([data[p + 2], data[p + 3]]).swap_bytes();
        data[p..p + 2].copy_from_slice(&tl.to_ne_bytes());
        data[p + 2..p + 4].copy_from_slice(&tt.to_ne_bytes());
        let mut size = usize::from(tl);
        if size % 4 != 0 {
            size += 4 - size % 4;
        }
        if size < 4 || caplen < size || length < size {
            return;
        }
        length -= size;
        caplen -= size;
        p += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_text(e: &io::Error) -> String {
        format!("error reading dump file: {e}")
    }

    fn open(bytes: Vec<u8>, precision: u32) -> Result<Reader, OpenError> {
        Reader::open(Box::new(io::Cursor::new(bytes)), true, precision, err_text)
    }

    fn pcap_header(magic: u32, snaplen: u32, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&magic.to_le_bytes());
        v.extend_from_slice(&2u16.to_le_bytes());
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&snaplen.to_le_bytes());
        v.extend_from_slice(&linktype.to_le_bytes());
        v
    }

    fn record(v: &mut Vec<u8>, sec: u32, frac: u32, caplen: u32, len: u32, data: &[u8]) {
        for x in [sec, frac, caplen, len] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(data);
    }

    #[test]
    fn reads_pcap_records_and_eof() {
        let mut f = pcap_header(TCPDUMP_MAGIC, 65535, 0x0400_0001);
        record(&mut f, 1, 2, 3, 60, b"abc");
        record(&mut f, 4, 5, 2, 2, b"de");
        let mut r = open(f, PRECISION_NANO).unwrap();
        assert_eq!(
            (r.linktype, r.linktype_ext, r.snapshot),
            (1, 0x0400_0000, 65535)
        );
        let (h, d) = r.next_record().unwrap().unwrap();
        assert_eq!((h.sec, h.frac, h.caplen, h.len), (1, 2000, 3, 60));
        assert_eq!(d, b"abc");
        let (h, d) = r.next_record().unwrap().unwrap();
        assert_eq!((h.sec, h.frac, d.len()), (4, 5000, 2));
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn truncates_caplen_above_snaplen() {
        let mut f = pcap_header(TCPDUMP_MAGIC, 4, 1);
        record(&mut f, 1, 2, 6, 6, b"abcdef");
        record(&mut f, 1, 2, 1, 1, b"g");
        let mut r = open(f, PRECISION_MICRO).unwrap();
        let (h, d) = r.next_record().unwrap().unwrap();
        assert_eq!((h.caplen, h.len), (4, 6));
        assert_eq!(d, b"abcd");
        let (_, d) = r.next_record().unwrap().unwrap();
        assert_eq!(d, b"g");
    }

    #[test]
    fn error_texts() {
        let e = open(b"abc".to_vec(), 0).err().unwrap();
        assert_eq!(
            e.0,
            "truncated dump file; tried to read 4 file header bytes, only got 3"
        );
        let e = open(b"abcdabcd".to_vec(), 0).err().unwrap();
        assert_eq!(e.0, "unknown file format");
        let mut f = pcap_header(TCPDUMP_MAGIC, 100, 1);
        f[4] = 1;
        assert_eq!(open(f, 0).err().unwrap().0, "archaic pcap savefile format");
        let mut f = pcap_header(TCPDUMP_MAGIC, 100, 1);
        record(&mut f, 1, 2, 10, 10, b"abc");
        let mut r = open(f, 0).unwrap();
        assert_eq!(
            r.next_record().err().unwrap(),
            "truncated dump file; tried to read 10 captured bytes, only got 3"
        );
        let mut f = pcap_header(TCPDUMP_MAGIC, 100, 1);
        record(&mut f, 1, 2, 300_000, 10, b"abc");
        let mut r = open(f, 0).unwrap();
        assert_eq!(
            r.next_record().err().unwrap(),
            "invalid packet capture length 300000, bigger than snaplen of 100"
        );
    }
}
