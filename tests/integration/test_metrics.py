#!/usr/bin/python3
"""Integration test of GET /metrics and the structured access log
(docs/observability.md).

Starts the real `lienlogd --demo` on 127.0.0.1 with a free port, a
temporary data directory and `--access-log FILE`, waits until /healthz
answers (bounded retries), scrapes /metrics once as a baseline, then sends
a known set of requests over raw sockets (good, 404, 400, 405, a guard
refusal, a query carrying a "secret", a path with JSON-hostile bytes) and
checks:

  * the exposition format: Content-Type 0.0.4, HELP and TYPE before every
    family, label syntax, histogram buckets cumulative with +Inf == _count;
  * the deltas of lienlog_http_requests_total{route,code} and of each
    route's duration histogram _count against exactly what was sent, and
    that no other series moved;
  * the ledger and process families (the demo's 1000 seeded entries and
    their state roots);
  * log rotation: the file is renamed and SIGHUP sent; once the server
    reports the reopen, one more request lands in the new file;
  * after a clean stop (which drains the queue), one valid JSON line per
    request across both files with exactly the documented fields, the
    right route/method/path/status/outcome/error_code, bytes_out equal to
    the bytes the client received, and no query value anywhere in the log.

The server is always stopped (SIGTERM, then SIGKILL if it does not exit).
Only the Python standard library is used.
Usage: test_metrics.py /path/to/lienlogd
"""
import collections
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time

from itest import (check, FAILURES, start_listening, stop as stop_server,
                   wait_output)

FIELDS = {"time", "route", "method", "path", "status", "outcome",
          "error_code", "party", "role", "entry_index", "duration_ms",
          "bytes_out", "remote"}
SECRET = "S3CRETvalue"
HOSTILE = '/x"y\\z<{}>'      # civetweb refuses control and non-ASCII bytes
                              # itself; these reach us and need escaping


def raw(port, data):
    """Send one request (with Connection: close), read until the server
    closes. The 30 s timeout is a hang guard, not a timing assertion."""
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
    return out


