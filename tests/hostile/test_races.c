/*
 * test_races.c - the policy changing under logins, black box through the
 * real module and libpam (tests/faults/fenv.h; a forked child a session).
 * half_policy: a drop-in renamed 50-a.yaml <-> 50-b.yaml in a folder of
 * 3,000 other names; no session may get the main file's limits without the
 * drop-in's.  device_flip: a drop-in linking to a name that flips between a
 * file and a link to a char device; inotify must see the device opened by
 * no one.  Each runs RACE_SECONDS (5) or RACE_SESSIONS (2000) and prints
 * its counts; tests/hostile/README.md says more.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "fenv.h"

#define USER "alice"
#define FILLER 3000
/* What the case child lowers the two limits to before the session. */
#define BASE 1000
#define MAIN_NOFILE 321 /* from the main file */
#define DROPIN_LOCKS 77 /* from the drop-in */
#define DROPIN "version: 1\ndefault:\n  locks: 77\n"

static double seconds = 5;
static unsigned max_sessions = 2000;

static void setup(const char *dir)
{
	fenv_write("passwd", 0644,
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "alice:x:1001:1001:Alice:/nonexistent:/bin/sh\n");
	fenv_write("group", 0644, "root:x:0:\nalice:x:1001:\n");
	fenv_mkdir("policy");
	fenv_write("policy/rlimit.yaml", 0644, "version: 1\ndefault:\n  nofile: %d\n", MAIN_NOFILE);

	fenv_mkdir("policy/half.d");
	fenv_write("policy/half.d/50-a.yaml", 0644, DROPIN);
	for (int i = 0; i < FILLER; i++) {
		char rel[96];
		snprintf(rel, sizeof(rel), "policy/half.d/filler-%05d-not-a-policy.txt", i);
		fenv_write(rel, 0644, "%s", "");
	}
	fenv_service("half", "conf=%s/policy/rlimit.yaml confdir=%s/policy/half.d", dir, dir);

	/* The device and the name that flips are made by the test itself. */
	fenv_mkdir("policy/dev.d");
	fenv_mkdir("flip");
	fenv_write("flip/flip.yaml", 0644, DROPIN);
	char target[PATH_MAX], link[PATH_MAX];
	snprintf(target, sizeof(target), "%s/flip/flip.yaml", dir);
	snprintf(link, sizeof(link), "%s/policy/dev.d/10-link.yaml", dir);
	if (symlink(target, link) != 0) {
		perror(link);
		exit(2);
	}
	fenv_service("dev", "conf=%s/policy/rlimit.yaml confdir=%s/policy/dev.d", dir, dir);
}

/* ---------------------------------------------------------------------- */

/* What a session left. */
enum verdict { WHOLE, HALF, REFUSED, OTHER, NVERDICTS };
static const char *const verdict_name[NVERDICTS] = {"whole", "half", "refused", "other"};

/* What the session child sends back. */
struct outcome {
	bool ran;
	int open_rc;
	struct rlimit nofile, locks;
	char log[2048];
};

static bool limit_is(const struct rlimit *r, rlim_t v)
{
	return r->rlim_cur == v && r->rlim_max == v;
}

static enum verdict classify(const struct outcome *o)
{
	if (!o->ran)
		return OTHER;
	if (o->open_rc == PAM_SUCCESS && limit_is(&o->nofile, MAIN_NOFILE)) {
		if (limit_is(&o->locks, DROPIN_LOCKS))
			return WHOLE;
		if (limit_is(&o->locks, BASE))
			return HALF;
	}
	if (o->open_rc == PAM_SERVICE_ERR && limit_is(&o->nofile, BASE) &&
	    limit_is(&o->locks, BASE))
		return REFUSED;
	return OTHER;
}

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *d)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)d;
	return PAM_CONV_ERR;
}

/*
 * One session in a forked child of a process that started the PAM handle
 * once: libpam has loaded the module already, so a session costs a fork and
 * pam_open_session.  The child lowers the two limits to BASE first.
 */
