/*
 * `lienlog verify status` (offline) and `lienlog status` (fetch, then the
 * same verification): is this vehicle under a lien right now?
 * docs/lien-status.md is the specification; the checks are
 * status_proof_verify (tlog/status.c) and registry_status_parse.
 *
 * Both are a straight line: load the trust policy (log key, witnesses and
 * quorum), read the VIN and normalise it (upper case; a VIN that is not 17
 * characters of the alphabet or fails its check digit is refused before
 * anything else), read the proof (the binary bundle, or the JSON document
 * of GET /v1/vehicles/{vin}/status-proof, whose "proof" member is the only
 * thing believed), verify, and print what is proven. A proof for an older
 * tree than a checkpoint the caller trusts (--checkpoint, or for
 * `lienlog status` the checkpoint fetched from the log just before) proves
 * the past and is refused, as is one older than --max-age.
 *
 * Output (stdout, one fact per line, stable for scripts):
 *
 *   vin: LSJA24U62JG269225
 *   status: under_lien | restricted | under_lien_and_restricted | clear |
 *           no_record
 *   recorded: entry 5 at 2026-01-01T00:00:05.000Z   (or "no")
 *   liens in force: N, then "  rank K: A..., registered <time> (entry I)"
 *   released liens: N, then "  A..., registered ..., released ..."
 *   restrictions in force: N, then "  <kind> since <time> (entry I)"
 *   proven against: <origin> tree size N, state root entry N-1 at <time>
 *   witnesses: C cosigned (quorum Q of W)
 */
#include "tools/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/fetch.h"
#include "common/b64.h"
#include "common/dec.h"
#include "common/file.h"
#include "common/rfc3339.h"
#include "registry/ids.h"
#include "registry/jcs.h"
#include "registry/registry.h"
#include "tlog/status.h"

static const char usage_verify_status[] =
    "usage: lienlog verify status --vkey VKEY [--witness W ... [--quorum K]]\n"
    "           [--checkpoint NEWER] [--max-age D] --vin VIN PROOF\n"
    "Verify a status proof offline (docs/lien-status.md) and print the\n"
    "vehicle's proven status, the tree size and the time it is proven at.\n"
    "PROOF is the binary bundle or the JSON answer of\n"
    "GET /v1/vehicles/{vin}/status-proof.\n"
    "  --checkpoint NEWER  a signed checkpoint you trust (e.g. fetched\n"
    "                      later): a proof for an older tree is refused,\n"
    "                      it proves the past\n"
    "  --max-age D         refuse a proof older than D (seconds, or with a\n"
    "                      suffix s, m, h, d: 90s, 10m, 24h, 7d)\n"
    "exit: 0 verified, 1 does not verify (or stale, or too old), 2 usage,\n"
    "      3 malformed input, 4 I/O, 5 internal.\n";

static const char usage_status[] =
    "usage: lienlog status --log URL --vkey VKEY [--witness W ... [--quorum K]]\n"
    "           [--max-age D] [--out FILE] --vin VIN\n"
    "Fetch the log's checkpoint, then the vehicle's status proof\n"
    "(URL/v1/vehicles/VIN/status-proof), verify it against the key (and\n"
    "the witnesses) and against that checkpoint, and print the status as\n"
    "`lienlog verify status` does. --out keeps the proof (JSON).\n"
    "URL is lienlogd's base (http://HOST:PORT).\n"
    "exit: as `lienlog verify status`; 6 when the log cannot be reached\n"
    "or answers with an HTTP error.\n";

#define STATUS_JSON_MAX (2u * STATUS_PROOF_MAX)

/* Upper-case and check a VIN typed by a person. */
static int
vin_normalise(const char *verb, const char *in, char out[IDS_VIN_LEN + 1])
{
	size_t n = strlen(in);
	char c;

	if (n != IDS_VIN_LEN) {
		cli_fail(verb, "--vin: a VIN has 17 characters (GB 16735)");
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 :
		    in[i]);
	out[n] = '\0';
	if (ids_vin_check_char(out, n, &c) != LIEN_OK) {
		cli_fail(verb, "--vin: not a VIN: 17 characters of 0-9 A-Z "
		    "without I, O, Q (GB 16735)");
		return CLI_EXIT_USAGE;
	}
	if (out[8] != c) {
		cli_fail(verb, "--vin: the check digit (position 9) is wrong: "
		    "%c, the VIN's characters give %c", out[8], c);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* "90", "90s", "10m", "24h", "7d" -> milliseconds (at most 100 years). */
static int
max_age_parse(const char *verb, const char *s, uint64_t *out_ms)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t unit = 1000, v;

	if (n == 0 || n >= sizeof num)
		goto bad;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': unit = 1000; num[--n] = '\0'; break;
	case 'm': unit = 60000; num[--n] = '\0'; break;
	case 'h': unit = 3600000; num[--n] = '\0'; break;
	case 'd': unit = 86400000; num[--n] = '\0'; break;
	default: break;
	}
	if (dec_u64_arg(num, 1, 36500ull * 86400000 / unit, &v) != LIEN_OK)
		goto bad;
	*out_ms = v * unit;
	return CLI_EXIT_OK;
bad:
	cli_fail(verb, "--max-age: a positive duration: N seconds, or N "
	    "with s, m, h or d (at most 100 years)");
	return CLI_EXIT_USAGE;
}

