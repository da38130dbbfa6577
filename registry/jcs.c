/*
 * RFC 8785 canonical JSON over jansson trees, and the strict JSON reader.
 *
 * Writer: a recursive walk (depth capped by JCS_DEPTH_MAX, so the stack is
 * bounded) into a byte buffer that either grows (jcs_serialize) or is the
 * caller's (jcs_write). Object members are written in RFC 8785 3.2.3 order:
 * the keys are gathered into a small array and sorted by UTF-16 code
 * units. Every string is re-validated as UTF-8 here, because jansson's
 * *_nocheck constructors can hold anything and a canonical form of invalid
 * text does not exist.
 *
 * Readers, two:
 * - the canonical reader (jcs_read_canonical): one pass over the bytes
 *   that accepts only the exact canonical form (no whitespace, members in
 *   order, the writer's escapes and integers) and builds the tree as it
 *   goes, every length and count capped, strings borrowed from the input
 *   until jansson copies them: no lexer buffer, no re-serialisation to
 *   compare. Every state record and registry payload is canonical, so the
 *   replay and the sequencer take this path.
 * - the reference reader (jcs_parse_reference): a linear pre-scan of the
 *   raw bytes enforces what jansson cannot be told (nesting depth before
 *   any recursion, no reals, no "-0"), then jansson parses with duplicate
 *   keys refused and a post-walk checks the integer range, string and
 *   member caps; canonical text must then re-serialise to the same bytes.
 *   jansson itself refuses invalid UTF-8, lone surrogate escapes, U+0000
 *   and trailing bytes.
 * jcs_parse and jcs_parse_canonical try the first and fall back to the
 * second for anything it does not accept, so their verdicts and statuses
 * are the reference's; tests/fuzz/fuzz_jcs_reader.c holds the first to
 * "accepted => the reference accepts the same value".
 *
 * Not here: ECMAScript number formatting (reals are outside the subset).
 */
#include "registry/jcs.h"

#include "common/hex.h"

#include <stdlib.h>
#include <string.h>

struct jbuf {
	uint8_t *p;
	size_t len, cap;
	int fixed;		/* caller's buffer: never realloc */
};

