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
 *   back keeps only rules that apply to the user.  All of it twice: the
 *   index unpinned, and pinned (below), where a crafted pin may give a
 *   group rule by gid that the user's names do not (never to root).
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
 * - Pinned group names (format version 2), with a pinner of a fixed table
 *   (fake_pins) instead of NSS: each group name resolved once, however many
 *   rules name it, user names never; a login matches group rules by the
 *   gids the names were pinned to, whatever the user's group names say and
 *   without an NSS lookup (not even for a user whose names were never
 *   fetched), and names the pinner did not find by name, as unpinned; root
 *   gets no group rule.  The header (flags, the T_PIN and T_UNPIN counts)
 *   and tables, byte for byte the unpinned index's but for the pins.  A
 *   resolver failure stops the compile with its status and writes nothing.
 *   Crafted indexes refused: an unknown flag, pins that do not count each
 *   group rule once, a pin naming a rule of another kind.  rl_index_pins:
 *   each pinned name once, with its gid; none unpinned; refused when stale,
 *   damaged or crafted.
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

/* The layout documented at the top of policy/index.c (version 2). */
#define HEADER_SIZE 80
#define VERSION_AT 8
#define NFILES_AT 16
#define NRULES_AT 20
#define NKEYS_AT 24 /* nine u32 counts, one per key table (T_*) */
#define STRINGS_LEN_AT 60
#define BLOBS_LEN_AT 64 /* the size of the rule area */
#define FLAGS_AT 68     /* bit 0: group names pinned; no other bit */
#define HASH_AT 72      /* the header's hash of itself and the tables */
#define HASH_LEN 8
#define FILE_ENT 24
#define RULE_ENT 16 /* u32 offset, u32 length, u64 hash of the record */
#define KEY_ENT 16  /* u64 key, u32 hi, u32 rule */
#define F_PINNED 1u

/* The key tables, in the order they are written. */
enum { T_DEFAULT, T_USER, T_UID, T_UID_RANGE, T_GROUP, T_GID, T_GID_RANGE, T_PIN, T_UNPIN, T_N };

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
	unsigned by_pin; /* group rules kept by a (crafted) pin that the names do not give */
};

/* What a load of the intact index gives each user: rule count and result. */
struct want {
	size_t rules[NIDS];
	struct rl_result res[NIDS];
	bool pinned; /* the index pins group names: see try_bytes */
};

enum damage {
	D_FAIL,    /* must not read back */
	D_SAME,    /* may read back, and then exactly as the intact index */
	D_CRAFTED, /* hashes made right again: may read back, every kept rule applies */
};

/*
 * Reads n bytes of b (copied to a buffer of exactly n bytes, so ASan sees
 * any read past it) for every user: RL_OK or RL_EINVALID and nothing else,
 * and what d says on RL_OK.  A pinned index is trusted about the gid of a
 * group name: one crafted to pin a group rule to another of the user's gids
 * gives that rule, though the user's group names do not name it; never to
 * root, and never a rule of another kind.
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
			const struct rl_rule *r = p->rules[i];
			bool m;
			assert_int_equal(rl_rule_matches(r, &ids[k], &m), RL_OK);
			if (!m && d == D_CRAFTED && w->pinned && r->kind == RL_RULE_GROUP &&
			    ids[k].uid != 0) {
				t->by_pin++;
				continue;
			}
			if (!m)
				fail_msg("%s at %zu: %s kept %s, which does not apply to them",
					 what, off, ids[k].name, r->label);
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

/* The number of entries of key table t, from the header. */
static uint32_t nkeys_of(const unsigned char *ix, int t)
{
	return get32(ix + NKEYS_AT + 4 * t);
}

/* Where key table t starts. */
static size_t key_table_at(const unsigned char *ix, int t)
{
	size_t at = HEADER_SIZE + (size_t)get32(ix + NFILES_AT) * FILE_ENT +
		    (size_t)get32(ix + NRULES_AT) * RULE_ENT;
	for (int u = 0; u < t; u++)
		at += (size_t)nkeys_of(ix, u) * KEY_ENT;
	return at;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p + 4) << 32 | get32(p);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * A pinner without NSS: names found at the gids of a table, every other
 * name not found; resolving `fail` fails with fail_with.  It notes each
 * name it is asked, to count how often a name is resolved.
 */
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct pin_map {
	const char *name;
	gid_t gid;
};
struct fake_pins {
	const struct pin_map *map;
	size_t n;
	const char *fail;
	enum rl_status fail_with;
	size_t calls;
	char asked[32][64];
};

static enum rl_status fake_resolve(void *ctx, const char *name, bool *found, gid_t *gid)
{
	struct fake_pins *fp = ctx;
	if (fp->calls < sizeof(fp->asked) / sizeof(fp->asked[0]))
		snprintf(fp->asked[fp->calls], sizeof(fp->asked[0]), "%s", name);
	fp->calls++;
	if (fp->fail && strcmp(name, fp->fail) == 0)
		return fp->fail_with;
	*found = false;
	*gid = 7777; /* garbage: only a name found has a gid */
	for (size_t i = 0; i < fp->n; i++) {
		if (strcmp(fp->map[i].name, name) == 0) {
			*found = true;
			*gid = fp->map[i].gid;
		}
	}
	return RL_OK;
}

static struct rl_pinner pinner_of(struct fake_pins *fp)
{
	struct rl_pinner pin = {fake_resolve, fp};
	return pin;
}

/* How many times fp was asked name. */
static unsigned times_asked(const struct fake_pins *fp, const char *name)
{
	unsigned n = 0;
	for (size_t i = 0; i < fp->calls && i < sizeof(fp->asked) / sizeof(fp->asked[0]); i++)
		n += strcmp(fp->asked[i], name) == 0;
	return n;
}

/* The group names of make_ids's users: research pinned at its gid, students not found. */
static const struct pin_map ids_pins[] = {{"research", 2001}};

/*
 * The format checks, for an index of the whole policy built with pin
 * (NULL: not pinned).  A pinned index of a pinner that agrees with the
 * users' group names gives exactly what the YAML gives.
 */
