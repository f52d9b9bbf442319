/*
 * nss_faults.c - the module against a failing directory, through real
 * libpam, nss_wrapper and libnssfault (counts, delays, fails lookups):
 * getpwnam_r, getgrouplist and getgrgid_r failing once or always, under
 * onerr=fail (refused) and onerr=succeed (fail safe: all but the group
 * rules, one warning), and for root; getgrnam_r's answers; a user in
 * 5,000 groups; a slow directory; two pam_rlimit lines asking NSS once.
 * Each case is a forked child: its return code, limits, log and lookups.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <syslog.h>

#include "fenv.h"
#include "nssfault.h"

#define BIG_GROUPS 5000
#define BIG_GID0 100001 /* g00001 */

static nssfault_reset_fn nf_reset;
static nssfault_counts_fn nf_counts;

static void setup(const char *dir)
{
	fenv_write("passwd", 0644,
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "alice:x:1500:2001:Alice:/home/alice:/bin/sh\n"
		   "orphan:x:1600:9999:no group entry:/home/orphan:/bin/sh\n"
		   "big:x:1700:1700:in 5000 groups:/home/big:/bin/sh\n"
		   "stud:x:1800:2001:a student:/home/stud:/bin/sh\n");
	/* big's primary group and 5,000 supplementary ones. */
	FILE *g = fenv_open("group");
	fprintf(g, "root:x:0:\ndev:x:2001:\nops:x:2002:alice\nbig:x:1700:\n"
		   "outsider:x:3000:root\nstudents:x:2003:stud\nphysics:x:2004:\n");
	for (int i = 1; i <= BIG_GROUPS; i++)
		fprintf(g, "g%05d:x:%d:big\n", i, BIG_GID0 + i - 1);
	fenv_close(g, "group", 0644);

	fenv_mkdir("policy");
	fenv_write("policy/rlimit.yaml", 0644,
		   "version: 1\n"
		   "default:\n"
		   "  core: 0\n"
		   "groups:\n"
		   "  dev:\n"
		   "    nofile: {soft: 200, hard: 400}\n"
		   "  \"gid:2002\":\n"
		   "    locks: 50\n"
		   "  outsider:\n"
		   "    msgqueue: 1000\n"
		   "users:\n"
		   "  root:\n"
		   "    locks: 60\n");
	fenv_write("policy/big.yaml", 0644,
		   "version: 1\n"
		   "groups:\n"
		   "  \"gid:%d\":\n"
		   "    nofile: {soft: 333, hard: 444}\n"
		   "  g02500:\n"
		   "    locks: 77\n"
		   "  outsider:\n"
		   "    msgqueue: 1000\n"
		   "  \"gid:%d-%d\":\n"
		   "    sigpending: 10\n",
		   BIG_GID0 + BIG_GROUPS - 2, /* the 4,999th */
		   BIG_GID0 + BIG_GROUPS, BIG_GID0 + BIG_GROUPS + 100);
	/*
	 * Four named rules for alice's two groups: the library asks two names
	 * with getgrnam_r, then fetches the names of alice's gids (getgrgid_r)
	 * once, for the rest.
	 */
	fenv_write("policy/bulk.yaml", 0644,
		   "version: 1\n"
		   "default:\n"
		   "  core: 0\n"
		   "groups:\n"
		   "  dev:\n"
		   "    nofile: {soft: 200, hard: 400}\n"
		   "  \"gid:2002\":\n"
		   "    locks: 50\n"
		   "  outsider:\n"
		   "    msgqueue: 1000\n"
		   "  nosuchgroup:\n"
		   "    msgqueue: 2000\n");
	/* Only gid rules: group names are never needed. */
	fenv_write("policy/gids.yaml", 0644,
		   "version: 1\n"
		   "groups:\n"
		   "  \"gid:%d\":\n"
		   "    nofile: {soft: 333, hard: 444}\n",
		   BIG_GID0 + BIG_GROUPS - 2);
	fenv_service("fail", "conf=%s/policy/rlimit.yaml", dir);
	fenv_service("succeed", "conf=%s/policy/rlimit.yaml onerr=succeed", dir);
	fenv_service("debug", "conf=%s/policy/rlimit.yaml debug", dir);
	fenv_service("big", "conf=%s/policy/big.yaml", dir);
	fenv_service("gids", "conf=%s/policy/gids.yaml", dir);
	fenv_service("bulk", "conf=%s/policy/bulk.yaml", dir);
	fenv_service("bulk-succeed", "conf=%s/policy/bulk.yaml onerr=succeed", dir);

	/*
	 * The issue's policy, with nofile for as (an ASan build cannot live
	 * under a lowered as): default 400, physics 800, students 200.
	 */
	fenv_write("policy/issue.yaml", 0644,
		   "version: 1\n"
		   "default:\n"
		   "  nofile: 400\n"
		   "groups:\n"
		   "  physics:\n"
		   "    nofile: 800\n"
		   "  students:\n"
		   "    nofile: 200\n"
		   "  \"gid:2002\":\n"
		   "    nproc: 300\n"
		   "users:\n"
		   "  \"uid:1000-1999\":\n"
		   "    core: 0\n");
	fenv_service("issue", "conf=%s/policy/issue.yaml", dir);
	fenv_service("issue-succeed", "conf=%s/policy/issue.yaml onerr=succeed", dir);
	/* Two lines in one stack (common-session, then the service's own). */
	fenv_write("policy/second.yaml", 0644, "version: 1\ndefault:\n  msgqueue: 4000\n");
	const char *module = getenv("FAULTS_MODULE");
	fenv_service("twice",
		     "conf=%s/policy/issue.yaml\nsession required %s conf=%s/policy/issue.yaml",
		     dir, module, dir);
	fenv_service(
	    "twice-debug",
	    "conf=%s/policy/issue.yaml debug\nsession required %s conf=%s/policy/issue.yaml debug",
	    dir, module, dir);
	fenv_service("twice-other",
		     "conf=%s/policy/issue.yaml onerr=succeed\n"
		     "session required %s conf=%s/policy/second.yaml onerr=succeed",
		     dir, module, dir);
	fenv_service("twice-groups",
		     "conf=%s/policy/second.yaml onerr=succeed\n"
		     "session required %s conf=%s/policy/issue.yaml onerr=succeed",
		     dir, module, dir);
}

