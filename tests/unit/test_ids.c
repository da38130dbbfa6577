/*
 * Unit tests for registry/ids: the published examples validate, their check
 * characters recompute, and every single-character substitution, case
 * change, length change and stray byte is refused (with the one documented
 * exception: VIN characters of equal transliterated value).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "registry/ids.h"

static const char *const valid_vins[] = {
	"LSJA24U62JG269225", "LBV5S3102ESJ25655", "1M8GDM9AXKP042788",
};
static const char *const valid_cids[] = {
	"11010519491231002X",
};
static const char *const valid_usccs[] = {
	"91440300708461136T", "91330100799655058B",
};

/* Every byte value except the original, at every position. */
typedef enum lien_status (*validate_fn)(const char *, size_t);

static void
substitute_all(const char *valid, validate_fn fn, int vin)
{
	size_t len = strlen(valid);
	char buf[32];

	assert_true(len < sizeof buf);
	for (size_t i = 0; i < len; i++) {
		for (unsigned b = 0; b < 256; b++) {
			enum lien_status st;

			if ((unsigned char)valid[i] == b)
				continue;
			memcpy(buf, valid, len);
			buf[i] = (char)b;
			st = fn(buf, len);
			if (vin && i != 8) {
				/* equal transliterated values keep the sum */
				char c1 = 0, c2 = 0;
				char orig[32];

				memcpy(orig, valid, len);
				orig[8] = '0';
				buf[8] = '0';
				if (ids_vin_check_char(buf, len, &c1) == LIEN_OK &&
				    ids_vin_check_char(orig, len, &c2) == LIEN_OK &&
				    c1 == c2) {
					assert_int_equal(st, LIEN_OK);
					continue;
				}
			}
			assert_int_equal(st, LIEN_EPARSE);
		}
	}
}

static void
test_ids_vin_validate_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_vins / sizeof *valid_vins; i++) {
		char c = 0;

		assert_int_equal(ids_vin_validate(valid_vins[i], 17), LIEN_OK);
		assert_int_equal(ids_vin_check_char(valid_vins[i], 17, &c),
		    LIEN_OK);
		assert_int_equal(c, valid_vins[i][8]);
	}
}

static void
test_ids_vin_validate_substitution(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_vins / sizeof *valid_vins; i++)
		substitute_all(valid_vins[i], ids_vin_validate, 1);
}

/* The documented blind spot: A, J and 1 all count 1. */
static void
test_ids_vin_validate_equal_value_swap(void **state)
{
	char v[18];

	(void)state;
	memcpy(v, "LSJA24U62JG269225", 18);
	v[3] = 'J';	/* A -> J: both 1 */
	assert_int_equal(ids_vin_validate(v, 17), LIEN_OK);
	v[3] = '1';
	assert_int_equal(ids_vin_validate(v, 17), LIEN_OK);
}

static void
test_ids_vin_validate_forbidden(void **state)
{
	char v[18];
	char c;

	(void)state;
	/* I, O, Q never appear, even with a matching check digit */
	for (const char *f = "IOQ"; *f; f++) {
		memcpy(v, "LSJA24U62JG269225", 18);
		v[3] = *f;
		assert_int_equal(ids_vin_validate(v, 17), LIEN_EPARSE);
		assert_int_equal(ids_vin_check_char(v, 17, &c), LIEN_EPARSE);
		assert_int_equal(c, 0);
	}
	assert_int_equal(ids_vin_validate("lsja24u62jg269225", 17),
	    LIEN_EPARSE);
	assert_int_equal(ids_vin_validate("LSJA24U62JG26922", 16), LIEN_EPARSE);
	assert_int_equal(ids_vin_validate("LSJA24U62JG2692255", 18),
	    LIEN_EPARSE);
	assert_int_equal(ids_vin_validate("", 0), LIEN_EPARSE);
	assert_int_equal(ids_vin_validate(NULL, 0), LIEN_EPARSE);
	memcpy(v, "LSJA24U62JG269225", 18);
	v[5] = '\0';
	assert_int_equal(ids_vin_validate(v, 17), LIEN_EPARSE);
}

/* A VIN whose sum is 10 mod 11 gets 'X'. */
static void
test_ids_vin_check_char_x(void **state)
{
	char c = 0;

	(void)state;
	assert_int_equal(ids_vin_check_char("1M8GDM9A0KP042788", 17, &c),
	    LIEN_OK);
	assert_int_equal(c, 'X');
	assert_int_equal(ids_vin_validate("1M8GDM9A0KP042788", 17),
	    LIEN_EPARSE);
}

