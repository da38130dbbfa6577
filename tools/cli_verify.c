/*
 * `lienlog verify checkpoint|inclusion|consistency`: offline checks an
 * auditor runs on files handed out by the log (or fetched from its API).
 *
 * Each subverb is a straight line: load the verifier key, open every signed
 * checkpoint against it (signature, and origin == key name), parse the
 * proof JSON strictly, check that the sizes the proof claims are the sizes
 * the signed checkpoints commit to, then run the RFC 9162 verifier from
 * tlog/merkle.h. Nothing is fetched over the network and nothing is
 * trusted because it is well-formed: only a signature by the given key
 * plus hash arithmetic make a run exit 0.
 */
#include "tools/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "tlog/entry.h"
#include "tlog/merkle.h"

static const char usage_verify[] =
    "usage: lienlog verify checkpoint  --vkey VKEY FILE\n"
    "       lienlog verify inclusion   --vkey VKEY [--checkpoint FILE] "
    "--proof PROOF.json [--entry ENTRY]\n"
    "       lienlog verify consistency --vkey VKEY --old FILE --new FILE "
    "--proof PROOF.json\n"
    "       lienlog verify proof       --vkey VKEY [--witness W ... "
    "[--quorum K]] FILE\n"
    "       lienlog verify status      --vkey VKEY [--witness W ... "
    "[--quorum K]]\n"
    "                                  [--checkpoint NEWER] [--max-age D] "
    "--vin VIN PROOF\n"
    "Run 'lienlog verify <what> --help' for details. Exit codes: 0 verified,\n"
    "1 verification failed, 2 usage, 3 bad input file, 4 I/O, 5 internal\n"
    "(docs/cli.md).\n";

static const char usage_checkpoint[] =
    "usage: lienlog verify checkpoint --vkey VKEY FILE\n"
    "Verify the signed checkpoint note in FILE against the log's verifier\n"
    "key VKEY (origin must equal the key name) and print its origin, size\n"
    "and root hash.\n";

static const char usage_inclusion[] =
    "usage: lienlog verify inclusion --vkey VKEY [--checkpoint FILE] "
    "--proof PROOF.json [--entry ENTRY]\n"
    "Verify that leaf `index` is in the tree the signed checkpoint commits\n"
    "to. PROOF.json: {\"index\":I,\"tree_size\":N,\"leaf_hash\":\"<b64>\","
    "\"proof\":[\"<b64>\",...]};\n"
    "tree_size must equal the checkpoint size. A receipt (the same fields\n"
    "plus \"checkpoint\":\"<signed note>\") may stand in for --checkpoint,\n"
    "which is then optional (required for a bare proof).\n"
    "With --entry, the leaf hash is recomputed from the entry file's bytes\n"
    "and must equal leaf_hash (and a v1 envelope's index must equal I).\n";

static const char usage_consistency[] =
    "usage: lienlog verify consistency --vkey VKEY --old FILE --new FILE "
    "--proof PROOF.json\n"
    "Verify that the tree of the new signed checkpoint extends the tree of\n"
    "the old one (append-only). PROOF.json: {\"old_size\":M,\"tree_size\":N,"
    "\"proof\":[\"<b64>\",...]};\n"
    "M and N must equal the sizes of the old and new checkpoints.\n";

/* Load and open one checkpoint file; *out_buf keeps the bytes the
 * checkpoint borrows (caller frees). */
