/*
 * pam_rlimit.c - the PAM glue: arguments, the user, the policy library's
 * answer mapped to a PAM code, syslog.  Everything else lives in policy/.
 * The auth line is for setcred: sshd and cron run pam_limits after
 * common-session, then re-establish credentials in the session's process
 * (PAM_REINITIALIZE_CRED), where setcred applies again what this handle's
 * session open decided.  Arguments: pam_rlimit(8).
 */
#define PAM_SM_SESSION
#define PAM_SM_AUTH
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "rlimit_policy.h"

/* Enough to locate a broken policy without flooding the journal. */
#define MAX_LOGGED_ERRORS 20
/* With debug, user and group lookups slower than this in all are logged. */
#define NSS_SLOW_MS 100
/* The longest a login waits for systemd to take the user totals. */
#define BUS_TIMEOUT_MS 3000

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
 * Every line goes to syslog through here, and through rl_text_safe, as
 * OpenSSH's log goes through strnvis: lines quote PAM_USER, which need not
 * name a real user and may hold anything, and names from policy files and
 * folders.  Only lines that are logged pay for it.
 */
__attribute__((format(printf, 3, 4))) static void log_line(pam_handle_t *pamh, int prio,
							   const char *fmt, ...)
{
	char line[1024], safe[RL_TEXT_SAFE_SIZE(sizeof(line))];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pam_syslog(pamh, prio, "%s", rl_text_safe(line, safe, sizeof(safe)));
}

static void log_emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct logger *lg = ctx;
	int prio = LOG_DEBUG;
	switch (sev) {
	case RL_SEV_ERROR:
		if (++lg->errors > MAX_LOGGED_ERRORS) {
			if (lg->errors == MAX_LOGGED_ERRORS + 1)
				log_line(lg->pamh, LOG_ALERT,
					 "further errors not logged; run "
					 "rlimit-policy check to see them all");
			return;
		}
		prio = LOG_ALERT;
		break;
	case RL_SEV_WARNING:
		prio = LOG_WARNING;
		break;
	case RL_SEV_INFO:
		prio = LOG_DEBUG;
		break;
	}
	log_line(lg->pamh, prio, "%s", msg);
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
		else if (strncmp(s, "index=", 6) == 0 || strcmp(s, "noindex") == 0)
			/* The compiled policy is gone: an old pam.d line must still work. */
			log_line(pamh, LOG_WARNING, "argument \"%s\" is obsolete and ignored", s);
		else if (strcmp(s, "onerr=fail") == 0)
			a->onerr_succeed = false;
		else if (strcmp(s, "onerr=succeed") == 0)
			a->onerr_succeed = true;
		else if (strcmp(s, "debug") == 0)
			a->debug = true;
		else {
			log_line(pamh, LOG_ALERT, "unknown argument \"%s\"", s);
			a->bad = true;
		}
	}
}

/*
 * Who the user is, looked up once per login: a second pam_rlimit line in
 * the same stack (common-session, then sshd's own) finds the identity the
 * first kept in the handle and asks NSS nothing again, so a directory that
 * hangs costs one wait, not two.  The identity, not the result, is kept:
 * each line still reads its own conf= and confdir=.  libpam owns it once
 * pam_set_data took it and frees it at pam_end; *id is NULL on failure.
 */
#define IDENT_KEY "pam_rlimit_ident"

static void drop_ident(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	rl_ident_destroy(data);
}

static enum rl_status kept_ident(pam_handle_t *pamh, const char *user, struct rl_ident **id,
				 unsigned *earlier_lookups)
{
	const void *data = NULL;
	*id = NULL;
	*earlier_lookups = 0;
	if (pam_get_data(pamh, IDENT_KEY, &data) == PAM_SUCCESS && rl_ident_is_for(data, user)) {
		/* Ours, put there by pam_set_data below: only PAM's API is const. */
		*id = (struct rl_ident *)(uintptr_t)data;
		*earlier_lookups = (*id)->nss_lookups; /* an earlier line's, told there */
		return RL_OK;
	}
	enum rl_status st = rl_ident_new(user, id);
	if (st != RL_OK)
		return st;
	if (pam_set_data(pamh, IDENT_KEY, *id, drop_ident) != PAM_SUCCESS) {
		rl_ident_destroy(*id); /* libpam failed to allocate its entry */
		*id = NULL;
		return RL_ENOMEM;
	}
	return RL_OK;
}

/*
 * Fail safe: the group rules of res could not be decided.  With onerr=fail
 * the session is refused (RL_ENSS); with onerr=succeed every other rule
 * applies, and one line says which group rules did not.
 */
