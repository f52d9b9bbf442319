/*
 * test_corpus.c - every invalid policy of tests/hostile/corpus is refused
 * with exactly the first error line its .err file holds; NNN-name.yaml and
 * .err add a case, and fewer than MIN_CASES is a failure.  Each loads three
 * ways that must agree: rl_policy_load; the same filtered for a user no
 * rule names (the module's path); rl_policy_add_buffer and finish (the
 * fuzzer's).  Every diagnostic reads "FILE:LINE:COLUMN: text" inside the
 * file.  Usage: test_corpus [CORPUS_DIR], from the top of the repository.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rlimit_policy.h"

#define MIN_CASES 60
#define MAX_DIAGS 200

struct diags {
	char *line[MAX_DIAGS];
	enum rl_severity sev[MAX_DIAGS];
	size_t n, dropped;
};

struct fixture {
	char yaml[PATH_MAX]; /* the path given as conf= and expected in messages */
	char err[PATH_MAX];
	char name[NAME_MAX + 1];
};

static const char *corpus_dir = "tests/hostile/corpus";

static void collect(void *ctx, enum rl_severity sev, const char *msg)
{
	struct diags *d = ctx;
	if (d->n == MAX_DIAGS) {
		d->dropped++;
		return;
	}
	d->line[d->n] = strdup(msg);
	assert_non_null(d->line[d->n]);
	d->sev[d->n++] = sev;
}

static void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->line[i]);
	memset(d, 0, sizeof(*d));
}

/* The whole of path, NUL-terminated; *len without the NUL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The expected line: the .err file must hold exactly one line. */
static char *expected_line(const struct fixture *fx)
{
	size_t len;
	char *e = slurp(fx->err, &len);
	char *nl = memchr(e, '\n', len);

	if (len == 0 || !nl || (size_t)(nl - e) + 1 != len)
		fail_msg("%s must hold exactly one line ending in a newline", fx->err);
	*nl = '\0';
	return e;
}

/* Lines in buf (a last line without its newline counts). */
static unsigned long count_lines(const char *buf, size_t len)
{
	unsigned long lines = 1;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' && i + 1 < len)
			lines++;
	return lines;
}

/*
 * Every diagnostic names the fixture and a position inside it (a position
 * one line past the last newline is the end of the stream).
 */
static void check_shape(const struct fixture *fx, const struct diags *d, unsigned long lines,
			const char *how)
{
	size_t plen = strlen(fx->yaml);

	if (d->dropped)
		fail_msg("%s (%s): more than %d diagnostics", fx->name, how, MAX_DIAGS);
	for (size_t i = 0; i < d->n; i++) {
		const char *m = d->line[i];
		char *end;
		unsigned long line, col;

		if (d->sev[i] != RL_SEV_ERROR)
			fail_msg("%s (%s): diagnostic %zu is not an error: %s", fx->name, how, i,
				 m);
		if (strncmp(m, fx->yaml, plen) != 0 || m[plen] != ':')
			fail_msg("%s (%s): diagnostic does not start with \"%s:\": %s", fx->name,
				 how, fx->yaml, m);
		line = strtoul(m + plen + 1, &end, 10);
		if (*end != ':')
			fail_msg("%s (%s): no line number: %s", fx->name, how, m);
		col = strtoul(end + 1, &end, 10);
		if (strncmp(end, ": ", 2) != 0 || end[2] == '\0')
			fail_msg("%s (%s): no column or no text: %s", fx->name, how, m);
		if (line < 1 || line > lines + 1 || col < 1)
			fail_msg("%s (%s): position %lu:%lu outside the file (%lu lines): %s",
				 fx->name, how, line, col, lines, m);
	}
}

static void expect_first(const struct fixture *fx, const struct diags *d, const char *want,
			 const char *how)
{
	if (d->n == 0)
		fail_msg("%s (%s): refused without a single diagnostic", fx->name, how);
	if (strcmp(d->line[0], want) != 0) {
		print_error("%s (%s): first diagnostic differs\n  expected: %s\n  got:      %s\n",
			    fx->name, how, want, d->line[0]);
		for (size_t i = 1; i < d->n; i++)
			print_error("  then:     %s\n", d->line[i]);
		fail();
	}
}

