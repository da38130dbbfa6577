/*
 * Small helpers shared by the bench_*.c programs: a monotonic clock, a
 * deterministic PRNG (so two runs time the same (index, size) pairs),
 * percentiles over sorted samples, the one-figure-per-line output format,
 * and scratch-directory handling.
 *
 * Output contract of every bench program: stdout carries only figures,
 * one per line, "name value unit", so scripts can diff runs; everything
 * else (progress, paths, notes) goes to stderr.
 *
 * Everything is static inline: each bench is one translation unit plus
 * this header, and unused helpers must not warn.
 */
#ifndef LIEN_BENCH_BENCH_UTIL_H
#define LIEN_BENCH_BENCH_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PATH_MAX 4096u

static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double
bench_seconds(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* splitmix64: tiny, fast and good enough to pick sample positions. */
static inline uint64_t
bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0; the modulo bias is far below timing noise. */
static inline uint64_t
bench_rand_below(uint64_t *state, uint64_t n)
{
	return bench_rand(state) % n;
}

static inline int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile (0 < pct <= 100) of n > 0 samples; sorts v. */
static inline uint64_t
bench_percentile(uint64_t *v, size_t n, unsigned pct)
{
	size_t rank;

	qsort(v, n, sizeof v[0], bench_cmp_u64);
	rank = (n * pct + 99u) / 100u;	/* ceil(n * pct / 100) */
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

/* The 1-minute load average (-1 if unreadable), printed beside the
 * figures: the machines are shared, and a figure means little without
 * it. */
static inline double
bench_loadavg_1m(void)
{
	double la = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &la) != 1)
			la = -1;
		(void)fclose(f);
	}
	return la;
}

/* A counter of this process's I/O (proc(5) /proc/self/io: "wchar",
 * bytes handed to write(2)/pwrite(2); "write_bytes", bytes caused to be
 * written to storage); 0 when unknown. */
static inline uint64_t
bench_proc_io(const char *field)
{
	char line[128];
	uint64_t v = 0;
	size_t fl = strlen(field);
	FILE *f = fopen("/proc/self/io", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, fl) == 0 && line[fl] == ':' &&
		    sscanf(line + fl + 1, "%" SCNu64, &v) == 1)
			break;
	(void)fclose(f);
	return v;
}

/* One figure line on stdout, flushed so a crash later keeps it. */
static inline void
bench_figure(const char *name, double value, const char *unit)
{
	if (value >= 1000.0)
		printf("%s %.0f %s\n", name, value, unit);
	else
		printf("%s %.3g %s\n", name, value, unit);
	fflush(stdout);
}

/* Join dir and name into out (cap bytes). 0 on success, -1 if too long. */
static inline int
bench_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Remove path and everything under it (no symlinks followed). Missing
 * path is success. 0 or -1 with errno set. */
static inline int
bench_rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[BENCH_PATH_MAX];
	int rc = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (bench_path(sub, sizeof sub, path, de->d_name) != 0 ||
		    bench_rm_tree(sub) != 0)
			rc = -1;
	}
	(void)closedir(d);
	if (rc == 0)
		rc = rmdir(path);
	return rc;
}

/* Sum of the sizes of the regular files directly in dir, skipping the
 * file named skip (may be NULL): both the apparent size (st_size) and the
 * blocks actually allocated (st_blocks * 512, which is what a sparse or
 * preallocated file really costs). 0 or -1. */
static inline int
bench_dir_bytes(const char *dir, const char *skip, uint64_t *out_size,
    uint64_t *out_alloc)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char sub[BENCH_PATH_MAX];

	*out_size = *out_alloc = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (skip != NULL && strcmp(de->d_name, skip) == 0)
			continue;
		if (bench_path(sub, sizeof sub, dir, de->d_name) != 0 ||
		    lstat(sub, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		fprintf(stderr, "  %s: size %lld, allocated %lld\n", sub,
		    (long long)st.st_size, (long long)st.st_blocks * 512);
		*out_size += (uint64_t)st.st_size;
		*out_alloc += (uint64_t)st.st_blocks * 512u;
	}
	(void)closedir(d);
	return 0;
}

#endif
