/*
 * test_load.c - policy/parse.c, policy/files.c and policy/policy.c: every
 * load error with its exact "file:line:column: message", all of them
 * reported; the valid spellings (BOM, CRLF, flow, block, quoted) alike; the
 * fixtures; drop-in order, missing files, trust, what is never opened, and
 * folders listed whole.  openat, open and getdents64 are wrapped: default
 * paths go to scratch files, how each path is opened is recorded, and a
 * folder can be listed in pieces with a drop-in renamed in the middle.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ITEMS                                                                                      \
	"(items are as, data, rss, stack, core, cpu, fsize, nofile, nproc, memlock, locks, "       \
	"sigpending, msgqueue, nice, rtprio, rttime, maxlogins, maxsyslogins, priority, "          \
	"nonewprivs)"
#define TOPKEYS "(expected version, groups_combine, unset, default, groups or users)"
#define EXP_SIZE_PCT                                                                               \
	"expected a size in bytes or with K, M, G, T or P (1024-based), a percentage of RAM "      \
	"such as 50%, or unlimited"
#define EXP_SIZE "expected a size in bytes or with K, M, G, T or P (1024-based), or unlimited"

/* ------------------------------------------------- openat redirection */

static const char *redirect_conf;    /* stands in for the default main file */
static const char *redirect_confdir; /* stands in for the default drop-in folder */
#define MAX_OPENED 64
static char opened[MAX_OPENED][PATH_MAX];
static int opened_flags[MAX_OPENED];
static size_t nopened;
static unsigned proc_reopens; /* files opened through /proc/self/fd */

/* The default paths, as the module and the tool get them. */
static const char *default_conf(void)
{
	return rl_load_opts_for(NULL, NULL).conf;
}

static const char *default_confdir(void)
{
	return rl_load_opts_for(NULL, NULL).confdir;
}

static const char *map_path(const char *path, int flags)
{
	if (nopened < MAX_OPENED) {
		opened_flags[nopened] = flags;
		snprintf(opened[nopened++], PATH_MAX, "%s", path);
	}
	if (redirect_conf && strcmp(path, default_conf()) == 0)
		return redirect_conf;
	if (redirect_confdir && strcmp(path, default_confdir()) == 0)
		return redirect_confdir;
	return path;
}

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...);
int __real___openat_2(int dirfd, const char *path, int flags);
int __wrap___openat_2(int dirfd, const char *path, int flags);

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return __real_openat(dirfd, map_path(path, flags), flags, mode);
}

int __wrap___openat_2(int dirfd, const char *path, int flags)
{
	return __real___openat_2(dirfd, map_path(path, flags), flags);
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real___open_2(const char *path, int flags);
int __wrap___open_2(const char *path, int flags);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strncmp(path, "/proc/self/fd/", 14) == 0)
		proc_reopens++;
	return __real_open(path, flags, mode);
}

int __wrap___open_2(const char *path, int flags)
{
	if (strncmp(path, "/proc/self/fd/", 14) == 0)
		proc_reopens++;
	return __real___open_2(path, flags);
}

/*
 * getdents64 in pieces of at most piece bytes (0: as asked), counting the
 * calls; after call rename_at of each listing (0: never), rename_dir's
 * rename_from becomes rename_to (and back, the next time) once, or at
 * every listing with rename_always.  A listing starts at a call made
 * after one that returned 0.
 */
static size_t piece;
static unsigned getdents_calls, listings, rename_at, call_in_listing;
static bool rename_always, renamed;
static const char *rename_dir, *rename_from, *rename_to;

ssize_t __real_getdents64(int fd, void *buf, size_t n);
ssize_t __wrap_getdents64(int fd, void *buf, size_t n);
ssize_t __wrap_getdents64(int fd, void *buf, size_t n)
{
	if (call_in_listing++ == 0)
		listings++;
	getdents_calls++;
	ssize_t got = __real_getdents64(fd, buf, piece && piece < n ? piece : n);
	if (got == 0)
		call_in_listing = 0;
	if (rename_at && call_in_listing == rename_at && (rename_always || !renamed)) {
		char from[PATH_MAX], to[PATH_MAX];
		/* A clock tick after the change before: the folder's times move. */
		usleep(25 * 1000);
		snprintf(from, sizeof(from), "%s/%s", rename_dir,
			 renamed ? rename_to : rename_from);
		snprintf(to, sizeof(to), "%s/%s", rename_dir, renamed ? rename_from : rename_to);
		if (rename(from, to) == 0)
			renamed = !renamed;
	}
	return got;
}

/* Whether path was opened, and each time only as O_PATH: nothing but resolved. */
static bool only_resolved(const char *path)
{
	bool seen = false;
	for (size_t i = 0; i < nopened; i++) {
		if (strcmp(opened[i], path) != 0)
			continue;
		if (!(opened_flags[i] & O_PATH))
			return false;
		seen = true;
	}
	return seen;
}

static bool was_opened(const char *path)
{
	for (size_t i = 0; i < nopened; i++)
		if (strcmp(opened[i], path) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ helpers */

static struct cap cap; /* one test at a time */

/* Loads doc as t.yaml; asserts the status and the exact error lines. */
static void expect_errors(const char *doc, const char *const *want, size_t n)
{
	struct rl_policy *p;
	enum rl_status st = load_doc(doc, &p, &cap);
	if (st != RL_EINVALID) {
		cap_dump(&cap, "messages");
		fail_msg("status %d (%s), want RL_EINVALID", st, rl_status_str(st));
	}
	assert_null(p);
	cap_expect(&cap, want, n);
}
#define EXPECT_ERRORS(doc, ...)                                                                    \
	do {                                                                                       \
		const char *const want_[] = {__VA_ARGS__};                                         \
		expect_errors(doc, want_, sizeof(want_) / sizeof(want_[0]));                       \
	} while (0)

static void expect_valid(const char *doc, size_t rules)
{
	struct rl_policy *p;
	enum rl_status st = load_doc(doc, &p, &cap);
	if (st != RL_OK || cap.n) {
		cap_dump(&cap, "messages");
		fail_msg("status %d, want RL_OK without messages:\n%s", st, doc);
	}
	assert_int_equal(rl_policy_rule_count(p), rules);
	assert_int_equal(rl_policy_file_count(p), 1);
	rl_policy_free(p);
}

/* --------------------------------------------------- error classes */

static void test_unknown_top_key(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\nfoo: 1\n", "t.yaml:2:1: unknown key \"foo\" " TOPKEYS);
	EXPECT_ERRORS("version: 1\nVersion: 1\nuser:\n  alice: {as: 1G}\n",
		      "t.yaml:2:1: unknown key \"Version\" " TOPKEYS,
		      "t.yaml:3:1: unknown key \"user\" " TOPKEYS);
	EXPECT_ERRORS("{version: 1, defaults: {as: 1G}}",
		      "t.yaml:1:14: unknown key \"defaults\" " TOPKEYS);
}

static void test_unknown_item(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  vmem: 1G\n"
		      "users:\n"
		      "  alice:\n"
		      "    nofiles: 10\n"
		      "groups:\n"
		      "  staff: {cores: 0}\n"
		      "  \"gid:7\": {AS: 1G}\n",
		      "t.yaml:3:3: default: unknown item \"vmem\" " ITEMS,
		      "t.yaml:6:5: users.alice: unknown item \"nofiles\" " ITEMS,
		      "t.yaml:8:11: groups.staff: unknown item \"cores\" " ITEMS,
		      "t.yaml:9:13: groups.gid:7: unknown item \"AS\" " ITEMS);
}

static void test_unknown_soft_hard_key(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  as: {soft: 1G, hrad: 2G}\n"
		      "users:\n"
		      "  bob:\n"
		      "    nofile:\n"
		      "      soft: 10\n"
		      "      limit: 20\n"
		      "      Hard: 30\n",
		      "t.yaml:3:18: as: unknown key \"hrad\" (expected soft or hard)",
		      "t.yaml:8:7: nofile: unknown key \"limit\" (expected soft or hard)",
		      "t.yaml:9:7: nofile: unknown key \"Hard\" (expected soft or hard)");
}

static void test_invalid_rule_keys(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "version: 1\n"
	    "users:\n"
	    "  \"@staff\": {as: 1G}\n"
	    "  \"gid:10\": {as: 1G}\n"
	    "  \"uid:abc\": {as: 1G}\n"
	    "  \"uid:1-x\": {as: 1G}\n"
	    "  \"uid:01\": {as: 1G}\n"
	    "  \"uid:4294967295\": {as: 1G}\n"
	    "  \"uid:-5\": {as: 1G}\n"
	    "  \"uid:99999999999999999999\": {as: 1G}\n"
	    "  \"a b\": {as: 1G}\n"
	    "  \"*\": {as: 1G}\n"
	    "groups:\n"
	    "  \"foo:bar\": {as: 1G}\n"
	    "  \"uid:5\": {as: 1G}\n"
	    "  \"%admins\": {as: 1G}\n"
	    "  \"a/b\": {as: 1G}\n"
	    "  \"\": {as: 1G}\n",
	    "t.yaml:3:3: invalid user name \"@staff\": pam_limits' @group, %group and * are "
	    "written groups: NAME and default: here",
	    "t.yaml:4:3: \"gid:\" rules belong under groups:, not users:",
	    "t.yaml:5:3: invalid uid rule \"uid:abc\": ids are decimal numbers (write uid:N or "
	    "uid:N-M)",
	    "t.yaml:6:3: invalid uid range \"uid:1-x\": ids are decimal numbers (write "
	    "uid:N-M)",
	    "t.yaml:7:3: invalid uid rule \"uid:01\": leading zeros are not allowed (write uid:N "
	    "or uid:N-M)",
	    "t.yaml:8:3: invalid uid rule \"uid:4294967295\": the largest id is 4294967294 "
	    "(write uid:N or uid:N-M)",
	    "t.yaml:9:3: invalid uid range \"uid:-5\": an id is missing (write uid:N-M)",
	    "t.yaml:10:3: invalid uid rule \"uid:99999999999999999999\": the largest id is "
	    "4294967294 (write uid:N or uid:N-M)",
	    "t.yaml:11:3: invalid user name \"a b\": no spaces, ':' or '/', at most 256 bytes",
	    "t.yaml:12:3: invalid user name \"*\": pam_limits' @group, %group and * are "
	    "written groups: NAME and default: here",
	    "t.yaml:14:3: invalid group name \"foo:bar\": no spaces, ':' or '/', at most 256 "
	    "bytes",
	    "t.yaml:15:3: \"uid:\" rules belong under users:, not groups:",
	    "t.yaml:16:3: invalid group name \"%admins\": pam_limits' @group, %group and * are "
	    "written groups: NAME and default: here",
	    "t.yaml:17:3: invalid group name \"a/b\": no spaces, ':' or '/', at most 256 bytes",
	    "t.yaml:18:3: groups: empty key");
	/* The edges that are fine. */
	expect_valid("version: 1\nusers:\n  \"uid:4294967294\": {as: 1G}\n  \"uid:0\": {as: 1G}\n"
		     "  \"uid:0-0\": {as: 2G}\ngroups:\n  \"gid:0-4294967294\": {as: 1G}\n",
		     4);
}

