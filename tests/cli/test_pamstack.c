/*
 * test_pamstack.c - cli/pamstack.c: the line reader and field splitter on
 * text (each libpam rule they follow, with the edge that shows it), the
 * loader on scratch folders (with each failure's exact diagnostic), and the
 * judge on stacks built by hand.  The report runs again with each of its
 * allocations failing in turn (malloc wrapped at link time, see cli.mk):
 * it must say so, return -1 or carry on, and leave nothing allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamstack.h"

/* ------------------------------------------------------------------
 * Allocations that fail on demand: -Wl,--wrap for every allocating call
 * cli/pamstack.c makes (glibc's fortified names too).
 */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

#define MAX_LIVE 8192
static struct {
	bool armed;
	unsigned long count, fail_at;
	bool injected;
	void *live[MAX_LIVE]; /* blocks handed out while armed, not freed yet */
	size_t nlive;
	bool overflow;
} fm;

static void fm_arm(unsigned long fail_at)
{
	memset(&fm, 0, sizeof(fm));
	fm.armed = true;
	fm.fail_at = fail_at;
}

static bool fm_fail(void)
{
	if (!fm.armed || ++fm.count != fm.fail_at)
		return false;
	fm.injected = true;
	return true;
}

static void fm_track(void *p)
{
	if (!fm.armed || !p)
		return;
	if (fm.nlive == MAX_LIVE)
		fm.overflow = true;
	else
		fm.live[fm.nlive++] = p;
}

static void fm_untrack(void *p)
{
	for (size_t i = 0; p && i < fm.nlive; i++) {
		if (fm.live[i] == p) {
			fm.live[i] = fm.live[--fm.nlive];
			return;
		}
	}
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	void *p = fm_fail() ? NULL : __real_malloc(n);
	fm_track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	void *p = fm_fail() ? NULL : __real_calloc(n, size);
	fm_track(p);
	return p;
}

void *__wrap_realloc(void *old, size_t n);
void *__wrap_realloc(void *old, size_t n)
{
	if (fm_fail())
		return NULL;
	void *p = __real_realloc(old, n);
	if (p) {
		fm_untrack(old);
		fm_track(p);
	}
	return p;
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	char *p = fm_fail() ? NULL : __real_strdup(s);
	fm_track(p);
	return p;
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
	fm_untrack(p);
	__real_free(p);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (fm_fail())
		return -1;
	int n = __real_vasprintf(out, fmt, ap);
	if (n >= 0)
		fm_track(*out);
	return n;
}

int __wrap___vasprintf_chk(char **out, int flag, const char *fmt, va_list ap);
int __wrap___vasprintf_chk(char **out, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return __wrap_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...);
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

int __wrap___asprintf_chk(char **out, int flag, const char *fmt, ...);
int __wrap___asprintf_chk(char **out, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int n = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

/* ------------------------------------------------------------------
 * Lines
 */

struct want_line {
	enum ps_read rd;
	const char *text; /* for PS_READ_LINE */
	unsigned first;
};

/* Reads all of text[0..len) and compares every result with want[0..n). */
static void lines_are(const char *text, size_t len, const struct want_line *want, size_t n)
{
	struct ps_reader r;
	ps_reader_init(&r, text, len);
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		unsigned first = 0;
		enum ps_read rd = ps_read_line(&r, &line, &first);
		if (rd != want[i].rd)
			fail_msg("line %zu: got result %d, want %d", i, rd, want[i].rd);
		if (rd == PS_READ_LINE && strcmp(line, want[i].text) != 0)
			fail_msg("line %zu: got \"%s\", want \"%s\"", i, line, want[i].text);
		if (rd != PS_READ_EOF && first != want[i].first)
			fail_msg("line %zu: first line %u, want %u", i, first, want[i].first);
	}
	ps_reader_free(&r);
}

#define LINES(text, ...)                                                                           \
	do {                                                                                       \
		const struct want_line w_[] = {__VA_ARGS__};                                       \
		lines_are((text), sizeof(text) - 1, w_, sizeof(w_) / sizeof(w_[0]));               \
	} while (0)
#define L(t, n)                                                                                    \
	{                                                                                          \
		PS_READ_LINE, (t), (n)                                                             \
	}
#define END                                                                                        \
	{                                                                                          \
		PS_READ_EOF, NULL, 0                                                               \
	}

static void test_lines_plain(void **state)
{
	(void)state;
	/* Leading blanks go, trailing ones too, comments and blank lines are skipped. */
	LINES("#%PAM-1.0\n\n  session required pam_unix.so  \n\t# note\nauth x y\n",
	      L("session required pam_unix.so", 3), L("auth x y", 5), END, END);
	/* No newline at the end of the file. */
	LINES("auth x y", L("auth x y", 1), END);
	LINES("", END);
	LINES("\n\n# only comments\n", END);
}

