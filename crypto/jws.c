/*
 * JWS compact verification (RFC 7515 7.1) for EdDSA (RFC 8037) and ES256
 * (RFC 7518 3.4), JWKS key sets (RFC 7517 5) and registered-claim checks
 * (RFC 7519 4.1).
 *
 * Order of checks, cheapest and least trusting first: total length cap;
 * exactly two '.'; each part canonical base64url; header JSON strict
 * (duplicates refused, member allowlist); alg known; kid known; key type
 * fits alg; signature over the ASCII "header.payload" exactly as received
 * (RFC 7515 5.2 step 8: never re-encode); only then is the payload parsed,
 * again refusing duplicate keys. Nothing here reads a clock: the caller
 * passes "now" to jws_claims_check.
 *
 * Not here: JWS JSON serialization, unencoded payloads (RFC 7797), JWE,
 * HMAC algorithms - none of them are accepted by lienlog.
 */
#include "crypto/jws.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"

struct jws_key {
	char kid[JWS_KID_MAX + 1];
	size_t kid_len;
	struct pkey *key;
};

struct jws_keyset {
	size_t n;
	struct jws_key keys[];
};

static const char *const reason_codes[JWS_R_COUNT_] = {
	[JWS_R_OK] = "ok",
	[JWS_R_MALFORMED] = "token_malformed",
	[JWS_R_TOO_LARGE] = "token_too_large",
	[JWS_R_ALG_UNSUPPORTED] = "token_alg_unsupported",
	[JWS_R_UNKNOWN_KID] = "token_unknown_kid",
	[JWS_R_HEADER_REFUSED] = "token_header_refused",
	[JWS_R_ALG_MISMATCH] = "token_alg_mismatch",
	[JWS_R_BAD_SIGNATURE] = "token_bad_signature",
	[JWS_R_CLAIM_MISSING] = "token_claim_missing",
	[JWS_R_WRONG_ISSUER] = "token_wrong_issuer",
	[JWS_R_WRONG_AUDIENCE] = "token_wrong_audience",
	[JWS_R_EXPIRED] = "token_expired",
	[JWS_R_NOT_YET_VALID] = "token_not_yet_valid",
	[JWS_R_LIFETIME] = "token_lifetime_exceeded",
};

const char *
jws_reason_code(enum jws_reason r)
{
	if ((unsigned)r >= JWS_R_COUNT_ || reason_codes[r] == NULL)
		return "token_invalid";
	return reason_codes[r];
}

/* ---- base64url ---------------------------------------------------------- */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

enum lien_status
jws_b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	if (out == NULL || (in == NULL && len > 0))
		return LIEN_EINVAL;
	if (len > SIZE_MAX / 2 || cap < JWS_B64URL_LEN(len) + 1) {
		if (cap > 0)
			out[0] = '\0';
		return LIEN_ETOOBIG;
	}
	for (i = 0; len - i >= 3; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = b64url_alphabet[w >> 18 & 63];
		out[o++] = b64url_alphabet[w >> 12 & 63];
		out[o++] = b64url_alphabet[w >> 6 & 63];
		out[o++] = b64url_alphabet[w & 63];
	}
	if (len - i == 1) {
		uint32_t w = (uint32_t)in[i] << 16;

		out[o++] = b64url_alphabet[w >> 18 & 63];
		out[o++] = b64url_alphabet[w >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64url_alphabet[w >> 18 & 63];
		out[o++] = b64url_alphabet[w >> 12 & 63];
		out[o++] = b64url_alphabet[w >> 6 & 63];
	}
	out[o] = '\0';
	return LIEN_OK;
}

