/*
 * test_session.c - pam_rlimit through real libpam: every case is a policy, a
 * session line, a user from the fake directory, and the exact limits and PAM
 * codes that must come out (harness.h).  Values stay below the harness
 * baseline (only lowering is possible here), but where a case is about a
 * refused raise.
 */

/*
 * The fake directory (harness.c):
 *   root  uid 0     groups root, wheel
 *   alice uid 1001  groups alice, research (2001), students (2002)
 *   bob   uid 1002  groups bob, students
 *   carol uid 2500  groups carol, research
 *   dave  uid 1004  primary group lab (3500), nothing else
 *   erin  uid 1005  groups erin, wheel
 *   frank uid 1006  groups frank, proj1 .. proj5 (4001 .. 4005)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <string.h>

#include "harness.h"

#define KiB RLT_KiB
#define MiB RLT_MiB
#define GiB RLT_GiB

#define CONF "conf=%D/rlimit.yaml"

/* ------------------------------------------------------------------ */
/* setcred: what a later pam_limits undid comes back */

/*
 * common-auth with the pam-auth-update profile's line, a session stack in
 * which something after pam_rlimit raises fsize's soft limit (sshd's and
 * cron's pam_limits), as %U does.
 */
#define UNDO_STACK                                                                                 \
	"auth required pam_permit.so\n"                                                            \
	"auth optional %R\n"                                                                       \
	"session required %R\n"                                                                    \
	"session required %U 1\n"

static void fsize_policy(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: {soft: 4G, hard: 8G}\n");
	rlt_args(c, CONF);
}

