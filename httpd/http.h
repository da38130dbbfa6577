/*
 * Internal to api/: the request context, the route table, strict query
 * parsing, response writers and the stable error codes of the HTTP API.
 *
 * Adding routes: write a handler `void h(struct api_req *rq)`, list it in
 * a `const struct api_route` array with a `struct api_route_table` next
 * to it (see routes_log.c), and add that table to the list in server.c.
 * Handlers answer exactly once through api_reply*() / api_fail*().
 *
 * This header deliberately does not include civetweb.h: only the .c files
 * of api/ see civetweb.
 */
#ifndef LIEN_HTTPD_HTTP_H
#define LIEN_HTTPD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "ledger/ledger.h"
#include "httpd/proxy.h"

struct mg_connection;
struct api_app;

/* Stable error codes of the HTTP API (the JSON "code" strings are public:
 * clients branch on them; never rename, only add). docs/api-log.md. */
enum api_err {
	API_ERR_NOT_FOUND = 0,		/* 404 not_found: no such route */
	API_ERR_METHOD,			/* 405 method_not_allowed */
	API_ERR_TOO_MANY_HEADERS,	/* 431 too_many_headers */
	API_ERR_TRANSFER_ENCODING,	/* 400 transfer_encoding_rejected */
	API_ERR_CONTENT_LENGTH,		/* 400 bad_content_length */
	API_ERR_BODY_NOT_ALLOWED,	/* 400 body_not_allowed */
	API_ERR_BAD_PATH,		/* 400 bad_path */
	API_ERR_QUERY_TOO_LONG,		/* 414 query_too_long */
	API_ERR_BAD_QUERY,		/* 400 bad_query */
	API_ERR_MISSING_PARAM,		/* 400 missing_parameter */
	API_ERR_DUPLICATE_PARAM,	/* 400 duplicate_parameter */
	API_ERR_UNKNOWN_PARAM,		/* 400 unknown_parameter */
	API_ERR_BAD_NUMBER,		/* 400 bad_number */
	API_ERR_INDEX_RANGE,		/* 400 index_out_of_range */
	API_ERR_TREE_SIZE,		/* 404 tree_size_beyond_log */
	API_ERR_OLD_SIZE,		/* 400 old_size_exceeds_tree_size */
	API_ERR_BAD_TILE_PATH,		/* 400 bad_tile_path */
	API_ERR_TILE_NOT_FOUND,		/* 404 tile_not_found */
	API_ERR_NO_CHECKPOINT,		/* 404 no_checkpoint */
	API_ERR_UNAVAILABLE,		/* 503 unavailable */
	API_ERR_INTERNAL,		/* 500 internal */
	/* Registration API (docs/api-registration.md). */
	API_ERR_REG_DISABLED,		/* 503 registration_disabled */
	API_ERR_BODY_TOO_LARGE,		/* 413 body_too_large */
	API_ERR_BODY_TIMEOUT,		/* 408 body_timeout */
	API_ERR_BODY_INCOMPLETE,	/* 400 body_incomplete */
	/* --trust-proxy: the proxy's headers are malformed (httpd/proxy.h) */
	API_ERR_BAD_PROXY_HEADERS,	/* 400 bad_proxy_headers */
	API_ERR_COUNT_
};

/* HTTP status and code string of e (API_ERR_INTERNAL's for unknown e). */
int api_err_http(enum api_err e);
const char *api_err_code(enum api_err e);

/* One table maps enum lien_status to an HTTP status (status_http.c).
 * Anything the table does not list is 500. */
int api_status_http(enum lien_status s);

/* One request, as a handler sees it. Strings are borrowed from civetweb
 * and valid until the handler returns. path/query are the raw (not
 * percent-decoded) request target split at '?'. */
