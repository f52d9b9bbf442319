/*
 * pamstack.h - for each PAM service, whether pam_rlimit runs when a session
 * opens and whether a later module (pam_limits) undoes its limits.  Three
 * layers, each usable alone: a pure line reader and field splitter, a
 * loader that flattens a service's files into each stack's modules, and a
 * pure judge of what a session stack does to the policy's limits.
 */
#ifndef RLIMIT_PAMSTACK_H
#define RLIMIT_PAMSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* libpam's folders, most important first: a service file in the first hides one in the second. */
#define PS_DEFAULT_DIRS                                                                            \
	{                                                                                          \
		"/etc/pam.d", "/usr/lib/pam.d"                                                     \
	}
#define PS_MAX_DIRS 8
/* libpam's PAM_SUBSTACK_MAX_LEVEL: how deep includes may nest. */
#define PS_MAX_DEPTH 16
/* Linux-PAM 1.5 reads a line into 1024 bytes. */
#define PS_LINE_MAX 1023
#define PS_FILE_MAX (1024 * 1024)

enum ps_type { PS_AUTH, PS_ACCOUNT, PS_PASSWORD, PS_SESSION, PS_NTYPES };
extern const char *const ps_type_names[PS_NTYPES];

/* ------------------------------------------------------------------
 * Lines: comments, blank lines and continuations, as libpam joins them.
 */

struct ps_reader {
	const char *text;
	size_t len, pos;
	unsigned line;  /* physical lines read so far */
	char *buf;      /* the line being assembled; owned by the reader */
	size_t cap;     /* allocated size of buf */
	bool long_line; /* the last line returned had a physical line over PS_LINE_MAX */
};

enum ps_read {
	PS_READ_LINE,       /* *line holds one logical line */
	PS_READ_EOF,        /* no more lines */
	PS_READ_UNFINISHED, /* the file ends inside a continued line: libpam refuses the file */
	PS_READ_NOMEM,
};

/* Reads text[0..len) (not copied: it must outlive the reader). */
void ps_reader_init(struct ps_reader *r, const char *text, size_t len);
/* Frees what the reader allocated; NULL-safe. */
void ps_reader_free(struct ps_reader *r);
/*
 * The next logical line: '#' ends a line's content; a line whose content
 * ends in a backslash (blanks after it allowed) goes on with the next line
 * that has content, the backslash becoming a space; blank and comment-only
 * lines are skipped, also inside a continuation, as Linux-PAM 1.5 does.
 * On PS_READ_LINE, *line points into the reader (valid until the next call;
 * the caller may change it in place) and *first is its first physical line,
 * 1-based.  On PS_READ_UNFINISHED, *first is the line that was continued.
 */
enum ps_read ps_read_line(struct ps_reader *r, char **line, unsigned *first);

/* ------------------------------------------------------------------
 * Fields of one line.
 */

/*
 * The next token of *next, as libpam's _pam_tokenize: blanks are space, tab
 * and newline; "[...]" is one token, stripped of its brackets, in which
 * "\]" stands for ']' (an unclosed one runs to the end).  Writes NULs into
 * the text.  Returns NULL when none is left.
 */
char *ps_token(char **next);

/* What a line is; a missing module or file name leaves target NULL. */
enum ps_kind {
	PS_K_MODULE,     /* type control module [args] */
	PS_K_INCLUDE,    /* type include file */
	PS_K_SUBSTACK,   /* type substack file */
	PS_K_AT_INCLUDE, /* @include file: every type, or the one being included */
	PS_K_BAD_TYPE,   /* the first word is no module type */
	PS_K_NO_CONTROL, /* a type and nothing else */
};

struct ps_fields {
	enum ps_kind kind;
	int type;            /* enum ps_type; -1 for @include and PS_K_BAD_TYPE */
	bool silent;         /* "-session": libpam says nothing when the module is missing */
	const char *word;    /* the first word, as written */
	const char *control; /* as written, brackets stripped; NULL when none */
	const char *target;  /* the module, or the file to include; NULL when none */
	char *args;          /* what follows the module, not yet split; NULL when nothing */
};

/* Splits line (in place, see ps_token) into f.  Pure. */
void ps_split(char *line, struct ps_fields *f);

/* ------------------------------------------------------------------
 * Services.
 */

/* One module line a stack runs, in order. */
struct ps_mod {
	enum ps_type type;
	const char *file; /* as the loader names it; owned by the tree */
	unsigned line;
	char *module; /* as written: a name or a path */
	char *policy; /* pam_rlimit only: the arguments that choose the policy, "" for none */
};

