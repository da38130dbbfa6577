#!/usr/bin/python3
"""Registration API end to end (docs/api-registration.md): a real lienlogd
on 127.0.0.1 over a real LMDB store in a temp dir, with a trust directory
and PKI generated now (tests/vectors/trust/mktrust.sh, plus a registry and
an auditor certificate made here), face-ID tokens minted here with
python3-cryptography, and every request signed by an RFC 9421 signer
written in this file (independent of crypto/httpsig.c).

Covers the workflow (filings, vehicle, mortgage with receipt verified
offline by `lienlog verify inclusion`, decisions, ranking, release, grey
face -> in-person review, seizure blocks and lifts), the bad-input list of
issue 4 (each: its 4xx and JSON code, tree size and state unchanged), and
finally `lienlog audit DIR`.

Usage: test_registration.py --lienlogd BIN --lienlog BIN --mktrust SH
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature
from cryptography.x509.oid import NameOID

from itest import check, FAILURES as FAILS, start_listening, \
    stop as stop_server, wait_output


def b64(b):
    return base64.b64encode(b).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jcs(obj):
    """RFC 8785 for our subset (no reals, BMP keys): sorted, compact."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# ---- identifiers with their check characters -----------------------------

VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_V = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                 [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5,
                  6, 7, 8, 9]))


def vin(stem):
    """stem: 17 chars, position 9 ignored."""
    s = sum((int(c) if c.isdigit() else VIN_V[c]) * w
            for c, w in zip(stem, VIN_W))
    r = s % 11
    return stem[:8] + ("X" if r == 10 else str(r)) + stem[9:]


def citizen_id(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * k
                                       for c, k in zip(first17, w)) % 11]


USCC_A = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17):
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(USCC_A.index(c) * k for c, k in zip(first17, w))
    return first17 + USCC_A[(31 - s % 31) % 31]


def bad_check(s, pos, alphabet):
    """The same identifier with a wrong character at pos."""
    c = s[pos]
    for a in alphabet:
        if a != c:
            return s[:pos] + a + s[pos + 1:]
    raise AssertionError


# ---- keys, certificates, tokens ---------------------------------------------

class Signer:
    def __init__(self, name, key_pem_path, cert_pem_path):
        self.name = name
        self.key_path = key_pem_path
        with open(key_pem_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        with open(cert_pem_path, "rb") as f:
            self.cert_pem = f.read().decode()
        der = x509.load_pem_x509_certificate(
            self.cert_pem.encode()).public_bytes(serialization.Encoding.DER)
        self.keyid = hashlib.sha256(der).hexdigest()
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            self.alg = "ed25519"
        else:
            self.alg = "ecdsa-p256-sha256"

    def sign(self, msg):
        if self.alg == "ed25519":
            return self.key.sign(msg)
        r, s = decode_dss_signature(self.key.sign(msg,
                                                  ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def make_leaf(out, name, cn, party=None):
    """An Ed25519 leaf under the officer root mktrust.sh made, bound to
    `party` by its subject serialNumber (docs/certificates.md "Party
    binding") when given."""
    with open(os.path.join(out, "off-root.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(out, "off-root.pem"), "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    key = ed25519.Ed25519PrivateKey.generate()
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name(
                [x509.NameAttribute(NameOID.COMMON_NAME, cn)] +
                ([x509.NameAttribute(NameOID.SERIAL_NUMBER, party)]
                 if party else [])))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2024, 1, 1))
            .not_valid_after(datetime.datetime(2034, 1, 1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False,
                                         False, False, False, False),
                           critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.
                           from_issuer_subject_key_identifier(ski.value),
                           critical=False)
            .sign(ca_key, None))
    with open(os.path.join(out, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(out, name + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def app_digest(application, bank, step="mortgage_application",
               company=None):
    """docs/identity.md "Application digest": SHA-256 of the RFC 8785 form
    of the application with the signing bank, the step and (for a company
    owner) the company's code."""
    o = {"application": application, "mortgagee": bank, "step": step}
    if company is not None:
        o["company"] = company
    return hashlib.sha256(jcs(o)).digest()


class FaceIssuer:
    ISS = "https://face.test"

    def __init__(self):
        self.key = ed25519.Ed25519PrivateKey.generate()

    def jwks(self):
        pub = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64url(pub),
                          "kid": "t-face", "use": "sig", "alg": "EdDSA",
                          "iss": self.ISS}]}

    def token(self, sub_b64url, application, bank,
              step="mortgage_application", company=None, liveness=9800,
              match=9700):
        """A face token bound to the application digest of `bank`
        (docs/identity.md "Application digest")."""
        return self.token_raw(sub_b64url, app_digest(application, bank, step,
                                                     company),
                              liveness, match)

    def token_raw(self, sub_b64url, nonce, liveness=9800, match=9700):
        now = int(time.time())
        head = b64url(jcs({"alg": "EdDSA", "kid": "t-face", "typ": "JWT"}))
        claims = {"iss": self.ISS, "aud": "lienlog.test", "iat": now - 5,
                  "exp": now + 300, "sub": sub_b64url,
                  "nonce": b64url(nonce),
                  "liveness": liveness, "match": match}
        body = b64url(jcs(claims))
        sig = self.key.sign((head + "." + body).encode())
        return head + "." + body + "." + b64url(sig)


class SmsIssuer:
    """The SMS second-verification provider (docs/identity.md "Company
    applicants: SMS attestation")."""
    ISS = "https://sms.test"

    def __init__(self):
        self.key = ed25519.Ed25519PrivateKey.generate()

    def jwks(self):
        pub = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64url(pub),
                          "kid": "t-sms", "use": "sig", "alg": "EdDSA",
                          "iss": self.ISS}]}

    def token(self, rep_phone_cm, actor_cm, org, nonce, age=5):
        now = int(time.time()) - age
        head = b64url(jcs({"alg": "EdDSA", "kid": "t-sms", "typ": "JWT"}))
        body = b64url(jcs({"iss": self.ISS, "aud": "lienlog.test",
                           "iat": now, "exp": now + 300, "sub": rep_phone_cm,
                           "act": actor_cm, "org": org,
                           "nonce": b64url(nonce)}))
        return head + "." + body + "." + b64url(
            self.key.sign((head + "." + body).encode()))


# ---- HTTP with RFC 9421 ------------------------------------------------------

class Client:
    def __init__(self, port):
        self.port = port
        self.authority = "127.0.0.1:%d" % port
        self.n = 0

    def signed_headers(self, signer, method, path, body, query=None,
                       nonce=None, created=None, digest_covered=True,
                       idem=None, idem_covered=True):
        self.n += 1
        digest = "sha-256=:%s:" % b64(hashlib.sha256(body).digest())
        comps = ["@method", "@authority", "@path"]
        if query is not None:
            comps.append("@query")
        if digest_covered:
            comps.append("content-digest")
        if idem is not None and idem_covered:
            comps.append("idempotency-key")
        nonce = nonce or b64url(os.urandom(12)) + str(self.n)
        created = created or int(time.time())
        params = "(%s);created=%d;nonce=\"%s\";keyid=\"%s\";alg=\"%s\"" % (
            " ".join('"%s"' % c for c in comps), created, nonce,
            signer.keyid, signer.alg)
        vals = {"@method": method, "@authority": self.authority,
                "@path": path, "@query": "?" + (query or ""),
                "content-digest": digest, "idempotency-key": '"%s"' % idem}
        base = "".join('"%s": %s\n' % (c, vals[c]) for c in comps)
        base += '"@signature-params": ' + params
        sig = signer.sign(base.encode())
        h = {"Signature-Input": "sig1=" + params,
             "Signature": "sig1=:%s:" % b64(sig)}
        if digest_covered:
            h["Content-Digest"] = digest
        if idem is not None:
            h["Idempotency-Key"] = '"%s"' % idem
        return h

    def request(self, method, path, body=b"", signer=None, query=None,
                headers=None, nonce=None, idem=None):
        h = {}
        if body or method == "POST":
            h["Content-Type"] = "application/json"
        if signer is not None:
            h.update(self.signed_headers(signer, method, path, body, query,
                                         nonce, idem=idem))
        if headers:
            h.update(headers)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request(method, path + ("?" + query if query else ""),
                      body=body if method == "POST" else None, headers=h)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        try:
            j = json.loads(data)
        except ValueError:
            j = None
        return r.status, j, data

    def post(self, signer, path, obj, **kw):
        body = obj if isinstance(obj, bytes) else json.dumps(
            obj, ensure_ascii=False).encode()
        return self.request("POST", path, body, signer, **kw)

    def get(self, path, signer=None, query=None):
        return self.request("GET", path, b"", signer, query)

    def tree_size(self):
        st, j, _ = self.get("/healthz")
        assert st == 200, st
        return j["tree_size"]


