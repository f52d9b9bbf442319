/*
 * fenv.c - the wrapped world of the fault tests; see fenv.h.
 */
#include "fenv.h"
#include "../common/testio.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static char work[PATH_MAX];

static _Thread_local char tlog[FENV_LOG_MAX];
static _Thread_local size_t tlog_len;

static void die(const char *what)
{
	fprintf(stderr, "faults: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* snprintf into a PATH_MAX buffer; a path that does not fit is fatal. */
__attribute__((format(printf, 2, 3))) static void fpath(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		die(fmt);
	}
}

const char *fenv_dir(void)
{
	return work;
}

double fenv_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

FILE *fenv_open(const char *rel)
{
	char path[PATH_MAX];
	fpath(path, "%s/%s", work, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path);
	return f;
}

void fenv_close(FILE *f, const char *rel, mode_t mode)
{
	char path[PATH_MAX];
	fpath(path, "%s/%s", work, rel);
	bool failed = ferror(f); /* a write that failed earlier */
	if (fclose(f) != 0 || failed || chmod(path, mode) != 0)
		die(path);
}

void fenv_write(const char *rel, mode_t mode, const char *fmt, ...)
{
	FILE *f = fenv_open(rel);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fenv_close(f, rel, mode);
}

void fenv_mkdir(const char *rel)
{
	char path[PATH_MAX];
	fpath(path, "%s/%s", work, rel);
	if (mkdir(path, 0755) != 0 || chmod(path, 0755) != 0)
		die(path);
}

void fenv_service(const char *name, const char *args_fmt, ...)
{
	char args[2048], rel[256];
	const char *module = getenv("FAULTS_MODULE");
	va_list ap;
	va_start(ap, args_fmt);
	vsnprintf(args, sizeof(args), args_fmt, ap);
	va_end(ap);
	snprintf(rel, sizeof(rel), "services/%s", name);
	fenv_write(rel, 0644, "session required %s %s\n", module, args);
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static const char *need_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "faults: %s is not set (run through make check-faults)\n", name);
		exit(2);
	}
	return v;
}

/* Splits FAULTS_RUNNER into words and appends argv; runs it; returns its code. */
static int run_stage2(int argc, char **argv)
{
	char *runner = getenv("FAULTS_RUNNER") ? strdup(getenv("FAULTS_RUNNER")) : NULL;
	char *words[64];
	int n = 0;
	for (char *save = NULL, *w = runner ? strtok_r(runner, " ", &save) : NULL; w && n < 48;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	for (int i = 0; i < argc && n < 63; i++)
		words[n++] = argv[i];
	words[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(words[0], words);
		fprintf(stderr, "faults: cannot run %s: %s\n", words[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid");
	}
	free(runner);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "faults: %s killed by signal %d\n", argv[0], WTERMSIG(status));
		return 1;
	}
	if (WEXITSTATUS(status) != 0)
		fprintf(stderr, "faults: %s exited with %d\n", argv[0], WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

int fenv_init(int argc, char **argv, fenv_setup_fn setup)
{
	const char *stage = getenv("FAULTS_STAGE");
	if (stage && strcmp(stage, "2") == 0) {
		fpath(work, "%s", need_env("FAULTS_WORK"));
		return -1;
	}
	const char *module = need_env("FAULTS_MODULE");
	const char *nw = need_env("FAULTS_NSS_WRAPPER");
	const char *extra = getenv("FAULTS_PRELOAD");
	const char *parent = getenv("FAULTS_WORKDIR");
	if (access(module, R_OK) != 0 || access(nw, R_OK) != 0) {
		fprintf(stderr, "faults: missing %s or %s\n", module, nw);
		return 2;
	}
	if (module[0] != '/') {
		fprintf(stderr, "faults: FAULTS_MODULE must be an absolute path\n");
		return 2;
	}
	fpath(work, "%s/faults.XXXXXX", parent && *parent ? parent : "/tmp");
	if (!mkdtemp(work))
		die(work);
	if (chmod(work, 0755) != 0)
		die(work);
	fenv_mkdir("services");
	/* libpam's fallback service: present, so it does not log its absence. */
	fenv_write("services/other", 0644, "# no rules\n");
	setup(work);

	char path[PATH_MAX], preload[4 * PATH_MAX];
	setenv("FAULTS_STAGE", "2", 1);
	setenv("FAULTS_WORK", work, 1);
	fpath(path, "%s/passwd", work);
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	fpath(path, "%s/group", work);
	setenv("NSS_WRAPPER_GROUP", path, 1);
	snprintf(preload, sizeof(preload), "%s%s%s", extra && *extra ? extra : "",
		 extra && *extra ? ":" : "", nw);
	setenv("LD_PRELOAD", preload, 1);

	int rc = run_stage2(argc, argv);
	const char *keep = getenv("FAULTS_KEEP");
	if (keep && strcmp(keep, "1") == 0)
		fprintf(stderr, "faults: work folder kept: %s\n", work);
	else
		nftw(work, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

/* ----------------------------------------------------------------------
 * Log capture: these definitions in the executable take precedence over
 * libpam's for the module (faults.mk exports them).
 */
void pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	char line[1024];
	(void)pamh;
	vsnprintf(line, sizeof(line), fmt, ap);
	int n = snprintf(tlog + tlog_len, sizeof(tlog) - tlog_len, "%d %s\n", prio, line);
	if (n > 0 && (size_t)n < sizeof(tlog) - tlog_len)
		tlog_len += (size_t)n;
}

void pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

const char *fenv_log(void)
{
	tlog[tlog_len] = '\0';
	return tlog;
}

void fenv_log_clear(void)
{
	tlog_len = 0;
	tlog[0] = '\0';
}

unsigned fenv_log_count(int prio, const char *text)
{
	return fenv_log_count_in(fenv_log(), prio, text);
}

unsigned fenv_log_count_in(const char *log, int prio, const char *text)
{
	unsigned n = 0;
	const char *l = log;
	while (*l) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char line[1100];
		snprintf(line, sizeof(line), "%.*s", (int)len, l);
		char *sp = strchr(line, ' ');
		if (sp && (prio < 0 || atoi(line) == prio) && strstr(sp + 1, text))
			n++;
		l += len + (end != NULL);
	}
	return n;
}

/*
 * libpam audits every session through libaudit when it can (as root it
 * can): thousands of fake sessions do not belong in this machine's audit
 * log, and libaudit's own unlocked state is not what the thread test is
 * about.  Like pam_wrapper, tell libpam the kernel has no audit support.
 */
int audit_open(void);
int audit_open(void)
{
	errno = EPROTONOSUPPORT;
	return -1;
}

/* ---------------------------------------------------------------------- */

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *d)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)d;
	return PAM_CONV_ERR;
}

