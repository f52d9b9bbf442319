/*
 * alloc_faults.c - every allocation pam_rlimit.so and libyaml make fails
 * in turn, through real libpam.  Run N of a scenario fails the N-th one;
 * the first run past the last allocation must give the scenario's normal
 * result and limits.  Every run before it must give its out-of-memory
 * result, leave every limit alone, log an alert, not crash, and have freed
 * all it allocated after pam_end.  The policy reaches many sites: drop-ins,
 * every rule kind, tables that grow, arena chunks, a user in 7 groups.
 * FAULTS_SAMPLE=K runs every K-th N; FAULTS_VERBOSE=1 lists the sites.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "failmalloc.h"
#include "fenv.h"

#define MAX_RUNS 100000
#define MAX_SITES 4096

static failmalloc_arm_fn fm_arm;
static failmalloc_report_fn fm_report;

/* ---------------------------------------------------------------------- */

/* rel = d/name */
static void sub(const char *d, const char *name, char *rel, size_t size)
{
	snprintf(rel, size, "%s/%s", d, name);
}

/* The policy of every scenario, in folder d of the work folder. */
static void write_policy(const char *d)
{
	char rel[256];
	fenv_mkdir(d);
	sub(d, "rlimit.d", rel, sizeof(rel));
	fenv_mkdir(rel);
	sub(d, "bad.d", rel, sizeof(rel));
	fenv_mkdir(rel);
	sub(d, "rlimit.yaml", rel, sizeof(rel));
	fenv_write(rel, 0644,
		   "# main policy: every kind of rule\n"
		   "version: 1\n"
		   "groups_combine: max\n"
		   "default:\n"
		   "  as: 50%%\n"
		   "  data: 40%%\n"
		   "  nofile: {soft: 256, hard: 512}\n"
		   "  fsize: 1T\n"
		   "groups:\n"
		   "  research:\n"
		   "    as: 25%%\n"
		   "    data: {soft: 1G, hard: 2G}\n"
		   "  gpu:\n"
		   "    as: \"30%%\"\n"
		   "  staff:\n"
		   "    nproc: 4000\n"
		   "  sim: {cpu: 2h}\n"
		   "  lab:\n"
		   "    cpu: 90min\n"
		   "  \"gid:3000-3999\":\n"
		   "    nofile: {soft: 300, hard: 600}\n"
		   "  \"gid:4242\":\n"
		   "    locks: 1000\n"
		   "  \"gid:3500\":\n"
		   "    sigpending: 100\n"
		   "  nobody-here: {as: 1G}\n"
		   "  g01: {as: 1G}\n  g02: {as: 1G}\n  g03: {as: 1G}\n  g04: {as: 1G}\n"
		   "  g05: {as: 1G}\n  g06: {as: 1G}\n  g07: {as: 1G}\n  g08: {as: 1G}\n"
		   "  g09: {as: 1G}\n  g10: {as: 1G}\n  g11: {as: 1G}\n  g12: {as: 1G}\n"
		   "  \"gid:8000-8999\": {nofile: 10}\n"
		   "users:\n"
		   "  carol:\n"
		   "    stack: 8M\n"
		   "  \"uid:2345\":\n"
		   "    rttime: 5s\n"
		   "  \"uid:2000-2999\":\n"
		   "    msgqueue: 100K\n"
		   "  root:\n"
		   "    nofile: {soft: 700, hard: 800}\n"
		   "  u01: {as: 1G}\n  u02: {as: 1G}\n  u03: {as: 1G}\n  u04: {as: 1G}\n"
		   "  u05: {as: 1G}\n  u06: {as: 1G}\n  u07: {as: 1G}\n  u08: {as: 1G}\n"
		   "  u09: {as: 1G}\n  u10: {as: 1G}\n  u11: {as: 1G}\n  u12: {as: 1G}\n"
		   "  \"uid:10000-10999\": {as: 1G}\n  \"uid:11000-11999\": {as: 1G}\n"
		   "  \"uid:12000-12999\": {as: 1G}\n  \"uid:13000-13999\": {as: 1G}\n"
		   "  \"uid:14000-14999\": {as: 1G}\n  \"uid:15000-15999\": {as: 1G}\n"
		   "  \"uid:16000-16999\": {as: 1G}\n  \"uid:17000-17999\": {as: 1G}\n"
		   "  \"uid:18000-18999\": {as: 1G}\n");
	sub(d, "rlimit.d/10-lab.yaml", rel, sizeof(rel));
	fenv_write(rel, 0644,
		   "version: 1\n"
		   "groups:\n"
		   "  research:\n"
		   "    data: {soft: 1536M, hard: 3G}\n"
		   "  \"gid:5000-5999\":\n"
		   "    rss: 30%%\n"
		   "users:\n"
		   "  \"uid:19000-19999\": {as: 1G}\n");
	sub(d, "rlimit.d/20-carol.yaml", rel, sizeof(rel));
	fenv_write(rel, 0644,
		   "---\n"
		   "version: 1\n"
		   "users:\n"
		   "  carol:\n"
		   "    core: 0\n"
		   "...\n");
	sub(d, "rlimit.d/README", rel, sizeof(rel));
	fenv_write(rel, 0644, "not a drop-in: skipped\n");
	sub(d, "rlimit.d/.hidden.yaml", rel, sizeof(rel));
	fenv_write(rel, 0644, "not: [valid\n");
	/* The same, with one invalid drop-in: the whole policy is refused. */
	sub(d, "bad.d/10-lab.yaml", rel, sizeof(rel));
	fenv_write(rel, 0644,
		   "version: 1\n"
		   "groups:\n"
		   "  research:\n"
		   "    data: {soft: 3G, hard: 2G}\n"
		   "users:\n"
		   "  carol: {stack: 10x}\n");
}

