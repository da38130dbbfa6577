/*
 * The store's single-writer guarantee: an exclusive advisory lock on
 * DIR/writer.lock, held for the life of a read-write ledger.
 *
 * LMDB serialises write transactions, but it happily lets two processes
 * open one environment read-write, and the sequencer keeps the Merkle
 * frontier, the last leaf hash, the tile tails and the frozen flag in
 * memory between transactions (ledger/log.c). A second sequencer on the
 * same store would build on a stale copy of that state and write a
 * corrupt tree. So ledger_open takes this lock before LMDB is touched and
 * refuses with LIEN_EBUSY when another writer holds it; read-only opens
 * (audit, a second reader process) never take it.
 *
 * The lock is flock(2) on an open file description: it conflicts between
 * processes and between two opens in one process, is released by the
 * kernel when the holder dies (kill -9 leaves no stale lock to clean up),
 * and is not inherited across exec (O_CLOEXEC). The file's contents (the
 * holder's pid and a newline) are informational only. Not for network
 * file systems whose flock is emulated or absent: keep the store local
 * (docs/storage.md).
 */
#ifndef LIEN_LEDGER_WRITER_LOCK_H
#define LIEN_LEDGER_WRITER_LOCK_H

#include "common/status.h"

/* Longest DIR accepted (bytes, without the NUL). */
#define WRITER_LOCK_DIR_MAX 4000u
#define WRITER_LOCK_FILE "writer.lock"

struct writer_lock;

/* Create dir (0700) if missing, open or create dir/writer.lock (0600,
 * never through a symlink) and take the exclusive lock without waiting.
 * *out: writer_lock_release; NULL on failure. LIEN_EBUSY when another
 * open file description (this process or another) holds it; LIEN_EINVAL
 * for an empty or over-long dir; LIEN_EIO for any other OS failure;
 * LIEN_ENOMEM. */
enum lien_status writer_lock_acquire(const char *dir,
    struct writer_lock **out) LIEN_MUST_CHECK;

/* Release the lock and free wl (the file stays). NULL is a no-op. */
void writer_lock_release(struct writer_lock *wl);

#endif
