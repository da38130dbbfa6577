/*
 * The vehicle tables: one small pointer record per vehicle on the random
 * side, the records themselves appended (store format v10,
 * docs/storage.md "Where the bytes go").
 *
 * Vehicles are the one kind of state that must stay keyed at random (the
 * vehicle key is a SHA-256 of the VIN), and every registration rewrites
 * its vehicle's records. Kept under the vehicle key, the public vehicle
 * record (~380 bytes) and the vehicle's private record (~170 bytes) made
 * the random leaves that every batch dirties: the hot set grows with the
 * number of vehicles times their records' size. Here the random table
 * `vehicles` holds only
 *
 *   vehicle key (32 bytes, binary) -> be64 public seq || be64 private seq
 *                                       || be64 window seq
 *
 * (seq 0: no such record; the window is the vehicle's recent mortgage
 * applications, LEDGER_T_VWINDOW), and the records live in `vrecords`
 * under
 *
 *   be64 seq -> the record's bytes
 *
 * where seq is one more than the table's last key, so every new record
 * is appended (MDB_APPEND: full leaves, and one batch's records share
 * its last pages). A record the vehicle has is rewritten where it lies,
 * under its seq (vstate_put, vstate_replace): the write lands on the
 * record's page in `vrecords`, which the delete of a moving record
 * wrote anyway, and the pointer record is not written. The pointer, a
 * random page of `vehicles` with a branch page per level above it (so
 * its cost grows with the number of vehicles: README "Growth"), is
 * written only when a vehicle gains or loses a record: up to store v26
 * every rewrite appended the new record, deleted the old one and
 * rewrote the pointer, about one random pointer write per entry. A
 * record is written in a slot with room to grow into (the slotted format,
 * ledger/store.h store_put_room; vroom below), so a rewrite within it
 * does not split its page; one that outgrows it splits that page, as
 * any update does; it is never moved to the end.
 *
 * A vehicle's window slot is reserved when its pointer record is made
 * (store v28): the first record a vehicle gets (its registration's
 * public record) is appended with an empty record after it, whose seq
 * the pointer names as the window's. Its first mortgage application,
 * mostly in a later commit, then writes the window where that empty
 * record lies (a page of `vrecords` written days before, with room for
 * a window's ~30 bytes on average: an appended page is left with about
 * half a record free) instead of the pointer record: one random write
 * per new vehicle fewer, a leaf and, at 10^7 entries, two or three
 * branch pages. A zero-length record in `vrecords` is no record to
 * every reader (vstate_deref): the public and private records are never
 * empty, and an empty window was no window to the registry before
 * (registry/state.c window_rewrite), so a window pruned to nothing
 * reads as none here too. It costs 18 bytes per vehicle (an empty
 * record's node in `vrecords`) until the window comes.
 *
 * Callers do not see any of this: LEDGER_T_VEHICLES, LEDGER_T_VPRIVATE
 * and LEDGER_T_VWINDOW are get/put/del/scan by the 64 lowercase hex
 * digits of the vehicle key with the record as value, exactly as before. The seqs are not state:
 * the public replay writes only the public records, so its seqs differ
 * from the store's, and the audit compares these tables through their
 * pointers (ledger/replay.c), record for record by vehicle key.
 */
#include "ledger/ledger_int.h"

#include <string.h>

#include "common/hex.h"
#include "common/rd.h"

#define VKEY_LEN 32u		/* the vehicle key, binary */
#define VPTR_LEN 24u		/* public, private and window seqs */

static const enum store_table vptr_table =
    (enum store_table)(STORE_STATE0 + (int)LEDGER_T_VEHICLES);
/* the records of all three tables */
static const enum store_table vrec_table =
    (enum store_table)(STORE_STATE0 + (int)LEDGER_T_VPRIVATE);

int
vstate_is(enum ledger_table tb)
{
	return tb == LEDGER_T_VEHICLES || tb == LEDGER_T_VPRIVATE ||
	    tb == LEDGER_T_VWINDOW;
}

enum store_table
vstate_index_table(void)
{
	return vptr_table;
}

static unsigned
vslot(enum ledger_table tb)
{
	return tb == LEDGER_T_VEHICLES ? 0u : tb == LEDGER_T_VPRIVATE ? 8u :
	    16u;
}

