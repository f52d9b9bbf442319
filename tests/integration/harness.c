/*
 * harness.c - see harness.h.  Test code: it may print and exit; the module
 * under test may not, and the harness checks that it does not.
 */
#include "harness.h"
#include "../common/testcaps.h"
#include "../common/testio.h"
#include "../common/testnames.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#ifndef RLT_DEFAULT_MODULE
#define RLT_DEFAULT_MODULE "build/test/pam_rlimit.so"
#endif
#ifndef RLT_DEFAULT_PAM_WRAPPER
#define RLT_DEFAULT_PAM_WRAPPER "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
#endif
#ifndef RLT_DEFAULT_NSS_WRAPPER
#define RLT_DEFAULT_NSS_WRAPPER "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define RLT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RLT_ASAN 1
#endif
#endif

#define RLT_SERVICE "rlt"
/* The smallest as/data cap the cases use: probed before any case runs. */
#define RLT_PROBE_MEM (1 * RLT_GiB)

/*
 * Every case child lowers its limits to these first, so expected values are
 * exact whatever the machine gave the test.  Policies in the cases stay
 * below them (only lowering is possible without CAP_SYS_RESOURCE) except
 * where a case tests a refused raise.
 */
static const struct rlimit baseline[RLT_NRES] = {
    [RLIMIT_CPU] = {3600, 7200},
    [RLIMIT_FSIZE] = {64 * RLT_GiB, 128 * RLT_GiB},
    [RLIMIT_DATA] = {256 * RLT_GiB, 256 * RLT_GiB},
    [RLIMIT_STACK] = {8 * RLT_MiB, 64 * RLT_MiB},
    [RLIMIT_CORE] = {1 * RLT_MiB, 16 * RLT_MiB},
    [RLIMIT_RSS] = {64 * RLT_GiB, 128 * RLT_GiB},
    [RLIMIT_NPROC] = {2048, 4096},
    [RLIMIT_NOFILE] = {1024, 2048},
    [RLIMIT_MEMLOCK] = {32 * RLT_KiB, 64 * RLT_KiB},
    [RLIMIT_AS] = {256 * RLT_GiB, 256 * RLT_GiB},
    [RLIMIT_LOCKS] = {1024, 2048},
    [RLIMIT_SIGPENDING] = {1024, 2048},
    [RLIMIT_MSGQUEUE] = {204800, 409600},
    [RLIMIT_NICE] = {0, 0},
    [RLIMIT_RTPRIO] = {0, 0},
    [RLIMIT_RTTIME] = {2000000, 4000000},
};

/* What the case child sends back. */
struct outcome {
	int stage; /* 0: nothing sent, 1: the baseline failed, 2: libpamtest ran */
	int base_res, base_errno;
	int pamtest_err;
	int open_rc, close_rc, setcred_rc;
	struct rlimit pre[RLT_NRES], post[RLT_NRES];
	int nice_pre, nice_post, nnp_pre, nnp_post; /* of the case's main thread */
	struct rlt_nss_calls nss;
};

static struct {
	char workdir[PATH_MAX];
	char module[PATH_MAX];
	char undo_module[PATH_MAX];
	bool avail[RLT_NRES];
	char why[RLT_NRES][128];
	unsigned ncases;
	unsigned timeout;
} g;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("test_session: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ------------------------------------------------------------------ */
/*
 * Counting directory lookups.  These definitions stand in front of
 * nss_wrapper's for every caller in the process once the test binary
 * exports them (integration.mk links it with --export-dynamic-symbol):
 * the executable comes first in the dynamic linker's search, the module
 * finds them there, and each passes the call on to the next definition
 * (nss_wrapper's).  Built without the export (another suite sharing this
 * file), they only see the binary's own calls.
 */
static struct rlt_nss_calls nss_calls;

#define NEXT(fn) ((__typeof__(&fn))next_symbol(#fn))

static void *next_symbol(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		die("dlsym %s: %s", name, dlerror());
	return f;
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	nss_calls.getpwnam_r++;
	return NEXT(getpwnam_r)(name, pw, buf, len, res);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t len, struct group **res)
{
	nss_calls.getgrnam_r++;
	return NEXT(getgrnam_r)(name, gr, buf, len, res);
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, struct group **res)
{
	nss_calls.getgrgid_r++;
	return NEXT(getgrgid_r)(gid, gr, buf, len, res);
}

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	nss_calls.getgrouplist++;
	return NEXT(getgrouplist)(user, group, groups, ngroups);
}

/* ------------------------------------------------------------------ */
/* Small helpers */

