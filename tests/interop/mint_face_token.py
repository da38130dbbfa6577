#!/usr/bin/python3
"""Mint face-ID tokens with an independent JOSE implementation built only on
Python's `cryptography` (Debian python3-cryptography), for the interop test
interop.evidence_python (tests/interop/evidence.cmake): test_evidence then
verifies them with lienlog's api/evidence.

Usage: mint_face_token.py OUTDIR
Writes face-issuers.jwks (two keys: py-ed Ed25519/EdDSA per RFC 8037,
py-es P-256/ES256 per RFC 7518 3.4 with raw r||s), token-py-ed.txt,
token-py-es.txt, sub.txt, nonce.txt (base64url of the 32-byte values the
tokens bind) and now.txt (the Unix time they were minted at).
"""
import base64
import hashlib
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    now = int(time.time())
    sub = hashlib.sha256(b"applicant identity commitment (test)").digest()
    app = hashlib.sha256(b'{"application":{"vin":"LSVAU2180N2183294"}}').digest()

    ed = ed25519.Ed25519PrivateKey.generate()
    ed_pub = ed.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)
    es = ec.generate_private_key(ec.SECP256R1())
    nums = es.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "OKP", "crv": "Ed25519", "x": b64url(ed_pub), "kid": "py-ed",
         "use": "sig", "alg": "EdDSA", "iss": "https://face.python.example"},
        {"kty": "EC", "crv": "P-256", "x": b64url(nums.x.to_bytes(32, "big")),
         "y": b64url(nums.y.to_bytes(32, "big")), "kid": "py-es",
         "alg": "ES256", "iss": "https://face.python.example"},
    ]}

    claims = {"iss": "https://face.python.example", "aud": "lienlog.test",
              "iat": now - 5, "nbf": now - 5, "exp": now + 120,
              "sub": b64url(sub), "nonce": b64url(app),
              "liveness": 9900, "match": 9800}

    def token(alg, kid, sign):
        head = b64url(compact({"alg": alg, "kid": kid, "typ": "JWT"}))
        body = b64url(compact(claims))
        signing_input = (head + "." + body).encode("ascii")
        return head + "." + body + "." + b64url(sign(signing_input))

    def sign_es(msg):
        r, s = decode_dss_signature(es.sign(msg, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    files = {
        "face-issuers.jwks": json.dumps(jwks),
        "token-py-ed.txt": token("EdDSA", "py-ed", ed.sign),
        "token-py-es.txt": token("ES256", "py-es", sign_es),
        "sub.txt": b64url(sub),
        "nonce.txt": b64url(app),
        "now.txt": str(now),
    }
    for name, text in files.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
