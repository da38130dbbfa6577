/*
 * RFC 9421 HTTP Message Signatures (requests) and RFC 9530 Content-Digest.
 *
 * Verification is a straight line, cheapest and least trusting first:
 * locate Signature-Input / Signature (absent or repeated lines refused);
 * parse both as RFC 8941 dictionaries with hard caps; pick the label;
 * check the policy (required components and parameters, created window,
 * expires); look the keyid up through the caller's callback; check that
 * alg names the key's algorithm; rebuild the signature base (RFC 9421
 * 2.5) from the request; verify; finally compare Content-Digest with the
 * body (RFC 9530), so a body changed after signing is reported as
 * "digest_mismatch" rather than as a bad signature.
 *
 * Parsing is deliberately narrower than RFC 8941: labels, components and
 * parameters we do not use are errors, not things to skip, and integers
 * with leading zeros or signs are refused, so every accepted
 * Signature-Input has one meaning. "@signature-params" is re-serialized
 * canonically (RFC 8941 4.1) from what was parsed, as RFC 9421 2.3
 * specifies.
 *
 * Nothing here allocates per component: the parsed signature lives on the
 * caller's stack in fixed arrays bounded by HTTPSIG_* limits; only the
 * signature base (up to HTTPSIG_BASE_MAX) goes on the heap, because
 * civetweb worker stacks are small (DEPS.md).
 */
#include "crypto/httpsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/b64.h"
#include "crypto/hash.h"
#include "crypto/jws.h"
#include "crypto/sign.h"

static const char *const reason_codes[HTTPSIG_R_COUNT_] = {
	[HTTPSIG_R_OK] = "ok",
	[HTTPSIG_R_MISSING] = "sig_missing",
	[HTTPSIG_R_DUPLICATE] = "sig_duplicate_header",
	[HTTPSIG_R_MALFORMED] = "sig_malformed",
	[HTTPSIG_R_TOO_LARGE] = "sig_too_large",
	[HTTPSIG_R_LABEL] = "sig_label_mismatch",
	[HTTPSIG_R_COMPONENT_MISSING] = "sig_component_missing",
	[HTTPSIG_R_PARAM_MISSING] = "sig_param_missing",
	[HTTPSIG_R_FIELD_ABSENT] = "sig_covered_field_absent",
	[HTTPSIG_R_DIGEST_MISSING] = "digest_missing",
	[HTTPSIG_R_DIGEST_MISMATCH] = "digest_mismatch",
	[HTTPSIG_R_CREATED_WINDOW] = "sig_created_outside_window",
	[HTTPSIG_R_EXPIRED] = "sig_expired",
	[HTTPSIG_R_UNKNOWN_KEYID] = "unknown_keyid",
	[HTTPSIG_R_ALG_UNSUPPORTED] = "alg_unsupported",
	[HTTPSIG_R_ALG_MISMATCH] = "alg_mismatch",
	[HTTPSIG_R_BAD_SIGNATURE] = "bad_signature",
};

const char *
httpsig_reason_code(enum httpsig_reason r)
{
	if ((unsigned)r >= HTTPSIG_R_COUNT_ || reason_codes[r] == NULL)
		return "sig_invalid";
	return reason_codes[r];
}

const char *
httpsig_alg_name(enum pkey_alg alg)
{
	switch (alg) {
	case PKEY_ED25519:
		return "ed25519";
	case PKEY_P256:
		return "ecdsa-p256-sha256";
	case PKEY_SM2:
		return "sm2-sm3";
	case PKEY_NONE:
		break;
	}
	return NULL;
}

static enum pkey_alg
alg_from_name(const char *s, size_t len)
{
	for (int a = PKEY_ED25519; a <= PKEY_SM2; a++) {
		const char *n = httpsig_alg_name((enum pkey_alg)a);

		if (strlen(n) == len && memcmp(n, s, len) == 0)
			return (enum pkey_alg)a;
	}
	return PKEY_NONE;
}

/* ---- parsed Signature-Input member --------------------------------------- */

enum sparam { P_CREATED, P_EXPIRES, P_NONCE, P_KEYID, P_ALG, P_TAG, P_COUNT };
static const char *const sparam_names[P_COUNT] = {
	"created", "expires", "nonce", "keyid", "alg", "tag",
};

struct sstr {
	char s[HTTPSIG_PARAM_MAX + 1];
	size_t len;
};

struct siginput {
	char label[HTTPSIG_NAME_MAX + 1];
	size_t label_len;
	char comp[HTTPSIG_COMPONENTS_MAX][HTTPSIG_NAME_MAX + 1];
	size_t comp_len[HTTPSIG_COMPONENTS_MAX];
	size_t ncomp;
	/* Parameters in received order (for re-serialization). */
	enum sparam order[P_COUNT];
	size_t nparams;
	int have[P_COUNT];
	int64_t created, expires;
	struct sstr nonce, keyid, alg, tag;
};

struct sigval {
	char label[HTTPSIG_NAME_MAX + 1];
	size_t label_len;
	const char *b64;	/* borrowed from the Signature field */
	size_t b64_len;
};

/* ---- RFC 8941 parsing primitives ------------------------------------------ */

struct cur {
	const char *p, *end;
};

