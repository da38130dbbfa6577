/*
 * ledger/store.c's write statistics (store_wstat_start, used by
 * bench_growth --wstat): writes are counted per table, a refused write
 * not at all; a leaf page once per transaction, when the first write
 * lands on it, and every page a write adds. And every page a commit
 * writes, by tree and kind (store_wstat_written: the page walker),
 * against the bytes the process handed to pwrite.
 *
 * And the slotted tables (store.h "Slotted tables"): the slot decoder
 * on every malformed slot, records read back alone through get and
 * cursor, and records that grow within their room rewritten without a
 * page split, where the same growth on an unslotted table splits.
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

#define TB ((enum store_table)(STORE_STATE0 + 3))	/* "nonces" */
#define SLOTTED ((enum store_table)(STORE_STATE0 + 0))	/* "apps" */

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
	assert_string_equal(store_table_name(TB), "nonces");
	assert_string_equal(store_table_name(SLOTTED), "apps");
	assert_true(store_table_slotted(SLOTTED));
	assert_false(store_table_slotted(TB));
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

static void
test_store_slot_open_forms(void **state)
{
	static const uint8_t ok0[] = { 0 }, ok3[] = { 'a', 'b', 'c', 0 },
	    okpad[] = { 'a', 'b', 0, 0, 2 }, allpad[] = { 0, 0, 0, 3 },
	    beyond[] = { 0, 0, 3 }, one[] = { 5 }, dirty[] = { 'a', 'b', 1 },
	    dirty2[] = { 'a', 0, 1, 0, 3 };
	size_t n = 99;

	(void)state;
	assert_int_equal(store_slot_open(ok0, 0, &n), LIEN_ECORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(store_slot_open(NULL, 0, &n), LIEN_ECORRUPT);
	assert_int_equal(store_slot_open(ok0, sizeof ok0, &n), LIEN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_slot_open(ok3, sizeof ok3, &n), LIEN_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_slot_open(okpad, sizeof okpad, &n), LIEN_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_slot_open(allpad, sizeof allpad, &n), LIEN_OK);
	assert_int_equal(n, 0);
	/* a pad longer than the value before the byte that counts it */
	assert_int_equal(store_slot_open(beyond, sizeof beyond, &n),
	    LIEN_ECORRUPT);
	assert_int_equal(store_slot_open(one, sizeof one, &n), LIEN_ECORRUPT);
	/* padding that is not all zero */
	assert_int_equal(store_slot_open(dirty, sizeof dirty, &n),
	    LIEN_ECORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(store_slot_open(dirty2, sizeof dirty2, &n),
	    LIEN_ECORRUPT);
}

/* Every truncation, trailing byte and bit flip of a slot's padding and
 * count is refused or names another length (but the cut that leaves
 * the record in a slot without room). A flip inside the record is the
 * record's readers' to refuse. */
static void
test_store_slot_open_damage(void **state)
{
	uint8_t slot[16], b[17];
	size_t rec = 11, n;

	(void)state;
	memset(slot, 0x5a, rec);
	memset(slot + rec, 0, sizeof slot - rec - 1);
	slot[sizeof slot - 1] = (uint8_t)(sizeof slot - rec - 1);
	assert_int_equal(store_slot_open(slot, sizeof slot, &n), LIEN_OK);
	assert_int_equal(n, rec);
	/* a cut that leaves the record and one zero is that record's slot
	 * without room: the same record, as it should read */
	for (size_t cut = 0; cut < sizeof slot; cut++) {
		enum lien_status st = store_slot_open(slot, cut, &n);

		assert_true(st == LIEN_ECORRUPT || n != rec || cut == rec + 1);
	}
	for (unsigned x = 0; x < 256; x++) {
		memcpy(b, slot, sizeof slot);
		b[sizeof slot] = (uint8_t)x;
		if (store_slot_open(b, sizeof b, &n) == LIEN_OK)
			assert_int_not_equal(n, rec);
	}
	for (size_t i = rec; i < sizeof slot; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(b, slot, sizeof slot);
			b[i] ^= (uint8_t)(1u << bit);
			if (store_slot_open(b, sizeof slot, &n) == LIEN_OK)
				assert_int_not_equal(n, rec);
		}
}

static void
put_room(struct store_txn *t, enum store_table tb, uint64_t k, size_t len,
    int append, size_t room)
{
	uint8_t key[8], val[300];

	assert_true(len <= sizeof val);
	memset(val, (int)(k % 251 + 1), len);
	be64_put(key, k);
	assert_int_equal(store_put_room(t, tb, key, sizeof key, val, len,
	    append, room), LIEN_OK);
}

static void
get_check(struct store_txn *t, enum store_table tb, uint64_t k, size_t len)
{
	uint8_t key[8];
	const uint8_t *v;
	size_t vl;

	be64_put(key, k);
	assert_int_equal(store_get(t, tb, key, sizeof key, &v, &vl), LIEN_OK);
	assert_int_equal(vl, len);
	for (size_t i = 0; i < vl; i++)
		assert_int_equal(v[i], (uint8_t)(k % 251 + 1));
}

static void
test_store_slot_records(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	struct store_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl;
	uint8_t key[8], *res;

	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	put_room(t, SLOTTED, 1, 5, 1, 10);
	get_check(t, SLOTTED, 1, 5);
	put_room(t, SLOTTED, 1, 15, 0, 0);	/* fits 5 + 1 + 10: kept */
	get_check(t, SLOTTED, 1, 15);
	put_room(t, SLOTTED, 1, 0, 0, 0);	/* shrinks: kept */
	get_check(t, SLOTTED, 1, 0);
	put_room(t, SLOTTED, 1, 40, 0, 1000);	/* outgrows it; room capped */
	get_check(t, SLOTTED, 1, 40);
	put_room(t, SLOTTED, 2, 300, 1, 7);	/* through the heap */
	get_check(t, SLOTTED, 2, 300);
	assert_int_equal(store_cursor_open(t, SLOTTED, &c), LIEN_OK);
	assert_int_equal(store_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl),
	    LIEN_OK);
	assert_int_equal(vl, 40);
	assert_int_equal(store_cursor_next(c, &k, &kl, &v, &vl), LIEN_OK);
	assert_int_equal(vl, 300);
	assert_int_equal(store_cursor_last(c, &k, &kl, &v, &vl), LIEN_OK);
	assert_int_equal(vl, 300);
	be64_put(key, 3);
	assert_int_equal(store_cursor_put(c, key, sizeof key, "x", 1, 1),
	    LIEN_EINVAL);
	store_cursor_close(c);
	assert_int_equal(store_reserve(t, SLOTTED, key, sizeof key, 4, &res),
	    LIEN_EINVAL);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
}

/* Leaf pages of tb after 400 appended records of 60 bytes (room 40 on a
 * slotted table), and after each grew to 95 where it lies. */
static void
grow_all(struct fx *f, enum store_table tb, uint64_t *before,
    uint64_t *after)
{
	struct store_txn *t;
	struct store_table_stat ts;

	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	for (uint64_t i = 1; i <= 400; i++)
		put_room(t, tb, i, 60, 1, 40);
	assert_int_equal(store_table_stat(t, tb, &ts), LIEN_OK);
	*before = ts.leaf_pages;
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
	for (uint64_t i = 1; i <= 400; i++)
		put_room(t, tb, i, 95, 0, 40);
	for (uint64_t i = 1; i <= 400; i++)
		get_check(t, tb, i, 95);
	assert_int_equal(store_table_stat(t, tb, &ts), LIEN_OK);
	*after = ts.leaf_pages;
	assert_int_equal(store_txn_commit(t), LIEN_OK);
}

static void
test_store_slot_grow_in_place(void **state)
{
	struct fx *f = *state;
	uint64_t b, a;

	grow_all(f, SLOTTED, &b, &a);
	assert_int_equal(a, b);			/* no split */
	grow_all(f, TB, &b, &a);
	assert_true(a > b);			/* full leaves split */
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
		cmocka_unit_test(test_store_slot_open_forms),
		cmocka_unit_test(test_store_slot_open_damage),
		cmocka_unit_test_setup_teardown(test_store_slot_records,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_slot_grow_in_place,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
