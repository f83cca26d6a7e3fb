#!/usr/bin/env python3
"""Capture benchmark driver (perf-notes.md §7 method).

On a private namespace pair joined by a veth (generator in one namespace on
CPU0, capturer in the other on CPU1), for each repetition it runs every
configuration once, in an order rotated per repetition:

  none         pfsend alone (kernel baseline)
  tpv3         bench/tpv3_reader.c, a minimal C TPACKET_V3 reader (reference) on
               the same ring as libpfring's default (64 blocks of 512 KiB retired
               after 8 ms: DEFAULT_BLOCK_SIZE and DEFAULT_RETIRE_MS in
               src/ring/mod.rs, which tests/ring_env.rs pins), so the ratio is the
               library's own cost
  tpv3_pf      the same reader prefetching frames 4096 bytes ahead, as
               libpfring does (context: the floor for a reader that hides the
               cross-core cache misses; not a target)
  tpv3_4ms     the same reader on 128 blocks of 256 KiB retired after 4 ms (the
               shape libpfring used before, and the pcap shim's ring without a
               read timeout): twice the wake-ups at 300 kpps; shows what the ring
               shape costs
  pfring_loop  bench/pfring_loop.c, pfring_recv with a 2048-byte buffer via libpfring
  pfring_loop_4ms  the same loop with PF_RING_BLOCK_SIZE=262144 PF_RING_RETIRE_MS=4
  pfcount      build/bin/pfcount
  tcpdump      tcpdump -w /dev/null -B 65536 with the system libpcap
  tcpdump_shim the same tcpdump with LD_LIBRARY_PATH=build/lib (our libpcap.so.0.8)

Each run: start the capturer, wait for its ready line, send N packets at a
paced rate with pfsend, wait for the drain period, read the capturer's CPU
time (all threads, /proc/PID/task/*/schedstat, ns) over that window, stop it
with SIGINT and read its own packet and drop counters. Reports medians of
CPU ns per captured packet, capture ratios and the per-repetition ratios
between capturers as a Markdown table.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IF_GEN = "veth-gen"
IF_CAP = "veth-cap"


class Stream:
    """Collects a pipe's lines on a thread and signals when one matches."""

    def __init__(self, pipe, ready_prefix=None):
        self.lines = []
        self.ready = threading.Event()
        self.prefix = ready_prefix
        self.t = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.t.start()

    def _run(self, pipe):
        for raw in iter(pipe.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if self.prefix is not None and line.startswith(self.prefix):
                self.ready.set()
        pipe.close()

    def text(self):
        self.t.join(timeout=5)
        return "\n".join(self.lines)


def kv(text):
    out = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def parse_kv_counts(out, _err, drop_key):
    d = kv(out)
    return int(d["packets"]), int(d[drop_key])


def parse_pfcount(_out, err):
    m = re.search(r"Absolute Stats: \[(\d+) pkts rcvd\]\[(\d+) pkts dropped\]", err)
    if not m:
        raise RuntimeError("pfcount printed no Absolute Stats")
    return int(m.group(1)), int(m.group(2))


def parse_tcpdump(_out, err):
    cap = re.search(r"(\d+) packets? captured", err)
    drop = re.search(r"(\d+) packets? dropped by kernel", err)
    if not cap or not drop:
        raise RuntimeError("tcpdump printed no statistics")
    return int(cap.group(1)), int(drop.group(1))


def capturers(bins):
    return {
        "tpv3": dict(
            cmd=[os.path.join(bins, "tpv3_reader"), "-i", IF_CAP, "-b", "512", "-n", "64", "-t", "8"],
            ready=("err", "ready"),
            parse=lambda o, e: parse_kv_counts(o, e, "kernel_drops"),
        ),
        "tpv3_pf": dict(
            cmd=[os.path.join(bins, "tpv3_reader"), "-i", IF_CAP, "-b", "512", "-n", "64", "-t", "8",
                 "-p", "4096"],
            ready=("err", "ready"),
            parse=lambda o, e: parse_kv_counts(o, e, "kernel_drops"),
        ),
        "tpv3_4ms": dict(
            cmd=[os.path.join(bins, "tpv3_reader"), "-i", IF_CAP, "-b", "256", "-n", "128", "-t", "4"],
            ready=("err", "ready"),
            parse=lambda o, e: parse_kv_counts(o, e, "kernel_drops"),
        ),
        "pfring_loop": dict(
            cmd=[os.path.join(bins, "pfring_loop"), "-i", IF_CAP],
            ready=("err", "ready"),
            parse=lambda o, e: parse_kv_counts(o, e, "ring_drops"),
        ),
        # The same loop on the previous default ring shape.
        "pfring_loop_4ms": dict(
            cmd=["env", "PF_RING_BLOCK_SIZE=262144", "PF_RING_RETIRE_MS=4",
                 os.path.join(bins, "pfring_loop"), "-i", IF_CAP],
            ready=("err", "ready"),
            parse=lambda o, e: parse_kv_counts(o, e, "ring_drops"),
        ),
        "pfcount": dict(
            cmd=[os.path.join(ROOT, "build/bin/pfcount"), "-i", IF_CAP],
            ready=("out", "Capturing from"),
            parse=parse_pfcount,
        ),
        "tcpdump": dict(
            cmd=["tcpdump", "-i", IF_CAP, "-n", "-w", "/dev/null", "-B", "65536"],
            ready=("err", "tcpdump: listening on"),
            parse=parse_tcpdump,
        ),
        # The same Debian tcpdump on our libpcap.so.0.8 (env execs it: the
        # pid measured is tcpdump's).
        "tcpdump_shim": dict(
            cmd=["env", "LD_LIBRARY_PATH=" + os.path.join(ROOT, "build/lib"),
                 "tcpdump", "-i", IF_CAP, "-n", "-w", "/dev/null", "-B", "65536"],
            ready=("err", "tcpdump: listening on"),
            parse=parse_tcpdump,
        ),
    }


def task_cpu_ns(pid):
    """CPU time of all threads of `pid` so far, in ns (schedstat field 1)."""
    total = 0
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total


def cpu_busy():
    """Per-CPU (busy, total) jiffies from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if re.match(r"cpu\d+ ", line):
                p = line.split()
                vals = [int(x) for x in p[1:]]
                idle = vals[3] + vals[4]
                out[p[0]] = (sum(vals[:8]) - idle, sum(vals[:8]))
    return out


def busy_frac(a, b, cpu):
    if cpu not in a or cpu not in b:
        return float("nan")
    db = b[cpu][0] - a[cpu][0]
    dt = b[cpu][1] - a[cpu][1]
    return db / dt if dt else float("nan")


def netns_cmd(ns, cpu, cmd):
    return ["ip", "netns", "exec", ns, "taskset", "-c", str(cpu)] + cmd


def run_one(cfg, caps, args, ns_gen, ns_cap):
    res = dict(config=cfg)
    proc = None
    if cfg != "none":
        c = caps[cfg]
        proc = subprocess.Popen(
            netns_cmd(ns_cap, 1, c["cmd"]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        which, prefix = c["ready"]
        out = Stream(proc.stdout, prefix if which == "out" else None)
        err = Stream(proc.stderr, prefix if which == "err" else None)
        ready = (out if which == "out" else err).ready
        if not ready.wait(15):
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{cfg}: no ready line; stderr: {err.text()}")
        time.sleep(0.2)
        cpu0 = task_cpu_ns(proc.pid)
    stat0 = cpu_busy()
    gen = subprocess.run(
        netns_cmd(
            ns_gen,
            0,
            [
                os.path.join(ROOT, "build/bin/pfsend"),
                "-i", IF_GEN, "-n", str(args.packets), "-r", str(args.pps),
                "-l", str(args.len), "-b", "64", "-q", "-t", "600",
            ],
        ),
        capture_output=True,
        text=True,
        timeout=700,
    )
    if gen.returncode != 0:
        if proc:
            proc.kill()
        raise RuntimeError(f"pfsend failed: {gen.stderr}")
    g = kv(gen.stdout)
    res["sent"] = int(g["sent"])
    res["gen_pps"] = float(g["pps"])
    res["gen_sys_us"] = float(g["sys"]) * 1e6 / max(res["sent"], 1)
    time.sleep(args.drain)
    stat1 = cpu_busy()
    res["cpu0_busy"] = busy_frac(stat0, stat1, "cpu0")
    res["cpu1_busy"] = busy_frac(stat0, stat1, "cpu1")
    if proc is None:
        return res
    cpu1 = task_cpu_ns(proc.pid)
    window = float(g["elapsed"]) + args.drain
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{cfg}: did not stop on SIGINT")
    if proc.returncode != 0:
        raise RuntimeError(f"{cfg}: exit {proc.returncode}: {err.text()}")
    captured, drops = caps[cfg]["parse"](out.text(), err.text())
    res["captured"] = captured
    res["drops"] = drops
    res["ratio"] = captured / res["sent"] if res["sent"] else float("nan")
    res["cap_ns"] = (cpu1 - cpu0) / max(captured, 1)
    res["cap_cpu_pct"] = (cpu1 - cpu0) / 1e9 / window * 100
    return res


def med_range(vals, fmt):
    vals = [v for v in vals if v == v]
    if not vals:
        return "–"
    m = statistics.median(vals)
    if len(vals) == 1:
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(vals))}..{fmt.format(max(vals))})"


def report(results, args, configs):
    by = {}
    for r in results:
        by.setdefault(r["config"], []).append(r)
    # Per-repetition ratios of one capturer's CPU/pkt to another's.
    def ratios(num, den):
        out = []
        for rep in range(args.reps):
            a = [r for r in results if r["config"] == num and r["rep"] == rep]
            b = [r for r in results if r["config"] == den and r["rep"] == rep]
            if a and b and b[0]["cap_ns"] > 0:
                out.append(a[0]["cap_ns"] / b[0]["cap_ns"])
        return out

    def kern_delta(cfg):
        out = []
        for rep in range(args.reps):
            a = [r for r in results if r["config"] == cfg and r["rep"] == rep]
            b = [r for r in results if r["config"] == "none" and r["rep"] == rep]
            if a and b:
                out.append(a[0]["gen_sys_us"] - b[0]["gen_sys_us"])
        return out

    lines = []
    lines.append(
        f"{args.packets} packets of {args.len} bytes per run at {args.pps} pps, "
        f"{args.reps} repetition(s), configurations rotated; medians (min..max)."
        + (" RPS mode: receive softirq on the capturer's CPU." if args.rps else "")
    )
    lines.append("")
    lines.append(
        "| capturer | capture ratio | drops | CPU ns/pkt | × C reader | × tcpdump | cap CPU % "
        "| gen kern µs/pkt | +kern µs/pkt | gen pps | CPU1 busy |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    names = {
        "none": "none (pfsend alone)",
        "tpv3": "C TPACKET_V3 reader (libpfring's ring: 64 × 512 KiB, 8 ms)",
        "tpv3_pf": "C TPACKET_V3 reader, same ring, prefetching 4096 bytes ahead",
        "tpv3_4ms": "C TPACKET_V3 reader (128 × 256 KiB, 4 ms)",
        "pfring_loop": "libpfring pfring_recv loop (C)",
        "pfring_loop_4ms": "pfring_recv loop, PF_RING_BLOCK_SIZE=256 KiB PF_RING_RETIRE_MS=4",
        "pfcount": "pfcount",
        "tcpdump": "tcpdump -w /dev/null (libpcap)",
        "tcpdump_shim": "tcpdump -w /dev/null (our libpcap.so.0.8)",
    }
    for cfg in configs:
        rs = by.get(cfg, [])
        if not rs:
            continue
        cap = cfg != "none"
        lines.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                names.get(cfg, cfg),
                med_range([r["ratio"] for r in rs], "{:.4f}") if cap else "–",
                sum(r["drops"] for r in rs) if cap else "–",
                med_range([r["cap_ns"] for r in rs], "{:.1f}") if cap else "–",
                med_range(ratios(cfg, "tpv3"), "{:.2f}") if cap and "tpv3" in by else "–",
                med_range(ratios(cfg, "tcpdump"), "{:.2f}") if cap and "tcpdump" in by else "–",
                med_range([r["cap_cpu_pct"] for r in rs], "{:.1f}") if cap else "–",
                med_range([r["gen_sys_us"] for r in rs], "{:.3f}"),
                med_range(kern_delta(cfg), "{:.3f}") if cap and "none" in by else "–",
                med_range([r["gen_pps"] for r in rs], "{:.0f}"),
                med_range([r["cpu1_busy"] for r in rs], "{:.2f}"),
            )
        )
    checks = []
    if "pfring_loop" in by and "tpv3" in by:
        m = statistics.median(ratios("pfring_loop", "tpv3"))
        checks.append(f"libpfring loop ÷ C reader (same ring) CPU/pkt = {m:.2f} (target ≤ 1.2): {'met' if m <= 1.2 else 'NOT met'}")
    if "pfring_loop" in by and "tpv3_pf" in by:
        m = statistics.median(ratios("pfring_loop", "tpv3_pf"))
        checks.append(f"libpfring loop ÷ C reader prefetching as libpfring does CPU/pkt = {m:.2f} (context: the library's own cost)")
    if "pfring_loop_4ms" in by and "tpv3_4ms" in by:
        m = statistics.median(ratios("pfring_loop_4ms", "tpv3_4ms"))
        checks.append(f"both on the 256 KiB/4 ms ring: libpfring loop ÷ C reader CPU/pkt = {m:.2f}")
    if "pfring_loop_4ms" in by and "pfring_loop" in by:
        m = statistics.median(ratios("pfring_loop", "pfring_loop_4ms"))
        checks.append(f"libpfring loop, default ring ÷ 256 KiB/4 ms ring CPU/pkt = {m:.2f} (context: the ring shape's cost)")
    if "pfring_loop" in by and "tcpdump" in by:
        m = statistics.median(ratios("pfring_loop", "tcpdump"))
        checks.append(f"libpfring loop ÷ libpcap CPU/pkt = {m:.2f} (target ≤ 0.4): {'met' if m <= 0.4 else 'NOT met'}")
    if "tcpdump_shim" in by and "tcpdump" in by:
        m = statistics.median(ratios("tcpdump_shim", "tcpdump"))
        checks.append(f"tcpdump through the shim ÷ through libpcap CPU/pkt = {m:.2f} (target ≤ 0.8): {'met' if m <= 0.8 else 'NOT met'}")
    caps = [r for r in results if r["config"] != "none"]
    if caps:
        full = all(r["captured"] == r["sent"] and r["drops"] == 0 for r in caps)
        checks.append(f"capture ratio 1.000 with 0 drops in every run: {'yes' if full else 'NO'}")
    lines.append("")
    lines.extend(f"- {c}" for c in checks)
    lines.append("")
    lines.append(
        "CPU ns/pkt: capturer CPU (user+sys, all threads, schedstat) over the traffic window and "
        f"{args.drain:g} s drain ÷ packets it captured. gen kern: pfsend's sys time ÷ packets sent "
        "(veth receive runs inline on the sender's CPU, so this includes the capture path's kernel cost); "
        "+kern: minus the `none` run of the same repetition. × columns: median of per-repetition ratios."
    )
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=True, help="directory with tpv3_reader and pfring_loop")
    ap.add_argument("--packets", type=int, default=int(os.environ.get("BENCH_PACKETS", 1_500_000)))
    ap.add_argument("--pps", type=int, default=int(os.environ.get("BENCH_PPS", 300_000)))
    ap.add_argument("--len", type=int, default=int(os.environ.get("BENCH_LEN", 60)))
    ap.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", 3)))
    # tcpdump (libpcap) retires a partly filled TPACKET_V3 block only after
    # its 1000 ms read timeout: drain longer than that before stopping.
    ap.add_argument("--drain", type=float, default=1.5)
    ap.add_argument(
        "--configs",
        default=os.environ.get("BENCH_CONFIGS", "none,tpv3,tpv3_pf,tpv3_4ms,pfring_loop,pfring_loop_4ms,pfcount,tcpdump"),
    )
    ap.add_argument("--out", default=os.path.join(ROOT, "build/bench/results.md"))
    ap.add_argument("--check-capture", action="store_true", help="exit 1 unless every run captured everything")
    ap.add_argument(
        "--rps",
        action="store_true",
        help="overload mode: veth-cap's receive softirq runs on CPU1 with the capturer (RPS); "
        "per-process CPU is then not meaningful, capture ratio and drops are",
    )
    args = ap.parse_args()
    configs = args.configs.split(",")
    caps = capturers(args.bin_dir)
    for c in configs:
        if c != "none" and c not in caps:
            sys.exit(f"unknown configuration {c}")

    pid = os.getpid()
    ns_gen, ns_cap = f"pf-bench-{pid}-gen", f"pf-bench-{pid}-cap"
    env = dict(os.environ, NETNS_IF_A=IF_GEN, NETNS_IF_B=IF_CAP)

    def cleanup(*_):
        for ns in (ns_gen, ns_cap):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)

    def on_term(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    results = []
    try:
        subprocess.run(["bash", os.path.join(ROOT, "scripts/netns.sh"), "create", ns_gen, ns_cap], env=env, check=True)
        if args.rps:
            subprocess.run(
                ["ip", "netns", "exec", ns_cap, "sh", "-c", f"echo 2 > /sys/class/net/{IF_CAP}/queues/rx-0/rps_cpus"],
                check=True,
            )
        for rep in range(args.reps):
            order = configs[rep % len(configs):] + configs[: rep % len(configs)]
            for cfg in order:
                r = run_one(cfg, caps, args, ns_gen, ns_cap)
                r["rep"] = rep
                results.append(r)
                print(
                    f"rep {rep} {cfg:12s} sent={r['sent']} captured={r.get('captured', '-')} "
                    f"drops={r.get('drops', '-')} cap_ns/pkt={r.get('cap_ns', float('nan')):.1f} "
                    f"gen_sys_us/pkt={r['gen_sys_us']:.3f} gen_pps={r['gen_pps']:.0f} "
                    f"cpu1_busy={r['cpu1_busy']:.2f}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        cleanup()
    table = report(results, args, configs)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table + "\n")
    print(table)
    if args.check_capture:
        bad = [r for r in results if r["config"] != "none" and (r["captured"] != r["sent"] or r["drops"] != 0)]
        if bad:
            for r in bad:
                print(f"capture check failed: {r['config']} rep {r['rep']}: "
                      f"{r['captured']} of {r['sent']} captured, {r['drops']} drops", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
