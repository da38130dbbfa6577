/*
 * `lienlog witness`: run a C2SP tlog-witness (docs/witness.md).
 *
 *   lienlog witness keygen --name NAME --out PREFIX
 *       a new witness key (cosignature type 0x04): PREFIX.key (0600) and
 *       PREFIX.vkey; never overwrites (O_EXCL), leaves both or nothing.
 *   lienlog witness serve --key KEY --data DIR --logs LOGS
 *       [--listen HOST:PORT] [--threads N] [--port-file FILE]
 *       serve POST /add-checkpoint until SIGINT/SIGTERM.
 *
 * Linear and strict like the other verbs: every input is loaded and
 * checked (key type 0x04, logs file syntax with the line of the first
 * error) before the store is opened or a port bound. Signals are blocked
 * before civetweb starts its threads, so only this thread's sigwait()
 * sees them and shutdown is ordinary code.
 */
#include "tools/cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd/civet.h"
#include "witness/server.h"
#include "crypto/cosig.h"
#include "crypto/sign.h"
#include "witness/witness.h"

static const char usage_witness[] =
    "usage: lienlog witness keygen --name NAME --out PREFIX\n"
    "       lienlog witness serve --key KEY --data DIR --logs LOGS\n"
    "                             [--listen HOST:PORT] [--threads N]\n"
    "                             [--port-file FILE]\n"
    "keygen: new witness key (tlog-cosignature, type 0x04) named NAME\n"
    "  (e.g. witness.example.org/w1): PREFIX.key (private, 0600) and\n"
    "  PREFIX.vkey; refuses to overwrite. Prints the verifier key.\n"
    "serve: C2SP tlog-witness on plain HTTP (default 127.0.0.1:7380;\n"
    "  port 0: a free one the kernel picks, named in the 'listening on'\n"
    "  line): POST /add-checkpoint. DIR holds the witness's LMDB store\n"
    "  (created if missing; never a log's store). LOGS has one line per\n"
    "  log key: 'log <verifier key>' ('#' comments and blank lines\n"
    "  allowed). --port-file FILE: the bound port, written once listening\n"
    "  (removed at start and at a clean stop). Stops on SIGINT/SIGTERM.\n"
    "  See docs/witness.md.\n";

static int
witness_keygen(int argc, char **argv)
{
	static const char verb[] = "witness keygen";
	struct cli_opt opts[] = { { "name", NULL }, { "out", NULL } };
	const char *pos[1];
	int rc;
	size_t npos;

	rc = cli_args_parse(verb, argc, argv, opts, 2, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_witness, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[0].value == NULL || opts[1].value == NULL) {
		cli_fail(verb, "need --name NAME and --out PREFIX (see --help)");
		return CLI_EXIT_USAGE;
	}
	return cli_keygen_named(verb, opts[0].value, opts[1].value,
	    cosig_key_generate);
}

static void
serve_log(void *ctx, const char *msg)
{
	(void)ctx;
	/* civetweb diagnostics: one line, made terminal-safe by cli_fail. */
	cli_fail("witness serve", "%s", msg);
}

