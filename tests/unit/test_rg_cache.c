/* registry/cache.c: the per-thread cache of parsed state records, and its
 * per-entry scope (rg_cache_scope), which the audit replay uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "registry/registry_int.h"

static const uint8_t REC[] = "{\"a\":1}";

static json_t *
put(enum ledger_table tb, const char *key)
{
	json_t *t = json_pack("{s:i}", "a", 1);

	assert_non_null(t);
	rg_cache_put(tb, key, strlen(key), REC, sizeof REC - 1, t);
	json_decref(t);		/* the cache holds its own reference */
	return t;
}

static json_t *
find(enum ledger_table tb, const char *key)
{
	return rg_cache_find(tb, key, strlen(key), REC, sizeof REC - 1);
}

static void
test_rg_cache_find_exact_bytes_only(void **state)
{
	(void)state;
	rg_cache_keep(0);
	put(LEDGER_T_APPS, "A1");
	assert_non_null(find(LEDGER_T_APPS, "A1"));
	/* other bytes under the same key, another key, another table */
	assert_null(rg_cache_find(LEDGER_T_APPS, "A1", 2, REC, 3));
	assert_null(find(LEDGER_T_APPS, "A2"));
	assert_null(find(LEDGER_T_VEHICLES, "A1"));
	rg_cache_keep(1u << LEDGER_T_PARTIES);	/* drops the apps */
	assert_null(find(LEDGER_T_APPS, "A1"));
	rg_cache_keep(0);
}

static void
test_rg_cache_scope_ends_with_the_entry(void **state)
{
	json_t *t;

	(void)state;
	rg_cache_keep(0);
	rg_cache_scope(~(1u << LEDGER_T_PARTIES));
	put(LEDGER_T_PARTIES, "id:p");
	put(LEDGER_T_APPS, "A1");
	put(LEDGER_T_VEHICLES, "v1");
	assert_non_null(find(LEDGER_T_APPS, "A1"));
	assert_non_null(find(LEDGER_T_VEHICLES, "v1"));
	/* a record taken out of the scope belongs to the taker */
	t = rg_cache_take(LEDGER_T_VEHICLES, "v1", 2, REC, sizeof REC - 1);
	assert_non_null(t);
	assert_null(find(LEDGER_T_VEHICLES, "v1"));
	rg_cache_scope_end();
	assert_null(find(LEDGER_T_APPS, "A1"));
	assert_non_null(find(LEDGER_T_PARTIES, "id:p"));	/* not scoped */
	assert_int_equal(json_integer_value(json_object_get(t, "a")), 1);
	json_decref(t);
	/* a scope holds a bounded number of records; the rest are simply
	 * not cached, and the scope still ends clean */
	for (int i = 0; i < 100; i++) {
		char k[16];

		snprintf(k, sizeof k, "A%d", i);
		put(LEDGER_T_APPS, k);
	}
	assert_non_null(find(LEDGER_T_APPS, "A0"));
	assert_null(find(LEDGER_T_APPS, "A99"));
	rg_cache_scope_end();
	assert_null(find(LEDGER_T_APPS, "A0"));
	/* the same key stored twice in one scope (a record rewritten) */
	put(LEDGER_T_APPS, "A1");
	put(LEDGER_T_APPS, "A1");
	rg_cache_scope_end();
	assert_null(find(LEDGER_T_APPS, "A1"));
	/* scope off: records stay */
	rg_cache_scope(0);
	put(LEDGER_T_APPS, "A1");
	rg_cache_scope_end();
	assert_non_null(find(LEDGER_T_APPS, "A1"));
	rg_cache_keep(1u << LEDGER_T_PARTIES);
	rg_cache_keep(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rg_cache_find_exact_bytes_only),
		cmocka_unit_test(test_rg_cache_scope_ends_with_the_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
