/*
 * logins.c - maxlogins and maxsyslogins: how many sessions there are.
 *
 * Where systemd runs, logind knows every session, utmp perhaps none (sshd
 * may not write it, and newer systems drop it): its session files are
 * read, without libsystemd, which the module must not need.  Elsewhere
 * utmp is read as pam_limits reads it.  pam_rlimit(8) says where the count
 * differs from pam_limits'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include "policy_int.h"

#define LOGIND_RUNNING "/run/systemd/system"
#define LOGIND_SESSIONS "/run/systemd/sessions"
#define USER_MANAGER_SERVICE "systemd-user"

/* The value of KEY= in a logind session file's text, in out; false if absent. */
static bool field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t v = len - klen - 1;
			if (v >= size)
				v = size - 1;
			memcpy(out, p + klen + 1, v);
			out[v] = '\0';
			return true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/*
 * Whether name can be a logind session id: letters and digits only, as
 * logind makes them.  The folder also holds each session's "ID.ref" FIFO.
 */
static bool session_id(const char *name)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	return *name && name[strspn(name, alnum)] == '\0';
}

/*
 * logind's sessions: a user's class ("user", not "greeter" or "background"
 * ones such as cron's), not closing.  Only regular files are read: a read
 * of a session's FIFO blocks for as long as that session lives, and so
 * would the login being opened.
 */
enum rl_status rl_count_logind(const char *dir, uid_t uid, const char *own_id, unsigned *user_n,
			       unsigned *all_n)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? RL_OK : RL_EIO;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char text[4096], v[64];
		struct stat st;
		if (!session_id(e->d_name) || (own_id && strcmp(e->d_name, own_id) == 0))
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		/* O_NONBLOCK: should a FIFO take a session file's name, open
		 * returns at once and fstat tells. */
		int fd = openat(dirfd(d), e->d_name,
				O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			continue; /* gone since the listing */
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		ssize_t n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n <= 0)
			continue;
		text[n] = '\0';
		if (!field(text, "CLASS", v, sizeof(v)) || strncmp(v, "user", 4) != 0)
			continue;
		if (field(text, "STATE", v, sizeof(v)) && strcmp(v, "closing") == 0)
			continue;
		(*all_n)++;
		if (field(text, "UID", v, sizeof(v)) && strtoul(v, NULL, 10) == (unsigned long)uid)
			(*user_n)++;
	}
	closedir(d);
	return RL_OK;
}

/*
 * utmp's login sessions, as pam_limits counts them: USER_PROCESS entries
 * with a name.  An entry whose process is gone is stale and not counted
 * (pam_limits skips those for maxlogins only).
 */
static void count_utmp(const char *user, unsigned *user_n, unsigned *all_n)
{
	struct utmp *ut;
	setutent();
	while ((ut = getutent()) != NULL) {
		if (ut->ut_type != USER_PROCESS || ut->ut_user[0] == '\0')
			continue;
		if (ut->ut_pid > 0 && kill(ut->ut_pid, 0) == -1 && errno == ESRCH)
			continue;
		(*all_n)++;
		if (strncmp(ut->ut_user, user, sizeof(ut->ut_user)) == 0 &&
		    strlen(user) <= sizeof(ut->ut_user))
			(*user_n)++;
	}
	endutent();
}

enum rl_status rl_count_sessions(const char *user, uid_t uid, const char *own_id, unsigned *user_n,
				 unsigned *all_n)
{
	struct stat st;
	*user_n = *all_n = 0;
	if (stat(LOGIND_RUNNING, &st) == 0 && S_ISDIR(st.st_mode))
		return rl_count_logind(LOGIND_SESSIONS, uid, own_id, user_n, all_n);
	count_utmp(user, user_n, all_n);
	return RL_OK;
}

/* Whether one more session goes past the limit of item it; says so. */
static bool over(const struct rl_result *r, int it, unsigned have, const char *user, uid_t uid,
		 const struct rl_sink *sink)
{
	const struct rl_half *h = &r->item[it].hard;
	if (!h->set || h->rlim == RLIM_INFINITY || (rlim_t)have + 1 <= h->rlim)
		return false;
	bool sys = it == RL_ITEM_MAXSYSLOGINS;
	rl_report(sink, uid == 0 ? RL_SEV_WARNING : RL_SEV_ERROR,
		  "%s: %s %u session%s open %s, and %s %llu (%s, %s:%u)%s", rl_items[it].name,
		  sys ? "there are" : user, have, have == 1 ? "" : "s",
		  sys ? "on this machine" : "already", rl_items[it].name,
		  (unsigned long long)h->rlim, h->origin.rule, h->origin.file, h->origin.line,
		  uid == 0 ? "; root is never refused a session" : "; this one is refused");
	return uid != 0;
}

enum rl_status rl_check_logins(const struct rl_result *r, const char *user, uid_t uid,
			       const char *own_id, const char *service, const struct rl_sink *sink)
{
	unsigned mine, all;
	if (!r->item[RL_ITEM_MAXLOGINS].hard.set && !r->item[RL_ITEM_MAXSYSLOGINS].hard.set)
		return RL_OK;
	/*
	 * The user's manager (user@UID.service) opens a session of its own
	 * under this service, from inside the user's first login, which
	 * logind counts already: checked, it would be refused for every
	 * user at maxlogins 1.  It is not a login; pam_systemd registers no
	 * session for it (class "manager" from systemd 256 on: not counted).
	 */
	if (service && strcmp(service, USER_MANAGER_SERVICE) == 0)
		return RL_OK;
	enum rl_status st = rl_count_sessions(user, uid, own_id, &mine, &all);
	if (st != RL_OK) {
		rl_report(sink, RL_SEV_ERROR, "cannot read %s to count sessions", LOGIND_SESSIONS);
		return uid == 0 ? RL_OK : st;
	}
	bool refuse = over(r, RL_ITEM_MAXLOGINS, mine, user, uid, sink);
	refuse = over(r, RL_ITEM_MAXSYSLOGINS, all, user, uid, sink) || refuse;
	return refuse ? RL_ELOGINS : RL_OK;
}
