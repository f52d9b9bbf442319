/*
 * unit.c - helpers shared by the unit tests (see unit.h).
 */
#include "unit.h"

#include "../common/testio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void cap_emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct cap *c = ctx;
	if (c->n == CAP_MAX_LINES) {
		c->dropped++;
		return;
	}
	c->sev[c->n] = sev;
	snprintf(c->line[c->n], CAP_LINE_MAX, "%s", msg);
	c->n++;
}

struct rl_sink cap_sink(struct cap *c)
{
	c->n = 0;
	c->dropped = 0;
	struct rl_sink s = {cap_emit, c};
	return s;
}

size_t cap_count(const struct cap *c, enum rl_severity sev)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += c->sev[i] == sev;
	return k;
}

void cap_dump(const struct cap *c, const char *why)
{
	static const char *const sevname[] = {"ERROR", "WARNING", "INFO"};
	fprintf(stderr, "--- %s: %zu line(s)%s\n", why, c->n, c->dropped ? " (some dropped)" : "");
	for (size_t i = 0; i < c->n; i++)
		fprintf(stderr, "  [%s] %s\n", sevname[c->sev[i]], c->line[i]);
}

void cap_expect_sev(const struct cap *c, enum rl_severity sev, const char *const *want, size_t n)
{
	bool ok = c->n == n && c->dropped == 0;
	for (size_t i = 0; ok && i < n; i++)
		ok = c->sev[i] == sev && strcmp(c->line[i], want[i]) == 0;
	if (!ok) {
		static const char *const sevword[] = {"error", "warning", "info"};
		fprintf(stderr, "--- expected %zu %s line(s):\n", n, sevword[sev]);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", want[i]);
		cap_dump(c, "got");
		fail_msg("the messages differ");
	}
}

void cap_expect(const struct cap *c, const char *const *want, size_t n)
{
	cap_expect_sev(c, RL_SEV_ERROR, want, n);
}

void cap_expect_none(const struct cap *c)
{
	if (c->n != 0) {
		cap_dump(c, "expected no message");
		fail_msg("messages where none were expected");
	}
}

int item_index(const char *item)
{
	int i = rl_item_lookup(item, strlen(item));
	if (i < 0)
		fail_msg("no item %s", item);
	return i;
}

uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The worse of two statuses, as the loader ranks them. */
static enum rl_status worse(enum rl_status a, enum rl_status b)
{
	static const enum rl_status order[] = {RL_ENOMEM, RL_EUNTRUSTED, RL_EIO, RL_EINVALID};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (a == order[i] || b == order[i])
			return order[i];
	}
	return a != RL_OK ? a : b;
}

enum rl_status load_docs(const char *const *names, const char *const *docs, size_t n,
			 struct rl_ident *filter, struct rl_policy **out, struct cap *c)
{
	struct rl_policy *p;
	struct rl_sink sink = {NULL, NULL};
	if (c)
		sink = cap_sink(c);
	*out = NULL;
	assert_int_equal(rl_policy_new(filter, &p), RL_OK);
	enum rl_status st = RL_OK;
	for (size_t i = 0; i < n; i++)
		st = worse(st, rl_policy_add_buffer(p, names[i], docs[i], strlen(docs[i]), &sink));
	st = worse(st, rl_policy_finish(p, &sink));
	if (st != RL_OK) {
		rl_policy_free(p);
		return st;
	}
	*out = p;
	return RL_OK;
}

enum rl_status load_doc(const char *doc, struct rl_policy **out, struct cap *c)
{
	const char *name = "t.yaml";
	return load_docs(&name, &doc, 1, NULL, out, c);
}

struct rl_policy *must_load(const char *doc)
{
	struct cap *c = malloc(sizeof(*c));
	struct rl_policy *p;
	assert_non_null(c);
	enum rl_status st = load_doc(doc, &p, c);
	if (st != RL_OK) {
		cap_dump(c, "load failed");
		fprintf(stderr, "%s\n", doc);
	}
	free(c);
	assert_int_equal(st, RL_OK);
	return p;
}

enum rl_status load_files(const char *conf, const char *confdir, struct rl_policy **out,
			  struct cap *c)
{
	struct rl_load_opts o = rl_load_opts_for(conf, confdir);
	o.trusted_uid = getuid();
	struct rl_sink sink = {NULL, NULL};
	if (c)
		sink = cap_sink(c);
	return rl_policy_load(&o, out, &sink);
}

char *tmp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = path_join(base && *base ? base : "/tmp", "rl-unit-XXXXXX");
	if (!mkdtemp(t))
		fail_msg("mkdtemp %s: %s", t, strerror(errno));
	return t;
}

void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *sub = path_join(path, de->d_name);
			rm_rf(sub);
			free(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

char *path_join(const char *a, const char *b)
{
	size_t need = strlen(a) + strlen(b) + 2;
	char *p = malloc(need);
	assert_non_null(p);
	snprintf(p, need, "%s/%s", a, b);
	return p;
}

char *write_file(const char *dir, const char *name, const char *text, size_t len, unsigned mode)
{
	char *p = path_join(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("open %s: %s", p, strerror(errno));
	if (!tio_write_all(fd, text, len))
		fail_msg("write %s: %s", p, strerror(errno));
	if (fchmod(fd, (mode_t)mode) != 0)
		fail_msg("fchmod %s: %s", p, strerror(errno));
	close(fd);
	return p;
}

char *put_file(const char *dir, const char *name, const char *text)
{
	return write_file(dir, name, text, strlen(text), 0644);
}

char *make_dir(const char *dir, const char *name, unsigned mode)
{
	char *p = path_join(dir, name);
	if (mkdir(p, (mode_t)mode) != 0 || chmod(p, (mode_t)mode) != 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
	return p;
}

char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		size_t r = fread(b + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}
