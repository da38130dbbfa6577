/*
 * Whole-file reads with a cap: the one read loop for configuration files,
 * key files, /proc files and command-line inputs. It never trusts st_size
 * (a file can grow between fstat and read, /proc reports 0, a pipe has
 * none): it reads at most cap + 1 bytes, so "larger than cap" is known
 * without reading further, and retries EINTR.
 *
 * Statuses: LIEN_ENOTFOUND (no such file), LIEN_ETOOBIG (more than cap
 * bytes), LIEN_ENOMEM, LIEN_EIO (anything else; errno says why, e.g.
 * EISDIR for a directory, and is preserved across the cleanup).
 */
#ifndef LIEN_COMMON_FILE_H
#define LIEN_COMMON_FILE_H

#include <stddef.h>
#include "common/status.h"

/* Read all of path (at most cap bytes) into buf, which has room for
 * cap + 1 bytes: the data, then a NUL. *out_len excludes the NUL. On
 * failure *out_len is 0 and buf[0..cap] is wiped, so buf may be secret
 * memory for a key file. An empty file is LIEN_OK with *out_len 0. */
enum lien_status file_read_into(const char *path, void *buf, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK __attribute__((nonnull));

/* The same into a fresh buffer sized from what is read (caller frees with
 * free, after wiping it if it holds a secret; NUL-terminated, *out_len
 * excludes the NUL). A buffer outgrown while reading is wiped before it is
 * freed, and so is everything on failure, when *out is NULL. */
enum lien_status file_read(const char *path, size_t cap, char **out,
    size_t *out_len) LIEN_MUST_CHECK __attribute__((nonnull));

/* Write all len bytes at p to fd, retrying EINTR and short writes (the
 * one write loop). LIEN_OK, or LIEN_EIO with errno set (a write of 0
 * bytes counts as failed: EIO is set then). */
enum lien_status file_write_all(int fd, const void *p, size_t len)
    LIEN_MUST_CHECK __attribute__((nonnull));

/* dir + "/" + name in a fresh string (caller frees with free): paths are
 * sized from their parts, never cut to a fixed buffer. LIEN_ENOMEM. */
enum lien_status file_path_join(const char *dir, const char *name,
    char **out) LIEN_MUST_CHECK __attribute__((nonnull));

#endif
