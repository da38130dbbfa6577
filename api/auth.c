/*
 * Authentication of write requests (api/auth.h, docs/identity.md).
 *
 * Design. api/httpsig does the RFC 9421 work (parsing, covered components,
 * created window, Content-Digest, the signature itself) and calls back
 * here for the key: the keyid names a certificate (SHA-256 of its DER);
 * we find its party (pinned admins first, then the filed parties through
 * the caller's lookup), verify the certificate against the root set of
 * the party's role (crypto/cert: chain, validity, CRLs, keyUsage; cached
 * per certificate and trust generation) and hand httpsig the certificate's
 * key, so the key type fixes the algorithm and "alg" may only agree.
 * After the signature verifies, the party's status, the route's allowed
 * roles and the nonce pre-check decide.
 *
 * Per request and warm caches this costs one signature verification, one
 * SHA-256 of the body, two hash-table lookups and no certificate parsing:
 * parsed certificates stay in a direct-mapped cache keyed by fingerprint
 * (the keyid), each slot checked against the filed DER byte for byte.
 * Readers hold the cache's read lock while they use a slot's certificate,
 * so an eviction (write lock) never frees a certificate in use.
 *
 * Order of refusals: a certificate problem is reported before the
 * signature is checked (it needs no secret to learn: certificates and
 * CRLs are public); the party's status, role and nonce only after the
 * signature verifies, so an unauthenticated client learns nothing about
 * them.
 */
#include "api/auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/b64.h"
#include "common/hex.h"

/* ---- reasons --------------------------------------------------------------- */

static const struct {
	const char *code;
	int http;
} reasons[AUTH_R_COUNT_] = {
	[AUTH_R_OK] = { "ok", 200 },
	[AUTH_R_SIGNATURE_MISSING] = { "signature_missing", 401 },
	[AUTH_R_SIGNATURE_DUPLICATE] = { "signature_duplicate_header", 401 },
	[AUTH_R_SIGNATURE_MALFORMED] = { "signature_malformed", 401 },
	[AUTH_R_SIGNATURE_TOO_LARGE] = { "signature_too_large", 401 },
	[AUTH_R_SIGNATURE_LABEL] = { "signature_label_mismatch", 401 },
	[AUTH_R_COMPONENT_MISSING] = { "signature_component_missing", 401 },
	[AUTH_R_PARAM_MISSING] = { "signature_param_missing", 401 },
	[AUTH_R_FIELD_ABSENT] = { "signature_covered_field_absent", 401 },
	[AUTH_R_DIGEST_MISSING] = { "digest_missing", 401 },
	[AUTH_R_DIGEST_MISMATCH] = { "digest_mismatch", 401 },
	[AUTH_R_CREATED_WINDOW] = { "created_out_of_window", 401 },
	[AUTH_R_SIGNATURE_EXPIRED] = { "signature_expired", 401 },
	[AUTH_R_UNKNOWN_KEYID] = { "unknown_keyid", 401 },
	[AUTH_R_ALG_UNSUPPORTED] = { "alg_unsupported", 401 },
	[AUTH_R_ALG_MISMATCH] = { "alg_mismatch", 401 },
	[AUTH_R_SIGNATURE_INVALID] = { "signature_invalid", 401 },
	[AUTH_R_CERT_MALFORMED] = { "certificate_malformed", 401 },
	[AUTH_R_CERT_UNTRUSTED] = { "certificate_untrusted", 401 },
	[AUTH_R_CERT_EXPIRED] = { "certificate_expired", 401 },
	[AUTH_R_CERT_NOT_YET_VALID] = { "certificate_not_yet_valid", 401 },
	[AUTH_R_CERT_REVOKED] = { "certificate_revoked", 401 },
	[AUTH_R_CERT_KEY_USAGE] = { "certificate_key_usage", 401 },
	[AUTH_R_CERT_INVALID] = { "certificate_invalid", 401 },
	[AUTH_R_CERT_STATUS_UNKNOWN] = { "certificate_status_unavailable",
	    503 },
	[AUTH_R_PARTY_SUSPENDED] = { "party_suspended", 403 },
	[AUTH_R_PARTY_REVOKED] = { "party_revoked", 403 },
	[AUTH_R_ROLE_FORBIDDEN] = { "role_forbidden", 403 },
	[AUTH_R_NONCE_REPLAYED] = { "nonce_replayed", 401 },
	[AUTH_R_INTERNAL] = { "internal", 500 },
};