/* ---------------------------------------------------------------------- */

struct fault {
	const char *pwnam;     /* NSSFAULT_PWNAM, or NULL */
	const char *grouplist; /* NSSFAULT_GROUPLIST */
	const char *grgid;     /* NSSFAULT_GRGID */
	const char *grgid_at;  /* NSSFAULT_GRGID_AT */
	const char *grnam;     /* NSSFAULT_GRNAM */
	const char *grnam_at;  /* NSSFAULT_GRNAM_AT */
	const char *delay_ms;  /* NSSFAULT_DELAY_MS */
};

static void set_or_unset(const char *name, const char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

static void hook_before(void *arg)
{
	const struct fault *f = arg;
	set_or_unset("NSSFAULT_PWNAM", f->pwnam);
	set_or_unset("NSSFAULT_GROUPLIST", f->grouplist);
	set_or_unset("NSSFAULT_GRGID", f->grgid);
	set_or_unset("NSSFAULT_GRGID_AT", f->grgid_at);
	set_or_unset("NSSFAULT_GRNAM", f->grnam);
	set_or_unset("NSSFAULT_GRNAM_AT", f->grnam_at);
	set_or_unset("NSSFAULT_DELAY_MS", f->delay_ms);
	nf_reset();
}

static void hook_after_open(void *arg, unsigned char *payload)
{
	struct nssfault_counts c;
	(void)arg;
	nf_counts(&c);
	memcpy(payload, &c, sizeof(c));
}

struct outcome {
	struct fenv_child c;
	struct nssfault_counts n;
};

static struct outcome *run(const char *service, const char *user, const struct fault *f)
{
	static struct outcome o;
	struct fault none = {0};
	struct fenv_hooks hooks = {hook_before, hook_after_open, NULL, (void *)(f ? f : &none)};
	fenv_run_child(service, user, &hooks, &o.c);
	assert_true(o.c.exited);
	assert_int_equal(o.c.code, 0);
	assert_true(o.c.reported);
	assert_int_equal(o.c.pam.start_rc, PAM_SUCCESS);
	memcpy(&o.n, o.c.payload, sizeof(o.n));
	return &o;
}

/* Every limit as before, but for w[0..n), which must be exactly that. */
static void assert_limits(const struct fenv_child *c, const struct fenv_limit *w, size_t n)
{
	char why[4096] = "";
	if (fenv_limits_mismatch("limits", c, w, n, NULL, why, sizeof(why)))
		fail_msg("%slog:\n%s", why, c->log);
}

static void assert_unchanged(const struct fenv_child *c)
{
	assert_limits(c, NULL, 0);
}

static void assert_rc(const struct outcome *o, int want)
{
	if (o->c.pam.open_rc != want)
		fail_msg("pam_open_session: %s (%d), expected %s\nlog:\n%s",
			 tn_pam_code(o->c.pam.open_rc), o->c.pam.open_rc, tn_pam_code(want),
			 o->c.log);
}

static void assert_log(const struct outcome *o, int prio, const char *text)
{
	if (fenv_log_count_in(o->c.log, prio, text) != 1)
		fail_msg("expected one line at priority %d holding \"%s\"; log:\n%s", prio, text,
			 o->c.log);
}

static const struct fenv_limit alice_limits[] = {
    {RLIMIT_CORE, 0, 0},
    {RLIMIT_NOFILE, 200, 400},
    {RLIMIT_LOCKS, 50, 50},
};
#define NALICE (sizeof(alice_limits) / sizeof(alice_limits[0]))

static char eio[8], enomem[8], erange[8], enoent[8], eagain[8];
static const char notfound[] = "-1"; /* glibc's 0 with no entry */
static const char unavailable[] = "group information unavailable for ";

/* ---------------------------------------------------------------------- */

static void test_baseline(void **state)
{
	(void)state;
	struct outcome *o = run("fail", "alice", NULL);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, alice_limits, NALICE);
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 1);
	/* dev and outsider found by name: each answers, no walk. */
	assert_int_equal(o->n.getgrnam_r, 2);
	assert_int_equal(o->n.getgrgid_r, 0);
	assert_int_equal(o->n.injected, 0);
	assert_int_equal(fenv_log_count_in(o->c.log, -1, unavailable), 0);

	/* More names than alice has gids: two asked, then her gids' names. */
	o = run("bulk", "alice", NULL);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, alice_limits, NALICE);
	assert_int_equal(o->n.getgrnam_r, 2);
	assert_int_equal(o->n.getgrgid_r, 2);
}

