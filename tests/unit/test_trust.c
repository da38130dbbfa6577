/*
 * api/trust: loading DIR/trust/ (mktrust.sh's PKI plus config.json and
 * JWKS written here), each file broken in turn (refused, the file named,
 * the old configuration still served), reload picking up a new CRL, and
 * concurrent readers during reloads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "api/trust.h"
#include "crypto/pkey.h"
#include "../vectors/trust/fixture.h"

static const char config_ok[] =
    "{\"registry\":\"lienlog.test\",\"created_window\":120,"
    "\"token_skew\":30,\"token_lifetime_max\":300,"
    "\"face\":{\"liveness_pass\":9500,\"liveness_grey\":8000,"
    "\"match_pass\":9000,\"match_grey\":7500},"
    "\"sm2_id\":\"1234567812345678\"}";

static char face_jwks[1024];

struct state {
	struct fx f;
	struct trust_live *live;
};

/* A one-key JWKS for kid/iss from a fresh Ed25519 key. */
static void
make_jwks(char *out, size_t cap, const char *kid, const char *iss)
{
	struct pkey *k = NULL;
	char *jwk = NULL;

	assert_int_equal(pkey_generate(PKEY_ED25519, &k), LIEN_OK);
	assert_int_equal(pkey_export_jwk(k, kid, &jwk), LIEN_OK);
	/* jwk is a compact object: splice "iss" in before its last brace. */
	jwk[strlen(jwk) - 1] = '\0';
	snprintf(out, cap, "{\"keys\":[%s,\"iss\":\"%s\"}]}", jwk, iss);
	free(jwk);
	pkey_free(k);
}

static int
setup(void **st)
{
	struct state *s = calloc(1, sizeof(*s));
	char why[TRUST_WHY_MAX], sms[1024];

	assert_non_null(s);
	assert_int_equal(fx_make(&s->f), 0);
	assert_int_equal(fx_write(&s->f, "trust/config.json", config_ok,
	    (size_t)-1), 0);
	make_jwks(face_jwks, sizeof(face_jwks), "face-1",
	    "https://face.example");
	make_jwks(sms, sizeof(sms), "sms-1", "https://sms.example");
	assert_int_equal(fx_write(&s->f, "trust/face-issuers.jwks", face_jwks,
	    (size_t)-1), 0);
	assert_int_equal(fx_write(&s->f, "trust/sms-issuers.jwks", sms,
	    (size_t)-1), 0);
	if (trust_live_open(s->f.dir, &s->live, why, sizeof(why)) != LIEN_OK)
		fail_msg("trust_live_open: %s", why);
	*st = s;
	return 0;
}

static int
teardown(void **st)
{
	struct state *s = *st;

	trust_live_close(s->live);
	fx_remove(&s->f);
	free(s);
	return 0;
}

static void
test_trust_load_ok(void **st)
{
	struct state *s = *st;
	struct trust *t = trust_live_get(s->live);
	const struct trust_config *c = trust_config_get(t);
	const char *iss;

	assert_int_equal(trust_generation(t), 1);
	assert_string_equal(c->registry, "lienlog.test");
	assert_int_equal(c->registry_len, 12);
	assert_int_equal(c->created_window, 120);
	assert_int_equal(c->token_skew, 30);
	assert_int_equal(c->token_lifetime_max, 300);
	assert_int_equal(c->liveness_pass, 9500);
	assert_int_equal(c->liveness_grey, 8000);
	assert_int_equal(c->match_pass, 9000);
	assert_int_equal(c->match_grey, 7500);
	assert_int_equal(c->sm2_id_len, 16);
	assert_non_null(trust_roots_get(t, TRUST_ROOTS_INSTITUTION));
	assert_non_null(trust_roots_get(t, TRUST_ROOTS_OFFICER));
	assert_null(trust_roots_get(t, TRUST_ROOTS_COUNT_));
	assert_int_equal(jws_keyset_count(trust_issuer_keys(t,
	    TRUST_ISSUERS_FACE)), 1);
	iss = trust_issuer_name(t, TRUST_ISSUERS_FACE, "face-1", 6);
	assert_non_null(iss);
	assert_string_equal(iss, "https://face.example");
	assert_null(trust_issuer_name(t, TRUST_ISSUERS_FACE, "sms-1", 5));
	assert_string_equal(trust_issuer_name(t, TRUST_ISSUERS_SMS, "sms-1",
	    5), "https://sms.example");
	assert_int_equal(trust_admin_count(t), 1);
	trust_release(t);
}

