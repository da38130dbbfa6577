/*
 * Lowercase hexadecimal (common/hex.h). Pure: no allocation, no I/O.
 *
 * hex_char and the digit readers are branch-free in the digit's value
 * (the care common/b64.c takes), so encoding or decoding a secret does not
 * leak it through a lookup table's cache lines or a data-dependent branch.
 * hex_decode reads eight digits at a time (SWAR, hex_decode8): the audit
 * replay decodes ~1 KB of hex per entry (keys, digests, references).
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

/* Eight digits at a time, SWAR (one byte of w per character, s[0] the
 * lowest): bytes >= 0x80 are refused first and the rest read as 0..0x7f,
 * so x + (0x80 - lo) stays inside its byte and its high bit says x >= lo.
 * Branch-free in the digits, like hex_value. The four bytes out; *bad
 * gets a bit set for any byte that is not a lowercase digit. */
#define HEX_B8(x) ((uint64_t)(x) * 0x0101010101010101ull)

static void
hex_decode8(const char *s, uint8_t out[4], uint64_t *bad)
{
	const uint64_t h = HEX_B8(0x80);
	uint64_t w, w7, digit, alpha, val, t;
	uint32_t o;

	memcpy(&w, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	w7 = w & ~h;
#define HEX_GE(lo) ((w7 + HEX_B8(0x80 - (lo))) & h)
	digit = HEX_GE('0') & ~HEX_GE('9' + 1);
	alpha = HEX_GE('a') & ~HEX_GE('f' + 1);
#undef HEX_GE
	*bad |= (w & h) | ((digit | alpha) ^ h);
	/* '0'..'9' are 0x30..0x39, 'a'..'f' 0x61..0x66: the low nibble,
	 * plus 9 for a letter */
	val = (w7 & HEX_B8(0x0f)) + (alpha >> 7) * 9u;
	/* per 16-bit lane: first digit << 4 | second digit; then the four
	 * lanes' low bytes side by side */
	t = ((val & 0x00ff00ff00ff00ffull) << 4) |
	    ((val >> 8) & 0x00ff00ff00ff00ffull);
	t = (t | t >> 8) & 0x0000ffff0000ffffull;
	o = (uint32_t)((t | t >> 16) & 0xffffffffu);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	o = __builtin_bswap32(o);
#endif
	memcpy(out, &o, 4);
}

enum lien_status
hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	int bad = 0;
	uint64_t bad8 = 0;
	size_t i = 0;

	if (s == NULL || n > SIZE_MAX / 2 || len != HEX_LEN(n)) {
		memset(out, 0, n);
		return LIEN_EPARSE;
	}
	for (; n - i >= 4; i += 4)
		hex_decode8(s + 2 * i, out + i, &bad8);
	for (; i < n; i++) {
		int hi = hex_value((unsigned char)s[2 * i]);
		int lo = hex_value((unsigned char)s[2 * i + 1]);

		bad |= hi | lo;		/* negative iff either is -1 */
		out[i] = (uint8_t)(((unsigned)hi << 4) | ((unsigned)lo & 15u));
	}
	if (bad < 0 || bad8 != 0) {
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
