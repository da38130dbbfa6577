/*
 * A per-thread cache of parsed registry state records (docs/registry.md,
 * "State", "Cost"), so the sequencer does not run the strict JSON parser
 * over the same vehicle, application and party records several times per
 * entry.
 *
 * Correctness does not depend on invalidation: a lookup is given the
 * record's current bytes (just read from the transaction) and hits only
 * when they are byte-for-byte the bytes the cached tree was made from.
 * The parse of given bytes is a pure function, so a hit returns exactly
 * what parsing would; an aborted transaction, a replay into a scratch
 * store or another ledger in the same thread simply miss. The cost of a
 * hit is one memcmp of the record.
 *
 * Trees are shared with callers by reference (json_incref): callers of
 * rg_load_ro never modify them, and rg_store's caller hands over a tree
 * it no longer modifies (registry_apply.c stores last). Mutating loads
 * (rg_load) take the tree out of the cache when the cache holds its only
 * reference (rg_cache_take: the usual case, readers drop theirs at once),
 * else get a deep copy. Taking is safe because every container inside a
 * record tree belongs to that tree alone: records are parsed, deep-copied
 * or assembled by registry_apply.c from fresh containers (shared leaves
 * are strings and integers, which nothing modifies).
 *
 * Bounded: RC_SLOTS direct-mapped slots per thread, records above
 * RC_RECORD_MAX bytes are not cached, and when the records held would
 * exceed RC_BYTES_MAX the whole cache is emptied (simple, and rare: the
 * working set is the vehicles and applications of the cases in flight);
 * a thread's cache is freed when the thread exits (pthread key
 * destructor). Only the registry's state path
 * uses it (views in api/ threads parse as before).
 *
 * What to keep is the thread's choice (rg_cache_keep): the sequencer
 * keeps every table; the audit replay keeps only the parties. A replay
 * reads most vehicle and application records once, long after it wrote
 * them (other cases come between), so their trees only waited in the
 * cache to be freed cold: on a 10^5-entry log that eviction was ~30% of
 * the replay's CPU, more than the parses the hits saved (the canonical
 * reader, registry/jcs.c, makes a parse cheap). The signers' party
 * records are read by nearly every entry. Within one entry, though, the
 * rules and the transition read the same application, vehicle and
 * private records up to four times (a decision: its application by the
 * public and the private checks and transitions): the replay scopes
 * those tables to the entry (rg_cache_scope), so each is parsed once and
 * its tree is freed at the entry's end, hot, through the short list of
 * slots the scope filled.
 */
#include "registry/registry_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RC_SLOTS 4096u
#define RC_BYTES_MAX (4u << 20)	/* record bytes held; trees ~4x that */
#define RC_KEY_MAX 136u		/* "id:" + party id; keyids; VINs; app ids */
#define RC_RECORD_MAX 16384u
#define RC_SCOPE_MAX 32u	/* scoped records per entry; 3-8 are used */

struct rc_slot {
	json_t *tree;		/* NULL: empty */
	uint8_t *bytes;
	size_t len;
	uint8_t tb;
	uint8_t key_len;
	uint8_t key[RC_KEY_MAX];
};

struct rc_cache {
	size_t bytes;		/* sum of s[].len */
	unsigned skip;		/* tables not kept (1u << table): rg_cache_keep */
	unsigned scoped;	/* tables held for one scope: rg_cache_scope */
	unsigned nheld;		/* slots filled in this scope, in held[] */
	uint16_t held[RC_SCOPE_MAX];
	struct rc_slot s[RC_SLOTS];
};

static pthread_key_t rc_key;
static pthread_once_t rc_once = PTHREAD_ONCE_INIT;
static int rc_key_ok;

static void
rc_slot_clear(struct rc_slot *sl)
{
	json_decref(sl->tree);
	free(sl->bytes);
	sl->tree = NULL;
	sl->bytes = NULL;
	sl->len = 0;
}

static void
rc_destroy(void *p)
{
	struct rc_cache *c = p;

	for (unsigned i = 0; i < RC_SLOTS; i++)
		rc_slot_clear(&c->s[i]);
	free(c);
}

static void
rc_empty(struct rc_cache *c)
{
	for (unsigned i = 0; i < RC_SLOTS; i++)
		rc_slot_clear(&c->s[i]);
	c->bytes = 0;
}

static void
rc_init(void)
{
	rc_key_ok = pthread_key_create(&rc_key, rc_destroy) == 0;
}