static void run_case(void **state)
{
	const struct fixture *fx = *state;
	struct diags d = {0};
	struct rl_sink sink = {collect, &d};
	struct rl_policy *p = NULL;
	struct rl_ident nobody;
	char *want = expected_line(fx);
	size_t len;
	char *buf = slurp(fx->yaml, &len);
	unsigned long lines = count_lines(buf, len);
	enum rl_status st;

	/* 1. The whole load, as the module and the tool do it. */
	struct rl_load_opts o = rl_load_opts_for(fx->yaml, NULL);
	o.trusted_uid = getuid();
	st = rl_policy_load(&o, &p, &sink);
	if (st != RL_EINVALID)
		fail_msg("%s: rl_policy_load returned \"%s\", expected \"%s\"%s%s", fx->name,
			 rl_status_str(st), rl_status_str(RL_EINVALID), d.n ? ": " : "",
			 d.n ? d.line[0] : "");
	assert_null(p);
	check_shape(fx, &d, lines, "load");
	expect_first(fx, &d, want, "load");
	size_t n_load = d.n;
	diags_free(&d);

	/* 2. Filtered for a user no rule can name: same verdict, same errors. */
	assert_int_equal(
	    rl_ident_make("nobody-in-particular", 4000000000u, 4000000000u, NULL, 0, &nobody),
	    RL_OK);
	o.filter = &nobody;
	st = rl_policy_load(&o, &p, &sink);
	if (st != RL_EINVALID)
		fail_msg("%s: filtered load returned \"%s\"", fx->name, rl_status_str(st));
	assert_null(p);
	check_shape(fx, &d, lines, "filtered load");
	expect_first(fx, &d, want, "filtered load");
	if (d.n != n_load)
		fail_msg("%s: %zu diagnostics unfiltered, %zu filtered", fx->name, n_load, d.n);
	diags_free(&d);
	rl_ident_free(&nobody);

	/* 3. From memory, as the fuzzer loads. */
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	enum rl_status s1 = rl_policy_add_buffer(p, fx->yaml, buf, len, &sink);
	enum rl_status s2 = rl_policy_finish(p, &sink);
	rl_policy_free(p);
	if (s1 != RL_EINVALID && s2 != RL_EINVALID)
		fail_msg("%s: add_buffer/finish returned \"%s\"/\"%s\"", fx->name,
			 rl_status_str(s1), rl_status_str(s2));
	check_shape(fx, &d, lines, "add_buffer");
	expect_first(fx, &d, want, "add_buffer");
	if (d.n != n_load)
		fail_msg("%s: %zu diagnostics from a file, %zu from memory", fx->name, n_load, d.n);
	diags_free(&d);
	free(buf);
	free(want);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && strcmp(s + a - b, suffix) == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->name, ((const struct fixture *)b)->name);
}

/* A fixture the loader would refuse for its owner or mode instead of its content. */
static bool untrusted(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false; /* the case reports it */
	return (st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & (S_IWGRP | S_IWOTH));
}

static void copy_file(const char *from, const char *to)
{
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char chunk[65536];
	ssize_t r;

	if (fd < 0 || out < 0 || fchmod(out, 0644) != 0) {
		fprintf(stderr, "test_corpus: copying %s: %s\n", from, strerror(errno));
		exit(1);
	}
	while ((r = read(fd, chunk, sizeof(chunk))) > 0) {
		if (write(out, chunk, (size_t)r) != r) {
			fprintf(stderr, "test_corpus: writing %s: %s\n", to, strerror(errno));
			exit(1);
		}
	}
	close(fd);
	close(out);
}

/*
 * A checkout made under umask 002 has group-writable fixtures, which the
 * loader rightly refuses.  Then the corpus is copied, mode 0644, to the same
 * relative path under a private folder that becomes the working directory,
 * so messages still name the fixtures as the .err files do.
 */
static char stage_root[PATH_MAX];

