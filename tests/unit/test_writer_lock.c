/*
 * The store's single-writer lock (ledger/writer_lock.h) on its own and as
 * ledger_open uses it: a second read-write open of one directory gets
 * LIEN_EBUSY, in this process and in another (fork; the parties meet on
 * pipes, never on sleeps), read-only opens neither take nor respect it,
 * and closing (or dying) releases it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "ledger/writer_lock.h"

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-wlock-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("test.example/wlock", 18, &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	note_signer_free(f->signer);
	secret_free(f->skey);
	free(f->vkey);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
open_log(const struct fx *f, unsigned flags, struct ledger **out)
{
	struct ledger_config cfg = { 0 };

	cfg.dir = f->dir;
	cfg.signer = (flags & LEDGER_RDONLY) ? NULL : f->signer;
	cfg.flags = flags;
	cfg.map_size = 1u << 26;
	return ledger_open(&cfg, out);
}

/* n appends, one batch each: every batch ends with a state-root entry, so
 * the log grows by 2n. */
static void
append_n(struct ledger *l, unsigned n)
{
	struct ledger_receipt r;

	for (unsigned i = 0; i < n; i++)
		assert_int_equal(ledger_append(l, 0, (const uint8_t *)"e", 1,
		    &r), LIEN_OK);
}

/* One byte over a pipe: the only synchronisation between the processes.
 * A peer that died reads as EOF: 0 or -1. */
static int
pipe_put(int fd)
{
	ssize_t w;

	do
		w = write(fd, "x", 1);
	while (w < 0 && errno == EINTR);
	return w == 1 ? 0 : -1;
}

static int
pipe_get(int fd)
{
	char c;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int
child_wait(pid_t pid)
{
	int ws;

	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 100;
}

/* ---- writer_lock on its own -------------------------------------------- */

static void
test_writer_lock_acquire_twice_busy(void **state)
{
	struct fx *f = *state;
	struct writer_lock *a = NULL, *b = (struct writer_lock *)f;
	char path[128], buf[32];
	ssize_t n;
	int fd;

	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_OK);
	assert_non_null(a);
	/* A second open file description conflicts even in this process. */
	assert_int_equal(writer_lock_acquire(f->dir, &b), LIEN_EBUSY);
	assert_null(b);
	/* The file names its holder (informational). */
	snprintf(path, sizeof path, "%s/" WRITER_LOCK_FILE, f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	assert_true(n > 1);
	buf[n] = '\0';
	assert_int_equal(strtol(buf, NULL, 10), (long)getpid());
	writer_lock_release(a);
	assert_int_equal(writer_lock_acquire(f->dir, &b), LIEN_OK);
	writer_lock_release(b);
	writer_lock_release(NULL);
}

static void
test_writer_lock_acquire_creates_dir(void **state)
{
	struct fx *f = *state;
	struct writer_lock *a = NULL;
	char sub[128];
	struct stat st;

	snprintf(sub, sizeof sub, "%s/new", f->dir);
	assert_int_equal(writer_lock_acquire(sub, &a), LIEN_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	writer_lock_release(a);
}

static void
test_writer_lock_acquire_bad_dir(void **state)
{
	struct fx *f = *state;
	struct writer_lock *a = (struct writer_lock *)f;
	char *longdir, file[128], link[160];
	int fd;

	assert_int_equal(writer_lock_acquire(NULL, &a), LIEN_EINVAL);
	assert_null(a);
	assert_int_equal(writer_lock_acquire("", &a), LIEN_EINVAL);
	longdir = malloc(WRITER_LOCK_DIR_MAX + 2);
	assert_non_null(longdir);
	memset(longdir, 'a', WRITER_LOCK_DIR_MAX + 1);
	longdir[WRITER_LOCK_DIR_MAX + 1] = '\0';
	assert_int_equal(writer_lock_acquire(longdir, &a), LIEN_EINVAL);
	free(longdir);
	/* A regular file where the directory should be. */
	snprintf(file, sizeof file, "%s/file", f->dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(writer_lock_acquire(file, &a), LIEN_EIO);
	assert_null(a);
	/* A symlink planted at writer.lock is never followed. */
	snprintf(link, sizeof link, "%s/" WRITER_LOCK_FILE, f->dir);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_EIO);
	assert_null(a);
}

/* Another process holds the lock until it releases it; then it is ours. */
static void
test_writer_lock_acquire_other_process(void **state)
{
	struct fx *f = *state;
	struct writer_lock *a = NULL;
	int go[2], ack[2];
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ack), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct writer_lock *c = NULL;
		int rc = 0;

		close(go[1]);
		close(ack[0]);
		if (writer_lock_acquire(f->dir, &c) != LIEN_OK)
			_exit(1);
		if (pipe_put(ack[1]) != 0 || pipe_get(go[0]) != 0)
			rc = 2;
		writer_lock_release(c);
		if (pipe_put(ack[1]) != 0)
			rc = 3;
		_exit(rc);
	}
	close(go[0]);
	close(ack[1]);
	assert_int_equal(pipe_get(ack[0]), 0);		/* child holds it */
	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_EBUSY);
	assert_int_equal(pipe_put(go[1]), 0);
	assert_int_equal(pipe_get(ack[0]), 0);		/* child released */
	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_OK);
	writer_lock_release(a);
	assert_int_equal(child_wait(pid), 0);
	close(go[1]);
	close(ack[0]);
}

