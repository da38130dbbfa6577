#!/usr/bin/env python3
"""The growth benchmark (issue 14; bench/README.md "Growth").

For each size N (default 1e4 and 1e6) it builds, once, a store of N
realistic registrations: `lienlogd --demo` creates the demo world and seeds
it over HTTP (2,000 entries with the state roots), then `bench_growth build`
grows it through the real sequencer and registry path (no HTTP). By
default the build simulates a registry's clock: N entries at --per-year
(1e6) a year, ending now (`bench_growth build --span-days`, on a store
started over: the seed's entries carry the real time), so that what a
registry keeps for a window (Idempotency-Keys a day, nonces 300 s,
window records a month) holds that window, not the whole store;
--per-year 0 grows the seeded store on the real clock instead, as every
store before session 7 was built. The built
store is cached in --store-dir (DIR/growth-<N>, with a .ok marker written
after a complete build); stores up to 2x10^6 entries are measured on a
copy, larger ones in place (the load then adds its entries to the cache).
At each size the load runs first, then the full audit, then --incr more
entries and their incremental audit.

At each size it prints, one per line, "name value unit":
  growth_<N>_entries                  tree size measured
  growth_<N>_span_days, _entries_per_day  the simulated span of the
                                      build (0 and nan: the real clock)
  growth_<N>_table_<t>_branch_pages, _leaf_pages, _depth, _records
                                      mdb_stat -a of table t as built
  growth_<N>_idem_window_records_max, _nonces_window_records_max
                                      the most records a day's
                                      Idempotency-Keys and 300 s of
                                      nonces may take at the build's
                                      rate (twice the entries + 64);
                                      --smoke fails above them
  growth_<N>_entry_bytes              mean entry envelope (sampled)
  growth_<N>_bytes_per_entry          data.mdb blocks allocated / entries
  growth_<N>_bytes_beyond_entry       the same minus the mean entry
                                      envelope's length (as served, not as
                                      stored: the complete bundles are
                                      stored deflated, so what the entries
                                      save on disk lowers this figure;
                                      _table_bundles_bytes_per_entry is
                                      what they take)
  growth_<N>_table_<t>_bytes_per_entry  pages of LMDB table t (branch +
                                      leaf + overflow, mdb_stat -a) x 4096
                                      / entries, for every named table
  growth_<N>_random_leaf_bytes_per_entry  leaf pages of the tables whose
                                      keys are random (RANDOM below) x 4096
                                      / entries
  growth_<N>_map_leaf_bytes_per_entry  leaf pages of the lien-status map's
                                      table x 4096 / entries (appended, but
                                      its live tiles are read at random)
  growth_<N>_table_<t>_writes_per_entry, _pages_dirtied_per_entry
                                      --wstat more entries grown in
                                      batches of 16 (about lienlogd's
                                      under the load), `bench_growth build
                                      --wstat`: the puts and deletes of
                                      table t per entry, and the leaf and
                                      overflow pages they dirtied (not
                                      the branch pages above them; for
                                      every table of the store,
                                      `vrecords` too)
  growth_<N>_table_<t>_key_<c>_writes_per_entry, _leaves_per_entry
                                      the same writes by key class c
                                      (pstate's "o/", "c/", "st/", ...:
                                      the lowercase prefix before '/';
                                      tables keyed by such prefixes) and
                                      the clean leaves they landed on
  growth_<N>_tree_<t>_written_per_entry, _written_branch_per_entry
                                      the same entries: every page their
                                      commits wrote, by tree (every
                                      table, `freelist`, `tables`: LMDB's
                                      free list and table of tables),
                                      and its branch pages (exact:
                                      ledger/store.c "Pages written per
                                      commit")
  growth_<N>_written_{branch,leaf,overflow}_per_entry, _written_per_entry,
  _written_per_commit, _entries_per_commit, _written_wchar_pages_per_entry
                                      their sums; the same pages as
                                      bytes handed to pwrite / 4096
  growth_<N>_load_...                 with --load-wstat: the same for a
                                      second load on a lienlogd started
                                      with LIENLOGD_WSTAT=1
  growth_<N>_writes_per_entry, _pages_dirtied_per_entry  the same, all
                                      tables
  growth_<N>_random_writes_per_entry, _random_pages_dirtied_per_entry
                                      the same, the RANDOM tables: what
                                      grows with the store (each write
                                      a leaf of its own, and the branch
                                      pages above it, once the table is
                                      much larger than a batch's writes)
  growth_<N>_audit_entries_per_s      `lienlog audit --resume` (full: log,
                                      tree, checkpoints, state replay) /
                                      wall time
  growth_<N>_audit_cpu_us_per_entry   its user + system CPU per entry
  growth_<N>_audit_stopped_after_s    nan, or with --audit-max-s S the
                                      seconds after which the full audit
                                      was stopped (the two figures above
                                      and the incremental ones then nan)
  growth_<N>_audit_loadavg_1m         load average after the full audit
  growth_<N>_audit_signatures_per_entry  signatures the audit verifies per
                                      entry (stored checkpoints / entries)
  growth_<N>_audit_floor_cpu_us_per_entry, _floor_entries_per_s
                                      the floor: those verifications at
                                      this machine's Ed25519 rate plus the
                                      SHA-256 of each entry at its SHA-256
                                      rate, CPU per entry and entries/s on
                                      two cores
  growth_<N>_incremental_audit_entries, _s, _entries_per_s, _cpu_s
                                      --incr more entries (bench_growth
                                      build), then the incremental audit
                                      of them (`lienlog audit --resume`)
  growth_<N>_requests_per_s           `lienlog load` against `lienlogd` on
                                      the store: accepted requests/s
  growth_<N>_server_cpu_us_per_request
  growth_<N>_pages_written_per_entry  bytes the sequencer thread wrote
                                      (wchar of lienlogd's busiest writer
                                      thread, /proc/PID/task/TID/io) over
                                      the load / 4096 / entries appended
  growth_<N>_pages_written_per_batch  the same per commit
  growth_<N>_entries_per_batch        entries / commits during the load
  growth_<N>_load_errors
  growth_<N>_loadavg_1m               load average as the load began
  growth_<N>_store_ram_ratio          data.mdb blocks allocated / RAM
  growth_<N>_store_cached_at_load     the share of data.mdb in the page
                                      cache as the load began (fincore)
  growth_<N>_free_pages_at_load       pages on LMDB's free list as the
                                      load began (mdb_stat -ef; each
                                      completed bundle may search and
                                      rewrite it, docs/storage.md)
  growth_<N>_server_major_faults_per_entry, _minor_faults_per_entry,
  growth_<N>_server_read_bytes_per_entry
                                      lienlogd's page faults and bytes
                                      read from storage (/proc/PID/stat,
                                      io read_bytes) over the `lienlog
                                      load` run / entries appended
  growth_<N>_sequencer_major_faults_per_entry  the same for the
                                      sequencer thread
  growth_<N>_sequencer_cpu_us_per_entry  its CPU time (schedstat) / entries
  growth_<N>_load_window_s            wall time of that run (the load's
                                      set-up, which files its vehicles
                                      through the server, and timed phase)
  growth_<N>_sequencer_cpu_share, _runqueue_share, _io_wait_share
                                      the sequencer's time on a CPU and
                                      waiting for one (schedstat) over
                                      that run's wall time, and its share
                                      of 20 Hz samples in state D (I/O:
                                      fdatasync, a fault's read)
and, beside them, the machine: fdatasync_4KiB_median_us,
fdatasync_4KiB_p99_us, sha256_single_core_MB_per_s, ed25519_verify_per_s,
loadavg_1m_start,
loadavg_1m_end; with two sizes or more, the ratios of the largest to the
smallest: growth_requests_per_s_ratio, growth_pages_written_ratio.

--smoke: one size of 3,000 entries over 10 simulated days, a 2 s load at
4 connections, a throw-away store dir: every figure name is printed
(ctest bench.growth_smoke through bench/figures_check.cmake); values mean
nothing, except that the store's idem and nonces must hold only their
windows (window_check).
"""
import argparse
import fcntl
import os
import resource
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

