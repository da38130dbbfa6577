#!/usr/bin/python3
"""Integration test of `lienlog monitor` (docs/monitor.md).

* Real `lienlogd --demo`: the log and a peer's copy of its checkpoint are
  consistent (exit 0); a second run with --state still is; a peer file
  signed by another key is refused (12), and with --state each such
  checkpoint gets its own evidence folder.
* malicious_log.py: a peer's checkpoint from view a against the log's
  view b (an old entry rewritten) is a fork (10) with evidence files whose
  consistency proof `lienlog verify consistency` rejects; two views of the
  same size are a split view (10); the log shrinking below what an earlier
  run saw is a rollback (11) with its evidence folder (the two signed
  checkpoints, report.txt); witness copies given by URL are vantage
  points too. (Tiles that do not match a checkpoint, 13, are covered by
  test_sync.py: the monitor only reads the tiles a proof needs.)

Usage: test_monitor.py LIENLOG LIENLOGD
"""
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from itest import spawn, check, FAILURES, start_demo, stop, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def lienlog(args):
    r = subprocess.run([LIENLOG] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return r


def test_real(tmp):
    demo = os.path.join(tmp, "demo")
    proc, port = start_demo(LIENLOGD, demo, os.path.join(tmp, "demo.out"))
    try:
        base = "http://127.0.0.1:%d" % port
        vkey = os.path.join(demo, "log.vkey")
        peer = os.path.join(tmp, "peer.checkpoint")
        with open(peer, "wb") as f:
            f.write(get(base + "/log/checkpoint"))
        st = os.path.join(tmp, "mon")
        for i in range(2):
            r = lienlog(["monitor", "--log", base, "--vkey", vkey,
                         "--peer", peer, "--state", st])
            check(r.returncode == 0, "demo consistent, run %d (%s)" % (
                i, r.stderr[-200:]))
        other = os.path.join(tmp, "other")
        lienlog(["keygen", "--name", "lienlog.demo/log", "--out", other])
        forged = os.path.join(tmp, "forged.checkpoint")
        body = get(base + "/log/checkpoint").split(b"\n\n")[0] + b"\n"
        # a note signed by a different key with the same name
        r = subprocess.run([PY, "-c", FORGE, other + ".key", forged],
                           input=body)
        r = lienlog(["monitor", "--log", base, "--vkey", vkey, "--peer",
                     forged])
        check(r.returncode == 12, "forged peer refused (%d)" % r.returncode)
        # a finding too: each unverified checkpoint gets its own evidence
        # folder (the same one given twice: two folders, none overwritten)
        st2 = os.path.join(tmp, "mon-forged")
        r = lienlog(["monitor", "--log", base, "--vkey", vkey, "--peer",
                     forged, "--peer", forged, "--state", st2])
        check(r.returncode == 12, "forged peers refused (%d)" % r.returncode)
        evdir = os.path.join(st2, "evidence")
        ev = sorted(os.listdir(evdir)) if os.path.isdir(evdir) else []
        check(len(ev) == 2 and len(set(ev)) == 2,
              "two unverified checkpoints, two evidence folders (%r)" % ev)
        for e in ev:
            d = os.path.join(evdir, e)
            check(open(os.path.join(d, "a.checkpoint"), "rb").read() ==
                  open(forged, "rb").read(), "%s: the forged note as it "
                  "came" % e)
            rep = open(os.path.join(d, "report.txt"), "rb").read()
            check(rep.startswith(b"fault: bad_signature\n") and
                  b"peer " + forged.encode() in rep,
                  "%s: report.txt names the fault and the source (%r)" %
                  (e, rep[:120]))
    finally:
        stop(proc)


FORGE = r"""
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
p = open(sys.argv[1]).read().strip().split("+", 4)
raw = base64.b64decode(p[4])
sk = Ed25519PrivateKey.from_private_bytes(raw[1:])
pk = sk.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
kid = hashlib.sha256(p[2].encode() + b"\n\x01" + pk).digest()[:4]
body = sys.stdin.buffer.read()
sig = base64.b64encode(kid + sk.sign(body)).decode()
open(sys.argv[2], "wb").write(body + b"\n" + ("\u2014 %s %s\n" % (p[2], sig)).encode())
"""


def test_malicious(tmp):
    key = os.path.join(tmp, "mal")
    lienlog(["keygen", "--name", "mal.example/log", "--out", key])
    portfile = os.path.join(tmp, "mal.port")
    mal = spawn([PY, os.path.join(HERE, "malicious_log.py"),
                 "--key", key + ".key", portfile])
    try:
        # malicious_log.py binds port 0 and writes the port into
        # portfile (renamed into place) once it listens.
        if not check(wait_until(lambda: os.path.exists(portfile), mal),
                     "malicious log started"):
            return
        base = "http://127.0.0.1:%s" % open(portfile).read().strip()
        vkey = key + ".vkey"

        def mon(log, *extra):
            return lienlog(["monitor", "--log", base + "/" + log, "--vkey",
                            vkey] + list(extra))

        r = mon("grow", "--peer", base + "/a/checkpoint")
        check(r.returncode == 0, "a and grow consistent (%s)" %
              r.stdout[-300:])
        st = os.path.join(tmp, "m1")
        r = mon("b", "--peer", base + "/a/checkpoint", "--state", st)
        check(r.returncode == 10, "rewritten entry: fork (%d)" % r.returncode)
        check(b"MISBEHAVIOUR fork" in r.stdout, "fork reported")
        ev = os.listdir(os.path.join(st, "evidence"))
        if check(len(ev) == 1, "fork evidence written"):
            d = os.path.join(st, "evidence", ev[0])
            r2 = lienlog(["verify", "consistency", "--vkey", vkey, "--old",
                          os.path.join(d, "a.checkpoint"), "--new",
                          os.path.join(d, "b.checkpoint"), "--proof",
                          os.path.join(d, "consistency.json")])
            check(r2.returncode == 1, "evidence proof does not verify")
        r = mon("a", "--witness-url", base + "/c/checkpoint")
        check(r.returncode == 10 and b"split view" in r.stdout,
              "same-size split view (%d)" % r.returncode)
        st = os.path.join(tmp, "m2")
        r = mon("log", "--state", st)
        check(r.returncode == 0, "first run on view a")
        before = get(base + "/log/checkpoint")
        get(base + "/control?view=rollback")
        after = get(base + "/log/checkpoint")
        r = mon("log", "--state", st)
        check(r.returncode == 11, "rollback across runs (%d)" % r.returncode)
        # every finding gets an evidence folder, a rollback too: the two
        # checkpoints the log signed, the smaller (served now) first
        evdir = os.path.join(st, "evidence")
        ev = [e for e in (os.listdir(evdir) if os.path.isdir(evdir) else [])
              if e.endswith("-rollback")]
        if check(len(ev) == 1, "rollback evidence written (%r)" % ev):
            d = os.path.join(evdir, ev[0])
            check(open(os.path.join(d, "a.checkpoint"), "rb").read() ==
                  after, "rollback evidence: a.checkpoint is the smaller "
                  "checkpoint the log serves now")
            check(open(os.path.join(d, "b.checkpoint"), "rb").read() ==
                  before, "rollback evidence: b.checkpoint is the larger "
                  "one the earlier run saw")
            rep = open(os.path.join(d, "report.txt"), "rb").read()
            check(rep.startswith(b"fault: rollback\n"),
                  "rollback evidence: report.txt (%r)" % rep[:80])
            check(("evidence: " + d).encode() in r.stdout,
                  "the rollback's evidence folder is named on stdout")
        get(base + "/control?view=a")
    finally:
        stop(mal)


def main():
    global LIENLOG, LIENLOGD
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    LIENLOG, LIENLOGD = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lien-monitor-")
    try:
        test_malicious(tmp)
        test_real(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
