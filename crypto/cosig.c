/*
 * C2SP tlog-cosignature v1 (c2sp.org/tlog-cosignature): the Ed25519
 * witness cosignature, key type 0x04.
 *
 * Design. Signing and verifying rebuild the signed message
 * "cosignature/v1\ntime <t>\n" || body on the stack-free path: the body is
 * at most NOTE_TEXT_MAX, so the message goes into one heap buffer
 * (civetweb workers have a 100 KiB stack, DEPS.md). Verification of a
 * whole note reuses note_parse (crypto/note.c) for the envelope, so there
 * is one parser of signature lines; this file only interprets the 76-byte
 * payload of lines whose (name, key id) match a 0x04 verifier.
 *
 * Keys. The specs define the verifier key (a C2SP vkey with type 0x04) but
 * no private key text; Go's sumdb/note knows neither. We reuse the
 * signed-note private key text with type byte 0x04 ("PRIVATE+KEY+<name>+
 * <hex8>+<base64(0x04 || seed)>"), whose key id is that of the public
 * key. A 0x01 (log) key is refused as a witness key and vice versa:
 * tlog-cosignature requires distinct keys per cosigner and a log key that
 * cosigns could vouch for its own split view. Parsing and generating
 * those texts is crypto/note.c's (note_keypair_*), for both types.
 *
 * What it is not: it does not judge a timestamp against the clock, and it
 * does not check the log's own signature (checkpoint_open does).
 */
#include "crypto/cosig.h"

#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"

static const char msg_header[] = "cosignature/v1\ntime ";
#define MSG_HEADER_LEN (sizeof msg_header - 1)
/* "— " (U+2014 EM DASH, space), as in crypto/note.c. */
static const uint8_t sig_prefix[4] = { 0xe2, 0x80, 0x94, 0x20 };

#define RAW_B64_LEN B64_ENCODED_LEN(COSIG_RAW_LEN)	/* 104 */
/* Header, at most 19 decimal digits (2^63 - 1), '\n', then the body. */
#define MSG_MAX (MSG_HEADER_LEN + 19u + 1u + NOTE_TEXT_MAX)

struct cosig_signer {
	struct note_verifier v;	/* type is always NOTE_KEY_COSIG_V1 */
	uint8_t sk[ED25519_SK_LEN];
};

/* ---- key texts ------------------------------------------------------ */

/* "<prefix><name>+<hex8>+<base64(0x04 || key)>" plus NUL into out; out
 * is "" on failure. */
static enum lien_status LIEN_MUST_CHECK
key_text_format(const char *prefix, size_t prefix_len,
    const struct note_verifier *v, const uint8_t key[32], char *out,
    size_t cap)
{
	enum lien_status st = note_key_text_format(prefix, prefix_len, v->name,
	    v->name_len, v->key_id, NOTE_KEY_COSIG_V1, key, out, cap);

	if (st != LIEN_OK && cap > 0)
		out[0] = '\0';
	return st;
}

enum lien_status
cosig_signer_parse(const char *skey, size_t len, struct cosig_signer **out)
{
	struct cosig_signer *s;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (skey == NULL)
		return LIEN_EINVAL;
	if ((s = secret_alloc(sizeof *s)) == NULL)
		return LIEN_ENOMEM;
	/* A log key (0x01) is not a witness key: "unsupported". */
	st = note_keypair_parse(skey, len, NOTE_KEY_COSIG_V1, &s->v, s->sk);
	if (st != LIEN_OK) {
		secret_free(s);
		return st;
	}
	*out = s;
	return LIEN_OK;
}

void
cosig_signer_free(struct cosig_signer *s)
{
	secret_free(s);
}

const struct note_verifier *
cosig_signer_verifier(const struct cosig_signer *s)
{
	return &s->v;
}

enum lien_status
cosig_signer_vkey(const struct cosig_signer *s, char *out, size_t cap)
{
	if (s == NULL || out == NULL)
		return LIEN_EINVAL;
	return key_text_format("", 0, &s->v, s->v.pk, out, cap);
}

enum lien_status
cosig_key_generate(const char *name, size_t name_len, char **out_skey,
    char **out_vkey)
{
	return note_keypair_generate(name, name_len, NOTE_KEY_COSIG_V1,
	    out_skey, out_vkey);
}

/* ---- messages, signing ---------------------------------------------- */

