/*
 * kernel_shim.so - an LD_PRELOAD stand-in for a login process that holds
 * CAP_SYS_RESOURCE and CAP_SYS_NICE, so that pam_limits and pam_rlimit run
 * against the same emulated kernel: rlimits kept per process with only the
 * kernel's own refusals (soft above hard: EINVAL; nofile above nr_open:
 * EPERM); a nice value clamped to -20..19; /proc/1/limits read from
 * SHIM_PROC1_LIMITS; utmp entries from SHIM_UTMP ("USER PID" a line).
 * Every other call goes to libc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

#define PROC1 "/proc/1/limits"

static struct rlimit lim[RLIM_NLIMITS];
static bool have_lim;
static int nice_value;
static bool have_nice;

static void load(void)
{
	if (have_lim)
		return;
	for (int r = 0; r < RLIM_NLIMITS; r++)
		syscall(SYS_prlimit64, 0, r, NULL, &lim[r]);
	have_lim = true;
}

static rlim_t nr_open(void)
{
	unsigned long long v = 1048576;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[32];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			v = strtoull(buf, NULL, 10);
		}
		close(fd);
	}
	return (rlim_t)v;
}

static int emulate(pid_t pid, int res, const struct rlimit *nw, struct rlimit *old)
{
	if (pid != 0 && pid != getpid()) {
		errno = EPERM; /* nothing here touches another process */
		return -1;
	}
	if (res < 0 || res >= RLIM_NLIMITS) {
		errno = EINVAL;
		return -1;
	}
	load();
	if (nw) {
		if (nw->rlim_cur > nw->rlim_max) {
			errno = EINVAL;
			return -1;
		}
		if (res == RLIMIT_NOFILE && nw->rlim_max > nr_open()) {
			errno = EPERM;
			return -1;
		}
	}
	if (old)
		*old = lim[res];
	if (nw)
		lim[res] = *nw;
	return 0;
}

int getrlimit(__rlimit_resource_t res, struct rlimit *rl)
{
	return emulate(0, (int)res, NULL, rl);
}
int getrlimit64(__rlimit_resource_t res, struct rlimit64 *rl)
{
	return emulate(0, (int)res, NULL, (struct rlimit *)rl);
}
int setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	return emulate(0, (int)res, rl, NULL);
}
int setrlimit64(__rlimit_resource_t res, const struct rlimit64 *rl)
{
	return emulate(0, (int)res, (const struct rlimit *)rl, NULL);
}
int prlimit(pid_t pid, __rlimit_resource_t res, const struct rlimit *nw, struct rlimit *old)
{
	return emulate(pid, (int)res, nw, old);
}
int prlimit64(pid_t pid, __rlimit_resource_t res, const struct rlimit64 *nw, struct rlimit64 *old)
{
	return emulate(pid, (int)res, (const struct rlimit *)nw, (struct rlimit *)old);
}

static bool self_prio(__priority_which_t which, id_t who)
{
	return which == PRIO_PROCESS && (who == 0 || who == (id_t)getpid());
}

int getpriority(__priority_which_t which, id_t who)
{
	if (!self_prio(which, who)) {
		errno = EPERM;
		return -1;
	}
	if (!have_nice) {
		errno = 0;
		nice_value = (int)syscall(SYS_getpriority, PRIO_PROCESS, 0);
		nice_value = 20 - nice_value; /* the raw syscall returns 20 - nice */
		have_nice = true;
	}
	errno = 0;
	return nice_value;
}

int setpriority(__priority_which_t which, id_t who, int prio)
{
	if (!self_prio(which, who)) {
		errno = EPERM;
		return -1;
	}
	nice_value = prio < -20 ? -20 : prio > 19 ? 19 : prio;
	have_nice = true;
	return 0;
}

/* ------------------------------------------------------------------ */

static const char *redirect(const char *path)
{
	const char *fake = getenv("SHIM_PROC1_LIMITS");
	return fake && path && strcmp(path, PROC1) == 0 ? fake : path;
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	if (!real)
		real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
	return real(redirect(path), mode);
}
FILE *fopen64(const char *path, const char *mode)
{
	return fopen(path, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)syscall(SYS_openat, AT_FDCWD, redirect(path), flags, mode);
}
int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)syscall(SYS_openat, AT_FDCWD, redirect(path), flags, mode);
}
int openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)syscall(SYS_openat, dir, redirect(path), flags, mode);
}
int openat64(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)syscall(SYS_openat, dir, redirect(path), flags, mode);
}

/* ------------------------------------------------------------------ */

static FILE *ut_file;
static struct utmp ut_entry;

static void *real_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void setutent(void)
{
	const char *path = getenv("SHIM_UTMP");
	if (!path) {
		((void (*)(void))real_fn("setutent"))();
		return;
	}
	if (ut_file)
		fclose(ut_file);
	ut_file = fopen(path, "re");
}

struct utmp *getutent(void)
{
	char user[64];
	int pid;
	if (!getenv("SHIM_UTMP"))
		return ((struct utmp * (*)(void)) real_fn("getutent"))();
	if (!ut_file)
		setutent();
	if (!ut_file || fscanf(ut_file, "%63s %d", user, &pid) != 2)
		return NULL;
	memset(&ut_entry, 0, sizeof(ut_entry));
	ut_entry.ut_type = USER_PROCESS;
	ut_entry.ut_pid = pid;
	strncpy(ut_entry.ut_user, user, sizeof(ut_entry.ut_user));
	snprintf(ut_entry.ut_line, sizeof(ut_entry.ut_line), "pts/%d", pid);
	return &ut_entry;
}

void endutent(void)
{
	if (!getenv("SHIM_UTMP")) {
		((void (*)(void))real_fn("endutent"))();
		return;
	}
	if (ut_file)
		fclose(ut_file);
	ut_file = NULL;
}

void setutxent(void)
{
	setutent();
}
struct utmpx *getutxent(void)
{
	return (struct utmpx *)getutent();
}
void endutxent(void)
{
	endutent();
}
