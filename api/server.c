/*
 * The civetweb side of lienlogd: configuration, the request guard, routing
 * and the per-route counters.
 *
 * civetweb gets one catch-all handler ("/"). Routing happens here, from the
 * route tables of the routes_*.c files, by exact path (or an explicit
 * prefix ending in '/'), because civetweb's own handler URIs match by
 * prefix (DEPS.md: "/v1/thing" would also catch "/v1/thingy"). URL
 * decoding is switched off, so paths and queries are matched exactly as
 * sent: there is one spelling of every URL.
 *
 * The guard runs before routing, on every request, and closes the gaps in
 * civetweb's lenient parsing that DEPS.md measured: headers past the 64th
 * are silently dropped (so 64 or more are refused: we cannot see what was
 * lost), a duplicate Content-Length takes the first, chunked wins over
 * Content-Length, and "+3" or "3abc" parse as 3. Any of those means the
 * message framing is ambiguous, so the reply also asks the client to
 * close the connection. Read routes take no body at all.
 *
 * After the guard, with --trust-proxy, the reverse proxy's headers are
 * read (httpd/proxy.h: believed only from 127.0.0.1, strictly parsed) for
 * the access log's client address and TLS client certificate
 * fingerprint; malformed ones are refused with 400 bad_proxy_headers and
 * the connection closed, since they mean the proxy is misconfigured or
 * the peer is not the proxy. They never authenticate anything: that is
 * the RFC 9421 signature's job (api/auth.h).
 *
 * Every request, routed or refused, is counted in the metrics (by route
 * name and status code, with its duration; api/metrics.c) and, when an
 * access log is configured, handed to the access log queue
 * (api/accesslog.c) after the reply was written. Both are generic: a new
 * route table is instrumented by being listed in server_tables[].
 * Requests civetweb refuses itself, before any handler runs (a malformed
 * request line, a negative Content-Length, headers beyond
 * max_request_size), appear in neither: only civetweb's error callback
 * sees them.
 *
 * This is not a TLS terminator: HTTPS in this civetweb build crashes with
 * OpenSSL 3 (DEPS.md), so lienlogd serves plain HTTP behind nginx.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "api/accesslog.h"
#include "httpd/civet.h"
#include "httpd/deadline.h"
#include "httpd/http.h"
#include "httpd/json_out.h"
#include "api/metrics.h"
#include "api/server.h"
#include "api/stats_metrics.h"
#include "api/app.h"
#include "witness/publisher.h"
#include "common/lien_limits.h"
#include "common/rfc3339.h"
#include "crypto/note.h"

#define SERVER_ROUTES_MAX METRICS_ROUTES_MAX
#define SERVER_DEFAULT_LISTEN "127.0.0.1:8080"
/* Sized so that a few dozen idle or trickling connections cannot take
 * every worker (issue 11: 64 of them must leave service untouched), and a
 * client that sends nothing is let go after 5 s. Threads are cheap here:
 * civetweb's 100 KiB stacks, mostly idle. */
#define SERVER_DEFAULT_THREADS 128u
#define SERVER_DEFAULT_TIMEOUT_MS 5000u

/* Every route table the server knows. New APIs add one line here. */
static const struct api_route_table *const server_tables[] = {
	&api_routes_log,
	&api_routes_health,
	&api_routes_status,	/* before reg: its /v1/vehicles/ prefix */
	&api_routes_reg,
	&api_routes_web,
	&api_routes_owner,
};

struct api_server {
	struct civet *web;
	struct httpd_deadlines *deadlines;	/* body deadlines (deadline.h) */
	struct ledger *ledger;
	const struct api_route *routes[SERVER_ROUTES_MAX];
	const char *route_names[SERVER_ROUTES_MAX];	/* metrics labels */
	size_t nroutes;
	/* Counters per route slot: i for routes[i], nroutes for requests
	 * that matched no route or were refused by the guard ("none"). */
	struct metrics *metrics;
	struct accesslog *alog;		/* NULL: no access log */
	/* Refusal lines on the server log: at most SERVER_REFUSALS_PER_S a
	 * second; the rest are counted and the count said on the next line. */
	_Atomic uint64_t refused_sec;
	_Atomic unsigned refused_n;
	_Atomic uint64_t refused_dropped;
	struct api_app *app;		/* borrowed; NULL: log-only */
	struct witness_client *witness;	/* borrowed; NULL: no witnesses */
	struct notify *notify;		/* borrowed; NULL: no SMS worker */
	int no_keep_alive;
	int trust_proxy;		/* --trust-proxy */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	const struct regclient_issuer *demo_face;	/* borrowed; NULL */
	char *keys_json;		/* GET /v1/keys */
	size_t keys_json_len;
};

