"""`lienlog audit --resume RDIR`: the incremental audit (docs/storage.md
"Incremental audit"), on a real `lienlogd --demo` store.

1. The first audit with --resume is full and leaves a signed resume
   record, the kept replay and the auditor's key in RDIR.
2. `lienlog load` adds entries; the next audit is incremental: it starts
   at the record's size and moves the record on.
3. What it must catch (each on a copy of the store and of RDIR taken
   before step 2's audit): an entry after the resume point changed; a
   state record an entry after it wrote changed; the resume record edited;
   an older, genuine resume record put back over a newer one; another
   auditor's key. Tampering before the resume point is out of scope.
4. --full audits everything again and rewrites the record.
5. A status map tile edited (store v9's versioned tiles): the full
   audit's logical map comparison refuses it.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import itest
from itest import check, require


def run(cmd, env=None):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=900, env=env)


def size_of(lienlog, datadir):
    """Tree size from a full audit's summary."""
    r = run([lienlog, "audit", datadir])
    m = re.search(r"audit OK: .*?: (\d+) entries", r.stdout)
    require(r.returncode == 0 and m, "plain audit: %s %s" % (r.stdout,
                                                              r.stderr))
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--tamper", required=True)
    ap.add_argument("-v", action="store_true", help="print passing checks")
    a = ap.parse_args()
    itest.VERBOSE[0] = a.v
    tmp = tempfile.mkdtemp(prefix="lienlog-audit-resume-")
    try:
        d = os.path.join(tmp, "demo")
        rdir = os.path.join(tmp, "auditor")
        log = os.path.join(tmp, "lienlogd.log")
        proc, _port = itest.start_demo(a.lienlogd, d, log)
        itest.stop(proc)

        # 1. full, record written; LIENLOG_PROGRESS=0: a progress line at
        # every report of the replay (one per 1,024 entries), as a log
        # file would get one every 10 s
        r = run([a.lienlog, "audit", d, "--resume", rdir],
                env=dict(os.environ, LIENLOG_PROGRESS="0"))
        require(r.returncode == 0 and "audit OK" in r.stdout and
                "full," in r.stdout, "first --resume audit is full: %d %s %s"
                % (r.returncode, r.stdout, r.stderr))
        check(re.search(r"^lienlog: audit: progress: 1024/\d+ entries "
                        r"\([0-9.]+%\), \d+ entries/s, ETA ", r.stderr,
                        re.M) is not None,
              "--resume prints the replay's progress: " + r.stderr[-500:])
        for f in ("resume", "audit.key", "replay/data.mdb"):
            check(os.path.exists(os.path.join(rdir, f)), "RDIR/" + f)
        with open(os.path.join(rdir, "resume")) as f:
            rec0 = f.read()
        check(rec0.startswith("lienlog-audit-resume/v1\n"), "record: " + rec0)
        n0 = size_of(a.lienlog, d)
        check("size %d\n" % n0 in rec0, "record names size %d" % n0)

        # 2. more entries, then incremental
        proc, port = itest.start_demo(a.lienlogd, d, log)
        r = run([a.lienlog, "load", "--url", "http://127.0.0.1:%d" % port,
                 "--demo", d, "--requests", "60", "--concurrency", "2"])
        itest.stop(proc)
        require(r.returncode == 0, "load: %s" % r.stderr[-2000:])
        n1 = size_of(a.lienlog, d)
        require(n1 > n0, "load added entries (%d -> %d)" % (n0, n1))
        # copies for the tamper cases, before the record moves on
        cases = {}
        for c in ("entry", "state", "edited", "otherkey", "map"):
            cd, cr = os.path.join(tmp, c + "-d"), os.path.join(tmp, c + "-r")
            shutil.copytree(d, cd)
            shutil.copytree(rdir, cr)
            cases[c] = (cd, cr)
        r = run([a.lienlog, "audit", d, "--resume", rdir])
        check(r.returncode == 0 and "incremental, %d entries (%d..%d)" %
              (n1 - n0, n0, n1) in r.stdout,
              "incremental audit of %d..%d: %d %s %s" %
              (n0, n1, r.returncode, r.stdout, r.stderr))
        with open(os.path.join(rdir, "resume")) as f:
            rec1 = f.read()
        check("size %d\n" % n1 in rec1, "record moved to %d" % n1)
        r = run([a.lienlog, "audit", d, "--resume", rdir])
        check(r.returncode == 0 and "incremental, 0 entries" in r.stdout,
              "nothing new: %s %s" % (r.stdout, r.stderr))

        # 3. what it must catch
        cd, cr = cases["entry"]
        r = run([a.tamper, "entry", cd, str(n1 - 2)])
        require(r.returncode == 0, "tamper entry: " + r.stderr)
        r = run([a.lienlog, "audit", cd, "--resume", cr])
        check(r.returncode == 1 and "differs" in r.stderr,
              "entry %d changed after the resume point: %d %s %s" %
              (n1 - 2, r.returncode, r.stdout, r.stderr))

        cd, cr = cases["state"]
        r = run([a.tamper, "state", cd])
        require(r.returncode == 0, "tamper state: " + r.stderr)
        r = run([a.lienlog, "audit", cd, "--resume", cr])
        check(r.returncode == 1 and "state table apps" in r.stderr,
              "application record changed after the resume point: %d %s %s"
              % (r.returncode, r.stdout, r.stderr))

        cd, cr = cases["edited"]
        with open(os.path.join(cr, "resume"), "w") as f:
            f.write(rec0.replace("size %d\n" % n0, "size %d\n" % (n0 + 2)))
        r = run([a.lienlog, "audit", cd, "--resume", cr])
        check(r.returncode == 1 and "does not verify" in r.stderr,
              "edited resume record: %d %s %s" % (r.returncode, r.stdout,
                                                  r.stderr))

        cd, cr = cases["otherkey"]
        os.unlink(os.path.join(cr, "audit.key"))
        r = run([a.lienlog, "audit", cd, "--resume", cr])
        check(r.returncode == 1 and "does not verify" in r.stderr,
              "another auditor's key: %d %s %s" % (r.returncode, r.stdout,
                                                   r.stderr))

        # an older, genuine record over the newer kept replay
        with open(os.path.join(rdir, "resume"), "w") as f:
            f.write(rec0)
        r = run([a.lienlog, "audit", d, "--resume", rdir])
        check(r.returncode == 1 and "does not hold the state" in r.stderr,
              "older record put back: %d %s %s" % (r.returncode, r.stdout,
                                                   r.stderr))

        # 4. --full starts over
        r = run([a.lienlog, "audit", d, "--resume", rdir, "--full"])
        check(r.returncode == 0 and "full, %d entries" % n1 in r.stdout,
              "--full: %d %s %s" % (r.returncode, r.stdout, r.stderr))
        r = run([a.lienlog, "audit", d, "--resume", rdir])
        check(r.returncode == 0 and "incremental, 0 entries" in r.stdout,
              "resumes after --full: %s %s" % (r.stdout, r.stderr))

        # 5. a status map tile edited behind the log's back: the root
        # still matches the last state root, the full audit's tile by
        # tile comparison with the replayed map does not
        cd, cr = cases["map"]
        r = run([a.tamper, "map", cd])
        require(r.returncode == 0, "tamper map: " + r.stderr)
        r = run([a.lienlog, "audit", cd, "--resume", cr, "--full"])
        check(r.returncode == 1 and "status map: tile" in r.stderr and
              "differs from the replayed one" in r.stderr,
              "map tile changed: %d %s %s" % (r.returncode, r.stdout,
                                             r.stderr))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if itest.FAILURES:
        print("%d of %d checks failed" % (len(itest.FAILURES),
                                          itest.CHECKS[0]))
        sys.exit(1)
    print("audit_resume: %d checks passed" % itest.CHECKS[0])


if __name__ == "__main__":
    main()
