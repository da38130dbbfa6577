/*
 * Unit tests for witness/publisher.c: the "URL=VKEYFILE" loader (every
 * refusal), configuration refusals, and the publisher against real
 * in-process witnesses (witness/witness.c behind witness/server.c on
 * 127.0.0.1): publication at a 2-of-3 quorum with one witness dead, the
 * stored note carrying the same cosignatures, recovery of the published
 * checkpoint by a new client whose witnesses are all unreachable, the
 * bounded wait falling back to the log-signed checkpoint, and the
 * metrics families. No test judges a time: waits are bounded and their
 * outcome is what is checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/metrics.h"
#include "witness/publisher.h"
#include "witness/server.h"
#include "crypto/cosig.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "ledger/ledger.h"
#include "witness/witness.h"

#define NW 3u
#define WAIT_MS 60000u	/* an upper bound only; success ends it early */

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct ledger *l;
	struct cosig_signer *wsig[NW];
	struct witness *w[NW];
	struct witness_server *srv[NW];
	struct witness_client_witness spec[NW];
	unsigned dead_port;
	int dead_fd;	/* holds dead_port: bound, never listening */
};

/* A 127.0.0.1 port that refuses every connection for as long as *fd
 * stays open: bound (so no other process can take it) but never
 * listening, so a connect gets RST at once. */