/* Read the reverse proxy's headers into rq->proxy (httpd/proxy.h). Returns
 * 1 to go on; otherwise the error reply has been sent. Without
 * --trust-proxy, or from any peer but the proxy, this only copies the
 * peer address. */
static int
server_proxy(const struct api_server *s, struct api_req *rq,
    const struct mg_request_info *ri)
{
	struct proxy_header hs[API_HEADERS_MAX];
	size_t nh = 0;
	enum lien_status st;

	/* num_headers <= API_HEADERS_MAX: the guard checked it. */
	for (int i = 0; i < ri->num_headers && nh < API_HEADERS_MAX; i++) {
		const char *n = ri->http_headers[i].name;
		const char *v = ri->http_headers[i].value;

		if (n == NULL)
			continue;
		hs[nh].name = n;
		hs[nh].name_len = strlen(n);
		hs[nh].value = v;
		hs[nh].value_len = v != NULL ? strlen(v) : 0;
		nh++;
	}
	st = proxy_info_get(s->trust_proxy, ri->remote_addr,
	    strnlen(ri->remote_addr, sizeof(ri->remote_addr)), hs, nh,
	    &rq->proxy);
	if (st == LIEN_OK)
		return 1;
	rq->must_close = 1;
	if (st == LIEN_EPARSE || st == LIEN_ETOOBIG)
		api_fail(rq, API_ERR_BAD_PROXY_HEADERS, "the reverse proxy's "
		    "X-Forwarded-For, X-Client-Verify or X-Client-Cert is "
		    "malformed (docs/deployment.md)");
	else
		api_fail_status(rq, st);
	return 0;
}

/* Index of the route to run, or -1 after replying 404/405. */
static long
server_route(struct api_server *s, struct api_req *rq, const char *method)
{
	char allow[64] = "";
	int path_matched = 0, pattern_hit = 0;

	for (size_t i = 0; i < s->nroutes; i++) {
		const struct api_route *r = s->routes[i];
		size_t plen = strlen(r->path), tail = 0;
		const char *star = (r->flags & API_ROUTE_PATTERN) ?
		    strchr(r->path, '*') : NULL;
		int match;

		if (star != NULL) {
			/* head "*" tail: the segment between is non-empty
			 * and has no '/' */
			size_t hlen = (size_t)(star - r->path);

			tail = plen - hlen - 1;
			match = rq->path_len > hlen + tail &&
			    memcmp(rq->path, r->path, hlen) == 0 &&
			    memcmp(rq->path + rq->path_len - tail, star + 1,
			    tail) == 0 &&
			    memchr(rq->path + hlen, '/',
			    rq->path_len - hlen - tail) == NULL;
			plen = hlen;
		} else if (r->flags & API_ROUTE_PREFIX) {
			match = rq->path_len >= plen &&
			    memcmp(rq->path, r->path, plen) == 0;
		} else {
			match = rq->path_len == plen &&
			    memcmp(rq->path, r->path, plen) == 0;
		}
		/* A pattern route owns its paths: another method there is a
		 * 405, not a fall-through to a wider prefix route. */
		if (!match || (pattern_hit && star == NULL))
			continue;
		if (strcmp(method, r->method) == 0 ||
		    (rq->head && strcmp(r->method, "GET") == 0)) {
			rq->rest = rq->path + plen;
			rq->rest_len = rq->path_len - plen - tail;
			return (long)i;
		}
		path_matched = 1;
		pattern_hit |= star != NULL;
		if (strlen(allow) + strlen(r->method) + 8 < sizeof(allow)) {
			if (allow[0] != '\0')
				strcat(allow, ", ");
			strcat(allow, r->method);
			if (strcmp(r->method, "GET") == 0)
				strcat(allow, ", HEAD");
		}
	}
	if (path_matched) {
		char hdr[sizeof(allow) + 16];

		snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
		api_fail_ex(rq, API_ERR_METHOD,
		    "method not allowed for this resource", hdr);
	} else {
		api_fail(rq, API_ERR_NOT_FOUND, "no such resource");
	}
	return -1;
}