static void robustness(const struct rl_pinner *pin)
{
	struct rl_ident ids[NIDS];
	make_ids(ids);
	struct rl_policy *whole = whole_policy();
	unsigned char *ix;
	size_t len;
	assert_int_equal(rl_index_build(whole, pin, &ix, &len), RL_OK);
	assert_true(len > HEADER_SIZE);
	const struct layout lay = layout_of(ix, len);
	/* Pinned: each group rule keyed once more, by gid or name; not: no pin. */
	assert_int_equal(get32(ix + FLAGS_AT), pin ? F_PINNED : 0);
	assert_int_equal(nkeys_of(ix, T_PIN), pin ? 1 : 0);   /* research */
	assert_int_equal(nkeys_of(ix, T_UNPIN), pin ? 1 : 0); /* students */
	assert_int_equal(nkeys_of(ix, T_GROUP), 2);
	assert_int_equal(lay.nrules, whole->nrules);
	assert_true(lay.blobs_off > lay.rules_at + lay.nrules * RULE_ENT && lay.blobs_off < len);
	/* The layout is read right: the first record's hash is where it is said to be. */
	assert_true(get32(ix + lay.rules_at) == 0);
	assert_true(rl_hash64(ix + lay.blobs_off, get32(ix + lay.rules_at + 4)) ==
		    ((uint64_t)get32(ix + lay.rules_at + 12) << 32 | get32(ix + lay.rules_at + 8)));

	/* The intact index: the whole policy's result for every user. */
	struct want w = {.pinned = pin != NULL};
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
	print_message("%s index of %zu bytes (%zu of header and tables), %zu rules, %d users;\n"
		      "  loads refused: cuts %u; table bytes %u;\n"
		      "  loads that read back / were refused: rule bytes %u/%u; crafted tables "
		      "%u/%u;\n"
		      "  crafted rules %u/%u (%u with a rule dropped as not applying);\n"
		      "  group rules kept by their pin though the names do not give them: %u\n",
		      pin ? "pinned" : "unpinned", len, lay.blobs_off, whole->nrules, NIDS,
		      cut.invalid, flip.invalid, rule_flip.ok, rule_flip.invalid, crafted.ok,
		      crafted.invalid, crafted_rule.ok, crafted_rule.invalid, crafted_rule.fewer,
		      crafted.by_pin + crafted_rule.by_pin);
	/* Each outcome the checks allow does happen, or they prove little. */
	assert_true(rule_flip.ok > 0 && rule_flip.invalid > 0);
	assert_true(crafted.ok > 0 && crafted.invalid > 0);
	assert_true(crafted_rule.ok > 0 && crafted_rule.invalid > 0 && crafted_rule.fewer > 0);
	/*
	 * Pinned, a login trusts the pin, not the name in the rule: a crafted
	 * record that renames research still reaches research's gid.
	 */
	if (pin)
		assert_true(crafted_rule.by_pin > 0);

	struct rl_policy *p = (struct rl_policy *)ix;
	assert_int_equal(rl_index_load_mem(NULL, len, &ids[0], &p), RL_EUSAGE);
	assert_null(p);
	free(ix);
	rl_policy_free(whole);
	free_ids(ids);
}

static void test_format_robustness(void **state)
{
	(void)state;
	robustness(NULL);
}

/* The same with research pinned to its gid and students found by no pinner. */
static void test_format_robustness_pinned(void **state)
{
	(void)state;
	struct fake_pins fp = {ids_pins, N_OF(ids_pins), NULL, RL_OK, 0, {{0}}};
	struct rl_pinner pin = pinner_of(&fp);
	robustness(&pin);
	/* Each name of a group rule asked once: research's rule is of two files. */
	assert_int_equal(fp.calls, 2);
	assert_int_equal(times_asked(&fp, "research"), 1);
	assert_int_equal(times_asked(&fp, "students"), 1);
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
	assert_int_equal(rl_index_build(p, NULL, &ix, &len), RL_EUSAGE);
	assert_null(ix);
	assert_int_equal(len, 0);
	rl_policy_free(p);

	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_add_buffer(p, "bad.yaml", "version: 1\nfoo: 1\n", 18, &sink),
			 RL_EINVALID);
	assert_int_equal(rl_index_build(p, NULL, &ix, &len), RL_EUSAGE);
	rl_policy_free(p);
	assert_int_equal(rl_index_build(NULL, NULL, &ix, &len), RL_EUSAGE);

	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	assert_int_equal(rl_policy_finish(p, &sink), RL_OK);
	assert_int_equal(rl_index_build(p, NULL, &ix, &len), RL_OK);
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
	assert_int_equal(rl_index_write(p, NULL, index, &sink), RL_OK);
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
	assert_int_equal(rl_index_write(p, NULL, index, &sink), RL_OK);
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
	assert_int_equal(rl_index_write(p, NULL, path, &sink), RL_EIO);
	snprintf(want, sizeof(want),
		 "%s: cannot create a file next to it: No such file or directory", path);
	CAP_EXPECT(&cap, want);

	/* A file where the folder should be. */
	free(put_file(f->dir, "afile", "x"));
	snprintf(path, sizeof(path), "%s/afile/x.idx", f->dir);
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, NULL, path, &sink), RL_EIO);
	snprintf(want, sizeof(want), "%s: cannot create a file next to it: Not a directory", path);
	CAP_EXPECT(&cap, want);

	/* A folder at the output path: made and written, the rename fails, the file goes. */
	snprintf(path, sizeof(path), "%s/adir", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, NULL, path, &sink), RL_EIO);
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
	enum rl_status st = rl_index_write(p, NULL, path, &sink);
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
		assert_int_equal(rl_index_write(p, NULL, path, &sink), RL_EIO);
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
			if (rl_index_write(p, NULL, path, &sink) != RL_EIO)
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
	assert_int_equal(rl_index_write(filtered, NULL, path, &sink), RL_EUSAGE);
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
	assert_int_equal(rl_index_build(p, NULL, &ix, &len), RL_OK);
	mode_t um = umask(077);
	struct rl_sink sink = cap_sink(&cap);
	enum rl_status st = rl_index_write(p, NULL, f->index, &sink);
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

/* ------------------------------------------------- pinned group names */

/*
 * Group rules of every sort for pinning: two names of one gid (research
 * and staff), a name no group has (ghosts), names in two files (one rule
 * each, its values from both), a user named like a group (never resolved),
 * a gid rule, and root's own rule.
 */
static const char pin_main[] = "version: 1\n"
			       "default:\n"
			       "  core: 0\n"
			       "users:\n"
			       "  students:\n"
			       "    fsize: 1G\n"
			       "  root:\n"
			       "    nofile: 8192\n"
			       "groups:\n"
			       "  research:\n"
			       "    nproc: 150\n"
			       "    sigpending: 300\n"
			       "  staff:\n"
			       "    rtprio: 5\n"
			       "  students:\n"
			       "    nofile: 500\n"
			       "  ghosts:\n"
			       "    locks: 7\n"
			       "  \"gid:2002\":\n"
			       "    memlock: 4M\n";
static const char pin_dropin[] = "version: 1\n"
				 "groups:\n"
				 "  research:\n"
				 "    nproc: 100\n"
				 "  ghosts:\n"
				 "    msgqueue: 1000\n";
