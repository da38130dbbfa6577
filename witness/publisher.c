/*
 * The witness publisher (contract: witness/publisher.h; protocol:
 * c2sp.org/tlog-witness and c2sp.org/tlog-cosignature; operations:
 * docs/witnessing.md).
 *
 * Design. Rounds are driven by one coordinator thread and executed by one
 * worker thread per witness, all sharing one mutex:
 *
 *  - The coordinator polls ledger_size() every WC_POLL_MS (an atomic load:
 *    the sequencer never learns that witnesses exist). It opens a new
 *    round -- the "target", the latest log-signed checkpoint, stripped to
 *    the log's own signature line -- when the tree has grown past the
 *    current target, at least interval_ms after the previous round began,
 *    and the current round has settled: it reached the quorum, or every
 *    witness has answered it or is backing off. A dead witness therefore
 *    never holds rounds up once the others have answered.
 *
 *  - A worker takes the current target when it has not yet handled it and
 *    is not backing off, and sends "old <m>", the consistency proof m ->
 *    n from the ledger, a blank line and the note. m is the size the
 *    witness last cosigned, as far as we know; unknown (fresh start) is 0,
 *    which tlog-witness allows a client to send to learn the size: a 409
 *    names it (text/x.tlog.size) and the worker retries once from there.
 *    A 200 must carry a valid cosignature by this witness's key (lines of
 *    other keys are ignored, as the spec says); the line is handed to the
 *    coordinator. Failures back off exponentially (WITNESS_CLIENT_
 *    BACKOFF_MIN_MS doubling to backoff_max_ms).
 *
 *  - When the target holds quorum verified lines the coordinator stores
 *    them with ledger_checkpoint_add_cosigs (a short durable write; the
 *    only write this module makes, at most about once per round plus
 *    late arrivals) and only then publishes: the served note is exactly
 *    what the store holds for that size, so a receipt built from the store
 *    carries the same cosignatures. Published sizes only grow.
 *
 * At start the latest stored checkpoint that already carries a quorum of
 * valid cosignatures is published again (ledger_view_checkpoint_next,
 * walking back from the tree's end in growing windows, bounded by
 * WITNESS_RECOVER_SCAN_MAX), so a restart does not stop serving a
 * witnessed checkpoint while witnesses are being reached.
 *
 * Not here: judging cosignature timestamps (clients decide), HTTP status
 * handling beyond tlog-witness's (anything else is a failure to back off
 * from), and any retry of an append: appends never see this module.
 */
#include "witness/publisher.h"

#include "common/dec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/fetch.h"
#include "httpd/metrics_text.h"
#include "common/b64.h"
#include "common/file.h"
#include "crypto/cosig.h"
#include "tlog/checkpoint.h"

#define WC_POLL_MS 5u
/* "old " + 20 digits + '\n', 63 proof lines of 44 + '\n', '\n'. */
#define WC_HEAD_MAX (4u + 20u + 1u + WITNESS_PROOF_MAX * 45u + 1u)
#define WC_EM_DASH "\xe2\x80\x94 "	/* signed-note line prefix */
#define WC_EM_DASH_LEN 4u
/* A 409 body: a decimal size and '\n'. */
#define WC_SIZE_BODY_MAX 32u

/* HTTP outcomes counted per witness; "error" is "no HTTP answer". */
static const int wc_code_vals[] = { 200, 400, 403, 404, 409, 413, 422, 500,
	503 };
#define WC_CODES (sizeof(wc_code_vals) / sizeof(wc_code_vals[0]))
#define WC_CODE_OTHER WC_CODES
#define WC_CODE_ERROR (WC_CODES + 1u)
#define WC_CODE_SLOTS (WC_CODES + 2u)
static const char *const wc_code_names[WC_CODE_SLOTS] = { "200", "400",
	"403", "404", "409", "413", "422", "500", "503", "other", "error" };

/* lienlog_witness_quorum_wait_seconds buckets. */
static const char *const wc_wait_le[] = { "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60" };
static const uint64_t wc_wait_ns[] = { 5000000u, 10000000u, 25000000u,
	50000000u, 100000000u, 250000000u, 500000000u, 1000000000u,
	2500000000u, 5000000000u, 10000000000u, 30000000000u, 60000000000u };
#define WC_WAIT_BUCKETS (sizeof(wc_wait_ns) / sizeof(wc_wait_ns[0]))

enum wc_outcome {
	WC_DONE,	/* cosigned: line holds the verified line(s) */
	WC_AHEAD,	/* the witness holds a larger size than the target */
	WC_FAIL,	/* no usable answer: back off */
};

struct wc_witness {
	struct witness_client *wc;
	size_t idx;
	char url[WITNESS_URL_MAX + sizeof("/add-checkpoint")];
	struct note_verifier key;
	struct client *http;
	pthread_t th;
	int started;
	/* Under wc->mu. */
	uint64_t done_gen;		/* last round handled */
	uint64_t size;			/* size it holds, if size_known */
	int size_known;
	uint64_t backoff_until_ns;	/* 0: not backing off */
	unsigned failures;		/* consecutive */
	int down;			/* logged as unreachable */
	uint64_t codes[WC_CODE_SLOTS];
};

/* The current round. */
struct wc_target {
	uint64_t gen;			/* 0: none yet */
	uint64_t size;
	char *note;			/* log-signed only; malloc'd */
	size_t note_len;
	uint64_t seen_ns;		/* when the coordinator picked it */
	char *lines;			/* verified cosignature lines */
	size_t lines_len, stored_len;	/* stored_len: prefix in the store */
	uint64_t mask;			/* witnesses with a line */
	size_t count;
	int published;
};

