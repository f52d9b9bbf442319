/*
 * test_apply.c - policy/apply.c: rl_apply in a forked child per case (a
 * lowered hard limit cannot be raised again without CAP_SYS_RESOURCE).
 *
 * The parent loads and resolves the policy (cmocka asserts live there);
 * the child sets a known baseline, applies, reads every limit back and
 * sends it all up a pipe; the parent asserts exact soft and hard values,
 * that untouched limits did not move, and every message of the sink.
 */
#include "../common/testcaps.h"
#include "../common/testio.h"
#include "unit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define KiB (1ULL << 10)
#define MAX_BASE 8
#define MAX_LINES 20

struct base {
	int res;
	rlim_t soft, hard;
};

struct child_out {
	int setup_errno; /* a baseline setrlimit failed */
	int setup_res;
	int status; /* what rl_apply returned */
	struct rlimit before[RLIM_NLIMITS], after[RLIM_NLIMITS];
	size_t nlines;
	int sev[MAX_LINES];
	char line[MAX_LINES][512];
};

static void child_emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct child_out *o = ctx;
	if (o->nlines < MAX_LINES) {
		o->sev[o->nlines] = sev;
		snprintf(o->line[o->nlines], sizeof(o->line[0]), "%s", msg);
	}
	o->nlines++;
}

static void write_all(int fd, const void *p, size_t n)
{
	if (!tio_write_all(fd, p, n))
		_exit(3);
}

/*
 * Forks; the child sets each baseline limit, applies r and reports.  No
 * cmocka call runs in the child: a failed assertion there would go on to
 * run the rest of the suite in two processes.
 */
static void run_child(const struct base *base, size_t nbase, const struct rl_result *r, bool debug,
		      struct child_out *o)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static struct child_out co;
		close(fds[0]);
		memset(&co, 0, sizeof(co));
		for (size_t i = 0; i < nbase; i++) {
			struct rlimit rl = {base[i].soft, base[i].hard};
			if (setrlimit(base[i].res, &rl) != 0) {
				co.setup_errno = errno;
				co.setup_res = base[i].res;
				write_all(fds[1], &co, sizeof(co));
				_exit(0);
			}
		}
		if (!tc_drop_cap_sys_resource()) {
			co.setup_errno = errno;
			co.setup_res = -1;
			write_all(fds[1], &co, sizeof(co));
			_exit(0);
		}
		for (int i = 0; i < RLIM_NLIMITS; i++)
			getrlimit(i, &co.before[i]);
		struct rl_sink sink = {child_emit, &co};
		co.status = rl_apply(r, debug, &sink);
		for (int i = 0; i < RLIM_NLIMITS; i++)
			getrlimit(i, &co.after[i]);
		write_all(fds[1], &co, sizeof(co));
		_exit(0);
	}
	close(fds[1]);
	size_t got = tio_read_full(fds[0], o, sizeof(*o));
	close(fds[0]);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail_msg("the child died (wait status 0x%x)", ws);
	assert_int_equal(got, sizeof(*o));
	if (o->setup_errno && o->setup_res < 0)
		fail_msg("dropping CAP_SYS_RESOURCE failed: %s", strerror(o->setup_errno));
	if (o->setup_errno)
		fail_msg("baseline setrlimit(%d) failed: %s", o->setup_res,
			 strerror(o->setup_errno));
}

static int RES(const char *item)
{
	return rl_items[item_index(item)].resource;
}

/* Loads doc (t.yaml) and resolves it for name/uid on this machine. */
static void resolve_for(const char *doc, const char *name, uid_t uid, struct rl_result *r)
{
	struct rl_policy *p = must_load(doc);
	struct rl_ident id;
	struct rl_host host;
	assert_int_equal(rl_host_probe(&host), RL_OK);
	assert_int_equal(rl_ident_make(name, uid, 100, NULL, 0, &id), RL_OK);
	assert_int_equal(rl_ident_add_group(&id, "staff", false, 0), RL_OK);
	rl_result_free(r); /* the caller's earlier result, if any */
	assert_int_equal(rl_resolve(p, &id, &host, r), RL_OK);
	rl_ident_free(&id);
	rl_policy_free(p);
}

static void expect_limit(const struct child_out *o, const char *item, rlim_t soft, rlim_t hard,
			 const char *file, int line)
{
	const struct rlimit *a = &o->after[RES(item)];
	if (a->rlim_cur != soft || a->rlim_max != hard)
		fail_msg("%s:%d: %s is soft %" PRIu64 " hard %" PRIu64 ", want soft %" PRIu64
			 " hard %" PRIu64,
			 file, line, item, (uint64_t)a->rlim_cur, (uint64_t)a->rlim_max,
			 (uint64_t)soft, (uint64_t)hard);
}
#define LIMIT(o, item, s, h) expect_limit(o, item, s, h, __FILE__, __LINE__)