static int
cur_peek(const struct cur *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static void
skip_sp(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static void
skip_ows(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static int
is_lcalpha(int ch)
{
	return ch >= 'a' && ch <= 'z';
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* RFC 8941 3.1.2 key. */
static enum httpsig_reason
sf_key(struct cur *c, char *out, size_t *out_len)
{
	size_t n = 0;
	int ch = cur_peek(c);

	if (!is_lcalpha(ch) && ch != '*')
		return HTTPSIG_R_MALFORMED;
	while ((ch = cur_peek(c)) >= 0 && (is_lcalpha(ch) || is_digit(ch) ||
	    ch == '_' || ch == '-' || ch == '.' || ch == '*')) {
		if (n >= HTTPSIG_NAME_MAX)
			return HTTPSIG_R_TOO_LARGE;
		out[n++] = (char)ch;
		c->p++;
	}
	out[n] = '\0';
	*out_len = n;
	return HTTPSIG_R_OK;
}

/* RFC 8941 3.3.3 string, unescaped into out (cap - 1 chars + NUL). */
static enum httpsig_reason
sf_string(struct cur *c, char *out, size_t cap, size_t *out_len)
{
	size_t n = 0;
	int ch;

	if (cur_peek(c) != '"')
		return HTTPSIG_R_MALFORMED;
	c->p++;
	for (;;) {
		if ((ch = cur_peek(c)) < 0)
			return HTTPSIG_R_MALFORMED;
		c->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = cur_peek(c);
			if (ch != '"' && ch != '\\')
				return HTTPSIG_R_MALFORMED;
			c->p++;
		} else if (ch < 0x20 || ch > 0x7e) {
			return HTTPSIG_R_MALFORMED;
		}
		if (n + 1 >= cap)
			return HTTPSIG_R_TOO_LARGE;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	*out_len = n;
	return HTTPSIG_R_OK;
}

/* RFC 8941 3.3.1 integer, narrowed: non-negative, no leading zeros. */
static enum httpsig_reason
sf_uint(struct cur *c, int64_t *out)
{
	int64_t v = 0;
	int n = 0, ch;

	if (!is_digit(cur_peek(c)))
		return HTTPSIG_R_MALFORMED;
	if (cur_peek(c) == '0' && c->p + 1 < c->end && is_digit(c->p[1]))
		return HTTPSIG_R_MALFORMED;
	while (is_digit(ch = cur_peek(c))) {
		if (++n > 15)		/* RFC 8941: at most 15 digits */
			return HTTPSIG_R_MALFORMED;
		v = v * 10 + (ch - '0');
		c->p++;
	}
	*out = v;
	return HTTPSIG_R_OK;
}

/* RFC 8941 3.3.5 byte sequence: returns the base64 text (validated later
 * by the strict decoder). */
static enum httpsig_reason
sf_bytes(struct cur *c, const char **b64, size_t *b64_len)
{
	const char *start;
	int ch;

	if (cur_peek(c) != ':')
		return HTTPSIG_R_MALFORMED;
	start = ++c->p;
	while ((ch = cur_peek(c)) >= 0 && ch != ':') {
		if (!(is_lcalpha(ch) || (ch >= 'A' && ch <= 'Z') ||
		    is_digit(ch) || ch == '+' || ch == '/' || ch == '='))
			return HTTPSIG_R_MALFORMED;
		c->p++;
	}
	if (ch != ':')
		return HTTPSIG_R_MALFORMED;
	*b64 = start;
	*b64_len = (size_t)(c->p - start);
	c->p++;
	return HTTPSIG_R_OK;
}

/* After a dictionary member: OWS, then end (*out_end 1) or "," OWS and
 * more (*out_end 0). LIEN_EPARSE for anything else, a trailing comma
 * included (the callers report it as HTTPSIG_R_MALFORMED). */
static enum lien_status LIEN_MUST_CHECK
dict_next(struct cur *c, int *out_end)
{
	*out_end = 0;
	skip_ows(c);
	if (c->p == c->end) {
		*out_end = 1;
		return LIEN_OK;
	}
	if (*c->p != ',')
		return LIEN_EPARSE;
	c->p++;
	skip_ows(c);
	return c->p == c->end ? LIEN_EPARSE : LIEN_OK;
}

/* Valid component identifier: a derived component we support, or a
 * lowercase field name (RFC 9110 token, lowercased: RFC 9421 2.1). */
static int
component_ok(const char *s, size_t n)
{
	static const char *const derived[] = {
		"@method", "@target-uri", "@authority", "@scheme", "@path",
		"@query",
	};

	if (n == 0)
		return 0;
	if (s[0] == '@') {
		for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
			if (strlen(derived[i]) == n && memcmp(derived[i], s, n) == 0)
				return 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (!(is_lcalpha(ch) || is_digit(ch) || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '!' || ch == '#' || ch == '$' ||
		    ch == '%' || ch == '&' || ch == '\'' || ch == '*' ||
		    ch == '+' || ch == '^' || ch == '`' || ch == '|' || ch == '~'))
			return 0;
	}
	return 1;
}

/* One Signature-Input member value: inner list of component strings,
 * then signature parameters (RFC 9421 2.3). */
static enum httpsig_reason
parse_inner(struct cur *c, struct siginput *si)
{
	enum httpsig_reason r;
	char name[HTTPSIG_NAME_MAX + 1];
	size_t nlen;

	if (cur_peek(c) != '(')
		return HTTPSIG_R_MALFORMED;
	c->p++;
	for (;;) {
		skip_sp(c);
		if (cur_peek(c) == ')') {
			c->p++;
			break;
		}
		if (si->ncomp >= HTTPSIG_COMPONENTS_MAX)
			return HTTPSIG_R_TOO_LARGE;
		r = sf_string(c, si->comp[si->ncomp], HTTPSIG_NAME_MAX + 1,
		    &si->comp_len[si->ncomp]);
		if (r != HTTPSIG_R_OK)
			return r;
		/* Component parameters (;sf ;key ;bs ;req ;tr ;name) are not
		 * supported: refusing beats silently signing something else. */
		if (!component_ok(si->comp[si->ncomp], si->comp_len[si->ncomp]))
			return HTTPSIG_R_MALFORMED;
		for (size_t i = 0; i < si->ncomp; i++)
			if (si->comp_len[i] == si->comp_len[si->ncomp] &&
			    memcmp(si->comp[i], si->comp[si->ncomp],
			    si->comp_len[i]) == 0)
				return HTTPSIG_R_MALFORMED;	/* 2.5: duplicate */
		si->ncomp++;
		if (cur_peek(c) != ' ' && cur_peek(c) != ')')
			return HTTPSIG_R_MALFORMED;
	}
	while (cur_peek(c) == ';') {
		enum sparam p;

		c->p++;
		skip_sp(c);
		if ((r = sf_key(c, name, &nlen)) != HTTPSIG_R_OK)
			return r;
		for (p = 0; p < P_COUNT; p++)
			if (strlen(sparam_names[p]) == nlen &&
			    memcmp(sparam_names[p], name, nlen) == 0)
				break;
		if (p == P_COUNT || si->have[p])
			return HTTPSIG_R_MALFORMED;	/* unknown or repeated */
		if (cur_peek(c) != '=')
			return HTTPSIG_R_MALFORMED;
		c->p++;
		switch (p) {
		case P_CREATED:
			r = sf_uint(c, &si->created);
			break;
		case P_EXPIRES:
			r = sf_uint(c, &si->expires);
			break;
		case P_NONCE:
			r = sf_string(c, si->nonce.s, sizeof(si->nonce.s),
			    &si->nonce.len);
			break;
		case P_KEYID:
			r = sf_string(c, si->keyid.s, sizeof(si->keyid.s),
			    &si->keyid.len);
			break;
		case P_ALG:
			r = sf_string(c, si->alg.s, sizeof(si->alg.s),
			    &si->alg.len);
			break;
		case P_TAG:
		default:
			r = sf_string(c, si->tag.s, sizeof(si->tag.s),
			    &si->tag.len);
			break;
		}
		if (r != HTTPSIG_R_OK)
			return r;
		si->have[p] = 1;
		si->order[si->nparams++] = p;
	}
	return HTTPSIG_R_OK;
}

/* Signature-Input: dictionary of inner lists. */
static enum httpsig_reason
parse_siginput(const char *v, size_t len, struct siginput *out, size_t *n)
{
	struct cur c = { v, v + len };
	enum httpsig_reason r;
	int end;

	*n = 0;
	skip_ows(&c);
	if (c.p == c.end)
		return HTTPSIG_R_MALFORMED;
	for (;;) {
		struct siginput *si;

		if (*n >= HTTPSIG_LABELS_MAX)
			return HTTPSIG_R_TOO_LARGE;
		si = &out[*n];
		memset(si, 0, sizeof(*si));
		si->created = si->expires = -1;
		if ((r = sf_key(&c, si->label, &si->label_len)) != HTTPSIG_R_OK)
			return r;
		for (size_t i = 0; i < *n; i++)
			if (out[i].label_len == si->label_len &&
			    memcmp(out[i].label, si->label, si->label_len) == 0)
				return HTTPSIG_R_MALFORMED;	/* dup key */
		if (cur_peek(&c) != '=')
			return HTTPSIG_R_MALFORMED;
		c.p++;
		if ((r = parse_inner(&c, si)) != HTTPSIG_R_OK)
			return r;
		(*n)++;
		if (dict_next(&c, &end) != LIEN_OK)
			return HTTPSIG_R_MALFORMED;
		if (end)
			return HTTPSIG_R_OK;
	}
}

/* Signature (and Content-Digest): dictionary of byte sequences, no
 * parameters. */
static enum httpsig_reason
parse_bytes_dict(const char *v, size_t len, struct sigval *out, size_t max,
    size_t *n)
{
	struct cur c = { v, v + len };
	enum httpsig_reason r;
	int end;

	*n = 0;
	skip_ows(&c);
	if (c.p == c.end)
		return HTTPSIG_R_MALFORMED;
	for (;;) {
		struct sigval *sv;

		if (*n >= max)
			return HTTPSIG_R_TOO_LARGE;
		sv = &out[*n];
		if ((r = sf_key(&c, sv->label, &sv->label_len)) != HTTPSIG_R_OK)
			return r;
		for (size_t i = 0; i < *n; i++)
			if (out[i].label_len == sv->label_len &&
			    memcmp(out[i].label, sv->label, sv->label_len) == 0)
				return HTTPSIG_R_MALFORMED;
		if (cur_peek(&c) != '=')
			return HTTPSIG_R_MALFORMED;
		c.p++;
		if ((r = sf_bytes(&c, &sv->b64, &sv->b64_len)) != HTTPSIG_R_OK)
			return r;
		(*n)++;
		if (dict_next(&c, &end) != LIEN_OK)
			return HTTPSIG_R_MALFORMED;
		if (end)
			return HTTPSIG_R_OK;
	}
}

/* ---- output buffer -------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;	/* cap includes room for the NUL */
	int overflow;
};

static void
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void
buf_put_u64(struct buf *b, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = (uint64_t)v;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && n < sizeof(tmp));
	buf_put(b, tmp + sizeof(tmp) - n, n);
}

/* RFC 8941 4.1.6 string serialization. */
static void
buf_put_sfstring(struct buf *b, const char *s, size_t n)
{
	buf_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_put(b, "\\", 1);
		buf_put(b, s + i, 1);
	}
	buf_put(b, "\"", 1);
}

/* The inner list with parameters, canonically (RFC 9421 2.3). */
static void
serialize_params(struct buf *b, const struct siginput *si)
{
	buf_put(b, "(", 1);
	for (size_t i = 0; i < si->ncomp; i++) {
		if (i > 0)
			buf_put(b, " ", 1);
		buf_put_sfstring(b, si->comp[i], si->comp_len[i]);
	}
	buf_put(b, ")", 1);
	for (size_t i = 0; i < si->nparams; i++) {
		enum sparam p = si->order[i];

		buf_put(b, ";", 1);
		buf_puts(b, sparam_names[p]);
		buf_put(b, "=", 1);
		switch (p) {
		case P_CREATED:
			buf_put_u64(b, si->created);
			break;
		case P_EXPIRES:
			buf_put_u64(b, si->expires);
			break;
		case P_NONCE:
			buf_put_sfstring(b, si->nonce.s, si->nonce.len);
			break;
		case P_KEYID:
			buf_put_sfstring(b, si->keyid.s, si->keyid.len);
			break;
		case P_ALG:
			buf_put_sfstring(b, si->alg.s, si->alg.len);
			break;
		case P_TAG:
		default:
			buf_put_sfstring(b, si->tag.s, si->tag.len);
			break;
		}
	}
}

/* ---- request access -------------------------------------------------------- */

static void
trim_ows(const char **v, size_t *n)
{
	while (*n > 0 && ((*v)[0] == ' ' || (*v)[0] == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

/* The only line of header `name` (lowercase). Returns the count of lines
 * found (0, 1 or 2 meaning "more than one"); v and n are set for count 1. */
static int
header_single(const struct httpsig_request *req, const char *name,
    const char **v, size_t *n)
{
	int count = 0;

	for (size_t i = 0; i < req->nheaders; i++) {
		const struct httpsig_header *h = &req->headers[i];

		if (!ascii_name_eq(h->name, h->name_len, name))
			continue;
		if (++count > 1)
			return 2;
		*v = h->value;
		*n = h->value_len;
		trim_ows(v, n);
	}
	return count;
}

/* Value bytes allowed in a signature base line: visible ASCII, SP, HTAB,
 * obs-text; never CR, LF or NUL (they would forge extra base lines). */
static int
value_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x20 && ch != '\t')
			return 0;
		if (ch == 0x7f)
			return 0;
	}
	return 1;
}

static void
buf_put_lower(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + ('a' - 'A'));
		buf_put(b, &ch, 1);
	}
}

