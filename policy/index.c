/*
 * index.c - the compiled policy: a whole validated policy written out by
 * "rlimit-policy compile", so that a login reads only the rules that can
 * apply to its user instead of sending every rule through libyaml.
 *
 * The index names every policy file it was made from, with its size and a
 * 64-bit hash of its bytes.  It is used only when the files the loader
 * finds now are the same files with the same bytes: then the policy is the
 * one that was validated in full when the index was written, and what
 * strict validation would say at login is already known (nothing).  In
 * every other case (no index, one refused for its owner or mode, damaged,
 * or written for other files or other bytes) the loader reads the YAML as
 * it always does.  The index is a shortcut, never a second source of truth.
 *
 * Like the policy, the index is trusted only when root owns it and nobody
 * else can write it, and the reader still treats it as hostile: every
 * count, offset and length is checked before use, and a rule read from it
 * is kept only when rl_rule_matches, the same test the YAML path uses, says
 * it applies.  The lookup tables only narrow the rules worth reading, with
 * one exception: a group rule found through a pinned gid (below) applies
 * because the pin says so, once the rule is checked to be a group rule.
 *
 * Layout (all integers little-endian):
 *
 *   header   80 bytes: magic "RLIMIDX1", version, groups_combine, the
 *            number of files and rules, the number of entries in each of
 *            the nine key tables, the size of the string and rule areas,
 *            flags (bit 0: group names pinned; no other bit is set), and a
 *            hash of the header and tables (taken with the hash's own 8
 *            bytes zero)
 *   tables   files   nfiles x {u64 size, u64 hash, u32 path offset, u32 length}
 *            rules   nrules x {u32 offset, u32 length, u64 hash} into the
 *                    rule area: a rule read at login is checked against
 *                    its hash, so the tables' hash covers the rules too
 *            keys    nine tables of {u64 key, u32 hi, u32 rule}, each
 *                    sorted by key: seven with each rule once, by kind
 *                    (default, users by name, uid, uid range, groups by
 *                    name, gid, gid range; a name's key is its hash), then
 *                    when names are pinned each group rule once more: by
 *                    the gid its name had when compiled, or by the name's
 *                    hash when no group had that name then
 *            strings the file paths
 *   rules    per rule: u8 kind, u8 values, u16 name length, u16 label
 *            length, u16 zero, u32 lo, u32 hi, the name, the label, then
 *            per value set: u8 item, u8 half, u8 type, u8 zero, u32 file,
 *            u32 seq, u32 line, u32 col, u64 n
 *
 * Pinned group names.  "rlimit-policy compile" resolves each group name
 * of the policy when it writes the index (unless --groups-at-login), so a
 * login finds the group rules that apply by the gids getgrouplist gave:
 * one passwd lookup and one group-list lookup, whatever the size of the
 * policy or of the user's group list.  A name no group had when compiled
 * is looked up at each login, as without pinning.  The price is that a
 * group given another gid afterwards keeps its old gid here until the next
 * compile; "rlimit-policy check" says when that happened.
 *
 * A login reads the header and the tables in two reads and then one pread
 * per rule that may apply: not the rules that cannot.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_int.h"

#define MAGIC "RLIMIDX1"
#define VERSION 2
#define HEADER_SIZE 80
#define F_PINNED 1u
#define FILE_ENT 24
#define RULE_ENT 16
#define KEY_ENT 16
#define BLOB_HEAD 16
#define VAL_ENT 28
/* Far above anything a valid policy makes: 4,096 files of 1 MiB each. */
#define MAX_TABLES (64u * 1024 * 1024)
#define MAX_BLOBS (256u * 1024 * 1024)
#define MAX_RULES (16u * 1024 * 1024)
#define MAX_FILES 4097
#define MAX_NAME 256
#define MAX_LABEL (MAX_NAME + 16)

/*
 * One key table per kind of rule, in the order of enum rl_rule_kind, then
 * the two of pinned group names.
 */
enum {
	T_DEFAULT = RL_RULE_DEFAULT,
	T_USER = RL_RULE_USER,
	T_UID = RL_RULE_UID,
	T_UID_RANGE = RL_RULE_UID_RANGE,
	T_GROUP = RL_RULE_GROUP,
	T_GID = RL_RULE_GID,
	T_GID_RANGE = RL_RULE_GID_RANGE,
	T_KINDS,
	T_PIN = T_KINDS, /* group rules by the gid their name had */
	T_UNPIN,         /* group rules whose name no group had, by its hash */
	T_N
};

