#!/usr/bin/python3
"""Integration tests for the lienlog CLI (tools/lienlog.c, tools/cli_*.c).

Drives the real binary over fixtures built by mkfixtures (a real LMDB store
written through the ledger library, its signed checkpoints, proof JSON in
the API's shapes, raw entries). Every input file of every verb gets its
negatives: empty, truncated, trailing bytes, a bit flip in each byte, wrong
key, oversize, wrong JSON types, duplicate keys, non-canonical base64, a
proof one element short or long, size mismatches. A failure must exit
non-zero with exactly one stderr line "lienlog: <verb>: <reason>"; success
must exit 0.

Standard library only (plus python3-cryptography for the keygen round trip,
which signs a checkpoint independently of our C code). Run by ctest:
  /usr/bin/python3 test_cli.py --lienlog PATH --mkfixtures PATH
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

from itest import dead_port

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_INPUT, EXIT_IO = 0, 1, 2, 3, 4
ORIGIN = "example.org/lien-log-fixture"
NOTE_MAX = 65536
PROOF_JSON_MAX = 64 * 1024
LEDGER_ENTRY_MAX = 65535
MERKLE_PROOF_MAX = 64


class Runner:
    def __init__(self, lienlog, tmp):
        self.lienlog = lienlog
        self.tmp = tmp
        self.passed = 0
        self.failed = []
        self.nfile = 0

    def file(self, data, name=None):
        """Write bytes (or str) to a fresh temp file and return its path."""
        self.nfile += 1
        path = os.path.join(self.tmp, name or "in%05d" % self.nfile)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def run(self, args, **kw):
        p = subprocess.run([self.lienlog] + args, capture_output=True,
                           timeout=120, **kw)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed.append("%s %s" % (name, detail))
            print("FAIL: %s %s" % (name, detail), file=sys.stderr)

    def ok(self, name, args, want_out=None):
        rc, out, err = self.run(args)
        self.check(name, rc == 0 and err == "",
                   "rc=%d stderr=%r" % (rc, err[:300]))
        if want_out is not None:
            self.check(name + " output", re.search(want_out, out) is not None,
                       "stdout=%r" % out[:300])
        return out

    def fails(self, name, args, verb, codes=None, want=None):
        """Must exit non-zero with one line 'lienlog: <verb>: <reason>'."""
        rc, out, err = self.run(args)
        one_line = err.endswith("\n") and err.count("\n") == 1
        prefix = err.startswith("lienlog: %s: " % verb)
        good = rc != 0 and one_line and prefix
        if codes is not None:
            good = good and rc in codes
        if want is not None:
            good = good and re.search(want, err) is not None
        self.check(name, good, "rc=%d stderr=%r" % (rc, err[:300]))
        return err


def b64(b):
    return base64.b64encode(b).decode()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def mutations(data):
    """(label, bytes) pairs for the generic file negatives."""
    out = [("empty", b"")]
    for cut in sorted({1, len(data) // 2, len(data) - 1}):
        out.append(("truncated@%d" % cut, data[:cut]))
    out.append(("trailing-x", data + b"x"))
    out.append(("trailing-nul", data + b"\0"))
    for i in range(len(data)):
        b = bytearray(data)
        b[i] ^= 1 << (i % 8)
        out.append(("bitflip@%d" % i, bytes(b)))
    return out


# ---------------------------------------------------------------- help/usage

def test_usage(r):
    r.ok("help main", ["--help"], r"usage: lienlog")
    for verb in (["keygen"], ["verify"], ["verify", "checkpoint"],
                 ["verify", "inclusion"], ["verify", "consistency"],
                 ["audit"]):
        r.ok("help " + " ".join(verb), verb + ["--help"], r"usage:")
    rc, _, err = r.run([])
    r.check("no verb", rc == EXIT_USAGE and err.count("\n") == 1, err)
    r.fails("unknown verb", ["frobnicate"], "frobnicate", [EXIT_USAGE])
    r.fails("verify no what", ["verify"], "verify", [EXIT_USAGE])
    r.fails("verify unknown what", ["verify", "nope"], "verify", [EXIT_USAGE])
    r.fails("unknown option", ["keygen", "--nope", "x"], "keygen",
            [EXIT_USAGE])
    r.fails("short option", ["keygen", "-n", "x"], "keygen", [EXIT_USAGE])
    r.fails("option twice", ["keygen", "--name", "a", "--name", "b",
                             "--out", "x"], "keygen", [EXIT_USAGE])
    r.fails("option no value", ["keygen", "--name"], "keygen", [EXIT_USAGE])
    r.fails("option empty value", ["keygen", "--name=", "--out", "x"],
            "keygen", [EXIT_USAGE])
    r.fails("stray positional", ["keygen", "--name", "a", "--out", "x", "y"],
            "keygen", [EXIT_USAGE])
    r.fails("audit no dir", ["audit"], "audit", [EXIT_USAGE])

    # Numeric options: one canonical decimal within range (common/dec.h
    # dec_u64_arg), refused before anything is read or contacted.
    bad_numbers = ["", "0", "01", "+4", "-4", "4x", " 4", "0x4", "4.0",
                   "99999999999999999999999"]
    load = ["load", "--url", "http://127.0.0.1:9", "--demo", "/nonexistent"]
    for opt, extra in (("--concurrency", ["--duration", "1"]),
                       ("--duration", []), ("--rate", ["--duration", "1"]),
                       ("--server-pid", ["--duration", "1"])):
        for v in bad_numbers:
            r.fails("load %s %r" % (opt, v), load + extra + [opt + "=" + v]
                    if v == "" else load + extra + [opt, v], "load",
                    [EXIT_USAGE])
    r.fails("load --concurrency over the cap", load +
            ["--concurrency", "100000"], "load", [EXIT_USAGE],
            r"--concurrency must be 1\.\.")
    serve = ["witness", "serve", "--key", "/nonexistent/k", "--data",
             "/nonexistent/d", "--logs", "/nonexistent/l"]
    for v in bad_numbers + ["1025"]:
        if v == "":
            continue
        r.fails("witness serve --threads %r" % v, serve + ["--threads", v],
                "witness serve", [EXIT_USAGE], r"--threads must be 1\.\.")
    make = ["proof", "make", "--url", "http://127.0.0.1:9", "--out",
            os.path.join(r.tmp, "never")]
    for v in ["", "01", "-1", "1x", "18446744073709551616"]:
        if v == "":
            continue
        r.fails("proof make --index %r" % v, make + ["--index", v],
                "proof make", [EXIT_USAGE], r"--index must be")


# -------------------------------------------------------------------- keygen

def sign_checkpoint_py(skey_text, size, root):
    """Sign a checkpoint with python-cryptography from a PRIVATE+KEY file:
    an independent implementation of C2SP signed-note signing."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import \
        Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    parts = skey_text.strip().split("+", 4)  # base64 may hold "+"
    assert parts[0] == "PRIVATE" and parts[1] == "KEY", parts
    name, keyid_hex, blob = parts[2], parts[3], base64.b64decode(parts[4])
    assert blob[0] == 1 and len(blob) == 33
    sk = Ed25519PrivateKey.from_private_bytes(blob[1:])
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw)
    keyid = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
    assert keyid.hex() == keyid_hex, (keyid.hex(), keyid_hex)
    body = "%s\n%d\n%s\n" % (name, size, b64(root))
    sig = sk.sign(body.encode())
    return (body + "\n\u2014 %s %s\n" % (name, b64(keyid + sig))).encode(), \
        "%s+%s+%s" % (name, keyid_hex, b64(b"\x01" + pk))


