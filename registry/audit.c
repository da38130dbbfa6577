/*
 * registry_replay_audit: "replaying the log yields exactly the stored
 * state" (issue 4, Build item 1), checked with the real transition code.
 *
 * Every entry is visited in order (ledger_view_foreach_entry); registry
 * entries are re-checked against the replayed state with the same rules
 * the sequencer used (registry_check: an entry the rules would have
 * refused is an illegal transition, reported with its index) and applied
 * with registry_apply into a scratch LMDB store, both by
 * registry_check_apply (one parse of each entry for the two). The
 * scratch store does not sync its commits (it is rebuilt, not recovered);
 * a throw-away one, or a kept one replayed from the log's start (the
 * full audit of `lienlog audit --resume`), is committed every
 * RG_AUDIT_TXN_ENTRIES entries to bound its dirty pages; a kept one
 * resumed from a mark (the incremental audit) once, at the end; a kept
 * one's last commit is durable and carries its mark, so that a run that
 * dies half-way leaves it at the state its mark names, or unmarked.
 * Finally every public state table must equal the stored one, record for
 * record.
 *
 * The scratch store is compact (ledger_scratch_compact): the tables whose
 * records are written once and never rewritten (each application's
 * private state, the notices, the Idempotency-Keys) hold 16-byte digests
 * of the records, which the rules read from the audited store itself,
 * checked against the digest; they are compared by digest; and the
 * replayed map keeps its live tiles only. The replay then holds what the
 * rules must read back as it was (vehicles, applications, counters,
 * windows, nonces, the expiry queue), not a second copy of the rest.
 *
 * Two audits in one pass (docs/privacy.md "Server state and the audits"):
 * the public one uses the public payloads only (what anyone holding the
 * log can replay); the private one also takes each entry's private record
 * from the store, checks the payload commits to it, runs the rules on
 * private data and compares the private tables (pstate, nonces, idem).
 * Not compared: private records, sealed boxes and subject keys, which are
 * not derived from the log (their digests are); but no subject key an
 * erasure entry names may be left.
 *
 * The lien-status map is rebuilt the same way, from the public state
 * alone: every vehicle the replay stores sets its leaf (registry/
 * status.c), and at each state-root entry the replayed map's root and key
 * count must be what the entry says; at the end the stored map must equal
 * the replayed one tile for tile. A log whose state roots lie is caught at
 * the first lie, by the public audit too.
 */
#include "registry/registry_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <unistd.h>

#include "common/hex.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/status.h"

#define RG_AUDIT_TXN_ENTRIES 10000u

/* registry_replay_txn_entries's (0: RG_AUDIT_TXN_ENTRIES) */
static uint64_t rg_audit_txn_entries;

void
registry_replay_txn_entries(uint64_t n)
{
	rg_audit_txn_entries = n;
}

