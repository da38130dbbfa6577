/*
 * The stored form of a pack (ledger/pack.h): a complete bundle's private
 * records deflated as one stream.
 *
 * Why one stream per pack and not per record: a private record is ~290
 * bytes once packed (registry/jpack.h), and what it still repeats is not
 * in any fixed dictionary: the bank's party id and key id, the face
 * verifier's issuer and key, the record's shape for its kind, all the
 * same as in the bundle's other records. One stream over the bundle's 256
 * records finds them in its window (288 -> 220 bytes per record on the
 * growth benchmark's 10^5 store); a record alone does not.
 *
 * The cost is on the reads: pack_open inflates a whole pack (~75 KiB,
 * ~0.3 ms). A read view streams it instead (pack_stream_*: inflated only
 * up to the record read, then on), so one record read through a fresh
 * view (the evidence route) costs half a pack on average, and the audit,
 * which reads the records in index order, inflates each pack once. The private records hold keyed identifiers and no
 * personal data (docs/privacy.md table B), so zlib's buffers need no
 * wiping.
 *
 * Not here: the body's layout (ledger/log.c pack_scan reads it), which
 * table is squeezed (log.c state_pack: the private records; sealed boxes
 * are ciphertext).
 */
#include "ledger/pack.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/lien_limits.h"

enum lien_status
pack_buf_grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need <= *cap)
		return LIEN_OK;
	if ((p = realloc(*buf, need)) == NULL)
		return LIEN_ENOMEM;
	*buf = p;
	*cap = need;
	return LIEN_OK;
}

/* Inflate (z, zlen) into exactly n bytes at out: one zlib stream whose
 * Adler-32 matches, ending at the input's end. */
static enum lien_status LIEN_MUST_CHECK
inflate_exact(const uint8_t *z, size_t zlen, uint8_t *out, size_t n)
{
	z_stream s;
	int rc;
	enum lien_status st = LIEN_ECORRUPT;

	if (zlen > UINT_MAX || n > UINT_MAX)
		return LIEN_ECORRUPT;
	memset(&s, 0, sizeof s);
	if ((rc = inflateInit2(&s, 15)) != Z_OK)
		return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECRYPTO;
	s.next_in = (z_const Bytef *)z;
	s.avail_in = (uInt)zlen;
	s.next_out = out;
	s.avail_out = (uInt)n;
	rc = inflate(&s, Z_FINISH);
	/* More output than stated (Z_BUF_ERROR, avail_out 0), a stream cut
	 * short, bytes after its end or fewer bytes than stated: one
	 * refusal. */
	if (rc == Z_STREAM_END && s.avail_in == 0 && s.avail_out == 0)
		st = LIEN_OK;
	else if (rc == Z_MEM_ERROR)
		st = LIEN_ENOMEM;
	(void)inflateEnd(&s);
	return st;
}

/* Deflate (body, len) after the header at *buf; *zlen the stream's
 * length, 0 when it is not shorter than the body. */
static enum lien_status LIEN_MUST_CHECK
deflate_body(const uint8_t *body, size_t len, uint8_t **buf, size_t *cap,
    size_t *zlen)
{
	z_stream s;
	size_t bound;
	int rc;
	enum lien_status st = LIEN_ECRYPTO;

	*zlen = 0;
	memset(&s, 0, sizeof s);
	/* Level 6, a 32 KiB window: a pack is ~75 KiB and its records'
	 * repeats are up to a bundle apart (levels 1 and 9 gave 221 and
	 * 219.5 bytes per record against 6's 219.5, at 60% and 100% of its
	 * time, on the 10^5 store's packs). The zlib wrapper (RFC 1950)
	 * costs 6 bytes a pack for an Adler-32 of the body, so that a
	 * changed byte is refused here, not passed on as another body. */
	if ((rc = deflateInit2(&s, 6, Z_DEFLATED, 15, 8,
	    Z_DEFAULT_STRATEGY)) != Z_OK)
		return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECRYPTO;
	bound = (size_t)deflateBound(&s, (uLong)len);
	if ((st = pack_buf_grow(buf, cap, PACK_DEFLATE_HDR + bound)) != LIEN_OK)
		goto out;
	st = LIEN_ECRYPTO;
	s.next_in = (z_const Bytef *)body;
	s.avail_in = (uInt)len;
	s.next_out = *buf + PACK_DEFLATE_HDR;
	s.avail_out = (uInt)bound;
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		goto out;
	if ((size_t)s.total_out < len)
		*zlen = (size_t)s.total_out;
	st = LIEN_OK;
out:
	(void)deflateEnd(&s);
	return st;
}

enum lien_status
pack_store(const uint8_t *body, size_t len, int squeeze, uint8_t **buf,
    size_t *cap, size_t *out_len)
{
	size_t zlen = 0;
	enum lien_status st;

	*out_len = 0;
	if (squeeze && len > 0 && len <= LEDGER_PACK_MAX) {
		if ((st = deflate_body(body, len, buf, cap, &zlen)) != LIEN_OK)
			return st;
	}
	if (zlen > 0) {
		uint8_t *back = malloc(len);

		if (back == NULL)
			return LIEN_ENOMEM;
		/* kept only when it gives the body back */
		if (inflate_exact(*buf + PACK_DEFLATE_HDR, zlen, back, len) !=
		    LIEN_OK || memcmp(back, body, len) != 0)
			zlen = 0;
		free(back);
	}
	if (zlen > 0) {
		(*buf)[0] = PACK_DEFLATE;
		for (int i = 0; i < 4; i++)
			(*buf)[1 + i] = (uint8_t)(len >> (24 - 8 * i));
		*out_len = PACK_DEFLATE_HDR + zlen;
		return LIEN_OK;
	}
	if (len > SIZE_MAX - 1)
		return LIEN_ENOMEM;
	if ((st = pack_buf_grow(buf, cap, 1 + len)) != LIEN_OK)
		return st;
	(*buf)[0] = PACK_PLAIN;
	if (len > 0)
		memcpy(*buf + 1, body, len);
	*out_len = 1 + len;
	return LIEN_OK;
}

