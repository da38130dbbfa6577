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
dir=${LIENLOG_DEMO_DIR:-demo-data}
listen=${LIENLOG_LISTEN:-127.0.0.1:8080}

# Once the server answers, the administrator files the demo world's 400
# synthetic institutions (DIR/demo/institutions.csv, docs/demo.md) through
# the ordinary signed API, so lists, filters and statistics run at the
# seed's scale (412 filed institutions). Each filing is an entry like any
# other; on a restart the filed ones are skipped ("already filed"). The
# wait is bounded: a server that never comes up ends it quietly.
(
	for _ in $(seq 1 600); do
		curl -sf "http://$listen/healthz" >/dev/null 2>&1 && break
		sleep 0.5
	done
	build/release/tools/lienlog file-institutions --url "http://$listen" \
		--key "$dir/demo/admin.key" --cert "$dir/demo/admin.pem" \
		--csv "$dir/demo/institutions.csv" 2>&1 |
		sed 's/^/demo.sh: institutions: /'
) &
exec build/release/tools/lienlogd --demo "$dir" --listen "$listen"
