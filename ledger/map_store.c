/*
 * The lien-status map in LMDB: map tiles (ledger/map_store.h has the
 * layout), a write-side tile cache for the sequencer's batch and the audit
 * replay, and a read-side node source for proofs from a view.
 *
 * Why tiles of four levels. Keys are SHA-256 outputs, so a batch's updates
 * land at random places: every record an update touches below the first
 * few levels is a different LMDB page. Grouping four levels per record
 * makes one key's path ~log2(n)/4 records (7 at 10^7 vehicles) instead
 * of ~log2(n) nodes, while a record stays small (at most 964 bytes, four
 * or more per page) so that rewriting it does not drag overflow pages in.
 * The top strata (1 + 16 + 256 + 4,096 records) are rewritten by most
 * batches and stay hot; below them the keys follow the tree in pre-order
 * (tile_addr), so a key's lower tiles are neighbours in the B-tree.
 * bench/README.md ("Lien-status map") has the measured pages per update.
 *
 * The write cache decodes each touched tile once per batch, lets
 * tlog/map.c read and write its nodes, and writes each dirty tile once at
 * the end (deleting tiles that became empty). The read side decodes only
 * the slot asked for: a slot's offset is two popcounts away.
 */
#include "ledger/map_store.h"

#include <stdlib.h>
#include <string.h>

/* ---- Pending updates ------------------------------------------------------ */

enum lien_status
map_pending_add(struct map_pending *p, const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN])
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct map_update *u = realloc(p->u, cap * sizeof *u);

		if (u == NULL)
			return LIEN_ENOMEM;
		p->u = u;
		u = realloc(p->tmp, cap * sizeof *u);
		if (u == NULL)
			return LIEN_ENOMEM;
		p->tmp = u;
		p->cap = cap;
	}
	memcpy(p->u[p->n].key, key, MAP_KEY_LEN);
	memcpy(p->u[p->n].value, value, MAP_VALUE_LEN);
	p->u[p->n].del = 0;
	p->n++;
	return LIEN_OK;
}

void
map_pending_clear(struct map_pending *p)
{
	p->n = 0;
}

void
map_pending_free(struct map_pending *p)
{
	free(p->u);
	free(p->tmp);
	memset(p, 0, sizeof *p);
}

/* ---- Tile addressing and codec -------------------------------------------- */

static unsigned
popc16(unsigned x)
{
	return (unsigned)__builtin_popcount(x & 0xffffu);
}

/* Tile key of the node (depth, key); *slot its slot in that tile.
 *
 * Strata 0..3 (depths 0..15, the dense top): the byte s, then P packed
 * into ceil(4s/8) bytes. Strata 4 and below (the random bottom): the
 * byte 4, the first 16 bits of P, then one byte (0..15) per further
 * 4-bit step, so that LMDB's order (bytes, then the shorter first) is a
 * pre-order walk of each 16-bit group: a stratum-4 tile, then the whole
 * subtree below it, then the next. ledger/map_store.h says why. */
static size_t
tile_addr(unsigned depth, const uint8_t key[MAP_KEY_LEN],
    uint8_t out[MAP_TILE_KEY_MAX], unsigned *slot)
{
	unsigned s = depth / MAP_TILE_HEIGHT, r = depth % MAP_TILE_HEIGHT;
	unsigned j = 0;
	size_t len;

	for (unsigned i = 0; i < r; i++)
		j = j << 1 | map_key_bit(key, MAP_TILE_HEIGHT * s + i);
	*slot = (1u << r) - 1u + j;
	if (s < MAP_TILE_GROUP) {
		size_t nb = (MAP_TILE_HEIGHT * s + 7u) / 8u;

		out[0] = (uint8_t)s;
		memcpy(out + 1, key, nb);
		if ((MAP_TILE_HEIGHT * s) % 8u != 0)
			out[nb] &= 0xf0u;
		return 1 + nb;
	}
	out[0] = (uint8_t)MAP_TILE_GROUP;
	out[1] = key[0];
	out[2] = key[1];
	len = 3;
	for (unsigned k = MAP_TILE_GROUP; k < s; k++) {
		unsigned b = key[k / 2u];

		out[len++] = (uint8_t)(k % 2u == 0 ? b >> 4 : b & 0x0fu);
	}
	return len;
}