static void test_duplicates_each_level(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\nversion: 1\n",
		      "t.yaml:2:1: duplicate key \"version\" (first at line 1)");
	EXPECT_ERRORS("version: 1\n"
		      "default: {as: 1G}\n"
		      "users: {}\n"
		      "default: {as: 2G}\n",
		      "t.yaml:4:1: duplicate key \"default\" (first at line 2)");
	/* A quoted and a plain spelling of one key are the same key. */
	EXPECT_ERRORS("version: 1\n"
		      "users:\n"
		      "  alice: {as: 1G}\n"
		      "  bob: {as: 1G}\n"
		      "  \"alice\": {as: 2G}\n"
		      "groups:\n"
		      "  \"gid:10\": {as: 1G}\n"
		      "  gid:10: {as: 2G}\n",
		      "t.yaml:5:3: users: duplicate key \"alice\" (first at line 3)",
		      "t.yaml:8:3: groups: duplicate key \"gid:10\" (first at line 7)");
	EXPECT_ERRORS("version: 1\n"
		      "users:\n"
		      "  alice:\n"
		      "    as: 1G\n"
		      "    data: 1G\n"
		      "    as: 2G\n",
		      "t.yaml:6:5: users.alice: duplicate item \"as\" (first at line 4)");
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  as: {soft: 1G, soft: 2G}\n"
		      "  data:\n"
		      "    hard: 1G\n"
		      "    hard: 1G\n",
		      "t.yaml:3:18: as: duplicate key \"soft\" (first at line 3)",
		      "t.yaml:6:5: data: duplicate key \"hard\" (first at line 5)");
}

static void test_version(void **state)
{
	(void)state;
	EXPECT_ERRORS("default:\n  as: 1G\n", "t.yaml:1:1: missing \"version: 1\"");
	EXPECT_ERRORS("\n\n{default: {as: 1G}}\n", "t.yaml:3:1: missing \"version: 1\"");
	EXPECT_ERRORS("version: 2\n",
		      "t.yaml:1:10: version: unsupported version \"2\" (this pam_rlimit reads "
		      "version 1)");
	EXPECT_ERRORS("version: 1.0\n",
		      "t.yaml:1:10: version: unsupported version \"1.0\" (this pam_rlimit reads "
		      "version 1)");
	EXPECT_ERRORS("version: 01\n",
		      "t.yaml:1:10: version: unsupported version \"01\" (this pam_rlimit reads "
		      "version 1)");
	EXPECT_ERRORS("version: [1]\n", "t.yaml:1:10: version: expected 1, found a list");
	EXPECT_ERRORS("version:\n",
		      "t.yaml:1:9: version: unsupported version \"\" (this pam_rlimit reads "
		      "version 1)");
	expect_valid("version: \"1\"\n", 0);
	expect_valid("version: '1'\n", 0);
	expect_valid("\"version\": 1\n", 0);
}

static void test_groups_combine_values(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\ngroups_combine: avg\n",
		      "t.yaml:2:17: groups_combine: \"avg\" is not max, min or last");
	EXPECT_ERRORS("version: 1\ngroups_combine: MAX\n",
		      "t.yaml:2:17: groups_combine: \"MAX\" is not max, min or last");
	EXPECT_ERRORS("version: 1\ngroups_combine: {a: b}\n",
		      "t.yaml:2:17: groups_combine: expected max, min or last, found a mapping");
	static const char *const names[] = {"max", "min", "last"};
	static const enum rl_combine want[] = {RL_COMBINE_MAX, RL_COMBINE_MIN, RL_COMBINE_LAST};
	for (int i = 0; i < 3; i++) {
		char doc[64];
		struct rl_policy *p;
		snprintf(doc, sizeof(doc), "version: 1\ngroups_combine: %s\n", names[i]);
		assert_int_equal(load_doc(doc, &p, &cap), RL_OK);
		assert_int_equal(rl_policy_combine(p), want[i]);
		rl_policy_free(p);
	}
	struct rl_policy *p = must_load("version: 1\n");
	assert_int_equal(rl_policy_combine(p), RL_COMBINE_MAX); /* the default */
	rl_policy_free(p);
}

static void test_uid_ranges_overlap_same_file(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\n"
		      "users:\n"
		      "  \"uid:1000-1999\":\n"
		      "    as: 1G\n"
		      "  \"uid:1500-2500\":\n"
		      "    as: 2G\n",
		      "t.yaml:5:3: users.uid:1500-2500 overlaps uid:1000-1999 (t.yaml:3)");
	/* Touching ends overlap; a range inside another does too. */
	EXPECT_ERRORS("version: 1\n"
		      "users:\n"
		      "  \"uid:2000-2999\": {as: 1G}\n"
		      "  \"uid:1000-2000\": {as: 1G}\n"
		      "  \"uid:2500-2600\": {as: 1G}\n",
		      "t.yaml:4:3: users.uid:1000-2000 overlaps uid:2000-2999 (t.yaml:3)",
		      "t.yaml:5:3: users.uid:2500-2600 overlaps uid:2000-2999 (t.yaml:3)");
	/* Adjacent ranges, single uids inside a range and gid ranges are fine. */
	expect_valid("version: 1\n"
		     "users:\n"
		     "  \"uid:1000-1999\": {as: 1G}\n"
		     "  \"uid:2000-2999\": {as: 1G}\n"
		     "  \"uid:1500\": {as: 1G}\n"
		     "groups:\n"
		     "  \"gid:10-20\": {as: 1G}\n"
		     "  \"gid:15-30\": {as: 1G}\n",
		     5);
}

static void test_uid_ranges_overlap_dropins(void **state)
{
	(void)state;
	static const char *const names[] = {"a.yaml", "b.yaml"};
	struct rl_policy *p;
	const char *docs[2] = {
	    "version: 1\nusers:\n  \"uid:1000-1999\":\n    as: 1G\n",
	    "version: 1\nusers:\n  \"uid:1999-2999\":\n    as: 1G\n",
	};
	assert_int_equal(load_docs(names, docs, 2, NULL, &p, &cap), RL_EINVALID);
	CAP_EXPECT(&cap, "b.yaml:3:3: users.uid:1999-2999 overlaps uid:1000-1999 (a.yaml:3)");
	/* The error names the later file even when its range sorts first. */
	docs[0] = "version: 1\nusers:\n  \"uid:1500-1600\":\n    as: 1G\n";
	docs[1] = "version: 1\n\nusers:\n  \"uid:1000-2999\":\n    as: 1G\n";
	assert_int_equal(load_docs(names, docs, 2, NULL, &p, &cap), RL_EINVALID);
	CAP_EXPECT(&cap, "b.yaml:4:3: users.uid:1000-2999 overlaps uid:1500-1600 (a.yaml:3)");
	/* The same range again in a drop-in is the same rule, merged. */
	docs[0] = "version: 1\nusers:\n  \"uid:1000-1999\":\n    as: 1G\n";
	docs[1] = "version: 1\nusers:\n  \"uid:1000-1999\":\n    data: 1G\n";
	assert_int_equal(load_docs(names, docs, 2, NULL, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_rule_count(p), 1);
	rl_policy_free(p);
}

static void test_reversed_range(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "version: 1\n"
	    "users:\n"
	    "  \"uid:2000-1000\": {as: 1G}\n"
	    "groups:\n"
	    "  gid:20-10: {as: 1G}\n",
	    "t.yaml:3:3: uid range \"uid:2000-1000\" has its ends reversed (write "
	    "uid:1000-2000)",
	    "t.yaml:5:3: gid range \"gid:20-10\" has its ends reversed (write gid:10-20)");
}