enum lien_status
jws_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	size_t i, o = 0, need;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (out_len != NULL)
		*out_len = 0;
	if (out_len == NULL || (out == NULL && cap > 0) ||
	    (in == NULL && len > 0))
		return LIEN_EINVAL;
	if (len % 4 == 1)
		goto bad;		/* 6 bits cannot make a byte */
	need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > cap) {
		if (cap > 0)
			memset(out, 0, cap);
		return LIEN_ETOOBIG;
	}
	for (i = 0; i < len; i++) {
		int v = b64url_val((unsigned char)in[i]);

		if (v < 0)
			goto bad;
		acc = (acc << 6 | (uint32_t)v) & 0xffffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* RFC 4648 3.5: the unused low bits of the last char must be 0,
	 * or two strings would decode to the same bytes. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		goto bad;
	*out_len = o;
	return LIEN_OK;
bad:
	if (cap > 0 && out != NULL)
		memset(out, 0, cap);
	return LIEN_EPARSE;
}

/* ---- key sets ------------------------------------------------------------- */

void
jws_keyset_free(struct jws_keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->n; i++)
		pkey_free(ks->keys[i].key);
	free(ks);
}

size_t
jws_keyset_count(const struct jws_keyset *ks)
{
	return ks == NULL ? 0 : ks->n;
}

const struct pkey *
jws_keyset_find(const struct jws_keyset *ks, const char *kid, size_t kid_len)
{
	if (ks == NULL || kid == NULL)
		return NULL;
	for (size_t i = 0; i < ks->n; i++)
		if (ks->keys[i].kid_len == kid_len &&
		    memcmp(ks->keys[i].kid, kid, kid_len) == 0)
			return ks->keys[i].key;
	return NULL;
}

/* JWS alg name for a key type, or NULL. */
static const char *
alg_for_key(enum pkey_alg a)
{
	switch (a) {
	case PKEY_ED25519:
		return "EdDSA";
	case PKEY_P256:
		return "ES256";
	default:
		return NULL;
	}
}

static int
jstr_eq(const json_t *v, const char *want)
{
	return json_is_string(v) && json_string_length(v) == strlen(want) &&
	    memcmp(json_string_value(v), want, strlen(want)) == 0;
}

enum lien_status
jws_keyset_parse(const char *text, size_t len, struct jws_keyset **out)
{
	enum lien_status st = LIEN_EPARSE;
	json_error_t err;
	json_t *root = NULL, *keys, *jwk;
	struct jws_keyset *ks = NULL;
	size_t n, i;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (text == NULL)
		return LIEN_EPARSE;
	if (len > JWKS_FILE_MAX)
		return LIEN_ETOOBIG;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(root))
		goto out;
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys) || (n = json_array_size(keys)) == 0)
		goto out;
	if (n > JWKS_KEYS_MAX) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	ks = calloc(1, sizeof(*ks) + n * sizeof(ks->keys[0]));
	if (ks == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	json_array_foreach(keys, i, jwk) {
		const json_t *kid = json_object_get(jwk, "kid");
		const json_t *use = json_object_get(jwk, "use");
		const json_t *alg = json_object_get(jwk, "alg");
		struct jws_key *k = &ks->keys[ks->n];
		const char *want;
		size_t kl;

		st = LIEN_EPARSE;
		if (!json_is_string(kid) || (kl = json_string_length(kid)) == 0 ||
		    kl > JWS_KID_MAX || memchr(json_string_value(kid), 0, kl))
			goto out;
		if (use != NULL && !jstr_eq(use, "sig"))
			goto out;
		if (jws_keyset_find(ks, json_string_value(kid), kl) != NULL) {
			st = LIEN_EEXIST;
			goto out;
		}
		if ((st = pkey_from_jwk_obj(jwk, &k->key)) != LIEN_OK)
			goto out;
		memcpy(k->kid, json_string_value(kid), kl);
		k->kid[kl] = '\0';
		k->kid_len = kl;
		ks->n++;
		want = alg_for_key(pkey_alg_get(k->key));
		if (want == NULL) {
			st = LIEN_EUNSUPPORTED;
			goto out;
		}
		if (alg != NULL && !jstr_eq(alg, want)) {
			st = LIEN_EPARSE;
			goto out;
		}
	}
	*out = ks;
	ks = NULL;
	st = LIEN_OK;
out:
	jws_keyset_free(ks);
	json_decref(root);
	return st;
}

