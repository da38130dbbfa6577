/*
 * Fuzz target for the status proof bundle (tlog/status.h): decoding never
 * crashes or over-reads; whatever decodes re-encodes to exactly the input;
 * verifying it under a fixed policy never crashes and never accepts (the
 * fuzzer cannot sign for the log key), and a state-root payload found in
 * it decodes strictly. The binary status record alone: whatever renders
 * packs back to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A verifier key for this target; its private key was never kept. */
#define VKEY "fuzz.example/log+a5725da8+AWyGbzM3cMImzQ+Z2CAww69HKa6Z/FtfuA/XAJilw50F"
/* A witness, so that cosignatures are matched and checked too. */
#define WKEY "vectors.lienlog.example/witness+13e933a2+BO/5aK0UNDOOfJqCF9oQ6tB41PsH4SfMUOU12XIA4g9C"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct status_proof b;
	static uint8_t out[STATUS_PROOF_MAX];
	static struct tlog_policy pol;
	static struct note_verifier wit;
	static uint8_t json[STATUS_RECORD_MAX], bin[STATUS_RECORD_MAX];
	static int init;
	size_t json_len, bin_len;
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	struct entry e;
	struct status_root sr;
	size_t len;

	if (!init) {
		if (note_verifier_parse(VKEY, strlen(VKEY), &pol.log) !=
		    LIEN_OK || note_verifier_parse(WKEY, strlen(WKEY), &wit) !=
		    LIEN_OK)
			abort();
		pol.witnesses = &wit;
		pol.nwitnesses = 1;
		init = 1;
	}
	if (status_record_render(data, size, json, sizeof json, &json_len) ==
	    LIEN_OK && (status_record_pack(json, json_len, bin, sizeof bin,
	    &bin_len) != LIEN_OK || bin_len != size ||
	    memcmp(bin, data, size) != 0))
		abort();
	/* and whatever packs renders back to the input */
	if (status_record_pack(data, size, bin, sizeof bin, &bin_len) ==
	    LIEN_OK && (status_record_render(bin, bin_len, json, sizeof json,
	    &json_len) != LIEN_OK || json_len != size ||
	    memcmp(json, data, size) != 0))
		abort();
	if (status_proof_decode(data, size, &b) != LIEN_OK)
		return 0;
	if (status_proof_encode(&b, out, sizeof out, &len) != LIEN_OK ||
	    len != size || memcmp(out, data, size) != 0)
		abort();
	if (entry_decode(b.entry, b.entry_len, &e) == LIEN_OK &&
	    status_root_decode(e.payload, e.payload_len, &sr) == LIEN_OK &&
	    sr.tree_size == 0)
		abort();
	memset(&c, 0, sizeof c);
	c.policy = &pol;
	c.id = b.id;
	c.id_len = b.id_len;
	if (status_proof_verify(data, size, &c, &res, &rep) == LIEN_OK)
		abort();
	return 0;
}
