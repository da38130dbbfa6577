/*
 * The owner's reads (docs/web-owner.md), without the bank:
 *
 *   GET  /v1/owner/applications   Authorization: Owner-Code <查询码>
 *                                 (one application: the code's), or
 *                                 Authorization: Bearer <face-ID token,
 *                                 read purpose> (every application whose
 *                                 owner is the token's subject)
 *   POST /demo/face-id            the demo's face-ID provider (lienlogd
 *                                 --demo only): {"id_number"} -> a
 *                                 read-purpose token for that person
 *
 * No RFC 9421 signature: owners hold no filed key. The code (api/owner.h)
 * is checked against a tag recomputed under the seal key; the token is a
 * face-ID token checked exactly as for an application (api/evidence.c:
 * trusted issuer, audience, lifetime, scores) with the read-purpose nonce,
 * and must pass outright (a grey verdict is for an officer to judge, not
 * a key to someone's records). Both travel in a header, never in the URL,
 * and headers are never logged (docs/observability.md).
 *
 * What an owner sees is the owner view of an application record: its id,
 * kind, vehicle, status, rank and links, the timeline with each step's
 * log index and time (so the page can prove each step's inclusion), and
 * only the anomaly reasons that concern the application itself
 * (docs/privacy.md: multi_bank, owner_burst, institution_burst and
 * cert_expiring describe other applications or the bank, which a holder
 * of a code, possibly the bank, must not learn). No owner commitment,
 * contract, certificate number or bank-internal field.
 *
 * Finding a token's applications: the token's subject (the identity
 * commitment it carries) names the owner's subject key (docs/privacy.md),
 * whose owner reference the private state of each application holds;
 * the applications are found by a scan of that state, O(applications)
 * per read. An erased owner has no key: nothing is found.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>
#include <jansson.h>

#include "api/app.h"
#include "api/evidence.h"
#include "api/owner.h"
#include "api/reg_int.h"
#include "api/server.h"
#include "api/subject.h"
#include "client/regclient.h"
#include "common/ascii.h"
#include "common/b64.h"
#include "crypto/hash.h"
#include "httpd/json_out.h"
#include "registry/ids.h"
#include "registry/jcs.h"

#define OWNER_APPS_MAX 256u	/* applications in one answer */
#define OWNER_AUTH_MAX (JWS_TOKEN_MAX + 16u)

/* Reasons an owner may see (the others: see the file comment). */
static const char *const owner_reasons[] = { "face_grey", "owner_mismatch",
	"vehicle_unrecorded", "vehicle_details_mismatch", "release_soon",
	NULL };

static int
reason_shown(const char *r)
{
	for (size_t i = 0; owner_reasons[i] != NULL; i++)
		if (strcmp(owner_reasons[i], r) == 0)
			return 1;
	return 0;
}

