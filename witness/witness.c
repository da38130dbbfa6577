/*
 * The witness state machine (C2SP tlog-witness, add-checkpoint) over its
 * own LMDB store.
 *
 * Design. A request goes through the checks in the order the spec lists
 * them, so each failure gets the status the spec prescribes: parse the
 * body (400), find the origin among the configured logs (404), verify the
 * log's signature (403), old <= size (400); then, inside ONE write
 * transaction, compare old with the stored size (409), check the proof
 * from the stored root (422) or, for old == size, the equality of roots
 * (409), sign, store, commit. Everything that does not depend on the
 * stored state (parsing, the log's Ed25519 signature) runs before the
 * transaction so the writer lock is held only for hashing, one signature
 * and the commit. LMDB allows one write transaction at a time per
 * environment, so read-compare-write is a compare-and-swap: of two
 * concurrent requests with the same old size, the second sees the first's
 * result and gets 409. The cosignature is computed only after the checks
 * passed and handed out only after the commit returned (fsync'd: the
 * store never sets MDB_NOSYNC): a crash can lose an answer, never the
 * record of what was answered. Concurrent requests share one transaction
 * and one fsync (group commit, see add_locked): the fsync, not the
 * crypto, bounds a witness on a real disk.
 *
 * Storage (table "meta" of ledger/store.h):
 *   "format"       -> WITNESS_FORMAT (a log's store has STORE_FORMAT
 *                     instead: docs/storage.md, table "meta")
 *   "w/" <origin>  -> size u64be || root[32] || time u64be || note as
 *                     cosigned (the submitted note, then our line)
 * No record means "never cosigned", i.e. size 0 per the spec.
 *
 * What it is not: no HTTP (witness/server.c maps statuses), no clock
 * (the caller passes the time), no logging of misbehaviour evidence yet
 * (the spec's MAY; see docs/witness.md).
 */
#include "witness/witness.h"

#include "common/dec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "ledger/store.h"

#define WITNESS_DEFAULT_MAP ((uint64_t)1 << 30)
/* note_verify takes at most 64 verifiers: keys per origin. */
#define WITNESS_KEYS_PER_LOG_MAX 64u
#define REC_HEAD_LEN (8u + HASH_LEN + 8u)
#define REC_KEY_PREFIX "w/"
#define REC_KEY_PREFIX_LEN 2u
#define REC_KEY_MAX (REC_KEY_PREFIX_LEN + NOTE_NAME_MAX)

static const char meta_format[] = "format";

struct add_scratch;

/* One request waiting for (or in) a group commit. Lives on the waiting
 * thread's stack until done is set under w->mu. */
struct pending {
	const struct add_scratch *sc;
	uint64_t now;
	struct witness_result *out;
	enum lien_status st;
	int done;
	struct pending *next;
};

struct witness {
	struct store *st;
	const struct cosig_signer *signer;
	struct note_verifier *logs;	/* sorted by (name, key id) */
	size_t nlogs;
	pthread_mutex_t mu;		/* guards the queue and leader */
	pthread_cond_t cv;
	struct pending *head, *tail;	/* queued, not yet in a batch */
	int leader;			/* a batch is running */
	int sync_init;
};

/* ---- request body ---------------------------------------------------- */