/* One verifier key as JSON string text, or "null". */
static void
server_key_json(struct json_out *j, const struct note_verifier *k)
{
	char text[NOTE_NAME_MAX + 64];

	if (k == NULL || note_key_text_format("", 0, k->name, k->name_len,
	    k->key_id, k->type, k->pk, text, sizeof(text)) != LIEN_OK)
		json_out_raw(j, "null");
	else
		json_out_str(j, text, strlen(text));
}

/* GET /v1/keys: {"log":"<vkey>","witnesses":["<vkey>",...],"quorum":K} */
static enum lien_status LIEN_MUST_CHECK
server_keys_build(struct api_server *s, const struct note_verifier *log_key)
{
	size_t n = witness_client_count(s->witness);
	size_t cap = (n + 1) * (NOTE_NAME_MAX * 6 + 128) + 64;
	struct json_out j;

	if ((s->keys_json = malloc(cap)) == NULL)
		return LIEN_ENOMEM;
	json_out_init(&j, s->keys_json, cap);
	json_out_raw(&j, "{\"log\":");
	server_key_json(&j, log_key);
	json_out_raw(&j, ",\"witnesses\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			json_out_raw(&j, ",");
		server_key_json(&j, witness_client_key(s->witness, i));
	}
	json_out_raw(&j, "],\"quorum\":");
	json_out_u64(&j, witness_client_quorum(s->witness));
	json_out_raw(&j, "}\n");
	return json_out_finish(&j, &s->keys_json_len);
}

void
api_server_keys_json(const struct api_server *s, const char **body,
    size_t *len)
{
	*body = s->keys_json;
	*len = s->keys_json_len;
}

static uint64_t
server_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* One access log record: only the method, the path without its query,
 * the client address (the peer's, or the trusted proxy's forwarded one),
 * the fingerprint of a TLS client certificate the trusted proxy verified,
 * and what the handlers put into rq -- never a body, a query string or a
 * header (signatures, tokens, the certificate itself). */
static void
server_access(struct api_server *s, const struct api_req *rq,
    const struct mg_request_info *ri, size_t slot, int status,
    const struct timespec *wall, uint64_t duration_ns)
{
	struct accesslog_rec r;
	const char *path = ri->local_uri_raw ? ri->local_uri_raw : "";
	const char *method = ri->request_method ? ri->request_method : "";

	r.time_ms = server_ns(wall) / 1000000u;
	r.duration_ns = duration_ns;
	r.bytes_out = rq->bytes_out;
	r.has_entry = rq->has_entry;
	r.entry_index = rq->entry_index;
	r.status = status;
	r.truncated = 0;
	r.route = slot < s->nroutes ? s->route_names[slot] : NULL;
	r.error_code = rq->error_code;
	accesslog_rec_set(&r, method, strlen(method), path, strlen(path),
	    rq->party, rq->party ? rq->party_len : 0, rq->role,
	    rq->role ? strlen(rq->role) : 0, rq->proxy.client_addr_len > 0 ?
	    rq->proxy.client_addr : ri->remote_addr);
	proxy_cert_fpr_hex(&rq->proxy, r.client_cert_sha256);
	(void)accesslog_submit(s->alog, &r);	/* a drop is counted */
}

/* Authentication refusals, logged by default (docs/observability.md
 * "Refusals"): one line each, key=value, with what an operator needs to
 * see a bank's integration failing -- time, client address, route name,
 * status, code -- and nothing personal (no path, which may hold a VIN; no
 * keyid or party, which may name an officer; no header). The client got
 * the detailed message; the code says which check failed. */
#define SERVER_REFUSALS_PER_S 20u

