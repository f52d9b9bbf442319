/*
 * files.c - finding, trusting, opening and reading the policy files, each
 * handed to the parser.
 *
 * A file is trusted the way doas and pam-u2f trust theirs, on a descriptor
 * (no check-then-open race): not a regular file owned by root and closed to
 * writers other than root, refused; the size is capped.  And what would be
 * refused is never opened, since opening a device can have side effects:
 * see open_checked.  A folder is listed as one snapshot: see list_dir.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_int.h"

#define DEFAULT_CONF "/etc/security/rlimit.yaml"
#define DEFAULT_CONFDIR "/etc/security/rlimit.d"
#define MAX_DROPINS 4096
/*
 * The listing buffer: sized from the folder, at least LIST_MIN, grown up to
 * LIST_MAX (some 100,000 names); a folder that moves while it is listed in
 * several calls is listed again, LIST_TRIES times in all.
 */
#define LIST_MIN (32 * 1024)
#define LIST_MAX (4 * 1024 * 1024)
#define LIST_TRIES 4

/* The worst of two statuses, for a load that keeps going to report all. */
static enum rl_status worse(enum rl_status a, enum rl_status b)
{
	static const enum rl_status order[] = {RL_ENOMEM, RL_EUNTRUSTED, RL_ENSS, RL_EIO,
					       RL_EINVALID};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (a == order[i] || b == order[i])
			return order[i];
	}
	return a != RL_OK ? a : b;
}

/* Failures after which reading more files cannot change the outcome. */
static bool stops_load(enum rl_status st)
{
	return st == RL_ENOMEM || st == RL_ENSS;
}

/* What the loader needs besides the paths. */
struct load_ctx {
	uid_t trusted;       /* owner trusted besides root, or (uid_t)-1 */
	bool read_untrusted; /* see rl_load_opts */
	bool note_ignored;   /* see rl_load_opts */
	const struct rl_sink *sink;
};

static bool right_type(const struct stat *st, bool dir)
{
	return dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode);
}

/*
 * Checks a descriptor's type, owner and mode, and reports each problem
 * (a wrong owner and a loose mode are both said).  RL_OK or RL_EUNTRUSTED.
 */
static enum rl_status trust(const char *path, const struct stat *st, bool dir,
			    const struct load_ctx *cx)
{
	enum rl_status res = RL_OK;
	if (!right_type(st, dir)) {
		rl_report(cx->sink, RL_SEV_ERROR, "%s: refused: not a %s", path,
			  dir ? "directory" : "regular file");
		return RL_EUNTRUSTED;
	}
	if (st->st_uid != 0 && (cx->trusted == (uid_t)-1 || st->st_uid != cx->trusted)) {
		rl_report(cx->sink, RL_SEV_ERROR, "%s: refused: owned by uid %u, not root", path,
			  (unsigned)st->st_uid);
		res = RL_EUNTRUSTED;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		rl_report(cx->sink, RL_SEV_ERROR,
			  "%s: refused: writable by %s (mode %04o); run chmod go-w on it", path,
			  (st->st_mode & S_IWOTH) ? "others" : "its group",
			  (unsigned)(st->st_mode & 07777));
		res = RL_EUNTRUSTED;
	}
	return res;
}

/*
 * pfd, an O_PATH descriptor of a checked file or folder, opened for
 * reading; -1 and errno otherwise.  A folder is opened as ".", a file
 * through /proc/self/fd: both give the very inode pfd holds, whatever its
 * name is now.  Opening the name again could open what was swapped in.
 */
