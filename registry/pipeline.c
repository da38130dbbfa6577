/*
 * The audit replay's reader on the second core (issue 14, "Audit at the
 * speed of the hardware"): a thread that walks the entries ahead of the
 * replay and does for each the work that needs no replayed state, so the
 * replay's own thread (which must stay one: every entry's checks read the
 * state all earlier entries left) has less to do.
 *
 * What the reader does per registry entry, all of it a function of the
 * entry's bytes and the audited store's snapshot: decode the envelope,
 * read the entry's private record from the store (an LMDB lookup and the
 * pack's inflate, registry_private_get) and compute the record's
 * commitment (registry_private_commit, one SHA-256), which the replay
 * then compares with the one the payload names (rg_check_apply_pre).
 * Bytes and a hash, not trees: parsing the payload and the record into
 * jansson trees here too was tried, and the replay thread then spent more
 * time than it saved (+23% of its samples at 10^5: it reads and frees
 * ~100 blocks per entry last written on the other core, and the reader's
 * allocations all went to malloc), so parsing stays on the replay's
 * thread.
 *
 * What it is not: it decides nothing. Every result, a failure included,
 * travels to the replay in the log's order through a bounded ring
 * (RG_PIPE_DEPTH entries), and the replay reports it where it would have
 * met it itself; the reader runs ahead at most the ring's depth, and a
 * replay that stops (a finding, an error) stops it. The reader reads
 * through its own view of the very same snapshot as the replay's
 * (ledger_view_snapshot); without one, on one core, or in a public audit
 * (no private records: nothing worth a thread) there is no reader and the
 * replay walks the entries itself. Entries are borrowed from the
 * reader's view, which stays open until rg_pipe_stop.
 *
 * Waking: each side sleeps on a condition variable only when the ring is
 * full (reader) or empty (replay), and the reader is woken when the ring
 * is half drained, so a thread switch pays for many entries, not one.
 */
#include "registry/registry_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlog/entry.h"

#define RG_PIPE_DEPTH 256u

/* registry_replay_pipeline (1: on where it can run); the entries the
 * last reader handed over (written by the replay's thread after the
 * join) */
static int rg_pipe_on = 1;
static uint64_t rg_pipe_last;

void
registry_replay_pipeline(int on)
{
	rg_pipe_on = on;
}

uint64_t
registry_replay_pipeline_last(void)
{
	return rg_pipe_last;
}

struct rg_pipe {
	struct ledger_view *v;		/* the reader's: same snapshot */
	uint64_t from;
	int with_priv;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	/* guarded by mu */
	size_t head, count;		/* ring[head] is the next to take */
	int ended;			/* the walk is over: end_rc */
	enum lien_status end_rc;
	int stop;			/* the replay is done with it */
	int reader_waits, replay_waits;
	uint64_t taken;			/* entries the replay took */
	struct rg_pipe_item ring[RG_PIPE_DEPTH];
};

static void
item_clear(struct rg_pipe_item *it)
{
	free(it->priv);
	free(it->own);
	memset(it, 0, sizeof *it);
}

/* The reader's work on one entry (the replay's order of checks: the
 * private record only for a registry entry that decodes). */
static void
item_fill(const struct rg_pipe *pp, struct rg_pipe_item *it, uint64_t index,
    const uint8_t *ent, size_t len)
{
	const struct entry *e = &it->e;

	it->index = index;
	it->len = len;
	/* copied: the view lends ent only for the walk's call */
	if ((it->own = malloc(len > 0 ? len : 1)) == NULL) {
		it->ent = NULL;
		it->len = 0;
		it->dec = LIEN_ENOMEM;
		return;
	}
	memcpy(it->own, ent, len);
	it->ent = ent = it->own;
	it->dec = entry_decode(ent, len, &it->e);
	if (!pp->with_priv || it->dec != LIEN_OK || e->index != index ||
	    e->type < REG_T_FIRST || e->type == REG_T_STATE_HANDOVER ||
	    !registry_type_known(e->type))
		return;
	it->priv_done = 1;
	it->priv_rc = registry_private_get(pp->v, index, &it->priv,
	    &it->priv_len);
	if (it->priv_rc == LIEN_OK)
		registry_private_commit(index, it->priv, it->priv_len,
		    it->commit);
}

