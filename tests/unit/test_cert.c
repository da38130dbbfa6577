/*
 * Unit tests for crypto/cert. The group setup runs
 * tests/vectors/certs/mkcerts.sh (openssl CLI) into a fresh temporary
 * directory: a P-256 root and intermediate with Ed25519 and P-256 leaves,
 * an SM2-with-SM3 root and leaves (one signed under another
 * distinguishing ID), expired / not-yet-valid / revoked / wrong-key-usage
 * / too-deep / untrusted leaves, and CRLs. Every date is fixed and every
 * verification runs at 2030-01-01T00:00:00Z, so nothing depends on the
 * wall clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "common/b64.h"
#include "crypto/cert.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"
#include "registry/ids.h"
#include "tests/unit/test_util.h"

#define T_2030 1893456000	/* 2030-01-01T00:00:00Z */
#define T_2024 1704067200	/* 2024-01-01T00:00:00Z */
#define T_2034 2019686400	/* 2034-01-01T00:00:00Z */
#define T_2039 2177452800	/* 2039-01-01T00:00:00Z */

static char *pki;		/* the generated PKI directory (owned) */

struct file {
	char *p;
	size_t len;
};

static struct file
load(const char *name)
{
	struct file f = { NULL, 0 };

	f.p = tu_read(pki, name, &f.len);
	assert_true(f.len > 0);
	return f;
}

static struct cert *
load_cert(const char *name)
{
	struct file f = load(name);
	struct cert *c = NULL;

	assert_int_equal(cert_parse_text(f.p, f.len, &c), LIEN_OK);
	free(f.p);
	return c;
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *cmd;
	int rc;

	(void)state;
	if (lcrypto_init() != LIEN_OK)
		return -1;
	pki = tu_fmt("%s/lienlog-certs-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (pki == NULL || mkdtemp(pki) == NULL)
		return -1;
	cmd = tu_fmt("sh '%s/certs/mkcerts.sh' '%s'", LIEN_VECTORS, pki);
	rc = cmd != NULL && system(cmd) == 0 ? 0 : -1;
	free(cmd);
	return rc;
}

static int
group_teardown(void **state)
{
	char *cmd = tu_fmt("rm -rf '%s'", pki);
	int rc = cmd != NULL && system(cmd) == 0 ? 0 : -1;

	(void)state;
	free(cmd);
	free(pki);
	pki = NULL;
	return rc;
}

/* A trust store. crls: NULL-terminated list of file names. */
static enum lien_status LIEN_MUST_CHECK
trust_make(const char *roots, const char *inter, const char *const *crls,
    const char *sm2_id, struct cert_trust **out)
{
	struct file r = load(roots), i = { NULL, 0 };
	struct file cf[8];
	struct cert_blob blobs[8];
	struct cert_trust_config cfg;
	size_t n = 0;
	enum lien_status st;

	memset(&cfg, 0, sizeof cfg);
	if (inter != NULL)
		i = load(inter);
	for (; crls != NULL && crls[n] != NULL; n++) {
		assert_true(n < 8);
		cf[n] = load(crls[n]);
		blobs[n].p = cf[n].p;
		blobs[n].len = cf[n].len;
	}
	cfg.roots_pem = r.p;
	cfg.roots_len = r.len;
	cfg.intermediates_pem = i.p;
	cfg.intermediates_len = i.len;
	cfg.crls = blobs;
	cfg.ncrls = n;
	if (sm2_id != NULL) {
		cfg.sm2_id = (const uint8_t *)sm2_id;
		cfg.sm2_id_len = strlen(sm2_id);
	}
	st = cert_trust_new(&cfg, out);
	free(r.p);
	free(i.p);
	for (size_t k = 0; k < n; k++)
		free(cf[k].p);
	return st;
}

static const char *const all_crls[] = {
	"root.crl.pem", "int.crl.pem", "sm2root.crl.pem", NULL
};

static struct cert_trust *
trust_default(void)
{
	struct cert_trust *t = NULL;

	assert_int_equal(trust_make("roots.pem", "int.pem", all_crls, NULL, &t),
	    LIEN_OK);
	return t;
}

/* Verify a named leaf; return its verdict (and check the status agrees). */
static enum cert_verdict
verdict_of(struct cert_trust *t, const char *leaf, int64_t now,
    struct pkey **key)
{
	struct cert *c = load_cert(leaf);
	struct cert_result r;
	enum lien_status st;

	st = cert_trust_verify(t, c, now, CERT_USAGE_SIGNER, &r, key);
	cert_free(c);
	assert_int_equal(st, r.verdict == CERT_OK ? LIEN_OK : LIEN_EVERIFY);
	if (r.verdict != CERT_OK && key != NULL)
		assert_null(*key);
	return r.verdict;
}

/* The key returned is the leaf's: a signature by its private key
 * verifies (for SM2, under the default distinguishing ID). */
static void
check_key(struct pkey *pub, const char *keyfile, enum pkey_alg alg)
{
	struct file f = load(keyfile);
	struct pkey *priv = NULL;
	uint8_t sig[PKEY_SIG_MAX];
	size_t n = 0;
	static const char msg[] = "POST /v1/mortgages";

	assert_non_null(pub);
	assert_int_equal(pkey_alg_get(pub), alg);
	assert_int_equal(pkey_from_pem(f.p, f.len, &priv), LIEN_OK);
	assert_int_equal(pkey_sign(priv, PKEY_SIG_RAW, msg, sizeof msg, sig,
	    sizeof sig, &n), LIEN_OK);
	assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, msg, sizeof msg, sig,
	    n), LIEN_OK);
	pkey_free(priv);
	free(f.p);
}

