/*
 * test_nss.c - ident.c and resolve.c against each row of pam_rlimit(8)'s
 * NSS table: found, not found (0, no entry), ENOENT (nss_sss, daemon
 * down), EAGAIN, ECONNREFUSED, ERANGE once and for ever, ENOMEM; for
 * getpwnam_r, getgrnam_r, a primary and a supplementary gid's getgrgid_r,
 * getgrouplist.  Then the fail safe: what applies, what is named skipped, and that a
 * failed directory is not asked again.  The directory is scripted with
 * link-time wraps (unit.mk), answering as glibc's nss/getXXbyYY_r.c would.
 */
#include "unit.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size,
		      struct passwd **res);
int __wrap_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res);
int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf, size_t size,
		      struct group **res);
int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups);

/* How the scripted directory answers a call. */
enum answer {
	A_FOUND = 0,
	A_NOTFOUND,     /* NSS_STATUS_NOTFOUND: 0 and no entry */
	A_ERRNO,        /* UNAVAIL or TRYAGAIN: the module's errno */
	A_ERANGE_ONCE,  /* TRYAGAIN + ERANGE, then found in a buffer twice as big */
	A_ERANGE_EVER,  /* TRYAGAIN + ERANGE, whatever the size */
	A_GROUPLIST_ERR /* getgrouplist: -1 without asking for more */
};

static struct {
	enum answer pw, grouplist;
	int pw_errno;
	size_t pw_base; /* the first buffer size getpwnam_r was given */
	/* The answer for one gid (bad_gid); every other gid is found. */
	gid_t bad_gid;
	enum answer gr;
	int gr_errno;
	/* getgrnam_r's answer for every name; NOTFOUND unless a test says. */
	enum answer grnam;
	int grnam_errno;
	size_t gr_need; /* A_ERANGE_ONCE: the size that is enough */
	unsigned n_pw, n_grgid, n_grnam, n_grouplist;
} dir;

/* alice: uid 1500, primary 2001 (dev); also in 2002 (ops) and 2003 (students). */
#define ALICE_UID 1500
#define DEV 2001
#define OPS 2002
#define STUDENTS 2003
static const gid_t alice_groups[] = {DEV, OPS, STUDENTS};

static void dir_reset(void)
{
	memset(&dir, 0, sizeof(dir));
	dir.bad_gid = (gid_t)-1;
	/* A silent source: only the walk of the user's gids can answer. */
	dir.grnam = A_NOTFOUND;
}

static int fail_with(enum answer a, int e, size_t need, size_t size, bool *found)
{
	*found = false;
	switch (a) {
	case A_FOUND:
	case A_GROUPLIST_ERR:
		*found = true;
		return 0;
	case A_NOTFOUND:
		return 0;
	case A_ERRNO:
		return e;
	case A_ERANGE_ONCE:
		if (size >= need) {
			*found = true;
			return 0;
		}
		return ERANGE;
	case A_ERANGE_EVER:
		return ERANGE;
	}
	return EINVAL;
}

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size,
		      struct passwd **res)
{
	bool found;
	dir.n_pw++;
	*res = NULL;
	if (!dir.pw_base)
		dir.pw_base = size;
	int e = fail_with(dir.pw, dir.pw_errno, 4 * dir.pw_base, size, &found);
	if (e || !found)
		return e;
	if (strcmp(name, "alice") != 0 && strcmp(name, "root") != 0)
		return 0;
	bool root = name[0] == 'r';
	if (size < 64)
		return ERANGE;
	snprintf(buf, size, "%s", name);
	memset(pw, 0, sizeof(*pw));
	pw->pw_name = buf;
	pw->pw_uid = root ? 0 : ALICE_UID;
	pw->pw_gid = root ? 0 : DEV;
	*res = pw;
	return 0;
}

static const char *group_of(gid_t g)
{
	switch (g) {
	case 0:
		return "root";
	case DEV:
		return "dev";
	case OPS:
		return "ops";
	case STUDENTS:
		return "students";
	}
	return NULL;
}

