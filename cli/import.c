/*
 * import.c - limits.conf to rlimit.yaml.
 *
 * The point is that every user keeps the limits pam_limits gave them, so
 * the reading side follows Debian 12's pam_limits (Linux-PAM 1.5.2) line
 * for line, quirks included; rlimit-policy(1), IMPORTING LIMITS.CONF, lists
 * them.  The writing side maps pam_limits' three levels to rlimit.yaml's
 * precedence, and says in comments where the two cannot agree.
 */
#include "import.h"
#include "rlimit_policy.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINE_LENGTH 1024 /* pam_limits' fgets buffer */
#define SOFT 0
#define HARD 1
#define T_SOFT 1u
#define T_HARD 2u
#define UNLIMITED UINT64_MAX
#define ID_TOP 4294967294u /* (uid_t)-1 is nobody's id */

/* pam_limits items that pam_rlimit does not have. */
static const struct {
	const char *name;
	const char *why;
} others[] = {
    {"chroot", "chroot (a Debian extension) changes the root folder, not a limit"},
    {"rttime", "Debian 12's pam_limits does not know rttime and ignores the line (rttime "
	       "then comes from process 1, as here)"},
};

struct loc {
	size_t file;
	unsigned line;
};

/* A growing string; a failed allocation sets the context's oom flag. */
struct sbuf {
	char *s;
	size_t len, cap;
};

enum dkind { D_NAME, D_GROUP, D_GID_ONE, D_GID_RANGE, D_UID_ONE, D_UID_RANGE, D_DEFAULT };

struct rule;

/* One line that sets a resource limit, as pam_limits reads it. */
struct lline {
	enum dkind d;
	char *name; /* D_NAME, D_GROUP */
	uint32_t lo, hi;
	int item;
	unsigned types; /* T_SOFT | T_HARD */
	uint64_t v;     /* rlimit units; UNLIMITED */
	size_t seq;     /* order of reading */
	struct loc at;
	char *note;        /* how the value was read, or NULL */
	struct rule *rule; /* where it went (default, group and name lines) */
};

struct half {
	bool set;
	uint64_t v;
	size_t seq;
	struct loc at;
};

struct rule {
	char *key;       /* the YAML key: "research", "gid:100", "alice", "uid:0-99" */
	uint64_t lo, hi; /* uid ranges */
	size_t first_seq;
	struct half h[RL_NITEMS][2];
	struct sbuf notes[RL_NITEMS];
	struct sbuf rnote;
};

struct rules {
	struct rule **v;
	size_t n, cap;
};

struct ctx {
	FILE *err;
	char **files;
	size_t nfiles;
	struct lline *lines;
	size_t nlines, lcap;
	size_t seq;
	struct sbuf skipped; /* lines not carried over */
	struct sbuf hnotes;  /* other notes for the header */
	struct rule deflt;
	struct rules groups, names, uids, ranges;
	bool oom;
};

/* ------------------------------------------------------------------ */

static void *xrealloc(struct ctx *c, void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		c->oom = true;
		return NULL;
	}
	void *q = realloc(p, n * size);
	if (!q)
		c->oom = true;
	return q;
}

static char *xstrdup(struct ctx *c, const char *s)
{
	char *d = strdup(s);
	if (!d)
		c->oom = true;
	return d;
}

__attribute__((format(printf, 3, 4))) static void sb_printf(struct ctx *c, struct sbuf *b,
							    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || c->oom)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *s = xrealloc(c, b->s, cap, 1);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Copies s for a YAML comment: no control bytes, nothing but ASCII. */
