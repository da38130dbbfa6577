/*
 * LMDB behind a small table/transaction API. This is the only file that
 * includes lmdb.h: everything LMDB-specific (flags, error codes, reader
 * slots, map size) is decided here and translated to enum lien_status once.
 *
 * Durability: the environment is opened without MDB_NOSYNC/MDB_NOMETASYNC,
 * so mdb_txn_commit returns only after data and meta pages are fsync'd. The
 * sequencer amortises that cost by committing whole batches (group commit);
 * nothing is acknowledged before the commit returns. The one exception is
 * store_nosync (LEDGER_NOSYNC: a bulk loader's switch that flushes only at
 * store_sync and store_close; lienlogd never sets it).
 *
 * MDB_NOTLS lets a read transaction be handed between threads (views are
 * opened on one civetweb worker and may be closed on another) and stops
 * reader slots being tied to thread lifetime.
 */
#include "ledger/store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* A key class's counts (store_wstat_class). */
struct wclass {
	char name[STORE_WSTAT_CLASS_LEN];	/* "" : unused */
	uint64_t writes, leaves;
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_NTABLES];
	int rdonly;
	int nosync;		/* store_nosync: flush at close */
	uint64_t (*wstat)[2];	/* store_wstat_start: writes, pages */
	struct wclass (*wclass)[STORE_WSTAT_CLASSES];	/* and by key class */
	struct wwalk *ww;	/* store_wstat_start: pages written */
	pthread_mutex_t ww_mu;	/* a commit and its walk, while ww is on */
	const char *map_lo;	/* the map, to tell clean pages */
	size_t map_len;
	int map_known;		/* map_lo found: 1; not found: -1; not yet: 0 */
};

struct wwalk;
static void ww_free(struct wwalk *w);
static void ww_commit(struct store *s, uint64_t txnid);
static enum lien_status ww_start(struct store *s) LIEN_MUST_CHECK;

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	int write;
};

struct store_cursor {
	MDB_cursor *cur;
	struct store *s;
	enum store_table tb;
};

static const char *const table_names[STORE_NTABLES] = {
	[STORE_META] = "meta",
	[STORE_TILES] = "tiles",
	[STORE_BUNDLES] = "bundles",
	[STORE_TAIL] = "tail",
	[STORE_CHECKPOINTS] = "checkpoints",
	[STORE_MAP] = "map",
	[STORE_STATE0 + 0] = "apps",
	[STORE_STATE0 + 1] = "vehicles",
	[STORE_STATE0 + 2] = "parties",
	[STORE_STATE0 + 3] = "nonces",
	[STORE_STATE0 + 4] = "idem",
	[STORE_STATE0 + 5] = "sealed",
	[STORE_STATE0 + 6] = "index",
	[STORE_STATE0 + 7] = "private",
	[STORE_STATE0 + 8] = "pstate",
	[STORE_STATE0 + 9] = "keys",
	[STORE_STATE0 + 10] = "papps",
	[STORE_STATE0 + 11] = "notices",
	[STORE_STATE0 + 12] = "expiry",
	[STORE_STATE0 + 13] = "subjects",
	[STORE_STATE0 + 14] = "vrecords",
};

/* Translate an LMDB/errno code. Callers log nothing: the status is the
 * report. A full map, a full disk or quota (a commit's write failing with
 * ENOSPC or EDQUOT) and a file-size limit (EFBIG: lienlogd ignores
 * SIGXFSZ so that it gets the error instead of dying) are one status,
 * LIEN_EFULL, because the operator can act on them: lienlogd answers 507
 * storage_full, the failed batch changed nothing (its transaction is
 * aborted, the sequencer reloads its state from the last commit), reads
 * go on, and the next batch succeeds once there is room again. */
static enum lien_status LIEN_MUST_CHECK
st_from_mdb(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return LIEN_OK;
	case MDB_NOTFOUND:
		return LIEN_ENOTFOUND;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return LIEN_EFULL;
	case MDB_KEYEXIST:
		return LIEN_EEXIST;
	case ENOMEM:
		return LIEN_ENOMEM;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return LIEN_ECORRUPT;
	default:
		return LIEN_EIO;
	}
}

static enum lien_status
store_open_flags(const char *dir, uint64_t map_size, unsigned max_readers,
    int rdonly, unsigned extra, struct store **out)
{
	struct store *s;
	MDB_txn *txn = NULL;
	enum lien_status st = LIEN_EIO;
	int rc;

	*out = NULL;
	if (dir == NULL)
		return LIEN_EINVAL;
	if (!rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return LIEN_EIO;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return LIEN_ENOMEM;
	s->rdonly = rdonly;
	if ((rc = mdb_env_create(&s->env)) != 0) {
		free(s);
		return st_from_mdb(rc);
	}
	(void)pthread_mutex_init(&s->ww_mu, NULL);
	/* A sparse map: LMDB only uses the pages it writes. 1 TiB default so
	 * the log never needs a resize (which requires no open txns). */
	if (map_size == 0)
		map_size = (uint64_t)1 << 40;
	if ((rc = mdb_env_set_mapsize(s->env, (size_t)map_size)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 32)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env,
	    max_readers ? max_readers : 512)) != 0) {
		st = st_from_mdb(rc);
		goto out;
	}
	rc = mdb_env_open(s->env, dir,
	    MDB_NOTLS | MDB_NORDAHEAD | (rdonly ? MDB_RDONLY : 0) | extra,
	    0600);
	if (rc != 0) {
		st = rc == ENOENT ? LIEN_ENOTFOUND : st_from_mdb(rc);
		goto out;
	}
	/* Slots of readers that died with kill -9 would otherwise pin old
	 * pages forever. */
	store_reader_check(s);
	if ((rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0,
	    &txn)) != 0) {
		st = st_from_mdb(rc);
		goto out;
	}
	for (int i = 0; i < STORE_NTABLES; i++) {
		rc = mdb_dbi_open(txn, table_names[i],
		    rdonly ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc != 0) {
			/* A read-only open of a store never written (no
			 * meta), or of an older format (meta, but not every
			 * table this format has). */
			st = rc != MDB_NOTFOUND ? st_from_mdb(rc) : i == 0 ?
			    LIEN_ENOTFOUND : LIEN_EUNSUPPORTED;
			mdb_txn_abort(txn);
			goto out;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		st = st_from_mdb(rc);
		goto out;
	}
	*out = s;
	return LIEN_OK;
out:
	mdb_env_close(s->env);
	(void)pthread_mutex_destroy(&s->ww_mu);
	free(s);
	return st;
}