struct audit {
	struct ledger_scratch *sc;
	struct ledger_state *st;
	struct ledger_view *v;
	int public_only;
	uint64_t in_txn;
	enum lien_status rc;
	char *why;
	size_t why_cap;
	/* key rotation: the previous store, and the final checkpoint of it
	 * that entry 0 (prev_log) names */
	struct ledger *prev;
	int have_prev_cp;
	struct checkpoint prev_cp;
	uint8_t prev_note[ENTRY_PAYLOAD_MAX];
	/* registry_replay: the caller commits (at state roots) */
	int incremental;
	/* a kept replay (lienlog audit --resume): one transaction, so that a
	 * run that dies leaves the store as its last mark says */
	int kept;
	/* registry_replay_audit_resume's progress report (NULL: none) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	uint64_t from, total;
};

/* Entry 0 of a successor log: the old log's final checkpoint (a signed
 * note; its body is the text before the blank line). */
static int
audit_prev_log(struct audit *a, uint64_t index, const struct entry *e)
{
	const uint8_t *p = e->payload;
	size_t n = e->payload_len, body = 0;

	if (index != 0)
		return 0;	/* only entry 0 names a predecessor */
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && p[i + 1] == '\n') {
			body = i + 1;
			break;
		}
	memcpy(a->prev_note, p, n);
	if (body == 0 || checkpoint_parse(a->prev_note, body, &a->prev_cp) !=
	    LIEN_OK) {
		snprintf(a->why, a->why_cap, "entry 0: prev_log does not hold a "
		    "checkpoint");
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	a->have_prev_cp = 1;
	return 0;
}

/* The state hand-over (type 25): the previous store must be the log entry
 * 0 names (origin, final size, root), and the entry exactly what copying
 * its state gives (registry/handover.c). */
static int
audit_handover(struct audit *a, uint64_t index, const struct entry *e)
{
	struct reg_handover h;
	struct ledger_view *pv = NULL;
	uint8_t root[HASH_LEN];
	const char *origin, *reason = NULL;
	uint64_t final = 0;
	enum lien_status rc;

	if (!a->have_prev_cp) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": state hand-over "
		    "without a prev_log entry 0", index);
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (a->prev == NULL) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": state hand-over "
		    "from %.*s at size %" PRIu64 ": auditing it needs that store "
		    "(lienlog audit --prev DIR)", index,
		    (int)a->prev_cp.origin_len, a->prev_cp.origin,
		    a->prev_cp.size);
		a->rc = LIEN_EUNSUPPORTED;
		return 1;
	}
	origin = ledger_origin(a->prev);
	rc = ledger_view_open(a->prev, &pv);
	if (rc == LIEN_OK && (strlen(origin) != a->prev_cp.origin_len ||
	    memcmp(origin, a->prev_cp.origin, a->prev_cp.origin_len) != 0 ||
	    !ledger_frozen(a->prev, &final) || final != a->prev_cp.size ||
	    ledger_view_size(pv) != final))
		rc = LIEN_EVERIFY;
	if (rc == LIEN_OK && (rc = ledger_view_root(pv, final, root)) ==
	    LIEN_OK && !hash_equal(root, a->prev_cp.root))
		rc = LIEN_EVERIFY;
	if (rc != LIEN_OK) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": the previous "
		    "store is not the frozen log %.*s of size %" PRIu64 " that "
		    "entry 0 names%s", index, (int)a->prev_cp.origin_len,
		    a->prev_cp.origin, a->prev_cp.size, rc == LIEN_EVERIFY ?
		    "" : " (cannot read it)");
		a->rc = rc == LIEN_EVERIFY ? LIEN_ECORRUPT : rc;
		ledger_view_close(pv);
		return 1;
	}
	memset(&h, 0, sizeof(h));
	h.prev = pv;
	/* the private audit starts from the previous store's private state
	 * too (its own private audit checked it) */
	h.copy_private = !a->public_only;
	h.prev_origin = a->prev_cp.origin;
	h.prev_origin_len = a->prev_cp.origin_len;
	h.prev_size = a->prev_cp.size;
	memcpy(h.prev_root, a->prev_cp.root, HASH_LEN);
	rc = registry_handover_apply(a->st, e->payload, e->payload_len, &h,
	    &reason);
	ledger_view_close(pv);
	if (rc != LIEN_OK) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": state hand-over "
		    "does not match the previous store: %s", index, reason ?
		    reason : lien_status_code(rc));
		a->rc = rc == LIEN_ENOMEM || rc == LIEN_EIO ? rc :
		    LIEN_ECORRUPT;
		return 1;
	}
	return 0;
}

/* A state-root entry: the map replayed so far must be the one it names. */
static int
audit_state_root(struct audit *a, uint64_t index, const struct entry *e)
{
	struct status_root sr;
	uint8_t root[HASH_LEN];
	uint64_t nkeys;
	enum lien_status rc;

	if (status_root_decode(e->payload, e->payload_len, &sr) != LIEN_OK ||
	    sr.tree_size != index + 1) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": malformed "
		    "state root", index);
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	if ((rc = ledger_state_map_root(a->st, root, &nkeys)) != LIEN_OK) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": replaying the "
		    "status map: %s", index, lien_status_message(rc));
		a->rc = rc;
		return 1;
	}
	if (!hash_equal(root, sr.root) || nkeys != sr.nkeys) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": state root "
		    "does not match the status map replayed from the log "
		    "(entry: %" PRIu64 " vehicles, replay: %" PRIu64 "%s)",
		    index, sr.nkeys, nkeys, hash_equal(root, sr.root) ? "" :
		    ", roots differ");
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	return 0;
}

static int audit_entry(struct audit *a, uint64_t index, const uint8_t *ent,
    size_t len, struct rg_pipe_item *it);

/* One entry; it (NULL: none) is what the reader did for it ahead
 * (registry/pipeline.c). */
static int
audit_step(struct audit *a, uint64_t index, const uint8_t *ent, size_t len,
    struct rg_pipe_item *it)
{
	int stop = audit_entry(a, index, ent, len, it);

	rg_cache_scope_end();	/* the entry's records: registry/cache.c */
	if (a->progress != NULL && !stop &&
	    (index + 1 - a->from) % REG_REPLAY_PROGRESS_EVERY == 0)
		a->progress(a->progress_ctx, index + 1 - a->from, a->total);
	return stop;
}

static int
audit_visit(void *ctx, uint64_t index, const uint8_t *ent, size_t len)
{
	return audit_step(ctx, index, ent, len, NULL);
}

static int
audit_entry(struct audit *a, uint64_t index, const uint8_t *ent, size_t len,
    struct rg_pipe_item *it)
{
	struct entry e;
	const char *reason = NULL;
	uint8_t *priv = NULL;	/* decoded: free() */
	size_t priv_len = 0;
	int applying = 0;
	enum lien_status rc;

