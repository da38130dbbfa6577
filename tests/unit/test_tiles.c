/*
 * Tests for tlog/tiles.c: C2SP tlog-tiles paths and widths.
 *
 * The key property is uniqueness: every accepted path is the one that
 * tiles_path_format() produces for what was parsed. We check it for every
 * single-byte mutation and every truncation of a set of valid paths, plus a
 * list of hand-picked non-canonical forms, and compare our formatting with
 * an independent snprintf rendering of the spec's rule (which mirrors Go's
 * sumdb/tlog Tile.Path()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/lien_limits.h"
#include "tlog/tiles.h"

/* Reference rendering: N as 3-digit groups, 'x' on all but the last. */
static void
ref_format(int level, uint64_t n, unsigned w, char *out, size_t cap)
{
	char groups[8][8], lv[16], suffix[16] = "";
	int ng = 0, pos;

	do {
		snprintf(groups[ng++], sizeof groups[0], "%03u",
		    (unsigned)(n % 1000));
		n /= 1000;
	} while (n != 0);
	if (level < 0)
		snprintf(lv, sizeof lv, "entries");
	else
		snprintf(lv, sizeof lv, "%d", level);
	if (w != 256)
		snprintf(suffix, sizeof suffix, ".p/%u", w);
	pos = snprintf(out, cap, "tile/%s", lv);
	for (int i = ng - 1; i >= 0; i--)
		pos += snprintf(out + pos, cap - (size_t)pos, "/%s%s",
		    i > 0 ? "x" : "", groups[i]);
	snprintf(out + pos, cap - (size_t)pos, "%s", suffix);
}

static enum lien_status LIEN_MUST_CHECK
parse_str(const char *s, struct tile_ref *out)
{
	return tiles_path_parse(s, strlen(s), out);
}

static void
test_tiles_path_parse_examples(void **state)
{
	struct tile_ref r;

	(void)state;
	assert_int_equal(parse_str("0/000", &r), LIEN_OK);
	assert_int_equal(r.level, 0);
	assert_int_equal(r.index, 0);
	assert_int_equal(r.width, 256);

	/* the spec's example */
	assert_int_equal(parse_str("4/x001/x234/067", &r), LIEN_OK);
	assert_int_equal(r.level, 4);
	assert_int_equal(r.index, 1234067);
	assert_int_equal(r.width, 256);

	assert_int_equal(parse_str("4/x001/x234/067.p/7", &r), LIEN_OK);
	assert_int_equal(r.index, 1234067);
	assert_int_equal(r.width, 7);

	assert_int_equal(parse_str("entries/000.p/1", &r), LIEN_OK);
	assert_int_equal(r.level, TILES_LEVEL_ENTRIES);
	assert_int_equal(r.index, 0);
	assert_int_equal(r.width, 1);

	assert_int_equal(parse_str("entries/x001/000.p/255", &r), LIEN_OK);
	assert_int_equal(r.index, 1000);
	assert_int_equal(r.width, 255);

	assert_int_equal(parse_str("63/999", &r), LIEN_OK);
	assert_int_equal(r.level, 63);
	assert_int_equal(r.index, 999);

	assert_int_equal(parse_str("10/x010/000", &r), LIEN_OK);
	assert_int_equal(r.level, 10);
	assert_int_equal(r.index, 10000);

	/* 2^64 - 1 */
	assert_int_equal(parse_str("0/x018/x446/x744/x073/x709/x551/615", &r),
	    LIEN_OK);
	assert_int_equal(r.index, UINT64_MAX);
}

