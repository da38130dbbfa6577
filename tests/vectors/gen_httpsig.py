#!/usr/bin/python3
"""Independent RFC 9421 / RFC 9530 implementation for lienlog's interop tests.

Written from the RFC text, sharing no code with crypto/httpsig.c: it builds
signature bases itself, signs and verifies with python3-cryptography
(Ed25519, ECDSA P-256) and the openssl CLI (SM2 with SM3 and an explicit
distinguishing ID; python3-cryptography 38 has no SM2).

  gen_httpsig.py check-vectors <vectors-dir>
      re-derive the stored RFC 9421 appendix B / RFC 9530 vectors
  gen_httpsig.py interop --driver <httpsig_interop> --workdir <dir>
      sign requests here and verify them with lienlog's C code, and the
      other way round; negative cases must be refused with their reason.

Exit status 0 on success; failures are printed. Run with /usr/bin/python3.
"""
import base64
import hashlib
import os
import re
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def blocks(path):
    """The '@@ name' block format of tests/vectors/rfc9421_*.txt."""
    out, name, lines = {}, None, []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.startswith("@@ "):
                if name is not None:
                    out[name] = "\n".join(lines).rstrip("\n")
                name, lines = line[3:], []
            elif name is not None:
                lines.append(line)
            # comment lines before the first block are skipped
    if name is not None:
        out[name] = "\n".join(lines).rstrip("\n")
    return out


# ---- RFC 9421 signature base, from section 2 --------------------------------

def split_uri(uri):
    scheme, rest = uri.split("://", 1)
    slash = rest.index("/")
    authority, pathq = rest[:slash], rest[slash:]
    path, _, query = pathq.partition("?")
    return scheme, authority, path, (query if "?" in pathq else None)


def component_value(name, req):
    scheme, authority, path, query = split_uri(req["target-uri"])
    if name == "@method":
        return req["method"]
    if name == "@authority":
        return authority.lower()
    if name == "@scheme":
        return scheme.lower()
    if name == "@path":
        return path or "/"
    if name == "@query":
        return "?" + (query or "")
    if name == "@target-uri":
        return "%s://%s%s%s" % (scheme.lower(), authority.lower(),
                                path or "/",
                                "" if query is None else "?" + query)
    vals = [v.strip(" \t") for (n, v) in req["headers"] if n.lower() == name]
    if not vals:
        raise KeyError(name)
    return ", ".join(vals)


def sf_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def params_value(components, params):
    """RFC 9421 2.3: the inner list serialized per RFC 8941 4.1."""
    out = "(" + " ".join(sf_string(c) for c in components) + ")"
    for k, v in params:
        out += ";%s=%s" % (k, v if isinstance(v, int) else sf_string(v))
    return out


def signature_base(req, components, params):
    lines = ['"%s": %s' % (c, component_value(c, req)) for c in components]
    lines.append('"@signature-params": ' + params_value(components, params))
    return "\n".join(lines)


def parse_signature_input(value):
    """Just enough RFC 8941 for what our C signer emits (one label)."""
    m = re.fullmatch(r'([a-z*][a-z0-9_.*-]*)=\(([^)]*)\)(.*)', value)
    label, comps, rest = m.group(1), m.group(2), m.group(3)
    components = re.findall(r'"([^"]*)"', comps)
    params = []
    for k, s, i in re.findall(r';([a-z]+)=(?:"([^"]*)"|([0-9]+))', rest):
        params.append((k, int(i) if i else s))
    return label, components, params


def content_digest(body):
    return "sha-256=:%s:" % base64.b64encode(
        hashlib.sha256(body).digest()).decode()


# ---- keys and algorithms ------------------------------------------------------

def load_priv(pem):
    return serialization.load_pem_private_key(pem.encode(), None)


def load_pub(pem):
    return serialization.load_pem_public_key(pem.encode())


def raw_from_der(der):
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def der_from_raw(raw):
    return encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                int.from_bytes(raw[32:], "big"))


def sign_py(key, msg):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(msg)
    return raw_from_der(key.sign(msg, ec.ECDSA(hashes.SHA256())))


def verify_py(pub, msg, sig):
    try:
        if isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(sig, msg)
        else:
            pub.verify(der_from_raw(sig), msg, ec.ECDSA(hashes.SHA256()))
        return True
    except Exception:
        return False


def openssl_sm2(op, keyfile, msg, workdir, distid, sig=None):
    mpath = os.path.join(workdir, "sm2.msg")
    spath = os.path.join(workdir, "sm2.sig")
    with open(mpath, "wb") as f:
        f.write(msg)
    cmd = ["openssl", "pkeyutl", "-" + op, "-inkey", keyfile, "-in", mpath,
           "-rawin", "-digest", "sm3", "-pkeyopt", "distid:" + distid]
    if op == "sign":
        cmd += ["-out", spath]
    else:
        with open(spath, "wb") as f:
            f.write(der_from_raw(sig))
        cmd += ["-pubin", "-sigfile", spath]
    p = subprocess.run(cmd, capture_output=True)
    if op == "sign":
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode())
        with open(spath, "rb") as f:
            return raw_from_der(f.read())
    return p.returncode == 0