/* RFC 3339 UTC with milliseconds. */
static void
rfc3339(int64_t ms, char out[64])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || gmtime_r(&s, &tm) == NULL) {
		snprintf(out, 64, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* A timeline step an officer's decision made (in-person review and
 * rejection carry a reason; the first step is the application). */
static int
rg_step_decided(const json_t *s)
{
	const char *st = json_string_value(json_object_get(s, "step"));

	return st != NULL && (strcmp(st, "in_person_review") == 0 ||
	    strcmp(st, "rejected") == 0 || strcmp(st, "approved") == 0);
}

/* Copy member k of src (if present) into dst. */
static void
keep(json_t *dst, const json_t *src, const char *k)
{
	json_t *v = json_object_get(src, k);

	if (v != NULL)
		json_object_set(dst, k, v);
}

/* The free-text reason of the decision of application app at entry index,
 * from its sealed request (sealed under the applicant's key: the owner may
 * read it; an erased owner's cannot be read by anyone). The request must
 * be that decision's (its path names app): an index inherited at a key
 * rotation names an entry of the old log, whose requests stay in the old
 * store (docs/key-rotation.md). NULL when there is none. */
static json_t *
decision_reason(struct reg_call *c, const char *app, const json_t *step)
{
	const json_t *ix = json_object_get(step, "index");
	struct reg_opened o;
	json_t *body = NULL, *reason = NULL;
	char path[64];
	int n;

	memset(&o, 0, sizeof o);
	n = snprintf(path, sizeof path, "/v1/applications/%s/decision",
	    app != NULL ? app : "");
	if (app == NULL || n < 0 || (size_t)n >= sizeof path ||
	    !json_is_integer(ix) || json_integer_value(ix) < 0 ||
	    reg_evidence_open(c, (uint64_t)json_integer_value(ix), &o) !=
	    LIEN_OK)
		return NULL;
	if (o.field_len[2] == (size_t)n &&
	    memcmp(o.field[2], path, (size_t)n) == 0 &&
	    jcs_parse((const char *)o.body, o.body_len, 0, &body) == LIEN_OK &&
	    json_is_string(json_object_get(body, "reason")) &&
	    json_is_string(json_object_get(body, "decision")))
		reason = json_copy(json_object_get(body, "reason"));
	json_decref(body);
	reg_opened_clear(&o);
	return reason;
}

/* The owner view of one application record (canonical JSON text). */
static json_t *
owner_view(struct reg_call *c, const char *rec, size_t len)
{
	json_t *a = NULL, *o, *reasons, *tl;
	const json_t *src;

	if (jcs_parse(rec, len, 0, &a) != LIEN_OK)
		return NULL;
	if ((o = json_object()) == NULL || (reasons = json_array()) == NULL ||
	    (tl = json_array()) == NULL) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	keep(o, a, "app");
	keep(o, a, "kind");
	keep(o, a, "vehicle");
	keep(o, a, "status");
	keep(o, a, "rank");
	keep(o, a, "mortgage");
	keep(o, a, "release");
	keep(o, a, "delivery");
	keep(o, a, "complete");
	keep(o, a, "channel");
	src = json_object_get(a, "reasons");
	for (size_t i = 0; i < json_array_size(src); i++) {
		const char *r = json_string_value(json_array_get(src, i));

		if (r != NULL && reason_shown(r))
			json_array_append_new(reasons, json_string(r));
	}
	json_object_set_new(o, "reasons", reasons);
	src = json_object_get(a, "timeline");
	for (size_t i = 0; i < json_array_size(src); i++) {
		const json_t *s = json_array_get(src, i);
		json_t *d = json_object();
		char at[64];

		if (d == NULL)
			continue;
		keep(d, s, "step");
		keep(d, s, "index");
		keep(d, s, "time_ms");
		if (rg_step_decided(s)) {
			json_t *why = decision_reason(c,
			    json_string_value(json_object_get(a, "app")), s);

			if (why != NULL)
				json_object_set_new(d, "reason", why);
		}
		if (json_is_integer(json_object_get(s, "time_ms"))) {
			rfc3339((int64_t)json_integer_value(json_object_get(s,
			    "time_ms")), at);
			json_object_set_new(d, "time_at", json_string(at));
		}
		json_array_append_new(tl, d);
	}
	json_object_set_new(o, "timeline", tl);
	json_decref(a);
	return o;
}

static void
reply_apps(struct api_req *rq, json_t *apps)
{
	json_t *root = json_object();
	char *text;

	if (root == NULL) {
		json_decref(apps);
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	json_object_set_new(root, "applications", apps);
	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(root);
	if (text == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL, text,
	    strlen(text));
	free(text);
}

/* The one Authorization header (NULL and 1: none; 0: sent twice,
 * replied). */
static int
auth_header(struct api_req *rq, const char **out)
{
	const struct mg_request_info *ri = mg_get_request_info(rq->conn);

	*out = NULL;
	for (int i = 0; ri != NULL && i < ri->num_headers; i++) {
		if (!ascii_cstr_name_eq(ri->http_headers[i].name,
		    "Authorization"))
			continue;
		if (*out != NULL) {
			api_fail_code(rq, 401, "owner_auth_invalid", "one "
			    "Authorization header, please");
			return 0;
		}
		*out = ri->http_headers[i].value;
	}
	return 1;
}

static void
apps_by_code(struct reg_call *c, const char *code)
{
	struct api_req *rq = c->rq;
	char id[OWNER_APP_ID_LEN + 1], *rec = NULL;
	size_t len = 0;
	json_t *apps, *v;
	enum lien_status st;

	st = owner_code_check(api_app_seal_key(c->app), code, strlen(code),
	    id);
	if (st == LIEN_EPARSE || st == LIEN_EVERIFY) {
		api_fail_code(rq, 401, "owner_code_invalid", "this access code "
		    "is not valid (check it with your bank)");
		return;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		return;
	}
	st = registry_app_get(c->view, id, strlen(id), 1, &rec, &len);
	if (st == LIEN_ENOTFOUND) {
		api_fail_code(rq, 404, "application_unknown", "no such "
		    "application");
		return;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		return;
	}
	v = owner_view(c, rec, len);
	free(rec);
	if (v == NULL || (apps = json_array()) == NULL) {
		json_decref(v);
		api_fail_status(rq, LIEN_ECORRUPT);
		return;
	}
	json_array_append_new(apps, v);
	reply_apps(rq, apps);
}

/* The unverified "sub" of a compact JWS (the verification follows). */
static int
token_sub(const char *tok, uint8_t sub[SEAL_COMMIT_LEN])
{
	const char *d1 = strchr(tok, '.'), *d2;
	char *b64 = NULL, sb[44];
	uint8_t *raw = NULL;
	size_t n, padded, cap, raw_len = 0, got = 0;
	json_t *claims = NULL;
	const char *s;
	int ok = 0;

	if (d1 == NULL || (d2 = strchr(d1 + 1, '.')) == NULL)
		return 0;
	n = (size_t)(d2 - d1 - 1);
	if (n == 0 || n > JWS_TOKEN_MAX)
		return 0;
	padded = (n + 3) / 4 * 4;
	cap = padded / 4 * 3;
	if ((b64 = malloc(padded)) == NULL || (raw = malloc(cap)) == NULL)
		goto out;
	/* base64url without padding -> standard base64 */
	for (size_t i = 0; i < padded; i++) {
		char ch = i < n ? d1[1 + i] : '=';

		b64[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
	}
	if (b64_decode(b64, padded, raw, cap, &raw_len) != LIEN_OK)
		goto out;
	if ((claims = json_loadb((const char *)raw, raw_len,
	    JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    (s = json_string_value(json_object_get(claims, "sub"))) == NULL ||
	    strlen(s) != 43)
		goto out;
	for (size_t i = 0; i < 43; i++)
		sb[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	sb[43] = '=';
	ok = b64_decode(sb, 44, sub, SEAL_COMMIT_LEN, &got) == LIEN_OK &&
	    got == SEAL_COMMIT_LEN;
out:
	json_decref(claims);
	free(raw);
	free(b64);
	return ok;
}

static void
apps_by_token(struct reg_call *c, const char *tok)
{
	struct api_req *rq = c->rq;
	struct evidence_result *er = NULL;
	uint8_t sub[SEAL_COMMIT_LEN], nonce[HASH_LEN], id[REG_SUBJECT_ID_LEN];
	uint8_t ref[SEAL_REF_LEN];
	struct seal_key *pk = NULL;
	char (*ids)[REG_APP_ID_LEN + 1] = NULL;
	json_t *apps = NULL;
	size_t n = 0;
	int erased = 0;
	enum lien_status st;

	if (!token_sub(tok, sub)) {
		api_fail_code(rq, 400, "token_malformed", "not a face-ID token "
		    "with a subject (docs/identity.md)");
		return;
	}
	owner_read_nonce(nonce);
	if ((er = calloc(1, sizeof(*er))) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	st = evidence_face_check(c->trust, tok, strlen(tok), sub, nonce,
	    c->now, er);
	if (st == LIEN_EVERIFY) {
		api_fail_code(rq, evidence_reason_http(er->reason),
		    evidence_reason_code(er->reason), "the face-ID token is not "
		    "acceptable for reading (docs/web-owner.md)");
		goto out;
	}
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		goto out;
	}
	if (er->verdict != EVIDENCE_PASS) {
		api_fail_code(rq, 422, "token_scores_low", "the face check "
		    "was not conclusive: please try again");
		goto out;
	}
	if ((apps = json_array()) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		goto out;
	}
	/* the subject's key (none: no applications, or erased) */
	st = registry_subject_find(c->view, sub, id);
	if (st == LIEN_OK)
		st = subject_open(api_app_keys(c->app), c->view, id, &pk,
		    &erased);
	if (st == LIEN_OK)
		st = keyring_owner_ref(pk, ref);
	if (st == LIEN_OK && (ids = calloc(OWNER_APPS_MAX,
	    sizeof(*ids))) == NULL)
		st = LIEN_ENOMEM;
	if (st == LIEN_OK)
		st = registry_owner_apps(c->view, ref, ids, OWNER_APPS_MAX,
		    &n);
	for (size_t i = 0; st == LIEN_OK && i < n; i++) {
		char *rec = NULL;
		size_t len = 0;
		json_t *v;

		st = registry_app_get(c->view, ids[i], REG_APP_ID_LEN, 1, &rec,
		    &len);
		if (st != LIEN_OK)
			break;
		v = owner_view(c, rec, len);
		free(rec);
		if (v == NULL || json_array_append_new(apps, v) != 0)
			st = LIEN_ENOMEM;
	}
	if (st != LIEN_OK && st != LIEN_ENOTFOUND) {
		json_decref(apps);
		api_fail_status(rq, st);
		goto out;
	}
	reply_apps(rq, apps);
out:
	seal_key_free(pk);
	free(ids);
	free(er);
}

/* GET /v1/owner/applications */
static void
get_owner_apps(struct api_req *rq)
{
	struct reg_call *c;
	const char *h = NULL;

	if (api_no_query(rq) != LIEN_OK || !auth_header(rq, &h))
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	if (reg_begin(c, rq, 0, REG_AUTH_OPTIONAL) != LIEN_OK)
		goto out;
	if (h == NULL || strlen(h) > OWNER_AUTH_MAX) {
		api_fail_code(rq, 401, "owner_auth_missing", "send "
		    "Authorization: Owner-Code <code> or Bearer <face-ID "
		    "token>");
		goto out;
	}
	if (strncmp(h, "Owner-Code ", 11) == 0)
		apps_by_code(c, h + 11);
	else if (strncmp(h, "Bearer ", 7) == 0)
		apps_by_token(c, h + 7);
	else
		api_fail_code(rq, 401, "owner_auth_missing", "send "
		    "Authorization: Owner-Code <code> or Bearer <face-ID "
		    "token>");
out:
	reg_end(c);
	free(c);
}

/* POST /demo/face-id: {"id_number"} -> {"token"} (demo only). */
static void
post_demo_face(struct api_req *rq)
{
	static const char *const keys[] = { "id_number", NULL };
	const struct regclient_issuer *is = api_server_demo_face(rq->server);
	struct reg_call *c;
	struct reg_str idn;
	uint8_t cm[SEAL_COMMIT_LEN], nonce[HASH_LEN];
	char *tok = NULL, *body = NULL;
	size_t cap;
	struct json_out j;
	size_t len;

	if (is == NULL) {
		rq->must_close = rq->has_body_len && rq->body_len > 0;
		api_fail_code(rq, 404, "demo_disabled", "the demo face-ID "
		    "provider runs only with lienlogd --demo");
		return;
	}
	if (api_no_query(rq) != LIEN_OK)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		return;
	}
	if (reg_begin(c, rq, 0, REG_AUTH_OPTIONAL) != LIEN_OK ||
	    reg_json(c) != LIEN_OK ||
	    reg_keys(rq, c->json, "body", keys, NULL) != LIEN_OK ||
	    reg_str(rq, c->json, "id_number", 1, &idn) != LIEN_OK)
		goto out;
	if (ids_citizen_id_validate(idn.p, idn.len) != LIEN_OK) {
		reg_bad(rq, "id_number_invalid", "id_number must be a GB 11643 "
		    "citizen ID number with its check character");
		goto out;
	}
	owner_read_nonce(nonce);
	if (reg_commit(c, SEAL_KIND_CITIZEN_ID, idn.p, idn.len, cm) !=
	    LIEN_OK || regclient_face_token(is, trust_config_get(c->trust)->registry, cm, nonce,
	    9900, 9900, c->now, &tok) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		goto out;
	}
	cap = strlen(tok) + 128;
	if ((body = malloc(cap)) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		goto out;
	}
	json_out_init(&j, body, cap);
	json_out_raw(&j, "{\"demo\":true,\"purpose\":\"owner_read\",\"token\":");
	json_out_str(&j, tok, strlen(tok));
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK)
		api_fail(rq, API_ERR_INTERNAL, "internal error");
	else
		api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL,
		    body, len);
out:
	free(body);
	free(tok);
	reg_end(c);
	free(c);
}

static const struct api_route owner_routes[] = {
	{ "GET", "/v1/owner/applications", 0, get_owner_apps,
	  "owner_applications" },
	{ "POST", "/demo/face-id", 0, post_demo_face, "demo_face_id" },
};

const struct api_route_table api_routes_owner = {
	owner_routes, sizeof(owner_routes) / sizeof(owner_routes[0])
};
