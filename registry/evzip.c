/*
 * Compressed evidence text (registry/evzip.h): raw deflate with a preset
 * dictionary, before the text is sealed.
 *
 * Why deflate with a dictionary: an evidence text is 0.5-2 KiB of one
 * signed request, and most of its bytes are the same in every request of
 * its kind: the tag, the method and path, the Signature-Input's component
 * list and parameter names, the body's member names, the face token's JWS
 * header and claim names. Deflate alone finds little to repeat inside one
 * short text; with those strings in its 32 KiB window before the text
 * starts (the preset dictionary), each becomes a back-reference of two or
 * three bytes. What stays is what is random or personal: the signature,
 * the nonce, the token's signature, names, numbers (the measurement is in
 * docs/storage.md "Where the bytes go").
 *
 * The dictionary is part of the format: changing a byte of it needs a new
 * format byte, old boxes keep theirs. EVZIP_DEFLATE2 (store v21) puts the
 * request's own signature parameters after it (evzip_context: created,
 * nonce, key id, which the private record and the entry hold anyway): in
 * the text they are ~100 bytes of digits, random base64 and hex, ~70 once
 * deflated; from the dictionary, one back-reference (docs/storage.md
 * "Where the bytes go", v21). EVZIP_DEFLATE3 (the store format after
 * v26) deflates the text with its base64 spans taken off as the bytes
 * they spell ("spans" below), after a second dictionary of a JWS's
 * names: the face token's claims are JSON that deflate cannot see
 * through base64.
 *
 * Not here: sealing (api/reg_http.c seals what evzip_encode gives and
 * decodes what seal_open gives), and no streaming: texts are bounded.
 */
#include "registry/evzip.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/hex.h"
#include "common/rd.h"
#include "crypto/sign.h"

/* The preset dictionary 1: deflate's window holds it before the text, and
 * matches closer to the text's start cost fewer bits, so the commonest
 * strings come last. Made from the constant parts of the requests the
 * registry's clients send (client/regclient.c bodies, RFC 9421 fields as
 * client/regclient.c regclient_sign writes them): one of each kind. It
 * holds no secret and no real person's data (a dictionary is public: it
 * is in this source file). Append-only in spirit: never change it, add
 * evzip_dict2 and a new format byte. */
/* In order: the rarer bodies' member names and values (restrictions,
 * rejections, company owners, vouchers, counter applications), their
 * paths, the Signature-Input without Idempotency-Key and the other
 * algorithms' names; then, one per kind, the evidence text of a vehicle
 * record, a release and a mortgage application and a decision as
 * client/regclient.c writes them, with every value that differs from
 * request to request left out (signatures, nonces, key ids, ids, names,
 * numbers; the face token's JWS only to its header's first bytes). */
