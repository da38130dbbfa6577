/*
 * Internal to ledger/: the LMDB storage layout. Only store.c includes
 * lmdb.h; log.c (sequencer, views) and audit.c work through this header.
 *
 * Tables (named LMDB databases, one environment, docs/storage.md):
 *   meta         short ASCII key -> value (format, origin, size, vkey)
 *   tiles        (tile level u8, tile index u64be) -> tile record: every
 *                node of the 8-level subtree, TILE_REC_SLOTS hashes
 *                (the record layout: tlog/tiles.h), but a complete
 *                level-0 tile's leaf hashes (TILE_REC0_LEN, ledger_int.h)
 *   bundles      bundle index u64be -> full C2SP entry bundle (256 entries)
 *   tail         entry index u64be -> entry, for the last, incomplete bundle
 *   checkpoints  tree size u64be -> signature block of the signed note
 *   map          (generation u64be, map tile key) -> map tile and its
 *                children's generations: the lien-status map's nodes,
 *                append-only (ledger/map_store.h)
 */
#ifndef LIEN_LEDGER_STORE_H
#define LIEN_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "tlog/tiles.h"

/* v2: nonce keys lead with the signature's created time (docs/registry.md);
 * v3: nonce records also name their entry and request (the very same
 * signed request gets its original receipt), the idempotency table holds
 * Idempotency-Keys (time-ordered, 24 h) instead of content digests kept
 * forever; v4: every batch ends with a state-root entry and the `map`
 * table holds the lien-status map (docs/lien-status.md); v5: registry
 * payload version 2 with private records, private state and subject keys
 * (docs/privacy.md); v6: each application's private state in a table of
 * its own (`papps`, appended in log order, instead of `a/` records among
 * pstate's random keys), private records without the Signature-Input
 * the sealed request holds (docs/storage.md "Where the bytes go"); v7:
 * the `map` table's tiles below depth 16 keyed in pre-order (same
 * values; docs/storage.md "Status map: map tiles"); v8:
 * the notification outbox and the expiry queue in tables of their own
 * (`notices`, `expiry`: index- and time-ordered, appended) instead of
 * pstate's `n/` and `x/` records, and private records and sealed boxes
 * packed per complete entry bundle (ledger/log.c); v9: the `map`
 * table's tiles versioned and written append-only (generation u64be
 * before the tile key, child generations after the tile; copy-forward
 * GC: ledger/map_store.h), and the meta record `maptiles`; v10: the
 * `vehicles` table holds a 16-byte pointer record per vehicle under its
 * binary key, the public vehicle record and the vehicle's private record
 * (pstate's `v/` records up to v9) appended in `vrecords`
 * (ledger/vehicle_state.c); v11: the multi-bank window one `vwindow`
 * record per vehicle behind the same pointer (24 bytes) instead of
 * pstate's `wv/` records, and pstate's `c/` and `co/` keys with the 32
 * bytes of the contract and owner reference instead of their hex; v12:
 * pstate's owner index (`oa/` + owner reference + be64 application id
 * number, one record per application and owner or acting person), so an
 * owner's applications are read without a scan of every application;
 * v13: pstate's statistics running totals (`st/c`, `st/q/`: counters and
 * duration tries, all institutions and each; registry/stats_agg.c), so
 * GET /metrics does not walk the log; v14: a mortgage application's
 * undecided state a flag in its `vwindow` element (bit 63 of the entry
 * index) instead of pstate's `pm/` record, one random record written and
 * deleted per application (docs/storage.md "Where the bytes go"); v15:
 * an owner's index and per-minute counters under one key prefix in
 * pstate (`o/` + owner reference + `a` or `c`, were `oa/` and `co/`), so
 * an application's two records under its owner share a leaf; v16: the
 * private records packed (registry/jpack.h: dictionary names, hex as
 * bytes, varint integers; decoded back to the exact canonical JSON the
 * entry's `private` commitment hashes); v17: the state records of
 * `apps`, `papps`, `notices` and the vehicles' public and private
 * records in `vrecords` packed the same way (registry_record_parse);
 * v18: a `sealed` record is the box alone, without the 16-byte key id
 * the private record's `key` holds; v19: a sealed box's plaintext is the
 * evidence text compressed (registry/evzip.h: a format byte, raw deflate
 * with a preset dictionary) when that is shorter; v20: a map tile's record
 * holds each child's top hash beside its generation; v21: the evidence
 * text compressed with the request's signature parameters after the
 * dictionary (EVZIP_DEFLATE2), which a v20 reader cannot open; v22: a
 * `notices` key is the entry index and the kind's code (9 bytes, was
 * the 27-byte text name); v23: a pack's value starts with a format byte,
 * and a pack of private records is deflated as one stream (ledger/pack.h);
 * v24: a map tile's record holds no hash for an interior node of its
 * bottom row (its children's top hashes give it);
 * v25: the evidence is sealed in bound boxes (crypto/seal.h
 * seal_box_bound: the nonce derived from the box's associated data, which
 * holds the private record's random salt, and not stored), which a v24
 * reader cannot open; v26: the owner burst counts the owner's index,
 * whose `o/` + `a` keys lead with the application's time (no `o/` + `c`
 * counters), and a window's prune rewrites it in place, kept empty
 * (registry/state.c); v27: the evidence text deflated with its base64
 * spans (the Signature, a JWS's segments) taken off as the bytes they
 * spell, a JWS's names in a second preset dictionary (EVZIP_DEFLATE3,
 * registry/evzip.h), which a v26 reader cannot open, and a private
 * record stored with its `sealed` digest elided, read back from the
 * sealed box under its index (registry/registry_int.h RG_PRIV_ELIDED);
 * v28: a vehicle's pointer record is made with its window's slot
 * reserved, an empty record in `vrecords` that the first window
 * overwrites where it lies, and an empty record there reads as none
 * (ledger/vehicle_state.c); v29: a complete entry bundle stored in four
 * chunks of 64 entries, each a pack (deflated when shorter) with every
 * prev but the chunk's first zeroed, the prevs put back from the entries
 * before them on read (ledger/bundle.h); v30: `apps` and `vrecords`
 * values are slots (the record, zero padding, the padding's length in
 * one byte) written with room for the record to grow where it lies
 * (store_put_room below); v31: a complete level-0 tile record without
 * its 256 leaf hashes, which readers hash from the entries; v32: the
 * subject keys in a table of their own, `subjects`, keyed by the index
 * of the entry that created each, with two small lookups (by identity
 * commitment, by key id) left in `keys` and no lookup by subject index
 * (registry/registry.c "Subject keys").
 * An older store is refused at open rather than audited against the wrong
 * layout; a read-only open of a store that lacks a table of this format
 * is LIEN_EUNSUPPORTED too. */
