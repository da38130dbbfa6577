/*
 * The trust configuration: DIR/trust/ read into one immutable struct trust
 * (api/trust.h, docs/trust.md).
 *
 * Design. trust_load reads every file whole (each capped by a named limit
 * before allocation), parses it strictly and builds the finished objects:
 * two crypto/cert stores (institution roots, officer roots), two JWS key
 * sets with the issuer bound to each kid, and the pinned administrator
 * certificates. Nothing is kept half-built: the first problem stops the
 * load with "<file>: <problem>" in the caller's buffer, and the caller
 * (trust_reload) keeps the configuration it had.
 *
 * CRLs sit in one directory (crl/<name>.pem) but belong to one of two stores;
 * crypto/cert refuses a CRL that no configured CA issued and signed, so
 * each CRL is tried against each root set on its own and goes to every
 * set that accepts it; a CRL no set accepts is an error naming the file.
 * Reloads are rare, so the extra store builds cost nothing that matters.
 *
 * The live slot is a mutex-protected pointer plus an atomic reference
 * count per configuration: a request takes a reference at its start and
 * drops it at its end, so a reload never frees what a request still uses
 * and a request never mixes two configurations.
 *
 * Not here: what a request may do with the configuration (api/auth.c,
 * api/evidence.c) and the SIGHUP plumbing (tools/lienlogd.c).
 */
#include "api/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/file.h"
#include "crypto/pem.h"

#define TRUST_PATH_MAX 4096u

struct issuer_entry {
	char kid[JWS_KID_MAX + 1];
	size_t kid_len;
	char iss[TRUST_ISS_MAX + 1];
};

struct issuer_set {
	struct jws_keyset *keys;	/* NULL: file absent */
	struct issuer_entry *e;
	size_t n;
};

struct admin_entry {
	uint8_t fpr[CERT_FPR_LEN];
	struct cert *cert;
};

struct trust {
	atomic_long refs;
	uint64_t generation;
	struct trust_config cfg;
	struct cert_trust *roots[TRUST_ROOTS_COUNT_];
	struct issuer_set issuers[TRUST_ISSUERS_COUNT_];
	struct admin_entry *admins;
	size_t nadmins;
};

struct trust_live {
	pthread_mutex_t mu;		/* guards cur */
	pthread_mutex_t reload_mu;	/* serialises reloads */
	struct trust *cur;
	uint64_t gen;			/* guarded by reload_mu */
	char dir[TRUST_PATH_MAX];
};

/* ---- messages ---------------------------------------------------------- */

/* why_set with the file's name in front: "trust/<file>: ...". */
static void
trust_why(char *why, size_t cap, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
trust_why(char *why, size_t cap, const char *file, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (why == NULL || cap == 0)
		return;
	n = snprintf(why, cap, "trust/%s: ", file);
	if (n < 0 || (size_t)n >= cap)
		return;
	va_start(ap, fmt);
	why_vset(why + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A configuration-file string, safe to print: at most 64 bytes, anything
 * outside printable ASCII replaced by '?'. */
static void
printable(const char *s, char out[68])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i] != '\0')
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
}

static const char *
status_words(enum lien_status st)
{
	switch (st) {
	case LIEN_EPARSE:
		return "malformed";
	case LIEN_ETOOBIG:
		return "too large";
	case LIEN_EEXIST:
		return "duplicate entry";
	case LIEN_EUNSUPPORTED:
		return "unsupported key or algorithm";
	case LIEN_EINVAL:
		return "empty or invalid";
	case LIEN_ENOMEM:
		return "out of memory";
	default:
		return lien_status_message(st);
	}
}

