/*
 * Statistics and SMS delivery counters on GET /metrics
 * (api/stats_metrics.c, docs/statistics.md, docs/notices.md).
 */
#ifndef LIEN_API_STATS_METRICS_H
#define LIEN_API_STATS_METRICS_H

#include "httpd/metrics_text.h"
#include "ledger/ledger.h"

struct notify;

/* Append the lienlog_registry_* families (the statistics of every
 * application, computed from l's log) and, with n, the lienlog_sms_*
 * counters. Nothing on failure. */
void stats_render_metrics(struct ledger *l, struct notify *n,
    struct metrics_text *t);

#endif
