#!/usr/bin/python3
"""Integration test of `lienlog sync` (docs/sync.md).

1. Against the real `lienlogd --demo` (2000 entries: 1000 requests, each
   with its state root) on 127.0.0.1:
   * file sink: every entry delivered once, in order, each record's leaf
     hash recomputed here from the entry bundles; a second run delivers
     nothing new; a torn final line is cut and re-delivered;
   * kill -9 of the sync process at random points over bounded rounds
     (--batch 1 so each record is its own fsync + state update), then one
     clean run: the sink holds each index exactly once, in order;
   * an http sink (a Python stdlib server in this file, --sink-server)
     killed with -9 and restarted while sync retries, and sync itself
     killed once: the sink stores every index exactly once, in order.
2. Against malicious_log.py: a rewritten old entry (fork), rollback, a
   tampered bundle, a tampered tile, a bad signature, a same-size split
   view and a missing witness quorum: sync exits with the documented code,
   writes evidence, delivers nothing that is not in the honest log, and a
   later run refuses (halted, 14) until --clear-halt.

Usage: test_sync.py LIENLOG LIENLOGD
"""
import base64
import hashlib
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from itest import (bind_again, spawn, check, dead_port, drain, FAILURES,
                   start_demo, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
EXIT = {"fork": 10, "rollback": 11, "badsig": 12, "mismatch": 13,
        "halted": 14}


# ---- the http sink server (run as a separate process) ------------------

def sink_server(portfile, store, port):
    """Append-only store of (key, line) with fsync before the 2xx; a
    repeated Idempotency-Key is acknowledged without storing again.
    Listens on 127.0.0.1:port (0: the kernel picks) and writes the port
    bound to portfile once it listens."""
    seen = set()
    if os.path.exists(store):
        with open(store, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    seen.add(json.loads(line)["key"])
    out = open(store, "ab")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            key = self.headers.get("Idempotency-Key")
            rec = json.loads(body)
            code = 400
            if key and rec.get("origin") and key == "%s/%d" % (
                    rec["origin"], rec["index"]):
                code = 200
                if key not in seen:
                    out.write(json.dumps({"key": key, "rec": rec}).encode()
                              + b"\n")
                    out.flush()
                    os.fsync(out.fileno())
                    seen.add(key)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    # A restart (port != 0) must get its old port back: the running
    # sync's --sink URL names it. The port was free while the sink was
    # down, so the bind is retried, bounded (itest.bind_again).
    srv = bind_again(lambda: S(("127.0.0.1", port), H), port,
                     "the http sink", "the running sync's --sink URL "
                     "names it")
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


# ---- helpers -------------------------------------------------------------


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def count_lines(path):
    """Complete lines in path (0 if it does not exist yet)."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def leaf(e):
    return hashlib.sha256(b"\x00" + e).digest()


def honest_entries(base, size):
    """Entries 0..size-1 fetched from bundles (checked by sync anyway;
    here they are the reference the sink is compared with)."""
    out = []
    for n in range((size + 255) // 256):
        w = min(256, size - n * 256)
        path = "%s/tile/entries/%03d%s" % (base, n,
                                           "" if w == 256 else ".p/%d" % w)
        b = get(path)
        off = 0
        while off < len(b):
            ln = struct.unpack(">H", b[off:off + 2])[0]
            out.append(b[off + 2:off + 2 + ln])
            off += 2 + ln
    return out


def read_sink(path):
    recs = []
    if not os.path.exists(path):
        return recs
    with open(path, "rb") as f:
        for line in f:
            if check(line.endswith(b"\n"), "sink line complete"):
                recs.append(json.loads(line))
    return recs


def check_records(recs, entries, what, first=0):
    idx = [r["index"] for r in recs]
    check(idx == list(range(first, first + len(recs))),
          "%s: indexes in order, each once (got %s...)" % (what, idx[:5]))
    for r in recs:
        e = entries[r["index"]]
        if not check(base64.b64decode(r["leaf_hash"]) == leaf(e),
                     "%s: record %d matches the log" % (what, r["index"])):
            break


def lienlog(args, **kw):
    return subprocess.run([LIENLOG] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


# ---- 1. real lienlogd ----------------------------------------------------

def test_real(tmp):
    demo = os.path.join(tmp, "demo")
    proc, port = start_demo(LIENLOGD, demo, os.path.join(tmp, "demo.out"))
    base = "http://127.0.0.1:%d" % port
    try:
        vkey = os.path.join(demo, "log.vkey")
        # 1000 seeded requests, one at a time: each its own batch with its
        # state root (docs/lien-status.md); --all delivers both kinds.
        N = 2000
        entries = honest_entries(base + "/log", N)
        check(len(entries) == N, "demo log has %d entries" % N)

        # file sink, twice
        st, sink = os.path.join(tmp, "st1"), os.path.join(tmp, "s1.jsonl")
        args = ["sync", "--log", base, "--vkey", vkey, "--state", st,
                "--sink", "file:" + sink, "--all", "--once"]
        # LIENLOG_PROGRESS=0: a progress line at every entry, as a log
        # file or a service manager would see it (not a terminal)
        r = lienlog(args, env=dict(os.environ, LIENLOG_PROGRESS="0"))
        check(r.returncode == 0, "sync exit 0 (%s)" % r.stderr[-300:])
        err = r.stderr.decode("utf-8", "replace")
        check(re.search(r"^lienlog: sync: progress: %d/%d entries \(100\.0%%\)"
                        r", \d+ entries/s, ETA \S+$" % (N, N), err, re.M)
              is not None and "\r" not in err,
              "sync progress: one full line per update when stderr is not "
              "a terminal (%s)" % err[-200:])
        out = r.stdout.decode("utf-8", "replace")
        check("delivered through index %d " % (N - 1) in out,
              "sync: delivered through the last index, %d (%s)" % (N - 1,
                                                                    out))
        recs = read_sink(sink)
        check(len(recs) == N, "%d records delivered" % N)
        # default interval (10 s): a short catch-up prints no progress
        r = lienlog(args)
        check(r.returncode == 0 and b"progress" not in r.stderr,
              "no progress line for short work (%s)" % r.stderr[-200:])
        # a log nobody serves: says so, exit 6 (not the local I/O 4)
        dead_sock, dead = dead_port()
        try:
            r = lienlog(["sync", "--log", "http://127.0.0.1:%d" % dead,
                         "--vkey", vkey, "--state",
                         os.path.join(tmp, "st-dead"), "--sink",
                         "file:" + os.path.join(tmp, "dead.jsonl"),
                         "--once"])
        finally:
            dead_sock.close()
        err = r.stderr.decode("utf-8", "replace")
        check(r.returncode == 6 and "no answer from" in err and
              "is the server running" in err and "HTTP 0" not in err,
              "sync against a closed port: exit 6 and says no answer "
              "(%d %s)" % (r.returncode, err))
        check_records(recs, entries, "file sink")
        r = lienlog(args)
        check(r.returncode == 0 and len(read_sink(sink)) == N,
              "second run delivers nothing new")
        # a torn final line is cut, and the record delivered again once
        with open(sink, "rb") as f:
            data = f.read()
        cut = data.rfind(b"\n", 0, len(data) - 1) + 1
        with open(sink, "wb") as f:
            f.write(data[:cut] + data[cut:cut + 20])
        # the state says N: the torn record stays delivered-by-state,
        # so rewind the state by using a fresh state dir (the file is the
        # authority for what it holds).
        st2 = os.path.join(tmp, "st1b")
        r = lienlog(["sync", "--log", base, "--vkey", vkey, "--state", st2,
                     "--sink", "file:" + sink, "--all"])
        recs = read_sink(sink)
        check(r.returncode == 0 and len(recs) == N,
              "torn line cut and re-delivered (%d)" % len(recs))
        check_records(recs, entries, "after torn line")

        # kill -9 at random points of the delivery: each round waits until
        # the sink holds a random number of records more than the last
        # round left (at most 60 more, so 12 rounds stay far below 1000),
        # then kills, and checks the kill landed while sync was running
        seed = int(os.environ.get("LIEN_SYNC_SEED", str(int(time.time()))))
        rnd = random.Random(seed)
        print("kill -9 seed", seed, flush=True)
        st, sink = os.path.join(tmp, "st2"), os.path.join(tmp, "s2.jsonl")
        args = ["sync", "--log", base, "--vkey", vkey, "--state", st,
                "--sink", "file:" + sink, "--all", "--batch", "1"]
        kills = done = 0
        for rnd_i in range(int(os.environ.get("LIEN_SYNC_ROUNDS", "12"))):
            target = done + rnd.randint(1, 60)
            p = spawn([LIENLOG] + args, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL)
            reached = wait_until(lambda: count_lines(sink) >= target, p)
            running = p.poll() is None
            if running:
                p.send_signal(signal.SIGKILL)
            p.wait()
            at = count_lines(sink)
            if check(reached and running and target <= at < 1000,
                     "round %d: the kill landed mid-sync (sink at %d, "
                     "target %d, running %s)" % (rnd_i, at, target, running)):
                kills += 1
            recs = read_sink(sink)
            check_records(recs, entries, "after kill round %d" % rnd_i)
            done = len(recs)
        r = lienlog(args)
        check(r.returncode == 0, "sync completes after kills")
        recs = read_sink(sink)
        print("sync killed %d times" % kills, flush=True)
        check(len(recs) == N, "exactly N records after %d kills "
              "(%d)" % (kills, len(recs)))
        check_records(recs, entries, "after kills")

        # http sink, killed and restarted; sync killed once
        sport = os.path.join(tmp, "sink.port")
        sstore = os.path.join(tmp, "sink.store")

        def sink_up():
            """The sink named in sport accepts connections."""
            try:
                with open(sport) as f:
                    socket.create_connection(("127.0.0.1", int(f.read())),
                                             10).close()
                return True
            except (OSError, ValueError):
                return False

        def start_sink(port):
            # Port 0 the first time; a restart binds the old port again,
            # so sync's --sink URL stays right. sport is removed first:
            # until the sink writes it again, nothing is taken for it
            # (another process may listen on the old port meanwhile).
            if os.path.exists(sport):
                os.unlink(sport)
            p = spawn([PY, os.path.abspath(__file__),
                       "--sink-server", sport, sstore, str(port)])
            check(wait_until(sink_up, p), "sink server started")
            return p

        sink_p = start_sink(0)
        sink_port = int(open(sport).read())
        url = "http://127.0.0.1:%d/records" % sink_port
        st = os.path.join(tmp, "st3")
        args = ["sync", "--log", base, "--vkey", vkey, "--state", st,
                "--sink", url, "--all"]
        # sync killed once it has delivered 100 records
        p = spawn([LIENLOG] + args, stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL)
        reached = wait_until(lambda: count_lines(sstore) >= 100, p)
        running = p.poll() is None
        if running:
            p.send_signal(signal.SIGKILL)
        p.wait()
        at = count_lines(sstore)
        check(reached and running and at < 1000,
              "http: sync killed mid-run (sink at %d)" % at)
        # restarted; the sink killed once 50 more arrived, while sync
        # delivers; sync must say it retries before the sink comes back
        p = spawn([LIENLOG] + args, stdout=subprocess.DEVNULL,
                  stderr=subprocess.PIPE)
        err = []
        t = drain(p.stderr, err)
        reached = wait_until(lambda: count_lines(sstore) >= at + 50, p)
        sink_p.send_signal(signal.SIGKILL)
        sink_p.wait()
        at = count_lines(sstore)
        check(reached and p.poll() is None and at < 1000,
              "http: sink killed while sync delivers (sink at %d)" % at)
        check(wait_until(lambda: b"retrying" in b"".join(err), p),
              "http: sync retries while the sink is down")
        sink_p = start_sink(sink_port)      # the same port
        try:
            p.wait(timeout=300)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        t.join(timeout=60)
        check(p.returncode == 0, "http sync completes across a sink "
              "restart (%s)" % b"".join(err)[-300:])
        stop(sink_p)
        recs = []
        with open(sstore, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    recs.append(json.loads(line)["rec"])
        check(len(recs) == N, "http sink: N records (%d)" % len(recs))
        check_records(recs, entries, "http sink")
    finally:
        stop(proc)


# ---- 2. malicious log ----------------------------------------------------

def test_malicious(tmp):
    key = os.path.join(tmp, "mal")
    r = lienlog(["keygen", "--name", "mal.example/log", "--out", key])
    check(r.returncode == 0, "keygen")
    wkeys = []
    for i in range(3):
        w = os.path.join(tmp, "w%d" % i)
        r = lienlog(["witness", "keygen", "--name", "w%d.example" % i,
                     "--out", w])
        if r.returncode == 0:
            wkeys.append(w)
    portfile = os.path.join(tmp, "mal.port")
    cmd = [PY, os.path.join(HERE, "malicious_log.py"), "--key", key + ".key"]
    for w in wkeys[:2]:
        cmd += ["--witness-key", w + ".key"]
    mal = spawn(cmd + [portfile])
    try:
        # malicious_log.py binds port 0 and renames the port file into
        # place once it listens.
        if not check(wait_until(lambda: os.path.exists(portfile), mal),
                     "malicious log started"):
            return
        base = "http://127.0.0.1:%s" % open(portfile).read().strip()
        vkey = key + ".vkey"
        honest = honest_entries(base + "/grow", 700)

        def view(v):
            get(base + "/control?view=" + v)

        def run(st, sink, extra=()):
            return lienlog(["sync", "--log", base + "/log", "--vkey", vkey,
                            "--state", st, "--sink", "file:" + sink,
                            "--all"] + list(extra))

        n = [0]

        def fresh():
            n[0] += 1
            return (os.path.join(tmp, "m%d" % n[0]),
                    os.path.join(tmp, "m%d.jsonl" % n[0]))

        # honest growth
        view("a")
        st, sink = fresh()
        check(run(st, sink).returncode == 0, "honest view a")
        view("grow")
        check(run(st, sink).returncode == 0, "honest growth")
        check_records(read_sink(sink), honest, "honest")

        # attacks after trusting a
        for v, code in (("b", "fork"), ("c", "fork"),
                        ("rollback", "rollback")):
            view("a")
            st, sink = fresh()
            run(st, sink)
            view(v)
            r = run(st, sink)
            check(r.returncode == EXIT[code], "%s: exit %d (got %d: %s)" % (
                v, EXIT[code], r.returncode, r.stderr[-200:]))
            recs = read_sink(sink)
            check(len(recs) == 600, "%s: nothing new delivered" % v)
            check_records(recs, honest, v)
            ev = os.listdir(os.path.join(st, "evidence"))
            check(len(ev) == 1, "%s: one evidence dir" % v)
            d = os.path.join(st, "evidence", ev[0])
            files = set(os.listdir(d))
            check({"trusted.checkpoint", "fetched.checkpoint",
                   "report.txt"} <= files, "%s: evidence files" % v)
            if v == "b":
                # The evidence is checkable by an auditor: the proof from
                # the log's own tiles does not link the two checkpoints.
                r2 = lienlog(["verify", "consistency", "--vkey", vkey,
                              "--old", os.path.join(d, "trusted.checkpoint"),
                              "--new", os.path.join(d, "fetched.checkpoint"),
                              "--proof", os.path.join(d,
                                                      "consistency.json")])
                check(r2.returncode == 1, "fork evidence fails "
                      "verify consistency (%d)" % r2.returncode)
            view("grow")
            r = run(st, sink)
            check(r.returncode == EXIT["halted"], "%s: later run refuses "
                  "(halted)" % v)
            # The operator investigated, the log went back to the honest
            # history: after --clear-halt the mirror continues from a.
            r = run(st, sink, ["--clear-halt"])
            check(r.returncode == 0, "%s: honest again after clear-halt" % v)
            recs = read_sink(sink)
            check(len(recs) == 700, "%s: resumed to 700" % v)
            check_records(recs, honest, v + " resumed")

        # attacks on a fresh mirror
        for v, code, maxn in (("badbundle", "mismatch", 256),
                              ("badtile", "mismatch", 0),
                              ("badsig", "badsig", 0)):
            view(v)
            st, sink = fresh()
            r = run(st, sink)
            check(r.returncode == EXIT[code], "%s: exit %d (got %d)" % (
                v, EXIT[code], r.returncode))
            recs = read_sink(sink)
            check(len(recs) <= maxn, "%s: at most %d delivered" % (v, maxn))
            check_records(recs, honest, v)

        # witness quorum
        if len(wkeys) == 3:
            view("cosigned")
            w = []
            for k in wkeys:
                w += ["--witness", k + ".vkey"]
            st, sink = fresh()
            r = run(st, sink, w + ["--quorum", "2"])
            check(r.returncode == 0, "2 of 3 witnesses cosigned: ok (%s)" %
                  r.stderr[-200:])
            st, sink = fresh()
            r = run(st, sink, w + ["--quorum", "3"])
            check(r.returncode == EXIT["badsig"], "quorum 3 of 3 fails")
            check(read_sink(sink) == [], "nothing delivered without quorum")
        else:
            check(False, "lienlog witness keygen failed: the quorum case "
                  "cannot run")
    finally:
        stop(mal)


def main():
    global LIENLOG, LIENLOGD
    if len(sys.argv) == 5 and sys.argv[1] == "--sink-server":
        sink_server(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    LIENLOG, LIENLOGD = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lien-sync-")
    try:
        test_malicious(tmp)
        test_real(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
