/*
 * crash_appender: the process that tests/integration/test_crash.py kills
 * with SIGKILL, and the checker it runs afterwards.
 *
 *   crash_appender DIR KEYFILE THREADS
 *	Open the store in DIR with the log key in KEYFILE (PRIVATE+KEY+...)
 *	and run THREADS (1..CRASH_THREADS_MAX) threads that each append
 *	entries through ledger_append until killed (or CRASH_SEQ_MAX each).
 *	After each append returns a receipt -- and only then -- the thread
 *	prints "<index> <leaf hash hex> <payload SHA-256 hex>\n" on stdout
 *	with a single write(2), so a line is either wholly there or absent
 *	(only a final, torn line can be cut by the kill; the test drops it).
 *	A printed line is therefore a promise the store has made: the entry
 *	is durable. Payloads are distinct and deterministic:
 *	"p<pid>-t<thread>-<seq>-" then 100..2000 bytes in all of pseudo-random
 *	padding derived from (pid, thread, seq).
 *
 *   crash_appender --check DIR ACKFILE
 *	Open DIR read-only and check every acknowledged line: index below the
 *	tree size, ledger_view_leaf_hash equal to the acked leaf hash, the
 *	stored envelope's index and payload hash equal to the acked ones.
 *	Prints "size=<n> acks=<k>" and exits 0, or names the first broken
 *	promise and exits 1.
 *
 *   crash_appender --audit DIR VKEYFILE
 *	ledger_audit on DIR read-only (used when the lienlog CLI is absent).
 *
 *   crash_appender --keygen NAME PREFIX
 *	note_key_generate into PREFIX.key / PREFIX.vkey (used when the lienlog
 *	CLI is absent).
 *
 * It is test code, but it is a real process on the real ledger library:
 * nothing is mocked, so what the test sees after a kill is what a server
 * would find after a crash. Exit codes: 0 ok, 1 check failed or a library
 * call failed, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"

#define CRASH_THREADS_MAX 64u
/* Bounded loop: each thread stops by itself after this many entries. */
#define CRASH_SEQ_MAX 200000u
#define CRASH_PAD_MIN 100u
#define CRASH_PAD_MAX 2000u
#define CRASH_PAYLOAD_MAX (64u + CRASH_PAD_MAX)
/* An ack line: up to 20 digits, space, 64 hex, space, 64 hex, newline. */
#define CRASH_LINE_MAX (20u + 1u + 64u + 1u + 64u + 1u)
/* Files read by this tool: key files are one short line; ack files grow
 * with the test (tens of thousands of lines). */
#define CRASH_KEYFILE_MAX (NOTE_NAME_MAX + 128u)
#define CRASH_ACKFILE_MAX (512u * 1024u * 1024u)

static const char usage[] =
    "usage: crash_appender DIR KEYFILE THREADS\n"
    "       crash_appender --check DIR ACKFILE\n"
    "       crash_appender --audit DIR VKEYFILE\n"
    "       crash_appender --keygen NAME PREFIX\n";

static void
fail_status(const char *what, enum lien_status s)
{
	fprintf(stderr, "crash_appender: %s: %s (%s)\n", what,
	    lien_status_message(s), lien_status_code(s));
}

/* Read a whole file of at most cap bytes; *out is malloc'd with one NUL
 * after the data. 0 or -1 (message printed). */
