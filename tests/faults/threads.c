/*
 * threads.c - many threads, each with its own PAM handle, open sessions for
 * different users at once; each must get its own user's limits.  setrlimit
 * is per process, so the policy restates the limits the process has, each
 * user reaches each item through another rule, and the module's debug
 * lines (caught per thread) must name the right rules.  Each thread also
 * calls rl_session_resolve and checks every origin: the library is what
 * must be reentrant.  Run plainly, under helgrind and with ThreadSanitizer;
 * FAULTS_THREADS (16) and FAULTS_THREAD_ROUNDS (200).
 */
#include <errno.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "fenv.h"
#include "nssfault.h"
#include "rlimit_policy.h"

#define NUSERS 32
#define NTEAMS 4
#define UID0 3000
#define TEAM_GID0 4000
#define CLUB_GID 4150
#define MAX_THREADS 64

/* Items valgrind does not emulate, so their limits read the same under it. */
enum { I_CPU, I_FSIZE, I_CORE, I_LOCKS, I_SIGPENDING, I_MSGQUEUE, I_RTTIME, I_MEMLOCK, NI };
static const char *const item_name[NI] = {"cpu",        "fsize",    "core",   "locks",
					  "sigpending", "msgqueue", "rttime", "memlock"};
static const int item_res[NI] = {RLIMIT_CPU,        RLIMIT_FSIZE,    RLIMIT_CORE,   RLIMIT_LOCKS,
				 RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_RTTIME, RLIMIT_MEMLOCK};

/* The rule label each half of each item must come from, "" for none. */
struct expect {
	char soft[NI][40], hard[NI][40];
};
static struct expect expected[NUSERS];

static bool in_club(int u)
{
	return u % 2 == 1;
}

/* Who sets what (the policy below is written from the same plan), per half:
 *   default            rttime both
 *   groups.teamK       memlock both, cpu hard  (K = u % 4, the primary group)
 *   groups.gid:4100-4199  msgqueue both       (odd users are in club, 4150)
 *   users.uid:3000-3015   sigpending both
 *   users.uid:3016-3031   locks both
 *   users.tNN          cpu soft; locks hard when u % 3 == 0 (beats the range)
 *   users.uid:N        core both when u % 5 == 0
 *   groups.bystanders  fsize both            (t00 and t01 only)
 */
static void plan(void)
{
	for (int u = 0; u < NUSERS; u++) {
		struct expect *e = &expected[u];
		memset(e, 0, sizeof(*e));
		snprintf(e->soft[I_RTTIME], 40, "default");
		snprintf(e->hard[I_RTTIME], 40, "default");
		snprintf(e->soft[I_MEMLOCK], 40, "groups.team%d", u % NTEAMS);
		snprintf(e->hard[I_MEMLOCK], 40, "groups.team%d", u % NTEAMS);
		snprintf(e->hard[I_CPU], 40, "groups.team%d", u % NTEAMS);
		if (in_club(u)) {
			snprintf(e->soft[I_MSGQUEUE], 40, "groups.gid:4100-4199");
			snprintf(e->hard[I_MSGQUEUE], 40, "groups.gid:4100-4199");
		}
		if (u < 16) {
			snprintf(e->soft[I_SIGPENDING], 40, "users.uid:3000-3015");
			snprintf(e->hard[I_SIGPENDING], 40, "users.uid:3000-3015");
		} else {
			snprintf(e->soft[I_LOCKS], 40, "users.uid:3016-3031");
			snprintf(e->hard[I_LOCKS], 40, "users.uid:3016-3031");
		}
		snprintf(e->soft[I_CPU], 40, "users.t%02d", u);
		if (u % 3 == 0)
			snprintf(e->hard[I_LOCKS], 40, "users.t%02d", u);
		if (u % 5 == 0) {
			snprintf(e->soft[I_CORE], 40, "users.uid:%d", UID0 + u);
			snprintf(e->hard[I_CORE], 40, "users.uid:%d", UID0 + u);
		}
		if (u <= 1) { /* t00 and t01 are in bystanders */
			snprintf(e->soft[I_FSIZE], 40, "groups.bystanders");
			snprintf(e->hard[I_FSIZE], 40, "groups.bystanders");
		}
	}
}

/* ---------------------------------------------------------------------- */

static void value_text(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%ju", (uintmax_t)v);
}

/* "{soft: S, hard: H}" with this process's own values for item i. */
static void current(int i, bool soft, bool hard, char *buf, size_t size)
{
	struct rlimit rl;
	char s[32], h[32];
	getrlimit(item_res[i], &rl);
	value_text(rl.rlim_cur, s, sizeof(s));
	value_text(rl.rlim_max, h, sizeof(h));
	if (soft && hard)
		snprintf(buf, size, "{soft: %s, hard: %s}", s, h);
	else
		snprintf(buf, size, "{%s: %s}", soft ? "soft" : "hard", soft ? s : h);
}