static void
test_tiles_path_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "0", "0/", "/000", "//000", "0//000", "tile/0/000",
		/* level: leading zeros, range, signs, junk */
		"00/000", "01/000", "063/000", "64/000", "100/000",
		"999/000", "-1/000", "+1/000", " 1/000", "1 /000", "a/000",
		"1a/000", "4294967296/000",
		/* N: group widths */
		"0/0", "0/00", "0/0000", "0/1", "0/12", "0/1234",
		"0/x01/000", "0/x0001/000", "0/x1/000",
		/* N: leading zero groups are aliases */
		"0/x000/000", "0/x000/123", "0/x000/x001/000",
		/* N: missing or misplaced x */
		"0/001/002", "0/x001", "0/x001/", "0/x001/x002", "0/001/x002",
		"0/X001/000", "0/xx001/000", "0/x001x/000", "0/x-01/000",
		/* N: overflow of u64 and too many groups */
		"0/x018/x446/x744/x073/x709/x551/616",
		"0/x018/x446/x744/x073/x709/x552/000",
		"0/x019/x000/x000/x000/x000/x000/000",
		"0/x999/x999/x999/x999/x999/x999/999",
		"0/x001/x000/x000/x000/x000/x000/x000/000",
		/* trailing junk */
		"0/000/", "0/000 ", "0/000\n", "0/000/000", "0/000.", "0/000x",
		/* width */
		"0/000.p", "0/000.p/", "0/000.p/0", "0/000.p/00", "0/000.p/256",
		"0/000.p/999", "0/000.p/1000", "0/000.p/007", "0/000.p/07",
		"0/000.p/01", "0/000.p/+7", "0/000.p/-1", "0/000.p/1/",
		"0/000.p/1x", "0/000.p/1 ", "0/000.q/1", "0/000p/1",
		"0/000.P/1", "0/000.p.p/1", "0/000.p//1", "0/000..p/1",
		"0/x001.p/1/000", "0/000.p/255/000",
		/* entries */
		"entries", "entries/", "entries//000", "Entries/000",
		"entry/000", "entries000", "entries/0", "entries/x000/000",
		"entriess/000", "data/000", "-1/000", "entries/000.p/256",
		"entries/000.p/0",
	};
	struct tile_ref r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r.level = 5;
		r.index = 5;
		r.width = 5;
		if (parse_str(bad[i], &r) != LIEN_EPARSE)
			fail_msg("accepted non-canonical path \"%s\"", bad[i]);
		/* outputs zeroed on failure */
		assert_int_equal(r.level, 0);
		assert_int_equal(r.index, 0);
		assert_int_equal(r.width, 0);
	}
}

static void
test_tiles_path_parse_embedded_nul(void **state)
{
	static const char p[] = "0/000\0.p/1";
	struct tile_ref r;

	(void)state;
	assert_int_equal(tiles_path_parse(p, sizeof p - 1, &r), LIEN_EPARSE);
	assert_int_equal(tiles_path_parse("0/000\0", 6, &r), LIEN_EPARSE);
	/* the length is what counts, not a terminator */
	assert_int_equal(tiles_path_parse("0/000.p/12", 8, &r), LIEN_EPARSE);
	assert_int_equal(tiles_path_parse("0/000.p/12", 9, &r), LIEN_OK);
	assert_int_equal(r.width, 1);
	assert_int_equal(tiles_path_parse(NULL, 0, &r), LIEN_EPARSE);
	assert_int_equal(tiles_path_parse("0/000", 5, NULL), LIEN_EINVAL);
}

static void
test_tiles_path_parse_oversize(void **state)
{
	char p[TILES_PATH_MAX + 16];
	struct tile_ref r;

	(void)state;
	memset(p, '0', sizeof p);
	memcpy(p, "0/", 2);
	assert_int_equal(tiles_path_parse(p, sizeof p, &r), LIEN_EPARSE);
}

/* Sample indexes: small, group boundaries, large, pseudo-random. */
static size_t
sample_indexes(uint64_t *out, size_t cap)
{
	uint64_t x = 0x9e3779b97f4a7c15u, p = 1;
	size_t n = 0;

	for (uint64_t i = 0; i < 1100 && n < cap; i++)
		out[n++] = i;
	for (int k = 0; k < 7 && n + 3 <= cap; k++) {
		out[n++] = p - 1;
		out[n++] = p;
		out[n++] = p + 1;
		if (p > UINT64_MAX / 1000)
			break;
		p *= 1000;
	}
	for (int k = 0; k < 64 && n < cap; k++)
		out[n++] = (uint64_t)1 << k;
	if (n + 2 <= cap) {
		out[n++] = UINT64_MAX;
		out[n++] = UINT64_MAX - 1;
	}
	while (n < cap) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[n++] = x >> (x % 64);
	}
	return n;
}

