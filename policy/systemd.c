/*
 * systemd.c - the user totals on user-UID.slice: one runtime
 * SetUnitProperties call on the system bus, spoken here rather than
 * through libsystemd, so the module loads where there is none and one
 * deadline bounds connect, authentication and call.  Only what this call
 * needs is written: little-endian messages, and replies read far enough to
 * tell a return from an error and quote the error.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "policy_int.h"

#define SYSTEM_BUS "/run/dbus/system_bus_socket"
#define MSG_MAX 8192    /* our call is < 1 KiB; replies we read are small */
#define REPLY_MAX 65536 /* a larger reply is not one we asked for */

enum { MSG_CALL = 1, MSG_RETURN = 2, MSG_ERROR = 3 };
enum { F_PATH = 1, F_INTERFACE = 2, F_MEMBER = 3, F_ERROR = 4, F_REPLY = 5, F_DEST = 6, F_SIG = 8 };

bool rl_systemd_running(const char *run_dir)
{
	struct stat st;
	return lstat(run_dir ? run_dir : "/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* ------------------------------------------------------------ writing */

struct msg {
	unsigned char b[MSG_MAX];
	size_t n;
	bool overflow;
};

static void pad(struct msg *m, size_t align)
{
	while (m->n % align) {
		if (m->n >= MSG_MAX) {
			m->overflow = true;
			return;
		}
		m->b[m->n++] = 0;
	}
}

static void put(struct msg *m, const void *p, size_t len)
{
	if (m->overflow || len > MSG_MAX - m->n) {
		m->overflow = true;
		return;
	}
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

static void put_u8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put_u32(struct msg *m, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	pad(m, 4);
	put(m, b, 4);
}

static void put_u64(struct msg *m, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	pad(m, 8);
	put(m, b, 8);
}

/* A string or an object path: length, bytes, NUL. */
static void put_str(struct msg *m, const char *s)
{
	size_t len = strlen(s);
	put_u32(m, (uint32_t)len);
	put(m, s, len + 1);
}

/* A signature: one-byte length, bytes, NUL. */
static void put_sig(struct msg *m, const char *s)
{
	put_u8(m, (uint8_t)strlen(s));
	put(m, s, strlen(s) + 1);
}

/* Patches the uint32 at offset at (aligned) with v. */
static void patch_u32(struct msg *m, size_t at, uint32_t v)
{
	if (m->overflow || at + 4 > m->n)
		return;
	for (int i = 0; i < 4; i++)
		m->b[at + i] = (unsigned char)(v >> (8 * i));
}

/* A header field whose variant holds a string-like value of type t. */
static void put_field(struct msg *m, uint8_t code, const char *t, const char *v)
{
	pad(m, 8);
	put_u8(m, code);
	put_sig(m, t);
	if (t[0] == 'g')
		put_sig(m, v);
	else
		put_str(m, v);
}

struct call {
	const char *dest, *path, *iface, *member, *sig;
};

/* Starts a method call: the header up to the body; returns where its length goes. */
static size_t begin_call(struct msg *m, const struct call *c, uint32_t serial)
{
	put_u8(m, 'l');
	put_u8(m, MSG_CALL);
	put_u8(m, 0);
	put_u8(m, 1);
	size_t body_len_at = m->n;
	put_u32(m, 0); /* body length, patched by end_call */
	put_u32(m, serial);
	size_t fields_at = m->n;
	put_u32(m, 0);
	size_t start = (m->n + 7) / 8 * 8;
	put_field(m, F_PATH, "o", c->path);
	put_field(m, F_DEST, "s", c->dest);
	put_field(m, F_INTERFACE, "s", c->iface);
	put_field(m, F_MEMBER, "s", c->member);
	if (c->sig)
		put_field(m, F_SIG, "g", c->sig);
	patch_u32(m, fields_at, (uint32_t)(m->n - start));
	pad(m, 8);
	return body_len_at;
}

static void end_call(struct msg *m, size_t body_len_at, size_t body_start)
{
	patch_u32(m, body_len_at, (uint32_t)(m->n - body_start));
}

/* Hello (every bus wants it first), then SetUnitProperties of unit with r's user totals. */
static void build(struct msg *m, const char *unit, const struct rl_result *r)
{
	static const struct call hello = {"org.freedesktop.DBus", "/org/freedesktop/DBus",
					  "org.freedesktop.DBus", "Hello", NULL};
	static const struct call set = {"org.freedesktop.systemd1", "/org/freedesktop/systemd1",
					"org.freedesktop.systemd1.Manager", "SetUnitProperties",
					"sba(sv)"};
	size_t at = begin_call(m, &hello, 1);
	end_call(m, at, m->n);
	/*
	 * Alignment counts from a message's start: Hello has no body and its
	 * header ends 8-aligned, so counting from the buffer's start is the same.
	 */

	at = begin_call(m, &set, 2);
	size_t body = m->n;
	put_str(m, unit);
	put_u32(m, 1); /* runtime: /run, gone at reboot; nothing under /etc */
	size_t array_at = m->n;
	put_u32(m, 0);
	pad(m, 8);
	size_t first = m->n;
	for (int t = 0; t < RL_NTOTALS; t++) {
		if (rl_totals[t].scope != RL_SCOPE_USER || !r->total[t].set)
			continue;
		pad(m, 8);
		put_str(m, rl_totals[t].key);
		put_sig(m, "t");
		put_u64(m, r->total[t].n);
	}
	patch_u32(m, array_at, (uint32_t)(m->n - first));
	end_call(m, at, body);
}

/* ------------------------------------------------------- the socket */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; false (errno ETIMEDOUT) past it. */
static bool wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return false;
		}
		struct pollfd p = {fd, events, 0};
		int k = poll(&p, 1, (int)left);
		if (k > 0)
			return true;
		if (k < 0 && errno != EINTR)
			return false;
	}
}