static int
reader_visit(void *ctx, uint64_t index, const uint8_t *ent, size_t len)
{
	struct rg_pipe *pp = ctx;
	struct rg_pipe_item *it;

	pthread_mutex_lock(&pp->mu);
	while (pp->count == RG_PIPE_DEPTH && !pp->stop) {
		pp->reader_waits = 1;
		pthread_cond_wait(&pp->can_put, &pp->mu);
		pp->reader_waits = 0;
	}
	if (pp->stop) {
		pthread_mutex_unlock(&pp->mu);
		return 1;
	}
	/* the slot after the last: only this thread writes it until it is
	 * counted below */
	it = &pp->ring[(pp->head + pp->count) % RG_PIPE_DEPTH];
	pthread_mutex_unlock(&pp->mu);
	item_fill(pp, it, index, ent, len);
	pthread_mutex_lock(&pp->mu);
	pp->count++;
	if (pp->replay_waits)
		pthread_cond_signal(&pp->can_take);
	pthread_mutex_unlock(&pp->mu);
	return 0;
}

static void *
reader_main(void *arg)
{
	struct rg_pipe *pp = arg;
	enum lien_status rc = ledger_view_foreach_entry(pp->v, pp->from,
	    reader_visit, pp);

	pthread_mutex_lock(&pp->mu);
	pp->ended = 1;
	pp->end_rc = rc;
	pthread_cond_signal(&pp->can_take);
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

enum lien_status
rg_pipe_start(struct ledger *l, struct ledger_view *v, uint64_t from,
    int with_priv, struct rg_pipe **out)
{
	struct rg_pipe *pp;
	int inits;
	enum lien_status rc;

	*out = NULL;
	rg_pipe_last = 0;
	if (!rg_pipe_on || !with_priv || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return LIEN_EUNSUPPORTED;
	if ((pp = calloc(1, sizeof *pp)) == NULL)
		return LIEN_ENOMEM;
	if ((rc = ledger_view_open(l, &pp->v)) != LIEN_OK) {
		free(pp);
		return rc;
	}
	if (ledger_view_snapshot(pp->v) != ledger_view_snapshot(v) ||
	    ledger_view_size(pp->v) != ledger_view_size(v)) {
		/* the store moved on between the two opens */
		ledger_view_close(pp->v);
		free(pp);
		return LIEN_EUNSUPPORTED;
	}
	pp->from = from;
	pp->with_priv = with_priv;
	inits = (pthread_mutex_init(&pp->mu, NULL) == 0) +
	    (pthread_cond_init(&pp->can_put, NULL) == 0) * 2 +
	    (pthread_cond_init(&pp->can_take, NULL) == 0) * 4;
	if (inits != 7 || pthread_create(&pp->tid, NULL, reader_main, pp) !=
	    0) {
		if (inits & 1)
			pthread_mutex_destroy(&pp->mu);
		if (inits & 2)
			pthread_cond_destroy(&pp->can_put);
		if (inits & 4)
			pthread_cond_destroy(&pp->can_take);
		ledger_view_close(pp->v);
		free(pp);
		return LIEN_EUNSUPPORTED;	/* walk on this thread */
	}
	*out = pp;
	return LIEN_OK;
}

enum lien_status
rg_pipe_next(struct rg_pipe *pp, struct rg_pipe_item **out)
{
	enum lien_status rc;

	*out = NULL;
	pthread_mutex_lock(&pp->mu);
	while (pp->count == 0 && !pp->ended) {
		pp->replay_waits = 1;
		pthread_cond_wait(&pp->can_take, &pp->mu);
		pp->replay_waits = 0;
	}
	if (pp->count > 0) {
		*out = &pp->ring[pp->head];
		pp->taken++;
		rc = LIEN_OK;
	} else {
		rc = pp->end_rc == LIEN_OK ? LIEN_ENOTFOUND : pp->end_rc;
	}
	pthread_mutex_unlock(&pp->mu);
	return rc;
}

void
rg_pipe_done(struct rg_pipe *pp, struct rg_pipe_item *it)
{
	item_clear(it);		/* what the replay did not take */
	pthread_mutex_lock(&pp->mu);
	pp->head = (pp->head + 1) % RG_PIPE_DEPTH;
	pp->count--;
	if (pp->reader_waits && pp->count <= RG_PIPE_DEPTH / 2)
		pthread_cond_signal(&pp->can_put);
	pthread_mutex_unlock(&pp->mu);
}

void
rg_pipe_stop(struct rg_pipe *pp)
{
	if (pp == NULL)
		return;
	pthread_mutex_lock(&pp->mu);
	pp->stop = 1;
	pthread_cond_signal(&pp->can_put);
	pthread_mutex_unlock(&pp->mu);
	(void)pthread_join(pp->tid, NULL);
	rg_pipe_last = pp->taken;
	for (size_t i = 0; i < pp->count; i++)
		item_clear(&pp->ring[(pp->head + i) % RG_PIPE_DEPTH]);
	pthread_cond_destroy(&pp->can_put);
	pthread_cond_destroy(&pp->can_take);
	pthread_mutex_destroy(&pp->mu);
	ledger_view_close(pp->v);
	free(pp);
}
