#!/bin/bash
# Interop test: check a live lienlogd with an independent verifier built
# only on Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian packages,
# GOPATH mode, no network). See docs/testing.md.
#
# usage: run_go_check.sh /path/to/lienlogd [extra lienlogcheck flags...]
#
# Builds tests/interop/go/src/lienlogcheck into a temp dir, starts
# `lienlogd --demo <tmp> --listen 127.0.0.1:<free port>`, waits (bounded)
# for /healthz, runs the checker against it with <tmp>/log.vkey, and always
# stops the server and removes the temp dir.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 /path/to/lienlogd [lienlogcheck flags...]" >&2
	exit 2
fi
lienlogd=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
server_pid=

cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		# Bounded wait for a clean exit, then force.
		for _ in $(seq 1 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# 1. Build the checker. GOPATH mode with Debian's golang.org/x/mod; no
# module proxy is reachable. Go needs a build cache: use the usual one if
# there is a home, else one in the temp dir.
export GO111MODULE=off GOFLAGS= GOPROXY=off
export GOPATH="$here/go:/usr/share/gocode"
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
	export GOCACHE="$tmp/gocache"
fi
go build -o "$tmp/lienlogcheck" lienlogcheck

# 2. Start the demo server on port 0: the kernel picks a free loopback
# port as the server binds (no port guessed free and taken by another
# process before the bind), and the server names it in its one line
# "lienlogd: listening on http://127.0.0.1:PORT/" (docs/cli.md
# "Listening address"). Filling the demo log (>= 1000 durable entries)
# can take a while under sanitizers and load: wait on that line, then on
# /healthz, at most 3000 x 0.1 s, and stop early if the server died.
"$lienlogd" --demo "$tmp/demo" --listen 127.0.0.1:0 >"$tmp/server.log" 2>&1 &
server_pid=$!
ready=0
port=
for _ in $(seq 1 3000); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		break
	fi
	if [ -z "$port" ]; then
		port=$(sed -n 's|^lienlogd: listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' \
			"$tmp/server.log")
	fi
	if [ -n "$port" ] && curl -fsS -o /dev/null --max-time 10 \
		"http://127.0.0.1:$port/healthz" 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ "$ready" != 1 ]; then
	# How it ended says who ended it: an exit status of its own, or a
	# signal (>128) that came from outside (a crash logs in dmesg too).
	how="still running after the bound"
	if ! kill -0 "$server_pid" 2>/dev/null; then
		rc=0
		wait "$server_pid" || rc=$?
		server_pid=
		how="exited with status $rc"
		[ "$rc" -gt 128 ] && how="$how (signal $((rc - 128)))"
	fi
	# A full disk ends a server before it can even say so (its output
	# cannot be written either): name the room left.
	how="$how; $(df -Pm "$tmp" 2>/dev/null | awk 'NR == 2 {print $4}' || true) MiB free in $tmp"
	echo "run_go_check: FAIL: lienlogd never answered /healthz ($how)" >&2
	cat "$tmp/server.log" >&2 || true
	exit 1
fi

# 3. Check it.
if ! "$tmp/lienlogcheck" -url "http://127.0.0.1:$port" \
	-vkey "$tmp/demo/log.vkey" "$@"; then
	echo "run_go_check: server log follows" >&2
	tail -n 50 "$tmp/server.log" >&2 || true
	exit 1
fi
