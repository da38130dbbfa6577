/*
 * Lean HTTP/1.1 client connection (contract and the reason it exists:
 * httpconn.h).
 *
 * Design: the request (request line, headers, body) is assembled in one
 * buffer and written with one send(2), so the server reads it whole and
 * Nagle never holds a tail back. The reply is read into a growing buffer:
 * first until the head is complete (httpconn_parse_head, bounded by
 * HTTPCONN_HEAD_MAX), then exactly Content-Length more bytes, refused
 * before allocation when that passes the caller's cap. Blocking sockets
 * with SO_SNDTIMEO/SO_RCVTIMEO give the timeouts (on Linux SO_SNDTIMEO
 * also bounds connect(2)); nothing polls.
 *
 * The head parser is strict in the way httpd/http.c is for requests: one
 * framing only (Content-Length, once, canonical digits), no obs-fold, no
 * bare LF, no Transfer-Encoding. A reply it cannot frame exactly is an
 * error, never a guess at where the next reply starts.
 */
#include "client/httpconn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/dec.h"

struct httpconn {
	int fd;			/* -1: not connected */
	long timeout_ms;
	char host[HTTPCONN_AUTHORITY_MAX + 1];
	char port[8];
	char authority[HTTPCONN_AUTHORITY_MAX + 1];
	uint8_t *buf;		/* request assembly */
	size_t buf_cap;
};

/* ---- the head parser (pure) --------------------------------------------- */

/* RFC 9110 5.6.2 tchar */
static int
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Does the comma-separated token list (p, n) hold "close"? */
static int
has_close(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		s = i;
		while (i < n && p[i] != ',')
			i++;
		e = i;
		while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		if (ascii_name_eq(p + s, e - s, "close"))
			return 1;
	}
	return 0;
}

/* Offset just past the first CRLF CRLF in (p, len), or 0. */
static size_t
head_end(const uint8_t *p, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' &&
		    p[i - 3] == '\r')
			return i + 1;
	return 0;
}

