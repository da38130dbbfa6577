/*
 * The counter (窗口兜底, docs/api-registration.md "Counter applications"):
 *
 *   lienlog voucher   the bank issues a single-use voucher for a counter
 *                     application (POST /v1/vouchers) and prints its id;
 *   lienlog counter-apply  the officer files a counter mortgage or release
 *                     (POST /v1/counter/mortgages, /v1/counter/releases)
 *                     and prints the application id and owner code.
 *
 * Both sign as KEY/CERT (regclient), send one request and print the
 * answer's ids on stdout; a refusal prints "lienlog: <verb>: refused:
 * HTTP <n> <code>" and exits 1, no answer or a 5xx exits 6 (docs/cli.md).
 * Values are checked by the server, not here (one place for the rules).
 */
#include "tools/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/regclient.h"

static const char usage_voucher[] =
    "usage: lienlog voucher --url URL --key KEY --cert CERT --vin VIN\n"
    "           (--contract-number N | --mortgage APP_ID) [--valid-days D]\n"
    "As the bank KEY/CERT, issue a single-use voucher for a counter\n"
    "application: for a new mortgage under contract N, or for the release\n"
    "of the bank's registered mortgage APP_ID; valid D days (1..30,\n"
    "default 7). Prints the voucher id (V + 16 hex digits) the owner\n"
    "brings to the counter.\n";

static const char usage_counter[] =
    "usage: lienlog counter-apply --url URL --key KEY --cert CERT --bank USCC\n"
    "           (--voucher V... | --phone-contact N --bank-staff WHO)\n"
    "           --document DOC --vin VIN --owner-id ID\n"
    "           [--owner-name NAME] [--owner-phone PHONE]\n"
    "           (--mortgage APP_ID |\n"
    "            --plate P --plate-type T --certificate-number C\n"
    "            --contract-number N [--term-end YYYY-MM-DD])\n"
    "As the officer KEY/CERT, file a counter application for the owner ID\n"
    "whose identity document DOC (resident_id, temporary_resident_id,\n"
    "passport, hk_macao_permit, taiwan_permit,\n"
    "foreign_permanent_resident_id) was checked in person, with the bank\n"
    "USCC's voucher: a release of mortgage APP_ID, else a new mortgage.\n"
    "A legacy release (the bank mailed the certificate back) carries\n"
    "instead the phone confirmation: the bank's filed contact N the\n"
    "officer called and WHO at the bank confirmed it.\n"
    "Prints the application id, its status and the owner's access code.\n";

/* Load the signer, send body, answer: 0 with *reply (201) or an exit
 * code after reporting. */
static int
send_one(const char *verb, const char *url, const char *keyf,
    const char *certf, const char *path, const char *body, size_t blen,
    json_t **reply)
{
	uint8_t *key = NULL, *cert = NULL;
	size_t key_len = 0, cert_len = 0;
	struct regclient_party p;
	struct regclient_config cfg;
	struct regclient *rc = NULL;
	struct regclient_reply r;
	enum lien_status st;
	int ret;

	*reply = NULL;
	memset(&p, 0, sizeof p);
	memset(&r, 0, sizeof r);
	if ((ret = cli_read_file(verb, keyf, 64u << 10, &key, &key_len)) !=
	    CLI_EXIT_OK ||
	    (ret = cli_read_file(verb, certf, 64u << 10, &cert, &cert_len)) !=
	    CLI_EXIT_OK)
		goto out;
	if (regclient_party_load((const char *)key, key_len,
	    (const char *)cert, cert_len, &p) != LIEN_OK) {
		cli_fail(verb, "%s / %s: not a private key and its certificate",
		    keyf, certf);
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.url = url;
	if (regclient_new(&cfg, &rc) != LIEN_OK) {
		cli_fail(verb, "bad --url %s (http://HOST:PORT)", url);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	st = regclient_send(rc, &p, "POST", path, body, blen,
	    (int64_t)time(NULL), &r);
	if (st != LIEN_OK) {
		cli_fail(verb, "no answer from %s (%s)", url,
		    lien_status_message(st));
		ret = cli_exit_net(st);
		goto out;
	}
	if (r.http >= 500 || r.http < 200) {
		cli_fail(verb, "the server failed: HTTP %ld %s", r.http, r.code);
		ret = CLI_EXIT_NETWORK;
	} else if (r.http != 201 && r.http != 200) {
		cli_fail(verb, "refused: HTTP %ld %s", r.http, r.code);
		ret = CLI_EXIT_VERIFY;
	} else if (r.body == NULL ||
	    (*reply = json_loadb(r.body, r.len, 0, NULL)) == NULL) {
		cli_fail(verb, "the server's answer is not JSON");
		ret = CLI_EXIT_NETWORK;
	} else {
		ret = CLI_EXIT_OK;
	}
out:
	regclient_reply_clear(&r);
	regclient_party_clear(&p);
	regclient_free(rc);
	if (key != NULL) {
		memset(key, 0, key_len);
		free(key);
	}
	free(cert);
	return ret;
}

static int
required(const char *verb, const struct cli_opt *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].value == NULL) {
			cli_fail(verb, "--%s is required (see --help)",
			    o[i].name);
			return 0;
		}
	return 1;
}

