/*
 * status_forge DIR KEY VIN: play a log operator who lies about the
 * registration state: with the log's own key, append one entry (type 1,
 * "{}") whose batch sets the lien-status map leaf of VIN to a value no
 * registry entry justifies. Every checkpoint stays validly signed; only
 * replaying the log shows the state roots from then on are false
 * (`lienlog audit`, docs/lien-status.md). The store must not be open
 * elsewhere (the writer lock). Exit 0 once the forged batch is durable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "tlog/status.h"

static const char *vin;

static enum lien_status LIEN_MUST_CHECK
forge(void *arg, struct ledger_state *st, uint64_t index, uint64_t time_ms,
    uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t key[HASH_LEN], val[HASH_LEN];
	enum lien_status rc;

	(void)arg;
	(void)index;
	(void)time_ms;
	if (cap < 2)
		return LIEN_ETOOBIG;
	if ((rc = status_key((const uint8_t *)vin, strlen(vin), key)) !=
	    LIEN_OK)
		return rc;
	memcpy(out, "{}", 2);
	*out_len = 2;
	memset(val, 0x42, sizeof val);	/* "no lien", says the liar */
	return ledger_state_map_set(st, key, val);
}

int
main(int argc, char **argv)
{
	struct ledger_config cfg;
	struct ledger *l = NULL;
	struct note_signer *signer = NULL;
	struct ledger_item it = { 1, NULL, 0, forge, NULL };
	struct ledger_receipt r;
	char *key = NULL;
	size_t key_len = 0;
	enum lien_status st;

	if (argc != 4) {
		fprintf(stderr, "usage: status_forge DIR KEY VIN\n");
		return 2;
	}
	vin = argv[3];
	if ((st = lcrypto_init()) != LIEN_OK ||
	    (st = file_read(argv[2], SKEY_FILE_MAX, &key, &key_len)) !=
	    LIEN_OK ||
	    (st = note_signer_parse(key, key_len, &signer)) != LIEN_OK)
		goto out;
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = argv[1];
	cfg.signer = signer;
	if ((st = ledger_open(&cfg, &l)) != LIEN_OK ||
	    (st = ledger_append_item(l, &it, &r)) != LIEN_OK)
		goto out;
	printf("forged entry %llu\n", (unsigned long long)r.index);
out:
	ledger_close(l);
	note_signer_free(signer);
	free(key);
	if (st != LIEN_OK)
		fprintf(stderr, "status_forge: %s\n", lien_status_message(st));
	return st == LIEN_OK ? 0 : 1;
}