/* %D, and in stacks %R and %U (rlt_stack); other text is copied. */
static void expand_with(char *out, size_t size, const char *in, const char *dir, const char *rlimit,
			const char *undo)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0'; p++) {
		const char *piece = p;
		size_t n = 1;
		const char *with = NULL;

		if (p[0] == '%' && p[1] == 'D')
			with = dir;
		else if (p[0] == '%' && p[1] == 'R')
			with = rlimit;
		else if (p[0] == '%' && p[1] == 'U')
			with = undo;
		if (with != NULL) {
			piece = with;
			n = strlen(with);
			p++;
		}
		if (o + n >= size)
			fail_msg("expanding \"%s\": too long", in);
		memcpy(out + o, piece, n);
		o += n;
	}
	out[o] = '\0';
}

static void expand(char *out, size_t size, const char *in, const char *dir)
{
	expand_with(out, size, in, dir, NULL, NULL);
}

static void path_in(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= size)
		fail_msg("path %s/%s too long", dir, rel);
}

static void write_all_or_die(int fd, const void *buf, size_t len)
{
	if (!tio_write_all(fd, buf, len))
		_exit(90);
}

static void write_bytes_mode(const char *path, mode_t mode, const char *content, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		die("cannot create %s: %s", path, strerror(errno));
	if (!tio_write_all(fd, content, len))
		die("cannot write %s: %s", path, strerror(errno));
	if (fchmod(fd, mode) != 0 || close(fd) != 0)
		die("cannot finish %s: %s", path, strerror(errno));
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len = 0, cap = 4096;

	if (f == NULL)
		return NULL;
	buf = malloc(cap);
	if (buf == NULL)
		die("out of memory");
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				die("out of memory");
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "test_session: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

static void rm_tree(const char *dir)
{
	if (getenv("RLT_KEEP") != NULL && getenv("RLT_KEEP")[0] == '1') {
		fprintf(stderr, "test_session: keeping %s\n", dir);
		return;
	}
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *lim_str(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Public small things */

rlim_t rlt_base_soft(int res)
{
	return baseline[res].rlim_cur;
}

rlim_t rlt_base_hard(int res)
{
	return baseline[res].rlim_max;
}

uint64_t rlt_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long psize = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psize <= 0)
		fail_msg("sysconf cannot tell the RAM size");
	return (uint64_t)pages * (uint64_t)psize;
}

rlim_t rlt_ram_fraction(uint64_t num, uint64_t den)
{
	unsigned __int128 v = (unsigned __int128)rlt_ram_bytes() * num / den;

	return (rlim_t)v;
}

rlim_t rlt_nr_open(void)
{
	char *s = read_file("/proc/sys/fs/nr_open");
	unsigned long long v = 0;

	if (s == NULL || sscanf(s, "%llu", &v) != 1)
		fail_msg("cannot read /proc/sys/fs/nr_open");
	free(s);
	return (rlim_t)v;
}

bool rlt_is_root(void)
{
	return geteuid() == 0;
}

void rlt_skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_message("[   SKIP   ] %s\n", msg);
	skip();
}

/* ------------------------------------------------------------------ */
/* Cases */

int rlt_setup(void **state)
{
	struct rlt_case *c = calloc(1, sizeof(*c));
	int n;

	if (c == NULL)
		return -1;
	n = snprintf(c->dir, sizeof(c->dir), "%s/case-%03u", g.workdir, ++g.ncases);
	if (n < 0 || (size_t)n >= sizeof(c->dir) || mkdir(c->dir, 0755) != 0) {
		free(c);
		return -1;
	}
	/* mkdir honours the umask; the trust check must see exactly 0755. */
	chmod(c->dir, 0755);
	*state = c;
	return 0;
}

int rlt_teardown(void **state)
{
	struct rlt_case *c = *state;

	if (c != NULL) {
		rm_tree(c->dir);
		free(c);
	}
	return 0;
}

static void make_parents(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
}

static void write_file_mode(const char *path, mode_t mode, const char *content)
{
	write_bytes_mode(path, mode, content, strlen(content));
}

void rlt_path(const struct rlt_case *c, const char *rel, char *out, size_t size)
{
	path_in(out, size, c->dir, rel);
}

void rlt_file_bytes(struct rlt_case *c, const char *rel, mode_t mode, const void *buf, size_t len)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), c->dir, rel);
	make_parents(path);
	write_bytes_mode(path, mode, buf, len);
}

void rlt_file(struct rlt_case *c, const char *rel, mode_t mode, const char *content)
{
	rlt_file_bytes(c, rel, mode, content, strlen(content));
}

void rlt_dir(struct rlt_case *c, const char *rel, mode_t mode)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), c->dir, rel);
	make_parents(path);
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	if (chmod(path, mode) != 0)
		fail_msg("chmod %s: %s", path, strerror(errno));
}

