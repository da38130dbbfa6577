/*
 * The replay's read cache of state records (struct ledger_state's rcache):
 * within one scratch transaction, a record read or written once is given
 * again from a copy instead of another LMDB lookup.
 *
 * Why: the rules and the transitions each read the records they need
 * (a decision reads its application four times: the public and private
 * checks, the statistics and the transition; the signer's key and party
 * records are read by nearly every entry), and in the audit's compact
 * scratch a read of a digest table is two B-tree lookups and a SHA-256
 * of the store's record (ledger_scratch_compact). The cache answers the
 * second and later reads.
 *
 * Why it gives exactly what the store would: it is write-through and
 * sees every write. ledger_state_put and _del are the only writers of
 * the state tables in a scratch transaction (the map has its own
 * tables), and each updates the cache after the store: a put leaves a
 * copy of the new record (or, for a digest table, forgets the key, so
 * the next read resolves the store's record against the new digest as
 * before), a delete forgets the key, a failure forgets it too. A read
 * is cached only when it succeeded or found nothing; a digest that did
 * not match is never cached, so a changed record is reported by the
 * first read that resolves it, as without the cache. Seeks go to the
 * store (it holds every write). The cache lives for one transaction
 * (ledger_scratch_begin empties it); the packed tables (private records,
 * sealed boxes) are not cached. The sequencer's state has no cache.
 *
 * Lifetimes: a value given by a read stays valid until the next put or
 * delete (ledger_state_get's contract), so a read never reuses a value's
 * block: a slot a read takes over parks its old block, and parked blocks
 * are free again at the next put or delete (when no block is free, the
 * read is simply not cached). Small and allocation-free on purpose: the
 * records (packed, ~100 bytes) sit in a fixed arena of RCACHE_BLOCKS
 * blocks of RCACHE_BLOCK bytes behind RCACHE_SLOTS direct-mapped slots,
 * so a hit reads memory the replay touched a moment ago: malloc'd copies
 * of a whole transaction's records (up to 64 MiB, tried) take 6% fewer
 * instructions than no cache but more CPU time, as they are cold by the
 * time they are read or freed. Tables written once and not read back (the
 * nonces, Idempotency-Keys, expiry queue and notices) and records above
 * the block are not cached.
 */
#include "ledger/ledger_int.h"

#include <stdlib.h>
#include <string.h>

#define RCACHE_SLOTS 1024u
#define RCACHE_BLOCK 1024u	/* key and value */
#define RCACHE_PARKED 64u
#define RCACHE_BLOCKS (RCACHE_SLOTS + RCACHE_PARKED)

enum { RC_EMPTY, RC_PRESENT, RC_ABSENT };

struct rc_slot {
	uint16_t blk;		/* its block, when not RC_EMPTY */
	uint16_t vl;
	uint8_t tb, state, kl;
};

struct ledger_rcache {
	unsigned nfree, nparked;
	uint16_t free[RCACHE_BLOCKS];
	uint16_t parked[RCACHE_PARKED];
	uint64_t hits, misses;
	struct rc_slot s[RCACHE_SLOTS];
	uint8_t mem[RCACHE_BLOCKS][RCACHE_BLOCK];
};

void
ledger_rcache_reset(struct ledger_rcache *rc)
{
	if (rc == NULL)
		return;
	for (unsigned i = 0; i < RCACHE_SLOTS; i++)
		rc->s[i].state = RC_EMPTY;
	rc->nparked = 0;
	rc->nfree = RCACHE_BLOCKS;
	for (unsigned i = 0; i < RCACHE_BLOCKS; i++)
		rc->free[i] = (uint16_t)i;
}

enum lien_status
ledger_rcache_create(struct ledger_rcache **out)
{
	if ((*out = malloc(sizeof **out)) == NULL)
		return LIEN_ENOMEM;
	(*out)->hits = (*out)->misses = 0;
	ledger_rcache_reset(*out);
	return LIEN_OK;
}

void
ledger_rcache_free(struct ledger_rcache *rc)
{
	free(rc);
}

void
ledger_rcache_counts(const struct ledger_rcache *rc, uint64_t *hits,
    uint64_t *misses)
{
	*hits = rc != NULL ? rc->hits : 0;
	*misses = rc != NULL ? rc->misses : 0;
}

