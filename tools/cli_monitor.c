/*
 * `lienlog monitor`: split-view detection from several vantage points
 * (docs/monitor.md).
 *
 * It gathers checkpoints of one log from everywhere it is told to look:
 * the log itself, witnesses' copies (--witness-url: any URL answering GET
 * with a checkpoint note), peers' checkpoints as files or URLs, and the
 * checkpoint it trusted on its previous run (--state). Each must verify
 * under the log key (witness cosignatures are counted against the policy
 * and reported). Then every pair is checked: equal sizes must have equal
 * roots (two signed roots for one size need no tiles to convict), and for
 * sizes m < n the consistency proof m -> n is computed from the log's
 * tiles authenticated against the size-n root (tlog/verifier.c). A
 * failure is written as evidence (both checkpoints, the proof, a report)
 * under STATE/evidence/ when --state is given, and the run exits with the
 * codes of enum cli_exit_tlog, so cron mails the operator.
 *
 * Not here: following the log's entries (that is `lienlog sync`).
 */
#include "tools/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/fetch.h"
#include "common/b64.h"
#include "ledger/mirror.h"
#include "tlog/verifier.h"

static const char usage_monitor[] =
    "usage: lienlog monitor --log URL --vkey VKEY [--witness WVKEY ...\n"
    "           [--quorum K]] [--witness-url URL ...] [--peer FILE|URL ...]\n"
    "           [--state DIR]\n"
    "Fetch the log's checkpoint and every other vantage point's, verify\n"
    "each under VKEY, and check every pair for consistency using the\n"
    "log's tiles. --state DIR remembers the last checkpoint across runs\n"
    "and receives evidence files. Suitable for cron (docs/monitor.md).\n"
    "exit: 0 consistent, 2 usage, 3 bad input, 4 a source unreachable,\n"
    "      10 fork/split view, 11 rollback, 12 a checkpoint that does not\n"
    "      verify (or misses the witness quorum), 13 the log's tiles do not\n"
    "      match one of its checkpoints\n";

struct source {
	char label[96];
	uint8_t *note;
	size_t len;
	struct checkpoint cp;	/* borrows note */
	size_t ncos;
	int ok;
};

struct monitor {
	const char *verb;
	const char *state;
	struct tlog_policy pol;
	struct client *cl;
	struct client_tlog tl;
	struct tlog_fetch f;
	struct source src[MONITOR_SOURCES_MAX + 1];
	size_t nsrc;
	int worst;
	int unreachable;
};

/* Worse outcome wins; among evidence codes a fork is the worst. */
static int
rank(int rc)
{
	switch (rc) {
	case CLI_EXIT_FORK: return 6;
	case CLI_EXIT_ROLLBACK: return 5;
	case CLI_EXIT_MISMATCH: return 4;
	case CLI_EXIT_BADSIG: return 3;
	case CLI_EXIT_OK: return 0;
	default: return 1;
	}
}

static void
note_outcome(struct monitor *m, int rc)
{
	if (rank(rc) > rank(m->worst))
		m->worst = rc;
}

static void
add_source(struct monitor *m, const char *kind, const char *where,
    uint8_t *note, size_t len)
{
	struct source *s = &m->src[m->nsrc++];

	(void)snprintf(s->label, sizeof s->label, "%s %.80s", kind, where);
	s->note = note;
	s->len = len;
}

static void
fetch_source(struct monitor *m, const char *kind, const char *where)
{
	uint8_t *note = NULL;
	size_t len = 0;
	enum lien_status st;

	if (strncmp(where, "http://", 7) == 0 ||
	    strncmp(where, "https://", 8) == 0) {
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		st = cli_fetch(m->cl, where, NOTE_MAX, &note, &len, why,
		    sizeof why);
		if (st != LIEN_OK) {
			cli_fail(m->verb, "%s: %s", kind, why);
			m->unreachable = 1;
			return;
		}
	} else if (cli_read_file(m->verb, where, NOTE_MAX, &note, &len) !=
	    CLI_EXIT_OK) {
		note_outcome(m, CLI_EXIT_INPUT);
		return;
	}
	add_source(m, kind, where, note, len);
}

