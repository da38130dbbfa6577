/*
 * demo_status_examples (demo/demo.h): after seeding, one VIN of each lien
 * status the demo log proves (docs/lien-status.md): a vehicle under a
 * lien, one with a restriction in force, one whose liens were all
 * released, and a valid VIN the registry never recorded; appended to
 * DIR/demo/README with the `lienlog status` command that checks each.
 *
 * The statuses are read from the log's own state (the vehicles table, as
 * of one view), not from the seeder's plan, so they are right whatever
 * the seeder did; the seeder only names the VINs it recorded (the
 * registry keeps each under its vehicle key, never the VIN:
 * docs/privacy.md).
 */
#include "demo/demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "common/hex.h"
#include "registry/ids.h"
#include "registry/registry.h"
#include "registry/jcs.h"

/* The vehicle record of vin in view v into *out. LIEN_OK; LIEN_ENOTFOUND
 * (no record); LIEN_ECORRUPT (an invalid VIN, or a record that does not
 * parse), or the store's status. */
static enum lien_status LIEN_MUST_CHECK
vehicle_of(struct ledger_view *v, const char *vin, json_t **out)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];
	const uint8_t *val;
	size_t len;
	enum lien_status st;

	if (registry_vehicle_key(vin, strlen(vin), vk) != LIEN_OK)
		return LIEN_ECORRUPT;
	hex_encode(vk, sizeof vk, hex);
	st = ledger_view_state_get(v, LEDGER_T_VEHICLES, hex, sizeof hex - 1,
	    &val, &len);
	if (st != LIEN_OK)
		return st;
	/* stored packed (store v17) */
	if (registry_record_parse(val, len, out) != LIEN_OK)
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

enum lien_status
demo_status_examples(struct ledger *l, const char (*vins)[18], unsigned n,
    char ex[DEMO_STATUS_EXAMPLES][18])
{
	struct ledger_view *v = NULL;
	char found[DEMO_STATUS_EXAMPLES][18];
	uint64_t rng = 0x5eed0000cafe;
	enum lien_status st = LIEN_OK;
	json_t *veh = NULL;

	memset(found, 0, sizeof found);
	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		return st;
	for (unsigned i = 0; i < n; i++) {
		size_t nl, nr, nx;
		int slot = -1;
		enum lien_status r = vehicle_of(v, vins[i], &veh);

		if (r == LIEN_ENOTFOUND)
			continue;
		if (r != LIEN_OK) {
			st = r;
			break;
		}
		nl = json_array_size(json_object_get(veh, "liens"));
		nr = json_array_size(json_object_get(veh, "released"));
		nx = json_array_size(json_object_get(veh, "restrictions"));
		json_decref(veh);
		veh = NULL;
		if (nx > 0)
			slot = DEMO_STATUS_RESTRICTED;
		else if (nl > 0)
			slot = DEMO_STATUS_LIEN;
		else if (nr > 0)
			slot = DEMO_STATUS_RELEASED;
		if (slot >= 0 && found[slot][0] == '\0')
			memcpy(found[slot], vins[i], 18);
	}
	/* A valid VIN no entry ever named. */
	for (unsigned i = 0; st == LIEN_OK && i < 1000; i++) {
		char vin[18];
		enum lien_status r;

		demo_vin_make(&rng, vin);
		if ((r = vehicle_of(v, vin, &veh)) != LIEN_OK &&
		    r != LIEN_ENOTFOUND) {
			st = r;
			break;
		}
		json_decref(veh);
		veh = NULL;
		if (r == LIEN_ENOTFOUND) {
			memcpy(found[DEMO_STATUS_NONE], vin, sizeof vin);
			break;
		}
	}
	ledger_view_close(v);
	if (st == LIEN_OK)
		memcpy(ex, found, sizeof found);
	return st;
}

enum lien_status
demo_readme_status(const char *dir, struct ledger *l,
    const struct demo_seed_stats *seeded, char *why, size_t why_cap)
{
	static const char *const what[DEMO_STATUS_EXAMPLES] = {
		"under a lien", "with a restriction in force",
		"all liens released", "never recorded",
	};
	char ex[DEMO_STATUS_EXAMPLES][18], path[4096];
	FILE *f;
	int bad, n;
	enum lien_status st;

	if ((st = demo_status_examples(l, (const char (*)[18])seeded->vins,
	    seeded->nvins, ex)) != LIEN_OK) {
		if (why != NULL && why_cap > 0)
			(void)snprintf(why, why_cap, "status examples: %s",
			    lien_status_message(st));
		return st;
	}
	n = snprintf(path, sizeof path, "%s/demo/README", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return LIEN_EINVAL;
	if ((f = fopen(path, "a")) == NULL) {
		if (why != NULL && why_cap > 0)
			(void)snprintf(why, why_cap, "demo/README: cannot "
			    "append: %s", strerror(errno));
		return LIEN_EIO;
	}
	fputs("\nLien status (docs/lien-status.md): is a vehicle under a lien "
	    "right now?\n  lienlog status --log http://127.0.0.1:8080 --vkey "
	    "log.vkey --vin VIN\n  verifies the answer against the log's key. "
	    "Demo vehicles:\n", f);
	for (int i = 0; i < DEMO_STATUS_EXAMPLES; i++)
		if (ex[i][0] != '\0')
			fprintf(f, "    %-28s %s\n", what[i], ex[i]);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		if (why != NULL && why_cap > 0)
			(void)snprintf(why, why_cap, "demo/README: write "
			    "failed");
		return LIEN_EIO;
	}
	return LIEN_OK;
}