static void
test_cert_trust_verify_ed25519(void **state)
{
	struct cert_trust *t = trust_default();
	struct pkey *k = NULL;

	(void)state;
	assert_int_equal(verdict_of(t, "leaf-ed25519.pem", T_2030, &k),
	    CERT_OK);
	check_key(k, "leaf-ed25519.key", PKEY_ED25519);
	pkey_free(k);
	cert_trust_free(t);
}

static void
test_cert_trust_verify_p256(void **state)
{
	struct cert_trust *t = trust_default();
	struct pkey *k = NULL;

	(void)state;
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2030, &k), CERT_OK);
	check_key(k, "leaf-p256.key", PKEY_P256);
	pkey_free(k);
	cert_trust_free(t);
}

/* SM2 leaf under an SM2 root, with an SM2-signed CRL (which OpenSSL 3.0
 * alone cannot verify: empty default ID). */
static void
test_cert_trust_verify_sm2(void **state)
{
	struct cert_trust *t = trust_default();
	struct pkey *k = NULL;

	(void)state;
	assert_int_equal(verdict_of(t, "leaf-sm2.pem", T_2030, &k), CERT_OK);
	check_key(k, "leaf-sm2.key", PKEY_SM2);
	pkey_free(k);
	cert_trust_free(t);
}

static void
test_cert_trust_verify_sm2_wrong_id(void **state)
{
	struct cert_trust *t = trust_default();
	struct cert_trust *t2 = NULL;

	(void)state;
	assert_int_equal(verdict_of(t, "leaf-sm2-wrongid.pem", T_2030, NULL),
	    CERT_BAD_SIGNATURE);
	cert_trust_free(t);
	/* configured with the other ID (and no CRLs, whose signature is
	 * under the default ID), the roles swap */
	assert_int_equal(trust_make("roots.pem", NULL, NULL,
	    "ABCDEFGH12345678", &t2), LIEN_OK);
	assert_int_equal(verdict_of(t2, "leaf-sm2-wrongid.pem", T_2030, NULL),
	    CERT_OK);
	assert_int_equal(verdict_of(t2, "leaf-sm2.pem", T_2030, NULL),
	    CERT_BAD_SIGNATURE);
	cert_trust_free(t2);
	/* and the SM2 CRL does not verify under that ID: refused at load */
	assert_int_equal(trust_make("roots.pem", NULL,
	    (const char *const[]){ "sm2root.crl.pem", NULL },
	    "ABCDEFGH12345678", &t2), LIEN_EPARSE);
	assert_null(t2);
}