def test_keygen(r):
    d = tempfile.mkdtemp(dir=r.tmp)
    prefix = os.path.join(d, "k")
    out = r.ok("keygen", ["keygen", "--name", "example.org/test-log",
                          "--out", prefix], r"^example\.org/test-log\+")
    key, vkey = prefix + ".key", prefix + ".vkey"
    r.check("keygen key exists", os.path.isfile(key))
    r.check("keygen vkey exists", os.path.isfile(vkey))
    if not (os.path.isfile(key) and os.path.isfile(vkey)):
        return
    mode = stat.S_IMODE(os.stat(key).st_mode)
    r.check("keygen key mode 0600", mode == 0o600, oct(mode))
    skey = read(key).decode()
    r.check("keygen key format",
            skey.startswith("PRIVATE+KEY+example.org/test-log+")
            and skey.endswith("\n") and skey.count("\n") == 1, skey[:20])
    r.check("keygen stdout is vkey", out == read(vkey).decode())
    before = (read(key), read(vkey))

    # Round trip: a checkpoint signed by an independent implementation
    # with the generated private key verifies with the generated vkey.
    try:
        note, derived_vkey = sign_checkpoint_py(skey, 7, bytes(range(32)))
    except ImportError:
        # scripts/deps.sh installs python3-cryptography: its absence is a
        # broken machine, not a reason to skip.
        r.check("python3-cryptography available", False)
    else:
        r.check("keygen vkey matches private key",
                derived_vkey == read(vkey).decode().strip())
        cp = r.file(note)
        r.ok("keygen round trip", ["verify", "checkpoint", "--vkey", vkey,
                                   cp], r"size: 7\n")
        # And a forgery: same body, signature by a different key.
        r2 = tempfile.mkdtemp(dir=r.tmp)
        r.ok("keygen second", ["keygen", "--name", "example.org/test-log",
                               "--out", os.path.join(r2, "k")])
        r.fails("keygen forged (other key, same name)",
                ["verify", "checkpoint", "--vkey",
                 os.path.join(r2, "k.vkey"), cp], "verify checkpoint",
                [EXIT_VERIFY])

    # Key names (C2SP signed-note): no spaces, no '+', not empty. The
    # log key and the witness key share the check (cli_keygen_named).
    bad = os.path.join(d, "badname")
    for verb, name in ((["keygen"], "a b"), (["keygen"], "a+b"),
                       (["witness", "keygen"], "w 1"),
                       (["witness", "keygen"], "w+1")):
        r.fails("%s name %r" % (" ".join(verb), name),
                verb + ["--name", name, "--out", bad], " ".join(verb),
                [EXIT_USAGE], r"invalid key name")
    r.check("bad names leave no files", not os.path.exists(bad + ".key")
            and not os.path.exists(bad + ".vkey"))
    wk = os.path.join(d, "wk")
    r.ok("witness keygen", ["witness", "keygen", "--name", "w1.example",
                            "--out", wk], r"^w1\.example\+")
    r.fails("witness keygen refuses overwrite",
            ["witness", "keygen", "--name", "w1.example", "--out", wk],
            "witness keygen", [EXIT_IO], r"refusing to overwrite")

    r.fails("keygen refuses overwrite", ["keygen", "--name", "x.org/y",
                                         "--out", prefix], "keygen",
            [EXIT_IO], r"refusing to overwrite")
    r.check("keygen files unchanged", (read(key), read(vkey)) == before)

    # Only the .vkey exists: refuse, and leave no .key behind.
    p2 = os.path.join(d, "half")
    with open(p2 + ".vkey", "w") as f:
        f.write("placeholder\n")
    r.fails("keygen refuses existing vkey", ["keygen", "--name", "x.org/y",
                                             "--out", p2], "keygen",
            [EXIT_IO], r"refusing to overwrite")
    r.check("keygen cleaned up .key", not os.path.exists(p2 + ".key"))
    r.check("keygen kept foreign .vkey", read(p2 + ".vkey") ==
            b"placeholder\n")

    # Symlink planted at the key path: O_EXCL must not follow it.
    p3 = os.path.join(d, "link")
    target = os.path.join(d, "target")
    os.symlink(target, p3 + ".key")
    r.fails("keygen refuses symlink", ["keygen", "--name", "x.org/y",
                                       "--out", p3], "keygen", [EXIT_IO])
    r.check("keygen symlink target not created", not os.path.exists(target))

    # A restrictive umask still yields exactly 0600.
    p4 = os.path.join(d, "umask")
    old = os.umask(0o277)
    try:
        rc, _, err = r.run(["keygen", "--name", "x.org/y", "--out", p4])
    finally:
        os.umask(old)
    r.check("keygen umask 0277 rc", rc == 0, err)
    if rc == 0:
        mode = stat.S_IMODE(os.stat(p4 + ".key").st_mode)
        r.check("keygen umask mode 0600", mode == 0o600, oct(mode))

    for bad in ("has space", "a+b", "x" * 256):
        r.fails("keygen bad name %r" % bad[:10],
                ["keygen", "--name", bad, "--out", os.path.join(d, "bad")],
                "keygen", [EXIT_USAGE])
    r.check("keygen bad name wrote nothing",
            not os.path.exists(os.path.join(d, "bad.key")))
    r.fails("keygen missing out", ["keygen", "--name", "x.org/y"], "keygen",
            [EXIT_USAGE])
    r.fails("keygen no such dir", ["keygen", "--name", "x.org/y", "--out",
                                   os.path.join(d, "nodir", "k")], "keygen",
            [EXIT_IO])


