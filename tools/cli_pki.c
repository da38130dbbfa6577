/*
 * A party's keys and certificate requests, for bank integrators
 * (docs/integration.md):
 *
 *   lienlog keygen --type ed25519|p256|sm2 --out PREFIX
 *   lienlog csr --key KEY --subject SUBJECT --out FILE.csr [--sm2-id ID]
 *   lienlog cert-fingerprint CERT
 *
 * keygen writes PREFIX.key (unencrypted PKCS#8 PEM, mode 0600) and
 * PREFIX.pub (SubjectPublicKeyInfo PEM) with the same discipline as the
 * log-key keygen (cli_keys.c): both files created O_EXCL before the key
 * exists (no overwrite, no symlink follow), fsync'd, and removed again if
 * anything fails, so a run leaves a complete pair or nothing. The private
 * PEM text is wiped once written (pkey_pem_free).
 *
 * csr makes the PKCS#10 request the bank's CA turns into the certificate
 * that an administrator files (crypto/csr.h). The subject is checked here
 * before anything is signed: a CN is required, and an
 * organizationIdentifier must carry a unified social credit code whose
 * GB 32100 check character is right (registry/ids.h) — the same check the
 * registry applies at filing, made where a typo is cheap to fix.
 *
 * cert-fingerprint prints the keyid a party puts in its RFC 9421
 * signatures: lowercase hex SHA-256 of the certificate DER
 * (docs/architecture.md section 2).
 *
 * The SM2 distinguishing ID is not part of a PKCS#8 key file, so it is an
 * option of the verbs that sign (csr, sign-request, submit), not of
 * keygen.
 */
#include "tools/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/hex.h"
#include "crypto/cert.h"
#include "crypto/csr.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"
#include "registry/ids.h"

static const char usage_csr[] =
    "usage: lienlog csr --key KEY --subject SUBJECT --out FILE.csr"
    " [--sm2-id ID]\n"
    "Write a PKCS#10 certificate request (PEM) for the private key KEY\n"
    "(from 'lienlog keygen --type'), signed with that key, asking for\n"
    "keyUsage digitalSignature. SUBJECT is written like openssl's -subj:\n"
    "  \"/CN=Example Bank/O=Example Bank Co., Ltd./"
    "organizationIdentifier=NTRCN-<USCC>\"\n"
    "Attributes: C ST L O OU CN serialNumber organizationIdentifier; CN is\n"
    "required; a backslash escapes the next character. The credit code's\n"
    "GB 32100 check character is verified. SM2 keys sign with SM3 and the\n"
    "distinguishing ID (default 1234567812345678; --sm2-id to change).\n"
    "Refuses to overwrite FILE.csr.\n";

static const char usage_fpr[] =
    "usage: lienlog cert-fingerprint CERT\n"
    "Print the keyid of a certificate (PEM or DER): the lowercase hex\n"
    "SHA-256 of its DER encoding. This is the RFC 9421 keyid a filed\n"
    "party signs its requests with.\n";

/* ---- key loading ------------------------------------------------------- */