const char *
auth_reason_code(enum auth_reason r)
{
	if ((unsigned)r >= AUTH_R_COUNT_ || reasons[r].code == NULL)
		return "internal";
	return reasons[r].code;
}

int
auth_reason_http(enum auth_reason r)
{
	if ((unsigned)r >= AUTH_R_COUNT_ || reasons[r].http == 0)
		return 500;
	return reasons[r].http;
}

const char *
auth_role_name(enum auth_role r)
{
	switch (r) {
	case AUTH_ROLE_INSTITUTION:
		return "institution";
	case AUTH_ROLE_OFFICER:
		return "officer";
	case AUTH_ROLE_REGISTRY:
		return "registry";
	case AUTH_ROLE_AUDITOR:
		return "auditor";
	case AUTH_ROLE_ADMIN:
		return "admin";
	case AUTH_ROLE_POST:
		return "post";
	default:
		return "none";
	}
}

static enum auth_reason
from_httpsig(enum httpsig_reason r)
{
	switch (r) {
	case HTTPSIG_R_OK:
		return AUTH_R_OK;
	case HTTPSIG_R_MISSING:
		return AUTH_R_SIGNATURE_MISSING;
	case HTTPSIG_R_DUPLICATE:
		return AUTH_R_SIGNATURE_DUPLICATE;
	case HTTPSIG_R_MALFORMED:
		return AUTH_R_SIGNATURE_MALFORMED;
	case HTTPSIG_R_TOO_LARGE:
		return AUTH_R_SIGNATURE_TOO_LARGE;
	case HTTPSIG_R_LABEL:
		return AUTH_R_SIGNATURE_LABEL;
	case HTTPSIG_R_COMPONENT_MISSING:
		return AUTH_R_COMPONENT_MISSING;
	case HTTPSIG_R_PARAM_MISSING:
		return AUTH_R_PARAM_MISSING;
	case HTTPSIG_R_FIELD_ABSENT:
		return AUTH_R_FIELD_ABSENT;
	case HTTPSIG_R_DIGEST_MISSING:
		return AUTH_R_DIGEST_MISSING;
	case HTTPSIG_R_DIGEST_MISMATCH:
		return AUTH_R_DIGEST_MISMATCH;
	case HTTPSIG_R_CREATED_WINDOW:
		return AUTH_R_CREATED_WINDOW;
	case HTTPSIG_R_EXPIRED:
		return AUTH_R_SIGNATURE_EXPIRED;
	case HTTPSIG_R_UNKNOWN_KEYID:
		return AUTH_R_UNKNOWN_KEYID;
	case HTTPSIG_R_ALG_UNSUPPORTED:
		return AUTH_R_ALG_UNSUPPORTED;
	case HTTPSIG_R_ALG_MISMATCH:
		return AUTH_R_ALG_MISMATCH;
	case HTTPSIG_R_BAD_SIGNATURE:
		return AUTH_R_SIGNATURE_INVALID;
	default:
		return AUTH_R_SIGNATURE_MALFORMED;
	}
}

