/*
 * test_logins.c - policy/logins.c, and what apply.c does for the items that
 * are not rlimits: counting sessions (logind's files, utmp through wrapped
 * getutent), maxlogins and maxsyslogins with root never refused, priority
 * and nonewprivs in a forked child.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

#include "policy_int.h"

/* ------------------------------------------------------------ fake utmp */

struct fake_ut {
	const char *user;
	pid_t pid;
	short type;
};
static const struct fake_ut *fake;
static size_t nfake, next_fake;
static struct utmp ut;

void __wrap_setutent(void);
struct utmp *__wrap_getutent(void);
void __wrap_endutent(void);

void __wrap_setutent(void)
{
	next_fake = 0;
}

struct utmp *__wrap_getutent(void)
{
	if (next_fake >= nfake)
		return NULL;
	const struct fake_ut *f = &fake[next_fake++];
	memset(&ut, 0, sizeof(ut));
	ut.ut_type = f->type;
	ut.ut_pid = f->pid;
	strncpy(ut.ut_user, f->user, sizeof(ut.ut_user));
	return &ut;
}

void __wrap_endutent(void)
{
}

/* A pid that no process has: a child that has been reaped. */
static pid_t dead_pid(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	return p;
}

/* ---------------------------------------------------------------- sinks */

struct lines {
	unsigned n, errors, warnings;
	char last[512];
};

static void emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct lines *l = ctx;
	l->n++;
	l->errors += sev == RL_SEV_ERROR;
	l->warnings += sev == RL_SEV_WARNING;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

/* A result with maxlogins and maxsyslogins as given (0 = not set, else n - 1). */
static void result(struct rl_result *r, unsigned logins, unsigned syslogins)
{
	memset(r, 0, sizeof(*r));
	struct {
		int item;
		unsigned v;
	} set[] = {{RL_ITEM_MAXLOGINS, logins}, {RL_ITEM_MAXSYSLOGINS, syslogins}};
	for (size_t i = 0; i < 2; i++) {
		if (!set[i].v)
			continue;
		struct rl_half *h = &r->item[set[i].item].hard;
		h->set = true;
		h->rlim = set[i].v - 1;
		h->origin.file = "t.yaml";
		h->origin.line = 3;
		snprintf(h->origin.rule, sizeof(h->origin.rule), "default");
	}
}

/* ------------------------------------------------------------------ tests */

static void test_logind_files(void **state)
{
	(void)state;
	char *dir = tmp_dir();
	free(put_file(dir, "1", "UID=1000\nUSER=alice\nSTATE=active\nCLASS=user\n"));
	free(put_file(dir, "2", "UID=1000\nUSER=alice\nSTATE=online\nCLASS=user\n"));
	free(put_file(dir, "3", "UID=1000\nSTATE=closing\nCLASS=user\n"));      /* closing */
	free(put_file(dir, "4", "UID=1000\nSTATE=active\nCLASS=greeter\n"));    /* not a user's */
	free(put_file(dir, "5", "UID=1000\nSTATE=active\nCLASS=background\n")); /* cron's */
	free(put_file(dir, "6", "UID=2000\nSTATE=active\nCLASS=user-early\n"));
	free(put_file(dir, "7", "UID=10000\nSTATE=active\nCLASS=user\n")); /* not 1000's prefix */
	free(put_file(dir, "8", "UID=1000\nSTATE=active\n"));              /* no class */
	unsigned mine = 0, all = 0;
	assert_int_equal(rl_count_logind(dir, 1000, NULL, &mine, &all), RL_OK);
	assert_int_equal(mine, 2);
	assert_int_equal(all, 4);
	/* The session being opened, already registered, is not counted. */
	mine = all = 0;
	assert_int_equal(rl_count_logind(dir, 1000, "2", &mine, &all), RL_OK);
	assert_int_equal(mine, 1);
	assert_int_equal(all, 3);
	/* No folder: no sessions. */
	char *none = NULL;
	assert_true(asprintf(&none, "%s/none", dir) > 0);
	mine = all = 0;
	assert_int_equal(rl_count_logind(none, 1000, NULL, &mine, &all), RL_OK);
	assert_int_equal(mine + all, 0);
	free(none);
	rm_rf(dir);
	free(dir);
}

/*
 * logind's folder as it is on a live machine: each session's ID.ref FIFO
 * beside its file, its write end held by the session.  A read of one
 * blocks as long as that session lives (the held first login of
 * tests/system/maxlogins.sh hung there).  The count runs in a child with
 * an alarm, so a count that blocks fails the test instead of hanging it.
 */
static void test_logind_fifos(void **state)
{
	(void)state;
	char *dir = tmp_dir(), *ref = NULL, *odd = NULL;
	free(put_file(dir, "3", "UID=1000\nUSER=alice\nSTATE=active\nCLASS=user\n"));
	assert_true(asprintf(&ref, "%s/3.ref", dir) > 0);
	assert_true(asprintf(&odd, "%s/7", dir) > 0); /* a FIFO under a session's name */
	assert_int_equal(mkfifo(ref, 0600), 0);
	assert_int_equal(mkfifo(odd, 0600), 0);
	int writer = open(ref, O_RDWR | O_CLOEXEC); /* the session holding it */
	assert_true(writer >= 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		unsigned mine = 0, all = 0;
		alarm(10);
		if (rl_count_logind(dir, 1000, NULL, &mine, &all) != RL_OK)
			_exit(99);
		_exit((int)(mine * 10 + all));
	}
	int ws = 0;
	assert_int_equal(waitpid(p, &ws, 0), p);
	close(writer);
	assert_false(WIFSIGNALED(ws)); /* SIGALRM: blocked on a FIFO */
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 11); /* alice's one session, of one */
	free(ref);
	free(odd);
	rm_rf(dir);
	free(dir);
}

