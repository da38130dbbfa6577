/*
 * ledger_view_status_proof (ledger/ledger.h): assemble one status proof
 * bundle (tlog/status.h) from a view. Everything comes from the same
 * snapshot, so the map proof, the state-root entry (the snapshot's last
 * leaf: every batch ends with one), its inclusion proof and the
 * checkpoint of exactly that size agree with each other by construction.
 * The caller (registry/status.c) supplies what the ledger cannot know:
 * the identifier and the status record the map's value commits to; the
 * ledger checks that the map agrees before handing the bundle out.
 */
#include "ledger/ledger_int.h"

#include <stdlib.h>
#include <string.h>

#include "tlog/status.h"

enum lien_status
ledger_view_status_proof(struct ledger_view *v, const uint8_t *id,
    size_t id_len, const uint8_t *record, size_t record_len, uint8_t **out,
    size_t *out_len)
{
	struct status_proof *b = NULL;
	struct map_proof *mp = NULL;
	uint8_t key[MAP_KEY_LEN], value[MAP_VALUE_LEN], *menc = NULL;
	uint8_t *buf = NULL;
	char *cp = NULL;
	size_t cp_len = 0, cap;
	uint64_t n = v->size;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (!v->l->statemap)
		return LIEN_EUNSUPPORTED;
	if (n == 0)
		return LIEN_ENOTFOUND;
	if ((record == NULL) != (record_len == 0) ||
	    record_len > STATUS_RECORD_MAX)
		return LIEN_EINVAL;
	if ((st = status_key(id, id_len, key)) != LIEN_OK)
		return st;
	b = calloc(1, sizeof *b);
	mp = malloc(sizeof *mp);
	menc = malloc(MAP_PROOF_MAX);
	if (b == NULL || mp == NULL || menc == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	if ((st = map_txn_prove(v->t, key, mp)) != LIEN_OK)
		goto out;
	/* The caller's record must be what the map holds. */
	st = LIEN_ECORRUPT;
	if ((mp->kind == MAP_PROOF_PRESENT) != (record != NULL))
		goto out;
	if (record != NULL) {
		status_value(record, record_len, value);
		if (memcmp(value, mp->value, MAP_VALUE_LEN) != 0)
			goto out;
	}
	if ((st = map_proof_encode(mp, menc, MAP_PROOF_MAX, &b->map_len)) !=
	    LIEN_OK ||
	    (st = ledger_view_entry(v, n - 1, &b->entry, &b->entry_len)) !=
	    LIEN_OK ||
	    (st = ledger_view_prove_inclusion(v, n - 1, n, b->incl,
	    &b->nincl)) != LIEN_OK ||
	    (st = ledger_view_checkpoint(v, n, &cp, &cp_len)) != LIEN_OK)
		goto out;
	b->id = id;
	b->id_len = id_len;
	b->record = record;
	b->record_len = record_len;
	b->map = menc;
	/* The compact form carries the checkpoint as its body, the log's
	 * signature and the cosignatures (docs/lien-status.md section 7). */
	if ((st = status_proof_set_checkpoint(b, (const uint8_t *)cp,
	    cp_len)) != LIEN_OK) {
		if (st != LIEN_ENOMEM)
			st = LIEN_ECORRUPT;
		goto out;
	}
	cap = status_proof_encoded_max(b);
	if ((buf = malloc(cap)) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	if ((st = status_proof_encode(b, buf, cap, out_len)) != LIEN_OK)
		goto out;
	*out = buf;
	buf = NULL;
out:
	free(buf);
	free(cp);
	free(menc);
	free(mp);
	free(b);
	return st;
}
