#!/usr/bin/env bash
# The whole test suite, from a clean clone on a fresh Debian 12 machine:
#   1. installs the Debian packages it needs (scripts/deps.sh),
#   2. builds everything with gcc and -Werror (build/werror),
#   3. builds everything with clang, -Werror, ASan+UBSan and libFuzzer
#      (build/asan) and runs every ctest test there: unit, integration,
#      interop, fuzz (short bounded runs).
# .ci/run calls exactly this script. Extra arguments go to ctest
# (e.g. `bash scripts/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)

echo "== gcc -Werror build"
cmake -S . -B build/werror -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=gcc -DLIEN_WERROR=ON >/dev/null
cmake --build build/werror -j "$jobs"

echo "== clang -Werror ASan+UBSan build"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=clang -DLIEN_WERROR=ON -DLIEN_SANITIZE=ON \
	-DLIEN_FUZZ=ON >/dev/null
cmake --build build/asan -j "$jobs"

echo "== test suite (sanitizer build)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build/asan
ctest --output-on-failure -j "$jobs" --timeout 900 "$@"
