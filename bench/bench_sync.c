/*
 * bench_sync: how fast the verifying mirror can take in a log.
 *
 * Figures (stdout, "name value unit"):
 *   sync_entries_per_s           entries fetched, verified and delivered
 *   sync_MB_per_s                entry bytes per second, same run
 *   sha256_single_core_MB_per_s  the machine's SHA-256 rate (1 KiB blocks)
 *
 * Design: a real store is built with the ledger (N registry-sized entries,
 * ~200-byte canonical JSON payloads). The sync side runs the same library
 * code as `lienlog sync` (tlog/verifier.c: tree opened from the
 * right-edge tiles, every level-0 tile authenticated against its parent,
 * every bundle's leaves compared, envelopes and chain checked), over an
 * in-process transport that serves tiles and bundles from a ledger view
 * (no network, no HTTP), and delivers to a file sink the way the CLI does:
 * one JSON line per entry (canonical-JSON check, base64 leaf hash), a
 * write + fsync per MiB, then the mirror state's `next` moved in LMDB.
 * --smoke shrinks N so the suite can run it; it never judges a time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "common/b64.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "registry/jcs.h"
#include "ledger/ledger.h"
#include "ledger/mirror.h"
#include "tlog/tiles.h"
#include "tlog/verifier.h"

#define ORIGIN "bench.lienlog.invalid/sync"
#define BATCH 1024u
#define FLUSH_BYTES (1024u * 1024u)

struct fake {
	struct ledger *l;
	struct ledger_view *v;
};

static enum lien_status LIEN_MUST_CHECK
fake_get(void *ctx, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	struct fake *f = ctx;
	struct tile_ref ref;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (strcmp(path, "checkpoint") == 0) {
		char *cp;

		st = ledger_latest_checkpoint(f->l, &cp, out_len);
		*out = (uint8_t *)cp;
		return st;
	}
	if (strncmp(path, "tile/", 5) != 0 ||
	    tiles_path_parse(path + 5, strlen(path + 5), &ref) != LIEN_OK)
		return LIEN_ENOTFOUND;
	if (ref.level == TILES_LEVEL_ENTRIES)
		st = ledger_view_bundle(f->v, ref.index, ref.width, out,
		    out_len);
	else
		st = ledger_view_tile(f->v, (unsigned)ref.level, ref.index,
		    ref.width, out, out_len);
	if (st == LIEN_OK && *out_len > cap) {
		free(*out);
		*out = NULL;
		return LIEN_ETOOBIG;
	}
	return st;
}

struct fsink {
	int fd;
	struct mirror *m;
	char *buf;
	size_t len, cap;
	uint64_t next, bytes;
	int failed;
};

static int
fsink_flush(struct fsink *s)
{
	size_t off = 0;

	while (off < s->len) {
		ssize_t n = write(s->fd, s->buf + off, s->len - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	s->len = 0;
	if (fsync(s->fd) != 0 || mirror_advance(s->m, s->next) != LIEN_OK)
		return -1;
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
deliver(void *ctx, const struct tlog_entry *e)
{
	struct fsink *s = ctx;
	char leaf[B64_ENCODED_LEN(HASH_LEN) + 1];
	int n;

	/* State roots (binary payloads, one per batch) are checked, not
	 * delivered, by the real mirror. */
	if (e->env.type == ENTRY_TYPE_STATE_ROOT) {
		s->next = e->index + 1;
		return LIEN_OK;
	}
	if (s->cap - s->len < 512u + e->env.payload_len) {
		if (fsink_flush(s) != 0)
			return LIEN_EIO;
	}
	if (b64_encode(e->leaf, HASH_LEN, leaf, sizeof leaf) != LIEN_OK ||
	    jcs_parse_canonical(e->env.payload, e->env.payload_len, NULL) !=
	    LIEN_OK)
		return LIEN_EPARSE;
	n = snprintf(s->buf + s->len, s->cap - s->len, "{\"origin\":\"%s\","
	    "\"kind\":\"entry\",\"index\":%" PRIu64 ",\"leaf_hash\":\"%s\","
	    "\"type\":%u,\"time_ms\":%" PRIu64 ",\"payload\":", ORIGIN,
	    e->index, leaf, (unsigned)e->env.type, e->env.time_ms);
	if (n < 0 || (size_t)n >= s->cap - s->len)
		return LIEN_ETOOBIG;
	s->len += (size_t)n;
	memcpy(s->buf + s->len, e->env.payload, e->env.payload_len);
	s->len += e->env.payload_len;
	memcpy(s->buf + s->len, "}\n", 2);
	s->len += 2;
	s->next = e->index + 1;
	s->bytes += e->len;
	if (s->len >= FLUSH_BYTES && fsink_flush(s) != 0)
		return LIEN_EIO;
	return LIEN_OK;
}

static double
sha256_rate(void)
{
	static uint8_t block[1024];
	uint8_t h[HASH_LEN];
	uint64_t t0 = bench_now_ns(), n = 0;

	while (bench_now_ns() - t0 < 500000000u) {
		for (int i = 0; i < 1000; i++) {
			hash_sha256(block, sizeof block, h);
			block[0] ^= h[0];
		}
		n += 1000;
	}
	return (double)n * 1024.0 / 1e6 / bench_seconds(bench_now_ns() - t0);
}

