/*
 * Signed requests for integrators (docs/integration.md,
 * docs/request-signing.md):
 *
 *   lienlog sign-request --key KEY --keyid KEYID --url URL --body FILE ...
 *   lienlog sign-request --method GET --key KEY --keyid KEYID --url URL ...
 *       prints the header lines to add to the request
 *   lienlog submit --key KEY --keyid KEYID --url URL --body FILE ...
 *   lienlog submit --method GET --key KEY --keyid KEYID --url URL ...
 *       signs the request, sends it (client/fetch.h), prints the answer
 *
 * Both verbs share one path: read and check the inputs, split the URL into
 * the parts RFC 9421 derives components from, and call httpsig_sign
 * (crypto/httpsig.h), the same code whose verifier lienlogd runs. What is
 * signed is exactly what is sent: the URL handed to the client is rebuilt
 * from the parsed parts (scheme and host lowercased, default port dropped),
 * the Host header is set to the signed authority, the client sends the
 * path as is and never follows redirects (a new target would not match
 * @authority/@path), and the body is sent from the same buffer the digest
 * was computed over.
 *
 * Covered components, by default: "@method" "@authority" "@path"
 * ("@query" too when the URL has one) and "content-digest", with created,
 * nonce (16 random bytes, base64url), keyid and alg. "@authority" and
 * "@path" rather than "@target-uri" because TLS ends at the reverse proxy
 * in front of lienlogd (DEPS.md): the scheme the client used is not what
 * lienlogd sees, while host and path pass through unchanged. --components
 * picks another list (e.g. the worked example of docs/request-signing.md
 * signs "@method" "@target-uri" "content-digest").
 *
 * Reads (--method GET or HEAD) have no body: --body is refused, and the
 * default list drops "content-digest" (lienlogd does not require it on a
 * read, docs/api-registration.md "Signed reads"); Content-Type and
 * Content-Digest are then neither printed nor sent, unless --components
 * names content-digest (the digest of the empty body).
 *
 * Writes sent by submit carry an Idempotency-Key by default (a fresh
 * UUIDv7, covered by the signature, named on stderr when no answer or a
 * server error came) so that a user
 * whose answer was lost can resend with --idempotency-key KEY and get the
 * original receipt (docs/api-registration.md "Retries and
 * Idempotency-Key"); sign-request adds one only when asked.
 *
 * Not here: verification (crypto/httpsig.c), retries, keep-alive.
 */
#include "tools/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "client/fetch.h"
#include "common/file.h"
#include "crypto/cert.h"
#include "crypto/httpsig.h"
#include "crypto/idemkey.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

static const char usage_sign[] =
    "usage: lienlog sign-request --key KEY --keyid KEYID --url URL"
    " --body FILE\n"
    "           [--method POST] [--alg ALG] [--created T] [--nonce N]\n"
    "           [--components LIST] [--sm2-id ID]"
    " [--idempotency-key new|none|KEY]\n"
    "       lienlog sign-request --method GET|HEAD --key KEY --keyid KEYID"
    " --url URL\n"
    "           [--alg ALG] [--created T] [--nonce N] [--components LIST]"
    " ...\n"
    "Sign an HTTP request to lienlogd (RFC 9421 + RFC 9530) and print the\n"
    "header lines to add to it: Content-Type, Content-Digest,\n"
    "Signature-Input, Signature. KEY: the private key from 'lienlog keygen\n"
    "--type'. KEYID: the keyid of the filed certificate ('lienlog\n"
    "cert-fingerprint CERT'). FILE: the JSON body, sent byte for byte.\n"
    "ALG defaults to the key's (ed25519, ecdsa-p256-sha256, sm2-sm3); T\n"
    "(Unix seconds) to now; N to 16 random bytes in base64url. LIST is a\n"
    "space-separated component list; default\n"
    "\"@method @authority @path content-digest\" (+ @query when the URL\n"
    "has one). --sm2-id: SM2 distinguishing ID (default 1234567812345678).\n"
    "GET and HEAD are signed without a body: no --body, default list\n"
    "\"@method @authority @path\" (+ @query), and only Signature-Input\n"
    "and Signature are printed (Content-Digest too if LIST names it).\n"
    "--idempotency-key: none (default), new (a fresh UUIDv7) or KEY (a\n"
    "lowercase UUIDv7): the Idempotency-Key line is printed and\n"
    "\"idempotency-key\" is added to the covered components.\n";

