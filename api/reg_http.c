/*
 * The registration pipeline shared by every route of api/routes_reg.c
 * (api/reg_int.h): body, authentication, strict JSON, the one table from
 * registry refusals to HTTP, sealing, the append and the receipt.
 *
 * Design notes:
 *  - One ledger view serves authentication (party lookup, nonce and
 *    idempotency pre-checks) and every read a handler makes. A write
 *    closes it before appending (a read transaction must not sit across
 *    the fsync of the batch it waits for) and opens a second one after,
 *    which is the first snapshot that contains the new entry.
 *  - Retries are recognised only by what the client says, never by equal
 *    bytes (docs/api-registration.md "Retries and Idempotency-Key"): a
 *    signed Idempotency-Key the signer used before, or the very same
 *    signed request (its nonce is remembered with the request digest).
 *    The nonce pre-check therefore lets a remembered nonce through when
 *    it was remembered for this very request: the sequencer answers with
 *    the original entry, so a client that resends a request after a
 *    timeout gets its receipt, not nonce_replayed.
 *  - The request digest is SHA-256(REG_REQ_TAG 0x00 method 0x00 path
 *    0x00 body) (api/reg_int.h), not the bare body's: it binds the
 *    target, so one body sent to two paths is two requests. Keyed by
 *    the key the request is sealed under (ref(K, "lienlog-request-v2",
 *    digest)) it is the private record's evidence.digest, which retries
 *    compare: a reused Idempotency-Key is a retry only when it names the
 *    same request; an unkeyed digest of a body with guessable personal
 *    data would be an oracle (docs/privacy.md), and once the subject's
 *    key is erased the keyed one tells nothing.
 *  - Every request is sealed whole (method, path, signature headers,
 *    body) under the key of the subject it concerns, or the system key
 *    (reg_seal_with), with AD = tag 0x00 || key id || the private
 *    record's salt. The private record holds the box's SHA-256 and the
 *    entry commits to the private record, so the opened request is tied
 *    to the log without any key.
 *  - Reads are signed too (GET/HEAD, no body: api/auth.c decides what
 *    they must cover). Their nonces, like those of identity-commitment
 *    requests, are not recorded: only an appended entry stores a nonce
 *    (docs/api-registration.md "Replay").
 *  - Refusals never echo request bytes: codes and messages are ours.
 */
#include "api/reg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "httpd/deadline.h"
#include "httpd/json_out.h"
#include "api/receipt.h"
#include "api/owner.h"
#include "api/server.h"
#include "witness/publisher.h"
#include "common/lien_limits.h"
#include "crypto/cert.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "registry/evzip.h"
#include "registry/jcs.h"

#define REG_ERROR_BODY_CAP 1024u	/* code + an auth message (AUTH_MESSAGE_MAX) escaped */

void
api_fail_code(struct api_req *rq, int http_status, const char *code,
    const char *message)
{
	char body[REG_ERROR_BODY_CAP];
	struct json_out j;
	size_t len;

	if (rq->status == 0)
		rq->error_code = code;
	json_out_init(&j, body, sizeof(body));
	json_out_raw(&j, "{\"code\":");
	json_out_str(&j, code, strlen(code));
	json_out_raw(&j, ",\"message\":");
	json_out_str(&j, message, strlen(message));
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return;
	}
	api_reply(rq, http_status, "application/json", API_CACHE_NOSTORE, NULL,
	    body, len);
}

enum lien_status
reg_bad(struct api_req *rq, const char *code, const char *message)
{
	api_fail_code(rq, 400, code, message);
	return LIEN_EPARSE;
}

/* ---- refusals -> HTTP: the one table --------------------------------- */

/* Codes whose HTTP status is not the default of their lien_status. */
static const struct {
	const char *code;
	int http;
} reg_http_exceptions[] = {
	/* the same refusal as auth's pre-check gives (docs/identity.md) */
	{ "nonce_replayed", 401 },
	/* draft-ietf-httpapi-idempotency-key-header: a key reused for
	 * another request, or past its period */
	{ "idempotency_key_reused", 422 },
	{ "idempotency_key_expired", 422 },
	/* a company vehicle without its legal representative's SMS
	 * authorisation, or with another company's */
	{ "company_authorisation_missing", 422 },
	{ "company_mismatch", 422 },
	/* the signer is authentic but may not do this */
	{ "party_inactive", 403 },
	{ "not_mortgagee", 403 },
	/* a counter application's voucher (docs/registry.md "Counter
	 * applications"): not this application's to use */
	{ "voucher_bank_mismatch", 422 },
	{ "voucher_vehicle_mismatch", 422 },
	{ "voucher_mortgage_mismatch", 422 },
	{ "role_forbidden", 403 },
	{ "party_unknown", 403 },
};

int
reg_refusal_http(enum lien_status st, const char *code)
{
	if (code != NULL) {
		for (size_t i = 0; i < sizeof(reg_http_exceptions) /
		    sizeof(reg_http_exceptions[0]); i++)
			if (strcmp(code, reg_http_exceptions[i].code) == 0 &&
			    !(st == LIEN_ENOTFOUND && strcmp(code,
			    "party_unknown") == 0))
				return reg_http_exceptions[i].http;
	}
	switch (st) {
	case LIEN_EPARSE:
	case LIEN_EINVAL:
	case LIEN_EUNSUPPORTED:
		return 400;
	case LIEN_EKEY:
		return 403;
	case LIEN_ENOTFOUND:
		return 404;
	case LIEN_ECONFLICT:
		return 409;
	case LIEN_ETOOBIG:
		return 413;
	default:
		return api_status_http(st);
	}
}

