/*
 * Identifier validators (registry/ids.h, docs/identifiers.md).
 *
 * Design: each identifier is a fixed alphabet plus, where the standard has
 * one, a weighted check character. Character classes are decided with
 * explicit ranges, never <ctype.h> (locale-dependent, and undefined for
 * bytes above 0x7F as plain char). Every loop is bounded by len; nothing
 * here allocates or touches global state, so the functions are safe from
 * any thread and are fuzzed directly (tests/fuzz/fuzz_ids.c).
 *
 * What the check characters catch, so callers know what they rely on:
 * MOD 11-2 (ID number) and MOD 31 (credit code) detect every single
 * substitution, because the moduli are prime and no weight is 0 mod the
 * modulus. The VIN check digit maps letters to 1..9 first ("A" = "J" =
 * "1"), so swapping two characters of equal value is NOT detected; the
 * alphabet rules still catch I, O, Q and lower case.
 */
#include "registry/ids.h"

#include <stdint.h>

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/* ---- VIN, GB 16735-2019 ------------------------------------------------ */

/* GB 16735-2019 appendix: transliteration of each VIN character to a
 * value; -1 for characters a VIN may not contain (I, O, Q, anything not
 * 0-9 A-Z). */
static int
vin_value(unsigned char c)
{
	/* A-H = 1-8, J-N = 1-5, P = 7, R = 9, S-Z = 2-9 */
	static const signed char letters[26] = {
		1, 2, 3, 4, 5, 6, 7, 8,	/* A-H */
		-1,			/* I */
		1, 2, 3, 4, 5,		/* J-N */
		-1,			/* O */
		7,			/* P */
		-1,			/* Q */
		9,			/* R */
		2, 3, 4, 5, 6, 7, 8, 9,	/* S-Z */
	};

	if (is_digit(c))
		return c - '0';
	if (is_upper(c))
		return letters[c - 'A'];
	return -1;
}

static const unsigned vin_weights[IDS_VIN_LEN] = {
	8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2
};

enum lien_status
ids_vin_check_char(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned sum = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = 0;
	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	if (len != IDS_VIN_LEN)
		return LIEN_EPARSE;
	for (size_t i = 0; i < IDS_VIN_LEN; i++) {
		int v;

		if (i == 8)	/* the check position itself (weight 0) */
			continue;
		v = vin_value(u[i]);
		if (v < 0)
			return LIEN_EPARSE;
		sum += (unsigned)v * vin_weights[i];
	}
	sum %= 11;
	*out = sum == 10 ? 'X' : (char)('0' + sum);
	return LIEN_OK;
}

enum lien_status
ids_vin_validate(const char *s, size_t len)
{
	enum lien_status st;
	char c;

	if ((st = ids_vin_check_char(s, len, &c)) != LIEN_OK)
		return st;
	return (unsigned char)s[8] == (unsigned char)c ? LIEN_OK : LIEN_EPARSE;
}

/* ---- citizen ID number, GB 11643-1999 ---------------------------------- */

/* ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for positions 1..17. */
static const unsigned cid_weights[17] = {
	7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
};

enum lien_status
ids_citizen_id_check_char(const char *s, size_t len, char *out)
{
	/* S mod 11 -> check character (GB 11643-1999 table 2) */
	static const char map[11] = {
		'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'
	};
	const unsigned char *u = (const unsigned char *)s;
	unsigned sum = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = 0;
	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	if (len != 17 && len != IDS_CITIZEN_ID_LEN)
		return LIEN_EPARSE;
	for (size_t i = 0; i < 17; i++) {
		if (!is_digit(u[i]))
			return LIEN_EPARSE;
		sum += (unsigned)(u[i] - '0') * cid_weights[i];
	}
	*out = map[sum % 11];
	return LIEN_OK;
}

static unsigned
digits_value(const unsigned char *u, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(u[i] - '0');
	return v;
}

