//! Backend choice and the kernel module backend's own surface: which ring
//! `pfring_open` picks (auto, `PF_RING_BACKEND=kmod|af_packet`, `any`), and
//! on the module the 3.7.5 public fields pointing into the mapping
//! (`slots_info` version 9, geometry) with `PF_RING_BUCKET_LEN` honoured per
//! socket. Each case runs in a child process (the variables are read at
//! open). On a host without the module the module-only cases are skipped,
//! saying so; in the VM (kmod/libpfring-suite) they run.

mod pf_support;

use std::process::Command;
use std::time::Duration;

use ::pfring::ffi::*;
use pf_support::*;

/// True when the module's socket family exists here.
fn module_loaded() -> bool {
    // SAFETY: plain socket call; the descriptor is closed at once.
    let fd = unsafe { libc::socket(27, libc::SOCK_RAW, (0x0003u16).to_be() as i32) };
    if fd >= 0 {
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        true
    } else {
        false
    }
}

/// Runs the child test `name` with `env`; returns its `RESULT ...` line.
fn child(name: &str, env: &[(&str, &str)]) -> String {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("PFRING_KMOD_CHILD", "1")
        .env_remove("PF_RING_BACKEND")
        .env_remove("PF_RING_BUCKET_LEN");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("spawn child");
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{s}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = s.find("RESULT ").expect("child result");
    s[at..].lines().next().unwrap().to_string()
}

fn is_child() -> bool {
    std::env::var_os("PFRING_KMOD_CHILD").is_some()
}

/// Child: opens `PFRING_DEV` in namespace `PFRING_NS` (or here) and reports
/// the outcome and the backend (`buffer` non-NULL = the module's ring).
#[test]
fn child_open() {
    if !is_child() {
        return;
    }
    let dev = std::ffi::CString::new(std::env::var("PFRING_DEV").unwrap()).unwrap();
    let ns = std::env::var("PFRING_NS").ok();
    let (p, err) = std::thread::spawn(move || {
        if let Some(ns) = ns {
            enter_netns(&ns).expect("setns");
        }
        // SAFETY: dev is a C string.
        let p = unsafe { pfring_open(dev.as_ptr() as *mut _, 0, 0) };
        (p as usize, errno())
    })
    .join()
    .unwrap();
    if p == 0 {
        println!("RESULT fail errno={err}");
        return;
    }
    let ring = Ring(p as *mut pfring);
    // SAFETY: a valid handle.
    let buffer = unsafe { (*ring.0).buffer };
    println!(
        "RESULT ok backend={}",
        if buffer.is_null() {
            "af_packet"
        } else {
            "kmod"
        }
    );
}

#[test]
fn backend_choice() {
    if is_child() {
        return;
    }
    let ns = NetnsPair::new("kmb1");
    let open = |env: &[(&str, &str)], dev: &str| {
        let mut e = vec![("PFRING_DEV", dev), ("PFRING_NS", ns.b.as_str())];
        e.extend_from_slice(env);
        child("child_open", &e)
    };
    let forced_af = open(&[("PF_RING_BACKEND", "af_packet")], IF_B);
    assert_eq!(forced_af, "RESULT ok backend=af_packet");
    assert_eq!(
        open(&[("PF_RING_BACKEND", "bogus")], IF_B),
        format!("RESULT fail errno={}", libc::EINVAL)
    );
    // `any` is AF_PACKET's whatever the module.
    assert_eq!(open(&[], "any"), "RESULT ok backend=af_packet");
    if module_loaded() {
        assert_eq!(open(&[], IF_B), "RESULT ok backend=kmod", "auto");
        assert_eq!(
            open(&[("PF_RING_BACKEND", "kmod")], IF_B),
            "RESULT ok backend=kmod"
        );
        assert_eq!(
            open(&[("PF_RING_BACKEND", "kmod")], "any"),
            format!("RESULT fail errno={}", libc::ENODEV)
        );
        assert_eq!(
            open(&[("PF_RING_BACKEND", "kmod")], "nosuchdev0"),
            format!("RESULT fail errno={}", libc::ENODEV)
        );
    } else {
        assert_eq!(open(&[], IF_B), "RESULT ok backend=af_packet", "auto");
        assert_eq!(
            open(&[("PF_RING_BACKEND", "kmod")], IF_B),
            format!("RESULT fail errno={}", libc::EAFNOSUPPORT),
            "forcing the missing module fails clearly"
        );
    }
}

/// Child: a module ring with PF_RING_BUCKET_LEN=128: the mapping's
/// FlowSlotInfo and a 300-byte frame cut to the bucket.
#[test]
fn child_bucket() {
    if !is_child() || std::env::var_os("PFRING_BUCKET_CASE").is_none() {
        return;
    }
    let a = std::env::var("PFRING_NS_A").unwrap();
    let b = std::env::var("PFRING_NS").unwrap();
    let ring = open_in(&b, IF_B, false, false);
    // SAFETY: a valid handle; on the module slots_info points at the
    // mapping's FlowSlotInfo, which lives as long as the ring.
    let (info, slots_ok) = unsafe {
        let h = &*ring.0;
        assert!(!h.slots_info.is_null(), "not the module's ring");
        (
            *h.slots_info,
            h.slots == (h.buffer as *mut u8).add(64) as *mut _
                && h.buffer as *mut FlowSlotInfo == h.slots_info,
        )
    };
    ring.enable();
    let tx = RawTx::open(&a, IF_A);
    let frame = ipv4_frame(None, 17, 0, &udp(1111, 2222, &[0x5a; 300 - 42]));
    assert_eq!(frame.len(), 300);
    tx.send(&frame);
    let g = ring.recv(2048, true);
    assert!(g.rc > 0, "recv errno {}", errno());
    let cut = g.hdr.caplen == 128 && g.hdr.len == 300 && g.data == frame[..128];
    std::thread::sleep(Duration::from_millis(50));
    let st = ring.stats();
    // SAFETY: as above.
    let (ins, rd) = unsafe {
        (
            (*(*ring.0).slots_info).tot_insert,
            (*(*ring.0).slots_info).tot_read,
        )
    };
    println!(
        "RESULT version={} data_len={} slot_len={} mem_ok={} slots_ok={} cut={} rc={} stats={}/{} insert={} read={}",
        info.version,
        info.data_len,
        info.slot_len,
        u64::from(info.tot_mem) >= 64 + u64::from(info.tot_slots) * u64::from(info.slot_len)
            && info.tot_mem % 4096 == 0,
        slots_ok,
        cut,
        g.rc,
        st.recv,
        st.drop,
        ins,
        rd
    );
}

#[test]
fn module_ring_fields_and_bucket_len() {
    if is_child() {
        return;
    }
    if !module_loaded() {
        println!("SKIPPED: the PF_RING module is not loaded here (runs in kmod/libpfring-suite)");
        return;
    }
    let ns = NetnsPair::new("kmb2");
    let r = child(
        "child_bucket",
        &[
            ("PFRING_BUCKET_CASE", "1"),
            ("PFRING_NS", ns.b.as_str()),
            ("PFRING_NS_A", ns.a.as_str()),
            ("PF_RING_BACKEND", "kmod"),
            ("PF_RING_BUCKET_LEN", "128"),
        ],
    );
    assert_eq!(
        r,
        "RESULT version=9 data_len=128 slot_len=194 mem_ok=true slots_ok=true cut=true rc=300 stats=1/0 insert=1 read=1"
    );
}
