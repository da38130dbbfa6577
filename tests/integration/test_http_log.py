#!/usr/bin/python3
"""Integration test of lienlogd's read API (docs/api-log.md).

Starts the real `lienlogd --demo` on 127.0.0.1 with a free port and a
temporary data directory, waits until /healthz answers (bounded retries),
then checks over real HTTP:

  * the checkpoint (C2SP tlog-checkpoint body + signature line),
  * full and partial hash tiles and entry bundles (C2SP tlog-tiles): sizes,
    content types, caching headers, and that their hashes agree with each
    other and with the checkpoint root (RFC 6962 hashing, recomputed here),
  * inclusion and consistency proofs, verified with the RFC 9162
    algorithms against roots recomputed from the tiles,
  * every documented 4xx (JSON body with a stable "code"), and that the
    server keeps serving after each,
  * header abuse over a raw socket: Transfer-Encoding, duplicate or
    non-digit Content-Length, >= 64 headers, GET with a body -- each
    refused, and the connection closed so a smuggled second request is
    never answered.

The server is always stopped at the end (SIGTERM, then SIGKILL if it does
not exit), and its exit status must be 0. Only the Python standard library
is used. Usage: test_http_log.py /path/to/lienlogd
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import sys
import tempfile

from itest import check, FAILURES, start_demo, stop as stop_server

ORIGIN = "lienlog.demo/log"


# ---- RFC 6962 / RFC 9162 -------------------------------------------------

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 6962 2.1 Merkle Tree Hash over a list of leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, proof, old_root, new_root):
    """RFC 9162 2.1.4.2 (m == 0 and m == n need an empty proof)."""
    if m == 0 or m == n:
        return proof == [] and (m == 0 or old_root == new_root)
    if m > n or not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---- HTTP helpers --------------------------------------------------------

class Client:
    def __init__(self, port):
        self.port = port

    def req(self, path, method="GET", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            body = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        finally:
            c.close()

    def raw(self, data):
        """Send raw bytes, read until the server closes (or 30 s pass:
        a hang guard, not a timing assertion). Returns (bytes, closed)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        out = b""
        closed = False
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


def expect_error(cl, path, status, code, method="GET"):
    st, hdr, body = cl.req(path, method=method)
    ok = check(st == status, f"{method} {path}: status {st}, want {status}")
    try:
        j = json.loads(body)
    except ValueError:
        check(False, f"{path}: error body is not JSON: {body[:80]!r}")
        return
    if ok:
        check(hdr.get("content-type") == "application/json",
              f"{path}: error content type {hdr.get('content-type')}")
        check(set(j) == {"code", "message"} and j["code"] == code,
              f"{path}: error body {j}, want code {code}")


def still_serving(cl, what):
    st, _, body = cl.req("/healthz")
    check(st == 200 and json.loads(body).get("status") == "ok",
          f"server not serving after {what}")


# ---- Tests ---------------------------------------------------------------

def parse_bundle(data):
    entries, p = [], 0
    while p < len(data):
        if len(data) - p < 2:
            return None
        n = int.from_bytes(data[p:p + 2], "big")
        p += 2
        if len(data) - p < n:
            return None
        entries.append(data[p:p + n])
        p += n
    return entries


def test_checkpoint(cl):
    st, hdr, body = cl.req("/log/checkpoint")
    check(st == 200, f"checkpoint status {st}")
    check(hdr.get("content-type") == "text/plain; charset=utf-8",
          f"checkpoint content type {hdr.get('content-type')}")
    cc = hdr.get("cache-control", "")
    check("no-cache" in cc or "no-store" in cc or "max-age=0" in cc,
          f"checkpoint cache-control {cc!r}")
    text = body.decode("utf-8")
    check(text.endswith("\n"), "checkpoint note ends in newline")
    head, sep, sigs = text.partition("\n\n")
    check(sep == "\n\n", "checkpoint has a blank line before signatures")
    lines = head.split("\n")
    check(len(lines) >= 3 and lines[0] == ORIGIN,
          f"checkpoint origin line {lines[:1]}")
    size = lines[1]
    check(size.isdigit() and (size == "0" or size[0] != "0"),
          f"checkpoint size {size!r} canonical")
    root = base64.b64decode(lines[2], validate=True)
    check(len(root) == 32 and base64.b64encode(root).decode() == lines[2],
          "checkpoint root is canonical base64 of 32 bytes")
    sig_lines = [s for s in sigs.split("\n") if s]
    check(sig_lines and all(s.startswith("\u2014 " + ORIGIN + " ")
                            for s in sig_lines[:1]),
          f"checkpoint signature line {sig_lines[:1]}")
    st, hdr, body = cl.req("/log/checkpoint", method="HEAD")
    check(st == 200 and body == b"", "HEAD /log/checkpoint: headers only")
    return int(size), root


