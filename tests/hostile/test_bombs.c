/*
 * test_bombs.c - resource bombs must be refused quickly and in bounded
 * memory.  Each is made at test time under the 1 MiB cap and loaded in a
 * forked child twice: filtered as the module loads, whole as "check" does.
 * Asserted: the verdict and its diagnostics (at most MAX_DIAGS_PER_FILE a
 * file), the time (BOMB_LIMIT_MS for the module, BOMB_CHECK_LIMIT_MS for
 * the tool) and the peak RSS (BOMB_LIMIT_MIB, BOMB_CHECK_LIMIT_MIB).  An
 * alarm turns a hang into a failure; a table of the measurements ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/testio.h"
#include "rlimit_policy.h"

#define ONE_MIB ((size_t)1024 * 1024)
/* Per file: the library's 50 errors and its "more than 50 errors" line. */
#define MAX_DIAGS_PER_FILE 51
#define CHILD_ALARM_S 20

/* ------------------------------------------------------------------ */
/* A growable text buffer for generating bombs. */

struct text {
	char *b;
	size_t n, cap;
};

static void put(struct text *t, const char *s, size_t len)
{
	if (t->n + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (t->n + len + 1 > cap)
			cap *= 2;
		t->b = realloc(t->b, cap);
		assert_non_null(t->b);
		t->cap = cap;
	}
	memcpy(t->b + t->n, s, len);
	t->n += len;
	t->b[t->n] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct text *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	put(t, buf, (size_t)n);
}

static void repeat(struct text *t, const char *s, size_t times)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < times; i++)
		put(t, s, len);
}

/* ------------------------------------------------------------------ */
/* The folder and the files */

static char workdir[512]; /* short, so every path built on it fits PATH_MAX */

static void write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		fail_msg("create %s: %s", path, strerror(errno));
	if (!tio_write_all(fd, buf, len))
		fail_msg("write %s: %s", path, strerror(errno));
	if (fchmod(fd, 0644) != 0 || close(fd) != 0)
		fail_msg("finish %s: %s", path, strerror(errno));
}

/* Writes t to workdir/name (asserting it fits the 1 MiB cap) and frees t. */
static void save(struct text *t, const char *name, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/%s", workdir, name);
	assert_true(n > 0 && (size_t)n < size);
	if (t->n > ONE_MIB)
		fail_msg("bomb %s is %zu bytes, over the 1 MiB cap: it would test the size check "
			 "instead",
			 name, t->n);
	write_file(path, t->b, t->n);
	free(t->b);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Loading in a child, measuring in the parent */

#define KEEP 4
struct report {
	int status;
	unsigned long ndiag;
	unsigned long max_per_file; /* most diagnostics in a row naming one file */
	char first[KEEP][768];
	char last[768];
	double load_ms;
	size_t rules; /* rules the loaded policy kept */
};

struct counter {
	struct report *r;
	char cur_file[PATH_MAX];
	unsigned long cur_count;
};

static void count_diag(void *ctx, enum rl_severity sev, const char *msg)
{
	struct counter *c = ctx;
	struct report *r = c->r;
	(void)sev;
	if (r->ndiag < KEEP)
		snprintf(r->first[r->ndiag], sizeof(r->first[0]), "%s", msg);
	snprintf(r->last, sizeof(r->last), "%s", msg);
	r->ndiag++;
	/* Messages start with the file name, then ':'. */
	const char *colon = strchr(msg, ':');
	size_t flen = colon ? (size_t)(colon - msg) : strlen(msg);
	if (flen < sizeof(c->cur_file) &&
	    (strlen(c->cur_file) != flen || strncmp(c->cur_file, msg, flen) != 0)) {
		memcpy(c->cur_file, msg, flen);
		c->cur_file[flen] = '\0';
		c->cur_count = 0;
	}
	if (++c->cur_count > r->max_per_file)
		r->max_per_file = c->cur_count;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct measure {
	struct report r;
	double wall_ms;
	long maxrss_kib;
};

static void load_in_child(const char *conf, const char *confdir, bool filtered, struct measure *m)
{
	int fds[2];
	int status;
	struct rusage ru;

	if (pipe(fds) != 0)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		static struct report r;
		struct counter c = {.r = &r};
		struct rl_sink sink = {count_diag, &c};
		struct rl_policy *p = NULL;
		struct rl_load_opts o = rl_load_opts_for(conf, confdir);
		o.trusted_uid = getuid();
		struct rl_ident nobody;
		close(fds[0]);
		alarm(CHILD_ALARM_S);
		/* The module's load: filtered for the user logging in, here one no rule names. */
		if (filtered) {
			if (rl_ident_make("nobody-in-particular", 4000000000u, 4000000000u, NULL, 0,
					  &nobody) != RL_OK)
				_exit(4);
			o.filter = &nobody;
		}
		double l0 = now_ms();
		r.status = rl_policy_load(&o, &p, &sink);
		r.load_ms = now_ms() - l0;
		r.rules = rl_policy_rule_count(p);
		rl_policy_free(p);
		if (filtered)
			rl_ident_free(&nobody);
		_exit(tio_write_all(fds[1], &r, sizeof(r)) ? 0 : 3);
	}
	close(fds[1]);
	memset(m, 0, sizeof(*m));
	size_t got = tio_read_full(fds[0], &m->r, sizeof(m->r));
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			fail_msg("wait4: %s", strerror(errno));
	}
	m->wall_ms = now_ms() - t0;
	m->maxrss_kib = ru.ru_maxrss;
	if (WIFSIGNALED(status))
		fail_msg("the loading child was killed by signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)),
			 WTERMSIG(status) == SIGALRM ? ": it hung" : "");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != sizeof(m->r))
		fail_msg("the loading child failed (exit %d, %zu of %zu report bytes)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, got, sizeof(m->r));
}

