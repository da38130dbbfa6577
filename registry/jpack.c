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

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "common/rd.h"
#include "registry/jcs.h"

enum {
	T_OBJ = 0x02, T_OEND = 0x03, T_ARR = 0x04, T_AEND = 0x05,
	T_TRUE = 0x06, T_FALSE = 0x07, T_NULL = 0x08, T_UINT = 0x09,
	T_NEG = 0x0a, T_NUMTXT = 0x0b, T_STR = 0x0c, T_HEX = 0x0d,
	T_DICTX = 0x0e, T_PHEX = 0x0f, T_SMALL = 0x10, T_HEXS = 0x20,
	T_STRS = 0x40, T_DICT = 0x80,
};

/* A dictionary string and its length (the encoder's search and the
 * decoder compare and copy by length, without a strlen per token). */
struct dstr {
	const char *s;
	size_t n;
};
#define D(lit) { lit, sizeof(lit) - 1 }

/* Member names and values of the registry's records (store format v16).
 * Append only. */
static const struct dstr dict[] = {
	/* 0: member names */
	D("index"), D("time_ms"), D("app"), D("key"), D("kind"), D("owner"),
	D("reasons"), D("evidence"), D("alg"), D("created"), D("digest"),
	D("idempotency_key"), D("nonce"), D("nonce_exp_ms"), D("salt"),
	D("sealed"), D("step"), D("details"), D("vehicle"), D("contract"),
	D("party"), D("role"), D("status"), D("issuer"), D("token"),
	D("keyid"), D("not_after_ms"), D("mortgagee"), D("signer"),
	D("timeline"), D("face"), D("liveness"), D("match"), D("verdict"),
	D("rank"), D("registered_index"), D("registered_ms"), D("release"),
	D("fuller"), D("liens"), D("recorded_index"), D("recorded_ms"),
	D("released"), D("restrictions"), D("mortgage"), D("released_index"),
	D("released_ms"), D("term_end"), D("agent"), D("sms"),
	D("filed_index"), D("cert"), D("keys"), D("name"), D("owner_kind"),
	D("id_check"), D("channel"), D("voucher"), D("contact"), D("bank"),
	D("expires_ms"), D("purpose"), D("used"), D("phone_contact"),
	D("complete"), D("delivery"), D("decision"), D("basis"),
	D("restriction"), D("action"), D("v"), D("private"),
	/* 72: values */
	D("system"), D("ed25519"), D("sm2-sm3"), D("institution"),
	D("officer"), D("registry"), D("auditor"), D("admin"), D("post"),
	D("applied"), D("received"), D("diverted"), D("approved"),
	D("rejected"), D("submitted"), D("in_person_review"), D("pass"),
	D("grey"), D("approve"), D("reject"), D("face_grey"),
	D("owner_mismatch"), D("vehicle_unrecorded"),
	D("vehicle_details_mismatch"), D("multi_bank"),
	D("institution_burst"), D("owner_burst"), D("cert_expiring"),
	D("release_soon"), D("picked_up"), D("endorsed"), D("dispatched"),
	D("delivered"), D("returned"), D("seized"), D("detained"),
	D("stolen"), D("scrapped"), D("customs"), D("company"), D("counter"),
	D("set"), D("lift"),
};
#undef D

#define NDICT (sizeof dict / sizeof dict[0])
/* The longest dictionary string (jpack_dict_ok checks it). */
#define DICT_LEN_MAX 24u
_Static_assert(NDICT == 115, "the dictionary is part of the store format");
_Static_assert(NDICT <= 128 + 256, "dictionary tokens");

/* ---- growable output ---------------------------------------------------- */

struct ob {
	uint8_t *p;
	size_t n, cap, max;
	enum lien_status rc;	/* first failure; later puts do nothing */
	/* Non-NULL: nothing is written; each output byte is compared with
	 * want[n] instead (max: want's length), a difference being
	 * LIEN_ECORRUPT. The encoder's round-trip check decodes this way,
	 * without allocating the text it already has. */
	const uint8_t *want;
};

