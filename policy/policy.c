/*
 * policy.c - the loaded policy: made empty, filled rule by rule as the
 * parser reads each file, checked whole at the end, freed in one call.
 * The policy, its rules and strings live in its arena; only the arrays
 * that grow are allocated on their own.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define MAX_OVERLAPS_SHOWN 50

enum rl_status rl_policy_new(struct rl_ident *filter, struct rl_policy **out)
{
	struct rl_arena arena = {0};
	struct rl_policy *p = rl_arena_alloc(&arena, sizeof(*p));
	*out = p;
	if (!p)
		return RL_ENOMEM;
	p->arena = arena; /* from now on the policy keeps its own arena */
	p->filter = filter;
	p->combine = RL_COMBINE_MAX;
	return RL_OK;
}

void rl_policy_free(struct rl_policy *p)
{
	if (!p)
		return;
	free(p->rules);
	free(p->files);
	free(p->ranges);
	rl_strmap_free(&p->rule_index);
	struct rl_arena arena = p->arena; /* p itself is in it */
	rl_arena_free(&arena);
}

size_t rl_policy_rule_count(const struct rl_policy *p)
{
	return p ? p->nrules : 0;
}

size_t rl_policy_file_count(const struct rl_policy *p)
{
	return p ? p->nfiles : 0;
}

enum rl_combine rl_policy_combine(const struct rl_policy *p)
{
	return p ? p->combine : RL_COMBINE_MAX;
}

enum rl_unset rl_policy_unset(const struct rl_policy *p)
{
	return p ? p->unset : RL_UNSET_KEEP;
}

enum rl_status rl_policy_add_file(struct rl_policy *p, const char *name, uint32_t *idx)
{
	const char **files = rl_grow(p->files, p->nfiles, &p->files_cap, sizeof(*files));
	if (!files)
		return RL_ENOMEM;
	p->files = files;
	if (!(files[p->nfiles] = rl_arena_strndup(&p->arena, name, strlen(name))))
		return RL_ENOMEM;
	*idx = (uint32_t)p->nfiles++;
	return RL_OK;
}

enum rl_status rl_policy_add_range(struct rl_policy *p, const struct rl_range *r)
{
	struct rl_range *v = rl_grow(p->ranges, p->nranges, &p->ranges_cap, sizeof(*v));
	if (!v)
		return RL_ENOMEM;
	p->ranges = v;
	p->ranges[p->nranges++] = *r;
	return RL_OK;
}

/* A new rule with key's kind, name, lo and hi, labelled label, and no items. */
static enum rl_status add_rule(struct rl_policy *p, const struct rl_rule *key, const char *label,
			       struct rl_rule **out)
{
	struct rl_rule **rules = rl_grow(p->rules, p->nrules, &p->rules_cap, sizeof(*rules));
	if (!rules)
		return RL_ENOMEM;
	p->rules = rules;
	struct rl_rule *r = rl_arena_alloc(&p->arena, sizeof(*r));
	if (!r)
		return RL_ENOMEM;
	r->kind = key->kind;
	r->lo = key->lo;
	r->hi = key->hi;
	r->file = key->file;
	r->line = key->line;
	r->col = key->col;
	r->label = label;
	if (key->name && !(r->name = rl_arena_strndup(&p->arena, key->name, strlen(key->name))))
		return RL_ENOMEM;
	p->rules[p->nrules++] = r;
	*out = r;
	return RL_OK;
}

enum rl_status rl_policy_merge_rule(struct rl_policy *p, const struct rl_rule *key,
				    const struct rl_body *body)
{
	const struct rl_strmap_ent *e;
	struct rl_rule *to;
	bool found;
	/* On failure the index entry is harmless: the policy is freed. */
	if (rl_strmap_put(&p->rule_index, &p->arena, key->label, strlen(key->label), p->nrules, &e,
			  &found) != RL_OK)
		return RL_ENOMEM;
	if (found)
		to = p->rules[e->val];
	else if (add_rule(p, key, e->key, &to) != RL_OK)
		return RL_ENOMEM;
	/* A later file replaces the whole item of the same rule. */
	for (int i = 0; i < RL_NITEMS; i++) {
		if (body->seen[i]) {
			to->items[i][RL_SOFT] = body->items[i][RL_SOFT];
			to->items[i][RL_HARD] = body->items[i][RL_HARD];
		}
	}
	for (int t = 0; t < RL_NTOTALS; t++) {
		if (!body->tseen[t])
			continue;
		/* zeroed: every other total RL_V_UNSET */
		if (!to->totals &&
		    !(to->totals = rl_arena_alloc(&p->arena, RL_NTOTALS * sizeof(*to->totals))))
			return RL_ENOMEM;
		to->totals[t] = body->totals[t];
	}
	return RL_OK;
}

static int range_cmp(const void *a, const void *b)
{
	const struct rl_range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * uid ranges may not overlap: with two candidates, "the" range rule of a
 * user would be ambiguous.  The same range in a later file is the same
 * rule, merged, not an overlap.
 */
enum rl_status rl_policy_finish(struct rl_policy *p, const struct rl_sink *sink)
{
	if (!p)
		return RL_EUSAGE;
	if (p->nranges > 1) /* qsort may not be given a NULL base */
		qsort(p->ranges, p->nranges, sizeof(*p->ranges), range_cmp);
	const struct rl_range *widest = NULL;
	unsigned overlaps = 0;
	for (size_t i = 0; i < p->nranges; i++) {
		const struct rl_range *r = &p->ranges[i];
		if (widest && r->lo == widest->lo && r->hi == widest->hi)
			continue;
		if (widest && r->lo <= widest->hi) {
			/* Name the one written later, pointing back at the other. */
			const struct rl_range *a = widest, *b = r;
			if (a->file > b->file || (a->file == b->file && a->line > b->line)) {
				a = r;
				b = widest;
			}
			if (++overlaps <= MAX_OVERLAPS_SHOWN)
				rl_report(sink, RL_SEV_ERROR,
					  "%s:%u:%u: %s%u-%u overlaps uid:%u-%u (%s:%u)",
					  p->files[b->file], b->line, b->col, "users.uid:", b->lo,
					  b->hi, a->lo, a->hi, p->files[a->file], a->line);
			p->errors++;
		}
		if (!widest || r->hi > widest->hi)
			widest = r;
	}
	if (overlaps > MAX_OVERLAPS_SHOWN)
		rl_report(sink, RL_SEV_ERROR, "%u more overlapping uid ranges not shown",
			  overlaps - MAX_OVERLAPS_SHOWN);
	return p->errors ? RL_EINVALID : RL_OK;
}
