/*
 * list-items - prints the name of every item of the policy library's table,
 * one a line, so the man page check compares the page with the code.  With
 * --totals, every total as SCOPE.NAME ("session.memory_max").
 */
#include <stdio.h>
#include <string.h>

#include "rlimit_policy.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--totals") == 0) {
		for (int t = 0; t < RL_NTOTALS; t++)
			printf("%s.%s\n", rl_scope_name(rl_totals[t].scope), rl_totals[t].name);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	for (int i = 0; i < RL_NITEMS; i++)
		printf("%s\n", rl_items[i].name);
	return fflush(stdout) == 0 ? 0 : 1;
}
