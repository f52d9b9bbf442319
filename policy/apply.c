/*
 * apply.c - setrlimit for a resolved result.
 *
 * No session may leave looser than its policy: a value that cannot be
 * lowered is an error.  A value above the current hard limit needs
 * CAP_SYS_RESOURCE; without it the stricter current value stays and a
 * warning says so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "policy_int.h"

static void describe(int item, rlim_t soft, rlim_t hard, char *buf, size_t size)
{
	char s[32], h[32];
	rl_value_format(item, soft, s, sizeof(s));
	rl_value_format(item, hard, h, sizeof(h));
	snprintf(buf, size, "soft %s hard %s", s, h);
}

static enum rl_status apply_item(int item, const struct rl_item_result *ir, bool debug,
				 const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	const char *name = rl_items[item].name;
	struct rlimit cur, want;
	char what[80];

	if (getrlimit(rl_items[item].resource, &cur) != 0) {
		rl_report(sink, RL_SEV_ERROR, "%s: getrlimit: %s", name,
			  rl_errstr(errno, eb, sizeof(eb)));
		return RL_ELOWER;
	}
	want.rlim_max = ir->hard.set ? ir->hard.rlim : cur.rlim_max;
	want.rlim_cur = ir->soft.set ? ir->soft.rlim : cur.rlim_cur;
	if (rl_items[item].resource == RLIMIT_NOFILE) {
		/*
		 * The kernel refuses a nofile above nr_open even to root, and
		 * pam_limits' setrlimit then leaves nofile as it was: so does this.
		 */
		rlim_t top = rl_read_nr_open();
		if (want.rlim_max > top || want.rlim_cur > top) {
			char v[32];
			rl_report(sink, RL_SEV_WARNING,
				  "nofile: %s %s (%s) is above this machine's most, %llu "
				  "(/proc/sys/fs/nr_open); nofile left as it was",
				  want.rlim_max > top ? "hard" : "soft",
				  rl_value_format(
				      item, want.rlim_max > top ? want.rlim_max : want.rlim_cur, v,
				      sizeof(v)),
				  want.rlim_max > top ? ir->hard.origin.rule : ir->soft.origin.rule,
				  (unsigned long long)top);
			return RL_OK;
		}
	}
	if (want.rlim_cur > want.rlim_max) {
		/* Only a soft value above the process's own hard limit gets here. */
		if (!ir->hard.set) {
			char sv[32], hv[32];
			rl_report(sink, RL_SEV_WARNING,
				  "%s: soft %s (%s) is above this process's hard limit %s; set to "
				  "%s",
				  name, rl_value_format(item, want.rlim_cur, sv, sizeof(sv)),
				  ir->soft.origin.rule,
				  rl_value_format(item, want.rlim_max, hv, sizeof(hv)), hv);
		}
		want.rlim_cur = want.rlim_max;
	}

	if (setrlimit(rl_items[item].resource, &want) != 0) {
		int e = errno;
		describe(item, want.rlim_cur, want.rlim_max, what, sizeof(what));
		if (want.rlim_max <= cur.rlim_max) {
			rl_report(sink, RL_SEV_ERROR, "%s: cannot set %s: %s", name, what,
				  rl_errstr(e, eb, sizeof(eb)));
			return RL_ELOWER;
		}
		/* A raise was refused: keep the current, stricter hard limit. */
		struct rlimit keep = {want.rlim_cur, cur.rlim_max};
		if (keep.rlim_cur > keep.rlim_max)
			keep.rlim_cur = keep.rlim_max;
		if (setrlimit(rl_items[item].resource, &keep) != 0) {
			rl_report(sink, RL_SEV_ERROR, "%s: cannot set %s: %s", name, what,
				  rl_errstr(errno, eb, sizeof(eb)));
			return RL_ELOWER;
		}
		char kept[80];
		describe(item, keep.rlim_cur, keep.rlim_max, kept, sizeof(kept));
		rl_report(sink, RL_SEV_WARNING,
			  "%s: cannot raise to %s (%s: %s); kept the stricter %s", name, what,
			  ir->hard.origin.rule, rl_errstr(e, eb, sizeof(eb)), kept);
		return RL_OK;
	}
	if (debug) {
		describe(item, want.rlim_cur, want.rlim_max, what, sizeof(what));
		const struct rl_half *src = ir->hard.set ? &ir->hard : &ir->soft;
		rl_report(sink, RL_SEV_INFO, "%s: %s (soft from %s, hard from %s; %s:%u)", name,
			  what, ir->soft.set ? ir->soft.origin.rule : "the process",
			  ir->hard.set ? ir->hard.origin.rule : "the process", src->origin.file,
			  src->origin.line);
	}
	return RL_OK;
}

/* priority: a niceness, stored as 20 - nice.  Only a raise can be refused. */
static void apply_priority(const struct rl_half *h, bool debug, const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	int nice = 20 - (int)h->rlim;
	if (setpriority(PRIO_PROCESS, 0, nice) != 0) {
		rl_report(sink, RL_SEV_WARNING, "priority: cannot set the niceness to %d (%s): %s",
			  nice, h->origin.rule, rl_errstr(errno, eb, sizeof(eb)));
		return;
	}
	if (debug)
		rl_report(sink, RL_SEV_INFO, "priority: niceness %d (from %s; %s:%u)", nice,
			  h->origin.rule, h->origin.file, h->origin.line);
}

/* nonewprivs: true cannot be undone, and a refusal leaves the session looser. */
static enum rl_status apply_nonewprivs(const struct rl_half *h, bool debug,
				       const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	if (h->rlim == 0)
		return RL_OK; /* false: nothing to do, and nothing can undo it */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		rl_report(sink, RL_SEV_ERROR, "nonewprivs: cannot set no_new_privs (%s): %s",
			  h->origin.rule, rl_errstr(errno, eb, sizeof(eb)));
		return RL_ELOWER;
	}
	if (debug)
		rl_report(sink, RL_SEV_INFO, "nonewprivs: set (from %s; %s:%u)", h->origin.rule,
			  h->origin.file, h->origin.line);
	return RL_OK;
}

enum rl_status rl_apply(const struct rl_result *r, bool debug, const struct rl_sink *sink)
{
	enum rl_status res = RL_OK;
	/* Every item is tried, so one failure does not leave others loose. */
	for (int i = 0; i < RL_NITEMS; i++) {
		const struct rl_item_result *ir = &r->item[i];
		if ((!ir->soft.set && !ir->hard.set) || !rl_item_is_rlimit(i))
			continue;
		if (apply_item(i, ir, debug, sink) != RL_OK)
			res = RL_ELOWER;
	}
	/* maxlogins and maxsyslogins are rl_check_logins'. */
	if (r->item[RL_ITEM_PRIORITY].hard.set)
		apply_priority(&r->item[RL_ITEM_PRIORITY].hard, debug, sink);
	if (r->item[RL_ITEM_NONEWPRIVS].hard.set &&
	    apply_nonewprivs(&r->item[RL_ITEM_NONEWPRIVS].hard, debug, sink) != RL_OK)
		res = RL_ELOWER;
	return res;
}
