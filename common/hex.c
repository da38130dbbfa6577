/*
 * Lowercase hexadecimal (common/hex.h). Pure: no allocation, no I/O.
 *
 * hex_char and the digit readers are branch-free in the digit's value
 * (the care common/b64.c takes), so encoding or decoding a secret does not
 * leak it through a lookup table's cache lines or a data-dependent branch.
 * Relies on arithmetic right shift of negative ints (gcc and clang).
 */
#include "common/hex.h"

#include <limits.h>
#include <string.h>

_Static_assert(sizeof(int) * CHAR_BIT == 32, "32-bit int assumed");

char
hex_char(unsigned v)
{
	int x = (int)(v & 15u);

	/* '0' + x, plus the gap up to 'a' once x passes 9. */
	return (char)('0' + x + (((9 - x) >> 31) & ('a' - '0' - 10)));
}

/* c - base + add when base <= c < base + n, else -1. */
static int
digit_in(int c, int base, int n, int add)
{
	int d = c - base;
	int ok = ~((d >> 31) | ((n - 1 - d) >> 31));	/* all ones iff in range */

	return ((d + add) & ok) | ~ok;
}

/* A digit reading is its value or -1 (all ones); at most one of two
 * readings of the same byte is a value, so AND picks it (or stays -1). */
int
hex_value(int c)
{
	return digit_in(c, '0', 10, 0) & digit_in(c, 'a', 6, 10);
}

int
hex_value_upper(int c)
{
	return digit_in(c, '0', 10, 0) & digit_in(c, 'A', 6, 10);
}

void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_char((unsigned)in[i] >> 4);
		out[2 * i + 1] = hex_char(in[i]);
	}
	out[2 * n] = '\0';
}

enum lien_status
hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	int bad = 0;

	if (s == NULL || n > SIZE_MAX / 2 || len != HEX_LEN(n)) {
		memset(out, 0, n);
		return LIEN_EPARSE;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value((unsigned char)s[2 * i]);
		int lo = hex_value((unsigned char)s[2 * i + 1]);

		bad |= hi | lo;		/* negative iff either is -1 */
		out[i] = (uint8_t)(((unsigned)hi << 4) | ((unsigned)lo & 15u));
	}
	if (bad < 0) {
		memset(out, 0, n);
		return LIEN_EPARSE;
	}
	return LIEN_OK;
}

void
hex_u64_put(uint64_t v, unsigned ndigits, char *out)
{
	for (unsigned i = ndigits; i-- > 0;) {
		out[i] = hex_char((unsigned)(v & 15u));
		v >>= 4;
	}
}

enum lien_status
hex_u64_get(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	if (s == NULL || len == 0 || len > 16)
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i++) {
		int d = hex_value((unsigned char)s[i]);

		if (d < 0)
			return LIEN_EPARSE;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return LIEN_OK;
}
