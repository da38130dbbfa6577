/*
 * Plumbing shared by the lienlog verbs: the single error-line printer, a
 * small strict option parser, capped whole-file reads, and the loaders
 * that turn an auditor's files into verified objects.
 *
 * Design: every input is read whole into a buffer capped by a named limit
 * (common/lien_limits.h) before any parsing, then parsed exactly: the same
 * rules the server applies to untrusted bytes apply to files an auditor was
 * handed, because those files come from the party being audited. Proof JSON
 * goes through jansson with duplicate keys rejected, and then through an
 * exact key-set, type and canonical-base64 check of our own, so each proof
 * has one accepted spelling (apart from JSON whitespace, which jansson
 * accepts and we do too).
 *
 * Not here: any verification logic (cli_verify.c) or terminal output other
 * than the one error line.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
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

void
cli_fail(const char *verb, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	/* Reasons can quote file names, key names and jansson's error text,
	 * which may carry bytes from the file under audit: keep the line a
	 * single line of printable ASCII. */
	for (char *c = msg; *c != '\0'; c++) {
		unsigned char u = (unsigned char)*c;

		if (u < 0x20 || u >= 0x7f)
			*c = '?';
	}
	fprintf(stderr, "lienlog: %s: %s\n", verb, msg);
}

int
cli_exit_for(enum lien_status s)
{
	switch (s) {
	case LIEN_OK:
		return CLI_EXIT_OK;
	case LIEN_EVERIFY:
	case LIEN_ECORRUPT:
	case LIEN_ERANGE:
		return CLI_EXIT_VERIFY;
	case LIEN_EPARSE:
	case LIEN_ETOOBIG:
	case LIEN_EUNSUPPORTED:
	case LIEN_EKEY:
		return CLI_EXIT_INPUT;
	case LIEN_ENET:
		return CLI_EXIT_NETWORK;
	case LIEN_EIO:
	case LIEN_ENOTFOUND:
	case LIEN_EEXIST:
	case LIEN_EFULL:
		return CLI_EXIT_IO;
	default:
		return CLI_EXIT_INTERNAL;
	}
}

int
cli_exit_net(enum lien_status s)
{
	switch (s) {
	case LIEN_ENET:
	case LIEN_EIO:
	case LIEN_ENOTFOUND:
		return CLI_EXIT_NETWORK;
	case LIEN_ENOMEM:
	case LIEN_EINVAL:
		return CLI_EXIT_INTERNAL;
	default:
		return cli_exit_for(s);
	}
}

enum lien_status
cli_fetch(struct client *cl, const char *url, size_t cap, uint8_t **out,
    size_t *out_len, char *why, size_t why_cap)
{
	struct client_request rq = { "GET", url, NULL, NULL, 0, cap, 0 };
	struct client_reply r;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	why_set(why, why_cap, "%s", "");
	st = client_request(cl, &rq, &r);
	if (st == LIEN_OK) {
		*out = r.body;
		*out_len = r.len;
		r.body = NULL;
	} else if (st == LIEN_ENET) {
		why_set(why, why_cap, "no answer from %s: %s (is the server "
		    "running, and is the URL right?)", url, r.error[0] != '\0' ?
		    r.error : "no connection");
	} else if (st == LIEN_ETOOBIG) {
		why_set(why, why_cap, "%s: the answer exceeds %zu bytes", url,
		    cap);
	} else if (r.http != 0) {
		why_set(why, why_cap, "%s answered HTTP %ld", url, r.http);
	} else {
		why_set(why, why_cap, "%s: %s", url, lien_status_message(st));
	}
	client_reply_clear(&r);
	return st;
}

/* ---- Progress -------------------------------------------------------------- */

static uint64_t
progress_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
cli_progress_start(struct cli_progress *p, const char *verb,
    const char *unit, uint64_t total)
{
	const char *env = getenv("LIENLOG_PROGRESS");

	memset(p, 0, sizeof(*p));
	p->verb = verb;
	p->unit = unit;
	p->total = total;
	p->tty = isatty(STDERR_FILENO);
	p->start_ns = p->last_ns = progress_now_ns();
	p->interval_ns = p->tty ? 200000000ull : 10000000000ull;
	if (env != NULL && strcmp(env, "off") == 0) {
		p->off = 1;
	} else if (env != NULL && env[0] != '\0') {
		uint64_t v = 0;
		size_t i;

		for (i = 0; env[i] >= '0' && env[i] <= '9' && i < 6; i++)
			v = v * 10 + (uint64_t)(env[i] - '0');
		if (env[i] == '\0')
			p->interval_ns = v * 1000000000ull;
	}
}

