/*
 * Idempotency keys in lienlog's published form: lowercase UUIDv7 text in
 * an sf-string (crypto/idemkey.h). Parsing is strict and bounded: exact
 * length, exact positions, no normalisation (upper case, braces, URNs,
 * escapes and parameters are refused rather than rewritten), so one key
 * has one spelling and one stored record.
 */
#include "crypto/idemkey.h"

#include <string.h>

#include "common/hex.h"
#include "crypto/sign.h"

static int
is_hyphen_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

enum lien_status
idemkey_generate(uint64_t now_ms, char out[IDEMKEY_LEN + 1])
{
	uint8_t b[16];
	size_t o = 0;

	out[0] = 0;
	if (now_ms > IDEMKEY_TIME_MAX)
		return LIEN_EINVAL;
	lcrypto_random(b + 6, 10);
	for (int i = 0; i < 6; i++)	/* RFC 9562 5.7: unix_ts_ms, big-endian */
		b[i] = (uint8_t)(now_ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | (b[6] & 0x0f));	/* version 7 */
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));	/* variant 10 */
	for (size_t i = 0; i < 16; i++) {
		if (is_hyphen_at(o))
			out[o++] = '-';
		out[o++] = hex_char((unsigned)b[i] >> 4);
		out[o++] = hex_char(b[i]);
	}
	out[o] = 0;
	return LIEN_OK;
}

enum lien_status
idemkey_parse(const char *s, size_t len, uint64_t *time_ms)
{
	uint64_t t = 0;
	unsigned nd = 0;

	*time_ms = 0;
	if (s == NULL || len != IDEMKEY_LEN)
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i++) {
		int h;

		if (is_hyphen_at(i)) {
			if (s[i] != '-')
				return LIEN_EPARSE;
			continue;
		}
		if ((h = hex_value((unsigned char)s[i])) < 0)
			return LIEN_EPARSE;
		if (nd++ < 12)		/* the first 48 bits: unix_ts_ms */
			t = t << 4 | (uint64_t)h;
	}
	if (s[14] != '7')
		return LIEN_EPARSE;
	if (s[19] != '8' && s[19] != '9' && s[19] != 'a' && s[19] != 'b')
		return LIEN_EPARSE;
	*time_ms = t;
	return LIEN_OK;
}

enum lien_status
idemkey_field_parse(const char *s, size_t len, const char **key,
    uint64_t *time_ms)
{
	*key = NULL;
	*time_ms = 0;
	/* RFC 8941 3.3.3: DQUOTE *chr DQUOTE. The key alphabet has no
	 * backslash or quote, so an escape can only mean another key:
	 * refused by idemkey_parse's alphabet. Parameters (";a=b") make
	 * the length wrong. */
	if (s == NULL || len != IDEMKEY_FIELD_LEN || s[0] != '"' ||
	    s[len - 1] != '"')
		return LIEN_EPARSE;
	if (idemkey_parse(s + 1, IDEMKEY_LEN, time_ms) != LIEN_OK)
		return LIEN_EPARSE;
	*key = s + 1;
	return LIEN_OK;
}
