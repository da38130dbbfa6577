/*
 * Names for enum lien_status. The code strings are a public, stable API:
 * clients branch on them, so they are never renamed, only added.
 */
#include "common/status.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static const struct {
	const char *code;
	const char *message;
} status_names[LIEN_STATUS_COUNT_] = {
	[LIEN_OK] = { "ok", "success" },
	[LIEN_ENOMEM] = { "out_of_memory", "out of memory" },
	[LIEN_EINVAL] = { "invalid_argument", "invalid argument" },
	[LIEN_EPARSE] = { "malformed", "malformed or non-canonical input" },
	[LIEN_ETOOBIG] = { "too_large", "input exceeds a limit" },
	[LIEN_EVERIFY] = { "verification_failed", "verification failed" },
	[LIEN_ENOTFOUND] = { "not_found", "not found" },
	[LIEN_ERANGE] = { "out_of_range", "index or size out of range" },
	[LIEN_EIO] = { "io_error", "storage I/O error" },
	[LIEN_ECORRUPT] = { "corrupt", "stored data is inconsistent" },
	[LIEN_ECRYPTO] = { "crypto_error", "cryptographic library failure" },
	[LIEN_ECLOSED] = { "closed", "shutting down" },
	[LIEN_EEXIST] = { "exists", "already exists" },
	[LIEN_EUNSUPPORTED] = { "unsupported", "unsupported version or algorithm" },
	[LIEN_EKEY] = { "unknown_key", "unknown or unusable key" },
	[LIEN_EFULL] = { "storage_full", "storage is full" },
	[LIEN_ECONFLICT] = { "conflict", "conflicting state" },
	[LIEN_EFROZEN] = { "log_frozen", "the log is frozen (key rotated)" },
	[LIEN_EBUSY] = { "busy", "in use by another writer" },
	[LIEN_ENET] = { "network", "no answer from the server" },
};

const char *
lien_status_code(enum lien_status s)
{
	if ((unsigned)s >= LIEN_STATUS_COUNT_ || status_names[s].code == NULL)
		return "internal";
	return status_names[s].code;
}

const char *
lien_status_message(enum lien_status s)
{
	if ((unsigned)s >= LIEN_STATUS_COUNT_ || status_names[s].message == NULL)
		return "internal error";
	return status_names[s].message;
}

void
why_set(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	why_vset(why, cap, fmt, ap);
	va_end(ap);
}

void
why_vset(char *why, size_t cap, const char *fmt, va_list ap)
{
	if (why == NULL || cap == 0)
		return;
	(void)vsnprintf(why, cap, fmt, ap);
}
