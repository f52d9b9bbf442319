/*
 * test_fstricks.c - file-system tricks against the real module through
 * libpam, each with onerr=fail and succeed: untrusted files refused both
 * times (onerr never overrides trust); invalid or unopenable files refused,
 * then let through with nothing applied; valid but unusual files (BOM,
 * CRLF, exactly 1 MiB, a chain of links) applied both times.  Each case
 * ends within HOSTILE_LIMIT_MS or an alarm fails it.  A device node a case
 * made is watched with inotify: the module must never open it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "harness.h"

#define USER "alice"
#define CONF "conf=%D/rlimit.yaml"
#define CONF_DIR "conf=%D/rlimit.yaml confdir=%D/rlimit.d"
/* The spec: "at most 1 MiB a file". */
#define ONE_MIB ((size_t)1024 * 1024)
#define VALID "version: 1\ndefault:\n  nofile: 100\n"

enum verdict {
	UNTRUSTED,  /* refused whatever onerr says */
	INVALID,    /* refused; onerr=succeed lets the session go on, unlimited */
	UNREADABLE, /* the same, for a file that cannot be opened */
	WORKS,      /* applied */
};

struct trick {
	const char *name;
	void (*build)(struct rlt_case *c);
	const char *args;
	enum verdict verdict;
	const char *log; /* a LOG_ALERT line must hold this (%D: the case folder) */
	bool needs_root;
	void (*expect)(struct rlt_case *c); /* WORKS: the limits that must result */
	const char *watch;                  /* a device node build made: nobody may open it */
};

struct run {
	const struct trick *t;
	bool onerr_succeed;
	struct rlt_case *c;
	char name[128];
};

static long limit_ms = 1000;

/* ------------------------------------------------------------------ */
/* Writing what rlt_file cannot: FIFOs, padded files. */

static void make_fifo(struct rlt_case *c, const char *rel)
{
	char path[PATH_MAX];
	rlt_path(c, rel, path, sizeof(path));
	if (mkfifo(path, 0644) != 0 || chmod(path, 0644) != 0)
		fail_msg("mkfifo %s: %s", path, strerror(errno));
}

/* VALID, then comment lines up to exactly size bytes. */
static void write_padded(struct rlt_case *c, const char *rel, size_t size)
{
	char *buf = malloc(size);
	size_t head = strlen(VALID);
	assert_non_null(buf);
	assert_true(size > head + 2);
	memcpy(buf, VALID, head);
	for (size_t i = head; i < size; i++)
		buf[i] = (i - head) % 64 == 0 ? '#' : (i - head) % 64 == 63 ? '\n' : 'x';
	buf[size - 1] = '\n';
	rlt_file_bytes(c, rel, 0644, buf, size);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* The tricks */

static void b_fifo(struct rlt_case *c)
{
	make_fifo(c, "rlimit.yaml");
}

static void b_dev_zero(struct rlt_case *c)
{
	rlt_symlink(c, "rlimit.yaml", "/dev/zero");
}

static void b_directory(struct rlt_case *c)
{
	rlt_dir(c, "rlimit.yaml", 0755);
	rlt_file(c, "rlimit.yaml/inside.yaml", 0644, VALID);
}

static void b_empty(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, "");
}

static void b_over_1mib(struct rlt_case *c)
{
	write_padded(c, "rlimit.yaml", ONE_MIB + 1);
}

static void b_exactly_1mib(struct rlt_case *c)
{
	write_padded(c, "rlimit.yaml", ONE_MIB);
}

static void b_garbage(struct rlt_case *c)
{
	unsigned char buf[4096];
	/* xorshift32: the same bytes every run; the first is 0x19, a control character. */
	uint32_t x = 0x9e3779b9u;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	rlt_file_bytes(c, "rlimit.yaml", 0644, buf, sizeof(buf));
}

static void b_nul_byte(struct rlt_case *c)
{
	/* "1", NUL, "00": split so that the \0 escape does not swallow the zeros. */
	static const char text[] = "version: 1\ndefault:\n  nofile: 1\0"
				   "00\n";
	rlt_file_bytes(c, "rlimit.yaml", 0644, text, sizeof(text) - 1);
}

static void b_bad_utf8(struct rlt_case *c)
{
	/* Latin-1 é in a comment: even a comment must be UTF-8. */
	rlt_file(c, "rlimit.yaml", 0644, "version: 1\ndefault:\n  nofile: 100 # caf\xe9\n");
}