/* Check a record's header against its length. */
static enum lien_status LIEN_MUST_CHECK
tile_check(const uint8_t *v, size_t len, unsigned *present, unsigned *leaves)
{
	if (len < 4)
		return LIEN_ECORRUPT;
	*present = (unsigned)v[0] << 8 | v[1];
	*leaves = (unsigned)v[2] << 8 | v[3];
	if (*present == 0 || *present >> MAP_TILE_SLOTS != 0 ||
	    (*leaves & ~*present) != 0 ||
	    len != 4u + HASH_LEN * (popc16(*present) + popc16(*leaves)))
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

/* Slot `slot` of a stored record (v may be NULL: no record). */
static enum lien_status LIEN_MUST_CHECK
tile_slot(const uint8_t *v, size_t len, unsigned slot, struct map_node *out)
{
	unsigned present, leaves, below = (1u << slot) - 1u;
	const uint8_t *p;
	enum lien_status st;

	if (v == NULL) {
		out->kind = MAP_EMPTY;
		return LIEN_OK;
	}
	if ((st = tile_check(v, len, &present, &leaves)) != LIEN_OK)
		return st;
	if (!(present & (1u << slot))) {
		out->kind = MAP_EMPTY;
		return LIEN_OK;
	}
	p = v + 4 + HASH_LEN * (popc16(present & below) +
	    popc16(leaves & below));
	if (leaves & (1u << slot)) {
		map_node_leaf(out, p, p + MAP_KEY_LEN);
	} else {
		out->kind = MAP_NODE;
		memcpy(out->hash, p, HASH_LEN);
	}
	return LIEN_OK;
}

/* ---- Write cache ------------------------------------------------------------ */

struct wtile {
	uint8_t key[MAP_TILE_KEY_MAX];
	uint8_t key_len;
	uint8_t dirty;
	/* Bit i: slot i is a leaf decoded from the store whose hash is not
	 * computed yet. Most leaves a batch decodes are never asked for
	 * (only a changed node's children are), so hashing every leaf of
	 * every tile read was the larger part of an update's SHA-256 work. */
	uint16_t unhashed;
	struct map_node slot[MAP_TILE_SLOTS];
};

struct map_wcache {
	struct store_txn *t;
	struct wtile *tiles;	/* dense, n used */
	size_t n, ntiles_cap;
	uint32_t *idx;		/* open addressing: 0 free, else tile + 1 */
	size_t cap;		/* power of two, >= 2 n */
};

void
map_wcache_free(struct map_wcache *c)
{
	if (c == NULL)
		return;
	free(c->tiles);
	free(c->idx);
	free(c);
}

static uint64_t
key_hash(const uint8_t *k, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull * (uint64_t)(len + 1);

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static enum lien_status LIEN_MUST_CHECK
wc_rehash(struct map_wcache *c, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof *idx);

	if (idx == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		size_t h = (size_t)key_hash(c->tiles[i].key,
		    c->tiles[i].key_len) & (cap - 1);

		while (idx[h] != 0)
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(c->idx);
	c->idx = idx;
	c->cap = cap;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
wc_decode(const uint8_t *v, size_t len, struct wtile *w)
{
	unsigned present, leaves;
	const uint8_t *p = v + 4;
	enum lien_status st;

	if ((st = tile_check(v, len, &present, &leaves)) != LIEN_OK)
		return st;
	w->unhashed = (uint16_t)leaves;
	for (unsigned i = 0; i < MAP_TILE_SLOTS; i++) {
		if (!(present & (1u << i))) {
			w->slot[i].kind = MAP_EMPTY;
		} else if (leaves & (1u << i)) {
			w->slot[i].kind = MAP_LEAF;
			memcpy(w->slot[i].key, p, MAP_KEY_LEN);
			memcpy(w->slot[i].value, p + MAP_KEY_LEN,
			    MAP_VALUE_LEN);
			p += MAP_KEY_LEN + MAP_VALUE_LEN;
		} else {
			w->slot[i].kind = MAP_NODE;
			memcpy(w->slot[i].hash, p, HASH_LEN);
			p += HASH_LEN;
		}
	}
	return LIEN_OK;
}

/* The cached tile with key k, loaded from the store on first use. */
static enum lien_status LIEN_MUST_CHECK
wc_tile(struct map_wcache *c, const uint8_t *k, size_t klen,
    struct wtile **out)
{
	size_t h;
	struct wtile *w;
	const uint8_t *v;
	size_t vlen;
	enum lien_status st;

	if (2 * (c->n + 1) > c->cap &&
	    (st = wc_rehash(c, c->cap ? 2 * c->cap : 1024)) != LIEN_OK)
		return st;
	h = (size_t)key_hash(k, klen) & (c->cap - 1);
	for (; c->idx[h] != 0; h = (h + 1) & (c->cap - 1)) {
		w = &c->tiles[c->idx[h] - 1];
		if (w->key_len == klen && memcmp(w->key, k, klen) == 0) {
			*out = w;
			return LIEN_OK;
		}
	}
	if (c->n == c->ntiles_cap) {
		size_t ncap = c->ntiles_cap ? 2 * c->ntiles_cap : 256;
		struct wtile *t = realloc(c->tiles, ncap * sizeof *t);

		if (t == NULL)
			return LIEN_ENOMEM;
		c->tiles = t;
		c->ntiles_cap = ncap;
	}
	w = &c->tiles[c->n];
	memcpy(w->key, k, klen);
	w->key_len = (uint8_t)klen;
	w->dirty = 0;
	w->unhashed = 0;
	st = store_get(c->t, STORE_MAP, k, klen, &v, &vlen);
	if (st == LIEN_ENOTFOUND) {
		for (unsigned i = 0; i < MAP_TILE_SLOTS; i++)
			w->slot[i].kind = MAP_EMPTY;
	} else if (st != LIEN_OK ||
	    (st = wc_decode(v, vlen, w)) != LIEN_OK) {
		return st;
	}
	c->idx[h] = (uint32_t)(c->n + 1);
	c->n++;
	*out = w;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
wc_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	uint8_t k[MAP_TILE_KEY_MAX];
	unsigned slot;
	size_t klen = tile_addr(depth, key, k, &slot);
	struct wtile *w;
	enum lien_status st = wc_tile(ctx, k, klen, &w);

	if (st != LIEN_OK)
		return st;
	if (w->unhashed & (1u << slot)) {
		struct map_node *n = &w->slot[slot];

		map_hash_leaf(n->key, n->value, n->hash);
		w->unhashed = (uint16_t)(w->unhashed & ~(1u << slot));
	}
	*out = w->slot[slot];
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
wc_put(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    const struct map_node *n)
{
	uint8_t k[MAP_TILE_KEY_MAX];
	unsigned slot;
	size_t klen = tile_addr(depth, key, k, &slot);
	struct wtile *w;
	enum lien_status st = wc_tile(ctx, k, klen, &w);

	if (st != LIEN_OK)
		return st;
	w->slot[slot] = *n;
	w->unhashed = (uint16_t)(w->unhashed & ~(1u << slot));
	w->dirty = 1;
	return LIEN_OK;
}

static int
wtile_cmp(const void *a, const void *b)
{
	const struct wtile *x = *(const struct wtile *const *)a;
	const struct wtile *y = *(const struct wtile *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	return c != 0 ? c : (int)x->key_len - (int)y->key_len;
}

/* Write every dirty tile (in key order: neighbouring tiles share pages)
 * and empty the cache. */
static enum lien_status LIEN_MUST_CHECK
wc_flush(struct map_wcache *c)
{
	struct wtile **dirty = NULL;
	size_t nd = 0;
	enum lien_status st = LIEN_OK;

	if (c->n > 0 && (dirty = malloc(c->n * sizeof *dirty)) == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		if (c->tiles[i].dirty)
			dirty[nd++] = &c->tiles[i];
	if (nd > 1)
		qsort(dirty, nd, sizeof *dirty, wtile_cmp);
	for (size_t i = 0; i < nd && st == LIEN_OK; i++) {
		struct wtile *w = dirty[i];
		unsigned present = 0, leaves = 0;
		size_t len = 4;
		uint8_t *dst;

		for (unsigned s = 0; s < MAP_TILE_SLOTS; s++) {
			if (w->slot[s].kind == MAP_EMPTY)
				continue;
			present |= 1u << s;
			if (w->slot[s].kind == MAP_LEAF) {
				leaves |= 1u << s;
				len += MAP_KEY_LEN + MAP_VALUE_LEN;
			} else {
				len += HASH_LEN;
			}
		}
		if (present == 0) {
			st = store_del(c->t, STORE_MAP, w->key, w->key_len);
			if (st == LIEN_ENOTFOUND)
				st = LIEN_OK;
			continue;
		}
		if ((st = store_reserve(c->t, STORE_MAP, w->key, w->key_len,
		    len, &dst)) != LIEN_OK)
			break;
		dst[0] = (uint8_t)(present >> 8);
		dst[1] = (uint8_t)present;
		dst[2] = (uint8_t)(leaves >> 8);
		dst[3] = (uint8_t)leaves;
		dst += 4;
		for (unsigned s = 0; s < MAP_TILE_SLOTS; s++) {
			const struct map_node *n = &w->slot[s];

			if (n->kind == MAP_LEAF) {
				memcpy(dst, n->key, MAP_KEY_LEN);
				memcpy(dst + MAP_KEY_LEN, n->value,
				    MAP_VALUE_LEN);
				dst += MAP_KEY_LEN + MAP_VALUE_LEN;
			} else if (n->kind == MAP_NODE) {
				memcpy(dst, n->hash, HASH_LEN);
				dst += HASH_LEN;
			}
		}
	}
	free(dirty);
	return st;
}

static void
wc_reset(struct map_wcache *c)
{
	c->n = 0;
	if (c->idx != NULL)
		memset(c->idx, 0, c->cap * sizeof *c->idx);
	c->t = NULL;
}

enum lien_status
map_commit(struct store_txn *t, struct map_pending *p,
    struct map_wcache **cache, uint8_t out_root[HASH_LEN],
    uint64_t *io_count)
{
	struct map_wcache *c = *cache;
	struct map_store s;
	size_t n = 0;
	enum lien_status st;

	if (c == NULL) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return LIEN_ENOMEM;
		*cache = c;
	}
	if (p->n > 0)
		map_updates_sort(p->u, p->tmp, p->n, &n);
	c->t = t;
	s.get = wc_get;
	s.put = wc_put;
	s.ctx = c;
	st = map_update(&s, p->u, n, out_root, io_count);
	if (st == LIEN_OK)
		st = wc_flush(c);
	wc_reset(c);
	map_pending_clear(p);
	return st;
}

/* ---- Read side ---------------------------------------------------------------- */

/* The last two records read: a proof reads both children of each node,
 * eight nodes per tile. Values are borrowed from the txn. */
struct rstore {
	struct store_txn *t;
	struct {
		uint8_t key[MAP_TILE_KEY_MAX];
		size_t key_len;
		const uint8_t *v;
		size_t len;
		int valid;
	} c[2];
	unsigned next;
};

static enum lien_status LIEN_MUST_CHECK
rs_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct rstore *r = ctx;
	uint8_t k[MAP_TILE_KEY_MAX];
	unsigned slot, w;
	size_t klen = tile_addr(depth, key, k, &slot);
	enum lien_status st;

	for (w = 0; w < 2; w++)
		if (r->c[w].valid && r->c[w].key_len == klen &&
		    memcmp(r->c[w].key, k, klen) == 0)
			return tile_slot(r->c[w].v, r->c[w].len, slot, out);
	w = r->next++ & 1u;
	st = store_get(r->t, STORE_MAP, k, klen, &r->c[w].v, &r->c[w].len);
	if (st == LIEN_ENOTFOUND) {
		r->c[w].v = NULL;
		r->c[w].len = 0;
	} else if (st != LIEN_OK) {
		r->c[w].valid = 0;
		return st;
	}
	memcpy(r->c[w].key, k, klen);
	r->c[w].key_len = klen;
	r->c[w].valid = 1;
	return tile_slot(r->c[w].v, r->c[w].len, slot, out);
}

enum lien_status
map_txn_prove(struct store_txn *t, const uint8_t key[MAP_KEY_LEN],
    struct map_proof *out)
{
	struct rstore r;
	struct map_store s = { rs_get, NULL, &r };

	memset(&r, 0, sizeof r);
	r.t = t;
	return map_prove(&s, key, out);
}

enum lien_status
map_txn_root(struct store_txn *t, uint8_t out[HASH_LEN])
{
	struct rstore r;
	struct map_store s = { rs_get, NULL, &r };

	memset(&r, 0, sizeof r);
	r.t = t;
	return map_root(&s, out);
}
