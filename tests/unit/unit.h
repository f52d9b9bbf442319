/*
 * unit.h - what the policy library's unit tests share: a sink that keeps
 * every message for exact comparison, scratch folders and files made the
 * way the loader trusts them, and in-memory policy loading.
 *
 * cmocka wants <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before
 * <cmocka.h>; this header includes them in that order.
 */
#ifndef RL_UNIT_H
#define RL_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rlimit_policy.h"

#define CAP_MAX_LINES 128
#define CAP_LINE_MAX 1024

/* Every message a sink received, in order. */
struct cap {
	size_t n;       /* lines kept */
	size_t dropped; /* lines past CAP_MAX_LINES */
	enum rl_severity sev[CAP_MAX_LINES];
	char line[CAP_MAX_LINES][CAP_LINE_MAX];
};

/* Empties c and returns a sink that appends to it. */
struct rl_sink cap_sink(struct cap *c);
/* How many lines of severity sev c holds. */
size_t cap_count(const struct cap *c, enum rl_severity sev);
/* Prints c to stderr (for a failing test's context). */
void cap_dump(const struct cap *c, const char *why);

/*
 * Asserts that c holds exactly the n lines of want, each of severity sev,
 * in order, and nothing else; prints what it got on a mismatch.
 */
void cap_expect_sev(const struct cap *c, enum rl_severity sev, const char *const *want, size_t n);
#define CAP_EXPECT_SEV(c, sev, ...)                                                                \
	do {                                                                                       \
		const char *const cap_want_[] = {__VA_ARGS__};                                     \
		cap_expect_sev((c), (sev), cap_want_, sizeof(cap_want_) / sizeof(cap_want_[0]));   \
	} while (0)
/* cap_expect_sev for error lines, the common case. */
void cap_expect(const struct cap *c, const char *const *want, size_t n);
#define CAP_EXPECT(c, ...) CAP_EXPECT_SEV((c), RL_SEV_ERROR, __VA_ARGS__)
/* Asserts that c holds no message at all; prints them otherwise. */
void cap_expect_none(const struct cap *c);

/*
 * Loads n in-memory documents as drop-ins named names[i] (new, add each,
 * finish) and returns the worst status; *out is the policy on RL_OK (the
 * caller frees it), NULL otherwise.  Messages go to c when not NULL.
 */
enum rl_status load_docs(const char *const *names, const char *const *docs, size_t n,
			 struct rl_ident *filter, struct rl_policy **out, struct cap *c);
/* One document named "t.yaml". */
enum rl_status load_doc(const char *doc, struct rl_policy **out, struct cap *c);
/* One document that must load; fails the test with its messages otherwise. */
struct rl_policy *must_load(const char *doc);
/*
 * rl_policy_load of conf and confdir (NULL meaning what it does in struct
 * rl_load_opts) with no filter and no index, trusting files of getuid()
 * as the unit tests make them; *out as there.  Messages go to c when not
 * NULL.
 */
enum rl_status load_files(const char *conf, const char *confdir, struct rl_policy **out,
			  struct cap *c);

/* The index of item in rl_items; fails the test when there is none. */
int item_index(const char *item);
/* splitmix64: a fixed seed gives the same sequence on every run. */
uint64_t splitmix64(uint64_t *state);

/* A fresh folder under $TMPDIR (or /tmp), made with mkdtemp; caller frees. */
char *tmp_dir(void);
/* Removes path and everything below it (no symlinks followed). */
void rm_rf(const char *path);
/*
 * Writes dir/name holding text with exactly mode (umask ignored); returns
 * the malloc'd path.
 */
char *write_file(const char *dir, const char *name, const char *text, size_t len, unsigned mode);
/* write_file of the string text with mode 0644. */
char *put_file(const char *dir, const char *name, const char *text);
/* Makes the folder dir/name with exactly mode (umask ignored); returns the malloc'd path. */
char *make_dir(const char *dir, const char *name, unsigned mode);
/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL if missing. */
char *read_text(const char *path, size_t *len);
/* malloc'd "a/b". */
char *path_join(const char *a, const char *b);

#endif
