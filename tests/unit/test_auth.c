/*
 * api/auth: the request-authentication pipeline end to end with real
 * certificates (mktrust.sh), real RFC 9421 signatures (httpsig_sign) and
 * an in-memory party table standing in for the ledger's parties view.
 * Every refusal of issue 3's bad-input list that concerns request
 * signatures and signers gets its own code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/auth.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "../vectors/trust/fixture.h"

static const char config[] = "{\"registry\":\"lienlog.test\","
    "\"created_window\":300}";

struct signer {
	struct pkey *key;
	uint8_t *der;
	size_t der_len;
	uint8_t keyid[AUTH_KEYID_LEN];
	char hex[AUTH_KEYID_HEX_LEN + 1];
};

struct party_rec {
	const struct signer *s;
	enum auth_role role;
	const char *id;
	enum auth_party_status status;
	int bad_der;		/* serve another certificate's DER */
};

#define PARTIES_MAX 16
#define NONCES_MAX 16

struct world {
	struct fx f;
	struct trust_live *live;
	struct auth *a;
	struct signer bank_ed, bank_p256, bank_sm2, bank_revoked, bank_expired,
	    bank_keyagree, bank_untrusted, officer, admin, bank_future;
	struct party_rec parties[PARTIES_MAX];
	size_t nparties;
	char seen[NONCES_MAX][64];
	size_t nseen;
	enum lien_status lookup_status;	/* LIEN_OK: normal */
	unsigned lookups;
};

static void
signer_load(struct world *w, struct signer *s, const char *name)
{
	char rel[128], *pem;
	size_t len = 0;

	snprintf(rel, sizeof(rel), "%s.key", name);
	pem = fx_read(&w->f, rel, &len);
	assert_non_null(pem);
	assert_int_equal(pkey_from_pem(pem, len, &s->key), LIEN_OK);
	free(pem);
	snprintf(rel, sizeof(rel), "%s.der", name);
	s->der = (uint8_t *)fx_read(&w->f, rel, &s->der_len);
	assert_non_null(s->der);
	hash_sha256(s->der, s->der_len, s->keyid);
	hex_encode(s->keyid, AUTH_KEYID_LEN, s->hex);
}

static void
signer_free(struct signer *s)
{
	pkey_free(s->key);
	free(s->der);
}

static void
file(struct world *w, const struct signer *s, enum auth_role role,
    const char *id, enum auth_party_status status)
{
	assert_true(w->nparties < PARTIES_MAX);
	w->parties[w->nparties++] = (struct party_rec){ s, role, id, status,
	    0 };
}

static enum lien_status LIEN_MUST_CHECK
lookup(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN], struct auth_party *out)
{
	struct world *w = ctx;

	w->lookups++;
	if (w->lookup_status != LIEN_OK)
		return w->lookup_status;
	for (size_t i = 0; i < w->nparties; i++) {
		const struct party_rec *p = &w->parties[i];

		if (memcmp(p->s->keyid, keyid, AUTH_KEYID_LEN) != 0)
			continue;
		out->role = p->role;
		out->party_id_len = strlen(p->id);
		memcpy(out->party_id, p->id, out->party_id_len + 1);
		out->status = p->status;
		out->cert_der = p->bad_der ? w->bank_p256.der : p->s->der;
		out->cert_der_len = p->bad_der ? w->bank_p256.der_len :
		    p->s->der_len;
		return LIEN_OK;
	}
	return LIEN_ENOTFOUND;
}

static enum lien_status LIEN_MUST_CHECK
nonce_check(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN], int64_t created,
    const char *nonce, size_t len)
{
	struct world *w = ctx;

	(void)keyid;
	(void)created;
	for (size_t i = 0; i < w->nseen; i++)
		if (strlen(w->seen[i]) == len && memcmp(w->seen[i], nonce,
		    len) == 0)
			return LIEN_EEXIST;
	return LIEN_OK;
}

