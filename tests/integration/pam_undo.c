/*
 * pam_undo.c - stands in for a pam_limits after pam_rlimit in the stack.
 * pam_limits puts PID 1's limits back; without CAP_SYS_RESOURCE the most a
 * module can undo is a soft limit: each resource named by number (1 is
 * RLIMIT_FSIZE) gets its soft limit raised to its hard one.  nice=N sets
 * the niceness, as pam_limits' priority does (0 if limits.conf has none):
 * a lowering takes CAP_SYS_NICE, as root and sshd's pam_limits have.
 * no_new_privs has no counterpart: nothing can turn it off.
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