static void
report_evidence(struct monitor *m, const struct tlog_report *r,
    const struct source *a, const struct source *b,
    const uint8_t (*proof)[HASH_LEN], size_t nproof, const uint8_t *root_m)
{
	char dir[4096], rb64[B64_ENCODED_LEN(HASH_LEN) + 1], text[1024];
	char *js = NULL;
	size_t js_len = 0;
	int n;

	printf("MISBEHAVIOUR %s: %s\n  between: %s (size %" PRIu64 ")\n"
	    "  and:     %s (size %" PRIu64 ")\n", tlog_fault_name(r->fault),
	    r->why, a->label, a->cp.size, b->label, b->cp.size);
	if (m->state == NULL) {
		printf("  (no --state DIR: evidence not written)\n");
		return;
	}
	if (cli_evidence_dir(m->state, tlog_fault_name(r->fault), dir,
	    sizeof dir) != LIEN_OK ||
	    cli_write_file(dir, "a.checkpoint", a->note, a->len) != LIEN_OK ||
	    cli_write_file(dir, "b.checkpoint", b->note, b->len) != LIEN_OK) {
		cli_fail(m->verb, "cannot write evidence under %s/evidence",
		    m->state);
		return;
	}
	if (proof != NULL &&
	    (cli_consistency_json(a->cp.size, b->cp.size, proof, nproof, &js,
	    &js_len) != LIEN_OK || cli_write_file(dir, "consistency.json", js,
	    js_len) != LIEN_OK))
		cli_fail(m->verb, "cannot write consistency.json");
	free(js);
	rb64[0] = '\0';
	if (root_m != NULL &&
	    b64_encode(root_m, HASH_LEN, rb64, sizeof rb64) != LIEN_OK)
		rb64[0] = '\0';
	n = snprintf(text, sizeof text, "fault: %s\nwhy: %s\na: %s\nb: %s\n%s%s"
	    "%s", tlog_fault_name(r->fault), r->why, a->label, b->label,
	    root_m != NULL ? "root_of_a_size_in_b_tree: " : "", rb64,
	    root_m != NULL ? "\n" : "");
	if (n > 0 && cli_write_file(dir, "report.txt", text,
	    (size_t)n < sizeof text ? (size_t)n : sizeof text - 1) != LIEN_OK)
		cli_fail(m->verb, "cannot write report.txt");
	printf("  evidence: %s\n", dir);
}

/* A checkpoint that does not verify (or misses the witness quorum) is a
 * finding too: keep the note as it came and where it came from. */
static void
report_unverified(struct monitor *m, const struct tlog_report *r,
    const struct source *s)
{
	char dir[4096], text[1024];
	int n;

	if (m->state == NULL) {
		printf("  (no --state DIR: evidence not written)\n");
		return;
	}
	if (cli_evidence_dir(m->state, tlog_fault_name(r->fault), dir,
	    sizeof dir) != LIEN_OK ||
	    cli_write_file(dir, "a.checkpoint", s->note, s->len) != LIEN_OK) {
		cli_fail(m->verb, "cannot write evidence under %s/evidence",
		    m->state);
		return;
	}
	n = snprintf(text, sizeof text, "fault: %s\nwhy: %s\na: %s\n",
	    tlog_fault_name(r->fault), r->why, s->label);
	if (n > 0 && cli_write_file(dir, "report.txt", text,
	    (size_t)n < sizeof text ? (size_t)n : sizeof text - 1) != LIEN_OK)
		cli_fail(m->verb, "cannot write report.txt");
	printf("  evidence: %s\n", dir);
}

/* Check one pair, a->cp.size <= b->cp.size. */
static void
check_pair(struct monitor *m, struct source *a, struct source *b,
    struct tlog_tree **tree)
{
	struct tlog_report r;
	uint8_t (*proof)[HASH_LEN];
	uint8_t root_m[HASH_LEN];
	size_t nproof = 0;
	enum lien_status st;