int
cli_voucher(int argc, char **argv)
{
	static const char verb[] = "voucher";
	struct cli_opt o[] = { { "url", NULL }, { "key", NULL },
		{ "cert", NULL }, { "vin", NULL }, { "contract-number", NULL },
		{ "mortgage", NULL }, { "valid-days", NULL } };
	const char *pos[1];
	size_t npos, blen = 0;
	char *body = NULL;
	uint64_t days = 0;
	json_t *reply = NULL;
	int ret;

	ret = cli_args_parse(verb, argc, argv, o, 7, pos, 0, &npos);
	if (ret == CLI_HELP) {
		fputs(usage_voucher, stdout);
		return CLI_EXIT_OK;
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (!required(verb, o, 4))
		return CLI_EXIT_USAGE;
	if ((o[4].value == NULL) == (o[5].value == NULL)) {
		cli_fail(verb, "exactly one of --contract-number (a mortgage) "
		    "and --mortgage (a release)");
		return CLI_EXIT_USAGE;
	}
	if (o[6].value != NULL &&
	    dec_u64_arg(o[6].value, 1, 30, &days) != LIEN_OK) {
		cli_fail(verb, "--valid-days must be 1..30");
		return CLI_EXIT_USAGE;
	}
	if (regclient_voucher_body(o[3].value, o[4].value, o[5].value,
	    (int)days, &body, &blen) != LIEN_OK) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	ret = send_one(verb, o[0].value, o[1].value, o[2].value,
	    "/v1/vouchers", body, blen, &reply);
	free(body);
	if (ret == CLI_EXIT_OK) {
		const char *id = json_string_value(json_object_get(reply,
		    "voucher_id"));

		if (id == NULL) {
			cli_fail(verb, "the answer names no voucher_id");
			ret = CLI_EXIT_NETWORK;
		} else {
			printf("%s\n", id);
		}
	}
	json_decref(reply);
	return ret;
}

int
cli_counter(int argc, char **argv)
{
	static const char verb[] = "counter-apply";
	struct cli_opt o[] = { { "url", NULL }, { "key", NULL },
		{ "cert", NULL }, { "bank", NULL }, { "voucher", NULL },
		{ "document", NULL }, { "vin", NULL }, { "owner-id", NULL },
		{ "owner-name", NULL }, { "owner-phone", NULL },
		{ "mortgage", NULL }, { "plate", NULL }, { "plate-type", NULL },
		{ "certificate-number", NULL }, { "contract-number", NULL },
		{ "term-end", NULL }, { "phone-contact", NULL },
		{ "bank-staff", NULL } };
	const char *pos[1];
	size_t npos, blen = 0;
	struct regclient_counter c;
	char *body = NULL;
	json_t *reply = NULL;
	int ret, release;

	ret = cli_args_parse(verb, argc, argv, o, 18, pos, 0, &npos);
	if (ret == CLI_HELP) {
		fputs(usage_counter, stdout);
		return CLI_EXIT_OK;
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (!required(verb, o, 4) || !required(verb, o + 5, 3))
		return CLI_EXIT_USAGE;
	release = o[10].value != NULL;
	if ((o[4].value == NULL) == (o[16].value == NULL) ||
	    (o[16].value == NULL) != (o[17].value == NULL) ||
	    (o[16].value != NULL && !release)) {
		cli_fail(verb, "the bank's consent: --voucher, or for a "
		    "release --phone-contact with --bank-staff");
		return CLI_EXIT_USAGE;
	}
	if (release ? (o[11].value || o[12].value || o[13].value ||
	    o[14].value || o[15].value) : !required(verb, o + 11, 4)) {
		cli_fail(verb, "a release takes --mortgage only, a mortgage "
		    "--plate, --plate-type, --certificate-number and "
		    "--contract-number");
		return CLI_EXIT_USAGE;
	}
	memset(&c, 0, sizeof c);
	c.mortgagee = o[3].value;
	c.voucher = o[4].value;
	c.id_document = o[5].value;
	c.vin = o[6].value;
	c.owner_id_number = o[7].value;
	c.owner_name = o[8].value;
	c.owner_phone = o[9].value;
	c.mortgage = o[10].value;
	c.plate = o[11].value;
	c.plate_type = o[12].value;
	c.certificate_number = o[13].value;
	c.contract_number = o[14].value;
	c.term_end = o[15].value;
	c.phone_contact = o[16].value;
	c.bank_staff = o[17].value;
	if (regclient_counter_body(release, &c, &body, &blen) != LIEN_OK) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	ret = send_one(verb, o[0].value, o[1].value, o[2].value, release ?
	    "/v1/counter/releases" : "/v1/counter/mortgages", body, blen,
	    &reply);
	free(body);
	if (ret == CLI_EXIT_OK) {
		const char *id = json_string_value(json_object_get(reply,
		    "application_id"));
		const char *stat = json_string_value(json_object_get(reply,
		    "status"));
		const char *code = json_string_value(json_object_get(reply,
		    "owner_code"));

		if (id == NULL || stat == NULL) {
			cli_fail(verb, "the answer names no application");
			ret = CLI_EXIT_NETWORK;
		} else {
			printf("%s %s%s%s\n", id, stat, code ? " " : "",
			    code ? code : "");
		}
	}
	json_decref(reply);
	return ret;
}
