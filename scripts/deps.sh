#!/usr/bin/env bash
# Installs what lienlog needs, from Debian 12 packages only:
#   bash scripts/deps.sh demo   what scripts/demo.sh needs: the release
#                               build of lienlogd and lienlog, and curl
#   bash scripts/deps.sh test   (the default) everything scripts/test.sh
#                               needs: the demo's packages plus the test
#                               toolchain (cmocka, clang with sanitizers and
#                               libFuzzer, Go, Python, nginx, chromium, node)
# Idempotent: packages already present are skipped, so a machine pays for apt
# only once. Waits for the package manager's lock (a fresh machine often runs
# unattended-upgrades at boot) instead of failing: up to
# LIENLOG_APT_WAIT seconds (default 900).
set -euo pipefail

what=${1:-test}
demo=(
	build-essential cmake pkg-config ninja-build
	libssl-dev openssl liblmdb-dev libsodium-dev zlib1g-dev
	libcivetweb-dev libjansson-dev libcurl4-openssl-dev
	curl
)
test=(
	lmdb-utils libcmocka-dev
	clang libclang-rt-14-dev
	golang-go golang-golang-x-mod-dev
	python3 python3-cryptography python3-yaml
	nginx-light
	chromium fonts-wqy-microhei
)
case "$what" in
demo) pkgs=("${demo[@]}") ;;
test)
	pkgs=("${demo[@]}" "${test[@]}")
	# The pages' tests run on node and npm (web/, docs/web.md). Machines
	# of this project come with Node.js 20; Debian's own (18) is the
	# fallback.
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
		pkgs+=(nodejs npm)
	;;
*)
	echo "usage: bash scripts/deps.sh [demo|test]" >&2
	exit 2
	;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
wait_s=${LIENLOG_APT_WAIT:-900}
# apt-get waits for dpkg's lock itself with DPkg::Lock::Timeout (apt >= 1.9);
# `apt-get update` may still find the lists lock held: retry it.
lock=(-o "DPkg::Lock::Timeout=$wait_s")
for ((t = 0; ; t += 10)); do
	if $SUDO apt-get "${lock[@]}" update; then
		break
	fi
	if [ "$t" -ge "$wait_s" ]; then
		echo "deps.sh: apt-get update kept failing for ${wait_s}s (another apt running?)" >&2
		exit 1
	fi
	echo "deps.sh: apt-get update failed (another apt may hold the lock); retrying in 10 s" >&2
	sleep 10
done
$SUDO apt-get "${lock[@]}" install -y --no-install-recommends "${missing[@]}"
