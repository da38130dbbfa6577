/*
 * Packed JSON (registry/jpack.h): a token stream that decodes to exactly
 * the canonical JSON text it was made from.
 *
 * Design: the encoder is a scanner over compact JSON text (no whitespace:
 * what jcs_serialize writes), not a tree walk, so the tokens carry the
 * text's own spelling (escapes stay as written inside a string's bytes,
 * member order is the text's) and nothing has to be re-canonicalised. It
 * gives up (the caller stores the text) on anything it does not expect;
 * a final decode-and-compare guarantees the round trip, so the scanner
 * need not be a validator. The decoder is the strict side: it reads
 * stored, possibly damaged bytes, so every count is bounded and the
 * grammar (member names are strings, containers balance, one top-level
 * value, nothing after it) is checked.
 *
 * Tokens (one byte, then its operand; varint = unsigned LEB128, at most
 * 10 bytes, minimal):
 *   0x02 {   0x03 }   0x04 [   0x05 ]   0x06 true   0x07 false  0x08 null
 *   0x09 varint v        the integer v (v >= 16)
 *   0x0a varint m        the integer -m (m >= 1)
 *   0x0b varint n, n bytes   a number spelled as those bytes
 *   0x0c varint n, n bytes   a string whose bytes between the quotes are
 *                            those (n >= 64; escapes as written)
 *   0x0d varint n, n bytes   a string of 2n lowercase hex digits (n >= 33)
 *   0x0e i               dictionary string 128 + i
 *   0x0f c, varint n, n bytes  the string c (one ASCII letter) then 2n
 *                            lowercase hex digits (n >= 1): "A" + 16 hex
 *                            is an application id
 *   0x10 + v             the integer v, 0 <= v <= 15
 *   0x20 + (n - 1), n bytes  a string of 2n lowercase hex digits, 1..32
 *   0x40 + n, n bytes    a string of n bytes (n <= 63), as written
 *   0x80 + i             dictionary string i (0..127)
 * Inside an object the tokens alternate name, value; commas, colons and
 * quotes are implied. The dictionary is part of the store format: append
 * only, never reorder (a change is a format change).
 */
#include "registry/jpack.h"

#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "common/rd.h"

enum {
	T_OBJ = 0x02, T_OEND = 0x03, T_ARR = 0x04, T_AEND = 0x05,
	T_TRUE = 0x06, T_FALSE = 0x07, T_NULL = 0x08, T_UINT = 0x09,
	T_NEG = 0x0a, T_NUMTXT = 0x0b, T_STR = 0x0c, T_HEX = 0x0d,
	T_DICTX = 0x0e, T_PHEX = 0x0f, T_SMALL = 0x10, T_HEXS = 0x20,
	T_STRS = 0x40, T_DICT = 0x80,
};

/* Member names and values of the registry's records (store format v16).
 * Append only. */
static const char *const dict[] = {
	/* 0: member names */
	"index", "time_ms", "app", "key", "kind", "owner", "reasons",
	"evidence", "alg", "created", "digest", "idempotency_key", "nonce",
	"nonce_exp_ms", "salt", "sealed", "step", "details", "vehicle",
	"contract", "party", "role", "status", "issuer", "token", "keyid",
	"not_after_ms", "mortgagee", "signer", "timeline", "face", "liveness",
	"match", "verdict", "rank", "registered_index", "registered_ms",
	"release", "fuller", "liens", "recorded_index", "recorded_ms",
	"released", "restrictions", "mortgage", "released_index",
	"released_ms", "term_end", "agent", "sms", "filed_index", "cert",
	"keys", "name", "owner_kind", "id_check", "channel", "voucher",
	"contact", "bank", "expires_ms", "purpose", "used", "phone_contact",
	"complete", "delivery", "decision", "basis", "restriction", "action",
	"v", "private",
	/* 72: values */
	"system", "ed25519", "sm2-sm3", "institution", "officer", "registry",
	"auditor", "admin", "post", "applied", "received", "diverted",
	"approved", "rejected", "submitted", "in_person_review", "pass",
	"grey", "approve", "reject", "face_grey", "owner_mismatch",
	"vehicle_unrecorded", "vehicle_details_mismatch", "multi_bank",
	"institution_burst", "owner_burst", "cert_expiring", "release_soon",
	"picked_up", "endorsed", "dispatched", "delivered", "returned",
	"seized", "detained", "stolen", "scrapped", "customs", "company",
	"counter", "set", "lift",
};

