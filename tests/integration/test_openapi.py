#!/usr/bin/python3
"""docs/openapi.yaml matches what lienlogd does.

1. The document: parsed with PyYAML (python3-yaml, Debian) through a
   loader that refuses duplicate keys; OpenAPI 3.1.0; every $ref resolves;
   every operation lists explicit status codes (no `default`, which would
   make any answer "documented"); every error status it documents has its
   codes in x-lienlog-error-codes; every path parameter is declared and has
   an example.
2. Coverage both ways against the server's own route tables (parsed from
   api/routes_*.c): every route has an operation (a prefix route: at least
   one templated path under the prefix), and every operation is served by
   a route.
3. Live: a real `lienlogd --demo` on 127.0.0.1 with a temp data dir. For
   every path and method, a request built from the documented examples
   (path parameters, required query parameters; `{}` as the body of a
   POST), unsigned, then HEAD for every GET; and, when the demo world
   exists (DIR/demo/), the same request signed with `lienlog sign-request`
   by a demo party of the first role the operation lists. Each answer must
   have a documented status; never 405 and never 404 `not_found` (no such
   route); every error body must be exactly {"code","message"} with a code
   listed for its status.

The server is always stopped (SIGTERM, bounded wait, then SIGKILL).
Usage: test_openapi.py LIENLOGD LIENLOG SOURCE_DIR
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import yaml

from itest import check, FAILURES, start_demo

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DEMO_PARTY = {"admin": "admin", "institution": "bank-a", "officer": "officer",
              "registry": "registry", "auditor": "auditor", "post": "post"}


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _mapping(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", k.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def resolve(doc, ref):
    check(ref.startswith("#/"), f"local $ref {ref}")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not check(isinstance(node, dict) and part in node,
                     f"$ref {ref} resolves"):
            return {}
        node = node[part]
    return node


def deref(doc, node):
    for _ in range(16):
        if isinstance(node, dict) and "$ref" in node:
            node = resolve(doc, node["$ref"])
        else:
            return node
    return node


def walk_refs(doc, node):
    if isinstance(node, dict):
        if "$ref" in node:
            resolve(doc, node["$ref"])
        for v in node.values():
            walk_refs(doc, v)
    elif isinstance(node, list):
        for v in node:
            walk_refs(doc, v)


def operations(doc):
    for path, item in doc["paths"].items():
        for m in METHODS:
            if m in item:
                yield path, m, item[m], item.get("parameters", [])


def example_of(doc, p):
    p = deref(doc, p)
    if "example" in p:
        return p["example"]
    s = deref(doc, p.get("schema", {}))
    if "example" in s:
        return s["example"]
    if "examples" in s and s["examples"]:
        return s["examples"][0]
    return None


def check_document(doc):
    check(doc.get("openapi") == "3.1.0", "openapi: 3.1.0")
    walk_refs(doc, doc)
    codes = doc.get("x-lienlog-error-codes", {})
    check(isinstance(codes, dict) and codes, "x-lienlog-error-codes present")
    all_codes = [c for v in codes.values() for c in v]
    check(all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in all_codes),
          "error codes are snake_case")
    for path, m, op, common in operations(doc):
        what = f"{m.upper()} {path}"
        resp = op.get("responses", {})
        check(resp and "default" not in resp,
              f"{what}: explicit responses, no default")
        for st in resp:
            check(re.fullmatch(r"[1-5][0-9][0-9]", str(st)) is not None,
                  f"{what}: status {st} is a code")
            if int(st) >= 400:
                check(str(st) in codes,
                      f"{what}: error status {st} has codes listed")
        names = re.findall(r"\{([^}]+)\}", path)
        params = [deref(doc, p) for p in list(common) +
                  list(op.get("parameters", []))]
        for n in names:
            ps = [p for p in params if p.get("in") == "path" and
                  p.get("name") == n]
            check(len(ps) == 1 and ps[0].get("required") is True,
                  f"{what}: path parameter {n} declared once, required")
            check(ps and example_of(doc, ps[0]) is not None,
                  f"{what}: path parameter {n} has an example")
        check("operationId" in op, f"{what}: operationId")


ROUTE_RE = re.compile(r'\{\s*"(GET|POST)"\s*,\s*"([^"]+)"\s*,\s*'
                      r'(0|API_ROUTE_PREFIX|API_ROUTE_PATTERN)\s*,')


def server_routes(srcdir):
    """(method, path, kind): kind 0 exact, 1 prefix, 2 pattern (one '*'
    for one path segment, httpd/http.h API_ROUTE_PATTERN)."""
    routes = []
    kinds = {"0": 0, "API_ROUTE_PREFIX": 1, "API_ROUTE_PATTERN": 2}
    for f in sorted(glob.glob(os.path.join(srcdir, "api", "routes_*.c"))):
        with open(f, encoding="utf-8") as fh:
            for m in ROUTE_RE.finditer(fh.read()):
                routes.append((m.group(1).lower(), m.group(2),
                               kinds[m.group(3)]))
    return routes


def pattern_matches(route_path, template):
    head, tail = route_path.split("*", 1)
    return re.fullmatch(re.escape(head) + r"\{[a-z_]+\}" + re.escape(tail),
                        template) is not None


def template_matches_route(path, method, routes, m):
    """The route that would serve `path` (a template), as the server's
    router decides: exact routes first in table order, prefixes by
    literal prefix."""
    literal = path.split("{")[0]
    for rm, rp, kind in routes:
        if rm != m:
            continue
        if kind == 0 and rp == path:
            return True
        if kind == 2 and pattern_matches(rp, path):
            return True
        if kind == 1 and "{" in path and literal.startswith(rp):
            return True
    return False


def check_coverage(doc, routes):
    check(len(routes) >= 20, f"found the server's route tables ({len(routes)} routes)")
    ops = [(p, m) for p, m, _, _ in operations(doc)]
    for rm, rp, kind in routes:
        if kind == 2:
            ok = any(m == rm and pattern_matches(rp, p) for p, m in ops)
        elif kind == 1:
            ok = any(m == rm and p.startswith(rp) and "{" in p[len(rp):]
                     for p, m in ops)
        else:
            ok = (rp, rm) in ops
        check(ok, f"server route {rm.upper()} {rp}{'*' if kind == 1 else ''}"
              " is documented")
    for p, m in ops:
        check(template_matches_route(p, m, routes, m),
              f"documented {m.upper()} {p} is a server route")


# ---- live --------------------------------------------------------------


def send(port, method, target, body=None, headers=()):
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += list(headers)
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    out = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    head, _, rest = out.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else 0), rest


def stop(proc):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def target_for(doc, path, op, common):
    params = [deref(doc, p) for p in list(common) + list(op.get("parameters", []))]
    t = path
    for p in params:
        if p.get("in") == "path":
            t = t.replace("{" + p["name"] + "}", str(example_of(doc, p)))
    q = [f"{p['name']}={example_of(doc, p)}" for p in params
         if p.get("in") == "query" and p.get("required")]
    return t + ("?" + "&".join(q) if q else "")


def conforms(doc, schema, v, where, depth=0):
    """A small JSON Schema subset: type, const, enum, required,
    additionalProperties false, properties, items, oneOf. Returns a list of
    problems."""
    schema = deref(doc, schema)
    if depth > 16 or not isinstance(schema, dict):
        return []
    if "oneOf" in schema:
        if any(not conforms(doc, s, v, where, depth + 1)
               for s in schema["oneOf"]):
            return []
        return [f"{where}: matches no oneOf branch"]
    errs = []
    types = schema.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    pytypes = {"object": dict, "array": list, "string": str,
               "boolean": bool, "null": type(None)}
    if types:
        ok = False
        for t in types:
            if t == "integer":
                ok |= isinstance(v, int) and not isinstance(v, bool)
            elif t in pytypes:
                ok |= isinstance(v, pytypes[t])
        if not ok:
            return [f"{where}: {type(v).__name__} is not {types}"]
    if "const" in schema and v != schema["const"]:
        errs.append(f"{where}: not {schema['const']!r}")
    if "enum" in schema and v not in schema["enum"]:
        errs.append(f"{where}: {v!r} not in enum")
    if isinstance(v, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in v:
                errs.append(f"{where}: member {k} missing")
        for k, x in v.items():
            if k in props:
                errs += conforms(doc, props[k], x, f"{where}.{k}", depth + 1)
            elif schema.get("additionalProperties") is False:
                errs.append(f"{where}: member {k} not documented")
    if isinstance(v, list) and "items" in schema:
        for i, x in enumerate(v):
            errs += conforms(doc, schema["items"], x, f"{where}[{i}]",
                             depth + 1)
    return errs


def check_success_body(doc, what, op, status, body):
    resp = deref(doc, op["responses"][str(status)] if str(status) in
                 op["responses"] else op["responses"][status])
    content = resp.get("content", {})
    if "application/json" not in content:
        return
    try:
        v = json.loads(body)
    except ValueError:
        check(False, f"{what}: {status} body is JSON")
        return
    errs = conforms(doc, content["application/json"].get("schema", {}), v,
                    "body")
    check(not errs, f"{what}: {status} body matches its schema {errs[:3]}")


def judge(doc, what, op, status, body):
    codes = doc["x-lienlog-error-codes"]
    documented = {str(s) for s in op["responses"]}
    print(f"{what}: {status} {body[:60]!r}", flush=True)
    if not check(str(status) in documented,
                 f"{what}: status {status} is documented "
                 f"({sorted(documented)}) body={body[:200]!r}"):
        return
    check(status != 405, f"{what}: not 405")
    if status < 400:
        if body:
            check_success_body(doc, what, op, status, body)
        return
    try:
        j = json.loads(body)
    except ValueError:
        check(False, f"{what}: error body is JSON")
        return
    check(isinstance(j, dict) and sorted(j) == ["code", "message"] and
          all(isinstance(v, str) for v in j.values()),
          f"{what}: error body is exactly {{code, message}}")
    code = j.get("code")
    check(not (status == 404 and code == "not_found"),
          f"{what}: the route exists (not 404 not_found)")
    check(code in codes.get(str(status), []),
          f"{what}: code {code} is listed for {status}")
    return code


def keyid_of(lienlog, cert):
    r = subprocess.run([lienlog, "cert-fingerprint", cert],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return r.stdout.decode().strip() if r.returncode == 0 else None


def signed_headers(lienlog, key, keyid, url, method, bodyfile=None):
    """The header lines `lienlog sign-request` prints. A GET has no body:
    sign-request then covers @method @authority @path (+ @query) and no
    content-digest, which is what lienlogd requires of a signed read
    (docs/api-registration.md "Signed reads")."""
    args = [lienlog, "sign-request", "--key", key, "--keyid", keyid,
            "--url", url, "--method", method]
    if bodyfile is not None:
        args += ["--body", bodyfile]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if not check(r.returncode == 0, f"sign-request {method} {url}: "
                 + r.stderr.decode(errors="replace").strip()):
        return None
    return [ln for ln in r.stdout.decode().split("\n") if ln.strip()]


def live(doc, lienlogd, lienlog, d):
    datadir = os.path.join(d, "data")
    proc, port = start_demo(lienlogd, datadir, os.path.join(d, "lienlogd.log"))
    demo = os.path.join(datadir, "demo")
    have_demo = os.path.isdir(demo)
    if not have_demo:
        print("NOTE: no demo world (DIR/demo/) yet: signed probes not run",
              flush=True)
    obj = os.path.join(d, "obj.json")
    with open(obj, "wb") as f:
        f.write(b"{}")
    n = 0
    try:
        for path, m, op, common in operations(doc):
            target = target_for(doc, path, op, common)
            what = f"{m.upper()} {target}"
            body = b"{}" if m == "post" else None
            hdrs = ["Content-Type: application/json"] if body else []
            st, b = send(port, m.upper(), target, body, hdrs)
            judge(doc, what + " (unsigned)", op, st, b)
            n += 1
            if m == "get":
                hst, hb = send(port, "HEAD", target)
                check(hst == st and hb == b"",
                      f"HEAD {target}: same status as GET, no body")
            roles = op.get("x-lienlog-roles")
            if have_demo and roles:
                party = DEMO_PARTY[roles[0]]
                key = os.path.join(demo, party + ".key")
                cert = os.path.join(demo, party + ".pem")
                keyid = keyid_of(lienlog, cert)
                if not check(keyid and os.path.exists(key),
                             f"demo party {party}: key and certificate"):
                    continue
                sh = signed_headers(lienlog, key, keyid,
                                    f"http://127.0.0.1:{port}{target}",
                                    m.upper(), obj if body else None)
                if sh is not None and body is None:
                    check(not any(h.lower().startswith("content-digest")
                                  for h in sh),
                          f"{what}: a signed GET carries no Content-Digest")
                if sh is None:
                    continue
                st, b = send(port, m.upper(), target, body, sh)
                code = judge(doc, what + f" (signed by {party})", op, st, b)
                check(st != 401, f"{what} signed by {party}: authenticated "
                      f"(got {st} {code})")
                n += 1
    finally:
        stop(proc)
    check(n >= 20, f"probed {n} requests")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    lienlogd, lienlog, srcdir = sys.argv[1:4]
    with open(os.path.join(srcdir, "docs", "openapi.yaml"), encoding="utf-8") as f:
        try:
            doc = yaml.load(f, Loader=StrictLoader)
        except yaml.YAMLError as e:
            check(False, f"docs/openapi.yaml parses: {e}")
            return 1
    check_document(doc)
    check_coverage(doc, server_routes(srcdir))
    d = tempfile.mkdtemp(prefix="lienlog-openapi-")
    try:
        live(doc, lienlogd, lienlog, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("docs/openapi.yaml matches the server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
