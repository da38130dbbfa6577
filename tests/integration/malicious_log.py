#!/usr/bin/python3
"""A malicious tlog-tiles log: a test double for `lienlog sync` and
`lienlog monitor` (docs/sync.md, docs/monitor.md).

It builds logs in memory with lienlog's entry envelope (docs/entry-format.md)
and RFC 6962 hashing, signs checkpoints with the Ed25519 log key written by
`lienlog keygen` (python3-cryptography), and serves C2SP tlog-tiles
resources for several *views* at once:

  /<view>/checkpoint, /<view>/tile/<L>/<N>[.p/<W>], /<view>/tile/entries/...
  /log/...                  the "current" view
  GET /control?view=<name>  switch the current view (answers 200 "ok")

Views (SIZE entries each unless said otherwise, all with one origin):
  a          honest history
  grow       a plus 100 honest entries (consistent with a)
  b          entry REWRITE rewritten, the chain relinked, plus 100 entries:
             a fork of a (what a log that rewrites an old entry shows)
  c          like b but exactly SIZE entries: same size as a, other root
  rollback   the first SIZE - 100 entries of a
  badbundle  a's checkpoint and tiles, but entry BAD_ENTRY's bytes changed in
             the entry bundle
  badsig     a's checkpoint signed by another key with the same name
  badtile    a's checkpoint, one byte of the full tile 0/000 flipped
  cosigned   a's checkpoint with one cosignature line per --witness-key
             (C2SP tlog-cosignature, type 0x04)

Usage: malicious_log.py --key LOG.key [--witness-key W.key ...] PORTFILE
Writes the chosen 127.0.0.1 port into PORTFILE once listening.
"""
import base64
import hashlib
import http.server
import os
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey)

SIZE = 600
REWRITE = 100
BAD_ENTRY = 300
T0 = 1767225600000


def leaf_hash(e):
    return hashlib.sha256(b"\x00" + e).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def envelope(index, time_ms, typ, prev, payload):
    return (struct.pack(">BQQH", 1, index, time_ms, typ) + prev + payload)


def build(payloads):
    """Entries with a correct index, time and hash chain."""
    out, prev = [], bytes(32)
    for i, p in enumerate(payloads):
        e = envelope(i, T0 + i * 10, 1, prev, p)
        out.append(e)
        prev = leaf_hash(e)
    return out


def payload(i, tag=b""):
    return b'{"demo":true,"seq":%d%s}' % (i, tag)