/* Every resource not named in touched[] is what it was before rl_apply. */
static void expect_untouched(const struct child_out *o, const char *const *touched, size_t n)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		bool skip_it = false;
		for (size_t k = 0; k < n; k++)
			skip_it |= strcmp(rl_items[i].name, touched[k]) == 0;
		if (skip_it || !rl_item_is_rlimit(i))
			continue;
		int res = rl_items[i].resource;
		if (o->before[res].rlim_cur != o->after[res].rlim_cur ||
		    o->before[res].rlim_max != o->after[res].rlim_max)
			fail_msg("%s changed although the policy does not set it",
				 rl_items[i].name);
	}
}

static void dump_lines(const struct child_out *o)
{
	for (size_t i = 0; i < o->nlines && i < MAX_LINES; i++)
		fprintf(stderr, "  [%d] %s\n", o->sev[i], o->line[i]);
}

/* Exactly these lines, all of severity sev. */
static void expect_lines(const struct child_out *o, int sev, const char *const *want, size_t n)
{
	bool ok = o->nlines == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = o->sev[i] == sev && strcmp(o->line[i], want[i]) == 0;
	if (!ok) {
		fprintf(stderr, "--- want %zu line(s) of severity %d:\n", n, sev);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", want[i]);
		fprintf(stderr, "--- got %zu:\n", o->nlines);
		dump_lines(o);
		fail_msg("the sink's lines differ");
	}
}
#define LINES(o, sev, ...)                                                                         \
	do {                                                                                       \
		const char *const want_[] = {__VA_ARGS__};                                         \
		expect_lines(o, sev, want_, sizeof(want_) / sizeof(want_[0]));                     \
	} while (0)

/* --------------------------------------------------------------- cases */

static void test_lowering(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	resolve_for("version: 1\n"
		    "default:\n"
		    "  nofile: {soft: 100, hard: 200}\n"
		    "  fsize: {soft: 1M, hard: 2M}\n"
		    "  cpu: 1h\n"
		    "  memlock: {soft: 64K, hard: 1M}\n"
		    "  locks: 100\n"
		    "  core: 0\n",
		    "alice", 1000, &r);
	const struct base base[] = {
	    {RLIMIT_NOFILE, 1000, 2000}, {RLIMIT_FSIZE, GiB, 2 * GiB},
	    {RLIMIT_CPU, 7200, 7200},    {RLIMIT_MEMLOCK, 4 * MiB, 4 * MiB},
	    {RLIMIT_LOCKS, 5000, 5000},  {RLIMIT_CORE, MiB, MiB},
	};
	run_child(base, 6, &r, false, &o);
	assert_int_equal(o.status, RL_OK);
	assert_int_equal(o.nlines, 0);
	LIMIT(&o, "nofile", 100, 200);
	LIMIT(&o, "fsize", MiB, 2 * MiB);
	LIMIT(&o, "cpu", 3600, 3600);
	LIMIT(&o, "memlock", 64 * KiB, MiB);
	LIMIT(&o, "locks", 100, 100);
	LIMIT(&o, "core", 0, 0);
	const char *const touched[] = {"nofile", "fsize", "cpu", "memlock", "locks", "core"};
	expect_untouched(&o, touched, 6);
	rl_result_free(&r);
}

static void test_soft_only_keeps_hard(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	resolve_for("version: 1\n"
		    "default:\n"
		    "  nofile: {soft: 256}\n"
		    "  fsize: {soft: 512M}\n"
		    "  cpu: {soft: unlimited}\n"
		    "  core: {soft: 2M}\n",
		    "alice", 1000, &r);
	const struct base base[] = {
	    {RLIMIT_NOFILE, 500, 1000},
	    {RLIMIT_FSIZE, MiB, GiB},
	    {RLIMIT_CPU, 100, RLIM_INFINITY},
	    {RLIMIT_CORE, 0, MiB},
	};
	run_child(base, 4, &r, false, &o);
	assert_int_equal(o.status, RL_OK);
	LIMIT(&o, "nofile", 256, 1000);     /* lowered, hard kept */
	LIMIT(&o, "fsize", 512 * MiB, GiB); /* raised within hard */
	LIMIT(&o, "cpu", RLIM_INFINITY, RLIM_INFINITY);
	LIMIT(&o, "core", MiB, MiB); /* a soft cannot pass the hard it keeps */
	LINES(&o, RL_SEV_WARNING,
	      "core: soft 2M (default) is above this process's hard limit 1M; set to 1M");
	const char *const touched[] = {"nofile", "fsize", "cpu", "core"};
	expect_untouched(&o, touched, 4);
	rl_result_free(&r);
}