static void test_soft_above_hard(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "version: 1\n"
	    "default:\n"
	    "  as: {soft: 2G, hard: 1G}\n"
	    "users:\n"
	    "  alice:\n"
	    "    nofile:\n"
	    "      hard: 100\n"
	    "      soft: unlimited\n"
	    "groups:\n"
	    "  staff: {data: {soft: 60%, hard: 50%}, cpu: {soft: 2min, hard: 119}}\n",
	    "t.yaml:3:14: default: as: the soft limit 2G is higher than the hard limit 1G",
	    "t.yaml:8:13: users.alice: nofile: the soft limit unlimited is higher than the "
	    "hard limit 100",
	    "t.yaml:10:24: groups.staff: data: the soft limit 60% is higher than the "
	    "hard limit 50%",
	    "t.yaml:10:53: groups.staff: cpu: the soft limit 2min is higher than the hard "
	    "limit 119");
	/*
	 * Equal halves, unlimited hard, and a percentage against bytes (which
	 * only resolution can order, and clamps) are fine.
	 */
	expect_valid("version: 1\n"
		     "default:\n"
		     "  as: {soft: 1G, hard: 1G}\n"
		     "  data: {soft: 1G, hard: unlimited}\n"
		     "  stack: {soft: 90%, hard: 1K}\n"
		     "  nice: {soft: 0, hard: -5}\n"
		     "  cpu: {soft: 1min, hard: 60}\n",
		     1);
}

static void test_nice_soft_above_hard(void **state)
{
	(void)state;
	/* nice 0 is rlimit 20 and nice -5 is rlimit 25: soft -5 is above hard 0. */
	EXPECT_ERRORS("version: 1\ndefault:\n  nice: {soft: -5, hard: 0}\n",
		      "t.yaml:3:16: default: nice: the soft limit -5 allows more than the hard "
		      "limit 0");
	EXPECT_ERRORS("version: 1\ndefault:\n  nice: {soft: unlimited, hard: 19}\n",
		      "t.yaml:3:16: default: nice: the soft limit unlimited allows more than the "
		      "hard limit 19");
	expect_valid("version: 1\ndefault:\n  nice: {soft: 0, hard: -5}\n", 1);
}

static void test_anchors_aliases_tags(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\ndefault: &d {as: 1G}\n",
		      "t.yaml:2:10: anchors (&d) are not allowed in a policy");
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  as: &x 1G\n"
		      "  data: *x\n",
		      "t.yaml:3:7: anchors (&x) are not allowed in a policy",
		      "t.yaml:4:9: aliases (*x) are not allowed in a policy");
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  as: !!str 1G\n"
		      "  data: !local 1G\n"
		      "users: !!map {}\n",
		      "t.yaml:3:7: tags (tag:yaml.org,2002:str) are not allowed in a policy",
		      "t.yaml:4:9: tags (!local) are not allowed in a policy",
		      "t.yaml:5:8: tags (tag:yaml.org,2002:map) are not allowed in a policy");
	EXPECT_ERRORS("--- !!map\nversion: 1\n",
		      "t.yaml:1:5: tags (tag:yaml.org,2002:map) are not allowed in a policy");
	EXPECT_ERRORS("&top version: 1\n",
		      "t.yaml:1:1: anchors (&top) are not allowed in a policy");
	/* An alias with no anchor is still an alias; as a whole section too. */
	EXPECT_ERRORS("version: 1\nusers: *u\n",
		      "t.yaml:2:8: aliases (*u) are not allowed in a policy");
}

static void test_documents(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\n---\nversion: 1\n",
		      "t.yaml:2:1: a policy file holds one YAML document, found another");
	EXPECT_ERRORS("---\nversion: 1\n...\n---\nversion: 1\n",
		      "t.yaml:4:1: a policy file holds one YAML document, found another");
	EXPECT_ERRORS("version: 1\n---\n",
		      "t.yaml:2:1: a policy file holds one YAML document, found another");
	/* Empty, in each way a document can be. */
	EXPECT_ERRORS("", "t.yaml:1:1: the policy is empty (it needs at least \"version: 1\")");
	EXPECT_ERRORS("# only a comment\n",
		      "t.yaml:2:1: the policy is empty (it needs at least \"version: 1\")");
	EXPECT_ERRORS("\n\n\n",
		      "t.yaml:4:1: the policy is empty (it needs at least \"version: 1\")");
	EXPECT_ERRORS("---\n",
		      "t.yaml:2:1: the policy is empty (it needs at least \"version: 1\")");
	EXPECT_ERRORS("{}\n", "t.yaml:1:1: missing \"version: 1\"");
	/* One explicit document with its markers is fine. */
	expect_valid("---\nversion: 1\n...\n", 0);
}

static void test_wrong_shapes(void **state)
{
	(void)state;
	EXPECT_ERRORS("- version: 1\n",
		      "t.yaml:1:1: policy: expected a mapping with version: 1, found a list");
	EXPECT_ERRORS("version 1\n",
		      "t.yaml:1:1: policy: expected a mapping with version: 1, found a single "
		      "value");
	EXPECT_ERRORS(
	    "version: 1\n"
	    "default: [1, 2]\n"
	    "users: alice\n"
	    "groups:\n"
	    "  staff: [as, 1G]\n"
	    "  wheel: 1G\n",
	    "t.yaml:2:10: default: expected a mapping of limit items, found a list",
	    "t.yaml:3:8: users: expected a mapping of rules (write {} for none), found a "
	    "single value",
	    "t.yaml:5:10: groups.staff: expected a mapping of limit items, found a list",
	    "t.yaml:6:10: groups.wheel: expected a mapping of limit items, found a single "
	    "value");
	EXPECT_ERRORS("version: 1\ngroups:\nusers: {}\n",
		      "t.yaml:2:8: groups: expected a mapping of rules (write {} for none), found "
		      "an empty value");
	EXPECT_ERRORS("version: 1\n"
		      "default:\n"
		      "  as: [1G]\n"
		      "  data: {soft: {x: 1}}\n"
		      "  stack: {hard: [1]}\n"
		      "  core: {soft: 0, hard: {x: 1}}\n",
		      "t.yaml:3:7: as: expected a value or {soft: X, hard: Y}, found a list",
		      "t.yaml:4:16: data: expected a value, found a mapping",
		      "t.yaml:5:17: stack: expected a value, found a list",
		      "t.yaml:6:25: core: expected a value, found a mapping");
	/* A key that is not a scalar, at the top and inside a rule. */
	EXPECT_ERRORS("version: 1\n? [a]\n: 1\n",
		      "t.yaml:2:3: policy: expected a plain key, found a list");
	EXPECT_ERRORS("version: 1\ndefault:\n  {as: 1}: 1G\n",
		      "t.yaml:3:3: default: expected a plain key, found a mapping");
	/* An empty mapping of halves sets nothing. */
	EXPECT_ERRORS("version: 1\ndefault:\n  as: {}\n",
		      "t.yaml:3:8: as: an empty mapping sets nothing (write soft:, hard: or both)");
	/* Empty and null values are values, and invalid ones. */
	EXPECT_ERRORS(
	    "version: 1\ndefault:\n  as:\n  data: ~\n",
	    "t.yaml:3:6: invalid value \"\" for as: the value is empty; " EXP_SIZE_PCT,
	    "t.yaml:4:9: invalid value \"~\" for data: not a plain decimal number (no "
	    "signs, hexadecimal, exponents or decimals outside percentages); " EXP_SIZE_PCT);
}

static void test_invalid_values_positions(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "version: 1\n"
	    "default:\n"
	    "  nofile: 10x\n"
	    "  as: {soft: 10GB, hard: \"1 G\"}\n",
	    "t.yaml:3:11: invalid value \"10x\" for nofile: unknown unit \"x\"; expected a "
	    "whole number, or unlimited",
	    "t.yaml:4:14: invalid value \"10GB\" for as: \"GB\" reads as 1000-based; sizes "
	    "here are 1024-based: write G or GiB; " EXP_SIZE_PCT,
	    "t.yaml:4:26: invalid value \"1 G\" for as: white space is not allowed inside a "
	    "value; " EXP_SIZE_PCT);
}

static void test_text_checks(void **state)
{
	(void)state;
	EXPECT_ERRORS("version: 1\n\"a\\tb\": 1\n", "t.yaml:2:1: control character 0x09 in text");
	EXPECT_ERRORS("version: 1\ndefault:\n  as: \"1\\x7fG\"\n",
		      "t.yaml:3:7: control character 0x7f in text");
	char *doc = malloc(6000);
	assert_non_null(doc);
	strcpy(doc, "version: 1\ndefault:\n  as: ");
	size_t n = strlen(doc);
	memset(doc + n, '1', 4097);
	strcpy(doc + n + 4097, "\n");
	EXPECT_ERRORS(doc, "t.yaml:3:7: text longer than 4096 bytes");
	memset(doc + n, '1', 4096);
	strcpy(doc + n + 4096, "\n");
	EXPECT_ERRORS(doc, "t.yaml:3:7: invalid value \"1111111111111111111111111111111111111111..."
			   "\" for as: the value is too long; " EXP_SIZE_PCT);
	free(doc);
}