static bool send_all(int fd, const void *buf, size_t len, long long deadline)
{
	const unsigned char *p = buf;
	while (len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			len -= (size_t)k;
		} else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static bool recv_all(int fd, void *buf, size_t len, long long deadline)
{
	unsigned char *p = buf;
	while (len) {
		ssize_t k = recv(fd, p, len, 0);
		if (k > 0) {
			p += k;
			len -= (size_t)k;
		} else if (k == 0) {
			errno = ECONNRESET;
			return false;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (!wait_fd(fd, POLLIN, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Reads the server's answer to AUTH, one line ending in \r\n. */
static bool auth_ok(int fd, long long deadline)
{
	char line[256];
	size_t n = 0;
	while (n + 1 < sizeof(line)) {
		if (!recv_all(fd, line + n, 1, deadline))
			return false;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (strncmp(line, "OK ", 3) != 0) {
		errno = EACCES;
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ reading */

struct reply {
	unsigned char b[REPLY_MAX];
	size_t n;
	bool big; /* 'B': big-endian */
};

static bool get_u32(const struct reply *r, size_t at, uint32_t *v)
{
	if (at + 4 > r->n)
		return false;
	const unsigned char *p = r->b + at;
	*v = r->big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		    : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	return true;
}

/* A string at at (4-aligned), checked to lie inside r; *next is just past it. */
static bool get_str(const struct reply *r, size_t at, const char **s, size_t *next)
{
	uint32_t len;
	at = (at + 3) / 4 * 4;
	if (!get_u32(r, at, &len) || len > r->n || at + 4 + len + 1 > r->n ||
	    r->b[at + 4 + len] != 0)
		return false;
	*s = (const char *)r->b + at + 4;
	*next = at + 4 + len + 1;
	return true;
}

/* Reads one whole message into r. */
static bool read_msg(int fd, struct reply *r, long long deadline)
{
	uint32_t body, fields;
	if (!recv_all(fd, r->b, 16, deadline))
		return false;
	r->n = 16;
	r->big = r->b[0] == 'B';
	if ((r->b[0] != 'l' && r->b[0] != 'B') || !get_u32(r, 4, &body) ||
	    !get_u32(r, 12, &fields) || fields > REPLY_MAX || body > REPLY_MAX) {
		errno = EPROTO;
		return false;
	}
	size_t total = (16 + (size_t)fields + 7) / 8 * 8 + body;
	if (total > REPLY_MAX) {
		errno = EMSGSIZE;
		return false;
	}
	if (!recv_all(fd, r->b + 16, total - 16, deadline))
		return false;
	r->n = total;
	return true;
}

struct parsed {
	int type;
	uint32_t reply_serial; /* 0: none */
	const char *error;     /* the error's name, or NULL */
	const char *text;      /* its message, when the body starts with one */
};

/* The header fields we need, and an error's message; false when malformed. */
static bool parse_msg(const struct reply *r, struct parsed *p)
{
	uint32_t fields;
	memset(p, 0, sizeof(*p));
	p->type = r->b[1];
	if (!get_u32(r, 12, &fields))
		return false;
	size_t at = 16, end = 16 + (size_t)fields;
	while (at < end) {
		at = (at + 7) / 8 * 8;
		if (at + 2 > end)
			return false;
		uint8_t code = r->b[at], siglen = r->b[at + 1];
		if (at + 2 + siglen + 1 > end)
			return false;
		char t = siglen == 1 ? (char)r->b[at + 2] : '?';
		at += 2 + (size_t)siglen + 1;
		const char *s;
		switch (t) {
		case 'u':
			at = (at + 3) / 4 * 4;
			if (code == F_REPLY && !get_u32(r, at, &p->reply_serial))
				return false;
			at += 4;
			break;
		case 's':
		case 'o':
			if (!get_str(r, at, &s, &at))
				return false;
			if (code == F_ERROR)
				p->error = s;
			break;
		case 'g':
			if (at >= end || at + 1 + r->b[at] + 1 > end)
				return false;
			at += 1 + (size_t)r->b[at] + 1;
			break;
		default:
			return false; /* no header field has another type */
		}
	}
	size_t body = (end + 7) / 8 * 8, next;
	if (p->type == MSG_ERROR && body < r->n)
		(void)get_str(r, body, &p->text, &next);
	return true;
}

/* ------------------------------------------------------------ the call */

static void report_failure(const struct rl_sink *sink, const char *unit, const char *what, int e)
{
	char eb[RL_ERRSTR_SIZE];
	rl_report(sink, RL_SEV_ERROR, "%s: cannot set the user totals: %s: %s", unit, what,
		  e == ETIMEDOUT ? "no answer in time" : rl_errstr(e, eb, sizeof(eb)));
}

/*
 * Sends m and waits for the answer to serial 2, reading into r.  RL_OK or
 * RL_ELOWER (reported).
 */
static enum rl_status converse(int fd, const struct msg *m, struct reply *r, const char *unit,
			       long long deadline, const struct rl_sink *sink)
{
	char auth[64];
	struct parsed p;
	int n = snprintf(auth, sizeof(auth), "%cAUTH EXTERNAL ", '\0');
	char uid[16];
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (const char *c = uid; *c; c++)
		n += snprintf(auth + n, sizeof(auth) - (size_t)n, "%02x", (unsigned char)*c);
	n += snprintf(auth + n, sizeof(auth) - (size_t)n, "\r\n");
	if (!send_all(fd, auth, (size_t)n, deadline) || !auth_ok(fd, deadline)) {
		report_failure(sink, unit, "the system bus refused to authenticate", errno);
		return RL_ELOWER;
	}
	if (!send_all(fd, "BEGIN\r\n", 7, deadline) || !send_all(fd, m->b, m->n, deadline)) {
		report_failure(sink, unit, "writing to the system bus", errno);
		return RL_ELOWER;
	}
	for (;;) {
		if (!read_msg(fd, r, deadline)) {
			report_failure(sink, unit, "reading from the system bus", errno);
			return RL_ELOWER;
		}
		if (!parse_msg(r, &p)) {
			report_failure(sink, unit, "reading from the system bus", EPROTO);
			return RL_ELOWER;
		}
		if (p.type == MSG_ERROR && p.reply_serial == 1) {
			rl_report(sink, RL_SEV_ERROR,
				  "%s: cannot set the user totals: the bus "
				  "refused Hello: %s",
				  unit, p.error ? p.error : "an error");
			return RL_ELOWER;
		}
		if (p.reply_serial != 2)
			continue; /* Hello's answer, NameAcquired, ... */
		if (p.type == MSG_RETURN)
			return RL_OK;
		rl_report(sink, RL_SEV_ERROR, "%s: systemd refused the user totals: %s%s%s", unit,
			  p.error ? p.error : "an error", p.text ? ": " : "", p.text ? p.text : "");
		return RL_ELOWER;
	}
}

/* What one call needs, 72 KiB: on the heap, not on a PAM caller's stack. */
struct bufs {
	struct msg m;
	struct reply r;
};

enum rl_status rl_systemd_set_user_totals(const struct rl_result *r, uid_t uid,
					  const char *bus_path, int timeout_ms,
					  const struct rl_sink *sink)
{
	char unit[32];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = bus_path ? bus_path : SYSTEM_BUS;
	enum rl_status st = RL_OK;
	int fd = -1;

	if (!rl_result_any_total(r, RL_SCOPE_USER))
		return RL_OK;
	if (strlen(path) >= sizeof(sa.sun_path))
		return RL_EUSAGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(unit, sizeof(unit), "user-%u.slice", (unsigned)uid);
	struct bufs *b = calloc(1, sizeof(*b));
	if (!b)
		return RL_ENOMEM;
	build(&b->m, unit, r);
	if (b->m.overflow) {
		st = RL_EUSAGE;
		goto out;
	}

	long long deadline = now_ms() + timeout_ms;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		report_failure(sink, unit, "socket", errno);
		st = RL_ELOWER;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		char what[sizeof(sa.sun_path) + 16];
		snprintf(what, sizeof(what), "connecting to %s", path);
		report_failure(sink, unit, what, errno);
		st = RL_ELOWER;
		goto out;
	}
	st = converse(fd, &b->m, &b->r, unit, deadline, sink);
out:
	if (fd >= 0)
		close(fd);
	free(b);
	return st;
}