static unsigned
dead_port(int *fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
append_n(struct ledger *l, unsigned n)
{
	struct ledger_receipt rc;
	char p[32];

	for (unsigned i = 0; i < n; i++) {
		int len = snprintf(p, sizeof(p), "entry %u", i);

		assert_int_equal(ledger_append(l, 1, (const uint8_t *)p,
		    (size_t)len, &rc), LIEN_OK);
	}
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ledger_config lc;
	struct note_verifier logv;
	char path[128];

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-wc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("test.example/log", 16, &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	logv = *note_signer_verifier(f->signer);
	snprintf(path, sizeof(path), "%s/log", f->dir);
	memset(&lc, 0, sizeof(lc));
	lc.dir = path;
	lc.signer = f->signer;
	assert_int_equal(ledger_open(&lc, &f->l), LIEN_OK);
	f->dead_port = dead_port(&f->dead_fd);
	/* w0 and w1 live in-process on ports the kernel picks (port 0,
	 * witness_server_port); w2 is configured but never started. */
	for (unsigned i = 0; i < NW; i++) {
		char name[32], *sk = NULL, *vk = NULL;
		unsigned port = f->dead_port;

		snprintf(name, sizeof(name), "witness.test/w%u", i);
		assert_int_equal(cosig_key_generate(name, strlen(name), &sk,
		    &vk), LIEN_OK);
		assert_int_equal(cosig_signer_parse(sk, strlen(sk),
		    &f->wsig[i]), LIEN_OK);
		assert_int_equal(note_verifier_parse(vk, strlen(vk),
		    &f->spec[i].key), LIEN_OK);
		secret_free(sk);
		free(vk);
		if (i < 2) {
			struct witness_server_config sc;

			snprintf(path, sizeof(path), "%s/w%u", f->dir, i);
			assert_int_equal(mkdir(path, 0700), 0);
			assert_int_equal(witness_open(path, 0, f->wsig[i],
			    &logv, 1, &f->w[i]), LIEN_OK);
			memset(&sc, 0, sizeof(sc));
			sc.listen = "127.0.0.1:0";
			sc.threads = 4;
			assert_int_equal(witness_server_start(&sc, f->w[i],
			    &f->srv[i]), LIEN_OK);
			port = witness_server_port(f->srv[i]);
			assert_true(port > 0);
		}
		snprintf(f->spec[i].url, sizeof(f->spec[i].url),
		    "http://127.0.0.1:%u", port);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	for (unsigned i = 0; i < NW; i++) {
		witness_server_stop(f->srv[i]);
		witness_close(f->w[i]);
		cosig_signer_free(f->wsig[i]);
	}
	ledger_close(f->l);
	(void)close(f->dead_fd);
	note_signer_free(f->signer);
	secret_free(f->skey);
	free(f->vkey);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
cfg_init(struct fx *f, struct witness_client_config *c, size_t quorum)
{
	memset(c, 0, sizeof(*c));
	c->ledger = f->l;
	c->log_key = note_signer_verifier(f->signer);
	c->witnesses = f->spec;
	c->nwitnesses = NW;
	c->quorum = quorum;
	c->timeout_ms = 2000;
}

static void
verifiers(struct fx *f, struct note_verifier vs[NW])
{
	for (unsigned i = 0; i < NW; i++)
		vs[i] = f->spec[i].key;
}

/* ---- witness_client_witness_load -------------------------------------- */

static void
test_witness_client_witness_load_cases(void **state)
{
	struct fx *f = *state;
	struct witness_client_witness w;
	char arg[2048], wkey[256], lkey[256], junk[256], big[256], why[256];
	char vk[256];
	FILE *fp;

	snprintf(wkey, sizeof(wkey), "%s/w.vkey", f->dir);
	snprintf(lkey, sizeof(lkey), "%s/l.vkey", f->dir);
	snprintf(junk, sizeof(junk), "%s/junk.vkey", f->dir);
	snprintf(big, sizeof(big), "%s/big.vkey", f->dir);
	/* The witness key text, as `lienlog witness keygen` writes it. */
	{
		char *sk = NULL, *v = NULL;

		assert_int_equal(cosig_key_generate("witness.test/x", 14, &sk,
		    &v), LIEN_OK);
		snprintf(vk, sizeof(vk), "%s\n", v);
		secret_free(sk);
		free(v);
	}
	write_file(wkey, vk);
	snprintf(arg, sizeof(arg), "%s\n", f->vkey);
	write_file(lkey, arg);
	write_file(junk, "not a key\n");
	fp = fopen(big, "w");
	assert_non_null(fp);
	for (unsigned i = 0; i < VKEY_FILE_MAX + 10; i++)
		fputc('A', fp);
	fclose(fp);

	snprintf(arg, sizeof(arg), "http://127.0.0.1:7381/=%s", wkey);
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_OK);
	assert_string_equal(w.url, "http://127.0.0.1:7381");	/* '/' dropped */
	assert_int_equal(w.key.type, NOTE_KEY_COSIG_V1);
	assert_string_equal(w.key.name, "witness.test/x");
	snprintf(arg, sizeof(arg), "https://w.example/prefix=%s", wkey);
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_OK);
	assert_string_equal(w.url, "https://w.example/prefix");

	/* Refusals: each leaves *out zeroed and says why. */
	{
		/* URL part, then "=" + key file + suffix (NULL: no '='). */
		struct {
			const char *url, *suffix;
			enum lien_status want;
		} bad[] = {
			{ "http://127.0.0.1:7381", NULL, LIEN_EPARSE },
			{ "ftp://h/", "", LIEN_EPARSE },
			{ "http:///x", "", LIEN_EPARSE },	/* no host */
			{ "http://", "", LIEN_EPARSE },
			{ "http://h/?q", "", LIEN_EPARSE },
			{ "http://h/a#b", "", LIEN_EPARSE },
			{ "http://h /", "", LIEN_EPARSE },
			{ "", "", LIEN_EPARSE },
			{ "http://h", ".missing", LIEN_EIO },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (bad[i].suffix == NULL)
				snprintf(arg, sizeof(arg), "%s", bad[i].url);
			else
				snprintf(arg, sizeof(arg), "%s=%s%s", bad[i].url,
				    wkey, bad[i].suffix);
			memset(&w, 0xa5, sizeof(w));
			why[0] = '\0';
			assert_int_equal(witness_client_witness_load(arg, &w, why,
			    sizeof(why)), bad[i].want);
			assert_true(why[0] != '\0');
			assert_int_equal(w.url[0], 0);
			assert_int_equal(w.key.type, 0);
		}
	}
	snprintf(arg, sizeof(arg), "http://h=%s", lkey);	/* a log key */
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_EPARSE);
	assert_non_null(strstr(why, "0x04"));
	snprintf(arg, sizeof(arg), "http://h=%s", junk);
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_EPARSE);
	snprintf(arg, sizeof(arg), "http://h=%s", big);
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_ETOOBIG);
	snprintf(arg, sizeof(arg), "http://h=%s", f->dir);	/* directory */
	assert_int_not_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_OK);
	/* Oversize URL. */
	memset(arg, 'a', sizeof(arg));
	memcpy(arg, "http://", 7);
	snprintf(arg + WITNESS_URL_MAX + 10, sizeof(arg) - WITNESS_URL_MAX - 10,
	    "=%s", wkey);
	assert_int_equal(witness_client_witness_load(arg, &w, why,
	    sizeof(why)), LIEN_ETOOBIG);
}

/* ---- configuration ------------------------------------------------------- */

