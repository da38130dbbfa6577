/*
 * The registration API (docs/api-registration.md): one handler per route,
 * each a straight line through the pipeline of api/reg_int.h --
 * authenticate, parse the body strictly (exact member sets, types),
 * validate every identifier (registry/ids.h), turn personal data into
 * comparable commitments (crypto/seal.h, keyed salt), check the face-ID /
 * SMS evidence (api/evidence.h), fill struct reg_request and let
 * registry_build decide inside the sequencer.
 *
 *   POST /v1/institutions                    admin
 *   GET  /v1/institutions?status=&after=&limit=  anyone (public)
 *   POST /v1/institutions/{uscc}/status      admin
 *   POST /v1/parties                         admin
 *   POST /v1/parties/{party}/status          admin
 *   POST /v1/vehicles                        registry
 *   POST /v1/vehicles/{vin}/restrictions     registry
 *   POST /v1/mortgages, /v1/releases         institution
 *   POST /v1/vouchers                        institution (a counter voucher)
 *   POST /v1/counter/mortgages, /v1/counter/releases  officer (窗口兜底)
 *   POST /v1/applications/{id}/decision      officer
 *   POST /v1/applications/{id}/delivery      post (endorsed: officer)
 *   POST /v1/identity-commitments            institution, registry (no entry)
 *   GET  /v1/applications/{id}               its bank, officer, registry, auditor
 *   GET  /v1/applications?status=&after=&limit=  officer, auditor
 *   GET  /v1/statistics?from=&to=&party=     officer, auditor; a bank: own
 *   GET  /v1/vehicles/{vin}                  anyone (dates); parties (details)
 *   GET  /v1/evidence/{index}                the entry's bank, officer, auditor
 *   POST /v1/subjects                        admin (key id of an identity; no entry)
 *   POST /v1/erasures                        admin (erase a subject's key)
 *
 * api/ validates everything it can before the sequencer (cheap refusals
 * stay off the single writer); the registry validates again on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/evidence.h"
#include "api/json_times.h"
#include "httpd/json_out.h"
#include "api/reg_int.h"
#include "common/b64.h"
#include "common/hex.h"
#include "common/rd.h"
#include "crypto/sign.h"
#include "crypto/cert.h"
#include "crypto/hash.h"
#include "tlog/entry.h"
#include "registry/ids.h"
#include "registry/jcs.h"

#define ROLE(r) AUTH_ROLE_BIT(AUTH_ROLE_##r)

/* The identity documents an officer may attest (enum reg_id_document
 * order, from 1). */
static const char *const rg_id_document_names_api[] = { "resident_id",
	"temporary_resident_id", "passport", "hk_macao_permit",
	"taiwan_permit", "foreign_permanent_resident_id", NULL };
#define PHONE_MAX 20u

/* One heap block per request: reg_call holds a filed certificate and the
 * authentication result; reg_request the borrowed fields. */
struct reg_work {
	struct reg_call c;
	struct reg_request req;
	char vin[IDS_VIN_LEN + 1];	/* a decision's application's VIN */
};

static struct reg_work *
work_new(struct api_req *rq)
{
	struct reg_work *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		rq->must_close = rq->has_body_len && rq->body_len > 0;
		api_fail_status(rq, LIEN_ENOMEM);
	}
	return w;
}

static void
work_free(struct reg_work *w)
{
	reg_end(&w->c);
	free(w);
}

/* ---- field validators (400 with a stable code) -------------------------- */

static enum lien_status LIEN_MUST_CHECK
v_ok(struct api_req *rq, enum lien_status st, const char *code,
    const char *msg)
{
	return st == LIEN_OK ? LIEN_OK : reg_bad(rq, code, msg);
}

static enum lien_status LIEN_MUST_CHECK
v_vin(struct api_req *rq, struct reg_str s)
{
	return v_ok(rq, ids_vin_validate(s.p, s.len), "vin_invalid",
	    "vin is not a GB 16735 VIN (17 characters, check digit)");
}

static enum lien_status LIEN_MUST_CHECK
v_id_number(struct api_req *rq, struct reg_str s)
{
	return v_ok(rq, ids_citizen_id_validate(s.p, s.len),
	    "id_number_invalid", "id_number is not a GB 11643 citizen ID "
	    "number (date, check character)");
}

static enum lien_status LIEN_MUST_CHECK
v_uscc(struct api_req *rq, struct reg_str s)
{
	return v_ok(rq, ids_uscc_validate(s.p, s.len), "uscc_invalid",
	    "uscc is not a GB 32100 unified social credit code");
}

static enum lien_status LIEN_MUST_CHECK
v_app_id(struct api_req *rq, const char *p, size_t len)
{
	uint64_t ix;

	if (registry_app_id_parse(p, len, &ix) != LIEN_OK)
		return reg_bad(rq, "app_id_invalid", "application ids are A "
		    "followed by 16 lowercase hex digits");
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
v_name(struct api_req *rq, struct reg_str s, size_t max, const char *code)
{
	if (s.len == 0 || s.len > max)
		return reg_bad(rq, code, "name must be 1..256 bytes");
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return reg_bad(rq, code, "control characters are not "
			    "allowed");
	return LIEN_OK;
}

/* E.164 text: optional '+', then 5..15 digits (no spaces). */
static enum lien_status LIEN_MUST_CHECK
v_phone(struct api_req *rq, struct reg_str s)
{
	size_t i = 0, digits = 0;

	if (s.len > 0 && s.p[0] == '+')
		i = 1;
	for (; i < s.len; i++, digits++)
		if (s.p[i] < '0' || s.p[i] > '9')
			break;
	if (i != s.len || digits < 5 || digits > 15 || s.len > PHONE_MAX)
		return reg_bad(rq, "phone_invalid", "phone must be digits with "
		    "an optional leading +");
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
v_party_id(struct api_req *rq, struct reg_str s)
{
	if (s.len == 0 || s.len > REG_PARTY_ID_MAX)
		return reg_bad(rq, "party_id_invalid", "party ids are 1..128 "
		    "printable ASCII characters without '/'");
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < 0x21 || s.p[i] > 0x7e || s.p[i] == '/')
			return reg_bad(rq, "party_id_invalid", "party ids are "
			    "1..128 printable ASCII characters without '/'");
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
v_keyid(struct api_req *rq, struct reg_str s, uint8_t out[HASH_LEN])
{
	if (hex_decode(s.p, s.len, out, HASH_LEN) != LIEN_OK)
		return reg_bad(rq, "keyid_invalid", "keyid must be 64 "
		    "lowercase hex digits");
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
v_enum(struct api_req *rq, struct reg_str s, const char *const *names,
    int *out, const char *code, const char *msg)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == s.len &&
		    memcmp(names[i], s.p, s.len) == 0) {
			*out = i + 1;
			return LIEN_OK;
		}
	return reg_bad(rq, code, msg);
}

static enum lien_status LIEN_MUST_CHECK
v_reason(struct api_req *rq, struct reg_str s, const char *code)
{
	if (s.p == NULL)
		return LIEN_OK;
	if (s.len == 0 || s.len > REG_REASON_MAX)
		return reg_bad(rq, code, "free text must be 1..512 bytes");
	return LIEN_OK;
}

/* Face token of the application: sub = owner commitment, nonce = the
 * application digest (registry_application_digest: bound to this bank).
 * Sets req->face. LIEN_OK, or the refusal after replying. */
static enum lien_status LIEN_MUST_CHECK
check_face(struct reg_call *c, struct reg_request *req, struct reg_str tok,
    const uint8_t owner[SEAL_COMMIT_LEN], const uint8_t app_digest[HASH_LEN],
    struct evidence_result *er)
{
	enum lien_status st;

	st = evidence_face_check(c->trust, tok.p, tok.len, owner, app_digest,
	    c->now, er);
	if (st == LIEN_EVERIFY) {
		api_fail_code(c->rq, evidence_reason_http(er->reason),
		    evidence_reason_code(er->reason), "the face-ID token is "
		    "not acceptable for this application (docs/identity.md)");
		return st;
	}
	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return st;
	}
	req->face.verdict = er->verdict == EVIDENCE_GREY ? REG_FACE_GREY :
	    REG_FACE_PASS;
	memcpy(req->face.token_digest, er->token_digest, HASH_LEN);
	req->face.liveness = er->liveness;
	req->face.match = er->match;
	req->face.issuer.p = er->iss;
	req->face.issuer.len = strlen(er->iss);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
commit_or_fail(struct reg_call *c, enum seal_kind kind, struct reg_str s,
    uint8_t out[SEAL_COMMIT_LEN])
{
	enum lien_status st = reg_commit(c, kind, s.p, s.len, out);

	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return st;
	}
	return LIEN_OK;
}

/* ---- the owner's identity ---------------------------------------------------
 * One place for who owns what a request is about and how that becomes
 * keys and keyed identifiers (docs/api-registration.md "Company owners",
 * docs/privacy.md): the vehicle record, both bank applications and the
 * evidence check go through these functions. */

/* A person (a GB 11643 ID number) or a company (a GB 32100 code). */
struct owner_id {
	int company;
	struct reg_str value;
};

static enum seal_kind
owner_kind(const struct owner_id *o)
{
	/* the kind crypto/keyring's subject index gives companies */
	return o->company ? SEAL_KIND_OTHER : SEAL_KIND_CITIZEN_ID;
}

/* The owner's subject (api/subject.h): its key, found or made, and its
 * owner reference. LIEN_OK, or the failure after replying. */
static enum lien_status LIEN_MUST_CHECK
owner_subject(struct reg_call *c, const struct owner_id *o,
    struct subject *s)
{
	enum lien_status st = subject_get(api_app_keys(c->app), c->view,
	    owner_kind(o), o->value.p, o->value.len, s);

	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return st;
	}
	return LIEN_OK;
}

/* The owner a stored request body names: a vehicle record's
 * owner.id_number or owner.uscc; a bank application's company.uscc when
 * it has a company block (a company owner, acting through the person
 * application.owner.id_number), else application.owner.id_number.
 * LIEN_ENOTFOUND when the body names none (no string there). */
static enum lien_status LIEN_MUST_CHECK
owner_of_body(const json_t *body, struct owner_id *o)
{
	const json_t *a = json_object_get(body, "application");
	const json_t *ow = json_object_get(a != NULL ? a : body, "owner");
	const json_t *co = json_object_get(body, "company");
	const json_t *v;

	memset(o, 0, sizeof(*o));
	if (a != NULL && co != NULL)
		v = json_object_get(co, "uscc"), o->company = 1;
	else if ((v = json_object_get(ow, "uscc")) != NULL)
		o->company = 1;
	else
		v = json_object_get(ow, "id_number");
	if (!json_is_string(v))
		return LIEN_ENOTFOUND;
	o->value.p = json_string_value(v);
	o->value.len = json_string_length(v);
	return LIEN_OK;
}

/* An existing subject's key (a decision: the applicant's; a restriction:
 * the vehicle owner's) chosen to seal this request; the system key when
 * there is none or it was erased. *key: seal_key_free. LIEN_OK, or the
 * failure after replying. */