enum lien_status
store_open(const char *dir, uint64_t map_size, unsigned max_readers,
    int rdonly, struct store **out)
{
	return store_open_flags(dir, map_size, max_readers, rdonly, 0, out);
}

/* A scratch store is rebuilt from the log whenever it is lost, so it
 * gives up what the real store pays for: no fsync at commit (MDB_NOSYNC,
 * MDB_NOMETASYNC), except where the caller wants a point to resume from
 * (store_txn_commit_sync). */
enum lien_status
store_open_scratch(const char *dir, uint64_t map_size, struct store **out)
{
	return store_open_flags(dir, map_size, 8, 0, MDB_NOSYNC |
	    MDB_NOMETASYNC, out);
}


void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->nosync)
		(void)mdb_env_sync(s->env, 1);
	mdb_env_close(s->env);
	free(s->wstat);
	free(s->wclass);
	ww_free(s->ww);
	(void)pthread_mutex_destroy(&s->ww_mu);
	free(s);
}

enum lien_status
store_nosync(struct store *s)
{
	enum lien_status st;

	if (s->rdonly)
		return LIEN_OK;
	if ((st = st_from_mdb(mdb_env_set_flags(s->env, MDB_NOSYNC, 1))) ==
	    LIEN_OK)
		s->nosync = 1;
	return st;
}

enum lien_status
store_sync(struct store *s)
{
	if (s->rdonly)
		return LIEN_OK;
	return st_from_mdb(mdb_env_sync(s->env, 1));
}

void
store_reader_check(struct store *s)
{
	int dead = 0;

	(void)mdb_reader_check(s->env, &dead);
}

struct store *
store_txn_store(struct store_txn *t)
{
	return t->s;
}

enum lien_status
store_txn_begin(struct store *s, int write, struct store_txn **out)
{
	struct store_txn *t;
	int rc;

	*out = NULL;
	if (write && s->rdonly)
		return LIEN_EINVAL;
	t = malloc(sizeof *t);
	if (t == NULL)
		return LIEN_ENOMEM;
	t->s = s;
	t->write = write;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != 0) {
		free(t);
		return st_from_mdb(rc);
	}
	*out = t;
	return LIEN_OK;
}

/* Is there (nearly) no room left for the store's file? LMDB reports a
 * short write -- what a full disk gives when part of a page run still
 * fits, and what a file-size limit (RLIMIT_FSIZE) gives at its edge -- as
 * EIO ("short write, filesystem full?" in mdb.c), so an EIO from a commit
 * is taken for a full store when less than STORE_FULL_SLACK bytes are
 * left for it: free space on its file system (what an unprivileged
 * writer may use), or what the file-size limit still allows. A genuine
 * I/O error on a nearly full disk then also says storage_full: both need
 * the operator. */
#define STORE_FULL_SLACK (16ull << 20)