/* Cached at all: tables read back, keys that fit a block. */
static int
rc_cacheable(enum ledger_table tb, size_t kl)
{
	switch (tb) {
	case LEDGER_T_PRIVATE:	/* packed: not derived, never written here */
	case LEDGER_T_SEALED:
	case LEDGER_T_NONCES:	/* written once, read once before */
	case LEDGER_T_IDEM:
	case LEDGER_T_EXPIRY:
	case LEDGER_T_NOTICES:
	case LEDGER_T_COUNT:
		return 0;
	default:
		return (unsigned)tb < LEDGER_T_COUNT && kl > 0 &&
		    kl <= RCACHE_BLOCK / 4;
	}
}

static struct rc_slot *
rc_slot(struct ledger_rcache *rc, enum ledger_table tb, const uint8_t *k,
    size_t kl)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ ((uint64_t)tb << 56) ^ kl;
	size_t i = 0;

	for (; i + 8 <= kl; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	for (; i < kl; i++)
		h = (h ^ k[i]) * 0x100000001b3u;
	h ^= h >> 29;
	return &rc->s[h & (RCACHE_SLOTS - 1)];
}

static int
rc_same(const struct ledger_rcache *rc, const struct rc_slot *s,
    enum ledger_table tb, const uint8_t *k, size_t kl)
{
	return s->state != RC_EMPTY && s->tb == (uint8_t)tb && s->kl == kl &&
	    memcmp(rc->mem[s->blk], k, kl) == 0;
}

int
ledger_rcache_find(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, enum lien_status *rc_out,
    const uint8_t **val, size_t *val_len)
{
	struct rc_slot *s;

	if (!rc_cacheable(tb, key_len))
		return 0;
	s = rc_slot(rc, tb, key, key_len);
	if (!rc_same(rc, s, tb, key, key_len)) {
		rc->misses++;
		return 0;
	}
	rc->hits++;
	if (s->state == RC_ABSENT) {
		*rc_out = LIEN_ENOTFOUND;
		return 1;
	}
	*val = rc->mem[s->blk] + s->kl;
	*val_len = s->vl;
	*rc_out = LIEN_OK;
	return 1;
}

/* Empty slot s: its block free again (from_write) or parked until the
 * next write (a value a read gave may be in it). 0 if it cannot be
 * parked (s unchanged). */
static int
rc_drop(struct ledger_rcache *rc, struct rc_slot *s, int from_write)
{
	if (s->state == RC_EMPTY)
		return 1;
	if (from_write)
		rc->free[rc->nfree++] = s->blk;
	else if (rc->nparked < RCACHE_PARKED)
		rc->parked[rc->nparked++] = s->blk;
	else
		return 0;
	s->state = RC_EMPTY;
	return 1;
}

/* Install (key, val) or (key, absent) in its slot, through a free block
 * (copied first: val may lie in the block it replaces). Nothing is kept
 * when it does not fit or no block is free: the store still answers. */
static void
rc_install(struct ledger_rcache *rc, enum ledger_table tb, const void *key,
    size_t key_len, const uint8_t *val, size_t val_len, int present,
    int from_write)
{
	struct rc_slot *s;
	size_t vl = present ? val_len : 0;
	uint16_t b;

	if (!rc_cacheable(tb, key_len))
		return;
	s = rc_slot(rc, tb, key, key_len);
	if (vl > RCACHE_BLOCK - key_len || rc->nfree == 0) {
		if (from_write || rc_same(rc, s, tb, key, key_len))
			(void)rc_drop(rc, s, from_write);
		return;
	}
	b = rc->free[--rc->nfree];
	memcpy(rc->mem[b], key, key_len);
	if (vl)
		memcpy(rc->mem[b] + key_len, val, vl);
	if (!rc_drop(rc, s, from_write)) {
		rc->free[rc->nfree++] = b;	/* not kept */
		return;
	}
	s->blk = b;
	s->vl = (uint16_t)vl;
	s->tb = (uint8_t)tb;
	s->kl = (uint8_t)key_len;
	s->state = present ? RC_PRESENT : RC_ABSENT;
}

void
ledger_rcache_fill(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t *val, size_t val_len,
    int present)
{
	rc_install(rc, tb, key, key_len, val, val_len, present, 0);
}

void
ledger_rcache_wrote(struct ledger_rcache *rc, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t *val, size_t val_len,
    int keep)
{
	if (keep)
		rc_install(rc, tb, key, key_len, val, val_len, 1, 1);
	else if (rc_cacheable(tb, key_len)) {
		struct rc_slot *s = rc_slot(rc, tb, key, key_len);

		if (rc_same(rc, s, tb, key, key_len))
			(void)rc_drop(rc, s, 1);
	}
	/* values given by reads before this write are void now */
	while (rc->nparked > 0)
		rc->free[rc->nfree++] = rc->parked[--rc->nparked];
}