/* ---- body ------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
reg_read_body(struct reg_call *c)
{
	struct api_req *rq = c->rq;
	enum httpd_body b;
	int cut;

	if (!rq->has_body_len || rq->body_len == 0)
		return LIEN_OK;	/* empty: the JSON step refuses it if needed */
	if (rq->body_len > API_BODY_MAX) {
		rq->must_close = 1;	/* the body stays unread */
		api_fail(rq, API_ERR_BODY_TOO_LARGE,
		    "request bodies are limited to 262144 bytes");
		return LIEN_ETOOBIG;
	}
	c->body_len = (size_t)rq->body_len;
	if ((c->body = malloc(c->body_len)) == NULL) {
		rq->must_close = 1;
		api_fail_status(rq, LIEN_ENOMEM);
		return LIEN_ENOMEM;
	}
	/* civetweb's mg_read returns only with all it was asked for, a
	 * closed peer, or after request_timeout_ms without a single byte:
	 * a client trickling one byte a second would hold this worker for
	 * as long as its body lasts. The watchdog (httpd/deadline.h) shuts
	 * the socket's read side at the deadline, so the read returns and
	 * the client gets 408. */
	b = httpd_read_body(api_server_deadlines(rq->server), rq->conn,
	    c->body, c->body_len, api_app_body_deadline_ms(c->app), &cut);
	if (cut)
		rq->must_close = 1;	/* its read side is gone */
	if (b != HTTPD_BODY_OK) {
		rq->must_close = 1;
		if (b == HTTPD_BODY_TIMEOUT)
			api_fail(rq, API_ERR_BODY_TIMEOUT,
			    "the request body did not arrive in time");
		else
			api_fail(rq, API_ERR_BODY_INCOMPLETE,
			    "the request body ended before Content-Length");
		return LIEN_EIO;
	}
	return LIEN_OK;
}

/* ---- authentication --------------------------------------------------- */