void rlt_symlink(struct rlt_case *c, const char *rel, const char *target)
{
	char path[PATH_MAX], to[PATH_MAX];

	path_in(path, sizeof(path), c->dir, rel);
	expand(to, sizeof(to), target, c->dir);
	make_parents(path);
	if (symlink(to, path) != 0)
		fail_msg("symlink %s -> %s: %s", path, to, strerror(errno));
}

void rlt_chown(struct rlt_case *c, const char *rel, uid_t uid, gid_t gid)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), c->dir, rel);
	if (lchown(path, uid, gid) != 0)
		fail_msg("chown %s: %s", path, strerror(errno));
}

void rlt_args(struct rlt_case *c, const char *args)
{
	expand(c->args, sizeof(c->args), args, c->dir);
	c->args_set = true;
}

void rlt_expect(struct rlt_case *c, int res, rlim_t soft, rlim_t hard)
{
	assert_true(res >= 0 && res < RLT_NRES);
	c->expect[res] = (struct rlt_expect){.set = true, .soft = soft, .hard = hard};
}

void rlt_stack(struct rlt_case *c, const char *text)
{
	assert_true(strlen(text) < sizeof(c->stack));
	snprintf(c->stack, sizeof(c->stack), "%s", text);
}

void rlt_setcred(struct rlt_case *c, enum rlt_setcred when, int rc)
{
	c->setcred = when;
	c->setcred_rc = rc;
}

void rlt_expect_baseline(struct rlt_case *c, int res)
{
	rlt_expect(c, res, baseline[res].rlim_cur, baseline[res].rlim_max);
}

void rlt_open_in_thread(struct rlt_case *c)
{
	c->open_in_thread = true;
}

void rlt_expect_nice(struct rlt_case *c, int nice)
{
	c->nice = (struct rlt_expect_int){.set = true, .value = nice};
}

void rlt_expect_nonewprivs(struct rlt_case *c, int on)
{
	c->nonewprivs = (struct rlt_expect_int){.set = true, .value = on};
}

/* This thread's niceness (getpriority's -1 is a niceness too). */
static int nice_now(void)
{
	errno = 0;
	int n = getpriority(PRIO_PROCESS, 0);
	if (n == -1 && errno != 0)
		fail_msg("getpriority: %s", strerror(errno));
	return n;
}