static int
store_no_room(struct store *s)
{
	struct statvfs v;
	struct stat sb;
	struct rlimit rl;
	int fd;

	if (mdb_env_get_fd(s->env, &fd) != 0)
		return 0;
	if (fstatvfs(fd, &v) == 0 &&
	    (uint64_t)v.f_bavail * (uint64_t)v.f_frsize < STORE_FULL_SLACK)
		return 1;
	return getrlimit(RLIMIT_FSIZE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && fstat(fd, &sb) == 0 &&
	    (uint64_t)sb.st_size + STORE_FULL_SLACK > (uint64_t)rl.rlim_cur;
}

enum lien_status
store_txn_commit(struct store_txn *t)
{
	struct store *s = t->s;
	/* With the page counts on, a commit and its walk go together: a
	 * second writer's commit (a witness cosignature's transaction
	 * beside the sequencer's) waits, so the walk sees this commit's
	 * snapshot and its free-list record before anything reuses them. */
	int walk = t->write && s->ww != NULL;
	uint64_t txnid = (uint64_t)mdb_txn_id(t->txn);
	int rc;

	if (walk)
		(void)pthread_mutex_lock(&s->ww_mu);
	rc = mdb_txn_commit(t->txn);
	free(t);
	if (rc == 0 && walk && s->ww != NULL)
		ww_commit(s, txnid);
	if (walk)
		(void)pthread_mutex_unlock(&s->ww_mu);
	if (rc == EIO && store_no_room(s))
		return LIEN_EFULL;
	return st_from_mdb(rc);
}

/* MDB_NOSYNC can be switched per commit (mdb_env_set_flags): without it
 * the commit writes the data pages, fsyncs, then writes and fsyncs the
 * meta page, so no crash can leave a meta page pointing at pages that
 * never reached the disk (which MDB_NOSYNC alone allows). The scratch
 * store has one writer, so the switch races with nothing. */
enum lien_status
store_txn_commit_sync(struct store_txn *t)
{
	MDB_env *env = t->s->env;
	enum lien_status st;
	int rc;

	if ((rc = mdb_env_set_flags(env, MDB_NOSYNC | MDB_NOMETASYNC, 0)) !=
	    0) {
		store_txn_abort(t);
		return st_from_mdb(rc);
	}
	st = store_txn_commit(t);
	rc = mdb_env_set_flags(env, MDB_NOSYNC | MDB_NOMETASYNC, 1);
	return st != LIEN_OK ? st : rc == 0 ? LIEN_OK : st_from_mdb(rc);
}

void
store_txn_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

uint64_t
store_txn_id(const struct store_txn *t)
{
	return (uint64_t)mdb_txn_id(t->txn);
}

uint64_t
store_last_txnid(struct store *s)
{
	MDB_envinfo info;

	if (mdb_env_info(s->env, &info) != 0)
		return 0;
	return (uint64_t)info.me_last_txnid;
}

/* The map's address range, which mdb_env_info does not give (its
 * me_mapaddr is the fixed address a store asked for, NULL here): the
 * mapping in /proc/self/maps that holds a record read in a read-only
 * transaction (always a pointer into the map). Linux only: elsewhere
 * store_txn_clean says -1 and the map's GC stops at its budget. */
static enum lien_status LIEN_MUST_CHECK
wstat_map_range(struct store *s, const char **lo, size_t *len)
{
	MDB_txn *txn;
	MDB_dbi main;
	MDB_cursor *c;
	MDB_val k, v;
	uintptr_t p = 0;
	unsigned long a, b;
	char line[512];
	FILE *f;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return st_from_mdb(rc);
	/* the main table (NULL name) holds a record per named table */
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main)) == 0 &&
	    (rc = mdb_cursor_open(txn, main, &c)) == 0) {
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0)
			p = (uintptr_t)k.mv_data;
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		return st_from_mdb(rc);
	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return LIEN_EIO;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && p >= a && p < b) {
			*lo = (const char *)a;
			*len = (size_t)(b - a);
			(void)fclose(f);
			return LIEN_OK;
		}
	(void)fclose(f);
	return LIEN_ENOTFOUND;
}

enum lien_status
store_wstat_start(struct store *s)
{
	enum lien_status st;

	if (s->wstat != NULL)
		return LIEN_OK;
	if (s->map_known <= 0 &&
	    (st = wstat_map_range(s, &s->map_lo, &s->map_len)) != LIEN_OK)
		return st;
	s->map_known = 1;
	if ((st = ww_start(s)) != LIEN_OK)
		return st;
	if ((s->wstat = calloc(STORE_NTABLES, sizeof *s->wstat)) == NULL ||
	    (s->wclass = calloc(STORE_NTABLES, sizeof *s->wclass)) == NULL) {
		free(s->wstat);
		s->wstat = NULL;
		ww_free(s->ww);
		s->ww = NULL;
		return LIEN_ENOMEM;
	}
	return LIEN_OK;
}

int
store_txn_clean(struct store_txn *t, const void *p)
{
	struct store *s = t->s;
	const char *at = p;

	if (s->map_known == 0)
		s->map_known = wstat_map_range(s, &s->map_lo, &s->map_len) ==
		    LIEN_OK ? 1 : -1;
	if (s->map_known < 0)
		return -1;
	return at >= s->map_lo && (size_t)(at - s->map_lo) < s->map_len;
}

void
store_wstat_get(const struct store *s, enum store_table tb,
    uint64_t *out_writes, uint64_t *out_pages)
{
	*out_writes = s->wstat != NULL ? s->wstat[tb][0] : 0;
	*out_pages = s->wstat != NULL ? s->wstat[tb][1] : 0;
}

enum lien_status
store_wstat_class(const struct store *s, enum store_table tb, unsigned i,
    char out_name[STORE_WSTAT_CLASS_LEN], uint64_t *out_writes,
    uint64_t *out_leaves)
{
	const struct wclass *c;

	if (s->wclass == NULL || (unsigned)tb >= (unsigned)STORE_NTABLES ||
	    i >= STORE_WSTAT_CLASSES || s->wclass[tb][i].writes == 0)
		return LIEN_ENOTFOUND;
	c = &s->wclass[tb][i];
	memcpy(out_name, c->name, STORE_WSTAT_CLASS_LEN);
	*out_writes = c->writes;
	*out_leaves = c->leaves;
	return LIEN_OK;
}

/*
 * Pages written per commit (store_wstat_start; store.h says what for).
 * LMDB 0.9 copies on write: a transaction never rewrites a page of the
 * snapshot before it, every page it changes gets a page number that no
 * tree of that snapshot holds (from the free list or the file's end),
 * and so does every branch page above it. So the pages a commit wrote
 * are exactly the pages its snapshot's trees hold and the last one's did
 * not, and a subtree whose root the last snapshot held is unchanged.
 * The walker keeps a bit per page number held by the last snapshot's
 * trees (every table, the free list's, the table of tables), walks the
 * new snapshot from its meta page and stops at every page whose bit is
 * set; the pages it reaches are the commit's writes, counted by tree and
 * kind. Pages the commit freed (its own record in the free list, written
 * by the commit) lose their bit, so that a later commit reusing them
 * counts them again. Loose pages (taken and freed in one transaction)
 * are never written by LMDB and never reached here.
 *
 * It reads LMDB's on-disk format, which lmdb.h does not describe: the
 * 0.9 layout of 64-bit builds (mdb.c: MDB_page, MDB_node, MDB_meta,
 * MDB_db), checked where it can be: the first walk must find exactly
 * the branch, leaf and overflow pages mdb_stat counts in every table,
 * or store_wstat_start fails with LIEN_EUNSUPPORTED.
 */
