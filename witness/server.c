/*
 * The witness's HTTP face: civetweb (plain HTTP; DEPS.md: HTTPS crashes in
 * this build) serving C2SP tlog-witness add-checkpoint for one struct
 * witness. All protocol decisions are in witness/witness.c; this file maps
 * its statuses to the codes and bodies tlog-witness prescribes, and reads
 * the body safely.
 *
 * Like api/server.c, civetweb gets one catch-all handler and routing is
 * by exact path, and every request first passes the header guard that
 * closes civetweb's lenient-parsing gaps (DEPS.md): 64 or more headers
 * (later ones were dropped unseen), any Transfer-Encoding, a repeated or
 * non-digit Content-Length, a body on GET/HEAD: api_header_guard (http.c),
 * shared with lienlogd. Beyond it, POST /add-checkpoint requires a
 * Content-Length and
 * caps it at WITNESS_REQUEST_MAX before reading (civetweb has no body
 * limit). A doubtful request is answered with "Connection: close" and the
 * connection really closed, so nothing smuggled after it is parsed.
 *
 * Not handled here: a body trickled slowly pins a worker (civetweb does
 * not time out body reads; DEPS.md). Run the witness behind nginx, which
 * buffers bodies, or size --threads for it.
 *
 * Error bodies of add-checkpoint are text (the spec's bodies are text):
 * one stable code word and '\n'; 409's body is the size, as the spec
 * requires. Guard errors reuse httpd/http.c's JSON writers.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "httpd/civet.h"
#include "httpd/http.h"
#include "witness/server.h"
#include "common/lien_limits.h"

#define WS_DEFAULT_LISTEN "127.0.0.1:7380"
#define WS_DEFAULT_THREADS 16u
#define WS_DEFAULT_TIMEOUT_MS 10000u
#define WS_METRICS_CAP 2048u
#define WS_VKEY_CAP (NOTE_NAME_MAX + 64u)

/* Outcomes counted for /metrics, one per add-checkpoint verdict. */
enum ws_outcome {
	WS_OK,			/* 200 */
	WS_BAD_REQUEST,		/* 400 / 413 */
	WS_FORBIDDEN,		/* 403 */
	WS_UNKNOWN_LOG,		/* 404 */
	WS_CONFLICT,		/* 409 */
	WS_BAD_PROOF,		/* 422 */
	WS_INTERNAL,		/* 500 */
	WS_OUTCOMES_
};

static const char *const ws_outcome_name[WS_OUTCOMES_] = {
	"cosigned", "bad_request", "bad_signature", "unknown_log",
	"conflict", "bad_proof", "internal",
};

struct witness_server {
	struct civet *web;
	struct witness *w;
	char vkey[WS_VKEY_CAP + 2];	/* "<vkey>\n" */
	size_t vkey_len;
	int no_keep_alive;
	uint64_t (*now)(void *ctx);
	void *now_ctx;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	_Atomic uint64_t outcomes[WS_OUTCOMES_];
	_Atomic uint64_t other_requests;
};

static void
ws_text(struct api_req *rq, int http, const char *ctype, const char *body)
{
	api_reply(rq, http, ctype, API_CACHE_NOSTORE, NULL, body, strlen(body));
}

/* Map a witness verdict to tlog-witness's status and body. */
static enum ws_outcome
ws_answer(struct api_req *rq, enum lien_status st,
    const struct witness_result *res)
{
	char size[32];

	switch (st) {
	case LIEN_OK:
		api_reply(rq, 200, "text/plain; charset=utf-8",
		    API_CACHE_NOSTORE, NULL, res->lines, res->lines_len);
		return WS_OK;
	case LIEN_EPARSE:
	case LIEN_ETOOBIG:
	case LIEN_ERANGE:	/* old size > checkpoint size */
		ws_text(rq, 400, "text/plain; charset=utf-8", "bad_request\n");
		return WS_BAD_REQUEST;
	case LIEN_EKEY:		/* no valid signature by the log's keys */
		ws_text(rq, 403, "text/plain; charset=utf-8", "bad_signature\n");
		return WS_FORBIDDEN;
	case LIEN_ENOTFOUND:	/* origin not configured */
		ws_text(rq, 404, "text/plain; charset=utf-8", "unknown_log\n");
		return WS_UNKNOWN_LOG;
	case LIEN_ECONFLICT:
		/* tlog-witness: the latest cosigned size in decimal and a
		 * newline, Content-Type text/x.tlog.size. */
		(void)snprintf(size, sizeof size, "%llu\n",
		    (unsigned long long)res->stored_size);
		ws_text(rq, 409, "text/x.tlog.size", size);
		return WS_CONFLICT;
	case LIEN_EVERIFY:
		ws_text(rq, 422, "text/plain; charset=utf-8", "bad_proof\n");
		return WS_BAD_PROOF;
	default:		/* storage, memory: no detail leaks */
		ws_text(rq, 500, "text/plain; charset=utf-8", "internal\n");
		return WS_INTERNAL;
	}
}

