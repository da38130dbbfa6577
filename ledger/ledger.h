/*
 * The append-only log: LMDB storage, the group-commit sequencer, signed
 * checkpoints, and read-only views for proofs and tiles.
 *
 * Writers call ledger_append*(); one sequencer thread owns the LMDB write
 * transaction, drains every waiting appender into one batch (up to
 * batch_max entries), writes entries, Merkle hashes and the new signed
 * checkpoint in one transaction, commits durably (fsync), and only then
 * wakes the appenders with their indexes. Every batch ends with one
 * state-root entry (type 3, tlog/status.h) committing to the lien-status
 * map that build callbacks update through ledger_state_map_set, so the last
 * leaf of every checkpoint is a state root (docs/lien-status.md). Readers use views (LMDB read
 * transactions): they never block the writer and see a consistent tree.
 *
 * Storage layout and its measured costs: docs/storage.md.
 */
#ifndef LIEN_LEDGER_LEDGER_H
#define LIEN_LEDGER_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/note.h"

struct ledger;
struct ledger_view;

#define LEDGER_RDONLY 0x1u	/* open read-only: no sequencer, no writes */
/* Create the store without the status map: no state-root entries, no map
 * (an operator/benchmark switch to measure what the map costs, bench/
 * README.md). Bound at creation: reopening with the other setting is
 * LIEN_EUNSUPPORTED. Ignored by a read-only open, which follows the store. */
#define LEDGER_NO_STATE_MAP 0x2u
/* Bulk loading only (bench/bench_growth): commits are not flushed to disk
 * (LMDB's MDB_NOSYNC), so a batch costs no fdatasync; ledger_sync, and
 * ledger_close, flush everything committed. Until then a crash of the
 * machine (not of the process) can lose committed batches or leave the
 * store unreadable: never for a store that acknowledges requests. Ignored
 * by a read-only open. */
#define LEDGER_NOSYNC 0x4u

struct ledger_config {
	const char *dir;		/* data directory; created if missing (rw) */
	uint64_t map_size;		/* LMDB map size; 0 = 1 TiB (sparse) */
	const struct note_signer *signer; /* borrowed log key; NULL if RDONLY */
	unsigned batch_max;		/* entries per transaction; 0 = 1024 */
	unsigned flags;			/* LEDGER_RDONLY, LEDGER_NO_STATE_MAP */
	unsigned max_readers;		/* LMDB reader slots; 0 = 512 */
	/* The clock that stamps envelope times, in Unix ms, called by the
	 * sequencer thread once per item as it builds it (before the item's
	 * build callback, which gets the time), then once for the batch's
	 * state root; NULL: the wall clock (CLOCK_REALTIME), which lienlogd
	 * always uses. Only bench_growth sets one, to build in minutes a
	 * store whose times are spread over the years a registry takes to
	 * reach its size (bench/README.md "Growth"). Times still never go
	 * backwards (an earlier reading gives the last time again). */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
};

/* Open (and on first use initialise) the store in cfg->dir. A read-write
 * open binds the store to the signer's origin on first use and refuses a
 * different origin afterwards (LIEN_EKEY). *out: ledger_close. */
enum lien_status ledger_open(const struct ledger_config *cfg,
    struct ledger **out) LIEN_MUST_CHECK;

/* Stop the sequencer (pending appends get LIEN_ECLOSED) and close. */
void ledger_close(struct ledger *l);

/* Flush every committed batch to disk (fdatasync of the store file): what
 * a LEDGER_NOSYNC opener calls when it is done, to learn that it worked
 * (ledger_close flushes too, but cannot report). A no-op cost otherwise.
 * LIEN_EIO (or LIEN_EFULL) if the flush failed. */
enum lien_status ledger_sync(struct ledger *l) LIEN_MUST_CHECK;

/* Origin (checkpoint first line / key name). Borrowed, valid until close. */
const char *ledger_origin(const struct ledger *l);
/* The store format this build creates and opens (ledger/store.h
 * STORE_FORMAT; the current one is in docs/storage.md, table "meta");
 * static. */
const char *ledger_store_format(void);

/* 1 if the store keeps the status map and state-root entries. */
int ledger_state_map_on(const struct ledger *l);