def uuid7(ms=None):
    """RFC 9562 5.7: 48-bit Unix ms, version 7, variant 10, random."""
    ms = int(time.time() * 1000) if ms is None else ms
    b = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def raw(port, data, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(rest) >= int(line.split(b":")[1]):
                            return out
    except socket.timeout:
        pass
    finally:
        s.close()
    return out


def raw_status(resp):
    try:
        line = resp.split(b"\r\n", 1)[0].split()
        code = json.loads(resp.partition(b"\r\n\r\n")[2]).get("code")
        return int(line[1]), code
    except (IndexError, ValueError):
        return None, None


# ---- server ------------------------------------------------------------------


def master_key_path(data):
    """The master key lives outside the data folder (docs/privacy.md)."""
    return os.path.join(os.path.dirname(data), "keys", "master.key")


def sealed_box_len(data, index):
    """Bytes of entry index's sealed box as stored (its own record while
    its bundle is incomplete), read with mdb_dump (lmdb-utils) beside the
    running server (a read-only LMDB reader); None if it is not there."""
    out = subprocess.run(["mdb_dump", "-s", "sealed", data], check=True,
                         capture_output=True, text=True).stdout
    kv = [l[1:] for l in out.split("HEADER=END\n", 1)[1].splitlines()
          if l.startswith(" ")]
    want = "%016x" % index
    for k, v in zip(kv[0::2], kv[1::2]):
        if k == want:
            return len(v) // 2
    return None


def start_server(lienlogd, data, logpath, extra=()):
    """lienlogd over DATA on a port the kernel picks
    (itest.start_listening): (proc, port) once /healthz answers with a
    tree size."""
    mk = master_key_path(data)
    os.makedirs(os.path.dirname(mk), mode=0o700, exist_ok=True)

    def up(port):
        if not Client(port).tree_size() >= 0:
            raise OSError("no tree size")
    return start_listening(
        [lienlogd, "--data", data, "--listen", "127.0.0.1:0", "--threads",
         "8", "--body-timeout-ms", "1500", "--master-key", mk] +
        list(extra), logpath, up)


# ---- the test ----------------------------------------------------------------

def expect(res, status, code, what):
    st, j, data = res
    ok = st == status and (code is None or (j is not None and
                                            j.get("code") == code))
    check(ok, "%s: want %d %s, got %d %s" % (what, status, code, st,
                                             data[:200]))
    return j


class State:
    """Tree size and the views a refusal must leave unchanged."""

    def __init__(self, cl, officer, paths):
        self.cl, self.officer, self.paths = cl, officer, paths

    def snap(self):
        out = [self.cl.tree_size()]
        for p in self.paths:
            out.append(self.cl.get(p, self.officer)[2])
        return out


def refused(cl, st, res, status, code, what):
    before = st.snap() if st else None
    expect(res() if callable(res) else res, status, code, what)
    if st:
        check(st.snap() == before, "%s: tree size or state changed" % what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--mktrust", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lienlog-reg-")
    proc, finished = None, False
    try:
        proc = run(a, tmp)
        finished = True
    finally:
        if proc is not None:
            stop_server(proc)
        if finished and not FAILS:     # an exception keeps the logs too
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept", tmp)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


def run(a, tmp):
    pki = os.path.join(tmp, "pki")
    subprocess.run(["sh", a.mktrust, pki], check=True,
                   stdout=subprocess.DEVNULL)
    make_leaf(pki, "registry", "registry mirror", "registry-zj")
    make_leaf(pki, "auditor", "auditor 01", "auditor-01")
    make_leaf(pki, "auditor-unbound", "auditor 02")
    face = FaceIssuer()
    sms = SmsIssuer()
    data = os.path.join(tmp, "data")
    os.mkdir(data, 0o700)
    shutil.copytree(os.path.join(pki, "trust"), os.path.join(data, "trust"))
    with open(os.path.join(data, "trust", "config.json"), "w") as f:
        json.dump({"registry": "lienlog.test"}, f)
    with open(os.path.join(data, "trust", "face-issuers.jwks"), "w") as f:
        json.dump(face.jwks(), f)
    with open(os.path.join(data, "trust", "sms-issuers.jwks"), "w") as f:
        json.dump(sms.jwks(), f)
    # docs/api-registration.md: rules.json over the defaults
    with open(os.path.join(data, "trust", "rules.json"), "w") as f:
        json.dump({"release_soon_ms": 0}, f)
    subprocess.run([a.lienlog, "keygen", "--name", "lienlog.test/log",
                    "--out", os.path.join(data, "log")], check=True,
                   stdout=subprocess.DEVNULL)
    logpath = os.path.join(tmp, "lienlogd.out")
    proc, port = start_server(a.lienlogd, data, logpath)
    check(os.stat(master_key_path(data)).st_mode & 0o777 == 0o600,
          "master key created 0600 outside the data folder")
    check(not os.path.exists(os.path.join(data, "master.key")),
          "no master key in the data folder")
    check(os.path.exists(os.path.join(data, "master.check")),
          "master.check records the key's check value")
    cl = Client(port)

    admin = Signer("admin", os.path.join(pki, "admin-ed25519.key"),
                   os.path.join(pki, "admin-ed25519.pem"))
    bank_a = Signer("bank A", os.path.join(pki, "bank-ed25519.key"),
                    os.path.join(pki, "bank-ed25519.pem"))
    bank_b = Signer("bank B", os.path.join(pki, "bank-p256.key"),
                    os.path.join(pki, "bank-p256.pem"))
    officer = Signer("officer", os.path.join(pki, "officer-ed25519.key"),
                     os.path.join(pki, "officer-ed25519.pem"))
    registry = Signer("registry", os.path.join(pki, "registry.key"),
                      os.path.join(pki, "registry.pem"))
    auditor = Signer("auditor", os.path.join(pki, "auditor.key"),
                     os.path.join(pki, "auditor.pem"))
    uscc_a = uscc("91330400MA2B00001")
    uscc_b = uscc("91330400MA2B00002")

    # ---- filings ----------------------------------------------------------
    expect(cl.post(bank_a, "/v1/mortgages", {}), 401, "unknown_keyid",
           "unfiled bank")
    for who, body in (
            ("bank A", {"uscc": uscc_a, "name": "Test Bank A",
                        "contact": "0573-82286000",
                        "certificate": bank_a.cert_pem}),
            ("bank B", {"uscc": uscc_b, "name": "Test Bank B",
                        "certificate": bank_b.cert_pem})):
        j = expect(cl.post(admin, "/v1/institutions", body), 201, None,
                   "file " + who)
        check(j and j["entry_type"] == 16, "filing entry type")
    for party, role, s in (("officer-0001", "officer", officer),
                           ("registry-zj", "registry", registry),
                           ("auditor-01", "auditor", auditor)):
        expect(cl.post(admin, "/v1/parties",
                       {"party": party, "role": role, "name": party,
                        "certificate": s.cert_pem}), 201, None,
               "file " + party)

    # ---- a certificate is bound to the party it is filed for --------------
    bank_c = uscc("91330400MA2B00003")
    with open(os.path.join(pki, "bank-sm2.pem")) as f:
        sm2_pem = f.read()
    with open(os.path.join(pki, "auditor-unbound.pem")) as f:
        unbound_pem = f.read()
    st = State(cl, officer, ["/v1/vehicles/" + vin("LSVAU2180N2183294")])
    for what, path, body, code in (
            ("bank B's certificate filed for bank C", "/v1/institutions",
             {"uscc": bank_c, "name": "Bank C",
              "certificate": bank_b.cert_pem}, "certificate_party_mismatch"),
            ("bank B's certificate refiled for bank A", "/v1/institutions",
             {"uscc": uscc_a, "name": "Test Bank A",
              "certificate": bank_b.cert_pem}, "certificate_party_mismatch"),
            ("a bank certificate naming no credit code", "/v1/institutions",
             {"uscc": bank_c, "name": "Bank C", "certificate": sm2_pem},
             "certificate_party_missing"),
            ("the officer's certificate filed for another officer",
             "/v1/parties", {"party": "officer-0002", "role": "officer",
                             "name": "officer 0002",
                             "certificate": officer.cert_pem},
             "certificate_party_mismatch"),
            ("the registry's certificate filed as an auditor",
             "/v1/parties", {"party": "auditor-02", "role": "auditor",
                             "name": "auditor 02",
                             "certificate": registry.cert_pem},
             "certificate_party_mismatch"),
            ("a party certificate without a serialNumber", "/v1/parties",
             {"party": "auditor-02", "role": "auditor", "name": "auditor 02",
              "certificate": unbound_pem}, "certificate_party_missing")):
        refused(cl, st, lambda: cl.post(admin, path, body), 422, code, what)

    # ---- vehicles -----------------------------------------------------------
    v1 = vin("LSVAU2180N2183294")
    v2 = vin("LFV2A21K0A3041234")
    o1 = citizen_id("11010519491231002")
    o2 = citizen_id("33010219800101123")
    for v, o, plate in ((v1, o1, "浙F12345"), (v2, o2, "浙A8B8C8")):
        expect(cl.post(registry, "/v1/vehicles",
                       {"vin": v, "plate": plate, "plate_type": "02",
                        "certificate_number": "330100123456",
                        "owner": {"id_number": o}}), 201, None,
               "record vehicle")

    def commitment(signer, idn):
        j = expect(cl.post(signer, "/v1/identity-commitments",
                           {"id_number": idn}), 200, None, "commitment")
        return j["commitment"]

    c1 = commitment(bank_a, o1)
    check(c1 == commitment(registry, o1), "commitments are comparable")
    c2 = commitment(bank_a, o2)

    def mortgage_body(v, owner, cm, contract, plate="浙F12345", bank=None,
                      **scores):
        app = {"vin": v, "plate": plate, "plate_type": "02",
               "certificate_number": "330100123456",
               "contract_number": contract,
               "owner": {"id_number": owner, "name": "张三",
                         "phone": "13800000000"}}
        return {"application": app,
                "face_token": face.token(cm, app, bank or uscc_a,
                                         **scores)}

    # ---- mortgage by bank A -> receipt verified offline --------------------
    body_a = mortgage_body(v1, o1, c1, "A-2026-0001")
    body_bytes = json.dumps(body_a, ensure_ascii=False).encode()
    key_a = uuid7()
    n0 = cl.tree_size()
    res = cl.post(bank_a, "/v1/mortgages", body_bytes, idem=key_a)
    ra = expect(res, 201, None, "mortgage A")
    check(ra["status"] == "submitted" and ra["entry_type"] == 21 and
          ra["index"] == n0 and ra["tree_size"] == n0 + 2,   # + state root
          "receipt of mortgage A: %r" % {k: ra[k] for k in
                                          ("status", "index", "tree_size")})
    rpath = os.path.join(tmp, "receipt.json")
    with open(rpath, "wb") as f:
        f.write(res[2])
    v = subprocess.run([a.lienlog, "verify", "inclusion", "--vkey",
                        os.path.join(data, "log.vkey"), "--proof", rpath],
                       capture_output=True)
    check(v.returncode == 0, "lienlog verify inclusion receipt: %s" %
          v.stderr.decode(errors="replace")[:300])
    app_a = ra["application_id"]

    retries(cl, bank_a, registry, officer, body_bytes, key_a, ra, v1, face,
            c1, uscc_a)
    # replayed nonce with another body
    hdr = cl.signed_headers(bank_a, "POST", "/v1/identity-commitments",
                            b'{"id_number":"%s"}' % o1.encode(),
                            nonce="nonce-x")
    # (commitments append nothing, so the nonce is not remembered: use a
    # logged request to exercise the replay window)
    body_x = mortgage_body(v2, o2, c2, "A-2026-0099")
    bx = json.dumps(body_x).encode()
    decide = "/v1/applications/%s/decision" % app_a
    dbody = b'{"decision":"approve"}'
    # one created time for both: the sequencer remembers a nonce under
    # (created, nonce) (registry_nonce_key), so a second signature made a
    # second later under load would carry another nonce key, not a replay
    t_nonce = int(time.time())
    nonce_hdr = cl.signed_headers(officer, "POST", decide, dbody,
                                  nonce="officer-nonce-1", created=t_nonce)
    r = cl.request("POST", decide, dbody, headers=nonce_hdr)
    j = expect(r, 201, None, "officer approves A")
    check(j and j["status"] == "approved", "A approved")
    st = State(cl, officer, ["/v1/applications/" + app_a,
                             "/v1/vehicles/" + v1, "/v1/vehicles/" + v2])
    other = b'{"decision":"reject","reason":"x"}'
    h2 = cl.signed_headers(officer, "POST", decide, other,
                           nonce="officer-nonce-1", created=t_nonce)
    refused(cl, st, lambda: cl.request("POST", decide, other, headers=h2),
            401, "nonce_replayed", "replayed nonce")

    # ---- GET application: status and timeline -------------------------------
    j = expect(cl.get("/v1/applications/" + app_a, bank_a), 200, None,
               "GET application by its bank")
    check(j and j["status"] == "approved" and len(j["timeline"]) == 2,
          "timeline of A: %r" % (j and j.get("timeline")))
    expect(cl.get("/v1/applications/" + app_a, bank_b), 403, "not_party",
           "GET application by another bank")
    expect(cl.get("/v1/applications/" + app_a), 401, "signature_missing",
           "GET application unsigned")

    # ---- bank B ranks second --------------------------------------------------
    rb = expect(cl.post(bank_b, "/v1/mortgages",
                        mortgage_body(v1, o1, commitment(bank_b, o1),
                                      "B-2026-0001", bank=uscc_b)), 201,
                None,
                "mortgage B")
    app_b = rb["application_id"]
    check("multi_bank" not in rb["anomalies"] and
          rb["status"] == "in_person_review",
          "second bank within the window is diverted, and the bank is not "
          "told another bank applied: %r" % rb["anomalies"])
    j = expect(cl.get("/v1/applications/" + app_b, officer), 200, None,
               "GET B (officer)")
    check(j and "multi_bank" in j.get("reasons", []),
          "the officer sees multi_bank: %r" % (j and j.get("reasons")))
    j = expect(cl.get("/v1/applications/" + app_b, bank_b), 200, None,
               "GET B (its bank)")
    check(j and "multi_bank" not in j.get("reasons", []),
          "its bank does not: %r" % (j and j.get("reasons")))
    expect(cl.post(officer, "/v1/applications/%s/decision" % app_b,
                   {"decision": "approve"}), 201, None, "approve B")
    j = expect(cl.get("/v1/applications/" + app_b, officer), 200, None,
               "GET B")
    check(j and j.get("rank") == 2, "B ranks second: %r" % (j and
                                                           j.get("rank")))
    pub = expect(cl.get("/v1/vehicles/" + v1), 200, None, "public vehicle")
    # docs/privacy.md table D: dates, ranks, restrictions; no bank, no owner
    check(pub and set(pub) == {"vin", "vehicle", "recorded_ms", "recorded_at",
                               "liens", "released", "restrictions"} and
          len(pub["liens"]) == 2 and
          [m["rank"] for m in pub["liens"]] == [1, 2] and
          all(set(m) == {"app", "rank", "registered_ms", "registered_at"}
              for m in pub["liens"]),
          "public view holds dates and ranks only: %r" % pub)
    full = expect(cl.get("/v1/vehicles/" + v1, officer), 200, None,
                  "officer vehicle")
    check(full and [x.get("mortgagee") for x in full["liens"]] ==
          [uscc_a, uscc_b], "officer sees the banks: %r" % full)

    # ---- grey face -> in-person review with its reason --------------------
    rg = expect(cl.post(bank_a, "/v1/mortgages",
                        mortgage_body(v2, o2, c2, "A-2026-0002",
                                      plate="浙A8B8C8", liveness=8000)),
                201, None, "grey mortgage")
    check(rg["status"] == "in_person_review" and "face_grey" in
          rg["anomalies"], "grey face diverted: %r" % rg)
    j = expect(cl.get("/v1/applications/" + rg["application_id"], officer),
               200, None, "GET grey application")
    check(j and "face_grey" in j.get("reasons", []), "reason visible")
    q = expect(cl.get("/v1/applications", officer,
                      query="status=in_person_review&limit=10"), 200, None,
               "officer queue")
    check(q and rg["application_id"] in [i["app"] for i in q["items"]],
          "queue lists the diverted application")
    expect(cl.get("/v1/applications", bank_a, query="status=submitted"),
           403, "role_forbidden", "queue by a bank")

    # ---- evidence -----------------------------------------------------------
    j = expect(cl.get("/v1/evidence/%d" % ra["index"], auditor), 200, None,
               "evidence by auditor")
    check(j and all(j["checks"][k] is True for k in
                    ("private_commitment", "face_token", "owner_reference",
                     "sealed_digest")) and
          j["body"]["application"]["owner"]["id_number"] == o1 and
          j["signature_input"].startswith("sig1="),
          "evidence opens and matches: %r" % (j and j.get("checks")))
    expect(cl.get("/v1/evidence/%d" % ra["index"], bank_b), 403,
           "not_party", "evidence by another bank")
    # the box holds the evidence text compressed (store v19,
    # registry/evzip.h): the stored box, less the seal's 41 bytes, is
    # shorter than the signature fields and body it gives back
    blen = sealed_box_len(data, ra["index"])
    given = (len(j["signature_input"]) + len(j["signature"]) +
             len(json.dumps(j["body"], separators=(",", ":"),
                            ensure_ascii=False).encode())) if j else 0
    check(blen is not None and blen - 41 < given,
          "sealed box compressed: %r stored for %d bytes of fields" %
          (blen, given))

    signed_reads(a, cl, bank_a, officer, app_a, app_b)

    # ---- restrictions ---------------------------------------------------------
    restr = "/v1/vehicles/%s/restrictions" % v1
    expect(cl.post(registry, restr, {"action": "set", "restriction":
                                     "seized", "reference": "court 1"}),
           201, None, "seize V1")
    st = State(cl, officer, ["/v1/applications/" + app_a,
                             "/v1/applications/" + app_b,
                             "/v1/vehicles/" + v1])
    refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages", mortgage_body(
        v1, o1, c1, "A-2026-0003")), 409, "vehicle_seized",
        "mortgage on a seized vehicle")
    rel_b = {"application": {"vin": v1, "mortgage": app_b,
                             "owner": {"id_number": o1}}}
    rel_b["face_token"] = face.token(c1, rel_b["application"], uscc_b,
                                     "release_application")
    refused(cl, st, lambda: cl.post(bank_b, "/v1/releases", rel_b), 409,
            "vehicle_seized", "release on a seized vehicle")
    expect(cl.post(registry, restr, {"action": "lift", "restriction":
                                     "seized"}), 201, None, "lift")

    # ---- release by bank A of its own mortgage -> approved -------------------
    rel_a = {"application": {"vin": v1, "mortgage": app_a,
                             "owner": {"id_number": o1}}}
    rel_a["face_token"] = face.token(c1, rel_a["application"], uscc_a,
                                     "release_application")
    # the same application with the owner's token bound to bank B: B
    # passes the consent check and meets the registry's rule
    rel_a_b = dict(rel_a, face_token=face.token(
        c1, rel_a["application"], uscc_b, "release_application"))
    st = State(cl, officer, ["/v1/applications/" + app_a,
                             "/v1/applications/" + app_b,
                             "/v1/vehicles/" + v1])
    # issue 11 class 3: the owner's token for bank A's release, replayed
    # by bank B with A's body, is bound to A: 422 token_nonce
    refused(cl, st, lambda: cl.post(bank_b, "/v1/releases", rel_a), 422,
            "token_nonce", "bank B replays bank A's release and token")
    refused(cl, st, lambda: cl.post(bank_b, "/v1/releases", rel_a_b), 403,
            "not_mortgagee", "release of another bank's mortgage")
    rrel = expect(cl.post(bank_a, "/v1/releases", rel_a), 201, None,
                  "release A")
    j = expect(cl.post(officer, "/v1/applications/%s/decision" %
                       rrel["application_id"], {"decision": "approve"}),
               201, None, "approve release")
    check(j and j["status"] == "approved", "release approved")
    expect(cl.post(bank_b, "/v1/releases", rel_b), 201, None,
           "release B after the lift")

    # ---- bad input: each refused, nothing appended, state unchanged ----------
    st = State(cl, officer, ["/v1/applications/" + app_a,
                             "/v1/applications/" + app_b,
                             "/v1/vehicles/" + v1, "/v1/vehicles/" + v2])
    good = mortgage_body(v2, o2, c2, "A-2026-0010", plate="浙A8B8C8")
    cases = [
        ("malformed JSON", bank_a, "/v1/mortgages", b'{"application":',
         400, "json_invalid"),
        ("duplicate keys", bank_a, "/v1/mortgages",
         b'{"face_token":"x","face_token":"y","application":{}}', 400,
         "json_invalid"),
        ("wrong type", bank_a, "/v1/mortgages",
         dict(good, application=dict(good["application"], vin=17)), 400,
         "field_type"),
        ("unknown member", bank_a, "/v1/mortgages", dict(good, extra=1),
         400, "field_unknown"),
        ("real number", registry, restr,
         b'{"action":"set","restriction":"seized","n":1.5}', 400,
         "json_invalid"),
        ("invalid VIN check digit", bank_a, "/v1/mortgages",
         dict(good, application=dict(good["application"],
                                     vin=bad_check(v2, 8, "0123456789X"))),
         400, "vin_invalid"),
        ("invalid ID check character", bank_a, "/v1/identity-commitments",
         {"id_number": bad_check(o1, 17, "0123456789X")}, 400,
         "id_number_invalid"),
        ("invalid credit code", admin, "/v1/institutions",
         {"uscc": bad_check(uscc_a, 17, USCC_A), "name": "x",
          "certificate": bank_a.cert_pem}, 400, "uscc_invalid"),
        ("unknown application", officer,
         "/v1/applications/A000000000000ffff/decision",
         {"decision": "approve"}, 404, "application_unknown"),
        ("malformed application id", officer,
         "/v1/applications/B1/decision", {"decision": "approve"}, 400,
         "app_id_invalid"),
        ("release for a missing mortgage", bank_a, "/v1/releases",
         {"application": {"vin": v1, "mortgage": "A000000000000fff0",
                           "owner": {"id_number": o1}},
          "face_token": face.token(c1, {"vin": v1,
                                        "mortgage": "A000000000000fff0",
                                        "owner": {"id_number": o1}},
                                   uscc_a, "release_application")},
         404, "mortgage_not_found"),
        ("decision by a non-officer", bank_a,
         "/v1/applications/%s/decision" % app_b, {"decision": "approve"},
         403, "role_forbidden"),
        ("decision on a decided application", officer,
         "/v1/applications/%s/decision" % app_a, {"decision": "reject",
                                                  "reason": "late"},
         409, "already_decided"),
        ("restriction on an unknown vehicle", registry,
         "/v1/vehicles/%s/restrictions" % vin("LGBH52E05HY000001"),
         {"action": "set", "restriction": "stolen"}, 404,
         "vehicle_unknown"),
        ("face token for another application", bank_a, "/v1/mortgages",
         dict(good, face_token=face.token(c2, {"other": 1}, uscc_a)), 422,
         "token_nonce"),
        # issue 11 class 3: the digest names the bank, so another bank
        # replaying A's body with the owner's valid token is refused
        ("another bank replays bank A's body and the owner's token", bank_b,
         "/v1/mortgages", good, 422, "token_nonce"),
        ("a token bound to the bare application (no bank)", bank_a,
         "/v1/mortgages", dict(good, face_token=face.token_raw(
             c2, hashlib.sha256(jcs(good["application"])).digest())), 422,
         "token_nonce"),
        ("a mortgage token used for a release step", bank_a,
         "/v1/mortgages", dict(good, face_token=face.token(
             c2, good["application"], uscc_a, "release_application")), 422,
         "token_nonce"),
        ("face token for another person", bank_a, "/v1/mortgages",
         dict(good, face_token=face.token(c1, good["application"], uscc_a)),
         422, "token_subject"),
        ("bank filing by a bank", bank_a, "/v1/institutions",
         {"uscc": uscc_a, "name": "x", "certificate": bank_a.cert_pem},
         403, "role_forbidden"),
        ("unsigned write", None, "/v1/mortgages", good, 401,
         "signature_missing"),
    ]
    for what, signer, path, body, status, code in cases:
        refused(cl, st, lambda: cl.post(signer, path, body), status, code,
                what)
    refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages",
                                    b"x" * (300 * 1024)),
            413, "body_too_large", "oversize body")
    many = "".join("X-H%d: v\r\n" % i for i in range(70))
    for what, req, status, code in (
            (">64 headers", "POST /v1/mortgages HTTP/1.1\r\nHost: a\r\n" +
             many + "Content-Length: 2\r\n\r\n{}", 431, "too_many_headers"),
            ("Transfer-Encoding", "POST /v1/mortgages HTTP/1.1\r\nHost: a\r\n"
             "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400,
             "transfer_encoding_rejected"),
            ("duplicate Content-Length", "POST /v1/mortgages HTTP/1.1\r\n"
             "Host: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
             400, "bad_content_length"),
            ("non-digit Content-Length", "POST /v1/mortgages HTTP/1.1\r\n"
             "Host: a\r\nContent-Length: +2\r\n\r\n{}", 400,
             "bad_content_length")):
        refused(cl, st, lambda: raw_result(port, req), status, code, what)

    # ---- a slow body does not block others, and is cut off ------------------
    before = st.snap()
    slow = socket.create_connection(("127.0.0.1", port), timeout=30)
    slow.sendall(b"POST /v1/mortgages HTTP/1.1\r\nHost: a\r\n"
                 b"Content-Length: 100\r\n\r\n")
    stop = threading.Event()

    def trickle():
        for _ in range(40):
            if stop.wait(0.25):
                return
            try:
                slow.sendall(b" ")
            except OSError:
                return
    t = threading.Thread(target=trickle)
    t.start()
    others = [cl.get("/healthz")[0] for _ in range(20)]
    check(all(s == 200 for s in others), "others are served meanwhile")
    resp = b""
    try:
        while True:
            b = slow.recv(4096)
            if not b:
                break
            resp += b
    except OSError:
        pass
    stop.set()
    t.join()
    slow.close()
    check(raw_status(resp) == (408, "body_timeout"),
          "slow body cut off: %r" % resp[:120])
    check(st.snap() == before, "slow body: nothing changed")

    repeated_actions(cl, admin, registry, officer, bank_a, bank_b, uscc_a,
                     uscc_b, v2, o1, o2, c2, face)
    cli_retry(a, cl, registry, tmp)
    company_owners(cl, registry, officer, bank_a, uscc_a, face, sms)
    deliveries(cl, pki, admin, officer, bank_a, app_b,
               [rg["application_id"], app_a])
    counter(cl, registry, officer, bank_a, uscc_a, uscc_b)

    # ---- SIGHUP: a broken trust file keeps the old configuration ------------
    cfg = os.path.join(data, "trust", "config.json")
    with open(cfg) as f:
        good_cfg = f.read()
    with open(cfg, "w") as f:
        f.write("{")
    proc.send_signal(signal.SIGHUP)
    check(wait_output(logpath, b"trust reload failed", proc),
          "bad reload reported")
    with open(cfg, "w") as f:
        f.write(good_cfg)
    proc.send_signal(signal.SIGHUP)
    check(wait_output(logpath, b"trust reloaded", proc), "reload reported")
    expect(cl.post(bank_a, "/v1/identity-commitments", {"id_number": o1}),
           200, None, "requests served after reloads")

    served = statistics(cl, officer, auditor, bank_a, registry, uscc_a,
                        uscc_b)
    size = cl.tree_size()
    rc = stop_server(proc)
    check(rc == 0, "lienlogd stopped cleanly")
    stats_file = os.path.join(tmp, "statistics.json")
    au = subprocess.run([a.lienlog, "audit", data, "--statistics",
                         stats_file], capture_output=True)
    check(au.returncode == 0, "lienlog audit %s: %s" % (
        data, (au.stdout + au.stderr).decode(errors="replace")[-400:]))
    with open(stats_file, "rb") as f:
        recomputed = f.read()
    check(served == recomputed, "GET /v1/statistics equals what lienlog "
          "audit recomputes from the log:\n%s\n%s" % (served[:300],
                                                      recomputed[:300]))
    print("entries: %d" % size)
    return proc