def get(port, target, method="GET", extra=b""):
    """Returns (status, headers dict, body, total response bytes)."""
    out = raw(port, method.encode() + b" " + target.encode("latin-1") +
              b" HTTP/1.1\r\nHost: x\r\n" + extra +
              b"Connection: close\r\n\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body, len(out)


# ---- Prometheus text format 0.0.4 ----------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_labels(s):
    out, pos = {}, 0
    while pos < len(s):
        m = LABEL.match(s, pos)
        if not m:
            raise ValueError(f"bad labels {s!r}")
        v = m.group(2).replace("\\n", "\n").replace('\\"', '"') \
            .replace("\\\\", "\\")
        out[m.group(1)] = v
        pos = m.end()
    return out


def parse_metrics(text):
    """{(name, frozenset(labels.items())): float}, checking that every
    sample follows HELP and TYPE lines of its family."""
    samples, types, helps = {}, {}, set()
    family = None
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            family = line.split(" ")[2]
            helps.add(family)
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            check(name == family, f"TYPE {name} right after its HELP")
            types[name] = typ
            continue
        m = SAMPLE.match(line)
        if not check(m is not None, f"sample line syntax: {line!r}"):
            continue
        name, labels, value = m.group(1), m.group(3), m.group(4)
        base = name
        if types.get(family) == "histogram":
            for sfx in ("_bucket", "_sum", "_count"):
                if name == family + sfx:
                    base = family
        check(base == family and family in types and family in helps,
              f"{name} belongs to the family announced before it")
        key = (name, frozenset(parse_labels(labels or "").items()))
        check(key not in samples, f"series {key} listed once")
        samples[key] = float(value)
    check(text.endswith("\n"), "exposition ends with a newline")
    return samples, types


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def check_histograms(samples, name):
    """Per label set: buckets cumulative, +Inf == _count."""
    groups = collections.defaultdict(list)
    for (n, ls), v in samples.items():
        if n == name + "_bucket":
            d = dict(ls)
            le = d.pop("le")
            groups[frozenset(d.items())].append(
                (float("inf") if le == "+Inf" else float(le), v))
    check(groups, f"{name} has series")
    for ls, buckets in groups.items():
        buckets.sort()
        counts = [v for _, v in buckets]
        check(counts == sorted(counts), f"{name}{dict(ls)}: cumulative")
        check(buckets[-1][0] == float("inf") and
              buckets[-1][1] == samples.get((name + "_count", ls)),
              f"{name}{dict(ls)}: +Inf bucket == _count")
        check(samples.get((name + "_sum", ls), -1) >= 0,
              f"{name}{dict(ls)}: _sum present")
    return groups


def scrape(port):
    st, hdrs, body, n = get(port, "/metrics")
    check(st == 200, f"/metrics status {st}")
    check(hdrs.get("content-type") ==
          "text/plain; version=0.0.4; charset=utf-8",
          f"/metrics content type {hdrs.get('content-type')}")
    check(hdrs.get("cache-control") == "no-store", "/metrics no-store")
    samples, types = parse_metrics(body.decode("utf-8"))
    return samples, types, n


# ---- server --------------------------------------------------------------


def start_server(binary, datadir, logpath, access):
    """lienlogd --demo on a port the kernel picks (itest.start_listening);
    (proc, port, bytes of the /healthz answer that found it up: the
    access log's first line)."""
    sizes = []

    def probe(port):
        st, _, _, n = get(port, "/healthz")
        if st != 200:
            raise OSError("/healthz answered %d" % st)
        sizes.append(n)

    proc, port = start_listening(
        [binary, "--demo", datadir, "--listen", "127.0.0.1:0", "--threads",
         "4", "--access-log", access], logpath, probe)
    return proc, port, sizes[-1]


# ---- the test ------------------------------------------------------------

def run(binary, tmp):
    logpath = os.path.join(tmp, "lienlogd.out")
    access = os.path.join(tmp, "access.log")
    proc, port, n0 = start_server(binary, os.path.join(tmp, "data"),
                                  logpath, access)
    # (route, method, path, status, error_code, response bytes) per
    # request, in the order sent; the startup probe was one /healthz.
    sent = [("healthz", "GET", "/healthz", 200, None, n0)]
    try:
        check(os.stat(access).st_mode & 0o777 == 0o640 & ~current_umask(),
              "access log created 0640 (minus umask)")
        before, types, n = scrape(port)
        sent.append(("metrics", "GET", "/metrics", 200, None, n))

        def send(route, target, status, code, method="GET", extra=b""):
            st, _, body, n = get(port, target, method, extra)
            check(st == status, f"{method} {target}: {st}, want {status}")
            if code is not None:
                check(json.loads(body).get("code") == code,
                      f"{method} {target}: code {body[:80]!r}")
            sent.append((route, method, target.split("?")[0], status, code,
                         n))

        for _ in range(5):
            send("healthz", "/healthz", 200, None)
        for _ in range(3):
            send("log_checkpoint", "/log/checkpoint", 200, None)
        for _ in range(2):
            send("proof_inclusion", "/v1/proof/inclusion?index=0&tree_size=1",
                 200, None)
        for _ in range(4):
            send("none", "/nope", 404, "not_found")
        for _ in range(2):
            send("healthz", f"/healthz?token={SECRET}", 400,
                 "unknown_parameter")
        send("none", "/log/checkpoint", 405, "method_not_allowed",
             method="DELETE")
        send("none", "/healthz", 400, "transfer_encoding_rejected",
             extra=b"Transfer-Encoding: chunked\r\n")
        send("none", HOSTILE + f"?q={SECRET}", 404, "not_found")

        after, _, n = scrape(port)
        sent.append(("metrics", "GET", "/metrics", 200, None, n))
        check_metrics(before, after, types, sent[2:-1])

        # Rotation: move the file away, SIGHUP, wait for the reopen.
        os.rename(access, access + ".1")
        proc.send_signal(signal.SIGHUP)
        check(wait_output(logpath, "access log reopened", proc),
              "SIGHUP reopened the access log")
        send("healthz", "/healthz", 200, None)
    finally:
        code = stop_server(proc)
        check(code == 0, f"lienlogd exit status {code}")
    check_access_log(access, sent)
    with open(logpath, "rb") as f:
        out = f.read()
    check(b"lienlogd: stopped" in out, "clean shutdown")
    if FAILURES:
        sys.stderr.write("---- lienlogd output ----\n" +
                         out.decode("utf-8", "replace"))


def current_umask():
    m = os.umask(0)
    os.umask(m)
    return m


def check_metrics(before, after, types, sent):
    req = "lienlog_http_requests_total"
    dur = "lienlog_http_request_duration_seconds"
    check(types.get(req) == "counter", f"{req} is a counter")
    check(types.get(dur) == "histogram", f"{dur} is a histogram")
    for fam, typ in [("lienlog_http_inflight", "gauge"),
                     ("lienlog_log_tree_size", "gauge"),
                     ("lienlog_log_batches_total", "counter"),
                     ("lienlog_log_entries_total", "counter"),
                     ("lienlog_log_fsync_seconds_total", "counter"),
                     ("lienlog_log_last_batch_size", "gauge"),
                     ("lienlog_log_batch_size_mean", "gauge"),
                     ("lienlog_accesslog_dropped_total", "counter"),
                     ("lienlog_accesslog_lines_total", "counter"),
                     ("process_resident_memory_bytes", "gauge"),
                     ("process_start_time_seconds", "gauge")]:
        check(types.get(fam) == typ, f"{fam} is a {typ}")
    # The baseline scrape itself is the one metrics/200 between the two.
    want = collections.Counter({("metrics", "200"): 1})
    for route, _m, _p, status, _c, _n in sent:
        want[(route, str(status))] += 1
    keys = {dict(ls).get("route") for (n, ls) in after if n == req}
    for (n, ls), v in after.items():
        if n != req:
            continue
        d = dict(ls)
        delta = v - before.get((n, ls), 0.0)
        check(delta == want.get((d["route"], d["code"]), 0),
              f"{req}{d}: delta {delta}, want "
              f"{want.get((d['route'], d['code']), 0)}")
    for (route, code), n in want.items():
        check(val(after, req, route=route, code=code) -
              val(before, req, route=route, code=code) == n,
              f"{req}{{route={route},code={code}}} moved by {n}")
    groups = check_histograms(after, dur)
    check_histograms(before, dur)
    per_route = collections.Counter()
    for (route, _code), n in want.items():
        per_route[route] += n
    for route in keys:
        d = val(after, dur + "_count", route=route) - \
            val(before, dur + "_count", route=route)
        check(d == per_route.get(route, 0),
              f"{dur}_count{{route={route}}}: delta {d}, want "
              f"{per_route.get(route, 0)}")
        check(frozenset({("route", route)}) in groups,
              f"{dur} has a series for route {route}")
    # Ledger: the demo seeded 1000 entries through signed requests
    # (docs/demo.md), each committed by the sequencer in some batch, and
    # every batch ends with its state-root entry (docs/lien-status.md):
    # entries = 1000 + batches.
    batches = val(after, "lienlog_log_batches_total")
    entries = val(after, "lienlog_log_entries_total")
    check(1 <= batches <= 1000, f"batches {batches}")
    check(entries == 1000 + batches, f"entries {entries} = 1000 + batches")
    check(val(after, "lienlog_log_tree_size") == entries,
          "tree size = entries")
    check(2 <= val(after, "lienlog_log_last_batch_size") <= 1001,
          "last batch")
    check(abs(val(after, "lienlog_log_batch_size_mean") - entries / batches)
          < 0.01, "mean batch = entries / batches")
    check(val(after, "lienlog_log_fsync_seconds_total") > 0, "fsync time")
    check(val(after, "lienlog_http_inflight") == 1,
          "in flight during a scrape: the scrape itself")
    check(val(after, "lienlog_accesslog_enabled") == 1, "access log on")
    check(val(after, "lienlog_accesslog_dropped_total") == 0, "no drops")
    check(val(after, "process_resident_memory_bytes") > 1 << 20, "RSS")
    st = val(after, "process_start_time_seconds")
    check(1.5e9 < st <= time.time() + 1, f"process start time {st}")
    check(val(after, "process_cpu_seconds_total") > 0, "CPU seconds")
    check(val(after, "process_open_fds") > 3, "open fds")
    # The registry's statistics (docs/statistics.md), from the log
    for fam in ("lienlog_registry_applications",
                "lienlog_registry_applications_by_kind",
                "lienlog_registry_applications_by_outcome",
                "lienlog_registry_online_share",
                "lienlog_registry_diversions",
                "lienlog_registry_reminders_scheduled",
                "lienlog_registry_processing_seconds"):
        check(types.get(fam) == "gauge", f"{fam} is a gauge")
    online = val(after, "lienlog_registry_applications", channel="online")
    # the demo's three counter applications (docs/demo.md, step 7)
    counter = val(after, "lienlog_registry_applications", channel="counter")
    check(online > 400 and counter == 3,
          f"applications by channel ({online} online, {counter} counter)")
    check(val(after, "lienlog_registry_applications_by_kind",
              kind="mortgage") + val(after,
                                     "lienlog_registry_applications_by_kind",
                                     kind="release") == online + counter,
          "by kind adds up")
    share = val(after, "lienlog_registry_online_share")
    check(share is not None and
          abs(share - online / (online + counter)) < 1e-3,
          f"online share {share}")
    check(val(after, "lienlog_registry_diversions", reason="face_grey") >= 2,
          "grey face diversions")
    check(0 <= val(after, "lienlog_registry_processing_seconds",
                  to="decision", quantile="0.5") <=
          val(after, "lienlog_registry_processing_seconds", to="decision",
              quantile="0.9"), "processing time median <= p90")


TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def check_access_log(access, sent):
    lines = []
    for path in (access + ".1", access):
        if not check(os.path.exists(path), f"{path} exists"):
            continue
        with open(path, "rb") as f:
            data = f.read()
        check(SECRET.encode() not in data, f"{path}: no query value logged")
        check(data.endswith(b"\n") and b"\r" not in data,
              f"{path}: complete lines")
        lines += data.split(b"\n")[:-1]
    check(len(lines) == len(sent),
          f"one access log line per request: {len(lines)} lines, "
          f"{len(sent)} requests")
    got = collections.Counter()
    for ln in lines:
        try:
            j = json.loads(ln.decode("utf-8"))
        except ValueError:
            check(False, f"line is not JSON (UTF-8): {ln[:120]!r}")
            continue
        if not check(set(j) == FIELDS, f"fields of {j}"):
            continue
        check(TIME.match(j["time"]) is not None, f"time {j['time']}")
        check(j["remote"] == "127.0.0.1", f"remote {j['remote']}")
        check(j["party"] is None and j["role"] is None and
              j["entry_index"] is None, "no party/role/entry on reads")
        check(isinstance(j["duration_ms"], (int, float)) and
              j["duration_ms"] >= 0, f"duration_ms {j['duration_ms']}")
        check(isinstance(j["bytes_out"], int) and j["bytes_out"] > 0,
              f"bytes_out {j['bytes_out']}")
        outcome = {2: "ok", 4: "refused", 5: "error"}[j["status"] // 100]
        check(j["outcome"] == outcome, f"outcome of {j}")
        got[(j["route"], j["method"], j["path"], j["status"],
             j["error_code"], j["bytes_out"])] += 1
    # Exactly the requests sent, bytes_out == bytes the client received.
    want = collections.Counter(sent)
    for key in set(want) | set(got):
        check(got.get(key, 0) == want.get(key, 0),
              f"access log has {want.get(key, 0)} x {key} "
              f"(got {got.get(key, 0)})")
    check(any(k[2] == HOSTILE for k in got),
          "hostile path logged exactly, escaped")
    # The request sent after the reopen is in the new file.
    with open(access, "rb") as f:
        tail = [json.loads(x) for x in f.read().split(b"\n")[:-1]]
    check(any(j["path"] == "/healthz" and j["status"] == 200 for j in tail),
          "a request after SIGHUP is in the reopened file")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="lienlog-metrics-")
    try:
        run(binary, tmp)
    except Exception as e:  # report; the server was stopped in run()
        check(False, f"exception: {e!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