static void comment_safe(const char *s, char *out, size_t size)
{
	size_t j = 0;
	for (; *s && j + 1 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		out[j++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	out[j] = '\0';
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	for (int n; *p; p += n) {
		if ((n = rl_utf8_next(p, &cp)) == 0)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------
 * Reading numbers the way pam_limits' C library calls do.
 */

/* strtoull(s, &end, 10); *overflow on ERANGE (the result is then UINT64_MAX). */
static uint64_t c_strtoull(const char *s, const char **end, bool *overflow)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	*overflow = errno == ERANGE;
	*end = e;
	return v;
}

/* strtol(s, &end, 10) clamped into int, as pam_limits does for nice. */
static long long c_strtol_int(const char *s, const char **end)
{
	char *e;
	long v = strtol(s, &e, 10);
	*end = e;
	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : v;
}

enum rng { RNG_ERR = -1, RNG_NONE, RNG_ONE, RNG_MIN, RNG_MM };

/* pam_limits' parse_uid_range: strtoul into a 32-bit uid_t. */
static enum rng parse_range(const char *domain, uint32_t *lo, uint32_t *hi)
{
	const char *colon = strchr(domain, ':');
	if (!colon)
		return RNG_NONE;
	const char *r = domain;
	if (*r == '@' || *r == '%')
		r++;
	enum rng t = RNG_MM;
	const char *end;
	bool ovf;
	if (*r == ':') {
		t = RNG_ONE;
	} else {
		uint64_t v = c_strtoull(r, &end, &ovf);
		if (ovf || end == r || *end != ':')
			return RNG_ERR;
		*lo = (uint32_t)v;
	}
	const char *m = colon + 1;
	if (*m == '\0')
		return t == RNG_ONE ? RNG_ERR : RNG_MIN;
	uint64_t v = c_strtoull(m, &end, &ovf);
	if (ovf || end == m || *end != '\0')
		return RNG_ERR;
	*hi = (uint32_t)v;
	if (t == RNG_ONE)
		*lo = *hi;
	return t;
}

static bool clean_number(const char *s)
{
	if (s[0] == '0')
		return s[1] == '\0';
	if (!isdigit((unsigned char)s[0]))
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
	}
	return true;
}

/*
 * Reads a value of item as pam_limits does.  Returns false when pam_limits
 * skips the line.  *note gets a remark when the text does not say plainly
 * what pam_limits makes of it.
 */
static bool read_value(int item, const char *val, uint64_t *out, char *note, size_t nsize)
{
	enum rl_kind k = rl_items[item].kind;
	const char *end;
	bool ovf = false;
	char shown[64];
	note[0] = '\0';

	if (k == RL_KIND_BOOL) {
		/* nonewprivs: pam_limits takes "0" or "1" and nothing else. */
		if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
			return false;
		*out = val[0] == '1';
		return true;
	}
	if (k == RL_KIND_LOGINS) {
		long long n;
		if (strcmp(val, "-1") == 0 || strcmp(val, "-") == 0 ||
		    strcmp(val, "unlimited") == 0 || strcmp(val, "infinity") == 0) {
			*out = UNLIMITED;
			return true;
		}
		n = c_strtol_int(val, &end);
		if (n == 0 && end == val)
			return false;
		/* pam_limits: a negative count imposes nothing. */
		*out = n < 0 ? UNLIMITED : (uint64_t)n;
		if (n < 0 || *end != '\0' || !clean_number(val)) {
			rl_value_format(item, (rlim_t)*out, shown, sizeof shown);
			snprintf(note, nsize, "pam_limits reads %s \"%.40s\" as %s",
				 rl_items[item].name, val, shown);
		}
		return true;
	}
	if (k == RL_KIND_PRIORITY) {
		long long n = c_strtol_int(val, &end);
		if (n == 0 && end == val)
			return false;
		/* setpriority clamps to -20..19, as the policy's range does. */
		long long c = n > 19 ? 19 : n < -20 ? -20 : n;
		*out = (uint64_t)(20 - c);
		if (c != n || *end != '\0' ||
		    !(clean_number(val) || (val[0] == '-' && clean_number(val + 1)))) {
			rl_value_format(item, (rlim_t)*out, shown, sizeof shown);
			snprintf(note, nsize, "pam_limits sets priority \"%.40s\" as %s", val,
				 shown);
		}
		return true;
	}
	if (k != RL_KIND_NICE && (strcmp(val, "-1") == 0 || strcmp(val, "-") == 0 ||
				  strcmp(val, "unlimited") == 0 || strcmp(val, "infinity") == 0)) {
		*out = UNLIMITED;
		return true;
	}
	if (k == RL_KIND_NICE) {
		long long n = c_strtol_int(val, &end);
		if (end == val)
			return false;
		long long c = n > 19 ? 19 : n < -20 ? -20 : n;
		*out = (uint64_t)(20 - c);
		if (c != n || *end != '\0' ||
		    !(clean_number(val) || (val[0] == '-' && clean_number(val + 1)))) {
			rl_value_format(item, (rlim_t)*out, shown, sizeof shown);
			snprintf(note, nsize, "pam_limits reads nice \"%.40s\" as %s", val, shown);
		}
		return true;
	}
	uint64_t v = c_strtoull(val, &end, &ovf);
	if (v == 0 && end == val)
		return false;
	uint64_t m = rl_items[item].limits_conf_unit;
	if (v != UNLIMITED)
		v = v >= UNLIMITED / m ? UNLIMITED : v * m;
	*out = v;
	if (k == RL_KIND_RTPRIO && v != UNLIMITED && v > 99) {
		*out = 99;
		snprintf(note, nsize,
			 "rtprio %.40s: pam_limits sets %" PRIu64 "; every value from"
			 " 99 up allows every real-time priority, and 99 is the policy's highest",
			 val, v);
		return true;
	}
	if (k == RL_KIND_CPU && v != UNLIMITED && v > RL_CPU_SECONDS_MAX) {
		*out = UNLIMITED;
		snprintf(note, nsize,
			 "cpu %.40s: above the %" PRIu64 " s the kernel counts, so pam_limits' "
			 "limit would wrap to a tiny one and end every process at once; "
			 "written as unlimited",
			 val, (uint64_t)RL_CPU_SECONDS_MAX);
		return true;
	}
	if (!clean_number(val)) {
		rl_value_format(item, (rlim_t)v, shown, sizeof shown);
		snprintf(note, nsize, "pam_limits reads \"%.40s\" as %s", val, shown);
	}
	return true;
}

/* ------------------------------------------------------------------
 * Reading the files.
 */

static const char *fname(const struct ctx *c, struct loc at)
{
	return c->files[at.file];
}

__attribute__((format(printf, 5, 6))) static void
skip(struct ctx *c, struct loc at, const char *text, bool dropped, const char *fmt, ...)
{
	char safe[120], raw[300], why[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	comment_safe(text, safe, sizeof safe);
	comment_safe(raw, why, sizeof why);
	if (dropped)
		sb_printf(c, &c->skipped, "#   %s:%u: \"%s\"\n#       %s\n", fname(c, at), at.line,
			  safe, why);
	else
		sb_printf(c, &c->skipped, "#   %s:%u:\n#       %s\n", fname(c, at), at.line, why);
}

/* Keeps l, which owns its name and note; frees them when it cannot. */
static void add_line(struct ctx *c, struct lline *l)
{
	if (c->nlines == c->lcap) {
		size_t cap = c->lcap ? c->lcap * 2 : 64;
		struct lline *v = xrealloc(c, c->lines, cap, sizeof *v);
		if (!v) {
			free(l->name);
			free(l->note);
			return;
		}
		c->lines = v;
		c->lcap = cap;
	}
	c->lines[c->nlines++] = *l;
}

static int find_other(const char *item)
{
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		if (strcmp(others[i].name, item) == 0)
			return (int)i;
	}
	return -1;
}

/* Splits like sscanf("%s%s%s%s"); returns the count and whether more followed. */
static int split4(char *line, char *tok[4], bool *more)
{
	int n = 0;
	char *p = line;
	*more = false;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (n == 4) {
			*more = true;
			break;
		}
		tok[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	return n;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* What policy_name_ok refuses, for the note on a line it refuses. */
#define NAME_RULES "(empty, over 256 bytes, not UTF-8, or with an ASCII control character or /)"

/* Whether rlimit.yaml can name a user or group so (its loader's rules). */
static bool policy_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 256 || strchr("@%*", name[0]) || strchr(name, '/') || !utf8_valid(name))
		return false;
	for (const char *p = name; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

static void parse_limit(struct ctx *c, struct loc at, const char *text, char *tok[4], bool more,
			enum rng rt, uint32_t lo, uint32_t hi)
{
	char *domain = tok[0], *type = tok[1], *item = tok[2], *value = tok[3];
	struct lline l = {.lo = lo, .hi = hi, .at = at};

	lower(item);
	lower(value);
	int it = rl_item_lookup(item, strlen(item));
	int other = find_other(item);
	if (it < 0 && other < 0) {
		skip(c, at, text, true, "pam_limits ignores the unknown item \"%.40s\"", item);
		return;
	}
	bool any_type =
	    it == RL_ITEM_MAXLOGINS || it == RL_ITEM_MAXSYSLOGINS || it == RL_ITEM_NONEWPRIVS;
	if (domain[0] == '%') {
		if (it != RL_ITEM_MAXLOGINS) {
			skip(c, at, text, true,
			     "pam_limits ignores %% domains for anything but "
			     "maxlogins");
			return;
		}
		if (strcmp(domain, "%") != 0) {
			skip(c, at, text, true,
			     "%%group counts the sessions of all the group's members together; "
			     "pam_rlimit has no such limit");
			return;
		}
	}
	if (other >= 0) {
		skip(c, at, text, true, "%s", others[other].why);
		return;
	}
	if (!rl_item_is_rlimit(it) && (any_type || strcmp(type, "soft") == 0 ||
				       strcmp(type, "hard") == 0 || strcmp(type, "-") == 0))
		l.types = T_SOFT | T_HARD; /* one value: the type does not matter */
	else if (strcmp(type, "soft") == 0)
		l.types = T_SOFT;
	else if (strcmp(type, "hard") == 0)
		l.types = T_HARD;
	else if (strcmp(type, "-") == 0)
		l.types = T_SOFT | T_HARD;
	else {
		skip(c, at, text, true, "pam_limits ignores the unknown type \"%.40s\"", type);
		return;
	}
	char note[300];
	if (!read_value(it, value, &l.v, note, sizeof note)) {
		skip(c, at, text, true, "pam_limits ignores the value \"%.40s\"", value);
		return;
	}
	if (more) {
		size_t n = strlen(note);
		snprintf(note + n, sizeof note - n, "%spam_limits ignores the text after the value",
			 n ? "; " : "");
	}
	l.item = it;
	if (strcmp(domain, "%") == 0) {
		/* Every user's sessions, counted for each user: maxsyslogins. */
		l.item = RL_ITEM_MAXSYSLOGINS;
		size_t n = strlen(note);
		snprintf(note + n, sizeof note - n,
			 "%s\"%%\" counts every user's sessions: maxsyslogins; pam_limits "
			 "ranks it above \"*\" lines",
			 n ? "; " : "");
		domain = (char *)"*";
	}
	/* (uid_t)-1 is nobody's id: a range ends before it, a single id matches nobody. */
	if (rt == RNG_MIN || (rt == RNG_MM && l.hi > ID_TOP))
		l.hi = ID_TOP;
	if (rt == RNG_ONE && l.lo > ID_TOP) {
		skip(c, at, text, true, "no user or group has the id 4294967295");
		return;
	}

	if (domain[0] == '@') {
		if (rt == RNG_NONE) {
			if (!policy_name_ok(domain + 1)) {
				skip(c, at, text, true,
				     "rlimit.yaml cannot hold this group name %s", NAME_RULES);
				return;
			}
			l.d = D_GROUP;
			l.name = xstrdup(c, domain + 1);
		} else if (rt == RNG_ONE) {
			l.d = D_GID_ONE;
		} else {
			if (l.lo > l.hi) {
				skip(c, at, text, true,
				     "this gid range is empty: it matches nobody");
				return;
			}
			l.d = D_GID_RANGE;
		}
	} else if (rt == RNG_NONE) {
		if (strcmp(domain, "*") == 0) {
			l.d = D_DEFAULT;
		} else {
			if (!policy_name_ok(domain)) {
				skip(c, at, text, true, "rlimit.yaml cannot hold this user name %s",
				     NAME_RULES);
				return;
			}
			l.d = D_NAME;
			l.name = xstrdup(c, domain);
		}
	} else {
		if (l.lo > l.hi) {
			skip(c, at, text, true, "this uid range is empty: it matches nobody");
			return;
		}
		l.d = rt == RNG_ONE ? D_UID_ONE : D_UID_RANGE;
	}
	if (note[0])
		l.note = xstrdup(c, note);
	l.seq = c->seq++;
	add_line(c, &l);
}

static void parse_line(struct ctx *c, struct loc at, char *buf)
{
	char *line = buf, *p;
	while (*line && isspace((unsigned char)*line))
		line++;
	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	if ((p = strchr(line, '\n')) != NULL)
		*p = '\0';
	if (!*line)
		return;

	char text[LINE_LENGTH];
	snprintf(text, sizeof text, "%s", line);
	for (size_t n = strlen(text); n > 0 && isspace((unsigned char)text[n - 1]); n--)
		text[n - 1] = '\0';

	char *tok[4] = {NULL, NULL, NULL, NULL};
	bool more;
	int n = split4(line, tok, &more);
	if (n >= 2)
		lower(tok[1]);
	uint32_t lo = 0, hi = 0;
	enum rng rt = parse_range(tok[0], &lo, &hi);
	if (rt == RNG_ERR) {
		skip(c, at, text, true, "pam_limits skips the invalid range \"%.40s\"", tok[0]);
		return;
	}
	if (n == 4) {
		parse_limit(c, at, text, tok, more, rt, lo, hi);
	} else if (n == 2 && tok[1][0] == '-') {
		if (tok[0][0] == '%' || strcmp(tok[0], "*") == 0)
			skip(c, at, text, true, "pam_limits ignores this line");
		else
			skip(c, at, text, true,
			     "exempts whoever it matches from every limit of every "
			     "line; rlimit.yaml cannot exempt a user from its default and group "
			     "rules");
	} else {
		skip(c, at, text, true, "pam_limits skips this invalid line");
	}
}

static int read_file(struct ctx *c, size_t fi)
{
	const char *path = c->files[fi];
	bool std = strcmp(path, "-") == 0;
	FILE *f = std ? stdin : fopen(path, "re");
	if (!f) {
		fprintf(c->err, "rlimit-policy: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char buf[LINE_LENGTH];
	struct loc at = {fi, 0};
	bool fresh = true;
	while (fgets(buf, sizeof buf, f)) {
		size_t n = strlen(buf);
		if (fresh)
			at.line++;
		else
			skip(c, at, "", false,
			     "this line is longer than %d bytes: pam_limits reads "
			     "each piece as a line of its own, and so does this conversion",
			     LINE_LENGTH - 1);
		fresh = n > 0 && buf[n - 1] == '\n';
		parse_line(c, at, buf);
	}
	int rc = 0;
	if (ferror(f)) {
		fprintf(c->err, "rlimit-policy: %s: %s\n", path, strerror(errno ? errno : EIO));
		rc = 1;
	}
	if (!std)
		fclose(f);
	return rc;
}

/* ------------------------------------------------------------------
 * Building the rules.
 */

static bool rules_push(struct ctx *c, struct rules *set, struct rule *r)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct rule **v = xrealloc(c, set->v, cap, sizeof *v);
		if (!v)
			return false;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = r;
	return true;
}

static struct rule *rule_find(const struct rules *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i]->key && strcmp(set->v[i]->key, key) == 0)
			return set->v[i];
	}
	return NULL;
}

static void rule_free(struct rule *r);

/* The rule called key in set, made (first seen at seq) if new. */
static struct rule *rule_get(struct ctx *c, struct rules *set, const char *key, size_t seq)
{
	struct rule *r = rule_find(set, key);
	if (r)
		return r;
	r = calloc(1, sizeof *r);
	if (!r) {
		c->oom = true;
		return NULL;
	}
	r->first_seq = seq;
	if (!(r->key = xstrdup(c, key)) || !rules_push(c, set, r)) {
		rule_free(r);
		return NULL;
	}
	return r;
}

static void rule_apply(struct ctx *c, struct rule *r, const struct lline *l)
{
	for (int k = SOFT; k <= HARD; k++) {
		if (!(l->types & (k == SOFT ? T_SOFT : T_HARD)))
			continue;
		struct half *h = &r->h[l->item][k];
		h->set = true;
		h->v = l->v;
		h->seq = l->seq;
		h->at = l->at;
	}
	if (l->note)
		sb_printf(c, &r->notes[l->item], "%s:%u: %s\n", fname(c, l->at), l->at.line,
			  l->note);
}

static bool rule_empty(const struct rule *r)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		if (r->h[i][SOFT].set || r->h[i][HARD].set)
			return false;
	}
	return true;
}