def statistics(cl, officer, auditor, bank_a, registry, uscc_a, uscc_b):
    """GET /v1/statistics (docs/statistics.md): officers and auditors see
    every institution, a bank its own; the figures add up. Returns the
    officer's unfiltered answer (bytes) for the audit to recompute."""
    st, j, raw = cl.get("/v1/statistics", officer)
    check(st == 200 and j is not None, "statistics (officer): %d %r" % (
        st, raw[:200]))
    if st != 200:
        return raw
    t = j["total"]
    check(t["applications"] == t["by_kind"]["mortgage"] +
          t["by_kind"]["release"] == sum(t["by_outcome"].values()) ==
          t["by_channel"]["online"] + t["by_channel"]["counter"],
          "totals add up: %r" % t)
    check(t["by_channel"]["counter"] == 4 and
          t["online_share_bp"] == t["by_channel"]["online"] * 10000 //
          t["applications"] < 10000, "four counter applications counted "
          "apart: %r" % t["by_channel"])
    check(t["to_decision"]["count"] >= 1 and
          t["to_decision"]["median_ms"] <= t["to_decision"]["p90_ms"],
          "processing times: %r" % t["to_decision"])
    check(t["to_delivery"]["count"] == 1, "one certificate delivered")
    check(t["diversions"].get("face_grey", 0) >= 1 and
          "officer" in t["diversions"], "diversions by reason: %r" %
          t["diversions"])
    parties = [i["party"] for i in j["institutions"]]
    check(parties == sorted(parties) and uscc_a in parties and
          sum(i["applications"] for i in j["institutions"]) ==
          t["applications"], "per institution: %r" % parties)
    st2, j2, _ = cl.get("/v1/statistics", auditor)
    check(st2 == 200 and j2 == j, "the auditor sees the same")
    st3, j3, _ = cl.get("/v1/statistics", bank_a)
    check(st3 == 200 and j3.get("party") == uscc_a and
          [i["party"] for i in j3["institutions"]] == [uscc_a],
          "a bank sees its own only: %r" % (j3 and j3.get("institutions")))
    expect(cl.get("/v1/statistics", bank_a, query="party=" + uscc_b), 403,
           "not_party", "a bank asking for another's statistics")
    expect(cl.get("/v1/statistics", registry), 403, "role_forbidden",
           "statistics by the registry mirror")
    expect(cl.get("/v1/statistics"), 401, "signature_missing",
           "statistics unsigned")
    expect(cl.get("/v1/statistics", officer, query="from=5&to=4"), 400,
           "bad_number", "from after to")
    expect(cl.get("/v1/statistics", officer, query="since=1"), 400,
           "unknown_parameter", "unknown parameter")
    for q, code in (("from=1&from=2", "duplicate_parameter"),
                    ("from=x", "bad_number"),
                    ("to=99999999999999999", "bad_number"),
                    ("party=", "bad_query"),
                    ("party=a/b", "party_id_invalid"),
                    ("from=1&", "bad_query")):
        expect(cl.get("/v1/statistics", officer, query=q), 400, code,
               "statistics?" + q)
    st4, j4, _ = cl.get("/v1/statistics", officer, query="from=0&to=1")
    check(st4 == 200 and j4["total"]["applications"] == 0 and
          j4["institutions"] == [], "an empty period")
    return raw


