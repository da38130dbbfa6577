/*
 * The application context of lienlogd's registration API: what the
 * handlers of api/routes_reg.c need beyond the ledger (docs/architecture.md
 * section 1, docs/api-registration.md "Server set-up"):
 *
 *   DIR/trust/            the live trust configuration (api/trust.h),
 *                         reloaded by api_app_reload (SIGHUP)
 *   DIR/trust/rules.json  optional anomaly thresholds (struct reg_rules);
 *                         absent: registry_rules_default
 *   master key            32 raw bytes, mode 0600 (crypto/keyring.h):
 *                         --master-key FILE, default DIR/master.key;
 *                         created with fresh random bytes on the first
 *                         start. Production keeps it outside DIR
 *                         (docs/privacy.md "Retention").
 *   DIR/master.check      its check value (not secret): another key is
 *                         refused
 *   the authentication state (api/auth.h: the parsed-certificate cache)
 *
 * No DIR/trust directory at all means log-only mode: the log API works and
 * every registration route answers 503 registration_disabled. Everything
 * here is read-mostly and thread-safe; handlers take a trust reference per
 * request and a copy of the rules.
 *
 * Internal to api/ and tools/lienlogd.c; no HTTP in here.
 */
#ifndef LIEN_API_APP_H
#define LIEN_API_APP_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "api/auth.h"
#include "api/trust.h"
#include "crypto/keyring.h"
#include "registry/registry.h"

/* Room for a load/reload message ("<file>: <problem>"). */
#define API_APP_WHY_MAX 640u

struct api_app_config {
	const char *dir;		/* the data directory DIR */
	const char *master_key;		/* NULL: DIR/master.key */
	unsigned body_deadline_ms;	/* 0: API_BODY_DEADLINE_MS */
};

struct api_app;

/* Load trust/, rules.json and the master key (creating the key when
 * missing and trust/ exists). *created_key is set to 1 when the master
 * key was created (may be NULL); LIEN_EKEY when it is not the key
 * DIR/master.check was made from. *out: api_app_close. On failure *out is NULL
 * and why names the file: LIEN_EIO (unreadable, wrong mode or size),
 * LIEN_EPARSE (rules.json), or trust_load's statuses. */
enum lien_status api_app_open(const struct api_app_config *cfg,
    struct api_app **out, int *created_key, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* Re-read trust/ and rules.json; on any error keep both old ones and say
 * why. LIEN_ENOTFOUND in log-only mode (nothing to reload). */
enum lien_status api_app_reload(struct api_app *a, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* NULL is a no-op. No request may be running. */
void api_app_close(struct api_app *a);

/* 1 when registration is enabled (trust/ was present at start). */
int api_app_enabled(const struct api_app *a);

/* The trust configuration in force, with a reference (trust_release);
 * NULL in log-only mode. */
struct trust *api_app_trust(struct api_app *a);

/* Borrowed, valid until api_app_close. NULL in log-only mode. */
struct auth *api_app_auth(struct api_app *a);
const struct keyring *api_app_keys(const struct api_app *a);
/* The system key (keyring_system): tags and salts that concern no one
 * person (owner access codes, identity-commitment salts). */
const struct seal_key *api_app_seal_key(const struct api_app *a);

/* A copy of the rules in force. */
void api_app_rules(struct api_app *a, struct reg_rules *out);

unsigned api_app_body_deadline_ms(const struct api_app *a);

/* Parse rules.json text (exact member names of docs/api-registration.md,
 * integers only, unknown members refused) over registry_rules_default.
 * LIEN_EPARSE / LIEN_ETOOBIG with why. Exposed for unit tests. */
enum lien_status api_app_rules_parse(const char *text, size_t len,
    struct reg_rules *out, char *why, size_t why_cap) LIEN_MUST_CHECK;

#endif
