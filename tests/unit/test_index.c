/*
 * test_index.c - the compiled policy: policy/index.c, policy/index_write.c
 * and the index half of policy/load.c (load_index, index_state).
 *
 * - Format: an index of a policy holding every rule kind, cut at every
 *   length and with every byte changed (xor 0x01 and 0xFF), read by
 *   rl_index_load_mem for several users: RL_OK or RL_EINVALID and nothing
 *   else (the ASan build runs this binary too).  A cut, or a damaged header
 *   or table, is always RL_EINVALID (they are hashed); a damaged rule
 *   record is refused when a load reads it (each record is hashed) and
 *   changes nothing when it does not.  Then every byte changed with the
 *   hashes made right again (an index crafted on purpose): whatever reads
 *   back keeps only rules that apply to the user.
 * - Files: a policy in a scratch folder, compiled with rl_index_write, then
 *   each state rl_index_state reports (fresh, stale after an edit, a new or
 *   removed drop-in or another spelling of the main file, refused for its
 *   mode, type or owner, damaged or unreadable, missing, unread), and what
 *   rl_policy_load does in each: the index or the YAML, and the exact
 *   warning (or none).
 * - Proof that a fresh index is what a load uses: an index that lies about
 *   the bytes it was made from gives its own limits, not the file's.
 * - rl_index_write: each failure reported, RL_EIO, no temporary file left;
 *   success is mode 0644 and a rename (the old file is never written to).
 *
 * Identities are made with rl_ident_make: no NSS.  Files are trusted the
 * way test_load trusts its own (trusted_uid = getuid()).
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/testresult.h"
#include "policy_int.h" /* struct rl_policy, rl_rule_matches, rl_hash64 */

/* The layout documented at the top of policy/index.c. */
#define HEADER_SIZE 72
#define HASH_AT 64 /* the header's hash of itself and the tables */
#define HASH_LEN 8
#define NFILES_AT 16
#define NRULES_AT 20
#define BLOBS_LEN_AT 56 /* the size of the rule area */
#define FILE_ENT 24
#define RULE_ENT 16 /* u32 offset, u32 length, u64 hash of the record */

#define WHY_REFUSED "not a regular file owned by root and closed to other writers"
#define WHY_STALE "the policy files changed since it was written; run rlimit-policy compile"
#define WHY_DAMAGED "unreadable, damaged or written by another version; run rlimit-policy compile"

static const struct rl_host host16 = {16ULL << 30, 524288};

/*
 * Every rule kind, every kind of value, a groups_combine that is not the
 * default, rules merged across files.
 */
static const char main_doc[] = "version: 1\n"
			       "groups_combine: min\n"
			       "default:\n"
			       "  core: 0\n"
			       "  nofile: {soft: 1024, hard: 4096}\n"
			       "users:\n"
			       "  alice:\n"
			       "    as: 8G\n"
			       "    fsize: {soft: 1G}\n"
			       "  \"uid:1001\":\n"
			       "    locks: 100\n"
			       "  \"uid:2000-2999\":\n"
			       "    cpu: 90min\n"
			       "  root:\n"
			       "    nofile: 8192\n"
			       "groups:\n"
			       "  research:\n"
			       "    data: 50%\n"
			       "    stack: {hard: 64M}\n"
			       "  students:\n"
			       "    msgqueue: unlimited\n"
			       "  \"gid:2002\":\n"
			       "    nproc: 200\n"
			       "  \"gid:3000-3999\":\n"
			       "    memlock: 4M\n";
static const char dropin_a[] = "version: 1\n"
			       "users:\n"
			       "  alice:\n"
			       "    nice: -5\n"
			       "    rtprio: 10\n"
			       "  \"uid:2000-2999\":\n"
			       "    rttime: 5s\n"
			       "groups:\n"
			       "  research:\n"
			       "    sigpending: 300\n";
static const char dropin_b[] = "version: 1\n"
			       "default:\n"
			       "  as: 1G\n";

/* ------------------------------------------------------------ helpers */

static struct cap cap; /* one test at a time */

enum { ID_ALICE, ID_CAROL, ID_DAVE, ID_ROOT, ID_ERIN, NIDS };

/* Users that between them reach every rule kind and both sides of root. */
static void make_ids(struct rl_ident ids[NIDS])
{
	static const gid_t alice_g[] = {2001, 2002}, carol_g[] = {2001};
	assert_int_equal(rl_ident_make("alice", 1001, 1001, alice_g, 2, &ids[ID_ALICE]), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[ID_ALICE], "alice", true, 1001), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[ID_ALICE], "research", true, 2001), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[ID_ALICE], "students", true, 2002), RL_OK);
	assert_int_equal(rl_ident_make("carol", 2500, 2500, carol_g, 1, &ids[ID_CAROL]), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[ID_CAROL], "research", true, 2001), RL_OK);
	assert_int_equal(rl_ident_make("dave", 1004, 3500, NULL, 0, &ids[ID_DAVE]), RL_OK);
	assert_int_equal(rl_ident_add_group(&ids[ID_DAVE], "lab", true, 3500), RL_OK);
	assert_int_equal(rl_ident_make("root", 0, 0, NULL, 0, &ids[ID_ROOT]), RL_OK);
	assert_int_equal(rl_ident_make("erin", 1005, 1005, NULL, 0, &ids[ID_ERIN]), RL_OK);
}

static void free_ids(struct rl_ident ids[NIDS])
{
	for (int i = 0; i < NIDS; i++)
		rl_ident_free(&ids[i]);
}

static void expect_same_result(const struct rl_result *a, const struct rl_result *b,
			       const char *what)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		const struct rl_item_result *x = &a->item[it], *y = &b->item[it];
		if (!tr_same_item(x, y))
			fail_msg("%s: %s differs (%s %s:%u vs %s %s:%u)", what, rl_items[it].name,
				 x->soft.origin.rule, x->soft.origin.file, x->soft.origin.line,
				 y->soft.origin.rule, y->soft.origin.file, y->soft.origin.line);
	}
}

