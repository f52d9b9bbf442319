/*
 * test_resolve.c - policy/resolve.c: every precedence
 * rule per item and per half, root, each groups_combine (also across
 * drop-ins), gid rules and ranges, percentages against a made-up host,
 * nofile: unlimited, clamping, origins, drop-in merging; and a property
 * test: a policy loaded with the user as filter resolves exactly like the
 * whole policy, and keeps only rules that match.
 *
 * Identities are built with rl_ident_make and rl_ident_add_group: no NSS.
 */
#include "unit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/testresult.h"
#include "policy_int.h" /* the property test looks at the kept rules */

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static const struct rl_host host16 = {.ram_bytes = 16 * GiB, .nr_open = 524288};

/* An identity: name, uid, primary gid, supplementary gids. */
static void mkid(struct rl_ident *id, const char *name, uid_t uid, gid_t gid, const gid_t *gids,
		 size_t n)
{
	assert_int_equal(rl_ident_make(name, uid, gid, gids, n, id), RL_OK);
}

/* Adds a named group (its gid unknown, as for "explain --group"). */
static void group(struct rl_ident *id, const char *name)
{
	assert_int_equal(rl_ident_add_group(id, name, false, 0), RL_OK);
}

/* Loads docs as a.yaml, b.yaml, ... and resolves id with host. */
static void resolve_docs(const char *const *docs, size_t n, struct rl_ident *id,
			 const struct rl_host *host, struct rl_result *r)
{
	static const char *const names[] = {"a.yaml", "b.yaml", "c.yaml", "d.yaml"};
	struct cap *c = malloc(sizeof(*c));
	struct rl_policy *p;
	assert_non_null(c);
	assert_true(n <= 4);
	enum rl_status st = load_docs(names, docs, n, NULL, &p, c);
	if (st != RL_OK) {
		cap_dump(c, "load");
		free(c);
		fail_msg("policy does not load");
	}
	free(c);
	rl_result_free(r); /* the caller's earlier result, if any */
	assert_int_equal(rl_resolve(p, id, host, r), RL_OK);
	rl_policy_free(p);
}

static void resolve1(const char *doc, struct rl_ident *id, const struct rl_host *host,
		     struct rl_result *r)
{
	resolve_docs(&doc, 1, id, host, r);
}

/* Asserts one half: set, effective value and the rule it came from. */
static void expect_half(const struct rl_result *r, const char *item, int hard, rlim_t rlim,
			const char *rule, const char *file, int line)
{
	const struct rl_item_result *ir = &r->item[item_index(item)];
	const struct rl_half *h = hard ? &ir->hard : &ir->soft;
	const char *which = hard ? "hard" : "soft";
	if (!h->set)
		fail_msg("%s:%d: %s %s is not set (want %" PRIu64 " from %s)", file, line, item,
			 which, (uint64_t)rlim, rule);
	if (h->rlim != rlim || strcmp(h->origin.rule, rule) != 0)
		fail_msg("%s:%d: %s %s = %" PRIu64 " from %s, want %" PRIu64 " from %s", file, line,
			 item, which, (uint64_t)h->rlim, h->origin.rule, (uint64_t)rlim, rule);
}
#define SOFT(r, item, v, rule) expect_half(r, item, 0, v, rule, __FILE__, __LINE__)
#define HARD(r, item, v, rule) expect_half(r, item, 1, v, rule, __FILE__, __LINE__)
#define BOTH(r, item, v, rule)                                                                     \
	do {                                                                                       \
		SOFT(r, item, v, rule);                                                            \
		HARD(r, item, v, rule);                                                            \
	} while (0)

static void expect_unset(const struct rl_result *r, const char *item, int hard, const char *file,
			 int line)
{
	const struct rl_item_result *ir = &r->item[item_index(item)];
	const struct rl_half *h = hard ? &ir->hard : &ir->soft;
	static const struct rl_half zero;
	if (h->set)
		fail_msg("%s:%d: %s %s is set to %" PRIu64 " from %s, want unset", file, line, item,
			 hard ? "hard" : "soft", (uint64_t)h->rlim, h->origin.rule);
	if (memcmp(h, &zero, sizeof(zero)) != 0)
		fail_msg("%s:%d: an unset %s half is not all zero", file, line, item);
}
#define UNSET(r, item)                                                                             \
	do {                                                                                       \
		expect_unset(r, item, 0, __FILE__, __LINE__);                                      \
		expect_unset(r, item, 1, __FILE__, __LINE__);                                      \
	} while (0)

/* -------------------------------------------------------- precedence */

static const char *const chain_docs[] = {
    "version: 1\n"
    "default: {as: 1G, data: 1G, stack: 1G, core: 1G, fsize: 1G}\n"
    "groups:\n"
    "  staff: {as: 2G, data: 2G, stack: 2G, core: 2G}\n"
    "users:\n"
    "  \"uid:1000-1999\": {as: 3G, data: 3G, stack: 3G}\n"
    "  \"uid:1000\": {as: 4G, data: 4G}\n"
    "  alice: {as: 5G}\n",
    /* the same rules written the other way round */
    "version: 1\n"
    "users:\n"
    "  alice: {as: 5G}\n"
    "  \"uid:1000\": {as: 4G, data: 4G}\n"
    "  \"uid:1000-1999\": {as: 3G, data: 3G, stack: 3G}\n"
    "groups:\n"
    "  staff: {as: 2G, data: 2G, stack: 2G, core: 2G}\n"
    "default: {as: 1G, data: 1G, stack: 1G, core: 1G, fsize: 1G}\n",
};

static void test_precedence_chain(void **state)
{
	(void)state;
	for (int d = 0; d < 2; d++) {
		struct rl_ident id;
		struct rl_result r = {0};
		const char *doc = chain_docs[d];

		/* name > uid:N > uid range > groups > default, item by item */
		mkid(&id, "alice", 1000, 100, NULL, 0);
		group(&id, "staff");
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 5 * GiB, "users.alice");
		BOTH(&r, "data", 4 * GiB, "users.uid:1000");
		BOTH(&r, "stack", 3 * GiB, "users.uid:1000-1999");
		BOTH(&r, "core", 2 * GiB, "groups.staff");
		BOTH(&r, "fsize", 1 * GiB, "default");
		UNSET(&r, "nofile");
		UNSET(&r, "cpu");
		rl_ident_free(&id);

		/* Another name on the same uid: the uid rule, not alice's. */
		mkid(&id, "alice2", 1000, 100, NULL, 0);
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 4 * GiB, "users.uid:1000");
		BOTH(&r, "core", 1 * GiB, "default");
		rl_ident_free(&id);

		/* Only the range. */
		mkid(&id, "carol", 1500, 100, NULL, 0);
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 3 * GiB, "users.uid:1000-1999");
		BOTH(&r, "core", 1 * GiB, "default");
		rl_ident_free(&id);

		/* Only the group. */
		mkid(&id, "dave", 5000, 100, NULL, 0);
		group(&id, "staff");
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 2 * GiB, "groups.staff");
		BOTH(&r, "fsize", 1 * GiB, "default");
		rl_ident_free(&id);

		/* Only default. */
		mkid(&id, "erin", 5000, 100, NULL, 0);
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 1 * GiB, "default");
		assert_true(rl_result_any(&r));
		rl_ident_free(&id);

		/* Alice by name outside the range still gets her own rule first. */
		mkid(&id, "alice", 7000, 100, NULL, 0);
		resolve1(doc, &id, &host16, &r);
		BOTH(&r, "as", 5 * GiB, "users.alice");
		BOTH(&r, "data", 1 * GiB, "default");
		rl_ident_free(&id);
		rl_result_free(&r);
	}
}