static void test_lines_comments(void **state)
{
	(void)state;
	/* '#' ends the content anywhere, even inside a word. */
	LINES("session optional pam_mail.so standard noenv # [1]\n",
	      L("session optional pam_mail.so standard noenv ", 1), END);
	LINES("auth x y#z\n", L("auth x y", 1), END);
	/* A comment ends a continued line, and a backslash after '#' continues nothing. */
	LINES("session x \\\n  y # c \\\nsession z\n", L("session x  y ", 1), L("session z", 3),
	      END);
	LINES("# c \\\nsession z\n", L("session z", 2), END);
}

static void test_lines_continued(void **state)
{
	(void)state;
	/*
	 * The backslash becomes a space; blanks after it are allowed.  (libpam
	 * keeps the next line's leading blanks too: blanks all the same.)
	 */
	LINES("session optional pam_echo.so a \\\n  b\n", L("session optional pam_echo.so a  b", 1),
	      END);
	LINES("session x\\ \t\ny\n", L("session x y", 1), END);
	/* Blank and comment lines inside a continuation are skipped (Linux-PAM 1.5). */
	LINES("session x \\\n\n# c\n  y\nauth z\n", L("session x  y", 1), L("auth z", 5), END);
	/* Three pieces: the line number is the first one's. */
	LINES("\n a\\\nb\\\nc\n", L("a b c", 2), END);
	/* A backslash inside the line is a character like any other. */
	LINES("auth a\\b c\n", L("auth a\\b c", 1), END);
}

static void test_lines_unfinished(void **state)
{
	(void)state;
	/* The file ends inside a continued line: libpam refuses the whole file. */
	LINES("auth x\nsession y \\\n", L("auth x", 1), {PS_READ_UNFINISHED, NULL, 2});
	LINES("session y \\\n\n# c\n", {PS_READ_UNFINISHED, NULL, 1});
	LINES("session y \\", {PS_READ_UNFINISHED, NULL, 1});
}

static void test_lines_bytes(void **state)
{
	(void)state;
	/* A CR is not a blank to libpam: it stays, and the module name with it. */
	LINES("session required pam_rlimit.so\r\n", L("session required pam_rlimit.so\r", 1), END);
	/* A blank line of a CRLF file is a line holding a CR. */
	LINES("\r\n", L("\r", 1), END);
	/* A NUL ends the line's text. */
	LINES("auth a\0b c\nauth d\n", L("auth a", 1), L("auth d", 2), END);
}

static void test_lines_long(void **state)
{
	(void)state;
	char text[PS_LINE_MAX + 40];
	struct ps_reader r;
	char *line;
	unsigned first;

	/* PS_LINE_MAX bytes with the newline fit libpam's buffer; one more does not. */
	for (size_t extra = 0; extra < 2; extra++) {
		size_t n = PS_LINE_MAX - 1 + extra;
		memset(text, 'a', n);
		memcpy(text, "auth ", 5);
		text[n] = '\n';
		memcpy(text + n + 1, "auth b\n", 7);
		ps_reader_init(&r, text, n + 8);
		assert_int_equal(ps_read_line(&r, &line, &first), PS_READ_LINE);
		assert_int_equal(strlen(line), n);
		assert_int_equal(r.long_line, extra == 1);
		assert_int_equal(ps_read_line(&r, &line, &first), PS_READ_LINE);
		assert_string_equal(line, "auth b");
		assert_false(r.long_line);
		assert_int_equal(first, 2);
		ps_reader_free(&r);
	}
}

/* ------------------------------------------------------------------
 * Fields
 */

static void test_token(void **state)
{
	(void)state;
	char s1[] = "  a\tb\n c  ";
	char *next = s1;
	assert_string_equal(ps_token(&next), "a");
	assert_string_equal(ps_token(&next), "b");
	assert_string_equal(ps_token(&next), "c");
	assert_null(ps_token(&next));
	assert_null(ps_token(&next));

	/* A bracket is one token, without its brackets; "\]" is a ']'. */
	char s2[] = "[success=1 default=ignore] pam_unix.so [a \\] b] tail";
	next = s2;
	assert_string_equal(ps_token(&next), "success=1 default=ignore");
	assert_string_equal(ps_token(&next), "pam_unix.so");
	assert_string_equal(ps_token(&next), "a ] b");
	assert_string_equal(ps_token(&next), "tail");
	assert_null(ps_token(&next));

	/* An unclosed bracket runs to the end; "[]" is an empty token; '[' inside stays. */
	char s3[] = "[x [y z";
	next = s3;
	assert_string_equal(ps_token(&next), "x [y z");
	assert_null(ps_token(&next));
	char s4[] = "[] b";
	next = s4;
	assert_string_equal(ps_token(&next), "");
	assert_string_equal(ps_token(&next), "b");
	char s5[] = "   ";
	next = s5;
	assert_null(ps_token(&next));
}