static enum lien_status LIEN_MUST_CHECK
jbuf_put(struct jbuf *b, const void *src, size_t n)
{
	if (n > JCS_TEXT_MAX || b->len > JCS_TEXT_MAX - n)
		return LIEN_ETOOBIG;
	/* a growing buffer always keeps one spare byte for the final NUL */
	if (n > b->cap - b->len || (!b->fixed && n == b->cap - b->len)) {
		size_t ncap;
		uint8_t *np;

		if (b->fixed)
			return LIEN_ETOOBIG;
		ncap = b->cap ? b->cap : 256;
		while (ncap - b->len < n + 1)	/* +1: room for a final NUL */
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return LIEN_ENOMEM;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
jbuf_byte(struct jbuf *b, uint8_t c)
{
	return jbuf_put(b, &c, 1);
}

/* Decode one UTF-8 sequence at s[*i] (RFC 3629: shortest form, no
 * surrogates, <= U+10FFFF). Returns the code point, or -1 if invalid. */
static int32_t
utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint32_t c = s[*i], cp, min;
	size_t n;

	if (c < 0x80) {
		(*i)++;
		return (int32_t)c;
	} else if ((c & 0xE0) == 0xC0) {
		n = 1, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 2, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 3, cp = c & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n > len - *i - 1)
		return -1;
	for (size_t k = 1; k <= n; k++) {
		uint8_t t = s[*i + k];

		if ((t & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (t & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += n + 1;
	return (int32_t)cp;
}

/* Iterator over the UTF-16 code units of a UTF-8 string. An invalid byte
 * yields 0x10000 + byte: outside the UTF-16 range, so the order stays
 * total and deterministic (valid input never reaches it). */
struct u16it {
	const uint8_t *s;
	size_t len, i;
	uint32_t low;		/* pending low surrogate, 0 if none */
};

static int
u16it_next(struct u16it *it, uint32_t *unit)
{
	int32_t cp;
	size_t at = it->i;

	if (it->low) {
		*unit = it->low;
		it->low = 0;
		return 1;
	}
	if (it->i >= it->len)
		return 0;
	if ((cp = utf8_next(it->s, it->len, &it->i)) < 0) {
		it->i = at + 1;
		*unit = 0x10000u + it->s[at];
		return 1;
	}
	if (cp >= 0x10000) {
		uint32_t v = (uint32_t)cp - 0x10000u;

		*unit = 0xD800u + (v >> 10);
		it->low = 0xDC00u + (v & 0x3FFu);
		return 1;
	}
	*unit = (uint32_t)cp;
	return 1;
}

int
jcs_key_compare(const char *a, size_t a_len, const char *b, size_t b_len)
{
	struct u16it x = { (const uint8_t *)a, a_len, 0, 0 };
	struct u16it y = { (const uint8_t *)b, b_len, 0, 0 };
	const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
	size_t n = a_len < b_len ? a_len : b_len, i = 0;
	unsigned seen = 0;

	/* ASCII keys (every key lienlog writes): when the bytes up to the
	 * first difference and the two deciding bytes are all ASCII, each
	 * byte is one code unit, so byte order is the order below. */
	while (i < n && pa[i] == pb[i])
		seen |= pa[i++];
	if (seen < 0x80u) {
		unsigned ca = i < a_len ? pa[i] : 0, cb = i < b_len ? pb[i] : 0;

		if (ca < 0x80u && cb < 0x80u) {
			if (i == n)	/* a proper prefix sorts first */
				return (a_len > b_len) - (a_len < b_len);
			return ca < cb ? -1 : 1;
		}
	}

	for (;;) {
		uint32_t ua, ub;
		int ha = u16it_next(&x, &ua), hb = u16it_next(&y, &ub);

		if (!ha || !hb)
			return ha - hb;	/* a proper prefix sorts first */
		if (ua != ub)
			return ua < ub ? -1 : 1;
	}
}

/* 1 if none of the 8 bytes at p is a control character, non-ASCII, '"'
 * or '\\' (each of those is then found byte by byte). Word tricks
 * (zero and below-n byte tests): each term is nonzero when some byte
 * matches, and can be nonzero without one only after a byte that
 * matched, so "none" is never wrong. */
static int
plain8(const uint8_t *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t x, q, b;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return ((x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
	    ((b - ones) & ~b)) & high) == 0;
}

/* RFC 8785 3.2.2.2 string serialisation, validating UTF-8 in the same
 * pass: printable ASCII (the bulk of every registry string) is copied in
 * runs (passed over eight bytes a step: plain8), a byte >= 0x80 must
 * start a valid sequence (utf8_next), C0 controls, '"' and '\\' are
 * escaped. On failure the output so far is
 * garbage, which both callers discard. */
static enum lien_status LIEN_MUST_CHECK
write_string(struct jbuf *b, const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	enum lien_status st;
	size_t run = 0, i = 0;

	if (len > JCS_STRING_MAX)
		return LIEN_ETOOBIG;
	if ((st = jbuf_byte(b, '"')) != LIEN_OK)
		return st;
	while (i < len) {
		char esc[6];
		size_t n = 2;
		uint8_t c = u[i];

		if (len - i >= 8 && plain8(u + i)) {
			i += 8;
			continue;
		}
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			if (utf8_next(u, len, &i) < 0)
				return LIEN_EPARSE;
			continue;
		}
		/* flush the raw run before this byte */
		if ((st = jbuf_put(b, u + run, i - run)) != LIEN_OK)
			return st;
		run = ++i;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case 0x08: esc[1] = 'b'; break;
		case 0x09: esc[1] = 't'; break;
		case 0x0A: esc[1] = 'n'; break;
		case 0x0C: esc[1] = 'f'; break;
		case 0x0D: esc[1] = 'r'; break;
		default:
			esc[1] = 'u', esc[2] = '0', esc[3] = '0';
			esc[4] = hex_char(c >> 4u), esc[5] = hex_char(c);
			n = 6;
		}
		if ((st = jbuf_put(b, esc, n)) != LIEN_OK)
			return st;
	}
	if ((st = jbuf_put(b, u + run, len - run)) != LIEN_OK)
		return st;
	return jbuf_byte(b, '"');
}

/* Objects up to this many members are sorted on the stack (24 bytes
 * each; write_object recursion is bounded by JCS_DEPTH_MAX). */
#define JCS_SMALL_OBJECT 24u

struct member {
	const char *key;
	size_t key_len;
	json_t *val;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return jcs_key_compare(x->key, x->key_len, y->key, y->key_len);
}

static enum lien_status write_value(struct jbuf *b, const json_t *v,
    size_t depth) LIEN_MUST_CHECK;

static enum lien_status LIEN_MUST_CHECK
write_object(struct jbuf *b, const json_t *v, size_t depth)
{
	/* jansson's iteration API takes non-const pointers; nothing here
	 * modifies the object. */
	json_t *o = (json_t *)(uintptr_t)v;
	size_t n = json_object_size(o), k = 0;
	struct member small[JCS_SMALL_OBJECT], *m;
	enum lien_status st = LIEN_OK;
	const char *key;
	size_t key_len;
	json_t *val;

	if (n > JCS_MEMBERS_MAX)
		return LIEN_ETOOBIG;
	if (n == 0)
		return jbuf_put(b, "{}", 2);
	/* Registry payloads and state records have objects of a few to ~25
	 * members: sort those on the stack by insertion (no allocation, few
	 * comparisons); larger objects take the heap and qsort. */
	if (n <= JCS_SMALL_OBJECT)
		m = small;
	else if ((m = calloc(n, sizeof(*m))) == NULL)
		return LIEN_ENOMEM;
	json_object_keylen_foreach(o, key, key_len, val) {
		if (k == n)
			break;
		m[k].key = key;
		m[k].key_len = key_len;
		m[k].val = val;
		k++;
	}
	if (m == small) {
		for (size_t i = 1; i < k; i++) {
			struct member t = m[i];
			size_t j = i;

			for (; j > 0 && member_cmp(&m[j - 1], &t) > 0; j--)
				m[j] = m[j - 1];
			m[j] = t;
		}
	} else {
		qsort(m, k, sizeof(*m), member_cmp);
	}
	if ((st = jbuf_byte(b, '{')) != LIEN_OK)
		goto out;
	for (size_t i = 0; i < k; i++) {
		if (i && (st = jbuf_byte(b, ',')) != LIEN_OK)
			goto out;
		if ((st = write_string(b, m[i].key, m[i].key_len)) != LIEN_OK ||
		    (st = jbuf_byte(b, ':')) != LIEN_OK ||
		    (st = write_value(b, m[i].val, depth + 1)) != LIEN_OK)
			goto out;
	}
	st = jbuf_byte(b, '}');
out:
	if (m != small)
		free(m);
	return st;
}

static enum lien_status LIEN_MUST_CHECK
write_int(struct jbuf *b, json_int_t i)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u;

	if (i > JCS_INT_MAX || i < -JCS_INT_MAX)
		return LIEN_EPARSE;
	u = i < 0 ? (uint64_t)(-i) : (uint64_t)i;
	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	return jbuf_put(b, tmp + sizeof(tmp) - n, n);
}

static enum lien_status LIEN_MUST_CHECK
write_value(struct jbuf *b, const json_t *v, size_t depth)
{
	enum lien_status st;

	if (v == NULL)
		return LIEN_EINVAL;
	if (depth > JCS_DEPTH_MAX)
		return LIEN_ETOOBIG;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return write_object(b, v, depth);
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (n > JCS_MEMBERS_MAX)
			return LIEN_ETOOBIG;
		if ((st = jbuf_byte(b, '[')) != LIEN_OK)
			return st;
		for (size_t i = 0; i < n; i++) {
			if (i && (st = jbuf_byte(b, ',')) != LIEN_OK)
				return st;
			if ((st = write_value(b, json_array_get(v, i),
			    depth + 1)) != LIEN_OK)
				return st;
		}
		return jbuf_byte(b, ']');
	}
	case JSON_STRING:
		return write_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		return write_int(b, json_integer_value(v));
	case JSON_TRUE:
		return jbuf_put(b, "true", 4);
	case JSON_FALSE:
		return jbuf_put(b, "false", 5);
	case JSON_NULL:
		return jbuf_put(b, "null", 4);
	case JSON_REAL:
	default:
		return LIEN_EPARSE;
	}
}

