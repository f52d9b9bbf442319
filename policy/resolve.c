/*
 * resolve.c - which rules match, and which value each half of each item
 * gets, and from where: the user's name or uid:N, then the uid range, then
 * the groups (by groups_combine), then default; the same for each total.
 * Root gets only the rules that name it.  With unset: pid1, every rlimit
 * half no rule sets is process 1's, as in Debian's pam_limits.  This
 * machine's RAM, nr_open and process 1's limits are read only when a value
 * needs them: most policies use none, and every login would pay.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy_int.h"

#define KERNEL_DEFAULT_NR_OPEN 1048576

enum rl_status rl_rule_matches(const struct rl_rule *r, struct rl_ident *id, bool *match)
{
	bool root = id->uid == 0;
	*match = false;
	switch (r->kind) {
	case RL_RULE_DEFAULT:
		*match = !root;
		break;
	case RL_RULE_USER:
		*match = id->name && strcmp(r->name, id->name) == 0;
		break;
	case RL_RULE_UID:
		*match = r->lo == id->uid;
		break;
	case RL_RULE_UID_RANGE:
		*match = !root && r->lo <= id->uid && id->uid <= r->hi;
		break;
	case RL_RULE_GROUP:
		if (!root)
			return rl_ident_in_group(id, r->name, match);
		break;
	case RL_RULE_GID:
	case RL_RULE_GID_RANGE:
		if (root)
			break;
		/* Only the primary gid is known: a miss would be a guess. */
		if (id->groups == RL_GROUPS_UNAVAILABLE)
			return RL_ENSS;
		*match = rl_ident_has_gid_in(id, r->lo, r->kind == RL_RULE_GID ? r->lo : r->hi);
		break;
	}
	return RL_OK;
}

/* The host a resolution reads, filled as values need it. */
struct host {
	struct rl_host h;
	bool fixed; /* given by the caller: nothing to read */
	bool have_ram, have_nr_open, have_pid1;
	enum rl_status st; /* RL_EIO once the RAM size could not be read */
};

rlim_t rl_read_nr_open(void)
{
	char buf[32];
	int fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return KERNEL_DEFAULT_NR_OPEN;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return KERNEL_DEFAULT_NR_OPEN;
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf || v == 0)
		return KERNEL_DEFAULT_NR_OPEN;
	return (rlim_t)v;
}

static bool read_ram(uint64_t *bytes)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return false;
	*bytes = (uint64_t)pages * (uint64_t)size;
	return true;
}

/* The kernel's names in /proc/PID/limits (fs/proc/base.c), by RLIMIT_ number. */
static const char *const proc_names[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = "Max cpu time",
    [RLIMIT_FSIZE] = "Max file size",
    [RLIMIT_DATA] = "Max data size",
    [RLIMIT_STACK] = "Max stack size",
    [RLIMIT_CORE] = "Max core file size",
    [RLIMIT_RSS] = "Max resident set",
    [RLIMIT_NPROC] = "Max processes",
    [RLIMIT_NOFILE] = "Max open files",
    [RLIMIT_MEMLOCK] = "Max locked memory",
    [RLIMIT_AS] = "Max address space",
    [RLIMIT_LOCKS] = "Max file locks",
    [RLIMIT_SIGPENDING] = "Max pending signals",
    [RLIMIT_MSGQUEUE] = "Max msgqueue size",
    [RLIMIT_NICE] = "Max nice priority",
    [RLIMIT_RTPRIO] = "Max realtime priority",
    [RLIMIT_RTTIME] = "Max realtime timeout",
};

/* "unlimited" or a decimal number, then a space or the end; NULL if neither. */
static const char *proc_value(const char *p, rlim_t *v)
{
	while (*p == ' ')
		p++;
	if (strncmp(p, "unlimited", 9) == 0) {
		*v = RLIM_INFINITY;
		return p + 9;
	}
	if (*p < '0' || *p > '9')
		return NULL;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(p, &end, 10);
	if (errno)
		return NULL;
	*v = (rlim_t)n;
	return end;
}

