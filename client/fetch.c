/*
 * libcurl GET/POST helpers for the verifying tools (contract: client.h).
 *
 * Design: one CURL easy handle per client, reset to our options before
 * each request, so its connection cache gives keep-alive across the many
 * small tile fetches of a sync round. The write callback appends into a
 * growing buffer and aborts the transfer as soon as the cap would be
 * passed, so a hostile server cannot make us hold more than cap bytes
 * (gzip is decoded before the callback: the cap is on decoded bytes).
 * Redirects are not followed (a log URL is configuration, and a signed
 * request's target is signed; a redirect is a surprise to report, not to
 * obey), only http/https are allowed, and the URL is sent as given
 * (CURLOPT_PATH_AS_IS: what `lienlog submit` signed is what goes out).
 * The handle is reset after each request, so it never keeps a pointer
 * into a caller's frame between calls.
 *
 * Not here: what the bytes mean (tlog/verifier.c) or retries (the
 * caller's policy).
 */
#include "client/fetch.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tlog/tiles.h"

struct client {
	CURL *h;
	long connect_timeout_ms;
	long timeout_ms;
	const char *cacert, *tls_cert, *tls_key, *user_agent;
};

struct sink {
	uint8_t *p;
	size_t len, cap_alloc, cap;
	int over;
};

static int curl_ready;

static size_t
on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;	/* curl guarantees no overflow here */

	if (len > s->cap - s->len) {
		s->over = 1;
		return 0;	/* abort: CURLE_WRITE_ERROR */
	}
	if (s->len + len + 1 > s->cap_alloc) {
		size_t want = s->cap_alloc ? s->cap_alloc : 4096;
		uint8_t *q;

		while (want < s->len + len + 1)
			want *= 2;
		if (want > s->cap + 1)
			want = s->cap + 1;
		q = realloc(s->p, want);
		if (q == NULL)
			return 0;
		s->p = q;
		s->cap_alloc = want;
	}
	memcpy(s->p + s->len, data, len);
	s->len += len;
	return len;
}

/* Keep the status line of the last response (a 100 Continue may come
 * first), made printable: it comes from the server. */
static size_t
on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct client_reply *r = ctx;
	size_t len = size * n, k = 0;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		for (size_t i = 0; i < len && k + 1 < sizeof r->status_line;
		    i++) {
			unsigned char c = (unsigned char)data[i];

			if (c == '\r' || c == '\n')
				break;
			r->status_line[k++] = (c < 0x20 || c >= 0x7f) ? '?' :
			    (char)c;
		}
		r->status_line[k] = '\0';
	}
	return len;
}

