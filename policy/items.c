/*
 * items.c - the one table of limit items.  The parser, the resolver, the
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
