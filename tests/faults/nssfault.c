/*
 * nssfault.c - counts pam_rlimit's NSS lookups and injects their failures.
 * See nssfault.h.  Thread-safe: the counters are atomic and the
 * environment is only read.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nssfault.h"

#define EXPORT __attribute__((visibility("default")))

static atomic_ulong n_pwnam, n_grouplist, n_grgid, n_grnam, n_injected;

static bool from_watched(const void *caller)
{
	const char *want = getenv("NSSFAULT_CALLER");
	Dl_info di;
	if (!want || !*want)
		want = "pam_rlimit.so";
	return dladdr(caller, &di) && di.dli_fname && strstr(di.dli_fname, want);
}

static int env_int(const char *name)
{
	const char *s = getenv(name);
	return s && *s ? atoi(s) : 0;
}

/* A slow directory: NSSFAULT_DELAY_MS before each watched call. */
static void delay(void)
{
	int ms = env_int("NSSFAULT_DELAY_MS");
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	if (ms <= 0)
		return;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Counts a call made from the watched object in *n, after sleeping
 * NSSFAULT_DELAY_MS when set.  Returns the error to inject into it
 * (err_var's value, on call number at_var when that is set), or 0 to let
 * the call through.
 */
static int fault(const void *caller, atomic_ulong *n, const char *err_var, const char *at_var)
{
	if (!from_watched(caller))
		return 0;
	delay();
	unsigned long k = atomic_fetch_add(n, 1) + 1;
	int e = env_int(err_var), at = env_int(at_var);
	if (!e || (at > 0 && (unsigned long)at != k))
		return 0;
	atomic_fetch_add(&n_injected, 1);
	return e;
}

/*
 * nss_wrapper says "no such entry" as ENOENT; glibc says it as 0 with no
 * result (nss/getXXbyYY_r.c), and keeps ENOENT for a module that failed
 * (nss_sss with its daemon down).  The module tells the two apart, so the
 * fake directory answers as glibc does.
 */
static int glibc_answer(int e, bool found)
{
	return e == ENOENT && !found ? 0 : e;
}

/* The next definition of sym (nss_wrapper's, or libc's without it). */
static void *next(const char *sym)
{
	void *f = dlsym(RTLD_NEXT, sym);
	if (!f)
		abort(); /* a test shim: without its target nothing is meaningful */
	return f;
}

EXPORT int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t size,
		      struct passwd **result)
{
	int (*real)(const char *, struct passwd *, char *, size_t, struct passwd **) =
	    next("getpwnam_r");
	int e = fault(__builtin_return_address(0), &n_pwnam, "NSSFAULT_PWNAM", "NSSFAULT_PWNAM_AT");
	if (e) {
		*result = NULL;
		return e < 0 ? 0 : e; /* -1: "not found", glibc's 0 with no entry */
	}
	return glibc_answer(real(name, pwd, buf, size, result), *result != NULL);
}

/*
 * nss_wrapper's getgrouplist walks the group file with the process-wide
 * setgrent/getgrent/endgrent cursor, so two threads calling it at once
 * corrupt each other's walk (glibc's own getgrouplist is MT-Safe).  With
 * NSSFAULT_SERIALIZE=1 the calls into it take turns: the fake directory is
 * made as thread-safe as a real one, the module itself is left alone.
 */
static pthread_mutex_t grouplist_lock = PTHREAD_MUTEX_INITIALIZER;

static int grouplist_next(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	int (*real)(const char *, gid_t, gid_t *, int *) = next("getgrouplist");
	const char *ser = getenv("NSSFAULT_SERIALIZE");
	if (!ser || strcmp(ser, "1") != 0)
		return real(user, group, groups, ngroups);
	pthread_mutex_lock(&grouplist_lock);
	int r = real(user, group, groups, ngroups);
	pthread_mutex_unlock(&grouplist_lock);
	return r;
}

EXPORT int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	if (from_watched(__builtin_return_address(0))) {
		delay();
		atomic_fetch_add(&n_grouplist, 1);
		const char *mode = getenv("NSSFAULT_GROUPLIST");
		if (mode && strcmp(mode, "fail") == 0) {
			atomic_fetch_add(&n_injected, 1);
			return -1;
		}
		if (mode && strcmp(mode, "grow") == 0) {
			atomic_fetch_add(&n_injected, 1);
			*ngroups = *ngroups > 0 && *ngroups < (1 << 29) ? *ngroups * 2 : 1 << 29;
			return -1;
		}
	}
	return grouplist_next(user, group, groups, ngroups);
}

EXPORT int getgrgid_r(gid_t gid, struct group *grp, char *buf, size_t size, struct group **result)
{
	int (*real)(gid_t, struct group *, char *, size_t, struct group **) = next("getgrgid_r");
	int e = fault(__builtin_return_address(0), &n_grgid, "NSSFAULT_GRGID", "NSSFAULT_GRGID_AT");
	if (e) {
		*result = NULL;
		return e < 0 ? 0 : e; /* -1: "not found", glibc's 0 with no entry */
	}
	return glibc_answer(real(gid, grp, buf, size, result), *result != NULL);
}

EXPORT int getgrnam_r(const char *name, struct group *grp, char *buf, size_t size,
		      struct group **result)
{
	int (*real)(const char *, struct group *, char *, size_t, struct group **) =
	    next("getgrnam_r");
	int e = fault(__builtin_return_address(0), &n_grnam, "NSSFAULT_GRNAM", "NSSFAULT_GRNAM_AT");
	if (e) {
		*result = NULL;
		return e < 0 ? 0 : e; /* -1: "not found", glibc's 0 with no entry */
	}
	return glibc_answer(real(name, grp, buf, size, result), *result != NULL);
}

EXPORT void nssfault_reset(void)
{
	atomic_store(&n_pwnam, 0);
	atomic_store(&n_grouplist, 0);
	atomic_store(&n_grgid, 0);
	atomic_store(&n_grnam, 0);
	atomic_store(&n_injected, 0);
}

EXPORT void nssfault_counts(struct nssfault_counts *c)
{
	c->getpwnam_r = atomic_load(&n_pwnam);
	c->getgrouplist = atomic_load(&n_grouplist);
	c->getgrgid_r = atomic_load(&n_grgid);
	c->getgrnam_r = atomic_load(&n_grnam);
	c->injected = atomic_load(&n_injected);
}
