/*
 * crypto/jws: RFC 8037 A.4 (EdDSA) and RFC 7515 A.3 (ES256) examples,
 * tokens of our own signer, claims checks, JWKS parsing, and the negative
 * suite: alg none / unknown, kid not in the set, crit and other refused
 * header members, duplicate JSON keys in header and payload, non-canonical
 * base64url, truncation, every bit flip, wrong key, alg confusion,
 * oversize tokens and key sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "crypto/jws.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

/* RFC 8037 appendix A.4: Ed25519 key of A.2, payload
 * "Example of Ed25519 signing", header {"alg":"EdDSA"}. */
static const char rfc8037_x[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
static const char rfc8037_jws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g"
    "7sVvpAr_MuM0KAg";
/* RFC 7515 appendix A.3: ES256 example (header {"alg":"ES256"}). */
static const char rfc7515_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char rfc7515_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char rfc7515_jws[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKT"
    "UJqPP3-Kg6NU1Q";

/* The RFC examples carry no kid; our verifier requires one, so the RFC
 * signatures are checked at two levels: pkey over the exact signing input,
 * and jws_verify refusing them for the missing kid. */
static void
check_rfc_example(const char *jwk, const char *jws)
{
	struct pkey *k = NULL;
	const char *dot2 = strrchr(jws, '.');
	uint8_t sig[64];
	size_t sl = 0;
	struct jws_keyset *ks = NULL;
	struct jws_token t;
	enum jws_reason why;
	char set[512];

	assert_int_equal(pkey_from_jwk(jwk, strlen(jwk), &k), LIEN_OK);
	assert_int_equal(jws_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig,
	    sizeof(sig), &sl), LIEN_OK);
	assert_int_equal(sl, 64);
	assert_int_equal(pkey_verify(k, PKEY_SIG_RAW, jws, (size_t)(dot2 - jws),
	    sig, sl), LIEN_OK);
	sig[5] ^= 1;
	assert_int_equal(pkey_verify(k, PKEY_SIG_RAW, jws, (size_t)(dot2 - jws),
	    sig, sl), LIEN_EVERIFY);
	pkey_free(k);

	snprintf(set, sizeof(set), "{\"keys\":[%.*s,\"kid\":\"rfc\"}]}",
	    (int)(strlen(jwk) - 1), jwk);
	assert_int_equal(jws_keyset_parse(set, strlen(set), &ks), LIEN_OK);
	assert_int_equal(jws_verify(ks, jws, strlen(jws), &t, &why),
	    LIEN_EPARSE);
	assert_int_equal(why, JWS_R_MALFORMED);
	assert_null(t.claims);
	jws_keyset_free(ks);
}

static void
test_jws_verify_rfc8037_a4(void **state)
{
	char jwk[256];

	(void)state;
	snprintf(jwk, sizeof(jwk),
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", rfc8037_x);
	check_rfc_example(jwk, rfc8037_jws);
}

static void
test_jws_verify_rfc7515_a3(void **state)
{
	char jwk[256];

	(void)state;
	snprintf(jwk, sizeof(jwk),
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
	    rfc7515_x, rfc7515_y);
	check_rfc_example(jwk, rfc7515_jws);
}

/* ---- fixture: two issuers' keys in one set ------------------------------- */

struct fx {
	struct pkey *ed, *ec, *stranger;
	struct jws_keyset *ks;
};

static struct fx *
fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *a = NULL, *b = NULL, set[1024];

	assert_non_null(f);
	assert_int_equal(pkey_generate(PKEY_ED25519, &f->ed), LIEN_OK);
	assert_int_equal(pkey_generate(PKEY_P256, &f->ec), LIEN_OK);
	assert_int_equal(pkey_generate(PKEY_ED25519, &f->stranger), LIEN_OK);
	assert_int_equal(pkey_export_jwk(f->ed, "face-1", &a), LIEN_OK);
	assert_int_equal(pkey_export_jwk(f->ec, "face-2", &b), LIEN_OK);
	snprintf(set, sizeof(set), "{\"keys\":[%s,%s]}", a, b);
	free(a);
	free(b);
	assert_int_equal(jws_keyset_parse(set, strlen(set), &f->ks), LIEN_OK);
	assert_int_equal(jws_keyset_count(f->ks), 2);
	return f;
}

static void
fx_free(struct fx *f)
{
	pkey_free(f->ed);
	pkey_free(f->ec);
	pkey_free(f->stranger);
	jws_keyset_free(f->ks);
	free(f);
}

static const char claims_ok[] =
    "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\","
    "\"sub\":\"c0ffee\",\"nonce\":\"abc\",\"iat\":1700000000,"
    "\"exp\":1700000300,\"liveness\":0.99}";

static char *
sign(const struct pkey *k, const char *kid, const char *payload)
{
	char *tok = NULL;

	assert_int_equal(jws_sign(k, kid, (const uint8_t *)payload,
	    strlen(payload), &tok), LIEN_OK);
	return tok;
}

/* Compact token from raw header and payload text (for hostile headers),
 * signed by k. */
static char *
forge(const struct pkey *k, const char *header, const char *payload)
{
	char *buf = malloc(JWS_TOKEN_MAX * 2);
	uint8_t sig[PKEY_SIG_MAX];
	size_t o, sl = 0;

	assert_non_null(buf);
	assert_int_equal(jws_b64url_encode((const uint8_t *)header,
	    strlen(header), buf, JWS_TOKEN_MAX), LIEN_OK);
	o = strlen(buf);
	buf[o++] = '.';
	assert_int_equal(jws_b64url_encode((const uint8_t *)payload,
	    strlen(payload), buf + o, JWS_TOKEN_MAX), LIEN_OK);
	o += strlen(buf + o);
	assert_int_equal(pkey_sign(k, PKEY_SIG_RAW, buf, o, sig, sizeof(sig),
	    &sl), LIEN_OK);
	buf[o++] = '.';
	assert_int_equal(jws_b64url_encode(sig, sl, buf + o, JWS_TOKEN_MAX),
	    LIEN_OK);
	return buf;
}

static void
expect(const struct fx *f, const char *tok, enum lien_status st,
    enum jws_reason r)
{
	struct jws_token t;
	enum jws_reason why = JWS_R_OK;

	assert_int_equal(jws_verify(f->ks, tok, strlen(tok), &t, &why), st);
	assert_int_equal(why, r);
	if (st == LIEN_OK)
		jws_token_clear(&t);
	else
		assert_null(t.claims);
}

static void
test_jws_verify_roundtrip(void **state)
{
	struct fx *f = fx_new();
	struct jws_token t;
	enum jws_reason why;
	char *tok;
	const char *sub;
	size_t sub_len;

	(void)state;
	tok = sign(f->ed, "face-1", claims_ok);
	assert_int_equal(jws_verify(f->ks, tok, strlen(tok), &t, &why), LIEN_OK);
	assert_int_equal(why, JWS_R_OK);
	assert_int_equal(t.alg, PKEY_ED25519);
	assert_string_equal(t.kid, "face-1");
	assert_int_equal(jws_claim_string(t.claims, "sub", &sub, &sub_len),
	    LIEN_OK);
	assert_int_equal(sub_len, 6);
	assert_memory_equal(sub, "c0ffee", 6);
	assert_int_equal(jws_claim_string(t.claims, "none", &sub, &sub_len),
	    LIEN_ENOTFOUND);
	assert_int_equal(jws_claim_string(t.claims, "iat", &sub, &sub_len),
	    LIEN_EPARSE);
	jws_token_clear(&t);
	free(tok);
	tok = sign(f->ec, "face-2", claims_ok);
	assert_int_equal(jws_verify(f->ks, tok, strlen(tok), &t, &why), LIEN_OK);
	assert_int_equal(t.alg, PKEY_P256);
	jws_token_clear(&t);
	free(tok);
	fx_free(f);
}

static void
test_jws_verify_refused_headers(void **state)
{
	struct fx *f = fx_new();
	static const struct {
		const char *h;
		enum lien_status st;
		enum jws_reason r;
	} cases[] = {
		{ "{\"alg\":\"none\",\"kid\":\"face-1\"}", LIEN_EUNSUPPORTED,
		    JWS_R_ALG_UNSUPPORTED },
		{ "{\"alg\":\"HS256\",\"kid\":\"face-1\"}", LIEN_EUNSUPPORTED,
		    JWS_R_ALG_UNSUPPORTED },
		{ "{\"alg\":\"eddsa\",\"kid\":\"face-1\"}", LIEN_EUNSUPPORTED,
		    JWS_R_ALG_UNSUPPORTED },
		{ "{\"kid\":\"face-1\"}", LIEN_EPARSE, JWS_R_MALFORMED },
		{ "{\"alg\":\"EdDSA\"}", LIEN_EPARSE, JWS_R_MALFORMED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"\"}", LIEN_EPARSE,
		    JWS_R_MALFORMED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-9\"}", LIEN_EKEY,
		    JWS_R_UNKNOWN_KID },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"crit\":[\"exp\"]}",
		    LIEN_EUNSUPPORTED, JWS_R_HEADER_REFUSED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"jku\":\"https://x\"}",
		    LIEN_EUNSUPPORTED, JWS_R_HEADER_REFUSED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"b64\":false}",
		    LIEN_EUNSUPPORTED, JWS_R_HEADER_REFUSED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"typ\":1}",
		    LIEN_EUNSUPPORTED, JWS_R_HEADER_REFUSED },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"alg\":\"EdDSA\"}",
		    LIEN_EPARSE, JWS_R_MALFORMED },
		{ "[\"alg\",\"EdDSA\"]", LIEN_EPARSE, JWS_R_MALFORMED },
		/* alg confusion: ES256 header over the Ed25519 key's kid. */
		{ "{\"alg\":\"ES256\",\"kid\":\"face-1\"}", LIEN_EVERIFY,
		    JWS_R_ALG_MISMATCH },
		{ "{\"alg\":\"EdDSA\",\"kid\":\"face-1\",\"typ\":\"JWT\"}",
		    LIEN_OK, JWS_R_OK },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tok = forge(f->ed, cases[i].h, claims_ok);

		expect(f, tok, cases[i].st, cases[i].r);
		free(tok);
	}
	fx_free(f);
}