static void test_yaml_syntax_errors(void **state)
{
	(void)state;
	/* At the end of the stream: just after the last thing written. */
	EXPECT_ERRORS("version: 1\ndefault: {as: 1G\n",
		      "t.yaml:2:17: YAML syntax error: did not find expected ',' or '}' (while "
		      "parsing a flow mapping at line 2)");
	EXPECT_ERRORS("version: 1\ndefault: {as: 1G",
		      "t.yaml:2:17: YAML syntax error: did not find expected ',' or '}' (while "
		      "parsing a flow mapping at line 2)");
	EXPECT_ERRORS("version: 1\r\ndefault: {as: 1G \r\n\r\n  \n",
		      "t.yaml:2:17: YAML syntax error: did not find expected ',' or '}' (while "
		      "parsing a flow mapping at line 2)");
	/* Columns count characters, not bytes (libyaml's marks do too). */
	EXPECT_ERRORS("version: 1\ndefault: {as: 1G, \xc3\xa9\xc3\xa9: 1",
		      "t.yaml:2:19: default: unknown item \"\xc3\xa9\xc3\xa9\" " ITEMS,
		      "t.yaml:2:24: YAML syntax error: did not find expected ',' or '}' (while "
		      "parsing a flow mapping at line 2)");
	EXPECT_ERRORS("version: 1\n\xff\n", "t.yaml:2:1: not valid YAML text: invalid leading "
					    "UTF-8 octet");
	/* libyaml would read UTF-16; the policy is UTF-8 only. */
	EXPECT_ERRORS("\xff\xfev\0e\0r\0", "t.yaml:1:1: the policy must be UTF-8 text (this file "
					   "is UTF-16)");
	EXPECT_ERRORS("\xfe\xff\0v", "t.yaml:1:1: the policy must be UTF-8 text (this file is "
				     "UTF-16)");
	/* A tab where indentation goes gets a hint. */
	EXPECT_ERRORS(
	    "version: 1\ndefault:\n\tas: 1G\n",
	    "t.yaml:3:1: YAML syntax error: found character that cannot start any token "
	    "(while scanning for the next token at line 3); a tab cannot indent YAML: use "
	    "spaces");
	/* Also after text that is not ASCII (libyaml's marks count characters). */
	EXPECT_ERRORS(
	    "# caf\xc3\xa9 \xe2\x82\xac\nversion: 1\ndefault:\n\tas: 1G\n",
	    "t.yaml:4:1: YAML syntax error: found character that cannot start any token "
	    "(while scanning for the next token at line 4); a tab cannot indent YAML: use "
	    "spaces");
	/* Errors before the syntax error are kept; nothing after it is read. */
	EXPECT_ERRORS("version: 1\nfoo: 1\ndefault: [\nbar: 1\n",
		      "t.yaml:2:1: unknown key \"foo\" " TOPKEYS,
		      "t.yaml:3:10: default: expected a mapping of limit items, found a list",
		      "t.yaml:4:7: YAML syntax error: did not find expected ',' or ']' (while "
		      "parsing a flow sequence at line 3)");
}

static void test_nesting_limit(void **state)
{
	(void)state;
	char doc[256];
	size_t n = (size_t)snprintf(doc, sizeof(doc), "version: 1\nfoo: ");
	for (int i = 0; i < 40; i++)
		doc[n++] = '[';
	for (int i = 0; i < 40; i++)
		doc[n++] = ']';
	snprintf(doc + n, sizeof(doc) - n, "\nbar: 1\n");
	/* The 33rd '[' is column 6 + 32; the document stops there. */
	EXPECT_ERRORS(doc, "t.yaml:2:1: unknown key \"foo\" " TOPKEYS,
		      "t.yaml:2:38: nesting deeper than 32 levels");
}

/* Every error of a document is reported, not only the first. */
static void test_all_errors_reported(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "bogus: 1\n"                       /* 1 */
	    "default:\n"                       /* 2 */
	    "  as: 10x\n"                      /* 3 */
	    "  as: 1G\n"                       /* 4 */
	    "  data: {soft: 2G, hard: 1G}\n"   /* 5 */
	    "users:\n"                         /* 6 */
	    "  \"uid:9-1\": {as: 1G}\n"        /* 7 */
	    "  alice: {cpu: 1m, nice: 20}\n"   /* 8 */
	    "  \"uid:100-200\": {as: 1G}\n"    /* 9 */
	    "  \"uid:150-160\": {as: &a 1G}\n" /* 10 */
	    "groups_combine: most\n",          /* 11 */
	    "t.yaml:1:1: unknown key \"bogus\" " TOPKEYS,
	    "t.yaml:3:7: invalid value \"10x\" for as: unknown unit \"x\"; " EXP_SIZE_PCT,
	    "t.yaml:4:3: default: duplicate item \"as\" (first at line 3)",
	    "t.yaml:5:16: default: data: the soft limit 2G is higher than the hard limit 1G",
	    "t.yaml:7:3: uid range \"uid:9-1\" has its ends reversed (write uid:1-9)",
	    "t.yaml:8:16: invalid value \"1m\" for cpu: unknown unit \"m\"; expected "
	    "seconds, or a number with s, min, h or d, or unlimited",
	    "t.yaml:8:26: invalid value \"20\" for nice: out of range; expected a niceness "
	    "from -20 to 19",
	    "t.yaml:10:23: anchors (&a) are not allowed in a policy",
	    "t.yaml:11:17: groups_combine: \"most\" is not max, min or last",
	    "t.yaml:1:1: missing \"version: 1\"",
	    "t.yaml:10:3: users.uid:150-160 overlaps uid:100-200 (t.yaml:9)");
}

/* Past 50 errors a file stops being read, with a 51st line that says so. */
static void test_error_cap(void **state)
{
	(void)state;
	char *doc = malloc(8192);
	const char *want[51];
	char lines[51][300];
	assert_non_null(doc);
	size_t n = (size_t)snprintf(doc, 8192, "version: 1\ndefault:\n");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(doc + n, 8192 - n, "  x%d: 1\n", i);
	for (int i = 0; i < 50; i++) {
		snprintf(lines[i], sizeof(lines[i]),
			 "t.yaml:%d:3: default: unknown item \"x%d\" " ITEMS, i + 3, i);
		want[i] = lines[i];
	}
	snprintf(lines[50], sizeof(lines[50]), "t.yaml:53:3: more than 50 errors, stopped reading");
	want[50] = lines[50];
	expect_errors(doc, want, 51);
	free(doc);
}

/* add and finish say RL_EINVALID and the policy takes more documents. */
static void test_status_and_reuse(void **state)
{
	(void)state;
	struct rl_policy *p;
	struct rl_sink sink = cap_sink(&cap);
	const char *bad = "version: 1\nfoo: 1\n", *good = "version: 1\ndefault: {as: 1G}\n",
		   *bad2 = "version: 3\n";
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_add_buffer(p, "1.yaml", bad, strlen(bad), &sink), RL_EINVALID);
	assert_int_equal(rl_policy_add_buffer(p, "2.yaml", good, strlen(good), &sink), RL_OK);
	assert_int_equal(rl_policy_add_buffer(p, "3.yaml", bad2, strlen(bad2), &sink), RL_EINVALID);
	assert_int_equal(rl_policy_finish(p, &sink), RL_EINVALID);
	assert_int_equal(rl_policy_file_count(p), 3);
	CAP_EXPECT(&cap, "1.yaml:2:1: unknown key \"foo\" " TOPKEYS,
		   "3.yaml:1:10: version: unsupported version \"3\" (this pam_rlimit reads version "
		   "1)");
	rl_policy_free(p);

	/* A NULL sink drops messages but not the verdict. */
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_add_buffer(p, "1.yaml", bad, strlen(bad), NULL), RL_EINVALID);
	struct rl_sink mute = {NULL, NULL};
	assert_int_equal(rl_policy_add_buffer(p, "2.yaml", bad, strlen(bad), &mute), RL_EINVALID);
	assert_int_equal(rl_policy_finish(p, NULL), RL_EINVALID);
	rl_policy_free(p);

	/* Usage errors. */
	sink = cap_sink(&cap);
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_add_buffer(NULL, "x", good, 1, NULL), RL_EUSAGE);
	assert_int_equal(rl_policy_add_buffer(p, NULL, good, 1, NULL), RL_EUSAGE);
	assert_int_equal(rl_policy_add_buffer(p, "x", NULL, 1, NULL), RL_EUSAGE);
	assert_int_equal(rl_policy_add_buffer(p, "x", NULL, 0, &sink), RL_EINVALID);
	CAP_EXPECT(&cap, "x:1:1: the policy is empty (it needs at least \"version: 1\")");
	assert_int_equal(rl_policy_finish(NULL, NULL), RL_EUSAGE);
	rl_policy_free(p);
	rl_policy_free(NULL);
	assert_int_equal(rl_policy_rule_count(NULL), 0);
	assert_int_equal(rl_policy_file_count(NULL), 0);
	assert_int_equal(rl_policy_load(NULL, &p, NULL), RL_EUSAGE);
	assert_null(p);
}

/* ------------------------------------------------------- valid forms */

/*
 * One policy in many spellings.  Each must load, and resolve to the same
 * values for the same users (origins differ in line and column only).
 */
static const char *const spellings[] = {
    /* block, plain */
    "version: 1\n"
    "groups_combine: min\n"
    "default:\n"
    "  as: 50%\n"
    "  nofile: {soft: 1024, hard: 4096}\n"
    "groups:\n"
    "  research:\n"
    "    data:\n"
    "      soft: 32G\n"
    "      hard: 48G\n"
    "  gid:3000-3999:\n"
    "    nproc: 200\n"
    "users:\n"
    "  alice:\n"
    "    as: unlimited\n"
    "  uid:2000-2999:\n"
    "    cpu: 90min\n",
    /* flow, one line */
    "{version: 1, groups_combine: min, default: {as: 50%, nofile: {soft: 1024, hard: 4096}}, "
    "groups: {research: {data: {soft: 32G, hard: 48G}}, gid:3000-3999: {nproc: 200}}, "
    "users: {alice: {as: unlimited}, uid:2000-2999: {cpu: 90min}}}\n",
    /* every scalar quoted, both kinds of quotes, keys in another order */
    "\"users\":\n"
    "  'uid:2000-2999': {'cpu': \"90min\"}\n"
    "  \"alice\": {\"as\": 'unlimited'}\n"
    "'groups':\n"
    "  \"gid:3000-3999\": {nproc: \"200\"}\n"
    "  research: {data: {\"hard\": \"48G\", 'soft': '32G'}}\n"
    "default: {nofile: {hard: '4096', soft: \"1024\"}, as: \"50%\"}\n"
    "groups_combine: 'min'\n"
    "\"version\": \"1\"\n",
    /* byte-order mark */
    "\xef\xbb\xbfversion: 1\n"
    "groups_combine: min\n"
    "default: {as: 50%, nofile: {soft: 1024, hard: 4096}}\n"
    "groups: {research: {data: {soft: 32G, hard: 48G}}, gid:3000-3999: {nproc: 200}}\n"
    "users: {alice: {as: unlimited}, uid:2000-2999: {cpu: 90min}}\n",
    /* CRLF line endings, comments, explicit document markers */
    "# shared workstation\r\n"
    "---\r\n"
    "version: 1   # the format\r\n"
    "groups_combine: min\r\n"
    "default:\r\n"
    "  as: 50%\r\n"
    "  nofile:\r\n"
    "    soft: 1024\r\n"
    "    hard: 4096\r\n"
    "groups:\r\n"
    "  research:\r\n"
    "    data: {soft: 32G, hard: 48G}\r\n"
    "  gid:3000-3999: {nproc: 200}\r\n"
    "users:\r\n"
    "  alice: {as: unlimited}\r\n"
    "  uid:2000-2999: {cpu: 90min}\r\n"
    "...\r\n",
    /* byte-order mark and CRLF together, the units spelled long */
    "\xef\xbb\xbfversion: 1\r\n"
    "groups_combine: min\r\n"
    "default: {as: 50.0%, nofile: {soft: 1024, hard: 4096}}\r\n"
    "groups: {research: {data: {soft: 32GiB, hard: 48GiB}}, gid:3000-3999: {nproc: 200}}\r\n"
    "users: {alice: {as: infinity}, uid:2000-2999: {cpu: 5400}}\r\n",
};