	if (it != NULL) {
		rc = it->dec;
		e = it->e;
	} else {
		rc = entry_decode(ent, len, &e);
	}
	if (rc == LIEN_ENOMEM) {	/* the reader's copy */
		a->rc = rc;
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": %s", index,
		    lien_status_message(rc));
		return 1;
	}
	if (rc != LIEN_OK || e.index != index) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64
		    ": envelope does not decode", index);
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (e.type == ENTRY_TYPE_STATE_ROOT)
		return audit_state_root(a, index, &e);
	if (e.type == ENTRY_TYPE_PREV_LOG)
		return audit_prev_log(a, index, &e);
	if (e.type == REG_T_STATE_HANDOVER) {
		/* it writes the totals itself: the held ones first */
		if ((rc = rg_stats_flush(a->st)) != LIEN_OK) {
			a->rc = rc;
			snprintf(a->why, a->why_cap, "entry %" PRIu64 ": %s",
			    index, lien_status_message(rc));
			return 1;
		}
		return audit_handover(a, index, &e);
	}
	if (e.type < REG_T_FIRST)
		return 0;		/* the log's own entries */
	if (!registry_type_known(e.type)) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64
		    ": unknown entry type %u", index, (unsigned)e.type);
		a->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (!a->public_only) {
		if (it != NULL && it->priv_done) {
			rc = it->priv_rc;
			priv = it->priv;	/* taken */
			priv_len = it->priv_len;
			it->priv = NULL;
		} else {
			rc = registry_private_get(a->v, index, &priv,
			    &priv_len);
		}
		if (rc != LIEN_OK) {
			snprintf(a->why, a->why_cap, "entry %" PRIu64
			    ": %s", index, rc == LIEN_ENOTFOUND ?
			    "private record missing" :
			    lien_status_message(rc));
			a->rc = rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
			return 1;
		}
	}
	rc = rg_check_apply_pre(a->st, index, e.time_ms, e.type, e.payload,
	    e.payload_len, priv, priv_len, it != NULL && it->priv_done &&
	    priv != NULL ? it->commit : NULL, &reason, &applying);
	free(priv);
	if (rc == LIEN_OK)
		goto applied;
	{
		/* a record the rules read from the store (a compact scratch's
		 * digest table) is not the one the replay wrote */
		char bad[256];

		if (a->sc != NULL && ledger_scratch_bad(a->sc, bad,
		    sizeof bad)) {
			snprintf(a->why, a->why_cap, "entry %" PRIu64 ": %s",
			    index, bad);
			a->rc = LIEN_ECORRUPT;
			return 1;
		}
	}
	if (applying) {
		snprintf(a->why, a->why_cap, "entry %" PRIu64
		    ": cannot apply %s: %s", index, rg_type_name(e.type),
		    lien_status_code(rc));
		a->rc = rc == LIEN_ENOMEM || rc == LIEN_EIO || rc == LIEN_EFULL
		    ? rc : LIEN_ECORRUPT;
		return 1;
	}
	if (rc == LIEN_ENOMEM || rc == LIEN_EIO || rc == LIEN_EFULL) {
		a->rc = rc;
		snprintf(a->why, a->why_cap, "entry %" PRIu64 ": %s", index,
		    lien_status_message(rc));
		return 1;
	}
	snprintf(a->why, a->why_cap, "entry %" PRIu64 ": illegal %s: %s",
	    index, rg_type_name(e.type), reason ? reason :
	    lien_status_code(rc));
	a->rc = LIEN_ECORRUPT;
	return 1;
applied:
	/* A kept replay started from empty (from = 0) commits on the way
	 * too: one LMDB transaction over a whole log spills its dirty
	 * pages again and again (55 GB written for a 12 GB store at 10^7
	 * entries) and failed there (README "Growth"). Its mark is
	 * written by the last commit only, so a run that dies leaves an
	 * unmarked store, which the next run rebuilds (tools/cli_audit.c
	 * removes it) or refuses (its mark does not match a resume
	 * record). An incremental run (from > 0) stays one transaction:
	 * its store must stay at its old mark until the run succeeds. */
	if (++a->in_txn >= (rg_audit_txn_entries ? rg_audit_txn_entries :
	    RG_AUDIT_TXN_ENTRIES) && !a->incremental &&
	    (!a->kept || a->from == 0)) {
		a->in_txn = 0;
		if ((rc = rg_stats_flush(a->st)) != LIEN_OK ||
		    (rc = ledger_scratch_commit(a->sc, a->st)) != LIEN_OK ||
		    (rc = ledger_scratch_begin(a->sc, &a->st)) != LIEN_OK) {
			a->st = NULL;
			a->rc = rc;
			snprintf(a->why, a->why_cap, "scratch store: %s",
			    lien_status_message(rc));
			return 1;
		}
	}
	return 0;
}

/* Every erasure tombstone of the (replayed, compared) index: its subject
 * key must be gone from the store's key table. */
struct erased_walk {
	struct ledger_view *v;
	enum lien_status rc;
	char *why;
	size_t why_cap;
};

