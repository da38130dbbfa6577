/*
 * Client side of the registration API (client/regclient.h).
 *
 * Design. Bodies are jansson trees serialised in RFC 8785 form
 * (registry/jcs.h), so the application digest a client binds its tokens to
 * is the digest lienlogd recomputes from the parsed body, whatever member
 * order it sees. Tokens are minted with jws_sign (the same code the tests
 * of api/evidence use). Requests are signed with httpsig_sign, the code
 * whose verifier lienlogd runs, over the same components `lienlog submit`
 * covers; what is signed is exactly what client/httpconn.c sends (the body
 * buffer, the Host header and request target built from the signed
 * authority and path).
 *
 * Receipts are verified as an offline verifier would (`lienlog verify
 * inclusion` on the receipt file): the checkpoint note must carry the log
 * key's signature and name, its size must be the receipt's tree_size, and
 * the RFC 9162 inclusion proof must lead from the leaf hash to its root. A
 * one-entry cache skips the note signature when a checkpoint repeats
 * (group commit: many receipts of one batch share it); the cache key is
 * the SHA-256 of the whole note, so the root it vouches for is the same.
 *
 * Not here: deciding what to send (demo/demo.c, tools/cli_load.c).
 */
#include "client/regclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include <jansson.h>

#include "client/httpconn.h"
#include "common/b64.h"
#include "crypto/cert.h"
#include "crypto/idemkey.h"
#include "tlog/checkpoint.h"
#include "registry/jcs.h"
#include "registry/registry.h"
#include "tlog/merkle.h"

#define RC_AUTHORITY_MAX HTTPCONN_AUTHORITY_MAX
#define RC_B64URL32_LEN 43u	/* base64url of 32 bytes, no padding */

struct regclient {
	struct httpconn *hc;	/* lean keep-alive transport (httpconn.h) */
	char authority[RC_AUTHORITY_MAX + 1];	/* lowercased */
};

/* ---- parties and issuers ------------------------------------------------- */

enum lien_status
regclient_party_load(const char *key_pem, size_t key_len,
    const char *cert_pem, size_t cert_len, struct regclient_party *out)
{
	struct cert *c = NULL;
	enum lien_status st;

	memset(out, 0, sizeof(*out));
	if (key_pem == NULL || cert_pem == NULL)
		return LIEN_EINVAL;
	if ((st = pkey_from_pem(key_pem, key_len, &out->key)) != LIEN_OK)
		goto out;
	if (!pkey_is_private(out->key)) {
		st = LIEN_EKEY;
		goto out;
	}
	if ((st = cert_parse_text(cert_pem, cert_len, &c)) != LIEN_OK)
		goto out;
	/* A key that is not the certificate's would sign requests the
	 * server can only refuse (signature_invalid): say so here. */
	if ((st = cert_key_check(c, out->key)) != LIEN_OK)
		goto out;
	cert_keyid_hex(c, out->keyid);
out:
	cert_free(c);
	if (st != LIEN_OK)
		regclient_party_clear(out);
	return st;
}

void
regclient_party_clear(struct regclient_party *p)
{
	if (p == NULL)
		return;
	pkey_free(p->key);
	memset(p, 0, sizeof(*p));
}

void
regclient_issuer_clear(struct regclient_issuer *i)
{
	if (i == NULL)
		return;
	pkey_free(i->key);
	memset(i, 0, sizeof(*i));
}

/* ---- helpers ----------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
b64url32(const uint8_t v[32], char out[RC_B64URL32_LEN + 1])
{
	return jws_b64url_encode(v, 32, out, RC_B64URL32_LEN + 1);
}

/* jansson setters that report allocation failure once, at the end. */
static void
set_str(json_t *o, const char *k, const char *v, int *bad)
{
	json_t *s;

	if (v == NULL)
		return;
	s = json_string(v);
	if (s == NULL || json_object_set_new(o, k, s) != 0)
		*bad = 1;
}

static void
set_int(json_t *o, const char *k, json_int_t v, int *bad)
{
	json_t *n = json_integer(v);

	if (n == NULL || json_object_set_new(o, k, n) != 0)
		*bad = 1;
}

static enum lien_status LIEN_MUST_CHECK
finish(json_t *o, int bad, char **out, size_t *out_len)
{
	enum lien_status st;

	if (bad || o == NULL) {
		json_decref(o);
		return LIEN_ENOMEM;
	}
	st = jcs_serialize(o, out, out_len);
	json_decref(o);
	return st;
}

static void
out_init(char **out, size_t *out_len)
{
	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
}

