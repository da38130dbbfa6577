/*
 * Unit tests for crypto/cosig.c (C2SP tlog-cosignature v1, Ed25519, key
 * type 0x04). Positive vectors come from Python `cryptography`
 * (tests/vectors/cosig_v1.txt, made by tests/vectors/gen/cosig_v1.py from
 * the spec text): our signer must reproduce each signature line byte for
 * byte and our verifier must accept it. Then the negatives: key texts
 * (every single-byte flip, wrong type, wrong key id, trailing bytes),
 * the message rules (timestamp > 2^63-1, body shape, caps), and
 * cosig_count_valid on empty, truncated, trailing-garbage and bit-flipped
 * notes, wrong keys, duplicate lines and quorum counting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tests/unit/test_util.h"

/* ---- vectors ---------------------------------------------------------- */

#define NVEC 3

struct cvec {
	char label[64];
	char skey[400], vkey[400];
	uint8_t body[512];
	size_t body_len;
	uint64_t time;
	uint8_t line[512];
	size_t line_len;
};

static char *
slurp(const char *name)
{
	return tu_vector(name, NULL);
}

static void
vec_load(struct cvec v[NVEC])
{
	char *buf = slurp("cosig_v1.txt"), *line = buf, *nl;
	int n = -1;

	memset(v, 0, sizeof *v * NVEC);
	for (; *line != '\0'; line = nl + 1) {
		char *val;
		size_t vl;

		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		val = strchr(line, ' ');
		assert_non_null(val);
		*val++ = '\0';
		vl = strlen(val);
		if (strcmp(line, "label") == 0) {
			n++;
			assert_true(n < NVEC);
			assert_true(vl < sizeof v[n].label);
			memcpy(v[n].label, val, vl);
			continue;
		}
		assert_true(n >= 0);
		if (strcmp(line, "skey") == 0) {
			assert_true(vl < sizeof v[n].skey);
			memcpy(v[n].skey, val, vl);
		} else if (strcmp(line, "vkey") == 0) {
			assert_true(vl < sizeof v[n].vkey);
			memcpy(v[n].vkey, val, vl);
		} else if (strcmp(line, "body") == 0) {
			assert_int_equal(b64_decode(val, vl, v[n].body,
			    sizeof v[n].body, &v[n].body_len), LIEN_OK);
		} else if (strcmp(line, "time") == 0) {
			v[n].time = strtoull(val, NULL, 10);
		} else if (strcmp(line, "line") == 0) {
			assert_int_equal(b64_decode(val, vl, v[n].line,
			    sizeof v[n].line, &v[n].line_len), LIEN_OK);
		} else {
			fail_msg("unknown vector field %s", line);
		}
	}
	assert_int_equal(n, NVEC - 1);
	free(buf);
}

/* body || "\n" || lines: a cosigned note. Caller frees. */
static uint8_t *
note_make(const uint8_t *body, size_t body_len, const uint8_t *lines,
    size_t lines_len, size_t *out_len)
{
	uint8_t *n = malloc(body_len + 1 + lines_len);

	assert_non_null(n);
	memcpy(n, body, body_len);
	n[body_len] = '\n';
	memcpy(n + body_len + 1, lines, lines_len);
	*out_len = body_len + 1 + lines_len;
	return n;
}