int rlt_nonewprivs(void)
{
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

bool rlt_can_lower_nice(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		int n = nice_now();
		int up = n < 19 ? n + 1 : n, down = up - 1;
		_exit(setpriority(PRIO_PROCESS, 0, up) == 0 &&
			      setpriority(PRIO_PROCESS, 0, down) == 0 && nice_now() == down
			  ? 0
			  : 1);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void rlt_expect_log(struct rlt_case *c, int prio, const char *text)
{
	struct rlt_log *l;

	assert_true(c->nlogs < RLT_MAX_LOGS);
	l = &c->logs[c->nlogs++];
	l->prio = prio;
	expand(l->text, sizeof(l->text), text, c->dir);
}

/* ------------------------------------------------------------------ */
/* The case child */

static void write_services(const struct rlt_case *c)
{
	char path[PATH_MAX], line[PATH_MAX + 2200];

	path_in(path, sizeof(path), c->dir, "services");
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	if (c->stack[0] != '\0') {
		char rlimit[PATH_MAX + 2100], text[sizeof(line)];
		snprintf(rlimit, sizeof(rlimit), "%s %s", g.module, c->args);
		expand_with(text, sizeof(text), c->stack, c->dir, rlimit, g.undo_module);
		snprintf(line, sizeof(line), "%s", text);
	} else {
		snprintf(line, sizeof(line), "session required %s %s\n", g.module, c->args);
	}
	path_in(path, sizeof(path), c->dir, "services/" RLT_SERVICE);
	write_file_mode(path, 0644, line);
	/* Without "other" libpam logs an error of its own at every start. */
	path_in(path, sizeof(path), c->dir, "services/other");
	write_file_mode(path, 0644,
			"auth required pam_deny.so\naccount required pam_deny.so\n"
			"password required pam_deny.so\nsession required pam_deny.so\n");
}

static void redirect(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int nfd;

	path_in(path, sizeof(path), dir, name);
	nfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (nfd < 0 || dup2(nfd, fd) < 0)
		_exit(91);
	close(nfd);
}

static int set_baseline(struct outcome *o)
{
	for (int r = 0; r < RLT_NRES; r++) {
		if (!g.avail[r])
			continue;
		if (setrlimit(r, &baseline[r]) != 0) {
			o->base_res = r;
			o->base_errno = errno;
			return -1;
		}
	}
	/* Refused raises must look the same on every host: see testcaps.h. */
	if (!tc_drop_cap_sys_resource()) {
		o->base_res = -1;
		o->base_errno = errno;
		return -1;
	}
	return 0;
}

static int no_conversation(int n, const struct pam_message **msg, struct pam_response **resp,
			   void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

struct opener {
	pam_handle_t *pamh;
	int rc;
};

static void *open_session(void *arg)
{
	struct opener *op = arg;

	op->rc = pam_open_session(op->pamh, 0);
	return NULL;
}

/*
 * The case's PAM calls made directly, pam_open_session in a thread of its
 * own (rlt_open_in_thread).  Returns 0, or -1 when pam_start or the
 * thread failed (o->pamtest_err says which).
 */
static int run_open_in_thread(const struct rlt_case *c, const char *user, struct outcome *o)
{
	struct pam_conv conv = {no_conversation, NULL};
	struct opener op = {NULL, -1};
	pam_handle_t *pamh = NULL;
	pthread_t t;

	o->pamtest_err = pam_start(RLT_SERVICE, user, &conv, &pamh);
	if (o->pamtest_err != PAM_SUCCESS)
		return -1;
	if (c->setcred == RLT_SETCRED_BEFORE_OPEN)
		o->setcred_rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	op.pamh = pamh;
	if (pthread_create(&t, NULL, open_session, &op) != 0 || pthread_join(t, NULL) != 0) {
		o->pamtest_err = -2;
		pam_end(pamh, PAM_SYSTEM_ERR);
		return -1;
	}
	o->open_rc = op.rc;
	if (c->setcred == RLT_SETCRED_AFTER_OPEN)
		o->setcred_rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	o->close_rc = pam_close_session(pamh, 0);
	pam_end(pamh, o->close_rc);
	return 0;
}

static __attribute__((noreturn)) void case_child(const struct rlt_case *c, const char *user,
						 int expect_open, int wfd)
{
	struct outcome o;
	char svcdir[PATH_MAX];
	struct pam_testcase tests[3];
	size_t nt = 0, open_at, close_at, cred_at = 0;

	memset(tests, 0, sizeof(tests));
	if (c->setcred == RLT_SETCRED_BEFORE_OPEN)
		tests[cred_at = nt++] = (struct pam_testcase)pam_test_flags(
		    PAMTEST_SETCRED, c->setcred_rc, PAM_ESTABLISH_CRED);
	tests[open_at = nt++] = (struct pam_testcase)pam_test(PAMTEST_OPEN_SESSION, expect_open);
	if (c->setcred == RLT_SETCRED_AFTER_OPEN)
		tests[cred_at = nt++] = (struct pam_testcase)pam_test_flags(
		    PAMTEST_SETCRED, c->setcred_rc, PAM_ESTABLISH_CRED);
	tests[close_at = nt++] = (struct pam_testcase)pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS);

	memset(&o, 0, sizeof(o));
	o.open_rc = o.close_rc = o.setcred_rc = -1;
	for (size_t i = 0; i < nt; i++)
		tests[i].op_rv = -1;
	alarm(g.timeout);
	/* A core dump, if the module crashes, lands in the case folder. */
	if (chdir(c->dir) != 0)
		_exit(92);
	redirect(STDOUT_FILENO, c->dir, "stdout.log");
	redirect(STDERR_FILENO, c->dir, "stderr.log");

	o.stage = 1;
	if (set_baseline(&o) == 0) {
		for (int r = 0; r < RLT_NRES; r++)
			getrlimit(r, &o.pre[r]);
		o.nice_pre = nice_now();
		o.nnp_pre = rlt_nonewprivs();
		/*
		 * pam_wrapper re-initialises in a forked child at its first
		 * pam_start and copies the service folder named now.
		 */
		path_in(svcdir, sizeof(svcdir), c->dir, "services");
		setenv("PAM_WRAPPER", "1", 1);
		setenv("PAM_WRAPPER_SERVICE_DIR", svcdir, 1);
		setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
		memset(&nss_calls, 0, sizeof(nss_calls));
		if (c->open_in_thread) {
			run_open_in_thread(c, user, &o);
		} else {
			o.pamtest_err = _pamtest(RLT_SERVICE, user, NULL, tests, nt, NULL);
			o.open_rc = tests[open_at].op_rv;
			o.close_rc = tests[close_at].op_rv;
			if (c->setcred != RLT_SETCRED_NONE)
				o.setcred_rc = tests[cred_at].op_rv;
		}
		o.nss = nss_calls;
		o.nss.counted = o.nss.getpwnam_r > 0 || o.nss.getgrouplist > 0;
		for (int r = 0; r < RLT_NRES; r++)
			getrlimit(r, &o.post[r]);
		o.nice_post = nice_now();
		o.nnp_post = rlt_nonewprivs();
		o.stage = 2;
	}
	write_all_or_die(wfd, &o, sizeof(o));
	close(wfd);
	/* exit, not _exit: pam_wrapper's destructor removes its /tmp/pam.X. */
	exit(0);
}

/* ------------------------------------------------------------------ */
/* The parent's checks */

static int pam_code_ok(int got, int want, const char *what)
{
	if (got == want)
		return 0;
	print_error("%s returned %d (%s), expected %d (%s)\n", what, got, tn_pam_code(got), want,
		    tn_pam_code(want));
	return 1;
}

static int check_limits(const struct rlt_case *c, const struct outcome *o)
{
	int bad = 0;
	char a[32], b[32], x[32], y[32];

	for (int r = 0; r < RLT_NRES; r++) {
		rlim_t ws = o->pre[r].rlim_cur, wh = o->pre[r].rlim_max;
		const char *why = "untouched";

		if (c->expect[r].set) {
			ws = c->expect[r].soft;
			wh = c->expect[r].hard;
			why = "expected";
		}
		if (o->post[r].rlim_cur == ws && o->post[r].rlim_max == wh)
			continue;
		print_error("%s: soft/hard %s/%s, %s %s/%s\n", tn_resource(r),
			    lim_str(o->post[r].rlim_cur, a, sizeof(a)),
			    lim_str(o->post[r].rlim_max, b, sizeof(b)), why,
			    lim_str(ws, x, sizeof(x)), lim_str(wh, y, sizeof(y)));
		bad++;
	}
	return bad;
}

/* The niceness and no_new_privs of the case's thread: as expected, else untouched. */
static int check_thread(const struct rlt_case *c, const struct outcome *o)
{
	int bad = 0;
	int want_nice = c->nice.set ? c->nice.value : o->nice_pre;
	int want_nnp = c->nonewprivs.set ? c->nonewprivs.value : o->nnp_pre;

	if (o->nice_post != want_nice) {
		print_error("niceness %d, %s %d (%d before the session)\n", o->nice_post,
			    c->nice.set ? "expected" : "untouched", want_nice, o->nice_pre);
		bad++;
	}
	if (o->nnp_post != want_nnp) {
		print_error("no_new_privs %d, %s %d (%d before the session)\n", o->nnp_post,
			    c->nonewprivs.set ? "expected" : "untouched", want_nnp, o->nnp_pre);
		bad++;
	}
	return bad;
}

static bool line_has(const char *line, size_t len, int prio, const char *text)
{
	char tag[32];
	char *copy = strndup(line, len);
	bool ok;

	if (copy == NULL)
		die("out of memory");
	if (prio < 0)
		snprintf(tag, sizeof(tag), "SYSLOG(");
	else
		snprintf(tag, sizeof(tag), "SYSLOG(%d): ", prio);
	ok = strstr(copy, tag) != NULL && strstr(copy, text) != NULL;
	free(copy);
	return ok;
}

/* Lowest syslog priority number (most severe) on a SYSLOG line, or 99. */
static int line_prio(const char *line, size_t len)
{
	const char *p = memmem(line, len, "SYSLOG(", 7);

	if (p == NULL || p + 8 >= line + len)
		return 99;
	return p[7] >= '0' && p[7] <= '7' ? p[7] - '0' : 99;
}

/* Is this log line one of those the case expects? */
static bool expected_line(const struct rlt_case *c, const char *line, size_t len)
{
	for (size_t i = 0; i < c->nlogs; i++) {
		if (line_has(line, len, c->logs[i].prio, c->logs[i].text))
			return true;
	}
	return false;
}

static int check_output(const struct rlt_case *c)
{
	char path[PATH_MAX];
	char *out, *err;
	int bad = 0;

	path_in(path, sizeof(path), c->dir, "stdout.log");
	out = read_file(path);
	path_in(path, sizeof(path), c->dir, "stderr.log");
	err = read_file(path);
	if (out == NULL || err == NULL)
		fail_msg("case child left no output files");
	if (out[0] != '\0') {
		print_error("something wrote to stdout during the session:\n%s\n", out);
		bad++;
	}
	for (size_t i = 0; i < c->nlogs; i++) {
		bool found = false;

		for (const char *l = err; *l != '\0' && !found;) {
			size_t len = strcspn(l, "\n");

			found = line_has(l, len, c->logs[i].prio, c->logs[i].text);
			l += len + (l[len] == '\n');
		}
		if (!found) {
			print_error("no log line at priority %d holding \"%s\"\n", c->logs[i].prio,
				    c->logs[i].text);
			bad++;
		}
	}
	for (const char *l = err; *l != '\0';) {
		size_t len = strcspn(l, "\n");

		if (len > 0 && strncmp(l, "PWRAP_", 6) != 0) {
			print_error("stderr holds a line pam_wrapper did not write: %.*s\n",
				    (int)len, l);
			bad++;
		} else if (line_prio(l, len) <= LOG_WARNING && !expected_line(c, l, len)) {
			/* Every warning or worse is one the case asked for. */
			print_error("unexpected log at priority %d: %.*s\n", line_prio(l, len),
				    (int)len, l);
			bad++;
		}
		l += len + (l[len] == '\n');
	}
	if (bad > 0)
		print_message("---- stderr of the case child ----\n%s----\n", err);
	free(out);
	free(err);
	return bad;
}

static void read_outcome(int fd, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	size_t got = tio_read_full(fd, o, sizeof(*o));
	if (got != sizeof(*o))
		o->stage = 0;
}

/*
 * A child that died without running exit handlers leaves pam_wrapper's
 * /tmp/pam.X behind: remove the one whose pid file names that child.
 */
static void remove_pwrap_dir(pid_t pid)
{
	static const char letters[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char dir[32], pidfile[48];

	for (const char *l = letters; *l != '\0'; l++) {
		char *s;

		snprintf(dir, sizeof(dir), "/tmp/pam.%c", *l);
		snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
		s = read_file(pidfile);
		if (s != NULL && atol(s) == (long)pid)
			rm_tree(dir);
		free(s);
	}
}

static void dump_stderr(const struct rlt_case *c)
{
	char path[PATH_MAX];
	char *err;

	path_in(path, sizeof(path), c->dir, "stderr.log");
	err = read_file(path);
	print_message("---- stderr of the case child ----\n%s----\n", err ? err : "(none)\n");
	free(err);
}

void rlt_run(struct rlt_case *c, const char *user, int expect_open)
{
	struct outcome o;
	int fds[2], status, bad = 0;
	pid_t pid;

	for (int r = 0; r < RLT_NRES; r++)
		if (c->expect[r].set && !g.avail[r])
			rlt_skip("%s cannot be set to its baseline here (%s)", tn_resource(r),
				 g.why[r]);
	assert_true(c->args_set);
	write_services(c);
	if (pipe2(fds, O_CLOEXEC) != 0)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		case_child(c, user, expect_open, fds[1]);
	}
	close(fds[1]);
	read_outcome(fds[0], &o);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		remove_pwrap_dir(pid);
		dump_stderr(c);
		if (WIFSIGNALED(status))
			fail_msg("case child killed by signal %d (%s)%s", WTERMSIG(status),
				 strsignal(WTERMSIG(status)),
				 WTERMSIG(status) == SIGALRM ? ": timed out" : "");
		fail_msg("case child exited with %d", WEXITSTATUS(status));
	}
	if (o.stage == 0) {
		dump_stderr(c);
		fail_msg("case child sent no outcome");
	}
	if (o.stage == 1 && o.base_res < 0)
		fail_msg("dropping CAP_SYS_RESOURCE failed: %s", strerror(o.base_errno));
	if (o.stage == 1)
		fail_msg("setting the baseline of %s failed: %s", tn_resource(o.base_res),
			 strerror(o.base_errno));
	if (o.open_rc == -1)
		print_error("libpamtest did not run the session (pamtest error %d)\n",
			    o.pamtest_err);
	bad += pam_code_ok(o.open_rc, expect_open, "pam_open_session");
	if (c->setcred != RLT_SETCRED_NONE)
		bad += pam_code_ok(o.setcred_rc, c->setcred_rc, "pam_setcred");
	/*
	 * libpam replays the frozen open_session chain on close, so after a
	 * failed open pam_close_session fails whatever the module returns
	 * (and no application calls it then).
	 */
	if (expect_open == PAM_SUCCESS)
		bad += pam_code_ok(o.close_rc, PAM_SUCCESS, "pam_close_session");
	c->nss = o.nss;
	bad += check_limits(c, &o);
	bad += check_thread(c, &o);
	bad += check_output(c);
	if (bad > 0)
		fail_msg("%d check(s) failed (user %s, args \"%s\")", bad, user, c->args);
}

/* ------------------------------------------------------------------ */
/* Start: the first stage writes the fake directory and re-executes. */

static const char fake_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "alice:x:1001:1001:Alice:/nonexistent:/bin/sh\n"
				  "bob:x:1002:1002:Bob:/nonexistent:/bin/sh\n"
				  "carol:x:2500:2500:Carol:/nonexistent:/bin/sh\n"
				  "dave:x:1004:3500:Dave:/nonexistent:/bin/sh\n"
				  "erin:x:1005:1005:Erin:/nonexistent:/bin/sh\n"
				  "frank:x:1006:1006:Frank:/nonexistent:/bin/sh\n";

static const char fake_group[] = "root:x:0:\n"
				 "wheel:x:10:root,erin\n"
				 "alice:x:1001:\n"
				 "bob:x:1002:\n"
				 "carol:x:2500:\n"
				 "erin:x:1005:\n"
				 "research:x:2001:alice,carol\n"
				 "students:x:2002:alice,bob\n"
				 "lab:x:3500:\n"
				 "frank:x:1006:\n"
				 "proj1:x:4001:frank\n"
				 "proj2:x:4002:frank\n"
				 "proj3:x:4003:frank\n"
				 "proj4:x:4004:frank\n"
				 "proj5:x:4005:frank\n";

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : dflt;
}

