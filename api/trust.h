/*
 * The trust configuration of lienlogd: DIR/trust/ (docs/trust.md,
 * docs/architecture.md section 1), loaded into one immutable, reference-
 * counted `struct trust`, and a live slot that a SIGHUP handler reloads.
 *
 * Files (every one read whole, capped, parsed strictly):
 *   config.json                  registry name (JWT audience), windows,
 *                                face-score thresholds, SM2 ID   REQUIRED
 *   institution-roots.pem        self-signed CAs of banks' certs  REQUIRED
 *   institution-intermediates.pem  intermediate CAs (optional)
 *   officer-roots.pem            CAs of officers, registry mirrors,
 *                                auditors and administrators     optional
 *   officer-intermediates.pem    intermediate CAs (optional)
 *   crl/<name>.pem               one CRL each, sorted by name     optional
 *   face-issuers.jwks            face-ID providers, "iss" per key optional
 *   sms-issuers.jwks             SMS providers, "iss" per key     optional
 *   admins.pem                   pinned administrator certificates optional
 * A missing optional file means "nobody of that kind is trusted": no
 * officer root -> no officer, registry, auditor or admin can sign; no
 * face-issuers.jwks -> every face token is refused (token_kid_unknown).
 *
 * Reload: trust_reload builds a complete new `struct trust` and swaps the
 * live pointer under a mutex; requests hold a reference (trust_live_get /
 * trust_release) for their whole duration, so a request never sees half
 * of two configurations. Any error leaves the old one in force and the
 * message names the file and the problem. Each successful load gets the
 * next generation number; certificate-verification caches belong to one
 * generation (a reload starts with empty caches, so a new CRL takes
 * effect at once).
 */
#ifndef LIEN_API_TRUST_H
#define LIEN_API_TRUST_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/cert.h"
#include "crypto/jws.h"

/* Room for a load/reload error message ("<file>: <problem>"). */
#define TRUST_WHY_MAX 512u

/* Defaults of config.json (docs/trust.md). Scores are basis points:
 * 0 .. 10000 stands for 0.0 .. 1.0, so no float ever enters a decision. */
#define TRUST_CREATED_WINDOW_DEFAULT 300
#define TRUST_TOKEN_SKEW_DEFAULT 60
#define TRUST_TOKEN_LIFETIME_DEFAULT 600
#define TRUST_SCORE_MAX 10000u
#define TRUST_LIVENESS_PASS_DEFAULT 9000u
#define TRUST_LIVENESS_GREY_DEFAULT 7000u
#define TRUST_MATCH_PASS_DEFAULT 9000u
#define TRUST_MATCH_GREY_DEFAULT 7000u
/* Upper bounds accepted in config.json (seconds). */
#define TRUST_WINDOW_LIMIT 3600
#define TRUST_SKEW_LIMIT 600
#define TRUST_LIFETIME_LIMIT 86400

/* The parsed config.json. */
struct trust_config {
	char registry[TRUST_NAME_MAX + 1];	/* JWT "aud"; NUL-terminated */
	size_t registry_len;
	int64_t created_window;		/* RFC 9421 created: |now - c| <= w */
	int64_t token_skew;		/* JWT iat/nbf/exp clock skew */
	int64_t token_lifetime_max;	/* exp - iat <= this */
	/* Face scores, basis points: score >= pass passes; grey <= score <
	 * pass is the grey zone (in-person review); score < grey fails.
	 * 0 <= grey <= pass <= 10000. */
	uint32_t liveness_pass, liveness_grey;
	uint32_t match_pass, match_grey;
	uint8_t sm2_id[PKEY_SM2_ID_MAX];	/* GM/T 0009 distinguishing ID */
	size_t sm2_id_len;
};

/* Which root set verifies a certificate (docs/identity.md). */
enum trust_roots {
	TRUST_ROOTS_INSTITUTION = 0,	/* banks */
	TRUST_ROOTS_OFFICER = 1,	/* officer, registry, auditor, admin */
	TRUST_ROOTS_COUNT_
};

/* Which token issuers. */
enum trust_issuers {
	TRUST_ISSUERS_FACE = 0,
	TRUST_ISSUERS_SMS = 1,
	TRUST_ISSUERS_COUNT_
};

struct trust;

/* Load DIR/trust/ (dir is the data directory DIR; the "trust" component
 * is appended). *out: a new configuration with one reference (release
 * with trust_release), generation 1; NULL on failure, with why (cap
 * bytes, may be NULL) holding "<file>: <problem>". Statuses: LIEN_EIO (a
 * required file is missing or unreadable), LIEN_EPARSE, LIEN_ETOOBIG,
 * LIEN_EEXIST (duplicate kid or admin), LIEN_EUNSUPPORTED, LIEN_EINVAL,
 * LIEN_ENOMEM, LIEN_ECRYPTO. */
enum lien_status trust_load(const char *dir, struct trust **out, char *why,
    size_t why_cap) LIEN_MUST_CHECK;

/* Another reference (atomic); returns t. */
struct trust *trust_ref(struct trust *t);

/* Drop one reference; the last one frees. NULL is a no-op. */
void trust_release(struct trust *t);

/* Generation: 1 for the first load of a live slot, +1 per successful
 * reload (trust_load alone gives 1). */
uint64_t trust_generation(const struct trust *t);

/* Borrowed from t (valid while the caller holds its reference). */
const struct trust_config *trust_config_get(const struct trust *t);

/* The certificate store for a root set, or NULL if that set is not
 * configured (no officer-roots.pem). Thread-safe (its cache is
 * internally locked); valid while the reference is held. */
struct cert_trust *trust_roots_get(const struct trust *t,
    enum trust_roots which);

/* Token keys of one issuer kind, or NULL when the file is absent. */
const struct jws_keyset *trust_issuer_keys(const struct trust *t,
    enum trust_issuers which);

/* The issuer ("iss") bound to kid in that key set, NUL-terminated, or
 * NULL if kid is unknown. */
const char *trust_issuer_name(const struct trust *t, enum trust_issuers which,
    const char *kid, size_t kid_len);

/* The pinned administrator certificate whose DER hashes to fpr, or NULL.
 * Borrowed. */
const struct cert *trust_admin_find(const struct trust *t,
    const uint8_t fpr[CERT_FPR_LEN]);

size_t trust_admin_count(const struct trust *t);

/* ---- the live configuration --------------------------------------------- */

struct trust_live;

/* trust_load(dir) and keep dir for reloads. *out: caller frees with
 * trust_live_close. Statuses and why as trust_load. */
enum lien_status trust_live_open(const char *dir, struct trust_live **out,
    char *why, size_t why_cap) LIEN_MUST_CHECK;

/* The configuration in force, with a reference the caller drops with
 * trust_release (one mutex lock; never NULL). */
struct trust *trust_live_get(struct trust_live *l);

/* Load the directory again; on success swap it in atomically (requests
 * already running keep theirs) and return LIEN_OK; on failure keep the
 * old configuration and return trust_load's status and message.
 * Reloads are serialised. Safe to call from any thread. */
enum lien_status trust_reload(struct trust_live *l, char *why,
    size_t why_cap) LIEN_MUST_CHECK;

/* Drop the live reference; configurations still held by requests live
 * until they are released. NULL is a no-op. */
void trust_live_close(struct trust_live *l);

#endif