static enum auth_reason
from_verdict(enum cert_verdict v)
{
	switch (v) {
	case CERT_MALFORMED:
		return AUTH_R_CERT_MALFORMED;
	case CERT_UNTRUSTED:
	case CERT_BAD_SIGNATURE:	/* the chain does not reach a root */
		return AUTH_R_CERT_UNTRUSTED;
	case CERT_EXPIRED:
		return AUTH_R_CERT_EXPIRED;
	case CERT_NOT_YET_VALID:
		return AUTH_R_CERT_NOT_YET_VALID;
	case CERT_REVOKED:
		return AUTH_R_CERT_REVOKED;
	case CERT_BAD_KEY_USAGE:
		return AUTH_R_CERT_KEY_USAGE;
	case CERT_CRL_PROBLEM:
		return AUTH_R_CERT_STATUS_UNKNOWN;
	default:
		return AUTH_R_CERT_INVALID;
	}
}

enum auth_reason
auth_cert_reason(enum cert_verdict v)
{
	return from_verdict(v);
}

/* ---- the parsed-certificate cache --------------------------------------------- */

struct cert_slot {
	uint8_t fpr[CERT_FPR_LEN];
	struct cert *cert;	/* NULL: empty */
};

struct auth {
	pthread_rwlock_t lock;
	struct cert_slot slots[AUTH_CERT_CACHE_SLOTS];
	atomic_uint_fast64_t parses, hits;
};

enum lien_status
auth_new(struct auth **out)
{
	struct auth *a;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return LIEN_ENOMEM;
	if (pthread_rwlock_init(&a->lock, NULL) != 0) {
		free(a);
		return LIEN_ENOMEM;
	}
	atomic_init(&a->parses, 0);
	atomic_init(&a->hits, 0);
	*out = a;
	return LIEN_OK;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < AUTH_CERT_CACHE_SLOTS; i++)
		cert_free(a->slots[i].cert);
	pthread_rwlock_destroy(&a->lock);
	free(a);
}

void
auth_stats_get(struct auth *a, struct auth_stats *out)
{
	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	out->cert_parses = atomic_load(&a->parses);
	out->cert_hits = atomic_load(&a->hits);
}

static size_t
slot_of(const uint8_t fpr[CERT_FPR_LEN])
{
	/* The fingerprint is a hash: its leading bytes are uniform. The
	 * rest is compared in full, so a collision only evicts. */
	return ((size_t)fpr[4] << 8 | fpr[5]) % AUTH_CERT_CACHE_SLOTS;
}

/* Verify the certificate der (hashing to fpr) against store at now; on
 * CERT_OK *key is its key (one reference). The certificate is parsed
 * once and then served from the cache. */
static enum lien_status LIEN_MUST_CHECK
cert_check(struct auth *a, struct cert_trust *store,
    const uint8_t fpr[CERT_FPR_LEN], const uint8_t *der, size_t der_len,
    int64_t now, struct cert_result *res, struct pkey **key)
{
	struct cert_slot *s = &a->slots[slot_of(fpr)];
	struct cert *c = NULL;
	const uint8_t *cd;
	size_t cl;
	uint8_t got[CERT_FPR_LEN];
	enum lien_status st;

	pthread_rwlock_rdlock(&a->lock);
	if (s->cert != NULL && memcmp(s->fpr, fpr, CERT_FPR_LEN) == 0) {
		cd = cert_der_get0(s->cert, &cl);
		if (cl == der_len && memcmp(cd, der, cl) == 0) {
			atomic_fetch_add(&a->hits, 1);
			st = cert_trust_verify(store, s->cert, now,
			    CERT_USAGE_SIGNER, res, key);
			pthread_rwlock_unlock(&a->lock);
			return st;
		}
	}
	pthread_rwlock_unlock(&a->lock);

	atomic_fetch_add(&a->parses, 1);
	memset(res, 0, sizeof(*res));
	st = cert_parse_der(der, der_len, &c);
	if (st == LIEN_EPARSE || st == LIEN_ETOOBIG) {
		res->verdict = CERT_MALFORMED;
		return LIEN_EVERIFY;
	}
	if (st != LIEN_OK)
		return st;
	cert_fingerprint(c, got);
	if (memcmp(got, fpr, CERT_FPR_LEN) != 0) {
		/* the filed DER is not the certificate the keyid names */
		cert_free(c);
		res->verdict = CERT_MALFORMED;
		return LIEN_EVERIFY;
	}
	st = cert_trust_verify(store, c, now, CERT_USAGE_SIGNER, res, key);
	pthread_rwlock_wrlock(&a->lock);
	cert_free(s->cert);
	memcpy(s->fpr, fpr, CERT_FPR_LEN);
	s->cert = c;
	pthread_rwlock_unlock(&a->lock);
	return st;
}