/*
 * getgrnam_r: a failure (any errno) is a directory that did not answer;
 * "no such group" is not an answer either (a failed source before the one
 * that said it is silent): the walk of alice's gids decides.
 */
static void test_grnam_answers(void **state)
{
	(void)state;
	struct fault f = {.grnam = eio};
	struct outcome *o = run("fail", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_int_equal(o->n.getgrnam_r, 1); /* the first failure ends the lookups */
	assert_int_equal(o->n.getgrgid_r, 0);
	o = run("succeed", "alice", &f);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w[] = {{RLIMIT_CORE, 0, 0}, {RLIMIT_LOCKS, 50, 50}};
	assert_limits(&o->c, w, 2);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for alice (getgrnam_r(dev): Input/output "
		   "error): skipped group rules ");

	struct fault nf = {.grnam = notfound};
	o = run("fail", "alice", &nf);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, alice_limits, NALICE);
	assert_int_equal(o->n.getgrnam_r, 1);
	assert_int_equal(o->n.getgrgid_r, 2);
}

/*
 * A slow directory: each of alice's four lookups (one getpwnam_r, one
 * getgrouplist, two getgrgid_r) takes 40 ms.  With debug, one line says
 * how long they took in all and how many there were; without debug, or
 * with a quick directory, nothing is said.
 */