/* ---------------------------------------------------------------------
 * The hash: files and names.  Not cryptographic: whoever could choose
 * colliding bytes is root, who could write the index anyway.
 */
static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* one load: the hash runs over every policy byte at login */
	return le64toh(v);
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t rl_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	const uint64_t k1 = 0x87c37b91114253d5ULL, k2 = 0x4cf5ad432745937fULL;
	uint64_t a = 0x9e3779b97f4a7c15ULL ^ len, b = 0x243f6a8885a308d3ULL;
	size_t n = len;
	while (n >= 16) { /* two lanes: throughput, not strength */
		a = rotl(a ^ rotl(rd64(p) * k1, 31) * k2, 27) * 5 + 0x52dce729;
		b = rotl(b ^ rotl(rd64(p + 8) * k2, 33) * k1, 31) * 5 + 0x38495ab5;
		p += 16;
		n -= 16;
	}
	unsigned char tail[16] = {0};
	memcpy(tail, p, n);
	a ^= rotl(rd64(tail) * k1, 31) * k2;
	b ^= rotl(rd64(tail + 8) * k2, 33) * k1;
	a += b;
	b += a;
	return fmix(a) ^ rotl(fmix(b), 17);
}

/* ---------------------------------------------------------------------
 * Writing
 */
struct out {
	unsigned char *b;
	size_t len, cap;
	bool nomem;
};

static unsigned char *reserve(struct out *o, size_t n)
{
	if (o->nomem)
		return NULL;
	if (o->cap - o->len < n) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap - o->len < n)
			cap *= 2;
		unsigned char *nb = realloc(o->b, cap);
		if (!nb) {
			o->nomem = true;
			return NULL;
		}
		o->b = nb;
		o->cap = cap;
	}
	unsigned char *d = o->b + o->len;
	o->len += n;
	return d;
}

static void wr(unsigned char *d, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		d[i] = (unsigned char)(v >> (8 * i));
}

static void put(struct out *o, uint64_t v, int bytes)
{
	unsigned char *d = reserve(o, (size_t)bytes);
	if (d)
		wr(d, v, bytes);
}

static void put_bytes(struct out *o, const void *s, size_t n)
{
	unsigned char *d = reserve(o, n);
	if (d && n)
		memcpy(d, s, n);
}

struct key_ent {
	unsigned table; /* the rule's kind */
	uint64_t key;
	uint32_t hi, rule;
};

