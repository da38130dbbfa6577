/*
 * Ordered access to the stored checkpoints: the first checkpoint signed at
 * a tree size >= a given size. Every sequencer batch signs one checkpoint,
 * so sizes that have one are sparse and not predictable; the witness
 * publisher (witness/publisher.c) uses this at start-up to find the
 * latest checkpoint that already carries a quorum of cosignatures, by
 * walking forward from a point shortly before the tree's end. A cursor
 * seek is the one LMDB operation that does this; like state_seek.c it
 * lives beside log.c and goes through store.h only.
 */
#include "common/rd.h"
#include "ledger/ledger_int.h"

enum lien_status
ledger_view_checkpoint_next(struct ledger_view *v, uint64_t from,
    uint64_t *out_size, size_t *out_nlines)
{
	struct store_cursor *c;
	const uint8_t *k, *val;
	size_t k_len, val_len;
	uint8_t key[8];
	enum lien_status rc;

	*out_size = 0;
	if (out_nlines != NULL)
		*out_nlines = 0;
	if (v == NULL)
		return LIEN_EINVAL;
	if (from == 0)
		from = 1;	/* no checkpoint is signed at size 0 */
	if (from > v->size)
		return LIEN_ENOTFOUND;
	if ((rc = store_cursor_open(v->t, STORE_CHECKPOINTS, &c)) != LIEN_OK)
		return rc;
	be64_put(key, from);
	rc = store_cursor_seek(c, key, sizeof(key), &k, &k_len, &val,
	    &val_len);
	store_cursor_close(c);
	if (rc != LIEN_OK)
		return rc;
	if (k_len != 8) {
		rc = LIEN_ECORRUPT;
	} else if (be64_get(k) > v->size) {
		/* Written after this snapshot's size: not in the view. */
		rc = LIEN_ENOTFOUND;
	} else {
		*out_size = be64_get(k);
		if (out_nlines != NULL) {
			size_t n = 0;

			for (size_t i = 0; i < val_len; i++)
				n += val[i] == '\n';
			*out_nlines = n;
		}
	}
	return rc;
}
