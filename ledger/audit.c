/*
 * Full audit of a store: trust nothing that was stored, recompute it all.
 *
 * One pass in log order: every entry bundle and tail entry is decoded
 * (envelope version, index, non-decreasing time, prev = leaf hash of the
 * entry before), its leaf hash recomputed and pushed through a Merkle
 * frontier; every subtree the frontier completes is compared with the
 * stored hash, so every stored interior node is checked exactly once.
 * Whenever the recomputed tree reaches the size of a stored checkpoint,
 * the checkpoint note is rebuilt from the recomputed root and its
 * signature verified: a stored checkpoint is only valid if it signs the
 * tree we recomputed. Finally the tables must hold nothing else.
 *
 * With the status map on, the log's shape around it too: every stored
 * checkpoint's last leaf is a state-root entry, every state-root entry
 * ends a checkpointed tree and names that tree's size, and the stored
 * map's root is the last state root's. Whether each state root is the
 * right one is the domain's replay to say (registry_replay_audit rebuilds
 * the map from the entries).
 *
 * The first mismatch stops the audit with a reason naming the index.
 *
 * Leaf hashing (a full SHA-256 of every entry) is most of the work, and
 * it needs no order: entries are gathered in chunks of AUDIT_CHUNK, their
 * leaf hashes computed on two threads, then the chunk is checked in log
 * order with the precomputed hashes. Everything order-dependent (chain,
 * tree, checkpoints) stays on one thread.
 */
#include "ledger/ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "common/rd.h"
#include "tlog/entry.h"
#include "tlog/status.h"

#define AUDIT_CHUNK 4096u
/* Bundles whose bodies the gathered entries borrow (ledger/bundle.h):
 * one is reused 17 bundles later, 4,096 entries on, by when the chunk
 * that held its entries has been checked. */
#define AUDIT_BUNDLES (AUDIT_CHUNK / TILE_WIDTH + 1u)

struct audit_ent {
	const uint8_t *p;	/* borrowed from the audit's read txn */
	size_t len;
	uint64_t index;
};

/* The second hashing thread: hashes ents[lo, hi) when told to. */
struct hasher {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct audit_ent *ents;
	uint8_t (*out)[HASH_LEN];
	size_t lo, hi;
	int pending, quit, started;
};

static void
hash_range(const struct audit_ent *e, uint8_t (*out)[HASH_LEN], size_t lo,
    size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		hash_leaf(e[i].p, e[i].len, out[i]);
}

static void *
hasher_main(void *arg)
{
	struct hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->pending && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->quit)
			break;
		pthread_mutex_unlock(&h->mu);
		hash_range(h->ents, h->out, h->lo, h->hi);
		pthread_mutex_lock(&h->mu);
		h->pending = 0;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Hash n entries, splitting the work with the helper thread if any. */
