/*
 * `lienlog sync`: the police registry's verifying mirror (docs/sync.md).
 *
 * One round: fetch the log's checkpoint, verify the log signature and the
 * witness quorum, check it is consistent with the last checkpoint we
 * trusted (computed from the log's authenticated tiles, never from its
 * /v1/proof), trust it durably, then fetch entries from the bundles, verify
 * each against the authenticated level-0 tiles and the hash chain
 * (tlog/verifier.c), pick the registry records (approved mortgage
 * registrations and releases, restriction changes; or every entry with
 * --all) and deliver them to the sink in log order.
 *
 * Exactly once. The file sink appends one JSON line per record, each
 * carrying its log index, and fsyncs before the mirror state's `next`
 * moves; on start the file's last complete line says what was delivered
 * (a torn final line, which was never acknowledged, is cut off), and we
 * resume at max(state next, last line index + 1). The HTTP sink POSTs one
 * record at a time, in order, with Idempotency-Key "<origin>/<index>", and
 * moves on only after a 2xx; after a crash the records since the last
 * state update are re-sent with the same keys and the receiver drops the
 * duplicates (its half of the contract). A kill -9 anywhere therefore
 * loses nothing and duplicates nothing.
 *
 * Misbehaviour (bad signature or quorum, rollback, fork, tiles or entries
 * that do not match the signed tree) stops delivery before any unverified
 * record goes out, writes the evidence under DIR/evidence/, records a
 * halt in the state (later runs refuse to deliver until --clear-halt) and
 * exits with a code of enum cli_exit_tlog.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client/fetch.h"
#include "common/b64.h"
#include "common/file.h"
#include "registry/jcs.h"
#include "ledger/mirror.h"
#include "registry/registry.h"
#include "tlog/verifier.h"

#define SYNC_FLUSH_BYTES (1024u * 1024u)	/* file sink: fsync batch */
#define SYNC_ADVANCE_EVERY 256u		/* http sink: state update */
#define SINK_ATTEMPTS 40u
#define PATH_MAX_LEN 4096u

static const char usage_sync[] =
    "usage: lienlog sync --log URL --vkey VKEY --state DIR --sink SINK\n"
    "           [--witness WVKEY ... [--quorum K]] [--trust-checkpoint FILE]\n"
    "           [--all] [--once | --interval S [--rounds N]] [--clear-halt]\n"
    "           [--no-state-check]\n"
    "Mirror a log into a registry, verifying everything (docs/sync.md).\n"
    "  --log URL     the log's tlog-tiles prefix (http://HOST:PORT means\n"
    "                http://HOST:PORT/log, where lienlogd serves it)\n"
    "  --vkey VKEY   the log's verifier key file\n"
    "  --witness W   a witness cosignature key (type 0x04), repeatable;\n"
    "  --quorum K    how many of them must cosign (default: all)\n"
    "  --state DIR   mirror state (LMDB) and DIR/evidence/\n"
    "  --sink SINK   file:PATH (JSON lines, fsync'd) or http://HOST:PORT/PATH\n"
    "                (one POST per record, Idempotency-Key: ORIGIN/INDEX)\n"
    "  --trust-checkpoint FILE  first run: start from this checkpoint\n"
    "                instead of trusting the first one fetched\n"
    "  --all         deliver every entry, not only registry records\n"
    "  --batch N     file sink: fsync every N records (default: every MiB)\n"
    "  --once        one round (default); --interval S: a round every S s\n"
    "  --clear-halt  forget an earlier halt (after investigating it)\n"
    "  --no-state-check  do not replay the registry state to check the\n"
    "                log's state roots (DIR/replay; docs/lien-status.md)\n"
    "exit: 0 ok, 2 usage, 3 bad input, 4 local I/O (state, sink file),\n"
    "      5 internal, 6 the log or an HTTP sink unreachable or failing,\n"
    "      10 fork, 11 rollback, 12 bad signature or quorum,\n"
    "      13 tiles/entries do not match the tree, 14 halted earlier,\n"
    "      15 a state root the entries do not give\n";

/* ---- Shared with monitor and proof ------------------------------------ */

int
cli_multi_take(const char *verb, int *argc, char **argv, const char *name,
    const char **vals, size_t max, size_t *out_n)
{
	size_t nlen = strlen(name), n = 0;
	int i, j = 0;

	*out_n = 0;
	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, nlen) == 0 &&
		    (a[2 + nlen] == '\0' || a[2 + nlen] == '=')) {
			const char *v;

			if (a[2 + nlen] == '=') {
				v = a + 3 + nlen;
			} else {
				if (i + 1 >= *argc) {
					cli_fail(verb, "option --%s needs a value",
					    name);
					return CLI_EXIT_USAGE;
				}
				v = argv[++i];
			}
			if (v[0] == '\0' || n >= max) {
				cli_fail(verb, "option --%s: empty value or "
				    "given more than %zu times", name, max);
				return CLI_EXIT_USAGE;
			}
			vals[n++] = v;
			continue;
		}
		argv[j++] = argv[i];
	}
	*argc = j;
	*out_n = n;
	return CLI_EXIT_OK;
}

int
cli_policy_load(const char *verb, const char *vkey_path,
    const char *const *wit_paths, size_t nwit, const char *quorum,
    struct note_verifier *wbuf, struct tlog_policy *out)
{
	uint64_t q;
	int rc;

