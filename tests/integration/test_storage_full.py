#!/usr/bin/python3
"""A full store, for real (issue 11 class 7; docs/api-log.md "Errors").

lienlogd --demo runs, then the room its store may use runs out, in two
ways:

  fsize  a file-size limit (RLIMIT_FSIZE, set on the running server with
         prlimit) just past the store file's size: LMDB's page writes are
         cut short or refused with EFBIG. Runs everywhere, unprivileged.
  disk   the data directory on a small tmpfs, filled up with a filler
         file: the writes fail with ENOSPC or are cut short. Needs root or
         a user namespace to mount the tmpfs; skipped (noted) without.

In each, signed writes (the demo registry records vehicles with `lienlog
submit`) are sent until REFUSALS of them were refused. A refusal must be
507 with the stable code storage_full (before issue 11: 500 internal),
never another answer, and must change nothing: the tree does not grow,
the refused vehicle is not there. (Writes that fit in pages LMDB frees
and reuses may succeed in between, on a real full disk too.) Reads (the
checkpoint, a vehicle) keep working. Then the room comes back (the limit
raised, the filler removed) and each refused request is sent again with
its Idempotency-Key: a new action, 201 (the refusal recorded nothing, not
even the key), the receipt verified offline; once more with the key:
200, the same receipt, "replayed". After lienlogd stops, `lienlog audit`
passes: the refused batches left no trace.

Usage: test_storage_full.py LIENLOGD LIENLOG
"""
import errno
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import urllib.error

from itest import check, FAILURES, http_get, start_demo, stop

TMPFS_MB = 96
REFUSALS = 3


def vin(stem):
    w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    val = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                   [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5,
                    6, 7, 8, 9]))
    r = sum((int(c) if c.isdigit() else val[c]) * k
            for c, k in zip(stem, w)) % 11
    return stem[:8] + ("X" if r == 10 else str(r)) + stem[9:]


def fill(path):
    """Write until the file system is full; the filler's size."""
    n = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1 << 9):
            buf = b"\0" * chunk
            while True:
                try:
                    f.write(buf)
                    n += chunk
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return n


class Registry:
    def __init__(self, lienlog, datadir, port, tmp):
        self.lienlog, self.port, self.tmp = lienlog, port, tmp
        demo = os.path.join(datadir, "demo")
        self.key = os.path.join(demo, "registry.key")
        r = subprocess.run([lienlog, "cert-fingerprint",
                            os.path.join(demo, "registry.pem")],
                           capture_output=True, timeout=60)
        self.keyid = r.stdout.decode().strip()
        self.n = 0

    def body(self):
        """A new vehicle's record body (a file) and its VIN."""
        self.n += 1
        v = vin("LJ1EFAUU0KG%06d" % self.n)
        path = os.path.join(self.tmp, "v%d.json" % self.n)
        with open(path, "w") as f:
            json.dump({"vin": v, "plate": "浙B%05d" % self.n,
                       "plate_type": "02", "certificate_number":
                       "3301%08d" % self.n,
                       "owner": {"id_number": "11010519491231002X"}}, f)
        return path, v

    def submit(self, body, idem=None):
        """POST the body with `lienlog submit`: (HTTP status, JSON answer
        or None, the Idempotency-Key submit names on stderr or None)."""
        cmd = [self.lienlog, "submit", "--key", self.key, "--keyid",
               self.keyid, "--url",
               "http://127.0.0.1:%d/v1/vehicles" % self.port,
               "--body", body]
        if idem is not None:
            cmd += ["--idempotency-key", idem]
        r = subprocess.run(cmd, capture_output=True, timeout=120)
        line = r.stderr.split(b"\n", 1)[0].split()
        st = int(line[1]) if len(line) > 1 and line[1].isdigit() else 0
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = None
        m = re.search(rb"--idempotency-key ([0-9a-f-]{36})\)", r.stderr)
        return st, j, m.group(1).decode() if m else None


def get_status(port, path):
    """The HTTP status of GET path."""
    try:
        http_get(port, path)
        return 200
    except urllib.error.HTTPError as e:
        return e.code


def tree_size(port):
    return json.loads(http_get(port, "/healthz"))["tree_size"]


