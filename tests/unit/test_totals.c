/*
 * test_totals.c - the totals (session: and user:) across the library: the
 * table (items.c), their values (value.c), the maps in a rule (parse.c),
 * precedence and origins per total (resolve.c), and the text pam_systemd
 * is handed.  One file of its own so the totals read in one place.
 */
#include "unit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static const struct rl_host host16 = {.ram_bytes = 16 * GiB, .nr_open = 524288};
static struct cap cap;

static int total(enum rl_scope scope, const char *name)
{
	int t = rl_total_lookup(scope, name, strlen(name));
	if (t < 0)
		fail_msg("no total %s.%s", rl_scope_name(scope), name);
	return t;
}
#define S(name) total(RL_SCOPE_SESSION, name)
#define U(name) total(RL_SCOPE_USER, name)

/* ----------------------------------------------------------- the table */

static void test_table(void **state)
{
	(void)state;
	static const char *const session[] = {"memory_max", "tasks_max", "cpu_weight", "io_weight",
					      "runtime_max"};
	static const char *const user[] = {"memory_max", "memory_high", "memory_swap_max",
					   "tasks_max",  "cpu_quota",   "cpu_weight",
					   "io_weight"};
	size_t ns = 0, nu = 0;
	for (int t = 0; t < RL_NTOTALS; t++) {
		const struct rl_total *x = &rl_totals[t];
		assert_int_equal(rl_total_lookup(x->scope, x->name, strlen(x->name)), t);
		if (x->scope == RL_SCOPE_SESSION) {
			assert_true(ns < 5);
			assert_string_equal(x->name, session[ns++]);
			assert_memory_equal(x->key, "systemd.", 8); /* pam_systemd's data */
		} else {
			assert_true(nu < 7);
			assert_string_equal(x->name, user[nu++]);
		}
		assert_non_null(x->what);
	}
	assert_int_equal(ns, 5);
	assert_int_equal(nu, 7);
	assert_string_equal(rl_totals[S("runtime_max")].key, "systemd.runtime_max_sec");
	assert_string_equal(rl_totals[U("cpu_quota")].key, "CPUQuotaPerSecUSec");
	assert_int_equal(rl_total_lookup(RL_SCOPE_SESSION, "cpu_quota", 9), -1);
	assert_int_equal(rl_total_lookup(RL_SCOPE_SESSION, "memory_high", 11), -1);
	assert_int_equal(rl_total_lookup(RL_SCOPE_USER, "runtime_max", 11), -1);
	assert_int_equal(rl_total_lookup(RL_SCOPE_USER, "memory_ma", 9), -1);
	char buf[200];
	assert_string_equal(rl_total_names(RL_SCOPE_SESSION, buf, sizeof(buf)),
			    "memory_max, tasks_max, cpu_weight, io_weight, runtime_max");
}

/* ---------------------------------------------------------- the values */

#define SENTINEL_N 0x5eed5eed5eed5eedULL

static void check(int t, const char *s, enum rl_verr want_e, enum rl_vtype want_t, uint64_t want_n,
		  int line)
{
	struct rl_value v = {(enum rl_vtype)77, SENTINEL_N};
	enum rl_verr e = rl_total_value_parse(t, s, strlen(s), &v);
	if (e != want_e)
		fail_msg("line %d: %s.%s \"%s\": got verr %d, want %d", line,
			 rl_scope_name(rl_totals[t].scope), rl_totals[t].name, s, e, want_e);
	if (e == RL_VERR_OK && (v.type != want_t || v.n != want_n))
		fail_msg("line %d: %s \"%s\": got type %d n %" PRIu64 ", want %d %" PRIu64, line,
			 rl_totals[t].name, s, v.type, v.n, want_t, want_n);
	if (e != RL_VERR_OK && v.n != SENTINEL_N)
		fail_msg("line %d: %s \"%s\": refused but *out was written", line,
			 rl_totals[t].name, s);
}
#define NUM(t, s, n) check(t, s, RL_VERR_OK, RL_V_NUM, n, __LINE__)
#define PCT(t, s, n) check(t, s, RL_VERR_OK, RL_V_PCT, n, __LINE__)
#define INF(t, s) check(t, s, RL_VERR_OK, RL_V_INF, 0, __LINE__)
#define ERR(t, s, e) check(t, s, RL_VERR_##e, 0, 0, __LINE__)

