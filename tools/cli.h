/*
 * Shared pieces of the `lienlog` command-line tool: exit codes, the one
 * error-line printer, a strict option parser, capped file reading, and the
 * loaders for the auditor's inputs (verifier keys, signed checkpoints,
 * proof JSON). Verbs live in cli_keys.c, cli_verify.c and cli_audit.c;
 * lienlog.c only dispatches.
 *
 * Every failure is reported as exactly one line on stderr,
 * "lienlog: <verb>: <reason>", and a documented exit code (docs/cli.md).
 * Exit codes are part of the interface: append-only, never renumbered.
 *
 * Two kinds of helper (docs/architecture.md "Return conventions"): one
 * that reports its failure itself, in that one line, returns the exit
 * code the verb then returns as is (a CLI_EXIT_* value, CLI_HELP); every
 * other fallible helper prints nothing and returns enum lien_status.
 */
#ifndef LIEN_TOOLS_CLI_H
#define LIEN_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/dec.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"

enum cli_exit {
	CLI_EXIT_OK = 0,	/* everything verified */
	CLI_EXIT_VERIFY = 1,	/* well-formed input that does not verify */
	CLI_EXIT_USAGE = 2,	/* bad command line */
	CLI_EXIT_INPUT = 3,	/* input file malformed, oversize or empty */
	CLI_EXIT_IO = 4,	/* cannot open/read/write a file or the store */
	CLI_EXIT_INTERNAL = 5,	/* out of memory, crypto library failure */
	CLI_EXIT_NETWORK = 6,	/* the server: no answer (not running,
				 * refused, DNS, TLS, timeout) or an HTTP
				 * error (5xx, unexpected status) where an
				 * answer was needed: retry later */
};

/* Returned by cli_args_parse when --help was given: print usage, exit 0. */
#define CLI_HELP (-1)

/* Print "lienlog: <verb>: <reason>\n" on stderr. The formatted reason is
 * made safe for a terminal first: control and non-ASCII bytes (which may
 * come from attacker-controlled files) become '?', so the report is always
 * exactly one line. */
