/*
 * Unit tests for crypto/note.c (C2SP signed-note): key texts and notes
 * produced by Go's golang.org/x/mod/sumdb/note (tests/vectors/
 * go_sumdb_note.txt) must parse, verify and be reproduced byte for byte;
 * then the negatives: truncation, trailing bytes, bit flips, wrong keys,
 * signature-line counts, and every malformed-line rule.
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
#include "crypto/note.h"
#include "tests/unit/test_util.h"

/* ---- helpers -------------------------------------------------------- */

static char *
slurp(const char *name)
{
	return tu_vector(name, NULL);
}

/* One record of go_sumdb_note.txt. */
struct govec {
	char label[64];
	char skey[4][256], vkey[4][256];
	int nkeys;
	uint8_t note[4096];
	size_t note_len;
};

static int
govec_load(struct govec *out, int max)
{
	char *buf = slurp("go_sumdb_note.txt"), *line = buf, *nl;
	int n = -1;

	memset(out, 0, sizeof *out * (size_t)max);
	for (; line != NULL && *line != '\0'; line = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (strncmp(line, "label ", 6) == 0) {
			assert_true(++n < max);
			snprintf(out[n].label, sizeof out[n].label, "%s", line + 6);
		} else if (strncmp(line, "skey ", 5) == 0) {
			snprintf(out[n].skey[out[n].nkeys], 256, "%s", line + 5);
		} else if (strncmp(line, "vkey ", 5) == 0) {
			snprintf(out[n].vkey[out[n].nkeys++], 256, "%s", line + 5);
		} else if (strncmp(line, "note ", 5) == 0) {
			assert_int_equal(b64_decode(line + 5, strlen(line + 5),
			    out[n].note, sizeof out[n].note, &out[n].note_len),
			    LIEN_OK);
		}
	}
	free(buf);
	return n + 1;
}

static struct note_signer *
signer_new(const char *name)
{
	char *skey, *vkey;
	struct note_signer *s;

	assert_int_equal(note_key_generate(name, strlen(name), &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	secret_free(skey);
	free(vkey);
	return s;
}

static void
sign_text(const struct note_signer *s, const char *text, char **out,
    size_t *out_len)
{
	assert_int_equal(note_sign(s, (const uint8_t *)text, strlen(text), out,
	    out_len), LIEN_OK);
}

static enum lien_status LIEN_MUST_CHECK
verify1(const void *msg, size_t len, const struct note_verifier *v)
{
	struct note_parsed np;

	return note_verify(msg, len, v, 1, &np, NULL);
}

/* A signature line "— name base64(raw)\n" appended to buf at *len. */
static void
append_line(char *buf, size_t cap, size_t *len, const char *name,
    const uint8_t *raw, size_t raw_len)
{
	char b64[8192];

	assert_int_equal(b64_encode(raw, raw_len, b64, sizeof b64), LIEN_OK);
	*len += (size_t)snprintf(buf + *len, cap - *len, "\xe2\x80\x94 %s %s\n",
	    name, b64);
	assert_true(*len < cap);
}

static const char text1[] = "example.com/log\n7\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";

/* ---- Go interop vectors --------------------------------------------- */

static void
test_note_verify_go_vectors(void **state)
{
	struct govec *gv = malloc(sizeof *gv * 4);
	int n;

	(void)state;
	assert_non_null(gv);
	n = govec_load(gv, 4);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++) {
		struct note_verifier vs[4];
		struct note_parsed np;
		uint64_t mask = 0;

		for (int k = 0; k < gv[i].nkeys; k++)
			assert_int_equal(note_verifier_parse(gv[i].vkey[k],
			    strlen(gv[i].vkey[k]), &vs[k]), LIEN_OK);
		assert_int_equal(note_verify(gv[i].note, gv[i].note_len, vs,
		    (size_t)gv[i].nkeys, &np, &mask), LIEN_OK);
		assert_int_equal(mask, (1u << gv[i].nkeys) - 1);
		assert_int_equal(np.nsigs, (size_t)gv[i].nkeys);
		/* Each key alone is enough. */
		for (int k = 0; k < gv[i].nkeys; k++) {
			assert_int_equal(note_verify(gv[i].note,
			    gv[i].note_len, &vs[k], 1, NULL, &mask), LIEN_OK);
			assert_int_equal(mask, 1);
		}
	}
	free(gv);
}

static void
test_note_sign_matches_go(void **state)
{
	/* Ed25519 is deterministic: our encodings of Go's keys and our
	 * signature of Go's text must equal Go's bytes exactly. */
	struct govec *gv = malloc(sizeof *gv * 4);
	int n;

	(void)state;
	assert_non_null(gv);
	n = govec_load(gv, 4);
	for (int i = 0; i < n; i++) {
		struct note_parsed np;
		struct note_signer *s[4];
		char vkey[512];
		size_t o;
		char *msg = NULL;
		size_t msg_len;

		assert_int_equal(note_parse(gv[i].note, gv[i].note_len, &np),
		    LIEN_OK);
		for (int k = 0; k < gv[i].nkeys; k++) {
			assert_int_equal(note_signer_parse(gv[i].skey[k],
			    strlen(gv[i].skey[k]), &s[k]), LIEN_OK);
			assert_int_equal(note_signer_vkey(s[k], vkey,
			    sizeof vkey), LIEN_OK);
			assert_string_equal(vkey, gv[i].vkey[k]);
		}
		/* Single signer: the whole note is identical. */
		assert_int_equal(note_sign(s[0], np.text, np.text_len, &msg,
		    &msg_len), LIEN_OK);
		if (gv[i].nkeys == 1) {
			assert_int_equal(msg_len, gv[i].note_len);
			assert_memory_equal(msg, gv[i].note, msg_len);
		} else {
			/* Our one line is Go's first line. */
			o = np.text_len + 1;
			assert_memory_equal(msg + o, gv[i].note + o, msg_len - o);
		}
		free(msg);
		for (int k = 0; k < gv[i].nkeys; k++)
			note_signer_free(s[k]);
	}
	free(gv);
}

static void
test_note_key_id_go_doc(void **state)
{
	/* Go's package doc: PeterNeumann+c74f20a3+ARpc2Q... */
	struct note_verifier v;
	const char *vk = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

	(void)state;
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &v), LIEN_OK);
	assert_int_equal(v.key_id, 0xc74f20a3u);
	assert_int_equal(v.type, NOTE_KEY_ED25519);
	assert_string_equal(v.name, "PeterNeumann");
	assert_int_equal(v.name_len, 12);
	assert_int_equal(note_key_id("PeterNeumann", 12, NOTE_KEY_ED25519,
	    v.pk), 0xc74f20a3u);
	/* The same key as a cosigner (type 0x04) has another id. */
	assert_int_not_equal(note_key_id("PeterNeumann", 12, NOTE_KEY_COSIG_V1,
	    v.pk), 0xc74f20a3u);
}