/* Whether uid-level line l matches uid u (Debian reads "@" ranges as uids for root). */
static bool uid_line_covers(const struct lline *l, uint32_t u)
{
	switch (l->d) {
	case D_UID_ONE:
	case D_UID_RANGE:
		return l->lo <= u && u <= l->hi;
	case D_GID_ONE:
	case D_GID_RANGE:
		return u == 0 && l->lo == 0;
	default:
		return false;
	}
}

static bool is_uid_level(const struct lline *l)
{
	return l->d == D_UID_ONE || l->d == D_UID_RANGE ||
	       ((l->d == D_GID_ONE || l->d == D_GID_RANGE) && l->lo == 0);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool same_halves(const struct rule *a, const struct rule *b)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		for (int k = SOFT; k <= HARD; k++) {
			const struct half *x = &a->h[i][k], *y = &b->h[i][k];
			if (x->set != y->set || (x->set && (x->v != y->v || x->seq != y->seq)))
				return false;
		}
	}
	return true;
}

static void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->key);
	for (int i = 0; i < RL_NITEMS; i++)
		free(r->notes[i].s);
	free(r->rnote.s);
	free(r);
}

/* uid:N rules, and the uid ranges cut into pieces that do not overlap. */
static void build_uids(struct ctx *c)
{
	size_t npts = 0, nb = 0;
	uint32_t *pts = xrealloc(c, NULL, c->nlines + 1, sizeof *pts);
	uint64_t *bounds = xrealloc(c, NULL, 2 * c->nlines + 1, sizeof *bounds);
	char key[64];
	if (!pts || !bounds)
		goto out;
	bool zero = false;
	for (size_t i = 0; i < c->nlines; i++) {
		const struct lline *l = &c->lines[i];
		if (l->d == D_UID_ONE)
			pts[npts++] = l->lo;
		if (uid_line_covers(l, 0))
			zero = true;
		if (l->d == D_UID_RANGE) {
			bounds[nb++] = l->lo;
			bounds[nb++] = (uint64_t)l->hi + 1;
		}
	}
	if (zero)
		pts[npts++] = 0;
	qsort(pts, npts, sizeof *pts, cmp_u32);

	/* A single uid takes every uid line that matches it, in order. */
	for (size_t i = 0; i < npts; i++) {
		if (i > 0 && pts[i] == pts[i - 1])
			continue;
		snprintf(key, sizeof key, "uid:%" PRIu32, pts[i]);
		struct rule *r = NULL;
		for (size_t j = 0; j < c->nlines; j++) {
			const struct lline *l = &c->lines[j];
			if (!uid_line_covers(l, pts[i]))
				continue;
			if (!r && !(r = rule_get(c, &c->uids, key, l->seq)))
				goto out;
			rule_apply(c, r, l);
			if (l->d == D_GID_ONE || l->d == D_GID_RANGE)
				sb_printf(c, &r->notes[l->item],
					  "%s:%u: Debian's pam_limits reads this "
					  "@ line as a uid range when the user is root\n",
					  fname(c, l->at), l->at.line);
		}
	}

	/* Ranges: elementary pieces between range ends, each with its lines in order. */
	qsort(bounds, nb, sizeof *bounds, cmp_u64);
	struct rule *prev = NULL;
	for (size_t b = 0; b + 1 < nb; b++) {
		if (bounds[b + 1] == bounds[b])
			continue;
		uint64_t lo = bounds[b], hi = bounds[b + 1] - 1;
		struct rule *r = calloc(1, sizeof *r);
		if (!r) {
			c->oom = true;
			goto out;
		}
		r->first_seq = SIZE_MAX;
		for (size_t j = 0; j < c->nlines; j++) {
			const struct lline *l = &c->lines[j];
			if (l->d != D_UID_RANGE || l->lo > lo || l->hi < hi)
				continue;
			rule_apply(c, r, l);
			if (l->seq < r->first_seq)
				r->first_seq = l->seq;
		}
		if (rule_empty(r) || (prev && prev->hi + 1 == lo && same_halves(prev, r))) {
			if (!rule_empty(r))
				prev->hi = hi;
			rule_free(r);
			continue;
		}
		r->lo = lo;
		r->hi = hi;
		if (!rules_push(c, &c->ranges, r)) {
			rule_free(r);
			goto out;
		}
		prev = r;
	}
	/* A piece of one uid that has its own uid:N rule is already in that rule. */
	size_t kept = 0;
	for (size_t i = 0; i < c->ranges.n; i++) {
		struct rule *r = c->ranges.v[i];
		if (r->lo == r->hi)
			snprintf(key, sizeof key, "uid:%" PRIu64, r->lo);
		else
			snprintf(key, sizeof key, "uid:%" PRIu64 "-%" PRIu64, r->lo, r->hi);
		if (r->lo == r->hi && rule_find(&c->uids, key)) {
			rule_free(r);
			continue;
		}
		if (!(r->key = xstrdup(c, key))) {
			rule_free(r);
			continue;
		}
		c->ranges.v[kept++] = r;
	}
	c->ranges.n = kept;
out:
	free(pts);
	free(bounds);
}