enum lien_status
cosig_message(uint64_t timestamp, const uint8_t *body, size_t body_len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	char digits[20];
	size_t nd = 0, need;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL || body == NULL)
		return LIEN_EINVAL;
	/* tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1; the
	 * body is a whole checkpoint text, which ends in '\n'. */
	if (timestamp > COSIG_TIME_MAX || body_len == 0 ||
	    body[body_len - 1] != '\n')
		return LIEN_EINVAL;
	if (body_len > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	do {	/* decimal, no leading zeros; "0" for zero */
		digits[nd++] = (char)('0' + timestamp % 10);
		timestamp /= 10;
	} while (timestamp != 0);
	need = MSG_HEADER_LEN + nd + 1 + body_len;
	if (need > cap)
		return LIEN_ETOOBIG;
	memcpy(out, msg_header, MSG_HEADER_LEN);
	for (size_t i = 0; i < nd; i++)
		out[MSG_HEADER_LEN + i] = (uint8_t)digits[nd - 1 - i];
	out[MSG_HEADER_LEN + nd] = '\n';
	memcpy(out + MSG_HEADER_LEN + nd + 1, body, body_len);
	*out_len = need;
	return LIEN_OK;
}

enum lien_status
cosig_sign(const struct cosig_signer *s, const uint8_t *body,
    size_t body_len, uint64_t timestamp, uint8_t raw[COSIG_RAW_LEN])
{
	uint8_t *msg;
	size_t msg_len;
	enum lien_status st;

	if (raw == NULL)
		return LIEN_EINVAL;
	memset(raw, 0, COSIG_RAW_LEN);
	if (s == NULL)
		return LIEN_EINVAL;
	msg = malloc(MSG_MAX);
	if (msg == NULL)
		return LIEN_ENOMEM;
	st = cosig_message(timestamp, body, body_len, msg, MSG_MAX, &msg_len);
	if (st == LIEN_OK) {
		/* timestamped_signature: key id, then u64 BE timestamp, then
		 * the Ed25519 signature (tlog-cosignature, RFC 8446 3.3). */
		raw[0] = (uint8_t)(s->v.key_id >> 24);
		raw[1] = (uint8_t)(s->v.key_id >> 16);
		raw[2] = (uint8_t)(s->v.key_id >> 8);
		raw[3] = (uint8_t)s->v.key_id;
		be64_put(raw + 4, timestamp);
		ed25519_sign(raw + 12, msg, msg_len, s->sk);
	}
	free(msg);
	return st;
}

enum lien_status
cosig_sign_line(const struct cosig_signer *s, const uint8_t *body,
    size_t body_len, uint64_t timestamp, char *out, size_t cap,
    size_t *out_len)
{
	uint8_t raw[COSIG_RAW_LEN];
	size_t o = 0;
	enum lien_status st;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL || s == NULL)
		return LIEN_EINVAL;
	if (cap > 0)
		out[0] = '\0';
	if (cap < sizeof sig_prefix + s->v.name_len + 1 + RAW_B64_LEN + 2)
		return LIEN_ETOOBIG;
	st = cosig_sign(s, body, body_len, timestamp, raw);
	if (st != LIEN_OK)
		return st;
	memcpy(out + o, sig_prefix, sizeof sig_prefix), o += sizeof sig_prefix;
	memcpy(out + o, s->v.name, s->v.name_len), o += s->v.name_len;
	out[o++] = ' ';
	st = b64_encode(raw, sizeof raw, out + o, cap - o);
	if (st != LIEN_OK) {
		out[0] = '\0';
		return st;
	}
	o += RAW_B64_LEN;
	out[o++] = '\n';
	out[o] = '\0';
	*out_len = o;
	return LIEN_OK;
}

/* ---- verification --------------------------------------------------- */

/* Verify raw against v with a caller-provided message buffer. */
static enum lien_status LIEN_MUST_CHECK
verify_raw_buf(const struct note_verifier *v, const uint8_t *body,
    size_t body_len, const uint8_t *raw, size_t raw_len, uint8_t *msg,
    uint64_t *out_time)
{
	size_t msg_len;
	uint32_t key_id;
	uint64_t t;

	if (raw == NULL || raw_len != COSIG_RAW_LEN)
		return LIEN_EVERIFY;
	key_id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
	    (uint32_t)raw[2] << 8 | raw[3];
	if (key_id != v->key_id)
		return LIEN_EVERIFY;
	t = be64_get(raw + 4);
	if (t > COSIG_TIME_MAX)
		return LIEN_EVERIFY;	/* a MUST NOT of the spec */
	if (cosig_message(t, body, body_len, msg, MSG_MAX, &msg_len) !=
	    LIEN_OK)
		return LIEN_EVERIFY;	/* not a checkpoint body at all */
	if (ed25519_verify(raw + 12, msg, msg_len, v->pk) != LIEN_OK)
		return LIEN_EVERIFY;
	if (out_time != NULL)
		*out_time = t;
	return LIEN_OK;
}

