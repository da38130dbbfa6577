#!/usr/bin/env bash
# End-to-end cost of the lien-status map (issue 13): `lienlog load`
# throughput against lienlogd with the map on and with --no-state-map,
# back to back in one run, in the order on off off on on off ... (so drift
# of the shared machine hits both alike). Each run gets a fresh demo log
# (lienlogd --demo, seeded before the timer), the same load command, and
# its server is stopped after it. Prints, on stdout, one figure per line:
#
#   map_load_on_accepted_per_s, map_load_off_accepted_per_s   (medians)
#   map_load_on_vs_off_ratio      median of the per-pair ratios on/off
#   map_load_on_p99_ms, map_load_off_p99_ms                   (medians)
#   loadavg_1m_start, loadavg_1m_end
#
# and every run's figures on stderr. Usage:
#
#   bash bench/map_load.sh [BUILD_DIR] [PAIRS] [SECONDS] [CONCURRENCY]
#   (defaults: build-bench 3 10 32; BUILD_DIR holds tools/lienlogd and
#   tools/lienlog, a Release build: bench/README.md)
#
#   bash bench/map_load.sh --once on|off BUILD_DIR REQUESTS [CONCURRENCY]
#   one fresh server and `lienlog load --requests REQUESTS`, for timing
#   the two settings as whole processes (CPU seconds of server and load
#   generator, seeding included) with a process timer.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
once=
if [ "${1:-}" = --once ]; then
	once=$2
	shift 2
	case $once in on|off) ;; *) echo "--once on|off" >&2; exit 2 ;; esac
fi
build="${1:-$repo/build-bench}"
pairs="${2:-3}"
secs="${3:-10}"
conc="${4:-32}"
D="$build/tools/lienlogd"
L="$build/tools/lienlog"
work=$(mktemp -d "${TMPDIR:-/tmp}/lienlog-map-load-XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# run MODE -> "accepted_per_s p99_ms" on stdout
run() {
	local mode=$1 dir port extra=() out len
	dir=$(mktemp -d "$work/$mode-XXXXXX")
	[ "$mode" = off ] && extra=(--no-state-map)
	# Port 0: the kernel picks a free port as lienlogd binds, and
	# --port-file names it once lienlogd listens (after seeding), so no
	# port is guessed free and then taken by another process first.
	"$D" --demo "$dir" --listen 127.0.0.1:0 --port-file "$dir.port" \
		--threads 96 "${extra[@]}" >"$dir.log" 2>&1 &
	pid=$!
	port=
	for _ in $(seq 3000); do	# bounded: 600 s (seeding included)
		if [ -z "$port" ] && [ -s "$dir.port" ]; then
			port=$(cat "$dir.port")
		fi
		[ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" \
			>/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { cat "$dir.log" >&2; exit 1; }
		sleep 0.2
	done
	if [ -z "$port" ]; then
		kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
		echo "map_load: lienlogd did not come up" >&2; cat "$dir.log" >&2
		exit 1
	fi
	if [ -n "$once" ]; then
		len=(--requests "$pairs")
	else
		len=(--duration "$secs")
	fi
	out=$("$L" load --url "http://127.0.0.1:$port" --demo "$dir" \
		--concurrency "$conc" "${len[@]}" --server-pid "$pid" 2>/dev/null)
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
	echo "$out" | sed "s/^/  $mode: /" >&2
	echo "$(echo "$out" | awk '$1=="load_accepted_per_s"{print $2}')" \
		"$(echo "$out" | awk '$1=="load_p99_ms"{print $2}')"
	rm -rf "$dir" "$dir.log" "$dir.port"
}

if [ -n "$once" ]; then
	conc="${3:-32}"
	run "$once" >/dev/null
	exit 0
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "map_load: $pairs pairs of $secs s runs, concurrency $conc, $build;" \
	"commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" >&2
la0=$(cut -d' ' -f1 /proc/loadavg)
on_r=() off_r=() on_p=() off_p=() ratios=()
for i in $(seq "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
	for m in $order; do
		read -r r p < <(run "$m")
		echo "map_load: pair $i $m: $r accepted/s, p99 $p ms" >&2
		if [ "$m" = on ]; then on_r+=("$r"); on_p+=("$p"); else off_r+=("$r"); off_p+=("$p"); fi
	done
	ratios+=("$(awk -v a="${on_r[-1]}" -v b="${off_r[-1]}" 'BEGIN {printf "%.3f", a / b}')")
done
echo "map_load_on_accepted_per_s $(printf '%s\n' "${on_r[@]}" | median) requests/s"
echo "map_load_off_accepted_per_s $(printf '%s\n' "${off_r[@]}" | median) requests/s"
echo "map_load_on_vs_off_ratio $(printf '%s\n' "${ratios[@]}" | median) x"
echo "map_load_on_p99_ms $(printf '%s\n' "${on_p[@]}" | median) ms"
echo "map_load_off_p99_ms $(printf '%s\n' "${off_p[@]}" | median) ms"
echo "loadavg_1m_start $la0 load"
echo "loadavg_1m_end $(cut -d' ' -f1 /proc/loadavg) load"
