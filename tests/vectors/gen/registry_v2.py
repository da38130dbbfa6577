#!/usr/bin/env python3
"""Worked examples of registry payload version 2 (docs/registry.md,
docs/privacy.md): the public payload of each entry and its private record,
made with Python's json and hashlib from the documented field lists,
independently of registry/registry.c. Parties and stand-ins as in
tests/unit/test_registry.c: keyid = SHA-256("DER-CERT-" + party id);
keyed identifiers (owner, details, contract, the keyed request digest,
salt) are SHA-256 of test labels, which the test feeds the build the same way.

    python3 tests/vectors/gen/registry_v2.py   # rewrites tests/vectors/registry_*.json
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)


def h(b):
    if isinstance(b, str):
        b = b.encode()
    return hashlib.sha256(b).hexdigest()


def canon(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def commit(index, rec):
    return h(b"lienlog-private-v1\0" + index.to_bytes(8, "big") +
             rec.encode())


VIN2 = "LBV5S3102ESJ25655"
VEHICLE = h(b"lienlog-vehicle-v1\0" + VIN2.encode())
BANK_A = "91440300708461136T"
CREATED = 1767225600
WINDOW = 300000


def signer(party, role):
    return {"party": party, "role": role,
            "keyid": h("DER-CERT-" + party), "not_after_ms": 4102444800000}


def private(index, time_ms):
    nonce = "vec-%d" % index
    return {
        "salt": h("vector-salt-%d" % index),
        "evidence": {
            "created": CREATED,
            "nonce": nonce,
            "alg": "ed25519",
            "nonce_exp_ms": max(CREATED * 1000, time_ms) + WINDOW,
            "digest": h("vector-idem-%d" % index),
        },
        "sealed": h(b"\x5a" * 64),
        "key": "system",
    }


def vector(name, typ, index, time_ms, pub, priv):
    rec = canon(priv)
    pub = dict(pub, private=commit(index, rec))
    doc = {
        "source": ("lienlog docs/registry.md worked example, payload "
                   "version 2 (docs/privacy.md); made by "
                   "tests/vectors/gen/registry_v2.py with Python json and "
                   "hashlib, independently of registry/registry.c"),
        "type": typ, "index": index, "time_ms": time_ms,
        "payload": canon(pub), "private": rec,
        "payload_pretty": pub, "private_pretty": priv,
    }
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    reg = signer("registry:zj", "registry")
    bank = signer(BANK_A, "institution")
    off = signer("officer:0042", "officer")

    t = 1767225605000
    pv = private(5, t)
    pv.update(owner=h("owner-2"), details=h("浙F12345330100123456"))
    vector("registry_vehicle_record.json", 20, 5, t,
           {"v": 2, "step": "vehicle_record", "signer": reg,
            "vehicle": VEHICLE}, pv)

    t = 1767225606000
    pv = private(6, t)
    pv.update(signer=bank, owner=h("owner-2"),
              details=h("浙F12345330100123456"),
              contract=h(BANK_A + "/HT-2026-0001"), reasons=[],
              face={"token": h("face-token"), "verdict": "pass",
                    "liveness": 9800, "match": 9600,
                    "issuer": "https://face.example"})
    vector("registry_mortgage_application.json", 21, 6, t,
           {"v": 2, "step": "mortgage_application",
            "app": "A0000000000000006", "vehicle": VEHICLE,
            "status": "submitted"}, pv)

    t = 1767225607000
    vector("registry_decision.json", 23, 7, t,
           {"v": 2, "step": "decision", "signer": off,
            "app": "A0000000000000006", "decision": "approve"},
           private(7, t))

    t = 1767225608000
    vector("registry_restriction.json", 24, 8, t,
           {"v": 2, "step": "restriction", "signer": reg,
            "vehicle": VEHICLE, "action": "set", "kind": "seized"},
           private(8, t))


if __name__ == "__main__":
    main()
