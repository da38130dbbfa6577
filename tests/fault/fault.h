/*
 * Fault injection for tests (SQLite/curl style): make the Nth allocation,
 * the Nth fsync/fdatasync or the Nth LMDB commit after arming fail, once.
 *
 * Linked only into the fault test (tests/fault/): fault.c defines malloc,
 * calloc, realloc, free, fsync, fdatasync and mdb_txn_commit in the test
 * executable, so every call -- from lienlog's libraries, from LMDB, from
 * jansson, from OpenSSL -- goes through a counter first. The production
 * code carries no hook. Allocation faults need the libc allocator
 * underneath (glibc's __libc_malloc): under a sanitizer, which brings its
 * own malloc, fault_alloc_supported() is 0 and those sweeps are skipped.
 *
 * SHA-256 is the one exception: crypto/hash.c aborts by design when
 * OpenSSL cannot allocate a digest context or state, so allocations
 * inside EVP_MD_CTX_new and EVP_DigestInit_ex2 are not counted (fault.c).
 *
 * Counting covers every thread (the sequencer commits on its own thread),
 * from fault_arm to fault_disarm.
 */
#ifndef LIEN_TESTS_FAULT_H
#define LIEN_TESTS_FAULT_H

#include <stdint.h>

enum fault_kind {
	FAULT_ALLOC,	/* malloc, calloc, realloc: NULL, errno ENOMEM */
	FAULT_SYNC,	/* fsync, fdatasync: -1, errno EIO */
	FAULT_COMMIT,	/* mdb_txn_commit: txn aborted, EIO */
	FAULT_NKINDS
};

/* Start counting calls of kind; the nth (1-based) fails. n = 0 or
 * UINT64_MAX: count only. One kind armed at a time. */
void fault_arm(enum fault_kind kind, uint64_t n);
/* Stop counting. Returns the number of calls seen since fault_arm;
 * *out_fired (may be NULL) is 1 when the armed call was reached. */
uint64_t fault_disarm(int *out_fired);
/* Stop counting for a moment (work that belongs to neither side of the
 * write under test) and carry on where it stopped. */
void fault_pause(void);
void fault_resume(void);
/* 1 when allocation faults can be injected in this build. */
int fault_alloc_supported(void);
const char *fault_kind_name(enum fault_kind kind);

#endif
