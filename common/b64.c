/*
 * Strict standard base64 (RFC 4648 section 4, padded alphabet).
 *
 * Decoding accepts exactly one encoding per value: the length must be a
 * multiple of 4, '=' may only appear as the last one or two characters of
 * the final quantum, and the bits that padding leaves unused must be zero
 * (RFC 4648 section 3.5 lets decoders reject non-zero pad bits; we must,
 * or two different strings would carry one signature and a note could be
 * re-encoded without breaking it). No whitespace, no URL-safe alphabet.
 *
 * Character mapping is done with arithmetic instead of a lookup table so
 * that decoding a private key (PRIVATE+KEY+...) does not index memory by
 * secret bytes. This file is pure: no allocation, no I/O.
 */
#include "common/b64.h"

#include <stdint.h>
#include <string.h>

/* 6-bit value to alphabet character, branch-free. Each term adds the
 * offset between consecutive alphabet ranges once x passes their start:
 * 'A'..'Z' (0..25), 'a'..'z' (26..51), '0'..'9' (52..61), '+', '/'.
 * Relies on arithmetic right shift of negative ints (gcc and clang). */
static char
b64_char_of(unsigned v)
{
	int x = (int)(v & 63u);
	int d = 'A';

	d += ((25 - x) >> 8) & ('a' - 26 - 'A');
	d -= ((51 - x) >> 8) & (('a' - 26) - ('0' - 52));
	d -= ((61 - x) >> 8) & (('0' - 52) - ('+' - 62));
	d += ((62 - x) >> 8) & (('/' - 63) - ('+' - 62));
	return (char)(x + d);
}

/* Alphabet character to its 6-bit value, or -1; branch-free. Each line
 * contributes (value + 1) only when c lies strictly inside its range. */
static int
b64_value_of(unsigned char uc)
{
	int c = uc;
	int r = -1;

	r += (((('A' - 1) - c) & (c - ('Z' + 1))) >> 8) & (c - 'A' + 1);
	r += (((('a' - 1) - c) & (c - ('z' + 1))) >> 8) & (c - 'a' + 27);
	r += (((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c - '0' + 53);
	r += (((('+' - 1) - c) & (c - ('+' + 1))) >> 8) & 63;
	r += (((('/' - 1) - c) & (c - ('/' + 1))) >> 8) & 64;
	return r;
}

enum lien_status
b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	if (out == NULL || (in == NULL && len > 0))
		return LIEN_EINVAL;
	/* B64_ENCODED_LEN overflows past SIZE_MAX / 4 * 3; refuse first. */
	if (len > (SIZE_MAX / 4 - 1) * 3 || cap < B64_ENCODED_LEN(len) + 1) {
		if (cap > 0)
			out[0] = '\0';
		return LIEN_ETOOBIG;
	}
	for (i = 0; len - i >= 3; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = b64_char_of(w >> 18);
		out[o++] = b64_char_of(w >> 12);
		out[o++] = b64_char_of(w >> 6);
		out[o++] = b64_char_of(w);
	}
	if (len - i == 1) {
		uint32_t w = (uint32_t)in[i] << 16;

		out[o++] = b64_char_of(w >> 18);
		out[o++] = b64_char_of(w >> 12);
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64_char_of(w >> 18);
		out[o++] = b64_char_of(w >> 12);
		out[o++] = b64_char_of(w >> 6);
		out[o++] = '=';
	}
	out[o] = '\0';
	return LIEN_OK;
}

enum lien_status
b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t pad = 0, need, o = 0;
	int bad = 0;

	if (out_len != NULL)
		*out_len = 0;
	if ((out == NULL && cap > 0) || out_len == NULL ||
	    (in == NULL && len > 0))
		return LIEN_EINVAL;
	if (cap > 0)
		memset(out, 0, cap);
	if (len % 4 != 0)
		return LIEN_EPARSE;
	if (len == 0)
		return LIEN_OK;
	/* Padding is only legal at the very end: "xx==" or "xxx=". */
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	need = len / 4 * 3 - pad;
	if (need > cap)
		return LIEN_ETOOBIG;

	for (size_t i = 0; i < len; i += 4) {
		size_t nchars = (i + 4 == len) ? 4 - pad : 4;
		uint32_t w = 0;

		for (size_t j = 0; j < 4; j++) {
			int v = j < nchars ? b64_value_of(s[i + j]) : 0;

			bad |= v >> 8;	/* -1 has every bit set */
			w = w << 6 | (uint32_t)(v & 63);
		}
		/* Everything past the payload must be zero bits (3.5). */
		if (pad == 2 && i + 4 == len)
			bad |= (w & 0xffffu) != 0 ? -1 : 0;
		else if (pad == 1 && i + 4 == len)
			bad |= (w & 0xffu) != 0 ? -1 : 0;
		out[o++] = (uint8_t)(w >> 16);
		if (o < need)
			out[o++] = (uint8_t)(w >> 8);
		if (o < need)
			out[o++] = (uint8_t)w;
	}
	if (bad != 0) {
		memset(out, 0, cap);
		return LIEN_EPARSE;
	}
	*out_len = need;
	return LIEN_OK;
}
