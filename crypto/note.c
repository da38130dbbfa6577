/*
 * C2SP signed-note (c2sp.org/signed-note@v1.0.0): keys, signing, parsing
 * and verification, byte-for-byte compatible with Go's
 * golang.org/x/mod/sumdb/note (key hash, "%08x" key IDs, "— " prefix).
 *
 * Design. The parser is stateless and zero-copy: struct note_parsed
 * borrows the caller's buffer, and the only bytes copied are the decoded
 * signature payloads (into note_sig.raw). It never allocates. It is
 * stricter than Go where Go is loose and the spec allows it: base64 must
 * be canonical, key IDs in key texts must be lowercase hex, names are
 * capped at NOTE_NAME_MAX, and more than NOTE_SIGS_MAX signature lines is
 * LIEN_ETOOBIG (the spec asks us to accept at least 16).
 *
 * Signature lines of unknown keys are parsed (they must be well formed)
 * but otherwise ignored, as the spec requires. Their payload may be far
 * longer than note_sig.raw (an ML-DSA-44 cosignature is 2432 bytes): such
 * a line is validated in 4-character chunks and recorded with raw_len 0,
 * sig NULL and sig_len the true signature length. It can never match a
 * key we know, because every type we know has a fixed, shorter payload.
 *
 * Verification (note_verify) checks EVERY signature line whose (name, key
 * id) matches a given Ed25519 verifier, including duplicates: one bad line
 * fails the note (the spec's SHOULD, and fail-closed). Go only checks the
 * first line per key; a note Go accepts with a forged duplicate we reject.
 * Cosignature keys (type 0x04) are parsed and matched by callers through
 * note_parsed, not verified here: their message is not the note text.
 *
 * Private keys live in secret_alloc memory for their whole life; decoded
 * seeds on the stack are wiped before return.
 */
#include "crypto/note.h"

#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/hex.h"
#include "crypto/hash.h"

/* "— ": U+2014 EM DASH in UTF-8, then a space. */
static const uint8_t sig_prefix[4] = { 0xe2, 0x80, 0x94, 0x20 };
static const char skey_prefix[] = "PRIVATE+KEY+";
#define SKEY_PREFIX_LEN (sizeof skey_prefix - 1)

#define KEYID_HEX_LEN 8u
#define KEYDATA_LEN (1u + ED25519_PK_LEN)		/* type || key */
#define KEYDATA_B64_LEN B64_ENCODED_LEN(KEYDATA_LEN)	/* 44 */
#define ED25519_LINE_RAW (4u + ED25519_SIG_LEN)		/* 68 */
#define LINE_B64_LEN B64_ENCODED_LEN(ED25519_LINE_RAW)	/* 92 */

struct note_signer {
	struct note_verifier v;	/* type is always NOTE_KEY_ED25519 */
	uint8_t sk[ED25519_SK_LEN];
};

/* ---- UTF-8 and names ---------------------------------------------- */

/* Decode one UTF-8 scalar value at p (n > 0 bytes available). Returns
 * its length, or 0 if it is not the shortest encoding of a scalar value
 * (overlongs, surrogates, > U+10FFFF, truncation): the same set Go's
 * utf8.DecodeRune rejects. */
static size_t
utf8_decode(const uint8_t *p, size_t n, uint32_t *out)
{
	uint32_t c = p[0], min;
	size_t len;

	if (c < 0x80) {
		*out = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*out = c;
	return len;
}

/* Note text rule (signed-note "Format"): valid UTF-8 and no ASCII
 * control character other than '\n'. DEL (0x7f) is not below U+0020 and
 * is allowed, as in Go. */
static int
text_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		size_t k = utf8_decode(p + i, n - i, &c);

		if (k == 0 || (c < 0x20 && c != '\n'))
			return 0;
		i += k;
	}
	return 1;
}

/* Unicode White_Space, the set Go's unicode.IsSpace reports. */
static int
is_unicode_space(uint32_t c)
{
	switch (c) {
	case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20:
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	default:
		return c >= 0x2000 && c <= 0x200a;
	}
}