static uint64_t
ws_now(const struct witness_server *s)
{
	time_t t;

	if (s->now != NULL)
		return s->now(s->now_ctx);
	t = time(NULL);
	return t < 0 ? 0 : (uint64_t)t;
}

static void
ws_add_checkpoint(struct witness_server *s, struct api_req *rq,
    int has_cl, uint64_t cl)
{
	struct witness_result *res = NULL;
	uint8_t *body = NULL;
	size_t got = 0;
	enum lien_status st;
	enum ws_outcome o;

	/* No chunked bodies (the guard refused Transfer-Encoding), so a
	 * body needs a Content-Length; cap it before reading anything. */
	if (!has_cl) {
		rq->must_close = 1;
		api_fail(rq, API_ERR_CONTENT_LENGTH,
		    "POST requires a Content-Length");
		o = WS_BAD_REQUEST;
		goto count;
	}
	if (cl > WITNESS_REQUEST_MAX) {
		rq->must_close = 1;	/* the body stays unread */
		ws_text(rq, 413, "text/plain; charset=utf-8", "too_large\n");
		o = WS_BAD_REQUEST;
		goto count;
	}
	body = malloc(cl > 0 ? (size_t)cl : 1);
	res = malloc(sizeof *res);
	if (body == NULL || res == NULL) {
		rq->must_close = 1;
		o = ws_answer(rq, LIEN_ENOMEM, NULL);
		goto count;
	}
	while (got < (size_t)cl) {
		int n = mg_read(rq->conn, body + got, (size_t)cl - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)cl) {
		/* Peer went away or timed out mid-body: nothing to answer
		 * sensibly; the reply is for logs and counters. */
		rq->must_close = 1;
		ws_text(rq, 400, "text/plain; charset=utf-8", "bad_request\n");
		o = WS_BAD_REQUEST;
		goto count;
	}
	st = witness_add_checkpoint(s->w, body, got, ws_now(s), res);
	o = ws_answer(rq, st, res);
count:
	atomic_fetch_add_explicit(&s->outcomes[o], 1, memory_order_relaxed);
	free(body);
	free(res);
}

static void
ws_metrics(struct witness_server *s, struct api_req *rq)
{
	char body[WS_METRICS_CAP];
	size_t o = 0;
	int n;

	n = snprintf(body, sizeof body,
	    "# HELP lienlog_witness_add_checkpoint_total add-checkpoint "
	    "requests by outcome.\n"
	    "# TYPE lienlog_witness_add_checkpoint_total counter\n");
	if (n < 0 || (size_t)n >= sizeof body)
		goto fail;
	o = (size_t)n;
	for (unsigned i = 0; i < WS_OUTCOMES_; i++) {
		n = snprintf(body + o, sizeof body - o,
		    "lienlog_witness_add_checkpoint_total{outcome=\"%s\"} "
		    "%llu\n", ws_outcome_name[i],
		    (unsigned long long)atomic_load_explicit(&s->outcomes[i],
		    memory_order_relaxed));
		if (n < 0 || (size_t)n >= sizeof body - o)
			goto fail;
		o += (size_t)n;
	}
	n = snprintf(body + o, sizeof body - o,
	    "# HELP lienlog_witness_logs Logs this witness is configured "
	    "for.\n# TYPE lienlog_witness_logs gauge\n"
	    "lienlog_witness_logs %zu\n", witness_nlogs(s->w));
	if (n < 0 || (size_t)n >= sizeof body - o)
		goto fail;
	o += (size_t)n;
	api_reply(rq, 200, "text/plain; version=0.0.4; charset=utf-8",
	    API_CACHE_NOSTORE, NULL, body, o);
	return;
fail:
	ws_text(rq, 500, "text/plain; charset=utf-8", "internal\n");
}

