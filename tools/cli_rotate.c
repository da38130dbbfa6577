/*
 * Log key rotation (docs/key-rotation.md): `lienlog freeze DIR` ends a
 * log, `lienlog genesis --prev-final FILE --prev-vkey VKEY DIR` starts its
 * successor chained to it.
 *
 * freeze opens the store read-write with the log key, which takes the
 * store's writer lock (ledger/writer_lock.h): while lienlogd runs on DIR
 * the lock is held and freeze refuses, so a freeze never races a live
 * sequencer. ledger_freeze records the final size in the store (appends
 * are refused from then on, across restarts); the latest signed
 * checkpoint -- with any witness cosignatures stored beside it -- is the
 * log's final checkpoint: printed on stdout and written to
 * DIR/final-checkpoint (temp file, fsync, rename, fsync of DIR), 0644
 * because it is meant to be published. Freezing again is a no-op that
 * rewrites the same checkpoint (perhaps with more cosignatures).
 *
 * genesis appends the old log's final checkpoint, byte for byte and
 * verified first against the old log's key, as entry 0 (type
 * ENTRY_TYPE_PREV_LOG) of a new, empty store with a new origin. Anyone
 * holding the new log's tree can then find, in its first leaf, which
 * tree of which log it continues. With --prev-data the old store hands
 * its registration state over in the same transaction (entry type 25,
 * registry/handover.c). Running genesis again on a store whose entry 0 is
 * that same checkpoint only adds a missing hand-over; any other
 * non-empty store is refused.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/file.h"
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"
#include "registry/registry.h"

#define ROTATE_PATH_MAX 4096u
#define FINAL_CHECKPOINT_FILE "final-checkpoint"

static const char usage_freeze[] =
    "usage: lienlog freeze DIR [--key KEY]\n"
    "\n"
    "Freeze the log stored in DIR for a key rotation: no entry is ever\n"
    "appended again (lienlogd keeps serving it read-only; appends answer\n"
    "503 log_frozen). Prints the final signed checkpoint and writes it to\n"
    "DIR/" FINAL_CHECKPOINT_FILE ". The log must not be running (the store's\n"
    "writer lock). Idempotent.\n"
    "\n"
    "  --key KEY   the log's private key (default DIR/log.key)\n"
    "\n"
    "exit codes: 0 frozen, 2 usage, 3 bad key or empty log,\n"
    "            4 I/O (incl. the log is running), 5 internal\n";

static const char usage_genesis[] =
    "usage: lienlog genesis --prev-final FILE --prev-vkey VKEY\n"
    "                       (--prev-data OLD_DIR | --no-state yes) DIR"
    " [--key KEY]\n"
    "\n"
    "Start a new log in DIR (a new origin) as the successor of a frozen\n"
    "one: verify FILE (the old log's final checkpoint) with VKEY (the old\n"
    "log's verifier key) and append it, byte for byte, as entry 0 (type\n"
    "2, prev_log). With --prev-data, the old store (frozen at FILE's size\n"
    "and root) hands its registration state over in the same transaction:\n"
    "parties, vehicles, liens, applications and indexes are copied and\n"
    "entry type 25 (state_handover) commits to them (docs/key-rotation.md);\n"
    "--no-state yes starts with none. DIR must be empty or already hold\n"
    "exactly that entry 0 (then only a missing hand-over is added).\n"
    "Prints index, leaf hash, the old log's origin, size and root, and the\n"
    "hand-over's index and payload.\n"
    "\n"
    "  --key KEY   the new log's private key (default DIR/log.key)\n"
    "\n"
    "exit codes: 0 ok, 1 FILE does not verify, 2 usage, 3 bad input (a\n"
    "            key, FILE, same origin, DIR not empty), 4 I/O (incl. the\n"
    "            log is running), 5 internal\n";

/* dir + "/" + name into out (ROTATE_PATH_MAX). LIEN_OK or LIEN_ETOOBIG. */
static enum lien_status LIEN_MUST_CHECK
path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, ROTATE_PATH_MAX, "%s/%s", dir, name);

	return n > 0 && (size_t)n < ROTATE_PATH_MAX ? LIEN_OK : LIEN_ETOOBIG;
}