static struct cosig_signer *
signer_new(const char *name, char *vkey_out, size_t cap)
{
	char *skey = NULL, *vkey = NULL;
	struct cosig_signer *s = NULL;

	assert_int_equal(cosig_key_generate(name, strlen(name), &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(cosig_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	if (vkey_out != NULL) {
		assert_true(strlen(vkey) < cap);
		strcpy(vkey_out, vkey);
	}
	secret_free(skey);
	free(vkey);
	return s;
}

static const uint8_t test_body[] =
    "lienlog.demo/log\n42\nqJxWhmjuvS8AqjRNs+wwYH0CWsaeD6kMHOiJ0mIpvN4=\n";
#define TEST_BODY_LEN (sizeof test_body - 1)

/* ---- positive vectors ------------------------------------------------ */

static void
test_cosig_sign_line_matches_python(void **state)
{
	struct cvec v[NVEC];

	(void)state;
	vec_load(v);
	for (int i = 0; i < NVEC; i++) {
		struct cosig_signer *s = NULL;
		char line[COSIG_LINE_MAX], vkey[400];
		size_t len = 0;

		assert_int_equal(cosig_signer_parse(v[i].skey,
		    strlen(v[i].skey), &s), LIEN_OK);
		assert_int_equal(cosig_signer_vkey(s, vkey, sizeof vkey),
		    LIEN_OK);
		assert_string_equal(vkey, v[i].vkey);
		assert_int_equal(cosig_sign_line(s, v[i].body, v[i].body_len,
		    v[i].time, line, sizeof line, &len), LIEN_OK);
		assert_int_equal(len, v[i].line_len);
		assert_memory_equal(line, v[i].line, len);
		assert_int_equal(line[len], '\0');
		cosig_signer_free(s);
	}
}

static void
test_cosig_count_valid_python_vectors(void **state)
{
	struct cvec v[NVEC];

	(void)state;
	vec_load(v);
	for (int i = 0; i < NVEC; i++) {
		struct note_verifier nv;
		uint64_t mask = 9, times[1] = { 9 };
		size_t count = 9, nlen;
		uint8_t *note = note_make(v[i].body, v[i].body_len, v[i].line,
		    v[i].line_len, &nlen);

		assert_int_equal(note_verifier_parse(v[i].vkey,
		    strlen(v[i].vkey), &nv), LIEN_OK);
		assert_int_equal(nv.type, NOTE_KEY_COSIG_V1);
		assert_int_equal(cosig_count_valid(note, nlen, &nv, 1, &mask,
		    times, &count), LIEN_OK);
		assert_int_equal(mask, 1);
		assert_int_equal(count, 1);
		assert_true(times[0] == v[i].time);
		assert_int_equal(cosig_verify_quorum(note, nlen, &nv, 1, 1,
		    &mask), LIEN_OK);
		free(note);
	}
}

static void
test_cosig_verify_raw_python_vectors(void **state)
{
	struct cvec v[NVEC];

	(void)state;
	vec_load(v);
	for (int i = 0; i < NVEC; i++) {
		struct note_verifier nv;
		struct note_parsed *np = malloc(sizeof *np);
		uint64_t t = 1;
		size_t nlen;
		uint8_t *note = note_make(v[i].body, v[i].body_len, v[i].line,
		    v[i].line_len, &nlen);

		assert_non_null(np);
		assert_int_equal(note_verifier_parse(v[i].vkey,
		    strlen(v[i].vkey), &nv), LIEN_OK);
		assert_int_equal(note_parse(note, nlen, np), LIEN_OK);
		assert_int_equal(np->nsigs, 1);
		assert_int_equal(np->sigs[0].raw_len, COSIG_RAW_LEN);
		assert_int_equal(cosig_verify_raw(&nv, np->text, np->text_len,
		    np->sigs[0].raw, np->sigs[0].raw_len, &t), LIEN_OK);
		assert_true(t == v[i].time);
		assert_true(be64_get(np->sigs[0].raw + 4) == v[i].time);
		/* Wrong length, wrong body. */
		assert_int_equal(cosig_verify_raw(&nv, np->text, np->text_len,
		    np->sigs[0].raw, COSIG_RAW_LEN - 1, &t), LIEN_EVERIFY);
		assert_true(t == 0);
		assert_int_equal(cosig_verify_raw(&nv, test_body,
		    TEST_BODY_LEN, np->sigs[0].raw, COSIG_RAW_LEN, NULL),
		    LIEN_EVERIFY);
		free(np);
		free(note);
	}
}

/* ---- keys --------------------------------------------------------------- */

static void
test_cosig_key_generate_roundtrip(void **state)
{
	char *skey = NULL, *vkey = NULL, vk2[400];
	struct cosig_signer *s = NULL;
	struct note_verifier nv;

	(void)state;
	assert_int_equal(cosig_key_generate("witness.example/w1", 18, &skey,
	    &vkey), LIEN_OK);
	assert_memory_equal(skey, "PRIVATE+KEY+witness.example/w1+", 31);
	assert_int_equal(cosig_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	assert_int_equal(cosig_signer_vkey(s, vk2, sizeof vk2), LIEN_OK);
	assert_string_equal(vk2, vkey);
	assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &nv),
	    LIEN_OK);
	assert_int_equal(nv.type, NOTE_KEY_COSIG_V1);
	assert_int_equal(nv.key_id, cosig_signer_verifier(s)->key_id);
	assert_memory_equal(nv.pk, cosig_signer_verifier(s)->pk,
	    ED25519_PK_LEN);
	/* A trailing '\n' (files) is tolerated once. */
	{
		size_t n = strlen(skey);
		char *t = malloc(n + 3);
		struct cosig_signer *s2 = NULL;

		assert_non_null(t);
		memcpy(t, skey, n);
		t[n] = '\n';
		assert_int_equal(cosig_signer_parse(t, n + 1, &s2), LIEN_OK);
		cosig_signer_free(s2);
		t[n + 1] = '\n';
		assert_int_equal(cosig_signer_parse(t, n + 2, &s2),
		    LIEN_EPARSE);
		assert_null(s2);
		free(t);
	}
	cosig_signer_free(s);
	secret_free(skey);
	free(vkey);
	/* Bad names. */
	assert_int_equal(cosig_key_generate("", 0, &skey, &vkey), LIEN_EPARSE);
	assert_null(skey);
	assert_null(vkey);
	assert_int_equal(cosig_key_generate("a b", 3, &skey, &vkey),
	    LIEN_EPARSE);
	assert_int_equal(cosig_key_generate("a+b", 3, &skey, &vkey),
	    LIEN_EPARSE);
	cosig_signer_free(NULL);
}

static void
test_cosig_signer_parse_negatives(void **state)
{
	struct cvec v[NVEC];
	struct cosig_signer *s = (struct cosig_signer *)1;
	char buf[512];
	size_t n;
	char *lskey = NULL, *lvkey = NULL;

	(void)state;
	vec_load(v);
	n = strlen(v[0].skey);
	/* Empty, NULL, truncated at every length. */
	assert_int_equal(cosig_signer_parse("", 0, &s), LIEN_EPARSE);
	assert_null(s);
	assert_int_equal(cosig_signer_parse(NULL, 0, &s), LIEN_EINVAL);
	assert_int_equal(cosig_signer_parse(v[0].skey, n, NULL), LIEN_EINVAL);
	for (size_t k = 0; k < n; k++) {
		assert_int_not_equal(cosig_signer_parse(v[0].skey, k, &s),
		    LIEN_OK);
		assert_null(s);
	}
	/* Every single-bit flip of every byte fails: the key id binds the
	 * name and the key, base64 must be canonical. */
	for (size_t k = 0; k < n; k++) {
		memcpy(buf, v[0].skey, n);
		buf[k] = (char)(buf[k] ^ 0x01);
		assert_int_not_equal(cosig_signer_parse(buf, n, &s), LIEN_OK);
		assert_null(s);
	}
	/* Trailing garbage. */
	memcpy(buf, v[0].skey, n);
	memcpy(buf + n, "x", 1);
	assert_int_equal(cosig_signer_parse(buf, n + 1, &s), LIEN_EPARSE);
	memcpy(buf + n, " \n", 2);
	assert_int_equal(cosig_signer_parse(buf, n + 2, &s), LIEN_EPARSE);
	/* Upper-case hex key id (Go writes %08x; we accept only that). */
	memcpy(buf, v[0].skey, n);
	for (size_t k = 12 + strlen("witness.example.com/w1") + 1;
	    k < 12 + strlen("witness.example.com/w1") + 9; k++)
		if (buf[k] >= 'a' && buf[k] <= 'f')
			buf[k] = (char)(buf[k] - 'a' + 'A');
	assert_int_equal(cosig_signer_parse(buf, n, &s), LIEN_EPARSE);
	/* The verifier text is not a private key. */
	assert_int_equal(cosig_signer_parse(v[0].vkey, strlen(v[0].vkey), &s),
	    LIEN_EPARSE);
	/* A log key (type 0x01) may not cosign. */
	assert_int_equal(note_key_generate("log.example", 11, &lskey, &lvkey),
	    LIEN_OK);
	assert_int_equal(cosig_signer_parse(lskey, strlen(lskey), &s),
	    LIEN_EUNSUPPORTED);
	assert_null(s);
	/* ... and the witness key cannot sign plain notes. */
	{
		struct note_signer *ns = NULL;

		assert_int_equal(note_signer_parse(v[0].skey, n, &ns),
		    LIEN_EUNSUPPORTED);
		assert_null(ns);
	}
	/* Right syntax, wrong key id. */
	memcpy(buf, v[0].skey, n);
	buf[12 + strlen("witness.example.com/w1") + 1] =
	    buf[12 + strlen("witness.example.com/w1") + 1] == '0' ? '1' : '0';
	assert_int_equal(cosig_signer_parse(buf, n, &s), LIEN_EVERIFY);
	secret_free(lskey);
	free(lvkey);
}

static void
test_cosig_signer_vkey_short_buffer(void **state)
{
	struct cosig_signer *s = signer_new("w", NULL, 0);
	char small[10];

	(void)state;
	assert_int_equal(cosig_signer_vkey(s, small, sizeof small),
	    LIEN_ETOOBIG);
	assert_string_equal(small, "");
	assert_int_equal(cosig_signer_vkey(NULL, small, sizeof small),
	    LIEN_EINVAL);
	cosig_signer_free(s);
}

/* ---- message and signing ----------------------------------------------- */

static void
test_cosig_message_format(void **state)
{
	uint8_t out[512];
	size_t len = 7;
	static const char want0[] = "cosignature/v1\ntime 0\n";
	static const char wantmax[] = "cosignature/v1\ntime 9223372036854775807\n";

	(void)state;
	assert_int_equal(cosig_message(0, test_body, TEST_BODY_LEN, out,
	    sizeof out, &len), LIEN_OK);
	assert_int_equal(len, sizeof want0 - 1 + TEST_BODY_LEN);
	assert_memory_equal(out, want0, sizeof want0 - 1);
	assert_memory_equal(out + sizeof want0 - 1, test_body, TEST_BODY_LEN);
	assert_int_equal(cosig_message(COSIG_TIME_MAX, test_body,
	    TEST_BODY_LEN, out, sizeof out, &len), LIEN_OK);
	assert_memory_equal(out, wantmax, sizeof wantmax - 1);
	/* 2^63 is over the spec's limit. */
	assert_int_equal(cosig_message(COSIG_TIME_MAX + 1, test_body,
	    TEST_BODY_LEN, out, sizeof out, &len), LIEN_EINVAL);
	assert_int_equal(len, 0);
	/* Body shape. */
	assert_int_equal(cosig_message(1, test_body, 0, out, sizeof out,
	    &len), LIEN_EINVAL);
	assert_int_equal(cosig_message(1, test_body, TEST_BODY_LEN - 1, out,
	    sizeof out, &len), LIEN_EINVAL);
	/* Output too small by one. */
	assert_int_equal(cosig_message(0, test_body, TEST_BODY_LEN, out,
	    sizeof want0 - 1 + TEST_BODY_LEN - 1, &len), LIEN_ETOOBIG);
	/* Oversize body. */
	{
		size_t big_len = NOTE_TEXT_MAX + 1;
		uint8_t *big = malloc(big_len), *o2 = malloc(big_len + 64);

		assert_non_null(big);
		assert_non_null(o2);
		memset(big, 'a', big_len);
		big[big_len - 1] = '\n';
		assert_int_equal(cosig_message(0, big, big_len, o2,
		    big_len + 64, &len), LIEN_ETOOBIG);
		free(big);
		free(o2);
	}
}

static void
test_cosig_sign_rejects_bad_input(void **state)
{
	struct cosig_signer *s = signer_new("w", NULL, 0);
	uint8_t raw[COSIG_RAW_LEN];
	char line[COSIG_LINE_MAX];
	size_t len = 5;

	(void)state;
	memset(raw, 0xaa, sizeof raw);
	assert_int_equal(cosig_sign(s, test_body, TEST_BODY_LEN,
	    COSIG_TIME_MAX + 1, raw), LIEN_EINVAL);
	for (size_t i = 0; i < sizeof raw; i++)
		assert_int_equal(raw[i], 0);
	assert_int_equal(cosig_sign(s, test_body, TEST_BODY_LEN - 1, 0, raw),
	    LIEN_EINVAL);
	assert_int_equal(cosig_sign(NULL, test_body, TEST_BODY_LEN, 0, raw),
	    LIEN_EINVAL);
	/* Line buffer too small: nothing written but "". */
	assert_int_equal(cosig_sign_line(s, test_body, TEST_BODY_LEN, 0, line,
	    20, &len), LIEN_ETOOBIG);
	assert_int_equal(len, 0);
	assert_string_equal(line, "");
	cosig_signer_free(s);
}

/* A signature over a timestamp above 2^63-1 is refused even when the
 * Ed25519 signature itself is good (the spec's MUST NOT). */
static void
test_cosig_verify_raw_time_over_max(void **state)
{
	uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PK_LEN];
	uint8_t *sk = secret_alloc(ED25519_SK_LEN);
	uint8_t raw[COSIG_RAW_LEN], msg[512];
	struct note_verifier nv;
	static const char hdr[] = "cosignature/v1\ntime 9223372036854775808\n";
	size_t mlen;

	(void)state;
	assert_non_null(sk);
	memset(seed, 7, sizeof seed);
	assert_int_equal(ed25519_from_seed(seed, pk, sk), LIEN_OK);
	memset(&nv, 0, sizeof nv);
	strcpy(nv.name, "w");
	nv.name_len = 1;
	nv.type = NOTE_KEY_COSIG_V1;
	memcpy(nv.pk, pk, sizeof pk);
	nv.key_id = note_key_id("w", 1, NOTE_KEY_COSIG_V1, pk);
	memcpy(msg, hdr, sizeof hdr - 1);
	memcpy(msg + sizeof hdr - 1, test_body, TEST_BODY_LEN);
	mlen = sizeof hdr - 1 + TEST_BODY_LEN;
	raw[0] = (uint8_t)(nv.key_id >> 24);
	raw[1] = (uint8_t)(nv.key_id >> 16);
	raw[2] = (uint8_t)(nv.key_id >> 8);
	raw[3] = (uint8_t)nv.key_id;
	be64_put(raw + 4, COSIG_TIME_MAX + 1);
	ed25519_sign(raw + 12, msg, mlen, sk);
	assert_int_equal(ed25519_verify(raw + 12, msg, mlen, pk), LIEN_OK);
	assert_int_equal(cosig_verify_raw(&nv, test_body, TEST_BODY_LEN, raw,
	    sizeof raw, NULL), LIEN_EVERIFY);
	/* A log (0x01) verifier is not a cosignature verifier. */
	nv.type = NOTE_KEY_ED25519;
	assert_int_equal(cosig_verify_raw(&nv, test_body, TEST_BODY_LEN, raw,
	    sizeof raw, NULL), LIEN_EINVAL);
	secret_free(sk);
}

/* ---- counting ------------------------------------------------------------- */

/* A note signed by a log key and cosigned by witnesses ws[i] where bit i
 * of who is set. Caller frees. */
static uint8_t *
cosigned_note(struct note_signer *log, struct cosig_signer **ws, size_t nws,
    uint64_t who, size_t *out_len)
{
	char *signed_note = NULL;
	size_t sn_len = 0, o;
	uint8_t *out;

	assert_int_equal(note_sign(log, test_body, TEST_BODY_LEN, &signed_note,
	    &sn_len), LIEN_OK);
	out = malloc(sn_len + nws * COSIG_LINE_MAX);
	assert_non_null(out);
	memcpy(out, signed_note, sn_len);
	o = sn_len;
	for (size_t i = 0; i < nws; i++) {
		size_t len;

		if (!(who & ((uint64_t)1 << i)))
			continue;
		assert_int_equal(cosig_sign_line(ws[i], test_body,
		    TEST_BODY_LEN, 1700000000 + i, (char *)out + o,
		    COSIG_LINE_MAX, &len), LIEN_OK);
		o += len;
	}
	free(signed_note);
	*out_len = o;
	return out;
}

static struct note_signer *
log_signer_new(void)
{
	char *skey = NULL, *vkey = NULL;
	struct note_signer *s = NULL;

	assert_int_equal(note_key_generate("lienlog.demo/log", 16, &skey,
	    &vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	secret_free(skey);
	free(vkey);
	return s;
}

static void
test_cosig_count_valid_quorum(void **state)
{
	struct note_signer *log = log_signer_new();
	struct cosig_signer *ws[3];
	struct note_verifier vs[4];
	uint64_t mask = 0, times[4];
	size_t count = 0, len;
	uint8_t *note;

	(void)state;
	ws[0] = signer_new("w.example/a", NULL, 0);
	ws[1] = signer_new("w.example/b", NULL, 0);
	ws[2] = signer_new("w.example/c", NULL, 0);
	for (int i = 0; i < 3; i++)
		vs[i] = *cosig_signer_verifier(ws[i]);
	note = cosigned_note(log, ws, 3, 0x5, &len);	/* a and c */
	assert_int_equal(cosig_count_valid(note, len, vs, 3, &mask, times,
	    &count), LIEN_OK);
	assert_int_equal(mask, 0x5);
	assert_int_equal(count, 2);
	assert_true(times[0] == 1700000000);
	assert_true(times[1] == 0);
	assert_true(times[2] == 1700000002);
	assert_int_equal(cosig_verify_quorum(note, len, vs, 3, 2, &mask),
	    LIEN_OK);
	assert_int_equal(cosig_verify_quorum(note, len, vs, 3, 3, &mask),
	    LIEN_EVERIFY);
	assert_int_equal(mask, 0x5);
	assert_int_equal(cosig_verify_quorum(note, len, vs, 3, 0, NULL),
	    LIEN_EINVAL);
	assert_int_equal(cosig_verify_quorum(note, len, vs, 3, 4, NULL),
	    LIEN_EINVAL);
	/* The note still verifies as the log's (cosig lines are unknown
	 * keys to note_verify). */
	assert_int_equal(note_verify(note, len, note_signer_verifier(log), 1,
	    NULL, NULL), LIEN_OK);
	/* A log verifier in the witness list is a caller error. */
	vs[3] = *note_signer_verifier(log);
	assert_int_equal(cosig_count_valid(note, len, vs, 4, &mask, times,
	    &count), LIEN_EINVAL);
	assert_int_equal(mask, 0);
	assert_int_equal(count, 0);
	/* Too many verifiers. */
	{
		struct note_verifier *many = calloc(65, sizeof *many);

		assert_non_null(many);
		for (int i = 0; i < 65; i++)
			many[i] = vs[0];
		assert_int_equal(cosig_count_valid(note, len, many, 65, &mask,
		    NULL, NULL), LIEN_EINVAL);
		free(many);
	}
	/* No verifiers: nobody cosigned. */
	assert_int_equal(cosig_count_valid(note, len, NULL, 0, &mask, NULL,
	    &count), LIEN_OK);
	assert_int_equal(count, 0);
	free(note);
	for (int i = 0; i < 3; i++)
		cosig_signer_free(ws[i]);
	note_signer_free(log);
}

static void
test_cosig_count_valid_wrong_key(void **state)
{
	struct note_signer *log = log_signer_new();
	struct cosig_signer *ws[1], *other;
	struct note_verifier v;
	uint64_t mask = 1;
	size_t count = 1, len;
	uint8_t *note;

	(void)state;
	ws[0] = signer_new("w.example/a", NULL, 0);
	/* Same name, other key: its key id differs, so the line is an
	 * unknown key's and is ignored. */
	other = signer_new("w.example/a", NULL, 0);
	v = *cosig_signer_verifier(other);
	note = cosigned_note(log, ws, 1, 1, &len);
	assert_int_equal(cosig_count_valid(note, len, &v, 1, &mask, NULL,
	    &count), LIEN_OK);
	assert_int_equal(mask, 0);
	assert_int_equal(count, 0);
	/* Same key id and name but another public key (a forged verifier
	 * entry): the signature does not verify. */
	v = *cosig_signer_verifier(ws[0]);
	memcpy(v.pk, cosig_signer_verifier(other)->pk, ED25519_PK_LEN);
	assert_int_equal(cosig_count_valid(note, len, &v, 1, &mask, NULL,
	    &count), LIEN_OK);
	assert_int_equal(mask, 0);
	free(note);
	cosig_signer_free(ws[0]);
	cosig_signer_free(other);
	note_signer_free(log);
}

/* One good and one bad line from the same witness: fail closed. */
static void
test_cosig_count_valid_duplicate_bad_line(void **state)
{
	struct note_signer *log = log_signer_new();
	struct cosig_signer *ws[1];
	struct note_verifier v;
	uint64_t mask = 1;
	size_t count = 1, len, llen;
	uint8_t *note, *note2;
	char line[COSIG_LINE_MAX];
	uint8_t raw[COSIG_RAW_LEN];

	(void)state;
	ws[0] = signer_new("w.example/a", NULL, 0);
	v = *cosig_signer_verifier(ws[0]);
	note = cosigned_note(log, ws, 1, 1, &len);
	/* A second line for the same key with a signature over another
	 * timestamp: decode a good line, change the time, re-encode. */
	assert_int_equal(cosig_sign(ws[0], test_body, TEST_BODY_LEN, 5, raw),
	    LIEN_OK);
	be64_put(raw + 4, 6);
	memcpy(line, "\xe2\x80\x94 w.example/a ", 16);
	assert_int_equal(b64_encode(raw, sizeof raw, line + 16,
	    sizeof line - 16), LIEN_OK);
	llen = strlen(line);
	line[llen++] = '\n';
	note2 = malloc(len + llen);
	assert_non_null(note2);
	memcpy(note2, note, len);
	memcpy(note2 + len, line, llen);
	assert_int_equal(cosig_count_valid(note2, len + llen, &v, 1, &mask,
	    NULL, &count), LIEN_OK);
	assert_int_equal(mask, 0);
	assert_int_equal(count, 0);
	/* Two good lines count once. */
	{
		size_t l2;

		assert_int_equal(cosig_sign_line(ws[0], test_body,
		    TEST_BODY_LEN, 9, line, sizeof line, &l2), LIEN_OK);
		memcpy(note2 + len, line, l2);
		assert_int_equal(cosig_count_valid(note2, len + l2, &v, 1,
		    &mask, NULL, &count), LIEN_OK);
		assert_int_equal(mask, 1);
		assert_int_equal(count, 1);
	}
	free(note);
	free(note2);
	cosig_signer_free(ws[0]);
	note_signer_free(log);
}

static void
test_cosig_count_valid_malformed(void **state)
{
	struct note_signer *log = log_signer_new();
	struct cosig_signer *ws[1];
	struct note_verifier v;
	uint64_t mask, times[1];
	size_t count, len;
	uint8_t *note, *buf;

	(void)state;
	ws[0] = signer_new("w.example/a", NULL, 0);
	v = *cosig_signer_verifier(ws[0]);
	note = cosigned_note(log, ws, 1, 1, &len);
	buf = malloc(len + 8);
	assert_non_null(buf);
	/* Empty. */
	assert_int_equal(cosig_count_valid(note, 0, &v, 1, &mask, times,
	    &count), LIEN_EPARSE);
	/* Every truncation: malformed, or at least not cosigned. */
	for (size_t k = 0; k < len; k++) {
		enum lien_status st;

		memcpy(buf, note, k);
		mask = 7;
		st = cosig_count_valid(buf, k, &v, 1, &mask, times, &count);
		assert_true(st != LIEN_OK || mask == 0);
		assert_int_equal(mask, 0);
	}
	/* Trailing bytes after the last line. */
	memcpy(buf, note, len);
	memcpy(buf + len, "x", 1);
	assert_int_equal(cosig_count_valid(buf, len + 1, &v, 1, &mask, times,
	    &count), LIEN_EPARSE);
	assert_int_equal(mask, 0);
	assert_true(times[0] == 0);
	/* Every bit flip of every byte of body + cosignature line (the
	 * log's line is none of cosig's business): never counted. */
	{
		char line[COSIG_LINE_MAX];
		size_t ll, nl;
		uint8_t *only;

		assert_int_equal(cosig_sign_line(ws[0], test_body,
		    TEST_BODY_LEN, 77, line, sizeof line, &ll), LIEN_OK);
		only = note_make(test_body, TEST_BODY_LEN, (uint8_t *)line, ll,
		    &nl);
		assert_int_equal(cosig_count_valid(only, nl, &v, 1, &mask,
		    NULL, &count), LIEN_OK);
		assert_int_equal(mask, 1);
		for (size_t k = 0; k < nl; k++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				enum lien_status st;

				memcpy(buf, only, nl);
				buf[k] = (uint8_t)(buf[k] ^ (1u << bit));
				st = cosig_count_valid(buf, nl, &v, 1, &mask,
				    NULL, &count);
				assert_true(st != LIEN_OK || mask == 0);
			}
		}
		free(only);
	}
	/* NULL outputs / inputs. */
	assert_int_equal(cosig_count_valid(note, len, &v, 1, NULL, NULL, NULL),
	    LIEN_EINVAL);
	assert_int_equal(cosig_count_valid(NULL, 0, &v, 1, &mask, NULL, NULL),
	    LIEN_EINVAL);
	/* Oversize note. */
	{
		uint8_t *big = calloc(1, NOTE_MAX + 1);

		assert_non_null(big);
		assert_int_equal(cosig_count_valid(big, NOTE_MAX + 1, &v, 1,
		    &mask, NULL, NULL), LIEN_ETOOBIG);
		free(big);
	}
	free(buf);
	free(note);
	cosig_signer_free(ws[0]);
	note_signer_free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosig_sign_line_matches_python),
		cmocka_unit_test(test_cosig_count_valid_python_vectors),
		cmocka_unit_test(test_cosig_verify_raw_python_vectors),
		cmocka_unit_test(test_cosig_key_generate_roundtrip),
		cmocka_unit_test(test_cosig_signer_parse_negatives),
		cmocka_unit_test(test_cosig_signer_vkey_short_buffer),
		cmocka_unit_test(test_cosig_message_format),
		cmocka_unit_test(test_cosig_sign_rejects_bad_input),
		cmocka_unit_test(test_cosig_verify_raw_time_over_max),
		cmocka_unit_test(test_cosig_count_valid_quorum),
		cmocka_unit_test(test_cosig_count_valid_wrong_key),
		cmocka_unit_test(test_cosig_count_valid_duplicate_bad_line),
		cmocka_unit_test(test_cosig_count_valid_malformed),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