static void
server_refusal(struct api_server *s, const struct api_req *rq,
    const struct mg_request_info *ri, size_t slot, int status)
{
	char msg[320], at[RFC3339_MS_LEN + 1];
	struct timespec now;
	uint64_t sec, prev, dropped;

	if (s->log == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	sec = (uint64_t)now.tv_sec;
	prev = atomic_load(&s->refused_sec);
	if (prev != sec && atomic_compare_exchange_strong(&s->refused_sec,
	    &prev, sec))
		atomic_store(&s->refused_n, 0);
	if (atomic_fetch_add(&s->refused_n, 1) >= SERVER_REFUSALS_PER_S) {
		atomic_fetch_add(&s->refused_dropped, 1);
		return;
	}
	dropped = atomic_exchange(&s->refused_dropped, 0);
	if (rfc3339_ms(sec * 1000u + (uint64_t)now.tv_nsec / 1000000u, at) !=
	    LIEN_OK)
		at[0] = '\0';	/* after 9999: the line says "at=" */
	(void)snprintf(msg, sizeof(msg), "refused at=%s remote=%s route=%s "
	    "method=%s status=%d code=%s%s%llu", at,
	    rq->proxy.client_addr_len > 0 ? rq->proxy.client_addr :
	    ri->remote_addr, slot < s->nroutes ? s->route_names[slot] : "none",
	    ri->request_method != NULL ? ri->request_method : "", status,
	    rq->error_code != NULL ? rq->error_code : "none",
	    dropped ? " not_logged_before=" : "", (unsigned long long)dropped);
	if (dropped == 0)	/* drop the trailing "0" of the empty case */
		msg[strlen(msg) - 1] = '\0';
	s->log(s->log_ctx, msg);
}

static int
server_handle(struct mg_connection *conn, void *cbdata)
{
	struct api_server *s = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct api_req rq;
	struct timespec t0, t1, wall;
	const char *uri;
	size_t slot = s->nroutes;
	unsigned shard;
	long r = -1;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&rq, 0, sizeof(rq));
	rq.conn = conn;
	rq.ledger = s->ledger;
	rq.server = s;
	rq.app = s->app;
	/* Every worker holds a connection: answer this one and close it,
	 * so a connection waiting for a worker gets one (httpd/civet.h). A
	 * keep-alive client just reconnects. */
	rq.must_close = s->no_keep_alive || civet_saturated(conn);
	rq.query = "";
	if (ri == NULL || ri->request_method == NULL)
		return 0;
	if (s->alog != NULL)
		clock_gettime(CLOCK_REALTIME, &wall);
	shard = metrics_shard(s->metrics);
	metrics_request_begin(s->metrics, shard);
	rq.head = strcmp(ri->request_method, "HEAD") == 0;
	/* With decode_url off, local_uri_raw is the path exactly as sent. */
	uri = ri->local_uri_raw;
	if (api_header_guard(&rq, ri) == LIEN_OK && server_proxy(s, &rq, ri)) {
		if (uri == NULL || uri[0] != '/') {
			api_fail(&rq, API_ERR_BAD_PATH,
			    "request target must be an origin-form path");
		} else {
			rq.path = uri;
			rq.path_len = strlen(uri);
			if (ri->query_string != NULL) {
				rq.query = ri->query_string;
				rq.query_len = strlen(ri->query_string);
			}
			r = server_route(s, &rq, ri->request_method);
		}
	}
	if (r >= 0) {
		slot = (size_t)r;
		s->routes[r]->fn(&rq);
		if (rq.status == 0)	/* a handler bug: never hang */
			api_fail(&rq, API_ERR_INTERNAL, "internal error");
	}
	/* Framing was doubtful or the reply said so: really close, so
	 * whatever follows on this connection is never parsed as a request
	 * (civetweb would otherwise keep it alive). */
	if (rq.must_close)
		mg_disable_keep_alive(conn);
	status = rq.status != 0 ? rq.status : 500;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	metrics_request_end(s->metrics, shard, slot, status,
	    server_ns(&t1) - server_ns(&t0));
	if (s->alog != NULL)
		server_access(s, &rq, ri, slot, status, &wall,
		    server_ns(&t1) - server_ns(&t0));
	if (rq.auth_refused)
		server_refusal(s, &rq, ri, slot, status);
	return status;
}

enum lien_status
api_server_start(const struct api_server_config *cfg, struct ledger *l,
    struct api_server **out)
{
	struct api_server *s = NULL;
	struct civet_config web;
	enum lien_status st = LIEN_EINVAL;

