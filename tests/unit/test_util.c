/*
 * test_util.c - policy/util.c: the arena a policy lives in (alignment,
 * zeroing, chunk growth, failure), growing arrays, the one hash, copies,
 * and the texts of statuses.
 *
 * Linked with -Wl,--wrap=malloc (unit.mk): the library's mallocs come here
 * first, so a test can make the next one fail.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

static unsigned fail_in; /* fail the fail_in-th malloc from now; 0: none */
static unsigned mallocs; /* the library's mallocs seen */

void *__wrap_malloc(size_t size)
{
	mallocs++;
	if (fail_in && --fail_in == 0)
		return NULL;
	return __real_malloc(size);
}

/* Every block is aligned for any object, zeroed, and apart from the others. */
static void test_arena_alloc(void **state)
{
	(void)state;
	struct rl_arena a = {0};
	unsigned char *prev = NULL;
	size_t prev_size = 0;
	for (size_t size = 1; size < 3000; size += 37) {
		unsigned char *p = rl_arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xAB, size); /* would show in the next block if they overlapped */
		if (prev)
			assert_true(p >= prev + prev_size || p + size <= prev);
		prev = p;
		prev_size = size;
	}
	assert_null(rl_arena_alloc(&a, 0));
	assert_null(rl_arena_alloc(&a, SIZE_MAX));
	rl_arena_free(&a);
	assert_null(a.chunk);
	rl_arena_free(&a); /* twice is fine */
}

/* Chunks double up to a cap: a policy of many rules costs few mallocs. */
static void test_arena_chunks(void **state)
{
	(void)state;
	struct rl_arena a = {0};
	mallocs = 0;
	for (int i = 0; i < 10000; i++)
		assert_non_null(rl_arena_alloc(&a, 1024)); /* about a rule */
	print_message("10,000 blocks of 1 KiB: %u mallocs\n", mallocs);
	assert_true(mallocs >= 10000 * 1024 / (64 * 1024));
	assert_true(mallocs <= 10000 * 1024 / (64 * 1024) + 8);
	/* A block larger than any chunk gets a chunk of its own. */
	unsigned before = mallocs;
	char *big = rl_arena_alloc(&a, 1 << 20);
	assert_non_null(big);
	big[(1 << 20) - 1] = 1;
	assert_int_equal(mallocs, before + 1);
	rl_arena_free(&a);
}

/* A failed chunk leaves the arena as it was, and usable. */
static void test_arena_failure(void **state)
{
	(void)state;
	struct rl_arena a = {0};
	fail_in = 1;
	assert_null(rl_arena_alloc(&a, 16));
	assert_null(a.chunk);
	char *s = rl_arena_strndup(&a, "alice", 3);
	assert_non_null(s);
	assert_string_equal(s, "ali");
	/* Fill the first chunk, then fail the second. */
	while (a.used + 64 <= 4096)
		assert_non_null(rl_arena_alloc(&a, 64));
	struct rl_arena_chunk *first = a.chunk;
	size_t used = a.used;
	fail_in = 1;
	assert_null(rl_arena_alloc(&a, 64));
	assert_ptr_equal(a.chunk, first);
	assert_int_equal(a.used, used);
	fail_in = 1;
	assert_null(rl_arena_alloc(&a, 128));
	assert_non_null(rl_arena_alloc(&a, 64));
	assert_string_equal(s, "ali"); /* earlier blocks untouched */
	rl_arena_free(&a);
	fail_in = 0;
}

static void test_grow(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0;
	for (size_t n = 0; n < 100; n++) {
		int *g = rl_grow(v, n, &cap, sizeof(*v));
		assert_non_null(g);
		v = g;
		v[n] = (int)n;
		assert_true(cap > n);
	}
	assert_int_equal(cap, 128); /* 8, doubled */
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i], i);
	/* Room left: the same array, no allocation. */
	assert_ptr_equal(rl_grow(v, 100, &cap, sizeof(*v)), v);
	/* A size that cannot be counted is refused, the array left alone. */
	size_t huge = SIZE_MAX / 4;
	assert_null(rl_grow(v, huge, &huge, 8));
	assert_int_equal(huge, SIZE_MAX / 4);
	free(v);
}

