#!/usr/bin/python3
"""Key rotation end to end (docs/key-rotation.md), real processes on
127.0.0.1 with temporary directories:

  1. The old log: lienlogd --demo (signed demo seeding). The registry
     mirror's party key is rotated through the API (a new certificate from
     the demo police CA filed by the administrator, the old keyid revoked:
     old key refused with party_revoked, new key accepted). While the log
     runs, `lienlog freeze` is refused by the writer lock (exit 4).
  2. Stop; `lienlog freeze OLD`: the final checkpoint on stdout equals
     OLD/final-checkpoint and the last checkpoint served, and verifies
     with the old key; a second freeze is a no-op with the same output.
  3. lienlogd restarted on the frozen store: serves the same checkpoint
     and size; a signed write (admin, demo key) answers 503 log_frozen and
     changes nothing; freeze while it runs is refused again.
  4. The new log: `lienlog keygen --name <new origin>`, `lienlog genesis`
     (refusals: wrong old key 1, same origin 3; a rerun is a no-op);
     lienlogd --data NEW serves it; entry 0 fetched over HTTP has type 2
     and holds the old final checkpoint byte for byte, which `lienlog
     verify checkpoint --vkey OLD.vkey` accepts; the auditor's shell
     commands of the doc do the same. `lienlog audit` passes on
     both stores; `lienlog monitor` passes on both logs.
  5. Mirrors: `lienlog sync` of the new log with the new key works, with
     the old key exits 12 (bad signature); sync of the frozen old log
     still works with the old key.
  6. Witness key rotation: witness w1 with its old key and with a new key
     (same name, `lienlog witness keygen`), and w2, all configured with
     both logs; they cosign the old log's final checkpoint and the new
     log's checkpoint. `lienlog verify proof --witness ... --quorum 2`
     over {w1 old, w1 new, w2}: w1 new + w2 and w1 old + w2 pass; w1 old
     + w1 new is ONE witness and fails; after the overlap ({w1 new, w2})
     w1 old + w2 fails.

Every wait is bounded; servers are stopped with SIGTERM and must exit 0.
Usage: test_key_rotation.py LIENLOGD LIENLOG
"""
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from itest import check, FAILURES as FAILS, CHECKS, start_listening

OLD_ORIGIN = "lienlog.demo/log"
NEW_ORIGIN = "lienlog.demo/log-2027"
W1 = "witness.test/w1"
W2 = "witness.test/w2"
PREV_LOG_TYPE = 2
RUN_TIMEOUT = 300


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def post(url, body):
    req = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(argv, health, logpath):
    """Start a server (itest.start_listening: --listen 127.0.0.1:0, the
    port from its listening line) and return (proc, port) once GET health
    answers 200."""
    return start_listening(
        argv, logpath,
        lambda port: get("http://127.0.0.1:%d%s" % (port, health)),
        argv[0])


def stop(proc):
    if proc is None or proc.poll() is not None:
        return None if proc is None else proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


def run(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def cp_size(note):
    return int(note.split(b"\n")[1])


def entry0(base):
    """Entry 0 from the entry bundle of a size-1.. log: (type, payload)."""
    b = get(base + "/log/tile/entries/000.p/1")
    ln = struct.unpack(">H", b[:2])[0]
    check(len(b) == 2 + ln, "bundle of width 1 holds one entry")
    e = b[2:2 + ln]
    check(e[0] == 1 and struct.unpack(">Q", e[1:9])[0] == 0,
          "entry 0: version 1, index 0")
    return struct.unpack(">H", e[17:19])[0], e[51:]


def gb11643(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * x
                                        for c, x in zip(first17, w)) % 11]


