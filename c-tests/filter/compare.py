#!/usr/bin/env python3
"""Differential check of a filter compiler against the system libpcap.

usage: compare.py ORACLE_COMPILE CANDIDATE_COMPILE RUNFILTER CORPUS.tsv CAPTURE... 
  ORACLE_COMPILE / CANDIDATE_COMPILE: programs with compile.c's I/O.
  RUNFILTER: runfilter.c (system bpf_filter), run over the captures.
Prints a summary and every disagreement; exit status 0.
With --expect FILE: the disagreement list must equal FILE's (known failures);
exit 1 otherwise (new failures or fixed ones not removed from the list).
With --progdiff: also print PROGDIFF lines for programs that differ but give
the same result on every packet (informational, never in the --expect list).
"""
import subprocess, sys

def run(cmd, data):
    return subprocess.run(cmd, input=data, capture_output=True, text=True, check=True).stdout.splitlines()

args = sys.argv[1:]
expect = None
progdiff = False
if args and args[0] == "--progdiff":
    progdiff = True
    args = args[1:]
if args and args[0] == "--expect":
    expect = args[1]
    args = args[2:]
oracle, cand, runf, corpus = args[:4]
caps = args[4:]
lines = [l for l in open(corpus).read().splitlines() if l and not l.startswith("#")]
data = "\n".join(lines) + "\n"
co = run([oracle], data)
ro = run([cand], data)
assert len(co) == len(lines) and len(ro) == len(lines), (len(co), len(ro), len(lines))
stats = dict(total=len(lines), both_ok=0, both_err=0, err_same=0, identical=0, status_diff=0,
             sem_same=0, sem_diff=0)
fails = []
sem_jobs = []
for i, (l, c, r) in enumerate(zip(lines, co, ro)):
    dltv = l.split("\t")[0]
    if c.startswith("OK") and r.startswith("OK"):
        stats["both_ok"] += 1
        if c == r:
            stats["identical"] += 1
        else:
            sem_jobs.append((i, dltv, c, r))
    elif c.startswith("ERR") and r.startswith("ERR"):
        stats["both_err"] += 1
        if c == r:
            stats["err_same"] += 1
        else:
            fails.append("ERRTEXT\t%s\t%s\t%s" % (l, c[4:], r[4:]))
    else:
        stats["status_diff"] += 1
        fails.append("STATUS\t%s\t%s\t%s" % (l, c[:80], r[:80]))
# semantic comparison through the system bpf_filter
if sem_jobs:
    feed = []
    for (i, d, c, r) in sem_jobs:
        for x in (c, r):
            _, n, ins = x.split("\t")
            feed.append("%s\t%s\t%s" % (d, n, ins.replace(",", " ")))
    out = run([runf] + caps, "\n".join(feed) + "\n")
    for k, (i, d, c, r) in enumerate(sem_jobs):
        a, b = out[2 * k], out[2 * k + 1]
        if a == b and not a.startswith("INVALID"):
            stats["sem_same"] += 1
            if progdiff:
                print("PROGDIFF\t%s\t%s\t%s" % (lines[i], c, r))
        else:
            stats["sem_diff"] += 1
            fails.append("SEMANTIC\t%s\t%s\t%s" % (lines[i], a, b))
print("expressions: %(total)d; both compiled: %(both_ok)d (identical insns: %(identical)d, "
      "same result on every packet: %(sem_same)d, different: %(sem_diff)d); both failed: %(both_err)d "
      "(same message: %(err_same)d); success/failure differs: %(status_diff)d" % stats)
for f in fails:
    print(f)
if expect is not None:
    known = set(l for l in open(expect).read().splitlines() if l and not l.startswith("#"))
    got = set(fails)
    new = sorted(got - known)
    fixed = sorted(known - got)
    for f in new:
        print("NEW FAILURE: " + f)
    for f in fixed:
        print("NOW PASSING (remove from known list): " + f)
    sys.exit(1 if new or fixed else 0)
