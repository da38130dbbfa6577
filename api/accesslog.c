/*
 * The structured access log: a bounded lock-free queue from the request
 * threads to one logger thread that formats JSON lines and appends them
 * to a file (docs/observability.md).
 *
 * Queue. A fixed ring of ACCESSLOG_QUEUE_MAX cells, each with a sequence
 * number (D. Vyukov's bounded MPMC queue, used here with one consumer).
 * A producer claims a position with one CAS, copies its record into the
 * cell and publishes it by storing the cell's sequence with release
 * order; when the ring is full it gives up at once and the record is
 * counted as dropped. A request therefore never waits for the disk, and
 * memory is fixed at open.
 *
 * Wake-ups. The logger sleeps on a semaphore only after announcing it
 * (waiting = 1) and re-checking the queue; a producer posts only when it
 * sees that announcement after publishing. Both sides put a seq_cst fence
 * between their store and their load, so either the logger sees the new
 * record or the producer sees the flag (the store-load pattern of
 * Dekker's algorithm). Under load the logger never sleeps and producers
 * do no system call. The sleep is also bounded (1 s) as a safety net.
 *
 * Writing. Lines are formatted from the cells in place and written in
 * batches with write(2) on an O_APPEND descriptor: one writer, whole
 * lines, no interleaving. The descriptor is guarded by a mutex shared
 * only by the logger and accesslog_reopen (rotation), never by requests.
 * Lines are not fsync'd: the access log is operational evidence; the
 * authoritative record of every registration is the transparency log.
 *
 * Escaping. A raw request path may hold any bytes civetweb accepts. JSON
 * strings are written so that the line is valid UTF-8 and valid JSON for
 * any input, and cannot forge a second line or drive a terminal: C0, DEL
 * and C1 control characters are \u00XX escapes, invalid UTF-8 (overlong
 * forms, surrogates, > U+10FFFF, truncated sequences; RFC 3629 section 4)
 * becomes U+FFFD per byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/accesslog.h"

#include "common/hex.h"
#include "registry/ids.h"
#include "registry/registry.h"

#define ACCESSLOG_BATCH_CAP (64u * 1024u)
#define ACCESSLOG_MODE 0640

/* ---- Records and the line format ---------------------------------------- */

static uint16_t
accesslog_copy(char *dst, size_t cap, const char *src, size_t len,
    int *truncated)
{
	if (src == NULL)
		return 0;
	if (len > cap) {
		len = cap;
		*truncated = 1;
	}
	memcpy(dst, src, len);
	return (uint16_t)len;	/* every cap is far below 65536 */
}

/* The VIN of a vehicle path ("/v1/vehicles/{vin}" and what follows it:
 * status-proof, restrictions) is not logged: a client address beside the
 * VIN it looked up is personal data (docs/privacy.md "Logs and
 * metrics"). The segment becomes "v:" and the first 16 hex digits of the
 * vehicle key of the upper-cased segment when that is a valid VIN (so
 * the operator can still follow one vehicle's requests, as anyone who
 * holds the VIN can), else "v:-". */
#define ACCESSLOG_VEHICLES "/v1/vehicles/"
#define ACCESSLOG_VKEY_DIGITS 16u