/* What an appender learns once its entry is durable. */
struct ledger_receipt {
	enum lien_status status;/* this item's outcome (ledger_append_many) */
	uint64_t index;
	uint8_t leaf_hash[HASH_LEN];
	uint64_t tree_size;	/* size of the first checkpoint containing it */
	uint64_t time_ms;	/* the envelope time */
};

/* Derived state kept beside the log, written in the same transaction as
 * the entries it derives from (registration state, replay and idempotency
 * indexes, parties, sealed evidence, private records and subject keys:
 * docs/privacy.md, table E). Keys and values are opaque bytes
 * here; registry/registry.c defines their encodings. */
enum ledger_table {
	LEDGER_T_APPS,		/* applications */
	LEDGER_T_VEHICLES,	/* vehicles: liens and restrictions */
	LEDGER_T_PARTIES,	/* filed institutions, officers, keys */
	LEDGER_T_NONCES,	/* replay window */
	LEDGER_T_IDEM,		/* idempotency keys -> original entry */
	LEDGER_T_SEALED,	/* sealed evidence (AEAD) */
	LEDGER_T_INDEX,		/* secondary indexes (queues, by time) */
	LEDGER_T_PRIVATE,	/* private records (docs/privacy.md) */
	LEDGER_T_PSTATE,	/* private state derived from them */
	LEDGER_T_KEYS,		/* subject keys' lookups, by identity
				 * commitment and by key id (random keys) */
	LEDGER_T_PAPPS,		/* private state of each application, by
				 * application id (so in log order) */
	LEDGER_T_NOTICES,	/* the notification outbox, by entry index */
	LEDGER_T_EXPIRY,	/* expiry queue of state records, by time */
	LEDGER_T_SUBJECTS,	/* wrapped subject keys, by the index of the
				 * entry that created each (so in log order) */
	LEDGER_T_VPRIVATE,	/* private state of each vehicle, by vehicle
				 * key (shares LEDGER_T_VEHICLES' pointer
				 * record: ledger/vehicle_state.c) */
	LEDGER_T_VWINDOW,	/* each vehicle's recent mortgage applications
				 * (multi-bank window), by vehicle key; the
				 * same pointer record */
	LEDGER_T_COUNT
};

/* The sequencer's write transaction as a state machine sees it. */
struct ledger_state;

/* Values are borrowed: valid until the next put/del or the end of the
 * build callback. LIEN_ENOTFOUND if absent. In an audit's compact
 * scratch store (ledger_scratch_compact) a get of a digest table may also
 * give LIEN_ECORRUPT (the audited store holds another record), and a
 * seek there gives the key and the digest. In the vehicle tables
 * (LEDGER_T_VEHICLES, LEDGER_T_VPRIVATE, LEDGER_T_VWINDOW) a zero-length
 * value is no record: after a put of one, the key reads as absent to
 * every reader and scan (ledger/vehicle_state.c, store v28). */
enum lien_status ledger_state_get(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len) LIEN_MUST_CHECK;
enum lien_status ledger_state_put(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len, const void *val,
    size_t val_len) LIEN_MUST_CHECK;
enum lien_status ledger_state_del(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len) LIEN_MUST_CHECK;
/* ledger_state_put of a record that exists (else LIEN_ENOTFOUND): for
 * the vehicle tables (LEDGER_T_VEHICLES, LEDGER_T_VPRIVATE,
 * LEDGER_T_VWINDOW) the record keeps its place in `vrecords`, so the
 * vehicle's pointer record (a random page) is not written
 * (ledger/vehicle_state.c), as with ledger_state_put of a record the
 * vehicle has; used for a smaller value, as a window's prune makes. The
 * state it leaves is ledger_state_put's. */
enum lien_status ledger_state_replace(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len, const void *val,
    size_t val_len) LIEN_MUST_CHECK;

/* First record of tb whose key is >= from (from NULL or from_len 0: the
 * first record), for ordered indexes (expiry queues, time windows). Key
 * and value are borrowed like ledger_state_get's. LIEN_ENOTFOUND past the
 * end of the table. For the vehicle tables (LEDGER_T_VEHICLES,
 * LEDGER_T_VPRIVATE, LEDGER_T_VWINDOW) from
 * must be whole hex bytes (LIEN_EINVAL) and the key is valid until the
 * next seek too. (ledger/state_seek.c) */
enum lien_status ledger_state_seek(struct ledger_state *st,
    enum ledger_table tb, const void *from, size_t from_len,
    const uint8_t **key, size_t *key_len, const uint8_t **val,
    size_t *val_len) LIEN_MUST_CHECK;