static void split(const char *text, struct ps_fields *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s", text);
	ps_split(buf, f);
}

static void test_split(void **state)
{
	(void)state;
	char buf[256];
	struct ps_fields f;

	split("session required pam_limits.so a=1 b", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_MODULE);
	assert_int_equal(f.type, PS_SESSION);
	assert_false(f.silent);
	assert_string_equal(f.control, "required");
	assert_string_equal(f.target, "pam_limits.so");
	assert_string_equal(f.args, "a=1 b");

	/* Types in any case, "-" before one, brackets in the control. */
	split("-SESSION [success=ok default=bad] pam_systemd.so", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_MODULE);
	assert_int_equal(f.type, PS_SESSION);
	assert_true(f.silent);
	assert_string_equal(f.control, "success=ok default=bad");
	assert_string_equal(f.target, "pam_systemd.so");
	assert_null(f.args);

	split("Auth include common-auth extra", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_INCLUDE);
	assert_int_equal(f.type, PS_AUTH);
	assert_string_equal(f.target, "common-auth");
	split("password SubStack x", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_SUBSTACK);
	assert_int_equal(f.type, PS_PASSWORD);
	split("-session include a", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_INCLUDE);
	assert_true(f.silent);
	split("account include", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_INCLUDE);
	assert_int_equal(f.type, PS_ACCOUNT);
	assert_null(f.target);

	split("@include common-session", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_AT_INCLUDE);
	assert_int_equal(f.type, -1);
	assert_string_equal(f.target, "common-session");
	split("@INCLUDE x y", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_AT_INCLUDE);
	assert_string_equal(f.target, "x");
	split("@include", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_AT_INCLUDE);
	assert_null(f.target);

	split("sesion required pam_rlimit.so", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_BAD_TYPE);
	assert_string_equal(f.word, "sesion");
	split("session\r", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_BAD_TYPE);
	split("-", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_BAD_TYPE);
	split("session", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_NO_CONTROL);
	assert_int_equal(f.type, PS_SESSION);
	split("session optional", &f, buf, sizeof(buf));
	assert_int_equal(f.kind, PS_K_MODULE);
	assert_null(f.target);
	assert_null(f.args);
	/* "[a b]" as a module name, as libpam reads it. */
	split("session required [a b] c", &f, buf, sizeof(buf));
	assert_string_equal(f.target, "a b");
	assert_string_equal(f.args, "c");
}

static void test_names(void **state)
{
	(void)state;
	static const char *const yes[] = {"sshd",     "su-l",         "systemd-user",
					  "polkit-1", "gdm-password", "other",
					  "a.b",      "commons",      "common"};
	static const char *const no[] = {"",
					 ".hidden",
					 "common-session",
					 "common-auth-pc",
					 "system-auth",
					 "postlogin",
					 "system-login",
					 "sshd.dpkg-old",
					 "sshd.dpkg-dist",
					 "sshd~",
					 "common-auth.pam-old",
					 "login.rpmnew",
					 "su.ucf-dist",
					 "x.swp",
					 "README",
					 "Sshd"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!ps_is_service_name(yes[i]))
			fail_msg("\"%s\" should be a service name", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (ps_is_service_name(no[i]))
			fail_msg("\"%s\" should not be a service name", no[i]);
	/* A suffix alone is a name. */
	assert_true(ps_is_service_name("~x"));
	assert_false(ps_is_service_name("~"));
	assert_true(ps_is_service_name(".bak") == false);
}

static void test_module_is(void **state)
{
	(void)state;
	assert_true(ps_module_is("pam_limits.so", "pam_limits.so"));
	assert_true(ps_module_is("/lib/x86_64-linux-gnu/security/pam_limits.so", "pam_limits.so"));
	assert_true(ps_module_is("./pam_limits.so", "pam_limits.so"));
	assert_false(ps_module_is("pam_limits.so.1", "pam_limits.so"));
	assert_false(ps_module_is("xpam_limits.so", "pam_limits.so"));
	assert_false(ps_module_is("pam_limits.so/", "pam_limits.so"));
	assert_false(ps_module_is("pam_rlimit.so\r", "pam_rlimit.so"));
}

static void test_setcred_table(void **state)
{
	(void)state;
	static const char *const after[] = {"sshd", "login", "cron", "atd"};
	static const char *const before[] = {"su",      "su-l",      "sudo",         "sudo-i",
					     "runuser", "runuser-l", "systemd-user", "other",
					     "crond",   "SSHD",      "sshd "};
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		if (!ps_setcred_after_open(after[i]))
			fail_msg("%s calls pam_setcred after pam_open_session", after[i]);
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if (ps_setcred_after_open(before[i]))
			fail_msg("%s is not in the table", before[i]);
}

/* ------------------------------------------------------------------
 * Loading, on scratch folders
 */

#define MAX_DIAG 32

struct diags {
	size_t n;
	char *msg[MAX_DIAG];
};

static void diag_keep(void *ctx, const char *msg)
{
	struct diags *d = ctx;
	if (d->n < MAX_DIAG)
		d->msg[d->n++] = strdup(msg);
}

static void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msg[i]);
	d->n = 0;
}

