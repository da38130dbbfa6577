#!/usr/bin/env bash
# Installs everything lienlog needs to build, test and run its demo, from
# Debian 12 packages only. Idempotent: packages already present are skipped,
# so a developer machine pays for apt only once.
set -euo pipefail

pkgs=(
	build-essential cmake pkg-config ninja-build
	libssl-dev openssl liblmdb-dev lmdb-utils libsodium-dev
	libcivetweb-dev libjansson-dev libcurl4-openssl-dev libcmocka-dev
	clang libclang-rt-14-dev
	golang-go golang-golang-x-mod-dev
	python3 python3-cryptography python3-yaml
	nginx-light curl
	chromium fonts-wqy-microhei
)
# The pages' tests run on node and npm (web/, docs/web.md). Machines of
# this project come with Node.js 20; Debian's own (18) is the fallback.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