/* ------------------------------------------------- format robustness */

static const char *const doc_names[] = {"rlimit.yaml", "rlimit.d/10-a.yaml", "rlimit.d/20-b.yaml"};
static const char *const docs[] = {main_doc, dropin_a, dropin_b};

/* The whole policy of docs, checked to hold every rule kind. */
static struct rl_policy *whole_policy(void)
{
	struct rl_policy *p;
	if (load_docs(doc_names, docs, 3, NULL, &p, &cap) != RL_OK) {
		cap_dump(&cap, "load");
		fail_msg("the test policy does not load");
	}
	bool kinds[RL_RULE_GID_RANGE + 1] = {false};
	for (size_t i = 0; i < p->nrules; i++)
		kinds[p->rules[i]->kind] = true;
	for (int k = 0; k <= RL_RULE_GID_RANGE; k++)
		if (!kinds[k])
			fail_msg("the test policy has no rule of kind %d", k);
	return p;
}

struct tally {
	unsigned ok, invalid, fewer; /* fewer: RL_OK with a rule dropped */
};

/* What a load of the intact index gives each user: rule count and result. */
struct want {
	size_t rules[NIDS];
	struct rl_result res[NIDS];
};

enum damage {
	D_FAIL,    /* must not read back */
	D_SAME,    /* may read back, and then exactly as the intact index */
	D_CRAFTED, /* hashes made right again: may read back, every kept rule applies */
};

/*
 * Reads n bytes of b (copied to a buffer of exactly n bytes, so ASan sees
 * any read past it) for every user: RL_OK or RL_EINVALID and nothing else,
 * and what d says on RL_OK.
 */