static int
name_is(const char *name, const char *want)
{
	size_t i;

	for (i = 0; want[i] != '\0'; i++) {
		unsigned char a = (unsigned char)name[i];
		unsigned char b = (unsigned char)want[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return name[i] == '\0';
}

static enum lien_status LIEN_MUST_CHECK
cb_party(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN],
    struct auth_party *out)
{
	struct reg_call *c = ctx;
	enum lien_status st;

	st = registry_party_lookup(c->view, keyid, &c->party);
	if (st != LIEN_OK)
		return st;
	c->party_filed = 1;
	memset(out, 0, sizeof(*out));
	out->role = (enum auth_role)c->party.role;
	memcpy(out->party_id, c->party.party_id, c->party.party_id_len);
	out->party_id[c->party.party_id_len] = '\0';
	out->party_id_len = c->party.party_id_len;
	out->status = (enum auth_party_status)c->party.status;
	out->cert_der = c->party.cert_der;
	out->cert_der_len = c->party.cert_der_len;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
cb_nonce(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN], int64_t created,
    const char *nonce, size_t nonce_len)
{
	struct reg_call *c = ctx;

	if (created < 0)
		return LIEN_EINVAL;	/* auth requires created */
	/* The keyed request digest depends on the key the request will be
	 * sealed under, known only once the route has read the body: a
	 * remembered nonce is let through and the sequencer tells the very
	 * same signed request (its original receipt) from a replay (401
	 * nonce_replayed). */
	return registry_nonce_seen(c->view, keyid, (uint64_t)created, nonce,
	    nonce_len, (uint64_t)c->now * 1000u, NULL);
}

static int
has_signature(const struct mg_request_info *ri)
{
	for (int i = 0; i < ri->num_headers; i++) {
		const char *n = ri->http_headers[i].name;

		if (n != NULL && (name_is(n, "Signature") ||
		    name_is(n, "Signature-Input")))
			return 1;
	}
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
reg_authenticate(struct reg_call *c, const struct mg_request_info *ri,
    uint32_t roles)
{
	struct api_req *rq = c->rq;
	struct httpsig_header *hs = NULL;
	struct auth_request ar;
	const char *scheme = "http", *host = "";
	size_t nh = 0;
	enum lien_status st;

	if ((hs = calloc(API_HEADERS_MAX, sizeof(*hs))) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		return LIEN_ENOMEM;
	}
	for (int i = 0; i < ri->num_headers && nh < API_HEADERS_MAX; i++) {
		const char *n = ri->http_headers[i].name;
		const char *v = ri->http_headers[i].value;

		if (n == NULL || v == NULL)
			continue;
		hs[nh].name = n;
		hs[nh].name_len = strlen(n);
		hs[nh].value = v;
		hs[nh].value_len = strlen(v);
		nh++;
		if (name_is(n, "Host"))
			host = v;
		else if (name_is(n, "X-Forwarded-Proto") &&
		    strcmp(v, "https") == 0)
			/* Only chooses how @target-uri is rebuilt: a lie
			 * just makes the signature not verify. */
			scheme = "https";
		else if (name_is(n, "Signature-Input")) {
			c->sig_input = v;
			c->sig_input_len = strlen(v);
		} else if (name_is(n, "Signature")) {
			c->sig_header = v;
			c->sig_header_len = strlen(v);
		}
	}
	memset(&ar, 0, sizeof(ar));
	ar.http.method = ri->request_method;
	ar.http.method_len = strlen(ri->request_method);
	ar.http.scheme = scheme;
	ar.http.scheme_len = strlen(scheme);
	ar.http.authority = host;
	ar.http.authority_len = strlen(host);
	ar.http.path = rq->path;
	ar.http.path_len = rq->path_len;
	ar.http.query = ri->query_string;
	ar.http.query_len = ri->query_string ? strlen(ri->query_string) : 0;
	ar.http.headers = hs;
	ar.http.nheaders = nh;
	ar.http.body = c->body;
	ar.http.body_len = c->body_len;
	ar.now = c->now;
	ar.allowed_roles = roles;
	ar.party_lookup = cb_party;
	ar.nonce_check = cb_nonce;
	ar.ctx = c;
	st = auth_verify(api_app_auth(c->app), c->trust, &ar, &c->auth);
	if (st == LIEN_OK) {
		size_t pl = c->auth.party_id_len;

		if (pl > AUTH_PARTY_ID_MAX)
			pl = AUTH_PARTY_ID_MAX;
		memcpy(rq->party_buf, c->auth.party_id, pl);
		rq->party_buf[pl] = '\0';
		rq->party = rq->party_buf;
		rq->party_len = pl;
		rq->role = auth_role_name(c->auth.role);
		c->authed = 1;
	} else if (st == LIEN_EVERIFY) {
		/* the check that failed, in words (api/auth.h); the code is
		 * what a client branches on (docs/identity.md) */
		api_fail_code(rq, c->auth.http_status,
		    auth_reason_code(c->auth.reason), c->auth.message[0] ?
		    c->auth.message : "the request is not authenticated for "
		    "this route (docs/identity.md)");
		rq->auth_refused = 1;
	} else {
		api_fail_status(rq, st);
	}
	free(hs);
	return st;
}

/* The Idempotency-Key of an authenticated request (docs/api-registration.md
 * "Retries and Idempotency-Key"); the signature already covers it
 * (api/auth.c). At most one field, in the published form; a key whose
 * period is over cannot say "retry" any more. The registry checks the
 * times again at the entry time. LIEN_OK, or the failure after
 * replying. */
static enum lien_status LIEN_MUST_CHECK
reg_idem_key(struct reg_call *c, const struct mg_request_info *ri)
{
	const char *field = NULL, *key;
	uint64_t t, now_ms = (uint64_t)c->now * 1000u;
	int n = 0;

	for (int i = 0; i < ri->num_headers; i++)
		if (ri->http_headers[i].name != NULL &&
		    ri->http_headers[i].value != NULL &&
		    name_is(ri->http_headers[i].name, "Idempotency-Key")) {
			field = ri->http_headers[i].value;
			n++;
		}
	if (n == 0)
		return LIEN_OK;
	if (n > 1)
		return reg_bad(c->rq, "idempotency_key_invalid", "at most one "
		    "Idempotency-Key field");
	if (idemkey_field_parse(field, strlen(field), &key, &t) != LIEN_OK)
		return reg_bad(c->rq, "idempotency_key_invalid", "Idempotency-"
		    "Key must be one quoted lowercase UUIDv7 (RFC 9562), e.g. "
		    "\"0190a6e4-3b5c-7d2e-9f10-2a3b4c5d6e7f\"");
	if (t > now_ms + REG_IDEM_FUTURE_MS)
		return reg_bad(c->rq, "idempotency_key_invalid", "the "
		    "Idempotency-Key's time is more than 10 minutes ahead of "
		    "the server's clock");
	if (t + REG_IDEM_KEEP_MS <= now_ms) {
		api_fail_code(c->rq, 422, "idempotency_key_expired", "the "
		    "Idempotency-Key is older than 24 hours: look up the "
		    "state, then send a new request with a new key");
		return LIEN_ERANGE;
	}
	memcpy(c->idem_key, key, IDEMKEY_LEN);
	c->idem_key[IDEMKEY_LEN] = 0;
	return LIEN_OK;
}

enum lien_status
reg_begin(struct reg_call *c, struct api_req *rq, uint32_t roles,
    enum reg_auth_mode mode)
{
	const struct mg_request_info *ri = mg_get_request_info(rq->conn);
	enum lien_status st;

	memset(c, 0, sizeof(*c));
	c->rq = rq;
	c->app = rq->app;
	c->now = (int64_t)time(NULL);
	if (!api_app_enabled(c->app)) {
		rq->must_close = rq->has_body_len && rq->body_len > 0;
		api_fail(rq, API_ERR_REG_DISABLED, "this server runs without "
		    "a trust directory: registration is disabled");
		return LIEN_EUNSUPPORTED;
	}
	if (ri == NULL) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return LIEN_EINVAL;
	}
	if ((st = reg_read_body(c)) != LIEN_OK)
		return st;
	{
		static const uint8_t nul = 0;
		struct hash_part parts[7] = {
			{ REG_REQ_TAG, sizeof(REG_REQ_TAG) },	/* with NUL */
			{ ri->request_method, strlen(ri->request_method) },
			{ &nul, 1 },
			{ rq->path, rq->path_len },
			{ &nul, 1 },
			{ c->body, c->body_len },
			{ NULL, 0 },
		};

		hash_sha256_parts(parts, c->body_len ? 6 : 5, c->req_digest);
	}
	api_app_rules(c->app, &c->rules);
	c->trust = api_app_trust(c->app);
	if ((st = ledger_view_open(rq->ledger, &c->view)) != LIEN_OK) {
		api_fail_status(rq, st);
		return st;
	}
	if (mode == REG_AUTH_OPTIONAL && !has_signature(ri))
		return LIEN_OK;
	if ((st = reg_authenticate(c, ri, roles)) != LIEN_OK)
		return st;
	return reg_idem_key(c, ri);
}

void
reg_end(struct reg_call *c)
{
	json_decref(c->json);
	ledger_view_close(c->view);
	trust_release(c->trust);
	auth_result_clear(&c->auth);
	free(c->body);
	c->json = NULL;
	c->view = NULL;
	c->trust = NULL;
	c->body = NULL;
}

/* ---- JSON --------------------------------------------------------------- */

enum lien_status
reg_json(struct reg_call *c)
{
	enum lien_status st;

	st = jcs_parse((const char *)c->body, c->body_len, 0, &c->json);
	if (st == LIEN_ETOOBIG) {
		api_fail_code(c->rq, 413, "json_too_large", "the JSON body "
		    "exceeds a limit (depth 16, strings 16384 bytes, 4096 "
		    "members)");
		return st;
	}
	if (st != LIEN_OK) {
		api_fail_code(c->rq, 400, "json_invalid", "the body is not "
		    "one strict JSON value (malformed, duplicate keys, reals, "
		    "trailing bytes)");
		return st;
	}
	if (!json_is_object(c->json))
		return reg_bad(c->rq, "json_invalid",
		    "the body must be a JSON object");
	return LIEN_OK;
}

static int
in_list(const char *key, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

enum lien_status
reg_keys(struct api_req *rq, const json_t *o, const char *what,
    const char *const *req, const char *const *opt)
{
	char msg[200];
	const char *key;
	json_t *val;

	if (!json_is_object(o)) {
		snprintf(msg, sizeof(msg), "%s must be an object", what);
		return reg_bad(rq, "field_type", msg);
	}
	json_object_foreach((json_t *)o, key, val) {
		(void)val;
		if (!in_list(key, req) && !in_list(key, opt)) {
			snprintf(msg, sizeof(msg), "%s has a member that is "
			    "not part of this request", what);
			return reg_bad(rq, "field_unknown", msg);
		}
	}
	for (; req != NULL && *req != NULL; req++) {
		if (json_object_get(o, *req) == NULL) {
			snprintf(msg, sizeof(msg), "%s.%s is required", what,
			    *req);
			return reg_bad(rq, "field_missing", msg);
		}
	}
	return LIEN_OK;
}

enum lien_status
reg_str(struct api_req *rq, const json_t *o, const char *key, int required,
    struct reg_str *out)
{
	const json_t *v = json_object_get(o, key);
	char msg[160];

	out->p = NULL;
	out->len = 0;
	if (v == NULL) {
		if (!required)
			return LIEN_OK;
		snprintf(msg, sizeof(msg), "%s is required", key);
		return reg_bad(rq, "field_missing", msg);
	}
	if (!json_is_string(v)) {
		snprintf(msg, sizeof(msg), "%s must be a string", key);
		return reg_bad(rq, "field_type", msg);
	}
	out->p = json_string_value(v);
	out->len = json_string_length(v);
	return LIEN_OK;
}

enum lien_status
reg_obj(struct api_req *rq, const json_t *o, const char *key, int required,
    const json_t **out)
{
	const json_t *v = json_object_get(o, key);
	char msg[160];

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return LIEN_OK;
		snprintf(msg, sizeof(msg), "%s is required", key);
		return reg_bad(rq, "field_missing", msg);
	}
	if (!json_is_object(v)) {
		snprintf(msg, sizeof(msg), "%s must be an object", key);
		return reg_bad(rq, "field_type", msg);
	}
	*out = v;
	return LIEN_OK;
}

enum lien_status
reg_commit(const struct reg_call *c, enum seal_kind kind, const char *value,
    size_t len, uint8_t out[SEAL_COMMIT_LEN])
{
	return subject_commit(api_app_keys(c->app), kind, value, len, out);
}

enum lien_status
reg_ref(const struct reg_call *c, const char *label, const void *a,
    size_t alen, const void *b, size_t blen, uint8_t out[SEAL_REF_LEN])
{
	static const uint8_t zero = 0;
	struct hash_part parts[3] = { { a, alen }, { &zero, 1 },
		{ b, blen } };

	return seal_key_ref(keyring_refs(api_app_keys(c->app)), label, parts,
	    3, out);
}

void
reg_seal_with(struct reg_call *c, const struct seal_key *key,
    const uint8_t id[REG_SUBJECT_ID_LEN], const struct reg_keyrec *newkey)
{
	c->seal = key;
	c->seal_system = key == NULL;
	if (key != NULL)
		memcpy(c->seal_id, id, REG_SUBJECT_ID_LEN);
	else
		memset(c->seal_id, 0, REG_SUBJECT_ID_LEN);
	c->seal_newkey = key != NULL ? newkey : NULL;
	c->seal_newkey2 = NULL;
}

void
reg_seal_ad(int key_system, const uint8_t id[REG_SUBJECT_ID_LEN],
    const uint8_t salt[REG_SALT_LEN], uint8_t out[REG_SEAL_AD_LEN])
{
	memcpy(out, REG_EVIDENCE_TAG, sizeof(REG_EVIDENCE_TAG));
	if (key_system)
		memset(out + sizeof(REG_EVIDENCE_TAG), 0, REG_SUBJECT_ID_LEN);
	else
		memcpy(out + sizeof(REG_EVIDENCE_TAG), id, REG_SUBJECT_ID_LEN);
	memcpy(out + sizeof(REG_EVIDENCE_TAG) + REG_SUBJECT_ID_LEN, salt,
	    REG_SALT_LEN);
}

/* ---- opening sealed evidence ------------------------------------------- */

void
reg_opened_clear(struct reg_opened *o)
{
	if (o == NULL)
		return;
	if (o->plain != NULL)
		secret_wipe(o->plain, o->plain_cap);
	free(o->plain);
	seal_key_free(o->key);
	memset(o, 0, sizeof(*o));
}

/* The context the evidence of entry index was compressed with (reg_submit;
 * registry/evzip.h evzip_context): its private record r's created and
 * nonce and its signer's key id (in r, or the public entry's for the
 * steps whose signer is public). LIEN_ENOTFOUND when it has none (a
 * record that cannot hold one: its box, if compressed with one, is then
 * refused as corrupt). */
static enum lien_status LIEN_MUST_CHECK
evidence_ctx(struct ledger_view *v, uint64_t index, const json_t *r,
    struct evzip_ctx *ctx)
{
	const json_t *ev = json_object_get(r, "evidence");
	const json_t *sg = json_object_get(r, "signer");
	const json_t *created = json_object_get(ev, "created");
	const json_t *nonce = json_object_get(ev, "nonce");
	json_t *p = NULL;
	uint8_t keyid[EVZIP_KEYID_LEN];
	const uint8_t *raw;
	size_t raw_len;
	struct entry e;
	const char *k;
	enum lien_status st;

	if (!json_is_integer(created) || !json_is_string(nonce))
		return LIEN_ENOTFOUND;
	if (sg == NULL) {
		if ((st = ledger_view_entry(v, index, &raw, &raw_len)) !=
		    LIEN_OK)
			return st;
		if (entry_decode(raw, raw_len, &e) != LIEN_OK ||
		    jcs_parse((const char *)e.payload, e.payload_len, 0,
		    &p) != LIEN_OK)
			return LIEN_ECORRUPT;
		sg = json_object_get(p, "signer");
	}
	k = json_string_value(json_object_get(sg, "keyid"));
	st = k != NULL && hex_decode(k, strlen(k), keyid, sizeof keyid) ==
	    LIEN_OK ? evzip_context((int64_t)json_integer_value(created),
	    json_string_value(nonce), json_string_length(nonce), keyid,
	    ctx) : LIEN_ENOTFOUND;
	json_decref(p);
	return st == LIEN_OK ? LIEN_OK : LIEN_ENOTFOUND;
}

enum lien_status
reg_evidence_open(struct reg_call *c, uint64_t index, struct reg_opened *o)
{
	uint8_t *rec, *text = NULL;
	size_t rec_len, at = 0, text_len = 0;
	uint8_t salt[REG_SALT_LEN], ad[REG_SEAL_AD_LEN];
	json_t *r = NULL;
	struct evzip_ctx ctx;
	int erased = 0, have_ctx;
	enum lien_status st;

	memset(o, 0, sizeof(*o));
	if ((st = registry_private_get(c->view, index, &rec, &rec_len)) !=
	    LIEN_OK)
		return st;
	st = jcs_parse((const char *)rec, rec_len, 0, &r);
	secret_wipe(rec, rec_len);
	free(rec);
	if (st != LIEN_OK || hex_decode(json_string_value(json_object_get(r,
	    "salt")) ? json_string_value(json_object_get(r, "salt")) : "",
	    json_string_length(json_object_get(r, "salt")), salt,
	    REG_SALT_LEN) != LIEN_OK) {
		json_decref(r);
		return LIEN_ECORRUPT;
	}
	st = evidence_ctx(c->view, index, r, &ctx);
	json_decref(r);
	if (st != LIEN_OK && st != LIEN_ENOTFOUND)
		return st;
	have_ctx = st == LIEN_OK;
	if ((st = registry_sealed_get(c->view, index, &o->key_system,
	    o->key_id, &o->box, &o->box_len)) != LIEN_OK)
		goto fail;
	if (!o->key_system) {
		st = subject_open(api_app_keys(c->app), c->view, o->key_id,
		    &o->key, &erased);
		if (st == LIEN_ENOTFOUND && erased) {
			st = LIEN_EKEY;
			goto fail;
		}
		if (st != LIEN_OK) {
			st = LIEN_EVERIFY;
			goto fail;
		}
	}
	reg_seal_ad(o->key_system, o->key_id, salt, ad);
	o->plain_cap = o->box_len;
	if ((o->plain = malloc(o->plain_cap > 0 ? o->plain_cap : 1)) ==
	    NULL) {
		st = LIEN_ENOMEM;
		goto fail;
	}
	st = seal_open(o->key_system ? keyring_system(api_app_keys(c->app)) :
	    o->key, ad, sizeof(ad), o->box, o->box_len, o->plain,
	    o->plain_cap, &o->plain_len);
	if (st != LIEN_OK) {
		st = LIEN_EVERIFY;
		goto fail;
	}
	/* The sealed plaintext is the evidence text, compressed since v19
	 * (registry/evzip.h: bounded, a format byte first), since v21 with
	 * the request's context. */
	st = evzip_decode(o->plain, o->plain_len, have_ctx ? &ctx : NULL,
	    &text, &text_len);
	secret_wipe(o->plain, o->plain_cap);
	free(o->plain);
	o->plain = text;
	o->plain_len = text_len;
	o->plain_cap = text != NULL ? text_len + 1 : 0;
	if (st != LIEN_OK) {
		st = st == LIEN_ENOMEM ? st : LIEN_ECORRUPT;
		goto fail;
	}
	/* tag 0x00 method 0x00 path 0x00 Signature-Input 0x00 Signature
	 * 0x00 body */
	for (int k = 0; k < 5; k++) {
		const uint8_t *z = at < o->plain_len ? memchr(o->plain + at, 0,
		    o->plain_len - at) : NULL;

		if (z == NULL) {
			st = LIEN_ECORRUPT;
			goto fail;
		}
		o->field[k] = (const char *)o->plain + at;
		o->field_len[k] = (size_t)(z - o->plain) - at;
		at = (size_t)(z - o->plain) + 1;
	}
	o->body = o->plain + at;
	o->body_len = o->plain_len - at;
	return LIEN_OK;
fail:
	reg_opened_clear(o);
	return st;
}

/* ---- append and receipt ------------------------------------------------- */

/* The signer's certificate notAfter in ms: the filed key's, or the pinned
 * administrator's. */
static uint64_t
signer_not_after_ms(const struct reg_call *c)
{
	const struct cert *ac;
	struct cert_info info;

	if (c->party_filed)
		return c->party.not_after_ms;
	ac = trust_admin_find(c->trust, c->auth.keyid);
	if (ac == NULL || cert_info_get(ac, &info) != LIEN_OK ||
	    info.not_after < 0)
		return 0;
	return (uint64_t)info.not_after * 1000u;
}

/* Facts of the original entry for a replayed receipt: its type, and for
 * applications and decisions the application id, status and reasons as
 * recorded in the entry. */
static enum lien_status LIEN_MUST_CHECK
original_facts(struct ledger_view *v, uint64_t index, struct receipt_info *ri,
    char *app_id, size_t app_cap, char *status, size_t status_cap)
{
	const uint8_t *raw;
	uint8_t *rec = NULL;
	size_t raw_len, rec_len = 0;
	struct entry e;
	json_t *p = NULL, *a;
	enum lien_status st;

	if ((st = ledger_view_entry(v, index, &raw, &raw_len)) != LIEN_OK)
		return st;
	if ((st = entry_decode(raw, raw_len, &e)) != LIEN_OK)
		return LIEN_ECORRUPT;
	ri->entry_type = e.type;
	if (jcs_parse((const char *)e.payload, e.payload_len, 0, &p) !=
	    LIEN_OK)
		return LIEN_ECORRUPT;
	if ((a = json_object_get(p, "app")) != NULL && json_is_string(a) &&
	    json_string_length(a) < app_cap) {
		memcpy(app_id, json_string_value(a), json_string_length(a) + 1);
		ri->app_id = app_id;
	}
	if ((a = json_object_get(p, "voucher")) != NULL && json_is_string(a) &&
	    json_string_length(a) < app_cap) {
		memcpy(app_id, json_string_value(a), json_string_length(a) + 1);
		ri->voucher_id = app_id;
	}
	a = json_object_get(p, "status");
	if (a == NULL && (a = json_object_get(p, "decision")) != NULL) {
		const char *d = json_string_value(a);

		snprintf(status, status_cap, "%s", d == NULL ? "" :
		    strcmp(d, "approve") == 0 ? "approved" :
		    strcmp(d, "reject") == 0 ? "rejected" : d);
		ri->status = status;
	} else if (json_is_string(a) && json_string_length(a) < status_cap) {
		memcpy(status, json_string_value(a), json_string_length(a) + 1);
		ri->status = status;
	}
	json_decref(p);
	p = NULL;
	/* the reasons are in the private record */
	if (registry_private_get(v, index, &rec, &rec_len) == LIEN_OK &&
	    jcs_parse((const char *)rec, rec_len, 0, &p) == LIEN_OK) {
		a = json_object_get(p, "reasons");
		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *r = json_string_value(json_array_get(a, i));

			for (unsigned b = 0; r != NULL && b < REG_ANOMALY_COUNT;
			    b++)
				if (strcmp(r, registry_anomaly_code(b)) == 0)
					ri->anomalies |= 1u << b;
		}
	}
	json_decref(p);
	if (rec != NULL)
		secret_wipe(rec, rec_len);
	free(rec);
	return LIEN_OK;
}

