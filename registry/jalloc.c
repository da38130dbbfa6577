/*
 * A per-thread pool for jansson's allocations (registry_json_pool_init),
 * for the processes that build and free many JSON trees on one thread:
 * the audit's replay parses, modifies and frees ~160 jansson blocks per
 * entry (objects, their hashtables and pairs, strings, integers; 82% of
 * the replay's mallocs, callgrind on a 10^4 store), all of 16 to ~200
 * bytes, freed a few microseconds after they were made. glibc's per-
 * thread cache keeps only 7 freed blocks per size, so a tree of ~100
 * blocks overflows it and the rest go through the arena's bins
 * (_int_free, _int_malloc, malloc_consolidate: ~12% of the replay's CPU
 * samples). Measured first with glibc's own tunable
 * (GLIBC_TUNABLES=glibc.malloc.tcache_count=2000: -7 to -10% user CPU
 * of a full audit at 10^5); this pool gives jansson the same without
 * touching the process's environment.
 *
 * Design: a freed block goes on the last-in-first-out list of the
 * thread that frees it (so the next tree reuses memory still in the
 * cache), by its usable size (malloc_usable_size: glibc's chunks come in
 * 16-byte steps), at most JP_KEEP per size; a request takes a block of
 * its own chunk size from the list, else malloc's. Beyond JP_CLASSES
 * sizes (~500 bytes), beyond the bound, and at thread exit (a pthread
 * key's destructor) blocks go back to free(). There is no header: every
 * block is an ordinary malloc'd chunk, so a value made before the pool
 * was set, a block made on one thread and freed on another (a tree
 * handed over), and a string jansson hands its caller to free() (the
 * result of json_dumps) are all fine. Allocation failure is malloc's
 * (NULL to jansson, which reports it).
 *
 * jansson's allocator is process-wide: a tool's main sets it, first
 * thing, for the processes that parse in bulk (`lienlog audit`). Under
 * AddressSanitizer the pool stays off, so that a use after free of a
 * JSON value is still reported; its functions are unit-tested directly
 * (test_jalloc).
 */
#include "registry/registry_int.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define JP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JP_ASAN 1
#endif
#endif

#define JP_STEP 16u		/* glibc's chunk sizes on 64-bit */
#define JP_CLASSES 32u		/* chunks up to 512 bytes */
#define JP_KEEP 16384u		/* free blocks kept per size and thread */

struct jp_block {
	struct jp_block *next;
};

struct jp_lists {
	struct jp_block *head[JP_CLASSES];
	unsigned n[JP_CLASSES];
};

static pthread_key_t jp_key;
static pthread_once_t jp_once = PTHREAD_ONCE_INIT;
static int jp_key_ok;
static _Thread_local struct jp_lists *jp_tl;

static void
jp_release(void *p)
{
	struct jp_lists *l = p;

	if (l == jp_tl)
		jp_tl = NULL;
	for (unsigned c = 0; c < JP_CLASSES; c++)
		while (l->head[c] != NULL) {
			struct jp_block *b = l->head[c];

			l->head[c] = b->next;
			free(b);
		}
	free(l);
}

static void
jp_key_make(void)
{
	jp_key_ok = pthread_key_create(&jp_key, jp_release) == 0;
}

/* This thread's lists, made on first use; NULL if they cannot be. */
static struct jp_lists *
jp_lists(void)
{
	struct jp_lists *l = jp_tl;

	if (l != NULL)
		return l;
	(void)pthread_once(&jp_once, jp_key_make);
	if (!jp_key_ok || (l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	if (pthread_setspecific(jp_key, l) != 0) {
		free(l);
		return NULL;
	}
	return jp_tl = l;
}

/* The list of blocks whose chunk is the size malloc gives n bytes (or a
 * block of usable size n): glibc's chunk is n + 8 rounded up to 16, at
 * least 32. JP_CLASSES and above: not pooled. */
static size_t
jp_class(size_t n)
{
	size_t chunk = n + 8 < 32 ? 32 : (n + 8 + JP_STEP - 1) / JP_STEP *
	    JP_STEP;

	return chunk / JP_STEP - 2;
}

void *
registry_json_pool_malloc(size_t n)
{
	struct jp_lists *l = jp_tl;
	size_t c;

	if (l != NULL && n < JP_CLASSES * JP_STEP &&
	    (c = jp_class(n)) < JP_CLASSES && l->head[c] != NULL) {
		struct jp_block *b = l->head[c];

		l->head[c] = b->next;
		l->n[c]--;
		return b;
	}
	return malloc(n);
}

void
registry_json_pool_free(void *p)
{
	struct jp_lists *l;
	size_t u, c;

	if (p == NULL)
		return;
	/* a chunk's usable size is its chunk size less 8: the class of
	 * exactly the requests malloc would serve with such a chunk */
	u = malloc_usable_size(p);
	if (u < 24 || (u + 8) % JP_STEP != 0 ||
	    (c = jp_class(u)) >= JP_CLASSES || (l = jp_lists()) == NULL ||
	    l->n[c] >= JP_KEEP) {
		free(p);
		return;
	}
	((struct jp_block *)p)->next = l->head[c];
	l->head[c] = p;
	l->n[c]++;
}

int
registry_json_pool_init(void)
{
#ifdef JP_ASAN
	return 0;
#else
	json_set_alloc_funcs(registry_json_pool_malloc,
	    registry_json_pool_free);
	return 1;
#endif
}