static void
test_cert_trust_verify_verdicts(void **state)
{
	static const struct {
		const char *leaf;
		enum cert_verdict v;
	} cases[] = {
		{ "leaf-expired.pem", CERT_EXPIRED },
		{ "leaf-future.pem", CERT_NOT_YET_VALID },
		{ "leaf-revoked.pem", CERT_REVOKED },
		{ "leaf-untrusted.pem", CERT_UNTRUSTED },
		{ "leaf-keyagree.pem", CERT_BAD_KEY_USAGE },
		{ "leaf-noku.pem", CERT_BAD_KEY_USAGE },
		{ "int.pem", CERT_BAD_KEY_USAGE },	/* a CA as signer */
		{ "leaf-long.pem", CERT_UNTRUSTED },	/* no path at all */
	};
	struct cert_trust *t = trust_default();

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		enum cert_verdict v = verdict_of(t, cases[i].leaf, T_2030,
		    NULL);

		if (v != cases[i].v)
			fail_msg("%s: got %s, want %s", cases[i].leaf,
			    cert_verdict_code(v),
			    cert_verdict_code(cases[i].v));
	}
	/* a good leaf is expired, or not yet valid, at other times */
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2034 + 1, NULL),
	    CERT_EXPIRED);
	/* before 2024 the CRLs themselves are not valid yet: OpenSSL checks
	 * revocation before validity times */
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2024 - 1, NULL),
	    CERT_CRL_PROBLEM);
	cert_trust_free(t);
	assert_int_equal(trust_make("roots.pem", "int.pem", NULL, NULL, &t),
	    LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2024 - 1, NULL),
	    CERT_NOT_YET_VALID);
	assert_int_equal(verdict_of(t, "leaf-future.pem", T_2030, NULL),
	    CERT_NOT_YET_VALID);
	assert_int_equal(verdict_of(t, "leaf-expired.pem", T_2030, NULL),
	    CERT_EXPIRED);
	cert_trust_free(t);
}

/* 5 intermediates with a limit of 4 (no CRLs: depth is what fails). */
static void
test_cert_trust_verify_chain_too_long(void **state)
{
	struct cert_trust *t = NULL;

	(void)state;
	assert_int_equal(trust_make("roots.pem", "long-chain.pem", NULL, NULL,
	    &t), LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-long.pem", T_2030, NULL),
	    CERT_CHAIN_TOO_LONG);
	/* the normal chain still passes with the long one configured */
	cert_trust_free(t);
	assert_int_equal(trust_make("roots.pem", "int.pem", NULL, NULL, &t),
	    LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2030, NULL),
	    CERT_OK);
	cert_trust_free(t);
}

static void
test_cert_trust_verify_crl_problems(void **state)
{
	struct cert_trust *t = NULL;

	(void)state;
	/* CRLs configured but none for the intermediate */
	assert_int_equal(trust_make("roots.pem", "int.pem",
	    (const char *const[]){ "root.crl.pem", NULL }, NULL, &t), LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2030, NULL),
	    CERT_CRL_PROBLEM);
	cert_trust_free(t);
	/* the intermediate's CRL is past its nextUpdate in 2030 */
	assert_int_equal(trust_make("roots.pem", "int.pem",
	    (const char *const[]){ "root.crl.pem", "int-stale.crl.pem", NULL },
	    NULL, &t), LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2030, NULL),
	    CERT_CRL_PROBLEM);
	/* ... but in force in 2024 */
	assert_int_equal(verdict_of(t, "leaf-p256.pem", T_2024 + 86400,
	    NULL), CERT_OK);
	cert_trust_free(t);
	/* no CRLs configured: no revocation checking at all */
	assert_int_equal(trust_make("roots.pem", "int.pem", NULL, NULL, &t),
	    LIEN_OK);
	assert_int_equal(verdict_of(t, "leaf-revoked.pem", T_2030, NULL),
	    CERT_OK);
	cert_trust_free(t);
}

