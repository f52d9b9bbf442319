/*
 * rlimit_policy.h - the pam_rlimit policy library.
 *
 * One parser, one resolver, one applier, shared by the PAM module, the
 * rlimit-policy tool, the tests and the fuzzers.  Nothing in here knows
 * about PAM, exits, aborts or prints.  Every function returns an rl_status
 * and reports through the caller's rl_sink (pam_syslog, or stderr).
 */
#ifndef RLIMIT_POLICY_H
#define RLIMIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define RL_MAX_FILE_SIZE (1024 * 1024)
/* The longest user or group name a rule may hold, in bytes. */
#define RL_NAME_MAX 256

enum rl_status {
	RL_OK = 0,
	RL_ENOMEM,     /* an allocation failed */
	RL_EINVALID,   /* the policy has at least one error; all were reported */
	RL_EUNTRUSTED, /* owner, mode or file type refused: never overridable */
	RL_EIO,        /* a file could not be opened or read */
	RL_ENOUSER,    /* the user does not exist */
	RL_ENSS,       /* a passwd or group lookup failed (not "not found") */
	RL_ELOWER,     /* a limit could not be lowered to the policy's value */
	RL_EUSAGE,     /* a caller passed something meaningless */
	RL_ELOGINS,    /* the session would go past maxlogins or maxsyslogins */
};

/* A static English description of a status. */
const char *rl_status_str(enum rl_status st);

/* ---------------------------------------------------------------------
 * Diagnostics
 */
enum rl_severity { RL_SEV_ERROR, RL_SEV_WARNING, RL_SEV_INFO };

/*
 * Where messages go.  msg is complete ("file:line:column: text" for
 * policy errors) and only valid during the call.  A NULL sink or a NULL
 * emit drops messages.
 */
struct rl_sink {
	void (*emit)(void *ctx, enum rl_severity sev, const char *msg);
	void *ctx;
};

/* ---------------------------------------------------------------------
 * The table of limit items: one line per item, walked by everything.
 */
enum rl_kind {
	RL_KIND_SIZE,   /* bytes; K M G T P / KiB..PiB; % of RAM where allowed */
	RL_KIND_CPU,    /* seconds; s min h d; at most RL_CPU_SECONDS_MAX */
	RL_KIND_RTTIME, /* microseconds; us ms s */
	RL_KIND_COUNT,  /* a plain count */
	RL_KIND_NICE,   /* a niceness -20..19, stored as 20 - nice */
	RL_KIND_RTPRIO, /* 0..99 */
	/* Items that are not rlimits: one value, no soft and hard. */
	RL_KIND_LOGINS,   /* a count of sessions, or unlimited */
	RL_KIND_PRIORITY, /* the session's niceness -20..19, stored as 20 - nice */
	RL_KIND_BOOL,     /* true or false, stored as 1 or 0 */
	RL_KIND_WEIGHT,   /* a cgroup weight, 1..10000 */
	RL_KIND_QUOTA,    /* a percentage of one CPU, 1% and up; stored as RL_V_PCT */
};

struct rl_item {
	const char *name; /* the policy key, e.g. "as" */
	int resource;     /* RLIMIT_AS ..., or RL_NOT_RLIMIT */
	enum rl_kind kind;
	bool percent_ok;           /* "N%" of physical RAM accepted */
	unsigned limits_conf_unit; /* limits.conf's unit, in ours: KiB, minutes, or 1 */
	const char *what;          /* a short description for documents and explain */
};

#define RL_NOT_RLIMIT (-1)
#define RL_NITEMS 20
extern const struct rl_item rl_items[RL_NITEMS];

/* Indexes of the items that are not rlimits, for the code that acts on them. */
enum {
	RL_ITEM_MAXLOGINS = 16,
	RL_ITEM_MAXSYSLOGINS,
	RL_ITEM_PRIORITY,
	RL_ITEM_NONEWPRIVS,
};

/* Whether item i is an rlimit (has a soft and a hard half). */
static inline bool rl_item_is_rlimit(int i)
{
	return rl_items[i].resource != RL_NOT_RLIMIT;
}

/* The index of the item called name[0..len), or -1. */
int rl_item_lookup(const char *name, size_t len);