static void setup(const char *dir)
{
	char v[96], v2[96];
	FILE *f = fenv_open("passwd");
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n");
	for (int u = 0; u < NUSERS; u++)
		fprintf(f, "t%02d:x:%d:%d::/home/t%02d:/bin/sh\n", u, UID0 + u,
			TEAM_GID0 + u % NTEAMS, u);
	fenv_close(f, "passwd", 0644);

	f = fenv_open("group");
	fprintf(f, "root:x:0:\n");
	for (int k = 0; k < NTEAMS; k++)
		fprintf(f, "team%d:x:%d:\n", k, TEAM_GID0 + k);
	fprintf(f, "club:x:%d:", CLUB_GID);
	for (int u = 1; u < NUSERS; u += 2)
		fprintf(f, "%st%02d", u > 1 ? "," : "", u);
	fprintf(f, "\nbystanders:x:4300:t00,t01\n");
	fenv_close(f, "group", 0644);

	fenv_mkdir("policy");
	f = fenv_open("policy/rlimit.yaml");
	fprintf(f, "version: 1\n");
	current(I_RTTIME, true, true, v, sizeof(v));
	fprintf(f, "default:\n  rttime: %s\n", v);
	fprintf(f, "groups:\n");
	for (int k = 0; k < NTEAMS; k++) {
		current(I_MEMLOCK, true, true, v, sizeof(v));
		current(I_CPU, false, true, v2, sizeof(v2));
		fprintf(f, "  team%d:\n    memlock: %s\n    cpu: %s\n", k, v, v2);
	}
	current(I_MSGQUEUE, true, true, v, sizeof(v));
	fprintf(f, "  \"gid:4100-4199\":\n    msgqueue: %s\n", v);
	current(I_FSIZE, true, true, v, sizeof(v));
	fprintf(f, "  bystanders:\n    fsize: %s\n", v);
	fprintf(f, "users:\n");
	current(I_SIGPENDING, true, true, v, sizeof(v));
	fprintf(f, "  \"uid:3000-3015\":\n    sigpending: %s\n", v);
	current(I_LOCKS, true, true, v, sizeof(v));
	fprintf(f, "  \"uid:3016-3031\":\n    locks: %s\n", v);
	for (int u = 0; u < NUSERS; u++) {
		current(I_CPU, true, false, v, sizeof(v));
		fprintf(f, "  t%02d:\n    cpu: %s\n", u, v);
		if (u % 3 == 0) {
			current(I_LOCKS, false, true, v, sizeof(v));
			fprintf(f, "    locks: %s\n", v);
		}
		if (u % 5 == 0) {
			current(I_CORE, true, true, v, sizeof(v));
			fprintf(f, "  \"uid:%d\":\n    core: %s\n", UID0 + u, v);
		}
	}
	fenv_close(f, "policy/rlimit.yaml", 0644);
	fenv_service("threads", "conf=%s/policy/rlimit.yaml debug", dir);
}

/* ---------------------------------------------------------------------- */

static int nthreads = 16, rounds = 200;
static atomic_ulong sessions, resolves, failures;
static char conf_path[4096];

struct worker {
	int id;
	pthread_t th;
};

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
	va_list ap;
	if (atomic_fetch_add(&failures, 1) >= 20)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The debug line of item i in log, or NULL. */
static const char *item_line(const char *log, int i, char *line, size_t size)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%d %s: ", LOG_DEBUG, item_name[i]);
	for (const char *l = log; *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		if (strncmp(l, prefix, strlen(prefix)) == 0) {
			snprintf(line, size, "%.*s", (int)len, l);
			return line;
		}
		l += len + (end != NULL);
	}
	return NULL;
}

static void check_log(int u, const char *log)
{
	const struct expect *e = &expected[u];
	for (int i = 0; i < NI; i++) {
		char line[1024], want[256];
		const char *l = item_line(log, i, line, sizeof(line));
		bool set = e->soft[i][0] || e->hard[i][0];
		if (!set) {
			if (l)
				failf("t%02d: %s applied but no rule sets it: %s\n", u,
				      item_name[i], l);
			continue;
		}
		snprintf(want, sizeof(want), "(soft from %s, hard from %s;",
			 e->soft[i][0] ? e->soft[i] : "the process",
			 e->hard[i][0] ? e->hard[i] : "the process");
		if (!l || !strstr(l, want))
			failf("t%02d: %s: expected \"%s\", log line: %s\n", u, item_name[i], want,
			      l ? l : "(none)");
	}
}