static void
progress_eta(char *out, size_t cap, double secs)
{
	uint64_t t;

	if (!(secs >= 0) || secs > 1e9) {
		(void)snprintf(out, cap, "unknown");
		return;
	}
	t = (uint64_t)(secs + 0.5);
	if (t >= 3600)
		(void)snprintf(out, cap, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64
		    "s", t / 3600, t / 60 % 60, t % 60);
	else if (t >= 60)
		(void)snprintf(out, cap, "%" PRIu64 "m%02" PRIu64 "s", t / 60,
		    t % 60);
	else
		(void)snprintf(out, cap, "%" PRIu64 "s", t);
}

void
cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t bytes)
{
	uint64_t t;
	double secs, rate, pct;
	char eta[32], mb[48];

	p->done = done;
	p->bytes = bytes;
	if (p->off)
		return;
	t = progress_now_ns();
	if (t - p->last_ns < p->interval_ns)
		return;
	p->last_ns = t;
	secs = (double)(t - p->start_ns) / 1e9;
	rate = secs > 0 ? (double)done / secs : 0.0;
	pct = p->total ? 100.0 * (double)done / (double)p->total : 100.0;
	if (rate > 0 && done <= p->total)
		progress_eta(eta, sizeof eta, (double)(p->total - done) / rate);
	else
		(void)snprintf(eta, sizeof eta, "unknown");
	mb[0] = '\0';
	if (bytes != 0)
		(void)snprintf(mb, sizeof mb, ", %.1f MB (%.1f MB/s)",
		    (double)bytes / 1e6, secs > 0 ? (double)bytes / 1e6 / secs :
		    0.0);
	if (p->tty) {
		fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " %s (%.1f%%)%s, "
		    "%.0f %s/s, ETA %s   ", p->verb, done, p->total, p->unit,
		    pct, mb, rate, p->unit, eta);
		p->drawn = 1;
	} else {
		fprintf(stderr, "lienlog: %s: progress: %" PRIu64 "/%" PRIu64
		    " %s (%.1f%%)%s, %.0f %s/s, ETA %s\n", p->verb, done,
		    p->total, p->unit, pct, mb, rate, p->unit, eta);
	}
	fflush(stderr);
}

void
cli_progress_end(struct cli_progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
}

/* ---- Options ------------------------------------------------------------ */

int
cli_args_parse(const char *verb, int argc, char **argv,
    struct cli_opt *opts, size_t nopts, const char **pos, size_t npos_max,
    size_t *out_npos)
{
	size_t npos = 0;
	int only_pos = 0;

	*out_npos = 0;
	for (size_t k = 0; k < nopts; k++)
		opts[k].value = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && (strcmp(a, "--help") == 0 ||
		    strcmp(a, "-h") == 0))
			return CLI_HELP;
		if (!only_pos && a[0] == '-' && a[1] != '\0') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
			struct cli_opt *o = NULL;

			if (a[1] != '-') {
				cli_fail(verb, "unknown option %s (see --help)", a);
				return CLI_EXIT_USAGE;
			}
			for (size_t k = 0; k < nopts; k++) {
				if (strlen(opts[k].name) == name_len &&
				    memcmp(opts[k].name, name, name_len) == 0)
					o = &opts[k];
			}
			if (o == NULL) {
				cli_fail(verb, "unknown option --%.*s (see --help)",
				    (int)(name_len > 64 ? 64 : name_len), name);
				return CLI_EXIT_USAGE;
			}
			if (o->value != NULL) {
				cli_fail(verb, "option --%s given twice", o->name);
				return CLI_EXIT_USAGE;
			}
			if (eq != NULL) {
				o->value = eq + 1;
			} else {
				if (i + 1 >= argc) {
					cli_fail(verb, "option --%s needs a value",
					    o->name);
					return CLI_EXIT_USAGE;
				}
				o->value = argv[++i];
			}
			if (o->value[0] == '\0') {
				cli_fail(verb, "option --%s has an empty value",
				    o->name);
				return CLI_EXIT_USAGE;
			}
			continue;
		}
		if (npos >= npos_max) {
			cli_fail(verb, "unexpected argument '%s' (see --help)", a);
			return CLI_EXIT_USAGE;
		}
		pos[npos++] = a;
	}
	*out_npos = npos;
	return CLI_EXIT_OK;
}

