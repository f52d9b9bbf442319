/*
 * pamstack.c - which PAM services run pam_rlimit, and what undoes it.
 * Services are read as Debian 12's libpam (Linux-PAM 1.5, with @include)
 * reads them: DESIGN.md, "How check reads the PAM stacks", lists the rules
 * followed and what is not followed (jumps, "sufficient", missing modules).
 */
#include "pamstack.h"
#include "rlimit_policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const ps_type_names[PS_NTYPES] = {"auth", "account", "password", "session"};

#define BLANKS " \t\n"

/* ------------------------------------------------------------------
 * Lines
 */

void ps_reader_init(struct ps_reader *r, const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->text = text;
	r->len = len;
}

void ps_reader_free(struct ps_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

/* Appends s[0..n) and then tail (NULL for none) to the line; false when out of memory. */
static bool line_add(struct ps_reader *r, size_t *used, const char *s, size_t n, const char *tail)
{
	size_t t = tail ? strlen(tail) : 0;
	if (*used + n + t + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		while (cap < *used + n + t + 1)
			cap *= 2;
		char *b = realloc(r->buf, cap);
		if (!b)
			return false;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + *used, s, n);
	memcpy(r->buf + *used + n, tail ? tail : "", t);
	*used += n + t;
	r->buf[*used] = '\0';
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

enum ps_read ps_read_line(struct ps_reader *r, char **line, unsigned *first)
{
	size_t used = 0;
	bool continued = false;

	r->long_line = false;
	while (r->pos < r->len) {
		const char *s = r->text + r->pos;
		const char *nl = memchr(s, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - s) + 1 : r->len - r->pos;
		r->pos += n;
		r->line++;
		/* libpam's string functions stop at a NUL. */
		size_t len = strnlen(s, n), b = 0;
		while (b < len && is_blank(s[b]))
			b++;
		if (b == len || s[b] == '#')
			continue; /* nothing here: not even the end of a continued line */
		if (!continued)
			*first = r->line;
		if (n > PS_LINE_MAX)
			r->long_line = true;
		const char *hash = memchr(s + b, '#', len - b);
		if (hash) {
			if (!line_add(r, &used, s + b, (size_t)(hash - s) - b, NULL))
				return PS_READ_NOMEM;
			*line = r->buf;
			return PS_READ_LINE;
		}
		size_t e = len;
		while (is_blank(s[e - 1]))
			e--; /* stops at s[b] at the latest */
		if (s[e - 1] == '\\') {
			if (!line_add(r, &used, s + b, e - 1 - b, " "))
				return PS_READ_NOMEM;
			continued = true;
			continue;
		}
		if (!line_add(r, &used, s + b, e - b, NULL))
			return PS_READ_NOMEM;
		*line = r->buf;
		return PS_READ_LINE;
	}
	return continued ? PS_READ_UNFINISHED : PS_READ_EOF;
}

/* ------------------------------------------------------------------
 * Fields
 */

char *ps_token(char **next)
{
	char *from = *next, *end;
	if (!from)
		return NULL;
	from += strspn(from, BLANKS);
	if (*from == '[') {
		/* One token to the first ']' not written "\]", which stands for ']'. */
		char *to;
		for (to = end = ++from; *end && *end != ']'; ++to, ++end) {
			if (end[0] == '\\' && end[1] == ']')
				++end;
			*to = *end;
		}
		if (to != end)
			*to = '\0';
	} else if (*from) {
		end = from + strcspn(from, BLANKS);
	} else {
		*next = NULL;
		return NULL;
	}
	if (*end)
		*end++ = '\0';
	*next = *end ? end : NULL;
	return from;
}

void ps_split(char *line, struct ps_fields *f)
{
	char *next = line;
	memset(f, 0, sizeof(*f));
	f->type = -1;
	f->kind = PS_K_BAD_TYPE;
	f->word = ps_token(&next);
	if (!f->word)
		return;
	if (strcasecmp(f->word, "@include") == 0) {
		f->kind = PS_K_AT_INCLUDE;
		f->target = ps_token(&next);
		return;
	}
	const char *t = f->word;
	if (*t == '-') {
		f->silent = true;
		t++;
	}
	for (int i = 0; i < PS_NTYPES; i++)
		if (strcasecmp(t, ps_type_names[i]) == 0)
			f->type = i;
	if (f->type < 0)
		return;
	f->control = ps_token(&next);
	if (!f->control) {
		f->kind = PS_K_NO_CONTROL;
		return;
	}
	if (strcasecmp(f->control, "include") == 0)
		f->kind = PS_K_INCLUDE;
	else if (strcasecmp(f->control, "substack") == 0)
		f->kind = PS_K_SUBSTACK;
	else
		f->kind = PS_K_MODULE;
	f->target = ps_token(&next);
	if (f->target && next)
		next += strspn(next, BLANKS);
	f->args = f->target && next && *next ? next : NULL;
}

/* ------------------------------------------------------------------
 * Files and folders
 */

struct ps_file {
	char *path; /* as named: FOLDER/NAME, or an absolute name as it is */
	char *text; /* the bytes, NUL-terminated */
	size_t len;
	int err; /* 0, or why it could not be read (ENOENT: it is not there) */
};

struct ps_tree {
	const char *const *dirs;
	size_t ndirs;
	struct ps_file **files; /* every file looked at, read or not */
	size_t nfiles, cap;
};

struct ps_tree *ps_tree_new(const char *const *dirs, size_t ndirs)
{
	struct ps_tree *t = calloc(1, sizeof(*t));
	if (t) {
		t->dirs = dirs;
		t->ndirs = ndirs;
	}
	return t;
}

void ps_tree_free(struct ps_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i]->path);
		free(t->files[i]->text);
		free(t->files[i]);
	}
	free(t->files);
	free(t);
}

