/*
 * testresult.h - whether two resolved results are the same, for the suites
 * and the fuzzer that compare two ways of reaching one (the whole policy,
 * the filtered load).  Field by field: padding bytes
 * are not part of a result (the library copies struct rl_value, padding
 * and all, from locals), so memcmp would be unreliable.
 */
#ifndef RLT_TESTRESULT_H
#define RLT_TESTRESULT_H

#include <stdbool.h>
#include <string.h>

#include "rlimit_policy.h"

/* Two origin file names, either NULL (an unset half has none). */
static inline bool tr_same_file(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static inline bool tr_same_half(const struct rl_half *a, const struct rl_half *b)
{
	return a->set == b->set && a->value.type == b->value.type && a->value.n == b->value.n &&
	       a->rlim == b->rlim && tr_same_file(a->origin.file, b->origin.file) &&
	       a->origin.line == b->origin.line && a->origin.col == b->origin.col &&
	       strcmp(a->origin.rule, b->origin.rule) == 0;
}

static inline bool tr_same_item(const struct rl_item_result *a, const struct rl_item_result *b)
{
	return tr_same_half(&a->soft, &b->soft) && tr_same_half(&a->hard, &b->hard) &&
	       a->soft_clamped == b->soft_clamped;
}

#endif
