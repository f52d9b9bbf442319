/*
 * common.h - what the fuzz targets share, so that each input means the same
 * to all of them: the documents a policy input is cut into and their names,
 * the fixed identities and hosts, loading, and reporting a broken invariant.
 * Define FUZZ_NAME (the target's name, for its messages) before including.
 */
#ifndef RLIMIT_FUZZ_COMMON_H
#define RLIMIT_FUZZ_COMMON_H

#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including common.h"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rlimit_policy.h"
#include "split.h"

#define MAX_DOCS 3

__attribute__((noreturn, format(printf, 1, 2))) static inline void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(FUZZ_NAME ": invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		fail("out of memory");
	return p;
}

/*
 * Writes b into the memfd *fd, made on the first call and then reused:
 * one descriptor for the whole run, however many inputs.
 */
static inline void fuzz_memfd(int *fd, const char *name, const void *b, size_t len)
{
	if (*fd < 0 && (*fd = memfd_create(name, MFD_CLOEXEC)) < 0)
		fail("memfd_create failed");
	if (ftruncate(*fd, 0) != 0 || (len && pwrite(*fd, b, len, 0) != (ssize_t)len))
		fail("cannot write %s to a memfd", name);
}

/* ------------------------------------------------------------------ */
/* A policy input: up to MAX_DOCS documents, the main file and drop-ins */

static const char *const doc_names[MAX_DOCS] = {
    "/etc/security/rlimit.yaml",
    "/etc/security/rlimit.d/10-fuzz.yaml",
    "/etc/security/rlimit.d/20-fuzz.yaml",
};

struct doc {
	char *text; /* an exact-size copy, so ASan sees any read past it */
	size_t len;
	unsigned max_line; /* no position in this document can be past it */
};

struct input {
	struct doc docs[MAX_DOCS];
	size_t ndocs;
};

/*
 * libyaml counts a line at \n, \r, \r\n, NEL (C2 85), LS and PS (E2 80 A8/A9):
 * counting each \n, \r, 0x85 and 0xE2 byte is a bound that is never low.
 * Its end of stream starts one more line when the last has no line break.
 */
static inline unsigned line_bound(const char *s, size_t len)
{
	unsigned n = 2;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == 0x85 || c == 0xE2)
			n++;
	}
	return n;
}

static inline void split_input(const uint8_t *data, size_t size, struct input *in)
{
	struct fuzz_part parts[MAX_DOCS];
	memset(in, 0, sizeof(*in));
	in->ndocs = fuzz_split(data, size, MAX_DOCS, parts);
	for (size_t i = 0; i < in->ndocs; i++) {
		struct doc *d = &in->docs[i];
		d->len = parts[i].len;
		d->text = xmalloc(d->len);
		if (d->len)
			memcpy(d->text, parts[i].p, d->len);
		d->max_line = line_bound(d->text, d->len);
	}
}

static inline void free_input(struct input *in)
{
	for (size_t i = 0; i < in->ndocs; i++)
		free(in->docs[i].text);
}

/*
 * add_buffer for each document into *p (filtered for filter), then finish,
 * as rl_policy_load does; the diagnostics go to sink.  Returns RL_OK or
 * RL_EINVALID, the only statuses a buffer may give; *p is the caller's.
 */
static inline enum rl_status load_docs(const struct input *in, struct rl_ident *filter,
				       const struct rl_sink *sink, struct rl_policy **p)
{
	enum rl_status worst = RL_OK;
	if (rl_policy_new(filter, p) != RL_OK)
		fail("rl_policy_new failed");
	for (size_t i = 0; i < in->ndocs; i++) {
		enum rl_status st =
		    rl_policy_add_buffer(*p, doc_names[i], in->docs[i].text, in->docs[i].len, sink);
		if (st != RL_OK && st != RL_EINVALID)
			fail("rl_policy_add_buffer returned %d", (int)st);
		if (st != RL_OK)
			worst = st;
	}
	enum rl_status st = rl_policy_finish(*p, sink);
	if (st != RL_OK && st != RL_EINVALID)
		fail("rl_policy_finish returned %d", (int)st);
	return st != RL_OK ? st : worst;
}

/* ------------------------------------------------------------------ */
/* Identities and hosts */

enum { ID_ROOT, ID_ALICE, ID_BOB, ID_N };

/* ids[0..ID_N): the fixed identities, each aimed at some kinds of rule. */
static inline void make_idents(struct rl_ident *ids)
{
	/* root: groups never apply to it, so give it some to ignore */
	static const gid_t root_gids[] = {10, 3001};
	/* alice: in uid:2000-2999, named groups with gids */
	static const gid_t alice_gids[] = {100};
	/* bob: gid rules only (gid:N, gid:N-M), and one name without a gid */
	static const gid_t bob_gids[] = {3999, 4000, 65534};
	if (rl_ident_make("root", 0, 0, root_gids, 2, &ids[ID_ROOT]) != RL_OK ||
	    rl_ident_add_group(&ids[ID_ROOT], "root", true, 0) != RL_OK ||
	    rl_ident_add_group(&ids[ID_ROOT], "research", true, 3001) != RL_OK ||
	    rl_ident_make("alice", 2001, 2001, alice_gids, 1, &ids[ID_ALICE]) != RL_OK ||
	    rl_ident_add_group(&ids[ID_ALICE], "research", true, 3001) != RL_OK ||
	    rl_ident_add_group(&ids[ID_ALICE], "students", true, 3500) != RL_OK ||
	    rl_ident_add_group(&ids[ID_ALICE], "users", true, 100) != RL_OK ||
	    rl_ident_make("bob", 1000, 3000, bob_gids, 3, &ids[ID_BOB]) != RL_OK ||
	    rl_ident_add_group(&ids[ID_BOB], "staff", false, 0) != RL_OK)
		fail("cannot build the identities");
}

/* Linear searches, not the library's binary ones: the harness reads for itself. */
static inline bool has_gid(const struct rl_ident *id, uint64_t g)
{
	for (size_t i = 0; i < id->ngids; i++) {
		if (id->gids[i] == g)
			return true;
	}
	return false;
}

static inline bool any_gid_in(const struct rl_ident *id, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < id->ngids; i++) {
		if (id->gids[i] >= lo && id->gids[i] <= hi)
			return true;
	}
	return false;
}

static inline bool has_gname(const struct rl_ident *id, const char *name)
{
	for (size_t i = 0; i < id->ngnames; i++) {
		if (strcmp(id->gnames[i], name) == 0)
			return true;
	}
	return false;
}

static const struct rl_host hosts[] = {
    {.ram_bytes = 16ULL << 30, .nr_open = 1048576},
    /* percentages at the edge of 128-bit math */
    {.ram_bytes = UINT64_MAX, .nr_open = 1024},
};
#define NHOSTS (sizeof(hosts) / sizeof(hosts[0]))

#endif
