/*
 * test_totals.c - the totals through real libpam.  Session totals must
 * reach the PAM data pam_systemd reads (pam_peek.c stands where it stands
 * and writes down what it finds).  User totals go to the system bus: a
 * folder with no bus, a socket that never answers, and (check-totals-bus)
 * a real dbus-daemon with fake_systemd.py receiving the call.  The test
 * build takes the run folder and the bus from RLT_SYSTEMD_RUN_DIR and
 * RLT_SYSTEM_BUS; an installed module never reads either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <string.h>

#include "harness.h"

#define GiB RLT_GiB
#define CONF "conf=%D/rlimit.yaml"
#define KEYS                                                                                       \
	"systemd.memory_max systemd.tasks_max systemd.cpu_weight systemd.io_weight "               \
	"systemd.runtime_max_sec"

static const char *const policy =
    "version: 1\n"
    "default:\n"
    "  fsize: 4G\n"
    "  session: {memory_max: 40%, tasks_max: 2048, runtime_max: 24h}\n"
    "groups:\n"
    "  students:\n"
    "    session: {tasks_max: 512, cpu_weight: 50}\n"
    "  research:\n"
    "    session: {tasks_max: 1024, io_weight: 300}\n"
    "users:\n"
    "  carol:\n"
    "    session: {memory_max: unlimited}\n"
    "  root:\n"
    "    session: {tasks_max: 10000}\n";

/* Where systemd's run folder is for the module: an existing folder, or not. */
static void systemd_here(struct rlt_case *c, bool running)
{
	char path[PATH_MAX];
	rlt_path(c, running ? "." : "no-systemd", path, sizeof(path));
	setenv("RLT_SYSTEMD_RUN_DIR", path, 1);
}

static void peek_after(struct rlt_case *c)
{
	const char *peek = getenv("RLT_PEEK_MODULE");
	char line[PATH_MAX + 512];
	if (!peek)
		fail_msg("RLT_PEEK_MODULE is not set (run through make check-integration)");
	snprintf(line, sizeof(line),
		 "session required %%R\nsession required %s %%D/peek " KEYS "\n", peek);
	rlt_stack(c, line);
}

/* What pam_peek found, compared whole. */
static void expect_peek(struct rlt_case *c, const char *want)
{
	char path[PATH_MAX], got[2048];
	rlt_path(c, "peek", path, sizeof(path));
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: not written: the stack stopped before pam_peek", path);
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("pam_systemd would read:\n%s\nwant:\n%s", got, want);
}

static void cleanup_env(void)
{
	unsetenv("RLT_SYSTEMD_RUN_DIR");
	unsetenv("RLT_SYSTEM_BUS");
}

/* ------------------------------------------------------------------ */

/* Default, then the groups by max, total by total; the rlimits still apply. */
static void test_session_totals_for_pam_systemd(void **state)
{
	struct rlt_case *c = *state;
	char want[1024];

	rlt_file(c, "rlimit.yaml", 0644, policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	peek_after(c);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_run(c, "alice", PAM_SUCCESS); /* research and students */
	snprintf(want, sizeof(want),
		 "systemd.memory_max=%llu\n"
		 "systemd.tasks_max=1024\n"
		 "systemd.cpu_weight=50\n"
		 "systemd.io_weight=300\n"
		 "systemd.runtime_max_sec=86400\n",
		 (unsigned long long)rlt_ram_fraction(40, 100));
	expect_peek(c, want);
	cleanup_env();
}

/* The user's own rule beats the groups; unlimited is pam_systemd's "infinity". */
static void test_session_totals_user_rule(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	peek_after(c);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_run(c, "carol", PAM_SUCCESS); /* research */
	expect_peek(c, "systemd.memory_max=infinity\n"
		       "systemd.tasks_max=1024\n"
		       "systemd.cpu_weight unset\n"
		       "systemd.io_weight=300\n"
		       "systemd.runtime_max_sec=86400\n");
	cleanup_env();
}

/* Root gets only what names it: not default's, not its groups'. */
static void test_session_totals_root(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	peek_after(c);
	rlt_run(c, "root", PAM_SUCCESS);
	expect_peek(c, "systemd.memory_max unset\n"
		       "systemd.tasks_max=10000\n"
		       "systemd.cpu_weight unset\n"
		       "systemd.io_weight unset\n"
		       "systemd.runtime_max_sec unset\n");
	cleanup_env();
}

/* Without systemd: the rlimits apply, the totals are skipped with one warning. */
static void test_no_systemd(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n"
		 "  session: {tasks_max: 2048}\n"
		 "  user: {memory_max: 8G}\n");
	rlt_args(c, CONF);
	systemd_here(c, false);
	setenv("RLT_SYSTEM_BUS", "/nonexistent/bus", 1); /* must not even be tried */
	peek_after(c);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_expect_log(c, LOG_WARNING,
		       "systemd is not running: the session and user totals are skipped");
	rlt_run(c, "bob", PAM_SUCCESS);
	expect_peek(c, "systemd.memory_max unset\n"
		       "systemd.tasks_max unset\n"
		       "systemd.cpu_weight unset\n"
		       "systemd.io_weight unset\n"
		       "systemd.runtime_max_sec unset\n");
	cleanup_env();
}

