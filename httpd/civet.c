/*
 * civetweb's start and stop for both HTTP servers (httpd/civet.h).
 *
 * Options, and why (DEPS.md has the measurements):
 *   decode_url no        paths and queries are matched byte for byte as
 *                        sent, so every URL has one spelling;
 *   tcp_nodelay 1        headers and small bodies go out in separate
 *                        writes; with Nagle and delayed ACK each
 *                        keep-alive reply would wait 40 ms;
 *   keep_alive_timeout   2 s: an idle keep-alive connection holds a
 *                        worker (civetweb gives each connection a thread);
 *   busy workers         counted (init_connection / connection_closed):
 *                        when every worker holds a connection, the caller
 *                        closes keep-alive connections after their reply
 *                        (civet_saturated), so connections waiting in
 *                        civetweb's queue get a worker in turn instead of
 *                        never (issue 11: lienlog load with more
 *                        connections than workers left requests
 *                        unanswered);
 *   max_request_size     16 KiB for the request line and headers; bodies
 *                        are capped by each route before they are read.
 * civetweb's user data is the struct civet, so the log callback finds the
 * caller's log function without knowing who started it.
 */
#include "httpd/civet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <civetweb.h>

#include "httpd/http.h"
#include "common/file.h"
#include "common/lien_limits.h"

struct civet {
	struct mg_context *ctx;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	unsigned threads;
	atomic_uint busy;	/* workers holding a connection */
};

static struct civet *
civet_of(const struct mg_connection *conn)
{
	const struct mg_context *ctx = conn ? mg_get_context(conn) : NULL;

	return ctx ? mg_get_user_data(ctx) : NULL;
}

/* A worker takes a connection from the queue ... */
static int
civet_conn_init(const struct mg_connection *conn, void **conn_data)
{
	struct civet *c = civet_of(conn);

	*conn_data = NULL;
	if (c != NULL)
		atomic_fetch_add(&c->busy, 1);
	return 0;
}

/* ... and gives it back, closed. */
static void
civet_conn_closed(const struct mg_connection *conn)
{
	struct civet *c = civet_of(conn);

	if (c != NULL)
		atomic_fetch_sub(&c->busy, 1);
}

/* civetweb's own HTTP authentication is never used (requests are
 * authenticated by their RFC 9421 signatures, api/auth.h). Without an
 * authorization handler civetweb looks for a ".htpasswd" file on every
 * request (one failed stat(2) each); this one grants and costs nothing. */
static int
civet_no_auth(struct mg_connection *conn, void *data)
{
	(void)conn;
	(void)data;
	return 1;
}

static int
civet_log_message(const struct mg_connection *conn, const char *msg)
{
	struct civet *c = civet_of(conn);

	if (c != NULL && c->log != NULL)
		c->log(c->log_ctx, msg);
	return 1;	/* civetweb never writes files or stderr itself */
}

int
civet_listen_ok(const char *listen)
{
	const char *colon;
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	uint64_t port;
	size_t hlen;

	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL)
		return 0;
	hlen = (size_t)(colon - listen);
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return 0;
	if (api_u64_parse(colon + 1, strlen(colon + 1), &port) != LIEN_OK ||
	    port > 65535)
		return 0;
	return 1;
}

enum lien_status
civet_start(const struct civet_config *cfg, struct civet **out)
{
	struct civet *c;
	struct mg_callbacks cb;
	struct mg_init_data init;
	struct mg_error_data err;
	char threads[16], timeout[16], errtext[256] = "";
	unsigned errcode = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (cfg == NULL || cfg->handler == NULL ||
	    !civet_listen_ok(cfg->listen) || cfg->threads == 0 ||
	    cfg->threads > API_THREADS_MAX || cfg->timeout_ms == 0)
		return LIEN_EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return LIEN_ENOMEM;
	c->log = cfg->log;
	c->log_ctx = cfg->log_ctx;
	c->threads = cfg->threads;
	atomic_init(&c->busy, 0);
	(void)snprintf(threads, sizeof(threads), "%u", cfg->threads);
	(void)snprintf(timeout, sizeof(timeout), "%u", cfg->timeout_ms);
	{
		const char *opts[] = {
			"listening_ports", cfg->listen,
			"num_threads", threads,
			"request_timeout_ms", timeout,
			"enable_keep_alive", cfg->no_keep_alive ? "no" : "yes",
			"keep_alive_timeout_ms", "2000",
			"decode_url", "no",
			"tcp_nodelay", "1",
			"max_request_size", "16384",
			NULL
		};

		memset(&cb, 0, sizeof(cb));
		cb.log_message = civet_log_message;
		cb.init_connection = civet_conn_init;
		cb.connection_closed = civet_conn_closed;
		memset(&init, 0, sizeof(init));
		init.callbacks = &cb;
		init.user_data = c;
		init.configuration_options = opts;
		memset(&err, 0, sizeof(err));
		err.code = &errcode;
		err.text = errtext;
		err.text_buffer_size = sizeof(errtext);
		/* Returns the features it initialised: 0 for none asked
		 * (no TLS here), which is not an error. */
		(void)mg_init_library(0);
		c->ctx = mg_start2(&init, &err);
	}
	if (c->ctx == NULL) {
		if (c->log != NULL && errtext[0] != '\0')
			c->log(c->log_ctx, errtext);
		mg_exit_library();
		free(c);
		return LIEN_EIO;	/* bind failed or bad option */
	}
	mg_set_auth_handler(c->ctx, "/", civet_no_auth, NULL);
	mg_set_request_handler(c->ctx, "/", cfg->handler, cfg->data);
	*out = c;
	return LIEN_OK;
}

int
civet_saturated(const struct mg_connection *conn)
{
	struct civet *c = civet_of(conn);

	return c != NULL && atomic_load(&c->busy) >= c->threads;
}

unsigned
civet_busy(const struct civet *c)
{
	return c != NULL ? atomic_load(&c->busy) : 0;
}

unsigned
civet_port(const struct civet *c)
{
	struct mg_server_port ports[4];
	int n;

	if (c == NULL || c->ctx == NULL)
		return 0;
	n = mg_get_server_ports(c->ctx, 4, ports);
	if (n < 1 || ports[0].port <= 0 || ports[0].port > 65535)
		return 0;
	return (unsigned)ports[0].port;
}

enum lien_status
civet_port_file_write(const char *path, unsigned port)
{
	char text[16], *tmp;
	size_t plen;
	int fd = -1, n, err;
	enum lien_status s;

	if (path == NULL || port == 0 || port > 65535)
		return LIEN_EINVAL;
	plen = strlen(path);
	if ((tmp = malloc(plen + sizeof(".tmp"))) == NULL)
		return LIEN_ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", sizeof(".tmp"));
	n = snprintf(text, sizeof(text), "%u\n", port);
	s = LIEN_EIO;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd >= 0 && file_write_all(fd, text, (size_t)n) == LIEN_OK &&
	    close(fd) == 0) {
		fd = -1;
		if (rename(tmp, path) == 0)
			s = LIEN_OK;
	}
	if (s != LIEN_OK) {
		err = errno;
		if (fd >= 0)
			(void)close(fd);
		(void)unlink(tmp);
		errno = err;
	}
	free(tmp);
	return s;
}

void
civet_stop(struct civet *c)
{
	if (c == NULL)
		return;
	mg_stop(c->ctx);
	mg_exit_library();
	free(c);
}
