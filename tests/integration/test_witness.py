#!/usr/bin/python3
"""Integration test of `lienlog witness` (docs/witness.md) against a real
`lienlogd --demo` log, all on 127.0.0.1 with temporary directories.

  1. lienlogd --demo serves a 2000-entry log (1000 requests, each with
     its state root); `lienlog witness keygen`
     makes a witness key; `lienlog witness serve` witnesses the demo log.
  2. The checkpoint fetched from the log is POSTed to /add-checkpoint with
     "old 0": 200, and the cosignature line is verified here with Python
     `cryptography` (an Ed25519 independent of libsodium): key id, the
     timestamp, the signature over "cosignature/v1\\ntime <t>\\n" + body.
  3. The log is grown (crash_appender appends through the real ledger),
     the consistency proof is fetched from /v1/proof/consistency, and the
     witness moves from 2000 to the new size; a tampered proof is 422.
  4. Every negative over HTTP with its tlog-witness status: stale old
     (409, text/x.tlog.size, the held size), old > size (400), unknown
     origin (404), signature by another key (403), malformed bodies
     (400), same size other root (409), rollback; after each, "old 0"
     still answers 409 with the unchanged size: nothing was stored.
  5. HTTP guard: Transfer-Encoding, duplicate / non-digit / missing
     Content-Length, oversize body (413), 64 headers, a query, GET on
     add-checkpoint (405), unknown path (404); smuggled requests are never
     answered.
  6. The witness restarts and still holds its size; --port-file names
     its port once it listens and is gone after the clean stop.

Every server is stopped at the end (SIGTERM, then SIGKILL); exit status
0 is required of each. Usage:
  test_witness.py LIENLOGD LIENLOG [CRASH_APPENDER]
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)
from cryptography.hazmat.primitives import serialization
from cryptography.exceptions import InvalidSignature

from itest import (spawn, check, FAILURES, CHECKS, start_listening, stop,
                   wait_until)

ORIGIN = "lienlog.demo/log"
WNAME = "witness.test/w1"
EM_DASH = "\u2014 ".encode()


# ---- processes -------------------------------------------------------------


def start(argv, path, logpath):
    """Start a server (itest.start_listening: --listen 127.0.0.1:0, the
    port from its listening line); (proc, port) once GET path answers
    200."""
    def probe(port):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
        finally:
            c.close()
        if r.status != 200:
            raise OSError("GET %s: %d" % (path, r.status))
    return start_listening(argv, logpath, probe, argv[0])


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def req(self, method, path, body=None, headers=None):
        for _attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1",
                                                       self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body,
                                  headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                hdr = {k.lower(): v for k, v in r.getheaders()}
                if hdr.get("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, hdr, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
        raise RuntimeError("request failed twice")

    def raw(self, data):
        """Send raw bytes; read until the server closes (30 s hang guard,
        not a timing assertion). Returns (bytes, closed)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        out, closed = b"", False
        try:
            s.sendall(data)
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    closed = True
                    break
                out += chunk
        finally:
            s.close()
        return out, closed


# ---- signed notes and keys (independent implementation) --------------------

def key_id(name, typ, pk):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pk).digest()[:4]


def parse_vkey(text):
    name, kid, b = text.strip().split("+", 2)
    raw = base64.b64decode(b, validate=True)
    return name, bytes.fromhex(kid), raw[0], raw[1:]


def note_split(note):
    i = note.rindex(b"\n\n")
    return note[:i + 1], note[i + 2:]


def sig_lines(block):
    out = []
    for line in block.split(b"\n"):
        if not line:
            continue
        assert line.startswith(EM_DASH), line
        name, b = line[len(EM_DASH):].decode().split(" ")
        out.append((name, base64.b64decode(b, validate=True)))
    return out


def verify_cosig(vkey_text, body, line_bytes):
    """tlog-cosignature v1, from the spec. Returns the timestamp or None."""
    name, kid, typ, pk = parse_vkey(vkey_text)
    if not check(typ == 4, "witness vkey type is 0x04"):
        return None
    check(key_id(name, 4, pk) == kid, "vkey key id = SHA-256(name\\n04pk)[:4]")
    lines = sig_lines(line_bytes)
    if not check(len(lines) == 1, f"one cosignature line, got {len(lines)}"):
        return None
    lname, raw = lines[0]
    check(lname == name, f"line name {lname} == {name}")
    if not check(len(raw) == 76, f"payload 76 bytes, got {len(raw)}"):
        return None
    check(raw[:4] == kid, "payload starts with the key id")
    t = struct.unpack(">Q", raw[4:12])[0]
    check(t < 2 ** 63, "timestamp <= 2^63-1")
    msg = b"cosignature/v1\ntime " + str(t).encode() + b"\n" + body
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(raw[12:], msg)
    except InvalidSignature:
        check(False, "cosignature verifies with python-cryptography")
        return None
    return t


