#!/usr/bin/python3
"""The Node.js quickstart (docs/integration.md "The same in Node.js") runs.

1. Every fenced block of README.md and docs/*.md whose info string names a
   file (```js file=docs/examples/node/quickstart.mjs) is that file byte
   for byte: the code a reader copies is the code this test runs.
2. docs/examples/node/ is installed the way a reader installs it, `npm ci`
   from its committed package-lock.json (into BUILD_DIR/node-quickstart,
   again only when the lockfile changed: the npm cache serves a machine
   that has installed it once), and quickstart.mjs runs against a live
   `lienlogd --demo` on 127.0.0.1: key, certificate filing, identity
   commitment, face token, mortgage (201), receipt verified in JS, the
   officer's approval, the application read as approved.
3. The receipt it kept is also accepted by `lienlog verify inclusion`
   (two implementations agree), and verify-receipt.mjs refuses it with a
   flipped leaf hash, proof hash, checkpoint signature or index, under
   another key, and with a proof one hash short.

Usage: test_node_quickstart.py LIENLOGD LIENLOG SOURCE_DIR BUILD_DIR
"""
import base64
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from itest import check, require, FAILURES, start_demo, stop

FENCE = re.compile(r"^```(?P<info>.*)$")


def quoted_files(src):
    """(doc, line, path, text) of each fenced block naming file=PATH."""
    out = []
    docs = [os.path.join(src, "README.md")] + sorted(
        glob.glob(os.path.join(src, "docs", "*.md")))
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            words = m.group("info").split()
            name = [w[5:] for w in words if w.startswith("file=")]
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            if name:
                out.append((os.path.relpath(doc, src), i + 1, name[0],
                            "\n".join(lines[i + 1:j]) + "\n"))
            i = j + 1
    return out


def install(src, build):
    """npm ci of docs/examples/node into BUILD/node-quickstart, as
    web/browser/run.sh does for the pages (only when the lock changed)."""
    ex = os.path.join(src, "docs", "examples", "node")
    dest = os.path.join(build, "node-quickstart")
    os.makedirs(dest, exist_ok=True)
    lock = os.path.join(ex, "package-lock.json")
    mark = os.path.join(dest, ".installed-lock")
    for f in os.listdir(ex):
        if f.endswith((".mjs", ".json")):
            shutil.copyfile(os.path.join(ex, f), os.path.join(dest, f))
    same = False
    if os.path.exists(mark) and os.path.isdir(
            os.path.join(dest, "node_modules")):
        with open(lock, "rb") as a, open(mark, "rb") as b:
            same = a.read() == b.read()
    if not same:
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund",
                            "--prefer-offline", "--loglevel=error"],
                           cwd=dest, capture_output=True, text=True,
                           timeout=600)
        require(r.returncode == 0, "npm ci of docs/examples/node: %s%s" %
                (r.stdout[-2000:], r.stderr[-2000:]))
        shutil.copyfile(lock, mark)
    return dest


TAMPER = r"""
import { readFileSync } from 'node:fs';
import { verifyReceipt } from './verify-receipt.mjs';
const [receiptPath, vkeyPath, otherVkey] = process.argv.slice(2);
const good = JSON.parse(readFileSync(receiptPath, 'utf8'));
const vkey = readFileSync(vkeyPath, 'utf8');
const flip = (b64) => { const b = Buffer.from(b64, 'base64'); b[b.length - 1] ^= 1;
	return b.toString('base64'); };
const cases = {
	'leaf hash flipped': (r) => { r.leaf_hash = flip(r.leaf_hash); },
	'proof hash flipped': (r) => { r.proof[0] = flip(r.proof[0]); },
	'proof one hash short': (r) => { r.proof.pop(); },
	'index changed': (r) => { r.index ^= 1; },
	'index beyond the tree': (r) => { r.index = r.tree_size; },
	'checkpoint signature flipped': (r) => {
		r.checkpoint = r.checkpoint.replace(/ (\S+)\n$/, (_, s) => ' ' + flip(s) + '\n'); },
	'checkpoint root changed': (r) => {
		const l = r.checkpoint.split('\n'); l[2] = flip(l[2]); r.checkpoint = l.join('\n'); },
	'another log key': null,
};
verifyReceipt(structuredClone(good), vkey);
console.log('ok: the kept receipt verifies');
let bad = 0;
for (const [what, f] of Object.entries(cases)) {
	const r = structuredClone(good);
	let k = vkey;
	if (f) f(r); else k = readFileSync(otherVkey, 'utf8');
	try { verifyReceipt(r, k); console.log('FAIL: accepted with ' + what); bad++; }
	catch (e) { console.log('ok: refused with ' + what + ': ' + e.message); }
}
process.exit(bad ? 1 : 0);
"""