static size_t erange_base; /* the first buffer size ident.c used */
static size_t grnam_base;  /* the same, for getgrnam_r */

static gid_t gid_named(const char *name)
{
	static const gid_t all[] = {0, DEV, OPS, STUDENTS, 4000};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *n = all[i] == 4000 ? "physics" : NULL;
		if (!n)
			n = group_of(all[i]);
		if (strcmp(n, name) == 0)
			return all[i];
	}
	return (gid_t)-1;
}

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf, size_t size,
		      struct group **res)
{
	bool found;
	dir.n_grnam++;
	*res = NULL;
	if (!grnam_base)
		grnam_base = size;
	int e = fail_with(dir.grnam, dir.grnam_errno, 4 * grnam_base, size, &found);
	gid_t g = gid_named(name);
	if (e || !found || g == (gid_t)-1)
		return e;
	snprintf(buf, size, "%s", name);
	memset(gr, 0, sizeof(*gr));
	gr->gr_name = buf;
	gr->gr_gid = g;
	*res = gr;
	return 0;
}

int __wrap_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **res)
{
	bool found = true;
	int e = 0;
	dir.n_grgid++;
	*res = NULL;
	if (gid == dir.bad_gid) {
		if (!erange_base)
			erange_base = size;
		e = fail_with(dir.gr, dir.gr_errno, dir.gr_need ? dir.gr_need : 4 * erange_base,
			      size, &found);
	}
	const char *name = group_of(gid);
	if (e || !found || !name)
		return e;
	snprintf(buf, size, "%s", name);
	memset(gr, 0, sizeof(*gr));
	gr->gr_name = buf;
	gr->gr_gid = gid;
	*res = gr;
	return 0;
}

int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	(void)user;
	dir.n_grouplist++;
	if (dir.grouplist == A_GROUPLIST_ERR) {
		errno = ENOENT;
		return -1;
	}
	int n = 1 + (int)(sizeof(alice_groups) / sizeof(alice_groups[0]));
	if (*ngroups < n) {
		*ngroups = n;
		return -1;
	}
	groups[0] = group;
	memcpy(groups + 1, alice_groups, sizeof(alice_groups));
	*ngroups = n;
	return n;
}

/* ---------------------------------------------------------------------
 * getpwnam_r
 */

static void test_pwnam_rows(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		enum answer a;
		int e;
		enum rl_status want;
	} rows[] = {
	    {"found", A_FOUND, 0, RL_OK},
	    {"not found", A_NOTFOUND, 0, RL_ENOUSER},
	    {"ENOENT (nss_sss, daemon down)", A_ERRNO, ENOENT, RL_ENSS},
	    {"EAGAIN", A_ERRNO, EAGAIN, RL_ENSS},
	    {"ECONNREFUSED (dead daemon)", A_ERRNO, ECONNREFUSED, RL_ENSS},
	    {"EIO", A_ERRNO, EIO, RL_ENSS},
	    {"ESRCH", A_ERRNO, ESRCH, RL_ENSS},
	    {"ERANGE once", A_ERANGE_ONCE, 0, RL_OK},
	    {"ERANGE for ever", A_ERANGE_EVER, 0, RL_ENSS},
	    {"ENOMEM", A_ERRNO, ENOMEM, RL_ENOMEM},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rl_ident id;
		dir_reset();
		dir.pw = rows[i].a;
		dir.pw_errno = rows[i].e;
		enum rl_status st = rl_ident_lookup("alice", &id);
		if (st != rows[i].want)
			fail_msg("getpwnam_r %s: %s, expected %s", rows[i].row, rl_status_str(st),
				 rl_status_str(rows[i].want));
		if (st == RL_OK) {
			assert_int_equal(id.uid, ALICE_UID);
			assert_int_equal(id.groups, RL_GROUPS_KNOWN);
			assert_int_equal(id.ngids, 3);
			rl_ident_free(&id);
		} else {
			assert_null(id.name); /* nothing to free */
			assert_int_equal(dir.n_grouplist, 0);
		}
		if (rows[i].a == A_ERANGE_EVER)
			assert_in_range(dir.n_pw, 2, 12); /* doubled up to 1 MiB, then no more */
	}
}