#define WW_PAGEHDR 16		/* MDB_page: pgno, pad, flags, lower, upper */
#define WW_P_BRANCH 0x01
#define WW_P_LEAF 0x02
#define WW_P_LEAF2 0x20
#define WW_F_BIGDATA 0x01	/* MDB_node flags */
#define WW_F_SUBDATA 0x02
#define WW_META_DBS 24		/* MDB_meta: offset of mm_dbs[FREE, MAIN] */
#define WW_DB_SIZE 48		/* MDB_db */
#define WW_DB_ROOT 40		/* MDB_db: md_root */
#define WW_META_TXNID 128	/* MDB_meta: mm_txnid after mm_last_pg */
#define WW_NOPAGE UINT64_MAX	/* P_INVALID: an empty tree */

struct wwalk {
	const uint8_t *base;	/* the map: page n at base + n * psize */
	size_t psize;
	uint8_t *held;		/* a bit per page number of the last snapshot */
	uint64_t npages;	/* bits in held */
	uint64_t last_pgno;	/* this snapshot's highest page */
	uint64_t written[STORE_WP_N][3];	/* branch, leaf, overflow */
	uint64_t commits;
};

static uint64_t
ww_rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);	/* native order: LMDB writes its own */
	return v;
}

static void
ww_free(struct wwalk *w)
{
	if (w == NULL)
		return;
	free(w->held);
	free(w);
}

static int
ww_bit(const struct wwalk *w, uint64_t pg)
{
	return (w->held[pg >> 3] >> (pg & 7)) & 1;
}

/* Grow held to cover page pg (the file grows between commits). */
static enum lien_status LIEN_MUST_CHECK
ww_cover(struct wwalk *w, uint64_t pg)
{
	uint64_t n;
	uint8_t *h;

	if (pg < w->npages)
		return LIEN_OK;
	n = (pg + 1) * 2 + 4096;
	if ((h = realloc(w->held, (size_t)((n + 7) / 8))) == NULL)
		return LIEN_ENOMEM;
	memset(h + (w->npages + 7) / 8, 0,
	    (size_t)((n + 7) / 8 - (w->npages + 7) / 8));
	w->held = h;
	w->npages = (n + 7) / 8 * 8;
	return LIEN_OK;
}

static void
ww_set(struct wwalk *w, uint64_t pg, int on)
{
	if (on)
		w->held[pg >> 3] |= (uint8_t)(1u << (pg & 7));
	else
		w->held[pg >> 3] &= (uint8_t)~(1u << (pg & 7));
}

/* The table (or STORE_WP_FREE, STORE_WP_MAIN) a tree of the table of
 * tables is, by its name; -1 for a table this format does not have. */
static int
ww_table(const uint8_t *name, size_t len)
{
	for (int i = 0; i < STORE_NTABLES; i++)
		if (strlen(table_names[i]) == len &&
		    memcmp(table_names[i], name, len) == 0)
			return i;
	return -1;
}

/* Walk the tree under page pg of tree `which`, counting and marking the
 * pages not held before. LIEN_ECORRUPT for a page past the snapshot's
 * end or of an unknown kind (a layout this walker does not know). */
static enum lien_status LIEN_MUST_CHECK
ww_walk(struct wwalk *w, uint64_t pg, int which, unsigned depth)
{
	const uint8_t *p, *node, *data;
	unsigned flags, nkeys, nflags, ksize;
	enum lien_status st;

	if (pg == WW_NOPAGE)
		return LIEN_OK;
	if (pg > w->last_pgno || depth > 32)
		return LIEN_ECORRUPT;
	if (ww_bit(w, pg))
		return LIEN_OK;	/* held before: the subtree is unchanged */
	ww_set(w, pg, 1);
	p = w->base + pg * w->psize;
	flags = (unsigned)ww_rd(p + 10, 2);
	if (ww_rd(p + 12, 2) < WW_PAGEHDR)
		return LIEN_ECORRUPT;
	nkeys = (unsigned)(ww_rd(p + 12, 2) - WW_PAGEHDR) / 2;
	if (flags & WW_P_BRANCH) {
		w->written[which][0]++;
		for (unsigned i = 0; i < nkeys; i++) {
			node = p + ww_rd(p + WW_PAGEHDR + 2 * i, 2);
			/* mn_lo, mn_hi, mn_flags: the child's page number */
			if ((st = ww_walk(w, ww_rd(node, 4) |
			    ww_rd(node + 4, 2) << 32, which, depth + 1)) !=
			    LIEN_OK)
				return st;
		}
		return LIEN_OK;
	}
	if (!(flags & WW_P_LEAF))
		return LIEN_ECORRUPT;
	w->written[which][1]++;
	if (flags & WW_P_LEAF2)
		return LIEN_OK;
	for (unsigned i = 0; i < nkeys; i++) {
		node = p + ww_rd(p + WW_PAGEHDR + 2 * i, 2);
		nflags = (unsigned)ww_rd(node + 4, 2);
		ksize = (unsigned)ww_rd(node + 6, 2);
		data = node + 8 + ksize;
		if (nflags & WW_F_BIGDATA) {
			uint64_t ov = ww_rd(data, 8);

			if (ov > w->last_pgno)
				return LIEN_ECORRUPT;
			if (!ww_bit(w, ov)) {
				ww_set(w, ov, 1);
				/* mp_pages: the run's length */
				w->written[which][2] += ww_rd(w->base +
				    ov * w->psize + 12, 4);
			}
		} else if ((nflags & WW_F_SUBDATA) && which == STORE_WP_MAIN) {
			int t = ww_table(node + 8, ksize);

			if (t >= 0 && (st = ww_walk(w, ww_rd(data + WW_DB_ROOT,
			    8), t, 0)) != LIEN_OK)
				return st;
		}
	}
	return LIEN_OK;
}