static void try_bytes(const unsigned char *b, size_t n, struct rl_ident *ids, const struct want *w,
		      enum damage d, struct tally *t, const char *what, size_t off)
{
	unsigned char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	if (n)
		memcpy(copy, b, n);
	for (int k = 0; k < NIDS; k++) {
		struct rl_policy *p = (struct rl_policy *)copy; /* must be set */
		enum rl_status st = rl_index_load_mem(copy, n, &ids[k], &p);
		if (st == RL_EINVALID) {
			if (p)
				fail_msg("%s at %zu: RL_EINVALID with a policy", what, off);
			t->invalid++;
			continue;
		}
		if (st != RL_OK)
			fail_msg("%s at %zu, user %s: status %d (%s)", what, off, ids[k].name, st,
				 rl_status_str(st));
		if (d == D_FAIL)
			fail_msg("%s at %zu, user %s: read back as RL_OK", what, off, ids[k].name);
		assert_non_null(p);
		for (size_t i = 0; i < p->nrules; i++) {
			bool m;
			assert_int_equal(rl_rule_matches(p->rules[i], &ids[k], &m), RL_OK);
			if (!m)
				fail_msg("%s at %zu: %s kept %s, which does not apply to them",
					 what, off, ids[k].name, p->rules[i]->label);
		}
		struct rl_result r;
		assert_int_equal(rl_resolve(p, &ids[k], &host16, &r), RL_OK);
		if (d == D_SAME) {
			char ctx[128];
			snprintf(ctx, sizeof(ctx), "%s at %zu, user %s", what, off, ids[k].name);
			assert_int_equal(p->nrules, w->rules[k]);
			assert_int_equal(rl_policy_file_count(p), 3);
			assert_int_equal(rl_policy_combine(p), RL_COMBINE_MIN);
			for (size_t i = 0; i < 3; i++)
				assert_string_equal(p->files[i], doc_names[i]);
			expect_same_result(&w->res[k], &r, ctx);
		}
		t->fewer += p->nrules < w->rules[k];
		rl_policy_free(p);
		t->ok++;
	}
	free(copy);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Where the rule table and the rule area of an index are. */
struct layout {
	size_t rules_at, nrules, blobs_off;
};

static struct layout layout_of(const unsigned char *ix, size_t len)
{
	struct layout l;
	l.nrules = get32(ix + NRULES_AT);
	l.rules_at = HEADER_SIZE + (size_t)get32(ix + NFILES_AT) * FILE_ENT;
	l.blobs_off = len - get32(ix + BLOBS_LEN_AT);
	return l;
}

/* The header's hash made right for the header and tables as they are now. */
static void rehash_tables(unsigned char *b, const struct layout *l)
{
	memset(b + HASH_AT, 0, HASH_LEN);
	put64(b + HASH_AT, rl_hash64(b, l->blobs_off));
}

/* The hash of the rule record holding offset off made right, then the tables'. */
static void rehash_rule(unsigned char *b, const struct layout *l, size_t off)
{
	for (size_t i = 0; i < l->nrules; i++) {
		unsigned char *e = b + l->rules_at + i * RULE_ENT;
		size_t at = l->blobs_off + get32(e), n = get32(e + 4);
		if (off >= at && off < at + n)
			put64(e + 8, rl_hash64(b + at, n));
	}
	rehash_tables(b, l);
}

static void test_format_robustness(void **state)
{
	(void)state;
	struct rl_ident ids[NIDS];
	make_ids(ids);
	struct rl_policy *whole = whole_policy();
	unsigned char *ix;
	size_t len;
	assert_int_equal(rl_index_build(whole, &ix, &len), RL_OK);
	assert_true(len > HEADER_SIZE);
	const struct layout lay = layout_of(ix, len);
	assert_int_equal(lay.nrules, whole->nrules);
	assert_true(lay.blobs_off > lay.rules_at + lay.nrules * RULE_ENT && lay.blobs_off < len);
	/* The layout is read right: the first record's hash is where it is said to be. */
	assert_true(get32(ix + lay.rules_at) == 0);
	assert_true(rl_hash64(ix + lay.blobs_off, get32(ix + lay.rules_at + 4)) ==
		    ((uint64_t)get32(ix + lay.rules_at + 12) << 32 | get32(ix + lay.rules_at + 8)));

	/* The intact index: the whole policy's result for every user. */
	struct want w;
	for (int k = 0; k < NIDS; k++) {
		struct rl_policy *p;
		struct rl_result r;
		assert_int_equal(rl_index_load_mem(ix, len, &ids[k], &p), RL_OK);
		w.rules[k] = p->nrules;
		assert_int_equal(rl_resolve(p, &ids[k], &host16, &w.res[k]), RL_OK);
		assert_int_equal(rl_resolve(whole, &ids[k], &host16, &r), RL_OK);
		expect_same_result(&r, &w.res[k], ids[k].name);
		rl_policy_free(p);
	}
	assert_true(w.rules[ID_ALICE] >= 6 && w.rules[ID_CAROL] >= 3 && w.rules[ID_DAVE] >= 2);

	struct tally cut = {0}, flip = {0}, rule_flip = {0}, crafted = {0}, crafted_rule = {0};
	unsigned char *b = malloc(len + 1);
	assert_non_null(b);

	/* Every cut, and one byte too many: never an index. */
	for (size_t n = 0; n < len; n++)
		try_bytes(ix, n, ids, &w, D_FAIL, &cut, "cut", n);
	memcpy(b, ix, len);
	b[len] = 0;
	try_bytes(b, len + 1, ids, &w, D_FAIL, &cut, "one byte appended", len);

	/*
	 * Every byte, two ways.  The header and tables are hashed: refused.  A
	 * rule record is hashed too and checked when read: a damaged record
	 * that a user's load reads is refused, one it does not read changes
	 * nothing.
	 */
	static const unsigned char xors[] = {0x01, 0xFF};
	for (size_t off = 0; off < len; off++) {
		for (size_t x = 0; x < sizeof(xors); x++) {
			memcpy(b, ix, len);
			b[off] ^= xors[x];
			if (off < lay.blobs_off)
				try_bytes(b, len, ids, &w, D_FAIL, &flip, "table byte changed",
					  off);
			else
				try_bytes(b, len, ids, &w, D_SAME, &rule_flip, "rule byte changed",
					  off);
		}
	}

	/*
	 * The same damage with every hash made right again: what an index
	 * crafted on purpose looks like.  Only the structural checks and
	 * rl_rule_matches stand between it and the session.
	 */
	static const unsigned char rxors[] = {0x01, 0x80, 0xFF};
	for (size_t off = 0; off < len; off++) {
		if (off >= HASH_AT && off < HASH_AT + HASH_LEN)
			continue;
		for (size_t x = 0; x < sizeof(rxors); x++) {
			memcpy(b, ix, len);
			b[off] ^= rxors[x];
			if (off < lay.blobs_off) {
				rehash_tables(b, &lay);
				try_bytes(b, len, ids, &w, D_CRAFTED, &crafted,
					  "table byte changed, rehashed", off);
			} else {
				rehash_rule(b, &lay, off);
				try_bytes(b, len, ids, &w, D_CRAFTED, &crafted_rule,
					  "rule byte changed, rehashed", off);
			}
		}
	}
	free(b);

	/* A cut or a changed table byte never reads back: try_bytes fails the test if one does. */
	print_message("index of %zu bytes (%zu of header and tables), %zu rules, %d users;\n"
		      "  loads refused: cuts %u; table bytes %u;\n"
		      "  loads that read back / were refused: rule bytes %u/%u; crafted tables "
		      "%u/%u;\n"
		      "  crafted rules %u/%u (%u with a rule dropped as not applying)\n",
		      len, lay.blobs_off, whole->nrules, NIDS, cut.invalid, flip.invalid,
		      rule_flip.ok, rule_flip.invalid, crafted.ok, crafted.invalid, crafted_rule.ok,
		      crafted_rule.invalid, crafted_rule.fewer);
	/* Each outcome the checks allow does happen, or they prove little. */
	assert_true(rule_flip.ok > 0 && rule_flip.invalid > 0);
	assert_true(crafted.ok > 0 && crafted.invalid > 0);
	assert_true(crafted_rule.ok > 0 && crafted_rule.invalid > 0 && crafted_rule.fewer > 0);

	struct rl_policy *p = (struct rl_policy *)ix;
	assert_int_equal(rl_index_load_mem(NULL, len, &ids[0], &p), RL_EUSAGE);
	assert_null(p);
	free(ix);
	rl_policy_free(whole);
	free_ids(ids);
}

/*
 * A policy loaded with a filter, or with errors, is not compiled; one with
 * no file at all (no default policy installed) compiles to an index of
 * nothing, which reads back as nothing.
 */
static void test_build_edges(void **state)
{
	(void)state;
	struct rl_ident id;
	struct rl_policy *p;
	unsigned char *ix = (unsigned char *)&id;
	size_t len = 1;
	assert_int_equal(rl_ident_make("alice", 1001, 1001, NULL, 0, &id), RL_OK);
	assert_int_equal(load_docs(doc_names, docs, 3, &id, &p, &cap), RL_OK);
	assert_int_equal(rl_index_build(p, &ix, &len), RL_EUSAGE);
	assert_null(ix);
	assert_int_equal(len, 0);
	rl_policy_free(p);

	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_add_buffer(p, "bad.yaml", "version: 1\nfoo: 1\n", 18, &sink),
			 RL_EINVALID);
	assert_int_equal(rl_index_build(p, &ix, &len), RL_EUSAGE);
	rl_policy_free(p);
	assert_int_equal(rl_index_build(NULL, &ix, &len), RL_EUSAGE);

	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_finish(p, &sink), RL_OK);
	assert_int_equal(rl_index_build(p, &ix, &len), RL_OK);
	assert_int_equal(len, HEADER_SIZE);
	rl_policy_free(p);
	assert_int_equal(rl_index_load_mem(ix, len, &id, &p), RL_OK);
	assert_int_equal(rl_policy_rule_count(p), 0);
	assert_int_equal(rl_policy_file_count(p), 0);
	rl_policy_free(p);
	free(ix);
	rl_ident_free(&id);
}