/* Room for n more bytes: where to write them (o->n already counts
 * them), or NULL once anything failed. Not for a comparing ob. The
 * buffer never grows past max (cap <= max: ob_byte relies on it). */
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
		size_t c = o->cap ? o->cap : o->max < 256 ? o->max : 256;
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

/* A comparing ob's next n bytes against b. */
static void
ob_cmp(struct ob *o, const void *b, size_t n)
{
	if (o->rc != LIEN_OK)
		return;
	if (n > o->max - o->n || memcmp(o->want + o->n, b, n) != 0) {
		o->rc = LIEN_ECORRUPT;
		return;
	}
	o->n += n;
}

static void
ob_put(struct ob *o, const void *b, size_t n)
{
	uint8_t *at;

	if (o->want != NULL) {
		ob_cmp(o, b, n);
		return;
	}
	if ((at = ob_take(o, n)) != NULL && n > 0)
		memcpy(at, b, n);
}

static void
ob_byte_slow(struct ob *o, uint8_t c)
{
	uint8_t *at;

	if (o->want != NULL) {
		ob_cmp(o, &c, 1);
		return;
	}
	if ((at = ob_take(o, 1)) != NULL)
		*at = c;
}

/* One byte, the decoder's most frequent output: inline while there is
 * room (cap <= max), else the checks of ob_take and ob_cmp. */
