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
 * "Where the bytes go", v21).
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

/* The dictionary of a format: dict1, then the context for
 * EVZIP_DEFLATE2; into buf. */
#define DICT_MAX (sizeof(dict1) - 1 + EVZIP_CTX_MAX)

static size_t
dict_make(const struct evzip_ctx *ctx, uint8_t buf[DICT_MAX])
{
	size_t n = sizeof(dict1) - 1;

	memcpy(buf, dict1, n);
	if (ctx != NULL && ctx->len <= EVZIP_CTX_MAX) {
		memcpy(buf + n, ctx->b, ctx->len);
		n += ctx->len;
	}
	return n;
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
 * out. */
static enum lien_status LIEN_MUST_CHECK
inflate_exact(const uint8_t *z, size_t zlen, const uint8_t *d, size_t dlen,
    uint8_t *out, size_t n)
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
	/* Exactly one stream, ending at the input's end, exactly n bytes:
	 * more output wanted (Z_BUF_ERROR with avail_out 0), less input
	 * than the stream needs, trailing bytes or a short text are all
	 * the same refusal. */
	if (rc == Z_STREAM_END && s.avail_in == 0 && s.avail_out == 0)
		st = LIEN_OK;
	else if (rc == Z_MEM_ERROR)
		st = LIEN_ENOMEM;
out:
	(void)inflateEnd(&s);
	return st;
}

enum lien_status
evzip_encode(const uint8_t *text, size_t len, const struct evzip_ctx *ctx,
    uint8_t **out, size_t *out_len)
{
	z_stream s;
	uint8_t *buf = NULL, *back = NULL, dict[DICT_MAX];
	size_t hdr, cap, zlen, dlen;
	int rc;
	enum lien_status st;

	out_clear(out, out_len);
	if (text == NULL || out == NULL || out_len == NULL || len == 0 ||
	    text[0] == EVZIP_DEFLATE1 || text[0] == EVZIP_DEFLATE2 ||
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
	if ((buf = malloc(cap)) == NULL)
		goto out;
	st = LIEN_ECRYPTO;
	dlen = dict_make(ctx, dict);
	if (deflateSetDictionary(&s, (const Bytef *)dict, (uInt)dlen) != Z_OK)
		goto out;
	buf[0] = ctx != NULL ? EVZIP_DEFLATE2 : EVZIP_DEFLATE1;
	hdr = 1 + leb128_put(buf + 1, len);
	s.next_in = (z_const Bytef *)text;
	s.avail_in = (uInt)len;
	s.next_out = buf + hdr;
	s.avail_out = (uInt)(cap - hdr);
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		goto out;
	zlen = hdr + (size_t)s.total_out;
	/* Kept only when shorter and it inflates back to the very text. */
	if (zlen < len && (back = malloc(len)) != NULL &&
	    inflate_exact(buf + hdr, zlen - hdr, dict, dlen, back, len) ==
	    LIEN_OK &&
	    memcmp(back, text, len) == 0) {
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
	uint8_t *buf, dict[DICT_MAX];
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
	if (p[0] != EVZIP_DEFLATE1 && p[0] != EVZIP_DEFLATE2)
		return LIEN_EUNSUPPORTED;
	if (p[0] == EVZIP_DEFLATE2 && (ctx == NULL || ctx->len > EVZIP_CTX_MAX))
		return LIEN_EINVAL;
	dlen = dict_make(p[0] == EVZIP_DEFLATE2 ? ctx : NULL, dict);
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
	if ((st = inflate_exact(p + at, len - at, dict, dlen, buf,
	    (size_t)n)) != LIEN_OK) {
		secret_wipe(buf, (size_t)n + 1);
		free(buf);
		return st;
	}
	buf[n] = 0;
	*out = buf;
	*out_len = (size_t)n;
	return LIEN_OK;
}
