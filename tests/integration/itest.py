"""Helpers shared by the integration tests (Python stdlib only).

Each test_*.py runs as `python3 tests/integration/test_x.py ...`, so this
directory is on sys.path and `import itest` finds this file. Network only
to 127.0.0.1; every wait is bounded.
"""
import json
import signal
import socket
import subprocess
import threading
import time
import urllib.request

# Every failed check's text, in order, and how many checks ran. Tests
# import these lists (shared, not copied) and exit non-zero when FAILURES
# is not empty.
FAILURES = []
CHECKS = [0]
VERBOSE = [False]      # also print passing checks ("ok: ...")


def check(cond, what):
    """Record one check: a failure is printed and kept in FAILURES, and the
    test goes on (so one run shows every failure). Returns bool(cond) so a
    caller can skip what depends on it."""
    CHECKS[0] += 1
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    elif VERBOSE[0]:
        print("ok:", what, flush=True)
    return bool(cond)


def require(cond, what):
    """A check nothing after it can do without: stop the test here."""
    if not check(cond, what):
        raise SystemExit("FAIL: " + what)
    return True


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (closed again: the
    caller binds it next, and retries if another process took it)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(port, path, timeout=30):
    """GET http://127.0.0.1:PORT/PATH; the body, or an OSError."""
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                timeout=timeout) as r:
        return r.read()


def healthz(port):
    return json.loads(http_get(port, "/healthz", timeout=10))


def stop(proc):
    """SIGTERM, then SIGKILL after 120 s; the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def wait_until(pred, proc, polls=24000):
    """Poll pred() every 5 ms until it holds; False if proc exits first or
    after the bound (120 s: a hang guard, never a timing check)."""
    for _ in range(polls):
        if pred():
            return True
        if proc.poll() is not None:
            return pred()
        time.sleep(0.005)
    return False


def drain(stream, buf):
    """Collect a child's output in buf (a list of bytes) as it comes."""
    def run():
        for chunk in iter(lambda: stream.read1(4096), b""):
            buf.append(chunk)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def start_demo(lienlogd, datadir, logpath, extra=()):
    """Start `lienlogd --demo DATADIR` on a free port (3 attempts: the
    port may be taken in between); return (proc, port) once /healthz
    answers. Its output is appended to logpath."""
    for _attempt in range(3):
        port = free_port()
        with open(logpath, "ab") as log:
            proc = subprocess.Popen(
                [lienlogd, "--demo", datadir, "--listen",
                 "127.0.0.1:%d" % port] + list(extra),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        for _ in range(3000):       # bounded: 300 s (seeding, sanitizers)
            if proc.poll() is not None:
                break
            try:
                healthz(port)
                return proc, port
            except OSError:
                time.sleep(0.1)
        stop(proc)
    with open(logpath, errors="replace") as f:
        print(f.read()[-4000:])
    raise SystemExit("lienlogd --demo did not come up")
