/*
 * harness.h - runs pam_rlimit through real libpam, one forked child per case.
 * The binary writes a fake passwd and group, then re-executes itself with
 * pam_wrapper and nss_wrapper preloaded.  Each case has its own folder of
 * policies and PAM services; rlt_run() forks a child that sets a baseline
 * for every rlimit, opens and closes a session through libpamtest, and
 * sends back the PAM codes and every limit.  The parent asserts the codes,
 * soft and hard of each expected limit, every other limit unchanged, no
 * output but pam_wrapper's log, and the log lines the case asks for.
 */
#ifndef RLT_HARNESS_H
#define RLT_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define RLT_NRES RLIM_NLIMITS

#define RLT_KiB ((rlim_t)1024)
#define RLT_MiB (RLT_KiB * 1024)
#define RLT_GiB (RLT_MiB * 1024)
#define RLT_TiB (RLT_GiB * 1024)

#define RLT_MAX_LOGS 8

struct rlt_expect {
	bool set;
	rlim_t soft, hard;
};

struct rlt_log {
	int prio;       /* LOG_ALERT, LOG_WARNING, ... as given to pam_syslog */
	char text[512]; /* a substring the line must hold; %D expanded */
};

/*
 * Directory lookups made in the case child between pam_start and the end
 * of pam_close_session, as counted by wrappers in the test binary that
 * stand in front of nss_wrapper (see harness.c).  All zero when the test
 * binary does not export them (rlt_run then says counted is false).
 */
struct rlt_nss_calls {
	bool counted; /* the module's getpwnam_r was seen: the counts mean something */
	unsigned getpwnam_r, getgrouplist, getgrnam_r, getgrgid_r;
};

/* When the case calls pam_setcred(PAM_ESTABLISH_CRED), if at all. */
enum rlt_setcred { RLT_SETCRED_NONE = 0, RLT_SETCRED_AFTER_OPEN, RLT_SETCRED_BEFORE_OPEN };

/* A value the session must leave in the thread that ran the case. */
struct rlt_expect_int {
	bool set;
	int value;
};

struct rlt_case {
	char dir[PATH_MAX]; /* this case's own folder */
	char args[2048];    /* module arguments, %D expanded */
	bool args_set;
	char stack[4096]; /* the service file when set (rlt_stack) */
	enum rlt_setcred setcred;
	int setcred_rc;
	bool open_in_thread; /* rlt_open_in_thread */
	struct rlt_expect expect[RLT_NRES];
	struct rlt_expect_int nice, nonewprivs;
	struct rlt_log logs[RLT_MAX_LOGS];
	size_t nlogs;
	struct rlt_nss_calls nss; /* filled by rlt_run */
};

/* cmocka setup and teardown: a fresh case folder per test, removed after. */
int rlt_setup(void **state);
int rlt_teardown(void **state);

/*
 * Writes rel (relative to the case folder, parents created 0755) with the
 * exact mode given, whatever the umask.  %D in content is not expanded.
 */
void rlt_file(struct rlt_case *c, const char *rel, mode_t mode, const char *content);
/* The same for len bytes of any kind (NUL bytes, megabytes). */
void rlt_file_bytes(struct rlt_case *c, const char *rel, mode_t mode, const void *buf, size_t len);
/* The path of rel in the case folder, into out. */
void rlt_path(const struct rlt_case *c, const char *rel, char *out, size_t size);
/* Creates the folder rel with exactly mode. */
void rlt_dir(struct rlt_case *c, const char *rel, mode_t mode);
/* Makes rel a symbolic link to target (%D expanded). */
void rlt_symlink(struct rlt_case *c, const char *rel, const char *target);
/* Changes the owner of rel (root only; the caller skips otherwise). */
void rlt_chown(struct rlt_case *c, const char *rel, uid_t uid, gid_t gid);

/* The module's arguments on the session line; %D is the case folder. */
void rlt_args(struct rlt_case *c, const char *args);

/*
 * The case's service file, instead of one session line: %R is the module
 * with the case's arguments, %U a test module that, like pam_limits after
 * us, raises every soft limit to its hard limit (all a process without
 * CAP_SYS_RESOURCE can undo) and with nice=N sets the niceness (as
 * pam_limits' priority does; lowering it needs CAP_SYS_NICE), %D the case
 * folder.
 */
void rlt_stack(struct rlt_case *c, const char *text);
/* Calls pam_setcred(PAM_ESTABLISH_CRED) when said, expecting rc. */
void rlt_setcred(struct rlt_case *c, enum rlt_setcred when, int rc);

/*
 * pam_open_session in a thread of its own, joined before anything else
 * runs in the case's main thread (as a Go program's calls may land on two
 * OS threads).  The niceness and no_new_privs belong to a thread, not to
 * the process: only a setcred in the main thread gives them to it.  The
 * case's PAM calls are then made directly, not through libpamtest.
 */
void rlt_open_in_thread(struct rlt_case *c);

/* After the session, resource res must be exactly soft/hard. */
void rlt_expect(struct rlt_case *c, int res, rlim_t soft, rlim_t hard);
/* After the session, res must still be the baseline (the policy touched it). */
void rlt_expect_baseline(struct rlt_case *c, int res);
/*
 * After the session the case's thread must have niceness nice, and
 * no_new_privs on (1) or off (0).  Unless a case says so, both must be
 * what they were before it.
 */
void rlt_expect_nice(struct rlt_case *c, int nice);
void rlt_expect_nonewprivs(struct rlt_case *c, int on);
/*
 * Whether this process may lower its niceness (CAP_SYS_NICE, or an
 * RLIMIT_NICE that allows it): what a later module resetting it needs.
 */
bool rlt_can_lower_nice(void);
/* No_new_privs of this thread (already on: a case cannot see it set). */
int rlt_nonewprivs(void);

/* A log line at prio holding text must appear (%D expanded). */
void rlt_expect_log(struct rlt_case *c, int prio, const char *text);

/*
 * Runs the case for user and asserts everything declared above, that
 * pam_open_session returned expect_open and pam_close_session PAM_SUCCESS.
 * Skips (visibly) when a limit the case expects cannot be set to its
 * baseline here.  Fills c->nss with the session's directory lookups.
 */
void rlt_run(struct rlt_case *c, const char *user, int expect_open);

/* The baseline every case child starts from. */
rlim_t rlt_base_soft(int res);
rlim_t rlt_base_hard(int res);

/* This machine's physical RAM (sysconf) and /proc/sys/fs/nr_open. */
uint64_t rlt_ram_bytes(void);
rlim_t rlt_nr_open(void);
/* floor(ram * num / den), in 128-bit arithmetic. */
rlim_t rlt_ram_fraction(uint64_t num, uint64_t den);

bool rlt_is_root(void);
/* Prints a reason and skips the current test. */
void rlt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Called first in main.  In the first stage it prepares the wrapped
 * environment and re-executes the binary, returning the exit code to pass
 * on (>= 0).  In the wrapped stage it checks the wrappers and probes which
 * limits can be set here, and returns -1: run the tests.
 */
int rlt_init(int argc, char **argv);

#endif