/* Per half: a half a rule leaves out comes from the next rule down. */
static void test_half_fallthrough(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	const char *doc = "version: 1\n"
			  "default: {as: {soft: 1G, hard: 16G}, data: {hard: 9G}, stack: 8M}\n"
			  "groups:\n"
			  "  research: {as: {hard: 8G}, data: {soft: 3G}}\n"
			  "users:\n"
			  "  \"uid:2000-2999\": {stack: {hard: 64M}, core: {soft: 0}}\n"
			  "  \"uid:2001\": {core: {hard: 1G}}\n"
			  "  alice: {as: {soft: 2G}, stack: {soft: 16M}}\n";
	mkid(&id, "alice", 2001, 100, NULL, 0);
	group(&id, "research");
	resolve1(doc, &id, &host16, &r);
	SOFT(&r, "as", 2 * GiB, "users.alice");
	HARD(&r, "as", 8 * GiB, "groups.research");
	SOFT(&r, "data", 3 * GiB, "groups.research");
	HARD(&r, "data", 9 * GiB, "default");
	SOFT(&r, "stack", 16 * MiB, "users.alice");
	HARD(&r, "stack", 64 * MiB, "users.uid:2000-2999");
	SOFT(&r, "core", 0, "users.uid:2000-2999");
	HARD(&r, "core", 1 * GiB, "users.uid:2001");
	rl_ident_free(&id);

	/* Without the group: default fills what the user rules leave. */
	mkid(&id, "alice", 2001, 100, NULL, 0);
	resolve1(doc, &id, &host16, &r);
	SOFT(&r, "as", 2 * GiB, "users.alice");
	HARD(&r, "as", 16 * GiB, "default");
	expect_unset(&r, "data", 0, __FILE__, __LINE__);
	HARD(&r, "data", 9 * GiB, "default");
	rl_ident_free(&id);

	/* A half no rule writes is left alone. */
	mkid(&id, "bob", 5000, 100, NULL, 0);
	resolve1("version: 1\ndefault: {nofile: {soft: 100}}\n", &id, &host16, &r);
	SOFT(&r, "nofile", 100, "default");
	expect_unset(&r, "nofile", 1, __FILE__, __LINE__);
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* A name rule beats a uid:N rule only for the halves it writes. */
static void test_name_and_uid_per_half(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	mkid(&id, "alice", 1000, 100, NULL, 0);
	resolve1("version: 1\n"
		 "users:\n"
		 "  \"uid:1000\": {as: {soft: 1G, hard: 8G}, data: 2G}\n"
		 "  alice: {as: {soft: 4G}}\n",
		 &id, &host16, &r);
	SOFT(&r, "as", 4 * GiB, "users.alice");
	HARD(&r, "as", 8 * GiB, "users.uid:1000");
	BOTH(&r, "data", 2 * GiB, "users.uid:1000");
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ------------------------------------------------------------- root */

static void test_root(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	gid_t gids[] = {0, 10};
	const char *doc = "version: 1\n"
			  "default: {as: 1G}\n"
			  "groups:\n"
			  "  root: {data: 1G}\n"
			  "  wheel: {data: 2G}\n"
			  "  \"gid:0\": {stack: 1G}\n"
			  "  \"gid:0-100\": {core: 0}\n"
			  "users:\n"
			  "  \"uid:0-999\": {nofile: 100}\n";
	mkid(&id, "root", 0, 0, gids, 2);
	group(&id, "root");
	group(&id, "wheel");
	resolve1(doc, &id, &host16, &r);
	assert_false(rl_result_any(&r));
	rl_ident_free(&id);

	/* Rules that name root do apply: by name and by uid:0. */
	const char *doc2 = "version: 1\n"
			   "default: {as: 1G}\n"
			   "groups: {root: {data: 1G}}\n"
			   "users:\n"
			   "  \"uid:0-999\": {nofile: 100}\n"
			   "  root: {cpu: 100, fsize: 5G}\n"
			   "  \"uid:0\": {fsize: 3G, nproc: 7}\n";
	mkid(&id, "root", 0, 0, gids, 2);
	group(&id, "root");
	resolve1(doc2, &id, &host16, &r);
	BOTH(&r, "cpu", 100, "users.root");
	BOTH(&r, "fsize", 5 * GiB, "users.root");
	BOTH(&r, "nproc", 7, "users.uid:0");
	UNSET(&r, "as");
	UNSET(&r, "data");
	UNSET(&r, "nofile");
	rl_ident_free(&id);

	/* Another name with uid 0 is root too: uid:0 yes, "root" no, default no. */
	mkid(&id, "toor", 0, 0, NULL, 0);
	resolve1(doc2, &id, &host16, &r);
	UNSET(&r, "cpu");
	BOTH(&r, "fsize", 3 * GiB, "users.uid:0");
	UNSET(&r, "as");
	rl_ident_free(&id);

	/* A user called root who is not uid 0 is an ordinary user. */
	mkid(&id, "root", 500, 500, NULL, 0);
	group(&id, "root");
	resolve1(doc2, &id, &host16, &r);
	BOTH(&r, "cpu", 100, "users.root");
	BOTH(&r, "as", 1 * GiB, "default");
	BOTH(&r, "data", 1 * GiB, "groups.root");
	BOTH(&r, "nofile", 100, "users.uid:0-999");
	UNSET(&r, "nproc");
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ---------------------------------------------------- groups_combine */

static const char *const combine_groups =
    "groups:\n"
    "  a: {as: 4G, data: {soft: 1G, hard: 8G}, nofile: 100, stack: 50%, cpu: 1h}\n"
    "  b: {as: unlimited, data: {soft: 2G, hard: 4G}, nofile: 200, stack: 1G}\n"
    "  c: {as: 2G, nofile: 150, cpu: unlimited}\n";

static void combine_doc(char *buf, size_t size, const char *how)
{
	snprintf(buf, size, "version: 1\ngroups_combine: %s\n%s", how, combine_groups);
}

static void in_groups(struct rl_ident *id, const char *which)
{
	mkid(id, "u", 1000, 100, NULL, 0);
	for (const char *g = which; *g; g++) {
		char name[2] = {*g, '\0'};
		group(id, name);
	}
}

static void test_combine_max(void **state)
{
	(void)state;
	char doc[1024];
	struct rl_ident id;
	struct rl_result r = {0};
	combine_doc(doc, sizeof(doc), "max");
	in_groups(&id, "abc");
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", RLIM_INFINITY, "groups.b"); /* unlimited is largest */
	SOFT(&r, "data", 2 * GiB, "groups.b");
	HARD(&r, "data", 8 * GiB, "groups.a");
	BOTH(&r, "nofile", 200, "groups.b");
	BOTH(&r, "stack", 8 * GiB, "groups.a"); /* 50% of 16G beats 1G */
	BOTH(&r, "cpu", RLIM_INFINITY, "groups.c");
	rl_ident_free(&id);

	in_groups(&id, "ac");
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", 4 * GiB, "groups.a");
	BOTH(&r, "nofile", 150, "groups.c");
	rl_ident_free(&id);

	/* max is the default */
	in_groups(&id, "abc");
	struct rl_result r2 = {0};
	char doc2[1024];
	snprintf(doc2, sizeof(doc2), "version: 1\n%s", combine_groups);
	resolve1(doc2, &id, &host16, &r2);
	BOTH(&r2, "as", RLIM_INFINITY, "groups.b");
	HARD(&r2, "data", 8 * GiB, "groups.a");
	rl_ident_free(&id);
	rl_result_free(&r);
	rl_result_free(&r2);
}

static void test_combine_min(void **state)
{
	(void)state;
	char doc[1024];
	struct rl_ident id;
	struct rl_result r = {0};
	combine_doc(doc, sizeof(doc), "min");
	in_groups(&id, "abc");
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", 2 * GiB, "groups.c");
	SOFT(&r, "data", 1 * GiB, "groups.a");
	HARD(&r, "data", 4 * GiB, "groups.b");
	BOTH(&r, "nofile", 100, "groups.a");
	BOTH(&r, "stack", 1 * GiB, "groups.b");
	BOTH(&r, "cpu", 3600, "groups.a");
	rl_ident_free(&id);

	in_groups(&id, "b"); /* one group: no combining */
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", RLIM_INFINITY, "groups.b");
	rl_ident_free(&id);

	in_groups(&id, "ab"); /* unlimited loses to anything */
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", 4 * GiB, "groups.a");
	BOTH(&r, "stack", 1 * GiB, "groups.b");
	rl_ident_free(&id);
	rl_result_free(&r);
}

static void test_combine_last(void **state)
{
	(void)state;
	char doc[1024];
	struct rl_ident id;
	struct rl_result r = {0};
	combine_doc(doc, sizeof(doc), "last");
	in_groups(&id, "abc");
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", 2 * GiB, "groups.c");
	SOFT(&r, "data", 2 * GiB, "groups.b");
	HARD(&r, "data", 4 * GiB, "groups.b");
	BOTH(&r, "nofile", 150, "groups.c");
	BOTH(&r, "stack", 1 * GiB, "groups.b");
	BOTH(&r, "cpu", RLIM_INFINITY, "groups.c");
	rl_ident_free(&id);

	/* Written order decides, not the values: c, b, a. */
	in_groups(&id, "abc");
	resolve1("version: 1\n"
		 "groups_combine: last\n"
		 "groups:\n"
		 "  c: {as: 2G, nofile: 150}\n"
		 "  b: {as: unlimited, data: {soft: 2G, hard: 4G}}\n"
		 "  a: {as: 4G, data: {soft: 1G}}\n",
		 &id, &host16, &r);
	BOTH(&r, "as", 4 * GiB, "groups.a");
	SOFT(&r, "data", 1 * GiB, "groups.a"); /* per half */
	HARD(&r, "data", 4 * GiB, "groups.b");
	BOTH(&r, "nofile", 150, "groups.c");
	rl_ident_free(&id);
	rl_result_free(&r);
}

static void test_combine_last_dropins(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	const char *docs[3];
	char doc[1024];
	combine_doc(doc, sizeof(doc), "last");

	/* A drop-in rewriting a's item makes a the last writer of that item. */
	docs[0] = doc;
	docs[1] = "version: 1\ngroups:\n  a: {as: 3G}\n";
	in_groups(&id, "abc");
	resolve_docs(docs, 2, &id, &host16, &r);
	BOTH(&r, "as", 3 * GiB, "groups.a");
	assert_string_equal(r.item[item_index("as")].soft.origin.file, "b.yaml");
	assert_int_equal(r.item[item_index("as")].soft.origin.line, 3);
	BOTH(&r, "nofile", 150, "groups.c"); /* untouched items keep their order */
	rl_ident_free(&id);

	/* A drop-in touching another item of a leaves "as" with c. */
	docs[1] = "version: 1\ngroups:\n  a: {fsize: 1G}\n";
	in_groups(&id, "abc");
	resolve_docs(docs, 2, &id, &host16, &r);
	BOTH(&r, "as", 2 * GiB, "groups.c");
	rl_ident_free(&id);

	/* A new group in a later file is written after all of the first. */
	docs[1] = "version: 1\ngroups:\n  d: {as: 1G}\n";
	docs[2] = "version: 1\ngroups:\n  e: {nofile: 5}\n";
	mkid(&id, "u", 1000, 100, NULL, 0);
	group(&id, "a");
	group(&id, "d");
	group(&id, "e");
	resolve_docs(docs, 3, &id, &host16, &r);
	BOTH(&r, "as", 1 * GiB, "groups.d");
	BOTH(&r, "nofile", 5, "groups.e");
	assert_string_equal(r.item[item_index("nofile")].hard.origin.file, "c.yaml");
	rl_ident_free(&id);

	/* groups_combine in a later file replaces the earlier one. */
	docs[0] = "version: 1\ngroups_combine: max\n"
		  "groups:\n  a: {as: 4G}\n  b: {as: 1G}\n";
	docs[1] = "version: 1\ngroups_combine: last\n";
	in_groups(&id, "ab");
	resolve_docs(docs, 2, &id, &host16, &r);
	BOTH(&r, "as", 1 * GiB, "groups.b");
	docs[1] = "version: 1\ngroups_combine: min\n";
	resolve_docs(docs, 2, &id, &host16, &r);
	BOTH(&r, "as", 1 * GiB, "groups.b");
	docs[0] = "version: 1\ngroups_combine: min\n"
		  "groups:\n  a: {as: 4G}\n  b: {as: 1G}\n";
	docs[1] = "version: 1\ngroups_combine: max\n";
	resolve_docs(docs, 2, &id, &host16, &r);
	BOTH(&r, "as", 4 * GiB, "groups.a");
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ------------------------------------------------------ gid matching */

static void test_gid_rules(void **state)
{
	(void)state;
	const char *doc = "version: 1\n"
			  "groups:\n"
			  "  \"gid:3000\": {as: 1G}\n"
			  "  \"gid:3000-3999\": {data: 1G}\n"
			  "  \"gid:4000-4999\": {stack: 1G}\n"
			  "  \"gid:5000\": {core: 0}\n"
			  "  \"gid:4294967294\": {nproc: 9}\n"
			  "  research: {fsize: 1G}\n";
	struct rl_ident id;
	struct rl_result r = {0};

	gid_t g1[] = {4000, 2999};
	mkid(&id, "u", 1000, 100, g1, 2);
	resolve1(doc, &id, &host16, &r);
	UNSET(&r, "as");
	UNSET(&r, "data");
	BOTH(&r, "stack", 1 * GiB, "groups.gid:4000-4999"); /* low end */
	UNSET(&r, "core");
	rl_ident_free(&id);

	gid_t g2[] = {3999};
	mkid(&id, "u", 1000, 100, g2, 1);
	resolve1(doc, &id, &host16, &r);
	UNSET(&r, "as");
	BOTH(&r, "data", 1 * GiB, "groups.gid:3000-3999"); /* high end */
	UNSET(&r, "stack");
	rl_ident_free(&id);

	/* The primary group counts like any other. */
	mkid(&id, "u", 1000, 3000, NULL, 0);
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "as", 1 * GiB, "groups.gid:3000");
	BOTH(&r, "data", 1 * GiB, "groups.gid:3000-3999");
	rl_ident_free(&id);

	gid_t g3[] = {5000, 2999, 4294967294u};
	mkid(&id, "u", 1000, 100, g3, 3);
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "core", 0, "groups.gid:5000");
	UNSET(&r, "stack"); /* 5000 is past 4999 */
	BOTH(&r, "nproc", 9, "groups.gid:4294967294");
	/* gids alone never match a named rule: names come from rl_ident_add_group */
	UNSET(&r, "fsize");
	rl_ident_free(&id);

	/* A named group with a known gid matches both ways. */
	mkid(&id, "u", 1000, 100, NULL, 0);
	assert_int_equal(rl_ident_add_group(&id, "research", true, 3500), RL_OK);
	resolve1(doc, &id, &host16, &r);
	BOTH(&r, "fsize", 1 * GiB, "groups.research");
	BOTH(&r, "data", 1 * GiB, "groups.gid:3000-3999");
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ------------------------------------------- percentages and nofile */

static void test_percentages(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	const char *doc = "version: 1\n"
			  "default:\n"
			  "  as: 50%\n"
			  "  data: 0.5%\n"
			  "  stack: 33.333333%\n"
			  "  rss: 0.000001%\n"
			  "  memlock: 100%\n";
	mkid(&id, "u", 1000, 100, NULL, 0);

	struct rl_host h = {.ram_bytes = 1000000000000ULL, .nr_open = 1024};
	resolve1(doc, &id, &h, &r);
	BOTH(&r, "as", 500000000000ULL, "default");
	BOTH(&r, "data", 5000000000ULL, "default");
	BOTH(&r, "stack", 333333330000ULL, "default");
	BOTH(&r, "rss", 10000ULL, "default");
	BOTH(&r, "memlock", 1000000000000ULL, "default");
	/* The written value stays a percentage. */
	assert_int_equal(r.item[item_index("as")].soft.value.type, RL_V_PCT);
	assert_int_equal(r.item[item_index("as")].soft.value.n, 50 * RL_PCT_ONE);
	assert_int_equal(r.item[item_index("rss")].hard.value.n, 1);

	/* Rounded down, never up. */
	h.ram_bytes = 8 * GiB + 1;
	resolve1(doc, &id, &h, &r);
	BOTH(&r, "as", 4 * GiB, "default");
	BOTH(&r, "data", 42949672ULL, "default");    /* 8589934593 * 0.005 = 42949672.965 */
	BOTH(&r, "stack", 2863311502ULL, "default"); /* * 0.33333333 = 2863311502.4 */
	BOTH(&r, "rss", 85ULL, "default");
	BOTH(&r, "memlock", 8 * GiB + 1, "default");

	/* No overflow with the largest RAM there is. */
	h.ram_bytes = UINT64_MAX;
	resolve1("version: 1\ndefault: {as: 99.999999%, data: 50%, stack: 100%}\n", &id, &h, &r);
	BOTH(&r, "as", 18446743889242110877ULL, "default");
	BOTH(&r, "data", 9223372036854775807ULL, "default");
	BOTH(&r, "stack", UINT64_MAX, "default");

	/* A tiny machine: a small percentage can be 0 bytes. */
	h.ram_bytes = 1000;
	resolve1("version: 1\ndefault: {as: 0.05%, data: 0.1%}\n", &id, &h, &r);
	BOTH(&r, "as", 0, "default");
	BOTH(&r, "data", 1, "default");
	rl_ident_free(&id);
	rl_result_free(&r);
}

static void test_unlimited(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	mkid(&id, "u", 1000, 100, NULL, 0);
	resolve1("version: 1\n"
		 "default:\n"
		 "  nofile: unlimited\n"
		 "  as: infinity\n"
		 "  cpu: unlimited\n"
		 "  nproc: {soft: 1024, hard: unlimited}\n"
		 "  rtprio: unlimited\n",
		 &id, &host16, &r);
	BOTH(&r, "nofile", 524288, "default"); /* the kernel's nr_open, not infinity */
	assert_int_equal(r.item[item_index("nofile")].hard.value.type, RL_V_INF);
	assert_false(r.item[item_index("nofile")].soft_clamped);
	BOTH(&r, "as", RLIM_INFINITY, "default");
	BOTH(&r, "cpu", RLIM_INFINITY, "default");
	BOTH(&r, "rtprio", RLIM_INFINITY, "default");
	SOFT(&r, "nproc", 1024, "default");
	HARD(&r, "nproc", RLIM_INFINITY, "default");
	rl_ident_free(&id);

	/* nofile: soft unlimited under a lower hard from a user rule is clamped. */
	mkid(&id, "alice", 1000, 100, NULL, 0);
	struct rl_host h = {.ram_bytes = GiB, .nr_open = 1048576};
	resolve1("version: 1\n"
		 "default: {nofile: {soft: unlimited}}\n"
		 "users: {alice: {nofile: {hard: 4096}}}\n",
		 &id, &h, &r);
	SOFT(&r, "nofile", 4096, "default");
	HARD(&r, "nofile", 4096, "users.alice");
	assert_true(r.item[item_index("nofile")].soft_clamped);
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ---------------------------------------------------------- clamping */

static void test_clamp(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	mkid(&id, "alice", 1000, 100, NULL, 0);
	group(&id, "staff");
	resolve1("version: 1\n"
		 "default: {data: {hard: 2G}, stack: 50%, fsize: {hard: 1G}}\n"
		 "groups: {staff: {as: {hard: 4G}, core: {hard: 1M}}}\n"
		 "users:\n"
		 "  alice:\n"
		 "    as: {soft: 8G}\n"
		 "    data: {soft: 2G}\n"
		 "    stack: {hard: 1G}\n"
		 "    core: {soft: 1M}\n"
		 "    fsize: {soft: 1023M}\n",
		 &id, &host16, &r);
	const struct rl_item_result *as = &r.item[item_index("as")];
	/* soft 8G from alice, hard 4G from staff: soft lowered to 4G */
	SOFT(&r, "as", 4 * GiB, "users.alice");
	HARD(&r, "as", 4 * GiB, "groups.staff");
	assert_true(as->soft_clamped);
	assert_int_equal(as->soft.value.type, RL_V_NUM);
	assert_int_equal(as->soft.value.n, 8 * GiB); /* as written */
	/* a percentage soft (8G of 16G) over a byte hard */
	SOFT(&r, "stack", 1 * GiB, "default");
	HARD(&r, "stack", 1 * GiB, "users.alice");
	assert_true(r.item[item_index("stack")].soft_clamped);
	assert_int_equal(r.item[item_index("stack")].soft.value.type, RL_V_PCT);
	/* equal and below: no clamping */
	SOFT(&r, "data", 2 * GiB, "users.alice");
	assert_false(r.item[item_index("data")].soft_clamped);
	assert_false(r.item[item_index("core")].soft_clamped);
	SOFT(&r, "fsize", 1023 * MiB, "users.alice");
	assert_false(r.item[item_index("fsize")].soft_clamped);
	/* only one half set: nothing to clamp against */
	for (int i = 0; i < RL_NITEMS; i++) {
		if (!r.item[i].soft.set || !r.item[i].hard.set)
			assert_false(r.item[i].soft_clamped);
	}
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ------------------------------------------------------------ origins */

static void expect_origin(const struct rl_half *h, const char *file, unsigned line, unsigned col,
			  const char *rule)
{
	assert_true(h->set);
	assert_string_equal(h->origin.file, file);
	assert_int_equal(h->origin.line, line);
	assert_int_equal(h->origin.col, col);
	assert_string_equal(h->origin.rule, rule);
}

static void test_origins(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	const char *docs[2] = {
	    "version: 1\n"                         /* 1 */
	    "default:\n"                           /* 2 */
	    "  as: 50%\n"                          /* 3 */
	    "  nofile: {soft: 1024, hard: 4096}\n" /* 4 */
	    "groups:\n"                            /* 5 */
	    "  \"gid:3000-3999\":\n"               /* 6 */
	    "    data: 2G\n"                       /* 7 */
	    "  research:\n"                        /* 8 */
	    "    stack: {hard: 1G}\n"              /* 9 */
	    "users:\n"                             /* 10 */
	    "  \"uid:2000-2999\": {cpu: 1h}\n"     /* 11 */
	    "  'uid:2500': {core: 0}\n"            /* 12 */
	    "  alice:\n"                           /* 13 */
	    "    fsize: 1G\n",                     /* 14 */
	    "version: 1\n"
	    "users:\n"
	    "  alice: {nproc: {soft: 10, hard: 20}}\n",
	};
	gid_t g = 3100;
	mkid(&id, "alice", 2500, 100, &g, 1);
	group(&id, "research");
	resolve_docs(docs, 2, &id, &host16, &r);
	const struct rl_result *x = &r;
	expect_origin(&x->item[item_index("as")].soft, "a.yaml", 3, 7, "default");
	expect_origin(&x->item[item_index("as")].hard, "a.yaml", 3, 7, "default");
	expect_origin(&x->item[item_index("nofile")].soft, "a.yaml", 4, 18, "default");
	expect_origin(&x->item[item_index("nofile")].hard, "a.yaml", 4, 30, "default");
	expect_origin(&x->item[item_index("data")].soft, "a.yaml", 7, 11, "groups.gid:3000-3999");
	expect_origin(&x->item[item_index("stack")].hard, "a.yaml", 9, 19, "groups.research");
	expect_origin(&x->item[item_index("cpu")].soft, "a.yaml", 11, 26, "users.uid:2000-2999");
	expect_origin(&x->item[item_index("core")].hard, "a.yaml", 12, 22, "users.uid:2500");
	expect_origin(&x->item[item_index("fsize")].soft, "a.yaml", 14, 12, "users.alice");
	expect_origin(&x->item[item_index("nproc")].soft, "b.yaml", 3, 25, "users.alice");
	expect_origin(&x->item[item_index("nproc")].hard, "b.yaml", 3, 35, "users.alice");
	rl_ident_free(&id);
	rl_result_free(&r);
}

/* ----------------------------------------------------- drop-in merge */

static void test_dropin_merge(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	const char *docs[3] = {
	    "version: 1\n"
	    "default: {as: {soft: 1G, hard: 2G}, data: 1G}\n"
	    "users: {alice: {nofile: 100, cpu: 60}}\n",
	    /* replaces the whole "as" item of default: its hard half goes too */
	    "version: 1\n"
	    "default: {as: {soft: 512M}}\n",
	    /* replaces alice's nofile, adds to her rule, adds a rule */
	    "version: 1\n"
	    "users: {alice: {nofile: {hard: 50}, core: 0}, bob: {as: 1G}}\n",
	};
	mkid(&id, "alice", 1000, 100, NULL, 0);
	resolve_docs(docs, 3, &id, &host16, &r);
	SOFT(&r, "as", 512 * MiB, "default");
	assert_string_equal(r.item[item_index("as")].soft.origin.file, "b.yaml");
	expect_unset(&r, "as", 1, __FILE__, __LINE__);
	BOTH(&r, "data", 1 * GiB, "default");
	assert_string_equal(r.item[item_index("data")].hard.origin.file, "a.yaml");
	expect_unset(&r, "nofile", 0, __FILE__, __LINE__);
	HARD(&r, "nofile", 50, "users.alice");
	BOTH(&r, "cpu", 60, "users.alice");
	BOTH(&r, "core", 0, "users.alice");
	assert_string_equal(r.item[item_index("core")].soft.origin.file, "c.yaml");
	rl_ident_free(&id);

	struct rl_policy *p;
	static const char *const names[] = {"a.yaml", "b.yaml", "c.yaml"};
	assert_int_equal(load_docs(names, docs, 3, NULL, &p, NULL), RL_OK);
	assert_int_equal(rl_policy_rule_count(p), 3); /* default, alice, bob */
	assert_int_equal(rl_policy_file_count(p), 3);
	rl_policy_free(p);
	rl_result_free(&r);
}

static void test_nothing_matches(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_result r = {0};
	static const struct rl_result zero;
	mkid(&id, "zed", 9000, 9000, NULL, 0);
	resolve1("version: 1\nusers: {alice: {as: 1G}}\ngroups: {staff: {as: 1G}}\n", &id, &host16,
		 &r);
	assert_false(rl_result_any(&r));
	assert_memory_equal(&r, &zero, sizeof(r));
	/* An empty policy, and usage errors, give an all-zero result too. */
	struct rl_policy *p;
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_finish(p, NULL), RL_OK);
	memset(&r, 0xAA, sizeof(r));
	assert_int_equal(rl_resolve(p, &id, &host16, &r), RL_OK);
	assert_memory_equal(&r, &zero, sizeof(r));
	memset(&r, 0xAA, sizeof(r));
	assert_int_equal(rl_resolve(NULL, &id, &host16, &r), RL_EUSAGE);
	assert_memory_equal(&r, &zero, sizeof(r));
	assert_int_equal(rl_resolve(p, NULL, &host16, &r), RL_EUSAGE);
	/* No host: this machine's, read only when needed; nothing is here. */
	assert_int_equal(rl_resolve(p, &id, NULL, &r), RL_OK);
	assert_memory_equal(&r, &zero, sizeof(r));
	rl_policy_free(p);
	rl_ident_free(&id);
	rl_result_free(&r);
}

static void test_host_probe(void **state)
{
	(void)state;
	struct rl_host h = {.ram_bytes = 0, .nr_open = 0};
	assert_int_equal(rl_host_probe(&h), RL_OK);
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	assert_int_equal(h.ram_bytes, (uint64_t)pages * (uint64_t)size);
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	if (f) {
		unsigned long long v = 0;
		assert_int_equal(fscanf(f, "%llu", &v), 1);
		fclose(f);
		assert_int_equal(h.nr_open, v);
	} else {
		assert_int_equal(h.nr_open, 1048576);
	}
}

/*
 * With no host given, this machine's RAM and nr_open are read only when a
 * value needs them, and once: most policies need neither, and every login
 * would pay.  open and sysconf are wrapped (unit.mk) to count the reads.
 */
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
long __real_sysconf(int name);
long __wrap_sysconf(int name);
static unsigned nr_open_reads, ram_reads;
static bool ram_fails;

int __wrap_open(const char *path, int flags, ...)
{
	if (strcmp(path, "/proc/sys/fs/nr_open") == 0)
		nr_open_reads++;
	return __real_open(path, flags);
}

long __wrap_sysconf(int name)
{
	if (name != _SC_PHYS_PAGES)
		return __real_sysconf(name);
	ram_reads++;
	return ram_fails ? -1 : __real_sysconf(name);
}

/* Resolves doc for a plain user on this machine; the reads it made. */
static enum rl_status resolve_here(const char *doc, struct rl_result *r)
{
	struct rl_policy *p = must_load(doc);
	struct rl_ident id;
	mkid(&id, "alice", 1000, 100, NULL, 0);
	nr_open_reads = ram_reads = 0;
	rl_result_free(r);
	enum rl_status st = rl_resolve(p, &id, NULL, r);
	rl_ident_free(&id);
	rl_policy_free(p);
	return st;
}

static void test_host_read_when_needed(void **state)
{
	(void)state;
	struct rl_host here;
	struct rl_result r = {0};
	assert_int_equal(rl_host_probe(&here), RL_OK);

	assert_int_equal(resolve_here("version: 1\ndefault: {nofile: 1024, as: 8G, core: 0}\n", &r),
			 RL_OK);
	assert_int_equal(nr_open_reads + ram_reads, 0);
	HARD(&r, "nofile", 1024, "default");

	assert_int_equal(resolve_here("version: 1\ndefault: {nofile: unlimited}\n", &r), RL_OK);
	assert_int_equal(nr_open_reads, 1);
	assert_int_equal(ram_reads, 0);
	SOFT(&r, "nofile", here.nr_open, "default");

	/* Four percentages, one read. */
	assert_int_equal(resolve_here("version: 1\ndefault: {as: 50%, data: 25%}\n"
				      "users: {alice: {rss: 10%, stack: {soft: 1%}}}\n",
				      &r),
			 RL_OK);
	assert_int_equal(ram_reads, 1);
	assert_int_equal(nr_open_reads, 0);
	HARD(&r, "as", here.ram_bytes / 2, "default");
	SOFT(&r, "data", here.ram_bytes / 4, "default");

	/* RAM that cannot be read fails only a policy that needs it. */
	ram_fails = true;
	assert_int_equal(resolve_here("version: 1\ndefault: {as: 50%}\n", &r), RL_EIO);
	assert_false(rl_result_any(&r)); /* nothing half-made is handed back */
	assert_int_equal(resolve_here("version: 1\ndefault: {as: 8G}\n", &r), RL_OK);
	ram_fails = false;
	rl_result_free(&r);
}

/* ------------------------------------------------------ property test */

struct gen {
	uint64_t s;
};

static uint64_t rnd(struct gen *g)
{
	return splitmix64(&g->s);
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

/* A valid value text for item it. */
static void gen_value(struct gen *g, int it, char *buf, size_t size)
{
	static const char *const size_sfx[] = {"", "K", "M", "G", "KiB", "T"};
	static const char *const cpu_sfx[] = {"", "s", "min", "h", "d"};
	static const char *const rt_sfx[] = {"", "us", "ms", "s"};
	enum rl_kind k = rl_items[it].kind;
	if (pick(g, 8) == 0 && k != RL_KIND_PRIORITY && k != RL_KIND_BOOL) {
		snprintf(buf, size, "%s", pick(g, 2) ? "unlimited" : "infinity");
		return;
	}
	switch (k) {
	case RL_KIND_SIZE:
		if (rl_items[it].percent_ok && pick(g, 3) == 0)
			snprintf(buf, size, "%u.%u%%", 1 + pick(g, 99), pick(g, 10));
		else
			snprintf(buf, size, "%u%s", pick(g, 2000), size_sfx[pick(g, 6)]);
		break;
	case RL_KIND_CPU:
		snprintf(buf, size, "%u%s", pick(g, 500), cpu_sfx[pick(g, 5)]);
		break;
	case RL_KIND_RTTIME:
		snprintf(buf, size, "%u%s", pick(g, 5000), rt_sfx[pick(g, 4)]);
		break;
	case RL_KIND_COUNT:
		snprintf(buf, size, "%u", pick(g, 100000));
		break;
	case RL_KIND_NICE:
		snprintf(buf, size, "%d", (int)pick(g, 40) - 20);
		break;
	case RL_KIND_RTPRIO:
		snprintf(buf, size, "%u", pick(g, 100));
		break;
	case RL_KIND_LOGINS:
		snprintf(buf, size, "%u", pick(g, 20));
		break;
	case RL_KIND_PRIORITY:
		snprintf(buf, size, "%d", (int)pick(g, 40) - 20);
		break;
	case RL_KIND_BOOL:
		snprintf(buf, size, "%s", pick(g, 2) ? "true" : "false");
		break;
	case RL_KIND_WEIGHT: /* totals only */
	case RL_KIND_QUOTA:
		fail_msg("gen_value: %s is a totals-only kind", rl_items[it].name);
	}
}

/* Would the loader call soft above hard?  (Then the generator swaps them.) */
static bool text_above(int it, const char *a, const char *b)
{
	struct rl_value x, y;
	assert_int_equal(rl_value_parse(it, a, strlen(a), &x), RL_VERR_OK);
	assert_int_equal(rl_value_parse(it, b, strlen(b), &y), RL_VERR_OK);
	if (x.type == RL_V_INF)
		return y.type != RL_V_INF;
	if (y.type == RL_V_INF)
		return false;
	return x.type == y.type && x.n > y.n;
}

struct buf {
	char *p;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void out(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		assert_true(k >= 0);
		if ((size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		b->cap = b->cap * 2 + (size_t)k;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
}

static void gen_body(struct gen *g, struct buf *b)
{
	bool used[RL_NITEMS] = {false};
	unsigned n = 1 + pick(g, 4), written = 0;
	out(b, "{");
	for (unsigned k = 0; k < n; k++) {
		int it = (int)pick(g, RL_NITEMS);
		if (used[it])
			continue;
		used[it] = true;
		char v1[32], v2[32];
		gen_value(g, it, v1, sizeof(v1));
		out(b, "%s%s: ", written++ ? ", " : "", rl_items[it].name);
		switch (rl_item_is_rlimit(it) ? pick(g, 4) : 3) { /* one value, no halves */
		case 0:
			out(b, "{soft: %s}", v1);
			break;
		case 1:
			out(b, "{hard: %s}", v1);
			break;
		case 2:
			gen_value(g, it, v2, sizeof(v2));
			if (text_above(it, v1, v2))
				out(b, "{soft: %s, hard: %s}", v2, v1);
			else
				out(b, "{hard: %s, soft: %s}", v2, v1);
			break;
		default:
			out(b, "%s", v1);
		}
	}
	out(b, "}");
}

/* /proc/1/limits as the kernel writes it, with a line it does not know. */
static const char proc1_text[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max processes             31337                31338                processes \n"
    "Max open files            1024                 524288               files     \n"
    "Max locked memory         8388608              8388608              bytes     \n"
    "Max frobs                 1                    2                              \n"
    "Max realtime timeout      unlimited            unlimited            us        \n";

static void test_proc_limits_parse(void **state)
{
	(void)state;
	struct rlimit lim[RLIM_NLIMITS];
	bool known[RLIM_NLIMITS];
	assert_int_equal(rl_proc_limits_parse(proc1_text, lim, known), 5);
	assert_true(known[RLIMIT_NPROC] && known[RLIMIT_NOFILE] && known[RLIMIT_CPU]);
	assert_false(known[RLIMIT_AS] || known[RLIMIT_STACK]);
	assert_int_equal(lim[RLIMIT_NPROC].rlim_cur, 31337);
	assert_int_equal(lim[RLIMIT_NPROC].rlim_max, 31338);
	assert_true(lim[RLIMIT_CPU].rlim_cur == RLIM_INFINITY);
	assert_true(lim[RLIMIT_RTTIME].rlim_max == RLIM_INFINITY);
	/* Junk, a cut line, an empty text: nothing read, nothing crashes. */
	assert_int_equal(rl_proc_limits_parse("", lim, known), 0);
	assert_int_equal(rl_proc_limits_parse("Max open files   12", lim, known), 0);
	assert_int_equal(rl_proc_limits_parse("Max open files  x y", lim, known), 0);
	assert_int_equal(rl_proc_limits_parse("Max open filesx  1 2", lim, known), 0);
	assert_int_equal(
	    rl_proc_limits_parse("Max open files  99999999999999999999999 1\n", lim, known), 0);
}

/*
 * unset: pid1 fills every rlimit half no rule sets with process 1's, for
 * root too, and clamps soft to a hard a rule set; keep (the default) and
 * the items that are not rlimits are left alone.
 */
static void test_unset_pid1(void **state)
{
	(void)state;
	struct rl_host h = {.ram_bytes = GiB, .nr_open = 1048576};
	struct rl_ident id, root;
	struct rl_result r = {0};
	rl_proc_limits_parse(proc1_text, h.pid1, h.pid1_known);
	mkid(&id, "alice", 1000, 1000, NULL, 0);
	mkid(&root, "root", 0, 0, NULL, 0);

	resolve1("version: 1\nunset: pid1\ndefault:\n  memlock: {hard: unlimited}\n"
		 "  nofile: {hard: 512}\n  maxlogins: 2\n",
		 &id, &h, &r);
	const struct rl_item_result *m = &r.item[item_index("memlock")];
	assert_true(m->soft.set && m->soft.pid1 && m->soft.rlim == 8388608);
	assert_true(m->hard.set && !m->hard.pid1 && m->hard.rlim == RLIM_INFINITY);
	const struct rl_item_result *n = &r.item[item_index("nofile")];
	assert_true(n->soft.pid1 && n->hard.rlim == 512 && n->soft.rlim == 512 && n->soft_clamped);
	const struct rl_item_result *p = &r.item[item_index("nproc")];
	assert_true(p->soft.pid1 && p->soft.rlim == 31337 && p->hard.rlim == 31338);
	assert_false(r.item[item_index("as")].soft.set); /* not in process 1's text */
	assert_false(r.item[RL_ITEM_PRIORITY].hard.set);
	assert_int_equal(r.item[RL_ITEM_MAXLOGINS].hard.rlim, 2);

	resolve1("version: 1\nunset: pid1\n", &root, &h, &r);
	assert_true(r.item[item_index("nproc")].hard.pid1);
	assert_int_equal(r.item[item_index("nproc")].hard.rlim, 31338);

	resolve1("version: 1\nunset: keep\ndefault:\n  memlock: {hard: unlimited}\n", &id, &h, &r);
	assert_false(r.item[item_index("memlock")].soft.set);
	assert_false(r.item[item_index("nproc")].soft.set);
	rl_result_free(&r);
	rl_ident_free(&id);
	rl_ident_free(&root);
}

static const char *const user_names[] = {"alice", "bob", "carol", "root", "dave"};
static const char *const group_names[] = {"research", "students", "staff", "wheel", "root"};
static const unsigned uid_pool[] = {0, 999, 1000, 1500, 2000, 2499, 2600, 3000, 65533, 65534};
static const unsigned gid_pool[] = {0, 100, 3000, 3500, 4000, 5000};
/* Disjoint, so any subset in any files is valid; 0-999 holds root. */
static const char *const uid_ranges[] = {"uid:0-999", "uid:1000-1999", "uid:2000-2499",
					 "uid:2500-2999", "uid:3000-65533"};
static const char *const gid_ranges[] = {"gid:0-99", "gid:100-3000", "gid:3000-3999",
					 "gid:3500-9999"};

#define NAMES(a) (sizeof(a) / sizeof((a)[0]))

/* One document: each rule key at most once (duplicates are errors). */
static char *gen_doc(struct gen *g)
{
	struct buf b = {malloc(256), 0, 256};
	assert_non_null(b.p);
	static const char *const how[] = {"max", "min", "last"};
	out(&b, "version: 1\n");
	if (pick(g, 3) == 0)
		out(&b, "groups_combine: %s\n", how[pick(g, 3)]);
	if (pick(g, 2)) {
		out(&b, "default: ");
		gen_body(g, &b);
		out(&b, "\n");
	}
	out(&b, "groups:\n");
	for (size_t i = 0; i < NAMES(group_names); i++)
		if (pick(g, 3) == 0) {
			out(&b, "  %s: ", group_names[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	for (size_t i = 0; i < NAMES(gid_pool); i++)
		if (pick(g, 4) == 0) {
			out(&b, "  \"gid:%u\": ", gid_pool[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	for (size_t i = 0; i < NAMES(gid_ranges); i++)
		if (pick(g, 4) == 0) {
			out(&b, "  \"%s\": ", gid_ranges[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	out(&b, "  never: {core: 0}\nusers:\n");
	for (size_t i = 0; i < NAMES(user_names); i++)
		if (pick(g, 3) == 0) {
			out(&b, "  %s: ", user_names[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	for (size_t i = 0; i < NAMES(uid_pool); i++)
		if (pick(g, 4) == 0) {
			out(&b, "  \"uid:%u\": ", uid_pool[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	for (size_t i = 0; i < NAMES(uid_ranges); i++)
		if (pick(g, 4) == 0) {
			out(&b, "  \"%s\": ", uid_ranges[i]);
			gen_body(g, &b);
			out(&b, "\n");
		}
	out(&b, "  nobody-here: {core: 0}\n");
	return b.p;
}

static void gen_ident(struct gen *g, struct rl_ident *id)
{
	const char *name = user_names[pick(g, NAMES(user_names))];
	uid_t uid = uid_pool[pick(g, NAMES(uid_pool))];
	if (pick(g, 4) == 0) {
		name = "root";
		uid = 0;
	}
	gid_t gids[4];
	size_t n = pick(g, 4);
	for (size_t i = 0; i < n; i++)
		gids[i] = gid_pool[pick(g, NAMES(gid_pool))];
	mkid(id, name, uid, gid_pool[pick(g, NAMES(gid_pool))], gids, n);
	for (size_t i = 0; i < NAMES(group_names); i++)
		if (pick(g, 3) == 0)
			assert_int_equal(rl_ident_add_group(id, group_names[i], pick(g, 2) != 0,
							    (gid_t)(7000 + i)),
					 RL_OK);
}

static void dump_case(char *const *docs, size_t ndocs, const struct rl_ident *id)
{
	fprintf(stderr, "identity %s uid %u gid %u; gids", id->name, (unsigned)id->uid,
		(unsigned)id->gid);
	for (size_t i = 0; i < id->ngids; i++)
		fprintf(stderr, " %u", (unsigned)id->gids[i]);
	fprintf(stderr, "; groups");
	for (size_t i = 0; i < id->ngnames; i++)
		fprintf(stderr, " %s", id->gnames[i]);
	fprintf(stderr, "\n");
	for (size_t i = 0; i < ndocs; i++)
		fprintf(stderr, "--- doc %zu\n%s", i, docs[i]);
}

static void test_filter_equivalence(void **state)
{
	(void)state;
	enum { POLICIES = 300, IDENTS = 8 };
	static const char *const names[] = {"a.yaml", "b.yaml", "c.yaml"};
	struct gen g = {20240601};
	struct cap *c = malloc(sizeof(*c));
	unsigned compared = 0, with_limits = 0, dropped_rules = 0, kept_rules = 0;
	assert_non_null(c);

	for (int pi = 0; pi < POLICIES; pi++) {
		char *docs[3];
		size_t ndocs = 1 + pick(&g, 3);
		for (size_t d = 0; d < ndocs; d++)
			docs[d] = gen_doc(&g);
		struct rl_policy *whole;
		if (load_docs(names, (const char *const *)docs, ndocs, NULL, &whole, c) != RL_OK) {
			cap_dump(c, "generated policy");
			dump_case(docs, ndocs, &(struct rl_ident){.name = "-"});
			fail_msg("policy %d does not load", pi);
		}
		for (int k = 0; k < IDENTS; k++) {
			struct rl_ident id;
			gen_ident(&g, &id);
			struct rl_policy *filtered;
			assert_int_equal(
			    load_docs(names, (const char *const *)docs, ndocs, &id, &filtered, c),
			    RL_OK);
			struct rl_result r0 = {0}, r1 = {0};
			assert_int_equal(rl_resolve(whole, &id, &host16, &r0), RL_OK);
			assert_int_equal(rl_resolve(filtered, &id, &host16, &r1), RL_OK);
			bool same = true;
			for (int it = 0; it < RL_NITEMS; it++) {
				if (tr_same_item(&r0.item[it], &r1.item[it]))
					continue;
				if (same)
					dump_case(docs, ndocs, &id);
				same = false;
				fprintf(stderr, "differs: %s (%s/%s vs %s/%s)\n", rl_items[it].name,
					r0.item[it].soft.origin.rule, r0.item[it].hard.origin.rule,
					r1.item[it].soft.origin.rule, r1.item[it].hard.origin.rule);
			}
			if (!same)
				fail_msg("policy %d identity %d: filtered result differs", pi, k);
			/* Every kept rule matches; every matching rule was kept. */
			size_t matching = 0;
			for (size_t i = 0; i < whole->nrules; i++) {
				bool m;
				assert_int_equal(rl_rule_matches(whole->rules[i], &id, &m), RL_OK);
				matching += m;
			}
			for (size_t i = 0; i < filtered->nrules; i++) {
				bool m;
				assert_int_equal(rl_rule_matches(filtered->rules[i], &id, &m),
						 RL_OK);
				if (!m) {
					dump_case(docs, ndocs, &id);
					fail_msg("filtered policy kept %s",
						 filtered->rules[i]->label);
				}
			}
			assert_int_equal(rl_policy_rule_count(filtered), matching);
			assert_int_equal(rl_policy_file_count(filtered), ndocs);
			assert_int_equal(rl_policy_combine(filtered), rl_policy_combine(whole));
			kept_rules += (unsigned)matching;
			dropped_rules += (unsigned)(whole->nrules - matching);
			with_limits += rl_result_any(&r0);
			compared++;
			rl_result_free(&r0);
			rl_result_free(&r1);
			rl_policy_free(filtered);
			rl_ident_free(&id);
		}
		rl_policy_free(whole);
		for (size_t d = 0; d < ndocs; d++)
			free(docs[d]);
	}
	free(c);
	print_message("%u policy/identity pairs: %u with limits; %u rules kept, %u dropped by "
		      "the filter\n",
		      compared, with_limits, kept_rules, dropped_rules);
	/* The generator must exercise both sides of the filter. */
	assert_int_equal(compared, POLICIES * IDENTS);
	assert_true(with_limits > compared / 2);
	assert_true(dropped_rules > kept_rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_precedence_chain),
	    cmocka_unit_test(test_half_fallthrough),
	    cmocka_unit_test(test_name_and_uid_per_half),
	    cmocka_unit_test(test_root),
	    cmocka_unit_test(test_combine_max),
	    cmocka_unit_test(test_combine_min),
	    cmocka_unit_test(test_combine_last),
	    cmocka_unit_test(test_combine_last_dropins),
	    cmocka_unit_test(test_gid_rules),
	    cmocka_unit_test(test_percentages),
	    cmocka_unit_test(test_unlimited),
	    cmocka_unit_test(test_clamp),
	    cmocka_unit_test(test_origins),
	    cmocka_unit_test(test_dropin_merge),
	    cmocka_unit_test(test_nothing_matches),
	    cmocka_unit_test(test_host_probe),
	    cmocka_unit_test(test_proc_limits_parse),
	    cmocka_unit_test(test_unset_pid1),
	    cmocka_unit_test(test_host_read_when_needed),
	    cmocka_unit_test(test_filter_equivalence),
	};
	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
