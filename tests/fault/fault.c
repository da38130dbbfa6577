/*
 * The fault points of fault.h, by ELF symbol interposition: the test
 * executable defines the functions below, so calls from its own code and
 * from every shared library it loads (LMDB, jansson, OpenSSL) reach them
 * first. Each counts the call while armed and either fails it or hands it
 * to the real implementation: glibc's __libc_* allocator, the fsync and
 * fdatasync system calls, and LMDB's mdb_txn_commit found with
 * dlsym(RTLD_NEXT).
 *
 * One allocation site is shielded: SHA-256 (crypto/hash.c) aborts by
 * design when OpenSSL cannot allocate a digest context or its state, and
 * with OpenSSL 3.0 every EVP_DigestInit_ex2 allocates, so allocations made
 * inside EVP_MD_CTX_new and EVP_DigestInit_ex2 are not counted (both are
 * interposed too). All other allocations of a write are.
 *
 * A failed commit behaves as LMDB's own does when a write or sync fails:
 * the transaction is aborted (its handle freed) and an errno value comes
 * back. A failed fsync/fdatasync has written nothing durable and returns
 * EIO, which makes LMDB abort the commit it was syncing.
 */
#define _GNU_SOURCE
#include "tests/fault/fault.h"

#include <dlfcn.h>
#include <errno.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int armed_kind = -1;	/* -1: not counting */
static _Atomic uint64_t armed_n;
static _Atomic uint64_t calls;
static atomic_int fired;
static int paused_kind = -1;

static int (*real_commit)(MDB_txn *);
static int (*real_digest_init)(EVP_MD_CTX *, const EVP_MD *,
    const OSSL_PARAM *);
static EVP_MD_CTX *(*real_ctx_new)(void);
static _Thread_local int shielded;

/* Resolve the real commit before main, so dlsym's own allocations never
 * meet an armed fault. */
__attribute__((constructor)) static void
fault_init(void)
{
	real_commit = (int (*)(MDB_txn *))dlsym(RTLD_NEXT, "mdb_txn_commit");
	real_digest_init = (int (*)(EVP_MD_CTX *, const EVP_MD *,
	    const OSSL_PARAM *))dlsym(RTLD_NEXT, "EVP_DigestInit_ex2");
	real_ctx_new = (EVP_MD_CTX *(*)(void))dlsym(RTLD_NEXT,
	    "EVP_MD_CTX_new");
}

/* Count a call of kind; 1 when this call is the one to fail. */
static int
hit(enum fault_kind kind)
{
	uint64_t c;

	if (atomic_load_explicit(&armed_kind, memory_order_relaxed) !=
	    (int)kind || shielded)
		return 0;
	c = atomic_fetch_add(&calls, 1) + 1;
	if (c != atomic_load(&armed_n))
		return 0;
	atomic_store(&fired, 1);
	return 1;
}

void
fault_arm(enum fault_kind kind, uint64_t n)
{
	atomic_store(&calls, 0);
	atomic_store(&fired, 0);
	atomic_store(&armed_n, n == 0 ? UINT64_MAX : n);
	atomic_store(&armed_kind, (int)kind);
}

uint64_t
fault_disarm(int *out_fired)
{
	atomic_store(&armed_kind, -1);
	if (out_fired != NULL)
		*out_fired = atomic_load(&fired);
	return atomic_load(&calls);
}

void
fault_pause(void)
{
	paused_kind = atomic_exchange(&armed_kind, -1);
}

void
fault_resume(void)
{
	atomic_store(&armed_kind, paused_kind);
	paused_kind = -1;
}

const char *
fault_kind_name(enum fault_kind kind)
{
	static const char *const names[FAULT_NKINDS] = {
		[FAULT_ALLOC] = "allocation",
		[FAULT_SYNC] = "fsync",
		[FAULT_COMMIT] = "commit",
	};

	return (unsigned)kind < FAULT_NKINDS ? names[kind] : "?";
}

/* ---- storage ---------------------------------------------------------- */

int
fsync(int fd)
{
	if (hit(FAULT_SYNC)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

int
fdatasync(int fd)
{
	if (hit(FAULT_SYNC)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

int
mdb_txn_commit(MDB_txn *txn)
{
	if (hit(FAULT_COMMIT)) {
		mdb_txn_abort(txn);
		return EIO;
	}
	return real_commit(txn);
}

int
EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type,
    const OSSL_PARAM params[])
{
	int rc;

	shielded++;
	rc = real_digest_init(ctx, type, params);
	shielded--;
	return rc;
}

EVP_MD_CTX *
EVP_MD_CTX_new(void)
{
	EVP_MD_CTX *ctx;

	shielded++;
	ctx = real_ctx_new();
	shielded--;
	return ctx;
}

/* ---- allocation -------------------------------------------------------- */

#ifdef FAULT_ALLOC_OFF
int
fault_alloc_supported(void)
{
	return 0;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

int
fault_alloc_supported(void)
{
	return 1;
}

void *
malloc(size_t n)
{
	if (hit(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t k, size_t n)
{
	if (hit(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(k, n);
}

/* realloc(p, 0) frees: not an allocation that can fail. */
void *
realloc(void *p, size_t n)
{
	if (n != 0 && hit(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}
#endif