static void test_slow_directory_logged(void **state)
{
	(void)state;
	static const char said[] = "user and group lookups took ";
	struct fault slow = {.delay_ms = "40"};
	struct outcome *o = run("debug", "alice", &slow);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, alice_limits, NALICE);
	assert_int_equal(o->n.getpwnam_r + o->n.getgrouplist + o->n.getgrnam_r + o->n.getgrgid_r,
			 4); /* getpwnam_r, getgrouplist, and getgrgid_r for each of two gids */
	assert_log(o, LOG_DEBUG,
		   " ms (4 lookups); a cache in front of the directory (nscd, sssd) helps: "
		   "see pam_rlimit(8)");
	const char *at = strstr(o->c.log, said);
	assert_non_null(at);
	unsigned long ms = strtoul(at + strlen(said), NULL, 10);
	if (ms < 160 || ms > 60000)
		fail_msg("the lookups slept 160 ms in all, the log says %lu ms:\n%s", ms, o->c.log);

	o = run("fail", "alice", &slow); /* no debug */
	assert_rc(o, PAM_SUCCESS);
	assert_int_equal(fenv_log_count_in(o->c.log, -1, said), 0);
	/*
	 * A directory in memory.  The whole child's wall time bounds the
	 * lookups': when it is under 100 ms, nothing may be said (a loaded
	 * machine or a sanitizer can make it longer, and then it says nothing).
	 */
	o = run("debug", "alice", NULL);
	assert_rc(o, PAM_SUCCESS);
	if (o->c.seconds < 0.1)
		assert_int_equal(fenv_log_count_in(o->c.log, -1, said), 0);
	else
		printf("  quick directory not checked: the session took %.0f ms\n",
		       o->c.seconds * 1e3);
}

static void test_unknown_user(void **state)
{
	(void)state;
	struct outcome *o = run("fail", "nosuchuser", NULL);
	assert_rc(o, PAM_USER_UNKNOWN);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ERR, "unknown user nosuchuser");
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 0);
	assert_int_equal(o->n.getgrgid_r, 0);
	o = run("succeed", "nosuchuser", NULL);
	assert_rc(o, PAM_USER_UNKNOWN); /* onerr is about failures, not unknown users */
	assert_log(o, LOG_ERR, "unknown user nosuchuser");
}

static void test_pwnam_eio(void **state)
{
	(void)state;
	struct fault f = {.pwnam = eio};
	struct outcome *o = run("fail", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "the user or group database failed; session for alice refused");
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 0);
	o = run("succeed", "alice", &f);
	assert_rc(o, PAM_SUCCESS);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT,
		   "the user or group database failed; session for alice goes on "
		   "without limits (onerr=succeed)");
}

/*
 * getpwnam_r: ENOENT is what nss_sss says with its daemon down, not "no
 * such user"; only 0 with no entry is.
 */
static void test_pwnam_rows(void **state)
{
	(void)state;
	struct fault nf = {.pwnam = notfound};
	struct outcome *o = run("fail", "alice", &nf);
	assert_rc(o, PAM_USER_UNKNOWN);
	assert_log(o, LOG_ERR, "unknown user alice");
	const char *errs[] = {enoent, eagain};
	for (size_t i = 0; i < 2; i++) {
		struct fault f = {.pwnam = errs[i]};
		o = run("fail", "alice", &f);
		assert_rc(o, PAM_SERVICE_ERR);
		assert_unchanged(&o->c);
		assert_log(o, LOG_ALERT,
			   "the user or group database failed; session for alice refused");
		o = run("succeed", "alice", &f);
		assert_rc(o, PAM_SUCCESS);
		assert_unchanged(&o->c); /* nothing known of the user: not even root or not */
	}
}

