/*
 * Internal to api/: the structured access and audit log -- one JSON line
 * per HTTP request (time, route, method, path, status, outcome, error
 * code, party, role, entry index, duration, bytes out, client address,
 * TLS client certificate fingerprint when a trusted proxy sent one),
 * the record GB/T 22239 (等保 2.0) level 3 asks of a security audit:
 * date and time, user, event type, outcome. docs/observability.md has the
 * format and the rotation procedure.
 *
 * Request threads hand a fixed-size record to a bounded lock-free queue
 * (accesslog_submit never blocks and never allocates; a full queue drops
 * the record and counts it). One logger thread formats and writes lines
 * in batches with write(2) on an O_APPEND descriptor, so lines never
 * interleave. civetweb's own access_log_file is not used: it reopens the
 * file for every request (DEPS.md).
 *
 * What never goes into a record: request bodies, query strings (their
 * values may carry personal data), headers (signatures, tokens), the VIN
 * of a /v1/vehicles/{vin} path (accesslog_rec_set puts "v:" and 16 hex
 * digits of its vehicle key in its place: docs/privacy.md).
 */
#ifndef LIEN_API_ACCESSLOG_H
#define LIEN_API_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>
#include "common/lien_limits.h"
#include "common/status.h"

/* Copies of request data are bounded by ACCESSLOG_*_MAX; the *_len fields
 * never exceed them. Borrowed pointers must be static strings (route
 * names, error codes): the logger thread reads them later. */
struct accesslog_rec {
	uint64_t time_ms;	/* Unix time of the request's start, ms */
	uint64_t duration_ns;
	uint64_t bytes_out;	/* status line + headers + body handed out */
	uint64_t entry_index;	/* valid if has_entry */
	int has_entry;
	int status;		/* HTTP status sent */
	int truncated;		/* some copied field was cut at its limit */
	const char *route;	/* static route name, or NULL for "none" */
	const char *error_code;	/* static JSON error code, or NULL */
	uint16_t method_len, path_len, party_len, role_len;
	char method[ACCESSLOG_METHOD_MAX];
	char path[ACCESSLOG_PATH_MAX];	/* raw, without the query */
	char party[ACCESSLOG_PARTY_MAX];	/* party_len 0 + !has_party: null */
	char role[ACCESSLOG_ROLE_MAX];
	int has_party, has_role;
	char remote[48];	/* NUL-terminated client IP address: the
				 * peer's, or the trusted proxy's
				 * X-Forwarded-For (httpd/proxy.h) */
	/* Lower-case hex SHA-256 of the TLS client certificate the trusted
	 * proxy forwarded (httpd/proxy.h), NUL-terminated; "" = none, and the
	 * key is then left out of the line. For correlation only: it never
	 * authenticates anything. accesslog_rec_set clears it. */
	char client_cert_sha256[65];
};

/* Fill r from borrowed request data: copies (p, len) pairs (truncating at
 * the limits and setting r->truncated), keeps route and error_code as
 * given (static strings). party/role NULL: null in the line.
 * client_cert_sha256 is cleared: the caller fills it afterwards. */
void accesslog_rec_set(struct accesslog_rec *r, const char *method,
    size_t method_len, const char *path, size_t path_len, const char *party,
    size_t party_len, const char *role, size_t role_len, const char *remote);

/* Format r as one JSON line ending in '\n' into out (cap bytes; cap >=
 * ACCESSLOG_LINE_MAX always suffices). Strings are escaped: '"', '\\',
 * control characters (C0, DEL, and the C1 range U+0080..U+009F) as
 * \u00XX; invalid UTF-8 bytes become U+FFFD, so the line is always valid
 * UTF-8 and valid JSON, whatever bytes a client sent. Returns the length,
 * or 0 if cap was too small. */
size_t accesslog_format(const struct accesslog_rec *r, char *out, size_t cap);

struct accesslog;

struct accesslog_stats {
	uint64_t written;	/* lines written */
	uint64_t dropped;	/* records dropped: queue full */
	uint64_t errors;	/* failed writes (lines lost) and reopens */
};

/* Open the log: path "-" is standard error (never closed or reopened);
 * any other path is opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0640
 * (before the umask). Starts the logger thread. LIEN_EIO if the file
 * cannot be opened (errno kept), LIEN_ENOMEM. *out: accesslog_close. */
enum lien_status accesslog_open(const char *path, struct accesslog **out)
    LIEN_MUST_CHECK;

/* Queue a copy of r. Never blocks. LIEN_OK if queued; LIEN_EFULL if the
 * queue was full and the record dropped (counted in the stats, so a
 * caller may ignore the status). */
enum lien_status accesslog_submit(struct accesslog *a,
    const struct accesslog_rec *r) __attribute__((nonnull));

/* For log rotation (logrotate's postrotate / SIGHUP): open the path again
 * and switch to the new descriptor; lines already queued go to the new
 * file. On failure the old descriptor stays in use and LIEN_EIO is
 * returned (errors counter +1). A no-op for "-". Thread-safe; not
 * async-signal-safe (call it from the thread that took the signal). */
enum lien_status accesslog_reopen(struct accesslog *a) LIEN_MUST_CHECK;

/* Counters (relaxed reads). */
void accesslog_stats_get(const struct accesslog *a, struct accesslog_stats *out);

/* Stop the logger after it wrote everything queued, close, free. Call
 * after the last accesslog_submit. NULL is a no-op. */
void accesslog_close(struct accesslog *a);

#endif
