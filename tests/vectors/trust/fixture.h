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

/* 2030-01-01T00:00:00Z: inside every validity window of mktrust.sh. */
#define FX_NOW 1893456000

struct fx {
	char dir[64];		/* the data directory */
};

static inline int
fx_sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* Make DIR with mktrust.sh's output. 0 on success. */
static inline int
fx_make(struct fx *f)
{
	char cmd[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/lienlog-trust-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh '%s/trust/mktrust.sh' '%s' >/dev/null",
	    LIEN_VECTORS, f->dir);
	return fx_sh(cmd);
}

static inline void
fx_remove(struct fx *f)
{
	char cmd[128];

	if (f->dir[0] == '\0' || strncmp(f->dir, "/tmp/lienlog-trust-", 19))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	(void)fx_sh(cmd);
	f->dir[0] = '\0';
}

static inline void
fx_path(const struct fx *f, const char *rel, char *out, size_t cap)
{
	if (snprintf(out, cap, "%s/%s", f->dir, rel) >= (int)cap)
		out[0] = '\0';	/* an empty path fails loudly */
}

/* Write len bytes (len (size_t)-1: strlen) to DIR/rel. 0 on success. */
static inline int
fx_write(const struct fx *f, const char *rel, const void *p, size_t len)
{
	char path[256];
	FILE *fp;
	size_t n;

	fx_path(f, rel, path, sizeof(path));
	if (len == (size_t)-1)
		len = strlen(p);
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	n = fwrite(p, 1, len, fp);
	return fclose(fp) == 0 && n == len ? 0 : -1;
}

/* Read DIR/rel into a fresh NUL-terminated buffer (caller frees). */
static inline char *
fx_read(const struct fx *f, const char *rel, size_t *len)
{
	char path[256];
	FILE *fp;
	char *buf;
	long n;

	fx_path(f, rel, path, sizeof(path));
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static inline int
fx_unlink(const struct fx *f, const char *rel)
{
	char path[256];

	fx_path(f, rel, path, sizeof(path));
	return unlink(path);
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