enum lien_status
httpconn_parse_head(const uint8_t *p, size_t len, struct httpconn_head *out)
{
	struct httpconn_head h;
	size_t end, i, nlines = 0;
	int have_cl = 0;

	memset(out, 0, sizeof(*out));
	if (p == NULL && len > 0)
		return LIEN_EINVAL;
	end = head_end(p, len < HTTPCONN_HEAD_MAX ? len : HTTPCONN_HEAD_MAX);
	if (end == 0)
		return len >= HTTPCONN_HEAD_MAX ? LIEN_ETOOBIG : LIEN_OK;
	memset(&h, 0, sizeof(h));

	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
	if (end < 15 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ' || p[12] != ' ')
		return LIEN_EPARSE;
	for (i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return LIEN_EPARSE;
		h.status = h.status * 10 + (p[i] - '0');
	}
	if (h.status < 200 || h.status > 599)
		return LIEN_EPARSE;
	h.close = p[7] == '0';
	for (i = 13; p[i] != '\r'; i++)	/* reason: visible, SP, HTAB */
		if (p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f)
			return LIEN_EPARSE;
	if (p[i + 1] != '\n')
		return LIEN_EPARSE;
	i += 2;

	/* field-line = field-name ":" OWS field-value OWS, until CRLF CRLF */
	while (i < end - 2) {
		size_t ns = i, ne, vs, ve;

		if (++nlines > HTTPCONN_HEADERS_MAX)
			return LIEN_ETOOBIG;
		while (is_tchar(p[i]))
			i++;
		ne = i;
		if (ne == ns || p[i] != ':')
			return LIEN_EPARSE;	/* also obs-fold, bare LF */
		i++;
		while (p[i] == ' ' || p[i] == '\t')
			i++;
		vs = i;
		for (; p[i] != '\r'; i++)
			if (p[i] < 0x20 ? p[i] != '\t' : p[i] == 0x7f)
				return LIEN_EPARSE;
		if (p[i + 1] != '\n')
			return LIEN_EPARSE;
		ve = i;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
			ve--;
		i += 2;
		if (ascii_name_eq(p + ns, ne - ns, "Transfer-Encoding"))
			return LIEN_EUNSUPPORTED;
		if (ascii_name_eq(p + ns, ne - ns, "Content-Length")) {
			if (have_cl || dec_u64_parse(p + vs, ve - vs,
			    &h.content_length) != LIEN_OK)
				return LIEN_EPARSE;
			have_cl = 1;
		} else if (ascii_name_eq(p + ns, ne - ns, "Connection") &&
		    has_close(p + vs, ve - vs)) {
			h.close = 1;
		}
	}
	if (!have_cl)
		return LIEN_EPARSE;
	h.head_len = end;
	*out = h;
	return LIEN_OK;
}

/* ---- the connection ------------------------------------------------------ */

enum lien_status
httpconn_new(const char *authority, long timeout_ms, struct httpconn **out)
{
	struct httpconn *c;
	const char *colon, *host = authority;
	size_t alen, hlen;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (authority == NULL || timeout_ms < 0 ||
	    (alen = strlen(authority)) == 0 || alen > HTTPCONN_AUTHORITY_MAX)
		return LIEN_EINVAL;
	colon = strrchr(authority, ':');
	if (authority[0] == '[') {	/* [v6]:port or [v6] */
		const char *rb = strchr(authority, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			return LIEN_EINVAL;
		host = authority + 1;
		hlen = (size_t)(rb - host);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		hlen = colon ? (size_t)(colon - authority) : alen;
	}
	if (hlen == 0 || (colon && (strlen(colon + 1) == 0 ||
	    strlen(colon + 1) > 5 || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1))))
		return LIEN_EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return LIEN_ENOMEM;
	c->fd = -1;
	c->timeout_ms = timeout_ms ? timeout_ms : 30000;
	memcpy(c->host, host, hlen);
	c->host[hlen] = '\0';
	(void)snprintf(c->port, sizeof(c->port), "%s", colon ? colon + 1 :
	    "80");
	memcpy(c->authority, authority, alen + 1);
	*out = c;
	return LIEN_OK;
}

static void
conn_close(struct httpconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
httpconn_free(struct httpconn *c)
{
	if (c == NULL)
		return;
	conn_close(c);
	free(c->buf);
	free(c);
}

static enum lien_status LIEN_MUST_CHECK
conn_open(struct httpconn *c)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv;
	int one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(c->host, c->port, &hints, &res) != 0)
		return LIEN_ENET;
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);

		if (fd < 0)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == 0 &&
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == 0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			c->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return c->fd >= 0 ? LIEN_OK : LIEN_ENET;
}

/* LIEN_ECLOSED when the peer had closed or reset the connection (what a
 * stale keep-alive connection gives), LIEN_ENET for anything else
 * (timeout included). */
static enum lien_status LIEN_MUST_CHECK
io_error(ssize_t n)
{
	if (n == 0 || errno == EPIPE || errno == ECONNRESET)
		return LIEN_ECLOSED;
	return LIEN_ENET;
}

static enum lien_status LIEN_MUST_CHECK
send_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(n);
		p += n;
		len -= (size_t)n;
	}
	return LIEN_OK;
}

/* recv into buf[*have..want); io_error's statuses. */
static enum lien_status LIEN_MUST_CHECK
recv_some(int fd, uint8_t *buf, size_t *have, size_t want)
{
	for (;;) {
		ssize_t n = recv(fd, buf + *have, want - *have, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(n);
		*have += (size_t)n;
		return LIEN_OK;
	}
}

/* Assemble the request in c->buf; LIEN_ETOOBIG/EINVAL/ENOMEM. */
static enum lien_status LIEN_MUST_CHECK
build_request(struct httpconn *c, const char *path, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len,
    size_t *out_len)
{
	size_t need, o;
	int n;

	if (path == NULL || path[0] != '/' || strlen(path) > HTTPCONN_PATH_MAX ||
	    strpbrk(path, " \r\n") != NULL || ctype == NULL ||
	    strpbrk(ctype, "\r\n") != NULL || (body == NULL && len > 0))
		return LIEN_EINVAL;
	need = 128 + strlen(path) + strlen(c->authority) + strlen(ctype);
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (strpbrk(headers[i], "\r\n") != NULL ||
		    strlen(headers[i]) > HTTPCONN_HEAD_MAX)
			return LIEN_EINVAL;
		need += strlen(headers[i]) + 2;
	}
	if (len > SIZE_MAX - need)
		return LIEN_ETOOBIG;
	need += len;
	if (need > c->buf_cap) {
		uint8_t *q = realloc(c->buf, need);

		if (q == NULL)
			return LIEN_ENOMEM;
		c->buf = q;
		c->buf_cap = need;
	}
	n = snprintf((char *)c->buf, c->buf_cap, "POST %s HTTP/1.1\r\n"
	    "Host: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", path,
	    c->authority, ctype, len);
	if (n < 0 || (size_t)n >= c->buf_cap)
		return LIEN_EINVAL;
	o = (size_t)n;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		size_t hl = strlen(headers[i]);

		memcpy(c->buf + o, headers[i], hl);
		memcpy(c->buf + o + hl, "\r\n", 2);
		o += hl + 2;
	}
	memcpy(c->buf + o, "\r\n", 2);
	o += 2;
	if (len > 0)
		memcpy(c->buf + o, body, len);
	*out_len = o + len;
	return LIEN_OK;
}

