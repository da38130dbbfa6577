#!/usr/bin/python3
"""The lien status end to end (docs/lien-status.md), all on 127.0.0.1.

1. `lienlogd --demo` lists one VIN per status in demo/README; `lienlog
   status` verifies each against the log key and reports it right: under a
   lien, restricted, all liens released (clear), never recorded (no
   record). A lower-case VIN is normalised by the CLI.
2. GET /v1/vehicles/{vin}/status-proof: JSON and binary forms, public,
   agreeing with GET /v1/vehicles/{vin}; 400 vin_invalid and
   vin_check_digit, a query refused, 405 for POST. The answer verifies
   offline with `lienlog verify status` (JSON and binary); a flipped byte,
   another vehicle's VIN and another log's key are refused with exit 1.
3. A proof taken while a mortgage is in force, checked against the
   checkpoint after its release (--checkpoint NEWER), is refused: it
   proves the past. The fresh proof shows the release. --max-age refuses a
   proof older than allowed.
4. A write that changes a vehicle (a restriction) answers with a receipt
   naming the vehicle's status proof.
5. `lienlog sync` replays the state and checks every state root of what
   it imports. After SIGTERM `lienlog audit DIR` passes; a forged state
   root (an operator setting a map leaf no entry justifies, every
   checkpoint still validly signed) makes audit fail at the first lying
   state root, and sync, resumed against the restarted log, stop with
   exit 15 and evidence (a fresh mirror too; --no-state-check does not
   look).
6. `lienlogd --no-state-map`: no state roots (1000 entries), 404
   status_map_off, the store audits, sync says it cannot check state.
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from itest import start_demo, stop

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what)
    return cond


def get(url, headers=None):
    """(status, content type, body) of a GET, errors included."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          **kw)


def field(out, name):
    m = re.search(r"^%s: (.*)$" % re.escape(name), out, re.M)
    return m.group(1) if m else None


def sync(lienlog, url, vkey, state, tmp, extra=()):
    return run([lienlog, "sync", "--log", url, "--vkey", vkey, "--state",
                state, "--sink", "file:" + state + ".jsonl", "--all"] +
               list(extra))