/* ---- Files -------------------------------------------------------------- */

int
cli_read_file(const char *verb, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	char *buf = NULL;
	size_t total = 0;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	st = file_read(path, cap, &buf, &total);
	if (st == LIEN_EIO && errno == EISDIR) {
		cli_fail(verb, "%s: is a directory", path);
		return CLI_EXIT_INPUT;
	}
	if (st == LIEN_ETOOBIG) {
		cli_fail(verb, "%s: larger than the %zu-byte limit", path, cap);
		return CLI_EXIT_INPUT;
	}
	if (st == LIEN_ENOMEM) {
		cli_fail(verb, "%s: out of memory", path);
		return CLI_EXIT_INTERNAL;
	}
	if (st != LIEN_OK) {
		cli_fail(verb, "%s: %s", path, strerror(errno));
		return CLI_EXIT_IO;
	}
	if (total == 0) {
		free(buf);
		cli_fail(verb, "%s: empty file", path);
		return CLI_EXIT_INPUT;
	}
	*out = (uint8_t *)buf;
	*out_len = total;
	return CLI_EXIT_OK;
}

int
cli_load_vkey(const char *verb, const char *path, struct note_verifier *out)
{
	uint8_t *buf;
	size_t len;
	enum lien_status s;
	int rc;

	memset(out, 0, sizeof *out);
	rc = cli_read_file(verb, path, VKEY_FILE_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	s = note_verifier_parse((const char *)buf, len, out);
	free(buf);
	switch (s) {
	case LIEN_OK:
		break;
	case LIEN_EVERIFY:
		cli_fail(verb, "%s: key id does not match the key", path);
		return CLI_EXIT_INPUT;
	case LIEN_EUNSUPPORTED:
		cli_fail(verb, "%s: unsupported key type", path);
		return CLI_EXIT_INPUT;
	default:
		cli_fail(verb, "%s: not a verifier key "
		    "(want <name>+<hex key id>+<base64 key>)", path);
		return cli_exit_for(s) == CLI_EXIT_INTERNAL ?
		    CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
	}
	/* Checkpoints are signed with a log key (signed-note type 0x01); a
	 * tlog-cosignature key (0x04) can never verify one, and saying so
	 * beats a confusing "no valid signature". */
	if (out->type != NOTE_KEY_ED25519) {
		cli_fail(verb, "%s: not an Ed25519 log key (key type 0x%02x)",
		    path, out->type);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

int
cli_open_checkpoint(const char *verb, const char *what, const uint8_t *msg,
    size_t len, const struct note_verifier *v, struct checkpoint *out)
{
	struct note_parsed np;
	enum lien_status s;

	/* checkpoint_open() answers one verdict for three different faults;
	 * an auditor deserves to know which: a malformed note, a body that
	 * is not a checkpoint, a different log, or a bad/missing signature. */
	s = note_parse(msg, len, &np);
	if (s == LIEN_ETOOBIG) {
		cli_fail(verb, "%s: signed note exceeds the %u-byte limit", what,
		    NOTE_MAX);
		return CLI_EXIT_INPUT;
	}
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: malformed signed note (%s)", what,
		    lien_status_message(s));
		return cli_exit_for(s) == CLI_EXIT_INTERNAL ?
		    CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
	}
	s = checkpoint_parse(np.text, np.text_len, out);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: malformed checkpoint body (%s)", what,
		    lien_status_message(s));
		return CLI_EXIT_INPUT;
	}
	if (out->origin_len != v->name_len ||
	    memcmp(out->origin, v->name, v->name_len) != 0) {
		cli_fail(verb, "%s: checkpoint origin '%.*s' is not the key "
		    "name '%s'", what,
		    (int)(out->origin_len > 80 ? 80 : out->origin_len),
		    out->origin, v->name);
		return CLI_EXIT_VERIFY;
	}
	s = checkpoint_open(msg, len, v, out);
	if (s == LIEN_EVERIFY) {
		cli_fail(verb, "%s: no valid signature by key %s+%08x", what,
		    v->name, (unsigned)v->key_id);
		return CLI_EXIT_VERIFY;
	}
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: %s", what, lien_status_message(s));
		return cli_exit_for(s);
	}
	return CLI_EXIT_OK;
}