enum lien_status
jcs_serialize(const json_t *v, char **out, size_t *out_len)
{
	struct jbuf b = { NULL, 0, 0, 0 };
	enum lien_status st;

	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (v == NULL)
		return LIEN_EINVAL;
	if ((st = write_value(&b, v, 1)) != LIEN_OK) {
		free(b.p);
		return st;
	}
	b.p[b.len] = 0;	/* jbuf_put always leaves one spare byte */
	*out = (char *)b.p;
	*out_len = b.len;
	return LIEN_OK;
}

enum lien_status
jcs_write(const json_t *v, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct jbuf b = { buf, 0, cap, 1 };
	enum lien_status st;

	if (out_len == NULL)
		return LIEN_EINVAL;
	*out_len = 0;
	if (v == NULL || (buf == NULL && cap != 0))
		return LIEN_EINVAL;
	if ((st = write_value(&b, v, 1)) != LIEN_OK)
		return st;
	*out_len = b.len;
	return LIEN_OK;
}

enum lien_status
jcs_digest(const json_t *v, uint8_t out[HASH_LEN])
{
	char *s;
	size_t n;
	enum lien_status st;

	memset(out, 0, HASH_LEN);
	if ((st = jcs_serialize(v, &s, &n)) != LIEN_OK)
		return st;
	hash_sha256(s, n, out);
	free(s);
	return LIEN_OK;
}