static const char dict1[] =
	"{\"action\":\"set\",\"reference\":\"\",\"restriction\":\"seizure\""
	"}{\"decision\":\"reject\",\"reason\":\"\"}{\"decision\":\"in_perso"
	"n_review\"}\"company\":{\"legal_rep_phone\":\"+86\",\"sms_token\":"
	"\"eyJ\",\"uscc\":\"\"}{\"contract_number\":\"\",\"purpose\":\"mort"
	"gage\",\"valid_days\":\"purpose\":\"release\",\"id_check\":{\"docu"
	"ment\":\"resident_id\"},\"voucher\":\"V\",\"phone_confirmation\":{"
	"\"bank_staff\":\"\",\"contact\":\"\"}}\"name\":\"\",\"phone\":\"+8"
	"6\"},\"term_end\":\"20lienlog-evidence-v2\0POST\0/v1/vouchers\0lie"
	"nlog-evidence-v2\0POST\0/v1/counter/mortgages\0lienlog-evidence-v2"
	"\0POST\0/v1/restrictions/sig1=(\"@method\" \"@authority\" \"@path"
	"\" \"content-digest\");created=17;alg=\"sm2-sm3\";alg=\"ecdsa-p256"
	"-sha256\"lienlog-evidence-v2\0POST\0/v1/vehicles\0sig1=(\"@method"
	"\" \"@authority\" \"@path\" \"content-digest\" \"idempotency-key\""
	");created=17;nonce=\"\";keyid=\"\";alg=\"ed25519\"\0sig1=:==:\0{\""
	"certificate_number\":\"\",\"owner\":{\"id_number\":\"\"},\"plate\""
	":\"\",\"plate_type\":\"02\",\"vin\":\"L\"}lienlog-evidence-v2\0POS"
	"T\0/v1/releases\0sig1=(\"@method\" \"@authority\" \"@path\" \"cont"
	"ent-digest\" \"idempotency-key\");created=17;nonce=\"\";keyid=\"\""
	";alg=\"ed25519\"\0sig1=:==:\0{\"application\":{\"mortgage\":\"A000"
	"000000\",\"owner\":{\"id_number\":\"\"},\"vin\":\"L\"},\"face_toke"
	"n\":\"eyJhbGciOiJFZERTQSIsImtpZCI6Ilienlog-evidence-v2\0POST\0/v1/"
	"mortgages\0sig1=(\"@method\" \"@authority\" \"@path\" \"content-di"
	"gest\" \"idempotency-key\");created=17;nonce=\"\";keyid=\"\";alg="
	"\"ed25519\"\0sig1=:==:\0{\"application\":{\"certificate_number\":"
	"\"\",\"contract_number\":\"\",\"owner\":{\"id_number\":\"\"},\"pla"
	"te\":\"\",\"plate_type\":\"02\",\"vin\":\"L\"},\"face_token\":\"ey"
	"JhbGciOiJFZERTQSIsImtpZCI6Ilienlog-evidence-v2\0POST\0/v1/applicat"
	"ions/A000000000/decision\0sig1=(\"@method\" \"@authority\" \"@path"
	"\" \"content-digest\" \"idempotency-key\");created=17;nonce=\"\";k"
	"eyid=\"\";alg=\"ed25519\"\0sig1=:==:\0{\"decision\":\"approve\"}";

const uint8_t *
evzip_dict1(size_t *len)
{
	if (len != NULL)
		*len = sizeof(dict1) - 1;
	return (const uint8_t *)dict1;
}

/* The preset dictionary 3's own part (EVZIP_DEFLATE3, after dict1): what
 * a JWS's protected header and claims spell once their base64url is
 * taken off (docs/identity.md "Face-ID token": alg, kid, typ; aud, exp,
 * iat, iss, liveness, match, nonce, sub, as a JSON encoder that sorts
 * member names writes them, the commonest last). No deployment's names
 * (issuer, registry, key ids): those are the request's own. Part of the
 * format like dict1: never change it. */
static const char dict3[] =
	"{\"alg\":\"ES256\",\"kid\":\"{\"alg\":\"EdDSA\",\"kid\":\"\",\"typ\""
	":\"JWT\"}{\"aud\":\"\",\"exp\":,\"iat\":,\"iss\":\"https://\",\"live"
	"ness\":,\"match\":,\"nonce\":\"\",\"sub\":\"\"}";

const uint8_t *
evzip_dict3(size_t *len)
{
	if (len != NULL)
		*len = sizeof(dict3) - 1;
	return (const uint8_t *)dict3;
}

/* The dictionary of a format: dict1, then (EVZIP_DEFLATE3) dict3, then
 * the context for EVZIP_DEFLATE2 and 3; into buf. */
#define DICT_MAX (sizeof(dict1) - 1 + sizeof(dict3) - 1 + EVZIP_CTX_MAX)