/* The header of a PACK_DEFLATE value (val, len), len > 0: its body
 * length *n, checked before it sizes *buf (grown to it). */
static enum lien_status LIEN_MUST_CHECK
deflated_head(const uint8_t *val, size_t len, uint8_t **buf, size_t *cap,
    size_t *n)
{
	*n = 0;
	if (val[0] != PACK_DEFLATE || len < PACK_DEFLATE_HDR)
		return LIEN_ECORRUPT;
	for (int i = 0; i < 4; i++)
		*n = *n << 8 | val[1 + i];
	if (*n == 0 || *n > LEDGER_PACK_MAX)
		return LIEN_ECORRUPT;
	return pack_buf_grow(buf, cap, *n);
}

enum lien_status
pack_open(const uint8_t *val, size_t len, uint8_t **buf, size_t *cap,
    const uint8_t **body, size_t *body_len)
{
	size_t n = 0;
	enum lien_status st;

	*body = NULL;
	*body_len = 0;
	if (len == 0)
		return LIEN_ECORRUPT;
	if (val[0] == PACK_PLAIN) {
		*body = val + 1;
		*body_len = len - 1;
		return LIEN_OK;
	}
	if ((st = deflated_head(val, len, buf, cap, &n)) != LIEN_OK)
		return st;
	if ((st = inflate_exact(val + PACK_DEFLATE_HDR, len - PACK_DEFLATE_HDR,
	    *buf, n)) != LIEN_OK)
		return st;
	*body = *buf;
	*body_len = n;
	return LIEN_OK;
}

/* Inflated ahead of a read, so that the next records in order take no
 * call of their own (the audit reads a pack's 256 in order). */
#define PACK_STREAM_AHEAD 4096u

struct pack_stream {
	z_stream s;
	int init, failed;
	size_t total;
};

enum lien_status
pack_stream_begin(struct pack_stream **zs, const uint8_t *val, size_t len,
    uint8_t **buf, size_t *cap, size_t *total)
{
	struct pack_stream *z = *zs;
	size_t n = 0;
	int rc;
	enum lien_status st;

	*total = 0;
	if (len == 0)
		return LIEN_ECORRUPT;
	if (val[0] == PACK_PLAIN)
		return LIEN_EINVAL;
	if ((st = deflated_head(val, len, buf, cap, &n)) != LIEN_OK)
		return st;
	if (len - PACK_DEFLATE_HDR > UINT_MAX)
		return LIEN_ECORRUPT;
	if (z == NULL) {
		if ((z = calloc(1, sizeof *z)) == NULL)
			return LIEN_ENOMEM;
		*zs = z;
	}
	if (!z->init) {
		if ((rc = inflateInit2(&z->s, 15)) != Z_OK)
			return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECRYPTO;
		z->init = 1;
	} else if (inflateReset(&z->s) != Z_OK)
		return LIEN_ECRYPTO;
	z->s.next_in = (z_const Bytef *)(val + PACK_DEFLATE_HDR);
	z->s.avail_in = (uInt)(len - PACK_DEFLATE_HDR);
	z->total = n;
	z->failed = 0;
	*total = n;
	return LIEN_OK;
}

enum lien_status
pack_stream_more(struct pack_stream *zs, uint8_t *buf, size_t need,
    size_t *have)
{
	size_t target, got;
	int rc, ok;

	if (zs == NULL || !zs->init)
		return LIEN_EINVAL;
	got = (size_t)zs->s.total_out;
	*have = got;
	if (zs->failed || need > zs->total) {
		zs->failed = 1;
		return LIEN_ECORRUPT;
	}
	if (got >= need)
		return LIEN_OK;
	target = zs->total - need > PACK_STREAM_AHEAD ?
	    need + PACK_STREAM_AHEAD : zs->total;
	zs->s.next_out = buf + got;
	zs->s.avail_out = (uInt)(target - got);
	rc = inflate(&zs->s, Z_NO_FLUSH);
	/* the body's end: the stream must end there (its Adler-32 read and
	 * checked with no room for more output) */
	if (rc == Z_OK && zs->s.avail_out == 0 && target == zs->total)
		rc = inflate(&zs->s, Z_NO_FLUSH);
	got = (size_t)zs->s.total_out;
	*have = got;
	if (rc == Z_STREAM_END)
		ok = got == zs->total && zs->s.avail_in == 0;
	else
		ok = rc == Z_OK && got == target && target < zs->total;
	if (!ok) {
		zs->failed = 1;
		return rc == Z_MEM_ERROR ? LIEN_ENOMEM : LIEN_ECORRUPT;
	}
	return LIEN_OK;
}

void
pack_stream_free(struct pack_stream *zs)
{
	if (zs == NULL)
		return;
	if (zs->init)
		(void)inflateEnd(&zs->s);
	free(zs);
}