static int
erased_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct erased_walk *w = ctx;
	uint8_t id[REG_SUBJECT_ID_LEN], k[RG_SUBJ_KEY_MAX];
	const uint8_t *kv;
	size_t kn;
	enum lien_status rc;

	(void)val;
	(void)val_len;
	if (key_len < 2 || memcmp(key, "e/", 2) != 0)
		return 1;		/* past the tombstones */
	if (key_len != 2 + 2 * REG_SUBJECT_ID_LEN ||
	    hex_decode((const char *)key + 2, key_len - 2, id,
	    REG_SUBJECT_ID_LEN) != LIEN_OK) {
		w->rc = LIEN_ECORRUPT;
		snprintf(w->why, w->why_cap, "index: malformed tombstone");
		return 1;
	}
	/* the key id's lookup (registry/registry.c "Subject keys"): every
	 * read and the erasure reach the wrapped key through it */
	rc = ledger_view_state_get(w->v, LEDGER_T_KEYS, k, rg_keys_by_id(k,
	    id), &kv, &kn);
	if (rc == LIEN_OK) {
		w->rc = LIEN_ECORRUPT;
		snprintf(w->why, w->why_cap, "keys: the subject key %.*s "
		    "survives its erasure", (int)(key_len - 2),
		    (const char *)key + 2);
		return 1;
	}
	if (rc != LIEN_ENOTFOUND) {
		w->rc = rc;
		return 1;
	}
	return 0;
}

/* Every subject record has its two lookups and nothing else is in
 * `keys` (registry/registry.c "Subject keys": a subject is created with
 * both, an erasure deletes the record and both, a replaced key swaps one
 * record and its lookups for another's): so `keys` holds exactly twice
 * as many records as `subjects`. The tombstone walk above finds an
 * erased key through its id's lookup; this finds a wrapped key kept
 * without one, which no lookup leads to, from LMDB's counts, without
 * reading the table. */
static enum lien_status LIEN_MUST_CHECK
subjects_paired(struct ledger_view *v, char *why, size_t why_cap)
{
	uint64_t ns, nk;
	enum lien_status rc;

	if ((rc = ledger_view_state_entries(v, LEDGER_T_SUBJECTS, &ns)) !=
	    LIEN_OK ||
	    (rc = ledger_view_state_entries(v, LEDGER_T_KEYS, &nk)) != LIEN_OK)
		return rc;
	if (nk != 2 * ns) {
		snprintf(why, why_cap, "subjects: %" PRIu64 " subject keys "
		    "and %" PRIu64 " lookups, not two each: a key without its "
		    "lookups (one an erasure left?) or a lookup without its key",
		    ns, nk);
		return LIEN_ECORRUPT;
	}
	return LIEN_OK;
}

enum lien_status
registry_replay_audit(struct ledger *l, const char *scratch_dir,
    int public_only, char *why, size_t why_cap)
{
	return registry_replay_audit_prev(l, NULL, scratch_dir, public_only,
	    why, why_cap);
}

/* ---- The final comparison on two threads ---------------------------------
 *
 * After a full replay every state table is compared with the store's,
 * record for record: reading both stores from end to end, which on a
 * store larger than RAM is mostly waiting for the disk (README "Growth").
 * The public tables and the map on this thread, the private ones on a
 * second, each with its own read transactions; the second reads the
 * store through a view of the very same snapshot (else it does not run
 * and this thread compares the private tables after the public ones).
 * The verdict is the one the tables compared in order would give: the
 * public tables' first difference, else the private ones'. */
struct cmp_job {
	struct ledger_scratch *sc;
	struct ledger_view *v;
	const enum ledger_table *tbs;
	size_t n;
	int map;		/* and then the status map */
	enum lien_status rc;
	char why[512];
};

static void
cmp_run(struct cmp_job *j)
{
	j->rc = LIEN_OK;
	j->why[0] = '\0';
	for (size_t i = 0; i < j->n && j->rc == LIEN_OK; i++)
		j->rc = ledger_scratch_compare(j->sc, j->v, j->tbs[i], j->why,
		    sizeof j->why);
	if (j->rc == LIEN_OK && j->map)
		j->rc = ledger_scratch_compare_map(j->sc, j->v, j->why,
		    sizeof j->why);
}

static void *
cmp_main(void *arg)
{
	cmp_run(arg);
	return NULL;
}

/* Every table of the scratch store against the view's (public_only: the
 * public ones and the map). */
