/*
 * receipt_build (api/receipt.h): the leaf hash, the inclusion proof of
 * index at tree_size and the signed checkpoint of tree_size, all from the
 * same ledger view, written as one JSON object with members in byte order
 * (the same order RFC 8785 would give, so receipts diff cleanly).
 *
 * The output is sized before writing: the fixed members take at most
 * RECEIPT_FIXED_CAP bytes and the checkpoint note at most six bytes per
 * byte once escaped; one allocation per receipt.
 */
#include "api/receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd/json_out.h"
#include "common/lien_limits.h"
#include "registry/registry.h"

/* Proof (64 x 47) + leaf + ids, anomaly codes and numbers. */
#define RECEIPT_FIXED_CAP 6144u

enum lien_status
receipt_build(struct ledger_view *v, const struct receipt_info *ri,
    char **out, size_t *out_len)
{
	uint8_t (*proof)[HASH_LEN] = NULL;
	uint8_t leaf[HASH_LEN];
	char *cp = NULL, *buf = NULL;
	size_t cp_len = 0, nproof = 0, cap, len;
	struct json_out j;
	int first = 1;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (ri->index >= ri->tree_size || ri->tree_size > ledger_view_size(v))
		return LIEN_ERANGE;
	if ((proof = malloc(sizeof(*proof) * MERKLE_PROOF_MAX)) == NULL)
		return LIEN_ENOMEM;
	if ((rc = ledger_view_leaf_hash(v, ri->index, leaf)) != LIEN_OK ||
	    (rc = ledger_view_prove_inclusion(v, ri->index, ri->tree_size,
	    proof, &nproof)) != LIEN_OK ||
	    (rc = ledger_view_checkpoint(v, ri->tree_size, &cp, &cp_len)) !=
	    LIEN_OK)
		goto out;
	if (nproof > MERKLE_PROOF_MAX || cp_len > NOTE_MAX) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	cap = RECEIPT_FIXED_CAP + 6 * cp_len;
	if ((buf = malloc(cap)) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	json_out_init(&j, buf, cap);
	json_out_raw(&j, "{\"anomalies\":[");
	for (unsigned i = 0; i < REG_ANOMALY_COUNT; i++) {
		const char *code = registry_anomaly_code(i);

		if (!(ri->anomalies & (1u << i)) || code == NULL)
			continue;
		if (!first)
			json_out_raw(&j, ",");
		json_out_str(&j, code, strlen(code));
		first = 0;
	}
	json_out_raw(&j, "],\"application_id\":");
	if (ri->app_id != NULL)
		json_out_str(&j, ri->app_id, strlen(ri->app_id));
	else
		json_out_raw(&j, "null");
	json_out_raw(&j, ",\"checkpoint\":");
	json_out_str(&j, cp, cp_len);
	json_out_raw(&j, ",\"entry_type\":");
	json_out_u64(&j, ri->entry_type);
	json_out_raw(&j, ",\"index\":");
	json_out_u64(&j, ri->index);
	json_out_raw(&j, ",\"leaf_hash\":");
	json_out_b64(&j, leaf, HASH_LEN);
	json_out_raw(&j, ",\"proof\":[");
	for (size_t i = 0; i < nproof; i++) {
		if (i > 0)
			json_out_raw(&j, ",");
		json_out_b64(&j, proof[i], HASH_LEN);
	}
	json_out_raw(&j, "]");
	if (ri->owner_code != NULL) {
		json_out_raw(&j, ",\"owner_code\":");
		json_out_str(&j, ri->owner_code, strlen(ri->owner_code));
	}
	if (ri->replayed)
		json_out_raw(&j, ",\"replayed\":true");
	json_out_raw(&j, ",\"status\":");
	if (ri->status != NULL)
		json_out_str(&j, ri->status, strlen(ri->status));
	else
		json_out_raw(&j, "null");
	/* docs/lien-status.md: where the vehicle's new status is proven */
	if (ri->status_vin != NULL && ri->status_vin[0] != '\0' &&
	    strlen(ri->status_vin) <= 17) {
		char path[64];
		int n = snprintf(path, sizeof path,
		    "/v1/vehicles/%s/status-proof", ri->status_vin);

		json_out_raw(&j, ",\"status_proof\":");
		json_out_str(&j, path, (size_t)n);
	}
	json_out_raw(&j, ",\"tree_size\":");
	json_out_u64(&j, ri->tree_size);
	if (ri->voucher_id != NULL) {
		json_out_raw(&j, ",\"voucher_id\":");
		json_out_str(&j, ri->voucher_id, strlen(ri->voucher_id));
	}
	json_out_raw(&j, "}\n");
	if ((rc = json_out_finish(&j, &len)) != LIEN_OK)
		goto out;
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	free(proof);
	free(cp);
	free(buf);
	return rc;
}