struct scratch {
	char root[64];
	char etc[96], usr[96]; /* root/etc, root/usr */
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	snprintf(s->root, sizeof(s->root), "%s", "/tmp/test_pamstack.XXXXXX");
	assert_non_null(mkdtemp(s->root));
	snprintf(s->etc, sizeof(s->etc), "%s/etc", s->root);
	snprintf(s->usr, sizeof(s->usr), "%s/usr", s->root);
	assert_int_equal(mkdir(s->etc, 0755), 0);
	assert_int_equal(mkdir(s->usr, 0755), 0);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	if (system(cmd) != 0)
		return -1;
	free(s);
	return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * Loads service from the scratch folders (etc, then usr) with the paths
 * shortened to "etc/NAME" and "usr/NAME", and compares its modules, as
 * "type module file:line" one a line, and its diagnostics with want.
 */
static void load_is(struct scratch *sc, const char *service, enum ps_state state, const char *mods,
		    const char *const *diags, size_t ndiags)
{
	const char *dirs[] = {"etc", "usr"};
	struct ps_service s;
	struct diags d = {0};
	char have[4096] = "";
	char cwd[256];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sc->root), 0);
	struct ps_tree *t = ps_tree_new(dirs, 2);
	assert_non_null(t);
	assert_int_equal(ps_service_load(t, service, &s, diag_keep, &d), 0);
	for (size_t i = 0; i < s.nmods; i++) {
		const struct ps_mod *m = &s.mods[i];
		size_t n = strlen(have);
		snprintf(have + n, sizeof(have) - n, "%s %s %s:%u%s%s%s\n", ps_type_names[m->type],
			 m->module, m->file, m->line, m->policy ? " [" : "",
			 m->policy ? m->policy : "", m->policy ? "]" : "");
	}
	if (strcmp(have, mods) != 0)
		fail_msg("%s: modules\n%s\nwant\n%s", service, have, mods);
	if (s.state != state)
		fail_msg("%s: state %d, want %d", service, s.state, state);
	for (size_t i = 0; i < d.n || i < ndiags; i++) {
		const char *h = i < d.n ? d.msg[i] : "(none)",
			   *w = i < ndiags ? diags[i] : "(none)";
		if (strcmp(h, w) != 0)
			fail_msg("%s: message %zu:\n  got  %s\n  want %s", service, i, h, w);
	}
	diags_free(&d);
	ps_service_free(&s);
	ps_tree_free(t);
	assert_int_equal(chdir(cwd), 0);
}

#define LOAD(sc, service, state, mods, ...)                                                        \
	do {                                                                                       \
		const char *const d_[] = {NULL, __VA_ARGS__};                                      \
		load_is((sc), (service), (state), (mods), d_ + 1, sizeof(d_) / sizeof(d_[0]) - 1); \
	} while (0)

static void test_load_types(void **state)
{
	struct scratch *sc = *state;
	/* "@include" passes on the type being included; at the top it takes every type. */
	put(sc->etc, "inc2", "session optional pam_a.so\nauth optional pam_b.so\n");
	put(sc->etc, "a", "@include inc2\n");
	put(sc->etc, "c", "session include a\n");
	put(sc->etc, "d", "@include a\naccount required pam_c.so\n");
	LOAD(sc, "c", PS_LOADED, "session pam_a.so etc/inc2:1\n");
	LOAD(sc, "d", PS_LOADED,
	     "session pam_a.so etc/inc2:1\nauth pam_b.so etc/inc2:2\naccount pam_c.so etc/d:2\n");
	/* substack and "-session include" read the same lines as include. */
	put(sc->etc, "e", "-session include inc2\npassword substack inc2\nsession substack inc2\n");
	LOAD(sc, "e", PS_LOADED, "session pam_a.so etc/inc2:1\nsession pam_a.so etc/inc2:1\n");
}