/* ---- files ------------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, TRUST_PATH_MAX, "%s/trust/%s", dir, name);

	return n < 0 || (size_t)n >= TRUST_PATH_MAX ? LIEN_ETOOBIG : LIEN_OK;
}

/* Read trust/<name>; on failure why names the file. */
static enum lien_status LIEN_MUST_CHECK
trust_file(const char *dir, const char *name, size_t cap, int optional,
    char **out, size_t *len, char *why, size_t why_cap)
{
	char path[TRUST_PATH_MAX];
	enum lien_status st;

	*out = NULL;
	*len = 0;
	if ((st = path_join(path, dir, name)) != LIEN_OK) {
		trust_why(why, why_cap, name, "path too long");
		return st;
	}
	st = file_read(path, cap, out, len);
	if (st == LIEN_ENOTFOUND && optional)
		return LIEN_ENOTFOUND;
	if (st == LIEN_ENOTFOUND) {
		trust_why(why, why_cap, name, "missing (required)");
		return LIEN_EIO;
	}
	if (st == LIEN_ETOOBIG)
		trust_why(why, why_cap, name, "larger than %zu bytes", cap);
	else if (st != LIEN_OK)
		trust_why(why, why_cap, name, "cannot be read (%s)",
		    status_words(st));
	return st;
}

/* ---- config.json ------------------------------------------------------- */

static int
ascii_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* An integer member in [lo, hi] into *out. LIEN_OK, or LIEN_EPARSE (not
 * an integer, or out of range; *out is kept). */
static enum lien_status LIEN_MUST_CHECK
int_member(const json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v))
		return LIEN_EPARSE;
	x = json_integer_value(v);
	if (x < lo || x > hi)
		return LIEN_EPARSE;
	*out = (int64_t)x;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
face_parse(const json_t *face, struct trust_config *c, char *why,
    size_t why_cap)
{
	static const char *const names[] = { "liveness_pass", "liveness_grey",
	    "match_pass", "match_grey" };
	uint32_t *dst[] = { &c->liveness_pass, &c->liveness_grey,
	    &c->match_pass, &c->match_grey };
	const char *k;
	json_t *v;
	char pk[68];

	if (!json_is_object(face)) {
		trust_why(why, why_cap, "config.json", "\"face\" must be an object");
		return LIEN_EPARSE;
	}
	json_object_foreach((json_t *)face, k, v) {
		size_t i;
		int64_t x;

		for (i = 0; i < 4; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (i == 4) {
			printable(k, pk);
			trust_why(why, why_cap, "config.json",
			    "unknown member \"face.%s\"", pk);
			return LIEN_EPARSE;
		}
		if (int_member(v, 0, TRUST_SCORE_MAX, &x) != LIEN_OK) {
			trust_why(why, why_cap, "config.json",
			    "\"face.%s\" must be an integer 0..%u (basis points)",
			    names[i], TRUST_SCORE_MAX);
			return LIEN_EPARSE;
		}
		*dst[i] = (uint32_t)x;
	}
	if (c->liveness_grey > c->liveness_pass ||
	    c->match_grey > c->match_pass) {
		trust_why(why, why_cap, "config.json",
		    "a face \"*_grey\" bound is above its \"*_pass\" bound");
		return LIEN_EINVAL;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
config_parse(const char *text, size_t len, struct trust_config *c,
    char *why, size_t why_cap)
{
	json_error_t err;
	json_t *root, *v;
	const char *k;
	enum lien_status st = LIEN_EPARSE;
	int have_registry = 0;
	char pk[68];

	memset(c, 0, sizeof(*c));
	c->created_window = TRUST_CREATED_WINDOW_DEFAULT;
	c->token_skew = TRUST_TOKEN_SKEW_DEFAULT;
	c->token_lifetime_max = TRUST_TOKEN_LIFETIME_DEFAULT;
	c->liveness_pass = TRUST_LIVENESS_PASS_DEFAULT;
	c->liveness_grey = TRUST_LIVENESS_GREY_DEFAULT;
	c->match_pass = TRUST_MATCH_PASS_DEFAULT;
	c->match_grey = TRUST_MATCH_GREY_DEFAULT;
	c->sm2_id_len = sizeof(PKEY_SM2_ID_DEFAULT) - 1;
	memcpy(c->sm2_id, PKEY_SM2_ID_DEFAULT, c->sm2_id_len);

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		trust_why(why, why_cap, "config.json",
		    "invalid JSON at line %d column %d: %.80s", err.line,
		    err.column, err.text);
		return LIEN_EPARSE;
	}
	if (!json_is_object(root)) {
		trust_why(why, why_cap, "config.json", "not a JSON object");
		goto out;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "registry") == 0) {
			size_t n = json_string_length(v);

			if (!json_is_string(v) || n == 0 ||
			    n > TRUST_NAME_MAX ||
			    !ascii_printable(json_string_value(v), n)) {
				trust_why(why, why_cap, "config.json",
				    "\"registry\" must be 1..%u printable "
				    "ASCII characters", TRUST_NAME_MAX);
				goto out;
			}
			memcpy(c->registry, json_string_value(v), n);
			c->registry[n] = '\0';
			c->registry_len = n;
			have_registry = 1;
		} else if (strcmp(k, "created_window") == 0) {
			if (int_member(v, 1, TRUST_WINDOW_LIMIT,
			    &c->created_window) != LIEN_OK) {
				trust_why(why, why_cap, "config.json",
				    "\"created_window\" must be an integer "
				    "1..%d", TRUST_WINDOW_LIMIT);
				goto out;
			}
		} else if (strcmp(k, "token_skew") == 0) {
			if (int_member(v, 0, TRUST_SKEW_LIMIT,
			    &c->token_skew) != LIEN_OK) {
				trust_why(why, why_cap, "config.json",
				    "\"token_skew\" must be an integer 0..%d",
				    TRUST_SKEW_LIMIT);
				goto out;
			}
		} else if (strcmp(k, "token_lifetime_max") == 0) {
			if (int_member(v, 1, TRUST_LIFETIME_LIMIT,
			    &c->token_lifetime_max) != LIEN_OK) {
				trust_why(why, why_cap, "config.json",
				    "\"token_lifetime_max\" must be an integer "
				    "1..%d", TRUST_LIFETIME_LIMIT);
				goto out;
			}
		} else if (strcmp(k, "face") == 0) {
			if ((st = face_parse(v, c, why, why_cap)) != LIEN_OK)
				goto out;
			st = LIEN_EPARSE;
		} else if (strcmp(k, "sm2_id") == 0) {
			size_t n = json_string_length(v);

			if (!json_is_string(v) || n == 0 ||
			    n > PKEY_SM2_ID_MAX ||
			    !ascii_printable(json_string_value(v), n)) {
				trust_why(why, why_cap, "config.json",
				    "\"sm2_id\" must be 1..%u printable ASCII "
				    "characters", PKEY_SM2_ID_MAX);
				goto out;
			}
			memcpy(c->sm2_id, json_string_value(v), n);
			c->sm2_id_len = n;
		} else {
			printable(k, pk);
			trust_why(why, why_cap, "config.json",
			    "unknown member \"%s\"", pk);
			goto out;
		}
	}
	if (!have_registry) {
		trust_why(why, why_cap, "config.json",
		    "\"registry\" (the JWT audience) is required");
		goto out;
	}
	st = LIEN_OK;
out:
	json_decref(root);
	return st;
}