int rl_proc_limits_parse(const char *text, struct rlimit lim[RLIM_NLIMITS],
			 bool known[RLIM_NLIMITS])
{
	int count = 0;
	memset(known, 0, RLIM_NLIMITS * sizeof(*known));
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		for (int r = 0; r < RLIM_NLIMITS; r++) {
			size_t n = proc_names[r] ? strlen(proc_names[r]) : 0;
			/* The name, then at least two spaces: "Max processes" is no prefix of
			 * another. */
			if (!n || strncmp(line, proc_names[r], n) != 0 ||
			    strncmp(line + n, "  ", 2))
				continue;
			struct rlimit l;
			const char *p = proc_value(line + n, &l.rlim_cur);
			if (p && (p = proc_value(p, &l.rlim_max)) != NULL && !known[r]) {
				lim[r] = l;
				known[r] = true;
				count++;
			}
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	return count;
}

/* Reads /proc/1/limits into h; what cannot be read stays unknown. */
static void read_pid1(struct rl_host *h)
{
	char buf[4096];
	size_t len = 0;
	memset(h->pid1_known, 0, sizeof(h->pid1_known));
	int fd = open("/proc/1/limits", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (ssize_t n; len < sizeof(buf) - 1; len += (size_t)n) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
	}
	close(fd);
	buf[len] = '\0';
	rl_proc_limits_parse(buf, h->pid1, h->pid1_known);
}

enum rl_status rl_host_probe(struct rl_host *host)
{
	if (!read_ram(&host->ram_bytes))
		return RL_EIO;
	host->nr_open = rl_read_nr_open();
	read_pid1(host);
	return RL_OK;
}

/* Process 1's limit of resource, or false when it is not known. */
static bool pid1_of(struct host *h, int resource, struct rlimit *out)
{
	if (!h->fixed && !h->have_pid1) {
		h->have_pid1 = true;
		read_pid1(&h->h);
	}
	if (resource < 0 || resource >= RLIM_NLIMITS || !h->h.pid1_known[resource])
		return false;
	*out = h->h.pid1[resource];
	return true;
}

/* Fills the rlimit halves of out that no rule set with process 1's. */
static void fill_pid1(struct rl_result *out, struct host *host)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		struct rl_item_result *ir = &out->item[it];
		struct rlimit l;
		if (!rl_item_is_rlimit(it) || (ir->soft.set && ir->hard.set) ||
		    !pid1_of(host, rl_items[it].resource, &l))
			continue;
		for (int h = 0; h < 2; h++) {
			struct rl_half *half = h == RL_SOFT ? &ir->soft : &ir->hard;
			rlim_t v = h == RL_SOFT ? l.rlim_cur : l.rlim_max;
			if (half->set)
				continue;
			memset(half, 0, sizeof(*half));
			half->set = half->pid1 = true;
			half->value.type = v == RLIM_INFINITY ? RL_V_INF : RL_V_NUM;
			half->value.n = v == RLIM_INFINITY ? 0 : (uint64_t)v;
			half->rlim = v;
			half->origin.file = "/proc/1/limits";
			snprintf(half->origin.rule, sizeof(half->origin.rule), "process 1");
		}
	}
}

static uint64_t ram_of(struct host *h)
{
	if (!h->fixed && !h->have_ram) {
		h->have_ram = true;
		if (!read_ram(&h->h.ram_bytes)) {
			h->h.ram_bytes = 0;
			h->st = RL_EIO;
		}
	}
	return h->h.ram_bytes;
}

static rlim_t nr_open_of(struct host *h)
{
	if (!h->fixed && !h->have_nr_open) {
		h->have_nr_open = true;
		h->h.nr_open = rl_read_nr_open();
	}
	return h->h.nr_open;
}

/* The rlimit a written value stands for on this host. */
static rlim_t effective(const struct rl_value *v, struct host *host)
{
	switch (v->type) {
	case RL_V_NUM:
		return (rlim_t)v->n;
	case RL_V_PCT:
		return (rlim_t)((unsigned __int128)ram_of(host) * v->n / (100 * RL_PCT_ONE));
	case RL_V_INF:
	case RL_V_UNSET:
		break;
	}
	return RLIM_INFINITY;
}

enum { CL_USER, CL_UID, CL_RANGE, CL_GROUPS, CL_DEFAULT, CL_N };

struct pick {
	const struct rl_setv *sv;
	const struct rl_rule *rule;
};

static int class_of(enum rl_rule_kind k)
{
	switch (k) {
	case RL_RULE_USER:
		return CL_USER;
	case RL_RULE_UID:
		return CL_UID;
	case RL_RULE_UID_RANGE:
		return CL_RANGE;
	case RL_RULE_DEFAULT:
		return CL_DEFAULT;
	default:
		return CL_GROUPS;
	}
}

#define MAX_FILES (2 * RL_NITEMS + RL_NTOTALS + RL_SKIPPED_MAX)