def rotate_registry_key(L, tmp, old, base):
    """(c) of docs/key-rotation.md on the live demo log: a new key for the
    registry mirror party (certificate from the demo police CA), filed by
    the administrator; the old keyid revoked; old key refused, new key
    accepted."""
    demo = os.path.join(old, "demo")
    key = os.path.join(tmp, "reg2027")
    r = L("keygen", "--type", "ed25519", "--out", key)
    check(r.returncode == 0, "registry: new signing key")
    r = L("csr", "--key", key + ".key", "--subject",
          "/CN=Registry mirror 2027/serialNumber=registry-jx", "--out",
          key + ".csr")
    check(r.returncode == 0, "registry: csr (%r)" % r.stderr)
    ext = os.path.join(tmp, "leaf.cnf")
    write(ext, b"basicConstraints=critical,CA:FALSE\n"
          b"keyUsage=critical,digitalSignature\n"
          b"subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    r = run(["openssl", "x509", "-req", "-in", key + ".csr", "-CA",
             os.path.join(demo, "police-ca.pem"), "-CAkey",
             os.path.join(demo, "police-ca.key"), "-days", "365",
             "-set_serial", "0x2027", "-extfile", ext, "-out",
             key + ".pem"])
    check(r.returncode == 0, "registry: police CA issues the certificate")
    fp = lambda pem: L("cert-fingerprint", pem).stdout.decode().strip()
    admin, old_id, new_id = (fp(os.path.join(demo, "admin.pem")),
                             fp(os.path.join(demo, "registry.pem")),
                             fp(key + ".pem"))
    idj = os.path.join(tmp, "id.json")
    write(idj, ('{"id_number":"%s"}' % gb11643("33040019800101001")).encode())

    def submit(k, keyid, path, body):
        return L("submit", "--key", k, "--keyid", keyid, "--url", base + path,
                 "--body", body)
    filing = os.path.join(tmp, "file-registry.json")
    write(filing, json.dumps({"party": "registry-jx", "role": "registry",
                              "name": "Registry mirror 2027",
                              "certificate": read(key + ".pem").decode()})
          .encode())
    r = submit(os.path.join(demo, "admin.key"), admin, "/v1/parties", filing)
    check(r.returncode == 0 and b"201" in r.stderr,
          "registry: admin files the new key (%r)" % r.stderr[-200:])
    r = submit(key + ".key", new_id, "/v1/identity-commitments", idj)
    check(r.returncode == 0, "registry: new key accepted (%r)" % r.stderr)
    rev = os.path.join(tmp, "revoke.json")
    write(rev, json.dumps({"action": "revoke", "keyid": old_id,
                           "reason": "key rotation"}).encode())
    r = submit(os.path.join(demo, "admin.key"), admin,
               "/v1/parties/registry-jx/status", rev)
    check(r.returncode == 0, "registry: old keyid revoked (%r)" % r.stderr)
    r = submit(os.path.join(demo, "registry.key"), old_id,
               "/v1/identity-commitments", idj)
    check(r.returncode == 1 and b"party_revoked" in r.stdout + r.stderr,
          "registry: old key refused with party_revoked (%r)" % r.stderr)
    r = submit(key + ".key", new_id, "/v1/identity-commitments", idj)
    check(r.returncode == 0, "registry: new key still accepted")
    return key + ".key", new_id


# ---- a lien across the rotation (issue 11 class 5) -------------------------

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jcs(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def vin_of(stem):
    w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    val = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                   [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5,
                    6, 7, 8, 9]))
    r = sum((int(c) if c.isdigit() else val[c]) * k
            for c, k in zip(stem, w)) % 11
    return stem[:8] + ("X" if r == 10 else str(r)) + stem[9:]