/* Set key's value in the lien-status map (tlog/map.h): the registry calls
 * it for every vehicle whose status record changed, with key and value
 * from tlog/status.h. The ledger does not interpret either. Updates take
 * effect together at the end of the batch (the last value per key wins),
 * just before the state-root entry; in a replay (scratch state) at the
 * next ledger_state_map_root. A no-op when the map is off. Counts as a
 * write (see ledger_build_fn). LIEN_ENOMEM. */
enum lien_status ledger_state_map_set(struct ledger_state *st,
    const uint8_t key[32], const uint8_t value[32]) LIEN_MUST_CHECK;

/* Replays only (a scratch state): apply the map updates set since the
 * last call and give the map's root and number of keys, to compare with a
 * state-root entry. LIEN_EINVAL on the sequencer's state. */
enum lien_status ledger_state_map_root(struct ledger_state *st,
    uint8_t root[32], uint64_t *nkeys) LIEN_MUST_CHECK;

/* Builds an entry's payload inside the write transaction, in log order,
 * seeing the state left by every earlier entry (of this batch too). It
 * writes the payload into out (cap = ENTRY_PAYLOAD_MAX bytes) and applies
 * the entry's state changes through st. Contract: decide first, write
 * after; a refusal (any status but LIEN_OK) must come before the first
 * put/del, so refusing leaves no trace and consumes no index, and the
 * appender gets that status. An I/O failure of put/del fails the batch. */
typedef enum lien_status (*ledger_build_fn)(void *arg,
    struct ledger_state *st, uint64_t index, uint64_t time_ms, uint8_t *out,
    size_t cap, size_t *out_len);

struct ledger_item {
	uint16_t type;
	const uint8_t *payload;	/* used when build is NULL */
	size_t len;		/* <= ENTRY_PAYLOAD_MAX */
	ledger_build_fn build;	/* optional, see above */
	void *arg;
};

/* Append one entry and block until it is durable and covered by a signed
 * checkpoint. Thread-safe. LIEN_ETOOBIG, LIEN_ECLOSED, LIEN_EIO, LIEN_EFULL. */
enum lien_status ledger_append_item(struct ledger *l,
    const struct ledger_item *item, struct ledger_receipt *out)
    LIEN_MUST_CHECK;
enum lien_status ledger_append(struct ledger *l, uint16_t type,
    const uint8_t *payload, size_t len, struct ledger_receipt *out)
    LIEN_MUST_CHECK;

/* Append n items that are committed in the same transaction (n <=
 * batch_max), in order. out[i] receives each receipt. Returns LIEN_OK
 * when the batch committed; items refused by their build callback have
 * out[i].status set (and index UINT64_MAX), the others LIEN_OK. */
enum lien_status ledger_append_many(struct ledger *l,
    const struct ledger_item *items, size_t n, struct ledger_receipt *out)
    LIEN_MUST_CHECK;

/* Freeze the log for a key rotation (docs/key-rotation.md): waits for
 * queued appends, then records the current size as final in the store.
 * From then on every append (in this and any later process) gets
 * LIEN_EFROZEN; reads, proofs and the last checkpoint stay available.
 * *out_size (optional) = the final tree size. Idempotent. */
enum lien_status ledger_freeze(struct ledger *l, uint64_t *out_size)
    LIEN_MUST_CHECK;

/* Final size if the log is frozen: 1 and *out_size set; else 0. */
int ledger_frozen(struct ledger *l, uint64_t *out_size);

/* Latest committed tree size (cheap; no transaction). */
uint64_t ledger_size(struct ledger *l);

/* Latest signed checkpoint note. *out malloc'd, NUL-terminated; caller
 * frees. LIEN_ENOTFOUND before the first entry. */
