//! pcap-filter(7) language compiled to classic BPF, with libpcap 1.10.3's
//! behaviour, plus the classic-BPF interpreter, validator and text forms.
//! Pure safe Rust: name lookups go through a trait, nothing here does I/O.
#![forbid(unsafe_code)]

pub mod bpf;