/*
 * FNV-1a's published values, never 0 (a keyset's empty slot), and spread
 * over the low bits that pick a slot: names that differ only at the end
 * must not pile up.
 */
static void test_hash(void **state)
{
	(void)state;
	enum { N = 10000, CAP = 16384 };
	static unsigned char used[CAP];
	unsigned long probes = 0;
	char k[16];
	assert_int_equal(rl_hash64("", 0), 0xcbf29ce484222325ULL);
	assert_int_equal(rl_hash64("a", 1), 0xaf63dc4c8601ec8cULL);
	assert_int_equal(rl_hash64("foobar", 6), 0x85944171f73967e8ULL);
	assert_int_equal(rl_hash64("foobarX", 6), rl_hash64("foobar", 6)); /* len counts */
	assert_true(rl_hash64("ab", 2) != rl_hash64("ba", 2));
	for (int i = 0; i < N; i++) {
		int n = snprintf(k, sizeof(k), "u%05d", i);
		size_t j = rl_hash64(k, (size_t)n) & (CAP - 1);
		for (probes++; used[j]; probes++)
			j = (j + 1) & (CAP - 1);
		used[j] = 1;
	}
	print_message("10,000 names in 16,384 slots: %.2f probes a name\n", (double)probes / N);
	assert_true(probes < 3 * N); /* about 1.8 for a uniform hash at this load */
}

static void test_strndup(void **state)
{
	(void)state;
	char *s = rl_strndup("groups.research", 6);
	assert_string_equal(s, "groups");
	free(s);
	s = rl_strndup("", 0);
	assert_string_equal(s, "");
	free(s);
	fail_in = 1;
	assert_null(rl_strndup("x", 1));
	fail_in = 0;
}

static size_t last_len; /* the length of the last message */

static void emit(void *ctx, enum rl_severity sev, const char *msg)
{
	struct cap *c = ctx;
	snprintf(c->line[c->n], CAP_LINE_MAX, "%d %s", (int)sev, msg);
	last_len = strlen(msg);
	c->n++;
}

/* Reports are formatted once, cut to 1 KiB, and dropped without a sink. */
static void test_report(void **state)
{
	(void)state;
	static struct cap c;
	struct rl_sink sink = {emit, &c};
	char long_name[2000];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	rl_report(&sink, RL_SEV_WARNING, "%s:%u: %s", "a.yaml", 3u, "x");
	rl_report(&sink, RL_SEV_ERROR, "%s", long_name);
	rl_report(NULL, RL_SEV_ERROR, "nobody hears this");
	struct rl_sink mute = {NULL, NULL};
	rl_report(&mute, RL_SEV_ERROR, "nor this");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.line[0], "1 a.yaml:3: x");
	assert_int_equal(last_len, 1023);
}

static void test_status_and_errno_text(void **state)
{
	(void)state;
	char buf[RL_ERRSTR_SIZE];
	assert_string_equal(rl_status_str(RL_OK), "success");
	assert_string_equal(rl_status_str(RL_EUNTRUSTED),
			    "the policy is not trusted (owner, mode or file type)");
	assert_string_equal(rl_status_str((enum rl_status)999), "unknown status");
	for (int st = RL_OK; st <= RL_EUSAGE; st++)
		assert_string_not_equal(rl_status_str((enum rl_status)st), "unknown status");
	assert_string_equal(rl_errstr(ENOENT, buf, sizeof(buf)), "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_alloc),   cmocka_unit_test(test_arena_chunks),
	    cmocka_unit_test(test_arena_failure), cmocka_unit_test(test_grow),
	    cmocka_unit_test(test_hash),          cmocka_unit_test(test_strndup),
	    cmocka_unit_test(test_report),        cmocka_unit_test(test_status_and_errno_text),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
