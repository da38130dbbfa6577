/*
 * Test helper shared by tests/unit/test_trust.c, test_auth.c and
 * test_evidence.c: a temporary data directory whose trust/ holds the PKI
 * that mktrust.sh (next to this file) generates with the openssl CLI, and
 * small file helpers. Header-only (static functions) because every unit
 * test is its own executable.
 */
#ifndef LIEN_TESTS_VECTORS_TRUST_FIXTURE_H
#define LIEN_TESTS_VECTORS_TRUST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "tests/unit/test_util.h"

/* 2030-01-01T00:00:00Z: inside every validity window of mktrust.sh. */
#define FX_NOW 1893456000

/* Generated files (keys, certificates, CRLs, JWKS) are far below this. */
#define FX_FILE_MAX (1u << 20)

struct fx {
	char *dir;		/* the data directory (owned), or NULL */
};

static inline int
fx_sh(const char *cmd)
{
	int rc = cmd != NULL ? system(cmd) : -1;

	return rc == 0 ? 0 : -1;
}

/* Use dir (copied) as the data directory, e.g. one another tool made. */
static inline int
fx_set_dir(struct fx *f, const char *dir)
{
	free(f->dir);
	f->dir = tu_fmt("%s", dir);
	return f->dir != NULL ? 0 : -1;
}

/* Make DIR with mktrust.sh's output. 0 on success. */
static inline int
fx_make(struct fx *f)
{
	char *cmd;
	int rc;

	if (fx_set_dir(f, "/tmp/lienlog-trust-XXXXXX") != 0 ||
	    mkdtemp(f->dir) == NULL)
		return -1;
	cmd = tu_fmt("sh '%s/trust/mktrust.sh' '%s' >/dev/null", LIEN_VECTORS,
	    f->dir);
	rc = fx_sh(cmd);
	free(cmd);
	return rc;
}

static inline void
fx_remove(struct fx *f)
{
	char *cmd;

	if (f->dir == NULL)
		return;
	if (strncmp(f->dir, "/tmp/lienlog-trust-", 19) == 0) {
		cmd = tu_fmt("rm -rf '%s'", f->dir);
		(void)fx_sh(cmd);
		free(cmd);
	}
	free(f->dir);
	f->dir = NULL;
}

/* DIR/rel, caller frees. */
static inline char *
fx_path(const struct fx *f, const char *rel)
{
	return tu_fmt("%s/%s", f->dir, rel);
}

/* Write len bytes (len (size_t)-1: strlen) to DIR/rel. 0 on success. */
static inline int
fx_write(const struct fx *f, const char *rel, const void *p, size_t len)
{
	char *path = fx_path(f, rel);
	FILE *fp;
	size_t n;

	if (len == (size_t)-1)
		len = strlen(p);
	fp = path != NULL ? fopen(path, "wb") : NULL;
	free(path);
	if (fp == NULL)
		return -1;
	n = fwrite(p, 1, len, fp);
	return fclose(fp) == 0 && n == len ? 0 : -1;
}

/* Read DIR/rel into a fresh NUL-terminated buffer (caller frees). */
static inline char *
fx_read(const struct fx *f, const char *rel, size_t *len)
{
	char *path = fx_path(f, rel), *buf = NULL;
	size_t n = 0;

	if (path == NULL || file_read(path, FX_FILE_MAX, &buf, &n) != LIEN_OK)
		buf = NULL;
	free(path);
	if (buf != NULL && len != NULL)
		*len = n;
	return buf;
}

static inline int
fx_unlink(const struct fx *f, const char *rel)
{
	char *path = fx_path(f, rel);
	int rc = path != NULL ? unlink(path) : -1;

	free(path);
	return rc;
}

/* Copy DIR/from over DIR/to. */
static inline int
fx_copy(const struct fx *f, const char *from, const char *to)
{
	size_t len;
	char *b = fx_read(f, from, &len);
	int rc;

	if (b == NULL)
		return -1;
	rc = fx_write(f, to, b, len);
	free(b);
	return rc;
}

#endif