static enum lien_status LIEN_MUST_CHECK
compare_all(struct ledger *l, struct ledger_scratch *sc, struct ledger_view *v,
    const enum ledger_table *pub, size_t npub, const enum ledger_table *priv,
    size_t npriv, int public_only, char *why, size_t why_cap)
{
	struct cmp_job *j = calloc(2, sizeof *j);
	struct ledger_view *v2 = NULL;
	pthread_t tid;
	int two = 0;
	enum lien_status rc;

	if (j == NULL)
		return LIEN_ENOMEM;
	j[0] = (struct cmp_job){ sc, v, pub, npub, 1, LIEN_OK, "" };
	j[1] = (struct cmp_job){ sc, v, priv, npriv, 0, LIEN_OK, "" };
	if (!public_only && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    ledger_view_open(l, &v2) == LIEN_OK &&
	    ledger_view_snapshot(v2) == ledger_view_snapshot(v)) {
		j[1].v = v2;
		two = pthread_create(&tid, NULL, cmp_main, &j[1]) == 0;
	}
	cmp_run(&j[0]);
	if (two)
		(void)pthread_join(tid, NULL);
	else if (!public_only && j[0].rc == LIEN_OK)
		cmp_run(&j[1]);
	ledger_view_close(v2);
	rc = LIEN_OK;
	if (j[0].rc != LIEN_OK) {
		rc = j[0].rc;
		snprintf(why, why_cap, "%s", j[0].why);
	} else if (!public_only && j[1].rc != LIEN_OK) {
		rc = j[1].rc;
		snprintf(why, why_cap, "%s", j[1].why);
	}
	free(j);
	return rc;
}

/* ---- An incremental run's comparison beside its commit --------------------
 *
 * The keys an incremental run wrote are compared with the store's after
 * the kept replay is committed (durably, with its new mark: at 10^6 the
 * commit writes ~200 MB for 10^5 entries). The store's half of that
 * comparison (sorting the keys, looking each up, hashing the records of
 * the digest tables) needs nothing of the commit, so a second thread
 * does it meanwhile, through a view of the very same snapshot (else
 * nothing runs there, and this thread compares as before); this thread
 * then reads the committed scratch side and compares, in the same key
 * order, so the verdict and the first difference reported are the same
 * (ledger_scratch_touched_check). */
struct touched_job {
	struct ledger_scratch *sc;
	struct ledger_view *v2;		/* the second thread's, same snapshot */
	unsigned mask;
	pthread_t tid;
	int running;
	struct ledger_touched *tr;	/* its result */
	enum lien_status rc;		/* ... or why there is none */
};

static void *
touched_main(void *arg)
{
	struct touched_job *j = arg;

	j->rc = ledger_scratch_touched_read(j->sc, j->v2, j->mask, &j->tr);
	return NULL;
}

static void
touched_start(struct touched_job *j, struct ledger *l,
    struct ledger_scratch *sc, struct ledger_view *v, unsigned mask)
{
	j->sc = sc;
	j->mask = mask;
	j->rc = LIEN_OK;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    ledger_view_open(l, &j->v2) != LIEN_OK)
		return;
	if (ledger_view_snapshot(j->v2) != ledger_view_snapshot(v) ||
	    pthread_create(&j->tid, NULL, touched_main, j) != 0) {
		ledger_view_close(j->v2);
		j->v2 = NULL;
		return;
	}
	j->running = 1;
}

static void
touched_join(struct touched_job *j)
{
	if (j->running)
		(void)pthread_join(j->tid, NULL);
	j->running = 0;
}

/* After the comparison: the result borrows from v2's snapshot. */
static void
touched_free(struct touched_job *j)
{
	touched_join(j);
	ledger_touched_free(j->tr);
	j->tr = NULL;
	ledger_view_close(j->v2);
	j->v2 = NULL;
}

/* Every entry of v from index from through audit_step, in order: read
 * ahead on a second thread where it can (registry/pipeline.c),
 * else on this one. Returns the walk's status (a's for a finding). */
static enum lien_status LIEN_MUST_CHECK
audit_walk(struct audit *a, struct ledger *l, struct ledger_view *v,
    uint64_t from)
{
	struct rg_pipe *pp = NULL;
	struct rg_pipe_item *it;
	enum lien_status rc;

	rc = rg_pipe_start(l, v, from, !a->public_only, &pp);
	if (rc == LIEN_EUNSUPPORTED)
		return ledger_view_foreach_entry(v, from, audit_visit, a);
	if (rc != LIEN_OK)
		return rc;
	while ((rc = rg_pipe_next(pp, &it)) == LIEN_OK) {
		int stop = audit_step(a, it->index, it->ent, it->len, it);

		rg_pipe_done(pp, it);
		if (stop)
			break;
	}
	rg_pipe_stop(pp);
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* Replay entries [from, size) of one view into the scratch store in
 * scratch_dir. from = 0: compare every state table and the map with the
 * view's; from > 0 (a kept store of an incremental audit, holding the
 * state at size from): compare the keys this replay wrote. Either way the
 * kept store is marked with the size it now holds and id. */
