#!/usr/bin/python3
"""kill -9 crash test of the log core (docs/testing.md).

Round after round on ONE store: start crash_appender with 1..16 threads
appending through the real ledger, SIGKILL it after a random 20..400 ms,
and collect the lines it printed -- each line is an acknowledgement,
printed only after ledger_append returned, i.e. a promise that the entry is
durable. After every kill:

  * the store must audit clean (`lienlog audit DIR --vkey VKEY`, or
    `crash_appender --audit` when the CLI is not built);
  * every acknowledgement from every round so far must still hold
    (`crash_appender --check`): the index is in the tree, its leaf hash and
    payload are the acknowledged ones;
  * no index is ever acknowledged twice, and entries acknowledged in a
    round all lie at or beyond the size the store had before it (nothing
    already in the log was rewritten);
  * the tree size never decreases;
  * the next round can open the store read-write again.

The kill times and thread counts come from a seeded generator; the seed is
printed so a failing run can be replayed (LIEN_CRASH_SEED). ROUNDS is 25,
LIEN_CRASH_ROUNDS raises it. Python stdlib only.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile

ORIGIN = "example.org/lien-crash-test"
ACK_RE = re.compile(rb"^(0|[1-9][0-9]*) ([0-9a-f]{64}) ([0-9a-f]{64})$")
SIZE_RE = re.compile(rb"^size=([0-9]+) acks=([0-9]+)$")
# Bounds on one child process: generous for ASan on 2 cores; a child that
# exceeds them is a hang, reported as a failure.
CHILD_TIMEOUT_S = 300
CRASH_LINE_PEEK = 4096


def fail(msg):
    print("test_crash: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(argv, what, absent_ok=False):
    """Run a checker to completion; fail the test unless it exits 0. With
    absent_ok (the store's folder), a checker that finds no store at all
    (the appender was killed before the store's first commit) returns None
    instead."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        fail("%s: no answer within %d s" % (what, CHILD_TIMEOUT_S))
    # Decided by the disk, not by the checker's wording: the store counts
    # as absent only when its data file was never created.
    if p.returncode != 0 and absent_ok and \
            not os.path.exists(os.path.join(absent_ok, "data.mdb")):
        return None
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        sys.stderr.write(p.stdout.decode(errors="replace"))
        fail("%s: exit %d" % (what, p.returncode))
    return p.stdout


def wait_first_ack(p, out_path):
    """Poll (bounded) until the appender printed one complete line or
    exited."""
    for _ in range(CHILD_TIMEOUT_S * 100):
        if p.poll() is not None:
            return
        with open(out_path, "rb") as f:
            if b"\n" in f.read(CRASH_LINE_PEEK):
                return
        try:
            p.wait(timeout=0.01)
        except subprocess.TimeoutExpired:
            pass
    fail("last round: no acknowledgement within %d s" % CHILD_TIMEOUT_S)


def parse_acks(raw, round_no):
    """Complete lines only: a kill can cut the last write short on a
    regular file, and a torn line was never an acknowledgement."""
    lines = raw.split(b"\n")
    complete = lines[:-1]  # the piece after the last newline is torn/empty
    acks = []
    for i, line in enumerate(complete):
        m = ACK_RE.match(line)
        if not m:
            fail("round %d: ack line %d malformed: %r" % (round_no, i + 1, line))
        acks.append((int(m.group(1)), m.group(2), m.group(3)))
    return acks, complete


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--appender", required=True)
    ap.add_argument("--lienlog")
    ap.add_argument("--rounds", type=int,
                    default=int(os.environ.get("LIEN_CRASH_ROUNDS", "25")))
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("LIEN_CRASH_SEED",
                                               str(random.SystemRandom().randrange(1 << 32)))))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = ap.parse_args()
    if args.rounds < 1:
        fail("--rounds must be >= 1")
    rng = random.Random(args.seed)
    print("test_crash: seed=%d rounds=%d lienlog=%s" %
          (args.seed, args.rounds, args.lienlog or "(none: crash_appender --audit)"))

    tmp = tempfile.mkdtemp(prefix="lien-crash-")
    try:
        store = os.path.join(tmp, "store")
        prefix = os.path.join(tmp, "log")
        key, vkey = prefix + ".key", prefix + ".vkey"
        all_acks = os.path.join(tmp, "acks.txt")
        open(all_acks, "wb").close()
        if args.lienlog:
            run([args.lienlog, "keygen", "--name", ORIGIN, "--out", prefix],
                "lienlog keygen")
        else:
            run([args.appender, "--keygen", ORIGIN, prefix],
                "crash_appender --keygen")

        seen = {}          # index -> (leaf hash, payload hash)
        prev_size = 0
        killed = 0
        for r in range(1, args.rounds + 1):
            threads = rng.randint(1, 16)
            delay = rng.uniform(0.020, 0.400)
            out_path = os.path.join(tmp, "round.out")
            err_path = os.path.join(tmp, "round.err")
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                p = subprocess.Popen([args.appender, store, key, str(threads)],
                                     stdout=out, stderr=err)
                # The random delay is the point of the test (where the kill
                # lands), not a synchronisation.
                try:
                    p.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    if r == args.rounds and not seen:
                        # Slow start (sanitizers): make sure the run tests
                        # something by letting the last round reach its
                        # first acknowledgement before the kill.
                        wait_first_ack(p, out_path)
                    p.send_signal(signal.SIGKILL)
                    killed += 1
                try:
                    rc = p.wait(timeout=CHILD_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    p.kill()
                    fail("round %d: appender survived SIGKILL" % r)
            if rc not in (0, -signal.SIGKILL):
                with open(err_path, "rb") as f:
                    sys.stderr.write(f.read().decode(errors="replace"))
                fail("round %d: appender exited %d before the kill" % (r, rc))

            with open(out_path, "rb") as f:
                acks, lines = parse_acks(f.read(), r)
            for index, leaf, ph in acks:
                if index in seen:
                    fail("round %d: index %d acknowledged twice" % (r, index))
                if index < prev_size:
                    fail("round %d: index %d acknowledged, but the store "
                         "already held %d entries before this round"
                         % (r, index, prev_size))
                seen[index] = (leaf, ph)
            with open(all_acks, "ab") as f:
                for line in lines:
                    f.write(line + b"\n")

            # Until something is acknowledged, a kill may land before the
            # store's first commit (nothing to audit yet: the next round
            # creates it); after that, the store must always be there.
            absent_ok = store if not seen and prev_size == 0 else False
            if args.lienlog:
                audited = run([args.lienlog, "audit", store, "--vkey", vkey],
                              "round %d: lienlog audit" % r, absent_ok)
            else:
                audited = run([args.appender, "--audit", store, vkey],
                              "round %d: crash_appender --audit" % r,
                              absent_ok)
            if audited is None:
                print("test_crash: round %2d: killed after %3.0f ms, before "
                      "the store's first commit" % (r, delay * 1000))
                continue
            out = run([args.appender, "--check", store, all_acks],
                      "round %d: crash_appender --check" % r)
            m = SIZE_RE.match(out.strip())
            if not m:
                fail("round %d: unexpected --check output %r" % (r, out))
            size, nchecked = int(m.group(1)), int(m.group(2))
            if nchecked != len(seen):
                fail("round %d: --check read %d acks, expected %d"
                     % (r, nchecked, len(seen)))
            if size < prev_size:
                fail("round %d: tree shrank from %d to %d" % (r, prev_size, size))
            print("test_crash: round %2d: %2d threads, kill after %3.0f ms "
                  "(rc %d): %5d new acks, size %d -> %d, audit ok, %d acks ok"
                  % (r, threads, delay * 1000, rc, len(acks), prev_size, size,
                     len(seen)))
            sys.stdout.flush()
            prev_size = size

        if not seen:
            fail("no round acknowledged any entry: nothing was tested")
        print("test_crash: OK: %d rounds (%d killed mid-run), %d acknowledged "
              "entries all survived, final size %d" %
              (args.rounds, killed, len(seen), prev_size))
    finally:
        if args.keep:
            print("test_crash: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
