"""The pages as lienlogd serves them (api/routes_web.c, docs/web.md):
every file of web/src byte for byte under the build's version, the right
content types and caching, a strict Content-Security-Policy on every page,
no inline script or style and nothing from another origin, the keys the
pages verify with, and refusals (old version, query, method, traversal).

usage: test_web.py --lienlogd PATH --lienlog PATH --web DIR
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import itest
from itest import require as check

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self'; connect-src 'self'; font-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
TYPES = {".html": "text/html; charset=utf-8",
         ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml",
         ".LICENSE": "text/plain; charset=utf-8"}


def req(port, path, method="GET"):
    r = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                               method=method)
    try:
        with urllib.request.urlopen(r, timeout=30) as a:
            return a.status, a.headers, a.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lienlogd", required=True)
    ap.add_argument("--lienlog", required=True)
    ap.add_argument("--web", required=True)
    a = ap.parse_args()
    src = os.path.join(a.web, "src")
    files = sorted(os.path.relpath(os.path.join(d, f), src)
                   for d, _, fs in os.walk(src) for f in fs)

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "d")
        os.mkdir(data, 0o700)
        subprocess.run([a.lienlog, "keygen", "--name", "example.org/web-test",
                        "--out", os.path.join(data, "log")], check=True,
                       stdout=subprocess.DEVNULL)
        log = os.path.join(tmp, "lienlogd.log")
        proc, port = itest.start_listening(
            [a.lienlogd, "--data", data, "--listen", "127.0.0.1:0"], log,
            itest.healthz)
        try:
            run(port, src, files, data)
        finally:
            itest.stop(proc)
    print("web: pages, assets, headers and refusals OK (%d files)" %
          len(files))


def run(port, src, files, data):
    version = None
    pages = {"/": "index.html", "/owner": "owner.html",
             "/officer": "officer.html"}
    for path, name in pages.items():
        st, h, body = req(port, path)
        check(st == 200, "%s: status %d" % (path, st))
        check(h["Content-Type"] == TYPES[".html"], path + ": content type")
        check(h["Cache-Control"] == "no-cache", path + ": cache")
        check(h["Content-Security-Policy"] == CSP, path + ": CSP")
        check(h["X-Content-Type-Options"] == "nosniff", path + ": nosniff")
        check(h["X-Frame-Options"] == "DENY", path + ": frame options")
        check(h["Referrer-Policy"] == "no-referrer", path + ": referrer")
        text = body.decode("utf-8")
        m = re.search(r"/static/([0-9a-f]{16})/", text)
        check(m is not None, path + ": no versioned asset URL")
        check(version in (None, m.group(1)), "one version for all pages")
        version = m.group(1)
        want = open(os.path.join(src, name), encoding="utf-8").read()
        check(text == want.replace("@V@", version),
              path + ": not the file with the version substituted")
        # strict-CSP hygiene of the source itself
        check(not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text),
              path + ": inline script")
        check(not re.search(r"\sstyle=|\son[a-z]+=", text),
              path + ": inline style or event handler attribute")
        check(not re.search(r"(src|href)=\"(https?:)?//", text),
              path + ": a resource from another origin")
        for ref in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", text):
            st2, _, _ = req(port, ref)
            check(st2 == 200, "%s -> %s: %d" % (path, ref, st2))
        # HEAD: same headers, no body
        st, h2, b2 = req(port, path, "HEAD")
        check(st == 200 and b2 == b"" and
              h2["Content-Length"] == str(len(body)), path + ": HEAD")

    for f in files:
        st, h, body = req(port, "/static/%s/%s" % (version, f))
        if f.endswith(".html"):
            check(st == 404, f + ": pages are not under /static/")
            continue
        check(st == 200, "%s: status %d" % (f, st))
        ext = os.path.splitext(f)[1] or f[f.rfind("."):]
        check(h["Content-Type"] == TYPES[ext], f + ": content type " +
              h["Content-Type"])
        check(h["Cache-Control"] == "public, max-age=31536000, immutable",
              f + ": cache")
        check(h["Content-Security-Policy"] == CSP, f + ": CSP")
        check(body == open(os.path.join(src, f), "rb").read(),
              f + ": bytes differ from web/src")
        if f.endswith(".js"):
            text = body.decode("utf-8")
            check(not re.search(r"https?://(?!www\.w3\.org/2000/svg)",
                                re.sub(r"^\s*(//|/?\*).*$", "", text,
                                       flags=re.M)),
                  f + ": an absolute URL in code")

    # refusals
    for path, code in [("/static/0000000000000000/js/verify.js", 404),
                       ("/static/%s/js/../css/app.css" % version, 404),
                       ("/static/%s/js/nope.js" % version, 404),
                       ("/static/%s/" % version, 404),
                       ("/static/%s" % version, 404),
                       ("/?x=1", 400), ("/owner/", 404), ("/index.html", 404)]:
        st, _, _ = req(port, path)
        check(st == code, "%s: %d, want %d" % (path, st, code))
    st, h, _ = req(port, "/", "POST")
    check(st == 405 and "GET" in h["Allow"], "POST /: 405 with Allow")

    # the keys the pages verify with
    st, h, body = req(port, "/v1/keys")
    check(st == 200 and h["Content-Type"] == "application/json", "/v1/keys")
    keys = json.loads(body)
    vkey = open(os.path.join(data, "log.vkey")).read().strip()
    check(keys == {"log": vkey, "witnesses": [], "quorum": 0},
          "/v1/keys: %r" % keys)


if __name__ == "__main__":
    sys.exit(main())