/* dict's indexes ordered by (length, bytes), for the encoder's binary
 * search (tests/unit/test_jpack.c checks the order). */
static const uint8_t dict_sorted[] = {
	70, 8, 2, 3, 113, 49, 59, 51, 30, 89, 52, 4, 114, 53, 88, 80, 34, 21,
	14, 16, 62, 79, 48, 67, 0, 25, 39, 32, 12, 5, 20, 24, 69, 10, 38, 23,
	91, 15, 106, 28, 22, 108, 72, 81, 90, 78, 56, 111, 58, 112, 9, 110,
	17, 73, 76, 71, 61, 6, 37, 74, 1, 18, 33, 57, 84, 64, 19, 66, 65, 107,
	83, 102, 7, 55, 31, 44, 82, 77, 85, 42, 105, 109, 47, 29, 104, 92, 27,
	101, 86, 103, 60, 96, 54, 50, 75, 98, 41, 46, 68, 13, 26, 100, 43, 99,
	63, 36, 93, 40, 45, 11, 87, 35, 97, 94, 95,
};
#define NDICT (sizeof dict / sizeof dict[0])
_Static_assert(sizeof dict_sorted == NDICT, "dict_sorted covers dict");
_Static_assert(NDICT <= 128 + 256, "dictionary tokens");

int
jpack_dict_ok(void)
{
	uint8_t seen[NDICT];

	memset(seen, 0, sizeof seen);
	for (size_t k = 0; k < NDICT; k++) {
		size_t i = dict_sorted[k];

		if (i >= NDICT || seen[i]++)
			return 0;
		if (k > 0) {
			const char *a = dict[dict_sorted[k - 1]], *b = dict[i];
			size_t al = strlen(a), bl = strlen(b);

			if (al > bl || (al == bl && memcmp(a, b, al) >= 0))
				return 0;
		}
	}
	return 1;
}

/* ---- growable output ---------------------------------------------------- */

struct ob {
	uint8_t *p;
	size_t n, cap, max;
	enum lien_status rc;	/* first failure; later puts do nothing */
};

/* Room for n more bytes: where to write them (o->n already counts
 * them), or NULL once anything failed. */
static uint8_t *
ob_take(struct ob *o, size_t n)
{
	uint8_t *at;

	if (o->rc != LIEN_OK)
		return NULL;
	if (n > o->max - o->n) {
		o->rc = LIEN_ETOOBIG;
		return NULL;
	}
	if (n > o->cap - o->n) {
		size_t c = o->cap ? o->cap : 256;
		uint8_t *q;

		while (c - o->n < n)
			c = c > o->max / 2 ? o->max : 2 * c;
		if ((q = realloc(o->p, c + 1)) == NULL) {	/* + NUL */
			o->rc = LIEN_ENOMEM;
			return NULL;
		}
		o->p = q;
		o->cap = c;
	}
	at = o->p + o->n;
	o->n += n;
	return at;
}

static void
ob_put(struct ob *o, const void *b, size_t n)
{
	uint8_t *at = ob_take(o, n);

	if (at != NULL && n > 0)
		memcpy(at, b, n);
}

static void
ob_byte(struct ob *o, unsigned b)
{
	uint8_t *at = ob_take(o, 1);

	if (at != NULL)
		*at = (uint8_t)b;
}

static void
ob_varint(struct ob *o, uint64_t v)
{
	uint8_t b[LEB128_MAX];

	ob_put(o, b, leb128_put(b, v));
}

/* ---- encoder ------------------------------------------------------------ */

struct sc {
	const uint8_t *p, *end;
	unsigned depth;
};

