/*
 * `lienlog audit DIR [--vkey VKEY] [--prev OLD,...] [--public]`: re-derive everything
 * a store claims from its entries, read-only, and say whether it holds
 * together. A log started by a key rotation with a state hand-over is
 * audited against its frozen predecessor(s), each audited first.
 *
 * The work is ledger_audit() (every envelope and hash chain, every stored
 * Merkle hash, every stored checkpoint's root and signature), then
 * registry_replay_audit() (every registration step replayed from the
 * entries into a scratch store in $TMPDIR, each transition re-checked, and
 * the result compared with the stored registration state); this file
 * only picks the key, opens the store with LEDGER_RDONLY (so an audit can
 * run next to a live server, or on a copy, without writing a byte), shows
 * progress and reports. Key choice: --vkey if given, else DIR/log.vkey if
 * that file exists, else the key the store records for itself -- the last
 * only proves self-consistency, so the summary says which one was used.
 *
 * Progress goes to stderr (cli_progress): redrawn in place on a terminal,
 * one line every LIENLOG_PROGRESS seconds (default 10) otherwise, so a
 * long audit under a service manager or in a log file shows it is alive,
 * its rate and its ETA; a short one prints exactly the summary (stdout)
 * or the one error line.
 */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include "common/hex.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "registry/registry.h"

/* Replay the registration state into a scratch store and compare. The
 * scratch directory lives under $TMPDIR (or /tmp) and is always removed. */
static enum lien_status LIEN_MUST_CHECK
audit_state(struct ledger *l, struct ledger *prev, int public_only, char *why,
    size_t why_cap)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], f[600];
	enum lien_status s;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof dir, "%s/lienlog-audit-XXXXXX", tmp) >=
	    sizeof dir || mkdtemp(dir) == NULL) {
		snprintf(why, why_cap, "cannot create a scratch directory in %s",
		    tmp);
		return LIEN_EIO;
	}
	s = registry_replay_audit_prev(l, prev, dir, public_only, why,
	    why_cap);
	(void)snprintf(f, sizeof f, "%s/data.mdb", dir);
	(void)unlink(f);
	(void)snprintf(f, sizeof f, "%s/lock.mdb", dir);
	(void)unlink(f);
	(void)rmdir(dir);
	return s;
}

static const char usage_audit[] =
    "usage: lienlog audit DIR [--vkey VKEY] [--prev OLD_DIR[,OLDER_DIR...]]\n"
    "                    [--public] [--statistics FILE]\n"
    "                    [--resume RDIR [--full] [--audit-key FILE]]\n"
    "Open the store in DIR read-only and verify all of it: every entry's\n"
    "envelope and hash chain, every stored Merkle hash, every stored\n"
    "checkpoint's root and signature; then replay the registration state\n"
    "from the entries and require it to equal the stored state: the\n"
    "public state from the public entries alone, and (without --public)\n"
    "the private state from the private records each entry commits to\n"
    "(docs/privacy.md).\n"
    "Checkpoints are checked against VKEY,\n"
    "else DIR/log.vkey if present, else the store's own key. Prints a\n"
    "one-line summary; on failure, the first problem and its index.\n"
    "A log started by a key rotation with a state hand-over (entry type\n"
    "25) needs the frozen previous store: --prev OLD_DIR (and, for a\n"
    "chain of rotations, the older ones after it, newest first). Each is\n"
    "audited first, oldest first, and the hand-over is checked against it\n"
    "(docs/key-rotation.md).\n"
    "--statistics FILE: after a successful audit, write the statistics of\n"
    "every application (GET /v1/statistics without parameters) computed\n"
    "from the audited entries and private records to FILE (canonical\n"
    "JSON, docs/statistics.md): a served answer must equal it.\n"
    "--resume RDIR: an incremental audit (docs/cli.md \"Incremental\n"
    "audit\"). RDIR keeps the auditor's state: a signed resume record of\n"
    "the last audited tree (RDIR/resume), the registration state replayed\n"
    "so far (RDIR/replay/) and the auditor's key (RDIR/audit.key, made on\n"
    "first use, or --audit-key FILE). Without a record (or with --full)\n"
    "the audit is full and the record is written; with one, only the\n"
    "entries after it are audited and replayed, the records they wrote\n"
    "compared, and the record moved on. The log's checks and the replay\n"
    "run on two threads.\n";