static void test_load_folders(void **state)
{
	struct scratch *sc = *state;
	/* A file in etc hides the one in usr; an include is looked for in etc, then usr. */
	put(sc->usr, "s", "session required pam_usr.so\n");
	put(sc->etc, "s", "session include only-usr\nsession include both\n");
	put(sc->usr, "only-usr", "session required pam_x.so\n");
	put(sc->usr, "both", "session required pam_usr-both.so\n");
	put(sc->etc, "both", "session required pam_etc-both.so\n");
	put(sc->usr, "v", "session include both\n");
	LOAD(sc, "s", PS_LOADED,
	     "session pam_x.so usr/only-usr:1\nsession pam_etc-both.so etc/both:1\n");
	LOAD(sc, "v", PS_LOADED, "session pam_etc-both.so etc/both:1\n");

	/* An absolute name is read as it is, in no folder. */
	char text[256];
	put(sc->root, "abs", "session required pam_abs.so\n");
	snprintf(text, sizeof(text), "session include %s/abs\n@include %s/nothere\n", sc->root,
		 sc->root);
	put(sc->etc, "ab", text);
	char mods[256], msg[256];
	snprintf(mods, sizeof(mods), "session pam_abs.so %s/abs:1\n", sc->root);
	snprintf(msg, sizeof(msg),
		 "etc/ab:2: @include %s/nothere: no such file: libpam cannot load the service",
		 sc->root);
	LOAD(sc, "ab", PS_BROKEN, mods, msg);
}

static void test_load_rlimit_args(void **state)
{
	struct scratch *sc = *state;
	/* The arguments that choose the policy files, the last of each, in one order. */
	put(sc->etc, "r",
	    "session required pam_rlimit.so\n"
	    "session required pam_rlimit.so debug noindex confdir=/d conf=/a conf=/b onerr=fail\n"
	    "session required /lib/security/pam_rlimit.so conf= index=/i [conf=/c d]\n"
	    "auth optional pam_rlimit.so debug\n"
	    "session required pam_limits.so conf=/x\n");
	LOAD(sc, "r", PS_LOADED,
	     "session pam_rlimit.so etc/r:1 []\n"
	     "session pam_rlimit.so etc/r:2 [conf=/b confdir=/d]\n"
	     "session /lib/security/pam_rlimit.so etc/r:3 [conf=/c d]\n"
	     "auth pam_rlimit.so etc/r:4 []\n"
	     "session pam_limits.so etc/r:5\n");
}

static void test_load_bad_lines(void **state)
{
	struct scratch *sc = *state;
	/* Bad lines are said and skipped; the service still loads. */
	put(sc->etc, "b",
	    "sesion required pam_rlimit.so\n"
	    "session\n"
	    "session optional\n"
	    "session include\n"
	    "auth substack\n"
	    "session required pam_ok.so\n");
	LOAD(sc, "b", PS_LOADED, "session pam_ok.so etc/b:6\n",
	     "etc/b:1: unknown module type \"sesion\": libpam makes the line a module that always "
	     "fails, in the auth stack",
	     "etc/b:2: no control and no module: libpam makes the line a module that always fails",
	     "etc/b:3: no module: libpam makes the line a module that always fails",
	     "etc/b:4: include without a file name: libpam makes the line a module that always "
	     "fails",
	     "etc/b:5: substack without a file name: libpam makes the line a module that always "
	     "fails");
	/* Inside "session include", an unknown type fails the session stack. */
	put(sc->etc, "bi", "x y z\n");
	put(sc->etc, "b2", "session include bi\n");
	LOAD(sc, "b2", PS_LOADED, "",
	     "etc/bi:1: unknown module type \"x\": libpam makes the line a module that always "
	     "fails, in the session stack");
	/* @include without a name: Debian 12's libpam crashes. */
	put(sc->etc, "b3", "session required pam_a.so\n@include\n");
	LOAD(sc, "b3", PS_BROKEN, "session pam_a.so etc/b3:1\n",
	     "etc/b3:2: @include without a file name: libpam cannot load the service");
}

static void test_load_missing(void **state)
{
	struct scratch *sc = *state;
	/* A missing include fails its line; a missing @include the whole service. */
	put(sc->etc, "m", "session include nothere\nsession required pam_after.so\n");
	LOAD(sc, "m", PS_LOADED, "session pam_after.so etc/m:2\n",
	     "etc/m:1: include nothere: no such file in etc or usr: libpam makes the line a "
	     "module that always fails");
	put(sc->etc, "m2", "@include nothere\nsession required pam_after.so\n");
	LOAD(sc, "m2", PS_BROKEN, "",
	     "etc/m2:1: @include nothere: no such file in etc or usr: libpam cannot load the "
	     "service");
	LOAD(sc, "none", PS_UNREAD, "", "none: no service file");
}