static void setenv_or_die(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		die("setenv %s: %s", name, strerror(errno));
}

/*
 * pam_wrapper, then RLT_NSS_GLIBC when set (tests/common/nssglibc.c: "not
 * found" said as glibc says it), then nss_wrapper.
 */
static void set_preload(const char *pam_wrapper, const char *nss_wrapper)
{
	const char *old = getenv("LD_PRELOAD"), *glibc = getenv("RLT_NSS_GLIBC");
	char buf[4 * PATH_MAX];
	int n;

	if (access(pam_wrapper, R_OK) != 0)
		die("pam_wrapper not found at %s (set RLT_PAM_WRAPPER)", pam_wrapper);
	if (access(nss_wrapper, R_OK) != 0)
		die("nss_wrapper not found at %s (set RLT_NSS_WRAPPER)", nss_wrapper);
	if (glibc && *glibc && access(glibc, R_OK) != 0)
		die("RLT_NSS_GLIBC: %s not found", glibc);
	n = snprintf(buf, sizeof(buf), "%s:%s%s%s%s%s", pam_wrapper, glibc && *glibc ? glibc : "",
		     glibc && *glibc ? ":" : "", nss_wrapper,
		     old != NULL && old[0] != '\0' ? ":" : "", old != NULL ? old : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		die("LD_PRELOAD too long");
	setenv_or_die("LD_PRELOAD", buf);
}

/* Splits RLT_RUNNER on blanks ("valgrind --error-exitcode=99 ..."). */
static size_t split_runner(char *runner, char **argv, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(runner, " \t"); tok != NULL && n < max; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	return n;
}

static int first_stage(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX], runner[1024];
	const char *tmp = env_or("TMPDIR", "/tmp");
	char *args[64];
	size_t n;
	ssize_t len;
	int status;
	pid_t pid;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		die("cannot find my own executable");
	self[len] = '\0';
	if (realpath(env_or("RLT_MODULE", RLT_DEFAULT_MODULE), path) == NULL)
		die("module %s: %s (build it, or set RLT_MODULE)",
		    env_or("RLT_MODULE", RLT_DEFAULT_MODULE), strerror(errno));
	setenv_or_die("RLT_MODULE", path);

	snprintf(g.workdir, sizeof(g.workdir), "%s/rlt-integration.XXXXXX", tmp);
	if (mkdtemp(g.workdir) == NULL)
		die("mkdtemp %s: %s", g.workdir, strerror(errno));
	path_in(path, sizeof(path), g.workdir, "passwd");
	write_file_mode(path, 0644, fake_passwd);
	setenv_or_die("NSS_WRAPPER_PASSWD", path);
	path_in(path, sizeof(path), g.workdir, "group");
	write_file_mode(path, 0644, fake_group);
	setenv_or_die("NSS_WRAPPER_GROUP", path);
	setenv_or_die("RLT_WORKDIR", g.workdir);
	set_preload(env_or("RLT_PAM_WRAPPER", RLT_DEFAULT_PAM_WRAPPER),
		    env_or("RLT_NSS_WRAPPER", RLT_DEFAULT_NSS_WRAPPER));
	/* Only case children enable pam_wrapper: no /tmp/pam.X for the rest. */
	unsetenv("PAM_WRAPPER");
	unsetenv("PAM_WRAPPER_SERVICE_DIR");

	snprintf(runner, sizeof(runner), "%s", env_or("RLT_RUNNER", ""));
	n = split_runner(runner, args, 32);
#ifdef RLT_ASAN
	/* The wrappers are preloaded ahead of the ASan runtime. */
	{
		char opts[1024];

		snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0",
			 env_or("ASAN_OPTIONS", ""), getenv("ASAN_OPTIONS") ? ":" : "");
		setenv_or_die("ASAN_OPTIONS", opts);
	}
	setenv_or_die("RLT_NO_DEEPBIND", "1");