static void
test_witness_client_start_refusals(void **state)
{
	struct fx *f = *state;
	struct witness_client_config c;
	struct witness_client_witness two[2];
	struct witness_client *wc = (struct witness_client *)1;

	cfg_init(f, &c, NW + 1);		/* quorum > n */
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	assert_null(wc);
	cfg_init(f, &c, 1);
	c.nwitnesses = 0;
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	cfg_init(f, &c, 1);
	c.nwitnesses = WITNESS_CLIENT_MAX + 1;
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	cfg_init(f, &c, 1);
	c.log_key = &f->spec[0].key;		/* a 0x04 key as the log's */
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	cfg_init(f, &c, 1);
	c.ledger = NULL;
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	/* Same key name twice. */
	two[0] = f->spec[0];
	two[1] = f->spec[0];
	cfg_init(f, &c, 1);
	c.witnesses = two;
	c.nwitnesses = 2;
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	/* A log key (0x01) as a witness key. */
	two[1] = f->spec[1];
	two[1].key = *note_signer_verifier(f->signer);
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	/* A bad URL. */
	two[1] = f->spec[1];
	strcpy(two[1].url, "gopher://x");
	assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
	assert_null(wc);
	/* The served note holds the log's line and one per witness: with
	 * NOTE_SIGS_MAX witnesses it would no longer parse anywhere. */
	{
		struct witness_client_witness *many = calloc(NOTE_SIGS_MAX,
		    sizeof(*many));

		assert_non_null(many);
		for (size_t i = 0; i < NOTE_SIGS_MAX; i++) {
			char name[32], *sk = NULL, *vk = NULL;

			snprintf(name, sizeof(name), "witness.test/m%zu", i);
			assert_int_equal(cosig_key_generate(name, strlen(name),
			    &sk, &vk), LIEN_OK);
			assert_int_equal(note_verifier_parse(vk, strlen(vk),
			    &many[i].key), LIEN_OK);
			snprintf(many[i].url, sizeof(many[i].url),
			    "http://127.0.0.1:%u", f->dead_port);
			secret_free(sk);
			free(vk);
		}
		cfg_init(f, &c, 1);
		c.witnesses = many;
		c.nwitnesses = NOTE_SIGS_MAX;
		assert_int_equal(witness_client_start(&c, &wc), LIEN_EINVAL);
		assert_null(wc);
		c.nwitnesses = NOTE_SIGS_MAX - 1;	/* the most there can be */
		assert_int_equal(witness_client_start(&c, &wc), LIEN_OK);
		witness_client_stop(wc);
		free(many);
	}
	witness_client_stop(NULL);		/* no-op */
}

/* ---- publication ------------------------------------------------------------ */

