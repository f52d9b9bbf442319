/*
 * pam_rlimit.c - the PAM glue: read the arguments, get the user, ask the
 * policy library, map its answer to a PAM code, log.  Everything else lives
 * in policy/.
 *
 *   session required pam_rlimit.so [conf=PATH] [confdir=DIR]
 *                                   [onerr=fail|succeed] [debug]
 */
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "rlimit_policy.h"

/* Enough to locate a broken policy without flooding the journal. */
#define MAX_LOGGED_ERRORS 20

struct args {
	const char *conf;
	const char *confdir;
	bool onerr_succeed;
	bool debug;
	bool bad;
};

struct logger {
	pam_handle_t *pamh;
	unsigned errors;
};

/*
 * Every message goes to syslog through rl_text_safe, as OpenSSH's log does
 * through strnvis: it quotes names from policy files and folders, and
 * PAM_USER, which need not name a real user and may hold anything.
 */
#define SAFE_MSG_SIZE RL_TEXT_SAFE_SIZE(1024)

static void log_emit(void *ctx, enum rl_severity sev, const char *text)
{
	struct logger *lg = ctx;
	char msg[SAFE_MSG_SIZE];
	rl_text_safe(text, msg, sizeof(msg));
	switch (sev) {
	case RL_SEV_ERROR:
		if (++lg->errors <= MAX_LOGGED_ERRORS)
			pam_syslog(lg->pamh, LOG_ALERT, "%s", msg);
		else if (lg->errors == MAX_LOGGED_ERRORS + 1)
			pam_syslog(lg->pamh, LOG_ALERT,
				   "further errors not logged; run "
				   "rlimit-policy check to see them all");
		break;
	case RL_SEV_WARNING:
		pam_syslog(lg->pamh, LOG_WARNING, "%s", msg);
		break;
	case RL_SEV_INFO:
		pam_syslog(lg->pamh, LOG_DEBUG, "%s", msg);
		break;
	}
}

static void parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (strncmp(s, "conf=", 5) == 0 && s[5])
			a->conf = s + 5;
		else if (strncmp(s, "confdir=", 8) == 0 && s[8])
			a->confdir = s + 8;
		else if (strcmp(s, "onerr=fail") == 0)
			a->onerr_succeed = false;
		else if (strcmp(s, "onerr=succeed") == 0)
			a->onerr_succeed = true;
		else if (strcmp(s, "debug") == 0)
			a->debug = true;
		else {
			char shown[RL_TEXT_SAFE_SIZE(256)];
			pam_syslog(pamh, LOG_ALERT, "unknown argument \"%s\"",
				   rl_text_safe(s, shown, sizeof(shown)));
			a->bad = true;
		}
	}
}

/* The uid of user, for a decision about root when nothing else is known. */
static uid_t uid_of(const char *user)
{
	struct rl_ident id;
	if (rl_ident_lookup(user, &id) != RL_OK)
		return (uid_t)-1;
	uid_t uid = id.uid;
	rl_ident_free(&id);
	return uid;
}

static int to_pam(enum rl_status st, const struct args *a)
{
	switch (st) {
	case RL_OK:
		return PAM_SUCCESS;
	case RL_ENOUSER:
		return PAM_USER_UNKNOWN;
	case RL_EUNTRUSTED:
		return PAM_SERVICE_ERR; /* whatever onerr says */
	case RL_ELOWER:
		return PAM_SESSION_ERR;
	case RL_ENOMEM:
		return a->onerr_succeed ? PAM_SUCCESS : PAM_BUF_ERR;
	case RL_EINVALID:
	case RL_EIO:
	case RL_ENSS:
	case RL_EUSAGE:
		break;
	}
	return a->onerr_succeed ? PAM_SUCCESS : PAM_SERVICE_ERR;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	struct logger lg = {pamh, 0};
	struct rl_sink sink = {log_emit, &lg};
	struct rl_session_opts opts;
	struct rl_result res;
	const char *user = NULL;
	uid_t uid = (uid_t)-1;
	enum rl_status st;

	(void)flags;
	parse_args(pamh, argc, argv, &a);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user");
		return PAM_USER_UNKNOWN;
	}
	char shown[RL_TEXT_SAFE_SIZE(256)]; /* user, for the log */
	rl_text_safe(user, shown, sizeof(shown));
	memset(&opts, 0, sizeof(opts));
	opts.load.conf = a.conf;
	opts.load.confdir = a.confdir;
#ifdef RL_TEST_TRUST_OWN_UID
	opts.load.trusted_uid = getuid(); /* test builds only; never installed */
#else
	opts.load.trusted_uid = (uid_t)-1;
#endif
	opts.debug = a.debug;

	if (a.bad) {
		st = RL_EUSAGE;
		uid = uid_of(user);
	} else {
		st = rl_session_resolve(&opts, user, &uid, &res, &sink);
		if (st == RL_OK) {
			if (a.debug && !rl_result_any(&res))
				pam_syslog(pamh, LOG_DEBUG, "no rule applies to %s", shown);
			st = rl_apply(&res, a.debug, &sink);
		}
	}
	if (st == RL_OK)
		return PAM_SUCCESS;

	int rc = to_pam(st, &a);
	if (st == RL_ENOUSER) {
		pam_syslog(pamh, LOG_ERR, "unknown user %s", shown);
	} else if (uid == 0) {
		/* Never lock root out: it is who mends a broken policy. */
		pam_syslog(pamh, LOG_ALERT, "%s; root's session goes on without limits",
			   rl_status_str(st));
		return PAM_SUCCESS;
	} else {
		pam_syslog(pamh, LOG_ALERT, "%s; session for %s %s", rl_status_str(st), shown,
			   rc == PAM_SUCCESS ? "goes on without limits (onerr=succeed)"
					     : "refused");
	}
	return rc;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