class Demo:
    """Signed requests as the demo parties of the old log's data dir."""

    def __init__(self, L, tmp, old):
        from cryptography.hazmat.primitives import serialization
        self.L, self.tmp, self.demo = L, tmp, os.path.join(old, "demo")
        self.key = lambda who: os.path.join(self.demo, who + ".key")
        fp = lambda who: L("cert-fingerprint", os.path.join(
            self.demo, who + ".pem")).stdout.decode().strip()
        self.ids = {w: fp(w) for w in ("bank-a", "officer", "admin")}
        r = run(["openssl", "x509", "-in", os.path.join(self.demo,
                                                         "bank-a.pem"),
                 "-noout", "-subject"])
        m = re.search(rb"NTRCN-([0-9A-Z]{18})", r.stdout)
        check(m is not None, "bank A's certificate names its credit code")
        self.uscc = m.group(1).decode() if m else ""
        jwk = json.loads(read(os.path.join(old, "trust",
                                           "face-issuers.jwks")))["keys"][0]
        self.kid, self.iss = jwk["kid"], jwk["iss"]
        self.aud = json.loads(read(os.path.join(old, "trust",
                                                "config.json")))["registry"]
        self.face = serialization.load_pem_private_key(
            read(os.path.join(self.demo, "face-issuer.key")), None)
        self.n = 0

    def submit(self, who, keyfile, keyid, base, path, body=None,
               method="POST"):
        self.n += 1
        args = ["submit", "--key", keyfile, "--keyid", keyid, "--url",
                base + path]
        if body is not None:
            f = os.path.join(self.tmp, "body-%d.json" % self.n)
            write(f, jcs(body))
            args += ["--body", f]
        else:
            args += ["--method", method]
        r = self.L(*args)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = None
        return r.returncode, j, r.stderr

    def as_party(self, who, base, path, body=None, method="POST"):
        return self.submit(who, self.key(who), self.ids[who], base, path,
                           body, method)

    def face_token(self, sub, application, step):
        now = int(time.time())
        head = b64url(jcs({"alg": "EdDSA", "kid": self.kid, "typ": "JWT"}))
        nonce = hashlib.sha256(jcs({"application": application,
                                    "mortgagee": self.uscc,
                                    "step": step})).digest()
        body = b64url(jcs({"iss": self.iss, "aud": self.aud, "iat": now - 5,
                           "exp": now + 300, "sub": sub,
                           "nonce": b64url(nonce), "liveness": 9900,
                           "match": 9800}))
        return head + "." + body + "." + b64url(
            self.face.sign((head + "." + body).encode()))


def register_lien(d, base, reg_key, reg_id):
    """In the old log: a vehicle, bank A's mortgage on it, approved. The
    lien the new log must be able to release."""
    v = vin_of("LJ1EFAUU0KG024680")
    owner = gb11643("33040019800101002")
    rc, j, err = d.submit("registry", reg_key, reg_id, base, "/v1/vehicles",
                          {"vin": v, "plate": "浙F24680", "plate_type": "02",
                           "certificate_number": "330400246800",
                           "owner": {"id_number": owner}})
    check(rc == 0, "old log: the registry records a vehicle (%r)" % err)
    rc, j, err = d.as_party("bank-a", base, "/v1/identity-commitments",
                            {"id_number": owner})
    cm = j["commitment"] if rc == 0 and j else ""
    app = {"vin": v, "plate": "浙F24680", "plate_type": "02",
           "certificate_number": "330400246800",
           "contract_number": "ROT-2026-0001",
           "owner": {"id_number": owner}}
    rc, j, err = d.as_party("bank-a", base, "/v1/mortgages", {
        "application": app,
        "face_token": d.face_token(cm, app, "mortgage_application")})
    check(rc == 0 and j is not None, "old log: bank A's mortgage (%r)" % err)
    mid = j["application_id"] if j else ""
    rc, j, err = d.as_party("officer", base,
                            "/v1/applications/%s/decision" % mid,
                            {"decision": "approve"})
    check(rc == 0 and j and j["status"] == "approved",
          "old log: the officer approves it (%r)" % err)
    return v, mid, owner, cm