/* The bundle inside (buf, len): itself, or the JSON document's "proof".
 * *out is malloc'd. */
static int
bundle_of(const char *verb, const char *what, const uint8_t *buf, size_t len,
    uint8_t **out, size_t *out_len)
{
	json_t *j = NULL, *pj;
	size_t i = 0;
	int rc = CLI_EXIT_INPUT;

	*out = NULL;
	*out_len = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' ||
	    buf[i] == '\t'))
		i++;
	if (i == len || buf[i] != '{') {
		if ((*out = malloc(len ? len : 1)) == NULL)
			return CLI_EXIT_INTERNAL;
		memcpy(*out, buf, len);
		*out_len = len;
		return CLI_EXIT_OK;
	}
	if (jcs_parse((const char *)buf, len, 0, &j) != LIEN_OK ||
	    !json_is_string(pj = json_object_get(j, "proof"))) {
		cli_fail(verb, "%s: JSON without a \"proof\" string", what);
		goto out;
	}
	if ((*out = malloc(STATUS_PROOF_MAX)) == NULL) {
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	if (b64_decode(json_string_value(pj), json_string_length(pj), *out,
	    STATUS_PROOF_MAX, out_len) != LIEN_OK) {
		cli_fail(verb, "%s: \"proof\" is not canonical base64 of at most "
		    "%u bytes", what, STATUS_PROOF_MAX);
		free(*out);
		*out = NULL;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	json_decref(j);
	return rc;
}

static void
print_time(const char *prefix, uint64_t ms, const char *suffix)
{
	char ts[RFC3339_MS_LEN + 1];

	if (rfc3339_ms(ms, ts) != LIEN_OK)
		printf("%s%" PRIu64 " ms%s", prefix, ms, suffix);
	else
		printf("%s%s%s", prefix, ts, suffix);
}

/* Print what a verified bundle proves. */
static int
print_status(const char *verb, const char *vin, const struct tlog_policy *pol,
    const struct status_result *res)
{
	struct reg_status *st = NULL;
	const char *word;

	if (res->present) {
		if ((st = malloc(sizeof *st)) == NULL)
			return CLI_EXIT_INTERNAL;
		if (registry_status_parse(res->record, res->record_len, st) !=
		    LIEN_OK) {
			cli_fail(verb, "the proven status record is not a "
			    "canonical version 1 record (docs/lien-status.md "
			    "section 3)");
			free(st);
			return CLI_EXIT_VERIFY;
		}
	}
	word = !res->present ? "no_record" :
	    st->nliens > 0 && st->nrestrictions > 0 ?
	    "under_lien_and_restricted" : st->nliens > 0 ? "under_lien" :
	    st->nrestrictions > 0 ? "restricted" : "clear";
	printf("vin: %s\nstatus: %s\n", vin, word);
	if (!res->present) {
		printf("recorded: no (a proof of absence: no lien, no "
		    "restriction)\nliens in force: 0\nreleased liens: 0\n"
		    "restrictions in force: 0\n");
	} else {
		printf("recorded: entry %" PRIu64, st->recorded_index);
		print_time(" at ", st->recorded_ms, "\n");
		printf("liens in force: %zu\n", st->nliens);
		for (size_t i = 0; i < st->nliens; i++) {
			printf("  rank %zu: %s", i + 1, st->liens[i].app);
			print_time(", registered ", st->liens[i].registered_ms,
			    "");
			printf(" (entry %" PRIu64 ")\n",
			    st->liens[i].registered_index);
		}
		printf("released liens: %zu\n", st->nreleased);
		for (size_t i = st->nliens; i < st->nliens + st->nreleased;
		    i++) {
			printf("  %s", st->liens[i].app);
			print_time(", registered ", st->liens[i].registered_ms,
			    "");
			print_time(", released ", st->liens[i].released_ms, "");
			printf(" (entry %" PRIu64 ")\n",
			    st->liens[i].released_index);
		}
		printf("restrictions in force: %zu\n", st->nrestrictions);
		for (size_t i = 0; i < st->nrestrictions; i++) {
			printf("  %s", registry_restriction_name(
			    st->restrictions[i].kind));
			print_time(" since ", st->restrictions[i].since_ms, "");
			printf(" (entry %" PRIu64 ")\n",
			    st->restrictions[i].index);
		}
	}
	printf("proven against: %.*s tree size %" PRIu64 ", state root entry %"
	    PRIu64, (int)pol->log.name_len, pol->log.name, res->tree_size,
	    res->tree_size - 1);
	print_time(" at ", res->time_ms, "\n");
	printf("witnesses: %zu cosigned (quorum %zu of %zu)\n", res->cosigned,
	    pol->quorum, pol->nwitnesses);
	free(st);
	return CLI_EXIT_OK;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Verify and print; the exit code. */
static int
check_and_print(const char *verb, const char *what, const char *vin,
    const struct tlog_policy *pol, const uint8_t *b, size_t len,
    const uint8_t *newer, size_t newer_len, uint64_t max_age_ms)
{
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	enum lien_status st;

	memset(&c, 0, sizeof c);
	c.policy = pol;
	c.id = (const uint8_t *)vin;
	c.id_len = strlen(vin);
	c.newer = newer;
	c.newer_len = newer_len;
	c.now_ms = now_ms();
	c.max_age_ms = max_age_ms;
	st = status_proof_verify(b, len, &c, &res, &rep);
	if (st == LIEN_EVERIFY) {
		cli_fail(verb, "%s: refused (%s): %s", what,
		    status_fault_name(rep.fault), rep.why);
		return rep.fault == STATUS_FAULT_MALFORMED ? CLI_EXIT_INPUT :
		    CLI_EXIT_VERIFY;
	}
	if (st != LIEN_OK) {
		cli_fail(verb, "%s: %s", what, lien_status_message(st));
		return cli_exit_for(st);
	}
	return print_status(verb, vin, pol, &res);
}

/* Options both verbs share. */
struct status_args {
	const char *wit[TLOG_WITNESSES_MAX];
	size_t nwit;
	struct note_verifier *wbuf;
	struct tlog_policy pol;
	char vin[IDS_VIN_LEN + 1];
	uint64_t max_age_ms;
};

/* The command line of both verbs: every --witness into a (a zeroed
 * first), then opts and at most npos_max positional arguments. CLI_EXIT_OK
 * to go on, CLI_HELP after printing usage, or the exit code. */
static int
status_args_parse(const char *verb, int argc, char **argv,
    struct cli_opt *opts, size_t nopts, const char **pos, size_t npos_max,
    size_t *npos, const char *usage, struct status_args *a)
{
	int rc;

	memset(a, 0, sizeof *a);
	rc = cli_multi_take(verb, &argc, argv, "witness", a->wit,
	    TLOG_WITNESSES_MAX, &a->nwit);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = cli_args_parse(verb, argc, argv, opts, nopts, pos, npos_max,
	    npos);
	if (rc == CLI_HELP)
		fputs(usage, stdout);
	return rc;
}

int
cli_verify_status(int argc, char **argv)
{
	static const char verb[] = "verify status";
	enum { O_VKEY, O_QUORUM, O_VIN, O_CHECKPOINT, O_MAX_AGE, O_N };
	struct cli_opt opts[O_N] = {
		{ "vkey", NULL }, { "quorum", NULL }, { "vin", NULL },
		{ "checkpoint", NULL }, { "max-age", NULL },
	};
	struct status_args a;
	const char *pos[1];
	uint8_t *buf = NULL, *b = NULL, *newer = NULL;
	size_t npos, len, blen, newer_len = 0;
	int rc;

	rc = status_args_parse(verb, argc, argv, opts, O_N, pos, 1, &npos,
	    usage_verify_status, &a);
	if (rc != CLI_EXIT_OK)
		return rc == CLI_HELP ? CLI_EXIT_OK : rc;
	if (opts[O_VKEY].value == NULL || opts[O_VIN].value == NULL ||
	    npos != 1) {
		cli_fail(verb, "need --vkey VKEY, --vin VIN and one PROOF file "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	if ((rc = vin_normalise(verb, opts[O_VIN].value, a.vin)) != CLI_EXIT_OK ||
	    (opts[O_MAX_AGE].value != NULL && (rc = max_age_parse(verb,
	    opts[O_MAX_AGE].value, &a.max_age_ms)) != CLI_EXIT_OK))
		return rc;
	rc = CLI_EXIT_INTERNAL;
	if ((a.wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *a.wbuf)) == NULL)
		goto out;
	rc = cli_policy_load(verb, opts[O_VKEY].value, a.wit, a.nwit,
	    opts[O_QUORUM].value, a.wbuf, &a.pol);
	if (rc != CLI_EXIT_OK)
		goto out;
	if (opts[O_CHECKPOINT].value != NULL &&
	    (rc = cli_read_file(verb, opts[O_CHECKPOINT].value, NOTE_MAX,
	    &newer, &newer_len)) != CLI_EXIT_OK)
		goto out;
	if ((rc = cli_read_file(verb, pos[0], STATUS_JSON_MAX, &buf, &len)) !=
	    CLI_EXIT_OK ||
	    (rc = bundle_of(verb, pos[0], buf, len, &b, &blen)) != CLI_EXIT_OK)
		goto out;
	rc = check_and_print(verb, pos[0], a.vin, &a.pol, b, blen, newer,
	    newer_len, a.max_age_ms);
out:
	free(buf);
	free(b);
	free(newer);
	free(a.wbuf);
	return rc;
}

int
cli_status(int argc, char **argv)
{
	static const char verb[] = "status";
	enum { O_LOG, O_VKEY, O_QUORUM, O_VIN, O_MAX_AGE, O_OUT, O_N };
	struct cli_opt opts[O_N] = {
		{ "log", NULL }, { "vkey", NULL }, { "quorum", NULL },
		{ "vin", NULL }, { "max-age", NULL }, { "out", NULL },
	};
	struct status_args a;
	struct client *cl = NULL;
	char url[CLIENT_URL_MAX];
	const char *base, *pos[1];
	uint8_t *cp = NULL, *buf = NULL, *b = NULL;
	size_t base_len, cp_len = 0, len = 0, blen = 0, npos = 0;
	char why[2 * CLIENT_ERROR_MAX + CLIENT_URL_MAX];
	enum lien_status st;
	int rc;

	rc = status_args_parse(verb, argc, argv, opts, O_N, pos, 0, &npos,
	    usage_status, &a);
	if (rc != CLI_EXIT_OK)
		return rc == CLI_HELP ? CLI_EXIT_OK : rc;
	if (opts[O_LOG].value == NULL || opts[O_VKEY].value == NULL ||
	    opts[O_VIN].value == NULL) {
		cli_fail(verb, "need --log URL, --vkey VKEY and --vin VIN "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	base = opts[O_LOG].value;
	base_len = strlen(base);
	while (base_len > 0 && base[base_len - 1] == '/')
		base_len--;
	if ((strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0) ||
	    base_len + 64 >= sizeof url) {
		cli_fail(verb, "--log must be an http:// or https:// URL");
		return CLI_EXIT_USAGE;
	}
	if ((rc = vin_normalise(verb, opts[O_VIN].value, a.vin)) != CLI_EXIT_OK ||
	    (opts[O_MAX_AGE].value != NULL && (rc = max_age_parse(verb,
	    opts[O_MAX_AGE].value, &a.max_age_ms)) != CLI_EXIT_OK))
		return rc;
	rc = CLI_EXIT_INTERNAL;
	if ((a.wbuf = calloc(TLOG_WITNESSES_MAX, sizeof *a.wbuf)) == NULL)
		goto out;
	rc = cli_policy_load(verb, opts[O_VKEY].value, a.wit, a.nwit,
	    opts[O_QUORUM].value, a.wbuf, &a.pol);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_INTERNAL;
	if (client_new(NULL, &cl) != LIEN_OK)
		goto out;
	/* The checkpoint first: the proof fetched after it must be for
	 * that tree or a newer one, never an older (cached) one. */
	(void)snprintf(url, sizeof url, "%.*s/log/checkpoint", (int)base_len,
	    base);
	if ((st = cli_fetch(cl, url, NOTE_MAX, &cp, &cp_len, why,
	    sizeof why)) != LIEN_OK) {
		cli_fail(verb, "%s", why);
		rc = cli_exit_net(st);
		goto out;
	}
	(void)snprintf(url, sizeof url, "%.*s/v1/vehicles/%s/status-proof",
	    (int)base_len, base, a.vin);
	if ((st = cli_fetch(cl, url, STATUS_JSON_MAX, &buf, &len, why,
	    sizeof why)) != LIEN_OK) {
		cli_fail(verb, "%s", why);
		rc = cli_exit_net(st);
		goto out;
	}
	if (opts[O_OUT].value != NULL) {
		int fd;

		if ((rc = cli_create_excl(verb, opts[O_OUT].value, 0644, &fd)) !=
		    CLI_EXIT_OK)
			goto out;
		if (file_write_all(fd, buf, len) != LIEN_OK) {
			cli_fail(verb, "%s: cannot write", opts[O_OUT].value);
			rc = CLI_EXIT_IO;
			goto out;
		}
	}
	if ((rc = bundle_of(verb, url, buf, len, &b, &blen)) != CLI_EXIT_OK)
		goto out;
	rc = check_and_print(verb, url, a.vin, &a.pol, b, blen, cp, cp_len,
	    a.max_age_ms);
out:
	client_free(cl);
	free(cp);
	free(buf);
	free(b);
	free(a.wbuf);
	return rc;
}