static void
test_jws_verify_bad_payload(void **state)
{
	struct fx *f = fx_new();
	char *tok;

	(void)state;
	tok = forge(f->ed, "{\"alg\":\"EdDSA\",\"kid\":\"face-1\"}",
	    "{\"sub\":\"a\",\"sub\":\"b\"}");
	expect(f, tok, LIEN_EPARSE, JWS_R_MALFORMED);
	free(tok);
	tok = forge(f->ed, "{\"alg\":\"EdDSA\",\"kid\":\"face-1\"}", "[1]");
	expect(f, tok, LIEN_EPARSE, JWS_R_MALFORMED);
	free(tok);
	tok = forge(f->ed, "{\"alg\":\"EdDSA\",\"kid\":\"face-1\"}", "{} x");
	expect(f, tok, LIEN_EPARSE, JWS_R_MALFORMED);
	free(tok);
	fx_free(f);
}

static void
test_jws_verify_wrong_key(void **state)
{
	struct fx *f = fx_new();
	char *tok;

	(void)state;
	tok = sign(f->stranger, "face-1", claims_ok);
	expect(f, tok, LIEN_EVERIFY, JWS_R_BAD_SIGNATURE);
	free(tok);
	/* An ES256 signature under the EdDSA key's kid with alg ES256. */
	tok = forge(f->ec, "{\"alg\":\"ES256\",\"kid\":\"face-1\"}", claims_ok);
	expect(f, tok, LIEN_EVERIFY, JWS_R_ALG_MISMATCH);
	free(tok);
	fx_free(f);
}