/* ---- tokens ---------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
token_sign(const struct regclient_issuer *is, json_t *claims, char **out)
{
	char *payload = NULL;
	size_t plen = 0;
	enum lien_status st;

	st = jcs_serialize(claims, &payload, &plen);
	json_decref(claims);
	if (st != LIEN_OK)
		return st;
	st = jws_sign(is->key, is->kid, (const uint8_t *)payload, plen, out);
	free(payload);
	return st;
}

static json_t *
claims_base(const struct regclient_issuer *is, const char *aud,
    const uint8_t nonce[HASH_LEN], int64_t now, int *bad)
{
	char n64[RC_B64URL32_LEN + 1];
	json_t *c = json_object();

	if (c == NULL || b64url32(nonce, n64) != LIEN_OK) {
		*bad = 1;
		return c;
	}
	set_str(c, "iss", is->iss, bad);
	set_str(c, "aud", aud, bad);
	set_int(c, "iat", (json_int_t)now, bad);
	set_int(c, "exp", (json_int_t)(now + REGCLIENT_TOKEN_LIFETIME), bad);
	set_str(c, "nonce", n64, bad);
	return c;
}

enum lien_status
regclient_face_token(const struct regclient_issuer *is, const char *aud,
    const uint8_t sub[REGCLIENT_COMMIT_LEN], const uint8_t nonce[HASH_LEN],
    uint32_t liveness, uint32_t match, int64_t now, char **out)
{
	char s64[RC_B64URL32_LEN + 1];
	json_t *c;
	int bad = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (is == NULL || is->key == NULL || aud == NULL || sub == NULL ||
	    nonce == NULL)
		return LIEN_EINVAL;
	c = claims_base(is, aud, nonce, now, &bad);
	if (b64url32(sub, s64) != LIEN_OK)
		bad = 1;
	else if (c != NULL)
		set_str(c, "sub", s64, &bad);
	if (c != NULL) {
		set_int(c, "liveness", (json_int_t)liveness, &bad);
		set_int(c, "match", (json_int_t)match, &bad);
	}
	if (bad || c == NULL) {
		json_decref(c);
		return LIEN_ENOMEM;
	}
	return token_sign(is, c, out);
}

enum lien_status
regclient_sms_token(const struct regclient_issuer *is, const char *aud,
    const uint8_t rep_phone[REGCLIENT_COMMIT_LEN],
    const uint8_t actor[REGCLIENT_COMMIT_LEN], const char *uscc,
    const uint8_t nonce[HASH_LEN], int64_t now, char **out)
{
	char s64[RC_B64URL32_LEN + 1], a64[RC_B64URL32_LEN + 1];
	json_t *c;
	int bad = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (is == NULL || is->key == NULL || aud == NULL || rep_phone ==
	    NULL || actor == NULL || uscc == NULL || nonce == NULL)
		return LIEN_EINVAL;
	c = claims_base(is, aud, nonce, now, &bad);
	if (b64url32(rep_phone, s64) != LIEN_OK ||
	    b64url32(actor, a64) != LIEN_OK)
		bad = 1;
	if (c != NULL && !bad) {
		set_str(c, "sub", s64, &bad);
		set_str(c, "act", a64, &bad);
		set_str(c, "org", uscc, &bad);
	}
	if (bad || c == NULL) {
		json_decref(c);
		return LIEN_ENOMEM;
	}
	return token_sign(is, c, out);
}

/* ---- bodies ---------------------------------------------------------------- */

/* The application object both kinds start from: {"vin", then what the
 * caller adds, and "owner": {"id_number", ...}} (the caller attaches
 * *owner with app_owner_attach once its members are in, so the members
 * keep this order). LIEN_EINVAL for a missing required member of rq,
 * LIEN_ENOMEM; on failure both outputs are NULL. */
static enum lien_status LIEN_MUST_CHECK
app_begin(const struct regclient_request *rq, json_t **app, json_t **owner)
{
	int bad = 0;

	*app = NULL;
	*owner = NULL;
	if (rq->mortgagee == NULL || rq->vin == NULL ||
	    rq->owner_id_number == NULL || rq->owner_commit == NULL)
		return LIEN_EINVAL;
	*app = json_object();
	*owner = json_object();
	if (*app != NULL && *owner != NULL) {
		set_str(*app, "vin", rq->vin, &bad);
		set_str(*owner, "id_number", rq->owner_id_number, &bad);
		if (!bad)
			return LIEN_OK;
	}
	json_decref(*app);
	json_decref(*owner);
	*app = NULL;
	*owner = NULL;
	return LIEN_ENOMEM;
}

/* app["owner"] = owner (consumed), unless bad (a member failed): then
 * both are dropped and LIEN_ENOMEM. */
static enum lien_status LIEN_MUST_CHECK
app_owner_attach(json_t *app, json_t *owner, int bad)
{
	if (bad) {
		json_decref(owner);
		json_decref(app);
		return LIEN_ENOMEM;
	}
	if (json_object_set_new(app, "owner", owner) != 0) {
		json_decref(app);
		return LIEN_ENOMEM;
	}
	return LIEN_OK;
}

