/*
 * nssglibc.c - libnssglibc.so, preloaded before nss_wrapper by the suites
 * that use a fake directory: makes nss_wrapper's answers glibc's.
 *
 * nss_wrapper says "no such entry" as ENOENT.  glibc says it as 0 with a
 * NULL result (nss/getXXbyYY_r.c) and passes ENOENT on only from a module
 * that failed: nss_sss says it when its daemon is down.  pam_rlimit tells
 * the two apart (pam_rlimit(8)), so under nss_wrapper an unknown user
 * would read as a failed directory.  Nothing else is changed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

static void *next(const char *sym)
{
	void *f = dlsym(RTLD_NEXT, sym);
	if (!f)
		abort(); /* a test shim: without its target nothing is meaningful */
	return f;
}

static int glibc_answer(int e, const void *result)
{
	return e == ENOENT && !result ? 0 : e;
}

EXPORT int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size,
		      struct passwd **res)
{
	int (*real)(const char *, struct passwd *, char *, size_t, struct passwd **) =
	    next("getpwnam_r");
	int e = real(name, pw, buf, size, res);
	return glibc_answer(e, *res);
}

EXPORT int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	int (*real)(uid_t, struct passwd *, char *, size_t, struct passwd **) = next("getpwuid_r");
	int e = real(uid, pw, buf, size, res);
	return glibc_answer(e, *res);
}

EXPORT int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res)
{
	int (*real)(gid_t, struct group *, char *, size_t, struct group **) = next("getgrgid_r");
	int e = real(gid, gr, buf, size, res);
	return glibc_answer(e, *res);
}

EXPORT int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size,
		      struct group **res)
{
	int (*real)(const char *, struct group *, char *, size_t, struct group **) =
	    next("getgrnam_r");
	int e = real(name, gr, buf, size, res);
	return glibc_answer(e, *res);
}