static void test_pwnam_enomem(void **state)
{
	(void)state;
	struct fault f = {.pwnam = enomem};
	struct outcome *o = run("fail", "alice", &f);
	assert_rc(o, PAM_BUF_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "out of memory; session for alice refused");
}

static void test_grouplist_fails(void **state)
{
	(void)state;
	struct fault f = {.grouplist = "fail"};
	struct outcome *o = run("fail", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "the user or group database failed; session for alice refused");
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 1); /* not retried: it did not ask for more */
	assert_int_equal(o->n.getgrgid_r, 0);

	/* Fail safe: default's core: 0 applies, every group rule (gid:2002 too) is skipped. */
	o = run("succeed", "alice", &f);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w[] = {{RLIMIT_CORE, 0, 0}};
	assert_limits(&o->c, w, 1);
	assert_log(o, LOG_WARNING, unavailable);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for alice (getgrouplist: failed): skipped "
		   "group rules ");
	assert_int_equal(fenv_log_count_in(o->c.log, LOG_ALERT, ""), 0);
	assert_int_equal(fenv_log_count_in(o->c.log, -1, "rlimit.yaml:"), 1);
	assert_int_equal(fenv_log_count_in(o->c.log, -1, "(groups.gid:2002)"), 1);
}

static void test_grouplist_never_settles(void **state)
{
	(void)state;
	struct fault f = {.grouplist = "grow"};
	double t0 = fenv_now();
	struct outcome *o = run("fail", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "the user or group database failed");
	/*
	 * The shim asks for twice the array each time: 1,024 gids, then 2,048,
	 * 4,096 and 8,192, and the library gives up after its fourth call,
	 * well before the kernel's NGROUPS_MAX (65,536, a seventh call) would
	 * stop it.
	 */
	assert_int_equal(o->n.getgrouplist, 4);
	assert_true(fenv_now() - t0 < 5.0);
	print_message("getgrouplist asking for more forever: %lu calls, then PAM_SERVICE_ERR\n",
		      o->n.getgrouplist);
}

static void test_grgid_fails(void **state)
{
	(void)state;
	struct fault f = {.grgid = eio};
	struct outcome *o = run("bulk", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "the user or group database failed; session for alice refused");
	assert_int_equal(o->n.getgrgid_r, 1); /* the first error ends the lookup */

	/* Fail safe: default's core: 0 and gid:2002's locks: 50 (the gids are known). */
	o = run("bulk-succeed", "alice", &f);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w[] = {{RLIMIT_CORE, 0, 0}, {RLIMIT_LOCKS, 50, 50}};
	assert_limits(&o->c, w, 2);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for alice (getgrgid_r(2001): Input/output "
		   "error): skipped group rules ");
	assert_log(o, LOG_WARNING, "bulk.yaml:5 (groups.dev), ");
	assert_log(o, LOG_WARNING, "bulk.yaml:11 (groups.nosuchgroup); the other rules apply");
	assert_int_equal(fenv_log_count_in(o->c.log, -1, "(groups.gid:2002)"), 0);
}