static void
test_trust_load_defaults_and_optional_files(void **st)
{
	struct state *s = *st;
	struct trust *t = NULL;
	char why[TRUST_WHY_MAX];
	const struct trust_config *c;

	assert_int_equal(fx_write(&s->f, "trust/config.json",
	    "{\"registry\":\"r\"}", (size_t)-1), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/officer-roots.pem"), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/crl/off-root.pem"), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/admins.pem"), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/face-issuers.jwks"), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/sms-issuers.jwks"), 0);
	/* a non-.pem file in crl/ is ignored */
	assert_int_equal(fx_write(&s->f, "trust/crl/README", "x", 1), 0);
	if (trust_load(s->f.dir, &t, why, sizeof(why)) != LIEN_OK)
		fail_msg("trust_load: %s", why);
	c = trust_config_get(t);
	assert_int_equal(c->created_window, TRUST_CREATED_WINDOW_DEFAULT);
	assert_int_equal(c->token_skew, TRUST_TOKEN_SKEW_DEFAULT);
	assert_int_equal(c->token_lifetime_max, TRUST_TOKEN_LIFETIME_DEFAULT);
	assert_int_equal(c->liveness_pass, TRUST_LIVENESS_PASS_DEFAULT);
	assert_memory_equal(c->sm2_id, PKEY_SM2_ID_DEFAULT, 16);
	assert_null(trust_roots_get(t, TRUST_ROOTS_OFFICER));
	assert_null(trust_issuer_keys(t, TRUST_ISSUERS_FACE));
	assert_null(trust_issuer_name(t, TRUST_ISSUERS_FACE, "face-1", 6));
	assert_int_equal(trust_admin_count(t), 0);
	trust_release(t);
}

static void
test_trust_load_missing_required(void **st)
{
	struct state *s = *st;
	struct trust *t = (struct trust *)1;
	char why[TRUST_WHY_MAX];

	assert_int_equal(fx_unlink(&s->f, "trust/config.json"), 0);
	assert_int_equal(trust_load(s->f.dir, &t, why, sizeof(why)), LIEN_EIO);
	assert_null(t);
	assert_non_null(strstr(why, "trust/config.json"));
	assert_int_equal(fx_write(&s->f, "trust/config.json", config_ok,
	    (size_t)-1), 0);
	assert_int_equal(fx_unlink(&s->f, "trust/institution-roots.pem"), 0);
	assert_int_equal(trust_load(s->f.dir, &t, why, sizeof(why)), LIEN_EIO);
	assert_non_null(strstr(why, "institution-roots.pem"));
	assert_int_equal(trust_load("/nonexistent-lienlog", &t, why,
	    sizeof(why)), LIEN_EIO);
	assert_int_equal(trust_load(NULL, &t, why, sizeof(why)), LIEN_EINVAL);
}

/* One broken file: the reload is refused, the message names the file, and
 * the configuration in force is still the old one. */
struct breakage {
	const char *file;	/* relative to DIR */
	const char *content;	/* NULL: delete it */
	const char *named;	/* expected in the message */
	enum lien_status st;
};