static void
test_tiles_path_format_roundtrip(void **state)
{
	static const int levels[] = { TILES_LEVEL_ENTRIES, 0, 1, 9, 10, 63 };
	static const unsigned widths[] = { 1, 2, 9, 10, 99, 100, 255, 256 };
	static uint64_t idx[2000];
	size_t nidx = sample_indexes(idx, sizeof idx / sizeof idx[0]);
	char got[TILES_PATH_MAX], want[TILES_PATH_MAX];
	struct tile_ref r, back;

	(void)state;
	for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
		for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
			for (size_t i = 0; i < nidx; i++) {
				r.level = levels[l];
				r.index = idx[i];
				r.width = widths[w];
				assert_int_equal(tiles_path_format(&r, got,
				    sizeof got), LIEN_OK);
				ref_format(r.level, r.index, r.width, want,
				    sizeof want);
				assert_string_equal(got, want);
				assert_memory_equal(got, "tile/", 5);
				assert_int_equal(tiles_path_parse(got + 5,
				    strlen(got + 5), &back), LIEN_OK);
				assert_int_equal(back.level, r.level);
				assert_int_equal(back.index, r.index);
				assert_int_equal(back.width, r.width);
			}
}

/* Any accepted string must be the canonical rendering of what it parsed
 * to; check every truncation and every single-byte substitution. */
static void
check_unique(const char *p, size_t len)
{
	char out[TILES_PATH_MAX + 8];
	struct tile_ref r;

	if (tiles_path_parse(p, len, &r) != LIEN_OK)
		return;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_OK);
	assert_int_equal(strlen(out), len + 5);
	assert_memory_equal(out + 5, p, len);
}

static void
test_tiles_path_parse_mutations(void **state)
{
	static const char *const seeds[] = {
		"0/000", "4/x001/x234/067", "4/x001/x234/067.p/7",
		"entries/x999/000.p/255", "63/x010/100.p/10",
		"0/x018/x446/x744/x073/x709/x551/615", "12/x100/x000/009.p/99",
	};
	char buf[TILES_PATH_MAX];

	(void)state;
	for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
		size_t len = strlen(seeds[s]);

		memcpy(buf, seeds[s], len);
		for (size_t cut = 0; cut <= len; cut++)
			check_unique(buf, cut);
		for (size_t i = 0; i < len; i++)
			for (unsigned c = 0; c < 256; c++) {
				buf[i] = (char)c;
				check_unique(buf, len);
				buf[i] = seeds[s][i];
			}
	}
}

static void
test_tiles_path_format_invalid(void **state)
{
	struct tile_ref r = { 0, 1234067, 7 };
	char out[TILES_PATH_MAX];
	size_t need;

	(void)state;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_OK);
	assert_string_equal(out, "tile/0/x001/x234/067.p/7");
	need = strlen(out) + 1;
	/* every capacity short of the NUL fails, leaving an empty string */
	for (size_t cap = 1; cap < need; cap++) {
		memset(out, 'z', sizeof out);
		assert_int_equal(tiles_path_format(&r, out, cap), LIEN_ETOOBIG);
		assert_int_equal(out[0], '\0');
	}
	assert_int_equal(tiles_path_format(&r, out, need), LIEN_OK);
	assert_int_equal(tiles_path_format(&r, out, 0), LIEN_EINVAL);
	assert_int_equal(tiles_path_format(NULL, out, sizeof out), LIEN_EINVAL);

	r.width = 0;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_EINVAL);
	r.width = 257;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_EINVAL);
	r.width = 256;
	r.level = 64;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_EINVAL);
	r.level = -2;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_EINVAL);

	/* the longest path fits TILES_PATH_MAX */
	r.level = TILES_LEVEL_ENTRIES;
	r.index = UINT64_MAX;
	r.width = 255;
	assert_int_equal(tiles_path_format(&r, out, sizeof out), LIEN_OK);
	assert_string_equal(out,
	    "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
}