static enum lien_status LIEN_MUST_CHECK
replay_run(struct ledger *l, struct ledger *prev, const char *scratch_dir,
    int public_only, uint64_t from, uint64_t id, uint64_t *out_size,
    void (*progress)(void *ctx, uint64_t done, uint64_t total),
    void *progress_ctx, char *why, size_t why_cap)
{
	static const enum ledger_table pub_tables[] = {
		LEDGER_T_APPS, LEDGER_T_VEHICLES, LEDGER_T_PARTIES,
		LEDGER_T_INDEX,
	};
	static const enum ledger_table priv_tables[] = {
		LEDGER_T_PSTATE, LEDGER_T_NONCES, LEDGER_T_IDEM,
		LEDGER_T_PAPPS, LEDGER_T_NOTICES, LEDGER_T_EXPIRY,
		LEDGER_T_VPRIVATE, LEDGER_T_VWINDOW,
	};
	struct audit a;
	struct touched_job tj = { 0 };
	struct ledger_view *v = NULL;
	char dummy[1];
	uint64_t note = 0;
	unsigned mask = 0;
	enum lien_status rc;

	if (why == NULL || why_cap == 0) {
		why = dummy;
		why_cap = sizeof(dummy);
	}
	why[0] = 0;
	memset(&a, 0, sizeof(a));
	a.why = why;
	a.why_cap = why_cap;
	a.public_only = public_only;
	a.prev = prev;
	a.kept = id != 0;
	if (l == NULL || scratch_dir == NULL)
		return LIEN_EINVAL;
	if ((rc = ledger_view_open(l, &v)) != LIEN_OK)
		return rc;
	a.v = v;
	a.progress = progress;
	a.progress_ctx = progress_ctx;
	a.from = from;
	a.total = ledger_view_size(v) > from ? ledger_view_size(v) - from : 0;
	if ((rc = ledger_scratch_open(scratch_dir, &a.sc)) != LIEN_OK) {
		snprintf(why, why_cap, "scratch store %s: %s", scratch_dir,
		    lien_status_message(rc));
		goto out;
	}
	/* digests of the write-once private tables, the records read from
	 * the store; the map's live tiles only (ledger_scratch_compact) */
	if ((rc = ledger_scratch_compact(a.sc, v)) != LIEN_OK) {
		if (rc == LIEN_EUNSUPPORTED)
			snprintf(why, why_cap, "the kept replay in %s is of an "
			    "older format (not %s: whole records where digests "
			    "are expected); audit with --full to rebuild it",
			    scratch_dir, LEDGER_SCRATCH_FORMAT);
		goto out;
	}
	if (from > 0) {
		if (ledger_scratch_next(a.sc, &note) != from || note != id) {
			snprintf(why, why_cap, "the kept replay in %s does not "
			    "hold the state at size %" PRIu64 " that the "
			    "resume record names", scratch_dir, from);
			rc = LIEN_EVERIFY;
			goto out;
		}
		if (from > ledger_view_size(v)) {
			snprintf(why, why_cap, "the resume record names size %"
			    PRIu64 ", beyond the store's %" PRIu64, from,
			    ledger_view_size(v));
			rc = LIEN_EVERIFY;
			goto out;
		}
		ledger_scratch_track(a.sc, 1);
	} else if (ledger_scratch_next(a.sc, &note) != 0) {
		snprintf(why, why_cap, "scratch store %s is not empty",
		    scratch_dir);
		rc = LIEN_EINVAL;
		goto out;
	} else if (ledger_scratch_commits(a.sc) > 1) {
		/* Unmarked but written: a full replay killed after some of
		 * its commits (RG_AUDIT_TXN_ENTRIES). Replaying into it again
		 * would report its leftovers as the log's corruption. */
		snprintf(why, why_cap, "scratch store %s is not empty: it "
		    "holds an unfinished replay (no mark); remove it to start "
		    "again", scratch_dir);
		rc = LIEN_EINVAL;
		goto out;
	}
	if ((rc = ledger_scratch_begin(a.sc, &a.st)) != LIEN_OK)
		goto out;
	/* the parties across entries, the rest within one entry:
	 * registry/cache.c says why */
	rg_cache_keep(0);
	rg_cache_scope(((1u << LEDGER_T_COUNT) - 1u) &
	    ~(1u << LEDGER_T_PARTIES));
	rg_stats_cache(1);	/* registry/stats_agg.c; flushed before commits */
	rc = audit_walk(&a, l, v, from);
	if (a.st != NULL) {
		enum lien_status f = rg_stats_flush(a.st);

		if (rc == LIEN_OK && a.rc == LIEN_OK)
			rc = f;
	}
	rg_stats_cache(0);
	rg_cache_scope(0);
	if (rc == LIEN_OK)
		rc = a.rc;
	for (size_t i = 0; i < sizeof(pub_tables) / sizeof(pub_tables[0]); i++)
		mask |= 1u << pub_tables[i];
	for (size_t i = 0; !public_only &&
	    i < sizeof(priv_tables) / sizeof(priv_tables[0]); i++)
		mask |= 1u << priv_tables[i];
	/* An incremental run reads the store's side of its comparison on a
	 * second thread while this one commits the kept replay (below). */
	if (rc == LIEN_OK && from > 0 && a.st != NULL)
		touched_start(&tj, l, a.sc, v, mask);
	/* A kept replay that failed is dropped whole (ledger_scratch_close
	 * aborts it): it stays at its mark, and the next run can retry. */
	if (a.st != NULL && (rc == LIEN_OK || !a.kept)) {
		enum lien_status c = LIEN_OK;

		/* the size now held, and whose (the resume record's id) */
		if (rc == LIEN_OK && id != 0)
			c = ledger_scratch_mark(a.sc, ledger_view_size(v), id);
		if (c == LIEN_OK)
			c = ledger_scratch_commit(a.sc, a.st);
		if (rc == LIEN_OK)
			rc = c;
	}
	touched_join(&tj);
	if (rc != LIEN_OK) {
		if (why[0] == 0)
			snprintf(why, why_cap, "replay: %s",
			    lien_status_message(rc));
		goto out;
	}
	if (from > 0) {
		if (tj.tr != NULL)
			rc = ledger_scratch_touched_check(a.sc, tj.tr, why,
			    why_cap);
		else if (tj.rc != LIEN_OK)
			rc = tj.rc;
		else
			rc = ledger_scratch_compare_touched(a.sc, v, mask, why,
			    why_cap);
		if (rc != LIEN_OK || public_only)
			goto out;
	} else {
		if ((rc = compare_all(l, a.sc, v, pub_tables,
		    sizeof(pub_tables) / sizeof(pub_tables[0]), priv_tables,
		    sizeof(priv_tables) / sizeof(priv_tables[0]), public_only,
		    why, why_cap)) != LIEN_OK || public_only)
			goto out;
	}
	{
		struct erased_walk w = { v, LIEN_OK, why, why_cap };

		rc = ledger_view_state_scan(v, LEDGER_T_INDEX, "e/", 2,
		    erased_visit, &w);
		if (rc == LIEN_OK)
			rc = w.rc;
	}
	if (rc == LIEN_OK)
		rc = subjects_paired(v, why, why_cap);
out:
	if (rc == LIEN_OK && out_size != NULL)
		*out_size = ledger_view_size(v);
	touched_free(&tj);
	ledger_scratch_close(a.sc);
	ledger_view_close(v);
	return rc;
}

