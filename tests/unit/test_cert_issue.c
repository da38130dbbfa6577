/*
 * crypto/cert_issue: certificates issued for all three key types, checked
 * by crypto/cert (strict DER, chain to the issuer, key usage), and every
 * refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"
#include "crypto/cert_issue.h"
#include "crypto/sign.h"

#define NOW 1893456000	/* 2030-01-01 */

/* ---- CA and certificates --------------------------------------------------- */

struct ca {
	struct pkey *key;
	char *pem;
	size_t len;
};

static void
ca_make(enum pkey_alg alg, struct ca *ca)
{
	struct cert_issue_req is;

	memset(&is, 0, sizeof(is));
	is.is_ca = 1;
	is.not_before = NOW - 86400;
	is.not_after = NOW + 86400 * 365;
	is.subject.cn = "test CA";
	is.subject.c = "CN";
	assert_int_equal(pkey_generate(alg, &ca->key), LIEN_OK);
	assert_int_equal(cert_issue(ca->key, ca->key, NULL, 0, &is,
	    &ca->pem, &ca->len), LIEN_OK);
	assert_int_equal(ca->len, strlen(ca->pem));
}

static void
ca_free(struct ca *ca)
{
	pkey_free(ca->key);
	free(ca->pem);
}

static void
leaf_check(const struct ca *ca, enum pkey_alg alg)
{
	struct cert_trust_config cfg;
	struct cert_trust *t = NULL;
	struct cert *c = NULL;
	struct cert_info ci;
	struct cert_result res;
	struct pkey *leaf = NULL, *got = NULL, *other = NULL;
	struct cert_issue_req is;
	char *pem = NULL, keyid[CERT_KEYID_HEX_LEN + 1];
	size_t len = 0;
	uint8_t a[PKEY_FPR_LEN], b[PKEY_FPR_LEN];

	assert_int_equal(pkey_generate(alg, &leaf), LIEN_OK);
	memset(&is, 0, sizeof(is));
	is.not_before = NOW - 3600;
	is.not_after = NOW + 86400;
	is.subject.cn = "嘉兴示范银行";
	is.subject.o = "Demo Bank";
	is.subject.uscc = "91330400MA2B3C4D5E";
	is.subject.serial_number = "officer-jx-0001";
	assert_int_equal(cert_issue(leaf, ca->key, ca->pem, ca->len, &is,
	    &pem, &len), LIEN_OK);

	memset(&cfg, 0, sizeof(cfg));
	cfg.roots_pem = ca->pem;
	cfg.roots_len = ca->len;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_OK);
	assert_int_equal(cert_parse_text(pem, len, &c), LIEN_OK);
	assert_int_equal(cert_trust_verify(t, c, NOW, CERT_USAGE_SIGNER, &res,
	    &got), LIEN_OK);
	assert_int_equal(res.verdict, CERT_OK);
	pkey_fingerprint(leaf, a);
	pkey_fingerprint(got, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_string_equal(ci.cn, "嘉兴示范银行");
	assert_string_equal(ci.uscc, "91330400MA2B3C4D5E");
	assert_string_equal(ci.subject_sn, "officer-jx-0001");
	assert_int_equal(ci.key_alg, alg);
	assert_int_equal(ci.not_after, NOW + 86400);
	/* Outside its validity it does not verify. */
	assert_int_equal(cert_trust_verify(t, c, NOW + 2 * 86400,
	    CERT_USAGE_SIGNER, &res, NULL), LIEN_EVERIFY);
	assert_int_equal(res.verdict, CERT_EXPIRED);

	assert_int_equal(cert_key_check(c, leaf), LIEN_OK);
	assert_int_equal(pkey_generate(alg, &other), LIEN_OK);
	assert_int_equal(cert_key_check(c, other), LIEN_EKEY);
	cert_keyid_hex(c, keyid);
	assert_int_equal(strlen(keyid), CERT_KEYID_HEX_LEN);

	pkey_free(other);
	pkey_free(got);
	pkey_free(leaf);
	cert_free(c);
	cert_trust_free(t);
	free(pem);
}

static void
test_cert_issue_all_types(void **state)
{
	static const enum pkey_alg algs[] = { PKEY_ED25519, PKEY_P256,
		PKEY_SM2 };

	(void)state;
	/* Every CA type issues every leaf type. */
	for (size_t i = 0; i < 3; i++) {
		struct ca ca;

		ca_make(algs[i], &ca);
		for (size_t j = 0; j < 3; j++)
			leaf_check(&ca, algs[j]);
		ca_free(&ca);
	}
}

static void
test_cert_issue_refusals(void **state)
{
	struct ca ca, other;
	struct pkey *leaf = NULL, *pub = NULL;
	struct cert_issue_req is;
	char *pem = (char *)1, *pub_pem = NULL;
	size_t len = 7, pub_len = 0;

	(void)state;
	ca_make(PKEY_ED25519, &ca);
	ca_make(PKEY_P256, &other);
	assert_int_equal(pkey_generate(PKEY_ED25519, &leaf), LIEN_OK);
	memset(&is, 0, sizeof(is));
	is.not_before = NOW;
	is.not_after = NOW + 10;
	is.subject.cn = "x";
	/* self-signed leaf */
	assert_int_equal(cert_issue(leaf, leaf, NULL, 0, &is, &pem, &len),
	    LIEN_EINVAL);
	assert_null(pem);
	assert_int_equal(len, 0);
	/* self-signed CA over someone else's key */
	is.is_ca = 1;
	assert_int_equal(cert_issue(leaf, ca.key, NULL, 0, &is, &pem,
	    &len), LIEN_EINVAL);
	/* intermediates are not offered */
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.is_ca = 0;
	/* issuer key is not the issuer certificate's */
	assert_int_equal(cert_issue(leaf, other.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	/* times */
	is.not_after = is.not_before;
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.not_after = NOW + 10;
	/* no CN; bad country; bad credit code shape */
	is.subject.cn = NULL;
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.cn = "x";
	is.subject.c = "cn";
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.c = NULL;
	is.subject.uscc = "91330400MA2B3C4D5";
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.uscc = "91330400ma2b3c4d5e";
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.uscc = NULL;
	/* serialNumber: 1..64 PrintableString characters */
	is.subject.serial_number = "";
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.serial_number = "officer_0001";	/* '_' not printable */
	assert_int_equal(cert_issue(leaf, ca.key, ca.pem, ca.len, &is,
	    &pem, &len), LIEN_EINVAL);
	is.subject.serial_number = NULL;
	/* a public-only issuer key */
	assert_int_equal(pkey_export_pem(ca.key, 0, &pub_pem, &pub_len),
	    LIEN_OK);
	assert_int_equal(pkey_from_pem(pub_pem, pub_len, &pub), LIEN_OK);
	assert_int_equal(cert_issue(leaf, pub, ca.pem, ca.len, &is, &pem,
	    &len), LIEN_EKEY);
	/* a malformed issuer certificate */
	assert_int_equal(cert_issue(leaf, ca.key, "garbage", 7, &is, &pem,
	    &len), LIEN_EPARSE);
	pkey_pem_free(pub_pem, pub_len);
	pkey_free(pub);
	pkey_free(leaf);
	ca_free(&ca);
	ca_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_issue_all_types),
		cmocka_unit_test(test_cert_issue_refusals),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