static void one_session(pam_handle_t *pamh, struct outcome *o)
{
	int fds[2];
	memset(o, 0, sizeof(*o));
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct rlimit base = {BASE, BASE};
		close(fds[0]);
		if (setrlimit(RLIMIT_NOFILE, &base) != 0 || setrlimit(RLIMIT_LOCKS, &base) != 0)
			_exit(4);
		fenv_log_clear();
		o->open_rc = pam_open_session(pamh, 0);
		getrlimit(RLIMIT_NOFILE, &o->nofile);
		getrlimit(RLIMIT_LOCKS, &o->locks);
		snprintf(o->log, sizeof(o->log), "%s", fenv_log());
		o->ran = true;
		_exit(write(fds[1], o, sizeof(*o)) == (ssize_t)sizeof(*o) ? 0 : 3);
	}
	close(fds[1]);
	ssize_t got;
	while ((got = read(fds[0], o, sizeof(*o))) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(*o))
		memset(o, 0, sizeof(*o));
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		o->ran = false;
}

struct race {
	unsigned n[NVERDICTS];
	unsigned sessions;
	double elapsed;
	char first[NVERDICTS][sizeof(((struct outcome *)0)->log) + 128]; /* the first of each */
};

/* Sessions for USER through service until the time or the count runs out. */
static void run_sessions(const char *service, struct race *r)
{
	struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *pamh = NULL;
	char confdir[PATH_MAX];
	snprintf(confdir, sizeof(confdir), "%s/services", fenv_dir());
	assert_int_equal(pam_start_confdir(service, USER, &conv, confdir, &pamh), PAM_SUCCESS);
	double t0 = fenv_now();
	memset(r, 0, sizeof(*r));
	while (r->sessions < max_sessions && fenv_now() - t0 < seconds) {
		struct outcome o;
		one_session(pamh, &o);
		enum verdict v = classify(&o);
		if (r->n[v]++ == 0)
			snprintf(r->first[v], sizeof(r->first[v]),
				 "open %d, nofile %ju/%ju, locks %ju/%ju, log:\n%s", o.open_rc,
				 (uintmax_t)o.nofile.rlim_cur, (uintmax_t)o.nofile.rlim_max,
				 (uintmax_t)o.locks.rlim_cur, (uintmax_t)o.locks.rlim_max, o.log);
		r->sessions++;
	}
	r->elapsed = fenv_now() - t0;
	pam_end(pamh, PAM_SUCCESS);
}

static void print_race(const char *name, const struct race *r, unsigned long changes,
		       const char *what)
{
	print_message("[  COUNTS  ] %s: %u sessions in %.1f s: %u whole, %u half, %u refused, "
		      "%u other; %lu %s\n",
		      name, r->sessions, r->elapsed, r->n[WHOLE], r->n[HALF], r->n[REFUSED],
		      r->n[OTHER], changes, what);
	for (int v = 0; v < NVERDICTS; v++) {
		if (r->n[v] && v != WHOLE)
			print_message("[  FIRST   ] %s: %s\n", verdict_name[v], r->first[v]);
	}
}