enum lien_status
jws_keyset_load(const char *path, struct jws_keyset **out)
{
	enum lien_status st;
	char *buf;
	size_t n;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (path == NULL)
		return LIEN_EINVAL;
	if ((st = file_read(path, JWKS_FILE_MAX, &buf, &n)) != LIEN_OK)
		return st == LIEN_ENOTFOUND ? LIEN_EIO : st;
	st = jws_keyset_parse(buf, n, out);
	free(buf);
	return st;
}

/* ---- verification --------------------------------------------------------- */

void
jws_token_clear(struct jws_token *t)
{
	if (t == NULL)
		return;
	json_decref(t->claims);
	memset(t, 0, sizeof(*t));
}

/* Decode a base64url segment into a fresh NUL-terminated buffer. */
static enum lien_status LIEN_MUST_CHECK
seg_decode(const char *s, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = len / 4 * 3 + 3;
	uint8_t *b = malloc(cap + 1);
	enum lien_status st;

	*out = NULL;
	if (b == NULL)
		return LIEN_ENOMEM;
	st = jws_b64url_decode(s, len, b, cap, out_len);
	if (st != LIEN_OK || *out_len == 0) {
		free(b);
		return LIEN_EPARSE;
	}
	b[*out_len] = 0;
	*out = b;
	return LIEN_OK;
}

#define FAIL(s, r) do { st = (s); reason = (r); goto out; } while (0)

enum lien_status
jws_verify(const struct jws_keyset *ks, const char *token, size_t len,
    struct jws_token *out, enum jws_reason *why)
{
	enum lien_status st = LIEN_EPARSE;
	enum jws_reason reason = JWS_R_MALFORMED;
	const char *dot1, *dot2, *end, *hname;
	uint8_t *hdr = NULL, *pay = NULL, sig[PKEY_RAW_SIG_LEN + 1];
	size_t hdr_len = 0, pay_len = 0, sig_len = 0;
	json_t *h = NULL, *claims = NULL, *v;
	json_error_t err;
	const struct pkey *key;
	const json_t *alg, *kid;
	enum pkey_alg want;

	if (why != NULL)
		*why = JWS_R_MALFORMED;
	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (ks == NULL || (token == NULL && len > 0))
		return LIEN_EINVAL;
	if (len > JWS_TOKEN_MAX)
		FAIL(LIEN_ETOOBIG, JWS_R_TOO_LARGE);
	end = token + len;
	/* RFC 7515 7.1: exactly three parts. */
	if (len == 0 || (dot1 = memchr(token, '.', len)) == NULL)
		goto out;
	if ((dot2 = memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1))) == NULL ||
	    memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)) != NULL)
		goto out;
	if ((st = seg_decode(token, (size_t)(dot1 - token), &hdr, &hdr_len)) !=
	    LIEN_OK)
		FAIL(st == LIEN_ENOMEM ? st : LIEN_EPARSE, JWS_R_MALFORMED);
	/* The payload may not be empty either: it must hold the claims. */
	if ((st = seg_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &pay,
	    &pay_len)) != LIEN_OK)
		FAIL(st == LIEN_ENOMEM ? st : LIEN_EPARSE, JWS_R_MALFORMED);
	if (jws_b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), sig,
	    sizeof(sig), &sig_len) != LIEN_OK)
		FAIL(LIEN_EPARSE, JWS_R_MALFORMED);

	h = json_loadb((const char *)hdr, hdr_len, JSON_REJECT_DUPLICATES,
	    &err);
	if (!json_is_object(h))
		FAIL(LIEN_EPARSE, JWS_R_MALFORMED);
	alg = json_object_get(h, "alg");
	kid = json_object_get(h, "kid");
	if (!json_is_string(alg))
		FAIL(LIEN_EPARSE, JWS_R_MALFORMED);
	if (jstr_eq(alg, "EdDSA"))
		want = PKEY_ED25519;
	else if (jstr_eq(alg, "ES256"))
		want = PKEY_P256;
	else	/* "none", HS256, RS256, ... */
		FAIL(LIEN_EUNSUPPORTED, JWS_R_ALG_UNSUPPORTED);
	/* Allowlist: anything else may change processing (crit, b64) or
	 * try to pick the key (jku, jwk, x5u, x5c). */
	json_object_foreach(h, hname, v) {
		if (strcmp(hname, "alg") == 0 || strcmp(hname, "kid") == 0)
			continue;
		if (strcmp(hname, "typ") == 0 && json_is_string(v))
			continue;
		FAIL(LIEN_EUNSUPPORTED, JWS_R_HEADER_REFUSED);
	}
	if (!json_is_string(kid) || json_string_length(kid) == 0 ||
	    json_string_length(kid) > JWS_KID_MAX)
		FAIL(LIEN_EPARSE, JWS_R_MALFORMED);
	key = jws_keyset_find(ks, json_string_value(kid),
	    json_string_length(kid));
	if (key == NULL)
		FAIL(LIEN_EKEY, JWS_R_UNKNOWN_KID);
	if (pkey_alg_get(key) != want)
		FAIL(LIEN_EVERIFY, JWS_R_ALG_MISMATCH);
	/* RFC 7515 5.2 step 8: the signing input is the received ASCII. */
	if (pkey_verify(key, PKEY_SIG_RAW, token, (size_t)(dot2 - token), sig,
	    sig_len) != LIEN_OK)
		FAIL(LIEN_EVERIFY, JWS_R_BAD_SIGNATURE);
	claims = json_loadb((const char *)pay, pay_len, JSON_REJECT_DUPLICATES,
	    &err);
	if (!json_is_object(claims))
		FAIL(LIEN_EPARSE, JWS_R_MALFORMED);
	out->alg = want;
	memcpy(out->kid, json_string_value(kid), json_string_length(kid));
	out->kid[json_string_length(kid)] = '\0';
	out->claims = claims;
	claims = NULL;
	st = LIEN_OK;
	reason = JWS_R_OK;