static int
setup(void **st)
{
	struct world *w = calloc(1, sizeof(*w));
	char why[TRUST_WHY_MAX];

	assert_non_null(w);
	assert_int_equal(fx_make(&w->f), 0);
	assert_int_equal(fx_write(&w->f, "trust/config.json", config,
	    (size_t)-1), 0);
	if (trust_live_open(w->f.dir, &w->live, why, sizeof(why)) != LIEN_OK)
		fail_msg("trust: %s", why);
	assert_int_equal(auth_new(&w->a), LIEN_OK);
	signer_load(w, &w->bank_ed, "bank-ed25519");
	signer_load(w, &w->bank_p256, "bank-p256");
	signer_load(w, &w->bank_sm2, "bank-sm2");
	signer_load(w, &w->bank_revoked, "bank-revoked");
	signer_load(w, &w->bank_expired, "bank-expired");
	signer_load(w, &w->bank_keyagree, "bank-keyagree");
	signer_load(w, &w->bank_untrusted, "bank-untrusted");
	signer_load(w, &w->officer, "officer-ed25519");
	signer_load(w, &w->admin, "admin-ed25519");
	signer_load(w, &w->bank_future, "bank-future");
	file(w, &w->bank_ed, AUTH_ROLE_INSTITUTION, "bank-a",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_p256, AUTH_ROLE_INSTITUTION, "bank-b",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_sm2, AUTH_ROLE_INSTITUTION, "bank-c",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_revoked, AUTH_ROLE_INSTITUTION, "bank-r",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_expired, AUTH_ROLE_INSTITUTION, "bank-x",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_keyagree, AUTH_ROLE_INSTITUTION, "bank-k",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_untrusted, AUTH_ROLE_INSTITUTION, "bank-u",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->officer, AUTH_ROLE_OFFICER, "officer-0001",
	    AUTH_PARTY_ACTIVE);
	file(w, &w->bank_future, AUTH_ROLE_INSTITUTION, "bank-f",
	    AUTH_PARTY_ACTIVE);
	*st = w;
	return 0;
}

static int
teardown(void **st)
{
	struct world *w = *st;
	struct signer *all[] = { &w->bank_ed, &w->bank_p256, &w->bank_sm2,
	    &w->bank_revoked, &w->bank_expired, &w->bank_keyagree,
	    &w->bank_untrusted, &w->officer, &w->admin, &w->bank_future };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		signer_free(all[i]);
	auth_free(w->a);
	trust_live_close(w->live);
	fx_remove(&w->f);
	free(w);
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

struct req {
	struct httpsig_signed sig;
	struct httpsig_header h[4];
	struct auth_request ar;
	char body[256];
};

static const char body_default[] = "{\"application\":{\"vin\":\"x\"}}";

/* Sign and assemble a POST /v1/mortgages. p may override parameters. */
static void
req_make(struct world *w, struct req *r, const struct signer *s,
    const struct pkey *key, int64_t created, const char *nonce,
    const struct httpsig_sign_params *p)
{
	struct httpsig_sign_params sp;

	memset(r, 0, sizeof(*r));
	snprintf(r->body, sizeof(r->body), "%s", body_default);
	r->ar.http = (struct httpsig_request){
		.method = "POST", .method_len = 4,
		.scheme = "https", .scheme_len = 5,
		.authority = "registry.example", .authority_len = 16,
		.path = "/v1/mortgages", .path_len = 13,
		.query = NULL, .query_len = 0,
		.headers = r->h, .nheaders = 0,
		.body = (const uint8_t *)r->body, .body_len = strlen(r->body),
	};
	if (p != NULL)
		sp = *p;
	else
		memset(&sp, 0, sizeof(sp));
	sp.created = created;
	if (p == NULL)
		sp.expires = -1;
	sp.nonce = nonce;
	sp.keyid = s->hex;
	assert_int_equal(httpsig_sign(&r->ar.http, key != NULL ? key : s->key,
	    &sp, &r->sig), LIEN_OK);
	r->h[0] = (struct httpsig_header){ "Content-Digest", 14,
	    r->sig.content_digest, strlen(r->sig.content_digest) };
	r->h[1] = (struct httpsig_header){ "Signature-Input", 15,
	    r->sig.signature_input, strlen(r->sig.signature_input) };
	r->h[2] = (struct httpsig_header){ "Signature", 9, r->sig.signature,
	    strlen(r->sig.signature) };
	r->ar.http.nheaders = 3;
	r->ar.now = FX_NOW;
	r->ar.allowed_roles = AUTH_ROLE_BIT(AUTH_ROLE_INSTITUTION);
	r->ar.party_lookup = lookup;
	r->ar.nonce_check = nonce_check;
	r->ar.ctx = w;
}

/* Run the pipeline; returns the reason and checks status/HTTP agree. */
static enum auth_reason
run(struct world *w, struct req *r, struct auth_result *res)
{
	struct trust *t = trust_live_get(w->live);
	enum lien_status st = auth_verify(w->a, t, &r->ar, res);
	enum auth_reason reason = res->reason;

	trust_release(t);
	if (reason == AUTH_R_OK) {
		assert_int_equal(st, LIEN_OK);
		assert_int_equal(res->http_status, 200);
	} else if (reason == AUTH_R_INTERNAL) {
		assert_int_not_equal(st, LIEN_OK);
		assert_int_not_equal(st, LIEN_EVERIFY);
	} else {
		assert_int_equal(st, LIEN_EVERIFY);
		assert_int_equal(res->http_status, auth_reason_http(reason));
		assert_int_equal(res->role, AUTH_ROLE_NONE);
		assert_null(res->sig_base);
	}
	return reason;
}

static enum auth_reason
run_clear(struct world *w, struct req *r)
{
	struct auth_result res;
	enum auth_reason reason = run(w, r, &res);

	auth_result_clear(&res);
	return reason;
}

#define EXPECT(w, r, want) do {						\
	enum auth_reason got_ = run_clear((w), (r));			\
	if (got_ != (want))						\
		fail_msg("reason %s, want %s", auth_reason_code(got_),	\
		    auth_reason_code(want));				\
} while (0)

