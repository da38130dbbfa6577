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
 * The bundle is the compact form (version 2): the record in binary,
 * rendered back to the canonical JSON its map value hashes, and the
 * checkpoint as its body, the log's bare signature and bare cosignatures;
 * the verifier rebuilds the signed note from its own keys
 * (status_proof_note) and checks it with tlog_checkpoint_verify, so the
 * checkpoint rules are the very ones of every other checkpoint.
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

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/cosig.h"
#include "crypto/note.h"
#include "tlog/merkle.h"

_Static_assert(STATUS_PROOF_MAGIC_LEN + 1u + STATUS_ID_MAX + 2u +
    STATUS_RECORD_MAX + 2u + MAP_PROOF_MAX + 2u +
    STATUS_ENTRY_MAX + 1u + MERKLE_PROOF_MAX * HASH_LEN + 2u +
    NOTE_TEXT_MAX + STATUS_LOG_SIG_LEN + 1u +
    STATUS_COSIG_MAX * STATUS_COSIG_LEN <= STATUS_PROOF_MAX,
    "STATUS_PROOF_MAX holds the largest bundle");
_Static_assert(STATUS_COSIG_LEN == COSIG_RAW_LEN, "C2SP cosignature size");

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

/* ---- Binary status record (section 7.1) ----------------------------------- */

/*
 * The binary record is section 3's JSON with the names, the quotes, the
 * decimal digits and the ranks (always 1, 2, ...) taken out:
 *
 *   fuller (32) | recorded_index u64 | recorded_ms u64 |
 *   nliens u8 | nliens x (app u64 | registered_index u64 | registered_ms u64)
 *   nreleased u8 | nreleased x (app | registered_index | registered_ms |
 *                               released_index | released_ms, u64 each)
 *   nrestrictions u8 | nrestrictions x (kind u8 | index u64 | since_ms u64)
 *
 * Rendering is the one direction that matters to a verifier (the value
 * hashes the JSON). Packing is a strict scanner of the exact canonical
 * text, checked by rendering the result and comparing bytes, so a record
 * packs only if it renders back to itself.
 */

static const char *const kind_names[STATUS_RESTRICTIONS_MAX] = {
	"seized", "detained", "stolen", "scrapped", "customs"
};

