#!/usr/bin/python3
"""An independent RFC 9421 / RFC 9530 verifier, as a module and as a tiny
HTTP server on 127.0.0.1, for testing `lienlog sign-request` and
`lienlog submit` (tests/integration/test_cli_request.py).

Written from the RFCs with the Python standard library, python3-cryptography
(Ed25519, ECDSA P-256) and the openssl CLI (SM2 with SM3: cryptography has
no SM2). It shares no code with crypto/httpsig.c: the signature base is rebuilt
here from the method, the request target, the Host header and the header
fields as received.

What it checks, per request (lienlog's policy, docs/request-signing.md):
  * exactly one Signature-Input and one Signature field, one label, the
    same in both; strict RFC 8941 syntax for the subset RFC 9421 uses;
  * covered components include "@method", "@path" or "@target-uri", and
    "content-digest"; parameters created, nonce and keyid present (alg
    optional, as in RFC 9421: the key decides);
  * created within +-window seconds of now; nonce not seen before;
  * keyid known; alg, when sent, equal to the key's algorithm;
  * Content-Digest sha-256 equals SHA-256 of the body (RFC 9530);
  * the signature verifies over the rebuilt base (RFC 9421 2.5):
    ed25519 (3.3.6), ecdsa-p256-sha256 (3.3.4, r||s), sm2-sm3 (lienlog's,
    r||s, SM3 with the distinguishing ID; via `openssl pkeyutl`).
Answers 201 {"verified":true,...what it verified...} or 401
{"code":"<lienlogd's code>","message":...} (WIRE below).

Server use:
  verify_httpsig_server.py --key KEYID=PUB.pem [--key ...] [--port 0]
      [--window 300] [--sm2-id 1234567812345678] [--idle-exit 120]
Prints "LISTENING <port>" on stdout once bound; exits after --idle-exit
seconds without a request (so a leaked server cannot live forever).
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature

BODY_MAX = 256 * 1024
SM2_ID_DEFAULT = "1234567812345678"
OPENSSL = "openssl"


class Refused(Exception):
    def __init__(self, code, message=""):
        super().__init__(code)
        self.code = code
        self.message = message


# ---- RFC 8941 structured fields (the subset RFC 9421 needs) --------------

_KEY_RE = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN_RE = re.compile(r"[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*")


class _Cur:
    def __init__(self, s):
        self.s = s
        self.i = 0

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ""

    def eat(self, ch):
        if self.peek() != ch:
            raise Refused("sig_malformed", "expected %r at %d" % (ch, self.i))
        self.i += 1

    def ows(self):
        while self.peek() in (" ", "\t") and self.peek() != "":
            self.i += 1

    def sp(self):
        while self.peek() == " ":
            self.i += 1

    def at_end(self):
        return self.i >= len(self.s)


def _sf_key(c):
    m = _KEY_RE.match(c.s, c.i)
    if not m:
        raise Refused("sig_malformed", "bad key at %d" % c.i)
    c.i = m.end()
    return m.group(0)


def _sf_string(c):
    c.eat('"')
    out = []
    while True:
        ch = c.peek()
        if ch == "":
            raise Refused("sig_malformed", "unterminated string")
        c.i += 1
        if ch == '"':
            return "".join(out)
        if ch == "\\":
            nxt = c.peek()
            if nxt not in ('"', "\\"):
                raise Refused("sig_malformed", "bad escape")
            c.i += 1
            out.append(nxt)
            continue
        if ord(ch) < 0x20 or ord(ch) > 0x7e:
            raise Refused("sig_malformed", "bad string character")
        out.append(ch)


def _sf_bare_item(c):
    ch = c.peek()
    if ch == '"':
        return _sf_string(c)
    if ch == ":":
        c.i += 1
        j = c.s.find(":", c.i)
        if j < 0:
            raise Refused("sig_malformed", "unterminated byte sequence")
        text = c.s[c.i:j]
        c.i = j + 1
        if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) or len(text) % 4:
            raise Refused("sig_malformed", "bad base64")
        raw = base64.b64decode(text, validate=True)
        if base64.b64encode(raw).decode() != text:
            raise Refused("sig_malformed", "non-canonical base64")
        return raw
    if ch == "-" or ch.isdigit():
        m = re.compile(r"-?[0-9]+").match(c.s, c.i)
        if m is None:
            raise Refused("sig_malformed", "bad integer at %d" % c.i)
        text = m.group(0)
        if re.fullmatch(r"-?0[0-9]+", text):
            raise Refused("sig_malformed", "integer with leading zeros")
        if len(text.lstrip("-")) > 15:
            raise Refused("sig_malformed", "integer too long")
        c.i = m.end()
        if c.peek() == ".":
            raise Refused("sig_malformed", "decimals are not used here")
        return int(text)
    m = _TOKEN_RE.match(c.s, c.i)
    if m:
        c.i = m.end()
        return ("token", m.group(0))
    raise Refused("sig_malformed", "bad item at %d" % c.i)


def _sf_params(c):
    params = []
    while c.peek() == ";":
        c.i += 1
        c.sp()
        k = _sf_key(c)
        v = True
        if c.peek() == "=":
            c.i += 1
            v = _sf_bare_item(c)
        if any(k == pk for pk, _ in params):
            raise Refused("sig_malformed", "duplicate parameter %s" % k)
        params.append((k, v))
    return params


def _sf_member_value(c):
    if c.peek() == "(":
        c.i += 1
        items = []
        while True:
            c.sp()
            if c.peek() == ")":
                c.i += 1
                break
            item = _sf_bare_item(c)
            iparams = _sf_params(c)
            items.append((item, iparams))
            if c.peek() not in (" ", ")"):
                raise Refused("sig_malformed", "bad inner list")
        return ("inner", items, _sf_params(c))
    item = _sf_bare_item(c)
    return ("item", item, _sf_params(c))


def sf_dictionary(text):
    """RFC 8941 3.2 dictionary -> list of (key, member), duplicates refused
    (RFC 8941 would keep the last; lienlog refuses, and so do we)."""
    c = _Cur(text)
    c.sp()
    out = []
    while not c.at_end():
        k = _sf_key(c)
        if c.peek() == "=":
            c.i += 1
            member = _sf_member_value(c)
        else:
            member = ("item", True, _sf_params(c))
        if any(k == ok for ok, _ in out):
            raise Refused("sig_malformed", "duplicate dictionary key %s" % k)
        out.append((k, member))
        c.ows()
        if c.at_end():
            break
        c.eat(",")
        c.ows()
        if c.at_end():
            raise Refused("sig_malformed", "trailing comma")
    return out


def _ser_item(v):
    if isinstance(v, bool):
        return "?1" if v else "?0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple) and v[0] == "token":
        return v[1]
    raise Refused("sig_malformed", "unserialisable parameter")


def serialize_signature_params(components, params):
    """RFC 9421 2.3: the inner list, re-serialised canonically."""
    inner = "(" + " ".join(_ser_item(n) for n in components) + ")"
    return inner + "".join(";%s=%s" % (k, _ser_item(v)) for k, v in params)


# ---- keys -----------------------------------------------------------------

class Key:
    """A verification key: alg is the RFC 9421 name it signs with."""

    def __init__(self, pem_path, sm2_id=SM2_ID_DEFAULT):
        self.path = pem_path
        self.sm2_id = sm2_id
        data = open(pem_path, "rb").read()
        try:
            k = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            k = None
        if isinstance(k, ed25519.Ed25519PublicKey):
            self.alg, self.obj = "ed25519", k
        elif isinstance(k, ec.EllipticCurvePublicKey) and \
                isinstance(k.curve, ec.SECP256R1):
            self.alg, self.obj = "ecdsa-p256-sha256", k
        else:
            # python3-cryptography 38 has no SM2: ask openssl what it is.
            text = subprocess.run(
                [OPENSSL, "pkey", "-pubin", "-in", pem_path, "-noout",
                 "-text"], capture_output=True, timeout=60).stdout.decode()
            if "ASN1 OID: SM2" not in text:
                raise ValueError("%s: unsupported public key" % pem_path)
            self.alg, self.obj = "sm2-sm3", None

    def verify(self, sig, base):
        """True iff sig (raw, 64 bytes) verifies over base (bytes)."""
        if len(sig) != 64:
            return False
        if self.alg == "ed25519":
            try:
                self.obj.verify(sig, base)
                return True
            except InvalidSignature:
                return False
        r = int.from_bytes(sig[:32], "big")
        s = int.from_bytes(sig[32:], "big")
        der = encode_dss_signature(r, s)
        if self.alg == "ecdsa-p256-sha256":
            try:
                self.obj.verify(der, base, ec.ECDSA(hashes.SHA256()))
                return True
            except InvalidSignature:
                return False
        return sm2_verify_openssl(self.path, self.sm2_id, base, der)


def sm2_verify_openssl(pub_path, sm2_id, msg, der_sig):
    """SM2 with SM3 over msg (Z_A with sm2_id) by the openssl CLI."""
    with tempfile.TemporaryDirectory() as d:
        mp, sp = os.path.join(d, "msg"), os.path.join(d, "sig")
        with open(mp, "wb") as f:
            f.write(msg)
        with open(sp, "wb") as f:
            f.write(der_sig)
        p = subprocess.run(
            [OPENSSL, "pkeyutl", "-verify", "-pubin", "-inkey", pub_path,
             "-rawin", "-digest", "sm3", "-pkeyopt", "distid:" + sm2_id,
             "-in", mp, "-sigfile", sp], capture_output=True, timeout=60)
        return p.returncode == 0 and b"Signature Verified Successfully" in \
            p.stdout


# ---- verification -----------------------------------------------------------

def _one_field(headers, name):
    vals = [v for (n, v) in headers if n.lower() == name]
    if not vals:
        return None
    if len(vals) > 1:
        raise Refused("sig_duplicate_header", "%s sent %d times" %
                      (name, len(vals)))
    return vals[0].strip(" \t")


def _component_value(name, req):
    method, scheme, authority, path, query, headers = req
    if name == "@method":
        return method
    if name == "@authority":
        return authority.lower()
    if name == "@scheme":
        return scheme.lower()
    if name == "@path":
        return path or "/"
    if name == "@query":
        return "?" + (query if query is not None else "")
    if name == "@target-uri":
        return "%s://%s%s%s" % (scheme.lower(), authority.lower(),
                                path or "/",
                                "" if query is None else "?" + query)
    if name.startswith("@"):
        raise Refused("sig_malformed", "unsupported derived component " +
                      name)
    vals = [v.strip(" \t") for (n, v) in headers if n.lower() == name]
    if not vals:
        raise Refused("sig_covered_field_absent", name)
    return ", ".join(vals)


def verify(method, scheme, authority, target, headers, body, keys,
           now=None, window=300, seen_nonces=None):
    """Verify one request. headers: list of (name, value) as received.
    keys: {keyid: Key}. Returns a dict describing what verified; raises
    Refused(code) otherwise."""
    now = int(time.time()) if now is None else now
    if "?" in target:
        path, query = target.split("?", 1)
    else:
        path, query = target, None
    req = (method, scheme, authority, path, query, headers)

    si_text = _one_field(headers, "signature-input")
    sig_text = _one_field(headers, "signature")
    if si_text is None or sig_text is None:
        raise Refused("sig_missing")
    si = sf_dictionary(si_text)
    sg = sf_dictionary(sig_text)
    if len(si) != 1 or len(sg) != 1 or si[0][0] != sg[0][0]:
        raise Refused("sig_label_mismatch")
    label, (kind, items, params) = si[0]
    if kind != "inner":
        raise Refused("sig_malformed", "Signature-Input is not an inner list")
    skind, sig, sparams = sg[0][1]
    if skind != "item" or not isinstance(sig, bytes) or sparams:
        raise Refused("sig_malformed", "Signature is not a byte sequence")
    components = []
    for item, iparams in items:
        if not isinstance(item, str) or iparams:
            raise Refused("sig_malformed", "component must be a plain string")
        if item in components or item == "@signature-params":
            raise Refused("sig_malformed", "repeated component")
        components.append(item)
    pd = dict(params)
    for k in pd:
        if k not in ("created", "expires", "nonce", "keyid", "alg", "tag"):
            raise Refused("sig_malformed", "unknown parameter " + k)
    if "@method" not in components or "content-digest" not in components \
            or not ("@path" in components or "@target-uri" in components):
        raise Refused("sig_component_missing")
    # alg is optional (RFC 9421 2.3): the key decides; if sent it must
    # agree. nonce is required (lienlog's policy).
    # An empty nonce is a missing one, as lienlogd says (crypto/httpsig.c:
    # HTTPSIG_R_PARAM_MISSING, "no nonce parameter (or an empty one)").
    if "created" not in pd:
        raise Refused("sig_param_missing", "no created parameter (Unix "
                      "seconds)")
    if "nonce" not in pd or pd["nonce"] == "":
        raise Refused("sig_param_missing", "no nonce parameter (or an "
                      "empty one): a fresh nonce is required on every "
                      "request (docs/request-signing.md)")
    if "keyid" not in pd:
        raise Refused("sig_param_missing", "no keyid parameter")
    created = pd["created"]
    if not isinstance(created, int) or isinstance(created, bool) or \
            created < 0:
        raise Refused("sig_malformed", "created")
    for k in ("nonce", "keyid", "alg"):
        if k in pd and (not isinstance(pd[k], str) or pd[k] == ""):
            raise Refused("sig_malformed", k)

    # RFC 9530: the body must match Content-Digest before anything else
    # is believed about it.
    cd_text = _one_field(headers, "content-digest")
    if cd_text is None:
        raise Refused("digest_missing")
    cd = dict((k, m) for k, m in sf_dictionary(cd_text))
    if "sha-256" not in cd or cd["sha-256"][0] != "item" or \
            not isinstance(cd["sha-256"][1], bytes):
        raise Refused("digest_missing")
    if cd["sha-256"][1] != hashlib.sha256(body).digest():
        raise Refused("digest_mismatch")

    if abs(now - created) > window:
        raise Refused("sig_created_outside_window")
    key = keys.get(pd["keyid"])
    if key is None:
        raise Refused("unknown_keyid")
    if "alg" in pd and pd["alg"] not in ("ed25519", "ecdsa-p256-sha256",
                                         "sm2-sm3"):
        raise Refused("alg_unsupported")
    if "alg" in pd and pd["alg"] != key.alg:
        raise Refused("alg_mismatch")

    lines = ['"%s": %s' % (n, _component_value(n, req)) for n in components]
    sp = serialize_signature_params(components, params)
    lines.append('"@signature-params": ' + sp)
    base = "\n".join(lines)
    if any(ord(ch) < 0x20 and ch != "\n" for ch in base):
        raise Refused("sig_malformed", "control character in a component")
    if not key.verify(sig, base.encode()):
        raise Refused("bad_signature")
    if seen_nonces is not None:
        if (pd["keyid"], pd["nonce"]) in seen_nonces:
            raise Refused("nonce_replayed")
        seen_nonces.add((pd["keyid"], pd["nonce"]))
    return {
        "verified": True, "label": label, "keyid": pd["keyid"],
        "alg": key.alg, "components": components, "created": created,
        "nonce": pd["nonce"], "content_digest": cd_text,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "method": method, "authority": authority.lower(), "path": path or "/",
        "query": query,
        "signature_base_sha256": hashlib.sha256(base.encode()).hexdigest(),
    }


# ---- server -------------------------------------------------------------------

# This module's reason names are crypto/httpsig.c's (httpsig_reason_code,
# which the interop tests compare); over HTTP it answers with the codes
# lienlogd sends for the same refusal (api/auth.c, docs/request-signing.md
# "Error codes"), so a client tried against it sees lienlogd's codes.
WIRE = {
    "sig_missing": "signature_missing",
    "sig_duplicate_header": "signature_duplicate_header",
    "sig_malformed": "signature_malformed",
    "sig_too_large": "signature_too_large",
    "sig_label_mismatch": "signature_label_mismatch",
    "sig_component_missing": "signature_component_missing",
    "sig_param_missing": "signature_param_missing",
    "sig_covered_field_absent": "signature_covered_field_absent",
    "sig_created_outside_window": "created_out_of_window",
    "sig_expired": "signature_expired",
    "bad_signature": "signature_invalid",
}


def make_handler(keys, window, seen):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "verify-httpsig/1"

        def log_message(self, fmt, *args):
            pass

        def _answer(self, status, obj):
            data = (json.dumps(obj, sort_keys=True) + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self):
            self.server.last_request = time.monotonic()
            if self.headers.get_all("Transfer-Encoding"):
                return self._answer(400, {"code": "transfer_encoding"})
            cls = self.headers.get_all("Content-Length") or []
            if len(cls) > 1 or (cls and not cls[0].isdigit()):
                return self._answer(400, {"code": "bad_content_length"})
            n = int(cls[0]) if cls else 0
            if n > BODY_MAX:
                return self._answer(413, {"code": "body_too_large"})
            body = self.rfile.read(n) if n else b""
            hosts = self.headers.get_all("Host") or []
            if len(hosts) != 1:
                return self._answer(400, {"code": "bad_host"})
            headers = list(self.headers.items())
            try:
                res = verify(self.command, "http", hosts[0], self.path,
                             headers, body, keys, window=window,
                             seen_nonces=seen)
            except Refused as e:
                # the code lienlogd sends (api/auth.c), not the library's
                return self._answer(401, {"code": WIRE.get(e.code, e.code),
                                          "message": e.message})
            return self._answer(201, res)

        do_POST = do_PUT = do_DELETE = do_PATCH = do_GET = _handle

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", action="append", default=[],
                    help="KEYID=PUBLIC_KEY.pem (repeatable)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--window", type=int, default=300)
    ap.add_argument("--sm2-id", default=SM2_ID_DEFAULT)
    ap.add_argument("--idle-exit", type=float, default=120.0)
    a = ap.parse_args()
    keys = {}
    for spec in a.key:
        kid, _, path = spec.partition("=")
        keys[kid] = Key(path, a.sm2_id)
    seen = set()
    srv = http.server.HTTPServer(("127.0.0.1", a.port),
                                 make_handler(keys, a.window, seen))
    srv.timeout = 0.5
    srv.last_request = time.monotonic()
    print("LISTENING %d" % srv.server_address[1], flush=True)
    # Bounded: exit once idle for --idle-exit seconds.
    while time.monotonic() - srv.last_request < a.idle_exit:
        srv.handle_request()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