/* ---- JWKS with issuers --------------------------------------------------- */

/* Members a trusted-issuer JWK may carry: RFC 7517 4, RFC 7518 6.2.1,
 * RFC 8037 2, and our "iss" (docs/trust.md). */
static int
jwk_member_ok(const char *k)
{
	static const char *const ok[] = { "kty", "crv", "x", "y", "kid",
	    "use", "alg", "iss" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(k, ok[i]) == 0)
			return 1;
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
issuers_parse(const char *file, const char *text, size_t len,
    struct issuer_set *out, char *why, size_t why_cap)
{
	json_error_t err;
	json_t *root, *keys, *jwk, *v;
	const char *k;
	size_t i, n;
	enum lien_status st = LIEN_EPARSE;
	char pk[68];

	memset(out, 0, sizeof(*out));
	if (len > JWKS_FILE_MAX) {
		trust_why(why, why_cap, file, "larger than %u bytes",
		    JWKS_FILE_MAX);
		return LIEN_ETOOBIG;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		trust_why(why, why_cap, file,
		    "invalid JSON at line %d column %d: %.80s", err.line,
		    err.column, err.text);
		return LIEN_EPARSE;
	}
	if (!json_is_object(root) || json_object_size(root) != 1 ||
	    !json_is_array(keys = json_object_get(root, "keys")) ||
	    (n = json_array_size(keys)) == 0) {
		trust_why(why, why_cap, file,
		    "must be exactly {\"keys\": [ at least one JWK ]}");
		goto out;
	}
	if (n > JWKS_KEYS_MAX) {
		trust_why(why, why_cap, file, "more than %u keys", JWKS_KEYS_MAX);
		st = LIEN_ETOOBIG;
		goto out;
	}
	if ((out->e = calloc(n, sizeof(*out->e))) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	json_array_foreach(keys, i, jwk) {
		const json_t *iss, *kid;
		size_t il, kl;

		if (!json_is_object(jwk)) {
			trust_why(why, why_cap, file, "key %zu is not an object",
			    i);
			goto out;
		}
		json_object_foreach(jwk, k, v) {
			if (!jwk_member_ok(k)) {
				printable(k, pk);
				trust_why(why, why_cap, file,
				    "key %zu: unknown member \"%s\"", i, pk);
				goto out;
			}
		}
		iss = json_object_get(jwk, "iss");
		kid = json_object_get(jwk, "kid");
		if (!json_is_string(iss) || (il = json_string_length(iss)) == 0 ||
		    il > TRUST_ISS_MAX ||
		    !ascii_printable(json_string_value(iss), il)) {
			trust_why(why, why_cap, file, "key %zu: \"iss\" must be "
			    "1..%u printable ASCII characters", i,
			    TRUST_ISS_MAX);
			goto out;
		}
		if (!json_is_string(kid) || (kl = json_string_length(kid)) == 0 ||
		    kl > JWS_KID_MAX ||
		    memchr(json_string_value(kid), 0, kl) != NULL) {
			trust_why(why, why_cap, file, "key %zu: \"kid\" must be "
			    "1..%u bytes", i, JWS_KID_MAX);
			goto out;
		}
		for (size_t j = 0; j < out->n; j++) {
			if (out->e[j].kid_len == kl && memcmp(out->e[j].kid,
			    json_string_value(kid), kl) == 0) {
				printable(json_string_value(kid), pk);
				trust_why(why, why_cap, file,
				    "duplicate kid \"%s\"", pk);
				st = LIEN_EEXIST;
				goto out;
			}
		}
		memcpy(out->e[out->n].kid, json_string_value(kid), kl);
		out->e[out->n].kid_len = kl;
		memcpy(out->e[out->n].iss, json_string_value(iss), il);
		out->n++;
	}
	/* The keys themselves: crypto/jws checks types, curves, lengths,
	 * canonical base64url, "use"/"alg" consistency and refuses "d". */
	st = jws_keyset_parse(text, len, &out->keys);
	if (st != LIEN_OK) {
		trust_why(why, why_cap, file, "bad key set (%s)",
		    status_words(st));
		goto out;
	}
	if (jws_keyset_count(out->keys) != out->n) {
		trust_why(why, why_cap, file, "key count mismatch");
		st = LIEN_EPARSE;
		goto out;
	}
	st = LIEN_OK;
out:
	json_decref(root);
	if (st != LIEN_OK) {
		jws_keyset_free(out->keys);
		free(out->e);
		memset(out, 0, sizeof(*out));
	}
	return st;
}

/* ---- admins.pem ------------------------------------------------------------- */

/* The administrators' certificates: a bundle of strict RFC 7468
 * CERTIFICATE blocks with only line breaks between them (crypto/pem.h: no
 * comments or "openssl x509 -text" output, one spelling per file), each
 * one strict DER. */
static enum lien_status LIEN_MUST_CHECK
admins_parse(const char *text, size_t len, struct trust *t, char *why,
    size_t why_cap)
{
	struct pem_block b;
	size_t pos = 0, cap = 0;
	enum lien_status st;

	for (;;) {
		struct cert *c = NULL;
		uint8_t fpr[CERT_FPR_LEN];
		size_t at = pos;

		st = pem_next(text, len, &pos, CERT_DER_MAX, &b);
		if (st == LIEN_ENOTFOUND)
			break;
		if (st == LIEN_OK && strcmp(b.label, "CERTIFICATE") != 0)
			st = LIEN_EPARSE;
		if (st != LIEN_OK) {
			pem_block_clear(&b);
			trust_why(why, why_cap, "admins.pem", "certificate %zu "
			    "(byte %zu): not one strict PEM CERTIFICATE block "
			    "(%s)", t->nadmins + 1, at, status_words(st));
			return st;
		}
		if (t->nadmins >= CERT_BUNDLE_CERTS_MAX) {
			pem_block_clear(&b);
			trust_why(why, why_cap, "admins.pem",
			    "more than %u certificates", CERT_BUNDLE_CERTS_MAX);
			return LIEN_ETOOBIG;
		}
		st = cert_parse_der(b.der, b.der_len, &c);
		pem_block_clear(&b);
		if (st != LIEN_OK) {
			trust_why(why, why_cap, "admins.pem",
			    "certificate %zu: %s", t->nadmins + 1,
			    status_words(st));
			return st;
		}
		cert_fingerprint(c, fpr);
		for (size_t i = 0; i < t->nadmins; i++) {
			if (memcmp(t->admins[i].fpr, fpr, CERT_FPR_LEN) == 0) {
				cert_free(c);
				trust_why(why, why_cap, "admins.pem",
				    "certificate %zu is listed twice",
				    t->nadmins + 1);
				return LIEN_EEXIST;
			}
		}
		if (t->nadmins == cap) {
			size_t ncap = cap == 0 ? 4 : cap * 2;
			struct admin_entry *n = realloc(t->admins,
			    ncap * sizeof(*n));

			if (n == NULL) {
				cert_free(c);
				return LIEN_ENOMEM;
			}
			t->admins = n;
			cap = ncap;
		}
		memcpy(t->admins[t->nadmins].fpr, fpr, CERT_FPR_LEN);
		t->admins[t->nadmins].cert = c;
		t->nadmins++;
	}
	if (t->nadmins == 0) {
		trust_why(why, why_cap, "admins.pem", "holds no certificate");
		return LIEN_EPARSE;
	}
	return LIEN_OK;
}

/* ---- CRLs ------------------------------------------------------------------- */

struct crl_file {
	char name[256];
	char *text;
	size_t len;
	unsigned sets;		/* bit per enum trust_roots */
};

static int
crl_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct crl_file *)a)->name,
	    ((const struct crl_file *)b)->name);
}

