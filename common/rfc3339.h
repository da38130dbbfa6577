/*
 * RFC 3339 (section 5.6) timestamps in UTC with millisecond precision,
 * "2026-01-01T00:00:07.000Z", for the `*_at` strings JSON answers carry
 * beside every `*_ms` value (TEAM.md). Pure arithmetic (Howard Hinnant's
 * days-to-civil), no gmtime and no locale: the same bytes on every
 * machine, usable from any thread.
 */
#ifndef LIEN_COMMON_RFC3339_H
#define LIEN_COMMON_RFC3339_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
#define RFC3339_MS_LEN 24u

/* Format ms (milliseconds since the Unix epoch) into out: RFC3339_MS_LEN
 * characters and a NUL. LIEN_OK, or LIEN_ERANGE (out = "") for times
 * after 9999-12-31, which RFC 3339 cannot write. */
enum lien_status rfc3339_ms(uint64_t ms, char out[RFC3339_MS_LEN + 1])
    LIEN_MUST_CHECK __attribute__((nonnull(2)));

#endif