/* Walk the newest snapshot from its meta page (of the two, the one with
 * the larger transaction id). */
static enum lien_status LIEN_MUST_CHECK
ww_snapshot(struct store *s, struct wwalk *w)
{
	MDB_envinfo info;
	const uint8_t *m0 = w->base + WW_PAGEHDR;
	const uint8_t *m1 = w->base + w->psize + WW_PAGEHDR;
	const uint8_t *m;
	enum lien_status st;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0)
		return st_from_mdb(rc);
	w->last_pgno = (uint64_t)info.me_last_pgno;
	if ((st = ww_cover(w, w->last_pgno)) != LIEN_OK)
		return st;
	m = ww_rd(m1 + WW_META_TXNID, 8) > ww_rd(m0 + WW_META_TXNID, 8) ?
	    m1 : m0;
	if (ww_rd(m + WW_META_TXNID, 8) != (uint64_t)info.me_last_txnid)
		return LIEN_EUNSUPPORTED;
	if ((st = ww_walk(w, ww_rd(m + WW_META_DBS + WW_DB_ROOT, 8),
	    STORE_WP_FREE, 0)) != LIEN_OK)
		return st;
	return ww_walk(w, ww_rd(m + WW_META_DBS + WW_DB_SIZE + WW_DB_ROOT, 8),
	    STORE_WP_MAIN, 0);
}

/* Forget the pages transaction txnid freed (its free-list record: a
 * count, then page numbers). */
