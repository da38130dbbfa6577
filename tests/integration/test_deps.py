#!/usr/bin/python3
"""scripts/deps.sh: the demo installs only what the demo needs, the test
command the toolchain; a held apt lock is waited for, not a failure.

Runs the real script with stub dpkg-query (nothing installed), apt-get
(records its arguments; `update` fails twice as when another apt holds the
lists lock), id (root) and sleep (no wait) first on PATH. No package is
installed. Usage: test_deps.py SOURCE_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

from itest import check, FAILURES

TEST_ONLY = ["libcmocka-dev", "clang", "golang-go", "nginx-light",
             "chromium", "python3-cryptography"]
DEMO = ["cmake", "ninja-build", "libssl-dev", "liblmdb-dev",
        "libsodium-dev", "zlib1g-dev", "libcivetweb-dev", "libjansson-dev",
        "libcurl4-openssl-dev", "curl"]


def stubs(d, log):
    def put(name, body):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write("#!/bin/bash\n" + body)
        os.chmod(p, 0o755)
    put("dpkg-query", "exit 1\n")
    put("id", 'echo 0\n')
    put("sleep", "exit 0\n")
    put("apt-get", 'echo "$*" >> %s\n'
        'if [[ " $* " == *" update "* ]]; then\n'
        '  n=$(grep -c " update" %s)\n'
        '  if [ "$n" -le 2 ]; then echo "E: Could not get lock '
        '/var/lib/apt/lists/lock" >&2; exit 100; fi\n'
        'fi\nexit 0\n' % (log, log))


def run(src, what):
    d = tempfile.mkdtemp(prefix="lienlog-deps-")
    try:
        log = os.path.join(d, "apt.log")
        bindir = os.path.join(d, "bin")
        os.mkdir(bindir)
        stubs(bindir, log)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"],
                   LIENLOG_APT_WAIT="60")
        r = subprocess.run(["bash", os.path.join(src, "scripts", "deps.sh")]
                           + ([what] if what else []), env=env,
                           capture_output=True, text=True, timeout=120)
        calls = open(log).read().splitlines() if os.path.exists(log) else []
        return r, calls
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    src = sys.argv[1]
    for what in ("demo", "test", None):
        r, calls = run(src, what)
        name = what or "(default)"
        check(r.returncode == 0, "deps.sh %s: exit 0 (%d %s)" %
              (name, r.returncode, r.stderr[-300:]))
        updates = [c for c in calls if " update" in " " + c]
        installs = [c for c in calls if " install " in " " + c + " "]
        check(len(updates) == 3, "deps.sh %s: a held lock is waited for "
              "(update tried 3 times: %s)" % (name, updates))
        check(all("DPkg::Lock::Timeout=" in c for c in calls),
              "deps.sh %s: apt waits for dpkg's lock (%s)" % (name, calls))
        check(len(installs) == 1, "deps.sh %s: one install (%s)" %
              (name, installs))
        pk = installs[0].split() if installs else []
        for p in DEMO:
            check(p in pk, "deps.sh %s installs %s" % (name, p))
        for p in TEST_ONLY:
            if what == "demo":
                check(p not in pk, "deps.sh demo does not install the test "
                      "toolchain's %s" % p)
            else:
                check(p in pk, "deps.sh %s installs %s" % (name, p))
    r, _ = run(src, "nonsense")
    check(r.returncode == 2, "deps.sh nonsense: usage, exit 2")
    demo_sh = open(os.path.join(src, "scripts", "demo.sh")).read()
    check("scripts/deps.sh demo" in demo_sh,
          "scripts/demo.sh installs only the demo's packages")
    test_sh = open(os.path.join(src, "scripts", "test.sh")).read()
    check("scripts/deps.sh test" in test_sh,
          "scripts/test.sh installs the test toolchain")
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("deps: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
