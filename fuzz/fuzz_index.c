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
 * three programs are drawn from the input's hash.  The target aborts when:
 *   - a policy that loads does not compile (rl_index_build), or its index
 *     is not what index.c's layout says: magic, counts, each document's
 *     name, size and hash, one key per rule in its kind's table, the rule
 *     records one after another each under its hash; or a second build
 *     gives other bytes;
 *   - for an identity (fixed ones, and ones made of the policy's own user
 *     and group names, uids, gids and the ids either side of each range),
 *     the index's policy differs from the policy loaded from the same
 *     buffers with that identity as filter: files, groups_combine, the
 *     rules in the same order field by field, the resolution field by
 *     field; or (for every such id, cheaply) from the whole policy's rules
 *     that rl_rule_matches keeps;
 *   - read from a file (rl_index_load_fd, as check and a login read it),
 *     the index is not up to date with the documents, or still is with a
 *     file more or fewer or a file's hash, size or path changed; or gives
 *     other rules than from memory (for one identity: the file is read
 *     with pread where memory is copied, the same for any identity);
 *   - an edited or raw index gives a status other than RL_OK, RL_EINVALID
 *     or RL_ENOMEM, or a policy along with a failure; is accepted although
 *     its size or its header and tables changed under the old hash; with
 *     only rule records changed, gives other rules than the undamaged
 *     index; or is accepted with a rule that does not match the identity
 *     (read by the harness, not by rl_rule_matches), a value that names no
 *     file, or a policy that does not resolve; read from a file, gives
 *     other than from memory (unless it is stale), or passes check (every
 *     rule reads back) yet fails a login.
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
	H_VERSION = 8,
	H_COMBINE = 12,
	H_NFILES = 16,
	H_NRULES = 20,
	H_NKEYS = 24,
	H_STRINGS = 52,
	H_BLOBS = 56,
	H_HASH = 64,
	HEADER = 72,
	FILE_ENT = 24,
	RULE_ENT = 16,
	KEY_ENT = 16,
};
enum { T_DEFAULT, T_USER, T_UID, T_UID_RANGE, T_GROUP, T_GID, T_GID_RANGE, T_N };

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
	uint32_t nfiles, nrules, nkeys[T_N], strings, blobs;
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
	static const int tabs[] = {T_UID, T_UID_RANGE, T_GID, T_GID_RANGE};
	for (size_t k = 0; k < 4; k++) {
		int t = tabs[k];
		size_t *n;
		uint32_t *v = id_list(f, t == T_UID || t == T_UID_RANGE, &n);
		for (uint32_t i = 0; i < l.nkeys[t] && i < KEYS_PER_TABLE; i++) {
			const unsigned char *e = b + l.keys[t] + (size_t)i * KEY_ENT;
			add_span(v, n, get64(e), get32(e + 8));
		}
	}
}

/*
 * The identities made of what f names: a user named like the first user
 * rule, one like the last, one named like a group, and root; each at
 * another of the ids, in half or all of the groups and gids named.
 */