static void test_sizes(void **state)
{
	(void)state;
	int mm = U("memory_max"), sw = U("memory_swap_max"), sm = S("memory_max");
	NUM(mm, "8G", 8 * GiB);
	NUM(mm, "512MiB", 512 * MiB);
	NUM(sm, "1", 1);
	NUM(mm, "18446744073709551615", UINT64_MAX);
	ERR(mm, "18446744073709551616", OVERFLOW);
	ERR(mm, "16384P", OVERFLOW);
	PCT(sm, "40%", 40 * RL_PCT_ONE);
	PCT(mm, "0.5%", RL_PCT_ONE / 2);
	PCT(mm, "100%", 100 * RL_PCT_ONE);
	ERR(mm, "100.000001%", PERCENT_RANGE);
	ERR(mm, "0%", PERCENT_RANGE);
	INF(mm, "unlimited");
	INF(sm, "infinity");
	ERR(mm, "0", RANGE); /* every process of the user would be killed */
	ERR(mm, "0G", RANGE);
	NUM(sw, "0", 0); /* no swap: meaningful */
	ERR(mm, "-1G", NEGATIVE);
	ERR(mm, "8GB", SI_UNIT);
	ERR(mm, "8g", UNIT_CASE);
	ERR(mm, "8 G", SPACE);
	ERR(mm, "8Gx", UNIT);
	ERR(mm, "", EMPTY);
}

static void test_counts_and_durations(void **state)
{
	(void)state;
	int tm = U("tasks_max"), st = S("tasks_max"), rt = S("runtime_max");
	NUM(tm, "4096", 4096);
	NUM(st, "1", 1);
	ERR(st, "0", RANGE);
	INF(tm, "unlimited");
	ERR(tm, "50%", PERCENT_ITEM);
	ERR(tm, "4K", UNIT);
	ERR(tm, "04096", LEADING_ZERO);
	NUM(rt, "24h", 86400);
	NUM(rt, "90min", 5400);
	NUM(rt, "1d", 86400);
	NUM(rt, "30", 30);
	NUM(rt, "1s", 1);
	ERR(rt, "0", RANGE);
	ERR(rt, "0h", RANGE);
	INF(rt, "unlimited");
	ERR(rt, "1w", UNIT);
	ERR(rt, "1.5h", SYNTAX);
	ERR(rt, "307445734561825861d", OVERFLOW);
}

static void test_weights(void **state)
{
	(void)state;
	for (int t = 0; t < RL_NTOTALS; t++) {
		if (rl_totals[t].kind != RL_KIND_WEIGHT)
			continue;
		NUM(t, "1", 1);
		NUM(t, "100", 100);
		NUM(t, "10000", 10000);
		ERR(t, "10001", RANGE);
		ERR(t, "0", RANGE);
		ERR(t, "unlimited", RANGE);
		ERR(t, "-1", NEGATIVE);
		ERR(t, "50%", PERCENT_ITEM);
		ERR(t, "100K", UNIT);
		ERR(t, "18446744073709551616", OVERFLOW);
	}
}

static void test_cpu_quota(void **state)
{
	(void)state;
	int q = U("cpu_quota");
	PCT(q, "400%", 400 * RL_PCT_ONE);
	PCT(q, "1%", RL_PCT_ONE);
	PCT(q, "12.5%", 12 * RL_PCT_ONE + RL_PCT_ONE / 2);
	PCT(q, "1000000%", 1000000 * RL_PCT_ONE);
	ERR(q, "1000001%", PERCENT_RANGE);
	ERR(q, "0.999999%", PERCENT_RANGE);
	ERR(q, "0%", PERCENT_RANGE);
	ERR(q, "99999999999999999999%", PERCENT_RANGE);
	ERR(q, "1.0000001%", PERCENT_DIGITS);
	ERR(q, "400", UNIT); /* a quota is a percentage: "400" could mean anything */
	ERR(q, "4CPU", UNIT);
	ERR(q, "-100%", NEGATIVE);
	INF(q, "unlimited");
}

