#!/usr/bin/python3
"""`lienlogd --demo` from scratch, then `lienlog load` (docs/demo.md).

1. `lienlogd --demo DIR --listen 127.0.0.1:0` on an empty DIR creates
   the demo world (DIR/demo: keys 0600 + certificates + README; DIR/trust)
   and seeds the log through signed HTTP requests; its "listening on"
   line names the port the kernel picked (not 0), where /healthz answers
   (polled, bounded) with >= 1000 entries; the seeding server's URL
   names its bound port too.
2. The README names every key and certificate file; every key is 0600;
   the trust directory has the files docs/trust.md lists.
3. A request of docs/demo.md made with `lienlog submit` and the demo keys
   (an identity commitment as bank A) is answered 200.
4. `lienlog load --requests 200 --concurrency 4` (closed loop) completes
   with no error and no receipt verification failure; its summary is on
   stderr and stdout holds only "name value unit" figure lines.
4b. `lienlog load --rate 50 --duration 2 --server-pid PID` (open loop)
   likewise, printing every figure name docs/demo.md lists; the schedule
   is 100 requests, sent or reported unsent (no timing is judged).
5. After SIGTERM, `lienlog audit DIR` replays the log and finds the stored
   registration state; a restart on the same DIR does not seed again; its
   --port-file replaces a stale one with the bound port and is removed at
   the clean stop.

Network only to 127.0.0.1; every wait is bounded.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from itest import (check, dead_port, FAILURES as FAILS, healthz, http_get,
                   start_demo, stop, wait_output, wait_until)


def read_text(path):
    """The file's text, or None if there is none."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


FIGURE = re.compile(r"^([A-Za-z0-9_]+) (-?[0-9][0-9.e+-]*) (\S+)$")

# The figures every run prints, and those of --rate and --server-pid.
FIGURES = ["load_concurrency", "load_requests", "load_elapsed_s",
           "load_requests_per_s", "load_accepted_per_s", "load_p50_ms",
           "load_p90_ms", "load_p99_ms", "load_p999_ms", "load_max_ms",
           "load_errors", "load_receipt_failures", "ed25519_verify_per_s",
           "crypto_bound_requests_per_s", "load_vs_crypto_bound_ratio",
           "load_client_cpu_pct", "loadavg_1m_start", "loadavg_1m_end"]
FIGURES_RATE = ["load_target_rate", "load_late_starts",
                "load_start_delay_max_ms", "load_unsent"]
FIGURES_PID = ["server_rss_max_MiB", "server_rss_anon_max_MiB",
               "server_rss_samples", "server_cpu_pct",
               "server_cpu_us_per_request"]


