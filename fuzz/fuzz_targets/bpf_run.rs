//! Arbitrary programs and packets through the interpreter and the text forms.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcap_filter::bpf::{self, Insn, Program};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n = (data[0] as usize % 64) + 1;
    let need = n * 8;
    let (p, pkt) = if data.len() > 1 + need {
        data[1..].split_at(need)
    } else {
        (&data[1..], &[][..])
    };
    let prog: Vec<Insn> = p
        .chunks_exact(8)
        .map(|c| Insn {
            code: u16::from_le_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect();
    let _ = bpf::validate(&prog);
    // the decoded form (bpf::Program) must agree with the plain interpreter
    let compiled = Program::new(&prog);
    let r = bpf::filter(&prog, pkt, pkt.len() as u32 + 10);
    assert_eq!(compiled.filter(pkt, pkt.len() as u32 + 10), r);
    let aux = bpf::Aux {
        vlan_tag: 5,
        vlan_tag_present: true,
    };
    let r = bpf::filter_with_aux(&prog, pkt, pkt.len() as u32, &aux);
    assert_eq!(compiled.filter_with_aux(pkt, pkt.len() as u32, &aux), r);
    for (i, ins) in prog.iter().enumerate() {
        let _ = bpf::image(ins, i);
    }
});
