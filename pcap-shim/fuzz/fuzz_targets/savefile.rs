//! Fuzz target: the savefile reader on arbitrary bytes, both precisions,
//! every record read (seeded with the tcpdump test captures).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcap::savefile::Reader;

fn err_text(e: &std::io::Error) -> String {
    format!("error reading dump file: {e}")
}

fuzz_target!(|data: &[u8]| {
    for precision in [0u32, 1] {
        let src = Box::new(std::io::Cursor::new(data.to_vec()));
        // Exercise both the read-ahead and the exact-size refill paths.
        let greedy = data.first().is_some_and(|b| b & 1 == 0);
        let Ok(mut r) = Reader::open(src, greedy, precision, err_text) else {
            continue;
        };
        let snap = r.snapshot as u32;
        let mut n = 0u32;
        while let Ok(Some((h, d))) = r.next_record() {
            assert_eq!(h.caplen as usize, d.len());
            assert!(h.caplen <= snap.max(crate_max(r.linktype)));
            n += 1;
            if n > 1_000_000 {
                break;
            }
        }
    }
});

fn crate_max(dlt: i32) -> u32 {
    pcap::dlt::max_snaplen(dlt)
}