def counter(cl, registry, officer, bank_a, uscc_a, uscc_b):
    """Counter applications (窗口兜底, docs/api-registration.md "Counter
    applications"): the bank issues a voucher; the officer files the
    application with the in-person identity check and the voucher. Wrong
    roles, unknown, replayed, other-bank, other-vehicle and other-contract
    vouchers and malformed bodies are refused with nothing appended; the
    accepted ones follow the online rules (decision, release) and are
    counted apart in the statistics (checked by the caller). Bank B is
    suspended by now: its name serves as the wrong bank (a voucher of
    another bank: tests/unit/test_registry.c)."""
    v8 = vin("LSGPC54U8AF100888")
    o8 = citizen_id("33040219700101888")
    expect(cl.post(registry, "/v1/vehicles",
                   {"vin": v8, "plate": "浙F88888", "plate_type": "02",
                    "certificate_number": "330100888888",
                    "owner": {"id_number": o8}}), 201, None,
           "record the counter's vehicle")
    st = State(cl, officer, ["/v1/vehicles/" + v8])
    mv = {"vin": v8, "purpose": "mortgage", "contract_number": "CT-2026-8"}
    for what, who, body, status, code in (
            ("a voucher by an officer", officer, mv, 403, "role_forbidden"),
            ("an unknown purpose", bank_a, dict(mv, purpose="loan"), 400,
             "purpose_invalid"),
            ("0 days", bank_a, dict(mv, valid_days=0), 400,
             "valid_days_invalid"),
            ("31 days", bank_a, dict(mv, valid_days=31), 400,
             "valid_days_invalid"),
            ("a mortgage voucher naming a mortgage", bank_a,
             dict(mv, mortgage="A0000000000000ff"), 400, "field_invalid"),
            ("a release voucher for no mortgage", bank_a,
             {"vin": v8, "purpose": "release",
              "mortgage": "A000000000000ffff"}, 404,
             "mortgage_not_found")):
        refused(cl, st, lambda: cl.post(who, "/v1/vouchers", body), status,
                code, what)
    j = expect(cl.post(bank_a, "/v1/vouchers", mv), 201, None,
               "bank A's voucher")
    check(j and j["entry_type"] == 31 and j["application_id"] is None and
          re.fullmatch(r"V[0-9a-f]{16}", j.get("voucher_id", "")),
          "voucher receipt: %r" % j)
    vo = j and j["voucher_id"]
    j = expect(cl.post(bank_a, "/v1/vouchers", dict(
        mv, contract_number="CT-2026-9")), 201, None, "a second voucher")
    vo2 = j and j["voucher_id"]
    app = {"vin": v8, "plate": "浙F88888", "plate_type": "02",
           "certificate_number": "330100888888",
           "contract_number": "CT-2026-8", "mortgagee": uscc_a,
           "owner": {"id_number": o8, "phone": "13900000888"}}
    body = {"application": app, "id_check": {"document": "resident_id"},
            "voucher": vo}
    path = "/v1/counter/mortgages"
    for what, who, b, status, code in (
            ("filed by the bank", bank_a, body, 403, "role_forbidden"),
            ("filed by the registry", registry, body, 403,
             "role_forbidden"),
            ("an unknown voucher", officer, dict(
                body, voucher="V000000000000ffff"), 404, "voucher_unknown"),
            ("a malformed voucher id", officer, dict(body, voucher="V12"),
             400, "voucher_id_invalid"),
            ("an unknown document", officer, dict(
                body, id_check={"document": "library_card"}), 400,
             "id_check_invalid"),
            ("a face token too", officer, dict(body, face_token="x.y.z"),
             400, "field_unknown"),
            ("another bank's name", officer, dict(body, application=dict(
                app, mortgagee=uscc_b)), 422, "voucher_bank_mismatch"),
            ("another vehicle", officer, dict(body, application=dict(
                app, vin=vin("LSVAU2180N2183294"),
                owner={"id_number": citizen_id("11010519491231002")})),
             422, "voucher_vehicle_mismatch"),
            ("another contract", officer, dict(body, application=dict(
                app, contract_number="CT-2026-9")), 422,
             "voucher_mortgage_mismatch")):
        refused(cl, st, lambda: cl.post(who, path, b), status, code, what)
    r = expect(cl.post(officer, path, body), 201, None,
               "the officer files the counter mortgage")
    check(r and r["entry_type"] == 21 and r.get("owner_code") and
          r["status"] in ("submitted", "in_person_review"),
          "counter mortgage receipt: %r" % r)
    mid = r and r["application_id"]
    j = expect(cl.get("/v1/applications/" + mid, officer), 200, None,
               "GET the counter application")
    check(j and j.get("channel") == "counter" and
          j.get("mortgagee") == uscc_a, "channel counter, bank A's: %r" % j)
    expect(cl.get("/v1/applications/" + mid, bank_a), 200, None,
           "the bank reads its counter application")
    st = State(cl, officer, ["/v1/vehicles/" + v8, "/v1/applications/" +
                             mid])
    refused(cl, st, lambda: cl.post(officer, path, body), 409,
            "voucher_used", "the voucher presented again")
    refused(cl, st, lambda: cl.post(officer, path, dict(
        body, application=dict(app, contract_number="CT-2026-9"))), 409,
        "voucher_used", "the voucher presented for another contract")
    expect(cl.post(officer, "/v1/applications/%s/decision" % mid,
                   {"decision": "approve"}), 201, None,
           "approve the counter mortgage")
    # the release: only the mortgagee's voucher; at the counter
    rv = {"vin": v8, "purpose": "release", "mortgage": mid,
          "valid_days": 1}
    j = expect(cl.post(bank_a, "/v1/vouchers", rv), 201, None,
               "the mortgagee's release voucher")
    rvo = j and j["voucher_id"]
    rel = {"application": {"vin": v8, "mortgage": mid, "mortgagee": uscc_a,
                           "owner": {"id_number": o8}},
           "id_check": {"document": "passport"}, "voucher": rvo}
    path = "/v1/counter/releases"
    refused(cl, st, lambda: cl.post(officer, path, dict(rel, voucher=vo2)),
            422, "voucher_mortgage_mismatch", "a mortgage voucher for a "
            "release")
    refused(cl, st, lambda: cl.post(officer, path, dict(
        rel, application=dict(rel["application"], mortgagee=uscc_b))), 422,
        "voucher_bank_mismatch", "a release voucher of another bank")
    r = expect(cl.post(officer, path, rel), 201, None,
               "the officer files the counter release")
    rid = r and r["application_id"]
    expect(cl.post(officer, "/v1/applications/%s/decision" % rid,
                   {"decision": "approve"}), 201, None,
           "approve the counter release")
    j = expect(cl.get("/v1/vehicles/" + v8), 200, None, "GET V8")
    check(j and j["liens"] == [] and len(j["released"]) == 1,
          "released at the counter: %r" % j)
    # a legacy release: confirmed by phone with bank A's filed contact
    r = expect(cl.post(officer, "/v1/counter/mortgages", dict(
        body, voucher=vo2, application=dict(
            app, contract_number="CT-2026-9"))), 201, None,
        "a second counter mortgage with the second voucher")
    mid = r and r["application_id"]
    expect(cl.post(officer, "/v1/applications/%s/decision" % mid,
                   {"decision": "approve"}), 201, None, "approve it")
    leg = {"application": {"vin": v8, "mortgage": mid, "mortgagee": uscc_a,
                           "owner": {"id_number": o8}},
           "id_check": {"document": "resident_id"},
           "phone_confirmation": {"contact": "0573-82286000",
                                  "bank_staff": "王经理"}}
    st = State(cl, officer, ["/v1/vehicles/" + v8, "/v1/applications/" +
                             mid])
    for what, b, status, code in (
            ("another number than the filed one", dict(
                leg, phone_confirmation={"contact": "0573-12345678",
                                         "bank_staff": "王经理"}), 409,
             "contact_mismatch"),
            ("a malformed number", dict(
                leg, phone_confirmation={"contact": "call me",
                                         "bank_staff": "王经理"}), 400,
             "contact_invalid"),
            ("both a voucher and a phone confirmation", dict(
                leg, voucher=vo2), 400, "field_unknown"),
            ("neither", {"application": leg["application"],
                         "id_check": leg["id_check"]}, 400,
             "voucher_missing")):
        refused(cl, st, lambda: cl.post(officer, path, b), status, code,
                "legacy release: " + what)
    refused(cl, st, lambda: cl.post(officer, "/v1/counter/mortgages", {
        "application": dict(app, contract_number="CT-2026-10"),
        "id_check": body["id_check"],
        "phone_confirmation": leg["phone_confirmation"]}),
        400, "field_unknown", "a phone confirmation for a mortgage")
    r = expect(cl.post(officer, path, leg), 201, None,
               "the legacy release, confirmed by phone")
    expect(cl.post(officer, "/v1/applications/%s/decision" %
                   r["application_id"], {"decision": "approve"}), 201, None,
           "approve the legacy release")
    items = json.loads(cl.get("/v1/institutions")[2])["items"]
    check([i.get("contact") for i in items if i["party"] == uscc_a] ==
          ["0573-82286000"], "the filed contact is listed: %r" % items)


