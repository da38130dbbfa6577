#!/usr/bin/python3
"""Integration tests for the integrator verbs of the lienlog CLI
(tools/cli_pki.c, tools/cli_request.c): keygen --type, csr,
cert-fingerprint, sign-request, submit.

Everything lienlog produces is checked by something that is not lienlog:
  * keys: python3-cryptography (Ed25519, P-256) and the openssl CLI (SM2);
  * certificate requests: `openssl req -verify` (SM2 with
    `-vfyopt distid:...`), and python3-cryptography for the others;
  * keyids: SHA-256 of the DER that `openssl x509 -outform DER` writes;
  * signed requests: tests/interop/verify_httpsig_server.py, an RFC 9421
    verifier written from the RFCs on python3-cryptography and the openssl
    CLI (SM2), used as a module (sign-request) and as an HTTP server on
    127.0.0.1 (submit), plus the exact bytes of the worked example in
    docs/request-signing.md.
Negatives: overwrite refusals, symlinks, bad subjects and credit codes,
wrong key types, malformed URLs and options, tampered bodies and targets
(401 from the independent verifier), replayed nonces, unknown keyids,
transport failures.

Run by ctest (label integration;interop):
  /usr/bin/python3 test_cli_request.py --lienlog PATH --verifier PATH
"""

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from itest import dead_port

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_INPUT, EXIT_IO = 0, 1, 2, 3, 4
EXIT_NETWORK = 6       # no answer from the server (docs/cli.md)
API_BODY_MAX = 256 * 1024
SM2_ID = "1234567812345678"
USCC = "91350100M000100Y43"          # GB 32100 check character is right
USCC_BAD = "91350100M000100Y44"
SUBJECT = ("/CN=Example Bank/O=Example Bank Co., Ltd./"
           "organizationIdentifier=NTRCN-" + USCC)
TYPES = ("ed25519", "p256", "sm2")
ALG = {"ed25519": "ed25519", "p256": "ecdsa-p256-sha256", "sm2": "sm2-sm3"}

# The worked example of docs/request-signing.md (RFC 9421 B.1.4 key).
RFC_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_BODY = b'{"vin":"LSVAU2180N2183294","amount":"150000.00"}'
RFC_HEADERS = (
    "Content-Type: application/json\n"
    "Content-Digest: sha-256=:Ct4ynxXgbdIyqhsvpKzzV/iB510rqmeLusg+8u/CohM=:\n"
    'Signature-Input: sig1=("@method" "@target-uri" "content-digest");'
    'created=1700000000;nonce="b3k2pp5k7z-50gnwp.yemd";'
    'keyid="test-key-ed25519";alg="ed25519"\n'
    "Signature: sig1=:2DGbcEwmq61dz4Pkne+ClV9aW9WgJvjJV3g3MXPIcSmFagMdGU4MK"
    "zRxV7BpSyjOfzjredAQ63RESBEGAVTGCA==:\n")


