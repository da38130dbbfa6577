/*
 * Internal to ledger/: the structures behind struct ledger and struct
 * ledger_view, shared by log.c (sequencer, views) and audit.c.
 */
#ifndef LIEN_LEDGER_LEDGER_INT_H
#define LIEN_LEDGER_LEDGER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "ledger/ledger.h"
#include "tlog/merkle.h"
#include "ledger/store.h"
#include "ledger/map_store.h"
#include "ledger/bundle.h"

/* The sequencer's copy of the rightmost tile record of one tile level. */
struct tile_buf {
	uint64_t index;
	int dirty;
	uint8_t rec[TILE_REC_LEN];
};

struct pending;

struct pack_stream;

/* The body of the last pack read (ledger/log.c pack_get, ledger/pack.h):
 * p is the store's bytes (a plain pack) or buf's (an inflated one); n of
 * its total bytes are there (n < total: a read view's pack inflated so
 * far through zs, streamed). */
struct pack_cache {
	int valid, found;	/* found: last, off name a record */
	int streamed;
	uint64_t bundle;
	const uint8_t *p;
	size_t n, off;		/* off: just past slot last */
	size_t total;
	unsigned last;
	uint8_t *buf;		/* owned: freed with the cache's owner */
	size_t cap;
	struct pack_stream *zs;	/* owned, as buf */
};

struct ledger {
	struct store *st;
	const struct note_signer *signer;
	char origin[NOTE_NAME_MAX + 1];
	unsigned batch_max;
	int rdonly;

	/* Sequencer-owned state: touched only by the sequencer thread after
	 * open (and by reload, which runs there too). */
	struct merkle_frontier frontier;
	uint8_t last_leaf[HASH_LEN];
	uint64_t last_time;
	uint64_t (*clock_ms)(void *arg);	/* NULL: CLOCK_REALTIME */
	void *clock_arg;
	struct tile_buf *tiles[TILE_LEVELS];
	uint8_t *buf;		/* envelopes of the current batch */
	size_t buf_cap;
	uint8_t *scratch;	/* tail entries being packed into a bundle */
	uint8_t *zbuf;		/* a pack's stored form (ledger/pack.h) */
	size_t zbuf_cap;
	uint8_t *pbuf;		/* ENTRY_PAYLOAD_MAX: payload of a build item */
	size_t scratch_cap;
	int statemap;		/* the store keeps the status map */
	struct map_pending mpend;	/* this batch's map updates */
	struct map_wcache *mcache;
	uint64_t map_nkeys;	/* keys in the map after the last batch */

	/* Queue and published state, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv_work;
	struct pending *head, *tail;
	int closing;
	enum lien_status failed;	/* LIEN_OK while healthy */
	int frozen;			/* appends refused (LIEN_EFROZEN) */
	uint64_t frozen_size;
	char *latest_cp;
	size_t latest_cp_len;
	struct ledger_stats stats;
	pthread_t seq;
	int seq_started;
	struct writer_lock *wlock;	/* read-write only (writer_lock.h) */

	_Atomic uint64_t size;
};

#define VIEW_CACHE_WAYS 4u

struct ledger_view {
	struct ledger *l;
	struct store_txn *t;
	uint64_t size;
	/* State records and entries handed to the caller so far
	 * (ledger_view_reads): what a read costs, counted, not timed. */
	uint64_t reads;
	/* Tile records fetched per tile level, a few ways each: a proof
	 * reads its path's tile and the right edge's tiles at the same
	 * levels, and one way would make them evict each other. */
	struct {
		int valid;
		uint64_t index;
		const uint8_t *rec;
		unsigned skip;	/* slots not stored at its front: TILE_WIDTH
				 * for a complete level-0 tile (view_node) */
	} cache[TILE_LEVELS][VIEW_CACHE_WAYS];
	unsigned cache_next[TILE_LEVELS];
	/* The last pack of private records [0] and sealed boxes [1] read
	 * (ledger/log.c pack_get): the audit reads an entry's private
	 * record in index order, so one pack, inflated once, serves 256
	 * reads at ascending slots. Its body is t's bytes or the cache's
	 * own buffer, valid as long as t. */
	struct pack_cache pack[2];
	/* The last complete entry bundle read (ledger_view_entry,
	 * ledger/bundle.h): inflated as far as its entries were asked for,
	 * so reads of one bundle's entries in order inflate it once. */
	struct bundle_read bundle;
	/* The bundle whose entries give a complete tile's leaf hashes
	 * (view_node, ledger_view_tile): apart from `bundle`, so an entry
	 * a caller holds stays valid while a proof reads leaf hashes. */
	struct bundle_read leaves;
};