	memset(&r, 0, sizeof r);
	if (a->cp.size == b->cp.size) {
		if (!hash_equal(a->cp.root, b->cp.root)) {
			r.fault = TLOG_FAULT_FORK;
			(void)snprintf(r.why, sizeof r.why, "split view: two "
			    "signed checkpoints of size %" PRIu64 " with "
			    "different roots", a->cp.size);
			report_evidence(m, &r, a, b, NULL, 0, NULL);
			note_outcome(m, CLI_EXIT_FORK);
		}
		return;
	}
	if (*tree == NULL) {
		st = tlog_tree_open(&m->f, b->cp.size, b->cp.root, tree, &r);
		if (st == LIEN_EVERIFY) {
			/* The log does not serve the tree it signed: it
			 * shows this checkpoint's tree to someone else. */
			report_evidence(m, &r, a, b, NULL, 0, NULL);
			note_outcome(m, CLI_EXIT_MISMATCH);
			return;
		}
		if (st != LIEN_OK) {
			cli_fail(m->verb, "cannot fetch the log's tiles for "
			    "size %" PRIu64 " (%s)", b->cp.size,
			    lien_status_message(st));
			m->unreachable = 1;
			return;
		}
	}
	proof = calloc(MERKLE_PROOF_MAX, HASH_LEN);
	if (proof == NULL) {
		note_outcome(m, CLI_EXIT_INTERNAL);
		return;
	}
	st = tlog_tree_consistency(*tree, a->cp.size, a->cp.root, proof,
	    &nproof, root_m, &r);
	if (st == LIEN_EVERIFY) {
		report_evidence(m, &r, a, b, (const uint8_t (*)[HASH_LEN])proof,
		    nproof, r.fault == TLOG_FAULT_FORK ? root_m : NULL);
		note_outcome(m, r.fault == TLOG_FAULT_FORK ? CLI_EXIT_FORK :
		    CLI_EXIT_MISMATCH);
	} else if (st != LIEN_OK) {
		cli_fail(m->verb, "cannot check %s against %s (%s)", a->label,
		    b->label, lien_status_message(st));
		m->unreachable = 1;
	}
	free(proof);
}

static int
by_size(const void *x, const void *y)
{
	const struct source *a = x, *b = y;

	if (a->ok != b->ok)
		return b->ok - a->ok;	/* verified first */
	return (a->cp.size > b->cp.size) - (a->cp.size < b->cp.size);
}

