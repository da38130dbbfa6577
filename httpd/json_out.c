/*
 * Bounded JSON writer (see json_out.h). It only writes the few shapes the
 * API needs -- objects of numbers, base64 strings and ASCII messages -- so
 * it is a handful of appenders, not a general serialiser; jansson stays for
 * parsing request bodies, where its strictness options matter.
 */
#include <string.h>

#include "httpd/json_out.h"
#include "common/b64.h"
#include "common/hex.h"

void
json_out_init(struct json_out *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->err = (cap == 0);
	if (cap > 0)
		buf[0] = '\0';
}

/* Room for n more bytes plus the NUL. LIEN_OK, or LIEN_ETOOBIG (the
 * sticky failure, recorded in j->err first). */
static enum lien_status LIEN_MUST_CHECK
json_out_room(struct json_out *j, size_t n)
{
	if (j->err)
		return LIEN_ETOOBIG;
	if (n >= j->cap - j->len) {
		j->err = 1;
		return LIEN_ETOOBIG;
	}
	return LIEN_OK;
}

static void
json_out_mem(struct json_out *j, const char *p, size_t n)
{
	if (json_out_room(j, n) != LIEN_OK)
		return;
	memcpy(j->buf + j->len, p, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void
json_out_raw(struct json_out *j, const char *s)
{
	json_out_mem(j, s, strlen(s));
}

void
json_out_u64(struct json_out *j, uint64_t v)
{
	char tmp[20];	/* UINT64_MAX has 20 digits */
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n] = (char)('0' + v % 10);
		v /= 10;
		n++;
	} while (v != 0);
	json_out_mem(j, tmp + sizeof(tmp) - n, n);
}

void
json_out_b64(struct json_out *j, const uint8_t *p, size_t len)
{
	size_t need;

	if (len > SIZE_MAX / 2) {	/* B64_ENCODED_LEN must not wrap */
		j->err = 1;
		return;
	}
	need = B64_ENCODED_LEN(len);
	/* '"' + base64 + '"', and b64_encode writes its own NUL. */
	if (json_out_room(j, need + 2) != LIEN_OK)
		return;
	j->buf[j->len++] = '"';
	if (b64_encode(p, len, j->buf + j->len, j->cap - j->len) != LIEN_OK) {
		j->err = 1;
		return;
	}
	j->len += need;
	j->buf[j->len++] = '"';
	j->buf[j->len] = '\0';
}

void
json_out_str(struct json_out *j, const char *s, size_t len)
{
	json_out_mem(j, "\"", 1);
	for (size_t i = 0; i < len && !j->err; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			json_out_mem(j, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex_char(c >> 4u);
			esc[5] = hex_char(c);
			json_out_mem(j, esc, 6);
		} else {
			json_out_mem(j, (const char *)&s[i], 1);
		}
	}
	json_out_mem(j, "\"", 1);
}

enum lien_status
json_out_finish(const struct json_out *j, size_t *out_len)
{
	if (j->err) {
		*out_len = 0;
		return LIEN_ETOOBIG;
	}
	*out_len = j->len;
	return LIEN_OK;
}
