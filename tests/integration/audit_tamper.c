/*
 * audit_tamper: play someone who edits a store behind the log's back, for
 * integration.audit_resume (tests/integration/test_audit_resume.py). The
 * store must not be open elsewhere. Nothing is re-signed or re-hashed:
 *   audit_tamper entry DIR INDEX   change one byte of entry INDEX (in the
 *                                  tail, or inside its bundle, whose
 *                                  later prevs are made again and which
 *                                  is stored again as the log stores it)
 *   audit_tamper state DIR         change one byte of the newest
 *                                  application record (the largest key of
 *                                  the apps table: ids grow with the index)
 *   audit_tamper map DIR           change one hash byte of a live status
 *                                  map tile below the root (the root's
 *                                  first child, docs/storage.md "Status
 *                                  map: map tiles")
 * Exit 0 once the change is committed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rd.h"
#include "ledger/ledger.h"
#include "ledger/map_store.h"
#include "crypto/hash.h"
#include "ledger/bundle.h"
#include "ledger/store.h"

#define TILE_W 256u

static int
put_flipped(struct store_txn *t, enum store_table tb, const uint8_t *k,
    size_t kl, const uint8_t *v, size_t vl, size_t at)
{
	uint8_t *key = malloc(kl), *val = malloc(vl);
	int rc = 1;

	if (key != NULL && val != NULL && at < vl) {
		memcpy(key, k, kl);
		memcpy(val, v, vl);
		/* a digit stays a digit, a letter a letter: the entry still
		 * decodes, only its bytes differ */
		val[at] = val[at] == '1' ? '2' : val[at] == 'a' ? 'b' :
		    (uint8_t)(val[at] ^ 1u);
		rc = store_put(t, tb, key, kl, val, vl, 0) != LIEN_OK;
	}
	free(key);
	free(val);
	return rc;
}

/* Entry k of the stored bundle (v, vl) under key changed in the bundle's
 * body, the prevs after it made again from the changed entries (as a
 * forger would, ledger/bundle.h: a reader puts the prevs back from the
 * entries), and the bundle stored again the way the log stores it. */
static int
tamper_bundle(struct store_txn *t, const uint8_t key[8], const uint8_t *v,
    size_t vl, unsigned k)
{
	struct bundle_read br;
	uint8_t *body = NULL, *out = NULL, leaf[HASH_LEN];
	size_t blen, ocap = 0, olen, off[TILE_W], len[TILE_W];
	const uint8_t *b;
	struct rd r;
	int rc = 1;

	memset(&br, 0, sizeof br);
	if (bundle_read_begin(&br, 0, v, vl) != LIEN_OK ||
	    bundle_read_body(&br, &b, &blen) != LIEN_OK ||
	    (body = malloc(blen)) == NULL)
		goto out;
	memcpy(body, b, blen);
	rd_init(&r, body, blen);
	for (unsigned j = 0; j < TILE_W; j++) {
		uint16_t el;
		const uint8_t *p;

		if (rd_u16be(&r, &el) != LIEN_OK || rd_take(&r, el, &p) !=
		    LIEN_OK || el < 51)
			goto out;
		off[j] = (size_t)(p - body);
		len[j] = el;
	}
	{
		size_t at = off[k] + len[k] - 3;

		body[at] = body[at] == '1' ? '2' : body[at] == 'a' ? 'b' :
		    (uint8_t)(body[at] ^ 1u);
	}
	for (unsigned j = k + 1; j < TILE_W; j++) {
		hash_leaf(body + off[j - 1], len[j - 1], leaf);
		memcpy(body + off[j] + 19, leaf, HASH_LEN);
	}
	if (bundle_store(body, blen, &out, &ocap, &olen) != LIEN_OK)
		goto out;
	rc = store_put(t, STORE_BUNDLES, key, 8, out, olen, 0) != LIEN_OK;
out:
	bundle_read_clear(&br);
	free(body);
	free(out);
	return rc;
}