def make_post_leaf(out, name, code):
    """An Ed25519 leaf of a post office under the institution root, bound
    to its credit code (organizationIdentifier NTRCN-<uscc>)."""
    with open(os.path.join(out, "inst-root.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(out, "inst-root.pem"), "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    key = ed25519.Ed25519PrivateKey.generate()
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([
                x509.NameAttribute(NameOID.COMMON_NAME, name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                x509.NameAttribute(x509.ObjectIdentifier("2.5.4.97"),
                                   "NTRCN-" + code)]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2024, 1, 1))
            .not_valid_after(datetime.datetime(2034, 1, 1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False,
                                         False, False, False, False),
                           critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.
                           from_issuer_subject_key_identifier(ski.value),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(out, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(out, name + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def deliveries(cl, pki, admin, officer, bank_a, app, not_approved):
    """EMS certificate delivery (docs/registry.md "Certificate delivery"):
    the post office filed under its credit code; picked up (tracking
    number), endorsed by the officer, dispatched, returned, dispatched
    again, delivered: complete. Wrong roles, out-of-order events, events
    for an application not approved and after delivery are refused with
    nothing appended."""
    code = uscc("91330400MA2B00009")
    make_post_leaf(pki, "post", code)
    post = Signer("post", os.path.join(pki, "post.key"),
                  os.path.join(pki, "post.pem"))
    refused(cl, State(cl, officer, []), lambda: cl.post(
        admin, "/v1/parties", {"party": "post-jx", "role": "post",
                               "name": "EMS", "certificate": post.cert_pem}),
        400, "uscc_invalid", "a post office is filed under a credit code")
    j = expect(cl.post(admin, "/v1/parties",
                       {"party": code, "role": "post",
                        "name": "中国邮政速递物流嘉兴分公司",
                        "certificate": post.cert_pem}), 201, None,
               "file the post office")
    check(j and j["entry_type"] == 18, "post office filing entry type")
    path = "/v1/applications/%s/delivery" % app
    pick = {"event": "picked_up", "tracking_number": "EA123456789CN"}
    st = State(cl, officer, ["/v1/applications/" + app])
    pending = None
    for other in not_approved:
        s_, k, _ = cl.get("/v1/applications/" + other, officer)
        if s_ == 200 and k["status"] not in ("approved", "released"):
            pending = other
            break
    check(pending is not None, "an application not approved to try on")
    if pending:
        refused(cl, st, lambda: cl.post(
            post, "/v1/applications/%s/delivery" % pending, pick), 409,
            "application_not_approved", "delivery of an undecided "
            "application")
    for what, who, body, status, code_ in (
            ("dispatch before pick-up", post, {"event": "dispatched"}, 409,
             "delivery_out_of_order"),
            ("pick-up without a tracking number", post,
             {"event": "picked_up"}, 400, "tracking_required"),
            ("pick-up by a bank", bank_a, pick, 403, "role_forbidden"),
            ("pick-up by an officer", officer, pick, 403, "role_forbidden"),
            ("endorsement by the post office", post, {"event": "endorsed"},
             403, "role_forbidden"),
            ("unknown event", post, {"event": "lost"}, 400,
             "event_invalid"),
            ("tracking number with a delivery", post,
             {"event": "delivered", "tracking_number": "EA1CN"}, 400,
             "tracking_invalid"),
            ("unknown member", post, dict(pick, extra=1), 400,
             "field_unknown")):
        refused(cl, st, lambda: cl.post(who, path, body), status, code_,
                what)
    refused(cl, st, lambda: cl.post(
        post, "/v1/applications/A000000000000ffff/delivery", pick), 404,
        "application_unknown", "delivery of an unknown application")
    steps = []
    for who, body in ((post, pick), (officer, {"event": "endorsed"}),
                      (post, {"event": "dispatched"}),
                      (post, {"event": "returned"}),
                      (post, {"event": "dispatched",
                              "tracking_number": "EA123456790CN"}),
                      (post, {"event": "delivered"})):
        j = expect(cl.post(who, path, body), 201, None,
                   "delivery " + body["event"])
        check(j and j["entry_type"] == 30 and
              j["application_id"] == app, "delivery receipt: %r" % j)
        steps.append(body["event"])
        if body["event"] == "picked_up":
            refused(cl, st, lambda: cl.post(post, path, pick), 409,
                    "delivery_out_of_order", "a second pick-up")
        if body["event"] == "dispatched" and len(steps) == 3:
            s_, k, _ = cl.get("/v1/applications/" + app, officer)
            check(k and k.get("delivery") == "dispatched" and
                  "complete" not in k, "not complete before delivery: "
                  "%r" % k)
    j = expect(cl.get("/v1/applications/" + app, officer), 200, None,
               "GET delivered application")
    check(j and j.get("delivery") == "delivered" and
          j.get("complete") is True and
          [t["step"] for t in j["timeline"]][-6:] == steps,
          "complete, every event in the timeline: %r" % j)
    refused(cl, st, lambda: cl.post(post, path, {"event": "returned"}), 409,
            "delivery_complete", "an event after delivery")
    # the tracking number travels sealed with the request (not in the entry)
    s_, k, _ = cl.get("/v1/evidence/%d" % j["timeline"][-6]["index"],
                      officer)
    check(s_ == 200 and k["body"].get("tracking_number") ==
          "EA123456789CN", "the tracking number is in the sealed request")


def retries(cl, bank_a, registry, officer, body_bytes, key_a, ra, v1, face,
            c1, uscc_a):
    """docs/api-registration.md "Retries and Idempotency-Key": a retry is
    recognised only by what the client says -- its signed Idempotency-Key,
    or the very same signed request -- never by equal bytes."""
    app_a = ra["application_id"]
    st = State(cl, officer, ["/v1/applications/" + app_a,
                             "/v1/vehicles/" + v1])
    n1 = cl.tree_size()
    rr = expect(cl.post(bank_a, "/v1/mortgages", body_bytes, idem=key_a),
                200, None, "retry: the same Idempotency-Key and request "
                "under a new signature")
    check(rr and rr.get("replayed") is True and rr["index"] == ra["index"]
          and rr["application_id"] == app_a, "a retry gives the original "
          "receipt: %r" % (rr and {k: rr.get(k) for k in
                                   ("replayed", "index")}))
    check(cl.tree_size() == n1, "a retry appends nothing")
    # The same body under a new signature without a key is a new action
    # (which the rules refuse here: the contract number is taken).
    refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages", body_bytes),
            409, "contract_duplicate", "the same body without a key is a "
            "new action")
    # The key with another request (a valid one: it passes api/'s checks)
    other = json.loads(body_bytes)
    other["application"]["contract_number"] = "A-2026-0002"
    other["face_token"] = face.token(c1, other["application"], uscc_a)
    refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages", other,
                                    idem=key_a),
            422, "idempotency_key_reused", "the key with another request")
    # The key must be signed, well formed, alone and in its period.
    body = json.dumps(other, ensure_ascii=False).encode()
    hdr = cl.signed_headers(bank_a, "POST", "/v1/mortgages", body,
                            idem=uuid7(), idem_covered=False)
    hdr["Content-Type"] = "application/json"
    refused(cl, st, lambda: cl.request("POST", "/v1/mortgages", body,
                                       headers=hdr),
            401, "signature_component_missing", "an Idempotency-Key the "
            "signature does not cover")
    for what, k, status, code in (
            ("not a UUID", "retry-1", 400, "idempotency_key_invalid"),
            ("upper case", uuid7().upper(), 400, "idempotency_key_invalid"),
            ("a version 4 UUID", "0190a6e4-3b5c-4d2e-9f10-2a3b4c5d6e7f",
             400, "idempotency_key_invalid"),
            ("an hour ahead", uuid7(int(time.time() * 1000) + 3600000), 400,
             "idempotency_key_invalid"),
            ("25 hours old", uuid7(int(time.time() * 1000) - 90000000), 422,
             "idempotency_key_expired")):
        refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages", other,
                                        idem=k),
                status, code, "Idempotency-Key " + what)
    # two fields (signed: the base joins them with ", ")
    k1, k2 = uuid7(), uuid7()

    def two_fields():
        h = cl.signed_headers(bank_a, "POST", "/v1/mortgages", body,
                              idem=k1)
        # re-sign over the joined value of both fields
        params = h["Signature-Input"][len("sig1="):]
        base = "".join('"%s": %s\n' % (c, v) for c, v in (
            ("@method", "POST"), ("@authority", cl.authority),
            ("@path", "/v1/mortgages"),
            ("content-digest", h["Content-Digest"]),
            ("idempotency-key", '"%s", "%s"' % (k1, k2))))
        base += '"@signature-params": ' + params
        sig = "sig1=:%s:" % b64(bank_a.sign(base.encode()))
        c = http.client.HTTPConnection("127.0.0.1", cl.port, timeout=60)
        try:
            c.putrequest("POST", "/v1/mortgages")
            for n, v in (("Content-Type", "application/json"),
                         ("Content-Length", str(len(body))),
                         ("Content-Digest", h["Content-Digest"]),
                         ("Idempotency-Key", '"%s"' % k1),
                         ("Idempotency-Key", '"%s"' % k2),
                         ("Signature-Input", h["Signature-Input"]),
                         ("Signature", sig)):
                c.putheader(n, v)
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        return r.status, json.loads(data), data
    refused(cl, st, two_fields, 400, "idempotency_key_invalid",
            "two Idempotency-Key fields")

    # The very same signed request sent twice: the second gets the first's
    # receipt (no key needed); the same nonce with another body is 401.
    v3 = vin("LJ1EFAUU0KG000123")
    rec = json.dumps({"vin": v3, "plate": "浙B77777", "plate_type": "02",
                      "certificate_number": "330100999999",
                      "owner": {"id_number": citizen_id(
                          "11010519491231002")}}).encode()
    created = int(time.time())
    h = cl.signed_headers(registry, "POST", "/v1/vehicles", rec,
                          nonce="same-request-1", created=created)
    first = expect(cl.request("POST", "/v1/vehicles", rec, headers=h), 201,
                   None, "record a vehicle")
    n2 = cl.tree_size()
    again = expect(cl.request("POST", "/v1/vehicles", rec, headers=h), 200,
                   None, "the very same signed request again")
    check(again and again.get("replayed") is True and first and
          again["index"] == first["index"] and cl.tree_size() == n2,
          "the same signed request gets its original receipt")
    rec2 = rec.replace(b"330100999999", b"330100999998")
    h2 = cl.signed_headers(registry, "POST", "/v1/vehicles", rec2,
                           nonce="same-request-1", created=created)
    refused(cl, st, lambda: cl.request("POST", "/v1/vehicles", rec2,
                                       headers=h2),
            401, "nonce_replayed", "the same nonce with another request")


