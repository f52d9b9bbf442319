/*
 * pam_undo.c - a test module that stands in for a pam_limits running after
 * pam_rlimit in the same session stack.  pam_limits puts PID 1's limits
 * back; without CAP_SYS_RESOURCE, as here, the most a module can undo is
 * the soft limits, so it raises the soft limit of each resource named by
 * number in its arguments (RLIMIT_FSIZE is 1) to its hard limit.
 * nice=N sets the niceness to N, as pam_limits' priority does (to 0 when
 * limits.conf names none): lowering it takes CAP_SYS_NICE, which root
 * has here and sshd's or cron's pam_limits has too.
 * no_new_privs has no counterpart: nothing can turn it off again.
 */
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "nice=", 5) == 0) {
			if (setpriority(PRIO_PROCESS, 0, atoi(argv[i] + 5)) != 0)
				return PAM_SESSION_ERR;
			continue;
		}
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
