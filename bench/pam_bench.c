/*
 * pam_bench.c - times whole PAM sessions through real libpam.
 *
 *   pam_bench -c DIR -s SERVICE -u USER [-n MAX] [-m MIN] [-w WARMUP] [-t SECONDS] [-H|-V] [-P]
 *
 * A session is what a login program does: pam_start_confdir (libpam loads
 * the stack), open, close, pam_end (it unloads it).  After WARMUP (20) it
 * times as many as fit in SECONDS (2), MIN (5) to MAX (2000), and prints
 * "n N median_us M p99_us P mean_us A min_us L max_us X cpu_median_us C".
 */
#include <dlfcn.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *confdir, *service, *user;
	long max, min, warmup;
	double seconds;
	bool heap, probe, prime;
};

struct heapfn {
	size_t (*live)(void);
	size_t (*peak)(void);
	unsigned long long (*allocs)(void);
	void (*reset_peak)(void);
};

struct heapstat {
	size_t open_peak, session_peak, retained;
	unsigned long long allocs;
};

static int conv_none(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static bool check(pam_handle_t *h, int rc, const char *what)
{
	if (rc == PAM_SUCCESS)
		return true;
	fprintf(stderr, "pam_bench: %s: %s (%d)\n", what, pam_strerror(h, rc), rc);
	return false;
}

static bool heap_mark(const struct heapfn *hf, size_t *live)
{
	if (!hf)
		return true;
	*live = hf->live();
	hf->reset_peak();
	return true;
}

/* One session.  With hf, fills *hs. */
static bool session(const struct opts *o, const struct heapfn *hf, struct heapstat *hs)
{
	static const struct pam_conv conv = {conv_none, NULL};
	pam_handle_t *h = NULL;
	size_t base = 0, before_open = 0, mark = 0;
	size_t peak_start = 0, peak_open = 0;
	unsigned long long allocs0 = hf ? hf->allocs() : 0;

	heap_mark(hf, &base);
	int rc = pam_start_confdir(o->service, o->user, &conv, o->confdir, &h);
	if (!check(h, rc, "pam_start_confdir"))
		return false;
	if (hf)
		peak_start = hf->peak();
	heap_mark(hf, &before_open);
	rc = pam_open_session(h, 0);
	if (hf)
		peak_open = hf->peak();
	bool ok = check(h, rc, "pam_open_session");
	heap_mark(hf, &mark);
	if (ok)
		ok = check(h, pam_close_session(h, 0), "pam_close_session");
	rc = pam_end(h, rc);
	if (hf) {
		size_t peak_end = hf->peak();
		size_t top = peak_start > peak_open ? peak_start : peak_open;
		top = top > peak_end ? top : peak_end;
		hs->open_peak = peak_open - before_open;
		hs->session_peak = top - base;
		size_t after = hf->live();
		hs->retained = after > base ? after - base : 0;
		hs->allocs = hf->allocs() - allocs0;
	}
	return ok && rc == PAM_SUCCESS;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile by nearest rank. */
static uint64_t percentile(const uint64_t *sorted, long n, double p)
{
	long rank = (long)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static bool snapshot(struct rlimit *rl)
{
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (getrlimit(r, &rl[r]) != 0)
			return false;
	}
	return true;
}

static bool same_limits(const struct rlimit *a, const struct rlimit *b)
{
	bool same = true;
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (a[r].rlim_cur != b[r].rlim_cur || a[r].rlim_max != b[r].rlim_max) {
			fprintf(stderr, "pam_bench: resource %d changed: %ju/%ju -> %ju/%ju\n", r,
				(uintmax_t)a[r].rlim_cur, (uintmax_t)a[r].rlim_max,
				(uintmax_t)b[r].rlim_cur, (uintmax_t)b[r].rlim_max);
			same = false;
		}
	}
	return same;
}

/*
 * -H, with bench/heapcount.so preloaded: the worst of three sessions, as
 * "open_peak B session_peak B retained B allocs N": the peak heap during
 * pam_open_session and during the whole session, above what was live
 * before; what is left after pam_end; the allocations.
 */
static int run_heap(const struct opts *o)
{
	struct heapfn hf = {
	    .live = (size_t(*)(void))dlsym(RTLD_DEFAULT, "heapcount_live"),
	    .peak = (size_t(*)(void))dlsym(RTLD_DEFAULT, "heapcount_peak"),
	    .allocs = (unsigned long long (*)(void))dlsym(RTLD_DEFAULT, "heapcount_allocs"),
	    .reset_peak = (void (*)(void))dlsym(RTLD_DEFAULT, "heapcount_reset_peak"),
	};
	if (!hf.live || !hf.peak || !hf.allocs || !hf.reset_peak) {
		fprintf(stderr, "pam_bench: -H needs heapcount.so in LD_PRELOAD\n");
		return 1;
	}
	struct heapstat worst = {0, 0, 0, 0}, hs;
	for (long i = 0; i < o->warmup; i++) {
		if (!session(o, NULL, NULL))
			return 1;
	}
	for (int i = 0; i < 3; i++) {
		if (!session(o, &hf, &hs))
			return 1;
		worst.open_peak = hs.open_peak > worst.open_peak ? hs.open_peak : worst.open_peak;
		worst.session_peak =
		    hs.session_peak > worst.session_peak ? hs.session_peak : worst.session_peak;
		worst.retained = hs.retained > worst.retained ? hs.retained : worst.retained;
		worst.allocs = hs.allocs > worst.allocs ? hs.allocs : worst.allocs;
	}
	printf("open_peak %zu session_peak %zu retained %zu allocs %llu\n", worst.open_peak,
	       worst.session_peak, worst.retained, worst.allocs);
	return 0;
}

/* More than probe.c has counters. */
#define PROBE_MAX 16

/*
 * -V, with bench/probe.so preloaded: three sessions' totals, as "sessions 3
 * yaml_parsers Y getpwnam_r A getgrouplist B getgrnam_r C getgrgid_r D
 * log_lines L rlimit_warnings W" (the last: pam_rlimit's lines at
 * LOG_WARNING or worse).  The probe copies every log line to stderr.
 */
static int run_probe(const struct opts *o)
{
	unsigned long (*count)(int) = (unsigned long (*)(int))dlsym(RTLD_DEFAULT, "probe_count");
	const char *(*name)(int) = (const char *(*)(int))dlsym(RTLD_DEFAULT, "probe_name");
	unsigned long before[PROBE_MAX];
	size_t n = 0;
	if (!count || !name) {
		fprintf(stderr, "pam_bench: -V needs probe.so in LD_PRELOAD\n");
		return 1;
	}
	while (n < PROBE_MAX && name((int)n))
		n++;
	for (long i = 0; i < o->warmup; i++) {
		if (!session(o, NULL, NULL))
			return 1;
	}
	for (size_t c = 0; c < n; c++)
		before[c] = count((int)c);
	for (int i = 0; i < 3; i++) {
		if (!session(o, NULL, NULL))
			return 1;
	}
	printf("sessions 3");
	for (size_t c = 0; c < n; c++)
		printf(" %s %lu", name((int)c), count((int)c) - before[c]);
	printf("\n");
	return 0;
}

static int run_time(const struct opts *o)
{
	/* The first session loads the modules' dependencies for the first
	 * time and fills nss_wrapper's cache: it tells how slow a session
	 * is, and how many warm-up sessions fit. */
	uint64_t t0 = now_ns();
	if (!session(o, NULL, NULL))
		return 1;
	double first = (double)(now_ns() - t0) / 1e9;
	long warm = o->warmup;
	if (first * (double)warm > o->seconds / 4)
		warm = (long)(o->seconds / 4 / first);
	for (long i = 1; i < warm; i++) {
		if (!session(o, NULL, NULL))
			return 1;
	}

	long n = first > 0 ? (long)(o->seconds / first) : o->max;
	n = n < o->min ? o->min : n > o->max ? o->max : n;
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	uint64_t *cpu = calloc((size_t)n, sizeof(*cpu));
	if (!t || !cpu) {
		free(t);
		free(cpu);
		return 1;
	}
	uint64_t deadline = now_ns() + (uint64_t)(o->seconds * 1e9);
	long done = 0;
	while (done < n) {
		uint64_t a = now_ns(), ca = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (!session(o, NULL, NULL)) {
			free(t);
			free(cpu);
			return 1;
		}
		uint64_t b = now_ns();
		cpu[done] = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - ca;
		t[done++] = b - a;
		/* Stop early when sessions got slower than the first one
		 * promised, but never below MIN. */
		if (done >= o->min && b > deadline)
			break;
	}
	qsort(t, (size_t)done, sizeof(*t), cmp_u64);
	qsort(cpu, (size_t)done, sizeof(*cpu), cmp_u64);
	double sum = 0;
	for (long i = 0; i < done; i++)
		sum += (double)t[i];
	printf("n %ld median_us %.1f p99_us %.1f mean_us %.1f min_us %.1f max_us %.1f "
	       "cpu_median_us %.1f\n",
	       done, (double)percentile(t, done, 50) / 1e3, (double)percentile(t, done, 99) / 1e3,
	       sum / (double)done / 1e3, (double)t[0] / 1e3, (double)t[done - 1] / 1e3,
	       (double)percentile(cpu, done, 50) / 1e3);
	free(t);
	free(cpu);
	return 0;
}

/*
 * -P: the user and its groups looked up first, so that the NSS module's
 * caches are in the baseline of a valgrind massif run.  A PAM call that
 * fails, or a limit that differs after the run, is an error (exit 1): the
 * benchmark's policies are built so that applying them changes nothing.
 */
static void prime_nss(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return;
	gid_t gids[1024];
	int n = 1024;
	if (getgrouplist(user, pw->pw_gid, gids, &n) < 0)
		n = 0;
	for (int i = 0; i < n; i++)
		(void)getgrgid(gids[i]);
}

static void usage(void)
{
	fprintf(stderr, "usage: pam_bench -c CONFDIR -s SERVICE -u USER [-n MAX] [-m MIN] "
			"[-w WARMUP] [-t SECONDS] [-H | -V] [-P]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {NULL, NULL, NULL, 2000, 5, 20, 2.0, false, false, false};
	int c;
	while ((c = getopt(argc, argv, "c:s:u:n:m:w:t:HVP")) != -1) {
		switch (c) {
		case 'c':
			o.confdir = optarg;
			break;
		case 's':
			o.service = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'n':
			o.max = atol(optarg);
			break;
		case 'm':
			o.min = atol(optarg);
			break;
		case 'w':
			o.warmup = atol(optarg);
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		case 'H':
			o.heap = true;
			break;
		case 'V':
			o.probe = true;
			break;
		case 'P':
			o.prime = true;
			break;
		default:
			usage();
		}
	}
	if (!o.confdir || !o.service || !o.user || o.max < 1 || o.min < 1 || o.min > o.max ||
	    o.warmup < 1 || o.seconds <= 0 || (o.heap && o.probe))
		usage();

	if (o.prime)
		prime_nss(o.user);
	struct rlimit before[RLIM_NLIMITS], after[RLIM_NLIMITS];
	if (!snapshot(before))
		return 1;
	int rc = o.heap ? run_heap(&o) : o.probe ? run_probe(&o) : run_time(&o);
	if (!snapshot(after) || !same_limits(before, after))
		return 1;
	return rc;
}