struct api_req {
	struct mg_connection *conn;
	struct ledger *ledger;
	const char *path;
	size_t path_len;
	const char *query;	/* "" when absent */
	size_t query_len;
	const char *rest;	/* prefix routes: path after the prefix */
	size_t rest_len;
	int head;		/* HEAD request: headers only */
	int must_close;		/* reply says "Connection: close" */
	const struct api_server *server;	/* borrowed */
	int status;		/* out: HTTP status sent (0 = nothing yet) */
	/* For metrics and the access log (docs/observability.md). Set by
	 * api_reply / api_fail*: the stable JSON "code" of an error reply
	 * (a static string; NULL for success), and the bytes handed to
	 * civetweb (status line, headers and body). */
	const char *error_code;
	uint64_t bytes_out;
	/* Set by authentication and by handlers that append, for the
	 * access log; the defaults (all zero) log null. party is borrowed
	 * and must stay valid until the handler returns; role is a static
	 * NUL-terminated string ("institution", "officer", ...). */
	const char *party;	/* authenticated party id, (party, party_len) */
	size_t party_len;
	const char *role;
	int has_entry;		/* 1: entry_index is the appended entry */
	/* 1: authentication refused the request (api/reg_http.c): the
	 * server logs one line for it (api/server.c, docs/observability.md) */
	int auth_refused;
	uint64_t entry_index;
	/* Storage for party when a handler's own copy would not outlive it
	 * (the access log reads party after the handler returns). */
	char party_buf[AUTH_PARTY_ID_MAX + 1];
	/* The registration context (api/app.h); NULL in log-only mode. */
	struct api_app *app;
	/* From the header guard: a Content-Length was present (exactly
	 * once, plain digits) and its value. */
	int has_body_len;
	uint64_t body_len;
	/* What the reverse proxy said (httpd/proxy.h), read after the guard
	 * and before routing: the client's address (the peer's unless
	 * --trust-proxy and the peer is the proxy) and the fingerprint of
	 * the TLS client certificate it verified. For the access/audit log
	 * only: never an authentication (docs/deployment.md). */
	struct proxy_info proxy;
};

typedef void (*api_handler_fn)(struct api_req *rq);

#define API_ROUTE_PREFIX 0x1u	/* path is a prefix ending in '/' */
/* path holds one '*' standing for one non-empty segment without '/'
 * ("/v1/vehicles/ * /status-proof" without the spaces); rest is that
 * segment. List such a table before one whose prefix also matches. */
#define API_ROUTE_PATTERN 0x2u

struct api_route {
	const char *method;	/* "GET" (HEAD is accepted for GET routes) */
	const char *path;	/* exact path, or prefix with API_ROUTE_PREFIX */
	unsigned flags;
	api_handler_fn fn;
	const char *name;	/* stable label for metrics */
};

struct api_route_table {
	const struct api_route *routes;
	size_t n;
};

/* Route tables defined by the routes_*.c files. */
extern const struct api_route_table api_routes_log;
extern const struct api_route_table api_routes_health;
extern const struct api_route_table api_routes_reg;
extern const struct api_route_table api_routes_status;
extern const struct api_route_table api_routes_web;
extern const struct api_route_table api_routes_owner;

/* What /metrics needs from the server (server.c). */
struct api_server;
void api_server_metrics(const struct api_server *s, struct api_req *rq);

/* ---- The header guard ------------------------------------------------ */

struct mg_request_info;

/* The guard every lienlog HTTP server runs before routing, against the
 * framing civetweb tolerates (DEPS.md): at most API_HEADERS_MAX header
 * fields (civetweb silently drops those past the 64th), no
 * Transfer-Encoding, at most one Content-Length of plain digits, no body
 * on GET or HEAD. Sets rq->has_body_len and rq->body_len. LIEN_OK if the
 * request may be routed; otherwise LIEN_EPARSE, the error reply has been
 * sent and the connection is marked to close (the bytes after a refused
 * request must never be read as another request). */
enum lien_status api_header_guard(struct api_req *rq,
    const struct mg_request_info *ri) LIEN_MUST_CHECK
    __attribute__((nonnull));

/* ---- Query strings --------------------------------------------------- */

