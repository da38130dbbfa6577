/*
 * Prometheus text exposition format 0.0.4 (httpd/metrics_text.h). A sticky
 * error flag instead of a status per call: a scrape either renders whole
 * or fails once at metrics_text_finish.
 */
#include "httpd/metrics_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_TEXT_INITIAL 16384u

void
metrics_text_init(struct metrics_text *t)
{
	memset(t, 0, sizeof(*t));
}

void
metrics_text_free(struct metrics_text *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* The status the sticky flag stands for (metrics_text_finish's). */
static enum lien_status
metrics_text_status(const struct metrics_text *t)
{
	if (t->err == 1)
		return LIEN_ENOMEM;
	return t->err ? LIEN_ETOOBIG : LIEN_OK;
}

/* Make room for n more bytes plus the NUL. LIEN_OK, or the sticky
 * failure, recorded in t->err first: LIEN_ETOOBIG past METRICS_TEXT_MAX,
 * LIEN_ENOMEM when realloc failed. */
static enum lien_status LIEN_MUST_CHECK
metrics_text_reserve(struct metrics_text *t, size_t n)
{
	size_t cap;
	char *nb;

	if (t->err)
		return metrics_text_status(t);
	if (n > METRICS_TEXT_MAX - t->len) {	/* len <= MAX always */
		t->err = 2;
		return LIEN_ETOOBIG;
	}
	if (t->len + n < t->cap)
		return LIEN_OK;
	cap = t->cap ? t->cap : METRICS_TEXT_INITIAL;
	while (cap <= t->len + n)
		cap *= 2;	/* cannot overflow: len + n <= 1 MiB */
	if (cap > METRICS_TEXT_MAX + 1)
		cap = METRICS_TEXT_MAX + 1;
	nb = realloc(t->buf, cap);
	if (nb == NULL) {
		t->err = 1;
		return LIEN_ENOMEM;
	}
	t->buf = nb;
	t->cap = cap;
	return LIEN_OK;
}

static void
metrics_text_put(struct metrics_text *t, const char *s, size_t n)
{
	if (metrics_text_reserve(t, n) != LIEN_OK)
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void
metrics_text_raw(struct metrics_text *t, const char *s)
{
	metrics_text_put(t, s, strlen(s));
}

/* Escape per the format: HELP text escapes '\\' and newline; label values
 * also escape '"'. Everything else, UTF-8 included, passes through. */
static void
metrics_text_escaped(struct metrics_text *t, const char *s, int quote)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (quote && *s == '"')
			esc = "\\\"";
		if (esc == NULL)
			continue;
		metrics_text_put(t, run, (size_t)(s - run));
		metrics_text_put(t, esc, 2);
		run = s + 1;
	}
	metrics_text_put(t, run, (size_t)(s - run));
}

void
metrics_text_family(struct metrics_text *t, const char *name,
    const char *type, const char *help)
{
	metrics_text_raw(t, "# HELP ");
	metrics_text_raw(t, name);
	metrics_text_raw(t, " ");
	metrics_text_escaped(t, help, 0);
	metrics_text_raw(t, "\n# TYPE ");
	metrics_text_raw(t, name);
	metrics_text_raw(t, " ");
	metrics_text_raw(t, type);
	metrics_text_raw(t, "\n");
}

static void
metrics_text_series(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels)
{
	metrics_text_raw(t, name);
	if (nlabels == 0) {
		metrics_text_raw(t, " ");
		return;
	}
	metrics_text_raw(t, "{");
	for (size_t i = 0; i < nlabels; i++) {
		if (i > 0)
			metrics_text_raw(t, ",");
		metrics_text_raw(t, labels[i].name);
		metrics_text_raw(t, "=\"");
		metrics_text_escaped(t, labels[i].value, 1);
		metrics_text_raw(t, "\"");
	}
	metrics_text_raw(t, "} ");
}

void
metrics_text_u64(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v)
{
	char num[24];

	metrics_text_series(t, name, labels, nlabels);
	snprintf(num, sizeof(num), "%" PRIu64 "\n", v);
	metrics_text_raw(t, num);
}

void
metrics_text_nano(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v)
{
	char num[32];

	metrics_text_series(t, name, labels, nlabels);
	snprintf(num, sizeof(num), "%" PRIu64 ".%09" PRIu64 "\n",
	    v / 1000000000u, v % 1000000000u);
	metrics_text_raw(t, num);
}

void
metrics_text_ratio(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t num,
    uint64_t den)
{
	char buf[32];
	uint64_t q = den ? num / den : 0, r = den ? num % den : 0;
	/* r < den: the fraction is in [0, 1); three digits for display. */
	uint64_t frac = den ? (uint64_t)((double)r / (double)den * 1000.0) : 0;

	if (frac > 999)
		frac = 999;
	metrics_text_series(t, name, labels, nlabels);
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64 "\n", q, frac);
	metrics_text_raw(t, buf);
}

void
metrics_text_histogram(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels,
    const struct metrics_hist_def *def, const uint64_t *counts,
    uint64_t sum_nano)
{
	struct metrics_label ls[4];
	char series[128];
	uint64_t cum = 0;

	if (nlabels > 3 || strlen(name) + sizeof("_bucket") > sizeof(series)) {
		t->err = 2;	/* a programming error: fail the page */
		return;
	}
	if (nlabels > 0)
		memcpy(ls, labels, nlabels * sizeof(*labels));
	ls[nlabels].name = "le";
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (size_t i = 0; i < def->n; i++) {
		cum += counts[i];
		ls[nlabels].value = def->le[i];
		metrics_text_u64(t, series, ls, nlabels + 1, cum);
	}
	cum += counts[def->n];
	ls[nlabels].value = "+Inf";
	metrics_text_u64(t, series, ls, nlabels + 1, cum);
	snprintf(series, sizeof(series), "%s_sum", name);
	metrics_text_nano(t, series, labels, nlabels, sum_nano);
	snprintf(series, sizeof(series), "%s_count", name);
	metrics_text_u64(t, series, labels, nlabels, cum);
}

enum lien_status
metrics_text_finish(const struct metrics_text *t, const char **out,
    size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (t->err)
		return metrics_text_status(t);
	*out = t->buf ? t->buf : "";
	*out_len = t->len;
	return LIEN_OK;
}