static enum lien_status LIEN_MUST_CHECK
known_subject(struct reg_call *c, enum lien_status found, int key_system,
    const uint8_t id[REG_SUBJECT_ID_LEN], struct seal_key **key)
{
	enum lien_status st = LIEN_OK;
	int erased = 0;

	*key = NULL;
	if (found == LIEN_OK && !key_system)
		st = subject_open(api_app_keys(c->app), c->view, id, key,
		    &erased);
	else if (found != LIEN_OK && found != LIEN_ENOTFOUND &&
	    found != LIEN_EPARSE)
		st = found;
	if (st != LIEN_OK && st != LIEN_ENOTFOUND) {
		api_fail_status(c->rq, st);
		return st;
	}
	reg_seal_with(c, *key, id, NULL);
	return LIEN_OK;
}

/* The certificate must name the party it is filed for
 * (docs/certificates.md "Party binding"): a bank's unified social credit
 * code (organizationIdentifier "NTRCN-" + code, or the bare code, else
 * serialNumber) equal to the filed uscc; an officer's, registry's or
 * auditor's subject serialNumber equal to the filed party id. Otherwise a
 * CA-issued certificate of bank Z filed under bank A would act as A.
 * LIEN_OK, or LIEN_EVERIFY after replying 422. */
static enum lien_status LIEN_MUST_CHECK
filing_bound(struct reg_call *c, const struct cert_info *info,
    int institution, struct reg_str party)
{
	const char *have = institution ? info->uscc : info->subject_sn;
	size_t have_len = institution ? info->uscc_len : info->subject_sn_len;

	if (institution && have_len != 0 &&
	    ids_uscc_validate(have, have_len) != LIEN_OK)
		have_len = 0;	/* not a credit code at all */
	if (have_len == 0) {
		api_fail_code(c->rq, 422, "certificate_party_missing",
		    institution ? "the certificate names no unified social "
		    "credit code (organizationIdentifier NTRCN-<uscc>): it "
		    "cannot be bound to the filed uscc" : "the certificate "
		    "has no subject serialNumber naming the filed party id");
		return LIEN_EVERIFY;
	}
	if (have_len != party.len || memcmp(have, party.p, have_len) != 0) {
		api_fail_code(c->rq, 422, "certificate_party_mismatch",
		    institution ? "the certificate's unified social credit "
		    "code is not the filed uscc" : "the certificate's subject "
		    "serialNumber is not the filed party id");
		return LIEN_EVERIFY;
	}
	return LIEN_OK;
}

/* What is wrong with a filing's certificate, for the refusal's message. */
static const char *
filing_cert_why(enum auth_reason r)
{
	switch (r) {
	case AUTH_R_CERT_UNTRUSTED:
		return "the certificate does not chain to the root set of its "
		    "role (trust/institution-roots.pem for banks and post "
		    "offices, trust/officer-roots.pem for the others)";
	case AUTH_R_CERT_EXPIRED:
		return "the certificate has expired";
	case AUTH_R_CERT_NOT_YET_VALID:
		return "the certificate is not valid yet (notBefore)";
	case AUTH_R_CERT_REVOKED:
		return "the certificate is listed in a CRL of its root set";
	case AUTH_R_CERT_KEY_USAGE:
		return "the certificate's keyUsage lacks digitalSignature, or "
		    "it is a CA certificate";
	case AUTH_R_CERT_STATUS_UNKNOWN:
		return "a CRL of the root set is out of date: the "
		    "certificate's status cannot be established now (retry "
		    "later)";
	default:
		return "the certificate chain has another defect";
	}
}

/* Parse a certificate of a filing, check it against the root set of its
 * role now and that it names the filed party. *out: cert_free. */
static enum lien_status LIEN_MUST_CHECK
filing_cert(struct reg_call *c, struct reg_str text, enum trust_roots which,
    struct reg_str party, struct cert **out, uint64_t *not_after_ms)
{
	struct cert_trust *ct = trust_roots_get(c->trust, which);
	struct cert_result cr;
	struct cert_info info;
	enum lien_status st;

	*out = NULL;
	st = cert_parse_text(text.p, text.len, out);
	if (st != LIEN_OK || cert_info_get(*out, &info) != LIEN_OK ||
	    info.not_after < 0)
		return reg_bad(c->rq, "certificate_malformed", "certificate "
		    "must be one strict PEM or base64 DER X.509 certificate");
	if (ct == NULL) {
		api_fail_code(c->rq, 422, "certificate_untrusted", "no root "
		    "set is configured for this role");
		return LIEN_EKEY;
	}
	st = cert_trust_verify(ct, *out, c->now, CERT_USAGE_SIGNER, &cr, NULL);
	if (st == LIEN_EVERIFY) {
		/* The codes and meanings of authentication (api/auth.c
		 * auth_cert_reason): this certificate would be refused so
		 * when it signs. 422: the body's certificate, not the
		 * signer's; a CRL out of date is 503 as there (retry). */
		enum auth_reason r = auth_cert_reason(cr.verdict);

		api_fail_code(c->rq, r == AUTH_R_CERT_STATUS_UNKNOWN ? 503 :
		    422, auth_reason_code(r), filing_cert_why(r));
		return st;
	}
	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return st;
	}
	if ((st = filing_bound(c, &info, which == TRUST_ROOTS_INSTITUTION,
	    party)) != LIEN_OK)
		return st;
	*not_after_ms = (uint64_t)info.not_after * 1000u;
	return LIEN_OK;
}

/* ---- filings -------------------------------------------------------------- */

static void
post_filing(struct api_req *rq, int institution)
{
	static const char *const keys_inst[] = { "uscc", "name", "certificate",
		NULL };
	static const char *const opt_inst[] = { "contact", NULL };
	static const char *const keys_party[] = { "party", "role", "name",
		"certificate", NULL };
	static const char *const roles[] = { "officer", "registry", "auditor",
		"post", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str party, name, certificate, role, contact = { NULL, 0 };
	struct cert *crt = NULL;
	size_t der_len;
	int r = 0, post;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(ADMIN), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", institution ? keys_inst :
	    keys_party, institution ? opt_inst : NULL) != LIEN_OK ||
	    (institution && reg_str(rq, c->json, "contact", 0, &contact) !=
	    LIEN_OK) ||
	    reg_str(rq, c->json, institution ? "uscc" : "party", 1, &party) !=
	    LIEN_OK ||
	    reg_str(rq, c->json, "name", 1, &name) != LIEN_OK ||
	    reg_str(rq, c->json, "certificate", 1, &certificate) != LIEN_OK ||
	    (!institution && reg_str(rq, c->json, "role", 1, &role) != LIEN_OK))
		goto out;
	if (!institution && v_enum(rq, role, roles, &r, "role_invalid",
	    "role must be officer, registry, auditor or post") != LIEN_OK)
		goto out;
	/* a post office is a legal entity filed like a bank: under its
	 * USCC, its certificate from the institution roots */
	post = !institution && r == 4;
	if ((institution || post ? v_uscc(rq, party) :
	    v_party_id(rq, party)) != LIEN_OK)
		goto out;
	if (v_name(rq, name, REG_NAME_MAX, "name_invalid") != LIEN_OK)
		goto out;
	if (filing_cert(c, certificate, institution || post ?
	    TRUST_ROOTS_INSTITUTION : TRUST_ROOTS_OFFICER, party, &crt,
	    &req->cert_not_after_ms) != LIEN_OK)
		goto out;
	req->kind = institution ? REG_T_INSTITUTION_FILE : REG_T_PARTY_FILE;
	req->party = party;
	req->party_role = institution ? REG_ROLE_INSTITUTION : post ?
	    REG_ROLE_POST : (enum reg_role)(REG_ROLE_OFFICER + r - 1);
	req->name = name;
	/* the switchboard the office calls to confirm a legacy release
	 * (docs/api-registration.md "Counter applications") */
	if (institution && contact.p != NULL) {
		if (!registry_contact_valid(contact.p, contact.len)) {
			(void)reg_bad(rq, "contact_invalid", "contact: the "
			    "institution's switchboard, 3..20 digits with '-' "
			    "separators and an optional leading +");
			goto out;
		}
		req->contact = contact;
	}
	req->cert_der = cert_der_get0(crt, &der_len);
	req->cert_der_len = der_len;
	if (reg_submit(c, req) != LIEN_OK)
		goto out;	/* answered */
out:
	cert_free(crt);
	work_free(w);
}

static void
post_institutions(struct api_req *rq)
{
	post_filing(rq, 1);
}

static void
post_parties(struct api_req *rq)
{
	post_filing(rq, 0);
}

/* The {id} of "<route prefix>/{id}<suffix>" (rq->rest is what follows
 * the prefix). LIEN_OK, or LIEN_ENOTFOUND after replying 404. */
static enum lien_status LIEN_MUST_CHECK
rest_id(struct api_req *rq, const char *suffix, struct reg_str *id)
{
	size_t sl = strlen(suffix);

	if (rq->rest_len <= sl || memcmp(rq->rest + rq->rest_len - sl, suffix,
	    sl) != 0) {
		api_fail(rq, API_ERR_NOT_FOUND, "no such resource");
		return LIEN_ENOTFOUND;
	}
	id->p = rq->rest;
	id->len = rq->rest_len - sl;
	return LIEN_OK;
}

/* POST /v1/{institutions,parties}/{id}/status */
static void
post_status(struct api_req *rq, int institution)
{
	static const char *const keys[] = { "action", NULL };
	static const char *const opt[] = { "keyid", "reason", NULL };
	static const char *const actions[] = { "suspend", "reinstate",
		"revoke", NULL };
	struct reg_work *w;
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str id, action, keyid, reason;
	int a = 0;

	if (rest_id(rq, "/status", &id) != LIEN_OK ||
	    (w = work_new(rq)) == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(ADMIN), REG_AUTH_REQUIRED) != LIEN_OK ||
	    (institution ? v_uscc(rq, id) : v_party_id(rq, id)) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "action", 1, &action) != LIEN_OK ||
	    reg_str(rq, c->json, "keyid", 0, &keyid) != LIEN_OK ||
	    reg_str(rq, c->json, "reason", 0, &reason) != LIEN_OK ||
	    v_enum(rq, action, actions, &a, "action_invalid",
	    "action must be suspend, reinstate or revoke") != LIEN_OK ||
	    v_reason(rq, reason, "reason_invalid") != LIEN_OK)
		goto out;
	if (keyid.p != NULL) {
		if (v_keyid(rq, keyid, req->target_keyid) != LIEN_OK)
			goto out;
		req->has_target_key = 1;
	}
	req->kind = institution ? REG_T_INSTITUTION_STATUS :
	    REG_T_PARTY_STATUS;
	req->party = id;
	req->action = (enum reg_status_action)a;
	req->reason = reason;
	if (reg_submit(c, req) != LIEN_OK)
		goto out;	/* answered */
out:
	work_free(w);
}

static void
post_institution_sub(struct api_req *rq)
{
	post_status(rq, 1);
}

static void
post_party_sub(struct api_req *rq)
{
	post_status(rq, 0);
}

/* ---- vehicles ------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
v_plate(struct api_req *rq, struct reg_str plate, struct reg_str type,
    unsigned *out)
{
	enum ids_plate_type t;

	if (ids_plate_type_parse(type.p, type.len, &t) != LIEN_OK)
		return reg_bad(rq, "plate_type_invalid", "plate_type must be "
		    "01, 02, 51 or 52");
	if (ids_plate_validate(plate.p, plate.len, t) != LIEN_OK)
		return reg_bad(rq, "plate_invalid", "plate does not match its "
		    "plate_type (GA 36-2018)");
	*out = (unsigned)t;
	return LIEN_OK;
}

/* The keyed identifier of a vehicle's details: plate, plate type and
 * registration certificate number (docs/privacy.md table B). LIEN_OK,
 * or the failure after replying. */