/*
 * Writes the names of the items ("as, data, ...") into buf, only those that
 * take percentages when percent_only.  Always NUL-terminated; returns buf.
 */
char *rl_item_names(bool percent_only, char *buf, size_t size);

/*
 * Totals: what all of a login session's processes (its systemd scope) or
 * all of a user's (user-UID.slice) use together, enforced by cgroups.  A
 * second small table beside the items, walked by the same parser, resolver
 * and explain: one line per total.  Written in a rule as
 * session: {memory_max: 4G} or user: {tasks_max: 4096}.
 */
enum rl_scope { RL_SCOPE_SESSION, RL_SCOPE_USER };

struct rl_total {
	const char *name; /* the key inside session: or user:, e.g. "memory_max" */
	enum rl_scope scope;
	enum rl_kind kind; /* SIZE, COUNT, CPU (a duration), WEIGHT or QUOTA */
	bool percent_ok;   /* "N%" of physical RAM accepted (sizes) */
	bool zero_ok;      /* 0 is a meaningful value, not a lock-out */
	/*
	 * session: the PAM data key pam_systemd reads when it makes the scope;
	 * user: the unit property set on user-UID.slice over D-Bus.
	 */
	const char *key;
	const char *what; /* a short description for documents and explain */
};

#define RL_NTOTALS 12
extern const struct rl_total rl_totals[RL_NTOTALS];

/* "session" or "user": the key of the scope's map in a rule. */
const char *rl_scope_name(enum rl_scope scope);

/* The index of scope's total called name[0..len), or -1. */
int rl_total_lookup(enum rl_scope scope, const char *name, size_t len);

/* Writes scope's total names ("memory_max, tasks_max, ...") into buf; returns buf. */
char *rl_total_names(enum rl_scope scope, char *buf, size_t size);

/* ---------------------------------------------------------------------
 * Values (pure functions, no allocation)
 */
enum rl_vtype {
	RL_V_UNSET = 0, /* not written: distinct from 0 */
	RL_V_NUM,       /* n is in rlimit units (bytes, s, us, count, 20-nice) */
	RL_V_INF,       /* unlimited / infinity */
	RL_V_PCT,       /* n is a percentage of RAM times RL_PCT_ONE */
};
#define RL_PCT_ONE 1000000ULL /* n for 1 %; 100 % is 100 * RL_PCT_ONE */

struct rl_value {
	enum rl_vtype type;
	uint64_t n;
};

/*
 * The kernel counts a CPU limit in u64 nanoseconds: more seconds than this
 * (about 584 years) wrap to a small limit that ends the process at once.
 * A cpu value above it is refused; unlimited is RLIM_INFINITY.
 */
#define RL_CPU_SECONDS_MAX (UINT64_MAX / 1000000000u)

enum rl_verr {
	RL_VERR_OK = 0,
	RL_VERR_EMPTY,
	RL_VERR_SPACE,
	RL_VERR_NEGATIVE,
	RL_VERR_SYNTAX,
	RL_VERR_LEADING_ZERO,
	RL_VERR_OVERFLOW,
	RL_VERR_UNIT,      /* unknown or misplaced unit */
	RL_VERR_SI_UNIT,   /* KB, MB, ... (1000-based spellings) */
	RL_VERR_UNIT_CASE, /* k, m, g ... */
	RL_VERR_PERCENT_ITEM,
	RL_VERR_PERCENT_RANGE,
	RL_VERR_PERCENT_DIGITS,
	RL_VERR_RANGE, /* outside the item's range (nice, rtprio) */
	RL_VERR_TOO_LONG,
};

/*
 * Parses s[0..len) (not NUL-terminated) as a value of item item_idx.
 * Returns RL_VERR_OK and fills *out, or an error and leaves *out
 * untouched.  Pure: no allocation, no global state.
 */
enum rl_verr rl_value_parse(int item_idx, const char *s, size_t len, struct rl_value *out);

/* rl_value_parse for total t of rl_totals. */
enum rl_verr rl_total_value_parse(int t, const char *s, size_t len, struct rl_value *out);

/*
 * Writes a one-line explanation of err for item item_idx and the text
 * s[0..len) into buf (always NUL-terminated when size > 0).  Returns buf.
 */
char *rl_verr_describe(enum rl_verr err, int item_idx, const char *s, size_t len, char *buf,
		       size_t size);