static void b_other_owner(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_chown(c, "rlimit.yaml", 65534, 65534);
}

static void b_group_writable(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0664, VALID);
}

static void b_world_writable(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0646, VALID);
}

static void b_dropin_dir_world_writable(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0777);
	rlt_file(c, "rlimit.d/10-a.yaml", 0644, "version: 1\ndefault:\n  core: 0\n");
}

static void b_dropin_invalid(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	rlt_file(c, "rlimit.d/10-fine.yaml", 0644, "version: 1\ndefault:\n  core: 0\n");
	rlt_file(c, "rlimit.d/20-broken.yaml", 0644, "version: 1\ndefault:\n  cpu: 10x\n");
}

static void b_dropin_fifo(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	make_fifo(c, "rlimit.d/10-fifo.yaml");
}

static void b_dropin_dev_zero(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	rlt_symlink(c, "rlimit.d/10-zero.yaml", "/dev/zero");
}

static void b_dropin_group_writable(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	rlt_file(c, "rlimit.d/10-a.yaml", 0620, "version: 1\ndefault:\n  core: 0\n");
}

static void b_dropin_socket(struct rlt_case *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	rlt_path(c, "rlimit.d/10-sock.yaml", sa.sun_path, sizeof(sa.sun_path));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("socket %s: %s", sa.sun_path, strerror(errno));
	close(s);
}

/* A device of the case's own (1:3, what /dev/null is) behind a drop-in link. */
static void b_dropin_own_device(struct rlt_case *c)
{
	char dev[PATH_MAX];
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_dir(c, "rlimit.d", 0755);
	rlt_path(c, "null", dev, sizeof(dev));
	if (mknod(dev, S_IFCHR | 0644, makedev(1, 3)) != 0)
		fail_msg("mknod %s: %s", dev, strerror(errno));
	rlt_symlink(c, "rlimit.d/10-dev.yaml", "%D/null");
}

/* Links the docs allow: the main file through a chain of two. */
static void b_link_chain(struct rlt_case *c)
{
	rlt_file(c, "real/policy.yaml", 0644, VALID);
	rlt_symlink(c, "hop.yaml", "%D/real/policy.yaml");
	rlt_symlink(c, "rlimit.yaml", "hop.yaml");
}

static void b_link_loop(struct rlt_case *c)
{
	rlt_symlink(c, "rlimit.yaml", "loop.yaml");
	rlt_symlink(c, "loop.yaml", "rlimit.yaml");
}

static void b_confdir_is_file(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, VALID);
	rlt_file(c, "rlimit.d", 0644, VALID);
}

static void b_bom(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644,
		 "\xef\xbb\xbfversion: 1\ndefault:\n  nofile: {soft: 100, hard: 200}\n  core: 0\n");
}

static void b_crlf(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644,
		 "version: 1\r\n"
		 "# a comment\r\n"
		 "default:\r\n"
		 "  nofile: {soft: 100, hard: 200}\r\n"
		 "  cpu: \"60\"\r\n"
		 "users:\r\n"
		 "  alice:\r\n"
		 "    core: 0\r\n");
}

static void b_bom_crlf_dropin(struct rlt_case *c)
{
	rlt_file(c, "rlimit.yaml", 0644, "\xef\xbb\xbfversion: 1\r\ndefault:\r\n  nofile: 100\r\n");
	rlt_dir(c, "rlimit.d", 0755);
	rlt_file(c, "rlimit.d/10-a.yaml", 0644,
		 "\xef\xbb\xbfversion: 1\r\nusers:\r\n  alice: {core: 0}\r\n");
}

static void e_bom(struct rlt_case *c)
{
	rlt_expect(c, RLIMIT_NOFILE, 100, 200);
	rlt_expect(c, RLIMIT_CORE, 0, 0);
}

static void e_crlf(struct rlt_case *c)
{
	rlt_expect(c, RLIMIT_NOFILE, 100, 200);
	rlt_expect(c, RLIMIT_CPU, 60, 60);
	rlt_expect(c, RLIMIT_CORE, 0, 0);
}

static void e_nofile_100(struct rlt_case *c)
{
	rlt_expect(c, RLIMIT_NOFILE, 100, 100);
}

