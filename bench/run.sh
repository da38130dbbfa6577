#!/usr/bin/env bash
# Build lienlog in Release mode in build-bench/ (no sanitizers, no tests)
# and run the log-core benchmark. Figures go to stdout, one per line
# ("name value unit"); progress goes to stderr. Extra arguments are passed
# to bench_log (--quick, --smoke, --store-dir DIR, --only PREFIX).
#
#   bash bench/run.sh                 # full run (builds a 10^7 store once)
#   bash bench/run.sh --quick         # skip the 10^7-entry store
#   bash bench/run.sh --only append   # just the append figures
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$repo/build-bench}"

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLIEN_TESTS=OFF \
	-DLIEN_SANITIZE=OFF >&2
cmake --build "$build" -j"$(nproc)" --target bench_log >&2

{
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
		"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	# Other work on the machine skews every figure: say how busy it was.
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >&2

start=$(date +%s)
"$build/bench/bench_log" "$@"
echo "run.sh: bench took $(( $(date +%s) - start )) s;" \
	"load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
