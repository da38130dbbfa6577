/*
 * libcurl GET/POST helpers for the verifying tools (contract: client.h).
 *
 * Design: one CURL easy handle per client, reset to our options before
 * each request, so its connection cache gives keep-alive across the many
 * small tile fetches of a sync round. The write callback appends into a
 * growing buffer and aborts the transfer as soon as the cap would be
 * passed, so a hostile server cannot make us hold more than cap bytes
 * (gzip is decoded before the callback: the cap is on decoded bytes).
 * Redirects are not followed (a log URL is configuration; a redirect is a
 * surprise to report, not to obey) and only http/https are allowed.
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

static enum lien_status
perform(struct client *c, const char *url, struct curl_slist *hdrs,
    const uint8_t *body, size_t body_len, int post, int any_status,
    size_t cap, uint8_t **out, size_t *out_len, long *out_http)
{
	struct sink s = { NULL, 0, 0, cap, 0 };
	enum lien_status st;
	CURLcode rc;
	long code = 0;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (out_http != NULL)
		*out_http = 0;
	if (c == NULL || url == NULL || strlen(url) > CLIENT_URL_MAX ||
	    cap > SIZE_MAX - 1)
		return LIEN_EINVAL;
	curl_easy_reset(c->h);
	if (curl_easy_setopt(c->h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS,
	    c->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->timeout_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_ACCEPT_ENCODING, "gzip, identity")
	    != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_USERAGENT, "lienlog") != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)cap) != CURLE_OK)
		return LIEN_EIO;
	if (hdrs != NULL &&
	    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK)
		return LIEN_EIO;
	if (post && (curl_easy_setopt(c->h, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)body_len) != CURLE_OK))
		return LIEN_EIO;
	rc = curl_easy_perform(c->h);
	(void)curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
	if (out_http != NULL)
		*out_http = code;
	if (s.over || rc == CURLE_FILESIZE_EXCEEDED)
		st = LIEN_ETOOBIG;
	else if (rc != CURLE_OK)
		st = LIEN_EIO;
	else if ((code >= 200 && code <= 299) || (any_status && code >= 100))
		st = LIEN_OK;
	else if (code == 404 || code == 410)
		st = LIEN_ENOTFOUND;
	else
		st = LIEN_EIO;
	if (st != LIEN_OK || out == NULL) {
		free(s.p);
		return st;
	}
	if (s.p == NULL) {
		s.p = malloc(1);
		if (s.p == NULL)
			return LIEN_ENOMEM;
	}
	s.p[s.len] = 0;
	*out = s.p;
	if (out_len != NULL)
		*out_len = s.len;
	return LIEN_OK;
}

enum lien_status
client_get(struct client *c, const char *url, size_t cap, uint8_t **out,
    size_t *out_len, long *out_http)
{
	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	return perform(c, url, NULL, NULL, 0, 0, 0, cap, out, out_len,
	    out_http);
}

static enum lien_status
post_common(struct client *c, const char *url, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len,
    int any_status, size_t cap, uint8_t **out, size_t *out_len,
    long *out_http)
{
	struct curl_slist *h = NULL, *h2;
	char line[256];
	enum lien_status st;

	if (ctype == NULL || (body == NULL && len != 0) ||
	    strlen(ctype) > sizeof line - 16)
		return LIEN_EINVAL;
	(void)snprintf(line, sizeof line, "Content-Type: %s", ctype);
	if ((h = curl_slist_append(NULL, line)) == NULL)
		return LIEN_ENOMEM;
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((h2 = curl_slist_append(h, "Expect:")) == NULL) {
		curl_slist_free_all(h);
		return LIEN_ENOMEM;
	}
	h = h2;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		if ((h2 = curl_slist_append(h, headers[i])) == NULL) {
			curl_slist_free_all(h);
			return LIEN_ENOMEM;
		}
		h = h2;
	}
	st = perform(c, url, h, body != NULL ? body : (const uint8_t *)"",
	    len, 1, any_status, cap, out, out_len, out_http);
	curl_slist_free_all(h);
	return st;
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

static enum lien_status
tlog_get(void *ctx, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	struct client_tlog *t = ctx;
	char url[CLIENT_URL_MAX + 1];
	int n;

	n = snprintf(url, sizeof url, "%s/%s", t->prefix, path);
	if (n < 0 || (size_t)n >= sizeof url)
		return LIEN_EINVAL;
	return client_get(t->c, url, cap, out, out_len, &t->last_http);
}

struct tlog_fetch
client_tlog_fetch(struct client_tlog *t)
{
	struct tlog_fetch f = { tlog_get, t };

	return f;
}
