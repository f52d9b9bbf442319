/*
 * test_ident.c - policy/ident.c: the identity a policy is resolved for.
 * Identities made without NSS (sorted, unique gids; added groups), the gid
 * searches every gid rule uses, group membership by name once the names
 * are known, and the lookups that need no directory answer: an empty name,
 * root (whose groups are never looked up), and a user that does not exist.
 * NSS failures and lookup counts are tests/faults' and the integration
 * tests' (a fake directory).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static void test_ident_make(void **state)
{
	(void)state;
	struct rl_ident id;
	gid_t g[] = {30, 10, 20, 10, 100};
	assert_int_equal(rl_ident_make("alice", 1000, 100, g, 5, &id), RL_OK);
	assert_string_equal(id.name, "alice");
	assert_int_equal(id.uid, 1000);
	assert_int_equal(id.gid, 100);
	assert_true(id.gnames_loaded);
	assert_int_equal(id.nss_lookups, 0);
	assert_int_equal(id.ngids, 4); /* sorted, unique, with the primary */
	assert_int_equal(id.gids[0], 10);
	assert_int_equal(id.gids[1], 20);
	assert_int_equal(id.gids[2], 30);
	assert_int_equal(id.gids[3], 100);
	assert_int_equal(rl_ident_add_group(&id, "zeta", true, 5), RL_OK);
	assert_int_equal(rl_ident_add_group(&id, "alpha", false, 0), RL_OK);
	assert_int_equal(rl_ident_add_group(&id, "zeta", true, 5), RL_OK);
	assert_int_equal(id.ngnames, 2);
	assert_string_equal(id.gnames[0], "alpha");
	assert_string_equal(id.gnames[1], "zeta");
	assert_int_equal(id.ngids, 5);
	assert_int_equal(id.gids[0], 5);
	assert_int_equal(rl_ident_load_group_names(&id), RL_OK); /* already loaded: no NSS */
	assert_int_equal(id.nss_lookups, 0);
	rl_ident_free(&id);
	assert_null(id.name);
	assert_null(id.gids);
	assert_int_equal(id.ngids, 0);
	rl_ident_free(&id); /* twice is fine */
	rl_ident_free(NULL);
}

/* No supplementary groups: the primary alone; NULL gids is fine with 0. */
static void test_ident_make_primary_only(void **state)
{
	(void)state;
	struct rl_ident id;
	assert_int_equal(rl_ident_make("bob", 1001, 4242, NULL, 0, &id), RL_OK);
	assert_int_equal(id.ngids, 1);
	assert_int_equal(id.gids[0], 4242);
	assert_int_equal(id.ngnames, 0);
	rl_ident_free(&id);
}

/* The searches behind gid:N and gid:N-M, at every edge of the sorted list. */
static void test_has_gid(void **state)
{
	(void)state;
	struct rl_ident id;
	gid_t g[] = {10, 20, 30, 4294967294u};
	assert_int_equal(rl_ident_make("carol", 1, 5, g, 4, &id), RL_OK); /* 5 10 20 30 max */
	static const struct {
		gid_t lo, hi;
		bool in;
	} cases[] = {
	    {5, 5, true},
	    {4, 4, false},
	    {0, 4, false},
	    {0, 5, true},
	    {6, 9, false},
	    {6, 10, true},
	    {10, 10, true},
	    {11, 19, false},
	    {21, 29, false},
	    {30, 30, true},
	    {31, 31, false},
	    {31, 4294967293u, false},
	    {31, 4294967294u, true},
	    {4294967294u, 4294967294u, true},
	    {0, 4294967294u, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (rl_ident_has_gid_in(&id, cases[i].lo, cases[i].hi) != cases[i].in)
			fail_msg("gids %u..%u: %s expected", (unsigned)cases[i].lo,
				 (unsigned)cases[i].hi, cases[i].in ? "in" : "out");
		if (cases[i].lo == cases[i].hi && rl_ident_has_gid(&id, cases[i].lo) != cases[i].in)
			fail_msg("gid %u: %s expected", (unsigned)cases[i].lo,
				 cases[i].in ? "in" : "out");
	}
	rl_ident_free(&id);
	/* An identity with no gid at all (a user yet to be made). */
	memset(&id, 0, sizeof(id));
	assert_false(rl_ident_has_gid_in(&id, 0, 4294967294u));
}

/* Once the names are known, membership is a search among them: no NSS. */
static void test_in_group_by_name(void **state)
{
	(void)state;
	struct rl_ident id;
	bool match = true;
	assert_int_equal(rl_ident_make("dave", 1004, 3500, NULL, 0, &id), RL_OK);
	assert_int_equal(rl_ident_in_group(&id, "lab", &match), RL_OK);
	assert_false(match); /* no names at all */
	assert_int_equal(rl_ident_add_group(&id, "lab", true, 3500), RL_OK);
	assert_int_equal(rl_ident_add_group(&id, "students", false, 0), RL_OK);
	assert_int_equal(rl_ident_in_group(&id, "lab", &match), RL_OK);
	assert_true(match);
	assert_int_equal(rl_ident_in_group(&id, "students", &match), RL_OK);
	assert_true(match);
	assert_int_equal(rl_ident_in_group(&id, "la", &match), RL_OK);
	assert_false(match);
	assert_int_equal(rl_ident_in_group(&id, "labs", &match), RL_OK);
	assert_false(match);
	assert_int_equal(id.nss_lookups, 0);
	rl_ident_free(&id);
}

static void test_lookup_needs_a_name(void **state)
{
	(void)state;
	struct rl_ident id;
	memset(&id, 0xAA, sizeof(id));
	assert_int_equal(rl_ident_lookup("", &id), RL_ENOUSER);
	assert_null(id.name); /* nothing to free */
	assert_int_equal(id.nss_lookups, 0);
	assert_int_equal(rl_ident_lookup(NULL, &id), RL_ENOUSER);
	assert_null(id.gids);
}

/*
 * Root is in every passwd file; its groups are never asked for, since no
 * group rule applies to root: the primary group only.
 */
static void test_lookup_root(void **state)
{
	(void)state;
	struct rl_ident id;
	assert_int_equal(rl_ident_lookup("root", &id), RL_OK);
	assert_int_equal(id.uid, 0);
	assert_string_equal(id.name, "root");
	assert_int_equal(id.ngids, 1);
	assert_int_equal(id.gids[0], id.gid);
	assert_false(id.gnames_loaded);
	assert_int_equal(id.nss_lookups, 1); /* getpwnam_r alone */
	rl_ident_free(&id);
}

static void test_lookup_unknown_user(void **state)
{
	(void)state;
	struct rl_ident id;
	assert_int_equal(rl_ident_lookup("rl-unit-no-such-user-7f3a", &id), RL_ENOUSER);
	assert_null(id.name);
	assert_null(id.nss_buf); /* freed on the way out */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ident_make),
	    cmocka_unit_test(test_ident_make_primary_only),
	    cmocka_unit_test(test_has_gid),
	    cmocka_unit_test(test_in_group_by_name),
	    cmocka_unit_test(test_lookup_needs_a_name),
	    cmocka_unit_test(test_lookup_root),
	    cmocka_unit_test(test_lookup_unknown_user),
	};
	return cmocka_run_group_tests_name("ident", tests, NULL, NULL);
}