/* The reason, and a message that names the failed check (api/auth.h
 * auth_result.message): contains want_msg, never the signature. */
#define EXPECT_MSG(w, r, want, want_msg) do {				\
	struct auth_result res_;					\
	enum auth_reason got_ = run((w), (r), &res_);			\
	if (got_ != (want))						\
		fail_msg("reason %s, want %s", auth_reason_code(got_),	\
		    auth_reason_code(want));				\
	if (strstr(res_.message, (want_msg)) == NULL)			\
		fail_msg("message \"%s\" lacks \"%s\"", res_.message,	\
		    (want_msg));					\
	if (strstr(res_.message, "sig1=") != NULL)			\
		fail_msg("message echoes the signature: %s",		\
		    res_.message);					\
	auth_result_clear(&res_);					\
} while (0)

/* ---- accepted ------------------------------------------------------------ */

static void
check_ok(struct world *w, const struct signer *s, enum auth_role role,
    const char *id, enum pkey_alg alg)
{
	struct req r;
	struct auth_result res;
	uint8_t digest[HASH_LEN];

	req_make(w, &r, s, NULL, FX_NOW - 10, "n-ok", NULL);
	r.ar.allowed_roles = AUTH_ROLE_BIT(role);
	if (run(w, &r, &res) != AUTH_R_OK)
		fail_msg("%s: %s", id, auth_reason_code(res.reason));
	assert_int_equal(res.role, role);
	assert_string_equal(res.party_id, id);
	assert_int_equal(res.party_id_len, strlen(id));
	assert_memory_equal(res.keyid, s->keyid, AUTH_KEYID_LEN);
	assert_string_equal(res.keyid_hex, s->hex);
	assert_int_equal(res.alg, alg);
	assert_int_equal(res.created, FX_NOW - 10);
	assert_string_equal(res.nonce, "n-ok");
	assert_int_equal(res.nonce_len, 4);
	hash_sha256(r.body, strlen(r.body), digest);
	assert_memory_equal(res.content_digest, digest, HASH_LEN);
	assert_int_equal(res.trust_generation, 1);
	/* the evidence copies re-verify with the certificate's key */
	assert_non_null(res.sig_base);
	assert_int_equal(res.sig_base_len, strlen(res.sig_base));
	assert_non_null(strstr(res.sig_base, "\"@method\": POST\n"));
	assert_non_null(strstr(res.sig_base, "\"@signature-params\": "));
	assert_int_equal(res.sig_len, PKEY_RAW_SIG_LEN);
	assert_int_equal(pkey_verify(s->key, PKEY_SIG_RAW, res.sig_base,
	    res.sig_base_len, res.sig, res.sig_len), LIEN_OK);
	auth_result_clear(&res);
	assert_null(res.sig_base);
}

static void
test_auth_verify_ok_each_key_type_and_role(void **st)
{
	struct world *w = *st;

	check_ok(w, &w->bank_ed, AUTH_ROLE_INSTITUTION, "bank-a",
	    PKEY_ED25519);
	check_ok(w, &w->bank_p256, AUTH_ROLE_INSTITUTION, "bank-b", PKEY_P256);
	check_ok(w, &w->bank_sm2, AUTH_ROLE_INSTITUTION, "bank-c", PKEY_SM2);
	check_ok(w, &w->officer, AUTH_ROLE_OFFICER, "officer-0001",
	    PKEY_ED25519);
}

static void
test_auth_verify_admin_pinned(void **st)
{
	struct world *w = *st;
	char id[80];
	struct req r;

	snprintf(id, sizeof(id), "admin:%s", w->admin.hex);
	w->lookups = 0;
	check_ok(w, &w->admin, AUTH_ROLE_ADMIN, id, PKEY_ED25519);
	assert_int_equal(w->lookups, 0);	/* admins never reach the ledger */
	/* an admin on a bank-only route */
	req_make(w, &r, &w->admin, NULL, FX_NOW, "n-a", NULL);
	EXPECT_MSG(w, &r, AUTH_R_ROLE_FORBIDDEN, "this route is for "
	    "institution; the signer (party admin:");
	EXPECT_MSG(w, &r, AUTH_R_ROLE_FORBIDDEN, ") is admin");
}