static size_t
dict_make(unsigned fmt, const struct evzip_ctx *ctx, uint8_t buf[DICT_MAX])
{
	size_t n = sizeof(dict1) - 1;

	memcpy(buf, dict1, n);
	if (fmt == EVZIP_DEFLATE3) {
		memcpy(buf + n, dict3, sizeof(dict3) - 1);
		n += sizeof(dict3) - 1;
	}
	if (fmt != EVZIP_DEFLATE1 && ctx != NULL &&
	    ctx->len <= EVZIP_CTX_MAX) {
		memcpy(buf + n, ctx->b, ctx->len);
		n += ctx->len;
	}
	return n;
}

/*
 * EVZIP_DEFLATE3's spans. A request carries binary values as base64: its
 * Signature (RFC 9421 4.2: an sf-binary, `sig1=:<standard base64>:`) and
 * the face token's three JWS segments (base64url, RFC 7515 2), whose
 * middle one is JSON that deflate cannot see through the base64 (every
 * shift of 3 bytes spells the same text differently). Deflated as they
 * are, 4 characters of base64 cost ~3 bytes where the random bytes they
 * hold cost 3 and the JSON claims much less. So before deflating, each
 * such span is replaced by its bytes: the escape byte EV_SPAN_B64
 * (standard alphabet, padded) or EV_SPAN_B64URL (URL alphabet, no
 * padding), a varint n >= 1 and the n bytes; the decoder spells them
 * again. A span is a maximal run of one alphabet's characters (with its
 * '=' padding) of EV_SPAN_MIN characters or more, between two of '"', ':'
 * and '.', that is not all hex digits (key ids, digests: the context
 * spells those as hex) and spells its bytes canonically (the encoder
 * checks every one, and the whole text round-trips anyway). A text that
 * holds an escape byte itself is deflated without spans (EVZIP_DEFLATE2):
 * no evidence text does (its body is JSON, its fields HTTP header
 * values).
 */
#define EV_SPAN_B64 0x01u
#define EV_SPAN_B64URL 0x02u
#define EV_SPAN_MIN 43u		/* characters: 32 bytes and more */

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The characters that n bytes take in kind's spelling. */
static size_t
span_chars(unsigned kind, size_t n)
{
	return kind == EV_SPAN_B64 ? (n + 2) / 3 * 4 : (n * 4 + 2) / 3;
}

/* Spell the n bytes in as kind does into out (span_chars(kind, n)). */
static void
span_spell(unsigned kind, const uint8_t *in, size_t n, uint8_t *out)
{
	const char *a = kind == EV_SPAN_B64 ? b64_std : b64_url;
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = (uint8_t)a[v >> 18];
		out[o++] = (uint8_t)a[v >> 12 & 63];
		out[o++] = (uint8_t)a[v >> 6 & 63];
		out[o++] = (uint8_t)a[v & 63];
	}
	if (n - i == 1) {
		out[o++] = (uint8_t)a[in[i] >> 2];
		out[o++] = (uint8_t)a[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = (uint8_t)a[v >> 10];
		out[o++] = (uint8_t)a[v >> 4 & 63];
		out[o++] = (uint8_t)a[(v & 15) << 2];
	}
	if (kind == EV_SPAN_B64)
		while (o % 4 != 0)
			out[o++] = '=';
}

static int
span_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' ||
	    c == '_';
}

static int
span_delim(uint8_t c)
{
	return c == '"' || c == ':' || c == '.';
}

/* A span character's 6 bits in either alphabet (span_char(c) holds). */
static uint32_t
span_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint32_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint32_t)(c - 'a') + 26u;
	if (c >= '0' && c <= '9')
		return (uint32_t)(c - '0') + 52u;
	return c == '+' || c == '-' ? 62u : 63u;
}

/* The span at text[i..) (text[i - 1] a delimiter, text[i] a span
 * character): its kind (0: none), its bytes decoded into raw (*n) and the
 * characters it takes (*used, padding included). */
