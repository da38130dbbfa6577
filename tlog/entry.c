/*
 * The entry envelope, version 1: a fixed 51-byte header (version, index,
 * time, type, prev) followed by the payload. Layout and rationale in
 * tlog/entry.h and docs/entry-format.md.
 *
 * Decoding is strict and zero-copy: the payload borrows the input. Checks
 * are only those that the envelope alone can decide: version, length
 * limits, and that entry 0 has an all-zero prev (there is no entry -1 to
 * chain to, so any other value would be a second encoding of "nothing").
 * Whether prev matches the previous entry's leaf hash, and whether time is
 * non-decreasing, needs the log and is checked by its readers.
 */
#include "tlog/entry.h"

#include <string.h>

#include "common/rd.h"

static int
is_zero_hash(const uint8_t h[HASH_LEN])
{
	uint8_t acc = 0;

	for (unsigned i = 0; i < HASH_LEN; i++)
		acc |= h[i];
	return acc == 0;
}

enum lien_status
entry_encode(const struct entry *e, uint8_t *out, size_t cap,
    size_t *out_len)
{
	size_t total;

	if (out_len == NULL)
		return LIEN_EINVAL;
	*out_len = 0;
	if (e == NULL || (out == NULL && cap > 0) ||
	    (e->payload == NULL && e->payload_len > 0))
		return LIEN_EINVAL;
	if (e->index == 0 && !is_zero_hash(e->prev))
		return LIEN_EINVAL;
	if (e->payload_len > ENTRY_PAYLOAD_MAX)
		return LIEN_ETOOBIG;
	total = ENTRY_HEADER_LEN + e->payload_len;	/* <= LEDGER_ENTRY_MAX */
	if (total > cap)
		return LIEN_ETOOBIG;

	out[0] = (uint8_t)ENTRY_VERSION;
	be64_put(out + 1, e->index);
	be64_put(out + 9, e->time_ms);
	out[17] = (uint8_t)(e->type >> 8);
	out[18] = (uint8_t)e->type;
	memcpy(out + 19, e->prev, HASH_LEN);
	if (e->payload_len > 0)
		memmove(out + ENTRY_HEADER_LEN, e->payload, e->payload_len);
	*out_len = total;
	return LIEN_OK;
}

enum lien_status
entry_decode(const uint8_t *p, size_t len, struct entry *out)
{
	const uint8_t *prev;
	struct rd r;
	uint8_t version;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (len > LEDGER_ENTRY_MAX)
		return LIEN_ETOOBIG;
	if (len == 0)
		return LIEN_EPARSE;	/* also keeps NULL + 0 out of rd_init */
	if (p == NULL)
		return LIEN_EINVAL;
	rd_init(&r, p, len);
	if (rd_u8(&r, &version) != LIEN_OK)
		return LIEN_EPARSE;
	/* Version first: a later version may have a different header size,
	 * so "too short for v1" is not the right verdict for it. */
	if (version != ENTRY_VERSION)
		return LIEN_EUNSUPPORTED;
	if (rd_u64be(&r, &out->index) != LIEN_OK ||
	    rd_u64be(&r, &out->time_ms) != LIEN_OK ||
	    rd_u16be(&r, &out->type) != LIEN_OK ||
	    rd_take(&r, HASH_LEN, &prev) != LIEN_OK)
		goto bad;
	if (out->index == 0 && !is_zero_hash(prev))
		goto bad;
	memcpy(out->prev, prev, HASH_LEN);
	out->payload_len = rd_left(&r);
	/* The payload is the rest; nothing can trail it. */
	if (rd_take(&r, out->payload_len, &out->payload) != LIEN_OK)
		goto bad;
	return LIEN_OK;
bad:
	memset(out, 0, sizeof *out);
	return LIEN_EPARSE;
}