static size_t fact_idents(const struct facts *f, struct rl_ident *ids)
{
	static const char *const fallback[FACT_IDS] = {"carol", "dave", "erin", "frank"};
	size_t n = 0;
	for (size_t d = 0; d < FACT_IDS; d++) {
		const char *name = fallback[d];
		if (d == 0 && f->nusers)
			name = f->users[0];
		else if ((d == 1 || d == 3) && f->nusers)
			name = f->users[f->nusers - 1];
		else if (d == 2 && f->ngroups)
			name = f->groups[0];
		uid_t uid = (uid_t)(2500 + d);
		if (d == 3)
			uid = 0;
		else if (f->nuids)
			uid = f->uids[d == 0 ? 0 : d == 1 ? f->nuids - 1 : f->nuids / 2];
		gid_t gids[MAX_FACTS];
		size_t ng = 0;
		for (size_t i = 0; i < f->ngids; i++) {
			if (d >= 2 || i % 2 == d)
				gids[ng++] = f->gids[i];
		}
		gid_t primary = ng ? gids[0] : (gid_t)(7000 + d);
		make_ident(&ids[n], name, uid, primary, gids, ng);
		for (size_t i = 0; i < f->ngroups; i++) {
			if (d >= 2 || i % 2 == d)
				add_group(&ids[n], f->groups[i], d != 1, (gid_t)(70000 + i));
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

static void check_layout(const struct input *in, const struct rl_policy *whole,
			 const unsigned char *ix, size_t len)
{
	struct layout l;
	if (!layout_of(ix, len, &l) || memcmp(ix, MAGIC, 8) != 0 || get32(ix + H_VERSION) != 1)
		fail("the index has no valid header (%zu bytes)", len);
	if (get32(ix + H_COMBINE) != (uint32_t)whole->combine || l.nfiles != in->ndocs ||
	    l.nrules != whole->nrules || l.blob_area + l.blobs != len)
		fail("header: combine %u, %u files, %u rules, %u rule bytes; the policy: %d, %zu, "
		     "%zu, %zu",
		     get32(ix + H_COMBINE), l.nfiles, l.nrules, l.blobs, (int)whole->combine,
		     in->ndocs, whole->nrules, len - l.blob_area);
	for (uint32_t i = 0; i < l.nfiles; i++) {
		const unsigned char *f = ix + l.files + (size_t)i * FILE_ENT;
		const struct doc *d = &in->docs[i];
		uint32_t off = get32(f + 16), plen = get32(f + 20);
		if (get64(f) != d->len || get64(f + 8) != rl_hash64(d->text, d->len))
			fail("file %u: size %llu hash %016llx, the document %zu bytes hash %016llx",
			     i, (unsigned long long)get64(f), (unsigned long long)get64(f + 8),
			     d->len, (unsigned long long)rl_hash64(d->text, d->len));
		if (off > l.strings || plen > l.strings - off || plen != strlen(doc_names[i]) ||
		    memcmp(ix + l.str + off, doc_names[i], plen) != 0)
			fail("file %u: path at %u (%u bytes) is not \"%s\"", i, off, plen,
			     doc_names[i]);
	}
	/* One key per rule, in the table of its kind. */
	uint32_t count[T_N] = {0};
	for (size_t i = 0; i < whole->nrules; i++)
		count[whole->rules[i]->kind]++;
	for (int t = 0; t < T_N; t++) {
		if (count[t] != l.nkeys[t])
			fail("key table %d has %u entries for %u rules", t, l.nkeys[t], count[t]);
	}
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
	/* The harness reads the layout as index.c writes it. */
	unsigned char *again = xmalloc(len);
	memcpy(again, ix, len);
	if (!seal(again, len, true) || memcmp(again, ix, len) != 0)
		fail("sealing a fresh index changed it: the harness's layout is not index.c's");
	free(again);
	size_t len2;
	if (rl_index_build(whole, &again, &len2) != RL_OK || len2 != len ||
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

/* A policy read from a hostile index: what it holds must still be sane. */
static void check_hostile_policy(const struct rl_policy *p, struct rl_ident *id)
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
		if (!rule_applies(r, id))
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
		check_hostile_policy(p, &ids[i]);
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
	n += fact_idents(&f, ids + n);
	read_hostile(data, size, ids, n, false, NULL, NULL);
	unsigned char *sealed = xmalloc(size);
	memcpy(sealed, data, size);
	if (seal(sealed, size, true))
		read_hostile(sealed, size, ids, n, false, NULL, NULL);
	free(sealed);
	free_idents(ids, n);
}

static void one_id(const struct rl_policy *whole, const unsigned char *ix, size_t len,
		   const char *name, uid_t uid, gid_t gid, const char *gname)
{
	struct rl_ident id;
	make_ident(&id, name, uid, gid, NULL, 0);
	if (gname)
		add_group(&id, gname, true, gid);
	struct rl_policy *p = from_index(ix, len, &id);
	same_as_whole(p, whole, &id);
	rl_policy_free(p);
	rl_ident_free(&id);
}

/* edits: the program after EDIT_MARKER, NULL for none. */
static void policy_input(const struct input *in, const uint8_t *edits, size_t nedits, uint64_t seed)
{
	struct rl_policy *whole = load(in, NULL);
	if (!whole)
		return;
	unsigned char *ix;
	size_t len;
	enum rl_status st = rl_index_build(whole, &ix, &len);
	if (st != RL_OK)
		fail("rl_index_build of a policy that loads returned %d", (int)st);
	check_layout(in, whole, ix, len);

	struct rl_ident ids[MAX_IDS];
	struct facts f;
	struct sources srcs;
	size_t n = fixed_idents(ids);
	policy_facts(whole, &f);
	n += fact_idents(&f, ids + n);
	sources_of(in, &srcs);
	int fd = index_fd(ix, len);
	check_sources(fd, len, &srcs, &ids[0], seed);
	for (size_t i = 0; i < n; i++) {
		struct rl_policy *filtered = load(in, &ids[i]);
		if (!filtered)
			fail("the policy loads, but not filtered for %s", ids[i].name);
		struct rl_policy *p = from_index(ix, len, &ids[i]);
		same_as_filtered(p, filtered, &ids[i]);
		same_as_whole(p, whole, &ids[i]);
		/*
		 * From a file the index reads as from memory, pread for memcpy,
		 * whoever logs in: once, for alice, whom more rules apply to
		 * than to root (ids[0], check's).
		 */
		if (i == ID_ALICE)
			read_hostile_fd(fd, len, &srcs, &ids[i], RL_OK, p, RL_OK, false);
		rl_policy_free(p);
		rl_policy_free(filtered);
	}
	/* Every id the policy names and its neighbours, alone: cheap against the whole. */
	for (size_t i = 0; i < f.nuids; i++)
		one_id(whole, ix, len, "u", f.uids[i], 0, NULL);
	for (size_t i = 0; i < f.ngids; i++)
		one_id(whole, ix, len, "g", 4000000000u, f.gids[i], NULL);
	for (size_t i = 0; i < f.ngroups; i++)
		one_id(whole, ix, len, "n", 4000000001u, 4000000001u, f.groups[i]);
	for (size_t i = 0; i < f.nusers; i++)
		one_id(whole, ix, len, f.users[i], 4000000002u, 4000000002u, NULL);

	if (edits) {
		damage(ix, len, edits, nedits, ids, n, &srcs);
	} else {
		for (int round = 1; round <= 3; round++) {
			uint8_t prog[24];
			for (size_t i = 0; i < sizeof(prog); i += 8) {
				uint64_t r = next_rand(&seed);
				memcpy(prog + i, &r, 8);
			}
			damage(ix, len, prog, 8 * (size_t)round, ids, n, &srcs);
		}
	}
	free_idents(ids, n);
	free(ix);
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
