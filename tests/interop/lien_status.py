#!/usr/bin/python3
"""An independent verifier of lienlog lien-status proofs, written from
docs/lien-status.md (and the public specs it names: C2SP signed-note,
tlog-checkpoint, tlog-cosignature, RFC 9162, RFC 8785) alone: no lienlog
code is read or called. Python 3 standard library plus `cryptography` for
Ed25519 (independent of libsodium).

  lien_status.py verify --vkey VKEY [--witness W ... --quorum K]
        [--checkpoint NEWER] [--max-age-ms N] [--now-ms N] --vin VIN FILE
      verify one proof (binary bundle or the JSON answer); print the
      proven status; exit 0 verified, 1 refused (the reason on stderr)
  lien_status.py vectors DIR
      check every vector of DIR (map.json and bundles.json)
  lien_status.py mapvectors
      print map.json: map roots and proofs computed from section 4's
      definition (the C implementation must produce the same bytes)
  lien_status.py describe --vin VIN FILE
      print the decoded proof as JSON (for scripts/status_proof_svg.py)

Section numbers below are docs/lien-status.md's.
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def H(b):
    return hashlib.sha256(b).digest()


class Refused(Exception):
    def __init__(self, fault, why):
        super().__init__(why)
        self.fault = fault
        self.why = why


# ---- section 2-4: keys, values, the map ----------------------------------

EMPTY = H(b"\x10")


def leaf_hash(k, v):
    return H(b"\x11" + k + v)


def node_hash(left, right):
    return H(b"\x12" + left + right)


def vehicle_key(vin):
    return H(b"lienlog-vehicle-v1\x00" + vin.encode("ascii"))


def status_value(record):
    return H(b"lienlog-status-v1\x00" + record)


def bit(k, i):
    return (k[i // 8] >> (7 - i % 8)) & 1


def map_node(pairs, depth=0):
    """N(p) over the (key, value) pairs that share their first `depth`
    bits: section 4's definition, recursively."""
    if not pairs:
        return EMPTY
    if len(pairs) == 1:
        return leaf_hash(*pairs[0])
    left = [kv for kv in pairs if bit(kv[0], depth) == 0]
    right = [kv for kv in pairs if bit(kv[0], depth) == 1]
    return node_hash(map_node(left, depth + 1), map_node(right, depth + 1))