out:
	json_decref(claims);
	json_decref(h);
	free(hdr);
	free(pay);
	if (why != NULL)
		*why = reason;
	return st;
}

#undef FAIL

/* ---- claims ------------------------------------------------------------------ */

enum lien_status
jws_claim_string(const struct json_t *claims, const char *name,
    const char **out, size_t *out_len)
{
	const json_t *v;

	if (out == NULL || out_len == NULL || name == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (!json_is_object(claims))
		return LIEN_EINVAL;
	if ((v = json_object_get(claims, name)) == NULL)
		return LIEN_ENOTFOUND;
	if (!json_is_string(v))
		return LIEN_EPARSE;
	*out = json_string_value(v);
	*out_len = json_string_length(v);
	return LIEN_OK;
}

enum lien_status
jws_claim_time(const struct json_t *claims, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(claims, name);

	if (v == NULL)
		return LIEN_ENOTFOUND;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) >= ((json_int_t)1 << 40))
		return LIEN_EPARSE;
	*out = (int64_t)json_integer_value(v);
	return LIEN_OK;
}

enum lien_status
jws_claims_check(const struct json_t *claims,
    const struct jws_claims_policy *pol, enum jws_reason *why)
{
	enum jws_reason r = JWS_R_CLAIM_MISSING;
	const json_t *iss, *aud, *a;
	int64_t iat = 0, exp = 0, nbf = 0;
	enum lien_status st = LIEN_ENOTFOUND;
	int has_nbf;
	size_t i;

	if (why != NULL)
		*why = JWS_R_MALFORMED;
	if (pol == NULL || pol->iss == NULL || pol->aud == NULL ||
	    pol->skew < 0 || pol->max_lifetime <= 0 || !json_is_object(claims))
		return LIEN_EINVAL;
	iss = json_object_get(claims, "iss");
	aud = json_object_get(claims, "aud");
	if (iss == NULL || aud == NULL)
		goto fail;
	if (!jstr_eq(iss, pol->iss)) {
		r = JWS_R_WRONG_ISSUER;
		goto fail;
	}
	/* RFC 7519 4.1.3: a string, or an array of strings. */
	r = JWS_R_WRONG_AUDIENCE;
	if (json_is_array(aud)) {
		int found = 0;

		json_array_foreach(aud, i, a) {
			if (!json_is_string(a))
				goto fail;
			if (jstr_eq(a, pol->aud))
				found = 1;
		}
		if (!found)
			goto fail;
	} else if (!jstr_eq(aud, pol->aud)) {
		goto fail;
	}
	r = JWS_R_CLAIM_MISSING;
	if (jws_claim_time(claims, "exp", &exp) != LIEN_OK ||
	    jws_claim_time(claims, "iat", &iat) != LIEN_OK ||
	    ((st = jws_claim_time(claims, "nbf", &nbf)) != LIEN_OK &&
	    st != LIEN_ENOTFOUND))
		goto fail;
	has_nbf = st == LIEN_OK;
	/* Overflow-safe: claim times are bounded by jws_claim_time(); now and
	 * skew come from the caller's policy. */
	r = JWS_R_EXPIRED;
	if (exp <= pol->now - pol->skew)
		goto fail;
	r = JWS_R_NOT_YET_VALID;
	if (iat > pol->now + pol->skew || (has_nbf && nbf > pol->now + pol->skew))
		goto fail;
	r = JWS_R_LIFETIME;
	if (exp <= iat || exp - iat > pol->max_lifetime)
		goto fail;
	if (why != NULL)
		*why = JWS_R_OK;
	return LIEN_OK;
fail:
	if (why != NULL)
		*why = r;
	return LIEN_EVERIFY;
}