/* The binary key of a logical one: exactly 64 lowercase hex digits. */
static int
vkey(const void *key, size_t key_len, uint8_t out[VKEY_LEN])
{
	return key != NULL && key_len == 2 * VKEY_LEN &&
	    hex_decode(key, key_len, out, VKEY_LEN) == LIEN_OK;
}

enum lien_status
vstate_deref(struct store_txn *t, enum ledger_table tb, const uint8_t *ptr,
    size_t ptr_len, const uint8_t **val, size_t *val_len)
{
	uint8_t k[8];
	uint64_t seq;
	enum lien_status st;

	if (ptr_len != VPTR_LEN)
		return LIEN_ECORRUPT;
	if ((seq = be64_get(ptr + vslot(tb))) == 0)
		return LIEN_ENOTFOUND;
	be64_put(k, seq);
	st = store_get(t, vrec_table, k, sizeof k, val, val_len);
	if (st == LIEN_OK && *val_len == 0)
		return LIEN_ENOTFOUND;	/* a reserved slot (above) */
	return st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
}

/* vstate_get_memo with a memo of its own: one pointer read per call. */
enum lien_status
vstate_get(struct store_txn *t, enum ledger_table tb, const void *key,
    size_t key_len, const uint8_t **val, size_t *val_len)
{
	struct vstate_memo m = { 0 };

	return vstate_get_memo(t, &m, tb, key, key_len, val, val_len);
}

enum lien_status
vstate_get_memo(struct store_txn *t, struct vstate_memo *m,
    enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len)
{
	uint8_t bk[VKEY_LEN];
	const uint8_t *p;
	size_t n;
	enum lien_status st;

	if (!vkey(key, key_len, bk))
		return LIEN_ENOTFOUND;	/* no record has such a key */
	if (m->state == 0 || memcmp(m->bk, bk, VKEY_LEN) != 0) {
		st = store_get(t, vptr_table, bk, sizeof bk, &p, &n);
		if (st != LIEN_OK && st != LIEN_ENOTFOUND)
			return st;
		if (st == LIEN_OK && n != VPTR_LEN)
			return LIEN_ECORRUPT;
		memcpy(m->bk, bk, VKEY_LEN);
		m->state = st == LIEN_OK ? 1 : 2;
		if (st == LIEN_OK)
			memcpy(m->ptr, p, VPTR_LEN);
	}
	if (m->state == 2)
		return LIEN_ENOTFOUND;
	return vstate_deref(t, tb, m->ptr, VPTR_LEN, val, val_len);
}

/* The pointer record of bk (zeros if none) into ptr. */
static enum lien_status LIEN_MUST_CHECK
vptr_load(struct store_txn *t, const uint8_t bk[VKEY_LEN],
    uint8_t ptr[VPTR_LEN])
{
	const uint8_t *p;
	size_t n;
	enum lien_status st = store_get(t, vptr_table, bk, VKEY_LEN, &p, &n);

	memset(ptr, 0, VPTR_LEN);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (n != VPTR_LEN)
		return LIEN_ECORRUPT;
	memcpy(ptr, p, VPTR_LEN);
	return LIEN_OK;
}

/* Delete the record the slot of tb names, if any; zero the slot. */
static enum lien_status LIEN_MUST_CHECK
vrec_drop(struct store_txn *t, enum ledger_table tb, uint8_t ptr[VPTR_LEN])
{
	uint8_t k[8];
	uint64_t seq = be64_get(ptr + vslot(tb));
	enum lien_status st;

	if (seq == 0)
		return LIEN_ENOTFOUND;
	be64_put(k, seq);
	if ((st = store_del(t, vrec_table, k, sizeof k)) != LIEN_OK)
		return st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
	memset(ptr + vslot(tb), 0, 8);
	return LIEN_OK;
}

/* The room tb's records are written with (store_put_room). */
static size_t
vroom(enum ledger_table tb)
{
	return tb == LEDGER_T_VEHICLES ? LEDGER_VEHICLE_ROOM :
	    tb == LEDGER_T_VWINDOW ? LEDGER_WINDOW_ROOM : 0;
}

/* tb's record of the vehicle whose pointer record is ptr takes val
 * where it lies, under the seq it has (the pointer unchanged), a
 * reserved slot's empty record too. LIEN_ENOTFOUND if the pointer has
 * no seq for tb. */