#define STORE_FORMAT "lienlog-store-v32"

struct store;
struct store_txn;

enum store_table {
	STORE_META,
	STORE_TILES,
	STORE_BUNDLES,
	STORE_TAIL,
	STORE_CHECKPOINTS,
	STORE_MAP,
	STORE_STATE0,		/* + enum ledger_table: derived state */
	STORE_NTABLES = STORE_STATE0 + 15
};

/* The slotted tables (store_table_slotted below): `apps` and `vrecords`,
 * as offsets from STORE_STATE0, which are their ledger_table values
 * (LEDGER_T_APPS, LEDGER_T_VPRIVATE); ledger/log.c asserts that they
 * agree, so a table added before them cannot silently take a slot. */
#define STORE_SLOTTED_APPS	0
#define STORE_SLOTTED_VRECORDS	14

/* store_wstat_written's trees beyond the tables: LMDB's free list and
 * its table of tables. */
enum { STORE_WP_FREE = STORE_NTABLES, STORE_WP_MAIN, STORE_WP_N };

enum lien_status store_open(const char *dir, uint64_t map_size,
    unsigned max_readers, int rdonly, struct store **out) LIEN_MUST_CHECK;
/* A store for a replay's scratch state (ledger/replay.c): its commits do
 * not wait for the disk (a system crash can lose or tear them, so only
 * state that can be rebuilt belongs there), except store_txn_commit_sync's. */
enum lien_status store_open_scratch(const char *dir, uint64_t map_size,
    struct store **out) LIEN_MUST_CHECK;
void store_close(struct store *s);

/* Stop flushing each commit (MDB_NOSYNC, for LEDGER_NOSYNC); store_close
 * then flushes before it closes. */
enum lien_status store_nosync(struct store *s) LIEN_MUST_CHECK;
/* fdatasync everything committed so far. */
enum lien_status store_sync(struct store *s) LIEN_MUST_CHECK;

/* Read transactions may be used from any thread (MDB_NOTLS), one at a time.
 * Write transactions belong to the sequencer thread. */
enum lien_status store_txn_begin(struct store *s, int write,
    struct store_txn **out) LIEN_MUST_CHECK;
enum lien_status store_txn_commit(struct store_txn *t) LIEN_MUST_CHECK;
/* Commit durably on a scratch store: this commit and every one before it
 * are on disk when it returns, in an order no crash can tear. */
enum lien_status store_txn_commit_sync(struct store_txn *t) LIEN_MUST_CHECK;
void store_txn_abort(struct store_txn *t);
/* The store t is a transaction of (borrowed: valid while it is open). */
struct store *store_txn_store(struct store_txn *t);
/* LMDB's id of the last committed write transaction (mdb_env_info): each
 * commit adds one, so tests can count commits across a run. */