static void
test_cert_trust_new_bad_config(void **state)
{
	struct cert_trust *t = (struct cert_trust *)&t;
	struct cert_trust_config cfg;
	struct file leaf = load("leaf-p256.pem"), root = load("root.pem");
	struct file inter = load("int.pem");
	struct cert_blob garbage = { "-----BEGIN X509 CRL-----\nAAAA\n"
	    "-----END X509 CRL-----\n", 52 };

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EINVAL);
	assert_null(t);
	/* a leaf or an intermediate is not a root */
	cfg.roots_pem = leaf.p;
	cfg.roots_len = leaf.len;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	cfg.roots_pem = inter.p;
	cfg.roots_len = inter.len;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	/* a root is not an intermediate */
	cfg.roots_pem = root.p;
	cfg.roots_len = root.len;
	cfg.intermediates_pem = root.p;
	cfg.intermediates_len = root.len;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	/* garbage PEM and a truncated bundle */
	cfg.intermediates_pem = NULL;
	cfg.intermediates_len = 0;
	cfg.roots_len = root.len / 2;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	/* text outside the blocks is refused (strict RFC 7468 bundles);
	 * a bundle of nothing but line breaks holds no root */
	cfg.roots_pem = "no certificates here\n";
	cfg.roots_len = 21;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	cfg.roots_pem = "\n\r\n";
	cfg.roots_len = 3;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EINVAL);
	cfg.roots_pem = root.p;
	cfg.roots_len = root.len;
	/* a malformed CRL; a CRL by a CA that is not configured */
	cfg.crls = &garbage;
	cfg.ncrls = 1;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EPARSE);
	cfg.ncrls = 0;
	assert_int_equal(trust_make("root.pem", NULL,
	    (const char *const[]){ "int.crl.pem", NULL }, NULL, &t),
	    LIEN_EPARSE);
	/* limits */
	cfg.max_depth = CERT_CHAIN_DEPTH_MAX + 1;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_EINVAL);
	cfg.max_depth = 0;
	cfg.roots_len = CERT_BUNDLE_MAX + 1u;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_ETOOBIG);
	cfg.roots_len = root.len;
	cfg.ncrls = CERT_CRLS_MAX + 1u;
	cfg.crls = &garbage;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_ETOOBIG);
	assert_null(t);
	free(leaf.p);
	free(root.p);
	free(inter.p);
}

static void
test_cert_trust_verify_cache(void **state)
{
	struct cert_trust *t = trust_default();
	struct cert *c = load_cert("leaf-p256.pem");
	struct cert *rev = load_cert("leaf-revoked.pem");
	struct cert_cache_stats cs;
	struct cert_result r;
	struct pkey *k1 = NULL, *k2 = NULL;

	(void)state;
	assert_int_equal(cert_trust_verify(t, c, T_2030, CERT_USAGE_SIGNER, &r,
	    &k1), LIEN_OK);
	assert_int_equal(r.cached, 0);
	assert_int_equal(r.generation, 1);
	/* window: leaf notBefore/CRL lastUpdate .. leaf notAfter */
	assert_int_equal(r.valid_from, T_2024);
	assert_int_equal(r.valid_until, T_2034);
	assert_int_equal(cert_trust_verify(t, c, T_2030 + 1, CERT_USAGE_SIGNER,
	    &r, &k2), LIEN_OK);
	assert_int_equal(r.cached, 1);
	assert_int_equal(r.verdict, CERT_OK);
	{
		uint8_t f1[PKEY_FPR_LEN], f2[PKEY_FPR_LEN];

		pkey_fingerprint(k1, f1);
		pkey_fingerprint(k2, f2);
		assert_memory_equal(f1, f2, sizeof f1);
	}
	pkey_free(k2);
	k2 = NULL;
	cert_trust_cache_stats(t, &cs);
	assert_int_equal(cs.hits, 1);
	assert_int_equal(cs.misses, 1);
	assert_int_equal(cs.entries, 1);
	/* past the window the cached verdict is not used */
	assert_int_equal(cert_trust_verify(t, c, T_2034 + 1, CERT_USAGE_SIGNER,
	    &r, &k2), LIEN_EVERIFY);
	assert_int_equal(r.cached, 0);
	assert_int_equal(r.verdict, CERT_EXPIRED);
	assert_null(k2);
	/* a time-independent refusal is cached too */
	assert_int_equal(cert_trust_verify(t, rev, T_2030, CERT_USAGE_SIGNER,
	    &r, NULL), LIEN_EVERIFY);
	assert_int_equal(r.cached, 0);
	assert_int_equal(cert_trust_verify(t, rev, T_2030, CERT_USAGE_SIGNER,
	    &r, NULL), LIEN_EVERIFY);
	assert_int_equal(r.cached, 1);
	assert_int_equal(r.verdict, CERT_REVOKED);
	pkey_free(k1);
	cert_free(c);
	cert_free(rev);
	cert_trust_free(t);
}