static void test_load_unfinished(void **state)
{
	struct scratch *sc = *state;
	/* Refused in the service file itself or an @include: the service; in an include: the line.
	 */
	put(sc->etc, "u", "session required pam_a.so\nsession required pam_b.so \\\n");
	LOAD(sc, "u", PS_BROKEN, "session pam_a.so etc/u:1\n",
	     "etc/u:2: the line goes on past the end of the file: libpam refuses the whole file");
	put(sc->etc, "u2", "session include u\nsession required pam_c.so\n");
	LOAD(sc, "u2", PS_LOADED, "session pam_a.so etc/u:1\nsession pam_c.so etc/u2:2\n",
	     "etc/u:2: the line goes on past the end of the file: libpam refuses the whole file");
	put(sc->etc, "u3", "@include u\nsession required pam_c.so\n");
	LOAD(sc, "u3", PS_BROKEN, "session pam_a.so etc/u:1\n",
	     "etc/u:2: the line goes on past the end of the file: libpam refuses the whole file");
}

static void test_load_loops(void **state)
{
	struct scratch *sc = *state;
	put(sc->etc, "self", "session required pam_a.so\nsession include self\n");
	LOAD(sc, "self", PS_BROKEN, "session pam_a.so etc/self:1\n",
	     "etc/self:2: include self: an include loop, etc/self is already being read: libpam "
	     "cannot load the service");
	put(sc->etc, "p", "@include q\n");
	put(sc->etc, "q", "auth required pam_q.so\nsession substack p\n");
	LOAD(sc, "p", PS_BROKEN, "auth pam_q.so etc/q:1\n",
	     "etc/q:2: substack p: an include loop, etc/p is already being read: libpam cannot "
	     "load the service");
	/* The same file twice, one after the other, is no loop. */
	put(sc->etc, "twice", "session include inc\nsession include inc\n");
	put(sc->etc, "inc", "session required pam_i.so\n");
	LOAD(sc, "twice", PS_LOADED, "session pam_i.so etc/inc:1\nsession pam_i.so etc/inc:1\n");
}

static void test_load_depth(void **state)
{
	struct scratch *sc = *state;
	char name[16], text[64];
	/* d0 includes d1 ... d15: 16 files, as deep as libpam goes; d16 is one too many. */
	for (int i = 0; i < PS_MAX_DEPTH; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		snprintf(text, sizeof(text), "session include d%d\nsession required pam_%d.so\n",
			 i + 1, i);
		put(sc->etc, name, text);
	}
	put(sc->etc, "d16", "session required pam_16.so\n");
	put(sc->etc, "d15", "session required pam_15.so\n");
	char want[2048] = "";
	for (int i = PS_MAX_DEPTH - 1; i >= 0; i--) {
		size_t n = strlen(want);
		snprintf(want + n, sizeof(want) - n, "session pam_%d.so etc/d%d:%d\n", i, i,
			 i == PS_MAX_DEPTH - 1 ? 1 : 2);
	}
	LOAD(sc, "d0", PS_LOADED, want);
	put(sc->etc, "d15", "session include d16\nsession required pam_15.so\n");
	want[0] = '\0';
	for (int i = PS_MAX_DEPTH - 1; i >= 0; i--) {
		size_t n = strlen(want);
		snprintf(want + n, sizeof(want) - n, "session pam_%d.so etc/d%d:2\n", i, i);
	}
	LOAD(sc, "d0", PS_LOADED, want,
	     "etc/d15:1: include d16: includes nested more than 16 deep: libpam makes the line a "
	     "module that always fails");
}

static void test_load_unread(void **state)
{
	struct scratch *sc = *state;
	char path[256];
	/* A folder where a file should be: not a file libpam can use either. */
	snprintf(path, sizeof(path), "%s/dir", sc->etc);
	assert_int_equal(mkdir(path, 0755), 0);
	put(sc->etc, "w", "session include dir\nsession required pam_w.so\n");
	LOAD(sc, "w", PS_UNREAD, "session pam_w.so etc/w:2\n",
	     "etc/dir: cannot read: Is a directory");
}

/* ------------------------------------------------------------------
 * Listing services
 */

static void test_list(void **state)
{
	struct scratch *sc = *state;
	const char *dirs[] = {"etc", "usr", "none"};
	char cwd[256], **names;
	size_t n, nread;
	struct diags d = {0};

	put(sc->etc, "sshd", "");
	put(sc->etc, "sshd.dpkg-old", "");
	put(sc->etc, "common-session", "");
	put(sc->etc, ".x", "");
	put(sc->usr, "sshd", "");
	put(sc->usr, "systemd-user", "");
	put(sc->usr, "a", "");
	snprintf(cwd, sizeof(cwd), "%s/sub", sc->etc);
	assert_int_equal(mkdir(cwd, 0755), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(sc->root), 0);
	struct ps_tree *t = ps_tree_new(dirs, 3);
	assert_non_null(t);
	assert_int_equal(ps_list_services(t, &names, &n, &nread, diag_keep, &d), 0);
	assert_int_equal(nread, 2); /* "none" is not there: no message */
	assert_int_equal(d.n, 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "sshd");
	assert_string_equal(names[2], "systemd-user");
	ps_names_free(names, n);
	ps_tree_free(t);

	/* A folder that is a file. */
	const char *bad[] = {"etc/sshd"};
	t = ps_tree_new(bad, 1);
	assert_non_null(t);
	assert_int_equal(ps_list_services(t, &names, &n, &nread, diag_keep, &d), 0);
	assert_int_equal(nread, 0);
	assert_int_equal(n, 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msg[0], "etc/sshd: cannot read the folder: Not a directory");
	diags_free(&d);
	ps_names_free(names, n);
	ps_tree_free(t);
	assert_int_equal(chdir(cwd), 0);
}