static const char usage_submit[] =
    "usage: lienlog submit --key KEY --keyid KEYID --url URL"
    " [--body FILE]\n"
    "           [--method POST|GET|HEAD] [--alg ALG] [--components LIST]"
    " [--sm2-id ID]\n"
    "           [--timeout S] [--cacert FILE] [--cert FILE]"
    " [--key-tls FILE]\n"
    "           [--idempotency-key new|none|KEY]\n"
    "Sign the request as sign-request does (fresh created and nonce) and\n"
    "send it. Prints the HTTP status line on stderr and the response body\n"
    "on stdout. Exit 0 for 2xx; 1 for a refusal (4xx: the JSON error code\n"
    "is printed); 6 when no answer came (connection, TLS, timeout) or the\n"
    "server failed (5xx): resend later, with --idempotency-key for a write.\n"
    "--body FILE is required for POST and refused for GET and HEAD.\n"
    "S: whole-request timeout in seconds (default 30). For https://:\n"
    "--cacert CA bundle to verify the server, --cert/--key-tls client\n"
    "certificate and key for mutual TLS (PEM).\n"
    "A write carries an Idempotency-Key (signed) by default: a fresh\n"
    "UUIDv7, named on stderr when no answer or a 5xx came. Send the same\n"
    "body again with --idempotency-key KEY (within 24 hours): lienlogd\n"
    "answers with the original receipt instead of acting twice. none: no\n"
    "key (every such request is a new action).\n";

/* ---- inputs ------------------------------------------------------------- */

struct url_parts {
	const char *scheme;		/* "http" or "https" (static) */
	char authority[CLI_URL_MAX + 1];	/* lowercased, default port dropped */
	char path[CLI_URL_MAX + 1];	/* "/" when the URL has none */
	char query[CLI_URL_MAX + 1];
	int has_query;
	char norm[3 * CLI_URL_MAX + 16];	/* what the client sends */
};

static int
url_byte_ok(unsigned char c)
{
	/* Visible ASCII only: no spaces or controls to escape, no UTF-8 to
	 * normalise; '#' (fragments are never sent) is refused by callers. */
	return c > 0x20 && c < 0x7f;
}

