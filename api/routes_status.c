/*
 * GET /v1/vehicles/{vin}/status-proof (docs/lien-status.md, docs/api-log.md):
 * a vehicle's lien status with the proof that the log's latest checkpoint
 * commits to it. Public: no signature, like the tiles it could be
 * recomputed from.
 *
 * One ledger view gives everything (registry_status_proof): the status
 * record, the map proof, the state-root entry (the view's last leaf), its
 * inclusion proof and the checkpoint of exactly the view's size, so the
 * pieces always agree. With witnesses configured the answer should carry
 * a checkpoint that met the quorum: the handler waits a bounded time for
 * the publisher to cosign the view's size and retries with a fresh view
 * when the log moved meanwhile; if no cosigned size can be matched it
 * answers with the log-signed checkpoint (a client that asks for a quorum
 * then refuses it and asks again).
 *
 * Answers: JSON by default, the binary bundle with
 * `Accept: application/vnd.lienlog.status-proof`. Errors: 400 vin_invalid
 * (not 17 characters of the VIN alphabet), 400 vin_check_digit (position
 * 9 wrong), 404 no_checkpoint (empty log), 404 status_map_off (a store
 * kept without the map).
 */
#include <civetweb.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_times.h"
#include "api/server.h"
#include "common/ascii.h"
#include "common/b64.h"
#include "common/rfc3339.h"
#include "httpd/http.h"
#include "httpd/json_out.h"
#include "ledger/ledger.h"
#include "registry/ids.h"
#include "registry/registry.h"
#include "tlog/status.h"
#include "witness/publisher.h"

#define STATUS_MEDIA_TYPE "application/vnd.lienlog.status-proof"
/* How long a status proof may wait for the witnesses to cosign the
 * view's tree, per attempt, and how many views it tries. */
#define STATUS_COSIGN_WAIT_MS 1000u
#define STATUS_COSIGN_TRIES 3u

/* 400 with the right code, or 1 when (p, len) is a valid VIN. */
static int
vin_ok(struct api_req *rq, const char *p, size_t len)
{
	char c;

	if (ids_vin_check_char(p, len, &c) != LIEN_OK ||
	    !((p[8] >= '0' && p[8] <= '9') || p[8] == 'X')) {
		api_fail_code(rq, 400, "vin_invalid", "not a VIN: 17 "
		    "characters of 0-9 A-Z without I, O, Q (GB 16735)");
		return 0;
	}
	if (p[8] != c) {
		api_fail_code(rq, 400, "vin_check_digit", "the VIN's check "
		    "digit (position 9) is wrong (GB 16735)");
		return 0;
	}
	return 1;
}

/* Does the request ask for the binary bundle? (Accept names the media
 * type, possibly among others; parameters and q-values are not weighed.) */
static int
wants_binary(struct api_req *rq)
{
	const char *a = mg_get_header(rq->conn, "Accept");
	size_t n = sizeof STATUS_MEDIA_TYPE - 1, alen;

	if (a == NULL)
		return 0;
	alen = strlen(a);
	for (const char *p = a; (size_t)(p - a) + n <= alen; p++)
		if (ascii_name_eq(p, n, STATUS_MEDIA_TYPE) &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ';' ||
		    p[n] == ' ') && (p == a || p[-1] == ' ' || p[-1] == ','))
			return 1;
	return 0;
}

/* A view whose checkpoint met the witness quorum, if one can be had in a
 * bounded time; else the latest view. */
static enum lien_status LIEN_MUST_CHECK
open_view(struct api_req *rq, struct ledger_view **out)
{
	struct witness_client *wc = api_server_witness(rq->server);
	enum lien_status st;

	for (unsigned i = 0;; i++) {
		uint64_t n, p = 0;
		int cosigned = 0;

		if ((st = ledger_view_open(rq->ledger, out)) != LIEN_OK)
			return st;
		n = ledger_view_size(*out);
		if (wc == NULL || n == 0 || i + 1 >= STATUS_COSIGN_TRIES)
			return LIEN_OK;
		st = witness_client_wait_published(wc, n, STATUS_COSIGN_WAIT_MS,
		    NULL, NULL, &p, &cosigned);
		if (st == LIEN_OK && cosigned && p == n) {
			/* The cosignatures were stored after this view was
			 * opened: take a fresh one if nothing moved. */
			ledger_view_close(*out);
			if ((st = ledger_view_open(rq->ledger, out)) != LIEN_OK)
				return st;
			if (ledger_view_size(*out) == n)
				return LIEN_OK;
		}
		ledger_view_close(*out);
		*out = NULL;
	}
}

