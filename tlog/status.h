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
 * Status proof bundle, version 2 (the compact form; docs/lien-status.md
 * section 7 is the byte-exact spec):
 *
 *   "LSP" 0x02 | id_len u8 | id | record_len u16be | binary status record
 *   (section 7.1; 0 bytes exactly when the map proof proves absence) |
 *   map_len u16be | map proof (tlog/map.h) | entry_len u16be | state-root
 *   entry envelope | nincl u8 | nincl inclusion hashes (32 each, leaf side
 *   first, RFC 9162) | body_len u16be | checkpoint body (the signed text) |
 *   the log's Ed25519 signature (64) | ncosig u8 | ncosig C2SP
 *   tlog-cosignature/v1 signatures (key id 4 | time u64be | signature 64),
 *   strictly increasing as 76-byte strings; nothing after.
 *
 * What the verifier knows is left out: the log signature's key id and
 * the names of the signature lines (the verifier's keys have them). The
 * record is carried in binary and rendered back to the canonical JSON the
 * map's value hashes (section 3): the value, the map and every root are
 * those of version 1.
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

#define STATUS_PROOF_MAGIC "LSP\x02"
#define STATUS_PROOF_MAGIC_LEN 4u
#define STATUS_COSIG_LEN 76u		/* key id | time u64be | Ed25519 */
#define STATUS_COSIG_MAX 32u		/* cosignatures in one bundle */
#define STATUS_LOG_SIG_LEN 64u
#define STATUS_MORTGAGES_MAX 64u	/* liens + released in one record */
#define STATUS_RESTRICTIONS_MAX 5u	/* one of each kind */

/* ---- State-root entry payload ------------------------------------------ */

struct status_root {
	uint8_t root[HASH_LEN];		/* map root */
	uint64_t nkeys;			/* keys (vehicles) in the map */
	uint64_t tree_size;		/* = the entry's index + 1 */
};

/* Write the 49-byte payload into out (cap >= STATUS_ROOT_PAYLOAD_LEN). */
enum lien_status status_root_encode(const struct status_root *r,
    uint8_t *out, size_t cap) LIEN_MUST_CHECK __attribute__((nonnull(1)));

/* Strict decode: exactly 49 bytes, version 1, tree size >= 1. LIEN_EPARSE
 * / LIEN_EUNSUPPORTED (another version). *out zeroed on failure. */
enum lien_status status_root_decode(const uint8_t *p, size_t len,
    struct status_root *out) LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* ---- Keys and values ---------------------------------------------------- */

/* key = SHA-256("lienlog-vehicle-v1" 0x00 || id), the vehicle key of
 * docs/privacy.md; id is 1..STATUS_ID_MAX bytes (LIEN_EINVAL; a caller
 * validates VINs, registry_vehicle_key). */
enum lien_status status_key(const uint8_t *id, size_t id_len,
    uint8_t out[MAP_KEY_LEN]) LIEN_MUST_CHECK;

/* value = SHA-256("lienlog-status-v1" 0x00 || record). */
void status_value(const uint8_t *record, size_t record_len,
    uint8_t out[MAP_VALUE_LEN]) __attribute__((nonnull(3)));

/* One step of the fold that commits a vehicle's record to the parties'
 * fuller view (docs/privacy.md "Lien-status map"): out =
 * SHA-256("lienlog-fuller-v1" 0x00 || prev || commitment), prev = 32 zero
 * bytes before the vehicle's first entry. out may alias prev. */
void status_fuller_fold(const uint8_t prev[HASH_LEN],
    const uint8_t commitment[HASH_LEN], uint8_t out[HASH_LEN]);

/* ---- Status proof bundle ------------------------------------------------ */

/* ---- Binary status record (docs/lien-status.md section 7.1) ------------- */

/* Pack the canonical JSON record json (section 3, exactly as
 * registry/status.c writes it) into its binary form: out (cap bytes),
 * *out_len. The packing is checked by rendering it back: LIEN_EPARSE for
 * anything that is not a canonical record of section 3's shape (more than
 * STATUS_MORTGAGES_MAX mortgages, an unknown restriction kind, a rank that
 * is not its position), LIEN_ETOOBIG when cap is short. */
enum lien_status status_record_pack(const uint8_t *json, size_t json_len,
    uint8_t *out, size_t cap, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(3, 5)));

/* Render a binary record (exactly bin_len bytes) as the canonical JSON of
 * section 3 into out (cap bytes, at most STATUS_RECORD_MAX are ever
 * needed), *out_len. LIEN_EPARSE for a malformed binary record,
 * LIEN_ETOOBIG when the JSON would not fit. */