# ---------------------------------------------------------------- checkpoint

def test_verify_checkpoint(r, fx):
    vkey = fx("log.vkey")
    verb = "verify checkpoint"
    for size in (5, 17, 21):
        cp = fx("cp%d.note" % size)
        root = read(cp).decode().split("\n")[2]
        r.ok("checkpoint %d" % size, ["verify", "checkpoint", "--vkey", vkey,
                                      cp],
             r"^origin: %s\nsize: %d\nroot: %s\n$" %
             (re.escape(ORIGIN), size, re.escape(root)))
    cp = read(fx("cp21.note"))
    for label, data in mutations(cp):
        r.fails("checkpoint " + label,
                ["verify", "checkpoint", "--vkey", vkey, r.file(data)], verb)
    r.fails("checkpoint wrong key (same name)",
            ["verify", "checkpoint", "--vkey", fx("other.vkey"),
             fx("cp21.note")], verb, [EXIT_VERIFY], r"no valid signature")
    r.fails("checkpoint wrong key (other name)",
            ["verify", "checkpoint", "--vkey", fx("othername.vkey"),
             fx("cp21.note")], verb, [EXIT_VERIFY], r"origin")
    r.fails("checkpoint oversize",
            ["verify", "checkpoint", "--vkey", vkey,
             r.file(cp + b"x" * (NOTE_MAX + 1 - len(cp)))], verb,
            [EXIT_INPUT], r"limit")
    r.fails("checkpoint missing file",
            ["verify", "checkpoint", "--vkey", vkey,
             os.path.join(r.tmp, "nonexistent")], verb, [EXIT_IO])
    r.fails("checkpoint is a directory",
            ["verify", "checkpoint", "--vkey", vkey, r.tmp], verb,
            [EXIT_INPUT])
    r.fails("checkpoint two files",
            ["verify", "checkpoint", "--vkey", vkey, fx("cp5.note"),
             fx("cp21.note")], verb, [EXIT_USAGE])
    r.fails("checkpoint no vkey", ["verify", "checkpoint", fx("cp5.note")],
            verb, [EXIT_USAGE])
    # Verifier key file negatives.
    vk = read(vkey)
    # Dropping only the final '\n' leaves a valid key (tolerated by
    # note_verifier_parse); cut one byte of the key itself instead.
    for label, data in [m for m in mutations(vk)
                        if m[0] != "truncated@%d" % (len(vk) - 1)] + \
            [("truncated@%d" % (len(vk) - 2), vk[:-2])]:
        r.fails("vkey " + label,
                ["verify", "checkpoint", "--vkey", r.file(data),
                 fx("cp21.note")], verb)
    r.fails("vkey oversize", ["verify", "checkpoint", "--vkey",
                              r.file(b"a" * 4096), fx("cp21.note")], verb,
            [EXIT_INPUT])