static void
test_auth_verify_cert_cache(void **st)
{
	struct world *w = *st;
	struct auth_stats s0, s1;
	struct req r;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n-c1", NULL);
	EXPECT(w, &r, AUTH_R_OK);
	auth_stats_get(w->a, &s0);
	for (int i = 0; i < 5; i++)
		EXPECT(w, &r, AUTH_R_OK);
	auth_stats_get(w->a, &s1);
	/* no certificate parsed again */
	assert_int_equal(s1.cert_parses, s0.cert_parses);
	assert_int_equal(s1.cert_hits, s0.cert_hits + 5);
}

/* ---- refused: signature ---------------------------------------------------- */

static void
test_auth_verify_signature_missing_or_duplicated(void **st)
{
	struct world *w = *st;
	struct req r;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.ar.http.nheaders = 1;		/* only Content-Digest */
	EXPECT(w, &r, AUTH_R_SIGNATURE_MISSING);
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.h[1] = r.h[2];		/* Signature twice, no input */
	EXPECT(w, &r, AUTH_R_SIGNATURE_DUPLICATE);
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.h[3] = r.h[2];
	r.ar.http.nheaders = 4;
	EXPECT(w, &r, AUTH_R_SIGNATURE_DUPLICATE);
}

static void
test_auth_verify_wrong_components(void **st)
{
	struct world *w = *st;
	static const char *const only_method[] = { "@method",
	    "content-digest" };
	static const char *const no_digest[] = { "@method", "@path" };
	struct httpsig_sign_params p;
	struct req r;

	memset(&p, 0, sizeof(p));
	p.expires = -1;
	p.components = only_method;
	p.ncomponents = 2;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", &p);
	EXPECT_MSG(w, &r, AUTH_R_COMPONENT_MISSING,
	    "covered components lack \"@path\"");
	p.components = no_digest;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", &p);
	EXPECT_MSG(w, &r, AUTH_R_COMPONENT_MISSING,
	    "covered components lack \"content-digest\"");
	/* "@path" instead of "@target-uri" is fine */
	p.components = (const char *const[]){ "@method", "@path",
	    "content-digest" };
	p.ncomponents = 3;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", &p);
	EXPECT(w, &r, AUTH_R_OK);
	/* no alg parameter: the filed key decides (RFC 9421 makes alg
	 * optional); with alg, it must agree (test_auth_verify_alg) */
	memset(&p, 0, sizeof(p));
	p.expires = -1;
	p.omit_alg = 1;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", &p);
	EXPECT(w, &r, AUTH_R_OK);
	/* no nonce: still refused (mainstream libraries omit it) */
	memset(&p, 0, sizeof(p));
	p.expires = -1;
	p.omit_alg = 1;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "", &p);
	EXPECT_MSG(w, &r, AUTH_R_PARAM_MISSING, "no nonce parameter");
}

static void
test_auth_verify_body_changed(void **st)
{
	struct world *w = *st;
	struct req r;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.body[5] ^= 1;
	EXPECT_MSG(w, &r, AUTH_R_DIGEST_MISMATCH, "the body changed after "
	    "signing");
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.ar.http.body_len--;
	EXPECT(w, &r, AUTH_R_DIGEST_MISMATCH);
	/* Content-Digest rewritten to match the new body: the signature
	 * covers it, so it fails as a signature */
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.body[5] ^= 1;
	assert_int_equal(httpsig_content_digest((const uint8_t *)r.body,
	    strlen(r.body), r.sig.content_digest,
	    sizeof(r.sig.content_digest)), LIEN_OK);
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
}

/* ---- signed reads (docs/api-registration.md "Signed reads") ------------------ */

/* Sign a bodyless request (method, path, query NULL = none) covering
 * comps; Content-Digest is sent only when with_digest. */
static void
get_make(struct world *w, struct req *r, const char *method,
    const char *path, const char *query, const char *const *comps,
    size_t ncomps, int with_digest)
{
	struct httpsig_sign_params sp;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->ar.http = (struct httpsig_request){
		.method = method, .method_len = strlen(method),
		.scheme = "https", .scheme_len = 5,
		.authority = "registry.example", .authority_len = 16,
		.path = path, .path_len = strlen(path),
		.query = query, .query_len = query ? strlen(query) : 0,
		.headers = r->h, .nheaders = 0,
		.body = NULL, .body_len = 0,
	};
	memset(&sp, 0, sizeof(sp));
	sp.components = comps;
	sp.ncomponents = ncomps;
	sp.created = FX_NOW;
	sp.expires = -1;
	sp.nonce = "n-get";
	sp.keyid = w->bank_ed.hex;
	assert_int_equal(httpsig_sign(&r->ar.http, w->bank_ed.key, &sp,
	    &r->sig), LIEN_OK);
	if (with_digest)
		r->h[n++] = (struct httpsig_header){ "Content-Digest", 14,
		    r->sig.content_digest, strlen(r->sig.content_digest) };
	r->h[n++] = (struct httpsig_header){ "Signature-Input", 15,
	    r->sig.signature_input, strlen(r->sig.signature_input) };
	r->h[n++] = (struct httpsig_header){ "Signature", 9,
	    r->sig.signature, strlen(r->sig.signature) };
	r->ar.http.nheaders = n;
	r->ar.now = FX_NOW;
	r->ar.allowed_roles = AUTH_ROLE_BIT(AUTH_ROLE_INSTITUTION);
	r->ar.party_lookup = lookup;
	r->ar.nonce_check = NULL;
	r->ar.ctx = w;
}

