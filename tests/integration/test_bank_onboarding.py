#!/usr/bin/python3
"""A new bank goes from nothing to a registered mortgage, the way an
integration team would (issue 3, "Done when"):

  1. `lienlog keygen --type ed25519|sm2` makes the bank's signing key;
  2. `lienlog csr` makes a PKCS#10 request with the bank's credit code;
  3. the institution CA (the demo's, with the openssl CLI) issues the
     certificate; `lienlog cert-fingerprint` gives the keyid;
  4. before filing, the bank's signed request is refused (unknown_keyid);
  5. the administrator files the bank with `lienlog submit`;
  6. the bank's requests signed with `lienlog submit` pass, and so does one
     signed by an independent RFC 9421 implementation (Python
     cryptography); a mortgage with a face token gets a 201 receipt that
     `lienlog verify inclusion` checks offline;
  7. after the administrator suspends the bank, it is refused
     (party_suspended).

Real lienlogd --demo on 127.0.0.1 with a temp LMDB store; the demo's CA,
admin, registry and face-ID issuer keys play the other parties.
Usage: test_bank_onboarding.py LIENLOGD LIENLOG
"""
import base64
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives import serialization

from itest import check, FAILURES as FAILS, start_demo, stop


def b64(b):
    return base64.b64encode(b).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jcs(obj):
    """RFC 8785 for our subset (integers, BMP keys): sorted, compact."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


USCC_A = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17):
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(USCC_A.index(c) * k for c, k in zip(first17, w))
    return first17 + USCC_A[(31 - s % 31) % 31]


def citizen_id(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * k
                                       for c, k in zip(first17, w)) % 11]


VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_V = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                 [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5,
                  6, 7, 8, 9]))


def vin(stem):
    s = sum((int(c) if c.isdigit() else VIN_V[c]) * w
            for c, w in zip(stem, VIN_W))
    r = s % 11
    return stem[:8] + ("X" if r == 10 else str(r)) + stem[9:]


def run(args, **kw):
    return subprocess.run(args, capture_output=True, timeout=120, **kw)


class Tools:
    def __init__(self, lienlog, url, tmp):
        self.lienlog, self.url, self.tmp = lienlog, url, tmp
        self.n = 0

    def keyid(self, cert):
        r = run([self.lienlog, "cert-fingerprint", cert])
        check(r.returncode == 0, "cert-fingerprint %s" % cert)
        return r.stdout.decode().strip()

    def submit(self, key, cert, path, obj, method="POST"):
        """`lienlog submit`: returns (exit code, JSON answer or None)."""
        self.n += 1
        body = os.path.join(self.tmp, "body%d.json" % self.n)
        with open(body, "wb") as f:
            f.write(json.dumps(obj, ensure_ascii=False).encode())
        r = run([self.lienlog, "submit", "--key", key, "--keyid",
                 self.keyid(cert), "--url", self.url + path, "--body", body])
        try:
            ans = json.loads(r.stdout)
        except ValueError:
            ans = None
        return r.returncode, ans, r


def python_signed_post(port, key_path, keyid, path, obj):
    """An independent RFC 9421 signer (Python cryptography, Ed25519)."""
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    body = json.dumps(obj).encode()
    digest = "sha-256=:%s:" % b64(hashlib.sha256(body).digest())
    authority = "127.0.0.1:%d" % port
    params = ('("@method" "@authority" "@path" "content-digest");'
              'created=%d;nonce="%s";keyid="%s";alg="ed25519"' %
              (int(time.time()), b64url(os.urandom(16)), keyid))
    base = ('"@method": POST\n"@authority": %s\n"@path": %s\n'
            '"content-digest": %s\n"@signature-params": %s' %
            (authority, path, digest, params))
    sig = key.sign(base.encode())
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "Content-Digest": digest,
            "Signature-Input": "sig1=" + params,
            "Signature": "sig1=:%s:" % b64(sig)})
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def face_token(issuer_key, sub, application, aud, bank):
    """The owner's face token, bound to the application digest of `bank`
    (docs/identity.md "Application digest")."""
    with open(issuer_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    now = int(time.time())
    head = b64url(jcs({"alg": "EdDSA", "kid": "demo-face-01", "typ": "JWT"}))
    digest = hashlib.sha256(jcs({"application": application,
                                 "mortgagee": bank,
                                 "step": "mortgage_application"})).digest()
    claims = {"iss": "https://face.demo.lienlog.cn", "aud": aud,
              "iat": now - 5, "exp": now + 300, "sub": sub,
              "nonce": b64url(digest),
              "liveness": 9900, "match": 9800}
    body = b64url(jcs(claims))
    return head + "." + body + "." + b64url(key.sign((head + "." + body)
                                                     .encode()))


def issue_cert(tmp, demo, csr, out, sm2):
    """The institution CA signs the bank's CSR (openssl CLI)."""
    ext = os.path.join(tmp, "leaf.ext")
    with open(ext, "w") as f:
        f.write("[v3]\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n")
    args = ["openssl", "x509", "-req", "-in", csr,
            "-CA", os.path.join(demo, "institution-ca.pem"),
            "-CAkey", os.path.join(demo, "institution-ca.key"),
            "-CAcreateserial", "-days", "30", "-sha256",
            "-extfile", ext, "-extensions", "v3", "-out", out]
    if sm2:
        # The CSR itself is SM2-signed with the GM/T 0009 default ID.
        args[3:3] = ["-vfyopt", "distid:1234567812345678"]
    r = run(args)
    return check(r.returncode == 0, "CA issues the certificate: %s" %
                 r.stderr.decode(errors="replace")[-300:])