# ------------------------------------------------------------------ proofs

def canonical_b64_negatives(h):
    """Encodings of (about) the hash h that a strict decoder must reject."""
    good = b64(h)
    last = good[42]               # 43rd char carries 4 data bits + 2 zeros
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
        "0123456789+/"
    i = alphabet.index(last)
    loose = good[:42] + alphabet[i | 1] + "=" if i & 3 == 0 else None
    out = [("no padding", good[:43]),
           ("extra padding", good + "="),
           ("whitespace", good[:20] + " " + good[20:]),
           ("newline", good[:20] + "\n" + good[20:]),
           ("urlsafe", good.replace("+", "-").replace("/", "_")
            if ("+" in good or "/" in good) else "-" + good[1:]),
           ("31 bytes", b64(h[:31])),
           ("33 bytes", b64(h + b"\0")),
           ("empty", ""),
           ("not base64", "!" * 44)]
    if loose is not None:
        out.append(("nonzero pad bits", loose))
    return out


def json_variants(obj, hash_keys):
    """Structural negatives for a proof object: wrong types, missing and
    unknown keys, bad base64, proof array one short/long/too long."""
    out = []
    for k in obj:
        for label, v in (("string", "3"), ("float", 3.0), ("negative", -1),
                         ("bool", True), ("null", None), ("object", {}),
                         ("array", [])):
            if k == "proof" and label == "array":
                continue
            if k in hash_keys and label == "string":
                continue
            o = dict(obj)
            o[k] = v
            out.append(("%s as %s" % (k, label), json.dumps(o)))
        o = dict(obj)
        del o[k]
        out.append(("missing %s" % k, json.dumps(o)))
    o = dict(obj)
    o["extra"] = 1
    out.append(("unknown key", json.dumps(o)))
    for k in hash_keys:
        for label, v in canonical_b64_negatives(
                base64.b64decode(obj[k])):
            o = dict(obj)
            o[k] = v
            out.append(("%s %s" % (k, label), json.dumps(o)))
    if obj["proof"]:
        p0 = base64.b64decode(obj["proof"][0])
        for label, v in canonical_b64_negatives(p0):
            o = dict(obj)
            o["proof"] = [v] + obj["proof"][1:]
            out.append(("proof[0] %s" % label, json.dumps(o)))
        o = dict(obj)
        o["proof"] = obj["proof"][:-1]
        out.append(("proof one short", json.dumps(o)))
    o = dict(obj)
    o["proof"] = obj["proof"] + [b64(b"\x42" * 32)]
    out.append(("proof one long", json.dumps(o)))
    o = dict(obj)
    o["proof"] = [b64(b"\x42" * 32)] * (MERKLE_PROOF_MAX + 1)
    out.append(("proof too many elements", json.dumps(o)))
    o = dict(obj)
    o["proof"] = [1, 2]
    out.append(("proof elements numbers", json.dumps(o)))
    # Duplicate keys: jansson would otherwise keep the last one silently.
    first = next(iter(obj))
    body = json.dumps(obj)
    out.append(("duplicate key", body[:-1] + ", %s: %s}" %
                (json.dumps(first), json.dumps(obj[first]))))
    out.append(("duplicate key same value first",
                "{%s: %s, " % (json.dumps(first), json.dumps(obj[first]))
                + body[1:]))
    out.append(("top-level array", json.dumps([obj])))
    out.append(("top-level string", json.dumps("x")))
    out.append(("top-level null", "null"))
    out.append(("huge integer", body.replace(
        '"tree_size": %d' % obj["tree_size"], '"tree_size": 18446744073709551616')))
    out.append(("oversize (whitespace padded)",
                body + " " * (PROOF_JSON_MAX + 1 - len(body))))
    out.append(("nul in string", body.replace('"proof"', '"pro\\u0000of"')))
    return out