static unsigned
span_find(const uint8_t *text, size_t len, size_t i, uint8_t *raw,
    size_t *n, size_t *used)
{
	size_t e = i, p, chars;
	int std = 0, url = 0, hex = 1;
	unsigned kind;

	while (e < len && span_char(text[e])) {
		std |= text[e] == '+' || text[e] == '/';
		url |= text[e] == '-' || text[e] == '_';
		hex &= (text[e] >= '0' && text[e] <= '9') ||
		    (text[e] >= 'a' && text[e] <= 'f') ||
		    (text[e] >= 'A' && text[e] <= 'F');
		e++;
	}
	*used = e - i;
	for (p = e; p < len && p - e < 2 && text[p] == '='; p++)
		;
	chars = e - i;
	if (chars < EV_SPAN_MIN || (std && url) || hex ||
	    (p < len && !span_delim(text[p])))
		return 0;
	kind = std || p > e ? EV_SPAN_B64 : EV_SPAN_B64URL;
	if (kind == EV_SPAN_B64 ? url || (p - i) % 4 != 0 : chars % 4 == 1)
		return 0;
	/* 6 bits a character, the last one's spare bits zero */
	*n = chars * 6 / 8;
	{
		uint32_t acc = 0;
		unsigned bits = 0;
		size_t o = 0;

		for (size_t k = i; k < e; k++) {
			acc = acc << 6 | span_value(text[k]);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				raw[o++] = (uint8_t)(acc >> bits);
				acc &= (1u << bits) - 1;
			}
		}
		if (acc != 0 || o != *n)
			return 0;
	}
	if (span_chars(kind, *n) != p - i)
		return 0;	/* padding that does not fit */
	*used = p - i;
	return kind;
}

/* The text with its spans taken off (see above) into t (len bytes at
 * least: a span's escape is shorter than its characters); its length, or
 * 0 when the text holds an escape byte. */
static size_t
spans_take(const uint8_t *text, size_t len, uint8_t *t)
{
	size_t i = 0, o = 0;

	if (memchr(text, EV_SPAN_B64, len) != NULL ||
	    memchr(text, EV_SPAN_B64URL, len) != NULL)
		return 0;
	while (i < len) {
		size_t n, used;
		unsigned kind;

		if (!span_char(text[i]) || i == 0 ||
		    !span_delim(text[i - 1])) {
			t[o++] = text[i++];
			continue;
		}
		/* the bytes go where the characters were: o + 3 + n stays
		 * within i + used (n >= 32, n * 4 / 3 >= n + 11) */
		kind = span_find(text, len, i, t + o + 3, &n, &used);
		if (kind == 0) {
			memcpy(t + o, text + i, used);
			o += used;
			i += used;
			continue;
		}
		{
			uint8_t v[LEB128_MAX];
			size_t vl = leb128_put(v, n);

			memmove(t + o + 1 + vl, t + o + 3, n);
			t[o] = (uint8_t)kind;
			memcpy(t + o + 1, v, vl);
			o += 1 + vl + n;
		}
		i += used;
	}
	return o;
}

/* Spell the text of (t, tlen) again into exactly n bytes at out. */
static enum lien_status LIEN_MUST_CHECK
spans_give(const uint8_t *t, size_t tlen, uint8_t *out, size_t n)
{
	struct rd r;
	size_t o = 0;

	rd_init(&r, t, tlen);
	while (rd_left(&r) > 0) {
		uint8_t c;
		uint64_t k;
		const uint8_t *raw;
		size_t chars;

		if (rd_u8(&r, &c) != LIEN_OK)
			return LIEN_ECORRUPT;
		if (c != EV_SPAN_B64 && c != EV_SPAN_B64URL) {
			if (o == n)
				return LIEN_ECORRUPT;
			out[o++] = c;
			continue;
		}
		/* k <= tlen before it sizes anything */
		if (rd_leb128(&r, &k) != LIEN_OK || k == 0 ||
		    rd_take(&r, (size_t)k, &raw) != LIEN_OK)
			return LIEN_ECORRUPT;
		chars = span_chars(c, (size_t)k);
		if (chars > n - o)
			return LIEN_ECORRUPT;
		span_spell(c, raw, (size_t)k, out + o);
		o += chars;
	}
	return o == n ? LIEN_OK : LIEN_ECORRUPT;
}

