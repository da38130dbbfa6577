/*
 * The registry's statistics (docs/statistics.md) and the SMS worker's
 * counters (docs/notices.md) as Prometheus gauges and counters on
 * GET /metrics (docs/observability.md). The statistics are those of
 * GET /v1/statistics without parameters (every application, every
 * institution), read at each scrape from the running totals the
 * sequencer keeps (registry_statistics_total: a few records, not a walk
 * of the log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/notify.h"
#include "api/stats_metrics.h"
#include "registry/jcs.h"
#include "registry/registry.h"

static uint64_t
u(const json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return v > 0 ? (uint64_t)v : 0;
}

static void
series(struct metrics_text *t, const char *name, const char *label,
    const json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		struct metrics_label l = { label, k };

		metrics_text_u64(t, name, &l, 1, json_is_integer(v) &&
		    json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) :
		    0);
	}
}

void
stats_render_metrics(struct ledger *l, struct notify *n,
    struct metrics_text *t)
{
	struct ledger_view *v = NULL;
	char *out = NULL;
	size_t len = 0;
	json_t *s = NULL, *tot;

	if (n != NULL) {
		struct notify_stats ns;
		struct metrics_label r[3] = { { "result", "sent" },
			{ "result", "refused" }, { "result", "retried" } };

		notify_stats_get(n, &ns);
		metrics_text_family(t, "lienlog_sms_messages_total", "counter",
		    "SMS messages posted to the gateway since start, by result "
		    "(docs/notices.md).");
		metrics_text_u64(t, "lienlog_sms_messages_total", &r[0], 1,
		    ns.sent);
		metrics_text_u64(t, "lienlog_sms_messages_total", &r[1], 1,
		    ns.refused);
		metrics_text_u64(t, "lienlog_sms_messages_total", &r[2], 1,
		    ns.retries);
		metrics_text_family(t, "lienlog_sms_reminders_sent_total",
		    "counter", "Due-release reminders the gateway accepted "
		    "since start.");
		metrics_text_u64(t, "lienlog_sms_reminders_sent_total", NULL, 0,
		    ns.reminders);
	}
	if (l == NULL || ledger_view_open(l, &v) != LIEN_OK)
		return;
	if (registry_statistics_total(v, &out, &len) != LIEN_OK ||
	    jcs_parse(out, len, 0, &s) != LIEN_OK) {
		ledger_view_close(v);
		free(out);
		return;
	}
	ledger_view_close(v);
	free(out);
	tot = s;
	metrics_text_family(t, "lienlog_registry_applications", "gauge",
	    "Applications in the log by channel (docs/statistics.md).");
	series(t, "lienlog_registry_applications", "channel",
	    json_object_get(tot, "by_channel"));
	metrics_text_family(t, "lienlog_registry_applications_by_kind",
	    "gauge", "Applications in the log by kind.");
	series(t, "lienlog_registry_applications_by_kind", "kind",
	    json_object_get(tot, "by_kind"));
	metrics_text_family(t, "lienlog_registry_applications_by_outcome",
	    "gauge", "Applications in the log by where they are now.");
	series(t, "lienlog_registry_applications_by_outcome", "outcome",
	    json_object_get(tot, "by_outcome"));
	metrics_text_family(t, "lienlog_registry_online_share", "gauge",
	    "Online applications / all applications.");
	metrics_text_ratio(t, "lienlog_registry_online_share", NULL, 0,
	    u(tot, "online_share_bp"), 10000);
	metrics_text_family(t, "lienlog_registry_diversions", "gauge",
	    "Applications diverted to in-person review, by reason.");
	series(t, "lienlog_registry_diversions", "reason",
	    json_object_get(tot, "diversions"));
	metrics_text_family(t, "lienlog_registry_reminders_scheduled", "gauge",
	    "Approved mortgages with a due-release reminder scheduled.");
	metrics_text_u64(t, "lienlog_registry_reminders_scheduled", NULL, 0,
	    u(tot, "reminders_scheduled"));
	metrics_text_family(t, "lienlog_registry_processing_seconds", "gauge",
	    "Time from submission to decision and to delivery: median and "
	    "p90 (nearest rank).");
	{
		static const char *const to[2] = { "decision", "delivery" };
		static const char *const key[2] = { "to_decision",
			"to_delivery" };

		for (int i = 0; i < 2; i++) {
			const json_t *x = json_object_get(tot, key[i]);
			struct metrics_label lm[2] = { { "to", to[i] },
				{ "quantile", "0.5" } };

			if (u(x, "count") == 0)
				continue;
			metrics_text_nano(t, "lienlog_registry_processing_seconds",
			    lm, 2, u(x, "median_ms") * 1000000u);
			lm[1].value = "0.9";
			metrics_text_nano(t, "lienlog_registry_processing_seconds",
			    lm, 2, u(x, "p90_ms") * 1000000u);
		}
	}
	json_decref(s);
}
