/*
 * Fuzz target for the witness's add-checkpoint request (witness/witness.c).
 * Input is a request body as POSTed to /add-checkpoint.
 *
 * Properties (abort on failure):
 *   - witness_request_parse is canonical: when it accepts, re-encoding
 *     "old N\n", the proof lines and the blank line gives exactly the
 *     input bytes before the note (one spelling per request);
 *   - the whole state machine (a real witness over LMDB in a temporary
 *     directory, configured for the log of the Go signed-note vector,
 *     tests/vectors/go_sumdb_note.txt) never cosigns anything whose note
 *     does not verify under that log key, and every cosignature it returns
 *     verifies (cosig_count_valid) on the submitted checkpoint;
 *   - statuses stay within the documented set.
 * State persists across inputs (the Go vector's size 42 can be cosigned
 * once; afterwards old 0 gets 409), which only changes which documented
 * status an input gets. The store is removed at exit.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/b64.h"
#include "crypto/cosig.h"
#include "tlog/checkpoint.h"
#include "witness/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Verifier key of tests/vectors/go_sumdb_note.txt, record "checkpoint". */
static const char log_vkey[] =
    "example.com/lienlog-go-vector+2c2be6ea+"
    "AYtp8atMSm0GqvE9Xi2mxl3Qz45w3My2mciBYDL3M4Ha";

static struct cosig_signer *wkey;
static struct note_verifier logv;
static struct witness *w;
static char dir[64];

static void
cleanup(void)
{
	DIR *d;
	struct dirent *de;
	char p[384];

	witness_close(w);
	w = NULL;
	cosig_signer_free(wkey);
	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		(void)unlink(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

static void
setup(void)
{
	char *skey, *vkey;

	if (w != NULL)
		return;
	if (lcrypto_init() != LIEN_OK)
		abort();
	if (cosig_key_generate("fuzz.witness/w", 14, &skey, &vkey) != LIEN_OK ||
	    cosig_signer_parse(skey, strlen(skey), &wkey) != LIEN_OK)
		abort();
	secret_free(skey);
	free(vkey);
	if (note_verifier_parse(log_vkey, sizeof log_vkey - 1, &logv) !=
	    LIEN_OK)
		abort();
	strcpy(dir, "/tmp/lien-fuzz-witness-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	if (witness_open(dir, 1u << 26, wkey, &logv, 1, &w) != LIEN_OK)
		abort();
	atexit(cleanup);
}

/* Re-encode the framing of rq and compare with the input. */
static void
check_canonical(const uint8_t *data, size_t size,
    const struct witness_request *rq)
{
	char *buf = malloc(32 + rq->nproof * 45 + 1);
	size_t o;
	int n;

	if (buf == NULL)
		return;
	n = snprintf(buf, 32, "old %llu\n", (unsigned long long)rq->old_size);
	o = (size_t)n;
	for (size_t i = 0; i < rq->nproof; i++) {
		if (b64_encode(rq->proof[i], HASH_LEN, buf + o, 45) != LIEN_OK)
			abort();
		o += 44;
		buf[o++] = '\n';
	}
	buf[o++] = '\n';
	if (rq->note_len == 0 || o + rq->note_len != size ||
	    rq->note != data + o || memcmp(buf, data, o) != 0)
		abort();
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct witness_request rq;
	struct witness_result *res;
	struct checkpoint cp;
	enum lien_status st;

	setup();
	if (witness_request_parse(data, size, &rq) == LIEN_OK)
		check_canonical(data, size, &rq);
	res = malloc(sizeof *res);
	if (res == NULL)
		return 0;
	st = witness_add_checkpoint(w, data, size, 1700000000, res);
	switch (st) {
	case LIEN_OK: {
		uint8_t *note;
		uint64_t mask = 0;

		/* Cosigned: the request parsed, the note is the log's, and
		 * the line verifies on it. */
		if (witness_request_parse(data, size, &rq) != LIEN_OK ||
		    checkpoint_open(rq.note, rq.note_len, &logv, &cp) !=
		    LIEN_OK || res->lines_len == 0)
			abort();
		note = malloc(rq.note_len + res->lines_len);
		if (note == NULL)
			break;
		memcpy(note, rq.note, rq.note_len);
		memcpy(note + rq.note_len, res->lines, res->lines_len);
		if (cosig_count_valid(note, rq.note_len + res->lines_len,
		    cosig_signer_verifier(wkey), 1, &mask, NULL, NULL) !=
		    LIEN_OK || mask != 1)
			abort();
		free(note);
		break;
	}
	case LIEN_EPARSE:
	case LIEN_ETOOBIG:
	case LIEN_ERANGE:
	case LIEN_ENOTFOUND:
	case LIEN_EKEY:
	case LIEN_ECONFLICT:
	case LIEN_EVERIFY:
		if (res->lines_len != 0)
			abort();
		break;
	default:
		abort();	/* storage errors are not for input to cause */
	}
	free(res);
	return 0;
}
