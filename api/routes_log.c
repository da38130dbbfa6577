/*
 * The public read API of the log (docs/api-log.md):
 *
 *   GET /log/checkpoint                      C2SP tlog-tiles checkpoint
 *                                            (witnessed: docs/witnessing.md)
 *   GET /log/tile/<L>/<N>[.p/<W>]            C2SP tlog-tiles hash tiles
 *   GET /log/tile/entries/<N>[.p/<W>]        C2SP tlog-tiles entry bundles
 *   GET /v1/proof/inclusion?index=I&tree_size=N
 *   GET /v1/proof/consistency?old_size=M&tree_size=N
 *   GET /v1/entries/<I>                      one entry's bytes
 *
 * Each handler opens one ledger view (an LMDB read transaction) and reads
 * everything from that snapshot, so a reply never mixes two tree sizes.
 * Proofs are served for any tree size up to the current one, not only for
 * sizes that have a checkpoint: the client verifies them against a root
 * it already trusts, and the tiles let anyone compute the same proofs.
 *
 * The only allocations per request are the ones the ledger makes for
 * tiles/checkpoints and one scratch block for proofs: the worker stack is
 * 100 KiB (DEPS.md), so nothing large lives on it.
 */
#include <stdlib.h>
#include <string.h>

#include "httpd/http.h"
#include "httpd/json_out.h"
#include "api/server.h"
#include "witness/publisher.h"
#include "common/dec.h"
#include "common/lien_limits.h"
#include "ledger/ledger.h"
#include "tlog/tiles.h"

/* {"index":I,"tree_size":N,"leaf_hash":"<44>","proof":[<=64 x "<44>",]}:
 * about 3.2 KiB at most; 4 KiB leaves headroom. */
#define LOG_PROOF_JSON_CAP 4096u

struct proof_scratch {
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	char json[LOG_PROOF_JSON_CAP];
};

static void
log_checkpoint(struct api_req *rq)
{
	struct witness_client *wc;
	char *cp = NULL;
	size_t len = 0;
	enum lien_status s;

	if (api_no_query(rq) != LIEN_OK)
		return;
	wc = api_server_witness(rq->server);
	/* With witnesses configured only a checkpoint that met the quorum
	 * is served (docs/witnessing.md): the log signature alone would
	 * let the operator show different trees to different clients. */
	if (wc != NULL && ledger_size(rq->ledger) > 0) {
		s = witness_client_published(wc, &cp, &len, NULL);
		if (s == LIEN_ENOTFOUND) {
			api_fail(rq, API_ERR_UNAVAILABLE, "no checkpoint has "
			    "been cosigned by the witness quorum yet");
			return;
		}
	} else {
		s = ledger_latest_checkpoint(rq->ledger, &cp, &len);
	}
	if (s == LIEN_ENOTFOUND)
		api_fail(rq, API_ERR_NO_CHECKPOINT,
		    "the log has no entries yet");
	else if (s != LIEN_OK)
		api_fail_status(rq, s);
	else	/* tlog-tiles: mutable, must not be cached beyond seconds */
		api_reply(rq, 200, "text/plain; charset=utf-8", API_CACHE_NONE,
		    NULL, cp, len);
	free(cp);
}