/*
 * pam_limits puts a user's own lines and the uid lines that match them on
 * one level, where the later line wins; rlimit.yaml lets the user's rule
 * win.  Where a later uid line would win, the user's rule takes its value.
 * Which uid a name has is this machine's business: ask NSS, as pam_limits
 * does at login.
 */
static void merge_names(struct ctx *c)
{
	bool any = false;
	for (size_t i = 0; i < c->nlines; i++)
		any = any || is_uid_level(&c->lines[i]);
	if (!any)
		return;
	for (size_t n = 0; n < c->names.n; n++) {
		struct rule *r = c->names.v[n];
		const struct passwd *pw = getpwnam(r->key);
		if (!pw) {
			sb_printf(
			    c, &r->rnote,
			    "%s is not a user here: if its uid matches a uid line "
			    "written after its own lines, pam_limits uses that line instead\n",
			    r->key);
			continue;
		}
		uint32_t u = (uint32_t)pw->pw_uid;
		for (int i = 0; i < RL_NITEMS; i++) {
			const struct lline *won[2] = {NULL, NULL};
			for (int k = SOFT; k <= HARD; k++) {
				struct half *h = &r->h[i][k];
				for (size_t j = 0; h->set && j < c->nlines; j++) {
					const struct lline *l = &c->lines[j];
					if (l->item == i &&
					    (l->types & (k == SOFT ? T_SOFT : T_HARD)) &&
					    uid_line_covers(l, u) && l->seq > h->seq)
						won[k] = l;
				}
				if (won[k])
					*h =
					    (struct half){true, won[k]->v, won[k]->seq, won[k]->at};
			}
			for (int k = SOFT; k <= HARD; k++) {
				const struct lline *w = won[k];
				if (!w || (k == HARD && won[SOFT] == w))
					continue;
				sb_printf(
				    c, &r->notes[i],
				    "%s:%u: %s is uid %" PRIu32 " here, and pam_limits "
				    "lets this later uid line win over the user's own %sline\n",
				    fname(c, w->at), w->at.line, r->key, u,
				    won[SOFT] == won[HARD] ? ""
				    : k == SOFT            ? "soft "
							   : "hard ");
			}
		}
	}
}

