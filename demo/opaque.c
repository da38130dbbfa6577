/*
 * The opaque demo log (demo/demo.h demo_opaque_fill): what `lienlogd
 * --demo DIR` appends when DIR has a trust/ of its own and so no demo
 * world to sign requests with. Made-up mortgage and release records as
 * JSON text under ENTRY_TYPE_DEMO, written straight through the ledger
 * (they are not registry steps: the registry ignores the type). VINs come
 * from demo_vin_make, so their check digits are registry/ids.c's, plates
 * from demo_plate_make; one seed per index, so the same n gives the same
 * log.
 */
#include "demo/demo.h"

#include <stdio.h>
#include <stdlib.h>

#include "ledger/ledger.h"
#include "tlog/entry.h"

#define OPAQUE_BATCH 250u
#define OPAQUE_PAYLOAD_CAP 512u

/* Record i as JSON text into out (cap bytes); its length, 0 if it did not
 * fit. */
static size_t
opaque_payload(uint64_t i, char *out, size_t cap)
{
	static const char *const banks[] = {
		"Jiaxing Demo Rural Commercial Bank",
		"Zhejiang Demo Auto Finance Co.",
		"Demo Bank of Hangzhou, Jiaxing Branch",
	};
	uint64_t rng = i * 0x9e3779b97f4a7c15ull + 1;
	const char *ptype = i % 7 == 0 ? "52" : "02";
	char vin[18], plate[32];
	int n;

	demo_vin_make(&rng, vin);
	demo_plate_make(&rng, ptype, plate, sizeof plate);
	if (i % 5 == 4)
		n = snprintf(out, cap,
		    "{\"demo\":true,\"kind\":\"release\",\"seq\":%llu,"
		    "\"vin\":\"%s\",\"releases_seq\":%llu,"
		    "\"date\":\"2026-%02u-%02u\"}",
		    (unsigned long long)i, vin, (unsigned long long)(i - 4),
		    (unsigned)(1 + i / 90 % 12), (unsigned)(1 + i % 28));
	else
		n = snprintf(out, cap,
		    "{\"demo\":true,\"kind\":\"mortgage\",\"seq\":%llu,"
		    "\"vin\":\"%s\",\"plate\":\"%s\",\"plate_type\":\"%s\","
		    "\"mortgagee\":\"%s\",\"amount_cny\":%llu,"
		    "\"term_months\":%u,\"date\":\"2026-%02u-%02u\"}",
		    (unsigned long long)i, vin, plate, ptype, banks[i % 3],
		    (unsigned long long)(50000 + i * 1237 % 400000),
		    12u * (unsigned)(1 + i % 5), (unsigned)(1 + i / 90 % 12),
		    (unsigned)(1 + i % 28));
	return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

enum lien_status
demo_opaque_fill(struct ledger *l, uint64_t n)
{
	struct ledger_item *items;
	struct ledger_receipt *rc;
	char *bufs;
	enum lien_status st = LIEN_ENOMEM;

	items = calloc(OPAQUE_BATCH, sizeof(*items));
	rc = calloc(OPAQUE_BATCH, sizeof(*rc));
	bufs = malloc((size_t)OPAQUE_BATCH * OPAQUE_PAYLOAD_CAP);
	if (items == NULL || rc == NULL || bufs == NULL)
		goto out;
	st = LIEN_OK;
	for (uint64_t base = 0; base < n && st == LIEN_OK;
	    base += OPAQUE_BATCH) {
		size_t k, m = n - base < OPAQUE_BATCH ? (size_t)(n - base) :
		    OPAQUE_BATCH;

		for (k = 0; k < m; k++) {
			char *p = bufs + k * OPAQUE_PAYLOAD_CAP;

			items[k].type = ENTRY_TYPE_DEMO;
			items[k].payload = (const uint8_t *)p;
			items[k].len = opaque_payload(base + k, p,
			    OPAQUE_PAYLOAD_CAP);
			if (items[k].len == 0) {
				st = LIEN_ETOOBIG;	/* cannot happen */
				goto out;
			}
		}
		st = ledger_append_many(l, items, m, rc);
	}
out:
	free(items);
	free(rc);
	free(bufs);
	return st;
}
