#!/usr/bin/python3
"""Idle and trickling connections do not stop lienlogd's own listener
(issue 11 class 6; docs/deployment.md "lienlogd without nginx").

A default `lienlogd --demo` (128 workers, a 5 s request-head deadline, a
10 s body deadline, keep-alive closed when every worker is busy):

1. 64 connections that send nothing are held; a legitimate GET /healthz
   and a signed request (an identity commitment, `lienlog submit` as bank
   A) are answered while every one of the 64 is still open (checked on
   each socket after the answers: the server has not let any of them go,
   so it did not wait for them). Before issue 11, 16 such sockets
   delayed /healthz by the whole 10 s request timeout.
2. The same with 64 connections trickling a POST body one byte a second,
   and with 32 idle + 32 trickling.
3. The deadlines still hold: an idle connection is closed by the server,
   a trickled body is answered 408 body_timeout.
4. `lienlog load --concurrency 32` against the default server completes
   with every request answered and every receipt verified; and against
   the same store restarted with --threads 8, `lienlog load
   --concurrency 16` (twice as many keep-alive connections as workers)
   completes too: before issue 11 the connections beyond the worker count
   were never served.

Latencies are measured and printed; the only time bound is a generous
hang guard (IO_TIMEOUT): what is asserted is that the answers came while
the slow connections were held, and that every request was answered.
Usage: test_slow_clients.py LIENLOGD LIENLOG
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from itest import check, FAILURES, start_demo, stop

IO_TIMEOUT = 60            # hang guard, never a timing check
HELD = 64


def still_open(s):
    """True if the server has not closed s (nothing to read yet)."""
    s.setblocking(False)
    try:
        data = s.recv(1, socket.MSG_PEEK)
        return data != b""      # bytes waiting (an answer): still open
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def idle(port, n):
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        out.append(s)
    return out


class Trickle:
    """n connections sending a POST with Content-Length 100, one body byte
    a second, until stopped."""

    def __init__(self, port, n):
        self.socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port),
                                         timeout=IO_TIMEOUT)
            s.sendall(b"POST /v1/identity-commitments HTTP/1.1\r\n"
                      b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{")
            self.socks.append(s)
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_ev.wait(1.0):
            for s in self.socks:
                try:
                    s.sendall(b" ")
                except OSError:
                    pass

    def stop(self):
        self.stop_ev.set()
        self.t.join(IO_TIMEOUT)


def get_healthz(port):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    finally:
        s.close()
    return out.split(b" ", 2)[1] if out else b"", time.monotonic() - t0


def signed(lienlog, datadir, port):
    demo = os.path.join(datadir, "demo")
    kid = subprocess.run([lienlog, "cert-fingerprint",
                          os.path.join(demo, "bank-a.pem")],
                         capture_output=True, timeout=IO_TIMEOUT)
    body = os.path.join(datadir, "slow-id.json")
    with open(body, "w") as f:
        json.dump({"id_number": "11010519491231002X"}, f)
    t0 = time.monotonic()
    r = subprocess.run([lienlog, "submit", "--key",
                        os.path.join(demo, "bank-a.key"), "--keyid",
                        kid.stdout.decode().strip(), "--url",
                        "http://127.0.0.1:%d/v1/identity-commitments" % port,
                        "--body", body, "--timeout", str(IO_TIMEOUT)],
                       capture_output=True, timeout=IO_TIMEOUT + 30)
    return r.returncode, time.monotonic() - t0


def held_while_answered(lienlog, datadir, port, what, socks):
    st, dt = get_healthz(port)
    rc, dt2 = signed(lienlog, datadir, port)
    held = sum(1 for s in socks if still_open(s))
    print("%s: /healthz %s in %.3f s, signed request in %.3f s, %d of %d "
          "slow connections still held" % (what, st.decode(), dt, dt2, held,
                                           len(socks)), flush=True)
    check(st == b"200", "%s: /healthz answered 200 (got %r)" % (what, st))
    check(rc == 0, "%s: a signed request answered (exit %d)" % (what, rc))
    check(held == len(socks), "%s: answered while all %d slow connections "
          "were held (%d)" % (what, len(socks), held))


def load(lienlog, datadir, port, conc, n):
    t0 = time.monotonic()
    r = subprocess.run([lienlog, "load", "--url", "http://127.0.0.1:%d" % port,
                        "--demo", datadir, "--requests", str(n),
                        "--concurrency", str(conc), "--mix", "mortgage"],
                       capture_output=True, text=True, timeout=900)
    print("load --concurrency %d: exit %d in %.1f s\n%s" % (
        conc, r.returncode, time.monotonic() - t0, r.stderr[-600:]),
        flush=True)
    return r


def main():
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="lienlog-slow-")
    datadir = os.path.join(tmp, "data")
    logpath = os.path.join(tmp, "lienlogd.log")
    proc = None
    try:
        proc, port = start_demo(lienlogd, datadir, logpath)
        # 1. idle
        socks = idle(port, HELD)
        held_while_answered(lienlog, datadir, port, "64 idle", socks)
        for s in socks:
            s.close()
        # 2. trickling, and a mix
        tr = Trickle(port, HELD)
        held_while_answered(lienlog, datadir, port, "64 trickling",
                            tr.socks)
        tr.stop()
        for s in tr.socks:
            s.close()
        socks = idle(port, HELD // 2)
        tr = Trickle(port, HELD // 2)
        held_while_answered(lienlog, datadir, port, "32 idle + 32 trickling",
                            socks + tr.socks)
        # 3. the deadlines still let them go (bounded waits)
        s = socks[0]
        s.settimeout(IO_TIMEOUT)
        check(s.recv(1) == b"", "an idle connection is closed by the server")
        t = tr.socks[0]
        t.settimeout(IO_TIMEOUT)
        resp = b""
        try:
            while True:
                b = t.recv(4096)
                if not b:
                    break
                resp += b
        except OSError:
            pass
        check(b" 408 " in resp.split(b"\r\n", 1)[0] and
              b"body_timeout" in resp, "a trickled body is answered 408 "
              "body_timeout: %r" % resp[:80])
        tr.stop()
        for s in socks + tr.socks:
            s.close()
        # 4. more keep-alive connections than... the default has plenty
        r = load(lienlog, datadir, port, 32, 400)
        check(r.returncode == 0 and "0 failed verification" in
              r.stderr, "load --concurrency 32 against the default server: "
              "every request answered and verified")
        check(stop(proc) == 0, "lienlogd stops cleanly")
        proc = None
        proc, port = start_demo(lienlogd, datadir, logpath,
                                ["--threads", "8"])
        r = load(lienlog, datadir, port, 16, 300)
        check(r.returncode == 0 and "0 failed verification" in
              r.stderr, "load --concurrency 16 against --threads 8: every "
              "keep-alive connection is served in turn")
        check(stop(proc) == 0, "lienlogd stops cleanly")
        proc = None
    finally:
        if proc is not None:
            stop(proc)
        if FAILURES:
            with open(logpath, errors="replace") as f:
                print(f.read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