enum lien_status
evzip_context(int64_t created, const char *nonce, size_t nonce_len,
    const uint8_t keyid[EVZIP_KEYID_LEN], struct evzip_ctx *out)
{
	char num[24];
	int nl;
	size_t n = 0;

	out->len = 0;
	if (created < 0 || nonce == NULL || keyid == NULL ||
	    nonce_len > HTTPSIG_PARAM_MAX)
		return LIEN_EINVAL;
	nl = snprintf(num, sizeof num, "%lld", (long long)created);
	if (nl <= 0 || (size_t)nl >= sizeof num)
		return LIEN_EINVAL;
#define CW(s, l) do { memcpy(out->b + n, (s), (l)); n += (l); } while (0)
	CW("created=", 8);
	CW(num, (size_t)nl);
	CW(";nonce=\"", 8);
	CW(nonce, nonce_len);
	CW("\";keyid=\"", 9);
	hex_encode(keyid, EVZIP_KEYID_LEN, (char *)out->b + n);
	n += 2 * EVZIP_KEYID_LEN;
	CW("\"", 1);
#undef CW
	out->len = n;
	return LIEN_OK;
}

static void
out_clear(uint8_t **out, size_t *out_len)
{
	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
}

/* zlib's own buffers (the deflate window and hash chains, the inflate
 * window) hold the evidence text, which is personal data: they are
 * wiped before they are freed, like every other copy of it. Each block
 * keeps its size in front. */
static voidpf
zwipe_alloc(voidpf opaque, uInt items, uInt size)
{
	size_t n = (size_t)items * size;
	size_t *p;

	(void)opaque;
	if (size != 0 && n / size != items)
		return Z_NULL;
	if ((p = malloc(sizeof(size_t) + n)) == NULL)
		return Z_NULL;
	*p = n;
	return p + 1;
}

static void
zwipe_free(voidpf opaque, voidpf q)
{
	size_t *p = (size_t *)q - 1;

	(void)opaque;
	secret_wipe(p + 1, *p);
	free(p);
}

/* Inflate (z, zlen) with the dictionary (d, dlen) into exactly n bytes at
 * out, or with got (EVZIP_DEFLATE3's text without its spans, which is
 * shorter than the text) 1 to n bytes, *got of them. */
static enum lien_status LIEN_MUST_CHECK
inflate_exact(const uint8_t *z, size_t zlen, const uint8_t *d, size_t dlen,
    uint8_t *out, size_t n, size_t *got)
{
	z_stream s;
	int rc;
	enum lien_status st = LIEN_ECORRUPT;

	if (zlen > UINT_MAX || n > UINT_MAX)
		return LIEN_ETOOBIG;
	memset(&s, 0, sizeof(s));
	s.zalloc = zwipe_alloc;
	s.zfree = zwipe_free;
	if ((rc = inflateInit2(&s, -15)) != Z_OK)
		return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECRYPTO;
	if (inflateSetDictionary(&s, (const Bytef *)d, (uInt)dlen) != Z_OK)
		goto out;
	s.next_in = (z_const Bytef *)z;
	s.avail_in = (uInt)zlen;
	s.next_out = out;
	s.avail_out = (uInt)n;
	rc = inflate(&s, Z_FINISH);
	/* Exactly one stream, ending at the input's end, exactly n bytes
	 * (at most n, and at least one, with got): more output wanted
	 * (Z_BUF_ERROR with avail_out 0), less input than the stream
	 * needs, trailing bytes or a short text are all the same refusal. */
	if (rc == Z_STREAM_END && s.avail_in == 0 && (got != NULL ?
	    s.avail_out < n : s.avail_out == 0)) {
		if (got != NULL)
			*got = n - s.avail_out;
		st = LIEN_OK;
	} else if (rc == Z_MEM_ERROR)
		st = LIEN_ENOMEM;
out:
	(void)inflateEnd(&s);
	return st;
}