int
main(int argc, char **argv)
{
	uint64_t n = 200000;
	char tmpl[] = "/tmp/bench_sync.XXXXXX", store[BENCH_PATH_MAX];
	char mdir[BENCH_PATH_MAX], sink_path[BENCH_PATH_MAX];
	char *skey = NULL, *vkey = NULL, *cpn = NULL;
	struct note_signer *signer = NULL;
	struct ledger *l = NULL;
	struct ledger_config cfg;
	struct ledger_item *items = NULL;
	struct ledger_receipt *rc = NULL;
	struct fake fk = { NULL, NULL };
	struct tlog_fetch f = { fake_get, &fk };
	struct tlog_tree *tree = NULL;
	struct tlog_report r;
	struct checkpoint cp;
	struct tlog_policy pol;
	struct fsink s;
	char (*payloads)[256] = NULL;
	size_t cpn_len;
	uint64_t t0, t;
	int ret = 1;

	memset(&s, 0, sizeof s);
	s.fd = -1;
	if (argc == 2 && strcmp(argv[1], "--smoke") == 0)
		n = 3000;
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_sync [--smoke]\n");
		return 2;
	}
	if (lcrypto_init() != LIEN_OK || mkdtemp(tmpl) == NULL)
		return 1;
	if (bench_path(store, sizeof store, tmpl, "log") != 0 ||
	    bench_path(mdir, sizeof mdir, tmpl, "mirror") != 0 ||
	    bench_path(sink_path, sizeof sink_path, tmpl, "sink.jsonl") != 0)
		goto out;
	if (note_key_generate(ORIGIN, strlen(ORIGIN), &skey, &vkey) !=
	    LIEN_OK || note_signer_parse(skey, strlen(skey), &signer) !=
	    LIEN_OK)
		goto out;
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = store;
	cfg.signer = signer;
	cfg.batch_max = BATCH;
	if (ledger_open(&cfg, &l) != LIEN_OK)
		goto out;
	items = calloc(BATCH, sizeof *items);
	rc = calloc(BATCH, sizeof *rc);
	payloads = calloc(BATCH, sizeof *payloads);
	if (items == NULL || rc == NULL || payloads == NULL)
		goto out;
	fprintf(stderr, "building a store of %" PRIu64 " entries in %s\n", n,
	    store);
	for (uint64_t done = 0; done < n;) {
		size_t k = n - done < BATCH ? (size_t)(n - done) : BATCH;

		for (size_t i = 0; i < k; i++) {
			int len = snprintf(payloads[i], sizeof payloads[i],
			    "{\"app\":\"A%016" PRIx64 "\",\"decision\":\"approve\","
			    "\"officer\":\"officer-%03u\",\"reason\":\"documents "
			    "complete, vehicle and owner verified\",\"seq\":%"
			    PRIu64 "}", done + i, (unsigned)((done + i) % 997),
			    done + i);

			items[i].type = 1;
			items[i].payload = (const uint8_t *)payloads[i];
			items[i].len = (size_t)len;
		}
		if (ledger_append_many(l, items, k, rc) != LIEN_OK)
			goto out;
		done += k;
	}
	/* The sync side. */
	if (ledger_view_open(l, &fk.v) != LIEN_OK)
		goto out;
	fk.l = l;
	memset(&pol, 0, sizeof pol);
	if (note_verifier_parse(vkey, strlen(vkey), &pol.log) != LIEN_OK)
		goto out;
	if (mirror_open(mdir, &s.m) != LIEN_OK)
		goto out;
	s.fd = open(sink_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	s.cap = 2 * FLUSH_BYTES + 65536;
	s.buf = malloc(s.cap);
	if (s.fd < 0 || s.buf == NULL)
		goto out;
	t0 = bench_now_ns();
	if (f.get(f.ctx, "checkpoint", NOTE_MAX, (uint8_t **)&cpn, &cpn_len) !=
	    LIEN_OK ||
	    tlog_checkpoint_verify(&pol, (const uint8_t *)cpn, cpn_len, &cp,
	    NULL, &r) != LIEN_OK ||
	    tlog_tree_open(&f, cp.size, cp.root, &tree, &r) != LIEN_OK ||
	    mirror_trust(s.m, cp.origin, cp.origin_len, cpn, cpn_len, cp.size,
	    UINT64_MAX) != LIEN_OK) {
		fprintf(stderr, "open failed: %s\n", r.why);
		goto out;
	}
	if (tlog_tree_entries(tree, 0, cp.size, deliver, &s, &r) != LIEN_OK ||
	    fsink_flush(&s) != 0) {
		fprintf(stderr, "sync failed: %s\n", r.why);
		goto out;
	}
	t = bench_now_ns() - t0;
	if (s.next != cp.size) {	/* n entries and their state roots */
		fprintf(stderr, "delivered %" PRIu64 " of %" PRIu64 "\n",
		    s.next, cp.size);
		goto out;
	}
	bench_figure("sync_entries_per_s", (double)n / bench_seconds(t),
	    "entries/s");
	bench_figure("sync_MB_per_s", (double)s.bytes / 1e6 / bench_seconds(t),
	    "MB/s");
	bench_figure("sha256_single_core_MB_per_s", sha256_rate(), "MB/s");
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "bench_sync: failed\n");
	tlog_tree_free(tree);
	free(cpn);
	if (s.fd >= 0)
		(void)close(s.fd);
	free(s.buf);
	mirror_close(s.m);
	if (fk.v != NULL)
		ledger_view_close(fk.v);
	ledger_close(l);
	note_signer_free(signer);
	secret_free(skey);
	free(vkey);
	free(items);
	free(rc);
	free(payloads);
	(void)bench_rm_tree(tmpl);
	return ret;
}