/* ---- keys ----------------------------------------------------------- */

static void
test_note_key_generate_roundtrip(void **state)
{
	char *skey, *vkey, vk2[512];
	struct note_signer *s;
	struct note_verifier v;
	const char *name = "example.com/log";
	const char *plus;

	(void)state;
	assert_int_equal(note_key_generate(name, strlen(name), &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(strncmp(skey, "PRIVATE+KEY+example.com/log+", 28), 0);
	assert_int_equal(strncmp(vkey, "example.com/log+", 16), 0);
	plus = vkey + 16;
	for (int i = 0; i < 8; i++)	/* lowercase hex, as Go's %08x */
		assert_non_null(strchr("0123456789abcdef", plus[i]));
	assert_int_equal(plus[8], '+');
	assert_int_equal(strlen(vkey), 16 + 8 + 1 + 44);
	assert_int_equal(strncmp(skey + 12, vkey, 25), 0);	/* same id */
	assert_int_equal(note_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &v), LIEN_OK);
	assert_string_equal(note_signer_name(s), name);
	assert_memory_equal(note_signer_verifier(s), &v, sizeof v);
	assert_int_equal(note_signer_vkey(s, vk2, sizeof vk2), LIEN_OK);
	assert_string_equal(vk2, vkey);
	assert_int_equal(note_signer_vkey(s, vk2, strlen(vkey)), LIEN_ETOOBIG);
	note_signer_free(s);
	note_signer_free(NULL);
	secret_free(skey);
	free(vkey);
	assert_int_equal(note_key_generate("bad name", 8, &skey, &vkey),
	    LIEN_EPARSE);
	assert_null(skey);
	assert_null(vkey);
}

static void
test_note_verifier_parse_trailing_newline(void **state)
{
	const char *vk = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n";
	struct note_verifier v;

	(void)state;
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &v), LIEN_OK);
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n\n",
	    strlen(vk) + 1, &v), LIEN_EPARSE);
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
	    strlen(vk), &v), LIEN_EPARSE);
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\r\n",
	    strlen(vk) + 1, &v), LIEN_EPARSE);
}