/* ---------------------------------------------------------- the files */

struct fx {
	char *dir, *conf, *confdir, *index;
	struct rl_ident id; /* alice */
};

static struct rl_load_opts fx_opts(const struct fx *f, const char *index)
{
	struct rl_load_opts o = {.conf = f->conf,
				 .confdir = f->confdir,
				 .trusted_uid = getuid(),
				 .filter = (struct rl_ident *)&f->id,
				 .index = index};
	return o;
}

/* Compiles conf and confdir into index, as "rlimit-policy compile" does. */
static void compile_to(const char *conf, const char *confdir, const char *index)
{
	struct rl_policy *p;
	if (load_files(conf, confdir, &p, &cap) != RL_OK) {
		cap_dump(&cap, "compile");
		fail_msg("the policy does not load");
	}
	cap_expect_none(&cap);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, index, &sink), RL_OK);
	cap_expect_none(&cap);
	rl_policy_free(p);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tmp_dir();
	f->conf = put_file(f->dir, "rlimit.yaml", main_doc);
	f->confdir = make_dir(f->dir, "rlimit.d", 0755);
	free(put_file(f->confdir, "10-a.yaml", dropin_a));
	free(put_file(f->confdir, "20-b.yaml", dropin_b));
	f->index = path_join(f->dir, "rlimit.yaml.idx");
	static const gid_t g[] = {2001, 2002};
	assert_int_equal(rl_ident_make("alice", 1001, 1001, g, 2, &f->id), RL_OK);
	assert_int_equal(rl_ident_add_group(&f->id, "research", true, 2001), RL_OK);
	assert_int_equal(rl_ident_add_group(&f->id, "students", true, 2002), RL_OK);
	compile_to(f->conf, f->confdir, f->index);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	rm_rf(f->dir);
	free(f->dir);
	free(f->conf);
	free(f->confdir);
	free(f->index);
	rl_ident_free(&f->id);
	free(f);
	return 0;
}

/*
 * A login's load for alice with o and its result.  *from_index: the rules
 * came out of the index.  A load from the YAML keeps every uid range it
 * read (for the overlap check), one from the index none: the fixture's
 * policy has one, so that tells them apart (yaml_result checks that it
 * still does).
 */
static enum rl_status login(const struct fx *f, const struct rl_load_opts *o, struct rl_result *r,
			    bool *from_index)
{
	struct rl_sink sink = cap_sink(&cap);
	struct rl_policy *p = (struct rl_policy *)&sink; /* must be set */
	enum rl_status st = rl_policy_load(o, &p, &sink);
	if (st != RL_OK) {
		assert_null(p);
		return st;
	}
	*from_index = p->nranges == 0;
	assert_int_equal(rl_resolve(p, (struct rl_ident *)&f->id, &host16, r), RL_OK);
	rl_policy_free(p);
	return RL_OK;
}

/*
 * The result of the YAML alone (no index), which must read silently.  No
 * index is named, so this load is from the YAML for certain: its policy
 * must hold a uid range, or login's tell (from_index) would call a YAML
 * load an index load, and a check that wants the index would pass on one.
 */
static void yaml_result(const struct fx *f, struct rl_result *r)
{
	struct rl_load_opts o = fx_opts(f, NULL);
	bool from_index = true;
	assert_int_equal(login(f, &o, r, &from_index), RL_OK);
	cap_expect_none(&cap);
	if (from_index)
		fail_msg("%s: a policy without a uid range: login cannot tell the YAML from "
			 "the index",
			 f->conf);
}

/* The warning a login logs for f's index not used for why. */
static const char *not_used(const char *index, const char *why)
{
	static char buf[PATH_MAX + 256];
	snprintf(buf, sizeof(buf), "%s: compiled policy not used: %s; reading the YAML", index,
		 why);
	return buf;
}

/*
 * A login with o (f's files, an index or none), checked whole:
 * rl_index_state says state; the load logs, exactly and only, the warning
 * that the index is not used for why, or nothing when why is NULL; its
 * rules come out of the index or the YAML as want_index says; and its
 * result is the YAML's.  The result goes to *got when got is not NULL.
 */
static void expect_login(const struct fx *f, const struct rl_load_opts *o,
			 enum rl_index_state state, const char *why, bool want_index,
			 struct rl_result *got)
{
	struct rl_result want, r;
	bool from_index = !want_index;
	char what[64];
	assert_int_equal(rl_index_state(o), state);
	yaml_result(f, &want);
	assert_int_equal(login(f, o, &r, &from_index), RL_OK);
	if (why)
		CAP_EXPECT_SEV(&cap, RL_SEV_WARNING, not_used(o->index, why));
	else
		cap_expect_none(&cap);
	if (from_index != want_index)
		fail_msg("index state %d: the rules came from %s", state,
			 from_index ? "the index" : "the YAML");
	snprintf(what, sizeof(what), "index state %d, %s", state,
		 want_index ? "the index read" : "the YAML read");
	expect_same_result(&want, &r, what);
	if (got)
		*got = r;
}

/* The index is not used for why: rl_index_state says state, a login warns and reads the YAML. */
static void expect_not_used(const struct fx *f, enum rl_index_state state, const char *why)
{
	struct rl_load_opts o = fx_opts(f, f->index);
	expect_login(f, &o, state, why, false, NULL);
}

/* Whether item's soft half is set, and its value in *v. */
static bool item_soft_num(const struct rl_result *r, const char *item, rlim_t *v)
{
	const struct rl_half *h = &r->item[item_index(item)].soft;
	*v = h->rlim;
	return h->set;
}