static void setup(const char *dir)
{
	fenv_write("passwd", 0644,
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "carol:x:2345:3001:Carol:/home/carol:/bin/sh\n");
	fenv_write("group", 0644,
		   "root:x:0:\n"
		   "research:x:3001:\n"
		   "gpu:x:3500:carol\n"
		   "staff:x:4242:carol\n"
		   "sim:x:5001:carol\n"
		   "lab:x:6000:carol\n"
		   "nameless-twin:x:6001:carol\n"
		   "other:x:7000:root\n");
	write_policy("policy");
	fenv_service("fail", "conf=%s/policy/rlimit.yaml confdir=%s/policy/rlimit.d", dir, dir);
	fenv_service("succeed",
		     "conf=%s/policy/rlimit.yaml confdir=%s/policy/rlimit.d "
		     "onerr=succeed",
		     dir, dir);
	fenv_service("invalid", "conf=%s/policy/rlimit.yaml confdir=%s/policy/bad.d", dir, dir);
	fenv_service("badarg", "conf=%s/policy/rlimit.yaml onerr=maybe", dir);
}

/* ---------------------------------------------------------------------- */

/* carol's limits under the valid policy, worked out by hand from it. */
static size_t carol_limits(struct fenv_limit *e)
{
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	rlim_t as30 = (rlim_t)((unsigned __int128)ram * 30 / 100);
	rlim_t rss30 = as30;
	const rlim_t M = 1024 * 1024, G = M * 1024;
	size_t n = 0;
	e[n++] = (struct fenv_limit){RLIMIT_AS, as30, as30};            /* groups.gpu (max) */
	e[n++] = (struct fenv_limit){RLIMIT_DATA, 1536 * M, 3 * G};     /* 10-lab research */
	e[n++] = (struct fenv_limit){RLIMIT_NOFILE, 300, 600};          /* gid:3000-3999 */
	e[n++] = (struct fenv_limit){RLIMIT_FSIZE, 1024 * G, 1024 * G}; /* default */
	e[n++] = (struct fenv_limit){RLIMIT_NPROC, 4000, 4000};         /* staff */
	e[n++] = (struct fenv_limit){RLIMIT_CPU, 7200, 7200};           /* sim beats lab */
	e[n++] = (struct fenv_limit){RLIMIT_LOCKS, 1000, 1000};         /* gid:4242 */
	e[n++] = (struct fenv_limit){RLIMIT_SIGPENDING, 100, 100};      /* gid:3500 */
	e[n++] = (struct fenv_limit){RLIMIT_STACK, 8 * M, 8 * M};       /* users.carol */
	e[n++] = (struct fenv_limit){RLIMIT_RTTIME, 5000000, 5000000};  /* uid:2345 */
	e[n++] = (struct fenv_limit){RLIMIT_MSGQUEUE, 100 * 1024, 100 * 1024}; /* uid range */
	e[n++] = (struct fenv_limit){RLIMIT_RSS, rss30, rss30};                /* gid:5000-5999 */
	e[n++] = (struct fenv_limit){RLIMIT_CORE, 0, 0};                       /* 20-carol */
	return n;
}

