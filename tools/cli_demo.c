/*
 * `lienlog demo ...`: what the demo's face-ID and SMS providers would hand
 * a bank, so trying a mortgage against `lienlogd --demo DIR` needs no JWS
 * code (docs/integration.md, docs/demo.md). Only for the demo: the
 * providers' private keys are DIR/demo/face-issuer.key and
 * sms-issuer.key, which a real provider never gives anyone.
 *
 *   lienlog demo mortgage --demo DIR ...   a POST /v1/mortgages body with
 *                                          its face token bound to it
 *   lienlog demo release --demo DIR ...    a POST /v1/releases body, same
 *   lienlog demo token face --demo DIR --commitment C --nonce HEX
 *                                          a bare face token
 *   lienlog demo token sms --demo DIR --company USCC --rep-commitment R
 *       --commitment C --nonce HEX         a bare SMS attestation
 *
 * A company owner (docs/api-registration.md "Company owners"): mortgage
 * and release take --company USCC --rep-phone PHONE --rep-commitment R,
 * and the body gets the company block with the SMS provider's
 * attestation (DIR/demo/sms-issuer.key) that the legal representative
 * (whose phone commitment is R) authorised the acting person (--owner-id,
 * whose identity commitment is C) for this application.
 *
 * The bodies are built by client/regclient.c (regclient_mortgage_body,
 * regclient_release_body), the code `lienlog load` and the demo seeder
 * use, so they follow the payload version the server speaks. The token
 * is bound to the application digest (registry_application_digest) and
 * to the owner's identity commitment (POST /v1/identity-commitments),
 * and lives REGCLIENT_TOKEN_LIFETIME (300 s): mint it just before
 * sending. Output: the JSON body (or the token) on stdout, or --out FILE
 * (created exclusively).
 */
#include "tools/cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client/regclient.h"
#include "common/file.h"
#include "common/hex.h"
#include "crypto/jws.h"
#include "demo/demo.h"
#include "registry/ids.h"

static const char usage_demo[] =
    "usage: lienlog demo mortgage --demo DIR --vin VIN --plate PLATE\n"
    "           --plate-type TYPE --certificate-number N --contract-number N\n"
    "           --owner-id ID --commitment C|@ANSWER.json [--bank bank-a|bank-b|USCC]\n"
    "           [COMPANY] [--liveness BP] [--match BP] [--out FILE]\n"
    "       lienlog demo release --demo DIR --vin VIN --mortgage APP_ID\n"
    "           --owner-id ID --commitment C|@ANSWER.json [--bank bank-a|bank-b|USCC]\n"
    "           [COMPANY] [--liveness BP] [--match BP] [--out FILE]\n"
    "       lienlog demo token face --demo DIR --commitment C|@ANSWER.json\n"
    "           --nonce HEX [--liveness BP] [--match BP] [--out FILE]\n"
    "       lienlog demo token sms --demo DIR --company USCC\n"
    "           --rep-commitment R|@ANSWER.json --commitment C|@ANSWER.json\n"
    "           --nonce HEX [--out FILE]\n"
    "COMPANY (a vehicle recorded as a company's): --company USCC\n"
    "           --rep-phone PHONE --rep-commitment R|@ANSWER.json\n"
    "For `lienlogd --demo DIR` only: mint what the demo's face-ID provider\n"
    "(DIR/demo/face-issuer.key) would, so a mortgage can be tried without\n"
    "writing JWS code. mortgage/release print the whole request body (the\n"
    "application and its face token, bound to the application digest and to\n"
    "the owner's identity commitment); send it with `lienlog submit --key\n"
    "DIR/demo/bank-a.key ...` within 300 s. C is the \"commitment\" of the\n"
    "answer of POST /v1/identity-commitments for the owner's ID number, or\n"
    "@FILE: that answer saved to FILE. BP: face scores in basis points\n"
    "(default 9500 liveness, 9400 match). token face prints a bare token\n"
    "whose nonce is HEX (64 hex digits: the application digest).\n"
    "A company acts through a person (--owner-id, commitment C) whom its\n"
    "legal representative authorised by SMS: R is the commitment of the\n"
    "representative's phone (POST /v1/identity-commitments {\"phone\"}),\n"
    "and the body gets the company block with the demo SMS provider's\n"
    "attestation (DIR/demo/sms-issuer.key); token sms prints one alone.\n"
    "exit: 0 ok, 2 usage, 3 bad input (commitment, demo files), 4 I/O.\n";