/* One expected parameter: an unsigned decimal, or with API_PARAM_TEXT a
 * token the route checks itself; required unless API_PARAM_OPTIONAL. */
#define API_PARAM_TEXT 1u
#define API_PARAM_OPTIONAL 2u
struct api_param {
	const char *name;
	unsigned flags;		/* API_PARAM_* */
	uint64_t value;		/* out: the number (0 for a text) */
	const char *text;	/* out, API_PARAM_TEXT: the value as sent,
				 * borrowed from q; NULL when absent */
	size_t text_len;	/* out */
	int seen;		/* out */
};

/* Parse q (q_len bytes; "name=value" pairs joined by '&') strictly: every
 * name must be one of ps[0..n) (API_ERR_UNKNOWN_PARAM), at most once
 * (API_ERR_DUPLICATE_PARAM), every number a canonical decimal u64 --
 * digits only, no leading zero, no sign, no space, no percent-encoding, at
 * most UINT64_MAX (API_ERR_BAD_NUMBER) --, every text non-empty
 * (API_ERR_BAD_QUERY; its bytes are not looked at: no percent-decoding),
 * and every ps[i] without API_PARAM_OPTIONAL present
 * (API_ERR_MISSING_PARAM). Empty pairs, '=' missing, or q_len >
 * API_QUERY_MAX give API_ERR_BAD_QUERY / API_ERR_QUERY_TOO_LONG. n == 0
 * accepts only an empty query (q and ps may then be NULL). LIEN_OK, or
 * LIEN_ETOOBIG (too long) / LIEN_EPARSE with the error to answer in
 * *out_err. */
enum lien_status api_query_parse(const char *q, size_t q_len,
    struct api_param *ps, size_t n, enum api_err *out_err) LIEN_MUST_CHECK
    __attribute__((nonnull(5)));

/* For routes without parameters: LIEN_OK if the query is empty, else
 * sends the error (unknown_parameter / bad_query / query_too_long) and
 * returns its status. A query on a static resource is refused rather than
 * ignored, so each resource has exactly one URL (and caches hold one
 * copy). */
enum lien_status api_no_query(struct api_req *rq) LIEN_MUST_CHECK
    __attribute__((nonnull));

/* Canonical decimal u64 in (s, len): LIEN_OK or LIEN_EPARSE. */
enum lien_status api_u64_parse(const char *s, size_t len, uint64_t *out)
    LIEN_MUST_CHECK;

/* ---- Responses -------------------------------------------------------- */

#define API_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define API_CACHE_SHORT "public, max-age=60"
#define API_CACHE_NONE "no-cache"
#define API_CACHE_NOSTORE "no-store"

/* Send status, Content-Type, Content-Length, Cache-Control and body
 * (skipped for HEAD). extra_headers: NULL or complete "Name: v\r\n"
 * lines. Small bodies go out in one write together with the headers. */
void api_reply(struct api_req *rq, int http_status, const char *content_type,
    const char *cache_control, const char *extra_headers, const void *body,
    size_t len);

/* JSON error {"code":..,"message":..} with the status of e. message must be
 * a plain ASCII constant (never request bytes). */
void api_fail(struct api_req *rq, enum api_err e, const char *message);

/* The same with extra header lines (e.g. "Allow: GET, HEAD\r\n"). */
void api_fail_ex(struct api_req *rq, enum api_err e, const char *message,
    const char *extra_headers);

/* JSON error for a library status: the status from api_status_http(), the
 * code from lien_status_code(); 500s get the generic internal body so no
 * storage detail leaks. */
void api_fail_status(struct api_req *rq, enum lien_status s);

/* JSON error with an explicit HTTP status and a stable code string of
 * another vocabulary (auth_reason_code, evidence_reason_code, registry
 * refusals, field errors). code and message are static strings of ours,
 * never request bytes. (api/reg_http.c) */
void api_fail_code(struct api_req *rq, int http_status, const char *code,
    const char *message);

#endif