static void
test_ids_citizen_id_validate_examples(void **state)
{
	char c = 0;

	(void)state;
	assert_int_equal(ids_citizen_id_validate(valid_cids[0], 18), LIEN_OK);
	assert_int_equal(ids_citizen_id_check_char(valid_cids[0], 17, &c),
	    LIEN_OK);
	assert_int_equal(c, 'X');
	assert_int_equal(ids_citizen_id_check_char(valid_cids[0], 18, &c),
	    LIEN_OK);
	assert_int_equal(c, 'X');
}

static void
test_ids_citizen_id_validate_substitution(void **state)
{
	(void)state;
	substitute_all(valid_cids[0], ids_citizen_id_validate, 0);
}

/* Build an ID around a date, with its correct check character. */
static void
make_cid(char out[19], const char *date8)
{
	char c = 0;

	memcpy(out, "110105", 6);
	memcpy(out + 6, date8, 8);
	memcpy(out + 14, "123", 3);
	assert_int_equal(ids_citizen_id_check_char(out, 17, &c), LIEN_OK);
	out[17] = c;
	out[18] = '\0';
}

static void
test_ids_citizen_id_validate_dates(void **state)
{
	static const char *const good[] = {
		"20000229", "19960229", "18000101", "20991231", "19491231",
	};
	static const char *const bad[] = {
		"19000229", "21000101", "17991231", "19491232", "19491300",
		"19490001", "19490100", "20010229", "19490431",
	};
	char id[19];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		make_cid(id, good[i]);
		assert_int_equal(ids_citizen_id_validate(id, 18), LIEN_OK);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		make_cid(id, bad[i]);
		assert_int_equal(ids_citizen_id_validate(id, 18), LIEN_EPARSE);
	}
}

static void
test_ids_citizen_id_validate_malformed(void **state)
{
	char id[19];

	(void)state;
	assert_int_equal(ids_citizen_id_validate("11010519491231002x", 18),
	    LIEN_EPARSE);
	assert_int_equal(ids_citizen_id_validate("11010519491231002", 17),
	    LIEN_EPARSE);
	assert_int_equal(ids_citizen_id_validate("11010519491231002X0", 19),
	    LIEN_EPARSE);
	assert_int_equal(ids_citizen_id_validate("", 0), LIEN_EPARSE);
	memcpy(id, "11010519491231002X", 19);
	id[17] = '\0';
	assert_int_equal(ids_citizen_id_validate(id, 18), LIEN_EPARSE);
	/* address code starting with 0 */
	memcpy(id, "010105", 6);
	memcpy(id + 6, "19491231002", 11);
	{
		char c = 0;

		assert_int_equal(ids_citizen_id_check_char(id, 17, &c),
		    LIEN_OK);
		id[17] = c;
	}
	assert_int_equal(ids_citizen_id_validate(id, 18), LIEN_EPARSE);
}

static void
test_ids_uscc_validate_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_usccs / sizeof *valid_usccs;
	    i++) {
		char c = 0;

		assert_int_equal(ids_uscc_validate(valid_usccs[i], 18),
		    LIEN_OK);
		assert_int_equal(ids_uscc_check_char(valid_usccs[i], 17, &c),
		    LIEN_OK);
		assert_int_equal(c, valid_usccs[i][17]);
	}
}

static void
test_ids_uscc_validate_substitution(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof valid_usccs / sizeof *valid_usccs; i++)
		substitute_all(valid_usccs[i], ids_uscc_validate, 0);
}

static void
test_ids_uscc_validate_malformed(void **state)
{
	char u[19];
	char c = 0;

	(void)state;
	assert_int_equal(ids_uscc_validate("91440300708461136t", 18),
	    LIEN_EPARSE);
	assert_int_equal(ids_uscc_validate("91440300708461136", 17),
	    LIEN_EPARSE);
	assert_int_equal(ids_uscc_validate("91440300708461136TT", 19),
	    LIEN_EPARSE);
	assert_int_equal(ids_uscc_validate(NULL, 0), LIEN_EPARSE);
	/* letters outside the alphabet, even with a fitting check char */
	for (const char *f = "IOSVZ"; *f; f++) {
		memcpy(u, "91440300708461136T", 19);
		u[9] = *f;
		assert_int_equal(ids_uscc_check_char(u, 18, &c), LIEN_EPARSE);
		assert_int_equal(ids_uscc_validate(u, 18), LIEN_EPARSE);
	}
	/* a letter in the division code, with a correct check character */
	memcpy(u, "914403A0708461136T", 19);
	assert_int_equal(ids_uscc_check_char(u, 17, &c), LIEN_OK);
	u[17] = c;
	assert_int_equal(ids_uscc_validate(u, 18), LIEN_EPARSE);
}

