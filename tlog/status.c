/*
 * State-root payloads and status proof bundles (tlog/status.h,
 * docs/lien-status.md).
 *
 * The verifier checks everything that can be checked from the bundle and
 * the caller's trust policy, in the order of the chain it rests on:
 * checkpoint (signature, origin, witnesses) -> state-root entry (type,
 * position as the last leaf, inclusion) -> map proof (to the entry's map
 * root) -> record (to the proven value). Only then freshness, so a forged
 * bundle is reported as a forgery, not as "too old". Each refusal names
 * its link (enum status_fault) in one line that never echoes bundle bytes.
 *
 * Not here: what a status record means (registry/status.c parses it), and
 * fetching (tools/cli_status.c).
 */
#include "tlog/status.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rd.h"
#include "tlog/merkle.h"

_Static_assert(STATUS_PROOF_MAGIC_LEN + 1u + STATUS_ID_MAX + 2u +
    STATUS_RECORD_MAX + 2u + MAP_PROOF_MAX + 2u +
    STATUS_ENTRY_MAX + 1u + MERKLE_PROOF_MAX * HASH_LEN + NOTE_MAX <=
    STATUS_PROOF_MAX, "STATUS_PROOF_MAX holds the largest bundle");

static void
be64_out(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

enum lien_status
status_root_encode(const struct status_root *r, uint8_t *out, size_t cap)
{
	if (cap < STATUS_ROOT_PAYLOAD_LEN)
		return LIEN_ETOOBIG;
	out[0] = STATUS_ROOT_VERSION;
	memcpy(out + 1, r->root, HASH_LEN);
	be64_out(out + 1 + HASH_LEN, r->nkeys);
	be64_out(out + 1 + HASH_LEN + 8, r->tree_size);
	return LIEN_OK;
}

enum lien_status
status_root_decode(const uint8_t *p, size_t len, struct status_root *out)
{
	struct rd r;
	const uint8_t *h;
	uint8_t v;

	memset(out, 0, sizeof *out);
	rd_init(&r, p, len);
	if (rd_u8(&r, &v) != LIEN_OK)
		return LIEN_EPARSE;
	if (v != STATUS_ROOT_VERSION)
		return LIEN_EUNSUPPORTED;
	if (len != STATUS_ROOT_PAYLOAD_LEN ||
	    rd_take(&r, HASH_LEN, &h) != LIEN_OK ||
	    rd_u64be(&r, &out->nkeys) != LIEN_OK ||
	    rd_u64be(&r, &out->tree_size) != LIEN_OK || out->tree_size == 0) {
		memset(out, 0, sizeof *out);
		return LIEN_EPARSE;
	}
	memcpy(out->root, h, HASH_LEN);
	return LIEN_OK;
}

enum lien_status
status_key(const uint8_t *id, size_t id_len, uint8_t out[MAP_KEY_LEN])
{
	/* sizeof counts the label's NUL: it is hashed, as the separator */
	struct hash_part parts[2] = {
		{ STATUS_LABEL_KEY, sizeof STATUS_LABEL_KEY }, { id, id_len }
	};

	if (id == NULL || id_len == 0 || id_len > STATUS_ID_MAX) {
		memset(out, 0, MAP_KEY_LEN);
		return LIEN_EINVAL;
	}
	hash_sha256_parts(parts, 2, out);
	return LIEN_OK;
}

void
status_value(const uint8_t *record, size_t record_len,
    uint8_t out[MAP_VALUE_LEN])
{
	struct hash_part parts[2] = {
		{ STATUS_LABEL_VALUE, sizeof STATUS_LABEL_VALUE },
		{ record, record_len }
	};

	hash_sha256_parts(parts, 2, out);
}

void
status_fuller_fold(const uint8_t prev[HASH_LEN],
    const uint8_t commitment[HASH_LEN], uint8_t out[HASH_LEN])
{
	uint8_t p[HASH_LEN];
	struct hash_part parts[3] = {
		{ STATUS_LABEL_FULLER, sizeof STATUS_LABEL_FULLER },
		{ p, HASH_LEN }, { commitment, HASH_LEN }
	};

	memcpy(p, prev, HASH_LEN);
	hash_sha256_parts(parts, 3, out);
}

/* ---- Bundle codec -------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
rd_len16(struct rd *r, size_t max, const uint8_t **out, size_t *out_len)
{
	uint16_t n;

	if (rd_u16be(r, &n) != LIEN_OK || n > max ||
	    rd_take(r, n, out) != LIEN_OK)
		return LIEN_EPARSE;
	*out_len = n;
	return LIEN_OK;
}

enum lien_status
status_proof_decode(const uint8_t *p, size_t len, struct status_proof *out)
{
	struct map_proof *mp = NULL;
	const uint8_t *m, *h;
	uint8_t idl, ninc;
	struct rd r;
	enum lien_status st = LIEN_EPARSE;

	memset(out, 0, sizeof *out);
	if (len > STATUS_PROOF_MAX)
		return LIEN_ETOOBIG;
	rd_init(&r, p, len);
	if (rd_take(&r, STATUS_PROOF_MAGIC_LEN, &m) != LIEN_OK ||
	    memcmp(m, STATUS_PROOF_MAGIC, STATUS_PROOF_MAGIC_LEN) != 0 ||
	    rd_u8(&r, &idl) != LIEN_OK || idl == 0 || idl > STATUS_ID_MAX ||
	    rd_take(&r, idl, &out->id) != LIEN_OK ||
	    rd_len16(&r, STATUS_RECORD_MAX, &out->record,
	    &out->record_len) != LIEN_OK)
		goto fail;
	out->id_len = idl;
	if (out->record_len == 0)
		out->record = NULL;
	if (rd_len16(&r, MAP_PROOF_MAX, &out->map, &out->map_len) != LIEN_OK ||
	    rd_len16(&r, STATUS_ENTRY_MAX, &out->entry, &out->entry_len) !=
	    LIEN_OK || rd_u8(&r, &ninc) != LIEN_OK || ninc > MERKLE_PROOF_MAX)
		goto fail;
	for (size_t i = 0; i < ninc; i++) {
		if (rd_take(&r, HASH_LEN, &h) != LIEN_OK)
			goto fail;
		memcpy(out->incl[i], h, HASH_LEN);
	}
	out->nincl = ninc;
	out->checkpoint = r.p;
	out->checkpoint_len = rd_left(&r);
	if (out->checkpoint_len == 0 || out->checkpoint_len > NOTE_MAX)
		goto fail;
	/* The map proof must decode, and say "present" exactly when a
	 * record is there. */
	if ((mp = malloc(sizeof *mp)) == NULL) {
		st = LIEN_ENOMEM;
		goto fail;
	}
	if (map_proof_decode(out->map, out->map_len, mp) != LIEN_OK ||
	    (mp->kind == MAP_PROOF_PRESENT) != (out->record_len > 0))
		goto fail;
	free(mp);
	return LIEN_OK;
fail:
	free(mp);
	memset(out, 0, sizeof *out);
	return st;
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

enum lien_status
status_proof_encode(const struct status_proof *b, uint8_t *out, size_t cap,
    size_t *out_len)
{
	size_t need, o = 0;

	*out_len = 0;
	if (b->id_len == 0 || b->id_len > STATUS_ID_MAX ||
	    b->record_len > STATUS_RECORD_MAX || b->map_len > MAP_PROOF_MAX ||
	    b->entry_len > STATUS_ENTRY_MAX || b->nincl > MERKLE_PROOF_MAX ||
	    b->checkpoint_len == 0 || b->checkpoint_len > NOTE_MAX)
		return LIEN_EINVAL;
	need = STATUS_PROOF_MAGIC_LEN + 1 + b->id_len + 2 + b->record_len +
	    2 + b->map_len + 2 + b->entry_len + 1 + b->nincl * HASH_LEN +
	    b->checkpoint_len;
	if (need > cap || need > STATUS_PROOF_MAX)
		return LIEN_ETOOBIG;
	memcpy(out, STATUS_PROOF_MAGIC, STATUS_PROOF_MAGIC_LEN);
	o = STATUS_PROOF_MAGIC_LEN;
	out[o++] = (uint8_t)b->id_len;
	memcpy(out + o, b->id, b->id_len);
	o += b->id_len;
	put16(out + o, b->record_len);
	o += 2;
	if (b->record_len > 0) {
		memcpy(out + o, b->record, b->record_len);
		o += b->record_len;
	}
	put16(out + o, b->map_len);
	memcpy(out + o + 2, b->map, b->map_len);
	o += 2 + b->map_len;
	put16(out + o, b->entry_len);
	memcpy(out + o + 2, b->entry, b->entry_len);
	o += 2 + b->entry_len;
	out[o++] = (uint8_t)b->nincl;
	for (size_t i = 0; i < b->nincl; i++, o += HASH_LEN)
		memcpy(out + o, b->incl[i], HASH_LEN);
	memcpy(out + o, b->checkpoint, b->checkpoint_len);
	o += b->checkpoint_len;
	*out_len = o;
	return LIEN_OK;
}

/* ---- Verification --------------------------------------------------------- */

const char *
status_fault_name(enum status_fault f)
{
	switch (f) {
	case STATUS_FAULT_NONE: return "none";
	case STATUS_FAULT_MALFORMED: return "malformed";
	case STATUS_FAULT_WRONG_ID: return "wrong_vehicle";
	case STATUS_FAULT_CHECKPOINT: return "bad_checkpoint";
	case STATUS_FAULT_QUORUM: return "witness_quorum";
	case STATUS_FAULT_NOT_STATE_ROOT: return "not_state_root";
	case STATUS_FAULT_NOT_LAST: return "not_last_leaf";
	case STATUS_FAULT_INCLUSION: return "inclusion";
	case STATUS_FAULT_MAP: return "map_proof";
	case STATUS_FAULT_RECORD: return "record_mismatch";
	case STATUS_FAULT_STALE: return "stale";
	case STATUS_FAULT_FORK: return "fork";
	case STATUS_FAULT_TOO_OLD: return "too_old";
	case STATUS_FAULT_NEWER: return "bad_trusted_checkpoint";
	}
	return "unknown";
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static enum lien_status LIEN_MUST_CHECK
refuse(struct status_report *r, enum status_fault f, const char *fmt, ...)
{
	va_list ap;

	if (r != NULL) {
		r->fault = f;
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof r->why, fmt, ap);
		va_end(ap);
	}
	return LIEN_EVERIFY;
}

static enum status_fault
cp_fault(enum tlog_fault f)
{
	switch (f) {
	case TLOG_FAULT_QUORUM:
		return STATUS_FAULT_QUORUM;
	case TLOG_FAULT_MALFORMED:
		return STATUS_FAULT_MALFORMED;
	default:
		return STATUS_FAULT_CHECKPOINT;
	}
}

/* The links after decoding: checkpoint, entry, inclusion, map, record. */
static enum lien_status LIEN_MUST_CHECK
verify_chain(const struct status_proof *b, const struct status_check *c,
    struct map_proof *mp, struct status_result *out, struct status_report *r)
{
	struct checkpoint cp;
	struct tlog_report tr;
	struct entry e;
	struct status_root sr;
	uint8_t key[MAP_KEY_LEN], leaf[HASH_LEN], value[MAP_VALUE_LEN];
	int present;
	enum lien_status st;

	if (b->id_len != c->id_len || memcmp(b->id, c->id, c->id_len) != 0)
		return refuse(r, STATUS_FAULT_WRONG_ID, "the proof is for "
		    "another vehicle");
	st = tlog_checkpoint_verify(c->policy, b->checkpoint,
	    b->checkpoint_len, &cp, &out->cosigned, &tr);
	if (st == LIEN_EINVAL || st == LIEN_ENOMEM)
		return st;
	if (st != LIEN_OK)
		return refuse(r, cp_fault(tr.fault), "checkpoint: %s", tr.why);
	if (entry_decode(b->entry, b->entry_len, &e) != LIEN_OK)
		return refuse(r, STATUS_FAULT_MALFORMED, "the state-root entry "
		    "is not a valid entry envelope");
	if (e.type != ENTRY_TYPE_STATE_ROOT)
		return refuse(r, STATUS_FAULT_NOT_STATE_ROOT, "entry %" PRIu64
		    " has type %u, not a state root (3)", e.index,
		    (unsigned)e.type);
	if (status_root_decode(e.payload, e.payload_len, &sr) != LIEN_OK)
		return refuse(r, STATUS_FAULT_MALFORMED, "the state-root "
		    "entry's payload is malformed or of an unknown version");
	if (e.index + 1 != cp.size || sr.tree_size != cp.size)
		return refuse(r, STATUS_FAULT_NOT_LAST, "the state-root entry "
		    "(index %" PRIu64 ", for tree size %" PRIu64 ") is not the "
		    "last leaf of the checkpoint's tree of size %" PRIu64,
		    e.index, sr.tree_size, cp.size);
	hash_leaf(b->entry, b->entry_len, leaf);
	if (merkle_verify_inclusion(leaf, e.index, cp.size,
	    (const uint8_t (*)[HASH_LEN])b->incl, b->nincl, cp.root) !=
	    LIEN_OK)
		return refuse(r, STATUS_FAULT_INCLUSION, "the inclusion proof "
		    "of the state-root entry does not lead to the checkpoint "
		    "root");
	if ((st = status_key(c->id, c->id_len, key)) != LIEN_OK)
		return st;
	if (map_proof_decode(b->map, b->map_len, mp) != LIEN_OK)
		return refuse(r, STATUS_FAULT_MALFORMED, "map proof malformed");
	if (map_proof_verify(mp, sr.root, key, &present) != LIEN_OK)
		return refuse(r, STATUS_FAULT_MAP, "the map proof does not lead "
		    "to the state root (depth %u)", mp->depth);
	if (present) {
		status_value(b->record, b->record_len, value);
		if (!hash_equal(value, mp->value))
			return refuse(r, STATUS_FAULT_RECORD, "the status record "
			    "does not hash to the map leaf's value");
	}
	out->present = present;
	out->record = present ? b->record : NULL;
	out->record_len = present ? b->record_len : 0;
	out->tree_size = cp.size;
	out->time_ms = e.time_ms;
	out->nkeys = sr.nkeys;
	memcpy(out->map_root, sr.root, HASH_LEN);
	memcpy(out->log_root, cp.root, HASH_LEN);
	return LIEN_OK;
}

/* Freshness: a trusted newer checkpoint, and the age. */
static enum lien_status LIEN_MUST_CHECK
verify_fresh(const struct status_check *c, const struct status_result *res,
    struct status_report *r)
{
	if (c->newer != NULL) {
		struct checkpoint n;
		struct tlog_report tr;
		enum lien_status st = tlog_checkpoint_verify(c->policy,
		    c->newer, c->newer_len, &n, NULL, &tr);

		if (st == LIEN_EINVAL || st == LIEN_ENOMEM)
			return st;
		if (st != LIEN_OK)
			return refuse(r, STATUS_FAULT_NEWER, "the trusted "
			    "checkpoint does not verify: %s", tr.why);
		if (n.size > res->tree_size)
			return refuse(r, STATUS_FAULT_STALE, "the proof shows "
			    "the state at tree size %" PRIu64 ", but the log "
			    "has a newer checkpoint (size %" PRIu64 "): it "
			    "proves the past, not the present; fetch a fresh "
			    "proof", res->tree_size, n.size);
		if (n.size == res->tree_size &&
		    !hash_equal(n.root, res->log_root))
			return refuse(r, STATUS_FAULT_FORK, "two checkpoints of "
			    "size %" PRIu64 " with different roots: the log "
			    "has forked", n.size);
	}
	if (c->max_age_ms > 0 && c->now_ms > res->time_ms &&
	    c->now_ms - res->time_ms > c->max_age_ms)
		return refuse(r, STATUS_FAULT_TOO_OLD, "the proof is %" PRIu64
		    " s old, more than the %" PRIu64 " s accepted",
		    (c->now_ms - res->time_ms) / 1000u, c->max_age_ms / 1000u);
	return LIEN_OK;
}

enum lien_status
status_proof_verify(const uint8_t *p, size_t len,
    const struct status_check *c, struct status_result *out,
    struct status_report *r)
{
	struct status_proof *b = NULL;
	struct map_proof *mp = NULL;
	enum lien_status st;

	memset(out, 0, sizeof *out);
	if (r != NULL) {
		r->fault = STATUS_FAULT_NONE;
		r->why[0] = '\0';
	}
	if (c == NULL || c->policy == NULL || c->id == NULL ||
	    c->id_len == 0 || c->id_len > STATUS_ID_MAX ||
	    (c->newer == NULL && c->newer_len != 0))
		return LIEN_EINVAL;
	b = malloc(sizeof *b);
	mp = malloc(sizeof *mp);
	if (b == NULL || mp == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	st = status_proof_decode(p, len, b);
	if (st == LIEN_ENOMEM)
		goto out;
	if (st != LIEN_OK) {
		st = refuse(r, STATUS_FAULT_MALFORMED, st == LIEN_ETOOBIG ?
		    "the proof is larger than %u bytes" : "the proof is not a "
		    "well-formed status proof bundle (version 1)",
		    STATUS_PROOF_MAX);
		goto out;
	}
	if ((st = verify_chain(b, c, mp, out, r)) != LIEN_OK ||
	    (st = verify_fresh(c, out, r)) != LIEN_OK)
		goto out;
out:
	if (st != LIEN_OK)
		memset(out, 0, sizeof *out);
	free(b);
	free(mp);
	return st;
}