enum ps_state {
	PS_LOADED,
	PS_BROKEN, /* libpam cannot load the service: every call of it fails */
	PS_UNREAD, /* a file it needs could not be read here */
};

struct ps_service {
	char *name;
	const char *file; /* its own file; owned by the tree; NULL when it has none */
	enum ps_state state;
	bool has_type[PS_NTYPES]; /* a line of that type was read, module or not */
	struct ps_mod *mods;      /* every stack, in the order the lines are read */
	size_t nmods;
};

/* Frees what s holds (not s); NULL-safe. */
void ps_service_free(struct ps_service *s);

/* The folders and every file read from them, each read once. */
struct ps_tree;

/*
 * Says what went wrong in a file: "FILE:LINE: what" or "FILE: what",
 * already deduplicated by the caller if it wants.
 */
typedef void (*ps_diag_fn)(void *ctx, const char *msg);

/*
 * A tree over dirs[0..ndirs) (not copied: they must outlive it).  Returns
 * NULL when out of memory.  Free with ps_tree_free (NULL-safe).
 */
struct ps_tree *ps_tree_new(const char *const *dirs, size_t ndirs);
void ps_tree_free(struct ps_tree *t);

/*
 * The names of the services in the tree's folders, sorted, each once: every
 * regular file, but hidden ones, a package manager's or editor's copies
 * (sshd.dpkg-old, sshd~) and the files distributions keep only for
 * including (common-session, system-auth).  *names (malloc'd, each name
 * too) is for the caller to free with ps_names_free.  A folder that cannot
 * be read is said through diag; *ndirs_read counts those that were read.
 * Returns 0, or -1 when out of memory.
 */
int ps_list_services(struct ps_tree *t, char ***names, size_t *n, size_t *ndirs_read,
		     ps_diag_fn diag, void *ctx);
void ps_names_free(char **names, size_t n);
/*
 * Whether name is a service's: not hidden, not a backup, not a file kept
 * for including only, no capital letter (libpam lowercases service names).
 * Pure.
 */
bool ps_is_service_name(const char *name);

/*
 * Reads the service name as libpam does at pam_start: its file (the first
 * folder that has one), following include, substack and @include.  Fills
 * *s (the caller frees it with ps_service_free); problems in the files go
 * to diag.  Returns 0, or -1 when out of memory.
 */
int ps_service_load(struct ps_tree *t, const char *name, struct ps_service *s, ps_diag_fn diag,
		    void *ctx);

/* ------------------------------------------------------------------
 * What a session stack does to the limits.
 */

enum ps_verdict {
	PS_V_COVERED,     /* pam_rlimit runs, and what runs later leaves its limits */
	PS_V_RESTORED,    /* pam_limits runs later, and pam_setcred puts the limits back */
	PS_V_UNDONE,      /* pam_limits runs later, and nothing puts them back */
	PS_V_NOT_COVERED, /* no pam_rlimit in the session stack */
	PS_V_NO_SESSION,  /* the service's files have no session line */
	PS_V_BROKEN,      /* libpam cannot load the service */
	PS_V_UNREAD,      /* a file could not be read: not judged */
};

struct ps_judgement {
	enum ps_verdict verdict;
	const struct ps_mod *first;  /* the first pam_rlimit of the session stack */
	const struct ps_mod *last;   /* the last: the limits that stand are its */
	const struct ps_mod *limits; /* the first pam_limits after last */
	const struct ps_mod *auth;   /* the first pam_rlimit of the auth stack */
	bool
	    setcred_after_open; /* the service's program calls pam_setcred after pam_open_session */
};

/*
 * Whether the program behind service calls pam_setcred after
 * pam_open_session, so that the auth stack's pam_rlimit can put the limits
 * back after a later pam_limits.  Pure; a small table, see the man page.
 */
bool ps_setcred_after_open(const char *service);

/* Judges s.  Pointers in *j point into s.  Pure. */
void ps_judge(const struct ps_service *s, struct ps_judgement *j);

/* Whether module (a name or a path, as written) is name (pam_limits.so).  Pure. */
bool ps_module_is(const char *module, const char *name);

/* ------------------------------------------------------------------
 * The check.
 */

/*
 * Prints check's PAM section for dirs[0..ndirs): a line per service on
 * out, warnings on err, each once.  Returns the number of warnings, or -1
 * when out of memory (said on err).
 */
int ps_report(const char *const *dirs, size_t ndirs, FILE *out, FILE *err);

#endif