/* --commitment: base64url of 32 bytes, or @FILE holding the route's
 * answer {"commitment":"..."}. */
static int
commitment_get(const char *verb, const char *opt, const char *arg,
    uint8_t out[REGCLIENT_COMMIT_LEN])
{
	uint8_t *buf = NULL;
	size_t len = 0, n = 0;
	const char *c = arg;
	json_t *j = NULL;
	int rc = CLI_EXIT_OK;

	if (arg[0] == '@') {
		json_error_t e;

		rc = cli_read_file(verb, arg + 1, 4096, &buf, &len);
		if (rc != CLI_EXIT_OK)
			return rc;
		j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
		    &e);
		c = j != NULL ? json_string_value(json_object_get(j,
		    "commitment")) : NULL;
		if (c == NULL) {
			cli_fail(verb, "%s: not an answer of POST "
			    "/v1/identity-commitments ({\"commitment\":...})",
			    arg + 1);
			rc = CLI_EXIT_INPUT;
			goto out;
		}
	}
	if (jws_b64url_decode(c, strlen(c), out, REGCLIENT_COMMIT_LEN, &n) !=
	    LIEN_OK || n != REGCLIENT_COMMIT_LEN) {
		cli_fail(verb, "--%s: not the base64url of 32 bytes (the "
		    "\"commitment\" POST /v1/identity-commitments answered)",
		    opt);
		rc = CLI_EXIT_INPUT;
	}
out:
	json_decref(j);
	free(buf);
	return rc;
}

static int
score_get(const char *verb, const char *name, const char *v, uint32_t dflt,
    uint32_t *out)
{
	char *end;
	unsigned long n;

	*out = dflt;
	if (v == NULL)
		return CLI_EXIT_OK;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || n > 10000) {
		cli_fail(verb, "--%s must be 0..10000 (basis points)", name);
		return CLI_EXIT_USAGE;
	}
	*out = (uint32_t)n;
	return CLI_EXIT_OK;
}

/* stdout, or FILE created exclusively. */
static int
emit(const char *verb, const char *path, const char *text, size_t len)
{
	int fd, rc;

	if (path == NULL) {
		if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) ==
		    EOF || fflush(stdout) != 0) {
			cli_fail(verb, "cannot write to stdout");
			return CLI_EXIT_IO;
		}
		return CLI_EXIT_OK;
	}
	if ((rc = cli_create_excl(verb, path, 0644, &fd)) != CLI_EXIT_OK)
		return rc;
	if (file_write_all(fd, text, len) != LIEN_OK ||
	    file_write_all(fd, "\n", 1) != LIEN_OK) {
		(void)close(fd);
		cli_fail(verb, "%s: write failed", path);
		return CLI_EXIT_IO;
	}
	if (close(fd) != 0) {
		cli_fail(verb, "%s: write failed", path);
		return CLI_EXIT_IO;
	}
	return CLI_EXIT_OK;
}

static int
world_get(const char *verb, const char *dir, struct demo_world **w)
{
	char why[DEMO_WHY_MAX];
	enum lien_status st;

	why[0] = '\0';
	st = demo_world_load(dir, w, why, sizeof(why));
	if (st != LIEN_OK) {
		cli_fail(verb, "%s: not a demo directory of `lienlogd --demo` "
		    "(%s)", dir, why[0] ? why : lien_status_message(st));
		return cli_exit_for(st);
	}
	return CLI_EXIT_OK;
}

/* --bank: bank-a or bank-b of the demo, or the USCC of a bank filed
 * since (the tokens are bound to the mortgagee's party id). */