int
cli_monitor(int argc, char **argv)
{
	static const char verb[] = "monitor";
	enum { O_LOG, O_VKEY, O_QUORUM, O_STATE, O_N };
	struct cli_opt opts[O_N] = {
		{ "log", NULL }, { "vkey", NULL }, { "quorum", NULL },
		{ "state", NULL },
	};
	const char *wit[TLOG_WITNESSES_MAX], *wurl[MONITOR_SOURCES_MAX];
	const char *peer[MONITOR_SOURCES_MAX], *pos[1];
	struct note_verifier *wbuf = NULL;
	struct monitor *m = NULL;
	struct mirror *mr = NULL;
	struct mirror_state ms;
	size_t nwit, nwurl, npeer, npos, nok = 0, log_src = 0;
	uint64_t log_size = 0;
	int rc, have_log = 0, log_ok = 0;

	memset(&ms, 0, sizeof ms);
	if ((rc = cli_multi_take(verb, &argc, argv, "witness-url", wurl,
	    MONITOR_SOURCES_MAX, &nwurl)) != CLI_EXIT_OK ||
	    (rc = cli_multi_take(verb, &argc, argv, "witness", wit,
	    TLOG_WITNESSES_MAX, &nwit)) != CLI_EXIT_OK ||
	    (rc = cli_multi_take(verb, &argc, argv, "peer", peer,
	    MONITOR_SOURCES_MAX, &npeer)) != CLI_EXIT_OK)
		return rc;
	rc = cli_args_parse(verb, argc, argv, opts, O_N, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_monitor, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_LOG].value == NULL || opts[O_VKEY].value == NULL) {
		cli_fail(verb, "need --log URL and --vkey VKEY (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (nwurl + npeer + 1 > MONITOR_SOURCES_MAX) {
		cli_fail(verb, "at most %u vantage points", MONITOR_SOURCES_MAX);
		return CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_INTERNAL;
	wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *wbuf);
	m = calloc(1, sizeof *m);
	if (wbuf == NULL || m == NULL)
		goto out;
	m->verb = verb;
	m->state = opts[O_STATE].value;
	rc = cli_policy_load(verb, opts[O_VKEY].value, wit, nwit,
	    opts[O_QUORUM].value, wbuf, &m->pol);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_INTERNAL;
	if (client_new(NULL, &m->cl) != LIEN_OK)
		goto out;
	if (client_tlog_init(&m->tl, m->cl, opts[O_LOG].value) != LIEN_OK) {
		cli_fail(verb, "--log must be an http:// or https:// URL");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	m->f = client_tlog_fetch(&m->tl);
	if (m->state != NULL) {
		if (mirror_open(m->state, &mr) != LIEN_OK ||
		    mirror_load(mr, &ms) != LIEN_OK) {
			cli_fail(verb, "%s: cannot open the monitor state",
			    m->state);
			rc = CLI_EXIT_IO;
			goto out;
		}
		if (ms.checkpoint != NULL) {
			uint8_t *copy = malloc(ms.checkpoint_len + 1);

			if (copy == NULL)
				goto out;
			memcpy(copy, ms.checkpoint, ms.checkpoint_len);
			add_source(m, "previous run", m->state, copy,
			    ms.checkpoint_len);
		}
	}
	{
		char url[CLIENT_URL_MAX + 16];

		(void)snprintf(url, sizeof url, "%s/checkpoint", m->tl.prefix);
		have_log = 1;
		fetch_source(m, "log", url);
		if (m->unreachable)
			have_log = 0;
	}
	for (size_t i = 0; i < nwurl; i++)
		fetch_source(m, "witness", wurl[i]);
	for (size_t i = 0; i < npeer; i++)
		fetch_source(m, "peer", peer[i]);

	/* Verify every checkpoint under the policy's log key; witness
	 * cosignatures are counted and must meet the quorum. */
	for (size_t i = 0; i < m->nsrc; i++) {
		struct source *s = &m->src[i];
		struct tlog_report r;
		enum lien_status st;

		st = tlog_checkpoint_verify(&m->pol, s->note, s->len, &s->cp,
		    &s->ncos, &r);
		if (st != LIEN_OK) {
			printf("UNVERIFIED %s: %s\n", s->label,
			    st == LIEN_EVERIFY ? r.why :
			    lien_status_message(st));
			if (st == LIEN_EVERIFY)
				report_unverified(m, &r, s);
			note_outcome(m, CLI_EXIT_BADSIG);
			continue;
		}
		s->ok = 1;
		nok++;
		if (strncmp(s->label, "log ", 4) == 0) {
			log_ok = 1;
			log_size = s->cp.size;
			log_src = i;
		}
		printf("ok %s: size %" PRIu64 ", %zu/%zu witnesses\n",
		    s->label, s->cp.size, s->ncos, m->pol.nwitnesses);
	}
	/* The log going back below what we saw before is a rollback even
	 * when the older tree is a prefix of the newer one. Its evidence is
	 * the two checkpoints the log signed: the one it serves now (a) and
	 * the larger one of the earlier run (b, the first source). */
	if (log_ok && ms.checkpoint != NULL && log_size < ms.size) {
		struct tlog_report r;

		memset(&r, 0, sizeof r);
		r.fault = TLOG_FAULT_ROLLBACK;
		(void)snprintf(r.why, sizeof r.why, "the log serves size %"
		    PRIu64 ", below size %" PRIu64 " seen on an earlier run",
		    log_size, ms.size);
		report_evidence(m, &r, &m->src[log_src], &m->src[0], NULL, 0,
		    NULL);
		note_outcome(m, CLI_EXIT_ROLLBACK);
	}
	/* Every pair, smaller first; one tree per larger checkpoint. */
	qsort(m->src, m->nsrc, sizeof m->src[0], by_size);
	for (size_t j = 1; j < nok; j++) {
		struct tlog_tree *tree = NULL;

		for (size_t i = 0; i < j; i++)
			check_pair(m, &m->src[i], &m->src[j], &tree);
		tlog_tree_free(tree);
	}
	if (m->worst == CLI_EXIT_OK && !m->unreachable && nok > 0 && mr != NULL) {
		/* Remember the largest verified checkpoint for next time. */
		struct source *top = &m->src[nok - 1];

		if (top->cp.size >= ms.size && mirror_trust(mr, top->cp.origin,
		    top->cp.origin_len, (const char *)top->note, top->len,
		    top->cp.size, UINT64_MAX) != LIEN_OK)
			cli_fail(verb, "could not update %s", m->state);
	}
	if (m->worst != CLI_EXIT_OK)
		rc = m->worst;
	else if (m->unreachable || !have_log)
		rc = CLI_EXIT_NETWORK;
	else {
		printf("consistent: %zu checkpoint(s) from %zu vantage "
		    "point(s)\n", nok, m->nsrc);
		rc = CLI_EXIT_OK;
	}
out:
	if (m != NULL) {
		for (size_t i = 0; i < m->nsrc; i++)
			free(m->src[i].note);
		client_free(m->cl);
	}
	mirror_state_clear(&ms);
	mirror_close(mr);
	free(m);
	free(wbuf);
	return rc;
}