static int
ws_handle(struct mg_connection *conn, void *cbdata)
{
	struct witness_server *s = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct api_req rq;
	const char *uri, *m;
	uint64_t cl = 0;
	int has_cl = 0, is_get;

	memset(&rq, 0, sizeof rq);
	rq.conn = conn;
	rq.must_close = s->no_keep_alive;
	rq.query = "";
	if (ri == NULL || ri->request_method == NULL)
		return 0;
	m = ri->request_method;
	rq.head = strcmp(m, "HEAD") == 0;
	is_get = rq.head || strcmp(m, "GET") == 0;
	uri = ri->local_uri_raw;
	if (api_header_guard(&rq, ri) != LIEN_OK)
		goto done;
	has_cl = rq.has_body_len;
	cl = rq.body_len;
	if (uri == NULL || uri[0] != '/') {
		api_fail(&rq, API_ERR_BAD_PATH,
		    "request target must be an origin-form path");
		goto done;
	}
	if (ri->query_string != NULL) {
		/* One URL per resource: a query is refused, not ignored. */
		api_fail(&rq, API_ERR_UNKNOWN_PARAM,
		    "this resource takes no query parameters");
		goto done;
	}
	if (strcmp(uri, "/add-checkpoint") == 0) {
		if (strcmp(m, "POST") != 0) {
			api_fail_ex(&rq, API_ERR_METHOD,
			    "method not allowed for this resource",
			    "Allow: POST\r\n");
			goto done;
		}
		ws_add_checkpoint(s, &rq, has_cl, cl);
		goto done_counted;
	}
	if (strcmp(uri, "/") == 0 || strcmp(uri, "/metrics") == 0) {
		if (!is_get) {
			api_fail_ex(&rq, API_ERR_METHOD,
			    "method not allowed for this resource",
			    "Allow: GET, HEAD\r\n");
			goto done;
		}
		if (cl > 0) {	/* a body on a GET: smuggling vector */
			rq.must_close = 1;
			api_fail(&rq, API_ERR_BODY_NOT_ALLOWED,
			    "GET and HEAD requests must not carry a body");
			goto done;
		}
		if (uri[1] == '\0')
			api_reply(&rq, 200, "text/plain; charset=utf-8",
			    API_CACHE_NOSTORE, NULL, s->vkey, s->vkey_len);
		else
			ws_metrics(s, &rq);
		goto done;
	}
	api_fail(&rq, API_ERR_NOT_FOUND, "no such resource");
done:
	atomic_fetch_add_explicit(&s->other_requests, 1, memory_order_relaxed);
done_counted:
	if (rq.status == 0)	/* never hang a client */
		api_fail(&rq, API_ERR_INTERNAL, "internal error");
	if (rq.must_close)
		mg_disable_keep_alive(conn);
	return rq.status;
}

enum lien_status
witness_server_start(const struct witness_server_config *cfg,
    struct witness *w, struct witness_server **out)
{
	struct witness_server *s;
	struct civet_config web;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (cfg == NULL || w == NULL)
		return LIEN_EINVAL;
	memset(&web, 0, sizeof(web));
	web.listen = cfg->listen ? cfg->listen : WS_DEFAULT_LISTEN;
	web.threads = cfg->threads ? cfg->threads : WS_DEFAULT_THREADS;
	web.timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms :
	    WS_DEFAULT_TIMEOUT_MS;
	web.no_keep_alive = cfg->no_keep_alive;
	web.handler = ws_handle;
	web.log = cfg->log;
	web.log_ctx = cfg->log_ctx;
	if (!civet_listen_ok(web.listen) || web.threads > API_THREADS_MAX)
		return LIEN_EINVAL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return LIEN_ENOMEM;
	web.data = s;
	s->w = w;
	s->no_keep_alive = cfg->no_keep_alive;
	s->now = cfg->now;
	s->now_ctx = cfg->now_ctx;
	s->log = cfg->log;
	s->log_ctx = cfg->log_ctx;
	st = witness_vkey(w, s->vkey, WS_VKEY_CAP);
	if (st != LIEN_OK) {
		free(s);
		return st;
	}
	s->vkey_len = strlen(s->vkey);
	s->vkey[s->vkey_len++] = '\n';
	s->vkey[s->vkey_len] = '\0';
	if ((st = civet_start(&web, &s->web)) != LIEN_OK) {
		free(s);
		return st;
	}
	*out = s;
	return LIEN_OK;
}

unsigned
witness_server_port(const struct witness_server *s)
{
	return s != NULL ? civet_port(s->web) : 0;
}

void
witness_server_stop(struct witness_server *s)
{
	if (s == NULL)
		return;
	civet_stop(s->web);
	free(s);
}