static const char *const pin_names[] = {"pin.yaml", "pin.d/10-a.yaml"};
static const char *const pin_docs[] = {pin_main, pin_dropin};
/* What the pinner finds; ghosts it does not. */
static const struct pin_map pin_table[] = {{"research", 2001}, {"staff", 2001}, {"students", 2002}};
/* The same with ghosts found too: no name left to look up at login. */
static const struct pin_map pin_table_all[] = {
    {"research", 2001}, {"staff", 2001}, {"students", 2002}, {"ghosts", 4000}};
#define NPIN_RULES 4 /* group rules by name in pin_docs: one per name */

static struct rl_policy *pin_policy(void)
{
	struct rl_policy *p;
	if (load_docs(pin_names, pin_docs, 2, NULL, &p, &cap) != RL_OK) {
		cap_dump(&cap, "load");
		fail_msg("the pinning test policy does not load");
	}
	return p;
}

static void build_with(const struct rl_policy *p, const struct pin_map *map, size_t n,
		       struct fake_pins *fp, unsigned char **ix, size_t *len)
{
	*fp = (struct fake_pins){map, n, NULL, RL_OK, 0, {{0}}};
	struct rl_pinner pin = pinner_of(fp);
	assert_int_equal(rl_index_build(p, &pin, ix, len), RL_OK);
}

/* The labels of p's rules in order, space-separated. */
static const char *rules_of(const struct rl_policy *p)
{
	static char buf[2048];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->nrules && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "",
				      p->rules[i]->label);
	return buf;
}

/*
 * The load of ix for id: the rules it keeps (as rules_of) must be want,
 * without a single NSS lookup.  Returns the policy (the caller frees it).
 */
static struct rl_policy *expect_rules(const unsigned char *ix, size_t len, struct rl_ident *id,
				      const char *want, const char *what)
{
	struct rl_policy *p;
	unsigned probes = id->name_probes, lookups = id->nss_lookups;
	bool loaded = id->gnames_loaded;
	enum rl_status st = rl_index_load_mem(ix, len, id, &p);
	if (st != RL_OK)
		fail_msg("%s, %s: status %s", what, id->name, rl_status_str(st));
	if (strcmp(rules_of(p), want) != 0)
		fail_msg("%s, %s: rules\n  got  %s\n  want %s", what, id->name, rules_of(p), want);
	if (id->name_probes != probes || id->nss_lookups != lookups || id->gnames_loaded != loaded)
		fail_msg("%s, %s: NSS asked (%u probes, %u lookups)", what, id->name,
			 id->name_probes - probes, id->nss_lookups - lookups);
	return p;
}

/* The soft value of item for id from p, and the rule and file it came from. */
static void expect_soft(const struct rl_policy *p, struct rl_ident *id, const char *item, rlim_t v,
			const char *rule, const char *file)
{
	struct rl_result r;
	assert_int_equal(rl_resolve(p, id, &host16, &r), RL_OK);
	const struct rl_half *h = &r.item[item_index(item)].soft;
	if (!h->set || h->rlim != v || strcmp(h->origin.rule, rule) || strcmp(h->origin.file, file))
		fail_msg("%s: %s is %s%llu from %s@%s, want %llu from %s@%s", id->name, item,
			 h->set ? "" : "unset ", (unsigned long long)h->rlim, h->origin.rule,
			 h->origin.file, (unsigned long long)v, rule, file);
}

#define R_DEFAULT "default"
#define R_RESEARCH "groups.research"
#define R_STAFF "groups.staff"
#define R_STUDENTS "groups.students"
#define R_GHOSTS "groups.ghosts"
#define R_GID2002 "groups.gid:2002"
#define R_ROOT "users.root"

/*
 * Pinned, a group rule applies by the gid its name had at compile, whatever
 * the user's group names say, and without asking NSS; a name no group had
 * is matched by name, as unpinned.  Unpinned, the names decide.
 */
static void test_pinned_by_gid(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	struct fake_pins fp;
	unsigned char *ix, *ux;
	size_t len, ulen;
	build_with(whole, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(rl_index_build(whole, NULL, &ux, &ulen), RL_OK);
	/* Each group name resolved once, however many rules name it; user names never. */
	assert_int_equal(fp.calls, 4);
	static const char *const asked[] = {"research", "staff", "students", "ghosts"};
	for (size_t i = 0; i < 4; i++)
		if (times_asked(&fp, asked[i]) != 1)
			fail_msg("%s resolved %u times", asked[i], times_asked(&fp, asked[i]));

	/* In gid 2001 with no group names at all: research (values of both files) and staff. */
	struct rl_ident ann, bob, cy;
	static const gid_t ann_g[] = {2001}, cy_g[] = {2002};
	assert_int_equal(rl_ident_make("ann", 1100, 1100, ann_g, 1, &ann), RL_OK);
	struct rl_policy *p =
	    expect_rules(ix, len, &ann, R_DEFAULT " " R_RESEARCH " " R_STAFF, "pinned");
	expect_soft(p, &ann, "nproc", 100, "groups.research", "pin.d/10-a.yaml");
	expect_soft(p, &ann, "sigpending", 300, "groups.research", "pin.yaml");
	expect_soft(p, &ann, "rtprio", 5, "groups.staff", "pin.yaml");
	rl_policy_free(p);
	rl_policy_free(expect_rules(ux, ulen, &ann, R_DEFAULT, "unpinned"));

	/*
	 * Named in research (at another gid) and students (gid unknown), in
	 * neither gid: pinned, neither applies; unpinned, the names do.
	 */
	assert_int_equal(rl_ident_make("bob", 1200, 1200, NULL, 0, &bob), RL_OK);
	assert_int_equal(rl_ident_add_group(&bob, "students", false, 0), RL_OK);
	assert_int_equal(rl_ident_add_group(&bob, "research", true, 3001), RL_OK);
	rl_policy_free(expect_rules(ix, len, &bob, R_DEFAULT, "pinned"));
	rl_policy_free(
	    expect_rules(ux, ulen, &bob, R_DEFAULT " " R_RESEARCH " " R_STUDENTS, "unpinned"));

	/* In gid 2002 (students, unnamed) and named in ghosts, which no group had. */
	assert_int_equal(rl_ident_make("cy", 1300, 1300, cy_g, 1, &cy), RL_OK);
	assert_int_equal(rl_ident_add_group(&cy, "ghosts", false, 0), RL_OK);
	p = expect_rules(ix, len, &cy, R_DEFAULT " " R_STUDENTS " " R_GHOSTS " " R_GID2002,
			 "pinned");
	expect_soft(p, &cy, "nofile", 500, "groups.students", "pin.yaml");
	expect_soft(p, &cy, "locks", 7, "groups.ghosts", "pin.yaml");
	expect_soft(p, &cy, "msgqueue", 1000, "groups.ghosts", "pin.d/10-a.yaml");
	expect_soft(p, &cy, "memlock", 4 << 20, "groups.gid:2002", "pin.yaml");
	rl_policy_free(p);
	rl_policy_free(
	    expect_rules(ux, ulen, &cy, R_DEFAULT " " R_GHOSTS " " R_GID2002, "unpinned"));

	/* A user whose names agree with the pins: pinned and unpinned are the same. */
	struct rl_ident agree;
	static const gid_t agree_g[] = {2001, 2002};
	assert_int_equal(rl_ident_make("students", 1500, 1500, agree_g, 2, &agree), RL_OK);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(
		    rl_ident_add_group(&agree, pin_table[i].name, true, pin_table[i].gid), RL_OK);
	const char *all =
	    R_DEFAULT " users.students " R_RESEARCH " " R_STAFF " " R_STUDENTS " " R_GID2002;
	rl_policy_free(expect_rules(ix, len, &agree, all, "pinned"));
	rl_policy_free(expect_rules(ux, ulen, &agree, all, "unpinned"));

	rl_ident_free(&agree);
	rl_ident_free(&cy);
	rl_ident_free(&bob);
	rl_ident_free(&ann);
	free(ux);
	free(ix);
	rl_policy_free(whole);
}

/*
 * Appends to p a rule of the kind and name of p->rules[i], labelled label,
 * setting only item's soft half to v (from the last file, after every
 * other value).  The loader merges a name's rules into one; the index
 * takes any policy, and must resolve each name once all the same.
 */
static void push_copy(struct rl_policy *p, size_t i, const char *label, const char *item,
		      uint64_t v)
{
	struct rl_rule *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->kind = p->rules[i]->kind;
	r->lo = p->rules[i]->lo;
	r->hi = p->rules[i]->hi;
	r->name = strdup(p->rules[i]->name);
	r->label = strdup(label);
	assert_true(r->name && r->label);
	struct rl_setv *sv = &r->items[item_index(item)][RL_SOFT];
	sv->v.type = RL_V_NUM;
	sv->v.n = v;
	sv->file = (uint32_t)p->nfiles - 1;
	sv->seq = 1000000;
	sv->line = sv->col = 1;
	assert_int_equal(rl_policy_push_rule(p, r), RL_OK);
}

/* The index of the group rule of p named name. */
static size_t group_rule(const struct rl_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i]->kind == RL_RULE_GROUP && strcmp(p->rules[i]->name, name) == 0)
			return i;
	fail_msg("no group rule %s", name);
	return 0;
}

