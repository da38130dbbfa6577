/* common/file: capped whole-file reads and path joins, with every edge:
 * empty, exactly the cap, one byte over, missing, a directory, a /proc
 * file whose st_size is 0 and that outgrows the first buffer; the one
 * write loop, on a file and on a full device. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"

static char g_dir[] = "/tmp/test_file.XXXXXX";

/* g_dir/name, written with len bytes of 'x' (or removed when len is
 * (size_t)-1). Caller frees the path. */
static char *
put(const char *name, size_t len)
{
	char *path;
	FILE *f;

	assert_int_equal(file_path_join(g_dir, name, &path), LIEN_OK);
	if (len == (size_t)-1)
		return path;
	assert_non_null(f = fopen(path, "wb"));
	for (size_t i = 0; i < len; i++)
		assert_int_not_equal(fputc('x', f), EOF);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[64];

	(void)state;
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_file_read_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 10000 };
	char *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *p = put("f", sizes[i]);

		/* Exactly at the cap, and with room to spare. */
		assert_int_equal(file_read(p, sizes[i], &buf, &len), LIEN_OK);
		assert_int_equal(len, sizes[i]);
		assert_int_equal(buf[len], '\0');
		assert_true(len == 0 || (buf[0] == 'x' && buf[len - 1] == 'x'));
		free(buf);
		assert_int_equal(file_read(p, sizes[i] + 100, &buf, &len),
		    LIEN_OK);
		assert_int_equal(len, sizes[i]);
		free(buf);
		/* One byte over the cap. */
		if (sizes[i] > 0) {
			buf = (char *)1;
			assert_int_equal(file_read(p, sizes[i] - 1, &buf, &len),
			    LIEN_ETOOBIG);
			assert_null(buf);
			assert_int_equal(len, 0);
		}
		assert_int_equal(unlink(p), 0);
		free(p);
	}
}

static void
test_file_read_into_sizes_and_wipe(void **state)
{
	char buf[65];
	char *p = put("g", 64);
	size_t len;

	(void)state;
	assert_int_equal(file_read_into(p, buf, 64, &len), LIEN_OK);
	assert_int_equal(len, 64);
	assert_int_equal(buf[64], '\0');
	/* Over the cap: refused, and the bytes read so far are wiped. */
	memset(buf, 0x55, sizeof buf);
	assert_int_equal(file_read_into(p, buf, 63, &len), LIEN_ETOOBIG);
	assert_int_equal(len, 0);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(buf[i], 0);
	free(p);
}

static void
test_file_read_missing_and_directory(void **state)
{
	char *p = put("absent", (size_t)-1), *buf, small[8];
	size_t len;

	(void)state;
	assert_int_equal(file_read(p, 100, &buf, &len), LIEN_ENOTFOUND);
	assert_int_equal(file_read_into(p, small, 7, &len), LIEN_ENOTFOUND);
	free(p);
	errno = 0;
	assert_int_equal(file_read(g_dir, 100, &buf, &len), LIEN_EIO);
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_int_equal(file_read_into(g_dir, small, 7, &len), LIEN_EIO);
	assert_int_equal(errno, EISDIR);
}

/* /proc files report st_size 0: the reader must not trust it, and must
 * grow past its first buffer. /proc/self/smaps has a dozen lines per
 * mapping: well over 4 KiB for any process with shared libraries. */
static void
test_file_read_proc(void **state)
{
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(file_read("/proc/self/smaps", 1u << 22, &buf, &len),
	    LIEN_OK);
	assert_true(len > 4096);
	assert_int_equal(strlen(buf), len);
	free(buf);
	assert_int_equal(file_read("/proc/self/smaps", 100, &buf, &len),
	    LIEN_ETOOBIG);
}

static void
test_file_path_join(void **state)
{
	char *p, *longdir;
	size_t n = 10000;

	(void)state;
	assert_int_equal(file_path_join("a", "b/c", &p), LIEN_OK);
	assert_string_equal(p, "a/b/c");
	free(p);
	/* Sized from the input: no length is cut. */
	assert_non_null(longdir = malloc(n + 1));
	memset(longdir, 'd', n);
	longdir[n] = '\0';
	assert_int_equal(file_path_join(longdir, "x", &p), LIEN_OK);
	assert_int_equal(strlen(p), n + 2);
	assert_string_equal(p + n, "/x");
	free(p);
	free(longdir);
}

static void
test_file_write_all(void **state)
{
	static const size_t sizes[] = { 0, 1, 65536, 300000 };
	char *path, *back;
	uint8_t *data;
	size_t len;
	int fd;

	(void)state;
	assert_non_null(data = malloc(300000));
	for (size_t i = 0; i < 300000; i++)
		data[i] = (uint8_t)(i * 7u);
	path = put("w", (size_t)-1);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600);
		assert_true(fd >= 0);
		assert_int_equal(file_write_all(fd, data, sizes[k]), LIEN_OK);
		assert_int_equal(close(fd), 0);
		assert_int_equal(file_read(path, 300000, &back, &len),
		    LIEN_OK);
		assert_int_equal(len, sizes[k]);
		if (sizes[k] > 0)
			assert_memory_equal(back, data, sizes[k]);
		free(back);
	}
	/* A device that takes nothing: LIEN_EIO, errno says why. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		errno = 0;
		assert_int_equal(file_write_all(fd, data, 10), LIEN_EIO);
		assert_int_equal(errno, ENOSPC);
		assert_int_equal(close(fd), 0);
	}
	/* A read-only descriptor. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(file_write_all(fd, data, 10), LIEN_EIO);
	assert_int_equal(errno, EBADF);
	assert_int_equal(close(fd), 0);
	free(path);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_read_sizes),
		cmocka_unit_test(test_file_read_into_sizes_and_wipe),
		cmocka_unit_test(test_file_read_missing_and_directory),
		cmocka_unit_test(test_file_read_proc),
		cmocka_unit_test(test_file_path_join),
		cmocka_unit_test(test_file_write_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
