/*
 * rfc3339_ms (common/rfc3339.h): civil date from days since 1970-01-01 in
 * the proleptic Gregorian calendar (H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms", civil_from_days), for non-negative times.
 */
#include "common/rfc3339.h"


/* 9999-12-31T23:59:59.999Z */
#define RFC3339_MS_LAST 253402300799999ull

/* v as exactly n decimal digits (v < 10^n). */
static void
digits(char *p, uint64_t v, unsigned n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10u);
		v /= 10u;
	}
}

enum lien_status
rfc3339_ms(uint64_t ms, char out[RFC3339_MS_LEN + 1])
{
	uint64_t days = ms / 86400000u, rem = ms % 86400000u;
	uint64_t z = days + 719468u;		/* days since 0000-03-01 */
	uint64_t era = z / 146097u, doe = z - era * 146097u;
	uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) /
	    365u;
	uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	uint64_t mp = (5u * doy + 2u) / 153u;
	uint64_t d = doy - (153u * mp + 2u) / 5u + 1u;
	uint64_t m = mp < 10u ? mp + 3u : mp - 9u;
	uint64_t y = yoe + era * 400u + (m <= 2u ? 1u : 0u);

	out[0] = '\0';
	if (ms > RFC3339_MS_LAST)
		return LIEN_ERANGE;
	digits(out, y, 4);
	out[4] = '-';
	digits(out + 5, m, 2);
	out[7] = '-';
	digits(out + 8, d, 2);
	out[10] = 'T';
	digits(out + 11, rem / 3600000u, 2);
	out[13] = ':';
	digits(out + 14, rem / 60000u % 60u, 2);
	out[16] = ':';
	digits(out + 17, rem / 1000u % 60u, 2);
	out[19] = '.';
	digits(out + 20, rem % 1000u, 3);
	out[23] = 'Z';
	out[24] = '\0';
	return LIEN_OK;
}
