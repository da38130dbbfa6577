/*
 * Statistics for the office and the institutions (issue 17 part 4,
 * docs/statistics.md), computed from the log: every registry entry with
 * its private record, in log order. Nothing here reads derived state, so
 * whoever holds the log and its private records (the server answering
 * GET /v1/statistics, `lienlog audit --statistics` on a copy) computes the
 * same figures byte for byte.
 *
 * An application counts in the period its submission time falls in
 * ([from, to) in entry ms); its later steps count with it whenever they
 * come. Processing times are nearest-rank percentiles (median = the
 * ceil(n/2)-th smallest, p90 = the ceil(0.9 n)-th) of milliseconds from
 * the application entry to its first approval or rejection, and to the
 * delivery of its certificate (EMS, type 30).
 */
#include "registry/registry_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "tlog/entry.h"

#define STATS_APPS_MAX (1u << 24)

enum { O_PENDING, O_REVIEW, O_APPROVED, O_REJECTED, O_COUNT_ };
static const char *const outcome_names[O_COUNT_] = { "submitted",
	"in_person_review", "approved", "rejected" };

struct sapp {
	uint64_t index;			/* the application entry */
	uint64_t submit_ms, decide_ms, deliver_ms;
	char bank[REG_PARTY_ID_MAX + 1];
	unsigned release:1, decided:1, delivered:1, counter:1, term_end:1;
	unsigned outcome;		/* O_* */
	unsigned reasons;		/* REG_ANOMALY_* bits */
	unsigned officer_review;	/* diverted by an officer's decision */
};

struct reg_stats {
	uint64_t from_ms, to_ms;
	char party[REG_PARTY_ID_MAX + 1];	/* "" = every institution */
	struct sapp *apps;
	size_t n, cap;
};

static int
in_period(const struct reg_stats *s, uint64_t t)
{
	return t >= s->from_ms && t < s->to_ms;
}