/* ---------------------------------------------------------------------
 * getgrgid_r, through the names a named rule needs
 */

struct gr_row {
	const char *row;
	enum answer a;
	int e;
	enum rl_status want;
};

static const struct gr_row gr_rows[] = {
    {"found", A_FOUND, 0, RL_OK},
    {"not found", A_NOTFOUND, 0, RL_ENSS},
    {"ENOENT (nss_sss, daemon down)", A_ERRNO, ENOENT, RL_ENSS},
    {"EAGAIN", A_ERRNO, EAGAIN, RL_ENSS},
    {"ECONNREFUSED (dead daemon)", A_ERRNO, ECONNREFUSED, RL_ENSS},
    {"ERANGE once", A_ERANGE_ONCE, 0, RL_OK},
    {"ERANGE for ever", A_ERANGE_EVER, 0, RL_ENSS},
    {"ENOMEM", A_ERRNO, ENOMEM, RL_ENOMEM},
};
#define N_GR_ROWS (sizeof(gr_rows) / sizeof(gr_rows[0]))

/*
 * Runs row r on gid bad (primary or not): the membership of "students",
 * then again, to see that a failure is kept, not asked again.
 */
static void gr_row(const struct gr_row *r, gid_t bad, enum rl_status want)
{
	struct rl_ident id;
	bool match = true;
	dir_reset();
	erange_base = 0;
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	dir.bad_gid = bad;
	dir.gr = r->a;
	dir.gr_errno = r->e;
	enum rl_status st = rl_ident_in_group(&id, "students", &match);
	if (st != want)
		fail_msg("getgrgid_r(%u) %s: %s, expected %s", (unsigned)bad, r->row,
			 rl_status_str(st), rl_status_str(want));
	if (st == RL_OK) {
		assert_true(match);
		assert_int_equal(id.groups, RL_GROUPS_KNOWN);
		assert_true(id.gnames_loaded);
	} else {
		assert_false(match);
	}
	if (st == RL_ENSS) {
		assert_int_equal(id.groups, RL_GROUPS_NAMES_UNAVAILABLE);
		assert_non_null(strstr(id.groups_why, "getgrgid_r("));
		/* Kept: the next named rule asks nobody. */
		unsigned before = dir.n_grgid;
		assert_int_equal(rl_ident_in_group(&id, "dev", &match), RL_ENSS);
		assert_int_equal(rl_ident_load_group_names(&id), RL_ENSS);
		assert_int_equal(dir.n_grgid, before);
		/* The gids themselves are still known. */
		assert_true(rl_ident_has_gid(&id, OPS));
	}
	assert_int_equal(dir.n_grnam, 1); /* one probe, "no such group": the walk */
	rl_ident_free(&id);
}

static void test_grgid_supplementary_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GR_ROWS; i++)
		gr_row(&gr_rows[i], OPS, gr_rows[i].want);
}

/*
 * The primary gid is held to the same rule: a directory with only the
 * passwd entry cached gives that gid alone and cannot name it.
 */
static void test_grgid_primary_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_GR_ROWS; i++)
		gr_row(&gr_rows[i], DEV, gr_rows[i].want);
}

/*
 * getgrnam_r, asked first while that costs fewer lookups than the walk: a
 * group found decides (its gid is alice's or not) and is asked once; "no
 * such group" and ENOENT leave it to the walk (here every gid resolves);
 * any other errno is a failed directory.
 */
