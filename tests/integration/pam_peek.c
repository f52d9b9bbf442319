/*
 * pam_peek.c - a test module that stands where pam_systemd stands, after
 * pam_rlimit in the session stack, and writes what pam_systemd would read:
 * the PAM data named by its arguments, "KEY=VALUE" a line (or "KEY unset"),
 * into the file its first argument names.
 *
 *   session required pam_peek.so OUT systemd.memory_max systemd.tasks_max ...
 */
#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <stdio.h>

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	if (argc < 1)
		return PAM_SESSION_ERR;
	FILE *f = fopen(argv[0], "w");
	if (!f)
		return PAM_SESSION_ERR;
	for (int i = 1; i < argc; i++) {
		const void *data = NULL;
		if (pam_get_data(pamh, argv[i], &data) == PAM_SUCCESS && data)
			fprintf(f, "%s=%s\n", argv[i], (const char *)data);
		else
			fprintf(f, "%s unset\n", argv[i]);
	}
	return fclose(f) == 0 ? PAM_SUCCESS : PAM_SESSION_ERR;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