static size_t root_limits(struct fenv_limit *e)
{
	e[0] = (struct fenv_limit){RLIMIT_NOFILE, 700, 800};
	return 1;
}

struct scenario {
	const char *name;
	const char *service;
	const char *user;
	int sticky;
	int final_rc;      /* with no failure injected */
	int oom_rc;        /* with one */
	int oom_rc_prefix; /* -1, or a result allowed for the first runs only */
	size_t (*limits)(struct fenv_limit *e); /* NULL: nothing applied at the end */
	const char *oom_log;                    /* an alert every failing run must log */
	const char *prefix_log;                 /* the alert of a prefix run instead */
};

/*
 * The most runs that may give oom_rc_prefix, one after the other from the
 * first: the allocations of the user lookup (its buffer, the name, the
 * group array: 3 today), before the module knows the user is root.
 */
#define MAX_PREFIX 8

static const struct scenario scenarios[] = {
    {"carol onerr=fail", "fail", "carol", 0, PAM_SUCCESS, PAM_BUF_ERR, -1, carol_limits,
     "out of memory; session for carol refused", NULL},
    {"carol onerr=succeed", "succeed", "carol", 0, PAM_SUCCESS, PAM_SUCCESS, -1, carol_limits,
     "out of memory; session for carol goes on without limits", NULL},
    {"carol onerr=fail, sticky", "fail", "carol", 1, PAM_SUCCESS, PAM_BUF_ERR, -1, carol_limits,
     "out of memory; session for carol refused", NULL},
    {"carol invalid drop-in", "invalid", "carol", 0, PAM_SERVICE_ERR, PAM_BUF_ERR, -1, NULL,
     "out of memory; session for carol refused", NULL},
    /* A bad module argument: the module still looks the user up (for root). */
    {"carol bad argument", "badarg", "carol", 0, PAM_SERVICE_ERR, PAM_SERVICE_ERR, -1, NULL,
     "invalid arguments; session for carol refused", NULL},
    /*
     * Root is never locked out once the module knows it is root; a
     * failure in the user lookup itself comes before that.
     */
    {"root", "fail", "root", 0, PAM_SUCCESS, PAM_SUCCESS, PAM_BUF_ERR, root_limits,
     "out of memory; root's session goes on without limits",
     "out of memory; session for root refused"},
};

/* ---------------------------------------------------------------------- */

struct arm {
	unsigned long n;
	int sticky;
};

static void hook_before(void *arg)
{
	const struct arm *a = arg;
	fm_arm(a->n, a->sticky);
}

static void hook_after_open(void *arg, unsigned char *payload)
{
	struct failmalloc_report r;
	(void)arg;
	fm_report(&r);
	memcpy(payload, &r, sizeof(r));
}

/*
 * What the module leaves live is judged after pam_end: the limits a session
 * applied stay in the PAM handle (pam_set_data, for setcred) until then.
 * The module allocates nothing after the open, so the counts stay the
 * open's.
 */
static void hook_after_end(void *arg, unsigned char *payload)
{
	struct failmalloc_report open, end;
	(void)arg;
	memcpy(&open, payload, sizeof(open));
	fm_report(&end);
	fm_arm(0, 0);
	open.live = end.live;
	open.live_bytes = end.live_bytes;
	open.table_overflow = end.table_overflow;
	memcpy(open.leaks, end.leaks, sizeof(open.leaks));
	memcpy(payload, &open, sizeof(open));
}

struct site {
	char object[64];
	uintptr_t offset;
	char symbol[64];
	unsigned scenarios; /* bit mask */
};

static struct site sites[MAX_SITES];
static size_t nsites;

static void note_site(const struct failmalloc_site *s, unsigned sc)
{
	for (size_t i = 0; i < nsites; i++) {
		if (sites[i].offset == s->offset && strcmp(sites[i].object, s->object) == 0) {
			sites[i].scenarios |= 1u << sc;
			return;
		}
	}
	if (nsites < MAX_SITES) {
		memcpy(sites[nsites].object, s->object, sizeof(s->object));
		memcpy(sites[nsites].symbol, s->symbol, sizeof(s->symbol));
		sites[nsites].offset = s->offset;
		sites[nsites].scenarios = 1u << sc;
		nsites++;
	}
}

