#!/usr/bin/env bash
# make test-miri: nightly with miri and the standard library's sources
# (cargo miri builds its own sysroot from them on first use).
set -euo pipefail
rustup toolchain install nightly --profile minimal --component miri,rust-src
cargo +nightly miri --version
