/*
 * crypto/pem: the strict RFC 7468 reader. Honest blocks (ours and
 * OpenSSL's writer output) pass and round-trip to the same bytes; every
 * other spelling is refused: empty, truncated at every byte, trailing
 * bytes, a bit flip in every byte, wrong or mismatched label, oversize,
 * and each way base64 or the line structure can be loose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "crypto/pem.h"

static uint8_t g_der[200];

static char *
encode(const char *label, size_t der_len, size_t *len)
{
	char *p = NULL;
	enum lien_status st = pem_encode(label, g_der, der_len, &p, len);

	assert_int_equal(st, LIEN_OK);
	assert_non_null(p);
	return p;
}

/* pem_decode's verdict on s (NUL-terminated). */
static enum lien_status LIEN_MUST_CHECK
decode(const char *s, const char *label)
{
	uint8_t *der;
	size_t n;
	enum lien_status st = pem_decode(s, strlen(s), label, 4096, &der, &n);

	if (st == LIEN_OK)
		free(der);
	else
		assert_null(der);
	return st;
}

/* s with the first occurrence of from replaced by to; caller frees. */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t fl = strlen(from), tl = strlen(to), n = strlen(s);
	char *r;

	assert_non_null(at);
	assert_non_null(r = malloc(n - fl + tl + 1));
	memcpy(r, s, (size_t)(at - s));
	memcpy(r + (at - s), to, tl);
	memcpy(r + (at - s) + tl, at + fl, n - (size_t)(at - s) - fl + 1);
	return r;
}

static int
setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof g_der; i++)
		g_der[i] = (uint8_t)(i * 37u + 11u);
	return 0;
}

static void
test_pem_roundtrip_sizes(void **state)
{
	(void)state;
	/* Every body length from one quantum to several lines, each
	 * padding case. */
	for (size_t n = 1; n <= sizeof g_der; n++) {
		size_t len, dl;
		char *p = encode("CERTIFICATE", n, &len);
		uint8_t *der;

		assert_int_equal(strlen(p), len);
		assert_int_equal(pem_decode(p, len, "CERTIFICATE", n, &der,
		    &dl), LIEN_OK);
		assert_int_equal(dl, n);
		assert_memory_equal(der, g_der, n);
		free(der);
		/* Without the final LF too; one byte over der_max is not. */
		assert_int_equal(pem_decode(p, len - 1, "CERTIFICATE", n, &der,
		    &dl), LIEN_OK);
		free(der);
		assert_int_equal(pem_decode(p, len, "CERTIFICATE", n - 1, &der,
		    &dl), LIEN_ETOOBIG);
		assert_null(der);
		free(p);
	}
}

/* OpenSSL's PEM writer produces exactly our one spelling. */
static void
test_pem_openssl_output_is_canonical(void **state)
{
	char *text, *again;
	size_t len, dl, al;
	uint8_t *der;

	(void)state;
	assert_int_equal(file_read(LIEN_VECTORS "/proxy/client.pem", 1u << 16,
	    &text, &len), LIEN_OK);
	assert_int_equal(pem_decode(text, len, "CERTIFICATE", 8192, &der, &dl),
	    LIEN_OK);
	assert_int_equal(pem_encode("CERTIFICATE", der, dl, &again, &al),
	    LIEN_OK);
	assert_int_equal(al, len);
	assert_memory_equal(again, text, len);
	free(again);
	free(der);
	free(text);
}

static void
test_pem_empty_truncated_trailing(void **state)
{
	size_t len;
	char *p = encode("PUBLIC KEY", 100, &len), *buf;
	uint8_t *der;
	size_t dl;

	(void)state;
	assert_int_equal(pem_decode("", 0, "PUBLIC KEY", 4096, &der, &dl),
	    LIEN_EPARSE);
	/* Every prefix but the whole text and the text without its final
	 * LF is refused. */
	for (size_t n = 0; n + 1 < len; n++) {
		assert_int_equal(pem_decode(p, n, "PUBLIC KEY", 4096, &der,
		    &dl), LIEN_EPARSE);
		assert_null(der);
	}
	/* Trailing bytes of any kind. */
	static const char *const tails[] = { "\n", "x", " ", "\r\n", "\t",
		"-----BEGIN PUBLIC KEY-----\n", "\0" };
	assert_non_null(buf = malloc(len + 64));
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		size_t tl = i + 1 == sizeof tails / sizeof tails[0] ? 1 :
		    strlen(tails[i]);

		memcpy(buf, p, len);
		memcpy(buf + len, tails[i], tl);
		assert_int_equal(pem_decode(buf, len + tl, "PUBLIC KEY", 4096,
		    &der, &dl), LIEN_EPARSE);
	}
	/* Leading bytes too. */
	buf[0] = '\n';
	memcpy(buf + 1, p, len);
	assert_int_equal(pem_decode(buf, len + 1, "PUBLIC KEY", 4096, &der,
	    &dl), LIEN_EPARSE);
	free(buf);
	free(p);
}

