/*
 * Registry payload shape (docs/registry.md, "Payloads"): tables of the
 * fields each entry type carries in its public payload (docs/privacy.md
 * table A: nothing else may appear in the log in clear) and in its
 * private record (table B), checked field by field (presence, JSON type,
 * format, identifier check characters via registry/ids.h), with unknown
 * fields refused. The same check runs in the build (on the payload made
 * from the request, so api/'s validation is repeated here and the
 * registry is safe on its own), in registry_apply and in the audit.
 *
 * It checks form only; what the state allows is registry/rules.c.
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <string.h>

#include "common/b64.h"
#include "crypto/idemkey.h"
#include "crypto/pkey.h"

enum fk {
	FK_STR,		/* UTF-8 string 1..max bytes */
	FK_INT,		/* integer 0..max (max 0: JCS_INT_MAX) */
	FK_HEX32,	/* 64 lowercase hex digits */
	FK_HEX16,	/* 32 lowercase hex digits (a subject key id) */
	FK_KEY,		/* "system" or FK_HEX16 */
	FK_B64,		/* strict base64 of 1..max bytes */
	FK_APPID,
	FK_PARTY,
	FK_USCC,
	FK_ENUM,	/* one of en[] */
	FK_SIGNER,
	FK_EVIDENCE,
	FK_FACE,
	FK_REASONS,	/* anomaly codes, bit order, unique */
	FK_VERSION,	/* integer == RG_PAYLOAD_VERSION */
	FK_IDEMKEY,	/* crypto/idemkey.h: lowercase UUIDv7 text */
	FK_SMS,		/* the SMS authorisation of a company owner */
	FK_DATE,	/* "YYYY-MM-DD" (registry_date_parse) */
	FK_VOUCHERID,	/* "V" + 16 hex digits (registry_voucher_id_parse) */
	FK_CONTACT,	/* registry_contact_valid */
};

enum freq {
	OPT,		/* may be absent */
	REQ,		/* must be present */
	FULL,		/* present in a full payload, absent before */
};

struct field {
	const char *name;
	enum fk k;
	enum freq req;
	size_t max;
	const char *bad;		/* refusal when malformed */
	const char *const *en;		/* FK_ENUM values, NULL-terminated */
};

static const char *const en_roles_filed[] = { "officer", "registry",
	"auditor", "post", NULL };
static const char *const en_roles_all[] = { "institution", "officer",
	"registry", "auditor", "admin", "post", NULL };
const char *const rg_delivery_names[] = { NULL, "picked_up", "endorsed",
	"dispatched", "delivered", "returned", NULL };
static const char *const en_status_action[] = { "suspend", "reinstate",
	"revoke", NULL };
static const char *const en_decision[] = { "approve", "reject",
	"in_person_review", NULL };
static const char *const en_restr_action[] = { "set", "lift", NULL };
static const char *const en_restr_kind[] = { "seized", "detained",
	"stolen", "scrapped", "customs", NULL };
static const char *const en_app_status[] = { "submitted",
	"in_person_review", NULL };
static const char *const en_verdict[] = { "pass", "grey", NULL };
static const char *const en_owner_kind[] = { "company", NULL };
static const char *const en_channel[] = { "counter", NULL };
static const char *const en_purpose[] = { "mortgage", "release", NULL };
const char *const rg_basis_names[] = { NULL, "pipl47_purpose",
	"pipl47_service", "pipl47_consent", "pipl47_unlawful", "pipl47_other",
	NULL };

/* ---- public payloads (docs/privacy.md table A) ------------------------- */

#define COMMON \
	{ "v", FK_VERSION, REQ, 0, "field_invalid", NULL }, \
	{ "step", FK_STR, REQ, 64, "field_invalid", NULL }, \
	{ "private", FK_HEX32, FULL, 0, "field_invalid", NULL }
#define SIGNER \
	{ "signer", FK_SIGNER, REQ, 0, "field_invalid", NULL }

#define END { NULL, FK_STR, OPT, 0, NULL, NULL }

