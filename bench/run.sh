#!/usr/bin/env bash
# Build lienlog in Release mode in build-bench/ (no sanitizers, no tests)
# and run every benchmark: the log core (bench_log), request verification
# (bench_auth), the witness (bench_witness), the sync mirror (bench_sync),
# the end-to-end floor (bench_floor) and the lien-status map (bench_map,
# bench_serve; bench/map_load.sh runs on its own: bench/README.md).
# Figures go to stdout, one per line ("name value unit"); progress goes
# to stderr. Extra arguments are
# passed to bench_log (--quick, --smoke, --store-dir DIR, --only PREFIX);
# with --only, the other benchmarks are skipped.
#
#   bash bench/run.sh                 # full run (builds a 10^7 store once)
#   bash bench/run.sh --quick         # skip the 10^7-entry store
#   bash bench/run.sh --only append   # just the append figures
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$repo/build-bench}"

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLIEN_TESTS=OFF \
	-DLIEN_SANITIZE=OFF >&2
cmake --build "$build" -j"$(nproc)" --target bench_log bench_auth \
	bench_witness bench_sync bench_floor bench_map bench_serve lienlogd >&2

{
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
		"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	# Other work on the machine skews every figure: say how busy it was.
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >&2

start=$(date +%s)
"$build/bench/bench_log" "$@"
case " $* " in
*" --only "*) ;;
*)
	smoke=
	case " $* " in *" --smoke "*) smoke=--smoke ;; esac
	"$build/bench/bench_auth" $smoke
	wdir=$(mktemp -d "${TMPDIR:-/tmp}/lienlog-bench-witness-XXXXXX")
	"$build/bench/bench_witness" $smoke --dir "$wdir"
	rm -rf "$wdir"
	"$build/bench/bench_sync" $smoke
	"$build/bench/bench_floor" $smoke
	"$build/bench/bench_map" $smoke
	"$build/bench/bench_serve" $smoke
	;;
esac
echo "run.sh: bench took $(( $(date +%s) - start )) s;" \
	"load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