static int
bank_get(const char *verb, const char *v, const struct demo_world *w,
    const char **uscc)
{
	if (v == NULL || strcmp(v, "bank-a") == 0)
		*uscc = demo_bank_uscc(w, DEMO_BANK_A);
	else if (strcmp(v, "bank-b") == 0)
		*uscc = demo_bank_uscc(w, DEMO_BANK_B);
	else if (ids_uscc_validate(v, strlen(v)) == LIEN_OK)
		*uscc = v;
	else {
		cli_fail(verb, "--bank must be bank-a, bank-b or a filed bank's "
		    "unified social credit code (GB 32100)");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

enum {
	O_DEMO, O_BANK, O_VIN, O_PLATE, O_PLATE_TYPE, O_CERT, O_CONTRACT,
	O_OWNER, O_COMMIT, O_MORTGAGE, O_NONCE, O_LIVENESS, O_MATCH, O_OUT,
	O_COMPANY, O_REP_PHONE, O_REP_COMMIT, O_N
};

/* Every verb parses the same option table (so a misplaced option is
 * named, not "unknown"); each then refuses what is not its own. */
#define DEMO_OPTS { \
		{ "demo", NULL }, { "bank", NULL }, { "vin", NULL }, \
		{ "plate", NULL }, { "plate-type", NULL }, \
		{ "certificate-number", NULL }, { "contract-number", NULL }, \
		{ "owner-id", NULL }, { "commitment", NULL }, \
		{ "mortgage", NULL }, { "nonce", NULL }, { "liveness", NULL }, \
		{ "match", NULL }, { "out", NULL }, { "company", NULL }, \
		{ "rep-phone", NULL }, { "rep-commitment", NULL }, \
	}

/* --company USCC --rep-phone PHONE --rep-commitment R: all or none.
 * *uscc NULL when none (a person's vehicle). */
static int
company_get(const char *verb, const struct cli_opt *opts,
    const char **uscc, const char **phone,
    uint8_t rep[REGCLIENT_COMMIT_LEN])
{
	const char *u = opts[O_COMPANY].value, *p = opts[O_REP_PHONE].value;
	const char *r = opts[O_REP_COMMIT].value;

	*uscc = NULL;
	*phone = NULL;
	if (u == NULL && p == NULL && r == NULL)
		return CLI_EXIT_OK;
	if (u == NULL || p == NULL || r == NULL) {
		cli_fail(verb, "a company owner needs all of --company USCC, "
		    "--rep-phone PHONE and --rep-commitment R (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (ids_uscc_validate(u, strlen(u)) != LIEN_OK) {
		cli_fail(verb, "--company %s: not a unified social credit code "
		    "(18 characters, GB 32100 check character)", u);
		return CLI_EXIT_USAGE;
	}
	*uscc = u;
	*phone = p;
	return commitment_get(verb, "rep-commitment", r, rep);
}

static int
demo_body(const char *verb, int release, int argc, char **argv)
{
	struct cli_opt opts[O_N] = DEMO_OPTS;
	static const int need_m[] = { O_DEMO, O_VIN, O_PLATE, O_PLATE_TYPE,
		O_CERT, O_CONTRACT, O_OWNER, O_COMMIT, -1 };
	static const int need_r[] = { O_DEMO, O_VIN, O_MORTGAGE, O_OWNER,
		O_COMMIT, -1 };
	const int *need = release ? need_r : need_m;
	uint8_t commit[REGCLIENT_COMMIT_LEN], rep[REGCLIENT_COMMIT_LEN];
	struct demo_world *w = NULL;
	struct regclient_request rq;	/* what both kinds carry */
	const char *bank = NULL, *uscc = NULL, *phone = NULL;
	uint32_t liveness, match;
	char *body = NULL;
	size_t len = 0, npos = 0;
	enum lien_status st;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, O_N, NULL, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_demo, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	for (size_t i = 0; need[i] >= 0; i++)
		if (opts[need[i]].value == NULL) {
			cli_fail(verb, "missing --%s (see --help)",
			    opts[need[i]].name);
			return CLI_EXIT_USAGE;
		}
	if (opts[O_NONCE].value != NULL || (release && (opts[O_PLATE].value ||
	    opts[O_PLATE_TYPE].value || opts[O_CERT].value ||
	    opts[O_CONTRACT].value)) || (!release && opts[O_MORTGAGE].value)) {
		cli_fail(verb, "an option of another demo verb (see --help)");
		return CLI_EXIT_USAGE;
	}
	if ((rc = score_get(verb, "liveness", opts[O_LIVENESS].value, 9500,
	    &liveness)) != CLI_EXIT_OK || (rc = score_get(verb, "match",
	    opts[O_MATCH].value, 9400, &match)) != CLI_EXIT_OK)
		return rc;
	if ((rc = commitment_get(verb, "commitment", opts[O_COMMIT].value,
	    commit)) != CLI_EXIT_OK)
		return rc;
	if ((rc = company_get(verb, opts, &uscc, &phone, rep)) !=
	    CLI_EXIT_OK)
		return rc;
	if ((rc = world_get(verb, opts[O_DEMO].value, &w)) != CLI_EXIT_OK)
		return rc;
	if ((rc = bank_get(verb, opts[O_BANK].value, w, &bank)) !=
	    CLI_EXIT_OK) {
		demo_world_free(w);
		return rc;
	}
	memset(&rq, 0, sizeof(rq));
	rq.mortgagee = bank;
	rq.vin = opts[O_VIN].value;
	rq.owner_id_number = opts[O_OWNER].value;
	rq.owner_commit = commit;
	rq.liveness = liveness;
	rq.match = match;
	rq.uscc = uscc;
	rq.legal_rep_phone = phone;
	rq.rep_phone_commit = uscc != NULL ? rep : NULL;
	if (release) {
		struct regclient_release r = { .rq = rq,
		    .mortgage = opts[O_MORTGAGE].value };

		st = regclient_release_body(demo_face_issuer(w),
		    demo_sms_issuer(w),
		    demo_registry_name(w), &r, (int64_t)time(NULL), &body, &len,
		    NULL);
	} else {
		struct regclient_mortgage m = { .rq = rq,
		    .plate = opts[O_PLATE].value,
		    .plate_type = opts[O_PLATE_TYPE].value,
		    .certificate_number = opts[O_CERT].value,
		    .contract_number = opts[O_CONTRACT].value };

		st = regclient_mortgage_body(demo_face_issuer(w),
		    demo_sms_issuer(w),
		    demo_registry_name(w), &m, (int64_t)time(NULL), &body, &len,
		    NULL);
	}
	if (st != LIEN_OK) {
		cli_fail(verb, "cannot build the body: %s",
		    lien_status_message(st));
		rc = cli_exit_for(st);
	} else {
		rc = emit(verb, opts[O_OUT].value, body, len);
	}
	free(body);
	demo_world_free(w);
	return rc;
}

/* demo token face | demo token sms: one bare token, bound to --nonce (the
 * application digest) and to the commitments given. */
static int
demo_token(int sms, int argc, char **argv)
{
	const char *verb = sms ? "demo token sms" : "demo token face";
	struct cli_opt opts[O_N] = DEMO_OPTS;
	/* what each may take, beside --demo --commitment --nonce --out */
	static const int own_face[] = { O_LIVENESS, O_MATCH, -1 };
	static const int own_sms[] = { O_COMPANY, O_REP_COMMIT, -1 };
	const int *own = sms ? own_sms : own_face;
	uint8_t commit[REGCLIENT_COMMIT_LEN], rep[REGCLIENT_COMMIT_LEN];
	uint8_t nonce[HASH_LEN];
	struct demo_world *w = NULL;
	uint32_t liveness, match;
	const char *uscc = NULL;
	char *tok = NULL;
	size_t npos = 0;
	enum lien_status st;
	int rc;

	rc = cli_args_parse(verb, argc, argv, opts, O_N, NULL, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_demo, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_DEMO].value == NULL || opts[O_COMMIT].value == NULL ||
	    opts[O_NONCE].value == NULL || (sms && (opts[O_COMPANY].value ==
	    NULL || opts[O_REP_COMMIT].value == NULL))) {
		cli_fail(verb, sms ? "need --demo DIR, --company USCC, "
		    "--rep-commitment R, --commitment C and --nonce HEX (see "
		    "--help)" : "need --demo DIR, --commitment C and --nonce HEX "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	for (int i = 0; i < O_N; i++) {
		int mine = i == O_DEMO || i == O_COMMIT || i == O_NONCE ||
		    i == O_OUT;

		for (size_t k = 0; own[k] >= 0; k++)
			mine |= own[k] == i;
		if (!mine && opts[i].value != NULL) {
			cli_fail(verb, "--%s is not an option of %s (see --help)",
			    opts[i].name, verb);
			return CLI_EXIT_USAGE;
		}
	}
	if (strlen(opts[O_NONCE].value) != 2 * HASH_LEN ||
	    hex_decode(opts[O_NONCE].value, 2 * HASH_LEN, nonce, HASH_LEN) !=
	    LIEN_OK) {
		cli_fail(verb, "--nonce must be 64 lowercase hex digits (the "
		    "application digest, docs/identity.md)");
		return CLI_EXIT_USAGE;
	}
	if ((rc = score_get(verb, "liveness", opts[O_LIVENESS].value, 9500,
	    &liveness)) != CLI_EXIT_OK || (rc = score_get(verb, "match",
	    opts[O_MATCH].value, 9400, &match)) != CLI_EXIT_OK)
		return rc;
	if (sms) {
		uscc = opts[O_COMPANY].value;
		if (ids_uscc_validate(uscc, strlen(uscc)) != LIEN_OK) {
			cli_fail(verb, "--company %s: not a unified social credit "
			    "code (18 characters, GB 32100 check character)",
			    uscc);
			return CLI_EXIT_USAGE;
		}
		if ((rc = commitment_get(verb, "rep-commitment",
		    opts[O_REP_COMMIT].value, rep)) != CLI_EXIT_OK)
			return rc;
	}
	if ((rc = commitment_get(verb, "commitment", opts[O_COMMIT].value,
	    commit)) != CLI_EXIT_OK)
		return rc;
	if ((rc = world_get(verb, opts[O_DEMO].value, &w)) != CLI_EXIT_OK)
		return rc;
	if (sms)
		st = regclient_sms_token(demo_sms_issuer(w),
		    demo_registry_name(w), rep, commit, uscc, nonce,
		    (int64_t)time(NULL), &tok);
	else
		st = regclient_face_token(demo_face_issuer(w),
		    demo_registry_name(w), commit, nonce, liveness, match,
		    (int64_t)time(NULL), &tok);
	if (st != LIEN_OK) {
		cli_fail(verb, "cannot mint the token: %s",
		    lien_status_message(st));
		rc = cli_exit_for(st);
	} else {
		rc = emit(verb, opts[O_OUT].value, tok, strlen(tok));
	}
	free(tok);
	demo_world_free(w);
	return rc;
}

int
cli_demo(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "-h") == 0) {
		fputs(usage_demo, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[0], "mortgage") == 0)
		return demo_body("demo mortgage", 0, argc - 1, argv + 1);
	if (strcmp(argv[0], "release") == 0)
		return demo_body("demo release", 1, argc - 1, argv + 1);
	if (strcmp(argv[0], "token") == 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			fputs(usage_demo, stdout);
			return CLI_EXIT_OK;
		}
		if (argc >= 2 && strcmp(argv[1], "face") == 0)
			return demo_token(0, argc - 2, argv + 2);
		if (argc >= 2 && strcmp(argv[1], "sms") == 0)
			return demo_token(1, argc - 2, argv + 2);
		cli_fail("demo token", "use: lienlog demo token face|sms ... "
		    "(see lienlog demo --help)");
		return CLI_EXIT_USAGE;
	}
	cli_fail("demo", "unknown subcommand '%s': use mortgage, release, "
	    "token face or token sms", argv[0]);
	return CLI_EXIT_USAGE;
}