/* rl_verr_describe for total t of rl_totals. */
char *rl_total_verr_describe(enum rl_verr err, int t, const char *s, size_t len, char *buf,
			     size_t size);

/*
 * Writes v, an effective rlimit value of item item_idx, in the policy's
 * own units ("64G", "90min", "unlimited", "-5" for nice), so that the text
 * parses back to the same value.  Returns buf.
 */
char *rl_value_format(int item_idx, rlim_t v, char *buf, size_t size);

/*
 * Writes a parsed value as a policy would write it: rl_value_format's text
 * for bytes, counts and unlimited, "12.5%" for a percentage (no trailing
 * zeros).  Returns buf.
 */
char *rl_value_text(int item_idx, const struct rl_value *v, char *buf, size_t size);

/*
 * Total t's effective value n (see struct rl_total_result) as a policy
 * writes it ("8G", "24h", "400%", "unlimited"); rl_total_value_text writes
 * a parsed value as written.  Both return buf.
 */
char *rl_total_format(int t, uint64_t n, char *buf, size_t size);
char *rl_total_value_text(int t, const struct rl_value *v, char *buf, size_t size);

/* ---------------------------------------------------------------------
 * Text for logs and terminals.  Names reach them from NSS (an LDAP
 * directory), from PAM_USER and from policy files and folders.
 */

/*
 * The code point of the UTF-8 sequence at p (NUL-terminated) in *cp;
 * returns its length, or 0 when it is not one libyaml accepts: a stray or
 * missing continuation byte, an overlong form, a surrogate, or past
 * U+10FFFF.
 */
int rl_utf8_next(const unsigned char *p, uint32_t *cp);

/* Whether code point cp is a control character: C0, DEL or C1. */
bool rl_cp_is_control(uint32_t cp);

/*
 * Whether cp can make a line read other than it is: a control character,
 * one of Unicode's Bidi_Control set (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069), a line or paragraph separator (U+2028,
 * U+2029), or U+FEFF.
 */
bool rl_cp_is_unsafe(uint32_t cp);

/*
 * s for a log line or a terminal: each byte of an unsafe character
 * (rl_cp_is_unsafe) and each byte not part of valid UTF-8 as \xNN, a
 * backslash as \\, the rest as it is; so the text reads one way only, and
 * unescapes to exactly s.  Cut at a character boundary to fit size;
 * RL_TEXT_SAFE_SIZE(n) always fits n bytes.  Returns out (NUL-terminated
 * when size > 0).
 */
#define RL_TEXT_SAFE_SIZE(n) (4 * (n) + 1)
char *rl_text_safe(const char *s, char *out, size_t size);

/* ---------------------------------------------------------------------
 * The user being resolved.
 */

/*
 * What could be had of the user's groups.  Lookups are asked once and the
 * answer kept: a directory that failed once in a login is not asked again.
 */
enum rl_groups {
	RL_GROUPS_KNOWN = 0,         /* the gids, and their names once needed */
	RL_GROUPS_NAMES_UNAVAILABLE, /* the gids, but not all their names */
	RL_GROUPS_UNAVAILABLE,       /* getgrouplist failed: only the primary gid */
};

#define RL_GROUPS_WHY_MAX 96

/* A group name asked by name (getgrnam_r) and what it answered. */
struct rl_probe {
	char *name; /* owned */
	bool member;
};

struct rl_ident {
	char *name;  /* owned; the passwd entry's name */
	char *asked; /* owned; the name it was looked up by (rl_ident_is_for) */
	uid_t uid;
	gid_t gid;   /* primary group */
	gid_t *gids; /* owned; sorted, unique, includes the primary */
	size_t ngids;
	char **gnames; /* owned; sorted names of gids, plus extra names */
	size_t ngnames;
	bool gnames_loaded;      /* false until the names were needed */
	struct rl_probe *probes; /* owned; sorted by name; asked before the walk */
	size_t nprobes;
	enum rl_groups groups;
	/* Why groups is not RL_GROUPS_KNOWN: "getgrgid_r(2001): No such file or directory". */
	char groups_why[RL_GROUPS_WHY_MAX];
	unsigned nss_lookups; /* every passwd and group lookup */
	uint64_t nss_ns;      /* the time they took, in nanoseconds (monotonic) */
	char *nss_buf;        /* owned; scratch every lookup reuses */
	size_t nss_size;
};