static int level(const struct lline *l)
{
	switch (l->d) {
	case D_NAME:
	case D_UID_ONE:
	case D_UID_RANGE:
		return 0;
	case D_GROUP:
	case D_GID_ONE:
	case D_GID_RANGE:
		return 1;
	case D_DEFAULT:
		return 2;
	}
	return 2;
}

/*
 * pam_limits' "-" line returns as soon as its soft half is refused, so a
 * user whose soft limit came from a more specific soft-only line earlier
 * does not get the hard half either.  Say so where it happens.
 */
static void note_quirks(struct ctx *c)
{
	for (size_t i = 0; i < c->nlines; i++) {
		const struct lline *l = &c->lines[i];
		if (!rl_item_is_rlimit(l->item) || l->types != (T_SOFT | T_HARD) || level(l) == 0 ||
		    !l->rule || l->rule->h[l->item][HARD].seq != l->seq)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct lline *e = &c->lines[j];
			if (e->item != l->item || e->types != T_SOFT || level(e) >= level(l))
				continue;
			sb_printf(
			    c, &l->rule->notes[l->item],
			    "%s:%u: pam_limits skips the hard half of "
			    "this \"-\" line for users that %s:%u gave a soft limit first; here "
			    "they get it\n",
			    fname(c, l->at), l->at.line, fname(c, e->at), e->at.line);
			break;
		}
	}
}

/*
 * pam_limits sets priority and nonewprivs from the last line that matches,
 * whatever its level.  Where a "*" line comes after a more specific rule's
 * line, that rule takes the "*" line's value; a later group line is only
 * noted (which users it matches is the directory's business).
 */