static void
test_auth_verify_signed_get(void **st)
{
	static const char *const mp[] = { "@method", "@authority", "@path" };
	static const char *const mpq[] = { "@method", "@path", "@query" };
	static const char *const mt[] = { "@method", "@target-uri" };
	static const char *const mpd[] = { "@method", "@path",
	    "content-digest" };
	static const char *const p_only[] = { "@path" };
	static const char *const m_only[] = { "@method", "@authority" };
	struct world *w = *st;
	struct auth_result res;
	uint8_t empty[HASH_LEN];
	struct req r;
	char path[64], query[64];

	/* no content-digest: accepted; the evidence digest is the empty
	 * body's */
	get_make(w, &r, "GET", "/v1/applications/A000000000000001", NULL, mp,
	    3, 0);
	assert_int_equal(run(w, &r, &res), AUTH_R_OK);
	hash_sha256("", 0, empty);
	assert_memory_equal(res.content_digest, empty, HASH_LEN);
	assert_non_null(strstr(res.sig_base, "\"@method\": GET\n"));
	auth_result_clear(&res);
	get_make(w, &r, "HEAD", "/v1/applications/A000000000000001", NULL, mp,
	    3, 0);
	EXPECT(w, &r, AUTH_R_OK);
	/* content-digest of the empty body, covered or merely sent: fine */
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, mpd, 3, 1);
	EXPECT(w, &r, AUTH_R_OK);
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, mp, 3, 1);
	EXPECT(w, &r, AUTH_R_OK);
	/* a Content-Digest that is not the empty body's is refused */
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, mp, 3, 0);
	r.h[2] = r.h[1];
	r.h[1] = r.h[0];
	r.h[0] = (struct httpsig_header){ "Content-Digest", 14,
	    "sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:", 54 };
	r.ar.http.nheaders = 3;
	EXPECT(w, &r, AUTH_R_DIGEST_MISMATCH);
	/* @method and a target are still required */
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, p_only, 1, 0);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, m_only, 2, 0);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);

	/* with a query: @query or @target-uri must cover it */
	get_make(w, &r, "GET", "/v1/applications", "status=submitted&limit=5",
	    mpq, 3, 0);
	EXPECT(w, &r, AUTH_R_OK);
	get_make(w, &r, "GET", "/v1/applications", "status=submitted&limit=5",
	    mt, 2, 0);
	EXPECT(w, &r, AUTH_R_OK);
	get_make(w, &r, "GET", "/v1/applications", "status=submitted&limit=5",
	    mp, 3, 0);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);
	/* an empty query ('?' and nothing) is still a query */
	get_make(w, &r, "GET", "/v1/applications", "", mp, 3, 0);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);

	/* tampering with the query or the path after signing */
	get_make(w, &r, "GET", "/v1/applications", "status=submitted&limit=5",
	    mpq, 3, 0);
	snprintf(query, sizeof(query), "status=submitted&limit=6");
	r.ar.http.query = query;
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	r.ar.http.query = NULL;		/* query dropped */
	r.ar.http.query_len = 0;
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	get_make(w, &r, "GET", "/v1/applications/A000000000000001", NULL, mp,
	    3, 0);
	snprintf(path, sizeof(path), "/v1/applications/A000000000000002");
	r.ar.http.path = path;
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	get_make(w, &r, "GET", "/v1/applications/A000000000000001", NULL, mp,
	    3, 0);
	r.ar.http.method = "HEAD";	/* the method is covered too */
	r.ar.http.method_len = 4;
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
}

/* Writes still cover content-digest, with or without a body, and a
 * GET that carries a body is treated as one. */
static void
test_auth_verify_write_needs_digest(void **st)
{
	static const char *const mp[] = { "@method", "@authority", "@path" };
	struct world *w = *st;
	struct req r;

	get_make(w, &r, "POST", "/v1/identity-commitments", NULL, mp, 3, 0);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);
	get_make(w, &r, "POST", "/v1/identity-commitments", NULL, mp, 3, 1);
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);
	get_make(w, &r, "GET", "/v1/evidence/3", NULL, mp, 3, 0);
	r.ar.http.body = (const uint8_t *)"{}";
	r.ar.http.body_len = 2;
	EXPECT(w, &r, AUTH_R_COMPONENT_MISSING);
}

