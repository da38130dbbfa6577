/*
 * The log side of witnessing (docs/witnessing.md): a publisher that sends
 * each new checkpoint of the ledger to the configured witnesses (C2SP
 * tlog-witness, POST <url>/add-checkpoint), verifies and stores their
 * cosignatures (C2SP tlog-cosignature) with the checkpoint
 * (ledger_checkpoint_add_cosigs), and "publishes" a checkpoint once at
 * least quorum witnesses cosigned it. GET /log/checkpoint serves the
 * published checkpoint; receipts wait for one (bounded).
 *
 * Threads: one coordinator that notices tree growth by polling
 * ledger_size (an atomic load: nothing is added to the sequencer), and one
 * worker per witness with its own keep-alive HTTP handle, so a slow or
 * dead witness delays only itself. Appends never wait for witnesses.
 *
 * Internal to api/ and tools/lienlogd.c.
 */
#ifndef LIEN_WITNESS_PUBLISHER_H
#define LIEN_WITNESS_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/note.h"
#include "ledger/ledger.h"

struct metrics_text;
struct witness_client;

#define WITNESS_CLIENT_TIMEOUT_MS 2000u		/* per request, default */
#define WITNESS_CLIENT_INTERVAL_MS 20u		/* between rounds, default */
#define WITNESS_CLIENT_BACKOFF_MIN_MS 100u	/* first retry after a failure */
#define WITNESS_CLIENT_BACKOFF_MAX_MS 10000u	/* default cap of the backoff */

/* One witness: its submission prefix and its cosignature verifier key. */
struct witness_client_witness {
	char url[WITNESS_URL_MAX + 1];	/* http(s)://..., no trailing '/' */
	struct note_verifier key;	/* type NOTE_KEY_COSIG_V1 */
};

/* Parse the lienlogd argument "URL=VKEYFILE" (split at the first '=', so
 * the URL cannot hold one): URL http:// or https:// with a host, at most
 * WITNESS_URL_MAX bytes, no query or fragment (a trailing '/' is
 * dropped); VKEYFILE a regular file of at most VKEY_FILE_MAX bytes
 * holding one type-0x04 verifier key (a log's 0x01 key is refused).
 * On failure why (why_cap bytes) says what is wrong and *out is zeroed:
 * LIEN_EPARSE (syntax, wrong key type), LIEN_EIO (file), LIEN_ETOOBIG. */
enum lien_status witness_client_witness_load(const char *arg,
    struct witness_client_witness *out, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

struct witness_client_config {
	struct ledger *ledger;		/* borrowed: outlives the client */
	const struct note_verifier *log_key;	/* the log's key (0x01) */
	const struct witness_client_witness *witnesses;	/* copied */
	size_t nwitnesses;		/* 1..WITNESS_CLIENT_MAX */
	size_t quorum;			/* 1..nwitnesses; 0 = all */
	unsigned timeout_ms;		/* per HTTP request; 0 = default */
	unsigned interval_ms;		/* minimum time between two rounds;
					 * 0 = WITNESS_CLIENT_INTERVAL_MS */
	unsigned backoff_max_ms;	/* 0 = WITNESS_CLIENT_BACKOFF_MAX_MS */
	/* Diagnostics, one line each (witness up/down, refusals, a root
	 * conflict). May be NULL. Called from the client's threads. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/* Validate cfg, find the latest stored checkpoint that already carries a
 * quorum of valid cosignatures (it is published at once, so a restart
 * keeps serving a witnessed checkpoint), create one HTTP client per
 * witness and start the threads. Create it before other threads use
 * libcurl (client_new's curl_global_init). LIEN_EINVAL (no witnesses,
 * too many, a key that is not 0x04, two witnesses with the same key name,
 * quorum > n, log_key not 0x01), LIEN_ENOMEM, the ledger's statuses.
 * *out: witness_client_stop. */
enum lien_status witness_client_start(const struct witness_client_config *cfg,
    struct witness_client **out) LIEN_MUST_CHECK;

/* Stop the threads (an in-flight request finishes or times out first),
 * wake every waiter, free. Call before ledger_close. NULL is a no-op. */
void witness_client_stop(struct witness_client *wc);

/* The witness policy the client enforces, for clients that verify on
 * their own (the pages' GET /v1/keys): the number of witnesses, the
 * quorum, and witness i's key (borrowed, valid until witness_client_stop;
 * NULL for i >= n). wc NULL: 0 witnesses. */
size_t witness_client_count(const struct witness_client *wc);
size_t witness_client_quorum(const struct witness_client *wc);
const struct note_verifier *witness_client_key(const struct witness_client *wc,
    size_t i);

/* The published checkpoint: the log-signed note followed by the
 * cosignature lines gathered for it (at least quorum valid ones).
 * *out malloc'd, NUL-terminated (caller frees); *out_size (optional) its
 * tree size. LIEN_ENOTFOUND when no checkpoint has reached the quorum yet;
 * LIEN_ENOMEM. On failure *out is NULL. */
enum lien_status witness_client_published(struct witness_client *wc,
    char **out, size_t *out_len, uint64_t *out_size) LIEN_MUST_CHECK;

/* For receipts: wait at most timeout_ms for a published checkpoint whose
 * size is >= min_size. On success *out_cosigned = 1 and the outputs
 * describe it (as witness_client_published). When the wait times out (or
 * the client is stopping), *out_cosigned = 0 and the outputs describe the
 * latest log-signed checkpoint instead (its size is >= min_size whenever
 * min_size entries are durable). out/out_len may both be NULL when only
 * the size is wanted. The stored note at *out_size (ledger_view_checkpoint)
 * carries the same cosignatures: they are stored before publication.
 * LIEN_EINVAL (wc NULL), LIEN_ENOTFOUND (empty log), LIEN_ENOMEM. */
enum lien_status witness_client_wait_published(struct witness_client *wc,
    uint64_t min_size, unsigned timeout_ms, char **out, size_t *out_len,
    uint64_t *out_size, int *out_cosigned) LIEN_MUST_CHECK;

/* Append the witness families (docs/observability.md) to t:
 * lienlog_witness_requests_total{witness,code},
 * lienlog_witness_cosigned_size{witness}, lienlog_witness_published_size,
 * lienlog_witness_quorum_lag_entries and the
 * lienlog_witness_quorum_wait_seconds histogram. */
void witness_client_render_metrics(struct witness_client *wc,
    struct metrics_text *t);

#endif
