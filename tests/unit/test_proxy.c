/*
 * Unit tests for httpd/proxy.c: which proxy headers are believed, from whom,
 * and the strict reading of X-Forwarded-For, X-Client-Verify and
 * X-Client-Cert. The certificate and its escaped form are what Debian's
 * nginx really forwarded (tests/vectors/proxy/README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "httpd/proxy.h"
#include "common/hex.h"
#include "crypto/cert.h"
#include "tests/unit/test_util.h"

static char *esc, *pem;
static size_t esc_len, pem_len;
static uint8_t want_fpr[CERT_FPR_LEN];

static char *
slurp(const char *name, size_t *len)
{
	return tu_read(LIEN_VECTORS "/proxy", name, len);
}

static int
setup(void **state)
{
	struct cert *c = NULL;

	(void)state;
	esc = slurp("client.escaped", &esc_len);
	while (esc_len > 0 && esc[esc_len - 1] == '\n')
		esc[--esc_len] = '\0';	/* the file's newline, not the value */
	pem = slurp("client.pem", &pem_len);
	assert_int_equal(cert_parse_text(pem, pem_len, &c), LIEN_OK);
	cert_fingerprint(c, want_fpr);
	cert_free(c);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(esc);
	free(pem);
	return 0;
}

static struct proxy_header
H(const char *name, const char *value)
{
	struct proxy_header h;

	h.name = name;
	h.name_len = strlen(name);
	h.value = value;
	h.value_len = value ? strlen(value) : 0;
	return h;
}

static struct proxy_header
HN(const char *name, const char *value, size_t len)
{
	struct proxy_header h = H(name, NULL);

	h.value = value;
	h.value_len = len;
	return h;
}

static enum lien_status LIEN_MUST_CHECK
get(int trust, const char *peer, const struct proxy_header *hs, size_t n,
    struct proxy_info *out)
{
	return proxy_info_get(trust, peer, strlen(peer), hs, n, out);
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* The three headers as nginx's write listener sends them. */
static void
nginx_headers(struct proxy_header hs[4])
{
	hs[0] = H("Host", "registry.example:8443");
	hs[1] = H("X-Forwarded-For", "203.0.113.7");
	hs[2] = H("X-Client-Verify", "SUCCESS");
	hs[3] = HN("X-Client-Cert", esc, esc_len);
}

static void
test_proxy_info_get_nginx(void **state)
{
	struct proxy_header hs[4];
	struct proxy_info pi;
	char hex[2 * CERT_FPR_LEN + 1];
	uint8_t got_fpr[CERT_FPR_LEN];

	(void)state;
	nginx_headers(hs);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_OK);
	assert_int_equal(pi.from_proxy, 1);
	assert_string_equal(pi.client_addr, "203.0.113.7");
	assert_int_equal(pi.client_addr_len, 11);
	assert_int_equal(pi.verify, PROXY_VERIFY_SUCCESS);
	assert_int_equal(pi.has_cert, 1);
	assert_memory_equal(pi.cert_fpr, want_fpr, CERT_FPR_LEN);
	proxy_cert_fpr_hex(&pi, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(hex_decode(hex, strlen(hex), got_fpr, CERT_FPR_LEN),
	    LIEN_OK);
	assert_memory_equal(got_fpr, want_fpr, CERT_FPR_LEN);
	/* Header names are case-insensitive. */
	hs[1] = H("x-forwarded-for", "2001:db8::1");
	hs[2] = H("X-CLIENT-VERIFY", "SUCCESS");
	hs[3] = HN("x-client-cert", esc, esc_len);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_OK);
	assert_string_equal(pi.client_addr, "2001:db8::1");
	assert_int_equal(pi.has_cert, 1);
}