static void
hash_chunk(struct hasher *h, const struct audit_ent *e,
    uint8_t (*out)[HASH_LEN], size_t n)
{
	size_t mid = n / 2;

	if (!h->started || n < 64) {
		hash_range(e, out, 0, n);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->ents = e;
	h->out = out;
	h->lo = mid;
	h->hi = n;
	h->pending = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	hash_range(e, out, 0, mid);
	pthread_mutex_lock(&h->mu);
	while (h->pending)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

static void
hasher_start(struct hasher *h)
{
	memset(h, 0, sizeof *h);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	/* One core: hashing inline is faster than handing work over. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    pthread_create(&h->tid, NULL, hasher_main, h) == 0)
		h->started = 1;
}

static void
hasher_stop(struct hasher *h)
{
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->quit = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->tid, NULL);
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
}

struct audit {
	struct ledger_view *v;
	const struct note_verifier *nv;
	struct merkle_frontier f;
	uint8_t prev[HASH_LEN];
	uint64_t prev_time;
	uint64_t next_cp;	/* size of the next stored checkpoint, or 0 */
	const uint8_t *cp_sig;	/* its signature block, borrowed from the txn */
	size_t cp_sig_len;
	struct store_cursor *cpc;
	char *why;
	size_t why_cap;
	struct ledger_audit_progress prog;
	struct hasher hasher;
	struct audit_ent *ents;		/* AUDIT_CHUNK */
	struct bundle_read bundles[AUDIT_BUNDLES];
	uint8_t (*leaves)[HASH_LEN];	/* AUDIT_CHUNK */
	size_t nents;
	int statemap;
	unsigned last_type;	/* type of the last entry checked */
	uint8_t map_root[HASH_LEN];	/* of the last state root */
};

#define WHY(a, ...) snprintf((a)->why, (a)->why_cap, __VA_ARGS__)

static enum lien_status LIEN_MUST_CHECK
audit_emit(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[HASH_LEN])
{
	struct audit *a = ctx;
	uint8_t stored[HASH_LEN];
	enum lien_status st = view_node_stored(a->v, level, index, stored);

	if (st == LIEN_ENOTFOUND && level == 0)
		return LIEN_OK;	/* a complete tile's leaf: the entry's own
				 * hash, checked by the level-1 hash above */
	if (st != LIEN_OK) {
		WHY(a, "tree node (level %u, index %llu): cannot read: %s",
		    level, (unsigned long long)index, lien_status_message(st));
		return st;
	}
	if (!hash_equal(stored, hash)) {
		WHY(a, "tree node (level %u, index %llu): stored hash differs "
		    "from the hash recomputed from the entries", level,
		    (unsigned long long)index);
		return LIEN_ECORRUPT;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
cp_advance(struct audit *a, int first)
{
	const uint8_t *k, *val;
	size_t k_len, v_len;
	enum lien_status st = first ?
	    store_cursor_seek(a->cpc, NULL, 0, &k, &k_len, &val, &v_len) :
	    store_cursor_next(a->cpc, &k, &k_len, &val, &v_len);

	a->next_cp = 0;
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (k_len != 8 || be64_get(k) == 0) {
		WHY(a, "checkpoints table: malformed key");
		return LIEN_ECORRUPT;
	}
	a->next_cp = be64_get(k);
	a->cp_sig = val;
	a->cp_sig_len = v_len;
	return LIEN_OK;
}

/* The tree just reached size n: the stored checkpoint at n must be a valid
 * signature over the root recomputed from the entries. */
static enum lien_status LIEN_MUST_CHECK
audit_checkpoint(struct audit *a, uint64_t n)
{
	uint8_t root[HASH_LEN];
	char *note = NULL;
	size_t note_len;
	struct note_parsed *np;
	enum lien_status st;

	if (a->next_cp != n)
		return LIEN_OK;
	if (a->statemap && a->last_type != ENTRY_TYPE_STATE_ROOT) {
		WHY(a, "checkpoint at size %llu: its last leaf (entry %llu) is "
		    "not a state root", (unsigned long long)n,
		    (unsigned long long)(n - 1));
		return LIEN_ECORRUPT;
	}
	merkle_frontier_root(&a->f, root);
	st = checkpoint_note_build(a->v->l->origin, n, root, a->cp_sig,
	    a->cp_sig_len, &note, &note_len);
	if (st != LIEN_OK)
		return st;
	np = malloc(sizeof *np);
	if (np == NULL) {
		free(note);
		return LIEN_ENOMEM;
	}
	st = note_verify((const uint8_t *)note, note_len, a->nv, 1, np, NULL);
	free(np);
	free(note);
	if (st != LIEN_OK) {
		WHY(a, "checkpoint at size %llu: signature does not verify over "
		    "the root recomputed from the entries (key %s)",
		    (unsigned long long)n, a->nv->name);
		return LIEN_EVERIFY;
	}
	return cp_advance(a, 0);
}

/* A state-root entry: well-formed, for its own tree size, at the end of a
 * checkpointed tree. */
static enum lien_status LIEN_MUST_CHECK
audit_state_root(struct audit *a, uint64_t i, const struct entry *e)
{
	struct status_root sr;

	if (!a->statemap) {
		WHY(a, "entry %llu: a state root in a store kept without the "
		    "status map", (unsigned long long)i);
		return LIEN_ECORRUPT;
	}
	if (status_root_decode(e->payload, e->payload_len, &sr) != LIEN_OK) {
		WHY(a, "entry %llu: state-root payload is malformed",
		    (unsigned long long)i);
		return LIEN_ECORRUPT;
	}
	if (sr.tree_size != i + 1) {
		WHY(a, "entry %llu: state root names tree size %llu, not %llu",
		    (unsigned long long)i, (unsigned long long)sr.tree_size,
		    (unsigned long long)(i + 1));
		return LIEN_ECORRUPT;
	}
	if (a->next_cp != i + 1) {
		WHY(a, "entry %llu: state root that ends no checkpointed tree",
		    (unsigned long long)i);
		return LIEN_ECORRUPT;
	}
	memcpy(a->map_root, sr.root, HASH_LEN);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
audit_entry(struct audit *a, uint64_t i, const uint8_t *p, size_t len,
    const uint8_t leaf[HASH_LEN])
{
	struct entry e;
	enum lien_status st = entry_decode(p, len, &e);

	if (st != LIEN_OK) {
		WHY(a, "entry %llu: envelope does not decode: %s",
		    (unsigned long long)i, lien_status_message(st));
		return LIEN_ECORRUPT;
	}
	if (e.index != i) {
		WHY(a, "entry %llu: envelope says index %llu",
		    (unsigned long long)i, (unsigned long long)e.index);
		return LIEN_ECORRUPT;
	}
	if (!hash_equal(e.prev, a->prev)) {
		WHY(a, "entry %llu: hash chain broken: prev differs from the "
		    "leaf hash of entry %llu", (unsigned long long)i,
		    (unsigned long long)(i ? i - 1 : 0));
		return LIEN_ECORRUPT;
	}
	if (e.time_ms < a->prev_time) {
		WHY(a, "entry %llu: time goes backwards", (unsigned long long)i);
		return LIEN_ECORRUPT;
	}
	if (e.type == ENTRY_TYPE_STATE_ROOT &&
	    (st = audit_state_root(a, i, &e)) != LIEN_OK)
		return st;
	a->last_type = e.type;
	if ((st = merkle_frontier_push(&a->f, leaf, audit_emit, a)) != LIEN_OK)
		return st;
	memcpy(a->prev, leaf, HASH_LEN);
	a->prev_time = e.time_ms;
	a->prog.done = i + 1;
	a->prog.bytes += len;
	return audit_checkpoint(a, i + 1);
}

/* Check the gathered chunk in log order, then empty it. */
static enum lien_status LIEN_MUST_CHECK
audit_flush(struct audit *a)
{
	enum lien_status st;

	hash_chunk(&a->hasher, a->ents, a->leaves, a->nents);
	for (size_t k = 0; k < a->nents; k++)
		if ((st = audit_entry(a, a->ents[k].index, a->ents[k].p,
		    a->ents[k].len, a->leaves[k])) != LIEN_OK)
			return st;
	a->nents = 0;
	return LIEN_OK;
}

/* A structural error was found while gathering: entries gathered before it
 * come first in log order, so check them before reporting it. */
#define FLUSH_FIRST(a, st)						\
	do {								\
		if (((st) = audit_flush(a)) != LIEN_OK)			\
			goto out;					\
	} while (0)

/* Queue entry i for checking; flushes a full chunk. */
static enum lien_status LIEN_MUST_CHECK
audit_add(struct audit *a, uint64_t i, const uint8_t *p, size_t len)
{
	a->ents[a->nents].p = p;
	a->ents[a->nents].len = len;
	a->ents[a->nents].index = i;
	if (++a->nents == AUDIT_CHUNK)
		return audit_flush(a);
	return LIEN_OK;
}

/* Every key in table tb must satisfy ok(key): nothing stray. */
static enum lien_status LIEN_MUST_CHECK
audit_table_keys(struct audit *a, enum store_table tb, const char *name,
    uint64_t lo, uint64_t hi)
{
	struct store_cursor *c;
	const uint8_t *k, *val;
	size_t k_len, v_len;
	uint64_t count = 0;
	enum lien_status st = store_cursor_open(a->v->t, tb, &c);

	if (st != LIEN_OK)
		return st;
	for (st = store_cursor_seek(c, NULL, 0, &k, &k_len, &val, &v_len);
	    st == LIEN_OK;
	    st = store_cursor_next(c, &k, &k_len, &val, &v_len)) {
		if (k_len != 8 || be64_get(k) < lo || be64_get(k) >= hi) {
			WHY(a, "%s table: unexpected record", name);
			store_cursor_close(c);
			return LIEN_ECORRUPT;
		}
		count++;
	}
	store_cursor_close(c);
	if (st != LIEN_ENOTFOUND)
		return st;
	if (count != hi - lo) {
		WHY(a, "%s table: %llu records, expected %llu", name,
		    (unsigned long long)count, (unsigned long long)(hi - lo));
		return LIEN_ECORRUPT;
	}
	return LIEN_OK;
}

/* Resume at size from (> 0): the frontier from the stored complete
 * subtrees, whose root must be from_root (the resume record's), and the
 * chain, time, last type and last state root from entry from - 1. */
static enum lien_status LIEN_MUST_CHECK
audit_resume(struct audit *a, uint64_t from,
    const uint8_t from_root[HASH_LEN])
{
	uint8_t root[HASH_LEN];
	const uint8_t *p, *k, *val;
	size_t len, k_len, v_len;
	struct entry e;
	uint8_t key[8];
	enum lien_status st;

	a->f.size = from;
	for (unsigned lv = 0; lv < 64; lv++)
		if ((from >> lv) & 1u && (st = view_node(a->v, lv,
		    (from >> lv) - 1, a->f.hash[lv])) != LIEN_OK) {
			WHY(a, "resume at size %llu: tree node (level %u) "
			    "unreadable: %s", (unsigned long long)from, lv,
			    lien_status_message(st));
			return LIEN_ECORRUPT;
		}
	merkle_frontier_root(&a->f, root);
	if (!hash_equal(root, from_root)) {
		WHY(a, "resume at size %llu: the store's tree at that size is "
		    "not the one the resume record names", (unsigned long long)
		    from);
		return LIEN_EVERIFY;
	}
	if ((st = ledger_view_entry(a->v, from - 1, &p, &len)) != LIEN_OK ||
	    entry_decode(p, len, &e) != LIEN_OK || e.index != from - 1) {
		WHY(a, "resume at size %llu: entry %llu unreadable",
		    (unsigned long long)from, (unsigned long long)(from - 1));
		return LIEN_ECORRUPT;
	}
	/* The leaf at from - 1 is under the root just checked. */
	hash_leaf(p, len, a->prev);
	if ((st = view_node(a->v, 0, from - 1, root)) != LIEN_OK ||
	    !hash_equal(root, a->prev)) {
		WHY(a, "resume at size %llu: entry %llu differs from its "
		    "stored leaf hash", (unsigned long long)from,
		    (unsigned long long)(from - 1));
		return LIEN_ECORRUPT;
	}
	a->prev_time = e.time_ms;
	a->last_type = e.type;
	if (e.type == ENTRY_TYPE_STATE_ROOT) {
		struct status_root sr;

		if (status_root_decode(e.payload, e.payload_len, &sr) !=
		    LIEN_OK) {
			WHY(a, "entry %llu: state-root payload is malformed",
			    (unsigned long long)(from - 1));
			return LIEN_ECORRUPT;
		}
		memcpy(a->map_root, sr.root, HASH_LEN);
	}
	/* the first checkpoint after from */
	be64_put(key, from + 1);
	st = store_cursor_seek(a->cpc, key, 8, &k, &k_len, &val, &v_len);
	a->next_cp = 0;
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (k_len != 8) {
		WHY(a, "checkpoints table: malformed key");
		return LIEN_ECORRUPT;
	}
	a->next_cp = be64_get(k);
	a->cp_sig = val;
	a->cp_sig_len = v_len;
	return LIEN_OK;
}

enum lien_status
ledger_audit(struct ledger *l, const struct note_verifier *v,
    void (*progress)(void *ctx, const struct ledger_audit_progress *p),
    void *ctx, char *why, size_t why_cap)
{
	return ledger_audit_range(l, v, 0, NULL, 0, NULL, progress, ctx, why,
	    why_cap);
}

enum lien_status
ledger_audit_range(struct ledger *l, const struct note_verifier *v,
    uint64_t from, const uint8_t from_root[HASH_LEN], uint64_t to,
    uint8_t to_root[HASH_LEN],
    void (*progress)(void *ctx, const struct ledger_audit_progress *p),
    void *ctx, char *why, size_t why_cap)
{
	struct audit a;
	struct note_verifier own;
	uint64_t n, nb, b0, size;
	enum lien_status st;

	memset(&a, 0, sizeof a);
	a.why = why;
	a.why_cap = why_cap;
	if (why_cap)
		why[0] = '\0';
	merkle_frontier_init(&a.f);
	a.ents = malloc(AUDIT_CHUNK * sizeof *a.ents);
	a.leaves = malloc(AUDIT_CHUNK * sizeof *a.leaves);
	if (a.ents == NULL || a.leaves == NULL) {
		free(a.ents);
		free(a.leaves);
		return LIEN_ENOMEM;
	}
	hasher_start(&a.hasher);
	a.statemap = l->statemap;
	if ((st = ledger_view_open(l, &a.v)) != LIEN_OK)
		goto out;
	size = a.v->size;
	n = to == 0 ? size : to;
	if (n > size || from > n || (from > 0 && from_root == NULL)) {
		WHY(&a, "audit range %llu..%llu outside the tree (size %llu)",
		    (unsigned long long)from, (unsigned long long)n,
		    (unsigned long long)size);
		st = LIEN_ERANGE;
		goto out;
	}
	a.prog.total = n;
	a.prog.done = from;
	if (v == NULL) {
		const uint8_t *kv;
		size_t kv_len;

		st = store_get(a.v->t, STORE_META, "vkey", 4, &kv, &kv_len);
		if (st == LIEN_OK)
			st = note_verifier_parse((const char *)kv, kv_len, &own);
		if (st != LIEN_OK) {
			WHY(&a, "store holds no usable verifier key: %s",
			    lien_status_message(st));
			goto out;
		}
		v = &own;
	}
	a.nv = v;
	if (strcmp(v->name, l->origin) != 0) {
		WHY(&a, "verifier key %s is not for this log (origin %s)",
		    v->name, l->origin);
		st = LIEN_EKEY;
		goto out;
	}
	if ((st = store_cursor_open(a.v->t, STORE_CHECKPOINTS, &a.cpc)) !=
	    LIEN_OK)
		goto out;
	if (from == 0)
		st = cp_advance(&a, 1);
	else
		st = audit_resume(&a, from, from_root);
	if (st != LIEN_OK)
		goto out;

	nb = n / TILE_WIDTH;
	b0 = from / TILE_WIDTH;
	for (uint64_t b = b0; b < nb; b++) {
		const uint8_t *bun, *p;
		size_t bun_len;
		struct rd r;
		enum lien_status rst;

		/* the gathered chunk borrows the body: a ring of them */
		rst = view_bundle_body(a.v, &a.bundles[b % AUDIT_BUNDLES], b,
		    &bun, &bun_len);
		if (rst != LIEN_OK) {
			FLUSH_FIRST(&a, st);
			WHY(&a, "entry bundle %llu (entries %llu..): missing or "
			    "malformed: %s", (unsigned long long)b,
			    (unsigned long long)(b * TILE_WIDTH),
			    lien_status_message(rst));
			st = rst == LIEN_ENOMEM ? rst : LIEN_ECORRUPT;
			goto out;
		}
		rd_init(&r, bun, bun_len);
		for (unsigned k = 0; k < TILE_WIDTH; k++) {
			uint16_t elen;

			if (rd_u16be(&r, &elen) != LIEN_OK ||
			    rd_take(&r, elen, &p) != LIEN_OK) {
				FLUSH_FIRST(&a, st);
				WHY(&a, "entry %llu: bundle %llu is truncated",
				    (unsigned long long)(b * TILE_WIDTH + k),
				    (unsigned long long)b);
				st = LIEN_ECORRUPT;
				goto out;
			}
			if (b * TILE_WIDTH + k < from)
				continue;	/* before the resume point */
			if ((st = audit_add(&a, b * TILE_WIDTH + k, p,
			    elen)) != LIEN_OK)
				goto out;
		}
		if (rd_left(&r) != 0) {
			FLUSH_FIRST(&a, st);
			WHY(&a, "entry bundle %llu: trailing bytes",
			    (unsigned long long)b);
			st = LIEN_ECORRUPT;
			goto out;
		}
		if (progress && (b & 63) == 63)
			progress(ctx, &a.prog);
	}
	for (uint64_t i = nb * TILE_WIDTH > from ? nb * TILE_WIDTH : from;
	    i < n; i++) {
		const uint8_t *p;
		size_t len;

		if ((st = ledger_view_entry(a.v, i, &p, &len)) != LIEN_OK) {
			enum lien_status st2;

			FLUSH_FIRST(&a, st2);
			WHY(&a, "entry %llu: missing", (unsigned long long)i);
			goto out;
		}
		if ((st = audit_add(&a, i, p, len)) != LIEN_OK)
			goto out;
	}
	if ((st = audit_flush(&a)) != LIEN_OK)
		goto out;
	if (to_root != NULL)
		merkle_frontier_root(&a.f, to_root);
	if (n < size) {
		/* An audit of a prefix of a store that grew meanwhile: the
		 * store's current map and table shapes belong to the larger
		 * tree. The prefix must end at a checkpoint. */
		if (a.next_cp != 0 && a.next_cp <= n) {
			WHY(&a, "checkpoint at size %llu was not checked",
			    (unsigned long long)a.next_cp);
			st = LIEN_ECORRUPT;
			goto out;
		}
		if (n > 0) {
			char *cp = NULL;
			size_t cp_len;

			if (ledger_view_checkpoint(a.v, n, &cp, &cp_len) !=
			    LIEN_OK) {
				WHY(&a, "no checkpoint for size %llu",
				    (unsigned long long)n);
				st = LIEN_ECORRUPT;
				goto out;
			}
			free(cp);
		}
		st = LIEN_OK;
		goto out;
	}
	if (a.next_cp != 0) {
		WHY(&a, "checkpoint at size %llu is beyond the tree (size %llu)",
		    (unsigned long long)a.next_cp, (unsigned long long)n);
		st = LIEN_ECORRUPT;
		goto out;
	}
	if (n > 0) {
		char *cp = NULL;
		size_t cp_len;

		if ((st = ledger_view_checkpoint(a.v, n, &cp, &cp_len)) !=
		    LIEN_OK) {
			WHY(&a, "no checkpoint for the current size %llu",
			    (unsigned long long)n);
			st = LIEN_ECORRUPT;
			goto out;
		}
		free(cp);
	}
	if (a.statemap) {
		uint8_t root[HASH_LEN], empty[HASH_LEN];

		map_hash_empty(empty);
		if ((st = map_txn_root(a.v->t, root)) != LIEN_OK) {
			WHY(&a, "status map: cannot read its root: %s",
			    lien_status_message(st));
			goto out;
		}
		if (!hash_equal(root, n > 0 ? a.map_root : empty)) {
			WHY(&a, "status map: the stored map's root differs "
			    "from the last state root (entry %llu)",
			    (unsigned long long)(n ? n - 1 : 0));
			st = LIEN_ECORRUPT;
			goto out;
		}
	}
	if ((st = audit_table_keys(&a, STORE_BUNDLES, "bundles", 0, nb)) !=
	    LIEN_OK ||
	    (st = audit_table_keys(&a, STORE_TAIL, "tail", nb * TILE_WIDTH,
	    n)) != LIEN_OK)
		goto out;
	if (progress)
		progress(ctx, &a.prog);
	st = LIEN_OK;
out:
	hasher_stop(&a.hasher);
	for (unsigned k = 0; k < AUDIT_BUNDLES; k++)
		bundle_read_clear(&a.bundles[k]);
	free(a.ents);
	free(a.leaves);
	store_cursor_close(a.cpc);
	ledger_view_close(a.v);
	return st;
}