/* Append one component value (RFC 9421 2.1, 2.2). digest_override, when
 * not NULL, is the value used for "content-digest" (signing). */
static enum httpsig_reason
put_component(struct buf *b, const struct httpsig_request *req,
    const char *name, size_t nlen, const char *digest_override)
{
	if (name[0] != '@') {
		int found = 0;

		if (digest_override != NULL &&
		    ascii_name_eq(name, nlen, "content-digest")) {
			buf_puts(b, digest_override);
			return HTTPSIG_R_OK;
		}
		/* 2.1: values of all lines, OWS-trimmed, joined by ", ". */
		for (size_t i = 0; i < req->nheaders; i++) {
			const struct httpsig_header *h = &req->headers[i];
			const char *v = h->value;
			size_t n = h->value_len;

			if (h->name_len != nlen ||
			    !ascii_name_eq(h->name, h->name_len, name))
				continue;
			trim_ows(&v, &n);
			if (!value_ok(v, n))
				return HTTPSIG_R_MALFORMED;
			if (found++)
				buf_put(b, ", ", 2);
			buf_put(b, v, n);
		}
		return found ? HTTPSIG_R_OK : HTTPSIG_R_FIELD_ABSENT;
	}
	if (strcmp(name, "@method") == 0) {
		buf_put(b, req->method, req->method_len);	/* 2.2.1: as is */
	} else if (strcmp(name, "@authority") == 0) {
		buf_put_lower(b, req->authority, req->authority_len);
	} else if (strcmp(name, "@scheme") == 0) {
		buf_put_lower(b, req->scheme, req->scheme_len);
	} else if (strcmp(name, "@target-uri") == 0) {
		buf_put_lower(b, req->scheme, req->scheme_len);
		buf_put(b, "://", 3);
		buf_put_lower(b, req->authority, req->authority_len);
		if (req->path_len == 0)
			buf_put(b, "/", 1);
		buf_put(b, req->path, req->path_len);
		if (req->query != NULL) {
			buf_put(b, "?", 1);
			buf_put(b, req->query, req->query_len);
		}
	} else if (strcmp(name, "@path") == 0) {
		if (req->path_len == 0)			/* 2.2.6 */
			buf_put(b, "/", 1);
		buf_put(b, req->path, req->path_len);
	} else if (strcmp(name, "@query") == 0) {
		buf_put(b, "?", 1);			/* 2.2.7: "?" if none */
		if (req->query != NULL)
			buf_put(b, req->query, req->query_len);
	} else {
		return HTTPSIG_R_MALFORMED;
	}
	return HTTPSIG_R_OK;
}

