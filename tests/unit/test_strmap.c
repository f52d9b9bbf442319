/*
 * test_strmap.c - policy/strmap.c: the rule index (strings to values, keys
 * copied into an arena) and the duplicate-key set a login runs over every
 * key of the policy.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/* Keys are compared by length and bytes, not up to a NUL, and are copied. */
static void test_strmap_put(void **state)
{
	(void)state;
	struct rl_strmap m = {0};
	struct rl_arena keys = {0};
	const struct rl_strmap_ent *e;
	bool found;
	char key[] = "users.alice";

	assert_int_equal(rl_strmap_put(&m, &keys, key, strlen(key), 7, &e, &found), RL_OK);
	assert_false(found);
	assert_int_equal(e->val, 7);
	assert_int_equal(e->len, strlen(key));
	assert_ptr_not_equal(e->key, key);
	key[0] = 'X'; /* the map kept its own copy */
	assert_int_equal(rl_strmap_put(&m, &keys, "users.alice", 11, 8, &e, &found), RL_OK);
	assert_true(found);
	assert_int_equal(e->val, 7); /* the first value stays */
	assert_string_equal(e->key, "users.alice");
	/* A prefix, and the same bytes cut shorter, are other keys. */
	assert_int_equal(rl_strmap_put(&m, &keys, "users.alicex", 10, 9, &e, &found), RL_OK);
	assert_false(found);
	assert_string_equal(e->key, "users.alic");
	assert_int_equal(rl_strmap_put(&m, &keys, "users.alice", 11, 10, &e, &found), RL_OK);
	assert_true(found);
	assert_int_equal(m.n, 2);
	rl_strmap_free(&m);
	assert_null(m.ents);
	assert_int_equal(m.n, 0);
	rl_strmap_free(&m); /* twice, and NULL, are fine */
	rl_strmap_free(NULL);
	rl_arena_free(&keys);
}

/* Through many table growths every key keeps its own value. */
static void test_strmap_grows(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct rl_strmap m = {0};
	struct rl_arena keys = {0};
	const struct rl_strmap_ent *e;
	bool found;
	char k[32];
	for (size_t i = 0; i < N; i++) {
		int n = snprintf(k, sizeof(k), "groups.g%zu", i);
		assert_int_equal(rl_strmap_put(&m, &keys, k, (size_t)n, i, &e, &found), RL_OK);
		assert_false(found);
	}
	assert_int_equal(m.n, N);
	assert_true(m.cap >= N + N / 3); /* kept at most three quarters full */
	for (size_t i = 0; i < N; i++) {
		int n = snprintf(k, sizeof(k), "groups.g%zu", i);
		assert_int_equal(rl_strmap_put(&m, &keys, k, (size_t)n, 0, &e, &found), RL_OK);
		assert_true(found);
		assert_int_equal(e->val, i);
	}
	rl_strmap_free(&m);
	rl_arena_free(&keys);
}

/* The keyset says where a key was first seen, and 0 for a new one. */
static void test_keyset(void **state)
{
	(void)state;
	struct rl_keyset s = {0};
	uint32_t first = 99;
	assert_int_equal(rl_keyset_add(&s, "alice", 5, 3, &first), RL_OK);
	assert_int_equal(first, 0);
	assert_int_equal(rl_keyset_add(&s, "bob", 3, 4, &first), RL_OK);
	assert_int_equal(first, 0);
	assert_int_equal(rl_keyset_add(&s, "alice", 5, 9, &first), RL_OK);
	assert_int_equal(first, 3);
	assert_int_equal(rl_keyset_add(&s, "alicex", 5, 10, &first), RL_OK); /* len counts */
	assert_int_equal(first, 3);
	assert_int_equal(rl_keyset_add(&s, "alic", 4, 11, &first), RL_OK);
	assert_int_equal(first, 0);
	assert_int_equal(s.n, 3);
	rl_keyset_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	rl_keyset_free(&s);
	rl_keyset_free(NULL);
}

/* Growth keeps every key and its first line; no two of 50,000 names collide. */
static void test_keyset_grows(void **state)
{
	(void)state;
	enum { N = 50000 };
	struct rl_keyset s = {0};
	uint32_t first;
	char k[32];
	for (uint32_t i = 1; i <= N; i++) {
		int n = snprintf(k, sizeof(k), "u%05u", (unsigned)i);
		assert_int_equal(rl_keyset_add(&s, k, (size_t)n, i, &first), RL_OK);
		if (first != 0)
			fail_msg("%s new, but said first at line %u", k, (unsigned)first);
	}
	for (uint32_t i = 1; i <= N; i++) {
		int n = snprintf(k, sizeof(k), "u%05u", (unsigned)i);
		assert_int_equal(rl_keyset_add(&s, k, (size_t)n, N + i, &first), RL_OK);
		assert_int_equal(first, i);
	}
	assert_int_equal(s.n, N);
	assert_true(s.cap >= 2 * N); /* at most half full */
	rl_keyset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strmap_put),
	    cmocka_unit_test(test_strmap_grows),
	    cmocka_unit_test(test_keyset),
	    cmocka_unit_test(test_keyset_grows),
	};
	return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