static void same_values(const struct rl_result *a, const struct rl_result *b, size_t which)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		const struct rl_half *ha[2] = {&a->item[i].soft, &a->item[i].hard};
		const struct rl_half *hb[2] = {&b->item[i].soft, &b->item[i].hard};
		for (int h = 0; h < 2; h++) {
			bool same = ha[h]->set == hb[h]->set && ha[h]->rlim == hb[h]->rlim &&
				    ha[h]->value.type == hb[h]->value.type &&
				    ha[h]->value.n == hb[h]->value.n &&
				    strcmp(ha[h]->origin.rule, hb[h]->origin.rule) == 0;
			if (!same)
				fail_msg("spelling %zu: %s %s differs", which, rl_items[i].name,
					 h ? "hard" : "soft");
		}
	}
}

static void test_spellings_equal(void **state)
{
	(void)state;
	struct rl_host host = {.ram_bytes = 16ULL << 30, .nr_open = 1048576};
	struct rl_ident ids[4];
	gid_t research = 1500, g3500 = 3500;
	assert_int_equal(rl_ident_make("alice", 1000, 100, &research, 1, &ids[0]), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[0], "research", true, research), RL_OK);
	assert_int_equal(rl_ident_make("bob", 2500, 100, &g3500, 1, &ids[1]), RL_OK);
	assert_int_equal(rl_ident_make("root", 0, 0, NULL, 0, &ids[2]), RL_OK);
	assert_int_equal(rl_ident_make("carol", 5000, 5000, NULL, 0, &ids[3]), RL_OK);

	struct rl_result ref[4];
	for (size_t s = 0; s < sizeof(spellings) / sizeof(spellings[0]); s++) {
		struct rl_policy *p;
		if (load_doc(spellings[s], &p, &cap) != RL_OK || cap.n) {
			cap_dump(&cap, "messages");
			fail_msg("spelling %zu does not load", s);
		}
		assert_int_equal(rl_policy_rule_count(p), 5);
		assert_int_equal(rl_policy_combine(p), RL_COMBINE_MIN);
		for (int u = 0; u < 4; u++) {
			struct rl_result r = {0};
			assert_int_equal(rl_resolve(p, &ids[u], &host, &r), RL_OK);
			if (s == 0) {
				ref[u] = r; /* ref[u] owns it now */
			} else {
				same_values(&ref[u], &r, s);
				rl_result_free(&r);
			}
		}
		rl_policy_free(p);
	}
	/* And the reference itself is what the text says. */
	int as = rl_item_lookup("as", 2), data = rl_item_lookup("data", 4),
	    cpu = rl_item_lookup("cpu", 3), nproc = rl_item_lookup("nproc", 5),
	    nofile = rl_item_lookup("nofile", 6);
	assert_int_equal(ref[0].item[as].hard.rlim, RLIM_INFINITY);
	assert_int_equal(ref[0].item[data].soft.rlim, 32ULL << 30);
	assert_int_equal(ref[0].item[data].hard.rlim, 48ULL << 30);
	assert_int_equal(ref[1].item[cpu].soft.rlim, 5400);
	assert_int_equal(ref[1].item[nproc].hard.rlim, 200);
	assert_int_equal(ref[1].item[as].soft.rlim, 8ULL << 30);
	assert_int_equal(ref[3].item[nofile].soft.rlim, 1024);
	assert_int_equal(ref[3].item[nofile].hard.rlim, 4096);
	assert_false(rl_result_any(&ref[2]));
	for (int u = 0; u < 4; u++)
		rl_ident_free(&ids[u]);
	for (size_t i_ = 0; i_ < 4; i_++)
		rl_result_free(&ref[i_]);
}

static void test_valid_odds_and_ends(void **state)
{
	(void)state;
	expect_valid("version: 1\n", 0);
	expect_valid("version: 1\nusers: {}\ngroups: {}\n", 0);
	/* A rule that sets nothing is valid and not kept. */
	expect_valid("version: 1\ndefault: {}\n", 0);
	expect_valid("version: 1\nusers: {alice: {}, \"uid:5-9\": {}}\ngroups: {staff: {}}\n", 0);
	expect_valid("{\"version\": 1}", 0);
	expect_valid("version: 1", 0); /* no final newline */
	expect_valid("version: 1\ndefault:\n  as: {soft: 1G}\n  data: {hard: 2G}\n", 1);
	expect_valid("version: 1\nusers:\n  alice: {nice: -20, rtprio: 99, rttime: 5ms}\n", 1);
}

/* ----------------------------------------------------- files on disk */

struct tmp {
	char *dir;
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->dir = tmp_dir();
	nopened = 0;
	proc_reopens = 0;
	piece = 0;
	getdents_calls = listings = rename_at = call_in_listing = 0;
	rename_always = renamed = false;
	redirect_conf = redirect_confdir = NULL;
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	redirect_conf = redirect_confdir = NULL;
	rm_rf(t->dir);
	free(t->dir);
	free(t);
	return 0;
}

/* line with every "dir/" taken out (the fixtures name files without folders). */
static const char *strip(const char *line, const char *dir)
{
	static char out[CAP_LINE_MAX];
	size_t n = strlen(dir), o = 0;
	while (*line && o + 1 < sizeof(out)) {
		if (strncmp(line, dir, n) == 0 && line[n] == '/') {
			line += n + 1;
			continue;
		}
		out[o++] = *line++;
	}
	out[o] = '\0';
	return out;
}

static void test_dropin_byte_order(void **state)
{
	struct tmp *t = *state;
	static const char *const names[] = {"b.yaml",   "a.yaml",  "B.yaml",     "10-x.yaml",
					    "9-x.yaml", "_z.yaml", "a.yaml.yaml"};
	static const char *const order[] = {"10-x.yaml", "9-x.yaml",    "B.yaml", "_z.yaml",
					    "a.yaml",    "a.yaml.yaml", "b.yaml"};
	char *main_conf = put_file(t->dir, "main.yaml", "version: 1\nnope: 1\n");
	char *d = make_dir(t->dir, "conf.d", 0755);
	char text[128];
	for (size_t i = 0; i < 7; i++) {
		snprintf(text, sizeof(text), "version: 1\nfrom-%s: 1\n", names[i]);
		free(put_file(d, names[i], text));
	}
	struct rl_policy *p;
	assert_int_equal(load_files(main_conf, d, &p, &cap), RL_EINVALID);
	assert_null(p);
	/* One error per file, in the order the files were read. */
	assert_int_equal(cap.n, 8);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:1: unknown key \"nope\" " TOPKEYS, main_conf);
	assert_string_equal(cap.line[0], want);
	for (size_t i = 0; i < 7; i++) {
		snprintf(want, sizeof(want), "%s/%s:2:1: unknown key \"from-%s\" " TOPKEYS, d,
			 order[i], order[i]);
		assert_string_equal(cap.line[i + 1], want);
	}

	/* Valid files: the last in byte order sets the item. */
	free(put_file(t->dir, "main.yaml", "version: 1\ndefault: {nofile: 1}\n"));
	for (size_t i = 0; i < 7; i++) {
		snprintf(text, sizeof(text), "version: 1\ndefault: {nofile: %zu}\n", 100 + i);
		free(put_file(d, names[i], text));
	}
	assert_int_equal(load_files(main_conf, d, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_file_count(p), 8);
	assert_int_equal(rl_policy_rule_count(p), 1);
	struct rl_ident id;
	struct rl_result r = {0};
	struct rl_host host = {.ram_bytes = 1ULL << 30, .nr_open = 1 << 20};
	assert_int_equal(rl_ident_make("u", 1000, 1000, NULL, 0, &id), RL_OK);
	assert_int_equal(rl_resolve(p, &id, &host, &r), RL_OK);
	int nofile = rl_item_lookup("nofile", 6);
	assert_int_equal(r.item[nofile].hard.rlim, 100); /* b.yaml was names[0] */
	snprintf(want, sizeof(want), "%s/b.yaml", d);
	assert_string_equal(r.item[nofile].hard.origin.file, want);
	rl_ident_free(&id);
	rl_policy_free(p);
	free(main_conf);
	free(d);
	rl_result_free(&r);
}