def figures(stdout, what):
    """Parse stdout as figure lines; every line must be one."""
    out = {}
    for line in stdout.splitlines():
        m = FIGURE.match(line)
        if not check(m is not None, "%s: stdout line is a figure: %r" %
                     (what, line)):
            continue
        check(m.group(1) not in out, "%s: %s printed once" %
              (what, m.group(1)))
        out[m.group(1)] = float(m.group(2))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="lien-demo-") as tmp:
        datadir = os.path.join(tmp, "data")
        logpath = os.path.join(tmp, "lienlogd.log")
        proc, port = start_demo(a.lienlogd, datadir, logpath)
        url = "http://127.0.0.1:%d" % port
        try:
            size = healthz(port)["tree_size"]
            check(size >= 1000, "demo log has >= 1000 entries (%d)" % size)
            with open(logpath, errors="replace") as f:
                out = f.read()
            check("every receipt verified" in out,
                  "seeding reports every receipt verified")
            check(re.search(r"verifier key lienlog\.demo/log\+", out)
                  is not None, "the verifier key is printed")
            said = re.findall(r"lienlogd: listening on "
                              r"http://127\.0\.0\.1:([0-9]+)/\n", out)
            check(said == [str(port)] and port != 0,
                  "--listen 127.0.0.1:0: one line names the bound port "
                  "(%r, healthz on %d)" % (said, port))
            seed = re.search(r"signed requests to http://127\.0\.0\.1:"
                             r"([0-9]+)\n", out)
            check(seed is not None and int(seed.group(1)) != 0,
                  "the seeding server's URL names its bound port")
            check("%s/demo/README" % datadir in out,
                  "where the demo keys are is printed")
            # Every batch ends with a state root (docs/lien-status.md): the
            # seeded entries and their state roots make the tree.
            m = re.search(r"demo seeded: (\d+) entries", out)
            m2 = re.search(r"tree size (\d+) with the state roots", out)
            check(m is not None and int(m.group(1)) >= 1000 and
                  m2 is not None and int(m2.group(1)) == size and
                  int(m.group(1)) < size,
                  "all seeded entries are in the log")
            m = re.search(r"(\d+) refusals as planned", out)
            check(m is not None and int(m.group(1)) >= 1,
                  "the planned refusals happened (no entry)")
            m = re.search(r"(\d+) diverted to in-person review", out)
            check(m is not None and int(m.group(1)) >= 1,
                  "an in-person diversion happened")

            # 2. The files.
            demo = os.path.join(datadir, "demo")
            with open(os.path.join(demo, "README")) as f:
                readme = f.read()
            keys = sorted(n for n in os.listdir(demo) if n.endswith(".key"))
            certs = sorted(n for n in os.listdir(demo) if n.endswith(".pem"))
            check(len(keys) == 11, "11 private keys (%s)" % keys)
            check(len(certs) == 9, "9 certificates (%s)" % certs)
            for k in keys:
                mode = stat.S_IMODE(os.stat(os.path.join(demo, k)).st_mode)
                check(mode == 0o600, "%s is 0600 (%o)" % (k, mode))
                with open(os.path.join(demo, k)) as f:
                    check(f.read().startswith("-----BEGIN PRIVATE KEY-----"),
                          "%s is PKCS#8 PEM" % k)
                check(k[:-4] in readme, "README names %s" % k)
            for c in certs:
                check(c[:-4] in readme, "README names %s" % c)

            # EMS delivery (docs/demo.md): the first owner example's
            # certificate was picked up, endorsed, dispatched, delivered;
            # its owner sees it with the access code.
            m = re.search(r"certificate of (A[0-9a-f]{16}) was delivered by "
                          r"EMS", out)
            check(m is not None, "the demo delivers a certificate by EMS")
            mc = re.search(r"approved +(A[0-9a-f]{16})  code (\S+)", readme)
            if m and mc:
                check(mc.group(1) == m.group(1),
                      "the delivered application is the owner example")
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", "/v1/owner/applications", headers={
                    "Authorization": "Owner-Code " + mc.group(2)})
                r = c.getresponse()
                body = r.read()
                c.close()
                j = json.loads(body) if r.status == 200 else {}
                apps = j.get("applications") or j.get("items") or []
                app = apps[0] if apps else {}
                check(app.get("delivery") == "delivered" and
                      app.get("complete") is True and
                      [t["step"] for t in app.get("timeline", [])][-4:] ==
                      ["picked_up", "endorsed", "dispatched", "delivered"],
                      "the owner sees the delivery: %d %r" % (r.status,
                                                               body[:600]))
            for t in ["config.json", "institution-roots.pem",
                      "officer-roots.pem", "admins.pem", "face-issuers.jwks",
                      "sms-issuers.jwks"]:
                check(os.path.isfile(os.path.join(datadir, "trust", t)),
                      "trust/%s exists" % t)

            # 3. A docs/demo.md request with lienlog submit.
            keyid = subprocess.run(
                [a.lienlog, "cert-fingerprint",
                 os.path.join(demo, "bank-a.pem")],
                capture_output=True, text=True, timeout=60).stdout.strip()
            body = os.path.join(tmp, "id.json")
            with open(body, "w") as f:
                f.write('{"id_number":"11010519491231002X"}')
            r = subprocess.run(
                [a.lienlog, "submit", "--key", os.path.join(demo, "bank-a.key"),
                 "--keyid", keyid, "--url", url + "/v1/identity-commitments",
                 "--body", body], capture_output=True, text=True, timeout=120)
            commit_answer = r.stdout
            check(r.returncode == 0 and '"commitment"' in r.stdout,
                  "submit as bank A: %d %s %s" % (r.returncode, r.stdout,
                                                  r.stderr))

            # 3b. An authentication refusal names the failed check, and
            # lienlogd logs it by default: one key=value line, no path
            # (docs/observability.md "Refusals").
            r = subprocess.run(
                [a.lienlog, "sign-request", "--key",
                 os.path.join(demo, "bank-a.key"), "--keyid", keyid,
                 "--url", url + "/v1/identity-commitments", "--body", body,
                 "--created", str(int(time.time()) - 1000)],
                capture_output=True, text=True, timeout=60)
            hdrs = dict(l.split(": ", 1) for l in r.stdout.splitlines()
                        if ": " in l)
            with open(body, "rb") as f:
                data = f.read()
            req = urllib.request.Request(url + "/v1/identity-commitments",
                                         data=data, headers=hdrs,
                                         method="POST")
            st, ans = 0, {}
            try:
                urllib.request.urlopen(req, timeout=60)
            except urllib.error.HTTPError as e:
                st, ans = e.code, json.loads(e.read())
            check(st == 401 and ans.get("code") == "created_out_of_window"
                  and re.search(r"created is \d+ s behind the server's "
                                r"clock \(window \+-300 s\)",
                                ans.get("message", "")) is not None,
                  "a stale created: 401 with how far off (%d %r)" %
                  (st, ans))
            # the line is written after the answer went out: wait for it
            # (bounded: a hang guard, never a timing check)
            refusal = re.compile(r"^lienlogd: http: refused at=\S+Z "
                                 r"remote=127\.0\.0\.1 route=\S+ "
                                 r"method=POST status=401 "
                                 r"code=created_out_of_window$", re.M)
            wait_output(logpath, "code=created_out_of_window\n", proc)
            with open(logpath, errors="replace") as f:
                out = f.read()
            m = refusal.search(out)
            check(m is not None and "/v1/identity-commitments" not in
                  out[m.start():m.end()] if m else False,
                  "the refusal is logged by default, without the path "
                  "(%s)" % out[-400:])

            # 3c. One entry by index, public (docs/api-log.md): its leaf
            # hash is the one the inclusion proof route gives.
            n = healthz(port)["tree_size"]
            ent = http_get(port, "/v1/entries/5")
            pr = json.loads(http_get(port, "/v1/proof/inclusion?index=5&"
                                     "tree_size=%d" % n))
            check(base64.b64encode(hashlib.sha256(b"\0" + ent).digest())
                  .decode() == pr["leaf_hash"],
                  "GET /v1/entries/5: the bytes whose leaf hash the proof "
                  "names")
            for path, code in (("/v1/entries/%d" % (n + 1000),
                                "index_out_of_range"),
                               ("/v1/entries/05", "bad_number"),
                               ("/v1/entries/x", "bad_number")):
                try:
                    http_get(port, path)
                    got = (200, None)
                except urllib.error.HTTPError as e:
                    got = (e.code, json.loads(e.read()).get("code"))
                check(got == (400, code), "GET %s: 400 %s (%r)" %
                      (path, code, got))

            # 3d. Times in JSON answers: every "<x>_ms" has "<x>_at" beside
            # it, the same instant in RFC 3339 (TEAM.md).
            m = re.search(r"under a lien\W+([A-HJ-NPR-Z0-9]{17})", readme)
            if check(m is not None, "README names a VIN under a lien"):
                veh = json.loads(http_get(port, "/v1/vehicles/" + m.group(1)))
                pairs = []

                def walk(v):
                    if isinstance(v, dict):
                        for k, x in v.items():
                            if k.endswith("_ms") and isinstance(x, int):
                                pairs.append((x, v.get(k[:-3] + "_at")))
                            walk(x)
                    elif isinstance(v, list):
                        for x in v:
                            walk(x)
                walk(veh)
                check(len(pairs) >= 1 and all(
                    at is not None and datetime.datetime.strptime(
                        at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                        tzinfo=datetime.timezone.utc).timestamp() * 1000
                    == ms for ms, at in pairs),
                    "GET /v1/vehicles/VIN: each *_ms has its *_at (%s)" %
                    pairs[:4])

            # 3e. The demo helper (docs/integration.md): tokens without
            # JWS code.
            cm = os.path.join(tmp, "commit.json")
            with open(cm, "w") as f:
                f.write(commit_answer)   # the answer of step 3
            r2 = subprocess.run(
                [a.lienlog, "demo", "token", "face", "--demo", datadir,
                 "--commitment", "@" + cm, "--nonce", "ab" * 32],
                capture_output=True, text=True, timeout=60)
            check(r2.returncode == 0 and
                  re.match(r"^[\w-]+\.[\w-]+\.[\w-]+\n$", r2.stdout),
                  "demo token face: a compact JWS (%d %r)" %
                  (r2.returncode, r2.stderr))
            hdr = json.loads(base64.urlsafe_b64decode(
                r2.stdout.split(".")[0] + "=="))
            check(hdr.get("kid") == "demo-face-01",
                  "demo token face: signed by the demo face-ID key (%s)" %
                  hdr)
            r2 = subprocess.run(
                [a.lienlog, "demo", "release", "--demo", datadir, "--vin",
                 "LFV2A21K0G4051236", "--mortgage", "A0000000000000010",
                 "--owner-id", "330402198506123014", "--commitment",
                 "@" + cm], capture_output=True, text=True, timeout=60)
            check(r2.returncode == 0 and "face_token" in json.loads(
                r2.stdout), "demo release: a body with its face token")
            r2 = subprocess.run(
                [a.lienlog, "demo", "token", "face", "--demo", datadir,
                 "--commitment", "not-base64!", "--nonce", "ab" * 32],
                capture_output=True, text=True, timeout=60)
            check(r2.returncode == 3 and "--commitment" in r2.stderr,
                  "demo token face: a bad commitment is exit 3")
            # the SMS attestation of a company's legal representative
            # (docs/cli.md; docs/demo.md "A company's vehicle" sends one)
            r2 = subprocess.run(
                [a.lienlog, "demo", "token", "sms", "--demo", datadir,
                 "--company", "91330402MA2C1E2F35", "--rep-commitment",
                 "@" + cm, "--commitment", "@" + cm, "--nonce", "cd" * 32],
                capture_output=True, text=True, timeout=60)
            parts = r2.stdout.strip().split(".")
            check(r2.returncode == 0 and len(parts) == 3,
                  "demo token sms: a compact JWS (%d %r)" %
                  (r2.returncode, r2.stderr))
            if len(parts) == 3:
                hdr = json.loads(base64.urlsafe_b64decode(parts[0] + "=="))
                cl = json.loads(base64.urlsafe_b64decode(parts[1] + "=="))
                c64 = json.loads(commit_answer)["commitment"]
                check(hdr.get("kid") == "demo-sms-01" and
                      cl.get("org") == "91330402MA2C1E2F35" and
                      cl.get("sub") == c64 and cl.get("act") == c64 and
                      cl.get("nonce") == base64.urlsafe_b64encode(
                          bytes.fromhex("cd" * 32)).decode().rstrip("="),
                      "demo token sms: the demo SMS key, org, sub, act, "
                      "nonce (%s %s)" % (hdr, cl))
            for extra, what in (
                    (["--company", "91330402MA2C1E2F35"],
                     "--company without --rep-phone/--rep-commitment"),
                    (["--company", "91330402MA2C1E2F36", "--rep-phone",
                      "13900000000", "--rep-commitment", "@" + cm],
                     "a --company with a wrong check character")):
                r2 = subprocess.run(
                    [a.lienlog, "demo", "mortgage", "--demo", datadir,
                     "--vin", "LFV2A21K0G4051236", "--plate", "浙F8B271",
                     "--plate-type", "02", "--certificate-number",
                     "330412345679", "--contract-number", "X-1",
                     "--owner-id", "330402198506123014", "--commitment",
                     "@" + cm] + extra, capture_output=True, text=True,
                    timeout=60)
                check(r2.returncode == 2 and "--company" in r2.stderr,
                      "demo mortgage: %s is exit 2 (%d %r)" %
                      (what, r2.returncode, r2.stderr))
            r2 = subprocess.run(
                [a.lienlog, "demo", "token", "sms", "--demo", datadir,
                 "--company", "91330402MA2C1E2F35", "--rep-commitment",
                 "@" + cm, "--commitment", "@" + cm, "--nonce", "cd" * 32,
                 "--liveness", "9000"], capture_output=True, text=True,
                timeout=60)
            check(r2.returncode == 2 and "--liveness" in r2.stderr,
                  "demo token sms: a face option is named and refused "
                  "(%d %r)" % (r2.returncode, r2.stderr))

            # 4. The load generator.
            r = subprocess.run(
                [a.lienlog, "load", "--url", url, "--demo", datadir,
                 "--requests", "200", "--concurrency", "4"],
                capture_output=True, text=True, timeout=600)
            print(r.stderr, end="")
            print(r.stdout, end="")
            check(r.returncode == 0, "load exit code %d (%s)" %
                  (r.returncode, r.stderr.strip()))
            check("0 failed verification\n" in r.stderr,
                  "no receipt verification failure")
            # for a person first: requests, errors, latency; the run's
            # conditions after
            first = r.stderr.split("\n", 1)[0]
            m = re.match(r"lienlog load: (\d+) requests to \S+ in [\d.]+ s: "
                         r"(\d+) accepted \(\d+/s\), 0 errors;", first)
            check(m is not None and int(m.group(1)) == 200 and
                  int(m.group(2)) == 200,
                  "first line: 200 requests, 200 accepted, 0 errors (%s)" %
                  first)
            check(0 < r.stderr.find("latency ms") <
                  r.stderr.find("conditions:") <
                  r.stderr.find("bare Ed25519"),
                  "latency before the conditions of the run")
            check(re.search(r"bare Ed25519 verify \(one core, this run\): "
                            r"\d+/s", r.stderr) is not None,
                  "the bare verify rate is printed")
            check("latency ms (of each exchange): p50" in r.stderr,
                  "percentiles are printed")
            fig = figures(r.stdout, "closed loop")
            for name in FIGURES:
                check(name in fig, "closed loop: figure %s printed" % name)
            for name in FIGURES_RATE + FIGURES_PID:
                check(name not in fig, "closed loop: no figure %s" % name)
            check(fig.get("load_requests") == 200, "closed loop: "
                  "load_requests 200 (%s)" % fig.get("load_requests"))
            check(fig.get("load_errors") == 0 and
                  fig.get("load_receipt_failures") == 0,
                  "closed loop: figures say no error, no receipt failure")
            size2 = healthz(port)["tree_size"]
            check(size2 >= size + 200, "the load's entries are in the log")

            # 4b. Open loop, bounded: 50/s for 2 s, the server's memory
            # sampled. Only counts are judged, never a time.
            r = subprocess.run(
                [a.lienlog, "load", "--url", url, "--demo", datadir,
                 "--rate", "50", "--duration", "2", "--server-pid",
                 str(proc.pid)],
                capture_output=True, text=True, timeout=600)
            print(r.stderr, end="")
            print(r.stdout, end="")
            check(r.returncode == 0, "open loop: exit code %d (%s)" %
                  (r.returncode, r.stderr.strip()))
            check("open loop" in r.stderr and "0 failed verification\n"
                  in r.stderr,
                  "open loop: summary on stderr, no receipt failure")
            check("latency ms (from the scheduled time): p50" in r.stderr,
                  "open loop: latency counted from the scheduled time")
            fig = figures(r.stdout, "open loop")
            for name in FIGURES + FIGURES_RATE + FIGURES_PID:
                check(name in fig, "open loop: figure %s printed" % name)
            check(fig.get("load_receipt_failures") == 0,
                  "open loop: no receipt verification failure")
            check(fig.get("load_errors") == 0, "open loop: no error")
            check(fig.get("load_target_rate") == 50, "open loop: rate 50")
            check(fig.get("load_requests", -1) +
                  fig.get("load_unsent", -1) == 100,
                  "open loop: 100 scheduled = sent + unsent (%s + %s)" %
                  (fig.get("load_requests"), fig.get("load_unsent")))
            check(fig.get("load_requests", 0) >= 1,
                  "open loop: requests were sent")
            check(fig.get("server_rss_samples", 0) >= 1 and
                  0 < fig.get("server_rss_anon_max_MiB", 0) <=
                  fig.get("server_rss_max_MiB", 0),
                  "open loop: server RSS sampled, 0 < RssAnon <= VmRSS")
            r = subprocess.run(
                [a.lienlog, "load", "--url", url, "--demo", datadir,
                 "--rate", "0", "--duration", "1"],
                capture_output=True, text=True, timeout=60)
            check(r.returncode == 2 and r.stdout == "",
                  "--rate 0 is a usage error (%d)" % r.returncode)
            size2 = healthz(port)["tree_size"]
        finally:
            rc = stop(proc)
        check(rc == 0, "lienlogd exit code %s" % rc)

        # lienlog load when nobody answers: one line that says so, exit 6
        # (docs/cli.md), no summary of a run that never started. Nobody:
        # a port held bound and never listening (itest.dead_port), not
        # the stopped server's, which another process may have taken.
        held, dead = dead_port()
        try:
            r = subprocess.run(
                [a.lienlog, "load", "--url", "http://127.0.0.1:%d" % dead,
                 "--demo", datadir, "--requests", "10", "--concurrency",
                 "2"], capture_output=True, text=True, timeout=120)
        finally:
            held.close()
        check(r.returncode == 6 and r.stderr.count("\n") == 1 and
              r.stderr.startswith("lienlog: load: no answer from ") and
              r.stdout == "",
              "load against a stopped server: exit 6, one line (%d %s)" %
              (r.returncode, r.stderr[:300]))

        # 5. Audit, then a restart that must not seed again.
        r = subprocess.run([a.lienlog, "audit", datadir], capture_output=True,
                           text=True, timeout=600)
        check(r.returncode == 0 and "registration state replayed and equal"
              in r.stdout, "audit: %s %s" % (r.stdout, r.stderr))
        # --port-file: a stale one (a killed server's) is replaced by the
        # bound port once the server listens, and removed at the stop.
        pf = os.path.join(tmp, "lienlogd.port")
        with open(pf, "w") as f:
            f.write("1\n")
        proc, port = start_demo(a.lienlogd, datadir, logpath,
                                ["--port-file", pf])
        try:
            check(healthz(port)["tree_size"] == size2,
                  "a restart keeps the log as it was")
            check(wait_until(lambda: read_text(pf) == "%d\n" % port, proc),
                  "--port-file holds the bound port (%r, port %d)" %
                  (read_text(pf), port))
        finally:
            rc = stop(proc)
        check(rc == 0 and not os.path.exists(pf),
              "--port-file removed at the clean stop (exit %s)" % rc)

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("demo: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