/* The n-byte text of format fmt's stream (z, zlen) with the dictionary
 * (d, dlen) into out (n bytes; and for EVZIP_DEFLATE3 t, n bytes of
 * scratch, which the caller wipes). */
static enum lien_status LIEN_MUST_CHECK
text_inflate(unsigned fmt, const uint8_t *z, size_t zlen, const uint8_t *d,
    size_t dlen, uint8_t *out, size_t n, uint8_t *t)
{
	size_t tlen;
	enum lien_status st;

	if (fmt != EVZIP_DEFLATE3)
		return inflate_exact(z, zlen, d, dlen, out, n, NULL);
	if ((st = inflate_exact(z, zlen, d, dlen, t, n, &tlen)) != LIEN_OK)
		return st;
	return spans_give(t, tlen, out, n);
}

enum lien_status
evzip_encode(const uint8_t *text, size_t len, const struct evzip_ctx *ctx,
    uint8_t **out, size_t *out_len)
{
	z_stream s;
	uint8_t *buf = NULL, *back = NULL, *t = NULL, dict[DICT_MAX];
	const uint8_t *in = text;
	size_t hdr, cap, zlen, dlen, in_len = len;
	unsigned fmt = ctx != NULL ? EVZIP_DEFLATE3 : EVZIP_DEFLATE1;
	int rc;
	enum lien_status st;

	out_clear(out, out_len);
	if (text == NULL || out == NULL || out_len == NULL || len == 0 ||
	    text[0] == EVZIP_DEFLATE1 || text[0] == EVZIP_DEFLATE2 ||
	    text[0] == EVZIP_DEFLATE3 ||
	    (ctx != NULL && ctx->len > EVZIP_CTX_MAX))
		return LIEN_EINVAL;
	if (len > EVZIP_TEXT_MAX)
		return LIEN_ETOOBIG;
	memset(&s, 0, sizeof(s));
	s.zalloc = zwipe_alloc;
	s.zfree = zwipe_free;
	/* Level 9 (the texts are short: the best matches cost little),
	 * a 4 KiB window (the dictionary and a text of a few KiB; a longer
	 * text compresses a little less), memLevel 5: a 2^12-slot hash
	 * table, which deflateInit clears on every call (memLevel 8's
	 * 2^15 took half the CPU at the same size; 3 loses 3%). The
	 * inflater takes any window (-15). */
	if ((rc = deflateInit2(&s, 9, Z_DEFLATED, -12, 5,
	    Z_DEFAULT_STRATEGY)) != Z_OK)
		return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECRYPTO;
	st = LIEN_ENOMEM;
	cap = 11 + (size_t)deflateBound(&s, (uLong)len);
	if ((buf = malloc(cap)) == NULL || (back = malloc(len)) == NULL ||
	    (fmt == EVZIP_DEFLATE3 && (t = malloc(len)) == NULL))
		goto out;
	/* the spans off (EVZIP_DEFLATE3), unless the text holds an escape
	 * byte: then the context alone (EVZIP_DEFLATE2) */
	if (fmt == EVZIP_DEFLATE3) {
		if ((in_len = spans_take(text, len, t)) > 0)
			in = t;
		else {
			fmt = EVZIP_DEFLATE2;
			in_len = len;
		}
	}
	st = LIEN_ECRYPTO;
	dlen = dict_make(fmt, ctx, dict);
	if (deflateSetDictionary(&s, (const Bytef *)dict, (uInt)dlen) != Z_OK)
		goto out;
	buf[0] = (uint8_t)fmt;
	hdr = 1 + leb128_put(buf + 1, len);
	s.next_in = (z_const Bytef *)in;
	s.avail_in = (uInt)in_len;
	s.next_out = buf + hdr;
	s.avail_out = (uInt)(cap - hdr);
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		goto out;
	zlen = hdr + (size_t)s.total_out;
	/* Kept only when shorter and it gives back the very text (the
	 * spans' spelling included). */
	if (zlen < len && text_inflate(fmt, buf + hdr, zlen - hdr, dict, dlen,
	    back, len, t) == LIEN_OK && memcmp(back, text, len) == 0) {
		*out = buf;
		*out_len = zlen;
		buf = NULL;
		st = LIEN_OK;
		goto out;
	}
	/* The text itself. */
	st = LIEN_ENOMEM;
	if (cap < len) {
		uint8_t *p = realloc(buf, len);

		if (p == NULL)
			goto out;
		buf = p;
		cap = len;
	}
	memcpy(buf, text, len);
	*out = buf;
	*out_len = len;
	buf = NULL;
	st = LIEN_OK;
out:
	(void)deflateEnd(&s);
	if (back != NULL) {
		secret_wipe(back, len);
		free(back);
	}
	if (t != NULL) {
		secret_wipe(t, len);
		free(t);
	}
	if (buf != NULL) {
		secret_wipe(buf, cap);
		free(buf);
	}
	return st;
}

