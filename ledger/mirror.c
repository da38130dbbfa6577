/*
 * Mirror state in its own LMDB environment (contract: ledger/mirror.h).
 *
 * Design: a handful of keys in the store's meta table, each update one
 * synchronous write transaction that re-reads the current values and
 * checks the invariants (origin bound once, trusted size and next never
 * decrease, next <= size, nothing moves while halted) before writing. The
 * environment is marked with its own format key so a log store directory
 * is never mistaken for mirror state (and vice versa: a log store has a
 * "format" key, which we refuse).
 *
 * Not here: what counts as verified (tlog/verifier.c) or delivered
 * (tools/cli_sync.c).
 */
#include "ledger/mirror.h"

#include <stdlib.h>
#include <string.h>

#include "common/rd.h"
#include "common/lien_limits.h"
#include "ledger/store.h"

#define MIRROR_FORMAT "lienlog-mirror-v1"
#define MIRROR_MAP_SIZE ((uint64_t)1 << 30)	/* sparse; state is tiny */
#define HALT_MAX 1024u

#define K_FORMAT "mirror.format"
#define K_ORIGIN "mirror.origin"
#define K_CP "mirror.checkpoint"
#define K_SIZE "mirror.size"
#define K_NEXT "mirror.next"
#define K_HALT "mirror.halt"

struct mirror {
	struct store *st;
};

static enum lien_status LIEN_MUST_CHECK
get(struct store_txn *t, const char *key, const uint8_t **v, size_t *len)
{
	return store_get(t, STORE_META, key, strlen(key), v, len);
}

static enum lien_status LIEN_MUST_CHECK
put(struct store_txn *t, const char *key, const void *v, size_t len)
{
	return store_put(t, STORE_META, key, strlen(key), v, len, 0);
}