/*
 * One name in two rules (research found, with staff's rule at the same gid
 * between them; ghosts not found): resolved once, and both rules apply, in
 * policy order.
 */
static void test_pinned_same_name(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	push_copy(whole, group_rule(whole, "research"), "groups.research (again)", "locks", 33);
	push_copy(whole, group_rule(whole, "ghosts"), "groups.ghosts (again)", "cpu", 60);
	struct fake_pins fp;
	unsigned char *ix, *ux;
	size_t len, ulen;
	build_with(whole, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(rl_index_build(whole, NULL, &ux, &ulen), RL_OK);
	assert_int_equal(fp.calls, 4);
	assert_int_equal(times_asked(&fp, "research"), 1);
	assert_int_equal(times_asked(&fp, "ghosts"), 1);
	assert_int_equal(nkeys_of(ix, T_PIN), 4);   /* research x2, staff, students */
	assert_int_equal(nkeys_of(ix, T_UNPIN), 2); /* ghosts x2 */

	struct rl_ident ann, cy;
	static const gid_t ann_g[] = {2001}, cy_g[] = {2002};
	assert_int_equal(rl_ident_make("ann", 1100, 1100, ann_g, 1, &ann), RL_OK);
	struct rl_policy *p =
	    expect_rules(ix, len, &ann,
			 R_DEFAULT " " R_RESEARCH " " R_STAFF " groups.research (again)", "pinned");
	expect_soft(p, &ann, "locks", 33, "groups.research (again)", "pin.d/10-a.yaml");
	expect_soft(p, &ann, "sigpending", 300, "groups.research", "pin.yaml");
	rl_policy_free(p);
	rl_policy_free(expect_rules(ux, ulen, &ann, R_DEFAULT, "unpinned"));

	assert_int_equal(rl_ident_make("cy", 1300, 1300, cy_g, 1, &cy), RL_OK);
	assert_int_equal(rl_ident_add_group(&cy, "ghosts", false, 0), RL_OK);
	p = expect_rules(
	    ix, len, &cy,
	    R_DEFAULT " " R_STUDENTS " " R_GHOSTS " " R_GID2002 " groups.ghosts (again)", "pinned");
	expect_soft(p, &cy, "cpu", 60, "groups.ghosts (again)", "pin.d/10-a.yaml");
	expect_soft(p, &cy, "locks", 7, "groups.ghosts", "pin.yaml");
	rl_policy_free(p);
	rl_ident_free(&cy);
	rl_ident_free(&ann);
	free(ux);
	free(ix);
	rl_policy_free(whole);
}

/*
 * A user whose group names were never fetched (as after rl_ident_lookup):
 * with every name pinned, a login finds all its group rules by gid and asks
 * NSS nothing, with as many group rules as the user has gids or more.  Any
 * fallback to names would fetch them (getgrgid_r per gid) or probe them
 * (getgrnam_r), and expect_rules would see it.
 */
static void test_pinned_no_nss(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	struct fake_pins fp;
	unsigned char *ix;
	size_t len;
	build_with(whole, pin_table_all, N_OF(pin_table_all), &fp, &ix, &len);
	assert_int_equal(nkeys_of(ix, T_PIN), NPIN_RULES);
	assert_int_equal(nkeys_of(ix, T_UNPIN), 0);

	struct rl_ident dee, eve;
	static const gid_t dee_g[] = {2001, 2002, 4000}, eve_g[] = {4000};
	assert_int_equal(rl_ident_make("dee", 1400, 1400, dee_g, 3, &dee), RL_OK);
	dee.gnames_loaded = false;
	struct rl_policy *p = expect_rules(ix, len, &dee,
					   R_DEFAULT " " R_RESEARCH " " R_STAFF " " R_STUDENTS
						     " " R_GHOSTS " " R_GID2002,
					   "pinned, names not fetched");
	/* The policy is filtered for dee: resolving asks nothing either. */
	expect_soft(p, &dee, "msgqueue", 1000, "groups.ghosts", "pin.d/10-a.yaml");
	assert_int_equal(dee.nss_lookups + dee.name_probes, 0);
	assert_false(dee.gnames_loaded);
	rl_policy_free(p);

	/* Two gids, four group rules: ghosts's. */
	assert_int_equal(rl_ident_make("eve", 1600, 1600, eve_g, 1, &eve), RL_OK);
	eve.gnames_loaded = false;
	rl_policy_free(
	    expect_rules(ix, len, &eve, R_DEFAULT " " R_GHOSTS, "pinned, names not fetched"));
	assert_int_equal(eve.nss_lookups + eve.name_probes, 0);
	rl_ident_free(&eve);
	rl_ident_free(&dee);
	free(ix);
	rl_policy_free(whole);
}

/* Root gets no group rule, pinned or not, whatever its gids and names. */
static void test_pinned_root(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	struct fake_pins fp, fp_all;
	unsigned char *ix, *ax, *ux;
	size_t len, alen, ulen;
	build_with(whole, pin_table, N_OF(pin_table), &fp, &ix, &len);
	build_with(whole, pin_table_all, N_OF(pin_table_all), &fp_all, &ax, &alen);
	assert_int_equal(rl_index_build(whole, NULL, &ux, &ulen), RL_OK);
	struct rl_ident root;
	static const gid_t g[] = {2001, 2002, 4000};
	assert_int_equal(rl_ident_make("root", 0, 0, g, 3, &root), RL_OK);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(
		    rl_ident_add_group(&root, pin_table_all[i].name, true, pin_table_all[i].gid),
		    RL_OK);
	rl_policy_free(expect_rules(ix, len, &root, R_ROOT, "pinned"));
	rl_policy_free(expect_rules(ax, alen, &root, R_ROOT, "all pinned"));
	rl_policy_free(expect_rules(ux, ulen, &root, R_ROOT, "unpinned"));
	/* Names not fetched: none fetched for root either. */
	rl_ident_free(&root);
	assert_int_equal(rl_ident_make("root", 0, 0, g, 3, &root), RL_OK);
	root.gnames_loaded = false;
	rl_policy_free(expect_rules(ix, len, &root, R_ROOT, "pinned"));
	rl_policy_free(expect_rules(ux, ulen, &root, R_ROOT, "unpinned"));
	rl_ident_free(&root);
	free(ux);
	free(ax);
	free(ix);
	rl_policy_free(whole);
}

/*
 * The pinned header and tables: flags 1, each group rule once more (by gid
 * when found, by its name's hash when not), and everything else byte for
 * byte the unpinned index's.  Unpinned: flags 0, no pin.
 */
static void test_pinned_layout(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	struct fake_pins fp;
	unsigned char *ix, *ux;
	size_t len, ulen;
	build_with(whole, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(rl_index_build(whole, NULL, &ux, &ulen), RL_OK);

	assert_int_equal(get32(ux + VERSION_AT), 2);
	assert_int_equal(get32(ix + VERSION_AT), 2);
	assert_int_equal(get32(ux + FLAGS_AT), 0);
	assert_int_equal(get32(ix + FLAGS_AT), F_PINNED);
	assert_int_equal(nkeys_of(ux, T_PIN), 0);
	assert_int_equal(nkeys_of(ux, T_UNPIN), 0);
	assert_int_equal(nkeys_of(ix, T_GROUP), NPIN_RULES);
	assert_int_equal(nkeys_of(ix, T_PIN), 3);   /* research, staff, students */
	assert_int_equal(nkeys_of(ix, T_UNPIN), 1); /* ghosts */
	for (int t = 0; t < T_PIN; t++)
		assert_int_equal(nkeys_of(ix, t), nkeys_of(ux, t));
	assert_int_equal(len, ulen + NPIN_RULES * KEY_ENT);
	/*
	 * The same bytes but for the pin counts, the flags and the hash; up to
	 * the pin tables, and after them the strings and the rules.
	 */
	assert_memory_equal(ix, ux, NKEYS_AT + 4 * T_PIN);
	assert_memory_equal(ix + STRINGS_LEN_AT, ux + STRINGS_LEN_AT, FLAGS_AT - STRINGS_LEN_AT);
	size_t pins_at = key_table_at(ix, T_PIN);
	assert_int_equal(pins_at, key_table_at(ux, T_PIN));
	assert_memory_equal(ix + HEADER_SIZE, ux + HEADER_SIZE, pins_at - HEADER_SIZE);
	assert_memory_equal(ix + pins_at + NPIN_RULES * KEY_ENT, ux + pins_at, ulen - pins_at);

	/* By gid, sorted; each entry a group rule whose name the pinner put at that gid. */
	const unsigned char *k = ix + pins_at;
	static const uint64_t gids[] = {2001, 2001, 2002};
	for (size_t i = 0; i < 3; i++, k += KEY_ENT) {
		const struct rl_rule *r = whole->rules[get32(k + 12)];
		assert_int_equal(get64(k), gids[i]);
		assert_int_equal(get32(k + 8), 0);
		assert_int_equal(r->kind, RL_RULE_GROUP);
		bool ok = false;
		for (size_t j = 0; j < 3; j++)
			ok |=
			    strcmp(pin_table[j].name, r->name) == 0 && pin_table[j].gid == gids[i];
		if (!ok)
			fail_msg("pin %zu: %s at gid %llu", i, r->name,
				 (unsigned long long)gids[i]);
	}
	/* Within gid 2001, policy order: research, then staff. */
	assert_int_equal(get32(ix + pins_at + 12), group_rule(whole, "research"));
	assert_int_equal(get32(ix + pins_at + KEY_ENT + 12), group_rule(whole, "staff"));
	/* ghosts by its name's hash, as in the table of group names. */
	k = ix + key_table_at(ix, T_UNPIN);
	assert_int_equal(get64(k), rl_hash64("ghosts", 6));
	assert_int_equal(get32(k + 8), 0);
	assert_int_equal(get32(k + 12), group_rule(whole, "ghosts"));
	free(ux);
	free(ix);

	/* No group rule: pinned all the same, nothing resolved, no pin. */
	struct rl_policy *p;
	assert_int_equal(load_doc("version: 1\nusers:\n  ann: {core: 0}\ngroups:\n  \"gid:5\": "
				  "{core: 1}\n",
				  &p, &cap),
			 RL_OK);
	build_with(p, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(rl_index_build(p, NULL, &ux, &ulen), RL_OK);
	assert_int_equal(fp.calls, 0);
	assert_int_equal(get32(ix + FLAGS_AT), F_PINNED);
	assert_int_equal(nkeys_of(ix, T_PIN) + nkeys_of(ix, T_UNPIN), 0);
	assert_int_equal(len, ulen);
	assert_memory_equal(ix + HEADER_SIZE, ux + HEADER_SIZE, len - HEADER_SIZE);
	struct rl_ident ann;
	static const gid_t g5[] = {5};
	assert_int_equal(rl_ident_make("ann", 1100, 1100, g5, 1, &ann), RL_OK);
	rl_policy_free(expect_rules(ix, len, &ann, "users.ann groups.gid:5", "pinned"));
	rl_policy_free(expect_rules(ux, ulen, &ann, "users.ann groups.gid:5", "unpinned"));
	rl_ident_free(&ann);
	free(ux);
	free(ix);
	rl_policy_free(p);

	/* No file at all: a pinned index of nothing. */
	assert_int_equal(rl_policy_new(NULL, &p), RL_OK);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_policy_finish(p, &sink), RL_OK);
	build_with(p, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(len, HEADER_SIZE);
	assert_int_equal(get32(ix + FLAGS_AT), F_PINNED);
	assert_int_equal(fp.calls, 0);
	free(ix);

	/* A pinner without a resolver: a usage error, nothing built. */
	struct rl_pinner none = {NULL, &fp};
	ix = (unsigned char *)&fp;
	len = 1;
	assert_int_equal(rl_index_build(p, &none, &ix, &len), RL_EUSAGE);
	assert_null(ix);
	assert_int_equal(len, 0);
	rl_policy_free(p);
	rl_policy_free(whole);
}

/*
 * A resolver failure stops the compile with its status, at the name that
 * failed: rl_index_build gives nothing, rl_index_write says so and leaves
 * the old index alone, and no temporary file behind.
 */
static void test_pinned_resolver_fails(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	static const enum rl_status fails[] = {RL_ENSS, RL_ENOMEM};
	for (size_t i = 0; i < 2; i++) {
		struct fake_pins fp = {pin_table, N_OF(pin_table), "staff", fails[i], 0, {{0}}};
		struct rl_pinner pin = pinner_of(&fp);
		unsigned char *ix = (unsigned char *)&fp;
		size_t len = 1;
		assert_int_equal(rl_index_build(whole, &pin, &ix, &len), fails[i]);
		assert_null(ix);
		assert_int_equal(len, 0);
		assert_int_equal(times_asked(&fp, "staff"), 1);
		assert_true(fp.calls >= 1 && fp.calls <= 4);
		assert_string_equal(fp.asked[fp.calls - 1], "staff"); /* nothing after it */
	}

	char *dir = tmp_dir();
	static const char old_bytes[] = "the old index";
	char *index = write_file(dir, "pin.yaml.idx", old_bytes, strlen(old_bytes), 0644);
	struct fake_pins fp = {pin_table, N_OF(pin_table), "ghosts", RL_ENSS, 0, {{0}}};
	struct rl_pinner pin = pinner_of(&fp);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(whole, &pin, index, &sink), RL_ENSS);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want), "%s: cannot compile: %s", index, rl_status_str(RL_ENSS));
	CAP_EXPECT(&cap, want);
	size_t got_len;
	char *got = read_text(index, &got_len);
	assert_non_null(got);
	assert_int_equal(got_len, strlen(old_bytes));
	assert_memory_equal(got, old_bytes, got_len);
	free(got);
	static const char *const keep[] = {"pin.yaml.idx"};
	char extra[1024];
	extra_names(dir, keep, 1, extra, sizeof(extra));
	assert_string_equal(extra, "");
	/* With no old index, none made. */
	assert_int_equal(unlink(index), 0);
	fp.calls = 0;
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(whole, &pin, index, &sink), RL_ENSS);
	CAP_EXPECT(&cap, want);
	extra_names(dir, keep, 0, extra, sizeof(extra));
	assert_string_equal(extra, "");
	/* The same pinner, that name found: written, and pinned. */
	fp.fail = NULL;
	sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(whole, &pin, index, &sink), RL_OK);
	cap_expect_none(&cap);
	got = read_text(index, &got_len);
	assert_non_null(got);
	assert_true(got_len > HEADER_SIZE);
	assert_int_equal(get32((const unsigned char *)got + FLAGS_AT), F_PINNED);
	free(got);
	extra_names(dir, keep, 1, extra, sizeof(extra));
	assert_string_equal(extra, "");
	rm_rf(dir);
	free(index);
	free(dir);
	rl_policy_free(whole);
}