def test_verify_inclusion(r, fx):
    verb = "verify inclusion"
    vkey = fx("log.vkey")

    def args(proof, cp="cp21.note", extra=()):
        a = ["verify", "inclusion", "--vkey", vkey, "--proof", proof]
        if cp is not None:
            a += ["--checkpoint", fx(cp) if not os.path.isabs(cp) else cp]
        return a + list(extra)

    r.ok("inclusion", args(fx("incl.json")),
         r"index 3 in tree of size 21")
    r.ok("inclusion with entry", args(fx("incl.json"),
                                      extra=["--entry", fx("entry3.bin")]),
         r"entry bytes match")
    r.ok("inclusion tree 5", args(fx("incl5.json"), "cp5.note"))
    r.ok("inclusion last leaf", args(fx("incl_last.json"), extra=[
        "--entry", fx("entry20.bin")]))
    r.ok("inclusion --opt=value form",
         ["verify", "inclusion", "--vkey=" + vkey,
          "--proof=" + fx("incl.json"), "--checkpoint=" + fx("cp21.note")])
    r.ok("receipt alone", args(fx("receipt.json"), None))
    r.ok("receipt and checkpoint", args(fx("receipt.json")))
    r.ok("inclusion whitespace json", args(r.file(
        json.dumps(json.loads(read(fx("incl.json"))), indent=2) + "\n")))

    r.fails("inclusion no checkpoint", args(fx("incl.json"), None), verb,
            [EXIT_USAGE])
    r.fails("inclusion missing --proof",
            ["verify", "inclusion", "--vkey", vkey, "--checkpoint",
             fx("cp21.note")], verb, [EXIT_USAGE])

    data = read(fx("incl.json"))
    for label, m in mutations(data):
        r.fails("inclusion json " + label, args(r.file(m)), verb)
    obj = json.loads(data)
    for label, m in json_variants(obj, ["leaf_hash"]):
        r.fails("inclusion json " + label, args(r.file(m)), verb)

    a = args(fx("incl.json"))
    a[a.index("--vkey") + 1] = fx("other.vkey")
    r.fails("inclusion wrong key", a, verb, [EXIT_VERIFY])
    r.fails("inclusion tree_size mismatch (checkpoint 17)",
            args(fx("incl.json"), "cp17.note"), verb, [EXIT_VERIFY],
            r"tree_size 21 does not match")
    o = dict(obj)
    o["tree_size"] = 17
    r.fails("inclusion tree_size mismatch (json 17)",
            args(r.file(json.dumps(o))), verb, [EXIT_VERIFY])
    for idx in (21, 22, 2 ** 63 - 1):
        o = dict(obj)
        o["index"] = idx
        r.fails("inclusion index %d >= size" % idx,
                args(r.file(json.dumps(o))), verb, [EXIT_VERIFY],
                r"not below tree_size")
    o = dict(obj)
    o["index"] = 4
    r.fails("inclusion wrong index", args(r.file(json.dumps(o))), verb,
            [EXIT_VERIFY])
    o = dict(obj)
    o["leaf_hash"] = b64(hashlib.sha256(b"\0other").digest())
    r.fails("inclusion wrong leaf", args(r.file(json.dumps(o))), verb,
            [EXIT_VERIFY])
    r.fails("inclusion proof for cp5 vs cp21",
            args(fx("incl5.json"), "cp21.note"), verb, [EXIT_VERIFY])

    # --entry negatives.
    e3 = read(fx("entry3.bin"))
    r.fails("entry other entry", args(fx("incl.json"), extra=[
        "--entry", fx("entry4.bin")]), verb, [EXIT_VERIFY], r"leaf hash")
    for label, m in mutations(e3):
        r.fails("entry " + label, args(fx("incl.json"), extra=[
            "--entry", r.file(m)]), verb)
    r.fails("entry oversize", args(fx("incl.json"), extra=[
        "--entry", r.file(b"\1" * (LEDGER_ENTRY_MAX + 1))]), verb,
        [EXIT_INPUT])
    # A proof whose leaf_hash is entry 4's hash at index 3: the bytes
    # match the hash, but the envelope says index 4.
    e4 = read(fx("entry4.bin"))
    o = dict(obj)
    o["leaf_hash"] = b64(hashlib.sha256(b"\0" + e4).digest())
    r.fails("entry envelope index mismatch", args(r.file(json.dumps(o)),
            extra=["--entry", fx("entry4.bin")]), verb, [EXIT_VERIFY],
            r"envelope index 4")

    # Receipts: the embedded checkpoint is verified like a file.
    rc = json.loads(read(fx("receipt.json")))
    r.fails("receipt vs checkpoint 17", args(fx("receipt.json"),
                                             "cp17.note"), verb,
            [EXIT_VERIFY])
    lines = rc["checkpoint"].split("\n")
    lines[1] = "20"
    o = dict(rc)
    o["checkpoint"] = "\n".join(lines)
    r.fails("receipt tampered checkpoint", args(r.file(json.dumps(o)), None),
            verb, [EXIT_VERIFY, EXIT_INPUT])
    o = dict(rc)
    o["checkpoint"] = 5
    r.fails("receipt checkpoint number", args(r.file(json.dumps(o)), None),
            verb, [EXIT_INPUT])
    o = dict(rc)
    o["checkpoint"] = read(fx("cp17.note")).decode()
    r.fails("receipt wrong checkpoint", args(r.file(json.dumps(o)), None),
            verb, [EXIT_VERIFY])
    r.fails("receipt wrong key", ["verify", "inclusion", "--vkey",
                                  fx("other.vkey"), "--proof",
                                  fx("receipt.json")], verb, [EXIT_VERIFY])