static void test_grnam_rows(void **state)
{
	(void)state;
	static const struct {
		const char *row;
		enum answer a;
		int e;
		enum rl_status want;
		unsigned grgid; /* the walk's lookups */
	} rows[] = {
	    {"found", A_FOUND, 0, RL_OK, 0},
	    {"not found", A_NOTFOUND, 0, RL_OK, 3},
	    {"ENOENT (nss_sss, daemon down)", A_ERRNO, ENOENT, RL_OK, 3},
	    {"EAGAIN", A_ERRNO, EAGAIN, RL_ENSS, 0},
	    {"ECONNREFUSED (dead daemon)", A_ERRNO, ECONNREFUSED, RL_ENSS, 0},
	    {"ERANGE once", A_ERANGE_ONCE, 0, RL_OK, 0},
	    {"ERANGE for ever", A_ERANGE_EVER, 0, RL_ENSS, 0},
	    {"ENOMEM", A_ERRNO, ENOMEM, RL_ENOMEM, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct rl_ident id;
		bool match = false;
		dir_reset();
		grnam_base = 0;
		assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
		dir.grnam = rows[i].a;
		dir.grnam_errno = rows[i].e;
		enum rl_status st = rl_ident_in_group(&id, "students", &match);
		if (st != rows[i].want || dir.n_grgid != rows[i].grgid)
			fail_msg("getgrnam_r %s: %s and %u getgrgid_r, expected %s and %u",
				 rows[i].row, rl_status_str(st), dir.n_grgid,
				 rl_status_str(rows[i].want), rows[i].grgid);
		assert_int_equal(match, st == RL_OK);
		if (st == RL_ENSS) {
			assert_int_equal(id.groups, RL_GROUPS_NAMES_UNAVAILABLE);
			assert_non_null(strstr(id.groups_why, "getgrnam_r(students): "));
		}
		if (st == RL_OK) {
			/* A group alice is not in, found: no match, no walk. */
			unsigned walk = dir.n_grgid;
			if (rows[i].a == A_FOUND) {
				assert_int_equal(rl_ident_in_group(&id, "physics", &match), RL_OK);
				assert_false(match);
				assert_int_equal(dir.n_grgid, walk);
			}
			/* Each answer is kept: nothing is asked again. */
			unsigned asked = dir.n_grnam + dir.n_grgid;
			assert_int_equal(rl_ident_in_group(&id, "students", &match), RL_OK);
			assert_true(match);
			assert_int_equal(dir.n_grnam + dir.n_grgid, asked);
		}
		rl_ident_free(&id);
	}
}

/* No more probes by name than the walk would cost: then the walk. */
static void test_grnam_probes_bounded(void **state)
{
	(void)state;
	struct rl_ident id;
	bool match;
	dir_reset();
	dir.grnam = A_FOUND;
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK); /* 3 gids */
	const char *names[] = {"physics", "root", "dev", "ops", "students"};
	const bool member[] = {false, false, true, true, true};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(rl_ident_in_group(&id, names[i], &match), RL_OK);
		assert_int_equal(match, member[i]);
	}
	assert_int_equal(dir.n_grnam, 3);
	assert_int_equal(dir.n_grgid, 3);
	assert_true(id.gnames_loaded);
	rl_ident_free(&id);
}

/* nss_sss's daemon down: ENOENT by name, then by gid: unavailable. */
static void test_grnam_enoent_then_walk_fails(void **state)
{
	(void)state;
	struct rl_ident id;
	bool match = true;
	dir_reset();
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	dir.grnam = A_ERRNO;
	dir.grnam_errno = ENOENT;
	dir.bad_gid = OPS;
	dir.gr = A_ERRNO;
	dir.gr_errno = ENOENT;
	assert_int_equal(rl_ident_in_group(&id, "students", &match), RL_ENSS);
	assert_false(match);
	assert_int_equal(id.groups, RL_GROUPS_NAMES_UNAVAILABLE);
	assert_string_equal(id.groups_why, "getgrgid_r(2002): No such file or directory");
	rl_ident_free(&id);
}

static void test_grouplist_fails(void **state)
{
	(void)state;
	struct rl_ident id;
	bool match = true;
	dir_reset();
	dir.grouplist = A_GROUPLIST_ERR;
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	assert_int_equal(id.groups, RL_GROUPS_UNAVAILABLE);
	assert_int_equal(id.ngids, 1);
	assert_int_equal(id.gids[0], DEV);
	assert_string_equal(id.groups_why, "getgrouplist: No such file or directory");
	assert_int_equal(rl_ident_in_group(&id, "dev", &match), RL_ENSS);
	assert_int_equal(dir.n_grgid, 0);
	assert_int_equal(dir.n_grouplist, 1);
	rl_ident_free(&id);
}