def repeated_actions(cl, admin, registry, officer, bank_a, bank_b, uscc_a,
                     uscc_b, v2, o1, o2, c2, face):
    """Issue 11 class 1: the same body sent again as a new request (new
    signature, no key) is a new action. Before, each third step below was
    answered 200 "replayed" and dropped."""
    # suspend, reinstate, suspend a bank: it stays suspended
    status = "/v1/institutions/%s/status" % uscc_b
    for act in ("suspend", "reinstate", "suspend"):
        expect(cl.post(admin, status, {"action": act}), 201, None,
               "bank B: " + act)
    app = {"vin": v2, "plate": "浙A8B8C8", "plate_type": "02",
           "certificate_number": "330100123456",
           "contract_number": "B-2026-0500",
           "owner": {"id_number": o2}}
    expect(cl.post(bank_b, "/v1/mortgages",
                   {"application": app,
                    "face_token": face.token(c2, app, uscc_b)}), 403,
           "party_suspended", "the suspended bank cannot apply")
    # seize, lift, seize: the vehicle is seized, a mortgage is refused
    restr = "/v1/vehicles/%s/restrictions" % v2
    for act in ("set", "lift", "set"):
        expect(cl.post(registry, restr, {"action": act,
                                         "restriction": "seized"}),
               201, None, "V2: %s seized" % act)
    j = expect(cl.get("/v1/vehicles/" + v2, officer), 200, None, "GET V2")
    check(j and [r["kind"] for r in j["restrictions"]] == ["seized"],
          "V2 is seized: %r" % (j and j.get("restrictions")))
    app = dict(app, contract_number="A-2026-0500")
    expect(cl.post(bank_a, "/v1/mortgages",
                   {"application": app,
                    "face_token": face.token(c2, app, uscc_a)}), 409,
           "vehicle_seized", "a mortgage on the vehicle seized again")
    # the vehicle record's owner A -> B -> A: the record ends with A
    v4 = vin("LJ1EFAUU0KG000456")
    idx = []
    for owner in (o1, o2, o1):
        j = expect(cl.post(registry, "/v1/vehicles",
                           {"vin": v4, "plate": "浙B66666", "plate_type": "02",
                            "certificate_number": "330100888888",
                            "owner": {"id_number": owner}}), 201, None,
                   "record V4")
        idx.append(j and j["index"])
    j = expect(cl.get("/v1/vehicles/" + v4, officer), 200, None, "GET V4")
    check(j and j.get("recorded_index") == idx[2],
          "V4's record is the third one: %r" % (j and
                                                 j.get("recorded_index")))
    ev = expect(cl.get("/v1/evidence/%d" % idx[2], officer), 200, None,
                "evidence of the third record")
    check(ev and ev["body"]["owner"]["id_number"] == o1,
          "V4 ends with owner A")