static int reopen(int pfd, bool dir)
{
	char proc[32];
	if (dir)
		return openat(pfd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	return open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/*
 * Opens name (relative to dirfd) and checks it, never opening what it
 * refuses: O_PATH follows links (the docs allow them) and opens nothing, so
 * no device driver runs and no FIFO waits; fstat decides; reopen.  *fd is
 * -1 unless RL_OK, or RL_EUNTRUSTED for a file of the right type when
 * cx->read_untrusted (read for its errors; the status stays).  A missing
 * name is RL_OK when not required, an error when required.
 */
static enum rl_status open_checked(int dirfd, const char *name, const char *shown, bool dir,
				   bool required, int *fd, struct stat *st,
				   const struct load_ctx *cx)
{
	const struct rl_sink *sink = cx->sink;
	char eb[RL_ERRSTR_SIZE];
	enum rl_status res;
	struct stat now;
	*fd = -1;
	int pfd = openat(dirfd, name, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		if (errno == ENOENT) {
			if (!required)
				return RL_OK;
			rl_report(sink, RL_SEV_ERROR, "%s: no such %s", shown,
				  dir ? "directory" : "file");
			return RL_EIO;
		}
		rl_report(sink, RL_SEV_ERROR, "%s: cannot open: %s", shown,
			  rl_errstr(errno, eb, sizeof(eb)));
		return RL_EIO;
	}
	if (fstat(pfd, st) != 0) {
		rl_report(sink, RL_SEV_ERROR, "%s: cannot stat: %s", shown,
			  rl_errstr(errno, eb, sizeof(eb)));
		res = RL_EIO;
		goto out;
	}
	res = trust(shown, st, dir, cx);
	if (res != RL_OK && !(cx->read_untrusted && right_type(st, dir)))
		goto out;
	int f = reopen(pfd, dir);
	if (f < 0) {
		int e = errno;
		if (!dir && e == ENOENT && access("/proc/self/fd", F_OK) != 0)
			rl_report(sink, RL_SEV_ERROR,
				  "%s: cannot open: /proc is not mounted, and without it a "
				  "checked file cannot be opened safely",
				  shown);
		else
			rl_report(sink, RL_SEV_ERROR, "%s: cannot open: %s", shown,
				  rl_errstr(e, eb, sizeof(eb)));
		res = RL_EIO;
		goto out;
	}
	/* The same inode, by construction; a /proc that is not the kernel's is not. */
	if (fstat(f, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		rl_report(sink, RL_SEV_ERROR, "%s: refused: it changed while it was opened", shown);
		close(f);
		res = RL_EUNTRUSTED;
		goto out;
	}
	*st = now;
	*fd = f;
out:
	close(pfd);
	return res;
}

/*
 * Reads all of fd (at most RL_MAX_FILE_SIZE) into a malloc'd buffer the
 * caller frees.  hint, the size fstat saw, sizes the buffer; the read goes
 * on past it in case the file grew.
 */
static enum rl_status read_all(int fd, const char *shown, size_t hint, char **buf, size_t *len,
			       const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	size_t cap = hint < 4096 ? 4096 : hint + 1, n = 0;
	enum rl_status st = RL_OK;
	char *b = malloc(cap);
	*buf = NULL;
	if (!b)
		return RL_ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > RL_MAX_FILE_SIZE) {
				rl_report(sink, RL_SEV_ERROR, "%s: refused: larger than %d bytes",
					  shown, RL_MAX_FILE_SIZE);
				st = RL_EUNTRUSTED;
				goto out;
			}
			size_t ncap =
			    cap * 2 > RL_MAX_FILE_SIZE + 1 ? RL_MAX_FILE_SIZE + 1 : cap * 2;
			char *nb = realloc(b, ncap);
			if (!nb) {
				st = RL_ENOMEM;
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rl_report(sink, RL_SEV_ERROR, "%s: cannot read: %s", shown,
				  rl_errstr(errno, eb, sizeof(eb)));
			st = RL_EIO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	return st;
}

/* Loads one file (name relative to dirfd) into p. */
static enum rl_status load_file(struct rl_policy *p, int dirfd, const char *name, const char *shown,
				bool required, const struct load_ctx *cx)
{
	int fd;
	struct stat st;
	enum rl_status st_open = open_checked(dirfd, name, shown, false, required, &fd, &st, cx);
	if (fd < 0)
		return st_open;
	if (st.st_size > RL_MAX_FILE_SIZE) {
		rl_report(cx->sink, RL_SEV_ERROR, "%s: refused: larger than %d bytes", shown,
			  RL_MAX_FILE_SIZE);
		close(fd);
		return RL_EUNTRUSTED;
	}
	char *buf;
	size_t len;
	enum rl_status rs = read_all(fd, shown, (size_t)st.st_size, &buf, &len, cx->sink);
	close(fd);
	if (rs == RL_OK) {
		rs = rl_policy_add_buffer(p, shown, buf, len, cx->sink);
		free(buf);
	}
	return worse(st_open, rs);
}

static bool dropin_name(const char *n)
{
	size_t len = strlen(n);
	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".yaml") == 0;
}

/*
 * A name that is not read but looks meant to be: 50-lab.yml, 50-lab.YAML,
 * 50-lab.yaml~, 50-lab.yaml.dpkg-old.  Hidden names (editor swap files) and
 * others (a README) are ignored in silence.
 */
static bool looks_like_dropin(const char *n)
{
	return n[0] != '.' && (strcasestr(n, ".yaml") || strcasestr(n, ".yml"));
}

/* A growing list of names, each malloc'd. */
struct namelist {
	char **v;
	size_t n, cap;
};

static enum rl_status namelist_add(struct namelist *l, const char *name)
{
	char **nv = rl_grow(l->v, l->n, &l->cap, sizeof(*nv));
	if (!nv)
		return RL_ENOMEM;
	l->v = nv;
	if (!(l->v[l->n] = rl_strndup(name, strlen(name))))
		return RL_ENOMEM;
	l->n++;
	return RL_OK;
}

static void namelist_sort(struct namelist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), rl_name_cmp);
}