static void last_line_wins(struct ctx *c)
{
	static const int items[] = {RL_ITEM_PRIORITY, RL_ITEM_NONEWPRIVS};
	const struct rules *sets[] = {&c->names, &c->uids, &c->ranges, &c->groups};
	for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
		int it = items[k];
		const struct lline *last_default = NULL, *last_group = NULL;
		for (size_t i = 0; i < c->nlines; i++) {
			const struct lline *l = &c->lines[i];
			if (l->item == it && l->d == D_DEFAULT)
				last_default = l;
			if (l->item == it && level(l) == 1)
				last_group = l;
		}
		for (size_t s = 0; s < 4; s++) {
			for (size_t i = 0; i < sets[s]->n; i++) {
				struct rule *r = sets[s]->v[i];
				struct half *h = r->h[it];
				if (!h[HARD].set)
					continue;
				if (last_default && last_default->seq > h[HARD].seq) {
					sb_printf(c, &r->notes[it],
						  "%s:%u: pam_limits takes %s from the last line "
						  "that matches, whatever its level: this one\n",
						  fname(c, last_default->at), last_default->at.line,
						  rl_items[it].name);
					for (int x = SOFT; x <= HARD; x++)
						h[x] = (struct half){true, last_default->v,
								     last_default->seq,
								     last_default->at};
				}
				if (s < 3 && last_group && last_group->seq > h[HARD].seq)
					sb_printf(
					    c, &r->notes[it],
					    "%s:%u: pam_limits takes %s from the last line "
					    "that matches: for members of its group, that one\n",
					    fname(c, last_group->at), last_group->at.line,
					    rl_items[it].name);
			}
		}
	}
}

static bool others_set_hard(const struct ctx *c, const struct rule *self, int item, int lvl)
{
	const struct rules *sets[] = {&c->names, &c->uids, &c->ranges, &c->groups};
	int levels[] = {0, 0, 0, 1};
	for (size_t s = 0; s < 4; s++) {
		if (levels[s] > lvl)
			continue;
		for (size_t i = 0; i < sets[s]->n; i++) {
			if (sets[s]->v[i] != self && sets[s]->v[i]->h[item][HARD].set)
				return true;
		}
	}
	return false;
}

/* rlimit.yaml refuses soft above hard in one rule; pam_limits lowers soft at login. */
static void clamp(struct ctx *c, struct rule *r, int lvl)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		struct half *s = &r->h[i][SOFT], *h = &r->h[i][HARD];
		if (!s->set || !h->set || s->v <= h->v)
			continue;
		char sv[64], hv[64];
		rl_value_format(i, (rlim_t)s->v, sv, sizeof sv);
		rl_value_format(i, (rlim_t)h->v, hv, sizeof hv);
		sb_printf(
		    c, &r->notes[i],
		    "%s:%u: soft %s %s hard %s: pam_limits lowers it to the "
		    "hard limit at login, and this rule says so%s\n",
		    fname(c, s->at), s->at.line, sv,
		    rl_items[i].kind == RL_KIND_NICE ? "allows more than" : "is above", hv,
		    others_set_hard(c, r, i, lvl)
			? "; where another rule sets this user's hard limit, pam_limits keeps "
			  "soft as written"
			: "");
		s->v = h->v;
	}
}

static void build(struct ctx *c)
{
	char key[64];
	for (size_t i = 0; i < c->nlines && !c->oom; i++) {
		struct lline *l = &c->lines[i];
		struct rule *r = NULL;
		switch (l->d) {
		case D_DEFAULT:
			r = &c->deflt;
			break;
		case D_NAME:
			r = rule_get(c, &c->names, l->name, l->seq);
			break;
		case D_GROUP:
			r = rule_get(c, &c->groups, l->name, l->seq);
			break;
		case D_GID_ONE:
		case D_GID_RANGE:
			if (l->lo == l->hi)
				snprintf(key, sizeof key, "gid:%" PRIu32, l->lo);
			else
				snprintf(key, sizeof key, "gid:%" PRIu32 "-%" PRIu32, l->lo, l->hi);
			r = rule_get(c, &c->groups, key, l->seq);
			if (r && l->d == D_GID_RANGE && r->rnote.len == 0)
				sb_printf(
				    c, &r->rnote,
				    "%s:%u: pam_limits matches @%" PRIu32 ":%" PRIu32
				    " against the primary group only; this rule matches every "
				    "group of the user\n",
				    fname(c, l->at), l->at.line, l->lo, l->hi);
			break;
		case D_UID_ONE:
		case D_UID_RANGE:
			continue;
		}
		if (!r)
			return;
		rule_apply(c, r, l);
		l->rule = r;
	}
	build_uids(c);
	merge_names(c);
	note_quirks(c);
	last_line_wins(c);
	clamp(c, &c->deflt, 2);
	for (size_t i = 0; i < c->groups.n; i++)
		clamp(c, c->groups.v[i], 1);
	const struct rules *users[] = {&c->names, &c->uids, &c->ranges};
	for (size_t s = 0; s < 3; s++) {
		for (size_t i = 0; i < users[s]->n; i++)
			clamp(c, users[s]->v[i], 0);
	}
}

/* ------------------------------------------------------------------
 * The order of the group rules.  With groups_combine: last the value
 * written last wins, as the line read last does in pam_limits, so for each
 * item and half the group rules that set it must come in the order of
 * their lines: a chain.  A rule goes out once it heads every chain it is
 * in, the first one seen first (g->v is in that order).  When none does,
 * no order fits every item: the first one seen left goes, and a note says
 * which users differ.  One value per rule and half, so one chain per half.
 */

#define NHALVES (2 * RL_NITEMS)

struct seqidx {
	size_t seq, idx;
};

