/*
 * Owner access codes and the read-purpose nonce (api/owner.h). Pure:
 * bytes and a key in, a code or a verdict out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/owner.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

#define OWNER_CODE_TAG "lienlog-owner-code-v1"
#define OWNER_READ_TAG "lienlog-owner-read-v1"

/* Crockford base32: no I, L, O, U. */
static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static enum lien_status LIEN_MUST_CHECK
owner_tag(const struct seal_key *key, const char *app_id,
    uint8_t tag[OWNER_TAG_LEN])
{
	char msg[sizeof(OWNER_CODE_TAG) + OWNER_APP_ID_LEN];
	uint8_t full[SEAL_SALT_LEN];
	enum lien_status st;

	memcpy(msg, OWNER_CODE_TAG, sizeof(OWNER_CODE_TAG));	/* with NUL */
	memcpy(msg + sizeof(OWNER_CODE_TAG), app_id, OWNER_APP_ID_LEN);
	st = seal_salt_derive(key, SEAL_KIND_OTHER, msg, sizeof(msg), full);
	if (st == LIEN_OK)
		memcpy(tag, full, OWNER_TAG_LEN);
	secret_wipe(full, sizeof(full));
	return st;
}

static void
app_id_of(uint64_t index, char out[OWNER_APP_ID_LEN + 1])
{
	(void)snprintf(out, OWNER_APP_ID_LEN + 1, "A%016" PRIx64, index);
}

enum lien_status
owner_code_make(const struct seal_key *key, uint64_t index,
    char out[OWNER_CODE_MAX])
{
	char id[OWNER_APP_ID_LEN + 1];
	uint8_t tag[OWNER_TAG_LEN];
	enum lien_status st;
	int n;

	out[0] = '\0';
	if (key == NULL)
		return LIEN_EINVAL;
	app_id_of(index, id);
	if ((st = owner_tag(key, id, tag)) != LIEN_OK)
		return st;
	n = snprintf(out, OWNER_CODE_MAX, "%" PRIu64, index);
	/* 80 bits = 16 groups of 5, most significant first */
	for (unsigned i = 0; i < OWNER_TAG_CHARS; i++) {
		unsigned bit = i * 5, v = 0;

		for (unsigned b = 0; b < 5; b++, bit++)
			v = (v << 1) | ((tag[bit / 8] >> (7 - bit % 8)) & 1u);
		if (i % 4 == 0)
			out[n++] = '-';
		out[n++] = b32[v];
	}
	out[n] = '\0';
	secret_wipe(tag, sizeof(tag));
	return LIEN_OK;
}

enum lien_status
owner_code_check(const struct seal_key *key, const char *code, size_t len,
    char app_id[OWNER_APP_ID_LEN + 1])
{
	uint8_t got[OWNER_TAG_LEN], want[OWNER_TAG_LEN];
	uint64_t index = 0;
	size_t i = 0, digits = 0;
	enum lien_status st;
	int ok;

	app_id[0] = '\0';
	if (key == NULL || code == NULL)
		return LIEN_EINVAL;
	if (len >= OWNER_CODE_MAX)
		return LIEN_EPARSE;
	for (; i < len && code[i] >= '0' && code[i] <= '9'; i++, digits++) {
		unsigned d = (unsigned)(code[i] - '0');

		if (index > (UINT64_MAX - d) / 10)
			return LIEN_EPARSE;
		index = index * 10 + d;
	}
	if (digits == 0 || (digits > 1 && code[0] == '0') ||
	    len - i != OWNER_TAG_CHARS + 4)
		return LIEN_EPARSE;
	memset(got, 0, sizeof(got));
	for (unsigned c = 0; c < OWNER_TAG_CHARS; c++) {
		const char *p;

		if (c % 4 == 0 && code[i++] != '-')
			return LIEN_EPARSE;
		if (code[i] == '\0' || (p = strchr(b32, code[i])) == NULL)
			return LIEN_EPARSE;
		for (unsigned b = 0; b < 5; b++) {
			unsigned bit = c * 5 + b;

			if (((unsigned)(p - b32) >> (4 - b)) & 1u)
				got[bit / 8] = (uint8_t)(got[bit / 8] |
				    (1u << (7 - bit % 8)));
		}
		i++;
	}
	app_id_of(index, app_id);
	if ((st = owner_tag(key, app_id, want)) != LIEN_OK) {
		app_id[0] = '\0';
		return st;
	}
	ok = secret_equal(got, want, OWNER_TAG_LEN);
	secret_wipe(want, sizeof(want));
	if (!ok) {
		app_id[0] = '\0';
		return LIEN_EVERIFY;
	}
	return LIEN_OK;
}

void
owner_read_nonce(uint8_t out[32])
{
	hash_sha256(OWNER_READ_TAG, sizeof(OWNER_READ_TAG) - 1, out);
}