/* ---- signing ------------------------------------------------------------------ */

enum lien_status
jws_sign(const struct pkey *key, const char *kid, const uint8_t *payload,
    size_t payload_len, char **out)
{
	enum lien_status st;
	const char *alg;
	json_t *h;
	char *htext = NULL, *buf = NULL;
	size_t hl, need, o;
	uint8_t sig[PKEY_SIG_MAX];
	size_t sig_len = 0;

	if (out != NULL)
		*out = NULL;
	if (key == NULL || kid == NULL || out == NULL ||
	    (payload == NULL && payload_len > 0))
		return LIEN_EINVAL;
	if ((alg = alg_for_key(pkey_alg_get(key))) == NULL)
		return LIEN_EUNSUPPORTED;
	if (!pkey_is_private(key))
		return LIEN_EKEY;
	if (payload_len > JWS_TOKEN_MAX)
		return LIEN_ETOOBIG;
	h = json_pack("{s:s, s:s, s:s}", "alg", alg, "kid", kid, "typ", "JWT");
	if (h == NULL)
		return LIEN_ENOMEM;
	htext = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(h);
	if (htext == NULL)
		return LIEN_ENOMEM;
	hl = strlen(htext);
	need = JWS_B64URL_LEN(hl) + 1 + JWS_B64URL_LEN(payload_len) + 1 +
	    JWS_B64URL_LEN(PKEY_RAW_SIG_LEN) + 1;
	st = LIEN_ETOOBIG;
	if (need - 1 > JWS_TOKEN_MAX)
		goto out;
	st = LIEN_ENOMEM;
	if ((buf = malloc(need)) == NULL)
		goto out;
	if ((st = jws_b64url_encode((const uint8_t *)htext, hl, buf, need)) !=
	    LIEN_OK)
		goto out;
	o = strlen(buf);
	buf[o++] = '.';
	if ((st = jws_b64url_encode(payload, payload_len, buf + o, need - o)) !=
	    LIEN_OK)
		goto out;
	o += strlen(buf + o);
	if ((st = pkey_sign(key, PKEY_SIG_RAW, buf, o, sig, sizeof(sig),
	    &sig_len)) != LIEN_OK)
		goto out;
	buf[o++] = '.';
	if ((st = jws_b64url_encode(sig, sig_len, buf + o, need - o)) != LIEN_OK)
		goto out;
	*out = buf;
	buf = NULL;
out:
	free(buf);
	free(htext);
	return st;
}
