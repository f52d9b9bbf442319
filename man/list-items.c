/*
 * list-items - prints the name of every item of the policy library's table,
 * one a line, so the man page check compares the page with the code.
 */
#include <stdio.h>

#include "rlimit_policy.h"

int main(void)
{
	for (int i = 0; i < RL_NITEMS; i++)
		printf("%s\n", rl_items[i].name);
	return fflush(stdout) == 0 ? 0 : 1;
}