struct audit_ctx {
	struct cli_progress prog;
	struct ledger_audit_progress last;
	int have_last;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double
mb_per_s(uint64_t bytes, uint64_t ns)
{
	if (ns == 0)
		return 0.0;
	return ((double)bytes / 1e6) / ((double)ns / 1e9);
}

static void
audit_progress(void *ctxp, const struct ledger_audit_progress *p)
{
	struct audit_ctx *ctx = ctxp;

	ctx->last = *p;
	ctx->have_last = 1;
	ctx->prog.total = p->total;
	cli_progress_update(&ctx->prog, p->done, p->bytes);
}

/* One previous store of a chain: opened read-only, audited (envelopes,
 * hashes, checkpoints with its own key or DIR/log.vkey; its registration
 * state against its own predecessor prev), and handed back in *out. */
static int
audit_prev_store(const char *verb, const char *dir, struct ledger *prev,
    int public_only, struct ledger **out)
{
	struct ledger_config cfg;
	struct note_verifier v;
	const struct note_verifier *vp = NULL;
	char path[4096], why[512];
	struct stat st;
	enum lien_status s;
	int rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof path, "%s/log.vkey", dir) >=
	    sizeof path) {
		cli_fail(verb, "--prev: path too long");
		return CLI_EXIT_USAGE;
	}
	if (stat(path, &st) == 0) {
		if ((rc = cli_load_vkey(verb, path, &v)) != CLI_EXIT_OK)
			return rc;
		vp = &v;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.flags = LEDGER_RDONLY;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (s = ledger_open(&cfg, out)) != LIEN_OK) {
		cli_fail(verb, "--prev %s: cannot open the store", dir);
		return CLI_EXIT_IO;
	}
	why[0] = '\0';
	s = ledger_audit(*out, vp, NULL, NULL, why, sizeof why);
	if (s == LIEN_OK) {
		why[0] = '\0';
		s = audit_state(*out, prev, public_only, why, sizeof why);
	}
	if (s != LIEN_OK) {
		why[sizeof why - 1] = '\0';
		cli_fail(verb, "previous store %s: %s", dir, why[0] != '\0' ?
		    why : lien_status_message(s));
		return cli_exit_for(s);
	}
	return CLI_EXIT_OK;
}

/* --prev OLD[,OLDER...]: audit the chain oldest first, each against the
 * one before it; *out is the newest (OLD), for the hand-over of DIR. */
static int
audit_chain(const char *verb, const char *list, int public_only,
    struct ledger **out)
{
	char *copy = strdup(list), *dirs[16];
	struct ledger *prev = NULL, *cur = NULL;
	size_t n = 0;
	int rc = CLI_EXIT_OK;

	*out = NULL;
	if (copy == NULL) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	for (char *p = copy, *c; p != NULL; p = c) {
		if ((c = strchr(p, ',')) != NULL)
			*c++ = '\0';
		if (*p == '\0' || n == sizeof dirs / sizeof dirs[0]) {
			cli_fail(verb, "--prev: 1..16 store directories, "
			    "comma-separated, newest first");
			free(copy);
			return CLI_EXIT_USAGE;
		}
		dirs[n++] = p;
	}
	while (n-- > 0) {
		rc = audit_prev_store(verb, dirs[n], prev, public_only, &cur);
		ledger_close(prev);
		prev = cur;
		cur = NULL;
		if (rc != CLI_EXIT_OK)
			break;
	}
	if (rc == CLI_EXIT_OK)
		*out = prev;
	else
		ledger_close(prev);
	free(copy);
	return rc;
}

/* ---- incremental audit (--resume RDIR) ------------------------------- */

#define RESUME_TAG "lienlog-audit-resume/v1"

struct resume_rec {
	char origin[256];
	uint64_t size;
	uint8_t root[HASH_LEN];
	uint64_t id;		/* the kept replay's (its mark's note) */
};