static void test_grgid_second_fails(void **state)
{
	(void)state;
	struct fault f = {.grgid = eio, .grgid_at = "2"};
	struct outcome *o = run("bulk", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_int_equal(o->n.getgrgid_r, 2);
	assert_int_equal(o->n.injected, 1);
}

static void test_grgid_erange_forever(void **state)
{
	(void)state;
	struct fault f = {.grgid = erange};
	double t0 = fenv_now();
	struct outcome *o = run("bulk", "alice", &f);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_in_range(o->n.getgrgid_r, 2, 16); /* the buffer doubles up to its cap */
	assert_true(fenv_now() - t0 < 5.0);
	print_message("getgrgid_r answering ERANGE forever: %lu calls, then PAM_SERVICE_ERR\n",
		      o->n.getgrgid_r);
}

/*
 * Every gid getgrouplist gave must resolve, the primary too: a directory
 * with only the passwd entry cached gives just that gid and cannot name it.
 */
static void test_grgid_not_found(void **state)
{
	(void)state;
	/* orphan's primary 9999 has no entry: unavailable, so refused... */
	struct outcome *o = run("fail", "orphan", NULL);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	/* ... or, under onerr=succeed, all but the group rules. */
	o = run("succeed", "orphan", NULL);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w[] = {{RLIMIT_CORE, 0, 0}};
	assert_limits(&o->c, w, 1);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for orphan (getgrgid_r(9999): no such group");

	/* getgrnam_r says "no such group" (a silent source): the walk decides. */
	const struct fenv_limit w2[] = {{RLIMIT_CORE, 0, 0}, {RLIMIT_LOCKS, 50, 50}};
	struct fault p = {.grgid = notfound, .grgid_at = "1", .grnam = notfound};
	o = run("fail", "alice", &p);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	o = run("succeed", "alice", &p);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, w2, 2); /* gid:2002 stays: the gids were known */

	/* The second is 2002 (ops), supplementary: unavailable, so refused. */
	struct fault s2 = {.grgid = notfound, .grgid_at = "2", .grnam = notfound};
	o = run("fail", "alice", &s2);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	o = run("succeed", "alice", &s2);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, w2, 2);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for alice (getgrgid_r(2002): no such group, "
		   "though the user is in it)");

	/* ENOENT (nss_sss with its daemon down) and EAGAIN are no answer either. */
	const char *errs[] = {enoent, eagain};
	for (size_t i = 0; i < 2; i++) {
		struct fault g = {.grgid = errs[i], .grnam = notfound};
		o = run("bulk", "alice", &g);
		assert_rc(o, PAM_SERVICE_ERR);
		assert_unchanged(&o->c);
		assert_log(o, LOG_ALERT,
			   "the user or group database failed; session for alice refused");
	}
}

/*
 * The issue's policy and its student, in stud's group "students" (2003),
 * primary dev.  While the directory answers: 200.  With it down (ENOENT,
 * onerr=succeed): default's 400 and the uid range's core: 0, not nothing
 * (bug 1), nor the default's 400 with no word said (bug 2).  onerr=fail:
 * refused.
 */
static void test_fail_safe_issue(void **state)
{
	(void)state;
	struct outcome *o = run("issue", "stud", NULL);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit up[] = {{RLIMIT_NOFILE, 200, 200}, {RLIMIT_CORE, 0, 0}};
	assert_limits(&o->c, up, 2);

	/* nss_sss with its daemon down: ENOENT for every group lookup. */
	struct fault down = {.grgid = enoent, .grnam = enoent};
	o = run("issue-succeed", "stud", &down);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit safe[] = {{RLIMIT_NOFILE, 400, 400}, {RLIMIT_CORE, 0, 0}};
	assert_limits(&o->c, safe, 2);
	assert_int_equal(fenv_log_count_in(o->c.log, LOG_WARNING, unavailable), 1);
	assert_log(o, LOG_WARNING,
		   "group information unavailable for stud (getgrgid_r(2001): No such file or "
		   "directory): skipped group rules ");
	assert_log(o, LOG_WARNING, "issue.yaml:5 (groups.physics), ");
	assert_log(o, LOG_WARNING, "issue.yaml:7 (groups.students); the other rules apply");
	/* ENOENT by name leaves it to the walk, whose first failure ends it. */
	assert_int_equal(o->n.getgrnam_r, 1);
	assert_int_equal(o->n.getgrgid_r, 1);

	o = run("issue", "stud", &down);
	assert_rc(o, PAM_SERVICE_ERR);
	assert_unchanged(&o->c);
	assert_log(o, LOG_ALERT, "the user or group database failed; session for stud refused");
}

