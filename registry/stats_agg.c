/*
 * The statistics' running totals (docs/statistics.md "Running totals",
 * store v13): what GET /metrics and GET /v1/statistics over the whole log
 * read instead of walking every entry (registry/stats.c, which stays the
 * log's own computation: `lienlog audit --statistics`, bounded ranges).
 *
 * The private half of the apply (rg_papply) calls rg_stats_apply for
 * every application, decision and delivery event, in the entry's
 * transaction, so the totals are private state like the rest of pstate:
 * the private audit replays them and compares them record for record, a
 * state hand-over copies them. Two scopes are kept, every institution
 * together ("" below) and each institution:
 *
 *   "st/c" [+ "/" + party]  -> SA_NFIELDS x be64 counters (enum below)
 *   "st/q/" + party + "/" + metric + depth + prefix -> a node of a
 *        counting trie over the durations in ms ("d": submission to
 *        decision, "l": submission to delivery), 7 big-endian bytes
 *        (durations are below REG_TIME_MAX = 2^52), one byte per level:
 *        the node at depth i under the first i bytes holds, per next
 *        byte present, u8 byte || be64 number of durations below it, in
 *        byte order.
 *
 * Counters only ever grow, so a decision needs nothing of the state
 * before it: where an application is now (by_outcome) is a difference of
 * counters (figures_of). A nearest-rank percentile is a walk down the
 * trie: 7 records, whatever the number of applications.
 */
#include "registry/registry_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/rd.h"
#include "common/rfc3339.h"
#include "tlog/entry.h"

enum {
	SA_APPS,		/* applications */
	SA_RELEASE,		/* of which releases */
	SA_COUNTER,		/* of which filed at the counter */
	SA_REVIEW_SUBMIT,	/* diverted when submitted (anomalies) */
	SA_REVIEW_OFFICER,	/* diverted by an officer's decision */
	SA_APPROVED,
	SA_REJECTED,
	SA_DECIDED_IN_REVIEW,	/* approved or rejected after a diversion */
	SA_REMINDERS,		/* approved mortgages with a term end */
	SA_REASON0,		/* + anomaly bit: diverted for that reason */
	SA_NFIELDS = SA_REASON0 + REG_ANOMALY_COUNT
};

#define SA_DIGITS 7u		/* bytes of a duration */
#define SA_NODE_MAX (256u * 9u)
#define SA_KEY_COUNTS "st/c"
#define SA_KEY_TRIE "st/q/"

/* ---- keys ------------------------------------------------------------- */

static size_t
key_counts(char out[RG_KEY_MAX], const char *party, size_t plen)
{
	size_t n = sizeof SA_KEY_COUNTS - 1;

	memcpy(out, SA_KEY_COUNTS, n);
	if (party != NULL) {
		out[n++] = '/';
		memcpy(out + n, party, plen);
		n += plen;
	}
	return n;
}

static size_t
key_node(char out[RG_KEY_MAX], const char *party, size_t plen, char metric,
    unsigned depth, const uint8_t prefix[SA_DIGITS])
{
	size_t n = sizeof SA_KEY_TRIE - 1;

	memcpy(out, SA_KEY_TRIE, n);
	if (party != NULL) {
		memcpy(out + n, party, plen);
		n += plen;
	}
	out[n++] = '/';
	out[n++] = metric;
	out[n++] = (char)depth;
	memcpy(out + n, prefix, depth);
	return n + depth;
}

/* ---- the replay's write-back of the hot totals ------------------------
 * The counters and the trie's nodes down to depth SAC_DEPTH are read and
 * rewritten by every decision (the top nodes of a scope are the same
 * records for every duration). The audit's replay (registry/audit.c)
 * turns this cache on for its thread: within one transaction those
 * records are read from the store once, kept here, and written once, by
 * rg_stats_flush, which the replay calls before each commit and before
 * anything else writes "st/" records (a state hand-over). Nothing else
 * reads them inside the transaction (registry/stats.c reads committed
 * views), so the records and the writes the rest of the replay sees are
 * the same; the store gets the last value of each record instead of
 * every step to it. A key is either cached from its first read or never
 * (a full table reads and writes the store directly), so the two never
 * mix. Off (the sequencer) everything goes to the store at once. */
#define SAC_SLOTS 1024u
#define SAC_DEPTH 4u

struct sac_ent {
	uint8_t *key, *val;	/* NULL key: empty */
	size_t kl, vl;
	int present, dirty;
};

