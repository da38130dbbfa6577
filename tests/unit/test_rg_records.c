/* State records written without a tree (the replay's and the sequencer's
 * path) are byte for byte the canonical form of the tree the old path
 * builds, over generated inputs, well-formed and not:
 * registry/status.c rg_status_record_write (a vehicle's status record)
 * and registry/apply.c rg_notice_write (a notice); and a notice's key
 * and name (registry/state.c, store v22); a private record stored with
 * its sealed box's digest elided (registry/read.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "registry/jpack.h"
#include "registry/registry_int.h"
#include "tlog/status.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Mostly what the registry writes (a string or a small integer); now and
 * then an escape, non-ASCII text, a huge or negative integer, another
 * type, or nothing. */
/* A direct writer's result (a, buf, len) against the tree's canonical
 * form (b, want, want_len): either the same bytes (returns 1), or
 * declined with nothing written (an absent or odd member, a short
 * buffer: the caller takes the tree's way; returns 0). */
static unsigned
written_as_tree(enum lien_status a, enum lien_status b, const uint8_t *buf,
    size_t len, const char *want, size_t want_len)
{
	if (a != LIEN_OK) {
		assert_int_equal(a, LIEN_EUNSUPPORTED);
		assert_int_equal(len, 0);
		return 0;
	}
	assert_int_equal(b, LIEN_OK);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, len);
	return 1;
}

static json_t *
value(int string)
{
	static const char *const odd[] = { "a\"b", "c\\d", "e\nf", "\x01",
		"\xc3\xa9", "\xf0\x9d\x84\x9e", "\x7f", "" };
	char s[16];

	switch (rnd(160)) {
	case 0:
		return NULL;
	case 1:
		return json_real(1.5);
	case 2:
		return json_pack("{s:i}", "x", 1);
	case 3:
		return json_integer(-(json_int_t)rnd(1000));
	case 4:
		return json_integer((json_int_t)1 << 60);	/* > 2^53 */
	case 5:
		return json_string(odd[rnd(8)]);
	case 6:
		return json_true();
	default:
		break;
	}
	if (!string)
		return json_integer((json_int_t)rnd(1u << 30) * 1000);
	for (size_t i = 0; i < 13; i++)
		s[i] = "0123456789ABCDEF"[rnd(16)];
	s[13] = 0;
	return json_string(s);
}

static void
member(json_t *o, const char *k, int string)
{
	json_t *v = value(string);

	if (v != NULL)
		json_object_set_new(o, k, v);
}

static json_t *
list(const char *const *keys, const int *strs, size_t nkeys)
{
	json_t *a = json_array();
	unsigned n = rnd(5);

	for (unsigned i = 0; i < n; i++) {
		json_t *e;

		if (rnd(40) == 0) {
			json_array_append_new(a, json_integer(7));
			continue;
		}
		e = json_object();
		for (size_t k = 0; k < nkeys; k++)
			member(e, keys[k], strs[k]);
		json_object_set_new(e, "extra", json_string("ignored"));
		json_array_append_new(a, e);
	}
	return a;
}

static void
test_rg_status_record_write_matches_tree(void **state)
{
	static const char *const lk[] = { "app", "registered_index",
		"registered_ms" };
	static const int ls[] = { 1, 0, 0 };
	static const char *const rk[] = { "app", "registered_index",
		"registered_ms", "release", "released_index", "released_ms" };
	static const int rs[] = { 1, 0, 0, 1, 0, 0 };
	static const char *const sk[] = { "index", "kind", "time_ms" };
	static const int ss[] = { 0, 1, 0 };
	uint8_t buf[STATUS_RECORD_MAX];
	unsigned same = 0;

	(void)state;
	for (int r = 0; r < 20000; r++) {
		json_t *veh = json_object(), *tree;
		char *want = NULL;
		size_t want_len = 0, len = 0;
		enum lien_status a, b = LIEN_ENOMEM;

		member(veh, "fuller", 1);
		member(veh, "recorded_index", 0);
		member(veh, "recorded_ms", 0);
		member(veh, "vehicle", 1);
		if (rnd(30))
			json_object_set_new(veh, "liens", list(lk, ls, 3));
		if (rnd(30))
			json_object_set_new(veh, "released", list(rk, rs, 6));
		if (rnd(30))
			json_object_set_new(veh, "restrictions",
			    list(sk, ss, 3));
		else if (rnd(2))
			json_object_set_new(veh, "restrictions",
			    json_string("not a list"));
		a = rg_status_record_write(veh, buf, rnd(10) ? sizeof buf :
		    rnd(200), &len);
		if ((tree = rg_status_record(veh)) != NULL) {
			b = jcs_serialize(tree, &want, &want_len);
			json_decref(tree);
		}
		same += written_as_tree(a, b, buf, len, want, want_len);
		free(want);
		json_decref(veh);
	}
	assert_true(same > 1000);	/* the generator is not all odd */
}

/* The tree registry/apply.c notice_put builds when rg_notice_write
 * declines. */