/* rl_index_load_mem of b for id: RL_EINVALID and no policy. */
static void expect_invalid(const unsigned char *b, size_t len, struct rl_ident *id,
			   const char *what)
{
	struct rl_policy *p = (struct rl_policy *)id; /* must be set */
	enum rl_status st = rl_index_load_mem(b, len, id, &p);
	if (st != RL_EINVALID || p)
		fail_msg("%s, %s: status %s%s", what, id->name, rl_status_str(st),
			 p ? " with a policy" : "");
}

/* A copy of ix with the u32 at off set to v (or, with add, added to) and the hash made right. */
static unsigned char *crafted32(const unsigned char *ix, size_t len, size_t off, uint32_t v,
				bool add)
{
	unsigned char *b = malloc(len);
	assert_non_null(b);
	memcpy(b, ix, len);
	put32(b + off, add ? get32(b + off) + v : v);
	const struct layout l = layout_of(ix, len); /* of the intact one */
	rehash_tables(b, &l);
	return b;
}

/*
 * Indexes crafted on purpose (every hash right): a flag not defined, pins
 * that do not account for each group rule once, or a pin naming a rule that
 * is not a group rule.  Each is refused; each control beside it is not, so
 * the refusal is the check's.
 */
static void test_pinned_hostile(void **state)
{
	(void)state;
	struct rl_policy *whole = pin_policy();
	struct fake_pins fp;
	unsigned char *ix, *ux, *b;
	size_t len, ulen;
	build_with(whole, pin_table, N_OF(pin_table), &fp, &ix, &len);
	assert_int_equal(rl_index_build(whole, NULL, &ux, &ulen), RL_OK);
	struct rl_ident ann, cy, root;
	static const gid_t ann_g[] = {2001}, cy_g[] = {2002};
	assert_int_equal(rl_ident_make("ann", 1100, 1100, ann_g, 1, &ann), RL_OK);
	assert_int_equal(rl_ident_make("cy", 1300, 1300, cy_g, 1, &cy), RL_OK);
	assert_int_equal(rl_ident_make("root", 0, 0, cy_g, 1, &root), RL_OK);
	struct rl_ident *all[] = {&ann, &cy, &root};

	/* The controls: rehashing alone changes nothing. */
	b = crafted32(ix, len, FLAGS_AT, F_PINNED, false);
	assert_memory_equal(b, ix, len);
	free(b);

	/* Flags: another bit, alone or with the pinned one; pinned cleared; set unpinned. */
	static const uint32_t bad_flags[] = {3, 2, 0x80000001u, 0x100, 0};
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		b = crafted32(ix, len, FLAGS_AT, bad_flags[i], false);
		for (size_t k = 0; k < 3; k++)
			expect_invalid(b, len, all[k], "pinned index, flags changed");
		free(b);
	}
	b = crafted32(ux, ulen, FLAGS_AT, F_PINNED, false);
	for (size_t k = 0; k < 3; k++)
		expect_invalid(b, ulen, all[k], "unpinned index flagged pinned");
	free(b);
	b = crafted32(ux, ulen, FLAGS_AT, 2, false);
	expect_invalid(b, ulen, &ann, "unpinned index, flag 2");
	free(b);

	/* Pin counts off by one either way. */
	for (int t = T_PIN; t <= T_UNPIN; t++) {
		b = crafted32(ix, len, NKEYS_AT + 4 * t, 1, true);
		expect_invalid(b, len, &ann, "a pin count one more");
		free(b);
		b = crafted32(ix, len, NKEYS_AT + 4 * t, (uint32_t)-1, true);
		expect_invalid(b, len, &ann, "a pin count one less");
		free(b);
	}

	/*
	 * The count check alone: a policy with no gid rule, its last group
	 * entry counted as a gid entry instead.  The sizes and the sort still
	 * hold; unpinned, such an index reads (the entry keys no gid), pinned
	 * the pins no longer match the group rules.
	 */
	struct rl_policy *small;
	assert_int_equal(load_doc("version: 1\ndefault: {core: 0}\ngroups:\n  research: {nproc: "
				  "1}\n  ghosts: {locks: 2}\n",
				  &small, &cap),
			 RL_OK);
	unsigned char *sx, *sux;
	size_t slen, sulen;
	build_with(small, pin_table, N_OF(pin_table), &fp, &sx, &slen);
	assert_int_equal(rl_index_build(small, NULL, &sux, &sulen), RL_OK);
	assert_int_equal(nkeys_of(sx, T_GID), 0);
	for (int pinned = 0; pinned < 2; pinned++) {
		const unsigned char *src = pinned ? sx : sux;
		size_t n = pinned ? slen : sulen;
		b = malloc(n);
		assert_non_null(b);
		memcpy(b, src, n);
		put32(b + NKEYS_AT + 4 * T_GROUP, nkeys_of(src, T_GROUP) - 1);
		put32(b + NKEYS_AT + 4 * T_GID, 1);
		const struct layout l = layout_of(src, n);
		rehash_tables(b, &l);
		if (pinned) {
			expect_invalid(b, n, &ann, "pinned, a group entry moved to the gid table");
		} else {
			struct rl_policy *p;
			assert_int_equal(rl_index_load_mem(b, n, &ann, &p), RL_OK);
			rl_policy_free(p);
		}
		free(b);
	}
	free(sux);
	free(sx);
	rl_policy_free(small);

	/*
	 * gid 2002's pin (students) pointed at users.students: refused by the
	 * login that reads it (cy), not by the others (ann, who is in 2001
	 * only; root, who gets no group rule).  Pointed at another group rule
	 * instead, it is an index that pins that name there: used.
	 */
	size_t user_rule = 0;
	while (user_rule < whole->nrules && whole->rules[user_rule]->kind != RL_RULE_USER)
		user_rule++;
	assert_true(user_rule < whole->nrules);
	size_t last_pin = key_table_at(ix, T_PIN) + (nkeys_of(ix, T_PIN) - 1) * KEY_ENT;
	assert_int_equal(get64(ix + last_pin), 2002);
	b = crafted32(ix, len, last_pin + 12, (uint32_t)user_rule, false);
	expect_invalid(b, len, &cy, "a pin naming a user rule");
	rl_policy_free(expect_rules(b, len, &ann, R_DEFAULT " " R_RESEARCH " " R_STAFF,
				    "a pin naming a user rule, not read"));
	rl_policy_free(expect_rules(b, len, &root, R_ROOT, "a pin naming a user rule, root"));
	free(b);
	b = crafted32(ix, len, last_pin + 12, (uint32_t)group_rule(whole, "ghosts"), false);
	rl_policy_free(expect_rules(b, len, &cy, R_DEFAULT " " R_GHOSTS " " R_GID2002,
				    "the pin of students pointed at ghosts"));
	free(b);

	rl_ident_free(&root);
	rl_ident_free(&cy);
	rl_ident_free(&ann);
	free(ux);
	free(ix);
	rl_policy_free(whole);
}