static void test_describe(void **state)
{
	(void)state;
	char buf[512];
	assert_string_equal(
	    rl_total_verr_describe(RL_VERR_UNIT, U("cpu_quota"), "400", 3, buf, sizeof(buf)),
	    "invalid value \"400\" for cpu_quota: a quota is written with %; expected "
	    "a percentage of one CPU from 1% to 1000000% (200% is two CPUs' worth), "
	    "or unlimited");
	assert_string_equal(
	    rl_total_verr_describe(RL_VERR_RANGE, S("cpu_weight"), "0", 1, buf, sizeof(buf)),
	    "invalid value \"0\" for cpu_weight: out of range; expected a weight "
	    "from 1 to 10000 (100 is systemd's default)");
	assert_string_equal(
	    rl_total_verr_describe(RL_VERR_RANGE, S("memory_max"), "0", 1, buf, sizeof(buf)),
	    "invalid value \"0\" for memory_max: 0 would stop every process it covers; expected "
	    "a size above 0 in bytes or with K, M, G, T or P (1024-based), a percentage of RAM "
	    "such as 50%, or unlimited");
	assert_string_equal(
	    rl_total_verr_describe(RL_VERR_PERCENT_ITEM, U("tasks_max"), "5%", 2, buf, sizeof(buf)),
	    "invalid value \"5%\" for tasks_max: a percentage of RAM is accepted "
	    "only for memory_max, memory_high and memory_swap_max; expected a whole "
	    "number above 0, or unlimited");
	assert_string_equal(rl_total_verr_describe(RL_VERR_OK, -1, "", 0, buf, sizeof(buf)),
			    "unknown total");
}

/* Every value written back parses to the same value. */
static void test_text_round_trip(void **state)
{
	(void)state;
	static const char *const texts[] = {"8G",    "1",         "512M",     "12.5%",
					    "400%",  "unlimited", "24h",      "90min",
					    "10000", "100",       "0.000001%"};
	char out[64];
	unsigned n = 0;
	for (int t = 0; t < RL_NTOTALS; t++) {
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			struct rl_value v, w;
			if (rl_total_value_parse(t, texts[i], strlen(texts[i]), &v) != RL_VERR_OK)
				continue;
			rl_total_value_text(t, &v, out, sizeof(out));
			assert_int_equal(rl_total_value_parse(t, out, strlen(out), &w), RL_VERR_OK);
			assert_int_equal(w.type, v.type);
			assert_true(w.n == v.n);
			n++;
		}
	}
	assert_true(n > 30);
	assert_string_equal(rl_total_format(U("cpu_quota"), 4000000, out, sizeof(out)), "400%");
	assert_string_equal(rl_total_format(U("cpu_quota"), 125000, out, sizeof(out)), "12.5%");
	assert_string_equal(rl_total_format(S("runtime_max"), 86400, out, sizeof(out)), "1d");
	assert_string_equal(rl_total_format(U("memory_max"), 8 * GiB, out, sizeof(out)), "8G");
	assert_string_equal(rl_total_format(U("memory_max"), RL_TOTAL_INF, out, sizeof(out)),
			    "unlimited");
	assert_string_equal(rl_total_format(RL_NTOTALS, 1, out, sizeof(out)), "?");
}

/* ----------------------------------------------------------- the maps */

static void expect_errors(const char *doc, const char *const *want, size_t n)
{
	struct rl_policy *p;
	enum rl_status st = load_doc(doc, &p, &cap);
	if (st != RL_EINVALID) {
		cap_dump(&cap, "messages");
		fail_msg("status %d, want RL_EINVALID:\n%s", st, doc);
	}
	assert_null(p);
	cap_expect(&cap, want, n);
}
#define EXPECT_ERRORS(doc, ...)                                                                    \
	do {                                                                                       \
		const char *const want_[] = {__VA_ARGS__};                                         \
		expect_errors(doc, want_, sizeof(want_) / sizeof(want_[0]));                       \
	} while (0)

