/*
 * One status enum for every fallible function in lienlog.
 *
 * Values are append-only: a number, once shipped, keeps its meaning forever,
 * because it travels in logs, metrics and (through lien_status_code())
 * machine-readable error bodies. Add new codes at the end, never renumber.
 * The mapping to HTTP lives in api/ (one table); library code never knows
 * about HTTP.
 */
#ifndef LIEN_COMMON_STATUS_H
#define LIEN_COMMON_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define LIEN_MUST_CHECK __attribute__((warn_unused_result))
#else
#define LIEN_MUST_CHECK
#endif

enum lien_status {
	LIEN_OK = 0,
	LIEN_ENOMEM = 1,	/* allocation failed */
	LIEN_EINVAL = 2,	/* caller error: bad argument or state */
	LIEN_EPARSE = 3,	/* untrusted input is malformed or non-canonical */
	LIEN_ETOOBIG = 4,	/* input exceeds a named limit */
	LIEN_EVERIFY = 5,	/* signature, hash or proof does not verify */
	LIEN_ENOTFOUND = 6,	/* no such object */
	LIEN_ERANGE = 7,	/* index/size outside the tree or window */
	LIEN_EIO = 8,		/* storage or OS I/O failed */
	LIEN_ECORRUPT = 9,	/* stored data contradicts itself */
	LIEN_ECRYPTO = 10,	/* crypto library failure (not a bad signature) */
	LIEN_ECLOSED = 11,	/* object is shutting down */
	LIEN_EEXIST = 12,	/* already exists */
	LIEN_EUNSUPPORTED = 13,	/* unknown version, algorithm or feature */
	LIEN_EKEY = 14,		/* unknown or unusable key */
	LIEN_EFULL = 15,	/* storage map full */
	LIEN_ECONFLICT = 16,	/* state conflict (e.g. concurrent update) */
	LIEN_EFROZEN = 17,	/* the log is frozen: no more appends */
	LIEN_EBUSY = 18,	/* held by another writer (store writer lock) */
	LIEN_ENET = 19,		/* no answer from a server: connection refused,
				 * DNS, TLS, timeout (not a local file) */
	/* append new codes here; see lien_status_code() in status.c */
	LIEN_STATUS_COUNT_
};

/* Stable machine-readable name ("parse_error", ...). Never NULL; unknown
 * values give "internal". The strings are part of the public API. */
const char *lien_status_code(enum lien_status s);

/* Short English description for humans. Never NULL. */
const char *lien_status_message(enum lien_status s);

/* The "why" that goes with a status for an operator: format into why (cap
 * bytes, always NUL-terminated, cut to fit: it is a message, never a path
 * or a key). No-op when why is NULL or cap is 0. */
void why_set(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list, for wrappers that add a prefix. */
void why_vset(char *why, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
