/*
 * policy.c - the loaded policy: made empty, filled rule by rule as the
 * parser reads each file, checked whole at the end, freed in one call.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define MAX_OVERLAPS_SHOWN 50

enum rl_status rl_policy_new(struct rl_ident *filter, struct rl_policy **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return RL_ENOMEM;
	(*out)->filter = filter;
	(*out)->combine = RL_COMBINE_MAX;
	return RL_OK;
}

static void rule_free(struct rl_rule *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->label);
	free(r);
}

void rl_policy_free(struct rl_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(p->rules[i]);
	free(p->rules);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->ranges);
	rl_strmap_free(&p->rule_index);
	free(p);
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

enum rl_status rl_policy_add_file(struct rl_policy *p, const char *name, uint32_t *idx)
{
	char **files = rl_grow(p->files, p->nfiles, &p->files_cap, sizeof(*files));
	if (!files)
		return RL_ENOMEM;
	p->files = files;
	if (!(files[p->nfiles] = rl_strndup(name, strlen(name))))
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

/* A new rule with r's key and no items, appended to p's rules. */
static enum rl_status add_rule(struct rl_policy *p, const struct rl_rule *r, struct rl_rule **out)
{
	struct rl_rule **rules = rl_grow(p->rules, p->nrules, &p->rules_cap, sizeof(*rules));
	if (!rules)
		return RL_ENOMEM;
	p->rules = rules;
	struct rl_rule *n = calloc(1, sizeof(*n));
	if (!n)
		return RL_ENOMEM;
	n->kind = r->kind;
	n->lo = r->lo;
	n->hi = r->hi;
	n->label = rl_strndup(r->label, strlen(r->label));
	n->name = r->name ? rl_strndup(r->name, strlen(r->name)) : NULL;
	if (!n->label || (r->name && !n->name)) {
		rule_free(n);
		return RL_ENOMEM;
	}
	p->rules[p->nrules++] = n;
	*out = n;
	return RL_OK;
}

enum rl_status rl_policy_merge_rule(struct rl_policy *p, const struct rl_rule *r,
				    const bool seen[RL_NITEMS])
{
	const struct rl_strmap_ent *found;
	struct rl_rule *to;
	/* On failure the index entry is harmless: the policy is freed. */
	if (rl_strmap_put(&p->rule_index, r->label, strlen(r->label), p->nrules, &found) != RL_OK)
		return RL_ENOMEM;
	if (found)
		to = p->rules[found->val];
	else if (add_rule(p, r, &to) != RL_OK)
		return RL_ENOMEM;
	/* A later file replaces the whole item of the same rule. */
	for (int i = 0; i < RL_NITEMS; i++) {
		if (seen[i]) {
			to->items[i][RL_SOFT] = r->items[i][RL_SOFT];
			to->items[i][RL_HARD] = r->items[i][RL_HARD];
		}
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
