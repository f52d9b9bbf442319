/*
 * fenv.h - the world the fault tests run in.  fenv_init makes a work folder
 * with the program's fake directory, services and policies, and re-executes
 * the program with nss_wrapper and the shims preloaded (FAULTS_RUNNER:
 * under valgrind, say); then it returns -1.  Sessions go through the real
 * libpam with pam_start_confdir: pam_wrapper's shared /tmp folders would
 * collide between concurrent tests.  The program defines pam_syslog,
 * pam_vsyslog and audit_open, so it catches the module's log, per thread.
 * FAULTS_MODULE, _NSS_WRAPPER, _PRELOAD, _WORKDIR, _KEEP are faults.mk's.
 */
#ifndef FAULTS_FENV_H
#define FAULTS_FENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "../common/testnames.h"

#define FENV_LOG_MAX 8192
#define FENV_PAYLOAD_MAX 4096

/* Writes the work folder's contents; called once, in the first stage. */
typedef void (*fenv_setup_fn)(const char *dir);

/* See above.  Returns the exit code to pass on, or -1 in the second stage. */
int fenv_init(int argc, char **argv, fenv_setup_fn setup);

/* The work folder (both stages). */
const char *fenv_dir(void);

/*
 * A file of the work folder opened for writing, and closed with mode; both
 * say which file and why and exit 2 when they fail (first stage only).
 */
FILE *fenv_open(const char *rel);
void fenv_close(FILE *f, const char *rel, mode_t mode);
/* Writes dir/rel with exactly mode; parents must exist.  Exits on failure. */
void fenv_write(const char *rel, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Makes dir/rel, mode 0755. */
void fenv_mkdir(const char *rel);
/* Writes the service file services/name: "session required MODULE args". */
void fenv_service(const char *name, const char *args_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Opens and closes a session through libpam in this thread. */
struct fenv_pam {
	int start_rc, open_rc, close_rc, end_rc;
};
void fenv_pam_session(const char *service, const char *user, struct fenv_pam *out);

/* This thread's captured log: lines "PRIO text\n". */
const char *fenv_log(void);
void fenv_log_clear(void);
/* Number of captured lines holding text (at prio, or any when prio < 0). */
unsigned fenv_log_count(int prio, const char *text);
/* The same in a log captured elsewhere (a child's). */
unsigned fenv_log_count_in(const char *log, int prio, const char *text);

/* One session in a forked child, with hooks for the shims. */
struct fenv_child {
	bool exited;   /* false: killed by a signal (see sig) */
	int code, sig; /* exit code, or signal number */
	bool reported; /* the child sent its result */
	struct fenv_pam pam;
	struct rlimit before[RLIM_NLIMITS], after[RLIM_NLIMITS];
	char log[FENV_LOG_MAX];
	unsigned char payload[FENV_PAYLOAD_MAX]; /* what the hooks put there */
	double seconds;                          /* wall time of the whole child */
};

struct fenv_hooks {
	/* In the child, before pam_start (arm a shim, set the environment). */
	void (*before)(void *arg);
	/* In the child, right after pam_open_session returned. */
	void (*after_open)(void *arg, unsigned char *payload);
	/* In the child, after pam_end. */
	void (*after_end)(void *arg, unsigned char *payload);
	void *arg;
};

/* Runs a session for user in a forked child; fills *out.  Never fails. */
void fenv_run_child(const char *service, const char *user, const struct fenv_hooks *hooks,
		    struct fenv_child *out);

/* A limit a session is expected to leave. */
struct fenv_limit {
	int res;
	rlim_t soft, hard;
};

/*
 * Checks the limits the child left: every one as before the session, but
 * for want[0..n), each exactly as given.  A wanted hard above the child's
 * own hard cannot be reached without CAP_SYS_RESOURCE: that check is
 * skipped, said on stdout and counted in *skipped (when not NULL).  Each
 * mismatch is a line appended to why (what: prefixes it); returns their
 * number.
 */
unsigned fenv_limits_mismatch(const char *what, const struct fenv_child *c,
			      const struct fenv_limit *want, size_t n, unsigned *skipped, char *why,
			      size_t size);

/* A symbol a preloaded shim exports, or NULL when the shim is not loaded. */
void *fenv_shim_symbol(const char *name);

/* Monotonic seconds. */
double fenv_now(void);

#endif