static enum lien_status LIEN_MUST_CHECK
ww_forget(struct store *s, struct wwalk *w, uint64_t txnid)
{
	MDB_txn *txn;
	MDB_cursor *c;
	size_t id = (size_t)txnid;
	MDB_val k = { sizeof id, &id }, v;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return st_from_mdb(rc);
	if ((rc = mdb_cursor_open(txn, 0, &c)) == 0) {	/* FREE_DBI */
		rc = mdb_cursor_get(c, &k, &v, MDB_SET);
		if (rc == 0 && v.mv_size >= 8) {
			const uint8_t *ids = v.mv_data;
			uint64_t n = ww_rd(ids, 8);

			for (uint64_t i = 1; i <= n && i < v.mv_size / 8; i++) {
				uint64_t pg = ww_rd(ids + 8 * i, 8);

				if (pg < w->npages)
					ww_set(w, pg, 0);
			}
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;	/* a commit that freed nothing */
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return st_from_mdb(rc);
}

/* After write commit txnid: count its pages. A failure stops the
 * counting (store_wstat_written then says so); the commit stands. */
static void
ww_commit(struct store *s, uint64_t txnid)
{
	struct wwalk *w = s->ww;

	if (ww_snapshot(s, w) != LIEN_OK ||
	    ww_forget(s, w, txnid) != LIEN_OK) {
		ww_free(w);
		s->ww = NULL;
		return;
	}
	w->commits++;
}

/* Start the walker: the whole snapshot held, and checked against
 * LMDB's own page counts (mdb_stat) table by table. */
static enum lien_status LIEN_MUST_CHECK
ww_start(struct store *s)
{
	struct wwalk *w;
	MDB_stat ms;
	MDB_txn *txn = NULL;
	enum lien_status st;
	int rc;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return LIEN_ENOMEM;
	w->base = (const uint8_t *)s->map_lo;
	if ((rc = mdb_env_stat(s->env, &ms)) != 0) {
		st = st_from_mdb(rc);
		goto out;
	}
	w->psize = ms.ms_psize;
	if ((st = ww_snapshot(s, w)) != LIEN_OK)
		goto out;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		st = st_from_mdb(rc);
		goto out;
	}
	st = LIEN_EUNSUPPORTED;
	for (int i = 0; i < STORE_NTABLES; i++) {
		if (mdb_stat(txn, s->dbi[i], &ms) != 0 ||
		    ms.ms_branch_pages != w->written[i][0] ||
		    ms.ms_leaf_pages != w->written[i][1] ||
		    ms.ms_overflow_pages != w->written[i][2])
			goto out;
	}
	memset(w->written, 0, sizeof w->written);
	s->ww = w;
	w = NULL;
	st = LIEN_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	ww_free(w);
	return st;
}

enum lien_status
store_wstat_written(const struct store *s, unsigned which,
    uint64_t out[3], uint64_t *out_commits)
{
	if (s->ww == NULL || which >= STORE_WP_N)
		return LIEN_ENOTFOUND;
	memcpy(out, s->ww->written[which], sizeof s->ww->written[which]);
	*out_commits = s->ww->commits;
	return LIEN_OK;
}

const char *
store_table_name(enum store_table tb)
{
	return (unsigned)tb < STORE_NTABLES ? table_names[tb] : NULL;
}

/* A write being counted: its leaf (if still clean) and the table's leaf
 * and overflow pages before it. */
struct wstat_op {
	int leaf;
	uint64_t pages;
	char cls[STORE_WSTAT_CLASS_LEN];
};

/* A key's class (store.h store_wstat_class): its lowercase letters up
 * to and with a '/' among its first STORE_WSTAT_CLASS_LEN - 1 bytes
 * ("o/", "st/"); else "" (a binary key, or a text key without such a
 * prefix). */
static void
wstat_class_of(const uint8_t *k, size_t kl, char out[STORE_WSTAT_CLASS_LEN])
{
	memset(out, 0, STORE_WSTAT_CLASS_LEN);
	for (size_t i = 0; k != NULL && i < kl &&
	    i < STORE_WSTAT_CLASS_LEN - 1; i++) {
		if (k[i] == '/' && i > 0) {
			memcpy(out, k, i + 1);
			return;
		}
		if (k[i] < 'a' || k[i] > 'z')
			break;
	}
}

/* Count one write of class cls: its slot, or the first free one; the
 * last slot takes every class beyond the others (its name "*"). */
static void
wstat_class_add(struct wclass row[STORE_WSTAT_CLASSES],
    const char cls[STORE_WSTAT_CLASS_LEN], int leaf)
{
	unsigned i;

	for (i = 0; i < STORE_WSTAT_CLASSES - 1; i++)
		if (row[i].writes == 0 || memcmp(row[i].name, cls,
		    STORE_WSTAT_CLASS_LEN) == 0)
			break;
	if (row[i].writes == 0)
		memcpy(row[i].name, i < STORE_WSTAT_CLASSES - 1 ? cls : "*",
		    i < STORE_WSTAT_CLASSES - 1 ? STORE_WSTAT_CLASS_LEN : 2);
	row[i].writes++;
	row[i].leaves += (uint64_t)leaf;
}

static uint64_t
wstat_pages(struct store_txn *t, enum store_table tb)
{
	MDB_stat st;

	if (mdb_stat(t->txn, t->s->dbi[tb], &st) != 0)
		return 0;
	return (uint64_t)st.ms_leaf_pages + (uint64_t)st.ms_overflow_pages;
}

/* Before a write of key (NULL: where cursor c stands) to table tb: is
 * the leaf it lands on still clean in this transaction (store.h)? */
static void
wstat_pre(struct store_txn *t, enum store_table tb, MDB_cursor *c,
    const void *key, size_t key_len, struct wstat_op *op)
{
	struct store *s = t->s;
	MDB_cursor *own = NULL;
	MDB_val k = { key_len, (void *)(uintptr_t)key }, v;
	const char *at = NULL;
	int rc;

	if (c != NULL) {
		if (mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT) == 0)
			at = k.mv_data;
	} else if (mdb_cursor_open(t->txn, s->dbi[tb], &own) == 0) {
		rc = mdb_cursor_get(own, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && (k.mv_size != key_len ||
		    memcmp(k.mv_data, key, key_len) != 0)) {
			/* a new key goes on its predecessor's leaf */
			at = k.mv_data;
			if (mdb_cursor_get(own, &k, &v, MDB_PREV) == 0)
				at = k.mv_data;
		} else if (rc == 0) {
			at = k.mv_data;
		} else if (mdb_cursor_get(own, &k, &v, MDB_LAST) == 0) {
			at = k.mv_data;
		}
		mdb_cursor_close(own);
	}
	/* (an empty table has no leaf yet: the page count below sees the
	 * one the write makes) */
	wstat_class_of(c != NULL ? (const uint8_t *)k.mv_data : key,
	    c != NULL ? k.mv_size : key_len, op->cls);
	op->leaf = at != NULL && at >= s->map_lo &&
	    (size_t)(at - s->map_lo) < s->map_len;
	op->pages = wstat_pages(t, tb);
}

/* After it: count it unless it failed (an MDB_APPEND refused, then
 * retried the ordinary way, wrote nothing), its clean leaf, and the leaf
 * and overflow pages it added (splits, new values too large for a
 * leaf); pages a delete frees are not subtracted. */
static void
wstat_post(struct store_txn *t, enum store_table tb, int rc,
    const struct wstat_op *op)
{
	uint64_t pages;

	if (rc != 0)
		return;
	pages = wstat_pages(t, tb);
	wstat_class_add(t->s->wclass[tb], op->cls, op->leaf);
	t->s->wstat[tb][0]++;
	t->s->wstat[tb][1] += (uint64_t)op->leaf +
	    (pages > op->pages ? pages - op->pages : 0);
}

/* ---- slotted tables (store.h; docs/storage.md "Slotted records") ----
 *
 * Why slots: `apps` and `vrecords` are appended (full leaves), and then
 * rewritten where they lie as an application takes its steps and a
 * vehicle gains and releases liens. A rewrite that grows a record on a
 * full leaf splits it in the middle, so these tables' leaves settled at
 * ~60% full. A slot written with the room its record will grow into is
 * overwritten at the same size (mdb_put copies a value of the old size
 * over the old one), and a shrinking record keeps its slot, so pages
 * split only when a record outgrows its room. The cost is the room
 * itself (what the caller asks: ledger/log.c, vehicle_state.c) and one
 * byte per record; the gain is every split avoided. */