def main():
    lienlogd, lienlog, src, build = sys.argv[1:5]
    quotes = quoted_files(src)
    check(any(p == "docs/examples/node/quickstart.mjs" for _, _, p, _ in
              quotes), "docs/integration.md shows quickstart.mjs "
          "(```js file=docs/examples/node/quickstart.mjs)")
    for doc, line, path, text in quotes:
        full = os.path.join(src, path)
        if not check(os.path.isfile(full), "%s:%d: file=%s exists" %
                     (doc, line, path)):
            continue
        with open(full, encoding="utf-8") as f:
            check(f.read() == text, "%s:%d: the block is %s byte for byte "
                  "(copy the file into the doc)" % (doc, line, path))

    dest = install(src, build)
    tmp = tempfile.mkdtemp(prefix="lienlog-node-")
    proc = None
    try:
        data = os.path.join(tmp, "demo-data")
        proc, port = start_demo(lienlogd, data, os.path.join(tmp, "d.log"))
        out = os.path.join(tmp, "out")
        r = subprocess.run(["node", "quickstart.mjs",
                            "http://127.0.0.1:%d" % port, data, out],
                           cwd=dest, capture_output=True, text=True,
                           timeout=600)
        print(r.stdout, r.stderr)
        require(r.returncode == 0, "quickstart.mjs runs (exit %d)" %
                r.returncode)
        for line in ("bank filed: HTTP 201", "vehicle recorded: HTTP 201",
                     "identity commitment: HTTP 200", "mortgage: HTTP 201",
                     "receipt verified: entry ", "officer approves: HTTP 201"):
            check(line in r.stdout, "quickstart.mjs printed %r" % line)
        check(re.search(r"application A[0-9a-f]{16}: approved", r.stdout),
              "the mortgage ends approved")
        receipt = os.path.join(out, "receipt.json")
        vkey = os.path.join(data, "log.vkey")
        with open(receipt, encoding="utf-8") as f:
            check(json.load(f).get("entry_type") is not None,
                  "receipt.json kept")
        r = subprocess.run([lienlog, "verify", "inclusion", "--vkey", vkey,
                            "--proof", receipt], capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == 0, "lienlog verify inclusion accepts the "
              "receipt quickstart.mjs verified: %s" % r.stderr)
        other = os.path.join(tmp, "other")
        r = subprocess.run([lienlog, "keygen", "--type", "ed25519",
                            "--out", other], capture_output=True, text=True,
                           timeout=60)
        with open(vkey, encoding="utf-8") as f:
            name = f.read().strip().split("+")[0]
        # Another Ed25519 key under the log's name: a note verifier key
        # line made from the public key (raw 32 bytes = the SPKI's last 32).
        r = subprocess.run(["openssl", "pkey", "-pubin", "-in", other + ".pub",
                            "-outform", "DER"], capture_output=True,
                           timeout=60)
        require(r.returncode == 0, "openssl pkey of another key")
        raw = b"\x01" + r.stdout[-32:]
        kh = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
        other_vkey = os.path.join(tmp, "other.vkey")
        with open(other_vkey, "w") as f:
            f.write("%s+%s+%s\n" % (name, kh, base64.b64encode(raw).decode()))
        with open(os.path.join(dest, "tamper.mjs"), "w") as f:
            f.write(TAMPER)
        r = subprocess.run(["node", "tamper.mjs", receipt, vkey, other_vkey],
                           cwd=dest, capture_output=True, text=True,
                           timeout=120)
        print(r.stdout, r.stderr)
        check(r.returncode == 0, "verify-receipt.mjs refuses every "
              "tampered receipt")
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("node quickstart: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
