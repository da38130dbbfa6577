/*
 * lienlog: the command-line tool of auditors and integrators. This file
 * only dispatches on the verb; each verb is a linear function in cli_*.c.
 * The auditor's verbs (keygen --name, verify, audit) never talk to the
 * network: they work on files (keys, checkpoints, proofs) and on a store
 * directory opened read-only. The integrator's verbs (keygen --type, csr,
 * cert-fingerprint, sign-request) work on files too; only submit sends a
 * request. docs/cli.md is the manual, docs/integration.md the walkthrough.
 *
 * Output contract: results on stdout; on failure exactly one line
 * "lienlog: <verb>: <reason>" on stderr and an exit code from enum
 * cli_exit (0 only when everything verified).
 */
#include "tools/cli.h"

#include <stdio.h>
#include <string.h>

#include "crypto/sign.h"
#include "registry/registry.h"

static const char usage_main[] =
    "usage: lienlog <verb> [options]\n"
    "\n"
    "verbs:\n"
    "  keygen --name ORIGIN --out PREFIX\n"
    "      new Ed25519 log key: PREFIX.key (0600) and PREFIX.vkey\n"
    "  verify checkpoint --vkey VKEY FILE\n"
    "      check a signed checkpoint; print origin, size, root\n"
    "  verify inclusion --vkey VKEY [--checkpoint FILE] --proof PROOF.json"
    " [--entry ENTRY]\n"
    "      check that an entry is in the checkpoint's tree (a receipt\n"
    "      carries its checkpoint: --checkpoint is then optional)\n"
    "  verify consistency --vkey VKEY --old FILE --new FILE"
    " --proof PROOF.json\n"
    "      check that the new checkpoint's tree extends the old one's\n"
    "  verify proof --vkey VKEY [--witness W ... [--quorum K]]"
    " [--entry ENTRY] FILE\n"
    "      check a C2SP tlog-proof (from 'proof make') offline\n"
    "  verify status --vkey VKEY [--witness W ... --quorum K]"
    " [--checkpoint NEWER]\n"
    "                [--max-age D] --vin VIN PROOF\n"
    "      check a vehicle's lien-status proof offline"
    " (docs/lien-status.md)\n"
    "  file-institutions --url URL --key KEY --cert CERT --csv FILE\n"
    "      file every institution of a CSV, one signed filing per row\n"
    "  voucher --url URL --key KEY --cert CERT --vin VIN\n"
    "          (--contract-number N | --mortgage APP_ID) [--valid-days D]\n"
    "      a bank's single-use voucher for a counter application\n"
    "  counter-apply --url URL --key KEY --cert CERT --bank USCC\n"
    "          (--voucher V... | --phone-contact N --bank-staff WHO)\n"
    "          --document DOC --vin VIN --owner-id ID [...]\n"
    "      an officer files a counter mortgage or release\n"
    "  status --log URL --vkey VKEY --vin VIN [--witness W ... [--quorum K]]\n"
    "         [--max-age D] [--out FILE]\n"
    "      fetch and verify a vehicle's lien status: under a lien?\n"
    "  audit DIR [--vkey VKEY] [--prev OLD_DIR[,...]]\n"
    "      verify a whole store, read-only\n"
    "  freeze DIR\n"
    "      end a log for a key rotation; print its final checkpoint\n"
    "  genesis --prev-final FILE --prev-vkey VKEY DIR\n"
    "      start the successor log chained to a frozen one"
    " (docs/key-rotation.md)\n"
    "\n"
    "integrators (a bank's request-signing key, docs/integration.md):\n"
    "  keygen --type ed25519|p256|sm2 --out PREFIX\n"
    "      new signing key: PREFIX.key (PKCS#8, 0600) and PREFIX.pub\n"
    "  csr --key KEY --subject SUBJECT --out FILE.csr [--sm2-id ID]\n"
    "      PKCS#10 certificate request for the key\n"
    "  cert-fingerprint CERT\n"
    "      print the keyid (hex SHA-256 of the certificate DER)\n"
    "  sign-request --key KEY --keyid KEYID --url URL [--body FILE]"
    " [--method M]\n"
    "      print the RFC 9421 signature headers for a request\n"
    "  submit --key KEY --keyid KEYID --url URL [--body FILE] [--method M]\n"
    "         [--idempotency-key new|none|KEY]\n"
    "      sign and send a request; print the answer\n"
    "  witness keygen --name NAME --out PREFIX\n"
    "  witness serve --key KEY --data DIR --logs LOGS [--listen HOST:PORT]\n"
    "      run a C2SP tlog-witness (docs/witness.md)\n"
    "  sync --log URL --vkey VKEY --state DIR --sink SINK [--witness W ...]\n"
    "       [--all] [--once | --interval S]\n"
    "      verifying registry mirror, exactly once (docs/sync.md)\n"
    "  monitor --log URL --vkey VKEY [--peer FILE|URL ...]\n"
    "      check checkpoints from many vantage points (docs/monitor.md)\n"
    "  proof make --log URL --index I --out FILE [--vkey VKEY"
    " [--witness W ...]]\n"
    "      write a C2SP tlog-proof; check it with 'verify proof'\n"
    "  load --url URL --demo DIR [--concurrency N] [--duration S|--requests N]\n"
    "      signed registration load against a demo lienlogd (docs/demo.md)\n"
    "  demo mortgage --demo DIR --vin VIN ... --commitment C [--out FILE]\n"
    "  demo release --demo DIR --vin VIN --mortgage APP_ID ... [--out FILE]\n"
    "      a request body with the demo face-ID provider's token in it\n"
    "      (a company's vehicle: [--company USCC --rep-phone P\n"
    "      --rep-commitment R] adds the demo SMS attestation)\n"
    "  demo token face --demo DIR --commitment C --nonce HEX\n"
    "  demo token sms --demo DIR --company USCC --rep-commitment R\n"
    "      --commitment C --nonce HEX\n"
    "      a bare demo face token / SMS attestation (docs/cli.md)\n"
    "\n"
    "'lienlog <verb> --help' describes each verb.\n"
    "exit codes (docs/cli.md): 0 verified/ok, 1 verification failed or\n"
    "  request refused, 2 usage, 3 bad input file, 4 local file or store\n"
    "  I/O, 5 internal error, 6 server unreachable or failing (retry);\n"
    "  sync and monitor add 10..15 (docs/sync.md)\n";

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
	/* The audit's replay makes and frees JSON trees by the million on
	 * one thread: jansson through the registry's pool (registry/
	 * jalloc.c), set before any JSON value exists. */
	if (strcmp(verb, "audit") == 0)
		(void)registry_json_pool_init();
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
	else if (strcmp(verb, "freeze") == 0)
		rc = cli_freeze(argc - 2, argv + 2);
	else if (strcmp(verb, "genesis") == 0)
		rc = cli_genesis(argc - 2, argv + 2);
	else if (strcmp(verb, "csr") == 0)
		rc = cli_csr(argc - 2, argv + 2);
	else if (strcmp(verb, "cert-fingerprint") == 0)
		rc = cli_cert_fingerprint(argc - 2, argv + 2);
	else if (strcmp(verb, "sign-request") == 0)
		rc = cli_sign_request(argc - 2, argv + 2);
	else if (strcmp(verb, "submit") == 0)
		rc = cli_submit(argc - 2, argv + 2);
	else if (strcmp(verb, "witness") == 0)
		rc = cli_witness(argc - 2, argv + 2);
	else if (strcmp(verb, "sync") == 0)
		rc = cli_sync(argc - 2, argv + 2);
	else if (strcmp(verb, "monitor") == 0)
		rc = cli_monitor(argc - 2, argv + 2);
	else if (strcmp(verb, "proof") == 0)
		rc = cli_proof(argc - 2, argv + 2);
	else if (strcmp(verb, "load") == 0)
		rc = cli_load(argc - 2, argv + 2);
	else if (strcmp(verb, "file-institutions") == 0)
		rc = cli_file_institutions(argc - 2, argv + 2);
	else if (strcmp(verb, "voucher") == 0)
		rc = cli_voucher(argc - 2, argv + 2);
	else if (strcmp(verb, "counter-apply") == 0)
		rc = cli_counter(argc - 2, argv + 2);
	else if (strcmp(verb, "status") == 0)
		rc = cli_status(argc - 2, argv + 2);
	else if (strcmp(verb, "demo") == 0)
		rc = cli_demo(argc - 2, argv + 2);
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