static void
test_jws_verify_truncated_and_bitflip(void **state)
{
	struct fx *f = fx_new();
	char *tok = sign(f->ec, "face-2", claims_ok);
	size_t n = strlen(tok);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		struct jws_token t;

		assert_int_not_equal(jws_verify(f->ks, tok, len, &t, NULL),
		    LIEN_OK);
		assert_null(t.claims);
	}
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			struct jws_token t;

			tok[i] = (char)(tok[i] ^ (1 << bit));
			assert_int_not_equal(jws_verify(f->ks, tok, n, &t,
			    NULL), LIEN_OK);
			tok[i] = (char)(tok[i] ^ (1 << bit));
		}
	}
	expect(f, tok, LIEN_OK, JWS_R_OK);
	free(tok);
	fx_free(f);
}

static void
test_jws_verify_structure(void **state)
{
	struct fx *f = fx_new();
	char *tok = sign(f->ed, "face-1", claims_ok);
	char buf[JWS_TOKEN_MAX + 64];
	char *big;

	(void)state;
	/* Padding, a fourth part, whitespace, standard alphabet. */
	snprintf(buf, sizeof(buf), "%s=", tok);
	expect(f, buf, LIEN_EPARSE, JWS_R_MALFORMED);
	snprintf(buf, sizeof(buf), "%s.", tok);
	expect(f, buf, LIEN_EPARSE, JWS_R_MALFORMED);
	snprintf(buf, sizeof(buf), " %s", tok);
	expect(f, buf, LIEN_EPARSE, JWS_R_MALFORMED);
	snprintf(buf, sizeof(buf), "%s", tok);
	*strchr(buf, '.') = '\0';
	expect(f, buf, LIEN_EPARSE, JWS_R_MALFORMED);
	expect(f, "..", LIEN_EPARSE, JWS_R_MALFORMED);
	expect(f, "", LIEN_EPARSE, JWS_R_MALFORMED);
	/* Oversize: refused before any parsing. */
	big = malloc(JWS_TOKEN_MAX + 2);
	memset(big, 'A', JWS_TOKEN_MAX + 1);
	big[JWS_TOKEN_MAX + 1] = '\0';
	expect(f, big, LIEN_ETOOBIG, JWS_R_TOO_LARGE);
	free(big);
	free(tok);
	fx_free(f);
}