static void
test_proxy_info_get_untrusted_ignored(void **state)
{
	static const char *const peers[] = { "10.0.0.1", "127.0.0.2",
		"127.0.0.10", "0.0.0.0", "::1" };
	struct proxy_header hs[4];
	struct proxy_info pi;

	(void)state;
	/* Forged and even malformed headers are ignored, never an error,
	 * when the flag is off or the peer is not the proxy. */
	hs[0] = H("X-Forwarded-For", "not an address");
	hs[1] = H("X-Client-Verify", "SUCCESS");
	hs[2] = H("X-Client-Cert", "forged");
	hs[3] = H("X-Client-Cert", "twice");
	assert_int_equal(get(0, "127.0.0.1", hs, 4, &pi), LIEN_OK);
	assert_int_equal(pi.from_proxy, 0);
	assert_string_equal(pi.client_addr, "127.0.0.1");
	assert_int_equal(pi.verify, PROXY_VERIFY_ABSENT);
	assert_int_equal(pi.has_cert, 0);
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		assert_int_equal(get(1, peers[i], hs, 4, &pi), LIEN_OK);
		assert_int_equal(pi.from_proxy, 0);
		assert_string_equal(pi.client_addr, peers[i]);
		assert_int_equal(pi.has_cert, 0);
		assert_int_equal(pi.verify, PROXY_VERIFY_ABSENT);
	}
	/* A peer compared as bytes: "127.0.0.1" followed by junk is not
	 * the proxy. */
	assert_int_equal(proxy_info_get(1, "127.0.0.1x", 10, hs, 4, &pi),
	    LIEN_OK);
	assert_int_equal(pi.from_proxy, 0);
}

static void
test_proxy_info_get_absent_headers(void **state)
{
	struct proxy_header hs[1];
	struct proxy_info pi;

	(void)state;
	/* A local client talking to lienlogd directly (demo seeder). */
	hs[0] = H("Host", "127.0.0.1:8080");
	assert_int_equal(get(1, "127.0.0.1", hs, 1, &pi), LIEN_OK);
	assert_int_equal(pi.from_proxy, 1);
	assert_string_equal(pi.client_addr, "127.0.0.1");
	assert_int_equal(pi.verify, PROXY_VERIFY_ABSENT);
	assert_int_equal(pi.has_cert, 0);
	assert_int_equal(get(1, "127.0.0.1", NULL, 0, &pi), LIEN_OK);
	/* The public listener: no certificate, only the address. */
	hs[0] = H("X-Forwarded-For", "198.51.100.9");
	assert_int_equal(get(1, "127.0.0.1", hs, 1, &pi), LIEN_OK);
	assert_string_equal(pi.client_addr, "198.51.100.9");
	/* Verify NONE (ssl_verify_client optional, nothing sent). */
	{
		struct proxy_header h2[2] = { H("X-Client-Verify", "NONE"),
			H("X-Forwarded-For", "198.51.100.9") };

		assert_int_equal(get(1, "127.0.0.1", h2, 2, &pi), LIEN_OK);
		assert_int_equal(pi.verify, PROXY_VERIFY_NONE);
		h2[0] = H("X-Client-Verify", "FAILED:certificate revoked");
		assert_int_equal(get(1, "127.0.0.1", h2, 2, &pi), LIEN_OK);
		assert_int_equal(pi.verify, PROXY_VERIFY_FAILED);
		assert_int_equal(pi.has_cert, 0);
	}
}

static void
test_proxy_info_get_xff(void **state)
{
	static const struct { const char *v; const char *want; } ok[] = {
		{ "203.0.113.7", "203.0.113.7" },
		{ "10.6.6.6, 203.0.113.7", "203.0.113.7" },
		/* Earlier elements are the client's claims: not parsed. */
		{ "garbage, also garbage, 203.0.113.7", "203.0.113.7" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
		{ "2001:db8:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:1" },
	};
	static const char *const bad[] = { "1.2.3", "1.2.3.4.5", "a.b.c.d",
		"1.2.3.4 ", " 1.2.3.4", "1.2.3.4,", "1.2.3.4, ", "1.2.3.4,5.6.7.8",
		"1.2.3.4,  5.6.7.8", "256.1.1.1", "01.2.3.4x", "[::1]",
		"1.2.3.4:80", "unknown", "2001:db8::1::2",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255x" };
	struct proxy_header h;
	struct proxy_info pi;
	char big[PROXY_XFF_MAX + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		h = H("X-Forwarded-For", ok[i].v);
		assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_OK);
		assert_string_equal(pi.client_addr, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = H("X-Forwarded-For", bad[i]);
		pi.from_proxy = 7;
		assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_EPARSE);
		assert_true(all_zero(&pi, sizeof(pi)));
	}
	/* Empty value, embedded NUL. */
	h = HN("X-Forwarded-For", "", 0);
	assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_EPARSE);
	h = HN("X-Forwarded-For", "1.2.3.4\0" "5", 9);
	assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_EPARSE);
	/* Oversize list. */
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 13, ", 203.0.113.7", 13);
	h = HN("X-Forwarded-For", big, sizeof(big));
	assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_ETOOBIG);
	h = HN("X-Forwarded-For", big + 16, PROXY_XFF_MAX);
	assert_int_equal(get(1, "127.0.0.1", &h, 1, &pi), LIEN_OK);
	assert_string_equal(pi.client_addr, "203.0.113.7");
}