/*
 * Two pam_rlimit lines in one transaction: the second asks NSS nothing,
 * whatever its own policy; a failed directory is kept failed, not asked
 * again; and a second line's own conf= is honoured.
 */
static void test_one_lookup_per_login(void **state)
{
	(void)state;
	/* What one line asks, alone. */
	struct outcome *o = run("issue", "stud", NULL);
	unsigned long pw = o->n.getpwnam_r, gl = o->n.getgrouplist;
	unsigned long gr = o->n.getgrnam_r + o->n.getgrgid_r;
	assert_int_equal(pw, 1);
	assert_int_equal(gl, 1);
	assert_true(gr >= 1);

	o = run("twice", "stud", NULL);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit up[] = {{RLIMIT_NOFILE, 200, 200}, {RLIMIT_CORE, 0, 0}};
	assert_limits(&o->c, up, 2);
	assert_int_equal(o->n.getpwnam_r, pw);
	assert_int_equal(o->n.getgrouplist, gl);
	assert_int_equal(o->n.getgrnam_r + o->n.getgrgid_r, gr);

	/* A slow directory is waited on once, not twice. */
	struct fault slow = {.delay_ms = "150"};
	o = run("twice", "stud", &slow);
	assert_rc(o, PAM_SUCCESS);
	assert_int_equal(o->n.getpwnam_r + o->n.getgrouplist + o->n.getgrnam_r + o->n.getgrgid_r,
			 pw + gl + gr);
	print_message("two lines, 150 ms a lookup: %.2f s\n", o->c.seconds);
	/* With debug, the wait is told by the line that waited, not again. */
	o = run("twice-debug", "stud", &slow);
	assert_rc(o, PAM_SUCCESS);
	assert_int_equal(fenv_log_count_in(o->c.log, LOG_DEBUG, "user and group lookups took "), 1);

	/* The first line's identity serves the second's other policy. */
	o = run("twice-other", "stud", NULL);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit both[] = {
	    {RLIMIT_NOFILE, 200, 200}, {RLIMIT_CORE, 0, 0}, {RLIMIT_MSGQUEUE, 4000, 4000}};
	assert_limits(&o->c, both, 3);
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrnam_r + o->n.getgrgid_r, gr);

	/* A first line that needs no names: the second asks for them, once. */
	o = run("twice-groups", "stud", NULL);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, both, 3);
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 1);
	assert_int_equal(o->n.getgrnam_r + o->n.getgrgid_r, gr);

	/* Down: each line warns, but only the first asked. */
	struct fault down = {.grgid = enoent, .grnam = enoent};
	o = run("twice-other", "stud", &down);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit safe[] = {
	    {RLIMIT_NOFILE, 400, 400}, {RLIMIT_CORE, 0, 0}, {RLIMIT_MSGQUEUE, 4000, 4000}};
	assert_limits(&o->c, safe, 3);
	assert_int_equal(o->n.getgrnam_r + o->n.getgrgid_r, 2); /* the first line's */
	assert_int_equal(fenv_log_count_in(o->c.log, LOG_WARNING, unavailable), 1);
}

/* Root is never locked out, whatever the directory does. */
static void test_root_nss_errors(void **state)
{
	(void)state;
	const struct fenv_limit w[] = {{RLIMIT_LOCKS, 60, 60}};
	struct fault fl = {.grouplist = "fail"};
	struct outcome *o = run("fail", "root", &fl);
	assert_rc(o, PAM_SUCCESS);
	if (o->n.getgrouplist == 0) {
		/* The library does not ask for root's groups: none of them matter. */
		assert_limits(&o->c, w, 1);
	} else {
		assert_unchanged(&o->c);
		assert_log(o, LOG_ALERT,
			   "the user or group database failed; root's session "
			   "goes on without limits");
	}
	struct fault fg = {.grgid = eio};
	o = run("fail", "root", &fg);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, w, 1);
	assert_int_equal(o->n.getgrgid_r, 0); /* root skips group rules: no names needed */
	struct fault fn = {.grnam = eio};
	o = run("fail", "root", &fn);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, w, 1);
	assert_int_equal(o->n.getgrnam_r, 0);
}

