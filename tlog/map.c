/*
 * The lien-status map (tlog/map.h, docs/lien-status.md): hashing, the
 * batched update, proofs, their encoding and their verification.
 *
 * Design. The tree is canonical: its shape is a function of the key set
 * alone (a leaf sits at the shallowest depth where its key is alone, an
 * interior node exists only where at least two keys meet), so two
 * implementations that agree on the set agree on every hash, whatever
 * order the keys arrived in. The store holds exactly the non-empty nodes
 * of that shape and nothing below a leaf.
 *
 * The update walks down once from the root with the batch's sorted keys,
 * splitting them by the next key bit; each node on a changed path is read
 * once, rebuilt from its two new children and written once, so a batch of
 * b keys costs about b * (log2 |S| - log2 b) + 2b hashes. It recurses, one
 * frame per depth: at most 257 frames of ~0.5 KiB (depth 256 needs two
 * keys that share 255 bits, i.e. a SHA-256 near-collision; a map of 10^7
 * random keys is ~25 deep), so it runs on a normal thread stack, not on
 * the HTTP workers' 100 KiB ones (they only prove, which loops).
 *
 * What it is not: a store. It never caches or allocates; the ledger's tile
 * store (ledger/map_store.c) decides how nodes sit in LMDB.
 */
#include "tlog/map.h"

#include <string.h>

/* ---- Hashes ------------------------------------------------------------- */

/* SHA-256(0x10), written out: EMPTY's hash is needed at every level an
 * update or a proof passes (tests/unit/test_map.c checks it against the
 * hash function). */
static const uint8_t empty_hash[HASH_LEN] = {
	0xc5, 0x55, 0xea, 0xb4, 0x5d, 0x08, 0x84, 0x5a,
	0xe9, 0xf1, 0x0d, 0x45, 0x2a, 0x99, 0xbf, 0xcb,
	0x06, 0xf7, 0x4a, 0x50, 0xb9, 0x88, 0xfe, 0x7e,
	0x48, 0xdd, 0x32, 0x37, 0x89, 0xb8, 0x8e, 0xe3,
};

void
map_hash_empty(uint8_t out[HASH_LEN])
{
	memcpy(out, empty_hash, HASH_LEN);
}

void
map_hash_leaf(const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN], uint8_t out[HASH_LEN])
{
	uint8_t buf[1 + MAP_KEY_LEN + MAP_VALUE_LEN];

	buf[0] = MAP_TAG_LEAF;
	memcpy(buf + 1, key, MAP_KEY_LEN);
	memcpy(buf + 1 + MAP_KEY_LEN, value, MAP_VALUE_LEN);
	hash_sha256(buf, sizeof buf, out);
}

void
map_hash_node(const uint8_t left[HASH_LEN], const uint8_t right[HASH_LEN],
    uint8_t out[HASH_LEN])
{
	uint8_t buf[1 + 2 * HASH_LEN];

	buf[0] = MAP_TAG_NODE;
	memcpy(buf + 1, left, HASH_LEN);
	memcpy(buf + 1 + HASH_LEN, right, HASH_LEN);
	hash_sha256(buf, sizeof buf, out);
}

void
map_node_empty(struct map_node *n)
{
	memset(n, 0, sizeof *n);
	n->kind = MAP_EMPTY;
	map_hash_empty(n->hash);
}

void
map_node_leaf(struct map_node *n, const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN])
{
	n->kind = MAP_LEAF;
	memcpy(n->key, key, MAP_KEY_LEN);
	memcpy(n->value, value, MAP_VALUE_LEN);
	map_hash_leaf(key, value, n->hash);
}

enum lien_status
map_root(const struct map_store *s, uint8_t out[HASH_LEN])
{
	static const uint8_t zero[MAP_KEY_LEN];
	struct map_node n;
	enum lien_status st = s->get(s->ctx, 0, zero, &n);

	if (st != LIEN_OK)
		return st;
	if (n.kind == MAP_EMPTY)
		map_hash_empty(out);
	else
		memcpy(out, n.hash, HASH_LEN);
	return LIEN_OK;
}

/* ---- Update ------------------------------------------------------------- */