/* One exchange on the open connection. *got_any: some reply byte came. */
static enum lien_status LIEN_MUST_CHECK
exchange(struct httpconn *c, size_t req_len, size_t cap, uint8_t **out,
    size_t *out_len, long *out_http, int *got_any)
{
	struct httpconn_head h;
	uint8_t *r = NULL, *q;
	size_t have = 0, rcap = 4096, total;
	enum lien_status st;

	*got_any = 0;
	if ((st = send_all(c->fd, c->buf, req_len)) != LIEN_OK)
		return st;
	if ((r = malloc(rcap)) == NULL)
		return LIEN_ENOMEM;
	for (;;) {
		if ((st = recv_some(c->fd, r, &have, rcap)) != LIEN_OK)
			goto fail;
		*got_any = 1;
		if ((st = httpconn_parse_head(r, have, &h)) != LIEN_OK)
			goto fail;
		if (h.head_len > 0)
			break;
		if (have == rcap) {	/* head still growing, bounded */
			rcap *= 2;
			if ((q = realloc(r, rcap)) == NULL) {
				st = LIEN_ENOMEM;
				goto fail;
			}
			r = q;
		}
	}
	if (h.content_length > cap ||
	    h.content_length > SIZE_MAX - h.head_len - 1) {
		st = LIEN_ETOOBIG;
		goto fail;
	}
	total = h.head_len + (size_t)h.content_length;
	if (have > total) {		/* we never pipeline: bytes past the
					 * reply are a framing error */
		st = LIEN_EPARSE;
		goto fail;
	}
	if (total + 1 > rcap) {
		if ((q = realloc(r, total + 1)) == NULL) {
			st = LIEN_ENOMEM;
			goto fail;
		}
		r = q;
	}
	while (have < total)
		if ((st = recv_some(c->fd, r, &have, total)) != LIEN_OK)
			goto fail;
	if (h.close)
		conn_close(c);
	*out_http = h.status;
	*out_len = (size_t)h.content_length;
	if (h.content_length == 0) {
		free(r);
		return LIEN_OK;
	}
	memmove(r, r + h.head_len, (size_t)h.content_length);
	r[h.content_length] = 0;
	*out = r;
	return LIEN_OK;
fail:
	free(r);
	return st;
}

enum lien_status
httpconn_post(struct httpconn *c, const char *path, const char *ctype,
    const char *const *headers, const uint8_t *body, size_t len, size_t cap,
    uint8_t **out, size_t *out_len, long *out_http)
{
	size_t req_len = 0;
	enum lien_status st;

	if (out == NULL || out_len == NULL || out_http == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	*out_http = 0;
	if (c == NULL)
		return LIEN_EINVAL;
	if ((st = build_request(c, path, ctype, headers, body, len,
	    &req_len)) != LIEN_OK)
		return st;
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->fd >= 0, got_any = 0;

		if (!reused && (st = conn_open(c)) != LIEN_OK)
			return st;
		st = exchange(c, req_len, cap, out, out_len, out_http,
		    &got_any);
		if (st == LIEN_OK)
			return LIEN_OK;
		conn_close(c);
		/* Only a stale keep-alive connection earns a second try:
		 * reused, closed by the peer, not one byte of answer. */
		if (!reused || got_any || st != LIEN_ECLOSED)
			return st == LIEN_ECLOSED ? LIEN_ENET : st;
	}
	return LIEN_ENET;
}
