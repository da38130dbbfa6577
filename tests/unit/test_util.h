/*
 * Helpers shared by the unit tests (header-only: every test is its own
 * executable; include after <cmocka.h>). Paths and commands are sized from
 * their parts, never cut to a fixed buffer, so the suite runs wherever the
 * checkout, the build tree or TMPDIR live.
 */
#ifndef LIEN_TESTS_UNIT_TEST_UTIL_H
#define LIEN_TESTS_UNIT_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/file.h"

#define TU_FILE_MAX (1u << 22)	/* any vector or fixture file */

/* printf into a fresh string sized from its arguments (caller frees).
 * NULL only on allocation failure. */
static inline char *
tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline char *
tu_fmt(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* dir/name, whole, NUL-terminated (caller frees); the test fails if it
 * cannot be read. len may be NULL. */
static inline char *
tu_read(const char *dir, const char *name, size_t *len)
{
	char *path = tu_fmt("%s/%s", dir, name), *buf = NULL;
	size_t n = 0;

	assert_non_null(path);
	if (file_read(path, TU_FILE_MAX, &buf, &n) != LIEN_OK)
		fail_msg("cannot read %s", path);
	free(path);
	if (len != NULL)
		*len = n;
	return buf;
}

/* A file of tests/vectors. */
static inline char *
tu_vector(const char *name, size_t *len)
{
	return tu_read(LIEN_VECTORS, name, len);
}

#endif