/* A process that runs body(arg, counter) until killed; *counter is shared. */
static pid_t start_changer(void (*body)(const char *, atomic_ulong *), const char *arg,
			   atomic_ulong **counter)
{
	*counter = mmap(NULL, sizeof(**counter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	assert_true(*counter != MAP_FAILED);
	atomic_init(*counter, 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		body(arg, *counter);
		_exit(0);
	}
	return pid;
}

static void stop_changer(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------------- */

/* 50-a.yaml -> 50-b.yaml -> 50-a.yaml, for ever. */
static void renamer(const char *dir, atomic_ulong *n)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		_exit(5);
	for (;;) {
		if (renameat(d, "50-a.yaml", d, "50-b.yaml") != 0 ||
		    renameat(d, "50-b.yaml", d, "50-a.yaml") != 0)
			_exit(6);
		atomic_fetch_add(n, 2);
	}
}

static void test_half_policy(void **state)
{
	(void)state;
	static struct race r;
	char dir[PATH_MAX];
	atomic_ulong *renames;
	snprintf(dir, sizeof(dir), "%s/policy/half.d", fenv_dir());

	/* Without the renamer every session gets the whole policy. */
	max_sessions = 20;
	run_sessions("half", &r);
	max_sessions = (unsigned)atoi(getenv("RACE_SESSIONS") ? getenv("RACE_SESSIONS") : "2000");
	if (r.n[WHOLE] != r.sessions)
		fail_msg("a quiet folder: %u of %u sessions whole; first other: %s", r.n[WHOLE],
			 r.sessions, r.first[OTHER][0] ? r.first[OTHER] : r.first[HALF]);

	pid_t pid = start_changer(renamer, dir, &renames);
	run_sessions("half", &r);
	stop_changer(pid);
	print_race("half_policy", &r, atomic_load(renames), "renames");
	assert_true(atomic_load(renames) > 0);
	if (r.n[HALF] || r.n[OTHER])
		fail_msg("%u sessions with half a policy, %u other, of %u", r.n[HALF], r.n[OTHER],
			 r.sessions);
	/* Refusing every session would pass the line above: a policy read whole must remain. */
	if (r.n[WHOLE] == 0)
		fail_msg("no session of %u got the whole policy", r.sessions);
}

/* ---------------------------------------------------------------------- */

/*
 * flip/flip.yaml and flip/spare swapped for ever (one is the regular file,
 * the other the link to the device): one system call a flip, so the name
 * changes type as often as it can.
 */
static void flipper(const char *dir, atomic_ulong *n)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		_exit(5);
	for (;;) {
		if (renameat2(d, "flip.yaml", d, "spare", RENAME_EXCHANGE) != 0)
			_exit(6);
		atomic_fetch_add(n, 1);
	}
}

/* The IN_OPEN events waiting on fd. */
static unsigned opens_seen(int fd)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned n = 0;
	for (;;) {
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			return n;
		for (char *p = buf; p < buf + got;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & IN_OPEN)
				n++;
			if (ev->mask & IN_Q_OVERFLOW)
				fail_msg("inotify queue overflow: opens were lost");
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void test_device_flip(void **state)
{
	(void)state;
	static struct race r;
	char dir[PATH_MAX], dev[PATH_MAX];
	atomic_ulong *flips;
	snprintf(dir, sizeof(dir), "%s/flip", fenv_dir());
	snprintf(dev, sizeof(dev), "%s/flip/null", fenv_dir());

	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
		print_message("[   SKIP   ] mknod %s: %s (needs root or CAP_MKNOD)\n", dev,
			      strerror(errno));
		skip();
	}
	char spare[PATH_MAX];
	snprintf(spare, sizeof(spare), "%s/flip/spare", fenv_dir());
	assert_int_equal(symlink("null", spare), 0);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(in >= 0);
	/*
	 * inotify folds an event into the one before it when that is the same
	 * and unread: with the closes watched too, no two opens are adjacent.
	 */
	assert_true(inotify_add_watch(in, dev, IN_OPEN | IN_CLOSE_NOWRITE) >= 0);

	pid_t pid = start_changer(flipper, dir, &flips);
	run_sessions("dev", &r);
	stop_changer(pid);
	unsigned opens = opens_seen(in);
	print_race("device_flip", &r, atomic_load(flips), "flips");
	print_message("[  COUNTS  ] device_flip: the device was opened %u times\n", opens);

	/* The watch is live: an open of the device is seen. */
	int f = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(opens_seen(in), 1);
	close(in);

	if (opens)
		fail_msg("the module opened the device %u times in %u sessions", opens, r.sessions);
	if (r.n[OTHER])
		fail_msg("%u sessions neither read the file nor refused: %s", r.n[OTHER],
			 r.first[OTHER]);
	/* Both states were met: the file read whole, the device refused. */
	if (r.n[WHOLE] == 0 || r.n[REFUSED] == 0)
		fail_msg("the race was not run: %u whole, %u refused", r.n[WHOLE], r.n[REFUSED]);
}

int main(int argc, char **argv)
{
	int rc = fenv_init(argc, argv, setup);
	if (rc >= 0)
		return rc;
	if (getenv("RACE_SECONDS"))
		seconds = atof(getenv("RACE_SECONDS"));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_half_policy),
	    cmocka_unit_test(test_device_flip),
	};
	return cmocka_run_group_tests_name("hostile_races", tests, NULL, NULL);
}
