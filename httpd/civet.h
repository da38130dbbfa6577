/*
 * The one place civetweb is started and stopped. lienlogd's API
 * (api/server.c) and the witness (witness/server.c) run it the same
 * way: one catch-all handler (routing is the caller's, by exact path:
 * DEPS.md), plain HTTP on one IPv4 address and port (HTTPS crashes in
 * this civetweb build: DEPS.md), keep-alive, no URL decoding, TCP_NODELAY,
 * a 16 KiB request head, and civetweb's own messages handed to the
 * caller's log callback so that civetweb never writes files or stderr.
 *
 * Like httpd/http.h, this header does not include civetweb.h.
 */
#ifndef LIEN_HTTPD_CIVET_H
#define LIEN_HTTPD_CIVET_H

#include "common/status.h"

struct mg_connection;
struct civet;

struct civet_config {
	const char *listen;		/* "A.B.C.D:PORT" (civet_listen_ok) */
	unsigned threads;		/* 1..API_THREADS_MAX */
	unsigned timeout_ms;		/* civetweb request_timeout_ms, > 0 */
	int no_keep_alive;		/* 1: close after each reply */
	/* The catch-all handler and its argument (mg_request_handler). */
	int (*handler)(struct mg_connection *conn, void *data);
	void *data;
	void (*log)(void *ctx, const char *msg);	/* NULL: dropped */
	void *log_ctx;
};

/* 1 if listen is "A.B.C.D:PORT" with a dotted-quad IPv4 address (this
 * civetweb has no IPv6) and a decimal port in 0..65535; 0 otherwise
 * (civetweb's own lists and 's'/'r' suffixes are not allowed). Port 0
 * asks the kernel for a free port at bind time: civet_port says which,
 * so nobody has to guess a free port and race another process for it. */
int civet_listen_ok(const char *listen);

/* Bind and start the workers. LIEN_EINVAL for a bad configuration,
 * LIEN_ENOMEM, LIEN_EIO when civetweb refuses to start (the port is
 * taken, say; its message goes to cfg->log). *out: civet_stop. */
enum lien_status civet_start(const struct civet_config *cfg,
    struct civet **out) LIEN_MUST_CHECK;

/* 1 when every worker holds a connection (more may wait in civetweb's
 * queue): the caller should close this keep-alive connection after its
 * reply, so a waiting one gets the worker. conn is the current one. */
int civet_saturated(const struct mg_connection *conn);

/* Workers holding a connection now (for tests and metrics). */
unsigned civet_busy(const struct civet *c);

/* The port actually bound (the kernel's choice for port 0), or 0 for
 * NULL. */
unsigned civet_port(const struct civet *c);

/* --port-file (docs/cli.md "Listening address"): write "PORT\n" to
 * "<path>.tmp", then rename it over path, so a reader sees no file or the
 * whole number, never part of it. Mode 0644; not fsync'd (a run-time
 * file, like a pid file). LIEN_OK; LIEN_EINVAL for a NULL path or port
 * 0 or > 65535; LIEN_ENOMEM; LIEN_EIO with errno set (nothing is left at
 * "<path>.tmp" then, and path is untouched). */
enum lien_status civet_port_file_write(const char *path, unsigned port)
    LIEN_MUST_CHECK;

/* Stop: returns once every worker has finished its request. NULL is a
 * no-op. */
void civet_stop(struct civet *c);

#endif