/* The result's copy of policy file f, shared by every value that cites it. */
static const char *file_of(struct rl_result *out, const struct rl_policy *p, uint32_t f,
			   uint32_t seen[MAX_FILES])
{
	for (size_t i = 0; i < out->nfiles; i++) {
		if (seen[i] == f)
			return out->files[i];
	}
	char *copy = rl_strndup(p->files[f], strlen(p->files[f]));
	if (copy) {
		seen[out->nfiles] = f;
		out->files[out->nfiles++] = copy;
	}
	return copy;
}

static enum rl_status fill_origin(struct rl_result *out, struct rl_origin *o, const struct pick *pk,
				  const struct rl_policy *p, uint32_t seen[MAX_FILES])
{
	if (!(o->file = file_of(out, p, pk->sv->file, seen)))
		return RL_ENOMEM;
	o->line = pk->sv->line;
	o->col = pk->sv->col;
	snprintf(o->rule, sizeof(o->rule), "%s", pk->rule->label);
	return RL_OK;
}

static enum rl_status fill_half(struct rl_result *out, struct rl_half *h, const struct pick *pk,
				int item, const struct rl_policy *p, struct host *host,
				uint32_t seen[MAX_FILES])
{
	memset(h, 0, sizeof(*h));
	if (!pk->sv)
		return RL_OK;
	h->set = true;
	h->value = pk->sv->v;
	h->rlim = effective(&pk->sv->v, host);
	if (rl_items[item].resource == RLIMIT_NOFILE && h->rlim == RLIM_INFINITY)
		h->rlim = nr_open_of(host); /* the kernel refuses more than nr_open */
	return fill_origin(out, &h->origin, pk, p, seen);
}

/*
 * Notes group rule r as skipped in out: group information was unavailable,
 * so whether it applies is unknown (fail safe: it does not apply).
 */
static enum rl_status skip_rule(struct rl_result *out, const struct rl_rule *r,
				const struct rl_policy *p, uint32_t seen[MAX_FILES])
{
	if (out->nskipped++ >= RL_SKIPPED_MAX)
		return RL_OK;
	struct rl_origin *o = &out->skipped[out->nskipped - 1];
	if (!(o->file = file_of(out, p, r->file, seen)))
		return RL_ENOMEM;
	o->line = r->line;
	o->col = r->col;
	snprintf(o->rule, sizeof(o->rule), "%s", r->label);
	return RL_OK;
}

/* What systemd is given for total t written as v (struct rl_total_result). */
static uint64_t total_effective(int t, const struct rl_value *v, struct host *host)
{
	if (v->type == RL_V_INF || v->type == RL_V_UNSET)
		return RL_TOTAL_INF;
	if (v->type == RL_V_NUM)
		return v->n;
	if (rl_totals[t].kind == RL_KIND_QUOTA) /* 1% of one CPU: 10 ms a second */
		return v->n / (RL_PCT_ONE / 10000);
	return (uint64_t)((unsigned __int128)ram_of(host) * v->n / (100 * RL_PCT_ONE));
}

/*
 * Folds one group rule's value into the running pick by groups_combine:
 * an rlimit half when t < 0, else total t, each compared as it is applied.
 */
static void combine(struct pick *cur, int t, const struct rl_setv *sv, const struct rl_rule *r,
		    enum rl_combine how, struct host *host)
{
	if (cur->sv) {
		uint64_t a =
		    t < 0 ? effective(&cur->sv->v, host) : total_effective(t, &cur->sv->v, host);
		uint64_t b = t < 0 ? effective(&sv->v, host) : total_effective(t, &sv->v, host);
		bool take = how == RL_COMBINE_MAX   ? b > a
			    : how == RL_COMBINE_MIN ? b < a
						    : sv->seq > cur->sv->seq;
		if (!take)
			return;
	}
	cur->sv = sv;
	cur->rule = r;
}

/* Fills out->total from the best pick of each total, class by class. */
static enum rl_status fill_totals(struct rl_result *out, struct pick picks[CL_N][RL_NTOTALS],
				  const struct rl_policy *p, struct host *host,
				  uint32_t seen[MAX_FILES])
{
	for (int t = 0; t < RL_NTOTALS; t++) {
		for (int cl = 0; cl < CL_N; cl++) {
			const struct pick *pk = &picks[cl][t];
			if (!pk->sv)
				continue;
			struct rl_total_result *tr = &out->total[t];
			tr->set = true;
			tr->value = pk->sv->v;
			tr->n = total_effective(t, &pk->sv->v, host);
			if (fill_origin(out, &tr->origin, pk, p, seen) != RL_OK)
				return RL_ENOMEM;
			break;
		}
	}
	return RL_OK;
}