/* ---- strict reader ----------------------------------------------------- */

/* Pre-scan: depth, reals and "-0", before jansson recurses. Malformed text
 * is left for jansson to refuse; this only has to be right on text that
 * jansson would accept. */
static enum lien_status LIEN_MUST_CHECK
prescan(const uint8_t *p, size_t len, size_t max_depth)
{
	size_t depth = 0, i = 0;

	/* jansson stops at a NUL byte as if the text ended there; no valid
	 * JSON text contains one (in strings it must be escaped). */
	if (memchr(p, 0, len) != NULL)
		return LIEN_EPARSE;
	while (i < len) {
		uint8_t c = p[i];

		if (c == '"') {
			for (i++; i < len && p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;
			i++;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return LIEN_ETOOBIG;
			i++;
		} else if (c == ']' || c == '}') {
			if (depth)
				depth--;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t s = i;

			while (i < len && (p[i] == '-' || p[i] == '+' ||
			    p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
			    (p[i] >= '0' && p[i] <= '9'))) {
				if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
					return LIEN_EPARSE;	/* a real */
				i++;
			}
			if (i - s == 2 && p[s] == '-' && p[s + 1] == '0')
				return LIEN_EPARSE;	/* "-0" */
		} else {
			i++;
		}
	}
	return LIEN_OK;
}

/* Post-walk: integer range, string and member caps (depth was prescanned). */
static enum lien_status LIEN_MUST_CHECK
postcheck(json_t *v)
{
	enum lien_status st;
	const char *key;
	size_t key_len;
	json_t *val;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) > JCS_MEMBERS_MAX)
			return LIEN_ETOOBIG;
		json_object_keylen_foreach(v, key, key_len, val) {
			if (key_len > JCS_STRING_MAX)
				return LIEN_ETOOBIG;
			if ((st = postcheck(val)) != LIEN_OK)
				return st;
		}
		return LIEN_OK;
	case JSON_ARRAY:
		if (json_array_size(v) > JCS_MEMBERS_MAX)
			return LIEN_ETOOBIG;
		for (size_t i = 0; i < json_array_size(v); i++)
			if ((st = postcheck(json_array_get(v, i))) != LIEN_OK)
				return st;
		return LIEN_OK;
	case JSON_STRING:
		return json_string_length(v) > JCS_STRING_MAX ? LIEN_ETOOBIG :
		    LIEN_OK;
	case JSON_INTEGER: {
		json_int_t i = json_integer_value(v);

		return i > JCS_INT_MAX || i < -JCS_INT_MAX ? LIEN_EPARSE :
		    LIEN_OK;
	}
	case JSON_REAL:
		return LIEN_EPARSE;
	default:
		return LIEN_OK;
	}
}

