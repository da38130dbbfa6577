/*
 * The entry envelope, version 1 (docs/entry-format.md has a worked
 * example and test vectors).
 *
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       8     index, big-endian u64 (position in the log, from 0)
 *   9       8     time, big-endian u64 milliseconds since the Unix epoch,
 *                 non-decreasing along the log
 *   17      2     type, big-endian u16 (0 = opaque; registry types in entry
 *                 payload docs)
 *   19      32    prev: RFC 6962 leaf hash of entry index-1 (zeros at 0)
 *   51      n     payload, n >= 0, total entry <= LEDGER_ENTRY_MAX
 *
 * The leaf hash of the whole envelope (RFC 6962, 0x00 prefix) is what the
 * Merkle tree and the next entry's prev commit to.
 */
#ifndef LIEN_TLOG_ENTRY_H
#define LIEN_TLOG_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"

#define ENTRY_VERSION 1u
#define ENTRY_HEADER_LEN 51u
#define ENTRY_PAYLOAD_MAX (LEDGER_ENTRY_MAX - ENTRY_HEADER_LEN)

#define ENTRY_TYPE_OPAQUE 0u
#define ENTRY_TYPE_DEMO 1u
/* First entry of a log that replaces a frozen one (docs/key-rotation.md):
 * the payload is the old log's final signed checkpoint note, byte for
 * byte, so auditors can chain the two logs. */
#define ENTRY_TYPE_PREV_LOG 2u
/* The last entry of every sequencer batch: the root of the lien-status
 * map after the batch (tlog/status.h, docs/lien-status.md). */
#define ENTRY_TYPE_STATE_ROOT 3u

struct entry {
	uint64_t index;
	uint64_t time_ms;
	uint16_t type;
	uint8_t prev[HASH_LEN];
	const uint8_t *payload;	/* borrowed from the decoded buffer */
	size_t payload_len;
};

/* Encode e into out (cap bytes); *out_len = ENTRY_HEADER_LEN + payload.
 * LIEN_ETOOBIG if the payload exceeds ENTRY_PAYLOAD_MAX or cap. */
enum lien_status entry_encode(const struct entry *e, uint8_t *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* Decode and check the envelope. out->payload borrows p. LIEN_EPARSE for a
 * short buffer, LIEN_EUNSUPPORTED for an unknown version, LIEN_ETOOBIG
 * above LEDGER_ENTRY_MAX. */
enum lien_status entry_decode(const uint8_t *p, size_t len, struct entry *out)
    LIEN_MUST_CHECK;

#endif
