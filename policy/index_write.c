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

enum rl_status rl_index_write(const struct rl_policy *p, const char *path,
			      const struct rl_sink *sink)
{
	char eb[RL_ERRSTR_SIZE];
	unsigned char *buf;
	size_t len;
	enum rl_status st = rl_index_build(p, &buf, &len);
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
	const char *what = "create";
	int fd = mkostemp(tmp, O_CLOEXEC);
	bool made = fd >= 0;
	if (made) {
		size_t done = 0;
		what = "write";
		while (done < len) {
			ssize_t w = write(fd, buf + done, len - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == len && (what = "set the mode of", fchmod(fd, 0644) == 0) &&
		    (what = "sync", fsync(fd) == 0) && (what = "close", close(fd) == 0) &&
		    (fd = -1, what = "rename", rename(tmp, path) == 0)) {
			free(tmp);
			free(buf);
			return RL_OK;
		}
	}
	int e = errno;
	rl_report(sink, RL_SEV_ERROR, "%s: cannot %s %s: %s", path, what,
		  made ? tmp : "a file next to it", rl_errstr(e, eb, sizeof(eb)));
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	free(tmp);
	free(buf);
	return RL_EIO;
}
