#!/usr/bin/env python3
"""Seed inputs for fuzz/filter_compile from a corpus TSV: selector byte + expression."""
import hashlib, os, sys
src, out = sys.argv[1], sys.argv[2]
for i, l in enumerate(open(src)):
    if l.startswith("#") or not l.strip():
        continue
    data = bytes([i % 256]) + l.rstrip("\n").split("\t")[4].encode()
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