enum lien_status
registry_replay_audit_prev(struct ledger *l, struct ledger *prev,
    const char *scratch_dir, int public_only, char *why, size_t why_cap)
{
	return replay_run(l, prev, scratch_dir, public_only, 0, 0, NULL, NULL,
	    NULL, why, why_cap);
}

enum lien_status
registry_replay_audit_resume(struct ledger *l, struct ledger *prev,
    const char *scratch_dir, int public_only, uint64_t from, uint64_t id,
    uint64_t *out_size,
    void (*progress)(void *ctx, uint64_t done, uint64_t total),
    void *progress_ctx, char *why, size_t why_cap)
{
	if (id == 0)
		return LIEN_EINVAL;
	return replay_run(l, prev, scratch_dir, public_only, from, id,
	    out_size, progress, progress_ctx, why, why_cap);
}

/* ---- Incremental replay (lienlog sync) ------------------------------------ */

/* How the replay stands, kept with its mark (ledger_scratch_mark's note). */
enum {
	RP_CHECKING = 0,
	RP_NO_ROOTS = 1,	/* the log keeps no status map */
	RP_HANDOVER = 2,	/* the log starts from another log's state */
};

struct registry_replay {
	struct audit a;
	char why[512];
	uint64_t next;		/* entries below next are applied */
	uint64_t root_next;	/* index after the last state root seen */
	uint64_t marked;	/* next as of the last commit */
	uint64_t mode;		/* RP_* */
};

enum lien_status
registry_replay_open(const char *dir, struct registry_replay **out)
{
	struct registry_replay *r = calloc(1, sizeof *r);
	enum lien_status rc;

	*out = NULL;
	if (r == NULL)
		return LIEN_ENOMEM;
	r->a.why = r->why;
	r->a.why_cap = sizeof r->why;
	r->a.incremental = 1;
	/* a mirror holds the public log only: the public audit's replay
	 * (no private records, no view of a store) */
	r->a.public_only = 1;
	if ((rc = ledger_scratch_open(dir, &r->a.sc)) != LIEN_OK) {
		free(r);
		return rc;
	}
	r->next = r->root_next = r->marked =
	    ledger_scratch_next(r->a.sc, &r->mode);
	if (r->mode > RP_HANDOVER) {
		registry_replay_close(r);
		return LIEN_ECORRUPT;
	}
	if ((rc = ledger_scratch_begin(r->a.sc, &r->a.st)) != LIEN_OK) {
		registry_replay_close(r);
		return rc;
	}
	*out = r;
	return LIEN_OK;
}

uint64_t
registry_replay_next(const struct registry_replay *r)
{
	return r->next;
}

