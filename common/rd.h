/*
 * Bounded reader over untrusted bytes. Getters check before they move; on
 * failure the cursor is unchanged and LIEN_EPARSE is returned. Never forms
 * p + n before checking n against what is left.
 */
#ifndef LIEN_COMMON_RD_H
#define LIEN_COMMON_RD_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

struct rd {
	const uint8_t *p, *end;
};

static inline void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = (const uint8_t *)p;
	r->end = r->p + len;
}

static inline size_t
rd_left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline enum lien_status LIEN_MUST_CHECK
rd_take(struct rd *r, size_t n, const uint8_t **out)
{
	if (n > rd_left(r))
		return LIEN_EPARSE;
	*out = r->p;
	r->p += n;
	return LIEN_OK;
}

static inline enum lien_status LIEN_MUST_CHECK
rd_u8(struct rd *r, uint8_t *out)
{
	if (rd_left(r) < 1)
		return LIEN_EPARSE;
	*out = *r->p++;
	return LIEN_OK;
}

static inline enum lien_status LIEN_MUST_CHECK
rd_u16be(struct rd *r, uint16_t *out)
{
	if (rd_left(r) < 2)
		return LIEN_EPARSE;
	*out = (uint16_t)((unsigned)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	return LIEN_OK;
}

static inline enum lien_status LIEN_MUST_CHECK
rd_u64be(struct rd *r, uint64_t *out)
{
	uint64_t v = 0;

	if (rd_left(r) < 8)
		return LIEN_EPARSE;
	for (int i = 0; i < 8; i++)
		v = v << 8 | r->p[i];
	r->p += 8;
	*out = v;
	return LIEN_OK;
}

/* Take everything up to (not including) the next byte c; the cursor moves
 * past c. LIEN_EPARSE when c does not occur. */
static inline enum lien_status LIEN_MUST_CHECK
rd_until(struct rd *r, uint8_t c, const uint8_t **out, size_t *out_len)
{
	for (const uint8_t *q = r->p; q < r->end; q++) {
		if (*q == c) {
			*out = r->p;
			*out_len = (size_t)(q - r->p);
			r->p = q + 1;
			return LIEN_OK;
		}
	}
	return LIEN_EPARSE;
}

/* Unsigned LEB128 (the varint of DWARF and WebAssembly): 7 bits per byte,
 * least significant first, the top bit set on every byte but the last.
 * Readers accept only the minimal form of a value below 2^64 (at most
 * LEB128_MAX bytes, no trailing zero byte), so each value has one
 * encoding; on failure the cursor is unchanged and LIEN_EPARSE returned. */
#define LEB128_MAX 10

static inline enum lien_status LIEN_MUST_CHECK
rd_leb128(struct rd *r, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < LEB128_MAX && i < rd_left(r); i++) {
		uint8_t b = r->p[i];

		if (i == LEB128_MAX - 1 && b > 1)
			return LIEN_EPARSE;	/* above 2^64 - 1 */
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			if (b == 0 && i > 0)
				return LIEN_EPARSE;	/* not minimal */
			r->p += i + 1;
			*out = v;
			return LIEN_OK;
		}
	}
	return LIEN_EPARSE;
}

/* Writes v as minimal LEB128 at out; returns its length (1..LEB128_MAX). */
static inline size_t
leb128_put(uint8_t out[LEB128_MAX], uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static inline void
be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t
be64_get(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

#endif
