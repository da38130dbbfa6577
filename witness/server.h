/*
 * The witness HTTP server (`lienlog witness serve`): C2SP tlog-witness
 * over plain HTTP with civetweb, in front of one struct witness
 * (witness/witness.h). Separate from lienlogd's api_server: a witness is
 * run by someone other than the log operator.
 *
 * Routes (docs/witness.md):
 *   POST /add-checkpoint   tlog-witness add-checkpoint
 *   GET  /                 health: 200, the witness verifier key + "\n"
 *   GET  /metrics          Prometheus counters by outcome
 * Status codes and bodies of /add-checkpoint follow tlog-witness exactly:
 * 200 cosignature line(s); 400 malformed / old > size; 403 no valid log
 * signature; 404 unknown origin; 409 "<size>\n" as text/x.tlog.size;
 * 422 bad consistency proof; 413 body over WITNESS_REQUEST_MAX.
 */
#ifndef LIEN_WITNESS_SERVER_H
#define LIEN_WITNESS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "witness/witness.h"

struct witness_server;

struct witness_server_config {
	/* "A.B.C.D:PORT"; NULL = "127.0.0.1:7380". Port 0: the kernel
	 * picks a free one (witness_server_port says which). */
	const char *listen;
	unsigned threads;		/* 0 = 16, max API_THREADS_MAX */
	unsigned request_timeout_ms;	/* header read timeout; 0 = 10000 */
	int no_keep_alive;		/* 1: close after every reply */
	/* Cosignature clock (POSIX seconds); NULL = time(NULL). Tests use
	 * it to pin timestamps. Called from worker threads. */
	uint64_t (*now)(void *ctx);
	void *now_ctx;
	/* Diagnostics (never secrets or request bytes). May be NULL. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/* Start serving w (borrowed: must outlive witness_server_stop). Binds
 * before returning (LIEN_EIO on failure); LIEN_EINVAL for a bad listen
 * string or thread count. *out: witness_server_stop. */
enum lien_status witness_server_start(const struct witness_server_config *cfg,
    struct witness *w, struct witness_server **out) LIEN_MUST_CHECK;

/* The port actually bound (the kernel's choice for port 0), or 0 if
 * unknown. */
unsigned witness_server_port(const struct witness_server *s);

/* Stop accepting, finish in-flight requests, free. NULL is a no-op. */
void witness_server_stop(struct witness_server *s);

#endif
