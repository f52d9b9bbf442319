/*
 * fuzz_index.c - libFuzzer target over the compiled policy (policy/index.c).
 *
 * An input that starts with "RLIMIDX1" is an index.  It is read for a set
 * of identities as it is, and again "sealed" (its rule-area size, its rule
 * hashes and its header hash made to agree with its bytes) so that the
 * fuzzer gets past the hashes to the tables and the rule records.
 *
 * Any other input is a policy, split at "\n#--dropin--\n" into up to three
 * documents as fuzz_policy does.  What follows "\n#--index--\n" is not
 * policy but a program of edits to its index (see edit()); without one,
 * three programs are drawn from the input's hash.  The policy is compiled
 * twice: as is, and with its group names pinned by a directory of the
 * harness's own (struct dir: a function of each name and the policy, some
 * names no group), and the identities are given the group names that
 * directory has for their gids.  The target aborts when:
 *   - a policy that loads does not compile (rl_index_build), or its index
 *     is not what index.c's layout says: magic, version, flags, counts,
 *     each document's name, size and hash, one key per rule in its kind's
 *     table (the right key, each table sorted), and pinned, each group
 *     rule once more: by the directory's gid or, for a name that is no
 *     group, by its hash; the rule records one after another each under
 *     its hash; or a second build gives other bytes; or pinned, the index
 *     differs from the unpinned one in more than its header and pin
 *     tables, the directory was asked other than once about each group
 *     name, the names rl_index_pins_fd reads back are not the directory's,
 *     or a failing directory does not stop the compile with its status;
 *   - for an identity (fixed ones, and ones made of the policy's own user
 *     and group names, uids, gids and the ids either side of each range),
 *     the index's policy differs from the policy loaded from the same
 *     buffers with that identity as filter: files, groups_combine, the
 *     rules in the same order field by field, the resolution field by
 *     field; or (for every such id, cheaply) from the whole policy's rules
 *     that rl_rule_matches keeps.  The pinned index's policy is held to the
 *     same for each identity that agrees with the directory (it has a
 *     name exactly when it has that name's gid), and for every identity
 *     to the whole policy's rules that the harness's own matcher keeps,
 *     with a pinned name matched by its gid alone;
 *   - read from a file (rl_index_load_fd, as check and a login read it),
 *     the index is not up to date with the documents, or still is with a
 *     file more or fewer or a file's hash, size or path changed; or gives
 *     other rules than from memory (for one identity: the file is read
 *     with pread where memory is copied, the same for any identity);
 *   - an edited or raw index gives a status other than RL_OK, RL_EINVALID
 *     or RL_ENOMEM, or a policy along with a failure; is accepted although
 *     its size or its header and tables changed under the old hash, or
 *     although its header is not one index.c writes (version, flags, the
 *     counts of the kinds' and the pin tables) or a table is not sorted;
 *     with only rule records changed, gives other rules than the
 *     undamaged index; or is accepted with a rule that does not match the
 *     identity (read by the harness, not by rl_rule_matches: a group rule
 *     matches by name, or when the index is pinned, by a pin entry naming
 *     that very record under one of the identity's gids, never for root),
 *     with a pin entry under one of the identity's gids naming a rule that
 *     is not a group rule, with a value that names no file, or with a
 *     policy that does not resolve; read from a file, gives other than
 *     from memory (unless it is stale), or passes check (every rule reads
 *     back) yet fails a login; or its pins (rl_index_pins_fd) read back
 *     when it is stale or changed under the old hash, or say it is pinned
 *     when its header does not.
 * Indexes are read from exact-size copies so that ASan sees any read past
 * them; UBSan catches the rest, and a leak fails the run too.
 */
#define FUZZ_NAME "fuzz_index"

#include "../tests/common/testresult.h"
#include "common.h"
#include "policy_int.h"

#define EDIT_MARKER "\n#--index--\n"
#define MAGIC "RLIMIDX1"
#define MAX_EDITS 32
#define MAX_FACTS 64
#define KEYS_PER_TABLE 16    /* of a raw index's id tables, read for facts */
#define FIXED_IDS (ID_N + 1) /* fuzz_policy's, and nobody */
#define FACT_IDS 4           /* see fact_idents */
#define MAX_IDS (FIXED_IDS + FACT_IDS)
#define MAX_ID ((uid_t)-2) /* the largest id a policy may name */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* index.c's layout (the comment at its top): header offsets and entry sizes. */
enum {
	VERSION = 2,
	H_VERSION = 8,
	H_COMBINE = 12,
	H_NFILES = 16,
	H_NRULES = 20,
	H_NKEYS = 24,
	H_STRINGS = 60,
	H_BLOBS = 64,
	H_FLAGS = 68,
	H_HASH = 72,
	HEADER = 80,
	F_PINNED = 1,
	FILE_ENT = 24,
	RULE_ENT = 16,
	KEY_ENT = 16,
	REC_HEAD = 16, /* of a rule record: kind, values, name and label lengths, lo, hi */
};
/* A table per kind of rule (enum rl_rule_kind), then the two of pinned names. */
enum {
	T_DEFAULT,
	T_USER,
	T_UID,
	T_UID_RANGE,
	T_GROUP,
	T_GID,
	T_GID_RANGE,
	T_KINDS,
	T_PIN = T_KINDS, /* group rules by the gid their name had */
	T_UNPIN,         /* group rules whose name was no group, by its hash */
	T_N
};

/* ------------------------------------------------------------------ */
/* The layout, as far as the harness needs it */

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Where each area of an index starts and ends, from its header. */
struct layout {
	uint32_t nfiles, nrules, nkeys[T_N], strings, blobs, flags;
	uint64_t tables;                                /* files, rules, keys and strings */
	size_t files, rules, keys[T_N], str, blob_area; /* offsets */
};

/* False when b is too short for a header or for the tables it announces. */
static bool layout_of(const unsigned char *b, size_t len, struct layout *l)
{
	memset(l, 0, sizeof(*l));
	if (len < HEADER)
		return false;
	l->nfiles = get32(b + H_NFILES);
	l->nrules = get32(b + H_NRULES);
	uint64_t nk = 0;
	for (int t = 0; t < T_N; t++)
		nk += l->nkeys[t] = get32(b + H_NKEYS + 4 * t);
	l->strings = get32(b + H_STRINGS);
	l->blobs = get32(b + H_BLOBS);
	l->flags = get32(b + H_FLAGS);
	l->tables = (uint64_t)l->nfiles * FILE_ENT + (uint64_t)l->nrules * RULE_ENT + nk * KEY_ENT +
		    l->strings;
	if (l->tables > len - HEADER)
		return false;
	l->files = HEADER;
	l->rules = l->files + (size_t)l->nfiles * FILE_ENT;
	size_t k = l->rules + (size_t)l->nrules * RULE_ENT;
	for (int t = 0; t < T_N; t++) {
		l->keys[t] = k;
		k += (size_t)l->nkeys[t] * KEY_ENT;
	}
	l->str = k;
	l->blob_area = HEADER + (size_t)l->tables;
	return true;
}

/*
 * Makes the header agree with the bytes: with all, the rule area is what
 * follows the tables and each rule entry holds the hash of the record it
 * points at (when it points inside the index); then the hash of the header
 * and tables, taken with the hash field zero.  False (b unchanged) when the
 * tables do not fit.
 */
static bool seal(unsigned char *b, size_t len, bool all)
{
	struct layout l;
	if (!layout_of(b, len, &l))
		return false;
	size_t rest = len - l.blob_area;
	if (all) {
		if (rest > UINT32_MAX)
			return false;
		put32(b + H_BLOBS, (uint32_t)rest);
		for (uint32_t i = 0; i < l.nrules; i++) {
			unsigned char *e = b + l.rules + (size_t)i * RULE_ENT;
			uint32_t off = get32(e), rlen = get32(e + 4);
			if (off <= rest && rlen <= rest - off)
				put64(e + 8, rl_hash64(b + l.blob_area + off, rlen));
		}
	}
	put64(b + H_HASH, 0);
	put64(b + H_HASH, rl_hash64(b, l.blob_area));
	return true;
}

/* ------------------------------------------------------------------ */
/* Input */