	memset(out, 0, sizeof *out);
	rc = cli_load_vkey(verb, vkey_path, &out->log);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (nwit > TLOG_WITNESSES_MAX) {
		cli_fail(verb, "at most %u witnesses", TLOG_WITNESSES_MAX);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < nwit; i++) {
		uint8_t *buf;
		size_t len;
		enum lien_status s;

		rc = cli_read_file(verb, wit_paths[i], VKEY_FILE_MAX, &buf,
		    &len);
		if (rc != CLI_EXIT_OK)
			return rc;
		s = note_verifier_parse((const char *)buf, len, &wbuf[i]);
		free(buf);
		if (s != LIEN_OK || wbuf[i].type != NOTE_KEY_COSIG_V1) {
			cli_fail(verb, "%s: not a witness cosignature key "
			    "(type 0x04 verifier key)", wit_paths[i]);
			return CLI_EXIT_INPUT;
		}
		/* k of n means k distinct witnesses: one key twice would let
		 * one witness count twice. */
		for (size_t j = 0; j < i; j++) {
			if (wbuf[j].key_id == wbuf[i].key_id &&
			    memcmp(wbuf[j].pk, wbuf[i].pk, ED25519_PK_LEN) == 0) {
				cli_fail(verb, "%s: the same witness key is "
				    "given twice", wit_paths[i]);
				return CLI_EXIT_USAGE;
			}
		}
	}
	q = nwit;
	if (quorum != NULL && (dec_u64_arg(quorum, 0, nwit, &q) != LIEN_OK ||
	    (nwit > 0 && q == 0))) {
		cli_fail(verb, "--quorum must be 1..%zu (the number of "
		    "--witness keys)", nwit);
		return CLI_EXIT_USAGE;
	}
	out->witnesses = wbuf;
	out->nwitnesses = nwit;
	out->quorum = (size_t)q;
	return CLI_EXIT_OK;
}

/* Remove every bare flag (e.g. "--all") from argv before "--"; 1 if it
 * was there. */
static int
take_flag(int *argc, char **argv, const char *flag)
{
	int j = 0, seen = 0, i;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], flag) == 0) {
			seen = 1;
			continue;
		}
		argv[j++] = argv[i];
	}
	for (; i < *argc; i++)
		argv[j++] = argv[i];
	*argc = j;
	return seen;
}

/* ---- Small file helpers ------------------------------------------------- */

enum lien_status
cli_write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[PATH_MAX_LEN];
	enum lien_status st;
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    (int)sizeof path)
		return LIEN_ETOOBIG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return LIEN_EIO;
	st = file_write_all(fd, p, len);
	if (st == LIEN_OK && fsync(fd) != 0)
		st = LIEN_EIO;
	if (close(fd) != 0)
		st = LIEN_EIO;
	return st;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

