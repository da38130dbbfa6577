/*
 * ASCII case folding for protocol tokens (common/ascii.h). A byte loop
 * with no table and no locale: the inputs are short header names.
 */
#include "common/ascii.h"

#include <string.h>

static unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

int
ascii_name_eq(const void *p, size_t len, const char *want)
{
	const unsigned char *s = p;

	if (strlen(want) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (fold(s[i]) != fold((unsigned char)want[i]))
			return 0;
	return 1;
}

int
ascii_cstr_name_eq(const char *name, const char *want)
{
	return ascii_name_eq(name, strlen(name), want);
}
