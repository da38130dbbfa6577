#!/usr/bin/env bash
# Starts lienlogd with a working demo: installs packages, builds a release
# build (build/release), creates ./demo-data (log key, LMDB store, demo entries)
# on first run, and serves on 127.0.0.1:8080 until Ctrl-C.
#   LIENLOG_LISTEN=127.0.0.1:9000 bash scripts/demo.sh   to change the port
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh demo     # only what the demo needs (scripts/test.sh installs the test toolchain)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
	-DLIEN_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc 2>/dev/null || echo 2)" \
	--target lienlogd lienlog
exec build/release/tools/lienlogd --demo "${LIENLOG_DEMO_DIR:-demo-data}" \
	--listen "${LIENLOG_LISTEN:-127.0.0.1:8080}"