static void test_5000_groups(void **state)
{
	(void)state;
	double t0 = fenv_now();
	struct outcome *o = run("big", "big", NULL);
	double dt = fenv_now() - t0;
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w[] = {{RLIMIT_NOFILE, 333, 444}, {RLIMIT_LOCKS, 77, 77}};
	assert_limits(&o->c, w, 2);
	print_message("user in %d groups: %lu getpwnam_r, %lu getgrouplist, %lu getgrgid_r, "
		      "%.2f s\n",
		      BIG_GROUPS, o->n.getpwnam_r, o->n.getgrouplist, o->n.getgrgid_r, dt);
	assert_int_equal(o->n.getpwnam_r, 1);
	/* 1,024 gids are too few: one retry, at the size the library asks for. */
	assert_int_equal(o->n.getgrouplist, 2);
	/*
	 * Two named rules, both groups found by name: two lookups, not the
	 * 5,001 names of the user's gids.
	 */
	assert_int_equal(o->n.getgrnam_r, 2);
	assert_int_equal(o->n.getgrgid_r, 0);

	/* A name no source knows: then each of the 5,001 gids' names, once. */
	struct fault nf = {.grnam = notfound};
	o = run("big", "big", &nf);
	assert_rc(o, PAM_SUCCESS);
	assert_limits(&o->c, w, 2);
	assert_int_equal(o->n.getgrgid_r, BIG_GROUPS + 1);

	/* With gid rules only, no names are fetched at all. */
	o = run("gids", "big", NULL);
	assert_rc(o, PAM_SUCCESS);
	const struct fenv_limit w2[] = {{RLIMIT_NOFILE, 333, 444}};
	assert_limits(&o->c, w2, 1);
	assert_int_equal(o->n.getpwnam_r, 1);
	assert_int_equal(o->n.getgrouplist, 2);
	assert_int_equal(o->n.getgrgid_r, 0);
}

int main(int argc, char **argv)
{
	int rc = fenv_init(argc, argv, setup);
	if (rc >= 0)
		return rc;
	nf_reset = (nssfault_reset_fn)fenv_shim_symbol("nssfault_reset");
	nf_counts = (nssfault_counts_fn)fenv_shim_symbol("nssfault_counts");
	if (!nf_reset || !nf_counts) {
		fprintf(stderr, "nss_faults: libnssfault.so is not preloaded\n");
		return 2;
	}
	snprintf(eio, sizeof(eio), "%d", EIO);
	snprintf(enomem, sizeof(enomem), "%d", ENOMEM);
	snprintf(erange, sizeof(erange), "%d", ERANGE);
	snprintf(enoent, sizeof(enoent), "%d", ENOENT);
	snprintf(eagain, sizeof(eagain), "%d", EAGAIN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_unknown_user),
	    cmocka_unit_test(test_pwnam_eio),
	    cmocka_unit_test(test_pwnam_rows),
	    cmocka_unit_test(test_pwnam_enomem),
	    cmocka_unit_test(test_grouplist_fails),
	    cmocka_unit_test(test_grouplist_never_settles),
	    cmocka_unit_test(test_grgid_fails),
	    cmocka_unit_test(test_grgid_second_fails),
	    cmocka_unit_test(test_grgid_erange_forever),
	    cmocka_unit_test(test_grgid_not_found),
	    cmocka_unit_test(test_grnam_answers),
	    cmocka_unit_test(test_fail_safe_issue),
	    cmocka_unit_test(test_one_lookup_per_login),
	    cmocka_unit_test(test_slow_directory_logged),
	    cmocka_unit_test(test_root_nss_errors),
	    cmocka_unit_test(test_5000_groups),
	};
	return cmocka_run_group_tests_name("nss_faults", tests, NULL, NULL);
}
