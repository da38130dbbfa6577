#!/usr/bin/python3
"""A small SMS gateway for the demo and the tests (docs/notices.md): a real
HTTP server on 127.0.0.1 that records what lienlogd's delivery worker
(api/notify.c) sends it, keeping the first message of every dedup key.

  POST /send   {"dedup_key","to","kind","app","text"}
               Authorization: Bearer <token>   (when --token-file is given)
               -> 200 {"status":"accepted"}   first time for that key
                  200 {"status":"duplicate"}  a retry (nothing recorded)
                  409 {"status":"conflict"}   the key with another message
                  401 without the right token, 400 for a malformed body
  GET /messages -> {"messages":[...in arrival order...],"duplicates":N,
                    "conflicts":N,"posts":N}

Messages are appended to --out (JSON lines, flushed and fsynced before the
answer), and read back at start: stop the gateway, start it again with the
same --out and it still knows every key (a gateway that was down comes back
with its history). Nothing is sent anywhere: this is where an operator's
SMS provider would be.

Usage: sms_gateway.py --port N --out FILE [--token-file FILE]
(--port 0: a free port the kernel picks, named in the line
"sms gateway: listening on http://127.0.0.1:PORT/ ..." on stdout.)
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.messages = []
        self.keys = {}
        self.duplicates = 0
        self.conflicts = 0
        self.posts = 0
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        m = json.loads(line)
                        self.keys[m["dedup_key"]] = m
                        self.messages.append(m)
        self.f = open(path, "a", encoding="utf-8")

    def add(self, m):
        with self.lock:
            self.posts += 1
            old = self.keys.get(m["dedup_key"])
            if old is not None:
                if old != m:
                    self.conflicts += 1
                    return "conflict"
                self.duplicates += 1
                return "duplicate"
            self.f.write(json.dumps(m, ensure_ascii=False,
                                    sort_keys=True) + "\n")
            self.f.flush()
            os.fsync(self.f.fileno())
            self.keys[m["dedup_key"]] = m
            self.messages.append(m)
            return "accepted"

    def dump(self):
        with self.lock:
            return {"messages": list(self.messages),
                    "duplicates": self.duplicates,
                    "conflicts": self.conflicts, "posts": self.posts}


def handler(store, token):
    class H(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def reply(self, code, obj):
            b = json.dumps(obj, ensure_ascii=False).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def do_GET(self):
            if self.path != "/messages":
                return self.reply(404, {"code": "not_found"})
            self.reply(200, store.dump())

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if 0 < n <= 65536 else b""
            if self.path != "/send":
                return self.reply(404, {"code": "not_found"})
            if token is not None and self.headers.get(
                    "Authorization") != "Bearer " + token:
                return self.reply(401, {"code": "unauthorized"})
            try:
                m = json.loads(body)
                ok = isinstance(m, dict) and all(
                    isinstance(m.get(k), str) and m.get(k)
                    for k in ("dedup_key", "to", "kind", "app", "text"))
            except ValueError:
                ok = False
            if not ok:
                return self.reply(400, {"code": "bad_message"})
            st = store.add(m)
            self.reply(409 if st == "conflict" else 200, {"status": st})
    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--token-file")
    a = ap.parse_args()
    token = None
    if a.token_file:
        with open(a.token_file) as f:
            token = f.read().strip()
    store = Store(a.out)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), handler(store, token))
    # The port actually bound (--port 0: the kernel's choice), in the
    # line the servers of this project print (docs/cli.md "Listening
    # address"): tests read it.
    print("sms gateway: listening on http://127.0.0.1:%d/ (POST /send), "
          "recording to %s" % (srv.server_address[1], a.out), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