static void
accesslog_path_redact(struct accesslog_rec *r)
{
	const size_t pre = sizeof(ACCESSLOG_VEHICLES) - 1;
	char seg[IDS_VIN_LEN], out[ACCESSLOG_PATH_MAX];
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];
	size_t end, n, tail;

	if (r->path_len <= pre || memcmp(r->path, ACCESSLOG_VEHICLES, pre) != 0)
		return;
	for (end = pre; end < r->path_len && r->path[end] != '/'; end++)
		;
	if (end == pre)
		return;
	memcpy(out, r->path, pre);
	n = pre;
	out[n++] = 'v';
	out[n++] = ':';
	if (end - pre == IDS_VIN_LEN) {
		for (size_t i = 0; i < IDS_VIN_LEN; i++) {
			char ch = r->path[pre + i];

			seg[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
		}
		if (ids_vin_validate(seg, IDS_VIN_LEN) == LIEN_OK &&
		    registry_vehicle_key(seg, IDS_VIN_LEN, vk) == LIEN_OK) {
			hex_encode(vk, ACCESSLOG_VKEY_DIGITS / 2, hex);
			memcpy(out + n, hex, ACCESSLOG_VKEY_DIGITS);
			n += ACCESSLOG_VKEY_DIGITS;
		} else
			out[n++] = '-';
	} else
		out[n++] = '-';
	/* n <= pre + 2 + 16 < end + 2 + 16; the tail is cut to fit */
	tail = r->path_len - end;
	if (tail > sizeof(out) - n) {
		tail = sizeof(out) - n;
		r->truncated = 1;
	}
	memcpy(out + n, r->path + end, tail);
	n += tail;
	memcpy(r->path, out, n);
	r->path_len = (uint16_t)n;
}

void
accesslog_rec_set(struct accesslog_rec *r, const char *method,
    size_t method_len, const char *path, size_t path_len, const char *party,
    size_t party_len, const char *role, size_t role_len, const char *remote)
{
	size_t n;

	r->method_len = accesslog_copy(r->method, sizeof(r->method), method,
	    method_len, &r->truncated);
	r->path_len = accesslog_copy(r->path, sizeof(r->path), path, path_len,
	    &r->truncated);
	accesslog_path_redact(r);
	r->has_party = party != NULL;
	r->party_len = accesslog_copy(r->party, sizeof(r->party), party,
	    party_len, &r->truncated);
	r->has_role = role != NULL;
	r->role_len = accesslog_copy(r->role, sizeof(r->role), role, role_len,
	    &r->truncated);
	r->remote[0] = '\0';
	r->client_cert_sha256[0] = '\0';
	if (remote != NULL) {
		for (n = 0; n < sizeof(r->remote) - 1 && remote[n] != '\0'; n++)
			r->remote[n] = remote[n];
		r->remote[n] = '\0';
	}
}

/* A bounded writer over the caller's line buffer; sticky failure. */
struct line {
	char *p;
	size_t len, cap;
	int err;
};