/* Root's groups are never asked for: no directory stands before root. */
static void test_root_asks_no_groups(void **state)
{
	(void)state;
	struct rl_ident id;
	dir_reset();
	dir.grouplist = A_GROUPLIST_ERR;
	assert_int_equal(rl_ident_lookup("root", &id), RL_OK);
	assert_int_equal(id.groups, RL_GROUPS_KNOWN);
	assert_int_equal(dir.n_grouplist, 0);
	rl_ident_free(&id);
}

/* ---------------------------------------------------------------------
 * The fail safe, in the resolver
 */

/* The policy, and a gid rule, and more named rules than are named. */
static const char fail_safe_doc[] = "version: 1\n"
				    "default:\n"
				    "  as: 4G\n"
				    "groups:\n"
				    "  physics:\n"
				    "    as: 8G\n"
				    "  students:\n"
				    "    as: 2G\n"
				    "  \"gid:2002\":\n"
				    "    nproc: 300\n"
				    "users:\n"
				    "  \"uid:1000-1999\":\n"
				    "    core: 0\n";

static void resolve_as(const char *doc, struct rl_result *res, struct rl_ident *id)
{
	struct rl_policy *p = NULL;
	assert_int_equal(
	    load_docs((const char *const[]){"t.yaml"}, (const char *const[]){doc}, 1, id, &p, NULL),
	    RL_OK);
	struct rl_host host = {.ram_bytes = 1ull << 34, .nr_open = 1048576};
	assert_int_equal(rl_resolve(p, id, &host, res), RL_OK);
	rl_policy_free(p);
}

#define GIB (1024ull * 1024 * 1024)

static void test_fail_safe_names_unavailable(void **state)
{
	(void)state;
	int as = item_index("as"), core = item_index("core"), nproc = item_index("nproc");
	struct rl_ident id;
	struct rl_result res;
	char text[512];

	/* While the directory answers: students' 2G, and gid:2002's nproc. */
	dir_reset();
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	resolve_as(fail_safe_doc, &res, &id);
	assert_int_equal(res.item[as].hard.rlim, 2 * GIB);
	assert_int_equal(res.item[nproc].hard.rlim, 300);
	assert_int_equal(res.nskipped, 0);
	assert_string_equal(rl_result_skipped_text(&res, text, sizeof(text)), "");
	rl_result_free(&res);
	rl_ident_free(&id);

	/* nss_sss's daemon down: ENOENT for a supplementary gid's name. */
	dir_reset();
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	dir.bad_gid = STUDENTS;
	dir.gr = A_ERRNO;
	dir.gr_errno = ENOENT;
	resolve_as(fail_safe_doc, &res, &id);
	assert_int_equal(res.item[as].hard.rlim, 4 * GIB); /* default's, not unlimited */
	assert_string_equal(res.item[as].hard.origin.rule, "default");
	assert_true(res.item[core].hard.set); /* the uid range's core: 0 stays */
	assert_int_equal(res.item[core].hard.rlim, 0);
	assert_int_equal(res.item[nproc].hard.rlim, 300); /* gids were known */
	assert_int_equal(res.nskipped, 2);
	assert_string_equal(rl_result_skipped_text(&res, text, sizeof(text)),
			    "t.yaml:5 (groups.physics), t.yaml:7 (groups.students)");
	assert_string_equal(res.groups_why, "getgrgid_r(2003): No such file or directory");
	rl_result_free(&res);
	rl_ident_free(&id);
}

