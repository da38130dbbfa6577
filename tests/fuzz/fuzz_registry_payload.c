/*
 * Fuzz target for the registry's payload path, what the audit replay runs
 * on every entry of a log it does not trust: registry_check (canonical
 * JSON, shape, rules against the state) then registry_apply, into one
 * scratch store that lives for the whole run (so accepted inputs build up
 * state that later inputs meet). Also the canonical-JSON round trip.
 *
 * Input: type (u16 BE) || entry time (u64 BE) || payload bytes, then
 * optionally 0x00 || a private record (canonical JSON never holds a raw
 * 0x00, so the first one separates them): with a private record both
 * audits' paths run (the commitment binds it to the index, so mostly it
 * is refused as not committed), without one the public audit's.
 * Invariants: no memory error (ASan); a payload registry_check accepts is
 * one registry_apply can apply; a strictly parsed value re-serialises and
 * parses back to the same canonical bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rd.h"
#include "registry/jcs.h"
#include "registry/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ledger_scratch *sc;
static char dir[64];
static uint64_t next_index;

static void
cleanup(void)
{
	char cmd[96];

	ledger_scratch_close(sc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return;
}

static void
roundtrip(const uint8_t *p, size_t n)
{
	json_t *v = NULL, *w = NULL;
	char *a = NULL, *b = NULL;
	size_t al, bl;

	if (jcs_parse((const char *)p, n, 0, &v) != LIEN_OK)
		return;
	if (jcs_serialize(v, &a, &al) != LIEN_OK)
		abort();	/* everything the parser accepts is canonicalisable */
	if (jcs_parse_canonical((const uint8_t *)a, al, &w) != LIEN_OK ||
	    jcs_serialize(w, &b, &bl) != LIEN_OK || al != bl ||
	    memcmp(a, b, al) != 0)
		abort();
	free(a);
	free(b);
	json_decref(v);
	json_decref(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_state *st;
	const char *reason;
	const uint8_t *priv = NULL;
	size_t plen, priv_len = 0;
	uint16_t type;
	uint64_t t;

	if (sc == NULL) {
		strcpy(dir, "/tmp/lienlog-fuzz-registry-XXXXXX");
		if (mkdtemp(dir) == NULL || ledger_scratch_open(dir, &sc) !=
		    LIEN_OK)
			abort();
		atexit(cleanup);
	}
	roundtrip(data, size);
	if (size < 10)
		return 0;
	type = (uint16_t)(data[0] << 8 | data[1]);
	t = be64_get(data + 2);
	if (ledger_scratch_begin(sc, &st) != LIEN_OK)
		abort();
	{
		const uint8_t *z = memchr(data + 10, 0, size - 10);

		plen = z != NULL ? (size_t)(z - (data + 10)) : size - 10;
		if (z != NULL) {
			priv = z + 1;
			priv_len = size - 10 - plen - 1;
		}
	}
	if (registry_check(st, next_index, t, type, data + 10, plen, priv,
	    priv_len, &reason) == LIEN_OK && type >= REG_T_FIRST) {
		enum lien_status rc = registry_apply(st, next_index, t, type,
		    data + 10, plen, priv, priv_len);

		if (rc != LIEN_OK && rc != LIEN_ECORRUPT)
			abort();
		next_index++;
	}
	if (ledger_scratch_commit(sc, st) != LIEN_OK)
		abort();
	return 0;
}