static int
request_ok(const struct httpsig_request *r)
{
	return r->method != NULL && r->method_len > 0 &&
	    r->scheme != NULL && r->authority != NULL &&
	    (r->path != NULL || r->path_len == 0) &&
	    (r->headers != NULL || r->nheaders == 0) &&
	    (r->body != NULL || r->body_len == 0) &&
	    value_ok(r->method, r->method_len) &&
	    value_ok(r->scheme, r->scheme_len) &&
	    value_ok(r->authority, r->authority_len) &&
	    (r->path == NULL || value_ok(r->path, r->path_len)) &&
	    (r->query == NULL || value_ok(r->query, r->query_len));
}

/* RFC 9421 2.5: one line per component, then "@signature-params". */
static enum httpsig_reason
build_base(struct buf *b, const struct httpsig_request *req,
    const struct siginput *si, const char *digest_override)
{
	enum httpsig_reason r;

	for (size_t i = 0; i < si->ncomp; i++) {
		buf_put(b, "\"", 1);
		buf_put(b, si->comp[i], si->comp_len[i]);
		buf_put(b, "\": ", 3);
		r = put_component(b, req, si->comp[i], si->comp_len[i],
		    digest_override);
		if (r != HTTPSIG_R_OK)
			return r;
		buf_put(b, "\n", 1);
	}
	buf_puts(b, "\"@signature-params\": ");
	serialize_params(b, si);
	return b->overflow ? HTTPSIG_R_TOO_LARGE : HTTPSIG_R_OK;
}

enum lien_status
httpsig_content_digest(const uint8_t *body, size_t len, char *out, size_t cap)
{
	uint8_t d[HASH_LEN];
	char b64[B64_ENCODED_LEN(HASH_LEN) + 1];

	if (out == NULL || (body == NULL && len > 0))
		return LIEN_EINVAL;
	if (cap < HTTPSIG_DIGEST_LEN + 1)
		return LIEN_ETOOBIG;
	hash_sha256(body, len, d);
	if (b64_encode(d, sizeof(d), b64, sizeof(b64)) != LIEN_OK)
		return LIEN_EINVAL;
	memcpy(out, "sha-256=:", 9);
	memcpy(out + 9, b64, 44);
	out[53] = ':';
	out[54] = '\0';
	return LIEN_OK;
}