static int
is_hex_lower(const uint8_t *s, size_t n)
{
	if (n == 0 || n % 2 != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static unsigned
hexval(uint8_t c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

static void
put_hexbytes(struct ob *o, const uint8_t *s, size_t n)
{
	uint8_t *at = ob_take(o, n / 2);

	for (size_t i = 0; at != NULL && i < n; i += 2)
		*at++ = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
}

static void
enc_string(struct ob *o, const uint8_t *s, size_t n)
{
	size_t lo = 0, hi = NDICT;

	while (lo < hi) {	/* by (length, bytes) */
		size_t mid = lo + (hi - lo) / 2, i = dict_sorted[mid];
		size_t dl = strlen(dict[i]);
		int c = dl != n ? (dl < n ? -1 : 1) : memcmp(dict[i], s, n);

		if (c == 0) {
			if (i < 128) {
				ob_byte(o, T_DICT + (unsigned)i);
			} else {
				ob_byte(o, T_DICTX);
				ob_byte(o, (unsigned)(i - 128));
			}
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (is_hex_lower(s, n)) {
		if (n / 2 <= 32) {
			ob_byte(o, T_HEXS + (unsigned)(n / 2 - 1));
		} else {
			ob_byte(o, T_HEX);
			ob_varint(o, n / 2);
		}
		put_hexbytes(o, s, n);
		return;
	}
	if (n >= 3 && ((s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= 'a' && s[0] <= 'z')) && is_hex_lower(s + 1, n - 1)) {
		ob_byte(o, T_PHEX);
		ob_byte(o, s[0]);
		ob_varint(o, (n - 1) / 2);
		put_hexbytes(o, s + 1, n - 1);
		return;
	}
	if (n < 64) {
		ob_byte(o, T_STRS + (unsigned)n);
	} else {
		ob_byte(o, T_STR);
		ob_varint(o, n);
	}
	ob_put(o, s, n);
}

/* A number token: the integer forms when the spelling is the one the
 * decoder writes back (no leading zero, no "-0", at most 19 digits),
 * else its text. */
static void
enc_number(struct ob *o, const uint8_t *s, size_t n)
{
	size_t i = s[0] == '-';
	uint64_t v = 0;

	if (n - i >= 1 && n - i <= 19 && !(s[i] == '0' && n - i > 1)) {
		size_t j;

		for (j = i; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			v = v * 10 + (uint64_t)(s[j] - '0');
		if (j == n && !(i && v == 0)) {
			if (i) {
				ob_byte(o, T_NEG);
				ob_varint(o, v);
			} else if (v < 16) {
				ob_byte(o, T_SMALL + (unsigned)v);
			} else {
				ob_byte(o, T_UINT);
				ob_varint(o, v);
			}
			return;
		}
	}
	ob_byte(o, T_NUMTXT);
	ob_varint(o, n);
	ob_put(o, s, n);
}

/* The string at r->p (its opening quote): its bytes between the quotes.
 * 0 when it does not end. */
static int
scan_string(struct sc *r, const uint8_t **s, size_t *n)
{
	const uint8_t *q = r->p + 1;

	while (q < r->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	if (q >= r->end)
		return 0;
	*s = r->p + 1;
	*n = (size_t)(q - *s);
	r->p = q + 1;
	return 1;
}

static int enc_value(struct sc *r, struct ob *o);

static int
enc_container(struct sc *r, struct ob *o, int obj)
{
	uint8_t close = obj ? '}' : ']';

	if (++r->depth > JCS_DEPTH_MAX)
		return 0;
	ob_byte(o, obj ? T_OBJ : T_ARR);
	r->p++;
	if (r->p < r->end && *r->p == close) {
		r->p++;
	} else {
		for (;;) {
			if (obj) {
				const uint8_t *s;
				size_t n;

				if (r->p >= r->end || *r->p != '"' ||
				    !scan_string(r, &s, &n))
					return 0;
				enc_string(o, s, n);
				if (r->p >= r->end || *r->p != ':')
					return 0;
				r->p++;
			}
			if (!enc_value(r, o))
				return 0;
			if (r->p >= r->end)
				return 0;
			if (*r->p == close) {
				r->p++;
				break;
			}
			if (*r->p != ',')
				return 0;
			r->p++;
		}
	}
	ob_byte(o, obj ? T_OEND : T_AEND);
	r->depth--;
	return 1;
}

static int
lit(struct sc *r, const char *w)
{
	size_t n = strlen(w);

	if (n > (size_t)(r->end - r->p) || memcmp(r->p, w, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

static int
enc_value(struct sc *r, struct ob *o)
{
	const uint8_t *s;
	size_t n;

	if (r->p >= r->end)
		return 0;
	switch (*r->p) {
	case '{':
		return enc_container(r, o, 1);
	case '[':
		return enc_container(r, o, 0);
	case '"':
		if (!scan_string(r, &s, &n))
			return 0;
		enc_string(o, s, n);
		return 1;
	case 't':
		ob_byte(o, T_TRUE);
		return lit(r, "true");
	case 'f':
		ob_byte(o, T_FALSE);
		return lit(r, "false");
	case 'n':
		ob_byte(o, T_NULL);
		return lit(r, "null");
	default:
		break;
	}
	s = r->p;
	while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') ||
	    *r->p == '-' || *r->p == '+' || *r->p == '.' || *r->p == 'e' ||
	    *r->p == 'E'))
		r->p++;
	if (r->p == s)
		return 0;
	enc_number(o, s, (size_t)(r->p - s));
	return 1;
}

enum lien_status
jpack_encode(const uint8_t *json, size_t len, uint8_t **out, size_t *out_len)
{
	struct sc r = { json, json + len, 0 };
	struct ob o = { NULL, 0, 0, 0, LIEN_OK };
	uint8_t *back = NULL;
	size_t back_len = 0;
	enum lien_status drc = LIEN_ECORRUPT;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (json == NULL || out == NULL || out_len == NULL || len == 0 ||
	    json[0] == JPACK_TAG)
		return LIEN_EINVAL;
	o.max = len;		/* packed only if shorter */
	ob_byte(&o, JPACK_TAG);
	if (enc_value(&r, &o) && r.p == r.end && o.rc == LIEN_OK &&
	    o.n < len && (drc = jpack_decode(o.p, o.n, &back, &back_len)) ==
	    LIEN_OK && back_len == len && memcmp(back, json, len) == 0) {
		free(back);
		*out = o.p;
		*out_len = o.n;
		return LIEN_OK;
	}
	free(back);
	/* An allocation that failed is a failure, never "keep the text":
	 * the stored form must be a function of the text alone, or a
	 * replay (which did not fail there) would store other bytes. */
	if (o.rc == LIEN_ENOMEM || drc == LIEN_ENOMEM) {
		free(o.p);
		return LIEN_ENOMEM;
	}
	free(o.p);
	if ((*out = malloc(len)) == NULL)
		return LIEN_ENOMEM;
	memcpy(*out, json, len);
	*out_len = len;
	return LIEN_OK;
}

int
jpack_is_packed(const uint8_t *p, size_t len)
{
	return p != NULL && len > 0 && p[0] == JPACK_TAG;
}

/* ---- decoder ------------------------------------------------------------ */

static void
out_uint(struct ob *o, uint64_t v)
{
	char d[20];
	size_t n = 0;

	do {
		d[sizeof d - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ob_put(o, d + sizeof d - n, n);
}

static void
out_hex(struct ob *o, const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t *at = ob_take(o, 2 * n);

	for (size_t i = 0; at != NULL && i < n; i++) {
		*at++ = (uint8_t)hx[b[i] >> 4];
		*at++ = (uint8_t)hx[b[i] & 15];
	}
}

enum lien_status
jpack_decode(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len)
{
	struct rd r;
	struct ob o = { NULL, 0, 0, JPACK_TEXT_MAX, LIEN_OK };
	/* per open container: 1 object, 0 array; its member count */
	uint8_t obj[JCS_DEPTH_MAX];
	uint32_t cnt[JCS_DEPTH_MAX];
	unsigned depth = 0;
	int done = 0;
	enum lien_status rc = LIEN_ECORRUPT;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (p == NULL || out == NULL || out_len == NULL || len == 0)
		return LIEN_EINVAL;
	if (!jpack_is_packed(p, len)) {
		if (len > JPACK_TEXT_MAX)
			return LIEN_ETOOBIG;
		ob_put(&o, p, len);
		goto fin;
	}
	rd_init(&r, p + 1, len - 1);
	while (r.p < r.end) {
		unsigned t = *r.p++;
		int is_key = depth > 0 && obj[depth - 1] && cnt[depth - 1] % 2
		    == 0;
		const uint8_t *s;
		uint64_t v;

		if (done)
			goto bad;	/* bytes after the top-level value */
		if (t == T_OEND || t == T_AEND) {
			if (depth == 0 || obj[depth - 1] != (t == T_OEND) ||
			    (obj[depth - 1] && cnt[depth - 1] % 2 != 0))
				goto bad;
			ob_byte(&o, t == T_OEND ? '}' : ']');
			depth--;
			if (depth == 0)
				done = 1;
			else
				cnt[depth - 1]++;
			continue;
		}
		/* a value or a member name: its separator first */
		if (depth > 0 && cnt[depth - 1] > 0)
			ob_byte(&o, obj[depth - 1] && !is_key ? ':' : ',');
		if (t == T_OBJ || t == T_ARR) {
			if (is_key || depth >= JCS_DEPTH_MAX)
				goto bad;
			ob_byte(&o, t == T_OBJ ? '{' : '[');
			obj[depth] = (uint8_t)(t == T_OBJ);
			cnt[depth++] = 0;
			continue;
		}
		if (is_key && !(t == T_STR || t == T_HEX || t == T_DICTX ||
		    t == T_PHEX || t >= T_HEXS))
			goto bad;
		switch (t) {
		case T_TRUE:
			ob_put(&o, "true", 4);
			break;
		case T_FALSE:
			ob_put(&o, "false", 5);
			break;
		case T_NULL:
			ob_put(&o, "null", 4);
			break;
		case T_UINT:
		case T_NEG:
			if (rd_leb128(&r, &v) != LIEN_OK || (t == T_NEG && v == 0))
				goto bad;
			if (t == T_NEG)
				ob_byte(&o, '-');
			out_uint(&o, v);
			break;
		case T_NUMTXT:
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_put(&o, s, (size_t)v);
			break;
		case T_STR:
			if (rd_leb128(&r, &v) != LIEN_OK ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_byte(&o, '"');
			ob_put(&o, s, (size_t)v);
			ob_byte(&o, '"');
			break;
		case T_HEX:
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_byte(&o, '"');
			out_hex(&o, s, (size_t)v);
			ob_byte(&o, '"');
			break;
		case T_DICTX:
			if (rd_take(&r, 1, &s) != LIEN_OK || 128u + s[0] >= NDICT)
				goto bad;
			ob_byte(&o, '"');
			ob_put(&o, dict[128u + s[0]], strlen(dict[128u + s[0]]));
			ob_byte(&o, '"');
			break;
		case T_PHEX:
			if (rd_take(&r, 1, &s) != LIEN_OK || !((s[0] >= 'A' && s[0] <= 'Z')
			    || (s[0] >= 'a' && s[0] <= 'z')))
				goto bad;
			ob_byte(&o, '"');
			ob_byte(&o, s[0]);
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			out_hex(&o, s, (size_t)v);
			ob_byte(&o, '"');
			break;
		default:
			if (t >= T_DICT) {
				if (t - T_DICT >= NDICT)
					goto bad;
				ob_byte(&o, '"');
				ob_put(&o, dict[t - T_DICT],
				    strlen(dict[t - T_DICT]));
				ob_byte(&o, '"');
			} else if (t >= T_STRS) {
				if (rd_take(&r, t - T_STRS, &s) != LIEN_OK)
					goto bad;
				ob_byte(&o, '"');
				ob_put(&o, s, t - T_STRS);
				ob_byte(&o, '"');
			} else if (t >= T_HEXS) {
				if (rd_take(&r, t - T_HEXS + 1, &s) != LIEN_OK)
					goto bad;
				ob_byte(&o, '"');
				out_hex(&o, s, t - T_HEXS + 1);
				ob_byte(&o, '"');
			} else if (t >= T_SMALL) {
				out_uint(&o, t - T_SMALL);
			} else {
				goto bad;
			}
			break;
		}
		if (depth == 0)
			done = 1;
		else
			cnt[depth - 1]++;
	}
	if (!done)
		goto bad;
fin:
	if (o.rc != LIEN_OK) {
		rc = o.rc;
		goto bad;
	}
	if (o.p == NULL && (o.p = malloc(1)) == NULL) {
		rc = LIEN_ENOMEM;
		goto bad;
	}
	o.p[o.n] = 0;
	*out = o.p;
	*out_len = o.n;
	return LIEN_OK;
bad:
	free(o.p);
	return rc;
}
