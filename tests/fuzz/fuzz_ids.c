/*
 * Fuzz target for registry/ids: every validator over the same bytes. The
 * first byte picks nothing; all validators run on every input so one
 * corpus exercises them all. Invariants checked: a validator never reads
 * past len (ASan), and a value that validates has the check character its
 * own check_char function computes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	enum ids_plate_type t;
	unsigned sink = 0;
	char c;

	if (ids_vin_validate(s, size) == LIEN_OK &&
	    (ids_vin_check_char(s, size, &c) != LIEN_OK || c != s[8]))
		abort();
	if (ids_citizen_id_validate(s, size) == LIEN_OK &&
	    (ids_citizen_id_check_char(s, size, &c) != LIEN_OK ||
	    c != s[17]))
		abort();
	if (ids_uscc_validate(s, size) == LIEN_OK &&
	    (ids_uscc_check_char(s, size, &c) != LIEN_OK || c != s[17]))
		abort();
	sink += (unsigned)ids_vin_check_char(s, size, &c);
	sink += (unsigned)ids_citizen_id_check_char(s, size, &c);
	sink += (unsigned)ids_uscc_check_char(s, size, &c);
	sink += (unsigned)ids_cert_number_validate(s, size);
	sink += (unsigned)ids_contract_number_validate(s, size);
	if (size >= 2 && ids_plate_type_parse(s, 2, &t) == LIEN_OK)
		sink += (unsigned)ids_plate_validate(s + 2, size - 2, t);
	sink += (unsigned)ids_plate_validate(s, size, IDS_PLATE_SMALL);
	sink += (unsigned)ids_plate_validate(s, size, IDS_PLATE_SMALL_NEV);
	sink += (unsigned)ids_plate_validate(s, size, IDS_PLATE_LARGE);
	sink += (unsigned)ids_plate_validate(s, size, IDS_PLATE_LARGE_NEV);
	/* any status is fine; gcc will not let (void) drop a must-check */
	return sink > 1000u ? -1 : 0;
}
