/*
 * lienlogd's application context (api/app.h): the live trust slot, the
 * authentication cache, the master key (crypto/keyring.h) and the anomaly
 * thresholds, loaded from the data directory (the master key from
 * wherever --master-key says).
 *
 * Design: everything a request reads is either immutable after open (the
 * keyring, the auth cache object, the body deadline) or swapped whole on
 * reload (the trust configuration through trust_reload, the rules under a
 * reader-writer lock, copied out per request: a struct of a dozen
 * integers). A reload that fails anywhere changes nothing. The master key
 * is created once, with O_EXCL so two starting servers never write two
 * keys, refused when group or others may read it (it protects every
 * sealed piece of personal data), and checked against DIR/master.check
 * so a store is never served with a key it was not used with.
 *
 * Not here: HTTP (api/reg_http.c), the registry rules themselves
 * (registry/rules.c).
 */
#include "api/app.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/hex.h"
#include "crypto/sign.h"
#include "registry/jcs.h"

struct api_app {
	char *dir;			/* the data directory (owned) */
	struct trust_live *trust;	/* NULL: log-only mode */
	struct auth *auth;
	struct keyring *keys;
	pthread_rwlock_t rules_lock;
	struct reg_rules rules;
	unsigned body_deadline_ms;
};

/* ---- rules.json ---------------------------------------------------------- */

struct rule_field {
	const char *name;
	size_t off;
	int is32;		/* uint32_t / int member; else uint64_t */
	uint64_t max;
};

#define RF64(n, m) { #n, offsetof(struct reg_rules, n), 0, m }
#define RF32(n, m) { #n, offsetof(struct reg_rules, n), 1, m }
#define DAY_MS (24ull * 3600 * 1000)

static const struct rule_field rule_fields[] = {
	RF64(nonce_window_ms, DAY_MS),
	RF32(face_grey, 1),
	RF64(multi_bank_window_ms, 366 * DAY_MS),
	RF32(multi_bank_min, 1000),
	RF64(inst_burst_window_ms, 366 * DAY_MS),
	RF32(inst_burst_max, 100000000),
	RF64(owner_burst_window_ms, 366 * DAY_MS),
	RF32(owner_burst_max, 100000000),
	RF64(cert_expiry_ms, 3660 * DAY_MS),
	RF64(release_soon_ms, 366 * DAY_MS),
	RF32(owner_check, 1),
};