static const struct field f_institution_file[] = {
	COMMON, SIGNER,
	{ "party", FK_USCC, REQ, 0, "uscc_invalid", NULL },
	{ "name", FK_STR, REQ, REG_NAME_MAX, "name_invalid", NULL },
	{ "contact", FK_CONTACT, OPT, 0, "contact_invalid", NULL },
	{ "cert", FK_B64, REQ, CERT_DER_MAX, "cert_invalid", NULL },
	{ "keyid", FK_HEX32, REQ, 0, "keyid_invalid", NULL },
	{ "cert_not_after_ms", FK_INT, REQ, 0, "field_invalid", NULL },
	END
};
static const struct field f_party_file[] = {
	COMMON, SIGNER,
	{ "party", FK_PARTY, REQ, 0, "party_id_invalid", NULL },
	{ "role", FK_ENUM, REQ, 0, "role_invalid", en_roles_filed },
	{ "name", FK_STR, REQ, REG_NAME_MAX, "name_invalid", NULL },
	{ "cert", FK_B64, REQ, CERT_DER_MAX, "cert_invalid", NULL },
	{ "keyid", FK_HEX32, REQ, 0, "keyid_invalid", NULL },
	{ "cert_not_after_ms", FK_INT, REQ, 0, "field_invalid", NULL },
	END
};
static const struct field f_status[] = {
	COMMON, SIGNER,
	{ "party", FK_PARTY, REQ, 0, "party_id_invalid", NULL },
	{ "action", FK_ENUM, REQ, 0, "action_invalid", en_status_action },
	{ "keyid", FK_HEX32, OPT, 0, "keyid_invalid", NULL },
	END
};
static const struct field f_vehicle_record[] = {
	COMMON, SIGNER,
	{ "vehicle", FK_HEX32, REQ, 0, "vin_invalid", NULL },
	END
};
/* "channel": absent for online applications (the bank signs), "counter"
 * for one an officer filed at the counter (docs/registry.md "Counter
 * applications"): public, like the step itself. */
#define CHANNEL \
	{ "channel", FK_ENUM, OPT, 0, "channel_invalid", en_channel }

static const struct field f_mortgage[] = {
	COMMON, CHANNEL,
	{ "app", FK_APPID, REQ, 0, "app_id_invalid", NULL },
	{ "vehicle", FK_HEX32, REQ, 0, "vin_invalid", NULL },
	{ "status", FK_ENUM, FULL, 0, "status_invalid", en_app_status },
	END
};
static const struct field f_release[] = {
	COMMON, CHANNEL,
	{ "app", FK_APPID, REQ, 0, "app_id_invalid", NULL },
	{ "vehicle", FK_HEX32, REQ, 0, "vin_invalid", NULL },
	{ "mortgage", FK_APPID, REQ, 0, "app_id_invalid", NULL },
	{ "status", FK_ENUM, FULL, 0, "status_invalid", en_app_status },
	END
};
static const struct field f_decision[] = {
	COMMON, SIGNER,
	{ "app", FK_APPID, REQ, 0, "app_id_invalid", NULL },
	{ "decision", FK_ENUM, REQ, 0, "decision_invalid", en_decision },
	END
};
static const struct field f_restriction[] = {
	COMMON, SIGNER,
	{ "vehicle", FK_HEX32, REQ, 0, "vin_invalid", NULL },
	{ "action", FK_ENUM, REQ, 0, "action_invalid", en_restr_action },
	{ "kind", FK_ENUM, REQ, 0, "restriction_invalid", en_restr_kind },
	END
};
static const struct field f_erasure[] = {
	COMMON, SIGNER,
	{ "subject", FK_HEX16, REQ, 0, "subject_invalid", NULL },
	{ "basis", FK_ENUM, REQ, 0, "basis_invalid", rg_basis_names + 1 },
	END
};