enum lien_status
witness_request_parse(const uint8_t *body, size_t len,
    struct witness_request *out)
{
	static const uint8_t old_prefix[4] = { 'o', 'l', 'd', ' ' };
	const uint8_t *line;
	size_t line_len, n;
	struct rd r;
	enum lien_status st = LIEN_EPARSE;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (body == NULL && len > 0)
		return LIEN_EINVAL;
	if (len > WITNESS_REQUEST_MAX)
		return LIEN_ETOOBIG;
	rd_init(&r, body, len);
	/* tlog-witness: "old", one space, the size as ASCII decimal with no
	 * leading zeroes, '\n'. */
	if (rd_until(&r, '\n', &line, &line_len) != LIEN_OK ||
	    line_len < sizeof old_prefix ||
	    memcmp(line, old_prefix, sizeof old_prefix) != 0 ||
	    dec_u64_parse(line + sizeof old_prefix, line_len - sizeof old_prefix,
	    &out->old_size) != LIEN_OK)
		goto fail;
	/* Proof lines, each one base64 hash, until the empty line. The
	 * client MUST NOT send more than 63. */
	for (;;) {
		if (rd_until(&r, '\n', &line, &line_len) != LIEN_OK)
			goto fail;	/* no empty line before the end */
		if (line_len == 0)
			break;
		if (out->nproof == WITNESS_PROOF_MAX) {
			st = LIEN_ETOOBIG;
			goto fail;
		}
		if (line_len != B64_ENCODED_LEN(HASH_LEN) ||
		    b64_decode((const char *)line, line_len,
		    out->proof[out->nproof], HASH_LEN, &n) != LIEN_OK ||
		    n != HASH_LEN)
			goto fail;
		out->nproof++;
	}
	if (rd_left(&r) == 0)
		goto fail;	/* no checkpoint */
	out->note = r.p;
	out->note_len = rd_left(&r);
	return LIEN_OK;
fail:
	memset(out, 0, sizeof *out);
	return st;
}

/* ---- logs config ------------------------------------------------------ */

/* Order of (name, key id): shorter names first is not needed, any total
 * order works for binary search; this one is bytewise, then length. */
static int
name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

struct log_line {
	struct note_verifier v;
	size_t line;
};

static int
verifier_cmp(const struct note_verifier *a, const struct note_verifier *b)
{
	int c = name_cmp(a->name, a->name_len, b->name, b->name_len);

	if (c != 0)
		return c;
	return (a->key_id > b->key_id) - (a->key_id < b->key_id);
}

static int
log_line_cmp(const void *pa, const void *pb)
{
	const struct log_line *a = pa, *b = pb;

	return verifier_cmp(&a->v, &b->v);
}

enum lien_status
witness_logs_parse(const uint8_t *text, size_t len,
    struct note_verifier **out, size_t *out_n, size_t *out_line)
{
	static const uint8_t log_prefix[4] = { 'l', 'o', 'g', ' ' };
	struct log_line *tmp = NULL;
	struct note_verifier *vs = NULL;
	size_t nlog = 0, lineno = 0, n = 0, run = 0;
	struct rd r;
	enum lien_status st = LIEN_EPARSE;

