"""Helpers shared by the integration tests (Python stdlib only).

Each test_*.py runs as `python3 tests/integration/test_x.py ...`, so this
directory is on sys.path and `import itest` finds this file. Network only
to 127.0.0.1; every wait is bounded.
"""
import atexit
import ctypes
import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
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


def dead_port():
    """(sock, port): a 127.0.0.1 port that refuses every connection for
    as long as sock stays open: bound but never listening, so no other
    process can take it and answer there (a port merely found free can
    be). The caller closes sock when done."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


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


# ---- no server outlives its test -------------------------------------------
#
# A test must stop every server it started on every path: a failed check,
# an exception, SIGTERM, and even SIGKILL of the test itself. Three nets,
# each for what the one before cannot catch:
# 1. spawn(): the child asks the kernel for SIGKILL when the test dies
#    (PR_SET_PDEATHSIG), so nothing survives a killed test;
# 2. SIGTERM/SIGHUP become SystemExit, so try/finally blocks run;
# 3. at exit, every child of this process still running (however it was
#    started) gets SIGTERM, then SIGKILL after 120 s.

_LIBC = None
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    pass
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent):
    def preexec():
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:      # the test died before prctl
            os._exit(1)
    return preexec


def spawn(argv, **kw):
    """subprocess.Popen(argv, **kw) for a server: killed by the kernel if
    the test dies. Call it from the main thread (the death signal follows
    the thread that forked)."""
    return subprocess.Popen(argv, preexec_fn=_die_with_parent(os.getpid()),
                            **kw)


def _children():
    """Pids of this process's children still running (not zombies)."""
    me, out = os.getpid(), []
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[0] != "Z" and int(fields[1]) == me:
            out.append(int(name))
    return out


def _reap_children():
    pids = _children()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for _ in range(1200):               # bounded: 120 s, then SIGKILL
        if not _children():
            break
        time.sleep(0.1)
    for pid in _children():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if pids:
        print("itest: stopped %d process(es) the test left running" %
              len(pids), flush=True)


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_reap_children)
if threading.current_thread() is threading.main_thread():
    for _sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(_sig) == signal.SIG_DFL:
            signal.signal(_sig, _exit_on_signal)


# The one line lienlogd and `lienlog witness serve` print once they have
# bound, with the port actually bound (docs/cli.md "Listening address").
_LISTENING = re.compile(rb"listening on http://127\.0\.0\.1:([0-9]+)/")


def _start_once(argv, logpath, probe):
    """Start argv, its output appended to logpath; (proc, port, None)
    once it has said where it listens and probe(port) succeeds, else
    (None, None, what it printed) once it has exited or after 300 s
    (then it is stopped). On an exception it is stopped too."""
    try:
        off = os.path.getsize(logpath)
    except OSError:
        off = 0
    with open(logpath, "ab") as log:
        proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=log,
                     stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(3000):       # bounded: 300 s
            if proc.poll() is not None:
                break
            if port is None:
                with open(logpath, "rb") as f:
                    f.seek(off)
                    m = _LISTENING.search(f.read())
                port = int(m.group(1)) if m else None
            if port is not None:
                try:
                    probe(port)
                    return proc, port, None
                except Exception:   # not answering yet: poll again
                    pass
            time.sleep(0.1)
    except BaseException:
        stop(proc)
        raise
    if proc.poll() is None:
        stop(proc)
        how = "still running after 300 s: stopped"
    else:
        # Its own exit status, or a negative one: killed by a signal,
        # which came from outside unless it crashed.
        how = "exit status %d" % proc.returncode
    try:
        # A full disk ends a server before it can even say so (its own
        # output cannot be written either): name the room left.
        vfs = os.statvfs(os.path.dirname(os.path.abspath(logpath)))
        how += "; %d MiB free there" % (vfs.f_bavail * vfs.f_frsize >> 20)
    except OSError:
        pass
    with open(logpath, "rb") as f:
        f.seek(off)
        return None, None, (f.read().decode(errors="replace") +
                            "\n[itest: the server ended: %s]\n" % how)


def start_listening(argv, logpath, probe, what="lienlogd"):
    """Start a server, its output appended to logpath, and return (proc,
    port) once it has said where it listens and probe(port) succeeds.

    argv is the command line, or a function of a port giving it (called
    with 0). Give `--listen 127.0.0.1:0`: the kernel picks a free port as
    the server binds and the server names it in its "listening on
    http://127.0.0.1:PORT/" line, so no port is guessed free and then
    taken by another process before the bind. A restart that must keep
    its address uses restart_listening. Bounded (300 s: seeding,
    sanitizers); on any error the server is stopped before the error
    goes on."""
    if callable(argv):
        argv = argv(0)
    proc, port, out = _start_once(argv, logpath, probe)
    if proc is None:
        print(out[-4000:])
        raise SystemExit(what + " did not come up")
    return proc, port


