/*
 * Unit tests for tlog/checkpoint.c (C2SP tlog-checkpoint): format/parse
 * round trips, the one-spelling rules for size and root, extension lines,
 * and checkpoint_open against our signer and a Go-produced checkpoint.
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
#include "tlog/checkpoint.h"

static const uint8_t root1[HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
#define ROOT1_B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static enum lien_status LIEN_MUST_CHECK
parse_str(const char *s, struct checkpoint *cp)
{
	return checkpoint_parse((const uint8_t *)s, strlen(s), cp);
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
test_checkpoint_format_parse_roundtrip(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 9, 10, 42, 1000000,
	    UINT64_MAX - 1, UINT64_MAX };
	char buf[512];
	size_t len;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(checkpoint_format("example.com/log", 15, 7, root1, buf,
	    sizeof buf, &len), LIEN_OK);
	assert_string_equal(buf, "example.com/log\n7\n" ROOT1_B64 "\n");
	assert_int_equal(len, strlen(buf));
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(checkpoint_format("o", 1, sizes[i], root1, buf,
		    sizeof buf, &len), LIEN_OK);
		assert_int_equal(checkpoint_parse((uint8_t *)buf, len, &cp),
		    LIEN_OK);
		assert_int_equal(cp.size, sizes[i]);
		assert_int_equal(cp.origin_len, 1);
		assert_memory_equal(cp.origin, "o", 1);
		assert_memory_equal(cp.root, root1, HASH_LEN);
		assert_int_equal(cp.next, 0);
	}
	assert_int_equal(parse_str("o\n18446744073709551615\n" ROOT1_B64 "\n",
	    &cp), LIEN_OK);
	assert_true(cp.size == UINT64_MAX);
}

static void
test_checkpoint_format_rejects(void **state)
{
	char buf[512];
	size_t len = 99;

	(void)state;
	assert_int_equal(checkpoint_format("", 0, 1, root1, buf, sizeof buf,
	    &len), LIEN_EPARSE);
	assert_int_equal(len, 0);
	assert_int_equal(checkpoint_format("a\nb", 3, 1, root1, buf,
	    sizeof buf, &len), LIEN_EPARSE);
	assert_int_equal(checkpoint_format("a\rb", 3, 1, root1, buf,
	    sizeof buf, &len), LIEN_EPARSE);
	assert_int_equal(checkpoint_format("a\xff", 2, 1, root1, buf,
	    sizeof buf, &len), LIEN_EPARSE);
	/* "o\n7\n" + 44 + "\n" = 49 bytes plus NUL */
	assert_int_equal(checkpoint_format("o", 1, 7, root1, buf, 49, &len),
	    LIEN_ETOOBIG);
	assert_int_equal(checkpoint_format("o", 1, 7, root1, buf, 50, &len),
	    LIEN_OK);
	assert_int_equal(len, 49);
}

static void
test_checkpoint_parse_noncanonical_size(void **state)
{
	static const char *bad[] = {
		"", "01", "00", "+1", "-1", "1 ", " 1", "1\t", "0x1", "1e3",
		"١",				/* Arabic-Indic one */
		"18446744073709551616",		/* 2^64 */
		"99999999999999999999",		/* 20 digits, > 2^64 */
		"100000000000000000000",	/* 21 digits */
		"000000000000000000001",
	};
	char buf[256];
	struct checkpoint cp;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "o\n%s\n" ROOT1_B64 "\n", bad[i]);
		assert_int_equal(parse_str(buf, &cp), LIEN_EPARSE);
		assert_int_equal(cp.size, 0);
		assert_null(cp.origin);
	}
}

static void
test_checkpoint_parse_bad_root(void **state)
{
	static const char *bad[] = {
		"",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==",	/* 31 bytes */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFVV",	/* 33 bytes */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",	/* pad bits */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",	/* no pad */
		"47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",	/* URL-safe */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= ",
		" 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	char buf[256];
	struct checkpoint cp;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "o\n5\n%s\n", bad[i]);
		assert_int_equal(parse_str(buf, &cp), LIEN_EPARSE);
	}
}

