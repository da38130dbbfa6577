/*
 * The SMS delivery worker (docs/notices.md): one thread of lienlogd that
 * reads the notification outbox the registry derives in each entry's own
 * transaction (registry/registry.h "notices": PSTATE n/ and r/), opens the
 * recipients' phone numbers from the sealed requests (it is the only code
 * that does), writes each message in Chinese from a template and posts it
 * to an SMS gateway over HTTP, at least once:
 *
 *   POST <url>  Content-Type: application/json
 *               Authorization: Bearer <credentials>   (when configured)
 *               Idempotency-Key: "<dedup key>"
 *   {"dedup_key","to","kind","app","text"}
 *
 * 2xx or 409 is delivered; another 4xx is a refusal of that message
 * (logged, skipped: one bad number must not stop the others); no answer
 * or 5xx is retried with exponential backoff (min..max), the outbox
 * cursor unmoved. The cursor (the last delivered notice and reminder keys)
 * is written to a state file (write, fsync, rename) after every delivered
 * message, so a kill -9 re-sends at most the message in flight: the
 * gateway drops it by its dedup key, the same for every retry.
 * Due-release reminders are sent reminder_days before the loan's term end
 * to owners whose mortgage is still registered (not released).
 */
#ifndef LIEN_API_NOTIFY_H
#define LIEN_API_NOTIFY_H

#include <stdint.h>
#include "common/status.h"
#include "ledger/ledger.h"

struct api_app;
struct notify;

#define NOTIFY_DAYS_MAX 366u

struct notify_config {
	const char *url;		/* http:// or https:// gateway URL */
	const char *credentials;	/* bearer token text, or NULL */
	const char *state_path;		/* the cursor file (DIR/notify.state) */
	unsigned reminder_days;		/* 1..NOTIFY_DAYS_MAX; 0: 30 */
	unsigned backoff_min_ms;	/* 0: 200 */
	unsigned backoff_max_ms;	/* 0: 30000 */
	unsigned poll_ms;		/* outbox poll period; 0: 200 */
};

/* Counters (metrics, tests). */
struct notify_stats {
	uint64_t sent;			/* messages the gateway accepted */
	uint64_t refused;		/* 4xx: skipped */
	uint64_t retries;		/* failed attempts, retried */
	uint64_t reminders;		/* reminders sent */
	uint64_t no_phone;		/* notices with no number to send to */
};

/* Start the worker over ledger l with app's keys. LIEN_EINVAL for a bad
 * configuration, LIEN_EIO when the state file cannot be read. *out:
 * notify_stop. */
enum lien_status notify_start(const struct notify_config *cfg,
    struct ledger *l, struct api_app *app, struct notify **out)
    LIEN_MUST_CHECK;

void notify_stats_get(struct notify *n, struct notify_stats *out);

/* Stop the thread (waits for the message in flight) and free. */
void notify_stop(struct notify *n);

#endif