static void test_fresh_is_used(void **state)
{
	struct fx *f = *state;
	struct rl_load_opts o = fx_opts(f, f->index);
	struct rl_result got;
	expect_login(f, &o, RL_INDEX_FRESH, NULL, true, &got);
	/* Rules of the main file and a drop-in reach alice: the comparison is not of nothing. */
	rlim_t v;
	assert_true(item_soft_num(&got, "as", &v) && v == 8ULL << 30);
	assert_true(item_soft_num(&got, "sigpending", &v) && v == 300);
	assert_true(item_soft_num(&got, "nproc", &v) && v == 200);
	char *a = path_join(f->confdir, "10-a.yaml");
	assert_string_equal(got.item[item_index("sigpending")].soft.origin.file, a);
	free(a);
	/* Without a filter (rlimit-policy check, compile) the index is not looked at. */
	struct rl_policy *p;
	struct rl_sink sink = cap_sink(&cap);
	o.filter = NULL;
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_OK);
	assert_non_null(p->srcs); /* a whole policy from the YAML */
	rl_policy_free(p);
	cap_expect_none(&cap);
}

/* One byte of a drop-in changed (same size): only the hash can tell. */
static void test_stale_byte_changed(void **state)
{
	struct fx *f = *state;
	char *a = path_join(f->confdir, "10-a.yaml");
	size_t len;
	char *text = read_text(a, &len);
	char *at = strstr(text, "sigpending: 300");
	assert_non_null(at);
	at[strlen("sigpending: 30")] = '1';
	free(write_file(f->confdir, "10-a.yaml", text, len, 0644));
	expect_not_used(f, RL_INDEX_STALE, WHY_STALE);
	struct rl_load_opts o = fx_opts(f, f->index);
	struct rl_result got;
	bool from_index;
	assert_int_equal(login(f, &o, &got, &from_index), RL_OK);
	rlim_t v;
	assert_true(item_soft_num(&got, "sigpending", &v) && v == 301);
	/* Without a filter there is no login, and no warning. */
	o.filter = NULL;
	struct rl_policy *p;
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_OK);
	cap_expect_none(&cap);
	rl_policy_free(p);
	/* Compiled again: fresh, and it gives the new value. */
	compile_to(f->conf, f->confdir, f->index);
	o = fx_opts(f, f->index);
	expect_login(f, &o, RL_INDEX_FRESH, NULL, true, &got);
	assert_true(item_soft_num(&got, "sigpending", &v) && v == 301);
	free(text);
	free(a);
}

static void test_stale_dropin_added(void **state)
{
	struct fx *f = *state;
	free(put_file(f->confdir, "30-c.yaml", "version: 1\nusers:\n  alice: {locks: 7}\n"));
	expect_not_used(f, RL_INDEX_STALE, WHY_STALE);
	struct rl_load_opts o = fx_opts(f, f->index);
	struct rl_result got;
	bool from_index;
	rlim_t v;
	assert_int_equal(login(f, &o, &got, &from_index), RL_OK);
	assert_true(item_soft_num(&got, "locks", &v) && v == 7);
	/* A name the loader does not read changes nothing. */
	char *c = path_join(f->confdir, "30-c.yaml");
	char *c2 = path_join(f->confdir, "30-c.yml");
	assert_int_equal(rename(c, c2), 0);
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	free(c);
	free(c2);
}

/*
 * The last drop-in removed (the files left are the first ones the index
 * names: a prefix is not the list), then another.
 */
static void test_stale_dropin_removed(void **state)
{
	struct fx *f = *state;
	char *b = path_join(f->confdir, "20-b.yaml");
	assert_int_equal(unlink(b), 0);
	expect_not_used(f, RL_INDEX_STALE, WHY_STALE);
	free(b);
	char *a = path_join(f->confdir, "10-a.yaml");
	assert_int_equal(unlink(a), 0);
	expect_not_used(f, RL_INDEX_STALE, WHY_STALE);
	struct rl_load_opts o = fx_opts(f, f->index);
	struct rl_result got;
	bool from_index;
	rlim_t v;
	assert_int_equal(login(f, &o, &got, &from_index), RL_OK);
	assert_false(item_soft_num(&got, "nice", &v)); /* it came from 10-a.yaml */
	/* The folder gone altogether (named, so required): the YAML load says so. */
	rm_rf(f->confdir);
	assert_int_equal(rl_index_state(&o), RL_INDEX_UNREAD);
	struct rl_policy *p;
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_load(&o, &p, &sink), RL_EIO);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s: no such directory", f->confdir);
	CAP_EXPECT(&cap, want);
	free(a);
}

/* "./rlimit.yaml" is another file list than "rlimit.yaml": paths are compared as shown. */
static void test_stale_main_spelling(void **state)
{
	struct fx *f = *state;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(f->dir), 0);
	compile_to("rlimit.yaml", "rlimit.d", "rlimit.yaml.idx");
	struct fx rel = *f;
	rel.conf = "rlimit.yaml";
	rel.confdir = "rlimit.d";
	rel.index = "rlimit.yaml.idx";
	struct rl_load_opts o = fx_opts(&rel, rel.index);
	struct rl_result got;
	bool from_index;
	expect_login(&rel, &o, RL_INDEX_FRESH, NULL, true, NULL);

	rel.conf = "./rlimit.yaml";
	rel.index = "./rlimit.yaml.idx"; /* the same file */
	expect_not_used(&rel, RL_INDEX_STALE, WHY_STALE);
	o = fx_opts(&rel, rel.index);
	assert_int_equal(login(&rel, &o, &got, &from_index), RL_OK);
	assert_string_equal(got.item[item_index("as")].soft.origin.file, "./rlimit.yaml");
	/* The drop-in folder's spelling counts the same way. */
	rel.conf = "rlimit.yaml";
	rel.confdir = "./rlimit.d";
	rel.index = "rlimit.yaml.idx";
	expect_not_used(&rel, RL_INDEX_STALE, WHY_STALE);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
}

