#!/usr/bin/python3
"""Filed institutions at the real scale (issue 17 part 5,
docs/api-registration.md "Filed institutions").

A real `lienlogd --demo`; its world holds 400 synthetic institutions
(DIR/demo/institutions.csv: realistic names, valid GB 32100 credit codes,
certificates from the demo institution CA). `lienlog file-institutions`
files them, one signed filing per row; GET /v1/institutions (public, no
signature) lists all 402 filed institutions with their status, in pages;
a suspension shows; running the CLI again files nothing new; a CSV with
bad rows names each bad line, files the good ones and exits 1; bad
queries are refused.

Usage: test_institutions.py --lienlogd BIN --lienlog BIN
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from itest import check, FAILURES as FAILS, http_get, start_demo, stop


def get(port, query=""):
    return json.loads(http_get(port, "/v1/institutions" +
                               ("?" + query if query else "")))


def get_status(port, query):
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/v1/institutions?%s" %
                               (port, query), timeout=30)
        return 200, None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()).get("code")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lien-inst-") as tmp:
        data = os.path.join(tmp, "data")
        log = os.path.join(tmp, "lienlogd.log")
        proc, port = start_demo(a.lienlogd, data, log)
        try:
            demo = os.path.join(data, "demo")
            url = "http://127.0.0.1:%d" % port
            with open(os.path.join(demo, "institutions.csv"),
                      encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            check(len(rows) == 400, "400 synthetic institutions (%d)" %
                  len(rows))
            check(len({r["uscc"] for r in rows}) == 400 and
                  len({r["name"] for r in rows}) == 400,
                  "distinct codes and names")
            before = get(port, "limit=500")["items"]
            check(len(before) == 2, "the demo's two banks are filed")

            cmd = [a.lienlog, "file-institutions", "--url", url, "--key",
                   os.path.join(demo, "admin.key"), "--cert",
                   os.path.join(demo, "admin.pem"), "--csv",
                   os.path.join(demo, "institutions.csv")]
            r = subprocess.run(cmd, capture_output=True, text=True)
            check(r.returncode == 0 and
                  "400 filed, 0 already filed, 0 refused" in r.stdout,
                  "bulk filing: %d %s %s" % (r.returncode, r.stdout,
                                             r.stderr[-400:]))
            items = get(port, "limit=500")["items"]
            check(len(items) == 402, "402 institutions listed (%d)" %
                  len(items))
            parties = [i["party"] for i in items]
            check(parties == sorted(parties), "in party id order")
            by = {i["party"]: i for i in items}
            check(all(by.get(r["uscc"], {}).get("name") == r["name"] and
                      by[r["uscc"]]["status"] == "active" and
                      by[r["uscc"]]["keys"] == 1 for r in rows),
                  "every row filed with its name, active, one key")
            paged, after = [], None
            while True:
                q = "limit=100" + ("&after=" + after if after else "")
                page = get(port, q)
                paged += page["items"]
                after = page["next"]
                if after is None:
                    break
            check([i["party"] for i in paged] == parties,
                  "pages of 100 give the same list")

            # a suspension shows (lienlog submit as the administrator)
            victim = rows[7]["uscc"]
            keyid = subprocess.run(
                [a.lienlog, "cert-fingerprint",
                 os.path.join(demo, "admin.pem")], capture_output=True,
                text=True).stdout.split()[0]
            body = os.path.join(tmp, "suspend.json")
            with open(body, "w") as f:
                f.write('{"action":"suspend"}')
            s = subprocess.run(
                [a.lienlog, "submit", "--key", os.path.join(demo,
                                                           "admin.key"),
                 "--keyid", keyid, "--url", url + "/v1/institutions/" +
                 victim + "/status", "--body", body], capture_output=True,
                text=True)
            check(s.returncode == 0, "suspend one: %s" % s.stderr[-300:])
            sus = get(port, "status=suspended")["items"]
            check([i["party"] for i in sus] == [victim],
                  "the suspended one is listed as suspended: %r" % sus)
            check(len(get(port, "status=active&limit=500")["items"]) == 401,
                  "401 active")

            # again: nothing new
            r = subprocess.run(cmd, capture_output=True, text=True)
            check(r.returncode == 0 and
                  "0 filed, 400 already filed, 0 refused" in r.stdout,
                  "a second run files nothing: %s" % r.stdout)

            # bad rows: named by line, the good one filed, exit 1
            bad = os.path.join(demo, "bad.csv")
            good_pem = rows[0]["certificate"]
            code0 = rows[0]["uscc"]
            wrong = code0[:-1] + ("0" if code0[-1] != "0" else "1")
            with open(bad, "w", encoding="utf-8") as f:
                f.write("uscc,name,certificate\n")
                f.write("%s,坏校验位银行,%s\n" % (wrong, good_pem))
                f.write("%s,%s,institutions/missing.pem\n" %
                        (rows[1]["uscc"], rows[1]["name"]))
                f.write('"unterminated,x,y\n')
                f.write("%s,%s,%s\n" % (rows[2]["uscc"], rows[2]["name"],
                                         rows[2]["certificate"]))
            r = subprocess.run(cmd[:-1] + [bad], capture_output=True,
                               text=True)
            check(r.returncode == 1 and "1 already filed, 3 refused" in
                  r.stdout and "line 2" in r.stderr and "uscc_invalid" in
                  r.stderr and "line 3" in r.stderr and "line 4" in
                  r.stderr, "bad rows: %d %s %s" % (r.returncode, r.stdout,
                                                   r.stderr))

            for q, code in (("limit=0", "bad_number"),
                            ("limit=501", "bad_number"),
                            ("limit=x", "bad_number"),
                            ("status=closed", "status_invalid"),
                            ("status=" + "a" * 40, "status_invalid"),
                            ("after=" + wrong, "uscc_invalid"),
                            ("since=1", "unknown_parameter"),
                            ("limit=5&limit=6", "duplicate_parameter"),
                            ("status=active&status=active",
                             "duplicate_parameter"),
                            ("status=", "bad_query"),
                            ("limit=5&", "bad_query"),
                            ("limit", "bad_query")):
                st, c = get_status(port, q)
                check(st == 400 and c == code, "%s: 400 %s (%d %s)" % (
                    q, code, st, c))
            st, c = get_status(port, "status=" + "a" * 1100)
            check(st == 414 and c == "query_too_long",
                  "an oversize query: 414 query_too_long (%d %s)" % (st, c))
            st, c = get_status(port, "")
            check(st == 200, "the empty query lists (%d)" % st)
        finally:
            check(stop(proc) == 0, "lienlogd stopped cleanly")
        au = subprocess.run([a.lienlog, "audit", data], capture_output=True)
        check(au.returncode == 0, "lienlog audit: %s" % (
            au.stdout + au.stderr).decode(errors="replace")[-300:])
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