/* By table, then key: all the tables in one sort, in the order they are written. */
static int key_cmp(const void *a, const void *b)
{
	const struct key_ent *x = a, *y = b;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static struct key_ent key_of(const struct rl_rule *r, uint32_t idx)
{
	struct key_ent e = {(unsigned)r->kind, r->lo, r->hi, idx};
	if (r->kind == RL_RULE_USER || r->kind == RL_RULE_GROUP)
		e.key = rl_hash64(r->name, strlen(r->name));
	else if (r->kind == RL_RULE_DEFAULT)
		e.key = 0;
	return e;
}

static void put_blob(struct out *o, const struct rl_rule *r)
{
	size_t nl = r->name ? strlen(r->name) : 0, ll = strlen(r->label);
	unsigned nv = 0;
	for (int i = 0; i < RL_NITEMS; i++)
		for (int h = 0; h < 2; h++)
			nv += r->items[i][h].v.type != RL_V_UNSET;
	put(o, (uint64_t)r->kind, 1);
	put(o, nv, 1);
	put(o, nl, 2);
	put(o, ll, 2);
	put(o, 0, 2);
	put(o, r->lo, 4);
	put(o, r->hi, 4);
	put_bytes(o, r->name, nl);
	put_bytes(o, r->label, ll);
	for (int i = 0; i < RL_NITEMS; i++) {
		for (int h = 0; h < 2; h++) {
			const struct rl_setv *sv = &r->items[i][h];
			if (sv->v.type == RL_V_UNSET)
				continue;
			put(o, (uint64_t)i, 1);
			put(o, (uint64_t)h, 1);
			put(o, (uint64_t)sv->v.type, 1);
			put(o, 0, 1);
			put(o, sv->file, 4);
			put(o, sv->seq, 4);
			put(o, sv->line, 4);
			put(o, sv->col, 4);
			put(o, sv->v.n, 8);
		}
	}
}

/*
 * Appends to keys[n..] the pin of each group rule: keys[0..n) are sorted,
 * so a name's rules sit together (by its hash) and each name is resolved
 * once, unless names with the same hash are interleaved.  *added says how
 * many; RL_OK, or the resolver's failure.
 */
static enum rl_status add_pins(const struct rl_policy *p, const struct rl_pinner *pin,
			       struct key_ent *keys, size_t n, size_t *added)
{
	const char *last = NULL;
	bool found = false;
	gid_t gid = 0;
	*added = 0;
	for (size_t i = 0; i < n; i++) {
		if (keys[i].table != T_GROUP)
			continue;
		const char *name = p->rules[keys[i].rule]->name;
		if (!last || strcmp(last, name) != 0) {
			enum rl_status st = pin->resolve(pin->ctx, name, &found, &gid);
			if (st != RL_OK)
				return st;
			last = name;
		}
		keys[n + (*added)++] =
		    found ? (struct key_ent){T_PIN, gid, 0, keys[i].rule}
			  : (struct key_ent){T_UNPIN, keys[i].key, 0, keys[i].rule};
	}
	return RL_OK;
}

enum rl_status rl_index_build(const struct rl_policy *p, const struct rl_pinner *pin,
			      unsigned char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!p || p->filter || p->errors || (p->nfiles && !p->srcs) || p->nrules > MAX_RULES ||
	    p->nfiles > MAX_FILES || (pin && !pin->resolve))
		return RL_EUSAGE;

	/* The rule area first, to know each rule's offset. */
	struct out blobs = {0};
	uint32_t *boff = malloc((p->nrules + 1) * sizeof(*boff));
	/* Room for a second key per rule: the pins of group rules. */
	struct key_ent *keys = malloc((2 * p->nrules + 1) * sizeof(*keys));
	size_t nkeys[T_N] = {0}, nk = p->nrules;
	enum rl_status res = RL_ENOMEM;
	struct out o = {0};
	if (!boff || !keys)
		goto done;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rl_rule *r = p->rules[i];
		unsigned t = (unsigned)r->kind;
		if (t >= T_KINDS || (!r->name) != (t != T_USER && t != T_GROUP) || !r->label ||
		    strlen(r->label) > MAX_LABEL || (r->name && strlen(r->name) > MAX_NAME)) {
			res = RL_EUSAGE;
			goto done;
		}
		boff[i] = (uint32_t)blobs.len;
		put_blob(&blobs, r);
		keys[i] = key_of(r, (uint32_t)i);
		nkeys[t]++;
	}
	boff[p->nrules] = (uint32_t)blobs.len;
	if (blobs.nomem)
		goto done;
	if (blobs.len > MAX_BLOBS) {
		res = RL_EUSAGE;
		goto done;
	}
	/* The rules keep their policy order; the key tables are sorted. */
	if (p->nrules > 1)
		qsort(keys, p->nrules, sizeof(*keys), key_cmp);
	if (pin) {
		size_t added;
		if ((res = add_pins(p, pin, keys, p->nrules, &added)) != RL_OK)
			goto done;
		for (size_t i = p->nrules; i < p->nrules + added; i++)
			nkeys[keys[i].table]++;
		nk += added;
		qsort(keys, nk, sizeof(*keys), key_cmp);
		res = RL_ENOMEM;
	}

	size_t strings = 0;
	for (size_t i = 0; i < p->nfiles; i++)
		strings += strlen(p->files[i]);

	/* Header; its hash is written last. */
	put_bytes(&o, MAGIC, 8);
	put(&o, VERSION, 4);
	put(&o, (uint64_t)p->combine, 4);
	put(&o, p->nfiles, 4);
	put(&o, p->nrules, 4);
	for (int t = 0; t < T_N; t++)
		put(&o, nkeys[t], 4);
	put(&o, strings, 4);
	put(&o, blobs.len, 4);
	put(&o, pin ? F_PINNED : 0, 4);
	put(&o, 0, 8); /* the hash */

	size_t soff = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		size_t l = strlen(p->files[i]);
		put(&o, p->srcs[i].size, 8);
		put(&o, p->srcs[i].hash, 8);
		put(&o, soff, 4);
		put(&o, l, 4);
		soff += l;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		put(&o, boff[i], 4);
		put(&o, boff[i + 1] - boff[i], 4);
		put(&o, rl_hash64(blobs.b + boff[i], boff[i + 1] - boff[i]), 8);
	}
	for (size_t i = 0; i < nk; i++) {
		put(&o, keys[i].key, 8);
		put(&o, keys[i].hi, 4);
		put(&o, keys[i].rule, 4);
	}
	for (size_t i = 0; i < p->nfiles; i++)
		put_bytes(&o, p->files[i], strlen(p->files[i]));
	if (o.nomem)
		goto done;
	if (o.len - HEADER_SIZE > MAX_TABLES) {
		res = RL_EUSAGE;
		goto done;
	}
	wr(o.b + HEADER_SIZE - 8, rl_hash64(o.b, o.len), 8);
	put_bytes(&o, blobs.b, blobs.len);
	if (o.nomem)
		goto done;
	*out = o.b;
	*out_len = o.len;
	o.b = NULL;
	res = RL_OK;
