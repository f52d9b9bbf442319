/*
 * index_write.c - writing a compiled policy (rlimit-policy compile).  Its
 * own file so that the module, which only reads indexes, does not link it:
 * nothing that writes files belongs inside sshd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_int.h"

/*
 * Writes buf to fd, gives it mode 0644, syncs it and closes it (fd is
 * closed whatever happens).  NULL, or the step that failed with errno set.
 */
static const char *write_out(int fd, const unsigned char *buf, size_t len)
{
	const char *failed = NULL;
	size_t done = 0;
	while (done < len && !failed) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			failed = "write";
		} else {
			done += (size_t)w;
		}
	}
	if (!failed && fchmod(fd, 0644) != 0)
		failed = "set the mode of";
	if (!failed && fsync(fd) != 0)
		failed = "sync";
	int e = errno;
	if (close(fd) != 0 && !failed) /* the descriptor is gone either way */
		return "close";
	errno = e;
	return failed;
}

/*
 * Best effort: makes the rename itself durable.  Should it be lost in a
 * crash, the old index is back, finds the policy files changed, and is not
 * used: nothing to report.  path is modified (cut at its last slash).
 */
static void sync_folder(char *path)
{
	char *slash = strrchr(path, '/');
	const char *dir = ".";
	if (slash == path)
		dir = "/";
	else if (slash) {
		*slash = '\0';
		dir = path;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

enum rl_status rl_index_write(const struct rl_policy *p, const struct rl_pinner *pin,
			      const char *path, const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	unsigned char *buf;
	size_t len;
	enum rl_status st = rl_index_build(p, pin, &buf, &len);
	if (st != RL_OK) {
		rl_report(sink, RL_SEV_ERROR, "%s: cannot compile: %s", path, rl_status_str(st));
		return st;
	}
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	if (!tmp) {
		free(buf);
		return RL_ENOMEM;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	/* A new file next to path, renamed over it: a login sees the old or the new. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	const char *failed = fd < 0 ? "create" : write_out(fd, buf, len);
	if (!failed && rename(tmp, path) != 0)
		failed = "rename";
	if (failed) {
		int e = errno;
		rl_report(sink, RL_SEV_ERROR, "%s: cannot %s %s: %s", path, failed,
			  fd < 0 ? "a file next to it" : tmp, rl_errstr(e, eb, sizeof(eb)));
		if (fd >= 0)
			unlink(tmp);
		st = RL_EIO;
	} else {
		sync_folder(tmp);
	}
	free(tmp);
	free(buf);
	return st;
}
