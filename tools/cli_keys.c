/*
 * `lienlog keygen --name ORIGIN --out PREFIX`: a new Ed25519 signed-note
 * key pair for a log (or a witness), written as PREFIX.key (the private
 * key, "PRIVATE+KEY+<name>+<id>+<base64>", mode 0600) and PREFIX.vkey (the
 * verifier key "<name>+<id>+<base64>" that auditors are given).
 *
 * Like signify/minisign: never overwrite. Both files are created with
 * O_CREAT|O_EXCL (which also refuses to follow a symlink planted at the
 * path) before the key exists; if anything fails afterwards, the files we
 * created are removed, so a run either leaves a complete, fsync'd pair or
 * nothing. The private key text lives only in secret memory (secret_alloc)
 * and goes straight from there to the file.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "crypto/sign.h"

static const char usage_keygen[] =
    "usage: lienlog keygen --name ORIGIN --out PREFIX\n"
    "       lienlog keygen --type ed25519|p256|sm2 --out PREFIX\n"
    "With --name: generate an Ed25519 signed-note key named ORIGIN (the\n"
    "log's checkpoint origin, e.g. example.org/lien-log). Writes PREFIX.key\n"
    "(private, mode 0600) and PREFIX.vkey (verifier key for auditors);\n"
    "refuses to overwrite either. Prints the verifier key on stdout.\n"
    "With --type: generate a request-signing key for a party (a bank):\n"
    "PREFIX.key (unencrypted PKCS#8 PEM, mode 0600) and PREFIX.pub\n"
    "(SubjectPublicKeyInfo PEM); refuses to overwrite either. Prints the\n"
    "public key on stdout. Next step: lienlog csr (docs/integration.md).\n"
    "--name and --type are mutually exclusive.\n";

static int
create_excl(const char *verb, const char *path, mode_t mode, int *out_fd)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0) {
		if (errno == EEXIST)
			cli_fail(verb, "%s already exists; refusing to overwrite",
			    path);
		else
			cli_fail(verb, "%s: %s", path, strerror(errno));
		return CLI_EXIT_IO;
	}
	*out_fd = fd;
	return CLI_EXIT_OK;
}

/* The helper above, for the other key-writing verbs (cli_pki.c). */
int
cli_create_excl(const char *verb, const char *path, unsigned mode,
    int *out_fd)
{
	return create_excl(verb, path, (mode_t)mode, out_fd);
}

/* PREFIX + suffix, malloc'd; NULL when out of memory. */
static char *
prefix_path(const char *prefix, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *p = malloc(a + b + 1);

	if (p != NULL) {
		memcpy(p, prefix, a);
		memcpy(p + a, suffix, b + 1);
	}
	return p;
}

/* Write one file of a key pair: all bytes, a final '\n' when nl, fsync. */
static enum lien_status LIEN_MUST_CHECK
keyfile_fill(int fd, const char *text, size_t len, int nl)
{
	if (file_write_all(fd, text, len) != LIEN_OK ||
	    (nl && file_write_all(fd, "\n", 1) != LIEN_OK) || fsync(fd) != 0)
		return LIEN_EIO;
	return LIEN_OK;
}

int
cli_keypair_write(const char *verb, const char *prefix, const char *pub_ext,
    const char *secret, size_t secret_len, const char *pub, size_t pub_len,
    int nl)
{
	char *key_path = prefix_path(prefix, ".key");
	char *pub_path = prefix_path(prefix, pub_ext);
	int key_fd = -1, pub_fd = -1, created = 0, rc;

	if (key_path == NULL || pub_path == NULL) {
		cli_fail(verb, "out of memory");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	if ((rc = create_excl(verb, key_path, 0600, &key_fd)) != CLI_EXIT_OK)
		goto out;
	created = 1;
	if ((rc = create_excl(verb, pub_path, 0644, &pub_fd)) != CLI_EXIT_OK)
		goto out;
	created = 2;
	rc = CLI_EXIT_IO;
	/* A restrictive umask may have cleared bits of 0600; the owner still
	 * needs to read the key, and nobody else ever may. */
	if (fchmod(key_fd, 0600) != 0 ||
	    keyfile_fill(key_fd, secret, secret_len, nl) != LIEN_OK) {
		cli_fail(verb, "%s: %s", key_path, strerror(errno));
		goto out;
	}
	if (keyfile_fill(pub_fd, pub, pub_len, nl) != LIEN_OK) {
		cli_fail(verb, "%s: %s", pub_path, strerror(errno));
		goto out;
	}
	{
		int ck = close(key_fd), cp = close(pub_fd);

		key_fd = pub_fd = -1;
		if (ck != 0 || cp != 0) {
			cli_fail(verb, "closing the key files: %s",
			    strerror(errno));
			goto out;
		}
	}
	rc = CLI_EXIT_OK;
out:
	if (key_fd >= 0)
		(void)close(key_fd);
	if (pub_fd >= 0)
		(void)close(pub_fd);
	/* Fail closed: never leave a half-written or unpaired key behind.
	 * Only files this run created (O_EXCL succeeded) are removed. */
	if (rc != CLI_EXIT_OK && created >= 1)
		(void)unlink(key_path);
	if (rc != CLI_EXIT_OK && created >= 2)
		(void)unlink(pub_path);
	free(key_path);
	free(pub_path);
	return rc;
}

int
cli_keygen(int argc, char **argv)
{
	static const char verb[] = "keygen";
	struct cli_opt opts[] = { { "name", NULL }, { "out", NULL },
		{ "type", NULL } };
	const char *pos[1];
	int rc;
	size_t npos;

	rc = cli_args_parse(verb, argc, argv, opts, 3, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_keygen, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	/* Two different kinds of key: a log's signed-note key (--name) and
	 * a party's request-signing key (--type, cli_pki.c). */
	if (opts[2].value != NULL) {
		if (opts[0].value != NULL) {
			cli_fail(verb, "--type and --name are mutually exclusive "
			    "(see --help)");
			return CLI_EXIT_USAGE;
		}
		if (opts[1].value == NULL) {
			cli_fail(verb, "need --out PREFIX (see --help)");
			return CLI_EXIT_USAGE;
		}
		return cli_keygen_typed(verb, opts[2].value, opts[1].value);
	}
	if (opts[0].value == NULL || opts[1].value == NULL) {
		cli_fail(verb, "need --name ORIGIN and --out PREFIX (see --help)");
		return CLI_EXIT_USAGE;
	}
	return cli_keygen_named(verb, opts[0].value, opts[1].value,
	    note_key_generate);
}

int
cli_keygen_named(const char *verb, const char *name, const char *prefix,
    enum lien_status (*gen)(const char *name, size_t name_len, char **skey,
    char **vkey))
{
	char *skey = NULL, *vkey = NULL;
	enum lien_status s;
	int rc;

	if (note_name_check(name, strlen(name)) != LIEN_OK) {
		cli_fail(verb, "invalid key name: it must be 1..%u bytes with "
		    "no spaces and no '+'", NOTE_NAME_MAX);
		return CLI_EXIT_USAGE;
	}
	if ((s = gen(name, strlen(name), &skey, &vkey)) != LIEN_OK) {
		cli_fail(verb, "key generation failed: %s",
		    lien_status_message(s));
		return cli_exit_for(s);
	}
	rc = cli_keypair_write(verb, prefix, ".vkey", skey, strlen(skey),
	    vkey, strlen(vkey), 1);
	if (rc == CLI_EXIT_OK)
		printf("%s\n", vkey);
	secret_free(skey);	/* zeroes the private key text */
	free(vkey);
	return rc;
}