/* The log key from path (default dir/log.key). *out: note_signer_free. */
static int
load_signer(const char *verb, const char *dir, const char *path,
    struct note_signer **out)
{
	char def[ROTATE_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	enum lien_status s;
	int rc;

	*out = NULL;
	if (path == NULL) {
		if (path_join(def, dir, "log.key") != LIEN_OK) {
			cli_fail(verb, "path too long: %s", dir);
			return CLI_EXIT_USAGE;
		}
		path = def;
	}
	rc = cli_read_file(verb, path, SKEY_FILE_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	s = note_signer_parse((const char *)buf, len, out);
	secret_wipe(buf, len);
	free(buf);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: not a log private key (%s)", path,
		    lien_status_message(s));
		return cli_exit_for(s) == CLI_EXIT_INTERNAL ?
		    CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

/* Open dir read-write; the writer lock turns "lienlogd is running" into a
 * clear refusal. */
static int
open_rw(const char *verb, const char *dir, const struct note_signer *signer,
    struct ledger **out)
{
	struct ledger_config cfg;
	enum lien_status s;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.signer = signer;
	s = ledger_open(&cfg, out);
	if (s == LIEN_EBUSY) {
		cli_fail(verb, "%s is in use by another writer (lienlogd "
		    "running?): %s/writer.lock is held; stop it first", dir, dir);
		return CLI_EXIT_IO;
	}
	if (s == LIEN_EKEY) {
		cli_fail(verb, "%s: the key's origin '%s' is not this store's",
		    dir, note_signer_name(signer));
		return CLI_EXIT_INPUT;
	}
	if (s != LIEN_OK) {
		cli_fail(verb, "cannot open the store in %s: %s", dir,
		    lien_status_message(s));
		return cli_exit_for(s);
	}
	return CLI_EXIT_OK;
}

/* Replace dir/name with p: temp file, fsync, rename, fsync(dir), so a
 * crash leaves the old file or the new one, never a torn one. */
static int
write_replace(const char *verb, const char *dir, const char *name,
    const void *p, size_t len)
{
	char path[ROTATE_PATH_MAX], tmp[ROTATE_PATH_MAX + 16];
	int fd, dfd, ok;

	if (path_join(path, dir, name) != LIEN_OK ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		cli_fail(verb, "path too long: %s", dir);
		return CLI_EXIT_USAGE;
	}
	(void)unlink(tmp);	/* left by a crash; O_EXCL below */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0) {
		cli_fail(verb, "cannot create %s: %s", tmp, strerror(errno));
		return CLI_EXIT_IO;
	}
	ok = file_write_all(fd, p, len) == LIEN_OK && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		cli_fail(verb, "cannot write %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return CLI_EXIT_IO;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		cli_fail(verb, "cannot sync %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			(void)close(dfd);
		return CLI_EXIT_IO;
	}
	(void)close(dfd);
	return CLI_EXIT_OK;
}

int
cli_freeze(int argc, char **argv)
{
	static const char verb[] = "freeze";
	struct cli_opt opts[] = { { "key", NULL } };
	struct note_signer *signer = NULL;
	struct ledger *l = NULL;
	const char *pos[1];
	struct stat st;
	char *cp = NULL;
	size_t npos, cp_len = 0;
	uint64_t final_size = 0;
	enum lien_status s;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, 1, pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_freeze, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (npos != 1) {
		cli_fail(verb, "need the store directory (see --help)");
		return CLI_EXIT_USAGE;
	}
	/* ledger_open creates a missing directory; freezing a mistyped
	 * path must fail instead. */
	if (stat(pos[0], &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_fail(verb, "%s: not a directory", pos[0]);
		return CLI_EXIT_IO;
	}
	rc = load_signer(verb, pos[0], opts[0].value, &signer);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = open_rw(verb, pos[0], signer, &l);
	if (rc != CLI_EXIT_OK)
		goto out;
	/* An empty log has no checkpoint to end on; nothing to rotate. */
	if (ledger_size(l) == 0 && !ledger_frozen(l, NULL)) {
		cli_fail(verb, "%s: the log is empty: nothing to freeze", pos[0]);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	s = ledger_freeze(l, &final_size);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: %s", pos[0], lien_status_message(s));
		rc = cli_exit_for(s);
		goto out;
	}
	s = ledger_latest_checkpoint(l, &cp, &cp_len);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: no final checkpoint: %s", pos[0],
		    lien_status_message(s));
		rc = s == LIEN_ENOTFOUND ? CLI_EXIT_INPUT : cli_exit_for(s);
		goto out;
	}
	rc = write_replace(verb, pos[0], FINAL_CHECKPOINT_FILE, cp, cp_len);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (fwrite(cp, 1, cp_len, stdout) != cp_len) {
		cli_fail(verb, "cannot write to standard output");
		rc = CLI_EXIT_IO;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(cp);
	ledger_close(l);
	note_signer_free(signer);
	return rc;
}

/* Entry 0 of a non-empty store: is it exactly this genesis? *same 1 yes
 * (and leaf = its leaf hash), 0 no. LIEN_OK, or the read failure
 * (printed). */
static enum lien_status LIEN_MUST_CHECK
genesis_present(const char *verb, struct ledger *l, const uint8_t *note,
    size_t len, uint8_t leaf[HASH_LEN], int *same)
{
	struct ledger_view *v = NULL;
	const uint8_t *e;
	size_t elen;
	struct entry ent;
	enum lien_status s;

	*same = 0;
	s = ledger_view_open(l, &v);
	if (s == LIEN_OK)
		s = ledger_view_entry(v, 0, &e, &elen);
	if (s == LIEN_OK)
		s = entry_decode(e, elen, &ent);
	if (s == LIEN_OK)
		s = ledger_view_leaf_hash(v, 0, leaf);
	if (s != LIEN_OK) {
		cli_fail(verb, "cannot read entry 0: %s", lien_status_message(s));
		ledger_view_close(v);
		return s;
	}
	*same = ent.type == ENTRY_TYPE_PREV_LOG && ent.payload_len == len &&
	    memcmp(ent.payload, note, len) == 0;
	ledger_view_close(v);
	return LIEN_OK;
}

/* The previous store for the state hand-over: opened read-only, it must
 * be the frozen log the final checkpoint names (origin, final size,
 * root). *out: ledger_close. */
static int
open_prev(const char *verb, const char *dir, const struct checkpoint *prev,
    struct ledger **out)
{
	struct ledger_config cfg;
	struct ledger_view *v = NULL;
	uint8_t root[HASH_LEN];
	uint64_t final = 0;
	const char *origin;
	enum lien_status s;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.flags = LEDGER_RDONLY;
	if ((s = ledger_open(&cfg, out)) != LIEN_OK) {
		cli_fail(verb, "--prev-data %s: cannot open the store: %s", dir,
		    lien_status_message(s));
		return cli_exit_for(s);
	}
	origin = ledger_origin(*out);
	if (strlen(origin) != prev->origin_len ||
	    memcmp(origin, prev->origin, prev->origin_len) != 0) {
		cli_fail(verb, "--prev-data %s holds the log '%s', not the one "
		    "the final checkpoint names", dir, origin);
		return CLI_EXIT_INPUT;
	}
	if (!ledger_frozen(*out, &final) || final != prev->size) {
		cli_fail(verb, "--prev-data %s is not frozen at the final "
		    "checkpoint's size %" PRIu64 " (lienlog freeze it first)",
		    dir, prev->size);
		return CLI_EXIT_INPUT;
	}
	s = ledger_view_open(*out, &v);
	if (s == LIEN_OK)
		s = ledger_view_root(v, final, root);
	ledger_view_close(v);
	if (s != LIEN_OK) {
		cli_fail(verb, "--prev-data %s: %s", dir, lien_status_message(s));
		return cli_exit_for(s);
	}
	if (!hash_equal(root, prev->root)) {
		cli_fail(verb, "--prev-data %s: its tree at size %" PRIu64 " is "
		    "not the final checkpoint's", dir, final);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

/* The new log keeps the old log's master key (DIR/master.key, when it
 * lives in the data folder) and its check file (DIR/master.check) when it
 * has none: the inherited subject keys are wrapped under it and the
 * inherited owner references derive from them, so under a new master key
 * every owner of an inherited vehicle would look like someone else
 * (docs/key-rotation.md, docs/privacy.md). *copied 1 when it copied,
 * 0 when there was nothing to do. LIEN_OK, or the failure (printed). */
static enum lien_status LIEN_MUST_CHECK
file_carry(const char *verb, const char *old_dir, const char *new_dir,
    const char *name, int *copied)
{
	char src[ROTATE_PATH_MAX], dst[ROTATE_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ok;

	*copied = 0;
	if (path_join(src, old_dir, name) != LIEN_OK ||
	    path_join(dst, new_dir, name) != LIEN_OK) {
		cli_fail(verb, "path too long: %s", new_dir);
		return LIEN_ETOOBIG;
	}
	if (stat(src, &st) != 0 || lstat(dst, &st) == 0)
		return LIEN_OK;
	if (cli_read_file(verb, src, 256, &buf, &len) != CLI_EXIT_OK)
		return LIEN_EIO;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	ok = fd >= 0 && file_write_all(fd, buf, len) == LIEN_OK &&
	    fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	secret_wipe(buf, len);
	free(buf);
	if (!ok) {
		cli_fail(verb, "%s: cannot write: %s", dst, strerror(errno));
		return LIEN_EIO;
	}
	*copied = 1;
	return LIEN_OK;
}

/* The index of the state hand-over among the first entries of l (entry 0
 * is prev_log, then its batch's state root, then the hand-over when it
 * was appended on its own); *index 0 when there is none. LIEN_OK, or the
 * read failure (printed). */
static enum lien_status LIEN_MUST_CHECK
handover_find(const char *verb, struct ledger *l, uint64_t *index,
    uint8_t *payload, size_t cap, size_t *len)
{
	struct ledger_view *v = NULL;
	const uint8_t *e;
	size_t elen;
	struct entry ent;
	enum lien_status s;
	uint64_t n;

	*index = 0;
	*len = 0;
	if ((s = ledger_view_open(l, &v)) != LIEN_OK) {
		cli_fail(verb, "cannot read the store: %s",
		    lien_status_message(s));
		return s;
	}
	n = ledger_view_size(v);
	for (uint64_t i = 1; i < n && i < 8; i++) {
		if ((s = ledger_view_entry(v, i, &e, &elen)) != LIEN_OK ||
		    (s = entry_decode(e, elen, &ent)) != LIEN_OK) {
			cli_fail(verb, "cannot read entry %" PRIu64 ": %s", i,
			    lien_status_message(s));
			ledger_view_close(v);
			return s;
		}
		if (ent.type == REG_T_STATE_HANDOVER && ent.payload_len <= cap) {
			memcpy(payload, ent.payload, ent.payload_len);
			*len = ent.payload_len;
			*index = i;
			break;
		}
	}
	ledger_view_close(v);
	return LIEN_OK;
}

int
cli_genesis(int argc, char **argv)
{
	static const char verb[] = "genesis";
	struct cli_opt opts[] = { { "prev-final", NULL },
		{ "prev-vkey", NULL }, { "key", NULL }, { "prev-data", NULL },
		{ "no-state", NULL } };
	struct note_signer *signer = NULL;
	struct note_verifier pv;
	struct checkpoint prev;
	struct ledger *l = NULL, *old = NULL;
	struct ledger_view *oldv = NULL;
	struct ledger_receipt r, rr[2];
	struct ledger_item items[2];
	struct reg_handover h;
	const char *pos[1], *origin;
	uint8_t *note = NULL, hp[1024];
	size_t npos, note_len = 0, hp_len = 0;
	uint64_t hidx = 0;
	char leaf_b64[B64_ENCODED_LEN(HASH_LEN) + 1];
	char root_b64[B64_ENCODED_LEN(HASH_LEN) + 1];
	enum lien_status s;
	int rc, state;

	rc = cli_args_parse(verb, argc, argv, opts, 5, pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_genesis, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (npos != 1 || opts[0].value == NULL || opts[1].value == NULL) {
		cli_fail(verb, "need --prev-final FILE, --prev-vkey VKEY and the "
		    "new store directory (see --help)");
		return CLI_EXIT_USAGE;
	}
	/* The registration state carries over unless the operator says
	 * otherwise, in so many words (docs/key-rotation.md). */
	if ((opts[3].value == NULL) == (opts[4].value == NULL) ||
	    (opts[4].value != NULL && strcmp(opts[4].value, "yes") != 0)) {
		cli_fail(verb, "need --prev-data OLD_DIR (the frozen store, whose "
		    "registration state the new log inherits) or --no-state "
		    "yes (start with no parties, vehicles or liens)");
		return CLI_EXIT_USAGE;
	}
	state = opts[3].value != NULL;
	/* The old log's final checkpoint, verified before anything is
	 * written: a new log must never chain to a checkpoint nobody
	 * signed. It must fit one entry's payload. */
	rc = cli_load_vkey(verb, opts[1].value, &pv);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_read_file(verb, opts[0].value, ENTRY_PAYLOAD_MAX, &note,
	    &note_len);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_open_checkpoint(verb, opts[0].value, note, note_len, &pv,
	    &prev);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = load_signer(verb, pos[0], opts[2].value, &signer);
	if (rc != CLI_EXIT_OK)
		goto out;
	origin = note_signer_name(signer);
	/* Rotation means a new origin: a checkpoint names only its origin,
	 * so two logs with one origin could not be told apart. */
	if (strlen(origin) == prev.origin_len &&
	    memcmp(origin, prev.origin, prev.origin_len) == 0) {
		cli_fail(verb, "the new log's origin '%s' is the old log's: a "
		    "rotated log needs a new origin (lienlog keygen --name)",
		    origin);
		rc = CLI_EXIT_INPUT;
		goto out;
	}
	if (state && (rc = open_prev(verb, opts[3].value, &prev, &old)) !=
	    CLI_EXIT_OK)
		goto out;
	rc = open_rw(verb, pos[0], signer, &l);
	if (rc != CLI_EXIT_OK)
		goto out;
	memset(&h, 0, sizeof(h));
	h.prev_origin = prev.origin;
	h.prev_origin_len = prev.origin_len;
	h.prev_size = prev.size;
	memcpy(h.prev_root, prev.root, HASH_LEN);
	memset(items, 0, sizeof(items));
	items[0].type = ENTRY_TYPE_PREV_LOG;
	items[0].payload = note;
	items[0].len = note_len;
	items[1].type = REG_T_STATE_HANDOVER;
	items[1].build = registry_handover_build;
	items[1].arg = &h;
	if (state && (s = ledger_view_open(old, &oldv)) != LIEN_OK) {
		cli_fail(verb, "--prev-data %s: %s", opts[3].value,
		    lien_status_message(s));
		rc = cli_exit_for(s);
		goto out;
	}
	h.prev = oldv;
	if (ledger_size(l) != 0) {
		int same;

		if (genesis_present(verb, l, note, note_len, r.leaf_hash,
		    &same) != LIEN_OK) {
			rc = CLI_EXIT_IO;
			goto out;
		}
		if (!same) {
			cli_fail(verb, "%s already holds %" PRIu64 " entries and "
			    "entry 0 is not this checkpoint: the previous log "
			    "must be entry 0 of a new store", pos[0],
			    ledger_size(l));
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		if (handover_find(verb, l, &hidx, hp, sizeof hp, &hp_len) !=
		    LIEN_OK) {
			rc = CLI_EXIT_IO;
			goto out;
		}
		if (state && hp_len == 0) {
			/* entry 0 alone (a genesis --no-state, or an older
			 * one): the state follows now, if nothing was
			 * registered meanwhile */
			s = ledger_append_item(l, &items[1], &rr[1]);
			if (s != LIEN_OK) {
				cli_fail(verb, "%s: cannot hand the state over: %s",
				    pos[0], h.refusal != NULL ? "the new log has "
				    "registration entries already" :
				    lien_status_message(s));
				rc = h.refusal != NULL ? CLI_EXIT_INPUT :
				    cli_exit_for(s);
				goto out;
			}
			hidx = rr[1].index;
		}
	} else {
		/* Entry 0 and the hand-over in one transaction: a new log
		 * exists with its predecessor's state or not at all. */
		s = ledger_append_many(l, items, state ? 2 : 1, rr);
		if (s == LIEN_OK && state && rr[1].status != LIEN_OK)
			s = rr[1].status;
		if (s != LIEN_OK) {
			cli_fail(verb, "%s: cannot append entry 0%s: %s", pos[0],
			    state ? " and the state hand-over" : "",
			    lien_status_message(s));
			rc = cli_exit_for(s);
			goto out;
		}
		r = rr[0];
		hidx = state ? rr[1].index : 0;
		if (r.index != 0) {	/* the writer lock makes this impossible */
			cli_fail(verb, "%s: appended at %" PRIu64 ", not 0",
			    pos[0], r.index);
			rc = CLI_EXIT_INTERNAL;
			goto out;
		}
	}
	if (hidx != 0 && hp_len == 0 &&
	    handover_find(verb, l, &hidx, hp, sizeof hp, &hp_len) != LIEN_OK) {
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (b64_encode(r.leaf_hash, HASH_LEN, leaf_b64, sizeof leaf_b64) !=
	    LIEN_OK || b64_encode(prev.root, HASH_LEN, root_b64,
	    sizeof root_b64) != LIEN_OK) {
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	printf("index 0\nleaf_hash %s\norigin %s\nprev_origin %.*s\n"
	    "prev_size %" PRIu64 "\nprev_root %s\n", leaf_b64, origin,
	    (int)prev.origin_len, prev.origin, prev.size, root_b64);
	if (hp_len > 0)
		printf("handover_index %" PRIu64 "\nhandover %.*s\n", hidx,
		    (int)hp_len, (const char *)hp);
	if (state) {
		int k = 0, c = 0;

		if (file_carry(verb, opts[3].value, pos[0], "master.key",
		    &k) != LIEN_OK || file_carry(verb, opts[3].value, pos[0],
		    "master.check", &c) != LIEN_OK) {
			rc = CLI_EXIT_IO;
			goto out;
		}
		if (k > 0)
			printf("master_key copied\n");
		if (c > 0)
			printf("master_check copied\n");
	}
	rc = CLI_EXIT_OK;
out:
	ledger_view_close(oldv);
	ledger_close(old);
	ledger_close(l);
	note_signer_free(signer);
	free(note);
	return rc;
}
