/* registry/jalloc.c: the per-thread pool of jansson's small blocks
 * (registry_json_pool_init), which `lienlog audit` sets first thing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_int.h"

/* Every size a block may have, around the class edges: usable to the
 * last byte, 16-byte aligned, and kept apart from its neighbours. */
static void
test_jalloc_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 200,
		511, 512, 513, 4096, 100000 };
	enum { N = sizeof sizes / sizeof sizes[0] };
	uint8_t *b[N];

	(void)state;
	for (size_t i = 0; i < N; i++) {
		b[i] = registry_json_pool_malloc(sizes[i]);
		assert_non_null(b[i]);
		assert_int_equal((uintptr_t)b[i] % 16u, 0);
		memset(b[i], (int)(i + 1), sizes[i]);
	}
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(b[i][j], (uint8_t)(i + 1));
	for (size_t i = 0; i < N; i++)
		registry_json_pool_free(b[i]);
	registry_json_pool_free(NULL);
}

/* A freed block is the next one of its class this thread gets (so a
 * tree reuses memory still in the cache); another class does not get
 * it. Fails if the pool hands every request to malloc. */
static void
test_jalloc_reuses_last_freed(void **state)
{
	void *a, *b, *c;

	(void)state;
	a = registry_json_pool_malloc(40);	/* a 48-byte chunk: 25..40 */
	assert_non_null(a);
	registry_json_pool_free(a);
	c = registry_json_pool_malloc(100);	/* another size */
	b = registry_json_pool_malloc(33);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(c, a);
	registry_json_pool_free(b);
	registry_json_pool_free(c);
}

static void *
free_there(void *p)
{
	registry_json_pool_free(p);	/* joins this thread's lists */
	return NULL;
}

/* Blocks made on one thread and freed on another, and many blocks at
 * once (past the per-class bound): every one stays an ordinary chunk. */
static void
test_jalloc_threads_and_bounds(void **state)
{
	enum { MANY = 40000 };
	void **v = calloc(MANY, sizeof *v);
	pthread_t t;

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < MANY; i++) {
		v[i] = registry_json_pool_malloc(24);
		assert_non_null(v[i]);
		memset(v[i], 0x5a, 24);
	}
	assert_int_equal(pthread_create(&t, NULL, free_there, v[0]), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (size_t i = 1; i < MANY; i++)
		registry_json_pool_free(v[i]);
	free(v);
}

/* jansson through the pool: trees made, changed, serialised and freed,
 * as the replay does. */
static void
test_jalloc_jansson(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		json_t *o = json_object(), *a = json_array();
		char *s;

		assert_non_null(o);
		assert_non_null(a);
		for (int i = 0; i < 20; i++) {
			char k[16];

			snprintf(k, sizeof k, "k%d", i);
			assert_int_equal(json_object_set_new(o, k,
			    json_string("a value long enough to need its own "
			    "block beyond the struct")), 0);
			assert_int_equal(json_array_append_new(a,
			    json_integer(i * round)), 0);
		}
		assert_int_equal(json_object_set_new(o, "list", a), 0);
		s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
		assert_non_null(s);
		assert_non_null(strstr(s, "\"k19\""));
		free(s);	/* json_dumps: jansson's malloc */
		json_decref(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jalloc_sizes),
		cmocka_unit_test(test_jalloc_reuses_last_freed),
		cmocka_unit_test(test_jalloc_threads_and_bounds),
		cmocka_unit_test(test_jalloc_jansson),
	};

	/* before any JSON value exists (jansson's allocator is global) */
	(void)registry_json_pool_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