/* The documents loaded without diagnostics; NULL when they do not load. */
static struct rl_policy *load(const struct input *in, struct rl_ident *filter)
{
	struct rl_policy *p;
	if (load_docs(in, filter, NULL, &p) != RL_OK) {
		rl_policy_free(p);
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* Identities */

static void make_ident(struct rl_ident *id, const char *name, uid_t uid, gid_t gid,
		       const gid_t *gids, size_t ngids)
{
	if (rl_ident_make(name, uid, gid, gids, ngids, id) != RL_OK)
		fail("rl_ident_make failed");
}

static void add_group(struct rl_ident *id, const char *name, bool known, gid_t gid)
{
	if (rl_ident_add_group(id, name, known, gid) != RL_OK)
		fail("rl_ident_add_group failed");
}

/* The fixed ones: fuzz_policy's, and the largest id. */
static size_t fixed_idents(struct rl_ident *ids)
{
	static const gid_t edge_gids[] = {0, 1, MAX_ID - 1};
	make_idents(ids);
	make_ident(&ids[ID_N], "nobody", MAX_ID, MAX_ID, edge_gids, 3);
	return FIXED_IDS;
}

/* What a policy or an index names: the values worth being. */
struct facts {
	const char *users[MAX_FACTS], *groups[MAX_FACTS];
	uint32_t uids[MAX_FACTS], gids[MAX_FACTS];
	size_t nusers, ngroups, nuids, ngids;
};

static void add_id(uint32_t *v, size_t *n, uint64_t x)
{
	if (x > MAX_ID || *n == MAX_FACTS)
		return;
	for (size_t i = 0; i < *n; i++) {
		if (v[i] == x)
			return;
	}
	v[(*n)++] = (uint32_t)x;
}

/* An id range, and one either side of it. */
static void add_span(uint32_t *v, size_t *n, uint64_t lo, uint64_t hi)
{
	add_id(v, n, lo);
	add_id(v, n, hi);
	if (lo > 0)
		add_id(v, n, lo - 1);
	add_id(v, n, hi + 1);
}

static void add_name(const char **v, size_t *n, const char *s)
{
	if (*n < MAX_FACTS)
		v[(*n)++] = s;
}

/* f's uids or its gids, and their count. */
static uint32_t *id_list(struct facts *f, bool users, size_t **n)
{
	*n = users ? &f->nuids : &f->ngids;
	return users ? f->uids : f->gids;
}

static void policy_facts(const struct rl_policy *p, struct facts *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rl_rule *r = p->rules[i];
		bool users = r->kind == RL_RULE_UID || r->kind == RL_RULE_UID_RANGE;
		size_t *n;
		uint32_t *v = id_list(f, users, &n);
		switch (r->kind) {
		case RL_RULE_USER:
			add_name(f->users, &f->nusers, r->name);
			break;
		case RL_RULE_GROUP:
			add_name(f->groups, &f->ngroups, r->name);
			break;
		case RL_RULE_UID:
		case RL_RULE_GID:
			add_id(v, n, r->lo);
			break;
		case RL_RULE_UID_RANGE:
		case RL_RULE_GID_RANGE:
			add_span(v, n, r->lo, r->hi);
			break;
		case RL_RULE_DEFAULT:
			break;
		}
	}
}

/* The ids in an index's uid and gid tables, when its header holds. */
static void index_facts(const unsigned char *b, size_t len, struct facts *f)
{
	struct layout l;
	memset(f, 0, sizeof(*f));
	if (!layout_of(b, len, &l))
		return;
	/* A pin's key is a gid (or a name's hash, which add_span drops). */
	static const int tabs[] = {T_UID, T_UID_RANGE, T_GID, T_GID_RANGE, T_PIN};
	for (size_t k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++) {
		int t = tabs[k];
		size_t *n;
		uint32_t *v = id_list(f, t == T_UID || t == T_UID_RANGE, &n);
		for (uint32_t i = 0; i < l.nkeys[t] && i < KEYS_PER_TABLE; i++) {
			const unsigned char *e = b + l.keys[t] + (size_t)i * KEY_ENT;
			add_span(v, n, get64(e), get32(e + 8));
		}
	}
}

/* ------------------------------------------------------------------ */
/* Pinned group names: the harness's own group directory */

/*
 * What a pinned compile asks about each group name of the policy (through
 * struct rl_pinner), and what the identities are made to agree with.  The
 * fixed identities' groups keep their gids, and staff (bob's, without a
 * gid) is no group.  Any other name is no group for one name hash in five,
 * else has a gid drawn by its hash: one of a few that several names share,
 * one the policy names in a gid rule (or either side of a gid range), or
 * one of the fixed identities'.  A function of the name and the policy, so
 * that a mutation elsewhere in the input does not change it.
 */
struct dir {
	const struct facts *f; /* the policy's */
	const char **names;    /* the policy's group names, sorted, each once */
	size_t nnames;
};

static const struct {
	const char *name;
	bool found;
	gid_t gid;
} fixed_groups[] = {
    {"root", true, 0},    {"research", true, 3001}, {"students", true, 3500},
    {"users", true, 100}, {"staff", false, 0},
};

static void dir_lookup(const struct dir *d, const char *name, bool *found, gid_t *gid)
{
	static const gid_t fixed_gids[] = {100, 3000, 3001, 3500, 4000, 65534, MAX_ID};
	for (size_t i = 0; i < sizeof(fixed_groups) / sizeof(fixed_groups[0]); i++) {
		if (strcmp(name, fixed_groups[i].name) == 0) {
			*found = fixed_groups[i].found;
			*gid = fixed_groups[i].gid;
			return;
		}
	}
	uint64_t h = rl_hash64(name, strlen(name));
	unsigned how = (unsigned)(h >> 8) % 4;
	*found = h % 5 != 0;
	*gid = 0;
	if (!*found)
		return;
	if (how == 2 && d->f->ngids)
		*gid = d->f->gids[(h >> 16) % d->f->ngids];
	else if (how == 3)
		*gid = fixed_gids[(h >> 16) % (sizeof(fixed_gids) / sizeof(fixed_gids[0]))];
	else
		*gid = (gid_t)(70000 + (h >> 16) % 16);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The directory of p's group names; free d->names. */
static void dir_of(const struct rl_policy *p, const struct facts *f, struct dir *d)
{
	d->f = f;
	d->names = xmalloc(p->nrules * sizeof(*d->names));
	d->nnames = 0;
	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i]->kind == RL_RULE_GROUP)
			d->names[d->nnames++] = p->rules[i]->name;
	}
	if (d->nnames > 1)
		qsort(d->names, d->nnames, sizeof(*d->names), name_cmp);
	size_t k = 0;
	for (size_t i = 0; i < d->nnames; i++) {
		if (k == 0 || strcmp(d->names[k - 1], d->names[i]) != 0)
			d->names[k++] = d->names[i];
	}
	d->nnames = k;
}

static bool dir_has(const struct dir *d, const char *name)
{
	return d->nnames &&
	       bsearch(&name, d->names, d->nnames, sizeof(*d->names), name_cmp) != NULL;
}

/* The pinner over a directory: each call checked, and one of them failing when asked. */
struct pin_ctx {
	const struct dir *d;
	size_t calls;
	size_t fail_at; /* the call that fails, or SIZE_MAX */
	enum rl_status fail_with;
};

static enum rl_status pin_resolve(void *ctx, const char *name, bool *found, gid_t *gid)
{
	struct pin_ctx *c = ctx;
	if (!name || !found || !gid || !dir_has(c->d, name))
		fail("the pinner was asked about \"%s\", no group name of the policy",
		     name ? name : "(null)");
	if (c->calls++ == c->fail_at)
		return c->fail_with;
	dir_lookup(c->d, name, found, gid);
	return RL_OK;
}

/*
 * Gives id the names the directory has for its gids, as getgrouplist and
 * getgrgid would: for every gid it has, the names with that gid.
 */
static void dir_complete(struct rl_ident *id, const struct dir *d)
{
	for (size_t i = 0; i < d->nnames; i++) {
		bool found;
		gid_t gid;
		dir_lookup(d, d->names[i], &found, &gid);
		if (found && has_gid(id, gid) && !has_gname(id, d->names[i]))
			add_group(id, d->names[i], true, gid);
	}
}

/*
 * Whether id agrees with the directory: it has each name that is a group
 * exactly when it has that group's gid.  Then a login by pinned gids and
 * one by names keep the same group rules (root takes none either way).
 */
static bool dir_agrees(const struct rl_ident *id, const struct dir *d)
{
	if (id->uid == 0)
		return true;
	for (size_t i = 0; i < d->nnames; i++) {
		bool found;
		gid_t gid;
		dir_lookup(d, d->names[i], &found, &gid);
		if (found && has_gname(id, d->names[i]) != has_gid(id, gid))
			return false;
	}
	return true;
}