static void
test_jws_b64url_canonical(void **state)
{
	uint8_t out[8];
	size_t n = 0;
	char enc[16];

	(void)state;
	assert_int_equal(jws_b64url_decode("AQ", 2, out, sizeof(out), &n),
	    LIEN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 1);
	/* Non-zero trailing bits: "AR" would also decode to 0x01. */
	assert_int_equal(jws_b64url_decode("AR", 2, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(jws_b64url_decode("AQ==", 4, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(jws_b64url_decode("A", 1, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(jws_b64url_decode("+/", 2, out, sizeof(out), &n),
	    LIEN_EPARSE);
	assert_int_equal(jws_b64url_decode("-_8", 3, out, sizeof(out), &n),
	    LIEN_OK);
	assert_int_equal(jws_b64url_decode("AAAAAAAAAAAA", 12, out, 8, &n),
	    LIEN_ETOOBIG);
	assert_int_equal(jws_b64url_encode((const uint8_t *)"\xfb\xff", 2, enc,
	    sizeof(enc)), LIEN_OK);
	assert_string_equal(enc, "-_8");
	assert_int_equal(jws_b64url_encode((const uint8_t *)"ab", 2, enc, 3),
	    LIEN_ETOOBIG);
	assert_int_equal(JWS_B64URL_LEN(32), 43);
}

/* NumericDate claims: present, absent, and every way of being bad
 * (wrong type, negative, at and above 2^40). */
static void
test_jws_claim_time(void **state)
{
	json_error_t e;
	json_t *c = json_loads("{\"iat\":0,\"exp\":1099511627775,"
	    "\"nbf\":1099511627776,\"a\":-1,\"b\":\"5\",\"c\":1.5,"
	    "\"d\":null}", 0, &e);
	static const char *const bad[] = { "nbf", "a", "b", "c", "d" };
	int64_t t = 7;

	(void)state;
	assert_non_null(c);
	assert_int_equal(jws_claim_time(c, "iat", &t), LIEN_OK);
	assert_true(t == 0);
	assert_int_equal(jws_claim_time(c, "exp", &t), LIEN_OK);
	assert_true(t == ((int64_t)1 << 40) - 1);
	t = 7;
	assert_int_equal(jws_claim_time(c, "none", &t), LIEN_ENOTFOUND);
	assert_true(t == 7);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(jws_claim_time(c, bad[i], &t), LIEN_EPARSE);
		assert_true(t == 7);
	}
	json_decref(c);
}

static void
test_jws_claims_check(void **state)
{
	struct jws_claims_policy pol = {
		.iss = "https://face.example", .aud = "lienlog",
		.now = 1700000100, .skew = 30, .max_lifetime = 600,
	};
	static const struct {
		const char *claims;
		int64_t now;
		enum jws_reason r;
	} cases[] = {
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_OK },
		{ "{\"iss\":\"https://face.example\",\"aud\":[\"x\",\"lienlog\"],\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_OK },
		{ "{\"iss\":\"https://evil.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_WRONG_ISSUER },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"other\",\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_WRONG_AUDIENCE },
		{ "{\"iss\":\"https://face.example\",\"aud\":[1],\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_WRONG_AUDIENCE },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"exp\":1700000300}", 1700000100, JWS_R_CLAIM_MISSING },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000}", 1700000100, JWS_R_CLAIM_MISSING },
		{ "{\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000300}", 1700000100, JWS_R_CLAIM_MISSING },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000.5,\"exp\":1700000300}", 1700000100, JWS_R_CLAIM_MISSING },
		/* expired (with skew), just inside skew */
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000300}", 1700000330, JWS_R_EXPIRED },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000300}", 1700000329, JWS_R_OK },
		/* issued in the future, nbf in the future */
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000200,\"exp\":1700000300}", 1700000100, JWS_R_NOT_YET_VALID },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"nbf\":1700000131,\"exp\":1700000300}", 1700000100, JWS_R_NOT_YET_VALID },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"nbf\":1700000130,\"exp\":1700000300}", 1700000100, JWS_R_OK },
		/* lifetime over the cap, exp before iat */
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1700000601}", 1700000100, JWS_R_LIFETIME },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000200,\"exp\":1700000190}", 1700000180, JWS_R_LIFETIME },
		/* extreme times: refused as invalid claims, no overflow (UBSan) */
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":-9223372036854775807,\"exp\":9223372036854775807}", 1700000100, JWS_R_CLAIM_MISSING },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":1700000000,\"exp\":1099511627776}", 1700000100, JWS_R_CLAIM_MISSING },
		{ "{\"iss\":\"https://face.example\",\"aud\":\"lienlog\",\"iat\":-1,\"exp\":1700000300}", 1700000100, JWS_R_CLAIM_MISSING },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = json_loads(cases[i].claims, 0, NULL);
		enum jws_reason why;

		assert_non_null(c);
		pol.now = cases[i].now;
		assert_int_equal(jws_claims_check(c, &pol, &why),
		    cases[i].r == JWS_R_OK ? LIEN_OK : LIEN_EVERIFY);
		assert_int_equal(why, cases[i].r);
		json_decref(c);
	}
	pol.iss = NULL;
	assert_int_equal(jws_claims_check(NULL, &pol, NULL), LIEN_EINVAL);
	assert_string_equal(jws_reason_code(JWS_R_EXPIRED), "token_expired");
	assert_string_equal(jws_reason_code(JWS_R_COUNT_), "token_invalid");
}