static enum rl_status groups_unknown(pam_handle_t *pamh, const char *user,
				     const struct rl_result *res, const struct args *a)
{
	char skipped[768];
	if (!res->nskipped)
		return RL_OK;
	if (!a->onerr_succeed)
		return RL_ENSS;
	log_line(pamh, LOG_WARNING,
		 "group information unavailable for %s (%s): skipped group rules %s; "
		 "the other rules apply (onerr=succeed)",
		 user, res->groups_why, rl_result_skipped_text(res, skipped, sizeof(skipped)));
	return RL_OK;
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
	case RL_ELOGINS:
		return PAM_PERM_DENIED; /* a limit, not an error: onerr does not apply */
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

/*
 * What a successful session open applied, kept in the PAM handle for
 * setcred.  Owned by libpam once pam_set_data accepts it; freed by
 * drop_applied at pam_end (in each process that holds a copy).
 */
#define APPLIED_KEY "pam_rlimit_applied"
struct applied {
	uid_t uid;
	struct rl_result res;
};

static void drop_applied(pam_handle_t *pamh, void *data, int status)
{
	struct applied *ap = data;
	(void)pamh;
	(void)status;
	rl_result_free(&ap->res); /* the file names its origins point to */
	free(ap);
}

/*
 * Hands ap to libpam.  If libpam cannot take it, the limits stay applied
 * and only setcred's second application is lost: a warning, not a refusal.
 */
static void keep_applied(pam_handle_t *pamh, struct applied *ap)
{
	if (pam_set_data(pamh, APPLIED_KEY, ap, drop_applied) != PAM_SUCCESS) {
		drop_applied(pamh, ap, PAM_SUCCESS);
		log_line(pamh, LOG_WARNING,
			 "pam_set_data failed: setcred will not re-apply the limits");
	}
}

/*
 * Test builds only: where systemd's run folder and the system bus are, so
 * tests can fake both.  An installed module always uses the real ones.
 */
static const char *test_path(const char *var)
{
#ifdef RL_TEST_TRUST_OWN_UID
	return getenv(var);
#else
	(void)var;
	return NULL;
#endif
}

static void drop_string(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The session totals, as PAM data for pam_systemd, later in the stack. */
static enum rl_status hand_session_totals(pam_handle_t *pamh, const struct rl_result *res,
					  bool debug)
{
	for (int t = 0; t < RL_NTOTALS; t++) {
		char text[32];
		if (rl_totals[t].scope != RL_SCOPE_SESSION || !res->total[t].set)
			continue;
		char *copy = strdup(rl_total_pam_text(res, t, text, sizeof(text)));
		if (!copy)
			return RL_ENOMEM;
		if (pam_set_data(pamh, rl_totals[t].key, copy, drop_string) != PAM_SUCCESS) {
			free(copy);
			log_line(pamh, LOG_ERR, "cannot hand %s to pam_systemd", rl_totals[t].key);
			return RL_ELOWER;
		}
		if (debug)
			log_line(pamh, LOG_DEBUG, "session.%s: %s=%s for pam_systemd (%s)",
				 rl_totals[t].name, rl_totals[t].key, text,
				 res->total[t].origin.rule);
	}
	return RL_OK;
}

/*
 * The totals go to systemd: the session's to pam_systemd, the user's to
 * user-UID.slice.  Once, at session open: setcred has nothing to redo.
 */
static enum rl_status apply_totals(pam_handle_t *pamh, uid_t uid, const struct rl_result *res,
				   bool debug, const struct rl_sink *sink)
{
	bool session = rl_result_any_total(res, RL_SCOPE_SESSION);
	bool user = rl_result_any_total(res, RL_SCOPE_USER);
	if (!session && !user)
		return RL_OK;
	if (!rl_systemd_running(test_path("RLT_SYSTEMD_RUN_DIR"))) {
		log_line(pamh, LOG_WARNING,
			 "systemd is not running: the session and user totals are skipped");
		return RL_OK;
	}
	enum rl_status st = session ? hand_session_totals(pamh, res, debug) : RL_OK;
	if (st == RL_OK && user) {
		st = rl_systemd_set_user_totals(res, uid, test_path("RLT_SYSTEM_BUS"),
						BUS_TIMEOUT_MS, sink);
		if (st == RL_OK && debug)
			log_line(pamh, LOG_DEBUG, "user totals set on user-%u.slice",
				 (unsigned)uid);
	}
	return st;
}

/* The PAM service name, or NULL. */
static const char *service_of(pam_handle_t *pamh)
{
	const void *item = NULL;
	if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	struct logger lg = {pamh, 0};
	struct rl_sink sink = {log_emit, &lg};
	struct rl_load_opts opts;
	struct rl_result res = {0};
	struct applied *ap = NULL;
	struct rl_ident *id = NULL;
	const char *user = NULL;
	uid_t uid = (uid_t)-1;
	enum rl_status st;

	(void)flags;
	parse_args(pamh, argc, argv, &a);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !*user) {
		log_line(pamh, LOG_ERR, "cannot determine the user");
		return PAM_USER_UNKNOWN;
	}
	opts = rl_load_opts_for(a.conf, a.confdir);
#ifdef RL_TEST_TRUST_OWN_UID
	opts.trusted_uid = getuid(); /* test builds only; never installed */
#endif

	unsigned earlier = 0;
	st = kept_ident(pamh, user, &id, &earlier);
	if (id)
		uid = id->uid; /* for root's fate, whatever else went wrong */
	if (a.bad)
		st = RL_EUSAGE;
	if (st == RL_OK) {
		st = rl_session_resolve_ident(&opts, id, &res, &sink);
		if (st == RL_OK) /* root's groups are never asked: it skips nothing */
			st = groups_unknown(pamh, user, &res, &a);
		/* A slow directory is the usual cause of a slow login, and one
		 * that the policy does not show. */
		if (a.debug && res.nss_lookups > earlier && res.nss_ns > NSS_SLOW_MS * 1000000ull)
			log_line(pamh, LOG_DEBUG,
				 "user and group lookups took %llu ms (%u lookups); a cache in "
				 "front of the directory (nscd, sssd) helps: see pam_rlimit(8)",
				 (unsigned long long)(res.nss_ns / 1000000u), res.nss_lookups);
		/* Allocated before anything is applied, so running out changes nothing. */
		if (st == RL_OK && !(ap = malloc(sizeof(*ap))))
			st = RL_ENOMEM;
		if (st == RL_OK) {
			if (a.debug && !rl_result_any(&res))
				log_line(pamh, LOG_DEBUG, "no rule applies to %s", user);
			st = rl_check_logins(&res, user, uid, pam_getenv(pamh, "XDG_SESSION_ID"),
					     service_of(pamh), &sink);
			if (st == RL_OK)
				st = rl_apply(&res, a.debug, &sink);
		}
		if (st == RL_OK)
			st = apply_totals(pamh, uid, &res, a.debug, &sink);
	}
	if (st == RL_OK) {
		ap->uid = uid;
		ap->res = res; /* ap owns the result's file names now */
		keep_applied(pamh, ap);
		return PAM_SUCCESS;
	}
	free(ap);
	rl_result_free(&res);

	int rc = to_pam(st, &a);
	if (st == RL_ELOGINS) {
		log_line(pamh, LOG_NOTICE, "too many sessions; session for %s refused", user);
		return rc;
	}
	if (st == RL_ENOUSER) {
		log_line(pamh, LOG_ERR, "unknown user %s", user);
	} else if (uid == 0) {
		/* Never lock root out: it is who mends a broken policy. */
		log_line(pamh, LOG_ALERT, "%s; root's session goes on without limits",
			 rl_status_str(st));
		return PAM_SUCCESS;
	} else {
		log_line(pamh, LOG_ALERT, "%s; session for %s %s", rl_status_str(st), user,
			 rc == PAM_SUCCESS ? "goes on without limits (onerr=succeed)" : "refused");
	}
	return rc;
}

/* Authentication is none of our business: the auth line is for setcred. */
PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

/*
 * Re-applies what this handle's session open applied, for the modules that
 * ran after it (pam_limits).  A setcred before the session opened gets
 * PAM_IGNORE: nothing was decided yet.  Only establishing credentials
 * counts: a screen locker's refresh must not touch its own process.
 */
PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	struct logger lg = {pamh, 0};
	struct rl_sink sink = {log_emit, &lg};
	const void *data = NULL;

	if (!(flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED)))
		return PAM_IGNORE;
	if (pam_get_data(pamh, APPLIED_KEY, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	parse_args(pamh, argc, argv, &a);
	const struct applied *ap = data;
	if (a.debug)
		log_line(pamh, LOG_DEBUG, "setcred: applying the session's limits again");
	if (rl_apply(&ap->res, a.debug, &sink) == RL_OK)
		return PAM_SUCCESS;
	if (ap->uid == 0) {
		log_line(pamh, LOG_ALERT, "%s; root goes on", rl_status_str(RL_ELOWER));
		return PAM_SUCCESS;
	}
	log_line(pamh, LOG_ALERT, "%s at setcred", rl_status_str(RL_ELOWER));
	return PAM_CRED_ERR;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