static void
check_break(struct state *s, const struct breakage *b)
{
	char why[TRUST_WHY_MAX], saved_name[256];
	size_t saved_len = 0;
	char *saved = fx_read(&s->f, b->file, &saved_len);
	struct trust *before = trust_live_get(s->live), *after;
	enum lien_status st;

	if (b->content != NULL)
		assert_int_equal(fx_write(&s->f, b->file, b->content,
		    (size_t)-1), 0);
	else
		assert_int_equal(fx_unlink(&s->f, b->file), 0);
	why[0] = '\0';
	st = trust_reload(s->live, why, sizeof(why));
	if (st != b->st || strstr(why, b->named) == NULL)
		fail_msg("%s: status %d (want %d), message \"%s\"", b->file,
		    (int)st, (int)b->st, why);
	after = trust_live_get(s->live);
	assert_ptr_equal(before, after);
	assert_string_equal(trust_config_get(after)->registry, "lienlog.test");
	trust_release(after);
	trust_release(before);
	/* restore */
	snprintf(saved_name, sizeof(saved_name), "%s", b->file);
	if (saved != NULL)
		assert_int_equal(fx_write(&s->f, saved_name, saved, saved_len),
		    0);
	else
		(void)fx_unlink(&s->f, saved_name);
	free(saved);
}

static const char not_pem[] = "-----BEGIN CERTIFICATE-----\nnot base64!\n"
    "-----END CERTIFICATE-----\n";