enum lien_status status_record_render(const uint8_t *bin, size_t bin_len,
    uint8_t *out, size_t cap, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(3, 5)));

/* ---- Status proof bundle ------------------------------------------------ */

/* A bundle's parts. For status_proof_encode the caller sets record to the
 * canonical JSON record (it is packed), and the checkpoint parts with
 * status_proof_set_checkpoint (or by hand). status_proof_decode renders
 * the record into record_json and points record at it; the other
 * pointers borrow the input. */
struct status_proof {
	const uint8_t *id;
	size_t id_len;			/* 1..STATUS_ID_MAX */
	const uint8_t *record;		/* JSON record; NULL and 0: absent */
	size_t record_len;		/* <= STATUS_RECORD_MAX */
	const uint8_t *map;		/* the encoded map proof */
	size_t map_len;
	const uint8_t *entry;		/* state-root envelope */
	size_t entry_len;
	uint8_t incl[MERKLE_PROOF_MAX][HASH_LEN];
	size_t nincl;
	const uint8_t *body;		/* the checkpoint's signed text */
	size_t body_len;		/* 1..NOTE_TEXT_MAX */
	uint8_t log_sig[STATUS_LOG_SIG_LEN];
	uint8_t cosig[STATUS_COSIG_MAX][STATUS_COSIG_LEN];
	size_t ncosig;			/* sorted, distinct */
	size_t record_bin_len;		/* decode: the binary record's size */
	uint8_t record_json[STATUS_RECORD_MAX];
};

/* Fill b's checkpoint parts from a signed note (note, len; any number of
 * signature lines): body borrows the note; log_sig is the signature line
 * named the checkpoint's origin (its first line) holding 68 bytes; the
 * cosignatures are the lines of 76 bytes (C2SP tlog-cosignature/v1), the
 * first of each key id in the note's order, at most STATUS_COSIG_MAX key
 * ids (the first ones in the note's order; later ones are left out),
 * then sorted. Other lines are left out (a verifier ignores lines of
 * unknown keys anyway). LIEN_EPARSE for a malformed note or one without
 * the log's signature. */
enum lien_status status_proof_set_checkpoint(struct status_proof *b,
    const uint8_t *note, size_t len) LIEN_MUST_CHECK
    __attribute__((nonnull(1)));

/* Rebuild the signed note a verifier holding policy p checks: the body,
 * a blank line, the log signature line "— <log name> base64(key id ||
 * sig)", then for each cosignature, in order, one line per policy witness
 * whose key id it carries. *out is malloc'd (caller frees with free()),
 * NUL-terminated. LIEN_ETOOBIG past NOTE_MAX, LIEN_ENOMEM. */
enum lien_status status_proof_note(const struct status_proof *b,
    const struct tlog_policy *p, char **out, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(1, 2, 3, 4)));

/* Strict decode of exactly len bytes (<= STATUS_PROOF_MAX, else
 * LIEN_ETOOBIG): magic, every length and count within its cap, the
 * binary record renders, the map proof decodes (tlog/map.h rules) and its
 * kind agrees with the record's presence, the cosignatures are strictly
 * increasing, no byte is left over. LIEN_EPARSE otherwise, LIEN_ENOMEM.
 * *out zeroed on failure. */
enum lien_status status_proof_decode(const uint8_t *p, size_t len,
    struct status_proof *out) LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* Encode; *out_len <= STATUS_PROOF_MAX. LIEN_ETOOBIG if cap is short or a
 * part exceeds its cap, LIEN_EINVAL for an inconsistent bundle,
 * LIEN_EPARSE when the record does not pack. */
enum lien_status status_proof_encode(const struct status_proof *b,
    uint8_t *out, size_t cap, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(1, 4)));

/* An upper bound of status_proof_encode's output for b. */
size_t status_proof_encoded_max(const struct status_proof *b)
    __attribute__((nonnull(1)));

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

/* What a verified bundle proves. record points into record_buf. */
struct status_result {
	int present;			/* 1: record is the status */
	const uint8_t *record;		/* canonical JSON (section 3) */
	size_t record_len;
	uint64_t tree_size;		/* the checkpoint's */
	uint64_t time_ms;		/* the state-root entry's time */
	uint64_t nkeys;
	uint8_t map_root[HASH_LEN];
	uint8_t log_root[HASH_LEN];
	size_t cosigned;		/* policy witnesses that cosigned */
	uint8_t record_buf[STATUS_RECORD_MAX];
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