/* The "status" member for people: the record with "<x>_at" beside each
 * "<x>_ms" (TEAM.md), keys sorted. Only "proof" is evidence (docs/
 * lien-status.md section 7), so this copy may differ from the record's
 * bytes; a verifier never reads it. Caller frees with free(); NULL when
 * out of memory or not JSON (then the record goes verbatim). */
static char *
status_for_people(const uint8_t *rec, size_t len)
{
	json_error_t e;
	json_t *v = json_loadb((const char *)rec, len, JSON_REJECT_DUPLICATES,
	    &e);
	char *out;

	if (v == NULL)
		return NULL;
	api_json_times_at(v);
	out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(v);
	return out;
}

static void
reply_json(struct api_req *rq, const char *vin, size_t vin_len,
    const uint8_t *b, size_t len)
{
	struct status_proof *p = malloc(sizeof *p);
	struct entry e;
	char *buf = NULL, *people = NULL, ts[RFC3339_MS_LEN + 1];
	const char *rec;
	size_t cap, out_len, rec_len;
	struct json_out j;

	if (p == NULL || status_proof_decode(b, len, p) != LIEN_OK ||
	    entry_decode(p->entry, p->entry_len, &e) != LIEN_OK) {
		api_fail_status(rq, p == NULL ? LIEN_ENOMEM : LIEN_ECORRUPT);
		goto out;
	}
	if (rfc3339_ms(e.time_ms, ts) != LIEN_OK)
		ts[0] = '\0';	/* after 9999: "" (as before) */
	rec = (const char *)p->record;
	rec_len = p->record_len;
	if (rec_len > 0 && (people = status_for_people(p->record,
	    p->record_len)) != NULL) {
		rec = people;
		rec_len = strlen(people);
	}
	cap = 512 + B64_ENCODED_LEN(len) + rec_len;
	if ((buf = malloc(cap)) == NULL) {
		api_fail_status(rq, LIEN_ENOMEM);
		goto out;
	}
	/* Members in byte order (as RFC 8785 would sort them). */
	json_out_init(&j, buf, cap);
	json_out_raw(&j, "{\"checkpoint_at\":");
	json_out_str(&j, ts, strlen(ts));
	json_out_raw(&j, ",\"checkpoint_ms\":");
	json_out_u64(&j, e.time_ms);
	json_out_raw(&j, p->record_len > 0 ? ",\"present\":true" :
	    ",\"present\":false");
	json_out_raw(&j, ",\"proof\":");
	json_out_b64(&j, b, len);
	json_out_raw(&j, ",\"status\":");
	if (rec_len > 0) {
		if (j.len + rec_len + 1 < j.cap) {
			memcpy(j.buf + j.len, rec, rec_len);
			j.len += rec_len;
			j.buf[j.len] = '\0';
		} else {
			j.err = 1;
		}
	} else {
		json_out_raw(&j, "null");
	}
	json_out_raw(&j, ",\"tree_size\":");
	json_out_u64(&j, e.index + 1);
	json_out_raw(&j, ",\"vin\":");
	json_out_str(&j, vin, vin_len);
	json_out_raw(&j, "}\n");
	if (json_out_finish(&j, &out_len) != LIEN_OK)
		api_fail_status(rq, LIEN_ENOMEM);
	else
		api_reply(rq, 200, "application/json", API_CACHE_NONE, NULL,
		    buf, out_len);
out:
	free(people);
	free(buf);
	free(p);
}

static void
get_status_proof(struct api_req *rq)
{
	struct ledger_view *v = NULL;
	uint8_t *b = NULL;
	size_t len = 0;
	enum lien_status st;

	if (api_no_query(rq) != LIEN_OK || !vin_ok(rq, rq->rest, rq->rest_len))
		return;
	if ((st = open_view(rq, &v)) != LIEN_OK) {
		api_fail_status(rq, st);
		return;
	}
	st = registry_status_proof(v, rq->rest, rq->rest_len, &b, &len);
	ledger_view_close(v);
	if (st == LIEN_ENOTFOUND)
		api_fail(rq, API_ERR_NO_CHECKPOINT, "the log has no entries yet");
	else if (st == LIEN_EUNSUPPORTED)
		api_fail_code(rq, 404, "status_map_off", "this log is kept "
		    "without the lien-status map");
	else if (st != LIEN_OK)
		api_fail_status(rq, st);
	else if (wants_binary(rq))
		api_reply(rq, 200, STATUS_MEDIA_TYPE, API_CACHE_NONE, NULL, b,
		    len);
	else
		reply_json(rq, rq->rest, rq->rest_len, b, len);
	free(b);
}

static const struct api_route status_routes[] = {
	{ "GET", "/v1/vehicles/*/status-proof", API_ROUTE_PATTERN,
	  get_status_proof, "status_proof" },
};

const struct api_route_table api_routes_status = {
	status_routes, sizeof status_routes / sizeof status_routes[0]
};