/* kill -9 leaves no stale lock: the kernel drops it with the process. */
static void
test_writer_lock_acquire_after_holder_killed(void **state)
{
	struct fx *f = *state;
	struct writer_lock *a = NULL;
	int ack[2], ws;
	pid_t pid;

	assert_int_equal(pipe(ack), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct writer_lock *c = NULL;

		close(ack[0]);
		if (writer_lock_acquire(f->dir, &c) != LIEN_OK)
			_exit(1);
		(void)pipe_put(ack[1]);
		for (;;)
			pause();	/* until SIGKILL */
	}
	close(ack[1]);
	assert_int_equal(pipe_get(ack[0]), 0);
	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_EBUSY);
	assert_int_equal(kill(pid, SIGKILL), 0);
	while (waitpid(pid, &ws, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(writer_lock_acquire(f->dir, &a), LIEN_OK);
	writer_lock_release(a);
	close(ack[0]);
}

/* ---- through ledger_open ------------------------------------------------ */

static void
test_ledger_open_second_writer_busy(void **state)
{
	struct fx *f = *state;
	struct ledger *l = NULL, *l2 = (struct ledger *)f;

	assert_int_equal(open_log(f, 0, &l), LIEN_OK);
	append_n(l, 3);
	assert_int_equal(open_log(f, 0, &l2), LIEN_EBUSY);
	assert_null(l2);
	/* The refused open left the first writer working. */
	append_n(l, 2);
	assert_int_equal(ledger_size(l), 10);
	ledger_close(l);
	assert_int_equal(open_log(f, 0, &l2), LIEN_OK);
	assert_int_equal(ledger_size(l2), 10);
	append_n(l2, 1);
	ledger_close(l2);
	assert_string_equal(lien_status_code(LIEN_EBUSY), "busy");
}

/* A writer in this process; another process gets LIEN_EBUSY for a
 * read-write open, reads fine read-only, and writes once we closed. The
 * child is forked before any ledger thread exists. */
static void
test_ledger_open_writer_busy_across_processes(void **state)
{
	struct fx *f = *state;
	struct ledger *l = NULL;
	int go[2], ack[2];
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ack), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ledger *c = NULL;

		close(go[1]);
		close(ack[0]);
		if (pipe_get(go[0]) != 0)
			_exit(1);
		if (open_log(f, 0, &c) != LIEN_EBUSY || c != NULL)
			_exit(2);
		if (open_log(f, LEDGER_RDONLY, &c) != LIEN_OK)
			_exit(3);
		if (ledger_size(c) != 8)
			_exit(4);
		ledger_close(c);
		c = NULL;
		if (pipe_put(ack[1]) != 0 || pipe_get(go[0]) != 0)
			_exit(5);
		if (open_log(f, 0, &c) != LIEN_OK)
			_exit(6);
		append_n(c, 1);
		ledger_close(c);
		_exit(0);
	}
	close(go[0]);
	close(ack[1]);
	assert_int_equal(open_log(f, 0, &l), LIEN_OK);
	append_n(l, 4);
	assert_int_equal(pipe_put(go[1]), 0);
	assert_int_equal(pipe_get(ack[0]), 0);
	ledger_close(l);
	l = NULL;
	assert_int_equal(pipe_put(go[1]), 0);
	assert_int_equal(child_wait(pid), 0);
	assert_int_equal(open_log(f, LEDGER_RDONLY, &l), LIEN_OK);
	assert_int_equal(ledger_size(l), 10);
	ledger_close(l);
	close(go[1]);
	close(ack[0]);
}

/* A read-only reader (another process) holds no lock: a writer opens
 * beside it. */
static void
test_ledger_open_rdonly_takes_no_lock(void **state)
{
	struct fx *f = *state;
	struct ledger *l = NULL;
	int go[2], ack[2];
	pid_t pid;

	assert_int_equal(open_log(f, 0, &l), LIEN_OK);
	append_n(l, 2);
	ledger_close(l);
	l = NULL;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ack), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ledger *c = NULL;
		int rc = 0;

		close(go[1]);
		close(ack[0]);
		if (open_log(f, LEDGER_RDONLY, &c) != LIEN_OK)
			_exit(1);
		if (pipe_put(ack[1]) != 0 || pipe_get(go[0]) != 0)
			rc = 2;
		ledger_close(c);
		_exit(rc);
	}
	close(go[0]);
	close(ack[1]);
	assert_int_equal(pipe_get(ack[0]), 0);		/* reader is open */
	assert_int_equal(open_log(f, 0, &l), LIEN_OK);
	append_n(l, 1);
	assert_int_equal(ledger_size(l), 6);
	ledger_close(l);
	assert_int_equal(pipe_put(go[1]), 0);
	assert_int_equal(child_wait(pid), 0);
	close(go[1]);
	close(ack[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_lock_acquire_twice_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock_acquire_creates_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock_acquire_bad_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock_acquire_other_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock_acquire_after_holder_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_open_second_writer_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_open_writer_busy_across_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_open_rdonly_takes_no_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