def company_owners(cl, registry, officer, bank_a, uscc_a, face, sms):
    """Issue 11 class 4: a vehicle recorded with owner {"uscc"} is
    mortgaged and released only with its legal representative's SMS
    authorisation of the person acting for it, bound to this application
    by this bank and given for the recorded company."""
    comp = uscc("91330400MA2B00009")
    other = uscc("91330400MA2B00008")
    agent = citizen_id("44030119800101123")
    rep_phone, other_phone = "13912345678", "13987654321"
    v7 = vin("LJ1EFAUU0KG000777")
    rec = {"vin": v7, "plate": "浙B70000", "plate_type": "02",
           "certificate_number": "330100700000"}
    st = State(cl, officer, [])
    for what, owner, code in (
            ("both an ID number and a credit code",
             {"id_number": agent, "uscc": comp}, "field_unknown"),
            ("neither", {}, "field_missing"),
            ("a bad check character", {"uscc": comp[:-1] + (
                "0" if comp[-1] != "0" else "1")}, "uscc_invalid")):
        refused(cl, st, lambda: cl.post(registry, "/v1/vehicles",
                                        dict(rec, owner=owner)),
                400, code, "vehicle owner: " + what)
    expect(cl.post(registry, "/v1/vehicles", dict(rec, owner={"uscc": comp})),
           201, None, "record a company's vehicle")
    j = expect(cl.get("/v1/vehicles/" + v7, officer), 200, None, "GET V7")
    check(j and j.get("owner_kind") == "company", "recorded as a company's: "
          "%r" % (j and j.get("owner_kind")))

    def cm(kind, value):
        j = expect(cl.post(bank_a, "/v1/identity-commitments",
                           {kind: value}), 200, None, "commitment")
        return j["commitment"]
    agent_cm, rep_cm = cm("id_number", agent), cm("phone", rep_phone)
    other_rep_cm = cm("phone", other_phone)
    other_cm = cm("id_number", citizen_id("11010519491231002"))
    app = dict(rec, contract_number="C-2026-0001",
               owner={"id_number": agent})

    def body(company=comp, sms_org=None, sub=None, act=None, age=5,
             step="mortgage_application", application=app):
        b = {"application": application,
             "face_token": face.token(agent_cm, application, uscc_a, step,
                                      company)}
        if company is not None:
            dg = app_digest(application, uscc_a, step, company)
            b["company"] = {"uscc": company, "legal_rep_phone": rep_phone,
                            "sms_token": sms.token(sub or rep_cm,
                                                   act or agent_cm,
                                                   sms_org or company, dg,
                                                   age)}
        return b
    st = State(cl, officer, ["/v1/vehicles/" + v7])
    for what, b, code in (
            ("no authorisation at all", body(company=None),
             "company_authorisation_missing"),
            ("authorised by another company", body(company=other),
             "company_mismatch"),
            ("an SMS attestation for another company", body(sms_org=other),
             "token_org"),
            ("another representative's phone", body(sub=other_rep_cm),
             "token_subject"),
            ("for another acting person", body(act=other_cm),
             "token_actor"),
            ("an expired attestation", body(age=3600), "token_expired")):
        refused(cl, st, lambda: cl.post(bank_a, "/v1/mortgages", b), 422,
                code, "company mortgage: " + what)
    r = expect(cl.post(bank_a, "/v1/mortgages", body()), 201, None,
               "company mortgage with the representative's authorisation")
    check(r and r["status"] == "submitted", "company mortgage submitted: %r"
          % (r and r.get("anomalies")))
    mid = r and r["application_id"]
    ev = expect(cl.get("/v1/evidence/%d" % r["index"], officer), 200, None,
                "evidence of the company mortgage")
    check(ev and ev["checks"]["owner_reference"] is True and
          ev["checks"]["face_token"] is True, "the evidence opens to the "
          "company: %r" % (ev and ev.get("checks")))
    expect(cl.post(officer, "/v1/applications/%s/decision" % mid,
                   {"decision": "approve"}), 201, None, "approve")
    rel = {"vin": v7, "mortgage": mid, "owner": {"id_number": agent}}
    st = State(cl, officer, ["/v1/vehicles/" + v7,
                             "/v1/applications/" + mid])
    refused(cl, st, lambda: cl.post(bank_a, "/v1/releases", body(
        company=None, step="release_application", application=rel)), 422,
        "company_authorisation_missing", "company release without "
        "authorisation")
    expect(cl.post(bank_a, "/v1/releases", body(
        step="release_application", application=rel)), 201, None,
        "company release with the representative's authorisation")