	if (out_line != NULL)
		*out_line = 0;
	if (out == NULL || out_n == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_n = 0;
	if (text == NULL && len > 0)
		return LIEN_EINVAL;
	if (len > WITNESS_CONFIG_MAX)
		return LIEN_ETOOBIG;
	/* First pass: count "log " lines, so the array is sized from the
	 * file (capped), not grown. */
	rd_init(&r, text, len);
	while (rd_left(&r) > 0) {
		const uint8_t *line;
		size_t line_len;

		if (rd_until(&r, '\n', &line, &line_len) != LIEN_OK) {
			line = r.p;	/* last line without '\n' */
			line_len = rd_left(&r);
			r.p = r.end;
		}
		if (line_len >= sizeof log_prefix &&
		    memcmp(line, log_prefix, sizeof log_prefix) == 0)
			nlog++;
	}
	if (nlog > WITNESS_LOGS_MAX)
		return LIEN_ETOOBIG;
	/* One spare slot: with no "log " line the second pass still runs,
	 * to name the first bad line. */
	tmp = calloc(nlog + 1, sizeof *tmp);
	if (tmp == NULL)
		return LIEN_ENOMEM;
	rd_init(&r, text, len);
	while (rd_left(&r) > 0) {
		const uint8_t *line;
		size_t line_len;

		lineno++;
		if (rd_until(&r, '\n', &line, &line_len) != LIEN_OK) {
			line = r.p;
			line_len = rd_left(&r);
			r.p = r.end;
		}
		if (line_len == 0 || line[0] == '#')
			continue;
		if (line_len < sizeof log_prefix ||
		    memcmp(line, log_prefix, sizeof log_prefix) != 0) {
			st = LIEN_EPARSE;
			goto fail;
		}
		/* note_verifier_parse tolerates one trailing '\n'; the line
		 * has none, so any other stray byte is an error. */
		st = note_verifier_parse((const char *)line + sizeof log_prefix,
		    line_len - sizeof log_prefix, &tmp[n].v);
		if (st != LIEN_OK)
			goto fail;
		if (tmp[n].v.type != NOTE_KEY_ED25519) {
			st = LIEN_EUNSUPPORTED;	/* a witness key is no log key */
			goto fail;
		}
		tmp[n].line = lineno;
		n++;
	}
	if (n == 0) {
		st = LIEN_EPARSE;	/* a witness of nothing is a mistake */
		lineno = 0;
		goto fail;
	}
	qsort(tmp, n, sizeof *tmp, log_line_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && name_cmp(tmp[i].v.name, tmp[i].v.name_len,
		    tmp[i - 1].v.name, tmp[i - 1].v.name_len) == 0) {
			if (tmp[i].v.key_id == tmp[i - 1].v.key_id) {
				lineno = tmp[i].line > tmp[i - 1].line ?
				    tmp[i].line : tmp[i - 1].line;
				st = LIEN_EEXIST;
				goto fail;
			}
			run++;
		} else {
			run = 1;
		}
		if (run > WITNESS_KEYS_PER_LOG_MAX) {
			lineno = tmp[i].line;
			st = LIEN_ETOOBIG;
			goto fail;
		}
	}
	vs = malloc(n * sizeof *vs);
	if (vs == NULL) {
		st = LIEN_ENOMEM;
		lineno = 0;
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		vs[i] = tmp[i].v;
	free(tmp);
	*out = vs;
	*out_n = n;
	return LIEN_OK;
fail:
	if (out_line != NULL)
		*out_line = lineno;
	free(tmp);
	return st;
}

/* ---- store ------------------------------------------------------------ */

enum lien_status
witness_open(const char *dir, uint64_t map_size,
    const struct cosig_signer *signer, const struct note_verifier *logs,
    size_t nlogs, struct witness **out)
{
	struct witness *w;
	struct store_txn *t = NULL;
	const uint8_t *v;
	size_t vlen;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (dir == NULL || signer == NULL || logs == NULL || nlogs == 0 ||
	    nlogs > WITNESS_LOGS_MAX)
		return LIEN_EINVAL;
	if (cosig_signer_verifier(signer)->type != NOTE_KEY_COSIG_V1)
		return LIEN_EINVAL;
	for (size_t i = 0; i < nlogs; i++) {
		if (logs[i].type != NOTE_KEY_ED25519 ||
		    (i > 0 && verifier_cmp(&logs[i - 1], &logs[i]) >= 0))
			return LIEN_EINVAL;	/* not from witness_logs_parse */
	}
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return LIEN_ENOMEM;
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		free(w);
		return LIEN_ENOMEM;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		free(w);
		return LIEN_ENOMEM;
	}
	w->sync_init = 1;
	w->signer = signer;
	w->nlogs = nlogs;
	w->logs = malloc(nlogs * sizeof *w->logs);
	if (w->logs == NULL) {
		st = LIEN_ENOMEM;
		goto fail;
	}
	memcpy(w->logs, logs, nlogs * sizeof *w->logs);
	st = store_open(dir, map_size ? map_size : WITNESS_DEFAULT_MAP, 0, 0,
	    &w->st);
	if (st != LIEN_OK)
		goto fail;
	st = store_txn_begin(w->st, 1, &t);
	if (st != LIEN_OK)
		goto fail;
	st = store_get(t, STORE_META, meta_format, sizeof meta_format - 1, &v,
	    &vlen);
	if (st == LIEN_OK) {
		if (vlen != sizeof WITNESS_FORMAT - 1 ||
		    memcmp(v, WITNESS_FORMAT, vlen) != 0) {
			st = LIEN_EUNSUPPORTED;	/* a log's store, say */
			store_txn_abort(t);
			goto fail;
		}
		store_txn_abort(t);
	} else if (st == LIEN_ENOTFOUND) {
		st = store_put(t, STORE_META, meta_format,
		    sizeof meta_format - 1, WITNESS_FORMAT,
		    sizeof WITNESS_FORMAT - 1, 0);
		if (st != LIEN_OK) {
			store_txn_abort(t);
			goto fail;
		}
		st = store_txn_commit(t);
		if (st != LIEN_OK)
			goto fail;
	} else {
		store_txn_abort(t);
		goto fail;
	}
	*out = w;
	return LIEN_OK;
fail:
	witness_close(w);
	return st;
}