static void
line_put(struct line *w, const char *s, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
line_raw(struct line *w, const char *s)
{
	line_put(w, s, strlen(s));
}

static void
line_u64(struct line *w, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	line_put(w, num, (size_t)n);
}

static void
line_esc_byte(struct line *w, unsigned c)
{
	char e[6] = { '\\', 'u', '0', '0', hex_char(c >> 4), hex_char(c) };

	line_put(w, e, sizeof(e));
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629 section 4:
 * shortest form only, no surrogates, at most U+10FFFF), 0 if invalid. */
static size_t
utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;	/* 0x80..0xc1 (continuation, overlong), > 0xf4 */
	if (c == 0xe0)
		lo = 0xa0;	/* overlong 3-byte */
	else if (c == 0xed)
		hi = 0x9f;	/* surrogates U+D800..U+DFFF */
	else if (c == 0xf0)
		lo = 0x90;	/* overlong 4-byte */
	else if (c == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (need > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return need;
}

/* (s, n) as a JSON string (see the file comment). */
static void
line_str(struct line *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	line_put(w, "\"", 1);
	while (i < n) {
		unsigned c = p[i];
		size_t k;

		if (c == '"' || c == '\\') {
			line_put(w, c == '"' ? "\\\"" : "\\\\", 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			line_esc_byte(w, c);
			i++;
		} else if (c < 0x80) {
			line_put(w, s + i, 1);
			i++;
		} else if ((k = utf8_valid_len(p + i, n - i)) == 0) {
			line_put(w, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i++;
		} else if (k == 2 && c == 0xc2 && p[i + 1] <= 0x9f) {
			line_esc_byte(w, p[i + 1]);	/* C1 control */
			i += 2;
		} else {
			line_put(w, s + i, k);
			i += k;
		}
	}
	line_put(w, "\"", 1);
}

static void
line_str_or_null(struct line *w, int present, const char *s, size_t n)
{
	if (present)
		line_str(w, s, n);
	else
		line_raw(w, "null");
}

static const char *
accesslog_outcome(int status)
{
	if (status >= 500 || status < 100)
		return "error";
	if (status >= 400)
		return "refused";
	return "ok";
}

size_t
accesslog_format(const struct accesslog_rec *r, char *out, size_t cap)
{
	struct line w = { out, 0, cap, 0 };
	char ts[96];	/* gcc sizes %04d for any int year */
	struct tm tm;
	time_t secs = (time_t)(r->time_ms / 1000u);
	char dur[32];

	/* RFC 3339 section 5.6, UTC, millisecond precision. */
	if (gmtime_r(&secs, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(r->time_ms % 1000u));
	snprintf(dur, sizeof(dur), "%" PRIu64 ".%03" PRIu64,
	    r->duration_ns / 1000000u, r->duration_ns / 1000u % 1000u);

	line_raw(&w, "{\"time\":\"");
	line_raw(&w, ts);
	line_raw(&w, "\",\"route\":");
	line_str(&w, r->route ? r->route : "none",
	    strlen(r->route ? r->route : "none"));
	line_raw(&w, ",\"method\":");
	line_str(&w, r->method, r->method_len);
	line_raw(&w, ",\"path\":");
	line_str(&w, r->path, r->path_len);
	line_raw(&w, ",\"status\":");
	line_u64(&w, (uint64_t)(r->status > 0 ? r->status : 0));
	line_raw(&w, ",\"outcome\":\"");
	line_raw(&w, accesslog_outcome(r->status));
	line_raw(&w, "\",\"error_code\":");
	line_str_or_null(&w, r->status >= 400 && r->error_code != NULL,
	    r->error_code, r->error_code ? strlen(r->error_code) : 0);
	line_raw(&w, ",\"party\":");
	line_str_or_null(&w, r->has_party, r->party, r->party_len);
	line_raw(&w, ",\"role\":");
	line_str_or_null(&w, r->has_role, r->role, r->role_len);
	line_raw(&w, ",\"entry_index\":");
	if (r->has_entry)
		line_u64(&w, r->entry_index);
	else
		line_raw(&w, "null");
	line_raw(&w, ",\"duration_ms\":");
	line_raw(&w, dur);
	line_raw(&w, ",\"bytes_out\":");
	line_u64(&w, r->bytes_out);
	line_raw(&w, ",\"remote\":");
	line_str(&w, r->remote, strnlen(r->remote, sizeof(r->remote)));
	if (r->client_cert_sha256[0] != '\0') {
		line_raw(&w, ",\"client_cert_sha256\":");
		line_str(&w, r->client_cert_sha256, strnlen(
		    r->client_cert_sha256, sizeof(r->client_cert_sha256)));
	}
	if (r->truncated)
		line_raw(&w, ",\"truncated\":true");
	line_raw(&w, "}\n");
	return w.err ? 0 : w.len;
}

/* ---- The queue and the logger thread ----------------------------------- */

struct accesslog_cell {
	_Atomic size_t seq;
	struct accesslog_rec rec;
};

struct accesslog {
	struct accesslog_cell *cells;	/* ACCESSLOG_QUEUE_MAX */
	_Atomic size_t enq;		/* next position to claim */
	size_t deq;			/* logger thread only */
	_Atomic int waiting;		/* logger is (about to be) asleep */
	_Atomic int stop;
	sem_t wake;
	pthread_t thread;
	pthread_mutex_t fd_mu;		/* logger and reopen only */
	int fd;
	int is_stderr;
	char *path;
	char *batch;			/* ACCESSLOG_BATCH_CAP */
	_Atomic uint64_t written, dropped, errors;
};

#define ACCESSLOG_MASK (ACCESSLOG_QUEUE_MAX - 1u)
_Static_assert((ACCESSLOG_QUEUE_MAX & ACCESSLOG_MASK) == 0,
    "ACCESSLOG_QUEUE_MAX must be a power of two");
_Static_assert(ACCESSLOG_BATCH_CAP >= 2 * ACCESSLOG_LINE_MAX,
    "a batch holds at least two lines");

enum lien_status
accesslog_submit(struct accesslog *a, const struct accesslog_rec *r)
{
	size_t pos = atomic_load_explicit(&a->enq, memory_order_relaxed);
	struct accesslog_cell *c;

	for (;;) {
		size_t seq;
		intptr_t dif;

		c = &a->cells[pos & ACCESSLOG_MASK];
		seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		dif = (intptr_t)(seq - pos);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&a->enq,
			    &pos, pos + 1, memory_order_relaxed,
			    memory_order_relaxed))
				break;
			/* pos was reloaded by the failed CAS */
		} else if (dif < 0) {
			/* The cell still holds a record from one lap ago:
			 * the ring is full. */
			atomic_fetch_add_explicit(&a->dropped, 1,
			    memory_order_relaxed);
			return LIEN_EFULL;
		} else {
			pos = atomic_load_explicit(&a->enq,
			    memory_order_relaxed);
		}
	}
	c->rec = *r;
	atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&a->waiting, memory_order_relaxed) &&
	    atomic_exchange_explicit(&a->waiting, 0, memory_order_relaxed))
		(void)sem_post(&a->wake);
	return LIEN_OK;
}