/* RFC 9530 2: Content-Digest is a dictionary alg -> byte sequence. Only
 * sha-256 is checked; other members must still parse. */
static enum httpsig_reason
check_digest(const struct httpsig_request *req, int required)
{
	struct sigval m[8];
	const char *v = NULL;
	size_t n = 0, nm = 0;
	uint8_t want[HASH_LEN], got[HASH_LEN + 1];
	size_t got_len = 0;
	enum httpsig_reason r;
	int cnt = header_single(req, "content-digest", &v, &n);

	if (cnt > 1)
		return HTTPSIG_R_DUPLICATE;
	if (cnt == 0)
		return required ? HTTPSIG_R_DIGEST_MISSING : HTTPSIG_R_OK;
	if (n > HTTPSIG_FIELD_MAX)
		return HTTPSIG_R_TOO_LARGE;
	if ((r = parse_bytes_dict(v, n, m, 8, &nm)) != HTTPSIG_R_OK)
		return r;
	for (size_t i = 0; i < nm; i++) {
		if (strcmp(m[i].label, "sha-256") != 0)
			continue;
		if (b64_decode(m[i].b64, m[i].b64_len, got, sizeof(got),
		    &got_len) != LIEN_OK || got_len != HASH_LEN)
			return HTTPSIG_R_MALFORMED;
		hash_sha256(req->body, req->body_len, want);
		return hash_equal(want, got) ? HTTPSIG_R_OK :
		    HTTPSIG_R_DIGEST_MISMATCH;
	}
	return required ? HTTPSIG_R_DIGEST_MISSING : HTTPSIG_R_OK;
}

static enum lien_status LIEN_MUST_CHECK
status_of(enum httpsig_reason r)
{
	switch (r) {
	case HTTPSIG_R_OK:
		return LIEN_OK;
	case HTTPSIG_R_MISSING:
	case HTTPSIG_R_DUPLICATE:
	case HTTPSIG_R_MALFORMED:
	case HTTPSIG_R_LABEL:
		return LIEN_EPARSE;
	case HTTPSIG_R_TOO_LARGE:
		return LIEN_ETOOBIG;
	case HTTPSIG_R_UNKNOWN_KEYID:
		return LIEN_EKEY;
	case HTTPSIG_R_CREATED_WINDOW:
	case HTTPSIG_R_EXPIRED:
		return LIEN_ERANGE;
	case HTTPSIG_R_ALG_UNSUPPORTED:
		return LIEN_EUNSUPPORTED;
	default:
		return LIEN_EVERIFY;
	}
}

static int
covers(const struct siginput *si, const char *name)
{
	for (size_t i = 0; i < si->ncomp; i++)
		if (strcmp(si->comp[i], name) == 0)
			return 1;
	return 0;
}

void
httpsig_policy_init(struct httpsig_policy *pol, int64_t now,
    httpsig_key_fn key_fn, void *key_arg)
{
	memset(pol, 0, sizeof(*pol));
	pol->now = now;
	pol->window = HTTPSIG_WINDOW_DEFAULT;
	pol->require = HTTPSIG_REQ_LIENLOG;
	pol->key_fn = key_fn;
	pol->key_arg = key_arg;
}

/* Parse both fields and pick the label: the shared front half of
 * httpsig_verify and httpsig_base_build. sis has HTTPSIG_LABELS_MAX
 * slots; *si / *sv point into sis / svs. */
static enum httpsig_reason
locate(const struct httpsig_request *req, const char *label,
    struct siginput *sis, struct sigval *svs, const struct siginput **si,
    const struct sigval **sv)
{
	const char *vi = NULL, *vs = NULL;
	size_t ni = 0, ns = 0, nsi = 0, nsv = 0;
	enum httpsig_reason r;
	int ci, cs;

	if (req->nheaders > API_HEADERS_MAX)
		return HTTPSIG_R_TOO_LARGE;
	ci = header_single(req, "signature-input", &vi, &ni);
	cs = header_single(req, "signature", &vs, &ns);
	if (ci > 1 || cs > 1)
		return HTTPSIG_R_DUPLICATE;
	if (ci == 0 || cs == 0)
		return HTTPSIG_R_MISSING;
	if (ni > HTTPSIG_FIELD_MAX || ns > HTTPSIG_FIELD_MAX)
		return HTTPSIG_R_TOO_LARGE;
	if ((r = parse_siginput(vi, ni, sis, &nsi)) != HTTPSIG_R_OK)
		return r;
	if ((r = parse_bytes_dict(vs, ns, svs, HTTPSIG_LABELS_MAX, &nsv)) !=
	    HTTPSIG_R_OK)
		return r;
	/* The two dictionaries must name the same labels. */
	if (nsi != nsv)
		return HTTPSIG_R_LABEL;
	for (size_t i = 0; i < nsi; i++) {
		size_t j;

		for (j = 0; j < nsv; j++)
			if (strcmp(sis[i].label, svs[j].label) == 0)
				break;
		if (j == nsv)
			return HTTPSIG_R_LABEL;
	}
	*si = NULL;
	if (label == NULL) {
		if (nsi != 1)
			return HTTPSIG_R_LABEL;	/* ambiguous */
		*si = &sis[0];
	} else {
		for (size_t i = 0; i < nsi; i++)
			if (strcmp(sis[i].label, label) == 0)
				*si = &sis[i];
		if (*si == NULL)
			return HTTPSIG_R_LABEL;
	}
	for (size_t j = 0; j < nsv; j++)
		if (strcmp(svs[j].label, (*si)->label) == 0)
			*sv = &svs[j];
	return HTTPSIG_R_OK;
}