struct upd {
	const struct map_store *s;
	int64_t delta;		/* keys added minus keys removed */
	/* map_update_join: the parts' new nodes at depth MAP_SPLIT_DEPTH,
	 * taken instead of descending below it (NULL: descend) */
	const struct map_split *sp;
};

/* Same node? Leaf hashes cover key and value, node hashes the subtree. */
static int
node_same(const struct map_node *a, const struct map_node *b)
{
	if (a->kind != b->kind)
		return 0;
	return a->kind == MAP_EMPTY || memcmp(a->hash, b->hash, HASH_LEN) == 0;
}

/* A copy of key with bit d set to b: the address of a child of the
 * depth-d node on key's path (bits after d are ignored by the store). */
static void
key_child(const uint8_t key[MAP_KEY_LEN], unsigned d, unsigned b,
    uint8_t out[MAP_KEY_LEN])
{
	uint8_t m = (uint8_t)(0x80u >> (d & 7u));

	memcpy(out, key, MAP_KEY_LEN);
	if (b)
		out[d >> 3] |= m;
	else
		out[d >> 3] &= (uint8_t)~m;
}

/* First index of u[0..n) whose bit d is 1 (all share bits < d and are
 * sorted, so bit d is 0...0 1...1). */
static size_t
split_at(const struct map_update *u, size_t n, unsigned d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map_key_bit(u[mid].key, d))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The part of the split (map_update_split) key falls in: its first
 * MAP_SPLIT_DEPTH bits. */
static unsigned
split_part(const uint8_t key[MAP_KEY_LEN])
{
	return (unsigned)key[0] >> (8u - MAP_SPLIT_DEPTH);
}

/* Bring the storage of child position (d + 1, key with bit b) from old to
 * nw: write it if it changed. */
static enum lien_status LIEN_MUST_CHECK
child_write(struct upd *c, unsigned d, const uint8_t *key, unsigned b,
    const struct map_node *old, const struct map_node *nw)
{
	uint8_t ck[MAP_KEY_LEN];

	if (node_same(old, nw))
		return LIEN_OK;
	key_child(key, d, b, ck);
	return c->s->put(c->s->ctx, d + 1, ck, nw);
}

/* The node at depth d with new children l, r (old: what the store holds
 * at the two child positions). The store below d is left consistent with
 * *out; position d itself is the caller's to write. */
static enum lien_status LIEN_MUST_CHECK
combine(struct upd *c, unsigned d, const uint8_t *key,
    const struct map_node *l, const struct map_node *r,
    const struct map_node *old_l, const struct map_node *old_r,
    struct map_node *out)
{
	struct map_node empty;
	enum lien_status st;

	/* (upd_node resolved a MAP_HASH beside an EMPTY: here MAP_HASH
	 * stands beside a non-empty node, which makes an interior node
	 * whatever its kind) */
	if (l->kind == MAP_NODE || r->kind == MAP_NODE ||
	    (l->kind != MAP_EMPTY && r->kind != MAP_EMPTY)) {
		/* Two keys or more below: an interior node. */
		if ((st = child_write(c, d, key, 0, old_l, l)) != LIEN_OK ||
		    (st = child_write(c, d, key, 1, old_r, r)) != LIEN_OK)
			return st;
		memset(out, 0, sizeof *out);
		out->kind = MAP_NODE;
		map_hash_node(l->hash, r->hash, out->hash);
		return LIEN_OK;
	}
	/* At most one key below: it moves up to depth d (compression), and
	 * whatever the store held at the child positions goes. */
	map_node_empty(&empty);
	if ((st = child_write(c, d, key, 0, old_l, &empty)) != LIEN_OK ||
	    (st = child_write(c, d, key, 1, old_r, &empty)) != LIEN_OK)
		return st;
	*out = l->kind == MAP_LEAF ? *l : *r;
	return LIEN_OK;
}

/* New node at depth d on the path of u[0..n) (which share their first d
 * bits), where cur is the node there now. */