/* ---- the canonical reader ------------------------------------------------ */

/* A cursor over the input; every getter checks before it moves. */
struct crd {
	const uint8_t *p, *end;
	size_t max_depth;
	enum lien_status st;	/* why the read stopped (first failure) */
};

static json_t *
cr_fail(struct crd *r, enum lien_status st)
{
	if (r->st == LIEN_OK)
		r->st = st;
	return NULL;
}

static int
cr_stop(struct crd *r, enum lien_status st)
{
	(void)cr_fail(r, st);
	return 0;
}

/* One string at r->p, exactly as RFC 8785 3.2.2.2 writes it: raw
 * printable ASCII (0x20..0x7F but '"' and '\\') and valid UTF-8 (utf8_next:
 * shortest form, no surrogates), the escapes \" \\ \b \t \n \f \r, and
 * \u00xx in lowercase hex only for the other C0 controls (never \u0000,
 * which the reference reader refuses). On success r->p is past the
 * closing quote, (*s, *n) is the raw text between the quotes (borrowed
 * from the input), *dec_len the decoded length and *esc whether it held
 * an escape (then the caller decodes with cr_unescape). */
static int
cr_string(struct crd *r, const uint8_t **s, size_t *n, size_t *dec_len,
    int *esc)
{
	const uint8_t *p = r->p, *end = r->end;
	size_t dl = 0;

	*esc = 0;
	if (p == end || *p != '"')
		return cr_stop(r, LIEN_EPARSE);
	*s = ++p;
	for (;;) {
		uint8_t c;

		/* the bulk: a run of plain ASCII, eight bytes a step while
		 * none of them needs a look (plain8), then byte by byte */
		while ((size_t)(end - p) >= 8 && plain8(p)) {
			p += 8;
			dl += 8;
		}
		while (p != end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		    *p != '\\') {
			p++;
			dl++;
		}
		if (p == end)
			return cr_stop(r, LIEN_EPARSE);
		c = *p;
		if (c == '"')
			break;
		if (c < 0x20)
			return cr_stop(r, LIEN_EPARSE);	/* raw control */
		if (c >= 0x80) {
			size_t i = 0;
			size_t left = (size_t)(end - p);

			if (utf8_next(p, left, &i) < 0)
				return cr_stop(r, LIEN_EPARSE);
			p += i;
			dl += i;
			continue;
		}
		/* c == '\\': only the escapes the canonical form uses */
		if ((size_t)(end - p) < 2)
			return cr_stop(r, LIEN_EPARSE);
		switch (p[1]) {
		case '"': case '\\': case 'b': case 't': case 'n': case 'f':
		case 'r':
			p += 2;
			break;
		case 'u': {
			int hi, lo;

			if ((size_t)(end - p) < 6 || p[2] != '0' || p[3] != '0')
				return cr_stop(r, LIEN_EPARSE);
			hi = p[4] == '0' ? 0 : p[4] == '1' ? 1 : -1;
			lo = p[5] >= '0' && p[5] <= '9' ? p[5] - '0' :
			    p[5] >= 'a' && p[5] <= 'f' ? p[5] - 'a' + 10 : -1;
			if (hi < 0 || lo < 0)
				return cr_stop(r, LIEN_EPARSE);
			lo |= hi << 4;
			/* \u0000 refused; \b \t \n \f \r have short forms */
			if (lo == 0 || lo == 0x08 || lo == 0x09 || lo == 0x0A ||
			    lo == 0x0C || lo == 0x0D)
				return cr_stop(r, LIEN_EPARSE);
			p += 6;
			break;
		}
		default:
			return cr_stop(r, LIEN_EPARSE);
		}
		*esc = 1;
		dl++;
	}
	if (dl > JCS_STRING_MAX)
		return cr_stop(r, LIEN_ETOOBIG);
	*n = (size_t)(p - *s);
	*dec_len = dl;
	r->p = p + 1;
	return 1;
}