static void
crls_free(struct crl_file *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].text);
	free(c);
}

/* Read crl/<name>.pem (regular files whose name ends in ".pem" and does not
 * start with '.'; other names are ignored, see docs/trust.md). A missing
 * crl/ directory means no CRLs. */
static enum lien_status LIEN_MUST_CHECK
crls_read(const char *dir, struct crl_file **out, size_t *n, char *why,
    size_t why_cap)
{
	char path[TRUST_PATH_MAX];
	struct crl_file *c = NULL;
	struct dirent *de;
	DIR *d;
	size_t cnt = 0;
	enum lien_status st = LIEN_OK;

	*out = NULL;
	*n = 0;
	if (path_join(path, dir, "crl") != LIEN_OK) {
		trust_why(why, why_cap, "crl", "path too long");
		return LIEN_ETOOBIG;
	}
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return LIEN_OK;
		trust_why(why, why_cap, "crl", "cannot open the directory");
		return LIEN_EIO;
	}
	if ((c = calloc(TRUST_CRL_FILES_MAX, sizeof(*c))) == NULL) {
		closedir(d);
		return LIEN_ENOMEM;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' || nl < 5 ||
		    strcmp(de->d_name + nl - 4, ".pem") != 0)
			continue;
		if (nl >= sizeof(c[0].name)) {
			trust_why(why, why_cap, "crl", "file name too long");
			st = LIEN_ETOOBIG;
			goto out;
		}
		if (cnt == TRUST_CRL_FILES_MAX) {
			trust_why(why, why_cap, "crl", "more than %u CRL files",
			    TRUST_CRL_FILES_MAX);
			st = LIEN_ETOOBIG;
			goto out;
		}
		memcpy(c[cnt].name, de->d_name, nl + 1);
		cnt++;
	}
	qsort(c, cnt, sizeof(*c), crl_name_cmp);
	for (size_t i = 0; i < cnt; i++) {
		char rel[sizeof(c[0].name) + 8];

		(void)snprintf(rel, sizeof(rel), "crl/%s", c[i].name);
		st = trust_file(dir, rel, CERT_CRL_MAX, 0, &c[i].text,
		    &c[i].len, why, why_cap);
		if (st != LIEN_OK)
			goto out;
	}