uint64_t store_last_txnid(struct store *s);
/* The id of the snapshot a transaction reads (mdb_txn_id): two read
 * transactions with the same id see the same store. */
uint64_t store_txn_id(const struct store_txn *t);

/* Generic access. Values from get are borrowed: valid until the txn ends
 * (or, in a write txn, until the next write). LIEN_ENOTFOUND if absent. */
enum lien_status store_get(struct store_txn *t, enum store_table tb,
    const void *key, size_t key_len, const uint8_t **val, size_t *val_len)
    LIEN_MUST_CHECK;
/* Put val; with append != 0 the key must sort after every key in the
 * table (MDB_APPEND: fuller pages, faster). */
enum lien_status store_put(struct store_txn *t, enum store_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len,
    int append) LIEN_MUST_CHECK;
/* store_put leaving room to grow in place, for a slotted table (below;
 * on another table room is ignored): a record of val_len bytes takes
 * the slot its key already has when it fits there (same size: LMDB
 * overwrites it where it lies, no page split), else a new slot of
 * val_len + 1 + room bytes (room capped at STORE_SLOT_PAD_MAX). */
enum lien_status store_put_room(struct store_txn *t, enum store_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len,
    int append, size_t room) LIEN_MUST_CHECK;
/* Reserve val_len bytes for key and return a pointer to fill (not on a
 * slotted table: LIEN_EINVAL). */
enum lien_status store_reserve(struct store_txn *t, enum store_table tb,
    const void *key, size_t key_len, size_t val_len, uint8_t **out)
    LIEN_MUST_CHECK;
enum lien_status store_del(struct store_txn *t, enum store_table tb,
    const void *key, size_t key_len) LIEN_MUST_CHECK;
/* The number of records in table tb as txn t sees it (LMDB keeps the
 * count: no scan). */
enum lien_status store_entries(struct store_txn *t, enum store_table tb,
    uint64_t *out) LIEN_MUST_CHECK;

/* Slotted tables (docs/storage.md "Slotted records"): `apps` and
 * `vrecords`, whose records are rewritten in place as they grow. Each
 * value is a slot: the record, then p zero bytes, then the byte p (0 to
 * STORE_SLOT_PAD_MAX). Every get, seek and next above gives the record
 * alone; store_put writes the record into its key's slot when it fits
 * (store_put_room). A slot keeps the room a record will grow into, so a
 * rewrite does not split its page: appended pages stay full. */
#define STORE_SLOT_PAD_MAX 255u
int store_table_slotted(enum store_table tb);
/* The record in slot v of n bytes: its length in *out_len (0 on
 * failure). LIEN_ECORRUPT for an empty slot, a pad byte beyond the
 * value, or a pad that is not all zero. Pure: no LMDB. */
enum lien_status store_slot_open(const uint8_t *v, size_t n,
    size_t *out_len) LIEN_MUST_CHECK;

/* Cursor walk: first key >= key (key NULL: first in table). Returns
 * LIEN_ENOTFOUND past the end. */
struct store_cursor;
enum lien_status store_cursor_open(struct store_txn *t, enum store_table tb,
    struct store_cursor **out) LIEN_MUST_CHECK;
enum lien_status store_cursor_seek(struct store_cursor *c, const void *key,
    size_t key_len, const uint8_t **k, size_t *k_len, const uint8_t **v,
    size_t *v_len) LIEN_MUST_CHECK;
enum lien_status store_cursor_next(struct store_cursor *c, const uint8_t **k,
    size_t *k_len, const uint8_t **v, size_t *v_len) LIEN_MUST_CHECK;
/* The last record of the table; LIEN_ENOTFOUND if it is empty. */
enum lien_status store_cursor_last(struct store_cursor *c, const uint8_t **k,
    size_t *k_len, const uint8_t **v, size_t *v_len) LIEN_MUST_CHECK;
/* Delete the record the cursor is on (write txns); the cursor's next
 * seek or next starts afresh from the tree. */
enum lien_status store_cursor_del(struct store_cursor *c) LIEN_MUST_CHECK;
/* store_put through the cursor (write txns), which is left on the
 * record put. For a run of appends (append != 0: as store_put; a key not
 * above every key in the table is LIEN_EEXIST) this is the fast way:
 * the cursor stays on the last leaf, where store_put walks down from the
 * root each time. */
enum lien_status store_cursor_put(struct store_cursor *c, const void *key,
    size_t key_len, const void *val, size_t val_len, int append)
    LIEN_MUST_CHECK;
void store_cursor_close(struct store_cursor *c);

/* Space accounting for benchmarks: pages in use across all tables and the
 * page size. */
