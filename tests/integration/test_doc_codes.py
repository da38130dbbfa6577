#!/usr/bin/python3
"""The error codes the docs name are the codes the code sends.

The stable `code` strings live in the C sources: api/auth.c's table of
authentication refusals (code and HTTP status, `auth_reason_code`),
common/status.c's table, and the literals the routes, the registry and the
evidence checks pass to their refusal helpers. This test reads them from
the sources, then every table in docs/*.md and README.md with a column
headed `code` (or `codes`, `reason code`) and every
`x-lienlog-error-codes` list of docs/openapi.yaml:

* every code a doc names must be a string the code base can send, so a
  renamed or misspelled code fails here, in the doc that still names it;
* in a table with an HTTP/status column, an authentication code must have
  the status api/auth.c gives it;
* docs/identity.md's table of authentication refusals lists every code of
  api/auth.c's table (added codes get documented).

crypto/httpsig.c's own reason names (`sig_missing`, `bad_signature`, ...)
are the library's, never sent by lienlogd (api/auth.c maps them): a doc
naming them as refusals fails.

Python 3 + PyYAML (python3-yaml). Usage: test_doc_codes.py SOURCE_DIR
"""
import glob
import os
import re
import sys

import yaml

CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL:", msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def sources(src):
    out = []
    for d in ("api", "registry", "httpd", "witness", "demo", "common",
              "crypto", "ledger", "tlog", "client"):
        out += glob.glob(os.path.join(src, d, "*.c"))
    # the RFC 9421 library's internal names are not wire codes
    return [p for p in out if not p.endswith(os.path.join("crypto",
                                                          "httpsig.c"))]


def code_universe(src):
    """Every snake_case string literal of the C sources (a superset of
    the codes: a name the docs use must at least be one of these)."""
    names = set()
    for p in sources(src):
        for m in re.finditer(r'"([a-z][a-z0-9_]*)"', read(p)):
            names.add(m.group(1))
    # the codes nginx answers itself (deploy/nginx, docs/deployment.md)
    for p in glob.glob(os.path.join(src, "deploy", "nginx", "*.conf")):
        for m in re.finditer(r'"code":"([a-z][a-z0-9_]*)"', read(p)):
            names.add(m.group(1))
    return names


def auth_table(src):
    text = read(os.path.join(src, "api", "auth.c"))
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'\[AUTH_R_\w+\] = \{ "([a-z_]+)",\s*(\d+) \}', text)}


def cell_codes(cell):
    ticks = re.findall(r"`([^`]+)`", cell)
    if not ticks:
        ticks = [cell.strip()]
    return [t for t in ticks if CODE.match(t)]


def doc_tables(path):
    """(line, header, rows) for each markdown table."""
    lines = read(path).split("\n")
    i = 0
    while i < len(lines):
        if (lines[i].startswith("|") and i + 1 < len(lines) and
                re.match(r"^\|[\s:|-]+\|$", lines[i + 1])):
            hdr = [c.strip().strip("`").lower()
                   for c in lines[i].strip().strip("|").split("|")]
            rows, j = [], i + 2
            while j < len(lines) and lines[j].startswith("|"):
                rows.append((j + 1, [c.strip() for c in
                                     lines[j].strip().strip("|").split("|")]))
                j += 1
            yield i + 1, hdr, rows
            i = j
        else:
            i += 1


def main():
    src = sys.argv[1]
    names = code_universe(src)
    auth = auth_table(src)
    if len(auth) < 20:
        fail("api/auth.c: reasons table not found (%d codes)" % len(auth))
    checked = 0
    docs = sorted(glob.glob(os.path.join(src, "docs", "*.md")))
    docs.append(os.path.join(src, "README.md"))
    for path in docs:
        rel = os.path.relpath(path, src)
        for line, hdr, rows in doc_tables(path):
            cols = [k for k, h in enumerate(hdr)
                    if h in ("code", "codes", "reason code")]
            http = [k for k, h in enumerate(hdr)
                    if h in ("http", "status")]
            if not cols:
                continue
            for ln, cells in rows:
                for k in cols:
                    if k >= len(cells):
                        continue
                    for c in cell_codes(cells[k]):
                        checked += 1
                        if c not in names:
                            fail("%s:%d: code `%s` is not sent by the "
                                 "code (renamed? misspelled?)" % (rel, ln, c))
                        elif (c in auth and http and http[0] < len(cells)
                              and len(cell_codes(cells[k])) == 1):
                            # one code, one status: it must be auth.c's
                            st = re.findall(r"\d{3}", cells[http[0]])
                            if len(st) == 1 and int(st[0]) != auth[c]:
                                fail("%s:%d: `%s` is HTTP %d in api/auth.c, "
                                     "the doc says %s" % (rel, ln, c,
                                                          auth[c], st[0]))
    # identity.md lists every authentication refusal
    ident = read(os.path.join(src, "docs", "identity.md"))
    for c, st in sorted(auth.items()):
        if c == "ok":
            continue
        if "`%s`" % c not in ident:
            fail("docs/identity.md: authentication code `%s` (HTTP %d) is "
                 "not documented" % (c, st))
    # openapi.yaml's x-lienlog-error-codes: status -> codes
    spec = yaml.safe_load(read(os.path.join(src, "docs", "openapi.yaml")))
    by_status = spec.get("x-lienlog-error-codes") or {}
    if not by_status:
        fail("docs/openapi.yaml: no x-lienlog-error-codes")
    for st, codes in by_status.items():
        for c in codes or []:
            checked += 1
            if c not in names:
                fail("docs/openapi.yaml: %s `%s` is not sent by the code" %
                     (st, c))
    for c, st in sorted(auth.items()):
        if c not in ("ok", "internal") and c not in (
                by_status.get(str(st)) or []):
            fail("docs/openapi.yaml: x-lienlog-error-codes %d lacks the "
                 "authentication code `%s`" % (st, c))
    if checked < 100:
        fail("only %d codes found in the docs: the table scan is broken"
             % checked)
    print("doc codes: %d checked against %d source names, %d failure(s)" %
          (checked, len(names), len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