/* A certificate revoked by a CRL that arrives on reload: the cached OK
 * must not survive, and a bad reload keeps the old configuration. */
static void
test_cert_trust_reload_invalidates(void **state)
{
	struct cert_trust *t = NULL;
	struct cert *c = load_cert("leaf-revoked.pem");
	struct cert_result r;
	struct cert_trust_config cfg;
	struct file roots = load("roots.pem"), inter = load("int.pem");
	struct file cr = load("root.crl.pem"), ci = load("int.crl.pem");
	struct cert_blob crls[2] = { { cr.p, cr.len }, { ci.p, ci.len } };

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.roots_pem = roots.p;
	cfg.roots_len = roots.len;
	cfg.intermediates_pem = inter.p;
	cfg.intermediates_len = inter.len;
	assert_int_equal(cert_trust_new(&cfg, &t), LIEN_OK);
	assert_int_equal(cert_trust_generation(t), 1);
	assert_int_equal(cert_trust_verify(t, c, T_2030, CERT_USAGE_SIGNER, &r,
	    NULL), LIEN_OK);
	assert_int_equal(cert_trust_verify(t, c, T_2030, CERT_USAGE_SIGNER, &r,
	    NULL), LIEN_OK);
	assert_int_equal(r.cached, 1);
	/* a broken CRL: refused, old configuration and cache stay */
	{
		struct cert_blob bad = { ci.p, ci.len - 40 };

		cfg.crls = &bad;
		cfg.ncrls = 1;
		assert_int_equal(cert_trust_reload(t, &cfg), LIEN_EPARSE);
	}
	assert_int_equal(cert_trust_generation(t), 1);
	assert_int_equal(cert_trust_verify(t, c, T_2030, CERT_USAGE_SIGNER, &r,
	    NULL), LIEN_OK);
	assert_int_equal(r.cached, 1);
	/* the real CRLs: revoked from now on */
	cfg.crls = crls;
	cfg.ncrls = 2;
	assert_int_equal(cert_trust_reload(t, &cfg), LIEN_OK);
	assert_int_equal(cert_trust_generation(t), 2);
	assert_int_equal(cert_trust_verify(t, c, T_2030, CERT_USAGE_SIGNER, &r,
	    NULL), LIEN_EVERIFY);
	assert_int_equal(r.verdict, CERT_REVOKED);
	assert_int_equal(r.cached, 0);
	assert_int_equal(r.generation, 2);
	cert_free(c);
	cert_trust_free(t);
	free(roots.p);
	free(inter.p);
	free(cr.p);
	free(ci.p);
}

struct worker {
	struct cert_trust *t;
	struct cert *ok, *bad;
	int failures;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 200; i++) {
		struct cert_result r;
		struct pkey *k = NULL;

		if (cert_trust_verify(w->t, w->ok, T_2030, CERT_USAGE_SIGNER,
		    &r, &k) != LIEN_OK || k == NULL)
			w->failures++;
		pkey_free(k);
		if (cert_trust_verify(w->t, w->bad, T_2030, CERT_USAGE_SIGNER,
		    &r, NULL) != LIEN_EVERIFY || r.verdict != CERT_EXPIRED)
			w->failures++;
	}
	return NULL;
}