struct wr {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void
wr_put(struct wr *w, const void *d, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
wr_str(struct wr *w, const char *s)
{
	wr_put(w, s, strlen(s));
}

static void
wr_dec(struct wr *w, uint64_t v)
{
	char d[21];
	size_t i = sizeof d;

	do {
		d[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	wr_put(w, d + i, sizeof d - i);
}

static void
wr_hex(struct wr *w, const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char c[2] = { hx[b[i] >> 4], hx[b[i] & 15] };

		wr_put(w, c, 2);
	}
}

static void
wr_app(struct wr *w, uint64_t app)
{
	uint8_t b[8];

	be64_out(b, app);
	wr_str(w, "\"app\":\"A");
	wr_hex(w, b, 8);
	wr_str(w, "\"");
}

enum lien_status
status_record_render(const uint8_t *bin, size_t bin_len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	struct rd r;
	struct wr w = { out, 0, cap, 0 };
	const uint8_t *fuller;
	uint64_t v[5];
	uint8_t n, nl, nr, k;

	*out_len = 0;
	rd_init(&r, bin, bin_len);
	if (rd_take(&r, HASH_LEN, &fuller) != LIEN_OK ||
	    rd_u64be(&r, &v[0]) != LIEN_OK || rd_u64be(&r, &v[1]) != LIEN_OK ||
	    rd_u8(&r, &nl) != LIEN_OK)
		return LIEN_EPARSE;
	wr_str(&w, "{\"fuller\":\"");
	wr_hex(&w, fuller, HASH_LEN);
	wr_str(&w, "\",\"liens\":[");
	if (nl > STATUS_MORTGAGES_MAX)
		return LIEN_EPARSE;
	for (unsigned i = 0; i < nl; i++) {
		if (rd_u64be(&r, &v[2]) != LIEN_OK ||
		    rd_u64be(&r, &v[3]) != LIEN_OK ||
		    rd_u64be(&r, &v[4]) != LIEN_OK)
			return LIEN_EPARSE;
		wr_str(&w, i > 0 ? ",{" : "{");
		wr_app(&w, v[2]);
		wr_str(&w, ",\"rank\":");
		wr_dec(&w, i + 1u);
		wr_str(&w, ",\"registered_index\":");
		wr_dec(&w, v[3]);
		wr_str(&w, ",\"registered_ms\":");
		wr_dec(&w, v[4]);
		wr_str(&w, "}");
	}
	wr_str(&w, "],\"recorded_index\":");
	wr_dec(&w, v[0]);
	wr_str(&w, ",\"recorded_ms\":");
	wr_dec(&w, v[1]);
	wr_str(&w, ",\"released\":[");
	if (rd_u8(&r, &nr) != LIEN_OK || nr > STATUS_MORTGAGES_MAX - nl)
		return LIEN_EPARSE;
	for (unsigned i = 0; i < nr; i++) {
		for (unsigned j = 0; j < 5; j++)
			if (rd_u64be(&r, &v[j]) != LIEN_OK)
				return LIEN_EPARSE;
		wr_str(&w, i > 0 ? ",{" : "{");
		wr_app(&w, v[0]);
		wr_str(&w, ",\"registered_index\":");
		wr_dec(&w, v[1]);
		wr_str(&w, ",\"registered_ms\":");
		wr_dec(&w, v[2]);
		wr_str(&w, ",\"released_index\":");
		wr_dec(&w, v[3]);
		wr_str(&w, ",\"released_ms\":");
		wr_dec(&w, v[4]);
		wr_str(&w, "}");
	}
	wr_str(&w, "],\"restrictions\":[");
	if (rd_u8(&r, &n) != LIEN_OK || n > STATUS_RESTRICTIONS_MAX)
		return LIEN_EPARSE;
	for (unsigned i = 0; i < n; i++) {
		if (rd_u8(&r, &k) != LIEN_OK || k == 0 ||
		    k > STATUS_RESTRICTIONS_MAX ||
		    rd_u64be(&r, &v[0]) != LIEN_OK ||
		    rd_u64be(&r, &v[1]) != LIEN_OK)
			return LIEN_EPARSE;
		wr_str(&w, i > 0 ? ",{\"index\":" : "{\"index\":");
		wr_dec(&w, v[0]);
		wr_str(&w, ",\"kind\":\"");
		wr_str(&w, kind_names[k - 1]);
		wr_str(&w, "\",\"since_ms\":");
		wr_dec(&w, v[1]);
		wr_str(&w, "}");
	}
	wr_str(&w, "]}");
	if (rd_left(&r) != 0)
		return LIEN_EPARSE;
	if (w.err)
		return LIEN_ETOOBIG;
	*out_len = w.len;
	return LIEN_OK;
}

/* The packing scanner: literal text, decimal u64s, hex. */
struct sc {
	const uint8_t *p, *end;
	int err;
};

static void
sc_lit(struct sc *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->err || n > (size_t)(s->end - s->p) || memcmp(s->p, lit, n) != 0)
		s->err = 1;
	else
		s->p += n;
}

static int
sc_peek(const struct sc *s, char c)
{
	return !s->err && s->p < s->end && *s->p == (uint8_t)c;
}

static uint64_t
sc_dec(struct sc *s)
{
	uint64_t v = 0;
	size_t n = 0;

	while (!s->err && s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		unsigned d = (unsigned)(*s->p - '0');

		if (v > (UINT64_MAX - d) / 10u)
			s->err = 1;
		v = v * 10u + d;
		s->p++;
		n++;
	}
	if (n == 0)
		s->err = 1;
	return v;	/* leading zeros are caught by the render check */
}

static void
sc_hex(struct sc *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n * 2; i++) {
		unsigned c, d;

		if (s->err || s->p >= s->end) {
			s->err = 1;
			return;
		}
		c = *s->p++;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10u;
		else {
			s->err = 1;
			return;
		}
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(d << 4);
		else
			out[i / 2] |= (uint8_t)d;
	}
}

static void
put_u64(struct wr *w, uint64_t v)
{
	uint8_t b[8];

	be64_out(b, v);
	wr_put(w, b, 8);
}

static void
pack_app(struct sc *s, struct wr *w)
{
	uint8_t b[8];

	sc_lit(s, "\"app\":\"A");
	sc_hex(s, b, 8);
	sc_lit(s, "\"");
	wr_put(w, b, 8);
}

enum lien_status
status_record_pack(const uint8_t *json, size_t json_len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	struct sc s = { json, json + json_len, 0 };
	struct wr w = { out, 0, cap, 0 };
	uint8_t fuller[HASH_LEN], check[STATUS_RECORD_MAX];
	uint8_t nl = 0, nr = 0, nx = 0;
	size_t at, check_len;
	uint64_t ri, rms;

	*out_len = 0;
	if (json == NULL || json_len == 0 || json_len > STATUS_RECORD_MAX)
		return LIEN_EPARSE;
	sc_lit(&s, "{\"fuller\":\"");
	sc_hex(&s, fuller, HASH_LEN);
	sc_lit(&s, "\",\"liens\":[");
	wr_put(&w, fuller, HASH_LEN);
	wr_put(&w, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 17);	/* filled below */
	while (!s.err && !sc_peek(&s, ']')) {
		if (nl > 0)
			sc_lit(&s, ",");
		sc_lit(&s, "{");
		pack_app(&s, &w);
		sc_lit(&s, ",\"rank\":");
		if (sc_dec(&s) != (uint64_t)nl + 1u)
			s.err = 1;
		sc_lit(&s, ",\"registered_index\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, ",\"registered_ms\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, "}");
		if (++nl > STATUS_MORTGAGES_MAX)
			s.err = 1;
	}
	sc_lit(&s, "],\"recorded_index\":");
	ri = sc_dec(&s);
	sc_lit(&s, ",\"recorded_ms\":");
	rms = sc_dec(&s);
	sc_lit(&s, ",\"released\":[");
	if (!w.err) {
		be64_out(w.p + HASH_LEN, ri);
		be64_out(w.p + HASH_LEN + 8, rms);
		w.p[HASH_LEN + 16] = nl;
	}
	at = w.len;
	wr_put(&w, "", 1);		/* nreleased, filled below */
	while (!s.err && !sc_peek(&s, ']')) {
		if (nr > 0)
			sc_lit(&s, ",");
		sc_lit(&s, "{");
		pack_app(&s, &w);
		sc_lit(&s, ",\"registered_index\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, ",\"registered_ms\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, ",\"released_index\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, ",\"released_ms\":");
		put_u64(&w, sc_dec(&s));
		sc_lit(&s, "}");
		if (++nr > STATUS_MORTGAGES_MAX - nl)
			s.err = 1;
	}
	if (!w.err)
		w.p[at] = nr;
	sc_lit(&s, "],\"restrictions\":[");
	at = w.len;
	wr_put(&w, "", 1);		/* nrestrictions */
	while (!s.err && !sc_peek(&s, ']')) {
		uint64_t idx, since;
		uint8_t k = 0;

		if (nx > 0)
			sc_lit(&s, ",");
		sc_lit(&s, "{\"index\":");
		idx = sc_dec(&s);
		sc_lit(&s, ",\"kind\":\"");
		for (uint8_t i = 0; i < STATUS_RESTRICTIONS_MAX && !s.err; i++) {
			size_t n = strlen(kind_names[i]);

			if (n < (size_t)(s.end - s.p) &&
			    memcmp(s.p, kind_names[i], n) == 0 && s.p[n] == '"') {
				k = (uint8_t)(i + 1u);
				s.p += n;
				break;
			}
		}
		if (k == 0)
			s.err = 1;
		sc_lit(&s, "\",\"since_ms\":");
		since = sc_dec(&s);
		sc_lit(&s, "}");
		wr_put(&w, &k, 1);
		put_u64(&w, idx);
		put_u64(&w, since);
		if (++nx > STATUS_RESTRICTIONS_MAX)
			s.err = 1;
	}
	if (!w.err)
		w.p[at] = nx;
	sc_lit(&s, "]}");
	if (s.err || s.p != s.end)
		return LIEN_EPARSE;
	if (w.err)
		return LIEN_ETOOBIG;
	/* Exactly one spelling: the binary form must render the input. */
	if (status_record_render(out, w.len, check, sizeof check,
	    &check_len) != LIEN_OK || check_len != json_len ||
	    memcmp(check, json, json_len) != 0)
		return LIEN_EPARSE;
	*out_len = w.len;
	return LIEN_OK;
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

static int
cosig_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STATUS_COSIG_LEN);
}

