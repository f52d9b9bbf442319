/*
 * testio.h - the two I/O loops every suite needs, in one place: all of a
 * buffer written, and a buffer filled until it is full or the other end is
 * done, both retrying on EINTR.  Each caller decides what a short result
 * means for it (a failed assertion, a child's exit code).
 */
#ifndef RL_TESTIO_H
#define RL_TESTIO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

/* Writes buf[0..len) to fd; false (errno set, or 0 for a zero write) otherwise. */
static inline bool tio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads into buf until len bytes, end of file or an error; returns the count. */
static inline size_t tio_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

#endif