/* Compiles f's files into f->index with pin, as "rlimit-policy compile" does by default. */
static void compile_pinned(const struct fx *f, const struct rl_pinner *pin)
{
	struct rl_policy *p;
	assert_int_equal(load_files(f->conf, f->confdir, &p, &cap), RL_OK);
	cap_expect_none(&cap);
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(p, pin, f->index, &sink), RL_OK);
	cap_expect_none(&cap);
	rl_policy_free(p);
}

/* rl_index_pins for o: st, and then nothing in *pins unless RL_OK. */
static void pins_of(const struct rl_load_opts *o, enum rl_status st, struct rl_pins *pins)
{
	memset(pins, 0xA5, sizeof(*pins)); /* must be set */
	assert_int_equal(rl_index_pins(o, pins), st);
	if (st != RL_OK) {
		assert_null(pins->v);
		assert_int_equal(pins->n, 0);
		assert_false(pins->pinned);
	}
}

/* f->index with the u32 at off set to v and the hash made right. */
static void craft_index(const struct fx *f, size_t off, uint32_t v)
{
	size_t len;
	unsigned char *ix = (unsigned char *)read_text(f->index, &len);
	assert_non_null(ix);
	unsigned char *b = crafted32(ix, len, off, v, false);
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)b, len, 0644));
	free(b);
	free(ix);
}