/* ---- Proof JSON --------------------------------------------------------- */

static int
json_load_object(const char *verb, const char *what, const uint8_t *buf,
    size_t len, json_t **out)
{
	json_error_t err;
	json_t *j;

	/* JSON_REJECT_DUPLICATES: {"index":1,"index":2} is two answers to
	 * one question; without the flag jansson keeps the last silently.
	 * Without JSON_DECODE_ANY the top level must be an object or array;
	 * without JSON_DISABLE_EOF_CHECK trailing non-whitespace is an error;
	 * without JSON_ALLOW_NUL "\u0000" is rejected. */
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		cli_fail(verb, "%s: invalid JSON at line %d column %d: %s", what,
		    err.line, err.column, err.text);
		return CLI_EXIT_INPUT;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		cli_fail(verb, "%s: JSON top level must be an object", what);
		return CLI_EXIT_INPUT;
	}
	*out = j;
	return CLI_EXIT_OK;
}

/* Exactly the keys in required[] plus any of optional[]: an unexpected key
 * means the file is not what the user thinks it is. */
static int
json_check_keys(const char *verb, const char *what, json_t *obj,
    const char *const *required, size_t nrequired,
    const char *const *optional, size_t noptional)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		int known = 0;

		(void)val;
		for (size_t k = 0; k < nrequired; k++)
			known |= strcmp(key, required[k]) == 0;
		for (size_t k = 0; k < noptional; k++)
			known |= strcmp(key, optional[k]) == 0;
		if (!known) {
			cli_fail(verb, "%s: unexpected key \"%.64s\"", what, key);
			return CLI_EXIT_INPUT;
		}
	}
	for (size_t k = 0; k < nrequired; k++) {
		if (json_object_get(obj, required[k]) == NULL) {
			cli_fail(verb, "%s: missing key \"%s\"", what,
			    required[k]);
			return CLI_EXIT_INPUT;
		}
	}
	return CLI_EXIT_OK;
}

static int
json_get_u64(const char *verb, const char *what, json_t *obj,
    const char *key, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	/* jansson keeps integers as json_int_t (long long) and fails the
	 * parse of any integer literal that does not fit, so a value here is
	 * exact; 3.0 and 3e0 are reals and rejected. */
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		cli_fail(verb, "%s: \"%s\" must be a non-negative integer", what,
		    key);
		return CLI_EXIT_INPUT;
	}
	*out = (uint64_t)json_integer_value(v);
	return CLI_EXIT_OK;
}