static _Thread_local struct sac_ent *sac;
static _Thread_local int sac_on;

void
rg_stats_cache(int on)
{
	sac_on = on;
	if (on && sac == NULL)
		sac = calloc(SAC_SLOTS, sizeof *sac);
	if (!on && sac != NULL) {
		for (unsigned i = 0; i < SAC_SLOTS; i++) {
			free(sac[i].key);
			free(sac[i].val);
		}
		free(sac);
		sac = NULL;
	}
}

static struct sac_ent *
sac_slot(const char *k, size_t kl, int *found)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < kl; i++)
		h = (h ^ (uint8_t)k[i]) * 16777619u;
	for (unsigned j = 0; j < SAC_SLOTS; j++) {
		struct sac_ent *e = &sac[(h + j) % SAC_SLOTS];

		if (e->key == NULL) {
			*found = 0;
			return e;
		}
		if (e->kl == kl && memcmp(e->key, k, kl) == 0) {
			*found = 1;
			return e;
		}
	}
	return NULL;
}

static enum lien_status
sa_get(struct ledger_state *st, const char *k, size_t kl, int cacheable,
    const uint8_t **v, size_t *n)
{
	struct sac_ent *e;
	int found;
	enum lien_status rc;

	if (!sac_on || sac == NULL || !cacheable ||
	    (e = sac_slot(k, kl, &found)) == NULL)
		return ledger_state_get(st, LEDGER_T_PSTATE, k, kl, v, n);
	if (!found) {
		uint8_t *nk, *nv;
		size_t vl;

		rc = ledger_state_get(st, LEDGER_T_PSTATE, k, kl, v, n);
		if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
			return rc;
		vl = rc == LIEN_OK ? *n : 0;
		nk = malloc(kl);
		nv = malloc(vl ? vl : 1);
		if (nk == NULL || nv == NULL) {
			free(nk);
			free(nv);
			return LIEN_ENOMEM;
		}
		memcpy(nk, k, kl);
		if (vl)
			memcpy(nv, *v, vl);
		*e = (struct sac_ent){ nk, nv, kl, vl, rc == LIEN_OK, 0 };
	}
	if (!e->present)
		return LIEN_ENOTFOUND;
	*v = e->val;
	*n = e->vl;
	return LIEN_OK;
}

static enum lien_status
sa_put(struct ledger_state *st, const char *k, size_t kl, int cacheable,
    const uint8_t *v, size_t n)
{
	struct sac_ent *e;
	int found;
	uint8_t *nv;

	if (!sac_on || sac == NULL || !cacheable ||
	    (e = sac_slot(k, kl, &found)) == NULL || !found)
		return ledger_state_put(st, LEDGER_T_PSTATE, k, kl, v, n);
	if ((nv = malloc(n ? n : 1)) == NULL)
		return LIEN_ENOMEM;
	memcpy(nv, v, n);
	free(e->val);
	e->val = nv;
	e->vl = n;
	e->present = 1;
	e->dirty = 1;
	return LIEN_OK;
}

/* The cached value of k to change in place (marked dirty), if k is
 * cached and present (a sa_get of it came first); else NULL, and the
 * caller goes through sa_put. The top records of the totals are read and
 * rewritten by every application, decision and delivery, and mostly only
 * a counter inside them changes: rebuilding a 2 KB trie node and copying
 * it into a fresh buffer for that was most of rg_stats_apply's cost in
 * the replay (callgrind, the full audit of a 10^4 store). */
static uint8_t *
sa_writable(const char *k, size_t kl, int cacheable)
{
	struct sac_ent *e;
	int found;

	if (!sac_on || sac == NULL || !cacheable ||
	    (e = sac_slot(k, kl, &found)) == NULL || !found || !e->present)
		return NULL;
	e->dirty = 1;
	return e->val;
}

enum lien_status
rg_stats_flush(struct ledger_state *st)
{
	enum lien_status rc = LIEN_OK;

	if (sac == NULL)
		return LIEN_OK;
	for (unsigned i = 0; i < SAC_SLOTS; i++) {
		struct sac_ent *e = &sac[i];

		if (e->key != NULL && e->dirty && rc == LIEN_OK)
			rc = ledger_state_put(st, LEDGER_T_PSTATE, e->key,
			    e->kl, e->val, e->vl);
		free(e->key);
		free(e->val);
		memset(e, 0, sizeof *e);
	}
	return rc;
}