static int
read_file(const char *path, size_t cap, char **out, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	*out = NULL;
	if (f == NULL) {
		fprintf(stderr, "crash_appender: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	buf = malloc(cap + 1);
	if (buf == NULL)
		goto out;
	len = fread(buf, 1, cap + 1, f);
	if (ferror(f) || len > cap) {
		fprintf(stderr, "crash_appender: %s: unreadable or above %zu "
		    "bytes\n", path, cap);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wx");
	size_t len = strlen(text);

	if (f == NULL || fwrite(text, 1, len, f) != len ||
	    fputc('\n', f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "crash_appender: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* ---- Append mode ---------------------------------------------------- */

struct worker {
	struct ledger *l;
	unsigned id;
	unsigned long pid;
	enum lien_status st;
	pthread_t thread;
};

/* splitmix64: a fixed, seedable generator, so a payload can be rebuilt
 * from (pid, thread, seq) when debugging a failure. */
static uint64_t
mix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static size_t
payload_make(const struct worker *w, unsigned seq, uint8_t *out)
{
	uint64_t state = ((uint64_t)w->pid << 32) ^ ((uint64_t)w->id << 24) ^
	    seq;
	int n = snprintf((char *)out, CRASH_PAYLOAD_MAX, "p%lu-t%u-%u-",
	    w->pid, w->id, seq);
	size_t pad = CRASH_PAD_MIN +
	    (size_t)(mix64(&state) % (CRASH_PAD_MAX - CRASH_PAD_MIN + 1u));
	size_t len = (size_t)n;

	for (size_t i = 0; i < pad; i++)
		out[len++] = (uint8_t)mix64(&state);
	return len;
}

/* One write(2) per line: on a pipe or a file, a line below PIPE_BUF is
 * written whole by one call, so concurrent threads never interleave. */
static int
ack_print(const struct ledger_receipt *r, const uint8_t ph[HASH_LEN])
{
	char line[CRASH_LINE_MAX + 1];
	char lh[HEX_LEN(HASH_LEN) + 1], phx[HEX_LEN(HASH_LEN) + 1];
	int n;

	hex_encode(r->leaf_hash, HASH_LEN, lh);
	hex_encode(ph, HASH_LEN, phx);
	n = snprintf(line, sizeof line, "%" PRIu64 " %.64s %.64s\n", r->index,
	    lh, phx);
	if (n <= 0 || (size_t)n >= sizeof line)
		return -1;
	for (;;) {
		ssize_t k = write(STDOUT_FILENO, line, (size_t)n);

		if (k < 0 && errno == EINTR)
			continue;
		return k == (ssize_t)n ? 0 : -1;
	}
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	uint8_t payload[CRASH_PAYLOAD_MAX];

	w->st = LIEN_OK;
	for (unsigned seq = 0; seq < CRASH_SEQ_MAX; seq++) {
		struct ledger_receipt r;
		uint8_t ph[HASH_LEN];
		size_t len = payload_make(w, seq, payload);

		hash_sha256(payload, len, ph);
		w->st = ledger_append(w->l, ENTRY_TYPE_OPAQUE, payload, len,
		    &r);
		if (w->st != LIEN_OK)
			break;
		if (ack_print(&r, ph) != 0) {
			w->st = LIEN_EIO;
			break;
		}
	}
	return NULL;
}

static int
run_append(const char *dir, const char *keyfile, const char *threads_arg)
{
	struct ledger_config cfg;
	struct note_signer *signer = NULL;
	struct ledger *l = NULL;
	struct worker workers[CRASH_THREADS_MAX];
	unsigned long nthreads;
	unsigned started = 0;
	char *key = NULL, *end = NULL;
	size_t key_len = 0;
	enum lien_status st;
	int rc = 1;

	errno = 0;
	nthreads = strtoul(threads_arg, &end, 10);
	if (errno != 0 || end == threads_arg || *end != '\0' ||
	    nthreads < 1 || nthreads > CRASH_THREADS_MAX) {
		fprintf(stderr, "crash_appender: THREADS must be 1..%u\n",
		    CRASH_THREADS_MAX);
		return 2;
	}
	if (read_file(keyfile, CRASH_KEYFILE_MAX, &key, &key_len) != 0)
		return 1;
	st = note_signer_parse(key, key_len, &signer);
	secret_wipe(key, key_len);
	free(key);
	if (st != LIEN_OK) {
		fail_status("note_signer_parse", st);
		return 1;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.signer = signer;
	if ((st = ledger_open(&cfg, &l)) != LIEN_OK) {
		fail_status("ledger_open", st);
		goto out;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i].l = l;
		workers[i].id = i;
		workers[i].pid = (unsigned long)getpid();
		workers[i].st = LIEN_OK;
		if (pthread_create(&workers[i].thread, NULL, worker_run,
		    &workers[i]) != 0) {
			fprintf(stderr, "crash_appender: pthread_create\n");
			break;
		}
		started++;
	}
	rc = started == nthreads ? 0 : 1;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		if (workers[i].st != LIEN_OK) {
			fail_status("ledger_append", workers[i].st);
			rc = 1;
		}
	}
out:
	if (l != NULL)
		ledger_close(l);
	note_signer_free(signer);
	return rc;
}

/* ---- Check mode ----------------------------------------------------- */

static struct ledger *
open_rdonly(const char *dir)
{
	struct ledger_config cfg;
	struct ledger *l = NULL;
	enum lien_status st;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.flags = LEDGER_RDONLY;
	if ((st = ledger_open(&cfg, &l)) != LIEN_OK) {
		fail_status("ledger_open (read-only)", st);
		return NULL;
	}
	return l;
}

/* Parse "<index> <hex64> <hex64>" (no newline) strictly. 0 or -1. */
static int
ack_parse(const char *p, size_t len, uint64_t *index,
    uint8_t leaf[HASH_LEN], uint8_t ph[HASH_LEN])
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9') {
		unsigned d = (unsigned)(p[i] - '0');

		if (v > (UINT64_MAX - d) / 10u)
			return -1;
		v = v * 10u + d;
		i++;
	}
	if (i == 0 || (i > 1 && p[0] == '0'))
		return -1;
	if (len - i != 1 + 2 * HASH_LEN + 1 + 2 * HASH_LEN ||
	    p[i] != ' ' || p[i + 1 + 2 * HASH_LEN] != ' ')
		return -1;
	if (hex_decode(p + i + 1, HEX_LEN(HASH_LEN), leaf, HASH_LEN) !=
	    LIEN_OK || hex_decode(p + i + 2 + 2 * HASH_LEN, HEX_LEN(HASH_LEN),
	    ph, HASH_LEN) != LIEN_OK)
		return -1;
	*index = v;
	return 0;
}

static int
check_one(struct ledger_view *v, uint64_t size, size_t line_no,
    uint64_t index, const uint8_t leaf[HASH_LEN], const uint8_t ph[HASH_LEN])
{
	uint8_t got[HASH_LEN];
	const uint8_t *ebytes;
	size_t elen;
	struct entry e;
	enum lien_status st;

	if (index >= size) {
		fprintf(stderr, "crash_appender: ack line %zu: index %" PRIu64
		    " acknowledged but the tree has only %" PRIu64 " entries\n",
		    line_no, index, size);
		return -1;
	}
	if ((st = ledger_view_leaf_hash(v, index, got)) != LIEN_OK) {
		fail_status("ledger_view_leaf_hash", st);
		return -1;
	}
	if (!hash_equal(got, leaf)) {
		fprintf(stderr, "crash_appender: ack line %zu: leaf hash of "
		    "index %" PRIu64 " changed after the crash\n", line_no,
		    index);
		return -1;
	}
	if ((st = ledger_view_entry(v, index, &ebytes, &elen)) != LIEN_OK) {
		fail_status("ledger_view_entry", st);
		return -1;
	}
	if ((st = entry_decode(ebytes, elen, &e)) != LIEN_OK) {
		fail_status("entry_decode", st);
		return -1;
	}
	hash_leaf(ebytes, elen, got);
	if (e.index != index || !hash_equal(got, leaf)) {
		fprintf(stderr, "crash_appender: ack line %zu: stored entry "
		    "%" PRIu64 " does not match its leaf hash\n", line_no,
		    index);
		return -1;
	}
	hash_sha256(e.payload, e.payload_len, got);
	if (!hash_equal(got, ph)) {
		fprintf(stderr, "crash_appender: ack line %zu: payload of "
		    "index %" PRIu64 " is not the acknowledged one\n", line_no,
		    index);
		return -1;
	}
	return 0;
}

static int
run_check(const char *dir, const char *ackfile)
{
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	char *acks = NULL;
	size_t acks_len = 0, nacks = 0, line_no = 0, pos = 0;
	uint64_t size;
	enum lien_status st;
	int rc = 1;

	if (read_file(ackfile, CRASH_ACKFILE_MAX, &acks, &acks_len) != 0)
		return 1;
	if ((l = open_rdonly(dir)) == NULL)
		goto out;
	if ((st = ledger_view_open(l, &v)) != LIEN_OK) {
		fail_status("ledger_view_open", st);
		goto out;
	}
	size = ledger_view_size(v);
	while (pos < acks_len) {
		const char *nl = memchr(acks + pos, '\n', acks_len - pos);
		uint8_t leaf[HASH_LEN], ph[HASH_LEN];
		uint64_t index;

		line_no++;
		if (nl == NULL) {
			fprintf(stderr, "crash_appender: ack line %zu: no "
			    "newline\n", line_no);
			goto out;
		}
		if (ack_parse(acks + pos, (size_t)(nl - (acks + pos)), &index,
		    leaf, ph) != 0) {
			fprintf(stderr, "crash_appender: ack line %zu: "
			    "malformed\n", line_no);
			goto out;
		}
		if (check_one(v, size, line_no, index, leaf, ph) != 0)
			goto out;
		nacks++;
		pos = (size_t)(nl - acks) + 1;
	}
	printf("size=%" PRIu64 " acks=%zu\n", size, nacks);
	rc = 0;
out:
	if (v != NULL)
		ledger_view_close(v);
	if (l != NULL)
		ledger_close(l);
	free(acks);
	return rc;
}

/* ---- Audit and keygen modes ------------------------------------------ */

static int
run_audit(const char *dir, const char *vkeyfile)
{
	struct note_verifier vk;
	struct ledger *l = NULL;
	char *text = NULL;
	size_t len = 0;
	char why[512];
	enum lien_status st;
	int rc = 1;

	if (read_file(vkeyfile, CRASH_KEYFILE_MAX, &text, &len) != 0)
		return 1;
	if ((st = note_verifier_parse(text, len, &vk)) != LIEN_OK) {
		fail_status("note_verifier_parse", st);
		goto out;
	}
	if ((l = open_rdonly(dir)) == NULL)
		goto out;
	why[0] = '\0';
	st = ledger_audit(l, &vk, NULL, NULL, why, sizeof why);
	if (st != LIEN_OK) {
		fprintf(stderr, "crash_appender: audit: %s: %s\n",
		    lien_status_code(st), why);
		goto out;
	}
	printf("audit ok: %" PRIu64 " entries\n", ledger_size(l));
	rc = 0;
out:
	if (l != NULL)
		ledger_close(l);
	free(text);
	return rc;
}

static int
run_keygen(const char *name, const char *prefix)
{
	char *skey = NULL, *vkey = NULL;
	char path[4096];
	enum lien_status st;
	int rc = 1;

	st = note_key_generate(name, strlen(name), &skey, &vkey);
	if (st != LIEN_OK) {
		fail_status("note_key_generate", st);
		return 1;
	}
	if ((size_t)snprintf(path, sizeof path, "%s.key", prefix) >=
	    sizeof path || write_file(path, skey) != 0)
		goto out;
	if ((size_t)snprintf(path, sizeof path, "%s.vkey", prefix) >=
	    sizeof path || write_file(path, vkey) != 0)
		goto out;
	rc = 0;
out:
	secret_free(skey);
	free(vkey);
	return rc;
}

int
main(int argc, char **argv)
{
	enum lien_status st;

	if (argc != 4) {
		fputs(usage, stderr);
		return 2;
	}
	if ((st = lcrypto_init()) != LIEN_OK) {
		fail_status("lcrypto_init", st);
		return 1;
	}
	if (strcmp(argv[1], "--check") == 0)
		return run_check(argv[2], argv[3]);
	if (strcmp(argv[1], "--audit") == 0)
		return run_audit(argv[2], argv[3]);
	if (strcmp(argv[1], "--keygen") == 0)
		return run_keygen(argv[2], argv[3]);
	if (argv[1][0] == '-') {
		fputs(usage, stderr);
		return 2;
	}
	return run_append(argv[1], argv[2], argv[3]);
}
