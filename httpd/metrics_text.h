/*
 * The Prometheus text exposition format 0.0.4 writer: pure formatting into
 * a bounded, growable buffer -- HELP/TYPE lines, samples with escaped
 * label values, histograms with cumulative buckets. Shared by lienlogd's
 * GET /metrics (api/metrics.h) and the witness publisher's families; it
 * knows nothing of what it renders.
 */
#ifndef LIEN_HTTPD_METRICS_TEXT_H
#define LIEN_HTTPD_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

/* The rendered page never exceeds this: a scrape of 64 routes with a
 * dozen status codes each is about 150 KiB. The size is ours, never a
 * client's. */
#define METRICS_TEXT_MAX (1024u * 1024u)

struct metrics_text {
	char *buf;	/* malloc'd; NUL-terminated while !err */
	size_t len;
	size_t cap;
	int err;	/* sticky: allocation failed or METRICS_TEXT_MAX hit */
};

struct metrics_label {
	const char *name;	/* a trusted identifier ([a-zA-Z_][a-zA-Z0-9_]*) */
	const char *value;	/* any bytes up to NUL; escaped on output */
};

/* A histogram's upper bounds: le[i] is the label text of bucket i ("0.25"),
 * bound[i] the same bound in the unit of the observations (strictly
 * increasing). The +Inf bucket is implicit. */
struct metrics_hist_def {
	const char *const *le;
	const uint64_t *bound;
	size_t n;
};

void metrics_text_init(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);

/* Append s verbatim (trusted constant text). */
void metrics_text_raw(struct metrics_text *t, const char *s);

/* "# HELP name help\n# TYPE name type\n"; help is escaped per the format
 * ('\\' and newline). type: "counter", "gauge", "histogram". */
void metrics_text_family(struct metrics_text *t, const char *name,
    const char *type, const char *help);

/* name{l1="v1",...} v\n with label values escaped ('\\', '"', newline).
 * nlabels 0: no braces. */
void metrics_text_u64(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v);

/* The same with a value given as v / 10^9 (nanoseconds as seconds),
 * printed exactly in fixed point ("1.000250000"). */
void metrics_text_nano(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v);

/* The same with a value printed as a decimal with up to 3 fractional
 * digits of num/den (den > 0), for ratios such as a mean batch size. */
void metrics_text_ratio(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t num,
    uint64_t den);

/* A histogram family's series for one label set: name_bucket{...,le=".."}
 * with cumulative counts from the non-cumulative counts[0..def->n] (the
 * last one is the overflow above the largest bound), then
 * le="+Inf" = name_count = the sum of all counts, and name_sum printed as
 * sum_nano / 10^9. nlabels <= 3. */
void metrics_text_histogram(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels,
    const struct metrics_hist_def *def, const uint64_t *counts,
    uint64_t sum_nano);

/* LIEN_OK with the text and its length (borrowed from t), or LIEN_ENOMEM
 * / LIEN_ETOOBIG after a failed append. */
enum lien_status metrics_text_finish(const struct metrics_text *t,
    const char **out, size_t *out_len) LIEN_MUST_CHECK;

#endif
