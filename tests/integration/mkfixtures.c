/*
 * mkfixtures OUTDIR: build a real store and the files an auditor would be
 * handed, for tests/integration/test_cli.py.
 *
 * It uses the ledger library exactly as the server does (ledger_open,
 * ledger_append_many, views) rather than talking to a running lienlogd:
 * no port, no process to manage, and the fixtures are produced by the same
 * code paths the API serves them from. Three batches give checkpoints at
 * sizes 5, 17 and 21 (each append_many is one transaction and one signed
 * checkpoint, its last entry a state root). Entry i's payload (i not 4,
 * 16 or 20) is "lienlog-fixture-payload-%04u" so a test can find the
 * entry's bytes inside data.mdb.
 *
 * Writes into OUTDIR (which must exist):
 *   store/             the LMDB store, plus store/log.vkey
 *   log.vkey           the log's verifier key (origin FIXTURE_ORIGIN)
 *   other.vkey         a different key with the same name (wrong key)
 *   othername.vkey     a key with a different name
 *   cp5.note cp17.note cp21.note   signed checkpoints
 *   incl.json          inclusion of index 3 in tree 21
 *   incl5.json         inclusion of index 0 in tree 5
 *   incl_last.json     inclusion of index 20 in tree 21
 *   receipt.json       incl.json plus "checkpoint": cp21.note's text
 *   entry3.bin entry4.bin entry20.bin   raw entry envelopes
 *   cons.json          consistency 5 -> 21
 *   cons17.json        consistency 17 -> 21
 * Exit 0 on success; otherwise a message on stderr and exit 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/b64.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"

#define FIXTURE_ORIGIN "example.org/lien-log-fixture"

static const char *outdir;

static void
die(const char *what, enum lien_status s)
{
	fprintf(stderr, "mkfixtures: %s: %s\n", what, lien_status_message(s));
	exit(1);
}

static void
write_file(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mkfixtures: cannot write %s\n", path);
		exit(1);
	}
}

static void
write_json(const char *name, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s == NULL) {
		fprintf(stderr, "mkfixtures: json_dumps failed\n");
		exit(1);
	}
	write_file(name, s, strlen(s));
	free(s);
	json_decref(j);
}

static json_t *
hash_json(const uint8_t h[HASH_LEN])
{
	char b[B64_ENCODED_LEN(HASH_LEN) + 1];

	if (b64_encode(h, HASH_LEN, b, sizeof b) != LIEN_OK)
		die("b64_encode", LIEN_EINVAL);
	return json_string(b);
}

static json_t *
proof_json(uint8_t proof[][HASH_LEN], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, hash_json(proof[i]));
	return a;
}

/* Write a key pair's verifier key under name; returns the signer for the
 * log key (keep) or frees it. */
static struct note_signer *
make_key(const char *origin, const char *vkey_name, int keep)
{
	char *skey = NULL, *vkey = NULL, line[1024];
	struct note_signer *s = NULL;
	enum lien_status st;

	st = note_key_generate(origin, strlen(origin), &skey, &vkey);
	if (st != LIEN_OK)
		die("note_key_generate", st);
	snprintf(line, sizeof line, "%s\n", vkey);
	write_file(vkey_name, line, strlen(line));
	if (keep) {
		st = note_signer_parse(skey, strlen(skey), &s);
		if (st != LIEN_OK)
			die("note_signer_parse", st);
	}
	secret_free(skey);
	free(vkey);
	return s;
}

static void
append_batch(struct ledger *l, uint64_t first, size_t n, const char *cp_name)
{
	struct ledger_item items[16] = { 0 };
	struct ledger_receipt rcpt[16];
	char payload[16][64];
	char *cp = NULL;
	size_t cp_len;
	enum lien_status st;

	for (size_t i = 0; i < n; i++) {
		int k = snprintf(payload[i], sizeof payload[i],
		    "lienlog-fixture-payload-%04" PRIu64, first + i);

		items[i].type = 0;	/* ENTRY_TYPE_OPAQUE */
		items[i].payload = (const uint8_t *)payload[i];
		items[i].len = (size_t)k;
	}
	st = ledger_append_many(l, items, n, rcpt);
	if (st != LIEN_OK)
		die("ledger_append_many", st);
	for (size_t i = 0; i < n; i++) {
		if (rcpt[i].index != first + i) {
			fprintf(stderr, "mkfixtures: unexpected index %" PRIu64
			    "\n", rcpt[i].index);
			exit(1);
		}
	}
	st = ledger_latest_checkpoint(l, &cp, &cp_len);
	if (st != LIEN_OK)
		die("ledger_latest_checkpoint", st);
	write_file(cp_name, cp, cp_len);
	free(cp);
}

