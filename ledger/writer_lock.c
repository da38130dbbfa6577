/*
 * The store's writer lock (ledger/writer_lock.h): flock(2) LOCK_EX |
 * LOCK_NB on DIR/writer.lock. No LMDB here: the lock is taken before the
 * environment is opened and dropped after it is closed, so two writers
 * never have the environment open at the same time.
 *
 * Why flock and not fcntl (POSIX) record locks: fcntl locks belong to the
 * process, so a second open in the same process would silently succeed
 * and closing any descriptor of the file would drop the lock; flock locks
 * belong to the open file description, which is exactly "one ledger".
 */
#define _DEFAULT_SOURCE	/* flock, O_NOFOLLOW, O_CLOEXEC */
#include "ledger/writer_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct writer_lock {
	int fd;
};

enum lien_status
writer_lock_acquire(const char *dir, struct writer_lock **out)
{
	char path[WRITER_LOCK_DIR_MAX + sizeof "/" WRITER_LOCK_FILE];
	struct writer_lock *wl;
	size_t dlen;
	char pid[32];
	int fd, n;

	*out = NULL;
	if (dir == NULL || (dlen = strlen(dir)) == 0 ||
	    dlen > WRITER_LOCK_DIR_MAX)
		return LIEN_EINVAL;
	memcpy(path, dir, dlen);
	memcpy(path + dlen, "/" WRITER_LOCK_FILE, sizeof "/" WRITER_LOCK_FILE);
	/* A read-write ledger creates its directory (ledger.h); the lock
	 * file lives in it, so create it here, before the store does. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return LIEN_EIO;
	wl = malloc(sizeof *wl);
	if (wl == NULL)
		return LIEN_ENOMEM;
	do
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		free(wl);
		return LIEN_EIO;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		int busy = errno == EWOULDBLOCK;

		(void)close(fd);
		free(wl);
		return busy ? LIEN_EBUSY : LIEN_EIO;
	}
	/* Informational only (an operator's `cat writer.lock`): a failure
	 * to write it does not weaken the lock, so it is not an error. */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (n > 0 && (size_t)n < sizeof pid && ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, (size_t)n, 0);
	wl->fd = fd;
	*out = wl;
	return LIEN_OK;
}

void
writer_lock_release(struct writer_lock *wl)
{
	if (wl == NULL)
		return;
	/* close() drops the flock; the file stays for the next writer (an
	 * unlink here would race with a writer that just opened it). */
	(void)close(wl->fd);
	free(wl);
}