static void test_hard_only(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	resolve_for("version: 1\n"
		    "default:\n"
		    "  nofile: {hard: 800}\n"
		    "  fsize: {hard: 1M}\n",
		    "alice", 1000, &r);
	const struct base base[] = {
	    {RLIMIT_NOFILE, 512, 1000},
	    {RLIMIT_FSIZE, 2 * MiB, 4 * MiB},
	};
	run_child(base, 2, &r, false, &o);
	assert_int_equal(o.status, RL_OK);
	assert_int_equal(o.nlines, 0);
	LIMIT(&o, "nofile", 512, 800); /* soft kept */
	LIMIT(&o, "fsize", MiB, MiB);  /* soft follows the hard down */
	const char *const touched[] = {"nofile", "fsize"};
	expect_untouched(&o, touched, 2);
	rl_result_free(&r);
}

static void test_raise_refused(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	resolve_for("version: 1\n"
		    "default:\n"
		    "  core: 0\n"
		    "  fsize: {soft: 1M, hard: 2M}\n"
		    "users:\n"
		    "  alice:\n"
		    "    nofile: 1000\n",
		    "alice", 1000, &r);
	const struct base base[] = {
	    {RLIMIT_NOFILE, 100, 200},
	    {RLIMIT_CORE, MiB, MiB},
	    {RLIMIT_FSIZE, GiB, GiB},
	};
	run_child(base, 3, &r, false, &o);
	assert_int_equal(o.status, RL_OK); /* a refused raise is a warning, not an error */
	LINES(&o, RL_SEV_WARNING,
	      "nofile: cannot raise to soft 1000 hard 1000 (users.alice: Operation not "
	      "permitted); kept the stricter soft 200 hard 200");
	LIMIT(&o, "nofile", 200, 200);
	/* the other items of the same apply still went down */
	LIMIT(&o, "core", 0, 0);
	LIMIT(&o, "fsize", MiB, 2 * MiB);
	const char *const touched[] = {"nofile", "core", "fsize"};
	expect_untouched(&o, touched, 3);

	/* A soft that fits under the current hard is kept as asked. */
	resolve_for("version: 1\n"
		    "users:\n"
		    "  alice:\n"
		    "    nofile: {soft: 150, hard: 1000}\n",
		    "alice", 1000, &r);
	run_child(base, 1, &r, true, &o);
	assert_int_equal(o.status, RL_OK);
	LINES(&o, RL_SEV_WARNING,
	      "nofile: cannot raise to soft 150 hard 1000 (users.alice: Operation not "
	      "permitted); kept the stricter soft 150 hard 200");
	LIMIT(&o, "nofile", 150, 200);
	expect_untouched(&o, touched, 1);
	rl_result_free(&r);
}

static void test_debug_lines(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	resolve_for("version: 1\n"              /* 1 */
		    "default:\n"                /* 2 */
		    "  core: 0\n"               /* 3 */
		    "  nofile: {hard: 200}\n"   /* 4 */
		    "groups:\n"                 /* 5 */
		    "  staff:\n"                /* 6 */
		    "    fsize: {soft: 1M}\n"   /* 7 */
		    "users:\n"                  /* 8 */
		    "  alice:\n"                /* 9 */
		    "    nofile: {soft: 100}\n" /* 10 */
		    "    cpu: 90min\n",         /* 11 */
		    "alice", 1000, &r);
	const struct base base[] = {
	    {RLIMIT_NOFILE, 1000, 2000},
	    {RLIMIT_CORE, MiB, MiB},
	    {RLIMIT_FSIZE, GiB, 2 * GiB},
	    {RLIMIT_CPU, 7200, 7200},
	};
	run_child(base, 4, &r, true, &o);
	assert_int_equal(o.status, RL_OK);
	/* One line per applied item, in table order, naming where each half came from. */
	LINES(&o, RL_SEV_INFO,
	      "core: soft 0 hard 0 (soft from default, hard from default; t.yaml:3)",
	      "cpu: soft 90min hard 90min (soft from users.alice, hard from users.alice; "
	      "t.yaml:11)",
	      "fsize: soft 1M hard 2G (soft from groups.staff, hard from the process; t.yaml:7)",
	      "nofile: soft 100 hard 200 (soft from users.alice, hard from default; t.yaml:4)");
	LIMIT(&o, "core", 0, 0);
	LIMIT(&o, "cpu", 5400, 5400);
	LIMIT(&o, "fsize", MiB, 2 * GiB);
	LIMIT(&o, "nofile", 100, 200);
	const char *const touched[] = {"core", "cpu", "fsize", "nofile"};
	expect_untouched(&o, touched, 4);

	/* The same without debug says nothing and does the same. */
	run_child(base, 4, &r, false, &o);
	assert_int_equal(o.status, RL_OK);
	assert_int_equal(o.nlines, 0);
	LIMIT(&o, "core", 0, 0);
	LIMIT(&o, "cpu", 5400, 5400);
	LIMIT(&o, "fsize", MiB, 2 * GiB);
	LIMIT(&o, "nofile", 100, 200);
	expect_untouched(&o, touched, 4);
	rl_result_free(&r);
}