# ---- check-vectors ------------------------------------------------------------

def check_vectors(vdir):
    keys = blocks(os.path.join(vdir, "rfc9421_keys.txt"))
    ed = load_priv(keys["ed25519-private"])
    p256 = load_priv(keys["p256-private-pkcs8"])
    p256_sec1 = load_priv(keys["p256-private-sec1"])
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = serialization.Encoding.PEM

    def pub_pem(k):
        return k.public_key().public_bytes(pem, spki).decode().strip()
    check(pub_pem(ed) == keys["ed25519-public"], "ed25519 public from private")
    check(pub_pem(p256) == keys["p256-public"], "p256 public from private")
    check(p256.private_numbers() == p256_sec1.private_numbers(),
          "p256 pkcs8 == sec1")

    for name, key in (("rfc9421_b26.txt", ed), ("rfc9421_b3.txt", p256)):
        v = blocks(os.path.join(vdir, name))
        req = {"method": v["method"], "target-uri": v["target-uri"],
               "headers": [tuple(h.split(": ", 1))
                           for h in v["headers"].split("\n")]}
        label, comps, params = parse_signature_input(v["signature-input"])
        base = signature_base(req, comps, params)
        check(base == v["base"], name + ": base rebuilt from the request")
        sig = base64.b64decode(v["signature"].split("=:", 1)[1].rstrip(":"))
        check(verify_py(key.public_key(), base.encode(), sig),
              name + ": RFC signature verifies")
        if key is ed:
            check(ed.sign(base.encode()) == sig,
                  name + ": Ed25519 signature re-derives exactly")
    v = blocks(os.path.join(vdir, "rfc9421_b24.txt"))
    sig = base64.b64decode(v["signature"].split("=:", 1)[1].rstrip(":"))
    check(verify_py(p256.public_key(), v["base"].encode(), sig),
          "rfc9421_b24.txt: RFC signature verifies")
    d = blocks(os.path.join(vdir, "rfc9421_rfc9530_digest.txt"))
    body = d["body"].encode()
    check(content_digest(body) == d["content-digest-sha256"], "RFC 9530 sha-256")
    check("sha-512=:%s:" % base64.b64encode(hashlib.sha512(body).digest())
          .decode() == d["content-digest-sha512"], "RFC 9530 sha-512")


# ---- interop -------------------------------------------------------------------

NOW = 1700000000
COMPONENTS = ["@method", "@target-uri", "@authority", "content-digest",
              "content-type"]


def write_request(path, req, body, extra=()):
    with open(path, "w", encoding="utf-8") as f:
        f.write("@@ method\n%s\n@@ target-uri\n%s\n@@ headers\n" %
                (req["method"], req["target-uri"]))
        for n, v in list(req["headers"]) + list(extra):
            f.write("%s: %s\n" % (n, v))
        f.write("@@ body\n%s\n" % body.decode())


def base_request(body):
    return {"method": "POST",
            "target-uri": "https://registry.example/v1/mortgages",
            "headers": [("Content-Type", "application/json"),
                        ("Content-Digest", content_digest(body))]}


def py_signed(sign_fn, alg, keyid, body, created=NOW, nonce="py-nonce-1"):
    req = base_request(body)
    params = [("created", created), ("nonce", nonce), ("keyid", keyid),
              ("alg", alg)]
    base = signature_base(req, COMPONENTS, params)
    sig = sign_fn(base.encode())
    extra = [("Signature-Input", "py=" + params_value(COMPONENTS, params)),
             ("Signature", "py=:%s:" % base64.b64encode(sig).decode())]
    return req, extra