/* path's bytes into f, or f->err; -1 when out of memory. */
static int file_read(struct ps_file *f)
{
	struct stat st;
	int rc = 0, fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		f->err = errno;
		return 0;
	}
	if (fstat(fd, &st) != 0) {
		f->err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		f->err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if (st.st_size > PS_FILE_MAX) {
		f->err = EFBIG;
		goto out;
	}
	if (!(f->text = malloc((size_t)st.st_size + 1))) {
		rc = -1;
		goto out;
	}
	while (f->len < (size_t)st.st_size) {
		ssize_t n = read(fd, f->text + f->len, (size_t)st.st_size - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->err = errno;
			goto out;
		}
		if (n == 0)
			break; /* it shrank: read what is there */
		f->len += (size_t)n;
	}
	f->text[f->len] = '\0';
out:
	close(fd);
	return rc;
}

/* The file at path, read the first time it is asked for; -1 when out of memory. */
static int file_at(struct ps_tree *t, const char *path, struct ps_file **out)
{
	for (size_t i = 0; i < t->nfiles; i++) {
		if (strcmp(t->files[i]->path, path) == 0) {
			*out = t->files[i];
			return 0;
		}
	}
	if (t->nfiles == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		struct ps_file **v = realloc(t->files, cap * sizeof(*v));
		if (!v)
			return -1;
		t->files = v;
		t->cap = cap;
	}
	struct ps_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path)) || file_read(f) != 0) {
		if (f) {
			free(f->path);
			free(f->text);
		}
		free(f);
		return -1;
	}
	t->files[t->nfiles++] = f;
	*out = f;
	return 0;
}

/*
 * name as libpam finds it: an absolute name as it is, else in the first
 * folder where it opens.  *out is that file; or, when no folder has one
 * that reads, the first that exists but cannot be read here; or NULL.
 * Returns -1 when out of memory.
 */
static int file_find(struct ps_tree *t, const char *name, struct ps_file **out)
{
	struct ps_file *f, *unread = NULL;
	*out = NULL;
	if (name[0] == '/') {
		if (file_at(t, name, &f) != 0)
			return -1;
		*out = f->err == ENOENT ? NULL : f;
		return 0;
	}
	for (size_t i = 0; i < t->ndirs; i++) {
		char *path;
		if (asprintf(&path, "%s/%s", t->dirs[i], name) < 0)
			return -1;
		int rc = file_at(t, path, &f);
		free(path);
		if (rc != 0)
			return -1;
		if (!f->err) {
			*out = f;
			return 0;
		}
		if (f->err != ENOENT && !unread)
			unread = f;
	}
	*out = unread;
	return 0;
}