static void namelist_free(struct namelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* What goes between a (non-empty) folder name and a name in it. */
static const char *sep_after(const char *dir)
{
	return dir[strlen(dir) - 1] == '/' ? "" : "/";
}

/* dir and name joined for messages, malloc'd. */
static char *shown_path(const char *dir, const char *name)
{
	size_t need = strlen(dir) + strlen(name) + 2;
	char *shown = malloc(need);
	if (shown)
		snprintf(shown, need, "%s%s%s", dir, sep_after(dir), name);
	return shown;
}

/* Puts each name of the records in buf[0..len) in ins (drop-ins) or outs (noted). */
static enum rl_status take_names(const char *buf, size_t len, struct namelist *ins,
				 struct namelist *outs, const char *dir, const struct load_ctx *cx)
{
	enum rl_status res = RL_OK;
	for (size_t off = 0; off < len && res == RL_OK;) {
		const struct dirent64 *de = (const struct dirent64 *)(const void *)(buf + off);
		off += de->d_reclen;
		if (!dropin_name(de->d_name)) {
			if (cx->note_ignored && looks_like_dropin(de->d_name) &&
			    outs->n < MAX_DROPINS)
				res = namelist_add(outs, de->d_name);
		} else if (ins->n == MAX_DROPINS) {
			rl_report(cx->sink, RL_SEV_ERROR, "%s: more than %d drop-ins", dir,
				  MAX_DROPINS);
			res = RL_EINVALID;
		} else {
			res = namelist_add(ins, de->d_name);
		}
	}
	return res;
}

/* Whether a folder's fstat says it did not change between a and b. */
static bool same_folder(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_nlink == b->st_nlink && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The names in the folder open on fd, as one snapshot, into ins and outs.
 * readdir over several getdents calls can miss a name renamed between two
 * of them: half a policy.  One call, which the kernel makes with the folder
 * locked, is a snapshot: the buffer is sized, and grown, for the whole
 * folder.  Past LIST_MAX, or on a file system that answers in pieces, a
 * listing counts only if the folder's fstat did not move meanwhile, else it
 * is done again; after LIST_TRIES, refused.  (fstat's times are as fine as
 * the kernel keeps them: since Linux 6.13, fine enough.)
 */
static enum rl_status list_dir(int fd, const char *dir, const struct stat *st, struct namelist *ins,
			       struct namelist *outs, const struct load_ctx *cx)
{
	char eb[RL_ERRSTR_SIZE];
	enum rl_status res = RL_OK;
	/* Room for the records of every entry st_size counts, whatever their size. */
	size_t cap = st->st_size > 0 && (uint64_t)st->st_size < LIST_MAX / 2
			 ? 2 * (size_t)st->st_size + sizeof(struct dirent64)
			 : LIST_MAX;
	if (cap < LIST_MIN)
		cap = LIST_MIN;
	if (cap > LIST_MAX)
		cap = LIST_MAX;
	char *buf = malloc(cap);
	if (!buf)
		return RL_ENOMEM;
	for (int tries = 1;;) {
		struct stat before, after;
		unsigned calls = 0;
		size_t total = 0;
		bool full = false; /* a call may have stopped for want of room */
		namelist_free(ins);
		namelist_free(outs);
		*ins = *outs = (struct namelist){0};
		if (fstat(fd, &before) != 0 || lseek(fd, 0, SEEK_SET) != 0)
			goto failed;
		for (;;) {
			ssize_t n = getdents64(fd, buf, cap);
			if (n < 0)
				goto failed;
			if (n == 0)
				break;
			calls++;
			total += (size_t)n;
			full = full || cap - (size_t)n < sizeof(struct dirent64);
			if ((res = take_names(buf, (size_t)n, ins, outs, dir, cx)) != RL_OK)
				goto out;
		}
		if (fstat(fd, &after) != 0)
			goto failed;
		if (calls <= 1 && !full)
			goto out;
		if (full && cap < LIST_MAX) {
			/* Too small a buffer, not a moving folder: again in one call. */
			cap = total < LIST_MAX / 5 * 4 ? total + total / 4 : LIST_MAX;
			char *nb = realloc(buf, cap);
			if (!nb) {
				res = RL_ENOMEM;
				goto out;
			}
			buf = nb;
			continue;
		}
		if (same_folder(&before, &after))
			goto out;
		if (tries++ == LIST_TRIES) {
			/* A drop-in skipped in silence would loosen the policy. */
			rl_report(cx->sink, RL_SEV_ERROR,
				  "%s: cannot list: it changed while it was listed, %d times in "
				  "a row",
				  dir, LIST_TRIES);
			res = RL_EIO;
			goto out;
		}
	}
failed:
	res = errno == ENOMEM ? RL_ENOMEM : RL_EIO;
	rl_report(cx->sink, RL_SEV_ERROR, "%s: cannot list: %s", dir,
		  rl_errstr(errno, eb, sizeof(eb)));
out:
	free(buf);
	return res;
}

/* Loads the drop-ins of dir in byte order of their names. */
static enum rl_status load_dir(struct rl_policy *p, const char *dir, bool required,
			       const struct load_ctx *cx)
{
	const struct rl_sink *sink = cx->sink;
	int fd;
	struct stat st;
	enum rl_status opened = open_checked(AT_FDCWD, dir, dir, true, required, &fd, &st, cx);
	if (fd < 0)
		return opened;
	struct namelist ins = {0}, outs = {0}; /* drop-ins, and names ignored */
	enum rl_status res = list_dir(fd, dir, &st, &ins, &outs, cx);
	if (res == RL_OK) {
		namelist_sort(&ins);
		for (size_t i = 0; i < ins.n && !stops_load(res); i++) {
			char *shown = shown_path(dir, ins.v[i]);
			if (!shown) {
				res = RL_ENOMEM;
				break;
			}
			res = worse(res, load_file(p, fd, ins.v[i], shown, true, cx));
			free(shown);
		}
		namelist_sort(&outs);
		for (size_t i = 0; i < outs.n; i++)
			rl_report(sink, RL_SEV_WARNING,
				  "%s%s%s: ignored: only names that end in .yaml and do not start "
				  "with a dot are read",
				  dir, sep_after(dir), outs.v[i]);
	}
	namelist_free(&ins);
	namelist_free(&outs);
	close(fd);
	return worse(opened, res);
}

struct rl_load_opts rl_load_opts_for(const char *conf, const char *confdir)
{
	struct rl_load_opts o = {
	    .conf = conf ? conf : DEFAULT_CONF,
	    .confdir = confdir ? confdir
		       : conf  ? NULL
			       : DEFAULT_CONFDIR,
	    .conf_required = conf != NULL,
	    .confdir_required = confdir != NULL,
	    .trusted_uid = (uid_t)-1,
	};
	return o;
}

enum rl_status rl_policy_load(const struct rl_load_opts *opts, struct rl_policy **out,
			      const struct rl_sink *sink)
{
	struct rl_policy *p;
	*out = NULL;
	if (!opts)
		return RL_EUSAGE;
	const struct load_ctx cx = {opts->trusted_uid, opts->read_untrusted, opts->note_ignored,
				    sink};
	if (rl_policy_new(opts->filter, &p) != RL_OK)
		return RL_ENOMEM;

	enum rl_status res = RL_OK;
	if (opts->conf)
		res = load_file(p, AT_FDCWD, opts->conf, opts->conf, opts->conf_required, &cx);
	if (opts->confdir && !stops_load(res))
		res = worse(res, load_dir(p, opts->confdir, opts->confdir_required, &cx));
	if (!stops_load(res))
		res = worse(res, rl_policy_finish(p, sink));
	if (res != RL_OK) {
		rl_policy_free(p);
		return res;
	}
	*out = p;
	return RL_OK;
}