static void
test_note_verifier_parse_rejects(void **state)
{
	static const struct {
		const char *vkey;
		enum lien_status want;
	} bad[] = {
		{ "", LIEN_EPARSE },
		{ "PeterNeumann", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+", LIEN_EPARSE },
		{ "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		/* key id spelling: Go writes %08x; uppercase, short, long, 0x */
		{ "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a33+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		/* key id does not match name/key */
		{ "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EVERIFY },
		{ "PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EVERIFY },
		/* base64 (33 bytes: no padding): stray '=', whitespace, bad
		 * alphabet, truncated, too long */
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T=", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10 W", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAAAA", LIEN_EPARSE },
		/* unknown algorithm 0x02 (ECDSA) and 0xff */
		{ "PeterNeumann+c74f20a3+Alpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EUNSUPPORTED },
		{ "PeterNeumann+c74f20a3+/w==", LIEN_EUNSUPPORTED },
		{ "PeterNeumann+c74f20a3+AQ==", LIEN_EPARSE },
		/* bad names */
		{ "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "Peter\xc2\xa0Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		{ "Peter\xffNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LIEN_EPARSE },
		/* small-order public key (identity), correct key id */
		{ NULL, LIEN_EKEY },
	};
	struct note_verifier v;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char buf[256];
		const char *vk = bad[i].vkey;

		if (vk == NULL) {
			uint8_t data[33] = { NOTE_KEY_ED25519, 1 };
			char b64[64];
			uint32_t id = note_key_id("x", 1, NOTE_KEY_ED25519,
			    data + 1);

			assert_int_equal(b64_encode(data, 33, b64, sizeof b64),
			    LIEN_OK);
			snprintf(buf, sizeof buf, "x+%08x+%s", (unsigned)id, b64);
			vk = buf;
		}
		memset(&v, 0xaa, sizeof v);
		assert_int_equal(note_verifier_parse(vk, strlen(vk), &v),
		    bad[i].want);
		assert_int_equal(v.name_len, 0);	/* zeroed on failure */
		assert_int_equal(v.key_id, 0);
	}
}

static void
test_note_signer_parse_rejects(void **state)
{
	static const struct {
		const char *skey;
		enum lien_status want;
	} bad[] = {
		{ "", LIEN_EPARSE },
		{ "PRIVATE+KEY+", LIEN_EPARSE },
		{ "PRIVATE+KEY", LIEN_EPARSE },
		{ "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EPARSE },
		{ "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EPARSE },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EVERIFY },
		{ "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EPARSE },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF", LIEN_EPARSE },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\n\n", LIEN_EPARSE },
		/* type 0x04 seed: parses as a key text but we only sign 0x01 */
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EUNSUPPORTED },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LIEN_EUNSUPPORTED },
	};
	struct note_signer *s = (struct note_signer *)&s;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(note_signer_parse(bad[i].skey,
		    strlen(bad[i].skey), &s), bad[i].want);
		assert_null(s);
	}
	{
		const char *ok = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\n";

		assert_int_equal(note_signer_parse(ok, strlen(ok), &s), LIEN_OK);
	}
	note_signer_free(s);
}

static void
test_note_name_check_rules(void **state)
{
	char name[NOTE_NAME_MAX + 2];

	(void)state;
	assert_int_equal(note_name_check("example.com/log", 15), LIEN_OK);
	assert_int_equal(note_name_check("\xc3\xa8", 2), LIEN_OK);	/* è */
	assert_int_equal(note_name_check("a\xe2\x80\x8b" "b", 5), LIEN_OK); /* ZWSP is not White_Space */
	assert_int_equal(note_name_check("", 0), LIEN_EPARSE);
	assert_int_equal(note_name_check(NULL, 0), LIEN_EPARSE);
	assert_int_equal(note_name_check("a+b", 3), LIEN_EPARSE);
	assert_int_equal(note_name_check("a b", 3), LIEN_EPARSE);
	assert_int_equal(note_name_check("a\tb", 3), LIEN_EPARSE);
	assert_int_equal(note_name_check("a\rb", 3), LIEN_EPARSE);
	assert_int_equal(note_name_check("a\x01" "b", 3), LIEN_EPARSE);
	assert_int_equal(note_name_check("a\xc2\x85", 3), LIEN_EPARSE);	/* NEL */
	assert_int_equal(note_name_check("a\xc2\xa0", 3), LIEN_EPARSE);	/* NBSP */
	assert_int_equal(note_name_check("a\xe2\x80\x83", 4), LIEN_EPARSE);/* EM SPACE */
	assert_int_equal(note_name_check("a\xe3\x80\x80", 4), LIEN_EPARSE);/* IDEOGRAPHIC */
	assert_int_equal(note_name_check("a\xc0\xaf", 3), LIEN_EPARSE);	/* overlong */
	assert_int_equal(note_name_check("a\xed\xa0\x80", 4), LIEN_EPARSE);/* surrogate */
	assert_int_equal(note_name_check("a\xe2\x80", 3), LIEN_EPARSE);	/* truncated */
	memset(name, 'n', sizeof name);
	assert_int_equal(note_name_check(name, NOTE_NAME_MAX), LIEN_OK);
	assert_int_equal(note_name_check(name, NOTE_NAME_MAX + 1), LIEN_EPARSE);
}

/* ---- notes: positive ------------------------------------------------ */

static void
test_note_sign_verify_roundtrip(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	const struct note_verifier *v = note_signer_verifier(s);
	struct note_parsed np;
	uint64_t mask = 0;
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, text1, &msg, &len);
	assert_int_equal(len, strlen(msg));
	assert_int_equal(note_verify((uint8_t *)msg, len, v, 1, &np, &mask),
	    LIEN_OK);
	assert_int_equal(mask, 1);
	assert_int_equal(np.text_len, strlen(text1));
	assert_memory_equal(np.text, text1, np.text_len);
	assert_ptr_equal(np.text, msg);
	assert_int_equal(np.nsigs, 1);
	assert_int_equal(np.sigs[0].key_id, v->key_id);
	assert_int_equal(np.sigs[0].raw_len, 68);
	assert_int_equal(np.sigs[0].sig_len, 64);
	assert_int_equal(np.sigs[0].name_len, v->name_len);
	assert_memory_equal(np.sigs[0].name, "example.com/log", 15);
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_text_with_blank_lines(void **state)
{
	/* The signature block follows the LAST blank line. */
	struct note_signer *s = signer_new("k");
	struct note_parsed np;
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, "a\n\nb\n\n\nc\n", &msg, &len);
	assert_int_equal(note_verify((uint8_t *)msg, len,
	    note_signer_verifier(s), 1, &np, NULL), LIEN_OK);
	assert_int_equal(np.text_len, 9);
	free(msg);
	sign_text(s, "\n", &msg, &len);		/* the shortest text */
	assert_int_equal(verify1(msg, len, note_signer_verifier(s)), LIEN_OK);
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_sixteen_unknown_sigs(void **state)
{
	/* C2SP: MUST accept at least 16 signatures; unknown keys ignored. */
	struct note_signer *s = signer_new("example.com/log");
	static char buf[NOTE_MAX];
	struct note_parsed np;
	uint64_t mask;
	char *msg;
	size_t len, n;

	(void)state;
	sign_text(s, text1, &msg, &len);
	memcpy(buf, msg, len);
	n = len;
	for (int i = 0; i < 15; i++) {
		uint8_t raw[68];
		char name[32];

		memset(raw, i, sizeof raw);
		snprintf(name, sizeof name, "witness%d.example", i);
		append_line(buf, sizeof buf, &n, name, raw, sizeof raw);
	}
	assert_int_equal(note_verify((uint8_t *)buf, n,
	    note_signer_verifier(s), 1, &np, &mask), LIEN_OK);
	assert_int_equal(np.nsigs, 16);
	assert_int_equal(mask, 1);
	free(msg);
	note_signer_free(s);
}

static void
test_note_parse_sigs_max(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	static char buf[NOTE_MAX];
	struct note_parsed np;
	uint8_t raw[68] = { 0 };
	char *msg;
	size_t len, n;

	(void)state;
	sign_text(s, text1, &msg, &len);
	memcpy(buf, msg, len);
	n = len;
	for (unsigned i = 1; i < NOTE_SIGS_MAX; i++)
		append_line(buf, sizeof buf, &n, "other", raw, sizeof raw);
	assert_int_equal(note_parse((uint8_t *)buf, n, &np), LIEN_OK);
	assert_int_equal(np.nsigs, NOTE_SIGS_MAX);
	assert_int_equal(verify1(buf, n, note_signer_verifier(s)), LIEN_OK);
	append_line(buf, sizeof buf, &n, "other", raw, sizeof raw);
	assert_int_equal(note_parse((uint8_t *)buf, n, &np), LIEN_ETOOBIG);
	assert_int_equal(np.nsigs, 0);
	assert_int_equal(verify1(buf, n, note_signer_verifier(s)), LIEN_ETOOBIG);
	/* note_split and note_lines_next walk every line, however many */
	{
		const uint8_t *text;
		size_t text_len, k = 0;
		struct note_lines lines;
		struct note_sig g;

		assert_int_equal(note_split((uint8_t *)buf, n, &text,
		    &text_len, &lines), LIEN_OK);
		assert_int_equal(text_len, strlen(text1));
		assert_memory_equal(text, text1, text_len);
		while (lines.len > 0) {
			assert_int_equal(note_lines_next(&lines, &g), LIEN_OK);
			k++;
		}
		assert_int_equal(k, NOTE_SIGS_MAX + 1);
		assert_int_equal(note_lines_next(&lines, &g), LIEN_EINVAL);
		/* a malformed line stops the walk there */
		buf[n - 2] = '!';
		assert_int_equal(note_split((uint8_t *)buf, n, &text,
		    &text_len, &lines), LIEN_OK);
		for (k = 0; k < NOTE_SIGS_MAX; k++)
			assert_int_equal(note_lines_next(&lines, &g), LIEN_OK);
		assert_int_equal(note_lines_next(&lines, &g), LIEN_EPARSE);
		assert_true(lines.len > 0);
	}
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_long_unknown_sig(void **state)
{
	/* An ML-DSA-44 cosignature is 4 + 8 + 2420 bytes: must be ignored,
	 * not rejected, though it does not fit note_sig.raw. */
	struct note_signer *s = signer_new("example.com/log");
	static char buf[NOTE_MAX];
	static uint8_t raw[2432];
	struct note_parsed np;
	char *msg;
	size_t len, n;

	(void)state;
	sign_text(s, text1, &msg, &len);
	memcpy(buf, msg, len);
	n = len;
	memset(raw, 0x42, sizeof raw);
	append_line(buf, sizeof buf, &n, "pq.example/w", raw, sizeof raw);
	assert_int_equal(note_verify((uint8_t *)buf, n,
	    note_signer_verifier(s), 1, &np, NULL), LIEN_OK);
	assert_int_equal(np.nsigs, 2);
	assert_int_equal(np.sigs[1].raw_len, 0);
	assert_null(np.sigs[1].sig);
	assert_int_equal(np.sigs[1].sig_len, sizeof raw - 4);
	assert_int_equal(np.sigs[1].key_id, 0x42424242u);
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_cosig_key_parsed_not_verified(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	struct note_signer *w = signer_new("witness.example/w1");
	struct note_verifier vs[2];
	static char buf[4096];
	struct note_parsed np;
	uint8_t raw[76];
	char vkey[256], b64[64];
	uint8_t data[33];
	uint64_t mask;
	char *msg;
	size_t len, n;

	(void)state;
	/* A type 0x04 vkey for w's public key. */
	vs[0] = *note_signer_verifier(s);
	data[0] = NOTE_KEY_COSIG_V1;
	memcpy(data + 1, note_signer_verifier(w)->pk, 32);
	assert_int_equal(b64_encode(data, 33, b64, sizeof b64), LIEN_OK);
	snprintf(vkey, sizeof vkey, "witness.example/w1+%08x+%s",
	    (unsigned)note_key_id("witness.example/w1", 18, NOTE_KEY_COSIG_V1,
	    data + 1), b64);
	assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &vs[1]),
	    LIEN_OK);
	assert_int_equal(vs[1].type, NOTE_KEY_COSIG_V1);

	/* keyid || timestamp || signature, as tlog-cosignature. */
	sign_text(s, text1, &msg, &len);
	memcpy(buf, msg, len);
	n = len;
	raw[0] = (uint8_t)(vs[1].key_id >> 24);
	raw[1] = (uint8_t)(vs[1].key_id >> 16);
	raw[2] = (uint8_t)(vs[1].key_id >> 8);
	raw[3] = (uint8_t)vs[1].key_id;
	memset(raw + 4, 0, 8);
	memset(raw + 12, 0x77, 64);	/* not checked by note_verify */
	append_line(buf, sizeof buf, &n, "witness.example/w1", raw, sizeof raw);
	assert_int_equal(note_verify((uint8_t *)buf, n, vs, 2, &np, &mask),
	    LIEN_OK);
	assert_int_equal(mask, 1);
	assert_int_equal(np.sigs[1].raw_len, 76);
	assert_int_equal(np.sigs[1].sig_len, 72);
	assert_int_equal(np.sigs[1].key_id, vs[1].key_id);
	assert_memory_equal(np.sigs[1].raw, raw, 76);
	/* Only a cosigner key given: nothing verified. */
	assert_int_equal(note_verify((uint8_t *)buf, n, &vs[1], 1, &np, &mask),
	    LIEN_EVERIFY);
	assert_int_equal(mask, 0);
	free(msg);
	note_signer_free(s);
	note_signer_free(w);
}

/* ---- notes: negative ------------------------------------------------ */

static void
test_note_verify_empty(void **state)
{
	struct note_signer *s = signer_new("k");
	struct note_parsed np;

	(void)state;
	assert_int_equal(note_parse((const uint8_t *)"", 0, &np), LIEN_EPARSE);
	assert_int_equal(note_parse(NULL, 0, &np), LIEN_EPARSE);
	assert_int_equal(verify1("", 0, note_signer_verifier(s)), LIEN_EPARSE);
	note_signer_free(s);
}

static void
test_note_verify_truncated(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, text1, &msg, &len);
	for (size_t i = 0; i < len; i++) {
		uint8_t *cut = malloc(i ? i : 1);	/* exact size for ASan */

		assert_non_null(cut);
		memcpy(cut, msg, i);
		assert_int_not_equal(verify1(cut, i, note_signer_verifier(s)),
		    LIEN_OK);
		free(cut);
	}
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_trailing_bytes(void **state)
{
	static const char *tails[] = {
		"x", "\n", " ", "\xe2\x80\x94", "\xe2\x80\x94 ",
		"\xe2\x80\x94 k\n", "\xe2\x80\x94 k AAAA\n", "\n\n", "\0",
	};
	struct note_signer *s = signer_new("example.com/log");
	char *msg, buf[1024];
	size_t len;

	(void)state;
	sign_text(s, text1, &msg, &len);
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		size_t tl = i == sizeof tails / sizeof tails[0] - 1 ? 1 :
		    strlen(tails[i]);

		memcpy(buf, msg, len);
		memcpy(buf + len, tails[i], tl);
		assert_int_not_equal(verify1(buf, len + tl,
		    note_signer_verifier(s)), LIEN_OK);
	}
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_bit_flips(void **state)
{
	/* One bit flipped anywhere must never verify: in the text it breaks
	 * the signature, elsewhere the syntax, the name or the key id. */
	struct note_signer *s = signer_new("example.com/log");
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, text1, &msg, &len);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			msg[i] = (char)(msg[i] ^ (1 << bit));
			assert_int_not_equal(verify1(msg, len,
			    note_signer_verifier(s)), LIEN_OK);
			msg[i] = (char)(msg[i] ^ (1 << bit));
		}
	}
	assert_int_equal(verify1(msg, len, note_signer_verifier(s)), LIEN_OK);
	free(msg);
	note_signer_free(s);
}

static void
test_note_verify_wrong_key(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	struct note_signer *other = signer_new("example.com/log");
	struct note_signer *named = signer_new("example.com/other");
	struct note_verifier forged;
	struct note_parsed np;
	uint64_t mask = 7;
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, text1, &msg, &len);
	/* Same name, other key id: unknown, ignored, so nothing verified. */
	assert_int_equal(note_verify((uint8_t *)msg, len,
	    note_signer_verifier(other), 1, &np, &mask), LIEN_EVERIFY);
	assert_int_equal(mask, 0);
	assert_int_equal(np.nsigs, 0);	/* zeroed on failure */
	assert_int_equal(verify1(msg, len, note_signer_verifier(named)),
	    LIEN_EVERIFY);
	/* Same name and key id but another public key (an id collision):
	 * the line is "known", so its bad signature fails the note. */
	forged = *note_signer_verifier(other);
	forged.key_id = note_signer_verifier(s)->key_id;
	assert_int_equal(verify1(msg, len, &forged), LIEN_EVERIFY);
	/* ...even if another verifier succeeds. */
	{
		struct note_verifier two[2] = { *note_signer_verifier(s), forged };

		two[1].name[0] = 'E';	/* distinct (name, id), same id */
		two[1].key_id = two[0].key_id;
		assert_int_equal(note_verify((uint8_t *)msg, len, two, 2, NULL,
		    &mask), LIEN_OK);	/* 'E...' does not match: ignored */
		assert_int_equal(mask, 1);
	}
	free(msg);
	note_signer_free(s);
	note_signer_free(other);
	note_signer_free(named);
}

static void
test_note_verify_known_bad_among_good(void **state)
{
	/* Two lines for one key, one good and one bad: reject (we check
	 * every matching line; Go checks only the first). */
	struct note_signer *s = signer_new("example.com/log");
	static char buf[4096];
	uint8_t raw[68];
	char *msg;
	size_t len, n;

	(void)state;
	sign_text(s, text1, &msg, &len);
	memcpy(buf, msg, len);
	n = len;
	/* the good line again: fine */
	memcpy(buf + n, msg + strlen(text1) + 1, len - strlen(text1) - 1);
	n += len - strlen(text1) - 1;
	assert_int_equal(verify1(buf, n, note_signer_verifier(s)), LIEN_OK);
	/* plus a line with the right name and id but a bad signature */
	memset(raw, 0, sizeof raw);
	raw[0] = (uint8_t)(note_signer_verifier(s)->key_id >> 24);
	raw[1] = (uint8_t)(note_signer_verifier(s)->key_id >> 16);
	raw[2] = (uint8_t)(note_signer_verifier(s)->key_id >> 8);
	raw[3] = (uint8_t)note_signer_verifier(s)->key_id;
	append_line(buf, sizeof buf, &n, "example.com/log", raw, sizeof raw);
	assert_int_equal(verify1(buf, n, note_signer_verifier(s)), LIEN_EVERIFY);
	/* wrong length for an Ed25519 line of a known key */
	n = len;
	memcpy(buf, msg, len);
	append_line(buf, sizeof buf, &n, "example.com/log", raw, 67);
	assert_int_equal(verify1(buf, n, note_signer_verifier(s)), LIEN_EVERIFY);
	free(msg);
	note_signer_free(s);
}

/* Replace the first occurrence of from (in the signature block) with to,
 * then expect want from note_parse. */
static void
expect_edit(const char *msg, size_t len, size_t start, const char *from,
    const char *to, enum lien_status want)
{
	static char buf[4096];
	struct note_parsed np;
	const char *at = strstr(msg + start, from);
	size_t pre, fl = strlen(from), tl = strlen(to);

	assert_non_null(at);
	pre = (size_t)(at - msg);
	memcpy(buf, msg, pre);
	memcpy(buf + pre, to, tl);
	memcpy(buf + pre + tl, at + fl, len - pre - fl);
	assert_int_equal(note_parse((uint8_t *)buf, len - fl + tl, &np), want);
}

static void
test_note_parse_malformed_lines(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	char *msg;
	size_t len, t = strlen(text1);

	(void)state;
	sign_text(s, text1, &msg, &len);
	/* missing blank line */
	expect_edit(msg, len, t - 1, "\n\n", "\n", LIEN_EPARSE);
	/* "—" without the space, or with two, or a hyphen instead */
	expect_edit(msg, len, t, "\xe2\x80\x94 ", "\xe2\x80\x94", LIEN_EPARSE);
	expect_edit(msg, len, t, "\xe2\x80\x94 ", "\xe2\x80\x94  ", LIEN_EPARSE);
	expect_edit(msg, len, t, "\xe2\x80\x94 ", "- ", LIEN_EPARSE);
	expect_edit(msg, len, t, "\xe2\x80\x94 ", "\xe2\x80\x93 ", LIEN_EPARSE);
	/* name with '+', empty name, name with NBSP */
	expect_edit(msg, len, t, "example.com/log ", "example+com/log ", LIEN_EPARSE);
	expect_edit(msg, len, t, "example.com/log ", " ", LIEN_EPARSE);
	expect_edit(msg, len, t, "example.com/log ", "ex\xc2\xa0" "ample ", LIEN_EPARSE);
	/* no space between name and signature */
	expect_edit(msg, len, t, "example.com/log ", "example.com/log", LIEN_EPARSE);
	/* bad base64: alphabet, missing padding, non-zero pad bits, space */
	expect_edit(msg, len, t, "=\n", "\n", LIEN_EPARSE);
	expect_edit(msg, len, t, "=\n", "==\n", LIEN_EPARSE);
	expect_edit(msg, len, t, "/log ", "/log !", LIEN_EPARSE);
	expect_edit(msg, len, t, "/log ", "/log  ", LIEN_EPARSE);
	/* signature payload shorter than key id + 1 */
	expect_edit(msg, len, t, "example.com/log ", "k AAAAAA== ", LIEN_EPARSE);
	/* CR: as line end, and inside the text */
	expect_edit(msg, len, t, "=\n", "=\r\n", LIEN_EPARSE);
	expect_edit(msg, len, 0, "7\n", "7\r\n", LIEN_EPARSE);
	/* other control characters and non-UTF-8 in the text */
	expect_edit(msg, len, 0, "7\n", "7\t\n", LIEN_EPARSE);
	expect_edit(msg, len, 0, "7\n", "7\x7f\n", LIEN_OK);	/* DEL is allowed */
	expect_edit(msg, len, 0, "7\n", "7\xff\n", LIEN_EPARSE);
	expect_edit(msg, len, 0, "7\n", "7\xc0\xb7\n", LIEN_EPARSE);	/* overlong */
	expect_edit(msg, len, 0, "7\n", "7\xed\xa0\x80\n", LIEN_EPARSE); /* surrogate */
	expect_edit(msg, len, 0, "7\n", "7\xf4\x90\x80\x80\n", LIEN_EPARSE); /* > U+10FFFF */
	expect_edit(msg, len, 0, "7\n", "7\xe2\x80\n", LIEN_EPARSE);	/* truncated */
	expect_edit(msg, len, 0, "7\n", "7\xc3\xa8\n", LIEN_OK);	/* è is fine */
	/* a second blank line inside the signature block */
	expect_edit(msg, len, t + 2, "=\n", "=\n\n", LIEN_EPARSE);
	free(msg);
	note_signer_free(s);
}

static void
test_note_parse_noncanonical_sig_b64(void **state)
{
	/* 68 bytes encode to 92 chars with one '=': the last data char has
	 * 2 unused bits. Setting them keeps Go-style lenient decoders happy
	 * but must fail here. */
	struct note_signer *s = signer_new("example.com/log");
	struct note_parsed np;
	char *msg;
	size_t len;
	char *last;
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	(void)state;
	sign_text(s, text1, &msg, &len);
	last = msg + len - 3;	/* ... X = \n */
	assert_int_equal(last[1], '=');
	{
		const char *pos = strchr(alphabet, *last);
		int v = (int)(pos - alphabet);

		*last = alphabet[v | 1];
		if (v & 1)
			*last = alphabet[v & ~1];
	}
	assert_int_equal(note_parse((uint8_t *)msg, len, &np), LIEN_EPARSE);
	free(msg);
	note_signer_free(s);
}

static void
test_note_parse_oversize(void **state)
{
	struct note_signer *s = signer_new("k");
	struct note_parsed np;
	uint8_t *big = malloc(NOTE_MAX + 2);
	char *msg;
	size_t len;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', NOTE_MAX + 2);
	big[NOTE_TEXT_MAX] = '\n';
	/* text exactly NOTE_TEXT_MAX: signs and verifies */
	assert_int_equal(note_sign(s, big, NOTE_TEXT_MAX + 1, &msg, &len),
	    LIEN_ETOOBIG);
	big[NOTE_TEXT_MAX - 1] = '\n';
	assert_int_equal(note_sign(s, big, NOTE_TEXT_MAX, &msg, &len), LIEN_OK);
	assert_int_equal(verify1(msg, len, note_signer_verifier(s)), LIEN_OK);
	free(msg);
	/* a text of NOTE_TEXT_MAX + 1 in a note: ETOOBIG */
	memset(big, 'a', NOTE_MAX + 2);
	memcpy(big + NOTE_TEXT_MAX, "\n\n\xe2\x80\x94 k AAAAAAAA\n", 17);
	assert_int_equal(note_parse(big, NOTE_TEXT_MAX + 17, &np), LIEN_ETOOBIG);
	/* whole note over NOTE_MAX */
	assert_int_equal(note_parse(big, NOTE_MAX + 1, &np), LIEN_ETOOBIG);
	free(big);
	note_signer_free(s);
}

static void
test_note_sign_rejects_bad_text(void **state)
{
	struct note_signer *s = signer_new("k");
	char *msg = (char *)&msg;
	size_t len = 5;

	(void)state;
	assert_int_equal(note_sign(s, (const uint8_t *)"", 0, &msg, &len),
	    LIEN_EPARSE);
	assert_null(msg);
	assert_int_equal(len, 0);
	assert_int_equal(note_sign(s, (const uint8_t *)"abc", 3, &msg, &len),
	    LIEN_EPARSE);
	assert_int_equal(note_sign(s, (const uint8_t *)"a\rb\n", 4, &msg, &len),
	    LIEN_EPARSE);
	assert_int_equal(note_sign(s, (const uint8_t *)"a\xff\n", 3, &msg, &len),
	    LIEN_EPARSE);
	assert_int_equal(note_sign(NULL, (const uint8_t *)"a\n", 2, &msg, &len),
	    LIEN_EINVAL);
	note_signer_free(s);
}

static void
test_note_verify_bad_verifier_list(void **state)
{
	struct note_signer *s = signer_new("k");
	struct note_verifier vs[65];
	char *msg;
	size_t len;

	(void)state;
	sign_text(s, "x\n", &msg, &len);
	for (int i = 0; i < 65; i++)
		vs[i] = *note_signer_verifier(s);
	assert_int_equal(note_verify((uint8_t *)msg, len, vs, 65, NULL, NULL),
	    LIEN_EINVAL);
	/* duplicate (name, key id) */
	assert_int_equal(note_verify((uint8_t *)msg, len, vs, 2, NULL, NULL),
	    LIEN_EINVAL);
	assert_int_equal(note_verify((uint8_t *)msg, len, NULL, 1, NULL, NULL),
	    LIEN_EINVAL);
	/* none given: nothing can verify */
	assert_int_equal(note_verify((uint8_t *)msg, len, NULL, 0, NULL, NULL),
	    LIEN_EVERIFY);
	free(msg);
	note_signer_free(s);
}

/* The key-pair layer both signers share (note_keypair_*): each type
 * round-trips, each refuses the other's text, bad arguments and a wrong
 * key id are refused, and a refused parse leaves no secret behind. */
static void
test_note_keypair_types(void **state)
{
	static const uint8_t types[2] = { NOTE_KEY_ED25519, NOTE_KEY_COSIG_V1 };
	uint8_t seed[ED25519_SEED_LEN] = { 7 }, sk[ED25519_SK_LEN];
	uint8_t zero[ED25519_SK_LEN] = { 0 };
	char longname[NOTE_NAME_MAX + 2];
	struct note_verifier v, v2;

	(void)state;
	for (unsigned t = 0; t < 2; t++) {
		char *skey = NULL, *vkey = NULL;
		size_t n;

		assert_int_equal(note_keypair_generate("k.example/a", 11,
		    types[t], &skey, &vkey), LIEN_OK);
		n = strlen(skey);
		assert_int_equal(note_keypair_parse(skey, n, types[t], &v, sk),
		    LIEN_OK);
		assert_int_equal(v.type, types[t]);
		assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &v2),
		    LIEN_OK);
		assert_memory_equal(v.pk, v2.pk, ED25519_PK_LEN);
		assert_int_equal(v.key_id, v2.key_id);
		/* the other type's signer refuses it, and wipes sk */
		assert_int_equal(note_keypair_parse(skey, n, types[1 - t], &v,
		    sk), LIEN_EUNSUPPORTED);
		assert_memory_equal(sk, zero, sizeof(sk));
		/* a key id that does not match the derived public key */
		skey[n - 46] = skey[n - 46] == '0' ? '1' : '0';
		assert_int_equal(note_keypair_parse(skey, n, types[t], &v, sk),
		    LIEN_EVERIFY);
		assert_memory_equal(sk, zero, sizeof(sk));
		secret_free(skey);
		free(vkey);
	}
	assert_int_equal(note_keypair_from_seed("a", 1, 0x02, seed, &v, sk),
	    LIEN_EINVAL);
	memset(longname, 'a', sizeof(longname));
	assert_int_equal(note_keypair_from_seed(longname, NOTE_NAME_MAX + 1,
	    NOTE_KEY_ED25519, seed, &v, sk), LIEN_EINVAL);
	assert_int_equal(note_keypair_from_seed("a", 1, NOTE_KEY_COSIG_V1,
	    seed, &v, sk), LIEN_OK);
	assert_int_equal(note_keypair_parse(NULL, 0, NOTE_KEY_ED25519, &v, sk),
	    LIEN_EINVAL);
	assert_int_equal(note_keypair_parse("", 0, NOTE_KEY_ED25519, &v, sk),
	    LIEN_EPARSE);
	{
		char *skey = (char *)1, *vkey = (char *)1;

		assert_int_equal(note_keypair_generate("a b", 3,
		    NOTE_KEY_COSIG_V1, &skey, &vkey), LIEN_EPARSE);
		assert_null(skey);
		assert_null(vkey);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_verify_go_vectors),
		cmocka_unit_test(test_note_sign_matches_go),
		cmocka_unit_test(test_note_key_id_go_doc),
		cmocka_unit_test(test_note_key_generate_roundtrip),
		cmocka_unit_test(test_note_keypair_types),
		cmocka_unit_test(test_note_verifier_parse_trailing_newline),
		cmocka_unit_test(test_note_verifier_parse_rejects),
		cmocka_unit_test(test_note_signer_parse_rejects),
		cmocka_unit_test(test_note_name_check_rules),
		cmocka_unit_test(test_note_sign_verify_roundtrip),
		cmocka_unit_test(test_note_verify_text_with_blank_lines),
		cmocka_unit_test(test_note_verify_sixteen_unknown_sigs),
		cmocka_unit_test(test_note_parse_sigs_max),
		cmocka_unit_test(test_note_verify_long_unknown_sig),
		cmocka_unit_test(test_note_verify_cosig_key_parsed_not_verified),
		cmocka_unit_test(test_note_verify_empty),
		cmocka_unit_test(test_note_verify_truncated),
		cmocka_unit_test(test_note_verify_trailing_bytes),
		cmocka_unit_test(test_note_verify_bit_flips),
		cmocka_unit_test(test_note_verify_wrong_key),
		cmocka_unit_test(test_note_verify_known_bad_among_good),
		cmocka_unit_test(test_note_parse_malformed_lines),
		cmocka_unit_test(test_note_parse_noncanonical_sig_b64),
		cmocka_unit_test(test_note_parse_oversize),
		cmocka_unit_test(test_note_sign_rejects_bad_text),
		cmocka_unit_test(test_note_verify_bad_verifier_list),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