static void
log_tile(struct api_req *rq)
{
	struct ledger_view *v = NULL;
	struct tile_ref ref;
	uint8_t *buf = NULL;
	size_t len = 0;
	unsigned have;
	enum lien_status s;

	if (api_no_query(rq) != LIEN_OK)
		return;
	if (rq->rest_len > TILES_PATH_MAX ||
	    tiles_path_parse(rq->rest, rq->rest_len, &ref) != LIEN_OK) {
		api_fail(rq, API_ERR_BAD_TILE_PATH,
		    "not a canonical tlog-tiles path");
		return;
	}
	s = ledger_view_open(rq->ledger, &v);
	if (s != LIEN_OK) {
		api_fail_status(rq, s);
		return;
	}
	/* A full tile exists once the tree covers it; a partial tile of
	 * width W once the tile holds at least W hashes (a checkpoint at
	 * that size existed, or will: every batch is signed). Empty tiles
	 * are never served (tlog-tiles). */
	have = tiles_width_at(ref.level == TILES_LEVEL_ENTRIES ? 0 : ref.level,
	    ref.index, ledger_view_size(v));
	if (have == 0 || (have < TILE_WIDTH && (ref.width == TILE_WIDTH ||
	    have < ref.width))) {
		api_fail(rq, API_ERR_TILE_NOT_FOUND,
		    "the tree does not contain this tile");
		goto out;
	}
	if (ref.level == TILES_LEVEL_ENTRIES)
		s = ledger_view_bundle(v, ref.index, ref.width, &buf, &len);
	else
		s = ledger_view_tile(v, (unsigned)ref.level, ref.index,
		    ref.width, &buf, &len);
	if (s == LIEN_ENOTFOUND)
		api_fail(rq, API_ERR_TILE_NOT_FOUND,
		    "the tree does not contain this tile");
	else if (s != LIEN_OK)
		api_fail_status(rq, s);
	else
		api_reply(rq, 200, "application/octet-stream",
		    ref.width == TILE_WIDTH ? API_CACHE_IMMUTABLE :
		    API_CACHE_SHORT, NULL, buf, len);
out:
	free(buf);
	ledger_view_close(v);
}

/* Append "proof":[...]} and send. */
static void
log_send_proof(struct api_req *rq, struct proof_scratch *ps,
    struct json_out *j, size_t nproof)
{
	size_t len;

	json_out_raw(j, ",\"proof\":[");
	for (size_t i = 0; i < nproof; i++) {
		if (i > 0)
			json_out_raw(j, ",");
		json_out_b64(j, ps->proof[i], HASH_LEN);
	}
	json_out_raw(j, "]}\n");
	if (json_out_finish(j, &len) != LIEN_OK) {
		api_fail(rq, API_ERR_INTERNAL, "internal error");
		return;
	}
	/* A proof between two fixed sizes of an append-only log never
	 * changes, but keep caches modest: an hour. */
	api_reply(rq, 200, "application/json", "public, max-age=3600", NULL,
	    ps->json, len);
}

/* The part both proof routes share: the two u64 query parameters (p[0],
 * p[1] = tree_size), a view, tree_size within the log, and the scratch
 * block. LIEN_OK to go on (close *v and free *ps afterwards); otherwise
 * the error reply has been sent, nothing is left open, and the status
 * says why. */
static enum lien_status LIEN_MUST_CHECK
proof_begin(struct api_req *rq, struct api_param p[2], const char *usage,
    struct ledger_view **v, struct proof_scratch **ps)
{
	enum api_err e = API_ERR_INTERNAL;
	enum lien_status s;

	*v = NULL;
	*ps = NULL;
	if ((s = api_query_parse(rq->query, rq->query_len, p, 2, &e)) !=
	    LIEN_OK) {
		api_fail(rq, e, usage);
		return s;
	}
	if ((s = ledger_view_open(rq->ledger, v)) != LIEN_OK) {
		api_fail_status(rq, s);
		return s;
	}
	if (p[1].value > ledger_view_size(*v)) {
		s = LIEN_ERANGE;
		api_fail(rq, API_ERR_TREE_SIZE,
		    "tree_size is larger than the log");
	} else if ((*ps = malloc(sizeof(**ps))) == NULL) {
		s = LIEN_ENOMEM;
		api_fail_status(rq, s);
	} else {
		return LIEN_OK;
	}
	ledger_view_close(*v);
	*v = NULL;
	return s;
}

static void
log_inclusion(struct api_req *rq)
{
	struct api_param p[2] = { { .name = "index" }, { .name = "tree_size" } };
	struct ledger_view *v;
	struct proof_scratch *ps;
	uint8_t leaf[HASH_LEN];
	struct json_out j;
	size_t nproof = 0;
	enum lien_status s;

	if (proof_begin(rq, p, "expected index=<u64>&tree_size=<u64>", &v,
	    &ps) != LIEN_OK)
		return;
	if (p[0].value >= p[1].value) {
		api_fail(rq, API_ERR_INDEX_RANGE, "index must be < tree_size");
		goto out;
	}
	s = ledger_view_leaf_hash(v, p[0].value, leaf);
	if (s == LIEN_OK)
		s = ledger_view_prove_inclusion(v, p[0].value, p[1].value,
		    ps->proof, &nproof);
	if (s == LIEN_OK && nproof > MERKLE_PROOF_MAX)
		s = LIEN_ECORRUPT;
	if (s != LIEN_OK) {
		api_fail_status(rq, s);
		goto out;
	}
	json_out_init(&j, ps->json, sizeof(ps->json));
	json_out_raw(&j, "{\"index\":");
	json_out_u64(&j, p[0].value);
	json_out_raw(&j, ",\"tree_size\":");
	json_out_u64(&j, p[1].value);
	json_out_raw(&j, ",\"leaf_hash\":");
	json_out_b64(&j, leaf, HASH_LEN);
	log_send_proof(rq, ps, &j, nproof);
out:
	free(ps);
	ledger_view_close(v);
}