/* The oldest published record, or NULL. Logger thread only. */
static struct accesslog_cell *
accesslog_peek(struct accesslog *a)
{
	struct accesslog_cell *c = &a->cells[a->deq & ACCESSLOG_MASK];
	size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);

	return seq == a->deq + 1 ? c : NULL;
}

static void
accesslog_pop(struct accesslog *a, struct accesslog_cell *c)
{
	atomic_store_explicit(&c->seq, a->deq + ACCESSLOG_QUEUE_MAX,
	    memory_order_release);
	a->deq++;
}

/* Write len bytes of the batch; on failure the lines are lost and
 * counted. Caller holds fd_mu. */
static void
accesslog_write(struct accesslog *a, size_t len, uint64_t nlines)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(a->fd, a->batch + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			atomic_fetch_add_explicit(&a->errors, 1,
			    memory_order_relaxed);
			return;
		}
		off += (size_t)w;
	}
	atomic_fetch_add_explicit(&a->written, nlines, memory_order_relaxed);
}

/* Format and write everything published so far. Returns lines handled. */
static size_t
accesslog_drain(struct accesslog *a)
{
	struct accesslog_cell *c;
	size_t len = 0, total = 0;
	uint64_t nlines = 0;

	pthread_mutex_lock(&a->fd_mu);
	while ((c = accesslog_peek(a)) != NULL) {
		size_t n;

		if (ACCESSLOG_BATCH_CAP - len < ACCESSLOG_LINE_MAX) {
			accesslog_write(a, len, nlines);
			len = 0;
			nlines = 0;
		}
		n = accesslog_format(&c->rec, a->batch + len,
		    ACCESSLOG_LINE_MAX);
		accesslog_pop(a, c);
		total++;
		if (n == 0) {	/* cannot happen: LINE_MAX covers the caps */
			atomic_fetch_add_explicit(&a->errors, 1,
			    memory_order_relaxed);
			continue;
		}
		len += n;
		nlines++;
	}
	if (len > 0)
		accesslog_write(a, len, nlines);
	pthread_mutex_unlock(&a->fd_mu);
	return total;
}