static void
test_proxy_info_get_verify_bad(void **state)
{
	static const char *const bad[] = { "success", "Success", "SUCCESS ",
		" SUCCESS", "FAILED", "FAILED:", "OK", "none", "NONE:",
		"FAILED:\x01", "FAILED:\x7f" };
	struct proxy_header hs[2];
	struct proxy_info pi;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hs[0] = H("X-Client-Verify", bad[i]);
		assert_int_equal(get(1, "127.0.0.1", hs, 1, &pi), LIEN_EPARSE);
		assert_true(all_zero(&pi, sizeof(pi)));
	}
	hs[0] = HN("X-Client-Verify", "SUCCESS\0", 8);
	assert_int_equal(get(1, "127.0.0.1", hs, 1, &pi), LIEN_EPARSE);
}

static void
test_proxy_info_get_duplicates_and_empty(void **state)
{
	static const char *const names[] = { "X-Forwarded-For",
		"X-Client-Verify", "X-Client-Cert" };
	struct proxy_header hs[5];
	struct proxy_info pi;

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		/* Twice: refused, whatever the values. */
		nginx_headers(hs);
		hs[4] = hs[k + 1];
		hs[4].name = k == 0 ? "x-forwarded-for" : hs[4].name;
		assert_int_equal(get(1, "127.0.0.1", hs, 5, &pi), LIEN_EPARSE);
		assert_true(all_zero(&pi, sizeof(pi)));
		/* Empty: nginx never sends an empty header. */
		nginx_headers(hs);
		hs[k + 1] = HN(names[k], "", 0);
		assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
		hs[k + 1] = HN(names[k], NULL, 0);
		assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	}
}

static void
test_proxy_info_get_cert_consistency(void **state)
{
	struct proxy_header hs[4];
	struct proxy_info pi;

	(void)state;
	/* A certificate without SUCCESS, SUCCESS without a certificate. */
	nginx_headers(hs);
	hs[2] = H("X-Client-Verify", "NONE");
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	hs[2] = H("X-Client-Verify", "FAILED:unable to get issuer");
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	nginx_headers(hs);
	assert_int_equal(get(1, "127.0.0.1", hs, 3, &pi), LIEN_EPARSE);
	/* The certificate alone. */
	hs[2] = hs[3];
	assert_int_equal(get(1, "127.0.0.1", hs, 3, &pi), LIEN_EPARSE);
	assert_true(all_zero(&pi, sizeof(pi)));
}

