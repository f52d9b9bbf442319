/*
 * limits_helper - what the cli tests need to see limits through libpam:
 *   limits_helper print                          every limit, "NAME SOFT HARD",
 *                                                then "priority N N", "nonewprivs N N"
 *   limits_helper session SERVICE USER [BASELINE] a session, then "rc N" and print
 *   limits_helper baseline BASELINE -- COMMAND... BASELINE set, then COMMAND
 * BASELINE is print's format.  Names come from tests/common/testnames.h,
 * not the library's table, so a wrong item-to-resource mapping shows.  One
 * process a run: a lowered hard limit cannot be raised again.
 */
#include <errno.h>
#include <inttypes.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../common/testnames.h"

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static void put(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf(" inf");
	else
		printf(" %" PRIu64, (uint64_t)v);
}

static int print_limits(void)
{
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit l;
		if (getrlimit(r, &l) != 0) {
			fprintf(stderr, "limits_helper: getrlimit %s: %s\n", tn_resource(r),
				strerror(errno));
			return 1;
		}
		printf("%s", tn_resource(r));
		put(l.rlim_cur);
		put(l.rlim_max);
		printf("\n");
	}
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	if (prio == -1 && errno) {
		fprintf(stderr, "limits_helper: getpriority: %s\n", strerror(errno));
		return 1;
	}
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	printf("priority %d %d\nnonewprivs %d %d\n", prio, prio, nnp, nnp);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int read_limit(const char *s, rlim_t *v)
{
	if (strcmp(s, "inf") == 0) {
		*v = RLIM_INFINITY;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*v = (rlim_t)n;
	return 0;
}

static int set_baseline(const char *path)
{
	FILE *f = fopen(path, "r");
	char name[64], soft[32], hard[32];
	int rc = 0;
	if (!f) {
		fprintf(stderr, "limits_helper: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fscanf(f, "%63s %31s %31s", name, soft, hard) == 3) {
		int res = -1;
		if (strcmp(name, "nonewprivs") == 0)
			continue; /* what the process has; it cannot be unset */
		if (strcmp(name, "priority") == 0) {
			if (setpriority(PRIO_PROCESS, 0, atoi(soft)) != 0) {
				fprintf(stderr, "limits_helper: setpriority %s: %s\n", soft,
					strerror(errno));
				rc = 1;
				break;
			}
			continue;
		}
		for (int r = 0; r < RLIM_NLIMITS; r++) {
			if (strcmp(tn_resource(r), name) == 0)
				res = r;
		}
		struct rlimit l;
		if (res < 0 || read_limit(soft, &l.rlim_cur) || read_limit(hard, &l.rlim_max)) {
			fprintf(stderr, "limits_helper: %s: bad line for %s\n", path, name);
			rc = 1;
			break;
		}
		if (setrlimit(res, &l) != 0) {
			fprintf(stderr, "limits_helper: cannot set baseline %s %s %s: %s\n", name,
				soft, hard, strerror(errno));
			rc = 1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int session(const char *service, const char *user, const char *baseline)
{
	struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *pamh = NULL;
	if (baseline && set_baseline(baseline))
		return 1;
	int rc = pam_start(service, user, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "limits_helper: pam_start: %d\n", rc);
		return 1;
	}
	rc = pam_open_session(pamh, 0);
	printf("rc %d\n", rc);
	int out = print_limits();
	if (rc == PAM_SUCCESS)
		pam_close_session(pamh, 0);
	pam_end(pamh, rc);
	return out;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "print") == 0)
		return print_limits();
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "session") == 0)
		return session(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc >= 5 && strcmp(argv[1], "baseline") == 0 && strcmp(argv[3], "--") == 0) {
		if (set_baseline(argv[2]))
			return 1;
		execvp(argv[4], argv + 4);
		fprintf(stderr, "limits_helper: %s: %s\n", argv[4], strerror(errno));
		return 127;
	}
	fprintf(stderr, "usage: limits_helper print | session SERVICE USER [BASELINE] | "
			"baseline BASELINE -- COMMAND [ARG]...\n");
	return 2;
}