static void
test_trust_reload_refuses_each_broken_file(void **st)
{
	struct state *s = *st;
	static char dup_kid[2200], unknown_member[1200], no_iss[1200],
	    with_d[1200], trailing[1200];
	char *leaf = fx_read(&s->f, "bank-ed25519.pem", NULL);
	char *admins = fx_read(&s->f, "trust/admins.pem", NULL);
	char *roots = fx_read(&s->f, "trust/institution-roots.pem", NULL);
	char twice[8192], text_before[8192], big[TRUST_CONFIG_MAX + 2];
	char *p;
	size_t fl = strlen(face_jwks);

	assert_non_null(leaf);
	assert_non_null(admins);
	assert_non_null(roots);
	/* JWKS variants built from the good one */
	snprintf(dup_kid, sizeof(dup_kid), "{\"keys\":[%.*s,%.*s]}",
	    (int)(fl - 11), face_jwks + 9, (int)(fl - 11), face_jwks + 9);
	snprintf(unknown_member, sizeof(unknown_member), "%.*s,\"x5u\":\"h\"}]}",
	    (int)(fl - 3), face_jwks);
	snprintf(trailing, sizeof(trailing), "%s x", face_jwks);
	snprintf(no_iss, sizeof(no_iss), "%s", face_jwks);
	p = strstr(no_iss, ",\"iss\"");
	assert_non_null(p);
	memcpy(p, "}]}", 4);
	snprintf(with_d, sizeof(with_d), "%.*s,\"d\":\"AAAA\"}]}",
	    (int)(fl - 3), face_jwks);
	snprintf(twice, sizeof(twice), "%s%s", admins, admins);
	snprintf(text_before, sizeof(text_before), "admin cert\n%s", admins);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	{
		const struct breakage cases[] = {
			{ "trust/config.json", "{\"registry\":", "config.json",
			  LIEN_EPARSE },
			{ "trust/config.json", "", "config.json", LIEN_EPARSE },
			{ "trust/config.json", "[]", "config.json",
			  LIEN_EPARSE },
			{ "trust/config.json", "{\"registry\":\"a\",\"x\":1}",
			  "config.json: unknown member \"x\"", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"registry\":\"b\"}",
			  "config.json", LIEN_EPARSE },
			{ "trust/config.json", "{\"created_window\":300}",
			  "\"registry\"", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"created_window\":300.0}",
			  "created_window", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"created_window\":0}",
			  "created_window", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"token_skew\":-1}",
			  "token_skew", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"face\":{\"match_pass\":10001}}",
			  "face.match_pass", LIEN_EPARSE },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"face\":{\"liveness_grey\":9600,"
			  "\"liveness_pass\":9500}}", "config.json",
			  LIEN_EINVAL },
			{ "trust/config.json",
			  "{\"registry\":\"a\",\"face\":{\"colour\":1}}",
			  "face.colour", LIEN_EPARSE },
			{ "trust/config.json", "{\"registry\":\"a b\"}",
			  "registry", LIEN_EPARSE },
			{ "trust/config.json", "{\"registry\":\"a\"} x",
			  "config.json", LIEN_EPARSE },
			{ "trust/config.json", big, "config.json",
			  LIEN_ETOOBIG },
			{ "trust/institution-roots.pem", not_pem,
			  "institution-roots.pem", LIEN_EPARSE },
			{ "trust/institution-roots.pem", "",
			  "institution-roots.pem: no certificate", LIEN_EPARSE },
			/* a leaf is not a root */
			{ "trust/institution-roots.pem", leaf,
			  "institution-roots.pem", LIEN_EPARSE },
			{ "trust/officer-roots.pem", "garbage",
			  "officer-roots.pem", LIEN_EPARSE },
			/* officer root gone, its CRL still there */
			{ "trust/officer-roots.pem", NULL, "off-root.pem",
			  LIEN_EPARSE },
			{ "trust/institution-intermediates.pem", roots,
			  "institution-intermediates.pem", LIEN_EPARSE },
			{ "trust/crl/zz.pem", "not a crl", "zz.pem",
			  LIEN_EPARSE },
			{ "trust/crl/inst-root.pem", NULL, "",
			  LIEN_OK },	/* placeholder, replaced below */
			{ "trust/face-issuers.jwks", "{\"keys\":",
			  "face-issuers.jwks", LIEN_EPARSE },
			{ "trust/face-issuers.jwks", "{\"keys\":[]}",
			  "face-issuers.jwks", LIEN_EPARSE },
			{ "trust/face-issuers.jwks", dup_kid,
			  "face-issuers.jwks: duplicate kid \"face-1\"",
			  LIEN_EEXIST },
			{ "trust/face-issuers.jwks", unknown_member,
			  "unknown member \"x5u\"", LIEN_EPARSE },
			{ "trust/face-issuers.jwks", no_iss, "\"iss\"",
			  LIEN_EPARSE },
			{ "trust/face-issuers.jwks", with_d,
			  "unknown member \"d\"", LIEN_EPARSE },
			{ "trust/face-issuers.jwks", trailing,
			  "face-issuers.jwks", LIEN_EPARSE },
			{ "trust/sms-issuers.jwks", dup_kid,
			  "sms-issuers.jwks", LIEN_EEXIST },
			{ "trust/admins.pem", not_pem, "admins.pem",
			  LIEN_EPARSE },
			{ "trust/admins.pem", "", "admins.pem", LIEN_EPARSE },
			{ "trust/admins.pem", twice, "listed twice",
			  LIEN_EEXIST },
			{ "trust/admins.pem", text_before,
			  "not one strict PEM CERTIFICATE block", LIEN_EPARSE },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (cases[i].st == LIEN_OK)
				continue;
			check_break(s, &cases[i]);
		}
	}
	/* a CRL of an untrusted CA: named, refused */
	assert_int_equal(fx_copy(&s->f, "evil-root.crl.pem",
	    "trust/crl/evil.pem"), 0);
	{
		struct breakage b = { "trust/crl/evil.pem", NULL, "evil.pem",
		    LIEN_EPARSE };
		char why[TRUST_WHY_MAX];

		assert_int_equal(trust_reload(s->live, why, sizeof(why)),
		    LIEN_EPARSE);
		assert_non_null(strstr(why, b.named));
		assert_int_equal(fx_unlink(&s->f, b.file), 0);
	}
	/* after all that, a reload of the good files works */
	{
		char why[TRUST_WHY_MAX];
		struct trust *t;

		if (trust_reload(s->live, why, sizeof(why)) != LIEN_OK)
			fail_msg("reload: %s", why);
		t = trust_live_get(s->live);
		assert_int_equal(trust_generation(t), 2);
		trust_release(t);
	}
	free(leaf);
	free(admins);
	free(roots);
}