static void
test_proxy_info_get_cert_bad(void **state)
{
	struct proxy_header hs[4];
	struct proxy_info pi;
	char *buf;
	size_t n;

	(void)state;
	buf = malloc(PROXY_CERT_HEADER_MAX + 64);
	assert_non_null(buf);
	/* Not a certificate at all. */
	nginx_headers(hs);
	hs[3] = H("X-Client-Cert", "forged");
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	/* Lower-case hex, a bare '%', a '%' at the end, a bad digit. */
	for (int k = 0; k < 4; k++) {
		const char *p = strstr(esc, "%0A");

		assert_non_null(p);
		memcpy(buf, esc, esc_len);
		n = esc_len;
		if (k == 0) {
			buf[p - esc + 2] = 'a';
		} else if (k == 1) {
			buf[p - esc + 1] = 'G';
		} else if (k == 2) {
			buf[n++] = '%';
		} else {
			buf[n++] = '%';
			buf[n++] = '0';
		}
		hs[3] = HN("X-Client-Cert", buf, n);
		assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
		assert_true(all_zero(&pi, sizeof(pi)));
	}
	/* Trailing bytes after the certificate; two certificates. */
	memcpy(buf, esc, esc_len);
	memcpy(buf + esc_len, "junk", 4);
	hs[3] = HN("X-Client-Cert", buf, esc_len + 4);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	memcpy(buf + esc_len, esc, esc_len);
	hs[3] = HN("X-Client-Cert", buf, 2 * esc_len);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_EPARSE);
	/* Every truncation. The one exception is cutting exactly the
	 * final escaped newline ("%0A"), which PEM (RFC 7468) makes
	 * optional: the same certificate. */
	assert_true(esc_len > 3 && memcmp(esc + esc_len - 3, "%0A", 3) == 0);
	for (size_t cut = 1; cut < esc_len; cut++) {
		enum lien_status st;

		hs[3] = HN("X-Client-Cert", esc, cut);
		st = get(1, "127.0.0.1", hs, 4, &pi);
		if (cut == esc_len - 3) {
			assert_int_equal(st, LIEN_OK);
			assert_memory_equal(pi.cert_fpr, want_fpr,
			    CERT_FPR_LEN);
			continue;
		}
		assert_int_not_equal(st, LIEN_OK);
		assert_true(all_zero(&pi, sizeof(pi)));
	}
	/* A bit flip in each byte: refused, or (a flip inside the
	 * signature's base64 still parses: nginx verified the chain, we do
	 * not) a different certificate -- never the same fingerprint. */
	for (size_t i = 0; i < esc_len; i++) {
		enum lien_status st;

		memcpy(buf, esc, esc_len);
		buf[i] = (char)(buf[i] ^ 0x01);
		hs[3] = HN("X-Client-Cert", buf, esc_len);
		st = get(1, "127.0.0.1", hs, 4, &pi);
		if (st == LIEN_OK)
			assert_memory_not_equal(pi.cert_fpr, want_fpr,
			    CERT_FPR_LEN);
		else
			assert_true(all_zero(&pi, sizeof(pi)));
	}
	/* Oversize. */
	memset(buf, 'A', PROXY_CERT_HEADER_MAX + 1);
	hs[3] = HN("X-Client-Cert", buf, PROXY_CERT_HEADER_MAX + 1);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_ETOOBIG);
	hs[3] = HN("X-Client-Cert", buf, PROXY_CERT_HEADER_MAX);
	assert_int_equal(get(1, "127.0.0.1", hs, 4, &pi), LIEN_ETOOBIG);
	free(buf);
}

static void
test_proxy_info_get_args(void **state)
{
	struct proxy_info pi;
	char longpeer[PROXY_ADDR_MAX + 2];

	(void)state;
	assert_int_equal(proxy_info_get(1, NULL, 0, NULL, 0, &pi),
	    LIEN_EINVAL);
	assert_int_equal(proxy_info_get(1, "127.0.0.1", 9, NULL, 3, &pi),
	    LIEN_EINVAL);
	assert_int_equal(proxy_info_get(1, "127.0.0.1", 9, NULL, 0, NULL),
	    LIEN_EINVAL);
	memset(longpeer, '1', sizeof(longpeer));
	assert_int_equal(proxy_info_get(0, longpeer, sizeof(longpeer), NULL,
	    0, &pi), LIEN_EINVAL);
	assert_true(all_zero(&pi, sizeof(pi)));
}

static void
test_proxy_unescape_cases(void **state)
{
	char out[64];
	size_t n = 99;

	(void)state;
	assert_int_equal(proxy_unescape("", 0, out, sizeof(out), &n), LIEN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(proxy_unescape("a%20b%0A%2B", 11, out, sizeof(out),
	    &n), LIEN_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a b\n+", 5);
	assert_int_equal(proxy_unescape("%00", 3, out, sizeof(out), &n),
	    LIEN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(proxy_unescape("%2b", 3, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(proxy_unescape("%2", 2, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(proxy_unescape("%", 1, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(proxy_unescape("abc", 3, out, 2, &n), LIEN_ETOOBIG);
	assert_true(all_zero(out, 2));
	assert_int_equal(proxy_unescape("%41%42", 6, out, 2, &n), LIEN_OK);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_info_get_nginx),
		cmocka_unit_test(test_proxy_info_get_untrusted_ignored),
		cmocka_unit_test(test_proxy_info_get_absent_headers),
		cmocka_unit_test(test_proxy_info_get_xff),
		cmocka_unit_test(test_proxy_info_get_verify_bad),
		cmocka_unit_test(test_proxy_info_get_duplicates_and_empty),
		cmocka_unit_test(test_proxy_info_get_cert_consistency),
		cmocka_unit_test(test_proxy_info_get_cert_bad),
		cmocka_unit_test(test_proxy_info_get_args),
		cmocka_unit_test(test_proxy_unescape_cases),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
