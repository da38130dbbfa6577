/*
 * crypto/csr: the subject parser (every accepted form, every refusal,
 * every prefix of a valid subject, oversize) and request creation for the
 * three key types (public key, empty subject and bad arguments refused).
 * The requests themselves are verified by independent code (openssl req
 * -verify, python3-cryptography) in tests/integration/test_cli_request.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/csr.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

static const char good[] =
    "/C=CN/ST=Fujian/L=Fuzhou/O=Example Bank Co., Ltd./OU=IT/OU=Ops/"
    "CN=Example Bank/serialNumber=91350100M000100Y43/"
    "organizationIdentifier=NTRCN-91350100M000100Y43";

static enum lien_status LIEN_MUST_CHECK
parse(const char *s, struct csr_subject *out)
{
	size_t at = 0;

	return csr_subject_parse(s, strlen(s), out, &at);
}

static void
test_csr_subject_parse_ok(void **state)
{
	struct csr_subject *subj = malloc(sizeof(*subj));

	(void)state;
	assert_non_null(subj);
	assert_int_equal(parse(good, subj), LIEN_OK);
	assert_int_equal(subj->nattrs, 9);
	assert_string_equal(subj->attrs[0].name, "C");
	assert_string_equal(subj->attrs[0].value, "CN");
	assert_string_equal(subj->attrs[3].value, "Example Bank Co., Ltd.");
	assert_string_equal(subj->attrs[8].name, "organizationIdentifier");
	assert_int_equal(subj->attrs[8].value_len, 24);
	/* Long names map to the short ones; '\' escapes the next byte. */
	assert_int_equal(parse("/commonName=A\\/B\\\\C", subj), LIEN_OK);
	assert_string_equal(subj->attrs[0].name, "CN");
	assert_string_equal(subj->attrs[0].value, "A/B\\C");
	/* UTF-8: 64 CJK characters are 64 characters, not 192 bytes. */
	{
		char s[8 + 64 * 3 + 1] = "/CN=";
		size_t n = 4;

		for (int i = 0; i < 64; i++) {
			memcpy(s + n, "\xe4\xb8\xad", 3);
			n += 3;
		}
		s[n] = '\0';
		assert_int_equal(parse(s, subj), LIEN_OK);
		memcpy(s + n - 3, "\xe4\xb8", 2);	/* truncated UTF-8 */
		s[n - 1] = '\0';
		assert_int_equal(parse(s, subj), LIEN_EPARSE);
	}
	free(subj);
}

static void
test_csr_subject_parse_refusals(void **state)
{
	static const struct {
		const char *s;
		enum lien_status want;
	} bad[] = {
		{ "", LIEN_EPARSE },
		{ "/", LIEN_EPARSE },
		{ "CN=A", LIEN_EPARSE },
		{ "/CN", LIEN_EPARSE },
		{ "/CN=", LIEN_ERANGE },		/* empty value */
		{ "/=A", LIEN_EPARSE },
		{ "/CN=A/", LIEN_EPARSE },
		{ "/CN=A//O=B", LIEN_EPARSE },
		{ "/CN=A\\", LIEN_EPARSE },
		{ "/CN=A/CN=B", LIEN_EPARSE },
		{ "/CN=a\x01", LIEN_EPARSE },
		{ "/CN=a\x7f", LIEN_EPARSE },
		{ "/CN=\xc0\xaf", LIEN_EPARSE },		/* overlong '/' */
		{ "/CN=\xed\xa0\x80", LIEN_EPARSE },	/* surrogate */
		{ "/CN=\xc2\x85", LIEN_EPARSE },		/* C1 control */
		{ "/CN=\xf4\x90\x80\x80", LIEN_EPARSE },	/* > U+10FFFF */
		{ "/C=cn", LIEN_EPARSE },
		{ "/C=C", LIEN_ERANGE },
		{ "/C=CHN", LIEN_ERANGE },
		{ "/serialNumber=a_b", LIEN_EPARSE },
		{ "/organizationIdentifier=NTRCN-\xe4\xb8\xad", LIEN_EPARSE },
		{ "/cn=A", LIEN_EUNSUPPORTED },
		{ "/emailAddress=a@b", LIEN_EUNSUPPORTED },
		{ "/CN=A/X=B", LIEN_EUNSUPPORTED },
	};
	struct csr_subject *subj = malloc(sizeof(*subj));

	(void)state;
	assert_non_null(subj);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(subj, 0xa5, sizeof(*subj));
		assert_int_equal(parse(bad[i].s, subj), bad[i].want);
		assert_int_equal(subj->nattrs, 0);	/* zeroed on failure */
	}
	assert_int_equal(csr_subject_parse(NULL, 1, subj, NULL), LIEN_EINVAL);
	assert_int_equal(csr_subject_parse("/CN=A", 5, NULL, NULL),
	    LIEN_EINVAL);
	free(subj);
}

/* Every prefix of a valid subject either parses (it ends after a
 * complete value) or is refused; none is read past its length. */
static void
test_csr_subject_parse_truncated(void **state)
{
	struct csr_subject *subj = malloc(sizeof(*subj));
	size_t len = strlen(good);

	(void)state;
	assert_non_null(subj);
	for (size_t n = 0; n < len; n++) {
		char *copy = malloc(n + 1);	/* exact size: ASan guards it */
		enum lien_status s;

		assert_non_null(copy);
		memcpy(copy, good, n);
		s = csr_subject_parse(copy, n, subj, NULL);
		if (n > 0 && good[n] == '/' && good[n - 1] != '=')
			assert_int_equal(s, LIEN_OK);
		else if (n == 0 || good[n - 1] == '=' || good[n - 1] == '/')
			assert_int_not_equal(s, LIEN_OK);
		free(copy);
	}
	free(subj);
}

