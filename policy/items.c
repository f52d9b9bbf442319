/*
 * items.c - the one table of limit items, and beside it the small table of
 * totals (session: and user:).  The parser, the resolver, the
 * applier, explain, the importer, the man page check and the tests all
 * walk it: adding an item is one line here.
 */
#include <stdio.h>
#include <string.h>

#include "rlimit_policy.h"

const struct rl_item rl_items[RL_NITEMS] = {
    {"as", RLIMIT_AS, RL_KIND_SIZE, true, 1024, "address space (virtual memory) size"},
    {"data", RLIMIT_DATA, RL_KIND_SIZE, true, 1024, "data segment size (heap)"},
    {"rss", RLIMIT_RSS, RL_KIND_SIZE, true, 1024, "resident set size (ignored by Linux)"},
    {"stack", RLIMIT_STACK, RL_KIND_SIZE, true, 1024, "stack size"},
    {"core", RLIMIT_CORE, RL_KIND_SIZE, false, 1024, "core file size"},
    {"cpu", RLIMIT_CPU, RL_KIND_CPU, false, 60, "CPU time"},
    {"fsize", RLIMIT_FSIZE, RL_KIND_SIZE, false, 1024, "largest file that may be written"},
    {"nofile", RLIMIT_NOFILE, RL_KIND_COUNT, false, 1, "open file descriptors"},
    {"nproc", RLIMIT_NPROC, RL_KIND_COUNT, false, 1, "processes and threads of the user"},
    {"memlock", RLIMIT_MEMLOCK, RL_KIND_SIZE, true, 1024, "locked-in-memory size"},
    {"locks", RLIMIT_LOCKS, RL_KIND_COUNT, false, 1, "file locks"},
    {"sigpending", RLIMIT_SIGPENDING, RL_KIND_COUNT, false, 1, "queued signals"},
    {"msgqueue", RLIMIT_MSGQUEUE, RL_KIND_SIZE, false, 1, "POSIX message queue bytes"},
    {"nice", RLIMIT_NICE, RL_KIND_NICE, false, 1, "highest priority, as a niceness"},
    {"rtprio", RLIMIT_RTPRIO, RL_KIND_RTPRIO, false, 1, "real-time priority"},
    {"rttime", RLIMIT_RTTIME, RL_KIND_RTTIME, false, 1, "real-time CPU time without blocking"},
    {"maxlogins", RL_NOT_RLIMIT, RL_KIND_LOGINS, false, 1, "concurrent sessions of the user"},
    {"maxsyslogins", RL_NOT_RLIMIT, RL_KIND_LOGINS, false, 1, "concurrent sessions on the machine"},
    {"priority", RL_NOT_RLIMIT, RL_KIND_PRIORITY, false, 1, "the session's niceness"},
    {"nonewprivs", RL_NOT_RLIMIT, RL_KIND_BOOL, false, 1, "no_new_privs (no setuid gains)"},
};

/* The enum of rlimit_policy.h names these rows. */
_Static_assert(RL_ITEM_NONEWPRIVS == RL_NITEMS - 1, "the item enum follows the table");

int rl_item_lookup(const char *name, size_t len)
{
	for (int i = 0; i < RL_NITEMS; i++) {
		const char *n = rl_items[i].name;
		/* The first byte first: this runs for every item of every rule. */
		if (len && n[0] == name[0] && strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}

char *rl_item_names(bool percent_only, char *buf, size_t size)
{
	size_t o = 0;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < RL_NITEMS; i++) {
		if (percent_only && !rl_items[i].percent_ok)
			continue;
		int k = snprintf(buf + o, size - o, "%s%s", o ? ", " : "", rl_items[i].name);
		if (k < 0 || (size_t)k >= size - o)
			break;
		o += (size_t)k;
	}
	return buf;
}

/*
 * The session keys are the PAM data pam_systemd reads when it makes the
 * session's scope (pam_systemd(8), "Session limits"); the user keys are
 * unit properties of user-UID.slice (org.freedesktop.systemd1(5)).
 */
const struct rl_total rl_totals[RL_NTOTALS] = {
    {"memory_max", RL_SCOPE_SESSION, RL_KIND_SIZE, true, false, "systemd.memory_max",
     "memory of the session's processes together (hard: the kernel's OOM killer acts)"},
    {"tasks_max", RL_SCOPE_SESSION, RL_KIND_COUNT, false, false, "systemd.tasks_max",
     "processes and threads of the session together"},
    {"cpu_weight", RL_SCOPE_SESSION, RL_KIND_WEIGHT, false, false, "systemd.cpu_weight",
     "the session's share of CPU time when CPUs are busy"},
    {"io_weight", RL_SCOPE_SESSION, RL_KIND_WEIGHT, false, false, "systemd.io_weight",
     "the session's share of disk time when disks are busy"},
    {"runtime_max", RL_SCOPE_SESSION, RL_KIND_CPU, false, false, "systemd.runtime_max_sec",
     "wall-clock time after which the session is ended"},
    {"memory_max", RL_SCOPE_USER, RL_KIND_SIZE, true, false, "MemoryMax",
     "memory of all the user's processes together (hard)"},
    {"memory_high", RL_SCOPE_USER, RL_KIND_SIZE, true, false, "MemoryHigh",
     "memory above which the user's processes are throttled and reclaimed"},
    {"memory_swap_max", RL_SCOPE_USER, RL_KIND_SIZE, true, true, "MemorySwapMax",
     "swap of all the user's processes together"},
    {"tasks_max", RL_SCOPE_USER, RL_KIND_COUNT, false, false, "TasksMax",
     "processes and threads of the user together"},
    {"cpu_quota", RL_SCOPE_USER, RL_KIND_QUOTA, false, false, "CPUQuotaPerSecUSec",
     "CPU time of the user's processes together, as a percentage of one CPU"},
    {"cpu_weight", RL_SCOPE_USER, RL_KIND_WEIGHT, false, false, "CPUWeight",
     "the user's share of CPU time when CPUs are busy"},
    {"io_weight", RL_SCOPE_USER, RL_KIND_WEIGHT, false, false, "IOWeight",
     "the user's share of disk time when disks are busy"},
};

const char *rl_scope_name(enum rl_scope scope)
{
	return scope == RL_SCOPE_SESSION ? "session" : "user";
}

int rl_total_lookup(enum rl_scope scope, const char *name, size_t len)
{
	for (int i = 0; i < RL_NTOTALS; i++) {
		const char *n = rl_totals[i].name;
		if (rl_totals[i].scope == scope && strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}

char *rl_total_names(enum rl_scope scope, char *buf, size_t size)
{
	size_t o = 0;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < RL_NTOTALS; i++) {
		if (rl_totals[i].scope != scope)
			continue;
		int k = snprintf(buf + o, size - o, "%s%s", o ? ", " : "", rl_totals[i].name);
		if (k < 0 || (size_t)k >= size - o)
			break;
		o += (size_t)k;
	}
	return buf;
}