out:
	closedir(d);
	if (st != LIEN_OK) {
		crls_free(c, cnt);
		return st;
	}
	*out = c;
	*n = cnt;
	return LIEN_OK;
}

/* ---- the root sets ------------------------------------------------------------ */

struct roots_text {
	const char *file, *ifile;	/* names for messages */
	char *roots, *inter;
	size_t roots_len, inter_len;
};

static void
store_config(const struct roots_text *r, const struct trust_config *c,
    const struct cert_blob *crls, size_t ncrls, struct cert_trust_config *out)
{
	memset(out, 0, sizeof(*out));
	out->roots_pem = r->roots;
	out->roots_len = r->roots_len;
	out->intermediates_pem = r->inter;
	out->intermediates_len = r->inter_len;
	out->crls = crls;
	out->ncrls = ncrls;
	out->sm2_id = c->sm2_id;
	out->sm2_id_len = c->sm2_id_len;
}

static enum lien_status LIEN_MUST_CHECK
roots_build(struct trust *t, struct roots_text *r, struct crl_file *crls,
    size_t ncrls, char *why, size_t why_cap)
{
	struct cert_trust_config cfg;
	struct cert_trust *probe = NULL;
	struct cert_blob *blobs = NULL;
	enum lien_status st;
	size_t nb;

	/* Roots and intermediates alone first, so a problem names them. */
	for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++) {
		if (r[s].roots == NULL)
			continue;
		store_config(&r[s], &t->cfg, NULL, 0, &cfg);
		cfg.intermediates_pem = NULL;
		cfg.intermediates_len = 0;
		if ((st = cert_trust_new(&cfg, &probe)) == LIEN_EINVAL) {
			/* crypto/cert: the bundle held no certificate */
			trust_why(why, why_cap, r[s].file, "no certificate");
			return LIEN_EPARSE;
		}
		if (st != LIEN_OK) {
			trust_why(why, why_cap, r[s].file, "%s (roots must be "
			    "self-signed CA certificates in strict PEM)",
			    status_words(st));
			return st;
		}
		cert_trust_free(probe);
		if (r[s].inter == NULL)
			continue;
		store_config(&r[s], &t->cfg, NULL, 0, &cfg);
		if ((st = cert_trust_new(&cfg, &probe)) != LIEN_OK) {
			trust_why(why, why_cap, r[s].ifile, "%s (intermediates "
			    "must be CA certificates, not self-signed)",
			    status_words(st));
			return st;
		}
		cert_trust_free(probe);
	}
	/* Which set does each CRL belong to? */
	for (size_t i = 0; i < ncrls; i++) {
		struct cert_blob b = { crls[i].text, crls[i].len };

		for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++) {
			if (r[s].roots == NULL)
				continue;
			store_config(&r[s], &t->cfg, &b, 1, &cfg);
			st = cert_trust_new(&cfg, &probe);
			cert_trust_free(probe);
			probe = NULL;
			if (st == LIEN_OK)
				crls[i].sets |= 1u << s;
			else if (st != LIEN_EPARSE) {
				trust_why(why, why_cap, "crl", "%s: %s",
				    crls[i].name, status_words(st));
				return st;
			}
		}
		if (crls[i].sets == 0) {
			trust_why(why, why_cap, "crl", "%s: malformed, or not "
			    "issued and signed by a CA of institution-roots.pem "
			    "or officer-roots.pem", crls[i].name);
			return LIEN_EPARSE;
		}
	}
	if (ncrls > 0 && (blobs = calloc(ncrls, sizeof(*blobs))) == NULL)
		return LIEN_ENOMEM;
	for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++) {
		if (r[s].roots == NULL)
			continue;
		nb = 0;
		for (size_t i = 0; i < ncrls; i++)
			if (crls[i].sets & (1u << s))
				blobs[nb++] = (struct cert_blob){ crls[i].text,
				    crls[i].len };
		store_config(&r[s], &t->cfg, blobs, nb, &cfg);
		if ((st = cert_trust_new(&cfg, &t->roots[s])) != LIEN_OK) {
			trust_why(why, why_cap, "crl", "the CRLs of %s do not "
			    "load together (%s)", r[s].file, status_words(st));
			free(blobs);
			return st;
		}
	}
	free(blobs);
	return LIEN_OK;
}