/*
 * Files distributions keep for including only: reading them as services
 * would list every module twice.  Debian, Ubuntu and SUSE name theirs
 * common-*.
 */
static const char *const include_only[] = {
    "system-auth",  "password-auth",      "smartcard-auth",      "fingerprint-auth", "postlogin",
    "system-login", "system-local-login", "system-remote-login", "system-services",  "config-util",
};

/* What package managers and editors leave beside a file they replace or edit. */
static const char *const copy_suffixes[] = {
    "~",        ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak", ".dpkg-tmp",
    ".ucf-old", ".ucf-dist", ".ucf-new",   ".rpmnew",   ".rpmsave",  ".rpmorig",
    ".pam-old", ".bak",      ".orig",      ".swp",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

bool ps_is_service_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || name[0] == '.' || strncmp(name, "common-", 7) == 0)
		return false;
	/* pam_start lowercases the service's name: such a file is only ever included. */
	for (const char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			return false;
	for (size_t i = 0; i < NELEM(include_only); i++)
		if (strcmp(name, include_only[i]) == 0)
			return false;
	for (size_t i = 0; i < NELEM(copy_suffixes); i++) {
		size_t k = strlen(copy_suffixes[i]);
		if (n >= k && strcmp(name + n - k, copy_suffixes[i]) == 0)
			return false;
	}
	return true;
}

void ps_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the service names of folder dir to *v; -1 when out of memory, 1 when it cannot be read. */
static int list_dir(const char *dir, char ***v, size_t *n, size_t *cap, int *err)
{
	int rc = 0;
	DIR *d = opendir(dir);
	if (!d) {
		*err = errno;
		return 1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		char *path = NULL;
		bool seen = false;
		if (!ps_is_service_name(e->d_name))
			continue;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = strcmp((*v)[i], e->d_name) == 0;
		if (seen)
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			rc = -1;
			break;
		}
		bool regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
		if (!regular)
			continue;
		if (*n == *cap) {
			size_t c = *cap ? 2 * *cap : 32;
			char **w = realloc(*v, c * sizeof(*w));
			if (!w) {
				rc = -1;
				break;
			}
			*v = w;
			*cap = c;
		}
		if (!((*v)[*n] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		(*n)++;
	}
	closedir(d);
	return rc;
}

int ps_list_services(struct ps_tree *t, char ***names, size_t *n, size_t *ndirs_read,
		     ps_diag_fn diag, void *ctx)
{
	char **v = NULL, *msg;
	size_t cap = 0;
	*names = NULL;
	*n = 0;
	*ndirs_read = 0;
	for (size_t i = 0; i < t->ndirs; i++) {
		int err = 0, rc = list_dir(t->dirs[i], &v, n, &cap, &err);
		if (rc < 0)
			goto nomem;
		if (rc == 0) {
			(*ndirs_read)++;
		} else if (err != ENOENT) {
			if (asprintf(&msg, "%s: cannot read the folder: %s", t->dirs[i],
				     strerror(err)) < 0)
				goto nomem;
			diag(ctx, msg);
			free(msg);
		}
	}
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return 0;
nomem:
	ps_names_free(v, *n);
	*n = 0;
	return -1;
}

/* ------------------------------------------------------------------
 * Loading a service
 */

enum parse_rc {
	PARSE_OK,
	PARSE_REFUSED, /* libpam refuses this file: its includer's line fails */
	PARSE_BROKEN,  /* libpam cannot load the service at all */
	PARSE_NOMEM,
};

struct loader {
	struct ps_tree *t;
	struct ps_service *s;
	size_t cap; /* of s->mods */
	ps_diag_fn diag;
	void *ctx;
	const struct ps_file *chain[PS_MAX_DEPTH]; /* the files being read, the service's first */
	size_t depth;
	bool nomem;
};

__attribute__((format(printf, 2, 3))) static void say(struct loader *ld, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ld->nomem = true;
		return;
	}
	ld->diag(ld->ctx, msg);
	free(msg);
}

