/*
 * HTTP plumbing shared by every route: strict query-string parsing and the
 * response writers. Handlers never format a status line or an error body
 * themselves, so every reply carries the same headers (Content-Length,
 * Cache-Control, nosniff) and every error body has the same JSON shape.
 *
 * Query strings are parsed raw (civetweb's URL decoding is off, see
 * server.c): our parameters are plain decimal numbers, so a '%', '+', sign
 * or space can only be an attempt at a second spelling and is rejected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "httpd/http.h"

#include "common/ascii.h"
#include "common/dec.h"
#include "httpd/json_out.h"
#include "common/lien_limits.h"

/* Bodies up to this size are sent in the same write as the headers (one
 * segment on the wire); larger ones (tiles, 8 KiB+) in a second write. */
#define API_COALESCE_MAX 4096u
#define API_HEADER_CAP 1024u
#define API_ERROR_BODY_CAP 256u

enum lien_status
api_u64_parse(const char *s, size_t len, uint64_t *out)
{
	return dec_u64_parse(s, len, out);
}

/* The status of each query error (api_query_parse). */
static enum lien_status LIEN_MUST_CHECK
query_refuse(enum api_err e, enum api_err *out_err)
{
	*out_err = e;
	return e == API_ERR_QUERY_TOO_LONG ? LIEN_ETOOBIG : LIEN_EPARSE;
}

enum lien_status
api_query_parse(const char *q, size_t q_len, struct api_param *ps, size_t n,
    enum api_err *out_err)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		ps[i].value = 0;
		ps[i].text = NULL;
		ps[i].text_len = 0;
		ps[i].seen = 0;
	}
	if (q_len > API_QUERY_MAX)
		return query_refuse(API_ERR_QUERY_TOO_LONG, out_err);
	while (q_len > 0) {
		const char *pair = q + pos, *amp, *eq, *val;
		size_t pair_len, name_len, val_len, i;

		amp = memchr(pair, '&', q_len - pos);
		pair_len = amp ? (size_t)(amp - pair) : q_len - pos;
		/* "a=1&&b=2", a leading or a trailing '&': an empty pair. */
		if (pair_len == 0)
			return query_refuse(API_ERR_BAD_QUERY, out_err);
		eq = memchr(pair, '=', pair_len);
		if (eq == NULL || eq == pair)
			return query_refuse(API_ERR_BAD_QUERY, out_err);
		name_len = (size_t)(eq - pair);
		val = eq + 1;
		val_len = pair_len - name_len - 1;
		for (i = 0; i < n; i++) {
			if (strlen(ps[i].name) == name_len &&
			    memcmp(ps[i].name, pair, name_len) == 0)
				break;
		}
		if (i == n)
			return query_refuse(API_ERR_UNKNOWN_PARAM, out_err);
		if (ps[i].seen)
			return query_refuse(API_ERR_DUPLICATE_PARAM, out_err);
		if (ps[i].flags & API_PARAM_TEXT) {
			if (val_len == 0)
				return query_refuse(API_ERR_BAD_QUERY, out_err);
			ps[i].text = val;
			ps[i].text_len = val_len;
		} else if (api_u64_parse(val, val_len, &ps[i].value) !=
		    LIEN_OK) {
			return query_refuse(API_ERR_BAD_NUMBER, out_err);
		}
		ps[i].seen = 1;
		pos += pair_len;
		if (amp == NULL)
			break;
		pos++;		/* past '&' */
		if (pos == q_len)	/* trailing '&' */
			return query_refuse(API_ERR_BAD_QUERY, out_err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ps[i].seen && !(ps[i].flags & API_PARAM_OPTIONAL))
			return query_refuse(API_ERR_MISSING_PARAM, out_err);
	}
	return LIEN_OK;
}

enum lien_status
api_no_query(struct api_req *rq)
{
	enum api_err e = API_ERR_INTERNAL;
	enum lien_status st = api_query_parse(rq->query, rq->query_len, NULL,
	    0, &e);

	if (st != LIEN_OK)
		api_fail(rq, e, "this resource takes no query parameters");
	return st;
}

