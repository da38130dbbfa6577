/*
 * ledger/store.c's write statistics (store_wstat_start, used by
 * bench_growth --wstat): writes are counted per table, a refused write
 * not at all; a leaf page once per transaction, when the first write
 * lands on it, and every page a write adds. And every page a commit
 * writes, by tree and kind (store_wstat_written: the page walker),
 * against the bytes the process handed to pwrite.
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

/* Bytes this process handed to write(2)/pwrite(2) (proc(5) wchar); -1
 * when unknown. */
static long long
wchar(void)
{
	char line[128];
	long long v = -1;
	FILE *fp = fopen("/proc/self/io", "r");

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	(void)fclose(fp);
	return v;
}

/* The pages of tree `which` the commits wrote since the last call
 * (delta against last[which]); and the commits. */
static void
written(struct fx *f, unsigned which, uint64_t last[STORE_WP_N][3],
    uint64_t out[3], uint64_t *commits)
{
	uint64_t now[3];

	assert_int_equal(store_wstat_written(f->s, which, now, commits),
	    LIEN_OK);
	for (int k = 0; k < 3; k++) {
		out[k] = now[k] - last[which][k];
		last[which][k] = now[k];
	}
}

/* Commit t, then check what it wrote: want[tree] = {branch, leaf,
 * overflow} for TB, the free list and the table of tables (every other
 * tree nothing), and that the pages are what the process handed to
 * pwrite (plus a part of a page: the meta page). */
static void
commit_check(struct fx *f, struct store_txn *t, uint64_t last[STORE_WP_N][3],
    const uint64_t tb[3], const uint64_t fl[3], const uint64_t main_[3])
{
	uint64_t got[3], commits, pages = 0;
	long long w0 = wchar(), w1;

	assert_int_equal(store_txn_commit(t), LIEN_OK);
	w1 = wchar();
	for (unsigned i = 0; i < STORE_WP_N; i++) {
		const uint64_t *want = i == (unsigned)TB ? tb : i ==
		    STORE_WP_FREE ? fl : i == STORE_WP_MAIN ? main_ : NULL;

		written(f, i, last, got, &commits);
		for (int k = 0; k < 3; k++) {
			assert_int_equal(got[k], want != NULL ? want[k] : 0);
			pages += got[k];
		}
	}
	if (w0 >= 0 && w1 >= 0)
		assert_int_equal((w1 - w0) / 4096, (long long)pages);
}

static void
test_store_wstat_written(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	struct store_table_stat ts;
	uint64_t last[STORE_WP_N][3], got[3], commits;
	uint8_t key[8], big[10000] = { 0 };

	memset(last, 0, sizeof last);
	assert_int_equal(store_wstat_written(f->s, TB, got, &commits),
	    LIEN_ENOTFOUND);
	assert_int_equal(store_wstat_start(f->s), LIEN_OK);
	assert_int_equal(store_wstat_written(f->s, STORE_WP_N, got,
	    &commits), LIEN_ENOTFOUND);

	/* 400 appended records into the empty table: every page of it is
	 * new (a root branch and its leaves), the table of tables' leaf is
	 * rewritten, and the free list gets the old copy of that leaf */
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	for (uint64_t i = 1; i <= 400; i++)
		put(t, i, 1, LIEN_OK);
	assert_int_equal(store_table_stat(t, TB, &ts), LIEN_OK);
	commit_check(f, t, last, (const uint64_t[3]){ ts.branch_pages,
	    ts.leaf_pages, 0 }, (const uint64_t[3]){ 0, 1, 0 },
	    (const uint64_t[3]){ 0, 1, 0 });
	assert_int_equal(ts.branch_pages, 1);
	assert_in_range(ts.leaf_pages, 10, 12);

	/* one update in the middle: its leaf and the root above it. Again
	 * and again: the commits reuse the pages the ones before freed, and
	 * each is counted as written again (a walker that kept the freed
	 * page numbers as held would stop at them) */
	for (int round = 0; round < 20; round++) {
		assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
		put(t, 200, 0, LIEN_OK);
		commit_check(f, t, last, (const uint64_t[3]){ 1, 1, 0 },
		    (const uint64_t[3]){ 0, 1, 0 },
		    (const uint64_t[3]){ 0, 1, 0 });
	}

	/* a value too large for a leaf: 10,000 bytes on 3 overflow pages
	 * (one 4 KiB page holds 4,080 bytes after its header) */
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	be64_put(key, 1000);
	assert_int_equal(store_put(t, TB, key, sizeof key, big, sizeof big, 1),
	    LIEN_OK);
	commit_check(f, t, last, (const uint64_t[3]){ 1, 1, 3 },
	    (const uint64_t[3]){ 0, 1, 0 }, (const uint64_t[3]){ 0, 1, 0 });
	assert_int_equal(store_wstat_written(f->s, TB, got, &commits),
	    LIEN_OK);
	assert_int_equal(commits, 22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_wstat_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_wstat_leaves,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_wstat_written,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