/*
 * Looks user up: one getpwnam_r, one getgrouplist (two past 1,024 groups);
 * group names later, only if a policy names groups.  An entry is RL_OK; 0
 * with no entry (NSS's NOTFOUND) is RL_ENOUSER; any errno (ENOENT too:
 * nss_sss with its daemon down), or a buffer too small at 1 MiB, RL_ENSS;
 * ENOMEM, RL_ENOMEM.  A failed getgrouplist leaves id->groups
 * RL_GROUPS_UNAVAILABLE, not a failed lookup (see rl_resolve).  On success
 * the caller frees *id with rl_ident_free; on failure it holds nothing.
 */
enum rl_status rl_ident_lookup(const char *user, struct rl_ident *id);

/*
 * rl_ident_lookup into a new identity *out, for a caller that keeps it for
 * a whole login (the module, with pam_set_data): a second session open
 * then asks NSS nothing it already asked.  The caller frees *out with
 * rl_ident_destroy; on failure *out is NULL.
 */
enum rl_status rl_ident_new(const char *user, struct rl_ident **out);

/* Frees id and what it owns; NULL-safe. */
void rl_ident_destroy(struct rl_ident *id);

/* Whether id was looked up by the name user (a kept identity still serves). */
bool rl_ident_is_for(const struct rl_ident *id, const char *user);

/*
 * Builds an identity without NSS (tests, fuzzers, "explain" for a user that
 * does not exist).  gids may be NULL when ngids is 0.  gnames_loaded is set:
 * add names with rl_ident_add_group.  Caller frees with rl_ident_free.
 */
enum rl_status rl_ident_make(const char *name, uid_t uid, gid_t gid, const gid_t *gids,
			     size_t ngids, struct rl_ident *id);

/*
 * Adds a group the user is taken to be in, as "explain --group" does: its
 * name, and its gid.  rl_ident_assume_group asks NSS for the gid (none
 * when there is no such group; RL_ENSS when the lookup fails).
 * rl_ident_add_group takes it from the caller, known or not.
 */
enum rl_status rl_ident_assume_group(struct rl_ident *id, const char *gname);
enum rl_status rl_ident_add_group(struct rl_ident *id, const char *gname, bool gid_known,
				  gid_t gid);

/*
 * Makes sure gnames is filled: getgrgid_r on each of the user's gids, once
 * in the identity's life.  Each gid getgrouplist gave must resolve.  A gid
 * with no entry (0 with no result: NSS's NOTFOUND) is a gid without a name
 * when it is the primary gid, and makes the names unavailable when it is a
 * supplementary one; any errno (ENOENT, EAGAIN, ...) or a buffer still too
 * small at 1 MiB makes them unavailable.  Unavailable names are RL_ENSS,
 * now and at every later call, with id->groups RL_GROUPS_NAMES_UNAVAILABLE
 * and no name kept.  RL_OK, RL_ENSS or RL_ENOMEM.
 */
enum rl_status rl_ident_load_group_names(struct rl_ident *id);

/*
 * Is the user in the group called name?  Walks the names of the user's own
 * gids (rl_ident_load_group_names), never asks NSS for name itself: so a
 * directory that fails is never read as "not a member".  RL_OK, RL_ENSS
 * (group information unavailable) or RL_ENOMEM.
 */
enum rl_status rl_ident_in_group(struct rl_ident *id, const char *name, bool *match);

/* Frees what *id owns; NULL-safe, leaves *id zeroed. */
void rl_ident_free(struct rl_ident *id);

/* ---------------------------------------------------------------------
 * Policies
 */
enum rl_combine { RL_COMBINE_MAX = 0, RL_COMBINE_MIN, RL_COMBINE_LAST };

/*
 * What a session gets for an rlimit half no rule sets: what the process
 * has (keep, the default), or process 1's, as Debian's pam_limits does
 * (pid1, which import-limits-conf writes).
 */
enum rl_unset { RL_UNSET_KEEP = 0, RL_UNSET_PID1 };

struct rl_policy; /* opaque; owns every string and rule */