static enum lien_status LIEN_MUST_CHECK
upd_node(struct upd *c, unsigned d, const struct map_node *cur,
    const struct map_update *u, size_t n, struct map_node *out)
{
	struct map_node ch[2], nw[2], old[2];
	uint8_t ck[MAP_KEY_LEN];
	size_t m;
	enum lien_status st;

	if (n == 0) {
		*out = *cur;
		return LIEN_OK;
	}
	if (c->sp != NULL && d == MAP_SPLIT_DEPTH) {
		/* map_update_split checked that every node above is interior,
		 * so cur is the stored node the part started from */
		unsigned i = split_part(u[0].key);

		*out = c->sp->nw[i];
		c->delta += c->sp->delta[i];
		return LIEN_OK;
	}
	if (cur->kind != MAP_NODE && n == 1 && (cur->kind == MAP_EMPTY ||
	    memcmp(cur->key, u[0].key, MAP_KEY_LEN) == 0)) {
		/* One key at most stays here: no descent. */
		if (u[0].del) {
			if (cur->kind == MAP_LEAF)
				c->delta--;
			map_node_empty(out);
		} else {
			if (cur->kind == MAP_EMPTY)
				c->delta++;
			map_node_leaf(out, u[0].key, u[0].value);
		}
		return LIEN_OK;
	}
	if (d >= MAP_DEPTH_MAX)
		return LIEN_ECORRUPT;	/* two keys equal in all 256 bits */
	map_node_empty(&old[0]);
	map_node_empty(&old[1]);
	m = split_at(u, n, d);
	if (cur->kind == MAP_NODE) {
		for (unsigned b = 0; b < 2; b++) {
			/* a child no update goes to needs its hash only */
			int hash_only = (b == 0 ? m : n - m) == 0 &&
			    c->s->peek != NULL;

			key_child(u[0].key, d, b, ck);
			if ((st = (hash_only ? c->s->peek : c->s->get)(
			    c->s->ctx, d + 1, ck, &old[b])) != LIEN_OK)
				return st;
			if (old[b].kind == MAP_EMPTY)
				map_node_empty(&old[b]);
			ch[b] = old[b];
		}
	} else {
		/* Nothing is stored below an empty node or a leaf; a leaf
		 * that now has company moves one level down its own path. */
		map_node_empty(&ch[0]);
		map_node_empty(&ch[1]);
		if (cur->kind == MAP_LEAF)
			ch[map_key_bit(cur->key, d)] = *cur;
	}
	if ((st = upd_node(c, d + 1, &ch[0], u, m, &nw[0])) != LIEN_OK ||
	    (st = upd_node(c, d + 1, &ch[1], u + m, n - m, &nw[1])) != LIEN_OK)
		return st;
	/* A peeked child (unchanged: nw is old) beside one that became
	 * EMPTY: a leaf moves up, an interior node stays; get says which. */
	for (unsigned b = 0; b < 2; b++) {
		if (nw[b].kind != MAP_HASH || nw[!b].kind != MAP_EMPTY)
			continue;
		key_child(u[0].key, d, b, ck);
		if ((st = c->s->get(c->s->ctx, d + 1, ck, &old[b])) != LIEN_OK)
			return st;
		if (old[b].kind != MAP_LEAF && old[b].kind != MAP_NODE)
			return LIEN_ECORRUPT;	/* peek and get disagree */
		nw[b] = old[b];
	}
	return combine(c, d, u[0].key, &nw[0], &nw[1], &old[0], &old[1], out);
}

enum lien_status
map_update(const struct map_store *s, const struct map_update *u, size_t n,
    uint8_t out_root[HASH_LEN], uint64_t *io_count)
{
	return map_update_join(s, u, n, NULL, out_root, io_count);
}

/* ---- Update in parts ---------------------------------------------------- */

static int
keys_increasing(const struct map_update *u, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (memcmp(u[i - 1].key, u[i].key, MAP_KEY_LEN) >= 0)
			return 0;
	return 1;
}