enum rl_status rl_resolve(const struct rl_policy *p, struct rl_ident *id,
			  const struct rl_host *host, struct rl_result *out)
{
	struct pick picks[CL_N][RL_NITEMS][2];
	struct pick tpicks[CL_N][RL_NTOTALS];
	struct host hc = {.fixed = host != NULL, .st = RL_OK};
	uint32_t seen[MAX_FILES];
	memset(out, 0, sizeof(*out));
	memset(picks, 0, sizeof(picks));
	memset(tpicks, 0, sizeof(tpicks));
	if (!p || !id)
		return RL_EUSAGE;
	if (host)
		hc.h = *host;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct rl_rule *r = p->rules[i];
		/*
		 * A policy filtered for this very identity kept only rules that
		 * match it, and the group rules it could not decide: those are
		 * asked again, of the identity's kept answers, not of NSS.
		 */
		bool match = p->filter == id && class_of(r->kind) != CL_GROUPS;
		if (!match) {
			enum rl_status st = rl_rule_matches(r, id, &match);
			if (st == RL_ENSS) /* group information unavailable */
				st = skip_rule(out, r, p, seen);
			if (st != RL_OK) {
				rl_result_free(out);
				return st;
			}
		}
		if (!match)
			continue;
		int cl = class_of(r->kind);
		for (int it = 0; it < RL_NITEMS; it++) {
			for (int h = 0; h < 2; h++) {
				const struct rl_setv *sv = &r->items[it][h];
				if (sv->v.type == RL_V_UNSET)
					continue;
				if (cl == CL_GROUPS)
					combine(&picks[cl][it][h], -1, sv, r, p->combine, &hc);
				else
					picks[cl][it][h] = (struct pick){sv, r};
			}
		}
		for (int t = 0; r->totals && t < RL_NTOTALS; t++) {
			const struct rl_setv *sv = &r->totals[t];
			if (sv->v.type == RL_V_UNSET)
				continue;
			if (cl == CL_GROUPS)
				combine(&tpicks[cl][t], t, sv, r, p->combine, &hc);
			else
				tpicks[cl][t] = (struct pick){sv, r};
		}
	}
	if (out->nskipped)
		snprintf(out->groups_why, sizeof(out->groups_why), "%s", id->groups_why);
	if (fill_totals(out, tpicks, p, &hc, seen) != RL_OK) {
		rl_result_free(out);
		return RL_ENOMEM;
	}
	for (int it = 0; it < RL_NITEMS; it++) {
		struct rl_item_result *ir = &out->item[it];
		for (int h = 0; h < 2; h++) {
			for (int cl = 0; cl < CL_N; cl++) {
				if (!picks[cl][it][h].sv)
					continue;
				if (fill_half(out, h == RL_SOFT ? &ir->soft : &ir->hard,
					      &picks[cl][it][h], it, p, &hc, seen) != RL_OK) {
					rl_result_free(out);
					return RL_ENOMEM;
				}
				break;
			}
		}
	}
	if (p->unset == RL_UNSET_PID1)
		fill_pid1(out, &hc);
	for (int it = 0; it < RL_NITEMS; it++) {
		struct rl_item_result *ir = &out->item[it];
		if (ir->soft.set && ir->hard.set && ir->soft.rlim > ir->hard.rlim) {
			ir->soft.rlim = ir->hard.rlim;
			ir->soft_clamped = true;
		}
	}
	if (hc.st != RL_OK)
		rl_result_free(out);
	return hc.st;
}

/*
 * Whether a lower value of item i is the stricter one, and whether a group
 * rule that sets it with no default beside it takes something away: both
 * for every rlimit but nice and rtprio, which grant (the kernel's unset is
 * 0, the strictest), and for maxlogins and maxsyslogins.
 */
static bool fail_open_item(int i, bool *without_default)
{
	enum rl_kind k = rl_items[i].kind;
	*without_default = k != RL_KIND_NICE && k != RL_KIND_RTPRIO;
	return rl_item_is_rlimit(i) || i == RL_ITEM_MAXLOGINS || i == RL_ITEM_MAXSYSLOGINS;
}

/*
 * One warning for item it of group rule g when it is stricter than
 * default's halves d (NULL: default sets neither).  Returns whether it
 * warned.
 */