def run_driver(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def interop(driver, workdir):
    os.makedirs(workdir, exist_ok=True)
    body = b'{"vin":"LSVAU2180N2183294","lender":"bank-1"}'
    enc = serialization.Encoding.PEM
    pkcs8 = serialization.PrivateFormat.PKCS8
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    nocrypt = serialization.NoEncryption()

    keys = {}
    for alg, priv in (("ed25519", ed25519.Ed25519PrivateKey.generate()),
                      ("ecdsa-p256-sha256",
                       ec.generate_private_key(ec.SECP256R1()))):
        kp = os.path.join(workdir, alg + ".key")
        pp = os.path.join(workdir, alg + ".pub")
        with open(kp, "wb") as f:
            f.write(priv.private_bytes(enc, pkcs8, nocrypt))
        with open(pp, "wb") as f:
            f.write(priv.public_key().public_bytes(enc, spki))
        keys[alg] = (priv, kp, pp)
    sm2k = os.path.join(workdir, "sm2.key")
    sm2p = os.path.join(workdir, "sm2.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", sm2k],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", sm2k, "-pubout", "-out", sm2p],
                   check=True, capture_output=True)
    req_path = os.path.join(workdir, "req.txt")

    def verify_c(pub, req, extra, want, b=body, now=NOW, sm2id=None):
        write_request(req_path, req, b, extra)
        args = [driver, "verify", pub, req_path, str(now)]
        if sm2id is not None:
            args.append(sm2id)
        rc, out, err = run_driver(args)
        return out == want and (rc == 0) == (want == "ok"), out or err

    # Python / openssl sign, lienlog verifies.
    signers = {
        "ed25519": lambda m: sign_py(keys["ed25519"][0], m),
        "ecdsa-p256-sha256": lambda m: sign_py(keys["ecdsa-p256-sha256"][0], m),
        "sm2-sm3": lambda m: openssl_sm2("sign", sm2k, m, workdir,
                                         "1234567812345678"),
    }
    pubs = {"ed25519": keys["ed25519"][2],
            "ecdsa-p256-sha256": keys["ecdsa-p256-sha256"][2],
            "sm2-sm3": sm2p}
    for alg, fn in signers.items():
        req, extra = py_signed(fn, alg, "bank-1", body)
        ok, out = verify_c(pubs[alg], req, extra, "ok")
        check(ok, "%s: independent signature verified by lienlog (%s)" %
              (alg, out))
        ok, out = verify_c(pubs[alg], req, extra, "digest_mismatch",
                           b=body.replace(b"bank-1", b"bank-2"))
        check(ok, "%s: body changed after signing -> %s" % (alg, out))
        ok, out = verify_c(pubs[alg], req, extra,
                           "sig_created_outside_window", now=NOW + 301)
        check(ok, "%s: created outside window -> %s" % (alg, out))
        tampered = [extra[0], (extra[1][0], extra[1][1][:10] +
                               ("A" if extra[1][1][10] != "A" else "B") +
                               extra[1][1][11:])]
        ok, out = verify_c(pubs[alg], req, tampered, "bad_signature")
        check(ok, "%s: flipped signature -> %s" % (alg, out))
    # alg confusion: an Ed25519-signed request presented for the P-256 key.
    req, extra = py_signed(signers["ed25519"], "ed25519", "bank-1", body)
    ok, out = verify_c(pubs["ecdsa-p256-sha256"], req, extra, "alg_mismatch")
    check(ok, "alg confusion -> " + out)
    # SM2 distinguishing ID: signed with another ID, or verified with one.
    req, extra = py_signed(lambda m: openssl_sm2(
        "sign", sm2k, m, workdir, "1234567812345679"), "sm2-sm3", "bank-1",
        body)
    ok, out = verify_c(sm2p, req, extra, "bad_signature")
    check(ok, "sm2-sm3: openssl signed with a wrong ID -> " + out)
    req, extra = py_signed(signers["sm2-sm3"], "sm2-sm3", "bank-1", body)
    ok, out = verify_c(sm2p, req, extra, "bad_signature",
                       sm2id="ALICE123@YAHOO.COM")
    check(ok, "sm2-sm3: verified under another ID -> " + out)
    ok, out = verify_c(sm2p, req, extra, "ok", sm2id="1234567812345678")
    check(ok, "sm2-sm3: explicit default ID -> " + out)

    # lienlog signs, Python / openssl verify.
    privs = {"ed25519": keys["ed25519"][1],
             "ecdsa-p256-sha256": keys["ecdsa-p256-sha256"][1],
             "sm2-sm3": sm2k}
    for alg, kp in privs.items():
        req = {"method": "POST",
               "target-uri": "https://registry.example/v1/mortgages",
               "headers": [("Content-Type", "application/json")]}
        write_request(req_path, req, body)
        rc, out, err = run_driver([driver, "sign", kp, req_path, "bank-1",
                                   str(NOW)])
        if rc != 0:
            check(False, "%s: lienlog signs (%s)" % (alg, err))
            continue
        hdrs = dict(line.split(": ", 1) for line in out.split("\n"))
        check(hdrs["Content-Digest"] == content_digest(body),
              "%s: lienlog Content-Digest matches" % alg)
        label, comps, params = parse_signature_input(hdrs["Signature-Input"])
        check(dict(params).get("alg") == alg and
              "nonce" in dict(params), "%s: alg and nonce params" % alg)
        req["headers"].append(("Content-Digest", hdrs["Content-Digest"]))
        base = signature_base(req, comps, params).encode()
        sig = base64.b64decode(hdrs["Signature"].split("=:", 1)[1]
                               .rstrip(":"))
        if alg == "sm2-sm3":
            good = openssl_sm2("verify", sm2p, base, workdir,
                               "1234567812345678", sig)
            bad = openssl_sm2("verify", sm2p, base, workdir,
                              "1234567812345679", sig)
            check(not bad, "sm2-sm3: openssl refuses under a wrong ID")
        else:
            good = verify_py(keys[alg][0].public_key(), base, sig)
        check(good, "%s: lienlog signature verified independently" % alg)


def main(argv):
    if len(argv) == 3 and argv[1] == "check-vectors":
        check_vectors(argv[2])
    elif len(argv) == 6 and argv[1] == "interop" and argv[2] == "--driver" \
            and argv[4] == "--workdir":
        interop(argv[3], argv[5])
    else:
        print(__doc__)
        return 2
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
