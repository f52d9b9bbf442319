/*
 * bench_gen.c - writes the benchmark's fake directory and policies:
 *   bench_gen OUTDIR GROUPS_LIST RULES...
 *
 * OUTDIR/passwd and group: 4,000 users and groups (BENCH_DIRECTORY_USERS=N:
 * N), and a user benchN in N groups for each N of GROUPS_LIST, in the middle
 * of the files.  For each RULES: policy-RULES.yaml and limits-RULES.conf,
 * saying the same thing with values equal to this process's own limits, so
 * a session changes nothing.  Prints "rules R lines L bytes B match USER=N".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define BG_NUSERS 4000
#define BG_NGROUPS 4000
#define BG_UID0 10000      /* u00000 */
#define BG_GID0 20000      /* g00000 */
#define BG_BENCH_UID 60000 /* benchN has uid and private gid 60000 + N */
#define BG_MAX_MEASURED 8
#define BG_MAX_FILE (1024 * 1024) /* pam_rlimit's per-file cap */

/* The directory's users and groups; the policies always name BG_NUSERS. */
static unsigned dir_users = BG_NUSERS, dir_groups = BG_NGROUPS;

enum unit { U_BYTES, U_KIB, U_MIN, U_COUNT };

struct item {
	const char *name;
	int resource;
	enum unit lc_unit; /* how limits.conf writes it */
	bool yaml_size;    /* written with a binary suffix in the policy */
	rlim_t soft, hard;
};

static struct item items[] = {
    {"as", RLIMIT_AS, U_KIB, true, 0, 0},
    {"nofile", RLIMIT_NOFILE, U_COUNT, false, 0, 0},
    {"data", RLIMIT_DATA, U_KIB, true, 0, 0},
    {"nproc", RLIMIT_NPROC, U_COUNT, false, 0, 0},
    {"core", RLIMIT_CORE, U_KIB, true, 0, 0},
    {"stack", RLIMIT_STACK, U_KIB, true, 0, 0},
    {"fsize", RLIMIT_FSIZE, U_KIB, true, 0, 0},
    {"memlock", RLIMIT_MEMLOCK, U_KIB, true, 0, 0},
    {"cpu", RLIMIT_CPU, U_MIN, false, 0, 0},
    {"msgqueue", RLIMIT_MSGQUEUE, U_BYTES, true, 0, 0},
    {"sigpending", RLIMIT_SIGPENDING, U_COUNT, false, 0, 0},
    {"locks", RLIMIT_LOCKS, U_COUNT, false, 0, 0},
};
#define NITEMS (sizeof(items) / sizeof(items[0]))
static int usable[NITEMS];
static size_t nusable;

struct measured {
	unsigned ngroups;
	char name[32];
	unsigned uid;
	unsigned stride; /* supplementary groups: index k * stride, k < ngroups-1 */
};
static struct measured meas[BG_MAX_MEASURED];
static size_t nmeas;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_gen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Opens path for writing with mode 0644 whatever the umask: pam_rlimit
 * refuses a policy that group or others can write. */
static FILE *create(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) != 0)
		die("%s: %s", path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	return f;
}

static void finish(FILE *f, const char *what)
{
	if (ferror(f) || fclose(f) != 0)
		die("writing %s failed", what);
}

static bool lc_exact(const struct item *it, rlim_t v)
{
	if (v == RLIM_INFINITY)
		return true;
	if (it->lc_unit == U_KIB)
		return v % 1024 == 0 && v / 1024 < RLIM_INFINITY / 1024;
	if (it->lc_unit == U_MIN)
		return v % 60 == 0 && v / 60 < RLIM_INFINITY / 60;
	return true;
}

static void probe_limits(void)
{
	for (size_t i = 0; i < NITEMS; i++) {
		struct rlimit rl;
		if (getrlimit(items[i].resource, &rl) != 0)
			continue;
		items[i].soft = rl.rlim_cur;
		items[i].hard = rl.rlim_max;
		if (lc_exact(&items[i], rl.rlim_cur) && lc_exact(&items[i], rl.rlim_max))
			usable[nusable++] = (int)i;
	}
	if (nusable < 4)
		die("fewer than 4 limit items can be written exactly for both modules");
}