static int cmp_seqidx(const void *a, const void *b)
{
	const struct seqidx *x = a, *y = b;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Rule j heads every chain it is in. */
static bool heads_all(const struct rules *g, size_t j, struct seqidx *const chain[NHALVES],
		      const size_t head[NHALVES])
{
	for (int h = 0; h < NHALVES; h++) {
		if (g->v[j]->h[h / 2][h % 2].set && chain[h][head[h]].idx != j)
			return false;
	}
	return true;
}

/*
 * Fills order[] as said above; returns whether two group rules set the
 * same item and half (then groups_combine: last matters).
 */
static bool order_groups(struct ctx *c, size_t *order)
{
	const struct rules *g = &c->groups;
	size_t ng = g->n, len[NHALVES] = {0}, head[NHALVES] = {0}, *pos = NULL;
	struct seqidx *chain[NHALVES] = {NULL};
	bool *placed = calloc(ng + 1, sizeof *placed), matters = false;
	pos = xrealloc(c, NULL, ng + 1, sizeof *pos);
	for (int h = 0; h < NHALVES && placed && pos; h++) {
		if (!(chain[h] = xrealloc(c, NULL, ng + 1, sizeof *chain[h])))
			goto out;
		for (size_t j = 0; j < ng; j++) {
			const struct half *hv = &g->v[j]->h[h / 2][h % 2];
			if (hv->set)
				chain[h][len[h]++] = (struct seqidx){hv->seq, j};
		}
		qsort(chain[h], len[h], sizeof *chain[h], cmp_seqidx);
		matters = matters || len[h] > 1;
	}
	if (!placed || !pos || c->oom) {
		c->oom = true;
		goto out;
	}
	for (size_t done = 0, first = 0; done < ng; done++) {
		while (placed[first])
			first++;
		size_t x = first;
		for (size_t j = first; j < ng; j++) {
			if (!placed[j] && heads_all(g, j, chain, head)) {
				x = j;
				break;
			}
		}
		placed[x] = true;
		pos[x] = done;
		order[done] = x;
		for (int h = 0; h < NHALVES; h++) {
			while (head[h] < len[h] && placed[chain[h][head[h]].idx])
				head[h]++;
		}
	}
	/* Each pair of a chain that came out the other way round: its users differ. */
	for (int h = 0; h < NHALVES; h++) {
		for (size_t e = 1; e < len[h]; e++) {
			struct rule *early = g->v[chain[h][e - 1].idx],
				    *late = g->v[chain[h][e].idx];
			if (pos[chain[h][e - 1].idx] < pos[chain[h][e].idx])
				continue;
			for (int i = 0; i < RL_NITEMS; i++) {
				for (int k = SOFT; k <= HARD; k++) {
					const struct half *a = &early->h[i][k], *b = &late->h[i][k];
					if (!a->set || !b->set || a->seq > b->seq)
						continue;
					sb_printf(c, &late->notes[i],
						  "%s:%u: for users in both %s and %s, pam_limits "
						  "takes this %s value (read later); no order of "
						  "the group rules fits every item, and here %s's, "
						  "written after, wins\n",
						  fname(c, b->at), b->at.line, late->key,
						  early->key, k == SOFT ? "soft" : "hard",
						  early->key);
				}
			}
		}
	}
out:
	for (int h = 0; h < NHALVES; h++)
		free(chain[h]);
	free(pos);
	free(placed);
	return matters;
}

/* ------------------------------------------------------------------
 * Writing the policy.
 */

static void emit_key(FILE *o, const char *key)
{
	static const char *const special[] = {"y",     "n",  "yes", "no",  "true",
					      "false", "on", "off", "null"};
	bool plain = isalpha((unsigned char)key[0]) || key[0] == '_';
	for (const char *p = key; plain && *p; p++)
		plain = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
	for (size_t i = 0; plain && i < sizeof special / sizeof special[0]; i++)
		plain = strcasecmp(key, special[i]) != 0;
	if (plain) {
		fputs(key, o);
		return;
	}
	fputc('"', o);
	const unsigned char *p = (const unsigned char *)key;
	for (int n; *p; p += n) {
		uint32_t cp = *p;
		if ((n = rl_utf8_next(p, &cp)) == 0) /* policy_name_ok let none through */
			n = 1;
		/*
		 * YAML breaks lines at NEL, LS and PS, and refuses the C0 and C1
		 * controls, DEL, U+FFFE and U+FFFF even in quotes: escape those.
		 */
		if (cp == 0x85)
			fputs("\\N", o);
		else if (cp == 0x2028 || cp == 0x2029)
			fputs(cp == 0x2028 ? "\\L" : "\\P", o);
		else if (cp == '"' || cp == '\\')
			fprintf(o, "\\%c", (int)cp);
		else if (rl_cp_is_control(cp))
			fprintf(o, "\\x%02x", (unsigned)cp);
		else if (cp == 0xfffe || cp == 0xffff)
			fprintf(o, "\\u%04x", (unsigned)cp);
		else
			fwrite(p, 1, (size_t)n, o);
	}
	fputc('"', o);
}

static void emit_notes(FILE *o, const struct sbuf *b, int ind)
{
	if (!b->s)
		return;
	const char *p = b->s;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[600], safe[600];
		snprintf(line, sizeof line, "%.*s", (int)(n < 590 ? n : 590), p);
		comment_safe(line, safe, sizeof safe);
		fprintf(o, "%*s# %s\n", ind, "", safe);
		p += n + (nl ? 1 : 0);
	}
}

static void emit_where(FILE *o, const struct ctx *c, struct loc at)
{
	char safe[300];
	comment_safe(fname(c, at), safe, sizeof safe);
	fprintf(o, "%s:%u", safe, at.line);
}

static void emit_items(FILE *o, const struct ctx *c, const struct rule *r, int ind)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		const struct half *s = &r->h[i][SOFT], *h = &r->h[i][HARD];
		if (!s->set && !h->set)
			continue;
		char sv[64], hv[64];
		emit_notes(o, &r->notes[i], ind);
		rl_value_format(i, (rlim_t)s->v, sv, sizeof sv);
		rl_value_format(i, (rlim_t)h->v, hv, sizeof hv);
		fprintf(o, "%*s%s: ", ind, "", rl_items[i].name);
		if (s->set && h->set && s->v == h->v)
			fprintf(o, "%s", sv);
		else if (s->set && h->set)
			fprintf(o, "{soft: %s, hard: %s}", sv, hv);
		else if (s->set)
			fprintf(o, "{soft: %s}", sv);
		else
			fprintf(o, "{hard: %s}", hv);
		fputs("  # ", o);
		if (s->set && h->set && (s->at.file != h->at.file || s->at.line != h->at.line)) {
			fputs("soft ", o);
			emit_where(o, c, s->at);
			fputs(", hard ", o);
			emit_where(o, c, h->at);
		} else {
			emit_where(o, c, s->set ? s->at : h->at);
		}
		fputc('\n', o);
	}
}

