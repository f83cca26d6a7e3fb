//! Parse/compile arbitrary expressions for several link types and handle
//! kinds; compiled programs must validate and run without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcap_filter::{bpf, compile, CompileOptions, NoResolver};

const DLTS: [u32; 16] = [
    1, 113, 276, 12, 228, 229, 0, 108, 9, 51, 10, 6, 11, 105, 127, 117,
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 || data.len() > 65536 {
        return;
    }
    let sel = data[0];
    let expr = String::from_utf8_lossy(&data[1..]);
    let opts = CompileOptions {
        linktype: DLTS[(sel & 15) as usize],
        snaplen: if sel & 16 != 0 { 65535 } else { 262144 },
        optimize: sel & 32 != 0,
        netmask: if sel & 64 != 0 {
            0xffff_ff00
        } else {
            0xffff_ffff
        },
        live: sel & 128 != 0,
        ..Default::default()
    };
    if let Ok(prog) = compile(&expr, &opts, &NoResolver) {
        assert!(
            bpf::validate(&prog),
            "compiled program does not validate: {expr:?}"
        );
        let pkt = [0x45u8; 64];
        let _ = bpf::filter(&prog, &pkt, 64);
        let _ = bpf::filter(&prog, &pkt[..20], 64);
        let _ = bpf::dump(&prog, 1);
    }
});