/* Proleptic Gregorian calendar: 1..31 depending on month and leap year. */
static int
date_is_real(unsigned y, unsigned m, unsigned d)
{
	static const unsigned mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	unsigned max;

	if (m < 1 || m > 12 || d < 1)
		return 0;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

enum lien_status
ids_citizen_id_validate(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	enum lien_status st;
	unsigned y, m, d;
	char c;

	if (len != IDS_CITIZEN_ID_LEN)
		return s == NULL && len != 0 ? LIEN_EINVAL : LIEN_EPARSE;
	if ((st = ids_citizen_id_check_char(s, len, &c)) != LIEN_OK)
		return st;
	/* address code: GB/T 2260 codes start with 1-8 (8x for residence
	 * permits); 0 and leading 9 are never issued */
	if (u[0] == '0' || u[0] == '9')
		return LIEN_EPARSE;
	y = digits_value(u + 6, 4);
	m = digits_value(u + 10, 2);
	d = digits_value(u + 12, 2);
	if (y < 1800 || y > 2099 || !date_is_real(y, m, d))
		return LIEN_EPARSE;
	return u[17] == (unsigned char)c ? LIEN_OK : LIEN_EPARSE;
}

/* ---- unified social credit code, GB 32100-2015 ------------------------- */

static const char uscc_alphabet[31] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Index of c in the GB 32100 alphabet, -1 if absent (I O S V Z and
 * everything non-alphanumeric). */
static int
uscc_value(unsigned char c)
{
	for (int i = 0; i < 31; i++)
		if ((unsigned char)uscc_alphabet[i] == c)
			return i;
	return -1;
}

/* GB 32100-2015 table: W_i = 3^(i-1) mod 31, i = 1..17. */
static const unsigned uscc_weights[17] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

enum lien_status
ids_uscc_check_char(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned sum = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = 0;
	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	if (len != 17 && len != IDS_USCC_LEN)
		return LIEN_EPARSE;
	for (size_t i = 0; i < 17; i++) {
		int v = uscc_value(u[i]);

		if (v < 0)
			return LIEN_EPARSE;
		sum += (unsigned)v * uscc_weights[i];
	}
	/* C18 = 31 - (S mod 31); the value 31 is written as 0 */
	*out = uscc_alphabet[(31 - sum % 31) % 31];
	return LIEN_OK;
}

enum lien_status
ids_uscc_validate(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	enum lien_status st;
	char c;

	if (len != IDS_USCC_LEN)
		return s == NULL && len != 0 ? LIEN_EINVAL : LIEN_EPARSE;
	if ((st = ids_uscc_check_char(s, len, &c)) != LIEN_OK)
		return st;
	/* positions 3-8: GB/T 2260 administrative division code */
	for (size_t i = 2; i < 8; i++)
		if (!is_digit(u[i]))
			return LIEN_EPARSE;
	return u[17] == (unsigned char)c ? LIEN_OK : LIEN_EPARSE;
}

/* ---- plates, GA 36-2018 ------------------------------------------------ */

/* The 31 province-level abbreviations used on plates, UTF-8 (all are
 * 3-byte BMP characters). */
static const char *const plate_provinces[31] = {
	"京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖",
	"鲁", "新", "苏", "浙", "赣", "鄂", "桂", "甘", "晋", "蒙", "陕",
	"吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼",
};

/* Letters allowed in plates: A-Z without I and O (GA 36-2018 5.x: they
 * are confused with 1 and 0). */
static int
plate_letter(unsigned char c)
{
	return is_upper(c) && c != 'I' && c != 'O';
}

static int
plate_alnum(unsigned char c)
{
	return is_digit(c) || plate_letter(c);
}

enum lien_status
ids_plate_type_parse(const char *s, size_t len, enum ids_plate_type *out)
{
	unsigned code;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = 0;
	if (s == NULL || len != 2 || !is_digit((unsigned char)s[0]) ||
	    !is_digit((unsigned char)s[1]))
		return s == NULL && len != 0 ? LIEN_EINVAL : LIEN_EPARSE;
	code = digits_value((const unsigned char *)s, 2);
	switch (code) {
	case IDS_PLATE_LARGE:
	case IDS_PLATE_SMALL:
	case IDS_PLATE_LARGE_NEV:
	case IDS_PLATE_SMALL_NEV:
		*out = (enum ids_plate_type)code;
		return LIEN_OK;
	default:
		return LIEN_EPARSE;
	}
}

enum lien_status
ids_plate_validate(const char *s, size_t len, enum ids_plate_type type)
{
	const unsigned char *u = (const unsigned char *)s;
	const unsigned char *serial;
	size_t nserial;
	int found = 0;

	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	switch (type) {
	case IDS_PLATE_LARGE:
	case IDS_PLATE_SMALL:
		nserial = 5;
		break;
	case IDS_PLATE_LARGE_NEV:
	case IDS_PLATE_SMALL_NEV:
		nserial = 6;
		break;
	default:
		return LIEN_EINVAL;
	}
	/* 3 bytes of province + 1 authority letter + serial, exactly */
	if (len != 3 + 1 + nserial)
		return LIEN_EPARSE;
	for (size_t i = 0; i < 31 && !found; i++) {
		const unsigned char *p = (const unsigned char *)plate_provinces[i];

		found = u[0] == p[0] && u[1] == p[1] && u[2] == p[2];
	}
	if (!found || !plate_letter(u[3]))
		return LIEN_EPARSE;
	serial = u + 4;
	for (size_t i = 0; i < nserial; i++)
		if (!plate_alnum(serial[i]))
			return LIEN_EPARSE;
	if (type == IDS_PLATE_SMALL_NEV) {
		/* D (battery electric) or F (other), any, then 4 digits */
		if (serial[0] != 'D' && serial[0] != 'F')
			return LIEN_EPARSE;
		for (size_t i = 2; i < 6; i++)
			if (!is_digit(serial[i]))
				return LIEN_EPARSE;
	} else if (type == IDS_PLATE_LARGE_NEV) {
		/* 5 digits, then D or F */
		for (size_t i = 0; i < 5; i++)
			if (!is_digit(serial[i]))
				return LIEN_EPARSE;
		if (serial[5] != 'D' && serial[5] != 'F')
			return LIEN_EPARSE;
	}
	return LIEN_OK;
}

/* ---- opaque numbers ---------------------------------------------------- */

enum lien_status
ids_cert_number_validate(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	if (len == 0 || len > IDS_CERT_NUMBER_MAX)
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(u[i]) && !is_upper(u[i]))
			return LIEN_EPARSE;
	return LIEN_OK;
}

enum lien_status
ids_contract_number_validate(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (s == NULL)
		return len == 0 ? LIEN_EPARSE : LIEN_EINVAL;
	if (len == 0 || len > IDS_CONTRACT_NUMBER_MAX)
		return LIEN_EPARSE;
	for (size_t i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] > 0x7e)
			return LIEN_EPARSE;
	if (u[0] == ' ' || u[len - 1] == ' ')
		return LIEN_EPARSE;
	return LIEN_OK;
}