/*
 * The identities made of what f names: a user named like the first user
 * rule, one like the last, one named like a group, and root; each at
 * another of the ids, in half or all of the groups and gids named.  The
 * groups have the directory d's gids (without d, made-up ones), except the
 * second identity's, which are there without their gids, while it has the
 * gids of the other half without their names: groups renumbered since a
 * pinned compile.
 */
static size_t fact_idents(const struct facts *f, const struct dir *d, struct rl_ident *ids)
{
	static const char *const fallback[FACT_IDS] = {"carol", "dave", "erin", "frank"};
	size_t n = 0;
	for (size_t k = 0; k < FACT_IDS; k++) {
		const char *name = fallback[k];
		if (k == 0 && f->nusers)
			name = f->users[0];
		else if ((k == 1 || k == 3) && f->nusers)
			name = f->users[f->nusers - 1];
		else if (k == 2 && f->ngroups)
			name = f->groups[0];
		uid_t uid = (uid_t)(2500 + k);
		if (k == 3)
			uid = 0;
		else if (f->nuids)
			uid = f->uids[k == 0 ? 0 : k == 1 ? f->nuids - 1 : f->nuids / 2];
		gid_t gids[2 * MAX_FACTS];
		size_t ng = 0;
		for (size_t i = 0; i < f->ngids; i++) {
			if (k >= 2 || i % 2 == k)
				gids[ng++] = f->gids[i];
		}
		bool found;
		gid_t gid;
		for (size_t i = 0; d && k == 1 && i < f->ngroups; i += 2) {
			dir_lookup(d, f->groups[i], &found, &gid);
			if (found)
				gids[ng++] = gid;
		}
		gid_t primary = ng ? gids[0] : (gid_t)(7000 + k);
		make_ident(&ids[n], name, uid, primary, gids, ng);
		for (size_t i = 0; i < f->ngroups; i++) {
			if (k < 2 && i % 2 != k)
				continue;
			found = false;
			if (d)
				dir_lookup(d, f->groups[i], &found, &gid);
			add_group(&ids[n], f->groups[i], k != 1, found ? gid : (gid_t)(70000 + i));
		}
		n++;
	}
	return n;
}

static void free_idents(struct rl_ident *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rl_ident_free(&ids[i]);
}

/* ------------------------------------------------------------------ */
/* Comparisons */

static void describe_half(const char *who, const struct rl_half *h)
{
	fprintf(stderr, "    %s: set=%d value=%d/%llu rlim=%llu rule=%s %s:%u:%u\n", who, h->set,
		(int)h->value.type, (unsigned long long)h->value.n, (unsigned long long)h->rlim,
		h->origin.rule, h->origin.file, h->origin.line, h->origin.col);
}