enum lien_status
map_update_split(const struct map_store *s, const struct map_update *u,
    size_t n, struct map_split *out, int *out_ok)
{
	enum lien_status st;

	*out_ok = 0;
	memset(out, 0, sizeof *out);
	if (!keys_increasing(u, n))
		return LIEN_EINVAL;
	for (unsigned i = 0, k = 0; i <= MAP_SPLIT_PARTS; i++) {
		while (k < n && split_part(u[k].key) < i)
			k++;
		out->lo[i] = k;
	}
	out->lo[MAP_SPLIT_PARTS] = n;
	/* Each part with updates must hang below interior nodes only: then
	 * map_update reaches its depth-MAP_SPLIT_DEPTH node from the store
	 * (no leaf above moves down into it, no key stops above it), and
	 * the part's result is what map_update would compute there. */
	for (unsigned i = 0; i < MAP_SPLIT_PARTS; i++) {
		const uint8_t *key;

		if (out->lo[i] == out->lo[i + 1])
			continue;
		key = u[out->lo[i]].key;
		for (unsigned d = 0; d < MAP_SPLIT_DEPTH; d++) {
			struct map_node nd;

			if ((st = s->get(s->ctx, d, key, &nd)) != LIEN_OK)
				return st;
			if (nd.kind != MAP_NODE)
				return LIEN_OK;		/* *out_ok = 0 */
		}
		if ((st = s->get(s->ctx, MAP_SPLIT_DEPTH, key, &out->cur[i])) !=
		    LIEN_OK)
			return st;
		if (out->cur[i].kind == MAP_EMPTY)
			map_node_empty(&out->cur[i]);
	}
	*out_ok = 1;
	return LIEN_OK;
}

enum lien_status
map_update_part(const struct map_store *s, const struct map_update *u,
    struct map_split *sp, unsigned i)
{
	struct upd c = { s, 0, NULL };
	size_t lo, n;
	enum lien_status st;

	if (i >= MAP_SPLIT_PARTS)
		return LIEN_EINVAL;
	lo = sp->lo[i];
	n = sp->lo[i + 1] - lo;
	if (n == 0)
		return LIEN_OK;
	st = upd_node(&c, MAP_SPLIT_DEPTH, &sp->cur[i], u + lo, n, &sp->nw[i]);
	sp->delta[i] = c.delta;
	return st;
}

enum lien_status
map_update_join(const struct map_store *s, const struct map_update *u,
    size_t n, const struct map_split *sp, uint8_t out_root[HASH_LEN],
    uint64_t *io_count)
{
	static const uint8_t zero[MAP_KEY_LEN];
	struct upd c = { s, 0, sp };
	struct map_node root, nw;
	enum lien_status st;

	if (!keys_increasing(u, n))
		return LIEN_EINVAL;
	if ((st = s->get(s->ctx, 0, zero, &root)) != LIEN_OK)
		return st;
	if (root.kind == MAP_EMPTY)
		map_node_empty(&root);
	if ((st = upd_node(&c, 0, &root, u, n, &nw)) != LIEN_OK)
		return st;
	if (!node_same(&root, &nw) &&
	    (st = s->put(s->ctx, 0, zero, &nw)) != LIEN_OK)
		return st;
	if (out_root != NULL)
		memcpy(out_root, nw.hash, HASH_LEN);
	if (io_count != NULL)
		*io_count = (uint64_t)((int64_t)*io_count + c.delta);
	return LIEN_OK;
}

/* Merge runs a[lo..mid) and a[mid..hi) into t, then back: ties keep the
 * left run's element first, so the sort is stable. */
static void
merge_runs(struct map_update *a, struct map_update *t, size_t lo, size_t mid,
    size_t hi)
{
	size_t i = lo, j = mid, k = lo;

	while (i < mid && j < hi)
		t[k++] = memcmp(a[j].key, a[i].key, MAP_KEY_LEN) < 0 ? a[j++] :
		    a[i++];
	while (i < mid)
		t[k++] = a[i++];
	while (j < hi)
		t[k++] = a[j++];
	memcpy(a + lo, t + lo, (hi - lo) * sizeof *a);
}

void
map_updates_sort(struct map_update *u, struct map_update *tmp, size_t n,
    size_t *out_n)
{
	size_t w, k = 0;

	for (w = 1; w < n; w *= 2)
		for (size_t lo = 0; lo + w < n; lo += 2 * w)
			merge_runs(u, tmp, lo, lo + w,
			    lo + 2 * w < n ? lo + 2 * w : n);
	/* Equal keys are now adjacent in their original order: keep the
	 * last of each run. */
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && memcmp(u[i].key, u[i + 1].key,
		    MAP_KEY_LEN) == 0)
			continue;
		if (k != i)
			u[k] = u[i];
		k++;
	}
	*out_n = k;
}

