/*
 * The body-deadline watchdog (httpd/deadline.h). One table of watches
 * (API_THREADS_MAX slots: at most one per worker) under a mutex; a thread
 * wakes every DEADLINE_TICK_MS, takes the overdue watches not yet cut,
 * and cuts each: the socket with the watch's address pair is found among
 * /proc/self/fd and shut down for reading. Looking up descriptors costs a
 * few syscalls per open descriptor, paid only for an overdue request.
 */
#include "httpd/deadline.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <civetweb.h>

#include "common/lien_limits.h"

#define DEADLINE_TICK_MS 100u

struct watch {
	int used;
	int cut;
	uint64_t deadline_ms;
	struct in_addr peer;
	uint16_t peer_port;		/* host order */
	uint16_t local_port;
};

struct httpd_deadlines {
	uint64_t (*clock_ms)(void);
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;
	atomic_uint_least64_t ncut;
	struct watch w[API_THREADS_MAX];
};

static uint64_t
mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

uint64_t
httpd_deadlines_now(const struct httpd_deadlines *d)
{
	return d != NULL && d->clock_ms != NULL ? d->clock_ms() : mono_ms();
}

int
httpd_deadline_overdue(uint64_t deadline_ms, uint64_t now_ms)
{
	return now_ms >= deadline_ms;
}

/* Shut down the read side of the TCP socket whose peer is (a, port) and
 * whose local port is lport. 1 if found. */
static int
cut_socket(struct in_addr a, uint16_t port, uint16_t lport)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int found = 0;

	if (dir == NULL)
		return 0;
	while (!found && (de = readdir(dir)) != NULL) {
		struct sockaddr_in peer, local;
		socklen_t pl = sizeof peer, ll = sizeof local;
		struct stat st;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end != '\0' || fd < 0 ||
		    fd == dirfd(dir) || fstat((int)fd, &st) != 0 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		if (getpeername((int)fd, (struct sockaddr *)&peer, &pl) != 0 ||
		    peer.sin_family != AF_INET ||
		    getsockname((int)fd, (struct sockaddr *)&local, &ll) != 0 ||
		    local.sin_family != AF_INET)
			continue;
		if (peer.sin_addr.s_addr == a.s_addr &&
		    ntohs(peer.sin_port) == port &&
		    ntohs(local.sin_port) == lport) {
			(void)shutdown((int)fd, SHUT_RD);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

static void *
watchdog(void *arg)
{
	struct httpd_deadlines *d = arg;

	pthread_mutex_lock(&d->mu);
	while (!d->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)DEADLINE_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&d->cv, &d->mu, &until);
		if (d->stop)
			break;
		for (size_t i = 0; i < API_THREADS_MAX; i++) {
			struct watch w = d->w[i];

			if (!w.used || w.cut || !httpd_deadline_overdue(
			    w.deadline_ms, httpd_deadlines_now(d)))
				continue;
			d->w[i].cut = 1;
			/* the lookup runs unlocked: a worker may end its
			 * watch meanwhile; its socket is then still its own
			 * until it returns to civetweb, which the cut only
			 * makes answer sooner */
			pthread_mutex_unlock(&d->mu);
			if (cut_socket(w.peer, w.peer_port, w.local_port))
				atomic_fetch_add(&d->ncut, 1);
			pthread_mutex_lock(&d->mu);
		}
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

enum lien_status
httpd_deadlines_new(struct httpd_deadlines **out)
{
	return httpd_deadlines_new_clock(out, NULL);
}

enum lien_status
httpd_deadlines_new_clock(struct httpd_deadlines **out,
    uint64_t (*clock_ms)(void))
{
	struct httpd_deadlines *d;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return LIEN_ENOMEM;
	d->clock_ms = clock_ms;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	atomic_init(&d->ncut, 0);
	if (pthread_create(&d->thread, NULL, watchdog, d) != 0) {
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return LIEN_ENOMEM;
	}
	*out = d;
	return LIEN_OK;
}

void
httpd_deadlines_free(struct httpd_deadlines *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

int
httpd_deadline_watch(struct httpd_deadlines *d,
    const struct mg_connection *conn, uint64_t deadline_ms)
{
	const struct mg_request_info *ri = conn ? mg_get_request_info(
	    (struct mg_connection *)(uintptr_t)conn) : NULL;
	struct in_addr a;
	int h = -1;

	if (d == NULL || ri == NULL || ri->remote_port <= 0 ||
	    ri->remote_port > 65535 || ri->server_port <= 0 ||
	    ri->server_port > 65535 ||
	    inet_pton(AF_INET, ri->remote_addr, &a) != 1)
		return -1;
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < API_THREADS_MAX; i++)
		if (!d->w[i].used) {
			d->w[i].used = 1;
			d->w[i].cut = 0;
			d->w[i].deadline_ms = deadline_ms;
			d->w[i].peer = a;
			d->w[i].peer_port = (uint16_t)ri->remote_port;
			d->w[i].local_port = (uint16_t)ri->server_port;
			h = (int)i;
			break;
		}
	pthread_mutex_unlock(&d->mu);
	return h;
}

int
httpd_deadline_done(struct httpd_deadlines *d, int h)
{
	int cut;

	if (d == NULL || h < 0 || (size_t)h >= API_THREADS_MAX)
		return 0;
	pthread_mutex_lock(&d->mu);
	cut = d->w[h].cut;
	d->w[h].used = 0;
	pthread_mutex_unlock(&d->mu);
	return cut;
}

enum httpd_body
httpd_read_body(struct httpd_deadlines *d, struct mg_connection *conn,
    void *buf, size_t len, uint64_t budget_ms, int *cut)
{
	uint64_t deadline = httpd_deadlines_now(d) + budget_ms;
	unsigned char *p = buf;
	size_t got = 0;
	int h;

	*cut = 0;
	h = httpd_deadline_watch(d, conn, deadline);
	while (got < len) {
		size_t ask = len - got > INT_MAX ? INT_MAX : len - got;
		int n = mg_read(conn, p + got, ask);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < len && httpd_deadline_overdue(deadline,
		    httpd_deadlines_now(d)))
			break;
	}
	/* The watchdog cuts only overdue reads, and a cut read returns
	 * short: the cut itself is the verdict. Reading the clock again
	 * instead raced the watchdog (it cut at now >= deadline, this said
	 * late only at now > deadline: a read cut within the deadline's own
	 * millisecond was answered 400 body_incomplete). */
	*cut = httpd_deadline_done(d, h);
	if (got == len)
		return HTTPD_BODY_OK;
	if (*cut || httpd_deadline_overdue(deadline, httpd_deadlines_now(d)))
		return HTTPD_BODY_TIMEOUT;
	return HTTPD_BODY_INCOMPLETE;
}

uint64_t
httpd_deadlines_cut(const struct httpd_deadlines *d)
{
	return d != NULL ? atomic_load(&((struct httpd_deadlines *)
	    (uintptr_t)d)->ncut) : 0;
}