static int
host_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* RFC 3986 3: "http[s]://host[:port][/path][?query]", strict. */
static int
url_parse(const char *verb, const char *url, struct url_parts *u)
{
	size_t len = strlen(url), i, host_start, host_end, port = 0;
	const char *rest;
	int have_port = 0;

	memset(u, 0, sizeof(*u));
	if (len > CLI_URL_MAX) {
		cli_fail(verb, "--url is longer than %u bytes", CLI_URL_MAX);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < len; i++) {
		if (!url_byte_ok((unsigned char)url[i]) || url[i] == '#') {
			cli_fail(verb, "--url: character %zu is not allowed "
			    "(spaces, controls, non-ASCII and '#' are refused; "
			    "percent-encode them)", i);
			return CLI_EXIT_USAGE;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		u->scheme = "https";
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		u->scheme = "http";
		rest = url + 7;
	} else {
		cli_fail(verb, "--url must start with http:// or https://");
		return CLI_EXIT_USAGE;
	}
	len = strlen(rest);
	i = 0;
	host_start = 0;
	if (i < len && rest[i] == '[') {		/* IPv6 literal */
		while (i < len && rest[i] != ']')
			i++;
		if (i >= len) {
			cli_fail(verb, "--url: unterminated '[' in the host");
			return CLI_EXIT_USAGE;
		}
		for (size_t k = 1; k < i; k++) {
			unsigned char c = (unsigned char)rest[k];

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
				cli_fail(verb, "--url: bad IPv6 literal");
				return CLI_EXIT_USAGE;
			}
		}
		i++;
	} else {
		while (i < len && host_byte_ok((unsigned char)rest[i]))
			i++;
	}
	host_end = i;
	if (host_end == host_start) {
		cli_fail(verb, "--url has no host");
		return CLI_EXIT_USAGE;
	}
	if (i < len && rest[i] == ':') {
		size_t d = 0;

		i++;
		while (i < len && rest[i] >= '0' && rest[i] <= '9' && d < 6) {
			port = port * 10 + (size_t)(rest[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || d > 5 || port == 0 || port > 65535 ||
		    rest[i - d] == '0') {
			cli_fail(verb, "--url: port must be 1..65535 without "
			    "leading zeros");
			return CLI_EXIT_USAGE;
		}
		have_port = 1;
	}
	if (i < len && rest[i] != '/' && rest[i] != '?') {
		cli_fail(verb, "--url: unexpected '%c' after the host (user "
		    "information is not allowed)", rest[i]);
		return CLI_EXIT_USAGE;
	}
	/* Authority: host lowercased (RFC 9421 2.2.3), default port
	 * omitted (RFC 9110 4.2), so it equals what the server derives. */
	{
		size_t n = 0;

		for (size_t k = host_start; k < host_end; k++) {
			char c = rest[k];

			u->authority[n++] = (c >= 'A' && c <= 'Z') ?
			    (char)(c + ('a' - 'A')) : c;
		}
		if (have_port && !((strcmp(u->scheme, "http") == 0 &&
		    port == 80) || (strcmp(u->scheme, "https") == 0 &&
		    port == 443)))
			n += (size_t)snprintf(u->authority + n,
			    sizeof(u->authority) - n, ":%zu", port);
		u->authority[n] = '\0';
	}
	{
		size_t ps = i, qs;

		while (i < len && rest[i] != '?')
			i++;
		qs = i;
		if (qs == ps)
			strcpy(u->path, "/");
		else {
			memcpy(u->path, rest + ps, qs - ps);
			u->path[qs - ps] = '\0';
		}
		if (qs < len) {
			if (qs + 1 == len) {
				cli_fail(verb, "--url: empty query after '?'");
				return CLI_EXIT_USAGE;
			}
			memcpy(u->query, rest + qs + 1, len - qs - 1);
			u->query[len - qs - 1] = '\0';
			u->has_query = 1;
		}
	}
	snprintf(u->norm, sizeof(u->norm), "%s://%s%s%s%s", u->scheme,
	    u->authority, u->path, u->has_query ? "?" : "", u->query);
	return CLI_EXIT_OK;
}

/* An RFC 8941 sf-string we can put in a parameter without escapes. */
static int
param_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HTTPSIG_PARAM_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* --created: an RFC 8941 integer, non-negative, canonical (no sign, no
 * leading zeros), at most 15 digits. */
#define REQ_CREATED_MAX 999999999999999u

struct req_opts {
	const char *key, *keyid, *url, *body, *method, *alg, *created,
	    *nonce, *components, *sm2_id;
	/* --idempotency-key: "new", "none" or a key; idem_default when
	 * absent (submit: "new" for writes; sign-request: "none") */
	const char *idem;
	const char *idem_default;
};

struct prepared {
	struct url_parts url;
	const char *method;
	int read;		/* GET or HEAD: no body */
	int send_digest;	/* Content-Type and Content-Digest go out */
	uint8_t *body;
	size_t body_len;
	struct httpsig_signed sig;
	/* the Idempotency-Key sent ("" for none) and its field value */
	char idem[IDEMKEY_LEN + 1];
	char idem_field[IDEMKEY_FIELD_LEN + 1];
	/* --components split in place */
	char comp_buf[HTTPSIG_COMPONENTS_MAX * (HTTPSIG_NAME_MAX + 1)];
	const char *comps[HTTPSIG_COMPONENTS_MAX];
	size_t ncomps;
	const char *all_comps[HTTPSIG_COMPONENTS_MAX];	/* + idempotency-key */
};

static int
components_parse(const char *verb, const char *list, struct prepared *p)
{
	size_t n = strlen(list), i = 0, used = 0;

	p->ncomps = 0;
	while (i < n) {
		size_t start;

		while (i < n && list[i] == ' ')
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && list[i] != ' ')
			i++;
		if (p->ncomps >= HTTPSIG_COMPONENTS_MAX ||
		    i - start > HTTPSIG_NAME_MAX) {
			cli_fail(verb, "--components: at most %u names of at "
			    "most %u bytes", HTTPSIG_COMPONENTS_MAX,
			    HTTPSIG_NAME_MAX);
			return CLI_EXIT_USAGE;
		}
		memcpy(p->comp_buf + used, list + start, i - start);
		p->comp_buf[used + i - start] = '\0';
		p->comps[p->ncomps++] = p->comp_buf + used;
		used += i - start + 1;
	}
	if (p->ncomps == 0) {
		cli_fail(verb, "--components is empty");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* --keyid is the name of the key on the wire: for lienlogd the lowercase
 * hex SHA-256 of the signer's certificate (docs/identity.md). Other RFC
 * 9421 verifiers name keys as they like, so any parameter string is
 * signed -- but two mistakes are caught here rather than as a 401 after
 * a nonce was spent: a file name (the certificate itself, whose keyid we
 * can then print) and a SHA-256 in upper case. */
static int
keyid_check(const char *verb, const char *keyid)
{
	size_t n = strlen(keyid), upper = 0, hex = 0;
	struct stat st;

	if (stat(keyid, &st) == 0) {
		uint8_t *buf = NULL;
		size_t len = 0;
		struct cert *c = NULL;
		char kid[CERT_KEYID_HEX_LEN + 1];

		if (S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (size_t)st.st_size <= CERT_TEXT_MAX &&
		    file_read(keyid, CERT_TEXT_MAX, (char **)&buf, &len) ==
		    LIEN_OK && cert_parse_text((const char *)buf, len, &c) ==
		    LIEN_OK) {
			cert_keyid_hex(c, kid);
			cert_free(c);
			free(buf);
			cli_fail(verb, "--keyid %s names a certificate file; "
			    "--keyid takes its keyid: --keyid %s ('lienlog "
			    "cert-fingerprint %s' prints it)", keyid, kid, keyid);
			return CLI_EXIT_USAGE;
		}
		free(buf);
		cli_fail(verb, "--keyid %s names a file; --keyid takes the "
		    "keyid of the signer's certificate, 64 lowercase hex "
		    "characters ('lienlog cert-fingerprint CERT' prints it)",
		    keyid);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		char c = keyid[i];

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
			hex++;
		else if (c >= 'A' && c <= 'F')
			upper++;
	}
	if (n == 2 * CERT_FPR_LEN && upper > 0 && hex + upper == n) {
		cli_fail(verb, "--keyid must be lowercase hex (lienlogd refuses "
		    "upper case as unknown_keyid)");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* Body: the JSON the request carries. Checked with the server's rules
 * (one object, duplicate keys refused) so a typo fails here, not as an
 * HTTP 400 after a nonce was spent. */
static int
body_check(const char *verb, const char *path, const uint8_t *b, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES,
	    &err);

	if (j == NULL) {
		cli_fail(verb, "%s: invalid JSON at line %d column %d: %s", path,
		    err.line, err.column, err.text);
		return CLI_EXIT_INPUT;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		cli_fail(verb, "%s: the body must be a JSON object", path);
		return CLI_EXIT_INPUT;
	}
	json_decref(j);
	return CLI_EXIT_OK;
}

static int
names_comp(const char *const *c, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i], want) == 0)
			return 1;
	return 0;
}

/* The Idempotency-Key of a write (docs/api-registration.md "Retries and
 * Idempotency-Key"): "new" makes a UUIDv7 for the signing time, "none"
 * sends none, anything else must be a key in the published form (a retry
 * of an earlier request passes that request's key). Reads take none. */
static int
idem_prepare(const char *verb, const struct req_opts *o, int64_t created,
    struct prepared *p)
{
	const char *v = o->idem != NULL ? o->idem : o->idem_default;
	uint64_t t;

	p->idem[0] = 0;
	p->idem_field[0] = 0;
	if (v == NULL || strcmp(v, "none") == 0 ||
	    (p->read && o->idem == NULL))
		return CLI_EXIT_OK;
	if (p->read) {
		cli_fail(verb, "--idempotency-key is for writes, not --method "
		    "%s", p->method);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(v, "new") == 0) {
		struct timespec ts;
		uint64_t ms;

		/* the key's time: --created's when given, else the clock's
		 * (a key is judged by it: docs/api-registration.md) */
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = o->created != NULL ? (uint64_t)created * 1000u :
		    (uint64_t)ts.tv_sec * 1000u +
		    (uint64_t)ts.tv_nsec / 1000000u;
		if (idemkey_generate(ms, p->idem) != LIEN_OK) {
			cli_fail(verb, "the system clock is beyond what a "
			    "UUIDv7 can hold");
			return CLI_EXIT_INTERNAL;
		}
	} else if (idemkey_parse(v, strlen(v), &t) != LIEN_OK) {
		cli_fail(verb, "--idempotency-key must be new, none or a "
		    "lowercase UUIDv7 (RFC 9562) such as "
		    "0190a6e4-3b5c-7d2e-9f10-2a3b4c5d6e7f");
		return CLI_EXIT_USAGE;
	} else {
		memcpy(p->idem, v, IDEMKEY_LEN + 1);
	}
	snprintf(p->idem_field, sizeof(p->idem_field), "\"%s\"", p->idem);
	return CLI_EXIT_OK;
}

/* Everything both verbs do before the network: on CLI_EXIT_OK, p holds
 * the parsed URL, the body (caller frees p->body) and the signed header
 * values. */
static int
request_prepare(const char *verb, const struct req_opts *o, struct prepared *p)
{
	static const char *const def_comps[] = {
		"@method", "@authority", "@path", "content-digest",
	};
	static const char *const def_comps_q[] = {
		"@method", "@authority", "@path", "@query", "content-digest",
	};
	/* docs/api-registration.md "Signed reads" */
	static const char *const read_comps[] = {
		"@method", "@authority", "@path",
	};
	static const char *const read_comps_q[] = {
		"@method", "@authority", "@path", "@query",
	};
	struct httpsig_header hdr[2];
	struct httpsig_request req;
	struct httpsig_sign_params sp;
	struct pkey *key = NULL;
	const char *want_alg;
	int64_t created;
	enum lien_status s;
	int rc;

	memset(p, 0, sizeof(*p));
	p->method = o->method != NULL ? o->method : "POST";
	p->read = strcmp(p->method, "GET") == 0 ||
	    strcmp(p->method, "HEAD") == 0;
	if (o->key == NULL || o->keyid == NULL || o->url == NULL ||
	    (o->body == NULL && !p->read)) {
		cli_fail(verb, "need --key KEY, --keyid KEYID, --url URL and "
		    "--body FILE (no --body with --method GET or HEAD; see "
		    "--help)");
		return CLI_EXIT_USAGE;
	}
	if (p->read && o->body != NULL) {
		/* lienlogd refuses a body on GET/HEAD (body_not_allowed) */
		cli_fail(verb, "--method %s takes no --body", p->method);
		return CLI_EXIT_USAGE;
	}
	{
		size_t n = strlen(p->method);
		int ok = n >= 1 && n <= 16;

		for (size_t i = 0; ok && i < n; i++)
			ok = p->method[i] >= 'A' && p->method[i] <= 'Z';
		if (!ok) {
			cli_fail(verb, "--method must be 1..16 capital letters "
			    "(e.g. POST)");
			return CLI_EXIT_USAGE;
		}
	}
	if (!param_ok(o->keyid)) {
		cli_fail(verb, "--keyid must be 1..%u printable ASCII characters "
		    "without '\"' or '\\'", HTTPSIG_PARAM_MAX);
		return CLI_EXIT_USAGE;
	}
	if ((rc = keyid_check(verb, o->keyid)) != CLI_EXIT_OK)
		return rc;
	if (o->nonce != NULL && !param_ok(o->nonce)) {
		cli_fail(verb, "--nonce must be 1..%u printable ASCII characters "
		    "without '\"' or '\\'", HTTPSIG_PARAM_MAX);
		return CLI_EXIT_USAGE;
	}
	if (o->created != NULL) {
		uint64_t v;

		if (dec_u64_arg(o->created, 0, REQ_CREATED_MAX, &v) !=
		    LIEN_OK) {
			cli_fail(verb, "--created must be Unix seconds: a "
			    "non-negative integer, at most 15 digits, no leading "
			    "zeros");
			return CLI_EXIT_USAGE;
		}
		created = (int64_t)v;
	} else {
		time_t now = time(NULL);

		if (now < 0) {
			cli_fail(verb, "the system clock is before 1970");
			return CLI_EXIT_INTERNAL;
		}
		created = (int64_t)now;
	}
	if ((rc = url_parse(verb, o->url, &p->url)) != CLI_EXIT_OK)
		return rc;
	if (o->components != NULL &&
	    (rc = components_parse(verb, o->components, p)) != CLI_EXIT_OK)
		return rc;
	if ((rc = idem_prepare(verb, o, created, p)) != CLI_EXIT_OK)
		return rc;
	if (!p->read) {
		rc = cli_read_file(verb, o->body, API_BODY_MAX, &p->body,
		    &p->body_len);
		if (rc != CLI_EXIT_OK)
			return rc;
		if ((rc = body_check(verb, o->body, p->body, p->body_len)) !=
		    CLI_EXIT_OK)
			goto fail;
	}
	rc = cli_load_signing_key(verb, o->key, o->sm2_id, &key);
	if (rc != CLI_EXIT_OK)
		goto fail;
	want_alg = httpsig_alg_name(pkey_alg_get(key));
	if (want_alg == NULL) {
		cli_fail(verb, "%s: no RFC 9421 algorithm for this key", o->key);
		rc = CLI_EXIT_INPUT;
		goto fail;
	}
	/* The algorithm is the key's (docs/request-signing.md): --alg can
	 * only confirm it, never choose another. */
	if (o->alg != NULL && strcmp(o->alg, want_alg) != 0) {
		cli_fail(verb, "--alg %.32s does not match the key, which signs "
		    "with %s", o->alg, want_alg);
		rc = CLI_EXIT_USAGE;
		goto fail;
	}

	hdr[0].name = "content-type";
	hdr[0].name_len = strlen(hdr[0].name);
	hdr[0].value = "application/json";
	hdr[0].value_len = strlen(hdr[0].value);
	hdr[1].name = "idempotency-key";
	hdr[1].name_len = strlen(hdr[1].name);
	hdr[1].value = p->idem_field;
	hdr[1].value_len = strlen(p->idem_field);
	memset(&req, 0, sizeof(req));
	req.method = p->method;
	req.method_len = strlen(p->method);
	req.scheme = p->url.scheme;
	req.scheme_len = strlen(p->url.scheme);
	req.authority = p->url.authority;
	req.authority_len = strlen(p->url.authority);
	req.path = p->url.path;
	req.path_len = strlen(p->url.path);
	req.query = p->url.has_query ? p->url.query : NULL;
	req.query_len = p->url.has_query ? strlen(p->url.query) : 0;
	req.headers = hdr;
	req.nheaders = p->read ? 0 : p->idem[0] ? 2 : 1;	/* a read sends
						 * no Content-Type */
	req.body = p->body;
	req.body_len = p->body_len;

	memset(&sp, 0, sizeof(sp));
	if (p->ncomps > 0) {
		sp.components = p->comps;
		sp.ncomponents = p->ncomps;
	} else if (p->read && p->url.has_query) {
		sp.components = read_comps_q;
		sp.ncomponents = sizeof(read_comps_q) / sizeof(read_comps_q[0]);
	} else if (p->read) {
		sp.components = read_comps;
		sp.ncomponents = sizeof(read_comps) / sizeof(read_comps[0]);
	} else if (p->url.has_query) {
		sp.components = def_comps_q;
		sp.ncomponents = sizeof(def_comps_q) / sizeof(def_comps_q[0]);
	} else {
		sp.components = def_comps;
		sp.ncomponents = sizeof(def_comps) / sizeof(def_comps[0]);
	}
	/* A key that is sent must be signed (lienlogd refuses it
	 * otherwise): add the component to whichever list is in use. */
	if (p->idem[0] != 0 && !names_comp(sp.components, sp.ncomponents,
	    "idempotency-key")) {
		if (sp.ncomponents >= HTTPSIG_COMPONENTS_MAX) {
			cli_fail(verb, "--components: no room for "
			    "idempotency-key (at most %u names)",
			    HTTPSIG_COMPONENTS_MAX);
			rc = CLI_EXIT_USAGE;
			goto fail;
		}
		for (size_t i = 0; i < sp.ncomponents; i++)
			p->all_comps[i] = sp.components[i];
		p->all_comps[sp.ncomponents] = "idempotency-key";
		sp.components = p->all_comps;
		sp.ncomponents++;
	}
	sp.created = created;
	sp.expires = -1;
	sp.nonce = o->nonce;		/* NULL: httpsig_sign draws 16 bytes */
	sp.keyid = o->keyid;
	s = httpsig_sign(&req, key, &sp, &p->sig);
	if (s != LIEN_OK) {
		if (s == LIEN_EINVAL || s == LIEN_EPARSE)
			cli_fail(verb, "cannot sign: a component in --components "
			    "is unknown, repeated or absent from the request "
			    "(derived: @method @target-uri @authority @scheme "
			    "@path @query; fields: content-digest, "
			    "content-type)");
		else
			cli_fail(verb, "cannot sign: %s", lien_status_message(s));
		rc = (s == LIEN_EINVAL || s == LIEN_EPARSE) ? CLI_EXIT_USAGE :
		    s == LIEN_ETOOBIG ? CLI_EXIT_INPUT : CLI_EXIT_INTERNAL;
		goto fail;
	}
	p->send_digest = !p->read;
	for (size_t i = 0; i < sp.ncomponents; i++)
		if (strcmp(sp.components[i], "content-digest") == 0)
			p->send_digest = 1;
	pkey_free(key);
	return CLI_EXIT_OK;
fail:
	pkey_free(key);
	free(p->body);
	p->body = NULL;
	return rc;
}

/* ---- sign-request ------------------------------------------------------- */

int
cli_sign_request(int argc, char **argv)
{
	static const char verb[] = "sign-request";
	struct cli_opt opts[] = {
		{ "key", NULL }, { "keyid", NULL }, { "url", NULL },
		{ "body", NULL }, { "method", NULL }, { "alg", NULL },
		{ "created", NULL }, { "nonce", NULL }, { "components", NULL },
		{ "sm2-id", NULL }, { "idempotency-key", NULL },
	};
	const char *pos[1];
	struct req_opts o;
	struct prepared *p;
	size_t npos;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, sizeof(opts) /
	    sizeof(opts[0]), pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_sign, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	o = (struct req_opts){ opts[0].value, opts[1].value, opts[2].value,
		opts[3].value, opts[4].value, opts[5].value, opts[6].value,
		opts[7].value, opts[8].value, opts[9].value, opts[10].value,
		"none" };
	if ((p = malloc(sizeof(*p))) == NULL) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	rc = request_prepare(verb, &o, p);
	if (rc == CLI_EXIT_OK) {
		if (!p->read)
			printf("Content-Type: application/json\n");
		if (p->send_digest)
			printf("Content-Digest: %s\n", p->sig.content_digest);
		if (p->idem[0] != 0)
			printf("Idempotency-Key: %s\n", p->idem_field);
		printf("Signature-Input: %s\n"
		    "Signature: %s\n", p->sig.signature_input,
		    p->sig.signature);
		free(p->body);
	}
	free(p);
	return rc;
}

/* ---- submit --------------------------------------------------------------- */

/* The stable error code of a refusal: {"code":"...",...}. */
static void
error_code(const struct client_reply *a, char *out, size_t cap)
{
	json_t *j, *c;

	snprintf(out, cap, "(no JSON error code)");
	if (a->len == 0)
		return;
	j = json_loadb((const char *)a->body, a->len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (j == NULL)
		return;
	c = json_object_get(j, "code");
	if (json_is_string(c))
		snprintf(out, cap, "%.64s", json_string_value(c));
	json_decref(j);
}

/* Header line "name: value" into a fresh string (caller frees). */
static char *
header_line(const char *name, const char *value)
{
	size_t n = strlen(name) + 2 + strlen(value) + 1;
	char *l = malloc(n);

	if (l != NULL)
		(void)snprintf(l, n, "%s: %s", name, value);
	return l;
}

int
cli_submit(int argc, char **argv)
{
	static const char verb[] = "submit";
	struct cli_opt opts[] = {
		{ "key", NULL }, { "keyid", NULL }, { "url", NULL },
		{ "body", NULL }, { "method", NULL }, { "alg", NULL },
		{ "components", NULL }, { "sm2-id", NULL }, { "timeout", NULL },
		{ "cacert", NULL }, { "cert", NULL }, { "key-tls", NULL },
		{ "idempotency-key", NULL },
	};
	const char *pos[1];
	struct req_opts o;
	struct prepared *p = NULL;
	struct client_config ccfg;
	struct client *cl = NULL;
	struct client_request rq;
	struct client_reply ans;
	char *hdrs[9] = { NULL };
	long timeout = 30, status;
	size_t npos, nh = 0;
	enum lien_status st;
	int rc, fail = 0;

	memset(&ans, 0, sizeof(ans));
	rc = cli_args_parse(verb, argc, argv, opts, sizeof(opts) /
	    sizeof(opts[0]), pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_submit, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[8].value != NULL) {
		uint64_t t;

		if (dec_u64_arg(opts[8].value, 1, CLI_TIMEOUT_MAX, &t) !=
		    LIEN_OK) {
			cli_fail(verb, "--timeout must be 1..%u seconds",
			    CLI_TIMEOUT_MAX);
			return CLI_EXIT_USAGE;
		}
		timeout = (long)t;
	}
	o = (struct req_opts){ opts[0].value, opts[1].value, opts[2].value,
		opts[3].value, opts[4].value, opts[5].value, NULL, NULL,
		opts[6].value, opts[7].value, opts[12].value, "new" };
	if ((p = malloc(sizeof(*p))) == NULL) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	if ((rc = request_prepare(verb, &o, p)) != CLI_EXIT_OK) {
		free(p);
		return rc;
	}
	/* TLS options on a plain-HTTP URL would do nothing: say so rather
	 * than let the user believe the channel is protected. */
	if ((opts[9].value != NULL || opts[10].value != NULL ||
	    opts[11].value != NULL) && strcmp(p->url.scheme, "https") != 0) {
		cli_fail(verb, "--cacert, --cert and --key-tls need an https:// "
		    "URL");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.timeout_ms = timeout * 1000;
	ccfg.cacert = opts[9].value;
	ccfg.tls_cert = opts[10].value;
	ccfg.tls_key = opts[11].value;
	ccfg.user_agent = "lienlog-submit/1";
	if (client_new(&ccfg, &cl) != LIEN_OK) {
		cli_fail(verb, "cannot set up the HTTP client");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	/* What was signed is what is sent: the signed authority as Host. */
	hdrs[nh++] = header_line("Host", p->url.authority);
	if (!p->read)
		hdrs[nh++] = header_line("Content-Type", "application/json");
	hdrs[nh++] = header_line("Accept", "application/json");
	if (p->send_digest)
		hdrs[nh++] = header_line("Content-Digest",
		    p->sig.content_digest);
	if (p->idem[0] != 0)
		hdrs[nh++] = header_line("Idempotency-Key", p->idem_field);
	hdrs[nh++] = header_line("Signature-Input", p->sig.signature_input);
	hdrs[nh++] = header_line("Signature", p->sig.signature);
	for (size_t i = 0; i < nh; i++)
		fail |= hdrs[i] == NULL;
	if (fail) {
		cli_fail(verb, "out of memory");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = p->method;
	rq.url = p->url.norm;
	rq.headers = (const char *const *)hdrs;
	rq.body = p->read ? NULL : p->body;
	rq.body_len = p->read ? 0 : p->body_len;
	rq.cap = CLI_RESPONSE_MAX;
	rq.any_status = 1;
	st = client_request(cl, &rq, &ans);
	if (st != LIEN_OK) {
		if (st == LIEN_ETOOBIG)
			cli_fail(verb, "%s: the answer exceeds the %u-byte limit",
			    p->url.norm, CLI_RESPONSE_MAX);
		else
			cli_fail(verb, "no answer from %s: %s (is the server "
			    "running, and is the URL right?)%s%s%s",
			    p->url.norm, ans.error[0] != '\0' ? ans.error :
			    lien_status_message(st),
			    p->idem[0] ? " (to resend without acting twice: "
			    "--idempotency-key " : "", p->idem,
			    p->idem[0] ? ")" : "");
		rc = st == LIEN_ENOMEM || st == LIEN_EINVAL ?
		    CLI_EXIT_INTERNAL : CLI_EXIT_NETWORK;
		goto out;
	}
	status = ans.http;
	if (ans.status_line[0] != '\0')
		fprintf(stderr, "%s\n", ans.status_line);
	else
		fprintf(stderr, "HTTP %ld\n", status);
	if (ans.len > 0) {
		if (fwrite(ans.body, 1, ans.len, stdout) != ans.len ||
		    (ans.body[ans.len - 1] != '\n' && putchar('\n') == EOF)) {
			cli_fail(verb, "cannot write to standard output");
			rc = CLI_EXIT_IO;
			goto out;
		}
	}
	if (status >= 200 && status <= 299) {
		rc = CLI_EXIT_OK;
	} else {
		char code[80];

		error_code(&ans, code, sizeof(code));
		/* a server error may come after the entry was written: say
		 * how to ask again safely */
		cli_fail(verb, "refused: HTTP %ld %s%s%s%s", status, code,
		    status >= 500 && p->idem[0] ? " (to resend without acting "
		    "twice: --idempotency-key " : "", status >= 500 ?
		    p->idem : "", status >= 500 && p->idem[0] ? ")" : "");
		/* 4xx: the request was refused, fix it; 5xx: the server
		 * failed, try again later (with the same key) */
		rc = status >= 500 ? CLI_EXIT_NETWORK : CLI_EXIT_VERIFY;
	}
out:
	for (size_t i = 0; i < nh; i++)
		free(hdrs[i]);
	client_free(cl);
	client_reply_clear(&ans);
	free(p->body);
	free(p);
	return rc;
}