static inline void
ob_byte(struct ob *o, unsigned b)
{
	uint8_t c = (uint8_t)b;

	if (o->rc == LIEN_OK && o->n < (o->want != NULL ? o->max : o->cap)) {
		if (o->want == NULL)
			o->p[o->n++] = c;
		else if (o->want[o->n] == c)
			o->n++;
		else
			o->rc = LIEN_ECORRUPT;
		return;
	}
	ob_byte_slow(o, c);
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

/* The encoder's dictionary lookup: an open-addressed table of dict's
 * indexes (+ 1; 0 empty) by a hash of a string's length and three of its
 * bytes, made once. Every member name and most short values are looked
 * up (~85 strings per replayed entry), and the binary search over the
 * strings of that length with a memcmp a step was a third of
 * jpack_encode_tree's instructions (callgrind, the full audit of a 10^4
 * store). A hit is confirmed by comparing the whole string, so the hash
 * only has to be cheap, not collision-free. */
#define DICT_SLOTS 512u
_Static_assert(NDICT < 255 && NDICT * 2 < DICT_SLOTS, "dict_slot fits");
static uint8_t dict_slot[DICT_SLOTS];
static pthread_once_t dict_slot_once = PTHREAD_ONCE_INIT;

/* n in 1..DICT_LEN_MAX */
static size_t
dict_hash(const uint8_t *s, size_t n)
{
	uint32_t h = (uint32_t)n * 0x9e3779b1u;

	h ^= (uint32_t)s[0] * 0x85ebca6bu;
	h ^= (uint32_t)s[n - 1] * 0xc2b2ae35u;
	h ^= (uint32_t)s[n / 2] * 0x27d4eb2fu;
	h ^= h >> 15;
	return h % DICT_SLOTS;
}

static void
dict_slot_make(void)
{
	for (size_t i = 0; i < NDICT; i++) {
		size_t j = dict_hash((const uint8_t *)dict[i].s, dict[i].n);

		while (dict_slot[j] != 0)
			j = (j + 1) % DICT_SLOTS;
		dict_slot[j] = (uint8_t)(i + 1);
	}
}

/* dict's index of (s, n), or NDICT */
static size_t
dict_find(const uint8_t *s, size_t n)
{
	if (n == 0 || n > DICT_LEN_MAX)
		return NDICT;
	(void)pthread_once(&dict_slot_once, dict_slot_make);
	for (size_t j = dict_hash(s, n); dict_slot[j] != 0;
	    j = (j + 1) % DICT_SLOTS) {
		size_t i = dict_slot[j] - 1u;

		if (dict[i].n == n && memcmp(dict[i].s, s, n) == 0)
			return i;
	}
	return NDICT;
}

int
jpack_dict_ok(void)
{
	for (size_t i = 0; i < NDICT; i++)
		if (dict[i].n == 0 || dict[i].n > DICT_LEN_MAX ||
		    strlen(dict[i].s) != dict[i].n ||
		    dict_find((const uint8_t *)dict[i].s, dict[i].n) != i)
			return 0;
	return 1;
}

static void
enc_string(struct ob *o, const uint8_t *s, size_t n)
{
	size_t i = dict_find(s, n);

	if (i < NDICT) {
		if (i < 128) {
			ob_byte(o, T_DICT + (unsigned)i);
		} else {
			ob_byte(o, T_DICTX);
			ob_byte(o, (unsigned)(i - 128));
		}
		return;
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

/* ---- encoder from a tree ------------------------------------------------ */

/* jpack_encode_tree takes the common case only and leaves every other to
 * the text's way (LIEN_EUNSUPPORTED): strings of ASCII without control
 * characters, '"' or '\\' (their canonical text is their bytes, and the order of
 * ASCII member names is their byte order: RFC 8785 3.2.3), integers
 * within JCS_INT_MAX, objects of at most TREE_MEMBERS members, nesting
 * of at most TREE_DEPTH containers. Well inside what jcs_serialize and
 * the scanner accept, so neither can fail where this goes on. */
#define TREE_MEMBERS 32u
#define TREE_DEPTH 8u

struct tmem {
	const char *key;
	size_t key_len;
	const json_t *val;
};

/* 1 if every byte of s is ASCII, not a control character, '"' or '\\'
 * (what RFC 8785 3.2.2.2 writes as it is). Eight bytes a step, as
 * registry/jcs.c plain8 (whose tests are exact: a term is nonzero only
 * when some byte matches), then byte by byte. */
static int
tree_plain(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t x, q, b;

		memcpy(&x, s + i, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if (((x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) & high) != 0)
			return 0;
	}
	for (; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* RFC 8785 order of two ASCII member names: bytes, a proper prefix
 * first (jcs_key_compare's ASCII case). */
static int
tree_key_cmp(const struct tmem *a, const struct tmem *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* v's tokens into o, as the scanner makes them from v's canonical text,
 * whose length is added to *text. 0: not a case this takes. */
static int
tree_value(struct ob *o, const json_t *v, unsigned depth, size_t *text)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		/* jansson's iteration takes non-const pointers; nothing here
		 * modifies the object */
		json_t *obj = (json_t *)(uintptr_t)v;
		struct tmem m[TREE_MEMBERS];
		size_t n = json_object_size(obj), k = 0;
		const char *key;
		size_t key_len;
		json_t *val;

		if (n > TREE_MEMBERS || depth >= TREE_DEPTH)
			return 0;
		json_object_keylen_foreach(obj, key, key_len, val) {
			struct tmem t = { key, key_len, val };
			size_t j = k;

			if (k == n || key_len > JCS_STRING_MAX ||
			    !tree_plain(key, key_len))
				return 0;
			for (; j > 0 && tree_key_cmp(&m[j - 1], &t) > 0; j--)
				m[j] = m[j - 1];
			m[j] = t;
			k++;
		}
		if (k != n)
			return 0;
		ob_byte(o, T_OBJ);
		*text += 2 + (k > 0 ? k - 1 : 0);	/* {} and commas */
		for (size_t i = 0; i < k; i++) {
			enc_string(o, (const uint8_t *)m[i].key, m[i].key_len);
			*text += m[i].key_len + 3;	/* "": */
			if (!tree_value(o, m[i].val, depth + 1, text))
				return 0;
		}
		ob_byte(o, T_OEND);
		return 1;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (n > JCS_MEMBERS_MAX || depth >= TREE_DEPTH)
			return 0;
		ob_byte(o, T_ARR);
		*text += 2 + (n > 0 ? n - 1 : 0);	/* [] and commas */
		for (size_t i = 0; i < n; i++)
			if (!tree_value(o, json_array_get(v, i), depth + 1,
			    text))
				return 0;
		ob_byte(o, T_AEND);
		return 1;
	}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);

		if (n > JCS_STRING_MAX || !tree_plain(s, n))
			return 0;
		enc_string(o, (const uint8_t *)s, n);
		*text += n + 2;
		return 1;
	}
	case JSON_INTEGER: {
		json_int_t i = json_integer_value(v);
		uint8_t d[24];
		size_t n = 0;
		uint64_t u;

		if (i > JCS_INT_MAX || i < -JCS_INT_MAX)
			return 0;
		u = i < 0 ? (uint64_t)(-i) : (uint64_t)i;
		do {
			d[sizeof d - 1 - n++] = (uint8_t)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		if (i < 0)
			d[sizeof d - 1 - n++] = '-';
		enc_number(o, d + sizeof d - n, n);
		*text += n;
		return 1;
	}
	case JSON_TRUE:
		ob_byte(o, T_TRUE);
		*text += 4;
		return 1;
	case JSON_FALSE:
		ob_byte(o, T_FALSE);
		*text += 5;
		return 1;
	case JSON_NULL:
		ob_byte(o, T_NULL);
		*text += 4;
		return 1;
	default:
		return 0;	/* a real: jcs_serialize refuses it */
	}
}

enum lien_status
jpack_encode_tree(const json_t *v, uint8_t **out, size_t *out_len)
{
	struct ob o = { NULL, 0, 0, JPACK_TEXT_MAX, LIEN_OK, NULL };
	size_t text = 0;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (v == NULL || out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	ob_byte(&o, JPACK_TAG);
	/* What jpack_encode of the canonical text keeps: the tokens when
	 * they are shorter than the text (the scanner makes these very
	 * tokens from that text, and they decode back to it: the same
	 * string and number tokens, with the text's separators implied),
	 * else the text, which is the text's way to make. */
	if (!tree_value(&o, v, 0, &text) || o.rc != LIEN_OK ||
	    text > JPACK_TEXT_MAX || o.n >= text) {
		enum lien_status rc = o.rc == LIEN_ENOMEM ? LIEN_ENOMEM :
		    LIEN_EUNSUPPORTED;

		free(o.p);
		return rc;
	}
	*out = o.p;
	*out_len = o.n;
	return LIEN_OK;
}

/* Decode the packed stream (p, len) (p[0] is JPACK_TAG) into o. */
static enum lien_status decode_tokens(const uint8_t *p, size_t len,
    struct ob *o);

enum lien_status
jpack_encode(const uint8_t *json, size_t len, uint8_t **out, size_t *out_len)
{
	struct sc r = { json, json + len, 0 };
	struct ob o = { NULL, 0, 0, 0, LIEN_OK, NULL };

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
	    o.n < len && jpack_decodes_to(o.p, o.n, json, len)) {
		*out = o.p;
		*out_len = o.n;
		return LIEN_OK;
	}
	/* An allocation that failed is a failure, never "keep the text":
	 * the stored form must be a function of the text alone, or a
	 * replay (which did not fail there) would store other bytes. (The
	 * round trip's check allocates nothing.) */
	if (o.rc == LIEN_ENOMEM) {
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

/* Two lowercase hex digits per byte value, for out_hex. */
static const char hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void
out_hex(struct ob *o, const uint8_t *b, size_t n)
{
	uint8_t buf[64], *at;

	if (o->want != NULL) {	/* compared 32 bytes (64 digits) at a time */
		for (size_t i = 0; i < n; i += sizeof buf / 2) {
			size_t m = n - i < sizeof buf / 2 ? n - i :
			    sizeof buf / 2;

			for (size_t j = 0; j < m; j++)
				memcpy(buf + 2 * j, hex_pairs + 2 * b[i + j], 2);
			ob_cmp(o, buf, 2 * m);
		}
		return;
	}
	at = ob_take(o, 2 * n);
	for (size_t i = 0; at != NULL && i < n; i++, at += 2)
		memcpy(at, hex_pairs + 2 * b[i], 2);
}

enum lien_status
jpack_decode(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len)
{
	struct ob o = { NULL, 0, 0, JPACK_TEXT_MAX, LIEN_OK, NULL };
	enum lien_status rc;

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
		rc = o.rc;
	} else {
		rc = decode_tokens(p, len, &o);
	}
	if (rc == LIEN_OK && o.p == NULL && (o.p = malloc(1)) == NULL)
		rc = LIEN_ENOMEM;
	if (rc != LIEN_OK) {
		free(o.p);
		return rc;
	}
	o.p[o.n] = 0;
	*out = o.p;
	*out_len = o.n;
	return LIEN_OK;
}

int
jpack_decodes_to(const uint8_t *p, size_t len, const uint8_t *text,
    size_t text_len)
{
	struct ob o = { NULL, 0, 0, text_len, LIEN_OK, text };

	/* as jpack_decode: no text over JPACK_TEXT_MAX (the encoder then
	 * keeps such a text as it is, as it always did) */
	if (p == NULL || len == 0 || text == NULL ||
	    text_len > JPACK_TEXT_MAX)
		return 0;
	if (!jpack_is_packed(p, len))
		return len == text_len && memcmp(p, text, len) == 0;
	return decode_tokens(p, len, &o) == LIEN_OK && o.n == text_len;
}

/* ---- decoder into a tree ------------------------------------------------ */

/* jpack_decode_tree builds the tree of the common stream only and leaves
 * every other to the text's way (LIEN_EUNSUPPORTED): strings as the
 * encoder above takes them (tree_plain), integers within JCS_INT_MAX,
 * objects without a repeated name, at most TREE_DEPTH containers deep,
 * the stream whole and well formed. For such a stream jpack_decode's
 * text is what jcs_parse accepts, and its tree is this one. */
struct tdec {
	struct rd r;
	size_t text;		/* the length of the text it decodes to */
};

/* The next token's string (its bytes and length) into *s, *n; buf holds
 * a hex string's digits. 0: not a string token this takes. */
static int
tdec_string(struct tdec *d, unsigned t, char *buf, size_t cap,
    const char **s, size_t *n)
{
	const uint8_t *b;
	uint64_t v;
	size_t pre = 0;

	if (t >= T_DICT || t == T_DICTX) {
		size_t i;

		if (t == T_DICTX) {
			if (rd_take(&d->r, 1, &b) != LIEN_OK)
				return 0;
			i = 128u + b[0];
		} else {
			i = t - T_DICT;
		}
		if (i >= NDICT)
			return 0;
		*s = dict[i].s;
		*n = dict[i].n;
		return 1;
	}
	if (t >= T_STRS || t == T_STR) {
		if (t == T_STR) {
			if (rd_leb128(&d->r, &v) != LIEN_OK || v > JCS_STRING_MAX)
				return 0;
		} else {
			v = t - T_STRS;
		}
		if (rd_take(&d->r, (size_t)v, &b) != LIEN_OK ||
		    !tree_plain((const char *)b, (size_t)v))
			return 0;
		*s = (const char *)b;
		*n = (size_t)v;
		return 1;
	}
	if (t == T_PHEX) {
		if (rd_take(&d->r, 1, &b) != LIEN_OK || !((b[0] >= 'A' &&
		    b[0] <= 'Z') || (b[0] >= 'a' && b[0] <= 'z')))
			return 0;
		buf[0] = (char)b[0];
		pre = 1;
		if (rd_leb128(&d->r, &v) != LIEN_OK || v == 0)
			return 0;
	} else if (t == T_HEX) {
		if (rd_leb128(&d->r, &v) != LIEN_OK || v == 0)
			return 0;
	} else if (t >= T_HEXS) {
		v = t - T_HEXS + 1;
	} else {
		return 0;
	}
	if (v > (cap - pre) / 2 || rd_take(&d->r, (size_t)v, &b) != LIEN_OK)
		return 0;
	for (size_t i = 0; i < v; i++)
		memcpy(buf + pre + 2 * i, hex_pairs + 2 * b[i], 2);
	*s = buf;
	*n = pre + 2 * (size_t)v;
	return 1;
}

/* The value whose first token is t (already read). NULL: not taken. */
static json_t *
tdec_value(struct tdec *d, unsigned t, unsigned depth)
{
	char buf[2 * 128 + 1];
	const char *s;
	size_t n;
	uint64_t v;

	switch (t) {
	case T_OBJ:
	case T_ARR: {
		json_t *c;
		size_t count = 0;

		if (depth >= TREE_DEPTH || (c = t == T_OBJ ? json_object() :
		    json_array()) == NULL)
			return NULL;
		d->text += 2;
		for (;;) {
			unsigned u;
			json_t *e;

			if (d->r.p >= d->r.end)
				goto bad;
			u = *d->r.p++;
			if (u == (t == T_OBJ ? T_OEND : T_AEND))
				break;
			if (count > 0)
				d->text++;	/* , */
			if (++count > JCS_MEMBERS_MAX)
				goto bad;
			if (t == T_OBJ) {
				/* the name: a string token, not one before */
				if (!tdec_string(d, u, buf, sizeof buf, &s,
				    &n) || json_object_getn(c, s, n) != NULL)
					goto bad;
				d->text += n + 3;	/* "": */
				if (d->r.p >= d->r.end)
					goto bad;
				u = *d->r.p++;
				if ((e = tdec_value(d, u, depth + 1)) == NULL ||
				    json_object_setn_new_nocheck(c, s, n, e) != 0)
					goto bad;
			} else if ((e = tdec_value(d, u, depth + 1)) == NULL ||
			    json_array_append_new(c, e) != 0) {
				goto bad;
			}
		}
		return c;
bad:
		json_decref(c);
		return NULL;
	}
	case T_TRUE:
		d->text += 4;
		return json_true();
	case T_FALSE:
		d->text += 5;
		return json_false();
	case T_NULL:
		d->text += 4;
		return json_null();
	case T_UINT:
	case T_NEG:
		if (rd_leb128(&d->r, &v) != LIEN_OK || v > (uint64_t)JCS_INT_MAX ||
		    (t == T_NEG && v == 0) || (t == T_UINT && v < 16))
			return NULL;
		for (uint64_t x = v; x != 0; x /= 10)
			d->text++;
		d->text += t == T_NEG;
		return json_integer(t == T_NEG ? -(json_int_t)v :
		    (json_int_t)v);
	default:
		if (t >= T_SMALL && t < T_HEXS) {
			d->text += t - T_SMALL < 10 ? 1 : 2;
			return json_integer((json_int_t)(t - T_SMALL));
		}
		if (!tdec_string(d, t, buf, sizeof buf, &s, &n))
			return NULL;
		d->text += n + 2;
		return json_stringn_nocheck(s, n);
	}
}

enum lien_status
jpack_decode_tree(const uint8_t *p, size_t len, json_t **out)
{
	struct tdec d;
	json_t *v;

	if (out != NULL)
		*out = NULL;
	if (p == NULL || out == NULL || len == 0)
		return LIEN_EINVAL;
	if (!jpack_is_packed(p, len) || len < 2)
		return LIEN_EUNSUPPORTED;
	rd_init(&d.r, p + 2, len - 2);
	d.text = 0;
	v = tdec_value(&d, p[1], 0);
	if (v == NULL || d.r.p != d.r.end || d.text > JPACK_TEXT_MAX) {
		/* (a failed allocation too: the text's way says the same) */
		json_decref(v);
		return LIEN_EUNSUPPORTED;
	}
	*out = v;
	return LIEN_OK;
}

static enum lien_status
decode_tokens(const uint8_t *p, size_t len, struct ob *o)
{
	struct rd r;
	/* per open container: 1 object, 0 array; its member count */
	uint8_t obj[JCS_DEPTH_MAX];
	uint32_t cnt[JCS_DEPTH_MAX];
	unsigned depth = 0;
	int done = 0;

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
			ob_byte(o, t == T_OEND ? '}' : ']');
			depth--;
			if (depth == 0)
				done = 1;
			else
				cnt[depth - 1]++;
			continue;
		}
		/* a value or a member name: its separator first */
		if (depth > 0 && cnt[depth - 1] > 0)
			ob_byte(o, obj[depth - 1] && !is_key ? ':' : ',');
		if (t == T_OBJ || t == T_ARR) {
			if (is_key || depth >= JCS_DEPTH_MAX)
				goto bad;
			ob_byte(o, t == T_OBJ ? '{' : '[');
			obj[depth] = (uint8_t)(t == T_OBJ);
			cnt[depth++] = 0;
			continue;
		}
		if (is_key && !(t == T_STR || t == T_HEX || t == T_DICTX ||
		    t == T_PHEX || t >= T_HEXS))
			goto bad;
		switch (t) {
		case T_TRUE:
			ob_put(o, "true", 4);
			break;
		case T_FALSE:
			ob_put(o, "false", 5);
			break;
		case T_NULL:
			ob_put(o, "null", 4);
			break;
		case T_UINT:
		case T_NEG:
			if (rd_leb128(&r, &v) != LIEN_OK || (t == T_NEG && v == 0))
				goto bad;
			if (t == T_NEG)
				ob_byte(o, '-');
			out_uint(o, v);
			break;
		case T_NUMTXT:
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_put(o, s, (size_t)v);
			break;
		case T_STR:
			if (rd_leb128(&r, &v) != LIEN_OK ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_byte(o, '"');
			ob_put(o, s, (size_t)v);
			ob_byte(o, '"');
			break;
		case T_HEX:
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			ob_byte(o, '"');
			out_hex(o, s, (size_t)v);
			ob_byte(o, '"');
			break;
		case T_DICTX:
			if (rd_take(&r, 1, &s) != LIEN_OK || 128u + s[0] >= NDICT)
				goto bad;
			ob_byte(o, '"');
			ob_put(o, dict[128u + s[0]].s, dict[128u + s[0]].n);
			ob_byte(o, '"');
			break;
		case T_PHEX:
			if (rd_take(&r, 1, &s) != LIEN_OK || !((s[0] >= 'A' && s[0] <= 'Z')
			    || (s[0] >= 'a' && s[0] <= 'z')))
				goto bad;
			ob_byte(o, '"');
			ob_byte(o, s[0]);
			if (rd_leb128(&r, &v) != LIEN_OK || v == 0 ||
			    rd_take(&r, v, &s) != LIEN_OK)
				goto bad;
			out_hex(o, s, (size_t)v);
			ob_byte(o, '"');
			break;
		default:
			if (t >= T_DICT) {
				if (t - T_DICT >= NDICT)
					goto bad;
				ob_byte(o, '"');
				ob_put(o, dict[t - T_DICT].s,
				    dict[t - T_DICT].n);
				ob_byte(o, '"');
			} else if (t >= T_STRS) {
				if (rd_take(&r, t - T_STRS, &s) != LIEN_OK)
					goto bad;
				ob_byte(o, '"');
				ob_put(o, s, t - T_STRS);
				ob_byte(o, '"');
			} else if (t >= T_HEXS) {
				if (rd_take(&r, t - T_HEXS + 1, &s) != LIEN_OK)
					goto bad;
				ob_byte(o, '"');
				out_hex(o, s, t - T_HEXS + 1);
				ob_byte(o, '"');
			} else if (t >= T_SMALL) {
				out_uint(o, t - T_SMALL);
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
		return LIEN_ECORRUPT;
	return o->rc;
bad:
	return LIEN_ECORRUPT;
}
