#!/usr/bin/env bash
# The browser tests (ctest label `browser`): web/browser/run.sh BUILD_DIR
# with LIENLOGD and LIENLOG set. From a clean machine: installs the npm
# packages of web/package-lock.json with `npm ci` into BUILD_DIR/web-npm
# (only when the lockfile changed since the last install), checks that
# the vendored @noble/ed25519 is the locked one byte for byte, then runs
# every web/browser/*.test.mjs with node's test runner against Debian's
# Chromium (scripts/deps.sh installs it). Screenshots go to
# BUILD_DIR/web-artifacts/.
set -euo pipefail
build=$(cd "$1" && pwd)
web=$(cd "$(dirname "$0")/.." && pwd)
nm="$build/web-npm"
mkdir -p "$nm"
if ! cmp -s "$web/package-lock.json" "$nm/.installed-lock"; then
	cp "$web/package.json" "$web/package-lock.json" "$nm/"
	(cd "$nm" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$web/package-lock.json" "$nm/.installed-lock"
fi
if ! cmp -s "$web/src/js/vendor/noble-ed25519.js" \
    "$nm/node_modules/@noble/ed25519/index.js"; then
	echo "web/src/js/vendor/noble-ed25519.js differs from the locked" \
	    "@noble/ed25519: copy node_modules/@noble/ed25519/index.js" >&2
	exit 1
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	echo "no Chromium at $chromium: run scripts/deps.sh" >&2
	exit 1
fi
export CHROMIUM="$chromium"
export LIEN_WEB_NODE_MODULES="$nm/node_modules"
export LIEN_WEB_ARTIFACTS="$build/web-artifacts"
rm -rf "$LIEN_WEB_ARTIFACTS"
cd "$web"
exec node --test --test-concurrency=1 browser/