void cli_fail(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Map a status from the libraries to an exit code. */
int cli_exit_for(enum lien_status s);

/* The exit code of a failed fetch from a server (client/fetch.h): no
 * answer (LIEN_ENET) or an unexpected HTTP status (LIEN_EIO, LIEN_ENOTFOUND)
 * is CLI_EXIT_NETWORK; the rest as cli_exit_for. */
int cli_exit_net(enum lien_status s);

struct client;

/* GET url (client/fetch.h) into *out (malloc'd, NUL after the data;
 * caller frees; NULL on failure) of at most cap bytes. On failure why
 * (cap why_cap) says what went wrong for a person: "no answer from URL:
 * <reason> (is the server running, and is the URL right?)" or "URL
 * answered HTTP <n>"; map the status with cli_exit_net. */
enum lien_status cli_fetch(struct client *cl, const char *url, size_t cap,
    uint8_t **out, size_t *out_len, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* ---- Progress on long work (docs/cli.md "Progress") ---------------------- */

/* On a terminal, a line on stderr redrawn in place (\r) a few times a
 * second; otherwise (a log file, a pipe, a service) one full line every
 * LIENLOG_PROGRESS seconds (default 10; 0: at every update; "off": none):
 * "lienlog: <verb>: progress: D/T <unit> (P%), R <unit>/s, ETA HhMMmSSs".
 * Nothing is printed for work that ends before the first interval. */
struct cli_progress {
	const char *verb, *unit;
	int tty, off;
	uint64_t total, done, bytes;
	uint64_t start_ns, last_ns, interval_ns;
	int drawn;		/* a \r line is on the terminal */
};

void cli_progress_start(struct cli_progress *p, const char *verb,
    const char *unit, uint64_t total);
/* done (of total) units so far, bytes (0: not shown) hashed so far. */
void cli_progress_update(struct cli_progress *p, uint64_t done,
    uint64_t bytes);
/* Ends a \r line so the next output starts on its own line. */
void cli_progress_end(struct cli_progress *p);

/* ---- Options ------------------------------------------------------------ */

struct cli_opt {
	const char *name;	/* without the leading "--" */
	const char *value;	/* out: NULL when absent */
};

/* Parse argv[0..argc) (after the verb words) into opts (each "--name
 * VALUE", at most once, also "--name=VALUE") and positional arguments
 * (*out_npos of them, at most npos_max, stored in pos). "--" ends options.
 * Returns CLI_EXIT_OK, CLI_HELP, or CLI_EXIT_USAGE after printing the
 * reason. */
int cli_args_parse(const char *verb, int argc, char **argv,
    struct cli_opt *opts, size_t nopts, const char **pos, size_t npos_max,
    size_t *out_npos);

/* ---- Files -------------------------------------------------------------- */

/* Read the whole file at path, refusing more than cap bytes and empty
 * files. *out is malloc'd (one extra NUL byte after the data, not counted
 * in *out_len); caller frees. On failure prints the reason under verb and
 * returns the exit code (CLI_EXIT_IO / CLI_EXIT_INPUT / CLI_EXIT_INTERNAL);
 * *out is then NULL. */
int cli_read_file(const char *verb, const char *path, size_t cap,
    uint8_t **out, size_t *out_len);

/* Load a verifier key file ("<name>+<hex>+<base64>\n"). Prints on failure;
 * returns an exit code. */
int cli_load_vkey(const char *verb, const char *path,
    struct note_verifier *out);

/* Verify a signed checkpoint note held in msg (len bytes) against v; what
 * names the input in messages. out borrows msg. Prints on failure; returns
 * an exit code. */
int cli_open_checkpoint(const char *verb, const char *what,
    const uint8_t *msg, size_t len, const struct note_verifier *v,
    struct checkpoint *out);

/* ---- Proof JSON (the API shapes, docs/cli.md) --------------------------- */

struct cli_inclusion {
	uint64_t index;
	uint64_t tree_size;
	uint8_t leaf_hash[HASH_LEN];
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t nproof;
	/* Receipt form only: the embedded signed checkpoint note, malloc'd
	 * copy (NUL-terminated), NULL otherwise. Free with cli_inclusion_clear. */
	char *checkpoint;
	size_t checkpoint_len;
};

struct cli_consistency {
	uint64_t old_size;
	uint64_t tree_size;
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t nproof;
};

/* Parse {"index":I,"tree_size":N,"leaf_hash":"<b64>","proof":["<b64>",...]}
 * with an optional "checkpoint":"<note>" (a receipt). Strict: duplicate or
 * unknown keys, missing keys, non-integer or negative numbers, base64 that
 * is not the canonical encoding of exactly 32 bytes, or more than
 * MERKLE_PROOF_MAX elements are errors. what names the input in the
 * message. Prints on failure; returns an exit code. */
int cli_inclusion_parse(const char *verb, const char *what,
    const uint8_t *buf, size_t len, struct cli_inclusion *out);
void cli_inclusion_clear(struct cli_inclusion *p);

/* Parse {"old_size":M,"tree_size":N,"proof":[...]} with the same rules. */
int cli_consistency_parse(const char *verb, const char *what,
    const uint8_t *buf, size_t len, struct cli_consistency *out);

/* Create path for writing with O_CREAT|O_EXCL|O_CLOEXEC (never
 * overwrites, never follows a symlink planted at path). Prints on
 * failure; returns CLI_EXIT_OK with *out_fd open, or CLI_EXIT_IO. */
int cli_create_excl(const char *verb, const char *path, unsigned mode,
    int *out_fd);

/* Write a key pair: PREFIX.key (mode 0600) holding secret and PREFIX +
 * pub_ext (0644) holding pub, both created exclusively (never overwrite,
 * never follow a symlink), each followed by '\n' when nl, fsync'd and
 * closed. On any failure both files are removed and the reason reported
 * with cli_fail. Returns a CLI_EXIT_* code. */
int cli_keypair_write(const char *verb, const char *prefix,
    const char *pub_ext, const char *secret, size_t secret_len,
    const char *pub, size_t pub_len, int nl);

/* Generate a named signed-note key with gen (note_key_generate for a log
 * key, cosig_key_generate for a witness key), write PREFIX and
 * PREFIX.vkey with cli_keypair_write and print the verifier key. The name
 * is checked first (note_name_check: usage error). Returns an exit code. */
int cli_keygen_named(const char *verb, const char *name, const char *prefix,
    enum lien_status (*gen)(const char *name, size_t name_len, char **skey,
    char **vkey));

/* ---- Party keys (cli_pki.c) --------------------------------------------- */

struct pkey;

/* Load a private request-signing key: a PEM PKCS#8 "PRIVATE KEY" file of
 * at most PKEY_TEXT_MAX bytes (Ed25519, P-256 or SM2, as `lienlog keygen
 * --type` writes). sm2_id (NULL: the GM/T 0009 default) sets the SM2
 * distinguishing ID and is a usage error for other key types. The file
 * text is wiped after parsing. *out: caller frees with pkey_free. Prints
 * on failure; returns an exit code. */
int cli_load_signing_key(const char *verb, const char *path,
    const char *sm2_id, struct pkey **out);

/* `keygen --type TYPE --out PREFIX`, after cli_keygen parsed the options.
 * verb names the verb in messages. */
int cli_keygen_typed(const char *verb, const char *type, const char *prefix);

/* ---- Verbs (argv starts after the verb word) ---------------------------- */

int cli_keygen(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_csr(int argc, char **argv);		/* cli_pki.c */
int cli_cert_fingerprint(int argc, char **argv);	/* cli_pki.c */
int cli_sign_request(int argc, char **argv);	/* cli_request.c */
int cli_submit(int argc, char **argv);		/* cli_request.c */
int cli_witness(int argc, char **argv);		/* cli_witness.c */
int cli_sync(int argc, char **argv);		/* cli_sync.c */
int cli_monitor(int argc, char **argv);		/* cli_monitor.c */
int cli_proof(int argc, char **argv);		/* cli_proof.c */
/* `lienlog verify proof` (C2SP tlog-proof), in cli_proof.c. */
int cli_verify_proof(int argc, char **argv);
int cli_freeze(int argc, char **argv);		/* cli_rotate.c */
int cli_genesis(int argc, char **argv);		/* cli_rotate.c */
int cli_load(int argc, char **argv);		/* cli_load.c */
int cli_file_institutions(int argc, char **argv);	/* cli_file.c */
int cli_voucher(int argc, char **argv);		/* cli_counter.c */
int cli_counter(int argc, char **argv);		/* cli_counter.c */
/* `lienlog verify status` and `lienlog status` (cli_status.c). */
int cli_verify_status(int argc, char **argv);
int cli_status(int argc, char **argv);
/* `lienlog demo mortgage|release|token face` (cli_demo.c). */
int cli_demo(int argc, char **argv);

/* ---- Verifying clients: sync, monitor, proof (docs/sync.md) ------------- */

/* Exit codes of sync and monitor for evidence of misbehaviour (append-only,
 * distinct from the codes above). */
enum cli_exit_tlog {
	CLI_EXIT_FORK = 10,	/* two signed trees inconsistent: fork/split view */
	CLI_EXIT_ROLLBACK = 11,	/* checkpoint smaller than one trusted */
	CLI_EXIT_BADSIG = 12,	/* checkpoint signature or witness quorum fails */
	CLI_EXIT_MISMATCH = 13,	/* tiles/entries do not match the signed tree */
	CLI_EXIT_HALTED = 14,	/* an earlier run stopped on evidence */
	CLI_EXIT_STATE = 15,	/* a state root the entries do not give (sync) */
};

struct tlog_policy;

/* Remove every "--name VALUE" / "--name=VALUE" from argv[0..*argc) (in
 * place, before "--"), storing the values in vals (at most max). Prints
 * and returns CLI_EXIT_USAGE on overflow or a missing value. */
int cli_multi_take(const char *verb, int *argc, char **argv,
    const char *name, const char **vals, size_t max, size_t *out_n);

/* Build a policy from the log key file, witness key files (type 0x04,
 * distinct) and the quorum text (NULL: all witnesses when there are any).
 * wbuf holds at least nwit verifiers and must outlive the policy. */
int cli_policy_load(const char *verb, const char *vkey_path,
    const char *const *wit_paths, size_t nwit, const char *quorum,
    struct note_verifier *wbuf, struct tlog_policy *out);

/* Create a new STATE/evidence/<unix ms>-<fault>/ (0700; -2, -3, ... after
 * the name when one finding of that fault already has it: a folder is
 * never shared) and put its path in out. LIEN_OK; LIEN_ETOOBIG (cap is
 * too small), LIEN_EIO (errno says why), LIEN_EEXIST (1000 taken). */
enum lien_status cli_evidence_dir(const char *state_dir, const char *fault,
    char *out, size_t cap) LIEN_MUST_CHECK;

/* Write dir/name (0600) and fsync it. LIEN_OK; LIEN_ETOOBIG (the path
 * does not fit PATH_MAX_LEN), LIEN_EIO (errno says why). */
enum lien_status cli_write_file(const char *dir, const char *name,
    const void *p, size_t len) LIEN_MUST_CHECK;

/* {"old_size":M,"tree_size":N,"proof":[...]} (what `verify consistency`
 * reads) into *out (malloc'd, caller frees). LIEN_OK or LIEN_ENOMEM. */
enum lien_status cli_consistency_json(uint64_t m, uint64_t n,
    const uint8_t (*proof)[HASH_LEN], size_t nproof, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

#endif