/* Verifiers on several threads while the configuration is reloaded. */
static void
test_cert_trust_verify_threads(void **state)
{
	struct cert_trust *t = trust_default();
	struct cert_trust_config cfg;
	struct file roots = load("roots.pem"), inter = load("int.pem");
	struct worker w[4];
	pthread_t th[4];

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.roots_pem = roots.p;
	cfg.roots_len = roots.len;
	cfg.intermediates_pem = inter.p;
	cfg.intermediates_len = inter.len;
	for (int i = 0; i < 4; i++) {
		w[i].t = t;
		w[i].ok = load_cert(i % 2 ? "leaf-sm2.pem" : "leaf-ed25519.pem");
		w[i].bad = load_cert("leaf-expired.pem");
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (int i = 0; i < 20; i++)
		assert_int_equal(cert_trust_reload(t, &cfg), LIEN_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
		cert_free(w[i].ok);
		cert_free(w[i].bad);
	}
	assert_int_equal(cert_trust_generation(t), 21);
	cert_trust_free(t);
	free(roots.p);
	free(inter.p);
}

static void
test_cert_info_get_fields(void **state)
{
	struct cert_info ci;
	struct cert *c;

	(void)state;
	c = load_cert("leaf-ed25519.pem");
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_string_equal(ci.cn, "bank-ed25519");
	assert_int_equal(ci.cn_len, 12);
	assert_int_equal(ci.not_before, T_2024);
	assert_int_equal(ci.not_after, T_2034);
	assert_int_equal(ci.key_alg, PKEY_ED25519);
	assert_int_equal(ci.sig_sm2, 0);
	/* "NTRCN-" + code in organizationIdentifier */
	assert_string_equal(ci.uscc, "91440300708461136T");
	assert_int_equal(ci.subject_sn_len, 0);	/* no serialNumber */
	assert_string_equal(ci.subject_sn, "");
	assert_int_equal(ci.serial_len, 2);	/* openssl ca serial 0x1001.. */
	assert_int_equal(ci.serial[0], 0x10);
	cert_free(c);

	c = load_cert("leaf-p256.pem");
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_int_equal(ci.key_alg, PKEY_P256);
	assert_string_equal(ci.uscc, "91330100799655058B");	/* serialNumber */
	/* the serialNumber attribute as such (docs/certificates.md "Party
	 * binding") */
	assert_string_equal(ci.subject_sn, "91330100799655058B");
	assert_int_equal(ci.subject_sn_len, 18);
	cert_free(c);

	c = load_cert("leaf-sm2.pem");
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_int_equal(ci.key_alg, PKEY_SM2);
	assert_int_equal(ci.sig_sm2, 1);
	assert_string_equal(ci.uscc, "91440300708461136T");	/* bare */
	assert_int_equal(ids_uscc_validate(ci.uscc, ci.uscc_len), LIEN_OK);
	cert_free(c);

	/* shape only: the check character is the caller's job */
	c = load_cert("leaf-baduscc.pem");
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_int_equal(ci.uscc_len, 18);
	assert_int_equal(ids_uscc_validate(ci.uscc, ci.uscc_len), LIEN_EPARSE);
	cert_free(c);

	c = load_cert("leaf-expired.pem");
	assert_int_equal(cert_info_get(c, &ci), LIEN_OK);
	assert_int_equal(ci.uscc_len, 0);
	assert_string_equal(ci.cn, "expired");
	cert_free(c);
}

/* ---- parsing ------------------------------------------------------------ */

static void
test_cert_parse_text_forms(void **state)
{
	struct file pem = load("leaf-p256.pem"), der = load("leaf-p256.der");
	char *b64, *crlf;
	struct cert *c = NULL, *c2 = NULL;
	size_t n = 0;
	const uint8_t *d;
	uint8_t f1[CERT_FPR_LEN], f2[CERT_FPR_LEN];

	(void)state;
	assert_int_equal(cert_parse_text(pem.p, pem.len, &c), LIEN_OK);
	d = cert_der_get0(c, &n);
	assert_int_equal(n, der.len);
	assert_memory_equal(d, der.p, n);
	/* bare base64 of the DER */
	b64 = malloc(B64_ENCODED_LEN(der.len) + 1);
	assert_non_null(b64);
	assert_int_equal(b64_encode((const uint8_t *)der.p, der.len, b64,
	    B64_ENCODED_LEN(der.len) + 1), LIEN_OK);
	assert_int_equal(cert_parse_text(b64, strlen(b64), &c2), LIEN_OK);
	cert_fingerprint(c, f1);
	cert_fingerprint(c2, f2);
	assert_memory_equal(f1, f2, sizeof f1);
	cert_free(c2);
	/* raw DER */
	assert_int_equal(cert_parse_der((const uint8_t *)der.p, der.len, &c2),
	    LIEN_OK);
	cert_free(c2);
	/* PEM without the final newline, and with CRLF line ends */
	assert_int_equal(cert_parse_text(pem.p, pem.len - 1, &c2), LIEN_OK);
	cert_free(c2);
	crlf = malloc(pem.len * 2);
	assert_non_null(crlf);
	n = 0;
	for (size_t i = 0; i < pem.len; i++) {
		if (pem.p[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = pem.p[i];
	}
	assert_int_equal(cert_parse_text(crlf, n, &c2), LIEN_OK);
	cert_free(c2);
	/* mixed line ends are not */
	crlf[n - 2] = '\n';
	assert_int_equal(cert_parse_text(crlf, n - 1, &c2), LIEN_EPARSE);
	free(crlf);
	free(b64);
	cert_free(c);
	free(pem.p);
	free(der.p);
}

static void
test_cert_parse_text_malformed(void **state)
{
	struct file pem = load("leaf-p256.pem");
	char *buf = malloc(pem.len + 16);
	struct cert *c = (struct cert *)&c;
	size_t eol;

	(void)state;
	assert_non_null(buf);
	/* every truncation fails (the full text minus "\n" is valid) */
	for (size_t i = 0; i + 1 < pem.len; i++) {
		assert_int_not_equal(cert_parse_text(pem.p, i, &c), LIEN_OK);
		assert_null(c);
	}
	/* trailing bytes */
	memcpy(buf, pem.p, pem.len);
	memcpy(buf + pem.len, "\n", 1);
	assert_int_equal(cert_parse_text(buf, pem.len + 1, &c), LIEN_EPARSE);
	memcpy(buf + pem.len, "x", 1);
	assert_int_equal(cert_parse_text(buf, pem.len + 1, &c), LIEN_EPARSE);
	/* leading whitespace; another label; lower case label */
	buf[0] = ' ';
	memcpy(buf + 1, pem.p, pem.len);
	assert_int_equal(cert_parse_text(buf, pem.len + 1, &c), LIEN_EPARSE);
	memcpy(buf, pem.p, pem.len);
	memcpy(buf + 11, "X509 CERT", 9);
	assert_int_equal(cert_parse_text(buf, pem.len, &c), LIEN_EPARSE);
	memcpy(buf, pem.p, pem.len);
	buf[12] = 'e';
	assert_int_equal(cert_parse_text(buf, pem.len, &c), LIEN_EPARSE);
	/* a body line of 63 characters before the last one: re-wrap the
	 * first line break one character early */
	memcpy(buf, pem.p, pem.len);
	eol = 28 + 64;	/* header + '\n' + 64 chars */
	assert_int_equal(buf[eol], '\n');
	buf[eol - 1] = '\n';
	buf[eol] = pem.p[eol - 1];
	assert_int_equal(cert_parse_text(buf, pem.len, &c), LIEN_EPARSE);
	/* a space inside the base64 */
	memcpy(buf, pem.p, pem.len);
	buf[40] = ' ';
	assert_int_equal(cert_parse_text(buf, pem.len, &c), LIEN_EPARSE);
	/* empty, oversize */
	assert_int_equal(cert_parse_text("", 0, &c), LIEN_EPARSE);
	assert_int_equal(cert_parse_text(buf, CERT_TEXT_MAX + 1u, &c),
	    LIEN_ETOOBIG);
	assert_int_equal(cert_parse_der((const uint8_t *)buf, CERT_DER_MAX + 1u,
	    &c), LIEN_ETOOBIG);
	/* base64 that is not canonical, or whose DER is garbage */
	assert_int_equal(cert_parse_text("AAAA", 4, &c), LIEN_EPARSE);
	assert_int_equal(cert_parse_text("MIIB", 4, &c), LIEN_EPARSE);
	assert_int_equal(cert_parse_text("MII=", 4, &c), LIEN_EPARSE);
	free(buf);
	free(pem.p);
}

/* Truncated and bit-flipped DER: never a certificate that verifies. */
static void
test_cert_parse_der_mutations(void **state)
{
	struct file der = load("leaf-p256.der");
	struct cert_trust *t = trust_default();
	uint8_t *buf = malloc(der.len + 1);
	struct cert *c = NULL;
	size_t parsed = 0;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < der.len; i++) {
		assert_int_equal(cert_parse_der((const uint8_t *)der.p, i, &c),
		    LIEN_EPARSE);
		assert_null(c);
	}
	memcpy(buf, der.p, der.len);
	buf[der.len] = 0;
	assert_int_equal(cert_parse_der(buf, der.len + 1, &c), LIEN_EPARSE);
	for (size_t i = 0; i < der.len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			struct cert_result r;
			enum lien_status st;

			memcpy(buf, der.p, der.len);
			buf[i] ^= (uint8_t)(1u << bit);
			st = cert_trust_verify_der(t, buf, der.len, T_2030,
			    CERT_USAGE_SIGNER, &r, NULL);
			assert_int_equal(st, LIEN_EVERIFY);
			assert_int_not_equal(r.verdict, CERT_OK);
			if (r.verdict != CERT_MALFORMED)
				parsed++;
		}
	}
	/* some flips (inside the signature or names) still parse and must
	 * then fail on the signature */
	assert_true(parsed > 0);
	free(buf);
	free(der.p);
	cert_trust_free(t);
}

/* Non-canonical DER: a long-form length where the short form fits. */
static void
test_cert_parse_der_noncanonical(void **state)
{
	struct file der = load("leaf-ed25519.der");
	uint8_t *buf = malloc(der.len + 1);
	struct cert *c = NULL;
	const uint8_t *d = (const uint8_t *)der.p;
	size_t off, n;

	(void)state;
	assert_non_null(buf);
	/* outer: 30 82 LL LL, tbs: 30 82 LL LL; find the signature
	 * algorithm SEQUENCE after the tbs and lengthen its length */
	assert_int_equal(d[0], 0x30);
	assert_int_equal(d[4], 0x30);
	off = 4 + 4 + ((size_t)d[6] << 8 | d[7]);
	assert_int_equal(d[off], 0x30);
	assert_true(d[off + 1] < 0x80);
	n = 0;
	memcpy(buf, d, off + 1);
	n = off + 1;
	buf[n++] = 0x81;	/* long form for a short length */
	memcpy(buf + n, d + off + 1, der.len - off - 1);
	n += der.len - off - 1;
	/* fix the outer length (+1) */
	{
		size_t outer = ((size_t)buf[2] << 8 | buf[3]) + 1;

		buf[2] = (uint8_t)(outer >> 8);
		buf[3] = (uint8_t)outer;
	}
	assert_int_equal(cert_parse_der(buf, n, &c), LIEN_EPARSE);
	assert_null(c);
	free(buf);
	free(der.p);
}

static void
test_cert_verdict_code_names(void **state)
{
	(void)state;
	assert_string_equal(cert_verdict_code(CERT_OK), "ok");
	assert_string_equal(cert_verdict_code(CERT_REVOKED), "cert_revoked");
	assert_string_equal(cert_verdict_code(CERT_VERDICT_COUNT_),
	    "cert_invalid");
	for (int v = 0; v < CERT_VERDICT_COUNT_; v++)
		for (int w = v + 1; w < CERT_VERDICT_COUNT_; w++)
			assert_string_not_equal(
			    cert_verdict_code((enum cert_verdict)v),
			    cert_verdict_code((enum cert_verdict)w));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_trust_verify_ed25519),
		cmocka_unit_test(test_cert_trust_verify_p256),
		cmocka_unit_test(test_cert_trust_verify_sm2),
		cmocka_unit_test(test_cert_trust_verify_sm2_wrong_id),
		cmocka_unit_test(test_cert_trust_verify_verdicts),
		cmocka_unit_test(test_cert_trust_verify_chain_too_long),
		cmocka_unit_test(test_cert_trust_verify_crl_problems),
		cmocka_unit_test(test_cert_trust_new_bad_config),
		cmocka_unit_test(test_cert_trust_verify_cache),
		cmocka_unit_test(test_cert_trust_reload_invalidates),
		cmocka_unit_test(test_cert_trust_verify_threads),
		cmocka_unit_test(test_cert_info_get_fields),
		cmocka_unit_test(test_cert_parse_text_forms),
		cmocka_unit_test(test_cert_parse_text_malformed),
		cmocka_unit_test(test_cert_parse_der_mutations),
		cmocka_unit_test(test_cert_parse_der_noncanonical),
		cmocka_unit_test(test_cert_verdict_code_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