static struct rc_cache *
rc_get(void)
{
	struct rc_cache *c;

	(void)pthread_once(&rc_once, rc_init);
	if (!rc_key_ok)
		return NULL;
	if ((c = pthread_getspecific(rc_key)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_setspecific(rc_key, c) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* FNV-1a over the table and the key. */
static struct rc_slot *
rc_slot_of(struct rc_cache *c, enum ledger_table tb, const void *key,
    size_t key_len)
{
	const uint8_t *k = key;
	uint32_t h = 2166136261u ^ (uint32_t)tb;

	h *= 16777619u;
	for (size_t i = 0; i < key_len; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return &c->s[(h ^ (h >> 16)) % RC_SLOTS];
}

json_t *
rg_cache_find(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len)
{
	struct rc_cache *c;
	struct rc_slot *sl;

	if (key_len > RC_KEY_MAX || len > RC_RECORD_MAX ||
	    (c = rc_get()) == NULL)
		return NULL;
	sl = rc_slot_of(c, tb, key, key_len);
	if (sl->tree == NULL || sl->tb != (uint8_t)tb ||
	    sl->key_len != key_len || memcmp(sl->key, key, key_len) != 0 ||
	    sl->len != len || memcmp(sl->bytes, bytes, len) != 0)
		return NULL;
	return sl->tree;
}

void
rg_cache_put(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len, json_t *tree)
{
	struct rc_cache *c;
	struct rc_slot *sl;
	uint8_t *copy;

	if (key_len > RC_KEY_MAX || len > RC_RECORD_MAX || tree == NULL ||
	    (c = rc_get()) == NULL || (c->skip >> (unsigned)tb & 1u))
		return;
	if ((c->scoped >> (unsigned)tb & 1u) && c->nheld == RC_SCOPE_MAX)
		return;		/* the scope's list is full: not cached */
	sl = rc_slot_of(c, tb, key, key_len);
	c->bytes -= sl->len;
	if (c->bytes + len > RC_BYTES_MAX) {
		rc_empty(c);
		sl = rc_slot_of(c, tb, key, key_len);
	}
	if (c->scoped >> (unsigned)tb & 1u)	/* room checked above */
		c->held[c->nheld++] = (uint16_t)(sl - c->s);
	if (sl->bytes != NULL && sl->len >= len && sl->len - len < 1024) {
		copy = sl->bytes;	/* reuse a buffer of about that size */
		sl->bytes = NULL;
	} else if ((copy = malloc(len ? len : 1)) == NULL) {
		rc_slot_clear(sl);
		return;
	}
	rc_slot_clear(sl);
	c->bytes += len;
	memcpy(copy, bytes, len);
	sl->bytes = copy;
	sl->len = len;
	sl->tb = (uint8_t)tb;
	sl->key_len = (uint8_t)key_len;
	memcpy(sl->key, key, key_len);
	sl->tree = json_incref(tree);
}

json_t *
rg_cache_take(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len)
{
	struct rc_cache *c;
	struct rc_slot *sl;
	json_t *t = rg_cache_find(tb, key, key_len, bytes, len);

	if (t == NULL)
		return NULL;
	if (t->refcount != 1)	/* someone else holds it: copy */
		return json_deep_copy(t);
	c = rc_get();		/* non-NULL: find succeeded */
	sl = rc_slot_of(c, tb, key, key_len);
	sl->tree = NULL;	/* ownership moves to the caller */
	c->bytes -= sl->len;
	rc_slot_clear(sl);
	return t;
}

void
rg_cache_keep(unsigned mask)
{
	struct rc_cache *c = rc_get();

	if (c == NULL || c->skip == (mask == 0 ? 0 : ~mask))
		return;
	c->skip = mask == 0 ? 0 : ~mask;
	/* what is held of the tables now skipped goes at once */
	for (unsigned i = 0; i < RC_SLOTS; i++)
		if (c->s[i].tree != NULL && (c->skip >> c->s[i].tb & 1u)) {
			c->bytes -= c->s[i].len;
			rc_slot_clear(&c->s[i]);
		}
}

void
rg_cache_scope_end(void)
{
	struct rc_cache *c = rc_get();

	if (c == NULL)
		return;
	/* A listed slot may since have been taken, cleared or refilled by
	 * another table's record: drop it only if it holds a scoped one. */
	for (unsigned i = 0; i < c->nheld; i++) {
		struct rc_slot *sl = &c->s[c->held[i]];

		if (sl->tree != NULL && (c->scoped >> sl->tb & 1u)) {
			c->bytes -= sl->len;
			rc_slot_clear(sl);
		}
	}
	c->nheld = 0;
}

void
rg_cache_scope(unsigned mask)
{
	struct rc_cache *c;

	rg_cache_scope_end();
	if ((c = rc_get()) != NULL)
		c->scoped = mask;
}
