#!/usr/bin/python3
"""Notices and due-release reminders by SMS, end to end (docs/notices.md).

A real `lienlogd --demo` with --sms-gateway pointing at the demo's local
gateway (scripts/sms_gateway.py, a real HTTP server on 127.0.0.1 that
records what it receives, keeping the first message of each dedup key):

1. the demo's ~1000 signed entries make their notices in the outbox;
   delivery starts; lienlogd is killed with SIGKILL while it delivers
   (after a random number of messages), then started again on the same
   data: delivery resumes from its cursor;
2. the gateway is killed while lienlogd delivers and started again on
   its records later: lienlogd reports the failure, retries with backoff
   and delivers again once it is back;
3. in the end every notice the public log implies (received, diverted,
   approved, rejected, dispatched, delivered, one per entry and kind)
   arrived under its dedup key, none unknown, none twice with different
   text; due-release reminders arrived for term ends within the reminder
   window; phone numbers are in no public entry; the gateway's token was
   required; `lienlog audit` (the private audit recomputes the outbox)
   passes.

Usage: test_notify.py --lienlogd BIN --lienlog BIN --gateway SCRIPT
"""
import argparse
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import urllib.request

from itest import (check, FAILURES as FAILS, http_get, restart_listening,
                   start_demo, start_listening, stop, wait_until)


def gateway_argv(script, port, out, tok):
    return ["/usr/bin/python3", script, "--port", str(port), "--out", out,
            "--token-file", tok]


def gateway_start(script, out, tok, logpath):
    """scripts/sms_gateway.py on a port the kernel picks; (proc, port)
    once GET /messages answers."""
    return start_listening(gateway_argv(script, 0, out, tok), logpath,
                           messages, "the gateway")


def gateway_restart(script, port, out, tok, logpath):
    """The gateway again on its old port: the running lienlogd's
    --sms-gateway URL names that port, and the test is that lienlogd
    resumes delivery to the same URL by itself, so a new port will not
    do. The port was free while the gateway was down: the bind is
    retried, bounded (itest.restart_listening)."""
    return restart_listening(gateway_argv(script, port, out, tok), port,
                             logpath, messages, "the gateway",
                             "the running lienlogd's --sms-gateway URL "
                             "names it")


def messages(port):
    return json.loads(http_get(port, "/messages", timeout=10))


def tile_path(n):
    s = "%03d" % (n % 1000)
    n //= 1000
    while n:
        s = "x%03d/%s" % (n % 1000, s)
        n //= 1000
    return s