/* The default detail of a refusal (httpsig_result.detail) when the check
 * that failed has nothing more specific to say. */
static const char *
reason_sentence(enum httpsig_reason r)
{
	switch (r) {
	case HTTPSIG_R_MISSING:
		return "no Signature-Input or no Signature header field";
	case HTTPSIG_R_DUPLICATE:
		return "Signature-Input, Signature or Content-Digest sent more "
		    "than once";
	case HTTPSIG_R_MALFORMED:
		return "Signature-Input, Signature or Content-Digest is not "
		    "strict RFC 8941 as RFC 9421 uses it (or uses a refused "
		    "construct: docs/request-signing.md)";
	case HTTPSIG_R_TOO_LARGE:
		return "a signature field, label, component list or signature "
		    "base exceeds its limit (docs/request-signing.md)";
	case HTTPSIG_R_LABEL:
		return "the labels of Signature-Input and Signature differ, or "
		    "more than one signature was sent";
	case HTTPSIG_R_FIELD_ABSENT:
		return "a covered header field is not in the request";
	case HTTPSIG_R_DIGEST_MISSING:
		return "no Content-Digest with a sha-256 member";
	case HTTPSIG_R_DIGEST_MISMATCH:
		return "Content-Digest does not match the body";
	default:
		return "the signature is refused";
	}
}

/* Scratch for one verification: too big for a 100 KiB worker stack
 * alongside everything else, so it is heap-allocated once per call. */
struct scratch {
	struct siginput sis[HTTPSIG_LABELS_MAX];
	struct sigval svs[HTTPSIG_LABELS_MAX];
	char base[HTTPSIG_BASE_MAX + 1];
};