static int
json_get_hash(const char *verb, const char *what, const char *name,
    json_t *v, uint8_t out[HASH_LEN])
{
	size_t len, n = 0;

	if (!json_is_string(v)) {
		cli_fail(verb, "%s: %s must be a base64 string", what, name);
		return CLI_EXIT_INPUT;
	}
	len = json_string_length(v);
	/* b64_decode is canonical (padding, zero pad bits); checking the
	 * length first also rules out a short hash that decodes fine. */
	if (len != B64_ENCODED_LEN(HASH_LEN) ||
	    b64_decode(json_string_value(v), len, out, HASH_LEN, &n) !=
	    LIEN_OK || n != HASH_LEN) {
		cli_fail(verb, "%s: %s is not canonical base64 of %u bytes",
		    what, name, HASH_LEN);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

static int
json_get_proof(const char *verb, const char *what, json_t *obj,
    uint8_t proof[][HASH_LEN], size_t *out_n)
{
	json_t *arr = json_object_get(obj, "proof");
	size_t n;

	*out_n = 0;
	if (!json_is_array(arr)) {
		cli_fail(verb, "%s: \"proof\" must be an array", what);
		return CLI_EXIT_INPUT;
	}
	n = json_array_size(arr);
	/* Count before touching elements: never size work from the file. */
	if (n > MERKLE_PROOF_MAX) {
		cli_fail(verb, "%s: proof has %zu elements, at most %u allowed",
		    what, n, MERKLE_PROOF_MAX);
		return CLI_EXIT_INPUT;
	}
	for (size_t i = 0; i < n; i++) {
		char name[32];
		int rc;

		snprintf(name, sizeof name, "proof[%zu]", i);
		rc = json_get_hash(verb, what, name, json_array_get(arr, i),
		    proof[i]);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	*out_n = n;
	return CLI_EXIT_OK;
}

int
cli_inclusion_parse(const char *verb, const char *what, const uint8_t *buf,
    size_t len, struct cli_inclusion *out)
{
	static const char *const required[] = {
		"index", "tree_size", "leaf_hash", "proof",
	};
	/* A receipt of lienlogd (docs/api-registration.md) is the proof
	 * plus its signed checkpoint and the registration facts, which the
	 * proof check does not use. */
	static const char *const optional[] = { "checkpoint",
		"application_id", "status", "anomalies", "entry_type",
		"replayed", "owner_code", "status_proof" };
	json_t *obj = NULL, *cp;
	int rc;

	memset(out, 0, sizeof *out);
	rc = json_load_object(verb, what, buf, len, &obj);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = json_check_keys(verb, what, obj, required, 4, optional,
	    sizeof(optional) / sizeof(optional[0]));
	if (rc == CLI_EXIT_OK)
		rc = json_get_u64(verb, what, obj, "index", &out->index);
	if (rc == CLI_EXIT_OK)
		rc = json_get_u64(verb, what, obj, "tree_size", &out->tree_size);
	if (rc == CLI_EXIT_OK)
		rc = json_get_hash(verb, what, "\"leaf_hash\"",
		    json_object_get(obj, "leaf_hash"), out->leaf_hash);
	if (rc == CLI_EXIT_OK)
		rc = json_get_proof(verb, what, obj, out->proof, &out->nproof);
	/* A receipt carries the signed checkpoint it was issued against, so
	 * one file is enough to verify it offline. */
	cp = json_object_get(obj, "checkpoint");
	if (rc == CLI_EXIT_OK && cp != NULL) {
		size_t cp_len;

		if (!json_is_string(cp)) {
			cli_fail(verb, "%s: \"checkpoint\" must be a string", what);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		cp_len = json_string_length(cp);
		if (cp_len == 0 || cp_len > NOTE_MAX) {
			cli_fail(verb, "%s: \"checkpoint\" is empty or exceeds "
			    "%u bytes", what, NOTE_MAX);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
		out->checkpoint = malloc(cp_len + 1);
		if (out->checkpoint == NULL) {
			cli_fail(verb, "%s: out of memory", what);
			rc = CLI_EXIT_INTERNAL;
			goto out;
		}
		memcpy(out->checkpoint, json_string_value(cp), cp_len);
		out->checkpoint[cp_len] = '\0';
		out->checkpoint_len = cp_len;
	}
out:
	json_decref(obj);
	if (rc != CLI_EXIT_OK)
		cli_inclusion_clear(out);
	return rc;
}

void
cli_inclusion_clear(struct cli_inclusion *p)
{
	free(p->checkpoint);
	memset(p, 0, sizeof *p);
}

int
cli_consistency_parse(const char *verb, const char *what, const uint8_t *buf,
    size_t len, struct cli_consistency *out)
{
	static const char *const required[] = {
		"old_size", "tree_size", "proof",
	};
	json_t *obj = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	rc = json_load_object(verb, what, buf, len, &obj);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = json_check_keys(verb, what, obj, required, 3, NULL, 0);
	if (rc == CLI_EXIT_OK)
		rc = json_get_u64(verb, what, obj, "old_size", &out->old_size);
	if (rc == CLI_EXIT_OK)
		rc = json_get_u64(verb, what, obj, "tree_size", &out->tree_size);
	if (rc == CLI_EXIT_OK)
		rc = json_get_proof(verb, what, obj, out->proof, &out->nproof);
	json_decref(obj);
	if (rc != CLI_EXIT_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
