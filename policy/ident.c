/*
 * ident.c - who the user is: one getpwnam_r, one getgrouplist (two for a
 * user in more than 1,024 groups), and the names of the user's own gids
 * (getgrgid_r on each) only when a policy names groups.  Reentrant: every
 * buffer is the caller's or ours, never a static one.
 */

/*
 * glibc's get*_r say "no such entry" (NSS's NOTFOUND) as 0 with a NULL
 * result, and any other failure as the module's errno (nss/getXXbyYY_r.c):
 * nss_sss says ENOENT when its daemon is down.  So only 0 means "not found"
 * here; every errno is a directory that did not answer.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy_int.h"

#define NSS_BUF_START 1024
#define NSS_BUF_MAX (1024 * 1024)
/*
 * The first getgrouplist array: enough for nearly every user, and small,
 * since glibc's getgrouplist mallocs a temporary array of the size it is
 * given (4 KiB here) and copies it into ours.  A user in more groups costs
 * a second call, which glibc answers with the exact count it needs.
 */
#define GROUPS_FIRST 1024
/* The Linux kernel's NGROUPS_MAX: a directory asking for more is broken. */
#define GROUPS_MAX 65536
/*
 * getgrouplist calls per user: the first, the retry at the size asked for,
 * and room for groups added between the two.  A directory still asking for
 * more after that is failing, however little more it asks each time.
 */
#define GROUPS_CALLS 4

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Counts one lookup of id and returns when it started, for nss_done, which
 * adds what it took: a slow directory is what makes a login slow, and
 * debug says so (the module).
 */
static uint64_t nss_start(struct rl_ident *id)
{
	id->nss_lookups++;
	return now_ns();
}

static void nss_done(struct rl_ident *id, uint64_t start)
{
	id->nss_ns += now_ns() - start;
}

static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts and removes duplicates in place; returns the new count. */
static size_t sort_unique_gids(gid_t *g, size_t n)
{
	size_t k = 0;
	if (n > 1)
		qsort(g, n, sizeof(*g), gid_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k == 0 || g[k - 1] != g[i])
			g[k++] = g[i];
	}
	return k;
}