enum lien_status
httpsig_verify(const struct httpsig_request *req,
    const struct httpsig_policy *pol, struct httpsig_result *res)
{
	enum httpsig_reason r;
	enum lien_status st = LIEN_OK;
	struct scratch *s = NULL;
	const struct siginput *si = NULL;
	const struct sigval *sv = NULL;
	const struct pkey *key = NULL;
	struct buf b;
	uint8_t sig[PKEY_SIG_MAX];
	size_t sig_len = 0;
	uint32_t q;

	if (res == NULL)
		return LIEN_EINVAL;
	memset(res, 0, sizeof(*res));
	res->created = res->expires = -1;
	res->reason = HTTPSIG_R_MALFORMED;
#define DETAIL(...) \
	(void)snprintf(res->detail, sizeof(res->detail), __VA_ARGS__)
	if (req == NULL || pol == NULL || pol->key_fn == NULL ||
	    pol->window < 0 || !request_ok(req))
		return LIEN_EINVAL;
	if ((s = malloc(sizeof(*s))) == NULL)
		return LIEN_ENOMEM;
	if ((r = locate(req, pol->label, s->sis, s->svs, &si, &sv)) !=
	    HTTPSIG_R_OK)
		goto out;

	memcpy(res->label, si->label, si->label_len + 1);
	memcpy(res->keyid, si->keyid.s, si->keyid.len + 1);
	res->keyid_len = si->keyid.len;
	memcpy(res->nonce, si->nonce.s, si->nonce.len + 1);
	res->nonce_len = si->nonce.len;
	memcpy(res->tag, si->tag.s, si->tag.len + 1);
	res->tag_len = si->tag.len;
	res->created = si->created;
	res->expires = si->expires;

	/* Policy: covered components, then parameters. */
	q = pol->require;
	r = HTTPSIG_R_COMPONENT_MISSING;
	if ((q & HTTPSIG_REQ_METHOD) && !covers(si, "@method")) {
		DETAIL("covered components lack \"@method\"");
		goto out;
	}
	if ((q & HTTPSIG_REQ_TARGET) && !covers(si, "@target-uri") &&
	    !covers(si, "@path")) {
		DETAIL("covered components lack \"@path\" (or "
		    "\"@target-uri\")");
		goto out;
	}
	if ((q & HTTPSIG_REQ_DIGEST) && !covers(si, "content-digest")) {
		DETAIL("covered components lack \"content-digest\" "
		    "(required on a write: the body must be signed)");
		goto out;
	}
	if ((q & HTTPSIG_REQ_QUERY) && req->query != NULL &&
	    !covers(si, "@query") && !covers(si, "@target-uri")) {
		DETAIL("covered components lack \"@query\" (or "
		    "\"@target-uri\"): the URL has a query");
		goto out;
	}
	if ((q & HTTPSIG_REQ_IDEMKEY) && !covers(si, "idempotency-key")) {
		DETAIL("covered components lack \"idempotency-key\": the "
		    "request sends an Idempotency-Key, which must be signed");
		goto out;
	}
	r = HTTPSIG_R_PARAM_MISSING;
	if ((q & HTTPSIG_REQ_CREATED) && !si->have[P_CREATED]) {
		DETAIL("no created parameter (Unix seconds)");
		goto out;
	}
	if ((q & HTTPSIG_REQ_NONCE) && (!si->have[P_NONCE] ||
	    si->nonce.len == 0)) {
		DETAIL("no nonce parameter (or an empty one): a fresh nonce is "
		    "required on every request (docs/request-signing.md)");
		goto out;
	}
	if ((q & HTTPSIG_REQ_KEYID) && !si->have[P_KEYID]) {
		DETAIL("no keyid parameter");
		goto out;
	}
	if ((q & HTTPSIG_REQ_ALG) && !si->have[P_ALG]) {
		DETAIL("no alg parameter");
		goto out;
	}
	r = HTTPSIG_R_MALFORMED;
	if (si->have[P_CREATED] && si->have[P_EXPIRES] &&
	    si->expires < si->created) {
		DETAIL("expires is before created");
		goto out;
	}
	/* RFC 9421 3.2.1: created in the future or too old, expires past.
	 * Values are <= 15 digits, so the arithmetic cannot overflow. */
	if (si->have[P_CREATED] && (si->created > pol->now + pol->window ||
	    si->created < pol->now - pol->window)) {
		r = HTTPSIG_R_CREATED_WINDOW;
		DETAIL("created is %lld s %s the server's clock (window +-%lld "
		    "s): check the signing machine's clock (NTP)",
		    (long long)(si->created > pol->now ? si->created - pol->now :
		    pol->now - si->created), si->created > pol->now ?
		    "ahead of" : "behind", (long long)pol->window);
		goto out;
	}
	if (si->have[P_EXPIRES] && si->expires < pol->now) {
		r = HTTPSIG_R_EXPIRED;
		DETAIL("expires was %lld s ago", (long long)(pol->now -
		    si->expires));
		goto out;
	}

	/* Key, then algorithm: the key decides; alg may only agree. */
	if (!si->have[P_KEYID]) {
		r = HTTPSIG_R_UNKNOWN_KEYID;
		goto out;
	}
	st = pol->key_fn(pol->key_arg, si->keyid.s, si->keyid.len, &key);
	if (st == LIEN_EKEY || (st == LIEN_OK && key == NULL)) {
		st = LIEN_OK;
		r = HTTPSIG_R_UNKNOWN_KEYID;
		DETAIL("no key is known under keyid \"%.80s%s\"", si->keyid.s,
		    si->keyid.len > 80 ? "..." : "");
		goto out;
	}
	if (st != LIEN_OK)
		goto out;
	res->key = key;
	res->alg = pkey_alg_get(key);
	if (si->have[P_ALG]) {
		enum pkey_alg named = alg_from_name(si->alg.s, si->alg.len);

		if (named == PKEY_NONE) {
			r = HTTPSIG_R_ALG_UNSUPPORTED;
			DETAIL("alg \"%.40s\" is none of ed25519, "
			    "ecdsa-p256-sha256, sm2-sm3 (alg may be left out: "
			    "the key decides)", si->alg.s);
			goto out;
		}
		if (named != res->alg) {
			r = HTTPSIG_R_ALG_MISMATCH;
			DETAIL("alg \"%s\" but the key of this keyid is %s",
			    httpsig_alg_name(named),
			    httpsig_alg_name(res->alg) != NULL ?
			    httpsig_alg_name(res->alg) : "another type");
			goto out;
		}
	}

	b = (struct buf){ s->base, 0, sizeof(s->base), 0 };
	s->base[0] = '\0';
	if ((r = build_base(&b, req, si, NULL)) != HTTPSIG_R_OK) {
		if (r == HTTPSIG_R_FIELD_ABSENT)
			for (size_t i = 0; i < si->ncomp; i++) {
				const char *v;
				size_t n;

				if (si->comp[i][0] != '@' && header_single(req,
				    si->comp[i], &v, &n) == 0) {
					DETAIL("covered header field \"%s\" is "
					    "not in the request", si->comp[i]);
					break;
				}
			}
		goto out;
	}
	/* All three algorithms sign with 64 raw bytes; anything else, or
	 * non-canonical base64, is simply a bad signature. */
	if (b64_decode(sv->b64, sv->b64_len, sig, sizeof(sig), &sig_len) !=
	    LIEN_OK || pkey_verify(key, PKEY_SIG_RAW, b.p, b.len, sig,
	    sig_len) != LIEN_OK) {
		r = HTTPSIG_R_BAD_SIGNATURE;
		if (sig_len != 64)
			DETAIL("the signature is not 64 bytes of canonical "
			    "base64 (r||s or Ed25519 R||S, never DER)");
		else
			DETAIL("the %s signature does not verify under the key "
			    "of this keyid over the base rebuilt from the "
			    "request as received (method, %s, covered fields): "
			    "wrong key, or a component changed on the way (a "
			    "proxy rewriting Host or the path?)",
			    httpsig_alg_name(res->alg) != NULL ?
			    httpsig_alg_name(res->alg) : "", covers(si,
			    "@target-uri") ? "@target-uri" : "@path/@authority");
		goto out;
	}
	r = check_digest(req, (q & HTTPSIG_REQ_DIGEST) != 0);
	if (r == HTTPSIG_R_DIGEST_MISMATCH)
		DETAIL("Content-Digest sha-256 is not the SHA-256 of the %zu "
		    "body bytes received: the body changed after signing "
		    "(send it byte for byte)", req->body_len);
out:
	free(s);
	if (r != HTTPSIG_R_OK && res->detail[0] == '\0')
		DETAIL("%s", reason_sentence(r));
#undef DETAIL
	res->reason = st != LIEN_OK ? HTTPSIG_R_MALFORMED : r;
	if (st != LIEN_OK)
		return st;
	return status_of(r);
}

enum lien_status
httpsig_base_build(const struct httpsig_request *req, const char *label,
    char *out, size_t cap, size_t *out_len, enum httpsig_reason *why)
{
	struct scratch *s;
	const struct siginput *si = NULL;
	const struct sigval *sv = NULL;
	enum httpsig_reason r;
	struct buf b;

	if (why != NULL)
		*why = HTTPSIG_R_MALFORMED;
	if (out_len != NULL)
		*out_len = 0;
	if (req == NULL || out == NULL || cap == 0 || out_len == NULL ||
	    !request_ok(req))
		return LIEN_EINVAL;
	out[0] = '\0';
	if ((s = malloc(sizeof(*s))) == NULL)
		return LIEN_ENOMEM;
	r = locate(req, label, s->sis, s->svs, &si, &sv);
	if (r == HTTPSIG_R_OK) {
		b = (struct buf){ out, 0, cap, 0 };
		r = build_base(&b, req, si, NULL);
		if (r == HTTPSIG_R_OK)
			*out_len = b.len;
		else
			out[0] = '\0';
	}
	free(s);
	if (why != NULL)
		*why = r;
	return status_of(r);
}

/* ---- signing ------------------------------------------------------------------ */

static int
cstr_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

