/*
 * testnames.h - names for PAM codes and rlimit resources in test messages,
 * written out here so that a message never depends on the code under test.
 * Not pam_strerror: with pam_wrapper preloaded but not initialised, its
 * pam_strerror finds itself instead of libpam's and recurses forever.
 */
#ifndef RL_TESTNAMES_H
#define RL_TESTNAMES_H

#include <security/_pam_types.h>
#include <sys/resource.h>

static inline const char *tn_pam_code(int rc)
{
	switch (rc) {
	case -1:
		return "(not run)";
	case PAM_SUCCESS:
		return "PAM_SUCCESS";
	case PAM_SERVICE_ERR:
		return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR:
		return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR:
		return "PAM_BUF_ERR";
	case PAM_PERM_DENIED:
		return "PAM_PERM_DENIED";
	case PAM_USER_UNKNOWN:
		return "PAM_USER_UNKNOWN";
	case PAM_SESSION_ERR:
		return "PAM_SESSION_ERR";
	case PAM_IGNORE:
		return "PAM_IGNORE";
	case PAM_ABORT:
		return "PAM_ABORT";
	}
	return "another PAM code";
}

static inline const char *tn_resource(int res)
{
	static const char *const names[RLIM_NLIMITS] = {
	    [RLIMIT_CPU] = "cpu",           [RLIMIT_FSIZE] = "fsize",
	    [RLIMIT_DATA] = "data",         [RLIMIT_STACK] = "stack",
	    [RLIMIT_CORE] = "core",         [RLIMIT_RSS] = "rss",
	    [RLIMIT_NPROC] = "nproc",       [RLIMIT_NOFILE] = "nofile",
	    [RLIMIT_MEMLOCK] = "memlock",   [RLIMIT_AS] = "as",
	    [RLIMIT_LOCKS] = "locks",       [RLIMIT_SIGPENDING] = "sigpending",
	    [RLIMIT_MSGQUEUE] = "msgqueue", [RLIMIT_NICE] = "nice",
	    [RLIMIT_RTPRIO] = "rtprio",     [RLIMIT_RTTIME] = "rttime",
	};
	return res >= 0 && res < RLIM_NLIMITS && names[res] ? names[res] : "?";
}

#endif