static void
test_witness_client_publish_quorum(void **state)
{
	struct fx *f = *state;
	struct witness_client_config c;
	struct witness_client *wc = NULL;
	struct note_verifier vs[NW];
	struct checkpoint cp;
	struct ledger_view *v = NULL;
	char *note = NULL, *stored = NULL, *pub = NULL;
	size_t len = 0, stored_len = 0, pub_len = 0;
	uint64_t size = 0, mask = 0, psize = 0;
	int cosigned = -1;

	verifiers(f, vs);
	append_n(f->l, 5);
	cfg_init(f, &c, 2);
	assert_int_equal(witness_client_start(&c, &wc), LIEN_OK);
	/* Grow while the publisher runs: appends never wait for it. */
	append_n(f->l, 20);
	assert_int_equal(witness_client_wait_published(wc, ledger_size(f->l),
	    WAIT_MS, &note, &len, &size, &cosigned), LIEN_OK);
	assert_int_equal(cosigned, 1);
	assert_int_equal(size, 50);	/* 25 appends and their state roots */
	/* The log's signature and 2 of 3 cosignatures (w2 is dead). */
	assert_int_equal(checkpoint_open((uint8_t *)note, len,
	    note_signer_verifier(f->signer), &cp), LIEN_OK);
	assert_int_equal(cp.size, size);
	assert_int_equal(cosig_verify_quorum((uint8_t *)note, len, vs, NW, 2,
	    &mask), LIEN_OK);
	assert_int_equal(mask, 3);
	assert_int_equal(cosig_verify_quorum((uint8_t *)note, len, vs, NW, 3,
	    NULL), LIEN_EVERIFY);
	/* The store holds the same cosignatures at that size. */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_checkpoint(v, size, &stored, &stored_len),
	    LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(cosig_verify_quorum((uint8_t *)stored, stored_len, vs,
	    NW, 2, NULL), LIEN_OK);
	/* witness_client_published agrees. */
	assert_int_equal(witness_client_published(wc, &pub, &pub_len, &psize),
	    LIEN_OK);
	assert_int_equal(psize, size);
	assert_int_equal(pub_len, len);
	assert_memory_equal(pub, note, len);
	/* Size only, no note. */
	assert_int_equal(witness_client_wait_published(wc, 1, 0, NULL, NULL,
	    &psize, &cosigned), LIEN_OK);
	assert_int_equal(cosigned, 1);
	assert_int_equal(psize, size);
	/* Each live witness now holds the published size. */
	{
		uint64_t held = 0, t = 0;
		uint8_t root[HASH_LEN];

		for (unsigned i = 0; i < 2; i++) {
			assert_int_equal(witness_latest(f->w[i],
			    "test.example/log", 16, &held, root, &t, NULL,
			    NULL), LIEN_OK);
			assert_true(held >= 5 && held <= size);
		}
	}
	witness_client_stop(wc);
	free(note);
	free(stored);
	free(pub);

	/* A new client, every witness unreachable: the published checkpoint
	 * is found in the store and served at once. */
	for (unsigned i = 0; i < NW; i++)
		snprintf(f->spec[i].url, sizeof(f->spec[i].url),
		    "http://127.0.0.1:%u", f->dead_port);
	cfg_init(f, &c, 2);
	assert_int_equal(witness_client_start(&c, &wc), LIEN_OK);
	assert_int_equal(witness_client_published(wc, &pub, &pub_len, &psize),
	    LIEN_OK);
	assert_int_equal(psize, size);
	assert_int_equal(cosig_verify_quorum((uint8_t *)pub, pub_len, vs, NW,
	    2, NULL), LIEN_OK);
	free(pub);
	pub = NULL;
	/* The tree grows, no quorum can form: the bounded wait gives the
	 * latest log-signed checkpoint, flagged as not cosigned. */
	append_n(f->l, 3);	/* 6 entries: 3 and their state roots */
	assert_int_equal(witness_client_wait_published(wc, size + 6, 50, &note,
	    &len, &psize, &cosigned), LIEN_OK);
	assert_int_equal(cosigned, 0);
	assert_int_equal(psize, size + 6);
	assert_int_equal(checkpoint_open((uint8_t *)note, len,
	    note_signer_verifier(f->signer), &cp), LIEN_OK);
	assert_int_equal(cp.size, size + 6);
	free(note);
	/* ... and the served one stays the last published. */
	assert_int_equal(witness_client_published(wc, &pub, &pub_len, &psize),
	    LIEN_OK);
	assert_int_equal(psize, size);
	free(pub);
	/* Metrics families are rendered. */
	{
		struct metrics_text t;
		const char *txt;
		size_t tl;

		metrics_text_init(&t);
		witness_client_render_metrics(wc, &t);
		assert_int_equal(metrics_text_finish(&t, &txt, &tl), LIEN_OK);
		assert_non_null(strstr(txt, "lienlog_witness_published_size 50"));
		assert_non_null(strstr(txt, "lienlog_witness_quorum 2"));
		assert_non_null(strstr(txt,
		    "lienlog_witness_quorum_lag_entries 6"));
		assert_non_null(strstr(txt,
		    "lienlog_witness_quorum_wait_seconds_count"));
		assert_non_null(strstr(txt, "# TYPE lienlog_witness_requests_total "
		    "counter"));
		metrics_text_free(&t);
	}
	witness_client_stop(wc);
}

/* An empty log: nothing is published, the wait reports the empty log. */
static void
test_witness_client_empty_log(void **state)
{
	struct fx *f = *state;
	struct witness_client_config c;
	struct witness_client *wc = NULL;
	char *note = (char *)1;
	size_t len = 1;
	uint64_t size = 1;
	int cosigned = 1;

	cfg_init(f, &c, 0);			/* 0 = all three */
	assert_int_equal(witness_client_start(&c, &wc), LIEN_OK);
	assert_int_equal(witness_client_published(wc, &note, &len, &size),
	    LIEN_ENOTFOUND);
	assert_null(note);
	assert_int_equal(witness_client_wait_published(wc, 1, 10, &note, &len,
	    &size, &cosigned), LIEN_ENOTFOUND);
	assert_int_equal(cosigned, 0);
	assert_int_equal(witness_client_wait_published(NULL, 1, 10, NULL, NULL,
	    NULL, NULL), LIEN_EINVAL);
	witness_client_stop(wc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_witness_client_witness_load_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_client_start_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_client_publish_quorum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_witness_client_empty_log,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