uint64_t
registry_replay_checked(const struct registry_replay *r)
{
	return r->root_next;
}

const char *
registry_replay_off(const struct registry_replay *r)
{
	switch (r->mode) {
	case RP_NO_ROOTS:
		return "the log keeps no status map (it has no state-root "
		    "entries)";
	case RP_HANDOVER:
		return "the log starts from the state of a previous log (a "
		    "hand-over); lienlog audit --prev checks it";
	}
	return NULL;
}

/* Commit what is applied, marked at next (a state root was the last
 * entry applied, or the check is off), and go on in a new transaction. */
static enum lien_status LIEN_MUST_CHECK
replay_commit(struct registry_replay *r)
{
	enum lien_status rc;

	if ((rc = ledger_scratch_mark(r->a.sc, r->next, r->mode)) != LIEN_OK ||
	    (rc = ledger_scratch_commit(r->a.sc, r->a.st)) != LIEN_OK) {
		r->a.st = NULL;
		return rc;
	}
	r->a.st = NULL;
	if ((rc = ledger_scratch_begin(r->a.sc, &r->a.st)) != LIEN_OK)
		return rc;
	r->marked = r->next;
	r->a.in_txn = 0;
	return LIEN_OK;
}

/* Stop checking (a log without state roots, or one whose state comes
 * from another log): remembered, so later runs skip the replay. */
static enum lien_status LIEN_MUST_CHECK
replay_off(struct registry_replay *r, uint64_t mode, uint64_t next)
{
	r->mode = mode;
	r->next = next;
	return replay_commit(r);
}

enum lien_status
registry_replay_entry(struct registry_replay *r, uint64_t index,
    const uint8_t *ent, size_t len, const char **why)
{
	struct entry e;
	int dec;

	*why = NULL;
	if (r->a.st == NULL)
		return LIEN_EINVAL;	/* an earlier failure */
	if (r->mode != RP_CHECKING || index < r->next)
		return LIEN_OK;
	if (index > r->next)
		return LIEN_EINVAL;
	/* The sequencer ends every batch (at most LEDGER_BATCH_MAX entries)
	 * with a state root: a longer run without one is a log that keeps
	 * no map (from its start) or one that stopped committing to it. */
	if (index - r->root_next > LEDGER_BATCH_MAX) {
		if (r->root_next == 0)
			return replay_off(r, RP_NO_ROOTS, index);
		snprintf(r->why, sizeof r->why, "entries %" PRIu64 "..%"
		    PRIu64 " carry no state root; the log ends every batch "
		    "(at most %u entries) with one", r->root_next, index,
		    LEDGER_BATCH_MAX);
		*why = r->why;
		return LIEN_ECORRUPT;
	}
	dec = entry_decode(ent, len, &e) == LIEN_OK;
	if (dec && e.type == REG_T_STATE_HANDOVER)
		return replay_off(r, RP_HANDOVER, index);
	r->why[0] = 0;
	r->a.rc = LIEN_OK;
	if (audit_visit(&r->a, index, ent, len) != 0) {
		*why = r->why[0] ? r->why : NULL;
		return r->a.rc != LIEN_OK ? r->a.rc : LIEN_ECORRUPT;
	}
	r->next = index + 1;
	if (dec && e.type == ENTRY_TYPE_STATE_ROOT) {
		r->root_next = r->next;
		/* Commit only here: no map update is pending, so the mark
		 * is a point a later run can resume from. */
		if (++r->a.in_txn >= RG_AUDIT_TXN_ENTRIES)
			return replay_commit(r);
		return LIEN_OK;
	}
	r->a.in_txn++;
	return LIEN_OK;
}

enum lien_status
registry_replay_end(struct registry_replay *r, uint64_t size,
    const char **why)
{
	*why = NULL;
	if (r->a.st == NULL)
		return LIEN_EINVAL;
	if (r->mode != RP_CHECKING)
		return LIEN_OK;
	if (r->next != size)
		return LIEN_EINVAL;	/* not every entry was fed */
	if (size > 0 && r->root_next != size) {
		if (r->root_next == 0 && size <= LEDGER_BATCH_MAX) {
			/* no state root yet: too early to say the log keeps
			 * no map; replay again from 0 next time */
			return LIEN_OK;
		}
		snprintf(r->why, sizeof r->why, "the signed tree of size %"
		    PRIu64 " does not end with a state root (the last is "
		    "entry %" PRIu64 "); every checkpoint must", size,
		    r->root_next - 1);
		*why = r->why;
		return LIEN_ECORRUPT;
	}
	if (r->next == r->marked)
		return LIEN_OK;
	return replay_commit(r);
}

void
registry_replay_close(struct registry_replay *r)
{
	if (r == NULL)
		return;
	/* Uncommitted work (entries past the last mark) is dropped: the next
	 * run replays it again from the mark. */
	ledger_scratch_close(r->a.sc);
	free(r);
}