static enum lien_status LIEN_MUST_CHECK
details_ref(struct reg_call *c, struct reg_str plate, struct reg_str pt,
    struct reg_str certno, uint8_t out[SEAL_REF_LEN])
{
	static const uint8_t zero = 0;
	struct hash_part parts[5] = { { plate.p, plate.len }, { &zero, 1 },
		{ pt.p, pt.len }, { &zero, 1 }, { certno.p, certno.len } };
	enum lien_status st = seal_key_ref(keyring_refs(api_app_keys(c->app)),
	    "lienlog-details-v1", parts, 5, out);

	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return st;
	}
	return LIEN_OK;
}

static void
post_vehicles(struct api_req *rq)
{
	static const char *const keys[] = { "vin", "plate", "plate_type",
		"certificate_number", "owner", NULL };
	static const char *const owner_keys[] = { "id_number", "uscc", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str vin, plate, pt, certno, idn, uscc;
	struct owner_id o;
	const json_t *owner;
	unsigned ptype;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(REGISTRY), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, NULL) != LIEN_OK ||
	    reg_str(rq, c->json, "vin", 1, &vin) != LIEN_OK ||
	    reg_str(rq, c->json, "plate", 1, &plate) != LIEN_OK ||
	    reg_str(rq, c->json, "plate_type", 1, &pt) != LIEN_OK ||
	    reg_str(rq, c->json, "certificate_number", 1, &certno) != LIEN_OK ||
	    reg_obj(rq, c->json, "owner", 1, &owner) != LIEN_OK ||
	    reg_keys(rq, owner, "owner", NULL, owner_keys) != LIEN_OK ||
	    reg_str(rq, owner, "id_number", 0, &idn) != LIEN_OK ||
	    reg_str(rq, owner, "uscc", 0, &uscc) != LIEN_OK)
		goto out;
	/* a person or a company (docs/api-registration.md "Company owners") */
	if ((idn.p == NULL) == (uscc.p == NULL)) {
		reg_bad(rq, idn.p == NULL ? "field_missing" : "field_unknown",
		    "owner must be exactly one of {\"id_number\"} (a person) "
		    "and {\"uscc\"} (a company)");
		goto out;
	}
	o.company = uscc.p != NULL;
	o.value = o.company ? uscc : idn;
	if (v_vin(rq, vin) != LIEN_OK ||
	    v_plate(rq, plate, pt, &ptype) != LIEN_OK ||
	    v_ok(rq, ids_cert_number_validate(certno.p, certno.len),
	    "certificate_number_invalid", "certificate_number must be 1..20 "
	    "of 0-9 A-Z") != LIEN_OK ||
	    (o.company ? v_uscc(rq, uscc) : v_id_number(rq, idn)) != LIEN_OK ||
	    details_ref(c, plate, pt, certno, req->details) != LIEN_OK)
		goto out;
	req->owner_company = o.company;
	req->kind = REG_T_VEHICLE_RECORD;
	req->vin = vin;
	for (int attempt = 0;; attempt++) {
		struct subject sj;
		enum lien_status st;

		if (owner_subject(c, &o, &sj) != LIEN_OK)
			goto out;
		memcpy(req->owner, sj.owner_ref, REG_COMMIT_LEN);
		reg_seal_with(c, sj.key, sj.id, sj.is_new ? &sj.rec : NULL);
		c->may_retry = attempt < 2;
		st = reg_submit(c, req);
		subject_clear(&sj);
		if (st == LIEN_OK || !c->retry)
			break;
	}
out:
	work_free(w);
}

/* POST /v1/vehicles/{vin}/restrictions */
static void
post_vehicle_sub(struct api_req *rq)
{
	static const char *const keys[] = { "action", "restriction", NULL };
	static const char *const opt[] = { "reference", NULL };
	static const char *const actions[] = { "set", "lift", NULL };
	static const char *const kinds[] = { "seized", "detained", "stolen",
		"scrapped", "customs", NULL };
	struct reg_work *w;
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str vin, action, kind, ref;
	int a = 0, k = 0;

	if (rest_id(rq, "/restrictions", &vin) != LIEN_OK ||
	    (w = work_new(rq)) == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(REGISTRY), REG_AUTH_REQUIRED) != LIEN_OK ||
	    v_vin(rq, vin) != LIEN_OK || reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "action", 1, &action) != LIEN_OK ||
	    reg_str(rq, c->json, "restriction", 1, &kind) != LIEN_OK ||
	    reg_str(rq, c->json, "reference", 0, &ref) != LIEN_OK ||
	    v_enum(rq, action, actions, &a, "action_invalid",
	    "action must be set or lift") != LIEN_OK ||
	    v_enum(rq, kind, kinds, &k, "restriction_invalid",
	    "restriction must be seized, detained, stolen, scrapped or "
	    "customs") != LIEN_OK ||
	    v_reason(rq, ref, "reference_invalid") != LIEN_OK)
		goto out;
	req->kind = REG_T_RESTRICTION;
	req->vin = vin;
	req->restriction_set = a == 1;
	req->restriction = (enum reg_restriction)k;
	req->reference = ref;
	/* sealed under the vehicle owner's key: a court reference concerns
	 * the owner (docs/privacy.md table C) */
	for (int attempt = 0;; attempt++) {
		uint8_t vk[REG_VEHICLE_KEY_LEN], id[REG_SUBJECT_ID_LEN];
		struct seal_key *key = NULL;
		int sys = 1;
		enum lien_status found, st;

		if (registry_vehicle_key(vin.p, vin.len, vk) != LIEN_OK)
			goto out;	/* v_vin above */
		found = registry_vehicle_subject(c->view, vk, &sys, id);
		if (known_subject(c, found, sys, id, &key) != LIEN_OK)
			goto out;
		c->may_retry = attempt < 2;
		st = reg_submit(c, req);
		seal_key_free(key);
		if (st == LIEN_OK || !c->retry)
			break;
	}
out:
	work_free(w);
}

/* ---- applications ----------------------------------------------------- */

/* The company block of a company owner (docs/api-registration.md):
 * {"uscc", "legal_rep_phone", "sms_token"}. */
struct company_block {
	struct reg_str uscc, phone, tok;
};

static enum lien_status LIEN_MUST_CHECK
company_parse(struct reg_call *c, const json_t *co, struct company_block *cb)
{
	static const char *const keys[] = { "uscc", "legal_rep_phone",
		"sms_token", NULL };
	struct api_req *rq = c->rq;

	enum lien_status st;

	if ((st = reg_keys(rq, co, "company", keys, NULL)) != LIEN_OK ||
	    (st = reg_str(rq, co, "uscc", 1, &cb->uscc)) != LIEN_OK ||
	    (st = reg_str(rq, co, "legal_rep_phone", 1, &cb->phone)) !=
	    LIEN_OK ||
	    (st = reg_str(rq, co, "sms_token", 1, &cb->tok)) != LIEN_OK ||
	    (st = v_uscc(rq, cb->uscc)) != LIEN_OK)
		return st;
	return v_phone(rq, cb->phone);
}

/* The legal representative's SMS attestation that the acting person
 * (the application's owner.id_number) may act for the company, bound to
 * this application by this bank (the application digest). Sets req->sms
 * (borrowing er). */
static enum lien_status LIEN_MUST_CHECK
check_company(struct reg_call *c, struct reg_request *req,
    const struct company_block *cb, const uint8_t actor[SEAL_COMMIT_LEN],
    const uint8_t app_digest[HASH_LEN], struct evidence_result *er)
{
	struct api_req *rq = c->rq;
	uint8_t rep[SEAL_COMMIT_LEN];
	enum lien_status st;

	if ((st = commit_or_fail(c, SEAL_KIND_PHONE, cb->phone, rep)) !=
	    LIEN_OK)
		return st;
	st = evidence_sms_check(c->trust, cb->tok.p, cb->tok.len, rep, actor,
	    cb->uscc.p, cb->uscc.len, app_digest, c->now, er);
	if (st == LIEN_EVERIFY) {
		api_fail_code(rq, evidence_reason_http(er->reason),
		    evidence_reason_code(er->reason), "the SMS attestation is "
		    "not acceptable for this application (docs/identity.md)");
		return st;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		return st;
	}
	req->sms.present = 1;
	memcpy(req->sms.token_digest, er->token_digest, HASH_LEN);
	req->sms.issuer.p = er->iss;
	req->sms.issuer.len = strlen(er->iss);
	return LIEN_OK;
}

/* The envelope of both bank applications (docs/api-registration.md):
 * {"application": {app_keys...}, "face_token", "company"?}, signed by a
 * filed institution. LIEN_OK, or the failure after replying. */
static enum lien_status LIEN_MUST_CHECK
bank_envelope(struct reg_call *c, struct api_req *rq,
    const char *const *app_keys, const char *const *app_opt,
    const json_t **app, struct reg_str *tok, const json_t **company)
{
	static const char *const keys[] = { "application", "face_token",
		NULL };
	static const char *const opt[] = { "company", NULL };
	enum lien_status st;

	if ((st = reg_begin(c, rq, ROLE(INSTITUTION), REG_AUTH_REQUIRED)) !=
	    LIEN_OK || (st = reg_json(c)) != LIEN_OK ||
	    (st = reg_keys(rq, c->json, "body", keys, opt)) != LIEN_OK ||
	    (st = reg_obj(rq, c->json, "application", 1, app)) != LIEN_OK ||
	    (st = reg_str(rq, c->json, "face_token", 1, tok)) != LIEN_OK ||
	    (st = reg_obj(rq, c->json, "company", 0, company)) != LIEN_OK)
		return st;
	return reg_keys(rq, *app, "application", app_keys, app_opt);
}

/* The owner's consent to the application, then the step itself (req->kind
 * set). person is application.owner.id_number: the owner, or for a company
 * owner (a company block) the person acting for it. The face token must
 * verify that person (its identity commitment); a company's legal
 * representative must authorise them by SMS. The owner of the entry is
 * the company then (its owner reference; the vehicle record names it),
 * with the person's as agent: the registry requires that authorisation
 * for a company's vehicle (company_authorisation_missing). The request is
 * sealed under the person's key (their data is in it). Both tokens carry
 * the digest of the application, the company and the signing bank (the
 * mortgagee), so another bank replaying the body with the owner's tokens
 * gets token_nonce (registry_application_digest). */