/* Decode the escapes of a string cr_string accepted (n raw bytes) into
 * out (dec_len bytes, at most JCS_STRING_MAX). */
static void
cr_unescape(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; ) {
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case 'b': out[o++] = 0x08; break;
		case 't': out[o++] = 0x09; break;
		case 'n': out[o++] = 0x0A; break;
		case 'f': out[o++] = 0x0C; break;
		case 'r': out[o++] = 0x0D; break;
		case 'u':
			out[o++] = (uint8_t)((s[i + 4] - '0') << 4 |
			    (s[i + 5] <= '9' ? s[i + 5] - '0' :
			    s[i + 5] - 'a' + 10));
			i += 6;
			continue;
		default: out[o++] = s[i + 1]; break;	/* '"', '\\' */
		}
		i += 2;
	}
}

static json_t *cr_value(struct crd *r, size_t depth);

/* After a member of an object or an element of an array: close (the
 * container ends: *out_done 1) or ',' (another follows), consumed.
 * Anything else, or the end of the input, is LIEN_EPARSE (recorded). */
static enum lien_status LIEN_MUST_CHECK
cr_next(struct crd *r, uint8_t close, int *out_done)
{
	*out_done = 0;
	if (r->p == r->end || (*r->p != close && *r->p != ',')) {
		cr_fail(r, LIEN_EPARSE);
		return LIEN_EPARSE;
	}
	*out_done = *r->p++ == close;
	return LIEN_OK;
}

static json_t *
cr_object(struct crd *r, size_t depth)
{
	json_t *o = json_object();
	const uint8_t *prev = NULL;
	size_t prev_len = 0, count = 0;
	int done;

	if (o == NULL)
		return cr_fail(r, LIEN_ENOMEM);
	r->p++;				/* '{' */
	if (r->p != r->end && *r->p == '}') {
		r->p++;
		return o;
	}
	for (;;) {
		const uint8_t *k;
		size_t kl, dl;
		int esc;
		json_t *v;

		if (!cr_string(r, &k, &kl, &dl, &esc))
			goto fail;
		/* An escaped key is legal but rare: left to the reference
		 * reader (the caller falls back), so keys stay borrowed. */
		if (esc) {
			cr_fail(r, LIEN_EUNSUPPORTED);
			goto fail;
		}
		/* members in RFC 8785 3.2.3 order, each key once */
		if (prev != NULL && jcs_key_compare((const char *)prev,
		    prev_len, (const char *)k, kl) >= 0) {
			cr_fail(r, LIEN_EPARSE);
			goto fail;
		}
		if (++count > JCS_MEMBERS_MAX) {
			cr_fail(r, LIEN_ETOOBIG);
			goto fail;
		}
		prev = k;
		prev_len = kl;
		if (r->p == r->end || *r->p != ':') {
			cr_fail(r, LIEN_EPARSE);
			goto fail;
		}
		r->p++;
		if ((v = cr_value(r, depth + 1)) == NULL)
			goto fail;
		if (json_object_setn_new_nocheck(o, (const char *)k, kl, v)) {
			cr_fail(r, LIEN_ENOMEM);
			goto fail;
		}
		if (cr_next(r, '}', &done) != LIEN_OK)
			goto fail;
		if (done)
			return o;
	}
fail:
	json_decref(o);
	return NULL;
}

