#!/usr/bin/python3
"""Times in JSON answers (TEAM.md, docs/api-registration.md "Times"):
every integer member "<x>_ms" that is an instant has "<x>_at" beside it,
the same instant as an RFC 3339 UTC string with milliseconds.

Against a live `lienlogd --demo`, the JSON answers of every route family
are walked at any depth: the public reads (health, vehicle, status proof,
institutions, keys, inclusion proof), the signed reads of each role
(application and its timeline with the EMS delivery, the officer's
queue, statistics, evidence, a party's vehicle view), the owner screen's
read, and receipts of writes. A "<x>_ms" without its "<x>_at", or an
"<x>_at" that is not the same instant, fails; exempt are only DURATIONS,
lengths of time rather than instants (GET /v1/statistics:
docs/statistics.md), and an "<x>_at" that is null because "<x>_ms" is
past year 9999 (statistics' open "to").

Usage: test_times_at.py LIENLOGD LIENLOG
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from itest import check, require, FAILURES, start_demo, stop

DURATIONS = {"median_ms", "p90_ms"}
LAST_MS = 253402300799999      # 9999-12-31T23:59:59.999Z


def walk(v, where, seen, bad):
    if isinstance(v, dict):
        for k, x in v.items():
            if k.endswith("_ms") and isinstance(x, int) and \
                    not isinstance(x, bool):
                if k in DURATIONS:
                    continue
                seen.append(where + " " + k)
                at = v.get(k[:-3] + "_at")
                if at is None and k[:-3] + "_at" in v and x > LAST_MS:
                    continue    # null: past what RFC 3339 can write
                ok = isinstance(at, str) and re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", at) and \
                    round(datetime.datetime.strptime(
                        at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                        tzinfo=datetime.timezone.utc).timestamp() * 1000) \
                    == x
                if not ok:
                    bad.append("%s: %s=%d with %s=%r" % (where, k, x,
                                                         k[:-3] + "_at", at))
            walk(x, where, seen, bad)
    elif isinstance(v, list):
        for x in v:
            walk(x, where, seen, bad)


def main():
    lienlogd, lienlog = sys.argv[1:3]
    tmp = tempfile.mkdtemp(prefix="lienlog-times-")
    proc = None
    seen, bad = [], []
    try:
        data = os.path.join(tmp, "demo-data")
        demo = os.path.join(data, "demo")
        proc, port = start_demo(lienlogd, data, os.path.join(tmp, "d.log"))
        url = "http://127.0.0.1:%d" % port
        with open(os.path.join(demo, "README"), encoding="utf-8") as f:
            readme = f.read()
        vin = re.search(r"under a lien\s+([A-HJ-NPR-Z0-9]{17})",
                        readme).group(1)
        restricted = re.search(r"restriction in force\s+"
                               r"([A-HJ-NPR-Z0-9]{17})", readme).group(1)
        released = re.search(r"all liens released\s+([A-HJ-NPR-Z0-9]{17})",
                             readme).group(1)
        m = re.search(r"approved\s+(A[0-9a-f]{16})\s+code (\S+)", readme)
        app, code = m.group(1), m.group(2)

        def answer(what, text):
            try:
                j = json.loads(text)
            except ValueError:
                check(False, "%s: a JSON answer (%r)" % (what, text[:200]))
                return None
            walk(j, what, seen, bad)
            return j

        def get(path, headers=None):
            req = urllib.request.Request(url + path, headers=headers or {})
            with urllib.request.urlopen(req, timeout=60) as r:
                return answer("GET " + path, r.read().decode())

        def signed(party, path, body=None):
            keyid = subprocess.run(
                [lienlog, "cert-fingerprint",
                 os.path.join(demo, party + ".pem")], capture_output=True,
                text=True, timeout=60).stdout.strip()
            cmd = [lienlog, "submit", "--key",
                   os.path.join(demo, party + ".key"), "--keyid", keyid,
                   "--url", url + path]
            if body is None:
                cmd += ["--method", "GET"]
            else:
                bf = os.path.join(tmp, "body.json")
                with open(bf, "w", encoding="utf-8") as f:
                    json.dump(body, f, ensure_ascii=False)
                cmd += ["--body", bf]
            r = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=120)
            require(r.returncode == 0, "%s %s: 2xx (%s)" %
                    (party, path, r.stderr.strip()))
            return answer("%s %s %s" % (party, "GET" if body is None else
                                        "POST", path), r.stdout)

        # public reads
        get("/healthz")
        for v in (vin, restricted, released):
            get("/v1/vehicles/" + v)
            get("/v1/vehicles/%s/status-proof" % v)
        get("/v1/institutions?limit=5")
        get("/v1/keys")
        get("/v1/proof/inclusion?index=3&tree_size=100")
        # the owner screen's read (docs/web-owner.md)
        get("/v1/owner/applications",
            {"Authorization": "Owner-Code " + code})
        # signed reads of each role
        for party in ("bank-a", "officer", "auditor", "registry"):
            signed(party, "/v1/applications/" + app)
        signed("officer", "/v1/applications?status=submitted&limit=5")
        signed("officer", "/v1/statistics")
        signed("auditor", "/v1/statistics")
        signed("officer", "/v1/vehicles/" + vin)
        signed("registry", "/v1/vehicles/" + restricted)
        q = signed("officer", "/v1/applications?status=submitted&limit=1")
        if q and q.get("items"):
            signed("auditor", "/v1/applications/" + q["items"][0]["app"])
        rec = signed("officer", "/v1/applications/" + app)
        for e in (rec or {}).get("timeline", [])[:3]:
            if isinstance(e, dict) and isinstance(e.get("index"), int):
                signed("auditor", "/v1/evidence/%d" % e["index"])
        # receipts of writes: a vehicle recorded, then restricted
        signed("registry", "/v1/vehicles", {
            "vin": "LGBH52E07NY105421", "plate": "浙F3C772",
            "plate_type": "02", "certificate_number": "330412345681",
            "owner": {"id_number": "330402199003154024"}})
        signed("registry", "/v1/vehicles/LGBH52E07NY105421/restrictions",
               {"action": "set", "restriction": "seized",
                "reference": "(2026)浙0402执保77号"})
        get("/v1/vehicles/LGBH52E07NY105421")
        get("/v1/vehicles/LGBH52E07NY105421/status-proof")
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    check(len(seen) >= 20, "the walk met many *_ms members (%d)" % len(seen))
    for b in bad:
        check(False, "an *_ms without its *_at twin: " + b)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("times: %d *_ms members, each with its *_at" % len(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