static void
bank_submit(struct reg_call *c, struct reg_request *req, struct reg_str tok,
    const json_t *app, const json_t *company, struct reg_str person)
{
	struct evidence_result *er;	/* req->face, req->sms borrow them */
	struct company_block cb;
	struct owner_id po = { 0, person }, co = { 1, { NULL, 0 } };
	uint8_t digest[HASH_LEN], who[SEAL_COMMIT_LEN];
	enum lien_status st;

	memset(&cb, 0, sizeof(cb));
	if (company != NULL && company_parse(c, company, &cb) != LIEN_OK)
		return;
	co.value = cb.uscc;
	if (commit_or_fail(c, SEAL_KIND_CITIZEN_ID, person, who) != LIEN_OK)
		return;
	st = registry_application_digest(req->kind, c->auth.party_id,
	    c->auth.party_id_len, cb.uscc.p, cb.uscc.len, app, digest);
	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return;
	}
	if ((er = calloc(2, sizeof(*er))) == NULL) {
		api_fail_status(c->rq, LIEN_ENOMEM);
		return;
	}
	if (check_face(c, req, tok, who, digest, &er[0]) != LIEN_OK ||
	    (company != NULL && check_company(c, req, &cb, who, digest,
	    &er[1]) != LIEN_OK))
		goto out;
	req->owner_company = company != NULL;
	for (int attempt = 0;; attempt++) {
		struct subject ps, cs;

		memset(&cs, 0, sizeof(cs));
		if (owner_subject(c, &po, &ps) != LIEN_OK)
			goto out;
		if (company != NULL && owner_subject(c, &co, &cs) != LIEN_OK) {
			subject_clear(&ps);
			goto out;
		}
		if (company != NULL) {
			memcpy(req->owner, cs.owner_ref, REG_COMMIT_LEN);
			memcpy(req->agent, ps.owner_ref, REG_COMMIT_LEN);
		} else {
			memcpy(req->owner, ps.owner_ref, REG_COMMIT_LEN);
		}
		reg_seal_with(c, ps.key, ps.id, ps.is_new ? &ps.rec : NULL);
		c->seal_newkey2 = cs.is_new ? &cs.rec : NULL;
		c->may_retry = attempt < 2;
		st = reg_submit(c, req);
		subject_clear(&ps);
		subject_clear(&cs);
		if (st == LIEN_OK || !c->retry)
			goto out;
	}
out:
	free(er);
}

/* The fields of a mortgage application, shared by the online and the
 * counter channel: read and checked in the order the refusals are
 * documented (docs/api-registration.md), the loan's term end (a calendar
 * date, docs/notices.md "Due-release reminders") and the details and
 * contract references computed; the contract reference is keyed by the
 * bank (party), as the bank's own application and its voucher compute
 * it. LIEN_OK: req is filled (kind, vin, term_end, details, contract) and
 * *idn names the owner; any other status: the refusal was sent. Name and
 * phone are only in the sealed request. */
static enum lien_status LIEN_MUST_CHECK
mortgage_fields(struct reg_call *c, struct api_req *rq,
    struct reg_request *req, const json_t *app, const char *party,
    size_t party_len, struct reg_str *idn)
{
	static const char *const owner_keys[] = { "id_number", NULL };
	static const char *const owner_opt[] = { "name", "phone", NULL };
	struct reg_str vin, plate, pt, certno, contract, name, phone;
	struct reg_str term_end;
	const json_t *owner;
	enum lien_status st;
	unsigned ptype;

	if ((st = reg_str(rq, app, "vin", 1, &vin)) != LIEN_OK ||
	    (st = reg_str(rq, app, "term_end", 0, &term_end)) != LIEN_OK ||
	    (st = reg_str(rq, app, "plate", 1, &plate)) != LIEN_OK ||
	    (st = reg_str(rq, app, "plate_type", 1, &pt)) != LIEN_OK ||
	    (st = reg_str(rq, app, "certificate_number", 1, &certno)) !=
	    LIEN_OK ||
	    (st = reg_str(rq, app, "contract_number", 1, &contract)) !=
	    LIEN_OK ||
	    (st = reg_obj(rq, app, "owner", 1, &owner)) != LIEN_OK ||
	    (st = reg_keys(rq, owner, "application.owner", owner_keys,
	    owner_opt)) != LIEN_OK ||
	    (st = reg_str(rq, owner, "id_number", 1, idn)) != LIEN_OK ||
	    (st = reg_str(rq, owner, "name", 0, &name)) != LIEN_OK ||
	    (st = reg_str(rq, owner, "phone", 0, &phone)) != LIEN_OK)
		return st;
	if ((st = v_vin(rq, vin)) != LIEN_OK ||
	    (st = v_plate(rq, plate, pt, &ptype)) != LIEN_OK ||
	    (st = v_ok(rq, ids_cert_number_validate(certno.p, certno.len),
	    "certificate_number_invalid", "certificate_number must be 1..20 "
	    "of 0-9 A-Z")) != LIEN_OK ||
	    (st = v_ok(rq, ids_contract_number_validate(contract.p,
	    contract.len), "contract_number_invalid", "contract_number must "
	    "be 1..64 printable ASCII without spaces at the ends")) !=
	    LIEN_OK ||
	    (st = v_id_number(rq, *idn)) != LIEN_OK ||
	    (name.p != NULL && (st = v_name(rq, name, REG_NAME_MAX,
	    "owner_name_invalid")) != LIEN_OK) ||
	    (phone.p != NULL && (st = v_phone(rq, phone)) != LIEN_OK))
		return st;
	if (term_end.p != NULL && registry_date_parse(term_end.p,
	    term_end.len, NULL) != LIEN_OK)
		return reg_bad(rq, "term_end_invalid", "term_end must be a "
		    "date YYYY-MM-DD (2000-01-01..2099-12-31)");
	req->term_end = term_end;
	if ((st = details_ref(c, plate, pt, certno, req->details)) !=
	    LIEN_OK)
		return st;
	if ((st = reg_ref(c, "lienlog-contract-v1", party, party_len,
	    contract.p, contract.len, req->contract)) != LIEN_OK) {
		api_fail_status(rq, st);
		return st;
	}
	req->kind = REG_T_MORTGAGE_APPLICATION;
	req->vin = vin;
	return LIEN_OK;
}

