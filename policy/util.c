/*
 * util.c - the small helpers every file of the library uses: reporting,
 * growing arrays, copying strings, an arena, and the one hash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

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

const char *rl_status_str(enum rl_status st)
{
	switch (st) {
	case RL_OK:
		return "success";
	case RL_ENOMEM:
		return "out of memory";
	case RL_EINVALID:
		return "the policy is invalid";
	case RL_EUNTRUSTED:
		return "the policy is not trusted (owner, mode or file type)";
	case RL_EIO:
		return "the policy could not be read";
	case RL_ENOUSER:
		return "no such user";
	case RL_ENSS:
		return "the user or group database failed";
	case RL_ELOWER:
		return "a limit could not be lowered";
	case RL_EUSAGE:
		return "invalid arguments";
	case RL_ELOGINS:
		return "too many sessions";
	}
	return "unknown status";
}

const char *rl_errstr(int e, char *buf, size_t size)
{
	/* _GNU_SOURCE: the GNU strerror_r, which may return a static string. */
	return strerror_r(e, buf, size);
}

char *rl_strndup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

void *rl_grow(void *v, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / elem)
		return NULL;
	void *nv = realloc(v, ncap * elem);
	if (nv)
		*cap = ncap;
	return nv;
}

int rl_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a: short keys, and no adversary who can pick them but root. */
uint64_t rl_hash64(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* the 64-bit offset basis */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL; /* the 64-bit prime */
	}
	return h ? h : 1; /* 0 marks an empty slot of a keyset */
}

/*
 * Arena chunks start small, as a login keeps only the few rules of one
 * user, and double up to a cap, as "check" keeps every rule.
 */
#define ARENA_FIRST 4096
#define ARENA_MAX (64 * 1024)
#define ARENA_ALIGN 16

struct rl_arena_chunk {
	struct rl_arena_chunk *prev;
	size_t size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void *rl_arena_alloc(struct rl_arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0 || size > SIZE_MAX / 2)
		return NULL;
	if (!a->chunk || a->chunk->size - a->used < size) {
		size_t want = a->chunk ? a->chunk->size * 2 : ARENA_FIRST;
		if (want > ARENA_MAX)
			want = ARENA_MAX;
		if (want < size)
			want = size;
		struct rl_arena_chunk *c = malloc(sizeof(*c) + want);
		if (!c)
			return NULL;
		c->prev = a->chunk;
		c->size = want;
		a->chunk = c;
		a->used = 0;
	}
	void *p = a->chunk->data + a->used;
	a->used += size;
	return memset(p, 0, size);
}

char *rl_arena_strndup(struct rl_arena *a, const char *s, size_t len)
{
	char *d = rl_arena_alloc(a, len + 1);
	if (d)
		memcpy(d, s, len);
	return d;
}

void rl_arena_free(struct rl_arena *a)
{
	while (a->chunk) {
		struct rl_arena_chunk *prev = a->chunk->prev;
		free(a->chunk);
		a->chunk = prev;
	}
	a->used = 0;
}