def py_log_key(name):
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw)
    return name, sk, key_id(name, 1, pk)


def py_sign_note(key, body):
    name, sk, kid = key
    sig = base64.b64encode(kid + sk.sign(body)).decode()
    return body + b"\n" + EM_DASH + name.encode() + b" " + sig.encode() + b"\n"


def cp_body(origin, size, root):
    return (origin + "\n" + str(size) + "\n").encode() + \
        base64.b64encode(root) + b"\n"


def request(old, proof, note):
    return b"old " + str(old).encode() + b"\n" + \
        b"".join(base64.b64encode(h) + b"\n" for h in proof) + b"\n" + note


# ---- the test ----------------------------------------------------------------

def expect(w, body, status, what, size=None):
    st, hdr, data = w.req("POST", "/add-checkpoint", body=body)
    check(st == status, f"{what}: status {st}, want {status} ({data[:60]!r})")
    if status == 409:
        check(hdr.get("content-type") == "text/x.tlog.size",
              f"{what}: 409 content type {hdr.get('content-type')}")
        if size is not None:
            check(data == str(size).encode() + b"\n",
                  f"{what}: 409 body {data!r}, want {size}")
    if status != 200:
        check(EM_DASH not in data, f"{what}: no signature line in an error")
    return st, hdr, data


def held_size_is(w, note, size, what):
    """Nothing stored: "old 0" must still answer 409 with size."""
    expect(w, request(0, [], note), 409, f"after {what}: held size", size)