enum lien_status
evzip_decode(const uint8_t *p, size_t len, const struct evzip_ctx *ctx,
    uint8_t **out, size_t *out_len)
{
	uint64_t n;
	size_t at = 1, dlen;
	struct rd r;
	uint8_t *buf, *t = NULL, dict[DICT_MAX];
	enum lien_status st;

	out_clear(out, out_len);
	if (out == NULL || out_len == NULL || (p == NULL && len != 0))
		return LIEN_EINVAL;
	if (len == 0)
		return LIEN_ECORRUPT;
	if (p[0] == 'l') {
		if (len > EVZIP_TEXT_MAX)
			return LIEN_ETOOBIG;
		if ((buf = malloc(len + 1)) == NULL)
			return LIEN_ENOMEM;
		memcpy(buf, p, len);
		buf[len] = 0;
		*out = buf;
		*out_len = len;
		return LIEN_OK;
	}
	if (p[0] != EVZIP_DEFLATE1 && p[0] != EVZIP_DEFLATE2 &&
	    p[0] != EVZIP_DEFLATE3)
		return LIEN_EUNSUPPORTED;
	if (p[0] != EVZIP_DEFLATE1 && (ctx == NULL ||
	    ctx->len > EVZIP_CTX_MAX))
		return LIEN_EINVAL;
	dlen = dict_make(p[0], ctx, dict);
	rd_init(&r, p + at, len - at);
	if (rd_leb128(&r, &n) != LIEN_OK)
		return LIEN_ECORRUPT;
	at = (size_t)(r.p - p);
	if (n == 0)
		return LIEN_ECORRUPT;
	if (n > EVZIP_TEXT_MAX)
		return LIEN_ETOOBIG;
	if ((buf = malloc((size_t)n + 1)) == NULL)
		return LIEN_ENOMEM;
	if (p[0] == EVZIP_DEFLATE3 && (t = malloc((size_t)n)) == NULL) {
		free(buf);
		return LIEN_ENOMEM;
	}
	st = text_inflate(p[0], p + at, len - at, dict, dlen, buf, (size_t)n,
	    t);
	if (t != NULL) {
		secret_wipe(t, (size_t)n);
		free(t);
	}
	if (st != LIEN_OK) {
		secret_wipe(buf, (size_t)n + 1);
		free(buf);
		return st;
	}
	buf[n] = 0;
	*out = buf;
	*out_len = (size_t)n;
	return LIEN_OK;
}