enum lien_status
client_new(const struct client_config *cfg, struct client **out)
{
	struct client *c;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return LIEN_EIO;
		curl_ready = 1;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return LIEN_ENOMEM;
	c->h = curl_easy_init();
	if (c->h == NULL) {
		free(c);
		return LIEN_ENOMEM;
	}
	c->connect_timeout_ms = cfg && cfg->connect_timeout_ms > 0 ?
	    cfg->connect_timeout_ms : 5000;
	c->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	if (cfg != NULL) {
		c->cacert = cfg->cacert;
		c->tls_cert = cfg->tls_cert;
		c->tls_key = cfg->tls_key;
		c->user_agent = cfg->user_agent;
	}
	*out = c;
	return LIEN_OK;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

void
client_reply_clear(struct client_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Our options on the (reset) handle; LIEN_OK when every one was taken,
 * LIEN_EUNSUPPORTED when libcurl refused one. */
static enum lien_status LIEN_MUST_CHECK
options_set(struct client *c, const struct client_request *rq,
    struct curl_slist *hdrs, struct sink *s, struct client_reply *r)
{
	CURL *h = c->h;
	int get = strcmp(rq->method, "GET") == 0;
	int head = strcmp(rq->method, "HEAD") == 0;
	int bad;

	bad = curl_easy_setopt(h, CURLOPT_URL, rq->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    c->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, identity") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent != NULL ?
	    c->user_agent : "lienlog") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->error) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, s) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, r) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->cap)
	    != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    (c->cacert != NULL &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert) != CURLE_OK) ||
	    (c->tls_cert != NULL &&
	    curl_easy_setopt(h, CURLOPT_SSLCERT, c->tls_cert) != CURLE_OK) ||
	    (c->tls_key != NULL &&
	    curl_easy_setopt(h, CURLOPT_SSLKEY, c->tls_key) != CURLE_OK) ||
	    (head && curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK) ||
	    /* GET: no body and no Content-Length (lienlogd refuses a body
	     * on a GET) */
	    (get && curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK) ||
	    (!get && !head &&
	    (curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body != NULL ?
	    (const char *)rq->body : "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)rq->body_len) != CURLE_OK));
	return bad ? LIEN_EUNSUPPORTED : LIEN_OK;
}

enum lien_status
client_request(struct client *c, const struct client_request *rq,
    struct client_reply *out)
{
	struct sink s = { NULL, 0, 0, 0, 0 };
	struct curl_slist *hdrs = NULL, *h2;
	enum lien_status st;
	CURLcode rc;
	long code = 0;

	memset(out, 0, sizeof *out);
	if (rq->method == NULL || rq->url == NULL ||
	    strlen(rq->url) > CLIENT_URL_MAX || rq->cap > SIZE_MAX - 1 ||
	    (rq->body == NULL && rq->body_len != 0))
		return LIEN_EINVAL;
	s.cap = rq->cap;
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; rq->headers != NULL && rq->headers[i] != NULL;
	    i++) {
		if ((h2 = curl_slist_append(hdrs, rq->headers[i])) == NULL) {
			curl_slist_free_all(hdrs);
			return LIEN_ENOMEM;
		}
		hdrs = h2;
	}
	curl_easy_reset(c->h);
	if (options_set(c, rq, hdrs, &s, out) != LIEN_OK) {
		curl_easy_reset(c->h);	/* drop the pointers to the stack */
		curl_slist_free_all(hdrs);
		(void)snprintf(out->error, sizeof out->error, "libcurl lacks "
		    "an option lienlog needs");
		return LIEN_EIO;
	}
	rc = curl_easy_perform(c->h);
	(void)curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_reset(c->h);		/* no pointers into this frame kept */
	curl_slist_free_all(hdrs);
	out->http = code;
	if (rc != CURLE_OK && out->error[0] == '\0')
		(void)snprintf(out->error, sizeof out->error, "%s",
		    curl_easy_strerror(rc));
	if (s.over || rc == CURLE_FILESIZE_EXCEEDED)
		st = LIEN_ETOOBIG;
	else if (rc != CURLE_OK)
		st = LIEN_ENET;		/* no answer: out->error says why */
	else if ((code >= 200 && code <= 299) || (rq->any_status &&
	    code >= 100))
		st = LIEN_OK;
	else if (code == 404 || code == 410)
		st = LIEN_ENOTFOUND;
	else
		st = LIEN_EIO;
	if (st == LIEN_ETOOBIG || rc != CURLE_OK) {
		free(s.p);
		return st;
	}
	if (s.p == NULL && (s.p = malloc(1)) == NULL)
		return LIEN_ENOMEM;
	s.p[s.len] = 0;
	out->body = s.p;
	out->len = s.len;
	return st;
}

/* The wrappers' contract: the body only on LIEN_OK. */
static enum lien_status LIEN_MUST_CHECK
simple(struct client *c, const struct client_request *rq, uint8_t **out,
    size_t *out_len, long *out_http)
{
	struct client_reply r;
	enum lien_status st;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (out_http != NULL)
		*out_http = 0;
	if (c == NULL)
		return LIEN_EINVAL;
	st = client_request(c, rq, &r);
	if (out_http != NULL)
		*out_http = r.http;
	if (st == LIEN_OK && out != NULL) {
		*out = r.body;
		if (out_len != NULL)
			*out_len = r.len;
		r.body = NULL;
	}
	client_reply_clear(&r);
	return st;
}

enum lien_status
client_get(struct client *c, const char *url, size_t cap, uint8_t **out,
    size_t *out_len, long *out_http)
{
	struct client_request rq = { "GET", url, NULL, NULL, 0, cap, 0 };

	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	return simple(c, &rq, out, out_len, out_http);
}