/* Whether b already carries a cosignature of raw's key id. */
static int
cosig_key_kept(const struct status_proof *b, const uint8_t *raw)
{
	for (size_t i = 0; i < b->ncosig; i++)
		if (memcmp(b->cosig[i], raw, 4) == 0)
			return 1;
	return 0;
}

/* The note is read line by line (note_split, note_lines_next) rather
 * than with note_parse: the log's note holds one line per witness that
 * cosigned, and nothing caps how many witnesses a log has at
 * NOTE_SIGS_MAX or at STATUS_COSIG_MAX. The bundle keeps, in the note's
 * order (the order the log stored the cosignatures: the witnesses that
 * answered first come first), the first line of each key id, up to
 * STATUS_COSIG_MAX key ids. One valid cosignature is all a verifier
 * counts of a witness, so a second one of the same key (a later
 * timestamp) adds nothing. docs/lien-status.md section 7. */
enum lien_status
status_proof_set_checkpoint(struct status_proof *b, const uint8_t *note,
    size_t len)
{
	struct note_lines lines;
	struct note_sig g;
	const uint8_t *text, *nl;
	size_t text_len, olen;
	int have_log = 0;

	b->body = NULL;
	b->body_len = 0;
	b->ncosig = 0;
	if (note_split(note, len, &text, &text_len, &lines) != LIEN_OK ||
	    (nl = memchr(text, '\n', text_len)) == NULL)
		return LIEN_EPARSE;
	olen = (size_t)(nl - text);
	while (lines.len > 0) {
		if (note_lines_next(&lines, &g) != LIEN_OK) {
			b->ncosig = 0;
			return LIEN_EPARSE;
		}
		if (g.raw_len == 4 + STATUS_LOG_SIG_LEN && !have_log &&
		    g.name_len == olen && memcmp(g.name, text, olen) == 0) {
			memcpy(b->log_sig, g.raw + 4, STATUS_LOG_SIG_LEN);
			have_log = 1;
		} else if (g.raw_len == STATUS_COSIG_LEN &&
		    b->ncosig < STATUS_COSIG_MAX && !cosig_key_kept(b, g.raw)) {
			memcpy(b->cosig[b->ncosig++], g.raw, STATUS_COSIG_LEN);
		}
	}
	if (!have_log) {
		b->ncosig = 0;
		return LIEN_EPARSE;
	}
	/* Distinct key ids make the sorted list strictly increasing. */
	qsort(b->cosig, b->ncosig, STATUS_COSIG_LEN, cosig_cmp);
	b->body = text;
	b->body_len = text_len;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
note_line(struct wr *w, const char *name, size_t name_len,
    const uint8_t *raw, size_t raw_len)
{
	char b64[B64_ENCODED_LEN(4 + 8 + 64) + 1];

	if (b64_encode(raw, raw_len, b64, sizeof b64) != LIEN_OK)
		return LIEN_EINVAL;
	wr_str(w, "\xe2\x80\x94 ");
	wr_put(w, name, name_len);
	wr_str(w, " ");
	wr_str(w, b64);
	wr_str(w, "\n");
	return LIEN_OK;
}

enum lien_status
status_proof_note(const struct status_proof *b, const struct tlog_policy *p,
    char **out, size_t *out_len)
{
	struct wr w = { NULL, 0, NOTE_MAX, 0 };
	uint8_t raw[4 + STATUS_LOG_SIG_LEN];
	enum lien_status st = LIEN_OK;

	*out = NULL;
	*out_len = 0;
	if ((w.p = malloc(NOTE_MAX + 1)) == NULL)
		return LIEN_ENOMEM;
	wr_put(&w, b->body, b->body_len);
	wr_str(&w, "\n");
	raw[0] = (uint8_t)(p->log.key_id >> 24);
	raw[1] = (uint8_t)(p->log.key_id >> 16);
	raw[2] = (uint8_t)(p->log.key_id >> 8);
	raw[3] = (uint8_t)p->log.key_id;
	memcpy(raw + 4, b->log_sig, STATUS_LOG_SIG_LEN);
	st = note_line(&w, p->log.name, p->log.name_len, raw, sizeof raw);
	for (size_t i = 0; st == LIEN_OK && i < b->ncosig; i++) {
		const uint8_t *c = b->cosig[i];
		uint32_t id = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 |
		    (uint32_t)c[2] << 8 | c[3];

		for (size_t j = 0; st == LIEN_OK && j < p->nwitnesses; j++)
			if (p->witnesses[j].key_id == id)
				st = note_line(&w, p->witnesses[j].name,
				    p->witnesses[j].name_len, c,
				    STATUS_COSIG_LEN);
	}
	if (st == LIEN_OK && w.err)
		st = LIEN_ETOOBIG;
	if (st != LIEN_OK) {
		free(w.p);
		return st;
	}
	w.p[w.len] = '\0';
	*out = (char *)w.p;
	*out_len = w.len;
	return LIEN_OK;
}

enum lien_status
status_proof_decode(const uint8_t *p, size_t len, struct status_proof *out)
{
	struct map_proof *mp = NULL;
	const uint8_t *m, *h, *rb;
	uint8_t idl, ninc, ncos;
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
	    rd_len16(&r, STATUS_RECORD_MAX, &rb, &out->record_bin_len) !=
	    LIEN_OK)
		goto fail;
	out->id_len = idl;
	if (out->record_bin_len > 0) {
		if (status_record_render(rb, out->record_bin_len,
		    out->record_json, sizeof out->record_json,
		    &out->record_len) != LIEN_OK)
			goto fail;
		out->record = out->record_json;
	}
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
	if (rd_len16(&r, NOTE_TEXT_MAX, &out->body, &out->body_len) !=
	    LIEN_OK || out->body_len == 0 ||
	    rd_take(&r, STATUS_LOG_SIG_LEN, &h) != LIEN_OK ||
	    rd_u8(&r, &ncos) != LIEN_OK || ncos > STATUS_COSIG_MAX)
		goto fail;
	memcpy(out->log_sig, h, STATUS_LOG_SIG_LEN);
	for (size_t i = 0; i < ncos; i++) {
		if (rd_take(&r, STATUS_COSIG_LEN, &h) != LIEN_OK ||
		    (i > 0 && memcmp(out->cosig[i - 1], h,
		    STATUS_COSIG_LEN) >= 0))
			goto fail;
		memcpy(out->cosig[i], h, STATUS_COSIG_LEN);
	}
	out->ncosig = ncos;
	if (rd_left(&r) != 0)
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

size_t
status_proof_encoded_max(const struct status_proof *b)
{
	/* a packed record is never longer than its JSON */
	return STATUS_PROOF_MAGIC_LEN + 1 + b->id_len + 2 + b->record_len +
	    2 + b->map_len + 2 + b->entry_len + 1 + b->nincl * HASH_LEN +
	    2 + b->body_len + STATUS_LOG_SIG_LEN + 1 +
	    b->ncosig * STATUS_COSIG_LEN;
}

enum lien_status
status_proof_encode(const struct status_proof *b, uint8_t *out, size_t cap,
    size_t *out_len)
{
	uint8_t rec[STATUS_RECORD_MAX];
	size_t need, rec_len = 0, o = 0;
	enum lien_status st;

	*out_len = 0;
	if (b->id_len == 0 || b->id_len > STATUS_ID_MAX ||
	    b->record_len > STATUS_RECORD_MAX || b->map_len > MAP_PROOF_MAX ||
	    b->entry_len > STATUS_ENTRY_MAX || b->nincl > MERKLE_PROOF_MAX ||
	    b->body == NULL || b->body_len == 0 ||
	    b->body_len > NOTE_TEXT_MAX || b->ncosig > STATUS_COSIG_MAX)
		return LIEN_EINVAL;
	for (size_t i = 1; i < b->ncosig; i++)
		if (memcmp(b->cosig[i - 1], b->cosig[i], STATUS_COSIG_LEN) >= 0)
			return LIEN_EINVAL;
	if (b->record_len > 0 && (st = status_record_pack(b->record,
	    b->record_len, rec, sizeof rec, &rec_len)) != LIEN_OK)
		return st;
	need = STATUS_PROOF_MAGIC_LEN + 1 + b->id_len + 2 + rec_len +
	    2 + b->map_len + 2 + b->entry_len + 1 + b->nincl * HASH_LEN +
	    2 + b->body_len + STATUS_LOG_SIG_LEN + 1 +
	    b->ncosig * STATUS_COSIG_LEN;
	if (need > cap || need > STATUS_PROOF_MAX)
		return LIEN_ETOOBIG;
	memcpy(out, STATUS_PROOF_MAGIC, STATUS_PROOF_MAGIC_LEN);
	o = STATUS_PROOF_MAGIC_LEN;
	out[o++] = (uint8_t)b->id_len;
	memcpy(out + o, b->id, b->id_len);
	o += b->id_len;
	put16(out + o, rec_len);
	o += 2;
	if (rec_len > 0) {
		memcpy(out + o, rec, rec_len);
		o += rec_len;
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
	put16(out + o, b->body_len);
	memcpy(out + o + 2, b->body, b->body_len);
	o += 2 + b->body_len;
	memcpy(out + o, b->log_sig, STATUS_LOG_SIG_LEN);
	o += STATUS_LOG_SIG_LEN;
	out[o++] = (uint8_t)b->ncosig;
	for (size_t i = 0; i < b->ncosig; i++, o += STATUS_COSIG_LEN)
		memcpy(out + o, b->cosig[i], STATUS_COSIG_LEN);
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

	char *note = NULL;
	size_t note_len;

	if (b->id_len != c->id_len || memcmp(b->id, c->id, c->id_len) != 0)
		return refuse(r, STATUS_FAULT_WRONG_ID, "the proof is for "
		    "another vehicle");
	/* The note the log and the witnesses signed, with the names and the
	 * log's key id the verifier's own keys give (section 8.1). */
	st = status_proof_note(b, c->policy, &note, &note_len);
	if (st == LIEN_ENOMEM)
		return st;
	if (st != LIEN_OK)
		return refuse(r, STATUS_FAULT_MALFORMED, "the checkpoint does "
		    "not make a signed note");
	st = tlog_checkpoint_verify(c->policy, (const uint8_t *)note,
	    note_len, &cp, &out->cosigned, &tr);
	free(note);
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
	if (present) {
		memcpy(out->record_buf, b->record, b->record_len);
		out->record = out->record_buf;
		out->record_len = b->record_len;
	}
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
		    "well-formed status proof bundle (version 2)",
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