/* ---- key resolution (httpsig callback) ------------------------------------------ */

struct keyctx {
	struct auth *a;
	const struct trust *t;
	const struct auth_request *req;
	enum auth_reason reason;	/* set when we refuse in the callback */
	enum lien_status cb_status;	/* a lookup failure */
	int resolved;
	uint8_t keyid[AUTH_KEYID_LEN];
	struct auth_party party;
	struct pkey *key;		/* one reference, dropped at the end */
	char why[AUTH_MESSAGE_MAX];	/* a refusal's message, from here */
};

#define WHY(k, ...) \
	(void)snprintf((k)->why, sizeof((k)->why), __VA_ARGS__)

static enum lien_status LIEN_MUST_CHECK
key_fn(void *arg, const char *keyid, size_t keyid_len,
    const struct pkey **out_key)
{
	struct keyctx *k = arg;
	const struct cert *admin;
	struct cert_trust *store;
	struct cert_result cres;
	const uint8_t *der;
	size_t der_len;
	enum lien_status st;

	*out_key = NULL;
	/* Lowercase only: upper case is not the canonical spelling. */
	if (hex_decode(keyid, keyid_len, k->keyid, AUTH_KEYID_LEN) != LIEN_OK) {
		WHY(k, "keyid is not 64 lowercase hex digits: it is the "
		    "SHA-256 of the signer's certificate DER ('lienlog "
		    "cert-fingerprint CERT')");
		return LIEN_EKEY;
	}
	k->resolved = 1;

	admin = trust_admin_find(k->t, k->keyid);
	if (admin != NULL) {
		memset(&k->party, 0, sizeof(k->party));
		k->party.role = AUTH_ROLE_ADMIN;
		k->party.status = AUTH_PARTY_ACTIVE;
		memcpy(k->party.party_id, "admin:", 6);
		memcpy(k->party.party_id + 6, keyid, AUTH_KEYID_HEX_LEN);
		k->party.party_id_len = 6 + AUTH_KEYID_HEX_LEN;
		der = cert_der_get0(admin, &der_len);
	} else {
		memset(&k->party, 0, sizeof(k->party));
		st = k->req->party_lookup(k->req->ctx, k->keyid, &k->party);
		if (st == LIEN_ENOTFOUND) {
			WHY(k, "no filed party and no administrator has keyid "
			    "%.64s: the certificate is not filed yet, or it was "
			    "renewed (a new certificate is a new keyid, filed "
			    "again)", keyid);
			return LIEN_EKEY;
		}
		if (st != LIEN_OK) {
			k->reason = AUTH_R_INTERNAL;
			k->cb_status = st;
			return st;
		}
		/* Filed parties are never admins (those are configured), and
		 * what the registry returns must be well-formed. */
		if (k->party.role < AUTH_ROLE_INSTITUTION ||
		    (k->party.role > AUTH_ROLE_AUDITOR &&
		    k->party.role != AUTH_ROLE_POST) ||
		    k->party.party_id_len == 0 ||
		    k->party.party_id_len > AUTH_PARTY_ID_MAX ||
		    k->party.cert_der == NULL || k->party.cert_der_len == 0 ||
		    (k->party.status != AUTH_PARTY_ACTIVE &&
		    k->party.status != AUTH_PARTY_SUSPENDED &&
		    k->party.status != AUTH_PARTY_REVOKED)) {
			k->reason = AUTH_R_INTERNAL;
			k->cb_status = LIEN_ECORRUPT;
			return LIEN_ECORRUPT;
		}
		k->party.party_id[k->party.party_id_len] = '\0';
		der = k->party.cert_der;
		der_len = k->party.cert_der_len;
	}

	/* a post office is an outside legal entity like a bank: its
	 * certificate chains to the institution roots */
	store = trust_roots_get(k->t, k->party.role == AUTH_ROLE_INSTITUTION ||
	    k->party.role == AUTH_ROLE_POST ?
	    TRUST_ROOTS_INSTITUTION : TRUST_ROOTS_OFFICER);
	if (store == NULL) {
		k->reason = AUTH_R_CERT_UNTRUSTED;
		WHY(k, "no root certificates are configured for the %s role",
		    auth_role_name(k->party.role));
		return LIEN_EVERIFY;
	}
	st = cert_check(k->a, store, k->keyid, der, der_len, k->req->now,
	    &cres, &k->key);
	if (st == LIEN_EVERIFY) {
		k->reason = from_verdict(cres.verdict);
		WHY(k, "the certificate filed under this keyid (party %s, role "
		    "%s) is refused: %s (docs/certificates.md)",
		    k->party.party_id, auth_role_name(k->party.role),
		    cert_verdict_code(cres.verdict));
		return LIEN_EVERIFY;
	}
	if (st != LIEN_OK) {
		k->reason = AUTH_R_INTERNAL;
		k->cb_status = st;
		return st;
	}
	*out_key = k->key;
	return LIEN_OK;
}