done:
	free(o.b);
	free(blobs.b);
	free(boff);
	free(keys);
	return res;
}

/* ---------------------------------------------------------------------
 * Reading
 */
struct idx {
	int fd;                   /* or -1 and mem */
	const unsigned char *mem; /* the whole index, for tests and fuzzers */
	size_t size;              /* of the whole index */
	uint32_t combine, nfiles, nrules, nkeys[T_N], strings_len, blobs_len, flags;
	unsigned char *tables; /* owned */
	size_t tables_len;
	const unsigned char *files, *rules, *keys[T_N], *strings;
	size_t blobs_off;
};

static bool read_at(const struct idx *x, size_t off, size_t len, unsigned char *dst)
{
	if (off > x->size || len > x->size - off)
		return false;
	if (x->fd < 0) {
		memcpy(dst, x->mem + off, len);
		return true;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(x->fd, dst + got, len - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static const unsigned char *key_at(const struct idx *x, int t, size_t i)
{
	return x->keys[t] + i * KEY_ENT;
}

/* The rule entry i of table t names. */
static uint32_t key_rule(const struct idx *x, int t, size_t i)
{
	return rd32(key_at(x, t, i) + 12);
}

/*
 * Reads and checks the header and the tables.  RL_OK, RL_ENOMEM, or
 * RL_EINVALID for anything that is not an index this code wrote.
 */
static enum rl_status idx_open(struct idx *x)
{
	unsigned char h[HEADER_SIZE];
	if (!read_at(x, 0, HEADER_SIZE, h) || memcmp(h, MAGIC, 8) != 0 || rd32(h + 8) != VERSION)
		return RL_EINVALID;
	x->combine = rd32(h + 12);
	x->nfiles = rd32(h + 16);
	x->nrules = rd32(h + 20);
	uint64_t tables = 0, nk = 0, nkinds = 0;
	for (int t = 0; t < T_N; t++) {
		x->nkeys[t] = rd32(h + 24 + 4 * t);
		nk += x->nkeys[t];
		nkinds += t < T_KINDS ? x->nkeys[t] : 0;
	}
	x->strings_len = rd32(h + 60);
	x->blobs_len = rd32(h + 64);
	x->flags = rd32(h + 68);
	/* Each rule once by its kind; pinned, each group rule once more. */
	uint64_t npins = (uint64_t)x->nkeys[T_PIN] + x->nkeys[T_UNPIN];
	if (x->combine > RL_COMBINE_LAST || x->nfiles > MAX_FILES || x->nrules > MAX_RULES ||
	    nkinds != x->nrules || x->nkeys[T_DEFAULT] > 1 || x->blobs_len > MAX_BLOBS ||
	    (x->flags & ~F_PINNED) || npins != (x->flags & F_PINNED ? x->nkeys[T_GROUP] : 0))
		return RL_EINVALID;
	tables = (uint64_t)x->nfiles * FILE_ENT + (uint64_t)x->nrules * RULE_ENT + nk * KEY_ENT +
		 x->strings_len;
	if (tables > MAX_TABLES || HEADER_SIZE + tables + x->blobs_len != x->size)
		return RL_EINVALID;
	x->tables_len = (size_t)tables;
	x->blobs_off = HEADER_SIZE + x->tables_len;
	/* The header and the tables are hashed as one, the hash field zeroed. */
	if (!(x->tables = malloc(HEADER_SIZE + x->tables_len)))
		return RL_ENOMEM;
	memcpy(x->tables, h, HEADER_SIZE);
	memset(x->tables + HEADER_SIZE - 8, 0, 8);
	if (!read_at(x, HEADER_SIZE, x->tables_len, x->tables + HEADER_SIZE) ||
	    rl_hash64(x->tables, HEADER_SIZE + x->tables_len) != rd64(h + HEADER_SIZE - 8))
		return RL_EINVALID;

	const unsigned char *c = x->tables + HEADER_SIZE;
	x->files = c;
	c += (size_t)x->nfiles * FILE_ENT;
	x->rules = c;
	c += (size_t)x->nrules * RULE_ENT;
	for (int t = 0; t < T_N; t++) {
		x->keys[t] = c;
		c += (size_t)x->nkeys[t] * KEY_ENT;
	}
	x->strings = c;

	for (uint32_t i = 0; i < x->nfiles; i++) {
		const unsigned char *f = x->files + (size_t)i * FILE_ENT;
		uint32_t off = rd32(f + 16), len = rd32(f + 20);
		if (off > x->strings_len || len > x->strings_len - off || len == 0 ||
		    memchr(x->strings + off, '\0', len))
			return RL_EINVALID;
	}
	for (uint32_t i = 0; i < x->nrules; i++) {
		const unsigned char *r = x->rules + (size_t)i * RULE_ENT;
		uint32_t off = rd32(r), len = rd32(r + 4);
		if (off > x->blobs_len || len > x->blobs_len - off || len < BLOB_HEAD)
			return RL_EINVALID;
	}
	/* Sorted keys and rules in range: a binary search needs the one. */
	for (int t = 0; t < T_N; t++) {
		for (uint32_t i = 0; i < x->nkeys[t]; i++) {
			const unsigned char *k = key_at(x, t, i);
			if (key_rule(x, t, i) >= x->nrules)
				return RL_EINVALID;
			if (i && rd64(k - KEY_ENT) > rd64(k))
				return RL_EINVALID;
		}
	}
	return RL_OK;
}

static void idx_close(struct idx *x)
{
	free(x->tables);
	x->tables = NULL;
}

/* Whether the index was made from exactly these files and bytes. */
static bool idx_sources_match(const struct idx *x, const struct rl_srclist *now)
{
	if (now->n != x->nfiles)
		return false;
	for (size_t i = 0; i < now->n; i++) {
		const unsigned char *f = x->files + i * FILE_ENT;
		uint32_t off = rd32(f + 16), len = rd32(f + 20);
		if (rd64(f) != now->v[i].size || rd64(f + 8) != now->v[i].hash ||
		    strlen(now->v[i].path) != len || memcmp(now->v[i].path, x->strings + off, len))
			return false;
	}
	return true;
}

/* Reads rule i into a new rl_rule; RL_EINVALID when it does not decode. */
static enum rl_status read_rule(const struct idx *x, uint32_t i, struct rl_rule **out)
{
	const unsigned char *e = x->rules + (size_t)i * RULE_ENT;
	uint32_t off = rd32(e), len = rd32(e + 4);
	unsigned char *b = malloc(len);
	struct rl_rule *r = NULL;
	enum rl_status res = RL_EINVALID;
	*out = NULL;
	if (!b)
		return RL_ENOMEM;
	if (!read_at(x, x->blobs_off + off, len, b) || rl_hash64(b, len) != rd64(e + 8))
		goto done;
	unsigned kind = b[0], nv = b[1], nl = rd16(b + 2), ll = rd16(b + 4);
	if (kind > RL_RULE_GID_RANGE || nl > MAX_NAME || ll == 0 || ll > MAX_LABEL ||
	    (size_t)BLOB_HEAD + nl + ll + (size_t)nv * VAL_ENT != len)
		goto done;
	bool named = kind == RL_RULE_USER || kind == RL_RULE_GROUP;
	const char *name = (const char *)b + BLOB_HEAD, *label = name + nl;
	if (named != (nl > 0) || memchr(name, '\0', nl) || memchr(label, '\0', ll))
		goto done;
	res = RL_ENOMEM;
	if (!(r = calloc(1, sizeof(*r))))
		goto done;
	r->kind = (enum rl_rule_kind)kind;
	r->lo = rd32(b + 8);
	r->hi = rd32(b + 12);
	if ((named && !(r->name = rl_strndup(name, nl))) || !(r->label = rl_strndup(label, ll)))
		goto done;
	res = RL_EINVALID;
	const unsigned char *v = b + BLOB_HEAD + nl + ll;
	for (unsigned k = 0; k < nv; k++, v += VAL_ENT) {
		unsigned item = v[0], half = v[1], type = v[2];
		if (item >= RL_NITEMS || half > RL_HARD || type == RL_V_UNSET || type > RL_V_PCT ||
		    rd32(v + 4) >= x->nfiles)
			goto done;
		struct rl_setv *sv = &r->items[item][half];
		sv->v.type = (enum rl_vtype)type;
		sv->v.n = rd64(v + 20);
		sv->file = rd32(v + 4);
		sv->seq = rd32(v + 8);
		sv->line = rd32(v + 12);
		sv->col = rd32(v + 16);
	}
	*out = r;
	r = NULL;
	res = RL_OK;
done:
	rl_rule_free(r);
	free(b);
	return res;
}

/*
 * The candidate rules, each index once, in policy order.  A group rule
 * found by the gid its name was pinned to carries CAND_PINNED: it applies
 * without asking NSS.
 */
#define CAND_PINNED 0x80000000u /* above every rule index (MAX_RULES) */
struct cand {
	uint32_t *v;
	size_t n, cap;
};

static enum rl_status cand_add(struct cand *c, uint32_t rule)
{
	uint32_t *nv = rl_grow(c->v, c->n, &c->cap, sizeof(*nv));
	if (!nv)
		return RL_ENOMEM;
	c->v = nv;
	c->v[c->n++] = rule;
	return RL_OK;
}

/* By rule index; a pinned entry before an unpinned one for the same rule. */
static int cand_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t rx = x & ~CAND_PINNED, ry = y & ~CAND_PINNED;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return ((y & CAND_PINNED) != 0) - ((x & CAND_PINNED) != 0);
}

/* The first entry of table t whose key is >= key. */
static size_t lower_bound(const struct idx *x, int t, uint64_t key)
{
	size_t a = 0, b = x->nkeys[t];
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (rd64(key_at(x, t, m)) < key)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* Every rule of table t whose key is key, each with flag. */
static enum rl_status add_equal(const struct idx *x, int t, uint64_t key, uint32_t flag,
				struct cand *c)
{
	for (size_t i = lower_bound(x, t, key); i < x->nkeys[t]; i++) {
		const unsigned char *k = key_at(x, t, i);
		if (rd64(k) != key)
			break;
		if (cand_add(c, key_rule(x, t, i) | flag) != RL_OK)
			return RL_ENOMEM;
	}
	return RL_OK;
}

/* Every rule of table t. */
static enum rl_status add_all(const struct idx *x, int t, struct cand *c)
{
	for (size_t i = 0; i < x->nkeys[t]; i++)
		if (cand_add(c, key_rule(x, t, i)) != RL_OK)
			return RL_ENOMEM;
	return RL_OK;
}

/*
 * The group rules of table t (keyed by name) that may apply to id: with
 * fewer of them than the user has groups, each is a candidate
 * (rl_rule_matches asks NSS about its name); otherwise the user's group
 * names are fetched once and looked up.  Never more lookups than the
 * smaller of the two counts.
 */
static enum rl_status add_named(const struct idx *x, int t, struct rl_ident *id, struct cand *c)
{
	enum rl_status st;
	if (x->nkeys[t] == 0)
		return RL_OK;
	if (!id->gnames_loaded && x->nkeys[t] <= id->ngids)
		return add_all(x, t, c);
	if ((st = rl_ident_load_group_names(id)) != RL_OK)
		return st;
	for (size_t i = 0; i < id->ngnames; i++) {
		const char *g = id->gnames[i];
		if ((st = add_equal(x, t, rl_hash64(g, strlen(g)), 0, c)) != RL_OK)
			return st;
	}
	return RL_OK;
}

/*
 * The rules that may apply to id.  uid ranges do not overlap (the loader
 * refuses a policy where they do), so the one to look at is the last
 * starting at or below the uid, with the same range written again in a
 * later file merged into it.  gid ranges may overlap and are all looked
 * at: a range costs a binary search in the user's gids, no lookup.
 */
static enum rl_status candidates(const struct idx *x, struct rl_ident *id, struct cand *c)
{
	enum rl_status st;
	if ((st = add_all(x, T_DEFAULT, c)) != RL_OK)
		return st;
	if (id->name && (st = add_equal(x, T_USER, rl_hash64(id->name, strlen(id->name)), 0, c)))
		return st;
	if ((st = add_equal(x, T_UID, id->uid, 0, c)) != RL_OK)
		return st;
	size_t r = lower_bound(x, T_UID_RANGE, (uint64_t)id->uid + 1);
	while (r > 0) {
		const unsigned char *k = key_at(x, T_UID_RANGE, --r);
		if (rd32(k + 8) < id->uid)
			break;
		if ((st = cand_add(c, key_rule(x, T_UID_RANGE, r))) != RL_OK)
			return st;
	}
	for (size_t i = 0; i < id->ngids; i++)
		if ((st = add_equal(x, T_GID, id->gids[i], 0, c)) != RL_OK)
			return st;
	for (size_t i = 0; i < x->nkeys[T_GID_RANGE]; i++) {
		const unsigned char *k = key_at(x, T_GID_RANGE, i);
		uint64_t lo = rd64(k);
		if (lo <= rd32(k + 8) && lo <= (gid_t)-1 &&
		    rl_ident_has_gid_in(id, (gid_t)lo, rd32(k + 8)))
			if ((st = cand_add(c, key_rule(x, T_GID_RANGE, i))) != RL_OK)
				return st;
	}
	if (id->uid == 0)
		return RL_OK;
	if (!(x->flags & F_PINNED))
		return add_named(x, T_GROUP, id, c);
	for (size_t i = 0; i < id->ngids; i++)
		if ((st = add_equal(x, T_PIN, id->gids[i], CAND_PINNED, c)) != RL_OK)
			return st;
	return add_named(x, T_UNPIN, id, c);
}

/* The policy of id out of an opened index: its files, combine and matching rules. */
static enum rl_status idx_policy(const struct idx *x, struct rl_ident *id, struct rl_policy **out)
{
	struct rl_policy *p;
	struct cand c = {0};
	*out = NULL;
	if (rl_policy_new(id, &p) != RL_OK)
		return RL_ENOMEM;
	p->combine = (enum rl_combine)x->combine;
	enum rl_status st = RL_ENOMEM;
	if (x->nfiles && !(p->files = calloc(x->nfiles, sizeof(*p->files))))
		goto fail;
	for (; p->nfiles < x->nfiles; p->nfiles++) {
		const unsigned char *f = x->files + p->nfiles * FILE_ENT;
		if (!(p->files[p->nfiles] =
			  rl_strndup((const char *)x->strings + rd32(f + 16), rd32(f + 20))))
			goto fail;
	}
	if ((st = candidates(x, id, &c)) != RL_OK)
		goto fail;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), cand_cmp);
	for (size_t i = 0; i < c.n; i++) {
		uint32_t rule = c.v[i] & ~CAND_PINNED;
		if (i && rule == (c.v[i - 1] & ~CAND_PINNED))
			continue;
		struct rl_rule *r;
		bool match = true;
		if ((st = read_rule(x, rule, &r)) != RL_OK)
			goto fail;
		/* A pin names a group rule, or the index is not one this code wrote. */
		if ((c.v[i] & CAND_PINNED) && r->kind != RL_RULE_GROUP)
			st = RL_EINVALID;
		else if (!(c.v[i] & CAND_PINNED))
			st = rl_rule_matches(r, id, &match);
		if (st != RL_OK || !match || (st = rl_policy_push_rule(p, r)) != RL_OK) {
			rl_rule_free(r);
			if (st != RL_OK)
				goto fail;
		}
	}
	free(c.v);
	*out = p;
	return RL_OK;
fail:
	free(c.v);
	rl_policy_free(p);
	return st;
}

/*
 * Entry i of pin table t, its rule read into *r: RL_EINVALID unless it is
 * a group rule and, in T_PIN, its key a gid.
 */
static enum rl_status read_pin(const struct idx *x, int t, size_t i, struct rl_rule **r)
{
	enum rl_status st = read_rule(x, key_rule(x, t, i), r);
	if (st == RL_OK &&
	    ((*r)->kind != RL_RULE_GROUP || (t == T_PIN && rd64(key_at(x, t, i)) > (gid_t)-1))) {
		rl_rule_free(*r);
		*r = NULL;
		st = RL_EINVALID;
	}
	return st;
}

/* Every rule and every pin reads back, each rule under its hash ("rlimit-policy check"). */
static enum rl_status idx_verify_rules(const struct idx *x)
{
	struct rl_rule *r;
	enum rl_status st;
	for (uint32_t i = 0; i < x->nrules; i++) {
		if ((st = read_rule(x, i, &r)) != RL_OK)
			return st;
		rl_rule_free(r);
	}
	for (int t = T_PIN; t <= T_UNPIN; t++) {
		for (size_t i = 0; i < x->nkeys[t]; i++) {
			if ((st = read_pin(x, t, i, &r)) != RL_OK)
				return st;
			rl_rule_free(r);
		}
	}
	return RL_OK;
}

/* Appends a pin to out, unless the same name is among its last `run` entries. */
static enum rl_status pin_add(struct rl_pins *out, size_t run, const char *name, bool found,
			      gid_t gid)
{
	for (size_t i = out->n - run; i < out->n; i++)
		if (strcmp(out->v[i].name, name) == 0)
			return RL_OK;
	struct rl_pin *nv = rl_grow(out->v, out->n, &out->cap, sizeof(*nv));
	if (!nv)
		return RL_ENOMEM;
	out->v = nv;
	if (!(nv[out->n].name = rl_strndup(name, strlen(name))))
		return RL_ENOMEM;
	nv[out->n].found = found;
	nv[out->n++].gid = gid;
	return RL_OK;
}

/*
 * The names pinned in the index, each once: by gid, then those no group
 * had when compiled.  Entries with one key sit together, and so does a
 * name (it has one gid, one hash).
 */
static enum rl_status idx_pins(const struct idx *x, struct rl_pins *out)
{
	out->pinned = (x->flags & F_PINNED) != 0;
	for (int t = T_PIN; t <= T_UNPIN; t++) {
		size_t run = 0;
		for (size_t i = 0; i < x->nkeys[t]; i++) {
			uint64_t key = rd64(key_at(x, t, i));
			struct rl_rule *r;
			enum rl_status st = read_pin(x, t, i, &r);
			run = i && key == rd64(key_at(x, t, i - 1)) ? run : 0;
			size_t before = out->n;
			if (st == RL_OK)
				st = pin_add(out, run, r->name, t == T_PIN,
					     t == T_PIN ? (gid_t)key : 0);
			run += out->n - before;
			rl_rule_free(r);
			if (st != RL_OK)
				return st;
		}
	}
	return RL_OK;
}

void rl_pins_free(struct rl_pins *pins)
{
	if (!pins)
		return;
	for (size_t i = 0; i < pins->n; i++)
		free(pins->v[i].name);
	free(pins->v);
	memset(pins, 0, sizeof(*pins));
}

enum rl_status rl_index_load_mem(const unsigned char *buf, size_t len, struct rl_ident *id,
				 struct rl_policy **out)
{
	struct idx x = {.fd = -1, .mem = buf, .size = len};
	*out = NULL;
	if (!buf || !id)
		return RL_EUSAGE;
	enum rl_status st = idx_open(&x);
	if (st == RL_OK)
		st = idx_policy(&x, id, out);
	idx_close(&x);
	return st;
}

enum rl_status rl_index_load_fd(int fd, size_t size, const struct rl_srclist *now,
				struct rl_ident *id, struct rl_policy **out, bool *stale)
{
	struct idx x = {.fd = fd, .size = size};
	if (out)
		*out = NULL;
	*stale = false;
	enum rl_status st = idx_open(&x);
	if (st == RL_OK && !idx_sources_match(&x, now)) {
		*stale = true;
		st = RL_EINVALID;
	}
	if (st == RL_OK && out)
		st = idx_policy(&x, id, out);
	else if (st == RL_OK)
		st = idx_verify_rules(&x);
	idx_close(&x);
	return st;
}

enum rl_status rl_index_pins_fd(int fd, size_t size, const struct rl_srclist *now,
				struct rl_pins *out)
{
	struct idx x = {.fd = fd, .size = size};
	memset(out, 0, sizeof(*out));
	enum rl_status st = idx_open(&x);
	if (st == RL_OK && !idx_sources_match(&x, now))
		st = RL_EINVALID;
	if (st == RL_OK)
		st = idx_pins(&x, out);
	if (st != RL_OK)
		rl_pins_free(out);
	idx_close(&x);
	return st;
}

char *rl_index_path(const char *conf, char *buf, size_t size)
{
	const char *c = conf ? conf : RL_DEFAULT_CONF;
	int n = snprintf(buf, size, "%s%s", c, RL_INDEX_SUFFIX);
	return n >= 0 && (size_t)n < size ? buf : NULL;
}
