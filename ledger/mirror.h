/*
 * Durable state of a verifying mirror (`lienlog sync`) or monitor, in its
 * own LMDB environment (ledger/store.h, table meta, keys "mirror.*"):
 *
 *   origin      the log origin this state belongs to (bound on first use)
 *   checkpoint  the last checkpoint verified and trusted (whole note)
 *   next        next entry index to deliver (u64 big-endian); every entry
 *               below it was delivered to the sink and acknowledged
 *   halt        why delivery stopped (one line), set on evidence of
 *               misbehaviour; while set, nothing is delivered
 *
 * Each update is one LMDB transaction with a synchronous commit, so after
 * a crash the state is either before or after an update, never between.
 * Invariants the functions enforce: next never decreases, next never
 * exceeds the trusted checkpoint's size, and the trusted size never
 * decreases (a smaller checkpoint is the caller's rollback evidence, not
 * an update).
 */
#ifndef LIEN_LEDGER_MIRROR_H
#define LIEN_LEDGER_MIRROR_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

struct mirror;

struct mirror_state {
	char *origin;		/* NUL-terminated, or NULL if never bound */
	char *checkpoint;	/* trusted note, NUL-terminated, or NULL */
	size_t checkpoint_len;
	uint64_t size;		/* its tree size (0 if none) */
	uint64_t next;
	char *halt;		/* NUL-terminated reason, or NULL */
};

/* Open (creating dir, 0700, and the environment if missing). *out:
 * mirror_close. LIEN_EIO / LIEN_ENOMEM. */
enum lien_status mirror_open(const char *dir, struct mirror **out)
    LIEN_MUST_CHECK;
void mirror_close(struct mirror *m);

/* Read the state. Strings are malloc'd: free with mirror_state_clear.
 * LIEN_ECORRUPT if a stored value is malformed. */
enum lien_status mirror_load(struct mirror *m, struct mirror_state *out)
    LIEN_MUST_CHECK;
void mirror_state_clear(struct mirror_state *s);

/* Trust a checkpoint of tree size `size` for origin (both already
 * verified by the caller), and optionally move next (next == UINT64_MAX:
 * keep). LIEN_EKEY if the state is bound to another origin; LIEN_ECONFLICT
 * if size is below the trusted size, next would decrease or exceed size;
 * LIEN_ECLOSED if halted. */
enum lien_status mirror_trust(struct mirror *m, const char *origin,
    size_t origin_len, const char *note, size_t note_len, uint64_t size,
    uint64_t next) LIEN_MUST_CHECK;

/* Move next forward (acknowledged deliveries). LIEN_ECONFLICT if it would
 * decrease or pass the trusted size; LIEN_ECLOSED if halted. */
enum lien_status mirror_advance(struct mirror *m, uint64_t next)
    LIEN_MUST_CHECK;

/* Stop: record why (printable text, at most 1024 bytes; longer is cut). */
enum lien_status mirror_halt(struct mirror *m, const char *why)
    LIEN_MUST_CHECK;

/* Clear a halt (operator decision after investigation). */
enum lien_status mirror_unhalt(struct mirror *m) LIEN_MUST_CHECK;

#endif
