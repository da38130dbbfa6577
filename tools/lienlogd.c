/*
 * lienlogd: the log server. A thin main: parse the command line, load the
 * log key, open the ledger, start the HTTP server (api/server.h), wait for
 * SIGINT/SIGTERM, shut down in reverse order.
 *
 *   lienlogd --data DIR [--listen HOST:PORT] [--key FILE] [--threads N]
 *            [--access-log FILE] [--port-file FILE]
 *   lienlogd --demo DIR [--listen HOST:PORT] [--origin NAME] [--threads N]
 *            [--access-log FILE] [--port-file FILE]
 *
 * --demo creates DIR, a log key (DIR/log.key, 0600, and DIR/log.vkey) when
 * missing, and, when DIR/trust/ is absent, the demo world of demo/demo.h
 * (DIR/demo/: CAs, banks, officer, registry mirror, auditor, admin, face
 * and SMS issuers, each key PKCS#8 PEM 0600 beside its certificate, and a
 * README; DIR/trust/ for them). An empty store is then seeded through the
 * real signed-request path: a private server on 127.0.0.1 (ephemeral port,
 * no access log) serves the seeder's signed requests over HTTP, every
 * receipt is verified, and only then is the --listen server started, so a
 * client never sees a half-seeded log (docs/demo.md). Without DIR/demo
 * (a trust/ of one's own) an empty store gets DEMO_OPAQUE_ENTRIES opaque demo
 * entries as before. Startup facts go to stderr one per line; private keys
 * are never printed.
 *
 * --trust-proxy believes the reverse proxy's X-Forwarded-For and client
 * certificate headers on connections from 127.0.0.1 (httpd/proxy.h), for
 * the access log only (docs/deployment.md); the RFC 9421 signature stays
 * the only authentication.
 *
 * --witness URL=VKEYFILE (repeatable) with --witness-quorum K turns on
 * witnessing (witness/publisher.h, docs/witnessing.md): every new
 * checkpoint is sent to the witnesses, and /log/checkpoint serves only a
 * checkpoint cosigned by at least K of them. Appends never wait for it.
 *
 * Signals are blocked before any thread starts (the ledger's sequencer,
 * civetweb's workers), so only the main thread's sigwait() sees them and
 * shutdown runs in ordinary code, not in a signal handler. SIGHUP reopens
 * the access log (--access-log, docs/observability.md) for logrotate and
 * reloads the trust configuration (DIR/trust/, DIR/trust/rules.json),
 * logging the outcome on one line; a bad file keeps the old configuration.
 *
 * Registration (docs/api-registration.md) is enabled when DIR/trust/
 * exists: lienlogd then also loads the master key (--master-key FILE,
 * default DIR/master.key; 32 bytes, 0600; docs/privacy.md), creating it
 * with random bytes on the first start. Without DIR/trust/ it serves the
 * log API only and the registration routes answer 503.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "api/app.h"
#include "api/notify.h"
#include "demo/demo.h"
#include "httpd/civet.h"
#include "httpd/proxy.h"
#include "api/server.h"
#include "witness/publisher.h"
#include "common/dec.h"
#include "common/lien_limits.h"
#include "common/status.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"

#define DEMO_ORIGIN "lienlog.demo/log"
#define PATH_CAP 4096u

static const char usage[] =
    "usage: lienlogd --data DIR [--listen HOST:PORT] [--key FILE] "
    "[--threads N]\n"
    "                [--access-log FILE] [--body-timeout-ms N]\n"
    "       lienlogd --demo DIR [--listen HOST:PORT] [--origin NAME] "
    "[--threads N]\n"
    "                [--access-log FILE]\n"
    "       either form also takes [--trust-proxy] [--no-state-map]"
    " [--port-file FILE]\n"
    "                [--witness URL=VKEYFILE ...]\n"
    "                [--witness-quorum K] [--witness-timeout-ms N]\n"
    "                [--witness-interval-ms N]\n"
    "                [--sms-gateway URL [--sms-credentials FILE]\n"
    "                 [--reminder-days N]]\n"
    "\n"
    "  --data DIR         ledger directory (LMDB)\n"
    "  --key FILE         log private key (default DIR/log.key)\n"
    "  --demo DIR         create DIR, a log key, a demo world (DIR/demo,\n"
    "                     DIR/trust) and >= 1000 signed demo entries if\n"
    "                     missing (docs/demo.md)\n"
    "  --origin NAME      demo log origin (default " DEMO_ORIGIN ")\n"
    "  --listen HOST:PORT IPv4 address and port (default 127.0.0.1:8080);\n"
    "                     port 0: a free one the kernel picks, named in\n"
    "                     the line 'lienlogd: listening on http://...'\n"
    "  --port-file FILE   write the bound port there once listening\n"
    "                     (removed at start and at a clean stop)\n"
    "  --threads N        HTTP worker threads (default 128)\n"
    "  --access-log FILE  JSON-lines access log, appended (0640); '-' is\n"
    "                     stderr; SIGHUP reopens it (logrotate)\n"
    "  --trust-proxy      log the client address and TLS client certificate\n"
    "                     that nginx on 127.0.0.1 forwards (X-Forwarded-For,\n"
    "                     X-Client-Verify, X-Client-Cert); docs/deployment.md\n"
    "  --no-state-map     create the store without the lien-status map: no\n"
    "                     state roots, no status proofs; fixed at creation;\n"
    "                     to measure what the map costs (bench/README.md)\n"
    "  --master-key FILE  the master key of personal data (default\n"
    "                     DIR/master.key; keep it outside DIR in\n"
    "                     production: docs/privacy.md)\n"
    "  --body-timeout-ms N  a request body must arrive within N ms\n"
    "                     (100..600000, default 10000)\n"
    "  --sms-gateway URL  deliver the owners' notices and due-release\n"
    "                     reminders to this SMS gateway (HTTP POST, at\n"
    "                     least once, dedup keys; docs/notices.md);\n"
    "                     progress in DIR/notify.state\n"
    "  --sms-credentials FILE  the gateway's bearer token (0600)\n"
    "  --reminder-days N  remind owners N days before the loan's term\n"
    "                     end (1..366, default 30)\n"
    "  --witness URL=VKEYFILE  a witness (C2SP tlog-witness) and its\n"
    "                     cosignature verifier key (type 0x04); repeatable\n"
    "  --witness-quorum K cosignatures a checkpoint needs before\n"
    "                     /log/checkpoint serves it (default: all)\n"
    "  --witness-timeout-ms N  per witness request (default 2000)\n"
    "  --witness-interval-ms N  least time between two witnessing\n"
    "                     rounds (default 20); docs/witnessing.md\n"
    "  --help             this text\n"
    "\n"
    "Serves plain HTTP; put a TLS proxy (nginx) in front. SIGINT or SIGTERM\n"
    "stop it cleanly; SIGHUP reloads DIR/trust/ and reopens the access log.\n"
    "With DIR/trust/ present the registration API is on and the master key\n"
    "(32 bytes, 0600) is created on first start. Routes: docs/api-log.md,\n"
    "docs/api-registration.md; metrics and access log:\n"
    "docs/observability.md.\n";

struct opts {
	const char *data, *demo, *key, *origin, *listen, *threads;
	const char *access_log, *body_timeout, *master_key, *port_file;
	int trust_proxy;	/* --trust-proxy (httpd/proxy.h) */
	int no_state_map;	/* --no-state-map (docs/lien-status.md) */
	/* docs/witnessing.md */
	const char *witness[WITNESS_CLIENT_MAX];
	size_t nwitness;
	const char *witness_quorum, *witness_timeout, *witness_interval;
	const char *sms_gateway, *sms_credentials, *reminder_days;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* civetweb's messages may quote request bytes: make them one safe line. */