/* (31 - S mod 31) mod 31: S = 0 gives '0', never an out-of-range 31. */
static void
test_ids_uscc_check_char_zero(void **state)
{
	char c = 1;

	(void)state;
	assert_int_equal(ids_uscc_check_char("00000000000000000", 17, &c),
	    LIEN_OK);
	assert_int_equal(c, '0');
	assert_int_equal(ids_uscc_validate("000000000000000000", 18), LIEN_OK);
}

static void
test_ids_plate_type_parse_codes(void **state)
{
	enum ids_plate_type t;

	(void)state;
	assert_int_equal(ids_plate_type_parse("01", 2, &t), LIEN_OK);
	assert_int_equal(t, IDS_PLATE_LARGE);
	assert_int_equal(ids_plate_type_parse("02", 2, &t), LIEN_OK);
	assert_int_equal(t, IDS_PLATE_SMALL);
	assert_int_equal(ids_plate_type_parse("51", 2, &t), LIEN_OK);
	assert_int_equal(t, IDS_PLATE_LARGE_NEV);
	assert_int_equal(ids_plate_type_parse("52", 2, &t), LIEN_OK);
	assert_int_equal(t, IDS_PLATE_SMALL_NEV);
	assert_int_equal(ids_plate_type_parse("03", 2, &t), LIEN_EPARSE);
	assert_int_equal(ids_plate_type_parse("2", 1, &t), LIEN_EPARSE);
	assert_int_equal(ids_plate_type_parse("002", 3, &t), LIEN_EPARSE);
	assert_int_equal(ids_plate_type_parse("+2", 2, &t), LIEN_EPARSE);
	assert_int_equal(ids_plate_type_parse("", 0, &t), LIEN_EPARSE);
}

static enum lien_status LIEN_MUST_CHECK
plate(const char *s, enum ids_plate_type t)
{
	return ids_plate_validate(s, strlen(s), t);
}

static void
test_ids_plate_validate_valid(void **state)
{
	(void)state;
	assert_int_equal(plate("浙F12345", IDS_PLATE_SMALL), LIEN_OK);
	assert_int_equal(plate("京A8B2C3", IDS_PLATE_SMALL), LIEN_OK);
	assert_int_equal(plate("粤B12345", IDS_PLATE_LARGE), LIEN_OK);
	assert_int_equal(plate("琼Z0000Y", IDS_PLATE_SMALL), LIEN_OK);
	assert_int_equal(plate("沪AD12345", IDS_PLATE_SMALL_NEV), LIEN_OK);
	assert_int_equal(plate("沪AFK1234", IDS_PLATE_SMALL_NEV), LIEN_OK);
	assert_int_equal(plate("苏E12345D", IDS_PLATE_LARGE_NEV), LIEN_OK);
	assert_int_equal(plate("苏E12345F", IDS_PLATE_LARGE_NEV), LIEN_OK);
}