static size_t sort_unique_names(char **v, size_t n)
{
	size_t k = 0;
	if (n > 1)
		qsort(v, n, sizeof(*v), rl_name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	return k;
}

void rl_ident_free(struct rl_ident *id)
{
	if (!id)
		return;
	free(id->name);
	free(id->asked);
	free(id->gids);
	free(id->nss_buf);
	for (size_t i = 0; i < id->ngnames; i++)
		free(id->gnames[i]);
	free(id->gnames);
	for (size_t i = 0; i < id->nprobes; i++)
		free(id->probes[i].name);
	free(id->probes);
	memset(id, 0, sizeof(*id));
}

enum rl_status rl_ident_make(const char *name, uid_t uid, gid_t gid, const gid_t *gids,
			     size_t ngids, struct rl_ident *id)
{
	memset(id, 0, sizeof(*id));
	id->uid = uid;
	id->gid = gid;
	id->gnames_loaded = true;
	if (!(id->name = rl_strndup(name, strlen(name))))
		return RL_ENOMEM;
	if (!(id->gids = malloc((ngids + 1) * sizeof(gid_t)))) {
		rl_ident_free(id);
		return RL_ENOMEM;
	}
	id->gids[0] = gid;
	if (ngids)
		memcpy(id->gids + 1, gids, ngids * sizeof(gid_t));
	id->ngids = sort_unique_gids(id->gids, ngids + 1);
	return RL_OK;
}

enum rl_status rl_ident_add_group(struct rl_ident *id, const char *gname, bool gid_known, gid_t gid)
{
	enum rl_status st = rl_ident_load_group_names(id);
	if (st != RL_OK)
		return st;
	char **v = realloc(id->gnames, (id->ngnames + 1) * sizeof(*v));
	if (!v)
		return RL_ENOMEM;
	id->gnames = v;
	if (!(v[id->ngnames] = rl_strndup(gname, strlen(gname))))
		return RL_ENOMEM;
	id->ngnames = sort_unique_names(v, id->ngnames + 1);
	if (gid_known) {
		gid_t *g = realloc(id->gids, (id->ngids + 1) * sizeof(*g));
		if (!g)
			return RL_ENOMEM;
		id->gids = g;
		g[id->ngids] = gid;
		id->ngids = sort_unique_gids(g, id->ngids + 1);
	}
	return RL_OK;
}

static size_t nss_buf_size(int which)
{
	long s = sysconf(which);
	return s > 0 && s <= NSS_BUF_MAX ? (size_t)s : NSS_BUF_START;
}

/*
 * After ERANGE from a get*_r call: doubles the buffer, up to NSS_BUF_MAX.
 * RL_ENSS when it may not grow further, RL_ENOMEM when it cannot.
 */
static enum rl_status nss_grow(char **buf, size_t *size)
{
	if (*size >= NSS_BUF_MAX)
		return RL_ENSS;
	char *nb = realloc(*buf, *size * 2);
	if (!nb)
		return RL_ENOMEM;
	*buf = nb;
	*size *= 2;
	return RL_OK;
}

/*
 * id's scratch buffer for get*_r answers, at least the size sysconf(which)
 * suggests: one buffer serves every lookup of a login.
 */
static enum rl_status nss_scratch(struct rl_ident *id, int which)
{
	size_t want = nss_buf_size(which);
	if (id->nss_buf && id->nss_size >= want)
		return RL_OK;
	char *b = realloc(id->nss_buf, want);
	if (!b)
		return RL_ENOMEM;
	id->nss_buf = b;
	id->nss_size = want;
	return RL_OK;
}

/*
 * What a get*_r call that found nothing meant by e: RL_OK for "no such
 * entry", which glibc says as 0 and only so; else the failure.  getpwnam_r(3)
 * lists ENOENT, ESRCH, EBADF and EPERM as other ways to say it, but glibc
 * never does, and nss_sss says ENOENT for "my daemon is down": taking it for
 * an answer is how a dead directory became "not a member".
 */
static enum rl_status nss_miss(int e)
{
	if (e == 0)
		return RL_OK;
	return e == ENOMEM ? RL_ENOMEM : RL_ENSS;
}

/*
 * Records in id that its groups are (partly) unavailable, and why: call
 * (on gid, unless it is -1) failed with errno e, or with no errno (0) when
 * it found no entry or said nothing.
 */
static void groups_unavailable(struct rl_ident *id, enum rl_groups what, const char *call, long gid,
			       int e)
{
	char es[RL_ERRSTR_SIZE];
	if (id->groups < what)
		id->groups = what;
	if (id->groups_why[0])
		return; /* the first failure is the one worth telling */
	const char *why = e == ERANGE ? "an answer larger than the library takes"
			  : e != 0    ? rl_errstr(e, es, sizeof(es))
			  : gid >= 0  ? "no such group, though the user is in it"
				      : "failed";
	if (gid >= 0)
		snprintf(id->groups_why, sizeof(id->groups_why), "%s(%ld): %s", call, gid, why);
	else
		snprintf(id->groups_why, sizeof(id->groups_why), "%s: %s", call, why);
}

/*
 * The user's gids, sorted, into id.  Root gets only its primary group:
 * group rules never apply to root, and a broken directory must not stand
 * between root and a login.  A getgrouplist that fails leaves the primary
 * gid alone and id->groups RL_GROUPS_UNAVAILABLE: RL_OK all the same, so
 * that the rules that need no group still apply (rl_resolve).
 */
static enum rl_status lookup_groups(const struct passwd *pw, struct rl_ident *id)
{
	if (pw->pw_uid == 0) {
		if (!(id->gids = malloc(sizeof(gid_t))))
			return RL_ENOMEM;
		id->gids[0] = pw->pw_gid;
		id->ngids = 1;
		return RL_OK;
	}

	int ngroups = GROUPS_FIRST;
	gid_t *groups = NULL;

	for (int calls = 1;; calls++) {
		/* What a too-small array got is thrown away: no realloc copy. */
		free(groups);
		if (!(groups = malloc((size_t)ngroups * sizeof(gid_t))))
			return RL_ENOMEM;
		/*
		 * getgrouplist says -1 both for "your array is too small" (and
		 * then raises ngroups to what it needs) and for its own failures
		 * (and then does not): only the first is worth a retry.
		 */
		int asked = ngroups;
		uint64_t t0 = nss_start(id);
		errno = 0;
		int r = getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups);
		int e = errno;
		nss_done(id, t0);
		if (r >= 1 && r <= asked) {
			ngroups = r;
			break;
		}
		if (r == 0 || ngroups <= asked || ngroups > GROUPS_MAX || calls == GROUPS_CALLS) {
			groups[0] = pw->pw_gid;
			id->gids = groups;
			id->ngids = 1;
			groups_unavailable(id, RL_GROUPS_UNAVAILABLE, "getgrouplist", -1,
					   r == 0 || ngroups <= asked ? e : ERANGE);
			return RL_OK;
		}
	}
	/*
	 * No exact-size copy: the array is the 4 KiB first one or the size the
	 * library asked for, and it lives no longer than the session.
	 */
	id->gids = groups;
	id->ngids = sort_unique_gids(groups, (size_t)ngroups);
	return RL_OK;
}