/* The write transaction a build callback (or the replay) sees. */
struct ledger_state {
	struct store_txn *t;
	int wrote;	/* a put/del happened: a refusal is now a bug */
	struct map_pending *mp;		/* NULL: the map is off */
	/* Replays only: where ledger_state_map_root applies mp. */
	struct map_wcache **mcache;
	uint64_t *nkeys;
	/* Replays only: keys put or deleted are noted here (NULL: not
	 * tracked), for an incremental audit's comparison. */
	struct ledger_touch *touch;
	/* ledger_state_seek's key in the vehicle tables (hex, borrowed by
	 * the caller until the next seek) */
	char vkey[65];
	/* An audit's compact scratch store (ledger_scratch_compact): the
	 * tables in digest_mask hold LEDGER_SCRATCH_DIGEST_LEN bytes of
	 * each record's SHA-256 instead of the record; gets and seeks read
	 * the record from base (the audited store's snapshot) and give it
	 * only if it has that digest. 0 and NULL otherwise. */
	unsigned digest_mask;
	struct store_txn *base;
	/* the first such read that found another record (or none) */
	struct ledger_state_bad {
		int set;
		unsigned tb;
		uint8_t key[48];
		size_t key_len;
	} bad;
	/* An audit's replay (vmemo_on): the vehicle pointer last read, so
	 * that the three vehicle tables' gets of one entry's vehicle look
	 * the random key up once; any put or delete of them forgets it. */
	int vmemo_on;
	struct vstate_memo {
		int state;	/* 0: none; 1: ptr; 2: the vehicle has none */
		uint8_t bk[32];
		uint8_t ptr[24];
	} vmemo;
	/* The last inflated pack per packed table read in t (a plain pack
	 * is read again: t's puts may move its pages). Reset with each
	 * txn; bufs freed by ledger_state_packs_free. */
	struct pack_cache pack[2];
	/* Replays only: the transaction's read cache (state_cache.c); NULL
	 * in the sequencer. */
	struct ledger_rcache *rcache;
};

/* Frees the pack caches' buffers of st and forgets them. */
void ledger_state_packs_free(struct ledger_state *st);

/* The read cache of a replay's state (state_cache.c): write-through, for
 * one transaction. find: 1 and *rc LIEN_OK (*val borrowed until the next
 * write) or LIEN_ENOTFOUND if (tb, key) is held, else 0. fill: a read's
 * answer (present 0: not found). wrote: after every put or delete, its
 * result: keep 1 holds (key, val) as the record now, 0 forgets the key;
 * values given before are void. A full arena only keeps less. */
struct ledger_rcache;
enum lien_status ledger_rcache_create(struct ledger_rcache **out)
    LIEN_MUST_CHECK;
void ledger_rcache_reset(struct ledger_rcache *rc);
void ledger_rcache_free(struct ledger_rcache *rc);
int ledger_rcache_find(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, enum lien_status *rc_out,
    const uint8_t **val, size_t *val_len);
void ledger_rcache_fill(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t *val, size_t val_len,
    int present);
void ledger_rcache_wrote(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t *val, size_t val_len,
    int keep);
void ledger_rcache_counts(const struct ledger_rcache *rc, uint64_t *hits,
    uint64_t *misses);

#define LEDGER_SCRATCH_DIGEST_LEN 16u

/* The room a record of a slotted table is written with, to grow into
 * where it lies (ledger/store.h "Slotted tables", docs/storage.md
 * "Slotted records"); sized from the records' packed growth on the
 * growth benchmark's stores. An application grows by its decision step
 * (16-19 bytes) and a mortgage's release (28-29); a public vehicle
 * record by a lien (24-27) and its release (24-25), again with every
 * later mortgage; a window by 35 bytes per application (its reserved
 * slot, ledger/vehicle_state.c, gets room for the first). A vehicle's
 * private record is written once. */
#define LEDGER_APP_ROOM 48u
#define LEDGER_VEHICLE_ROOM 52u
#define LEDGER_WINDOW_ROOM 35u
/* The first LEDGER_SCRATCH_DIGEST_LEN bytes of SHA-256(val). */
void ledger_record_digest(const void *val, size_t len,
    uint8_t out[LEDGER_SCRATCH_DIGEST_LEN]);

/* The vehicle tables (vehicle_state.c): LEDGER_T_VEHICLES,
 * LEDGER_T_VPRIVATE and LEDGER_T_VWINDOW are a pointer record per
 * vehicle in the `vehicles`
 * table (vstate_index_table) and the records, appended, in `vrecords`.
 * Same contracts as ledger_state_get/put/del and ledger_view_state_scan,
 * by the 64 lowercase hex digits of the vehicle key (any other key: not
 * found; a put LIEN_EINVAL); scan's from must be whole hex bytes.
 * vstate_deref: the record a pointer record's value names for tb
 * (LIEN_ENOTFOUND: the vehicle has none of that kind). */