static bool warn_fail_open(const struct rl_policy *p, const struct rl_rule *g, int it,
			   const struct rl_setv d[2], struct host *hc, const struct rl_sink *sink)
{
	bool stricter[2] = {false, false}, without;
	fail_open_item(it, &without);
	for (int h = 0; h < 2; h++) {
		const struct rl_setv *gv = &g->items[it][h];
		if (gv->v.type == RL_V_UNSET)
			continue;
		if (d && d[h].v.type != RL_V_UNSET)
			stricter[h] = effective(&gv->v, hc) < effective(&d[h].v, hc);
		else
			stricter[h] = !d && without && gv->v.type != RL_V_INF;
	}
	if (!stricter[RL_SOFT] && !stricter[RL_HARD])
		return false;
	int h = stricter[RL_HARD] ? RL_HARD : RL_SOFT;
	const struct rl_setv *gv = &g->items[it][h];
	const char *half = !rl_item_is_rlimit(it)                   ? ""
			   : stricter[RL_SOFT] && stricter[RL_HARD] ? ""
			   : h == RL_HARD                           ? " hard"
								    : " soft";
	char gt[48], dt[48];
	rl_value_text(it, &gv->v, gt, sizeof(gt));
	if (d)
		rl_value_text(it, &d[h].v, dt, sizeof(dt));
	rl_report(sink, RL_SEV_WARNING,
		  "%s:%u:%u: %s: %s%s %s is stricter than %s%s%s: the rule is lost whenever "
		  "group information is unavailable (see rlimit.yaml(5), FAIL SAFE)",
		  p->files[gv->file], gv->line, gv->col, g->label, rl_items[it].name, half, gt,
		  d ? "default's " : "what default leaves (it sets no ", d ? dt : rl_items[it].name,
		  d ? "" : ")");
	return true;
}

unsigned rl_policy_check_fail_open(const struct rl_policy *p, const struct rl_host *host,
				   const struct rl_sink *sink)
{
	struct host hc = {.fixed = host != NULL, .st = RL_OK};
	const struct rl_rule *def = NULL;
	unsigned n = 0;
	if (host)
		hc.h = *host;
	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i]->kind == RL_RULE_DEFAULT)
			def = p->rules[i];
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rl_rule *g = p->rules[i];
		if (class_of(g->kind) != CL_GROUPS)
			continue;
		for (int it = 0; it < RL_NITEMS; it++) {
			bool without;
			if (!fail_open_item(it, &without) ||
			    (g->items[it][RL_SOFT].v.type == RL_V_UNSET &&
			     g->items[it][RL_HARD].v.type == RL_V_UNSET))
				continue;
			const struct rl_setv *d = def ? def->items[it] : NULL;
			if (d && d[RL_SOFT].v.type == RL_V_UNSET && d[RL_HARD].v.type == RL_V_UNSET)
				d = NULL;
			n += warn_fail_open(p, g, it, d, &hc, sink);
		}
	}
	return n;
}

char *rl_result_skipped_text(const struct rl_result *r, char *buf, size_t size)
{
	size_t named = r->nskipped < RL_SKIPPED_MAX ? r->nskipped : RL_SKIPPED_MAX, len = 0;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < named; i++) {
		const struct rl_origin *o = &r->skipped[i];
		int n = snprintf(buf + len, size - len, "%s%.120s:%u (%s)", i ? ", " : "", o->file,
				 o->line, o->rule);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = '\0'; /* this one does not fit: counted below */
			named = i;
			break;
		}
		len += (size_t)n;
	}
	if (r->nskipped > named)
		snprintf(buf + len, size - len, "%sand %zu more", named ? " " : "",
			 r->nskipped - named);
	return buf;
}

void rl_result_free(struct rl_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	memset(r, 0, sizeof(*r));
}

bool rl_result_any(const struct rl_result *r)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		if (r->item[i].soft.set || r->item[i].hard.set)
			return true;
	}
	return false;
}

bool rl_result_any_total(const struct rl_result *r, enum rl_scope scope)
{
	for (int t = 0; t < RL_NTOTALS; t++) {
		if (r->total[t].set && rl_totals[t].scope == scope)
			return true;
	}
	return false;
}

char *rl_total_pam_text(const struct rl_result *r, int t, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	uint64_t n = t >= 0 && t < RL_NTOTALS ? r->total[t].n : RL_TOTAL_INF;
	if (n == RL_TOTAL_INF)
		snprintf(buf, size, "infinity");
	else
		snprintf(buf, size, "%" PRIu64, n);
	return buf;
}