static void test_dropin_names_skipped(void **state)
{
	struct tmp *t = *state;
	char *d = make_dir(t->dir, "conf.d", 0755);
	/* Anything read from these would be a syntax error. */
	static const char *const skipped[] = {".hidden.yaml", ".yaml",       "x.yml",  "x.yaml~",
					      "x.yaml.bak",   "README",      "x.YAML", "yaml",
					      "x.yaml.swp",   ".x.yaml.swp", "x.json", "xyaml"};
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		free(put_file(d, skipped[i], "[ not yaml\n"));
	free(make_dir(d, "sub.d", 0755));
	free(put_file(d, "real.yaml", "version: 1\ndefault: {core: 0}\n"));
	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\n");
	struct rl_policy *p;
	if (load_files(conf, d, &p, &cap) != RL_OK) {
		cap_dump(&cap, "messages");
		fail();
	}
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_file_count(p), 2);
	assert_int_equal(rl_policy_rule_count(p), 1);
	rl_policy_free(p);
	/* An empty folder adds nothing. */
	char *empty = make_dir(t->dir, "empty.d", 0755);
	assert_int_equal(load_files(conf, empty, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 1);
	rl_policy_free(p);
	free(empty);
	free(conf);
	free(d);
}

static void test_missing_default_conf(void **state)
{
	struct tmp *t = *state;
	char *conf = path_join(t->dir, "absent.yaml");
	char *dir = path_join(t->dir, "absent.d");
	redirect_conf = conf;
	redirect_confdir = dir;
	struct rl_policy *p = NULL;
	assert_int_equal(load_files(NULL, NULL, &p, &cap), RL_OK);
	assert_non_null(p);
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_file_count(p), 0);
	assert_int_equal(rl_policy_rule_count(p), 0);
	/* Both defaults were tried. */
	assert_true(was_opened(default_conf()));
	assert_true(was_opened(default_confdir()));
	rl_policy_free(p);

	/* The default folder alone, without the default file, is read. */
	free(make_dir(t->dir, "absent.d", 0755));
	free(put_file(dir, "10-site.yaml", "version: 1\ndefault: {core: 0}\n"));
	assert_int_equal(load_files(NULL, NULL, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 1);
	assert_int_equal(rl_policy_rule_count(p), 1);
	rl_policy_free(p);

	/* Both present: both read, file then folder. */
	free(put_file(t->dir, "absent.yaml", "version: 1\nusers: {alice: {as: 1G}}\n"));
	assert_int_equal(load_files(NULL, NULL, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 2);
	assert_int_equal(rl_policy_rule_count(p), 2);
	rl_policy_free(p);

	/* An explicit confdir with the default conf: the default conf is still optional. */
	unlink(conf);
	assert_int_equal(load_files(NULL, dir, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 1);
	rl_policy_free(p);
	free(conf);
	free(dir);
}

static void test_missing_explicit_conf(void **state)
{
	struct tmp *t = *state;
	char *conf = path_join(t->dir, "absent.yaml");
	char want[PATH_MAX + 64];
	struct rl_policy *p = (struct rl_policy *)1;
	assert_int_equal(load_files(conf, NULL, &p, &cap), RL_EIO);
	assert_null(p);
	snprintf(want, sizeof(want), "%s: no such file", conf);
	CAP_EXPECT(&cap, want);

	/* An explicit folder that is missing is an error too. */
	char *ok = put_file(t->dir, "ok.yaml", "version: 1\n");
	char *dir = path_join(t->dir, "absent.d");
	assert_int_equal(load_files(ok, dir, &p, &cap), RL_EIO);
	assert_null(p);
	snprintf(want, sizeof(want), "%s: no such directory", dir);
	CAP_EXPECT(&cap, want);

	/* RL_EIO outranks RL_EINVALID, and both are reported. */
	char *d = make_dir(t->dir, "conf.d", 0755);
	free(put_file(d, "a.yaml", "version: 9\n"));
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EIO);
	char want2[PATH_MAX + 128];
	snprintf(want, sizeof(want), "%s: no such file", conf);
	snprintf(want2, sizeof(want2),
		 "%s/a.yaml:1:10: version: unsupported version \"9\" (this pam_rlimit reads "
		 "version 1)",
		 d);
	CAP_EXPECT(&cap, want, want2);
	free(d);
	free(ok);
	free(dir);
	free(conf);
}

static void test_conf_without_confdir(void **state)
{
	struct tmp *t = *state;
	/* The default folder holds a broken drop-in: reading it would fail. */
	char *dir = make_dir(t->dir, "default.d", 0755);
	free(put_file(dir, "bad.yaml", "[ broken\n"));
	redirect_confdir = dir;
	char *conf = put_file(t->dir, "main.yaml", "version: 1\ndefault: {core: 0}\n");
	struct rl_policy *p;
	nopened = 0;
	assert_int_equal(load_files(conf, NULL, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_file_count(p), 1);
	assert_false(was_opened(default_confdir()));
	assert_false(was_opened(default_conf()));
	assert_true(was_opened(conf));
	rl_policy_free(p);
	/* The same redirection does reach the loader when the defaults are used. */
	redirect_conf = conf;
	assert_int_equal(load_files(NULL, NULL, &p, &cap), RL_EINVALID);
	assert_true(was_opened(default_confdir()));
	free(conf);
	free(dir);
}

static void test_dropins_merge_and_overlap(void **state)
{
	struct tmp *t = *state;
	char *conf =
	    put_file(t->dir, "rlimit.yaml", "version: 1\nusers:\n  \"uid:1000-1999\": {as: 1G}\n");
	char *d = make_dir(t->dir, "rlimit.d", 0755);
	free(put_file(d, "50-more.yaml", "version: 1\n\nusers:\n  \"uid:1500-2500\": {as: 1G}\n"));
	struct rl_policy *p;
	char want[PATH_MAX * 2 + 128];
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EINVALID);
	snprintf(want, sizeof(want),
		 "%s/50-more.yaml:4:3: users.uid:1500-2500 overlaps uid:1000-1999 (%s:3)", d, conf);
	CAP_EXPECT(&cap, want);
	/* A valid main file and an invalid drop-in: the whole policy is refused. */
	free(put_file(d, "50-more.yaml", "version: 1\ndefault: {as: 1 G}\n"));
	free(put_file(d, "60-fine.yaml", "version: 1\ndefault: {data: 1G}\n"));
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EINVALID);
	assert_null(p);
	snprintf(want, sizeof(want),
		 "%s/50-more.yaml:2:15: invalid value \"1 G\" for as: white space is not allowed "
		 "inside a value; %s",
		 d, EXP_SIZE_PCT);
	CAP_EXPECT(&cap, want);
	free(conf);
	free(d);
}

static void test_trust(void **state)
{
	struct tmp *t = *state;
	char *conf = write_file(t->dir, "g.yaml", "version: 1\n", 11, 0664);
	char want[PATH_MAX + 128];
	struct rl_policy *p;
	assert_int_equal(load_files(conf, NULL, &p, &cap), RL_EUNTRUSTED);
	assert_null(p);
	snprintf(want, sizeof(want),
		 "%s: refused: writable by its group (mode 0664); run chmod go-w on it", conf);
	CAP_EXPECT(&cap, want);
	free(conf);
	conf = write_file(t->dir, "o.yaml", "version: 1\n", 11, 0646);
	assert_int_equal(load_files(conf, NULL, &p, &cap), RL_EUNTRUSTED);
	snprintf(want, sizeof(want),
		 "%s: refused: writable by others (mode 0646); run chmod go-w on it", conf);
	CAP_EXPECT(&cap, want);
	free(conf);
	/* A drop-in folder writable by others. */
	char *d = make_dir(t->dir, "open.d", 0777);
	conf = put_file(t->dir, "ok.yaml", "version: 1\n");
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EUNTRUSTED);
	snprintf(want, sizeof(want),
		 "%s: refused: writable by others (mode 0777); run chmod go-w on it", d);
	CAP_EXPECT(&cap, want);
	free(d);
	/* A folder where a file belongs, and a file where a folder belongs. */
	d = make_dir(t->dir, "dir.yaml", 0755);
	assert_int_equal(load_files(d, NULL, &p, &cap), RL_EUNTRUSTED);
	snprintf(want, sizeof(want), "%s: refused: not a regular file", d);
	CAP_EXPECT(&cap, want);
	assert_int_equal(load_files(conf, conf, &p, &cap), RL_EUNTRUSTED);
	snprintf(want, sizeof(want), "%s: refused: not a directory", conf);
	CAP_EXPECT(&cap, want);
	free(d);

	/* Owner: only root and the trusted uid. */
	struct rl_load_opts o = rl_load_opts_for(conf, NULL);
	o.trusted_uid = (uid_t)-1;
	struct rl_sink sink = cap_sink(&cap);
	if (getuid() == 0) {
		assert_int_equal(chown(conf, 65534, 65534), 0);
		o.trusted_uid = 0;
		assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EUNTRUSTED);
		snprintf(want, sizeof(want), "%s: refused: owned by uid 65534, not root", conf);
		CAP_EXPECT(&cap, want);
		o.trusted_uid = 65534;
		assert_int_equal(rl_policy_load(&o, &p, &sink), RL_OK);
		rl_policy_free(p);
	} else {
		assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EUNTRUSTED);
		snprintf(want, sizeof(want), "%s: refused: owned by uid %u, not root", conf,
			 (unsigned)getuid());
		CAP_EXPECT(&cap, want);
	}
	free(conf);
}

/*
 * A file wrong in owner (when root can make it so) and in mode, with an
 * error inside, in a drop-in folder writable by its group holding another
 * error.  As the module loads: both trust problems of each, and not a byte
 * of content read.  With read_untrusted (rlimit-policy check): the content
 * errors too, still RL_EUNTRUSTED and no policy.  A FIFO is never opened.
 */