static void
post_mortgages(struct api_req *rq)
{
	static const char *const app_keys[] = { "vin", "plate", "plate_type",
		"certificate_number", "contract_number", "owner", NULL };
	static const char *const app_opt[] = { "term_end", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_str idn, tok;
	const json_t *app, *company;

	if (w == NULL)
		return;
	c = &w->c;
	if (bank_envelope(c, rq, app_keys, app_opt, &app, &tok, &company) ==
	    LIEN_OK && mortgage_fields(c, rq, &w->req, app, c->auth.party_id,
	    c->auth.party_id_len, &idn) == LIEN_OK)
		bank_submit(c, &w->req, tok, app, company, idn);
	work_free(w);
}

static void
post_releases(struct api_req *rq)
{
	static const char *const app_keys[] = { "vin", "mortgage", "owner",
		NULL };
	static const char *const owner_keys[] = { "id_number", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str vin, mortgage, idn, tok;
	const json_t *app, *owner, *company;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (bank_envelope(c, rq, app_keys, NULL, &app, &tok, &company) !=
	    LIEN_OK ||
	    reg_str(rq, app, "vin", 1, &vin) != LIEN_OK ||
	    reg_str(rq, app, "mortgage", 1, &mortgage) != LIEN_OK ||
	    reg_obj(rq, app, "owner", 1, &owner) != LIEN_OK ||
	    reg_keys(rq, owner, "application.owner", owner_keys, NULL) !=
	    LIEN_OK ||
	    reg_str(rq, owner, "id_number", 1, &idn) != LIEN_OK ||
	    v_vin(rq, vin) != LIEN_OK ||
	    v_app_id(rq, mortgage.p, mortgage.len) != LIEN_OK ||
	    v_id_number(rq, idn) != LIEN_OK)
		goto out;
	req->kind = REG_T_RELEASE_APPLICATION;
	req->vin = vin;
	req->app = mortgage;
	bank_submit(c, req, tok, app, company, idn);
out:
	work_free(w);
}

/* ---- the counter (窗口兜底, docs/api-registration.md "Counter
 * applications") --------------------------------------------------------- */

/* POST /v1/vouchers: the bank's consent to one counter application, bound
 * to the vehicle and the mortgage (a release: the registered mortgage's
 * application id; a new mortgage: its contract number, kept as the keyed
 * contract reference), valid for valid_days (1..30, default 7). The
 * request holds no personal data: sealed under the system key. The
 * receipt's voucher_id is the code the owner brings to the counter. */
static void
post_vouchers(struct api_req *rq)
{
	static const char *const keys[] = { "vin", "purpose", NULL };
	static const char *const opt[] = { "mortgage", "contract_number",
		"valid_days", NULL };
	static const char *const purposes[] = { "mortgage", "release", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str vin, purpose, mortgage, contract;
	const json_t *days;
	int pu = 0;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(INSTITUTION), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "vin", 1, &vin) != LIEN_OK ||
	    reg_str(rq, c->json, "purpose", 1, &purpose) != LIEN_OK ||
	    reg_str(rq, c->json, "mortgage", 0, &mortgage) != LIEN_OK ||
	    reg_str(rq, c->json, "contract_number", 0, &contract) != LIEN_OK ||
	    v_vin(rq, vin) != LIEN_OK ||
	    v_enum(rq, purpose, purposes, &pu, "purpose_invalid",
	    "purpose must be mortgage or release") != LIEN_OK)
		goto out;
	req->valid_days = 7;
	if ((days = json_object_get(c->json, "valid_days")) != NULL) {
		if (!json_is_integer(days) || json_integer_value(days) < 1 ||
		    json_integer_value(days) > REG_VOUCHER_DAYS_MAX) {
			(void)reg_bad(rq, "valid_days_invalid", "valid_days must "
			    "be an integer 1..30");
			goto out;
		}
		req->valid_days = (uint32_t)json_integer_value(days);
	}
	if (pu == 2) {
		if (mortgage.p == NULL || contract.p != NULL) {
			(void)reg_bad(rq, "field_invalid", "a release voucher "
			    "names the mortgage (its application id), no "
			    "contract_number");
			goto out;
		}
		if (v_app_id(rq, mortgage.p, mortgage.len) != LIEN_OK)
			goto out;
		req->voucher_release = 1;
		req->app = mortgage;
	} else {
		if (contract.p == NULL || mortgage.p != NULL) {
			(void)reg_bad(rq, "field_invalid", "a mortgage voucher "
			    "names the contract_number, no mortgage");
			goto out;
		}
		if (v_ok(rq, ids_contract_number_validate(contract.p,
		    contract.len), "contract_number_invalid",
		    "contract_number must be 1..64 printable ASCII without "
		    "spaces at the ends") != LIEN_OK)
			goto out;
		if ((st = reg_ref(c, "lienlog-contract-v1", c->auth.party_id,
		    c->auth.party_id_len, contract.p, contract.len,
		    req->contract)) != LIEN_OK) {
			api_fail_status(rq, st);
			goto out;
		}
	}
	req->kind = REG_T_VOUCHER;
	req->vin = vin;
	if (reg_submit(c, req) != LIEN_OK)
		goto out;	/* answered */
out:
	work_free(w);
}

/* The envelope of both counter applications: {"application": {...,
 * "mortgagee"}, "id_check": {"document"}, "voucher"}, signed by an
 * officer; a release may carry instead of the voucher
 * "phone_confirmation": {"contact", "bank_staff"} (a legacy release: the
 * officer called the bank's filed contact; bank_staff, who confirmed it,
 * is sealed only). Fills req's counter fields. LIEN_OK, or the failure
 * after its reply. */
static enum lien_status LIEN_MUST_CHECK
counter_envelope(struct reg_call *c, struct api_req *rq,
    struct reg_request *req, const char *const *app_keys,
    const char *const *app_opt, int release, const json_t **app)
{
	static const char *const keys[] = { "application", "id_check", NULL };
	static const char *const opt[] = { "voucher", "phone_confirmation",
		NULL };
	static const char *const idc_keys[] = { "document", NULL };
	static const char *const ph_keys[] = { "contact", "bank_staff",
		NULL };
	const json_t *idc, *ph;
	struct reg_str doc, voucher, bank, contact, staff;
	uint64_t vv;
	int d = 0;
	enum lien_status st;

	if ((st = reg_begin(c, rq, ROLE(OFFICER), REG_AUTH_REQUIRED)) !=
	    LIEN_OK ||
	    (st = reg_json(c)) != LIEN_OK ||
	    (st = reg_keys(rq, c->json, "body", keys, opt)) != LIEN_OK ||
	    (st = reg_obj(rq, c->json, "application", 1, app)) != LIEN_OK ||
	    (st = reg_obj(rq, c->json, "id_check", 1, &idc)) != LIEN_OK ||
	    (st = reg_str(rq, c->json, "voucher", 0, &voucher)) != LIEN_OK ||
	    (st = reg_obj(rq, c->json, "phone_confirmation", 0, &ph)) !=
	    LIEN_OK ||
	    (st = reg_keys(rq, idc, "id_check", idc_keys, NULL)) != LIEN_OK ||
	    (st = reg_str(rq, idc, "document", 1, &doc)) != LIEN_OK ||
	    (st = v_enum(rq, doc, rg_id_document_names_api, &d,
	    "id_check_invalid", "id_check.document must be resident_id, "
	    "temporary_resident_id, passport, hk_macao_permit, "
	    "taiwan_permit or foreign_permanent_resident_id")) != LIEN_OK ||
	    (st = reg_keys(rq, *app, "application", app_keys, app_opt)) !=
	    LIEN_OK ||
	    (st = reg_str(rq, *app, "mortgagee", 1, &bank)) != LIEN_OK ||
	    (st = v_uscc(rq, bank)) != LIEN_OK)
		return st;
	req->counter = 1;
	req->id_document = (enum reg_id_document)d;
	req->mortgagee = bank;
	if (ph != NULL) {
		if (!release || voucher.p != NULL)
			return reg_bad(rq, "field_unknown", "the bank's consent "
			    "is its voucher, or for a release either the "
			    "voucher or the phone confirmation");
		if ((st = reg_keys(rq, ph, "phone_confirmation", ph_keys,
		    NULL)) != LIEN_OK ||
		    (st = reg_str(rq, ph, "contact", 1, &contact)) != LIEN_OK ||
		    (st = reg_str(rq, ph, "bank_staff", 1, &staff)) != LIEN_OK)
			return st;
		if (!registry_contact_valid(contact.p, contact.len))
			return reg_bad(rq, "contact_invalid", "contact: 3..20 "
			    "digits with '-' separators and an optional "
			    "leading +");
		if ((st = v_name(rq, staff, REG_NAME_MAX,
		    "bank_staff_invalid")) != LIEN_OK)
			return st;
		req->phone_contact = contact;	/* bank_staff: sealed only */
		return LIEN_OK;
	}
	if (voucher.p == NULL)
		return reg_bad(rq, "voucher_missing", release ? "the bank's "
		    "voucher, or for a legacy release the phone_confirmation "
		    "with its filed contact" : "the bank's voucher");
	if (registry_voucher_id_parse(voucher.p, voucher.len, &vv) !=
	    LIEN_OK)
		return reg_bad(rq, "voucher_id_invalid", "voucher ids are V "
		    "followed by 16 lowercase hex digits");
	req->voucher = voucher;
	return LIEN_OK;
}

/* The owner at the counter: the officer checked their identity document
 * in person instead of a face token; the request is sealed under the
 * owner's key as online (with the retries a key created or erased
 * meanwhile asks for). A company owner applies online (its legal
 * representative's SMS authorisation): at the counter the registry
 * refuses a company vehicle (company_authorisation_missing). */
static void
counter_submit(struct reg_call *c, struct reg_request *req,
    struct reg_str person)
{
	struct owner_id po = { 0, person };

	for (int attempt = 0;; attempt++) {
		struct subject ps;
		enum lien_status st;

		if (owner_subject(c, &po, &ps) != LIEN_OK)
			return;
		memcpy(req->owner, ps.owner_ref, REG_COMMIT_LEN);
		reg_seal_with(c, ps.key, ps.id, ps.is_new ? &ps.rec : NULL);
		c->seal_newkey2 = NULL;
		c->may_retry = attempt < 2;
		st = reg_submit(c, req);
		subject_clear(&ps);
		if (st == LIEN_OK || !c->retry)
			return;
	}
}

/* POST /v1/counter/mortgages: the online mortgage application's fields
 * plus the bank (mortgagee), filed by the officer. */
static void
post_counter_mortgages(struct api_req *rq)
{
	static const char *const app_keys[] = { "vin", "plate", "plate_type",
		"certificate_number", "contract_number", "owner", "mortgagee",
		NULL };
	static const char *const app_opt[] = { "term_end", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str idn;
	const json_t *app;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (counter_envelope(c, rq, req, app_keys, app_opt, 0, &app) ==
	    LIEN_OK && mortgage_fields(c, rq, req, app, req->mortgagee.p,
	    req->mortgagee.len, &idn) == LIEN_OK)
		counter_submit(c, req, idn);
	work_free(w);
}

/* POST /v1/counter/releases: the online release's fields plus the bank. */
static void
post_counter_releases(struct api_req *rq)
{
	static const char *const app_keys[] = { "vin", "mortgage", "owner",
		"mortgagee", NULL };
	static const char *const owner_keys[] = { "id_number", NULL };
	static const char *const owner_opt[] = { "name", "phone", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str vin, mortgage, idn, name, phone;
	const json_t *app, *owner;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (counter_envelope(c, rq, req, app_keys, NULL, 1, &app) != LIEN_OK ||
	    reg_str(rq, app, "vin", 1, &vin) != LIEN_OK ||
	    reg_str(rq, app, "mortgage", 1, &mortgage) != LIEN_OK ||
	    reg_obj(rq, app, "owner", 1, &owner) != LIEN_OK ||
	    reg_keys(rq, owner, "application.owner", owner_keys, owner_opt) !=
	    LIEN_OK ||
	    reg_str(rq, owner, "id_number", 1, &idn) != LIEN_OK ||
	    reg_str(rq, owner, "name", 0, &name) != LIEN_OK ||
	    reg_str(rq, owner, "phone", 0, &phone) != LIEN_OK ||
	    v_vin(rq, vin) != LIEN_OK ||
	    v_app_id(rq, mortgage.p, mortgage.len) != LIEN_OK ||
	    v_id_number(rq, idn) != LIEN_OK ||
	    (name.p != NULL && v_name(rq, name, REG_NAME_MAX,
	    "owner_name_invalid") != LIEN_OK) ||
	    (phone.p != NULL && v_phone(rq, phone) != LIEN_OK))
		goto out;
	req->kind = REG_T_RELEASE_APPLICATION;
	req->vin = vin;
	req->app = mortgage;
	counter_submit(c, req, idn);
out:
	work_free(w);
}

/* The VIN of application id, from its sealed request (the registry keeps
 * no VIN), into out, so that an approval's receipt names the vehicle's
 * status proof (docs/lien-status.md); "" when it cannot be opened (an
 * erased subject, say): the receipt then names none. */
static void
app_vin(struct reg_call *c, struct reg_str id, char out[IDS_VIN_LEN + 1])
{
	struct reg_opened o;
	uint64_t appv, base;
	json_t *b = NULL;
	const char *vin;

	out[0] = '\0';
	/* the entry index is the id's number minus this log's base; an
	 * application inherited at a key rotation has its request in the
	 * old store (docs/key-rotation.md) */
	memset(&o, 0, sizeof o);
	if (registry_app_id_parse(id.p, id.len, &appv) != LIEN_OK ||
	    registry_base(c->view, &base) != LIEN_OK || appv < base)
		return;
	if (reg_evidence_open(c, appv - base, &o) == LIEN_OK &&
	    jcs_parse((const char *)o.body, o.body_len, 0, &b) == LIEN_OK) {
		vin = json_string_value(json_object_get(json_object_get(b,
		    "application"), "vin"));
		if (vin != NULL && strlen(vin) == IDS_VIN_LEN) {
			memcpy(out, vin, IDS_VIN_LEN);
			out[IDS_VIN_LEN] = '\0';
		}
	}
	json_decref(b);
	reg_opened_clear(&o);
}

/* The applicant's subject key, then submit (with the retries a key
 * created or erased meanwhile asks for): decisions and delivery events
 * are sealed under it, their text concerns the applicant. */
static void
submit_for_applicant(struct reg_call *c, struct reg_request *req,
    struct reg_str id)
{
	for (int attempt = 0;; attempt++) {
		uint8_t sid[REG_SUBJECT_ID_LEN];
		struct seal_key *key = NULL;
		int sys = 1;
		enum lien_status found, st;

		found = registry_app_subject(c->view, id.p, id.len, &sys, sid);
		if (known_subject(c, found, sys, sid, &key) != LIEN_OK)
			return;
		c->may_retry = attempt < 2;
		st = reg_submit(c, req);
		seal_key_free(key);
		if (st == LIEN_OK || !c->retry)
			return;
	}
}

/* POST /v1/applications/{id}/delivery: a step of the certificate's EMS
 * delivery (docs/api-registration.md "Certificate delivery"): the post
 * office's pick-up (with the tracking number), dispatch, delivery or
 * return, the officer's endorsement at the centre. */
static void
post_delivery(struct api_req *rq, struct reg_str id)
{
	static const char *const keys[] = { "event", NULL };
	static const char *const opt[] = { "tracking_number", NULL };
	static const char *const events[] = { "picked_up", "endorsed",
		"dispatched", "delivered", "returned", NULL };
	struct reg_work *w;
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str event, tracking;
	int e = 0;

	if ((w = work_new(rq)) == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(POST) | ROLE(OFFICER), REG_AUTH_REQUIRED) !=
	    LIEN_OK ||
	    v_app_id(rq, id.p, id.len) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "event", 1, &event) != LIEN_OK ||
	    reg_str(rq, c->json, "tracking_number", 0, &tracking) != LIEN_OK ||
	    v_enum(rq, event, events, &e, "event_invalid", "event must be "
	    "picked_up, endorsed, dispatched, delivered or returned") !=
	    LIEN_OK)
		goto out;
	/* the endorsement is the officer's, the rest the post office's */
	if ((e == REG_DELIVERY_ENDORSED) != (c->auth.role ==
	    AUTH_ROLE_OFFICER)) {
		api_fail_code(rq, 403, "role_forbidden", e ==
		    REG_DELIVERY_ENDORSED ? "the endorsement at the centre is "
		    "an officer's step" : "pick-up, dispatch, delivery and "
		    "return are the post office's steps");
		goto out;
	}
	if (tracking.p != NULL && (tracking.len < 1 || tracking.len > 64 ||
	    (e != REG_DELIVERY_PICKED_UP && e != REG_DELIVERY_DISPATCHED))) {
		reg_bad(rq, "tracking_invalid", "tracking_number: 1..64 bytes, "
		    "with picked_up or dispatched only");
		goto out;
	}
	for (size_t i = 0; tracking.p != NULL && i < tracking.len; i++)
		if (tracking.p[i] < 0x21 || tracking.p[i] > 0x7e) {
			reg_bad(rq, "tracking_invalid", "tracking_number: "
			    "printable ASCII without spaces");
			goto out;
		}
	if (e == REG_DELIVERY_PICKED_UP && tracking.p == NULL) {
		reg_bad(rq, "tracking_required", "a pick-up names the EMS "
		    "tracking number");
		goto out;
	}
	req->kind = REG_T_DELIVERY_EVENT;
	req->app = id;		/* v_app_id: REG_APP_ID_LEN bytes */
	req->delivery_event = (enum reg_delivery_event)e;
	req->tracking = tracking;
	submit_for_applicant(c, req, id);
out:
	work_free(w);
}

/* POST /v1/applications/{id}/decision */
static void
post_decision(struct api_req *rq, struct reg_str id)
{
	static const char *const keys[] = { "decision", NULL };
	static const char *const opt[] = { "reason", NULL };
	static const char *const decisions[] = { "approve", "reject",
		"in_person_review", NULL };
	struct reg_work *w;
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str decision, reason;
	int d = 0;

	if ((w = work_new(rq)) == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(OFFICER), REG_AUTH_REQUIRED) != LIEN_OK ||
	    v_app_id(rq, id.p, id.len) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "decision", 1, &decision) != LIEN_OK ||
	    reg_str(rq, c->json, "reason", 0, &reason) != LIEN_OK ||
	    v_enum(rq, decision, decisions, &d, "decision_invalid",
	    "decision must be approve, reject or in_person_review") !=
	    LIEN_OK ||
	    v_reason(rq, reason, "reason_invalid") != LIEN_OK)
		goto out;
	if (d == REG_DECIDE_REJECT && reason.p == NULL) {
		reg_bad(rq, "reason_required", "a rejection needs a reason");
		goto out;
	}
	req->kind = REG_T_DECISION;
	req->app = id;		/* v_app_id: REG_APP_ID_LEN bytes */
	req->decision = (enum reg_decision)d;
	req->reason = reason;
	/* not encoded: names the status proof in an approval's receipt */
	if (d == REG_DECIDE_APPROVE) {
		app_vin(c, id, w->vin);
		req->vin.p = w->vin;
		req->vin.len = strlen(w->vin);
	}
	/* sealed under the applicant's key: a reason concerns them */
	submit_for_applicant(c, req, id);