static enum lien_status LIEN_MUST_CHECK
vrec_rewrite(struct store_txn *t, enum ledger_table tb,
    const uint8_t ptr[VPTR_LEN], const void *val, size_t val_len)
{
	uint8_t k[8];
	uint64_t seq = be64_get(ptr + vslot(tb));

	if (seq == 0)
		return LIEN_ENOTFOUND;
	be64_put(k, seq);
	return store_put_room(t, vrec_table, k, sizeof k, val, val_len, 0,
	    vroom(tb));
}

/* The seq after the last record of `vrecords` (1 when it is empty). */
static enum lien_status LIEN_MUST_CHECK
vrec_next_seq(struct store_txn *t, uint64_t *out)
{
	struct store_cursor *c;
	const uint8_t *lk, *lv;
	size_t lkl, lvl;
	enum lien_status st;

	*out = 1;
	if ((st = store_cursor_open(t, vrec_table, &c)) != LIEN_OK)
		return st;
	st = store_cursor_last(c, &lk, &lkl, &lv, &lvl);
	if (st == LIEN_OK && lkl != 8)
		st = LIEN_ECORRUPT;
	if (st == LIEN_OK)
		*out = be64_get(lk) + 1;
	store_cursor_close(c);
	return st == LIEN_ENOTFOUND ? LIEN_OK : st;
}

enum lien_status
vstate_put(struct store_txn *t, enum ledger_table tb, const void *key,
    size_t key_len, const void *val, size_t val_len)
{
	static const uint8_t zero[VPTR_LEN];
	uint8_t bk[VKEY_LEN], ptr[VPTR_LEN], k[8];
	uint64_t seq;
	int fresh;
	enum lien_status st;

	if (!vkey(key, key_len, bk))
		return LIEN_EINVAL;
	if ((st = vptr_load(t, bk, ptr)) != LIEN_OK)
		return st;
	if ((st = vrec_rewrite(t, tb, ptr, val, val_len)) != LIEN_ENOTFOUND)
		return st;	/* rewritten where it lies: no pointer write */
	if ((st = vrec_next_seq(t, &seq)) != LIEN_OK)
		return st;
	be64_put(k, seq);
	if ((st = store_put_room(t, vrec_table, k, sizeof k, val, val_len, 1,
	    vroom(tb))) != LIEN_OK)
		return st;
	fresh = memcmp(ptr, zero, sizeof ptr) == 0;
	be64_put(ptr + vslot(tb), seq);
	if (fresh && tb != LEDGER_T_VWINDOW) {
		/* the window's slot reserved with the vehicle (above) */
		be64_put(k, ++seq);
		if ((st = store_put_room(t, vrec_table, k, sizeof k, "", 0, 1,
		    LEDGER_WINDOW_ROOM)) != LIEN_OK)
			return st;
		be64_put(ptr + vslot(LEDGER_T_VWINDOW), seq);
	}
	return store_put(t, vptr_table, bk, sizeof bk, ptr, sizeof ptr, 0);
}

/* A record only rewritten where it lies (the window's prune, store v26;
 * vstate_put does the same for a record the vehicle has). */
enum lien_status
vstate_replace(struct store_txn *t, enum ledger_table tb, const void *key,
    size_t key_len, const void *val, size_t val_len)
{
	uint8_t bk[VKEY_LEN], ptr[VPTR_LEN];
	const uint8_t *cur;
	size_t cur_len;
	enum lien_status st;

	if (!vkey(key, key_len, bk))
		return LIEN_ENOTFOUND;
	if ((st = vptr_load(t, bk, ptr)) != LIEN_OK ||
	    (st = vstate_deref(t, tb, ptr, sizeof ptr, &cur, &cur_len)) !=
	    LIEN_OK)
		return st;	/* (a reserved slot holds no record) */
	return vrec_rewrite(t, tb, ptr, val, val_len);
}