static void
server_log(void *ctx, const char *msg)
{
	char line[512];
	size_t i;

	(void)ctx;
	for (i = 0; msg[i] != '\0' && i < sizeof(line) - 1; i++) {
		unsigned char c = (unsigned char)msg[i];

		line[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	line[i] = '\0';
	fprintf(stderr, "lienlogd: http: %s\n", line);
}

/* Parse the command line into o (its strings borrowed from argv).
 * LIEN_OK with *out_help = 1 when --help or -h is met before any error
 * (the arguments after it are not read and o is incomplete), LIEN_OK with
 * *out_help = 0 for a complete o, or LIEN_EINVAL after saying why on
 * stderr. */
static enum lien_status LIEN_MUST_CHECK
opts_parse(int argc, char **argv, struct opts *o, int *out_help)
{
	static const char *const names[] = { "--data", "--demo", "--key",
		"--origin", "--listen", "--threads", "--access-log",
		"--body-timeout-ms", "--witness-quorum", "--witness-timeout-ms",
		"--witness-interval-ms", "--master-key", "--sms-gateway",
		"--sms-credentials", "--reminder-days", "--port-file" };

	memset(o, 0, sizeof(*o));
	*out_help = 0;
	for (int i = 1; i < argc; i++) {
		const char **slot[] = { &o->data, &o->demo, &o->key, &o->origin,
			&o->listen, &o->threads, &o->access_log,
			&o->body_timeout, &o->witness_quorum,
			&o->witness_timeout, &o->witness_interval,
			&o->master_key, &o->sms_gateway, &o->sms_credentials,
			&o->reminder_days, &o->port_file };
		size_t k;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			*out_help = 1;
			return LIEN_OK;
		}
		if (strcmp(argv[i], "--trust-proxy") == 0) {	/* a switch */
			if (o->trust_proxy) {
				say("lienlogd: --trust-proxy given twice\n");
				return LIEN_EINVAL;
			}
			o->trust_proxy = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-state-map") == 0) {	/* a switch */
			if (o->no_state_map) {
				say("lienlogd: --no-state-map given twice\n");
				return LIEN_EINVAL;
			}
			o->no_state_map = 1;
			continue;
		}
		if (strcmp(argv[i], "--witness") == 0) {	/* repeatable */
			if (i + 1 >= argc || argv[i + 1][0] == '\0' ||
			    o->nwitness == WITNESS_CLIENT_MAX) {
				say("lienlogd: --witness needs URL=VKEYFILE "
				    "(at most %u)\n", WITNESS_CLIENT_MAX);
				return LIEN_EINVAL;
			}
			o->witness[o->nwitness++] = argv[++i];
			continue;
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcmp(argv[i], names[k]) == 0)
				break;
		}
		if (k == sizeof(names) / sizeof(names[0])) {
			say("lienlogd: unknown argument '%s'\n", argv[i]);
			return LIEN_EINVAL;
		}
		if (i + 1 >= argc || argv[i + 1][0] == '\0') {
			say("lienlogd: %s needs a value\n", argv[i]);
			return LIEN_EINVAL;
		}
		if (*slot[k] != NULL) {
			say("lienlogd: %s given twice\n", argv[i]);
			return LIEN_EINVAL;
		}
		*slot[k] = argv[++i];
	}
	if ((o->data == NULL) == (o->demo == NULL)) {
		say("lienlogd: exactly one of --data or --demo is required\n");
		return LIEN_EINVAL;
	}
	if (o->demo != NULL && o->key != NULL) {
		say("lienlogd: --demo keeps its key in DIR/log.key; drop --key\n");
		return LIEN_EINVAL;
	}
	if (o->data != NULL && o->origin != NULL) {
		say("lienlogd: --origin only applies to --demo\n");
		return LIEN_EINVAL;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
path_join(char *out, const char *dir, const char *file)
{
	int n = snprintf(out, PATH_CAP, "%s/%s", dir, file);

	return (n < 0 || (size_t)n >= PATH_CAP) ? LIEN_ETOOBIG : LIEN_OK;
}

/* Write len bytes to a new file (O_EXCL: never overwrite a key); on
 * failure the file is removed. LIEN_OK or LIEN_EIO (errno says why). */
static enum lien_status LIEN_MUST_CHECK
file_create(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return LIEN_EIO;
	if (file_write_all(fd, data, len) != LIEN_OK || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return LIEN_EIO;
	}
	return close(fd) == 0 ? LIEN_OK : LIEN_EIO;
}

/* Read the private key file into secret memory and parse it. LIEN_OK, or
 * LIEN_EKEY after saying why. */
static enum lien_status LIEN_MUST_CHECK
key_load(const char *path, struct note_signer **out)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	enum lien_status st_read;
	enum lien_status rc = LIEN_EKEY;

	*out = NULL;
	if (stat(path, &st) == 0 && (st.st_mode & 0077))
		say("lienlogd: warning: key %s is readable by others\n", path);
	buf = secret_alloc(SKEY_FILE_MAX + 1);
	if (buf == NULL)
		goto out;
	st_read = file_read_into(path, buf, SKEY_FILE_MAX, &len);
	if (st_read == LIEN_ETOOBIG || (st_read == LIEN_OK && len == 0)) {
		say("lienlogd: key %s: empty or larger than a key\n", path);
		goto out;
	}
	if (st_read != LIEN_OK) {
		say("lienlogd: cannot read key %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if (note_signer_parse(buf, len, out) != LIEN_OK) {
		say("lienlogd: key %s: not a signed-note private key\n", path);
		goto out;
	}
	rc = LIEN_OK;
out:
	secret_free(buf);	/* wipes */
	return rc;
}

/* --demo: a demo folder whose store is of another store format
 * (ledger/store.h STORE_FORMAT; a read-only open says LIEN_EUNSUPPORTED)
 * is moved aside whole, to DIR.old-<Unix time>, and the demo is created
 * afresh: demo stores are rebuilt after a format change, never migrated
 * (docs/storage.md). Anything else (no store yet, the current format, an
 * unreadable folder) is left for the real open to report. */
static enum lien_status LIEN_MUST_CHECK
demo_store_refresh(const char *dir)
{
	struct ledger_config cfg;
	struct ledger *l = NULL;
	char from[PATH_CAP], to[PATH_CAP];
	size_t n = strlen(dir);
	enum lien_status s;
	int k;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = dir;
	cfg.flags = LEDGER_RDONLY;
	s = ledger_open(&cfg, &l);
	ledger_close(l);
	if (s != LIEN_EUNSUPPORTED)
		return LIEN_OK;
	while (n > 1 && dir[n - 1] == '/')	/* "demo-data/" */
		n--;
	k = snprintf(to, sizeof to, "%.*s.old-%lld", (int)n, dir,
	    (long long)time(NULL));
	if (n >= sizeof from || k < 0 || (size_t)k >= sizeof to) {
		say("lienlogd: path too long: %s\n", dir);
		return LIEN_ETOOBIG;
	}
	memcpy(from, dir, n);
	from[n] = '\0';
	if (rename(from, to) != 0) {
		say("lienlogd: %s holds a store of another format and cannot "
		    "be moved aside: %s\n", from, strerror(errno));
		return LIEN_EIO;
	}
	say("lienlogd: %s held a store of another format (not %s): moved to "
	    "%s; creating a new demo\n", from, ledger_store_format(), to);
	return LIEN_OK;
}

/* --demo: DIR and DIR/log.key (0600), created when missing. The verifier
 * key file is written after loading (demo_vkey), so it is also restored
 * when only the private key survived. */
static enum lien_status LIEN_MUST_CHECK
demo_prepare(const char *dir, const char *origin, char *key_path)
{
	char *skey = NULL, *vkey = NULL;
	enum lien_status rc = LIEN_EIO;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		say("lienlogd: cannot create %s: %s\n", dir, strerror(errno));
		return LIEN_EIO;
	}
	if (path_join(key_path, dir, "log.key") != LIEN_OK) {
		say("lienlogd: path too long: %s\n", dir);
		return LIEN_ETOOBIG;
	}
	if (access(key_path, F_OK) == 0)
		return LIEN_OK;	/* keep the existing key; checked at load */
	if (note_name_check(origin, strlen(origin)) != LIEN_OK) {
		say("lienlogd: invalid origin name\n");
		return LIEN_EINVAL;
	}
	if (note_key_generate(origin, strlen(origin), &skey, &vkey) != LIEN_OK) {
		say("lienlogd: key generation failed\n");
		return LIEN_ECRYPTO;
	}
	if (file_create(key_path, skey, strlen(skey), 0600) != LIEN_OK) {
		say("lienlogd: cannot write %s: %s\n", key_path, strerror(errno));
		goto out;
	}
	say("lienlogd: created log key %s\n", key_path);
	rc = LIEN_OK;
out:
	secret_free(skey);
	free(vkey);
	return rc;
}

/* DIR/log.vkey: the public verifier key, one line, written if missing. */
static enum lien_status LIEN_MUST_CHECK
demo_vkey(const char *dir, const char *vkey)
{
	char path[PATH_CAP], line[NOTE_NAME_MAX + 130];
	size_t n = strlen(vkey);

	if (path_join(path, dir, "log.vkey") != LIEN_OK || n + 2 > sizeof(line))
		return LIEN_ETOOBIG;
	if (access(path, F_OK) == 0)
		return LIEN_OK;
	memcpy(line, vkey, n);
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	if (file_create(path, line, n, 0644) != LIEN_OK) {
		say("lienlogd: cannot write %s: %s\n", path, strerror(errno));
		return LIEN_EIO;
	}
	say("lienlogd: wrote verifier key %s\n", path);
	return LIEN_OK;
}

/* --demo: DIR/demo and DIR/trust when DIR/trust is missing. */
static enum lien_status LIEN_MUST_CHECK
demo_world_prepare(const char *dir)
{
	char path[PATH_CAP], why[DEMO_WHY_MAX];
	enum lien_status s;

	if (path_join(path, dir, "trust") != LIEN_OK)
		return LIEN_ETOOBIG;
	if (access(path, F_OK) == 0)
		return LIEN_OK;	/* a trust configuration is in place */
	why[0] = '\0';
	s = demo_world_create(dir, (int64_t)time(NULL), why, sizeof(why));
	if (s != LIEN_OK) {
		say("lienlogd: cannot create the demo world: %s\n",
		    why[0] ? why : lien_status_message(s));
		return s;
	}
	say("lienlogd: created demo world %s/demo and %s/trust\n", dir, dir);
	return LIEN_OK;
}

static int
demo_has_world(const char *dir)
{
	char path[PATH_CAP];

	return path_join(path, dir, "demo/README") == LIEN_OK &&
	    access(path, F_OK) == 0;
}

/* LIENLOGD_WSTAT's counts, one line per tree: "lienlogd: wstat <tree>
 * <branch> <leaf> <overflow> <commits>" (pages written since the
 * start); then one per table and key class: "lienlogd: wstat-key
 * <table> <class> <writes> <clean leaves>" (ledger_wstat_class; the
 * class "-" for binary keys). */
static void
say_wstat(struct ledger *l)
{
	uint64_t wp[3], commits;
	const char *name;

	for (unsigned i = 0; ledger_wstat_written(l, i, &name, wp, &commits)
	    == LIEN_OK; i++)
		say("lienlogd: wstat %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %"
		    PRIu64 "\n", name, wp[0], wp[1], wp[2], commits);
	/* and each table's writes by key class ("-": binary keys) */
	for (unsigned i = 0; ledger_wstat_get(l, i, &name, &wp[0], &wp[1]) ==
	    LIEN_OK; i++) {
		char cls[LEDGER_WSTAT_CLASS_LEN];

		for (unsigned j = 0; ledger_wstat_class(l, i, j, &name, cls,
		    &wp[0], &wp[1]) == LIEN_OK; j++)
			say("lienlogd: wstat-key %s %s %" PRIu64 " %" PRIu64
			    "\n", name, cls[0] != 0 ? cls : "-", wp[0], wp[1]);
	}
}

/* Say where the server listens, with the port actually bound (the
 * kernel's choice for --listen A.B.C.D:0), in the one stable line
 * scripts and tests read to find the server (docs/cli.md "Listening
 * address"): "lienlogd: listening on http://A.B.C.D:PORT/". listen has
 * passed civet_listen_ok, so it holds a ':'. */
static void
say_listening(const char *listen, unsigned port)
{
	const char *colon = strrchr(listen, ':');
	int hlen = colon != NULL ? (int)(colon - listen) : 0;

	say("lienlogd: listening on http://%.*s:%u/\n", hlen, listen, port);
}

/* Seed an empty log through the registration API: a private server on an
 * ephemeral loopback port, the demo parties' signed requests over HTTP
 * (demo/demo.c), every receipt verified; then that server is stopped. */
static enum lien_status LIEN_MUST_CHECK
demo_seed_http(const char *dir, struct ledger *l, struct api_app *app,
    unsigned nthreads)
{
	struct api_server_config cfg;
	struct api_server *srv = NULL;
	struct demo_world *w = NULL;
	struct demo_seed_stats st;
	char why[DEMO_WHY_MAX], url[64];
	enum lien_status s;
	enum lien_status rc = LIEN_EIO;

	why[0] = '\0';
	if ((s = demo_world_load(dir, &w, why, sizeof(why))) != LIEN_OK) {
		say("lienlogd: demo world: %s\n", why[0] ? why :
		    lien_status_message(s));
		return s;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.threads = nthreads;
	cfg.log = server_log;
	cfg.app = app;
	/* Port 0: the kernel picks a free port as it binds, so no other
	 * process can take it between a guess and the bind. */
	cfg.listen = "127.0.0.1:0";
	s = api_server_start(&cfg, l, &srv);
	if (s != LIEN_OK) {
		say("lienlogd: cannot start the seeding server: %s\n",
		    lien_status_message(s));
		goto out;
	}
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	    api_server_port(srv));
	say("lienlogd: seeding the demo log through signed requests to %s\n",
	    url);
	s = demo_seed(w, url, 0, &st, NULL, NULL, why, sizeof(why));
	if (s != LIEN_OK) {
		say("lienlogd: demo seeding failed: %s\n", why[0] ? why :
		    lien_status_message(s));
		goto out;
	}
	say("lienlogd: demo seeded: %llu entries (%llu vehicles, %llu "
	    "mortgages, %llu releases, %llu decisions, %llu restrictions, "
	    "%llu delivery events; %llu diverted to in-person review), %llu "
	    "refusals as planned, every receipt verified; tree size %llu "
	    "with the state roots\n",
	    (unsigned long long)st.entries,
	    (unsigned long long)st.vehicles, (unsigned long long)st.mortgages,
	    (unsigned long long)st.releases, (unsigned long long)st.decisions,
	    (unsigned long long)st.restrictions,
	    (unsigned long long)st.deliveries,
	    (unsigned long long)st.diverted, (unsigned long long)st.refused,
	    (unsigned long long)ledger_size(l));
	if (st.delivered[0] != '\0')
		say("lienlogd: demo: the registration certificate of %s was "
		    "delivered by EMS (picked up, endorsed, dispatched, "
		    "delivered: GET /v1/applications/%s)\n", st.delivered,
		    st.delivered);
	why[0] = '\0';
	if ((s = demo_readme_owners(dir, &st, why, sizeof(why))) != LIEN_OK) {
		say("lienlogd: %s\n", why[0] ? why : lien_status_message(s));
		goto out;
	}
	if ((s = demo_readme_status(dir, l, &st, why, sizeof(why))) != LIEN_OK) {
		say("lienlogd: %s\n", why[0] ? why : lien_status_message(s));
		goto out;
	}
	rc = LIEN_OK;
out:
	api_server_stop(srv);
	demo_world_free(w);
	return rc;
}

/* A canonical decimal in [lo, hi] (common/dec.h); s NULL keeps *out
 * (the default). LIEN_OK, LIEN_EPARSE or LIEN_ERANGE. */
static enum lien_status LIEN_MUST_CHECK
uint_parse(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;
	enum lien_status st;

	if (s == NULL)
		return LIEN_OK;
	if ((st = dec_u64_arg(s, lo, hi, &v)) != LIEN_OK)
		return st;
	*out = (unsigned)v;
	return LIEN_OK;
}

static void
witness_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "lienlogd: witnessing: %s\n", msg);
}