static void check_direct(int u)
{
	struct rl_load_opts o = rl_load_opts_for(conf_path, NULL);
	struct rl_result r;
	uid_t uid;
	char user[16];
	o.trusted_uid = getuid();
	snprintf(user, sizeof(user), "t%02d", u);
	enum rl_status st = rl_session_resolve(&o, user, &uid, &r, NULL);
	atomic_fetch_add(&resolves, 1);
	if (st != RL_OK || uid != (uid_t)(UID0 + u)) {
		failf("t%02d: rl_session_resolve: %s, uid %d\n", u, rl_status_str(st), (int)uid);
		rl_result_free(&r);
		return;
	}
	for (int i = 0; i < NI; i++) {
		int idx = rl_item_lookup(item_name[i], strlen(item_name[i]));
		const struct rl_item_result *ir = &r.item[idx];
		const char *ws = expected[u].soft[i], *wh = expected[u].hard[i];
		if (ir->soft.set != (ws[0] != 0) || ir->hard.set != (wh[0] != 0) ||
		    (ws[0] && strcmp(ir->soft.origin.rule, ws) != 0) ||
		    (wh[0] && strcmp(ir->hard.origin.rule, wh) != 0))
			failf("t%02d: %s resolved from %s/%s, expected %s/%s\n", u, item_name[i],
			      ir->soft.set ? ir->soft.origin.rule : "-",
			      ir->hard.set ? ir->hard.origin.rule : "-", ws[0] ? ws : "-",
			      wh[0] ? wh : "-");
	}
	rl_result_free(&r);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char user[16];
	for (int r = 0; r < rounds; r++) {
		/* At any moment the threads hold different users. */
		int u = (w->id + r) % NUSERS;
		struct fenv_pam p;
		snprintf(user, sizeof(user), "t%02d", u);
		fenv_log_clear();
		fenv_pam_session("threads", user, &p);
		atomic_fetch_add(&sessions, 1);
		if (p.start_rc != PAM_SUCCESS || p.open_rc != PAM_SUCCESS ||
		    p.close_rc != PAM_SUCCESS || p.end_rc != PAM_SUCCESS)
			failf("%s: start %d open %d close %d end %d\n%s", user, p.start_rc,
			      p.open_rc, p.close_rc, p.end_rc, fenv_log());
		else
			check_log(u, fenv_log());
		check_direct(u);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	plan();
	int rc = fenv_init(argc, argv, setup);
	if (rc >= 0)
		return rc;
	const char *s = getenv("FAULTS_THREADS");
	if (s && atoi(s) > 0 && atoi(s) <= MAX_THREADS)
		nthreads = atoi(s);
	s = getenv("FAULTS_THREAD_ROUNDS");
	if (s && atoi(s) > 0)
		rounds = atoi(s);
	snprintf(conf_path, sizeof(conf_path), "%s/policy/rlimit.yaml", fenv_dir());

	struct rlimit before[RLIM_NLIMITS], after[RLIM_NLIMITS];
	for (int i = 0; i < RLIM_NLIMITS; i++)
		getrlimit(i, &before[i]);

	/* One session first, alone: nss_wrapper initialises itself lazily. */
	struct fenv_pam p;
	fenv_log_clear();
	fenv_pam_session("threads", "t00", &p);
	if (p.open_rc != PAM_SUCCESS) {
		fprintf(stderr, "threads: first session: %d\n%s", p.open_rc, fenv_log());
		return 1;
	}
	check_log(0, fenv_log());

	double t0 = fenv_now();
	struct worker w[MAX_THREADS];
	for (int i = 0; i < nthreads; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "threads: pthread_create: %s\n", strerror(errno));
			return 2;
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].th, NULL);
	double dt = fenv_now() - t0;

	for (int i = 0; i < RLIM_NLIMITS; i++) {
		getrlimit(i, &after[i]);
		if (after[i].rlim_cur != before[i].rlim_cur ||
		    after[i].rlim_max != before[i].rlim_max)
			failf("resource %d changed: the policy should only restate it\n", i);
	}
	/* The module's own lookups, counted by libnssfault when preloaded. */
	nssfault_counts_fn counts = (nssfault_counts_fn)fenv_shim_symbol("nssfault_counts");
	if (counts) {
		struct nssfault_counts n;
		unsigned long want = atomic_load(&sessions) + 1; /* and the first, alone */
		counts(&n);
		printf("threads: the module made %lu getpwnam_r, %lu getgrouplist and %lu "
		       "getgrgid_r calls for %lu sessions\n",
		       n.getpwnam_r, n.getgrouplist, n.getgrgid_r, want);
		if (n.getpwnam_r != want || n.getgrouplist != want)
			failf("expected one getpwnam_r and one getgrouplist per session\n");
	}
	printf("threads: %d threads x %d rounds: %lu sessions through libpam and %lu direct "
	       "resolutions in %.1f s, %lu failure(s)\n",
	       nthreads, rounds, atomic_load(&sessions), atomic_load(&resolves), dt,
	       atomic_load(&failures));
	return atomic_load(&failures) ? 1 : 0;
}