def load_verifier(path):
    spec = importlib.util.spec_from_file_location("verify_httpsig_server",
                                                  path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Runner:
    def __init__(self, lienlog, tmp):
        self.lienlog = lienlog
        self.tmp = tmp
        self.passed = 0
        self.failed = []
        self.n = 0
        # No proxy may stand between us and 127.0.0.1.
        self.env = {k: v for k, v in os.environ.items()
                    if k.lower() not in ("http_proxy", "https_proxy",
                                         "all_proxy", "no_proxy")}

    def path(self, name):
        return os.path.join(self.tmp, name)

    def file(self, data, name=None):
        self.n += 1
        p = self.path(name or "in%04d" % self.n)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return p

    def run(self, args):
        p = subprocess.run([self.lienlog] + args, capture_output=True,
                           timeout=120, env=self.env)
        return p.returncode, p.stdout.decode(errors="replace"), \
            p.stderr.decode(errors="replace")

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed.append("%s %s" % (name, detail))
            print("FAIL: %s %s" % (name, detail), file=sys.stderr)
        return cond

    def ok(self, name, args):
        rc, out, err = self.run(args)
        self.check(name, rc == 0 and err == "",
                   "rc=%d stderr=%r" % (rc, err[:300]))
        return out

    def fails(self, name, args, verb, code, want=None):
        """Exit code `code`, exactly one stderr line 'lienlog: verb: ...'."""
        rc, out, err = self.run(args)
        self.check(name, rc == code and err.count("\n") == 1 and
                   err.startswith("lienlog: %s: " % verb) and
                   (want is None or want in err),
                   "rc=%d (want %d) stderr=%r" % (rc, code, err[:300]))
        return err


def sha256_file(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


def openssl(args, data=None):
    return subprocess.run(["openssl"] + args, capture_output=True,
                          timeout=120, input=data)


# ---- keygen --type ------------------------------------------------------------

def test_keygen(r):
    for t in TYPES:
        pre = r.path("bank-" + t)
        out = r.ok("keygen %s" % t, ["keygen", "--type", t, "--out", pre])
        key, pub = pre + ".key", pre + ".pub"
        if not r.check("keygen %s files" % t,
                       os.path.exists(key) and os.path.exists(pub)):
            continue
        r.check("keygen %s key mode 0600" % t,
                stat.S_IMODE(os.stat(key).st_mode) == 0o600,
                oct(os.stat(key).st_mode))
        r.check("keygen %s prints .pub" % t, out == open(pub).read())
        kpem = open(key, "rb").read()
        r.check("keygen %s PKCS#8" % t,
                kpem.startswith(b"-----BEGIN PRIVATE KEY-----\n"))
        if t != "sm2":
            priv = serialization.load_pem_private_key(kpem, None)
            want = ed25519.Ed25519PrivateKey if t == "ed25519" else \
                ec.EllipticCurvePrivateKey
            r.check("keygen %s type (cryptography)" % t,
                    isinstance(priv, want))
            if t == "p256":
                r.check("keygen p256 curve", priv.curve.name == "secp256r1")
            spki = priv.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo)
            r.check("keygen %s .pub matches .key (cryptography)" % t,
                    spki == open(pub, "rb").read())
        else:
            p = openssl(["pkey", "-in", key, "-noout", "-text"])
            r.check("keygen sm2 curve (openssl)",
                    p.returncode == 0 and b"ASN1 OID: SM2" in p.stdout,
                    p.stderr.decode()[:200])
            p = openssl(["pkey", "-in", key, "-pubout"])
            r.check("keygen sm2 .pub matches .key (openssl)",
                    p.returncode == 0 and p.stdout == open(pub, "rb").read())
        # Never overwrite, never touch what is there.
        before = (sha256_file(key), sha256_file(pub))
        r.fails("keygen %s refuses overwrite" % t,
                ["keygen", "--type", t, "--out", pre], "keygen", EXIT_IO,
                "already exists")
        r.check("keygen %s overwrite left files alone" % t,
                before == (sha256_file(key), sha256_file(pub)))

    # Only the .pub exists: refused, and no .key left behind.
    pre = r.path("half")
    r.file("x", "half.pub")
    r.fails("keygen refuses existing .pub", ["keygen", "--type", "ed25519",
            "--out", pre], "keygen", EXIT_IO, "half.pub already exists")
    r.check("keygen cleaned up .key", not os.path.exists(pre + ".key"))
    # A symlink planted at PREFIX.key is not followed.
    victim = r.file("precious", "victim")
    os.symlink(victim, r.path("sym.key"))
    r.fails("keygen refuses symlink", ["keygen", "--type", "p256", "--out",
            r.path("sym")], "keygen", EXIT_IO)
    r.check("keygen symlink target untouched",
            open(victim).read() == "precious")
    r.check("keygen symlink: no .pub", not os.path.exists(r.path("sym.pub")))
    # Usage.
    r.fails("keygen --type and --name", ["keygen", "--type", "ed25519",
            "--name", "example.org/log", "--out", r.path("z")], "keygen",
            EXIT_USAGE, "mutually exclusive")
    r.fails("keygen unknown type", ["keygen", "--type", "rsa", "--out",
            r.path("z")], "keygen", EXIT_USAGE)
    r.fails("keygen --type without --out", ["keygen", "--type", "sm2"],
            "keygen", EXIT_USAGE)
    r.fails("keygen --sm2-id is not a keygen option",
            ["keygen", "--type", "sm2", "--out", r.path("z"), "--sm2-id",
             "x"], "keygen", EXIT_USAGE)
    r.check("keygen usage errors wrote nothing",
            not os.path.exists(r.path("z.key")))
    # The log-key form still works unchanged.
    out = r.ok("keygen --name still works", ["keygen", "--name",
               "example.org/lien-log", "--out", r.path("logkey")])
    r.check("keygen --name output", out.startswith("example.org/lien-log+"))
    r.check("keygen --name files", os.path.exists(r.path("logkey.vkey")))


# ---- csr ------------------------------------------------------------------------

def test_csr(r):
    for t in TYPES:
        key = r.path("bank-%s.key" % t)
        csr = r.path("bank-%s.csr" % t)
        r.ok("csr %s" % t, ["csr", "--key", key, "--subject", SUBJECT,
                            "--out", csr])
        if not os.path.exists(csr):
            continue
        vfy = ["req", "-in", csr, "-verify", "-noout"]
        if t == "sm2":
            p = openssl(vfy + ["-vfyopt", "distid:" + SM2_ID])
            r.check("csr sm2 openssl req -verify (distid)",
                    p.returncode == 0 and b"verify OK" in p.stdout + p.stderr,
                    (p.stdout + p.stderr).decode()[:300])
            # OpenSSL 3.0's default (empty) ID must NOT verify: the ID is
            # really part of what was signed.
            p = openssl(vfy)
            r.check("csr sm2 fails with OpenSSL's empty default ID",
                    b"verify OK" not in p.stdout + p.stderr)
            p = openssl(["req", "-in", csr, "-noout", "-text"])
            txt = p.stdout.decode()
            r.check("csr sm2 algorithm", "SM2-with-SM3" in txt, txt[:400])
            r.check("csr sm2 keyUsage", "Digital Signature" in txt and
                    "Key Usage: critical" in txt)
            p = openssl(["req", "-in", csr, "-noout", "-pubkey"])
            r.check("csr sm2 key is the .pub",
                    p.stdout == open(r.path("bank-sm2.pub"), "rb").read())
            continue
        p = openssl(vfy)
        r.check("csr %s openssl req -verify" % t,
                p.returncode == 0 and b"verify OK" in p.stdout + p.stderr,
                (p.stdout + p.stderr).decode()[:300])
        req = x509.load_pem_x509_csr(open(csr, "rb").read())
        r.check("csr %s signature (cryptography)" % t,
                req.is_signature_valid)
        names = {a.oid.dotted_string: a.value for a in req.subject}
        r.check("csr %s subject" % t,
                names.get("2.5.4.3") == "Example Bank" and
                names.get("2.5.4.10") == "Example Bank Co., Ltd." and
                names.get("2.5.4.97") == "NTRCN-" + USCC, repr(names))
        ku = req.extensions.get_extension_for_class(x509.KeyUsage)
        r.check("csr %s keyUsage digitalSignature critical" % t,
                ku.critical and ku.value.digital_signature and
                not ku.value.key_cert_sign)
        spki = req.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        r.check("csr %s key is the .pub" % t,
                spki == open(r.path("bank-%s.pub" % t), "rb").read())

    # A configured SM2 ID is the one signed with.
    csr = r.path("sm2-id.csr")
    r.ok("csr sm2 --sm2-id", ["csr", "--key", r.path("bank-sm2.key"),
                              "--sm2-id", "bank@example", "--subject",
                              SUBJECT, "--out", csr])
    p = openssl(["req", "-in", csr, "-verify", "-noout", "-vfyopt",
                 "distid:bank@example"])
    r.check("csr sm2 --sm2-id verifies with that ID",
            b"verify OK" in p.stdout + p.stderr)
    p = openssl(["req", "-in", csr, "-verify", "-noout", "-vfyopt",
                 "distid:" + SM2_ID])
    r.check("csr sm2 --sm2-id fails with the default ID",
            b"verify OK" not in p.stdout + p.stderr)

    # Subject forms.
    csr = r.path("esc.csr")
    r.ok("csr escaped slash, OU twice, C, serialNumber",
         ["csr", "--key", r.path("bank-ed25519.key"), "--subject",
          "/C=CN/ST=Fujian/L=Fuzhou/O=A\\/B Bank/OU=x/OU=y/CN=A/"
          "serialNumber=" + USCC, "--out", csr])
    if os.path.exists(csr):
        req = x509.load_pem_x509_csr(open(csr, "rb").read())
        r.check("csr escaped subject", req.subject.rfc4514_string() ==
                "2.5.4.5=%s,CN=A,OU=y,OU=x,O=A/B Bank,L=Fuzhou,ST=Fujian,"
                "C=CN" % USCC, req.subject.rfc4514_string())
    utf = r.path("utf8.csr")
    r.ok("csr UTF-8 subject", ["csr", "--key", r.path("bank-p256.key"),
         "--subject", "/CN=\u4e2d\u56fd\u94f6\u884c", "--out", utf])
    if os.path.exists(utf):
        req = x509.load_pem_x509_csr(open(utf, "rb").read())
        r.check("csr UTF-8 CN", req.subject.get_attributes_for_oid(
            x509.NameOID.COMMON_NAME)[0].value == "\u4e2d\u56fd\u94f6\u884c")

    key = r.path("bank-ed25519.key")
    bad = [
        ("bad check character", "/CN=A/organizationIdentifier=NTRCN-" +
         USCC_BAD, "check character should be '3'"),
        ("short credit code", "/CN=A/organizationIdentifier=NTRCN-9135",
         "NTRCN-"),
        ("no CN", "/O=A", "needs a CN"),
        ("no leading slash", "CN=A", None),
        ("empty", "/", None),
        ("trailing slash", "/CN=A/", None),
        ("empty value", "/CN=", None),
        ("no '='", "/CN", None),
        ("unknown attribute", "/CN=A/X=1", "unknown attribute"),
        ("duplicate CN", "/CN=A/CN=B", None),
        ("lower-case C", "/CN=A/C=cn", None),
        ("three-letter C", "/CN=A/C=CHN", None),
        ("CN too long", "/CN=" + "a" * 65, "too long"),
        ("control character", "/CN=a\x01b", None),
        ("trailing backslash", "/CN=a\\", None),
        ("non-printable serialNumber", "/CN=A/serialNumber=a_b", None),
        ("too many attributes", "/CN=A" + "/OU=x" * 16, None),
        ("oversize", "/CN=A" + "/OU=" + "x" * 3000, None),
    ]
    for name, subj, want in bad:
        r.fails("csr " + name, ["csr", "--key", key, "--subject", subj,
                                "--out", r.path("never.csr")], "csr",
                EXIT_USAGE, want)
    r.check("csr: no file from refused subjects",
            not os.path.exists(r.path("never.csr")))
    r.fails("csr public key", ["csr", "--key", r.path("bank-ed25519.pub"),
            "--subject", SUBJECT, "--out", r.path("never.csr")], "csr",
            EXIT_INPUT, "public key")
    r.fails("csr log key is not PEM", ["csr", "--key", r.path("logkey.key"),
            "--subject", SUBJECT, "--out", r.path("never.csr")], "csr",
            EXIT_INPUT)
    r.fails("csr --sm2-id on an ed25519 key", ["csr", "--key", key,
            "--sm2-id", "x", "--subject", SUBJECT, "--out",
            r.path("never.csr")], "csr", EXIT_USAGE, "SM2 keys only")
    r.fails("csr refuses overwrite", ["csr", "--key", key, "--subject",
            SUBJECT, "--out", r.path("bank-ed25519.csr")], "csr", EXIT_IO,
            "already exists")
    r.fails("csr missing --out", ["csr", "--key", key, "--subject",
            SUBJECT], "csr", EXIT_USAGE)
    r.fails("csr missing key file", ["csr", "--key", r.path("nope.key"),
            "--subject", SUBJECT, "--out", r.path("never.csr")], "csr",
            EXIT_IO)


# ---- cert-fingerprint -------------------------------------------------------------

def test_fingerprint(r):
    for t in TYPES:
        key = r.path("bank-%s.key" % t)
        crt = r.path("bank-%s.crt" % t)
        args = ["req", "-new", "-x509", "-key", key, "-subj", "/CN=Test " + t,
                "-days", "30", "-out", crt]
        if t == "sm2":
            args += ["-sm3", "-sigopt", "distid:" + SM2_ID]
        p = openssl(args)
        if not r.check("openssl makes a %s certificate" % t,
                       p.returncode == 0, p.stderr.decode()[:300]):
            continue
        der = openssl(["x509", "-in", crt, "-outform", "DER"]).stdout
        want = hashlib.sha256(der).hexdigest()
        out = r.ok("cert-fingerprint %s PEM" % t, ["cert-fingerprint", crt])
        r.check("cert-fingerprint %s = SHA-256(DER)" % t,
                out == want + "\n", "%r vs %r" % (out, want))
        dfile = r.file(der, "bank-%s.der" % t)
        out = r.ok("cert-fingerprint %s DER" % t, ["cert-fingerprint", dfile])
        r.check("cert-fingerprint %s DER same keyid" % t, out == want + "\n")
    crt = open(r.path("bank-ed25519.crt"), "rb").read()
    r.fails("cert-fingerprint garbage", ["cert-fingerprint",
            r.file(b"not a certificate\n")], "cert-fingerprint", EXIT_INPUT)
    r.fails("cert-fingerprint trailing bytes", ["cert-fingerprint",
            r.file(crt + b"x")], "cert-fingerprint", EXIT_INPUT)
    r.fails("cert-fingerprint truncated", ["cert-fingerprint",
            r.file(crt[:len(crt) // 2])], "cert-fingerprint", EXIT_INPUT)
    r.fails("cert-fingerprint empty", ["cert-fingerprint", r.file(b"")],
            "cert-fingerprint", EXIT_INPUT)
    r.fails("cert-fingerprint a CSR", ["cert-fingerprint",
            r.path("bank-ed25519.csr")], "cert-fingerprint", EXIT_INPUT)
    r.fails("cert-fingerprint no file", ["cert-fingerprint"],
            "cert-fingerprint", EXIT_USAGE)


# ---- sign-request ----------------------------------------------------------------

def parse_headers(out):
    hdrs = []
    for line in out.splitlines():
        name, sep, value = line.partition(": ")
        if not sep:
            return None
        hdrs.append((name, value))
    return hdrs


def keyid_of(r, t):
    return hashlib.sha256(open(r.path("bank-%s.der" % t), "rb").read()) \
        .hexdigest() if os.path.exists(r.path("bank-%s.der" % t)) else \
        "kid-" + t


def test_sign_request(r, v):
    # Byte-exact: the worked example of docs/request-signing.md.
    out = r.ok("sign-request worked example",
               ["sign-request", "--key", r.file(RFC_KEY, "rfc.key"),
                "--keyid", "test-key-ed25519", "--url",
                "https://registry.example/v1/mortgages", "--body",
                r.file(RFC_BODY, "rfc.json"), "--created", "1700000000",
                "--nonce", "b3k2pp5k7z-50gnwp.yemd", "--components",
                "@method @target-uri content-digest"])
    r.check("sign-request worked example bytes", out == RFC_HEADERS,
            repr(out))

    body = json.dumps({"vin": "LSVAU2180N2183294", "amount_cny": 150000,
                       "note": "\u62b5\u62bc"}, ensure_ascii=False).encode()
    bfile = r.file(body, "body.json")
    url_path = "/v1/mortgages"
    for t in TYPES:
        kid = keyid_of(r, t)
        keys = {kid: v.Key(r.path("bank-%s.pub" % t))}
        out = r.ok("sign-request %s" % t,
                   ["sign-request", "--key", r.path("bank-%s.key" % t),
                    "--keyid", kid, "--url",
                    "http://Registry.Example:8080" + url_path, "--body",
                    bfile])
        hdrs = parse_headers(out)
        if not r.check("sign-request %s prints 4 header lines" % t,
                       hdrs is not None and [h[0] for h in hdrs] ==
                       ["Content-Type", "Content-Digest", "Signature-Input",
                        "Signature"], repr(out)):
            continue
        si = dict(hdrs)["Signature-Input"]
        r.check("sign-request %s default components" % t, si.startswith(
            'sig1=("@method" "@authority" "@path" "content-digest");'
            "created="), si)
        r.check("sign-request %s alg" % t, si.endswith(
            ';keyid="%s";alg="%s"' % (kid, ALG[t])), si)
        nonce = si.split('nonce="')[1].split('"')[0]
        r.check("sign-request %s nonce is 16 bytes base64url" % t,
                len(nonce) == 22 and
                len(base64.urlsafe_b64decode(nonce + "==")) == 16, nonce)
        created = int(si.split("created=")[1].split(";")[0])
        r.check("sign-request %s created is now" % t,
                abs(created - time.time()) < 3600, str(created))

        def vfy(method="POST", authority="registry.example:8080",
                target=url_path, headers=hdrs, b=body, ks=keys):
            try:
                return v.verify(method, "http", authority, target, headers,
                                b, ks)["verified"]
            except v.Refused as e:
                return e.code
        r.check("sign-request %s verified independently" % t, vfy() is True,
                str(vfy()))
        r.check("sign-request %s tampered body" % t,
                vfy(b=body.replace(b"150000", b"150001")) ==
                "digest_mismatch")
        for val, what in (('nonce=""', "an empty nonce"), ("", "no nonce")):
            nn = [(n, re.sub(r';nonce="[^"]*"', val and ";" + val, x)
                   if n == "Signature-Input" else x) for n, x in hdrs]
            r.check("sign-request %s with %s: sig_param_missing, as "
                    "lienlogd (signature_param_missing)" % (t, what),
                    vfy(headers=nn) == "sig_param_missing", str(vfy(
                        headers=nn)))
        r.check("sign-request %s other path" % t,
                vfy(target="/v1/mortgages2") == "bad_signature")
        r.check("sign-request %s other host" % t,
                vfy(authority="evil.example:8080") == "bad_signature")
        r.check("sign-request %s other method" % t,
                vfy(method="PUT") == "bad_signature")
        other = {kid: v.Key(r.path("bank-%s.pub" % ("p256" if t == "ed25519"
                                                     else "ed25519")))}
        r.check("sign-request %s key of another type" % t,
                vfy(ks=other) == "alg_mismatch")
        if t != "sm2":
            fresh = ed25519.Ed25519PrivateKey.generate() if t == "ed25519" \
                else ec.generate_private_key(ec.SECP256R1())
            fp = r.file(fresh.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo))
            r.check("sign-request %s another key of the same type" % t,
                    vfy(ks={kid: v.Key(fp)}) == "bad_signature")
        sig = dict(hdrs)["Signature"]
        raw = bytearray(base64.b64decode(sig[len("sig1=:"):-1]))
        flips = 0
        for i in range(len(raw)):          # bounded: 64 bytes
            raw[i] ^= 0x01
            bad = [(n, "sig1=:%s:" % base64.b64encode(bytes(raw)).decode()
                    if n == "Signature" else val) for n, val in hdrs]
            raw[i] ^= 0x01
            flips += vfy(headers=bad) == "bad_signature"
        r.check("sign-request %s every signature bit flip refused" % t,
                flips == len(raw), "%d/%d" % (flips, len(raw)))
        if t == "sm2":
            # The SM2 check above went through `openssl pkeyutl` with the
            # default ID; a different ID must fail.
            k = v.Key(r.path("bank-sm2.pub"), sm2_id="another-id")
            r.check("sign-request sm2 wrong distinguishing ID",
                    vfy(ks={kid: k}) == "bad_signature")
            out = r.ok("sign-request sm2 --sm2-id",
                       ["sign-request", "--key", r.path("bank-sm2.key"),
                        "--sm2-id", "another-id", "--keyid", kid, "--url",
                        "http://registry.example:8080" + url_path,
                        "--body", bfile])
            r.check("sign-request sm2 --sm2-id verifies with that ID",
                    vfy(headers=parse_headers(out), ks={kid: k}) is True)

    # A query is covered by default.
    kid = keyid_of(r, "ed25519")
    keys = {kid: v.Key(r.path("bank-ed25519.pub"))}
    out = r.ok("sign-request with query",
               ["sign-request", "--key", r.path("bank-ed25519.key"),
                "--keyid", kid, "--url", "https://h.example:443/v1/x?a=1&b=2",
                "--body", bfile, "--method", "PUT", "--alg", "ed25519"])
    hdrs = parse_headers(out)
    r.check("sign-request query covers @query",
            '"@path" "@query" "content-digest"' in dict(hdrs)[
                "Signature-Input"])
    try:
        ok = v.verify("PUT", "https", "h.example", "/v1/x?a=1&b=2", hdrs,
                      body, keys)["verified"]
    except v.Refused as e:
        ok = e.code
    r.check("sign-request default port dropped, PUT, query verify", ok is True,
            str(ok))
    try:
        v.verify("PUT", "https", "h.example", "/v1/x?a=1&b=3", hdrs, body,
                 keys)
        ok = True
    except v.Refused as e:
        ok = e.code
    r.check("sign-request other query refused", ok == "bad_signature")

    key = r.path("bank-ed25519.key")
    base = ["sign-request", "--key", key, "--keyid", kid, "--body", bfile]
    for name, url in [("no scheme", "registry.example/v1"),
                      ("ftp", "ftp://h/v1"), ("userinfo", "http://u@h/v1"),
                      ("fragment", "http://h/v1#x"),
                      ("space", "http://h/v 1"), ("port 0", "http://h:0/"),
                      ("port 65536", "http://h:65536/"),
                      ("port leading zero", "http://h:080/"),
                      ("empty port", "http://h:/"), ("no host", "http:///v1"),
                      ("empty query", "http://h/v1?"),
                      ("non-ASCII", "http://h/\u00e9"),
                      ("too long", "http://h/" + "a" * 5000)]:
        r.fails("sign-request URL " + name, base + ["--url", url],
                "sign-request", EXIT_USAGE)
    u = ["--url", "http://h/v1"]
    for name, extra, code in [
            ("alg mismatch", ["--alg", "ecdsa-p256-sha256"], EXIT_USAGE),
            ("unknown alg", ["--alg", "rsa-v1_5-sha256"], EXIT_USAGE),
            ("created leading zero", ["--created", "0170"], EXIT_USAGE),
            ("created negative", ["--created", "-1"], EXIT_USAGE),
            ("created 16 digits", ["--created", "1" * 16], EXIT_USAGE),
            ("nonce with quote", ["--nonce", 'a"b'], EXIT_USAGE),
            ("lower-case method", ["--method", "post"], EXIT_USAGE),
            ("unknown component", ["--components", "@method @bogus"],
             EXIT_USAGE),
            ("repeated component", ["--components", "@method @method"],
             EXIT_USAGE),
            ("absent header component", ["--components",
                                         "@method x-absent"], EXIT_USAGE),
            ("--sm2-id on ed25519", ["--sm2-id", "x"], EXIT_USAGE),
            ("unknown option", ["--cacert", "x"], EXIT_USAGE)]:
        r.fails("sign-request " + name, base + u + extra, "sign-request",
                code)
    r.fails("sign-request keyid with quote",
            ["sign-request", "--key", key, "--keyid", 'a"b', "--body", bfile]
            + u, "sign-request", EXIT_USAGE)
    r.fails("sign-request missing --keyid",
            ["sign-request", "--key", key, "--body", bfile] + u,
            "sign-request", EXIT_USAGE)
    for name, data in [("empty", b""), ("not JSON", b"vin=1"),
                       ("JSON array", b"[1]"),
                       ("duplicate key", b'{"a":1,"a":2}'),
                       ("trailing garbage", b'{"a":1}x'),
                       ("oversize", b'{"a":"' + b"x" * API_BODY_MAX + b'"}')]:
        r.fails("sign-request body " + name,
                ["sign-request", "--key", key, "--keyid", kid, "--body",
                 r.file(data)] + u, "sign-request", EXIT_INPUT)
    r.fails("sign-request public key as --key",
            ["sign-request", "--key", r.path("bank-ed25519.pub"), "--keyid",
             kid, "--body", bfile] + u, "sign-request", EXIT_INPUT)
    r.fails("sign-request missing body file",
            ["sign-request", "--key", key, "--keyid", kid, "--body",
             r.path("nope.json")] + u, "sign-request", EXIT_IO)


# ---- submit against the independent verifier server --------------------------

class Server:
    def __init__(self, verifier, keys, tmp):
        args = ["/usr/bin/python3", verifier, "--idle-exit", "60"]
        for kid, pub in keys.items():
            args += ["--key", "%s=%s" % (kid, pub)]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(tmp, "srv.err"),
                                              "wb"))
        # Bounded wait for the one "LISTENING <port>" line.
        ready, _, _ = select.select([self.p.stdout], [], [], 60)
        line = self.p.stdout.readline().decode() if ready else ""
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError("verifier server did not start: %r" % line)
        self.port = int(line.split()[1])

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=30)
        self.p.stdout.close()


def test_sign_request_get(r):
    """--method GET/HEAD: no body, no content-digest by default, @query
    when the URL has one (docs/api-registration.md "Signed reads");
    checked against a signature base built here and python-cryptography."""
    key = r.path("bank-ed25519.key")
    pub = serialization.load_pem_public_key(
        open(r.path("bank-ed25519.pub"), "rb").read())
    empty = "sha-256=:%s:" % base64.b64encode(
        hashlib.sha256(b"").digest()).decode()

    def sign(method, url, extra=()):
        out = r.ok("sign-request --method %s %s" % (method, url),
                   ["sign-request", "--method", method, "--key", key,
                    "--keyid", "kid-get", "--url", url] + list(extra))
        return parse_headers(out) or []

    def verifies(hdrs, vals):
        h = dict(hdrs)
        si = h.get("Signature-Input", "")
        params = si[len("sig1="):]
        comps = params[1:params.index(")")].split()
        base = "".join('%s: %s\n' % (c, vals[c.strip('"')]) for c in comps)
        base += '"@signature-params": ' + params
        sig = base64.b64decode(h.get("Signature", "sig1=::")[5:-1])
        try:
            pub.verify(sig, base.encode())
            return True
        except Exception:  # cryptography's InvalidSignature
            return False

    hdrs = sign("GET", "http://Registry.Example:8080/v1/applications"
                "?status=submitted&limit=5")
    r.check("sign-request GET prints only the signature lines",
            [n for n, _ in hdrs] == ["Signature-Input", "Signature"],
            repr(hdrs))
    si = dict(hdrs).get("Signature-Input", "")
    r.check("sign-request GET components", si.startswith(
        'sig1=("@method" "@authority" "@path" "@query");created='), si)
    vals = {"@method": "GET", "@authority": "registry.example:8080",
            "@path": "/v1/applications",
            "@query": "?status=submitted&limit=5"}
    r.check("sign-request GET verifies (python-cryptography)",
            verifies(hdrs, vals))
    r.check("sign-request GET: another query does not verify",
            not verifies(hdrs, dict(vals, **{"@query":
                                             "?status=submitted&limit=6"})))
    r.check("sign-request GET: another method does not verify",
            not verifies(hdrs, dict(vals, **{"@method": "HEAD"})))
    hdrs = sign("HEAD", "https://registry.example/v1/evidence/7")
    si = dict(hdrs).get("Signature-Input", "")
    r.check("sign-request HEAD without query", si.startswith(
        'sig1=("@method" "@authority" "@path");created='), si)
    r.check("sign-request HEAD verifies", verifies(hdrs, {
        "@method": "HEAD", "@authority": "registry.example",
        "@path": "/v1/evidence/7"}))
    # content-digest only when asked for: the empty body's
    hdrs = sign("GET", "http://h/v1/evidence/7",
                ["--components", "@method @path content-digest"])
    r.check("sign-request GET --components content-digest",
            [n for n, _ in hdrs] == ["Content-Digest", "Signature-Input",
                                     "Signature"] and
            dict(hdrs)["Content-Digest"] == empty, repr(hdrs))
    r.check("sign-request GET with content-digest verifies",
            verifies(hdrs, {"@method": "GET", "@path": "/v1/evidence/7",
                            "content-digest": empty}))
    base = ["sign-request", "--key", key, "--keyid", "kid-get", "--url",
            "http://h/v1/evidence/7"]
    r.fails("sign-request GET with --body", base + [
        "--method", "GET", "--body", r.path("body.json")], "sign-request",
        EXIT_USAGE, "takes no --body")
    r.fails("sign-request HEAD with --body", base + [
        "--method", "HEAD", "--body", r.path("body.json")], "sign-request",
        EXIT_USAGE, "takes no --body")
    r.fails("sign-request POST without --body", base, "sign-request",
            EXIT_USAGE, "--body FILE")
    r.fails("submit GET with --body", ["submit", "--key", key, "--keyid",
                                       "kid-get", "--url",
                                       "http://127.0.0.1:1/v1/evidence/7",
                                       "--method", "GET", "--body",
                                       r.path("body.json")],
            "submit", EXIT_USAGE, "takes no --body")


def post(port, path, headers, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=body, method="POST")
    for n, val in headers:
        req.add_header(n, val)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_submit(r, verifier):
    kids = {t: keyid_of(r, t) for t in TYPES}
    srv = Server(verifier, {kids[t]: r.path("bank-%s.pub" % t)
                            for t in TYPES}, r.tmp)
    try:
        base_url = "http://127.0.0.1:%d" % srv.port
        bfile = r.path("body.json")
        body = open(bfile, "rb").read()
        for t in TYPES:
            rc, out, err = r.run(["submit", "--key",
                                  r.path("bank-%s.key" % t), "--keyid",
                                  kids[t], "--url", base_url + "/v1/mortgages",
                                  "--body", bfile])
            r.check("submit %s exit 0" % t, rc == 0, "rc=%d err=%r" %
                    (rc, err[:300]))
            r.check("submit %s status line on stderr" % t,
                    err == "HTTP/1.0 201 Created\n", repr(err))
            try:
                ans = json.loads(out)
            except ValueError:
                ans = {}
            r.check("submit %s verified by the server" % t,
                    ans.get("verified") is True and ans.get("alg") == ALG[t]
                    and ans.get("keyid") == kids[t] and
                    ans.get("body_sha256") == hashlib.sha256(body).hexdigest()
                    and ans.get("path") == "/v1/mortgages" and
                    ans.get("authority") == "127.0.0.1:%d" % srv.port,
                    out[:400])
        # Query string and another method pass through unchanged.
        rc, out, err = r.run(["submit", "--key", r.path("bank-p256.key"),
                              "--keyid", kids["p256"], "--url",
                              base_url + "/v1/x?page=2", "--method", "PUT",
                              "--body", bfile])
        ans = json.loads(out) if rc == 0 else {}
        r.check("submit PUT with query", rc == 0 and ans.get("method") ==
                "PUT" and ans.get("query") == "page=2", err[:300])

        # sign-request headers sent by someone else: accepted once, a
        # replay and a tampered body are refused by the verifier.
        kid = kids["ed25519"]
        out = r.ok("sign-request for replay", [
            "sign-request", "--key", r.path("bank-ed25519.key"), "--keyid",
            kid, "--url", base_url + "/v1/mortgages", "--body", bfile])
        hdrs = parse_headers(out) or []
        st, ans = post(srv.port, "/v1/mortgages", hdrs, body)
        r.check("urllib with sign-request headers: 201", st == 201 and
                ans.get("verified") is True, "%d %r" % (st, ans))
        st, ans = post(srv.port, "/v1/mortgages", hdrs, body)
        r.check("replayed nonce: 401", st == 401 and
                ans.get("code") == "nonce_replayed", "%d %r" % (st, ans))
        out = r.ok("sign-request for tamper", [
            "sign-request", "--key", r.path("bank-ed25519.key"), "--keyid",
            kid, "--url", base_url + "/v1/mortgages", "--body", bfile])
        hdrs = parse_headers(out) or []
        st, ans = post(srv.port, "/v1/mortgages", hdrs,
                       body.replace(b"150000", b"990000"))
        r.check("body changed after signing: 401 digest_mismatch",
                st == 401 and ans.get("code") == "digest_mismatch",
                "%d %r" % (st, ans))
        st, ans = post(srv.port, "/v1/other", hdrs, body)
        r.check("other path: 401 signature_invalid (lienlogd's code)",
                st == 401 and ans.get("code") == "signature_invalid",
                "%d %r" % (st, ans))
        st, ans = post(srv.port, "/v1/mortgages", hdrs, body)
        r.check("untampered original still accepted", st == 201,
                "%d %r" % (st, ans))

        # Refusals come back as exit 1 with the JSON code.
        err = r.run(["submit", "--key", r.path("bank-ed25519.key"),
                     "--keyid", "f" * 64, "--url", base_url + "/v1/m",
                     "--body", bfile])
        r.check("submit unknown keyid: exit 1, code printed",
                err[0] == EXIT_VERIFY and err[2].endswith(
                    "lienlog: submit: refused: HTTP 401 unknown_keyid\n") and
                err[2].startswith("HTTP/1.0 401 "), repr(err))
        r.check("submit unknown keyid: body on stdout",
                json.loads(err[1]).get("code") == "unknown_keyid")
        # The key of another party under a known keyid.
        err = r.run(["submit", "--key", r.path("bank-p256.key"),
                     "--keyid", kids["ed25519"], "--url", base_url + "/v1/m",
                     "--body", bfile])
        r.check("submit wrong key for keyid: exit 1 alg_mismatch",
                err[0] == EXIT_VERIFY and "alg_mismatch" in err[2],
                repr(err))
        r.fails("submit TLS options on http://",
                ["submit", "--key", r.path("bank-ed25519.key"), "--keyid",
                 kid, "--url", base_url + "/v1/m", "--body", bfile,
                 "--cacert", r.path("bank-ed25519.crt")], "submit",
                EXIT_USAGE, "https://")
        for bad in ("0", "-1", "3601", "1.5", "x"):
            r.fails("submit --timeout " + bad,
                    ["submit", "--key", r.path("bank-ed25519.key"),
                     "--keyid", kid, "--url", base_url + "/v1/m", "--body",
                     bfile, "--timeout", bad], "submit", EXIT_USAGE)
        r.fails("submit does not take --nonce",
                ["submit", "--key", r.path("bank-ed25519.key"), "--keyid",
                 kid, "--url", base_url + "/v1/m", "--body", bfile,
                 "--nonce", "n"], "submit", EXIT_USAGE)
    finally:
        srv.stop()

    # Nothing listening: no answer, exit 6 (a missing file is 4). The
    # port is held bound, never listening (itest.dead_port): no other
    # process can answer there meanwhile.
    held, port = dead_port()
    try:
        r.fails("submit connection refused",
                ["submit", "--key", r.path("bank-ed25519.key"), "--keyid",
                 kids["ed25519"], "--url", "http://127.0.0.1:%d/v1/m" % port,
                 "--body", r.path("body.json"), "--timeout", "20"], "submit",
                EXIT_NETWORK, "is the server running")
    finally:
        held.close()
    # A server that accepts and never answers: --timeout bounds the wait.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        r.fails("submit timeout", ["submit", "--key",
                r.path("bank-ed25519.key"), "--keyid", kids["ed25519"],
                "--url", "http://127.0.0.1:%d/v1/m" % s.getsockname()[1],
                "--body", r.path("body.json"), "--timeout", "1"], "submit",
                EXIT_NETWORK)
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--verifier", required=True)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if shutil.which("openssl") is None:
        print("openssl CLI missing", file=sys.stderr)
        return 1
    v = load_verifier(a.verifier)
    tmp = tempfile.mkdtemp(prefix="lienlog-cli-request-")
    r = Runner(os.path.abspath(a.lienlog), tmp)
    try:
        test_keygen(r)
        test_csr(r)
        test_fingerprint(r)
        test_sign_request(r, v)
        test_sign_request_get(r)
        test_submit(r, os.path.abspath(a.verifier))
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks passed, %d failed" % (r.passed, len(r.failed)))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