/* ---- Proofs ------------------------------------------------------------- */

enum lien_status
map_prove(const struct map_store *s, const uint8_t key[MAP_KEY_LEN],
    struct map_proof *out)
{
	struct map_node n, ch[2];
	uint8_t ck[MAP_KEY_LEN];
	enum lien_status st;

	memset(out, 0, sizeof *out);
	if ((st = s->get(s->ctx, 0, key, &n)) != LIEN_OK)
		return st;
	for (unsigned d = 0;; d++) {
		switch (n.kind) {
		case MAP_EMPTY:
			out->kind = MAP_PROOF_ABSENT_EMPTY;
			out->depth = d;
			return LIEN_OK;
		case MAP_LEAF:
			out->depth = d;
			if (memcmp(n.key, key, MAP_KEY_LEN) == 0) {
				out->kind = MAP_PROOF_PRESENT;
				memcpy(out->value, n.value, MAP_VALUE_LEN);
			} else {
				out->kind = MAP_PROOF_ABSENT_LEAF;
				memcpy(out->other_key, n.key, MAP_KEY_LEN);
				memcpy(out->other_value, n.value,
				    MAP_VALUE_LEN);
			}
			return LIEN_OK;
		case MAP_NODE:
			break;
		default:
			return LIEN_ECORRUPT;
		}
		if (d >= MAP_DEPTH_MAX)
			break;
		for (unsigned b = 0; b < 2; b++) {
			key_child(key, d, b, ck);
			if ((st = s->get(s->ctx, d + 1, ck, &ch[b])) != LIEN_OK)
				goto fail;
			if (ch[b].kind == MAP_EMPTY)
				map_hash_empty(ch[b].hash);
		}
		memcpy(out->sib[d], ch[!map_key_bit(key, d)].hash, HASH_LEN);
		n = ch[map_key_bit(key, d)];
	}
	st = LIEN_ECORRUPT;	/* an interior node at depth 256 */
fail:
	memset(out, 0, sizeof *out);
	return st;
}

enum lien_status
map_proof_encode(const struct map_proof *p, uint8_t *out, size_t cap,
    size_t *out_len)
{
	uint8_t empty[HASH_LEN];
	size_t nb, need, o;

	*out_len = 0;
	if (p->depth > MAP_DEPTH_MAX || (unsigned)p->kind > 2u)
		return LIEN_EINVAL;
	map_hash_empty(empty);
	nb = (p->depth + 7u) / 8u;
	need = 3u + nb;
	for (unsigned i = 0; i < p->depth; i++)
		if (memcmp(p->sib[i], empty, HASH_LEN) != 0)
			need += HASH_LEN;
	need += p->kind == MAP_PROOF_PRESENT ? MAP_VALUE_LEN :
	    p->kind == MAP_PROOF_ABSENT_LEAF ? MAP_KEY_LEN + MAP_VALUE_LEN : 0;
	if (need > cap)
		return LIEN_ETOOBIG;
	out[0] = (uint8_t)p->kind;
	out[1] = (uint8_t)(p->depth >> 8);
	out[2] = (uint8_t)p->depth;
	memset(out + 3, 0, nb);
	o = 3u + nb;
	for (unsigned i = 0; i < p->depth; i++) {
		if (memcmp(p->sib[i], empty, HASH_LEN) == 0)
			continue;
		out[3u + i / 8u] |= (uint8_t)(0x80u >> (i & 7u));
		memcpy(out + o, p->sib[i], HASH_LEN);
		o += HASH_LEN;
	}
	if (p->kind == MAP_PROOF_PRESENT) {
		memcpy(out + o, p->value, MAP_VALUE_LEN);
		o += MAP_VALUE_LEN;
	} else if (p->kind == MAP_PROOF_ABSENT_LEAF) {
		memcpy(out + o, p->other_key, MAP_KEY_LEN);
		memcpy(out + o + MAP_KEY_LEN, p->other_value, MAP_VALUE_LEN);
		o += MAP_KEY_LEN + MAP_VALUE_LEN;
	}
	*out_len = o;
	return LIEN_OK;
}