enum rl_status rl_ident_lookup(const char *user, struct rl_ident *id)
{
	struct passwd pw, *res = NULL;
	enum rl_status st = RL_OK;
	int e;

	memset(id, 0, sizeof(*id));
	if (!user || !*user)
		return RL_ENOUSER;
	if (nss_scratch(id, _SC_GETPW_R_SIZE_MAX) != RL_OK)
		return RL_ENOMEM;
	do {
		uint64_t t0 = nss_start(id);
		e = getpwnam_r(user, &pw, id->nss_buf, id->nss_size, &res);
		nss_done(id, t0);
	} while (e == ERANGE && (st = nss_grow(&id->nss_buf, &id->nss_size)) == RL_OK);
	if (!res) {
		if (st == RL_OK && (st = nss_miss(e)) == RL_OK)
			st = RL_ENOUSER;
		goto out;
	}
	id->uid = pw.pw_uid;
	id->gid = pw.pw_gid;
	if (!(id->name = rl_strndup(pw.pw_name, strlen(pw.pw_name))) ||
	    !(id->asked = rl_strndup(user, strlen(user)))) {
		st = RL_ENOMEM;
		goto out;
	}
	st = lookup_groups(&pw, id);
out:
	if (st != RL_OK)
		rl_ident_free(id);
	return st;
}

enum rl_status rl_ident_new(const char *user, struct rl_ident **out)
{
	struct rl_ident *id = malloc(sizeof(*id));
	*out = NULL;
	if (!id)
		return RL_ENOMEM;
	enum rl_status st = rl_ident_lookup(user, id);
	if (st != RL_OK) {
		free(id);
		return st;
	}
	*out = id;
	return RL_OK;
}

void rl_ident_destroy(struct rl_ident *id)
{
	rl_ident_free(id);
	free(id);
}

bool rl_ident_is_for(const struct rl_ident *id, const char *user)
{
	return id && id->asked && user && strcmp(id->asked, user) == 0;
}

/*
 * The name of gid into *name (malloc'd), or NULL when it has none (NSS's
 * NOTFOUND: 0 and no entry).  RL_ENSS, with the errno in *e, when the
 * lookup failed.
 */
static enum rl_status group_name(struct rl_ident *id, gid_t gid, char **name, int *err)
{
	struct group gr, *res = NULL;
	enum rl_status st = RL_OK;
	int e;
	*name = NULL;
	if (nss_scratch(id, _SC_GETGR_R_SIZE_MAX) != RL_OK)
		return RL_ENOMEM;
	do {
		uint64_t t0 = nss_start(id);
		e = getgrgid_r(gid, &gr, id->nss_buf, id->nss_size, &res);
		nss_done(id, t0);
	} while (e == ERANGE && (st = nss_grow(&id->nss_buf, &id->nss_size)) == RL_OK);
	*err = e;
	if (!res)
		return st != RL_OK ? st : nss_miss(e);
	*name = rl_strndup(gr.gr_name, strlen(gr.gr_name));
	return *name ? RL_OK : RL_ENOMEM;
}

enum rl_status rl_ident_load_group_names(struct rl_ident *id)
{
	if (id->groups != RL_GROUPS_KNOWN)
		return RL_ENSS; /* asked once: a failed directory is not asked again */
	if (id->gnames_loaded)
		return RL_OK;
	char **names = calloc(id->ngids ? id->ngids : 1, sizeof(*names));
	size_t n = 0;
	enum rl_status st = RL_OK;
	if (!names)
		return RL_ENOMEM;
	for (size_t i = 0; i < id->ngids; i++) {
		char *name;
		int e = 0;
		gid_t g = id->gids[i];
		st = group_name(id, g, &name, &e);
		/*
		 * getgrouplist found the user in g, so g has an entry: its
		 * absence now is a directory that answers for some gids and not
		 * others.  The primary gid too: a directory with only the passwd
		 * entry cached answers just that gid, and cannot name it.
		 */
		if (st == RL_OK && !name)
			st = RL_ENSS;
		if (st == RL_ENSS)
			groups_unavailable(id, RL_GROUPS_NAMES_UNAVAILABLE, "getgrgid_r", (long)g,
					   e);
		if (st != RL_OK)
			goto out;
		if (name)
			names[n++] = name;
	}
	id->gnames = names;
	id->ngnames = sort_unique_names(names, n);
	id->gnames_loaded = true;
	names = NULL;
out:
	if (names) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return st;
}