/* The owner's consent around an application object (owned: consumed):
 * body = {"application": app, "face_token": ..., ["company": {...}]},
 * both tokens bound to the application digest of this bank
 * (registry_application_digest: application, company, mortgagee, step). */
static enum lien_status LIEN_MUST_CHECK
body_with_consent(const struct regclient_issuer *face,
    const struct regclient_issuer *sms, const char *aud, enum reg_type kind,
    const struct regclient_request *rq, json_t *app, int64_t now,
    char **out, size_t *out_len, uint8_t digest[HASH_LEN])
{
	uint8_t dg[HASH_LEN];
	char *tok = NULL, *sms_tok = NULL;
	json_t *b = NULL, *company = NULL;
	int bad = 0;
	enum lien_status st;

	if (rq->uscc != NULL && (sms == NULL || rq->legal_rep_phone == NULL ||
	    rq->rep_phone_commit == NULL)) {
		st = LIEN_EINVAL;
		goto fail;
	}
	if ((st = registry_application_digest(kind, rq->mortgagee,
	    strlen(rq->mortgagee), rq->uscc,
	    rq->uscc != NULL ? strlen(rq->uscc) : 0, app, dg)) != LIEN_OK)
		goto fail;
	if ((st = regclient_face_token(face, aud, rq->owner_commit, dg,
	    rq->liveness, rq->match, now, &tok)) != LIEN_OK)
		goto fail;
	if (rq->uscc != NULL) {
		/* the legal representative authorises the acting person (the
		 * face-verified owner.id_number) for this application */
		if ((st = regclient_sms_token(sms, aud, rq->rep_phone_commit,
		    rq->owner_commit, rq->uscc, dg, now, &sms_tok)) != LIEN_OK)
			goto fail;
		if ((company = json_object()) == NULL) {
			st = LIEN_ENOMEM;
			goto fail;
		}
		set_str(company, "uscc", rq->uscc, &bad);
		set_str(company, "legal_rep_phone", rq->legal_rep_phone, &bad);
		set_str(company, "sms_token", sms_tok, &bad);
	}
	if ((b = json_object()) == NULL) {
		st = LIEN_ENOMEM;
		goto fail;
	}
	if (json_object_set_new(b, "application", app) != 0)
		bad = 1;
	app = NULL;
	set_str(b, "face_token", tok, &bad);
	if (company != NULL && json_object_set_new(b, "company", company) != 0)
		bad = 1;
	company = NULL;
	free(tok);
	free(sms_tok);
	if (digest != NULL)
		memcpy(digest, dg, HASH_LEN);
	return finish(b, bad, out, out_len);
fail:
	free(tok);
	free(sms_tok);
	json_decref(app);
	json_decref(company);
	return st;
}

enum lien_status
regclient_mortgage_body(const struct regclient_issuer *face,
    const struct regclient_issuer *sms, const char *aud,
    const struct regclient_mortgage *m, int64_t now, char **out,
    size_t *out_len, uint8_t digest[HASH_LEN])
{
	json_t *app, *owner;
	int bad = 0;
	enum lien_status st;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || m == NULL || face == NULL ||
	    aud == NULL || m->plate == NULL || m->plate_type == NULL ||
	    m->certificate_number == NULL || m->contract_number == NULL)
		return LIEN_EINVAL;
	if ((st = app_begin(&m->rq, &app, &owner)) != LIEN_OK)
		return st;
	set_str(app, "plate", m->plate, &bad);
	set_str(app, "plate_type", m->plate_type, &bad);
	set_str(app, "certificate_number", m->certificate_number, &bad);
	set_str(app, "contract_number", m->contract_number, &bad);
	set_str(app, "term_end", m->term_end, &bad);
	set_str(owner, "name", m->owner_name, &bad);
	set_str(owner, "phone", m->owner_phone, &bad);
	if ((st = app_owner_attach(app, owner, bad)) != LIEN_OK)
		return st;
	return body_with_consent(face, sms, aud, REG_T_MORTGAGE_APPLICATION,
	    &m->rq, app, now, out, out_len, digest);
}

enum lien_status
regclient_release_body(const struct regclient_issuer *face,
    const struct regclient_issuer *sms, const char *aud,
    const struct regclient_release *r, int64_t now, char **out,
    size_t *out_len, uint8_t digest[HASH_LEN])
{
	json_t *app, *owner;
	int bad = 0;
	enum lien_status st;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || r == NULL || face == NULL ||
	    aud == NULL || r->mortgage == NULL)
		return LIEN_EINVAL;
	if ((st = app_begin(&r->rq, &app, &owner)) != LIEN_OK)
		return st;
	set_str(app, "mortgage", r->mortgage, &bad);
	if ((st = app_owner_attach(app, owner, bad)) != LIEN_OK)
		return st;
	return body_with_consent(face, sms, aud, REG_T_RELEASE_APPLICATION,
	    &r->rq, app, now, out, out_len, digest);
}