static void
test_ids_plate_validate_invalid(void **state)
{
	static const uint8_t bad_utf8[][10] = {
		/* lone continuation bytes, overlong, truncated sequence */
		{ 0x80, 0x80, 0x80, 'F', '1', '2', '3', '4', '5', 0 },
		{ 0xe6, 0xb5, 'F', '1', '2', '3', '4', '5', '6', 0 },
		{ 0xc0, 0xaf, 0x80, 'F', '1', '2', '3', '4', '5', 0 },
		{ 0xff, 0xfe, 0xfd, 'F', '1', '2', '3', '4', '5', 0 },
	};

	(void)state;
	/* plate type and length must agree */
	assert_int_equal(plate("浙F12345", IDS_PLATE_SMALL_NEV), LIEN_EPARSE);
	assert_int_equal(plate("沪AD12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	/* I and O, lower case */
	assert_int_equal(plate("浙F1234O", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙I12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙f12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙F1234a", IDS_PLATE_SMALL), LIEN_EPARSE);
	/* not a province, or not a plate at all */
	assert_int_equal(plate("中F12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("ZJF12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙12345", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙F1234", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("浙F123456", IDS_PLATE_SMALL), LIEN_EPARSE);
	assert_int_equal(plate("", IDS_PLATE_SMALL), LIEN_EPARSE);
	/* new-energy shapes */
	assert_int_equal(plate("沪AA12345", IDS_PLATE_SMALL_NEV), LIEN_EPARSE);
	assert_int_equal(plate("沪ADK123A", IDS_PLATE_SMALL_NEV), LIEN_EPARSE);
	assert_int_equal(plate("苏E1234AD", IDS_PLATE_LARGE_NEV), LIEN_EPARSE);
	assert_int_equal(plate("苏E123456", IDS_PLATE_LARGE_NEV), LIEN_EPARSE);
	assert_int_equal(plate("苏ED12345", IDS_PLATE_LARGE_NEV), LIEN_EPARSE);
	/* embedded NUL: length says 9, the NUL is a bad character */
	assert_int_equal(ids_plate_validate("浙F12\0""45", 9, IDS_PLATE_SMALL),
	    LIEN_EPARSE);
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof *bad_utf8; i++)
		assert_int_equal(ids_plate_validate((const char *)bad_utf8[i],
		    9, IDS_PLATE_SMALL), LIEN_EPARSE);
	/* unknown type is a caller error */
	assert_int_equal(ids_plate_validate("浙F12345", 9,
	    (enum ids_plate_type)3), LIEN_EINVAL);
}

static void
test_ids_cert_number_validate_rules(void **state)
{
	(void)state;
	assert_int_equal(ids_cert_number_validate("A", 1), LIEN_OK);
	assert_int_equal(ids_cert_number_validate("330001234567", 12), LIEN_OK);
	assert_int_equal(ids_cert_number_validate("ABCDEFGHIJ0123456789",
	    20), LIEN_OK);
	assert_int_equal(ids_cert_number_validate("ABCDEFGHIJ01234567890",
	    21), LIEN_EPARSE);
	assert_int_equal(ids_cert_number_validate("", 0), LIEN_EPARSE);
	assert_int_equal(ids_cert_number_validate("abc", 3), LIEN_EPARSE);
	assert_int_equal(ids_cert_number_validate("AB-1", 4), LIEN_EPARSE);
	assert_int_equal(ids_cert_number_validate("AB\0" "1", 4), LIEN_EPARSE);
}

static void
test_ids_contract_number_validate_rules(void **state)
{
	char big[66];

	(void)state;
	assert_int_equal(ids_contract_number_validate("DY-2024/001 A", 13),
	    LIEN_OK);
	assert_int_equal(ids_contract_number_validate("x", 1), LIEN_OK);
	assert_int_equal(ids_contract_number_validate(" x", 2), LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("x ", 2), LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("a\tb", 3), LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("a\0b", 3), LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("a\x7f" "b", 3),
	    LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("合同", 6), LIEN_EPARSE);
	assert_int_equal(ids_contract_number_validate("", 0), LIEN_EPARSE);
	memset(big, 'A', sizeof big);
	assert_int_equal(ids_contract_number_validate(big, 64), LIEN_OK);
	assert_int_equal(ids_contract_number_validate(big, 65), LIEN_EPARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_vin_validate_examples),
		cmocka_unit_test(test_ids_vin_validate_substitution),
		cmocka_unit_test(test_ids_vin_validate_equal_value_swap),
		cmocka_unit_test(test_ids_vin_validate_forbidden),
		cmocka_unit_test(test_ids_vin_check_char_x),
		cmocka_unit_test(test_ids_citizen_id_validate_examples),
		cmocka_unit_test(test_ids_citizen_id_validate_substitution),
		cmocka_unit_test(test_ids_citizen_id_validate_dates),
		cmocka_unit_test(test_ids_citizen_id_validate_malformed),
		cmocka_unit_test(test_ids_uscc_validate_examples),
		cmocka_unit_test(test_ids_uscc_validate_substitution),
		cmocka_unit_test(test_ids_uscc_validate_malformed),
		cmocka_unit_test(test_ids_uscc_check_char_zero),
		cmocka_unit_test(test_ids_plate_type_parse_codes),
		cmocka_unit_test(test_ids_plate_validate_valid),
		cmocka_unit_test(test_ids_plate_validate_invalid),
		cmocka_unit_test(test_ids_cert_number_validate_rules),
		cmocka_unit_test(test_ids_contract_number_validate_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
