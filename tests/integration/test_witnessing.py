#!/usr/bin/python3
"""The log side of witnessing (witness/publisher.c, docs/witnessing.md),
end to end on 127.0.0.1 with real processes:

  three `lienlog witness serve` (keys from `lienlog witness keygen`), and
  `lienlogd --demo` configured with the three witnesses and a 2-of-3
  quorum; the log grows through the real registration path
  (`lienlog load`, signed requests, receipts verified by the tool).

Checked, with an Ed25519 implementation independent of ours (Python
`cryptography`): every checkpoint served at /log/checkpoint -- polled
continuously by a background thread while the log grows -- carries the
log's valid signature and at least 2 valid tlog-cosignature/v1
cosignatures (key id = SHA-256(name || 0x0A || 0x04 || pk)[:4], message
"cosignature/v1\\ntime <t>\\n" + body); `lienlog verify checkpoint` accepts
it under the log key.

Phases:
  1. all three up: the demo log (>= 1000 entries) is published;
  2. w3 killed: appends continue (load completes, every request
     accepted), publication follows the tree with w1+w2;
  3. lienlogd restarted with w3 still down: the last published checkpoint
     is served at once (recovered from the store);
  4. w3's port held by a black hole that accepts and never answers
     (a slow witness): appends continue, publication follows the tree;
  5. w3 restarted: it catches up -- lienlogd no longer knows its size
     (restart in 3), so it sends old 0, gets 409 with the size w3 holds
     and retries with a consistency proof from there -- and its
     cosignature joins the served checkpoint;
  6. w1 and w3 down: the quorum cannot be met, appends still continue,
     the served checkpoint stays at the last published size (still 2 of
     3) and lienlog_witness_quorum_lag_entries shows the lag; w1 back:
     publication catches up.

No wall-clock thresholds: every wait is a bounded poll of an observable
state. Usage: test_witnessing.py LIENLOGD LIENLOG
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PublicKey

from itest import (bind_again, check, FAILURES, CHECKS, restart_listening,
                   start_listening, wait_until)

EM_DASH = "\u2014 ".encode()
QUORUM = 2


# ---- independent signed-note / cosignature verification ----------------------

def key_id(name, typ, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pk).digest()[:4]


class VKey:
    def __init__(self, text):
        name, kid, b = text.strip().split("+", 2)
        raw = base64.b64decode(b, validate=True)
        self.name, self.kid, self.typ, self.pk = \
            name, bytes.fromhex(kid), raw[0], raw[1:]
        assert len(self.pk) == 32
        assert key_id(self.name, self.typ, self.pk) == self.kid, \
            "vkey key id = SHA-256(name\\n type pk)[:4]"
        self.pub = Ed25519PublicKey.from_public_bytes(self.pk)


def note_split(note):
    i = note.rindex(b"\n\n")
    return note[:i + 1], note[i + 2:]


def sig_lines(block):
    out = []
    for line in block.split(b"\n"):
        if not line:
            continue
        if not line.startswith(EM_DASH):
            return None
        name, b = line[len(EM_DASH):].decode().split(" ")
        out.append((name, base64.b64decode(b, validate=True)))
    return out


def log_sig_ok(log, body, lines):
    good = 0
    for name, raw in lines:
        if name != log.name or raw[:4] != log.kid:
            continue
        try:
            log.pub.verify(raw[4:], body)
            good += 1
        except InvalidSignature:
            return False
    return good >= 1


def cosigners(witnesses, body, lines):
    """Names of the witnesses with a valid tlog-cosignature/v1 line."""
    ok = set()
    for name, raw in lines:
        for w in witnesses:
            if name != w.name or len(raw) != 76 or raw[:4] != w.kid:
                continue
            t = struct.unpack(">Q", raw[4:12])[0]
            if t >= 2 ** 63:
                return None
            msg = b"cosignature/v1\ntime " + str(t).encode() + b"\n" + body
            try:
                w.pub.verify(raw[12:], msg)
                ok.add(w.name)
            except InvalidSignature:
                return None     # a bad line of a known key: fail closed
    return ok


def checkpoint_size(note):
    body, _ = note_split(note)
    return int(body.split(b"\n")[1])


def policy_ok(log, witnesses, note):
    """(ok, size, cosigner names) under the 2-of-3 policy, in Python."""
    try:
        body, block = note_split(note)
        lines = sig_lines(block)
        if lines is None or not log_sig_ok(log, body, lines):
            return False, None, set()
        names = cosigners(witnesses, body, lines)
        if names is None:
            return False, None, set()
        origin = body.split(b"\n")[0].decode()
        if origin != log.name:
            return False, None, names
        return len(names) >= QUORUM, checkpoint_size(note), names
    except (ValueError, IndexError, UnicodeDecodeError):
        return False, None, set()


# ---- processes ----------------------------------------------------------------


def get(port, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read(), r.getheader("Cache-Control")
    finally:
        c.close()


def answers(path):
    """A start_listening probe: GET path answers 200."""
    def probe(port):
        st = get(port, path)[0]
        if st != 200:
            raise OSError("GET %s: %d" % (path, st))
    return probe


def stop(proc, sig=signal.SIGTERM):
    if proc is not None and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode if proc is not None else None


class BlackHole:
    """A TCP listener that accepts connections and never answers: the
    slowest witness there is."""

    def __init__(self, port):
        def listen():
            s = socket.socket()
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
                s.listen(64)
            except OSError:
                s.close()
                raise
            return s
        # The port of a witness killed earlier: the running lienlogd's
        # --witness URL names it, so nothing else will do; bind_again
        # waits (bounded) for whatever took it meanwhile to let go.
        self.s = bind_again(listen, port, "the black hole",
                            "the running lienlogd's --witness URL names it")
        self.held = []
        self.done = False
        self.accepted = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        self.s.settimeout(0.2)
        while not self.done:
            try:
                c, _ = self.s.accept()
                self.held.append(c)
                self.accepted += 1
            except OSError:
                pass

    def close(self):
        self.done = True
        self.t.join(timeout=10)
        for c in self.held:
            c.close()
        self.s.close()


class Poller:
    """Fetches /log/checkpoint over and over while the log grows and
    checks every answer against the policy; sizes must never decrease."""

    def __init__(self, port, log, witnesses):
        self.port, self.log, self.ws = port, log, witnesses
        self.done = False
        self.seen = 0
        self.bad = []
        self.last = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        for _ in range(100000):         # bounded
            if self.done:
                return
            try:
                st, body, cc = get(self.port, "/log/checkpoint")
            except OSError as e:
                self.bad.append("GET /log/checkpoint failed: %s" % e)
                return
            ok, size, _ = policy_ok(self.log, self.ws, body)
            if st != 200 or not ok:
                self.bad.append("served checkpoint (HTTP %d) fails the "
                                "2-of-3 policy: %r" % (st, body[:400]))
            elif size < self.last:
                self.bad.append("published size went back %d -> %d" %
                                (self.last, size))
            else:
                self.last = size
            if cc != "no-cache":
                self.bad.append("Cache-Control %r" % cc)
            self.seen += 1

    def stop(self, what):
        self.done = True
        self.t.join(timeout=60)
        check(not self.bad, "%s: every served checkpoint met 2-of-3 "
              "(%d fetched): %s" % (what, self.seen, self.bad[:3]))
        check(self.seen > 0, "%s: the poller fetched checkpoints" % what)


def metrics(port):
    st, body, _ = get(port, "/metrics")
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        k, v = line.rsplit(" ", 1)
        out[k] = float(v)
    return out


def main():
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lien-witnessing-")
    procs = {}
    try:
        run(lienlogd, lienlog, tmp, procs)
    finally:
        for p in procs.values():
            stop(p, signal.SIGKILL)
        if not FAILURES:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)
    print("%d checks, %d failures" % (CHECKS[0], len(FAILURES)))
    return 1 if FAILURES else 0


def run(lienlogd, lienlog, tmp, procs):
    def path(*p):
        return os.path.join(tmp, *p)

    def cli(*args, ok=True):
        r = subprocess.run([lienlog] + list(args), cwd=tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        if ok and r.returncode != 0:
            sys.stderr.write(r.stderr.decode("utf-8", "replace"))
        return r

    # Keys: the log's (put where --demo keeps it), the witnesses'.
    check(cli("keygen", "--name", "lienlog.demo/log", "--out",
              path("log")).returncode == 0, "lienlog keygen")
    os.mkdir(path("demo"), 0o700)
    shutil.copy(path("log.key"), path("demo", "log.key"))
    os.chmod(path("demo", "log.key"), 0o600)
    log = VKey(open(path("log.vkey")).read())
    with open(path("logs.conf"), "w") as f:
        f.write("log " + open(path("log.vkey")).read().strip() + "\n")
    wkeys = []
    for i in (1, 2, 3):
        check(cli("witness", "keygen", "--name", "witness.example/w%d" % i,
                  "--out", path("w%d" % i)).returncode == 0,
              "witness keygen w%d" % i)
        wkeys.append(VKey(open(path("w%d.vkey" % i)).read()))
    check(all(w.typ == 4 for w in wkeys), "witness keys are type 0x04")
    wports = {}

    def witness_argv(i, port):
        return [lienlog, "witness", "serve", "--key", path("w%d.key" % i),
                "--data", path("w%d.data" % i), "--logs", path("logs.conf"),
                "--listen", "127.0.0.1:%d" % port]

    def start_witness(i):
        """w<i> on a port the kernel picks (the witness names it in its
        listening line)."""
        proc, p = start_listening(witness_argv(i, 0), path("w%d.log" % i),
                                  answers("/"), "witness w%d" % i)
        procs["w%d" % i] = proc
        wports[i] = p

    def restart_witness(i):
        """w<i> again on its old port: the running lienlogd's --witness
        URL names it, and the test is that lienlogd goes back to the
        witness at that URL by itself (restarting lienlogd with a new
        URL would test something else). The port was free while w<i> was
        down: itest.restart_listening retries the bind, bounded."""
        procs["w%d" % i] = restart_listening(
            witness_argv(i, wports[i]), wports[i], path("w%d.log" % i),
            answers("/"), "witness w%d" % i,
            "the running lienlogd's --witness URL names it")

    for i in (1, 2, 3):
        start_witness(i)

    lport = [0]

    def start_log(timeout_ms):
        argv = [lienlogd, "--demo", path("demo"),
                "--listen", "127.0.0.1:0",
                "--witness-quorum", str(QUORUM),
                "--witness-timeout-ms", str(timeout_ms)]
        for i in (1, 2, 3):
            argv += ["--witness", "http://127.0.0.1:%d=%s" %
                     (wports[i], path("w%d.vkey" % i))]
        procs["log"], lport[0] = start_listening(
            argv, path("lienlogd.log"), answers("/healthz"))

    def tree_size():
        return int(metrics(lport[0])["lienlog_log_tree_size"])

    def served():
        st, body, _ = get(lport[0], "/log/checkpoint")
        return st, body

    def wait_published(size, what, need=None):
        """Poll until the served checkpoint has this size (and, with
        need, cosignatures from those witnesses). Bounded (120 s)."""
        got = []

        def published():
            st, body = served()
            if st == 200:
                ok, s, names = policy_ok(log, wkeys, body)
                if ok and s == size and (need is None or need <= names):
                    got.append(body)
                    return True
            return False
        if wait_until(published, procs["log"], polls=2400, every=0.05):
            return got[-1]
        check(False, "%s: published size %d%s never served" %
              (what, size, " with %s" % sorted(need) if need else ""))
        return None

    def load(n, what):
        size0 = tree_size()
        r = cli("load", "--url", "http://127.0.0.1:%d" % lport[0], "--demo",
                path("demo"), "--requests", str(n), "--mix", "mortgage",
                "--concurrency", "4")
        # The summary is on stderr since `lienlog load` prints figures on
        # stdout (docs/demo.md).
        out = r.stderr.decode("utf-8", "replace")
        check(r.returncode == 0, "%s: lienlog load exit 0 (got %d)" %
              (what, r.returncode))
        check(re.search(r"^lienlog load: %d requests to .*: %d accepted "
                        % (n, n), out, re.M)
              is not None, "%s: all %d requests accepted: %s" %
              (what, n, out[:300]))
        check(re.search(r"^lienlog load: .*, 0 errors;", out, re.M)
              is not None, "%s: no errors" % what)
        size1 = tree_size()
        check(size1 >= size0 + n, "%s: tree grew by >= %d (%d -> %d)" %
              (what, n, size0, size1))
        return size1

    def verify_cli(note, what):
        f = path("cp.note")
        with open(f, "wb") as fh:
            fh.write(note)
        r = cli("verify", "checkpoint", "--vkey", path("log.vkey"), f,
                ok=False)
        check(r.returncode == 0, "%s: lienlog verify checkpoint exit 0 "
              "(got %d: %s)" % (what, r.returncode, r.stderr[:200]))

    # ---- 1. all three witnesses up --------------------------------------
    start_log(1000)
    size = tree_size()
    check(size >= 1000, "demo log has >= 1000 entries (%d)" % size)
    note = wait_published(size, "phase 1")
    if note is not None:
        ok, _, names = policy_ok(log, wkeys, note)
        check(ok, "phase 1: 2-of-3 verified in Python")
        verify_cli(note, "phase 1")
    m = metrics(lport[0])
    check(m.get("lienlog_witness_quorum") == QUORUM, "quorum gauge 2")
    check(m.get("lienlog_witness_published_size") == size,
          "published size gauge")
    check(m.get("lienlog_witness_quorum_wait_seconds_count", 0) >= 1,
          "quorum wait histogram counted a publication")

    # A write's receipt carries a checkpoint cosigned by the quorum: the
    # registry records a vehicle with `lienlog submit`.
    demo = path("demo", "demo")
    body = path("vehicle.json")
    with open(body, "w") as fh:
        json.dump({"vin": "LSJA24U62JG269225", "plate": "浙F0W1T2",
                   "plate_type": "02", "certificate_number": "WIT0001",
                   "owner": {"id_number": "11010519491231002X"}}, fh,
                  ensure_ascii=False)
    kid = cli("cert-fingerprint", os.path.join(demo, "registry.pem"))
    r = cli("submit", "--key", os.path.join(demo, "registry.key"),
            "--keyid", kid.stdout.decode().strip(), "--url",
            "http://127.0.0.1:%d/v1/vehicles" % lport[0], "--body", body)
    check(r.returncode == 0, "receipt: the registry records a vehicle "
          "(%s)" % r.stderr.decode("utf-8", "replace")[:200])
    if r.returncode == 0:
        rc = json.loads(r.stdout)
        ok, csize, names = policy_ok(log, wkeys, rc["checkpoint"].encode())
        check(ok and csize == rc["tree_size"] and rc["index"] < csize,
              "receipt: its checkpoint is cosigned by >= 2 witnesses "
              "(%s) and covers the entry" % sorted(names))
        rpath = path("receipt.json")
        with open(rpath, "wb") as fh:
            fh.write(r.stdout)
        v = cli("verify", "inclusion", "--vkey", path("log.vkey"),
                "--proof", rpath, ok=False)
        check(v.returncode == 0, "receipt: lienlog verify inclusion")

    # ---- 2. w3 down: appends continue, publication follows ----------------
    stop(procs.pop("w3"), signal.SIGKILL)
    poll = Poller(lport[0], log, wkeys)
    size = load(150, "phase 2 (w3 down)")
    poll.stop("phase 2")
    note = wait_published(size, "phase 2")
    if note is not None:
        verify_cli(note, "phase 2")
    m = metrics(lport[0])
    check(m.get('lienlog_witness_requests_total{witness="witness.example/'
                'w3",code="error"}', 0) >= 1,
          "phase 2: failed requests to w3 counted as code=error")
    check(m.get('lienlog_witness_cosigned_size{witness="witness.example/'
                'w1"}') == size, "phase 2: w1 cosigned the tree")

    # ---- 3. restart lienlogd with w3 still down -------------------------
    check(stop(procs.pop("log")) == 0, "lienlogd stops cleanly (SIGTERM)")
    start_log(500)
    st, body = served()
    ok, s, _ = policy_ok(log, wkeys, body)
    check(st == 200 and ok and s == size,
          "phase 3: the last published checkpoint is served right after "
          "a restart (HTTP %d, size %s, want %d)" % (st, s, size))

    # ---- 4. w3's port answers nothing (slow witness) ---------------------
    hole = BlackHole(wports[3])
    poll = Poller(lport[0], log, wkeys)
    size = load(150, "phase 4 (w3 hangs)")
    poll.stop("phase 4")
    note = wait_published(size, "phase 4")
    check(hole.accepted >= 1, "phase 4: lienlogd did reach the hanging "
          "witness (%d connections)" % hole.accepted)
    hole.close()

    # ---- 5. w3 back: it catches up through a 409 ---------------------------
    restart_witness(3)
    need = {w.name for w in wkeys}
    note = wait_published(size, "phase 5", need=need)
    if note is not None:
        ok, _, names = policy_ok(log, wkeys, note)
        check(names == need, "phase 5: all three cosigned the served "
              "checkpoint: %s" % sorted(names))
        verify_cli(note, "phase 5")
    m = metrics(lport[0])
    check(m.get('lienlog_witness_requests_total{witness="witness.example/'
                'w3",code="409"}', 0) >= 1,
          "phase 5: w3 answered 409 (old 0 after the restart) and was "
          "followed")
    check(m.get('lienlog_witness_cosigned_size{witness="witness.example/'
                'w3"}') == size, "phase 5: w3 caught up to %d" % size)

    # ---- 6. quorum lost: appends continue, publication waits -------------
    published = size
    stop(procs.pop("w1"), signal.SIGKILL)
    stop(procs.pop("w3"), signal.SIGKILL)
    poll = Poller(lport[0], log, wkeys)
    size = load(50, "phase 6 (w1, w3 down)")
    poll.stop("phase 6")
    st, body = served()
    ok, s, _ = policy_ok(log, wkeys, body)
    check(st == 200 and ok and s == published,
          "phase 6: without a quorum the last published checkpoint stays "
          "served (size %s, want %d)" % (s, published))
    m = metrics(lport[0])
    check(m.get("lienlog_witness_quorum_lag_entries", 0) >= size - published,
          "phase 6: quorum lag gauge shows >= %d entries" %
          (size - published))
    restart_witness(1)
    note = wait_published(size, "phase 6 (w1 back)")
    if note is not None:
        verify_cli(note, "phase 6")
    check(metrics(lport[0]).get("lienlog_witness_quorum_lag_entries") == 0,
          "phase 6: lag back to 0")

    check(stop(procs.pop("log")) == 0, "lienlogd stops cleanly at the end")
    with open(path("lienlogd.log"), "rb") as f:
        text = f.read().decode("utf-8", "replace")
    check("witnessing: witness witness.example/w3" in text,
          "lienlogd logged w3's failure")


if __name__ == "__main__":
    sys.exit(main())