static int
witness_serve(int argc, char **argv)
{
	static const char verb[] = "witness serve";
	struct cli_opt opts[] = { { "key", NULL }, { "data", NULL },
		{ "logs", NULL }, { "listen", NULL }, { "threads", NULL },
		{ "port-file", NULL } };
	struct witness_server_config cfg;
	struct cosig_signer *signer = NULL;
	struct note_verifier *logs = NULL;
	struct witness *w = NULL;
	struct witness_server *srv = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, nlogs = 0, line = 0, npos;
	const char *pos[1];
	char vkey[NOTE_NAME_MAX + 64];
	const char *listen, *colon;
	uint64_t nthreads = 0;	/* 0: the server's default */
	sigset_t sigs;
	int rc, sig = 0, port_file_written = 0;
	enum lien_status s;

	rc = cli_args_parse(verb, argc, argv, opts, 6, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage_witness, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[0].value == NULL || opts[1].value == NULL ||
	    opts[2].value == NULL) {
		cli_fail(verb, "need --key KEY, --data DIR and --logs LOGS "
		    "(see --help)");
		return CLI_EXIT_USAGE;
	}
	if (opts[4].value != NULL &&
	    dec_u64_arg(opts[4].value, 1, API_THREADS_MAX, &nthreads) !=
	    LIEN_OK) {
		cli_fail(verb, "--threads must be 1..%u", API_THREADS_MAX);
		return CLI_EXIT_USAGE;
	}
	/* A port file left by a witness that was killed names a port nobody
	 * serves: gone first, so a script waiting for it reads this one's. */
	if (opts[5].value != NULL && unlink(opts[5].value) != 0 &&
	    errno != ENOENT) {
		cli_fail(verb, "cannot remove the old --port-file %s: %s",
		    opts[5].value, strerror(errno));
		return CLI_EXIT_IO;
	}
	/* The key. */
	rc = cli_read_file(verb, opts[0].value, SKEY_FILE_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		return rc;
	s = cosig_signer_parse((const char *)buf, len, &signer);
	secret_wipe(buf, len);
	free(buf);
	buf = NULL;
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: not a witness private key (%s)%s",
		    opts[0].value, lien_status_message(s),
		    s == LIEN_EUNSUPPORTED ? "; a log key (type 0x01) cannot "
		    "cosign: use 'lienlog witness keygen'" : "");
		rc = s == LIEN_ENOMEM || s == LIEN_ECRYPTO ? CLI_EXIT_INTERNAL :
		    CLI_EXIT_INPUT;
		goto out;
	}
	/* The logs. */
	rc = cli_read_file(verb, opts[2].value, WITNESS_CONFIG_MAX, &buf, &len);
	if (rc != CLI_EXIT_OK)
		goto out;
	s = witness_logs_parse(buf, len, &logs, &nlogs, &line);
	free(buf);
	buf = NULL;
	if (s != LIEN_OK) {
		if (line != 0)
			cli_fail(verb, "%s:%zu: %s", opts[2].value, line,
			    s == LIEN_EEXIST ? "the same log key twice" :
			    lien_status_message(s));
		else
			cli_fail(verb, "%s: %s", opts[2].value,
			    s == LIEN_EPARSE ? "no 'log <vkey>' line" :
			    lien_status_message(s));
		rc = s == LIEN_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
		goto out;
	}
	/* Block the signals before civetweb starts threads: they inherit
	 * the mask, so only sigwait() below sees SIGINT/SIGTERM. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0) {
		cli_fail(verb, "cannot block signals");
		rc = CLI_EXIT_INTERNAL;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	s = witness_open(opts[1].value, 0, signer, logs, nlogs, &w);
	if (s != LIEN_OK) {
		cli_fail(verb, "%s: cannot open the witness store: %s%s",
		    opts[1].value, lien_status_message(s),
		    s == LIEN_EUNSUPPORTED ? " (a log's store? use a separate "
		    "directory)" : "");
		rc = s == LIEN_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_IO;
		goto out;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = opts[3].value;
	cfg.threads = (unsigned)nthreads;
	cfg.log = serve_log;
	s = witness_server_start(&cfg, w, &srv);
	if (s != LIEN_OK) {
		cli_fail(verb, "cannot serve on %s: %s",
		    opts[3].value ? opts[3].value : "127.0.0.1:7380",
		    s == LIEN_EINVAL ? "--listen must be A.B.C.D:PORT" :
		    lien_status_message(s));
		rc = s == LIEN_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_IO;
		goto out;
	}
	if (witness_vkey(w, vkey, sizeof vkey) != LIEN_OK)
		vkey[0] = '\0';
	fprintf(stderr, "lienlog: witness %s\n", vkey);
	/* The port actually bound (the kernel's choice for --listen
	 * A.B.C.D:0) in the stable line scripts and tests read (docs/cli.md
	 * "Listening address"); the listen string passed civet_listen_ok, so
	 * it holds a ':'. */
	listen = opts[3].value ? opts[3].value : "127.0.0.1:7380";
	colon = strrchr(listen, ':');
	fprintf(stderr, "lienlog: witnessing %zu log key(s); listening on "
	    "http://%.*s:%u/\n", nlogs,
	    colon != NULL ? (int)(colon - listen) : 0, listen,
	    witness_server_port(srv));
	if (opts[5].value != NULL) {
		if (civet_port_file_write(opts[5].value,
		    witness_server_port(srv)) != LIEN_OK) {
			cli_fail(verb, "cannot write --port-file %s: %s",
			    opts[5].value, strerror(errno));
			rc = CLI_EXIT_IO;
			goto out;
		}
		port_file_written = 1;
	}
	fprintf(stderr, "lienlog: ready\n");
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	fprintf(stderr, "lienlog: %s received, shutting down\n",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = CLI_EXIT_OK;
out:
	witness_server_stop(srv);
	if (port_file_written)		/* nobody listens there any more */
		(void)unlink(opts[5].value);
	witness_close(w);
	free(logs);
	cosig_signer_free(signer);
	return rc;
}

int
cli_witness(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "-h") == 0) {
		fputs(usage_witness, argc < 1 ? stderr : stdout);
		return argc < 1 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(argv[0], "keygen") == 0)
		return witness_keygen(argc - 1, argv + 1);
	if (strcmp(argv[0], "serve") == 0)
		return witness_serve(argc - 1, argv + 1);
	cli_fail("witness", "unknown subcommand '%s' (keygen or serve)",
	    argv[0]);
	return CLI_EXIT_USAGE;
}