def public_log(port):
    note = http_get(port, "/log/checkpoint").decode()
    size = int(note.split("\n")[1])
    out = []
    for n in range((size + 255) // 256):
        w = min(256, size - n * 256)
        b = http_get(port, "/log/tile/entries/" + tile_path(n) +
                     ("" if w == 256 else ".p/%d" % w))
        at = 0
        while at < len(b):
            ln = int.from_bytes(b[at:at + 2], "big")
            out.append(b[at + 2:at + 2 + ln])
            at += 2 + ln
    return out


def expected_notices(envs):
    """The outbox keys the public log implies (registry/registry.h)."""
    want = set()
    for i, env in enumerate(envs):
        t = int.from_bytes(env[17:19], "big")
        if t < 16:
            continue
        p = json.loads(env[51:])
        k = "n/%016x/" % i
        if t in (21, 22):
            want.add(k + "received")
            if p.get("status") == "in_person_review":
                want.add(k + "diverted")
        elif t == 23:
            want.add(k + {"approve": "approved", "reject": "rejected",
                          "in_person_review": "diverted"}[p["decision"]])
        elif t == 30 and p["event"] in ("dispatched", "delivered"):
            want.add(k + p["event"])
    return want


def log_has(path, text):
    with open(path, errors="replace") as f:
        return text in f.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--gateway", required=True)
    a = ap.parse_args()
    rng = random.Random()

    with tempfile.TemporaryDirectory(prefix="lien-notify-") as tmp:
        data = os.path.join(tmp, "data")
        log = os.path.join(tmp, "lienlogd.log")
        out = os.path.join(tmp, "sms.jsonl")
        tok = os.path.join(tmp, "token")
        with open(tok, "w") as f:
            f.write("demo-gateway-token\n")
        os.chmod(tok, 0o600)
        glog = os.path.join(tmp, "gateway.log")
        gw, gport = gateway_start(a.gateway, out, tok, glog)
        url = "http://127.0.0.1:%d/send" % gport
        extra = ["--sms-gateway", url, "--sms-credentials", tok]
        # without the token the gateway refuses
        req = urllib.request.Request(url, data=b'{"dedup_key":"x","to":"1",'
                                     b'"kind":"k","app":"a","text":"t"}',
                                     method="POST")
        try:
            urllib.request.urlopen(req, timeout=10)
            check(False, "the gateway requires its token")
        except urllib.error.HTTPError as e:
            check(e.code == 401, "no token: 401 (%d)" % e.code)
        proc = None
        try:
            proc, port = start_demo(a.lienlogd, data, log, extra)
            envs = public_log(port)
            want = expected_notices(envs)
            check(len(want) > 500, "the demo makes notices (%d)" % len(want))

            # 1. kill -9 while delivering
            k1 = rng.randint(50, len(want) // 3)
            check(wait_until(lambda: len(messages(gport)["messages"]) >= k1,
                             proc), "delivery started")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            got = len(messages(gport)["messages"])
            check(got < len(want), "the kill landed while delivering "
                  "(%d of %d)" % (got, len(want)))
            proc, port = start_demo(a.lienlogd, data, log, extra)

            # 2. the gateway goes down while delivering, then comes back
            k2 = rng.randint(got + 20, 2 * len(want) // 3)
            check(wait_until(lambda: len(messages(gport)["messages"]) >= k2,
                             proc), "delivery resumed after the kill")
            gw.send_signal(signal.SIGKILL)
            gw.wait()
            check(wait_until(lambda: log_has(log, "sms: delivery failed"),
                             proc), "lienlogd notices the gateway is down")
            check(proc.poll() is None, "lienlogd keeps serving")
            gw = gateway_restart(a.gateway, gport, out, tok, glog)

            def done():
                keys = {m["dedup_key"].split("#")[0]
                        for m in messages(gport)["messages"]}
                return want <= keys
            # every 50 ms: each poll reads every message (bound 300 s)
            check(wait_until(done, proc, polls=6000, every=0.05),
                  "every notice arrived after the gateway came back")
            check(log_has(log, "sms: delivering again"),
                  "lienlogd says it delivers again")

            # 3. exactly what the log implies
            d = messages(gport)
            ms = d["messages"]
            keys = [m["dedup_key"] for m in ms]
            check(len(keys) == len(set(keys)), "one record per dedup key")
            check(d["conflicts"] == 0, "a retried key carries the same "
                  "message (%d conflicts)" % d["conflicts"])
            notices = {k.split("#")[0] for k in keys if k.startswith("n/")}
            check(notices == want, "notices = what the log implies: "
                  "missing %r, unknown %r" % (sorted(want - notices)[:5],
                                              sorted(notices - want)[:5]))
            check(all(k.endswith("#0") or k.split("#")[0] + "#0" in keys
                      for k in keys), "every notice reaches the owner")
            print("delivered %d messages (%d notices), %d duplicates "
                  "dropped by the gateway" % (len(ms), len(want),
                                              d["duplicates"]))
            kinds = {m["kind"] for m in ms}
            check({"received", "diverted", "approved", "rejected",
                   "dispatched", "delivered", "reminder"} <= kinds,
                  "every kind of notice: %r" % sorted(kinds))
            rem = [m for m in ms if m["kind"] == "reminder"]
            today = datetime.date.today()
            check(rem and all(
                0 <= (datetime.date.fromisoformat(m["dedup_key"][2:12]) -
                      today).days <= 31 for m in rem),
                "reminders for term ends within 30 days: %r" %
                [m["dedup_key"] for m in rem][:5])
            check(all("解除抵押" in m["text"] and "无需到车管所" in m["text"]
                      for m in rem), "a reminder says how to release online")
            rx = [m for m in ms if m["kind"] == "received"]
            check(all("查询码" in m["text"] for m in rx),
                  "the access code travels with 'received'")
            dv = [m for m in ms if m["kind"] == "diverted"]
            check(all("车管所登记窗口" in m["text"] and "原因" in m["text"]
                      for m in dv), "a diversion says where and why")
            raw = b"".join(envs)
            phones = {m["to"] for m in ms}
            check(not any(p.encode() in raw for p in phones),
                  "no phone number in the public log")
            with open(log, errors="replace") as f:
                text = f.read()
            check(not any(p in text for p in phones),
                  "no phone number in lienlogd's output")
        finally:
            if proc is not None:
                rc = stop(proc)
                check(rc == 0, "lienlogd stopped cleanly")
            stop(gw)
        au = subprocess.run([a.lienlog, "audit", data], capture_output=True)
        check(au.returncode == 0, "lienlog audit: %s" % (
            au.stdout + au.stderr).decode(errors="replace")[-400:])
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