def get_tile(cl, path, want_len, full):
    st, hdr, body = cl.req(path)
    if not check(st == 200, f"{path}: status {st}"):
        return None
    check(hdr.get("content-type") == "application/octet-stream",
          f"{path}: content type {hdr.get('content-type')}")
    cc = hdr.get("cache-control", "")
    if full:
        check("immutable" in cc and "max-age=31536000" in cc,
              f"{path}: full tile cache-control {cc!r}")
    else:
        check("immutable" not in cc and "max-age=" in cc and
              int(cc.split("max-age=")[1].split(",")[0]) <= 3600,
              f"{path}: partial tile cache-control {cc!r}")
    if want_len is not None:
        check(len(body) == want_len,
              f"{path}: {len(body)} bytes, want {want_len}")
    return body


def test_tiles(cl, size, root):
    """Fetch every level-0 tile and bundle of the tree, check them against
    each other, the level-1 tile, and the checkpoint root."""
    nfull, part = divmod(size, 256)
    leaves = []
    for t in range(nfull + (1 if part else 0)):
        w = 256 if t < nfull else part
        sfx = "" if w == 256 else f".p/{w}"
        tile = get_tile(cl, f"/log/tile/0/{t:03d}{sfx}", w * 32, w == 256)
        bundle = get_tile(cl, f"/log/tile/entries/{t:03d}{sfx}", None,
                          w == 256)
        if tile is None or bundle is None:
            return []
        entries = parse_bundle(bundle)
        if not check(entries is not None and len(entries) == w,
                     f"bundle {t}: {w} length-prefixed entries"):
            return []
        for i, e in enumerate(entries):
            idx = t * 256 + i
            h = leaf_hash(e)
            check(tile[i * 32:(i + 1) * 32] == h,
                  f"bundle {t} entry {i} hashes to level-0 tile hash")
            # docs/entry-format.md: version, index, time, type, prev;
            # the demo's entries are registration steps (types 16..24,
            # 30, the certificate's delivery, and 31, the counter's
            # vouchers, docs/demo.md) or, with
            # a trust/ of one's own, type 1, and
            # every batch ends with a state root (type 3, 49-byte payload
            # naming its own tree size, docs/lien-status.md).
            etype = int.from_bytes(e[17:19], "big") if len(e) >= 19 else -1
            if etype == 3:
                body_ok = (len(e) == 100 and e[51] == 1 and
                           int.from_bytes(e[92:100], "big") == idx + 1)
            else:
                body_ok = etype in (1, 30, 31) + tuple(range(16, 25)) and \
                    e[51:52] == b"{"
            check(len(e) >= 51 and e[0] == 1 and
                  int.from_bytes(e[1:9], "big") == idx and body_ok and
                  e[19:51] == (leaves[-1] if leaves else b"\0" * 32),
                  f"entry {idx}: demo envelope")
            leaves.append(h)
    check(mth(leaves) == root, "checkpoint root == MTH of all leaves")
    # Level 1: hash i is the MTH of full level-0 tile i.
    if nfull:
        t1 = get_tile(cl, f"/log/tile/1/000.p/{nfull}", nfull * 32, False)
        if t1 is not None:
            for i in range(nfull):
                check(t1[i * 32:(i + 1) * 32] ==
                      mth(leaves[i * 256:(i + 1) * 256]),
                      f"level-1 hash {i} == MTH of level-0 tile {i}")
    # A smaller partial of an existing tile is still served.
    get_tile(cl, "/log/tile/0/000.p/1", 32, False)
    # Beyond the tree: 404.
    expect_error(cl, f"/log/tile/0/{nfull + 1:03d}", 404, "tile_not_found")
    if part:
        expect_error(cl, f"/log/tile/0/{nfull:03d}", 404, "tile_not_found")
        expect_error(cl, f"/log/tile/entries/{nfull:03d}", 404,
                     "tile_not_found")
        if part < 255:
            expect_error(cl, f"/log/tile/0/{nfull:03d}.p/{part + 1}", 404,
                         "tile_not_found")
    expect_error(cl, "/log/tile/entries/x001/000", 404, "tile_not_found")
    expect_error(cl, "/log/tile/3/000.p/1", 404, "tile_not_found")
    expect_error(cl, "/log/tile/63/000", 404, "tile_not_found")
    # Non-canonical paths (tlog-tiles: one spelling per resource): 400.
    for bad in ["0/0", "0/00", "0/0000", "00/000", "64/000", "-1/000",
                "0/000.p/0", "0/000.p/256", "0/000.p/07", "0/000.p/",
                "0/000.p", "0/abc", "0/000/", "0/x000/000", "0/x1/000",
                "0/%30%30%30", "entries/000.p/0", "entries/0", "entries",
                "Entries/000", "0/000.p/1/", "", "0/+00"]:
        expect_error(cl, "/log/tile/" + bad, 400, "bad_tile_path")
    expect_error(cl, "/log/tile/0/000?x=1", 400, "unknown_parameter")
    still_serving(cl, "tile errors")
    return leaves