/* The auditor's key: FILE, or RDIR/audit.key (made on first use). */
static int
resume_key(const char *verb, const char *rdir, const char *file,
    struct note_signer **out)
{
	char path[4096];
	uint8_t *txt = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (file == NULL) {
		struct stat st;

		(void)snprintf(path, sizeof path, "%s/audit.key", rdir);
		file = path;
		if (stat(path, &st) != 0) {
			char *skey = NULL, *vkey = NULL;

			if (note_key_generate("lienlog-audit", 13, &skey,
			    &vkey) != LIEN_OK || cli_write_file(rdir,
			    "audit.key", skey, strlen(skey)) != LIEN_OK) {
				cli_fail(verb, "%s: cannot create the auditor's "
				    "key", path);
				secret_free(skey);
				free(vkey);
				return CLI_EXIT_IO;
			}
			secret_free(skey);
			free(vkey);
		}
	}
	if ((rc = cli_read_file(verb, file, 4096, &txt, &len)) != CLI_EXIT_OK)
		return rc;
	if (note_signer_parse((const char *)txt, len, out) != LIEN_OK) {
		cli_fail(verb, "%s: not a signed-note private key", file);
		rc = CLI_EXIT_INPUT;
	}
	free(txt);
	return rc;
}

/* Read and verify RDIR/resume. 0: none; 1: *r filled; <0: exit code. */
static int
resume_read(const char *verb, const char *rdir, const struct note_signer *k,
    struct resume_rec *r)
{
	char path[4096], origin[256], root[2 * HASH_LEN + 1];
	uint8_t *msg = NULL;
	size_t len;
	struct note_parsed *np;
	unsigned long long size, id;
	struct stat st;
	int ok;

	(void)snprintf(path, sizeof path, "%s/resume", rdir);
	if (stat(path, &st) != 0)
		return 0;
	if (cli_read_file(verb, path, 4096, &msg, &len) != CLI_EXIT_OK)
		return -CLI_EXIT_IO;
	if ((np = malloc(sizeof *np)) == NULL) {
		free(msg);
		return -CLI_EXIT_INTERNAL;
	}
	ok = note_verify(msg, len, note_signer_verifier(k), 1, np, NULL) ==
	    LIEN_OK;
	if (ok) {
		/* the body: tag, origin, size, root, replay id */
		char body[1024];
		size_t bl = np->text_len < sizeof body - 1 ? np->text_len :
		    sizeof body - 1;

		memcpy(body, np->text, bl);
		body[bl] = '\0';
		ok = sscanf(body, RESUME_TAG "\norigin %255[^\n]\nsize %llu\n"
		    "root %64[0-9a-f]\nreplay %16llx\n", origin, &size,
		    root, &id) == 4 && strlen(root) == 2 * HASH_LEN &&
		    hex_decode(root, 2 * HASH_LEN, r->root, HASH_LEN) ==
		    LIEN_OK && size > 0 && id != 0;
	}
	free(np);
	free(msg);
	if (!ok) {
		cli_fail(verb, "%s: the resume record does not verify with the "
		    "auditor's key (tampered, or another auditor's): run a "
		    "full audit (--full)", path);
		return -CLI_EXIT_VERIFY;
	}
	(void)snprintf(r->origin, sizeof r->origin, "%s", origin);
	r->size = size;
	r->id = id;
	return 1;
}

static int
resume_write(const char *verb, const char *rdir, const struct note_signer *k,
    const struct resume_rec *r)
{
	char body[1024], root[2 * HASH_LEN + 1];
	char from[4096], to[4096], *note = NULL;
	size_t note_len;
	int n;

	hex_encode(r->root, HASH_LEN, root);
	n = snprintf(body, sizeof body, RESUME_TAG "\norigin %s\nsize %"
	    PRIu64 "\nroot %s\nreplay %016" PRIx64 "\n", r->origin, r->size,
	    root, r->id);
	(void)snprintf(from, sizeof from, "%s/resume.tmp", rdir);
	(void)snprintf(to, sizeof to, "%s/resume", rdir);
	if (n <= 0 || (size_t)n >= sizeof body ||
	    note_sign(k, (const uint8_t *)body, (size_t)n, &note, &note_len) !=
	    LIEN_OK ||
	    cli_write_file(rdir, "resume.tmp", note, note_len) != LIEN_OK ||
	    rename(from, to) != 0) {
		free(note);
		cli_fail(verb, "%s: cannot write the resume record", to);
		return CLI_EXIT_IO;
	}
	free(note);
	return CLI_EXIT_OK;
}

/* The log's half on its own thread while the replay runs on this one. */
struct log_job {
	pthread_t tid;
	struct ledger *l;
	const struct note_verifier *v;
	uint64_t from, to;
	const uint8_t *from_root;
	uint8_t to_root[HASH_LEN];
	struct audit_ctx *ctx;
	enum lien_status st;
	char why[512];
};

