/*
 * C2SP tlog-tiles resource paths: parse, format, and which tiles exist.
 *
 * The grammar (c2sp.org/tlog-tiles, "Merkle Tree" and "Log entries"):
 *   <L>/<N>[.p/<W>]  or  entries/<N>[.p/<W>]
 *   L  decimal 0..63, no leading zeros
 *   N  zero-padded 3-digit groups, every group but the last prefixed 'x'
 *   W  decimal 1..255, no leading zeros (256 is the full tile: no suffix)
 * The spec leaves one question open: may N carry extra leading groups
 * ("x000/001")? Go's sumdb/tlog (the origin of the format) accepts a path
 * only if it equals Tile.Path() of what it parsed, which never emits a
 * leading zero group; we do the same, so every tile has exactly one path
 * and caches/CDNs cannot be split or poisoned through aliases. Values of N
 * that overflow a u64 are rejected.
 *
 * Parsing is stateless and bounded: one pass over (ptr, len), no strlen,
 * no allocation. What it is not: it does not know the tree size; callers
 * check existence with tiles_width_at().
 */
#include "tlog/tiles.h"

#include <string.h>

#include "common/lien_limits.h"

#define TILES_GROUP_BASE 1000u
#define TILES_LEVEL_MAX 63
/* 2^64 - 1 has 20 decimal digits: 7 groups of 3. */
#define TILES_GROUPS_MAX 7u

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Decimal 0..max with no leading zeros, consuming digits at *p. At most
 * three digits are ever needed (max <= 255). */
static enum lien_status LIEN_MUST_CHECK
parse_small(const uint8_t **p, const uint8_t *end, unsigned max,
    unsigned *out)
{
	const uint8_t *q = *p;
	unsigned v = 0, nd = 0;

	while (q < end && is_digit(*q)) {
		if (nd == 3)
			return LIEN_EPARSE;
		v = v * 10u + (unsigned)(*q - '0');
		nd++;
		q++;
	}
	if (nd == 0 || (nd > 1 && **p == '0') || v > max)
		return LIEN_EPARSE;
	*p = q;
	*out = v;
	return LIEN_OK;
}

/* Exactly three digits. */
static enum lien_status LIEN_MUST_CHECK
parse_group(const uint8_t **p, const uint8_t *end, unsigned *out)
{
	const uint8_t *q = *p;

	if ((size_t)(end - q) < 3 || !is_digit(q[0]) || !is_digit(q[1]) ||
	    !is_digit(q[2]))
		return LIEN_EPARSE;
	*out = (unsigned)(q[0] - '0') * 100u + (unsigned)(q[1] - '0') * 10u +
	    (unsigned)(q[2] - '0');
	*p = q + 3;
	return LIEN_OK;
}

enum lien_status
tiles_path_parse(const char *path, size_t len, struct tile_ref *out)
{
	static const char entries[] = "entries/";
	const uint8_t *p, *end;
	uint64_t n = 0;
	unsigned level, g, w = TILE_WIDTH, ngroups = 0;
	int lvl;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (path == NULL || len == 0 || len > TILES_PATH_MAX)
		return LIEN_EPARSE;
	p = (const uint8_t *)path;
	end = p + len;

	/* <L>/ or entries/ */
	if (len >= sizeof entries - 1 &&
	    memcmp(p, entries, sizeof entries - 1) == 0) {
		lvl = TILES_LEVEL_ENTRIES;
		p += sizeof entries - 1;
	} else {
		if (parse_small(&p, end, TILES_LEVEL_MAX, &level) != LIEN_OK ||
		    p == end || *p != '/')
			return LIEN_EPARSE;
		lvl = (int)level;
		p++;
	}

	/* <N>: ("x" DDD "/")* DDD */
	for (;;) {
		int prefixed = p < end && *p == 'x';

		if (prefixed)
			p++;
		if (parse_group(&p, end, &g) != LIEN_OK)
			return LIEN_EPARSE;
		/* No leading zero group: "x000/..." is an alias of "...". */
		if (prefixed && ngroups == 0 && g == 0)
			return LIEN_EPARSE;
		if (++ngroups > TILES_GROUPS_MAX ||
		    n > (UINT64_MAX - g) / TILES_GROUP_BASE)
			return LIEN_EPARSE;
		n = n * TILES_GROUP_BASE + g;
		if (!prefixed)
			break;
		if (p == end || *p != '/')
			return LIEN_EPARSE;
		p++;
	}

	/* [.p/<W>] */
	if (p != end) {
		if ((size_t)(end - p) < 3 || p[0] != '.' || p[1] != 'p' ||
		    p[2] != '/')
			return LIEN_EPARSE;
		p += 3;
		if (parse_small(&p, end, TILE_WIDTH - 1, &w) != LIEN_OK ||
		    w == 0)
			return LIEN_EPARSE;
		if (p != end)
			return LIEN_EPARSE;
	}

	out->level = lvl;
	out->index = n;
	out->width = w;
	return LIEN_OK;
}