static void
log_consistency(struct api_req *rq)
{
	struct api_param p[2] = { { .name = "old_size" },
		{ .name = "tree_size" } };
	struct ledger_view *v;
	struct proof_scratch *ps;
	struct json_out j;
	size_t nproof = 0;
	enum lien_status s;

	if (proof_begin(rq, p, "expected old_size=<u64>&tree_size=<u64>", &v,
	    &ps) != LIEN_OK)
		return;
	if (p[0].value > p[1].value) {
		api_fail(rq, API_ERR_OLD_SIZE, "old_size must be <= tree_size");
		goto out;
	}
	s = ledger_view_prove_consistency(v, p[0].value, p[1].value,
	    ps->proof, &nproof);
	if (s == LIEN_OK && nproof > MERKLE_PROOF_MAX)
		s = LIEN_ECORRUPT;
	if (s != LIEN_OK) {
		api_fail_status(rq, s);
		goto out;
	}
	json_out_init(&j, ps->json, sizeof(ps->json));
	json_out_raw(&j, "{\"old_size\":");
	json_out_u64(&j, p[0].value);
	json_out_raw(&j, ",\"tree_size\":");
	json_out_u64(&j, p[1].value);
	log_send_proof(rq, ps, &j, nproof);
out:
	free(ps);
	ledger_view_close(v);
}

/* GET /v1/entries/<I>: entry I's bytes exactly as logged (the envelope,
 * docs/entry-format.md), so nobody has to cut it out of an entry bundle:
 * public, like the tiles that hold it, and immutable once in the tree.
 * Its leaf hash is SHA-256(0x00 || bytes); `lienlog verify inclusion
 * --entry FILE` checks it against a receipt or a proof. */
static void
log_entry(struct api_req *rq)
{
	struct ledger_view *v = NULL;
	const uint8_t *e = NULL;
	size_t len = 0;
	uint64_t idx;
	enum lien_status s;

	if (api_no_query(rq) != LIEN_OK)
		return;
	if (dec_u64_parse(rq->rest, rq->rest_len, &idx) != LIEN_OK) {
		api_fail(rq, API_ERR_BAD_NUMBER, "the entry index must be a "
		    "canonical decimal: digits only, no leading zero");
		return;
	}
	if ((s = ledger_view_open(rq->ledger, &v)) != LIEN_OK) {
		api_fail_status(rq, s);
		return;
	}
	if (idx >= ledger_view_size(v)) {
		api_fail(rq, API_ERR_INDEX_RANGE, "the index is not below the "
		    "tree size");
		goto out;
	}
	s = ledger_view_entry(v, idx, &e, &len);
	if (s != LIEN_OK)
		api_fail_status(rq, s);
	else
		api_reply(rq, 200, "application/octet-stream",
		    API_CACHE_IMMUTABLE, NULL, (const char *)e, len);
out:
	ledger_view_close(v);
}

static const struct api_route log_routes[] = {
	{ "GET", "/log/checkpoint", 0, log_checkpoint, "log_checkpoint" },
	{ "GET", "/log/tile/", API_ROUTE_PREFIX, log_tile, "log_tile" },
	{ "GET", "/v1/proof/inclusion", 0, log_inclusion, "proof_inclusion" },
	{ "GET", "/v1/proof/consistency", 0, log_consistency,
	    "proof_consistency" },
	{ "GET", "/v1/entries/", API_ROUTE_PREFIX, log_entry, "log_entry" },
};

const struct api_route_table api_routes_log = {
	log_routes, sizeof(log_routes) / sizeof(log_routes[0])
};