static void
test_pem_bitflip_each_byte(void **state)
{
	size_t len, dl;
	char *p = encode("PRIVATE KEY", 120, &len);
	uint8_t *der;

	(void)state;
	/* A flipped bit either breaks the text or decodes to other bytes;
	 * never the same DER under another spelling. */
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			p[i] = (char)((unsigned char)p[i] ^ (1u << bit));
			if (pem_decode(p, len, "PRIVATE KEY", 4096, &der,
			    &dl) == LIEN_OK) {
				assert_true(dl != 120 ||
				    memcmp(der, g_der, 120) != 0);
				free(der);
			}
			p[i] = (char)((unsigned char)p[i] ^ (1u << bit));
		}
	}
	free(p);
}

static void
test_pem_labels(void **state)
{
	size_t len;
	char *p = encode("X509 CRL", 60, &len), *q;

	(void)state;
	assert_int_equal(decode(p, "X509 CRL"), LIEN_OK);
	assert_int_equal(decode(p, "CERTIFICATE"), LIEN_EPARSE);
	/* END label differs from BEGIN. */
	q = subst(p, "END X509 CRL", "END X509 CRX");
	assert_int_equal(decode(q, "X509 CRL"), LIEN_EPARSE);
	free(q);
	/* Label grammar: no double space, no leading or trailing
	 * separator, no lower-level mismatch of case. */
	q = subst(p, "BEGIN X509 CRL", "BEGIN X509  CRL");
	assert_int_equal(decode(q, "X509  CRL"), LIEN_EPARSE);
	free(q);
	q = subst(p, "BEGIN X509 CRL", "BEGIN x509 CRL");
	assert_int_equal(decode(q, "X509 CRL"), LIEN_EPARSE);
	free(q);
	q = subst(p, "-----BEGIN X509 CRL-----", "-----BEGIN  X509 CRL-----");
	assert_int_equal(decode(q, "X509 CRL"), LIEN_EPARSE);
	free(q);
	q = subst(p, "X509 CRL-----\n", "X509 CRL----- \n");
	assert_int_equal(decode(q, "X509 CRL"), LIEN_EPARSE);
	free(q);
	free(p);
}

/* Encoding refuses what decoding would refuse. */
static void
test_pem_encode_refuses(void **state)
{
	char big[PEM_LABEL_MAX + 2], *e = NULL;
	size_t len;

	(void)state;
	assert_int_equal(pem_encode("", g_der, 1, &e, &len), LIEN_EINVAL);
	assert_int_equal(pem_encode("A  B", g_der, 1, &e, &len), LIEN_EINVAL);
	assert_int_equal(pem_encode("-AB", g_der, 1, &e, &len), LIEN_EINVAL);
	assert_int_equal(pem_encode("CERTIFICATE", g_der, 0, &e, &len),
	    LIEN_EINVAL);
	assert_null(e);
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(pem_encode(big, g_der, 1, &e, &len), LIEN_EINVAL);
	big[PEM_LABEL_MAX] = '\0';
	assert_int_equal(pem_encode(big, g_der, 1, &e, &len), LIEN_OK);
	assert_int_equal(decode(e, big), LIEN_OK);
	free(e);
}

/* Each loose spelling that a lenient reader would take. The block has
 * 150 bytes of DER: 200 base64 characters, lines of 64, 64, 64 and 8. */
static void
test_pem_not_strict(void **state)
{
	size_t len;
	char *p = encode("CERTIFICATE", 150, &len);
	char l1[65], l2[65], alt[200];
	const char *body = strchr(p, '\n') + 1;

	(void)state;
	memcpy(l1, body, 64);
	l1[64] = '\0';
	memcpy(l2, body + 65, 64);
	l2[64] = '\0';
	assert_int_equal(decode(p, "CERTIFICATE"), LIEN_OK);

#define REFUSED(from, to) do {						\
		char *r_ = subst(p, (from), (to));			\
		assert_int_equal(decode(r_, "CERTIFICATE"), LIEN_EPARSE); \
		free(r_);						\
	} while (0)

	/* A blank line inside, or before END. */
	REFUSED("\n-----END", "\n\n-----END");
	/* An RFC 1421 header (encrypted keys). */
	REFUSED("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n");
	/* Whitespace at a line's end or start, a tab inside. */
	(void)snprintf(alt, sizeof alt, "%s ", l1);
	REFUSED(l1, alt);
	(void)snprintf(alt, sizeof alt, " %s", l1);
	REFUSED(l1, alt);
	(void)snprintf(alt, sizeof alt, "%.32s\t%s", l1, l1 + 32);
	REFUSED(l1, alt);
	/* The same base64 wrapped otherwise: 60 + 4, or two lines as one
	 * line of 128. */
	(void)snprintf(alt, sizeof alt, "%.60s\n%s", l1, l1 + 60);
	REFUSED(l1, alt);
	{
		char two[140], one[140];

		(void)snprintf(two, sizeof two, "%s\n%s", l1, l2);
		(void)snprintf(one, sizeof one, "%s%s", l1, l2);
		REFUSED(two, one);
	}
	/* CR LF in one line, LF in the others; a lone CR as a break. */
	REFUSED("-----\n", "-----\r\n");
	REFUSED("-----\n", "-----\r");
	/* base64: URL-safe alphabet, '=' inside the body. */
	memcpy(alt, l1, 65);
	alt[10] = '-';
	REFUSED(l1, alt);
	memcpy(alt, l1, 65);
	alt[62] = '=';
	alt[63] = '=';
	REFUSED(l1, alt);