enum lien_status
regclient_voucher_body(const char *vin, const char *contract_number,
    const char *mortgage, int valid_days, char **out, size_t *out_len)
{
	json_t *o;
	int bad = 0;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || vin == NULL ||
	    (contract_number == NULL) == (mortgage == NULL))
		return LIEN_EINVAL;
	if ((o = json_object()) == NULL)
		return LIEN_ENOMEM;
	set_str(o, "vin", vin, &bad);
	set_str(o, "purpose", mortgage != NULL ? "release" : "mortgage", &bad);
	set_str(o, "contract_number", contract_number, &bad);
	set_str(o, "mortgage", mortgage, &bad);
	if (valid_days > 0)
		set_int(o, "valid_days", valid_days, &bad);
	return finish(o, bad, out, out_len);
}

enum lien_status
regclient_counter_body(int kind_release, const struct regclient_counter *m,
    char **out, size_t *out_len)
{
	json_t *o, *app, *owner, *idc;
	int bad = 0;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || m == NULL ||
	    m->mortgagee == NULL ||
	    (m->voucher == NULL) == (m->phone_contact == NULL) ||
	    (m->phone_contact != NULL && (!kind_release ||
	    m->bank_staff == NULL)) ||
	    m->id_document == NULL || m->vin == NULL ||
	    m->owner_id_number == NULL || (kind_release ? m->mortgage == NULL :
	    m->plate == NULL || m->plate_type == NULL ||
	    m->certificate_number == NULL || m->contract_number == NULL))
		return LIEN_EINVAL;
	o = json_object();
	app = json_object();
	owner = json_object();
	idc = json_object();
	if (o == NULL || app == NULL || owner == NULL || idc == NULL) {
		json_decref(o);
		json_decref(app);
		json_decref(owner);
		json_decref(idc);
		return LIEN_ENOMEM;
	}
	set_str(app, "vin", m->vin, &bad);
	set_str(app, "mortgagee", m->mortgagee, &bad);
	if (kind_release) {
		set_str(app, "mortgage", m->mortgage, &bad);
	} else {
		set_str(app, "plate", m->plate, &bad);
		set_str(app, "plate_type", m->plate_type, &bad);
		set_str(app, "certificate_number", m->certificate_number, &bad);
		set_str(app, "contract_number", m->contract_number, &bad);
		set_str(app, "term_end", m->term_end, &bad);
	}
	set_str(owner, "id_number", m->owner_id_number, &bad);
	set_str(owner, "name", m->owner_name, &bad);
	set_str(owner, "phone", m->owner_phone, &bad);
	set_str(idc, "document", m->id_document, &bad);
	if (json_object_set_new(app, "owner", owner) != 0)
		bad = 1;
	if (json_object_set_new(o, "application", app) != 0)
		bad = 1;
	if (json_object_set_new(o, "id_check", idc) != 0)
		bad = 1;
	set_str(o, "voucher", m->voucher, &bad);
	if (m->phone_contact != NULL) {
		json_t *ph = json_object();

		set_str(ph, "contact", m->phone_contact, &bad);
		set_str(ph, "bank_staff", m->bank_staff, &bad);
		if (ph == NULL || json_object_set_new(o, "phone_confirmation",
		    ph) != 0)
			bad = 1;
	}
	return finish(o, bad, out, out_len);
}

enum lien_status
regclient_decision_body(const char *decision, const char *reason,
    char **out, size_t *out_len)
{
	json_t *o;
	int bad = 0;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || decision == NULL)
		return LIEN_EINVAL;
	if ((o = json_object()) == NULL)
		return LIEN_ENOMEM;
	set_str(o, "decision", decision, &bad);
	set_str(o, "reason", reason, &bad);
	return finish(o, bad, out, out_len);
}

enum lien_status
regclient_restriction_body(const char *action, const char *restriction,
    const char *reference, char **out, size_t *out_len)
{
	json_t *o;
	int bad = 0;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || action == NULL ||
	    restriction == NULL || reference == NULL)
		return LIEN_EINVAL;
	if ((o = json_object()) == NULL)
		return LIEN_ENOMEM;
	set_str(o, "action", action, &bad);
	set_str(o, "restriction", restriction, &bad);
	set_str(o, "reference", reference, &bad);
	return finish(o, bad, out, out_len);
}