bool rl_ident_has_gid_in(const struct rl_ident *id, gid_t lo, gid_t hi)
{
	size_t a = 0, b = id->ngids;
	while (a < b) { /* the first gid >= lo */
		size_t m = a + (b - a) / 2;
		if (id->gids[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < id->ngids && id->gids[a] <= hi;
}

bool rl_ident_has_gid(const struct rl_ident *id, gid_t g)
{
	return rl_ident_has_gid_in(id, g, g);
}

/* getgrnam_r: *found and *gid, or an error other than "no such group". */
static enum rl_status group_gid(struct rl_ident *id, const char *name, bool *found, gid_t *gid,
				int *err)
{
	struct group gr, *res = NULL;
	enum rl_status st = RL_OK;
	int e;
	*found = false;
	*err = 0;
	if (nss_scratch(id, _SC_GETGR_R_SIZE_MAX) != RL_OK)
		return RL_ENOMEM;
	do {
		uint64_t t0 = nss_start(id);
		e = getgrnam_r(name, &gr, id->nss_buf, id->nss_size, &res);
		nss_done(id, t0);
	} while (e == ERANGE && (st = nss_grow(&id->nss_buf, &id->nss_size)) == RL_OK);
	*err = e;
	if (res) {
		*found = true;
		*gid = gr.gr_gid;
	} else if (st == RL_OK) {
		st = nss_miss(e);
	}
	return st;
}

enum rl_status rl_ident_assume_group(struct rl_ident *id, const char *gname)
{
	bool found;
	gid_t gid = 0;
	int e;
	enum rl_status st = group_gid(id, gname, &found, &gid, &e);
	return st != RL_OK ? st : rl_ident_add_group(id, gname, found, gid);
}

/* The index of name in id's probes, or where it goes (*at); true if there. */
static bool probe_find(const struct rl_ident *id, const char *name, size_t *at)
{
	size_t a = 0, b = id->nprobes;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		int c = strcmp(id->probes[m].name, name);
		if (c == 0) {
			*at = m;
			return true;
		}
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	*at = a;
	return false;
}

static enum rl_status probe_keep(struct rl_ident *id, size_t at, const char *name, bool member)
{
	struct rl_probe *v = realloc(id->probes, (id->nprobes + 1) * sizeof(*v));
	if (!v)
		return RL_ENOMEM;
	id->probes = v;
	char *copy = rl_strndup(name, strlen(name));
	if (!copy)
		return RL_ENOMEM;
	memmove(v + at + 1, v + at, (id->nprobes - at) * sizeof(*v));
	v[at] = (struct rl_probe){copy, member};
	id->nprobes++;
	return RL_OK;
}

/*
 * Asks NSS for name's gid, while that costs fewer lookups than the walk of
 * the user's gids would.  A group found answers for certain: its gid is
 * the user's or not.  "No such group" does not (a failed source before the
 * one that said it is silent), nor does ENOENT (nss_sss's daemon down, or
 * a backend's "not found"): *decided stays false and the walk answers,
 * where a gid that does not resolve is a failure.  Answers are kept.
 */
static enum rl_status probe(struct rl_ident *id, const char *name, bool *decided, bool *match)
{
	size_t at;
	*decided = false;
	if (probe_find(id, name, &at)) {
		*decided = true;
		*match = id->probes[at].member;
		return RL_OK;
	}
	if (id->ngids < 2 || id->nprobes >= id->ngids)
		return RL_OK;
	bool found;
	gid_t gid = 0;
	int e;
	enum rl_status st = group_gid(id, name, &found, &gid, &e);
	if (st == RL_ENSS && e == ENOENT)
		return RL_OK;
	if (st == RL_ENSS) {
		char call[RL_GROUPS_WHY_MAX / 2];
		snprintf(call, sizeof(call), "getgrnam_r(%s)", name);
		groups_unavailable(id, RL_GROUPS_NAMES_UNAVAILABLE, call, -1, e);
	}
	if (st != RL_OK || !found)
		return st;
	*decided = true;
	*match = rl_ident_has_gid(id, gid);
	return probe_keep(id, at, name, *match);
}

enum rl_status rl_ident_in_group(struct rl_ident *id, const char *name, bool *match)
{
	*match = false;
	if (id->groups != RL_GROUPS_KNOWN)
		return RL_ENSS; /* asked once: a failed directory is not asked again */
	if (!id->gnames_loaded) {
		bool decided;
		enum rl_status st = probe(id, name, &decided, match);
		if (st != RL_OK || decided)
			return st;
	}
	enum rl_status st = rl_ident_load_group_names(id);
	if (st != RL_OK)
		return st;
	*match = id->ngnames &&
		 bsearch(&name, id->gnames, id->ngnames, sizeof(char *), rl_name_cmp) != NULL;
	return RL_OK;
}