/* Append s (slen bytes) at out[*pos], keeping room for the NUL. */
static enum lien_status LIEN_MUST_CHECK
put(char *out, size_t cap, size_t *pos, const char *s, size_t slen)
{
	if (slen >= cap - *pos)
		return LIEN_ETOOBIG;
	memcpy(out + *pos, s, slen);
	*pos += slen;
	return LIEN_OK;
}

/* Decimal of v (< 1000) with at least min digits. */
static size_t
fmt_small(char buf[3], unsigned v, unsigned min)
{
	char tmp[3];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0 && n < 3);
	while (n < min)
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

enum lien_status
tiles_path_format(const struct tile_ref *ref, char *out, size_t cap)
{
	unsigned groups[TILES_GROUPS_MAX];
	unsigned ng = 0;
	uint64_t n;
	size_t pos = 0;
	char buf[4];
	enum lien_status st;

	if (ref == NULL || out == NULL || cap == 0)
		return LIEN_EINVAL;
	out[0] = '\0';
	if (ref->level < TILES_LEVEL_ENTRIES || ref->level > TILES_LEVEL_MAX ||
	    ref->width < 1 || ref->width > TILE_WIDTH)
		return LIEN_EINVAL;

	n = ref->index;
	do {
		groups[ng++] = (unsigned)(n % TILES_GROUP_BASE);
		n /= TILES_GROUP_BASE;
	} while (n != 0);

	if ((st = put(out, cap, &pos, "tile/", 5)) != LIEN_OK)
		goto fail;
	if (ref->level == TILES_LEVEL_ENTRIES)
		st = put(out, cap, &pos, "entries", 7);
	else
		st = put(out, cap, &pos, buf,
		    fmt_small(buf, (unsigned)ref->level, 1));
	if (st != LIEN_OK)
		goto fail;
	for (unsigned i = ng; i-- > 0;) {
		if ((st = put(out, cap, &pos, "/", 1)) != LIEN_OK)
			goto fail;
		if (i > 0 && (st = put(out, cap, &pos, "x", 1)) != LIEN_OK)
			goto fail;
		if ((st = put(out, cap, &pos, buf,
		    fmt_small(buf, groups[i], 3))) != LIEN_OK)
			goto fail;
	}
	if (ref->width < TILE_WIDTH) {
		if ((st = put(out, cap, &pos, ".p/", 3)) != LIEN_OK ||
		    (st = put(out, cap, &pos, buf,
		    fmt_small(buf, ref->width, 1))) != LIEN_OK)
			goto fail;
	}
	out[pos] = '\0';
	return LIEN_OK;
fail:
	out[0] = '\0';
	return st;
}

unsigned
tiles_width_at(int level, uint64_t index, uint64_t n)
{
	uint64_t count, full;

	/* Entry bundles line up with level-0 tiles (tlog-tiles "Log
	 * entries"). */
	if (level == TILES_LEVEL_ENTRIES)
		level = 0;
	if (level < 0 || level > TILES_LEVEL_MAX)
		return 0;
	/* Hashes at tile level L are subtrees of 256^L leaves; there are
	 * floor(n / 256^L) of them (none from L = 8 on: 256^8 = 2^64). */
	count = tiles_nodes_at(n, TILE_HEIGHT * (unsigned)level);
	full = count / TILE_WIDTH;
	if (index < full)
		return TILE_WIDTH;
	if (index == full)
		return (unsigned)(count % TILE_WIDTH);	/* 0: no partial */
	return 0;
}
