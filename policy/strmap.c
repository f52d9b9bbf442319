/*
 * strmap.c - a small open-addressing hash map from strings, so that
 * duplicate keys and drop-in merges stay linear in the size of the policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

char *rl_strndup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

void rl_report(const struct rl_sink *sink, enum rl_severity sev, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!sink || !sink->emit)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink->emit(sink->ctx, sev, msg);
}

/* FNV-1a: short keys, no adversary who can pick them but root. */
static size_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static struct rl_strmap_ent *slot(struct rl_strmap_ent *ents, size_t cap, const char *key,
				  size_t len)
{
	size_t i = hash(key, len) & (cap - 1);
	for (;;) {
		struct rl_strmap_ent *e = &ents[i];
		if (!e->key || (strlen(e->key) == len && memcmp(e->key, key, len) == 0))
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
			*slot(ents, cap, m->ents[i].key, strlen(m->ents[i].key)) = m->ents[i];
	}
	free(m->ents);
	m->ents = ents;
	m->cap = cap;
	return RL_OK;
}

enum rl_status rl_strmap_put(struct rl_strmap *m, const char *key, size_t len, size_t val,
			     uint32_t line, uint32_t col, const struct rl_strmap_ent **found)
{
	*found = NULL;
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != RL_OK)
		return RL_ENOMEM;
	struct rl_strmap_ent *e = slot(m->ents, m->cap, key, len);
	if (e->key) {
		*found = e;
		return RL_OK;
	}
	char *copy = rl_strndup(key, len);
	if (!copy)
		return RL_ENOMEM;
	e->key = copy;
	e->val = val;
	e->line = line;
	e->col = col;
	m->n++;
	return RL_OK;
}

const struct rl_strmap_ent *rl_strmap_get(const struct rl_strmap *m, const char *key,
					  size_t len)
{
	if (m->cap == 0)
		return NULL;
	const struct rl_strmap_ent *e = slot(m->ents, m->cap, key, len);
	return e->key ? e : NULL;
}

void rl_strmap_free(struct rl_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->ents[i].key);
	free(m->ents);
	m->ents = NULL;
	m->cap = m->n = 0;
}