/* ---- evidence copies ----------------------------------------------------------- */

static int
name_is(const struct httpsig_header *h, const char *want)
{
	size_t n = strlen(want);

	if (h->name_len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h->name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != want[i])
			return 0;
	}
	return 1;
}

/* The raw signature of label from the Signature field (an RFC 8941
 * dictionary of byte sequences, already validated by httpsig_verify). */
static enum lien_status LIEN_MUST_CHECK
sig_extract(const struct httpsig_request *rq, const char *label,
    uint8_t *sig, size_t cap, size_t *sig_len)
{
	const char *v = NULL, *p, *end;
	size_t vl = 0, ll = strlen(label);

	for (size_t i = 0; i < rq->nheaders; i++)
		if (name_is(&rq->headers[i], "signature")) {
			v = rq->headers[i].value;
			vl = rq->headers[i].value_len;
		}
	if (v == NULL)
		return LIEN_EPARSE;
	p = v;
	end = v + vl;
	while (p < end) {
		const char *key, *b64;
		size_t kl, bl;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		key = p;
		while (p < end && *p != '=')
			p++;
		kl = (size_t)(p - key);
		if (end - p < 2 || p[1] != ':')
			return LIEN_EPARSE;
		p += 2;
		b64 = p;
		while (p < end && *p != ':')
			p++;
		if (p == end)
			return LIEN_EPARSE;
		bl = (size_t)(p - b64);
		p++;
		while (p < end && *p != ',')	/* parameters, if any */
			p++;
		if (kl == ll && memcmp(key, label, ll) == 0)
			return b64_decode(b64, bl, sig, cap, sig_len);
	}
	return LIEN_EPARSE;
}

static enum lien_status LIEN_MUST_CHECK
evidence_copy(const struct auth_request *req, const char *label,
    struct auth_result *out)
{
	enum httpsig_reason why;
	enum lien_status st;

	if ((out->sig_base = malloc(HTTPSIG_BASE_MAX + 1)) == NULL)
		return LIEN_ENOMEM;
	st = httpsig_base_build(&req->http, label, out->sig_base,
	    HTTPSIG_BASE_MAX + 1, &out->sig_base_len, &why);
	if (st != LIEN_OK)
		return LIEN_EINVAL;	/* verified a moment ago: cannot be */
	if (sig_extract(&req->http, label, out->sig, sizeof(out->sig),
	    &out->sig_len) != LIEN_OK)
		return LIEN_EINVAL;
	hash_sha256(req->http.body, req->http.body_len, out->content_digest);
	return LIEN_OK;
}

