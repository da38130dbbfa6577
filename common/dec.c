/*
 * Canonical unsigned decimal parsing (dec.h). Overflow is checked before
 * each multiply: v > (UINT64_MAX - d) / 10 means v * 10 + d would wrap.
 */
#include "common/dec.h"

#include <string.h>

enum lien_status
dec_u64_parse(const void *p, size_t len, uint64_t *out)
{
	const uint8_t *s = p;
	uint64_t v = 0;

	*out = 0;
	if (len == 0 || len > DEC_U64_DIGITS_MAX || (s[0] == '0' && len > 1))
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return LIEN_EPARSE;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return LIEN_EPARSE;
		v = v * 10u + d;
	}
	*out = v;
	return LIEN_OK;
}

enum lien_status
dec_u64_arg(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v;

	if (s == NULL || dec_u64_parse(s, strnlen(s, DEC_U64_DIGITS_MAX + 1),
	    &v) != LIEN_OK)
		return LIEN_EPARSE;
	if (v < lo || v > hi)
		return LIEN_ERANGE;
	*out = v;
	return LIEN_OK;
}