static json_t *
notice_tree(uint64_t index, uint64_t now, const char *app, const char *kind,
    const json_t *reasons)
{
	json_t *o = json_object();

	json_object_set_new(o, "app", json_string(app));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "index", json_integer((json_int_t)index));
	json_object_set_new(o, "time_ms", json_integer((json_int_t)now));
	if (reasons != NULL)
		json_object_set_new(o, "reasons", json_copy((json_t *)reasons));
	return o;
}

static void
test_rg_notice_write_matches_tree(void **state)
{
	static const char *const apps[] = { "A000000000000001f",
		"A00000000000abcde", "x\"y", "tab\there", "\xc3\xa9t\xc3\xa9",
		"" };
	static const char *const kinds[] = { "received", "diverted",
		"approved", "rejected", "dispatched", "delivered" };
	uint8_t buf[2048];
	unsigned same = 0;

	(void)state;
	for (int r = 0; r < 20000; r++) {
		uint64_t index = rnd(8) ? rnd(1u << 30) : (uint64_t)1 << 60;
		uint64_t now = (uint64_t)rnd(1u << 30) * 1000 + rnd(1000);
		const char *app = apps[rnd(4) ? 0 : rnd(6)];
		const char *kind = kinds[rnd(6)];
		json_t *reasons = NULL, *tree;
		char *want = NULL;
		size_t want_len = 0, len = 0;
		enum lien_status a, b;

		switch (rnd(6)) {
		case 0:
			reasons = json_pack("[s,s]", "face_grey", "owner_burst");
			break;
		case 1:
			reasons = json_pack("{s:i,s:s}", "z", 1, "a", "\n");
			break;
		case 2:
			reasons = json_real(0.5);
			break;
		case 3:
			reasons = json_pack("[s]", "\xe4\xb8\xad");
			break;
		default:
			break;
		}
		a = rg_notice_write(index, now, app, kind, reasons, buf,
		    rnd(10) ? sizeof buf : rnd(80), &len);
		tree = notice_tree(index, now, app, kind, reasons);
		b = jcs_serialize(tree, &want, &want_len);
		same += written_as_tree(a, b, buf, len, want, want_len);
		free(want);
		json_decref(tree);
		json_decref(reasons);
	}
	assert_true(same > 5000);
}

/* A notice's key (store v22) and its name: each kind round-trips, names
 * sort as keys do (the delivery worker's cursor is a name, the table's
 * order the keys'), and what is not a notice is refused. */
static void
test_registry_notice_keys(void **state)
{
	static const char *const kinds[] = { "received", "diverted",
		"approved", "rejected", "dispatched", "delivered" };
	static const uint64_t ix[] = { 0, 1, 0xda, 0x100, 0xffffffffffffffffull };
	uint8_t k[REG_NOTICE_KEY_LEN], k2[REG_NOTICE_KEY_LEN];
	uint8_t keys[30][REG_NOTICE_KEY_LEN];
	char names[30][REG_NOTICE_NAME_MAX + 1];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++)
		for (size_t j = 0; j < 6; j++) {
			char want[64];

			assert_int_equal(registry_notice_key(ix[i], kinds[j],
			    keys[n]), LIEN_OK);
			assert_int_equal(registry_notice_name(keys[n],
			    REG_NOTICE_KEY_LEN, names[n]), LIEN_OK);
			(void)snprintf(want, sizeof want, "n/%016llx/%s",
			    (unsigned long long)ix[i], kinds[j]);
			assert_string_equal(names[n], want);
			assert_int_equal(registry_notice_name_key(names[n],
			    strlen(names[n]), k2), LIEN_OK);
			assert_memory_equal(k2, keys[n], sizeof k2);
			n++;
		}
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			int ck = memcmp(keys[a], keys[b], REG_NOTICE_KEY_LEN);
			int cn = strcmp(names[a], names[b]);

			assert_true((ck < 0) == (cn < 0) && (ck == 0) ==
			    (cn == 0));
		}
	assert_int_equal(registry_notice_key(1, "picked_up", k),
	    LIEN_EINVAL);
	assert_int_equal(registry_notice_key(1, NULL, k), LIEN_EINVAL);
	k[8] = 6;
	assert_int_equal(registry_notice_name(k, sizeof k, names[0]),
	    LIEN_ECORRUPT);
	assert_int_equal(registry_notice_name(keys[1], 8, names[0]),
	    LIEN_ECORRUPT);
	assert_int_equal(registry_notice_name_key("n/00000000000000da/",
	    19, k), LIEN_EPARSE);
	assert_int_equal(registry_notice_name_key("n/00000000000000DA/received",
	    27, k), LIEN_EPARSE);
	assert_int_equal(registry_notice_name_key("r/00000000000000da/received",
	    27, k), LIEN_EPARSE);
	assert_int_equal(registry_notice_name_key("n/00000000000000da/receivedx",
	    28, k), LIEN_EPARSE);
}

/* A private record (docs/privacy.md table B's shape) whose `sealed` is
 * the SHA-256 of box, into buf. */