/* A policy without totals never looks for systemd, and says nothing. */
static void test_no_totals_no_warning(void **state)
{
	struct rlt_case *c = *state;

	rlt_file(c, "rlimit.yaml", 0644, "version: 1\ndefault: {fsize: 4G}\n");
	rlt_args(c, CONF);
	systemd_here(c, false);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_run(c, "bob", PAM_SUCCESS); /* the harness refuses unexpected warnings */
	cleanup_env();
}

static const char *const user_policy = "version: 1\n"
				       "default:\n"
				       "  fsize: 4G\n"
				       "  user: {memory_max: 8G, tasks_max: 4096}\n"
				       "users:\n"
				       "  root: {user: {cpu_quota: 400%}}\n";

/* No bus: the user totals cannot be set, and the session is refused. */
static void test_user_totals_no_bus(void **state)
{
	struct rlt_case *c = *state;
	char bus[PATH_MAX];

	rlt_file(c, "rlimit.yaml", 0644, user_policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	rlt_path(c, "no-bus", bus, sizeof(bus));
	setenv("RLT_SYSTEM_BUS", bus, 1);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_expect_log(c, LOG_ALERT,
		       "user-1002.slice: cannot set the user totals: connecting to %D/no-bus: No "
		       "such file or directory");
	rlt_expect_log(c, LOG_ALERT, "session for bob refused");
	rlt_run(c, "bob", PAM_SESSION_ERR);
	cleanup_env();
}

/* Root always gets in, even when its totals cannot be set. */
static void test_user_totals_no_bus_root(void **state)
{
	struct rlt_case *c = *state;
	char bus[PATH_MAX];

	rlt_file(c, "rlimit.yaml", 0644, user_policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	rlt_path(c, "no-bus", bus, sizeof(bus));
	setenv("RLT_SYSTEM_BUS", bus, 1);
	rlt_expect_log(c, LOG_ALERT, "user-0.slice: cannot set the user totals");
	rlt_expect_log(c, LOG_ALERT, "root's session goes on");
	rlt_run(c, "root", PAM_SUCCESS);
	cleanup_env();
}

/* A bus that accepts and never answers costs a login 3 seconds, not the login. */
static void test_user_totals_hung_bus(void **state)
{
	struct rlt_case *c = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec t0, t1;

	rlt_file(c, "rlimit.yaml", 0644, user_policy);
	rlt_args(c, CONF);
	systemd_here(c, true);
	rlt_path(c, "hung-bus", sa.sun_path, sizeof(sa.sun_path));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0); /* connects succeed; nothing is ever read */
	setenv("RLT_SYSTEM_BUS", sa.sun_path, 1);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	rlt_expect_log(c, LOG_ALERT,
		       "user-1002.slice: cannot set the user totals: the system bus refused to "
		       "authenticate: no answer in time");
	rlt_expect_log(c, LOG_ALERT, "session for bob refused");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rlt_run(c, "bob", PAM_SESSION_ERR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("hung bus: the login took %.2f s\n", s);
	assert_true(s >= 2.9 && s < 10.0);
	cleanup_env();
}

/*
 * Through a real dbus-daemon to a stand-in for systemd: the call it gets,
 * as dbus-python decodes it, and a refusal.  Only under check-totals-bus,
 * which starts both and sets RLT_TEST_BUS and RLT_FAKE_SYSTEMD_LOG.
 */
static bool real_bus(void)
{
	if (getenv("RLT_TEST_BUS") && getenv("RLT_FAKE_SYSTEMD_LOG"))
		return true;
	print_message("SKIP: no test bus (make check-totals-bus runs this case)\n");
	return false;
}

static void read_log(char *out, size_t size)
{
	FILE *f = fopen(getenv("RLT_FAKE_SYSTEMD_LOG"), "r");
	size_t n = 0;
	if (f) {
		n = fread(out, 1, size - 1, f);
		fclose(f);
	}
	out[n] = '\0';
}

static void test_user_totals_real_bus(void **state)
{
	struct rlt_case *c = *state;
	char before[8192], after[8192], want[1024];

	if (!real_bus()) {
		skip();
		return;
	}
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\n"
		 "default:\n"
		 "  fsize: 4G\n"
		 "  user: {memory_max: 60%, memory_high: 50%, tasks_max: 4096, cpu_quota: 400%}\n"
		 "groups:\n"
		 "  students:\n"
		 "    user: {memory_max: 8G, cpu_quota: 200%, io_weight: 50}\n"
		 "users:\n"
		 "  alice:\n"
		 "    user: {memory_swap_max: 0, cpu_weight: 10000}\n");
	rlt_args(c, CONF);
	systemd_here(c, true);
	setenv("RLT_SYSTEM_BUS", getenv("RLT_TEST_BUS"), 1);
	rlt_expect(c, RLIMIT_FSIZE, 4 * GiB, 4 * GiB);
	read_log(before, sizeof(before));
	rlt_run(c, "bob", PAM_SUCCESS);
	read_log(after, sizeof(after));
	snprintf(want, sizeof(want),
		 "SetUnitProperties user-1002.slice runtime=True MemoryMax=%llu "
		 "MemoryHigh=%llu TasksMax=4096 CPUQuotaPerSecUSec=2000000 IOWeight=50\n",
		 (unsigned long long)8 * GiB, (unsigned long long)rlt_ram_fraction(50, 100));
	if (strncmp(after, before, strlen(before)) != 0 || strcmp(after + strlen(before), want))
		fail_msg("systemd got:\n%s\nwant:\n%s", after + strlen(before), want);
	cleanup_env();
}

/* systemd's refusal is a failed lowering, quoted in the log. */
static void test_user_totals_refused(void **state)
{
	struct rlt_case *c = *state;

	if (!real_bus()) {
		skip();
		return;
	}
	/* fake_systemd.py refuses every unit of uid 1006 (frank) */
	rlt_file(c, "rlimit.yaml", 0644, "version: 1\ndefault: {user: {tasks_max: 10}}\n");
	rlt_args(c, CONF);
	systemd_here(c, true);
	setenv("RLT_SYSTEM_BUS", getenv("RLT_TEST_BUS"), 1);
	rlt_expect_log(c, LOG_ALERT,
		       "user-1006.slice: systemd refused the user totals: "
		       "org.freedesktop.DBus.Error.InvalidArgs: TasksMax= refused by the test");
	rlt_expect_log(c, LOG_ALERT, "session for frank refused");
	rlt_run(c, "frank", PAM_SESSION_ERR);
	cleanup_env();
}

#define T(f) cmocka_unit_test_setup_teardown(f, rlt_setup, rlt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(test_session_totals_for_pam_systemd),
	    T(test_session_totals_user_rule),
	    T(test_session_totals_root),
	    T(test_no_systemd),
	    T(test_no_totals_no_warning),
	    T(test_user_totals_no_bus),
	    T(test_user_totals_no_bus_root),
	    T(test_user_totals_hung_bus),
	    T(test_user_totals_real_bus),
	    T(test_user_totals_refused),
	};
	int rc = rlt_init(argc, argv);

	if (rc >= 0)
		return rc;
	return cmocka_run_group_tests_name("pam_rlimit totals", tests, NULL, NULL);
}