/* ---- load ------------------------------------------------------------------- */

static void
trust_destroy(struct trust *t)
{
	if (t == NULL)
		return;
	for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++)
		cert_trust_free(t->roots[s]);
	for (unsigned s = 0; s < TRUST_ISSUERS_COUNT_; s++) {
		jws_keyset_free(t->issuers[s].keys);
		free(t->issuers[s].e);
	}
	for (size_t i = 0; i < t->nadmins; i++)
		cert_free(t->admins[i].cert);
	free(t->admins);
	free(t);
}

enum lien_status
trust_load(const char *dir, struct trust **out, char *why, size_t why_cap)
{
	static const char *const issuer_files[TRUST_ISSUERS_COUNT_] = {
		"face-issuers.jwks", "sms-issuers.jwks" };
	struct roots_text r[TRUST_ROOTS_COUNT_] = {
		{ "institution-roots.pem", "institution-intermediates.pem",
		  NULL, NULL, 0, 0 },
		{ "officer-roots.pem", "officer-intermediates.pem",
		  NULL, NULL, 0, 0 },
	};
	struct trust *t = NULL;
	struct crl_file *crls = NULL;
	size_t ncrls = 0, len;
	char *text = NULL;
	enum lien_status st;

	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (dir == NULL) {
		trust_why(why, why_cap, "", "no data directory given");
		return LIEN_EINVAL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return LIEN_ENOMEM;
	atomic_init(&t->refs, 1);
	t->generation = 1;

	if ((st = trust_file(dir, "config.json", TRUST_CONFIG_MAX, 0, &text,
	    &len, why, why_cap)) != LIEN_OK)
		goto out;
	st = config_parse(text, len, &t->cfg, why, why_cap);
	free(text);
	text = NULL;
	if (st != LIEN_OK)
		goto out;

	for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++) {
		st = trust_file(dir, r[s].file, CERT_BUNDLE_MAX,
		    s != TRUST_ROOTS_INSTITUTION, &r[s].roots, &r[s].roots_len,
		    why, why_cap);
		if (st == LIEN_ENOTFOUND)
			continue;
		if (st != LIEN_OK)
			goto out;
		st = trust_file(dir, r[s].ifile, CERT_BUNDLE_MAX, 1,
		    &r[s].inter, &r[s].inter_len, why, why_cap);
		if (st != LIEN_OK && st != LIEN_ENOTFOUND)
			goto out;
	}
	if ((st = crls_read(dir, &crls, &ncrls, why, why_cap)) != LIEN_OK)
		goto out;
	if ((st = roots_build(t, r, crls, ncrls, why, why_cap)) != LIEN_OK)
		goto out;

	for (unsigned s = 0; s < TRUST_ISSUERS_COUNT_; s++) {
		st = trust_file(dir, issuer_files[s], JWKS_FILE_MAX, 1, &text,
		    &len, why, why_cap);
		if (st == LIEN_ENOTFOUND)
			continue;
		if (st != LIEN_OK)
			goto out;
		st = issuers_parse(issuer_files[s], text, len, &t->issuers[s],
		    why, why_cap);
		free(text);
		text = NULL;
		if (st != LIEN_OK)
			goto out;
	}

	st = trust_file(dir, "admins.pem", CERT_BUNDLE_MAX, 1, &text, &len,
	    why, why_cap);
	if (st == LIEN_OK) {
		st = admins_parse(text, len, t, why, why_cap);
		free(text);
		text = NULL;
		if (st != LIEN_OK)
			goto out;
		if (t->roots[TRUST_ROOTS_OFFICER] == NULL) {
			trust_why(why, why_cap, "admins.pem", "administrators "
			    "need officer-roots.pem (their certificates must "
			    "chain to it)");
			st = LIEN_EINVAL;
			goto out;
		}
	} else if (st != LIEN_ENOTFOUND) {
		goto out;
	}
	st = LIEN_OK;
out:
	free(text);
	crls_free(crls, ncrls);
	for (unsigned s = 0; s < TRUST_ROOTS_COUNT_; s++) {
		free(r[s].roots);
		free(r[s].inter);
	}
	if (st != LIEN_OK) {
		trust_destroy(t);
		return st;
	}
	*out = t;
	return LIEN_OK;
}