static void test_trust_reports_all(void **state)
{
	struct tmp *t = *state;
	bool root = getuid() == 0;
	char *conf = write_file(t->dir, "loose.yaml", "version: 1\ndefault: {as: 10x}\n", 30, 0666);
	char *d = make_dir(t->dir, "loose.d", 0775);
	free(put_file(d, "10-a.yaml", "version: 1\nusers:\n  bob: {fsize: -1}\n"));
	if (root)
		assert_int_equal(chown(conf, 65534, 65534), 0);
	char owner[PATH_MAX + 64] = "", mode[PATH_MAX + 128], dmode[PATH_MAX + 128];
	char content[PATH_MAX + 256], dcontent[PATH_MAX + 256];
	if (root)
		snprintf(owner, sizeof(owner), "%s: refused: owned by uid 65534, not root", conf);
	snprintf(mode, sizeof(mode),
		 "%s: refused: writable by others (mode 0666); run chmod go-w on it", conf);
	snprintf(dmode, sizeof(dmode),
		 "%s: refused: writable by its group (mode 0775); run chmod go-w on it", d);
	snprintf(content, sizeof(content),
		 "%s:2:15: invalid value \"10x\" for as: unknown unit \"x\"; %s", conf,
		 EXP_SIZE_PCT);
	snprintf(dcontent, sizeof(dcontent),
		 "%s/10-a.yaml:3:16: invalid value \"-1\" for fsize: negative values are not "
		 "allowed; %s",
		 d, EXP_SIZE);

	struct rl_load_opts o = rl_load_opts_for(conf, d);
	o.trusted_uid = (uid_t)-1;
	struct rl_sink sink = cap_sink(&cap);
	struct rl_policy *p = (struct rl_policy *)&o; /* must be set to NULL */
	if (!root)
		o.trusted_uid = getuid();
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EUNTRUSTED);
	assert_null(p);
	if (root)
		CAP_EXPECT(&cap, owner, mode, dmode);
	else
		CAP_EXPECT(&cap, mode, dmode);

	o.read_untrusted = true;
	sink = cap_sink(&cap);
	p = (struct rl_policy *)&o;
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EUNTRUSTED);
	assert_null(p);
	if (root)
		CAP_EXPECT(&cap, owner, mode, content, dmode, dcontent);
	else
		CAP_EXPECT(&cap, mode, content, dmode, dcontent);

	/* The wrong type is never read, read_untrusted or not. */
	char *fifo = path_join(t->dir, "fifo.yaml");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	o.conf = fifo;
	o.confdir = NULL;
	sink = cap_sink(&cap);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s: refused: not a regular file", fifo);
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EUNTRUSTED);
	CAP_EXPECT(&cap, want);
	free(fifo);
	free(conf);
	free(d);
}

/* A unix socket bound at dir/name (a listener nobody serves). */
static void make_socket(const char *dir, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof(sa.sun_path));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
}

/*
 * What would be refused is never opened: a device (through a link), a FIFO
 * and a socket are only resolved (O_PATH), refused for their type, and
 * never opened again through /proc.  A regular file is opened once that
 * way; links, a chain of them too, keep working; a loop of links is an
 * error that says so.
 */
static void test_never_opens_refused(void **state)
{
	struct tmp *t = *state;
	char want[PATH_MAX + 128];
	struct rl_policy *p;

	char *dev = path_join(t->dir, "dev.yaml");
	assert_int_equal(symlink("/dev/null", dev), 0);
	assert_int_equal(load_files(dev, NULL, &p, &cap), RL_EUNTRUSTED);
	snprintf(want, sizeof(want), "%s: refused: not a regular file", dev);
	CAP_EXPECT(&cap, want);
	assert_true(only_resolved(dev));
	assert_int_equal(proc_reopens, 0);

	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\n");
	char *d = make_dir(t->dir, "odd.d", 0755);
	char *fifo = path_join(d, "10-fifo.yaml");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(chmod(fifo, 0644), 0);
	make_socket(d, "20-sock.yaml");
	char *zero = path_join(d, "30-zero.yaml");
	assert_int_equal(symlink("/dev/zero", zero), 0);
	nopened = 0;
	proc_reopens = 0;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EUNTRUSTED);
	char w1[PATH_MAX + 64], w2[PATH_MAX + 64], w3[PATH_MAX + 64];
	snprintf(w1, sizeof(w1), "%s: refused: not a regular file", fifo);
	snprintf(w2, sizeof(w2), "%s/20-sock.yaml: refused: not a regular file", d);
	snprintf(w3, sizeof(w3), "%s: refused: not a regular file", zero);
	CAP_EXPECT(&cap, w1, w2, w3);
	/* Drop-ins are opened by name in the folder. */
	assert_true(only_resolved("10-fifo.yaml"));
	assert_true(only_resolved("20-sock.yaml"));
	assert_true(only_resolved("30-zero.yaml"));
	assert_int_equal(proc_reopens, 1); /* rlimit.yaml, and nothing else */

	/* Links the docs allow: to a file, and a chain of two. */
	char *real = put_file(t->dir, "real.yaml", "version: 1\ndefault: {core: 0}\n");
	char *l1 = path_join(t->dir, "l1.yaml"), *l2 = path_join(t->dir, "l2.yaml");
	assert_int_equal(symlink(real, l1), 0);
	assert_int_equal(symlink("l1.yaml", l2), 0);
	proc_reopens = 0;
	assert_int_equal(load_files(l2, NULL, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	assert_int_equal(rl_policy_rule_count(p), 1);
	assert_int_equal(proc_reopens, 1);
	rl_policy_free(p);

	/* A loop of links. */
	char *a = path_join(t->dir, "loop-a.yaml"), *b = path_join(t->dir, "loop-b.yaml");
	assert_int_equal(symlink("loop-b.yaml", a), 0);
	assert_int_equal(symlink("loop-a.yaml", b), 0);
	assert_int_equal(load_files(a, NULL, &p, &cap), RL_EIO);
	snprintf(want, sizeof(want), "%s: cannot open: Too many levels of symbolic links", a);
	CAP_EXPECT(&cap, want);

	char *pieces[] = {dev, conf, d, fifo, zero, real, l1, l2, a, b};
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		free(pieces[i]);
}

/*
 * Without /proc a checked file cannot be opened as the inode that was
 * checked: the load fails, and says why.  Run in a child with a mount
 * namespace of its own where /proc is unmounted (root only).
 */
static void test_no_proc(void **state)
{
	struct tmp *t = *state;
	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\ndefault: {core: 0}\n");
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		 "%s: cannot open: /proc is not mounted, and without it a checked file cannot "
		 "be opened safely",
		 conf);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char why[64] = "";
		if (getuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    umount2("/proc", MNT_DETACH) != 0)
			snprintf(why, sizeof(why), "skip: %s", strerror(errno));
		else {
			struct rl_policy *p;
			enum rl_status st = load_files(conf, NULL, &p, &cap);
			snprintf(why, sizeof(why), "%d %zu", (int)st, cap.n);
			if (st == RL_EIO && cap.n == 1 && strcmp(cap.line[0], want) == 0)
				snprintf(why, sizeof(why), "ok");
			else if (cap.n)
				fprintf(stderr, "got: %s\n", cap.line[0]);
		}
		_exit(write(fds[1], why, sizeof(why)) == (ssize_t)sizeof(why) ? 0 : 1);
	}
	close(fds[1]);
	char why[64] = "";
	ssize_t got = read(fds[0], why, sizeof(why));
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(conf);
	assert_int_equal(got, (ssize_t)sizeof(why));
	if (strncmp(why, "skip: ", 6) == 0) {
		print_message(
		    "[   SKIP   ] needs root and a mount namespace to unmount /proc (%s)\n",
		    why + 6);
		skip();
	}
	if (strcmp(why, "ok") != 0)
		fail_msg("without /proc: status and message count %s, want RL_EIO and: %s", why,
			 want);
}

/* A folder of n names that are not read, and 50-a.yaml; returns its path. */
static char *filled_dir(const char *dir, unsigned n)
{
	char *d = make_dir(dir, "big.d", 0755);
	char name[64];
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "filler-%05u-not-a-policy.txt", i);
		free(put_file(d, name, ""));
	}
	free(put_file(d, "50-a.yaml", "version: 1\ndefault: {core: 0}\n"));
	return d;
}

/*
 * A folder of 3,000 names is listed in one getdents call (and the one that
 * says the end), a snapshot: a drop-in renamed after it is not listed
 * again, and is then missing, so the policy is refused, not read in half.
 */
static void test_listing_one_call(void **state)
{
	struct tmp *t = *state;
	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\ndefault: {nofile: 100}\n");
	char *d = filled_dir(t->dir, 3000);
	struct rl_policy *p;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 2);
	assert_int_equal(rl_policy_rule_count(p), 1);
	assert_int_equal(getdents_calls, 2);
	rl_policy_free(p);

	rename_dir = d;
	rename_from = "50-a.yaml";
	rename_to = "50-b.yaml";
	rename_at = 1;
	getdents_calls = listings = 0;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EIO);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/50-a.yaml: no such file", d);
	CAP_EXPECT(&cap, want);
	assert_int_equal(listings, 1);
	free(conf);
	free(d);
}

/*
 * tmpfs says 20 bytes an entry in st_size, fewer than a long name's record:
 * the first listing fills the buffer, and the folder is listed again, in
 * one call, with a buffer grown to fit.  (Skipped without a tmpfs at
 * /dev/shm.)
 */