/* Limits the child left: all as before, or as before but for e[0..n). */
static int check_limits(const char *what, const struct fenv_child *c, const struct fenv_limit *e,
			size_t n, unsigned *skipped)
{
	char why[4096] = "";
	unsigned bad = fenv_limits_mismatch(what, c, e, n, skipped, why, sizeof(why));
	fputs(why, stderr);
	return (int)bad;
}

static unsigned long sample_every(void)
{
	const char *s = getenv("FAULTS_SAMPLE");
	long k = s ? atol(s) : 1;
	return k > 1 ? (unsigned long)k : 1;
}

static bool under_valgrind(void)
{
	const char *v = getenv("FAULTS_UNDER_VALGRIND");
	return v && strcmp(v, "1") == 0;
}

/* Runs one scenario; returns the number of failed checks. */
static int run_scenario(unsigned idx, const struct scenario *sc, unsigned long *runs_out)
{
	struct fenv_child c;
	struct arm a = {0, sc->sticky};
	struct fenv_hooks hooks = {hook_before, hook_after_open, hook_after_end, &a};
	unsigned long dist[32] = {0}, prefix = 0, every = sample_every();
	bool past_prefix = false;
	int bad = 0;
	double t0 = fenv_now();
	unsigned long total = 0, n, runs = 0;
	unsigned skipped = 0;
	const char *final = "not reached";

	/* Sampled runs start at a different N in each scenario. */
	for (n = 1 + idx % every; n < MAX_RUNS; n += every) {
		char what[160];
		struct failmalloc_report r;
		a.n = n;
		runs++;
		fenv_run_child(sc->service, sc->user, &hooks, &c);
		snprintf(what, sizeof(what), "%s, allocation %lu", sc->name, n);
		if (!c.exited || c.code != 0 || !c.reported) {
			fprintf(stderr, "%s: child %s %d\n", what,
				c.exited ? "exited" : "killed by signal",
				c.exited ? c.code : c.sig);
			bad++;
			break;
		}
		memcpy(&r, c.payload, sizeof(r));
		if (c.pam.start_rc != PAM_SUCCESS) {
			fprintf(stderr, "%s: pam_start gave %d\n", what, c.pam.start_rc);
			bad++;
			break;
		}
		if (r.live || r.table_overflow) {
			fprintf(stderr,
				"%s: %lu block(s), %lu bytes, still allocated after "
				"pam_end; first at %s+0x%" PRIxPTR "\n",
				what, r.live, r.live_bytes, r.leaks[0].object, r.leaks[0].offset);
			bad++;
		}
		/* After a refused open libpam itself answers PAM_PERM_DENIED. */
		if (c.pam.open_rc == PAM_SUCCESS && c.pam.close_rc != PAM_SUCCESS) {
			fprintf(stderr, "%s: pam_close_session gave %d %s\n", what, c.pam.close_rc,
				tn_pam_code(c.pam.close_rc));
			bad++;
		}
		if (!r.injected) {
			/* Past the last allocation: the normal result. */
			total = r.counted;
			final = tn_pam_code(c.pam.open_rc);
			if (under_valgrind()) {
				/* valgrind refuses to lower RLIMIT_NOFILE's hard limit */
				printf("  (%s: final result not checked under valgrind)\n",
				       sc->name);
				break;
			}
			if (c.pam.open_rc != sc->final_rc) {
				fprintf(stderr, "%s (none failed): got %s, expected %s\n%s", what,
					tn_pam_code(c.pam.open_rc), tn_pam_code(sc->final_rc),
					c.log);
				bad++;
			}
			struct fenv_limit e[RLIM_NLIMITS];
			size_t ne = sc->limits ? sc->limits(e) : 0;
			bad += check_limits(what, &c, e, ne, &skipped);
			break;
		}
		note_site(&r.failed, idx);
		dist[c.pam.open_rc & 31]++;
		/* Sampled runs are not consecutive: a prefix ends at the first other result. */
		bool prefix_ok = sc->oom_rc_prefix >= 0 && !past_prefix && n <= MAX_PREFIX &&
				 c.pam.open_rc == sc->oom_rc_prefix;
		if (prefix_ok)
			prefix++;
		else
			past_prefix = true;
		if (c.pam.open_rc != sc->oom_rc && !prefix_ok) {
			fprintf(stderr, "%s (at %s+0x%" PRIxPTR " %s): got %s, expected %s\n%s",
				what, r.failed.object, r.failed.offset, r.failed.symbol,
				tn_pam_code(c.pam.open_rc), tn_pam_code(sc->oom_rc), c.log);
			bad++;
		}
		bad += check_limits(what, &c, NULL, 0, &skipped);
		const char *want_log = prefix_ok ? sc->prefix_log : sc->oom_log;
		if (fenv_log_count_in(c.log, LOG_ALERT, want_log) != 1) {
			fprintf(stderr, "%s: not one LOG_ALERT line \"%s\" in the log:\n%s", what,
				want_log, c.log);
			bad++;
		}
		if (bad > 20)
			break;
	}
	if (n >= MAX_RUNS) {
		fprintf(stderr, "%s: still injecting after %d runs\n", sc->name, MAX_RUNS);
		bad++;
	}
	printf("  %-28s %5lu counted allocations, %5lu runs, %.1f s;", sc->name, total, runs,
	       fenv_now() - t0);
	bool any = false;
	for (int rc = 0; rc < 32; rc++) {
		if (dist[rc])
			printf(" %s x%lu", tn_pam_code(rc), dist[rc]);
		any = any || dist[rc];
	}
	if (!any)
		printf(" no failure injected");
	if (prefix)
		printf(" (the %lu first: before the uid is known)", prefix);
	printf("; final %s\n", final);
	/* Unsampled, each counted allocation failed once, then one clean run. */
	if (every == 1 && total != 0 && runs != total + 1) {
		fprintf(stderr, "%s: %lu runs for %lu counted allocations\n", sc->name, runs,
			total);
		bad++;
	}
	*runs_out = runs;
	return bad;
}