static void pam_session_hooked(const char *service, const char *user, struct fenv_pam *out,
			       const struct fenv_hooks *hooks, unsigned char *payload)
{
	struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *pamh = NULL;
	memset(out, 0, sizeof(*out));
	out->open_rc = out->close_rc = out->end_rc = -1;
	char confdir[PATH_MAX];
	fpath(confdir, "%s/services", work);
	out->start_rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
	if (out->start_rc != PAM_SUCCESS)
		return;
	out->open_rc = pam_open_session(pamh, 0);
	if (hooks && hooks->after_open)
		hooks->after_open(hooks->arg, payload);
	out->close_rc = pam_close_session(pamh, 0);
	out->end_rc = pam_end(pamh, out->open_rc);
}

void fenv_pam_session(const char *service, const char *user, struct fenv_pam *out)
{
	pam_session_hooked(service, user, out, NULL, NULL);
}

void fenv_run_child(const char *service, const char *user, const struct fenv_hooks *hooks,
		    struct fenv_child *out)
{
	int pfd[2];
	double t0 = fenv_now();
	memset(out, 0, sizeof(*out));
	if (pipe(pfd) != 0)
		die("pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		static struct fenv_child r; /* static: large, and the child is alone */
		close(pfd[0]);
		fenv_log_clear();
		for (int i = 0; i < RLIM_NLIMITS; i++)
			getrlimit(i, &r.before[i]);
		if (hooks && hooks->before)
			hooks->before(hooks->arg);
		pam_session_hooked(service, user, &r.pam, hooks, r.payload);
		if (hooks && hooks->after_end)
			hooks->after_end(hooks->arg, r.payload);
		for (int i = 0; i < RLIM_NLIMITS; i++)
			getrlimit(i, &r.after[i]);
		snprintf(r.log, sizeof(r.log), "%s", fenv_log());
		r.reported = true;
		bool ok = tio_write_all(pfd[1], &r, sizeof(r));
		close(pfd[1]);
		exit(ok ? 0 : 3);
	}
	close(pfd[1]);
	size_t got = tio_read_full(pfd[0], out, sizeof(*out));
	close(pfd[0]);
	if (got != sizeof(*out))
		memset(out, 0, sizeof(*out));
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid");
	}
	out->exited = WIFEXITED(status);
	out->code = out->exited ? WEXITSTATUS(status) : -1;
	out->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	out->seconds = fenv_now() - t0;
}

unsigned fenv_limits_mismatch(const char *what, const struct fenv_child *c,
			      const struct fenv_limit *want, size_t n, unsigned *skipped, char *why,
			      size_t size)
{
	unsigned bad = 0;
	size_t o = strnlen(why, size);
	for (int res = 0; res < RLIM_NLIMITS; res++) {
		const struct fenv_limit *w = NULL;
		for (size_t i = 0; i < n; i++) {
			if (want[i].res == res)
				w = &want[i];
		}
		const struct rlimit *b = &c->before[res], *a = &c->after[res];
		if (w && w->hard > b->rlim_max) {
			printf("  SKIP check of %s: policy hard %ju above this process's hard "
			       "limit %ju\n",
			       tn_resource(res), (uintmax_t)w->hard, (uintmax_t)b->rlim_max);
			if (skipped)
				(*skipped)++;
			continue;
		}
		rlim_t soft = w ? w->soft : b->rlim_cur, hard = w ? w->hard : b->rlim_max;
		if (a->rlim_cur == soft && a->rlim_max == hard)
			continue;
		bad++;
		int k = snprintf(why + o, size - o, "%s: %s is %ju/%ju, expected %ju/%ju%s\n", what,
				 tn_resource(res), (uintmax_t)a->rlim_cur, (uintmax_t)a->rlim_max,
				 (uintmax_t)soft, (uintmax_t)hard, w ? "" : " (as before)");
		if (k > 0 && (size_t)k < size - o)
			o += (size_t)k;
	}
	return bad;
}

void *fenv_shim_symbol(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}
