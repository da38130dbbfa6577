/*
 * demo_status_examples (demo/demo.h): after seeding, one VIN of each lien
 * status the demo log proves (docs/lien-status.md): a vehicle under a
 * lien, one with a restriction in force, one whose liens were all
 * released, and a valid VIN the registry never recorded; appended to
 * DIR/demo/README with the `lienlog status` command that checks each.
 *
 * The examples are read from the log's own state (the vehicles table, as
 * of one view), not from the seeder's plan, so they are right whatever
 * the seeder did.
 */
#include "demo/demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "registry/ids.h"
#include "registry/jcs.h"

struct scan {
	char ex[DEMO_STATUS_EXAMPLES][IDS_VIN_LEN + 1];
};

static int
visit(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *val,
    size_t val_len)
{
	struct scan *s = ctx;
	json_t *v = NULL;
	size_t nl, nr, nx;
	int slot = -1;

	if (key_len != IDS_VIN_LEN ||
	    jcs_parse((const char *)val, val_len, 0, &v) != LIEN_OK)
		return 0;
	nl = json_array_size(json_object_get(v, "liens"));
	nr = json_array_size(json_object_get(v, "released"));
	nx = json_array_size(json_object_get(v, "restrictions"));
	if (nx > 0)
		slot = DEMO_STATUS_RESTRICTED;
	else if (nl > 0)
		slot = DEMO_STATUS_LIEN;
	else if (nr > 0)
		slot = DEMO_STATUS_RELEASED;
	if (slot >= 0 && s->ex[slot][0] == '\0') {
		memcpy(s->ex[slot], key, key_len);
		s->ex[slot][key_len] = '\0';
	}
	json_decref(v);
	return 0;
}

enum lien_status
demo_status_examples(struct ledger *l, char ex[DEMO_STATUS_EXAMPLES][18])
{
	struct ledger_view *v = NULL;
	struct scan s;
	uint64_t rng = 0x5eed0000cafe;
	enum lien_status st;

	memset(&s, 0, sizeof s);
	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		return st;
	st = ledger_view_state_scan(v, LEDGER_T_VEHICLES, NULL, 0, visit, &s);
	/* A valid VIN no entry ever named. */
	for (unsigned i = 0; st == LIEN_OK && i < 1000; i++) {
		const uint8_t *val;
		size_t len;
		char vin[18];

		demo_vin_make(&rng, vin);
		if (ledger_view_state_get(v, LEDGER_T_VEHICLES, vin, 17, &val,
		    &len) == LIEN_ENOTFOUND) {
			memcpy(s.ex[DEMO_STATUS_NONE], vin, sizeof vin);
			break;
		}
	}
	ledger_view_close(v);
	if (st == LIEN_OK)
		memcpy(ex, s.ex, sizeof s.ex);
	return st;
}

enum lien_status
demo_readme_status(const char *dir, struct ledger *l, char *why,
    size_t why_cap)
{
	static const char *const what[DEMO_STATUS_EXAMPLES] = {
		"under a lien", "with a restriction in force",
		"all liens released", "never recorded",
	};
	char ex[DEMO_STATUS_EXAMPLES][18], path[4096];
	FILE *f;
	int bad, n;
	enum lien_status st;

	if ((st = demo_status_examples(l, ex)) != LIEN_OK) {
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