static void test_parse_errors(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "version: 1\n"
	    "default:\n"
	    "  session:\n"
	    "    memory_max: 0\n"
	    "    cpu_quota: 200%\n"
	    "  user: {memory_max: 8GB, runtime_max: 1h, tasks_max: {soft: 1}}\n"
	    "users:\n"
	    "  alice:\n"
	    "    memory_max: 4G\n"
	    "    user: 4G\n"
	    "    session: {io_weight: 100, io_weight: 200}\n"
	    "    session: {}\n",
	    "t.yaml:4:17: invalid value \"0\" for memory_max: 0 would stop every process "
	    "it covers; expected a size above 0 in bytes or with K, M, G, T or P "
	    "(1024-based), a percentage of RAM such as 50%, or unlimited",
	    "t.yaml:5:5: default.session: unknown total \"cpu_quota\" (session: takes "
	    "memory_max, tasks_max, cpu_weight, io_weight, runtime_max)",
	    "t.yaml:6:22: invalid value \"8GB\" for memory_max: \"GB\" reads as "
	    "1000-based; sizes here are 1024-based: write G or GiB; expected a size above "
	    "0 in bytes or with K, M, G, T or P (1024-based), a percentage of RAM such as "
	    "50%, or unlimited",
	    "t.yaml:6:27: default.user: unknown total \"runtime_max\" (user: takes "
	    "memory_max, memory_high, memory_swap_max, tasks_max, cpu_quota, cpu_weight, "
	    "io_weight)",
	    "t.yaml:6:55: default.user: expected a single value (totals have no soft and "
	    "hard), found a mapping",
	    "t.yaml:9:5: users.alice: \"memory_max\" is a total: write it under session: "
	    "or user:",
	    "t.yaml:10:11: users.alice.user: expected a mapping of totals, found a single "
	    "value",
	    "t.yaml:11:31: users.alice.session: duplicate total \"io_weight\" (first at "
	    "line 11)",
	    "t.yaml:12:5: users.alice: duplicate key \"session\" (first at line 11)");
	EXPECT_ERRORS("version: 1\ngroups:\n  staff: {cpu_quota: 100%}\n",
		      "t.yaml:3:11: groups.staff: \"cpu_quota\" is a total: write it under user:");
	EXPECT_ERRORS("version: 1\ndefault: {runtime_max: 1h}\n",
		      "t.yaml:2:11: default: \"runtime_max\" is a total: write it under session:");
}

/* ------------------------------------------------------ precedence */

static void mkid(struct rl_ident *id, const char *name, uid_t uid, gid_t gid)
{
	assert_int_equal(rl_ident_make(name, uid, gid, &gid, 1, id), RL_OK);
}

static void resolve(const char *doc, struct rl_ident *id, struct rl_result *r)
{
	struct rl_policy *p = must_load(doc);
	rl_result_free(r);
	assert_int_equal(rl_resolve(p, id, &host16, r), RL_OK);
	rl_policy_free(p);
}

static void expect_total(const struct rl_result *r, int t, uint64_t n, const char *rule,
			 unsigned line, int at)
{
	const struct rl_total_result *tr = &r->total[t];
	if (!tr->set)
		fail_msg("line %d: %s.%s is not set (want %" PRIu64 " from %s)", at,
			 rl_scope_name(rl_totals[t].scope), rl_totals[t].name, n, rule);
	if (tr->n != n || strcmp(tr->origin.rule, rule) != 0 || tr->origin.line != line)
		fail_msg("line %d: %s.%s = %" PRIu64 " from %s line %u, want %" PRIu64
			 " from %s line %u",
			 at, rl_scope_name(rl_totals[t].scope), rl_totals[t].name, tr->n,
			 tr->origin.rule, tr->origin.line, n, rule, line);
}
#define EXPECT_TOTAL(r, t, n, rule, line) expect_total(r, t, n, rule, line, __LINE__)

static const char *const precedence_doc =
    "version: 1\n"                                                      /* 1 */
    "default:\n"                                                        /* 2 */
    "  as: 50%\n"                                                       /* 3 */
    "  session: {memory_max: 40%, tasks_max: 2048, runtime_max: 24h}\n" /* 4 */
    "  user: {memory_max: 60%, memory_high: 50%, cpu_quota: 400%}\n"    /* 5 */
    "groups:\n"                                                         /* 6 */
    "  students:\n"                                                     /* 7 */
    "    user: {memory_max: 8G, cpu_quota: 200%}\n"                     /* 8 */
    "  research:\n"                                                     /* 9 */
    "    user: {memory_max: 12G, cpu_quota: 150%, io_weight: 500}\n"    /* 10 */
    "users:\n"                                                          /* 11 */
    "  alice:\n"                                                        /* 12 */
    "    user: {memory_max: unlimited}\n"                               /* 13 */
    "  \"uid:1500-1599\":\n"                                            /* 14 */
    "    session: {tasks_max: 100}\n"                                   /* 15 */
    "  root:\n"                                                         /* 16 */
    "    session: {cpu_weight: 1000}\n";                                /* 17 */