int
store_table_slotted(enum store_table tb)
{
	return tb == STORE_STATE0 + STORE_SLOTTED_APPS ||
	    tb == STORE_STATE0 + STORE_SLOTTED_VRECORDS;
}

enum lien_status
store_slot_open(const uint8_t *v, size_t n, size_t *out_len)
{
	size_t pad;

	*out_len = 0;
	if (v == NULL || n == 0)
		return LIEN_ECORRUPT;
	pad = v[n - 1];
	if (pad > n - 1)
		return LIEN_ECORRUPT;
	for (size_t i = n - 1 - pad; i < n - 1; i++)
		if (v[i] != 0)
			return LIEN_ECORRUPT;
	*out_len = n - 1 - pad;
	return LIEN_OK;
}

/* The stored value of a slotted table as the caller sees it. */
static enum lien_status LIEN_MUST_CHECK
slot_view(enum store_table tb, MDB_val *v)
{
	size_t n;

	if (!store_table_slotted(tb))
		return LIEN_OK;
	if (store_slot_open(v->mv_data, v->mv_size, &n) != LIEN_OK)
		return LIEN_ECORRUPT;
	v->mv_size = n;
	return LIEN_OK;
}

/* The slot for val_len bytes under key: the size the key's slot has when
 * the record fits it, else val_len + 1 + room. */
static size_t
slot_size(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len, size_t val_len, size_t room, int append)
{
	MDB_val k = { key_len, (void *)(uintptr_t)key }, v;

	/* an append is a key the table does not have (else MDB_APPEND
	 * refuses it and the caller puts it again without) */
	if (!append && mdb_get(t->txn, t->s->dbi[tb], &k, &v) == 0 &&
	    v.mv_size > val_len && v.mv_size - val_len - 1 <=
	    STORE_SLOT_PAD_MAX)
		return v.mv_size;
	return val_len + 1 + (room < STORE_SLOT_PAD_MAX ? room :
	    STORE_SLOT_PAD_MAX);
}

/* val as a slot of size bytes into buf (size bytes). */
static void
slot_fill(uint8_t *buf, size_t size, const void *val, size_t val_len)
{
	if (val_len > 0)
		memcpy(buf, val, val_len);
	memset(buf + val_len, 0, size - val_len - 1);
	buf[size - 1] = (uint8_t)(size - val_len - 1);
}

#define SLOT_STACK 1024u	/* records up to this go through the stack */

enum lien_status
store_get(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len, const uint8_t **val, size_t *val_len)
{
	MDB_val k = { key_len, (void *)(uintptr_t)key }, v;
	int rc = mdb_get(t->txn, t->s->dbi[tb], &k, &v);
	enum lien_status st;

	if (rc != 0)
		return st_from_mdb(rc);
	if ((st = slot_view(tb, &v)) != LIEN_OK)
		return st;
	*val = v.mv_data;
	*val_len = v.mv_size;
	return LIEN_OK;
}

enum lien_status
store_entries(struct store_txn *t, enum store_table tb, uint64_t *out)
{
	MDB_stat ms;
	int rc = mdb_stat(t->txn, t->s->dbi[tb], &ms);

	*out = 0;
	if (rc != 0)
		return st_from_mdb(rc);
	*out = (uint64_t)ms.ms_entries;
	return LIEN_OK;
}

enum lien_status
store_put(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len, const void *val, size_t val_len, int append)
{
	return store_put_room(t, tb, key, key_len, val, val_len, append, 0);
}

enum lien_status
store_put_room(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len, const void *val, size_t val_len, int append,
    size_t room)
{
	MDB_val k = { key_len, (void *)(uintptr_t)key };
	MDB_val v = { val_len, (void *)(uintptr_t)val };
	uint8_t stack[SLOT_STACK], *heap = NULL;
	struct wstat_op op;
	int rc;

	if (store_table_slotted(tb)) {
		if (val_len > SIZE_MAX - 1 - STORE_SLOT_PAD_MAX)
			return LIEN_EINVAL;
		v.mv_size = slot_size(t, tb, key, key_len, val_len, room,
		    append);
		if (v.mv_size > sizeof stack &&
		    (heap = malloc(v.mv_size)) == NULL)
			return LIEN_ENOMEM;
		v.mv_data = heap != NULL ? heap : stack;
		slot_fill(v.mv_data, v.mv_size, val, val_len);
	}
	if (t->s->wstat != NULL)
		wstat_pre(t, tb, NULL, key, key_len, &op);
	rc = mdb_put(t->txn, t->s->dbi[tb], &k, &v, append ? MDB_APPEND : 0);
	if (t->s->wstat != NULL)
		wstat_post(t, tb, rc, &op);
	free(heap);
	return st_from_mdb(rc);
}

enum lien_status
store_reserve(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len, size_t val_len, uint8_t **out)
{
	MDB_val k = { key_len, (void *)(uintptr_t)key };
	MDB_val v = { val_len, NULL };
	struct wstat_op op;
	int rc;

	if (store_table_slotted(tb))
		return LIEN_EINVAL;	/* (its slot's pad would be unset) */
	if (t->s->wstat != NULL)
		wstat_pre(t, tb, NULL, key, key_len, &op);
	rc = mdb_put(t->txn, t->s->dbi[tb], &k, &v, MDB_RESERVE);
	if (t->s->wstat != NULL)
		wstat_post(t, tb, rc, &op);
	if (rc != 0)
		return st_from_mdb(rc);
	*out = v.mv_data;
	return LIEN_OK;
}