static json_t *
cr_array(struct crd *r, size_t depth)
{
	json_t *a = json_array();
	size_t count = 0;
	int done;

	if (a == NULL)
		return cr_fail(r, LIEN_ENOMEM);
	r->p++;				/* '[' */
	if (r->p != r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		json_t *v;

		if (++count > JCS_MEMBERS_MAX) {
			cr_fail(r, LIEN_ETOOBIG);
			goto fail;
		}
		if ((v = cr_value(r, depth + 1)) == NULL)
			goto fail;
		if (json_array_append_new(a, v)) {
			cr_fail(r, LIEN_ENOMEM);
			goto fail;
		}
		if (cr_next(r, ']', &done) != LIEN_OK)
			goto fail;
		if (done)
			return a;
	}
fail:
	json_decref(a);
	return NULL;
}

/* An integer as write_int spells it: "0", or an optional '-' and a
 * nonzero digit then digits, |n| <= JCS_INT_MAX. Never "-0", a '+',
 * leading zeros, a fraction or an exponent (the next byte is then not
 * what the caller expects after a value). */
static json_t *
cr_int(struct crd *r)
{
	const uint8_t *p = r->p, *end = r->end;
	int neg = 0;
	uint64_t v = 0;
	json_t *j;

	if (*p == '-') {
		neg = 1;
		if (++p == end)
			return cr_fail(r, LIEN_EPARSE);
	}
	if (*p == '0') {
		if (neg)
			return cr_fail(r, LIEN_EPARSE);	/* "-0" */
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p != end && *p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > (uint64_t)JCS_INT_MAX)
				return cr_fail(r, LIEN_EPARSE);
			p++;
		}
	} else {
		return cr_fail(r, LIEN_EPARSE);
	}
	r->p = p;
	j = json_integer(neg ? -(json_int_t)v : (json_int_t)v);
	return j != NULL ? j : cr_fail(r, LIEN_ENOMEM);
}

static json_t *
cr_literal(struct crd *r, const char *word, size_t n, json_t *v)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return cr_fail(r, LIEN_EPARSE);
	r->p += n;
	return v;
}

/* One value at nesting depth (the top value is at 1, as write_value
 * counts: a value deeper than max_depth has no canonical form). */
static json_t *
cr_value(struct crd *r, size_t depth)
{
	if (depth > r->max_depth)
		return cr_fail(r, LIEN_ETOOBIG);
	if (r->p == r->end)
		return cr_fail(r, LIEN_EPARSE);
	switch (*r->p) {
	case '{':
		return cr_object(r, depth);
	case '[':
		return cr_array(r, depth);
	case '"': {
		const uint8_t *s;
		size_t n, dl;
		int esc;
		json_t *j;

		if (!cr_string(r, &s, &n, &dl, &esc))
			return NULL;
		if (!esc) {
			j = json_stringn_nocheck((const char *)s, n);
		} else {
			uint8_t *buf = malloc(dl ? dl : 1);

			if (buf == NULL)
				return cr_fail(r, LIEN_ENOMEM);
			cr_unescape(s, n, buf);
			j = json_stringn_nocheck((const char *)buf, dl);
			free(buf);
		}
		return j != NULL ? j : cr_fail(r, LIEN_ENOMEM);
	}
	case 't':
		return cr_literal(r, "true", 4, json_true());
	case 'f':
		return cr_literal(r, "false", 5, json_false());
	case 'n':
		return cr_literal(r, "null", 4, json_null());
	default:
		return cr_int(r);
	}
}

