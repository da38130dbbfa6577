/*
 * bench_serve: how fast lienlogd serves status proofs against inclusion
 * proofs (issue 13: status proofs served >= 50% of the inclusion-proof
 * rate, same load generator, same run).
 *
 * It starts `lienlogd --demo DIR --listen 127.0.0.1:0` (the demo world:
 * its seeded log and status map; the kernel picks the port, which the
 * server names in its "listening on" line, read from its output in a
 * temporary file), then alternates closed-loop phases of
 * equal length with the same C keep-alive connections, R rounds:
 *
 *   inclusion      GET /v1/proof/inclusion?index=<random>&tree_size=<size>
 *   status_json    GET /v1/vehicles/<vin>/status-proof  (JSON, the default)
 *   status_binary  the same with Accept: application/vnd.lienlog.status-proof
 *
 * The VINs are the demo README's vehicles under a lien, restricted and
 * released (three in four requests: presence proofs) and random valid
 * VINs never registered (one in four: absence proofs). Every answer must
 * be 200; anything else is counted as an error. The server's CPU time per
 * request comes from /proc/PID/stat over each phase.
 *
 * Figures (stdout, "name value unit"; medians over the rounds): requests/s
 * of each phase, the status/inclusion ratios (per round, then the median),
 * server CPU us per request, answer bytes, errors, and the 1-minute load
 * average at start and end. No target is judged (bench/README.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "client/httpconn.h"
#include "demo/demo.h"

#ifndef LIEN_LIENLOGD
#define LIEN_LIENLOGD "lienlogd"
#endif

#define SV_PHASES 3
#define SV_ROUNDS_MAX 32
#define SV_CONN_MAX 256
#define SV_BUF (256u * 1024u)

static const char *const phase_names[SV_PHASES] = {
	"inclusion", "status_json", "status_binary",
};

static struct {
	unsigned port;
	uint64_t size;
	char vins[3][18];
	volatile int stop;
	int phase;
} g;

struct worker {
	pthread_t th;
	uint64_t rng;
	uint64_t ok, errors, bytes;
	int fd;
	uint8_t *buf;
};

/* utime + stime of pid, in clock ticks. */
static uint64_t
proc_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return 0;
	return (uint64_t)ut + st;
}

static int
conn_open(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)g.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One GET on the keep-alive connection *fd (reconnecting when needed);
 * the HTTP status, or -1 when no answer came. *body_len: the body's
 * length. */