enum lien_status store_usage(struct store *s, uint64_t *out_pages,
    unsigned *out_page_size) LIEN_MUST_CHECK;

/* A table's B-tree as of txn t (mdb_stat: kept in the table's root
 * record, so O(1)): leaf and overflow pages, records. The map's GC keeps
 * its table's leaf pages bounded by its live records (ledger/map_store.c)
 * and its benchmark and tests read them here. */
struct store_table_stat {
	uint64_t leaf_pages, branch_pages, overflow_pages, entries;
	unsigned depth, page_size;
};
enum lien_status store_table_stat(struct store_txn *t, enum store_table tb,
    struct store_table_stat *out) LIEN_MUST_CHECK;

/* Whether p, a pointer into a record that LMDB returned in write txn t,
 * lies in the store's file mapping, that is on a page t has not written
 * (a write transaction copies a page out of the map before it changes
 * it; stores never use MDB_WRITEMAP): 1 or 0; -1 when the mapping is not
 * known (found once through /proc/self/maps: Linux). The map's GC stops
 * its sweep at such a page (ledger/map_store.c wc_gc). */
int store_txn_clean(struct store_txn *t, const void *p);

/* Write statistics, for benchmarks (bench_growth --wstat): from
 * store_wstat_start on, every put, reserve and delete of a write
 * transaction is counted per table (a refused one, such as an
 * MDB_APPEND out of order, not), and so are the leaf and overflow pages
 * the writes dirty: a leaf the first time a transaction writes to it,
 * and every page a write adds (splits, large values). A leaf is told
 * clean by where LMDB returns the neighbouring key from: a clean page is
 * read in the map, a dirty one is the transaction's private copy (the
 * environment is not MDB_WRITEMAP). The leaf an insert lands on is the
 * one holding the key's predecessor (or the first leaf). Branch pages
 * and LMDB's own tables (free list, table roots) are not counted here:
 * store_wstat_written counts every page the commits write. Costs a
 * cursor lookup per write and a walk of each commit's new pages: never
 * on in lienlogd. Linux only (the map's address from /proc/self/maps).
 * LIEN_ENOMEM, LIEN_EIO; LIEN_EUNSUPPORTED if the page walker does not
 * find LMDB's own page counts. */
enum lien_status store_wstat_start(struct store *s) LIEN_MUST_CHECK;
/* The pages the write commits since store_wstat_start wrote, by the
 * tree that holds them: a table (which < STORE_NTABLES), LMDB's free
 * list (STORE_WP_FREE) or its table of tables (STORE_WP_MAIN, one
 * record per table, rewritten whenever a table's root moves); out[0]
 * branch, out[1] leaf, out[2] overflow pages. Every page a commit writes
 * is in one of them, but for the meta page (one per commit, a part of a
 * page: *out_commits). Found by walking each commit's new pages
 * (store.c "Pages written per commit"). LIEN_ENOTFOUND when not started, past the last
 * tree, or when a walk failed (it then stops). */
enum lien_status store_wstat_written(const struct store *s, unsigned which,
    uint64_t out[3], uint64_t *out_commits) LIEN_MUST_CHECK;
/* Counts of table tb since store_wstat_start (zeros when not started):
 * writes, and leaf and overflow pages dirtied. */
void store_wstat_get(const struct store *s, enum store_table tb,
    uint64_t *out_writes, uint64_t *out_pages);
/* Counts of table tb since store_wstat_start by key class, slot i (0,
 * 1, ...): where a table's writes go when its keys share a table (pstate:
 * "o/", "c/", "st/"). A key's class is its lowercase letters up to and
 * with a '/' among its first STORE_WSTAT_CLASS_LEN - 1 bytes; else ""
 * (binary keys, which may also pass for a class now and then). A table's classes take slots
 * in the order they are first written; past STORE_WSTAT_CLASSES - 1 of
 * them the rest share the last slot, named "*". Out: the class's name
 * (NUL-terminated), its writes, and the clean leaves they landed on (the
 * leaf count of store_wstat_get, without the pages splits add).
 * LIEN_ENOTFOUND when not started, or past the last slot written. */
#define STORE_WSTAT_CLASSES 16u
#define STORE_WSTAT_CLASS_LEN 6u
enum lien_status store_wstat_class(const struct store *s,
    enum store_table tb, unsigned i, char out_name[STORE_WSTAT_CLASS_LEN],
    uint64_t *out_writes, uint64_t *out_leaves) LIEN_MUST_CHECK;
/* The table's LMDB name ("vehicles"); borrowed, static. */
const char *store_table_name(enum store_table tb);

/* Drop stale reader slots left by crashed processes (mdb_reader_check). */
void store_reader_check(struct store *s);

#endif