static void
test_tiles_width_at_spec_example(void **state)
{
	(void)state;
	/* tlog-tiles: a tree of size 70,000 is 273 full level 0 tiles, a
	 * partial level 0 tile of width 112, one full level 1 tile, a
	 * partial level 1 tile of width 17, a partial level 2 tile of 1. */
	for (uint64_t i = 0; i < 273; i++)
		assert_int_equal(tiles_width_at(0, i, 70000), 256);
	assert_int_equal(tiles_width_at(0, 273, 70000), 112);
	assert_int_equal(tiles_width_at(0, 274, 70000), 0);
	assert_int_equal(tiles_width_at(1, 0, 70000), 256);
	assert_int_equal(tiles_width_at(1, 1, 70000), 17);
	assert_int_equal(tiles_width_at(1, 2, 70000), 0);
	assert_int_equal(tiles_width_at(2, 0, 70000), 1);
	assert_int_equal(tiles_width_at(2, 1, 70000), 0);
	assert_int_equal(tiles_width_at(3, 0, 70000), 0);
	/* entry bundles match level 0 */
	assert_int_equal(tiles_width_at(TILES_LEVEL_ENTRIES, 272, 70000), 256);
	assert_int_equal(tiles_width_at(TILES_LEVEL_ENTRIES, 273, 70000), 112);
	assert_int_equal(tiles_width_at(TILES_LEVEL_ENTRIES, 274, 70000), 0);

	/* "a tree of size 256 [is] a full level 0 tile and a partial level
	 * 1 tile of width 1" */
	assert_int_equal(tiles_width_at(0, 0, 256), 256);
	assert_int_equal(tiles_width_at(0, 1, 256), 0);
	assert_int_equal(tiles_width_at(1, 0, 256), 1);
}

static void
test_tiles_width_at_edges(void **state)
{
	(void)state;
	/* the empty tree has no tiles */
	assert_int_equal(tiles_width_at(0, 0, 0), 0);
	assert_int_equal(tiles_width_at(TILES_LEVEL_ENTRIES, 0, 0), 0);
	assert_int_equal(tiles_width_at(0, 0, 1), 1);
	assert_int_equal(tiles_width_at(0, 0, 255), 255);
	assert_int_equal(tiles_width_at(1, 0, 255), 0);
	assert_int_equal(tiles_width_at(0, 1, 257), 1);
	/* the largest tree */
	assert_int_equal(tiles_width_at(0, (UINT64_MAX >> 8) - 1, UINT64_MAX),
	    256);
	assert_int_equal(tiles_width_at(0, UINT64_MAX >> 8, UINT64_MAX), 255);
	assert_int_equal(tiles_width_at(0, UINT64_MAX, UINT64_MAX), 0);
	assert_int_equal(tiles_width_at(7, 0, UINT64_MAX), 255);
	assert_int_equal(tiles_width_at(7, 1, UINT64_MAX), 0);
	assert_int_equal(tiles_width_at(8, 0, UINT64_MAX), 0);
	assert_int_equal(tiles_width_at(63, 0, UINT64_MAX), 0);
	/* out-of-range levels */
	assert_int_equal(tiles_width_at(64, 0, UINT64_MAX), 0);
	assert_int_equal(tiles_width_at(-2, 0, UINT64_MAX), 0);
	assert_int_equal(tiles_width_at(1000, 0, 1000), 0);
}

/* Every (level, index) at sizes 0..70000 by the spec's definition: a
 * tile at level L index i covers hashes [256 i, 256 (i + 1)) of the
 * floor(n / 256^L) hashes at that level. */
static void
test_tiles_width_at_definition(void **state)
{
	(void)state;
	for (uint64_t n = 0; n <= 70000; n += (n < 1000 ? 1 : 97)) {
		for (int l = 0; l < 3; l++) {
			uint64_t hashes = n;

			for (int k = 0; k < l; k++)
				hashes /= 256;
			for (uint64_t i = 0; i < 300; i++) {
				uint64_t lo = 256 * i, want;

				if (hashes <= lo)
					want = 0;
				else if (hashes - lo >= 256)
					want = 256;
				else
					want = hashes - lo;
				assert_int_equal(tiles_width_at(l, i, n), want);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiles_path_parse_examples),
		cmocka_unit_test(test_tiles_path_parse_rejects),
		cmocka_unit_test(test_tiles_path_parse_embedded_nul),
		cmocka_unit_test(test_tiles_path_parse_oversize),
		cmocka_unit_test(test_tiles_path_format_roundtrip),
		cmocka_unit_test(test_tiles_path_parse_mutations),
		cmocka_unit_test(test_tiles_path_format_invalid),
		cmocka_unit_test(test_tiles_width_at_spec_example),
		cmocka_unit_test(test_tiles_width_at_edges),
		cmocka_unit_test(test_tiles_width_at_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