struct trust *
trust_ref(struct trust *t)
{
	if (t != NULL)
		atomic_fetch_add(&t->refs, 1);
	return t;
}

void
trust_release(struct trust *t)
{
	if (t != NULL && atomic_fetch_sub(&t->refs, 1) == 1)
		trust_destroy(t);
}

uint64_t
trust_generation(const struct trust *t)
{
	return t == NULL ? 0 : t->generation;
}

const struct trust_config *
trust_config_get(const struct trust *t)
{
	return t == NULL ? NULL : &t->cfg;
}

struct cert_trust *
trust_roots_get(const struct trust *t, enum trust_roots which)
{
	if (t == NULL || (unsigned)which >= TRUST_ROOTS_COUNT_)
		return NULL;
	return t->roots[which];
}

const struct jws_keyset *
trust_issuer_keys(const struct trust *t, enum trust_issuers which)
{
	if (t == NULL || (unsigned)which >= TRUST_ISSUERS_COUNT_)
		return NULL;
	return t->issuers[which].keys;
}

const char *
trust_issuer_name(const struct trust *t, enum trust_issuers which,
    const char *kid, size_t kid_len)
{
	const struct issuer_set *s;

	if (t == NULL || kid == NULL || (unsigned)which >= TRUST_ISSUERS_COUNT_)
		return NULL;
	s = &t->issuers[which];
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].kid_len == kid_len &&
		    memcmp(s->e[i].kid, kid, kid_len) == 0)
			return s->e[i].iss;
	return NULL;
}

