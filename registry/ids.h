/*
 * Validators for the identifiers a vehicle mortgage registration carries,
 * with their exact check characters (docs/identifiers.md has the rules,
 * the tables and worked examples):
 *
 *   VIN                        GB 16735-2019 (check digit in position 9)
 *   citizen ID number          GB 11643-1999 (ISO 7064 MOD 11-2)
 *   unified social credit code GB 32100-2015 (MOD 31 check character)
 *   plate number + type code   GA 36-2018
 *   registration certificate number, mortgage contract number (opaque)
 *
 * All functions are pure: bytes in, verdict out, no allocation, no locale.
 * Inputs are (ptr, len) and are never read past len; an embedded NUL is
 * just another invalid character. Upper case only: the standards print
 * upper case, and accepting "x" for "X" would give one identifier two
 * spellings (and two commitments). Every validator returns LIEN_OK or
 * LIEN_EPARSE (LIEN_EINVAL only for a NULL pointer with non-zero length).
 */
#ifndef LIEN_REGISTRY_IDS_H
#define LIEN_REGISTRY_IDS_H

#include <stddef.h>
#include "common/status.h"

#define IDS_VIN_LEN 17u
#define IDS_CITIZEN_ID_LEN 18u
#define IDS_USCC_LEN 18u
#define IDS_CERT_NUMBER_MAX 20u
#define IDS_CONTRACT_NUMBER_MAX 64u
/* Longest plate in bytes: a 3-byte UTF-8 province character + 1 letter +
 * 6 serial characters (new-energy). */
#define IDS_PLATE_MAX 10u

/* GB 16735-2019: 17 characters of 0-9 A-Z without I, O, Q; position 9
 * (index 8) is the check digit 0-9 or X. */
enum lien_status ids_vin_validate(const char *s, size_t len) LIEN_MUST_CHECK;

/* The check character for a VIN: s is 17 characters, the one at position
 * 9 is ignored (any byte). *out = '0'..'9' or 'X'. LIEN_EPARSE if any
 * other position is outside the VIN alphabet or len != 17; *out is 0
 * then. */
enum lien_status ids_vin_check_char(const char *s, size_t len, char *out)
    LIEN_MUST_CHECK;

/* GB 11643-1999: 6-digit address code (first digit 1-9), birth date
 * YYYYMMDD that is a real Gregorian date with 1800 <= YYYY <= 2099, 3-digit
 * sequence, check character 0-9 or X (ISO 7064 MOD 11-2). */
enum lien_status ids_citizen_id_validate(const char *s, size_t len)
    LIEN_MUST_CHECK;

/* MOD 11-2 check character over the first 17 digits. len is 17 or 18
 * (a trailing 18th byte is ignored). Checks the digits only, not the
 * date. *out = '0'..'9' or 'X'; 0 on failure. */
enum lien_status ids_citizen_id_check_char(const char *s, size_t len,
    char *out) LIEN_MUST_CHECK;

/* GB 32100-2015: 18 characters of 0-9 A-H J-N P-R T U W X Y; positions
 * 3-8 (the administrative division code) are digits; position 18 is the
 * MOD 31 check character. */
enum lien_status ids_uscc_validate(const char *s, size_t len) LIEN_MUST_CHECK;

/* Check character over the first 17 characters; len is 17 or 18. *out is
 * a character of the USCC alphabet; 0 on failure. */
enum lien_status ids_uscc_check_char(const char *s, size_t len, char *out)
    LIEN_MUST_CHECK;

/* GA 36-2018 plate type codes we register (the "hpzl" field). Values are
 * the codes themselves. */
enum ids_plate_type {
	IDS_PLATE_LARGE = 1,		/* "01" large vehicle (yellow) */
	IDS_PLATE_SMALL = 2,		/* "02" small vehicle (blue) */
	IDS_PLATE_LARGE_NEV = 51,	/* "51" large new-energy */
	IDS_PLATE_SMALL_NEV = 52,	/* "52" small new-energy */
};

/* Exactly two ASCII digits naming one of the codes above. */
enum lien_status ids_plate_type_parse(const char *s, size_t len,
    enum ids_plate_type *out) LIEN_MUST_CHECK;

/* Plate number (UTF-8) for the given type: a province abbreviation (one
 * of the 31 listed in docs/identifiers.md), an issuing-authority letter
 * A-Z without I and O, then the serial: 5 characters of 0-9 A-Z without
 * I and O for types 01/02; 6 for new-energy types: small (52) "D" or "F"
 * + one letter-or-digit + 4 digits, large (51) 5 digits + "D" or "F". */
enum lien_status ids_plate_validate(const char *s, size_t len,
    enum ids_plate_type type) LIEN_MUST_CHECK;

/* Registration certificate number: 1..IDS_CERT_NUMBER_MAX of [0-9A-Z]. */
enum lien_status ids_cert_number_validate(const char *s, size_t len)
    LIEN_MUST_CHECK;

/* Mortgage contract number: 1..IDS_CONTRACT_NUMBER_MAX printable ASCII
 * (0x20-0x7E), no space at either end. */
enum lien_status ids_contract_number_validate(const char *s, size_t len)
    LIEN_MUST_CHECK;

#endif