static const struct field f_delivery[] = {
	COMMON, SIGNER,
	{ "app", FK_APPID, REQ, 0, "app_id_invalid", NULL },
	{ "event", FK_ENUM, REQ, 0, "event_invalid", rg_delivery_names + 1 },
	END
};

/* A bank's voucher: which kind of application it consents to and until
 * when; the bank, the vehicle and the mortgage or contract it is bound to
 * are private (docs/privacy.md table A). */
static const struct field f_voucher[] = {
	COMMON,
	{ "voucher", FK_VOUCHERID, REQ, 0, "voucher_id_invalid", NULL },
	{ "purpose", FK_ENUM, REQ, 0, "purpose_invalid", en_purpose },
	{ "expires_ms", FK_INT, REQ, 0, "field_invalid", NULL },
	END
};

/* ---- private records (docs/privacy.md table B) ------------------------- */

#define PCOMMON \
	{ "salt", FK_HEX32, REQ, 0, "field_invalid", NULL }, \
	{ "evidence", FK_EVIDENCE, REQ, 0, "field_invalid", NULL }, \
	{ "sealed", FK_HEX32, REQ, 0, "field_invalid", NULL }, \
	{ "key", FK_KEY, REQ, 0, "field_invalid", NULL }

/* What both applications carry: the signer (the bank online, the officer
 * at the counter), the owner's face check or the counter's fields
 * (COUNTER, below), the owner (and for a company the acting person), the
 * SMS authorisation of a company's legal representative. */
#define PAPPLICATION \
	{ "signer", FK_SIGNER, REQ, 0, "field_invalid", NULL }, \
	COUNTER, \
	{ "owner", FK_HEX32, REQ, 0, "commitment_invalid", NULL }, \
	{ "agent", FK_HEX32, OPT, 0, "commitment_invalid", NULL }, \
	{ "sms", FK_SMS, OPT, 0, "sms_invalid", NULL }

static const struct field p_plain[] = {
	PCOMMON,
	END
};
static const struct field p_vehicle_record[] = {
	PCOMMON,
	{ "owner", FK_HEX32, REQ, 0, "commitment_invalid", NULL },
	{ "owner_kind", FK_ENUM, OPT, 0, "field_invalid", en_owner_kind },
	{ "details", FK_HEX32, REQ, 0, "commitment_invalid", NULL },
	END
};
/* An application's consent and identity evidence: online, the owner's
 * face token (the bank signs); at the counter, the document the officer
 * checked, the bank and its voucher (the officer signs). Which of them
 * must be present: rg_pshape. */
#define COUNTER \
	{ "face", FK_FACE, OPT, 0, "face_missing", NULL }, \
	{ "id_check", FK_ENUM, OPT, 0, "id_check_invalid", \
	  rg_id_document_names + 1 }, \
	{ "mortgagee", FK_USCC, OPT, 0, "uscc_invalid", NULL }, \
	{ "voucher", FK_VOUCHERID, OPT, 0, "voucher_id_invalid", NULL }, \
	{ "phone_contact", FK_CONTACT, OPT, 0, "contact_invalid", NULL }

static const struct field p_voucher[] = {
	PCOMMON,
	{ "signer", FK_SIGNER, REQ, 0, "field_invalid", NULL },
	{ "vehicle", FK_HEX32, REQ, 0, "vin_invalid", NULL },
	{ "mortgage", FK_APPID, OPT, 0, "app_id_invalid", NULL },
	{ "contract", FK_HEX32, OPT, 0, "contract_invalid", NULL },
	END
};

static const struct field p_mortgage[] = {
	PCOMMON,
	PAPPLICATION,
	{ "details", FK_HEX32, REQ, 0, "commitment_invalid", NULL },
	{ "contract", FK_HEX32, REQ, 0, "contract_invalid", NULL },
	{ "term_end", FK_DATE, OPT, 0, "term_end_invalid", NULL },
	{ "reasons", FK_REASONS, FULL, 0, "reasons_invalid", NULL },
	END
};
static const struct field p_release[] = {
	PCOMMON,
	PAPPLICATION,
	{ "reasons", FK_REASONS, FULL, 0, "reasons_invalid", NULL },
	END
};

