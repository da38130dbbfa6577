#!/usr/bin/python3
"""kill -9 of lienlogd under registration load (docs/testing.md).

integration.crash kills a process appending through the log core; this
test kills the whole service while banks and officers are being answered,
so the registry state written in the same transaction is covered too.

Round after round on ONE demo store:

  1. start `lienlogd --demo DIR` (the first round creates and seeds it);
  2. run `lienlog load --mix mortgage,decision,release --receipts FILE`:
     it writes one line "<index> <leaf hash>" for every receipt it
     received and verified, i.e. every step the service acknowledged;
  3. once the first receipt is in FILE, a random 0.5..3 s more (seeded:
     LIEN_SERVER_CRASH_SEED replays a run), SIGKILL lienlogd, then stop
     the load generator. The load must still be running at the kill and
     must have been acknowledged something, so no round kills an idle
     server or checks nothing;
  4. `lienlog audit DIR` must accept the store: every entry, every
     checkpoint signature, and the registration state replayed from the
     log equal to the stored one;
  5. restart lienlogd on DIR: the tree must not have shrunk, and every
     acknowledged (index, leaf hash) of every round so far must be in it,
     read back from the level-0 hash tiles (C2SP tlog-tiles).

ROUNDS is 3 (LIEN_SERVER_CRASH_ROUNDS raises it). No timing is judged;
every wait is bounded. Python stdlib only; network only to 127.0.0.1.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

from itest import healthz, http_get, spawn, start_demo, stop, wait_until

ROUNDS = int(os.environ.get("LIEN_SERVER_CRASH_ROUNDS", "3"))
TILE_W = 256
HASH_LEN = 32


def fail(msg):
    print("test_server_crash: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def tile_path(n):
    """C2SP tlog-tiles index encoding: 3-digit groups, all but the last
    prefixed with 'x'."""
    s = "%03d" % (n % 1000)
    n //= 1000
    while n > 0:
        s = "x%03d/%s" % (n % 1000, s)
        n //= 1000
    return s


def leaf_hashes(port, size):
    """Every leaf hash of the tree of this size, from level-0 tiles."""
    out = []
    for t in range((size + TILE_W - 1) // TILE_W):
        w = min(TILE_W, size - t * TILE_W)
        path = "/log/tile/0/" + tile_path(t)
        if w < TILE_W:
            path += ".p/%d" % w
        data = http_get(port, path)
        if len(data) != w * HASH_LEN:
            fail("tile %s: %d bytes, want %d" % (path, len(data),
                                                  w * HASH_LEN))
        out.extend(data[i:i + HASH_LEN].hex()
                   for i in range(0, len(data), HASH_LEN))
    return out


def read_acks(path):
    """Whole lines only: a kill may cut the last one (it was then never
    acknowledged as far as this file can tell)."""
    acks = []
    if not os.path.exists(path):
        return acks
    with open(path, "rb") as f:
        data = f.read()
    for line in data.split(b"\n")[:-1]:
        idx, leaf = line.decode().split(" ")
        if len(leaf) != 2 * HASH_LEN:
            fail("malformed receipt line %r" % line)
        acks.append((int(idx), leaf))
    return acks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    a = ap.parse_args()
    seed = int(os.environ.get("LIEN_SERVER_CRASH_SEED",
                              str(random.randrange(1 << 30))))
    print("test_server_crash: seed %d, %d rounds" % (seed, ROUNDS))
    rng = random.Random(seed)

    with tempfile.TemporaryDirectory(prefix="lien-srvcrash-") as tmp:
        datadir = os.path.join(tmp, "data")
        logpath = os.path.join(tmp, "lienlogd.log")
        acked = {}          # index -> leaf hash, over all rounds
        last_size = 0
        for rnd in range(ROUNDS):
            proc, port = start_demo(a.lienlogd, datadir, logpath,
                                    ["--threads", "16"])
            size = healthz(port)["tree_size"]
            if size < last_size:
                fail("round %d: tree shrank from %d to %d" %
                     (rnd, last_size, size))
            rfile = os.path.join(tmp, "receipts.%d" % rnd)
            # The timed phase (20 s, after an untimed set-up sized by
            # it) starts with the first receipt; the kill comes at most
            # 3 s later, so the load is still running then (checked
            # below: otherwise the round would kill an idle server).
            load = spawn(
                [a.lienlog, "load", "--url", "http://127.0.0.1:%d" % port,
                 "--demo", datadir, "--concurrency", "4", "--duration",
                 "20", "--receipts", rfile],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            # Wait (bounded) for the first acknowledgement, then a random
            # while more.
            wait_until(lambda: read_acks(rfile), load, polls=3000, every=0.1)
            if not read_acks(rfile):
                fail("round %d: no receipt before the kill (load exit %s)"
                     % (rnd, load.poll()))
            time.sleep(rng.uniform(0.5, 3.0))
            if load.poll() is not None:
                fail("round %d: the load generator ended (exit %s) before "
                     "the kill: the kill would not land under load" %
                     (rnd, load.returncode))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # The load generator now only meets refused connections.
            load.send_signal(signal.SIGTERM)
            try:
                load.wait(timeout=60)
            except subprocess.TimeoutExpired:
                load.kill()
                load.wait()
            acks = read_acks(rfile)
            for idx, leaf in acks:
                if acked.get(idx, leaf) != leaf:
                    fail("index %d acknowledged with two leaf hashes" % idx)
                acked[idx] = leaf
            print("round %d: killed at %d acknowledgements (%d in all)" %
                  (rnd, len(acks), len(acked)))

            r = subprocess.run([a.lienlog, "audit", datadir],
                               capture_output=True, text=True, timeout=600)
            if r.returncode != 0 or \
                    "registration state replayed and equal" not in r.stdout:
                fail("round %d: audit: rc=%d %s %s" %
                     (rnd, r.returncode, r.stdout, r.stderr))

            proc, port = start_demo(a.lienlogd, datadir, logpath)
            try:
                size = healthz(port)["tree_size"]
                if size < last_size:
                    fail("round %d: tree shrank from %d to %d" %
                         (rnd, last_size, size))
                leaves = leaf_hashes(port, size)
                for idx, leaf in sorted(acked.items()):
                    if idx >= size:
                        fail("acknowledged index %d is beyond the tree "
                             "(size %d)" % (idx, size))
                    if leaves[idx] != leaf:
                        fail("acknowledged index %d has leaf %s, the "
                             "store %s" % (idx, leaf, leaves[idx]))
                last_size = size
            finally:
                stop(proc)
        if not acked:
            fail("no acknowledgement at all")
        print("test_server_crash: %d rounds, %d acknowledged entries all "
              "present, tree size %d, audit clean after every kill" %
              (ROUNDS, len(acked), last_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