static void
test_trust_reload_new_crl(void **st)
{
	struct state *s = *st;
	struct trust *old, *cur;
	struct cert_result res;
	char why[TRUST_WHY_MAX];
	size_t len = 0;
	char *der = fx_read(&s->f, "bank-revoked.der", &len);

	assert_non_null(der);
	old = trust_live_get(s->live);
	assert_int_equal(cert_trust_verify_der(trust_roots_get(old,
	    TRUST_ROOTS_INSTITUTION), (const uint8_t *)der, len, FX_NOW,
	    CERT_USAGE_SIGNER, &res, NULL), LIEN_OK);
	assert_int_equal(res.verdict, CERT_OK);

	assert_int_equal(fx_copy(&s->f, "crl2-inst-root.pem",
	    "trust/crl/inst-root.pem"), 0);
	if (trust_reload(s->live, why, sizeof(why)) != LIEN_OK)
		fail_msg("reload: %s", why);
	cur = trust_live_get(s->live);
	assert_ptr_not_equal(cur, old);
	assert_int_equal(trust_generation(cur), 2);
	assert_int_equal(cert_trust_verify_der(trust_roots_get(cur,
	    TRUST_ROOTS_INSTITUTION), (const uint8_t *)der, len, FX_NOW,
	    CERT_USAGE_SIGNER, &res, NULL), LIEN_EVERIFY);
	assert_int_equal(res.verdict, CERT_REVOKED);
	/* a request that started before the reload finishes on the old
	 * configuration, unchanged */
	assert_int_equal(cert_trust_verify_der(trust_roots_get(old,
	    TRUST_ROOTS_INSTITUTION), (const uint8_t *)der, len, FX_NOW,
	    CERT_USAGE_SIGNER, &res, NULL), LIEN_OK);
	assert_int_equal(trust_generation(old), 1);
	trust_release(old);
	trust_release(cur);
	free(der);
}

struct reader_arg {
	struct trust_live *live;
	int ok;
};

static void *
reader(void *p)
{
	struct reader_arg *a = p;

	a->ok = 1;
	for (int i = 0; i < 2000; i++) {
		struct trust *t = trust_live_get(a->live);

		if (t == NULL || trust_config_get(t)->registry_len != 12 ||
		    trust_roots_get(t, TRUST_ROOTS_INSTITUTION) == NULL)
			a->ok = 0;
		trust_release(t);
	}
	return NULL;
}

static void
test_trust_reload_concurrent_readers(void **st)
{
	struct state *s = *st;
	struct reader_arg args[2] = { { s->live, 0 }, { s->live, 0 } };
	pthread_t th[2];
	char why[TRUST_WHY_MAX];
	struct trust *t;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]),
		    0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(trust_reload(s->live, why, sizeof(why)),
		    LIEN_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(args[i].ok);
	}
	t = trust_live_get(s->live);
	assert_int_equal(trust_generation(t), 11);
	trust_release(t);
}

static void
test_trust_null_args(void **st)
{
	(void)st;
	assert_int_equal(trust_load("/tmp", NULL, NULL, 0), LIEN_EINVAL);
	assert_int_equal(trust_generation(NULL), 0);
	assert_null(trust_config_get(NULL));
	assert_null(trust_admin_find(NULL, NULL));
	trust_release(NULL);
	trust_live_close(NULL);
	assert_int_equal(trust_reload(NULL, NULL, 0), LIEN_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trust_load_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_trust_load_defaults_and_optional_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trust_load_missing_required,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_trust_reload_refuses_each_broken_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trust_reload_new_crl,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_trust_reload_concurrent_readers, setup, teardown),
		cmocka_unit_test(test_trust_null_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