struct rl_load_opts {
	const char *conf;      /* the main file; NULL for none */
	const char *confdir;   /* the drop-in folder; NULL for none */
	bool conf_required;    /* a missing main file is an error */
	bool confdir_required; /* a missing folder is an error */
	/*
	 * Owner trusted besides root, (uid_t)-1 for none.  Only test builds
	 * and "rlimit-policy check --owner" pass anything else.
	 */
	uid_t trusted_uid;
	/*
	 * When set, rules that cannot apply to this user are validated and
	 * then dropped, so memory does not grow with the policy.  Resolving
	 * with the same identity gives the same result either way.
	 */
	struct rl_ident *filter;
	/*
	 * For "rlimit-policy check" only, never the module: a file or folder
	 * refused for its owner or mode is still read, so that its content
	 * errors are reported in the same run.  The result stays RL_EUNTRUSTED
	 * and no policy is returned.  A wrong file type or size is never read.
	 */
	bool read_untrusted;
	/*
	 * For "rlimit-policy check" only: each name in the drop-in folder that
	 * looks like a policy but is not read (50-lab.yml, 50-lab.yaml~) is
	 * reported as a warning, in byte order.
	 */
	bool note_ignored;
};

/*
 * The options of a load of what conf= and confdir= name, NULL when not
 * given.  Not given, the main file is /etc/security/rlimit.yaml and the
 * folder /etc/security/rlimit.d (none when conf is given), and either may
 * be missing; what is given must exist.  Only root's files are trusted.
 * The module and the tool both start here, so they read the same files.
 */
struct rl_load_opts rl_load_opts_for(const char *conf, const char *confdir);

/*
 * Loads a whole policy (main file, then drop-ins in byte order of name).
 * Reports every error through sink and returns RL_EINVALID if there was
 * any.  The worst status wins: RL_ENOMEM, then RL_EUNTRUSTED, RL_ENSS,
 * RL_EIO, RL_EINVALID.
 * On RL_OK *out is a policy the caller frees with rl_policy_free (an empty
 * one when no file exists); otherwise *out is NULL.
 */
enum rl_status rl_policy_load(const struct rl_load_opts *opts, struct rl_policy **out,
			      const struct rl_sink *sink);

/*
 * The pieces rl_policy_load is made of, for tests and fuzzers: a new empty
 * policy, one document added from memory (name is what diagnostics say),
 * and the checks that need the whole policy.  add and finish return
 * RL_EINVALID after reporting errors.  The policy stays usable for more
 * adds, so every error is seen; the caller frees it with rl_policy_free.
 */
enum rl_status rl_policy_new(struct rl_ident *filter, struct rl_policy **out);
enum rl_status rl_policy_add_buffer(struct rl_policy *p, const char *name, const char *buf,
				    size_t len, const struct rl_sink *sink);
enum rl_status rl_policy_finish(struct rl_policy *p, const struct rl_sink *sink);

/* NULL-safe. */
void rl_policy_free(struct rl_policy *p);

/* Number of rules kept (for tests of filtering and for benchmarks). */
size_t rl_policy_rule_count(const struct rl_policy *p);
/* Number of files read. */
size_t rl_policy_file_count(const struct rl_policy *p);
/* The policy's groups_combine. */
enum rl_combine rl_policy_combine(const struct rl_policy *p);
/* The policy's unset. */
enum rl_unset rl_policy_unset(const struct rl_policy *p);

/* ---------------------------------------------------------------------
 * Resolution
 */
struct rl_host {
	uint64_t ram_bytes; /* physical RAM, for percentages */
	rlim_t nr_open;     /* /proc/sys/fs/nr_open, for nofile: unlimited */
	/* Process 1's limits by RLIMIT_ number, for unset: pid1; pid1_known[r] when read. */
	struct rlimit pid1[RLIM_NLIMITS];
	bool pid1_known[RLIM_NLIMITS];
};

/*
 * Reads the text of /proc/PID/limits into lim and known, indexed by
 * RLIMIT_ number; lines it does not know are skipped.  Pure: no I/O.
 * Returns how many limits it read.
 */
int rl_proc_limits_parse(const char *text, struct rlimit lim[RLIM_NLIMITS],
			 bool known[RLIM_NLIMITS]);

/* Reads this machine's RAM, nr_open and process 1's limits.  RL_OK or RL_EIO. */
enum rl_status rl_host_probe(struct rl_host *host);