static void test_listing_grows(void **state)
{
	(void)state;
	char tmpl[] = "/dev/shm/rl-unit-XXXXXX";
	struct statfs sf;
	if (statfs("/dev/shm", &sf) != 0 || sf.f_type != TMPFS_MAGIC || !mkdtemp(tmpl)) {
		print_message("[   SKIP   ] no tmpfs to write at /dev/shm\n");
		skip();
	}
	assert_int_equal(chmod(tmpl, 0755), 0);
	char *conf = put_file(tmpl, "rlimit.yaml", "version: 1\ndefault: {nofile: 100}\n");
	char *d = make_dir(tmpl, "long.d", 0755);
	char name[256];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "%0200d.not-a-policy", i);
		free(put_file(d, name, ""));
	}
	free(put_file(d, "50-a.yaml", "version: 1\ndefault: {core: 0}\n"));
	struct rl_policy *p;
	getdents_calls = listings = 0;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 2);
	rl_policy_free(p);
	/* 500 records of 232 bytes: a 32 KiB buffer takes four calls and a
	 * fifth for the end, then one more listing of two. */
	assert_int_equal(listings, 2);
	assert_int_equal(getdents_calls, 5 + 2);
	free(conf);
	free(d);
	rm_rf(tmpl);
}

/*
 * A folder listed in pieces (a file system that answers so): read whole
 * when it holds still; listed again when a drop-in is renamed in the
 * middle, and read whole from the second listing; refused, and said so,
 * when it moves at every listing.
 */
static void test_listing_in_pieces(void **state)
{
	struct tmp *t = *state;
	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\ndefault: {nofile: 100}\n");
	char *d = filled_dir(t->dir, 200);
	struct rl_policy *p;
	piece = 300; /* one or a few names a call; a whole record always fits */
	assert_int_equal(load_files(conf, d, &p, &cap), RL_OK);
	assert_int_equal(rl_policy_file_count(p), 2);
	assert_true(getdents_calls > 10);
	assert_int_equal(listings, 1);
	rl_policy_free(p);

	rename_dir = d;
	rename_from = "50-a.yaml";
	rename_to = "50-b.yaml";
	rename_at = 3;
	listings = 0;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	assert_int_equal(listings, 2);
	assert_int_equal(rl_policy_file_count(p), 2);
	assert_int_equal(rl_policy_rule_count(p), 1);
	rl_policy_free(p);

	rename_always = true;
	listings = 0;
	assert_int_equal(load_files(conf, d, &p, &cap), RL_EIO);
	assert_null(p);
	char want[PATH_MAX + 96];
	snprintf(want, sizeof(want),
		 "%s: cannot list: it changed while it was listed, 4 times in a row", d);
	CAP_EXPECT(&cap, want);
	assert_int_equal(listings, 4);
	free(conf);
	free(d);
}

/*
 * Names in the drop-in folder that look meant to be read but are not: only
 * check (note_ignored) says so, in byte order; hidden names and a README
 * never.  The module's load says nothing and reads the same files.
 */
static void test_ignored_dropin_names(void **state)
{
	struct tmp *t = *state;
	char *conf = put_file(t->dir, "rlimit.yaml", "version: 1\n");
	char *d = make_dir(t->dir, "rlimit.d", 0755);
	free(put_file(d, "10-a.yaml", "version: 1\ndefault: {core: 0}\n"));
	free(put_file(d, "50-lab.yml", "version: 1\ndefault: {as: 1 G}\n"));
	free(put_file(d, "10-a.yaml~", "version: 1\n"));
	free(put_file(d, ".10-a.yaml.swp", "x"));
	free(put_file(d, "README", "x"));
	struct rl_load_opts o = rl_load_opts_for(conf, d);
	o.trusted_uid = getuid();
	for (int note = 0; note <= 1; note++) {
		struct rl_sink sink = cap_sink(&cap);
		struct rl_policy *p = NULL;
		o.note_ignored = note;
		assert_int_equal(rl_policy_load(&o, &p, &sink), RL_OK);
		assert_int_equal(rl_policy_file_count(p), 2);
		rl_policy_free(p);
		assert_int_equal(cap_count(&cap, RL_SEV_ERROR), 0);
		assert_int_equal(cap.n, note ? 2 : 0);
		if (note) {
			char w0[PATH_MAX + 128], w1[PATH_MAX + 128];
			snprintf(w0, sizeof(w0),
				 "%s/10-a.yaml~: ignored: only names that end in .yaml and do not "
				 "start with a dot are read",
				 d);
			snprintf(w1, sizeof(w1),
				 "%s/50-lab.yml: ignored: only names that end in .yaml and do not "
				 "start with a dot are read",
				 d);
			assert_int_equal(cap.sev[0], RL_SEV_WARNING);
			assert_string_equal(cap.line[0], w0);
			assert_string_equal(cap.line[1], w1);
		}
	}
	free(conf);
	free(d);
}

/* ----------------------------------------------------------- fixtures */

static char *fixtures_dir(void)
{
	const char *env = getenv("RL_UNIT_FIXTURES");
	char *d = strdup(env && *env ? env : "tests/fixtures");
	assert_non_null(d);
	struct stat st;
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("fixtures not found at %s (run from the top folder, or set "
			 "RL_UNIT_FIXTURES)",
			 d);
	return d;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted *.yaml names of dir; *n set; caller frees each and the array. */
static char **yaml_names(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("opendir %s: %s", dir, strerror(errno));
	char **v = NULL;
	size_t k = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		v = realloc(v, (k + 1) * sizeof(*v));
		assert_non_null(v);
		v[k] = strdup(de->d_name);
		assert_non_null(v[k]);
		k++;
	}
	closedir(d);
	qsort(v, k, sizeof(*v), name_cmp);
	*n = k;
	return v;
}

/*
 * Copies a fixture into the scratch folder with mode 0644 (a checkout may
 * have any mode and owner) and loads it as the only file.
 */
static enum rl_status load_fixture(const char *scratch, const char *src, const char *name,
				   struct rl_policy **p)
{
	size_t len;
	char *text = read_text(src, &len);
	assert_non_null(text);
	char *copy = write_file(scratch, name, text, len, 0644);
	enum rl_status st = load_files(copy, NULL, p, &cap);
	unlink(copy);
	free(copy);
	free(text);
	return st;
}

static void test_fixtures_valid(void **state)
{
	struct tmp *t = *state;
	char *fx = fixtures_dir();
	char *dir = path_join(fx, "valid");
	size_t n;
	char **names = yaml_names(dir, &n);
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		char *src = path_join(dir, names[i]);
		struct rl_policy *p;
		enum rl_status st = load_fixture(t->dir, src, names[i], &p);
		if (st != RL_OK || cap.n) {
			cap_dump(&cap, names[i]);
			fail_msg("valid/%s: status %d", names[i], st);
		}
		assert_true(rl_policy_rule_count(p) > 0);
		rl_policy_free(p);
		free(src);
		free(names[i]);
	}
	print_message("%zu valid fixtures loaded\n", n);
	free(names);
	free(dir);
	free(fx);
}

static void test_fixtures_invalid(void **state)
{
	struct tmp *t = *state;
	char *fx = fixtures_dir();
	char *dir = path_join(fx, "invalid");
	size_t n;
	char **names = yaml_names(dir, &n);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		char *src = path_join(dir, names[i]);
		char errname[PATH_MAX];
		snprintf(errname, sizeof(errname), "%.*s.err", (int)(strlen(src) - 5), src);
		char *want = read_text(errname, NULL);
		if (!want)
			fail_msg("invalid/%s has no .err file", names[i]);
		want[strcspn(want, "\n")] = '\0';
		struct rl_policy *p;
		enum rl_status st = load_fixture(t->dir, src, names[i], &p);
		if (st != RL_EINVALID || cap.n == 0 ||
		    strcmp(strip(cap.line[0], t->dir), want) != 0) {
			cap_dump(&cap, names[i]);
			fail_msg("invalid/%s: status %d; first error should be\n  %s", names[i], st,
				 want);
		}
		assert_null(p);
		free(want);
		free(src);
		free(names[i]);
	}
	print_message("%zu invalid fixtures gave their exact first error\n", n);
	free(names);
	free(dir);
	free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unknown_top_key),
	    cmocka_unit_test(test_unknown_item),
	    cmocka_unit_test(test_unknown_soft_hard_key),
	    cmocka_unit_test(test_invalid_rule_keys),
	    cmocka_unit_test(test_duplicates_each_level),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_groups_combine_values),
	    cmocka_unit_test(test_uid_ranges_overlap_same_file),
	    cmocka_unit_test(test_uid_ranges_overlap_dropins),
	    cmocka_unit_test(test_reversed_range),
	    cmocka_unit_test(test_soft_above_hard),
	    cmocka_unit_test(test_nice_soft_above_hard),
	    cmocka_unit_test(test_anchors_aliases_tags),
	    cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_wrong_shapes),
	    cmocka_unit_test(test_invalid_values_positions),
	    cmocka_unit_test(test_text_checks),
	    cmocka_unit_test(test_yaml_syntax_errors),
	    cmocka_unit_test(test_nesting_limit),
	    cmocka_unit_test(test_all_errors_reported),
	    cmocka_unit_test(test_error_cap),
	    cmocka_unit_test(test_status_and_reuse),
	    cmocka_unit_test(test_spellings_equal),
	    cmocka_unit_test(test_valid_odds_and_ends),
	    cmocka_unit_test_setup_teardown(test_dropin_byte_order, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_dropin_names_skipped, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_missing_default_conf, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_missing_explicit_conf, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_conf_without_confdir, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_dropins_merge_and_overlap, tmp_setup,
					    tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_trust, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_trust_reports_all, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_never_opens_refused, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_no_proc, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_listing_one_call, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_listing_grows, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_listing_in_pieces, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_ignored_dropin_names, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_fixtures_valid, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(test_fixtures_invalid, tmp_setup, tmp_teardown),
	};
	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