static void test_nothing_to_apply(void **state)
{
	(void)state;
	struct rl_result r = {0};
	struct child_out o;
	memset(&r, 0, sizeof(r));
	run_child(NULL, 0, &r, true, &o);
	assert_int_equal(o.status, RL_OK);
	assert_int_equal(o.nlines, 0);
	expect_untouched(&o, NULL, 0);
	/* root under a policy for others: nothing applies, nothing moves */
	resolve_for("version: 1\ndefault: {nofile: 10, core: 0}\n", "root", 0, &r);
	assert_false(rl_result_any(&r));
	run_child(NULL, 0, &r, true, &o);
	assert_int_equal(o.nlines, 0);
	expect_untouched(&o, NULL, 0);
	rl_result_free(&r);
}

/*
 * Every item at once, with values taken from this process's own limits
 * (written with rl_value_format, so it is tested too): each hard at the
 * current hard (2^62 where that is unlimited) and each soft at half.
 */
static void test_every_item(void **state)
{
	(void)state;
	char doc[4096], v1[64], v2[64];
	rlim_t want_soft[RL_NITEMS], want_hard[RL_NITEMS];
	bool used[RL_NITEMS] = {false};
	size_t n = (size_t)snprintf(doc, sizeof(doc), "version: 1\nusers:\n  alice:\n");
	for (int i = 0; i < RL_NITEMS; i++) {
		struct rlimit cur;
		if (!rl_item_is_rlimit(i))
			continue; /* test_priority_nonewprivs */
		assert_int_equal(getrlimit(rl_items[i].resource, &cur), 0);
		rlim_t hard = cur.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 62 : cur.rlim_max;
		switch (rl_items[i].kind) {
		case RL_KIND_NICE: /* as a niceness only 1..40 can be written */
			if (hard < 1) {
				print_message("nice: hard limit is %" PRIu64 ", which no niceness "
					      "writes; not part of this case\n",
					      (uint64_t)hard);
				continue;
			}
			if (hard > 40)
				hard = 40;
			break;
		case RL_KIND_RTPRIO:
			if (hard > 99)
				hard = 99;
			break;
		case RL_KIND_CPU:
			/* The kernel counts it in u64 nanoseconds: 2^62 s wraps to
			 * 0 and the next tick SIGKILLs the child.  2^32 s fits. */
			if (hard > (rlim_t)1 << 32)
				hard = (rlim_t)1 << 32;
			break;
		default:
			break;
		}
		rlim_t soft = rl_items[i].kind == RL_KIND_NICE ? (hard + 1) / 2 : hard / 2;
		want_soft[i] = soft;
		want_hard[i] = hard;
		used[i] = true;
		rl_value_format(i, soft, v1, sizeof(v1));
		rl_value_format(i, hard, v2, sizeof(v2));
		n += (size_t)snprintf(doc + n, sizeof(doc) - n,
				      "    %s: {soft: \"%s\", hard: \"%s\"}\n", rl_items[i].name,
				      v1, v2);
		assert_true(n < sizeof(doc));
	}
	struct rl_result r = {0};
	struct child_out o;
	resolve_for(doc, "alice", 1000, &r);
	run_child(NULL, 0, &r, true, &o);
	if (o.status != RL_OK) {
		dump_lines(&o);
		fail_msg("rl_apply: %d\n%s", o.status, doc);
	}
	size_t applied = 0;
	for (int i = 0; i < RL_NITEMS; i++) {
		if (!used[i])
			continue;
		applied++;
		expect_limit(&o, rl_items[i].name, want_soft[i], want_hard[i], __FILE__, __LINE__);
	}
	assert_int_equal(o.nlines, applied); /* one debug line each, no warning */
	for (size_t i = 0; i < o.nlines; i++)
		assert_int_equal(o.sev[i], RL_SEV_INFO);
	print_message("%zu items applied and read back\n", applied);
	rl_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lowering),    cmocka_unit_test(test_soft_only_keeps_hard),
	    cmocka_unit_test(test_hard_only),   cmocka_unit_test(test_raise_refused),
	    cmocka_unit_test(test_debug_lines), cmocka_unit_test(test_nothing_to_apply),
	    cmocka_unit_test(test_every_item),
	};
	return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
