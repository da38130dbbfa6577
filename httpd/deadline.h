/*
 * Deadlines civetweb cannot keep (DEPS.md): mg_read of
 * n bytes returns only when n bytes came, the peer closed, or no byte
 * came for a whole request_timeout_ms -- so a client that trickles its
 * body one byte a second holds its worker for as long as the body lasts
 * (hours for 256 KiB), whatever deadline the handler checks between
 * reads. This watchdog enforces the deadline from outside: a handler
 * registers the connection before reading its body; past the deadline a
 * thread shuts down the socket's read side (shutdown(2) SHUT_RD), so the
 * blocked mg_read returns what it has and the handler answers 408.
 *
 * civetweb does not hand out its sockets, so the watchdog finds the
 * socket by its address pair: among this process's descriptors
 * (/proc/self/fd), the TCP socket whose peer is the request's remote
 * address and port and whose local port is the server's. Only overdue
 * connections are looked up; a connection's address pair is unique while
 * it is open. Does not include civetweb.h.
 *
 * One rule says when a body is late (httpd_deadline_overdue), and a
 * cut is a verdict: httpd_read_body answers "late" whenever the watchdog
 * cut the read, so the answer never depends on which thread read the
 * clock first.
 */
#ifndef LIEN_HTTPD_DEADLINE_H
#define LIEN_HTTPD_DEADLINE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

struct mg_connection;
struct httpd_deadlines;

/* The watchdog and its thread (checks every 100 ms). *out:
 * httpd_deadlines_free. LIEN_ENOMEM. */
enum lien_status httpd_deadlines_new(struct httpd_deadlines **out)
    LIEN_MUST_CHECK;

/* The same with clock_ms in place of CLOCK_MONOTONIC in milliseconds
 * (tests stop time with it); NULL: the monotonic clock. */
enum lien_status httpd_deadlines_new_clock(struct httpd_deadlines **out,
    uint64_t (*clock_ms)(void)) LIEN_MUST_CHECK;

/* d's clock in milliseconds (CLOCK_MONOTONIC unless a test gave one;
 * d NULL: CLOCK_MONOTONIC). */
uint64_t httpd_deadlines_now(const struct httpd_deadlines *d);

/* The one rule, for the watchdog and every reader: 1 when now_ms is at
 * or past deadline_ms. */
int httpd_deadline_overdue(uint64_t deadline_ms, uint64_t now_ms);

/* Stop the thread and free. No watch may be active. NULL is a no-op. */
void httpd_deadlines_free(struct httpd_deadlines *d);

/* Watch conn (the current request of the calling worker) until
 * httpd_deadline_done: at deadline_ms (CLOCK_MONOTONIC, milliseconds)
 * its socket's read side is shut down. Returns a handle >= 0, or -1 when
 * the table is full or d is NULL (nothing is watched then). */
int httpd_deadline_watch(struct httpd_deadlines *d,
    const struct mg_connection *conn, uint64_t deadline_ms);

/* End a watch (h from httpd_deadline_watch; -1 is a no-op). Returns 1
 * if the watchdog cut the connection, else 0. */
int httpd_deadline_done(struct httpd_deadlines *d, int h);

enum httpd_body {
	HTTPD_BODY_OK = 0,		/* all len bytes read */
	HTTPD_BODY_TIMEOUT,		/* not all by the deadline: 408 */
	HTTPD_BODY_INCOMPLETE		/* the peer ended it early: 400 */
};

/* Read exactly len bytes of conn's request body within budget_ms of d's
 * clock, watched by d (d NULL: no watchdog, the clock alone decides).
 * HTTPD_BODY_TIMEOUT whenever the watchdog cut the read or the deadline
 * passed with bytes missing, HTTPD_BODY_INCOMPLETE only when the peer
 * stopped before the deadline without a cut. *cut: 1 when the watchdog
 * shut the read side (the connection must then close). */
enum httpd_body httpd_read_body(struct httpd_deadlines *d,
    struct mg_connection *conn, void *buf, size_t len, uint64_t budget_ms,
    int *cut);

/* Connections cut so far (for metrics and tests). */
uint64_t httpd_deadlines_cut(const struct httpd_deadlines *d);

#endif
