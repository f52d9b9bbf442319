/*
 * policy_int.h - what the policy library's files share and nothing else
 * sees: the in-memory form of a loaded policy, and small helpers.
 *
 * The login path runs one way: session.c -> files.c -> parse.c ->
 * policy.c, then resolve.c and apply.c; ident.c, value.c, items.c,
 * text.c, strmap.c and util.c sit below them all and call none of them.
 */
#ifndef RLIMIT_POLICY_INT_H
#define RLIMIT_POLICY_INT_H

#include "rlimit_policy.h"

/* ---------------------------------------------------------------------
 * util.c
 */

/* printf-style report through sink; a NULL sink drops it. */
void rl_report(const struct rl_sink *sink, enum rl_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The text of errno value e, in buf (thread-safe, unlike strerror). */
#define RL_ERRSTR_SIZE 64
const char *rl_errstr(int e, char *buf, size_t size);

/* malloc'd copy of s[0..len), NUL-terminated; NULL when out of memory. */
char *rl_strndup(const char *s, size_t len);

/*
 * Room for element n of array v (elem bytes each, *cap allocated): v itself
 * when it has it, else v grown to twice *cap (8 at first) with *cap
 * updated, or NULL when out of memory (v then untouched, still the
 * caller's).  Use: if (!(t = rl_grow(a->v, a->n, &a->cap, sizeof(*t)))) ...
 */
void *rl_grow(void *v, size_t n, size_t *cap, size_t elem);

/* qsort/bsearch order of an array of C strings (char *), by strcmp. */
int rl_name_cmp(const void *a, const void *b);

/* FNV-1a of s[0..len), never 0: the library's one hash.  Not cryptographic. */
uint64_t rl_hash64(const char *s, size_t len);

/*
 * An arena: what lives exactly as long as one policy (its rules, names,
 * labels and file names) in a few chunks, all freed by one call.  A login
 * then allocates per chunk, not per rule.
 */
struct rl_arena_chunk;
struct rl_arena {
	struct rl_arena_chunk *chunk; /* the newest; each holds the one before */
	size_t used;                  /* bytes of it handed out */
};

/* size zeroed bytes, aligned for any object; NULL when out of memory. */
void *rl_arena_alloc(struct rl_arena *a, size_t size);
/* A NUL-terminated copy of s[0..len) in a; NULL when out of memory. */
char *rl_arena_strndup(struct rl_arena *a, const char *s, size_t len);
/* Frees every chunk; leaves *a empty and usable. */
void rl_arena_free(struct rl_arena *a);

/* ---------------------------------------------------------------------
 * strmap.c
 */

/* A hash map from strings to a size_t; the keys are copied into an arena. */
struct rl_strmap_ent {
	const char *key; /* NULL marks an empty slot */
	size_t len;
	size_t val;
};
struct rl_strmap {
	struct rl_strmap_ent *ents;
	size_t cap, n;
};

/*
 * Inserts key[0..len) with val unless present, its copy in keys.  Returns
 * RL_OK with *ent its entry and *found whether it was there before (its
 * val then unchanged), or RL_ENOMEM.
 */
enum rl_status rl_strmap_put(struct rl_strmap *m, struct rl_arena *keys, const char *key,
			     size_t len, size_t val, const struct rl_strmap_ent **ent, bool *found);
/* Frees the table (the keys go with their arena); NULL-safe, leaves *m empty. */
void rl_strmap_free(struct rl_strmap *m);

/*
 * The keys seen in one users: or groups: mapping, for duplicate detection:
 * hashes and first lines only, no copies, because this runs over every key
 * of the policy at every login.  Equal hashes count as equal keys; a
 * collision can only cause a spurious "duplicate key" error, never a rule
 * slipping through.
 */
struct rl_keyset_ent {
	uint64_t hash; /* 0 marks an empty slot */
	uint32_t line;
};
struct rl_keyset {
	struct rl_keyset_ent *v;
	size_t cap, n;
};

/*
 * Adds key[0..len) seen at line.  Returns RL_OK with *first_line 0 when it
 * is new, or the line of its first occurrence; RL_ENOMEM otherwise.
 */
enum rl_status rl_keyset_add(struct rl_keyset *s, const char *key, size_t len, uint32_t line,
			     uint32_t *first_line);
/* NULL-safe; leaves *s empty. */
void rl_keyset_free(struct rl_keyset *s);

/* ---------------------------------------------------------------------
 * ident.c, below the public rl_ident_* functions
 */

/* Is g one of id's gids (sorted)?  Is any of them within lo..hi? */
bool rl_ident_has_gid(const struct rl_ident *id, gid_t g);
bool rl_ident_has_gid_in(const struct rl_ident *id, gid_t lo, gid_t hi);

/* ---------------------------------------------------------------------
 * policy.c: the loaded policy
 */

/* One half of one item as written in one rule. */
struct rl_setv {
	struct rl_value v;  /* type RL_V_UNSET when not written */
	uint32_t seq;       /* write order across all files, for "last" */
	uint32_t line, col; /* 1-based position of the value */
	uint32_t file;      /* index into rl_policy.files */
};

enum { RL_SOFT = 0, RL_HARD = 1 };

enum rl_rule_kind {
	RL_RULE_DEFAULT,
	RL_RULE_USER,      /* name */
	RL_RULE_UID,       /* lo */
	RL_RULE_UID_RANGE, /* lo..hi */
	RL_RULE_GROUP,     /* name */
	RL_RULE_GID,       /* lo */
	RL_RULE_GID_RANGE, /* lo..hi */
};

struct rl_rule {
	enum rl_rule_kind kind;
	const char *name;  /* user or group name, NULL otherwise */
	const char *label; /* "users.alice", "groups.gid:10-20", "default" */
	uint32_t lo, hi;
	uint32_t file, line, col; /* where its key is first written (rl_result.skipped) */
	struct rl_setv items[RL_NITEMS][2];
	/*
	 * RL_NTOTALS values (no soft and hard), or NULL while the rule sets
	 * none: most rules never do, and a login may read 50,000 of them.
	 */
	struct rl_setv *totals;
};

/* A uid range as written, kept for the overlap check even when filtered out. */
struct rl_range {
	uint32_t lo, hi;
	uint32_t file, line, col;
};

/* Everything a policy holds is in its arena, but the arrays that grow. */
struct rl_policy {
	struct rl_arena arena;   /* the policy itself, its rules and strings */
	struct rl_ident *filter; /* not owned */
	const char **files;      /* paths or names, in load order */
	size_t nfiles, files_cap;
	struct rl_rule **rules;
	size_t nrules, rules_cap;
	struct rl_strmap rule_index; /* label -> index into rules */
	struct rl_range *ranges;     /* every uid range of every file */
	size_t nranges, ranges_cap;
	enum rl_combine combine;
	enum rl_unset unset;
	uint32_t seq;
	unsigned errors;
};

/* Appends a copy of name to p's files; *idx is its index.  RL_OK or RL_ENOMEM. */
enum rl_status rl_policy_add_file(struct rl_policy *p, const char *name, uint32_t *idx);

/* Records a uid range for rl_policy_finish's overlap check. */
enum rl_status rl_policy_add_range(struct rl_policy *p, const struct rl_range *r);

/* What one rule of one file wrote: the items and totals seen, and their values. */
struct rl_body {
	struct rl_setv items[RL_NITEMS][2]; /* items[i] is set where seen[i] */
	bool seen[RL_NITEMS];
	struct rl_setv totals[RL_NTOTALS]; /* likewise with tseen */
	bool tseen[RL_NTOTALS];
};

/*
 * Merges a rule read from a file into p.  The rule called key->label is
 * made on first sight, from key's kind, name, lo and hi.  Each item or
 * total body saw then replaces that whole item or total of it, as a later
 * file does.  RL_OK or RL_ENOMEM.
 */
enum rl_status rl_policy_merge_rule(struct rl_policy *p, const struct rl_rule *key,
				    const struct rl_body *body);

/* ---------------------------------------------------------------------
 * resolve.c
 */

/* /proc/sys/fs/nr_open, or the kernel's default when it cannot be read. */
rlim_t rl_read_nr_open(void);

/*
 * logins.c: logind's sessions in dir (/run/systemd/sessions), added to
 * *user_n (uid's) and *all_n, own_id left out.  RL_OK, or RL_EIO when dir
 * exists but cannot be listed.
 */
enum rl_status rl_count_logind(const char *dir, uid_t uid, const char *own_id, unsigned *user_n,
			       unsigned *all_n);

/*
 * Does rule r apply to id?  May fetch id's group names.  RL_OK, RL_ENOMEM,
 * or RL_ENSS when r needs group information that is unavailable (then
 * nobody knows: the loader keeps r, the resolver skips it).
 */
enum rl_status rl_rule_matches(const struct rl_rule *r, struct rl_ident *id, bool *match);

#endif
