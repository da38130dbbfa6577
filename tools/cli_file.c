/*
 * `lienlog file-institutions --url URL --key KEY --cert CERT --csv FILE`:
 * bulk filing of institutions (issue 17 part 5,
 * docs/api-registration.md "Filed institutions"). Each CSV row
 * (uscc,name,certificate; RFC 4180 quoting; a first row "uscc,..." is a
 * header) becomes one signed POST /v1/institutions as the administrator
 * of KEY/CERT, with the certificate file named relative to the CSV's
 * folder: one log entry per row. A row whose certificate is filed already
 * (409 key_exists) counts as filed, so a run that stopped half-way is
 * simply run again. Every other answer is reported with its line and code;
 * the exit status is 1 when any row was refused.
 */
#include "tools/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/regclient.h"
#include "common/file.h"
#include "crypto/cert.h"
#include "crypto/pkey.h"

#define CSV_MAX (16u << 20)
#define FIELD_MAX 4096u

static const char usage_file[] =
    "usage: lienlog file-institutions --url URL --key KEY --cert CERT"
    " --csv FILE\n"
    "File every institution of FILE (CSV: uscc,name,certificate; the\n"
    "certificate is a PEM file named relative to FILE's folder), each row\n"
    "one signed POST /v1/institutions as the administrator KEY/CERT at URL\n"
    "(http://HOST:PORT of lienlogd). Rows already filed (409 key_exists)\n"
    "count as filed: run it again after an interruption. Prints one line\n"
    "per refused row and a summary; exit 1 if any row was refused.\n";

/* One CSV field starting at *p (RFC 4180: quoted with "" for a quote);
 * stops at ',' (consumed), end of line (not consumed) or end. 0 on a
 * malformed or oversize field. */
static int
csv_field(const char **p, const char *end, char out[FIELD_MAX])
{
	size_t n = 0;
	const char *s = *p;

	if (s < end && *s == '"') {
		for (s++;; s++) {
			if (s >= end)
				return 0;
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (n + 1 >= FIELD_MAX)
				return 0;
			out[n++] = *s;
		}
	} else {
		while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
			if (*s == '"' || n + 1 >= FIELD_MAX)
				return 0;
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	if (s < end && *s == ',')
		s++;
	else if (s < end && *s != '\n' && *s != '\r')
		return 0;
	*p = s;
	return 1;
}

int
cli_file_institutions(int argc, char **argv)
{
	static const char verb[] = "file-institutions";
	struct cli_opt opts[] = { { "url", NULL }, { "key", NULL },
		{ "cert", NULL }, { "csv", NULL } };
	const char *pos[1];
	size_t npos;
	uint8_t *key = NULL, *cert = NULL, *csv = NULL;
	size_t key_len = 0, cert_len = 0, csv_len = 0;
	struct regclient_party admin;
	struct regclient_config cfg;
	struct regclient *rc = NULL;
	char base[4096];
	const char *p, *end, *slash;
	unsigned line = 0, filed = 0, already = 0, refused = 0;
	int ret;

	memset(&admin, 0, sizeof admin);
	ret = cli_args_parse(verb, argc, argv, opts, 4, pos, 0, &npos);
	if (ret == CLI_HELP) {
		fputs(usage_file, stdout);
		return CLI_EXIT_OK;
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	for (size_t i = 0; i < 4; i++)
		if (opts[i].value == NULL) {
			cli_fail(verb, "--%s is required (see --help)",
			    opts[i].name);
			return CLI_EXIT_USAGE;
		}
	if ((ret = cli_read_file(verb, opts[1].value, 64u << 10, &key,
	    &key_len)) != CLI_EXIT_OK ||
	    (ret = cli_read_file(verb, opts[2].value, 64u << 10, &cert,
	    &cert_len)) != CLI_EXIT_OK ||
	    (ret = cli_read_file(verb, opts[3].value, CSV_MAX, &csv,
	    &csv_len)) != CLI_EXIT_OK)
		goto out;
	if (regclient_party_load((const char *)key, key_len,
	    (const char *)cert, cert_len, &admin) != LIEN_OK) {
		cli_fail(verb, "%s / %s: not a private key and its certificate",
		    opts[1].value, opts[2].value);
		ret = CLI_EXIT_INPUT;
		goto out;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.url = opts[0].value;
	if (regclient_new(&cfg, &rc) != LIEN_OK) {
		cli_fail(verb, "bad --url %s (http://HOST:PORT)", opts[0].value);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	slash = strrchr(opts[3].value, '/');
	(void)snprintf(base, sizeof base, "%.*s", slash ? (int)(slash -
	    opts[3].value) : 1, slash ? opts[3].value : ".");
	p = (const char *)csv;
	end = p + csv_len;
	ret = CLI_EXIT_OK;
	while (p < end) {
		char f[3][FIELD_MAX], path[8192], *body = NULL;
		char *pem = NULL;
		size_t pem_len = 0, blen = 0;
		struct regclient_reply r;
		enum lien_status st;

		line++;
		if (*p == '\n' || *p == '\r') {		/* an empty line */
			p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
			continue;
		}
		if (!csv_field(&p, end, f[0]) || !csv_field(&p, end, f[1]) ||
		    !csv_field(&p, end, f[2]) || (p < end && *p != '\n' &&
		    *p != '\r')) {
			fprintf(stderr, "lienlog %s: %s line %u: not three CSV "
			    "fields (uscc,name,certificate)\n", verb,
			    opts[3].value, line);
			refused++;
			while (p < end && *p != '\n')
				p++;
			if (p < end)
				p++;
			continue;
		}
		p += (p < end && *p == '\r') ? 1 : 0;
		p += (p < end && *p == '\n') ? 1 : 0;
		if (line == 1 && strcmp(f[0], "uscc") == 0)
			continue;			/* the header */
		(void)snprintf(path, sizeof path, "%s%s%s", f[2][0] == '/' ?
		    "" : base, f[2][0] == '/' ? "" : "/", f[2]);
		if (file_read(path, CERT_TEXT_MAX, &pem, &pem_len) != LIEN_OK) {
			fprintf(stderr, "lienlog %s: %s line %u: cannot read "
			    "%s\n", verb, opts[3].value, line, path);
			refused++;
			continue;
		}
		st = regclient_institution_body(f[0], f[1], pem, pem_len,
		    &body, &blen);
		free(pem);
		if (st != LIEN_OK) {
			refused++;
			continue;
		}
		st = regclient_send(rc, &admin, "POST", "/v1/institutions",
		    body, blen, (int64_t)time(NULL), &r);
		free(body);
		if (st != LIEN_OK) {
			cli_fail(verb, "%s line %u: no answer from %s (%s)",
			    opts[3].value, line, opts[0].value,
			    lien_status_message(st));
			ret = cli_exit_net(st);
			goto out;
		}
		if (r.http == 201) {
			filed++;
		} else if (r.http == 409 && strcmp(r.code, "key_exists") == 0) {
			already++;
		} else {
			fprintf(stderr, "lienlog %s: %s line %u: %s refused: "
			    "%ld %s\n", verb, opts[3].value, line, f[0],
			    r.http, r.code);
			refused++;
		}
		regclient_reply_clear(&r);
	}
	printf("%u filed, %u already filed, %u refused\n", filed, already,
	    refused);
	if (refused > 0)
		ret = CLI_EXIT_VERIFY;
out:
	regclient_party_clear(&admin);
	regclient_free(rc);
	if (key != NULL) {
		memset(key, 0, key_len);
		free(key);
	}
	free(cert);
	free(csv);
	return ret;
}