static void
reply_receipt(struct reg_call *c, const struct receipt_info *ri, int http)
{
	struct witness_client *wc = api_server_witness(c->rq->server);
	struct receipt_info r = *ri;
	char code[OWNER_CODE_MAX];
	uint64_t appv = 0;
	char *out = NULL;
	size_t len = 0;
	enum lien_status st;

	/* With witnesses configured, the receipt carries a cosigned
	 * checkpoint (C2SP tlog-witness): wait, bounded, for one covering
	 * the entry. The cosignatures are stored in a transaction after the
	 * entry's, so the view is reopened after the wait. On timeout the
	 * log-signed checkpoint of the entry's batch is used: still a valid
	 * receipt, just not yet witnessed. */
	if (wc != NULL) {
		uint64_t size = 0;
		int cosigned = 0;

		if (witness_client_wait_published(wc, ri->tree_size,
		    REG_RECEIPT_WITNESS_WAIT_MS, NULL, NULL, &size,
		    &cosigned) == LIEN_OK && cosigned &&
		    size >= ri->tree_size) {
			ledger_view_close(c->view);
			c->view = NULL;
			if ((st = ledger_view_open(c->rq->ledger, &c->view)) !=
			    LIEN_OK) {
				api_fail_status(c->rq, st);
				return;
			}
			if (size <= ledger_view_size(c->view))
				r.tree_size = size;
		}
	}
	/* Applications: the owner's access code, for the bank to hand on
	 * (api/owner.h). Derived, so a replay carries the same code. It names
	 * the application id's number, which is the entry index only in a
	 * log without a state hand-over (docs/key-rotation.md). */
	if ((r.entry_type == REG_T_MORTGAGE_APPLICATION ||
	    r.entry_type == REG_T_RELEASE_APPLICATION) && r.app_id != NULL &&
	    registry_app_id_parse(r.app_id, strlen(r.app_id), &appv) ==
	    LIEN_OK &&
	    owner_code_make(api_app_seal_key(c->app), appv, code) == LIEN_OK)
		r.owner_code = code;
	st = receipt_build(c->view, &r, &out, &len);
	if (st != LIEN_OK) {
		api_fail_status(c->rq, st);
		return;
	}
	api_reply(c->rq, http, "application/json", API_CACHE_NOSTORE, NULL,
	    out, len);
	free(out);
}