def release_lien(d, base, v, mid, owner, cm, size_old):
    """In the new log: bank A releases the old log's lien; the officer
    approves; the mortgage is released and the vehicle free."""
    rc, j, err = d.as_party("bank-a", base, "/v1/identity-commitments",
                            {"id_number": owner})
    check(rc == 0 and j and j["commitment"] == cm, "the new log commits to "
          "the owner as the old one did (the master key carried over)")
    app = {"vin": v, "mortgage": mid, "owner": {"id_number": owner}}
    rc, j, err = d.as_party("bank-a", base, "/v1/releases", {
        "application": app,
        "face_token": d.face_token(cm, app, "release_application")})
    check(rc == 0 and j is not None and j["entry_type"] == 22,
          "new log: bank A applies to release the old log's lien (%r %r)"
          % (err[-300:], j))
    rid = j["application_id"] if j else "A0"
    check(int(rid[1:], 16) >= size_old, "the new log's application ids "
          "continue above the old log's (%s, old size %d)" % (rid, size_old))
    rc, j, err = d.as_party("officer", base,
                            "/v1/applications/%s/decision" % rid,
                            {"decision": "approve"})
    check(rc == 0 and j and j["status"] == "approved",
          "new log: the officer approves the release (%r)" % err[-300:])
    rc, j, err = d.as_party("officer", base, "/v1/applications/" + mid,
                            method="GET")
    check(rc == 0 and j and j["status"] == "released",
          "the old log's mortgage is released in the new log (%r)" %
          (j and j.get("status")))
    rc, j, err = d.as_party("officer", base, "/v1/vehicles/" + v,
                            method="GET")
    check(rc == 0 and j and j["liens"] == [] and len(j["released"]) == 1,
          "the vehicle carries no lien any more (%r)" % (j,))
    return rid


def cosign(wport, note, old=0):
    """POST add-checkpoint with `old` (no proof: old 0 or equal size)."""
    st, body = post("http://127.0.0.1:%d/add-checkpoint" % wport,
                    b"old %d\n\n" % old + note)
    check(st == 200 and body.startswith("\u2014 ".encode()),
          "witness :%d cosigns (got %d %r)" % (wport, st, body[:80]))
    return body