static enum lien_status LIEN_MUST_CHECK
post_common(struct client *c, const char *url, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len,
    int any_status, size_t cap, uint8_t **out, size_t *out_len,
    long *out_http)
{
	const char *hdrs[CLIENT_POST_HEADERS_MAX + 2];
	char line[256];
	struct client_request rq = { "POST", url, hdrs, body, len, cap,
		any_status };
	size_t n = 0;

	if (ctype == NULL || strlen(ctype) > sizeof line - 16)
		return LIEN_EINVAL;
	(void)snprintf(line, sizeof line, "Content-Type: %s", ctype);
	hdrs[n++] = line;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (n == CLIENT_POST_HEADERS_MAX + 1)
			return LIEN_EINVAL;
		hdrs[n++] = headers[i];
	}
	hdrs[n] = NULL;
	return simple(c, &rq, out, out_len, out_http);
}

enum lien_status
client_post(struct client *c, const char *url, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len, size_t cap,
    uint8_t **out, size_t *out_len, long *out_http)
{
	return post_common(c, url, ctype, headers, body, len, 0, cap, out,
	    out_len, out_http);
}

enum lien_status
client_post_any(struct client *c, const char *url, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len, size_t cap,
    uint8_t **out, size_t *out_len, long *out_http)
{
	return post_common(c, url, ctype, headers, body, len, 1, cap, out,
	    out_len, out_http);
}

enum lien_status
client_tlog_init(struct client_tlog *t, struct client *c, const char *prefix)
{
	size_t n;
	const char *rest;

	if (t == NULL || c == NULL || prefix == NULL)
		return LIEN_EINVAL;
	memset(t, 0, sizeof *t);
	if (strncmp(prefix, "http://", 7) == 0)
		rest = prefix + 7;
	else if (strncmp(prefix, "https://", 8) == 0)
		rest = prefix + 8;
	else
		return LIEN_EINVAL;
	n = strlen(prefix);
	while (n > 0 && prefix[n - 1] == '/' && prefix + n > rest + 1)
		n--;
	if (n == (size_t)(rest - prefix) ||
	    n + 5u + 1u + TILES_PATH_MAX > CLIENT_URL_MAX)
		return LIEN_EINVAL;
	memcpy(t->prefix, prefix, n);
	/* "http://host:port" alone: lienlogd serves the log under /log. */
	if (memchr(rest, '/', n - (size_t)(rest - prefix)) == NULL)
		memcpy(t->prefix + n, "/log", 5);
	t->c = c;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
tlog_get(void *ctx, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	struct client_tlog *t = ctx;
	char url[CLIENT_URL_MAX + 1];
	struct client_request rq = { "GET", url, NULL, NULL, 0, cap, 0 };
	struct client_reply r;
	enum lien_status st;
	int n;

	*out = NULL;
	*out_len = 0;
	t->last_http = 0;
	t->last_error[0] = '\0';
	n = snprintf(url, sizeof url, "%s/%s", t->prefix, path);
	if (n < 0 || (size_t)n >= sizeof url)
		return LIEN_EINVAL;
	st = client_request(t->c, &rq, &r);
	t->last_http = r.http;
	(void)snprintf(t->last_error, sizeof t->last_error, "%s", r.error);
	if (st == LIEN_OK) {
		*out = r.body;
		*out_len = r.len;
		r.body = NULL;
	}
	client_reply_clear(&r);
	return st;
}

void
client_tlog_why(const struct client_tlog *t, enum lien_status st, char *out,
    size_t cap)
{
	if (st == LIEN_ENET)
		why_set(out, cap, "no answer from %s: %s (is the server "
		    "running, and is the URL right?)", t->prefix,
		    t->last_error[0] != '\0' ? t->last_error : "no connection");
	else if (t->last_http != 0 && (t->last_http < 200 ||
	    t->last_http > 299))
		why_set(out, cap, "%s answered HTTP %ld", t->prefix,
		    t->last_http);
	else
		why_set(out, cap, "%s: %s", t->prefix, lien_status_message(st));
}

struct tlog_fetch
client_tlog_fetch(struct client_tlog *t)
{
	struct tlog_fetch f = { tlog_get, t };

	return f;
}