static int
load_checkpoint(const char *verb, const char *path,
    const struct note_verifier *v, uint8_t **out_buf, struct checkpoint *out)
{
	size_t len;
	int rc;

	rc = cli_read_file(verb, path, NOTE_MAX, out_buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_open_checkpoint(verb, path, *out_buf, len, v, out);
	if (rc != CLI_EXIT_OK) {
		free(*out_buf);
		*out_buf = NULL;
	}
	return rc;
}

static int
verify_checkpoint(int argc, char **argv)
{
	static const char verb[] = "verify checkpoint";
	struct cli_opt opts[] = { { "vkey", NULL } };
	const char *pos[1];
	struct note_verifier v;
	struct checkpoint cp;
	char root[B64_ENCODED_LEN(HASH_LEN) + 1];
	uint8_t *buf = NULL;
	size_t npos;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, 1, pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_checkpoint, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[0].value == NULL || npos != 1) {
		cli_fail(verb, "need --vkey VKEY and one checkpoint FILE "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	rc = cli_load_vkey(verb, opts[0].value, &v);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = load_checkpoint(verb, pos[0], &v, &buf, &cp);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (b64_encode(cp.root, HASH_LEN, root, sizeof root) != LIEN_OK) {
		free(buf);
		cli_fail(verb, "internal error encoding the root");
		return CLI_EXIT_INTERNAL;
	}
	printf("origin: %.*s\nsize: %" PRIu64 "\nroot: %s\n",
	    (int)cp.origin_len, cp.origin, cp.size, root);
	free(buf);
	return CLI_EXIT_OK;
}

/* The checks that tie a parsed inclusion proof to one opened checkpoint. */
static int
inclusion_against(const char *verb, const char *what,
    const struct cli_inclusion *p, const uint8_t leaf[HASH_LEN],
    const struct checkpoint *cp)
{
	enum lien_status s;

	if (p->tree_size != cp->size) {
		cli_fail(verb, "proof tree_size %" PRIu64 " does not match the "
		    "size %" PRIu64 " of checkpoint %s", p->tree_size, cp->size,
		    what);
		return CLI_EXIT_VERIFY;
	}
	s = merkle_verify_inclusion(leaf, p->index, p->tree_size,
	    (const uint8_t (*)[HASH_LEN])p->proof, p->nproof, cp->root);
	if (s != LIEN_OK) {
		cli_fail(verb, "inclusion proof for index %" PRIu64 " does not "
		    "verify against the root of checkpoint %s (%s)", p->index,
		    what, lien_status_message(s));
		return s == LIEN_EVERIFY || s == LIEN_ERANGE ?
		    CLI_EXIT_VERIFY : cli_exit_for(s);
	}
	return CLI_EXIT_OK;
}

/* --entry: the proof's leaf must be the hash of exactly these bytes. */
static int
inclusion_check_entry(const char *verb, const char *path,
    const struct cli_inclusion *p)
{
	uint8_t *buf;
	uint8_t leaf[HASH_LEN];
	struct entry e;
	size_t len;
	int rc;

	rc = cli_read_file(verb, path, LEDGER_ENTRY_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	hash_leaf(buf, len, leaf);	/* RFC 6962 2.1: SHA-256(0x00 || e) */
	if (!hash_equal(leaf, p->leaf_hash)) {
		cli_fail(verb, "%s: its leaf hash does not match the proof's "
		    "leaf_hash", path);
		rc = CLI_EXIT_VERIFY;
		goto out;
	}
	/* Our log's entries carry their own index (docs/entry-format.md):
	 * a matching hash with a different index would mean the proof was
	 * issued for another position, so say so rather than pass. */
	if (entry_decode(buf, len, &e) == LIEN_OK && e.index != p->index) {
		cli_fail(verb, "%s: envelope index %" PRIu64 " differs from the "
		    "proof's index %" PRIu64, path, e.index, p->index);
		rc = CLI_EXIT_VERIFY;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(buf);
	return rc;
}

static int
verify_inclusion(int argc, char **argv)
{
	static const char verb[] = "verify inclusion";
	enum { O_VKEY, O_CP, O_PROOF, O_ENTRY };
	struct cli_opt opts[] = {
		{ "vkey", NULL }, { "checkpoint", NULL }, { "proof", NULL },
		{ "entry", NULL },
	};
	const char *pos[1];
	struct note_verifier v;
	struct checkpoint cp_file, cp_embedded;
	struct cli_inclusion *p = NULL;
	uint8_t *cp_buf = NULL, *proof_buf = NULL;
	const char *origin = NULL;
	size_t npos, proof_len, origin_len = 0;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, 4, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_inclusion, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_VKEY].value == NULL || opts[O_PROOF].value == NULL) {
		cli_fail(verb, "need --vkey VKEY and --proof PROOF.json "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	rc = cli_load_vkey(verb, opts[O_VKEY].value, &v);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* struct cli_inclusion holds 64 hashes: keep it off the stack. */
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	rc = cli_read_file(verb, opts[O_PROOF].value, PROOF_JSON_MAX,
	    &proof_buf, &proof_len);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = cli_inclusion_parse(verb, opts[O_PROOF].value, proof_buf,
	    proof_len, p);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (opts[O_CP].value == NULL && p->checkpoint == NULL) {
		cli_fail(verb, "need --checkpoint FILE (the proof embeds no "
		    "checkpoint)");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (p->index >= p->tree_size) {
		cli_fail(verb, "%s: index %" PRIu64 " is not below tree_size %"
		    PRIu64, opts[O_PROOF].value, p->index, p->tree_size);
		rc = CLI_EXIT_VERIFY;
		goto out;
	}
	if (opts[O_ENTRY].value != NULL) {
		rc = inclusion_check_entry(verb, opts[O_ENTRY].value, p);
		if (rc != CLI_EXIT_OK)
			goto out;
	}
	/* Verify against every checkpoint we were given: the file, and the
	 * one a receipt embeds. Both must be signed and both must match. */
	if (p->checkpoint != NULL) {
		char what[320];

		snprintf(what, sizeof what, "%.256s (embedded checkpoint)",
		    opts[O_PROOF].value);
		rc = cli_open_checkpoint(verb, what,
		    (const uint8_t *)p->checkpoint, p->checkpoint_len, &v,
		    &cp_embedded);
		if (rc == CLI_EXIT_OK)
			rc = inclusion_against(verb, what, p, p->leaf_hash,
			    &cp_embedded);
		if (rc != CLI_EXIT_OK)
			goto out;
		origin = cp_embedded.origin;
		origin_len = cp_embedded.origin_len;
	}
	if (opts[O_CP].value != NULL) {
		rc = load_checkpoint(verb, opts[O_CP].value, &v, &cp_buf,
		    &cp_file);
		if (rc == CLI_EXIT_OK)
			rc = inclusion_against(verb, opts[O_CP].value, p,
			    p->leaf_hash, &cp_file);
		if (rc != CLI_EXIT_OK)
			goto out;
		origin = cp_file.origin;
		origin_len = cp_file.origin_len;
	}
	printf("inclusion verified: index %" PRIu64 " in tree of size %"
	    PRIu64 " of %.*s%s\n", p->index, p->tree_size, (int)origin_len,
	    origin, opts[O_ENTRY].value != NULL ? " (entry bytes match)" : "");
	rc = CLI_EXIT_OK;
out:
	if (p != NULL)
		cli_inclusion_clear(p);
	free(p);
	free(cp_buf);
	free(proof_buf);
	return rc;
}

static int
verify_consistency(int argc, char **argv)
{
	static const char verb[] = "verify consistency";
	enum { O_VKEY, O_OLD, O_NEW, O_PROOF };
	struct cli_opt opts[] = {
		{ "vkey", NULL }, { "old", NULL }, { "new", NULL },
		{ "proof", NULL },
	};
	const char *pos[1];
	struct note_verifier v;
	struct checkpoint cp_old, cp_new;
	struct cli_consistency *p = NULL;
	uint8_t *old_buf = NULL, *new_buf = NULL, *proof_buf = NULL;
	size_t npos, proof_len;
	enum lien_status s;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, 4, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_consistency, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_VKEY].value == NULL || opts[O_OLD].value == NULL ||
	    opts[O_NEW].value == NULL || opts[O_PROOF].value == NULL) {
		cli_fail(verb, "need --vkey, --old, --new and --proof "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	rc = cli_load_vkey(verb, opts[O_VKEY].value, &v);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = load_checkpoint(verb, opts[O_OLD].value, &v, &old_buf, &cp_old);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = load_checkpoint(verb, opts[O_NEW].value, &v, &new_buf, &cp_new);
	if (rc != CLI_EXIT_OK)
		goto out;
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		cli_fail(verb, "out of memory");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	rc = cli_read_file(verb, opts[O_PROOF].value, PROOF_JSON_MAX,
	    &proof_buf, &proof_len);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = cli_consistency_parse(verb, opts[O_PROOF].value, proof_buf,
	    proof_len, p);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_VERIFY;
	if (cp_old.size > cp_new.size) {
		cli_fail(verb, "old checkpoint size %" PRIu64 " is larger than "
		    "new checkpoint size %" PRIu64, cp_old.size, cp_new.size);
		goto out;
	}
	if (p->old_size != cp_old.size || p->tree_size != cp_new.size) {
		cli_fail(verb, "proof sizes %" PRIu64 " -> %" PRIu64 " do not "
		    "match the checkpoints' sizes %" PRIu64 " -> %" PRIu64,
		    p->old_size, p->tree_size, cp_old.size, cp_new.size);
		goto out;
	}
	s = merkle_verify_consistency(p->old_size, p->tree_size, cp_old.root,
	    cp_new.root, (const uint8_t (*)[HASH_LEN])p->proof, p->nproof);
	if (s != LIEN_OK) {
		cli_fail(verb, "consistency proof %" PRIu64 " -> %" PRIu64
		    " does not verify (%s)", p->old_size, p->tree_size,
		    lien_status_message(s));
		rc = s == LIEN_EVERIFY || s == LIEN_ERANGE ?
		    CLI_EXIT_VERIFY : cli_exit_for(s);
		goto out;
	}
	printf("consistency verified: tree of size %" PRIu64 " extends size %"
	    PRIu64 " of %.*s\n", p->tree_size, p->old_size,
	    (int)cp_new.origin_len, cp_new.origin);
	rc = CLI_EXIT_OK;
out:
	free(p);
	free(proof_buf);
	free(new_buf);
	free(old_buf);
	return rc;
}

int
cli_verify(int argc, char **argv)
{
	if (argc < 1) {
		cli_fail("verify", "missing what to verify: checkpoint, "
		    "inclusion or consistency (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(usage_verify, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[0], "checkpoint") == 0)
		return verify_checkpoint(argc - 1, argv + 1);
	if (strcmp(argv[0], "inclusion") == 0)
		return verify_inclusion(argc - 1, argv + 1);
	if (strcmp(argv[0], "consistency") == 0)
		return verify_consistency(argc - 1, argv + 1);
	if (strcmp(argv[0], "proof") == 0)	/* C2SP tlog-proof: cli_proof.c */
		return cli_verify_proof(argc - 1, argv + 1);
	if (strcmp(argv[0], "status") == 0)	/* lien status: cli_status.c */
		return cli_verify_status(argc - 1, argv + 1);
	cli_fail("verify", "unknown subcommand '%s': use checkpoint, inclusion "
	    "or consistency", argv[0]);
	return CLI_EXIT_USAGE;
}