static const char *ident_text(const struct rl_ident *id, char *buf, size_t size)
{
	int n = snprintf(buf, size, "\"%.40s\" uid %u gids", id->name, (unsigned)id->uid);
	for (size_t i = 0; i < id->ngids && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %u", (unsigned)id->gids[i]);
	for (size_t i = 0; i < id->ngnames && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %.40s", id->gnames[i]);
	return buf;
}

static void resolve(const struct rl_policy *p, struct rl_ident *id, const struct rl_host *host,
		    struct rl_result *r, const char *what)
{
	enum rl_status st = rl_resolve(p, id, host, r);
	if (st != RL_OK)
		fail("rl_resolve of %s returned %d for %s", what, (int)st, id->name);
}

/* The index's result for id is the reference's, on every host. */
static void same_resolution(const struct rl_policy *ref, const char *refname,
			    const struct rl_policy *ix, struct rl_ident *id)
{
	for (size_t h = 0; h < NHOSTS; h++) {
		struct rl_result a, b;
		resolve(ref, id, &hosts[h], &a, refname);
		resolve(ix, id, &hosts[h], &b, "the index's policy");
		bool same = true;
		for (int it = 0; it < RL_NITEMS; it++) {
			const struct rl_item_result *x = &a.item[it], *y = &b.item[it];
			if (tr_same_item(x, y))
				continue;
			same = false;
			fprintf(stderr, "  %s (clamped %d | %d):\n", rl_items[it].name,
				x->soft_clamped, y->soft_clamped);
			describe_half(refname, &x->soft);
			describe_half("index soft", &y->soft);
			describe_half(refname, &x->hard);
			describe_half("index hard", &y->hard);
		}
		if (!same) {
			char buf[1024];
			fail("the index resolves otherwise than %s for %s (host %zu)", refname,
			     ident_text(id, buf, sizeof(buf)), h);
		}
	}
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Rule a (the index's) is rule b in every field. */
static void same_rule(const struct rl_rule *a, const struct rl_rule *b, const char *what,
		      const struct rl_ident *id, size_t i)
{
	char buf[1024];
	if (a->kind != b->kind || a->lo != b->lo || a->hi != b->hi || !same_str(a->name, b->name) ||
	    !same_str(a->label, b->label))
		fail("rule %zu for %s: the index has %d \"%s\" %u-%u, %s has %d \"%s\" %u-%u", i,
		     ident_text(id, buf, sizeof(buf)), (int)a->kind, a->label, a->lo, a->hi, what,
		     (int)b->kind, b->label, b->lo, b->hi);
	for (int it = 0; it < RL_NITEMS; it++) {
		for (int h = 0; h < 2; h++) {
			const struct rl_setv *x = &a->items[it][h], *y = &b->items[it][h];
			if (x->v.type == RL_V_UNSET && y->v.type == RL_V_UNSET)
				continue;
			if (x->v.type != y->v.type || x->v.n != y->v.n || x->seq != y->seq ||
			    x->line != y->line || x->col != y->col || x->file != y->file)
				fail("rule %s %s %s for %s: the index has %d/%llu seq %u at "
				     "%u:%u:%u, %s has %d/%llu seq %u at %u:%u:%u",
				     a->label, rl_items[it].name, h ? "hard" : "soft",
				     ident_text(id, buf, sizeof(buf)), (int)x->v.type,
				     (unsigned long long)x->v.n, x->seq, x->file, x->line, x->col,
				     what, (int)y->v.type, (unsigned long long)y->v.n, y->seq,
				     y->file, y->line, y->col);
		}
	}
}

static void same_frame(const struct rl_policy *ix, const struct rl_policy *ref, const char *what)
{
	if (ix->combine != ref->combine || ix->nfiles != ref->nfiles)
		fail("the index has groups_combine %d and %zu files, %s %d and %zu",
		     (int)ix->combine, ix->nfiles, what, (int)ref->combine, ref->nfiles);
	for (size_t i = 0; i < ix->nfiles; i++) {
		if (strcmp(ix->files[i], ref->files[i]) != 0)
			fail("file %zu: the index says \"%s\", %s \"%s\"", i, ix->files[i], what,
			     ref->files[i]);
	}
}

/* The index's policy for id is ref: files, combine, the same rules in the same order. */
static void same_policy(const struct rl_policy *ix, const struct rl_policy *ref, const char *what,
			const struct rl_ident *id)
{
	char buf[1024];
	same_frame(ix, ref, what);
	if (ix->nrules != ref->nrules) {
		for (size_t i = 0; i < ix->nrules; i++)
			fprintf(stderr, "  index: %s\n", ix->rules[i]->label);
		for (size_t i = 0; i < ref->nrules; i++)
			fprintf(stderr, "  %s: %s\n", what, ref->rules[i]->label);
		fail("the index keeps %zu rules for %s, %s %zu", ix->nrules,
		     ident_text(id, buf, sizeof(buf)), what, ref->nrules);
	}
	for (size_t i = 0; i < ix->nrules; i++)
		same_rule(ix->rules[i], ref->rules[i], what, id, i);
}

/* The index's policy for id is the filtered load's, and resolves the same. */
static void same_as_filtered(const struct rl_policy *ix, const struct rl_policy *filtered,
			     struct rl_ident *id)
{
	same_policy(ix, filtered, "the filtered load", id);
	same_resolution(filtered, "the filtered load", ix, id);
}

/* The index's policy for id holds the whole policy's rules that match id, in order. */
static void same_as_whole(const struct rl_policy *ix, const struct rl_policy *whole,
			  struct rl_ident *id)
{
	char buf[1024];
	size_t k = 0;
	same_frame(ix, whole, "the whole policy");
	for (size_t i = 0; i < whole->nrules; i++) {
		bool m;
		if (rl_rule_matches(whole->rules[i], id, &m) != RL_OK)
			fail("rl_rule_matches failed");
		if (!m)
			continue;
		if (k == ix->nrules)
			fail("the index misses rule %s for %s", whole->rules[i]->label,
			     ident_text(id, buf, sizeof(buf)));
		same_rule(ix->rules[k], whole->rules[i], "the whole policy", id, k);
		k++;
	}
	if (k != ix->nrules)
		fail("the index keeps %zu rules for %s, %zu of the whole policy match "
		     "(first extra: %s)",
		     ix->nrules, ident_text(id, buf, sizeof(buf)), k, ix->rules[k]->label);
	same_resolution(whole, "the whole policy", ix, id);
}

static struct rl_policy *from_index(const unsigned char *ix, size_t len, struct rl_ident *id)
{
	struct rl_policy *p;
	enum rl_status st = rl_index_load_mem(ix, len, id, &p);
	if (st != RL_OK || !p)
		fail("rl_index_load_mem of a fresh index returned %d for %s", (int)st, id->name);
	return p;
}

/* ------------------------------------------------------------------ */
/* The index as a login reads it: from a file, for the policy files there */

/* The documents as the loader would find them: path, size and hash. */
struct sources {
	struct rl_src v[MAX_DOCS + 1];
	struct rl_srclist list;
};

static void sources_of(const struct input *in, struct sources *s)
{
	for (size_t i = 0; i < in->ndocs; i++) {
		const struct doc *d = &in->docs[i];
		s->v[i] = (struct rl_src){(char *)doc_names[i], d->len, rl_hash64(d->text, d->len)};
	}
	s->list = (struct rl_srclist){s->v, in->ndocs, MAX_DOCS + 1};
}

/* A memfd holding b (the same one each time: one descriptor for the run). */
static int index_fd(const unsigned char *b, size_t len)
{
	static int fd = -1;
	fuzz_memfd(&fd, "rlimit.yaml.idx", b, len);
	return fd;
}

static void check_fd_status(enum rl_status st, bool stale, const char *what)
{
	if (st != RL_OK && st != RL_EINVALID && st != RL_ENOMEM)
		fail("rl_index_load_fd (%s) returned %d", what, (int)st);
	if (stale && st != RL_EINVALID)
		fail("rl_index_load_fd (%s) returned %d for a stale index", what, (int)st);
}

/*
 * The fresh index in fd is up to date with the documents, and is no
 * longer when one more or one fewer file is found, or a file has another
 * hash, size or path: whether check asks (no policy wanted) or a login.
 */
static void check_sources(int fd, size_t len, const struct sources *s, struct rl_ident *id,
			  uint64_t seed)
{
	static const char *const other_names[MAX_DOCS] = {
	    "/etc/security/rlimit.yml",
	    "/etc/security/rlimit.d/10-fuzz.yml",
	    "/etc/security/rlimit.d/20-fuzz.yml",
	};
	bool stale = true;
	enum rl_status st = rl_index_load_fd(fd, len, &s->list, id, NULL, &stale);
	if (st != RL_OK || stale)
		fail("check of a fresh index: status %d, stale %d", (int)st, stale);
	for (int k = 0; k < 5; k++) {
		struct sources o = *s;
		size_t d = (size_t)(seed % s->list.n);
		o.list.v = o.v;
		switch (k) {
		case 0:
			o.list.n--;
			break;
		case 1:
			o.v[o.list.n++] = (struct rl_src){
			    (char *)"/etc/security/rlimit.d/99-new.yaml", 0, rl_hash64("", 0)};
			break;
		case 2:
			o.v[d].hash ^= 1;
			break;
		case 3:
			o.v[d].size++;
			break;
		case 4:
			o.v[d].path = (char *)other_names[d];
			break;
		}
		for (int want = 0; want < 2; want++) {
			struct rl_policy *p = NULL;
			stale = false;
			st = rl_index_load_fd(fd, len, &o.list, id, want ? &p : NULL, &stale);
			if (st != RL_EINVALID || !stale || p)
				fail("an index of other files (change %d, file %zu): status %d, "
				     "stale %d, policy %p",
				     k, d, (int)st, stale, (void *)p);
		}
	}
}

/* ------------------------------------------------------------------ */
/* What rl_index_build wrote */

/* The key rule r has in the table of its kind. */
static uint64_t kind_key(const struct rl_rule *r)
{
	switch (r->kind) {
	case RL_RULE_DEFAULT:
		return 0;
	case RL_RULE_USER:
	case RL_RULE_GROUP:
		return rl_hash64(r->name, strlen(r->name));
	default:
		return r->lo;
	}
}

/*
 * Each key table sorted by key, each entry the right key for a rule of the
 * table's kind, each rule once in its kind's table; and with d (pinned),
 * each group rule once more: under the gid d gives its name in T_PIN, or
 * under the name's hash in T_UNPIN when d has no such group.
 */
static void check_keys(const struct rl_policy *whole, const unsigned char *ix,
		       const struct layout *l, const struct dir *d)
{
	unsigned char *seen = xmalloc(2 * (size_t)l->nrules);
	memset(seen, 0, 2 * (size_t)l->nrules);
	for (int t = 0; t < T_N; t++) {
		for (uint32_t i = 0; i < l->nkeys[t]; i++) {
			const unsigned char *e = ix + l->keys[t] + (size_t)i * KEY_ENT;
			uint64_t key = get64(e);
			uint32_t hi = get32(e + 8), rule = get32(e + 12);
			if (i && get64(e - KEY_ENT) > key)
				fail("key table %d: entry %u is out of order", t, i);
			if (rule >= l->nrules)
				fail("key table %d: entry %u names rule %u of %u", t, i, rule,
				     l->nrules);
			const struct rl_rule *r = whole->rules[rule];
			uint64_t want_key = kind_key(r);
			uint32_t want_hi = r->hi;
			int want_t = (int)r->kind;
			if (t >= T_PIN) {
				bool found = false;
				gid_t gid = 0;
				if (r->kind == RL_RULE_GROUP && d)
					dir_lookup(d, r->name, &found, &gid);
				want_t = -1; /* no pin but of a group rule, when pinned */
				if (r->kind == RL_RULE_GROUP && d)
					want_t = found ? T_PIN : T_UNPIN;
				want_key = found ? gid : want_key;
				want_hi = 0;
			}
			if (t != want_t || key != want_key || hi != want_hi)
				fail("key table %d: entry %u is %016llx-%u for rule %u (\"%s\", "
				     "kind "
				     "%d), which belongs in table %d under %016llx-%u",
				     t, i, (unsigned long long)key, hi, rule, r->label,
				     (int)r->kind, want_t, (unsigned long long)want_key, want_hi);
			if (seen[2 * (size_t)rule + (t >= T_PIN)]++)
				fail("key table %d: rule %u has a second entry", t, rule);
		}
	}
	for (uint32_t i = 0; i < l->nrules; i++) {
		bool pin = d && whole->rules[i]->kind == RL_RULE_GROUP;
		if (!seen[2 * (size_t)i] || seen[2 * (size_t)i + 1] != pin)
			fail("rule %u (\"%s\"): %u entries by kind, %u pins", i,
			     whole->rules[i]->label, seen[2 * (size_t)i], seen[2 * (size_t)i + 1]);
	}
	free(seen);
}

/*
 * ix is rl_index_build's index of whole, pinned with pin over d or not (pin
 * and d NULL); plain, when pinned, is the same policy's unpinned index.
 */
static void check_layout(const struct input *in, const struct rl_policy *whole,
			 const unsigned char *ix, size_t len, const struct rl_pinner *pin,
			 const struct dir *d, const unsigned char *plain, size_t plain_len)
{
	struct layout l;
	if (!layout_of(ix, len, &l) || memcmp(ix, MAGIC, 8) != 0 ||
	    get32(ix + H_VERSION) != VERSION || l.flags != (pin ? F_PINNED : 0))
		fail("the index has no valid header (%zu bytes, flags %u)", len,
		     len >= HEADER ? get32(ix + H_FLAGS) : 0);
	if (get32(ix + H_COMBINE) != (uint32_t)whole->combine || l.nfiles != in->ndocs ||
	    l.nrules != whole->nrules || l.blob_area + l.blobs != len)
		fail("header: combine %u, %u files, %u rules, %u rule bytes; the policy: %d, %zu, "
		     "%zu, %zu",
		     get32(ix + H_COMBINE), l.nfiles, l.nrules, l.blobs, (int)whole->combine,
		     in->ndocs, whole->nrules, len - l.blob_area);
	for (uint32_t i = 0; i < l.nfiles; i++) {
		const unsigned char *f = ix + l.files + (size_t)i * FILE_ENT;
		const struct doc *doc = &in->docs[i];
		uint32_t off = get32(f + 16), plen = get32(f + 20);
		if (get64(f) != doc->len || get64(f + 8) != rl_hash64(doc->text, doc->len))
			fail("file %u: size %llu hash %016llx, the document %zu bytes hash %016llx",
			     i, (unsigned long long)get64(f), (unsigned long long)get64(f + 8),
			     doc->len, (unsigned long long)rl_hash64(doc->text, doc->len));
		if (off > l.strings || plen > l.strings - off || plen != strlen(doc_names[i]) ||
		    memcmp(ix + l.str + off, doc_names[i], plen) != 0)
			fail("file %u: path at %u (%u bytes) is not \"%s\"", i, off, plen,
			     doc_names[i]);
	}
	/* One key per rule, in the table of its kind; pinned, a group rule's pin. */
	uint32_t count[T_N] = {0};
	for (size_t i = 0; i < whole->nrules; i++)
		count[whole->rules[i]->kind]++;
	for (size_t i = 0; d && i < whole->nrules; i++) {
		bool found;
		gid_t gid;
		if (whole->rules[i]->kind != RL_RULE_GROUP)
			continue;
		dir_lookup(d, whole->rules[i]->name, &found, &gid);
		count[found ? T_PIN : T_UNPIN]++;
	}
	for (int t = 0; t < T_N; t++) {
		if (count[t] != l.nkeys[t])
			fail("key table %d has %u entries for %u rules", t, l.nkeys[t], count[t]);
	}
	check_keys(whole, ix, &l, d);
	/* The rule records, one after another, each with its hash. */
	uint64_t at = 0;
	for (uint32_t i = 0; i < l.nrules; i++) {
		const unsigned char *e = ix + l.rules + (size_t)i * RULE_ENT;
		uint32_t off = get32(e), rlen = get32(e + 4);
		if (off != at || rlen > l.blobs - at ||
		    get64(e + 8) != rl_hash64(ix + l.blob_area + off, rlen))
			fail(
			    "rule %u: record at %u (%u bytes, hash %016llx) after %llu bytes of %u",
			    i, off, rlen, (unsigned long long)get64(e + 8), (unsigned long long)at,
			    l.blobs);
		at += rlen;
	}
	if (at != l.blobs)
		fail("the rule records fill %llu bytes of %u", (unsigned long long)at, l.blobs);
	/*
	 * Pinned, the index is the unpinned one with the flag, the pin tables'
	 * counts and the pin tables: every other byte the same but the hash.
	 */
	if (plain) {
		struct layout u;
		if (!layout_of(plain, plain_len, &u) || u.flags != 0 || u.nkeys[T_PIN] ||
		    u.nkeys[T_UNPIN] ||
		    plain_len + ((size_t)l.nkeys[T_PIN] + l.nkeys[T_UNPIN]) * KEY_ENT != len ||
		    memcmp(ix, plain, H_NKEYS + 4 * T_KINDS) != 0 ||
		    memcmp(ix + H_STRINGS, plain + H_STRINGS, H_FLAGS - H_STRINGS) != 0 ||
		    memcmp(ix + HEADER, plain + HEADER, l.keys[T_PIN] - HEADER) != 0 ||
		    memcmp(ix + l.str, plain + u.str, len - l.str) != 0)
			fail(
			    "the pinned index (%zu bytes) is not the unpinned one (%zu bytes) with "
			    "pins",
			    len, plain_len);
	}
	/* The harness reads the layout as index.c writes it. */
	unsigned char *again = xmalloc(len);
	memcpy(again, ix, len);
	if (!seal(again, len, true) || memcmp(again, ix, len) != 0)
		fail("sealing a fresh index changed it: the harness's layout is not index.c's");
	free(again);
	size_t len2;
	struct pin_ctx pc = {d, 0, SIZE_MAX, RL_OK};
	struct rl_pinner pin2 = {pin_resolve, &pc};
	if (rl_index_build(whole, pin ? &pin2 : NULL, &again, &len2) != RL_OK || len2 != len ||
	    memcmp(again, ix, len) != 0)
		fail("two builds of one policy differ");
	free(again);
}

/* ------------------------------------------------------------------ */
/* Hostile indexes */

struct buf {
	unsigned char *b;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	unsigned char *nb = realloc(b->b, cap);
	if (!nb)
		fail("out of memory");
	b->b = nb;
	b->cap = cap;
}

/* The bytes of an edit program; reading past its end gives zeros. */
struct prog {
	const uint8_t *p;
	size_t n, at;
};

static uint32_t take(struct prog *g, int bytes)
{
	uint32_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)(g->at < g->n ? g->p[g->at++] : 0) << (8 * i);
	return v;
}

/*
 * An offset into one area of the original index (whole, header, files,
 * rules, keys, strings, rule records), clipped to what is there now; false
 * when that area is empty.
 */
static bool offset(struct prog *g, const struct layout *l, size_t orig_len, size_t len, size_t *out)
{
	unsigned area = take(g, 1) % 7;
	uint32_t v = take(g, 2);
	size_t lo = 0, hi = len;
	switch (area) {
	case 1:
		hi = HEADER;
		break;
	case 2:
		lo = l->files;
		hi = l->rules;
		break;
	case 3:
		lo = l->rules;
		hi = l->keys[0];
		break;
	case 4:
		lo = l->keys[0];
		hi = l->str;
		break;
	case 5:
		lo = l->str;
		hi = l->blob_area;
		break;
	case 6:
		lo = l->blob_area;
		hi = orig_len;
		break;
	}
	if (hi > len)
		hi = len;
	if (lo >= hi)
		return false;
	*out = lo + v % (hi - lo);
	return true;
}

/*
 * Runs an edit program on b, one op after another, each an op byte and
 * its operands (AREA is a byte choosing the area and two bytes the offset
 * in it, see offset()):
 *   0 AREA X     xor a byte with X (1 if X is 0)
 *   1 AREA V32   write a 32-bit value
 *   2 AREA D     add D (signed byte) to the 32-bit value there
 *   3 AREA       cut the index there
 *   4 N X        append N + 1 bytes X
 *   5            seal the header and tables as they are (their hash)
 *   6            seal all: the rule area is the rest, each rule entry's
 *                hash that of its record, then the header's hash
 *   7 AREA AREA N  copy N + 1 bytes from the first place to the second
 * An op that does not fit what is there does nothing.
 */
static void edit(struct buf *b, const struct layout *l, size_t orig_len, struct prog *g)
{
	for (int n = 0; n < MAX_EDITS && g->at < g->n; n++) {
		unsigned op = take(g, 1) % 8;
		size_t at, to;
		switch (op) {
		case 0:
			if (offset(g, l, orig_len, b->len, &at)) {
				unsigned x = take(g, 1);
				b->b[at] ^= (unsigned char)(x ? x : 1);
			}
			break;
		case 1:
			if (offset(g, l, orig_len, b->len, &at)) {
				uint32_t v = take(g, 4);
				if (b->len - at >= 4)
					put32(b->b + at, v);
			}
			break;
		case 2:
			if (offset(g, l, orig_len, b->len, &at)) {
				int8_t d = (int8_t)take(g, 1);
				if (b->len - at >= 4)
					put32(b->b + at, get32(b->b + at) + (uint32_t)(int32_t)d);
			}
			break;
		case 3:
			if (offset(g, l, orig_len, b->len, &at))
				b->len = at;
			break;
		case 4: {
			size_t k = take(g, 1) + 1;
			unsigned char x = (unsigned char)take(g, 1);
			buf_reserve(b, k);
			memset(b->b + b->len, x, k);
			b->len += k;
			break;
		}
		case 5:
		case 6:
			seal(b->b, b->len, op == 6);
			break;
		case 7: {
			bool ok = offset(g, l, orig_len, b->len, &at);
			ok = offset(g, l, orig_len, b->len, &to) && ok;
			size_t k = take(g, 1) + 1;
			if (ok && b->len - at >= k && b->len - to >= k)
				memmove(b->b + to, b->b + at, k);
			break;
		}
		}
	}
}

/*
 * Does r apply to id?  The harness's own reading of the rule's fields, not
 * rl_rule_matches, which is what index.c filters with; the same semantics:
 * root takes no default, uid range or group rule, uid:N applies to uid N
 * (root too), gid:N to a user with gid N.  A name is looked up in the
 * identity's group names, which are all there: the identities of this
 * fuzzer are made by rl_ident_make, which sets gnames_loaded.
 */
static bool rule_applies(const struct rl_rule *r, const struct rl_ident *id)
{
	bool root = id->uid == 0;
	switch (r->kind) {
	case RL_RULE_DEFAULT:
		return !root;
	case RL_RULE_USER:
		return strcmp(r->name, id->name) == 0;
	case RL_RULE_UID:
		return id->uid == r->lo;
	case RL_RULE_UID_RANGE:
		return !root && r->lo <= id->uid && id->uid <= r->hi;
	case RL_RULE_GROUP:
		if (!id->gnames_loaded)
			fail("identity %s without its group names", id->name);
		return !root && has_gname(id, r->name);
	case RL_RULE_GID:
		return !root && has_gid(id, r->lo);
	case RL_RULE_GID_RANGE:
		return !root && any_gid_in(id, r->lo, r->hi);
	}
	return false;
}

/*
 * The record rule i's entry in index b points at, when it lies in the rule
 * area and holds a record's head; NULL otherwise.
 */
static const unsigned char *record_of(const unsigned char *b, size_t len, const struct layout *l,
				      uint32_t i, uint32_t *rlen)
{
	if (i >= l->nrules)
		return NULL;
	const unsigned char *e = b + l->rules + (size_t)i * RULE_ENT;
	uint32_t off = get32(e);
	size_t rest = len - l->blob_area;
	*rlen = get32(e + 4);
	if (off > rest || *rlen > rest - off || *rlen < REC_HEAD)
		return NULL;
	return b + l->blob_area + off;
}

/* Whether the record rec is rule r: kind, ids, name and label. */
static bool record_is(const unsigned char *rec, uint32_t rlen, const struct rl_rule *r)
{
	size_t nl = (size_t)rec[2] | (size_t)rec[3] << 8, ll = (size_t)rec[4] | (size_t)rec[5] << 8;
	size_t rnl = r->name ? strlen(r->name) : 0;
	return rec[0] == (unsigned)r->kind && get32(rec + 8) == r->lo && get32(rec + 12) == r->hi &&
	       REC_HEAD + nl + ll <= rlen && nl == rnl && ll == strlen(r->label) &&
	       (!nl || memcmp(rec + REC_HEAD, r->name, nl) == 0) &&
	       memcmp(rec + REC_HEAD + nl, r->label, ll) == 0;
}

/*
 * Whether index b (pinned) pins rule r to one of id's gids: an entry of
 * its T_PIN table under such a gid names a record that is r.  Never for
 * root, which group rules do not apply to.
 */
static bool pinned_to(const unsigned char *b, size_t len, const struct rl_ident *id,
		      const struct rl_rule *r)
{
	struct layout l;
	if (id->uid == 0 || r->kind != RL_RULE_GROUP || !layout_of(b, len, &l) ||
	    !(l.flags & F_PINNED))
		return false;
	for (uint32_t i = 0; i < l.nkeys[T_PIN]; i++) {
		const unsigned char *e = b + l.keys[T_PIN] + (size_t)i * KEY_ENT;
		uint32_t rlen;
		const unsigned char *rec = record_of(b, len, &l, get32(e + 12), &rlen);
		if (has_gid(id, get64(e)) && rec && record_is(rec, rlen, r))
			return true;
	}
	return false;
}

/*
 * An index that loaded (RL_OK) for id: its header is one index.c writes,
 * each key table is sorted and names rules there are, and a pin under one
 * of id's gids (which a login takes without asking NSS) names a group rule.
 */
static void check_accepted(const unsigned char *b, size_t len, const struct rl_ident *id)
{
	struct layout l;
	char buf[1024];
	if (!layout_of(b, len, &l) || memcmp(b, MAGIC, 8) != 0 || get32(b + H_VERSION) != VERSION ||
	    l.blob_area + l.blobs != len)
		fail("an index of %zu bytes without a valid header was accepted", len);
	uint64_t kinds = 0, pins = (uint64_t)l.nkeys[T_PIN] + l.nkeys[T_UNPIN];
	for (int t = 0; t < T_KINDS; t++)
		kinds += l.nkeys[t];
	if ((l.flags & ~(uint32_t)F_PINNED) || kinds != l.nrules || l.nkeys[T_DEFAULT] > 1 ||
	    pins != (l.flags & F_PINNED ? l.nkeys[T_GROUP] : 0))
		fail("an index was accepted with flags %u, %u rules, %llu keys by kind (%u "
		     "defaults, %u groups) and %u + %u pins",
		     l.flags, l.nrules, (unsigned long long)kinds, l.nkeys[T_DEFAULT],
		     l.nkeys[T_GROUP], l.nkeys[T_PIN], l.nkeys[T_UNPIN]);
	for (int t = 0; t < T_N; t++) {
		for (uint32_t i = 0; i < l.nkeys[t]; i++) {
			const unsigned char *e = b + l.keys[t] + (size_t)i * KEY_ENT;
			if ((i && get64(e - KEY_ENT) > get64(e)) || get32(e + 12) >= l.nrules)
				fail("an index was accepted with entry %u of key table %d unsorted "
				     "or naming rule %u of %u",
				     i, t, get32(e + 12), l.nrules);
			if (t != T_PIN || id->uid == 0 || !has_gid(id, get64(e)))
				continue;
			uint32_t rlen;
			const unsigned char *rec = record_of(b, len, &l, get32(e + 12), &rlen);
			if (!rec || rec[0] != RL_RULE_GROUP)
				fail(
				    "an index was accepted for %s with a pin under gid %llu naming "
				    "rule %u, of kind %d",
				    ident_text(id, buf, sizeof(buf)), (unsigned long long)get64(e),
				    get32(e + 12), rec ? rec[0] : -1);
		}
	}
}

/*
 * A policy read from a hostile index b for id: what it holds must still be
 * sane, and each rule match id.
 */
static void check_hostile_policy(const struct rl_policy *p, struct rl_ident *id,
				 const unsigned char *b, size_t len)
{
	char buf[1024];
	for (size_t i = 0; i < p->nfiles; i++) {
		if (!p->files[i])
			fail("file %zu has no name", i);
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rl_rule *r = p->rules[i];
		bool named = r->kind == RL_RULE_USER || r->kind == RL_RULE_GROUP;
		if ((unsigned)r->kind > RL_RULE_GID_RANGE || !r->label ||
		    named != (r->name != NULL))
			fail("rule %zu: kind %d, label %p, name %p", i, (int)r->kind,
			     (const void *)r->label, (const void *)r->name);
		if (!rule_applies(r, id) && !pinned_to(b, len, id, r))
			fail("a damaged index kept rule \"%s\" (kind %d, %u-%u) for %s, which it "
			     "does not match",
			     r->label, (int)r->kind, r->lo, r->hi,
			     ident_text(id, buf, sizeof(buf)));
		for (int it = 0; it < RL_NITEMS; it++) {
			for (int h = 0; h < 2; h++) {
				const struct rl_setv *sv = &r->items[it][h];
				if (sv->v.type != RL_V_UNSET &&
				    ((unsigned)sv->v.type > RL_V_PCT || sv->file >= p->nfiles))
					fail("rule \"%s\" %s: type %d, file %u of %zu", r->label,
					     rl_items[it].name, (int)sv->v.type, sv->file,
					     p->nfiles);
			}
		}
	}
	for (size_t h = 0; h < NHOSTS; h++) {
		struct rl_result res;
		resolve(p, id, &hosts[h], &res, "a damaged index's policy");
	}
}

/*
 * b read from a file for id, against what it gave from memory (st, p), and
 * against check's verdict on the same file (verify, stale).
 */
static void read_hostile_fd(int fd, size_t len, const struct sources *s, struct rl_ident *id,
			    enum rl_status st, const struct rl_policy *p, enum rl_status verify,
			    bool stale)
{
	char buf[1024];
	struct rl_policy *q = NULL;
	bool qstale = !stale;
	enum rl_status sf = rl_index_load_fd(fd, len, &s->list, id, &q, &qstale);
	check_fd_status(sf, qstale, "a login");
	if (qstale != stale)
		fail("check finds the index %sstale, a login %sstale", stale ? "" : "not ",
		     qstale ? "" : "not ");
	if ((sf != RL_OK) != (q == NULL))
		fail("rl_index_load_fd returned %d with policy %p", (int)sf, (void *)q);
	if (verify == RL_OK && sf != RL_OK)
		fail("check finds every rule of the index sound, yet a login for %s gets %d",
		     ident_text(id, buf, sizeof(buf)), (int)sf);
	if (!stale && sf != st)
		fail("an index gives %d from a file, %d from memory for %s", (int)sf, (int)st,
		     ident_text(id, buf, sizeof(buf)));
	if (q && p)
		same_policy(q, p, "the same index read from memory", id);
	rl_policy_free(q);
}

/*
 * The pins of b, open on fd, as "rlimit-policy check" reads them: none when
 * b is stale or changed under its old hash; else, if any, pinned as its
 * header says, and nothing to free after a failure.
 */
static void check_hostile_pins(int fd, const unsigned char *b, size_t len, const struct sources *s,
			       bool must_refuse, bool stale)
{
	struct rl_pins pins;
	memset(&pins, 0xa5, sizeof(pins));
	enum rl_status st = rl_index_pins_fd(fd, len, &s->list, &pins);
	if (st != RL_OK && st != RL_EINVALID && st != RL_ENOMEM)
		fail("rl_index_pins_fd returned %d", (int)st);
	if (st != RL_OK) {
		if (pins.v || pins.n || pins.pinned)
			fail("rl_index_pins_fd returned %d with %zu pins", (int)st, pins.n);
		return;
	}
	if (must_refuse || stale)
		fail("rl_index_pins_fd reads %zu pins of an index %s", pins.n,
		     stale ? "made of other files" : "changed under its old hash");
	struct layout l;
	if (!layout_of(b, len, &l) || pins.pinned != ((l.flags & F_PINNED) != 0) ||
	    (!pins.pinned && pins.n) || pins.n > (size_t)l.nkeys[T_PIN] + l.nkeys[T_UNPIN])
		fail("rl_index_pins_fd: %zu pins, pinned %d, of an index with flags %u and %u + %u "
		     "pins",
		     pins.n, pins.pinned, l.flags, l.nkeys[T_PIN], l.nkeys[T_UNPIN]);
	for (size_t i = 0; i < pins.n; i++) {
		if (!pins.v[i].name)
			fail("rl_index_pins_fd: pin %zu has no name", i);
	}
	rl_pins_free(&pins);
	if (pins.v || pins.n || pins.pinned)
		fail("rl_pins_free leaves pins behind");
}

/*
 * Reads b as an index for every identity: from memory, and with s from a
 * file as check and a login do.  must_refuse: its size or its header and
 * tables are not the ones its hash was taken of.  fresh, when set, is the
 * index b was made from with the same header and tables: all b may differ
 * in is rule records, each under the hash in its entry, so what b gives,
 * if anything, is what fresh gives.
 */
static void read_hostile(const unsigned char *b, size_t len, struct rl_ident *ids, size_t nids,
			 bool must_refuse, const unsigned char *fresh, const struct sources *s)
{
	unsigned char *copy = xmalloc(len);
	if (len)
		memcpy(copy, b, len);
	int fd = -1;
	bool stale = false;
	enum rl_status verify = RL_EINVALID;
	if (s) {
		fd = index_fd(copy, len);
		verify = rl_index_load_fd(fd, len, &s->list, &ids[0], NULL, &stale);
		check_fd_status(verify, stale, "check");
		if (must_refuse && verify == RL_OK)
			fail("check accepts an index of %zu bytes whose size or header and tables "
			     "changed under the old hash",
			     len);
		check_hostile_pins(fd, copy, len, s, must_refuse, stale);
	}
	for (size_t i = 0; i < nids; i++) {
		static char unset;
		struct rl_policy *p = (struct rl_policy *)(void *)&unset; /* must be set */
		enum rl_status st = rl_index_load_mem(copy, len, &ids[i], &p);
		if (st != RL_OK && st != RL_EINVALID && st != RL_ENOMEM)
			fail("rl_index_load_mem of a damaged index returned %d", (int)st);
		if (st != RL_OK) {
			if (p)
				fail("rl_index_load_mem returned %d with a policy", (int)st);
			if (s)
				read_hostile_fd(fd, len, s, &ids[i], st, NULL, verify, stale);
			continue;
		}
		if (!p)
			fail("rl_index_load_mem returned RL_OK without a policy");
		if (must_refuse)
			fail("an index of %zu bytes whose size or header and tables changed under "
			     "the old hash was accepted",
			     len);
		check_accepted(copy, len, &ids[i]);
		check_hostile_policy(p, &ids[i], copy, len);
		if (fresh) {
			struct rl_policy *ref = from_index(fresh, len, &ids[i]);
			same_policy(p, ref, "the undamaged index", &ids[i]);
			rl_policy_free(ref);
		}
		if (s)
			read_hostile_fd(fd, len, s, &ids[i], st, p, verify, stale);
		rl_policy_free(p);
	}
	free(copy);
}

/* splitmix64: programs drawn from the input when it brings none. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void damage(const unsigned char *ix, size_t len, const uint8_t *prog, size_t nprog,
		   struct rl_ident *ids, size_t nids, const struct sources *s)
{
	struct layout l;
	struct buf b = {0};
	if (!layout_of(ix, len, &l))
		fail("a fresh index has no layout");
	buf_reserve(&b, len);
	memcpy(b.b, ix, len);
	b.len = len;
	struct prog g = {prog, nprog, 0};
	edit(&b, &l, len, &g);
	bool changed = b.len != len || memcmp(b.b, ix, l.blob_area) != 0;
	bool old_hash = b.len >= HEADER && get64(b.b + H_HASH) == get64(ix + H_HASH);
	read_hostile(b.b, b.len, ids, nids, changed && (old_hash || b.len < HEADER),
		     changed ? NULL : ix, s);
	free(b.b);
}

/* ------------------------------------------------------------------ */
/* The two kinds of input */

static void raw_index(const uint8_t *data, size_t size)
{
	struct rl_ident ids[MAX_IDS];
	struct facts f;
	size_t n = fixed_idents(ids);
	index_facts(data, size, &f);
	n += fact_idents(&f, NULL, ids + n);
	read_hostile(data, size, ids, n, false, NULL, NULL);
	unsigned char *sealed = xmalloc(size);
	memcpy(sealed, data, size);
	if (seal(sealed, size, true))
		read_hostile(sealed, size, ids, n, false, NULL, NULL);
	free(sealed);
	free_idents(ids, n);
}

/* ------------------------------------------------------------------ */
/* A policy, compiled as is and pinned */

/* The harness's matcher with the names of d pinned: a group by its gid alone. */
static bool rule_applies_pinned(const struct rl_rule *r, const struct rl_ident *id,
				const struct dir *d)
{
	bool found;
	gid_t gid;
	if (r->kind != RL_RULE_GROUP)
		return rule_applies(r, id);
	dir_lookup(d, r->name, &found, &gid);
	return found ? id->uid != 0 && has_gid(id, gid) : rule_applies(r, id);
}

/* The pinned index's policy for id holds the whole policy's rules that id has by d. */
static void same_as_pinned(const struct rl_policy *ix, const struct rl_policy *whole,
			   const struct rl_ident *id, const struct dir *d)
{
	char buf[1024];
	size_t k = 0;
	same_frame(ix, whole, "the whole policy");
	for (size_t i = 0; i < whole->nrules; i++) {
		if (!rule_applies_pinned(whole->rules[i], id, d))
			continue;
		if (k == ix->nrules)
			fail("the pinned index misses rule %s for %s", whole->rules[i]->label,
			     ident_text(id, buf, sizeof(buf)));
		same_rule(ix->rules[k], whole->rules[i], "the whole policy, pinned", id, k);
		k++;
	}
	if (k != ix->nrules)
		fail("the pinned index keeps %zu rules for %s, %zu of the whole policy match by "
		     "pinned gids (first extra: %s)",
		     ix->nrules, ident_text(id, buf, sizeof(buf)), k, ix->rules[k]->label);
}

/* A compiled policy: pinned over d, or not (d NULL). */
struct compiled {
	unsigned char *b;
	size_t len;
	const struct dir *d;
};

/*
 * The index's policy for id (the caller frees it), held to the filtered
 * load (when there is one) and the whole policy; pinned, to the whole
 * policy matched with pinned gids, and to the rest only when id agrees
 * with the directory: otherwise NSS would say other than the pins.
 */
static struct rl_policy *login(const struct compiled *c, const struct rl_policy *whole,
			       const struct rl_policy *filtered, struct rl_ident *id)
{
	struct rl_policy *p = from_index(c->b, c->len, id);
	if (c->d) {
		same_as_pinned(p, whole, id, c->d);
		if (!dir_agrees(id, c->d)) {
			struct rl_result res;
			for (size_t h = 0; h < NHOSTS; h++)
				resolve(p, id, &hosts[h], &res, "the pinned index's policy");
			return p;
		}
	}
	if (filtered)
		same_as_filtered(p, filtered, id);
	same_as_whole(p, whole, id);
	return p;
}

static void one_id(const struct rl_policy *whole, const struct compiled *c, const char *name,
		   uid_t uid, gid_t gid, const char *gname)
{
	struct rl_ident id;
	bool found = false;
	gid_t g = 0;
	if (gname && c->d)
		dir_lookup(c->d, gname, &found, &g);
	if (found)
		gid = g;
	make_ident(&id, name, uid, gid, NULL, 0);
	if (gname)
		add_group(&id, gname, true, gid);
	if (c->d)
		dir_complete(&id, c->d);
	rl_policy_free(login(c, whole, NULL, &id));
	rl_ident_free(&id);
}

/* The pins of a fresh index in fd: d's answer for each group name once, or none. */
static void check_fresh_pins(int fd, const struct compiled *c, const struct sources *s)
{
	struct rl_pins pins;
	enum rl_status st = rl_index_pins_fd(fd, c->len, &s->list, &pins);
	const struct dir *d = c->d;
	if (st != RL_OK || pins.pinned != (d != NULL) || pins.n != (d ? d->nnames : 0))
		fail("rl_index_pins_fd of a fresh index: status %d, pinned %d, %zu pins of %zu "
		     "names",
		     (int)st, pins.pinned, pins.n, d ? d->nnames : 0);
	unsigned char *seen = xmalloc(pins.n);
	memset(seen, 0, pins.n);
	for (size_t i = 0; i < pins.n; i++) {
		const struct rl_pin *pn = &pins.v[i];
		const char **at =
		    pn->name ? bsearch(&pn->name, d->names, d->nnames, sizeof(*d->names), name_cmp)
			     : NULL;
		if (!at || seen[at - d->names]++)
			fail("pin %zu: \"%s\" is no group name of the policy, or pinned twice", i,
			     pn->name ? pn->name : "(null)");
		bool found;
		gid_t gid;
		dir_lookup(d, pn->name, &found, &gid);
		if (pn->found != found || (found && pn->gid != gid))
			fail("pin %zu: \"%s\" found %d gid %u, the directory says %d %u", i,
			     pn->name, pn->found, (unsigned)pn->gid, found, (unsigned)gid);
		/* By gid, then the names that were no group. */
		if (i &&
		    (pins.v[i - 1].found < pn->found || (pn->found && pins.v[i - 1].gid > pn->gid)))
			fail("pin %zu: \"%s\" (found %d, gid %u) is out of order", i, pn->name,
			     pn->found, (unsigned)pn->gid);
	}
	free(seen);
	rl_pins_free(&pins);
}

/*
 * A pinner without a resolver is a caller's mistake; one whose resolver
 * fails stops the compile with its status, at once, leaving nothing.
 */
static void check_failing_pinner(const struct rl_policy *whole, const struct dir *d, uint64_t seed)
{
	static const enum rl_status fails[] = {RL_ENSS, RL_ENOMEM, RL_ENOUSER, RL_EINVALID};
	static unsigned char poison;
	unsigned char *b = &poison;
	size_t len = 1;
	struct rl_pinner none = {NULL, NULL};
	enum rl_status st = rl_index_build(whole, &none, &b, &len);
	if (st != RL_EUSAGE || b || len)
		fail("rl_index_build with a pinner without a resolver: status %d, index %p, %zu "
		     "bytes",
		     (int)st, (void *)b, len);
	if (!d->nnames)
		return;
	struct pin_ctx pc = {d, 0, (size_t)(seed % d->nnames), fails[(seed >> 8) % 4]};
	struct rl_pinner pin = {pin_resolve, &pc};
	b = &poison;
	len = 1;
	st = rl_index_build(whole, &pin, &b, &len);
	if (st != pc.fail_with || b || len || pc.calls != pc.fail_at + 1)
		fail("rl_index_build with a pinner failing %d at call %zu: status %d, index %p, "
		     "%zu bytes, %zu calls",
		     (int)pc.fail_with, pc.fail_at, (int)st, (void *)b, len, pc.calls);
}

/* edits: the program after EDIT_MARKER, NULL for none. */
static void policy_input(const struct input *in, const uint8_t *edits, size_t nedits, uint64_t seed)
{
	struct rl_policy *whole = load(in, NULL);
	if (!whole)
		return;
	struct facts f;
	struct dir d;
	policy_facts(whole, &f);
	dir_of(whole, &f, &d);
	struct compiled c[2] = {{NULL, 0, NULL}, {NULL, 0, &d}};
	enum rl_status st = rl_index_build(whole, NULL, &c[0].b, &c[0].len);
	if (st != RL_OK)
		fail("rl_index_build of a policy that loads returned %d", (int)st);
	check_layout(in, whole, c[0].b, c[0].len, NULL, NULL, NULL, 0);
	struct pin_ctx pc = {&d, 0, SIZE_MAX, RL_OK};
	struct rl_pinner pin = {pin_resolve, &pc};
	st = rl_index_build(whole, &pin, &c[1].b, &c[1].len);
	if (st != RL_OK)
		fail("rl_index_build of a policy that loads, pinned, returned %d", (int)st);
	if (pc.calls != d.nnames)
		fail("a pinned compile asked %zu times about the policy's %zu group names",
		     pc.calls, d.nnames);
	check_layout(in, whole, c[1].b, c[1].len, &pin, &d, c[0].b, c[0].len);
	check_failing_pinner(whole, &d, seed);

	/*
	 * The identities, given the names their gids have in the directory;
	 * but the second of the policy's (see fact_idents), which disagrees.
	 */
	struct rl_ident ids[MAX_IDS];
	struct sources srcs;
	size_t n = fixed_idents(ids);
	n += fact_idents(&f, &d, ids + n);
	for (size_t i = 0; i < n; i++) {
		if (i != FIXED_IDS + 1)
			dir_complete(&ids[i], &d);
	}
	sources_of(in, &srcs);
	for (size_t k = 0; k < 2; k++) {
		int fd = index_fd(c[k].b, c[k].len);
		check_sources(fd, c[k].len, &srcs, &ids[0], seed + k);
		check_fresh_pins(fd, &c[k], &srcs);
	}
	for (size_t i = 0; i < n; i++) {
		struct rl_policy *filtered = load(in, &ids[i]);
		if (!filtered)
			fail("the policy loads, but not filtered for %s", ids[i].name);
		for (size_t k = 0; k < 2; k++) {
			struct rl_policy *p = login(&c[k], whole, filtered, &ids[i]);
			/*
			 * From a file the index reads as from memory, pread for
			 * memcpy, whoever logs in: once, for alice, whom more
			 * rules apply to than to root (ids[0], check's).
			 */
			if (i == ID_ALICE)
				read_hostile_fd(index_fd(c[k].b, c[k].len), c[k].len, &srcs,
						&ids[i], RL_OK, p, RL_OK, false);
			rl_policy_free(p);
		}
		rl_policy_free(filtered);
	}
	/* Every id the policy names and its neighbours, alone: cheap against the whole. */
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < f.nuids; i++)
			one_id(whole, &c[k], "u", f.uids[i], 0, NULL);
		for (size_t i = 0; i < f.ngids; i++)
			one_id(whole, &c[k], "g", 4000000000u, f.gids[i], NULL);
		for (size_t i = 0; i < f.ngroups; i++)
			one_id(whole, &c[k], "n", 4000000001u, 4000000001u, f.groups[i]);
		for (size_t i = 0; i < f.nusers; i++)
			one_id(whole, &c[k], f.users[i], 4000000002u, 4000000002u, NULL);
	}

	for (size_t k = 0; k < 2; k++) {
		if (edits) {
			damage(c[k].b, c[k].len, edits, nedits, ids, n, &srcs);
			continue;
		}
		for (int round = 1; round <= 3; round++) {
			uint8_t prog[24];
			for (size_t i = 0; i < sizeof(prog); i += 8) {
				uint64_t r = next_rand(&seed);
				memcpy(prog + i, &r, 8);
			}
			damage(c[k].b, c[k].len, prog, 8 * (size_t)round, ids, n, &srcs);
		}
	}
	free_idents(ids, n);
	free(c[0].b);
	free(c[1].b);
	free(d.names);
	rl_policy_free(whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 8 && memcmp(data, MAGIC, 8) == 0) {
		raw_index(data, size);
		return 0;
	}
	/* The edit program is cut off first: only what precedes it is policy. */
	const uint8_t *m = memmem(data, size, EDIT_MARKER, strlen(EDIT_MARKER));
	const uint8_t *edits = m ? m + strlen(EDIT_MARKER) : NULL;
	struct input in;
	split_input(data, m ? (size_t)(m - data) : size, &in);
	policy_input(&in, edits, edits ? (size_t)(data + size - edits) : 0, rl_hash64(data, size));
	free_input(&in);
	return 0;
}