enum lien_status
map_proof_decode(const uint8_t *p, size_t len, struct map_proof *out)
{
	uint8_t empty[HASH_LEN], kind;
	uint16_t depth;
	const uint8_t *bm, *h;
	struct rd r;
	enum lien_status st = LIEN_EPARSE;

	memset(out, 0, sizeof *out);
	if (len > MAP_PROOF_MAX)
		return LIEN_ETOOBIG;
	rd_init(&r, p, len);
	if (rd_u8(&r, &kind) != LIEN_OK || kind > 2u ||
	    rd_u16be(&r, &depth) != LIEN_OK || depth > MAP_DEPTH_MAX ||
	    rd_take(&r, (depth + 7u) / 8u, &bm) != LIEN_OK)
		goto fail;
	/* Padding bits after bit depth-1 are zero; bit depth-1 is one. */
	if (depth % 8u != 0 &&
	    (bm[depth / 8u] & (0xffu >> (depth % 8u))) != 0)
		goto fail;
	if (depth > 0 && !(bm[(depth - 1u) / 8u] & (0x80u >> ((depth - 1u) &
	    7u))))
		goto fail;
	map_hash_empty(empty);
	for (unsigned i = 0; i < depth; i++) {
		if (!(bm[i / 8u] & (0x80u >> (i & 7u)))) {
			memcpy(out->sib[i], empty, HASH_LEN);
			continue;
		}
		if (rd_take(&r, HASH_LEN, &h) != LIEN_OK ||
		    memcmp(h, empty, HASH_LEN) == 0)
			goto fail;
		memcpy(out->sib[i], h, HASH_LEN);
	}
	if (kind == MAP_PROOF_PRESENT) {
		if (rd_take(&r, MAP_VALUE_LEN, &h) != LIEN_OK)
			goto fail;
		memcpy(out->value, h, MAP_VALUE_LEN);
	} else if (kind == MAP_PROOF_ABSENT_LEAF) {
		if (rd_take(&r, MAP_KEY_LEN, &h) != LIEN_OK)
			goto fail;
		memcpy(out->other_key, h, MAP_KEY_LEN);
		if (rd_take(&r, MAP_VALUE_LEN, &h) != LIEN_OK)
			goto fail;
		memcpy(out->other_value, h, MAP_VALUE_LEN);
	}
	if (rd_left(&r) != 0)
		goto fail;
	out->kind = (enum map_proof_kind)kind;
	out->depth = depth;
	return LIEN_OK;
fail:
	memset(out, 0, sizeof *out);
	return st;
}

/* Do a and b agree on their first d bits? */
static int
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned d)
{
	if (memcmp(a, b, d / 8u) != 0)
		return 0;
	if (d % 8u == 0)
		return 1;
	return ((a[d / 8u] ^ b[d / 8u]) & (uint8_t)(0xff00u >> (d % 8u))) == 0;
}

enum lien_status
map_proof_verify(const struct map_proof *p, const uint8_t root[HASH_LEN],
    const uint8_t key[MAP_KEY_LEN], int *out_present)
{
	uint8_t h[HASH_LEN];

	if (out_present != NULL)
		*out_present = 0;
	if (p->depth > MAP_DEPTH_MAX)
		return LIEN_EVERIFY;
	switch (p->kind) {
	case MAP_PROOF_PRESENT:
		map_hash_leaf(key, p->value, h);
		break;
	case MAP_PROOF_ABSENT_EMPTY:
		map_hash_empty(h);
		break;
	case MAP_PROOF_ABSENT_LEAF:
		/* The other key's leaf must stand where key would be: same
		 * first depth bits, and not key itself. */
		if (memcmp(p->other_key, key, MAP_KEY_LEN) == 0 ||
		    !prefix_equal(p->other_key, key, p->depth))
			return LIEN_EVERIFY;
		map_hash_leaf(p->other_key, p->other_value, h);
		break;
	default:
		return LIEN_EVERIFY;
	}
	for (unsigned i = p->depth; i-- > 0;) {
		if (map_key_bit(key, i))
			map_hash_node(p->sib[i], h, h);
		else
			map_hash_node(h, p->sib[i], h);
	}
	if (!hash_equal(h, root))
		return LIEN_EVERIFY;
	if (out_present != NULL)
		*out_present = p->kind == MAP_PROOF_PRESENT;
	return LIEN_OK;
}