static enum lien_status vehicle_body(const char *vin, const char *plate,
    const char *plate_type, const char *certificate_number,
    const char *owner_key, const char *owner_value, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

enum lien_status
regclient_vehicle_body(const char *vin, const char *plate,
    const char *plate_type, const char *certificate_number,
    const char *owner_id_number, char **out, size_t *out_len)
{
	return vehicle_body(vin, plate, plate_type, certificate_number,
	    "id_number", owner_id_number, out, out_len);
}

enum lien_status
regclient_company_vehicle_body(const char *vin, const char *plate,
    const char *plate_type, const char *certificate_number,
    const char *owner_uscc, char **out, size_t *out_len)
{
	return vehicle_body(vin, plate, plate_type, certificate_number, "uscc",
	    owner_uscc, out, out_len);
}

static enum lien_status LIEN_MUST_CHECK
vehicle_body(const char *vin, const char *plate, const char *plate_type,
    const char *certificate_number, const char *owner_key,
    const char *owner_value, char **out, size_t *out_len)
{
	json_t *o, *owner;
	int bad = 0;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || vin == NULL || plate == NULL ||
	    plate_type == NULL || certificate_number == NULL ||
	    owner_value == NULL)
		return LIEN_EINVAL;
	o = json_object();
	owner = json_object();
	if (o == NULL || owner == NULL) {
		json_decref(o);
		json_decref(owner);
		return LIEN_ENOMEM;
	}
	set_str(o, "vin", vin, &bad);
	set_str(o, "plate", plate, &bad);
	set_str(o, "plate_type", plate_type, &bad);
	set_str(o, "certificate_number", certificate_number, &bad);
	set_str(owner, owner_key, owner_value, &bad);
	if (json_object_set_new(o, "owner", owner) != 0)
		bad = 1;
	return finish(o, bad, out, out_len);
}

/* The bare base64 of a certificate's DER (one of cert_parse_text's
 * forms): no line breaks to escape in JSON. */
static enum lien_status LIEN_MUST_CHECK
cert_b64(const char *pem, size_t len, char **out)
{
	struct cert *c = NULL;
	const uint8_t *der;
	size_t der_len = 0, cap;
	enum lien_status st;

	*out = NULL;
	if ((st = cert_parse_text(pem, len, &c)) != LIEN_OK)
		return st;
	der = cert_der_get0(c, &der_len);
	cap = B64_ENCODED_LEN(der_len) + 1;
	if ((*out = malloc(cap)) == NULL) {
		cert_free(c);
		return LIEN_ENOMEM;
	}
	st = b64_encode(der, der_len, *out, cap);
	cert_free(c);
	if (st != LIEN_OK) {
		free(*out);
		*out = NULL;
	}
	return st;
}

/* A filing body: {id_key: id, ["role": role,] "name", "certificate"}
 * with the certificate as base64 DER. */
static enum lien_status LIEN_MUST_CHECK
filing_body(const char *id_key, const char *id, const char *role,
    const char *name, const char *contact, const char *cert_pem,
    size_t cert_len, char **out, size_t *out_len)
{
	char *cb = NULL;
	json_t *o;
	int bad = 0;
	enum lien_status st;

	out_init(out, out_len);
	if (out == NULL || out_len == NULL || id == NULL || name == NULL ||
	    cert_pem == NULL)
		return LIEN_EINVAL;
	if ((st = cert_b64(cert_pem, cert_len, &cb)) != LIEN_OK)
		return st;
	if ((o = json_object()) == NULL) {
		free(cb);
		return LIEN_ENOMEM;
	}
	set_str(o, id_key, id, &bad);
	if (role != NULL)
		set_str(o, "role", role, &bad);
	set_str(o, "name", name, &bad);
	set_str(o, "contact", contact, &bad);
	set_str(o, "certificate", cb, &bad);
	free(cb);
	return finish(o, bad, out, out_len);
}

enum lien_status
regclient_institution_body(const char *uscc, const char *name,
    const char *cert_pem, size_t cert_len, char **out, size_t *out_len)
{
	return filing_body("uscc", uscc, NULL, name, NULL, cert_pem,
	    cert_len, out, out_len);
}

enum lien_status
regclient_institution_contact_body(const char *uscc, const char *name,
    const char *contact, const char *cert_pem, size_t cert_len, char **out,
    size_t *out_len)
{
	return filing_body("uscc", uscc, NULL, name, contact, cert_pem,
	    cert_len, out, out_len);
}

enum lien_status
regclient_party_body(const char *party, const char *role, const char *name,
    const char *cert_pem, size_t cert_len, char **out, size_t *out_len)
{
	if (role == NULL) {
		out_init(out, out_len);
		return LIEN_EINVAL;
	}
	return filing_body("party", party, role, name, NULL, cert_pem,
	    cert_len, out, out_len);
}

/* ---- signing ---------------------------------------------------------------- */

enum lien_status
regclient_sign(const struct regclient_party *p, const char *method,
    const char *authority, const char *path, const uint8_t *body,
    size_t len, int64_t created, const char *idem_key,
    struct httpsig_signed *out)
{
	static const char *const comps[] = { "@method", "@authority", "@path",
		"content-digest" };
	static const char *const comps_idem[] = { "@method", "@authority",
		"@path", "content-digest", "idempotency-key" };
	struct httpsig_request req;
	struct httpsig_sign_params sp;
	struct httpsig_header h;
	char field[IDEMKEY_FIELD_LEN + 1];