void
api_reply(struct api_req *rq, int http_status, const char *content_type,
    const char *cache_control, const char *extra_headers, const void *body,
    size_t len)
{
	const char *reason = mg_get_response_code_text(rq->conn, http_status);
	size_t send_len = rq->head ? 0 : len;
	size_t inline_len = send_len <= API_COALESCE_MAX ? send_len : 0;
	char *buf;
	int n;

	if (rq->status != 0)
		return;		/* a handler answers once; the first wins */
	rq->status = http_status;
	buf = malloc(API_HEADER_CAP + inline_len);
	if (buf == NULL) {
		/* Nothing sensible can be sent without memory; dropping the
		 * connection is the honest answer. */
		rq->must_close = 1;
		return;
	}
	n = snprintf(buf, API_HEADER_CAP,
	    "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "%s%s\r\n",
	    http_status, reason ? reason : "", content_type, len,
	    cache_control, extra_headers ? extra_headers : "",
	    rq->must_close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= API_HEADER_CAP) {
		/* Only constants go into the header: this cannot happen. */
		free(buf);
		rq->must_close = 1;
		return;
	}
	if (inline_len > 0)
		memcpy(buf + n, body, inline_len);
	(void)mg_write(rq->conn, buf, (size_t)n + inline_len);
	if (send_len > inline_len)
		(void)mg_write(rq->conn, body, send_len);
	rq->bytes_out = (uint64_t)n + send_len;	/* for the access log */
	free(buf);
}

void
api_fail(struct api_req *rq, enum api_err e, const char *message)
{
	api_fail_ex(rq, e, message, NULL);
}

void
api_fail_ex(struct api_req *rq, enum api_err e, const char *message,
    const char *extra_headers)
{
	char body[API_ERROR_BODY_CAP];
	struct json_out j;
	size_t len;

	if (rq->status == 0)	/* the first reply wins, and its code */
		rq->error_code = api_err_code(e);
	json_out_init(&j, body, sizeof(body));
	json_out_raw(&j, "{\"code\":");
	json_out_str(&j, api_err_code(e), strlen(api_err_code(e)));
	json_out_raw(&j, ",\"message\":");
	json_out_str(&j, message, strlen(message));
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK) {
		static const char fallback[] =
		    "{\"code\":\"internal\",\"message\":\"internal error\"}\n";
		if (rq->status == 0)
			rq->error_code = "internal";
		api_reply(rq, 500, "application/json", API_CACHE_NOSTORE,
		    NULL, fallback, sizeof(fallback) - 1);
		return;
	}
	api_reply(rq, api_err_http(e), "application/json", API_CACHE_NOSTORE,
	    extra_headers, body, len);
}

void
api_fail_status(struct api_req *rq, enum lien_status s)
{
	int http = api_status_http(s);
	char body[API_ERROR_BODY_CAP];
	struct json_out j;
	size_t len;

	if (http == 500) {	/* unmapped: generic body, details stay in logs */
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return;
	}
	if (rq->status == 0)
		rq->error_code = lien_status_code(s);
	json_out_init(&j, body, sizeof(body));
	json_out_raw(&j, "{\"code\":");
	json_out_str(&j, lien_status_code(s), strlen(lien_status_code(s)));
	json_out_raw(&j, ",\"message\":");
	json_out_str(&j, lien_status_message(s), strlen(lien_status_message(s)));
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return;
	}
	api_reply(rq, http, "application/json", API_CACHE_NOSTORE, NULL, body,
	    len);
}

enum lien_status
api_header_guard(struct api_req *rq, const struct mg_request_info *ri)
{
	const char *cl = NULL;
	uint64_t body_len = 0;
	int ncl = 0;

	if (ri->num_headers < 0 || ri->num_headers > (int)API_HEADERS_MAX) {
		rq->must_close = 1;
		api_fail(rq, API_ERR_TOO_MANY_HEADERS,
		    "at most 63 header fields are accepted");
		return LIEN_EPARSE;
	}
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name;

		if (name == NULL)
			continue;
		if (ascii_cstr_name_eq(name, "Transfer-Encoding")) {
			rq->must_close = 1;
			api_fail(rq, API_ERR_TRANSFER_ENCODING,
			    "Transfer-Encoding is not accepted");
			return LIEN_EPARSE;
		}
		if (ascii_cstr_name_eq(name, "Content-Length")) {
			ncl++;
			cl = ri->http_headers[i].value;
		}
	}
	if (ncl > 1 || (ncl == 1 && (cl == NULL ||
	    api_u64_parse(cl, strlen(cl), &body_len) != LIEN_OK))) {
		rq->must_close = 1;
		api_fail(rq, API_ERR_CONTENT_LENGTH,
		    "Content-Length must appear once, as plain digits");
		return LIEN_EPARSE;
	}
	rq->has_body_len = ncl == 1;
	rq->body_len = body_len;
	/* A body on a GET has no meaning and is a classic smuggling
	 * vector. Routes that take bodies (POST) check them against
	 * API_BODY_MAX in their own handlers before reading. */
	if (body_len > 0 && (strcmp(ri->request_method, "GET") == 0 ||
	    strcmp(ri->request_method, "HEAD") == 0)) {
		rq->must_close = 1;
		api_fail(rq, API_ERR_BODY_NOT_ALLOWED,
		    "GET and HEAD requests must not carry a body");
		return LIEN_EPARSE;
	}
	return LIEN_OK;
}