/* ------------------------------------------------------------------ */
/* The table printed at the end */

struct row {
	char name[96];
	size_t bytes;
	double wall_ms, load_ms;
	long maxrss_kib;
	unsigned long ndiag;
};
static struct row rows[64];
static size_t nrows;
static long limit_ms = 1000, limit_check_ms = 3000, limit_mib = 64, limit_check_mib = 256;
static long baseline_kib;

static void record(const char *name, size_t bytes, const struct measure *m)
{
	if (nrows < sizeof(rows) / sizeof(rows[0])) {
		struct row *w = &rows[nrows++];
		snprintf(w->name, sizeof(w->name), "%s", name);
		w->bytes = bytes;
		w->wall_ms = m->wall_ms;
		w->load_ms = m->r.load_ms;
		w->maxrss_kib = m->maxrss_kib;
		w->ndiag = m->r.ndiag;
	}
	print_message("[  MEASURE ] %s: %zu bytes, %.1f ms (load %.1f ms), peak RSS %ld KiB, "
		      "%lu diagnostics\n",
		      name, bytes, m->wall_ms, m->r.load_ms, m->maxrss_kib, m->r.ndiag);
}

static size_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* msg with every "WORKDIR/" removed, so expectations need not know the folder. */
static const char *strip_dir(const char *msg)
{
	static char out[768];
	char pre[PATH_MAX + 1];
	size_t o = 0, plen;
	snprintf(pre, sizeof(pre), "%s/", workdir);
	plen = strlen(pre);
	for (const char *p = msg; *p && o + 1 < sizeof(out);) {
		if (strncmp(p, pre, plen) == 0) {
			p += plen;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static bool has_diag(const struct report *r, const char *want)
{
	for (unsigned long i = 0; i < r->ndiag && i < KEEP; i++)
		if (strcmp(strip_dir(r->first[i]), want) == 0)
			return true;
	return r->ndiag > 0 && strcmp(strip_dir(r->last), want) == 0;
}

static void dump(const struct report *r)
{
	for (unsigned long i = 0; i < r->ndiag && i < KEEP; i++)
		print_error("  diagnostic %lu: %s\n", i + 1, r->first[i]);
	if (r->ndiag > KEEP)
		print_error("  last (%lu): %s\n", r->ndiag, r->last);
}

/*
 * Loads the bomb twice, as the module does (filtered for the user logging
 * in) and as "rlimit-policy check" does (unfiltered, every rule kept), and
 * checks both.  want: the status; first: the exact first diagnostic (without
 * the folder), NULL for none at all; also: another that must be among the
 * first KEEP or be the last, or NULL.
 */
static size_t check_one(const char *name, const char *conf, const char *confdir, size_t bytes,
			bool filtered, enum rl_status want, const char *first, const char *also)
{
	char label[96];
	struct measure m;
	long mib = filtered ? limit_mib : limit_check_mib;
	long ms = filtered ? limit_ms : limit_check_ms;

	snprintf(label, sizeof(label), "%s [%s]", name, filtered ? "module" : "check");
	load_in_child(conf, confdir, filtered, &m);
	record(label, bytes, &m);
	if (m.r.status != (int)want) {
		dump(&m.r);
		fail_msg("%s: status \"%s\", expected \"%s\"", label,
			 rl_status_str((enum rl_status)m.r.status), rl_status_str(want));
	}
	if (!first && m.r.ndiag != 0) {
		dump(&m.r);
		fail_msg("%s: %lu diagnostics, expected none", label, m.r.ndiag);
	}
	if (first && (m.r.ndiag == 0 || strcmp(strip_dir(m.r.first[0]), first) != 0)) {
		print_error("%s: first diagnostic differs\n  expected: %s\n", label, first);
		dump(&m.r);
		fail();
	}
	if (also && !has_diag(&m.r, also)) {
		print_error("%s: missing diagnostic: %s\n", label, also);
		dump(&m.r);
		fail();
	}
	if (m.r.max_per_file > MAX_DIAGS_PER_FILE) {
		dump(&m.r);
		fail_msg("%s: %lu diagnostics for one file (bound %d): reporting is unbounded",
			 label, m.r.max_per_file, MAX_DIAGS_PER_FILE);
	}
	if (m.wall_ms > (double)ms)
		fail_msg("%s: %.1f ms, over %ld ms", label, m.wall_ms, ms);
	if (m.maxrss_kib > mib * 1024)
		fail_msg("%s: peak RSS %ld KiB, over %ld MiB", label, m.maxrss_kib, mib);
	return m.r.rules;
}

static void check_load(const char *name, const char *conf, const char *confdir, size_t bytes,
		       enum rl_status want, const char *first, const char *also)
{
	check_one(name, conf, confdir, bytes, true, want, first, also);
	check_one(name, conf, confdir, bytes, false, want, first, also);
}

static void check_bomb(const char *name, const char *conf, const char *confdir, size_t bytes,
		       const char *first, const char *also)
{
	check_load(name, conf, confdir, bytes, RL_EINVALID, first, also);
}

/* ------------------------------------------------------------------ */
/* The bombs */

/* What a small valid load costs, for the table. */
static void test_baseline(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	struct measure m;
	(void)state;
	puts_(&t, "version: 1\ndefault:\n  as: 50%\n  nofile: 1024\n");
	save(&t, "baseline.yaml", path, sizeof(path));
	load_in_child(path, NULL, true, &m);
	record("valid 4-line policy (baseline) [module]", file_size(path), &m);
	assert_int_equal(m.r.status, RL_OK);
	assert_int_equal(m.r.ndiag, 0);
	baseline_kib = m.maxrss_kib;
}

/*
 * Ten levels of ten aliases each: 10^10 "lol"s if anything expanded them.
 * The anchors sit where the loader reads, so they are what it reports.
 */
static void test_billion_laughs(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\nusers:\n  lol0: &a0 {as: 1G, data: 1G, core: 0}\n");
	for (int lvl = 1; lvl < 10; lvl++) {
		putf(&t, "  lol%d: &a%d [", lvl, lvl);
		for (int i = 0; i < 10; i++)
			putf(&t, "%s*a%d", i ? ", " : "", lvl - 1);
		puts_(&t, "]\n");
	}
	puts_(&t, "default: *a9\n");
	size_t bytes = t.n;
	save(&t, "billion-laughs.yaml", path, sizeof(path));
	check_bomb("billion laughs (10^10 via aliases)", path, NULL, bytes,
		   "billion-laughs.yaml:3:9: anchors (&a0) are not allowed in a policy",
		   "billion-laughs.yaml:4:9: anchors (&a1) are not allowed in a policy");
}

/* An alias bomb whose aliases come first, in a value the loader reads. */
static void test_alias_values(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault:\n  as: &x 1G\n");
	for (int i = 0; i < 20000; i++)
		putf(&t, "  i%d: *x\n", i);
	size_t bytes = t.n;
	save(&t, "alias-values.yaml", path, sizeof(path));
	check_bomb("20,000 aliases of one anchor", path, NULL, bytes,
		   "alias-values.yaml:3:7: anchors (&x) are not allowed in a policy",
		   "alias-values.yaml:53:3: more than 50 errors, stopped reading");
}

static void test_nested_flow_sequences(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault: ");
	repeat(&t, "[", 100000);
	repeat(&t, "]", 100000);
	puts_(&t, "\n");
	size_t bytes = t.n;
	save(&t, "flow-seq.yaml", path, sizeof(path));
	/* default: starts at column 10; the 33rd "[" is at column 42. */
	check_bomb("100,000 nested flow sequences", path, NULL, bytes,
		   "flow-seq.yaml:2:10: default: expected a mapping of limit items, found a list",
		   "flow-seq.yaml:2:42: nesting deeper than 32 levels");
}

static void test_nested_flow_sequences_unclosed(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	repeat(&t, "[", ONE_MIB - 1);
	size_t bytes = t.n;
	save(&t, "flow-seq-open.yaml", path, sizeof(path));
	check_bomb("1,048,575 unclosed '[' as the whole file", path, NULL, bytes,
		   "flow-seq-open.yaml:1:1: policy: expected a mapping with version: 1, found a "
		   "list",
		   "flow-seq-open.yaml:1:33: nesting deeper than 32 levels");
}

static void test_nested_flow_mappings(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault: ");
	repeat(&t, "{a: ", 100000);
	puts_(&t, "1");
	repeat(&t, "}", 100000);
	puts_(&t, "\n");
	size_t bytes = t.n;
	save(&t, "flow-map.yaml", path, sizeof(path));
	/*
	 * The first "{" (column 10) is default's body; its key "a" is unknown and
	 * its value, from column 14, is skipped: the 33rd "{" of it is at
	 * column 14 + 4 * 32.
	 */
	check_bomb("100,000 nested flow mappings", path, NULL, bytes,
		   "flow-map.yaml:2:11: default: unknown item \"a\" (items are as, data, rss, "
		   "stack, core, cpu, fsize, nofile, nproc, memlock, locks, sigpending, msgqueue, "
		   "nice, rtprio, rttime, maxlogins, maxsyslogins, priority, nonewprivs)",
		   "flow-map.yaml:2:142: nesting deeper than 32 levels");
}

/* "{{{{...": mappings as keys of mappings, the scanner's simple-key path. */
static void test_nested_flow_mapping_keys(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\n");
	repeat(&t, "{", 100000);
	repeat(&t, "}", 100000);
	puts_(&t, "\n");
	size_t bytes = t.n;
	save(&t, "flow-map-keys.yaml", path, sizeof(path));
	check_bomb("100,000 nested flow mappings as keys", path, NULL, bytes,
		   "flow-map-keys.yaml:2:1026: YAML syntax error: could not find expected ':' "
		   "(while scanning a simple key at line 2)",
		   NULL);
}

static void test_nested_block_sequences(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault:\n");
	repeat(&t, "- ", 100000);
	puts_(&t, "x\n");
	size_t bytes = t.n;
	save(&t, "block-seq.yaml", path, sizeof(path));
	check_bomb("100,000 nested block sequences", path, NULL, bytes,
		   "block-seq.yaml:3:1: default: expected a mapping of limit items, found a list",
		   "block-seq.yaml:3:65: nesting deeper than 32 levels");
}

/* As deep as indentation allows under 1 MiB: line i is indented i spaces. */
static void test_nested_block_mappings(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	const int depth = 1400;
	(void)state;
	puts_(&t, "version: 1\ndefault:\n");
	for (int i = 1; i <= depth; i++) {
		repeat(&t, " ", (size_t)i);
		puts_(&t, i < depth ? "a:\n" : "a: 1\n");
	}
	size_t bytes = t.n;
	save(&t, "block-map.yaml", path, sizeof(path));
	/*
	 * Line 3 is default's body; "a" is unknown; its value, skipped, nests
	 * from line 4: depth 33 is line 36, indented 34 spaces.
	 */
	check_bomb("1,400 nested block mappings (1 MiB of indentation)", path, NULL, bytes,
		   "block-map.yaml:3:2: default: unknown item \"a\" (items are as, data, rss, "
		   "stack, core, cpu, fsize, nofile, nproc, memlock, locks, sigpending, msgqueue, "
		   "nice, rtprio, rttime, maxlogins, maxsyslogins, priority, nonewprivs)",
		   "block-map.yaml:36:35: nesting deeper than 32 levels");
}

static void big_scalar(struct text *t, char c)
{
	repeat(t,
	       c == '1' ? "1111111111111111111111111111111111111111111111111111111111111111"
			: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	       500 * 1024 / 64);
}

static void test_scalar_value_plain(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault:\n  as: ");
	big_scalar(&t, '1');
	puts_(&t, "\n");
	size_t bytes = t.n;
	save(&t, "scalar-value.yaml", path, sizeof(path));
	check_bomb("500 KiB plain scalar as a value", path, NULL, bytes,
		   "scalar-value.yaml:3:7: text longer than 4096 bytes", NULL);
}

static void test_scalar_value_quoted(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault:\n  as: \"");
	big_scalar(&t, '1');
	puts_(&t, "\"\n");
	size_t bytes = t.n;
	save(&t, "scalar-quoted.yaml", path, sizeof(path));
	check_bomb("500 KiB double-quoted scalar as a value", path, NULL, bytes,
		   "scalar-quoted.yaml:3:7: text longer than 4096 bytes", NULL);
}

static void test_scalar_value_literal(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\ndefault:\n  as: |\n");
	for (int i = 0; i < 8000; i++)
		puts_(&t, "    xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
	size_t bytes = t.n;
	save(&t, "scalar-literal.yaml", path, sizeof(path));
	check_bomb("500 KiB literal block scalar (8,000 lines)", path, NULL, bytes,
		   "scalar-literal.yaml:3:7: text longer than 4096 bytes", NULL);
}

static void test_scalar_key_quoted(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\nusers:\n  \"");
	big_scalar(&t, 'x');
	puts_(&t, "\": {as: 1G}\n");
	size_t bytes = t.n;
	save(&t, "scalar-key-quoted.yaml", path, sizeof(path));
	/*
	 * YAML caps an implicit key at 1024 characters, so libyaml reads the
	 * scalar as users:'s value and fails at the ':' after it.
	 */
	check_bomb("500 KiB double-quoted scalar as a key", path, NULL, bytes,
		   "scalar-key-quoted.yaml:3:3: users: expected a mapping of rules (write {} for "
		   "none), found a single value",
		   "scalar-key-quoted.yaml:3:512005: YAML syntax error: mapping values are not "
		   "allowed in this context");
}

static void test_scalar_key_explicit(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\nusers:\n  ? ");
	big_scalar(&t, 'x');
	puts_(&t, "\n  : {as: 1G}\n");
	size_t bytes = t.n;
	save(&t, "scalar-key-explicit.yaml", path, sizeof(path));
	check_bomb("500 KiB plain scalar as an explicit (?) key", path, NULL, bytes,
		   "scalar-key-explicit.yaml:3:5: text longer than 4096 bytes", NULL);
}

/* The same as a plain key: again past YAML's 1024-character implicit key. */
static void test_scalar_key_plain(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\nusers:\n  ");
	big_scalar(&t, 'x');
	puts_(&t, ": {as: 1G}\n");
	size_t bytes = t.n;
	save(&t, "scalar-key-plain.yaml", path, sizeof(path));
	check_bomb("500 KiB plain scalar as an implicit key", path, NULL, bytes,
		   "scalar-key-plain.yaml:3:3: users: expected a mapping of rules (write {} for "
		   "none), found a single value",
		   "scalar-key-plain.yaml:3:512003: YAML syntax error: mapping values are not "
		   "allowed in this context");
}

static void test_errors_unknown_keys(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\n");
	for (int i = 0; i < 50000; i++)
		putf(&t, "k%d: 0\n", i);
	size_t bytes = t.n;
	save(&t, "errors-keys.yaml", path, sizeof(path));
	check_bomb("50,000 unknown keys", path, NULL, bytes,
		   "errors-keys.yaml:2:1: unknown key \"k0\" (expected version, groups_combine, "
		   "unset, default, groups or users)",
		   "errors-keys.yaml:52:1: more than 50 errors, stopped reading");
}

static void test_errors_bad_values(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	(void)state;
	puts_(&t, "version: 1\nusers:\n");
	for (int i = 0; i < 50000; i++)
		putf(&t, "  u%d: {as: x}\n", i);
	size_t bytes = t.n;
	save(&t, "errors-values.yaml", path, sizeof(path));
	check_bomb(
	    "50,000 invalid values", path, NULL, bytes,
	    "errors-values.yaml:3:12: invalid value \"x\" for as: not a plain decimal number "
	    "(no signs, hexadecimal, exponents or decimals outside percentages); expected a "
	    "size in bytes or with K, M, G, T or P (1024-based), a percentage of RAM such "
	    "as 50%, or unlimited",
	    "errors-values.yaml:53:13: more than 50 errors, stopped reading");
}

/*
 * Overlapping uid ranges are found after parsing, across files: 50,000 of
 * them, one wide range and 49,999 single-uid ranges inside it, split over
 * two drop-ins to stay under the size cap.
 */
static void test_errors_overlapping_ranges(void **state)
{
	struct text t = {0};
	char conf[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	size_t bytes = 0;
	(void)state;
	puts_(&t, "version: 1\nusers:\n  \"uid:1-4000000000\": {nofile: 100}\n");
	bytes += t.n;
	save(&t, "ranges.yaml", conf, sizeof(conf));
	snprintf(dir, sizeof(dir), "%s/ranges.d", workdir);
	if (mkdir(dir, 0755) != 0 || chmod(dir, 0755) != 0)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	for (int part = 0; part < 2; part++) {
		puts_(&t, "version: 1\nusers:\n");
		for (int u = 1 + part * 25000; u < 1 + (part + 1) * 25000 && u < 50000; u++)
			putf(&t, "  uid:%d-%d: {}\n", u, u);
		bytes += t.n;
		char name[64];
		snprintf(name, sizeof(name), "ranges.d/%d.yaml", part);
		save(&t, name, path, sizeof(path));
	}
	check_bomb("50,000 overlapping uid ranges over 3 files", conf, dir, bytes,
		   "ranges.d/0.yaml:3:3: users.uid:1-1 overlaps uid:1-4000000000 "
		   "(ranges.yaml:3)",
		   "49949 more overlapping uid ranges not shown");
}

/* 4,096 drop-ins (the most the loader reads) of 60 errors each. */
static void test_errors_many_dropins(void **state)
{
	struct text t = {0};
	char conf[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], name[64];
	size_t bytes = 0;
	(void)state;
	puts_(&t, "version: 1\n");
	save(&t, "many.yaml", conf, sizeof(conf));
	snprintf(dir, sizeof(dir), "%s/many.d", workdir);
	if (mkdir(dir, 0755) != 0 || chmod(dir, 0755) != 0)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	for (int f = 0; f < 4096; f++) {
		puts_(&t, "version: 1\n");
		for (int i = 0; i < 60; i++)
			putf(&t, "k%d: 0\n", i);
		bytes += t.n;
		snprintf(name, sizeof(name), "many.d/%04d.yaml", f);
		save(&t, name, path, sizeof(path));
	}
	check_bomb("4,096 drop-ins of 60 errors each", conf, dir, bytes,
		   "many.d/0000.yaml:2:1: unknown key \"k0\" (expected version, groups_combine, "
		   "unset, default, groups or users)",
		   "many.d/4095.yaml:52:1: more than 50 errors, stopped reading");
	/* One more file and the folder is refused before any is read. */
	puts_(&t, "version: 1\n");
	save(&t, "many.d/4096.yaml", path, sizeof(path));
	check_bomb("4,097 drop-ins", conf, dir, bytes + 11, "many.d: more than 4096 drop-ins",
		   NULL);
}

/*
 * Not a bomb that is refused: a valid 1 MiB policy of nothing but small
 * user rules, about the most rules a file can hold.  The module keeps none
 * of them (they cannot apply to its user); the tool keeps them all, within
 * the tool's memory bound.
 */
static void test_many_rules(void **state)
{
	struct text t = {0};
	char path[PATH_MAX];
	int n = 0;
	(void)state;
	puts_(&t, "version: 1\nusers:\n");
	for (;;) {
		char line[32];
		int len = snprintf(line, sizeof(line), " u%d: {core: 0}\n", n);
		if (t.n + (size_t)len > ONE_MIB)
			break;
		put(&t, line, (size_t)len);
		n++;
	}
	size_t bytes = t.n;
	char name[64];
	save(&t, "many-rules.yaml", path, sizeof(path));
	snprintf(name, sizeof(name), "%d user rules (valid, 1 MiB)", n);
	assert_int_equal(check_one(name, path, NULL, bytes, true, RL_OK, NULL, NULL), 0);
	assert_int_equal(check_one(name, path, NULL, bytes, false, RL_OK, NULL, NULL), n);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "test_bombs: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_alias_values),
	    cmocka_unit_test(test_nested_flow_sequences),
	    cmocka_unit_test(test_nested_flow_sequences_unclosed),
	    cmocka_unit_test(test_nested_flow_mappings),
	    cmocka_unit_test(test_nested_flow_mapping_keys),
	    cmocka_unit_test(test_nested_block_sequences),
	    cmocka_unit_test(test_nested_block_mappings),
	    cmocka_unit_test(test_scalar_value_plain),
	    cmocka_unit_test(test_scalar_value_quoted),
	    cmocka_unit_test(test_scalar_value_literal),
	    cmocka_unit_test(test_scalar_key_quoted),
	    cmocka_unit_test(test_scalar_key_explicit),
	    cmocka_unit_test(test_scalar_key_plain),
	    cmocka_unit_test(test_errors_unknown_keys),
	    cmocka_unit_test(test_errors_bad_values),
	    cmocka_unit_test(test_errors_overlapping_ranges),
	    cmocka_unit_test(test_errors_many_dropins),
	    cmocka_unit_test(test_many_rules),
	};
	const char *s;
	int rc;

	if ((s = getenv("BOMB_LIMIT_MS")) && atol(s) > 0)
		limit_ms = atol(s);
	if ((s = getenv("BOMB_CHECK_LIMIT_MS")) && atol(s) > 0)
		limit_check_ms = atol(s);
	if ((s = getenv("BOMB_LIMIT_MIB")) && atol(s) > 0)
		limit_mib = atol(s);
	if ((s = getenv("BOMB_CHECK_LIMIT_MIB")) && atol(s) > 0)
		limit_check_mib = atol(s);
	snprintf(workdir, sizeof(workdir), "%s/rl-bombs.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(workdir)) {
		fprintf(stderr, "test_bombs: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* Files are named relative to the folder in the expected messages. */
	rc = cmocka_run_group_tests_name("hostile_bombs", tests, NULL, NULL);

	printf("\n%-62s %9s %9s %9s %11s %8s\n", "bomb", "bytes", "wall ms", "load ms", "peak RSS",
	       "diags");
	for (size_t i = 0; i < nrows; i++)
		printf("%-62s %9zu %9.1f %9.1f %7ld KiB %8lu\n", rows[i].name, rows[i].bytes,
		       rows[i].wall_ms, rows[i].load_ms, rows[i].maxrss_kib, rows[i].ndiag);
	printf(
	    "limits: %ld ms [module], %ld ms [check]; peak RSS %ld MiB [module], %ld MiB [check]; "
	    "baseline load %ld KiB\n",
	    limit_ms, limit_check_ms, limit_mib, limit_check_mib, baseline_kib);
	if (!getenv("BOMB_KEEP"))
		nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