	if (p == NULL || p->key == NULL || method == NULL || authority ==
	    NULL || path == NULL || out == NULL || (body == NULL && len != 0) ||
	    (idem_key != NULL && strlen(idem_key) != IDEMKEY_LEN))
		return LIEN_EINVAL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.method_len = strlen(method);
	req.scheme = "http";
	req.scheme_len = 4;
	req.authority = authority;
	req.authority_len = strlen(authority);
	req.path = path;
	req.path_len = strlen(path);
	req.body = body != NULL ? body : (const uint8_t *)"";
	req.body_len = len;
	memset(&sp, 0, sizeof(sp));
	sp.components = comps;
	sp.ncomponents = sizeof(comps) / sizeof(comps[0]);
	if (idem_key != NULL) {
		(void)snprintf(field, sizeof(field), "\"%s\"", idem_key);
		h.name = "Idempotency-Key";
		h.name_len = strlen(h.name);
		h.value = field;
		h.value_len = IDEMKEY_FIELD_LEN;
		req.headers = &h;
		req.nheaders = 1;
		sp.components = comps_idem;
		sp.ncomponents = sizeof(comps_idem) / sizeof(comps_idem[0]);
	}
	sp.created = created;
	sp.expires = -1;
	sp.keyid = p->keyid;
	return httpsig_sign(&req, p->key, &sp, out);
}

/* ---- receipts ---------------------------------------------------------------- */

/* o[k], an integer >= 0. LIEN_EPARSE when absent, mistyped or negative
 * (*out unchanged). */
static enum lien_status LIEN_MUST_CHECK
json_u64(const json_t *o, const char *k, uint64_t *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return LIEN_EPARSE;
	*out = (uint64_t)json_integer_value(v);
	return LIEN_OK;
}

/* v, the standard base64 of one hash. LIEN_EPARSE otherwise. */
static enum lien_status LIEN_MUST_CHECK
hash_b64(const json_t *v, uint8_t out[HASH_LEN])
{
	size_t n = 0;

	if (!json_is_string(v) || b64_decode(json_string_value(v),
	    json_string_length(v), out, HASH_LEN, &n) != LIEN_OK ||
	    n != HASH_LEN)
		return LIEN_EPARSE;
	return LIEN_OK;
}

/* o[k], a string without NUL shorter than cap, into out. Absent or null
 * is no failure: out stays as it was ("" after the caller's memset).
 * LIEN_EPARSE for another type, a NUL or a string too long. */
static enum lien_status LIEN_MUST_CHECK
copy_str(const json_t *o, const char *k, char *out, size_t cap)
{
	const json_t *v = json_object_get(o, k);
	size_t n;

	if (v == NULL || json_is_null(v))
		return LIEN_OK;
	if (!json_is_string(v))
		return LIEN_EPARSE;
	n = json_string_length(v);
	if (n >= cap || memchr(json_string_value(v), '\0', n) != NULL)
		return LIEN_EPARSE;
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return LIEN_OK;
}

static void
cpcache_lock(struct regclient_cpcache *c)
{
	int expect = 0;

	while (!atomic_compare_exchange_weak(&c->lock, &expect, 1))
		expect = 0;
}

static void
cpcache_unlock(struct regclient_cpcache *c)
{
	atomic_store(&c->lock, 0);
}

static int
cpcache_has(struct regclient_cpcache *c, const uint8_t dg[HASH_LEN])
{
	int hit = 0;

	cpcache_lock(c);
	for (unsigned i = 0; i < c->n && !hit; i++)
		hit = memcmp(c->digest[i], dg, HASH_LEN) == 0;
	cpcache_unlock(c);
	return hit;
}

static void
cpcache_add(struct regclient_cpcache *c, const uint8_t dg[HASH_LEN])
{
	cpcache_lock(c);
	memcpy(c->digest[c->next], dg, HASH_LEN);
	c->next = (c->next + 1) % REGCLIENT_CPCACHE_WAYS;
	if (c->n < REGCLIENT_CPCACHE_WAYS)
		c->n++;
	cpcache_unlock(c);
}