/* ---- the writer's half ------------------------------------------------ */

static enum lien_status LIEN_MUST_CHECK
counts_add(struct ledger_state *st, const char *party, size_t plen,
    const uint64_t delta[SA_NFIELDS])
{
	char k[RG_KEY_MAX];
	uint8_t v[SA_NFIELDS * 8];
	const uint8_t *old;
	size_t kl = key_counts(k, party, plen), n;
	enum lien_status rc = sa_get(st, k, kl, 1, &old, &n);

	if (rc == LIEN_ENOTFOUND)
		memset(v, 0, sizeof v);
	else if (rc != LIEN_OK)
		return rc;
	else if (n != sizeof v)
		return LIEN_ECORRUPT;
	else {
		uint8_t *w = sa_writable(k, kl, 1);

		if (w != NULL) {	/* the same bytes as sa_put's below */
			for (unsigned i = 0; i < SA_NFIELDS; i++)
				be64_put(w + 8 * i, be64_get(w + 8 * i) +
				    delta[i]);
			return LIEN_OK;
		}
		memcpy(v, old, sizeof v);
	}
	for (unsigned i = 0; i < SA_NFIELDS; i++)
		be64_put(v + 8 * i, be64_get(v + 8 * i) + delta[i]);
	return sa_put(st, k, kl, 1, v, sizeof v);
}