static void
test_checkpoint_parse_structure(void **state)
{
	struct checkpoint cp;

	(void)state;
	assert_int_equal(checkpoint_parse(NULL, 0, &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("\n5\n" ROOT1_B64 "\n", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64, &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\n", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64 "\n\n", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\r\n5\n" ROOT1_B64 "\n", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\r\n" ROOT1_B64 "\n", &cp), LIEN_EPARSE);
	assert_int_equal(parse_str("o\xc0\xaf\n5\n" ROOT1_B64 "\n", &cp),
	    LIEN_EPARSE);
	/* origin need not be a key name: spaces are allowed (SHOULD only) */
	assert_int_equal(parse_str("my log\n5\n" ROOT1_B64 "\n", &cp), LIEN_OK);
	assert_int_equal(cp.origin_len, 6);
}

static void
test_checkpoint_parse_extension_lines(void **state)
{
	char buf[2048];
	size_t n;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64 "\next one\n\xe2\x80\x94 x\n",
	    &cp), LIEN_OK);
	assert_int_equal(cp.next, 2);
	assert_int_equal(cp.ext_len[0], 7);
	assert_memory_equal(cp.ext[0], "ext one", 7);
	assert_int_equal(cp.ext_len[1], 5);
	/* empty extension line, control character, missing final '\n' */
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64 "\na\n\nb\n", &cp),
	    LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64 "\na\tb\n", &cp),
	    LIEN_EPARSE);
	assert_int_equal(parse_str("o\n5\n" ROOT1_B64 "\nab", &cp), LIEN_EPARSE);
	/* CHECKPOINT_EXT_LINES_MAX accepted, one more rejected */
	n = (size_t)snprintf(buf, sizeof buf, "o\n5\n" ROOT1_B64 "\n");
	for (unsigned i = 0; i < CHECKPOINT_EXT_LINES_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "e%u\n", i);
	assert_int_equal(checkpoint_parse((uint8_t *)buf, n, &cp), LIEN_OK);
	assert_int_equal(cp.next, CHECKPOINT_EXT_LINES_MAX);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "more\n");
	assert_int_equal(checkpoint_parse((uint8_t *)buf, n, &cp),
	    LIEN_ETOOBIG);
	assert_int_equal(cp.next, 0);
}

static void
test_checkpoint_parse_truncated(void **state)
{
	const char *body = "example.com/log\n12345\n" ROOT1_B64 "\n";
	size_t len = strlen(body);
	struct checkpoint cp;

	(void)state;
	for (size_t i = 0; i < len; i++) {
		uint8_t *cut = malloc(i ? i : 1);
		enum lien_status st;

		assert_non_null(cut);
		memcpy(cut, body, i);
		st = checkpoint_parse(cut, i, &cp);
		/* Cutting "12345\n" after a digit still leaves a line
		 * structure error, never a different valid checkpoint. */
		assert_int_not_equal(st, LIEN_OK);
		free(cut);
	}
}

static void
test_checkpoint_open_ok(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	char body[256], *msg;
	size_t blen, len;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(checkpoint_format("example.com/log", 15, 12345, root1,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(s, (uint8_t *)body, blen, &msg, &len),
	    LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(s), &cp), LIEN_OK);
	assert_int_equal(cp.size, 12345);
	assert_memory_equal(cp.root, root1, HASH_LEN);
	assert_ptr_equal(cp.origin, msg);	/* borrows msg */
	free(msg);
	note_signer_free(s);
}

static void
test_checkpoint_open_origin_mismatch(void **state)
{
	/* A valid signature by the key "example.com/log" over another
	 * log's checkpoint must not be accepted as this log's. */
	struct note_signer *s = signer_new("example.com/log");
	char body[256], *msg;
	size_t blen, len;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(checkpoint_format("example.com/other", 17, 1, root1,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(s, (uint8_t *)body, blen, &msg, &len),
	    LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(s), &cp), LIEN_EVERIFY);
	assert_null(cp.origin);
	free(msg);
	/* origin that is a prefix of the name */
	assert_int_equal(checkpoint_format("example.com/lo", 14, 1, root1,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(s, (uint8_t *)body, blen, &msg, &len),
	    LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(s), &cp), LIEN_EVERIFY);
	free(msg);
	note_signer_free(s);
}