def b64list(xs):
    return [base64.b64decode(x, validate=True) for x in xs]


def test_proofs(cl, leaves):
    size = len(leaves)
    for index, n in [(0, 1), (0, size), (5, size), (size - 1, size),
                     (255, 256), (256, 257), (100, 513), (size // 2, size - 1)]:
        if n > size or index >= n:
            continue
        path = f"/v1/proof/inclusion?index={index}&tree_size={n}"
        st, hdr, body = cl.req(path)
        if not check(st == 200, f"{path}: status {st}"):
            continue
        check(hdr.get("content-type") == "application/json",
              f"{path}: content type")
        j = json.loads(body)
        check(set(j) == {"index", "tree_size", "leaf_hash", "proof"} and
              j["index"] == index and j["tree_size"] == n and
              isinstance(j["proof"], list), f"{path}: JSON shape {j}")
        leaf = base64.b64decode(j["leaf_hash"], validate=True)
        check(leaf == leaves[index], f"{path}: leaf hash")
        check(verify_inclusion(leaf, index, n, b64list(j["proof"]),
                               mth(leaves[:n])),
              f"{path}: proof verifies (RFC 9162)")
    for m, n in [(0, size), (1, size), (size, size), (256, 512), (7, 1000),
                 (255, 256), (500, size), (1, 2)]:
        if n > size or m > n:
            continue
        path = f"/v1/proof/consistency?old_size={m}&tree_size={n}"
        st, hdr, body = cl.req(path)
        if not check(st == 200, f"{path}: status {st}"):
            continue
        j = json.loads(body)
        check(set(j) == {"old_size", "tree_size", "proof"} and
              j["old_size"] == m and j["tree_size"] == n,
              f"{path}: JSON shape {j}")
        check(verify_consistency(m, n, b64list(j["proof"]),
                                 mth(leaves[:m]), mth(leaves[:n])),
              f"{path}: proof verifies (RFC 9162)")


def test_bad_params(cl, size):
    inc, con = "/v1/proof/inclusion", "/v1/proof/consistency"
    big = "18446744073709551615"       # UINT64_MAX: a valid number
    over = "18446744073709551616"      # UINT64_MAX + 1
    cases = [
        (inc, 400, "missing_parameter"),
        (inc + "?index=1", 400, "missing_parameter"),
        (inc + "?tree_size=5", 400, "missing_parameter"),
        (inc + "?index=1&tree_size=5&index=1", 400, "duplicate_parameter"),
        (inc + "?index=1&index=2&tree_size=5", 400, "duplicate_parameter"),
        (inc + "?index=1&tree_size=5&x=1", 400, "unknown_parameter"),
        (inc + "?Index=1&tree_size=5", 400, "unknown_parameter"),
        (inc + "?index=01&tree_size=5", 400, "bad_number"),
        (inc + "?index=00&tree_size=5", 400, "bad_number"),
        (inc + "?index=+1&tree_size=5", 400, "bad_number"),
        (inc + "?index=-1&tree_size=5", 400, "bad_number"),
        (inc + "?index=%201&tree_size=5", 400, "bad_number"),
        (inc + "?index=1%20&tree_size=5", 400, "bad_number"),
        (inc + "?index=%31&tree_size=5", 400, "bad_number"),
        (inc + "?index=1a&tree_size=5", 400, "bad_number"),
        (inc + "?index=0x1&tree_size=5", 400, "bad_number"),
        (inc + "?index=1.0&tree_size=5", 400, "bad_number"),
        (inc + "?index=&tree_size=5", 400, "bad_number"),
        (inc + f"?index={over}&tree_size=5", 400, "bad_number"),
        (inc + "?index=1&tree_size=" + "9" * 30, 400, "bad_number"),
        (inc + "?index=1&&tree_size=5", 400, "bad_query"),
        (inc + "?index=1&tree_size=5&", 400, "bad_query"),
        (inc + "?&index=1&tree_size=5", 400, "bad_query"),
        (inc + "?index&tree_size=5", 400, "bad_query"),
        (inc + "?=1&tree_size=5", 400, "bad_query"),
        (inc + "?index=1&tree_size=5" + "&z=1" * 300, 414, "query_too_long"),
        (inc + f"?index={size}&tree_size={size}", 400, "index_out_of_range"),
        (inc + "?index=5&tree_size=5", 400, "index_out_of_range"),
        (inc + "?index=0&tree_size=0", 400, "index_out_of_range"),
        (inc + f"?index=0&tree_size={size + 1}", 404, "tree_size_beyond_log"),
        (inc + f"?index=0&tree_size={big}", 404, "tree_size_beyond_log"),
        (inc + f"?index={big}&tree_size={big}", 404, "tree_size_beyond_log"),
        (con, 400, "missing_parameter"),
        (con + "?old_size=1", 400, "missing_parameter"),
        (con + "?old_size=1&tree_size=5&old_size=1", 400,
         "duplicate_parameter"),
        (con + "?old_size=1&tree_size=5&index=1", 400, "unknown_parameter"),
        (con + "?old_size=01&tree_size=5", 400, "bad_number"),
        (con + "?old_size=1&tree_size=-5", 400, "bad_number"),
        (con + "?old_size=6&tree_size=5", 400, "old_size_exceeds_tree_size"),
        (con + f"?old_size=1&tree_size={size + 1}", 404,
         "tree_size_beyond_log"),
        (con + f"?old_size={big}&tree_size=5", 400,
         "old_size_exceeds_tree_size"),
        ("/log/checkpoint?x=1", 400, "unknown_parameter"),
        ("/healthz?x", 400, "bad_query"),
        ("/nope", 404, "not_found"),
        ("/ownerx", 404, "not_found"),      # "/" is the public page
        ("/static", 404, "not_found"),      # (docs/web.md)
        ("/log/checkpointx", 404, "not_found"),
        ("/log/checkpoint/", 404, "not_found"),
        ("/log/tile", 404, "not_found"),
        ("/v1/proof/inclusionx?index=0&tree_size=1", 404, "not_found"),
        ("/v1/proof", 404, "not_found"),
        ("/log/%63heckpoint", 404, "not_found"),
        ("/log/../log/checkpoint", 404, "not_found"),
    ]
    for path, status, code in cases:
        expect_error(cl, path, status, code)
    still_serving(cl, "parameter errors")
    for method in ["POST", "PUT", "DELETE"]:
        st, hdr, body = cl.req("/log/checkpoint", method=method)
        check(st == 405 and json.loads(body)["code"] == "method_not_allowed"
              and "GET" in hdr.get("allow", ""),
              f"{method} /log/checkpoint: 405 with Allow ({st})")
    still_serving(cl, "wrong methods")


def one_response(cl, what, data, status, code):
    """Send raw bytes that must be refused with exactly one response, and
    the connection closed (a smuggled request after it is never served).
    status None: civetweb itself refuses before our guard runs (any 4xx,
    its own body)."""
    out, closed = cl.raw(data)
    check(closed, f"{what}: server closed the connection")
    check(out.count(b"HTTP/1.") == 1,
          f"{what}: exactly one response (got {out.count(b'HTTP/1.')})")
    head, _, body = out.partition(b"\r\n\r\n")
    first = head.split(b"\r\n")[0].decode("latin-1")
    if status is None:
        check(first[:10] in ("HTTP/1.1 4", "HTTP/1.0 4"),
              f"{what}: status line {first!r}, want 4xx")
        return
    check(first.startswith(f"HTTP/1.1 {status} "),
          f"{what}: status line {first!r}, want {status}")
    try:
        j = json.loads(body)
        check(j.get("code") == code, f"{what}: code {j.get('code')}, "
              f"want {code}")
    except ValueError:
        check(False, f"{what}: body is not JSON: {body[:80]!r}")


def test_header_abuse(cl):
    smuggled = b"GET /log/checkpoint HTTP/1.1\r\nHost: x\r\n\r\n"
    one_response(cl, "Transfer-Encoding: chunked",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n" + smuggled, 400, "transfer_encoding_rejected")
    one_response(cl, "Transfer-Encoding + Content-Length",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: "
                 + str(len(smuggled) + 5).encode() +
                 b"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                 400, "transfer_encoding_rejected")
    one_response(cl, "duplicate Content-Length",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 b"Content-Length: " + str(len(smuggled)).encode() +
                 b"\r\n\r\n" + smuggled, 400, "bad_content_length")
    for bad in [b"+3", b"3abc", b"0x3", b"03", b"3 3"]:
        one_response(cl, f"Content-Length: {bad.decode()}",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     + bad + b"\r\n\r\nabc", 400, "bad_content_length")
    # civetweb answers a negative length itself (411) before any handler.
    one_response(cl, "Content-Length: -1",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1"
                 b"\r\n\r\nabc", None, None)
    one_response(cl, "GET with a body",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: "
                 + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled,
                 400, "body_not_allowed")
    for nh in (64, 70):
        hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(nh - 1))
        one_response(cl, f"{nh} headers",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n",
                     431, "too_many_headers")
    # 63 headers is the most that is accepted.
    hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(61))
    out, _ = cl.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs +
                    b"Connection: close\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 200 "), "63 headers are accepted")
    # Keep-alive still works for clean requests: two answers, one socket.
    out, _ = cl.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                    b"Connection: close\r\n\r\n")
    check(out.count(b"HTTP/1.1 200 ") == 2, "keep-alive serves two requests")
    still_serving(cl, "header abuse")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="lienlog-it-")
    logpath = os.path.join(tmp, "lienlogd.log")
    proc = None
    rc = 1
    try:
        proc, port = start_demo(binary, os.path.join(tmp, "data"), logpath,
                                ["--threads", "4"])
        cl = Client(port)
        st, _, body = cl.req("/healthz")
        j = json.loads(body)
        check(set(j) == {"status", "tree_size"} and j["status"] == "ok" and
              j["tree_size"] >= 1000, f"/healthz {j}")
        size, root = test_checkpoint(cl)
        check(size >= 1000, f"demo log has >= 1000 entries ({size})")
        leaves = test_tiles(cl, size, root)
        if check(len(leaves) == size, "all leaves fetched"):
            test_proofs(cl, leaves)
        test_bad_params(cl, size)
        test_header_abuse(cl)
        st, _, body = cl.req("/metrics")
        check(st == 200 and b"lienlog_http_requests_total" in body,
              "/metrics answers")
        key = os.path.join(tmp, "data", "log.key")
        check(os.stat(key).st_mode & 0o777 == 0o600, "log.key is 0600")
        vkey = open(os.path.join(tmp, "data", "log.vkey")).read()
        check(vkey.startswith(ORIGIN + "+") and vkey.endswith("\n"),
              "log.vkey holds the verifier key")
    except Exception as e:  # report, then still stop the server
        check(False, f"exception: {e!r}")
    finally:
        if proc is not None:
            code = stop_server(proc)
            check(code == 0, f"lienlogd exit status {code} after SIGTERM")
        log = open(logpath, "rb").read().decode("utf-8", "replace") \
            if os.path.exists(logpath) else ""
        if proc is not None:
            check("PRIVATE" not in log, "no secret in the server's output")
            check("lienlogd: stopped" in log, "clean shutdown logged")
        if FAILURES:
            sys.stderr.write("---- lienlogd output ----\n" + log)
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    rc = 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