/* Count duration d (ms) in the trie of metric under party (NULL: all). */
static enum lien_status LIEN_MUST_CHECK
trie_add(struct ledger_state *st, const char *party, size_t plen,
    char metric, uint64_t d)
{
	uint8_t digits[SA_DIGITS], node[SA_NODE_MAX + 9];

	for (unsigned i = 0; i < SA_DIGITS; i++)
		digits[i] = (uint8_t)(d >> (8 * (SA_DIGITS - 1 - i)));
	for (unsigned depth = 0; depth < SA_DIGITS; depth++) {
		char k[RG_KEY_MAX];
		size_t kl = key_node(k, party, plen, metric, depth, digits);
		const uint8_t *old;
		size_t n = 0, at, out;
		enum lien_status rc = sa_get(st, k, kl, depth <= SAC_DEPTH,
		    &old, &n);

		if (rc == LIEN_ENOTFOUND) {
			static const uint8_t empty[1];

			n = 0;
			old = empty;
		} else if (rc != LIEN_OK)
			return rc;
		else if (n % 9 != 0 || n > SA_NODE_MAX)
			return LIEN_ECORRUPT;
		/* the slot of digits[depth]: found, or inserted in order */
		for (at = 0; at < n && old[at] < digits[depth]; at += 9)
			;
		if (at < n && old[at] == digits[depth]) {
			uint8_t *w = sa_writable(k, kl, depth <= SAC_DEPTH);

			if (w != NULL) {	/* as the rebuild below */
				be64_put(w + at + 1, be64_get(w + at + 1) + 1);
				continue;
			}
		}
		memcpy(node, old, at);
		out = at;
		if (at < n && old[at] == digits[depth]) {
			node[out] = digits[depth];
			be64_put(node + out + 1, be64_get(old + at + 1) + 1);
			at += 9;
		} else {
			node[out] = digits[depth];
			be64_put(node + out + 1, 1);
		}
		out += 9;
		memcpy(node + out, old + at, n - at);
		out += n - at;
		if ((rc = sa_put(st, k, kl, depth <= SAC_DEPTH, node,
		    out)) != LIEN_OK)
			return rc;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
both_counts(struct ledger_state *st, const char *party, size_t plen,
    const uint64_t delta[SA_NFIELDS])
{
	enum lien_status rc = counts_add(st, NULL, 0, delta);

	return rc != LIEN_OK ? rc : counts_add(st, party, plen, delta);
}

static enum lien_status LIEN_MUST_CHECK
both_tries(struct ledger_state *st, const char *party, size_t plen,
    char metric, uint64_t d)
{
	enum lien_status rc = trie_add(st, NULL, 0, metric, d);

	return rc != LIEN_OK ? rc : trie_add(st, party, plen, metric, d);
}

/* A later step of application "app" of payload p: its bank, submission
 * time, and whether it is this log's (an application inherited by a
 * state hand-over is not: its submission is in the old log, so the
 * statistics of this log do not count it, nor its steps). *a and *pa:
 * the public and private application records (json_decref). */
static enum lien_status LIEN_MUST_CHECK
step_app(struct ledger_state *st, const json_t *p, int *ours, json_t **a,
    json_t **pa, const char **bank, size_t *blen, uint64_t *submit_ms)
{
	size_t n;
	const char *id = rg_jstr(p, "app", &n);
	uint64_t num, base;
	int64_t t;
	char k[RG_KEY_MAX];
	enum lien_status rc;

	*ours = 0;
	*a = *pa = NULL;
	if (registry_app_id_parse(id, n, &num) != LIEN_OK)
		return LIEN_EINVAL;
	if ((rc = rg_base_get(st, &base)) != LIEN_OK)
		return rc;
	if (num < base)
		return LIEN_OK;
	if ((rc = rg_load_ro(st, LEDGER_T_APPS, id, n, a)) != LIEN_OK ||
	    (rc = rg_load_ro(st, LEDGER_T_PAPPS, k, rg_key_app_private(k, id),
	    pa)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	/* the first step is "applied", at the application entry's time */
	*bank = rg_jstr(*pa, "mortgagee", blen);
	if (*bank == NULL || !rg_jint(json_array_get(json_object_get(*a,
	    "timeline"), 0), "time_ms", &t) || t < 0)
		return LIEN_ECORRUPT;
	*submit_ms = (uint64_t)t;
	*ours = *blen <= REG_PARTY_ID_MAX;
	return LIEN_OK;
}

static int
was_diverted(const json_t *a, const json_t *pa)
{
	const json_t *tl = json_object_get(a, "timeline");

	if (json_array_size(json_object_get(pa, "reasons")) > 0)
		return 1;
	for (size_t i = 0; i < json_array_size(tl); i++)
		if (rg_jstr_eq(json_array_get(tl, i), "step",
		    "in_person_review"))
			return 1;
	return 0;
}

enum lien_status
rg_stats_apply(struct ledger_state *st, uint64_t now, unsigned type,
    const json_t *p, const json_t *r)
{
	uint64_t delta[SA_NFIELDS], submit = 0;
	json_t *a = NULL, *pa = NULL;
	const char *bank = NULL;
	size_t blen = 0;
	int ours;
	enum lien_status rc = LIEN_OK;

	memset(delta, 0, sizeof delta);
	switch (type) {
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION: {
		unsigned bits = rg_anomaly_bits(r);

		if ((bank = rg_app_bank(r, &blen)) == NULL)
			return LIEN_EINVAL;
		if (blen > REG_PARTY_ID_MAX)
			return LIEN_OK;	/* as registry/stats.c: not counted */
		delta[SA_APPS] = 1;
		delta[SA_RELEASE] = type == REG_T_RELEASE_APPLICATION ? 1u :
		    0u;
		delta[SA_COUNTER] = rg_counter(type, p) ? 1u : 0u;
		delta[SA_REVIEW_SUBMIT] = rg_jstr_eq(p, "status",
		    "in_person_review") ? 1u : 0u;
		for (unsigned b = 0; b < REG_ANOMALY_COUNT; b++)
			delta[SA_REASON0 + b] = (bits >> b) & 1u;
		return both_counts(st, bank, blen, delta);
	}
	case REG_T_DECISION:
		if ((rc = step_app(st, p, &ours, &a, &pa, &bank, &blen,
		    &submit)) != LIEN_OK || !ours)
			break;
		if (rg_jstr_eq(p, "decision", "in_person_review")) {
			delta[SA_REVIEW_OFFICER] = 1;
			rc = both_counts(st, bank, blen, delta);
			break;
		}
		if (now < submit) {
			rc = LIEN_ECORRUPT;
			break;
		}
		if (rg_jstr_eq(p, "decision", "approve")) {
			delta[SA_APPROVED] = 1;
			delta[SA_REMINDERS] = rg_jstr_eq(a, "kind",
			    "mortgage") && json_object_get(pa, "term_end") !=
			    NULL ? 1u : 0u;
		} else {
			delta[SA_REJECTED] = 1;
		}
		/* the step is in the timeline already: was_diverted looks
		 * for an earlier in_person_review, which an approval or
		 * rejection step is not */
		delta[SA_DECIDED_IN_REVIEW] = was_diverted(a, pa) ? 1u : 0u;
		if ((rc = both_counts(st, bank, blen, delta)) == LIEN_OK)
			rc = both_tries(st, bank, blen, 'd', now - submit);
		break;
	case REG_T_DELIVERY_EVENT:
		if (!rg_jstr_eq(p, "event", "delivered"))
			break;
		if ((rc = step_app(st, p, &ours, &a, &pa, &bank, &blen,
		    &submit)) != LIEN_OK || !ours)
			break;
		rc = now < submit ? LIEN_ECORRUPT :
		    both_tries(st, bank, blen, 'l', now - submit);
		break;
	default:
		break;
	}
	json_decref(a);
	json_decref(pa);
	return rc;
}

/* ---- the reader's half ------------------------------------------------ */

/* The k-th smallest (1-based, k <= the trie's count) duration of metric
 * under party: one node per byte. */
static enum lien_status LIEN_MUST_CHECK
trie_select(struct ledger_view *v, const char *party, size_t plen,
    char metric, uint64_t k, uint64_t *out)
{
	uint8_t prefix[SA_DIGITS];
	uint64_t d = 0;

	for (unsigned depth = 0; depth < SA_DIGITS; depth++) {
		char key[RG_KEY_MAX];
		const uint8_t *node;
		size_t n, at;
		enum lien_status rc = ledger_view_state_get(v, LEDGER_T_PSTATE,
		    key, key_node(key, party, plen, metric, depth, prefix),
		    &node, &n);

		if (rc != LIEN_OK)
			return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
		if (n % 9 != 0)
			return LIEN_ECORRUPT;
		for (at = 0; at < n; at += 9) {
			uint64_t c = be64_get(node + at + 1);

			if (k <= c)
				break;
			k -= c;
		}
		if (at == n)
			return LIEN_ECORRUPT;	/* counts below the parent's */
		prefix[depth] = node[at];
		d = d << 8 | node[at];
	}
	*out = d;
	return LIEN_OK;
}

/* {"count","median_ms","p90_ms"} of the trie (stats.c's times()). */
static json_t *
trie_times(struct ledger_view *v, const char *party, size_t plen,
    char metric, enum lien_status *rc)
{
	static const uint8_t none[SA_DIGITS];
	char key[RG_KEY_MAX];
	const uint8_t *node;
	size_t n;
	uint64_t count = 0, med = 0, p90 = 0;
	json_t *o;

	*rc = ledger_view_state_get(v, LEDGER_T_PSTATE, key, key_node(key,
	    party, plen, metric, 0, none), &node, &n);
	if (*rc == LIEN_ENOTFOUND)
		n = 0;
	else if (*rc != LIEN_OK)
		return NULL;
	else if (n % 9 != 0) {
		*rc = LIEN_ECORRUPT;
		return NULL;
	}
	for (size_t at = 0; at < n; at += 9)
		count += be64_get(node + at + 1);
	*rc = LIEN_OK;
	if (count > 0 && ((*rc = trie_select(v, party, plen, metric,
	    (count + 1) / 2, &med)) != LIEN_OK || (*rc = trie_select(v, party,
	    plen, metric, (9 * count + 9) / 10, &p90)) != LIEN_OK))
		return NULL;
	if ((o = json_object()) == NULL ||
	    rg_set(o, "count", json_integer((json_int_t)count)) ||
	    (count > 0 && (rg_set(o, "median_ms", json_integer((json_int_t)
	    med)) || rg_set(o, "p90_ms", json_integer((json_int_t)p90))))) {
		json_decref(o);
		*rc = LIEN_ENOMEM;
		return NULL;
	}
	return o;
}

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* The figures F of docs/statistics.md from counters c and the tries under
 * party (NULL: all), exactly as stats.c's figures() gives them. */
static json_t *
figures_of(struct ledger_view *v, const char *party, size_t plen,
    const uint64_t c[SA_NFIELDS], enum lien_status *rc)
{
	uint64_t apps = c[SA_APPS], rel = c[SA_RELEASE];
	uint64_t online = apps - c[SA_COUNTER];
	uint64_t review = c[SA_REVIEW_SUBMIT] + c[SA_REVIEW_OFFICER] -
	    c[SA_DECIDED_IN_REVIEW];
	uint64_t submitted = apps - c[SA_APPROVED] - c[SA_REJECTED] - review;
	json_t *o = json_object(), *kinds = json_object(), *ch = json_object(),
	    *out = json_object(), *div = json_object(), *td, *tl;

	*rc = LIEN_ENOMEM;
	if (o == NULL || kinds == NULL || ch == NULL || out == NULL ||
	    div == NULL)
		goto fail;
	if (rg_set(kinds, "mortgage", jint(apps - rel)) ||
	    rg_set(kinds, "release", jint(rel)) ||
	    rg_set(ch, "online", jint(online)) ||
	    rg_set(ch, "counter", jint(c[SA_COUNTER])) ||
	    rg_set(out, "submitted", jint(submitted)) ||
	    rg_set(out, "in_person_review", jint(review)) ||
	    rg_set(out, "approved", jint(c[SA_APPROVED])) ||
	    rg_set(out, "rejected", jint(c[SA_REJECTED])))
		goto fail;
	for (unsigned b = 0; b < REG_ANOMALY_COUNT; b++)
		if (c[SA_REASON0 + b] != 0 && rg_set(div, rg_anomaly_codes[b],
		    jint(c[SA_REASON0 + b])))
			goto fail;
	if (rg_set(div, "officer", jint(c[SA_REVIEW_OFFICER])) ||
	    rg_set(o, "applications", jint(apps)) ||
	    rg_set(o, "by_kind", json_incref(kinds)) ||
	    rg_set(o, "by_channel", json_incref(ch)) ||
	    rg_set(o, "online_share_bp", jint(apps ? online * 10000 / apps :
	    0)) ||
	    rg_set(o, "by_outcome", json_incref(out)) ||
	    rg_set(o, "diversions", json_incref(div)) ||
	    rg_set(o, "reminders_scheduled", jint(c[SA_REMINDERS])))
		goto fail;
	if ((td = trie_times(v, party, plen, 'd', rc)) == NULL)
		goto fail;
	if (rg_set(o, "to_decision", td)) {
		*rc = LIEN_ENOMEM;
		goto fail;
	}
	if ((tl = trie_times(v, party, plen, 'l', rc)) == NULL)
		goto fail;
	if (rg_set(o, "to_delivery", tl)) {
		*rc = LIEN_ENOMEM;
		goto fail;
	}
	*rc = LIEN_OK;
	goto done;
fail:
	json_decref(o);
	o = NULL;
done:
	json_decref(kinds);
	json_decref(ch);
	json_decref(out);
	json_decref(div);
	return o;
}

static enum lien_status LIEN_MUST_CHECK
counts_decode(const uint8_t *val, size_t n, uint64_t c[SA_NFIELDS])
{
	if (n != SA_NFIELDS * 8)
		return LIEN_ECORRUPT;
	for (unsigned i = 0; i < SA_NFIELDS; i++)
		c[i] = be64_get(val + 8 * i);
	if (c[SA_RELEASE] > c[SA_APPS] || c[SA_COUNTER] > c[SA_APPS] ||
	    c[SA_DECIDED_IN_REVIEW] > c[SA_REVIEW_SUBMIT] +
	    c[SA_REVIEW_OFFICER] || c[SA_APPROVED] + c[SA_REJECTED] +
	    c[SA_REVIEW_SUBMIT] + c[SA_REVIEW_OFFICER] -
	    c[SA_DECIDED_IN_REVIEW] > c[SA_APPS])
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

struct inst_walk {
	struct ledger_view *v;
	json_t *insts;
	enum lien_status rc;
};

static int
inst_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct inst_walk *w = ctx;
	const size_t pre = sizeof SA_KEY_COUNTS;	/* "st/c/" */
	char party[REG_PARTY_ID_MAX + 1];
	uint64_t c[SA_NFIELDS];
	json_t *f;

	if (key_len <= pre || memcmp(key, SA_KEY_COUNTS "/", pre) != 0)
		return 1;		/* past the institutions' counters */
	if (key_len - pre > REG_PARTY_ID_MAX ||
	    memchr(key + pre, 0, key_len - pre) != NULL ||
	    (w->rc = counts_decode(val, val_len, c)) != LIEN_OK) {
		w->rc = LIEN_ECORRUPT;
		return 1;
	}
	memcpy(party, key + pre, key_len - pre);
	party[key_len - pre] = '\0';
	if ((f = figures_of(w->v, party, key_len - pre, c, &w->rc)) == NULL)
		return 1;
	if (rg_set(f, "party", json_string(party)) ||
	    json_array_append_new(w->insts, f)) {
		w->rc = LIEN_ENOMEM;
		return 1;
	}
	return 0;
}

enum lien_status
registry_statistics_totals(struct ledger_view *v, uint64_t from_ms,
    uint64_t to_ms, const char *party, char **out, size_t *out_len)
{
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t n, plen = party != NULL ? strlen(party) : 0;
	uint64_t c[SA_NFIELDS];
	json_t *o = json_object(), *tot = NULL;
	struct inst_walk w = { v, json_array(), LIEN_OK };
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	rc = LIEN_EINVAL;
	if (from_ms > to_ms || to_ms > REG_TIME_MAX ||
	    plen > REG_PARTY_ID_MAX)
		goto done;
	rc = LIEN_ENOMEM;
	if (o == NULL || w.insts == NULL)
		goto done;
	rc = ledger_view_state_get(v, LEDGER_T_PSTATE, k, key_counts(k, party,
	    plen), &val, &n);
	if (rc == LIEN_ENOTFOUND) {
		memset(c, 0, sizeof c);
	} else if (rc != LIEN_OK ||
	    (rc = counts_decode(val, n, c)) != LIEN_OK) {
		goto done;
	}
	if ((tot = figures_of(v, party, plen, c, &rc)) == NULL)
		goto done;
	if (party == NULL) {
		rc = ledger_view_state_scan(v, LEDGER_T_PSTATE, SA_KEY_COUNTS "/",
		    sizeof SA_KEY_COUNTS, inst_visit, &w);
		if (rc == LIEN_OK)
			rc = w.rc;
		if (rc != LIEN_OK)
			goto done;
	} else if (c[SA_APPS] > 0) {
		json_t *f = json_deep_copy(tot);

		if (f == NULL || rg_set(f, "party", json_string(party)) ||
		    json_array_append_new(w.insts, f)) {
			rc = LIEN_ENOMEM;
			goto done;
		}
	}
	rc = LIEN_ENOMEM;
	if (rg_set(o, "from_ms", jint(from_ms)) ||
	    rg_set(o, "from_at", rg_time_at(from_ms)) ||
	    rg_set(o, "to_ms", jint(to_ms)) ||
	    rg_set(o, "to_at", rg_time_at(to_ms)) ||
	    (party != NULL && rg_set(o, "party", json_string(party))) ||
	    rg_set(o, "total", json_incref(tot)) ||
	    rg_set(o, "institutions", json_incref(w.insts)))
		goto done;
	rc = jcs_serialize(o, out, out_len);
done:
	json_decref(tot);
	json_decref(w.insts);
	json_decref(o);
	return rc;
}

enum lien_status
registry_statistics_total(struct ledger_view *v, char **out, size_t *out_len)
{
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t n;
	uint64_t c[SA_NFIELDS];
	json_t *tot;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	rc = ledger_view_state_get(v, LEDGER_T_PSTATE, k, key_counts(k, NULL,
	    0), &val, &n);
	if (rc == LIEN_ENOTFOUND)
		memset(c, 0, sizeof c);
	else if (rc != LIEN_OK || (rc = counts_decode(val, n, c)) != LIEN_OK)
		return rc;
	if ((tot = figures_of(v, NULL, 0, c, &rc)) == NULL)
		return rc;
	rc = jcs_serialize(tot, out, out_len);
	json_decref(tot);
	return rc;
}

/* The time of entry index of the view. */
static enum lien_status LIEN_MUST_CHECK
entry_time(struct ledger_view *v, uint64_t index, uint64_t *t)
{
	const uint8_t *p;
	size_t n;
	struct entry e;
	enum lien_status rc = ledger_view_entry(v, index, &p, &n);

	if (rc != LIEN_OK)
		return rc;
	if (entry_decode(p, n, &e) != LIEN_OK)
		return LIEN_ECORRUPT;
	*t = e.time_ms;
	return LIEN_OK;
}

enum lien_status
registry_statistics_read(struct ledger_view *v, uint64_t from_ms,
    uint64_t to_ms, const char *party, char **out, size_t *out_len)
{
	uint64_t size = ledger_view_size(v), first = 0, last = 0;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	/* entry times never decrease (the audit checks it): the first and
	 * the last entry bound every application's */
	if (size > 0 && ((rc = entry_time(v, 0, &first)) != LIEN_OK ||
	    (rc = entry_time(v, size - 1, &last)) != LIEN_OK))
		return rc;
	if (size == 0 || (from_ms <= first && to_ms > last))
		return registry_statistics_totals(v, from_ms, to_ms, party,
		    out, out_len);
	return registry_statistics(v, from_ms, to_ms, party, out, out_len);
}