static void
test_csr_subject_parse_oversize(void **state)
{
	struct csr_subject *subj = malloc(sizeof(*subj));
	char *s = malloc(CSR_SUBJECT_MAX + 2);
	char many[16 * 5 + 8] = "/CN=A";

	(void)state;
	assert_non_null(subj);
	assert_non_null(s);
	memset(s, 'a', CSR_SUBJECT_MAX + 1);
	memcpy(s, "/CN=", 4);
	s[CSR_SUBJECT_MAX + 1] = '\0';
	assert_int_equal(csr_subject_parse(s, CSR_SUBJECT_MAX + 1, subj, NULL),
	    LIEN_ETOOBIG);
	/* 65 characters of CN: over X.520's bound. */
	s[4 + 65] = '\0';
	assert_int_equal(parse(s, subj), LIEN_ERANGE);
	s[4 + 64] = '\0';
	assert_int_equal(parse(s, subj), LIEN_OK);
	/* 17 attributes. */
	for (int i = 0; i < 16; i++)
		strcat(many, "/OU=x");
	assert_int_equal(parse(many, subj), LIEN_ETOOBIG);
	many[strlen(many) - 5] = '\0';
	assert_int_equal(parse(many, subj), LIEN_OK);
	free(s);
	free(subj);
}

static void
test_csr_create_pem_all_algs(void **state)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	const enum pkey_alg algs[] = { PKEY_ED25519, PKEY_P256, PKEY_SM2 };
	struct csr_subject *subj = malloc(sizeof(*subj));

	(void)state;
	assert_non_null(subj);
	assert_int_equal(parse(good, subj), LIEN_OK);
	for (size_t i = 0; i < 3; i++) {
		struct pkey *key = NULL;
		char *pem = NULL, *pub = NULL, *pem2 = NULL;
		size_t len = 0, pub_len = 0, len2 = 0;
		struct pkey *pubkey = NULL;

		assert_int_equal(pkey_generate(algs[i], &key), LIEN_OK);
		assert_int_equal(csr_create_pem(key, subj, &pem, &len), LIEN_OK);
		assert_non_null(pem);
		assert_int_equal(strlen(pem), len);
		assert_memory_equal(pem, head, sizeof(head) - 1);
		assert_non_null(strstr(pem,
		    "-----END CERTIFICATE REQUEST-----\n"));
		/* Signatures are randomised for ECDSA/SM2, deterministic for
		 * Ed25519: a second request is the same only for Ed25519. */
		assert_int_equal(csr_create_pem(key, subj, &pem2, &len2),
		    LIEN_OK);
		if (algs[i] == PKEY_ED25519)
			assert_string_equal(pem, pem2);
		/* A public key cannot sign a request. */
		assert_int_equal(pkey_export_pem(key, 0, &pub, &pub_len),
		    LIEN_OK);
		assert_int_equal(pkey_from_pem(pub, pub_len, &pubkey), LIEN_OK);
		{
			char *x = (char *)1;
			size_t xl = 1;

			assert_int_equal(csr_create_pem(pubkey, subj, &x, &xl),
			    LIEN_EKEY);
			assert_null(x);
			assert_int_equal(xl, 0);
		}
		pkey_free(pubkey);
		pkey_pem_free(pub, pub_len);
		free(pem);
		free(pem2);
		pkey_free(key);
	}
	free(subj);
}

static void
test_csr_create_pem_bad_args(void **state)
{
	struct csr_subject *subj = calloc(1, sizeof(*subj));
	struct pkey *key = NULL;
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	assert_non_null(subj);
	assert_int_equal(pkey_generate(PKEY_ED25519, &key), LIEN_OK);
	/* Empty subject. */
	assert_int_equal(csr_create_pem(key, subj, &pem, &len), LIEN_EINVAL);
	assert_null(pem);
	/* A hand-built attribute with an unknown name. */
	subj->nattrs = 1;
	subj->attrs[0].name = "bogus";
	memcpy(subj->attrs[0].value, "x", 2);
	subj->attrs[0].value_len = 1;
	assert_int_equal(csr_create_pem(key, subj, &pem, &len), LIEN_EINVAL);
	/* OpenSSL's own string table still applies (C is 2 characters). */
	subj->attrs[0].name = "C";
	assert_int_equal(csr_create_pem(key, subj, &pem, &len), LIEN_EINVAL);
	assert_null(pem);
	assert_int_equal(csr_create_pem(NULL, subj, &pem, &len), LIEN_EINVAL);
	assert_int_equal(csr_create_pem(key, NULL, &pem, &len), LIEN_EINVAL);
	assert_int_equal(csr_create_pem(key, subj, NULL, &len), LIEN_EINVAL);
	pkey_free(key);
	free(subj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr_subject_parse_ok),
		cmocka_unit_test(test_csr_subject_parse_refusals),
		cmocka_unit_test(test_csr_subject_parse_truncated),
		cmocka_unit_test(test_csr_subject_parse_oversize),
		cmocka_unit_test(test_csr_create_pem_all_algs),
		cmocka_unit_test(test_csr_create_pem_bad_args),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