enum lien_status
store_del(struct store_txn *t, enum store_table tb, const void *key,
    size_t key_len)
{
	MDB_val k = { key_len, (void *)(uintptr_t)key };
	struct wstat_op op;
	int rc;

	if (t->s->wstat != NULL)
		wstat_pre(t, tb, NULL, key, key_len, &op);
	rc = mdb_del(t->txn, t->s->dbi[tb], &k, NULL);
	if (t->s->wstat != NULL)
		wstat_post(t, tb, rc, &op);
	return st_from_mdb(rc);
}

enum lien_status
store_cursor_open(struct store_txn *t, enum store_table tb,
    struct store_cursor **out)
{
	struct store_cursor *c = malloc(sizeof *c);
	int rc;

	*out = NULL;
	if (c == NULL)
		return LIEN_ENOMEM;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[tb], &c->cur)) != 0) {
		free(c);
		return st_from_mdb(rc);
	}
	c->s = t->s;
	c->tb = tb;
	*out = c;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
cursor_get(struct store_cursor *c, MDB_val *k, MDB_cursor_op op,
    const uint8_t **kp, size_t *k_len, const uint8_t **vp, size_t *v_len)
{
	MDB_val v;
	int rc = mdb_cursor_get(c->cur, k, &v, op);
	enum lien_status st;

	if (rc != 0)
		return st_from_mdb(rc);
	if ((st = slot_view(c->tb, &v)) != LIEN_OK)
		return st;
	*kp = k->mv_data;
	*k_len = k->mv_size;
	*vp = v.mv_data;
	*v_len = v.mv_size;
	return LIEN_OK;
}

enum lien_status
store_cursor_seek(struct store_cursor *c, const void *key, size_t key_len,
    const uint8_t **k, size_t *k_len, const uint8_t **v, size_t *v_len)
{
	MDB_val kv = { key_len, (void *)(uintptr_t)key };

	return cursor_get(c, &kv, key ? MDB_SET_RANGE : MDB_FIRST, k, k_len,
	    v, v_len);
}

enum lien_status
store_cursor_next(struct store_cursor *c, const uint8_t **k, size_t *k_len,
    const uint8_t **v, size_t *v_len)
{
	MDB_val kv;

	return cursor_get(c, &kv, MDB_NEXT, k, k_len, v, v_len);
}

enum lien_status
store_cursor_last(struct store_cursor *c, const uint8_t **k, size_t *k_len,
    const uint8_t **v, size_t *v_len)
{
	MDB_val kv;

	return cursor_get(c, &kv, MDB_LAST, k, k_len, v, v_len);
}

enum lien_status
store_cursor_del(struct store_cursor *c)
{
	struct store_txn t = { c->s, mdb_cursor_txn(c->cur), 1 };
	struct wstat_op op;
	int rc;

	if (c->s->wstat != NULL)
		wstat_pre(&t, c->tb, c->cur, NULL, 0, &op);
	rc = mdb_cursor_del(c->cur, 0);
	if (c->s->wstat != NULL)
		wstat_post(&t, c->tb, rc, &op);
	return st_from_mdb(rc);
}

enum lien_status
store_cursor_put(struct store_cursor *c, const void *key, size_t key_len,
    const void *val, size_t val_len, int append)
{
	struct store_txn t = { c->s, mdb_cursor_txn(c->cur), 1 };
	MDB_val k = { key_len, (void *)(uintptr_t)key };
	MDB_val v = { val_len, (void *)(uintptr_t)val };
	struct wstat_op op;
	int rc;

	if (store_table_slotted(c->tb))	/* (store_put_room: none needs it) */
		return LIEN_EINVAL;
	if (c->s->wstat != NULL)
		wstat_pre(&t, c->tb, NULL, key, key_len, &op);
	/* MDB_APPEND on a cursor already at the table's end (C_EOF) finds
	 * the last leaf without a search (mdb_cursor_last) */
	rc = mdb_cursor_put(c->cur, &k, &v, append ? MDB_APPEND : 0);
	if (c->s->wstat != NULL)
		wstat_post(&t, c->tb, rc, &op);
	return st_from_mdb(rc);
}

void
store_cursor_close(struct store_cursor *c)
{
	if (c == NULL)
		return;
	mdb_cursor_close(c->cur);
	free(c);
}

enum lien_status
store_usage(struct store *s, uint64_t *out_pages, unsigned *out_page_size)
{
	MDB_envinfo info;
	MDB_stat stat;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0 ||
	    (rc = mdb_env_stat(s->env, &stat)) != 0)
		return st_from_mdb(rc);
	/* me_last_pgno is the highest page ever used: the file's real extent. */
	*out_pages = (uint64_t)info.me_last_pgno + 1;
	*out_page_size = stat.ms_psize;
	return LIEN_OK;
}

enum lien_status
store_table_stat(struct store_txn *t, enum store_table tb,
    struct store_table_stat *out)
{
	MDB_stat ms;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = mdb_stat(t->txn, t->s->dbi[tb], &ms)) != 0)
		return st_from_mdb(rc);
	out->leaf_pages = ms.ms_leaf_pages;
	out->branch_pages = ms.ms_branch_pages;
	out->overflow_pages = ms.ms_overflow_pages;
	out->entries = ms.ms_entries;
	out->depth = ms.ms_depth;
	out->page_size = ms.ms_psize;
	return LIEN_OK;
}