enum lien_status
api_app_rules_parse(const char *text, size_t len, struct reg_rules *out,
    char *why, size_t why_cap)
{
	struct reg_rules r;
	json_t *o = NULL, *val;
	const char *key;
	enum lien_status rc;

	registry_rules_default(&r);
	if (len > API_RULES_FILE_MAX) {
		why_set(why, why_cap, "larger than %u bytes",
		    API_RULES_FILE_MAX);
		return LIEN_ETOOBIG;
	}
	rc = jcs_parse(text, len, 2, &o);
	if (rc != LIEN_OK || !json_is_object(o)) {
		why_set(why, why_cap, "not one strict JSON object (duplicate "
		    "keys, reals and trailing bytes are refused)");
		json_decref(o);
		return LIEN_EPARSE;
	}
	json_object_foreach(o, key, val) {
		const struct rule_field *f = NULL;
		json_int_t i;

		for (size_t k = 0; k < sizeof(rule_fields) /
		    sizeof(rule_fields[0]); k++)
			if (strcmp(key, rule_fields[k].name) == 0)
				f = &rule_fields[k];
		if (f == NULL) {
			why_set(why, why_cap, "unknown member \"%.64s\"", key);
			rc = LIEN_EPARSE;
			goto out;
		}
		if (!json_is_integer(val) || (i = json_integer_value(val)) < 0 ||
		    (uint64_t)i > f->max) {
			why_set(why, why_cap, "\"%s\" must be an integer "
			    "0..%llu", f->name, (unsigned long long)f->max);
			rc = LIEN_EPARSE;
			goto out;
		}
		if (f->is32) {
			uint32_t u = (uint32_t)i;

			memcpy((char *)&r + f->off, &u, sizeof(u));
		} else {
			uint64_t u = (uint64_t)i;

			memcpy((char *)&r + f->off, &u, sizeof(u));
		}
	}
	*out = r;
	rc = LIEN_OK;
out:
	json_decref(o);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
rules_load(const char *dir, struct reg_rules *out, char *why, size_t cap)
{
	char *path = NULL, *buf = NULL;
	size_t len;
	char sub[TRUST_WHY_MAX];
	enum lien_status rc;

	registry_rules_default(out);
	if ((rc = file_path_join(dir, "trust/rules.json", &path)) != LIEN_OK)
		return rc;
	rc = file_read(path, API_RULES_FILE_MAX, &buf, &len);
	if (rc == LIEN_ENOTFOUND) {
		rc = LIEN_OK;		/* optional: the defaults */
	} else if (rc != LIEN_OK) {
		why_set(why, cap, "trust/rules.json: %s", rc == LIEN_ETOOBIG ?
		    "too large" : strerror(errno));
	} else {
		rc = api_app_rules_parse(buf, len, out, sub, sizeof(sub));
		if (rc != LIEN_OK)
			why_set(why, cap, "trust/rules.json: %s", sub);
	}
	free(buf);
	free(path);
	return rc;
}

/* ---- the master key --------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
master_key_create(const char *path, char *why, size_t cap)
{
	uint8_t k[KEYRING_MASTER_LEN];
	size_t off = 0;
	int fd;
	enum lien_status rc = LIEN_EIO;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return LIEN_EEXIST;	/* raced: load it */
		why_set(why, cap, "%s: cannot create: %s", path,
		    strerror(errno));
		return LIEN_EIO;
	}
	lcrypto_random(k, sizeof(k));
	while (off < sizeof(k)) {
		ssize_t w = write(fd, k + off, sizeof(k) - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto out;
	rc = LIEN_OK;
out:
	secret_wipe(k, sizeof(k));
	if (close(fd) != 0 && rc == LIEN_OK)
		rc = LIEN_EIO;
	if (rc != LIEN_OK) {
		why_set(why, cap, "%s: cannot write: %s", path,
		    strerror(errno));
		unlink(path);
	}
	return rc;
}

/* DIR/master.check: a non-secret check value of the master key the store
 * was first used with, ref(K_ref, "lienlog-master-check-v1"), in hex. A
 * server started with another master key (a mistyped --master-key would
 * otherwise create a fresh one) refuses to start instead of sealing new
 * evidence under keys nobody else can open. */
static enum lien_status LIEN_MUST_CHECK
master_check(const char *dir, const struct keyring *kr, char *why, size_t cap)
{
	char *path = NULL, hex[2 * SEAL_REF_LEN + 2], got[sizeof hex + 1];
	uint8_t ref[SEAL_REF_LEN];
	size_t len = 0;
	enum lien_status rc;
	int fd;

	if ((rc = file_path_join(dir, "master.check", &path)) != LIEN_OK)
		return rc;
	if ((rc = seal_key_ref(keyring_refs(kr), "lienlog-master-check-v1",
	    NULL, 0, ref)) != LIEN_OK)
		goto out;
	hex_encode(ref, sizeof ref, hex);
	hex[2 * SEAL_REF_LEN] = '\n';
	hex[2 * SEAL_REF_LEN + 1] = 0;
	rc = file_read_into(path, got, sizeof got - 1, &len);
	if (rc != LIEN_ENOTFOUND) {
		if (rc != LIEN_OK || len != 2 * SEAL_REF_LEN + 1 ||
		    memcmp(got, hex, len) != 0) {
			why_set(why, cap, "%s: the master key is not the one "
			    "this store was used with (see --master-key, "
			    "docs/privacy.md)", path);
			rc = LIEN_EKEY;
		}
		goto out;
	}
	rc = LIEN_EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0) {
		why_set(why, cap, "%s: cannot create: %s", path,
		    strerror(errno));
		goto out;
	}
	if (write(fd, hex, 2 * SEAL_REF_LEN + 1) !=
	    (ssize_t)(2 * SEAL_REF_LEN + 1) || fsync(fd) != 0) {
		why_set(why, cap, "%s: cannot write: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	rc = close(fd) == 0 ? LIEN_OK : LIEN_EIO;
out:
	free(path);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
master_key_load(const char *dir, const char *path_opt, struct keyring **out,
    int *created, char *why, size_t cap)
{
	char *path = NULL;
	uint8_t *k = NULL;
	struct stat st;
	size_t len = 0;
	enum lien_status rc;

	*out = NULL;
	if (path_opt != NULL) {
		if ((path = strdup(path_opt)) == NULL)
			return LIEN_ENOMEM;
	} else if ((rc = file_path_join(dir, "master.key", &path)) !=
	    LIEN_OK) {
		return rc;
	}
	if (lstat(path, &st) != 0 && errno == ENOENT) {
		rc = master_key_create(path, why, cap);
		if (rc == LIEN_OK && created != NULL)
			*created = 1;
		else if (rc != LIEN_EEXIST && rc != LIEN_OK)
			goto out;
	}
	rc = LIEN_EIO;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		why_set(why, cap, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 0077) {
		why_set(why, cap, "%s: readable by group or others "
		    "(chmod 600)", path);
		goto out;
	}
	if ((k = secret_alloc(KEYRING_MASTER_LEN + 1)) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	rc = file_read_into(path, k, KEYRING_MASTER_LEN, &len);
	if (rc != LIEN_OK || len != KEYRING_MASTER_LEN) {
		why_set(why, cap, "%s: must hold exactly %u bytes", path,
		    KEYRING_MASTER_LEN);
		rc = LIEN_EIO;
	} else {
		rc = keyring_new(k, len, out);
	}
	secret_free(k);		/* wipes */
	if (rc == LIEN_OK && (rc = master_check(dir, *out, why, cap)) !=
	    LIEN_OK) {
		keyring_free(*out);
		*out = NULL;
	}
out:
	free(path);
	return rc;
}

/* ---- the context --------------------------------------------------------- */

enum lien_status
api_app_open(const struct api_app_config *cfg, struct api_app **out,
    int *created_key, char *why, size_t why_cap)
{
	struct api_app *a;
	char *path = NULL;
	char sub[TRUST_WHY_MAX];
	struct stat st;
	enum lien_status rc;
	int log_only;

	*out = NULL;
	if (created_key != NULL)
		*created_key = 0;
	if (cfg == NULL || cfg->dir == NULL)
		return LIEN_EINVAL;
	if ((rc = file_path_join(cfg->dir, "trust", &path)) != LIEN_OK)
		return rc;
	log_only = stat(path, &st) != 0 && errno == ENOENT;
	free(path);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return LIEN_ENOMEM;
	if ((a->dir = strdup(cfg->dir)) == NULL) {
		free(a);
		return LIEN_ENOMEM;
	}
	a->body_deadline_ms = cfg->body_deadline_ms ? cfg->body_deadline_ms :
	    API_BODY_DEADLINE_MS;
	registry_rules_default(&a->rules);
	if (pthread_rwlock_init(&a->rules_lock, NULL) != 0) {
		free(a->dir);
		free(a);
		return LIEN_ENOMEM;
	}
	if (log_only) {
		*out = a;		/* no trust/: log-only mode */
		return LIEN_OK;
	}
	rc = trust_live_open(cfg->dir, &a->trust, sub, sizeof(sub));
	if (rc != LIEN_OK) {
		why_set(why, why_cap, "%s", sub);
		goto fail;
	}
	if ((rc = rules_load(cfg->dir, &a->rules, why, why_cap)) != LIEN_OK)
		goto fail;
	if ((rc = master_key_load(cfg->dir, cfg->master_key, &a->keys,
	    created_key, why, why_cap)) != LIEN_OK)
		goto fail;
	if ((rc = auth_new(&a->auth)) != LIEN_OK) {
		why_set(why, why_cap, "authentication state: %s",
		    lien_status_message(rc));
		goto fail;
	}
	*out = a;
	return LIEN_OK;
fail:
	api_app_close(a);
	return rc;
}

enum lien_status
api_app_reload(struct api_app *a, char *why, size_t why_cap)
{
	struct reg_rules r;
	char sub[TRUST_WHY_MAX];
	enum lien_status rc;

	if (a == NULL || a->trust == NULL)
		return LIEN_ENOTFOUND;
	/* Rules first: they are only a parse, so a bad rules.json leaves
	 * the trust configuration untouched too. */
	if ((rc = rules_load(a->dir, &r, why, why_cap)) != LIEN_OK)
		return rc;
	if ((rc = trust_reload(a->trust, sub, sizeof(sub))) != LIEN_OK) {
		why_set(why, why_cap, "%s", sub);
		return rc;
	}
	pthread_rwlock_wrlock(&a->rules_lock);
	a->rules = r;
	pthread_rwlock_unlock(&a->rules_lock);
	return LIEN_OK;
}

void
api_app_close(struct api_app *a)
{
	if (a == NULL)
		return;
	auth_free(a->auth);
	keyring_free(a->keys);
	trust_live_close(a->trust);
	pthread_rwlock_destroy(&a->rules_lock);
	free(a->dir);
	free(a);
}

int
api_app_enabled(const struct api_app *a)
{
	return a != NULL && a->trust != NULL;
}

struct trust *
api_app_trust(struct api_app *a)
{
	return api_app_enabled(a) ? trust_live_get(a->trust) : NULL;
}

struct auth *
api_app_auth(struct api_app *a)
{
	return a != NULL ? a->auth : NULL;
}

const struct keyring *
api_app_keys(const struct api_app *a)
{
	return a != NULL ? a->keys : NULL;
}

const struct seal_key *
api_app_seal_key(const struct api_app *a)
{
	return keyring_system(api_app_keys(a));
}

void
api_app_rules(struct api_app *a, struct reg_rules *out)
{
	pthread_rwlock_rdlock(&a->rules_lock);
	*out = a->rules;
	pthread_rwlock_unlock(&a->rules_lock);
}

unsigned
api_app_body_deadline_ms(const struct api_app *a)
{
	return a != NULL ? a->body_deadline_ms : API_BODY_DEADLINE_MS;
}