/* "etc/pam.d or usr/lib/pam.d", for messages; NULL when out of memory. */
static char *dirs_text(const char *const *dirs, size_t ndirs, const char *sep, const char *last)
{
	size_t size = 1;
	for (size_t i = 0; i < ndirs; i++)
		size += strlen(dirs[i]) + strlen(last) + strlen(sep);
	char *s = malloc(size);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < ndirs; i++) {
		if (i)
			strcat(s, i + 1 == ndirs ? last : sep);
		strcat(s, dirs[i]);
	}
	return s;
}

/*
 * The arguments of a pam_rlimit line that choose its policy files, as the
 * module reads them (the last of each wins, an empty value counts for
 * nothing), in one order; NULL when out of memory.  index= and noindex
 * are left out: a compiled policy is used only while it matches those
 * files, so the limits are the same.
 */
static char *policy_args(char *args)
{
	const char *conf = NULL, *confdir = NULL, *tok;
	while ((tok = ps_token(&args))) {
		if (strncmp(tok, "conf=", 5) == 0 && tok[5])
			conf = tok;
		else if (strncmp(tok, "confdir=", 8) == 0 && tok[8])
			confdir = tok;
	}
	const char *part[] = {conf, confdir};
	size_t size = 1;
	for (size_t i = 0; i < NELEM(part); i++)
		size += part[i] ? strlen(part[i]) + 1 : 0;
	char *s = malloc(size);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < NELEM(part); i++) {
		if (part[i] && s[0])
			strcat(s, " ");
		if (part[i])
			strcat(s, part[i]);
	}
	return s;
}

static int add_mod(struct loader *ld, const struct ps_file *f, unsigned line,
		   const struct ps_fields *fl)
{
	struct ps_service *s = ld->s;
	if (s->nmods == ld->cap) {
		size_t cap = ld->cap ? 2 * ld->cap : 32;
		struct ps_mod *v = realloc(s->mods, cap * sizeof(*v));
		if (!v)
			return -1;
		s->mods = v;
		ld->cap = cap;
	}
	struct ps_mod *m = &s->mods[s->nmods];
	memset(m, 0, sizeof(*m));
	m->type = (enum ps_type)fl->type;
	m->file = f->path;
	m->line = line;
	if (!(m->module = strdup(fl->target)))
		return -1;
	if (ps_module_is(m->module, "pam_rlimit.so") && !(m->policy = policy_args(fl->args))) {
		free(m->module);
		return -1;
	}
	s->nmods++;
	return 0;
}

static enum parse_rc parse(struct loader *ld, const struct ps_file *f, int want);

/*
 * The line at f:line includes name ("include", "substack" or "@include"
 * in how), for type want (-1: every type).
 */
static enum parse_rc include(struct loader *ld, const struct ps_file *f, unsigned line,
			     const char *how, const char *name, int want)
{
	bool at = how[0] == '@';
	const char *fails = at ? "libpam cannot load the service"
			       : "libpam makes the line a module that always fails";
	struct ps_file *g;

	if (!name) {
		say(ld, "%s:%u: %s without a file name: %s", f->path, line, how, fails);
		return at ? PARSE_BROKEN : PARSE_OK;
	}
	if (ld->depth == PS_MAX_DEPTH) {
		say(ld, "%s:%u: %s %s: includes nested more than %d deep: %s", f->path, line, how,
		    name, PS_MAX_DEPTH, fails);
		return at ? PARSE_BROKEN : PARSE_OK;
	}
	if (file_find(ld->t, name, &g) != 0)
		return PARSE_NOMEM;
	if (!g) {
		char *where =
		    name[0] == '/' ? NULL : dirs_text(ld->t->dirs, ld->t->ndirs, ", ", " or ");
		if (name[0] != '/' && !where)
			return PARSE_NOMEM;
		say(ld, "%s:%u: %s %s: no such file%s%s: %s", f->path, line, how, name,
		    where ? " in " : "", where ? where : "", fails);
		free(where);
		return at ? PARSE_BROKEN : PARSE_OK;
	}
	if (g->err) {
		say(ld, "%s: cannot read: %s", g->path, strerror(g->err));
		ld->s->state = PS_UNREAD;
		return PARSE_OK;
	}
	for (size_t i = 0; i < ld->depth; i++) {
		if (ld->chain[i] == g) {
			say(ld,
			    "%s:%u: %s %s: an include loop, %s is already being read: libpam "
			    "cannot load the service",
			    f->path, line, how, name, g->path);
			return PARSE_BROKEN;
		}
	}
	ld->chain[ld->depth++] = g;
	enum parse_rc rc = parse(ld, g, want);
	ld->depth--;
	if (rc == PARSE_REFUSED)
		return at ? PARSE_BROKEN : PARSE_OK;
	return rc;
}

