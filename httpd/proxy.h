/*
 * What lienlogd may believe from the reverse proxy in front of it
 * (deploy/nginx/lienlog.conf, docs/deployment.md): the client's address
 * (X-Forwarded-For), the result of nginx's client-certificate check
 * (X-Client-Verify) and the verified certificate itself (X-Client-Cert,
 * nginx's $ssl_client_escaped_cert: the PEM, URL-escaped).
 *
 * Those headers are believed only when the operator said so
 * (--trust-proxy) and the TCP peer is the proxy's address, 127.0.0.1: on
 * any other connection they are client-supplied and ignored. nginx
 * replaces any client copy of them, so on the proxy's connection they are
 * nginx's own.
 *
 * What the result is for: the access/audit log (the client's address
 * instead of nginx's, and the fingerprint of the mutual-TLS certificate).
 * It is never an authentication: every write is still authenticated by
 * its RFC 9421 signature against the filed certificate (api/auth.h), and a
 * TLS client certificate never stands in for it -- the TLS layer ends at
 * nginx, so lienlogd cannot tell a verified header from a forged one
 * except by where the connection comes from, while the signature is
 * verifiable by anyone, later, from the log's evidence.
 *
 * Pure: no civetweb, no I/O; the caller passes the peer address and the
 * header fields. Thread-safe.
 */
#ifndef LIEN_HTTPD_PROXY_H
#define LIEN_HTTPD_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/cert.h"

/* The only peer whose headers are believed: nginx on the same host.
 * (This civetweb has no IPv6 and no Unix sockets, DEPS.md.) */
#define PROXY_PEER "127.0.0.1"

/* An IPv4 or IPv6 address literal (INET6_ADDRSTRLEN is 46). */
#define PROXY_ADDR_MAX 46u

/* The header names (case-insensitive on the wire). */
#define PROXY_H_FORWARDED_FOR "X-Forwarded-For"
#define PROXY_H_CLIENT_VERIFY "X-Client-Verify"
#define PROXY_H_CLIENT_CERT "X-Client-Cert"

enum proxy_verify {
	PROXY_VERIFY_ABSENT = 0,	/* not behind the proxy / no header */
	PROXY_VERIFY_NONE = 1,		/* "NONE": no certificate was sent */
	PROXY_VERIFY_SUCCESS = 2,	/* "SUCCESS": verified by nginx */
	PROXY_VERIFY_FAILED = 3,	/* "FAILED:<reason>" */
};

/* One header field as the caller has it (bytes, not NUL-terminated). */
struct proxy_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

struct proxy_info {
	/* 1: the peer is the trusted proxy and its headers were read. */
	int from_proxy;
	/* The client's address: the forwarded one when from_proxy and
	 * X-Forwarded-For was present, else the peer's. NUL-terminated. */
	char client_addr[PROXY_ADDR_MAX + 1];
	size_t client_addr_len;
	enum proxy_verify verify;
	/* 1: X-Client-Cert held a certificate (then verify is SUCCESS);
	 * cert_fpr is the SHA-256 of its DER: the same form as an RFC 9421
	 * keyid (docs/identity.md), so the log can show whether the TLS
	 * certificate and the signing certificate are the same one. */
	int has_cert;
	uint8_t cert_fpr[CERT_FPR_LEN];
};

/* Fill *out from the peer address (peer, peer_len: the TCP peer as text)
 * and the request's header fields hs[0..nh).
 *
 * trust_proxy 0, or a peer other than PROXY_PEER: the proxy headers are
 * ignored whatever they say; from_proxy 0, client_addr = peer, LIEN_OK.
 *
 * Otherwise each of the three headers may appear at most once and must be
 * exactly what nginx sends:
 *   X-Forwarded-For  one address literal (IPv4 dotted quad or IPv6,
 *                    inet_pton-valid), or a list "a, b, ..." of which the
 *                    LAST element is taken (the address nginx saw; the
 *                    ones before it are the client's claims);
 *   X-Client-Verify  "SUCCESS", "NONE" or "FAILED:" + printable text;
 *   X-Client-Cert    one certificate as PEM, percent-escaped (%XX with
 *                    upper-case hex; no other '%'), parsed strictly by
 *                    cert_parse_text; present exactly when the verify
 *                    result is SUCCESS.
 * Absent headers are fine (a local client such as the demo seeder or a
 * metrics scraper talks to lienlogd directly).
 *
 * Statuses: LIEN_OK; LIEN_EPARSE for a repeated, malformed, empty or
 * inconsistent proxy header (the caller should refuse the request: the
 * proxy is misconfigured or the peer is not really nginx); LIEN_ETOOBIG
 * for an X-Client-Cert above PROXY_CERT_HEADER_MAX or a forwarded list
 * above PROXY_XFF_MAX; LIEN_EINVAL for a NULL argument or a peer address
 * longer than PROXY_ADDR_MAX; LIEN_ENOMEM. On failure *out is zeroed. */
enum lien_status proxy_info_get(int trust_proxy, const char *peer,
    size_t peer_len, const struct proxy_header *hs, size_t nh,
    struct proxy_info *out) LIEN_MUST_CHECK;

/* Lower-case hex of info->cert_fpr into out (2 * CERT_FPR_LEN + 1 bytes,
 * NUL-terminated); "" when !info->has_cert. */
void proxy_cert_fpr_hex(const struct proxy_info *info,
    char out[2 * CERT_FPR_LEN + 1]);

/* Exposed for tests: decode nginx's percent-escaping of (in, len) into
 * out (cap bytes). Every '%' must start "%XX" with upper-case hex digits;
 * every other byte is copied. LIEN_EPARSE, LIEN_ETOOBIG if out is short;
 * *out_len = bytes written. */
enum lien_status proxy_unescape(const char *in, size_t len, char *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;

#endif
