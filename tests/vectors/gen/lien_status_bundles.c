/*
 * Generate tests/vectors/lien_status/ bundles (docs/lien-status.md section
 * 12): a real ledger with keys from fixed seeds, status records written by
 * hand in section 3's form, and one bundle per case the specification
 * names -- the empty map, one vehicle, presence, absence (empty node and
 * another leaf), a lien, a restriction, a release, witness cosignatures --
 * plus tampered ones, each with the verdict a verifier must reach, in
 * bundles.json. Entry times come from the clock, so a rerun gives other
 * bytes with the same verdicts; the committed files are the vectors.
 *
 *   build/dev/tests/lien_status_vectors_gen tests/vectors/lien_status
 *
 * The map vectors (map.json) come from tests/interop/lien_status.py
 * mapvectors instead: an independent implementation.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/hex.h"
#include "common/rd.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "registry/ids.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/merkle.h"
#include "tlog/status.h"

#define ORIGIN "vectors.lienlog.example/log"
#define WITNESS "vectors.lienlog.example/witness"
#define OTHER "other.lienlog.example/log"

static const char *outdir;
static FILE *manifest;
static int ncases;

_Noreturn static void
die(const char *what, enum lien_status st)
{
	fprintf(stderr, "lien_status_bundles: %s: %s\n", what,
	    lien_status_message(st));
	exit(1);
}

static void
write_file(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0) {
		fprintf(stderr, "lien_status_bundles: cannot write %s\n", path);
		exit(1);
	}
}

/* "PRIVATE+KEY+<name>+<hex8>+<base64(type || seed)>" from a seed label. */
static char *
skey_of(const char *name, uint8_t type, const char *label,
    struct note_verifier *v)
{
	uint8_t seed[ED25519_SEED_LEN], sk[ED25519_SK_LEN], raw[33];
	char b64[64], *out = malloc(512);
	enum lien_status st;

	hash_sha256(label, strlen(label), seed);
	if ((st = note_keypair_from_seed(name, strlen(name), type, seed, v,
	    sk)) != LIEN_OK)
		die("note_keypair_from_seed", st);
	raw[0] = type;
	memcpy(raw + 1, seed, 32);
	if (b64_encode(raw, 33, b64, sizeof b64) != LIEN_OK)
		die("b64", LIEN_EINVAL);
	snprintf(out, 512, "PRIVATE+KEY+%s+%08" PRIx32 "+%s", name, v->key_id,
	    b64);
	return out;
}

static void
write_vkey(const char *file, const struct note_verifier *v, uint8_t type)
{
	uint8_t raw[33];
	char b64[64], line[512];
	int n;

	raw[0] = type;
	memcpy(raw + 1, v->pk, 32);
	if (b64_encode(raw, 33, b64, sizeof b64) != LIEN_OK)
		die("b64", LIEN_EINVAL);
	n = snprintf(line, sizeof line, "%.*s+%08" PRIx32 "+%s\n",
	    (int)v->name_len, v->name, v->key_id, b64);
	write_file(file, line, (size_t)n);
}

/* A valid VIN from a pattern: position 9 set to the check digit. */
static void
vin_make(const char *pattern, char out[18])
{
	char c;

	memcpy(out, pattern, 17);
	out[17] = '\0';
	if (ids_vin_check_char(out, 17, &c) != LIEN_OK)
		die("vin pattern", LIEN_EINVAL);
	out[8] = c;
}

/* ---- the log ------------------------------------------------------------ */

struct setrec {
	const char *vin;
	const char *record;
};

static enum lien_status LIEN_MUST_CHECK
setrec_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct setrec *r = arg;
	uint8_t key[HASH_LEN], val[HASH_LEN];
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	if (cap < 2)
		return LIEN_ETOOBIG;
	memcpy(out, "{}", 2);
	*out_len = 2;
	if ((rc = status_key((const uint8_t *)r->vin, 17, key)) != LIEN_OK)
		return rc;
	status_value((const uint8_t *)r->record, strlen(r->record), val);
	return ledger_state_map_set(st, key, val);
}