#undef REFUSED
	free(p);

	/* Non-zero pad bits (1 byte -> "xx==": the second character's low
	 * four bits are padding) and missing padding. */
	{
		char *one = encode("CERTIFICATE", 1, &len), *r;
		size_t at = (size_t)(strstr(one, "==") - one);

		r = subst(one, "==\n", "\n");
		assert_int_equal(decode(r, "CERTIFICATE"), LIEN_EPARSE);
		free(r);
		/* 0x0b is "Cw==": 'w' is 48, low bits zero; 'v' is 47. */
		assert_int_equal(one[at - 1], 'w');
		one[at - 1] = 'v';
		assert_int_equal(decode(one, "CERTIFICATE"), LIEN_EPARSE);
		free(one);
	}
}

static void
test_pem_crlf_block(void **state)
{
	size_t len;
	char *p = encode("CERTIFICATE", 150, &len), *q;
	size_t n = 0;

	(void)state;
	/* The same block with every LF a CRLF is the other accepted EOL. */
	assert_non_null(q = malloc(2 * len + 1));
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n')
			q[n++] = '\r';
		q[n++] = p[i];
	}
	q[n] = '\0';
	assert_int_equal(decode(q, "CERTIFICATE"), LIEN_OK);
	free(q);
	free(p);
}

static void
test_pem_next_bundles(void **state)
{
	size_t la, lb, pos = 0;
	char *a = encode("CERTIFICATE", 10, &la);
	char *b = encode("CERTIFICATE", 20, &lb);
	char *bundle = malloc(la + lb + 8);
	struct pem_block blk;
	size_t n;

	(void)state;
	assert_non_null(bundle);
	/* a, two blank lines, b, a blank line. */
	n = 0;
	memcpy(bundle + n, a, la), n += la;
	memcpy(bundle + n, "\n\r\n", 3), n += 3;
	memcpy(bundle + n, b, lb), n += lb;
	memcpy(bundle + n, "\n", 1), n += 1;
	assert_int_equal(pem_next(bundle, n, &pos, 100, &blk), LIEN_OK);
	assert_int_equal(blk.der_len, 10);
	assert_string_equal(blk.label, "CERTIFICATE");
	pem_block_clear(&blk);
	assert_int_equal(pem_next(bundle, n, &pos, 100, &blk), LIEN_OK);
	assert_int_equal(blk.der_len, 20);
	pem_block_clear(&blk);
	assert_int_equal(pem_next(bundle, n, &pos, 100, &blk), LIEN_ENOTFOUND);
	assert_int_equal(pos, n);
	/* Text between blocks stops the bundle; pos stays at the failure. */
	n = 0;
	memcpy(bundle + n, a, la), n += la;
	memcpy(bundle + n, "# b\n", 4), n += 4;
	memcpy(bundle + n, b, lb), n += lb;
	pos = 0;
	assert_int_equal(pem_next(bundle, n, &pos, 100, &blk), LIEN_OK);
	pem_block_clear(&blk);
	assert_int_equal(pos, la);
	assert_int_equal(pem_next(bundle, n, &pos, 100, &blk), LIEN_EPARSE);
	assert_int_equal(pos, la);
	assert_null(blk.der);
	/* Oversize in a bundle. */
	pos = 0;
	assert_int_equal(pem_next(bundle, n, &pos, 9, &blk), LIEN_ETOOBIG);
	assert_int_equal(pos, 0);
	/* Empty bundle. */
	pos = 0;
	assert_int_equal(pem_next("", 0, &pos, 9, &blk), LIEN_ENOTFOUND);
	free(bundle);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_roundtrip_sizes),
		cmocka_unit_test(test_pem_openssl_output_is_canonical),
		cmocka_unit_test(test_pem_empty_truncated_trailing),
		cmocka_unit_test(test_pem_bitflip_each_byte),
		cmocka_unit_test(test_pem_labels),
		cmocka_unit_test(test_pem_encode_refuses),
		cmocka_unit_test(test_pem_not_strict),
		cmocka_unit_test(test_pem_crlf_block),
		cmocka_unit_test(test_pem_next_bundles),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