static void
test_jws_keyset_parse_negative(void **state)
{
	static const char okp[] =
	    "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"";
	char buf[JWKS_FILE_MAX + 64];
	struct jws_keyset *ks = NULL;
	size_t o;

	(void)state;
#define KS(expect_st, ...) do {						\
		snprintf(buf, sizeof(buf), __VA_ARGS__);		\
		assert_int_equal(jws_keyset_parse(buf, strlen(buf), &ks),	\
		    expect_st);						\
		if (ks != NULL) {					\
			jws_keyset_free(ks);				\
			ks = NULL;					\
		}							\
	} while (0)
	KS(LIEN_OK, "{\"keys\":[{%s,\"kid\":\"a\",\"use\":\"sig\",\"alg\":\"EdDSA\"}]}", okp);
	KS(LIEN_EPARSE, "{\"keys\":[]}");
	KS(LIEN_EPARSE, "{\"keys\":{}}");
	KS(LIEN_EPARSE, "[]");
	KS(LIEN_EPARSE, "{\"keys\":[{%s}]}", okp);		/* no kid */
	KS(LIEN_EPARSE, "{\"keys\":[{%s,\"kid\":\"\"}]}", okp);
	KS(LIEN_EPARSE, "{\"keys\":[{%s,\"kid\":7}]}", okp);
	KS(LIEN_EEXIST, "{\"keys\":[{%s,\"kid\":\"a\"},{%s,\"kid\":\"a\"}]}", okp, okp);
	KS(LIEN_EPARSE, "{\"keys\":[{%s,\"kid\":\"a\",\"use\":\"enc\"}]}", okp);
	KS(LIEN_EPARSE, "{\"keys\":[{%s,\"kid\":\"a\",\"alg\":\"ES256\"}]}", okp);
	KS(LIEN_EPARSE, "{\"keys\":[{%s,\"kid\":\"a\"}],\"keys\":[]}", okp);
	KS(LIEN_EUNSUPPORTED, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\"}]}");
	/* Too many keys. */
	o = (size_t)snprintf(buf, sizeof(buf), "{\"keys\":[");
	for (unsigned i = 0; i <= JWKS_KEYS_MAX; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "%s{%s,\"kid\":\"k%u\"}", i ? "," : "", okp, i);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	assert_int_equal(jws_keyset_parse(buf, strlen(buf), &ks), LIEN_ETOOBIG);
	assert_int_equal(jws_keyset_parse(buf, JWKS_FILE_MAX + 1, &ks),
	    LIEN_ETOOBIG);
	assert_null(ks);
	assert_int_equal(jws_keyset_load("/nonexistent/jwks.json", &ks),
	    LIEN_EIO);
#undef KS
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jws_verify_rfc8037_a4),
		cmocka_unit_test(test_jws_verify_rfc7515_a3),
		cmocka_unit_test(test_jws_verify_roundtrip),
		cmocka_unit_test(test_jws_verify_refused_headers),
		cmocka_unit_test(test_jws_verify_bad_payload),
		cmocka_unit_test(test_jws_verify_wrong_key),
		cmocka_unit_test(test_jws_verify_truncated_and_bitflip),
		cmocka_unit_test(test_jws_verify_structure),
		cmocka_unit_test(test_jws_b64url_canonical),
		cmocka_unit_test(test_jws_claims_check),
		cmocka_unit_test(test_jws_claim_time),
		cmocka_unit_test(test_jws_keyset_parse_negative),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