out:
	work_free(w);
}

/* POST /v1/applications/{id}/decision and /delivery as routes of their
 * own (API_ROUTE_PATTERN: rest is the id segment), so the metrics and the
 * access log name each (reg_decision, reg_delivery). */
static void
post_decision_route(struct api_req *rq)
{
	struct reg_str id = { rq->rest, rq->rest_len };

	post_decision(rq, id);
}

static void
post_delivery_route(struct api_req *rq)
{
	struct reg_str id = { rq->rest, rq->rest_len };

	post_delivery(rq, id);
}

/* Any other POST /v1/applications/...: what the pattern routes above do
 * not take (an id with a '/', an unknown step) gets the same answers as
 * before they existed. */
static void
post_application_sub(struct api_req *rq)
{
	static const char dec[] = "/decision", del[] = "/delivery";
	struct reg_str id;

	if (rq->rest_len > sizeof dec - 1 && memcmp(rq->rest + rq->rest_len -
	    (sizeof dec - 1), dec, sizeof dec - 1) == 0) {
		id.p = rq->rest;
		id.len = rq->rest_len - (sizeof dec - 1);
		post_decision(rq, id);
	} else if (rest_id(rq, del, &id) == LIEN_OK) {
		post_delivery(rq, id);
	}
}

/* POST /v1/identity-commitments: {"id_number"} or {"phone"} -> the
 * comparable commitment a face or SMS provider binds its token to. */
static void
post_commitments(struct api_req *rq)
{
	static const char *const opt[] = { "id_number", "phone", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_str idn, phone;
	uint8_t cm[SEAL_COMMIT_LEN];
	char b64[B64_ENCODED_LEN(SEAL_COMMIT_LEN) + 1], body[96];
	size_t n;

	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(INSTITUTION) | ROLE(REGISTRY),
	    REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", NULL, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "id_number", 0, &idn) != LIEN_OK ||
	    reg_str(rq, c->json, "phone", 0, &phone) != LIEN_OK)
		goto out;
	if ((idn.p == NULL) == (phone.p == NULL)) {
		reg_bad(rq, "field_missing", "exactly one of id_number or "
		    "phone is required");
		goto out;
	}
	if (idn.p != NULL ? (v_id_number(rq, idn) != LIEN_OK ||
	    commit_or_fail(c, SEAL_KIND_CITIZEN_ID, idn, cm) != LIEN_OK) :
	    (v_phone(rq, phone) != LIEN_OK ||
	    commit_or_fail(c, SEAL_KIND_PHONE, phone, cm) != LIEN_OK))
		goto out;
	if (b64_encode(cm, sizeof(cm), b64, sizeof(b64)) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		goto out;
	}
	/* base64url without padding (RFC 4648 section 5): 43 characters */
	for (n = 0; b64[n] != '\0' && b64[n] != '='; n++)
		b64[n] = b64[n] == '+' ? '-' : b64[n] == '/' ? '_' : b64[n];
	b64[n] = '\0';
	n = (size_t)snprintf(body, sizeof(body), "{\"commitment\":\"%s\"}\n",
	    b64);
	api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL, body,
	    n);
out:
	work_free(w);
}

/* ---- subjects and erasures (docs/privacy.md "Erasure") ------------------- */

/* POST /v1/subjects: the key id of the subject an ID number (or a
 * company's credit code) names, for an erasure request. No entry, nothing
 * stored: the value is only turned into the subject's identity commitment
 * (keyed by the master key: subject_commit) and looked up. 404
 * subject_unknown when the subject has no
 * live key (never seen, or erased). */
static void
post_subjects(struct api_req *rq)
{
	static const char *const opt[] = { "id_number", "uscc", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_str idn, uscc;
	uint8_t commit[SEAL_COMMIT_LEN], id[REG_SUBJECT_ID_LEN];
	char hex[2 * REG_SUBJECT_ID_LEN + 1], body[80];
	const uint8_t *wr;
	size_t wl, n;
	int erased = 0;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(ADMIN), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", NULL, opt) != LIEN_OK ||
	    reg_str(rq, c->json, "id_number", 0, &idn) != LIEN_OK ||
	    reg_str(rq, c->json, "uscc", 0, &uscc) != LIEN_OK)
		goto out;
	if ((idn.p == NULL) == (uscc.p == NULL)) {
		reg_bad(rq, "field_missing", "exactly one of id_number or uscc "
		    "is required");
		goto out;
	}
	if ((idn.p != NULL ? v_id_number(rq, idn) : v_uscc(rq, uscc)) !=
	    LIEN_OK)
		goto out;
	st = idn.p != NULL ?
	    subject_commit(api_app_keys(c->app), SEAL_KIND_CITIZEN_ID,
	    idn.p, idn.len, commit) :
	    subject_commit(api_app_keys(c->app), SEAL_KIND_OTHER,
	    uscc.p, uscc.len, commit);
	if (st == LIEN_OK)
		st = registry_subject_find(c->view, commit, id);
	/* a lookup left behind by a restored backup whose key is erased
	 * names no live subject */
	if (st == LIEN_OK)
		st = registry_subject_key(c->view, id, &wr, &wl, &erased);
	secret_wipe(commit, sizeof commit);
	if (st == LIEN_ENOTFOUND) {
		api_fail_code(rq, 404, "subject_unknown", "no live subject key "
		    "for this identity (never seen, or erased)");
		goto out;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		goto out;
	}
	hex_encode(id, sizeof id, hex);
	n = (size_t)snprintf(body, sizeof(body), "{\"subject\":\"%s\"}\n", hex);
	api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL, body,
	    n);
out:
	work_free(w);
}

/* POST /v1/erasures: erase a subject (PIPL art. 47): one entry (type 28)
 * holding the key id and the legal basis, no personal data; the registry
 * deletes the subject's wrapped key and index in the same transaction.
 * The request is sealed under the system key (it names no person). */
static void
post_erasures(struct api_req *rq)
{
	static const char *const keys[] = { "subject", "basis", NULL };
	static const char *const bases[] = { "pipl47_purpose",
		"pipl47_service", "pipl47_consent", "pipl47_unlawful",
		"pipl47_other", NULL };
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_request *req;
	struct reg_str subject, basis;
	int b = 0;

	if (w == NULL)
		return;
	c = &w->c;
	req = &w->req;
	if (reg_begin(c, rq, ROLE(ADMIN), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, NULL) != LIEN_OK ||
	    reg_str(rq, c->json, "subject", 1, &subject) != LIEN_OK ||
	    reg_str(rq, c->json, "basis", 1, &basis) != LIEN_OK ||
	    v_enum(rq, basis, bases, &b, "basis_invalid", "basis must be "
	    "pipl47_purpose, pipl47_service, pipl47_consent, pipl47_unlawful "
	    "or pipl47_other") != LIEN_OK)
		goto out;
	if (subject.len != 2 * REG_SUBJECT_ID_LEN ||
	    hex_decode(subject.p, subject.len, req->subject,
	    REG_SUBJECT_ID_LEN) != LIEN_OK) {
		reg_bad(rq, "subject_invalid", "subject must be 32 lowercase "
		    "hex digits (a key id from POST /v1/subjects)");
		goto out;
	}
	req->kind = REG_T_ERASURE;
	req->basis = (enum reg_erasure_basis)b;
	if (reg_submit(c, req) != LIEN_OK)
		goto out;	/* answered */
out:
	work_free(w);
}

/* ---- reads ----------------------------------------------------------------- */

/* A JSON string of 64 lowercase hex digits (as the registry writes them)
 * into 32 bytes; 0 when absent or anything else. */
static int
hex32_decode(const char *s, uint8_t out[HASH_LEN])
{
	return s != NULL && hex_decode(s, strlen(s), out, HASH_LEN) == LIEN_OK;
}

/* times: add the "<x>_at" strings (answers whose "<x>_ms" are instants;
 * not statistics, whose "_ms" members are durations). */
static void
reply_json_text(struct api_req *rq, const char *text, size_t len, int times)
{
	json_error_t e;
	json_t *j = times ? json_loadb(text, len, 0, &e) : NULL;
	char *dump = NULL, *buf;
	size_t n = len;

	if (j != NULL) {
		api_json_times_at(j);
		dump = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(j);
		if (dump != NULL) {
			text = dump;
			n = strlen(dump);
		}
	}
	if ((buf = malloc(n + 1)) == NULL) {
		free(dump);
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	memcpy(buf, text, n);
	buf[n] = '\n';
	api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL, buf,
	    n + 1);
	free(buf);
	free(dump);
}

static int
json_str_is(const json_t *v, const char *p, size_t len)
{
	return json_is_string(v) && json_string_length(v) == len &&
	    memcmp(json_string_value(v), p, len) == 0;
}

static void
read_fail(struct api_req *rq, enum lien_status st, const char *notfound)
{
	if (st == LIEN_ENOTFOUND)
		api_fail_code(rq, 404, notfound, "no such record");
	else
		api_fail_status(rq, st);
}

