#!/usr/bin/python3
"""The include direction of the tree (docs/architecture.md), as a test.

Reads the folder order from docs/architecture.md (the one line of the form
`common -> crypto -> ... -> tools`), then every `#include "..."` of every
.c and .h file in those folders, and fails when

  * a file includes a header of a folder later in the order (an upward
    include: the arrows must point one way), or of tests/ or bench/;
  * a header it names does not exist;
  * project headers include each other in a cycle;
  * README.md's "What is where" table lacks a row for a folder;
  * a foreign library's header is included outside its one owner:
    OpenSSL and libsodium in crypto/ only, lmdb.h in ledger/store.c only,
    civetweb.h in the HTTP servers only (httpd/, api/, witness/server.c),
    curl in client/fetch.c only.

Usage: check_includes.py SOURCE_DIR. Python stdlib only.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
ORDER_LINE = re.compile(r'^\s*([a-z]+(?: -> [a-z]+){5,})\s*$', re.M)
# foreign header (prefix) -> the paths allowed to include it
OWNERS = {
    "openssl/": ("crypto/",),
    "sodium": ("crypto/",),
    "lmdb.h": ("ledger/store.c",),
    "civetweb.h": ("httpd/", "api/", "witness/server.c"),
    "curl/": ("client/fetch.c",),
}


def order_of(root):
    with open(os.path.join(root, "docs", "architecture.md")) as f:
        found = ORDER_LINE.findall(f.read())
    if len(found) != 1:
        sys.exit("docs/architecture.md must hold exactly one folder order "
                 "line (a -> b -> ...); found %d" % len(found))
    return found[0].split(" -> ")


def sources(root, folders):
    for top in folders:
        for d, _dirs, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    path = os.path.join(d, name)
                    yield os.path.relpath(path, root)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    order = order_of(root)
    rank = {f: i for i, f in enumerate(order)}
    bad = []
    with open(os.path.join(root, "README.md")) as f:
        readme = f.read()
    for top in order:
        if "| `%s/` |" % top not in readme:
            bad.append("README.md's folder table has no row for %s/" % top)
    graph = {}
    nfiles = nincl = 0
    for rel in sources(root, order):
        nfiles += 1
        own = rel.split("/")[0]
        with open(os.path.join(root, rel), errors="replace") as f:
            text = f.read()
        graph[rel] = []
        for kind, name in INCLUDE.findall(text):
            if kind == "<":
                for prefix, owners in OWNERS.items():
                    if name.startswith(prefix) and \
                            not any(rel.startswith(o) for o in owners):
                        bad.append("%s includes <%s>: only %s may" %
                                   (rel, name, " and ".join(owners)))
                continue
            nincl += 1
            top = name.split("/")[0]
            if not os.path.isfile(os.path.join(root, name)):
                bad.append('%s includes "%s", which does not exist' %
                           (rel, name))
                continue
            graph[rel].append(name)
            if top not in rank:
                bad.append('%s includes "%s": %s/ is not a library folder '
                           "of the order" % (rel, name, top))
            elif rank[top] > rank[own]:
                bad.append('%s includes "%s": %s/ comes after %s/ in %s' %
                           (rel, name, top, own, " -> ".join(order)))
    # cycles among project files (iterative DFS, three colours)
    colour = {}
    for start in graph:
        if colour.get(start):
            continue
        stack = [(start, iter(graph.get(start, ())))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
                continue
            c = colour.get(nxt, 0)
            if c == 1:
                cyc = path[path.index(nxt):] + [nxt]
                bad.append("include cycle: " + " -> ".join(cyc))
            elif c == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(graph.get(nxt, ()))))
                path.append(nxt)
    for b in bad:
        print("FAIL:", b)
    print("%d files, %d project includes, order %s: %s" %
          (nfiles, nincl, " -> ".join(order),
           "%d problem(s)" % len(bad) if bad else "one way, no cycle"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