enum lien_status
regclient_receipt_verify(const struct note_verifier *log, const char *body,
    size_t len, struct regclient_cpcache *cache,
    struct regclient_receipt *out)
{
	uint8_t (*proof)[HASH_LEN] = NULL;
	uint8_t cpdg[HASH_LEN];
	json_t *o = NULL, *arr, *cpv, *rv;
	json_error_t jerr;
	struct checkpoint cp;
	struct note_parsed np;
	const char *note;
	size_t nproof, note_len;
	enum lien_status st = LIEN_EPARSE;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (log == NULL || body == NULL || len == 0 || len >
	    REGCLIENT_REPLY_MAX)
		return LIEN_EPARSE;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o))
		goto out;
	if (json_u64(o, "index", &out->index) != LIEN_OK ||
	    json_u64(o, "tree_size", &out->tree_size) != LIEN_OK ||
	    out->index >= out->tree_size ||
	    hash_b64(json_object_get(o, "leaf_hash"), out->leaf_hash) !=
	    LIEN_OK)
		goto out;
	if (json_object_get(o, "entry_type") != NULL &&
	    json_u64(o, "entry_type", &out->entry_type) != LIEN_OK)
		goto out;
	if (copy_str(o, "application_id", out->app_id,
	    sizeof(out->app_id)) != LIEN_OK ||
	    copy_str(o, "status", out->status, sizeof(out->status)) !=
	    LIEN_OK ||
	    copy_str(o, "owner_code", out->owner_code,
	    sizeof(out->owner_code)) != LIEN_OK ||
	    copy_str(o, "voucher_id", out->voucher_id,
	    sizeof(out->voucher_id)) != LIEN_OK)
		goto out;
	arr = json_object_get(o, "anomalies");
	if (arr != NULL) {
		if (!json_is_array(arr))
			goto out;
		out->nanomalies = json_array_size(arr);
	}
	rv = json_object_get(o, "replayed");
	if (rv != NULL) {
		if (!json_is_boolean(rv))
			goto out;
		out->replayed = json_is_true(rv);
	}
	arr = json_object_get(o, "proof");
	if (!json_is_array(arr) || json_array_size(arr) > MERKLE_PROOF_MAX)
		goto out;
	nproof = json_array_size(arr);
	if ((proof = calloc(nproof > 0 ? nproof : 1, HASH_LEN)) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nproof; i++)
		if (hash_b64(json_array_get(arr, i), proof[i]) != LIEN_OK)
			goto out;
	cpv = json_object_get(o, "checkpoint");
	if (!json_is_string(cpv))
		goto out;
	note = json_string_value(cpv);
	note_len = json_string_length(cpv);
	hash_sha256(note, note_len, cpdg);
	if (cache != NULL && cpcache_has(cache, cpdg)) {
		/* Same note bytes as one whose signature verified. */
		if ((st = note_parse((const uint8_t *)note, note_len, &np)) !=
		    LIEN_OK)
			goto out;
		if ((st = checkpoint_parse(np.text, np.text_len, &cp)) !=
		    LIEN_OK)
			goto out;
	} else {
		st = checkpoint_open((const uint8_t *)note, note_len, log, &cp);
		if (st != LIEN_OK)
			goto out;
		if (cache != NULL)
			cpcache_add(cache, cpdg);
	}
	st = LIEN_EVERIFY;
	if (cp.size != out->tree_size)
		goto out;
	st = merkle_verify_inclusion(out->leaf_hash, out->index,
	    out->tree_size, (const uint8_t (*)[HASH_LEN])proof, nproof,
	    cp.root);
	if (st != LIEN_OK)
		st = LIEN_EVERIFY;
out:
	free(proof);
	json_decref(o);
	if (st != LIEN_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

/* ---- the connection ------------------------------------------------------------ */

enum lien_status
regclient_new(const struct regclient_config *cfg, struct regclient **out)
{
	struct regclient *rc;
	const char *rest;
	size_t n;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (cfg == NULL || cfg->url == NULL ||
	    strncmp(cfg->url, "http://", 7) != 0)
		return LIEN_EINVAL;
	rest = cfg->url + 7;
	n = strlen(rest);
	while (n > 0 && rest[n - 1] == '/')
		n--;
	if (n == 0 || n > RC_AUTHORITY_MAX || memchr(rest, '/', n) != NULL ||
	    memchr(rest, '?', n) != NULL || memchr(rest, '@', n) != NULL)
		return LIEN_EINVAL;
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char c = rest[i];

		if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f) {
			free(rc);
			return LIEN_EINVAL;
		}
		rc->authority[i] = (c >= 'A' && c <= 'Z') ?
		    (char)(c + ('a' - 'A')) : c;
	}
	rc->authority[n] = '\0';
	if ((st = httpconn_new(rc->authority, cfg->timeout_ms, &rc->hc)) !=
	    LIEN_OK) {
		free(rc);
		return st;
	}
	*out = rc;
	return LIEN_OK;
}

void
regclient_free(struct regclient *rc)
{
	if (rc == NULL)
		return;
	httpconn_free(rc->hc);
	free(rc);
}

