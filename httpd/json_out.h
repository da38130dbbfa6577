/*
 * Internal to api/: a bounded JSON writer over a caller's buffer, for the
 * small fixed-shape bodies of the read API. No allocation; the first
 * overflow makes the writer sticky-failed, and json_out_finish reports it,
 * so a handler checks once at the end instead of after every call.
 */
#ifndef LIEN_HTTPD_JSON_OUT_H
#define LIEN_HTTPD_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

struct json_out {
	char *buf;	/* borrowed; always NUL-terminated while !err */
	size_t cap;
	size_t len;
	int err;
};

void json_out_init(struct json_out *j, char *buf, size_t cap);

/* Append s verbatim (a trusted ASCII constant such as "{\"a\":"). */
void json_out_raw(struct json_out *j, const char *s);

/* Append v in decimal. */
void json_out_u64(struct json_out *j, uint64_t v);

/* Append a JSON string holding standard base64 of (p, len). */
void json_out_b64(struct json_out *j, const uint8_t *p, size_t len);

/* Append (s, len) as a JSON string: '"' and '\\' escaped, control bytes
 * as \u00XX, bytes >= 0x80 copied (callers pass UTF-8 or ASCII). */
void json_out_str(struct json_out *j, const char *s, size_t len);

/* LIEN_OK and *out_len = bytes written, or LIEN_ETOOBIG after overflow. */
enum lien_status json_out_finish(const struct json_out *j, size_t *out_len)
    LIEN_MUST_CHECK;

#endif