static struct sapp *
app_find(struct reg_stats *s, uint64_t index)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {		/* apps are added in index order */
		size_t mid = lo + (hi - lo) / 2;

		if (s->apps[mid].index == index)
			return &s->apps[mid];
		if (s->apps[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct sapp *
app_of(struct reg_stats *s, const json_t *p)
{
	size_t n;
	const char *id = rg_jstr(p, "app", &n);
	uint64_t ix;

	if (id == NULL || registry_app_id_parse(id, n, &ix) != LIEN_OK)
		return NULL;
	/* an id is base + index; the base is 0 unless a hand-over set it:
	 * inherited applications are not in this log and do not count */
	return app_find(s, ix);
}

enum lien_status
registry_stats_add(struct reg_stats *s, uint64_t index, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv,
    size_t priv_len)
{
	json_t *p = NULL, *r = NULL;
	struct sapp *a;
	enum lien_status rc = LIEN_OK;

	if (type != REG_T_MORTGAGE_APPLICATION &&
	    type != REG_T_RELEASE_APPLICATION && type != REG_T_DECISION &&
	    type != REG_T_DELIVERY_EVENT)
		return LIEN_OK;
	if (jcs_parse((const char *)payload, len, 0, &p) != LIEN_OK)
		return LIEN_ECORRUPT;
	if (priv != NULL && jcs_parse((const char *)priv, priv_len, 0, &r) !=
	    LIEN_OK) {
		json_decref(p);
		return LIEN_ECORRUPT;
	}
	switch (type) {
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION: {
		size_t blen;
		/* the bank: the signer online, the one named at the counter */
		const char *bank = rg_app_bank(r, &blen);

		if (!in_period(s, time_ms) || bank == NULL ||
		    strlen(bank) > REG_PARTY_ID_MAX ||
		    (s->party[0] != '\0' && strcmp(bank, s->party) != 0))
			break;
		if (s->n == s->cap) {
			size_t nc = s->cap ? 2 * s->cap : 256;
			struct sapp *na;

			if (nc > STATS_APPS_MAX ||
			    (na = realloc(s->apps, nc * sizeof *na)) == NULL) {
				rc = LIEN_ENOMEM;
				break;
			}
			s->apps = na;
			s->cap = nc;
		}
		a = &s->apps[s->n++];
		memset(a, 0, sizeof *a);
		/* keyed by the application id's number (= index + base) */
		{
			size_t il;
			const char *id = rg_jstr(p, "app", &il);

			if (id == NULL || registry_app_id_parse(id, il,
			    &a->index) != LIEN_OK) {
				s->n--;
				rc = LIEN_ECORRUPT;
				break;
			}
		}
		(void)index;
		a->submit_ms = time_ms;
		memcpy(a->bank, bank, strlen(bank) + 1);
		a->release = type == REG_T_RELEASE_APPLICATION;
		a->counter = rg_counter(type, p) ? 1u : 0u;
		a->term_end = json_object_get(r, "term_end") != NULL;
		a->reasons = rg_anomaly_bits(r);
		a->outcome = rg_jstr_eq(p, "status", "in_person_review") ?
		    O_REVIEW : O_PENDING;
		break;
	}
	case REG_T_DECISION:
		if ((a = app_of(s, p)) == NULL || a->decided)
			break;
		if (rg_jstr_eq(p, "decision", "in_person_review")) {
			a->outcome = O_REVIEW;
			a->officer_review = 1;
			break;
		}
		a->decided = 1;
		a->decide_ms = time_ms;
		a->outcome = rg_jstr_eq(p, "decision", "approve") ?
		    O_APPROVED : O_REJECTED;
		break;
	case REG_T_DELIVERY_EVENT:
		if ((a = app_of(s, p)) != NULL && !a->delivered &&
		    rg_jstr_eq(p, "event", "delivered")) {
			a->delivered = 1;
			a->deliver_ms = time_ms;
		}
		break;
	default:
		break;
	}
	json_decref(p);
	json_decref(r);
	return rc;
}

/* ---- output ---------------------------------------------------------------- */

static int
u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* {"count","median_ms","p90_ms"} of v[0..n) (sorted here). */
static json_t *
times(uint64_t *v, size_t n)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	qsort(v, n, sizeof *v, u64_cmp);
	if (rg_set(o, "count", json_integer((json_int_t)n)) ||
	    (n > 0 && (rg_set(o, "median_ms", json_integer((json_int_t)
	    v[(n + 1) / 2 - 1])) || rg_set(o, "p90_ms", json_integer(
	    (json_int_t)v[(9 * n + 9) / 10 - 1]))))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The figures of apps[i] for every i with bank == party (NULL: all). */
static json_t *
figures(const struct reg_stats *s, const char *party, uint64_t *scratch)
{
	json_t *o = json_object(), *kinds = json_object(), *ch = json_object(),
	    *out = json_object(), *div = json_object();
	uint64_t k[2] = { 0, 0 }, oc[O_COUNT_] = { 0 }, dv[REG_ANOMALY_COUNT];
	uint64_t online = 0, counter = 0, officer = 0, reminders = 0, total = 0;
	size_t nd = 0, nl = 0;

	memset(dv, 0, sizeof dv);
	if (o == NULL || kinds == NULL || ch == NULL || out == NULL ||
	    div == NULL)
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		const struct sapp *a = &s->apps[i];

		if (party != NULL && strcmp(a->bank, party) != 0)
			continue;
		total++;
		k[a->release]++;
		oc[a->outcome]++;
		if (a->counter)
			counter++;
		else
			online++;
		for (unsigned b = 0; b < REG_ANOMALY_COUNT; b++)
			if (a->reasons & (1u << b))
				dv[b]++;
		officer += a->officer_review;
		reminders += !a->release && a->term_end &&
		    a->outcome == O_APPROVED;
		if (a->decided)
			scratch[nd++] = a->decide_ms - a->submit_ms;
	}
	if (rg_set(kinds, "mortgage", json_integer((json_int_t)k[0])) ||
	    rg_set(kinds, "release", json_integer((json_int_t)k[1])) ||
	    rg_set(ch, "online", json_integer((json_int_t)online)) ||
	    rg_set(ch, "counter", json_integer((json_int_t)counter)))
		goto fail;
	for (unsigned i = 0; i < O_COUNT_; i++)
		if (rg_set(out, outcome_names[i], json_integer((json_int_t)
		    oc[i])))
			goto fail;
	for (unsigned b = 0; b < REG_ANOMALY_COUNT; b++)
		if (dv[b] != 0 && rg_set(div, rg_anomaly_codes[b],
		    json_integer((json_int_t)dv[b])))
			goto fail;
	if (rg_set(div, "officer", json_integer((json_int_t)officer)) ||
	    rg_set(o, "applications", json_integer((json_int_t)total)) ||
	    rg_set(o, "by_kind", json_incref(kinds)) ||
	    rg_set(o, "by_channel", json_incref(ch)) ||
	    rg_set(o, "online_share_bp", json_integer(total ? (json_int_t)
	    (online * 10000 / total) : 0)) ||
	    rg_set(o, "by_outcome", json_incref(out)) ||
	    rg_set(o, "diversions", json_incref(div)) ||
	    rg_set(o, "reminders_scheduled", json_integer((json_int_t)
	    reminders)) ||
	    rg_set(o, "to_decision", times(scratch, nd)))
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		const struct sapp *a = &s->apps[i];

		if ((party == NULL || strcmp(a->bank, party) == 0) &&
		    a->delivered)
			scratch[nl++] = a->deliver_ms - a->submit_ms;
	}
	if (rg_set(o, "to_delivery", times(scratch, nl)))
		goto fail;
	json_decref(kinds);
	json_decref(ch);
	json_decref(out);
	json_decref(div);
	return o;
fail:
	json_decref(o);
	json_decref(kinds);
	json_decref(ch);
	json_decref(out);
	json_decref(div);
	return NULL;
}

static int
bank_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "<x>_at" beside "<x>_ms": the instant in RFC 3339 (common/rfc3339.h,
 * the tree's one formatter), or null past year 9999, which RFC 3339
 * cannot write (an open "to" is REG_TIME_MAX: no upper bound). */
json_t *
rg_time_at(uint64_t ms)
{
	char at[RFC3339_MS_LEN + 1];

	return rfc3339_ms(ms, at) == LIEN_OK ? json_string(at) :
	    json_null();
}

enum lien_status
registry_stats_json(struct reg_stats *s, char **out, size_t *out_len)
{
	json_t *o = json_object(), *insts = json_array(), *f;
	const char **banks = NULL;
	uint64_t *scratch = NULL;
	size_t nb = 0;
	enum lien_status rc = LIEN_ENOMEM;

	*out = NULL;
	*out_len = 0;
	if (o == NULL || insts == NULL ||
	    (scratch = malloc((s->n + 1) * sizeof *scratch)) == NULL ||
	    (banks = malloc((s->n + 1) * sizeof *banks)) == NULL)
		goto done;
	for (size_t i = 0; i < s->n; i++)
		banks[nb++] = s->apps[i].bank;
	qsort(banks, nb, sizeof *banks, bank_cmp);
	for (size_t i = 0; i < nb; i++) {
		if (i > 0 && strcmp(banks[i], banks[i - 1]) == 0)
			continue;
		if ((f = figures(s, banks[i], scratch)) == NULL ||
		    rg_set(f, "party", json_string(banks[i])) ||
		    json_array_append_new(insts, f))
			goto done;
	}
	if (rg_set(o, "from_ms", json_integer((json_int_t)s->from_ms)) ||
	    rg_set(o, "from_at", rg_time_at(s->from_ms)))
		goto done;
	if (rg_set(o, "to_ms", json_integer((json_int_t)s->to_ms)) ||
	    rg_set(o, "to_at", rg_time_at(s->to_ms)) ||
	    (s->party[0] != '\0' && rg_set(o, "party",
	    json_string(s->party))) ||
	    rg_set(o, "total", figures(s, NULL, scratch)) ||
	    rg_set(o, "institutions", json_incref(insts)))
		goto done;
	rc = jcs_serialize(o, out, out_len);
done:
	free(scratch);
	free(banks);
	json_decref(insts);
	json_decref(o);
	return rc;
}

enum lien_status
registry_stats_new(uint64_t from_ms, uint64_t to_ms, const char *party,
    struct reg_stats **out)
{
	struct reg_stats *s;

	*out = NULL;
	if (from_ms > to_ms || to_ms > REG_TIME_MAX ||
	    (party != NULL && strlen(party) > REG_PARTY_ID_MAX))
		return LIEN_EINVAL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return LIEN_ENOMEM;
	s->from_ms = from_ms;
	s->to_ms = to_ms;
	if (party != NULL)
		memcpy(s->party, party, strlen(party) + 1);
	*out = s;
	return LIEN_OK;
}

void
registry_stats_free(struct reg_stats *s)
{
	if (s == NULL)
		return;
	free(s->apps);
	free(s);
}

struct stats_walk {
	struct reg_stats *s;
	struct ledger_view *v;
	enum lien_status rc;
};

static int
stats_visit(void *ctx, uint64_t index, const uint8_t *ent, size_t len)
{
	struct stats_walk *w = ctx;
	struct entry e;
	uint8_t *priv = NULL;	/* decoded: free() */
	size_t priv_len = 0;

	if (entry_decode(ent, len, &e) != LIEN_OK) {
		w->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (e.type != REG_T_MORTGAGE_APPLICATION &&
	    e.type != REG_T_RELEASE_APPLICATION && e.type != REG_T_DECISION &&
	    e.type != REG_T_DELIVERY_EVENT)
		return 0;
	if ((w->rc = registry_private_get(w->v, index, &priv, &priv_len)) !=
	    LIEN_OK && w->rc != LIEN_ENOTFOUND)
		return 1;
	w->rc = registry_stats_add(w->s, index, e.time_ms, e.type, e.payload,
	    e.payload_len, w->rc == LIEN_OK ? priv : NULL, priv_len);
	free(priv);
	return w->rc != LIEN_OK;
}

enum lien_status
registry_statistics(struct ledger_view *v, uint64_t from_ms, uint64_t to_ms,
    const char *party, char **out, size_t *out_len)
{
	struct stats_walk w = { NULL, v, LIEN_OK };
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if ((rc = registry_stats_new(from_ms, to_ms, party, &w.s)) != LIEN_OK)
		return rc;
	rc = ledger_view_foreach_entry(v, 0, stats_visit, &w);
	if (rc == LIEN_OK)
		rc = w.rc;
	if (rc == LIEN_OK)
		rc = registry_stats_json(w.s, out, out_len);
	registry_stats_free(w.s);
	return rc;
}
