/*
 * strmap.c - a small open-addressing hash map from strings, so that
 * duplicate keys and drop-in merges stay linear in the size of the policy.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

static struct rl_strmap_ent *slot(struct rl_strmap_ent *ents, size_t cap, const char *key,
				  size_t len)
{
	size_t i = (size_t)rl_hash64(key, len) & (cap - 1);
	for (;;) {
		struct rl_strmap_ent *e = &ents[i];
		if (!e->key || (e->len == len && memcmp(e->key, key, len) == 0))
			return e;
		i = (i + 1) & (cap - 1);
	}
}

static enum rl_status grow(struct rl_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct rl_strmap_ent *ents = calloc(cap, sizeof(*ents));
	if (!ents)
		return RL_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->ents[i].key)
			*slot(ents, cap, m->ents[i].key, m->ents[i].len) = m->ents[i];
	}
	free(m->ents);
	m->ents = ents;
	m->cap = cap;
	return RL_OK;
}

enum rl_status rl_strmap_put(struct rl_strmap *m, struct rl_arena *keys, const char *key,
			     size_t len, size_t val, const struct rl_strmap_ent **ent, bool *found)
{
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != RL_OK)
		return RL_ENOMEM;
	struct rl_strmap_ent *e = slot(m->ents, m->cap, key, len);
	*ent = e;
	*found = e->key != NULL;
	if (*found)
		return RL_OK;
	char *copy = rl_arena_strndup(keys, key, len);
	if (!copy)
		return RL_ENOMEM;
	e->key = copy;
	e->len = len;
	e->val = val;
	m->n++;
	return RL_OK;
}

void rl_strmap_free(struct rl_strmap *m)
{
	if (!m)
		return;
	free(m->ents);
	m->ents = NULL;
	m->cap = m->n = 0;
}

static enum rl_status keyset_grow(struct rl_keyset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct rl_keyset_ent *v = calloc(cap, sizeof(*v));
	if (!v)
		return RL_ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->v[i].hash)
			continue;
		size_t j = s->v[i].hash & (cap - 1);
		while (v[j].hash)
			j = (j + 1) & (cap - 1);
		v[j] = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
	return RL_OK;
}

enum rl_status rl_keyset_add(struct rl_keyset *s, const char *key, size_t len, uint32_t line,
			     uint32_t *first_line)
{
	*first_line = 0;
	if ((s->n + 1) * 2 > s->cap && keyset_grow(s) != RL_OK)
		return RL_ENOMEM;
	uint64_t h = rl_hash64(key, len);
	size_t j = h & (s->cap - 1);
	while (s->v[j].hash && s->v[j].hash != h)
		j = (j + 1) & (s->cap - 1);
	if (s->v[j].hash) {
		*first_line = s->v[j].line;
		return RL_OK;
	}
	s->v[j].hash = h;
	s->v[j].line = line;
	s->n++;
	return RL_OK;
}

void rl_keyset_free(struct rl_keyset *s)
{
	if (!s)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}