static size_t
priv_text(char *buf, size_t cap, const uint8_t *box, size_t box_len,
    const char *extra)
{
	uint8_t h[HASH_LEN];
	char hx[2 * HASH_LEN + 1];
	int n;

	hash_sha256(box, box_len, h);
	hex_encode(h, HASH_LEN, hx);
	n = snprintf(buf, cap, "{\"evidence\":{\"alg\":\"ed25519\",\"created\""
	    ":1794958586,\"nonce\":\"0d5a7238fb71ef2872314f2d585ff9d6\"},\"key"
	    "\":\"system\",\"owner\":\"be46f263dab158a858afe41a38094a20df237b87"
	    "a7a6668884facdb04de74074\"%s,\"salt\":\"3797bdf91ef719eb0974c87fa"
	    "cb056adfe1b81b9bcbcdbd50c96014fd27c20bb\",\"sealed\":\"%s\",\"sig"
	    "ner\":{\"party\":\"913304008837448709\"}}", extra, hx);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* The box's digest elided: stored as RG_PRIV_ELIDED, read back as the
 * very text with the box, refused without it or with a stored form that
 * does not hold the elided value once; every truncation, trailing byte
 * and bit flip is refused or reads as another text (which the entry's
 * commitment refuses); a record whose `sealed` is not its box's digest,
 * or that names `sealed` twice, is stored as jpack stores it. */
static void
test_rg_private_elided(void **state)
{
	static const uint8_t box[] = "a sealed box", other[] = "another box";
	char text[1024], twice[1024];
	size_t len, n, out_len;
	uint8_t *st, *out, *bad;

	(void)state;
	len = priv_text(text, sizeof text, box, sizeof box, "");
	assert_int_equal(rg_private_pack(text, len, box, sizeof box, &st, &n),
	    LIEN_OK);
	assert_int_equal(st[0], RG_PRIV_ELIDED);
	assert_int_equal(registry_private_decode(st, n, box, sizeof box, &out,
	    &out_len), LIEN_OK);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, text, len);
	free(out);
	/* another box: another text; none: refused */
	assert_int_equal(registry_private_decode(st, n, other, sizeof other,
	    &out, &out_len), LIEN_OK);
	assert_int_equal(out_len, len);
	assert_memory_not_equal(out, text, len);
	free(out);
	assert_int_equal(registry_private_decode(st, n, NULL, 0, &out,
	    &out_len), LIEN_ECORRUPT);
	assert_null(out);
	assert_int_equal(registry_private_decode(st, 0, box, sizeof box, &out,
	    &out_len), LIEN_ECORRUPT);
	for (size_t k = 1; k < n; k++) {
		enum lien_status rc = registry_private_decode(st, k, box,
		    sizeof box, &out, &out_len);

		assert_int_not_equal(rc, LIEN_OK);
		assert_null(out);
	}
	assert_non_null(bad = malloc(n + 1));
	memcpy(bad, st, n);
	bad[n] = 0x06;		/* a trailing token */
	assert_int_not_equal(registry_private_decode(bad, n + 1, box,
	    sizeof box, &out, &out_len), LIEN_OK);
	for (size_t i = 1; i < n; i++)
		for (unsigned b = 0; b < 8; b++) {
			memcpy(bad, st, n);
			bad[i] ^= (uint8_t)(1u << b);
			if (registry_private_decode(bad, n, box, sizeof box,
			    &out, &out_len) == LIEN_OK) {
				assert_false(out_len == len &&
				    memcmp(out, text, len) == 0);
				free(out);
			}
		}
	free(bad);
	free(st);
	/* stored forms without the elided value: plain jpack tokens behind
	 * the byte (the digest itself, or no `sealed`) */
	assert_int_equal(jpack_encode((const uint8_t *)text, len, &st, &n),
	    LIEN_OK);
	st[0] = RG_PRIV_ELIDED;
	assert_int_equal(registry_private_decode(st, n, box, sizeof box, &out,
	    &out_len), LIEN_ECORRUPT);
	free(st);
	assert_int_equal(jpack_encode((const uint8_t *)"{\"key\":\"system\"}",
	    16, &st, &n), LIEN_OK);
	st[0] = RG_PRIV_ELIDED;
	assert_int_equal(registry_private_decode(st, n, box, sizeof box, &out,
	    &out_len), LIEN_ECORRUPT);
	free(st);
	/* not the box's digest; `sealed` named twice: jpack's own form */
	assert_int_equal(rg_private_pack(text, len, other, sizeof other, &st,
	    &n), LIEN_OK);
	assert_int_equal(st[0], JPACK_TAG);
	assert_int_equal(registry_private_decode(st, n, NULL, 0, &out,
	    &out_len), LIEN_OK);
	assert_memory_equal(out, text, len);
	free(out);
	free(st);
	len = priv_text(twice, sizeof twice, box, sizeof box, ",\"p\":{\"se"
	    "aled\":\"0000000000000000000000000000000000000000000000000000000"
	    "000000000\"}");
	assert_int_equal(rg_private_pack(twice, len, box, sizeof box, &st,
	    &n), LIEN_OK);
	assert_int_equal(st[0], JPACK_TAG);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rg_status_record_write_matches_tree),
		cmocka_unit_test(test_rg_notice_write_matches_tree),
		cmocka_unit_test(test_registry_notice_keys),
		cmocka_unit_test(test_rg_private_elided),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
