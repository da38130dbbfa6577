/*
 * Ordered access to derived state inside a write transaction: the first
 * record at or after a key. The registry keeps time-ordered indexes (nonce
 * and window expiry, per-minute counters) whose oldest records it must
 * find without knowing their exact keys; a cursor seek is the one LMDB
 * operation that does this. Lives beside log.c's ledger_state_get/put/del
 * and, like them, goes through store.h only.
 */
#include "ledger/ledger_int.h"

enum lien_status
ledger_state_seek(struct ledger_state *st, enum ledger_table tb,
    const void *from, size_t from_len, const uint8_t **key, size_t *key_len,
    const uint8_t **val, size_t *val_len)
{
	struct store_cursor *c;
	enum lien_status rc;

	if ((unsigned)tb >= LEDGER_T_COUNT || st == NULL)
		return LIEN_EINVAL;
	if (vstate_is(tb))	/* through the pointers (vehicle_state.c) */
		return vstate_seek(st->t, tb, from, from_len, st->vkey, key,
		    key_len, val, val_len);
	if ((rc = store_cursor_open(st->t,
	    (enum store_table)(STORE_STATE0 + (int)tb), &c)) != LIEN_OK)
		return rc;
	/* Key and value point into the transaction's pages: they stay valid
	 * after the cursor closes, until the next write. */
	rc = store_cursor_seek(c, from_len ? from : NULL, from_len, key,
	    key_len, val, val_len);
	store_cursor_close(c);
	/* In a compact scratch's digest table the value is the digest: the
	 * seeks (expiry from the front, "is the state empty") use the keys
	 * only, and the store may have dropped a record that the replay
	 * still holds (an Idempotency-Key the replay expires later). */
	return rc;
}