def onboard(t, tmp, demo, data, port, kind, code17, admin, registry):
    """One bank of key type kind, from keygen to a passing request."""
    prefix = os.path.join(tmp, "bank-" + kind)
    r = run([t.lienlog, "keygen", "--type", kind, "--out", prefix])
    check(r.returncode == 0, "%s: keygen --type" % kind)
    check(os.stat(prefix + ".key").st_mode & 0o777 == 0o600,
          "%s: key file is 0600" % kind)
    code = uscc(code17)
    csr = prefix + ".csr"
    r = run([t.lienlog, "csr", "--key", prefix + ".key", "--subject",
             "/CN=Bank %s/O=Bank %s/organizationIdentifier=NTRCN-%s" %
             (kind, kind, code), "--out", csr])
    check(r.returncode == 0, "%s: csr: %s" % (kind, r.stderr[-200:]))
    cert = prefix + ".pem"
    if not issue_cert(tmp, demo, csr, cert, kind == "sm2"):
        return None
    key = prefix + ".key"
    owner = citizen_id("33040219800101123")

    # 4. not filed yet: refused, nothing appended.
    rc, ans, _ = t.submit(key, cert, "/v1/identity-commitments",
                          {"id_number": owner})
    check(rc == 1 and ans is not None and ans.get("code") == "unknown_keyid",
          "%s: unfiled bank refused with unknown_keyid: %r" % (kind, ans))

    # 5. the administrator files the bank; its receipt verifies offline.
    with open(cert) as f:
        pem = f.read()
    rc, ans, r = t.submit(admin[0], admin[1], "/v1/institutions",
                          {"uscc": code, "name": "Bank " + kind,
                           "certificate": pem})
    check(rc == 0 and ans is not None and "index" in ans,
          "%s: admin files the bank: %r %s" % (kind, ans,
                                                r.stderr[-200:]))
    if ans is not None and "index" in ans:
        rpath = prefix + ".filing-receipt.json"
        with open(rpath, "wb") as f:
            f.write(r.stdout)
        v = run([t.lienlog, "verify", "inclusion", "--vkey",
                 os.path.join(data, "log.vkey"), "--proof", rpath])
        check(v.returncode == 0, "%s: filing receipt verifies offline: %s"
              % (kind, v.stderr[-200:]))

    # 6. the filed bank's signed request passes.
    rc, ans, _ = t.submit(key, cert, "/v1/identity-commitments",
                          {"id_number": owner})
    check(rc == 0 and ans is not None and "commitment" in ans,
          "%s: filed bank's signed request passes: %r" % (kind, ans))
    return {"key": key, "cert": cert, "uscc": code, "owner": owner,
            "commitment": ans.get("commitment") if ans else None}