	*out = NULL;
	if (cfg == NULL || l == NULL)
		return LIEN_EINVAL;
	memset(&web, 0, sizeof(web));
	web.listen = cfg->listen ? cfg->listen : SERVER_DEFAULT_LISTEN;
	web.threads = cfg->threads ? cfg->threads : SERVER_DEFAULT_THREADS;
	web.timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms :
	    SERVER_DEFAULT_TIMEOUT_MS;
	web.no_keep_alive = cfg->no_keep_alive;
	web.handler = server_handle;
	web.log = cfg->log;
	web.log_ctx = cfg->log_ctx;
	if (!civet_listen_ok(web.listen) || web.threads > API_THREADS_MAX)
		return LIEN_EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return LIEN_ENOMEM;
	web.data = s;
	s->ledger = l;
	s->no_keep_alive = cfg->no_keep_alive;
	s->trust_proxy = cfg->trust_proxy != 0;
	s->app = cfg->app;
	s->witness = cfg->witness;
	s->notify = cfg->notify;
	s->demo_face = cfg->demo_face;
	s->log = cfg->log;
	s->log_ctx = cfg->log_ctx;
	for (size_t t = 0; t < sizeof(server_tables) / sizeof(server_tables[0]);
	    t++) {
		for (size_t i = 0; i < server_tables[t]->n; i++) {
			if (s->nroutes == SERVER_ROUTES_MAX)
				goto out;	/* a build-time mistake */
			s->route_names[s->nroutes] =
			    server_tables[t]->routes[i].name;
			s->routes[s->nroutes++] = &server_tables[t]->routes[i];
		}
	}
	st = metrics_create(s->route_names, s->nroutes, &s->metrics);
	if (st != LIEN_OK)
		goto out;
	if ((st = server_keys_build(s, cfg->log_key)) != LIEN_OK)
		goto out;
	if (cfg->access_log != NULL) {
		st = accesslog_open(cfg->access_log, &s->alog);
		if (st != LIEN_OK) {
			if (s->log != NULL) {
				char msg[512];

				snprintf(msg, sizeof(msg),
				    "cannot open access log %s: %s",
				    cfg->access_log, st == LIEN_EIO ?
				    strerror(errno) : lien_status_message(st));
				s->log(s->log_ctx, msg);
			}
			goto out;
		}
	}
	if ((st = httpd_deadlines_new(&s->deadlines)) != LIEN_OK)
		goto out;
	if ((st = civet_start(&web, &s->web)) != LIEN_OK)
		goto out;
	*out = s;
	s = NULL;
	st = LIEN_OK;
out:
	if (s != NULL) {
		httpd_deadlines_free(s->deadlines);
		accesslog_close(s->alog);
		metrics_free(s->metrics);
		free(s->keys_json);
	}
	free(s);
	return st;
}

enum lien_status
api_server_reopen_logs(struct api_server *s)
{
	if (s == NULL || s->alog == NULL)
		return LIEN_OK;
	return accesslog_reopen(s->alog);
}

const struct regclient_issuer *
api_server_demo_face(const struct api_server *s)
{
	return s != NULL ? s->demo_face : NULL;
}

struct httpd_deadlines *
api_server_deadlines(const struct api_server *s)
{
	return s != NULL ? s->deadlines : NULL;
}

struct witness_client *
api_server_witness(const struct api_server *s)
{
	return s != NULL ? s->witness : NULL;
}

unsigned
api_server_port(const struct api_server *s)
{
	return s != NULL ? civet_port(s->web) : 0;
}

void
api_server_stop(struct api_server *s)
{
	if (s == NULL)
		return;
	civet_stop(s->web);	/* waits for the workers: no more submits */
	httpd_deadlines_free(s->deadlines);	/* no watch is active */
	accesslog_close(s->alog);
	metrics_free(s->metrics);
	free(s->keys_json);
	free(s);
}

/* Prometheus text exposition format 0.0.4 (docs/observability.md). */
void
api_server_metrics(const struct api_server *s, struct api_req *rq)
{
	struct metrics_text t;
	const char *body;
	size_t len;

	metrics_text_init(&t);
	metrics_render(s->metrics, s->ledger, s->alog, &t);
	witness_client_render_metrics(s->witness, &t);	/* NULL: nothing */
	/* docs/statistics.md, docs/notices.md */
	if (s->app != NULL && api_app_enabled(s->app))
		stats_render_metrics(s->ledger, s->notify, &t);
	if (metrics_text_finish(&t, &body, &len) != LIEN_OK)
		api_fail(rq, API_ERR_INTERNAL, "internal error");
	else
		api_reply(rq, 200, "text/plain; version=0.0.4; charset=utf-8",
		    API_CACHE_NOSTORE, NULL, body, len);
	metrics_text_free(&t);
}