/* ------------------------------------------------------------------
 * Judging stacks built by hand
 */

/* A service whose modules are given as "type module[:policy]", in order. */
static void service_of(struct ps_service *s, const char *name, const char *const *spec, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->mods = calloc(n ? n : 1, sizeof(*s->mods));
	assert_non_null(s->mods);
	for (size_t i = 0; i < n; i++) {
		char type[16], module[64], policy[64] = "";
		assert_true(sscanf(spec[i], "%15s %63[^:]:%63s", type, module, policy) >= 2);
		for (int k = 0; k < PS_NTYPES; k++)
			if (strcmp(type, ps_type_names[k]) == 0)
				s->mods[i].type = (enum ps_type)k;
		s->has_type[s->mods[i].type] = true;
		s->mods[i].file = "f";
		s->mods[i].line = (unsigned)i + 1;
		s->mods[i].module = strdup(module);
		s->mods[i].policy = ps_module_is(module, "pam_rlimit.so") ? strdup(policy) : NULL;
	}
	s->nmods = n;
}

/* Judges name's stack spec; the pointers are checked as line numbers (0: NULL). */
static void judge_is(const char *name, const char *const *spec, size_t n, enum ps_verdict v,
		     unsigned first, unsigned last, unsigned limits, unsigned auth)
{
	struct ps_service s;
	struct ps_judgement j;
	service_of(&s, name, spec, n);
	ps_judge(&s, &j);
	unsigned got[4] = {j.first ? j.first->line : 0, j.last ? j.last->line : 0,
			   j.limits ? j.limits->line : 0, j.auth ? j.auth->line : 0};
	unsigned want[4] = {first, last, limits, auth};
	if (j.verdict != v)
		fail_msg("%s: verdict %d, want %d", name, j.verdict, v);
	for (int i = 0; i < 4; i++)
		if (got[i] != want[i])
			fail_msg("%s: pointer %d at line %u, want %u", name, i, got[i], want[i]);
	assert_int_equal(j.setcred_after_open, ps_setcred_after_open(name));
	ps_service_free(&s);
}

#define JUDGE(name, v, first, last, limits, auth, ...)                                             \
	do {                                                                                       \
		const char *const s_[] = {"session pam_dummy.so", __VA_ARGS__};                    \
		judge_is((name), s_ + 1, sizeof(s_) / sizeof(s_[0]) - 1, (v), (first), (last),     \
			 (limits), (auth));                                                        \
	} while (0)