enum lien_status
httpsig_sign(const struct httpsig_request *req, const struct pkey *key,
    const struct httpsig_sign_params *p, struct httpsig_signed *out)
{
	static const char *const def_comps[] = {
		"@method", "@target-uri", "content-digest",
	};
	enum lien_status st = LIEN_EINVAL;
	struct siginput *si = NULL;
	char *base = NULL;
	const char *const *comps;
	const char *label, *alg;
	size_t ncomps;
	struct buf b;
	uint8_t sig[PKEY_SIG_MAX], rnd[16];
	size_t sig_len = 0;
	char sig64[B64_ENCODED_LEN(PKEY_SIG_MAX) + 1];
	enum httpsig_reason r;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (req == NULL || key == NULL || p == NULL || !request_ok(req) ||
	    p->created < 0 || p->created > 999999999999999 ||
	    p->expires > 999999999999999 ||
	    (p->expires >= 0 && p->expires < p->created) ||
	    !cstr_ok(p->keyid, HTTPSIG_PARAM_MAX) ||
	    (p->nonce != NULL && !cstr_ok(p->nonce, HTTPSIG_PARAM_MAX)) ||
	    (p->tag != NULL && !cstr_ok(p->tag, HTTPSIG_PARAM_MAX)))
		return LIEN_EINVAL;
	if (!pkey_is_private(key))
		return LIEN_EKEY;
	if ((alg = httpsig_alg_name(pkey_alg_get(key))) == NULL)
		return LIEN_EUNSUPPORTED;
	label = p->label != NULL ? p->label : "sig1";
	comps = p->components != NULL ? p->components : def_comps;
	ncomps = p->components != NULL ? p->ncomponents :
	    sizeof(def_comps) / sizeof(def_comps[0]);
	if (ncomps > HTTPSIG_COMPONENTS_MAX)
		return LIEN_ETOOBIG;
	if ((si = calloc(1, sizeof(*si))) == NULL ||
	    (base = malloc(HTTPSIG_BASE_MAX + 1)) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	/* Fill a siginput as the verifier will parse it. */
	{
		struct cur c = { label, label + strlen(label) };

		if (sf_key(&c, si->label, &si->label_len) != HTTPSIG_R_OK ||
		    c.p != c.end)
			goto out;
	}
	for (size_t i = 0; i < ncomps; i++) {
		size_t n = comps[i] != NULL ? strlen(comps[i]) : 0;

		if (n == 0 || n > HTTPSIG_NAME_MAX || !component_ok(comps[i], n))
			goto out;
		for (size_t j = 0; j < i; j++)
			if (strcmp(comps[i], comps[j]) == 0)
				goto out;
		memcpy(si->comp[i], comps[i], n + 1);
		si->comp_len[i] = n;
	}
	si->ncomp = ncomps;
	si->created = p->created;
	si->order[si->nparams++] = P_CREATED;
	si->have[P_CREATED] = 1;
	if (p->expires >= 0) {
		si->expires = p->expires;
		si->order[si->nparams++] = P_EXPIRES;
		si->have[P_EXPIRES] = 1;
	}
	if (p->nonce != NULL) {
		si->nonce.len = strlen(p->nonce);
		memcpy(si->nonce.s, p->nonce, si->nonce.len + 1);
	} else {
		/* 128 random bits: collisions within a window are moot. */
		lcrypto_random(rnd, sizeof(rnd));
		if (jws_b64url_encode(rnd, sizeof(rnd), si->nonce.s,
		    sizeof(si->nonce.s)) != LIEN_OK)
			goto out;
		si->nonce.len = strlen(si->nonce.s);
	}
	si->order[si->nparams++] = P_NONCE;
	si->have[P_NONCE] = 1;
	si->keyid.len = strlen(p->keyid);
	memcpy(si->keyid.s, p->keyid, si->keyid.len + 1);
	si->order[si->nparams++] = P_KEYID;
	si->have[P_KEYID] = 1;
	if (!p->omit_alg) {
		si->alg.len = strlen(alg);
		memcpy(si->alg.s, alg, si->alg.len + 1);
		si->order[si->nparams++] = P_ALG;
		si->have[P_ALG] = 1;
	}
	if (p->tag != NULL) {
		si->tag.len = strlen(p->tag);
		memcpy(si->tag.s, p->tag, si->tag.len + 1);
		si->order[si->nparams++] = P_TAG;
		si->have[P_TAG] = 1;
	}
	if ((st = httpsig_content_digest(req->body, req->body_len,
	    out->content_digest, sizeof(out->content_digest))) != LIEN_OK)
		goto out;
	b = (struct buf){ base, 0, HTTPSIG_BASE_MAX + 1, 0 };
	base[0] = '\0';
	r = build_base(&b, req, si, out->content_digest);
	if (r != HTTPSIG_R_OK) {
		st = r == HTTPSIG_R_TOO_LARGE ? LIEN_ETOOBIG :
		    r == HTTPSIG_R_FIELD_ABSENT ? LIEN_EPARSE : LIEN_EINVAL;
		goto out;
	}
	if ((st = pkey_sign(key, PKEY_SIG_RAW, b.p, b.len, sig, sizeof(sig),
	    &sig_len)) != LIEN_OK)
		goto out;
	if ((st = b64_encode(sig, sig_len, sig64, sizeof(sig64))) != LIEN_OK)
		goto out;
	b = (struct buf){ out->signature_input, 0,
	    sizeof(out->signature_input), 0 };
	buf_put(&b, si->label, si->label_len);
	buf_put(&b, "=", 1);
	serialize_params(&b, si);
	if (b.overflow) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	b = (struct buf){ out->signature, 0, sizeof(out->signature), 0 };
	buf_put(&b, si->label, si->label_len);
	buf_put(&b, "=:", 2);
	buf_puts(&b, sig64);
	buf_put(&b, ":", 1);
	st = b.overflow ? LIEN_ETOOBIG : LIEN_OK;
out:
	free(si);
	free(base);
	if (st != LIEN_OK)
		memset(out, 0, sizeof(*out));
	return st;
}