static void emit_rule(FILE *o, const struct ctx *c, const struct rule *r)
{
	emit_notes(o, &r->rnote, 2);
	fputs("  ", o);
	emit_key(o, r->key);
	fputs(":\n", o);
	emit_items(o, c, r, 4);
}

static void emit(struct ctx *c, FILE *o, const size_t *gorder, bool combine)
{
	fputs("# rlimit.yaml(5) policy written by \"rlimit-policy import-limits-conf\" from\n"
	      "# these pam_limits files, in the order pam_limits reads them:\n",
	      o);
	for (size_t i = 0; i < c->nfiles; i++) {
		char safe[300];
		comment_safe(c->files[i], safe, sizeof safe);
		fprintf(o, "#   %s\n", safe);
	}
	fputs("# Units are explicit: pam_limits counts sizes in KiB and cpu time in minutes.\n"
	      "# As with Debian's pam_limits, only rules that name root or uid 0 apply to\n"
	      "# root, and every limit no rule sets comes from process 1 (unset: pid1).\n"
	      "# Check it with: rlimit-policy check --conf FILE\n",
	      o);
	for (size_t f = 0; f < c->nfiles; f++) {
		bool any = false;
		for (size_t i = 0; i < c->nlines && !any; i++)
			any = c->lines[i].at.file == f;
		if (!any) {
			char safe[300];
			comment_safe(c->files[f], safe, sizeof safe);
			fprintf(o,
				"# %s: no rules found; pam_limits would still reset every limit "
				"to PID 1's\n",
				safe);
		}
	}
	if (c->hnotes.s)
		fputs(c->hnotes.s, o);
	if (c->skipped.s) {
		fputs("#\n# Not carried over:\n", o);
		fputs(c->skipped.s, o);
	}
	fputs("\nversion: 1\n"
	      "# pam_limits starts every session from process 1's limits\n"
	      "unset: pid1\n",
	      o);
	if (combine)
		fputs("# pam_limits: of the group lines that match, the one read last wins\n"
		      "groups_combine: last\n",
		      o);
	if (!rule_empty(&c->deflt)) {
		fputs("default:\n", o);
		emit_items(o, c, &c->deflt, 2);
	}
	if (c->groups.n) {
		fputs("groups:\n", o);
		for (size_t i = 0; i < c->groups.n; i++)
			emit_rule(o, c, c->groups.v[gorder[i]]);
	}
	if (c->names.n || c->uids.n || c->ranges.n) {
		fputs("users:\n", o);
		const struct rules *sets[] = {&c->names, &c->uids, &c->ranges};
		for (size_t s = 0; s < 3; s++) {
			for (size_t i = 0; i < sets[s]->n; i++)
				emit_rule(o, c, sets[s]->v[i]);
		}
	}
}

/* ------------------------------------------------------------------ */

static bool add_file(struct ctx *c, const char *path)
{
	char **v = xrealloc(c, c->files, c->nfiles + 1, sizeof *v);
	if (!v)
		return false;
	c->files = v;
	if (!(c->files[c->nfiles] = xstrdup(c, path)))
		return false;
	c->nfiles++;
	return true;
}

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	for (size_t i = 0; i < c->nlines; i++) {
		free(c->lines[i].name);
		free(c->lines[i].note);
	}
	free(c->lines);
	free(c->skipped.s);
	free(c->hnotes.s);
	for (int i = 0; i < RL_NITEMS; i++)
		free(c->deflt.notes[i].s);
	free(c->deflt.rnote.s);
	struct rules *sets[] = {&c->groups, &c->names, &c->uids, &c->ranges};
	for (size_t s = 0; s < 4; s++) {
		for (size_t i = 0; i < sets[s]->n; i++)
			rule_free(sets[s]->v[i]);
		free(sets[s]->v);
	}
}

int import_limits_conf(int nfiles, char *const files[], char **text, size_t *len, FILE *err)
{
	struct ctx c = {.err = err};
	size_t *gorder = NULL;
	FILE *o = NULL;
	int rc = 1;

	*text = NULL;
	*len = 0;
	if (nfiles > 0) {
		for (int i = 0; i < nfiles; i++) {
			if (!add_file(&c, files[i]))
				goto out;
		}
	} else {
		glob_t g;
		if (access(IMPORT_DEFAULT_CONF, F_OK) == 0) {
			if (!add_file(&c, IMPORT_DEFAULT_CONF))
				goto out;
		} else {
			sb_printf(&c, &c.hnotes, "# %s was not found.\n", IMPORT_DEFAULT_CONF);
		}
		/* pam_limits' glob: sorted in the C locale, no dot files. */
		int grc = glob(IMPORT_DEFAULT_GLOB, GLOB_ERR, NULL, &g);
		if (grc == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				if (!add_file(&c, g.gl_pathv[i])) {
					globfree(&g);
					goto out;
				}
			}
			globfree(&g);
		} else if (grc != GLOB_NOMATCH) {
			sb_printf(&c, &c.hnotes,
				  "# %s could not be listed; pam_limits skips it too.\n",
				  IMPORT_DEFAULT_GLOB);
		}
	}
	for (size_t i = 0; i < c.nfiles; i++) {
		if (read_file(&c, i))
			goto out;
	}
	build(&c);
	gorder = xrealloc(&c, NULL, c.groups.n + 1, sizeof *gorder);
	if (c.oom || !gorder)
		goto nomem;
	bool combine = order_groups(&c, gorder);
	if (c.oom || !(o = open_memstream(text, len)))
		goto nomem;
	emit(&c, o, gorder, combine);
	if (fclose(o) != 0 || c.oom)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	fprintf(err, "rlimit-policy: out of memory\n");
	free(*text);
	*text = NULL;
	*len = 0;
out:
	free(gorder);
	ctx_free(&c);
	return rc;
}