static const struct field f_signer[] = {
	{ "party", FK_PARTY, REQ, 0, "party_id_invalid", NULL },
	{ "role", FK_ENUM, REQ, 0, "role_invalid", en_roles_all },
	{ "keyid", FK_HEX32, REQ, 0, "keyid_invalid", NULL },
	{ "not_after_ms", FK_INT, REQ, 0, "field_invalid", NULL },
	END
};
static const struct field f_evidence[] = {
	{ "digest", FK_HEX32, REQ, 0, "evidence_invalid", NULL },
	{ "created", FK_INT, REQ, 0, "evidence_invalid", NULL },
	{ "nonce", FK_STR, REQ, HTTPSIG_PARAM_MAX, "evidence_invalid", NULL },
	{ "alg", FK_STR, REQ, 32, "evidence_invalid", NULL },
	{ "nonce_exp_ms", FK_INT, REQ, 0, "evidence_invalid", NULL },
	{ "idempotency_key", FK_IDEMKEY, OPT, 0, "idempotency_key_invalid",
	  NULL },
	END
};
static const struct field f_sms[] = {
	{ "token", FK_HEX32, REQ, 0, "sms_invalid", NULL },
	{ "issuer", FK_STR, REQ, TRUST_ISS_MAX, "sms_invalid", NULL },
	END
};
static const struct field f_face[] = {
	{ "token", FK_HEX32, REQ, 0, "face_invalid", NULL },
	{ "verdict", FK_ENUM, REQ, 0, "face_invalid", en_verdict },
	{ "liveness", FK_INT, REQ, 10000, "face_invalid", NULL },
	{ "match", FK_INT, REQ, 10000, "face_invalid", NULL },
	{ "issuer", FK_STR, REQ, TRUST_ISS_MAX, "face_invalid", NULL },
	END
};

/* By type - REG_T_FIRST (16..24); type 28 apart. */
static const struct field *const type_fields[] = {
	f_institution_file, f_status, f_party_file, f_status,
	f_vehicle_record, f_mortgage, f_release, f_decision, f_restriction,
};
static const struct field *const type_private[] = {
	p_plain, p_plain, p_plain, p_plain,
	p_vehicle_record, p_mortgage, p_release, p_plain, p_plain,
};

int
registry_type_known(unsigned type)
{
	return (type >= REG_T_FIRST && type <= REG_T_RESTRICTION) ||
	    type == REG_T_ERASURE || type == REG_T_DELIVERY_EVENT ||
	    type == REG_T_VOUCHER;
}

int
rg_signer_public(unsigned type)
{
	return type != REG_T_MORTGAGE_APPLICATION &&
	    type != REG_T_RELEASE_APPLICATION && type != REG_T_VOUCHER;
}

int
rg_counter(unsigned type, const json_t *p)
{
	return (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) &&
	    rg_jstr_eq(p, "channel", "counter");
}

const char *
rg_app_bank(const json_t *r, size_t *len)
{
	const char *b = rg_jstr(r, "mortgagee", len);

	return b != NULL ? b : rg_jstr(json_object_get(r, "signer"), "party",
	    len);
}

static const struct field *
fields_of(unsigned type, int priv)
{
	if (type == REG_T_ERASURE)
		return priv ? p_plain : f_erasure;
	if (type == REG_T_DELIVERY_EVENT)
		return priv ? p_plain : f_delivery;
	if (type == REG_T_VOUCHER)
		return priv ? p_voucher : f_voucher;
	if (type < REG_T_FIRST || type > REG_T_RESTRICTION)
		return NULL;
	return (priv ? type_private : type_fields)[type - REG_T_FIRST];
}

const char *const rg_anomaly_codes[REG_ANOMALY_COUNT] = {
	"face_grey", "owner_mismatch", "vehicle_unrecorded",
	"vehicle_details_mismatch", "multi_bank", "institution_burst",
	"owner_burst", "cert_expiring", "release_soon",
};