def map_prove(pairs, key):
    """Section 5: (kind, depth, siblings, tail) for key, encoded."""
    d = 0
    sibs = []
    here = list(pairs)
    while True:
        if not here:
            kind, tail = 1, b""
            break
        if len(here) == 1:
            k, v = here[0]
            if k == key:
                kind, tail = 0, v
            else:
                kind, tail = 2, k + v
            break
        b = bit(key, d)
        path = [kv for kv in here if bit(kv[0], d) == b]
        other = [kv for kv in here if bit(kv[0], d) != b]
        sibs.append(map_node(other, d + 1))
        here = path
        d += 1
    bitmap = bytearray((d + 7) // 8)
    body = b""
    for i, s in enumerate(sibs):
        if s != EMPTY:
            bitmap[i // 8] |= 0x80 >> (i % 8)
            body += s
    return bytes([kind]) + struct.pack(">H", d) + bytes(bitmap) + body + tail


def decode_map_proof(b):
    """Section 5's decoder; refuses every non-canonical spelling."""
    if len(b) > 8291:
        raise Refused("malformed", "map proof too long")
    if len(b) < 3:
        raise Refused("malformed", "map proof truncated")
    kind = b[0]
    d = struct.unpack(">H", b[1:3])[0]
    if kind > 2 or d > 256:
        raise Refused("malformed", "map proof kind or depth")
    nb = (d + 7) // 8
    if len(b) < 3 + nb:
        raise Refused("malformed", "map proof truncated")
    bm = b[3:3 + nb]
    if d % 8 and bm[d // 8] & (0xFF >> (d % 8)):
        raise Refused("malformed", "map proof padding bits")
    if d > 0 and not bm[(d - 1) // 8] & (0x80 >> ((d - 1) % 8)):
        raise Refused("malformed", "map proof: last sibling empty")
    off = 3 + nb
    sibs = []
    for i in range(d):
        if bm[i // 8] & (0x80 >> (i % 8)):
            s = b[off:off + 32]
            if len(s) != 32:
                raise Refused("malformed", "map proof truncated")
            if s == EMPTY:
                raise Refused("malformed", "map proof spells EMPTY out")
            sibs.append(s)
            off += 32
        else:
            sibs.append(EMPTY)
    tail = {0: 32, 1: 0, 2: 64}[kind]
    if len(b) != off + tail:
        raise Refused("malformed", "map proof length")
    return {"kind": kind, "depth": d, "sibs": sibs,
            "value": b[off:off + 32] if kind == 0 else None,
            "other_key": b[off:off + 32] if kind == 2 else None,
            "other_value": b[off + 32:off + 64] if kind == 2 else None}


def verify_map_proof(p, root, key):
    """Section 5's verification: (present, value) or Refused."""
    d = p["depth"]
    if p["kind"] == 0:
        h = leaf_hash(key, p["value"])
    elif p["kind"] == 1:
        h = EMPTY
    else:
        k2 = p["other_key"]
        if k2 == key or any(bit(k2, i) != bit(key, i) for i in range(d)):
            raise Refused("map_proof", "other leaf not on the key's path")
        h = leaf_hash(k2, p["other_value"])
    for i in range(d - 1, -1, -1):
        h = node_hash(p["sibs"][i], h) if bit(key, i) else \
            node_hash(h, p["sibs"][i])
    if h != root:
        raise Refused("map_proof", "map proof does not reach the root")
    return p["kind"] == 0, p["value"]


# ---- signed notes, checkpoints, cosignatures (section 8 step 3) ------------

def parse_vkey(text, want_type):
    name, kid, k = text.strip().split("+", 2)
    raw = base64.b64decode(k, validate=True)
    if len(raw) != 33 or raw[0] != want_type or len(kid) != 8:
        raise ValueError("bad verifier key")
    if H(name.encode() + b"\n" + raw)[:4] != bytes.fromhex(kid):
        raise ValueError("key id mismatch")
    return {"name": name, "id": bytes.fromhex(kid), "pk": raw[1:]}


def split_note(note):
    if note.count(b"\n\n") < 1:
        raise Refused("bad_checkpoint", "not a signed note")
    i = note.rindex(b"\n\n")
    body, sigs = note[:i + 1], note[i + 2:]
    lines = []
    if not sigs.endswith(b"\n"):
        raise Refused("malformed", "signature block does not end a line")
    for ln in sigs[:-1].split(b"\n"):
        if not ln.startswith("\u2014 ".encode()):
            raise Refused("malformed", "not a signature line")
        name, _, b64 = ln[len("\u2014 ".encode()):].decode().rpartition(" ")
        lines.append((name, base64.b64decode(b64, validate=True)))
    return body, lines


def ed25519_ok(pk, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except InvalidSignature:
        return False


def check_body(body, vkey):
    """(origin, size, root) of a checkpoint body (section 8.1)."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise Refused("malformed", "checkpoint body is not UTF-8")
    # what a signed note's text may hold (C2SP signed-note)
    if any((ord(c) < 0x20 and c != "\n") or 0x80 <= ord(c) <= 0x9f
           for c in text) or "\n\n" in text:
        raise Refused("malformed", "checkpoint body is not a note's text")
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or lines[0] != vkey["name"]:
        raise Refused("bad_checkpoint", "origin is not the key's name")
    if not lines[1].isdigit() or str(int(lines[1])) != lines[1]:
        raise Refused("malformed", "checkpoint size not canonical")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise Refused("malformed", "checkpoint root not base64")
    if len(root) != 32:
        raise Refused("malformed", "checkpoint root not 32 bytes")
    return lines[0], int(lines[1]), root


def count_cosigners(body, cosigs, witnesses, quorum):
    """cosigs: [(key id, raw 76 bytes)]. A witness counts when some
    cosignature carries its key id and every one that does verifies."""
    seen = set()
    for w in witnesses:
        mine = [s for kid, s in cosigs if kid == w["id"] and len(s) == 76]
        ok = bool(mine)
        for s in mine:
            t = struct.unpack(">Q", s[4:12])[0]
            msg = b"cosignature/v1\ntime " + str(t).encode() + b"\n" + body
            ok = ok and t < 2**63 and ed25519_ok(w["pk"], s[12:], msg)
        if ok:
            seen.add(w["name"])
    if len(seen) < quorum:
        raise Refused("witness_quorum", "%d of %d witnesses cosigned" %
                      (len(seen), quorum))
    return len(seen)


def verify_checkpoint(note, vkey, witnesses, quorum):
    """(origin, size, root, cosigned) of a signed-note checkpoint (the
    form of --checkpoint NEWER)."""
    body, sigs = split_note(note)
    # every line of the log key must verify, and there must be one
    mine = [s for n, s in sigs if n == vkey["name"] and s[:4] == vkey["id"]]
    if not mine or not all(len(s) == 68 and ed25519_ok(vkey["pk"], s[4:],
                                                       body) for s in mine):
        raise Refused("bad_checkpoint", "no valid signature by the log key")
    origin, size, root = check_body(body, vkey)
    named = [(s[:4], s) for n, s in sigs
             if any(n == w["name"] for w in witnesses)]
    ncos = count_cosigners(body, [(k, s) for k, s in named], witnesses,
                           quorum)
    return origin, size, root, ncos


def verify_compact_checkpoint(b, vkey, witnesses, quorum):
    """The checkpoint of a version 2 bundle: body, log signature (the
    key id is the verifier's), cosignatures matched by key id."""
    if not ed25519_ok(vkey["pk"], b["log_sig"], b["body"]):
        raise Refused("bad_checkpoint", "no valid signature by the log key")
    origin, size, root = check_body(b["body"], vkey)
    ncos = count_cosigners(b["body"], [(s[:4], s) for s in b["cosigs"]],
                           witnesses, quorum)
    return origin, size, root, ncos


# ---- RFC 9162 2.1.3.2 inclusion, the entry envelope ------------------------

def verify_inclusion(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = H(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def decode_entry(e):
    """docs/entry-format.md: version 1, index, time, type, prev, payload."""
    if len(e) < 51 or e[0] != 1:
        raise Refused("malformed", "not a version 1 entry envelope")
    index, t, typ = struct.unpack(">QQH", e[1:19])
    return {"index": index, "time_ms": t, "type": typ, "payload": e[51:]}


# ---- section 7: the bundle -------------------------------------------------

KINDS = ["seized", "detained", "stolen", "scrapped", "customs"]


def render_record(r):
    """Section 7.1: the binary record as the canonical JSON of section 3."""
    o = 0

    def take(n):
        nonlocal o
        if n > len(r) - o:
            raise Refused("malformed", "binary record truncated")
        v = r[o:o + n]
        o += n
        return v

    def u64():
        return struct.unpack(">Q", take(8))[0]

    def app():
        return "A" + take(8).hex()

    fuller = take(32).hex()
    ri, rms = u64(), u64()
    liens = []
    nl = take(1)[0]
    if nl > 64:
        raise Refused("malformed", "more than 64 mortgages")
    for i in range(nl):
        a, ix, ms = app(), u64(), u64()
        liens.append('{"app":"%s","rank":%d,"registered_index":%d,'
                     '"registered_ms":%d}' % (a, i + 1, ix, ms))
    rel = []
    nr = take(1)[0]
    if nl + nr > 64:
        raise Refused("malformed", "more than 64 mortgages")
    for _ in range(nr):
        a, gi, gm, xi, xm = app(), u64(), u64(), u64(), u64()
        rel.append('{"app":"%s","registered_index":%d,"registered_ms":%d,'
                   '"released_index":%d,"released_ms":%d}' %
                   (a, gi, gm, xi, xm))
    res = []
    nx = take(1)[0]
    if nx > 5:
        raise Refused("malformed", "more than 5 restrictions")
    for _ in range(nx):
        k = take(1)[0]
        if not 1 <= k <= 5:
            raise Refused("malformed", "unknown restriction kind")
        ix, ms = u64(), u64()
        res.append('{"index":%d,"kind":"%s","since_ms":%d}' %
                   (ix, KINDS[k - 1], ms))
    if o != len(r):
        raise Refused("malformed", "bytes after the binary record")
    out = ('{"fuller":"%s","liens":[%s],"recorded_index":%d,'
           '"recorded_ms":%d,"released":[%s],"restrictions":[%s]}' %
           (fuller, ",".join(liens), ri, rms, ",".join(rel), ",".join(res)))
    if len(out) > 8192:
        raise Refused("malformed", "record longer than 8192 bytes")
    return out.encode()


def decode_bundle(b):
    """Section 7: the compact binary bundle, version 2."""
    if len(b) > 96 * 1024:
        raise Refused("malformed", "bundle too long")
    if b[:4] != b"LSP\x02":
        raise Refused("malformed", "not a version 2 bundle")
    o = 4

    def take(n):
        nonlocal o
        if n > len(b) - o:
            raise Refused("malformed", "bundle truncated")
        v = b[o:o + n]
        o += n
        return v

    def u16():
        return struct.unpack(">H", take(2))[0]

    idl = take(1)[0]
    if not 1 <= idl <= 64:
        raise Refused("malformed", "vin length")
    try:
        vin = take(idl).decode("ascii")
    except UnicodeDecodeError:
        raise Refused("malformed", "vin not ASCII")
    rl = u16()
    if rl > 8192:
        raise Refused("malformed", "record too long")
    record = render_record(take(rl)) if rl else b""
    ml = u16()
    if ml > 8291:
        raise Refused("malformed", "map proof too long")
    mproof = take(ml)
    el = u16()
    if el > 1024:
        raise Refused("malformed", "entry too long")
    entry = take(el)
    n = take(1)[0]
    if n > 64:
        raise Refused("malformed", "inclusion proof too long")
    incl = [take(32) for _ in range(n)]
    bl = u16()
    if not 1 <= bl <= 16384:
        raise Refused("malformed", "checkpoint body length")
    body = take(bl)
    log_sig = take(64)
    nc = take(1)[0]
    if nc > 32:
        raise Refused("malformed", "more than 32 cosignatures")
    cosigs = [take(76) for _ in range(nc)]
    if any(cosigs[i] >= cosigs[i + 1] for i in range(nc - 1)):
        raise Refused("malformed", "cosignatures not strictly increasing")
    if o != len(b):
        raise Refused("malformed", "bytes after the last cosignature")
    mp = decode_map_proof(mproof)
    if (mp["kind"] == 0) != (rl > 0):
        raise Refused("malformed", "record present iff presence proof")
    return {"vin": vin, "record": record, "map": mp, "entry": entry,
            "incl": incl, "body": body, "log_sig": log_sig,
            "cosigs": cosigs}


# ---- section 3: the record --------------------------------------------------

def check_record(rec):
    def nodup(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise ValueError("duplicate key")
            d[k] = v
        return d
    try:
        r = json.loads(rec.decode("utf-8"), object_pairs_hook=nodup)
    except (ValueError, UnicodeDecodeError):
        raise Refused("malformed", "record is not JSON")
    if json.dumps(r, sort_keys=True, separators=(",", ":"),
                  ensure_ascii=False).encode() != rec:
        raise Refused("malformed", "record is not canonical")

    def n(x):
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    def app(x):
        return isinstance(x, str) and len(x) == 17 and x[0] == "A" and \
            all(c in "0123456789abcdef" for c in x[1:])
    ok = isinstance(r, dict) and set(r) == {
        "fuller", "liens", "recorded_index", "recorded_ms", "released",
        "restrictions"} and isinstance(r["fuller"], str) and \
        len(r["fuller"]) == 64 and \
        all(c in "0123456789abcdef" for c in r["fuller"]) and \
        n(r["recorded_index"]) and n(r["recorded_ms"])
    if ok:
        prev = -1
        for i, x in enumerate(r["liens"]):
            ok = ok and isinstance(x, dict) and set(x) == {
                "app", "rank", "registered_index", "registered_ms"} and \
                app(x["app"]) and x["rank"] == i + 1 and \
                n(x["registered_index"]) and n(x["registered_ms"]) and \
                x["registered_index"] > prev
            prev = x["registered_index"] if ok else prev
        prev = -1
        for x in r["released"]:
            ok = ok and isinstance(x, dict) and set(x) == {
                "app", "registered_index", "registered_ms", "released_index",
                "released_ms"} and app(x["app"]) and \
                all(n(x[k]) for k in ("registered_index", "registered_ms",
                                      "released_index", "released_ms")) and \
                x["released_index"] > x["registered_index"] and \
                x["released_ms"] >= x["registered_ms"] and \
                x["released_index"] > prev
            prev = x["released_index"] if ok else prev
        kinds, prev = set(), -1
        for x in r["restrictions"]:
            ok = ok and isinstance(x, dict) and set(x) == {
                "index", "kind", "since_ms"} and x["kind"] in (
                "seized", "detained", "stolen", "scrapped", "customs") and \
                x["kind"] not in kinds and n(x["index"]) and \
                n(x["since_ms"]) and x["index"] > prev
            if ok:
                kinds.add(x["kind"])
                prev = x["index"]
        ok = ok and len(r["liens"]) + len(r["released"]) <= 64
    if not ok:
        raise Refused("malformed", "record does not follow section 3")
    return r


# ---- section 8: verification ------------------------------------------------

def verify(bundle, vin, vkey, witnesses=(), quorum=0, newer=None,
           now_ms=None, max_age_ms=0):
    b = decode_bundle(bundle)
    if b["vin"] != vin:
        raise Refused("wrong_vehicle", "the proof is for another vehicle")
    origin, size, root, ncos = verify_compact_checkpoint(b, vkey, witnesses,
                                                         quorum)
    e = decode_entry(b["entry"])
    if e["type"] != 3:
        raise Refused("not_state_root", "entry type %d" % e["type"])
    p = e["payload"]
    if len(p) != 49 or p[0] != 1:
        raise Refused("malformed", "state-root payload")
    map_root = p[1:33]
    nkeys, tsize = struct.unpack(">QQ", p[33:49])
    if e["index"] + 1 != size or tsize != size:
        raise Refused("not_last_leaf", "not the last leaf of the tree")
    if not verify_inclusion(H(b"\x00" + b["entry"]), e["index"], size,
                            b["incl"], root):
        raise Refused("inclusion", "inclusion proof does not verify")
    present, value = verify_map_proof(b["map"], map_root, vehicle_key(vin))
    record = None
    if present:
        if status_value(b["record"]) != value:
            raise Refused("record_mismatch", "record does not hash to leaf")
        record = check_record(b["record"])
    if newer is not None:
        try:
            _, nsize, nroot, _ = verify_checkpoint(newer, vkey, witnesses,
                                                   quorum)
        except Refused as r:
            raise Refused("bad_trusted_checkpoint", r.why)
        if nsize > size:
            raise Refused("stale", "proves tree %d, a newer checkpoint "
                          "has %d: it proves the past" % (size, nsize))
        if nsize == size and nroot != root:
            raise Refused("fork", "same size, other root")
    if max_age_ms:
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        if now > e["time_ms"] and now - e["time_ms"] > max_age_ms:
            raise Refused("too_old", "older than allowed")
    return {"vin": vin, "present": present, "record": record,
            "tree_size": size, "time_ms": e["time_ms"], "vehicles": nkeys,
            "origin": origin, "cosigned": ncos, "map_root": map_root,
            "log_root": root, "bundle": b}


def status_word(res):
    if not res["present"]:
        return "no_record"
    r = res["record"]
    if r["liens"] and r["restrictions"]:
        return "under_lien_and_restricted"
    if r["liens"]:
        return "under_lien"
    if r["restrictions"]:
        return "restricted"
    return "clear"


def read_proof(path):
    data = open(path, "rb").read()
    if data.lstrip()[:1] == b"{":
        return base64.b64decode(json.loads(data)["proof"], validate=True)
    return data


# ---- vectors -------------------------------------------------------------------

def map_vectors():
    """Map vectors from section 4's definition: keys from labels."""
    def kv(label, val):
        return (H(label.encode()), H(val.encode()))
    cases = []
    sets = [
        ("empty map", []),
        ("one key", [kv("k1", "v1")]),
        ("two keys", [kv("k1", "v1"), kv("k2", "v2")]),
        ("twenty keys", [kv("k%d" % i, "v%d" % i) for i in range(20)]),
    ]
    # keys that share their first 254 bits: leaves at depth 255
    base = bytearray(H(b"deep"))
    a, b2, c = bytes(base), bytearray(base), bytearray(base)
    b2[31] ^= 1
    c[31] ^= 2
    sets.append(("deep keys", [(a, H(b"a")), (bytes(b2), H(b"b")),
                               (bytes(c), H(b"c"))]))
    for name, pairs in sets:
        pairs = sorted(pairs)
        root = map_node(pairs)
        probes = [k for k, _ in pairs] + [H(b"absent-%d" % i)
                                          for i in range(6)]
        if name == "deep keys":
            d = bytearray(a)
            d[31] ^= 3
            probes.append(bytes(d))
        proofs = []
        for k in probes:
            enc = map_prove(pairs, k)
            present, _ = verify_map_proof(decode_map_proof(enc), root, k)
            proofs.append({"key": k.hex(), "proof": enc.hex(),
                           "present": present})
        cases.append({"name": name,
                      "pairs": [[k.hex(), v.hex()] for k, v in pairs],
                      "root": root.hex(), "proofs": proofs})
    # tampered proofs for the twenty-key map, each refused
    pairs = sorted(sets[3][1])
    root = map_node(pairs)
    k = pairs[7][0]
    good = decode_map_proof(map_prove(pairs, k))
    refuse = []

    def enc(p):
        d = p["depth"]
        bitmap = bytearray((d + 7) // 8)
        body = b""
        for i, s in enumerate(p["sibs"]):
            if s != EMPTY:
                bitmap[i // 8] |= 0x80 >> (i % 8)
                body += s
        tail = p["value"] if p["kind"] == 0 else \
            (p["other_key"] + p["other_value"] if p["kind"] == 2 else b"")
        return bytes([p["kind"]]) + struct.pack(">H", d) + bytes(bitmap) + \
            body + tail
    sw = dict(good, sibs=list(good["sibs"]))
    sw["sibs"][0], sw["sibs"][1] = sw["sibs"][1], sw["sibs"][0]
    refuse.append(("swapped siblings", enc(sw)))
    mi = dict(good, sibs=good["sibs"][1:], depth=good["depth"] - 1)
    refuse.append(("missing sibling", enc(mi)))
    ex = dict(good, sibs=[good["sibs"][0]] + good["sibs"],
              depth=good["depth"] + 1)
    refuse.append(("extra sibling", enc(ex)))
    e0 = enc(good)
    refuse.append(("truncated", e0[:-1]))
    refuse.append(("trailing byte", e0 + b"\x00"))
    fl = bytearray(e0)
    fl[5] ^= 0x20
    refuse.append(("bit flip", bytes(fl)))
    wv = dict(good, value=H(b"other value"))
    refuse.append(("wrong value", enc(wv)))
    out = []
    for name, b in refuse:
        out.append({"name": name, "key": k.hex(), "root": root.hex(),
                    "proof": b.hex()})
    out.append({"name": "wrong key", "key": pairs[8][0].hex(),
                "root": root.hex(), "proof": e0.hex()})
    return {"empty": EMPTY.hex(), "cases": cases, "refuse": out}


def check_vectors(d):
    fails = 0
    mv = json.load(open(os.path.join(d, "map.json")))
    assert bytes.fromhex(mv["empty"]) == EMPTY
    for c in mv["cases"]:
        pairs = sorted((bytes.fromhex(k), bytes.fromhex(v))
                       for k, v in c["pairs"])
        root = map_node(pairs)
        if root.hex() != c["root"]:
            print("FAIL map root", c["name"])
            fails += 1
        for p in c["proofs"]:
            key = bytes.fromhex(p["key"])
            try:
                present, _ = verify_map_proof(
                    decode_map_proof(bytes.fromhex(p["proof"])), root, key)
                ok = present == p["present"] and \
                    map_prove(pairs, key).hex() == p["proof"]
            except Refused:
                ok = False
            if not ok:
                print("FAIL map proof", c["name"], p["key"][:16])
                fails += 1
    for c in mv["refuse"]:
        try:
            verify_map_proof(decode_map_proof(bytes.fromhex(c["proof"])),
                             bytes.fromhex(c["root"]),
                             bytes.fromhex(c["key"]))
            print("FAIL accepted:", c["name"])
            fails += 1
        except Refused:
            pass
    bv = json.load(open(os.path.join(d, "bundles.json")))
    for c in bv["cases"]:
        vkey = parse_vkey(open(os.path.join(d, c["vkey"])).read(), 1)
        wits = [parse_vkey(open(os.path.join(d, w)).read(), 4)
                for w in c.get("witnesses", [])]
        newer = open(os.path.join(d, c["newer"]), "rb").read() \
            if c.get("newer") else None
        try:
            res = verify(open(os.path.join(d, c["file"]), "rb").read(),
                         c["vin"], vkey, wits, c.get("quorum", 0), newer,
                         c.get("now_ms"), c.get("max_age_ms", 0))
            got = "ok"
            detail = status_word(res)
        except Refused as r:
            got, detail = r.fault, r.why
        want = c["expect"]
        if got != want or (got == "ok" and c.get("status") not in
                           (None, detail)):
            print("FAIL bundle %s: %s (%s), want %s %s" %
                  (c["file"], got, detail, want, c.get("status", "")))
            fails += 1
    print("%d map cases, %d refused map proofs, %d bundles: %s" %
          (len(mv["cases"]), len(mv["refuse"]), len(bv["cases"]),
           "ok" if not fails else "%d failures" % fails))
    return fails == 0


# ---- command line -------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--vkey", required=True)
    v.add_argument("--witness", action="append", default=[])
    v.add_argument("--quorum", type=int, default=None)
    v.add_argument("--checkpoint")
    v.add_argument("--max-age-ms", type=int, default=0)
    v.add_argument("--now-ms", type=int, default=None)
    v.add_argument("--vin", required=True)
    v.add_argument("file")
    s = sub.add_parser("vectors")
    s.add_argument("dir")
    sub.add_parser("mapvectors")
    ds = sub.add_parser("describe")
    ds.add_argument("--vin", required=True)
    ds.add_argument("file")
    a = ap.parse_args()
    if a.cmd == "mapvectors":
        print(json.dumps(map_vectors(), indent=1))
        return 0
    if a.cmd == "vectors":
        return 0 if check_vectors(a.dir) else 1
    if a.cmd == "describe":
        b = decode_bundle(read_proof(a.file))
        e = decode_entry(b["entry"])
        key = vehicle_key(a.vin)
        print(json.dumps({
            "vin": a.vin, "key": key.hex(), "kind": b["map"]["kind"],
            "depth": b["map"]["depth"],
            "sibs": [x.hex() for x in b["map"]["sibs"]],
            "empty": EMPTY.hex(),
            "value": (b["map"]["value"] or b"").hex(),
            "map_root": e["payload"][1:33].hex(), "index": e["index"],
            "incl": [x.hex() for x in b["incl"]],
            "checkpoint": b["body"].decode()}))
        return 0
    vkey = parse_vkey(open(a.vkey).read(), 1)
    wits = [parse_vkey(open(w).read(), 4) for w in a.witness]
    q = len(wits) if a.quorum is None else a.quorum
    newer = open(a.checkpoint, "rb").read() if a.checkpoint else None
    try:
        res = verify(read_proof(a.file), a.vin, vkey, wits, q, newer,
                     a.now_ms, a.max_age_ms)
    except Refused as r:
        print("refused (%s): %s" % (r.fault, r.why), file=sys.stderr)
        return 1
    r = res["record"]
    print("vin: %s\nstatus: %s" % (a.vin, status_word(res)))
    if r is not None:
        print("liens in force: %d\nreleased liens: %d\n"
              "restrictions in force: %d" % (len(r["liens"]),
                                             len(r["released"]),
                                             len(r["restrictions"])))
    print("tree size: %d\nstate time ms: %d\ncosigned: %d" %
          (res["tree_size"], res["time_ms"], res["cosigned"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
