/*
 * pam_undo.c - a test module that stands in for a pam_limits running after
 * pam_rlimit in the same session stack.  pam_limits puts PID 1's limits
 * back; without CAP_SYS_RESOURCE, as here, the most a module can undo is
 * the soft limits, so it raises the soft limit of each resource named by
 * number in its arguments (RLIMIT_FSIZE is 1) to its hard limit.
 */
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <stdlib.h>
#include <sys/resource.h>

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	for (int i = 0; i < argc; i++) {
		int r = atoi(argv[i]);
		struct rlimit rl;
		if (getrlimit(r, &rl) != 0)
			return PAM_SESSION_ERR;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(r, &rl) != 0)
			return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