def main():
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lienlog-onboard-")
    data = os.path.join(tmp, "data")
    srv, port = start_demo(lienlogd, data, os.path.join(tmp, "lienlogd.log"))
    try:
        demo = os.path.join(data, "demo")
        with open(os.path.join(data, "trust", "config.json")) as f:
            aud = json.load(f)["registry"]
        t = Tools(lienlog, "http://127.0.0.1:%d" % port, tmp)
        admin = (os.path.join(demo, "admin.key"),
                 os.path.join(demo, "admin.pem"))
        registry = (os.path.join(demo, "registry.key"),
                    os.path.join(demo, "registry.pem"))

        ed = onboard(t, tmp, demo, data, port, "ed25519",
                     "91330400MA2C00001", admin, registry)
        sm = onboard(t, tmp, demo, data, port, "sm2", "91330400MA2C00002",
                     admin, registry)
        check(sm is not None, "SM2 bank onboarded")
        if ed is None:
            return 1

        # An independent RFC 9421 implementation, same new key: passes.
        st, ans = python_signed_post(port, ed["key"], t.keyid(ed["cert"]),
                                     "/v1/identity-commitments",
                                     {"id_number": ed["owner"]})
        check(st == 200 and ans.get("commitment") == ed["commitment"],
              "Python-signed request of the new bank passes: %r" % ans)

        # A mortgage by the new bank: the registry records the vehicle,
        # the owner's face token binds this application; 201 receipt.
        v = vin("LSJA24U6XJG26" + "9226")
        rc, ans, _ = t.submit(registry[0], registry[1], "/v1/vehicles",
                              {"vin": v, "plate": "浙F54321",
                               "plate_type": "02",
                               "certificate_number": "330100654321",
                               "owner": {"id_number": ed["owner"]}})
        check(rc == 0, "registry records the vehicle: %r" % ans)
        app = {"vin": v, "plate": "浙F54321", "plate_type": "02",
               "certificate_number": "330100654321",
               "contract_number": "C-ONBOARD-0001",
               "owner": {"id_number": ed["owner"], "name": "李四",
                         "phone": "13900000000"}}
        body = {"application": app,
                "face_token": face_token(os.path.join(demo,
                                                      "face-issuer.key"),
                                         ed["commitment"], app, aud,
                                         ed["uscc"])}
        rc, ans, r = t.submit(ed["key"], ed["cert"], "/v1/mortgages", body)
        check(rc == 0 and ans is not None and ans.get("entry_type") == 21,
              "new bank's mortgage gets a receipt: %r %s" %
              (ans, r.stderr[-200:]))
        if rc == 0:
            rpath = os.path.join(tmp, "mortgage-receipt.json")
            with open(rpath, "wb") as f:
                f.write(r.stdout)
            vr = run([lienlog, "verify", "inclusion", "--vkey",
                      os.path.join(data, "log.vkey"), "--proof", rpath])
            check(vr.returncode == 0, "mortgage receipt verifies offline")

        # 7. suspended by the administrator: refused from then on.
        rc, ans, _ = t.submit(admin[0], admin[1],
                              "/v1/institutions/%s/status" % ed["uscc"],
                              {"action": "suspend"})
        check(rc == 0, "admin suspends the bank: %r" % ans)
        rc, ans, _ = t.submit(ed["key"], ed["cert"],
                              "/v1/identity-commitments",
                              {"id_number": ed["owner"]})
        check(rc == 1 and ans is not None and
              ans.get("code") == "party_suspended",
              "suspended bank refused: %r" % ans)
    finally:
        stop(srv)
    if not FAILS:
        # Stopped cleanly: the whole store, state included, audits clean.
        a = run([lienlog, "audit", data])
        check(a.returncode == 0, "lienlog audit after onboarding: %s" %
              a.stderr.decode(errors="replace")[-300:])
    if FAILS:
        print("server log:", open(os.path.join(tmp, "lienlogd.log"))
              .read()[-2000:])
        print("%d checks failed" % len(FAILS))
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("bank onboarding: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