int vstate_is(enum ledger_table tb);
enum store_table vstate_index_table(void);
enum lien_status vstate_deref(struct store_txn *t, enum ledger_table tb,
    const uint8_t *ptr, size_t ptr_len, const uint8_t **val,
    size_t *val_len) LIEN_MUST_CHECK;
enum lien_status vstate_get(struct store_txn *t, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t **val, size_t *val_len)
    LIEN_MUST_CHECK;
/* vstate_get through m (struct ledger_state's vmemo): the pointer record
 * is read only when m holds another vehicle's (or none). */
enum lien_status vstate_get_memo(struct store_txn *t, struct vstate_memo *m,
    enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len) LIEN_MUST_CHECK;
enum lien_status vstate_put(struct store_txn *t, enum ledger_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len)
    LIEN_MUST_CHECK;
enum lien_status vstate_del(struct store_txn *t, enum ledger_table tb,
    const void *key, size_t key_len) LIEN_MUST_CHECK;
/* ledger_state_replace's: tb's record of the vehicle takes val under
 * the seq it has (LIEN_ENOTFOUND: none), the pointer record unwritten. */
enum lien_status vstate_replace(struct store_txn *t, enum ledger_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len)
    LIEN_MUST_CHECK;
enum lien_status vstate_scan(struct store_txn *t, enum ledger_table tb,
    const void *from, size_t from_len,
    int (*fn)(void *ctx, const uint8_t *key, size_t key_len,
	const uint8_t *val, size_t val_len),
    void *ctx) LIEN_MUST_CHECK;
/* ledger_state_seek's: the key is written to keybuf (64 hex digits
 * and a NUL) */
enum lien_status vstate_seek(struct store_txn *t, enum ledger_table tb,
    const void *from, size_t from_len, char keybuf[65], const uint8_t **key,
    size_t *key_len, const uint8_t **val, size_t *val_len) LIEN_MUST_CHECK;

/* Note (tb, key) in t (replay.c); LIEN_ENOMEM. */
enum lien_status ledger_touch_add(struct ledger_touch *t, unsigned tb,
    const void *key, size_t key_len) LIEN_MUST_CHECK;
/* The same in two steps: the hint (the key's hash; its slot of the set
 * is fetched into the cache meanwhile), then, after other work, the
 * note with that hint (which must be ledger_touch_hint's of the same
 * t, tb and key). */
uint64_t ledger_touch_hint(const struct ledger_touch *t, unsigned tb,
    const void *key, size_t key_len);
enum lien_status ledger_touch_add_hinted(struct ledger_touch *t, uint64_t h,
    unsigned tb, const void *key, size_t key_len) LIEN_MUST_CHECK;

/* Node source over a view (merkle.h). */
/* A complete level-0 tile's record holds node levels 1..7 only (the
 * leaf hashes are the entries', view_node): TILE_REC_LEN less its first
 * TILE_WIDTH hashes. */
#define TILE_REC0_LEN (TILE_REC_LEN - TILE_WIDTH * HASH_LEN)
/* view_node of a stored hash only: LIEN_ENOTFOUND for a leaf hash of a
 * complete tile, which the store does not keep (the audit, which hashes
 * every entry itself, compares the level-1 hashes above it). */
enum lien_status view_node_stored(struct ledger_view *v, unsigned level,
    uint64_t index, uint8_t out[HASH_LEN]) LIEN_MUST_CHECK;
enum lien_status view_node(void *ctx, unsigned level, uint64_t index,
    uint8_t out[HASH_LEN]) LIEN_MUST_CHECK __attribute__((nonnull));

/* The body of bundle b, complete in v's snapshot, as C2SP serves it
 * (ledger/bundle.h), read through br (v->bundle, or a reader's own when it
 * keeps several bundles' entries at once): borrowed from br, valid until
 * br begins another bundle or is cleared. LIEN_ECORRUPT for a missing or
 * malformed bundle; LIEN_ENOMEM, LIEN_ECRYPTO. */
enum lien_status view_bundle_body(struct ledger_view *v,
    struct bundle_read *br, uint64_t b, const uint8_t **body,
    size_t *body_len) LIEN_MUST_CHECK;

/* Tree size recorded in meta within txn t (0 for an empty store). */
enum lien_status meta_size(struct store_txn *t, uint64_t *out)
    LIEN_MUST_CHECK __attribute__((nonnull));

/* Signed note for size n: checkpoint body from (origin, n, root) followed
 * by the stored signature block. *out malloc'd. */
enum lien_status checkpoint_note_build(const char *origin, uint64_t n,
    const uint8_t root[HASH_LEN], const uint8_t *sigblock, size_t sig_len,
    char **out, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(1, 3, 6, 7)));

#endif