def readme_examples(datadir):
    with open(os.path.join(datadir, "demo", "README")) as f:
        text = f.read()
    ex = {}
    for what, key in (("under a lien", "lien"),
                      ("with a restriction in force", "restricted"),
                      ("all liens released", "released"),
                      ("never recorded", "none")):
        m = re.search(r"^\s+%s\s+([0-9A-Z]{17})$" % re.escape(what), text,
                      re.M)
        if check(m is not None, "README names a VIN %s" % what):
            ex[key] = m.group(1)
    return ex


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--forge", required=True)
    ap.add_argument("--pyverify", help="tests/interop/lien_status.py: "
                    "the independent verifier, run on the live proofs")
    a = ap.parse_args()
    L = a.lienlog

    with tempfile.TemporaryDirectory(prefix="lien-status-") as tmp:
        datadir = os.path.join(tmp, "data")
        proc, port = start_demo(a.lienlogd, datadir,
                                os.path.join(tmp, "lienlogd.log"))
        url = "http://127.0.0.1:%d" % port
        vkey = os.path.join(datadir, "log.vkey")
        mirror = os.path.join(tmp, "mirror")
        try:
            ex = readme_examples(datadir)

            # 1. lienlog status for each kind.
            want = {"lien": "under_lien", "restricted": "restricted",
                    "released": "clear", "none": "no_record"}
            for k, vin in ex.items():
                r = run([L, "status", "--log", url, "--vkey", vkey,
                         "--vin", vin.lower() if k == "lien" else vin])
                check(r.returncode == 0, "status %s: exit %d (%s)" %
                      (k, r.returncode, r.stderr.strip()))
                st = field(r.stdout, "status") or ""
                check(st == want[k] or (k == "restricted" and
                                        "restricted" in st),
                      "status %s: %r" % (k, st))
                check(field(r.stdout, "vin") == vin, "vin printed " + k)
                check(re.search(r"^proven against: lienlog\.demo/log tree "
                                r"size \d+, state root entry \d+ at \d{4}-",
                                r.stdout, re.M) is not None,
                      "tree size and time printed (%s)" % k)
            if "lien" in ex:
                r = run([L, "status", "--log", url, "--vkey", vkey,
                         "--vin", ex["lien"]])
                check(int(field(r.stdout, "liens in force") or 0) >= 1,
                      "a lien in force")
            if "released" in ex:
                r = run([L, "status", "--log", url, "--vkey", vkey,
                         "--vin", ex["released"]])
                check(field(r.stdout, "liens in force") == "0" and
                      int(field(r.stdout, "released liens") or 0) >= 1,
                      "released: no lien in force, a released one")
            if "none" in ex:
                r = run([L, "status", "--log", url, "--vkey", vkey,
                         "--vin", ex["none"]])
                check((field(r.stdout, "recorded") or "").startswith("no"),
                      "never recorded: proof of absence")

            # 2. The API.
            vin = ex.get("lien", "LSJA24U62JG269225")
            path = "/v1/vehicles/%s/status-proof" % vin
            st, ctype, body = get(url + path)
            check(st == 200 and ctype == "application/json",
                  "status-proof JSON: %s %s" % (st, ctype))
            j = json.loads(body)
            check(set(j) == {"checkpoint_at", "checkpoint_ms", "present",
                             "proof", "status", "tree_size", "vin"} and
                  j["present"] is True and j["vin"] == vin,
                  "status-proof members")
            st, ctype, binary = get(url + path, {
                "Accept": "application/vnd.lienlog.status-proof"})
            check(st == 200 and ctype ==
                  "application/vnd.lienlog.status-proof" and
                  binary[:4] == b"LSP\x02", "binary form")
            check(base64.b64decode(j["proof"])[:4] == b"LSP\x02",
                  "JSON proof is the bundle")
            # agrees with the public vehicle read
            st, _, vb = get(url + "/v1/vehicles/" + vin)
            pub = json.loads(vb)
            rec = j["status"]
            check(st == 200 and pub["recorded_ms"] == rec["recorded_ms"] and
                  [(x["app"], x["rank"], x["registered_ms"])
                   for x in pub["liens"]] ==
                  [(x["app"], x["rank"], x["registered_ms"])
                   for x in rec["liens"]] and
                  [(x["app"], x["released_ms"]) for x in pub["released"]] ==
                  [(x["app"], x["released_ms"]) for x in rec["released"]] and
                  [(x["kind"], x["since_ms"]) for x in pub["restrictions"]]
                  == [(x["kind"], x["since_ms"])
                      for x in rec["restrictions"]],
                  "public vehicle read agrees with the status record")
            for bad, code in (("LSJA24U62JG26922", "vin_invalid"),
                              ("lsja24u62jg269225", "vin_invalid"),
                              ("LSJA24U62JG2692I5", "vin_invalid"),
                              ("LSJA24U6?JG269225", "vin_invalid"),
                              ("LSJA24U63JG269225", "vin_check_digit")):
                st, _, b = get(url + "/v1/vehicles/%s/status-proof" % bad)
                check(st == 400 and json.loads(b).get("code") == code,
                      "%s: %s %s" % (bad, st, b[:80]))
            st, _, b = get(url + path + "?x=1")
            check(st == 400, "query refused: %s" % st)
            req = urllib.request.Request(url + path, data=b"", method="POST")
            try:
                urllib.request.urlopen(req, timeout=30)
                code = 200
            except urllib.error.HTTPError as e:
                code = e.code
            check(code == 405, "POST status-proof: %s" % code)

            pj = os.path.join(tmp, "p.json")
            pb = os.path.join(tmp, "p.bin")
            with open(pj, "wb") as f:
                f.write(body)
            with open(pb, "wb") as f:
                f.write(binary)
            for p in (pj, pb):
                r = run([L, "verify", "status", "--vkey", vkey, "--vin", vin,
                         "--max-age", "100d", p])
                check(r.returncode == 0 and
                      field(r.stdout, "status") in ("under_lien",
                                                    "under_lien_and_restricted"),
                      "verify status %s: %d %s" % (os.path.basename(p),
                                                   r.returncode, r.stderr))
            if a.pyverify:
                # the independent verifier (from the spec alone) agrees
                for p in (pj, pb):
                    r = run(["/usr/bin/python3", a.pyverify, "verify",
                             "--vkey", vkey, "--vin", vin, p])
                    check(r.returncode == 0 and field(r.stdout, "status")
                          in ("under_lien", "under_lien_and_restricted"),
                          "python verifier on the live proof: %s %s" %
                          (r.stdout, r.stderr))
                for k, v in ex.items():
                    st, _, pk = get(url + "/v1/vehicles/%s/status-proof" % v)
                    pf = os.path.join(tmp, "py-%s.json" % k)
                    with open(pf, "wb") as f:
                        f.write(pk)
                    r = run(["/usr/bin/python3", a.pyverify, "verify",
                             "--vkey", vkey, "--vin", v, pf])
                    check(r.returncode == 0 and
                          (field(r.stdout, "status") == want[k] or
                           (k == "restricted" and "restricted" in
                            (field(r.stdout, "status") or ""))),
                          "python verifier, %s: %s %s" % (k, r.stdout,
                                                          r.stderr))
            bad = bytearray(binary)
            bad[len(bad) // 2] ^= 1
            pt = os.path.join(tmp, "tampered.bin")
            with open(pt, "wb") as f:
                f.write(bytes(bad))
            r = run([L, "verify", "status", "--vkey", vkey, "--vin", vin, pt])
            check(r.returncode in (1, 3) and "refused" in r.stderr,
                  "tampered bundle refused: %d %s" % (r.returncode, r.stderr))
            other = ex.get("none", "LBV5S3102ESJ25655")
            r = run([L, "verify", "status", "--vkey", vkey, "--vin", other,
                     pb])
            check(r.returncode == 1 and "wrong_vehicle" in r.stderr,
                  "another VIN refused: %s" % r.stderr.strip())
            okey = os.path.join(tmp, "other")
            run([L, "keygen", "--name", "lienlog.demo/log", "--out", okey])
            r = run([L, "verify", "status", "--vkey", okey + ".vkey", "--vin",
                     vin, pb])
            check(r.returncode == 1 and "bad_checkpoint" in r.stderr,
                  "another log key refused: %s" % r.stderr.strip())
            r = run([L, "verify", "status", "--vkey", vkey, "--vin",
                     "LSJA24U63JG269225", pb])
            check(r.returncode == 2 and "check digit" in r.stderr,
                  "bad check digit refused locally")

            # 3. A proof taken before a release proves the past.
            c = subprocess.Popen([a.case, datadir, url],
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            line = c.stdout.readline().strip()
            check(line.startswith("VIN "), "status_case: %r" % line)
            cvin = line[4:]
            st, _, before = get(url + "/v1/vehicles/%s/status-proof" % cvin)
            pbefore = os.path.join(tmp, "before.json")
            with open(pbefore, "wb") as f:
                f.write(before)
            r = run([L, "verify", "status", "--vkey", vkey, "--vin", cvin,
                     pbefore])
            check(r.returncode == 0 and field(r.stdout, "status") ==
                  "under_lien", "before the release: under a lien (%s)" %
                  r.stderr.strip())
            c.stdin.write("go\n")
            c.stdin.flush()
            line = c.stdout.readline().strip()
            check(line == "RELEASED", "status_case released: %r" % line)
            check(c.wait(timeout=300) == 0, "status_case exit 0")
            st, _, newer = get(url + "/log/checkpoint")
            pnewer = os.path.join(tmp, "newer.note")
            with open(pnewer, "wb") as f:
                f.write(newer)
            r = run([L, "verify", "status", "--vkey", vkey, "--vin", cvin,
                     "--checkpoint", pnewer, pbefore])
            check(r.returncode == 1 and "stale" in r.stderr and
                  "proves the past" in r.stderr,
                  "old proof vs newer checkpoint refused: %d %s" %
                  (r.returncode, r.stderr.strip()))
            r = run([L, "status", "--log", url, "--vkey", vkey, "--vin",
                     cvin])
            check(r.returncode == 0 and field(r.stdout, "status") ==
                  "clear" and field(r.stdout, "released liens") == "1",
                  "after the release: clear, one released (%s)" % r.stdout)
            # --max-age: the state of the last batch is older than 1 s
            # once 1.5 s have passed (time only moves forward).
            time.sleep(1.5)
            r = run([L, "status", "--log", url, "--vkey", vkey, "--vin",
                     cvin, "--max-age", "1s"])
            check(r.returncode == 1 and "too_old" in r.stderr,
                  "--max-age 1s refuses: %d %s" % (r.returncode,
                                                   r.stderr.strip()))
            r = run([L, "status", "--log", url, "--vkey", vkey, "--vin",
                     cvin, "--max-age", "1h"])
            check(r.returncode == 0, "--max-age 1h accepts")
            r = run([L, "status", "--log", url, "--vkey", vkey, "--vin",
                     cvin, "--max-age", "1y"])
            check(r.returncode == 2, "--max-age 1y is a usage error")

            # 4. A restriction's receipt names the status proof.
            demo = os.path.join(datadir, "demo")
            keyid = run([L, "cert-fingerprint",
                         os.path.join(demo, "registry.pem")]).stdout.strip()
            rb = os.path.join(tmp, "restrict.json")
            with open(rb, "w") as f:
                f.write('{"action":"set","restriction":"detained"}')
            r = run([L, "submit", "--key", os.path.join(demo, "registry.key"),
                     "--keyid", keyid, "--url",
                     url + "/v1/vehicles/%s/restrictions" % cvin,
                     "--body", rb])
            check(r.returncode == 0 and '"status_proof":"/v1/vehicles/%s/'
                  'status-proof"' % cvin in r.stdout,
                  "restriction receipt names the status proof: %s %s" %
                  (r.stdout[-300:], r.stderr))
            r = run([L, "status", "--log", url, "--vkey", vkey, "--vin",
                     cvin])
            check(field(r.stdout, "status") == "restricted" and
                  "detained since" in r.stdout, "now restricted")

            # 5a. The mirror checks the state roots of what it imports.
            r = sync(L, url, vkey, mirror, tmp)
            m = re.search(r"size (\d+),", r.stdout)
            size = int(m.group(1)) if m else -1
            check(r.returncode == 0 and
                  "state roots checked through index %d" % (size - 1)
                  in r.stdout, "sync checks the state roots: %d %s %s" %
                  (r.returncode, r.stdout.strip(), r.stderr.strip()))
        finally:
            stop(proc)

        # 5. Audit, then a forged state root.
        r = run([L, "audit", datadir])
        check(r.returncode == 0, "audit passes: %s" % r.stderr.strip())
        r = run([a.forge, datadir, os.path.join(datadir, "log.key"),
                 ex.get("lien", "LSJA24U62JG269225")])
        check(r.returncode == 0, "forged: %s" % r.stderr.strip())
        r = run([L, "audit", datadir])
        check(r.returncode != 0 and
              "state root does not match" in r.stderr,
              "audit catches the forged state root: %d %s" %
              (r.returncode, r.stderr.strip()))
        proc, port = start_demo(a.lienlogd, datadir,
                                os.path.join(tmp, "lienlogd.log"))
        url = "http://127.0.0.1:%d" % port
        try:
            r = sync(L, url, vkey, mirror, tmp)
            # the forged entry is index size, its batch's state root
            # size + 1
            check(r.returncode == 15 and "state: entry %d: state root "
                  "does not match" % (size + 1) in r.stderr,
                  "sync stops at the forged state root: %d %s" %
                  (r.returncode, r.stderr.strip()))
            ev = os.listdir(os.path.join(mirror, "evidence"))
            check(len(ev) == 1 and ev[0].endswith("-state") and
                  "fault: state" in open(os.path.join(
                      mirror, "evidence", ev[0], "report.txt")).read(),
                  "evidence of the lie: %s" % ev)
            r = sync(L, url, vkey, mirror, tmp)
            check(r.returncode == 14, "later runs are halted: %d" %
                  r.returncode)
            fresh = os.path.join(tmp, "mirror2")
            r = sync(L, url, vkey, fresh, tmp)
            check(r.returncode == 15, "a fresh mirror finds it too: %d %s"
                  % (r.returncode, r.stderr.strip()))
            r = sync(L, url, vkey, os.path.join(tmp, "mirror3"), tmp,
                     ["--no-state-check"])
            check(r.returncode == 0 and "state roots" not in r.stdout,
                  "--no-state-check does not look: %d %s" %
                  (r.returncode, r.stderr.strip()))
        finally:
            stop(proc)

        # 6. The switch to measure the map's cost: no state roots, no
        # status proofs.
        d2 = os.path.join(tmp, "nomap")
        proc, port = start_demo(a.lienlogd, d2,
                                os.path.join(tmp, "lienlogd-nomap.log"),
                                extra=["--no-state-map"])
        try:
            st, _, b = get("http://127.0.0.1:%d/v1/vehicles/"
                           "LSJA24U62JG269225/status-proof" % port)
            check(st == 404 and json.loads(b).get("code") == "status_map_off",
                  "--no-state-map: %s %s" % (st, b[:80]))
            st, _, b = get("http://127.0.0.1:%d/healthz" % port)
            check(json.loads(b).get("tree_size") == 1000,
                  "--no-state-map: 1000 entries, no state roots")
            r = sync(L, "http://127.0.0.1:%d" % port,
                     os.path.join(d2, "log.vkey"),
                     os.path.join(tmp, "mirror-nomap"), tmp)
            check(r.returncode == 0 and "state roots checked" not in
                  r.stdout, "sync of a log without state roots: %d %s" %
                  (r.returncode, r.stderr.strip()))
        finally:
            stop(proc)
        r = run([L, "audit", d2])
        check(r.returncode == 0, "audit of a store without the map: %s" %
              r.stderr.strip())

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