static void test_refused_mode_and_owner(void **state)
{
	struct fx *f = *state;
	assert_int_equal(chmod(f->index, 0664), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(chmod(f->index, 0646), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(chmod(f->index, 0644), 0);
	struct rl_load_opts o = fx_opts(f, f->index);
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	if (getuid() != 0) {
		print_message("[   NOTE   ] not root: the owner check is not tried\n");
		return;
	}
	/* Owned by someone else than root and the trusted uid (root here). */
	assert_int_equal(chown(f->index, 65534, 65534), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "test_index: a load hung on the index path\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

/*
 * test_refused_types's alarm disarmed here, not at the test's end: a failed
 * assertion jumps past that, and the alarm would kill a later test.
 */
static int fx_teardown_alarm(void **state)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	alarm(0);
	sigaction(SIGALRM, &dfl, NULL);
	return fx_teardown(state);
}

/*
 * What stands at the index path is not a regular file.  A FIFO is never
 * opened for reading (no writer would ever come): an alarm turns a hang
 * into a failure (fx_teardown_alarm disarms it).  A symbolic link is
 * followed, as for policy files: to a trusted fresh index it is used; one
 * that cannot be opened (a loop) is "unreadable"; a dangling one is no
 * index.
 */
static void test_refused_types(void **state)
{
	struct fx *f = *state;
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(20);
	char *real = path_join(f->dir, "real.idx");
	assert_int_equal(rename(f->index, real), 0);

	assert_int_equal(mkfifo(f->index, 0644), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(unlink(f->index), 0);

	assert_int_equal(mkdir(f->index, 0755), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(rmdir(f->index), 0);

	char *fifo = path_join(f->dir, "fifo");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(symlink(fifo, f->index), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(unlink(f->index), 0);

	assert_int_equal(symlink("/dev/null", f->index), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(unlink(f->index), 0);

	/* A link to a group-writable index: the target is what is checked. */
	assert_int_equal(chmod(real, 0664), 0);
	assert_int_equal(symlink(real, f->index), 0);
	expect_not_used(f, RL_INDEX_REFUSED, WHY_REFUSED);
	assert_int_equal(chmod(real, 0644), 0);
	struct rl_load_opts o = fx_opts(f, f->index);
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	assert_int_equal(unlink(f->index), 0);

	/* A link to itself cannot be opened (ELOOP): unreadable. */
	assert_int_equal(symlink(f->index, f->index), 0);
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	assert_int_equal(unlink(f->index), 0);

	/* A dangling link reads as no index at all. */
	char *gone = path_join(f->dir, "gone.idx");
	assert_int_equal(symlink(gone, f->index), 0);
	assert_int_equal(rl_index_state(&o), RL_INDEX_NONE);
	free(gone);
	free(fifo);
	free(real);
}

static void test_damaged(void **state)
{
	struct fx *f = *state;
	size_t len;
	unsigned char *ix = (unsigned char *)read_text(f->index, &len);
	assert_non_null(ix);
	assert_true(len > HEADER_SIZE);

	unsigned char junk[4096];
	uint64_t s = 42;
	for (size_t i = 0; i < sizeof(junk); i += 8) {
		uint64_t v = splitmix64(&s);
		memcpy(junk + i, &v, 8);
	}
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)junk, sizeof(junk), 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	free(write_file(f->dir, "rlimit.yaml.idx", "", 0, 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	/* The real index with its magic, then a table byte, then its end changed. */
	ix[0] ^= 1;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	ix[0] ^= 1;
	ix[HEADER_SIZE + 3] ^= 0x40;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	ix[HEADER_SIZE + 3] ^= 0x40;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len - 1, 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	/*
	 * A rule record damaged.  Rules keep their policy order: the first is
	 * the default, which alice's login reads (refused: the YAML), the last
	 * groups.gid:3000-3999, which it does not (the index is used and
	 * gives the intact result).  rl_index_state reads every record.
	 */
	const struct layout lay = layout_of(ix, len);
	struct rl_load_opts o = fx_opts(f, f->index);
	ix[len - 1] ^= 0x01;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	expect_login(f, &o, RL_INDEX_DAMAGED, NULL, true, NULL);
	ix[len - 1] ^= 0x01;
	ix[lay.blobs_off + 20] ^= 0x01;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	expect_not_used(f, RL_INDEX_DAMAGED, WHY_DAMAGED);
	ix[lay.blobs_off + 20] ^= 0x01;

	/* Put back whole: fresh again (the damage was all there was). */
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	free(ix);
}

static void test_none_is_silent(void **state)
{
	struct fx *f = *state;
	assert_int_equal(unlink(f->index), 0);
	struct rl_load_opts o = fx_opts(f, f->index);
	expect_login(f, &o, RL_INDEX_NONE, NULL, false, NULL);
	o.index = NULL;
	assert_int_equal(rl_index_state(&o), RL_INDEX_NONE);
	assert_int_equal(rl_index_state(NULL), RL_INDEX_NONE);
}

/*
 * A policy file the loader refuses: the index is skipped without a word,
 * and the YAML load reports the file as it always does.
 */
static void test_untrusted_policy_file(void **state)
{
	struct fx *f = *state;
	assert_int_equal(chmod(f->conf, 0664), 0);
	struct rl_load_opts o = fx_opts(f, f->index);
	assert_int_equal(rl_index_state(&o), RL_INDEX_UNREAD);
	struct rl_result got;
	bool from_index;
	assert_int_equal(login(f, &o, &got, &from_index), RL_EUNTRUSTED);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		 "%s: refused: writable by its group (mode 0664); run chmod go-w on it", f->conf);
	CAP_EXPECT(&cap, want);
	/* The same for a drop-in. */
	assert_int_equal(chmod(f->conf, 0644), 0);
	char *b = path_join(f->confdir, "20-b.yaml");
	assert_int_equal(chmod(b, 0646), 0);
	assert_int_equal(rl_index_state(&o), RL_INDEX_UNREAD);
	assert_int_equal(login(f, &o, &got, &from_index), RL_EUNTRUSTED);
	snprintf(want, sizeof(want),
		 "%s: refused: writable by others (mode 0646); run chmod go-w on it", b);
	CAP_EXPECT(&cap, want);
	free(b);
}

/*
 * The index, not the YAML, is what a fresh load reads: an index of policy
 * B that claims to be made from the bytes of A (which the file holds)
 * gives B's limits; without the index, the file's A.
 */
static void test_index_is_what_is_read(void **state)
{
	struct fx *f = *state;
	static const char a[] = "version: 1\ndefault: {core: 1M, locks: 11}\n";
	static const char b[] = "version: 1\n"
				"default: {core: 2M}\n"
				"users:\n"
				"  \"uid:1000-1999\": {locks: 22}\n"
				"groups:\n"
				"  research: {nproc: 33}\n";
	char *conf = write_file(f->dir, "lie.yaml", a, strlen(a), 0644);
	char *index = path_join(f->dir, "lie.yaml.idx");
	struct rl_policy *p;
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_add_buffer(p, conf, b, strlen(b), &sink), RL_OK);
	assert_int_equal(rl_policy_finish(p, &sink), RL_OK);
	assert_int_equal(p->nfiles, 1);
	p->srcs[0].size = strlen(a);
	p->srcs[0].hash = rl_hash64(a, strlen(a));
	assert_int_equal(rl_index_write(p, index, &sink), RL_OK);
	rl_policy_free(p);
	cap_expect_none(&cap);

	struct fx lie = *f;
	lie.conf = conf;
	lie.confdir = NULL;
	struct rl_load_opts o = fx_opts(&lie, index);
	struct rl_result r;
	bool from_index = false;
	rlim_t v;
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	assert_int_equal(login(&lie, &o, &r, &from_index), RL_OK);
	cap_expect_none(&cap);
	assert_true(item_soft_num(&r, "core", &v) && v == 2 << 20);
	assert_true(item_soft_num(&r, "locks", &v) && v == 22);
	assert_true(item_soft_num(&r, "nproc", &v) && v == 33);
	assert_string_equal(r.item[item_index("locks")].soft.origin.rule, "users.uid:1000-1999");

	o.index = NULL;
	assert_int_equal(login(&lie, &o, &r, &from_index), RL_OK);
	cap_expect_none(&cap);
	assert_true(item_soft_num(&r, "core", &v) && v == 1 << 20);
	assert_true(item_soft_num(&r, "locks", &v) && v == 11);
	assert_false(item_soft_num(&r, "nproc", &v));
	free(conf);
	free(index);
}

/* -------------------------------------------------------- writing */

/* The names in dir other than those of keep, one per line into out. */
static void extra_names(const char *dir, const char *const *keep, size_t nkeep, char *out,
			size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t o = 0;
	assert_non_null(d);
	out[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		bool known = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
		for (size_t i = 0; i < nkeep && !known; i++)
			known = strcmp(de->d_name, keep[i]) == 0;
		if (!known && o < size)
			o += (size_t)snprintf(out + o, size - o, "%s\n", de->d_name);
	}
	closedir(d);
}

/* One error line that starts with head and ends with tail. */
static void expect_error_around(const struct cap *c, const char *head, const char *tail)
{
	size_t n = c->n ? strlen(c->line[0]) : 0;
	if (c->n != 1 || c->sev[0] != RL_SEV_ERROR || strncmp(c->line[0], head, strlen(head)) ||
	    n < strlen(tail) || strcmp(c->line[0] + n - strlen(tail), tail)) {
		fprintf(stderr, "--- expected one error:\n  %s...%s\n", head, tail);
		cap_dump(c, "got");
		fail_msg("the messages differ");
	}
}

static void test_write_errors(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"rlimit.yaml", "rlimit.d", "rlimit.yaml.idx", "afile",
					    "adir"};
	struct rl_policy *p;
	assert_int_equal(load_files(f->conf, f->confdir, &p, &cap), RL_OK);
	struct rl_sink sink = cap_sink(&cap);
	char path[PATH_MAX], want[2 * PATH_MAX + 128], extra[1024];

	/* No such folder. */
	snprintf(path, sizeof(path), "%s/nodir/x.idx", f->dir);
	assert_int_equal(rl_index_write(p, path, &sink), RL_EIO);
	snprintf(want, sizeof(want),
		 "%s: cannot create a file next to it: No such file or directory", path);
	CAP_EXPECT(&cap, want);

	/* A file where the folder should be. */
	free(put_file(f->dir, "afile", "x"));
	snprintf(path, sizeof(path), "%s/afile/x.idx", f->dir);
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, path, &sink), RL_EIO);
	snprintf(want, sizeof(want), "%s: cannot create a file next to it: Not a directory", path);
	CAP_EXPECT(&cap, want);

	/* A folder at the output path: made and written, the rename fails, the file goes. */
	snprintf(path, sizeof(path), "%s/adir", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, path, &sink), RL_EIO);
	snprintf(want, sizeof(want), "%s: cannot rename %s.", path, path);
	expect_error_around(&cap, want, ": Is a directory");
	extra_names(f->dir, files, sizeof(files) / sizeof(files[0]), extra, sizeof(extra));
	assert_string_equal(extra, "");

	/* The write cut short (the file size limit): the partial file goes. */
	struct rlimit old, small;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64;
	struct sigaction ign = {.sa_handler = SIG_IGN}, oldsa;
	sigaction(SIGXFSZ, &ign, &oldsa);
	snprintf(path, sizeof(path), "%s/rlimit.yaml.idx", f->dir);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	sink = cap_sink(&cap);
	enum rl_status st = rl_index_write(p, path, &sink);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	sigaction(SIGXFSZ, &oldsa, NULL);
	assert_int_equal(st, RL_EIO);
	snprintf(want, sizeof(want), "%s: cannot write %s.", path, path);
	expect_error_around(&cap, want, ": File too large");
	extra_names(f->dir, files, sizeof(files) / sizeof(files[0]), extra, sizeof(extra));
	assert_string_equal(extra, "");
	/* The old index is untouched, and still fresh. */
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_size, after.st_size);
	struct rl_load_opts o = fx_opts(f, f->index);
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);

	/*
	 * A folder the writer may not write in.  Root may write anywhere: as
	 * root, a child that has become nobody tries it.
	 */
	char *ro = make_dir(f->dir, "ro", 0755);
	assert_int_equal(chmod(ro, 0555), 0);
	snprintf(path, sizeof(path), "%s/x.idx", ro);
	snprintf(want, sizeof(want), "%s: cannot create a file next to it: Permission denied",
		 path);
	if (getuid() != 0) {
		sink = cap_sink(&cap);
		assert_int_equal(rl_index_write(p, path, &sink), RL_EIO);
		CAP_EXPECT(&cap, want);
	} else {
		assert_int_equal(chmod(f->dir, 0711), 0);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
				_exit(10);
			sink = cap_sink(&cap);
			if (rl_index_write(p, path, &sink) != RL_EIO)
				_exit(11);
			_exit(cap.n == 1 && strcmp(cap.line[0], want) == 0 ? 0 : 12);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(chmod(f->dir, 0700), 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg(
			    "as nobody, writing into a 0555 folder: child status %#x (10: could "
			    "not become nobody, 11: not RL_EIO, 12: not the message \"%s\")",
			    status, want);
	}
	extra_names(ro, files, 0, extra, sizeof(extra));
	assert_string_equal(extra, "");
	chmod(ro, 0755);
	free(ro);

	/* A policy that cannot be compiled: said, and nothing made. */
	struct rl_policy *filtered;
	assert_int_equal(load_docs(doc_names, docs, 3, &f->id, &filtered, &cap), RL_OK);
	snprintf(path, sizeof(path), "%s/never.idx", f->dir);
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(filtered, path, &sink), RL_EUSAGE);
	snprintf(want, sizeof(want), "%s: cannot compile: %s", path, rl_status_str(RL_EUSAGE));
	CAP_EXPECT(&cap, want);
	assert_int_equal(access(path, F_OK), -1);
	rl_policy_free(filtered);
	rl_policy_free(p);
}