/* The replay's progress (registry_replay_audit_resume, on the main
 * thread): cli_progress bounds how often a line is printed. */
static void
replay_progress(void *ctxp, uint64_t done, uint64_t total)
{
	struct audit_ctx *ctx = ctxp;

	ctx->prog.total = total;
	cli_progress_update(&ctx->prog, done, 0);
}

static void *
log_job_main(void *arg)
{
	struct log_job *j = arg;

	j->why[0] = '\0';
	/* ctx NULL (--resume): the replay, the slower half, reports */
	j->st = ledger_audit_range(j->l, j->v, j->from, j->from_root, j->to,
	    j->to_root, j->ctx != NULL ? audit_progress : NULL, j->ctx, j->why,
	    sizeof j->why);
	return NULL;
}

static int
audit_resume(const char *verb, const char *dir, struct ledger *l,
    struct ledger *prev, const struct note_verifier *vp, const char *rdir,
    const char *keyfile, int full, int public_only, const char *key_desc)
{
	struct note_signer *k = NULL;
	struct resume_rec r;
	struct log_job j;
	struct audit_ctx ctx;
	char replay[4096], f[4200], why[512];
	uint64_t from = 0, n, size = 0, t0;
	enum lien_status s;
	int rc, have;

	if (mkdir(rdir, 0700) != 0 && errno != EEXIST) {
		cli_fail(verb, "%s: %s", rdir, strerror(errno));
		return CLI_EXIT_IO;
	}
	if ((rc = resume_key(verb, rdir, keyfile, &k)) != CLI_EXIT_OK)
		return rc;
	(void)snprintf(replay, sizeof replay, "%s/replay", rdir);
	memset(&r, 0, sizeof r);
	have = full ? 0 : resume_read(verb, rdir, k, &r);
	if (have < 0) {
		rc = -have;
		goto out;
	}
	if (have) {
		if (strcmp(r.origin, ledger_origin(l)) != 0) {
			cli_fail(verb, "the resume record is for log %s, not %s",
			    r.origin, ledger_origin(l));
			rc = CLI_EXIT_VERIFY;
			goto out;
		}
		from = r.size;
	} else {
		/* a full audit starts a new kept replay */
		(void)mkdir(replay, 0700);
		(void)snprintf(f, sizeof f, "%s/data.mdb", replay);
		(void)unlink(f);
		(void)snprintf(f, sizeof f, "%s/lock.mdb", replay);
		(void)unlink(f);
		(void)snprintf(r.origin, sizeof r.origin, "%s",
		    ledger_origin(l));
		do
			lcrypto_random(&r.id, sizeof r.id);
		while (r.id == 0);
	}
	n = ledger_size(l);
	if (n < from) {
		cli_fail(verb, "%s: the store (size %" PRIu64 ") is smaller "
		    "than the audited tree of the resume record (%" PRIu64 ")",
		    dir, n, from);
		rc = CLI_EXIT_VERIFY;
		goto out;
	}
	memset(&ctx, 0, sizeof ctx);
	/* Entries replayed (the replay is the slower of the two threads):
	 * docs/cli.md "Progress". */
	cli_progress_start(&ctx.prog, verb, "entries", n - from);
	t0 = now_ns();
	memset(&j, 0, sizeof j);
	j.l = l;
	j.v = vp;
	j.from = from;
	j.from_root = have ? r.root : NULL;
	j.to = n;
	if (pthread_create(&j.tid, NULL, log_job_main, &j) != 0) {
		cli_fail(verb, "cannot start a thread");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	why[0] = '\0';
	s = registry_replay_audit_resume(l, prev, replay, public_only, from,
	    r.id, &size, replay_progress, &ctx, why, sizeof why);
	cli_progress_end(&ctx.prog);	/* end a \r line before reporting */
	(void)pthread_join(j.tid, NULL);
	if (j.st != LIEN_OK) {
		j.why[sizeof j.why - 1] = '\0';
		cli_fail(verb, "%s: %s", dir, j.why[0] != '\0' ? j.why :
		    lien_status_message(j.st));
		rc = cli_exit_for(j.st);
		goto out;
	}
	if (s != LIEN_OK) {
		why[sizeof why - 1] = '\0';
		cli_fail(verb, "%s: registration state: %s", dir,
		    why[0] != '\0' ? why : lien_status_message(s));
		rc = cli_exit_for(s);
		goto out;
	}
	if (size > n) {
		/* the store grew between the two: the log's checks of the
		 * entries the replay also read */
		j.why[0] = '\0';
		s = ledger_audit_range(l, vp, n, j.to_root, size, j.to_root,
		    NULL, NULL, j.why, sizeof j.why);
		if (s != LIEN_OK) {
			cli_fail(verb, "%s: %s", dir, j.why[0] != '\0' ?
			    j.why : lien_status_message(s));
			rc = cli_exit_for(s);
			goto out;
		}
		n = size;
	}
	r.size = n;
	memcpy(r.root, j.to_root, HASH_LEN);
	if ((rc = resume_write(verb, rdir, k, &r)) != CLI_EXIT_OK)
		goto out;
	printf("audit OK: %s: %s %" PRIu64 " entries (%" PRIu64 "..%" PRIu64
	    "), %.2f s, checkpoints checked with %s, registration state (%s) "
	    "replayed and %s; resume record at size %" PRIu64 " in %s\n",
	    dir, have ? "incremental," : "full,", n - from, from, n,
	    (double)(now_ns() - t0) / 1e9, key_desc, public_only ? "public" :
	    "public and private", have ? "every record the new entries "
	    "wrote equal" : "equal", n, rdir);
	rc = CLI_EXIT_OK;
out:
	note_signer_free(k);
	return rc;
}

int
cli_audit(int argc, char **argv)
{
	static const char verb[] = "audit";
	struct cli_opt opts[] = { { "vkey", NULL }, { "prev", NULL },
		{ "statistics", NULL }, { "resume", NULL }, { "audit-key", NULL } };
	const char *pos[1];
	const char *args[64];
	int nargs = 0, public_only = 0, full = 0;
	struct note_verifier v;
	const struct note_verifier *vp = NULL;
	struct ledger_config cfg;
	struct ledger *l = NULL, *prev = NULL;
	struct audit_ctx ctx;
	struct log_job job;
	struct stat st;
	char why[512];
	char *default_vkey = NULL;
	const char *key_desc = "the store's own key";
	size_t npos, dlen;
	uint64_t entries, bytes, elapsed;
	enum lien_status s;
	int rc;

	/* --public is a switch; the option parser takes "--name VALUE" */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--public") == 0) {
			public_only = 1;
			continue;
		}
		if (strcmp(argv[i], "--full") == 0) {
			full = 1;
			continue;
		}
		if (nargs == (int)(sizeof args / sizeof args[0])) {
			cli_fail(verb, "too many arguments");
			return CLI_EXIT_USAGE;
		}
		args[nargs++] = argv[i];
	}
	rc = cli_args_parse(verb, nargs, (char **)(uintptr_t)args, opts, 5,
	    pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_audit, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (npos != 1) {
		cli_fail(verb, "need the store directory DIR (see --help)");
		return CLI_EXIT_USAGE;
	}
	/* ledger_open creates a missing directory when writable; an audit
	 * of a mistyped path must fail instead. */
	if (stat(pos[0], &st) != 0) {
		cli_fail(verb, "%s: %s", pos[0], strerror(errno));
		return CLI_EXIT_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_fail(verb, "%s: not a directory", pos[0]);
		return CLI_EXIT_IO;
	}

	if (opts[0].value != NULL) {
		rc = cli_load_vkey(verb, opts[0].value, &v);
		if (rc != CLI_EXIT_OK)
			return rc;
		vp = &v;
		key_desc = opts[0].value;
	} else {
		dlen = strlen(pos[0]);
		default_vkey = malloc(dlen + sizeof "/log.vkey");
		if (default_vkey == NULL) {
			cli_fail(verb, "out of memory");
			return CLI_EXIT_INTERNAL;
		}
		memcpy(default_vkey, pos[0], dlen);
		memcpy(default_vkey + dlen, "/log.vkey", sizeof "/log.vkey");
		if (stat(default_vkey, &st) == 0) {
			rc = cli_load_vkey(verb, default_vkey, &v);
			if (rc != CLI_EXIT_OK)
				goto out;
			vp = &v;
			key_desc = default_vkey;
		} else if (errno != ENOENT) {
			cli_fail(verb, "%s: %s", default_vkey, strerror(errno));
			rc = CLI_EXIT_IO;
			goto out;
		}
	}

	if (opts[1].value != NULL && (rc = audit_chain(verb, opts[1].value,
	    public_only, &prev)) != CLI_EXIT_OK)
		goto out;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = pos[0];
	cfg.flags = LEDGER_RDONLY;
	s = ledger_open(&cfg, &l);
	if (s != LIEN_OK) {
		cli_fail(verb, "cannot open the store in %s: %s", pos[0],
		    lien_status_message(s));
		rc = cli_exit_for(s);	/* ECORRUPT at open: a finding, 1 */
		goto out;
	}

	if (opts[3].value != NULL) {
		if (opts[2].value != NULL) {
			cli_fail(verb, "--statistics needs an audit without "
			    "--resume");
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		rc = audit_resume(verb, pos[0], l, prev, vp, opts[3].value,
		    opts[4].value, full, public_only, key_desc);
		goto out;
	}
	if (full || opts[4].value != NULL) {
		cli_fail(verb, "--full and --audit-key go with --resume");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	memset(&ctx, 0, sizeof ctx);
	cli_progress_start(&ctx.prog, verb, "entries", ledger_size(l));
	/* The log's checks (hashing on two threads of their own) on one
	 * thread, the state replay on this one: both read-only. */
	memset(&job, 0, sizeof job);
	job.l = l;
	job.v = vp;
	job.ctx = &ctx;
	if (pthread_create(&job.tid, NULL, log_job_main, &job) != 0) {
		cli_fail(verb, "cannot start a thread");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	why[0] = '\0';
	s = audit_state(l, prev, public_only, why, sizeof why);
	(void)pthread_join(job.tid, NULL);
	elapsed = now_ns() - ctx.prog.start_ns;
	cli_progress_end(&ctx.prog);	/* end a \r line before reporting */
	if (job.st != LIEN_OK) {
		job.why[sizeof job.why - 1] = '\0';
		cli_fail(verb, "%s: %s", pos[0], job.why[0] != '\0' ?
		    job.why : lien_status_message(job.st));
		rc = cli_exit_for(job.st);
		goto out;
	}
	entries = ctx.have_last ? ctx.last.done : ledger_size(l);
	bytes = ctx.have_last ? ctx.last.bytes : 0;
	if (s != LIEN_OK) {
		why[sizeof why - 1] = '\0';
		cli_fail(verb, "%s: registration state: %s", pos[0],
		    why[0] != '\0' ? why : lien_status_message(s));
		rc = cli_exit_for(s);
		goto out;
	}
	if (opts[2].value != NULL) {
		struct ledger_view *sv = NULL;
		char *js = NULL;
		size_t jl = 0;
		FILE *f;

		if (public_only) {
			cli_fail(verb, "--statistics needs the private records "
			    "(drop --public)");
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		s = ledger_view_open(l, &sv);
		if (s == LIEN_OK)
			s = registry_statistics(sv, 0, REG_TIME_MAX, NULL, &js,
			    &jl);
		ledger_view_close(sv);
		if (s != LIEN_OK || (f = fopen(opts[2].value, "w")) == NULL) {
			cli_fail(verb, "statistics: %s", s != LIEN_OK ?
			    lien_status_message(s) : strerror(errno));
			free(js);
			rc = s != LIEN_OK ? cli_exit_for(s) : CLI_EXIT_IO;
			goto out;
		}
		/* as served: the JSON text and a newline */
		if (fwrite(js, 1, jl, f) != jl || fputc('\n', f) == EOF ||
		    fclose(f) != 0) {
			cli_fail(verb, "%s: cannot write", opts[2].value);
			free(js);
			rc = CLI_EXIT_IO;
			goto out;
		}
		free(js);
	}
	printf("audit OK: %s: %" PRIu64 " entries, %" PRIu64 " bytes, %.2f s, "
	    "%.1f MB/s, checkpoints checked with %s, registration state "
	    "replayed and equal (%s)%s%s\n", pos[0], entries, bytes,
	    (double)elapsed / 1e9, mb_per_s(bytes, elapsed), key_desc,
	    public_only ? "public" : "public and private",
	    prev != NULL ? ", handed over from the audited " : "",
	    prev != NULL ? opts[1].value : "");
	rc = CLI_EXIT_OK;
out:
	if (l != NULL)
		ledger_close(l);
	ledger_close(prev);
	free(default_vkey);
	return rc;
}
