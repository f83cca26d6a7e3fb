//! scripts/netns.sh: the pair it builds, and that its trap removes the
//! namespaces when the sourcing shell exits normally or by SIGTERM.

use std::process::Command;

fn bash(script: &str) -> (i32, String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(". {root}/scripts/netns.sh\n{script}"))
        .output()
        .expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn exists(ns: &str) -> bool {
    std::path::Path::new(&format!("/run/netns/{ns}")).exists()
}

#[test]
fn builds_the_pair_and_cleans_up_on_exit() {
    let pid = std::process::id();
    let (a, b) = (format!("pf-nst-{pid}-a"), format!("pf-nst-{pid}-b"));
    let (rc, out, err) = bash(&format!(
        "netns_pair_create {a} {b} 198.51.100.1/24 198.51.100.2/24 || exit 9
         echo \"$NETNS_A $NETNS_B $NETNS_IF_A $NETNS_IF_B\"
         ip -n {a} -br link show veth-a
         ip -n {b} -br link show veth-b
         ip -n {a} -br -4 addr show veth-a
         ip -n {b} -br -4 addr show veth-b
         ip netns exec {a} cat /proc/sys/net/ipv6/conf/veth-a/disable_ipv6
         ip netns exec {b} cat /proc/sys/net/ipv6/conf/all/disable_ipv6
         ip -n {a} -br link show lo | awk '{{print $2}}'"
    ));
    assert_eq!(rc, 0, "stderr: {err}");
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], vec![a.as_str(), b.as_str(), "veth-a", "veth-b"]);
    assert_eq!(lines[1][0], "veth-a@if2");
    assert_eq!(lines[1][1], "UP");
    assert_eq!(lines[1][2], "02:00:00:00:00:01");
    assert_eq!(lines[2][2], "02:00:00:00:00:02");
    assert_eq!(lines[3][2], "198.51.100.1/24");
    assert_eq!(lines[4][2], "198.51.100.2/24");
    assert_eq!(lines[5], vec!["1"]);
    assert_eq!(lines[6], vec!["1"]);
    assert_eq!(lines[7], vec!["UNKNOWN"]);
    assert!(
        !exists(&a) && !exists(&b),
        "the EXIT trap deletes both namespaces"
    );
}

#[test]
fn sigterm_and_run_mode_clean_up() {
    let pid = std::process::id();
    let (a, b) = (format!("pf-nst-{pid}-c"), format!("pf-nst-{pid}-d"));
    let (rc, _, err) = bash(&format!(
        "netns_pair_create {a} {b} || exit 9
         [ -e /run/netns/{a} ] || exit 8
         kill -TERM $$
         sleep 5"
    ));
    assert_eq!(rc, 143, "stderr: {err}");
    assert!(!exists(&a) && !exists(&b));

    // Run mode: no trap, the caller deletes.
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!("{root}/scripts/netns.sh");
    let st = Command::new("bash")
        .args([&script, "create", &a, &b])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(exists(&a) && exists(&b), "run mode keeps the pair");
    let st = Command::new("bash")
        .args([&script, "delete", &a, &b])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(!exists(&a) && !exists(&b));

    // A failed create removes what it made.
    let st = Command::new("bash")
        .args([&script, "create", &a, &a])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1));
    assert!(!exists(&a));
}