/* ---- the pipeline ---------------------------------------------------------------- */

/* What the signature must cover (docs/api-registration.md "Signed reads").
 * A write covers @method, @path or @target-uri and content-digest: the
 * body is what gets logged. A read (GET or HEAD; the server's guard
 * refuses a body on them) has no body to bind, so content-digest is not
 * required -- if the field is sent anyway httpsig still checks it against
 * the empty body -- but its query selects what is read, so "@query" (or
 * "@target-uri") must be covered whenever the target has one: a signature
 * over the path alone would let anyone change ?status= or ?after= of a
 * signed request in flight. */
static uint32_t
auth_require(const struct httpsig_request *h)
{
	/* alg is optional (RFC 9421 2.3): the filed certificate's key fixes
	 * the algorithm; when alg is sent it must name that algorithm
	 * (alg_mismatch / alg_unsupported otherwise). Mainstream libraries
	 * omit it by default. nonce stays required: it is what tells a
	 * retry of the very same request from a new one. */
	uint32_t q = HTTPSIG_REQ_LIENLOG & ~HTTPSIG_REQ_ALG;
	int read = h->method != NULL && ((h->method_len == 3 && memcmp(h->method, "GET", 3) == 0) ||
	    (h->method_len == 4 && memcmp(h->method, "HEAD", 4) == 0));

	if (read && h->body_len == 0) {
		q &= ~HTTPSIG_REQ_DIGEST;
		q |= HTTPSIG_REQ_QUERY;
	}
	/* An Idempotency-Key decides whether a write is a retry (the
	 * original receipt) or a new action: it must be the signer's word,
	 * not something anyone in between could add or change. */
	for (size_t i = 0; i < h->nheaders; i++)
		if (ascii_name_eq(h->headers[i].name, h->headers[i].name_len,
		    "Idempotency-Key"))
			q |= HTTPSIG_REQ_IDEMKEY;
	return q;
}

void
auth_result_clear(struct auth_result *r)
{
	if (r == NULL)
		return;
	free(r->sig_base);
	memset(r, 0, sizeof(*r));
}

static enum lien_status LIEN_MUST_CHECK
refuse(struct auth_result *out, enum auth_reason r, enum lien_status st)
{
	out->reason = r;
	out->http_status = auth_reason_http(r);
	free(out->sig_base);
	out->sig_base = NULL;
	out->sig_base_len = 0;
	return st;
}