#endif
	if (n > 0 || getenv("RLT_NO_DEEPBIND") != NULL) {
		/*
		 * Sanitizers refuse RTLD_DEEPBIND.  pam_wrapper 1.1.4 reads
		 * UID_WRAPPER_DISABLE_DEEPBIND (a typo upstream), later ones
		 * PAM_WRAPPER_DISABLE_DEEPBIND: set both.
		 */
		setenv_or_die("PAM_WRAPPER_DISABLE_DEEPBIND", "1");
		setenv_or_die("UID_WRAPPER_DISABLE_DEEPBIND", "1");
		setenv_or_die("NSS_WRAPPER_DISABLE_DEEPBIND", "1");
	}
	args[n++] = self;
	for (int i = 1; i < argc && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(args[0], args);
		fprintf(stderr, "test_session: exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rm_tree(g.workdir);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "test_session: killed by signal %d\n", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}

/* ------------------------------------------------------------------ */
/* Second stage: check the wrappers, then probe what this machine allows. */

static void check_wrappers(void)
{
	struct passwd *pw = getpwnam("carol");

	if (dlsym(RTLD_DEFAULT, "pam_wrapper_enabled") == NULL)
		die("pam_wrapper is not preloaded: refusing to run against /etc/pam.d");
	if (pw == NULL || pw->pw_uid != 2500)
		die("nss_wrapper is not active: user carol from the fake passwd not found");
	if (getenv("PAM_WRAPPER_RUNTIME_DIR") != NULL)
		die("pam_wrapper initialised before the cases (PAM_WRAPPER set?)");
}

static int probe_child(int res, rlim_t cap)
{
	struct rlimit r;
	char *p;
	void *m;

	for (int i = 0; i < RLT_NRES; i++) {
		if (getrlimit(i, &r) != 0)
			return 10;
		if (r.rlim_max != RLIM_INFINITY && r.rlim_max < baseline[i].rlim_max) {
			if (i == res)
				return 11;
			continue;
		}
		if (setrlimit(i, &baseline[i]) != 0 || getrlimit(i, &r) != 0 ||
		    r.rlim_cur != baseline[i].rlim_cur || r.rlim_max != baseline[i].rlim_max)
			if (i == res)
				return 12;
	}
	if (cap == 0)
		return 0;
	r.rlim_cur = r.rlim_max = cap;
	if (setrlimit(res, &r) != 0)
		return 13;
	p = malloc(64 * RLT_MiB);
	if (p == NULL)
		return 14;
	memset(p, 1, 64 * RLT_MiB);
	free(p);
	m = mmap(NULL, 64 * RLT_MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 15;
	munmap(m, 64 * RLT_MiB);
	return 0;
}

static void probe(int res)
{
	static const char *const reasons[] = {
	    [10] = "getrlimit failed",
	    [11] = "the hard limit here is below the baseline",
	    [12] = "setrlimit did not take (a runner such as valgrind virtualises it?)",
	    [13] = "the probe cap could not be set",
	    [14] = "malloc fails under a 1 GiB cap (sanitizer shadow memory?)",
	    [15] = "mmap fails under a 1 GiB cap (sanitizer shadow memory?)",
	};
	rlim_t cap = (res == RLIMIT_AS || res == RLIMIT_DATA) ? RLT_PROBE_MEM : 0;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* A sanitizer dying under the cap says so at length: keep quiet. */
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		_exit(probe_child(res, cap));
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	g.avail[res] = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!g.avail[res]) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;

		snprintf(g.why[res], sizeof(g.why[res]), "%s",
			 code >= 10 && code <= 15
			     ? reasons[code]
			     : "the probe died under a 1 GiB cap (sanitizer shadow memory?)");
		fprintf(stderr, "test_session: note: cases expecting %s will be skipped: %s\n",
			tn_resource(res), g.why[res]);
	}
}

int rlt_init(int argc, char **argv)
{
	const char *wd = getenv("RLT_WORKDIR");
	const char *t;

	if (wd == NULL)
		return first_stage(argc, argv);
	snprintf(g.workdir, sizeof(g.workdir), "%s", wd);
	snprintf(g.module, sizeof(g.module), "%s", env_or("RLT_MODULE", RLT_DEFAULT_MODULE));
	snprintf(g.undo_module, sizeof(g.undo_module), "%s",
		 env_or("RLT_UNDO_MODULE", "pam_undo_module_not_built.so"));
	t = env_or("RLT_TIMEOUT", NULL);
	g.timeout = t != NULL ? (unsigned)atoi(t) : 60;
	check_wrappers();
	for (int r = 0; r < RLT_NRES; r++)
		probe(r);
	printf("test_session: module %s, uid %u, RAM %llu bytes, nr_open %llu\n", g.module,
	       (unsigned)geteuid(), (unsigned long long)rlt_ram_bytes(),
	       (unsigned long long)rlt_nr_open());
	if (getenv("RLT_FILTER") != NULL)
		cmocka_set_test_filter(getenv("RLT_FILTER"));
	return -1;
}
