/*
 * The trusted-proxy headers (httpd/proxy.h, docs/deployment.md): which ones
 * lienlogd believes, from whom, and how strictly they are read.
 *
 * Design: a single pure function over (peer, header list). Trust is
 * decided first and only by the operator's flag and the TCP peer address;
 * nothing in the request can switch it on. On the proxy's connection the
 * headers must be exactly nginx's output -- one of each at most, nginx's
 * spellings, a certificate that parses strictly -- because nginx replaces
 * whatever the client sent under those names: anything else means the
 * proxy is misconfigured (or the peer is not nginx) and the request is
 * refused rather than half-believed.
 *
 * The certificate is not verified again here: nginx verified the chain and
 * the CRLs (ssl_verify_client on), and nothing here authorises anything.
 * Its fingerprint only goes into the audit trail, next to the identity the
 * RFC 9421 signature proved (api/auth.h), which remains the only
 * authentication of a request.
 *
 * Not here: the Forwarded header of RFC 7239 (our nginx does not send it)
 * and chains of proxies (exactly one, on loopback).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "httpd/proxy.h"

#include "common/hex.h"

static int
name_eq(const struct proxy_header *h, const char *want)
{
	size_t n = strlen(want);

	if (h->name == NULL || h->name_len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)h->name[i];
		unsigned char b = (unsigned char)want[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

enum lien_status
proxy_unescape(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len)
{
	size_t i = 0, o = 0;

	*out_len = 0;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (o == cap) {
			memset(out, 0, cap);
			return LIEN_ETOOBIG;
		}
		if (c == '%') {
			int hi, lo;

			/* nginx writes upper case only (ngx_escape_uri) */
			if (2 > len - i - 1 ||
			    (hi = hex_value_upper((unsigned char)in[i + 1])) < 0 ||
			    (lo = hex_value_upper((unsigned char)in[i + 2])) < 0) {
				memset(out, 0, cap);
				return LIEN_EPARSE;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			out[o++] = (char)c;
			i++;
		}
	}
	*out_len = o;
	return LIEN_OK;
}

/* One address literal, (p, n), into out (NUL-terminated). */
static enum lien_status LIEN_MUST_CHECK
addr_take(const char *p, size_t n, struct proxy_info *out)
{
	char buf[PROXY_ADDR_MAX + 1];
	unsigned char bin[16];

	if (n == 0 || n > PROXY_ADDR_MAX)
		return LIEN_EPARSE;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL)	/* embedded NUL */
		return LIEN_EPARSE;
	if (inet_pton(AF_INET, buf, bin) != 1 &&
	    inet_pton(AF_INET6, buf, bin) != 1)
		return LIEN_EPARSE;
	memcpy(out->client_addr, buf, n + 1);
	out->client_addr_len = n;
	return LIEN_OK;
}

/* X-Forwarded-For: "a" or "a, b, ..., z" (RFC 7239 section 7.1 describes
 * the de-facto list); the last element is the address our proxy saw. The
 * earlier ones are claims by the client and are not even parsed. */
static enum lien_status LIEN_MUST_CHECK
xff_parse(const char *v, size_t n, struct proxy_info *out)
{
	size_t start = n;

	if (n > PROXY_XFF_MAX)
		return LIEN_ETOOBIG;
	while (start > 0 && v[start - 1] != ',')
		start--;
	if (start > 0) {
		/* ", " separator: exactly one space after the comma. */
		if (start >= n || v[start] != ' ')
			return LIEN_EPARSE;
		start++;
	}
	return addr_take(v + start, n - start, out);
}

static enum lien_status LIEN_MUST_CHECK
verify_parse(const char *v, size_t n, enum proxy_verify *out)
{
	static const char failed[] = "FAILED:";
	size_t fl = sizeof(failed) - 1;

	if (n == 7 && memcmp(v, "SUCCESS", 7) == 0) {
		*out = PROXY_VERIFY_SUCCESS;
		return LIEN_OK;
	}
	if (n == 4 && memcmp(v, "NONE", 4) == 0) {
		*out = PROXY_VERIFY_NONE;
		return LIEN_OK;
	}
	if (n > fl && memcmp(v, failed, fl) == 0) {
		for (size_t i = fl; i < n; i++)
			if ((unsigned char)v[i] < 0x20 ||
			    (unsigned char)v[i] > 0x7e)
				return LIEN_EPARSE;
		*out = PROXY_VERIFY_FAILED;
		return LIEN_OK;
	}
	return LIEN_EPARSE;
}

