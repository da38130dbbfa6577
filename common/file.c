/*
 * Capped whole-file reads, the one write loop and path joining
 * (common/file.h).
 *
 * Both readers open with O_CLOEXEC (lienlogd runs helper processes in
 * tests and must not leak descriptors), refuse directories before reading,
 * and read through one loop, read_upto, that stops at EOF or at the number
 * of bytes asked for. The caller's cap + 1 is what is asked for at most:
 * the extra byte is the probe that tells "exactly cap" from "more".
 */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_READ_FIRST 4096u	/* first buffer when st_size says nothing */

/* Read until n bytes or EOF into buf; *got = bytes read. */
static enum lien_status LIEN_MUST_CHECK
read_upto(int fd, char *buf, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, buf + *got, n - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return LIEN_EIO;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return LIEN_OK;
}

/* Open path for reading; *out_size = st_size for a regular file, else 0.
 * Directories are refused with errno EISDIR. */
static enum lien_status LIEN_MUST_CHECK
open_file(const char *path, int *out_fd, size_t *out_size)
{
	struct stat sb;
	int fd, e;

	*out_fd = -1;
	*out_size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? LIEN_ENOTFOUND : LIEN_EIO;
	if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
		e = errno;
		if (e == 0 || S_ISDIR(sb.st_mode))
			e = EISDIR;
		close(fd);
		errno = e;
		return LIEN_EIO;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (uint64_t)sb.st_size < SIZE_MAX / 2)
		*out_size = (size_t)sb.st_size;
	*out_fd = fd;
	return LIEN_OK;
}

/* memset that the compiler may not drop as a dead store. */
static void *(*const volatile wipe_fn)(void *, int, size_t) = memset;

static void
wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		(void)wipe_fn(p, 0, n);
}

/* close() without losing the errno a failure set before it. */
static void
close_keep_errno(int fd)
{
	int e = errno;

	(void)close(fd);
	errno = e;
}

enum lien_status
file_read_into(const char *path, void *buf, size_t cap, size_t *out_len)
{
	char *b = buf;
	size_t got = 0, size;
	enum lien_status st;
	int fd;

	*out_len = 0;
	if (cap == SIZE_MAX) {
		errno = EINVAL;
		return LIEN_EINVAL;
	}
	if ((st = open_file(path, &fd, &size)) != LIEN_OK) {
		wipe(b, cap + 1);
		return st;
	}
	if (size > cap)
		st = LIEN_ETOOBIG;
	else if ((st = read_upto(fd, b, cap + 1, &got)) == LIEN_OK &&
	    got > cap)
		st = LIEN_ETOOBIG;
	close_keep_errno(fd);
	if (st != LIEN_OK) {
		wipe(b, cap + 1);
		return st;
	}
	b[got] = '\0';
	*out_len = got;
	return LIEN_OK;
}

enum lien_status
file_read(const char *path, size_t cap, char **out, size_t *out_len)
{
	char *buf = NULL, *nb;
	size_t have = 0, got, size, want, bufcap = 0;
	enum lien_status st;
	int fd;

	*out = NULL;
	*out_len = 0;
	if (cap >= SIZE_MAX - 1) {
		errno = EINVAL;
		return LIEN_EINVAL;
	}
	if ((st = open_file(path, &fd, &size)) != LIEN_OK)
		return st;
	if (size > cap) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	/* Ask for the size fstat reported plus the probe byte; grow (to at
	 * most cap + 1) only when the file turns out longer. */
	want = (size > 0 ? size : (FILE_READ_FIRST < cap ? FILE_READ_FIRST :
	    cap)) + 1;
	for (;;) {
		/* Grow by copy, wiping the old buffer: it may hold a key. */
		if ((nb = malloc(want + 1)) == NULL) {
			st = LIEN_ENOMEM;
			goto out;
		}
		if (have > 0)
			memcpy(nb, buf, have);
		wipe(buf, bufcap);
		free(buf);
		buf = nb;
		bufcap = want + 1;
		if ((st = read_upto(fd, buf + have, want - have, &got)) !=
		    LIEN_OK)
			goto out;
		have += got;
		if (have < want)
			break;			/* EOF */
		if (have > cap) {
			st = LIEN_ETOOBIG;
			goto out;
		}
		want = want > (cap + 1) / 2 ? cap + 1 : want * 2;
	}
	buf[have] = '\0';
	*out = buf;
	*out_len = have;
	buf = NULL;
out:
	wipe(buf, bufcap);
	free(buf);
	close_keep_errno(fd);
	return st;
}

enum lien_status
file_path_join(const char *dir, const char *name, char **out)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	*out = NULL;
	if (dl > SIZE_MAX - nl - 2 || (p = malloc(dl + nl + 2)) == NULL)
		return LIEN_ENOMEM;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	*out = p;
	return LIEN_OK;
}

enum lien_status
file_write_all(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return LIEN_EIO;
		}
		b += n;
		len -= (size_t)n;
	}
	return LIEN_OK;
}