def one_response(w, data, status, what):
    smuggled = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    out, closed = w.raw(data + smuggled)
    check(out.count(b"HTTP/1.") == 1,
          f"{what}: exactly one response (got {out.count(b'HTTP/1.')})")
    first = out.split(b"\r\n")[0].decode("latin-1")
    check(first.startswith(f"HTTP/1.1 {status} "),
          f"{what}: status line {first!r}, want {status}")
    check(closed, f"{what}: connection closed")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    appender = sys.argv[3] if len(sys.argv) > 3 else None
    tmp = tempfile.mkdtemp(prefix="lien-witness-it-")
    logd = wit = None
    try:
        logdir = os.path.join(tmp, "log")
        logd, lport = start([lienlogd, "--demo", logdir, "--listen",
                             "127.0.0.1:0", "--threads", "4"],
                            "/healthz", os.path.join(tmp, "lienlogd.out"))
        log = Client(lport)
        with open(os.path.join(logdir, "log.vkey")) as f:
            log_vkey = f.read().strip()

        # Witness key.
        prefix = os.path.join(tmp, "w1")
        r = subprocess.run([lienlog, "witness", "keygen", "--name", WNAME,
                            "--out", prefix], capture_output=True)
        check(r.returncode == 0, f"keygen exit {r.returncode} {r.stderr!r}")
        with open(prefix + ".vkey") as f:
            wvkey = f.read().strip()
        check(r.stdout.decode().strip() == wvkey, "keygen prints the vkey")
        check(os.stat(prefix + ".key").st_mode & 0o777 == 0o600,
              "witness key is mode 0600")
        with open(prefix + ".key") as f:
            skey = f.read()
        check(skey.startswith("PRIVATE+KEY+" + WNAME + "+"), "skey text")
        sname, skid, styp, seed = parse_vkey(skey[len("PRIVATE+KEY+"):])
        pk = Ed25519PrivateKey.from_private_bytes(seed).public_key()\
            .public_bytes(serialization.Encoding.Raw,
                          serialization.PublicFormat.Raw)
        check(styp == 4 and skid == key_id(WNAME, 4, pk),
              "private key: type 0x04, key id of the public key")
        check(parse_vkey(wvkey)[3] == pk, "vkey holds the seed's public key")
        r = subprocess.run([lienlog, "witness", "keygen", "--name", WNAME,
                            "--out", prefix], capture_output=True)
        check(r.returncode != 0, "keygen refuses to overwrite")
        # A log key cannot serve as a witness key.
        r = subprocess.run([lienlog, "witness", "serve", "--key",
                            os.path.join(logdir, "log.key"), "--data",
                            os.path.join(tmp, "x"), "--logs", prefix + ".vkey"],
                           capture_output=True, timeout=60)
        check(r.returncode == 3, f"serve with a log key: exit {r.returncode}")

        logs = os.path.join(tmp, "logs.conf")
        with open(logs, "w") as f:
            f.write("# the demo log\nlog " + log_vkey + "\n")
        wdata = os.path.join(tmp, "wdata")

        witness_argv = [lienlog, "witness", "serve", "--key",
                        prefix + ".key", "--data", wdata, "--logs", logs,
                        "--listen", "127.0.0.1:0", "--threads", "4"]
        wit, wport = start(witness_argv, "/", os.path.join(tmp, "wit.out"))
        w = Client(wport)
        st, hdr, data = w.req("GET", "/")
        check(st == 200 and data.decode().strip() == wvkey,
              f"GET / gives the witness vkey: {data!r}")

        # 2. First cosignature.
        st, _, note = log.req("GET", "/log/checkpoint")
        check(st == 200, "log checkpoint")
        body, sigs = note_split(note)
        size = int(body.split(b"\n")[1])
        # 1000 seeded requests, one at a time: each its own batch with its
        # state root (docs/lien-status.md).
        check(size == 2000, f"demo log size {size}")
        before = int(time.time())
        st, hdr, line = expect(w, request(0, [], note), 200, "first add")
        after = int(time.time())
        t = verify_cosig(wvkey, body, line)
        check(t is not None and before - 5 <= t <= after + 5,
              f"timestamp {t} is the witness's clock")
        check(line.endswith(b"\n") and line.startswith(EM_DASH),
              "response is signature lines")
        # Same checkpoint again: old == size, same root -> 200.
        expect(w, request(size, [], note), 200, "re-cosign same size")
        held_size_is(w, note, size, "first add")

        # 4. Negatives, each with nothing stored.
        root = base64.b64decode(body.split(b"\n")[2])
        other_log = py_log_key(ORIGIN)           # same origin, other key
        stranger = py_log_key("lienlog.test/unknown")
        forged = py_sign_note(other_log, body)
        expect(w, request(size, [], forged), 403, "signature by another key")
        held_size_is(w, note, size, "403")
        unk = py_sign_note(stranger, cp_body("lienlog.test/unknown", 5, root))
        expect(w, request(0, [], unk), 404, "checkpoint for another origin")
        expect(w, request(size + 1, [], note), 400, "old > size")
        expect(w, request(500, [], note), 409, "stale old", size)
        expect(w, b"old 0%d\n\n" % size + note, 400, "leading zero")
        expect(w, b"old %d\n" % size + note, 400, "missing blank line")
        expect(w, b"old %d\nnot-base64!\n\n" % size + note, 400, "bad base64")
        expect(w, b"old %d\n" % size + b"".join(
            base64.b64encode(bytes([i]) * 32) + b"\n" for i in range(64)) +
            b"\n" + note, 400, "64 proof lines")
        expect(w, b"old %d\r\n\r\n" % size + note, 400, "CRLF")
        expect(w, b"", 400, "empty body")
        expect(w, request(size, [], body), 400, "unsigned checkpoint")
        # Same size, another root, correctly signed? Only the log can
        # sign; a same-size other-root note under a key we hold is the
        # 403 case. The 409 same-size case is covered in the unit tests
        # with a second key per origin; here: root flipped -> 403.
        flipped = bytearray(note)
        at = body.index(b"\n", len(ORIGIN) + 1) + 5   # inside the root
        flipped[at] = ord("B") if flipped[at] == ord("A") else ord("A")
        expect(w, request(size, [], bytes(flipped)), 403, "root flipped")
        held_size_is(w, note, size, "negatives")

        # 3. Grow the log and follow it with a real consistency proof.
        if appender is not None:
            stop(logd)
            logd = None
            ap = spawn([appender, logdir,
                        os.path.join(logdir, "log.key"), "1"],
                       stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
            acked = 0
            for _ in range(300):             # bounded
                ln = ap.stdout.readline()
                if not ln:
                    break
                acked += 1
                if acked >= 37:
                    break
            ap.kill()
            ap.wait()
            ap.stdout.close()
            check(acked >= 37, f"appender acked {acked} entries")
            logd, lport = start([lienlogd, "--demo", logdir, "--listen",
                                 "127.0.0.1:0", "--threads", "4"],
                                "/healthz", os.path.join(tmp, "lienlogd.out"))
            log = Client(lport)
            st, _, note2 = log.req("GET", "/log/checkpoint")
            body2, _ = note_split(note2)
            size2 = int(body2.split(b"\n")[1])
            check(size2 > size, f"log grew to {size2}")
            st, _, pj = log.req(
                "GET", f"/v1/proof/consistency?old_size={size}&tree_size={size2}")
            check(st == 200, f"consistency proof: {st}")
            proof = [base64.b64decode(h) for h in json.loads(pj)["proof"]]
            check(len(proof) > 0, "non-empty proof")
            # Tampered proofs: 422, nothing stored.
            for i in range(len(proof)):
                bad = list(proof)
                bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
                expect(w, request(size, bad, note2), 422, f"proof[{i}] flipped")
            expect(w, request(size, proof[:-1], note2), 422, "proof truncated")
            expect(w, request(size, [], note2), 422, "proof missing")
            held_size_is(w, note, size, "422s")
            # Stale: old 0 -> 409 size; then the real thing.
            expect(w, request(0, [], note2), 409, "stale old 0", size)
            st, _, line2 = expect(w, request(size, proof, note2), 200,
                                  "extend with a real proof")
            verify_cosig(wvkey, body2, line2)
            held_size_is(w, note2, size2, "extension")
            # Rollback to the old checkpoint: old size -> 409 size2;
            # old size2 -> 400 (old > size).
            expect(w, request(size, [], note), 409, "rollback", size2)
            expect(w, request(size2, [], note), 400, "rollback old > size")
            held_size = size2
            cur_note = note2
        else:
            check(False, "crash_appender path missing: the extension part "
                  "cannot run")
            held_size = size
            cur_note = note

        # 5. HTTP guard.
        st, hdr, _ = w.req("GET", "/add-checkpoint")
        check(st == 405 and "POST" in hdr.get("allow", ""), f"GET 405: {st}")
        st, _, _ = w.req("GET", "/nope")
        check(st == 404, f"unknown path: {st}")
        st, _, _ = w.req("POST", "/add-checkpoint?x=1", body=b"old 0\n\nx")
        check(st == 400, f"query refused: {st}")
        st, _, _ = w.req("GET", "/metrics")
        check(st == 200, "metrics")
        hdr0 = b"POST /add-checkpoint HTTP/1.1\r\nHost: x\r\n"
        one_response(w, hdr0 + b"Transfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nold 0\r\n0\r\n\r\n", 400, "Transfer-Encoding")
        one_response(w, hdr0 + b"Content-Length: 3\r\nContent-Length: 3\r\n"
                     b"\r\nabc", 400, "duplicate Content-Length")
        one_response(w, hdr0 + b"Content-Length: +3\r\n\r\nabc", 400,
                     "Content-Length +3")
        one_response(w, hdr0 + b"\r\n", 400, "missing Content-Length")
        one_response(w, hdr0 + b"Content-Length: 99999999\r\n\r\n", 413,
                     "oversize body")
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(64))
        one_response(w, hdr0 + many + b"Content-Length: 0\r\n\r\n", 431,
                     "64 headers")
        held_size_is(w, cur_note, held_size, "guard")

        # 6. Restart: the state is durable. --port-file: the bound port
        # once listening, gone after the clean stop.
        check(stop(wit) == 0, "witness exits 0 on SIGTERM")
        wpf = os.path.join(tmp, "wit.port")
        wit, wport = start(witness_argv + ["--port-file", wpf], "/",
                           os.path.join(tmp, "wit.out"))
        w = Client(wport)
        held_size_is(w, cur_note, held_size, "restart")

        def port_file():
            try:
                with open(wpf) as f:
                    return f.read()
            except OSError:
                return None
        check(wait_until(lambda: port_file() == f"{wport}\n", wit),
              f"--port-file holds the bound port ({port_file()!r}, "
              f"port {wport})")
        # A log's store is not a witness store.
        r = subprocess.run([lienlog, "witness", "serve", "--key",
                            prefix + ".key", "--data", logdir, "--logs", logs,
                            "--listen", "127.0.0.1:0"],
                           capture_output=True, timeout=60)
        check(r.returncode == 4, f"serve on a log store: exit {r.returncode}")
    finally:
        if wit is not None:
            check(stop(wit) == 0, "witness exit status")
            check(not os.path.exists(os.path.join(tmp, "wit.port")),
                  "--port-file removed at the clean stop")
        if logd is not None:
            check(stop(logd) == 0, "lienlogd exit status")
        if FAILURES:
            for name in ("lienlogd.out", "wit.out"):
                p = os.path.join(tmp, name)
                if os.path.exists(p):
                    with open(p, "rb") as f:
                        sys.stderr.write(f.read().decode("utf-8", "replace"))
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print(f"ok ({CHECKS[0]} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
