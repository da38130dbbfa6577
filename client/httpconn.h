/*
 * A lean HTTP/1.1 client connection for the registration API
 * (client/regclient.c): plain HTTP to lienlogd, one keep-alive TCP connection,
 * one request at a time, one send per request.
 *
 * Why not client/fetch.c (libcurl): under `lienlog load` the generator shares
 * the machine's two cores with the server it measures, and libcurl's
 * per-request cost (its state machine, five poll(2) calls per request,
 * header copies) was about a third of the generator's own CPU
 * (docs/demo.md, Performance). lienlogd's replies are always
 * Content-Length framed (httpd/http.c), so the response side needs no more
 * than a status line, headers and a counted body; anything else
 * (Transfer-Encoding, 1xx, a second Content-Length) is refused, not
 * guessed at. TLS, gzip and redirects stay with client/fetch.c.
 */
#ifndef LIEN_CLIENT_HTTPCONN_H
#define LIEN_CLIENT_HTTPCONN_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define HTTPCONN_HEAD_MAX 16384u	/* status line + response headers */
#define HTTPCONN_HEADERS_MAX 64u	/* response header lines */
#define HTTPCONN_AUTHORITY_MAX 262u	/* host (255) ":" port, or [v6]:port */
#define HTTPCONN_PATH_MAX 2048u

/* A parsed response head (RFC 9112 section 4 and 6). */
struct httpconn_head {
	size_t head_len;	/* bytes up to and including the blank line;
				 * 0 when the head is not complete yet */
	int status;		/* 200..599 */
	uint64_t content_length;
	int close;		/* HTTP/1.0, or "Connection: close" */
};

/* Parse the response head at the start of (p, len), which may hold the
 * body's first bytes after it. LIEN_OK with out->head_len = 0: incomplete,
 * read more (len < HTTPCONN_HEAD_MAX). LIEN_OK with head_len > 0: done.
 * LIEN_EPARSE: malformed status line or header line, a status outside
 * 200..599 (1xx is never expected: no Expect is sent), Content-Length
 * absent, repeated or not plain digits; LIEN_EUNSUPPORTED: any
 * Transfer-Encoding; LIEN_ETOOBIG: no complete head within
 * HTTPCONN_HEAD_MAX bytes or more than HTTPCONN_HEADERS_MAX lines. *out is
 * zeroed unless the result is a complete head. Pure: no allocation. */
enum lien_status httpconn_parse_head(const uint8_t *p, size_t len,
    struct httpconn_head *out) LIEN_MUST_CHECK;

struct httpconn;

/* A connection to authority ("host:port", "[v6]:port"; lowercase, as
 * regclient keeps it). Nothing is connected until the first request.
 * timeout_ms bounds connect, every send and every receive (0: 30000).
 * *out: httpconn_free. */
enum lien_status httpconn_new(const char *authority, long timeout_ms,
    struct httpconn **out) LIEN_MUST_CHECK;
void httpconn_free(struct httpconn *c);

/* POST body (len bytes, ctype) to path with extra header lines ("Name:
 * value", NULL-terminated, may be NULL), and read the whole answer.
 * LIEN_OK when an answer came, whatever its status: *out_http, and *out
 * (malloc'd, NUL after the data, caller frees; NULL for an empty body).
 * LIEN_ETOOBIG: the body would pass cap; LIEN_ENET: no answer (connect,
 * timeout, closed); the head statuses of httpconn_parse_head. After any
 * failure the connection is closed; the next call reconnects.
 *
 * A request sent on a reused connection that the server had already
 * closed (its keep-alive timeout) gets no byte back; it is sent once more
 * on a new connection. Every request regclient sends is safe to repeat:
 * a signed write that did land is answered with its original receipt
 * (idempotency, docs/api-registration.md). */
enum lien_status httpconn_post(struct httpconn *c, const char *path,
    const char *ctype, const char *const *headers, const uint8_t *body,
    size_t len, size_t cap, uint8_t **out, size_t *out_len, long *out_http)
    LIEN_MUST_CHECK;

#endif