/*
 * Where a resolved half came from.  file points into the result's own
 * list, whatever its length; rule always fits, since the parser refuses
 * longer names.  No pointer into a policy.
 */
#define RL_RULE_MAX (RL_NAME_MAX + 16)
struct rl_origin {
	const char *file; /* owned by the result: see rl_result_free */
	unsigned line, col;
	char rule[RL_RULE_MAX]; /* "default", "groups.research", "users.uid:2000-2999" */
};

struct rl_half {
	bool set;              /* false: left as the process has it */
	bool pid1;             /* set from process 1's limits (unset: pid1), no rule */
	struct rl_value value; /* as written (a percentage stays one) */
	rlim_t rlim;           /* effective: bytes for %, nr_open for nofile inf */
	struct rl_origin origin;
};

struct rl_item_result {
	struct rl_half soft, hard;
	bool soft_clamped; /* soft was above hard and was lowered to it */
};

/*
 * A resolved total.  n is what systemd is given: bytes (a percentage of
 * RAM made bytes), a count, a weight, seconds (runtime_max), or
 * microseconds of CPU per second (cpu_quota: 100% is 1000000);
 * RL_TOTAL_INF for unlimited.
 */
#define RL_TOTAL_INF UINT64_MAX
struct rl_total_result {
	bool set;
	struct rl_value value; /* as written */
	uint64_t n;
	struct rl_origin origin;
};

/* How many skipped group rules a result names; the rest are counted. */
#define RL_SKIPPED_MAX 8

struct rl_result {
	struct rl_item_result item[RL_NITEMS];    /* indexed like rl_items */
	struct rl_total_result total[RL_NTOTALS]; /* indexed like rl_totals */
	/* owned: the names origins (and skipped's) point to */
	char *files[2 * RL_NITEMS + RL_NTOTALS + RL_SKIPPED_MAX];
	size_t nfiles;
	/*
	 * Fail safe: the group rules that might have applied but could not be
	 * decided, because group information was unavailable (id->groups).
	 * The result holds every other rule's values as if they did not
	 * apply.  nskipped counts them all; skipped names the first ones
	 * (file, line of the rule's key, label); groups_why says what failed.
	 * Whether such a result may be applied is the caller's choice
	 * (onerr=).
	 */
	unsigned nskipped;
	struct rl_origin skipped[RL_SKIPPED_MAX];
	char groups_why[RL_GROUPS_WHY_MAX];
	/* What the user and group lookups cost (rl_session_resolve*, else 0). */
	unsigned nss_lookups;
	uint64_t nss_ns;
};

/*
 * "rlimit-policy check": warns, through sink, of each group, gid or
 * gid-range rule that sets an item stricter (lower, half by half, as
 * rl_resolve compares them, percentages on host's RAM; host NULL: this
 * machine's) than default does, or that sets, finite, an item default
 * leaves unset (nice and rtprio apart: they grant).  Such a rule is lost
 * whenever group information is (fail safe).  rlimits, maxlogins and
 * maxsyslogins only.  Returns the number of warnings.
 */
unsigned rl_policy_check_fail_open(const struct rl_policy *p, const struct rl_host *host,
				   const struct rl_sink *sink);

/*
 * Resolves the limits of id under p.  May fetch id's group names (NSS) if
 * p names groups.  When group information is unavailable, it fails safe:
 * the rules that need it are skipped and listed in out->skipped, every
 * other rule applies, and the status is still RL_OK.  host NULL means this
 * machine, read only when a percentage or nofile: unlimited needs it.
 * Returns RL_OK, RL_ENOMEM, or RL_EIO when this machine's memory size
 * cannot be read.
 * The caller frees *out with rl_result_free, whatever the status.
 */
enum rl_status rl_resolve(const struct rl_policy *p, struct rl_ident *id,
			  const struct rl_host *host, struct rl_result *out);

/* Frees what *r owns; leaves it empty. */
void rl_result_free(struct rl_result *r);

/*
 * r's skipped group rules as one bounded line, "/etc/security/rlimit.yaml:7
 * (groups.students), ... and 3 more": at most RL_SKIPPED_MAX named, each
 * file name cut to fit.  Empty when none.  Returns buf.
 */
