/*
 * Operational routes: GET /healthz (liveness plus the tree size, for load
 * balancers and the integration tests) and GET /metrics (Prometheus text
 * exposition format 0.0.4; the counters and the writer live in
 * api/metrics.c, the server owns the store; docs/observability.md).
 */
#include <string.h>

#include "httpd/http.h"
#include "httpd/json_out.h"

static void
health_healthz(struct api_req *rq)
{
	char body[96];
	struct json_out j;
	size_t len;

	if (api_no_query(rq) != LIEN_OK)
		return;
	json_out_init(&j, body, sizeof(body));
	json_out_raw(&j, "{\"status\":\"ok\",\"tree_size\":");
	json_out_u64(&j, ledger_size(rq->ledger));
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &len) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return;
	}
	api_reply(rq, 200, "application/json", API_CACHE_NOSTORE, NULL, body,
	    len);
}

static void
health_metrics(struct api_req *rq)
{
	if (api_no_query(rq) != LIEN_OK)
		return;
	api_server_metrics(rq->server, rq);
}

static const struct api_route health_routes[] = {
	{ "GET", "/healthz", 0, health_healthz, "healthz" },
	{ "GET", "/metrics", 0, health_metrics, "metrics" },
};

const struct api_route_table api_routes_health = {
	health_routes, sizeof(health_routes) / sizeof(health_routes[0])
};