/* f's lines of type want (-1: all) into the service. */
static enum parse_rc parse(struct loader *ld, const struct ps_file *f, int want)
{
	struct ps_reader r;
	enum parse_rc rc = PARSE_OK;
	char *line;
	unsigned no = 0;

	ps_reader_init(&r, f->text, f->len);
	for (;;) {
		struct ps_fields fl;
		enum ps_read rd = ps_read_line(&r, &line, &no);
		if (rd == PS_READ_EOF)
			break;
		if (rd == PS_READ_NOMEM) {
			rc = PARSE_NOMEM;
			break;
		}
		if (rd == PS_READ_UNFINISHED) {
			say(ld,
			    "%s:%u: the line goes on past the end of the file: libpam refuses "
			    "the whole file",
			    f->path, no);
			rc = PARSE_REFUSED;
			break;
		}
		if (r.long_line)
			say(ld,
			    "%s:%u: a line over %d bytes: Linux-PAM 1.5 reads it in pieces, "
			    "check as one line",
			    f->path, no, PS_LINE_MAX);
		ps_split(line, &fl);
		if (fl.kind == PS_K_AT_INCLUDE) {
			rc = include(ld, f, no, "@include", fl.target, want);
			if (rc != PARSE_OK)
				break;
			continue;
		}
		if (fl.kind == PS_K_BAD_TYPE) {
			say(ld,
			    "%s:%u: unknown module type \"%s\": libpam makes the line a module "
			    "that always fails, in the %s stack",
			    f->path, no, fl.word, ps_type_names[want < 0 ? PS_AUTH : want]);
			continue;
		}
		if (want >= 0 && fl.type != want)
			continue;
		ld->s->has_type[fl.type] = true;
		if (fl.kind == PS_K_NO_CONTROL) {
			say(ld,
			    "%s:%u: no control and no module: libpam makes the line a module "
			    "that always fails",
			    f->path, no);
		} else if (fl.kind == PS_K_INCLUDE || fl.kind == PS_K_SUBSTACK) {
			rc = include(ld, f, no, fl.kind == PS_K_INCLUDE ? "include" : "substack",
				     fl.target, fl.type);
			if (rc != PARSE_OK)
				break;
		} else if (!fl.target) {
			say(ld,
			    "%s:%u: no module: libpam makes the line a module that always "
			    "fails",
			    f->path, no);
		} else if (add_mod(ld, f, no, &fl) != 0) {
			rc = PARSE_NOMEM;
			break;
		}
	}
	ps_reader_free(&r);
	return ld->nomem ? PARSE_NOMEM : rc;
}

void ps_service_free(struct ps_service *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->mods[i].module);
		free(s->mods[i].policy);
	}
	free(s->mods);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

int ps_service_load(struct ps_tree *t, const char *name, struct ps_service *s, ps_diag_fn diag,
		    void *ctx)
{
	struct loader ld = {.t = t, .s = s, .diag = diag, .ctx = ctx};
	struct ps_file *f;

	memset(s, 0, sizeof(*s));
	if (!(s->name = strdup(name)) || file_find(t, name, &f) != 0)
		goto nomem;
	if (!f || f->err) {
		s->state = PS_UNREAD;
		if (f)
			say(&ld, "%s: cannot read: %s", f->path, strerror(f->err));
		else
			say(&ld, "%s: no service file", name);
		if (ld.nomem)
			goto nomem;
		return 0;
	}
	s->file = f->path;
	ld.chain[ld.depth++] = f;
	switch (parse(&ld, f, -1)) {
	case PARSE_OK:
		break;
	case PARSE_REFUSED:
	case PARSE_BROKEN:
		s->state = PS_BROKEN;
		break;
	case PARSE_NOMEM:
		goto nomem;
	}
	return 0;
nomem:
	ps_service_free(s);
	return -1;
}

