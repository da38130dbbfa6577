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

#include "ledger/ledger.h"
#include "registry/registry.h"

/* Replay the registration state into a scratch store and compare. The
 * scratch directory lives under $TMPDIR (or /tmp) and is always removed. */
static enum lien_status
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
    "JSON, docs/statistics.md): a served answer must equal it.\n";

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

int
cli_audit(int argc, char **argv)
{
	static const char verb[] = "audit";
	struct cli_opt opts[] = { { "vkey", NULL }, { "prev", NULL },
		{ "statistics", NULL } };
	const char *pos[1];
	const char *args[64];
	int nargs = 0, public_only = 0;
	struct note_verifier v;
	const struct note_verifier *vp = NULL;
	struct ledger_config cfg;
	struct ledger *l = NULL, *prev = NULL;
	struct audit_ctx ctx;
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
		if (nargs == (int)(sizeof args / sizeof args[0])) {
			cli_fail(verb, "too many arguments");
			return CLI_EXIT_USAGE;
		}
		args[nargs++] = argv[i];
	}
	rc = cli_args_parse(verb, nargs, (char **)(uintptr_t)args, opts, 3,
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

	memset(&ctx, 0, sizeof ctx);
	cli_progress_start(&ctx.prog, verb, "entries", ledger_size(l));
	why[0] = '\0';
	s = ledger_audit(l, vp, audit_progress, &ctx, why, sizeof why);
	elapsed = now_ns() - ctx.prog.start_ns;
	cli_progress_end(&ctx.prog);	/* end a \r line before reporting */
	if (s != LIEN_OK) {
		why[sizeof why - 1] = '\0';
		cli_fail(verb, "%s: %s", pos[0],
		    why[0] != '\0' ? why : lien_status_message(s));
		rc = cli_exit_for(s);
		goto out;
	}
	entries = ctx.have_last ? ctx.last.done : ledger_size(l);
	bytes = ctx.have_last ? ctx.last.bytes : 0;
	why[0] = '\0';
	s = audit_state(l, prev, public_only, why, sizeof why);
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