/* Without setcred the later module wins: what the hook is for. */
static void test_later_module_undoes_soft(void **state)
{
	struct rlt_case *c = *state;

	fsize_policy(c);
	rlt_stack(c, UNDO_STACK);
	rlt_expect(c, RLIMIT_FSIZE, 8 * GiB, 8 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* sshd and cron: setcred after the session open applies it again. */
static void test_setcred_after_open_reapplies(void **state)
{
	struct rlt_case *c = *state;

	fsize_policy(c);
	rlt_stack(c, UNDO_STACK);
	rlt_setcred(c, RLT_SETCRED_AFTER_OPEN, PAM_SUCCESS);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 8 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* su and login: setcred first has nothing to apply, and sets nothing. */
static void test_setcred_before_open_applies_nothing(void **state)
{
	struct rlt_case *c = *state;

	fsize_policy(c);
	rlt_stack(c, "auth required pam_permit.so\n"
		     "auth optional %R debug\n"
		     "session required %U 1\n");
	rlt_setcred(c, RLT_SETCRED_BEFORE_OPEN, PAM_SUCCESS);
	rlt_expect(c, RLIMIT_FSIZE, 128 * GiB, 128 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* setcred is the re-application of a decision, not a second reading. */
static void test_setcred_does_not_reread_policy(void **state)
{
	struct rlt_case *c = *state;

	fsize_policy(c);
	/* Gone before setcred would read it: the session's decision stands. */
	rlt_stack(c, "auth required pam_permit.so\n"
		     "auth optional %R\n"
		     "session required %R\n"
		     "session required %U 1\n"
		     "session optional pam_exec.so quiet /bin/rm -f %D/rlimit.yaml\n");
	rlt_setcred(c, RLT_SETCRED_AFTER_OPEN, PAM_SUCCESS);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 8 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* Root, unnamed, gets nothing at open and so nothing at setcred. */
static void test_setcred_leaves_root_alone(void **state)
{
	struct rlt_case *c = *state;

	fsize_policy(c);
	rlt_stack(c, UNDO_STACK);
	rlt_setcred(c, RLT_SETCRED_AFTER_OPEN, PAM_SUCCESS);
	rlt_expect(c, RLIMIT_FSIZE, 128 * GiB, 128 * GiB);
	rlt_run(c, "root", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* setcred: the niceness and no_new_privs */

/*
 * A later module resets the niceness (pam_limits' priority, 0 by
 * default): a lowering, which takes CAP_SYS_NICE, as sshd's and cron's
 * pam_limits have.  setcred's raise back needs nothing.  no_new_privs has
 * no such module: the kernel lets nothing turn it off.
 */
#define NICE_UNDO_STACK                                                                            \
	"auth required pam_permit.so\n"                                                            \
	"auth optional %R\n"                                                                       \
	"session required %R\n"                                                                    \
	"session required %U nice=0\n"

#define THREAD_STACK                                                                               \
	"auth required pam_permit.so\n"                                                            \
	"auth optional %R\n"                                                                       \
	"session required %R\n"

static void nice_policy(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  priority: 10\n"
		 "  nonewprivs: true\n");
	rlt_args(c, CONF);
}

static void need_lowering(void)
{
	if (!rlt_can_lower_nice())
		rlt_skip("a later module that lowers the niceness needs CAP_SYS_NICE: run as root");
}

/* Without setcred the later module's niceness wins; no_new_privs stays. */
static void test_later_module_resets_niceness(void **state)
{
	struct rlt_case *c = *state;

	need_lowering();
	nice_policy(c);
	rlt_stack(c, NICE_UNDO_STACK);
	rlt_expect_nice(c, 0);
	rlt_expect_nonewprivs(c, 1);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* sshd and cron: setcred after the session open sets the niceness again. */
static void test_setcred_reapplies_niceness(void **state)
{
	struct rlt_case *c = *state;

	need_lowering();
	nice_policy(c);
	rlt_stack(c, NICE_UNDO_STACK);
	rlt_setcred(c, RLT_SETCRED_AFTER_OPEN, PAM_SUCCESS);
	rlt_expect_nice(c, 10);
	rlt_expect_nonewprivs(c, 1);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * The niceness and no_new_privs are a thread's: set by a session opened in
 * another thread, they are not the main thread's (nothing expected: both
 * as they were).  Without this, the next case would prove nothing.
 */
static void test_open_in_thread_stays_there(void **state)
{
	struct rlt_case *c = *state;

	nice_policy(c);
	rlt_stack(c, THREAD_STACK);
	rlt_open_in_thread(c);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * setcred applies both in the thread that calls it, whatever thread
 * opened the session: no_new_privs, which no later module can undo, is
 * only seen re-applied this way.
 */
static void test_setcred_applies_in_its_thread(void **state)
{
	struct rlt_case *c = *state;

	if (rlt_nonewprivs() != 0)
		rlt_skip("no_new_privs is on in the test already: setting it cannot be seen");
	if (getpriority(PRIO_PROCESS, 0) > 10)
		need_lowering();
	nice_policy(c);
	rlt_stack(c, THREAD_STACK);
	rlt_open_in_thread(c);
	rlt_setcred(c, RLT_SETCRED_AFTER_OPEN, PAM_SUCCESS);
	rlt_expect_nice(c, 10);
	rlt_expect_nonewprivs(c, 1);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Which rule applies */

static void test_default_rule(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n"
		 "  core: 0\n"
		 "  locks: 100\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_expect(c, RLIMIT_CORE, 0, 0);
	rlt_expect(c, RLIMIT_LOCKS, 100, 100);
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_group_rule(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 3G\n"
		 "    sigpending: {soft: 100, hard: 200}\n"
		 "  lab:\n"
		 "    locks: 5\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 3 * GiB, 3 * GiB);
	rlt_expect(c, RLIMIT_SIGPENDING, 100, 200);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* The primary group counts, by name, by gid and inside a gid range. */
static void test_group_primary_gid_and_range(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  \"gid:3000-3999\":\n"
		 "    locks: {soft: 256, hard: 512}\n"
		 "  lab:\n"
		 "    sigpending: 300\n"
		 "  \"gid:2001\":\n"
		 "    fsize: 1G\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_LOCKS, 256, 512);
	rlt_expect(c, RLIMIT_SIGPENDING, 300, 300);
	rlt_run(c, "dave", PAM_SUCCESS);
}

/* A supplementary group named by its gid. */
static void test_group_by_exact_gid(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  \"gid:2002\":\n"
		 "    msgqueue: 100K\n"
		 "  \"gid:2001\":\n"
		 "    locks: 7\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_MSGQUEUE, 100 * KiB, 100 * KiB);
	rlt_run(c, "bob", PAM_SUCCESS);
}

/* Exact user beats uid range beats groups beat default, item by item. */
static void test_precedence_layers(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n"
		 "  core: 4M\n"
		 "  locks: 400\n"
		 "  sigpending: 400\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 3G\n"
		 "    core: 3M\n"
		 "    locks: 300\n"
		 "users:\n"
		 "  \"uid:2000-2999\":\n"
		 "    fsize: 2G\n"
		 "    core: 2M\n"
		 "  carol:\n"
		 "    fsize: 1G\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 1 * GiB);
	rlt_expect(c, RLIMIT_CORE, 2 * MiB, 2 * MiB);
	rlt_expect(c, RLIMIT_LOCKS, 300, 300);
	rlt_expect(c, RLIMIT_SIGPENDING, 400, 400);
	rlt_run(c, "carol", PAM_SUCCESS);
}

/* Precedence is per half: the user's soft, the group's hard. */
static void test_precedence_per_half(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  core: {soft: 4M, hard: 8M}\n"
		 "groups:\n"
		 "  research:\n"
		 "    core: {hard: 6M}\n"
		 "    fsize: {soft: 2G, hard: 3G}\n"
		 "users:\n"
		 "  alice:\n"
		 "    core: {soft: 1M}\n"
		 "    fsize: {soft: 1G}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_CORE, 1 * MiB, 6 * MiB);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 3 * GiB);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* A half no rule sets stays what the process had. */
static void test_half_falls_through_to_process(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    stack: {hard: 32M}\n"
		 "    core: {soft: 512K}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_STACK, rlt_base_soft(RLIMIT_STACK), 32 * MiB);
	rlt_expect(c, RLIMIT_CORE, 512 * KiB, rlt_base_hard(RLIMIT_CORE));
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* Soft above hard after resolution is lowered to hard, the process's too. */
static void test_soft_clamped_to_hard(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: {soft: 2G}\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: {hard: 1G}\n"
		 "    stack: {hard: 4M}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 1 * GiB);
	rlt_expect(c, RLIMIT_STACK, 4 * MiB, 4 * MiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_exact_uid_beats_range(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  \"uid:2000-2999\":\n"
		 "    fsize: 2G\n"
		 "    core: 2M\n"
		 "  \"uid:2500\":\n"
		 "    fsize: 1G\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 1 * GiB);
	rlt_expect(c, RLIMIT_CORE, 2 * MiB, 2 * MiB);
	rlt_run(c, "carol", PAM_SUCCESS);
}

/* rlimit.yaml(5), PRECEDENCE: a name rule beats a uid:N rule where both set a half. */
static void test_name_beats_uid(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  \"uid:2500\":\n"
		 "    fsize: 2G\n"
		 "    locks: 50\n"
		 "  carol:\n"
		 "    fsize: 1G\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 1 * GiB);
	rlt_expect(c, RLIMIT_LOCKS, 50, 50);
	rlt_run(c, "carol", PAM_SUCCESS);
}

static void test_no_matching_rule(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 1G\n"
		 "users:\n"
		 "  alice:\n"
		 "    core: 0\n"
		 "  \"uid:2000-2999\":\n"
		 "    locks: 5\n");
	rlt_args(c, CONF " debug");
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* groups_combine */

static const char combine_groups[] = "groups:\n"
				     "  research:\n"
				     "    fsize: 2G\n"
				     "    locks: 300\n"
				     "    sigpending: {soft: 10, hard: 200}\n"
				     "    msgqueue: unlimited\n"
				     "  students:\n"
				     "    fsize: 3G\n"
				     "    locks: 200\n"
				     "    sigpending: {soft: 30}\n"
				     "    msgqueue: 100K\n";

static void combine_policy(struct rlt_case *c, const char *combine_line)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "version: 1\n%s%s", combine_line, combine_groups);
	rlt_file(c, "rlimit.yaml", 0644, buf);
	rlt_args(c, CONF);
}

/* max, written or by default: the most generous of the matching groups. */
static void combine_max(struct rlt_case *c, const char *combine_line)
{
	combine_policy(c, combine_line);
	rlt_expect(c, RLIMIT_FSIZE, 3 * GiB, 3 * GiB);
	rlt_expect(c, RLIMIT_LOCKS, 300, 300);
	rlt_expect(c, RLIMIT_SIGPENDING, 30, 200);
	/*
	 * unlimited is the largest: a raise past the baseline hard limit,
	 * refused; soft goes up to the kept hard (see test_raise_scalar...).
	 */
	rlt_expect(c, RLIMIT_MSGQUEUE, rlt_base_hard(RLIMIT_MSGQUEUE),
		   rlt_base_hard(RLIMIT_MSGQUEUE));
	rlt_expect_log(c, LOG_WARNING, "msgqueue");
	rlt_run(c, "alice", PAM_SUCCESS);
}

static void test_combine_max_is_default(void **state)
{
	combine_max(*state, "");
}

static void test_combine_max_explicit(void **state)
{
	combine_max(*state, "groups_combine: max\n");
}

static void test_combine_min(void **state)
{
	struct rlt_case *c = *state;

	combine_policy(c, "groups_combine: min\n");
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_expect(c, RLIMIT_LOCKS, 200, 200);
	rlt_expect(c, RLIMIT_SIGPENDING, 10, 200);
	rlt_expect(c, RLIMIT_MSGQUEUE, 100 * KiB, 100 * KiB);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* last: the rule written last wins, per half (research is written first). */
static void test_combine_last(void **state)
{
	struct rlt_case *c = *state;

	combine_policy(c, "groups_combine: last\n");
	rlt_expect(c, RLIMIT_FSIZE, 3 * GiB, 3 * GiB);
	rlt_expect(c, RLIMIT_LOCKS, 200, 200);
	rlt_expect(c, RLIMIT_SIGPENDING, 30, 200);
	rlt_expect(c, RLIMIT_MSGQUEUE, 100 * KiB, 100 * KiB);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* last follows the file, not the names: the same rules the other way round. */
static void test_combine_last_follows_file_order(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups_combine: last\n"
		 "groups:\n"
		 "  students:\n"
		 "    fsize: 3G\n"
		 "    sigpending: {soft: 30}\n"
		 "  research:\n"
		 "    fsize: 2G\n"
		 "    sigpending: {soft: 10, hard: 200}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_expect(c, RLIMIT_SIGPENDING, 10, 200);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* Drop-ins count after the main file for last. */
static void test_combine_last_counts_dropins(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups_combine: last\n"
		 "groups:\n"
		 "  students:\n"
		 "    fsize: 3G\n");
	rlt_file(c, "rlimit.d/10-research.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 2G\n");
	rlt_args(c, CONF " confdir=%D/rlimit.d");
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* rlimit.yaml(5), Files: groups_combine in a later file replaces the earlier one. */
static void test_combine_replaced_by_dropin(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "groups_combine: min\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 2G\n"
		 "  students:\n"
		 "    fsize: 3G\n");
	rlt_file(c, "rlimit.d/50-max.yaml", 0644,
		 "version: 1\n"
		 "groups_combine: max\n");
	rlt_args(c, CONF " confdir=%D/rlimit.d");
	rlt_expect(c, RLIMIT_FSIZE, 3 * GiB, 3 * GiB);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Values */

/* Percentages of this machine's RAM, read at login (rss is harmless). */
static void test_percent_of_ram_rss(void **state)
{
	struct rlt_case *c = *state;
	rlim_t soft = rlt_ram_fraction(5, 1000), hard = rlt_ram_fraction(25, 100);

	if (hard > rlt_base_hard(RLIMIT_RSS))
		rlt_skip("25%% of RAM (%llu) is above the rss baseline", (unsigned long long)hard);
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  rss: {soft: 0.5%, hard: 25%}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_RSS, soft, hard);
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_percent_of_ram_as_data(void **state)
{
	struct rlt_case *c = *state;
	rlim_t as = rlt_ram_fraction(50, 100), data = rlt_ram_fraction(125, 1000);

	if (as > rlt_base_hard(RLIMIT_AS) || data < 1 * GiB)
		rlt_skip("this machine's RAM does not fit the as/data baseline");
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  as: 50%\n"
		 "  data: \"12.5%\"\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_AS, as, as);
	rlt_expect(c, RLIMIT_DATA, data, data);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * Every item at once, in several spellings.  nice 19 is rlimit 1, above the
 * baseline's 0: refused, so it stays.  Without as, data (which a sanitizer's
 * shadow memory cannot live under) and nofile (whose hard limit valgrind will
 * not change) when !all, so that sanitizer and valgrind runs still cover every
 * other item.
 */
static void every_item(struct rlt_case *c, bool all)
{
	char policy[1024];
	int n = snprintf(policy, sizeof(policy),
			 "version: 1\n"
			 "users:\n"
			 "  erin:\n"
			 "%s"
			 "    rss: 1024M\n"
			 "    stack: 2M\n"
			 "    core: 512K\n"
			 "    cpu: {soft: 20min, hard: 1h}\n"
			 "    fsize: \"2G\"\n"
			 "    nproc: 200\n"
			 "    memlock: 16KiB\n"
			 "    locks: '64'\n"
			 "    sigpending: 128\n"
			 "    msgqueue: 102400\n"
			 "    nice: 19\n"
			 "    rtprio: 0\n"
			 "    rttime: {soft: 500ms, hard: 1s}\n",
			 all ? "    as: 64G\n"
			       "    data: 32GiB\n"
			       "    nofile: 100\n"
			     : "");
	assert_true(n > 0 && (size_t)n < sizeof(policy));
	rlt_file(c, "rlimit.yaml", 0644, policy);
	rlt_args(c, CONF);
	if (all) {
		rlt_expect(c, RLIMIT_AS, 64 * GiB, 64 * GiB);
		rlt_expect(c, RLIMIT_DATA, 32 * GiB, 32 * GiB);
		rlt_expect(c, RLIMIT_NOFILE, 100, 100);
	}
	rlt_expect(c, RLIMIT_RSS, 1 * GiB, 1 * GiB);
	rlt_expect(c, RLIMIT_STACK, 2 * MiB, 2 * MiB);
	rlt_expect(c, RLIMIT_CORE, 512 * KiB, 512 * KiB);
	rlt_expect(c, RLIMIT_CPU, 1200, 3600);
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_expect(c, RLIMIT_NPROC, 200, 200);
	rlt_expect(c, RLIMIT_MEMLOCK, 16 * KiB, 16 * KiB);
	rlt_expect(c, RLIMIT_LOCKS, 64, 64);
	rlt_expect(c, RLIMIT_SIGPENDING, 128, 128);
	rlt_expect(c, RLIMIT_MSGQUEUE, 102400, 102400);
	rlt_expect_baseline(c, RLIMIT_NICE);
	rlt_expect(c, RLIMIT_RTPRIO, 0, 0);
	rlt_expect(c, RLIMIT_RTTIME, 500000, 1000000);
	rlt_expect_log(c, LOG_WARNING, "nice");
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_every_item(void **state)
{
	every_item(*state, true);
}

static void test_every_item_but_as_data_nofile(void **state)
{
	every_item(*state, false);
}

/* Units and quoting on items that are safe under any runner. */
static void test_units(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  cpu: {soft: \"1800\", hard: 2h}\n"
		 "  rttime: {soft: 250000us, hard: \"1s\"}\n"
		 "  fsize: {soft: 1048576K, hard: 2GiB}\n"
		 "  core: {soft: 512KiB, hard: 8M}\n"
		 "  stack: {soft: 4096K, hard: 16MiB}\n"
		 "  msgqueue: {soft: 1K, hard: 100KiB}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_CPU, 1800, 7200);
	rlt_expect(c, RLIMIT_RTTIME, 250000, 1000000);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, 2 * GiB);
	rlt_expect(c, RLIMIT_CORE, 512 * KiB, 8 * MiB);
	rlt_expect(c, RLIMIT_STACK, 4 * MiB, 16 * MiB);
	rlt_expect(c, RLIMIT_MSGQUEUE, 1 * KiB, 100 * KiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * nofile: unlimited means /proc/sys/fs/nr_open.  Here that is above the
 * baseline hard limit, so the raise is refused and the warning must name
 * nr_open's value (not RLIM_INFINITY); the soft half still applies.
 */
static void test_nofile_unlimited_is_nr_open(void **state)
{
	struct rlt_case *c = *state;
	rlim_t nr_open = rlt_nr_open();
	char needle[64];

	if (nr_open <= rlt_base_hard(RLIMIT_NOFILE))
		rlt_skip("nr_open %llu is not above the nofile baseline",
			 (unsigned long long)nr_open);
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    nofile: {soft: 512, hard: unlimited}\n");
	rlt_args(c, CONF " debug");
	rlt_expect(c, RLIMIT_NOFILE, 512, rlt_base_hard(RLIMIT_NOFILE));
	snprintf(needle, sizeof(needle), "hard %llu", (unsigned long long)nr_open);
	rlt_expect_log(c, LOG_WARNING, needle);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Raising */

/* A hard limit above the current one cannot be had: the current stays. */
static void test_raise_above_hard_keeps_current(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: {soft: 1G, hard: 1T}\n"
		 "    core: 2M\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 1 * GiB, rlt_base_hard(RLIMIT_FSIZE));
	rlt_expect(c, RLIMIT_CORE, 2 * MiB, 2 * MiB);
	rlt_expect_log(c, LOG_WARNING, "fsize");
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * A scalar above the hard limit: the hard limit stays and soft goes as far
 * as that hard limit allows (policy/apply.c; the spec fixes only the hard).
 */
static void test_raise_scalar_above_hard(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: 1T\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, rlt_base_hard(RLIMIT_FSIZE), rlt_base_hard(RLIMIT_FSIZE));
	rlt_expect_log(c, LOG_WARNING, "fsize");
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* Raising soft up to the hard limit needs no privilege and must happen. */
static void test_soft_raise_within_hard(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    stack: {soft: 32M}\n"
		 "    cpu: {soft: 90min}\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_STACK, 32 * MiB, rlt_base_hard(RLIMIT_STACK));
	rlt_expect(c, RLIMIT_CPU, 5400, rlt_base_hard(RLIMIT_CPU));
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Root */

static const char root_policy[] = "version: 1\n"
				  "default:\n"
				  "  fsize: 4G\n"
				  "groups:\n"
				  "  wheel:\n"
				  "    core: 0\n"
				  "  \"gid:0\":\n"
				  "    sigpending: 10\n"
				  "users:\n"
				  "  \"uid:0-1999\":\n"
				  "    stack: 4M\n"
				  "  root:\n"
				  "    locks: 1000\n";

static void test_root_only_rules_naming_it(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, root_policy);
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_LOCKS, 1000, 1000);
	rlt_run(c, "root", PAM_SUCCESS);
}

static void test_root_by_uid0(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n"
		 "users:\n"
		 "  \"uid:0\":\n"
		 "    locks: 900\n");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_LOCKS, 900, 900);
	rlt_run(c, "root", PAM_SUCCESS);
}

/*
 * The same policy for an ordinary user in the same range and in wheel:
 * default, the group and the range apply, only root's own rule does not
 * (and gid:0, a group erin is not in).
 */
static void test_root_policy_for_others(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, root_policy);
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_expect(c, RLIMIT_CORE, 0, 0);
	rlt_expect(c, RLIMIT_STACK, 4 * MiB, 4 * MiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_root_not_locked_out_by_invalid_policy(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  root:\n"
		 "    locks: 10x\n");
	rlt_args(c, CONF " onerr=fail");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml:4:");
	rlt_expect_log(c, LOG_ALERT,
		       "the policy is invalid; root's session goes on without limits");
	rlt_run(c, "root", PAM_SUCCESS);
}

static void test_root_not_locked_out_by_untrusted_policy(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0664,
		 "version: 1\n"
		 "users:\n"
		 "  root:\n"
		 "    locks: 10\n");
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml");
	rlt_expect_log(c, LOG_ALERT,
		       "the policy is not trusted (owner, mode or file type); root's session goes "
		       "on without limits");
	rlt_run(c, "root", PAM_SUCCESS);
}

static void test_root_not_locked_out_by_missing_conf(void **state)
{
	struct rlt_case *c = *state;

	rlt_args(c, "conf=%D/missing.yaml");
	rlt_expect_log(c, LOG_ALERT, "%D/missing.yaml");
	rlt_expect_log(c, LOG_ALERT,
		       "the policy could not be read; root's session goes on without limits");
	rlt_run(c, "root", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Return codes */

static void test_unknown_user(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n");
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ERR, "nosuchuser");
	rlt_run(c, "nosuchuser", PAM_USER_UNKNOWN);
}

/* Unknown user under onerr=succeed is still unknown. */
static void test_unknown_user_onerr_succeed(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, "version: 1\n");
	rlt_args(c, CONF " onerr=succeed");
	rlt_expect_log(c, LOG_ERR, "nosuchuser");
	rlt_run(c, "nosuchuser", PAM_USER_UNKNOWN);
}

/* PAM_USER can hold anything: the log shows its controls as \xNN, never raw. */
static void test_unknown_user_controls_escaped(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, "version: 1\n");
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ERR, "unknown user evil\\x1b]0;x\\x07\\xc2\\x9bname\\xff");
	rlt_run(c, "evil\x1b]0;x\x07\xc2\x9bname\xff", PAM_USER_UNKNOWN);
}

/*
 * ... and a backslash as \\ and a bidi control as \xNN: a user spelled with
 * the four characters \x0a cannot pass for an escaped newline, nor a
 * right-to-left override turn the rest of the line around.
 */
static void test_unknown_user_lookalikes_escaped(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, "version: 1\n");
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ERR, "unknown user evil\\\\x0a\\xe2\\x80\\xaeresu\\xe2\\x81\\xa9!");
	rlt_run(c, "evil\\x0a\xe2\x80\xaeresu\xe2\x81\xa9!", PAM_USER_UNKNOWN);
}

/* So do the policy's messages, which quote its keys (here a C1 control). */
static void test_policy_message_controls_escaped(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  \"x\\x9by\":\n"
		 "    bogus: 1\n");
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml:4:5: users.x\\xc2\\x9by: unknown item");
	rlt_expect_log(c, LOG_ALERT, "the policy is invalid; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

/* No conf= and no confdir=: the default files, absent here, mean no policy. */
static void test_missing_default_conf(void **state)
{
	struct rlt_case *c = *state;

	if (access("/etc/security/rlimit.yaml", F_OK) == 0 ||
	    access("/etc/security/rlimit.d", F_OK) == 0)
		rlt_skip("a policy is installed in /etc/security on this machine");
	rlt_args(c, "debug");
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_missing_explicit_conf(void **state)
{
	struct rlt_case *c = *state;

	rlt_args(c, "conf=%D/missing.yaml");
	rlt_expect_log(c, LOG_ALERT, "%D/missing.yaml");
	rlt_expect_log(c, LOG_ALERT, "the policy could not be read; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_missing_explicit_conf_onerr_succeed(void **state)
{
	struct rlt_case *c = *state;

	rlt_args(c, "conf=%D/missing.yaml onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/missing.yaml");
	rlt_expect_log(c, LOG_ALERT,
		       "the policy could not be read; session for erin goes on without limits "
		       "(onerr=succeed)");
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* pam_rlimit(8): an explicit confdir= that does not exist is an error. */
static void test_missing_explicit_confdir(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n");
	rlt_args(c, CONF " confdir=%D/missing.d");
	rlt_expect_log(c, LOG_ALERT, "%D/missing.d");
	rlt_expect_log(c, LOG_ALERT, "the policy could not be read; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

/* One error anywhere: nothing applies, not even the valid rules. */
static const char invalid_policy[] = "version: 1\n"
				     "default:\n"
				     "  fsize: 2G\n"
				     "users:\n"
				     "  erin:\n"
				     "    locks: 10x\n";

static void test_invalid_policy_onerr_fail(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, invalid_policy);
	rlt_args(c, CONF " onerr=fail");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml:6:");
	rlt_expect_log(c, LOG_ALERT, "the policy is invalid; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_invalid_policy_default_onerr(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, invalid_policy);
	rlt_args(c, CONF);
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml:6:");
	rlt_expect_log(c, LOG_ALERT, "the policy is invalid; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_invalid_policy_onerr_succeed(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, invalid_policy);
	rlt_args(c, CONF " onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml:6:");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is invalid; session for erin goes on without limits (onerr=succeed)");
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* A broken drop-in spoils a valid main file. */
static void test_invalid_dropin(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 2G\n");
	rlt_file(c, "rlimit.d/20-bad.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  nosuchitem: 5\n");
	rlt_args(c, CONF " confdir=%D/rlimit.d");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.d/20-bad.yaml:3:");
	rlt_expect_log(c, LOG_ALERT, "the policy is invalid; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_unknown_module_argument(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 2G\n");
	rlt_args(c, CONF " onerr=sometimes");
	rlt_expect_log(c, LOG_ALERT, "onerr=sometimes");
	rlt_expect_log(c, LOG_ALERT, "invalid arguments; session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

/* ------------------------------------------------------------------ */
/* Trust: refused whatever onerr says */

static const char valid_policy[] = "version: 1\n"
				   "default:\n"
				   "  fsize: 2G\n";

static void test_untrusted_group_writable(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0664, valid_policy);
	rlt_args(c, CONF " onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_untrusted_world_writable(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0646, valid_policy);
	rlt_args(c, CONF " onerr=fail");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_untrusted_owner(void **state)
{
	struct rlt_case *c = *state;

	if (!rlt_is_root())
		rlt_skip("giving a file to another owner needs root");
	rlt_file(c, "rlimit.yaml", 0644, valid_policy);
	rlt_chown(c, "rlimit.yaml", 65534, 65534);
	rlt_args(c, CONF " onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.yaml");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_untrusted_dropin_dir(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, valid_policy);
	rlt_dir(c, "rlimit.d", 0777);
	rlt_file(c, "rlimit.d/10-a.yaml", 0644, valid_policy);
	rlt_args(c, CONF " confdir=%D/rlimit.d onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.d");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

static void test_untrusted_dropin_file(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, valid_policy);
	rlt_file(c, "rlimit.d/10-a.yaml", 0620, valid_policy);
	rlt_args(c, CONF " confdir=%D/rlimit.d onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "%D/rlimit.d/10-a.yaml");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

/* A symlink is followed and its target is what is checked. */
static void test_symlink_to_trusted_file(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "real.yaml", 0644, valid_policy);
	rlt_symlink(c, "rlimit.yaml", "%D/real.yaml");
	rlt_args(c, CONF);
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

static void test_symlink_to_untrusted_file(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "real.yaml", 0666, valid_policy);
	rlt_symlink(c, "rlimit.yaml", "real.yaml");
	rlt_args(c, CONF " onerr=succeed");
	rlt_expect_log(c, LOG_ALERT, "rlimit.yaml");
	rlt_expect_log(
	    c, LOG_ALERT,
	    "the policy is not trusted (owner, mode or file type); session for erin refused");
	rlt_run(c, "erin", PAM_SERVICE_ERR);
}

/* ------------------------------------------------------------------ */
/* Drop-ins */

/*
 * Byte order of names ("10-" before "9-"), a later file replaces the same
 * item of the same rule, other items merge, and files that are not
 * "*.yaml" or start with a dot are never read (they are invalid here).
 */
static void test_dropin_merging(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  core: 1M\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: 4G\n"
		 "    stack: 4M\n");
	rlt_file(c, "rlimit.d/10-a.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: 3G\n"
		 "    locks: 77\n");
	rlt_file(c, "rlimit.d/9-b.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: 2G\n");
	rlt_file(c, "rlimit.d/.hidden.yaml", 0644, "not: [valid\n");
	rlt_file(c, "rlimit.d/notes.txt", 0644, "not: [valid\n");
	rlt_file(c, "rlimit.d/20-c.yaml.bak", 0644, "not: [valid\n");
	rlt_file(c, "rlimit.d/README", 0644, "not: [valid\n");
	rlt_args(c, CONF " confdir=%D/rlimit.d");
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_expect(c, RLIMIT_STACK, 4 * MiB, 4 * MiB);
	rlt_expect(c, RLIMIT_CORE, 1 * MiB, 1 * MiB);
	rlt_expect(c, RLIMIT_LOCKS, 77, 77);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/*
 * rlimit.yaml(5), Files: a later file replaces the whole item (both halves) of the
 * same rule, so the soft half now falls through to default.
 */
static void test_dropin_replaces_whole_item(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: {soft: 512M}\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: {soft: 1G, hard: 2G}\n");
	rlt_file(c, "rlimit.d/10-a.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    fsize: {hard: 3G}\n");
	rlt_args(c, CONF " confdir=%D/rlimit.d");
	rlt_expect(c, RLIMIT_FSIZE, 512 * MiB, 3 * GiB);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* A drop-in folder with no main file. */
static void test_dropins_without_main_file(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.d/10-a.yaml", 0644,
		 "version: 1\n"
		 "groups:\n"
		 "  research:\n"
		 "    locks: 33\n");
	if (access("/etc/security/rlimit.yaml", F_OK) == 0)
		rlt_skip("a policy is installed in /etc/security on this machine");
	/* The default main file, missing here, is fine; an explicit one is not. */
	rlt_args(c, "confdir=%D/rlimit.d");
	rlt_expect(c, RLIMIT_LOCKS, 33, 33);
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Session close and logging */

static void test_close_session_keeps_limits(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "users:\n"
		 "  erin:\n"
		 "    locks: 12\n");
	rlt_args(c, CONF);
	/* The harness reads the limits after pam_close_session and pam_end. */
	rlt_expect(c, RLIMIT_LOCKS, 12, 12);
	rlt_run(c, "erin", PAM_SUCCESS);
}

/* With debug, a line per applied limit naming the rule it came from. */
static void test_debug_names_rules(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  core: 0\n"
		 "groups:\n"
		 "  research:\n"
		 "    fsize: 3G\n"
		 "users:\n"
		 "  alice:\n"
		 "    locks: 9\n");
	rlt_args(c, CONF " debug");
	rlt_expect(c, RLIMIT_CORE, 0, 0);
	rlt_expect(c, RLIMIT_FSIZE, 3 * GiB, 3 * GiB);
	rlt_expect(c, RLIMIT_LOCKS, 9, 9);
	rlt_expect_log(c, LOG_DEBUG,
		       "core: soft 0 hard 0 (soft from default, hard from default; "
		       "%D/rlimit.yaml:3)");
	rlt_expect_log(c, LOG_DEBUG,
		       "fsize: soft 3G hard 3G (soft from groups.research, hard from "
		       "groups.research; %D/rlimit.yaml:6)");
	rlt_expect_log(c, LOG_DEBUG,
		       "locks: soft 9 hard 9 (soft from users.alice, hard from users.alice; "
		       "%D/rlimit.yaml:9)");
	rlt_run(c, "alice", PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Group-name lookups */

/*
 * frank is in N = 6 groups.  A policy naming k groups costs at most
 * 2 min(k, N) name lookups (rl_ident_in_group's bound), whatever its size;
 * a user in one group, one; root, never in a group rule, none at all.
 */
struct lookups_case {
	unsigned k;         /* named groups */
	const char *groups; /* the groups: section */
	int res;            /* what frank gets from it: one item */
	rlim_t value;
};

#define FRANK_GROUPS 6

static const struct lookups_case lookups[] = {
    {0, "  \"gid:4001\": {locks: 30}\n", RLIMIT_LOCKS, 30},
    {3, "  proj1: {locks: 31}\n  proj4: {locks: 34}\n  nosuch: {locks: 1}\n", RLIMIT_LOCKS, 34},
    {6,
     "  proj1: {locks: 41}\n  proj2: {locks: 42}\n  proj3: {locks: 43}\n"
     "  proj4: {locks: 44}\n  proj5: {locks: 45}\n  research: {locks: 1}\n",
     RLIMIT_LOCKS, 45},
    {8,
     "  proj1: {locks: 51}\n  proj2: {locks: 52}\n  proj3: {locks: 53}\n"
     "  proj4: {locks: 54}\n  proj5: {locks: 55}\n  research: {locks: 1}\n"
     "  students: {locks: 1}\n  nosuch: {locks: 1}\n",
     RLIMIT_LOCKS, 55},
};

/* One session of user under the policy of lc; returns its lookups. */
static struct rlt_nss_calls run_lookups(struct rlt_case *c, const struct lookups_case *lc,
					const char *user)
{
	char conf[64], doc[1024], args[256];

	snprintf(conf, sizeof(conf), "k%u/rlimit.yaml", lc->k);
	snprintf(doc, sizeof(doc), "version: 1\ngroups_combine: max\ngroups:\n%s", lc->groups);
	rlt_file(c, conf, 0644, doc);
	snprintf(args, sizeof(args), "conf=%%D/%s", conf);
	rlt_args(c, args);
	memset(c->expect, 0, sizeof(c->expect));
	if (strcmp(user, "root") != 0)
		rlt_expect(c, lc->res, lc->value, lc->value);
	rlt_run(c, user, PAM_SUCCESS);
	if (!c->nss.counted)
		rlt_skip("the lookup counters do not see the module's calls (is the test binary "
			 "linked with --export-dynamic-symbol?)");
	return c->nss;
}

static void test_group_lookups(void **state)
{
	struct rlt_case *c = *state;

	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookups_case *lc = &lookups[i];
		unsigned k = lc->k, least = k < FRANK_GROUPS ? k : FRANK_GROUPS;
		struct rlt_nss_calls n = run_lookups(c, lc, "frank");

		print_message("k=%u named groups, N=%u: %u getgrnam_r + %u getgrgid_r; "
			      "getpwnam_r %u, getgrouplist %u\n",
			      k, FRANK_GROUPS, n.getgrnam_r, n.getgrgid_r, n.getpwnam_r,
			      n.getgrouplist);
		/* The user's own lookup: one each, whatever the policy. */
		assert_int_equal(n.getpwnam_r, 1);
		assert_int_equal(n.getgrouplist, 1);
		/* Names asked, then at most one walk of the user's gids. */
		assert_true(n.getgrnam_r <= least);
		assert_true(n.getgrgid_r == 0 || n.getgrgid_r == FRANK_GROUPS);
		/* A policy that names no group asks for no group. */
		if (k == 0)
			assert_int_equal(n.getgrnam_r + n.getgrgid_r, 0);
	}
	/* dave is in one group (lab): its name, once, answers every named rule. */
	static const struct lookups_case one = {
	    3, "  research: {locks: 71}\n  lab: {locks: 72}\n  students: {locks: 73}\n",
	    RLIMIT_LOCKS, 72};
	struct rlt_nss_calls d = run_lookups(c, &one, "dave");
	assert_int_equal(d.getgrnam_r, 0);
	assert_int_equal(d.getgrgid_r, 1);
	/* Root: no group rule applies, so no group is looked up. */
	struct rlt_nss_calls root = run_lookups(c, &lookups[3], "root");

	assert_int_equal(root.getgrnam_r + root.getgrgid_r + root.getgrouplist, 0);
}

/*
 * index= and noindex named the compiled policy, which is gone.  A pam.d
 * line that still has them keeps working, with a warning at each session,
 * rather than refusing every login after an upgrade (pam_rlimit(8)).
 */
static void test_obsolete_index_arguments(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 2G\n");
	rlt_args(c, CONF " noindex index=%D/rlimit.yaml.idx");
	rlt_expect(c, RLIMIT_FSIZE, 2 * GiB, 2 * GiB);
	rlt_expect_log(c, LOG_WARNING, "argument \"noindex\" is obsolete and ignored");
	rlt_expect_log(c, LOG_WARNING,
		       "argument \"index=%D/rlimit.yaml.idx\" is obsolete and ignored");
	rlt_run(c, "erin", PAM_SUCCESS);
}

#define T(f) cmocka_unit_test_setup_teardown(f, rlt_setup, rlt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_later_module_undoes_soft),
	    T(test_setcred_after_open_reapplies),
	    T(test_setcred_before_open_applies_nothing),
	    T(test_setcred_does_not_reread_policy),
	    T(test_setcred_leaves_root_alone),
	    T(test_later_module_resets_niceness),
	    T(test_setcred_reapplies_niceness),
	    T(test_open_in_thread_stays_there),
	    T(test_setcred_applies_in_its_thread),
	    T(test_default_rule),
	    T(test_group_rule),
	    T(test_group_primary_gid_and_range),
	    T(test_group_by_exact_gid),
	    T(test_precedence_layers),
	    T(test_precedence_per_half),
	    T(test_half_falls_through_to_process),
	    T(test_soft_clamped_to_hard),
	    T(test_exact_uid_beats_range),
	    T(test_name_beats_uid),
	    T(test_no_matching_rule),
	    T(test_combine_max_is_default),
	    T(test_combine_max_explicit),
	    T(test_combine_min),
	    T(test_combine_last),
	    T(test_combine_last_follows_file_order),
	    T(test_combine_last_counts_dropins),
	    T(test_combine_replaced_by_dropin),
	    T(test_percent_of_ram_rss),
	    T(test_percent_of_ram_as_data),
	    T(test_every_item),
	    T(test_every_item_but_as_data_nofile),
	    T(test_units),
	    T(test_nofile_unlimited_is_nr_open),
	    T(test_raise_above_hard_keeps_current),
	    T(test_raise_scalar_above_hard),
	    T(test_soft_raise_within_hard),
	    T(test_root_only_rules_naming_it),
	    T(test_root_by_uid0),
	    T(test_root_policy_for_others),
	    T(test_root_not_locked_out_by_invalid_policy),
	    T(test_root_not_locked_out_by_untrusted_policy),
	    T(test_root_not_locked_out_by_missing_conf),
	    T(test_unknown_user),
	    T(test_unknown_user_onerr_succeed),
	    T(test_unknown_user_controls_escaped),
	    T(test_unknown_user_lookalikes_escaped),
	    T(test_policy_message_controls_escaped),
	    T(test_missing_default_conf),
	    T(test_missing_explicit_conf),
	    T(test_missing_explicit_conf_onerr_succeed),
	    T(test_missing_explicit_confdir),
	    T(test_invalid_policy_onerr_fail),
	    T(test_invalid_policy_default_onerr),
	    T(test_invalid_policy_onerr_succeed),
	    T(test_invalid_dropin),
	    T(test_unknown_module_argument),
	    T(test_untrusted_group_writable),
	    T(test_untrusted_world_writable),
	    T(test_untrusted_owner),
	    T(test_untrusted_dropin_dir),
	    T(test_untrusted_dropin_file),
	    T(test_symlink_to_trusted_file),
	    T(test_symlink_to_untrusted_file),
	    T(test_dropin_merging),
	    T(test_dropin_replaces_whole_item),
	    T(test_dropins_without_main_file),
	    T(test_close_session_keeps_limits),
	    T(test_debug_names_rules),
	    T(test_group_lookups),
	    T(test_obsolete_index_arguments),
	};
	int rc = rlt_init(argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests_name("pam_rlimit integration", tests, NULL, NULL);
}