def main():
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lienlog-rotation-")
    procs = []
    try:
        scenario(lienlogd, lienlog, tmp, procs)
    finally:
        for p in procs:
            rc = stop(p)
            check(rc == 0, "server %r exits 0 (got %r)" % (p.args[:2], rc))
        if FAILS:
            for name in sorted(os.listdir(tmp)):
                if name.endswith(".log"):
                    sys.stderr.write("---- %s\n" % name)
                    sys.stderr.write(read(os.path.join(tmp, name)).decode(
                        "utf-8", "replace")[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed" % (CHECKS[0], len(FAILS)))
    return 1 if FAILS else 0


def scenario(lienlogd, lienlog, tmp, procs):
    L = lambda *a: run([lienlog] + list(a))
    old = os.path.join(tmp, "old")
    new = os.path.join(tmp, "new")
    old_vkey = os.path.join(old, "log.vkey")
    new_vkey = os.path.join(new, "log.vkey")
    final_path = os.path.join(old, "final-checkpoint")

    # ---- 1. the old log, running --------------------------------------
    p_old, port_old = start(
        [lienlogd, "--demo", old, "--listen", "127.0.0.1:0"],
        "/log/checkpoint", os.path.join(tmp, "lienlogd-old.log"))
    base_old = "http://127.0.0.1:%d" % port_old
    reg_key, reg_id = rotate_registry_key(L, tmp, old, base_old)
    d = Demo(L, tmp, old)
    lien = register_lien(d, base_old, reg_key, reg_id)
    served = get(base_old + "/log/checkpoint")
    size_old = cp_size(served)
    check(size_old >= 1000, "demo log seeded (%d entries)" % size_old)
    r = L("freeze", old)
    check(r.returncode == 4 and b"writer.lock" in r.stderr,
          "freeze while lienlogd runs: refused by the writer lock, exit 4 "
          "(got %d %r)" % (r.returncode, r.stderr))
    check(not os.path.exists(final_path), "nothing written by the refusal")
    check(stop(p_old) == 0, "old lienlogd stops cleanly")

    # ---- 2. freeze ----------------------------------------------------
    r = L("freeze", old)
    check(r.returncode == 0, "freeze exit 0 (%r)" % r.stderr)
    final = r.stdout
    check(final == read(final_path), "stdout == OLD/final-checkpoint")
    check(final.split(b"\n\n")[0] == served.split(b"\n\n")[0],
          "the final checkpoint is the last one served")
    check(cp_size(final) == size_old, "final size == served size")
    r = L("verify", "checkpoint", "--vkey", old_vkey, final_path)
    check(r.returncode == 0, "final checkpoint verifies with the old key")
    r = L("freeze", old)
    check(r.returncode == 0 and r.stdout == final and
          read(final_path) == final,
          "second freeze: no-op, same final checkpoint")

    # ---- 3. the frozen log keeps serving -------------------------------
    old_log = os.path.join(tmp, "lienlogd-old2.log")
    p_old, port_old = start(
        [lienlogd, "--demo", old, "--listen", "127.0.0.1:0"],
        "/log/checkpoint", old_log)
    procs.append(p_old)
    base_old = "http://127.0.0.1:%d" % port_old
    check(get(base_old + "/log/checkpoint") == final,
          "restarted frozen log serves the final checkpoint, unchanged")
    check(b"log frozen" in read(old_log), "lienlogd says it is frozen")
    fp = L("cert-fingerprint", os.path.join(old, "demo", "admin.pem"))
    check(fp.returncode == 0, "admin keyid")
    body = os.path.join(tmp, "suspend.json")
    write(body, b'{"action":"suspend","reason":"rotation test"}')
    r = L("submit", "--key", os.path.join(old, "demo", "admin.key"),
          "--keyid", fp.stdout.decode().strip(),
          "--url", base_old + "/v1/parties/registry-jx/status",
          "--body", body)
    # 6: the server answered 5xx (docs/cli.md "Output and exit codes")
    check(r.returncode == 6 and b"503" in r.stderr and
          b"log_frozen" in r.stdout + r.stderr,
          "signed append to a frozen log: 503 log_frozen (got %d %r %r)" %
          (r.returncode, r.stdout[-200:], r.stderr[-200:]))
    check(get(base_old + "/log/checkpoint") == final,
          "after the refused append: checkpoint and size unchanged")
    r = L("freeze", old)
    check(r.returncode == 4, "freeze while the frozen log is served: 4")

    # ---- 4. the new log -----------------------------------------------
    os.mkdir(new)
    r = L("keygen", "--name", NEW_ORIGIN, "--out", os.path.join(new, "log"))
    check(r.returncode == 0, "keygen of the new origin")
    r = L("genesis", "--prev-final", final_path, "--prev-vkey", new_vkey,
          "--prev-data", old, new)
    check(r.returncode == 1, "genesis with the wrong old key: 1 (got %d)" %
          r.returncode)
    r = L("genesis", "--prev-final", final_path, "--prev-vkey", old_vkey,
          new)
    check(r.returncode == 2 and b"--prev-data" in r.stderr,
          "genesis without --prev-data or --no-state: 2 (got %d)" %
          r.returncode)
    same = os.path.join(tmp, "same")
    os.mkdir(same)
    r = L("keygen", "--name", OLD_ORIGIN, "--out", os.path.join(same, "log"))
    r = L("genesis", "--prev-final", final_path, "--prev-vkey", old_vkey,
          "--prev-data", old, same)
    check(r.returncode == 3 and b"new origin" in r.stderr,
          "genesis keeping the old origin: 3 (got %d %r)" %
          (r.returncode, r.stderr))
    r = L("genesis", "--prev-final", final_path, "--prev-vkey", old_vkey,
          "--prev-data", old, new)
    check(r.returncode == 0, "genesis exit 0 (%r)" % r.stderr)
    out = dict(l.split(" ", 1) for l in r.stdout.decode().splitlines())
    check(out.get("index") == "0" and out.get("origin") == NEW_ORIGIN and
          out.get("prev_origin") == OLD_ORIGIN and
          out.get("prev_size") == str(size_old),
          "genesis reports entry 0 chaining %s@%d (%r)" %
          (OLD_ORIGIN, size_old, out))
    ho = json.loads(out.get("handover", "{}"))
    check(out.get("handover_index") == "1" and
          ho.get("step") == "state_handover" and
          ho.get("base") == size_old and ho.get("prev_size") == size_old and
          ho.get("records", 0) > 300,
          "genesis hands the old state over as entry 1 (%r)" % ho)
    check(b"master_key copied\n" in r.stdout and
          b"master_check copied\n" in r.stdout and
          all(read(os.path.join(new, f)) == read(os.path.join(old, f)) and
              os.stat(os.path.join(new, f)).st_mode & 0o777 == 0o600
              for f in ("master.key", "master.check")),
          "genesis carries the master key over (0600): the inherited owner "
          "references and subject keys stay usable")
    r2 = L("genesis", "--prev-final", final_path, "--prev-vkey", old_vkey,
           "--prev-data", old, new)
    check(r2.returncode == 0 and
          r2.stdout == r.stdout.replace(b"master_key copied\n", b"")
          .replace(b"master_check copied\n", b""),
          "genesis rerun: no-op, same report")
    # the new log serves registrations under the old trust configuration
    shutil.copytree(os.path.join(old, "trust"), os.path.join(new, "trust"))

    p_new, port_new = start(
        [lienlogd, "--data", new, "--listen", "127.0.0.1:0"],
        "/log/checkpoint",
        os.path.join(tmp, "lienlogd-new.log"))
    procs.append(p_new)
    base_new = "http://127.0.0.1:%d" % port_new
    cp_new = get(base_new + "/log/checkpoint")
    # entry 0 (the old log's final checkpoint), the state hand-over and
    # their batch's state root
    check(cp_new.startswith(NEW_ORIGIN.encode() + b"\n3\n"),
          "new log: new origin, size 3")
    r = L("genesis", "--prev-final", final_path, "--prev-vkey", old_vkey,
          "--prev-data", old, new)
    check(r.returncode == 4, "genesis while the new log runs: 4")
    typ, payload = entry0(base_new)
    check(typ == PREV_LOG_TYPE, "entry 0 has type prev_log (2)")
    check(payload == final, "entry 0 holds the old final checkpoint, "
          "byte for byte")
    chained = os.path.join(tmp, "entry0.checkpoint")
    write(chained, payload)
    r = L("verify", "checkpoint", "--vkey", old_vkey, chained)
    check(r.returncode == 0 and
          ("size: %d\n" % size_old).encode() in r.stdout,
          "entry 0 verifies with the OLD key (%r %r)" % (r.stdout, r.stderr))
    r = L("verify", "checkpoint", "--vkey", new_vkey, chained)
    check(r.returncode == 1, "... and not with the new key")
    # The auditor's chaining commands of docs/key-rotation.md, verbatim.
    sh = ("set -e; cd %s; L=%s\n"
          "$L proof make --log %s --index 0 --vkey %s --out e0.tlog-proof\n"
          "$L verify proof --vkey %s e0.tlog-proof\n"
          "sed -n 's/^extra //p' e0.tlog-proof | base64 -d > e0.entry\n"
          "head -c 19 e0.entry | tail -c 2 | od -An -tx1\n"
          "tail -c +52 e0.entry > prev.checkpoint\n"
          "$L verify checkpoint --vkey %s prev.checkpoint\n"
          "cmp prev.checkpoint %s\n") % (
              tmp, lienlog, base_new, new_vkey, new_vkey, old_vkey,
              final_path)
    r = subprocess.run(["/bin/sh", "-c", sh], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    check(r.returncode == 0 and b" 00 02\n" in r.stdout,
          "auditor's chaining commands (docs) pass (%r %r)" %
          (r.stdout[-300:], r.stderr[-300:]))
    r = L("audit", old)
    check(r.returncode == 0 and r.stdout.startswith(b"audit OK"),
          "audit old passes (%r)" % r.stderr)
    r = L("audit", new)
    check(r.returncode == 3 and b"--prev" in r.stderr,
          "audit new without the old store: 3, says --prev (%r)" % r.stderr)
    r = L("audit", "--prev", old, new)
    check(r.returncode == 0 and r.stdout.startswith(b"audit OK") and
          b"handed over" in r.stdout,
          "audit new --prev old passes: the hand-over verified against the "
          "old store (%r %r)" % (r.stdout, r.stderr))
    for base, vk in ((base_old, old_vkey), (base_new, new_vkey)):
        r = L("monitor", "--log", base, "--vkey", vk)
        check(r.returncode == 0, "monitor %s: 0 (%r)" % (base, r.stderr))

    # ---- 5. mirrors switch keys ---------------------------------------
    sink = os.path.join(tmp, "new.jsonl")
    r = L("sync", "--log", base_new, "--vkey", new_vkey, "--state",
          os.path.join(tmp, "m-new"), "--sink", "file:" + sink, "--all",
          "--once")
    check(r.returncode == 0, "sync of the new log with the new key: 0 (%r)"
          % r.stderr)
    lines = read(sink).splitlines() if os.path.exists(sink) else []
    check(len(lines) == 3 and b'"type":2' in lines[0] and
          b'"index":0' in lines[0] and b'"type":25' in lines[1] and
          b'"type":3' in lines[2],
          "the mirror received entry 0, the hand-over and their state root")
    r = L("sync", "--log", base_new, "--vkey", old_vkey, "--state",
          os.path.join(tmp, "m-wrong"), "--sink",
          "file:" + os.path.join(tmp, "wrong.jsonl"), "--all", "--once")
    check(r.returncode == 12, "sync of the new log with the OLD key: 12 "
          "(got %d %r)" % (r.returncode, r.stderr))
    check(not os.path.exists(os.path.join(tmp, "wrong.jsonl")) or
          read(os.path.join(tmp, "wrong.jsonl")) == b"",
          "nothing delivered under the wrong key")
    r = L("sync", "--log", base_old, "--vkey", old_vkey, "--state",
          os.path.join(tmp, "m-old"), "--sink",
          "file:" + os.path.join(tmp, "old.jsonl"), "--once")
    check(r.returncode == 0, "sync of the frozen old log: 0 (%r)" % r.stderr)

    # ---- 5b. the old log's lien, released in the new log ----------------
    rid = release_lien(d, base_new, *lien, size_old)
    sink2 = os.path.join(tmp, "new-records.jsonl")
    r = L("sync", "--log", base_new, "--vkey", new_vkey, "--state",
          os.path.join(tmp, "m-new2"), "--sink", "file:" + sink2, "--once")
    recs = [json.loads(x) for x in read(sink2).splitlines()] \
        if os.path.exists(sink2) else []
    check(r.returncode == 0 and len(recs) == 1 and
          recs[0]["kind"] == "mortgage_released" and
          recs[0]["application"]["index"] == int(rid[1:], 16) - size_old,
          "the mirror delivers the release, its application found at id - "
          "base (%r %r)" % (r.stderr[-300:], recs))
    p_new.send_signal(signal.SIGTERM)
    check(p_new.wait(60) == 0, "new lienlogd stops")
    procs.remove(p_new)
    r = L("audit", "--prev", old, new)
    check(r.returncode == 0, "audit new --prev old after the release (%r)" %
          r.stderr)
    p_new, port_new = start(
        [lienlogd, "--data", new, "--listen", "127.0.0.1:0"],
        "/log/checkpoint",
        os.path.join(tmp, "lienlogd-new2.log"))
    procs.append(p_new)
    base_new = "http://127.0.0.1:%d" % port_new
    cp_new = get(base_new + "/log/checkpoint")

    # ---- 6. witness key rotation --------------------------------------
    for name, prefix in ((W1, "w1-old"), (W1, "w1-new"), (W2, "w2")):
        r = L("witness", "keygen", "--name", name, "--out",
              os.path.join(tmp, prefix))
        check(r.returncode == 0, "witness keygen %s" % prefix)
    logs = os.path.join(tmp, "logs.conf")
    write(logs, b"log " + read(old_vkey).strip() + b"\n" +
          b"log " + read(new_vkey).strip() + b"\n")
    wport = {}
    for prefix in ("w1-old", "w1-new", "w2"):
        p, port = start(
            [lienlog, "witness", "serve", "--key",
             os.path.join(tmp, prefix + ".key"), "--data",
             os.path.join(tmp, prefix + ".data"), "--logs", logs,
             "--listen", "127.0.0.1:0"],
            "/", os.path.join(tmp, "witness-%s.log" % prefix))
        procs.append(p)
        wport[prefix] = port
    # The old log's final checkpoint is published to the witnesses.
    final_cos = {k: cosign(wport[k], final) for k in wport}
    # The new log's checkpoint, cosigned by each.
    new_cos = {k: cosign(wport[k], cp_new) for k in wport}
    check(final_cos["w1-old"] != final_cos["w1-new"],
          "old and new key of w1 give different cosignatures")

    proof = os.path.join(tmp, "e0.tlog-proof")
    r = L("proof", "make", "--log", base_new, "--index", "0", "--out", proof,
          "--vkey", new_vkey)
    check(r.returncode == 0, "proof make (%r)" % r.stderr)
    head = read(proof).split(b"\n\n", 1)[0] + b"\n\n"

    def verify(signers, policy, quorum, want, what):
        f = os.path.join(tmp, "p-%s.tlog-proof" % "-".join(signers))
        write(f, head + cp_new + b"".join(new_cos[k] for k in signers))
        args = ["verify", "proof", "--vkey", new_vkey]
        for k in policy:
            args += ["--witness", os.path.join(tmp, k + ".vkey")]
        r = L(*(args + ["--quorum", str(quorum), f]))
        check(r.returncode == want, "%s: exit %d (got %d %r)" %
              (what, want, r.returncode, r.stderr[-300:]))

    overlap = ("w1-old", "w1-new", "w2")
    verify(("w1-new", "w2"), overlap, 2, 0,
           "overlap policy, new key of w1 + w2")
    verify(("w1-old", "w2"), overlap, 2, 0,
           "overlap policy, old key of w1 + w2 (still accepted)")
    verify(("w1-old", "w1-new"), overlap, 2, 1,
           "overlap policy, both keys of w1: one witness, quorum 2 missed")
    verify(("w1-old", "w1-new", "w2"), overlap, 2, 0,
           "overlap policy, all three lines")
    verify(("w1-old", "w2"), ("w1-new", "w2"), 2, 1,
           "after the overlap, w1's old key no longer counts")
    verify(("w1-new", "w2"), ("w1-new", "w2"), 2, 0,
           "after the overlap, new key of w1 + w2")
    # The old log's final checkpoint, cosigned, ends the old log for
    # mirrors and courts: a proof of its last entry verifies under the
    # witness policy with w1's new key.
    proof_old = os.path.join(tmp, "last.tlog-proof")
    r = L("proof", "make", "--log", base_old, "--index", str(size_old - 1),
          "--out", proof_old, "--vkey", old_vkey)
    check(r.returncode == 0, "proof make on the frozen log (%r)" % r.stderr)
    fin = os.path.join(tmp, "last-cosigned.tlog-proof")
    write(fin, read(proof_old).split(b"\n\n", 1)[0] + b"\n\n" + final +
          final_cos["w1-new"] + final_cos["w2"])
    r = L("verify", "proof", "--vkey", old_vkey, "--witness",
          os.path.join(tmp, "w1-new.vkey"), "--witness",
          os.path.join(tmp, "w2.vkey"), "--quorum", "2", fin)
    check(r.returncode == 0, "last entry of the old log under the cosigned "
          "final checkpoint: 0 (%r)" % r.stderr[-300:])

if __name__ == "__main__":
    sys.exit(main())