const struct cert *
trust_admin_find(const struct trust *t, const uint8_t fpr[CERT_FPR_LEN])
{
	if (t == NULL || fpr == NULL)
		return NULL;
	for (size_t i = 0; i < t->nadmins; i++)
		if (memcmp(t->admins[i].fpr, fpr, CERT_FPR_LEN) == 0)
			return t->admins[i].cert;
	return NULL;
}

size_t
trust_admin_count(const struct trust *t)
{
	return t == NULL ? 0 : t->nadmins;
}

/* ---- live slot ---------------------------------------------------------------- */

enum lien_status
trust_live_open(const char *dir, struct trust_live **out, char *why,
    size_t why_cap)
{
	struct trust_live *l;
	enum lien_status st;
	size_t n;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (dir == NULL || (n = strlen(dir)) >= TRUST_PATH_MAX)
		return LIEN_EINVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return LIEN_ENOMEM;
	memcpy(l->dir, dir, n + 1);
	if ((st = trust_load(dir, &l->cur, why, why_cap)) != LIEN_OK) {
		free(l);
		return st;
	}
	l->gen = 1;
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		trust_release(l->cur);
		free(l);
		return LIEN_ENOMEM;
	}
	if (pthread_mutex_init(&l->reload_mu, NULL) != 0) {
		pthread_mutex_destroy(&l->mu);
		trust_release(l->cur);
		free(l);
		return LIEN_ENOMEM;
	}
	*out = l;
	return LIEN_OK;
}

struct trust *
trust_live_get(struct trust_live *l)
{
	struct trust *t;

	pthread_mutex_lock(&l->mu);
	t = trust_ref(l->cur);
	pthread_mutex_unlock(&l->mu);
	return t;
}

enum lien_status
trust_reload(struct trust_live *l, char *why, size_t why_cap)
{
	struct trust *n = NULL, *old;
	enum lien_status st;

	if (l == NULL)
		return LIEN_EINVAL;
	pthread_mutex_lock(&l->reload_mu);
	st = trust_load(l->dir, &n, why, why_cap);
	if (st == LIEN_OK) {
		/* n is not shared yet: setting its generation is safe. */
		n->generation = ++l->gen;
		pthread_mutex_lock(&l->mu);
		old = l->cur;
		l->cur = n;
		pthread_mutex_unlock(&l->mu);
		trust_release(old);
	}
	pthread_mutex_unlock(&l->reload_mu);
	return st;
}

void
trust_live_close(struct trust_live *l)
{
	if (l == NULL)
		return;
	trust_release(l->cur);
	pthread_mutex_destroy(&l->mu);
	pthread_mutex_destroy(&l->reload_mu);
	free(l);
}