enum lien_status
cosig_verify_raw(const struct note_verifier *v, const uint8_t *body,
    size_t body_len, const uint8_t *raw, size_t raw_len, uint64_t *out_time)
{
	uint8_t *msg;
	enum lien_status st;

	if (out_time != NULL)
		*out_time = 0;
	if (v == NULL || v->type != NOTE_KEY_COSIG_V1 || body == NULL)
		return LIEN_EINVAL;
	msg = malloc(MSG_MAX);
	if (msg == NULL)
		return LIEN_ENOMEM;
	st = verify_raw_buf(v, body, body_len, raw, raw_len, msg, out_time);
	free(msg);
	return st;
}

enum lien_status
cosig_count_valid(const uint8_t *msg, size_t len,
    const struct note_verifier *vs, size_t nvs, uint64_t *out_mask,
    uint64_t *out_times, size_t *out_count)
{
	struct note_parsed *np = NULL;
	uint8_t *buf = NULL;
	uint64_t mask = 0, bad = 0;
	size_t count = 0;
	enum lien_status st;

	if (out_mask == NULL)
		return LIEN_EINVAL;
	*out_mask = 0;
	if (out_count != NULL)
		*out_count = 0;
	if (out_times != NULL && nvs <= COSIG_VERIFIERS_MAX)
		memset(out_times, 0, nvs * sizeof out_times[0]);
	if (nvs > COSIG_VERIFIERS_MAX || (nvs > 0 && vs == NULL) ||
	    msg == NULL)
		return LIEN_EINVAL;
	for (size_t i = 0; i < nvs; i++) {
		if (vs[i].type != NOTE_KEY_COSIG_V1)
			return LIEN_EINVAL;
	}
	/* struct note_parsed is ~6 KiB: heap, not a worker's stack. */
	np = malloc(sizeof *np);
	buf = malloc(MSG_MAX);
	if (np == NULL || buf == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	st = note_parse(msg, len, np);
	if (st != LIEN_OK)
		goto out;
	for (size_t k = 0; k < np->nsigs; k++) {
		const struct note_sig *sg = &np->sigs[k];

		for (size_t i = 0; i < nvs; i++) {
			uint64_t t = 0;

			if (sg->key_id != vs[i].key_id ||
			    sg->name_len != vs[i].name_len ||
			    memcmp(sg->name, vs[i].name, sg->name_len) != 0)
				continue;
			/* Every matching line must verify (fail closed). */
			if (verify_raw_buf(&vs[i], np->text, np->text_len,
			    sg->raw_len ? sg->raw : NULL, sg->raw_len, buf,
			    &t) != LIEN_OK) {
				bad |= (uint64_t)1 << i;
				continue;
			}
			if (!(mask & ((uint64_t)1 << i)) && out_times != NULL)
				out_times[i] = t;
			mask |= (uint64_t)1 << i;
		}
	}
	mask &= ~bad;
	for (size_t i = 0; i < nvs; i++) {
		if (mask & ((uint64_t)1 << i))
			count++;
		else if (out_times != NULL)
			out_times[i] = 0;
	}
	*out_mask = mask;
	if (out_count != NULL)
		*out_count = count;
	st = LIEN_OK;
out:
	if (st != LIEN_OK && out_times != NULL)
		memset(out_times, 0, nvs * sizeof out_times[0]);
	free(np);
	free(buf);
	return st;
}

size_t
cosig_count_names(const struct note_verifier *vs, size_t nvs, uint64_t mask)
{
	size_t n = 0;

	/* O(n^2) over at most 64 names: a name counts at its first set bit. */
	for (size_t i = 0; i < nvs && i < 64; i++) {
		int seen = 0;

		if (!(mask >> i & 1u))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (mask >> j & 1u) &&
			    vs[j].name_len == vs[i].name_len &&
			    memcmp(vs[j].name, vs[i].name, vs[i].name_len) == 0;
		if (!seen)
			n++;
	}
	return n;
}

enum lien_status
cosig_verify_quorum(const uint8_t *msg, size_t len,
    const struct note_verifier *vs, size_t nvs, size_t quorum,
    uint64_t *out_mask)
{
	uint64_t mask = 0;
	size_t count = 0;
	enum lien_status st;

	if (out_mask != NULL)
		*out_mask = 0;
	if (quorum == 0 || quorum > nvs)
		return LIEN_EINVAL;
	st = cosig_count_valid(msg, len, vs, nvs, &mask, NULL, &count);
	if (st != LIEN_OK)
		return st;
	if (out_mask != NULL)
		*out_mask = mask;
	count = cosig_count_names(vs, nvs, mask);	/* witnesses, not keys */
	return count >= quorum ? LIEN_OK : LIEN_EVERIFY;
}
