/*
 * ledger/store.c's write statistics (store_wstat_start, used by
 * bench_growth --wstat): writes are counted per table, a refused write
 * not at all; a leaf page once per transaction, when the first write
 * lands on it, and every page a write adds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rd.h"
#include "ledger/store.h"

#define TB ((enum store_table)(STORE_STATE0 + 0))	/* "apps" */

struct fx {
	char dir[64];
	struct store *s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lien-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, (uint64_t)1 << 30, 16, 0, &f->s),
	    LIEN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
put(struct store_txn *t, uint64_t k, int append, enum lien_status want)
{
	uint8_t key[8], val[100] = { 0 };

	be64_put(key, k);
	assert_int_equal(store_put(t, TB, key, sizeof key, val, sizeof val,
	    append), want);
}

static void
counts(struct fx *f, uint64_t writes, uint64_t leaves)
{
	uint64_t w, l;

	store_wstat_get(f->s, TB, &w, &l);
	assert_int_equal(w, writes);
	assert_int_equal(l, leaves);
}

static void
test_store_wstat_off(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;

	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	put(t, 1, 1, LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	counts(f, 0, 0);
	assert_string_equal(store_table_name(TB), "apps");
	assert_null(store_table_name(STORE_NTABLES));
}

static void
test_store_wstat_leaves(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	struct store_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl;
	uint8_t key[8];
	uint64_t w, l;

	assert_int_equal(store_wstat_start(f->s), LIEN_OK);
	/* an empty table: the first write makes a new leaf, the rest of
	 * the transaction's writes land on that (dirty) page */
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	for (uint64_t i = 1; i <= 10; i++)
		put(t, i, 1, LIEN_OK);
	counts(f, 10, 1);
	/* refused (not after the last key): not a write */
	put(t, 5, 1, LIEN_EEXIST);
	counts(f, 10, 1);
	assert_int_equal(store_txn_commit(t), LIEN_OK);

	/* committed, the page is clean again: one leaf per transaction */
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	put(t, 5, 0, LIEN_OK);		/* an update */
	be64_put(key, 3);
	assert_int_equal(store_del(t, TB, key, sizeof key), LIEN_OK);
	put(t, 11, 1, LIEN_OK);
	counts(f, 13, 2);
	/* a failed delete is not a write either */
	assert_int_equal(store_del(t, TB, key, sizeof key), LIEN_ENOTFOUND);
	counts(f, 13, 2);
	assert_int_equal(store_txn_commit(t), LIEN_OK);

	/* many more: several leaves; a delete through a cursor counts */
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	for (uint64_t i = 12; i <= 400; i++)
		put(t, i, 1, LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	/* the last leaf, then each page the appends add: 400 records of
	 * 118 bytes on the leaves (key, value, node header, slot) are 12
	 * pages of 4 KiB or so, whatever LMDB's exact split points */
	store_wstat_get(f->s, TB, &w, &l);
	assert_int_equal(w, 13 + 389);
	assert_in_range(l, 2 + 1 + 10, 2 + 1 + 12);
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	assert_int_equal(store_cursor_open(t, TB, &c), LIEN_OK);
	assert_int_equal(store_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl),
	    LIEN_OK);
	assert_int_equal(store_cursor_del(c), LIEN_OK);
	store_cursor_close(c);
	put(t, 200, 0, LIEN_OK);	/* the middle: another leaf */
	counts(f, 13 + 389 + 2, l + 2);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_wstat_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_wstat_leaves,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