static enum lien_status LIEN_MUST_CHECK
cert_take(const char *v, size_t n, struct proxy_info *out)
{
	struct cert *c = NULL;
	char *pem;
	size_t pem_len = 0;
	enum lien_status st;

	if (n > PROXY_CERT_HEADER_MAX)
		return LIEN_ETOOBIG;
	/* Unescaping never grows the text; CERT_TEXT_MAX caps what
	 * cert_parse_text accepts anyway. */
	if ((pem = malloc(n)) == NULL)
		return LIEN_ENOMEM;
	st = proxy_unescape(v, n, pem, n, &pem_len);
	if (st == LIEN_OK)
		st = cert_parse_text(pem, pem_len, &c);
	if (st == LIEN_OK) {
		cert_fingerprint(c, out->cert_fpr);
		out->has_cert = 1;
	}
	cert_free(c);
	free(pem);
	return st;
}

enum lien_status
proxy_info_get(int trust_proxy, const char *peer, size_t peer_len,
    const struct proxy_header *hs, size_t nh, struct proxy_info *out)
{
	const struct proxy_header *xff = NULL, *ver = NULL, *crt = NULL;
	enum lien_status st = LIEN_EINVAL;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (peer == NULL || peer_len > PROXY_ADDR_MAX || (hs == NULL && nh))
		return LIEN_EINVAL;
	memcpy(out->client_addr, peer, peer_len);
	out->client_addr[peer_len] = '\0';
	out->client_addr_len = peer_len;
	if (!trust_proxy || peer_len != sizeof(PROXY_PEER) - 1 ||
	    memcmp(peer, PROXY_PEER, peer_len) != 0)
		return LIEN_OK;		/* client-supplied: ignored */
	out->from_proxy = 1;
	st = LIEN_EPARSE;
	for (size_t i = 0; i < nh; i++) {
		const struct proxy_header **slot = NULL;

		if (name_eq(&hs[i], PROXY_H_FORWARDED_FOR))
			slot = &xff;
		else if (name_eq(&hs[i], PROXY_H_CLIENT_VERIFY))
			slot = &ver;
		else if (name_eq(&hs[i], PROXY_H_CLIENT_CERT))
			slot = &crt;
		if (slot == NULL)
			continue;
		if (*slot != NULL || hs[i].value == NULL ||
		    hs[i].value_len == 0)
			goto out;	/* nginx sends one, never empty */
		*slot = &hs[i];
	}
	if (xff != NULL &&
	    (st = xff_parse(xff->value, xff->value_len, out)) != LIEN_OK)
		goto out;
	st = LIEN_EPARSE;
	if (ver != NULL &&
	    (st = verify_parse(ver->value, ver->value_len, &out->verify)) !=
	    LIEN_OK)
		goto out;
	/* $ssl_client_escaped_cert is empty (so not sent) unless a
	 * certificate was presented, and with ssl_verify_client on only a
	 * verified one gets this far: cert present <=> SUCCESS. */
	st = LIEN_EPARSE;
	if ((crt != NULL) != (out->verify == PROXY_VERIFY_SUCCESS))
		goto out;
	if (crt != NULL &&
	    (st = cert_take(crt->value, crt->value_len, out)) != LIEN_OK)
		goto out;
	st = LIEN_OK;
out:
	if (st != LIEN_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

void
proxy_cert_fpr_hex(const struct proxy_info *info,
    char out[2 * CERT_FPR_LEN + 1])
{
	out[0] = '\0';
	if (info == NULL || !info->has_cert)
		return;
	hex_encode(info->cert_fpr, CERT_FPR_LEN, out);
}