static void test_precedence(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};

	/* default only */
	mkid(&id, "carol", 1200, 1200);
	resolve(precedence_doc, &id, &r);
	EXPECT_TOTAL(&r, S("memory_max"), 16 * GiB * 40 / 100, "default", 4);
	EXPECT_TOTAL(&r, S("tasks_max"), 2048, "default", 4);
	EXPECT_TOTAL(&r, S("runtime_max"), 86400, "default", 4);
	EXPECT_TOTAL(&r, U("memory_max"), 16 * GiB * 60 / 100, "default", 5);
	EXPECT_TOTAL(&r, U("memory_high"), 8 * GiB, "default", 5);
	EXPECT_TOTAL(&r, U("cpu_quota"), 4000000, "default", 5);
	assert_false(r.total[S("cpu_weight")].set);
	assert_false(r.total[U("tasks_max")].set);
	assert_true(r.item[0].hard.set); /* the rlimits beside them still resolve */
	assert_true(rl_result_any_total(&r, RL_SCOPE_SESSION));
	rl_ident_free(&id);

	/* a group beats default, total by total; max of two groups by default */
	mkid(&id, "bob", 1300, 1300);
	assert_int_equal(rl_ident_add_group(&id, "students", false, 0), RL_OK);
	resolve(precedence_doc, &id, &r);
	EXPECT_TOTAL(&r, U("memory_max"), 8 * GiB, "groups.students", 8);
	EXPECT_TOTAL(&r, U("cpu_quota"), 2000000, "groups.students", 8);
	EXPECT_TOTAL(&r, U("memory_high"), 8 * GiB, "default", 5);
	assert_int_equal(rl_ident_add_group(&id, "research", false, 0), RL_OK);
	resolve(precedence_doc, &id, &r);
	EXPECT_TOTAL(&r, U("memory_max"), 12 * GiB, "groups.research", 10);
	EXPECT_TOTAL(&r, U("cpu_quota"), 2000000, "groups.students", 8);
	EXPECT_TOTAL(&r, U("io_weight"), 500, "groups.research", 10);
	rl_ident_free(&id);

	/* the user beats the groups; a uid range beats default */
	mkid(&id, "alice", 1550, 1550);
	assert_int_equal(rl_ident_add_group(&id, "students", false, 0), RL_OK);
	resolve(precedence_doc, &id, &r);
	EXPECT_TOTAL(&r, U("memory_max"), RL_TOTAL_INF, "users.alice", 13);
	EXPECT_TOTAL(&r, U("cpu_quota"), 2000000, "groups.students", 8);
	EXPECT_TOTAL(&r, S("tasks_max"), 100, "users.uid:1500-1599", 15);
	EXPECT_TOTAL(&r, S("memory_max"), 16 * GiB * 40 / 100, "default", 4);
	char buf[32];
	assert_string_equal(rl_total_pam_text(&r, S("tasks_max"), buf, sizeof(buf)), "100");
	assert_string_equal(rl_total_pam_text(&r, S("runtime_max"), buf, sizeof(buf)), "86400");
	assert_string_equal(rl_total_pam_text(&r, S("memory_max"), buf, sizeof(buf)), "6871947673");
	rl_ident_free(&id);

	/* root: only what names it */
	mkid(&id, "root", 0, 0);
	assert_int_equal(rl_ident_add_group(&id, "students", false, 0), RL_OK);
	resolve(precedence_doc, &id, &r);
	for (int t = 0; t < RL_NTOTALS; t++) {
		if (t != S("cpu_weight"))
			assert_false(r.total[t].set);
	}
	EXPECT_TOTAL(&r, S("cpu_weight"), 1000, "users.root", 17);
	assert_string_equal(r.total[S("cpu_weight")].origin.file, "t.yaml");
	assert_int_equal(r.total[S("cpu_weight")].origin.col, 27);
	assert_false(rl_result_any_total(&r, RL_SCOPE_USER));
	rl_ident_free(&id);
	rl_result_free(&r);
}