static void
write_inclusion(struct ledger_view *v, uint64_t index, uint64_t n,
    const char *name, const char *cp_text)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], leaf[HASH_LEN];
	size_t np;
	enum lien_status st;
	json_t *j;

	st = ledger_view_prove_inclusion(v, index, n, proof, &np);
	if (st != LIEN_OK)
		die("ledger_view_prove_inclusion", st);
	st = ledger_view_leaf_hash(v, index, leaf);
	if (st != LIEN_OK)
		die("ledger_view_leaf_hash", st);
	j = json_object();
	json_object_set_new(j, "index", json_integer((json_int_t)index));
	json_object_set_new(j, "tree_size", json_integer((json_int_t)n));
	json_object_set_new(j, "leaf_hash", hash_json(leaf));
	json_object_set_new(j, "proof", proof_json(proof, np));
	if (cp_text != NULL)
		json_object_set_new(j, "checkpoint", json_string(cp_text));
	write_json(name, j);
}

static void
write_consistency(struct ledger_view *v, uint64_t m, uint64_t n,
    const char *name)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t np;
	enum lien_status st;
	json_t *j;

	st = ledger_view_prove_consistency(v, m, n, proof, &np);
	if (st != LIEN_OK)
		die("ledger_view_prove_consistency", st);
	j = json_object();
	json_object_set_new(j, "old_size", json_integer((json_int_t)m));
	json_object_set_new(j, "tree_size", json_integer((json_int_t)n));
	json_object_set_new(j, "proof", proof_json(proof, np));
	write_json(name, j);
}

static void
write_entry(struct ledger_view *v, uint64_t index, const char *name)
{
	const uint8_t *p;
	size_t len;
	enum lien_status st;

	st = ledger_view_entry(v, index, &p, &len);
	if (st != LIEN_OK)
		die("ledger_view_entry", st);
	write_file(name, p, len);
}

int
main(int argc, char **argv)
{
	struct note_signer *signer;
	struct ledger_config cfg;
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	char store[4096], *cp21 = NULL;
	size_t cp21_len;
	enum lien_status st;

	if (argc != 2) {
		fprintf(stderr, "usage: mkfixtures OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if ((st = lcrypto_init()) != LIEN_OK)
		die("lcrypto_init", st);
	signer = make_key(FIXTURE_ORIGIN, "log.vkey", 1);
	(void)make_key(FIXTURE_ORIGIN, "other.vkey", 0);
	(void)make_key("example.org/some-other-log", "othername.vkey", 0);

	snprintf(store, sizeof store, "%s/store", outdir);
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = store;
	cfg.map_size = 64u << 20;
	cfg.signer = signer;
	if ((st = ledger_open(&cfg, &l)) != LIEN_OK)
		die("ledger_open", st);
	/* Each batch ends with its state-root entry (docs/lien-status.md):
	 * 4 + 1, 11 + 1 and 3 + 1 entries give checkpoints at 5, 17, 21, and
	 * entries 4, 16 and 20 are state roots. */
	append_batch(l, 0, 4, "cp5.note");
	append_batch(l, 5, 11, "cp17.note");
	append_batch(l, 17, 3, "cp21.note");
	if ((st = ledger_latest_checkpoint(l, &cp21, &cp21_len)) != LIEN_OK)
		die("ledger_latest_checkpoint", st);

	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		die("ledger_view_open", st);
	if (ledger_view_size(v) != 21) {
		fprintf(stderr, "mkfixtures: store has %" PRIu64 " entries\n",
		    ledger_view_size(v));
		return 1;
	}
	write_inclusion(v, 3, 21, "incl.json", NULL);
	write_inclusion(v, 0, 5, "incl5.json", NULL);
	write_inclusion(v, 20, 21, "incl_last.json", NULL);
	write_inclusion(v, 3, 21, "receipt.json", cp21);
	write_consistency(v, 5, 21, "cons.json");
	write_consistency(v, 17, 21, "cons17.json");
	write_entry(v, 3, "entry3.bin");
	write_entry(v, 4, "entry4.bin");
	write_entry(v, 20, "entry20.bin");
	ledger_view_close(v);
	ledger_close(l);
	note_signer_free(signer);
	free(cp21);

	/* The audit's default key file lives next to the store's data. */
	{
		char src[4096], buf[1024];
		FILE *f;
		size_t n;

		snprintf(src, sizeof src, "%s/log.vkey", outdir);
		f = fopen(src, "rb");
		if (f == NULL) {
			fprintf(stderr, "mkfixtures: cannot read %s\n", src);
			return 1;
		}
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		write_file("store/log.vkey", buf, n);
	}
	return 0;
}