static void e_bom_crlf_dropin(struct rlt_case *c)
{
	rlt_expect(c, RLIMIT_NOFILE, 100, 100);
	rlt_expect(c, RLIMIT_CORE, 0, 0);
}

/* A refused trick, one that needs root, and one that must work. */
#define REFUSED(n, b, a, v, l)                                                                     \
	{                                                                                          \
		.name = n, .build = b, .args = a, .verdict = v, .log = l                           \
	}
#define REFUSED_ROOT(n, b, a, v, l)                                                                \
	{                                                                                          \
		.name = n, .build = b, .args = a, .verdict = v, .log = l, .needs_root = true       \
	}
#define WATCHED_ROOT(n, b, a, v, l, w)                                                             \
	{                                                                                          \
		.name = n, .build = b, .args = a, .verdict = v, .log = l, .needs_root = true,      \
		.watch = w                                                                         \
	}
#define APPLIED(n, b, a, e)                                                                        \
	{                                                                                          \
		.name = n, .build = b, .args = a, .verdict = WORKS, .expect = e                    \
	}

static const struct trick tricks[] = {
    REFUSED("fifo", b_fifo, CONF, UNTRUSTED, "%D/rlimit.yaml: refused: not a regular file"),
    REFUSED("dev_zero_symlink", b_dev_zero, CONF, UNTRUSTED,
	    "%D/rlimit.yaml: refused: not a regular file"),
    REFUSED("directory", b_directory, CONF, UNTRUSTED,
	    "%D/rlimit.yaml: refused: not a regular file"),
    REFUSED("empty_file", b_empty, CONF, INVALID,
	    "%D/rlimit.yaml:1:1: the policy is empty (it needs at least \"version: 1\")"),
    REFUSED("over_1mib", b_over_1mib, CONF, UNTRUSTED,
	    "%D/rlimit.yaml: refused: larger than 1048576 bytes"),
    REFUSED("binary_garbage", b_garbage, CONF, INVALID,
	    "%D/rlimit.yaml:1:1: not valid YAML text: control characters are not allowed"),
    REFUSED("nul_byte", b_nul_byte, CONF, INVALID,
	    "%D/rlimit.yaml:3:12: not valid YAML text: control characters are not allowed"),
    REFUSED("invalid_utf8", b_bad_utf8, CONF, INVALID,
	    "%D/rlimit.yaml:3:20: not valid YAML text: incomplete UTF-8 octet sequence"),
    REFUSED_ROOT("owned_by_65534", b_other_owner, CONF, UNTRUSTED,
		 "%D/rlimit.yaml: refused: owned by uid 65534, not root"),
    REFUSED("group_writable", b_group_writable, CONF, UNTRUSTED,
	    "%D/rlimit.yaml: refused: writable by its group (mode 0664)"),
    REFUSED("world_writable", b_world_writable, CONF, UNTRUSTED,
	    "%D/rlimit.yaml: refused: writable by others (mode 0646)"),
    REFUSED("dropin_dir_world_writable", b_dropin_dir_world_writable, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d: refused: writable by others (mode 0777)"),
    REFUSED("dropin_invalid_main_fine", b_dropin_invalid, CONF_DIR, INVALID,
	    "%D/rlimit.d/20-broken.yaml:3:8: invalid value \"10x\" for cpu: unknown unit \"x\""),
    REFUSED("dropin_fifo", b_dropin_fifo, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d/10-fifo.yaml: refused: not a regular file"),
    REFUSED("dropin_dev_zero_symlink", b_dropin_dev_zero, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d/10-zero.yaml: refused: not a regular file"),
    REFUSED("dropin_group_writable", b_dropin_group_writable, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d/10-a.yaml: refused: writable by its group (mode 0620)"),
    REFUSED("confdir_is_a_file", b_confdir_is_file, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d: refused: not a directory"),
    REFUSED("dropin_socket", b_dropin_socket, CONF_DIR, UNTRUSTED,
	    "%D/rlimit.d/10-sock.yaml: refused: not a regular file"),
    WATCHED_ROOT("dropin_own_device_never_opened", b_dropin_own_device, CONF_DIR, UNTRUSTED,
		 "%D/rlimit.d/10-dev.yaml: refused: not a regular file", "null"),
    REFUSED("link_loop", b_link_loop, CONF, UNREADABLE,
	    "%D/rlimit.yaml: cannot open: Too many levels of symbolic links"),
    APPLIED("link_chain", b_link_chain, CONF, e_nofile_100),
    APPLIED("byte_order_mark", b_bom, CONF, e_bom),
    APPLIED("crlf", b_crlf, CONF, e_crlf),
    APPLIED("bom_crlf_dropin", b_bom_crlf_dropin, CONF_DIR, e_bom_crlf_dropin),
    APPLIED("exactly_1mib", b_exactly_1mib, CONF, e_nofile_100),
};
#define NTRICKS (sizeof(tricks) / sizeof(tricks[0]))

static int setup(void **state)
{
	struct run *r = *state;
	return rlt_setup((void **)&r->c);
}

static int teardown(void **state)
{
	struct run *r = *state;
	int rc = rlt_teardown((void **)&r->c);
	r->c = NULL;
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void run_trick(void **state)
{
	struct run *r = *state;
	const struct trick *t = r->t;
	struct rlt_case *c = r->c;
	char args[512];
	int want = PAM_SUCCESS;

	if (t->needs_root && !rlt_is_root())
		rlt_skip("%s needs root (chown, mknod); run make check as root", t->name);
	t->build(c);
	int in = -1;
	if (t->watch) {
		char node[PATH_MAX];
		rlt_path(c, t->watch, node, sizeof(node));
		in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (in < 0 || inotify_add_watch(in, node, IN_OPEN) < 0)
			fail_msg("inotify on %s: %s", node, strerror(errno));
	}
	snprintf(args, sizeof(args), "%s onerr=%s", t->args, r->onerr_succeed ? "succeed" : "fail");
	rlt_args(c, args);
	switch (t->verdict) {
	case UNTRUSTED:
		want = PAM_SERVICE_ERR;
		rlt_expect_log(c, LOG_ALERT, t->log);
		rlt_expect_log(c, LOG_ALERT,
			       "the policy is not trusted (owner, mode or file type); "
			       "session for " USER " refused");
		break;
	case INVALID:
	case UNREADABLE: {
		const char *what = t->verdict == INVALID ? "the policy is invalid"
							 : "the policy could not be read";
		char line[256];
		want = r->onerr_succeed ? PAM_SUCCESS : PAM_SERVICE_ERR;
		rlt_expect_log(c, LOG_ALERT, t->log);
		snprintf(line, sizeof(line), "%s; session for " USER " %s", what,
			 r->onerr_succeed ? "goes on without limits (onerr=succeed)" : "refused");
		rlt_expect_log(c, LOG_ALERT, line);
		break;
	}
	case WORKS:
		t->expect(c);
		break;
	}
	/* No rlt_expect for the refused ones: every limit must stay the baseline. */
	double t0 = now_ms();
	rlt_run(c, USER, want);
	double ms = now_ms() - t0;
	if (in >= 0) {
		char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t got = read(in, ev, sizeof(ev));
		close(in);
		if (got > 0)
			fail_msg("%s: the module opened %s", t->name, t->watch);
	}
	print_message("[   TIME   ] %s onerr=%s: %.1f ms\n", t->name,
		      r->onerr_succeed ? "succeed" : "fail", ms);
	if (ms > (double)limit_ms)
		fail_msg("%s took %.1f ms, more than %ld ms", t->name, ms, limit_ms);
}

int main(int argc, char **argv)
{
	static struct run runs[2 * NTRICKS];
	static struct CMUnitTest tests[2 * NTRICKS];
	const char *lim = getenv("HOSTILE_LIMIT_MS");
	int rc;

	if (!getenv("RLT_TIMEOUT"))
		setenv("RLT_TIMEOUT", "5", 1);
	rc = rlt_init(argc, argv);
	if (rc >= 0)
		return rc;
	if (lim && atol(lim) > 0)
		limit_ms = atol(lim);
	for (size_t i = 0; i < 2 * NTRICKS; i++) {
		struct run *r = &runs[i];
		r->t = &tricks[i / 2];
		r->onerr_succeed = i % 2;
		snprintf(r->name, sizeof(r->name), "%s/onerr=%s", r->t->name,
			 r->onerr_succeed ? "succeed" : "fail");
		tests[i] = (struct CMUnitTest){r->name, run_trick, setup, teardown, r};
	}
	return _cmocka_run_group_tests("hostile_fstricks", tests, 2 * NTRICKS, NULL, NULL);
}
