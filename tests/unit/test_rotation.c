/*
 * Key rotation rules that live in the libraries (docs/key-rotation.md):
 * a witness that rotates its key keeps its name, so a policy listing its
 * old and new key counts it once (cosig_count_names, cosig_verify_quorum,
 * tlog_checkpoint_verify); the entry type that chains a new log to the
 * old one's final checkpoint; the status codes of a frozen or busy store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd/http.h"
#include "crypto/cosig.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/verifier.h"

#define LOG_ORIGIN "rotation.test/log"

struct fx {
	struct note_signer *log;
	struct note_verifier logv;
	char *note;		/* checkpoint + cosignature lines */
	size_t cp_len;		/* the log-signed checkpoint alone */
	size_t body_len;
	/* w.test old key, w.test new key, v.test, u.test */
	struct cosig_signer *ws[4];
	struct note_verifier wv[4];
};

static int
setup(void **state)
{
	static const char *const names[4] = { "w.test", "w.test", "v.test",
		"u.test" };
	struct fx *f = calloc(1, sizeof *f);
	uint8_t root[HASH_LEN];
	char body[256], *sk, *vk, *cp;
	size_t blen, cplen;

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	assert_int_equal(note_key_generate(LOG_ORIGIN, strlen(LOG_ORIGIN), &sk,
	    &vk), LIEN_OK);
	assert_int_equal(note_signer_parse(sk, strlen(sk), &f->log), LIEN_OK);
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &f->logv),
	    LIEN_OK);
	secret_free(sk);
	free(vk);
	memset(root, 0x5a, sizeof root);
	assert_int_equal(checkpoint_format(LOG_ORIGIN, strlen(LOG_ORIGIN), 42,
	    root, body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(f->log, (uint8_t *)body, blen, &cp, &cplen),
	    LIEN_OK);
	f->note = malloc(cplen + 4 * COSIG_LINE_MAX);
	assert_non_null(f->note);
	memcpy(f->note, cp, cplen);
	free(cp);
	f->cp_len = cplen;
	f->body_len = blen;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(cosig_key_generate(names[i], strlen(names[i]),
		    &sk, &vk), LIEN_OK);
		assert_int_equal(cosig_signer_parse(sk, strlen(sk), &f->ws[i]),
		    LIEN_OK);
		assert_int_equal(note_verifier_parse(vk, strlen(vk), &f->wv[i]),
		    LIEN_OK);
		secret_free(sk);
		free(vk);
	}
	/* Two keys, one name: different key ids. */
	assert_int_not_equal(f->wv[0].key_id, f->wv[1].key_id);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 4; i++)
		cosig_signer_free(f->ws[i]);
	note_signer_free(f->log);
	free(f->note);
	free(f);
	return 0;
}

/* The note cosigned by the witnesses whose bit is set in who. */
static size_t
cosigned(struct fx *f, unsigned who)
{
	size_t len = f->cp_len, n;

	for (int i = 0; i < 4; i++) {
		if (!(who >> i & 1u))
			continue;
		assert_int_equal(cosig_sign_line(f->ws[i], (uint8_t *)f->note,
		    f->body_len, 1767225600u + (unsigned)i, f->note + len,
		    COSIG_LINE_MAX, &n), LIEN_OK);
		len += n;
	}
	return len;
}

static void
test_cosig_count_names_same_name_counts_once(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cosig_count_names(f->wv, 4, 0), 0);
	assert_int_equal(cosig_count_names(f->wv, 4, 0x1), 1);
	assert_int_equal(cosig_count_names(f->wv, 4, 0x2), 1);
	assert_int_equal(cosig_count_names(f->wv, 4, 0x3), 1);	/* old+new */
	assert_int_equal(cosig_count_names(f->wv, 4, 0x7), 2);
	assert_int_equal(cosig_count_names(f->wv, 4, 0xf), 3);
	assert_int_equal(cosig_count_names(f->wv, 4, 0xc), 2);
	/* Bits beyond nvs are ignored. */
	assert_int_equal(cosig_count_names(f->wv, 2, 0xf), 1);
	assert_int_equal(cosig_count_names(NULL, 0, 0), 0);
}

