/*
 * Receipts of the registration API (docs/api-registration.md "Receipt"):
 * the answer to every accepted write, verifiable offline with the log's
 * verifier key alone (`lienlog verify inclusion --vkey log.vkey --proof
 * receipt.json`):
 *
 *   {"anomalies":[...],"application_id":"A..."|null,"checkpoint":"<note>",
 *    "entry_type":T,"index":I,"leaf_hash":"<b64>","proof":["<b64>",...],
 *    "owner_code":"<查询码>" (applications only, api/owner.h),
 *    "replayed":true (only on a replay),"status":"..."|null,"tree_size":N}
 *
 * index/tree_size/leaf_hash/proof have the shape of GET
 * /v1/proof/inclusion; checkpoint is the signed checkpoint note of exactly
 * tree_size (every sequencer batch signs one, so there is no merge delay).
 * Built from one ledger view; internal to api/.
 */
#ifndef LIEN_API_RECEIPT_H
#define LIEN_API_RECEIPT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "ledger/ledger.h"

struct receipt_info {
	const char *app_id;	/* NUL-terminated; NULL: none (null) */
	const char *status;	/* NUL-terminated; NULL: none (null) */
	unsigned anomalies;	/* REG_ANOMALY_* bits */
	uint16_t entry_type;
	uint64_t index;
	uint64_t tree_size;	/* index < tree_size <= view size */
	int replayed;		/* 1: add "replayed":true */
	const char *owner_code;	/* NUL-terminated; NULL: no member */
	/* The VIN whose lien status the entry changed: the receipt names
	 * "status_proof":"/v1/vehicles/<vin>/status-proof"; NULL or "": no
	 * member. */
	const char *status_vin;
	/* A voucher's id ("V" + 16 hex digits): "voucher_id"; NULL: no
	 * member. */
	const char *voucher_id;
};

/* Build the receipt from view v. *out malloc'd, NUL-terminated, ends in
 * '\n'; caller frees. LIEN_ERANGE when index/tree_size do not fit the
 * view, LIEN_ENOTFOUND when no checkpoint was signed at tree_size, the
 * view's statuses, LIEN_ENOMEM. On failure *out is NULL. */
enum lien_status receipt_build(struct ledger_view *v,
    const struct receipt_info *ri, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

#endif