/* The whole signed request as the sealed plaintext (api/reg_int.h):
 * tag 0x00 method 0x00 path 0x00 Signature-Input 0x00 Signature 0x00
 * body. *out malloc'd (caller wipes and frees). */
static enum lien_status LIEN_MUST_CHECK
evidence_text(const struct reg_call *c, const char *method, uint8_t **out,
    size_t *out_len)
{
	const char *parts[5] = { REG_EVIDENCE_TAG, method, c->rq->path,
		c->sig_input ? c->sig_input : "", c->sig_header ?
		c->sig_header : "" };
	size_t lens[5] = { sizeof(REG_EVIDENCE_TAG) - 1, strlen(method),
		c->rq->path_len, c->sig_input ? c->sig_input_len : 0,
		c->sig_header ? c->sig_header_len : 0 };
	size_t n = c->body_len, at = 0;
	uint8_t *p;

	for (int i = 0; i < 5; i++)
		n += lens[i] + 1;
	if (n > SEAL_PLAIN_MAX)
		return LIEN_ETOOBIG;
	if ((p = malloc(n)) == NULL)
		return LIEN_ENOMEM;
	for (int i = 0; i < 5; i++) {
		memcpy(p + at, parts[i], lens[i]);
		at += lens[i];
		p[at++] = 0;
	}
	if (c->body_len > 0)
		memcpy(p + at, c->body, c->body_len);
	*out = p;
	*out_len = n;
	return LIEN_OK;
}