static void yaml_value(const struct item *it, rlim_t v, char *buf, size_t size)
{
	static const char suffix[] = "KMGTP";
	if (v == RLIM_INFINITY) {
		snprintf(buf, size, "unlimited");
		return;
	}
	if (it->yaml_size && v != 0) {
		int s = -1;
		uint64_t n = v;
		while (s < 4 && n % 1024 == 0) {
			n /= 1024;
			s++;
		}
		if (s >= 0) {
			snprintf(buf, size, "%llu%c", (unsigned long long)n, suffix[s]);
			return;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void lc_value(const struct item *it, rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else if (it->lc_unit == U_KIB)
		snprintf(buf, size, "%llu", (unsigned long long)(v / 1024));
	else if (it->lc_unit == U_MIN)
		snprintf(buf, size, "%llu", (unsigned long long)(v / 60));
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* ---------------------------------------------------------------------
 * The directory.
 */
static bool measured_in_group(const struct measured *m, unsigned gidx)
{
	return m->ngroups > 1 && gidx < dir_groups && gidx % m->stride == 0 &&
	       gidx / m->stride < m->ngroups - 1;
}

static void write_directory(const char *dir)
{
	FILE *pw = create(dir, "passwd");
	fprintf(pw, "root:x:0:0:root:/root:/bin/sh\n");
	for (unsigned i = 0; i < dir_users; i++) {
		if (i == dir_users / 2) {
			for (size_t m = 0; m < nmeas; m++)
				fprintf(pw, "%s:x:%u:%u:Measured user:/home/%s:/bin/sh\n",
					meas[m].name, meas[m].uid, meas[m].uid, meas[m].name);
		}
		fprintf(pw, "u%05u:x:%u:100:User %u:/home/u%05u:/bin/sh\n", i, BG_UID0 + i, i, i);
	}
	finish(pw, "passwd");

	/* Ordinary user i is in groups 7i, 13i+1 and 31i+2 (mod NGROUPS):
	 * three memberships each, three members a group, never the same
	 * group twice. */
	static const unsigned mul[3] = {7, 13, 31};
	unsigned *members = calloc((size_t)dir_groups * 3, sizeof(*members));
	unsigned *nmembers = calloc(dir_groups, sizeof(*nmembers));
	if (!members || !nmembers)
		die("out of memory");
	for (unsigned i = 0; i < dir_users; i++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned g = (mul[k] * i + k) % dir_groups;
			if (nmembers[g] < 3)
				members[g * 3 + nmembers[g]++] = i;
		}
	}
	FILE *gr = create(dir, "group");
	fprintf(gr, "root:x:0:\nusers:x:100:\n");
	for (unsigned g = 0; g < dir_groups; g++) {
		if (g == dir_groups / 2) {
			for (size_t m = 0; m < nmeas; m++)
				fprintf(gr, "%s:x:%u:\n", meas[m].name, meas[m].uid);
		}
		fprintf(gr, "g%05u:x:%u:", g, BG_GID0 + g);
		const char *sep = "";
		for (unsigned k = 0; k < nmembers[g]; k++) {
			fprintf(gr, "%su%05u", sep, members[g * 3 + k]);
			sep = ",";
		}
		for (size_t m = 0; m < nmeas; m++) {
			if (measured_in_group(&meas[m], g)) {
				fprintf(gr, "%s%s", sep, meas[m].name);
				sep = ",";
			}
		}
		fputc('\n', gr);
	}
	free(members);
	free(nmembers);
	finish(gr, "group");
}

/* ---------------------------------------------------------------------
 * The policies.
 */
enum rkind { R_DEFAULT, R_USER, R_UIDRANGE, R_GROUP, R_GID, R_GIDRANGE };

struct rule {
	enum rkind kind;
	unsigned a, b; /* user index; uid range; group index; gid; gid range */
	int it[2];     /* item indices into items[], it[1] = -1 for one item */
};

/* Does rule r apply to measured user m?  pam_limits' gid ranges look at
 * the primary group only, pam_rlimit's at every group: the generator only
 * writes ranges that hold none of a measured user's groups, so both agree. */
static bool rule_matches(const struct rule *r, const struct measured *m)
{
	switch (r->kind) {
	case R_DEFAULT:
		return true;
	case R_USER:
		return false;
	case R_UIDRANGE:
		return m->uid >= r->a && m->uid <= r->b;
	case R_GROUP:
		return measured_in_group(m, r->a);
	case R_GID:
		return r->a >= BG_GID0 && measured_in_group(m, r->a - BG_GID0);
	case R_GIDRANGE:
		return false;
	}
	return false;
}

static void build_rules(unsigned nrules, struct rule *rules)
{
	unsigned rest = nrules - 1;
	unsigned nuser = rest * 35 / 100, nrange = rest * 10 / 100, ngroup = rest * 40 / 100;
	unsigned ngid = rest - nuser - nrange - ngroup;
	unsigned k = 0, serial = 0;

	rules[k++] = (struct rule){R_DEFAULT, 0, 0, {-1, -1}};
	for (unsigned j = 0; j < nuser; j++) /* spread over the passwd file */
		rules[k++] =
		    (struct rule){R_USER, (unsigned)((uint64_t)j * BG_NUSERS / nuser), 0, {-1, -1}};
	for (unsigned j = 0; j < nrange; j++) {
		/* The first range holds the measured users; the others tile
		 * the ordinary uids without overlapping. */
		if (j == 0) {
			rules[k++] =
			    (struct rule){R_UIDRANGE, BG_BENCH_UID, BG_BENCH_UID + 999, {-1, -1}};
			continue;
		}
		unsigned lo = BG_UID0 + (unsigned)((uint64_t)(j - 1) * BG_NUSERS / (nrange - 1));
		unsigned hi = BG_UID0 + (unsigned)((uint64_t)j * BG_NUSERS / (nrange - 1)) - 1;
		rules[k++] = (struct rule){R_UIDRANGE, lo, hi, {-1, -1}};
	}
	for (unsigned j = 0; j < ngroup; j++)
		rules[k++] = (struct rule){
		    R_GROUP, (unsigned)((uint64_t)j * BG_NGROUPS / ngroup), 0, {-1, -1}};
	for (unsigned j = 0; j < ngid; j++) {
		/* Two exact gids for each range; exact gids sit between the
		 * named groups, ranges above every real group. */
		unsigned g = (unsigned)((uint64_t)j * BG_NGROUPS / ngid);
		if (j % 3 == 2) {
			unsigned lo = 70000 + j * 10;
			rules[k++] = (struct rule){R_GIDRANGE, lo, lo + 9, {-1, -1}};
		} else {
			rules[k++] = (struct rule){R_GID, BG_GID0 + g, 0, {-1, -1}};
		}
	}
	for (unsigned i = 0; i < k; i++) {
		if (rules[i].kind == R_DEFAULT) {
			rules[i].it[0] = usable[0];
			rules[i].it[1] = usable[1 % nusable];
			continue;
		}
		rules[i].it[0] = usable[serial % nusable];
		rules[i].it[1] = serial % 3 == 0 ? usable[(serial + 5) % nusable] : -1;
		if (rules[i].it[1] == rules[i].it[0])
			rules[i].it[1] = -1;
		serial++;
	}
	if (k != nrules)
		die("internal: %u rules built, %u wanted", k, nrules);
}

static void yaml_key(const struct rule *r, char *buf, size_t size)
{
	switch (r->kind) {
	case R_DEFAULT:
		snprintf(buf, size, "default");
		break;
	case R_USER:
		snprintf(buf, size, "u%05u", r->a);
		break;
	case R_UIDRANGE:
		snprintf(buf, size, "\"uid:%u-%u\"", r->a, r->b);
		break;
	case R_GROUP:
		snprintf(buf, size, "g%05u", r->a);
		break;
	case R_GID:
		snprintf(buf, size, "\"gid:%u\"", r->a);
		break;
	case R_GIDRANGE:
		snprintf(buf, size, "\"gid:%u-%u\"", r->a, r->b);
		break;
	}
}

static void lc_domain(const struct rule *r, char *buf, size_t size)
{
	switch (r->kind) {
	case R_DEFAULT:
		snprintf(buf, size, "*");
		break;
	case R_USER:
		snprintf(buf, size, "u%05u", r->a);
		break;
	case R_UIDRANGE:
		snprintf(buf, size, "%u:%u", r->a, r->b);
		break;
	case R_GROUP:
		snprintf(buf, size, "@g%05u", r->a);
		break;
	case R_GID:
		snprintf(buf, size, "@:%u", r->a);
		break;
	case R_GIDRANGE:
		snprintf(buf, size, "@%u:%u", r->a, r->b);
		break;
	}
}

/* One rule in the policy: flow style for every other rule, block style
 * for the rest, as hand-written files mix them. */
static void yaml_rule(FILE *f, const struct rule *r, unsigned indent, bool flow)
{
	char key[64];
	yaml_key(r, key, sizeof(key));
	fprintf(f, "%*s%s:%s", (int)indent, "", key, flow ? " {" : "\n");
	for (int n = 0; n < 2 && r->it[n] >= 0; n++) {
		const struct item *it = &items[r->it[n]];
		char s[32], h[32];
		yaml_value(it, it->soft, s, sizeof(s));
		yaml_value(it, it->hard, h, sizeof(h));
		if (flow)
			fprintf(f, "%s", n ? ", " : "");
		else
			fprintf(f, "%*s", (int)indent + 2, "");
		if (it->soft == it->hard)
			fprintf(f, "%s: %s", it->name, s);
		else
			fprintf(f, "%s: {soft: %s, hard: %s}", it->name, s, h);
		if (!flow)
			fputc('\n', f);
	}
	if (flow)
		fputs("}\n", f);
}

static unsigned lc_rule(FILE *f, const struct rule *r)
{
	char dom[64];
	unsigned lines = 0;
	lc_domain(r, dom, sizeof(dom));
	for (int n = 0; n < 2 && r->it[n] >= 0; n++) {
		const struct item *it = &items[r->it[n]];
		char s[32], h[32];
		lc_value(it, it->soft, s, sizeof(s));
		lc_value(it, it->hard, h, sizeof(h));
		if (it->soft == it->hard) {
			fprintf(f, "%-16s -     %-10s %s\n", dom, it->name, s);
			lines++;
		} else {
			fprintf(f, "%-16s soft  %-10s %s\n", dom, it->name, s);
			fprintf(f, "%-16s hard  %-10s %s\n", dom, it->name, h);
			lines += 2;
		}
	}
	return lines;
}

static void write_policy(const char *dir, unsigned nrules)
{
	struct rule *rules = calloc(nrules, sizeof(*rules));
	if (!rules)
		die("out of memory");
	build_rules(nrules, rules);

	char name[64];
	snprintf(name, sizeof(name), "policy-%u.yaml", nrules);
	FILE *y = create(dir, name);
	fprintf(y,
		"# bench_gen: %u rules, values equal to the build machine's own limits\n"
		"version: 1\ngroups_combine: max\n",
		nrules);
	static const char *const section[] = {[R_USER] = "users",
					      [R_UIDRANGE] = "users",
					      [R_GROUP] = "groups",
					      [R_GID] = "groups",
					      [R_GIDRANGE] = "groups"};
	yaml_rule(y, &rules[0], 0, false);
	const char *open = NULL;
	for (unsigned i = 1; i < nrules; i++) {
		if (open != section[rules[i].kind]) {
			open = section[rules[i].kind];
			fprintf(y, "%s:\n", open);
		}
		yaml_rule(y, &rules[i], 2, i % 2 == 0);
	}
	long ybytes = ftell(y);
	finish(y, name);
	if (ybytes > BG_MAX_FILE)
		die("%s is %ld bytes, over pam_rlimit's 1 MiB cap", name, ybytes);

	snprintf(name, sizeof(name), "limits-%u.conf", nrules);
	FILE *l = create(dir, name);
	fprintf(l, "# bench_gen: the same %u rules for pam_limits\n", nrules);
	unsigned lines = 0;
	for (unsigned i = 0; i < nrules; i++)
		lines += lc_rule(l, &rules[i]);
	finish(l, name);

	printf("rules %u lines %u bytes %ld match", nrules, lines, ybytes);
	for (size_t m = 0; m < nmeas; m++) {
		unsigned n = 0;
		for (unsigned i = 0; i < nrules; i++)
			n += rule_matches(&rules[i], &meas[m]);
		printf(" %s=%u", meas[m].name, n);
	}
	putchar('\n');
	free(rules);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_gen OUTDIR \"GROUPS...\" RULES...\n");
		return 2;
	}
	const char *dir = argv[1];
	const char *small = getenv("BENCH_DIRECTORY_USERS");
	if (small && *small) {
		unsigned long n = strtoul(small, NULL, 10);
		if (n < 4 || n > BG_NUSERS)
			die("BENCH_DIRECTORY_USERS must be 4..%d", BG_NUSERS);
		dir_users = dir_groups = (unsigned)n;
	}
	char *list = strdup(argv[2]);
	if (!list)
		die("out of memory");
	for (char *save = NULL, *tok = strtok_r(list, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		unsigned long n = strtoul(tok, NULL, 10);
		if (n < 1 || n > dir_groups / 2 + 1 || nmeas == BG_MAX_MEASURED)
			die("bad group count '%s' (the directory has %u groups)", tok, dir_groups);
		struct measured *m = &meas[nmeas++];
		m->ngroups = (unsigned)n;
		m->uid = BG_BENCH_UID + (unsigned)n;
		m->stride = n > 1 ? dir_groups / (unsigned)(n - 1) : 1;
		snprintf(m->name, sizeof(m->name), "bench%lu", n);
	}
	free(list);

	probe_limits();
	write_directory(dir);
	for (int i = 3; i < argc; i++) {
		unsigned long r = strtoul(argv[i], NULL, 10);
		if (r < 2 || r > 100000)
			die("bad rule count '%s'", argv[i]);
		write_policy(dir, (unsigned)r);
	}
	return 0;
}