static void
test_auth_verify_created_window(void **st)
{
	struct world *w = *st;
	struct req r;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW - 300, "n1", NULL);
	EXPECT(w, &r, AUTH_R_OK);
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW - 301, "n1", NULL);
	EXPECT_MSG(w, &r, AUTH_R_CREATED_WINDOW, "created is 301 s behind "
	    "the server's clock (window +-300 s)");
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW + 3600, "n1", NULL);
	EXPECT_MSG(w, &r, AUTH_R_CREATED_WINDOW, "created is 3600 s ahead "
	    "of the server's clock");
}

static void
test_auth_verify_nonce_replayed(void **st)
{
	struct world *w = *st;
	struct req r;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n-replay", NULL);
	EXPECT(w, &r, AUTH_R_OK);
	snprintf(w->seen[w->nseen++], 64, "n-replay");	/* the sequencer */
	EXPECT_MSG(w, &r, AUTH_R_NONCE_REPLAYED, "already used this nonce");
	/* no pre-check configured: accepted here, the sequencer decides */
	r.ar.nonce_check = NULL;
	EXPECT(w, &r, AUTH_R_OK);
}

static void
test_auth_verify_unknown_keyid(void **st)
{
	struct world *w = *st;
	struct signer fake = w->bank_ed;
	struct req r;

	fake.hex[0] = fake.hex[0] == 'a' ? 'b' : 'a';
	req_make(w, &r, &fake, w->bank_ed.key, FX_NOW, "n1", NULL);
	EXPECT_MSG(w, &r, AUTH_R_UNKNOWN_KEYID, "no filed party and no "
	    "administrator has keyid");
	/* upper-case hex is another spelling: refused */
	fake = w->bank_ed;
	for (char *c = fake.hex; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	req_make(w, &r, &fake, w->bank_ed.key, FX_NOW, "n1", NULL);
	if (strcmp(fake.hex, w->bank_ed.hex) != 0)
		EXPECT(w, &r, AUTH_R_UNKNOWN_KEYID);
	/* short keyid */
	fake = w->bank_ed;
	fake.hex[63] = '\0';
	req_make(w, &r, &fake, w->bank_ed.key, FX_NOW, "n1", NULL);
	EXPECT_MSG(w, &r, AUTH_R_UNKNOWN_KEYID, "keyid is not 64 lowercase "
	    "hex digits");
}

static void
test_auth_verify_wrong_key(void **st)
{
	struct world *w = *st;
	struct req r;

	/* bank A's keyid, bank-revoked's Ed25519 key */
	req_make(w, &r, &w->bank_ed, w->bank_revoked.key, FX_NOW, "n1", NULL);
	EXPECT_MSG(w, &r, AUTH_R_SIGNATURE_INVALID, "signature does not "
	    "verify under the key of this keyid");
	/* bank A's keyid (Ed25519 cert) signed with a P-256 key: alg */
	req_make(w, &r, &w->bank_ed, w->bank_p256.key, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_ALG_MISMATCH);
	/* the same without alg: the filed key (Ed25519) decides, and the
	 * P-256 signature does not verify under it */
	{
		struct httpsig_sign_params p;

		memset(&p, 0, sizeof(p));
		p.expires = -1;
		p.omit_alg = 1;
		req_make(w, &r, &w->bank_ed, w->bank_p256.key, FX_NOW, "n1",
		    &p);
		EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	}
}

static void
test_auth_verify_alg_confusion(void **st)
{
	struct world *w = *st;
	struct req r;
	char *p;

	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	p = strstr(r.sig.signature_input, "alg=\"ed25519\"");
	assert_non_null(p);
	memmove(p + 23, p + 13, strlen(p + 13) + 1);
	memcpy(p, "alg=\"ecdsa-p256-sha256\"", 23);
	r.h[1].value_len = strlen(r.sig.signature_input);
	EXPECT(w, &r, AUTH_R_ALG_MISMATCH);
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	p = strstr(r.sig.signature_input, "alg=\"ed25519\"");
	memcpy(p, "alg=\"hs25519\"", 13);
	EXPECT(w, &r, AUTH_R_ALG_UNSUPPORTED);
}

static void
test_auth_verify_sm2_wrong_id(void **st)
{
	struct world *w = *st;
	struct pkey *k = NULL;
	char *pem;
	size_t len = 0;
	struct req r;

	pem = fx_read(&w->f, "bank-sm2-wrongid.key", &len);
	assert_non_null(pem);
	assert_int_equal(pkey_from_pem(pem, len, &k), LIEN_OK);
	free(pem);
	assert_int_equal(pkey_sm2_id_set(k, (const uint8_t *)"ABCDEFGH12345678",
	    16), LIEN_OK);
	req_make(w, &r, &w->bank_sm2, k, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	pkey_free(k);
}

static void
test_auth_verify_signature_truncated_and_bit_flips(void **st)
{
	struct world *w = *st;
	struct req r, good;
	size_t n;

	req_make(w, &good, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	n = strlen(good.sig.signature);
	for (size_t cut = 1; cut < n; cut += 7) {
		r = good;
		r.ar.http.headers = r.h;
		r.h[2].value = r.sig.signature;
		r.h[2].value_len = n - cut;
		r.h[1].value = r.sig.signature_input;
		r.h[0].value = r.sig.content_digest;
		r.ar.http.body = (const uint8_t *)r.body;
		assert_int_not_equal(run_clear(w, &r), AUTH_R_OK);
	}
	for (size_t i = 0; i < n; i++) {
		r = good;
		r.ar.http.headers = r.h;
		r.h[2].value = r.sig.signature;
		r.h[1].value = r.sig.signature_input;
		r.h[0].value = r.sig.content_digest;
		r.ar.http.body = (const uint8_t *)r.body;
		r.sig.signature[i] ^= 0x01;
		assert_int_not_equal(run_clear(w, &r), AUTH_R_OK);
	}
	n = strlen(good.sig.signature_input);
	for (size_t i = 0; i < n; i++) {
		r = good;
		r.ar.http.headers = r.h;
		r.h[2].value = r.sig.signature;
		r.h[1].value = r.sig.signature_input;
		r.h[0].value = r.sig.content_digest;
		r.ar.http.body = (const uint8_t *)r.body;
		r.sig.signature_input[i] ^= 0x01;
		assert_int_not_equal(run_clear(w, &r), AUTH_R_OK);
	}
}

/* ---- refused: certificate and party ----------------------------------------- */

static void
test_auth_verify_certificate_problems(void **st)
{
	struct world *w = *st;
	struct req r;

	req_make(w, &r, &w->bank_expired, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_EXPIRED);
	req_make(w, &r, &w->bank_untrusted, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_UNTRUSTED);
	req_make(w, &r, &w->bank_keyagree, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_KEY_USAGE);
	req_make(w, &r, &w->bank_future, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_NOT_YET_VALID);
	/* before the CRLs were issued: status unknown, 503, fail closed */
	req_make(w, &r, &w->bank_ed, NULL, 1600000000, "n1", NULL);
	r.ar.now = 1600000000;
	EXPECT(w, &r, AUTH_R_CERT_STATUS_UNKNOWN);
	assert_int_equal(auth_reason_http(AUTH_R_CERT_STATUS_UNKNOWN), 503);
	/* the filed DER is another certificate than the keyid names */
	w->parties[0].bad_der = 1;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_MALFORMED);
	w->parties[0].bad_der = 0;
}

static void
test_auth_verify_revoked_after_crl_reload(void **st)
{
	struct world *w = *st;
	char why[TRUST_WHY_MAX];
	struct req r;
	struct auth_result res;

	req_make(w, &r, &w->bank_revoked, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_OK);
	assert_int_equal(fx_copy(&w->f, "crl2-inst-root.pem",
	    "trust/crl/inst-root.pem"), 0);
	if (trust_reload(w->live, why, sizeof(why)) != LIEN_OK)
		fail_msg("reload: %s", why);
	EXPECT(w, &r, AUTH_R_CERT_REVOKED);
	/* the others are unaffected, under the new generation */
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	assert_int_equal(run(w, &r, &res), AUTH_R_OK);
	assert_int_equal(res.trust_generation, 2);
	auth_result_clear(&res);
}

static void
test_auth_verify_key_of_another_role(void **st)
{
	struct world *w = *st;
	struct req r;

	/* officer signing on a bank route */
	req_make(w, &r, &w->officer, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_ROLE_FORBIDDEN);
	/* bank on an officer route */
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	r.ar.allowed_roles = AUTH_ROLE_BIT(AUTH_ROLE_OFFICER) |
	    AUTH_ROLE_BIT(AUTH_ROLE_ADMIN);
	EXPECT(w, &r, AUTH_R_ROLE_FORBIDDEN);
	/* a bank certificate filed as an officer does not chain to the
	 * officer roots */
	w->parties[1].role = AUTH_ROLE_OFFICER;
	req_make(w, &r, &w->bank_p256, NULL, FX_NOW, "n1", NULL);
	r.ar.allowed_roles = AUTH_ROLE_BIT(AUTH_ROLE_OFFICER);
	EXPECT(w, &r, AUTH_R_CERT_UNTRUSTED);
	/* an officer certificate filed as a bank does not chain either */
	w->parties[1].role = AUTH_ROLE_INSTITUTION;
	w->parties[7].role = AUTH_ROLE_INSTITUTION;
	req_make(w, &r, &w->officer, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_CERT_UNTRUSTED);
	w->parties[7].role = AUTH_ROLE_OFFICER;
	/* the ledger claims a filed admin: never */
	w->parties[7].role = AUTH_ROLE_ADMIN;
	req_make(w, &r, &w->officer, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_INTERNAL);
	w->parties[7].role = AUTH_ROLE_OFFICER;
}

static void
test_auth_verify_party_status(void **st)
{
	struct world *w = *st;
	struct req r;

	w->parties[0].status = AUTH_PARTY_SUSPENDED;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_PARTY_SUSPENDED);
	assert_int_equal(auth_reason_http(AUTH_R_PARTY_SUSPENDED), 403);
	w->parties[0].status = AUTH_PARTY_REVOKED;
	EXPECT(w, &r, AUTH_R_PARTY_REVOKED);
	/* status is only revealed to the key holder */
	req_make(w, &r, &w->bank_ed, w->bank_revoked.key, FX_NOW, "n1", NULL);
	EXPECT(w, &r, AUTH_R_SIGNATURE_INVALID);
	w->parties[0].status = AUTH_PARTY_ACTIVE;
}

static void
test_auth_verify_lookup_failure(void **st)
{
	struct world *w = *st;
	struct req r;
	struct auth_result res;
	struct trust *t;

	w->lookup_status = LIEN_EIO;
	req_make(w, &r, &w->bank_ed, NULL, FX_NOW, "n1", NULL);
	t = trust_live_get(w->live);
	assert_int_equal(auth_verify(w->a, t, &r.ar, &res), LIEN_EIO);
	assert_int_equal(res.reason, AUTH_R_INTERNAL);
	assert_int_equal(res.http_status, 500);
	auth_result_clear(&res);
	w->lookup_status = LIEN_OK;
	r.ar.party_lookup = NULL;
	assert_int_equal(auth_verify(w->a, t, &r.ar, &res), LIEN_EINVAL);
	auth_result_clear(&res);
	trust_release(t);
}

static void
test_auth_reason_codes_stable(void **st)
{
	(void)st;
	/* every reason has a distinct code and a 4xx/5xx status */
	for (int i = 1; i < AUTH_R_COUNT_; i++) {
		int h = auth_reason_http((enum auth_reason)i);

		assert_true(h == 401 || h == 403 || h == 500 || h == 503);
		for (int j = 1; j < i; j++)
			assert_string_not_equal(
			    auth_reason_code((enum auth_reason)i),
			    auth_reason_code((enum auth_reason)j));
	}
	assert_string_equal(auth_reason_code(AUTH_R_SIGNATURE_MISSING),
	    "signature_missing");
	assert_string_equal(auth_reason_code(AUTH_R_NONCE_REPLAYED),
	    "nonce_replayed");
	assert_string_equal(auth_reason_code(AUTH_R_CERT_REVOKED),
	    "certificate_revoked");
	assert_string_equal(auth_reason_code(AUTH_R_COUNT_), "internal");
	assert_int_equal(auth_reason_http(AUTH_R_ROLE_FORBIDDEN), 403);
	assert_int_equal(auth_reason_http(AUTH_R_DIGEST_MISMATCH), 401);
	assert_string_equal(auth_role_name(AUTH_ROLE_REGISTRY), "registry");
	assert_string_equal(auth_role_name(AUTH_ROLE_COUNT_), "none");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_auth_verify_ok_each_key_type_and_role),
		T(test_auth_verify_admin_pinned),
		T(test_auth_verify_cert_cache),
		T(test_auth_verify_signature_missing_or_duplicated),
		T(test_auth_verify_wrong_components),
		T(test_auth_verify_body_changed),
		T(test_auth_verify_signed_get),
		T(test_auth_verify_write_needs_digest),
		T(test_auth_verify_created_window),
		T(test_auth_verify_nonce_replayed),
		T(test_auth_verify_unknown_keyid),
		T(test_auth_verify_wrong_key),
		T(test_auth_verify_alg_confusion),
		T(test_auth_verify_sm2_wrong_id),
		T(test_auth_verify_signature_truncated_and_bit_flips),
		T(test_auth_verify_certificate_problems),
		T(test_auth_verify_revoked_after_crl_reload),
		T(test_auth_verify_key_of_another_role),
		T(test_auth_verify_party_status),
		T(test_auth_verify_lookup_failure),
		cmocka_unit_test(test_auth_reason_codes_stable),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