enum lien_status ledger_latest_checkpoint(struct ledger *l, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* Statistics for metrics and benchmarks. Histograms count batches per
 * bucket (not cumulative): batch_size_hist[k] counts batches of size
 * <= 2^k (and > 2^(k-1)), k = 0..LEDGER_HIST_BATCH-1, the last bucket
 * also everything larger; commit_hist[k] counts commits that took
 * <= 2^k * 64 us (the same open-ended last bucket). */
#define LEDGER_HIST_BATCH 13u	/* 1, 2, 4, ..., 4096 */
#define LEDGER_HIST_COMMIT 16u	/* 64 us .. ~2.1 s */
#define LEDGER_HIST_COMMIT_BASE_NS 64000u
struct ledger_stats {
	uint64_t batches;
	uint64_t entries;
	uint64_t fsync_ns_total;	/* time spent in mdb_txn_commit */
	uint64_t last_batch_size;
	uint64_t batch_size_hist[LEDGER_HIST_BATCH];
	uint64_t commit_hist[LEDGER_HIST_COMMIT];
};
void ledger_stats_get(struct ledger *l, struct ledger_stats *out);

/* Write statistics for benchmarks (bench_growth --wstat): from this call
 * on, the writes of every write transaction are counted per table of the
 * store, and so are the leaf and overflow pages they dirty
 * (ledger/store.h store_wstat_start says how, and what is not counted),
 * and every page the commits write (ledger_wstat_written). A cursor
 * lookup per write and a walk of each commit's new pages: lienlogd turns
 * it on only for a benchmark (LIENLOGD_WSTAT). Call between
 * appends (not while one is under way). LIEN_ENOMEM, LIEN_EIO;
 * LIEN_EUNSUPPORTED if the page walker does not find LMDB's own page
 * counts; LIEN_EINVAL on a read-only ledger. */
enum lien_status ledger_wstat_start(struct ledger *l) LIEN_MUST_CHECK;
/* Table i's (0, 1, ...) LMDB name and its counts since
 * ledger_wstat_start (writes, pages dirtied), read between appends.
 * *name is static. LIEN_ENOTFOUND past the last table. */
enum lien_status ledger_wstat_get(struct ledger *l, unsigned i,
    const char **name, uint64_t *writes, uint64_t *pages) LIEN_MUST_CHECK;
/* Table i's writes since ledger_wstat_start by key class, slot j (0,
 * 1, ...; ledger/store.h store_wstat_class): the class (NUL-terminated,
 * "" for binary keys, "*" for the classes past the first
 * LEDGER_WSTAT_CLASSES - 1), its writes and the clean leaves they
 * dirtied. *name is table i's LMDB name (static). LIEN_ENOTFOUND past
 * the last table or the table's last class. */
#define LEDGER_WSTAT_CLASS_LEN 6u
#define LEDGER_WSTAT_CLASSES 16u
enum lien_status ledger_wstat_class(struct ledger *l, unsigned i,
    unsigned j, const char **name, char cls[LEDGER_WSTAT_CLASS_LEN],
    uint64_t *writes, uint64_t *leaves) LIEN_MUST_CHECK;
/* The pages the commits since ledger_wstat_start wrote, by tree i (0,
 * 1, ...: the tables as ledger_wstat_get numbers them, then LMDB's free
 * list, "freelist", and its table of tables, "tables"): out[0] branch,
 * out[1] leaf, out[2] overflow pages; *commits, the write commits (each
 * also wrote a meta page). Exact (ledger/store.h store_wstat_written).
 * *name is static. LIEN_ENOTFOUND past the last tree; LIEN_EIO if the
 * walk of a commit failed, which stops the counts. */
enum lien_status ledger_wstat_written(struct ledger *l, unsigned i,
    const char **name, uint64_t out[3], uint64_t *commits) LIEN_MUST_CHECK;

/* Append witness cosignature lines ("— <name> <base64>\n" each, C2SP
 * tlog-cosignature; the caller has verified them) to the stored signed
 * checkpoint of size n, so ledger_view_checkpoint(n) returns the cosigned
 * note. At most one line per signing key (name and key id, C2SP
 * signed-note): a line whose key already has one in the note (a repeat,
 * or the same witness cosigning again with a later timestamp) is
 * dropped and the stored line kept. Runs its own short write transaction
 * (durable on return). LIEN_ENOTFOUND if no checkpoint was signed at n;
 * LIEN_EPARSE if a line is not a signature line; LIEN_ETOOBIG if a new
 * key's line would take the note past NOTE_SIGS_MAX lines or NOTE_MAX
 * bytes (then nothing is stored). */
enum lien_status ledger_checkpoint_add_cosigs(struct ledger *l, uint64_t n,
    const char *lines, size_t len) LIEN_MUST_CHECK;

/* ---- Views: consistent read-only snapshots ---------------------------- */

/* Open a snapshot at the latest committed state. Thread-safe; a view is
 * used by one thread at a time. *out: ledger_view_close. */
enum lien_status ledger_view_open(struct ledger *l, struct ledger_view **out)
    LIEN_MUST_CHECK;
void ledger_view_close(struct ledger_view *v);

/* Tree size of the snapshot. */
uint64_t ledger_view_size(const struct ledger_view *v);
/* The store's snapshot the view reads: two views with the same snapshot
 * see the same store, record for record (LMDB's transaction id). */
uint64_t ledger_view_snapshot(const struct ledger_view *v);

/* Root hash of the tree at size n <= snapshot size. */
enum lien_status ledger_view_root(struct ledger_view *v, uint64_t n,
    uint8_t out[HASH_LEN]) LIEN_MUST_CHECK;

/* Leaf hash of entry index. */
enum lien_status ledger_view_leaf_hash(struct ledger_view *v, uint64_t index,
    uint8_t out[HASH_LEN]) LIEN_MUST_CHECK;

/* Inclusion / consistency proofs (see merkle.h) against tree size n, which
 * must not exceed the snapshot size (LIEN_ERANGE). */
enum lien_status ledger_view_prove_inclusion(struct ledger_view *v,
    uint64_t index, uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
    LIEN_MUST_CHECK;
enum lien_status ledger_view_prove_consistency(struct ledger_view *v,
    uint64_t m, uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
    LIEN_MUST_CHECK;

/* Entry bytes (the whole envelope). Borrowed: valid until the view closes
 * or reads an entry of another complete bundle (this call,
 * ledger_view_bundle, ledger_view_foreach_entry): a complete bundle is
 * stored deflated, and the view holds one inflated (docs/storage.md
 * "Entries"). An entry of the incomplete last bundle is valid until the
 * view closes. LIEN_ERANGE at or past the snapshot's size, LIEN_ECORRUPT
 * for a missing or malformed bundle, LIEN_ENOMEM. */
enum lien_status ledger_view_entry(struct ledger_view *v, uint64_t index,
    const uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* Hash tile (level, index) of width w (1..256) as C2SP tlog-tiles serves
 * it: w * 32 bytes. LIEN_ENOTFOUND when the snapshot tree does not contain
 * that many hashes of that tile. A complete level-0 tile's hashes are its
 * entries' leaf hashes, hashed here from its bundle (docs/storage.md
 * "Merkle hashes"). *out malloc'd; caller frees. */
enum lien_status ledger_view_tile(struct ledger_view *v, unsigned level,
    uint64_t index, unsigned w, uint8_t **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* Entry bundle index of width w (1..256): uint16 length-prefixed entries.
 * LIEN_ENOTFOUND beyond the snapshot. *out malloc'd; caller frees. */
enum lien_status ledger_view_bundle(struct ledger_view *v, uint64_t index,
    unsigned w, uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* Proof of key's presence or absence in the status map as of the
 * snapshot, i.e. against the map root of the snapshot's last entry (its
 * state root). out is ~8 KiB: allocate it. LIEN_EUNSUPPORTED when the map
 * is off. */
struct map_proof;
enum lien_status ledger_view_map_prove(struct ledger_view *v,
    const uint8_t key[32], struct map_proof *out) LIEN_MUST_CHECK;

/* The status proof bundle (tlog/status.h) for identifier id as of the
 * snapshot: the map proof of key(id), the snapshot's last entry (its state
 * root) with its inclusion proof, and the snapshot's signed checkpoint
 * (with whatever cosignatures it holds). record: the caller's status
 * record for id, or NULL when the caller knows no record. The map must
 * agree: LIEN_ECORRUPT when it proves absence for a record, presence
 * without one, or a value that is not status_value(record).
 * LIEN_EUNSUPPORTED with the map off, LIEN_ENOTFOUND on an empty log.
 * *out malloc'd; caller frees. */
enum lien_status ledger_view_status_proof(struct ledger_view *v,
    const uint8_t *id, size_t id_len, const uint8_t *record,
    size_t record_len, uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* Derived state as of the snapshot. Borrowed: valid until the view
 * closes. LIEN_ENOTFOUND if absent. */
enum lien_status ledger_view_state_get(struct ledger_view *v,
    enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len) LIEN_MUST_CHECK;

/* State records and entries this view has handed to its caller:
 * ledger_view_state_get calls, records a state scan visited, entries
 * ledger_view_foreach_entry visited. A cost measure for tests (a read
 * whose count grows with the registry is an O(n) read), not a clock. */
uint64_t ledger_view_reads(const struct ledger_view *v);

/* Visit records of tb with keys >= from (from NULL: all) in key order
 * until fn returns non-zero or the table ends. For the vehicle tables
 * (LEDGER_T_VEHICLES, _VPRIVATE, _VWINDOW) from must be whole hex bytes
 * (LIEN_EINVAL). */
enum lien_status ledger_view_state_scan(struct ledger_view *v,
    enum ledger_table tb, const void *from, size_t from_len,
    int (*fn)(void *ctx, const uint8_t *key, size_t key_len,
	const uint8_t *val, size_t val_len),
    void *ctx) LIEN_MUST_CHECK;
/* The number of records of state table tb (not a vehicle table:
 * LIEN_EINVAL), counted by the store, not scanned. */
enum lien_status ledger_view_state_entries(struct ledger_view *v,
    enum ledger_table tb, uint64_t *out) LIEN_MUST_CHECK;

/* The signed checkpoint note for tree size n (every batch leaves one).
 * LIEN_ENOTFOUND if no checkpoint was signed at exactly n. *out malloc'd,
 * NUL-terminated; caller frees. */
enum lien_status ledger_view_checkpoint(struct ledger_view *v, uint64_t n,
    char **out, size_t *out_len) LIEN_MUST_CHECK;

/* The smallest tree size >= from (from 0 counts as 1) at which a
 * checkpoint was signed, not beyond the snapshot: *out_size. *out_nlines
 * (optional): the number of signature lines stored with it (1 for the
 * log's own signature, more once witness cosignatures were added).
 * LIEN_ENOTFOUND if there is none. Outputs are 0 on failure.
 * (ledger/checkpoint_seek.c) */
enum lien_status ledger_view_checkpoint_next(struct ledger_view *v,
    uint64_t from, uint64_t *out_size, size_t *out_nlines) LIEN_MUST_CHECK;

/* Visit entries [from, snapshot size) in order until fn returns non-zero.
 * Entry bytes are borrowed for the duration of the call. Walks bundles
 * sequentially: O(1) per entry. */
enum lien_status ledger_view_foreach_entry(struct ledger_view *v,
    uint64_t from,
    int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len),
    void *ctx) LIEN_MUST_CHECK;

/* ---- Replay: rebuild derived state from the entries -------------------- */

/* A scratch store for replaying the log's derived state (audit): same
 * tables as the real state, in a fresh LMDB environment at dir (created;
 * must be empty). */
struct ledger_scratch;
enum lien_status ledger_scratch_open(const char *dir,
    struct ledger_scratch **out) LIEN_MUST_CHECK;
/* Open a write transaction on the scratch store, as a ledger_state. */
enum lien_status ledger_scratch_begin(struct ledger_scratch *sc,
    struct ledger_state **out) LIEN_MUST_CHECK;
/* Commit the transaction begun by ledger_scratch_begin (always ends it). */
enum lien_status ledger_scratch_commit(struct ledger_scratch *sc,
    struct ledger_state *st) LIEN_MUST_CHECK;
/* Table tb of the scratch store must equal table tb of the view, record
 * for record. LIEN_ECORRUPT with the first differing key (hex) in why. */
enum lien_status ledger_scratch_compare(struct ledger_scratch *sc,
    struct ledger_view *v, enum ledger_table tb, char *why, size_t why_cap)
    LIEN_MUST_CHECK;
/* The scratch store's status map must equal the view's, record for record
 * (the map's layout is a function of its key set). LIEN_ECORRUPT with the
 * first differing tile in why. */
enum lien_status ledger_scratch_compare_map(struct ledger_scratch *sc,
    struct ledger_view *v, char *why, size_t why_cap) LIEN_MUST_CHECK;
/* For a replay that resumes across runs (lienlog sync): record, in the
 * open transaction, that entries below next are applied (with the status
 * map's key count) and an opaque word of the caller's, so a later
 * ledger_scratch_open of the same dir gives both back through
 * ledger_scratch_next (0 and 0 for a new store). Mark only where no map
 * update is pending (right after a state root). LIEN_EINVAL when no
 * transaction is open. */
enum lien_status ledger_scratch_mark(struct ledger_scratch *sc,
    uint64_t next, uint64_t note) LIEN_MUST_CHECK;
uint64_t ledger_scratch_next(const struct ledger_scratch *sc,
    uint64_t *note);
/* Write transactions committed to the scratch store since it was created
 * (LMDB's last transaction id, which counts its own set-up too): how
 * tests see that a long replay commits on the way. */
uint64_t ledger_scratch_commits(const struct ledger_scratch *sc);
/* Incremental audits (lienlog audit --resume): track 1 notes, from the
 * next ledger_scratch_begin on, every key the replay puts or deletes (in
 * memory); ledger_scratch_compare_touched then compares exactly those keys
 * of the tables in mask (bit 1 << enum ledger_table) with the view: same
 * value, or absent from both; LIEN_ECORRUPT with the first difference in
 * why. ledger_scratch_touched: keys noted (each once). */
void ledger_scratch_track(struct ledger_scratch *sc, int on);
uint64_t ledger_scratch_touched(const struct ledger_scratch *sc);
enum lien_status ledger_scratch_compare_touched(struct ledger_scratch *sc,
    struct ledger_view *v, unsigned mask, char *why, size_t why_cap)
    LIEN_MUST_CHECK;
/* ledger_scratch_compare_touched in two halves, so that the store's half
 * can run on another thread while the scratch store commits (registry/
 * audit.c): _read sorts the noted keys of mask's tables and reads each
 * from the view (the digest of a digest table's record), touching
 * nothing of sc but the noted keys, so it may run beside
 * ledger_scratch_commit; *out (caller frees with ledger_touched_free)
 * borrows from sc and from v's snapshot, valid while both are open (a
 * view of the same snapshot will do for v's). _check then reads the
 * committed scratch store and gives what ledger_scratch_compare_touched
 * would have: LIEN_ECORRUPT with the first difference in why, a read's
 * failure, LIEN_EINVAL while a transaction is open. _read: LIEN_ENOMEM
 * (its lookups' failures are _check's to return, where they occur). */
struct ledger_touched;
enum lien_status ledger_scratch_touched_read(const struct ledger_scratch *sc,
    struct ledger_view *v, unsigned mask, struct ledger_touched **out)
    LIEN_MUST_CHECK;
enum lien_status ledger_scratch_touched_check(struct ledger_scratch *sc,
    const struct ledger_touched *tr, char *why, size_t why_cap)
    LIEN_MUST_CHECK;
void ledger_touched_free(struct ledger_touched *tr);
/* Proof of key's presence or absence in the scratch store's status map
 * as of its last commit, against the root ledger_state_map_root gave
 * before that commit (a replayed map as a prover: bench/bench_map.c
 * measures proofs of a large map with it). out is ~8 KiB: allocate it.
 * LIEN_EINVAL while a transaction is open. */
enum lien_status ledger_scratch_map_prove(struct ledger_scratch *sc,
    const uint8_t key[32], struct map_proof *out) LIEN_MUST_CHECK;
/* Where the scratch store's map commits (ledger_state_map_root) spent
 * their time since it was opened, for benchmarks: thread CPU time in
 * applying the updates (reading tiles, hashing), in the garbage
 * collection, and in writing the changed tiles; records the GC took from
 * the front and copied forward; tiles written (ledger/map_store.h). */
struct ledger_map_prof {
	uint64_t commits;
	uint64_t apply_ns, gc_ns, write_ns;
	uint64_t gc_taken, gc_kept, written;	/* GC: deleted, left live */
	uint64_t read;		/* tile records read (mdb_get), GC's too */
	uint64_t gc_read;	/* of which by the GC's liveness checks */
	/* kept tiles the GC's liveness checks looked up (one per record
	 * the sweep passes, at most: ledger/map_store.c wc_live) */
	uint64_t gc_kept_looked;
	uint64_t read_clean;	/* of which read by the update, not rewritten */
	uint64_t peeked;	/* child top hashes taken from the parent */
	uint64_t top_loads;	/* times the kept tiles were (re)loaded */
	uint64_t live, total;	/* the map's records after the last commit */
	/* GC: live records it moved (deleted and put back under the same
	 * key, packed into full pages; ledger/map_store.c wc_gc) */
	uint64_t gc_moved;
	/* the map table's leaf pages after the last commit (mdb_stat) */
	uint64_t leaf_pages;
	/* commits whose update ran in two parts at once (map_wcache_threads),
	 * and the second thread's CPU time in them (apply_ns is the
	 * committing thread's only) */
	uint64_t split;
	uint64_t apply_aux_ns;
	/* of those, commits whose GC sweep began beside the update */
	uint64_t gc_early;
	/* the writes' helper thread (ledger/map_store.c wenc_start): its
	 * CPU time (sorting and encoding; write_ns is the committing
	 * thread's), and the records it encoded */
	uint64_t write_aux_ns;
	uint64_t enc_aux;
};
void ledger_scratch_map_prof(const struct ledger_scratch *sc,
    struct ledger_map_prof *out);
/* An audit's scratch store, compact (call before ledger_scratch_begin;
 * registry_replay_audit* do): the tables that are written once per key
 * and never rewritten (LEDGER_SCRATCH_DIGEST_TABLES: each application's
 * private state, the notification outbox, the Idempotency-Keys) keep 16
 * bytes of each record's SHA-256 instead of the record, and a get reads
 * the record from base (the audited store's view, open until the
 * scratch's last transaction ends), checked against the digest (a
 * mismatch: LIEN_ECORRUPT, ledger_scratch_bad says where); the compare
 * functions compare digests for them. (An Idempotency-Key the rules find
 * is a refusal whatever its record says; the store may have expired it
 * already, and the audit then names the record instead of the rule.) The replayed status map keeps its live tiles
 * only (map_wcache_prune). A kept store (ledger_scratch_mark) is marked
 * with the compact format (LEDGER_SCRATCH_FORMAT); one marked before it
 * (RDIRs of lienlog audit --resume from earlier versions) holds whole
 * records there: LIEN_EUNSUPPORTED. */
#define LEDGER_SCRATCH_DIGEST_TABLES \
	((1u << LEDGER_T_PAPPS) | (1u << LEDGER_T_NOTICES) | \
	(1u << LEDGER_T_IDEM))
#define LEDGER_SCRATCH_FORMAT "lienlog-replay-v2"
enum lien_status ledger_scratch_compact(struct ledger_scratch *sc,
    struct ledger_view *base) LIEN_MUST_CHECK;
/* 1 and why (the table and key, in hex) if a read of a digest table found
 * another record in the store than the replay wrote; else 0. */
int ledger_scratch_bad(const struct ledger_scratch *sc, char *why,
    size_t why_cap);
/* Close; the caller removes dir. NULL is a no-op. */
void ledger_scratch_close(struct ledger_scratch *sc);

/* ---- Audit ------------------------------------------------------------- */

struct ledger_audit_progress {
	uint64_t done;		/* entries checked so far */
	uint64_t total;
	uint64_t bytes;		/* entry bytes hashed so far */
};

/* Full audit of a store opened (ideally LEDGER_RDONLY) at dir: every
 * entry's envelope and hash chain, every stored Merkle hash recomputed,
 * every stored checkpoint's root and signature (against v, or the store's
 * own key if v is NULL). progress (may be NULL) is called now and then.
 * On the first mismatch returns LIEN_ECORRUPT / LIEN_EVERIFY and writes a
 * one-line reason naming the index into why (cap bytes). */
enum lien_status ledger_audit(struct ledger *l, const struct note_verifier *v,
    void (*progress)(void *ctx, const struct ledger_audit_progress *p),
    void *ctx, char *why, size_t why_cap) LIEN_MUST_CHECK;

/* The same over the entries [from, to) only (to 0: the view's size), for
 * an incremental audit (lienlog audit --resume, docs/cli.md). from > 0
 * resumes at a tree audited before: the stored complete subtrees at size
 * from must fold to from_root (else LIEN_EVERIFY), and entries, hashes
 * and checkpoints before from are trusted, not read. Every entry in the
 * range, every stored hash it completes and every checkpoint up to to is
 * checked as by ledger_audit; the root recomputed at to goes to to_root
 * (may be NULL). With to below the store's size (it grew meanwhile) to
 * must be a checkpointed size, and the checks of the store's current
 * shape (map root, table contents) are left to an audit of its size. */
enum lien_status ledger_audit_range(struct ledger *l,
    const struct note_verifier *v, uint64_t from,
    const uint8_t from_root[HASH_LEN], uint64_t to, uint8_t to_root[HASH_LEN],
    void (*progress)(void *ctx, const struct ledger_audit_progress *p),
    void *ctx, char *why, size_t why_cap) LIEN_MUST_CHECK;

#endif
