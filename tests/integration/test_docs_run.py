#!/usr/bin/python3
"""Docs that run: every request example marked runnable in README.md and
docs/*.md is executed against a live `lienlogd --demo` and must get the
HTTP status the doc shows.

Marking (docs/testing.md "Docs that run"): a fenced block whose info
string is `sh run` is a shell script run with `bash -e -o pipefail` in a
scratch directory. A command line ending in `# -> NNN` (a comment a reader
sees as "answers NNN") must print an HTTP status line (`lienlog submit`
prints it on stderr, `curl -i` on stdout) whose status is NNN, whatever
the command's exit code; `# -> NNN code` also requires the answer's error
`code` (`"code":"code"` in a JSON body, or `lienlog submit`'s `refused:
HTTP NNN code` line). Every other command must succeed. Lines ending
in a backslash are joined first. The block is written for a reader with
the demo of README.md running: before it runs, this test replaces
`http://127.0.0.1:8080` by its own server's address, `demo-data` by its
demo directory and `build/release/tools/` by the tools under test.
Blocks run in document order, files in sorted order, README.md first,
against one demo server (a block must not leave the demo unusable for the
next: e.g. a suspended bank is reinstated).

A doc with no marked block is fine; the test fails if no block at all is
found (the marking was lost).

Usage: test_docs_run.py LIENLOGD LIENLOG SOURCE_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from itest import check, FAILURES, start_demo, stop

EXPECT = re.compile(r"^(?P<cmd>.*?)\s+#\s*->\s*(?P<st>\d{3})"
                    r"(?:\s+(?P<code>[a-z][a-z0-9_]*))?\s*$")
FENCE = re.compile(r"^```(?P<info>[^`]*)$")


def blocks(path):
    """(line number, text) of each ```sh run block."""
    out, cur, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = FENCE.match(line)
            if cur is None and m:
                info = m.group("info").split()
                if info[:2] == ["sh", "run"]:
                    cur, start = [], n + 1
                elif info:
                    cur, start = False, n + 1   # another block: skip it
                else:
                    cur, start = False, n + 1
            elif cur is not None and line.startswith("```"):
                if cur is not False:
                    out.append((start, "\n".join(cur)))
                cur = None
            elif cur is not None and cur is not False:
                cur.append(line)
    return out


def script(text, where):
    """The block as a bash script: continuation lines joined, each
    `# -> NNN` command wrapped in a status check."""
    lines, joined, first = [], "", None
    in_heredoc = None
    for n, line in enumerate(text.split("\n")):
        if in_heredoc is not None:
            lines.append(line)
            if line == in_heredoc:
                in_heredoc = None
            continue
        if first is None:
            first = n
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        line, joined = joined + line, ""
        here = re.search(r"<<-?\s*'?\"?(\w+)'?\"?", line)
        m = EXPECT.match(line)
        if m:
            ln = "%s:%d" % (where[0], where[1] + first)
            lines.append(
                "__out=$( { %s ; } 2>&1 ) || true\n"
                "printf '%%s\\n' \"$__out\"\n"
                "__st=$(printf '%%s\\n' \"$__out\" | grep -oE "
                "'^HTTP/[0-9.]+ [0-9]{3}' | tail -n 1 | cut -d' ' -f2 || true)\n"
                "if [ \"$__st\" != %s ]; then echo \"docs-run: %s: expected "
                "HTTP %s, got ${__st:-no status line}\" >&2; exit 97; fi"
                % (m.group("cmd"), m.group("st"), ln, m.group("st")))
            if m.group("code"):
                # grep reads a here-string, not a pipe: `printf | grep -q`
                # under pipefail fails whenever grep matched and left
                # before printf (line-buffered in bash) wrote its last
                # line (SIGPIPE, 141), which a loaded machine makes likely
                lines.append(
                    "grep -qE "
                    "'\"code\": ?\"%s\"|^lienlog: [a-z -]+: refused: HTTP "
                    "[0-9]{3} %s$' <<<\"$__out\" || { echo \"docs-run: %s: "
                    "expected code %s\" >&2; exit 97; }"
                    % (m.group("code"), m.group("code"), ln, m.group("code")))
        else:
            lines.append(line)
        if here:
            in_heredoc = here.group(1)
        first = None
    return "\n".join(lines) + "\n"


def self_test():
    """The checker itself: a right status and code pass, a wrong status
    or code fails (exit 97), with no server. The long answer (the code
    first, then 300 KB, more than a pipe holds) passes too: a checker
    that stops reading at the code must not fail the block."""
    fake = "printf 'HTTP/1.1 401 Unauthorized\\n{\"code\":\"digest_mismatch\"}\\n'"
    for tail in ("", "; seq 1 50000"):
        for expect, rc in (("401 digest_mismatch", 0), ("401", 0),
                           ("401 signature_invalid", 97), ("200", 97)):
            r = subprocess.run(["bash", "-c", "set -e -o pipefail\n" +
                                script("%s%s  # -> %s" % (fake, tail, expect),
                                       ("self", 1))],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == rc, "docs-run checker: '# -> %s' on a "
                  "401 digest_mismatch answer%s exits %d (got %d)" %
                  (expect, " with a long tail" if tail else "", rc,
                   r.returncode))


def main():
    lienlogd, lienlog, src = sys.argv[1:4]
    self_test()
    tools = os.path.dirname(os.path.abspath(lienlog))
    docs = [os.path.join(src, "README.md")] + sorted(
        glob.glob(os.path.join(src, "docs", "*.md")))
    found = [(p, b) for p in docs for b in blocks(p)]
    if not check(len(found) >= 2, "runnable doc blocks found: %d" %
                 len(found)):
        return 1
    tmp = tempfile.mkdtemp(prefix="lienlog-docs-")
    proc, finished = None, False
    try:
        data = os.path.join(tmp, "demo-data")
        proc, port = start_demo(lienlogd, data, os.path.join(tmp, "d.log"))
        base = "http://127.0.0.1:%d" % port
        env = dict(os.environ, PATH=tools + os.pathsep +
                   os.environ.get("PATH", ""), LIENLOG_PROGRESS="off")
        for path, (line, text) in found:
            rel = os.path.relpath(path, src)
            body = (text.replace("http://127.0.0.1:8080", base)
                    .replace("build/release/tools/", tools + "/")
                    .replace("demo-data", data))
            sh = "set -e -o pipefail\n" + script(body, (rel, line))
            scratch = tempfile.mkdtemp(dir=tmp)
            r = subprocess.run(["bash", "-c", sh], cwd=scratch, env=env,
                               capture_output=True, text=True, timeout=600)
            check(r.returncode == 0, "%s:%d: the block runs as documented "
                  "(exit %d)\n--- stdout\n%s--- stderr\n%s" %
                  (rel, line, r.returncode, r.stdout[-3000:],
                   r.stderr[-3000:]))
            print("%s:%d: %s" % (rel, line, "ok" if r.returncode == 0 else
                                 "FAILED"))
        finished = True
    finally:
        if proc is not None:
            stop(proc)
        if finished and not FAILURES:
            shutil.rmtree(tmp, ignore_errors=True)
        else:       # the server's output (d.log) and the blocks' files
            print("kept", tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("docs run: %d blocks" % len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
