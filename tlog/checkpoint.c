/*
 * C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint): formatting,
 * strict parsing, and opening a signed checkpoint with the log's key.
 *
 * The body is three or more '\n'-terminated lines: origin, tree size in
 * canonical decimal, base64 of the 32-byte RFC 6962 root, then optional
 * non-empty extension lines. Every field has exactly one accepted
 * spelling, so two checkpoints with equal (origin, size, root, ext) are
 * byte-identical and a signature cannot be carried to a re-encoding.
 *
 * Parsing is zero-copy (struct checkpoint borrows the body) and never
 * allocates. The origin is not required to follow the key-name rules
 * (the spec only RECOMMENDS that), but it may hold no control character;
 * checkpoint_open additionally requires origin == the verifier's name,
 * which does follow them. Signatures are crypto/note.c's business.
 */
#include "tlog/checkpoint.h"

#include "common/dec.h"

#include <string.h>

#include "common/b64.h"
#include "common/rd.h"

#define U64_DIGITS_MAX DEC_U64_DIGITS_MAX
#define ROOT_B64_LEN B64_ENCODED_LEN(HASH_LEN)	/* 44 */

/* UTF-8 check without control characters (a line has no '\n' left).
 * Kept local: the note layer checks whole notes, but checkpoint_parse is
 * also called on bodies that never were inside a note. */
static int
line_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint32_t v, min;

		if (c < 0x80) {
			if (c < 0x20)
				return 0;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 2, v = c & 0x1fu, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			k = 3, v = c & 0x0fu, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			k = 4, v = c & 0x07u, min = 0x10000;
		else
			return 0;
		if (k > n - i)
			return 0;
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			v = v << 6 | (p[i + j] & 0x3fu);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		i += k;
	}
	return 1;
}

static size_t
size_format(uint64_t v, char out[U64_DIGITS_MAX])
{
	char tmp[U64_DIGITS_MAX];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

enum lien_status
checkpoint_format(const char *origin, size_t origin_len, uint64_t size,
    const uint8_t root[HASH_LEN], char *out, size_t cap, size_t *out_len)
{
	char digits[U64_DIGITS_MAX];
	size_t ndigits, need, o = 0;
	enum lien_status st;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || root == NULL || out_len == NULL ||
	    (origin == NULL && origin_len > 0))
		return LIEN_EINVAL;
	if (cap > 0)
		out[0] = '\0';
	if (origin_len > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (origin_len == 0 || !line_ok((const uint8_t *)origin, origin_len))
		return LIEN_EPARSE;
	ndigits = size_format(size, digits);
	need = origin_len + 1 + ndigits + 1 + ROOT_B64_LEN + 1;
	if (need > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (cap < need + 1)
		return LIEN_ETOOBIG;
	memcpy(out + o, origin, origin_len), o += origin_len;
	out[o++] = '\n';
	memcpy(out + o, digits, ndigits), o += ndigits;
	out[o++] = '\n';
	st = b64_encode(root, HASH_LEN, out + o, cap - o);
	if (st != LIEN_OK) {
		out[0] = '\0';
		return st;
	}
	o += ROOT_B64_LEN;
	out[o++] = '\n';
	out[o] = '\0';
	*out_len = o;
	return LIEN_OK;
}

enum lien_status
checkpoint_parse(const uint8_t *body, size_t len, struct checkpoint *out)
{
	struct rd r;
	const uint8_t *line;
	size_t n, got;
	enum lien_status st = LIEN_EPARSE;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (body == NULL && len > 0)
		return LIEN_EINVAL;
	if (len > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	/* Every line, the last included, ends in '\n' (tlog-checkpoint:
	 * "separated by newlines", and a note text ends in one). */
	if (len == 0 || body[len - 1] != '\n')
		return LIEN_EPARSE;
	rd_init(&r, body, len);

	/* 1. origin: non-empty. */
	if (rd_until(&r, '\n', &line, &n) != LIEN_OK || n == 0 ||
	    !line_ok(line, n))
		goto fail;
	out->origin = (const char *)line;
	out->origin_len = n;

	/* 2. tree size. */
	if (rd_until(&r, '\n', &line, &n) != LIEN_OK ||
	    dec_u64_parse(line, n, &out->size) != LIEN_OK)
		goto fail;

	/* 3. root hash: exactly 32 bytes, canonical base64. */
	if (rd_until(&r, '\n', &line, &n) != LIEN_OK || n != ROOT_B64_LEN ||
	    b64_decode((const char *)line, n, out->root, HASH_LEN, &got) !=
	    LIEN_OK || got != HASH_LEN)
		goto fail;

	/* 4. extension lines: non-empty, bounded in number. */
	while (rd_left(&r) > 0) {
		if (rd_until(&r, '\n', &line, &n) != LIEN_OK || n == 0 ||
		    !line_ok(line, n))
			goto fail;
		if (out->next == CHECKPOINT_EXT_LINES_MAX) {
			st = LIEN_ETOOBIG;
			goto fail;
		}
		out->ext[out->next] = (const char *)line;
		out->ext_len[out->next] = n;
		out->next++;
	}
	return LIEN_OK;
fail:
	memset(out, 0, sizeof *out);
	return st;
}

enum lien_status
checkpoint_open(const uint8_t *msg, size_t len, const struct note_verifier *v,
    struct checkpoint *out)
{
	struct note_parsed np;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (v == NULL || v->type != NOTE_KEY_ED25519)
		return LIEN_EINVAL;
	st = note_verify(msg, len, v, 1, &np, NULL);
	if (st != LIEN_OK)
		return st;
	st = checkpoint_parse(np.text, np.text_len, out);
	if (st != LIEN_OK)
		return st;
	/* tlog-checkpoint: the log's key name SHOULD match the origin; we
	 * make it a MUST so a key cannot vouch for another log's tree. */
	if (out->origin_len != v->name_len ||
	    memcmp(out->origin, v->name, v->name_len) != 0) {
		memset(out, 0, sizeof *out);
		return LIEN_EVERIFY;
	}
	return LIEN_OK;
}