def metric(port, name, label):
    """The sum of a counter's samples whose labels contain label."""
    total = 0
    for line in http_get(port, "/metrics").decode().splitlines():
        if line.startswith(name + "{") and label in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def scenario(lienlogd, lienlog, tmp, datadir, mode, make_full, make_room,
             extra=()):
    """One run of lienlogd --demo on datadir: make_full(proc) takes the
    room away, make_room(proc) gives it back."""
    logpath = os.path.join(tmp, "lienlogd-%s.log" % mode)
    proc, port = start_demo(lienlogd, datadir, logpath, extra)
    try:
        reg = Registry(lienlog, datadir, port, tmp)
        body0, v0 = reg.body()
        st, _j, _k = reg.submit(body0)
        check(st == 201, "%s: a vehicle recorded while there is room (%d)"
              % (mode, st))
        make_full(proc)
        # Write until REFUSALS writes were refused. A write that fits in
        # pages LMDB frees and reuses may still succeed between refusals
        # (on a real full disk too); each refused one must have changed
        # nothing: the tree did not grow, its vehicle is not there.
        refused, statuses = [], []
        for _ in range(400):
            body, v = reg.body()
            n = tree_size(port)
            st, j, key = reg.submit(body)
            statuses.append(st)
            if st == 201:
                continue
            if not check(st == 507 and j is not None and
                         j.get("code") == "storage_full",
                         "%s: a write on a full store: 507 storage_full "
                         "(got %r %r)" % (mode, st, j)):
                break
            refused.append((body, v, key))
            check(tree_size(port) == n, "%s: a refused write appended "
                  "nothing" % mode)
            check(get_status(port, "/v1/vehicles/" + v) == 404,
                  "%s: the refused vehicle is not recorded" % mode)
            check(key is not None, "%s: submit names the Idempotency-Key "
                  "to resend with" % mode)
            if len(refused) == REFUSALS:
                break
        print("%s: answers on the full store: %r" % (mode, statuses),
              flush=True)
        if not check(len(refused) == REFUSALS, "%s: %d writes refused "
                     "(%d)" % (mode, REFUSALS, len(refused))):
            return
        # reads keep working, and the refusals are counted for alerts
        check(metric(port, "lienlog_http_requests_total", 'code="507"') ==
              REFUSALS, "%s: /metrics counts the 507s" % mode)
        n = tree_size(port)
        cp = http_get(port, "/log/checkpoint")
        check(cp.split(b"\n")[1] == str(n).encode(),
              "%s: the checkpoint is served on a full store" % mode)
        pub = json.loads(http_get(port, "/v1/vehicles/" + v0))
        check(pub.get("vin") == v0, "%s: a vehicle is read on a full store"
              % mode)
        # room again: each refused request, sent again with its key, is a
        # new action (the refusal recorded neither the vehicle nor the key)
        make_room(proc)
        for body, v, key in refused:
            st, j, _ = reg.submit(body, key)
            check(st == 201 and j is not None and not j.get("replayed"),
                  "%s: once there is room again, the refused request sent "
                  "again with its Idempotency-Key is recorded: 201 (%d %r)"
                  % (mode, st, j))
            check(get_status(port, "/v1/vehicles/" + v) == 200,
                  "%s: the vehicle is recorded now" % mode)
        if j is not None:
            receipt = os.path.join(tmp, "receipt.json")
            with open(receipt, "w") as f:
                json.dump(j, f)
            r = subprocess.run([lienlog, "verify", "inclusion", "--vkey",
                                os.path.join(datadir, "log.vkey"),
                                "--proof", receipt], capture_output=True,
                               timeout=120)
            check(r.returncode == 0, "%s: its receipt verifies offline"
                  % mode)
            st3, j3, _ = reg.submit(body, key)
            check(st3 == 200 and j3 is not None and j3.get("replayed") and
                  j3.get("index") == j.get("index"),
                  "%s: the same key once more: the original receipt, "
                  "replayed (%d %r)" % (mode, st3, j3))
    finally:
        rc = stop(proc)
        check(rc == 0, "%s: lienlogd stops cleanly (%r)" % (mode, rc))
        r = subprocess.run([lienlog, "audit", datadir], capture_output=True,
                           timeout=600, env=dict(os.environ, TMPDIR=tmp))
        check(r.returncode == 0, "%s: audit after the full store: %r" %
              (mode, (r.stdout + r.stderr)[-300:]))
        if FAILURES:
            with open(logpath, errors="replace") as f:
                print(f.read()[-3000:])


def run_fsize(lienlogd, lienlog, tmp):
    """RLIMIT_FSIZE on the running server, a page and a half past the
    store file's size: the write that grows the file is cut short."""
    datadir = os.path.join(tmp, "fsize")
    mdb = os.path.join(datadir, "data.mdb")
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]

    def full(proc):
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE,
                         (os.path.getsize(mdb) + 6144, hard))

    def room(proc):
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (hard, hard))

    scenario(lienlogd, lienlog, tmp, datadir, "fsize", full, room)


def run_disk(lienlogd, lienlog, tmp, mnt):
    """The data directory on a tmpfs of TMPFS_MB, filled up, and the
    access log on it too (as when /var/log and /var/lib share a disk):
    its failed writes are counted and must not stop anything."""
    filler = os.path.join(mnt, "filler")

    def full(_proc):
        print("disk: filled %d MiB" % (fill(filler) >> 20), flush=True)

    def room(_proc):
        os.remove(filler)

    scenario(lienlogd, lienlog, tmp, os.path.join(mnt, "data"), "disk",
             full, room, ["--access-log", os.path.join(mnt, "access.log")])


def main():
    lienlogd, lienlog = sys.argv[1], sys.argv[2]
    inside = len(sys.argv) > 3 and sys.argv[3] == "--in-namespace"
    tmp = tempfile.mkdtemp(prefix="lienlog-full-")
    try:
        if not inside:
            run_fsize(lienlogd, lienlog, tmp)
        if os.geteuid() != 0 and not inside:
            # the disk case in a user namespace, where mounting is allowed
            unshare = shutil.which("unshare")
            ns = [unshare, "--user", "--map-root-user", "--mount"]
            r = None
            if unshare and subprocess.run(
                    ns + ["true"], capture_output=True).returncode == 0:
                r = subprocess.run(ns + [sys.executable,
                                         os.path.abspath(__file__),
                                         lienlogd, lienlog, "--in-namespace"])
            if r is None or r.returncode == 77:
                print("disk: skipped (no tmpfs: not root, no user "
                      "namespace)")
            elif r.returncode != 0:
                FAILURES.append("disk (in a user namespace)")
        else:
            mnt = os.path.join(tmp, "mnt")
            os.mkdir(mnt)
            m = subprocess.run(["mount", "-t", "tmpfs", "-o",
                                "size=%dm,mode=0700" % TMPFS_MB, "tmpfs",
                                mnt], capture_output=True)
            if m.returncode != 0:
                print("disk: skipped (cannot mount a tmpfs: %r)" % m.stderr)
                if inside:
                    return 77
            else:
                try:
                    run_disk(lienlogd, lienlog, tmp, mnt)
                finally:
                    subprocess.run(["umount", mnt], capture_output=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
