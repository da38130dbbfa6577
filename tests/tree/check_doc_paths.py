#!/usr/bin/python3
"""Every repository path the documentation names exists.

Scans docs/*.md, README.md and SECURITY.md for words that start with one
of the repository's top-level folders ("api/trust.c", "tests/unit/",
"crypto/pem.h", "registry/ids") and fails for each that names nothing in
the checkout. A word names something when it is a file or a folder, or
when adding ".c" or ".h" gives a file (a module named without its
extension). Words with a placeholder or a wildcard in them ("<", "*",
"{", "X", "...") are patterns, not paths, and are skipped, as are data
directory paths (DIR/..., the demo's demo-data/).

The code points at the documentation too: every "docs/..." a source,
script or build file of the tree names (.c, .h, .py, .sh, .cmake,
CMakeLists.txt, .js) must exist as well.

Usage: check_doc_paths.py SOURCE_DIR. Python stdlib only.
"""
import os
import re
import sys

TOPS = ("common", "crypto", "tlog", "ledger", "registry", "httpd", "client",
        "witness", "api", "demo", "tools", "tests", "bench", "docs",
        "deploy", "scripts", "web", ".ci")
WORD = re.compile(r"(?<![\w./-])((?:%s)/[\w./+-]*)" %
                  "|".join(re.escape(t) for t in TOPS))
PATTERN = re.compile(r"[<>*{}]|\.\.\.|XXXX")


def docs(root):
    out = [os.path.join(root, "README.md"), os.path.join(root, "SECURITY.md")]
    d = os.path.join(root, "docs")
    out += [os.path.join(d, n) for n in sorted(os.listdir(d))
            if n.endswith(".md")]
    return [p for p in out if os.path.isfile(p)]


CODE_EXT = (".c", ".h", ".py", ".sh", ".cmake", ".js", ".mjs")
DOCS_WORD = re.compile(r"(?<![\w./-])(docs/[\w./+-]+)")
SKIP_DIRS = {"build", "node_modules", ".git", "corpus", "vectors"}


def code_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs
                         if x not in SKIP_DIRS and not x.startswith("build"))
        for name in sorted(files):
            if name.endswith(CODE_EXT) or name == "CMakeLists.txt":
                yield os.path.join(d, name)


def exists(root, word):
    p = os.path.join(root, word)
    return os.path.exists(p) or any(os.path.isfile(p + ext)
                                    for ext in (".c", ".h"))


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad, n = [], 0
    for path in docs(root):
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for m in WORD.finditer(line):
                    word = m.group(1).rstrip(".,:;)'`")
                    after = line[m.end():m.end() + 1]
                    if PATTERN.search(word) or after in "<*{":
                        continue
                    n += 1
                    if not exists(root, word):
                        bad.append("%s:%d: %s" % (
                            os.path.relpath(path, root), lineno, word))
    ncode = 0
    for path in code_files(root):
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                for m in DOCS_WORD.finditer(line):
                    word = m.group(1).rstrip(".,:;)'`")
                    if PATTERN.search(word) or word == "docs/":
                        continue
                    ncode += 1
                    if not exists(root, word):
                        bad.append("%s:%d: %s" % (
                            os.path.relpath(path, root), lineno, word))
    for b in bad:
        print("FAIL: names a path that does not exist:", b)
    print("%d paths named in %d documents, %d docs/ paths in the code: %s" %
          (n, len(docs(root)), ncode,
           "%d missing" % len(bad) if bad else "all exist"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
