/*
 * strmap.c - a small open-addressing hash map from strings, so that
 * duplicate keys and drop-in merges stay linear in the size of the policy.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define CHUNK_SIZE 4096

struct rl_strmap_chunk {
	struct rl_strmap_chunk *next;
	size_t size;
	char data[];
};

/* A copy of key[0..len) in the map's chunks (freed with the map). */
static char *chunk_copy(struct rl_strmap *m, const char *key, size_t len)
{
	if (!m->chunks || m->chunk_left < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
		struct rl_strmap_chunk *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = m->chunks;
		c->size = size;
		m->chunks = c;
		m->chunk_left = size;
	}
	char *d = m->chunks->data + (m->chunks->size - m->chunk_left);
	memcpy(d, key, len);
	d[len] = '\0';
	m->chunk_left -= len + 1;
	return d;
}

static struct rl_strmap_ent *slot(struct rl_strmap_ent *ents, size_t cap, const char *key,
				  size_t len)
{
	size_t i = (size_t)rl_hash64(key, len) & (cap - 1);
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
			     const struct rl_strmap_ent **found)
{
	*found = NULL;
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != RL_OK)
		return RL_ENOMEM;
	struct rl_strmap_ent *e = slot(m->ents, m->cap, key, len);
	if (e->key) {
		*found = e;
		return RL_OK;
	}
	char *copy = chunk_copy(m, key, len);
	if (!copy)
		return RL_ENOMEM;
	e->key = copy;
	e->val = val;
	m->n++;
	return RL_OK;
}

void rl_strmap_free(struct rl_strmap *m)
{
	if (!m)
		return;
	while (m->chunks) {
		struct rl_strmap_chunk *next = m->chunks->next;
		free(m->chunks);
		m->chunks = next;
	}
	free(m->ents);
	m->ents = NULL;
	m->cap = m->n = m->chunk_left = 0;
}

static enum rl_status keyset_grow(struct rl_keyset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint64_t *hash = calloc(cap, sizeof(*hash));
	uint32_t *line = malloc(cap * sizeof(*line));
	if (!hash || !line) {
		free(hash);
		free(line);
		return RL_ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->hash[i])
			continue;
		size_t j = s->hash[i] & (cap - 1);
		while (hash[j])
			j = (j + 1) & (cap - 1);
		hash[j] = s->hash[i];
		line[j] = s->line[i];
	}
	free(s->hash);
	free(s->line);
	s->hash = hash;
	s->line = line;
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
	while (s->hash[j] && s->hash[j] != h)
		j = (j + 1) & (s->cap - 1);
	if (s->hash[j]) {
		*first_line = s->line[j];
		return RL_OK;
	}
	s->hash[j] = h;
	s->line[j] = line;
	s->n++;
	return RL_OK;
}

void rl_keyset_free(struct rl_keyset *s)
{
	if (!s)
		return;
	free(s->hash);
	free(s->line);
	memset(s, 0, sizeof(*s));
}