const char *
registry_anomaly_code(unsigned i)
{
	return i < REG_ANOMALY_COUNT ? rg_anomaly_codes[i] : NULL;
}

unsigned
rg_anomaly_bits(const json_t *r)
{
	const json_t *a = json_object_get(r, "reasons");
	unsigned bits = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *c = json_string_value(json_array_get(a, i));

		for (unsigned b = 0; c != NULL && b < REG_ANOMALY_COUNT; b++)
			if (strcmp(c, rg_anomaly_codes[b]) == 0)
				bits |= 1u << b;
	}
	return bits;
}

static enum lien_status check_fields(const struct field *fs, const json_t *o,
    int full, struct rg_verdict *v) LIEN_MUST_CHECK;

static int
reasons_ok(const json_t *a)
{
	int last = -1;

	if (!json_is_array(a) || json_array_size(a) > REG_ANOMALY_COUNT)
		return 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		int k = -1;

		if (!json_is_string(e))
			return 0;
		for (unsigned b = 0; b < REG_ANOMALY_COUNT; b++)
			if (strcmp(json_string_value(e),
			    rg_anomaly_codes[b]) == 0 &&
			    json_string_length(e) ==
			    strlen(rg_anomaly_codes[b]))
				k = (int)b;
		if (k <= last)	/* unknown, duplicate or out of order */
			return 0;
		last = k;
	}
	return 1;
}

static int
check_one(const struct field *f, const json_t *val, struct rg_verdict *v)
{
	const char *s = json_string_value(val);
	size_t n = json_string_length(val);
	uint8_t tmp[CERT_DER_MAX];
	size_t got;

	switch (f->k) {
	case FK_VERSION:
		return json_is_integer(val) &&
		    json_integer_value(val) == RG_PAYLOAD_VERSION;
	case FK_INT: {
		json_int_t i;

		if (!json_is_integer(val))
			return 0;
		i = json_integer_value(val);
		return i >= 0 && (f->max == 0 || i <= (json_int_t)f->max);
	}
	case FK_SIGNER:
	case FK_EVIDENCE:
	case FK_FACE:
	case FK_SMS:
		if (!json_is_object(val))
			return 0;
		return check_fields(f->k == FK_SIGNER ? f_signer :
		    f->k == FK_EVIDENCE ? f_evidence : f->k == FK_SMS ? f_sms :
		    f_face, val, 0, v) == LIEN_OK;
	case FK_REASONS:
		return reasons_ok(val);
	default:
		break;
	}
	if (!json_is_string(val) || memchr(s, 0, n) != NULL)
		return 0;
	switch (f->k) {
	case FK_STR:
		return n >= 1 && n <= f->max;
	case FK_HEX32:
		return hex_decode(s, n, tmp, 32) == LIEN_OK;
	case FK_HEX16:
		return hex_decode(s, n, tmp, 16) == LIEN_OK;
	case FK_KEY:
		return (n == 6 && memcmp(s, "system", 6) == 0) ||
		    hex_decode(s, n, tmp, 16) == LIEN_OK;
	case FK_B64:
		if (n == 0 || n > B64_ENCODED_LEN(f->max) ||
		    f->max > sizeof(tmp))
			return 0;
		return b64_decode(s, n, tmp, f->max, &got) == LIEN_OK &&
		    got >= 1;
	case FK_APPID: {
		uint64_t ix;

		return registry_app_id_parse(s, n, &ix) == LIEN_OK;
	}
	case FK_PARTY:
		return rg_party_id_valid(s, n);
	case FK_IDEMKEY: {
		uint64_t t;

		return idemkey_parse(s, n, &t) == LIEN_OK;
	}
	case FK_DATE:
		return registry_date_parse(s, n, NULL) == LIEN_OK;
	case FK_CONTACT:
		return registry_contact_valid(s, n);
	case FK_VOUCHERID: {
		uint64_t ix;

		return registry_voucher_id_parse(s, n, &ix) == LIEN_OK;
	}
	case FK_USCC:
		return ids_uscc_validate(s, n) == LIEN_OK &&
		    rg_party_id_valid(s, n);
	case FK_ENUM:
		for (const char *const *e = f->en; *e; e++)
			if (strlen(*e) == n && memcmp(*e, s, n) == 0)
				return 1;
		return 0;
	default:
		return 0;
	}
}