char *rl_result_skipped_text(const struct rl_result *r, char *buf, size_t size);

/* True if any half of any item is set. */
bool rl_result_any(const struct rl_result *r);

/* True if any total of scope is set. */
bool rl_result_any_total(const struct rl_result *r, enum rl_scope scope);

/*
 * Total t of r as the text pam_systemd parses from its PAM data: decimal
 * bytes, count, weight or seconds, or "infinity".  Returns buf.
 */
char *rl_total_pam_text(const struct rl_result *r, int t, char *buf, size_t size);

/*
 * Sessions counted for maxlogins and maxsyslogins: logind's where systemd
 * runs (/run/systemd/system exists), utmp's otherwise.  own_id is this
 * session's logind id (XDG_SESSION_ID) or NULL: a session already
 * registered is not counted twice.  *user_n gets the user's sessions,
 * *all_n every user's, both without the one being opened.  RL_OK or
 * RL_EIO (logind's folder could not be read).
 */
enum rl_status rl_count_sessions(const char *user, uid_t uid, const char *own_id, unsigned *user_n,
				 unsigned *all_n);

/*
 * Checks the session being opened against r's maxlogins and
 * maxsyslogins, counting with rl_count_sessions.  Returns RL_ELOGINS,
 * after a line that says which limit, when it would go past one; root is
 * never refused (the line is a warning then, and RL_OK).  service is the
 * PAM service (NULL if unknown): "systemd-user", a user's systemd
 * manager, is not a login and is never checked.
 */
enum rl_status rl_check_logins(const struct rl_result *r, const char *user, uid_t uid,
			       const char *own_id, const char *service, const struct rl_sink *sink);

/*
 * Applies r to the calling process with setrlimit.  A raise refused with
 * EPERM keeps the stricter current value and is a warning; a value that
 * cannot be lowered returns RL_ELOWER.  A nofile above this machine's
 * nr_open is left as it is, with a warning, as pam_limits' refused
 * setrlimit leaves it.  priority is set with setpriority (a refusal is a
 * warning), nonewprivs with prctl (a refusal is RL_ELOWER).  With debug,
 * one RL_SEV_INFO line per item applied, naming its rule.
 */
enum rl_status rl_apply(const struct rl_result *r, bool debug, const struct rl_sink *sink);

/* ---------------------------------------------------------------------
 * systemd: where the totals go.  The session totals are PAM data for
 * pam_systemd (the module sets them; see rl_total_pam_text); the user
 * totals are set here.
 */

/*
 * Whether systemd runs this machine, as sd_booted(3) tells: run_dir
 * (NULL: /run/systemd/system) is a folder.
 */
bool rl_systemd_running(const char *run_dir);

/*
 * Sets r's user totals on user-UID.slice: SetUnitProperties with runtime
 * true (a drop-in under /run/systemd, gone at reboot) over the system bus
 * socket bus_path (NULL: /run/dbus/system_bus_socket), all of it within
 * timeout_ms.  RL_OK, also when r has no user total; RL_ELOWER when the
 * bus cannot be reached in time or systemd refuses (reported through
 * sink); RL_ENOMEM.
 */
enum rl_status rl_systemd_set_user_totals(const struct rl_result *r, uid_t uid,
					  const char *bus_path, int timeout_ms,
					  const struct rl_sink *sink);

/* ---------------------------------------------------------------------
 * The whole session path: what the module, "rlimit-policy run" and
 * "rlimit-policy explain" do.
 */

/*
 * For an identity already made: loads the policy filtered for id and
 * resolves it on this machine.  "explain" calls it for a user that may not
 * exist yet.  The caller frees *out with rl_result_free.
 */
enum rl_status rl_session_resolve_ident(const struct rl_load_opts *opts, struct rl_ident *id,
					struct rl_result *out, const struct rl_sink *sink);

/*
 * Looks user up, then does what rl_session_resolve_ident does.  *uid_out
 * is the user's uid when known ((uid_t)-1 otherwise), so the caller can
 * decide root's fate.  Returns any status above but RL_ELOWER.
 */
enum rl_status rl_session_resolve(const struct rl_load_opts *opts, const char *user, uid_t *uid_out,
				  struct rl_result *out, const struct rl_sink *sink);

#endif