static void test_judge(void **state)
{
	(void)state;
	JUDGE("su", PS_V_COVERED, 2, 2, 0, 0, "session pam_limits.so", "session pam_rlimit.so",
	      "session pam_systemd.so");
	/* sshd and cron: pam_limits later, put back at setcred when the auth stack has us. */
	JUDGE("sshd", PS_V_RESTORED, 2, 2, 3, 1, "auth pam_rlimit.so", "session pam_rlimit.so",
	      "session pam_limits.so");
	JUDGE("sshd", PS_V_UNDONE, 1, 1, 2, 0, "session pam_rlimit.so", "session pam_limits.so");
	/* su is not in the table: the auth stack's pam_rlimit does not help it. */
	JUDGE("su", PS_V_UNDONE, 2, 2, 3, 1, "auth pam_rlimit.so", "session pam_rlimit.so",
	      "session /lib/security/pam_limits.so", "session pam_limits.so");
	/* A pam_rlimit in another stack than auth or session counts for nothing. */
	JUDGE("cron", PS_V_UNDONE, 2, 2, 3, 0, "account pam_rlimit.so", "session pam_rlimit.so",
	      "session pam_limits.so");
	JUDGE("cron", PS_V_NOT_COVERED, 0, 0, 0, 1, "auth pam_rlimit.so", "session pam_limits.so");
	/* pam_limits in another stack does not matter. */
	JUDGE("su", PS_V_COVERED, 1, 1, 0, 0, "session pam_rlimit.so", "auth pam_limits.so");
	/* A second pam_rlimit after pam_limits puts the limits back. */
	JUDGE("su", PS_V_COVERED, 1, 3, 0, 0, "session pam_rlimit.so", "session pam_limits.so",
	      "session pam_rlimit.so");
	JUDGE("su", PS_V_UNDONE, 1, 2, 3, 0, "session pam_rlimit.so", "session pam_rlimit.so",
	      "session pam_limits.so", "session pam_limits.so");
	JUDGE("passwd", PS_V_NO_SESSION, 0, 0, 0, 0, "password pam_unix.so", "auth pam_unix.so");
	JUDGE("passwd", PS_V_NOT_COVERED, 0, 0, 0, 0, "session pam_limits.so");

	/* The state of the load comes first. */
	struct ps_service s;
	struct ps_judgement j;
	const char *const spec[] = {"session pam_rlimit.so"};
	service_of(&s, "x", spec, 1);
	s.state = PS_BROKEN;
	ps_judge(&s, &j);
	assert_int_equal(j.verdict, PS_V_BROKEN);
	s.state = PS_UNREAD;
	ps_judge(&s, &j);
	assert_int_equal(j.verdict, PS_V_UNREAD);
	/* A session line with no module (a failed include) is still a session stack. */
	s.state = PS_LOADED;
	s.nmods = 0;
	ps_judge(&s, &j);
	assert_int_equal(j.verdict, PS_V_NOT_COVERED);
	s.has_type[PS_SESSION] = false;
	ps_judge(&s, &j);
	assert_int_equal(j.verdict, PS_V_NO_SESSION);
	s.nmods = 1;
	ps_service_free(&s);
}

/* ------------------------------------------------------------------
 * Out of memory
 */

/* The report on the folders under root (every kind of file the loader meets). */
static int report_to(const char *root, FILE *out)
{
	const char *dirs[] = {"etc", "usr", "etc/sshd"}; /* the last is no folder */
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(root), 0);
	int rc = ps_report(dirs, 3, out, out);
	assert_int_equal(chdir(cwd), 0);
	return rc;
}

static void test_out_of_memory(void **state)
{
	struct scratch *sc = *state;
	char text[4096];
	put(sc->etc, "common-auth", "auth optional pam_rlimit.so\n");
	put(sc->etc, "common-session", "session required pam_rlimit.so conf=/a\n");
	put(sc->etc, "sshd",
	    "@include common-auth\n@include common-session\nsession required "
	    "pam_limits.so\n");
	put(sc->etc, "su",
	    "session include common-session\nsession required pam_rlimit.so\n"
	    "session required pam_limits.so\nsesion x y\n");
	put(sc->etc, "loop", "@include loop\n");
	put(sc->etc, "gone", "session include nothere\n");
	put(sc->usr, "cron", "session include common-session\nsession required \\\n");
	put(sc->usr, "passwd", "password required pam_unix.so\n");

	/* A clean run first: how many allocations, and what it says. */
	FILE *out = tmpfile();
	assert_non_null(out);
	fm_arm(0);
	int clean = report_to(sc->root, out);
	unsigned long total = fm.count;
	fm.armed = false;
	assert_int_equal(fm.nlive, 0);
	assert_true(clean > 0);
	assert_true(total > 50);
	fclose(out);

	for (unsigned long k = 1; k <= total; k++) {
		out = tmpfile();
		assert_non_null(out);
		fm_arm(k);
		int rc = report_to(sc->root, out);
		fm.armed = false;
		assert_true(fm.injected);
		rewind(out);
		size_t n = fread(text, 1, sizeof(text) - 1, out);
		text[n] = '\0';
		fclose(out);
		if (fm.nlive || fm.overflow)
			fail_msg("allocation %lu of %lu failing: %zu blocks left", k, total,
				 fm.nlive);
		/* Said and refused, or carried on with the text it could not show. */
		if (rc == -1 ? !strstr(text, "rlimit-policy: PAM: out of memory\n")
			     : !strstr(text, "(out of memory)"))
			fail_msg("allocation %lu of %lu failing: rc %d, said:\n%s", k, total, rc,
				 text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_plain),
	    cmocka_unit_test(test_lines_comments),
	    cmocka_unit_test(test_lines_continued),
	    cmocka_unit_test(test_lines_unfinished),
	    cmocka_unit_test(test_lines_bytes),
	    cmocka_unit_test(test_lines_long),
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_module_is),
	    cmocka_unit_test(test_setcred_table),
	    cmocka_unit_test_setup_teardown(test_load_types, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_folders, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_rlimit_args, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_bad_lines, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_missing, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unfinished, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_loops, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_depth, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unread, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_list, scratch_setup, scratch_teardown),
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test_setup_teardown(test_out_of_memory, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