void
regclient_reply_clear(struct regclient_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Keep the stable error code of a JSON error body. */
static void
reply_code(struct regclient_reply *r)
{
	json_error_t jerr;
	json_t *o;

	r->code[0] = '\0';
	if (r->body == NULL || r->len == 0 || r->http < 300)
		return;
	o = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (json_is_object(o))
		if (copy_str(o, "code", r->code, sizeof(r->code)) != LIEN_OK)
			r->code[0] = '\0';	/* no code to keep */
	json_decref(o);
}

enum lien_status
regclient_send(struct regclient *rc, const struct regclient_party *p,
    const char *method, const char *path, const char *body, size_t len,
    int64_t now, struct regclient_reply *out)
{
	return regclient_send_idem(rc, p, method, path, body, len, now, NULL,
	    out);
}

enum lien_status
regclient_send_idem(struct regclient *rc, const struct regclient_party *p,
    const char *method, const char *path, const char *body, size_t len,
    int64_t now, const char *idem_key, struct regclient_reply *out)
{
	struct httpsig_signed sig;
	char h_digest[HTTPSIG_DIGEST_LEN + 32];
	char h_input[HTTPSIG_FIELD_MAX + 32];
	char h_sig[HTTPSIG_FIELD_MAX + 32];
	char h_idem[IDEMKEY_FIELD_LEN + 32];
	char fresh[IDEMKEY_LEN + 1];
	const char *hdrs[5];
	uint8_t *resp = NULL;
	size_t resp_len = 0;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (rc == NULL || method == NULL || path == NULL || path[0] != '/' ||
	    strcmp(method, "POST") != 0 || now < 0)
		return LIEN_EINVAL;
	/* Every write carries an Idempotency-Key by default, so that a
	 * caller who resends after a lost answer (with the key it passed
	 * here) gets the original receipt instead of a second entry. */
	if (idem_key == NULL) {
		if ((st = idemkey_generate((uint64_t)now * 1000u, fresh)) !=
		    LIEN_OK)
			return st;
		idem_key = fresh;
	} else if (idem_key[0] == '\0') {
		idem_key = NULL;	/* explicitly none */
	}
	if ((st = regclient_sign(p, method, rc->authority, path,
	    (const uint8_t *)body, len, now, idem_key, &sig)) != LIEN_OK)
		return st;
	(void)snprintf(h_digest, sizeof(h_digest), "Content-Digest: %s",
	    sig.content_digest);
	(void)snprintf(h_input, sizeof(h_input), "Signature-Input: %s",
	    sig.signature_input);
	(void)snprintf(h_sig, sizeof(h_sig), "Signature: %s", sig.signature);
	hdrs[0] = h_digest;
	hdrs[1] = h_input;
	hdrs[2] = h_sig;
	hdrs[3] = NULL;
	if (idem_key != NULL) {
		(void)snprintf(h_idem, sizeof(h_idem),
		    "Idempotency-Key: \"%s\"", idem_key);
		hdrs[3] = h_idem;
		hdrs[4] = NULL;
	}
	st = httpconn_post(rc->hc, path, "application/json", hdrs,
	    (const uint8_t *)body, len, REGCLIENT_REPLY_MAX, &resp, &resp_len,
	    &out->http);
	if (st != LIEN_OK)
		return st;
	out->body = (char *)resp;
	out->len = resp_len;
	reply_code(out);
	return LIEN_OK;
}

enum lien_status
regclient_commitment(struct regclient *rc, const struct regclient_party *p,
    const char *kind, const char *value, int64_t now,
    uint8_t out[REGCLIENT_COMMIT_LEN], long *http)
{
	struct regclient_reply r;
	json_t *o, *v;
	json_error_t jerr;
	char *body = NULL;
	size_t blen = 0, n = 0;
	int bad = 0;
	enum lien_status st;

	memset(out, 0, REGCLIENT_COMMIT_LEN);
	if (http != NULL)
		*http = 0;
	if (kind == NULL || value == NULL)
		return LIEN_EINVAL;
	if ((o = json_object()) == NULL)
		return LIEN_ENOMEM;
	set_str(o, kind, value, &bad);
	if ((st = finish(o, bad, &body, &blen)) != LIEN_OK)
		return st;
	st = regclient_send(rc, p, "POST", "/v1/identity-commitments", body,
	    blen, now, &r);
	free(body);
	if (st != LIEN_OK)
		return st;
	if (http != NULL)
		*http = r.http;
	if (r.http != 200) {
		regclient_reply_clear(&r);
		return LIEN_EVERIFY;
	}
	st = LIEN_EPARSE;
	o = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &jerr);
	v = json_object_get(o, "commitment");
	if (json_is_string(v) && jws_b64url_decode(json_string_value(v),
	    json_string_length(v), out, REGCLIENT_COMMIT_LEN, &n) == LIEN_OK &&
	    n == REGCLIENT_COMMIT_LEN)
		st = LIEN_OK;
	json_decref(o);
	regclient_reply_clear(&r);
	if (st != LIEN_OK)
		memset(out, 0, REGCLIENT_COMMIT_LEN);
	return st;
}
