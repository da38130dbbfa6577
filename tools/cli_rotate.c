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
 * tree of which log it continues. Running genesis again on a store whose
 * entry 0 is that same checkpoint is a no-op; any other non-empty store
 * is refused.
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
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"

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
    "usage: lienlog genesis --prev-final FILE --prev-vkey VKEY DIR"
    " [--key KEY]\n"
    "\n"
    "Start a new log in DIR (a new origin) as the successor of a frozen\n"
    "one: verify FILE (the old log's final checkpoint) with VKEY (the old\n"
    "log's verifier key) and append it, byte for byte, as entry 0 (type\n"
    "2, prev_log). DIR must be empty or already hold exactly that entry 0\n"
    "(then nothing is done). Prints index, leaf hash, and the old log's\n"
    "origin, size and root.\n"
    "\n"
    "  --key KEY   the new log's private key (default DIR/log.key)\n"
    "\n"
    "exit codes: 0 ok, 1 FILE does not verify, 2 usage, 3 bad input (a\n"
    "            key, FILE, same origin, DIR not empty), 4 I/O (incl. the\n"
    "            log is running), 5 internal\n";

/* dir + "/" + name into out (ROTATE_PATH_MAX). 0 or -1. */
static int
path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, ROTATE_PATH_MAX, "%s/%s", dir, name);

	return n > 0 && (size_t)n < ROTATE_PATH_MAX ? 0 : -1;
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
		if (path_join(def, dir, "log.key") != 0) {
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

	if (path_join(path, dir, name) != 0 ||
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
	ok = cli_write_all(fd, p, len) == 0 && fsync(fd) == 0;
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

/* Entry 0 of a non-empty store: is it exactly this genesis? 1 yes (and
 * leaf = its leaf hash), 0 no, -1 on a read failure (printed). */
static int
genesis_present(const char *verb, struct ledger *l, const uint8_t *note,
    size_t len, uint8_t leaf[HASH_LEN])
{
	struct ledger_view *v = NULL;
	const uint8_t *e;
	size_t elen;
	struct entry ent;
	enum lien_status s;
	int same;

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
		return -1;
	}
	same = ent.type == ENTRY_TYPE_PREV_LOG && ent.payload_len == len &&
	    memcmp(ent.payload, note, len) == 0;
	ledger_view_close(v);
	return same;
}

int
cli_genesis(int argc, char **argv)
{
	static const char verb[] = "genesis";
	struct cli_opt opts[] = { { "prev-final", NULL },
		{ "prev-vkey", NULL }, { "key", NULL } };
	struct note_signer *signer = NULL;
	struct note_verifier pv;
	struct checkpoint prev;
	struct ledger *l = NULL;
	struct ledger_receipt r;
	const char *pos[1], *origin;
	uint8_t *note = NULL;
	size_t npos, note_len = 0;
	char leaf_b64[B64_ENCODED_LEN(HASH_LEN) + 1];
	char root_b64[B64_ENCODED_LEN(HASH_LEN) + 1];
	enum lien_status s;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, 3, pos, 1, &npos);
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
	rc = open_rw(verb, pos[0], signer, &l);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (ledger_size(l) != 0) {
		int same = genesis_present(verb, l, note, note_len,
		    r.leaf_hash);

		if (same < 0) {
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
	} else {
		s = ledger_append(l, ENTRY_TYPE_PREV_LOG, note, note_len, &r);
		if (s != LIEN_OK) {
			cli_fail(verb, "%s: cannot append entry 0: %s", pos[0],
			    lien_status_message(s));
			rc = cli_exit_for(s);
			goto out;
		}
		if (r.index != 0) {	/* the writer lock makes this impossible */
			cli_fail(verb, "%s: appended at %" PRIu64 ", not 0",
			    pos[0], r.index);
			rc = CLI_EXIT_INTERNAL;
			goto out;
		}
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
	rc = CLI_EXIT_OK;
out:
	ledger_close(l);
	note_signer_free(signer);
	free(note);
	return rc;
}
