/*
 * The lienlog HTTP server: civetweb (plain HTTP, see DEPS.md) in front of
 * one ledger. The only header a main needs from api/.
 *
 * All routes (docs/api-log.md) are dispatched from route tables inside
 * api/; civetweb sees a single catch-all handler, so its prefix matching
 * never decides which route runs, and every request passes the same
 * header guard first.
 */
#ifndef LIEN_API_SERVER_H
#define LIEN_API_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "ledger/ledger.h"

struct api_server;
struct witness_client;
struct note_verifier;
struct regclient_issuer;

struct api_server_config {
	/* "A.B.C.D:PORT"; NULL = "127.0.0.1:8080". Port 0: the kernel
	 * picks a free one at bind time (api_server_port says which). */
	const char *listen;
	unsigned threads;		/* worker threads; 0 = 16, max API_THREADS_MAX */
	unsigned request_timeout_ms;	/* header read timeout; 0 = 10000 */
	int no_keep_alive;		/* 1: close every connection after one reply */
	/* Diagnostics from civetweb and the server (never secrets, never
	 * request bytes at more than debug level). May be NULL. The string
	 * is borrowed for the duration of the call. Called from any thread. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* Structured access log (docs/observability.md): NULL = none, "-" =
	 * standard error, else a file opened for appending (0640). */
	const char *access_log;
	/* The registration API's context (api/app.h), borrowed: must
	 * outlive api_server_stop. NULL: log-only (registration routes
	 * answer 503 registration_disabled). */
	struct api_app *app;
	/* The witness publisher (witness/publisher.h), borrowed: must
	 * outlive api_server_stop. NULL: no witnesses; GET /log/checkpoint
	 * then serves the latest log-signed checkpoint. */
	struct witness_client *witness;
	/* 1: believe X-Forwarded-For, X-Client-Verify and X-Client-Cert on
	 * connections from the reverse proxy (127.0.0.1, httpd/proxy.h) and
	 * log the client's address and certificate fingerprint; malformed
	 * proxy headers are then refused (400 bad_proxy_headers). 0: those
	 * headers are ignored on every connection. Only for the access log:
	 * authentication stays the RFC 9421 signature. */
	int trust_proxy;
	/* The log's verifier key (crypto/note.h), borrowed for the start
	 * only: GET /v1/keys publishes it (with the witness keys and quorum
	 * of witness) for the pages, which verify with it and show it for
	 * comparison out of band. NULL: the route answers "log": null. */
	const struct note_verifier *log_key;
	/* lienlogd --demo only: the demo face-ID provider's key, borrowed
	 * (must outlive api_server_stop). POST /demo/face-id mints
	 * read-purpose tokens with it (docs/web-owner.md). NULL: that route
	 * answers 404 demo_disabled. */
	const struct regclient_issuer *demo_face;
	/* The SMS delivery worker (api/notify.h), borrowed: its counters on
	 * GET /metrics. NULL: none. */
	struct notify *notify;
};

/* Start serving l (borrowed: must outlive api_server_stop). Binds before
 * returning, so a port conflict is reported here as LIEN_EIO. LIEN_EINVAL
 * for a bad listen string or thread count. *out: api_server_stop. */
enum lien_status api_server_start(const struct api_server_config *cfg,
    struct ledger *l, struct api_server **out) LIEN_MUST_CHECK;

/* The witness publisher given in the configuration (NULL: none), for
 * the handlers of api/ (GET /log/checkpoint, receipts). */
struct witness_client *api_server_witness(const struct api_server *s);

/* The body-deadline watchdog (httpd/deadline.h). Borrowed, valid until
 * api_server_stop; NULL when s is. */
struct httpd_deadlines;
struct httpd_deadlines *api_server_deadlines(const struct api_server *s);

/* The body of GET /v1/keys: {"log":"<vkey>"|null,"witnesses":[...],
 * "quorum":K}, built at start. Borrowed, valid until api_server_stop. */
void api_server_keys_json(const struct api_server *s, const char **body,
    size_t *len);

/* The demo face-ID provider of the configuration, or NULL. */
const struct regclient_issuer *api_server_demo_face(const struct api_server *s);

/* The port actually bound (the kernel's choice for port 0), or 0 if
 * unknown. */
unsigned api_server_port(const struct api_server *s);

/* Log rotation: reopen the access log file by its path (call after
 * logrotate moved it, e.g. on SIGHUP). LIEN_OK also when there is no
 * access log or it is standard error; LIEN_EIO if the file cannot be
 * opened (the old one stays in use). */
enum lien_status api_server_reopen_logs(struct api_server *s) LIEN_MUST_CHECK;

/* Stop accepting, wait for in-flight requests, write out the access log,
 * free. NULL is a no-op. */
void api_server_stop(struct api_server *s);

#endif