class Log:
    def __init__(self, entries):
        self.entries = entries
        self.levels = [[leaf_hash(e) for e in entries]]
        while len(self.levels[-1]) >= 2:
            lv = self.levels[-1]
            self.levels.append([node_hash(lv[2 * i], lv[2 * i + 1])
                                for i in range(len(lv) // 2)])

    def size(self):
        return len(self.entries)

    def root(self):
        def mth(lo, hi):
            n = hi - lo
            if n == 1:
                return self.levels[0][lo]
            k = 1
            while k * 2 < n:
                k *= 2
            # complete left subtree of size k
            lvl = k.bit_length() - 1
            return node_hash(self.levels[lvl][lo >> lvl], mth(lo + k, hi))
        if not self.entries:
            return hashlib.sha256(b"").digest()
        return mth(0, len(self.entries))

    def tile(self, level, n, w):
        lv = 8 * level
        if lv >= len(self.levels):
            return None
        hs = self.levels[lv][n * 256:n * 256 + w]
        return b"".join(hs) if len(hs) == w else None

    def bundle(self, n, w):
        es = self.entries[n * 256:n * 256 + w]
        if len(es) != w:
            return None
        return b"".join(struct.pack(">H", len(e)) + e for e in es)


class Key:
    def __init__(self, text):
        parts = text.strip().split("+", 4)
        assert parts[0] == "PRIVATE" and parts[1] == "KEY", text
        self.name = parts[2]
        raw = base64.b64decode(parts[4])
        self.type = raw[0]
        self.sk = Ed25519PrivateKey.from_private_bytes(raw[1:])
        pk = self.sk.public_key().public_bytes_raw() if hasattr(
            self.sk.public_key(), "public_bytes_raw") else \
            self.sk.public_key().public_bytes(
                encoding=__import__("cryptography.hazmat.primitives."
                                    "serialization", fromlist=["x"]
                                    ).Encoding.Raw,
                format=__import__("cryptography.hazmat.primitives."
                                  "serialization", fromlist=["x"]
                                  ).PublicFormat.Raw)
        self.keyid = hashlib.sha256(self.name.encode() + b"\n" +
                                    bytes([self.type]) + pk).digest()[:4]

    def line(self, body):
        if self.type == 1:
            sig = self.keyid + self.sk.sign(body)
        else:  # tlog-cosignature v1
            t = int(time.time())
            msg = b"cosignature/v1\ntime %d\n" % t + body
            sig = self.keyid + struct.pack(">Q", t) + self.sk.sign(msg)
        return ("\u2014 %s %s\n" % (self.name, base64.b64encode(sig)
                                    .decode())).encode()


def checkpoint(log, signer, extra=()):
    body = ("%s\n%d\n%s\n" % (signer.name, log.size(),
                              base64.b64encode(log.root()).decode())).encode()
    note = body + b"\n" + signer.line(body)
    for k in extra:
        note += k.line(body)
    return note


def parse_n(parts):
    """C2SP tile index: x001/x234/067 -> 1234067 (strict enough here)."""
    n = 0
    for i, p in enumerate(parts):
        if i < len(parts) - 1:
            if not p.startswith("x"):
                return None
            p = p[1:]
        if len(p) != 3 or not p.isdigit():
            return None
        n = n * 1000 + int(p)
    return n


def make_views(key, witness_keys):
    base = [payload(i) for i in range(SIZE + 100)]
    a = Log(build(base[:SIZE]))
    grow = Log(build(base))
    forked = list(base)
    forked[REWRITE] = payload(REWRITE, b',"rewritten":true')
    b = Log(build(forked))
    c = Log(build(forked[:SIZE]))
    rb = Log(build(base[:SIZE - 100]))
    other = Key("PRIVATE+KEY+%s+00000000+%s" % (
        key.name, base64.b64encode(b"\x01" + os.urandom(32)).decode()))

    views = {}

    def view(log, cp=None, bundle_patch=None, tile_patch=None):
        return {"log": log, "cp": cp or checkpoint(log, key),
                "bundle_patch": bundle_patch, "tile_patch": tile_patch}

    views["a"] = view(a)
    views["grow"] = view(grow)
    views["b"] = view(b)
    views["c"] = view(c)
    views["rollback"] = view(rb)
    views["badbundle"] = view(a, bundle_patch=BAD_ENTRY)
    views["badsig"] = view(a, cp=checkpoint(a, other))
    views["badtile"] = view(a, tile_patch=(0, 0))
    views["cosigned"] = view(a, cp=checkpoint(a, key, witness_keys))
    return views


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "malicious-log"

    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if parts == ["control"]:
            q = urllib.parse.parse_qs(url.query)
            v = q.get("view", [""])[0]
            if v not in srv.views:
                return self.reply(400, b"no such view\n", "text/plain")
            srv.current = v
            return self.reply(200, b"ok\n", "text/plain")
        if not parts or parts[0] == "":
            return self.reply(404, b"not found\n", "text/plain")
        name = srv.current if parts[0] == "log" else parts[0]
        v = srv.views.get(name)
        if v is None:
            return self.reply(404, b"not found\n", "text/plain")
        rest = parts[1:]
        if rest == ["checkpoint"]:
            return self.reply(200, v["cp"], "text/plain; charset=utf-8")
        if len(rest) < 3 or rest[0] != "tile":
            return self.reply(404, b"not found\n", "text/plain")
        rest = rest[1:]
        w = 256
        if len(rest) >= 3 and rest[-2].endswith(".p"):
            w = int(rest[-1])
            rest = rest[:-2] + [rest[-2][:-2]]
        n = parse_n(rest[1:])
        if n is None or not 1 <= w <= 256:
            return self.reply(400, b"bad path\n", "text/plain")
        log = v["log"]
        if rest[0] == "entries":
            body = log.bundle(n, w)
            if body is not None and v["bundle_patch"] is not None:
                i = v["bundle_patch"]
                if n * 256 <= i < n * 256 + w:
                    # flip the last payload byte of entry i in the bundle
                    off = 0
                    for k in range(i - n * 256 + 1):
                        ln = struct.unpack(">H", body[off:off + 2])[0]
                        off += 2 + ln
                    body = body[:off - 2] + b"X" + body[off - 1:]
        else:
            body = log.tile(int(rest[0]), n, w)
            if body is not None and v["tile_patch"] == (int(rest[0]), n):
                body = bytes([body[0] ^ 1]) + body[1:]
        if body is None:
            return self.reply(404, b"not found\n", "text/plain")
        return self.reply(200, body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    args = sys.argv[1:]
    key_path, wkeys, portfile = None, [], None
    while args:
        a = args.pop(0)
        if a == "--key":
            key_path = args.pop(0)
        elif a == "--witness-key":
            wkeys.append(args.pop(0))
        else:
            portfile = a
    if key_path is None or portfile is None:
        sys.exit(__doc__)
    key = Key(open(key_path).read())
    witness_keys = [Key(open(p).read()) for p in wkeys]
    srv = Server(("127.0.0.1", 0), Handler)
    srv.views = make_views(key, witness_keys)
    srv.current = "a"
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