def test_verify_consistency(r, fx):
    verb = "verify consistency"
    vkey = fx("log.vkey")

    def args(proof, old="cp5.note", new="cp21.note", key=vkey):
        return ["verify", "consistency", "--vkey", key, "--old", fx(old),
                "--new", fx(new), "--proof", proof]

    r.ok("consistency 5->21", args(fx("cons.json")),
         r"size 21 extends size 5")
    r.ok("consistency 17->21", args(fx("cons17.json"), "cp17.note"))
    same = r.file('{"old_size":21,"tree_size":21,"proof":[]}')
    r.ok("consistency 21->21", args(same, "cp21.note", "cp21.note"))

    data = read(fx("cons.json"))
    for label, m in mutations(data):
        r.fails("consistency json " + label, args(r.file(m)), verb)
    obj = json.loads(data)
    for label, m in json_variants(obj, []):
        r.fails("consistency json " + label, args(r.file(m)), verb)

    r.fails("consistency wrong key", args(fx("cons.json"),
                                          key=fx("other.vkey")), verb,
            [EXIT_VERIFY])
    r.fails("consistency old > new", args(fx("cons.json"), "cp21.note",
                                          "cp5.note"), verb, [EXIT_VERIFY],
            r"larger")
    r.fails("consistency old size mismatch", args(fx("cons.json"),
                                                  "cp17.note"), verb,
            [EXIT_VERIFY], r"do not match")
    r.fails("consistency new size mismatch", args(fx("cons.json"),
                                                  "cp5.note", "cp17.note"),
            verb, [EXIT_VERIFY])
    r.fails("consistency proof for 17->21 used for 5->21",
            args(fx("cons17.json")), verb, [EXIT_VERIFY])
    o = dict(obj)
    o["old_size"], o["tree_size"] = 21, 5
    r.fails("consistency json old > new", args(r.file(json.dumps(o)),
                                               "cp21.note", "cp5.note"),
            verb, [EXIT_VERIFY])
    r.fails("consistency 21->21 nonempty proof",
            args(r.file('{"old_size":21,"tree_size":21,"proof":["%s"]}' %
                        b64(b"\1" * 32)), "cp21.note", "cp21.note"),
            verb, [EXIT_VERIFY])
    for which in ("old", "new"):
        cp = read(fx("cp5.note" if which == "old" else "cp21.note"))
        for label, m in (("empty", b""), ("truncated", cp[:len(cp) // 2]),
                         ("trailing", cp + b"x"),
                         ("bitflip", cp[:3] + bytes([cp[3] ^ 1]) + cp[4:])):
            a = args(fx("cons.json"))
            a[a.index("--" + which) + 1] = r.file(m)
            r.fails("consistency %s checkpoint %s" % (which, label), a, verb)


# --------------------------------------------------------------------- audit

def test_audit(r, fx):
    verb = "audit"
    store = os.path.join(r.tmp, "audit-clean")
    shutil.copytree(fx("store"), store)
    r.ok("audit clean", ["audit", store],
         r"^audit OK: .*: 21 entries, \d+ bytes, .* MB/s, .*log\.vkey, "
         r"registration state replayed and equal \(public and private\)\n$")
    r.ok("audit --public", ["audit", store, "--public"],
         r"registration state replayed and equal \(public\)\n$")
    r.ok("audit clean --vkey", ["audit", store, "--vkey", fx("log.vkey")])
    own = os.path.join(r.tmp, "audit-ownkey")
    shutil.copytree(fx("store"), own)
    os.unlink(os.path.join(own, "log.vkey"))
    r.ok("audit store's own key", ["audit", own], r"store's own key")
    r.fails("audit wrong key", ["audit", store, "--vkey", fx("other.vkey")],
            verb, [EXIT_VERIFY])
    r.fails("audit bad vkey file", ["audit", store, "--vkey",
                                    r.file(b"garbage\n")], verb,
            [EXIT_INPUT])
    r.fails("audit no such dir", ["audit", os.path.join(r.tmp, "nope")],
            verb, [EXIT_IO])
    r.fails("audit not a dir", ["audit", fx("log.vkey")], verb, [EXIT_IO])

    # Flip one byte of entry 7's payload in a copy of data.mdb. LMDB is
    # copy-on-write, so a stale copy of the page may also hold the bytes:
    # flip every occurrence.
    bad = os.path.join(r.tmp, "audit-flipped")
    shutil.copytree(fx("store"), bad)
    mdb = os.path.join(bad, "data.mdb")
    if not os.path.exists(mdb):
        r.check("audit data.mdb exists", False, mdb)
        return
    db = bytearray(read(mdb))
    needle = b"lienlog-fixture-payload-0007"
    hits, at = 0, db.find(needle)
    while at >= 0:
        db[at + len(needle) - 1] ^= 0x40
        hits += 1
        at = db.find(needle, at + 1)
    r.check("audit found payload in data.mdb", hits >= 1)
    with open(mdb, "wb") as f:
        f.write(db)
    r.fails("audit flipped entry 7", ["audit", bad], verb, [EXIT_VERIFY],
            r"\b7\b")


# ------------------------------------------------- --help and the exit table

EXIT_NETWORK = 6
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def dispatched(path, var):
    """The verbs a dispatcher in tools/ accepts: strcmp(var, "x")."""
    with open(os.path.join(SRC, path)) as f:
        text = f.read()
    return set(re.findall(r'strcmp\(%s, "([a-z][a-z-]*)"\)' % re.escape(var),
                          text)) - {"help"}


def test_help_lists_the_verbs(r):
    """`lienlog --help` lists exactly the verbs the dispatchers accept, and
    each listed one answers its own --help."""
    out = r.ok("help lists verbs", ["--help"])
    listed = set()
    for line in out.split("'lienlog <verb> --help'")[0].splitlines():
        m = re.match(r"^  ([a-z][a-z-]*)((?: [a-z][a-z-]*)?)(?: |$)", line)
        if m and not line.startswith("      "):
            listed.add((m.group(1) + m.group(2)).strip())
    real = set()
    subs = {"verify": ("tools/cli_verify.c", r"argv\[0\]"),
            "witness": ("tools/cli_witness.c", r"argv\[0\]"),
            "proof": ("tools/cli_proof.c", r"argv\[0\]"),
            "demo": ("tools/cli_demo.c", r"argv\[0\]")}
    for v in dispatched("tools/lienlog.c", "verb"):
        if v in subs:
            path, var = subs[v]
            with open(os.path.join(SRC, path)) as f:
                text = f.read()
            for sv in set(re.findall(r'strcmp\(%s, "([a-z][a-z-]*)"\)' % var,
                                     text)):
                real.add(v + " " + sv)
        else:
            real.add(v)
    r.check("help: every listed verb exists", listed <= real,
            "listed but not dispatched: %s" % sorted(listed - real))
    r.check("help: every verb is listed", real <= listed,
            "dispatched but not listed: %s" % sorted(real - listed))
    for v in sorted(real):
        r.ok("help %s" % v, v.split() + ["--help"], r"usage:")
    # optional options are marked as such
    r.check("help: --checkpoint optional with a receipt",
            "--vkey VKEY [--checkpoint FILE] --proof" in out, out[:200])
    r.check("help: exit code 6 listed", "6 server unreachable" in out, out)


def test_exit_codes(r):
    """docs/cli.md "Output and exit codes": each network verb's main
    failure classes. A missing input file (4) and a server that is not
    running (6) differ; a certificate given as --key (3) and a file
    named as --keyid (2) say what is wrong. The server that is not
    running is a port held bound but never listening (itest.dead_port),
    so no other process can answer there meanwhile."""
    held, port = dead_port()
    try:
        exit_codes(r, "http://127.0.0.1:%d" % port)
    finally:
        held.close()


def exit_codes(r, dead):
    pre = os.path.join(r.tmp, "xbank")
    r.ok("exit: keygen", ["keygen", "--type", "ed25519", "--out", pre])
    key = pre + ".key"
    cert = os.path.join(r.tmp, "xbank.crt")
    p = subprocess.run(["openssl", "req", "-x509", "-new", "-key", key,
                        "-subj", "/CN=bank.example", "-days", "2", "-out",
                        cert], capture_output=True)
    if not r.check("exit: openssl self-signed certificate", p.returncode == 0,
                   p.stderr.decode(errors="replace")):
        return
    kid = r.ok("exit: cert-fingerprint", ["cert-fingerprint", cert]).strip()
    body = r.file('{"vin":"WVWZZZ1JZXW000001"}')
    missing = os.path.join(r.tmp, "no-such-body.json")
    url = dead + "/v1/vehicles"

    r.fails("submit: missing body file", ["submit", "--key", key, "--keyid",
            kid, "--url", url, "--body", missing], "submit", [EXIT_IO],
            r"no-such-body\.json")
    r.fails("submit: server not running", ["submit", "--key", key,
            "--keyid", kid, "--url", url, "--body", body,
            "--idempotency-key", "none"], "submit", [EXIT_NETWORK],
            r"no answer from http://127\.0\.0\.1:\d+/v1/vehicles: .*is the "
            r"server running")
    r.fails("submit: a certificate as --key", ["submit", "--key", cert,
            "--keyid", kid, "--url", url, "--body", body], "submit",
            [EXIT_INPUT], r"is a certificate, not a private key.*"
            r"cert-fingerprint")
    r.fails("submit: a public key as --key", ["submit", "--key",
            pre + ".pub", "--keyid", kid, "--url", url, "--body", body],
            "submit", [EXIT_INPUT], r"is a public key")
    r.fails("submit: --keyid names the certificate", ["submit", "--key", key,
            "--keyid", cert, "--url", url, "--body", body], "submit",
            [EXIT_USAGE], r"names a certificate file; --keyid takes its "
            r"keyid: --keyid %s" % kid)
    r.fails("sign-request: --keyid names a file", ["sign-request", "--key",
            key, "--keyid", body, "--url", url, "--body", body],
            "sign-request", [EXIT_USAGE], r"names a file")
    r.fails("submit: --keyid in upper case", ["submit", "--key", key,
            "--keyid", kid.upper(), "--url", url, "--body", body], "submit",
            [EXIT_USAGE], r"lowercase")

    # verbs that read a log: no server (6) vs a missing key file (4)
    vpre = os.path.join(r.tmp, "xlog")
    r.ok("exit: log keygen", ["keygen", "--name", "example.org/x", "--out",
                              vpre])
    vkey = vpre + ".vkey"
    vin = "1M8GDM9AXKP042788"
    for name, args, verb in (
            ("status", ["status", "--log", dead, "--vkey", "%s", "--vin",
                        vin], "status"),
            ("proof make", ["proof", "make", "--log", dead, "--index", "0",
                            "--vkey", "%s", "--out",
                            os.path.join(r.tmp, "never.proof")],
             "proof make"),
            ("monitor", ["monitor", "--log", dead, "--vkey", "%s"],
             "monitor")):
        r.fails("%s: server not running" % name,
                [a if a != "%s" else vkey for a in args], verb,
                [EXIT_NETWORK], r"no answer from http://127\.0\.0\.1")
        r.fails("%s: missing --vkey file" % name,
                [a if a != "%s" else vkey + ".missing" for a in args], verb,
                [EXIT_IO])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--mkfixtures", required=True)
    ap.add_argument("--keep", action="store_true",
                    help="keep the temp dir for inspection")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lienlog-cli-")
    try:
        fxdir = os.path.join(tmp, "fx")
        os.mkdir(fxdir)
        p = subprocess.run([a.mkfixtures, fxdir], capture_output=True,
                           timeout=300)
        if p.returncode != 0:
            print("mkfixtures failed: %s" % p.stderr.decode(errors="replace"),
                  file=sys.stderr)
            return 1

        def fx(name):
            return os.path.join(fxdir, name)

        r = Runner(a.lienlog, tmp)
        test_usage(r)
        test_keygen(r)
        test_verify_checkpoint(r, fx)
        test_verify_inclusion(r, fx)
        test_verify_consistency(r, fx)
        test_audit(r, fx)
        test_help_lists_the_verbs(r)
        test_exit_codes(r)
        print("test_cli: %d checks passed, %d failed" %
              (r.passed, len(r.failed)))
        return 1 if r.failed else 0
    finally:
        if a.keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