enum lien_status
note_name_check(const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t i = 0;

	if (name == NULL || len == 0 || len > NOTE_NAME_MAX)
		return LIEN_EPARSE;
	while (i < len) {
		uint32_t c;
		size_t k = utf8_decode(p + i, len - i, &c);

		/* Control characters could never appear in a note, so a
		 * name holding one is unusable: refuse it here too. */
		if (k == 0 || c == '+' || c < 0x20 || is_unicode_space(c))
			return LIEN_EPARSE;
		i += k;
	}
	return LIEN_OK;
}

/* ---- key texts ------------------------------------------------------ */

uint32_t
note_key_id(const char *name, size_t name_len, uint8_t type,
    const uint8_t pk[ED25519_PK_LEN])
{
	static const uint8_t nl = '\n';
	uint8_t h[HASH_LEN];
	struct hash_part parts[4] = {
		{ name, name_len }, { &nl, 1 }, { &type, 1 },
		{ pk, ED25519_PK_LEN },
	};

	/* signed-note: SHA-256(name || 0x0A || type || key)[:4], BE. */
	hash_sha256_parts(parts, 4, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

enum lien_status
note_key_text_format(const char *prefix, size_t prefix_len, const char *name,
    size_t name_len, uint32_t key_id, uint8_t type, const uint8_t key[32],
    char *out, size_t cap)
{
	uint8_t data[KEYDATA_LEN];
	size_t need = prefix_len + name_len + 1 + KEYID_HEX_LEN + 1 +
	    KEYDATA_B64_LEN + 1;
	size_t o = 0;
	enum lien_status st;

	if (cap < need)
		return LIEN_ETOOBIG;
	memcpy(out + o, prefix, prefix_len), o += prefix_len;
	memcpy(out + o, name, name_len), o += name_len;
	out[o++] = '+';
	hex_u64_put(key_id, KEYID_HEX_LEN, out + o), o += KEYID_HEX_LEN;
	out[o++] = '+';
	data[0] = type;
	memcpy(data + 1, key, 32);
	st = b64_encode(data, sizeof data, out + o, cap - o);
	secret_wipe(data, sizeof data);	/* key may be a seed */
	return st;
}

enum lien_status
note_key_text_parse(const char *text, size_t len, struct note_key_text *out)
{
	const uint8_t *p = (const uint8_t *)text;
	const uint8_t *plus, *b64;
	uint8_t data[KEYDATA_LEN], head[3];
	uint64_t kid;
	size_t name_len, b64_len, n;
	uint8_t type;
	enum lien_status st;

	memset(out, 0, sizeof *out);
	if (len > 0 && p[len - 1] == '\n')
		len--;
	plus = memchr(p, '+', len);
	if (plus == NULL)
		return LIEN_EPARSE;
	name_len = (size_t)(plus - p);
	if (note_name_check(text, name_len) != LIEN_OK)
		return LIEN_EPARSE;
	/* After the name: exactly 8 lowercase hex digits (Go writes "%08x";
	 * we accept only that, not Go's looser ParseUint input), '+', then
	 * base64 (which itself may contain '+', so no further splitting). */
	if (len - name_len < 1 + KEYID_HEX_LEN + 1 + 4 ||
	    plus[1 + KEYID_HEX_LEN] != '+' ||
	    hex_u64_get((const char *)plus + 1, KEYID_HEX_LEN, &kid) != LIEN_OK)
		return LIEN_EPARSE;
	out->key_id = (uint32_t)kid;
	b64 = plus + 1 + KEYID_HEX_LEN + 1;
	b64_len = len - (size_t)(b64 - p);
	/* Peek at the type byte first, so an unknown algorithm with a
	 * different key length says "unsupported", not "malformed". */
	st = b64_decode((const char *)b64, 4, head, sizeof head, &n);
	type = head[0];
	secret_wipe(head, sizeof head);	/* holds seed bytes for skeys */
	if (st != LIEN_OK || n == 0)
		return LIEN_EPARSE;
	if (type != NOTE_KEY_ED25519 && type != NOTE_KEY_COSIG_V1)
		return LIEN_EUNSUPPORTED;
	if (b64_len != KEYDATA_B64_LEN ||
	    b64_decode((const char *)b64, b64_len, data, sizeof data, &n) !=
	    LIEN_OK || n != KEYDATA_LEN)
		return LIEN_EPARSE;
	out->name = text;
	out->name_len = name_len;
	out->type = data[0];
	memcpy(out->key, data + 1, 32);
	secret_wipe(data, sizeof data);
	return LIEN_OK;
}

static void
verifier_set(struct note_verifier *v, const char *name, size_t name_len,
    uint8_t type, const uint8_t pk[ED25519_PK_LEN])
{
	memset(v, 0, sizeof *v);
	memcpy(v->name, name, name_len);
	v->name[name_len] = '\0';
	v->name_len = name_len;
	v->type = type;
	memcpy(v->pk, pk, ED25519_PK_LEN);
	v->key_id = note_key_id(name, name_len, type, pk);
}

enum lien_status
note_verifier_parse(const char *vkey, size_t len, struct note_verifier *out)
{
	struct note_key_text kt;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (vkey == NULL)
		return LIEN_EINVAL;
	st = note_key_text_parse(vkey, len, &kt);
	if (st != LIEN_OK)
		return st;
	if (note_key_id(kt.name, kt.name_len, kt.type, kt.key) != kt.key_id)
		return LIEN_EVERIFY;
	/* A small-order or mixed-order key can only produce signatures
	 * anyone could forge or nobody can check; refuse it up front. */
	if (ed25519_pk_check(kt.key) != LIEN_OK)
		return LIEN_EKEY;
	verifier_set(out, kt.name, kt.name_len, kt.type, kt.key);
	return LIEN_OK;
}

/* ---- signers -------------------------------------------------------- */

enum lien_status
note_keypair_from_seed(const char *name, size_t name_len, uint8_t type,
    const uint8_t seed[ED25519_SEED_LEN], struct note_verifier *v,
    uint8_t sk[ED25519_SK_LEN])
{
	uint8_t pk[ED25519_PK_LEN];

	if (name == NULL || name_len > NOTE_NAME_MAX || seed == NULL ||
	    v == NULL || sk == NULL ||
	    (type != NOTE_KEY_ED25519 && type != NOTE_KEY_COSIG_V1))
		return LIEN_EINVAL;
	if (ed25519_from_seed(seed, pk, sk) != LIEN_OK)
		return LIEN_ECRYPTO;
	verifier_set(v, name, name_len, type, pk);
	return LIEN_OK;
}

enum lien_status
note_keypair_parse(const char *skey, size_t len, uint8_t type,
    struct note_verifier *v, uint8_t sk[ED25519_SK_LEN])
{
	struct note_key_text kt;
	enum lien_status st;

	if (skey == NULL || v == NULL || sk == NULL)
		return LIEN_EINVAL;
	st = note_skey_text_parse(skey, len, &kt);
	if (st == LIEN_OK && kt.type != type)
		st = LIEN_EUNSUPPORTED;
	if (st == LIEN_OK)
		st = note_keypair_from_seed(kt.name, kt.name_len, kt.type,
		    kt.key, v, sk);
	/* The key id hashes the public key, known only now. */
	if (st == LIEN_OK && v->key_id != kt.key_id)
		st = LIEN_EVERIFY;
	if (st != LIEN_OK)
		secret_wipe(sk, ED25519_SK_LEN);
	secret_wipe(&kt, sizeof kt);
	return st;
}

enum lien_status
note_keypair_generate(const char *name, size_t name_len, uint8_t type,
    char **out_skey, char **out_vkey)
{
	/* seed || libsodium secret key, in secret memory */
	uint8_t *sec = NULL;
	struct note_verifier v;
	char *skey = NULL, *vkey = NULL;
	size_t cap = SKEY_PREFIX_LEN + NOTE_NAME_MAX + 1 + KEYID_HEX_LEN + 1 +
	    KEYDATA_B64_LEN + 1;
	enum lien_status st = LIEN_ENOMEM;

	if (out_skey == NULL || out_vkey == NULL)
		return LIEN_EINVAL;
	*out_skey = NULL;
	*out_vkey = NULL;
	if (name == NULL || note_name_check(name, name_len) != LIEN_OK)
		return LIEN_EPARSE;
	sec = secret_alloc(ED25519_SEED_LEN + ED25519_SK_LEN);
	skey = secret_alloc(cap);
	vkey = malloc(cap);
	if (sec == NULL || skey == NULL || vkey == NULL)
		goto out;
	lcrypto_random(sec, ED25519_SEED_LEN);
	st = note_keypair_from_seed(name, name_len, type, sec, &v,
	    sec + ED25519_SEED_LEN);
	if (st == LIEN_OK)
		st = note_key_text_format(skey_prefix, SKEY_PREFIX_LEN, name,
		    name_len, v.key_id, type, sec, skey, cap);
	if (st == LIEN_OK)
		st = note_key_text_format("", 0, name, name_len, v.key_id, type,
		    v.pk, vkey, cap);
	if (st != LIEN_OK)
		goto out;
	*out_skey = skey;
	*out_vkey = vkey;
	skey = NULL;
	vkey = NULL;
out:
	secret_free(sec);
	secret_free(skey);
	free(vkey);
	return st;
}

enum lien_status
note_skey_text_parse(const char *skey, size_t len, struct note_key_text *out)
{
	memset(out, 0, sizeof *out);
	if (len < SKEY_PREFIX_LEN ||
	    memcmp(skey, skey_prefix, SKEY_PREFIX_LEN) != 0)
		return LIEN_EPARSE;
	return note_key_text_parse(skey + SKEY_PREFIX_LEN,
	    len - SKEY_PREFIX_LEN, out);
}

enum lien_status
note_signer_parse(const char *skey, size_t len, struct note_signer **out)
{
	struct note_signer *s;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (skey == NULL)
		return LIEN_EINVAL;
	if ((s = secret_alloc(sizeof *s)) == NULL)
		return LIEN_ENOMEM;
	/* Type 0x01 only: we sign plain notes (a 0x04 witness key is
	 * LIEN_EUNSUPPORTED). */
	st = note_keypair_parse(skey, len, NOTE_KEY_ED25519, &s->v, s->sk);
	if (st != LIEN_OK) {
		secret_free(s);
		return st;
	}
	*out = s;
	return LIEN_OK;
}

void
note_signer_free(struct note_signer *s)
{
	secret_free(s);
}

const char *
note_signer_name(const struct note_signer *s)
{
	return s->v.name;
}

const struct note_verifier *
note_signer_verifier(const struct note_signer *s)
{
	return &s->v;
}

enum lien_status
note_signer_vkey(const struct note_signer *s, char *out, size_t cap)
{
	enum lien_status st;

	if (s == NULL || out == NULL)
		return LIEN_EINVAL;
	st = note_key_text_format("", 0, s->v.name, s->v.name_len, s->v.key_id,
	    s->v.type, s->v.pk, out, cap);
	if (st != LIEN_OK && cap > 0)
		out[0] = '\0';
	return st;
}

enum lien_status
note_key_generate(const char *name, size_t name_len, char **out_skey,
    char **out_vkey)
{
	return note_keypair_generate(name, name_len, NOTE_KEY_ED25519,
	    out_skey, out_vkey);
}

/* ---- notes ---------------------------------------------------------- */

enum lien_status
note_sign(const struct note_signer *s, const uint8_t *text, size_t text_len,
    char **out, size_t *out_len)
{
	uint8_t raw[ED25519_LINE_RAW];
	char *buf;
	size_t total, o = 0;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (s == NULL || (text == NULL && text_len > 0))
		return LIEN_EINVAL;
	if (text_len > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	/* Refuse to sign what note_parse would refuse to read. */
	if (text_len == 0 || text[text_len - 1] != '\n' ||
	    !text_ok(text, text_len))
		return LIEN_EPARSE;

	/* text '\n' "— " name ' ' base64 '\n' NUL; bounded by the limits. */
	total = text_len + 1 + sizeof sig_prefix + s->v.name_len + 1 +
	    LINE_B64_LEN + 1;
	buf = malloc(total + 1);
	if (buf == NULL)
		return LIEN_ENOMEM;
	memcpy(buf, text, text_len), o += text_len;
	buf[o++] = '\n';
	memcpy(buf + o, sig_prefix, sizeof sig_prefix), o += sizeof sig_prefix;
	memcpy(buf + o, s->v.name, s->v.name_len), o += s->v.name_len;
	buf[o++] = ' ';
	/* signed-note: base64(key id BE || Ed25519(text incl. final \n)). */
	raw[0] = (uint8_t)(s->v.key_id >> 24);
	raw[1] = (uint8_t)(s->v.key_id >> 16);
	raw[2] = (uint8_t)(s->v.key_id >> 8);
	raw[3] = (uint8_t)s->v.key_id;
	ed25519_sign(raw + 4, text, text_len, s->sk);
	st = b64_encode(raw, sizeof raw, buf + o, total + 1 - o);
	if (st != LIEN_OK) {
		free(buf);
		return st;
	}
	o += LINE_B64_LEN;
	buf[o++] = '\n';
	buf[o] = '\0';
	*out = buf;
	if (out_len != NULL)
		*out_len = o;
	return LIEN_OK;
}

/* Validate canonical base64 of any length (already known to be within
 * the note, so bounded by NOTE_MAX) without a buffer for all of it:
 * decode one quantum at a time, keep the first cap bytes in out.
 * Padding may only occur in the last quantum. */
static enum lien_status LIEN_MUST_CHECK
b64_decode_head(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
    size_t *out_total)
{
	size_t total = 0;

	if (len == 0 || len % 4 != 0)
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i += 4) {
		uint8_t q[3];
		size_t n;

		if (i + 4 < len && memchr(in + i, '=', 4) != NULL)
			return LIEN_EPARSE;
		if (b64_decode((const char *)in + i, 4, q, sizeof q, &n) !=
		    LIEN_OK)
			return LIEN_EPARSE;
		for (size_t j = 0; j < n; j++, total++)
			if (total < cap)
				out[total] = q[j];
	}
	*out_total = total;
	return LIEN_OK;
}

/* One line "— <name> <base64>" (without its '\n'). */
static enum lien_status LIEN_MUST_CHECK
sig_line_parse(const uint8_t *line, size_t len, struct note_sig *sig)
{
	const uint8_t *name, *sp, *b64;
	size_t name_len, total;

	if (len < sizeof sig_prefix ||
	    memcmp(line, sig_prefix, sizeof sig_prefix) != 0)
		return LIEN_EPARSE;
	name = line + sizeof sig_prefix;
	len -= sizeof sig_prefix;
	sp = memchr(name, ' ', len);
	if (sp == NULL)
		return LIEN_EPARSE;
	name_len = (size_t)(sp - name);
	if (note_name_check((const char *)name, name_len) != LIEN_OK)
		return LIEN_EPARSE;
	b64 = sp + 1;
	/* A second space is not base64 and fails there. */
	if (b64_decode_head(b64, len - name_len - 1, sig->raw, sizeof sig->raw,
	    &total) != LIEN_OK)
		return LIEN_EPARSE;
	if (total < 5)		/* key id and at least one signature byte */
		return LIEN_EPARSE;
	sig->name = (const char *)name;
	sig->name_len = name_len;
	sig->key_id = (uint32_t)sig->raw[0] << 24 |
	    (uint32_t)sig->raw[1] << 16 | (uint32_t)sig->raw[2] << 8 |
	    sig->raw[3];
	sig->sig_len = total - 4;
	if (total <= sizeof sig->raw) {
		sig->raw_len = total;
		sig->sig = sig->raw + 4;
	} else {
		/* Too long for any key type we verify: keep the id only. */
		memset(sig->raw + 4, 0, sizeof sig->raw - 4);
		sig->raw_len = 0;
		sig->sig = NULL;
	}
	return LIEN_OK;
}

enum lien_status
note_split(const uint8_t *msg, size_t len, const uint8_t **out_text,
    size_t *out_text_len, struct note_lines *out_lines)
{
	size_t split;

	*out_text = NULL;
	*out_text_len = 0;
	out_lines->p = NULL;
	out_lines->len = 0;
	if (msg == NULL && len > 0)
		return LIEN_EINVAL;
	if (len > NOTE_MAX)
		return LIEN_ETOOBIG;
	if (len < 3 || !text_ok(msg, len))
		return LIEN_EPARSE;
	/* The signature block follows the LAST blank line (signed-note
	 * "Format"); text keeps its final '\n'. */
	split = len - 1;
	while (split > 0 && !(msg[split - 1] == '\n' && msg[split] == '\n'))
		split--;
	if (split == 0)
		return LIEN_EPARSE;
	split--;		/* index of the first '\n' of "\n\n" */
	if (split + 1 > NOTE_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (len - split - 2 == 0 || msg[len - 1] != '\n')
		return LIEN_EPARSE;
	*out_text = msg;
	*out_text_len = split + 1;
	out_lines->p = msg + split + 2;
	out_lines->len = len - split - 2;
	return LIEN_OK;
}

enum lien_status
note_lines_next(struct note_lines *it, struct note_sig *out)
{
	const uint8_t *nl;
	size_t line_len;
	enum lien_status st;

	if (it->len == 0)
		return LIEN_EINVAL;
	/* note_split checked that the block ends in '\n'. */
	nl = memchr(it->p, '\n', it->len);
	if (nl == NULL)
		return LIEN_EPARSE;
	line_len = (size_t)(nl - it->p);
	if ((st = sig_line_parse(it->p, line_len, out)) != LIEN_OK) {
		memset(out, 0, sizeof *out);
		return st;
	}
	it->p += line_len + 1;
	it->len -= line_len + 1;
	return LIEN_OK;
}

enum lien_status
note_parse(const uint8_t *msg, size_t len, struct note_parsed *out)
{
	struct note_lines lines;
	size_t nsigs = 0;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if ((st = note_split(msg, len, &out->text, &out->text_len, &lines)) !=
	    LIEN_OK)
		return st;
	while (lines.len > 0) {
		if (nsigs == NOTE_SIGS_MAX) {
			st = LIEN_ETOOBIG;
			goto fail;
		}
		if ((st = note_lines_next(&lines, &out->sigs[nsigs])) !=
		    LIEN_OK)
			goto fail;
		nsigs++;
	}
	out->nsigs = nsigs;
	return LIEN_OK;
fail:
	memset(out, 0, sizeof *out);
	return st;
}

enum lien_status
note_verify(const uint8_t *msg, size_t len, const struct note_verifier *vs,
    size_t nvs, struct note_parsed *out, uint64_t *out_verified)
{
	struct note_parsed local;
	struct note_parsed *np = out != NULL ? out : &local;
	uint64_t verified = 0;
	enum lien_status st;

	if (out_verified != NULL)
		*out_verified = 0;
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (nvs > 64 || (vs == NULL && nvs > 0))
		return LIEN_EINVAL;
	for (size_t i = 0; i < nvs; i++) {
		if (vs[i].name_len == 0 || vs[i].name_len > NOTE_NAME_MAX)
			return LIEN_EINVAL;
		/* Two verifiers for one (name, id) would make the outcome
		 * depend on their order; Go calls this ambiguous too. */
		for (size_t j = 0; j < i; j++)
			if (vs[j].key_id == vs[i].key_id &&
			    vs[j].name_len == vs[i].name_len &&
			    memcmp(vs[j].name, vs[i].name, vs[i].name_len) == 0)
				return LIEN_EINVAL;
	}
	st = note_parse(msg, len, np);
	if (st != LIEN_OK)
		return st;

	for (size_t j = 0; j < np->nsigs; j++) {
		const struct note_sig *sig = &np->sigs[j];

		for (size_t i = 0; i < nvs; i++) {
			const struct note_verifier *v = &vs[i];

			if (v->key_id != sig->key_id ||
			    v->name_len != sig->name_len ||
			    memcmp(v->name, sig->name, sig->name_len) != 0)
				continue;
			if (v->type != NOTE_KEY_ED25519)
				continue;	/* cosignatures: see top */
			if (sig->raw_len != ED25519_LINE_RAW ||
			    ed25519_verify(sig->sig, np->text, np->text_len,
			    v->pk) != LIEN_OK) {
				st = LIEN_EVERIFY;
				goto fail;
			}
			verified |= (uint64_t)1 << i;
		}
	}
	if (verified == 0) {
		st = LIEN_EVERIFY;
		goto fail;
	}
	if (out_verified != NULL)
		*out_verified = verified;
	return LIEN_OK;
fail:
	memset(np, 0, sizeof *np);
	return st;
}