# Tables whose keys are random (each new entry lands on its own leaf page):
# vehicles by vehicle key, the secondary indexes and the private state
# (most keys lead with a vehicle key, an owner reference or a contract
# identifier), parties, the subject keys' lookups (`keys`; since store v32
# the keys themselves are appended in `subjects`, keyed by the number of
# the entry that created each). Not the lien-status map: since store
# v9 its tiles are appended under a generation number (docs/storage.md);
# stores of v8 and before counted it here.
RANDOM = ("vehicles", "index", "parties", "pstate", "keys")
TABLES = ("meta", "bundles", "tail", "tiles", "checkpoints", "map", "apps",
          "vehicles", "parties", "nonces", "idem", "sealed", "index",
          "private", "pstate", "keys", "papps", "notices", "expiry",
          "subjects", "vrecords")
# the trees every page a commit writes is in: the tables, LMDB's free
# list and its table of tables (bench_growth --wstat, LIENLOGD_WSTAT)
TREES = TABLES + ("freelist", "tables")
KINDS = ("branch", "leaf", "overflow")
COPY_MAX = 2_000_000
# bench_growth build's nonce window (BUILD_NONCE_WINDOW_MS, 2 s: not the
# registry's default 300 s, bench/README.md "Growth"), plus a margin
NONCE_S = 2 + 10
DAYS_PER_YEAR = 365.25
# The registry rules' windows (registry/registry.h REG_IDEM_KEEP_MS,
# rules.c nonce_window_ms) for the smoke's window check
IDEM_KEEP_DAYS = 1.0
NONCE_WINDOW_DAYS = 300 / 86400


def say(*a):
    print("growth:", *a, file=sys.stderr, flush=True)