/* GET /v1/applications/{id} */
static void
get_application(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	char *out = NULL;
	size_t len = 0;
	json_t *app = NULL;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(INSTITUTION) | ROLE(OFFICER) |
	    ROLE(REGISTRY) | ROLE(AUDITOR), REG_AUTH_REQUIRED) != LIEN_OK ||
	    v_app_id(rq, rq->rest, rq->rest_len) != LIEN_OK)
		goto out;
	st = registry_app_get(c->view, rq->rest, rq->rest_len, 1, &out, &len);
	if (st != LIEN_OK) {
		read_fail(rq, st, "application_unknown");
		goto out;
	}
	/* A bank sees its own applications only, and not the reasons that
	 * describe other banks' applications (docs/privacy.md table D). */
	if (c->auth.role == AUTH_ROLE_INSTITUTION) {
		json_t *rs, *keep;

		if (jcs_parse(out, len, 0, &app) != LIEN_OK) {
			api_fail_status(rq, LIEN_ECORRUPT);
			goto out;
		}
		if (!json_str_is(json_object_get(app, "mortgagee"),
		    c->auth.party_id, c->auth.party_id_len)) {
			api_fail_code(rq, 403, "not_party", "only the "
			    "application's bank, officers, the registry and "
			    "auditors may read it");
			goto out;
		}
		rs = json_object_get(app, "reasons");
		if ((keep = json_array()) == NULL) {
			api_fail_status(rq, LIEN_ENOMEM);
			goto out;
		}
		for (size_t i = 0; i < json_array_size(rs); i++) {
			const char *r = json_string_value(json_array_get(rs,
			    i));
			int hidden = 0;

			for (unsigned b = 0; r != NULL && b < REG_ANOMALY_COUNT;
			    b++)
				if (((1u << b) & REG_ANOMALY_PARTY_HIDDEN) &&
				    strcmp(r, registry_anomaly_code(b)) == 0)
					hidden = 1;
			if (!hidden && json_array_append(keep,
			    json_array_get(rs, i)) != 0)
				hidden = 1;
		}
		free(out);
		out = NULL;
		if (json_object_set_new(app, "reasons", keep) != 0 ||
		    jcs_serialize(app, &out, &len) != LIEN_OK) {
			api_fail_status(rq, LIEN_ENOMEM);
			goto out;
		}
	}
	reply_json_text(rq, out, len, 1);
out:
	json_decref(app);
	free(out);
	work_free(w);
}

/* The query of a list route (httpd/http.h api_query_parse: the one
 * strict parser) with the words of its refusals: names lists the
 * parameters, number says what the numbers must be. LIEN_OK, or the
 * failure after replying. */
static enum lien_status LIEN_MUST_CHECK
reg_query(struct api_req *rq, struct api_param *ps, size_t n,
    const char *names, const char *number)
{
	enum api_err e = API_ERR_INTERNAL;
	enum lien_status st;
	const char *msg;

	st = api_query_parse(rq->query, rq->query_len, ps, n, &e);
	if (st == LIEN_OK)
		return LIEN_OK;
	switch (e) {
	case API_ERR_QUERY_TOO_LONG:
		msg = "query string too long";
		break;
	case API_ERR_UNKNOWN_PARAM:
		msg = names;
		break;
	case API_ERR_DUPLICATE_PARAM:
		msg = "a parameter is given twice";
		break;
	case API_ERR_BAD_NUMBER:
		msg = number;
		break;
	case API_ERR_MISSING_PARAM:
		msg = "status is required";	/* the queue's only one */
		break;
	default:
		msg = "expected name=value pairs";
		break;
	}
	api_fail(rq, e, msg);
	return st;
}

/* The answer of a list route: the list (times: as reply_json_text), 400
 * status_invalid with status_words when the registry does not know the
 * status asked for (LIEN_EPARSE), or the failure. */
static void
reply_list(struct api_req *rq, enum lien_status st, const char *out,
    size_t len, const char *status_words, int times)
{
	if (st == LIEN_EPARSE)
		reg_bad(rq, "status_invalid", status_words);
	else if (st != LIEN_OK)
		api_fail_status(rq, st);
	else
		reply_json_text(rq, out, len, times);
}

/* GET /v1/applications?status=...&after=...&limit=... */
static void
get_queue(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct api_param q[3] = {
		{ .name = "status", .flags = API_PARAM_TEXT },
		{ .name = "after",
		  .flags = API_PARAM_TEXT | API_PARAM_OPTIONAL },
		{ .name = "limit", .flags = API_PARAM_OPTIONAL },
	};
	char *out = NULL;
	size_t len = 0;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(OFFICER) | ROLE(AUDITOR),
	    REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_query(rq, q, 3, "expected status, after and limit",
	    "limit must be 1..100") != LIEN_OK)
		goto out;
	if (q[2].seen && (q[2].value == 0 ||
	    q[2].value > REG_QUEUE_LIMIT_MAX)) {
		api_fail(rq, API_ERR_BAD_NUMBER, "limit must be 1..100");
		goto out;
	}
	if (q[1].text != NULL && v_app_id(rq, q[1].text, q[1].text_len) !=
	    LIEN_OK)
		goto out;
	st = registry_queue_list(c->view, q[0].text, q[0].text_len, q[1].text,
	    q[1].text_len, q[2].seen ? (unsigned)q[2].value : 20, &out, &len);
	reply_list(rq, st, out, len, "status must be submitted or "
	    "in_person_review", 1);
out:
	free(out);
	work_free(w);
}

/* GET /v1/institutions?status=S&after=USCC&limit=N: the filed
 * institutions and their status, public (docs/api-registration.md
 * "Filed institutions"); a signature is not needed and not looked at. */
static void
get_institutions(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct api_param q[3] = {
		{ .name = "status",
		  .flags = API_PARAM_TEXT | API_PARAM_OPTIONAL },
		{ .name = "after",
		  .flags = API_PARAM_TEXT | API_PARAM_OPTIONAL },
		{ .name = "limit", .flags = API_PARAM_OPTIONAL },
	};
	char status[16], after[REG_PARTY_ID_MAX + 1];
	size_t after_len = 0;
	char *out = NULL;
	size_t len = 0;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	status[0] = '\0';
	if (reg_begin(c, rq, ROLE(INSTITUTION) | ROLE(OFFICER) |
	    ROLE(REGISTRY) | ROLE(AUDITOR) | ROLE(ADMIN) | ROLE(POST),
	    REG_AUTH_OPTIONAL) != LIEN_OK ||
	    reg_query(rq, q, 3, "expected status, after and limit",
	    "limit must be 1..500") != LIEN_OK)
		goto out;
	if (q[0].text != NULL) {
		if (q[0].text_len >= sizeof status) {
			reg_bad(rq, "status_invalid", "status must be active, "
			    "suspended or revoked");
			goto out;
		}
		memcpy(status, q[0].text, q[0].text_len);
		status[q[0].text_len] = '\0';
	}
	if (q[1].text != NULL) {
		struct reg_str ps = { q[1].text, q[1].text_len };

		if (v_uscc(rq, ps) != LIEN_OK)	/* 18 bytes: fits after */
			goto out;
		memcpy(after, ps.p, ps.len);
		after_len = ps.len;
	}
	if (q[2].seen && (q[2].value == 0 ||
	    q[2].value > REG_INSTITUTIONS_LIMIT_MAX)) {
		api_fail(rq, API_ERR_BAD_NUMBER, "limit must be 1..500");
		goto out;
	}
	st = registry_institutions_list(c->view, status[0] ? status : NULL,
	    after, after_len, q[2].seen ? (unsigned)q[2].value : 100, &out,
	    &len);
	reply_list(rq, st, out, len, "status must be active, suspended or "
	    "revoked", 0);
out:
	free(out);
	work_free(w);
}

/* GET /v1/statistics?from=MS&to=MS&party=ID (docs/statistics.md):
 * officers and auditors see every institution (or one, party=), a bank
 * its own only. From the running totals when the period covers the whole
 * log, else computed from the log (registry_statistics_read). */
static void
get_statistics(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct api_param q[3] = {
		{ .name = "from", .flags = API_PARAM_OPTIONAL },
		{ .name = "to", .flags = API_PARAM_OPTIONAL },
		{ .name = "party",
		  .flags = API_PARAM_TEXT | API_PARAM_OPTIONAL },
	};
	uint64_t from, to;
	char party[REG_PARTY_ID_MAX + 1];
	char *out = NULL;
	size_t len = 0;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	party[0] = '\0';
	if (reg_begin(c, rq, ROLE(OFFICER) | ROLE(AUDITOR) |
	    ROLE(INSTITUTION), REG_AUTH_REQUIRED) != LIEN_OK ||
	    reg_query(rq, q, 3, "expected from, to and party",
	    "from and to are epoch milliseconds") != LIEN_OK)
		goto out;
	if (q[2].text != NULL) {
		struct reg_str ps = { q[2].text, q[2].text_len };

		if (v_party_id(rq, ps) != LIEN_OK)	/* fits party */
			goto out;
		memcpy(party, ps.p, ps.len);
		party[ps.len] = '\0';
	}
	from = q[0].seen ? q[0].value : 0;
	to = q[1].seen ? q[1].value : REG_TIME_MAX;
	if (from > REG_TIME_MAX || to > REG_TIME_MAX) {
		api_fail(rq, API_ERR_BAD_NUMBER, "from and to are epoch "
		    "milliseconds");
		goto out;
	}
	if (from > to) {
		api_fail(rq, API_ERR_BAD_NUMBER, "from must not be after to");
		goto out;
	}
	/* a bank sees its own figures only */
	if (c->auth.role == AUTH_ROLE_INSTITUTION) {
		if (party[0] != '\0' && (strlen(party) != c->auth.party_id_len ||
		    memcmp(party, c->auth.party_id, c->auth.party_id_len) !=
		    0)) {
			api_fail_code(rq, 403, "not_party", "a bank sees its "
			    "own statistics only");
			goto out;
		}
		memcpy(party, c->auth.party_id, c->auth.party_id_len);
		party[c->auth.party_id_len] = '\0';
	}
	st = registry_statistics_read(c->view, from, to, party[0] ? party :
	    NULL, &out, &len);
	if (st != LIEN_OK)
		api_fail_status(rq, st);
	else
		reply_json_text(rq, out, len, 0);
out:
	free(out);
	work_free(w);
}

/* A bank is a party of a vehicle when it holds or held a mortgage on it. */
static int
vehicle_party(const char *full, size_t len, const char *party, size_t plen)
{
	static const char *const lists[] = { "liens", "released" };
	json_t *veh = NULL;
	int yes = 0;

	if (jcs_parse(full, len, 0, &veh) != LIEN_OK)
		return 0;
	for (size_t l = 0; l < 2 && !yes; l++) {
		json_t *a = json_object_get(veh, lists[l]);

		for (size_t i = 0; i < json_array_size(a) && !yes; i++)
			yes = json_str_is(json_object_get(json_array_get(a, i),
			    "mortgagee"), party, plen);
	}
	json_decref(veh);
	return yes;
}