static void test_fail_safe_gids_unavailable(void **state)
{
	(void)state;
	int as = item_index("as"), core = item_index("core"), nproc = item_index("nproc");
	struct rl_ident id;
	struct rl_result res;
	char text[512];
	dir_reset();
	dir.grouplist = A_GROUPLIST_ERR;
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	resolve_as(fail_safe_doc, &res, &id);
	assert_int_equal(res.item[as].hard.rlim, 4 * GIB);
	assert_int_equal(res.item[core].hard.rlim, 0);
	assert_false(res.item[nproc].hard.set); /* gid:2002 cannot be decided either */
	assert_int_equal(res.nskipped, 3);
	assert_string_equal(rl_result_skipped_text(&res, text, sizeof(text)),
			    "t.yaml:5 (groups.physics), t.yaml:7 (groups.students), "
			    "t.yaml:9 (groups.gid:2002)");
	rl_result_free(&res);
	rl_ident_free(&id);
}

/* A policy without group rules never notices: nothing skipped, nothing asked. */
static void test_no_group_rules_no_notice(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result res;
	dir_reset();
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	dir.bad_gid = OPS;
	dir.gr = A_ERRNO;
	dir.gr_errno = ENOENT;
	resolve_as("version: 1\ndefault: {as: 4G}\n", &res, &id);
	assert_int_equal(res.nskipped, 0);
	assert_int_equal(dir.n_grgid, 0);
	rl_result_free(&res);
	rl_ident_free(&id);
}

/* Twenty skipped rules: eight named, "and 12 more"; a short buffer names fewer. */
static void test_skipped_text_bounded(void **state)
{
	(void)state;
	char doc[4096], text[2048];
	size_t len = (size_t)snprintf(doc, sizeof(doc), "version: 1\ngroups:\n");
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "  g%02d: {nofile: 10}\n", i);
	struct rl_ident id;
	struct rl_result res;
	dir_reset();
	dir.grouplist = A_GROUPLIST_ERR;
	assert_int_equal(rl_ident_lookup("alice", &id), RL_OK);
	resolve_as(doc, &res, &id);
	assert_int_equal(res.nskipped, 20);
	rl_result_skipped_text(&res, text, sizeof(text));
	assert_non_null(strstr(text, "t.yaml:3 (groups.g00), "));
	assert_non_null(strstr(text, "t.yaml:10 (groups.g07) and 12 more"));
	assert_null(strstr(text, "g08"));
	char small[60];
	rl_result_skipped_text(&res, small, sizeof(small));
	assert_string_equal(small, "t.yaml:3 (groups.g00), t.yaml:4 (groups.g01) and 18 more");
	char tiny[8];
	rl_result_skipped_text(&res, tiny, sizeof(tiny));
	assert_true(strlen(tiny) < sizeof(tiny));
	rl_result_free(&res);
	rl_ident_free(&id);
}

static void test_ident_new_is_for(void **state)
{
	(void)state;
	struct rl_ident *id = NULL;
	dir_reset();
	assert_int_equal(rl_ident_new("alice", &id), RL_OK);
	assert_true(rl_ident_is_for(id, "alice"));
	assert_false(rl_ident_is_for(id, "alic"));
	assert_false(rl_ident_is_for(id, NULL));
	assert_false(rl_ident_is_for(NULL, "alice"));
	rl_ident_destroy(id);
	rl_ident_destroy(NULL);
	dir.pw = A_NOTFOUND;
	id = (struct rl_ident *)&id; /* not NULL */
	assert_int_equal(rl_ident_new("alice", &id), RL_ENOUSER);
	assert_null(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pwnam_rows),
	    cmocka_unit_test(test_grgid_supplementary_rows),
	    cmocka_unit_test(test_grgid_primary_rows),
	    cmocka_unit_test(test_grnam_rows),
	    cmocka_unit_test(test_grnam_probes_bounded),
	    cmocka_unit_test(test_grnam_enoent_then_walk_fails),
	    cmocka_unit_test(test_grouplist_fails),
	    cmocka_unit_test(test_root_asks_no_groups),
	    cmocka_unit_test(test_fail_safe_names_unavailable),
	    cmocka_unit_test(test_fail_safe_gids_unavailable),
	    cmocka_unit_test(test_no_group_rules_no_notice),
	    cmocka_unit_test(test_skipped_text_bounded),
	    cmocka_unit_test(test_ident_new_is_for),
	};
	return cmocka_run_group_tests_name("nss", tests, NULL, NULL);
}