# A restart on the port a server had before: while it was down, any
# process on the machine may have been given that port (an outgoing
# connection's local port, another server's port 0), and the bind fails
# until that socket is gone. Usually it is gone in well under a second
# (a short connection); 60 s is a hang guard, not a timing check.
REBIND_TRIES = 300
REBIND_EVERY = 0.2


def port_holders(port):
    """What holds 127.0.0.1:port now, from /proc/net/tcp: a list like
    ["ESTABLISHED to 127.0.0.1:41234"] (empty: nothing, or not Linux).
    For the failure message of a rebind that never succeeded."""
    states = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV",
              "04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
              "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK",
              "0A": "LISTEN", "0B": "CLOSING"}
    out = []
    try:
        with open("/proc/net/tcp") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return out
    for row in rows:
        v = row.split()
        if len(v) < 4 or int(v[1].split(":")[1], 16) != port:
            continue
        raddr, rport = v[2].split(":")
        peer = ".".join(str(b) for b in
                        reversed(bytes.fromhex(raddr))) if len(raddr) == 8 \
            else raddr
        out.append("%s to %s:%d" % (states.get(v[3], v[3]), peer,
                                    int(rport, 16)))
    return out


def _rebind_failed(port, what, why):
    raise SystemExit(
        "%s: 127.0.0.1:%d was still taken after %d tries over %.0f s "
        "(another process was given the port while %s was down: %s); "
        "it must come back on the same port because %s" %
        (what, port, REBIND_TRIES, REBIND_TRIES * REBIND_EVERY, what,
         "; ".join(port_holders(port)) or "holder unknown", why))


def restart_listening(argv, port, logpath, probe, what, why):
    """start_listening for a server that must come back on the port it
    had (port, not 0): use it only when something that stays running
    knows the old address (why: which URL names it; it goes into the
    failure message). argv is the command line (it names port). A bind
    that fails with EADDRINUSE is tried again, bounded (REBIND_TRIES);
    any other failure, or a server that binds another port, stops the
    test at once. Returns proc."""
    for _ in range(REBIND_TRIES):
        proc, got, out = _start_once(argv, logpath, probe)
        if proc is not None:
            if got != port:
                stop(proc)
                raise SystemExit("%s came back on port %d, not %d" %
                                 (what, got, port))
            return proc
        if "Address already in use" not in out:
            print(out[-4000:])
            raise SystemExit(what + " did not come up again")
        time.sleep(REBIND_EVERY)
    _rebind_failed(port, what, why)


def bind_again(make, port, what, why):
    """make() binds a socket of this process (a Python server, a
    listener of the test) to 127.0.0.1:port, a port it had before; the
    same bounded retry on EADDRINUSE as restart_listening. Returns what
    make() returns."""
    for _ in range(REBIND_TRIES):
        try:
            return make()
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
        time.sleep(REBIND_EVERY)
    _rebind_failed(port, what, why)


def wait_until(pred, proc, polls=24000, every=0.005):
    """Poll pred() every `every` s until it holds; False if proc exits
    first or after `polls` polls (by default 120 s: a hang guard, never a
    timing check). A costly pred (an HTTP request and a signature check)
    polls less often: every=0.05, polls=2400."""
    for _ in range(polls):
        if pred():
            return True
        if proc.poll() is not None:
            return pred()
        time.sleep(every)
    return False


def wait_output(logpath, text, proc):
    """wait_until the server output appended to logpath holds text (str
    or bytes); False if proc exits first or after the bound."""
    want = text.encode() if isinstance(text, str) else text

    def said():
        try:
            with open(logpath, "rb") as f:
                return want in f.read()
        except OSError:
            return False
    return wait_until(said, proc)


def drain(stream, buf):
    """Collect a child's output in buf (a list of bytes) as it comes."""
    def run():
        for chunk in iter(lambda: stream.read1(4096), b""):
            buf.append(chunk)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def start_demo(lienlogd, datadir, logpath, extra=()):
    """Start `lienlogd --demo DATADIR` on a port the kernel picks
    (start_listening); return (proc, port) once /healthz answers."""
    return start_listening(
        [lienlogd, "--demo", datadir, "--listen", "127.0.0.1:0"] +
        list(extra), logpath, healthz, "lienlogd --demo")