struct witness_client {
	struct ledger *l;
	struct note_verifier log_key;
	size_t n, quorum;
	unsigned timeout_ms, interval_ms, backoff_max_ms;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;

	pthread_mutex_t mu;
	pthread_cond_t work_cv;		/* workers: new round, stop */
	pthread_cond_t coord_cv;	/* coordinator: results */
	pthread_cond_t pub_cv;		/* receipt waiters: publication */
	int stop;
	pthread_t coord;
	int coord_started;

	struct wc_target t;
	uint64_t last_round_ns;
	char *pub;			/* published note; malloc'd */
	size_t pub_len;
	uint64_t pub_size;
	uint64_t wait_hist[WC_WAIT_BUCKETS + 1];
	uint64_t wait_sum_ns;

	struct wc_witness *ws;		/* n of them */
};

static uint64_t
wc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Condition variables run on CLOCK_MONOTONIC (set at init). */
static void
wc_deadline(struct timespec *ts, uint64_t at_ns)
{
	ts->tv_sec = (time_t)(at_ns / 1000000000u);
	ts->tv_nsec = (long)(at_ns % 1000000000u);
}

static void wc_say(struct witness_client *wc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
wc_say(struct witness_client *wc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (wc->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wc->log(wc->log_ctx, msg);
}

/* ---- configuration -------------------------------------------------------- */

/* http(s)://host[...] with no query, fragment, space or control byte. */
static int
wc_url_ok(const char *u, size_t len)
{
	size_t skip;

	if (len > 7 && memcmp(u, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && memcmp(u, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (u[skip] == '/' || u[skip] == '\0')
		return 0;	/* no host */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
			return 0;
	}
	return 1;
}

enum lien_status
witness_client_witness_load(const char *arg, struct witness_client_witness *out,
    char *why, size_t why_cap)
{
	const char *eq;
	char buf[VKEY_FILE_MAX + 1];
	size_t ulen, len = 0;
	enum lien_status rc;

	memset(out, 0, sizeof(*out));
	why_set(why, why_cap, "%s", "");
	if (arg == NULL || (eq = strchr(arg, '=')) == NULL) {
		why_set(why, why_cap, "expected URL=VKEYFILE");
		return LIEN_EPARSE;
	}
	ulen = (size_t)(eq - arg);
	while (ulen > 0 && arg[ulen - 1] == '/')
		ulen--;
	if (ulen > WITNESS_URL_MAX) {
		why_set(why, why_cap, "witness URL too long");
		return LIEN_ETOOBIG;
	}
	if (!wc_url_ok(arg, ulen)) {
		why_set(why, why_cap, "witness URL must be http:// or https:// "
		    "with a host and no query");
		return LIEN_EPARSE;
	}
	rc = file_read_into(eq + 1, buf, VKEY_FILE_MAX, &len);
	if (rc == LIEN_ETOOBIG || (rc == LIEN_OK && len == 0)) {
		why_set(why, why_cap, "%s: empty or larger than a verifier key",
		    eq + 1);
		return LIEN_ETOOBIG;
	}
	if (rc != LIEN_OK) {
		why_set(why, why_cap, "cannot read %s: %s", eq + 1,
		    strerror(errno));
		return LIEN_EIO;
	}
	rc = note_verifier_parse(buf, len, &out->key);
	if (rc != LIEN_OK || out->key.type != NOTE_KEY_COSIG_V1) {
		memset(out, 0, sizeof(*out));
		why_set(why, why_cap, "%s", rc != LIEN_OK ?
		    "not a verifier key (name+hex8+base64)" :
		    "not a witness cosignature key (type 0x04); a log key "
		    "cannot cosign");
		return LIEN_EPARSE;
	}
	memcpy(out->url, arg, ulen);
	out->url[ulen] = '\0';
	return LIEN_OK;
}

/* ---- notes ---------------------------------------------------------------- */

/* The note as the log signed it: body, blank line and only the lines of
 * log_key (every other signature line dropped), verified as a checkpoint
 * of the log. *out malloc'd; *out_size its tree size. */
static enum lien_status LIEN_MUST_CHECK
wc_note_strip(const struct note_verifier *log_key, const char *note,
    size_t len, char **out, size_t *out_len, uint64_t *out_size)
{
	struct note_parsed *np;
	struct checkpoint cp;
	const char *line;
	char *buf = NULL;
	size_t off;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	*out_size = 0;
	if ((np = malloc(sizeof(*np))) == NULL)
		return LIEN_ENOMEM;
	if ((rc = note_parse((const uint8_t *)note, len, np)) != LIEN_OK)
		goto out;
	if ((buf = malloc(len + 1)) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	memcpy(buf, np->text, np->text_len);
	off = np->text_len;
	buf[off++] = '\n';
	/* Line i of the signature block is sigs[i] (note_parse order). */
	line = note + np->text_len + 1;
	for (size_t i = 0; i < np->nsigs; i++) {
		const char *nl = memchr(line, '\n', len - (size_t)(line - note));
		size_t line_len = (size_t)(nl - line) + 1;

		if (np->sigs[i].key_id == log_key->key_id &&
		    np->sigs[i].name_len == log_key->name_len &&
		    memcmp(np->sigs[i].name, log_key->name,
		    log_key->name_len) == 0) {
			memcpy(buf + off, line, line_len);
			off += line_len;
		}
		line = nl + 1;
	}
	buf[off] = '\0';
	if ((rc = checkpoint_open((const uint8_t *)buf, off, log_key, &cp)) !=
	    LIEN_OK)
		goto out;
	*out_size = cp.size;
	*out = buf;
	*out_len = off;
	buf = NULL;
out:
	free(buf);
	free(np);
	return rc;
}

/* From a 200 body: the lines by w's key (name and key id), after checking
 * with cosig_count_valid that w cosigned note and that every line of w's
 * key verifies. Other keys' lines are ignored (tlog-witness). Lines go
 * into out (cap bytes). */
static enum lien_status LIEN_MUST_CHECK
wc_reply_lines(const struct wc_witness *w, const char *note, size_t note_len,
    const uint8_t *body, size_t body_len, char *out, size_t cap,
    size_t *out_len)
{
	uint8_t *msg;
	uint64_t mask = 0;
	size_t count = 0, off = 0, o = 0;
	enum lien_status rc;

	*out_len = 0;
	if (body_len == 0 || body[body_len - 1] != '\n')
		return LIEN_EPARSE;
	if (note_len + body_len > NOTE_MAX)
		return LIEN_ETOOBIG;
	if ((msg = malloc(note_len + body_len)) == NULL)
		return LIEN_ENOMEM;
	memcpy(msg, note, note_len);
	memcpy(msg + note_len, body, body_len);
	rc = cosig_count_valid(msg, note_len + body_len, &w->key, 1, &mask,
	    NULL, &count);
	free(msg);
	if (rc != LIEN_OK)
		return rc;
	if (count != 1)
		return LIEN_EVERIFY;
	/* Every body line parsed as a signature line above; pick ours by
	 * name and key id (the first 4 bytes of the decoded payload). */
	while (off < body_len) {
		const uint8_t *nl = memchr(body + off, '\n', body_len - off);
		size_t line_len = (size_t)(nl - (body + off)) + 1;
		const char *name = (const char *)body + off + WC_EM_DASH_LEN;
		size_t rest = line_len - 1;
		uint8_t raw[COSIG_RAW_LEN + 8];
		size_t raw_len = 0;

		if (rest > WC_EM_DASH_LEN + w->key.name_len + 1 &&
		    memcmp(body + off, WC_EM_DASH, WC_EM_DASH_LEN) == 0 &&
		    memcmp(name, w->key.name, w->key.name_len) == 0 &&
		    name[w->key.name_len] == ' ' &&
		    b64_decode(name + w->key.name_len + 1,
		    rest - WC_EM_DASH_LEN - w->key.name_len - 1, raw,
		    sizeof(raw), &raw_len) == LIEN_OK && raw_len >= 4 &&
		    (((uint32_t)raw[0] << 24) | ((uint32_t)raw[1] << 16) |
		    ((uint32_t)raw[2] << 8) | raw[3]) == w->key.key_id) {
			if (line_len > cap - o)
				return LIEN_ETOOBIG;
			memcpy(out + o, body + off, line_len);
			o += line_len;
		}
		off += line_len;
	}
	if (o == 0)
		return LIEN_EVERIFY;
	*out_len = o;
	return LIEN_OK;
}

/* "<decimal>\n", canonical (tlog-witness 409 body). LIEN_OK or
 * LIEN_EPARSE. */
static enum lien_status LIEN_MUST_CHECK
wc_size_parse(const uint8_t *b, size_t len, uint64_t *out)
{
	if (len < 2 || len > WC_SIZE_BODY_MAX || b[len - 1] != '\n')
		return LIEN_EPARSE;
	return dec_u64_parse(b, len - 1, out);
}

/* ---- one request ---------------------------------------------------------- */

static void
wc_count_code(struct wc_witness *w, long http)
{
	size_t slot = WC_CODE_ERROR;

	if (http > 0) {
		slot = WC_CODE_OTHER;
		for (size_t i = 0; i < WC_CODES; i++)
			if (wc_code_vals[i] == http)
				slot = i;
	}
	pthread_mutex_lock(&w->wc->mu);
	w->codes[slot]++;
	pthread_mutex_unlock(&w->wc->mu);
}

/* Body "old <old>\n<proof>\n<note>" into a fresh buffer. */
static enum lien_status LIEN_MUST_CHECK
wc_body(struct witness_client *wc, uint64_t old, uint64_t size,
    const char *note, size_t note_len, char **out, size_t *out_len)
{
	uint8_t (*proof)[HASH_LEN] = NULL;
	struct ledger_view *v = NULL;
	size_t nproof = 0, off;
	char *buf;
	enum lien_status rc = LIEN_OK;
	int n;

	*out = NULL;
	*out_len = 0;
	if ((buf = malloc(WC_HEAD_MAX + note_len)) == NULL)
		return LIEN_ENOMEM;
	/* tlog-witness: empty proof when old is 0 (and when old == size). */
	if (old > 0 && old < size) {
		if ((proof = malloc(sizeof(*proof) * MERKLE_PROOF_MAX)) == NULL) {
			rc = LIEN_ENOMEM;
			goto out;
		}
		if ((rc = ledger_view_open(wc->l, &v)) != LIEN_OK ||
		    (rc = ledger_view_prove_consistency(v, old, size, proof,
		    &nproof)) != LIEN_OK)
			goto out;
		if (nproof > WITNESS_PROOF_MAX) {
			rc = LIEN_ECORRUPT;
			goto out;
		}
	}
	n = snprintf(buf, WC_HEAD_MAX, "old %" PRIu64 "\n", old);
	off = (size_t)n;
	for (size_t i = 0; i < nproof; i++) {
		if ((rc = b64_encode(proof[i], HASH_LEN, buf + off,
		    WC_HEAD_MAX - off)) != LIEN_OK)
			goto out;
		off += B64_ENCODED_LEN(HASH_LEN);
		buf[off++] = '\n';
	}
	buf[off++] = '\n';
	memcpy(buf + off, note, note_len);
	*out = buf;
	*out_len = off + note_len;
	buf = NULL;
out:
	ledger_view_close(v);
	free(proof);
	free(buf);
	return rc;
}

/* Submit target (size, note) to w from old (*io_old; updated to what we
 * learnt). WC_DONE with the verified line(s) in line/line_len. */
static enum wc_outcome
wc_submit(struct wc_witness *w, uint64_t size, const char *note,
    size_t note_len, uint64_t *io_old, char *line, size_t line_cap,
    size_t *line_len)
{
	struct witness_client *wc = w->wc;

	*line_len = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		uint8_t *reply = NULL;
		size_t reply_len = 0, body_len = 0;
		char *body = NULL;
		long http = 0;
		uint64_t held;
		enum lien_status rc;

		if (*io_old > size)
			return WC_AHEAD;
		rc = wc_body(wc, *io_old, size, note, note_len, &body,
		    &body_len);
		if (rc != LIEN_OK) {
			wc_say(wc, "witness %s: cannot build request: %s",
			    w->key.name, lien_status_message(rc));
			return WC_FAIL;
		}
		rc = client_post_any(w->http, w->url, "text/plain", NULL,
		    (const uint8_t *)body, body_len, WITNESS_REPLY_MAX, &reply,
		    &reply_len, &http);
		free(body);
		wc_count_code(w, rc == LIEN_OK ? http : 0);
		if (rc != LIEN_OK) {
			free(reply);
			return WC_FAIL;		/* unreachable or timed out */
		}
		if (http == 200) {
			rc = wc_reply_lines(w, note, note_len, reply, reply_len,
			    line, line_cap, line_len);
			free(reply);
			if (rc == LIEN_OK)
				return WC_DONE;
			wc_say(wc, "witness %s: 200 without a valid cosignature "
			    "by its key (%s)", w->key.name, lien_status_code(rc));
			return WC_FAIL;
		}
		if (http == 409 &&
		    wc_size_parse(reply, reply_len, &held) == LIEN_OK) {
			free(reply);
			if (held > size) {
				*io_old = held;
				return WC_AHEAD;
			}
			if (held == *io_old && held == size) {
				/* Same size, other root: the witness holds a
				 * different tree at this size. */
				wc_say(wc, "witness %s: holds size %" PRIu64
				    " with another root: a split view or a "
				    "witness fault; not retried", w->key.name,
				    held);
				return WC_FAIL;
			}
			*io_old = held;
			continue;	/* once, from the size it holds */
		}
		free(reply);
		wc_say(wc, "witness %s: add-checkpoint for size %" PRIu64
		    " from %" PRIu64 " answered %ld", w->key.name, size,
		    *io_old, http);
		return WC_FAIL;
	}
	return WC_FAIL;		/* a second 409 */
}

/* ---- publication ---------------------------------------------------------- */

static void
wc_hist_add(struct witness_client *wc, uint64_t ns)
{
	size_t b = 0;

	while (b < WC_WAIT_BUCKETS && ns > wc_wait_ns[b])
		b++;
	wc->wait_hist[b]++;
	wc->wait_sum_ns += ns;
}

/* Called with mu held: store the target's unstored lines when it is (or
 * now becomes) published, then publish. Drops mu around the write. */
static void
wc_store_and_publish(struct witness_client *wc)
{
	struct wc_target *t = &wc->t;
	uint64_t gen = t->gen, size = t->size;
	char *lines, *note;
	size_t len, upto;
	enum lien_status rc;

	if (t->gen == 0 || t->lines_len == t->stored_len ||
	    (!t->published && t->count < wc->quorum))
		return;
	upto = t->lines_len;
	len = upto - t->stored_len;
	if ((lines = malloc(len)) == NULL)
		return;
	memcpy(lines, t->lines + t->stored_len, len);
	pthread_mutex_unlock(&wc->mu);
	rc = ledger_checkpoint_add_cosigs(wc->l, size, lines, len);
	free(lines);
	pthread_mutex_lock(&wc->mu);
	if (rc != LIEN_OK) {
		wc_say(wc, "cannot store cosignatures for size %" PRIu64 ": %s",
		    size, lien_status_message(rc));
		return;		/* retried at the next poll */
	}
	if (t->gen != gen)
		return;		/* only the coordinator moves targets */
	t->stored_len = upto;
	/* Served note = the log-signed note + every stored line. */
	note = malloc(t->note_len + t->stored_len + 1);
	if (note == NULL)
		return;
	memcpy(note, t->note, t->note_len);
	memcpy(note + t->note_len, t->lines, t->stored_len);
	note[t->note_len + t->stored_len] = '\0';
	if (!t->published) {
		t->published = 1;
		wc_hist_add(wc, wc_now_ns() - t->seen_ns);
	}
	if (size >= wc->pub_size) {
		free(wc->pub);
		wc->pub = note;
		wc->pub_len = t->note_len + t->stored_len;
		wc->pub_size = size;
		note = NULL;
		pthread_cond_broadcast(&wc->pub_cv);
	}
	free(note);
}

/* With mu held: has the current round settled? */
static int
wc_settled(struct witness_client *wc, uint64_t now)
{
	if (wc->t.gen == 0 || wc->t.count >= wc->quorum)
		return 1;
	for (size_t i = 0; i < wc->n; i++) {
		const struct wc_witness *w = &wc->ws[i];

		if (w->done_gen != wc->t.gen && w->backoff_until_ns <= now)
			return 0;
	}
	return 1;
}

/* With mu held: start a round for the latest checkpoint if it is newer.
 * Drops mu while reading the ledger. */
static void
wc_new_round(struct witness_client *wc)
{
	char *cp = NULL, *note = NULL;
	size_t cp_len = 0, note_len = 0;
	uint64_t size = 0;
	enum lien_status rc;

	pthread_mutex_unlock(&wc->mu);
	rc = ledger_latest_checkpoint(wc->l, &cp, &cp_len);
	if (rc == LIEN_OK)
		rc = wc_note_strip(&wc->log_key, cp, cp_len, &note, &note_len,
		    &size);
	free(cp);
	pthread_mutex_lock(&wc->mu);
	if (rc != LIEN_OK) {
		wc_say(wc, "cannot read the latest checkpoint: %s",
		    lien_status_message(rc));
		free(note);
		return;
	}
	if (size <= wc->t.size) {
		free(note);
		return;
	}
	free(wc->t.note);
	free(wc->t.lines);
	memset(&wc->t, 0, sizeof(wc->t));	/* gen: set by the caller */
	wc->t.size = size;
	wc->t.note = note;
	wc->t.note_len = note_len;
	wc->t.seen_ns = wc_now_ns();
	wc->last_round_ns = wc->t.seen_ns;
}

static void *
wc_coord_main(void *arg)
{
	struct witness_client *wc = arg;
	uint64_t gen = 0;

	pthread_mutex_lock(&wc->mu);
	gen = wc->t.gen;
	while (!wc->stop) {
		uint64_t now = wc_now_ns();
		struct timespec ts;

		wc_store_and_publish(wc);
		/* A new round only once the lines of a published round are
		 * all stored (results may arrive while the lock is dropped). */
		if (ledger_size(wc->l) > wc->t.size && wc_settled(wc, now) &&
		    (!wc->t.published || wc->t.lines_len == wc->t.stored_len) &&
		    now - wc->last_round_ns >=
		    (uint64_t)wc->interval_ms * 1000000u) {
			uint64_t before = wc->t.size;

			wc_new_round(wc);
			if (wc->t.size != before) {
				wc->t.gen = ++gen;
				pthread_cond_broadcast(&wc->work_cv);
			}
			continue;
		}
		wc_deadline(&ts, now + (uint64_t)WC_POLL_MS * 1000000u);
		(void)pthread_cond_timedwait(&wc->coord_cv, &wc->mu, &ts);
	}
	pthread_mutex_unlock(&wc->mu);
	return NULL;
}

/* A cosignature for an older round (a slow witness): store it beside its
 * checkpoint, outside the round bookkeeping. */
static void
wc_store_late(struct witness_client *wc, uint64_t size, const char *line,
    size_t len)
{
	enum lien_status rc = ledger_checkpoint_add_cosigs(wc->l, size, line,
	    len);

	if (rc != LIEN_OK)
		wc_say(wc, "cannot store a late cosignature for size %" PRIu64
		    ": %s", size, lien_status_message(rc));
}

static void *
wc_worker_main(void *arg)
{
	struct wc_witness *w = arg;
	struct witness_client *wc = w->wc;
	char *line;

	line = malloc(WITNESS_REPLY_MAX);
	pthread_mutex_lock(&wc->mu);
	while (!wc->stop && line != NULL) {
		uint64_t now = wc_now_ns(), gen, size, old;
		size_t note_len, line_len = 0;
		char *note;
		enum wc_outcome res;

		if (wc->t.gen == w->done_gen || wc->t.gen == 0 ||
		    w->backoff_until_ns > now) {
			struct timespec ts;

			if (w->backoff_until_ns > now) {
				wc_deadline(&ts, w->backoff_until_ns);
				(void)pthread_cond_timedwait(&wc->work_cv,
				    &wc->mu, &ts);
			} else {
				(void)pthread_cond_wait(&wc->work_cv, &wc->mu);
			}
			continue;
		}
		gen = wc->t.gen;
		size = wc->t.size;
		if (w->size_known && w->size > size) {
			w->done_gen = gen;	/* it is ahead of this round */
			pthread_cond_signal(&wc->coord_cv);
			continue;
		}
		note_len = wc->t.note_len;
		if ((note = malloc(note_len)) == NULL)
			break;
		memcpy(note, wc->t.note, note_len);
		old = w->size_known ? w->size : 0;
		pthread_mutex_unlock(&wc->mu);

		res = wc_submit(w, size, note, note_len, &old, line,
		    WITNESS_REPLY_MAX, &line_len);
		free(note);

		pthread_mutex_lock(&wc->mu);
		if (res == WC_DONE && gen != wc->t.gen) {
			pthread_mutex_unlock(&wc->mu);
			wc_store_late(wc, size, line, line_len);
			pthread_mutex_lock(&wc->mu);
		}
		/* A failed round is retried after the backoff (a witness
		 * that comes back catches up without waiting for growth);
		 * meanwhile it counts as settled (wc_settled). */
		if (res != WC_FAIL)
			w->done_gen = gen;
		now = wc_now_ns();
		if (res == WC_FAIL) {
			uint64_t ms = WITNESS_CLIENT_BACKOFF_MIN_MS;

			for (unsigned k = 0; k < w->failures && ms <
			    wc->backoff_max_ms; k++)
				ms *= 2;
			if (ms > wc->backoff_max_ms)
				ms = wc->backoff_max_ms;
			w->failures++;
			w->backoff_until_ns = now + ms * 1000000u;
			if (!w->down && w->failures >= 2) {
				w->down = 1;
				wc_say(wc, "witness %s (%s) is failing; retrying "
				    "with backoff", w->key.name, w->url);
			}
		} else {
			if (w->down)
				wc_say(wc, "witness %s is answering again",
				    w->key.name);
			w->down = 0;
			w->failures = 0;
			w->backoff_until_ns = 0;
			w->size = res == WC_DONE ? size : old;
			w->size_known = 1;
		}
		if (res == WC_DONE && gen == wc->t.gen &&
		    !(wc->t.mask & (1ull << w->idx))) {
			char *nl = realloc(wc->t.lines, wc->t.lines_len +
			    line_len);

			if (nl != NULL) {
				wc->t.lines = nl;
				memcpy(nl + wc->t.lines_len, line, line_len);
				wc->t.lines_len += line_len;
				wc->t.mask |= 1ull << w->idx;
				wc->t.count++;
			}
		}
		pthread_cond_signal(&wc->coord_cv);
	}
	pthread_mutex_unlock(&wc->mu);
	free(line);
	return NULL;
}

/* ---- start-up: the last checkpoint that met the quorum ---------------------- */

/* With the quorum policy of wc: 1 if note (a stored checkpoint) carries the
 * log's valid signature and at least quorum valid cosignatures. */
static int
wc_note_meets_quorum(struct witness_client *wc, const char *note, size_t len,
    const struct note_verifier *ks)
{
	struct checkpoint cp;

	if (checkpoint_open((const uint8_t *)note, len, &wc->log_key, &cp) !=
	    LIEN_OK)
		return 0;
	return cosig_verify_quorum((const uint8_t *)note, len, ks, wc->n,
	    wc->quorum, NULL) == LIEN_OK;
}

/* Walk back from the end of the tree in windows of 256, 4096, 65536 ...
 * entries; in each, list the checkpoints with enough signature lines and
 * check them from the newest. At most WITNESS_RECOVER_SCAN_MAX stored
 * checkpoints are looked at in all. */
static enum lien_status LIEN_MUST_CHECK
wc_recover(struct witness_client *wc)
{
	struct note_verifier *ks = NULL;
	struct ledger_view *v = NULL;
	uint64_t *cand = NULL, end, window = 256, scanned = 0;
	enum lien_status rc;

	if ((ks = calloc(wc->n, sizeof(*ks))) == NULL ||
	    (cand = malloc(sizeof(*cand) * WITNESS_RECOVER_SCAN_MAX)) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < wc->n; i++)
		ks[i] = wc->ws[i].key;
	if ((rc = ledger_view_open(wc->l, &v)) != LIEN_OK)
		goto out;
	end = ledger_view_size(v);
	while (end > 0 && scanned < WITNESS_RECOVER_SCAN_MAX) {
		uint64_t from = end > window ? end - window + 1 : 1, at = from;
		size_t ncand = 0;

		while (scanned < WITNESS_RECOVER_SCAN_MAX) {
			uint64_t size;
			size_t nlines;

			rc = ledger_view_checkpoint_next(v, at, &size, &nlines);
			if (rc == LIEN_ENOTFOUND || (rc == LIEN_OK && size > end))
				break;
			if (rc != LIEN_OK)
				goto out;
			scanned++;
			if (nlines >= 1 + wc->quorum)
				cand[ncand++] = size;
			at = size + 1;
		}
		while (ncand > 0) {
			uint64_t size = cand[--ncand];
			char *note = NULL;
			size_t len = 0;

			if ((rc = ledger_view_checkpoint(v, size, &note, &len)) !=
			    LIEN_OK)
				goto out;
			if (wc_note_meets_quorum(wc, note, len, ks)) {
				wc->pub = note;
				wc->pub_len = len;
				wc->pub_size = size;
				rc = LIEN_OK;
				goto out;
			}
			free(note);
		}
		if (from == 1)
			break;
		end = from - 1;
		window = window >= (UINT64_MAX >> 4) ? window : window * 16;
	}
	rc = LIEN_OK;		/* nothing found: publish on the first quorum */
out:
	ledger_view_close(v);
	free(cand);
	free(ks);
	return rc;
}

/* ---- life cycle ----------------------------------------------------------- */

static void
wc_free(struct witness_client *wc)
{
	if (wc == NULL)
		return;
	for (size_t i = 0; wc->ws != NULL && i < wc->n; i++)
		client_free(wc->ws[i].http);
	free(wc->ws);
	free(wc->t.note);
	free(wc->t.lines);
	free(wc->pub);
	pthread_cond_destroy(&wc->pub_cv);
	pthread_cond_destroy(&wc->coord_cv);
	pthread_cond_destroy(&wc->work_cv);
	pthread_mutex_destroy(&wc->mu);
	free(wc);
}

/* A condition variable on CLOCK_MONOTONIC. LIEN_OK or LIEN_ENOMEM (what
 * pthread_cond_init can fail for: memory, resources). */
static enum lien_status LIEN_MUST_CHECK
wc_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc;

	if (pthread_condattr_init(&a) != 0)
		return LIEN_ENOMEM;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc == 0 ? LIEN_OK : LIEN_ENOMEM;
}

enum lien_status
witness_client_start(const struct witness_client_config *cfg,
    struct witness_client **out)
{
	struct witness_client *wc = NULL;
	struct client_config ccfg;
	enum lien_status rc = LIEN_EINVAL;

	*out = NULL;
	if (cfg == NULL || cfg->ledger == NULL || cfg->log_key == NULL ||
	    cfg->log_key->type != NOTE_KEY_ED25519 || cfg->witnesses == NULL ||
	    cfg->nwitnesses == 0 || cfg->nwitnesses > WITNESS_CLIENT_MAX ||
	    cfg->nwitnesses > COSIG_VERIFIERS_MAX ||
	    cfg->quorum > cfg->nwitnesses)
		return LIEN_EINVAL;
	for (size_t i = 0; i < cfg->nwitnesses; i++) {
		const struct witness_client_witness *a = &cfg->witnesses[i];

		if (a->key.type != NOTE_KEY_COSIG_V1 ||
		    !wc_url_ok(a->url, strlen(a->url)))
			return LIEN_EINVAL;
		/* Names label the metrics and the lines: one per witness. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->witnesses[j].key.name, a->key.name) == 0)
				return LIEN_EINVAL;
	}
	if ((wc = calloc(1, sizeof(*wc))) == NULL)
		return LIEN_ENOMEM;
	if (pthread_mutex_init(&wc->mu, NULL) != 0) {
		free(wc);
		return LIEN_ENOMEM;
	}
	if (wc_cond_init(&wc->work_cv) != LIEN_OK ||
	    wc_cond_init(&wc->coord_cv) != LIEN_OK ||
	    wc_cond_init(&wc->pub_cv) != LIEN_OK) {
		/* Destroying a never-initialised cond is undefined: give up
		 * the (tiny) allocation instead. */
		return LIEN_ENOMEM;
	}
	wc->l = cfg->ledger;
	wc->log_key = *cfg->log_key;
	wc->n = cfg->nwitnesses;
	wc->quorum = cfg->quorum ? cfg->quorum : cfg->nwitnesses;
	wc->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
	    WITNESS_CLIENT_TIMEOUT_MS;
	wc->interval_ms = cfg->interval_ms ? cfg->interval_ms :
	    WITNESS_CLIENT_INTERVAL_MS;
	wc->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms :
	    WITNESS_CLIENT_BACKOFF_MAX_MS;
	if (wc->backoff_max_ms < WITNESS_CLIENT_BACKOFF_MIN_MS)
		wc->backoff_max_ms = WITNESS_CLIENT_BACKOFF_MIN_MS;
	wc->log = cfg->log;
	wc->log_ctx = cfg->log_ctx;
	if ((wc->ws = calloc(wc->n, sizeof(*wc->ws))) == NULL) {
		rc = LIEN_ENOMEM;
		goto fail;
	}
	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.timeout_ms = (long)wc->timeout_ms;
	ccfg.connect_timeout_ms = (long)wc->timeout_ms;
	for (size_t i = 0; i < wc->n; i++) {
		struct wc_witness *w = &wc->ws[i];

		w->wc = wc;
		w->idx = i;
		w->key = cfg->witnesses[i].key;
		snprintf(w->url, sizeof(w->url), "%s/add-checkpoint",
		    cfg->witnesses[i].url);
		if ((rc = client_new(&ccfg, &w->http)) != LIEN_OK)
			goto fail;
	}
	if ((rc = wc_recover(wc)) != LIEN_OK)
		goto fail;
	/* Round 0 is the recovered checkpoint (or nothing): the first real
	 * round starts as soon as the tree is larger. */
	wc->t.size = wc->pub_size;
	if (pthread_create(&wc->coord, NULL, wc_coord_main, wc) != 0) {
		rc = LIEN_ENOMEM;
		goto fail;
	}
	wc->coord_started = 1;
	for (size_t i = 0; i < wc->n; i++) {
		if (pthread_create(&wc->ws[i].th, NULL, wc_worker_main,
		    &wc->ws[i]) != 0) {
			witness_client_stop(wc);
			return LIEN_ENOMEM;
		}
		wc->ws[i].started = 1;
	}
	*out = wc;
	return LIEN_OK;
fail:
	wc_free(wc);
	return rc;
}

void
witness_client_stop(struct witness_client *wc)
{
	if (wc == NULL)
		return;
	pthread_mutex_lock(&wc->mu);
	wc->stop = 1;
	pthread_cond_broadcast(&wc->work_cv);
	pthread_cond_broadcast(&wc->coord_cv);
	pthread_cond_broadcast(&wc->pub_cv);
	pthread_mutex_unlock(&wc->mu);
	if (wc->coord_started)
		pthread_join(wc->coord, NULL);
	for (size_t i = 0; i < wc->n; i++)
		if (wc->ws[i].started)
			pthread_join(wc->ws[i].th, NULL);
	wc_free(wc);
}

/* With mu held: copy the published note. */
static enum lien_status LIEN_MUST_CHECK
wc_pub_copy(struct witness_client *wc, char **out, size_t *out_len,
    uint64_t *out_size)
{
	if (wc->pub == NULL)
		return LIEN_ENOTFOUND;
	if (out != NULL) {
		if ((*out = malloc(wc->pub_len + 1)) == NULL)
			return LIEN_ENOMEM;
		memcpy(*out, wc->pub, wc->pub_len + 1);
		*out_len = wc->pub_len;
	}
	if (out_size != NULL)
		*out_size = wc->pub_size;
	return LIEN_OK;
}

enum lien_status
witness_client_published(struct witness_client *wc, char **out,
    size_t *out_len, uint64_t *out_size)
{
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (out_size != NULL)
		*out_size = 0;
	if (wc == NULL)
		return LIEN_EINVAL;
	pthread_mutex_lock(&wc->mu);
	rc = wc_pub_copy(wc, out, out_len, out_size);
	pthread_mutex_unlock(&wc->mu);
	return rc;
}

enum lien_status
witness_client_wait_published(struct witness_client *wc, uint64_t min_size,
    unsigned timeout_ms, char **out, size_t *out_len, uint64_t *out_size,
    int *out_cosigned)
{
	uint64_t deadline = wc_now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct checkpoint cp;
	char *note = NULL;
	size_t len = 0;
	enum lien_status rc;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (out_size != NULL)
		*out_size = 0;
	if (out_cosigned != NULL)
		*out_cosigned = 0;
	if (wc == NULL || (out == NULL) != (out_len == NULL))
		return LIEN_EINVAL;
	pthread_mutex_lock(&wc->mu);
	while (!wc->stop && (wc->pub == NULL || wc->pub_size < min_size)) {
		struct timespec ts;

		if (wc_now_ns() >= deadline)
			break;
		wc_deadline(&ts, deadline);
		(void)pthread_cond_timedwait(&wc->pub_cv, &wc->mu, &ts);
	}
	if (wc->pub != NULL && wc->pub_size >= min_size) {
		rc = wc_pub_copy(wc, out, out_len, out_size);
		pthread_mutex_unlock(&wc->mu);
		if (rc == LIEN_OK && out_cosigned != NULL)
			*out_cosigned = 1;
		return rc;
	}
	pthread_mutex_unlock(&wc->mu);
	/* Timed out: the latest log-signed checkpoint. */
	if ((rc = ledger_latest_checkpoint(wc->l, &note, &len)) != LIEN_OK)
		return rc;
	if ((rc = checkpoint_open((const uint8_t *)note, len, &wc->log_key,
	    &cp)) != LIEN_OK) {
		free(note);
		return LIEN_ECORRUPT;
	}
	if (out_size != NULL)
		*out_size = cp.size;
	if (out != NULL) {
		*out = note;
		*out_len = len;
	} else {
		free(note);
	}
	return LIEN_OK;
}

/* ---- metrics -------------------------------------------------------------- */

void
witness_client_render_metrics(struct witness_client *wc,
    struct metrics_text *t)
{
	static const struct metrics_hist_def def = { wc_wait_le, wc_wait_ns,
		WC_WAIT_BUCKETS };
	uint64_t hist[WC_WAIT_BUCKETS + 1], sum, pub, *codes = NULL, *sizes;
	int *known;
	size_t n;

	if (wc == NULL)
		return;
	n = wc->n;
	codes = calloc(n * (WC_CODE_SLOTS + 1), sizeof(*codes));
	known = calloc(n, sizeof(*known));
	if (codes == NULL || known == NULL) {
		free(codes);
		free(known);
		return;
	}
	sizes = codes + n * WC_CODE_SLOTS;
	/* Copy under the lock, format outside it. */
	pthread_mutex_lock(&wc->mu);
	for (size_t i = 0; i < n; i++) {
		memcpy(codes + i * WC_CODE_SLOTS, wc->ws[i].codes,
		    sizeof(wc->ws[i].codes));
		sizes[i] = wc->ws[i].size;
		known[i] = wc->ws[i].size_known;
	}
	memcpy(hist, wc->wait_hist, sizeof(hist));
	sum = wc->wait_sum_ns;
	pub = wc->pub_size;
	pthread_mutex_unlock(&wc->mu);

	metrics_text_family(t, "lienlog_witness_requests_total", "counter",
	    "add-checkpoint requests sent to each witness, by HTTP status "
	    "(error: no answer)");
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < WC_CODE_SLOTS; c++) {
			struct metrics_label lb[2] = {
				{ "witness", wc->ws[i].key.name },
				{ "code", wc_code_names[c] } };

			if (codes[i * WC_CODE_SLOTS + c] == 0)
				continue;
			metrics_text_u64(t, "lienlog_witness_requests_total",
			    lb, 2, codes[i * WC_CODE_SLOTS + c]);
		}
	}
	metrics_text_family(t, "lienlog_witness_cosigned_size", "gauge",
	    "tree size each witness last cosigned (or holds), as this log "
	    "knows it");
	for (size_t i = 0; i < n; i++) {
		struct metrics_label lb = { "witness", wc->ws[i].key.name };

		if (known[i])
			metrics_text_u64(t, "lienlog_witness_cosigned_size",
			    &lb, 1, sizes[i]);
	}
	metrics_text_family(t, "lienlog_witness_published_size", "gauge",
	    "tree size of the published (quorum-cosigned) checkpoint");
	metrics_text_u64(t, "lienlog_witness_published_size", NULL, 0, pub);
	metrics_text_family(t, "lienlog_witness_quorum", "gauge",
	    "cosignatures a checkpoint needs to be published");
	metrics_text_u64(t, "lienlog_witness_quorum", NULL, 0, wc->quorum);
	metrics_text_family(t, "lienlog_witness_quorum_lag_entries", "gauge",
	    "tree size minus the published size");
	{
		uint64_t size = ledger_size(wc->l);

		metrics_text_u64(t, "lienlog_witness_quorum_lag_entries", NULL,
		    0, size > pub ? size - pub : 0);
	}
	metrics_text_family(t, "lienlog_witness_quorum_wait_seconds",
	    "histogram", "time from a checkpoint being picked for witnessing "
	    "to its publication with a quorum of cosignatures");
	metrics_text_histogram(t, "lienlog_witness_quorum_wait_seconds", NULL,
	    0, &def, hist, sum);
	free(codes);
	free(known);
}

size_t
witness_client_count(const struct witness_client *wc)
{
	return wc != NULL ? wc->n : 0;
}

size_t
witness_client_quorum(const struct witness_client *wc)
{
	return wc != NULL ? wc->quorum : 0;
}

const struct note_verifier *
witness_client_key(const struct witness_client *wc, size_t i)
{
	return wc != NULL && i < wc->n ? &wc->ws[i].key : NULL;
}