static void
test_checkpoint_open_wrong_key_and_flips(void **state)
{
	struct note_signer *s = signer_new("example.com/log");
	struct note_signer *other = signer_new("example.com/log");
	char body[256], *msg;
	size_t blen, len;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(checkpoint_format("example.com/log", 15, 77, root1,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(s, (uint8_t *)body, blen, &msg, &len),
	    LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(other), &cp), LIEN_EVERIFY);
	for (size_t i = 0; i < len; i++) {
		msg[i] ^= 0x01;
		assert_int_not_equal(checkpoint_open((uint8_t *)msg, len,
		    note_signer_verifier(s), &cp), LIEN_OK);
		msg[i] ^= 0x01;
	}
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(s), &cp), LIEN_OK);
	/* A signed note whose text is not a checkpoint. */
	free(msg);
	assert_int_equal(note_sign(s, (const uint8_t *)"example.com/log\n",
	    16, &msg, &len), LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)msg, len,
	    note_signer_verifier(s), &cp), LIEN_EPARSE);
	free(msg);
	assert_int_equal(checkpoint_open((const uint8_t *)"", 0,
	    note_signer_verifier(s), &cp), LIEN_EPARSE);
	assert_int_equal(checkpoint_open((const uint8_t *)"", 0, NULL, &cp),
	    LIEN_EINVAL);
	note_signer_free(s);
	note_signer_free(other);
}

static void
test_checkpoint_open_go_vector(void **state)
{
	/* First record of go_sumdb_note.txt: a checkpoint signed by Go's
	 * sumdb/note with a key named like its origin. */
	const char *vkey =
	    "example.com/lienlog-go-vector+2c2be6ea+AYtp8atMSm0GqvE9Xi2mxl3Qz45w3My2mciBYDL3M4Ha";
	const char *b64 =
	    "ZXhhbXBsZS5jb20vbGllbmxvZy1nby12ZWN0b3IKNDIKcUp4V2htanV2UzhBcWpSTnMrd3dZSDBD"
	    "V3NhZUQ2a01IT2lKMG1JcHZOND0KCuKAlCBleGFtcGxlLmNvbS9saWVubG9nLWdvLXZlY3RvciBM"
	    "Q3ZtNnVwZ3JhdG1LcGFNVDZSaDI3UWN5WG90N3dlV29yNzRwcktRb3B4VWtXVTlpN1ZSZ2Q3R1My"
	    "czcvRFV0VjlXWWVnZ0RERjBxVmdXNjlIalJXNGZ0K0FZPQo=";
	uint8_t msg[512];
	size_t len;
	struct note_verifier v;
	struct checkpoint cp;

	(void)state;
	assert_int_equal(b64_decode(b64, strlen(b64), msg, sizeof msg, &len),
	    LIEN_OK);
	assert_int_equal(note_verifier_parse(vkey, strlen(vkey), &v), LIEN_OK);
	assert_int_equal(checkpoint_open(msg, len, &v, &cp), LIEN_OK);
	assert_int_equal(cp.size, 42);
	assert_int_equal(cp.origin_len, strlen("example.com/lienlog-go-vector"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checkpoint_format_parse_roundtrip),
		cmocka_unit_test(test_checkpoint_format_rejects),
		cmocka_unit_test(test_checkpoint_parse_noncanonical_size),
		cmocka_unit_test(test_checkpoint_parse_bad_root),
		cmocka_unit_test(test_checkpoint_parse_structure),
		cmocka_unit_test(test_checkpoint_parse_extension_lines),
		cmocka_unit_test(test_checkpoint_parse_truncated),
		cmocka_unit_test(test_checkpoint_open_ok),
		cmocka_unit_test(test_checkpoint_open_origin_mismatch),
		cmocka_unit_test(test_checkpoint_open_wrong_key_and_flips),
		cmocka_unit_test(test_checkpoint_open_go_vector),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