def figure(name, value, unit):
    if isinstance(value, float) and value != value:
        text = "nan"
    elif isinstance(value, float):
        text = "%.4g" % value if abs(value) < 1000 else "%.0f" % value
    else:
        text = str(value)
    print(f"{name} {text} {unit}", flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def mem_total():
    """The machine's RAM in bytes (/proc/meminfo MemTotal)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def cached_bytes(path):
    """Bytes of path in the page cache (`fincore`, util-linux: mincore(2)
    over the file), or nan without it."""
    if shutil.which("fincore") is None:
        return float("nan")
    r = subprocess.run(["fincore", "--bytes", "--noheadings", "--output",
                        "RES", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    try:
        return float(r.stdout.split()[0])
    except (IndexError, ValueError):
        return float("nan")


def task_counters(stat_path, io_path, sched_path):
    """{majflt, minflt, read_bytes, wchar, run_s, wait_s} of one process
    or thread from /proc (no root): page faults from stat, bytes fetched
    from storage on its behalf (read_bytes: page-fault reads of the
    memory-mapped store included) and bytes passed to write from io,
    time on a CPU and waiting for one from schedstat. Missing files
    (a thread that ended) give {}."""
    out = {}
    try:
        with open(stat_path) as f:
            # the fields after the command name, which may hold spaces
            v = f.read().rsplit(")", 1)[1].split()
        out["minflt"], out["majflt"] = int(v[7]), int(v[9])
        with open(io_path) as f:
            for line in f:
                k, _, n = line.partition(":")
                if k in ("read_bytes", "wchar"):
                    out[k] = int(n)
        with open(sched_path) as f:
            run_ns, wait_ns = f.read().split()[:2]
        out["run_s"], out["wait_s"] = int(run_ns) / 1e9, int(wait_ns) / 1e9
    except (OSError, IndexError, ValueError):
        return {}
    return out


def parse_figures(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_]+) (\S+) (\S+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


class Server:
    """lienlogd --demo DIR on a port the kernel picks, stopped with
    SIGTERM."""

    # "lienlogd: listening on http://127.0.0.1:PORT/" (docs/cli.md
    # "Listening address"), printed once before "lienlogd: ready".
    LISTENING = re.compile(r"^lienlogd: listening on "
                           r"http://127\.0\.0\.1:([0-9]+)/$", re.M)

    def __init__(self, lienlogd, datadir, log, env=None):
        self.proc = None
        self.datadir = datadir
        # Port 0: the kernel picks a free port as lienlogd binds and
        # lienlogd names it, so no port is guessed free and then taken
        # by another process before the bind.
        self.logf = open(log, "w")
        self.proc = subprocess.Popen(
            [lienlogd, "--demo", datadir, "--listen", "127.0.0.1:0"],
            stdout=self.logf, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 1800
        while time.time() < deadline and self.proc.poll() is None:
            with open(log) as f:
                text = f.read()
            m = self.LISTENING.search(text)
            if m and "lienlogd: ready" in text:
                self.port = int(m.group(1))
                return
            time.sleep(0.2)
        self.stop()
        with open(log) as f:
            sys.exit("growth: lienlogd did not come up:\n" + f.read()[-2000:])

    def counters(self):
        """{"proc": counters of the whole process, tid: counters of each
        thread} (task_counters). Per thread so that the sequencer's page
        writes are told from the workers' socket writes (write_bytes would
        count whole page-cache folios, not pages), and its faults and
        time from theirs."""
        pid = self.proc.pid
        out = {"proc": task_counters(f"/proc/{pid}/stat", f"/proc/{pid}/io",
                                     f"/proc/{pid}/schedstat")}
        base = f"/proc/{pid}/task"
        for tid in os.listdir(base):
            c = task_counters(f"{base}/{tid}/stat", f"{base}/{tid}/io",
                              f"{base}/{tid}/schedstat")
            if c:
                out[tid] = c
        return out

    def sample_states(self, stop, counts, period=0.05):
        """Until stop is set, every period s: each thread's scheduler
        state (R running or runnable, D uninterruptible: waiting on the
        disk, a page fault's read or fdatasync; S sleeping) counted in
        counts[tid][state]. A thread's share of D samples is the share of
        its time it waited on I/O (kernel.task_delayacct is off here)."""
        base = f"/proc/{self.proc.pid}/task"
        while not stop.wait(period):
            try:
                tids = os.listdir(base)
            except OSError:
                return
            for tid in tids:
                try:
                    with open(f"{base}/{tid}/stat") as f:
                        st = f.read().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    continue
                c = counts.setdefault(tid, {})
                c[st] = c.get(st, 0) + 1

    def batches(self):
        """Batches committed so far: every batch stores one checkpoint
        (mdb_stat; /metrics took 2 minutes on a 10^7 store)."""
        t = mdb_tables(self.datadir, "checkpoints")
        if t is not None and "checkpoints" in t:
            return t["checkpoints"][3]
        with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/metrics", timeout=600) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("lienlog_log_batches_total "):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def child_cpu():
    """User + system CPU seconds of the waited-for children so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, env=None, progress=False):
    """cmd's stdout (and stderr, unless progress: then it goes to ours,
    for the progress lines of a long audit)."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE,
                       stderr=None if progress else subprocess.PIPE,
                       text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"growth: {' '.join(cmd)} failed ({r.returncode}):\n"
                 f"{(r.stderr or '')[-3000:]}\n{r.stdout[-2000:]}")
    return r


def store_format(b):
    """"v9" for lienlog-store-v9, the format the binaries write (`bench_growth
    format`): cached stores are named by it, so that a format change
    builds new ones instead of opening old ones (which the new binaries
    refuse), and binaries of an older tree find the stores they wrote."""
    out = run([b["bench_growth"], "format"]).stdout.strip()
    m = re.match(r"^lienlog-store-(v[0-9]+)$", out)
    return m.group(1) if m else "v"


def span_days(n, per_year):
    """The simulated span of a store of n entries built at per_year
    entries a year (0: the real clock)."""
    return n / per_year * DAYS_PER_YEAR if per_year > 0 else 0.0


def store_name(label, fmt, per_year):
    """growth-<N>-<format> for a store built on the real clock (the name
    stores had before the simulated clock, so a cache of them is found),
    growth-<N>-<format>-<R>py for one built at R entries a year."""
    return f"growth-{label}-{fmt}" + ("" if per_year <= 0 else
                                      f"-{per_year:.3g}py".replace("+", ""))


def tail_days(per_year, wstat):
    """Days a simulated store ends before now: room for the --wstat
    entries to continue at the same rate (bench_growth build
    --end-days-ago), with 5% to spare."""
    return 1.05 * span_days(wstat, per_year)


def build_store(b, store, n, per_year, wstat):
    ok = store + ".ok"
    tail = tail_days(per_year, wstat)
    if os.path.exists(ok) and os.path.isdir(store):
        with open(ok) as f:
            v = f.read().split()
        # a simulated store is kept if it left room for the --wstat
        # entries (its third field, the days it ended before now)
        if per_year <= 0 or (len(v) >= 3 and float(v[2]) >= tail):
            return
    shutil.rmtree(store, ignore_errors=True)
    if os.path.exists(ok):
        os.unlink(ok)
    say(f"building {store}: the demo world and its seed")
    t0 = time.time()
    srv = Server(b["lienlogd"], store, store + ".lienlogd.log")
    srv.stop()
    span = span_days(n, per_year)
    cmd = [b["bench_growth"], "build", store, "--entries", str(n)]
    if span > 0:
        # The simulated clock starts the log over: the seed's entries
        # carry the real time, which the simulated years must precede.
        # The demo world, the log key and trust/ stay; bench_growth files
        # the demo parties first, at the simulated start.
        for f in ("data.mdb", "lock.mdb"):
            os.unlink(os.path.join(store, f))
        cmd += ["--span-days", "%.6f" % span, "--end-days-ago",
                "%.6f" % tail]
        say(f"demo world made in {time.time() - t0:.1f} s; building {n} "
            f"entries over {span:.1f} simulated days ({per_year:.3g} a "
            "year, ending now)")
    else:
        say(f"demo seeded in {time.time() - t0:.1f} s; growing to {n} "
            "entries on the real clock")
    t1 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"growth: bench_growth build {store} failed "
                 f"({r.returncode})")
    rate = parse_figures(r.stdout).get("build_entries_per_s", 0)
    say(f"built {store} in {time.time() - t1:.1f} s, {rate:.0f} entries/s "
        f"(load average {loadavg():.2f})")
    with open(ok, "w") as f:
        f.write(f"{n} {per_year} {tail}\n")


def mdb_tables(store, table=None):
    """{table: [branch, leaf, overflow, entries, depth]} from mdb_stat -a
    (or -s table)."""
    if shutil.which("mdb_stat") is None:
        return None
    r = subprocess.run(["mdb_stat"] + (["-s", table] if table else ["-a"])
                       + [store], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None
    out, name = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r"^Status of (\S+)$", line.strip())
        if m:
            name = m.group(1)
            out[name] = [0, 0, 0, 0, 0]
            continue
        if name is None:
            continue
        for i, key in enumerate(("Branch pages:", "Leaf pages:",
                                 "Overflow pages:", "Entries:",
                                 "Tree depth:")):
            if line.strip().startswith(key):
                out[name][i] = int(line.split(":")[1])
    return out


def free_pages(store):
    """Pages on the store's LMDB free list (mdb_stat -ef), or nan."""
    if shutil.which("mdb_stat") is None:
        return float("nan")
    r = subprocess.run(["mdb_stat", "-ef", store], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    m = re.search(r"^\s*Free pages: (\d+)$", r.stdout, re.M)
    return int(m.group(1)) if r.returncode == 0 and m else float("nan")


def audit_full(b, store, rdir, env, max_s):
    """`lienlog audit STORE --resume RDIR` (the full audit: no record yet),
    stopped after max_s seconds if given (it prints no progress with
    --resume, so a stopped audit says only that it was slower than
    entries / max_s). Returns (finished, wall s, CPU s of user + system)."""
    t0, c0 = time.time(), child_cpu()
    proc = subprocess.Popen([b["lienlog"], "audit", store, "--resume", rdir],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        out, _ = proc.communicate(timeout=max_s)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.communicate()
        return False, time.time() - t0, child_cpu() - c0
    if proc.returncode != 0:
        sys.exit(f"growth: lienlog audit {store} failed "
                 f"({proc.returncode}):\n{out[-2000:]}")
    return True, time.time() - t0, child_cpu() - c0


def window_check(label, n, span, tabs, args):
    """The windowed tables of a store built over span days hold the
    window, not the whole build: the Idempotency-Keys of the last day
    (registry REG_IDEM_KEEP_MS; every request the build makes carries
    one) and the nonces of the last 300 s (the rules' nonce_window_ms),
    as counts: the records against the entries such a window spans at
    the build's rate, with room for a batch's worth and LMDB's rounding.
    Printed as figures; with --smoke a store that keeps more fails the
    run (the test of bench.growth_smoke)."""
    p = f"growth_{label}_"
    per_day = n / span if span > 0 else float("nan")
    idem_max = 2 * per_day * IDEM_KEEP_DAYS + 64
    nonce_max = 2 * per_day * NONCE_WINDOW_DAYS + 64
    figure(p + "idem_window_records_max", idem_max, "records")
    figure(p + "nonces_window_records_max", nonce_max, "records")
    if not args.smoke or span <= 0:
        return
    if tabs is None:
        sys.exit("growth: --smoke's window check needs mdb_stat "
                 "(lmdb-utils)")
    idem = tabs.get("idem", [0] * 5)[3]
    nonces = tabs.get("nonces", [0] * 5)[3]
    say(f"{label}: window check: {idem} idempotency records (at most "
        f"{idem_max:.0f}), {nonces} nonces (at most {nonce_max:.0f}) of "
        f"{int(n)} entries over {span:.1f} days")
    if idem > idem_max or nonces > nonce_max:
        sys.exit(f"growth: {label}: the store keeps more than its windows: "
                 f"{idem} idempotency records (at most {idem_max:.0f}), "
                 f"{nonces} nonces (at most {nonce_max:.0f})")


def keys_check(label, tabs, args):
    """The subject keys the store holds (docs/privacy.md "Identifiers and
    keys"): api/ seals an owner's requests under the owner's key, stored
    by the entry of the owner's first request (store v32: one record in
    `subjects`, two lookups in `keys`), and so does `bench_growth build`
    (one new owner per
    vehicle). Printed as growth_<N>_subject_keys and _per_vehicle; with
    --smoke a store without any fails the run (the test of
    bench.growth_smoke), so a build that seals under the system key
    again cannot go unnoticed."""
    p = f"growth_{label}_"
    if tabs is None:
        if args.smoke:
            sys.exit("growth: --smoke's keys check needs mdb_stat "
                     "(lmdb-utils)")
        return
    keys = tabs.get("keys", [0] * 5)[3]
    subj = tabs.get("subjects", [0] * 5)[3]
    veh = tabs.get("vehicles", [0] * 5)[3]
    figure(p + "subject_keys", subj, "keys")
    figure(p + "subject_keys_per_vehicle",
           subj / veh if veh else float("nan"), "keys")
    say(f"{label}: keys check: {subj} subject keys, {keys} lookups, for "
        f"{veh} vehicle records")
    if args.smoke and (subj == 0 or keys != 2 * subj):
        sys.exit(f"growth: {label}: the store holds {subj} subject keys "
                 f"and {keys} lookups (none: the build sealed every "
                 "request under the system key; not two lookups per key: "
                 "a broken keys table)")


def measure(b, label, store, args, res, size):
    p = f"growth_{label}_"
    st = parse_figures(run([b["bench_growth"], "stat", store]).stdout)
    n, ebytes = st["entries"], st["entry_bytes_mean"]
    figure(p + "entries", int(n), "entries")
    figure(p + "entry_bytes", ebytes, "bytes")
    blocks = os.stat(os.path.join(store, "data.mdb")).st_blocks * 512
    figure(p + "bytes_per_entry", blocks / n, "bytes")
    figure(p + "bytes_beyond_entry", blocks / n - ebytes, "bytes")
    # the simulated span the store was built over (0: the real clock,
    # every record of a window still live) and its rate
    span = span_days(size, args.per_year)
    figure(p + "span_days", span, "days")
    figure(p + "entries_per_day", size / span if span > 0 else
           float("nan"), "entries")
    tabs = mdb_tables(store)
    rnd = 0.0
    maplf = 0.0
    nan = float("nan")
    for t in TABLES:
        v = tabs.get(t) if tabs is not None else None
        figure(p + f"table_{t}_bytes_per_entry",
               (v[0] + v[1] + v[2]) * 4096 / n if v else nan, "bytes")
        # the pages a write to a random key of this table walks and
        # dirties: depth - 1 branch pages and a leaf
        figure(p + f"table_{t}_branch_pages", v[0] if v else nan, "pages")
        figure(p + f"table_{t}_leaf_pages", v[1] if v else nan, "pages")
        figure(p + f"table_{t}_depth", v[4] if v else nan, "levels")
        figure(p + f"table_{t}_records", v[3] if v else nan, "records")
        if v and t in RANDOM:
            rnd += v[1] * 4096 / n
        if v and t == "map":
            maplf = v[1] * 4096 / n
    window_check(label, size, span, tabs, args)
    keys_check(label, tabs, args)
    if tabs is not None:
        for t in sorted(set(tabs) - set(TABLES)):
            v = tabs[t]
            say(f"{label}: table {t}: {(v[0] + v[1] + v[2]) * 4096 / n:.1f}"
                " bytes per entry (not a named figure)")
    figure(p + "random_leaf_bytes_per_entry",
           rnd if tabs is not None else float("nan"), "bytes")
    # The map's tiles are appended (v9) but every batch reads the live
    # ones at random, so they are hot too: the leaf pages of its whole
    # table (live and not yet collected, <= ~2x live) beside the figure.
    figure(p + "map_leaf_bytes_per_entry",
           maplf if tabs is not None else float("nan"), "bytes")

    # where a commit's writes go, per table (bench_growth --wstat: the
    # first batch, which expires what came due since the store was
    # built, is not counted)
    # On a simulated store they continue its clock at its rate up to
    # now (the store ended tail_days before), so they include the expiry
    # a registry does as it writes: a day-old Idempotency-Key, nonces,
    # month-old window and counter records per entry.
    # (--wstat 0: not counted, the figures nan; the store is not grown,
    # so a load can be measured again on a store a run has grown)
    wf = {}
    if args.wstat > 0:
        r = run([b["bench_growth"], "build", store, "--entries",
                 str(int(n) + args.wstat), "--batch", "16", "--wstat"] +
                (["--span-days", "%.6f" % span_days(args.wstat,
                                                    args.per_year)]
                 if args.per_year > 0 else []))
        wf = parse_figures(r.stdout)
    ws = {}
    for k, v in wf.items():
        m = re.match(r"^wstat_(\w+)_(writes|pages)_per_entry$", k)
        if m and "_key_" not in m.group(1):
            ws.setdefault(m.group(1), {})[m.group(2)] = v
    # the same writes by key class, for the tables keyed by text
    # prefixes (pstate's "o/", "c/", "st/", ...; bench_growth --wstat)
    for k, v in sorted(wf.items()):
        m = re.match(r"^wstat_(\w+?)_key_(\w+)_(writes|leaves)_per_entry$",
                     k)
        if m:
            figure(p + f"table_{m.group(1)}_key_{m.group(2)}_"
                   f"{m.group(3)}_per_entry", v,
                   "writes" if m.group(3) == "writes" else "pages")
    for t in sorted(ws):
        figure(p + f"table_{t}_writes_per_entry", ws[t].get(
            "writes", float("nan")), "writes")
        figure(p + f"table_{t}_pages_dirtied_per_entry", ws[t].get(
            "pages", float("nan")), "pages")
    figure(p + "writes_per_entry", wf.get("wstat_writes_per_entry",
                                          float("nan")), "writes")
    figure(p + "pages_dirtied_per_entry", wf.get(
        "wstat_pages_per_entry", float("nan")), "pages")
    figure(p + "random_writes_per_entry", sum(
        ws.get(t, {}).get("writes", 0) for t in RANDOM) if ws else
        float("nan"), "writes")
    figure(p + "random_pages_dirtied_per_entry", sum(
        ws.get(t, {}).get("pages", 0) for t in RANDOM) if ws else
        float("nan"), "pages")
    # every page those commits wrote, by tree (each table, LMDB's free
    # list and its table of tables) and kind: exact (ledger/store.c
    # "Pages written per commit"), branch pages and LMDB's own included
    written_figures(p, {t: [wf.get(f"wstat_{t}_written_{k}_per_entry",
                                   float("nan")) for k in KINDS]
                        for t in TREES}, wf.get("wstat_commits", 0),
                    wf.get("wstat_entries", 0),
                    wf.get("wstat_wchar_pages_per_entry", float("nan")))
    say(f"{label}: {int(wf.get('wstat_entries', 0))} entries in "
        f"{int(wf.get('wstat_batches', 0))} batches for the write counts")
    n = parse_figures(run([b["bench_growth"], "stat", store]).stdout)[
        "entries"]

    # the load first: the figure most sensitive to the machine's other
    # work, and the one to have even if the long audit of a large store
    # is cut short; then the audits on the store as the load left it
    n = measure_load(b, label, store, args, res, n, p)
    if args.load_wstat:
        n = measure_load_wstat(b, label, store, args, n, p)

    # full audit that leaves a resume record, then K more entries and the
    # incremental audit of them (lienlog audit --resume, docs/cli.md)
    env = dict(os.environ, TMPDIR=args.store_dir)
    rdir = store + ".audit"
    shutil.rmtree(rdir, ignore_errors=True)
    say(f"{label}: full audit of {int(n)} entries, load average "
        f"{loadavg():.2f}")
    done, el, cpu = audit_full(b, store, rdir, env, args.audit_max_s)
    # CPU time is what a busy machine does not inflate
    figure(p + "audit_entries_per_s", n / el if done else float("nan"),
           "entries/s")
    figure(p + "audit_cpu_us_per_entry", cpu * 1e6 / n if done else
           float("nan"), "us")
    figure(p + "audit_stopped_after_s", float("nan") if done else el, "s")
    say(f"{label}: full audit of {int(n)} entries in {el:.1f} s" +
        ("" if done else f", stopped (--audit-max-s): slower than "
         f"{n / el:.0f} entries/s, {cpu:.0f} s of CPU"))
    # The floor: what the audit cannot avoid on this machine, on two
    # cores: one Ed25519 verification per stored checkpoint and the
    # SHA-256 of every entry (its leaf hash), at the rates measured in
    # this run (bench_growth machine).
    cps = tabs["checkpoints"][3] if tabs and "checkpoints" in tabs \
        else float("nan")
    sigs = cps / n
    floor_us = sigs * 1e6 / res["_machine"]["ed25519_verify_per_s"] + \
        ebytes / res["_machine"]["sha256_single_core_MB_per_s"]
    figure(p + "audit_signatures_per_entry", sigs, "verifies")
    figure(p + "audit_floor_cpu_us_per_entry", floor_us, "us")
    figure(p + "audit_floor_entries_per_s", 2e6 / floor_us, "entries/s")
    figure(p + "audit_loadavg_1m", loadavg(), "load")
    if not done:
        # no resume record: the incremental audit needs a full one first
        for f, u in (("entries", "entries"), ("s", "s"),
                     ("entries_per_s", "entries/s"), ("cpu_s", "s")):
            figure(p + "incremental_audit_" + f, float("nan"), u)
        shutil.rmtree(rdir, ignore_errors=True)
        return
    r = subprocess.run([b["bench_growth"], "build", store, "--entries",
                        str(int(n) + args.incr)], stdout=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"growth: bench_growth build {store} failed")
    n2 = parse_figures(run([b["bench_growth"], "stat", store]).stdout)[
        "entries"]
    say(f"{label}: incremental audit, load average {loadavg():.2f}")
    t0, c0 = time.time(), child_cpu()
    out = run([b["lienlog"], "audit", store, "--resume", rdir], env=env)
    el, cpu = time.time() - t0, child_cpu() - c0
    check = "incremental, %d entries" % (n2 - n) in out.stdout
    figure(p + "incremental_audit_entries", int(n2 - n), "entries")
    figure(p + "incremental_audit_s", el if check else float("nan"), "s")
    figure(p + "incremental_audit_entries_per_s",
           (n2 - n) / el if check else float("nan"), "entries/s")
    figure(p + "incremental_audit_cpu_s", cpu, "s")
    say(f"{label}: incremental audit of {int(n2 - n)} new entries in "
        f"{el:.2f} s")
    shutil.rmtree(rdir, ignore_errors=True)



def written_figures(p, per, commits, entries, wchar):
    """The pages written per entry by tree ({tree: [branch, leaf,
    overflow] per entry}), their sums by kind and in all, per commit, and
    the same pages counted as bytes handed to pwrite (wchar)."""
    nan = float("nan")
    for t in TREES:
        v = per.get(t, [nan] * 3)
        figure(p + f"tree_{t}_written_per_entry", sum(v), "pages")
        figure(p + f"tree_{t}_written_branch_per_entry", v[0], "pages")
    tot = [sum(per.get(t, [nan] * 3)[k] for t in TREES) for k in range(3)]
    for k, kind in enumerate(KINDS):
        figure(p + f"written_{kind}_per_entry", tot[k], "pages")
    figure(p + "written_per_entry", sum(tot), "pages")
    figure(p + "written_per_commit", sum(tot) * entries / commits
           if commits > 0 else nan, "pages")
    figure(p + "entries_per_commit", entries / commits if commits > 0
           else nan, "entries")
    figure(p + "written_wchar_pages_per_entry", wchar, "pages")


def measure_load_wstat(b, label, store, args, n, p):
    """The load again, on a server that counts every page its commits
    write by tree (LIENLOGD_WSTAT): where the load's pages go. Its
    requests/s are not a figure (the counting costs the sequencer CPU);
    its pages written per entry (wchar, as measure_load counts them)
    are printed beside the counts to show they agree."""
    p = p + "load_"
    say(f"{label}: load with the page counts, load average {loadavg():.2f}")
    log = store + ".lienlogd-wstat.log"
    srv = Server(b["lienlogd"], store, log,
                 env=dict(os.environ, LIENLOGD_WSTAT="1"))
    try:
        c0 = srv.counters()
        run([b["lienlog"], "load", "--url", f"http://127.0.0.1:{srv.port}",
             "--demo", store, "--concurrency", str(args.concurrency),
             "--duration", str(args.duration)])
        c1 = srv.counters()
    finally:
        srv.stop()
    n1 = parse_figures(run([b["bench_growth"], "stat", store]).stdout)[
        "entries"]
    added = n1 - n
    per, commits, keys = {}, 0, {}
    with open(log) as f:
        for line in f:
            m = re.match(r"^lienlogd: wstat (\w+) (\d+) (\d+) (\d+) "
                         r"(\d+)$", line)
            if m and added > 0:
                per[m.group(1)] = [int(m.group(i)) / added
                                   for i in (2, 3, 4)]
                commits = int(m.group(5))
            m = re.match(r"^lienlogd: wstat-key (\w+) (\S+) (\d+) "
                         r"(\d+)$", line)
            if m and added > 0:
                keys.setdefault(m.group(1), {})[m.group(2)] = (
                    int(m.group(3)), int(m.group(4)))
    # by key class, for the tables whose writes go mostly to keys with
    # text prefixes (as bench_growth prints them)
    for t in sorted(keys):
        all_w = sum(w for w, _ in keys[t].values())
        text_w = sum(w for c, (w, _) in keys[t].items()
                     if c not in ("-", "*"))
        if 2 * text_w <= all_w:
            continue
        for c, (w, lv) in sorted(keys[t].items()):
            cn = ("bin" if c == "-" else "other" if c == "*" else
                  re.sub(r"[^a-z]", "", c))
            figure(p + f"table_{t}_key_{cn}_writes_per_entry", w / added,
                   "writes")
            figure(p + f"table_{t}_key_{cn}_leaves_per_entry", lv / added,
                   "pages")
    tids = [t for t in c1 if t != "proc"]
    wc = max((c1[t].get("wchar", 0) - c0.get(t, {}).get("wchar", 0)
              for t in tids), default=0)
    written_figures(p, per, commits, added,
                    wc / 4096 / added if added > 0 else float("nan"))
    return int(n1)


def measure_load(b, label, store, args, res, n, p):
    """lienlogd on the store (of n entries) and `lienlog load` against
    it; returns the entries the store holds afterwards."""
    la = loadavg()
    say(f"{label}: load phase, load average {la:.2f}")
    free0 = free_pages(store)
    srv = Server(b["lienlogd"], store, store + ".lienlogd.log")
    data = os.path.join(store, "data.mdb")
    cached = cached_bytes(data)
    states, stop = {}, threading.Event()
    sampler = threading.Thread(target=srv.sample_states,
                               args=(stop, states))
    try:
        c0, b0, t0 = srv.counters(), srv.batches(), time.time()
        sampler.start()
        r = run([b["lienlog"], "load", "--url",
                 f"http://127.0.0.1:{srv.port}", "--demo", store,
                 "--concurrency", str(args.concurrency), "--duration",
                 str(args.duration), "--server-pid", str(srv.proc.pid)])
        stop.set()
        sampler.join()
        c1, t1 = srv.counters(), time.time()
        b1 = srv.batches()
    finally:
        stop.set()
        srv.stop()
    lf = parse_figures(r.stdout)
    n1 = parse_figures(run([b["bench_growth"], "stat", store]).stdout)
    added = n1["entries"] - n
    figure(p + "loadavg_1m", la, "load")
    figure(p + "requests_per_s", lf.get("load_accepted_per_s",
                                         float("nan")), "requests/s")
    figure(p + "server_cpu_us_per_request",
           lf.get("server_cpu_us_per_request", float("nan")), "us")
    # the sequencer thread: the one that wrote the most (LMDB pages)
    def delta(tid, k):
        return c1.get(tid, {}).get(k, 0) - c0.get(tid, {}).get(k, 0)
    tids = [t for t in c1 if t != "proc"]
    stid = max(tids, key=lambda t: delta(t, "wchar"))
    seq = delta(stid, "wchar")
    pages = seq / 4096 / added if added > 0 else float("nan")
    figure(p + "pages_written_per_entry", pages, "pages")
    figure(p + "pages_written_per_batch",
           seq / 4096 / (b1 - b0) if b1 > b0 else float("nan"), "pages")
    figure(p + "entries_per_batch",
           added / (b1 - b0) if b1 > b0 else float("nan"), "entries")
    figure(p + "load_errors", int(lf.get("load_errors", -1)), "count")
    # Why a large store is slower: the store against RAM, how much of it
    # was cached as the load began, and what the server read from disk
    # (major faults: pages of the memory-mapped store not in the page
    # cache) per entry appended, over the whole `lienlog load` run (its
    # set-up, in which the registry files the load's vehicles through the
    # server, and its timed phase: the entries appended are of both);
    # the sequencer's own faults and where its time went (on a CPU,
    # waiting for one, waiting on I/O).
    size = os.stat(data).st_blocks * 512
    per = added if added > 0 else float("nan")
    win = t1 - t0
    figure(p + "store_ram_ratio", size / mem_total(), "x")
    figure(p + "store_cached_at_load", cached / size if size else
           float("nan"), "fraction")
    figure(p + "free_pages_at_load", free0, "pages")
    figure(p + "server_major_faults_per_entry",
           delta("proc", "majflt") / per, "faults")
    figure(p + "server_minor_faults_per_entry",
           delta("proc", "minflt") / per, "faults")
    figure(p + "server_read_bytes_per_entry",
           delta("proc", "read_bytes") / per, "bytes")
    figure(p + "sequencer_major_faults_per_entry", delta(stid, "majflt")
           / per, "faults")
    figure(p + "sequencer_cpu_us_per_entry", delta(stid, "run_s") * 1e6
           / per, "us")
    figure(p + "load_window_s", win, "s")
    figure(p + "sequencer_cpu_share", delta(stid, "run_s") / win,
           "fraction")
    figure(p + "sequencer_runqueue_share", delta(stid, "wait_s") / win,
           "fraction")
    st = states.get(stid, {})
    figure(p + "sequencer_io_wait_share", st.get("D", 0) /
           sum(st.values()) if st else float("nan"), "fraction")
    say(f"{label}: load appended {int(added)} entries in {b1 - b0} "
        f"batches; the sequencer wrote {seq / 1e6:.1f} MB; data.mdb "
        f"{size / 2**30:.1f} GiB ({cached / 2**30:.1f} GiB cached) "
        f"against {mem_total() / 2**30:.1f} GiB of RAM; the server read "
        f"{delta('proc', 'read_bytes') / 1e6:.1f} MB in "
        f"{delta('proc', 'majflt')} major faults in {win:.1f} s; the "
        f"sequencer's states {st}")
    res[label] = (lf.get("load_accepted_per_s", float("nan")), pages)
    return int(n1["entries"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="build dir holding tools/lienlogd, "
                    "tools/lienlog, bench/bench_growth (default: build "
                    "build-bench/ in Release)")
    ap.add_argument("--sizes", default="1e4,1e6",
                    help="comma-separated entry counts (1e4,1e6,1e7)")
    ap.add_argument("--store-dir", help="cache of built stores (default "
                    "$TMPDIR/lienlog-growth)")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--incr", type=int, default=10000,
                    help="entries added before the incremental audit")
    ap.add_argument("--wstat", type=int, default=4096,
                    help="entries grown in batches of 16 to count the "
                    "writes per table (bench_growth build --wstat); 0: "
                    "not counted (measure a grown store's load again)")
    ap.add_argument("--load-wstat", action="store_true",
                    help="after the load, run it again on a server that "
                    "counts the pages its commits write by tree "
                    "(growth_<N>_load_... figures)")
    ap.add_argument("--audit-max-s", type=float,
                    help="stop the full audit after this many seconds "
                    "(its figures nan, _audit_stopped_after_s set; no "
                    "incremental audit then)")
    ap.add_argument("--per-year", type=float, default=1e6,
                    help="entries a year the build simulates (default "
                    "1e6: 10^7 entries span 10 years, ending now); 0: "
                    "the real clock, every entry within minutes of the "
                    "others (the build before the simulated clock)")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    scratch = None
    if args.smoke:
        args.sizes, args.duration, args.concurrency = "3e3", 2, 4
        args.incr = 300
        args.wstat = 256
        args.load_wstat = True
        if args.per_year == ap.get_default("per_year"):
            # 10 days: the window check sees a tenth of it in idem
            args.per_year = 3000 / 10 * DAYS_PER_YEAR
        scratch = tempfile.mkdtemp(prefix="lienlog-growth-smoke-")
        args.store_dir = scratch
    if args.store_dir is None:
        args.store_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                      "lienlog-growth")
    args.store_dir = os.path.abspath(args.store_dir)
    os.makedirs(args.store_dir, exist_ok=True)
    # One run per store dir: two would share its work-<N> copies and its
    # cached stores, and corrupt each other's stores and figures. The
    # lock goes with the process, however it ends.
    lock = open(os.path.join(args.store_dir, ".growth.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"growth: another run is using {args.store_dir}; "
                 "give this one its own --store-dir")
    if args.bin is None:
        args.bin = os.path.join(repo, "build-bench")
        subprocess.run(["cmake", "-S", repo, "-B", args.bin,
                        "-DCMAKE_BUILD_TYPE=Release", "-DLIEN_TESTS=OFF",
                        "-DLIEN_SANITIZE=OFF"], check=True,
                       stdout=sys.stderr)
        subprocess.run(["cmake", "--build", args.bin, "-j2", "--target",
                        "lienlogd", "lienlog", "bench_growth"], check=True,
                       stdout=sys.stderr)
    b = {"lienlogd": os.path.join(args.bin, "tools", "lienlogd"),
         "lienlog": os.path.join(args.bin, "tools", "lienlog"),
         "bench_growth": os.path.join(args.bin, "bench", "bench_growth")}
    la0 = loadavg()
    say(f"{os.cpu_count()} cores, store dir {args.store_dir}, "
        f"load average {la0:.2f}, " + (f"{args.per_year:.3g} entries a "
        "year simulated" if args.per_year > 0 else "real clock"))
    try:
        mach = run([b["bench_growth"], "machine", args.store_dir]
                   + (["--smoke"] if args.smoke else [])).stdout
        sys.stdout.write(mach)
        res = {"_machine": parse_figures(mach)}
        sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
        # every store first, then the measurements: a store's nonces
        # live NONCE_S after the request that wrote them, and a load run
        # while the build's last ones expire spends its commits deleting
        # them; so each size waits until its build is that old
        fmt = store_format(b)
        for s in sizes:
            label = s.replace(".", "_").replace("+", "")
            build_store(b, os.path.join(args.store_dir, store_name(
                label, fmt, args.per_year)), int(float(s)), args.per_year,
                args.wstat)
        for s in sizes:
            n = int(float(s))
            label = s.replace(".", "_").replace("+", "")
            store = os.path.join(args.store_dir, store_name(
                label, fmt, args.per_year))
            wait = os.path.getmtime(store + ".ok") + NONCE_S - time.time()
            # (a simulated build's nonces are a few entries' worth)
            if wait > 0 and not args.smoke and args.per_year <= 0:
                say(f"{label}: waiting {wait:.0f} s for the build's last "
                    "nonces to expire")
                time.sleep(wait)
            work = store
            if n <= COPY_MAX:
                work = os.path.join(args.store_dir, f"work-{label}")
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(store, work)
            try:
                measure(b, label, work, args, res, n)
            finally:
                if work != store:
                    shutil.rmtree(work, ignore_errors=True)
        if len(sizes) >= 2:
            lo, hi = res[sizes[0].replace(".", "_").replace("+", "")], \
                res[sizes[-1].replace(".", "_").replace("+", "")]
            figure("growth_requests_per_s_ratio", hi[0] / lo[0], "x")
            figure("growth_pages_written_ratio", hi[1] / lo[1], "x")
        figure("loadavg_1m_start", la0, "load")
        figure("loadavg_1m_end", loadavg(), "load")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