static void list_sites(void)
{
	const char *module = getenv("FAULTS_MODULE");
	for (size_t i = 0; i < nsites; i++) {
		char cmd[PATH_MAX + 128], where[2 * 256 + 8] = "";
		if (strstr(sites[i].object, "pam_rlimit")) {
			snprintf(cmd, sizeof(cmd),
				 "addr2line -f -s -e %s 0x%" PRIxPTR " 2>/dev/null", module,
				 sites[i].offset - 1);
			FILE *p = popen(cmd, "r");
			if (p) {
				char fn[256] = "", line[256] = "";
				if (fgets(fn, sizeof(fn), p) && fgets(line, sizeof(line), p)) {
					fn[strcspn(fn, "\n")] = '\0';
					line[strcspn(line, "\n")] = '\0';
					snprintf(where, sizeof(where), "%s (%s)", fn, line);
				}
				pclose(p);
			}
		}
		printf("    %s+0x%05" PRIxPTR " %-40s scenarios 0x%x\n", sites[i].object,
		       sites[i].offset, where[0] ? where : sites[i].symbol, sites[i].scenarios);
	}
}

int main(int argc, char **argv)
{
	int rc = fenv_init(argc, argv, setup);
	if (rc >= 0)
		return rc;
	fm_arm = (failmalloc_arm_fn)fenv_shim_symbol("failmalloc_arm");
	fm_report = (failmalloc_report_fn)fenv_shim_symbol("failmalloc_report");
	if (!fm_arm || !fm_report) {
		fprintf(stderr, "alloc_faults: libfailmalloc.so is not preloaded\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	double t0 = fenv_now();
	int bad = 0;
	unsigned long runs = 0, module_sites = 0, yaml_sites = 0;
	printf("alloc_faults: fail each allocation of pam_rlimit.so and libyaml in turn%s\n",
	       sample_every() > 1 ? " (sampled)" : "");
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		unsigned long r;
		bad += run_scenario(i, &scenarios[i], &r);
		runs += r;
	}
	for (size_t i = 0; i < nsites; i++) {
		if (strstr(sites[i].object, "pam_rlimit"))
			module_sites++;
		else
			yaml_sites++;
	}
	printf("alloc_faults: %zu distinct allocation sites failed (%lu in pam_rlimit.so, %lu in "
	       "libyaml), %lu runs, %.1f s\n",
	       nsites, module_sites, yaml_sites, runs, fenv_now() - t0);
	const char *verbose = getenv("FAULTS_VERBOSE");
	if (verbose && strcmp(verbose, "1") == 0)
		list_sites();
	if (module_sites == 0 || yaml_sites == 0) {
		fprintf(stderr,
			"alloc_faults: no allocation of the module or of libyaml was seen\n");
		bad++;
	}
	printf("alloc_faults: %s\n", bad ? "FAILED" : "passed");
	return bad ? 1 : 0;
}