enum lien_status
jcs_read_canonical(const uint8_t *p, size_t len, size_t max_depth,
    json_t **out)
{
	struct crd r;
	json_t *v;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (p == NULL && len != 0)
		return LIEN_EINVAL;
	if (len > JCS_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (len == 0)
		return LIEN_EPARSE;
	if (max_depth == 0 || max_depth > JCS_DEPTH_MAX)
		max_depth = JCS_DEPTH_MAX;
	r.p = p;
	r.end = p + len;
	r.max_depth = max_depth;
	r.st = LIEN_OK;
	if ((v = cr_value(&r, 1)) == NULL)
		return r.st != LIEN_OK ? r.st : LIEN_EPARSE;
	if (r.p != r.end) {		/* trailing bytes */
		json_decref(v);
		return LIEN_EPARSE;
	}
	*out = v;
	return LIEN_OK;
}

/* ---- the reference reader (jansson) and the two entry points ---------------- */

enum lien_status
jcs_parse_reference(const char *p, size_t len, size_t max_depth,
    int canonical, json_t **out)
{
	json_error_t err;
	json_t *v;
	char *c;
	size_t n;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (p == NULL && len != 0)
		return LIEN_EINVAL;
	if (len > JCS_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (len == 0)
		return LIEN_EPARSE;
	if (max_depth == 0 || max_depth > JCS_DEPTH_MAX)
		max_depth = JCS_DEPTH_MAX;
	if ((st = prescan((const uint8_t *)p, len, max_depth)) != LIEN_OK)
		return st;
	/* JSON_DECODE_ANY: any top-level value; no JSON_DISABLE_EOF_CHECK,
	 * so anything but whitespace after the value is an error; no
	 * JSON_ALLOW_NUL, so "\u0000" is refused. */
	v = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (v == NULL)
		return LIEN_EPARSE;
	if ((st = postcheck(v)) != LIEN_OK) {
		json_decref(v);
		return st;
	}
	if (canonical) {
		/* canonical: the bytes are what the writer makes of the value */
		if ((st = jcs_serialize(v, &c, &n)) != LIEN_OK) {
			json_decref(v);
			return st;
		}
		st = n == len && memcmp(c, p, n) == 0 ? LIEN_OK : LIEN_EPARSE;
		free(c);
		if (st != LIEN_OK) {
			json_decref(v);
			return st;
		}
	}
	*out = v;
	return LIEN_OK;
}

/* Both entry points try the canonical reader first: every state record
 * and registry payload is canonical, and a value it accepts is exactly
 * the one the reference reader gives (tests/fuzz/fuzz_jcs_reader.c checks
 * that on every input). Anything it does not accept (whitespace, another
 * member order, an escaped key, a refusal) goes to the reference reader,
 * which decides and gives the status. */
enum lien_status
jcs_parse(const char *p, size_t len, size_t max_depth, json_t **out)
{
	if (out != NULL && (p != NULL || len == 0) &&
	    jcs_read_canonical((const uint8_t *)p, len, max_depth, out) ==
	    LIEN_OK)
		return LIEN_OK;
	return jcs_parse_reference(p, len, max_depth, 0, out);
}

enum lien_status
jcs_parse_canonical(const uint8_t *p, size_t len, json_t **out)
{
	json_t *v = NULL;
	enum lien_status st;

	if (out)
		*out = NULL;
	if ((p != NULL || len == 0) && jcs_read_canonical(p, len, 0, &v) ==
	    LIEN_OK)
		st = LIEN_OK;
	else
		st = jcs_parse_reference((const char *)p, len, 0, 1, &v);
	if (st == LIEN_OK && out)
		*out = v;
	else
		json_decref(v);
	return st;
}