enum lien_status
reg_submit(struct reg_call *c, struct reg_request *req)
{
	struct api_req *rq = c->rq;
	const struct mg_request_info *mri = mg_get_request_info(rq->conn);
	const struct keyring *kr = api_app_keys(c->app);
	struct ledger_item item;
	struct ledger_receipt lr;
	struct receipt_info ri;
	uint8_t *sealed = NULL, *plain = NULL, ad[REG_SEAL_AD_LEN];
	size_t sealed_len = 0, plain_len = 0;
	char app_id[REG_APP_ID_LEN + 8], status[32];
	enum lien_status st, ast;

	c->retry = 0;
	req->signer.party.p = c->auth.party_id;
	req->signer.party.len = c->auth.party_id_len;
	req->signer.role = (enum reg_role)c->auth.role;
	memcpy(req->signer.keyid, c->auth.keyid, HASH_LEN);
	req->signer.not_after_ms = signer_not_after_ms(c);
	req->ev.created = c->auth.created;
	req->ev.nonce.p = c->auth.nonce;
	req->ev.nonce.len = c->auth.nonce_len;
	req->ev.alg.p = httpsig_alg_name(c->auth.alg);
	req->ev.alg.len = req->ev.alg.p ? strlen(req->ev.alg.p) : 0;
	if (c->idem_key[0] != 0) {
		req->ev.idem_key.p = c->idem_key;
		req->ev.idem_key.len = IDEMKEY_LEN;
	}
	req->rules = &c->rules;
	lcrypto_random(req->salt, sizeof req->salt);
	req->key_system = c->seal_system || c->seal == NULL;
	memcpy(req->key_id, c->seal_id, REG_SUBJECT_ID_LEN);
	req->newkey[0] = req->key_system ? NULL : c->seal_newkey;
	req->newkey[1] = c->seal_newkey2;
	/* The request digest, keyed by the key the request is sealed under
	 * (docs/privacy.md): retries compare it; nobody without that key
	 * can test a guessed request against it, and after an erasure
	 * nobody can. */
	{
		struct hash_part part = { c->req_digest, HASH_LEN };

		if ((st = seal_key_ref(req->key_system ? keyring_system(kr) :
		    c->seal, "lienlog-request-v2", &part, 1,
		    req->ev.digest)) != LIEN_OK) {
			api_fail_status(rq, st);
			return st;
		}
	}

	/* The whole signed request, compressed (registry/evzip.h: the
	 * compressed length is seen only by whoever reads the store, and
	 * nobody can mix bytes of their own into another's request:
	 * docs/privacy.md "Compression before sealing"), then sealed
	 * (api/reg_int.h). */
	{
		uint8_t *text;
		size_t text_len;
		struct evzip_ctx ctx;

		/* with the signature's parameters as the private record
		 * and the entry keep them (reg_evidence_open builds the
		 * same context from there) */
		if ((st = evidence_text(c, mri->request_method, &text,
		    &text_len)) != LIEN_OK) {
			api_fail_status(rq, st);
			return st;
		}
		st = evzip_encode(text, text_len, evzip_context(
		    req->ev.created, req->ev.nonce.p, req->ev.nonce.len,
		    req->signer.keyid, &ctx) == LIEN_OK ? &ctx : NULL, &plain,
		    &plain_len);
		secret_wipe(text, text_len);
		free(text);
		if (st != LIEN_OK) {
			api_fail_status(rq, st);
			return st;
		}
	}
	reg_seal_ad(req->key_system, req->key_id, req->salt, ad);
	if ((sealed = malloc(plain_len + SEAL_OVERHEAD)) == NULL) {
		secret_wipe(plain, plain_len);
		free(plain);
		api_fail_status(rq, LIEN_ENOMEM);
		return LIEN_ENOMEM;
	}
	/* bound (store v25): the nonce is derived from ad, which holds
	 * this request's fresh random salt, and not stored */
	st = seal_box_bound(req->key_system ? keyring_system(kr) : c->seal,
	    ad, sizeof(ad), plain, plain_len, sealed, plain_len +
	    SEAL_OVERHEAD, &sealed_len);
	secret_wipe(plain, plain_len);
	free(plain);
	if (st != LIEN_OK) {
		free(sealed);
		api_fail_status(rq, st);
		return st;
	}
	req->sealed = sealed;
	req->sealed_len = sealed_len;
	ledger_view_close(c->view);
	c->view = NULL;

	memset(&item, 0, sizeof(item));
	item.type = (uint16_t)req->kind;
	item.build = registry_build;
	item.arg = req;
	memset(&lr, 0, sizeof(lr));
	ast = ledger_append_item(rq->ledger, &item, &lr);
	free(sealed);
	req->sealed = NULL;
	req->sealed_len = 0;
	if (ast != LIEN_OK && ast != LIEN_EEXIST) {
		if (c->may_retry && req->refusal != NULL &&
		    strcmp(req->refusal, "subject_retry") == 0) {
			/* a subject key appeared or went meanwhile: the
			 * caller looks it up again in a fresh snapshot */
			if ((st = ledger_view_open(rq->ledger, &c->view)) ==
			    LIEN_OK) {
				c->retry = 1;
				return ast;
			}
			api_fail_status(rq, st);
			return st;
		}
		if (req->refusal != NULL)
			api_fail_code(rq, reg_refusal_http(ast, req->refusal),
			    req->refusal, "refused by the registration rules "
			    "(docs/api-registration.md)");
		else
			api_fail_status(rq, ast);
		return ast;
	}
	if ((st = ledger_view_open(rq->ledger, &c->view)) != LIEN_OK) {
		api_fail_status(rq, st);
		return st;
	}
	memset(&ri, 0, sizeof(ri));
	if (ast == LIEN_OK) {
		if (req->kind == REG_T_VOUCHER)
			ri.voucher_id = req->app_id;
		else
			ri.app_id = req->app_id[0] ? req->app_id : NULL;
		ri.status = req->app_status;
		/* codes about other banks' applications are for officers
		 * and auditors only (docs/privacy.md table D) */
		ri.anomalies = req->anomalies & ~REG_ANOMALY_PARTY_HIDDEN;
		ri.entry_type = (uint16_t)req->kind;
		ri.index = lr.index;
		ri.tree_size = lr.tree_size;
		ri.status_vin = req->status_vin;
		rq->has_entry = 1;
		rq->entry_index = lr.index;
		reply_receipt(c, &ri, 201);
		return LIEN_OK;
	}
	/* LIEN_EEXIST: the original entry, proven against the current
	 * checkpoint. */
	ri.index = req->original_index;
	ri.tree_size = ledger_view_size(c->view);
	ri.replayed = 1;
	st = original_facts(c->view, ri.index, &ri, app_id, sizeof(app_id),
	    status, sizeof(status));
	if (st != LIEN_OK) {
		api_fail_status(rq, st);
		return st;
	}
	ri.anomalies &= ~REG_ANOMALY_PARTY_HIDDEN;
	rq->has_entry = 1;
	rq->entry_index = ri.index;
	reply_receipt(c, &ri, 200);
	return LIEN_OK;
}