static int
get(int *fd, uint8_t *buf, const char *path, const char *accept,
    size_t *body_len)
{
	char req[1024];
	struct httpconn_head h;
	size_t have = 0;
	ssize_t r;
	int n;

	*body_len = 0;
	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u"
	    "\r\n%s%s%s\r\n", path, g.port, accept ? "Accept: " : "",
	    accept ? accept : "", accept ? "\r\n" : "");
	if (*fd < 0 && (*fd = conn_open()) < 0)
		return -1;
	if (send(*fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto broken;
	for (;;) {
		if ((r = recv(*fd, buf + have, SV_BUF - have, 0)) <= 0)
			goto broken;
		have += (size_t)r;
		if (httpconn_parse_head(buf, have, &h) != LIEN_OK)
			goto broken;
		if (h.head_len > 0)
			break;
	}
	if (h.content_length > SV_BUF - h.head_len)
		goto broken;
	while (have < h.head_len + h.content_length) {
		if ((r = recv(*fd, buf + have, SV_BUF - have, 0)) <= 0)
			goto broken;
		have += (size_t)r;
	}
	*body_len = (size_t)h.content_length;
	if (h.close) {
		close(*fd);
		*fd = -1;
	}
	return h.status;
broken:
	close(*fd);
	*fd = -1;
	return -1;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char path[256], vin[18];
	size_t len;
	int st;

	while (!g.stop) {
		const char *accept = NULL;

		if (g.phase == 0) {
			snprintf(path, sizeof path, "/v1/proof/inclusion?index="
			    "%" PRIu64 "&tree_size=%" PRIu64,
			    bench_rand_below(&w->rng, g.size), g.size);
		} else {
			uint64_t k = bench_rand_below(&w->rng, 4);

			if (k < 3) {
				memcpy(vin, g.vins[k], 18);
			} else {
				uint64_t r = bench_rand(&w->rng);

				demo_vin_make(&r, vin);
			}
			snprintf(path, sizeof path,
			    "/v1/vehicles/%s/status-proof", vin);
			if (g.phase == 2)
				accept = "application/vnd.lienlog.status-proof";
		}
		st = get(&w->fd, w->buf, path, accept, &len);
		if (g.stop)
			break;
		if (st == 200) {
			w->ok++;
			w->bytes += len;
		} else {
			w->errors++;
		}
	}
	return NULL;
}

/* The demo README's example VINs (demo/status_examples.c). */
static int
read_vins(const char *dir)
{
	static const char *const what[3] = {
		"under a lien", "with a restriction in force",
		"all liens released",
	};
	char path[BENCH_PATH_MAX], line[512];
	FILE *f;
	int found = 0;

	if (bench_path(path, sizeof path, dir, "demo/README") != 0 ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strcspn(line, "\n");
		char *p = line;

		line[n] = 0;
		while (*p == ' ')
			p++;
		for (unsigned k = 0; k < 3; k++) {
			size_t wl = strlen(what[k]);

			if (strncmp(p, what[k], wl) == 0 && n >= 17 &&
			    p[wl] == ' ' && !(found & (1 << k))) {
				memcpy(g.vins[k], line + n - 17, 17);
				g.vins[k][17] = 0;
				found |= 1 << k;
			}
		}
	}
	fclose(f);
	return found == 7 ? 0 : -1;
}

/* lienlogd --demo DIR on port 0, its stdout and stderr to logfd. */
static pid_t
start_server(const char *bin, const char *dir, unsigned threads, int logfd)
{
	char th[16];
	pid_t pid;

	snprintf(th, sizeof th, "%u", threads);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(127);
		execl(bin, bin, "--demo", dir, "--listen", "127.0.0.1:0",
		    "--threads", th, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The port of the server's "lienlogd: listening on http://127.0.0.1:PORT/"
 * line (docs/cli.md "Listening address") in its output so far, or 0. */
static unsigned
said_port(const char *logpath)
{
	static const char line[] = "lienlogd: listening on http://127.0.0.1:";
	char buf[16384], *p;
	unsigned long port;
	size_t n;
	FILE *f = fopen(logpath, "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	if ((p = strstr(buf, line)) == NULL)
		return 0;
	port = strtoul(p + sizeof line - 1, &p, 10);
	return *p == '/' && port > 0 && port <= 65535 ? (unsigned)port : 0;
}

/* The last 4000 bytes of the server's output, to stderr. */
static void
cat_tail(const char *logpath)
{
	char buf[4000];
	size_t n;
	FILE *f = fopen(logpath, "r");

	if (f == NULL)
		return;
	if (fseek(f, -(long)sizeof buf, SEEK_END) != 0)
		rewind(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	fwrite(buf, 1, n, stderr);
}

/* Wait (bounded: 300 s, the demo is seeded first) until the server names
 * its port and /healthz answers there; its tree size in g.size. */
static int
wait_ready(pid_t pid, uint8_t *buf, const char *logpath)
{
	int fd = -1, st;
	size_t len;

	for (int i = 0; i < 3000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		if (g.port == 0)
			g.port = said_port(logpath);
		if (g.port != 0 &&
		    get(&fd, buf, "/healthz", NULL, &len) == 200) {
			char *p = strstr((char *)buf, "\"tree_size\":");

			if (fd >= 0)
				close(fd);
			if (p == NULL)
				return -1;
			g.size = strtoull(p + 12, NULL, 10);
			return 0;
		}
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	const char *bin = LIEN_LIENLOGD, *dir_opt = NULL;
	unsigned conns = 16, threads = 32;
	int rounds = 3, smoke = 0, ret = 1;
	double dur = 5.0, rate[SV_PHASES][SV_ROUNDS_MAX],
	    cpu[SV_PHASES][SV_ROUNDS_MAX], ratio[2][SV_ROUNDS_MAX],
	    la0, bytes[SV_PHASES] = { 0 };
	uint64_t errors = 0, ok_all[SV_PHASES] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	char dir[BENCH_PATH_MAX], logpath[BENCH_PATH_MAX];
	struct worker *w = NULL;
	uint8_t *hbuf = malloc(SV_BUF);
	pid_t pid = -1;
	int logfd = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0)
			smoke = 1;
		else if (strcmp(argv[i], "--lienlogd") == 0 && i + 1 < argc)
			bin = argv[++i];
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir_opt = argv[++i];
		else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
			conns = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
			dur = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_serve [--smoke] "
			    "[--lienlogd PATH] [--dir DEMO-DIR] [--connections C]"
			    " [--threads T] [--duration S] [--rounds R]\n");
			return 2;
		}
	}
	if (smoke) {
		conns = 2;
		threads = 4;
		dur = 0.3;
		rounds = 1;
	}
	if (conns < 1 || conns > SV_CONN_MAX || rounds < 1 ||
	    rounds > SV_ROUNDS_MAX || dur <= 0 || hbuf == NULL)
		return 2;
	if (dir_opt != NULL) {
		snprintf(dir, sizeof dir, "%s", dir_opt);
	} else {
		const char *t = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/bench-serve-XXXXXX",
		    t ? t : "/tmp");
		if (mkdtemp(dir) == NULL)
			return 1;
	}
	la0 = bench_loadavg_1m();
	{
		const char *t = getenv("TMPDIR");

		snprintf(logpath, sizeof logpath, "%s/bench-serve-log-XXXXXX",
		    t ? t : "/tmp");
	}
	if ((logfd = mkstemp(logpath)) < 0 ||
	    (pid = start_server(bin, dir, threads, logfd)) < 0) {
		fprintf(stderr, "bench_serve: cannot start %s\n", bin);
		goto out;
	}
	if (wait_ready(pid, hbuf, logpath) != 0 || read_vins(dir) != 0) {
		fprintf(stderr, "bench_serve: the demo server did not come up "
		    "(or its README names no example VINs); its output:\n");
		cat_tail(logpath);
		goto out;
	}
	fprintf(stderr, "bench_serve: %s --demo %s on port %u (pid %d)\n", bin,
	    dir, g.port, (int)pid);
	fprintf(stderr, "bench_serve: tree size %" PRIu64 "; VINs %s %s %s; "
	    "%u connections, %d rounds of %.1f s per phase\n", g.size,
	    g.vins[0], g.vins[1], g.vins[2], conns, rounds, dur);
	if ((w = calloc(conns, sizeof *w)) == NULL)
		goto out;
	for (unsigned c = 0; c < conns; c++) {
		w[c].fd = -1;
		w[c].rng = 0x1234u + c;
		if ((w[c].buf = malloc(SV_BUF)) == NULL)
			goto out;
	}
	for (int r = 0; r < rounds; r++) {
		for (int ph = 0; ph < SV_PHASES; ph++) {
			uint64_t ok = 0, by = 0, t0, c0, dt;

			g.phase = ph;
			g.stop = 0;
			for (unsigned c = 0; c < conns; c++) {
				w[c].ok = w[c].errors = w[c].bytes = 0;
				if (pthread_create(&w[c].th, NULL, worker_run,
				    &w[c]) != 0)
					goto out;
			}
			c0 = proc_ticks(pid);
			t0 = bench_now_ns();
			{
				struct timespec ts = {
					(time_t)dur,
					(long)((dur - (double)(time_t)dur) * 1e9),
				};
				nanosleep(&ts, NULL);
			}
			g.stop = 1;
			for (unsigned c = 0; c < conns; c++) {
				pthread_join(w[c].th, NULL);
				ok += w[c].ok;
				by += w[c].bytes;
				errors += w[c].errors;
			}
			dt = bench_now_ns() - t0;
			rate[ph][r] = (double)ok / bench_seconds(dt);
			cpu[ph][r] = ok ? (double)(proc_ticks(pid) - c0) * 1e6 /
			    (double)hz / (double)ok : 0;
			ok_all[ph] += ok;
			bytes[ph] += (double)by;
			fprintf(stderr, "  round %d %s: %.0f req/s, server "
			    "%.0f us CPU/req\n", r + 1, phase_names[ph],
			    rate[ph][r], cpu[ph][r]);
		}
		ratio[0][r] = rate[1][r] / rate[0][r];
		ratio[1][r] = rate[2][r] / rate[0][r];
	}
	bench_figure("serve_tree_size", (double)g.size, "entries");
	bench_figure("serve_connections", conns, "connections");
	for (int ph = 0; ph < SV_PHASES; ph++) {
		char n[96];

		snprintf(n, sizeof n, "serve_%s_per_s", phase_names[ph]);
		bench_figure(n, median(rate[ph], rounds), "requests/s");
		snprintf(n, sizeof n, "serve_%s_server_cpu_us", phase_names[ph]);
		bench_figure(n, median(cpu[ph], rounds), "us");
		snprintf(n, sizeof n, "serve_%s_bytes", phase_names[ph]);
		bench_figure(n, ok_all[ph] ? bytes[ph] / (double)ok_all[ph] : 0,
		    "bytes");
	}
	bench_figure("serve_status_json_vs_inclusion_ratio",
	    median(ratio[0], rounds), "x");
	bench_figure("serve_status_binary_vs_inclusion_ratio",
	    median(ratio[1], rounds), "x");
	bench_figure("serve_errors", (double)errors, "count");
	bench_figure("loadavg_1m_start", la0, "load");
	bench_figure("loadavg_1m_end", bench_loadavg_1m(), "load");
	ret = 0;
out:
	if (w != NULL) {
		for (unsigned c = 0; c < conns; c++) {
			if (w[c].fd >= 0)
				close(w[c].fd);
			free(w[c].buf);
		}
		free(w);
	}
	if (pid > 0) {
		int st;

		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	if (dir_opt == NULL)
		(void)bench_rm_tree(dir);
	if (logfd >= 0) {
		close(logfd);
		(void)unlink(logpath);
	}
	free(hbuf);
	return ret;
}