/*
 * rl_index_pins lists the names a fresh index pinned, each once, found at
 * the pinner's gid or not found; none for an index compiled unpinned; and
 * refuses an index a login would not use, or one whose pins are not group
 * rules at gids.  A pinned index is what a login uses: for a user whose
 * names agree, the YAML's result; for one in gid 2001 whose names are not
 * known, research's rules all the same, with no lookup.
 */
static void test_pins_listed(void **state)
{
	struct fx *f = *state;
	struct rl_load_opts o = fx_opts(f, f->index);
	struct rl_pins pins;
	pins_of(&o, RL_OK, &pins);
	assert_false(pins.pinned);
	assert_int_equal(pins.n, 0);
	rl_pins_free(&pins);
	assert_null(pins.v);
	rl_pins_free(NULL);
	pins_of(NULL, RL_EINVALID, &pins);
	o.index = NULL;
	pins_of(&o, RL_EINVALID, &pins);
	o.index = f->index;

	/*
	 * admins at a lower gid than research, staff at the same; students and
	 * ghosts found by no one.  research is in three files (one rule).
	 */
	free(put_file(f->confdir, "30-c.yaml",
		      "version: 1\ngroups:\n  staff: {rtprio: 5}\n  ghosts: {locks: 7}\n"
		      "  research: {nofile: 900}\n  admins: {nice: 1}\n"));
	static const struct pin_map table[] = {
	    {"research", 2001}, {"admins", 100}, {"staff", 2001}};
	struct fake_pins fp = {table, N_OF(table), NULL, RL_OK, 0, {{0}}};
	struct rl_pinner pin = pinner_of(&fp);
	compile_pinned(f, &pin);
	assert_int_equal(fp.calls, 5);
	pins_of(&o, RL_OK, &pins);
	assert_true(pins.pinned);
	assert_int_equal(pins.n, 5);
	/* By gid (in policy order within one), then the names not found (by hash). */
	static const struct pin_map found[] = {
	    {"admins", 100}, {"research", 2001}, {"staff", 2001}};
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(pins.v[i].name, found[i].name);
		assert_true(pins.v[i].found);
		assert_int_equal(pins.v[i].gid, found[i].gid);
	}
	assert_false(pins.v[3].found);
	assert_false(pins.v[4].found);
	assert_true(
	    (strcmp(pins.v[3].name, "students") == 0 && strcmp(pins.v[4].name, "ghosts") == 0) ||
	    (strcmp(pins.v[3].name, "ghosts") == 0 && strcmp(pins.v[4].name, "students") == 0));
	rl_pins_free(&pins);
	assert_null(pins.v);
	assert_int_equal(pins.n, 0);

	/* alice's names agree with the pins: the YAML's result, from the index. */
	struct rl_result got;
	expect_login(f, &o, RL_INDEX_FRESH, NULL, true, &got);
	rlim_t v;
	assert_true(item_soft_num(&got, "sigpending", &v) && v == 300);
	assert_true(item_soft_num(&got, "msgqueue", &v) && v == RLIM_INFINITY); /* students */

	/* In gid 2001, no name known: research's rules by the pin, none by the YAML. */
	struct fx alt = *f;
	static const gid_t g[] = {2001};
	assert_int_equal(rl_ident_make("alice", 1001, 1001, g, 1, &alt.id), RL_OK);
	struct rl_load_opts ao = fx_opts(&alt, f->index);
	bool from_index = false;
	assert_int_equal(login(&alt, &ao, &got, &from_index), RL_OK);
	cap_expect_none(&cap);
	assert_true(from_index);
	assert_true(item_soft_num(&got, "sigpending", &v) && v == 300);
	assert_true(item_soft_num(&got, "nofile", &v) && v == 900);
	assert_false(item_soft_num(&got, "msgqueue", &v));
	assert_int_equal(alt.id.nss_lookups + alt.id.name_probes, 0);
	ao.index = NULL;
	assert_int_equal(login(&alt, &ao, &got, &from_index), RL_OK);
	assert_false(from_index);
	assert_false(item_soft_num(&got, "sigpending", &v));
	rl_ident_free(&alt.id);

	/* Stale: refused. */
	char *c = path_join(f->confdir, "30-c.yaml");
	size_t clen;
	char *text = read_text(c, &clen);
	free(put_file(f->confdir, "30-c.yaml", "version: 1\n"));
	pins_of(&o, RL_EINVALID, &pins);
	free(write_file(f->confdir, "30-c.yaml", text, clen, 0644));
	pins_of(&o, RL_OK, &pins);
	rl_pins_free(&pins);

	/* Damaged: refused. */
	size_t len;
	unsigned char *ix = (unsigned char *)read_text(f->index, &len);
	assert_non_null(ix);
	ix[HEADER_SIZE + 1] ^= 0x10;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	pins_of(&o, RL_EINVALID, &pins);
	ix[HEADER_SIZE + 1] ^= 0x10;
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	pins_of(&o, RL_OK, &pins);
	rl_pins_free(&pins);

	/* Crafted: staff's pin (the last by gid) at a key no gid has, then naming a user rule. */
	size_t last = key_table_at(ix, T_PIN) + (nkeys_of(ix, T_PIN) - 1) * KEY_ENT;
	assert_int_equal(get64(ix + last), 2001);
	craft_index(f, last + 4, 1); /* the key's high half: 2^32 + 2001, still sorted */
	pins_of(&o, RL_EINVALID, &pins);
	/* check (rl_index_state) and logins refuse it alike. */
	assert_int_equal(rl_index_state(&o), RL_INDEX_DAMAGED);
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	struct rl_policy *whole;
	assert_int_equal(load_files(f->conf, f->confdir, &whole, &cap), RL_OK);
	uint32_t user_rule = 0;
	while (user_rule < whole->nrules && whole->rules[user_rule]->kind != RL_RULE_USER)
		user_rule++;
	assert_true(user_rule < whole->nrules);
	rl_policy_free(whole);
	craft_index(f, last + 12, user_rule);
	pins_of(&o, RL_EINVALID, &pins);
	assert_int_equal(rl_index_state(&o), RL_INDEX_DAMAGED);
	/* Put back whole: listed again. */
	free(write_file(f->dir, "rlimit.yaml.idx", (const char *)ix, len, 0644));
	pins_of(&o, RL_OK, &pins);
	assert_int_equal(pins.n, 5);
	rl_pins_free(&pins);

	/*
	 * A name in two rules (the loader merges them; the index takes any
	 * policy): each listed once, research though staff's rule sits
	 * between its two at gid 2001, ghosts though not found.
	 */
	struct rl_policy *dup;
	assert_int_equal(load_files(f->conf, f->confdir, &dup, &cap), RL_OK);
	push_copy(dup, group_rule(dup, "research"), "groups.research (again)", "locks", 33);
	push_copy(dup, group_rule(dup, "ghosts"), "groups.ghosts (again)", "cpu", 60);
	fp.calls = 0;
	struct rl_sink sink = cap_sink(&cap);
	assert_int_equal(rl_index_write(dup, &pin, f->index, &sink), RL_OK);
	cap_expect_none(&cap);
	rl_policy_free(dup);
	assert_int_equal(fp.calls, 5);
	pins_of(&o, RL_OK, &pins);
	assert_int_equal(pins.n, 5);
	static const char *const names[] = {"admins", "research", "staff", "students", "ghosts"};
	for (size_t i = 0; i < 5; i++) {
		unsigned seen = 0;
		for (size_t j = 0; j < pins.n; j++)
			seen += strcmp(pins.v[j].name, names[i]) == 0;
		if (seen != 1)
			fail_msg("%s listed %u times", names[i], seen);
	}
	rl_pins_free(&pins);
	free(ix);
	free(text);
	free(c);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_robustness),
	    cmocka_unit_test(test_format_robustness_pinned),
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
	    cmocka_unit_test(test_pinned_by_gid),
	    cmocka_unit_test(test_pinned_same_name),
	    cmocka_unit_test(test_pinned_no_nss),
	    cmocka_unit_test(test_pinned_root),
	    cmocka_unit_test(test_pinned_layout),
	    cmocka_unit_test(test_pinned_resolver_fails),
	    cmocka_unit_test(test_pinned_hostile),
	    FX(test_pins_listed),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