static enum lien_status LIEN_MUST_CHECK
check_fields(const struct field *fs, const json_t *o, int full,
    struct rg_verdict *v)
{
	json_t *val;
	size_t nknown = 0;

	for (const struct field *f = fs; f->name; f++) {
		val = json_object_get(o, f->name);
		if (val == NULL) {
			if (f->req == REQ || (f->req == FULL && full))
				return rg_refuse(v, LIEN_EPARSE,
				    f->k == FK_FACE ? "face_missing" :
				    "field_missing");
			continue;
		}
		if (f->req == FULL && !full)
			return rg_refuse(v, LIEN_EPARSE, "field_unknown");
		nknown++;
		if (!check_one(f, val, v)) {
			/* a nested refusal names its own field */
			if (v->st != LIEN_OK)
				return v->st;
			return rg_refuse(v, LIEN_EPARSE, f->bad);
		}
	}
	/* every member present was in the table: any extra is unknown */
	if (json_object_size(o) != nknown)
		return rg_refuse(v, LIEN_EPARSE, "field_unknown");
	return LIEN_OK;
}

enum lien_status
rg_shape(unsigned type, uint64_t index, const json_t *p, int full,
    struct rg_verdict *v)
{
	const struct field *fs;
	enum lien_status rc;

	v->st = LIEN_OK;
	v->reason = NULL;
	if ((fs = fields_of(type, 0)) == NULL)
		return rg_refuse(v, LIEN_EUNSUPPORTED, "type_unknown");
	if (!json_is_object(p))
		return rg_refuse(v, LIEN_EPARSE, "field_invalid");
	if ((rc = check_fields(fs, p, full, v)) != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(p, "step", rg_type_name(type)))
		return rg_refuse(v, LIEN_EPARSE, "step_invalid");

	/* cross-field checks */
	if (type == REG_T_INSTITUTION_FILE || type == REG_T_PARTY_FILE) {
		uint8_t der[CERT_DER_MAX], h[HASH_LEN], k[HASH_LEN];
		const char *s;
		size_t n, der_len;

		s = rg_jstr(p, "cert", &n);
		if (b64_decode(s, n, der, sizeof(der), &der_len) != LIEN_OK)
			return rg_refuse(v, LIEN_EPARSE, "cert_invalid");
		hash_sha256(der, der_len, h);
		s = rg_jstr(p, "keyid", &n);
		if (hex_decode(s, n, k, HASH_LEN) != LIEN_OK ||
		    !hash_equal(h, k))
			return rg_refuse(v, LIEN_EPARSE, "keyid_mismatch");
	}
	/* the post office is a legal entity: filed under its USCC */
	if (type == REG_T_PARTY_FILE && rg_jstr_eq(p, "role", "post")) {
		size_t n;
		const char *s = rg_jstr(p, "party", &n);

		if (ids_uscc_validate(s, n) != LIEN_OK)
			return rg_refuse(v, LIEN_EPARSE, "uscc_invalid");
	}
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		char id[REG_APP_ID_LEN + 1];

		registry_app_id_format(index, id);
		if (!rg_jstr_eq(p, "app", id))
			return rg_refuse(v, LIEN_EPARSE, "app_id_invalid");
	}
	if (type == REG_T_VOUCHER) {
		char id[REG_VOUCHER_ID_LEN + 1];
		int64_t exp;

		registry_voucher_id_format(index, id);
		if (!rg_jstr_eq(p, "voucher", id))
			return rg_refuse(v, LIEN_EPARSE, "voucher_id_invalid");
		if (!rg_jint(p, "expires_ms", &exp) ||
		    (uint64_t)exp >= REG_TIME_MAX)
			return rg_refuse(v, LIEN_EPARSE, "field_invalid");
	}
	return LIEN_OK;
}

