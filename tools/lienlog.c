/*
 * lienlog: the auditor's command-line tool. This file only dispatches on
 * the verb; each verb is a linear function in cli_*.c. Verbs never talk to
 * the network: they work on files (keys, checkpoints, proofs) and on a
 * store directory opened read-only. docs/cli.md is the manual.
 *
 * Output contract: results on stdout; on failure exactly one line
 * "lienlog: <verb>: <reason>" on stderr and an exit code from enum
 * cli_exit (0 only when everything verified).
 */
#include "tools/cli.h"

#include <stdio.h>
#include <string.h>

#include "crypto/sign.h"

static const char usage_main[] =
    "usage: lienlog <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  keygen --name ORIGIN --out PREFIX\n"
    "      new Ed25519 log key: PREFIX.key (0600) and PREFIX.vkey\n"
    "  verify checkpoint --vkey VKEY FILE\n"
    "      check a signed checkpoint; print origin, size, root\n"
    "  verify inclusion --vkey VKEY --checkpoint FILE --proof PROOF.json"
    " [--entry ENTRY]\n"
    "      check that an entry is in the checkpoint's tree\n"
    "  verify consistency --vkey VKEY --old FILE --new FILE"
    " --proof PROOF.json\n"
    "      check that the new checkpoint's tree extends the old one's\n"
    "  audit DIR [--vkey VKEY]\n"
    "      verify a whole store, read-only\n"
    "\n"
    "'lienlog <verb> --help' describes each verb.\n"
    "exit codes: 0 verified/ok, 1 verification failed, 2 usage,\n"
    "            3 bad input file, 4 I/O error, 5 internal error\n";

int
main(int argc, char **argv)
{
	const char *verb;
	int rc;

	if (argc < 2) {
		fputs("lienlog: missing verb (see lienlog --help)\n", stderr);
		return CLI_EXIT_USAGE;
	}
	verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 ||
	    strcmp(verb, "help") == 0) {
		fputs(usage_main, stdout);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
	}
	if (lcrypto_init() != LIEN_OK) {
		cli_fail(verb, "cannot initialise the crypto libraries");
		return CLI_EXIT_INTERNAL;
	}
	if (strcmp(verb, "keygen") == 0)
		rc = cli_keygen(argc - 2, argv + 2);
	else if (strcmp(verb, "verify") == 0)
		rc = cli_verify(argc - 2, argv + 2);
	else if (strcmp(verb, "audit") == 0)
		rc = cli_audit(argc - 2, argv + 2);
	else {
		cli_fail(verb, "unknown verb (see lienlog --help)");
		return CLI_EXIT_USAGE;
	}
	/* A result nobody could read is not a result: a full disk or a
	 * closed pipe on stdout turns success into an I/O failure. */
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
		fputs("lienlog: cannot write to standard output\n", stderr);
		rc = CLI_EXIT_IO;
	}
	return rc;
}