/* One batch setting these records (n may be 0: a plain entry). */
static void
batch(struct ledger *l, struct setrec *r, size_t n)
{
	struct ledger_item it[32];
	struct ledger_receipt rc[32];

	memset(it, 0, sizeof it);
	if (n == 0) {
		it[0].type = 1;
		it[0].payload = (const uint8_t *)"{}";
		it[0].len = 2;
		n = 1;
	} else {
		for (size_t i = 0; i < n; i++) {
			it[i].type = 1;
			it[i].build = setrec_build;
			it[i].arg = &r[i];
		}
	}
	if (ledger_append_many(l, it, n, rc) != LIEN_OK)
		die("append", LIEN_EIO);
}

static uint8_t *
bundle_now(struct ledger *l, const char *vin, const char *record,
    size_t *len)
{
	struct ledger_view *v;
	uint8_t *b;
	enum lien_status st;

	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		die("view", st);
	st = ledger_view_status_proof(v, (const uint8_t *)vin, 17,
	    (const uint8_t *)record, record ? strlen(record) : 0, &b, len);
	ledger_view_close(v);
	if (st != LIEN_OK)
		die("status proof", st);
	return b;
}

static uint64_t
state_time(const uint8_t *b, size_t len)
{
	struct status_proof p;
	struct entry e;

	if (status_proof_decode(b, len, &p) != LIEN_OK ||
	    entry_decode(p.entry, p.entry_len, &e) != LIEN_OK)
		die("decode", LIEN_EPARSE);
	return e.time_ms;
}

/* Write a bundle file and its manifest line. */
static void
emit(const char *file, const uint8_t *b, size_t len, const char *vin,
    const char *expect, const char *status, const char *extra)
{
	write_file(file, b, len);
	fprintf(manifest, "%s  {\"file\":\"%s\",\"vin\":\"%s\",\"vkey\":"
	    "\"log.vkey\",\"expect\":\"%s\"%s%s%s%s%s}", ncases++ ? ",\n" : "",
	    file, vin, expect, status ? ",\"status\":\"" : "",
	    status ? status : "", status ? "\"" : "", extra ? "," : "",
	    extra ? extra : "");
}

/* Decode, change, re-encode. */
static uint8_t *
tamper(const uint8_t *b, size_t len, struct status_proof *p, size_t *out_len)
{
	uint8_t *o = malloc(STATUS_PROOF_MAX);

	(void)b;
	(void)len;
	if (o == NULL || status_proof_encode(p, o, STATUS_PROOF_MAX,
	    out_len) != LIEN_OK)
		die("encode", LIEN_EINVAL);
	return o;
}

/* A tree larger than 2^53 seen through synthetic subtree hashes: only
 * the last leaf, big_leaf, is a real entry. */
#define BIG_N ((UINT64_C(1) << 53) + 3)
static uint8_t big_leaf[HASH_LEN];

static enum lien_status LIEN_MUST_CHECK
big_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	uint8_t in[9];

	(void)ctx;
	if (level == 0 && index == BIG_N - 1) {
		memcpy(out, big_leaf, HASH_LEN);
		return LIEN_OK;
	}
	in[0] = (uint8_t)level;
	be64_put(in + 1, index);
	hash_sha256(in, sizeof in, out);
	return LIEN_OK;
}

#define FULLER(x) "\"fuller\":\"" x x x x x x x x "\""
#define F0 "00000000"
#define F1 "5a5a5a5a"