def cli_retry(a, cl, registry, tmp):
    """`lienlog submit` sends an Idempotency-Key with every write; resent
    with --idempotency-key KEY it gets the original receipt."""
    v5 = vin("LJ1EFAUU0KG000789")
    path = os.path.join(tmp, "v5.json")
    with open(path, "w") as f:
        json.dump({"vin": v5, "plate": "浙B55555", "plate_type": "02",
                   "certificate_number": "330100777777",
                   "owner": {"id_number": citizen_id("11010519491231002")}},
                  f)
    key = uuid7()

    def submit(*extra):
        r = subprocess.run([a.lienlog, "submit", "--key", registry.key_path,
                            "--keyid", registry.keyid, "--url",
                            "http://%s/v1/vehicles" % cl.authority,
                            "--body", path] + list(extra),
                           capture_output=True, timeout=60)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = None
        return r.returncode, j, r.stderr
    rc, j1, err = submit("--idempotency-key", key)
    check(rc == 0 and j1 and j1.get("entry_type") == 20,
          "lienlog submit --idempotency-key: %r %r" % (rc, err[-300:]))
    n = cl.tree_size()
    rc, j2, err = submit("--idempotency-key", key)
    check(rc == 0 and j2 and j1 and j2.get("replayed") is True and
          j2["index"] == j1["index"] and cl.tree_size() == n,
          "lienlog submit resent with the same key: the original receipt "
          "%r %r" % (rc, err[-300:]))
    rc, j3, err = submit()
    check(rc == 0 and j3 and j1 and j3.get("replayed") is None and
          j3["index"] > j1["index"], "lienlog submit without the key: a new "
          "action (a fresh key by default) %r" % ((rc, err[-300:]),))
    rc, _, err = submit("--idempotency-key", "0190a6e4-3b5c-4d2e-9f10-"
                        "2a3b4c5d6e7f")
    check(rc == 2 and b"UUIDv7" in err, "submit refuses a key that is not a "
          "UUIDv7: %r" % err[-200:])
    r = subprocess.run([a.lienlog, "sign-request", "--key", registry.key_path,
                        "--keyid", registry.keyid, "--url",
                        "http://%s/v1/vehicles" % cl.authority, "--body", path,
                        "--idempotency-key", "new"], capture_output=True,
                       timeout=60)
    out = r.stdout.decode()
    check(r.returncode == 0 and re.search(
        r'^Idempotency-Key: "[0-9a-f]{8}-[0-9a-f]{4}-7', out, re.M) and
        '"idempotency-key"' in out, "sign-request --idempotency-key new: %r"
          % out[:400])


def signed_reads(a, cl, bank_a, officer, app_a, app_b):
    """docs/api-registration.md "Signed reads": a GET signed by `lienlog
    sign-request --method GET` (no body, no content-digest) is accepted;
    changing its path or query afterwards is 401; replaying it is not
    refused (reads record no nonce)."""
    def sign(signer, target, method="GET"):
        r = subprocess.run([a.lienlog, "sign-request", "--method", method,
                            "--key", signer.key_path, "--keyid",
                            signer.keyid, "--url",
                            "http://%s%s" % (cl.authority, target)],
                           capture_output=True, timeout=60)
        if not check(r.returncode == 0, "sign-request --method %s %s: %s" % (
                method, target, r.stderr.decode(errors="replace"))):
            return {}
        return dict(ln.split(": ", 1) for ln in
                    r.stdout.decode().splitlines() if ln)

    def send(target, h, method="GET"):
        c = http.client.HTTPConnection("127.0.0.1", cl.port, timeout=60)
        try:
            c.request(method, target, headers=h)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        try:
            j = json.loads(data)
        except ValueError:
            j = None
        return r.status, j, data

    path = "/v1/applications/" + app_a
    h = sign(bank_a, path)
    check(sorted(h) == ["Signature", "Signature-Input"] and
          '("@method" "@authority" "@path")' in h.get("Signature-Input", ""),
          "sign-request --method GET: only Signature-Input and Signature, "
          "over @method @authority @path: %r" % h)
    j = expect(send(path, h), 200, None, "signed GET by the bank "
               "(lienlog sign-request, no content-digest)")
    check(j and j.get("mortgagee"), "the bank reads its application")
    expect(send(path, h), 200, None, "the same signed GET replayed: read "
           "nonces are not recorded")
    expect(send("/v1/applications/" + app_b, h), 401, "signature_invalid",
           "signed GET, path changed")
    expect(send(path + "?x=1", h), 401, "signature_component_missing",
           "signed GET, a query added")
    # lienlog submit --method GET: signs and sends without a body.
    r = subprocess.run([a.lienlog, "submit", "--method", "GET", "--key",
                        bank_a.key_path, "--keyid", bank_a.keyid, "--url",
                        "http://%s%s" % (cl.authority, path)],
                       capture_output=True, timeout=60)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    check(r.returncode == 0 and b" 200 " in r.stderr and j and
          j.get("mortgagee"), "lienlog submit --method GET: 200 %r %r" % (
              r.stderr[-300:], r.stdout[:200]))
    hh = sign(bank_a, path, "HEAD")
    st, _, data = send(path, hh, "HEAD")
    check(st == 200 and data == b"", "signed HEAD: 200, no body")
    # With a query: sign-request covers @query; a changed query is 401.
    target = "/v1/applications?status=in_person_review&limit=10"
    h = sign(officer, target)
    check('"@query"' in h.get("Signature-Input", ""),
          "sign-request covers @query when the URL has one")
    expect(send(target, h), 200, None, "signed GET with a query")
    expect(send(target.replace("limit=10", "limit=11"), h), 401,
           "signature_invalid", "signed GET, query changed")
    # An independent signer (this file's): no content-digest is fine, a
    # query not covered is not.
    q = "status=submitted"
    hd = cl.signed_headers(officer, "GET", "/v1/applications", b"", q,
                           digest_covered=False)
    expect(send("/v1/applications?" + q, hd), 200, None,
           "GET signed over @method @authority @path @query")
    hd = cl.signed_headers(officer, "GET", "/v1/applications", b"", None,
                           digest_covered=False)
    expect(send("/v1/applications?" + q, hd), 401,
           "signature_component_missing", "GET with a query not covered")
    hd = cl.signed_headers(officer, "GET", path, b"{}", None,
                           digest_covered=False)
    hd["Content-Digest"] = "sha-256=:%s:" % b64(hashlib.sha256(b"{}")
                                                .digest())
    expect(send(path, hd), 401, "digest_mismatch",
           "GET with a Content-Digest that is not the empty body's")
    # Writes still need content-digest.
    hd = cl.signed_headers(bank_a, "POST", "/v1/identity-commitments",
                           b'{"phone":"13800000000"}', digest_covered=False)
    hd["Content-Type"] = "application/json"
    c = http.client.HTTPConnection("127.0.0.1", cl.port, timeout=60)
    try:
        c.request("POST", "/v1/identity-commitments",
                  body=b'{"phone":"13800000000"}', headers=hd)
        r = c.getresponse()
        res = (r.status, json.loads(r.read()), b"")
    finally:
        c.close()
    expect(res, 401, "signature_component_missing",
           "POST signed without content-digest")


def raw_result(port, req):
    resp = raw(port, req.encode())
    st, code = raw_status(resp)
    body = resp.partition(b"\r\n\r\n")[2]
    return (st or 0, {"code": code}, body)


if __name__ == "__main__":
    sys.exit(main())