/* GET /v1/vehicles/{vin} */
static void
get_vehicle(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_str vin = { rq->rest, rq->rest_len };
	char *out = NULL;
	size_t len = 0;
	int full;
	enum lien_status st;

	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(INSTITUTION) | ROLE(OFFICER) |
	    ROLE(REGISTRY) | ROLE(AUDITOR), REG_AUTH_OPTIONAL) != LIEN_OK ||
	    v_vin(rq, vin) != LIEN_OK)
		goto out;
	full = c->authed;
	st = registry_vehicle_get(c->view, vin.p, vin.len, full, &out, &len);
	if (st == LIEN_OK && full && c->auth.role == AUTH_ROLE_INSTITUTION &&
	    !vehicle_party(out, len, c->auth.party_id, c->auth.party_id_len)) {
		free(out);
		out = NULL;
		st = registry_vehicle_get(c->view, vin.p, vin.len, 0, &out,
		    &len);
	}
	if (st != LIEN_OK)
		read_fail(rq, st, "vehicle_unknown");
	else
		reply_json_text(rq, out, len, 1);
out:
	free(out);
	work_free(w);
}

/* The owner check of an opened request: the owner its body names
 * (owner_of_body: a person, or the company of a company block) leads,
 * through the subject index, to a key whose owner reference is the
 * private record's owner. LIEN_OK with *out_match 1 or 0 (0 also when the
 * record's owner is not hex or the subject cannot be read: the evidence
 * then shows "false"), or LIEN_ENOTFOUND with *out_match 0 when there is
 * nothing to check (no owner in the body or the record: "null"). */
static enum lien_status LIEN_MUST_CHECK
owner_reference_check(struct reg_call *c, const json_t *body,
    const json_t *r, int *out_match)
{
	const char *oh = json_string_value(json_object_get(r, "owner"));
	struct owner_id o;
	struct subject s;
	uint8_t want[SEAL_REF_LEN];

	*out_match = 0;
	if (owner_of_body(body, &o) != LIEN_OK || oh == NULL)
		return LIEN_ENOTFOUND;
	if (!hex32_decode(oh, want) || subject_get(api_app_keys(c->app),
	    c->view, owner_kind(&o), o.value.p, o.value.len, &s) != LIEN_OK)
		return LIEN_OK;
	*out_match = !s.is_new && hash_equal(s.owner_ref, want);
	subject_clear(&s);
	return LIEN_OK;
}

/* GET /v1/evidence/{index}: open the sealed request of an entry (under
 * its subject's key or the system key) and show that it is what the
 * entry commits to (docs/api-registration.md "Evidence"). An erased
 * subject's evidence answers 410 evidence_erased. */
static void
get_evidence(struct api_req *rq)
{
	struct reg_work *w = work_new(rq);
	struct reg_call *c;
	struct reg_opened o;
	const uint8_t *raw;
	uint8_t *rec = NULL;
	size_t raw_len, rec_len = 0, len;
	uint8_t h[HASH_LEN], want[HASH_LEN];
	char *canon = NULL, *buf = NULL;
	size_t canon_len = 0, cap = 0;
	struct entry e;
	json_t *p = NULL, *r = NULL, *body = NULL;
	const json_t *sg;
	uint64_t index;
	struct json_out j;
	int ok_sealed, ok_private, ok_owner, ok_face = -1;
	enum lien_status st;

	memset(&o, 0, sizeof(o));
	if (w == NULL)
		return;
	c = &w->c;
	if (reg_begin(c, rq, ROLE(INSTITUTION) | ROLE(OFFICER) |
	    ROLE(AUDITOR), REG_AUTH_REQUIRED) != LIEN_OK)
		goto out;
	if (api_u64_parse(rq->rest, rq->rest_len, &index) != LIEN_OK) {
		api_fail(rq, API_ERR_BAD_NUMBER, "index must be a decimal "
		    "number");
		goto out;
	}
	if (index >= ledger_view_size(c->view)) {
		api_fail(rq, API_ERR_INDEX_RANGE, "no entry at this index");
		goto out;
	}
	if ((st = ledger_view_entry(c->view, index, &raw, &raw_len)) !=
	    LIEN_OK || (st = entry_decode(raw, raw_len, &e)) != LIEN_OK) {
		api_fail_status(rq, st == LIEN_OK ? LIEN_ECORRUPT : st);
		goto out;
	}
	if (e.type < REG_T_FIRST || !registry_type_known(e.type) ||
	    jcs_parse((const char *)e.payload, e.payload_len, 0, &p) !=
	    LIEN_OK || registry_private_get(c->view, index, &rec, &rec_len) !=
	    LIEN_OK || jcs_parse((const char *)rec, rec_len, 0, &r) !=
	    LIEN_OK) {
		api_fail_code(rq, 404, "evidence_unknown", "this entry has no "
		    "sealed evidence");
		goto out;
	}
	/* a bank opens only what it signed */
	sg = json_object_get(json_object_get(p, "signer") ? p : r, "signer");
	if (c->auth.role == AUTH_ROLE_INSTITUTION &&
	    !json_str_is(json_object_get(sg, "party"), c->auth.party_id,
	    c->auth.party_id_len)) {
		api_fail_code(rq, 403, "not_party", "only the entry's bank, "
		    "officers and auditors may open its evidence");
		goto out;
	}
	registry_private_commit(index, rec, rec_len, h);
	ok_private = hex32_decode(json_string_value(json_object_get(p,
	    "private")), want) && hash_equal(h, want);
	st = reg_evidence_open(c, index, &o);
	if (st == LIEN_EKEY) {
		api_fail_code(rq, 410, "evidence_erased", "the subject of this "
		    "evidence was erased (docs/privacy.md); the entry and its "
		    "proofs stay valid");
		goto out;
	}
	if (st == LIEN_ENOTFOUND) {
		api_fail_code(rq, 404, "evidence_unknown", "this entry has no "
		    "sealed evidence");
		goto out;
	}
	if (st == LIEN_EVERIFY) {
		api_fail_code(rq, 500, "evidence_unreadable", "the sealed "
		    "evidence does not open with this server's keys");
		goto out;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		goto out;
	}
	hash_sha256(o.box, o.box_len, h);
	ok_sealed = hex32_decode(json_string_value(json_object_get(r,
	    "sealed")), want) && hash_equal(h, want);
	if (jcs_parse((const char *)o.body, o.body_len, 0, &body) != LIEN_OK ||
	    jcs_serialize(body, &canon, &canon_len) != LIEN_OK) {
		api_fail_status(rq, LIEN_ECORRUPT);
		goto out;
	}
	if (owner_reference_check(c, body, r, &ok_owner) != LIEN_OK)
		ok_owner = -1;	/* nothing to check: "null" */
	{
		const char *tok = json_string_value(json_object_get(body,
		    "face_token"));
		const char *fh = json_string_value(json_object_get(
		    json_object_get(r, "face"), "token"));

		if (tok != NULL && fh != NULL && hex32_decode(fh, want)) {
			hash_sha256(tok, strlen(tok), h);
			ok_face = hash_equal(h, want);
		}
	}
	cap = canon_len + 6 * (o.field_len[2] + o.field_len[3] +
	    o.field_len[4]) + 1024;
	if ((buf = malloc(cap)) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		goto out;
	}
	json_out_init(&j, buf, cap);
	json_out_raw(&j, "{\"body\":");
	json_out_raw(&j, canon);
	json_out_raw(&j, ",\"checks\":{\"face_token\":");
	json_out_raw(&j, ok_face < 0 ? "null" : ok_face ? "true" : "false");
	json_out_raw(&j, ",\"owner_reference\":");
	json_out_raw(&j, ok_owner < 0 ? "null" : ok_owner ? "true" :
	    "false");
	json_out_raw(&j, ",\"private_commitment\":");
	json_out_raw(&j, ok_private ? "true" : "false");
	json_out_raw(&j, ",\"sealed_digest\":");
	json_out_raw(&j, ok_sealed ? "true" : "false");
	json_out_raw(&j, "},\"entry_type\":");
	json_out_u64(&j, e.type);
	json_out_raw(&j, ",\"index\":");
	json_out_u64(&j, index);
	json_out_raw(&j, ",\"method\":");
	json_out_str(&j, o.field[1], o.field_len[1] < 16 ? o.field_len[1] :
	    16);
	json_out_raw(&j, ",\"path\":");
	json_out_str(&j, o.field[2], o.field_len[2]);
	json_out_raw(&j, ",\"signature\":");
	json_out_str(&j, o.field[4], o.field_len[4]);
	json_out_raw(&j, ",\"signature_input\":");
	json_out_str(&j, o.field[3], o.field_len[3]);
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK)
		api_fail(rq, API_ERR_INTERNAL, "internal error");
	else
		api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL,
		    buf, len);
out:
	reg_opened_clear(&o);
	if (canon != NULL)
		secret_wipe(canon, canon_len);
	free(canon);
	if (buf != NULL)
		secret_wipe(buf, cap);
	free(buf);
	if (rec != NULL)
		secret_wipe(rec, rec_len);
	free(rec);
	json_decref(p);
	json_decref(r);
	json_decref(body);
	work_free(w);
}

static const struct api_route reg_routes[] = {
	{ "POST", "/v1/institutions", 0, post_institutions, "reg_institutions" },
	{ "GET", "/v1/institutions", 0, get_institutions,
	  "reg_institutions_list" },
	{ "POST", "/v1/institutions/", API_ROUTE_PREFIX, post_institution_sub,
	  "reg_institution_status" },
	{ "POST", "/v1/parties", 0, post_parties, "reg_parties" },
	{ "POST", "/v1/parties/", API_ROUTE_PREFIX, post_party_sub,
	  "reg_party_status" },
	{ "POST", "/v1/vehicles", 0, post_vehicles, "reg_vehicles" },
	{ "POST", "/v1/vehicles/", API_ROUTE_PREFIX, post_vehicle_sub,
	  "reg_restrictions" },
	{ "GET", "/v1/vehicles/", API_ROUTE_PREFIX, get_vehicle,
	  "reg_vehicle" },
	{ "POST", "/v1/mortgages", 0, post_mortgages, "reg_mortgages" },
	{ "POST", "/v1/releases", 0, post_releases, "reg_releases" },
	{ "POST", "/v1/vouchers", 0, post_vouchers, "reg_vouchers" },
	{ "POST", "/v1/counter/mortgages", 0, post_counter_mortgages,
	  "reg_counter_mortgages" },
	{ "POST", "/v1/counter/releases", 0, post_counter_releases,
	  "reg_counter_releases" },
	{ "POST", "/v1/applications/*/decision", API_ROUTE_PATTERN,
	  post_decision_route, "reg_decision" },
	{ "POST", "/v1/applications/*/delivery", API_ROUTE_PATTERN,
	  post_delivery_route, "reg_delivery" },
	{ "POST", "/v1/applications/", API_ROUTE_PREFIX, post_application_sub,
	  "reg_application_post" },
	{ "GET", "/v1/applications", 0, get_queue, "reg_queue" },
	{ "GET", "/v1/statistics", 0, get_statistics, "reg_statistics" },
	{ "GET", "/v1/applications/", API_ROUTE_PREFIX, get_application,
	  "reg_application" },
	{ "POST", "/v1/identity-commitments", 0, post_commitments,
	  "reg_commitments" },
	{ "GET", "/v1/evidence/", API_ROUTE_PREFIX, get_evidence,
	  "reg_evidence" },
	{ "POST", "/v1/subjects", 0, post_subjects, "reg_subjects" },
	{ "POST", "/v1/erasures", 0, post_erasures, "reg_erasures" },
};

const struct api_route_table api_routes_reg = {
	reg_routes, sizeof(reg_routes) / sizeof(reg_routes[0])
};
