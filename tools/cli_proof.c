/*
 * C2SP tlog-proof files (c2sp.org/tlog-proof@v1): `lienlog proof make`
 * writes one from a live log, `lienlog verify proof` checks one offline
 * under a log key and a witness policy (k of n).
 *
 * What a proof file holds here: the index, the RFC 6962 inclusion proof,
 * the checkpoint verbatim (with whatever witness cosignatures the log
 * served), and, in the spec's "extra" line, the entry envelope itself
 * (the data needed to recompute the record hash, which is what the spec
 * reserves the line for). The verifier trusts none of it: the envelope is
 * hashed and must be proven included under a checkpoint that verifies
 * under the given keys, and its own index must be the proof's index.
 *
 * `proof make` builds the proof from the log's tiles, each authenticated
 * against the checkpoint root (tlog/verifier.c), never from the
 * server's /v1/proof answer, and checks it before writing.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/fetch.h"
#include "common/b64.h"
#include "tlog/entry.h"
#include "tlog/verifier.h"

static const char usage_make[] =
    "usage: lienlog proof make --log URL --index I --out FILE [--vkey VKEY\n"
    "           [--witness WVKEY ... [--quorum K]]]\n"
    "Fetch the log's checkpoint (as served, with its cosignatures), prove\n"
    "entry I from the log's tiles (authenticated against the checkpoint\n"
    "root) and write a C2SP tlog-proof to FILE, with the entry envelope in\n"
    "its 'extra' line. With --vkey the checkpoint (and the witness\n"
    "policy) is verified first; without it a warning is printed.\n"
    "--url is accepted as a synonym of --log.\n";

static const char usage_verify_proof[] =
    "usage: lienlog verify proof --vkey VKEY [--witness WVKEY ... "
    "[--quorum K]]\n"
    "           [--entry ENTRY] FILE\n"
    "Verify a C2SP tlog-proof offline: the checkpoint's log signature, at\n"
    "least K witness cosignatures (default: all given), and the inclusion\n"
    "of the entry (from --entry, else the proof's 'extra' line) at the\n"
    "proof's index. A v1 envelope's own index must equal it.\n";

struct captured {
	uint8_t *p;
	size_t len;
};

static enum lien_status LIEN_MUST_CHECK
capture(void *ctx, const struct tlog_entry *e)
{
	struct captured *c = ctx;

	c->p = malloc(e->len ? e->len : 1);
	if (c->p == NULL)
		return LIEN_ENOMEM;
	memcpy(c->p, e->bytes, e->len);
	c->len = e->len;
	return LIEN_OK;
}

static int
write_atomic(const char *verb, const char *path, const char *p, size_t len)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		cli_fail(verb, "output path too long");
		return CLI_EXIT_USAGE;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)close(fd);
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0)
		goto fail;
	return CLI_EXIT_OK;
fail:
	cli_fail(verb, "%s: %s", path, strerror(errno));
	(void)unlink(tmp);
	return CLI_EXIT_IO;
}

static int
proof_make(int argc, char **argv)
{
	static const char verb[] = "proof make";
	enum { O_LOG, O_URL, O_INDEX, O_OUT, O_VKEY, O_QUORUM, O_N };
	struct cli_opt opts[O_N] = {
		{ "log", NULL }, { "url", NULL }, { "index", NULL },
		{ "out", NULL }, { "vkey", NULL }, { "quorum", NULL },
	};
	const char *wit[TLOG_WITNESSES_MAX], *pos[1], *url;
	struct note_verifier *wbuf = NULL;
	struct tlog_policy pol;
	struct client *cl = NULL;
	struct client_tlog *tl = NULL;
	struct tlog_fetch f;
	struct tlog_tree *tree = NULL;
	struct tlog_report r;
	struct checkpoint cp;
	struct note_parsed *np = NULL;
	uint8_t *note = NULL, leaf[HASH_LEN];
	struct captured entry = { NULL, 0 };
	uint8_t (*proof)[HASH_LEN] = NULL;
	char *text = NULL;
	size_t note_len = 0, nwit, npos, nproof = 0, text_len = 0, ncos = 0;
	uint64_t idx;
	enum lien_status st;
	int rc;

	rc = cli_multi_take(verb, &argc, argv, "witness", wit,
	    TLOG_WITNESSES_MAX, &nwit);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_args_parse(verb, argc, argv, opts, O_N, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_make, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	url = opts[O_LOG].value != NULL ? opts[O_LOG].value : opts[O_URL].value;
	if (url == NULL || opts[O_INDEX].value == NULL ||
	    opts[O_OUT].value == NULL ||
	    (opts[O_LOG].value != NULL && opts[O_URL].value != NULL) ||
	    (nwit > 0 && opts[O_VKEY].value == NULL)) {
		cli_fail(verb, "need --log URL, --index I and --out FILE "
		    "(witnesses need --vkey; see --help)");
		return CLI_EXIT_USAGE;
	}
	if (dec_u64_arg(opts[O_INDEX].value, 0, UINT64_MAX, &idx) != LIEN_OK) {
		cli_fail(verb, "--index must be a canonical decimal integer");
		return CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_INTERNAL;
	wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *wbuf);
	tl = calloc(1, sizeof *tl);
	proof = calloc(MERKLE_PROOF_MAX, HASH_LEN);
	np = calloc(1, sizeof *np);
	if (wbuf == NULL || tl == NULL || proof == NULL || np == NULL)
		goto out;
	if (opts[O_VKEY].value != NULL) {
		rc = cli_policy_load(verb, opts[O_VKEY].value, wit, nwit,
		    opts[O_QUORUM].value, wbuf, &pol);
		if (rc != CLI_EXIT_OK)
			goto out;
	}
	rc = CLI_EXIT_INTERNAL;
	if (client_new(NULL, &cl) != LIEN_OK)
		goto out;
	if (client_tlog_init(tl, cl, url) != LIEN_OK) {
		cli_fail(verb, "--log must be an http:// or https:// URL");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	f = client_tlog_fetch(tl);
	st = f.get(f.ctx, "checkpoint", NOTE_MAX, &note, &note_len);
	if (st != LIEN_OK) {
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		client_tlog_why(tl, st, why, sizeof why);
		cli_fail(verb, "cannot fetch the checkpoint: %s", why);
		rc = cli_exit_net(st);
		goto out;
	}
	if (opts[O_VKEY].value != NULL) {
		st = tlog_checkpoint_verify(&pol, note, note_len, &cp, &ncos,
		    &r);
		if (st != LIEN_OK) {
			cli_fail(verb, "the log's checkpoint does not verify: "
			    "%s", st == LIEN_EVERIFY ? r.why :
			    lien_status_message(st));
			rc = CLI_EXIT_VERIFY;
			goto out;
		}
	} else {
		if (note_parse(note, note_len, np) != LIEN_OK ||
		    checkpoint_parse(np->text, np->text_len, &cp) != LIEN_OK) {
			cli_fail(verb, "the log's checkpoint is malformed");
			rc = CLI_EXIT_VERIFY;
			goto out;
		}
		fputs("lienlog: proof make: warning: no --vkey, the checkpoint "
		    "signature was not checked\n", stderr);
	}
	if (idx >= cp.size) {
		cli_fail(verb, "index %" PRIu64 " is not below the tree size %" PRIu64,
		    idx, cp.size);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	st = tlog_tree_open(&f, cp.size, cp.root, &tree, &r);
	if (st == LIEN_OK)
		st = tlog_tree_prove_inclusion(tree, idx, leaf,
		    proof, &nproof, &r);
	if (st == LIEN_OK)
		st = tlog_tree_entries(tree, idx, idx + 1,
		    capture, &entry, &r);
	if (st != LIEN_OK) {
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		if (st == LIEN_EVERIFY)
			why_set(why, sizeof why, "%s", r.why);
		else
			client_tlog_why(tl, st, why, sizeof why);
		cli_fail(verb, "cannot prove index %" PRIu64 ": %s", idx, why);
		rc = st == LIEN_EVERIFY ? CLI_EXIT_VERIFY : cli_exit_net(st);
		goto out;
	}
	st = tlog_proof_format(entry.p, entry.len, idx,
	    (const uint8_t (*)[HASH_LEN])proof, nproof, note, note_len, &text,
	    &text_len);
	if (st != LIEN_OK) {
		cli_fail(verb, "cannot format the proof (%s)",
		    lien_status_message(st));
		rc = cli_exit_for(st);
		goto out;
	}
	rc = write_atomic(verb, opts[O_OUT].value, text, text_len);
	if (rc == CLI_EXIT_OK)
		printf("wrote %s: index %" PRIu64 " in tree of size %" PRIu64 " of "
		    "%.*s (%zu proof hashes, %zu witness cosignatures "
		    "verified)\n", opts[O_OUT].value, idx, cp.size,
		    (int)cp.origin_len, cp.origin, nproof, ncos);
out:
	tlog_tree_free(tree);
	client_free(cl);
	free(note);
	free(entry.p);
	free(text);
	free(proof);
	free(np);
	free(tl);
	free(wbuf);
	return rc;
}

int
cli_verify_proof(int argc, char **argv)
{
	static const char verb[] = "verify proof";
	enum { O_VKEY, O_QUORUM, O_ENTRY, O_N };
	struct cli_opt opts[O_N] = {
		{ "vkey", NULL }, { "quorum", NULL }, { "entry", NULL },
	};
	const char *wit[TLOG_WITNESSES_MAX], *pos[1];
	struct note_verifier *wbuf = NULL;
	struct tlog_policy pol;
	struct tlog_proof *p = NULL;
	struct tlog_report r;
	struct checkpoint cp;
	struct entry env;
	uint8_t *buf = NULL, *ebuf = NULL, leaf[HASH_LEN];
	const uint8_t *eb;
	char leaf_b64[B64_ENCODED_LEN(HASH_LEN) + 1];
	size_t nwit, npos, len, elen, ncos = 0;
	enum lien_status st;
	int rc;

	rc = cli_multi_take(verb, &argc, argv, "witness", wit,
	    TLOG_WITNESSES_MAX, &nwit);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_args_parse(verb, argc, argv, opts, O_N, pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_verify_proof, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_VKEY].value == NULL || npos != 1) {
		cli_fail(verb, "need --vkey VKEY and one proof FILE "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_INTERNAL;
	wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *wbuf);
	p = calloc(1, sizeof *p);
	if (wbuf == NULL || p == NULL)
		goto out;
	rc = cli_policy_load(verb, opts[O_VKEY].value, wit, nwit,
	    opts[O_QUORUM].value, wbuf, &pol);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = cli_read_file(verb, pos[0], TLOG_PROOF_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		goto out;
	st = tlog_proof_parse(buf, len, p);
	if (st != LIEN_OK) {
		cli_fail(verb, "%s: not a c2sp.org/tlog-proof@v1 file (%s)",
		    pos[0], lien_status_message(st));
		rc = cli_exit_for(st);
		goto out;
	}
	if (opts[O_ENTRY].value != NULL) {
		rc = cli_read_file(verb, opts[O_ENTRY].value, LEDGER_ENTRY_MAX,
		    &ebuf, &elen);
		if (rc != CLI_EXIT_OK)
			goto out;
		eb = ebuf;
	} else if (p->extra != NULL) {
		eb = p->extra;
		elen = p->extra_len;
	} else {
		cli_fail(verb, "%s carries no entry ('extra' line): give "
		    "--entry ENTRY", pos[0]);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	hash_leaf(eb, elen, leaf);	/* RFC 6962 2.1 */
	if (entry_decode(eb, elen, &env) == LIEN_OK && env.index != p->index) {
		cli_fail(verb, "the entry's envelope index %" PRIu64 " differs "
		    "from the proof's index %" PRIu64, env.index, p->index);
		rc = CLI_EXIT_VERIFY;
		goto out;
	}
	st = tlog_proof_verify(&pol, p, leaf, &cp, &ncos, &r);
	if (st != LIEN_OK) {
		cli_fail(verb, "%s: %s", pos[0], st == LIEN_EVERIFY ? r.why :
		    lien_status_message(st));
		rc = st == LIEN_EVERIFY ? CLI_EXIT_VERIFY : cli_exit_for(st);
		goto out;
	}
	if (b64_encode(leaf, HASH_LEN, leaf_b64, sizeof leaf_b64) != LIEN_OK)
		goto out;
	printf("proof verified: index %" PRIu64 " in tree of size %" PRIu64
	    " of %.*s\nleaf_hash: %s\nwitnesses: %zu of %zu cosigned "
	    "(quorum %zu)\n", p->index, cp.size, (int)cp.origin_len, cp.origin,
	    leaf_b64, ncos, pol.nwitnesses, pol.quorum);
	rc = CLI_EXIT_OK;
out:
	tlog_proof_clear(p);
	free(p);
	free(ebuf);
	free(buf);
	free(wbuf);
	return rc;
}

int
cli_proof(int argc, char **argv)
{
	if (argc < 1) {
		cli_fail("proof", "missing subcommand: make (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(usage_make, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[0], "make") == 0)
		return proof_make(argc - 1, argv + 1);
	cli_fail("proof", "unknown subcommand '%s': use make", argv[0]);
	return CLI_EXIT_USAGE;
}