static void test_combine_and_dropins(void **state)
{
	(void)state;
	static const char *const names[] = {"a.yaml", "b.yaml"};
	const char *docs[] = {"version: 1\n"
			      "groups_combine: min\n"
			      "groups:\n"
			      "  g1: {user: {tasks_max: 300, cpu_weight: 50}}\n"
			      "  g2: {user: {tasks_max: 200, cpu_weight: 90}}\n",
			      "version: 1\n"
			      "groups:\n"
			      "  g1: {user: {tasks_max: 100}}\n"};
	struct rl_ident id;
	struct rl_policy *p;
	struct rl_result r = {0};
	mkid(&id, "dave", 1400, 1400);
	assert_int_equal(rl_ident_add_group(&id, "g1", false, 0), RL_OK);
	assert_int_equal(rl_ident_add_group(&id, "g2", false, 0), RL_OK);
	assert_int_equal(load_docs(names, docs, 1, NULL, &p, NULL), RL_OK);
	assert_int_equal(rl_resolve(p, &id, &host16, &r), RL_OK);
	EXPECT_TOTAL(&r, U("tasks_max"), 200, "groups.g2", 5);
	EXPECT_TOTAL(&r, U("cpu_weight"), 50, "groups.g1", 4);
	rl_result_free(&r);
	rl_policy_free(p);

	/* a later file replaces g1's tasks_max only; its cpu_weight stays */
	assert_int_equal(load_docs(names, docs, 2, NULL, &p, NULL), RL_OK);
	assert_int_equal(rl_resolve(p, &id, &host16, &r), RL_OK);
	assert_int_equal(r.total[U("tasks_max")].n, 100);
	assert_string_equal(r.total[U("tasks_max")].origin.file, "b.yaml");
	EXPECT_TOTAL(&r, U("cpu_weight"), 50, "groups.g1", 4);
	rl_result_free(&r);
	rl_policy_free(p);

	/* last: the one written last wins */
	const char *last = "version: 1\n"
			   "groups_combine: last\n"
			   "groups:\n"
			   "  g2: {session: {io_weight: 10}}\n"
			   "  g1: {session: {io_weight: 20}}\n";
	assert_int_equal(load_docs(names, &last, 1, NULL, &p, NULL), RL_OK);
	assert_int_equal(rl_resolve(p, &id, &host16, &r), RL_OK);
	assert_int_equal(r.total[S("io_weight")].n, 20);
	rl_result_free(&r);
	rl_policy_free(p);

	/* a filtered load keeps the same totals as the whole policy */
	struct rl_result whole = {0};
	p = must_load(precedence_doc);
	assert_int_equal(rl_resolve(p, &id, &host16, &whole), RL_OK);
	rl_policy_free(p);
	assert_int_equal(load_docs(names, &precedence_doc, 1, &id, &p, NULL), RL_OK);
	assert_int_equal(rl_resolve(p, &id, &host16, &r), RL_OK);
	for (int t = 0; t < RL_NTOTALS; t++) {
		assert_int_equal(r.total[t].set, whole.total[t].set);
		assert_true(r.total[t].n == whole.total[t].n);
	}
	rl_result_free(&r);
	rl_result_free(&whole);
	rl_policy_free(p);
	rl_ident_free(&id);
}

/* A rule with only totals is kept: it sets something. */
static void test_totals_only_rule(void **state)
{
	(void)state;
	struct rl_policy *p = must_load("version: 1\nusers:\n  erin: {user: {tasks_max: 10}}\n"
					"  frank: {session: {}}\n");
	assert_int_equal(rl_policy_rule_count(p), 1);
	rl_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_counts_and_durations),
	    cmocka_unit_test(test_weights),
	    cmocka_unit_test(test_cpu_quota),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_text_round_trip),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_combine_and_dropins),
	    cmocka_unit_test(test_totals_only_rule),
	};
	return cmocka_run_group_tests_name("totals", tests, NULL, NULL);
}