/* A new index replaces the old by rename: a reader of the old file sees only old bytes. */
static void test_write_atomic(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"rlimit.yaml", "rlimit.d", "rlimit.yaml.idx"};
	static const char old_bytes[] = "the old index, still open";
	free(write_file(f->dir, "rlimit.yaml.idx", old_bytes, strlen(old_bytes), 0600));
	int ofd = open(f->index, O_RDONLY | O_CLOEXEC);
	assert_true(ofd >= 0);
	struct stat ost, nst;
	assert_int_equal(fstat(ofd, &ost), 0);

	struct rl_policy *p;
	assert_int_equal(load_files(f->conf, f->confdir, &p, &cap), RL_OK);
	unsigned char *ix;
	size_t len;
	assert_int_equal(rl_index_build(p, &ix, &len), RL_OK);
	mode_t um = umask(077);
	struct rl_sink sink = cap_sink(&cap);
	enum rl_status st = rl_index_write(p, f->index, &sink);
	umask(um);
	assert_int_equal(st, RL_OK);
	cap_expect_none(&cap);

	assert_int_equal(stat(f->index, &nst), 0);
	assert_int_equal(nst.st_mode & 07777, 0644);
	assert_true(S_ISREG(nst.st_mode));
	assert_true(nst.st_ino != ost.st_ino);
	size_t got_len;
	char *got = read_text(f->index, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, ix, len);
	char old[64];
	ssize_t n = pread(ofd, old, sizeof(old), 0);
	assert_int_equal(n, (ssize_t)strlen(old_bytes));
	assert_memory_equal(old, old_bytes, strlen(old_bytes));
	close(ofd);
	char extra[1024];
	extra_names(f->dir, files, sizeof(files) / sizeof(files[0]), extra, sizeof(extra));
	assert_string_equal(extra, "");
	struct rl_load_opts o = fx_opts(f, f->index);
	assert_int_equal(rl_index_state(&o), RL_INDEX_FRESH);
	free(got);
	free(ix);
	rl_policy_free(p);
}

/* rl_index_path: the main file's name with .idx. */
static void test_index_path(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(rl_index_path(NULL, buf, sizeof(buf)), RL_DEFAULT_CONF ".idx");
	assert_string_equal(rl_index_path("a.yaml", buf, sizeof(buf)), "a.yaml.idx");
	assert_null(rl_index_path("a.yaml", buf, 10));
	assert_non_null(rl_index_path("a.yaml", buf, 11));
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_robustness),
	    cmocka_unit_test(test_build_edges),
	    cmocka_unit_test(test_index_path),
	    FX(test_fresh_is_used),
	    FX(test_stale_byte_changed),
	    FX(test_stale_dropin_added),
	    FX(test_stale_dropin_removed),
	    FX(test_stale_main_spelling),
	    FX(test_refused_mode_and_owner),
	    cmocka_unit_test_setup_teardown(test_refused_types, fx_setup, fx_teardown_alarm),
	    FX(test_damaged),
	    FX(test_none_is_silent),
	    FX(test_untrusted_policy_file),
	    FX(test_index_is_what_is_read),
	    FX(test_write_errors),
	    FX(test_write_atomic),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