int
main(int argc, char **argv)
{
	struct note_verifier lv, wv, ov;
	struct note_signer *signer, *osign;
	struct cosig_signer *ws;
	struct ledger_config cfg;
	struct ledger *l;
	char *lsk, *wsk, *osk, dir[4096], vin_a[18], vin_b[18], vin_c[18],
	    vin_d[18], vin_x[18], vins[20][18], recs[20][200];
	struct setrec many[20];
	uint8_t *b, *t;
	size_t len, tlen;
	char extra[256];
	struct status_proof *p = malloc(sizeof *p);
	enum lien_status st;

	static const char rec_a0[] = "{" FULLER(F0) ",\"liens\":[],"
	    "\"recorded_index\":1,\"recorded_ms\":1767225601000,"
	    "\"released\":[],\"restrictions\":[]}";
	static const char rec_a1[] = "{" FULLER(F1) ",\"liens\":[{\"app\":"
	    "\"A0000000000000021\",\"rank\":1,\"registered_index\":35,"
	    "\"registered_ms\":1767225635000}],\"recorded_index\":1,"
	    "\"recorded_ms\":1767225601000,\"released\":[],"
	    "\"restrictions\":[]}";
	static const char rec_a2[] = "{" FULLER(F1) ",\"liens\":[],"
	    "\"recorded_index\":1,\"recorded_ms\":1767225601000,\"released\":"
	    "[{\"app\":\"A0000000000000021\",\"registered_index\":35,"
	    "\"registered_ms\":1767225635000,\"released_index\":40,"
	    "\"released_ms\":1767225640000}],\"restrictions\":[]}";
	static const char rec_c[] = "{" FULLER(F1) ",\"liens\":[],"
	    "\"recorded_index\":3,\"recorded_ms\":1767225603000,"
	    "\"released\":[],\"restrictions\":[{\"index\":37,\"kind\":"
	    "\"seized\",\"since_ms\":1767225637000}]}";

	if (argc != 2 || p == NULL) {
		fprintf(stderr, "usage: lien_status_bundles OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if ((st = lcrypto_init()) != LIEN_OK)
		die("init", st);
	lsk = skey_of(ORIGIN, NOTE_KEY_ED25519, "lienlog status vectors log",
	    &lv);
	wsk = skey_of(WITNESS, NOTE_KEY_COSIG_V1,
	    "lienlog status vectors witness", &wv);
	osk = skey_of(OTHER, NOTE_KEY_ED25519, "lienlog status vectors other",
	    &ov);
	if (note_signer_parse(lsk, strlen(lsk), &signer) != LIEN_OK ||
	    note_signer_parse(osk, strlen(osk), &osign) != LIEN_OK ||
	    cosig_signer_parse(wsk, strlen(wsk), &ws) != LIEN_OK)
		die("signer", LIEN_EKEY);
	write_vkey("log.vkey", &lv, NOTE_KEY_ED25519);
	write_vkey("witness.vkey", &wv, NOTE_KEY_COSIG_V1);
	write_vkey("other.vkey", &ov, NOTE_KEY_ED25519);
	vin_make("LSJA24U60JG269225", vin_a);
	vin_make("LBV5S3100ESJ25655", vin_b);
	vin_make("1M8GDM9A0KP042788", vin_c);
	vin_make("LFV3A23C0K3012345", vin_d);
	vin_make("LGBH12E20DY100001", vin_x);
	snprintf(dir, sizeof dir, "/tmp/lien-status-vectors-XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", LIEN_EIO);
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.signer = signer;
	if ((st = ledger_open(&cfg, &l)) != LIEN_OK)
		die("ledger_open", st);
	{
		char path[4096];

		snprintf(path, sizeof path, "%s/bundles.json", outdir);
		if ((manifest = fopen(path, "w")) == NULL)
			die("bundles.json", LIEN_EIO);
	}
	fprintf(manifest, "{\"generated_by\":\"tests/vectors/gen/"
	    "lien_status_bundles.c\",\"origin\":\"" ORIGIN "\",\"cases\":[\n");

	/* The empty map: a batch that changes no vehicle. */
	batch(l, NULL, 0);
	b = bundle_now(l, vin_x, NULL, &len);
	emit("empty_map_absent.bin", b, len, vin_x, "ok", "no_record", NULL);
	free(b);
	/* One vehicle: its leaf is the root. */
	{
		struct setrec r = { vin_a, rec_a0 };

		batch(l, &r, 1);
	}
	b = bundle_now(l, vin_a, rec_a0, &len);
	emit("one_vehicle_present.bin", b, len, vin_a, "ok", "clear", NULL);
	free(b);
	b = bundle_now(l, vin_b, NULL, &len);
	emit("one_vehicle_absent.bin", b, len, vin_b, "ok", "no_record", NULL);
	free(b);
	/* Twenty vehicles more, A under a lien, C seized. */
	for (int i = 0; i < 18; i++) {
		char pat[18];

		snprintf(pat, sizeof pat, "LHGCM82600A%06d", 4000 + i);
		vin_make(pat, vins[i]);
		snprintf(recs[i], sizeof recs[i], "{" FULLER(F0) ",\"liens\":[],"
		    "\"recorded_index\":%d,\"recorded_ms\":%d,\"released\":[],"
		    "\"restrictions\":[]}", 10 + i, 1000 + i);
		many[i].vin = vins[i];
		many[i].record = recs[i];
	}
	many[18].vin = vin_a;
	many[18].record = rec_a1;
	many[19].vin = vin_c;
	many[19].record = rec_c;
	batch(l, many, 20);
	{
		uint8_t *old;
		size_t old_len;
		char *cp_mid = NULL;
		size_t cp_mid_len;

		old = bundle_now(l, vin_a, rec_a1, &old_len);
		emit("lien_present.bin", old, old_len, vin_a, "ok",
		    "under_lien", NULL);
		b = bundle_now(l, vin_c, rec_c, &len);
		emit("restricted_present.bin", b, len, vin_c, "ok",
		    "restricted", NULL);
		free(b);
		b = bundle_now(l, vin_d, NULL, &len);
		emit("absent.bin", b, len, vin_d, "ok", "no_record", NULL);
		/* absent proofs of both kinds: which one this is depends on
		 * the keys; the manifest records the kind for readers */
		free(b);
		if (ledger_latest_checkpoint(l, &cp_mid, &cp_mid_len) != LIEN_OK)
			die("checkpoint", LIEN_EIO);
		/* The release: A's lien ends. */
		{
			struct setrec r = { vin_a, rec_a2 };

			batch(l, &r, 1);
		}
		b = bundle_now(l, vin_a, rec_a2, &len);
		emit("released_present.bin", b, len, vin_a, "ok", "clear",
		    NULL);
		{
			char *cp;
			size_t cp_len;

			if (ledger_latest_checkpoint(l, &cp, &cp_len) != LIEN_OK)
				die("checkpoint", LIEN_EIO);
			write_file("newer.note", cp, cp_len);
			free(cp);
		}
		write_file("older.note", cp_mid, cp_mid_len);
		/* The lien proof, checked against the later checkpoint:
		 * it proves the past. Against the older one: fine. */
		emit("lien_present_stale.bin", old, old_len, vin_a, "stale",
		    NULL, "\"newer\":\"newer.note\"");
		emit("lien_present_older_trusted.bin", old, old_len, vin_a, "ok",
		    "under_lien", "\"newer\":\"older.note\"");
		/* Too old: a day and a second after its state, with a
		 * maximum age of one day. */
		snprintf(extra, sizeof extra, "\"now_ms\":%" PRIu64 ","
		    "\"max_age_ms\":86400000", state_time(b, len) + 86401000);
		emit("released_too_old.bin", b, len, vin_a, "too_old", NULL,
		    extra);
		snprintf(extra, sizeof extra, "\"now_ms\":%" PRIu64 ","
		    "\"max_age_ms\":86400000", state_time(b, len) + 86399000);
		emit("released_young_enough.bin", b, len, vin_a, "ok", "clear",
		    extra);
		/* Another vehicle's proof asked as A's. */
		emit("wrong_vehicle.bin", b, len, vin_b, "wrong_vehicle", NULL,
		    NULL);
		/* Tampered: the record, the map proof, the entry. */
		if (status_proof_decode(b, len, p) != LIEN_OK)
			die("decode", LIEN_EPARSE);
		{
			char rec[sizeof rec_a2];

			memcpy(rec, rec_a2, sizeof rec_a2);
			/* a digit of the release time: still canonical */
			rec[strstr(rec, "\"released_ms\":") - rec + 16] ^= 1;
			p->record = (const uint8_t *)rec;
			t = tamper(b, len, p, &tlen);
			emit("tampered_record.bin", t, tlen, vin_a,
			    "record_mismatch", NULL, NULL);
			free(t);
		}
		if (status_proof_decode(b, len, p) != LIEN_OK)
			die("decode", LIEN_EPARSE);
		{
			struct map_proof *mp = malloc(sizeof *mp);
			uint8_t *menc = malloc(MAP_PROOF_MAX), tmp[HASH_LEN];
			size_t ml;
			unsigned i = 0, j;

			if (mp == NULL || menc == NULL ||
			    map_proof_decode(p->map, p->map_len, mp) != LIEN_OK)
				die("map decode", LIEN_EPARSE);
			for (j = 1; j < mp->depth; j++)
				if (memcmp(mp->sib[i], mp->sib[j], HASH_LEN) != 0)
					break;
			if (j >= mp->depth)
				die("map proof too shallow to swap", LIEN_EINVAL);
			memcpy(tmp, mp->sib[i], HASH_LEN);
			memcpy(mp->sib[i], mp->sib[j], HASH_LEN);
			memcpy(mp->sib[j], tmp, HASH_LEN);
			if (map_proof_encode(mp, menc, MAP_PROOF_MAX, &ml) !=
			    LIEN_OK)
				die("map encode", LIEN_EINVAL);
			p->map = menc;
			p->map_len = ml;
			t = tamper(b, len, p, &tlen);
			emit("swapped_map_siblings.bin", t, tlen, vin_a,
			    "map_proof", NULL, NULL);
			free(t);
			free(menc);
			free(mp);
		}
		/* The state root of an earlier batch, included in this tree:
		 * not its last leaf. */
		if (status_proof_decode(b, len, p) != LIEN_OK)
			die("decode", LIEN_EPARSE);
		{
			struct ledger_view *v;
			const uint8_t *e;
			size_t elen;
			uint64_t n;

			if (ledger_view_open(l, &v) != LIEN_OK)
				die("view", LIEN_EIO);
			n = ledger_view_size(v);
			/* entry 3 ends the second batch */
			if (ledger_view_entry(v, 3, &e, &elen) != LIEN_OK ||
			    ledger_view_prove_inclusion(v, 3, n, p->incl,
			    &p->nincl) != LIEN_OK)
				die("old state root", LIEN_EIO);
			p->entry = e;
			p->entry_len = elen;
			t = tamper(b, len, p, &tlen);
			emit("state_root_not_last.bin", t, tlen, vin_a,
			    "not_last_leaf", NULL, NULL);
			free(t);
			ledger_view_close(v);
		}
		/* A checkpoint of another log (origin and key). */
		if (status_proof_decode(b, len, p) != LIEN_OK)
			die("decode", LIEN_EPARSE);
		{
			struct checkpoint cp;
			char body[512], *note;
			size_t body_len, note_len;

			if (checkpoint_parse(p->body, p->body_len, &cp) !=
			    LIEN_OK)
				die("checkpoint", LIEN_EPARSE);
			if (checkpoint_format(OTHER, strlen(OTHER), cp.size,
			    cp.root, body, sizeof body, &body_len) != LIEN_OK ||
			    note_sign(osign, (const uint8_t *)body, body_len,
			    &note, &note_len) != LIEN_OK)
				die("other note", LIEN_ECRYPTO);
			if (status_proof_set_checkpoint(p,
			    (const uint8_t *)note, note_len) != LIEN_OK)
				die("other note", LIEN_EPARSE);
			t = tamper(b, len, p, &tlen);
			emit("other_origin.bin", t, tlen, vin_a,
			    "bad_checkpoint", NULL, NULL);
			free(t);
			free(note);
		}
		emit("truncated.bin", b, len - 1, vin_a, "malformed", NULL,
		    NULL);
		{
			/* version 2 has no room after the cosignatures */
			uint8_t *tb = malloc(len + 1);

			if (tb == NULL)
				die("trailing", LIEN_ENOMEM);
			memcpy(tb, b, len);
			tb[len] = 0;
			emit("trailing_byte.bin", tb, len + 1, vin_a,
			    "malformed", NULL, NULL);
			free(tb);
		}
		free(old);
		free(cp_mid);
		free(b);
	}
	/* A witness cosigns the latest checkpoint. */
	{
		struct ledger_view *v;
		char *note, line[COSIG_LINE_MAX];
		size_t nl, body_len, ll;
		uint64_t n;

		if (ledger_view_open(l, &v) != LIEN_OK)
			die("view", LIEN_EIO);
		n = ledger_view_size(v);
		if (ledger_view_checkpoint(v, n, &note, &nl) != LIEN_OK)
			die("checkpoint", LIEN_EIO);
		ledger_view_close(v);
		body_len = (size_t)(strstr(note, "\n\n") - note) + 1;
		if (cosig_sign_line(ws, (const uint8_t *)note, body_len,
		    1767225700, line, sizeof line, &ll) != LIEN_OK ||
		    ledger_checkpoint_add_cosigs(l, n, line, ll) != LIEN_OK)
			die("cosign", LIEN_ECRYPTO);
		free(note);
		b = bundle_now(l, vin_a, rec_a2, &len);
		emit("cosigned.bin", b, len, vin_a, "ok", "clear",
		    "\"witnesses\":[\"witness.vkey\"],\"quorum\":1");
		free(b);
		b = bundle_now(l, vin_c, rec_c, &len);
		emit("cosigned_restricted.bin", b, len, vin_c, "ok",
		    "restricted", "\"witnesses\":[\"witness.vkey\"],"
		    "\"quorum\":1");
		/* the cosignature's last byte (its Ed25519 signature) flipped:
		 * the witness does not count */
		b[len - 1] ^= 1;
		emit("tampered_cosignature.bin", b, len, vin_c,
		    "witness_quorum", NULL, "\"witnesses\":[\"witness.vkey\"],"
		    "\"quorum\":1");
		free(b);
	}
	/* No cosignature, but the policy asks for one. */
	{
		struct setrec r = { vin_b, rec_a0 };

		batch(l, &r, 1);
	}
	b = bundle_now(l, vin_a, rec_a2, &len);
	emit("not_cosigned.bin", b, len, vin_a, "witness_quorum", NULL,
	    "\"witnesses\":[\"witness.vkey\"],\"quorum\":1");
	free(b);
	/* A tree of BIG_N entries, more than 2^53 (JavaScript's exact
	 * integers): A's released record under a state root that is entry
	 * BIG_N - 1, proven the last leaf of a checkpoint of size BIG_N. */
	b = bundle_now(l, vin_a, rec_a2, &len);
	if (status_proof_decode(b, len, p) != LIEN_OK)
		die("decode", LIEN_EPARSE);
	{
		struct merkle_source src = { big_node, NULL };
		struct entry e;
		uint8_t ebuf[ENTRY_HEADER_LEN + 64], pay[49], root[HASH_LEN];
		char body[256], *note;
		size_t elen, blen, nlen;

		if (entry_decode(p->entry, p->entry_len, &e) != LIEN_OK ||
		    e.payload_len != sizeof pay)
			die("state root", LIEN_EPARSE);
		memcpy(pay, e.payload, sizeof pay);
		be64_put(pay + 41, BIG_N);
		e.index = BIG_N - 1;
		e.payload = pay;
		if (entry_encode(&e, ebuf, sizeof ebuf, &elen) != LIEN_OK)
			die("entry", LIEN_EINVAL);
		hash_leaf(ebuf, elen, big_leaf);
		if (merkle_prove_inclusion(&src, BIG_N - 1, BIG_N, p->incl,
		    &p->nincl) != LIEN_OK || merkle_root(&src, BIG_N, root) !=
		    LIEN_OK || checkpoint_format(ORIGIN, strlen(ORIGIN), BIG_N,
		    root, body, sizeof body, &blen) != LIEN_OK ||
		    note_sign(signer, (const uint8_t *)body, blen, &note,
		    &nlen) != LIEN_OK)
			die("large tree", LIEN_EINVAL);
		p->entry = ebuf;
		p->entry_len = elen;
		if (status_proof_set_checkpoint(p, (const uint8_t *)note,
		    nlen) != LIEN_OK)
			die("checkpoint", LIEN_EPARSE);
		t = tamper(b, len, p, &tlen);
		emit("large_tree.bin", t, tlen, vin_a, "ok", "clear", NULL);
		free(t);
		free(note);
	}
	free(b);
	fprintf(manifest, "\n]}\n");
	fclose(manifest);
	ledger_close(l);
	{
		char cmd[4200];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			die("rm", LIEN_EIO);
	}
	note_signer_free(signer);
	note_signer_free(osign);
	cosig_signer_free(ws);
	free(lsk);
	free(wsk);
	free(osk);
	free(p);
	printf("%d bundles in %s\n", ncases, outdir);
	return 0;
}
