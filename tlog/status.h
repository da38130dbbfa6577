/*
 * State roots and status proofs: how every checkpoint commits to the
 * lien-status map, and the bundle that proves one vehicle's status
 * against a checkpoint (docs/lien-status.md is the byte-exact spec).
 *
 * State-root entry (envelope type ENTRY_TYPE_STATE_ROOT = 3): the last
 * entry of every sequencer batch, so the last leaf of every checkpoint.
 * Its 49-byte payload:
 *
 *   version u8 = 1 | map root (32) | keys in the map u64be |
 *   tree size u64be (the size of the tree whose last leaf it is)
 *
 * Keys and values of the map (tlog/map.h), from a vehicle's identifier
 * (the normalised VIN) and its status record (canonical bytes defined by
 * registry/status.c, which folds the commitment to the parties' fuller
 * view into the record):
 *
 *   key    = SHA-256("lienlog-vehicle-v1" 0x00 || id)   (docs/privacy.md)
 *   value  = SHA-256("lienlog-status-v1" 0x00 || record)
 *   fuller = SHA-256("lienlog-fuller-v1" 0x00 || fuller' || commitment)
 *
 * Status proof bundle, version 1:
 *
 *   "LSP" 0x01 | id_len u8 | id | record_len u16be | record |
 *   map_len u16be | map proof (tlog/map.h) | entry_len u16be |
 *   state-root entry envelope | nincl u8 | nincl inclusion hashes (32
 *   each, leaf side first, RFC 9162) | the checkpoint note (signed note
 *   with any cosignatures), to the end
 *
 * record_len is 0 exactly when the map proof proves absence.
 *
 * Pure: no I/O. status_proof_verify allocates one map proof (~8 KiB).
 */
#ifndef LIEN_TLOG_STATUS_H
#define LIEN_TLOG_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/map.h"
#include "tlog/verifier.h"

#define STATUS_ROOT_VERSION 1u
#define STATUS_ROOT_PAYLOAD_LEN 49u

/* Domain labels, each hashed with its terminating NUL. */
#define STATUS_LABEL_KEY "lienlog-vehicle-v1"
#define STATUS_LABEL_VALUE "lienlog-status-v1"
#define STATUS_LABEL_FULLER "lienlog-fuller-v1"

#define STATUS_PROOF_MAGIC "LSP\x01"
#define STATUS_PROOF_MAGIC_LEN 4u

/* ---- State-root entry payload ------------------------------------------ */

struct status_root {
	uint8_t root[HASH_LEN];		/* map root */
	uint64_t nkeys;			/* keys (vehicles) in the map */
	uint64_t tree_size;		/* = the entry's index + 1 */
};

/* Write the 49-byte payload into out (cap >= STATUS_ROOT_PAYLOAD_LEN). */
enum lien_status status_root_encode(const struct status_root *r,
    uint8_t *out, size_t cap) LIEN_MUST_CHECK;

/* Strict decode: exactly 49 bytes, version 1, tree size >= 1. LIEN_EPARSE
 * / LIEN_EUNSUPPORTED (another version). *out zeroed on failure. */
enum lien_status status_root_decode(const uint8_t *p, size_t len,
    struct status_root *out) LIEN_MUST_CHECK;

/* ---- Keys and values ---------------------------------------------------- */

/* key = SHA-256("lienlog-vehicle-v1" 0x00 || id), the vehicle key of
 * docs/privacy.md; id is 1..STATUS_ID_MAX bytes (LIEN_EINVAL; a caller
 * validates VINs, registry_vehicle_key). */
enum lien_status status_key(const uint8_t *id, size_t id_len,
    uint8_t out[MAP_KEY_LEN]) LIEN_MUST_CHECK;

/* value = SHA-256("lienlog-status-v1" 0x00 || record). */
void status_value(const uint8_t *record, size_t record_len,
    uint8_t out[MAP_VALUE_LEN]);

/* One step of the fold that commits a vehicle's record to the parties'
 * fuller view (docs/privacy.md "Lien-status map"): out =
 * SHA-256("lienlog-fuller-v1" 0x00 || prev || commitment), prev = 32 zero
 * bytes before the vehicle's first entry. out may alias prev. */
void status_fuller_fold(const uint8_t prev[HASH_LEN],
    const uint8_t commitment[HASH_LEN], uint8_t out[HASH_LEN]);

/* ---- Status proof bundle ------------------------------------------------ */

