/*
 * ASCII case-insensitive comparison of protocol tokens: HTTP field names
 * and tokens (RFC 9110 5.1), for the servers and the clients alike. Not a
 * locale-aware compare: only A-Z fold to a-z, every other byte compares
 * as itself.
 */
#ifndef LIEN_COMMON_ASCII_H
#define LIEN_COMMON_ASCII_H

#include <stddef.h>

/* 1 if the name (p, len) equals the constant want, ignoring ASCII case;
 * else 0. Untrusted bytes: no NUL needed, none read past len. */
int ascii_name_eq(const void *p, size_t len, const char *want)
    __attribute__((nonnull(3)));

/* ascii_name_eq for a NUL-terminated name. */
int ascii_cstr_name_eq(const char *name, const char *want)
    __attribute__((nonnull(2)));

#endif
