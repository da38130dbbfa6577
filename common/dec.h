/*
 * Canonical unsigned decimal numbers, the one parser every format uses
 * (checkpoint sizes, HTTP query parameters and Content-Length, witness
 * "old" lines and 409 bodies, tile paths' neighbours): "0" or [1-9][0-9]*,
 * at most 20 digits, value <= 2^64 - 1. No sign, no spaces, no leading
 * zeros, no trailing bytes: each number has exactly one accepted spelling.
 */
#ifndef LIEN_COMMON_DEC_H
#define LIEN_COMMON_DEC_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define DEC_U64_DIGITS_MAX 20u	/* UINT64_MAX = 18446744073709551615 */

/* Parse len bytes at p. LIEN_OK, or LIEN_EPARSE (then *out = 0). */
enum lien_status dec_u64_parse(const void *p, size_t len, uint64_t *out)
    LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* A NUL-terminated command-line value: canonical decimal as above, within
 * [lo, hi]. LIEN_OK; LIEN_EPARSE (not one canonical decimal, or NULL);
 * LIEN_ERANGE (outside [lo, hi]). *out is written only on LIEN_OK, so a
 * caller can preset its default. */
enum lien_status dec_u64_arg(const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out) LIEN_MUST_CHECK __attribute__((nonnull(4)));

#endif