/* Overlap period: the policy lists w's old and new key. A note cosigned
 * by both of w's keys is one witness, not two. */
static void
test_cosig_verify_quorum_rotated_witness_counts_once(void **state)
{
	struct fx *f = *state;
	uint64_t mask;
	size_t len;

	len = cosigned(f, 0x3);		/* w old + w new */
	assert_int_equal(cosig_verify_quorum((uint8_t *)f->note, len, f->wv, 3,
	    1, &mask), LIEN_OK);
	assert_int_equal(mask, 0x3);
	assert_int_equal(cosig_verify_quorum((uint8_t *)f->note, len, f->wv, 3,
	    2, &mask), LIEN_EVERIFY);
	len = cosigned(f, 0x6);		/* w new + v */
	assert_int_equal(cosig_verify_quorum((uint8_t *)f->note, len, f->wv, 3,
	    2, NULL), LIEN_OK);
	len = cosigned(f, 0x5);		/* w old + v: still accepted */
	assert_int_equal(cosig_verify_quorum((uint8_t *)f->note, len, f->wv, 3,
	    2, NULL), LIEN_OK);
	/* After the overlap the old key is dropped from the policy: a note
	 * cosigned with it alone no longer counts for w. */
	len = cosigned(f, 0x5);
	assert_int_equal(cosig_verify_quorum((uint8_t *)f->note, len,
	    &f->wv[1], 2, 2, NULL), LIEN_EVERIFY);
}

static void
test_tlog_checkpoint_verify_rotated_witness(void **state)
{
	struct fx *f = *state;
	struct tlog_policy pol;
	struct tlog_report r;
	struct checkpoint cp;
	size_t ncos = 99, len;

	memset(&pol, 0, sizeof pol);
	pol.log = f->logv;
	pol.witnesses = f->wv;
	pol.nwitnesses = 4;
	pol.quorum = 2;
	len = cosigned(f, 0x3);		/* one witness, both keys */
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)f->note, len,
	    &cp, &ncos, &r), LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_QUORUM);
	assert_int_equal(ncos, 1);
	len = cosigned(f, 0xb);		/* w old, w new, u */
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)f->note, len,
	    &cp, &ncos, &r), LIEN_OK);
	assert_int_equal(ncos, 2);
	assert_int_equal(cp.size, 42);
	/* A bit flip in the new key's line fails w closed; u alone is 1. */
	len = cosigned(f, 0xa);		/* w new, u */
	f->note[f->cp_len + 20] ^= 0x01;
	assert_int_not_equal(tlog_checkpoint_verify(&pol, (uint8_t *)f->note,
	    len, &cp, &ncos, &r), LIEN_OK);
}

static void
test_rotation_constants(void **state)
{
	(void)state;
	/* Below the registry's types (16..): ignored by registry replay. */
	assert_int_equal(ENTRY_TYPE_PREV_LOG, 2);
	assert_int_equal(LIEN_EFROZEN, 17);
	assert_int_equal(LIEN_EBUSY, 18);
	assert_string_equal(lien_status_code(LIEN_EFROZEN), "log_frozen");
	assert_string_equal(lien_status_code(LIEN_EBUSY), "busy");
	/* lienlogd on a frozen store: appends answer 503 log_frozen. */
	assert_int_equal(api_status_http(LIEN_EFROZEN), 503);
	assert_int_equal(api_status_http(LIEN_EBUSY), 503);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cosig_count_names_same_name_counts_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cosig_verify_quorum_rotated_witness_counts_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tlog_checkpoint_verify_rotated_witness, setup, teardown),
		cmocka_unit_test(test_rotation_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