enum lien_status
vstate_del(struct store_txn *t, enum ledger_table tb, const void *key,
    size_t key_len)
{
	uint8_t bk[VKEY_LEN], ptr[VPTR_LEN];
	static const enum ledger_table all[] = { LEDGER_T_VEHICLES,
	    LEDGER_T_VPRIVATE, LEDGER_T_VWINDOW };
	const uint8_t *cur;
	size_t cur_len;
	int left = 0;
	enum lien_status st;

	if (!vkey(key, key_len, bk))
		return LIEN_ENOTFOUND;
	if ((st = vptr_load(t, bk, ptr)) != LIEN_OK ||
	    (st = vstate_deref(t, tb, ptr, sizeof ptr, &cur, &cur_len)) !=
	    LIEN_OK || (st = vrec_drop(t, tb, ptr)) != LIEN_OK)
		return st;	/* (a reserved slot holds no record) */
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
		st = vstate_deref(t, all[i], ptr, sizeof ptr, &cur, &cur_len);
		if (st == LIEN_OK)
			left = 1;
		else if (st != LIEN_ENOTFOUND)
			return st;
	}
	if (left)
		return store_put(t, vptr_table, bk, sizeof bk, ptr, sizeof ptr,
		    0);
	/* no record left: the reserved slots go with the pointer */
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
		if (be64_get(ptr + vslot(all[i])) != 0 &&
		    (st = vrec_drop(t, all[i], ptr)) != LIEN_OK)
			return st;
	return store_del(t, vptr_table, bk, sizeof bk);
}

/* The first vehicle at or after the cursor (seek to from's whole hex
 * bytes when first, else next) that has a tb record: its binary key in
 * *k, tb's value in *val. LIEN_ENOTFOUND past the end; LIEN_EINVAL for a
 * from that is not whole hex bytes of a vehicle key (hex order is byte
 * order, so the seek is the prefix's). */
static enum lien_status
vstate_walk(struct store_cursor *c, struct store_txn *t, enum ledger_table tb,
    const void *from, size_t from_len, int first, const uint8_t **k,
    const uint8_t **val, size_t *val_len)
{
	uint8_t bf[VKEY_LEN];
	const uint8_t *p;
	size_t kl, pl;
	enum lien_status st;

	if (first) {
		if (from_len > 2 * VKEY_LEN || from_len % 2 != 0 ||
		    (from_len > 0 && hex_decode(from, from_len, bf,
		    from_len / 2) != LIEN_OK))
			return LIEN_EINVAL;
		st = store_cursor_seek(c, from_len ? bf : NULL, from_len / 2,
		    k, &kl, &p, &pl);
	} else
		st = store_cursor_next(c, k, &kl, &p, &pl);
	for (; st == LIEN_OK; st = store_cursor_next(c, k, &kl, &p, &pl)) {
		if (kl != VKEY_LEN)
			return LIEN_ECORRUPT;
		st = vstate_deref(t, tb, p, pl, val, val_len);
		if (st != LIEN_ENOTFOUND)
			return st;	/* else the vehicle's other record only */
	}
	return st;
}

enum lien_status
vstate_scan(struct store_txn *t, enum ledger_table tb, const void *from,
    size_t from_len,
    int (*fn)(void *ctx, const uint8_t *key, size_t key_len,
	const uint8_t *val, size_t val_len),
    void *ctx)
{
	char hk[2 * VKEY_LEN + 1];	/* hex_encode adds a NUL */
	struct store_cursor *c;
	const uint8_t *k, *val;
	size_t vl;
	enum lien_status st;

	if ((st = store_cursor_open(t, vptr_table, &c)) != LIEN_OK)
		return st;
	for (st = vstate_walk(c, t, tb, from, from_len, 1, &k, &val, &vl);
	    st == LIEN_OK;
	    st = vstate_walk(c, t, tb, NULL, 0, 0, &k, &val, &vl)) {
		hex_encode(k, VKEY_LEN, hk);
		if (fn(ctx, (const uint8_t *)hk, 2 * VKEY_LEN, val, vl) != 0)
			break;
	}
	store_cursor_close(c);
	return st == LIEN_ENOTFOUND ? LIEN_OK : st;
}

enum lien_status
vstate_seek(struct store_txn *t, enum ledger_table tb, const void *from,
    size_t from_len, char keybuf[65], const uint8_t **key, size_t *key_len,
    const uint8_t **val, size_t *val_len)
{
	struct store_cursor *c;
	const uint8_t *k;
	enum lien_status st;

	if ((st = store_cursor_open(t, vptr_table, &c)) != LIEN_OK)
		return st;
	st = vstate_walk(c, t, tb, from, from_len, 1, &k, val, val_len);
	if (st == LIEN_OK) {
		hex_encode(k, VKEY_LEN, keybuf);
		*key = (const uint8_t *)keybuf;
		*key_len = 2 * VKEY_LEN;
	}
	store_cursor_close(c);
	return st;
}