int
cli_load_signing_key(const char *verb, const char *path, const char *sm2_id,
    struct pkey **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct pkey *key = NULL;
	enum lien_status s;
	int rc;

	*out = NULL;
	rc = cli_read_file(verb, path, PKEY_TEXT_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* The files people mix up, named before any parsing: the
	 * certificate (its keyid goes in --keyid), a public key, a SEC1 or
	 * encrypted private key (convertible with openssl). */
	{
		static const struct {
			const char *begin, *why;
		} mixups[] = {
			{ "-----BEGIN CERTIFICATE-----", "is a certificate, not "
			  "a private key: --key takes the private key that "
			  "signs (PREFIX.key from 'lienlog keygen --type'); the "
			  "certificate gives the keyid ('lienlog "
			  "cert-fingerprint CERT' for --keyid)" },
			{ "-----BEGIN CERTIFICATE REQUEST-----", "is a "
			  "certificate request, not a private key: --key takes "
			  "the private key that signs (PREFIX.key)" },
			{ "-----BEGIN PUBLIC KEY-----", "is a public key; "
			  "signing needs the private key (PREFIX.key)" },
			{ "-----BEGIN EC PRIVATE KEY-----", "is a SEC1 \"EC "
			  "PRIVATE KEY\"; convert it to PKCS#8 with 'openssl "
			  "pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'" },
			{ "-----BEGIN ENCRYPTED PRIVATE KEY-----", "is "
			  "encrypted; lienlog needs an unencrypted PKCS#8 key "
			  "('openssl pkcs8 -in KEY -out KEY.pk8' asks for the "
			  "passphrase and writes one)" },
			{ "-----BEGIN OPENSSH PRIVATE KEY-----", "is an OpenSSH "
			  "key; lienlog needs PKCS#8 PEM ('lienlog keygen "
			  "--type')" },
		};

		for (size_t i = 0; i < sizeof mixups / sizeof mixups[0];
		    i++) {
			size_t bl = strlen(mixups[i].begin);

			if (len >= bl && memcmp(buf, mixups[i].begin, bl) == 0) {
				secret_wipe(buf, len);
				free(buf);
				cli_fail(verb, "%s %s", path, mixups[i].why);
				return CLI_EXIT_INPUT;
			}
		}
	}
	s = pkey_from_pem((const char *)buf, len, &key);
	secret_wipe(buf, len);
	free(buf);
	switch (s) {
	case LIEN_OK:
		break;
	case LIEN_EUNSUPPORTED:
		cli_fail(verb, "%s: unsupported key type (want Ed25519, ECDSA "
		    "P-256 or SM2)", path);
		return CLI_EXIT_INPUT;
	case LIEN_ETOOBIG:
		cli_fail(verb, "%s: larger than the %u-byte limit", path,
		    PKEY_TEXT_MAX);
		return CLI_EXIT_INPUT;
	case LIEN_ENOMEM:
	case LIEN_ECRYPTO:
		cli_fail(verb, "%s: %s", path, lien_status_message(s));
		return CLI_EXIT_INTERNAL;
	default:
		cli_fail(verb, "%s: not a PEM private key (want one unencrypted "
		    "PKCS#8 \"PRIVATE KEY\" block)", path);
		return CLI_EXIT_INPUT;
	}
	if (!pkey_is_private(key)) {
		cli_fail(verb, "%s: is a public key; signing needs the private "
		    "key (PREFIX.key)", path);
		rc = CLI_EXIT_INPUT;
		goto fail;
	}
	if (sm2_id != NULL) {
		size_t id_len = strlen(sm2_id);

		if (pkey_alg_get(key) != PKEY_SM2) {
			cli_fail(verb, "--sm2-id applies to SM2 keys only; %s is "
			    "%s", path, pkey_alg_name(pkey_alg_get(key)));
			rc = CLI_EXIT_USAGE;
			goto fail;
		}
		if (id_len > PKEY_SM2_ID_MAX ||
		    pkey_sm2_id_set(key, (const uint8_t *)sm2_id, id_len) !=
		    LIEN_OK) {
			cli_fail(verb, "--sm2-id must be 1..%u bytes",
			    PKEY_SM2_ID_MAX);
			rc = CLI_EXIT_USAGE;
			goto fail;
		}
	}
	*out = key;
	return CLI_EXIT_OK;
fail:
	pkey_free(key);
	return rc;
}

/* ---- keygen --type -------------------------------------------------------- */

int
cli_keygen_typed(const char *verb, const char *type, const char *prefix)
{
	enum pkey_alg alg;
	struct pkey *key = NULL;
	char *priv_pem = NULL, *pub_pem = NULL;
	size_t priv_len = 0, pub_len = 0;
	enum lien_status s;
	int rc;

	if (strcmp(type, "ed25519") == 0)
		alg = PKEY_ED25519;
	else if (strcmp(type, "p256") == 0)
		alg = PKEY_P256;
	else if (strcmp(type, "sm2") == 0)
		alg = PKEY_SM2;
	else {
		cli_fail(verb, "unknown --type '%.32s' (want ed25519, p256 or "
		    "sm2)", type);
		return CLI_EXIT_USAGE;
	}
	if ((s = pkey_generate(alg, &key)) != LIEN_OK ||
	    (s = pkey_export_pem(key, 1, &priv_pem, &priv_len)) != LIEN_OK ||
	    (s = pkey_export_pem(key, 0, &pub_pem, &pub_len)) != LIEN_OK) {
		cli_fail(verb, "key generation failed: %s",
		    lien_status_message(s));
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	rc = cli_keypair_write(verb, prefix, ".pub", priv_pem, priv_len,
	    pub_pem, pub_len, 0);
	if (rc == CLI_EXIT_OK)
		fputs(pub_pem, stdout);
out:
	if (priv_pem != NULL)
		pkey_pem_free(priv_pem, priv_len);
	if (pub_pem != NULL)
		pkey_pem_free(pub_pem, pub_len);
	pkey_free(key);
	return rc;
}

/* ---- csr ------------------------------------------------------------------ */

/* The registry files a bank under its unified social credit code, taken
 * from the certificate (docs/certificates.md "Credit code"): accept the
 * two spellings crypto/cert.c reads, and verify the check character. */
static int
subject_policy_check(const char *verb, const struct csr_subject *subj)
{
	int have_cn = 0;

	for (size_t i = 0; i < subj->nattrs; i++) {
		const struct csr_attr *a = &subj->attrs[i];

		if (strcmp(a->name, "CN") == 0)
			have_cn = 1;
		if (strcmp(a->name, "organizationIdentifier") == 0) {
			const char *code = a->value;
			size_t n = a->value_len;

			if (n == 6 + CERT_USCC_LEN &&
			    memcmp(code, "NTRCN-", 6) == 0) {
				code += 6;
				n -= 6;
			}
			if (n != CERT_USCC_LEN) {
				cli_fail(verb, "organizationIdentifier must be "
				    "NTRCN- followed by the 18-character unified "
				    "social credit code");
				return CLI_EXIT_USAGE;
			}
			if (ids_uscc_validate(code, n) != LIEN_OK) {
				char want = 0;

				if (ids_uscc_check_char(code, n, &want) ==
				    LIEN_OK && want != code[n - 1])
					cli_fail(verb, "unified social credit "
					    "code %.18s: check character should "
					    "be '%c' (GB 32100)", code, want);
				else
					cli_fail(verb, "unified social credit "
					    "code %.18s is not valid (GB 32100)",
					    code);
				return CLI_EXIT_USAGE;
			}
		}
	}
	if (!have_cn) {
		cli_fail(verb, "the subject needs a CN (e.g. /CN=Example Bank)");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int
cli_csr(int argc, char **argv)
{
	static const char verb[] = "csr";
	struct cli_opt opts[] = { { "key", NULL }, { "subject", NULL },
		{ "out", NULL }, { "sm2-id", NULL } };
	const char *pos[1];
	struct csr_subject *subj = NULL;
	struct pkey *key = NULL;
	char *pem = NULL;
	size_t npos, pem_len = 0, bad_at = 0;
	int fd = -1, created = 0, rc;
	enum lien_status s;

	rc = cli_args_parse(verb, argc, argv, opts, 4, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_csr, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[0].value == NULL || opts[1].value == NULL ||
	    opts[2].value == NULL) {
		cli_fail(verb, "need --key KEY, --subject SUBJECT and --out FILE "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	if ((subj = malloc(sizeof(*subj))) == NULL) {
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	s = csr_subject_parse(opts[1].value, strlen(opts[1].value), subj,
	    &bad_at);
	if (s != LIEN_OK) {
		const char *why =
		    s == LIEN_EUNSUPPORTED ? "unknown attribute name" :
		    s == LIEN_ERANGE ? "value too long or too short for its "
		    "attribute" :
		    s == LIEN_ETOOBIG ? "too long or too many attributes" :
		    "malformed (want /NAME=VALUE/...; C is two capital letters, "
		    "serialNumber and organizationIdentifier printable ASCII, "
		    "each attribute but OU once)";

		cli_fail(verb, "--subject at offset %zu: %s", bad_at, why);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if ((rc = subject_policy_check(verb, subj)) != CLI_EXIT_OK)
		goto out;
	rc = cli_load_signing_key(verb, opts[0].value, opts[3].value, &key);
	if (rc != CLI_EXIT_OK)
		goto out;
	if ((s = csr_create_pem(key, subj, &pem, &pem_len)) != LIEN_OK) {
		cli_fail(verb, "cannot make the request: %s",
		    lien_status_message(s));
		rc = s == LIEN_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
		goto out;
	}
	rc = cli_create_excl(verb, opts[2].value, 0644, &fd);
	if (rc != CLI_EXIT_OK)
		goto out;
	created = 1;
	if (file_write_all(fd, pem, pem_len) != LIEN_OK || fsync(fd) != 0) {
		cli_fail(verb, "%s: %s", opts[2].value, strerror(errno));
		rc = CLI_EXIT_IO;
		goto out;
	}
	{
		int c = close(fd);

		fd = -1;
		if (c != 0) {
			cli_fail(verb, "%s: %s", opts[2].value, strerror(errno));
			rc = CLI_EXIT_IO;
			goto out;
		}
	}
	rc = CLI_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	if (rc != CLI_EXIT_OK && created)
		unlink(opts[2].value);
	free(pem);
	free(subj);
	pkey_free(key);
	return rc;
}

/* ---- cert-fingerprint ------------------------------------------------------ */

int
cli_cert_fingerprint(int argc, char **argv)
{
	static const char verb[] = "cert-fingerprint";
	const char *pos[1];
	uint8_t *buf = NULL, fpr[CERT_FPR_LEN];
	char hex[HEX_LEN(CERT_FPR_LEN) + 1];
	size_t len = 0, npos;
	struct cert *c = NULL;
	enum lien_status s;
	int rc;

	rc = cli_args_parse(verb, argc, argv, NULL, 0, pos, 1, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_fpr, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (npos != 1) {
		cli_fail(verb, "need one certificate file (see --help)");
		return CLI_EXIT_USAGE;
	}
	rc = cli_read_file(verb, pos[0], CERT_TEXT_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	/* DER starts with a SEQUENCE tag; PEM and bare base64 never do. */
	if (buf[0] == 0x30)
		s = cert_parse_der(buf, len, &c);
	else
		s = cert_parse_text((const char *)buf, len, &c);
	free(buf);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: not one strict PEM or DER certificate (%s)",
		    pos[0], lien_status_message(s));
		return s == LIEN_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
	}
	cert_fingerprint(c, fpr);
	cert_free(c);
	hex_encode(fpr, sizeof(fpr), hex);
	printf("%s\n", hex);
	return CLI_EXIT_OK;
}