void
witness_close(struct witness *w)
{
	if (w == NULL)
		return;
	store_close(w->st);
	free(w->logs);
	if (w->sync_init) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	free(w);
}

const struct note_verifier *
witness_verifier(const struct witness *w)
{
	return cosig_signer_verifier(w->signer);
}

enum lien_status
witness_vkey(const struct witness *w, char *out, size_t cap)
{
	if (w == NULL)
		return LIEN_EINVAL;
	return cosig_signer_vkey(w->signer, out, cap);
}

size_t
witness_nlogs(const struct witness *w)
{
	return w->nlogs;
}

/* The configured keys of origin: [*lo, *hi). 0 if none. */
static int
logs_find(const struct witness *w, const char *origin, size_t origin_len,
    size_t *lo, size_t *hi)
{
	size_t a = 0, b = w->nlogs;

	while (a < b) {		/* first index with name >= origin */
		size_t m = a + (b - a) / 2;

		if (name_cmp(w->logs[m].name, w->logs[m].name_len, origin,
		    origin_len) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < w->nlogs && name_cmp(w->logs[a].name, w->logs[a].name_len,
	    origin, origin_len) == 0)
		a++;
	*hi = a;
	return *hi > *lo;
}

static size_t
rec_key(const char *origin, size_t origin_len, uint8_t key[REC_KEY_MAX])
{
	memcpy(key, REC_KEY_PREFIX, REC_KEY_PREFIX_LEN);
	memcpy(key + REC_KEY_PREFIX_LEN, origin, origin_len);
	return REC_KEY_PREFIX_LEN + origin_len;
}

/* ---- add-checkpoint ----------------------------------------------------- */

/* Per-request scratch on the heap: a civetweb worker has a 100 KiB stack
 * and struct note_parsed alone is several KiB. */
struct add_scratch {
	struct witness_request req;
	struct note_parsed np;
	struct checkpoint cp;
};

/* One request's state-dependent checks and its put, inside the batch's
 * write transaction t (which also holds the puts of earlier requests of
 * the same batch: LMDB reads its own writes, so two requests for one
 * origin in one batch are ordered exactly as if committed one by one).
 * Returns the verdict. *out_fatal is set when t is no longer usable
 * (a failed put): the whole batch then fails. */
static enum lien_status LIEN_MUST_CHECK
batch_one(struct witness *w, struct store_txn *t, const struct add_scratch *sc,
    uint64_t now, struct witness_result *out, int *out_fatal)
{
	const struct checkpoint *cp = &sc->cp;
	const struct witness_request *rq = &sc->req;
	uint8_t key[REC_KEY_MAX], stored_root[HASH_LEN];
	const uint8_t *v;
	size_t klen, vlen;
	uint64_t stored_size = 0;
	int have = 0;
	uint8_t *dst;
	enum lien_status st;

	*out_fatal = 0;
	memset(stored_root, 0, sizeof stored_root);
	klen = rec_key(cp->origin, cp->origin_len, key);
	st = store_get(t, STORE_META, key, klen, &v, &vlen);
	if (st == LIEN_OK) {
		if (vlen < REC_HEAD_LEN)
			return LIEN_ECORRUPT;
		stored_size = be64_get(v);
		memcpy(stored_root, v + 8, HASH_LEN);
		have = 1;
	} else if (st != LIEN_ENOTFOUND) {
		return st;
	}
	/* tlog-witness: old must match the latest cosigned size (0 if
	 * none), else 409 with that size. Since old <= size was checked,
	 * this also refuses every rollback. */
	if (rq->old_size != stored_size) {
		out->stored_size = stored_size;
		return LIEN_ECONFLICT;
	}
	if (rq->old_size == cp->size) {
		/* Same size: the roots must be identical (409), and there
		 * is nothing to prove (RFC 9162: the empty proof). */
		if (have && !hash_equal(stored_root, cp->root)) {
			out->stored_size = stored_size;
			return LIEN_ECONFLICT;
		}
		if (rq->nproof != 0)
			return LIEN_EVERIFY;
	} else if (merkle_verify_consistency(rq->old_size, cp->size,
	    stored_root, cp->root, rq->proof, rq->nproof) != LIEN_OK) {
		/* old == 0 needs no stored root (and an empty proof);
		 * merkle_verify_consistency ignores old_root then. */
		return LIEN_EVERIFY;
	}
	/* Only now, with every check passed, is a cosignature made. */
	st = cosig_sign_line(w->signer, sc->np.text, sc->np.text_len, now,
	    out->lines, sizeof out->lines, &out->lines_len);
	if (st != LIEN_OK)
		return st;
	st = store_reserve(t, STORE_META, key, klen,
	    REC_HEAD_LEN + rq->note_len + out->lines_len, &dst);
	if (st != LIEN_OK) {
		*out_fatal = 1;		/* e.g. map full: t must be aborted */
		return st;
	}
	be64_put(dst, cp->size);
	memcpy(dst + 8, cp->root, HASH_LEN);
	be64_put(dst + 8 + HASH_LEN, now);
	memcpy(dst + REC_HEAD_LEN, rq->note, rq->note_len);
	memcpy(dst + REC_HEAD_LEN + rq->note_len, out->lines, out->lines_len);
	out->stored_size = cp->size;
	return LIEN_OK;
}

/* Run a batch in one write transaction and one commit. A verdict of
 * LIEN_OK becomes final only if the commit succeeds; otherwise every
 * request of the batch that would have been cosigned gets the commit's
 * error and its line is wiped (never released undurable). */
static void
batch_run(struct witness *w, struct pending *batch)
{
	struct store_txn *t = NULL;
	struct pending *p;
	enum lien_status st;
	int fatal = 0;

	st = store_txn_begin(w->st, 1, &t);
	if (st != LIEN_OK) {
		for (p = batch; p != NULL; p = p->next)
			p->st = st;
		return;
	}
	for (p = batch; p != NULL; p = p->next) {
		if (fatal) {
			p->st = st;
			continue;
		}
		p->st = batch_one(w, t, p->sc, p->now, p->out, &fatal);
		if (fatal)
			st = p->st;
	}
	if (fatal)
		store_txn_abort(t);
	else
		st = store_txn_commit(t);	/* fsync: durable from here */
	if (st == LIEN_OK)
		return;
	for (p = batch; p != NULL; p = p->next) {
		if (p->st == LIEN_OK || fatal) {
			p->st = st;
			secret_wipe(p->out->lines, sizeof p->out->lines);
			p->out->lines_len = 0;
		}
	}
}

/* Group commit (leader/follower): a request queues itself; whoever finds
 * no batch running becomes the leader, takes everything queued (its own
 * request included), runs it as one transaction and one fsync, then marks
 * those requests done and wakes the others. Concurrent requests thus
 * share one commit, which is what bounds the rate (DEPS.md: ~4.4k
 * commits/s here, ~200k records/s in batches). Order within a batch is
 * arrival order; the CAS semantics are unchanged (see batch_one). */
static enum lien_status LIEN_MUST_CHECK
add_locked(struct witness *w, const struct add_scratch *sc, uint64_t now,
    struct witness_result *out)
{
	struct pending me, *batch;

	memset(&me, 0, sizeof me);
	me.sc = sc;
	me.now = now;
	me.out = out;
	pthread_mutex_lock(&w->mu);
	if (w->tail != NULL)
		w->tail->next = &me;
	else
		w->head = &me;
	w->tail = &me;
	while (!me.done) {
		if (w->leader) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		w->leader = 1;
		batch = w->head;
		w->head = w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		batch_run(w, batch);
		pthread_mutex_lock(&w->mu);
		while (batch != NULL) {
			struct pending *next = batch->next;

			batch->done = 1;	/* batch may be freed after this */
			batch = next;
		}
		w->leader = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return me.st;
}

enum lien_status
witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len,
    uint64_t now, struct witness_result *out)
{
	struct add_scratch *sc = NULL;
	size_t lo, hi;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (w == NULL || (body == NULL && len > 0) || now > COSIG_TIME_MAX)
		return LIEN_EINVAL;
	sc = malloc(sizeof *sc);
	if (sc == NULL)
		return LIEN_ENOMEM;
	st = witness_request_parse(body, len, &sc->req);
	if (st != LIEN_OK)
		goto out;
	/* The note and its checkpoint body: malformed is 400. */
	st = note_parse(sc->req.note, sc->req.note_len, &sc->np);
	if (st != LIEN_OK)
		goto out;
	st = checkpoint_parse(sc->np.text, sc->np.text_len, &sc->cp);
	if (st != LIEN_OK)
		goto out;
	/* Unknown origin: 404 (tlog-witness). */
	if (!logs_find(w, sc->cp.origin, sc->cp.origin_len, &lo, &hi)) {
		st = LIEN_ENOTFOUND;
		goto out;
	}
	/* Signatures of unknown keys are ignored; none valid from the
	 * origin's keys (or one invalid: fail closed) is 403. */
	if (note_verify(sc->req.note, sc->req.note_len, &w->logs[lo], hi - lo,
	    &sc->np, NULL) != LIEN_OK) {
		st = LIEN_EKEY;
		goto out;
	}
	/* old > size: 400 (tlog-witness). */
	if (sc->req.old_size > sc->cp.size) {
		st = LIEN_ERANGE;
		goto out;
	}
	st = add_locked(w, sc, now, out);
out:
	if (st != LIEN_OK) {
		uint64_t keep = st == LIEN_ECONFLICT ? out->stored_size : 0;

		memset(out, 0, sizeof *out);
		out->stored_size = keep;
	}
	free(sc);
	return st;
}

enum lien_status
witness_latest(struct witness *w, const char *origin, size_t origin_len,
    uint64_t *out_size, uint8_t out_root[HASH_LEN], uint64_t *out_time,
    char **out_note, size_t *out_note_len)
{
	uint8_t key[REC_KEY_MAX];
	struct store_txn *t = NULL;
	const uint8_t *v;
	size_t klen, vlen;
	enum lien_status st;

	if (out_note != NULL)
		*out_note = NULL;
	if (out_note_len != NULL)
		*out_note_len = 0;
	if (out_size == NULL || out_root == NULL || out_time == NULL)
		return LIEN_EINVAL;
	*out_size = 0;
	*out_time = 0;
	memset(out_root, 0, HASH_LEN);
	if (w == NULL || origin == NULL || origin_len == 0 ||
	    origin_len > NOTE_NAME_MAX)
		return LIEN_EINVAL;
	klen = rec_key(origin, origin_len, key);
	st = store_txn_begin(w->st, 0, &t);
	if (st != LIEN_OK)
		return st;
	st = store_get(t, STORE_META, key, klen, &v, &vlen);
	if (st != LIEN_OK)
		goto out;
	if (vlen < REC_HEAD_LEN) {
		st = LIEN_ECORRUPT;
		goto out;
	}
	*out_size = be64_get(v);
	memcpy(out_root, v + 8, HASH_LEN);
	*out_time = be64_get(v + 8 + HASH_LEN);
	if (out_note != NULL) {
		size_t nl = vlen - REC_HEAD_LEN;
		char *n = malloc(nl + 1);

		if (n == NULL) {
			st = LIEN_ENOMEM;
			goto out;
		}
		/* Copy out before the transaction ends (LMDB). */
		memcpy(n, v + REC_HEAD_LEN, nl);
		n[nl] = '\0';
		*out_note = n;
		if (out_note_len != NULL)
			*out_note_len = nl;
	}
out:
	store_txn_abort(t);
	return st;
}