static enum lien_status LIEN_MUST_CHECK
get_u64(struct store_txn *t, const char *key, uint64_t *out)
{
	const uint8_t *v;
	size_t len;
	enum lien_status st;

	*out = 0;
	st = get(t, key, &v, &len);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (len != 8)
		return LIEN_ECORRUPT;
	*out = be64_get(v);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
put_u64(struct store_txn *t, const char *key, uint64_t v)
{
	uint8_t b[8];

	be64_put(b, v);
	return put(t, key, b, sizeof b);
}

enum lien_status
mirror_open(const char *dir, struct mirror **out)
{
	struct mirror *m;
	struct store_txn *t = NULL;
	const uint8_t *v;
	size_t len;
	enum lien_status st;

	if (out == NULL || dir == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return LIEN_ENOMEM;
	st = store_open(dir, MIRROR_MAP_SIZE, 0, 0, &m->st);
	if (st != LIEN_OK)
		goto fail;
	st = store_txn_begin(m->st, 1, &t);
	if (st != LIEN_OK)
		goto fail;
	/* A log store's meta has "format": never write mirror keys there. */
	if (get(t, "format", &v, &len) == LIEN_OK) {
		st = LIEN_EINVAL;
		goto fail;
	}
	st = get(t, K_FORMAT, &v, &len);
	if (st == LIEN_ENOTFOUND) {
		st = put(t, K_FORMAT, MIRROR_FORMAT, strlen(MIRROR_FORMAT));
	} else if (st == LIEN_OK) {
		if (len != strlen(MIRROR_FORMAT) ||
		    memcmp(v, MIRROR_FORMAT, len) != 0)
			st = LIEN_EUNSUPPORTED;
	}
	if (st != LIEN_OK)
		goto fail;
	st = store_txn_commit(t);
	t = NULL;
	if (st != LIEN_OK)
		goto fail;
	*out = m;
	return LIEN_OK;
fail:
	if (t != NULL)
		store_txn_abort(t);
	mirror_close(m);
	return st;
}

void
mirror_close(struct mirror *m)
{
	if (m == NULL)
		return;
	store_close(m->st);
	free(m);
}

static enum lien_status LIEN_MUST_CHECK
dup_str(struct store_txn *t, const char *key, char **out, size_t *out_len)
{
	const uint8_t *v;
	size_t len;
	enum lien_status st;

	*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	st = get(t, key, &v, &len);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (len > NOTE_MAX || memchr(v, '\0', len) != NULL)
		return LIEN_ECORRUPT;
	*out = malloc(len + 1);
	if (*out == NULL)
		return LIEN_ENOMEM;
	memcpy(*out, v, len);
	(*out)[len] = '\0';
	if (out_len != NULL)
		*out_len = len;
	return LIEN_OK;
}

void
mirror_state_clear(struct mirror_state *s)
{
	if (s == NULL)
		return;
	free(s->origin);
	free(s->checkpoint);
	free(s->halt);
	memset(s, 0, sizeof *s);
}

enum lien_status
mirror_load(struct mirror *m, struct mirror_state *out)
{
	struct store_txn *t;
	enum lien_status st;

	if (m == NULL || out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	st = store_txn_begin(m->st, 0, &t);
	if (st != LIEN_OK)
		return st;
	st = dup_str(t, K_ORIGIN, &out->origin, NULL);
	if (st == LIEN_OK)
		st = dup_str(t, K_CP, &out->checkpoint, &out->checkpoint_len);
	if (st == LIEN_OK)
		st = dup_str(t, K_HALT, &out->halt, NULL);
	if (st == LIEN_OK)
		st = get_u64(t, K_SIZE, &out->size);
	if (st == LIEN_OK)
		st = get_u64(t, K_NEXT, &out->next);
	store_txn_abort(t);
	if (st == LIEN_OK && (out->next > out->size ||
	    (out->checkpoint == NULL && out->size != 0)))
		st = LIEN_ECORRUPT;
	if (st != LIEN_OK)
		mirror_state_clear(out);
	return st;
}

static int
halted(struct store_txn *t)
{
	const uint8_t *v;
	size_t len;

	return get(t, K_HALT, &v, &len) == LIEN_OK;
}

enum lien_status
mirror_trust(struct mirror *m, const char *origin, size_t origin_len,
    const char *note, size_t note_len, uint64_t size, uint64_t next)
{
	struct store_txn *t;
	const uint8_t *v;
	size_t len;
	uint64_t cur_size, cur_next;
	enum lien_status st;

	if (m == NULL || origin == NULL || origin_len == 0 ||
	    origin_len > NOTE_NAME_MAX || note == NULL || note_len == 0 ||
	    note_len > NOTE_MAX)
		return LIEN_EINVAL;
	st = store_txn_begin(m->st, 1, &t);
	if (st != LIEN_OK)
		return st;
	if (halted(t)) {
		st = LIEN_ECLOSED;
		goto out;
	}
	st = get(t, K_ORIGIN, &v, &len);
	if (st == LIEN_OK && (len != origin_len ||
	    memcmp(v, origin, len) != 0)) {
		st = LIEN_EKEY;
		goto out;
	}
	if (st == LIEN_ENOTFOUND)
		st = put(t, K_ORIGIN, origin, origin_len);
	if (st != LIEN_OK)
		goto out;
	if ((st = get_u64(t, K_SIZE, &cur_size)) != LIEN_OK ||
	    (st = get_u64(t, K_NEXT, &cur_next)) != LIEN_OK)
		goto out;
	if (next == UINT64_MAX)
		next = cur_next;
	if (size < cur_size || next < cur_next || next > size) {
		st = LIEN_ECONFLICT;
		goto out;
	}
	if ((st = put(t, K_CP, note, note_len)) != LIEN_OK ||
	    (st = put_u64(t, K_SIZE, size)) != LIEN_OK ||
	    (st = put_u64(t, K_NEXT, next)) != LIEN_OK)
		goto out;
	return store_txn_commit(t);
out:
	store_txn_abort(t);
	return st;
}

enum lien_status
mirror_advance(struct mirror *m, uint64_t next)
{
	struct store_txn *t;
	uint64_t cur_size, cur_next;
	enum lien_status st;

	if (m == NULL)
		return LIEN_EINVAL;
	st = store_txn_begin(m->st, 1, &t);
	if (st != LIEN_OK)
		return st;
	if (halted(t)) {
		st = LIEN_ECLOSED;
		goto out;
	}
	if ((st = get_u64(t, K_SIZE, &cur_size)) != LIEN_OK ||
	    (st = get_u64(t, K_NEXT, &cur_next)) != LIEN_OK)
		goto out;
	if (next < cur_next || next > cur_size) {
		st = LIEN_ECONFLICT;
		goto out;
	}
	if (next == cur_next) {
		st = LIEN_OK;
		goto out;
	}
	if ((st = put_u64(t, K_NEXT, next)) != LIEN_OK)
		goto out;
	return store_txn_commit(t);
out:
	store_txn_abort(t);
	return st;
}

enum lien_status
mirror_halt(struct mirror *m, const char *why)
{
	struct store_txn *t;
	size_t len;
	enum lien_status st;

	if (m == NULL || why == NULL)
		return LIEN_EINVAL;
	len = strnlen(why, HALT_MAX);
	if (len == 0)
		return LIEN_EINVAL;
	st = store_txn_begin(m->st, 1, &t);
	if (st != LIEN_OK)
		return st;
	st = put(t, K_HALT, why, len);
	if (st != LIEN_OK) {
		store_txn_abort(t);
		return st;
	}
	return store_txn_commit(t);
}

enum lien_status
mirror_unhalt(struct mirror *m)
{
	struct store_txn *t;
	enum lien_status st;

	if (m == NULL)
		return LIEN_EINVAL;
	st = store_txn_begin(m->st, 1, &t);
	if (st != LIEN_OK)
		return st;
	st = store_del(t, STORE_META, K_HALT, strlen(K_HALT));
	if (st != LIEN_OK && st != LIEN_ENOTFOUND) {
		store_txn_abort(t);
		return st;
	}
	return store_txn_commit(t);
}
