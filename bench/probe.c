/*
 * probe.c - an LD_PRELOAD probe for the benchmark's check runs: the libyaml
 * parsers a session starts, its passwd and group lookups, and its syslog
 * lines (copied to stderr), pam_rlimit's warnings apart.  pam_bench -V
 * reads probe_count and probe_name with dlsym.  Linked with libyaml, so
 * that RTLD_NEXT finds the real functions; that keeps libyaml loaded, so the
 * timed runs never load the probe.  It comes before nss_wrapper in
 * LD_PRELOAD, to count the lookups nss_wrapper answers.
 */
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* syslog.h is not included: with _FORTIFY_SOURCE it defines syslog inline. */
#define PROBE_LOG_PRIMASK 0x07
#define PROBE_LOG_WARNING 4

enum probe_counter {
	P_YAML,
	P_GETPWNAM,
	P_GETGROUPLIST,
	P_GETGRNAM,
	P_GETGRGID,
	P_LOG_LINES,
	P_RLIMIT_WARNINGS,
	P_N
};

unsigned long probe_count(int which);
const char *probe_name(int which);
int yaml_parser_initialize(void *parser);
int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **res);
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups);
int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size, struct group **res);
int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res);
__attribute__((format(printf, 2, 3))) void syslog(int pri, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void vsyslog(int pri, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) void __syslog_chk(int pri, int flag, const char *fmt, ...);
__attribute__((format(printf, 3, 0))) void __vsyslog_chk(int pri, int flag, const char *fmt,
							 va_list ap);

static unsigned long counts[P_N];

/* The name pam_bench prints for each counter; NULL past the last one. */
const char *probe_name(int which)
{
	static const char *const names[P_N] = {
	    [P_YAML] = "yaml_parsers",
	    [P_GETPWNAM] = "getpwnam_r",
	    [P_GETGROUPLIST] = "getgrouplist",
	    [P_GETGRNAM] = "getgrnam_r",
	    [P_GETGRGID] = "getgrgid_r",
	    [P_LOG_LINES] = "log_lines",
	    [P_RLIMIT_WARNINGS] = "rlimit_warnings",
	};
	return which >= 0 && which < P_N ? names[which] : NULL;
}

unsigned long probe_count(int which)
{
	return which >= 0 && which < P_N ? __atomic_load_n(&counts[which], __ATOMIC_RELAXED) : 0;
}

static void bump(enum probe_counter c)
{
	__atomic_add_fetch(&counts[c], 1, __ATOMIC_RELAXED);
}

/* The next definition of name: nss_wrapper's, libyaml's or libc's. */
static void *next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f) {
		fprintf(stderr, "probe: no %s after the probe\n", name);
		_exit(127);
	}
	return f;
}

int yaml_parser_initialize(void *parser)
{
	static int (*real)(void *);
	if (!real)
		*(void **)&real = next("yaml_parser_initialize");
	bump(P_YAML);
	return real(parser);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	static int (*real)(const char *, struct passwd *, char *, size_t, struct passwd **);
	if (!real)
		*(void **)&real = next("getpwnam_r");
	bump(P_GETPWNAM);
	return real(name, pw, buf, size, res);
}

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	static int (*real)(const char *, gid_t, gid_t *, int *);
	if (!real)
		*(void **)&real = next("getgrouplist");
	bump(P_GETGROUPLIST);
	return real(user, group, groups, ngroups);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t size, struct group **res)
{
	static int (*real)(const char *, struct group *, char *, size_t, struct group **);
	if (!real)
		*(void **)&real = next("getgrnam_r");
	bump(P_GETGRNAM);
	return real(name, gr, buf, size, res);
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res)
{
	static int (*real)(gid_t, struct group *, char *, size_t, struct group **);
	if (!real)
		*(void **)&real = next("getgrgid_r");
	bump(P_GETGRGID);
	return real(gid, gr, buf, size, res);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	char line[2048];
	(void)flag;
	vsnprintf(line, sizeof(line), fmt, ap);
	bump(P_LOG_LINES);
	if ((pri & PROBE_LOG_PRIMASK) <= PROBE_LOG_WARNING && strncmp(line, "pam_rlimit(", 11) == 0)
		bump(P_RLIMIT_WARNINGS);
	fprintf(stderr, "probe: syslog priority %d: %s\n", pri & PROBE_LOG_PRIMASK, line);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	__vsyslog_chk(pri, flag, fmt, ap);
	va_end(ap);
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	__vsyslog_chk(pri, 0, fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	__vsyslog_chk(pri, 0, fmt, ap);
	va_end(ap);
}