/* A decoded bundle; pointers borrow the input. */
struct status_proof {
	const uint8_t *id;
	size_t id_len;			/* 1..STATUS_ID_MAX */
	const uint8_t *record;		/* NULL and 0 when absent */
	size_t record_len;		/* <= STATUS_RECORD_MAX */
	const uint8_t *map;		/* the encoded map proof */
	size_t map_len;
	const uint8_t *entry;		/* state-root envelope */
	size_t entry_len;
	uint8_t incl[MERKLE_PROOF_MAX][HASH_LEN];
	size_t nincl;
	const uint8_t *checkpoint;	/* the note, verbatim */
	size_t checkpoint_len;
};

/* Strict decode of exactly len bytes (<= STATUS_PROOF_MAX, else
 * LIEN_ETOOBIG): magic, every length within its cap, the map proof
 * decodes (tlog/map.h rules) and its kind agrees with record_len, the
 * checkpoint is non-empty. LIEN_EPARSE otherwise. *out zeroed on failure. */
enum lien_status status_proof_decode(const uint8_t *p, size_t len,
    struct status_proof *out) LIEN_MUST_CHECK;

/* Encode; *out_len <= STATUS_PROOF_MAX. LIEN_ETOOBIG if cap is short or a
 * part exceeds its cap, LIEN_EINVAL for an inconsistent bundle. */
enum lien_status status_proof_encode(const struct status_proof *b,
    uint8_t *out, size_t cap, size_t *out_len) LIEN_MUST_CHECK;

/* What the caller asks of a bundle. */
struct status_check {
	const struct tlog_policy *policy;	/* log key and witnesses */
	const uint8_t *id;			/* the identifier asked about */
	size_t id_len;
	/* Optional: a checkpoint note the caller trusts that may be newer
	 * than the bundle's (NULL: none). A bundle for an older tree proves
	 * the past, not the present, and is refused. */
	const uint8_t *newer;
	size_t newer_len;
	uint64_t now_ms;		/* for max_age_ms */
	uint64_t max_age_ms;		/* 0: any age */
};

/* Why a bundle was refused (append-only). */
enum status_fault {
	STATUS_FAULT_NONE = 0,
	STATUS_FAULT_MALFORMED,		/* does not decode */
	STATUS_FAULT_WRONG_ID,		/* a proof for another vehicle */
	STATUS_FAULT_CHECKPOINT,	/* not signed by the log key / origin */
	STATUS_FAULT_QUORUM,		/* too few witness cosignatures */
	STATUS_FAULT_NOT_STATE_ROOT,	/* the entry is not a state root */
	STATUS_FAULT_NOT_LAST,		/* not the checkpoint's last leaf */
	STATUS_FAULT_INCLUSION,		/* entry not in the checkpoint's tree */
	STATUS_FAULT_MAP,		/* map proof does not reach the root */
	STATUS_FAULT_RECORD,		/* record does not hash to the leaf */
	STATUS_FAULT_STALE,		/* older than the trusted checkpoint */
	STATUS_FAULT_FORK,		/* same size, other root: a fork */
	STATUS_FAULT_TOO_OLD,		/* older than max_age_ms */
	STATUS_FAULT_NEWER,		/* the trusted checkpoint is bad */
};

/* Stable short name ("stale", "map", ...). Never NULL. */
const char *status_fault_name(enum status_fault f);

struct status_report {
	enum status_fault fault;
	char why[256];			/* one printable line */
};

/* What a verified bundle proves. Pointers borrow the bundle bytes. */
struct status_result {
	int present;			/* 1: record is the status */
	const uint8_t *record;
	size_t record_len;
	uint64_t tree_size;		/* the checkpoint's */
	uint64_t time_ms;		/* the state-root entry's time */
	uint64_t nkeys;
	uint8_t map_root[HASH_LEN];
	uint8_t log_root[HASH_LEN];
	size_t cosigned;		/* policy witnesses that cosigned */
};

/* Verify bundle (p, len) for c: decode, the id, the checkpoint under the
 * policy, the state-root entry is type 3 and the last leaf of that tree
 * (index = size - 1, payload tree size = size) and included, the map
 * proof reaches the entry's map root for key(id), the record hashes to
 * the proven value; then freshness (c->newer,
 * c->max_age_ms). LIEN_OK with *out filled, or LIEN_EVERIFY with r->fault
 * and r->why (r may be NULL); LIEN_EINVAL for a bad check, LIEN_ENOMEM.
 * Cryptographic faults are reported before freshness ones. */
enum lien_status status_proof_verify(const uint8_t *p, size_t len,
    const struct status_check *c, struct status_result *out,
    struct status_report *r) LIEN_MUST_CHECK;

#endif