enum lien_status
cli_evidence_dir(const char *state_dir, const char *fault, char *out,
    size_t cap)
{
	uint64_t ms = now_ms();
	int n;

	n = snprintf(out, cap, "%s/evidence", state_dir);
	if (n < 0 || (size_t)n >= cap)
		return LIEN_ETOOBIG;
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return LIEN_EIO;
	for (unsigned k = 1; k <= 1000; k++) {
		n = k == 1 ? snprintf(out, cap, "%s/evidence/%" PRIu64 "-%s",
		    state_dir, ms, fault) : snprintf(out, cap,
		    "%s/evidence/%" PRIu64 "-%s-%u", state_dir, ms, fault, k);
		if (n < 0 || (size_t)n >= cap)
			return LIEN_ETOOBIG;
		if (mkdir(out, 0700) == 0)
			return LIEN_OK;
		if (errno != EEXIST)
			return LIEN_EIO;
	}
	return LIEN_EEXIST;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000u),
		(long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- JSON writer (records are built by hand: hot path) ----------------- */

struct jbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
jb_put(struct jbuf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (n > b->cap - b->len) {
		size_t want = b->cap ? b->cap : 4096;
		char *q;

		while (want - b->len < n)
			want *= 2;
		q = realloc(b->p, want);
		if (q == NULL) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = want;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
jb_s(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

static void
jb_u64(struct jbuf *b, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%" PRIu64, v);

	jb_put(b, t, (size_t)n);
}

/* A JSON string of printable text (origins have no control bytes). */
static void
jb_str(struct jbuf *b, const char *s, size_t n)
{
	jb_put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			jb_put(b, e, 2);
		} else if (c < 0x20) {
			char e[8];

			(void)snprintf(e, sizeof e, "\\u%04x", c);
			jb_put(b, e, 6);
		} else {
			jb_put(b, &s[i], 1);
		}
	}
	jb_put(b, "\"", 1);
}

static void
jb_b64(struct jbuf *b, const uint8_t *p, size_t n)
{
	size_t need = B64_ENCODED_LEN(n) + 1;	/* b64_encode writes a NUL */

	jb_put(b, "\"", 1);
	if (!b->oom && need > b->cap - b->len) {
		/* Grow (jb_put does the sizing), then take the bytes back. */
		size_t old = b->len;
		char *room = calloc(1, need);

		if (room == NULL) {
			b->oom = 1;
			return;
		}
		jb_put(b, room, need);
		free(room);
		b->len = old;
	}
	if (b->oom || b64_encode(p, n, b->p + b->len, b->cap - b->len) !=
	    LIEN_OK) {
		b->oom = 1;
		return;
	}
	b->len += B64_ENCODED_LEN(n);
	jb_put(b, "\"", 1);
}

/* The common members of one entry, and its payload: embedded as is when
 * it is canonical JSON (registry payloads always are), else base64. */
static void
jb_entry(struct jbuf *b, const struct tlog_entry *e)
{
	jb_s(b, "\"index\":");
	jb_u64(b, e->index);
	jb_s(b, ",\"leaf_hash\":");
	jb_b64(b, e->leaf, HASH_LEN);
	jb_s(b, ",\"type\":");
	jb_u64(b, e->env.type);
	jb_s(b, ",\"time_ms\":");
	jb_u64(b, e->env.time_ms);
	json_t *j = NULL;
	char *canon = NULL;
	size_t canon_len = 0;

	if (e->env.payload_len > 0 && jcs_parse_canonical(e->env.payload,
	    e->env.payload_len, NULL) == LIEN_OK) {
		jb_s(b, ",\"payload\":");
		jb_put(b, e->env.payload, e->env.payload_len);
	} else if (e->env.payload_len > 0 && jcs_parse((const char *)
	    e->env.payload, e->env.payload_len, 0, &j) == LIEN_OK &&
	    jcs_serialize(j, &canon, &canon_len) == LIEN_OK) {
		/* Strict JSON, not canonical: hand on its RFC 8785 form
		 * (payload_b64 would need no trust either way: the bytes are
		 * verified, this is only their presentation). */
		jb_s(b, ",\"payload\":");
		jb_put(b, canon, canon_len);
	} else {
		jb_s(b, ",\"payload_b64\":");
		jb_b64(b, e->env.payload, e->env.payload_len);
	}
	json_decref(j);
	free(canon);
}

enum lien_status
cli_consistency_json(uint64_t m, uint64_t n, const uint8_t (*proof)[HASH_LEN],
    size_t nproof, char **out, size_t *out_len)
{
	struct jbuf b = { NULL, 0, 0, 0 };

	jb_s(&b, "{\"old_size\":");
	jb_u64(&b, m);
	jb_s(&b, ",\"tree_size\":");
	jb_u64(&b, n);
	jb_s(&b, ",\"proof\":[");
	for (size_t i = 0; i < nproof; i++) {
		if (i > 0)
			jb_s(&b, ",");
		jb_b64(&b, proof[i], HASH_LEN);
	}
	jb_s(&b, "]}\n");
	jb_put(&b, "", 1);
	if (b.oom) {
		free(b.p);
		return LIEN_ENOMEM;
	}
	*out = b.p;
	*out_len = b.len - 1;
	return LIEN_OK;
}

/* ---- The sync state ----------------------------------------------------- */

enum sink_kind { SINK_FILE, SINK_HTTP };

struct sync {
	const char *verb;
	const char *dir;
	struct tlog_policy pol;
	struct client *cl;
	struct client_tlog tl;
	struct tlog_fetch f;
	struct mirror *m;
	int all;

	enum sink_kind kind;
	const char *sink_arg;
	int fd;
	uint64_t file_next;	/* index after the sink file's last line */
	struct client *sink_cl;

	char origin[NOTE_NAME_MAX + 1];
	size_t origin_len;
	struct tlog_tree *tree;
	struct jbuf line;	/* one record */
	struct jbuf batch;	/* file sink: lines not yet written */
	uint64_t pos;		/* every entry below pos is handled */
	uint64_t acked;		/* every entry below acked is acknowledged */
	uint64_t saved;		/* next as last written to the state */
	uint64_t nrecords;
	uint64_t batch_max;	/* file sink: records per fsync (0: by size) */
	uint64_t in_batch;
	int sink_failed;
	struct tlog_report app_report;
	/* application id base of this log (a successor log's state
	 * hand-over sets it; docs/key-rotation.md): -1 not looked up yet */
	int64_t base;
	/* the registry state replayed from the entries, to check the log's
	 * state roots (NULL with --no-state-check) */
	struct registry_replay *rp;
	int rp_said_off;
	/* catch-up progress: entries from prog_base on (cli_progress) */
	struct cli_progress prog;
	uint64_t prog_base;
};

/* ---- File sink ------------------------------------------------------------ */

/* Open the file sink and learn what it already holds: cut a torn final
 * line, parse the last complete one (it must be ours: same origin). */
static int
file_sink_open(struct sync *s, const char *path)
{
	struct stat st;
	size_t want, got = 0, end, start;
	char *buf;
	json_t *j = NULL, *ji, *jo;
	off_t base;
	int rc = CLI_EXIT_IO;

	s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		cli_fail(s->verb, "sink %s: %s", path, strerror(errno));
		return CLI_EXIT_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_fail(s->verb, "sink %s: not a regular file", path);
		return CLI_EXIT_INPUT;
	}
	want = (size_t)st.st_size < 2u * SYNC_LINE_MAX ? (size_t)st.st_size :
	    2u * SYNC_LINE_MAX;
	base = st.st_size - (off_t)want;
	buf = malloc(want + 1);
	if (buf == NULL)
		return CLI_EXIT_INTERNAL;
	while (got < want) {
		ssize_t n = pread(s->fd, buf + got, want - got,
		    base + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_fail(s->verb, "sink %s: read failed", path);
			goto out;
		}
		got += (size_t)n;
	}
	end = want;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	if (end == 0 && base > 0) {
		cli_fail(s->verb, "sink %s: last line longer than %u bytes",
		    path, SYNC_LINE_MAX);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	if (end < want) {
		/* A torn final line was never acknowledged: drop it. */
		if (ftruncate(s->fd, base + (off_t)end) != 0 ||
		    fsync(s->fd) != 0) {
			cli_fail(s->verb, "sink %s: cannot cut a torn line: %s",
			    path, strerror(errno));
			goto out;
		}
		fprintf(stderr, "lienlog: sync: sink %s: removed a torn final "
		    "line (%zu bytes)\n", path, want - end);
	}
	s->file_next = 0;
	if (end > 0) {
		start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		j = json_loadb(buf + start, end - 1 - start, JSON_REJECT_DUPLICATES,
		    NULL);
		ji = j ? json_object_get(j, "index") : NULL;
		jo = j ? json_object_get(j, "origin") : NULL;
		if (!json_is_integer(ji) || json_integer_value(ji) < 0 ||
		    !json_is_string(jo)) {
			cli_fail(s->verb, "sink %s: last line is not a sync "
			    "record", path);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		if (json_string_length(jo) != s->origin_len ||
		    memcmp(json_string_value(jo), s->origin, s->origin_len)
		    != 0) {
			cli_fail(s->verb, "sink %s: holds records of another "
			    "log", path);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		s->file_next = (uint64_t)json_integer_value(ji) + 1u;
	}
	if (lseek(s->fd, 0, SEEK_END) < 0)
		goto out;
	rc = CLI_EXIT_OK;
out:
	json_decref(j);
	free(buf);
	return rc;
}

/* Write the batch, fsync, then record the new position in the state:
 * the order that makes the file the authority on what was delivered. */
static enum lien_status LIEN_MUST_CHECK
sync_flush(struct sync *s)
{
	if (s->kind == SINK_FILE && s->batch.len > 0) {
		if (file_write_all(s->fd, s->batch.p, s->batch.len) !=
		    LIEN_OK ||
		    fsync(s->fd) != 0) {
			s->sink_failed = 1;
			return LIEN_EIO;
		}
		s->batch.len = 0;
	}
	s->acked = s->pos;
	if (s->acked > s->saved) {
		enum lien_status st = mirror_advance(s->m, s->acked);

		if (st != LIEN_OK)
			return st;
		s->saved = s->acked;
	}
	return LIEN_OK;
}

/* sync_flush before a round's fault is reported: best effort, the fault
 * matters more. A sink that fails says so in s->sink_failed, which the
 * report reads; a state write that fails is left for the next round. */
static void
sync_flush_quiet(struct sync *s)
{
	enum lien_status st = sync_flush(s);

	(void)st;
}

static enum lien_status LIEN_MUST_CHECK
http_deliver(struct sync *s, uint64_t index)
{
	char key[NOTE_NAME_MAX + 64];
	const char *hdrs[2] = { key, NULL };
	unsigned delay = 100;

	(void)snprintf(key, sizeof key, "Idempotency-Key: %.*s/%" PRIu64,
	    (int)s->origin_len, s->origin, index);
	for (unsigned attempt = 0; attempt < SINK_ATTEMPTS; attempt++) {
		long http = 0;
		enum lien_status st;

		st = client_post(s->sink_cl, s->sink_arg, "application/json",
		    hdrs, (const uint8_t *)s->line.p, s->line.len,
		    SYNC_REPLY_MAX, NULL, NULL, &http);
		if (st == LIEN_OK)
			return LIEN_OK;
		if ((attempt == 0 || attempt + 1 == SINK_ATTEMPTS) && http != 0)
			fprintf(stderr, "lienlog: sync: sink answered HTTP %ld "
			    "for index %" PRIu64 "; retrying\n", http, index);
		else if (attempt == 0 || attempt + 1 == SINK_ATTEMPTS)
			fprintf(stderr, "lienlog: sync: no answer from the sink "
			    "for index %" PRIu64 " (%s); retrying\n", index,
			    lien_status_message(st));
		sleep_ms(delay);
		delay = delay >= 2000 ? 2000 : delay * 2;
	}
	s->sink_failed = 1;
	return LIEN_ENET;	/* the sink server: not local I/O */
}

/* ---- Registry records ------------------------------------------------- */

struct app_capture {
	uint8_t *bytes;
	size_t len;
};

static enum lien_status LIEN_MUST_CHECK
capture_entry(void *ctx, const struct tlog_entry *e)
{
	struct app_capture *c = ctx;

	c->bytes = malloc(e->len ? e->len : 1);
	if (c->bytes == NULL)
		return LIEN_ENOMEM;
	memcpy(c->bytes, e->bytes, e->len);
	c->len = e->len;
	return LIEN_OK;
}

/* A successor log's state hand-over (type 25, among its first entries)
 * sets where its application ids start: "A" + hex(base + index). */
struct base_find {
	uint64_t base;
	int found;
};

static enum lien_status LIEN_MUST_CHECK
base_visit(void *ctx, const struct tlog_entry *e)
{
	struct base_find *b = ctx;
	json_t *j = NULL, *v;

	if (b->found || e->env.type != REG_T_STATE_HANDOVER)
		return LIEN_OK;
	if (jcs_parse_canonical(e->env.payload, e->env.payload_len, &j) !=
	    LIEN_OK)
		return LIEN_EPARSE;
	v = json_object_get(j, "base");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		json_decref(j);
		return LIEN_EPARSE;
	}
	b->base = (uint64_t)json_integer_value(v);
	b->found = 1;
	json_decref(j);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
log_base(struct sync *s, uint64_t *out)
{
	struct base_find b = { 0, 0 };
	uint64_t n = tlog_tree_size(s->tree);
	enum lien_status st;

	if (s->base >= 0) {
		*out = (uint64_t)s->base;
		return LIEN_OK;
	}
	if (n > 1 && (st = tlog_tree_entries(s->tree, 1, n < 8 ? n : 8,
	    base_visit, &b, &s->app_report)) != LIEN_OK)
		return st;
	/* known for good once found, or once the log is past the entries
	 * a hand-over can be among */
	if (b.found || n >= 8)
		s->base = (int64_t)b.base;
	*out = b.base;
	return LIEN_OK;
}

/* Which record, if any, entry e makes: "restriction" for a restriction
 * change; for an officer's approval, the approved application is fetched
 * (verified against the same tree) and embedded. Returns LIEN_OK with
 * *kind NULL to skip. */
static enum lien_status LIEN_MUST_CHECK
registry_record(struct sync *s, const struct tlog_entry *e, const char **kind,
    struct app_capture *app, struct tlog_entry *app_e)
{
	json_t *j = NULL, *jd, *ja;
	uint64_t idx, base = 0;
	enum lien_status st = LIEN_OK;

	*kind = NULL;
	if (e->env.type == REG_T_RESTRICTION) {
		*kind = "restriction";
		return LIEN_OK;
	}
	if (e->env.type != REG_T_DECISION)
		return LIEN_OK;
	if (jcs_parse_canonical(e->env.payload, e->env.payload_len, &j) !=
	    LIEN_OK)
		return LIEN_EPARSE;
	jd = json_object_get(j, "decision");
	ja = json_object_get(j, "app");
	if (!json_is_string(jd) || !json_is_string(ja)) {
		st = LIEN_EPARSE;
		goto out;
	}
	if (strcmp(json_string_value(jd), "approve") != 0)
		goto out;
	if (registry_app_id_parse(json_string_value(ja),
	    json_string_length(ja), &idx) != LIEN_OK ||
	    (st = log_base(s, &base)) != LIEN_OK) {
		st = st != LIEN_OK ? st : LIEN_EPARSE;
		goto out;
	}
	if (idx < base) {
		/* an application inherited at a key rotation: its entry is
		 * in the previous log, which the mirror delivered from */
		*kind = "approved_inherited";
		goto out;
	}
	idx -= base;
	if (idx >= e->index) {
		st = LIEN_EPARSE;
		goto out;
	}
	st = tlog_tree_entries(s->tree, idx, idx + 1, capture_entry, app,
	    &s->app_report);
	if (st != LIEN_OK)
		goto out;
	memset(app_e, 0, sizeof *app_e);
	app_e->index = idx;
	hash_leaf(app->bytes, app->len, app_e->leaf);
	app_e->bytes = app->bytes;
	app_e->len = app->len;
	st = entry_decode(app->bytes, app->len, &app_e->env);
	if (st != LIEN_OK)
		goto out;
	*kind = app_e->env.type == REG_T_MORTGAGE_APPLICATION ?
	    "mortgage_registered" :
	    app_e->env.type == REG_T_RELEASE_APPLICATION ?
	    "mortgage_released" : "approved";
out:
	json_decref(j);
	return st;
}

/* Replay entry e into the registry state; a state root that lies is a
 * fault (LIEN_EVERIFY, s->app_report). */
static enum lien_status LIEN_MUST_CHECK
replay_entry(struct sync *s, const struct tlog_entry *e)
{
	const char *why = NULL;
	enum lien_status st;

	st = registry_replay_entry(s->rp, e->index, e->bytes, e->len, &why);
	if (st == LIEN_ECORRUPT) {
		memset(&s->app_report, 0, sizeof s->app_report);
		s->app_report.fault = TLOG_FAULT_STATE;
		s->app_report.index = e->index;
		(void)snprintf(s->app_report.why, sizeof s->app_report.why,
		    "%s", why != NULL ? why : "the replayed state disagrees");
		return LIEN_EVERIFY;
	}
	if (st != LIEN_OK)
		fprintf(stderr, "lienlog: sync: %s/replay: %s\n", s->dir,
		    lien_status_message(st));
	return st;
}

static enum lien_status LIEN_MUST_CHECK
on_entry(void *ctx, const struct tlog_entry *e)
{
	struct sync *s = ctx;
	struct app_capture app = { NULL, 0 };
	struct tlog_entry app_e;
	const char *kind = NULL;
	enum lien_status st;

	if (s->rp != NULL && (st = replay_entry(s, e)) != LIEN_OK)
		return st;
	if (e->index < s->pos)
		return LIEN_OK;	/* delivered before: replayed only */
	if (e->index >= s->prog_base)
		cli_progress_update(&s->prog, e->index + 1 - s->prog_base, 0);
	st = registry_record(s, e, &kind, &app, &app_e);
	if (st != LIEN_OK) {
		free(app.bytes);
		return st;
	}
	if (kind == NULL && s->all)
		kind = "entry";
	if (kind == NULL) {
		/* Not a record: just move past it. */
		s->pos = e->index + 1;
		free(app.bytes);
		return LIEN_OK;
	}
	s->line.len = 0;
	jb_s(&s->line, "{\"origin\":");
	jb_str(&s->line, s->origin, s->origin_len);
	jb_s(&s->line, ",\"kind\":\"");
	jb_s(&s->line, kind);
	jb_s(&s->line, "\",");
	jb_entry(&s->line, e);
	if (app.bytes != NULL) {
		jb_s(&s->line, ",\"application\":{");
		jb_entry(&s->line, &app_e);
		jb_s(&s->line, "}");
	}
	jb_s(&s->line, "}\n");
	free(app.bytes);
	if (s->line.oom)
		return LIEN_ENOMEM;
	if (s->kind == SINK_FILE) {
		jb_put(&s->batch, s->line.p, s->line.len);
		if (s->batch.oom)
			return LIEN_ENOMEM;
		s->pos = e->index + 1;
		s->nrecords++;
		s->in_batch++;
		if (s->batch.len >= SYNC_FLUSH_BYTES ||
		    (s->batch_max != 0 && s->in_batch >= s->batch_max)) {
			s->in_batch = 0;
			return sync_flush(s);
		}
		return LIEN_OK;
	}
	st = http_deliver(s, e->index);
	if (st != LIEN_OK)
		return st;
	s->pos = e->index + 1;
	s->nrecords++;
	if (s->pos - s->saved >= SYNC_ADVANCE_EVERY)
		return sync_flush(s);
	return LIEN_OK;
}

/* ---- Evidence ----------------------------------------------------------- */

static int
exit_for_fault(enum tlog_fault f)
{
	switch (f) {
	case TLOG_FAULT_FORK: return CLI_EXIT_FORK;
	case TLOG_FAULT_ROLLBACK: return CLI_EXIT_ROLLBACK;
	case TLOG_FAULT_SIGNATURE:
	case TLOG_FAULT_QUORUM: return CLI_EXIT_BADSIG;
	case TLOG_FAULT_STATE: return CLI_EXIT_STATE;
	default: return CLI_EXIT_MISMATCH;
	}
}

/* Write DIR/evidence/<ms>-<fault>/ and halt. Returns the exit code. */
static int
evidence(struct sync *s, const struct tlog_report *r, const char *trusted,
    size_t trusted_len, const uint8_t *fetched, size_t fetched_len,
    uint64_t old_size, uint64_t new_size, const uint8_t (*proof)[HASH_LEN],
    size_t nproof, const uint8_t *root_m)
{
	char dir[PATH_MAX_LEN], why[PATH_MAX_LEN + 512];
	struct jbuf b = { NULL, 0, 0, 0 };
	int ok = 1;

	if (cli_evidence_dir(s->dir, tlog_fault_name(r->fault), dir,
	    sizeof dir) != LIEN_OK)
		ok = 0;
	if (ok && trusted != NULL)
		ok = cli_write_file(dir, "trusted.checkpoint", trusted,
		    trusted_len) == LIEN_OK;
	if (ok && fetched != NULL)
		ok = cli_write_file(dir, "fetched.checkpoint", fetched,
		    fetched_len) == LIEN_OK;
	if (ok && proof != NULL) {
		char *js = NULL;
		size_t js_len = 0;

		ok = cli_consistency_json(old_size, new_size, proof, nproof,
		    &js, &js_len) == LIEN_OK && cli_write_file(dir,
		    "consistency.json", js, js_len) == LIEN_OK;
		free(js);
	}
	jb_s(&b, "fault: ");
	jb_s(&b, tlog_fault_name(r->fault));
	jb_s(&b, "\nwhy: ");
	jb_s(&b, r->why);
	jb_s(&b, "\nindex: ");
	jb_u64(&b, r->index);
	if (root_m != NULL) {
		jb_s(&b, "\nroot_of_first_");
		jb_u64(&b, old_size);
		jb_s(&b, "_entries_in_fetched_tree: ");
		jb_b64(&b, root_m, HASH_LEN);
	}
	jb_s(&b, "\n");
	if (ok)
		ok = !b.oom && cli_write_file(dir, "report.txt", b.p,
		    b.len) == LIEN_OK;
	free(b.p);
	(void)snprintf(why, sizeof why, "%s: %s (evidence: %.700s)",
	    tlog_fault_name(r->fault), r->why, ok ? dir : "could not be "
	    "written");
	if (mirror_halt(s->m, why) != LIEN_OK)
		fprintf(stderr, "lienlog: sync: could not record the halt\n");
	cli_fail(s->verb, "%s; delivery stopped", why);
	return exit_for_fault(r->fault);
}

/* ---- One round ----------------------------------------------------------- */

static int
sync_round(struct sync *s, const uint8_t *pinned, size_t pinned_len)
{
	struct mirror_state ms;
	struct checkpoint cp, old;
	struct tlog_report r;
	struct tlog_policy logonly = s->pol;
	uint8_t *note = NULL;
	size_t note_len = 0, ncos = 0;
	const uint8_t *tnote = NULL;
	size_t tnote_len = 0;
	uint8_t (*proof)[HASH_LEN] = NULL;
	uint8_t root_m[HASH_LEN];
	size_t nproof = 0;
	uint64_t from;
	enum lien_status st;
	int rc = CLI_EXIT_IO, have_old = 0;

	memset(&ms, 0, sizeof ms);
	memset(&s->app_report, 0, sizeof s->app_report);
	logonly.witnesses = NULL;
	logonly.nwitnesses = 0;
	logonly.quorum = 0;
	st = mirror_load(s->m, &ms);
	if (st != LIEN_OK) {
		cli_fail(s->verb, "%s: cannot read the mirror state (%s)",
		    s->dir, lien_status_message(st));
		return cli_exit_for(st);
	}
	if (ms.halt != NULL) {
		cli_fail(s->verb, "halted by an earlier run: %s; investigate, "
		    "then run with --clear-halt", ms.halt);
		rc = CLI_EXIT_HALTED;
		goto out;
	}
	st = s->f.get(s->f.ctx, "checkpoint", NOTE_MAX, &note, &note_len);
	if (st != LIEN_OK) {
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		client_tlog_why(&s->tl, st, why, sizeof why);
		cli_fail(s->verb, "cannot fetch the checkpoint: %s", why);
		rc = cli_exit_net(st);
		goto out;
	}
	/* The trusted checkpoint: state, else a pinned file, else none
	 * (trust on first use). It was verified when it was trusted; the
	 * log signature is checked again against the key given now. */
	if (ms.checkpoint != NULL) {
		tnote = (const uint8_t *)ms.checkpoint;
		tnote_len = ms.checkpoint_len;
	} else if (pinned != NULL) {
		tnote = pinned;
		tnote_len = pinned_len;
	}
	if (tnote != NULL) {
		st = tlog_checkpoint_verify(&logonly, tnote, tnote_len, &old,
		    NULL, &r);
		if (st != LIEN_OK) {
			cli_fail(s->verb, "the trusted checkpoint does not "
			    "verify under --vkey (%s)", r.why);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		have_old = 1;
	}
	st = tlog_checkpoint_verify(&s->pol, note, note_len, &cp, &ncos, &r);
	if (st != LIEN_OK) {
		if (st != LIEN_EVERIFY) {
			cli_fail(s->verb, "cannot verify the checkpoint (%s)",
			    lien_status_message(st));
			rc = cli_exit_for(st);
			goto out;
		}
		rc = evidence(s, &r, (const char *)tnote, tnote_len, note,
		    note_len, 0, 0, NULL, 0, NULL);
		goto out;
	}
	if (have_old && cp.size < old.size) {
		memset(&r, 0, sizeof r);
		r.fault = TLOG_FAULT_ROLLBACK;
		(void)snprintf(r.why, sizeof r.why, "the log's checkpoint has "
		    "size %" PRIu64 ", below the trusted size %" PRIu64,
		    cp.size, old.size);
		rc = evidence(s, &r, (const char *)tnote, tnote_len, note,
		    note_len, 0, 0, NULL, 0, NULL);
		goto out;
	}
	st = tlog_tree_open(&s->f, cp.size, cp.root, &s->tree, &r);
	if (st == LIEN_EVERIFY) {
		rc = evidence(s, &r, (const char *)tnote, tnote_len, note,
		    note_len, 0, 0, NULL, 0, NULL);
		goto out;
	}
	if (st != LIEN_OK) {
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		client_tlog_why(&s->tl, st, why, sizeof why);
		cli_fail(s->verb, "cannot fetch the tree's tiles: %s", why);
		rc = cli_exit_net(st);
		goto out;
	}
	if (have_old) {
		proof = calloc(MERKLE_PROOF_MAX, HASH_LEN);
		if (proof == NULL) {
			rc = CLI_EXIT_INTERNAL;
			goto out;
		}
		st = tlog_tree_consistency(s->tree, old.size, old.root, proof,
		    &nproof, root_m, &r);
		if (st == LIEN_EVERIFY) {
			rc = evidence(s, &r, (const char *)tnote, tnote_len,
			    note, note_len, old.size, cp.size,
			    (const uint8_t (*)[HASH_LEN])proof, nproof,
			    r.fault == TLOG_FAULT_FORK ? root_m : NULL);
			goto out;
		}
		if (st != LIEN_OK) {
			char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

			client_tlog_why(&s->tl, st, why, sizeof why);
			cli_fail(s->verb, "cannot check consistency: %s", why);
			rc = cli_exit_net(st);
			goto out;
		}
	}
	/* Trust it (durably) before delivering anything it covers. */
	st = mirror_trust(s->m, cp.origin, cp.origin_len, (const char *)note,
	    note_len, cp.size, UINT64_MAX);
	if (st != LIEN_OK) {
		cli_fail(s->verb, "cannot record the checkpoint in %s (%s)",
		    s->dir, st == LIEN_EKEY ? "the state belongs to another "
		    "log" : lien_status_message(st));
		rc = st == LIEN_EKEY ? CLI_EXIT_INPUT : cli_exit_for(st);
		goto out;
	}
	s->saved = ms.next;
	s->pos = ms.next > s->file_next ? ms.next : s->file_next;
	if (s->pos > cp.size) {
		cli_fail(s->verb, "the sink holds index %" PRIu64 " but the "
		    "log's verified tree has only %" PRIu64 " entries",
		    s->pos - 1, cp.size);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	s->acked = s->pos;
	from = s->pos;
	if (s->rp != NULL) {
		/* The replay resumes at its own mark, which may be behind
		 * what was delivered (a crash between the two, or a state
		 * made before the check existed): entries from there are
		 * replayed, not delivered again. */
		uint64_t rn = registry_replay_next(s->rp);

		if (rn > cp.size) {
			cli_fail(s->verb, "%s/replay holds %" PRIu64 " entries "
			    "but the verified tree has only %" PRIu64 " (is it "
			    "another log's?)", s->dir, rn, cp.size);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		if (registry_replay_off(s->rp) == NULL && rn < from)
			from = rn;
	}
	s->prog_base = s->pos;
	cli_progress_start(&s->prog, s->verb, "entries", cp.size - s->pos);
	st = tlog_tree_entries(s->tree, from, cp.size, on_entry, s, &r);
	if (st != LIEN_OK)
		cli_progress_end(&s->prog);
	if (st == LIEN_OK && s->rp != NULL) {
		const char *why = NULL;

		st = registry_replay_end(s->rp, cp.size, &why);
		if (st == LIEN_ECORRUPT) {
			memset(&s->app_report, 0, sizeof s->app_report);
			s->app_report.fault = TLOG_FAULT_STATE;
			s->app_report.index = cp.size > 0 ? cp.size - 1 : 0;
			(void)snprintf(s->app_report.why,
			    sizeof s->app_report.why, "%s", why);
			st = LIEN_EVERIFY;
		} else if (st != LIEN_OK) {
			fprintf(stderr, "lienlog: sync: %s/replay: %s\n",
			    s->dir, lien_status_message(st));
		}
	}
	if (st == LIEN_OK)
		st = sync_flush(s);
	else if (st == LIEN_EVERIFY || s->app_report.fault != TLOG_FAULT_NONE) {
		const struct tlog_report *rr = st == LIEN_EVERIFY &&
		    r.fault != TLOG_FAULT_NONE ? &r : &s->app_report;

		/* What was verified before the bad bundle is delivered. */
		if (sync_flush(s) != LIEN_OK)
			fprintf(stderr, "lienlog: sync: could not flush the "
			    "records verified before the fault\n");
		rc = evidence(s, rr, (const char *)tnote, tnote_len, note,
		    note_len, 0, 0, NULL, 0, NULL);
		goto out;
	}
	if (st == LIEN_EPARSE) {
		memset(&r, 0, sizeof r);
		r.fault = TLOG_FAULT_ENTRY;
		r.index = s->pos;
		(void)snprintf(r.why, sizeof r.why, "registry entry after "
		    "index %" PRIu64 " has a payload that is not a valid "
		    "registry record", s->pos);
		sync_flush_quiet(s);
		rc = evidence(s, &r, (const char *)tnote, tnote_len, note,
		    note_len, 0, 0, NULL, 0, NULL);
		goto out;
	}
	if (st != LIEN_OK) {
		/* Transport trouble or a sink that would not acknowledge:
		 * keep what was acknowledged, try again next round. */
		char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];

		if (!s->sink_failed)
			sync_flush_quiet(s);
		if (s->sink_failed)
			why_set(why, sizeof why, "the sink: %s",
			    lien_status_message(st));
		else
			client_tlog_why(&s->tl, st, why, sizeof why);
		/* acked is the next index to deliver: what was delivered
		 * ends one before it */
		if (s->acked == 0)
			cli_fail(s->verb, "round stopped before index 0, nothing "
			    "delivered yet (%s)", why);
		else
			cli_fail(s->verb, "round stopped: delivered through index "
			    "%" PRIu64 ", the next round resumes at %" PRIu64
			    " (%s)", s->acked - 1, s->acked, why);
		if (s->sink_failed)
			rc = st == LIEN_ENET ? CLI_EXIT_NETWORK :
			    cli_exit_for(st) == CLI_EXIT_INTERNAL ?
			    CLI_EXIT_INTERNAL : CLI_EXIT_IO;
		else
			rc = cli_exit_net(st);
		goto out;
	}
	cli_progress_end(&s->prog);
	if (s->acked == 0)
		printf("synced %.*s: tree size %" PRIu64 ", empty, %zu/%zu "
		    "witnesses\n", (int)cp.origin_len, cp.origin, cp.size, ncos,
		    s->pol.nwitnesses);
	else
		printf("synced %.*s: tree size %" PRIu64 ", entries 0..%" PRIu64
		    " verified, records delivered through index %" PRIu64
		    " (%" PRIu64 " records so far), %zu/%zu witnesses\n",
		    (int)cp.origin_len, cp.origin, cp.size, s->acked - 1,
		    s->acked - 1, s->nrecords, ncos, s->pol.nwitnesses);
	if (s->rp != NULL && registry_replay_off(s->rp) == NULL &&
	    registry_replay_checked(s->rp) > 0)
		printf("state roots checked through index %" PRIu64 "\n",
		    registry_replay_checked(s->rp) - 1);
	else if (s->rp != NULL && registry_replay_off(s->rp) != NULL &&
	    !s->rp_said_off) {
		fprintf(stderr, "lienlog: sync: state roots not checked: %s\n",
		    registry_replay_off(s->rp));
		s->rp_said_off = 1;
	}
	(void)fflush(stdout);
	rc = CLI_EXIT_OK;
out:
	tlog_tree_free(s->tree);
	s->tree = NULL;
	free(proof);
	free(note);
	mirror_state_clear(&ms);
	return rc;
}

int
cli_sync(int argc, char **argv)
{
	static const char verb[] = "sync";
	enum { O_LOG, O_VKEY, O_QUORUM, O_STATE, O_SINK, O_TRUST,
	    O_INTERVAL, O_ROUNDS, O_BATCH, O_N };
	struct cli_opt opts[O_N] = {
		{ "log", NULL }, { "vkey", NULL }, { "quorum", NULL },
		{ "state", NULL }, { "sink", NULL }, { "trust-checkpoint", NULL },
		{ "interval", NULL }, { "rounds", NULL }, { "batch", NULL },
	};
	const char *wit[TLOG_WITNESSES_MAX];
	struct note_verifier *wbuf = NULL;
	struct sync s;
	uint8_t *pinned = NULL;
	size_t pinned_len = 0, nwit, npos;
	uint64_t interval = 0, rounds = 1;
	const char *pos[1];
	int once, clear, no_state, rc;

	memset(&s, 0, sizeof s);
	s.base = -1;
	s.verb = verb;
	s.fd = -1;
	rc = cli_multi_take(verb, &argc, argv, "witness", wit,
	    TLOG_WITNESSES_MAX, &nwit);
	if (rc != CLI_EXIT_OK)
		return rc;
	s.all = take_flag(&argc, argv, "--all");
	once = take_flag(&argc, argv, "--once");
	clear = take_flag(&argc, argv, "--clear-halt");
	no_state = take_flag(&argc, argv, "--no-state-check");
	rc = cli_args_parse(verb, argc, argv, opts, O_N, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_sync, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_STATE].value == NULL) {
		cli_fail(verb, "need --state DIR (see --help)");
		return CLI_EXIT_USAGE;
	}
	s.dir = opts[O_STATE].value;
	if (clear && opts[O_LOG].value == NULL) {
		if (mirror_open(s.dir, &s.m) != LIEN_OK ||
		    mirror_unhalt(s.m) != LIEN_OK) {
			cli_fail(verb, "%s: cannot clear the halt", s.dir);
			mirror_close(s.m);
			return CLI_EXIT_IO;
		}
		mirror_close(s.m);
		printf("halt cleared in %s\n", s.dir);
		return CLI_EXIT_OK;
	}
	if (opts[O_LOG].value == NULL || opts[O_VKEY].value == NULL ||
	    opts[O_SINK].value == NULL) {
		cli_fail(verb, "need --log URL, --vkey VKEY, --state DIR and "
		    "--sink SINK (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (opts[O_INTERVAL].value != NULL) {
		if (once ||
		    dec_u64_arg(opts[O_INTERVAL].value, 1, 86400, &interval) !=
		    LIEN_OK) {
			cli_fail(verb, "--interval takes 1..86400 seconds and "
			    "excludes --once");
			return CLI_EXIT_USAGE;
		}
		rounds = 0;
	}
	if (opts[O_ROUNDS].value != NULL &&
	    (interval == 0 || dec_u64_arg(opts[O_ROUNDS].value, 1, UINT32_MAX,
	    &rounds) != LIEN_OK)) {
		cli_fail(verb, "--rounds N (N >= 1) goes with --interval");
		return CLI_EXIT_USAGE;
	}
	if (opts[O_BATCH].value != NULL &&
	    dec_u64_arg(opts[O_BATCH].value, 1, 1000000, &s.batch_max) !=
	    LIEN_OK) {
		cli_fail(verb, "--batch takes 1..1000000 records");
		return CLI_EXIT_USAGE;
	}
	wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *wbuf);
	if (wbuf == NULL)
		return CLI_EXIT_INTERNAL;
	rc = cli_policy_load(verb, opts[O_VKEY].value, wit, nwit,
	    opts[O_QUORUM].value, wbuf, &s.pol);
	if (rc != CLI_EXIT_OK)
		goto out;
	memcpy(s.origin, s.pol.log.name, s.pol.log.name_len);
	s.origin_len = s.pol.log.name_len;
	if (opts[O_TRUST].value != NULL) {
		rc = cli_read_file(verb, opts[O_TRUST].value, NOTE_MAX, &pinned,
		    &pinned_len);
		if (rc != CLI_EXIT_OK)
			goto out;
	}
	rc = CLI_EXIT_INTERNAL;
	if (client_new(NULL, &s.cl) != LIEN_OK)
		goto out;
	if (client_tlog_init(&s.tl, s.cl, opts[O_LOG].value) != LIEN_OK) {
		cli_fail(verb, "--log must be an http:// or https:// URL");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	s.f = client_tlog_fetch(&s.tl);
	if (mirror_open(s.dir, &s.m) != LIEN_OK) {
		cli_fail(verb, "%s: cannot open the mirror state (is it a log "
		    "store or unwritable?)", s.dir);
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (clear && mirror_unhalt(s.m) != LIEN_OK) {
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (!no_state) {
		char rdir[PATH_MAX_LEN];
		enum lien_status st;

		if (snprintf(rdir, sizeof rdir, "%s/replay", s.dir) >=
		    (int)sizeof rdir ||
		    (st = registry_replay_open(rdir, &s.rp)) != LIEN_OK) {
			cli_fail(verb, "%s/replay: cannot open the replayed "
			    "state", s.dir);
			rc = CLI_EXIT_IO;
			goto out;
		}
	}
	s.sink_arg = opts[O_SINK].value;
	if (strncmp(s.sink_arg, "file:", 5) == 0 && s.sink_arg[5] != '\0') {
		s.kind = SINK_FILE;
		rc = file_sink_open(&s, s.sink_arg + 5);
		if (rc != CLI_EXIT_OK)
			goto out;
	} else if (strncmp(s.sink_arg, "http://", 7) == 0 ||
	    strncmp(s.sink_arg, "https://", 8) == 0) {
		s.kind = SINK_HTTP;
		if (client_new(NULL, &s.sink_cl) != LIEN_OK)
			goto out;
	} else {
		cli_fail(verb, "--sink must be file:PATH or an http(s) URL");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	for (uint64_t round = 0; rounds == 0 || round < rounds; round++) {
		if (round > 0)
			sleep_ms((unsigned)interval * 1000u);
		rc = sync_round(&s, pinned, pinned_len);
		if (rc >= CLI_EXIT_FORK || rc == CLI_EXIT_INPUT ||
		    rc == CLI_EXIT_USAGE || rc == CLI_EXIT_INTERNAL)
			break;
		/* I/O trouble in --interval mode: try again next round. */
	}
out:
	if (s.fd >= 0)
		(void)close(s.fd);
	free(s.line.p);
	free(s.batch.p);
	client_free(s.sink_cl);
	client_free(s.cl);
	mirror_close(s.m);
	registry_replay_close(s.rp);
	free(pinned);
	free(wbuf);
	return rc;
}