/* ------------------------------------------------------------------
 * Judging
 */

bool ps_module_is(const char *module, const char *name)
{
	const char *slash = strrchr(module, '/');
	return strcmp(slash ? slash + 1 : module, name) == 0;
}

/*
 * The programs known to call pam_setcred after pam_open_session, so that
 * pam_rlimit's setcred hook runs after every session module; read in their
 * Debian 12 binaries and sources (rlimit-policy(1) says where each calls).
 */
static const char *const setcred_after_open[] = {"sshd", "login", "cron", "atd"};

bool ps_setcred_after_open(const char *service)
{
	for (size_t i = 0; i < NELEM(setcred_after_open); i++)
		if (strcmp(service, setcred_after_open[i]) == 0)
			return true;
	return false;
}

void ps_judge(const struct ps_service *s, struct ps_judgement *j)
{
	memset(j, 0, sizeof(*j));
	j->setcred_after_open = ps_setcred_after_open(s->name);
	for (size_t i = 0; i < s->nmods; i++) {
		const struct ps_mod *m = &s->mods[i];
		bool rlimit = ps_module_is(m->module, "pam_rlimit.so");
		if (m->type == PS_AUTH && rlimit && !j->auth)
			j->auth = m;
		if (m->type != PS_SESSION)
			continue;
		if (rlimit) {
			if (!j->first)
				j->first = m;
			j->last = m;
			j->limits = NULL;
		} else if (j->last && !j->limits && ps_module_is(m->module, "pam_limits.so")) {
			j->limits = m;
		}
	}
	if (s->state == PS_BROKEN)
		j->verdict = PS_V_BROKEN;
	else if (s->state == PS_UNREAD)
		j->verdict = PS_V_UNREAD;
	else if (!s->has_type[PS_SESSION])
		j->verdict = PS_V_NO_SESSION;
	else if (!j->first)
		j->verdict = PS_V_NOT_COVERED;
	else if (!j->limits)
		j->verdict = PS_V_COVERED;
	else if (j->auth && j->setcred_after_open)
		j->verdict = PS_V_RESTORED;
	else
		j->verdict = PS_V_UNDONE;
}

/* ------------------------------------------------------------------
 * The report
 */

struct report {
	FILE *out, *err;
	char **said; /* warnings printed, each once */
	size_t nsaid, cap;
	bool nomem;
};

/* s on f with controls shown as \xNN: file and service names come from folders. */
static void put_safe(FILE *f, const char *s)
{
	size_t size = RL_TEXT_SAFE_SIZE(strlen(s));
	char *buf = malloc(size);
	if (!buf) {
		fputs("(out of memory)", f);
		return;
	}
	fputs(rl_text_safe(s, buf, size), f);
	free(buf);
}