/* --witness ...: load the keys and start the publisher (docs/witnessing.md).
 * Returns 0 (also with no witnesses: *out NULL), 2 usage, 1 failure. */
static int
witness_start(const struct opts *o, struct ledger *l,
    const struct note_signer *signer, struct witness_client **out)
{
	struct witness_client_witness *ws;
	struct witness_client_config cfg;
	unsigned quorum = 0, tmo = WITNESS_CLIENT_TIMEOUT_MS;
	unsigned ivl = WITNESS_CLIENT_INTERVAL_MS;
	char why[256];
	enum lien_status s;
	int rc = 1;

	*out = NULL;
	if (o->nwitness == 0) {
		if (o->witness_quorum || o->witness_timeout || o->witness_interval) {
			say("lienlogd: --witness-* options need --witness\n");
			return 2;
		}
		return 0;
	}
	if (uint_parse(o->witness_quorum, 1, (unsigned)o->nwitness,
	    &quorum) != LIEN_OK) {
		say("lienlogd: --witness-quorum must be 1..%zu (the number of "
		    "--witness)\n", o->nwitness);
		return 2;
	}
	if (uint_parse(o->witness_timeout, 10, 600000, &tmo) != LIEN_OK ||
	    uint_parse(o->witness_interval, 1, 3600000, &ivl) != LIEN_OK) {
		say("lienlogd: --witness-timeout-ms must be 10..600000 and "
		    "--witness-interval-ms 1..3600000\n");
		return 2;
	}
	if ((ws = calloc(o->nwitness, sizeof(*ws))) == NULL)
		return 1;
	for (size_t i = 0; i < o->nwitness; i++) {
		why[0] = '\0';
		if (witness_client_witness_load(o->witness[i], &ws[i], why,
		    sizeof(why)) != LIEN_OK) {
			say("lienlogd: --witness %s: %s\n", o->witness[i], why);
			rc = 2;
			goto out;
		}
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.ledger = l;
	cfg.log_key = note_signer_verifier(signer);
	cfg.witnesses = ws;
	cfg.nwitnesses = o->nwitness;
	cfg.quorum = quorum;
	cfg.timeout_ms = tmo;
	cfg.interval_ms = ivl;
	cfg.log = witness_log;
	s = witness_client_start(&cfg, out);
	if (s != LIEN_OK) {
		say("lienlogd: cannot start witnessing: %s%s\n",
		    lien_status_message(s), s == LIEN_EINVAL ?
		    " (two witnesses with the same key name?)" : "");
		rc = s == LIEN_EINVAL ? 2 : 1;
		goto out;
	}
	say("lienlogd: witnesses %zu, quorum %zu, timeout %u ms\n",
	    o->nwitness, quorum ? (size_t)quorum : o->nwitness, tmo);
	rc = 0;
out:
	free(ws);
	return rc;
}

int
main(int argc, char **argv)
{
	struct api_server_config scfg;
	struct ledger_config lcfg;
	struct api_server *srv = NULL;
	struct api_app_config acfg;
	struct api_app *app = NULL;
	struct witness_client *wc = NULL;
	struct demo_world *dw = NULL;
	struct notify *nt = NULL;
	char why[API_APP_WHY_MAX];
	unsigned body_ms = 0, reminder_days = 30;
	char *sms_cred = NULL;
	size_t sms_cred_len = 0;
	int created_key = 0;
	struct ledger *l = NULL;
	struct note_signer *signer = NULL;
	char key_path[PATH_CAP], vkey[NOTE_NAME_MAX + 128];
	const char *dir;
	struct opts o;
	unsigned nthreads = 0;	/* 0: the server's default */
	sigset_t sigs;
	enum lien_status s;
	int exit_code = 1, sig = 0, help = 0, port_file_written = 0;

	if (opts_parse(argc, argv, &o, &help) != LIEN_OK) {
		fputs(usage, stderr);
		return 2;
	}
	if (help) {
		fputs(usage, stdout);
		return 0;
	}
	if (uint_parse(o.threads, 1, API_THREADS_MAX, &nthreads) != LIEN_OK) {
		say("lienlogd: --threads must be 1..%u\n", API_THREADS_MAX);
		return 2;
	}
	dir = o.demo ? o.demo : o.data;
	/* A port file left by a server that was killed names a port nobody
	 * serves: gone before anything else, so a script waiting for the
	 * file reads this server's port. */
	if (o.port_file != NULL && unlink(o.port_file) != 0 &&
	    errno != ENOENT) {
		say("lienlogd: cannot remove the old --port-file %s: %s\n",
		    o.port_file, strerror(errno));
		return 1;
	}
	if (uint_parse(o.body_timeout, 100, 600000, &body_ms) != LIEN_OK) {
		say("lienlogd: --body-timeout-ms must be 100..600000\n");
		return 2;
	}
	if (uint_parse(o.reminder_days, 1, NOTIFY_DAYS_MAX, &reminder_days) !=
	    LIEN_OK) {
		say("lienlogd: --reminder-days must be 1..%u\n",
		    NOTIFY_DAYS_MAX);
		return 2;
	}
	if (o.sms_gateway == NULL && (o.sms_credentials != NULL ||
	    o.reminder_days != NULL)) {
		say("lienlogd: --sms-credentials and --reminder-days need "
		    "--sms-gateway\n");
		return 2;
	}
	if (o.sms_credentials != NULL) {
		if (file_read(o.sms_credentials, 512, &sms_cred,
		    &sms_cred_len) != LIEN_OK) {
			say("lienlogd: --sms-credentials %s: cannot read\n",
			    o.sms_credentials);
			return 2;
		}
		while (sms_cred_len > 0 && (sms_cred[sms_cred_len - 1] ==
		    '\n' || sms_cred[sms_cred_len - 1] == '\r'))
			sms_cred[--sms_cred_len] = '\0';
	}

	/* Before any thread exists: every thread inherits this mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit (ulimit -f) reached by the store: the write gets
	 * EFBIG and the request 507 storage_full (ledger/store.c), instead of
	 * the whole server dying of SIGXFSZ. */
	signal(SIGXFSZ, SIG_IGN);

	if (lcrypto_init() != LIEN_OK) {
		say("lienlogd: crypto initialisation failed\n");
		return 1;
	}
	if (o.demo) {
		if (demo_store_refresh(dir) != LIEN_OK ||
		    demo_prepare(dir, o.origin ? o.origin : DEMO_ORIGIN,
		    key_path) != LIEN_OK)
			return 1;
	} else if (o.key) {
		if (strlen(o.key) >= PATH_CAP) {
			say("lienlogd: --key path too long\n");
			return 2;
		}
		memcpy(key_path, o.key, strlen(o.key) + 1);
	} else if (path_join(key_path, dir, "log.key") != LIEN_OK) {
		say("lienlogd: path too long: %s\n", dir);
		return 2;
	}
	if (key_load(key_path, &signer) != LIEN_OK)
		goto out;
	if (o.demo && o.origin &&
	    strcmp(note_signer_name(signer), o.origin) != 0) {
		say("lienlogd: %s/log.key is for origin '%s', not --origin\n",
		    dir, note_signer_name(signer));
		goto out;
	}
	if (note_signer_vkey(signer, vkey, sizeof(vkey)) != LIEN_OK)
		goto out;
	if (o.demo && demo_vkey(dir, vkey) != LIEN_OK)
		goto out;

	memset(&lcfg, 0, sizeof(lcfg));
	lcfg.dir = dir;
	lcfg.signer = signer;
	lcfg.flags = o.no_state_map ? LEDGER_NO_STATE_MAP : 0;
	s = ledger_open(&lcfg, &l);
	if (s != LIEN_OK) {
		say("lienlogd: cannot open ledger in %s: %s%s\n", dir,
		    lien_status_message(s), s == LIEN_EUNSUPPORTED ?
		    " (the store's status-map setting is fixed at creation: "
		    "--no-state-map must match it, or the store is of an "
		    "older format)" : "");
		goto out;
	}
	if (!ledger_state_map_on(l))
		say("lienlogd: lien-status map off (--no-state-map): no state "
		    "roots, no status proofs\n");
	/* A benchmark's switch, never a deployment's: count every page the
	 * commits write, by tree (ledger_wstat_written), and say the counts
	 * at a clean stop (bench/growth.py --load-wstat). It costs the
	 * sequencer a lookup per write and a walk per commit. */
	if (getenv("LIENLOGD_WSTAT") != NULL &&
	    (s = ledger_wstat_start(l)) != LIEN_OK)
		say("lienlogd: LIENLOGD_WSTAT: %s\n", lien_status_message(s));
	say("lienlogd: data %s\n", dir);
	say("lienlogd: origin %s\n", ledger_origin(l));
	say("lienlogd: verifier key %s\n", vkey);
	if (o.demo && demo_world_prepare(dir) != LIEN_OK)
		goto out;

	memset(&acfg, 0, sizeof(acfg));
	acfg.dir = dir;
	acfg.master_key = o.master_key;
	acfg.body_deadline_ms = body_ms;
	why[0] = '\0';
	s = api_app_open(&acfg, &app, &created_key, why, sizeof(why));
	if (s != LIEN_OK) {
		say("lienlogd: registration set-up failed: %s\n",
		    why[0] ? why : lien_status_message(s));
		goto out;
	}
	if (created_key)
		say("lienlogd: created the master key %s%s\n", o.master_key ?
		    o.master_key : dir, o.master_key ? "" : "/master.key");
	say("lienlogd: registration %s\n", api_app_enabled(app) ?
	    "enabled (trust/ loaded)" : "disabled (no trust/ directory)");
	if (o.demo && ledger_size(l) == 0 && !ledger_frozen(l, NULL)) {
		if (demo_has_world(dir) && api_app_enabled(app)) {
			if (demo_seed_http(dir, l, app, nthreads) != LIEN_OK)
				goto out;
		} else {
			s = demo_opaque_fill(l, DEMO_OPAQUE_ENTRIES);
			if (s != LIEN_OK) {
				say("lienlogd: demo append failed: %s\n",
				    lien_status_message(s));
				goto out;
			}
			say("lienlogd: demo entries appended\n");
		}
	}
	say("lienlogd: tree size %llu\n", (unsigned long long)ledger_size(l));
	if (ledger_frozen(l, NULL))	/* docs/key-rotation.md */
		say("lienlogd: log frozen (key rotated): serving read-only, "
		    "appends answer 503 log_frozen\n");
	if (o.demo && demo_has_world(dir))
		say("lienlogd: demo keys and certificates in %s/demo (see "
		    "%s/demo/README, docs/demo.md)\n", dir, dir);

	switch (witness_start(&o, l, signer, &wc)) {
	case 0:
		break;
	case 2:
		exit_code = 2;
		goto out;
	default:
		goto out;
	}

	/* The demo's face-ID provider (POST /demo/face-id, docs/web-owner.md)
	 * signs with the demo world's face issuer key. */
	if (o.demo && demo_has_world(dir) && api_app_enabled(app)) {
		why[0] = '\0';
		if ((s = demo_world_load(dir, &dw, why, sizeof(why))) !=
		    LIEN_OK) {
			say("lienlogd: demo world: %s\n", why[0] ? why :
			    lien_status_message(s));
			goto out;
		}
	}

	if (o.sms_gateway != NULL) {
		struct notify_config ncfg;
		char npath[PATH_CAP];

		memset(&ncfg, 0, sizeof ncfg);
		ncfg.url = o.sms_gateway;
		ncfg.credentials = sms_cred;
		ncfg.reminder_days = reminder_days;
		(void)snprintf(npath, sizeof npath, "%s/notify.state", dir);
		ncfg.state_path = npath;
		if (!api_app_enabled(app)) {
			say("lienlogd: --sms-gateway needs the registration API "
			    "(DIR/trust/)\n");
			goto out;
		}
		s = notify_start(&ncfg, l, app, &nt);
		if (s != LIEN_OK) {
			say("lienlogd: cannot start SMS delivery to %s: %s\n",
			    o.sms_gateway, lien_status_message(s));
			goto out;
		}
		say("lienlogd: SMS notices to %s (reminders %u days ahead; "
		    "docs/notices.md)\n", o.sms_gateway, reminder_days);
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.listen = o.listen;
	scfg.threads = nthreads;
	scfg.log = server_log;
	scfg.access_log = o.access_log;
	scfg.trust_proxy = o.trust_proxy;
	scfg.app = app;
	scfg.witness = wc;
	scfg.log_key = note_signer_verifier(signer);
	scfg.demo_face = dw != NULL ? demo_face_issuer(dw) : NULL;
	scfg.notify = nt;
	s = api_server_start(&scfg, l, &srv);
	if (s != LIEN_OK) {
		say("lienlogd: cannot serve on %s: %s\n",
		    o.listen ? o.listen : "127.0.0.1:8080",
		    lien_status_message(s));
		goto out;
	}
	say_listening(o.listen ? o.listen : "127.0.0.1:8080",
	    api_server_port(srv));
	if (o.port_file != NULL) {
		if (civet_port_file_write(o.port_file, api_server_port(srv)) !=
		    LIEN_OK) {
			say("lienlogd: cannot write --port-file %s: %s\n",
			    o.port_file, strerror(errno));
			goto out;
		}
		port_file_written = 1;
	}
	if (o.access_log != NULL)
		say("lienlogd: access log %s\n", o.access_log);
	if (o.trust_proxy)
		say("lienlogd: trusting the proxy headers of %s (client address "
		    "and certificate for the access log only)\n", PROXY_PEER);
	say("lienlogd: ready\n");

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig != SIGHUP)
			continue;
		if (api_app_enabled(app)) {
			why[0] = '\0';
			s = api_app_reload(app, why, sizeof(why));
			if (s == LIEN_OK)
				say("lienlogd: SIGHUP: trust reloaded\n");
			else
				say("lienlogd: SIGHUP: trust reload failed, "
				    "old configuration kept: %s\n",
				    why[0] ? why : lien_status_message(s));
		}
		if (o.access_log == NULL)
			continue;
		if (api_server_reopen_logs(srv) == LIEN_OK)
			say("lienlogd: SIGHUP: access log reopened\n");
		else
			say("lienlogd: SIGHUP: cannot reopen access log %s: %s\n",
			    o.access_log, strerror(errno));
	}
	say("lienlogd: %s received, shutting down\n",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	exit_code = 0;
out:
	api_server_stop(srv);
	if (port_file_written)		/* nobody listens there any more */
		(void)unlink(o.port_file);
	notify_stop(nt);	/* after the server: GET /metrics reads it */
	if (sms_cred != NULL) {
		memset(sms_cred, 0, sms_cred_len);
		free(sms_cred);
	}
	witness_client_stop(wc);	/* after the server: handlers wait on it */
	demo_world_free(dw);
	api_app_close(app);
	if (l != NULL && getenv("LIENLOGD_WSTAT") != NULL)
		say_wstat(l);
	if (l != NULL)
		ledger_close(l);
	note_signer_free(signer);
	if (exit_code == 0)
		say("lienlogd: stopped\n");
	return exit_code;
}