static void stage(struct fixture *fx, size_t n)
{
	char path[PATH_MAX * 2], dir[PATH_MAX];
	snprintf(stage_root, sizeof(stage_root), "%s/rl-corpus.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(stage_root)) {
		fprintf(stderr, "test_corpus: mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(dir, sizeof(dir), "%s", corpus_dir);
	/* mkdir -p stage_root/corpus_dir */
	for (char *s = dir; (s = strchr(s + 1, '/')) != NULL;) {
		*s = '\0';
		snprintf(path, sizeof(path), "%s/%s", stage_root, dir);
		mkdir(path, 0755);
		*s = '/';
	}
	snprintf(path, sizeof(path), "%s/%s", stage_root, dir);
	mkdir(path, 0755);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", stage_root, fx[i].yaml);
		copy_file(fx[i].yaml, path);
		snprintf(path, sizeof(path), "%s/%s", stage_root, fx[i].err);
		if (access(fx[i].err, F_OK) == 0)
			copy_file(fx[i].err, path);
	}
	if (chdir(stage_root) != 0) {
		fprintf(stderr, "test_corpus: chdir %s: %s\n", stage_root, strerror(errno));
		exit(1);
	}
	printf("test_corpus: fixtures are group/world-writable or foreign-owned here; "
	       "testing copies under %s\n",
	       stage_root);
}

static void unstage(struct fixture *fx, size_t n)
{
	char path[PATH_MAX * 2];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", stage_root, fx[i].yaml);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", stage_root, fx[i].err);
		unlink(path);
	}
	/* rmdir up the staged path, deepest first */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", corpus_dir);
	for (;;) {
		snprintf(path, sizeof(path), "%s/%s", stage_root, dir);
		rmdir(path);
		char *s = strrchr(dir, '/');
		if (!s)
			break;
		*s = '\0';
	}
	rmdir(stage_root);
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *de;
	struct fixture *fx = NULL;
	size_t n = 0, cap = 0;
	int orphans = 0, bad_names = 0;

	if (argc > 1)
		corpus_dir = argv[1];
	if (corpus_dir[0] == '/' || strstr(corpus_dir, "..")) {
		fprintf(stderr, "test_corpus: give the corpus as a path relative to the top of "
				"the repository (the .err files name fixtures that way)\n");
		return 2;
	}
	d = opendir(corpus_dir);
	if (!d) {
		fprintf(stderr, "test_corpus: %s: %s (run from the top of the repository)\n",
			corpus_dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		if (nm[0] == '.')
			continue;
		if (ends_with(nm, ".err")) {
			char y[PATH_MAX];
			snprintf(y, sizeof(y), "%s/%.*s.yaml", corpus_dir, (int)(strlen(nm) - 4),
				 nm);
			if (access(y, F_OK) != 0) {
				fprintf(stderr, "test_corpus: %s/%s has no .yaml beside it\n",
					corpus_dir, nm);
				orphans++;
			}
			continue;
		}
		if (!ends_with(nm, ".yaml")) {
			fprintf(stderr,
				"test_corpus: %s/%s: only NNN-name.yaml and .err belong here\n",
				corpus_dir, nm);
			bad_names++;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			fx = realloc(fx, cap * sizeof(*fx));
			if (!fx)
				return 1;
		}
		memset(&fx[n], 0, sizeof(fx[n]));
		snprintf(fx[n].name, sizeof(fx[n].name), "%s", nm);
		snprintf(fx[n].yaml, sizeof(fx[n].yaml), "%s/%s", corpus_dir, nm);
		snprintf(fx[n].err, sizeof(fx[n].err), "%s/%.*s.err", corpus_dir,
			 (int)(strlen(nm) - 5), nm);
		n++;
	}
	closedir(d);
	if (orphans || bad_names)
		return 1;
	printf("test_corpus: %zu invalid policies in %s\n", n, corpus_dir);
	if (n < MIN_CASES) {
		fprintf(stderr,
			"test_corpus: only %zu fixtures found in %s, expected at least %d\n", n,
			corpus_dir, MIN_CASES);
		return 1;
	}
	qsort(fx, n, sizeof(*fx), name_cmp);

	bool need_stage = false;
	for (size_t i = 0; i < n; i++)
		need_stage |= untrusted(fx[i].yaml);
	if (need_stage)
		stage(fx, n);

	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = fx[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = &fx[i];
	}
	int rc = _cmocka_run_group_tests("hostile_corpus", tests, n, NULL, NULL);
	if (need_stage)
		unstage(fx, n);
	free(tests);
	free(fx);
	return rc;
}