enum lien_status
rg_pshape(unsigned type, const json_t *p, const json_t *r, int full,
    struct rg_verdict *v)
{
	const struct field *fs;
	enum lien_status rc;

	v->st = LIEN_OK;
	v->reason = NULL;
	if ((fs = fields_of(type, 1)) == NULL)
		return rg_refuse(v, LIEN_EUNSUPPORTED, "type_unknown");
	if (!json_is_object(r))
		return rg_refuse(v, LIEN_EPARSE, "field_invalid");
	if ((rc = check_fields(fs, r, full, v)) != LIEN_OK)
		return rc;
	/* The signer of a bank application or voucher is private; its role
	 * is fixed: the bank, or for a counter application the officer. */
	if (!rg_signer_public(type) && !rg_jstr_eq(json_object_get(r,
	    "signer"), "role", rg_counter(type, p) ? "officer" :
	    "institution"))
		return rg_refuse(v, LIEN_EKEY, "role_forbidden");
	if (type == REG_T_VOUCHER) {
		int rel = rg_jstr_eq(p, "purpose", "release");

		if (rel != (json_object_get(r, "mortgage") != NULL) ||
		    rel == (json_object_get(r, "contract") != NULL))
			return rg_refuse(v, LIEN_EPARSE, "field_invalid");
	}
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		int counter = rg_counter(type, p);
		int n = (json_object_get(r, "id_check") != NULL) +
		    (json_object_get(r, "mortgagee") != NULL) +
		    (json_object_get(r, "voucher") != NULL) +
		    (json_object_get(r, "phone_contact") != NULL);
		int vo = json_object_get(r, "voucher") != NULL;
		int ph = json_object_get(r, "phone_contact") != NULL;

		/* online: the owner's face token, nothing of the counter;
		 * at the counter: the officer's identity check, the bank and
		 * its voucher, no face token and no company authorisation
		 * (a company owner applies online) */
		if (!counter && n != 0)
			return rg_refuse(v, LIEN_EPARSE, "field_unknown");
		if (!counter && json_object_get(r, "face") == NULL)
			return rg_refuse(v, LIEN_EPARSE, "face_missing");
		if (counter && (json_object_get(r, "face") != NULL ||
		    json_object_get(r, "agent") != NULL))
			return rg_refuse(v, LIEN_EPARSE, "field_unknown");
		if (counter && json_object_get(r, "id_check") == NULL)
			return rg_refuse(v, LIEN_EPARSE, "id_check_missing");
		if (counter && json_object_get(r, "mortgagee") == NULL)
			return rg_refuse(v, LIEN_EPARSE, "field_missing");
		/* the bank's consent: its voucher, or for a release the
		 * officer's phone confirmation with its filed contact */
		if (counter && !vo && !ph)
			return rg_refuse(v, LIEN_EPARSE, "voucher_missing");
		if (counter && vo && ph)
			return rg_refuse(v, LIEN_EPARSE, "field_unknown");
		if (ph && type != REG_T_RELEASE_APPLICATION)
			return rg_refuse(v, LIEN_EPARSE, "field_unknown");
	}
	/* a company owner's application: the acting person and the SMS
	 * authorisation come together */
	if ((json_object_get(r, "agent") == NULL) !=
	    (json_object_get(r, "sms") == NULL))
		return rg_refuse(v, LIEN_EPARSE, "sms_invalid");
	/* The public status says "in_person_review" exactly when the private
	 * record holds anomaly reasons. */
	if (full && (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION)) {
		size_t nr = json_array_size(json_object_get(r, "reasons"));

		if (rg_jstr_eq(p, "status", "in_person_review") != (nr > 0))
			return rg_refuse(v, LIEN_EPARSE, "status_invalid");
	}
	return LIEN_OK;
}
