/*
 * The project's HTTP client, on libcurl: every client that may talk to a
 * server it does not run (through nginx, over TLS, with gzip) goes through
 * here: `lienlog sync`, `monitor`, `proof make`, `submit`, and the log's
 * witness publisher. One reused easy handle per client (keep-alive),
 * connect and total timeouts, a hard cap on the bytes kept (checked while
 * receiving, after gzip decoding), gzip and identity accepted (C2SP
 * tlog-tiles asks clients to), no redirects, http and https only, the URL
 * sent as given (no path normalisation: signed requests sign it). One
 * client is used by one thread at a time. The lean keep-alive connection
 * for lienlogd's registration API (load generator, demo seeding) is
 * client/httpconn.h.
 *
 * HTTP status codes stay in api/: callers see LIEN_OK (2xx), LIEN_ENOTFOUND
 * (404 or 410), LIEN_ETOOBIG (more than cap bytes), LIEN_ENET (no answer:
 * connection refused, DNS, TLS, timeout), LIEN_EIO (any other status),
 * plus the numeric status for messages.
 */
#ifndef LIEN_CLIENT_FETCH_H
#define LIEN_CLIENT_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "tlog/verifier.h"

#define CLIENT_URL_MAX 2048u
#define CLIENT_POST_HEADERS_MAX 16u	/* extra header lines of client_post */

struct client;

#define CLIENT_STATUS_LINE_MAX 256u
#define CLIENT_ERROR_MAX 256u

struct client_config {
	long connect_timeout_ms;	/* 0: 5000 */
	long timeout_ms;		/* whole request; 0: 30000 */
	/* TLS (https URLs only; NULL: the system's CA store, no client
	 * certificate): a CA bundle file, a client certificate and its key
	 * (PEM files). Borrowed: they must outlive the client. */
	const char *cacert, *tls_cert, *tls_key;
	const char *user_agent;		/* NULL: "lienlog" */
};

/* One request. */
struct client_request {
	const char *method;		/* "GET", "HEAD", "POST", "PUT", ... */
	const char *url;		/* at most CLIENT_URL_MAX, sent as is */
	const char *const *headers;	/* "Name: value" lines, NULL-terminated,
					 * or NULL; a "Host:" line replaces the
					 * URL's authority in the header */
	const uint8_t *body;		/* sent for any method but GET/HEAD */
	size_t body_len;
	size_t cap;			/* reply body bytes kept at most */
	int any_status;			/* every HTTP answer is LIEN_OK */
};

/* Its answer. body is malloc'd with a NUL after the data (not counted in
 * len), or NULL; caller frees with client_reply_clear. */
struct client_reply {
	uint8_t *body;
	size_t len;
	long http;				/* status, 0 if none came */
	char status_line[CLIENT_STATUS_LINE_MAX];	/* printable ASCII */
	char error[CLIENT_ERROR_MAX];	/* why no answer came, or "" */
};

/* New client (cfg may be NULL for defaults). *out: client_free. Calls
 * curl_global_init on first use (not thread-safe: create the first client
 * before starting threads). */
enum lien_status client_new(const struct client_config *cfg,
    struct client **out) LIEN_MUST_CHECK;
void client_free(struct client *c);

/* Send rq and read the answer into *out (cleared first). LIEN_OK for a 2xx
 * (any answer with any_status); LIEN_ENOTFOUND for 404 or 410; LIEN_ETOOBIG
 * when the body passes cap; LIEN_ENET for no answer (out->error says why);
 * LIEN_EIO for another status; LIEN_EINVAL, LIEN_ENOMEM. Whenever an answer came
 * within cap, out->body holds its body, whatever the status, so an error
 * body can be read. */
enum lien_status client_request(struct client *c,
    const struct client_request *rq, struct client_reply *out)
    LIEN_MUST_CHECK __attribute__((nonnull));

void client_reply_clear(struct client_reply *r);

/* GET url (at most CLIENT_URL_MAX bytes). On LIEN_OK *out is malloc'd with
 * a NUL after the data (not counted in *out_len); caller frees. On failure
 * *out is NULL. *out_http (optional): HTTP status, 0 if none. */
enum lien_status client_get(struct client *c, const char *url, size_t cap,
    uint8_t **out, size_t *out_len, long *out_http) LIEN_MUST_CHECK;

/* POST body (len bytes) with Content-Type ctype and extra header lines
 * ("Name: value", NULL-terminated array, may be NULL). The reply body, at
 * most cap bytes, as client_get (out may be NULL to discard it). */
enum lien_status client_post(struct client *c, const char *url,
    const char *ctype, const char *const *headers, const uint8_t *body,
    size_t len, size_t cap, uint8_t **out, size_t *out_len, long *out_http)
    LIEN_MUST_CHECK;

/* As client_post, but any HTTP answer is LIEN_OK with its body kept (at
 * most cap bytes) and its status in *out_http, so a caller can read the
 * JSON error body of a 4xx; LIEN_EIO only when no answer came. */
enum lien_status client_post_any(struct client *c, const char *url,
    const char *ctype, const char *const *headers, const uint8_t *body,
    size_t len, size_t cap, uint8_t **out, size_t *out_len, long *out_http)
    LIEN_MUST_CHECK;

/* A tlog fetcher bound to a log's URL prefix (C2SP tlog-tiles <prefix>,
 * e.g. "http://127.0.0.1:8080/log"): path "tile/0/000" is fetched from
 * "<prefix>/tile/0/000". */
struct client_tlog {
	struct client *c;
	char prefix[CLIENT_URL_MAX];
	long last_http;		/* status of the last fetch, for messages */
	char last_error[CLIENT_ERROR_MAX];	/* why no answer came, or "" */
};

/* Bind; prefix must be http:// or https:// and fit, a trailing '/' is
 * dropped. A URL with no path at all ("http://host:port") gets the
 * lienlogd prefix "/log". LIEN_EINVAL otherwise. */
enum lien_status client_tlog_init(struct client_tlog *t, struct client *c,
    const char *prefix) LIEN_MUST_CHECK;

/* What went wrong with the last fetch, for a person: "no answer from
 * PREFIX: <why> (is the server running ...)" for LIEN_ENET, "PREFIX
 * answered HTTP <n>" for an unexpected status, else st's message. out
 * holds cap bytes, always NUL-terminated. */
void client_tlog_why(const struct client_tlog *t, enum lien_status st,
    char *out, size_t cap);

/* The tlog_fetch view of t (borrowed: t must outlive its use). */
struct tlog_fetch client_tlog_fetch(struct client_tlog *t);

#endif