static void test_utmp_count(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/run/systemd/system", &st) == 0) {
		print_message("systemd runs here: rl_count_sessions reads logind; skipped\n");
		skip();
	}
	pid_t live = getpid(), dead = dead_pid();
	const struct fake_ut list[] = {
	    {"alice", live, USER_PROCESS}, {"alice", live, USER_PROCESS},
	    {"alice", dead, USER_PROCESS}, /* stale: its process is gone */
	    {"alice", live, DEAD_PROCESS}, /* not a login */
	    {"", live, USER_PROCESS},      /* no name */
	    {"bob", live, USER_PROCESS},   {"alicex", live, USER_PROCESS},
	    {"ali", live, LOGIN_PROCESS},
	};
	fake = list;
	nfake = sizeof(list) / sizeof(list[0]);
	unsigned mine, all;
	assert_int_equal(rl_count_sessions("alice", 1000, NULL, &mine, &all), RL_OK);
	assert_int_equal(mine, 2);
	assert_int_equal(all, 4);
	assert_int_equal(rl_count_sessions("bob", 1001, NULL, &mine, &all), RL_OK);
	assert_int_equal(mine, 1);

	/* maxlogins 2 with two open: refused; 3: allowed; root never refused. */
	struct rl_result r;
	struct lines l = {0};
	struct rl_sink sink = {emit, &l};
	result(&r, 3, 0);
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "sshd", &sink), RL_ELOGINS);
	assert_int_equal(l.errors, 1);
	assert_non_null(
	    strstr(l.last, "maxlogins: alice 2 sessions open already, and maxlogins 2"));
	assert_non_null(strstr(l.last, "this one is refused"));
	result(&r, 4, 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "sshd", &sink), RL_OK);
	assert_int_equal(l.n, 0);
	result(&r, 3, 0);
	assert_int_equal(rl_check_logins(&r, "alice", 0, NULL, "sshd", &sink), RL_OK);
	assert_int_equal(l.warnings, 1);
	assert_non_null(strstr(l.last, "root is never refused"));
	/* maxsyslogins counts everyone's: 4 open, 4 allowed refuses the fifth. */
	memset(&l, 0, sizeof(l));
	result(&r, 0, 5);
	assert_int_equal(rl_check_logins(&r, "bob", 1001, NULL, "sshd", &sink), RL_ELOGINS);
	assert_non_null(strstr(l.last, "maxsyslogins: there are 4 sessions open on this machine"));
	result(&r, 0, 6);
	assert_int_equal(rl_check_logins(&r, "bob", 1001, NULL, "sshd", &sink), RL_OK);
	/* maxlogins 0 refuses every session, even the first; unlimited none. */
	nfake = 0;
	result(&r, 1, 0);
	assert_int_equal(rl_check_logins(&r, "carol", 1002, NULL, "sshd", &sink), RL_ELOGINS);
	r.item[RL_ITEM_MAXLOGINS].hard.rlim = RLIM_INFINITY;
	assert_int_equal(rl_check_logins(&r, "carol", 1002, NULL, "sshd", &sink), RL_OK);
}

/*
 * The user's systemd manager opens its PAM session ("systemd-user") from
 * inside the user's first login: never checked, wherever the count comes
 * from.  maxlogins 0 refuses any other session, even the first.
 */
static void test_user_manager_not_a_login(void **state)
{
	(void)state;
	struct rl_result r;
	struct lines l = {0};
	struct rl_sink sink = {emit, &l};
	nfake = 0;
	result(&r, 1, 1);
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "systemd-user", &sink), RL_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "sshd", &sink), RL_ELOGINS);
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, NULL, &sink), RL_ELOGINS);
	/* Only that exact name: not a prefix, not another case. */
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "systemd-user2", &sink),
			 RL_ELOGINS);
	assert_int_equal(rl_check_logins(&r, "alice", 1000, NULL, "Systemd-User", &sink),
			 RL_ELOGINS);
}

/* priority and nonewprivs, applied in a child that reports them back. */
static void test_priority_nonewprivs(void **state)
{
	(void)state;
	struct rl_policy *p =
	    must_load("version: 1\ndefault:\n  priority: 7\n  nonewprivs: true\n");
	struct rl_ident id;
	struct rl_result r = {0};
	assert_int_equal(rl_ident_make("alice", 1000, 1000, NULL, 0, &id), RL_OK);
	assert_int_equal(rl_resolve(p, &id, NULL, &r), RL_OK);
	assert_true(r.item[RL_ITEM_PRIORITY].hard.set);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		int got[3];
		/* Raising the niceness needs no capability; lowering it back would. */
		setpriority(PRIO_PROCESS, 0, 0);
		got[0] = rl_apply(&r, false, NULL);
		errno = 0;
		got[1] = getpriority(PRIO_PROCESS, 0);
		got[2] = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		_exit(write(fds[1], got, sizeof(got)) == sizeof(got) ? 0 : 1);
	}
	close(fds[1]);
	int got[3];
	assert_int_equal(read(fds[0], got, sizeof(got)), (ssize_t)sizeof(got));
	close(fds[0]);
	assert_int_equal(waitpid(c, NULL, 0), c);
	assert_int_equal(got[0], RL_OK);
	assert_int_equal(got[1], 7);
	assert_int_equal(got[2], 1);
	/* This process was not touched. */
	assert_int_equal(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	rl_result_free(&r);
	rl_ident_free(&id);
	rl_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_logind_files),
	    cmocka_unit_test(test_logind_fifos),
	    cmocka_unit_test(test_user_manager_not_a_login),
	    cmocka_unit_test(test_utmp_count),
	    cmocka_unit_test(test_priority_nonewprivs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