static void *
accesslog_main(void *arg)
{
	struct accesslog *a = arg;

	for (;;) {
		struct timespec until;

		if (accesslog_drain(a) > 0)
			continue;
		if (atomic_load(&a->stop))
			break;
		atomic_store(&a->waiting, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (accesslog_peek(a) == NULL && !atomic_load(&a->stop)) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			while (sem_timedwait(&a->wake, &until) != 0 &&
			    errno == EINTR)
				;
		}
		atomic_store(&a->waiting, 0);
	}
	accesslog_drain(a);	/* records published before stop was seen */
	return NULL;
}

static int
accesslog_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    ACCESSLOG_MODE);
}

enum lien_status
accesslog_open(const char *path, struct accesslog **out)
{
	struct accesslog *a;
	enum lien_status st = LIEN_ENOMEM;
	int sem_ok = 0, mu_ok = 0;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return LIEN_EINVAL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return LIEN_ENOMEM;
	a->fd = -1;
	a->cells = calloc(ACCESSLOG_QUEUE_MAX, sizeof(*a->cells));
	a->batch = malloc(ACCESSLOG_BATCH_CAP);
	a->path = strdup(path);
	if (a->cells == NULL || a->batch == NULL || a->path == NULL)
		goto out;
	for (size_t i = 0; i < ACCESSLOG_QUEUE_MAX; i++)
		atomic_init(&a->cells[i].seq, i);
	if (sem_init(&a->wake, 0, 0) != 0)
		goto out;
	sem_ok = 1;
	if (pthread_mutex_init(&a->fd_mu, NULL) != 0)
		goto out;
	mu_ok = 1;
	if (strcmp(path, "-") == 0) {
		a->fd = STDERR_FILENO;
		a->is_stderr = 1;
	} else {
		a->fd = accesslog_open_fd(path);
		if (a->fd < 0) {
			st = LIEN_EIO;
			goto out;
		}
	}
	if (pthread_create(&a->thread, NULL, accesslog_main, a) != 0)
		goto out;
	*out = a;
	return LIEN_OK;
out:
	{
		int saved = errno;

		if (a->fd >= 0 && !a->is_stderr)
			close(a->fd);
		if (mu_ok)
			pthread_mutex_destroy(&a->fd_mu);
		if (sem_ok)
			sem_destroy(&a->wake);
		free(a->cells);
		free(a->batch);
		free(a->path);
		free(a);
		errno = saved;
	}
	return st;
}

enum lien_status
accesslog_reopen(struct accesslog *a)
{
	int fd, old;

	if (a == NULL || a->is_stderr)
		return LIEN_OK;
	/* Open first, outside the lock: the logger keeps writing to the
	 * old file meanwhile, and a failure changes nothing. */
	fd = accesslog_open_fd(a->path);
	if (fd < 0) {
		atomic_fetch_add_explicit(&a->errors, 1, memory_order_relaxed);
		return LIEN_EIO;
	}
	pthread_mutex_lock(&a->fd_mu);
	old = a->fd;
	a->fd = fd;
	pthread_mutex_unlock(&a->fd_mu);
	close(old);
	return LIEN_OK;
}

void
accesslog_stats_get(const struct accesslog *a, struct accesslog_stats *out)
{
	out->written = atomic_load_explicit(&a->written, memory_order_relaxed);
	out->dropped = atomic_load_explicit(&a->dropped, memory_order_relaxed);
	out->errors = atomic_load_explicit(&a->errors, memory_order_relaxed);
}

void
accesslog_close(struct accesslog *a)
{
	if (a == NULL)
		return;
	atomic_store(&a->stop, 1);
	(void)sem_post(&a->wake);
	pthread_join(a->thread, NULL);
	if (!a->is_stderr)
		close(a->fd);
	pthread_mutex_destroy(&a->fd_mu);
	sem_destroy(&a->wake);
	free(a->cells);
	free(a->batch);
	free(a->path);
	free(a);
}