enum lien_status
auth_verify(struct auth *a, const struct trust *t,
    const struct auth_request *req, struct auth_result *out)
{
	struct httpsig_policy pol;
	struct httpsig_result hres;
	struct keyctx k;
	const struct trust_config *cfg;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (a == NULL || t == NULL || req == NULL || req->party_lookup == NULL)
		return refuse(out, AUTH_R_INTERNAL, LIEN_EINVAL);
	cfg = trust_config_get(t);
	out->trust_generation = trust_generation(t);

	memset(&k, 0, sizeof(k));
	k.a = a;
	k.t = t;
	k.req = req;
	httpsig_policy_init(&pol, req->now, key_fn, &k);
	pol.window = cfg->created_window;
	pol.require = auth_require(&req->http);
	st = httpsig_verify(&req->http, &pol, &hres);

	if (k.resolved) {
		memcpy(out->keyid, k.keyid, AUTH_KEYID_LEN);
		hex_encode(k.keyid, AUTH_KEYID_LEN, out->keyid_hex);
	}
	if (k.reason != AUTH_R_OK) {
		/* refused inside key resolution */
		st = k.reason == AUTH_R_INTERNAL ? (k.cb_status != LIEN_OK ?
		    k.cb_status : LIEN_EINVAL) : LIEN_EVERIFY;
		goto fail;
	}
	if (st == LIEN_ENOMEM || st == LIEN_EINVAL) {
		k.reason = AUTH_R_INTERNAL;
		goto fail;
	}
	if (st != LIEN_OK || hres.reason != HTTPSIG_R_OK) {
		k.reason = from_httpsig(hres.reason);
		if (k.reason == AUTH_R_OK)
			k.reason = AUTH_R_SIGNATURE_MALFORMED;
		if (k.why[0] == '\0')
			WHY(&k, "%s", hres.detail);
		st = LIEN_EVERIFY;
		goto fail;
	}

	/* Authentic. Now: may this signer do this? */
	st = LIEN_EVERIFY;
	if (k.party.status == AUTH_PARTY_SUSPENDED) {
		k.reason = AUTH_R_PARTY_SUSPENDED;
		WHY(&k, "party %s is suspended: the registry's administrator "
		    "reinstates it", k.party.party_id);
		goto fail;
	}
	if (k.party.status == AUTH_PARTY_REVOKED) {
		k.reason = AUTH_R_PARTY_REVOKED;
		WHY(&k, "party %s is revoked", k.party.party_id);
		goto fail;
	}
	if ((req->allowed_roles & AUTH_ROLE_BIT(k.party.role)) == 0) {
		char roles[96];
		size_t n = 0;

		roles[0] = '\0';
		for (int r = AUTH_ROLE_INSTITUTION; r < AUTH_ROLE_COUNT_; r++)
			if ((req->allowed_roles & AUTH_ROLE_BIT(r)) != 0 &&
			    n < sizeof(roles))
				n += (size_t)snprintf(roles + n, sizeof(roles) - n,
				    "%s%s", n ? ", " : "",
				    auth_role_name((enum auth_role)r));
		k.reason = AUTH_R_ROLE_FORBIDDEN;
		WHY(&k, "this route is for %s; the signer (party %s) is %s",
		    roles[0] ? roles : "no signed party",
		    k.party.party_id, auth_role_name(k.party.role));
		goto fail;
	}
	if (req->nonce_check != NULL) {
		st = req->nonce_check(req->ctx, k.keyid, hres.created,
		    hres.nonce, hres.nonce_len);
		if (st == LIEN_EEXIST) {
			k.reason = AUTH_R_NONCE_REPLAYED;
			WHY(&k, "this key already used this nonce for another "
			    "request: every new request needs a fresh nonce (a "
			    "retry of the very same signed request gets its "
			    "original answer)");
			st = LIEN_EVERIFY;
			goto fail;
		}
		if (st != LIEN_OK) {
			k.reason = AUTH_R_INTERNAL;
			goto fail;
		}
	}

	out->role = k.party.role;
	memcpy(out->party_id, k.party.party_id, k.party.party_id_len + 1);
	out->party_id_len = k.party.party_id_len;
	out->alg = hres.alg;
	out->created = hres.created;
	memcpy(out->nonce, hres.nonce, hres.nonce_len + 1);
	out->nonce_len = hres.nonce_len;
	if ((st = evidence_copy(req, hres.label, out)) != LIEN_OK) {
		k.reason = AUTH_R_INTERNAL;
		goto fail;
	}
	out->reason = AUTH_R_OK;
	out->http_status = 200;
	pkey_free(k.key);
	return LIEN_OK;
fail:
	pkey_free(k.key);
	if (k.why[0] == '\0')
		WHY(&k, "%s", k.reason == AUTH_R_INTERNAL ? "internal error "
		    "while authenticating" : auth_reason_code(k.reason));
	memcpy(out->message, k.why, sizeof(out->message));
	out->role = AUTH_ROLE_NONE;
	out->party_id[0] = '\0';
	out->party_id_len = 0;
	return refuse(out, k.reason, st);
}