/* Prints msg as a warning unless it was printed already; takes msg. */
static void warn_take(struct report *rp, char *msg)
{
	for (size_t i = 0; i < rp->nsaid; i++) {
		if (strcmp(rp->said[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	fputs("rlimit-policy: warning: ", rp->err);
	put_safe(rp->err, msg);
	fputc('\n', rp->err);
	if (rp->nsaid == rp->cap) {
		size_t cap = rp->cap ? 2 * rp->cap : 16;
		char **v = realloc(rp->said, cap * sizeof(*v));
		if (!v) {
			free(msg);
			rp->nomem = true;
			return;
		}
		rp->said = v;
		rp->cap = cap;
	}
	rp->said[rp->nsaid++] = msg;
}

__attribute__((format(printf, 2, 3))) static void warn(struct report *rp, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		rp->nomem = true;
	else
		warn_take(rp, msg);
}

static void diag_warn(void *ctx, const char *msg)
{
	warn(ctx, "%s", msg);
}

/* What pam_rlimit's policy arguments say, for messages. */
static const char *policy_text(const struct ps_mod *m)
{
	return m->policy[0] ? m->policy : "the default policy";
}

/* The warnings about what runs after pam_rlimit in s's session stack. */
static void warn_later(struct report *rp, const struct ps_service *s, const struct ps_judgement *j)
{
	for (size_t i = 0; i < s->nmods; i++) {
		const struct ps_mod *m = &s->mods[i];
		if (m->type != PS_SESSION || m <= j->first ||
		    !ps_module_is(m->module, "pam_rlimit.so") ||
		    strcmp(m->policy, j->first->policy) == 0)
			continue;
		warn(rp,
		     "%s:%u: pam_rlimit runs again after %s:%u in the session stack of %s, "
		     "reading %s, not %s: the limits that stand are the later one's",
		     m->file, m->line, j->first->file, j->first->line, s->name, policy_text(m),
		     policy_text(j->first));
	}
	if (j->verdict != PS_V_UNDONE)
		return;
	for (const struct ps_mod *m = j->limits; m < s->mods + s->nmods; m++) {
		if (m->type != PS_SESSION || !ps_module_is(m->module, "pam_limits.so"))
			continue;
		if (j->setcred_after_open)
			warn(rp,
			     "%s:%u: pam_limits runs after pam_rlimit (%s:%u) in the session stack "
			     "of %s and sets every limit to PID 1's or limits.conf's; %s calls "
			     "pam_setcred after pam_open_session, so \"auth optional "
			     "pam_rlimit.so\" "
			     "in its auth stack puts them back",
			     m->file, m->line, j->last->file, j->last->line, s->name, s->name);
		else if (j->auth)
			warn(
			    rp,
			    "%s:%u: pam_limits runs after pam_rlimit (%s:%u) in the session stack "
			    "of %s and sets every limit to PID 1's or limits.conf's; the "
			    "pam_rlimit "
			    "of its auth stack (%s:%u) cannot put them back, as %s is not known to "
			    "call pam_setcred after pam_open_session: put pam_rlimit after "
			    "pam_limits",
			    m->file, m->line, j->last->file, j->last->line, s->name, j->auth->file,
			    j->auth->line, s->name);
		else
			warn(rp,
			     "%s:%u: pam_limits runs after pam_rlimit (%s:%u) in the session stack "
			     "of %s and sets every limit to PID 1's or limits.conf's: put "
			     "pam_rlimit "
			     "after pam_limits",
			     m->file, m->line, j->last->file, j->last->line, s->name);
	}
}

/* s's line of the report; false when out of memory. */
static bool print_service(struct report *rp, const struct ps_service *s,
			  const struct ps_judgement *j)
{
	char *line = NULL, *again = NULL;
	int n = 0;
	const struct ps_mod *f = j->first, *l = j->last;

	if (f && l != f && asprintf(&again, ", again at %s:%u", l->file, l->line) < 0)
		return false;
	switch (j->verdict) {
	case PS_V_COVERED:
		n = asprintf(&line, "%s: covered (%s:%u%s)", s->name, f->file, f->line,
			     again ? again : "");
		break;
	case PS_V_RESTORED:
		n = asprintf(
		    &line,
		    "%s: covered (%s:%u%s; pam_limits at %s:%u runs later, and pam_setcred "
		    "puts the limits back: %s:%u)",
		    s->name, f->file, f->line, again ? again : "", j->limits->file, j->limits->line,
		    j->auth->file, j->auth->line);
		break;
	case PS_V_UNDONE:
		n = asprintf(&line, "%s: undone by pam_limits at %s:%u (pam_rlimit at %s:%u)",
			     s->name, j->limits->file, j->limits->line, l->file, l->line);
		break;
	case PS_V_NOT_COVERED:
		n = asprintf(&line, "%s: not covered", s->name);
		break;
	case PS_V_NO_SESSION:
		n = asprintf(&line, "%s: no session stack", s->name);
		break;
	case PS_V_BROKEN:
		n = asprintf(&line, "%s: broken: libpam cannot load it", s->name);
		break;
	case PS_V_UNREAD:
		n = asprintf(&line, "%s: not checked: a file it needs cannot be read", s->name);
		break;
	}
	free(again);
	if (n < 0)
		return false;
	fputs("  ", rp->out);
	put_safe(rp->out, line);
	fputc('\n', rp->out);
	free(line);
	return true;
}

static void print_summary(struct report *rp, size_t nservices, const unsigned *count)
{
	static const struct {
		enum ps_verdict v;
		const char *what;
	} parts[] = {
	    {PS_V_UNDONE, "undone"},
	    {PS_V_NOT_COVERED, "not covered"},
	    {PS_V_BROKEN, "broken"},
	    {PS_V_UNREAD, "not checked"},
	    {PS_V_NO_SESSION, "without a session stack"},
	};
	fprintf(rp->out, "rlimit-policy: PAM: %zu service%s: %u covered", nservices,
		nservices == 1 ? "" : "s", count[PS_V_COVERED] + count[PS_V_RESTORED]);
	for (size_t i = 0; i < NELEM(parts); i++)
		if (count[parts[i].v])
			fprintf(rp->out, ", %u %s", count[parts[i].v], parts[i].what);
	fputc('\n', rp->out);
}

#define NVERDICTS (PS_V_UNREAD + 1)

int ps_report(const char *const *dirs, size_t ndirs, FILE *out, FILE *err)
{
	static const char *const defaults[] = PS_DEFAULT_DIRS;
	struct report rp = {.out = out, .err = err};
	struct ps_tree *t = NULL;
	struct ps_service *sv = NULL;
	char **names = NULL, *where = NULL;
	size_t n = 0, nread = 0, loaded = 0;
	unsigned count[NVERDICTS] = {0};
	bool any_rlimit = false, any_session = false;
	int rc = -1;

	if (ndirs == 0) {
		dirs = defaults;
		ndirs = NELEM(defaults);
	}
	if (!(t = ps_tree_new(dirs, ndirs)) || !(where = dirs_text(dirs, ndirs, ", ", ", ")))
		goto out;
	if (ps_list_services(t, &names, &n, &nread, diag_warn, &rp) != 0)
		goto out;
	if (nread == 0) {
		char * or = dirs_text(dirs, ndirs, ", ", " or ");
		if (! or)
			goto out;
		fputs("rlimit-policy: PAM: no folder ", out);
		put_safe(out, or);
		fputs(": libpam then reads /etc/pam.conf, which check does not read\n", out);
		free(or);
		rc = 0;
		goto out;
	}
	if (n && !(sv = calloc(n, sizeof(*sv))))
		goto out;
	/* All first: whether any stack has pam_rlimit decides the warnings. */
	for (; loaded < n; loaded++) {
		struct ps_judgement j;
		if (ps_service_load(t, names[loaded], &sv[loaded], diag_warn, &rp) != 0)
			goto out;
		ps_judge(&sv[loaded], &j);
		any_rlimit |= j.first != NULL;
		any_session |= j.verdict != PS_V_NO_SESSION;
	}
	fputs("rlimit-policy: PAM services in ", out);
	put_safe(out, where);
	fputs(":\n", out);
	for (size_t i = 0; i < n; i++) {
		struct ps_judgement j;
		ps_judge(&sv[i], &j);
		count[j.verdict]++;
		if (!print_service(&rp, &sv[i], &j))
			goto out;
		if (j.verdict == PS_V_NOT_COVERED && any_rlimit)
			warn(&rp,
			     "%s: pam_rlimit is not in the session stack of %s: its sessions "
			     "keep the limits they start with",
			     sv[i].file, sv[i].name);
		if (j.first)
			warn_later(&rp, &sv[i], &j);
	}
	if (any_session && !any_rlimit)
		warn(&rp, "pam_rlimit is in no session stack: no session gets the policy's limits");
	print_summary(&rp, n, count);
	rc = 0;
out:
	if (rc != 0 || rp.nomem) {
		fputs("rlimit-policy: PAM: out of memory\n", err);
		rc = -1;
	} else {
		rc = (int)rp.nsaid;
	}
	for (size_t i = 0; i < loaded; i++)
		ps_service_free(&sv[i]);
	free(sv);
	ps_names_free(names, n);
	ps_tree_free(t);
	free(where);
	for (size_t i = 0; i < rp.nsaid; i++)
		free(rp.said[i]);
	free(rp.said);
	return rc;
}