static int
tamper_entry(struct store_txn *t, uint64_t index)
{
	uint8_t key[8];
	const uint8_t *v;
	size_t vl;

	be64_put(key, index);
	if (store_get(t, STORE_TAIL, key, 8, &v, &vl) == LIEN_OK)
		return put_flipped(t, STORE_TAIL, key, 8, v, vl, vl - 3);
	be64_put(key, index / TILE_W);
	if (store_get(t, STORE_BUNDLES, key, 8, &v, &vl) != LIEN_OK)
		return 1;
	return tamper_bundle(t, key, v, vl, (unsigned)(index % TILE_W));
}

static int
tamper_state(struct store_txn *t)
{
	struct store_cursor *c;
	const uint8_t *k, *v, *lk = NULL, *lv = NULL;
	size_t kl, vl, lkl = 0, lvl = 0;
	enum lien_status st;
	int rc;

	if (store_cursor_open(t, (enum store_table)(STORE_STATE0 +
	    LEDGER_T_APPS), &c) != LIEN_OK)
		return 1;
	for (st = store_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl);
	    st == LIEN_OK; st = store_cursor_next(c, &k, &kl, &v, &vl)) {
		lk = k;
		lkl = kl;
		lv = v;
		lvl = vl;
	}
	/* flip a byte of the record's middle (inside its JSON) */
	rc = lk == NULL ? 1 : put_flipped(t, (enum store_table)(STORE_STATE0 +
	    LEDGER_T_APPS), lk, lkl, lv, lvl, lvl / 2);
	store_cursor_close(c);
	return rc;
}

static int
tamper_map(struct store_txn *t)
{
	uint8_t k[11];
	const uint8_t *v;
	size_t vl, body;
	unsigned present, leaves, children, n;

	/* the meta record: root generation first */
	if (store_get(t, STORE_META, "maptiles", 8, &v, &vl) != LIEN_OK ||
	    vl != 32)
		return 1;
	memcpy(k, v, 8);
	k[8] = 0;			/* the root tile: stratum 0 */
	if (store_get(t, STORE_MAP, k, 9, &v, &vl) != LIEN_OK || vl < 6)
		return 1;
	present = (unsigned)v[0] << 8 | v[1];
	leaves = (unsigned)v[2] << 8 | v[3];
	/* store v24: no hash for an interior node of the bottom row */
	body = 4u + 32u * (unsigned)(__builtin_popcount(present &
	    ~(present & ~leaves & MAP_TILE_BOTTOM)) +
	    __builtin_popcount(leaves));
	if (vl < body + 10)
		return 1;
	children = (unsigned)v[body] << 8 | v[body + 1];
	if (children == 0)
		return 1;
	for (n = 0; !(children & (1u << n)); n++)
		;
	memcpy(k, v + body + 2, 8);	/* its generation */
	k[8] = 1;			/* stratum 1: the byte 1, the nibble */
	k[9] = (uint8_t)(n << 4);
	if (store_get(t, STORE_MAP, k, 10, &v, &vl) != LIEN_OK || vl < 6)
		return 1;
	return put_flipped(t, STORE_MAP, k, 10, v, vl, 4);
}

int
main(int argc, char **argv)
{
	struct store *s = NULL;
	struct store_txn *t = NULL;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "entry") == 0 && argc != 4) ||
	    (strcmp(argv[1], "state") == 0 && argc != 3) ||
	    (strcmp(argv[1], "map") == 0 && argc != 3)) {
		fprintf(stderr, "usage: audit_tamper entry DIR INDEX | "
		    "state DIR | map DIR\n");
		return 2;
	}
	if (store_open(argv[2], 0, 0, 0, &s) != LIEN_OK ||
	    store_txn_begin(s, 1, &t) != LIEN_OK) {
		fprintf(stderr, "audit_tamper: cannot open %s\n", argv[2]);
		store_close(s);
		return 1;
	}
	if (strcmp(argv[1], "entry") == 0)
		rc = tamper_entry(t, strtoull(argv[3], NULL, 10));
	else if (strcmp(argv[1], "map") == 0)
		rc = tamper_map(t);
	else
		rc = tamper_state(t);
	if (rc != 0) {
		store_txn_abort(t);
		fprintf(stderr, "audit_tamper: nothing to change\n");
	} else if (store_txn_commit(t) != LIEN_OK) {
		rc = 1;
		fprintf(stderr, "audit_tamper: commit failed\n");
	}
	store_close(s);
	return rc;
}
