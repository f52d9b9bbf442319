/*
 * fuzz_policy.c - libFuzzer target over policy loading and resolution.
 *
 * The input is a policy; the text "\n#--dropin--\n" splits it into up to
 * three documents loaded one after another, as the main file and its
 * drop-ins are.  Each input is loaded once without a filter and once per
 * identity with that identity as the filter, and the target aborts when:
 *   - the filtered and unfiltered loads disagree (status, diagnostics,
 *     files, groups_combine) or resolve to different results;
 *   - a diagnostic does not read "file:line:column: ..." with a position
 *     inside its document, or the status and the diagnostics disagree;
 *   - a resolved half is not sane: no origin, a rule that cannot apply to
 *     the user (root given a default or group value, a group the user is
 *     not in), an effective value that is not the written one, soft above
 *     hard after the clamp, a value outside its item's range.
 * ASan and UBSan catch the rest; a leak fails the run too.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlimit_policy.h"
#include "split.h"

#define MAX_DOCS 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_policy: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/*
 * libyaml counts a line at \n, \r, \r\n, NEL (C2 85), LS and PS (E2 80 A8/A9):
 * counting each \n, \r, 0x85 and 0xE2 byte is a bound that is never low.
 * Its end of stream starts one more line when the last has no line break.
 */
static unsigned line_bound(const char *s, size_t len)
{
	unsigned n = 2;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == 0x85 || c == 0xE2)
			n++;
	}
	return n;
}

static void split_input(const uint8_t *data, size_t size, struct input *in)
{
	struct fuzz_part parts[MAX_DOCS];
	memset(in, 0, sizeof(*in));
	in->ndocs = fuzz_split(data, size, MAX_DOCS, parts);
	for (size_t i = 0; i < in->ndocs; i++) {
		struct doc *d = &in->docs[i];
		d->len = parts[i].len;
		d->text = malloc(d->len ? d->len : 1);
		if (!d->text)
			fail("out of memory");
		if (d->len)
			memcpy(d->text, parts[i].p, d->len);
		d->max_line = line_bound(d->text, d->len);
	}
}

static void free_input(struct input *in)
{
	for (size_t i = 0; i < in->ndocs; i++)
		free(in->docs[i].text);
}

/* What the sink saw: a running hash and count of every message, and checks. */
struct diag {
	const struct input *in;
	uint64_t hash;
	unsigned errors, others;
};

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 1099511628211ULL;
	}
}

/* Checks that msg reads "name:line:col: text" for a document of the input. */
static void check_position(const struct input *in, const char *msg)
{
	for (size_t i = 0; i < in->ndocs; i++) {
		size_t nlen = strlen(doc_names[i]);
		if (strncmp(msg, doc_names[i], nlen) != 0 || msg[nlen] != ':')
			continue;
		unsigned line, col;
		int used = 0;
		if (sscanf(msg + nlen, ":%u:%u: %n", &line, &col, &used) != 2 || used == 0)
			fail("diagnostic without line:column: \"%s\"", msg);
		if (line == 0 || col == 0 || line > in->docs[i].max_line)
			fail("diagnostic position outside the document (%u lines): \"%s\"",
			     in->docs[i].max_line, msg);
		if (msg[nlen + (size_t)used] == '\0')
			fail("diagnostic without a message: \"%s\"", msg);
		return;
	}
	fail("diagnostic names no document: \"%s\"", msg);
}

static void on_message(void *ctx, enum rl_severity sev, const char *msg)
{
	struct diag *d = ctx;
	if (!msg)
		fail("NULL diagnostic");
	hash_bytes(&d->hash, &sev, sizeof(sev));
	hash_bytes(&d->hash, msg, strlen(msg) + 1);
	if (sev == RL_SEV_ERROR) {
		d->errors++;
		check_position(d->in, msg);
	} else {
		d->others++;
	}
}

struct loaded {
	struct rl_policy *p;
	enum rl_status st;
	struct diag diag;
};

/* add_buffer for each document, then finish, as rl_policy_load does. */
static void load(const struct input *in, struct rl_ident *filter, struct loaded *out)
{
	memset(out, 0, sizeof(*out));
	out->diag.in = in;
	out->diag.hash = 1469598103934665603ULL;
	struct rl_sink sink = {on_message, &out->diag};
	if (rl_policy_new(filter, &out->p) != RL_OK)
		fail("rl_policy_new failed");
	for (size_t i = 0; i < in->ndocs; i++) {
		enum rl_status st = rl_policy_add_buffer(out->p, doc_names[i], in->docs[i].text,
							 in->docs[i].len, &sink);
		if (st != RL_OK && st != RL_EINVALID)
			fail("rl_policy_add_buffer returned %d", (int)st);
		if (st != RL_OK)
			out->st = st;
	}
	enum rl_status st = rl_policy_finish(out->p, &sink);
	if (st != RL_OK && st != RL_EINVALID)
		fail("rl_policy_finish returned %d", (int)st);
	if (st != RL_OK)
		out->st = st;
	if ((out->st == RL_OK) != (out->diag.errors == 0))
		fail("status %d after %u error messages", (int)out->st, out->diag.errors);
	if (rl_policy_file_count(out->p) != in->ndocs)
		fail("%zu files counted for %zu documents", rl_policy_file_count(out->p),
		     in->ndocs);
}

/* ------------------------------------------------------------------ */
/* Identities */

enum { ID_ROOT, ID_ALICE, ID_BOB, ID_N };

static void make_idents(struct rl_ident ids[ID_N])
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

/* ------------------------------------------------------------------ */
/* Sanity of one result */

static bool has_gid(const struct rl_ident *id, uint64_t g)
{
	for (size_t i = 0; i < id->ngids; i++) {
		if (id->gids[i] == g)
			return true;
	}
	return false;
}

static bool any_gid_in(const struct rl_ident *id, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < id->ngids; i++) {
		if (id->gids[i] >= lo && id->gids[i] <= hi)
			return true;
	}
	return false;
}

static bool has_gname(const struct rl_ident *id, const char *name)
{
	for (size_t i = 0; i < id->ngnames; i++) {
		if (strcmp(id->gnames[i], name) == 0)
			return true;
	}
	return false;
}

/* Parses "N" or "N-M" as the whole of s. */
static bool id_span(const char *s, uint64_t *lo, uint64_t *hi)
{
	char tail;
	unsigned long long a, b;
	if (sscanf(s, "%llu-%llu%c", &a, &b, &tail) == 2) {
		*lo = a;
		*hi = b;
		return true;
	}
	if (sscanf(s, "%llu%c", &a, &tail) == 1 && strchr(s, '-') == NULL) {
		*lo = *hi = a;
		return true;
	}
	return false;
}

/* Could a rule labelled label apply to id?  An independent reading of the rules. */
static bool rule_applies(const char *label, const struct rl_ident *id)
{
	bool root = id->uid == 0;
	uint64_t lo, hi;
	if (strcmp(label, "default") == 0)
		return !root;
	if (strncmp(label, "users.", 6) == 0) {
		const char *k = label + 6;
		if (strncmp(k, "uid:", 4) == 0 && id_span(k + 4, &lo, &hi)) {
			if (lo == hi && strchr(k, '-') == NULL)
				return id->uid == lo;
			return !root && lo <= id->uid && id->uid <= hi;
		}
		return strcmp(k, id->name) == 0;
	}
	if (strncmp(label, "groups.", 7) == 0) {
		const char *k = label + 7;
		if (root)
			return false;
		if (strncmp(k, "gid:", 4) == 0 && id_span(k + 4, &lo, &hi))
			return strchr(k, '-') == NULL ? has_gid(id, lo) : any_gid_in(id, lo, hi);
		return has_gname(id, k);
	}
	return false;
}

static rlim_t expected_rlim(int item, const struct rl_value *v, const struct rl_host *host)
{
	rlim_t r = RLIM_INFINITY;
	if (v->type == RL_V_NUM)
		r = (rlim_t)v->n;
	else if (v->type == RL_V_PCT)
		r = (rlim_t)((unsigned __int128)host->ram_bytes * v->n / (100 * RL_PCT_ONE));
	if (rl_items[item].resource == RLIMIT_NOFILE && r == RLIM_INFINITY)
		r = host->nr_open;
	return r;
}

static void check_value(int item, const struct rl_value *v, const char *what)
{
	const struct rl_item *it = &rl_items[item];
	switch (v->type) {
	case RL_V_INF:
		return;
	case RL_V_PCT:
		if (!it->percent_ok || v->n == 0 || v->n > 100 * RL_PCT_ONE)
			fail("%s %s: percentage %llu not allowed", it->name, what,
			     (unsigned long long)v->n);
		return;
	case RL_V_NUM:
		if (it->kind == RL_KIND_NICE && (v->n < 1 || v->n > 40))
			fail("%s %s: %llu outside 1..40", it->name, what, (unsigned long long)v->n);
		if (it->kind == RL_KIND_RTPRIO && v->n > 99)
			fail("%s %s: %llu above 99", it->name, what, (unsigned long long)v->n);
		return;
	case RL_V_UNSET:
		break;
	}
	fail("%s %s: set with value type %d", it->name, what, (int)v->type);
}

static bool is_doc_name(const struct input *in, const char *file, unsigned *max_line)
{
	for (size_t i = 0; i < in->ndocs; i++) {
		if (strcmp(file, doc_names[i]) == 0) {
			*max_line = in->docs[i].max_line;
			return true;
		}
	}
	return false;
}

/*
 * Field by field: a struct copy carries padding bytes along, so two equal
 * results need not be equal to memcmp.
 */
static bool same_half(const struct rl_half *a, const struct rl_half *b)
{
	return a->set == b->set && a->value.type == b->value.type && a->value.n == b->value.n &&
	       a->rlim == b->rlim && strcmp(a->origin.file, b->origin.file) == 0 &&
	       a->origin.line == b->origin.line && a->origin.col == b->origin.col &&
	       strcmp(a->origin.rule, b->origin.rule) == 0;
}

static bool same_result(const struct rl_result *a, const struct rl_result *b)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		if (!same_half(&a->item[it].soft, &b->item[it].soft) ||
		    !same_half(&a->item[it].hard, &b->item[it].hard) ||
		    a->item[it].soft_clamped != b->item[it].soft_clamped)
			return false;
	}
	return true;
}

static void check_half(const struct input *in, const struct rl_ident *id, int item,
		       const struct rl_half *h, const char *what)
{
	const char *name = rl_items[item].name;
	if (!h->set) {
		static const struct rl_half zero;
		if (!same_half(h, &zero))
			fail("%s %s of %s: unset but not empty", name, what, id->name);
		return;
	}
	unsigned max_line;
	if (!is_doc_name(in, h->origin.file, &max_line))
		fail("%s %s of %s: origin file \"%s\" is no document", name, what, id->name,
		     h->origin.file);
	if (h->origin.line == 0 || h->origin.col == 0 || h->origin.line > max_line)
		fail("%s %s of %s: origin %s:%u:%u is outside its document (%u lines)", name, what,
		     id->name, h->origin.file, h->origin.line, h->origin.col, max_line);
	if (!rule_applies(h->origin.rule, id))
		fail("%s %s of %s (uid %u): rule \"%s\" cannot apply", name, what, id->name,
		     (unsigned)id->uid, h->origin.rule);
	check_value(item, &h->value, what);
}

static void check_result(const struct input *in, const struct rl_ident *id,
			 const struct rl_result *r, const struct rl_host *host)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		const struct rl_item_result *ir = &r->item[it];
		const char *name = rl_items[it].name;
		check_half(in, id, it, &ir->soft, "soft");
		check_half(in, id, it, &ir->hard, "hard");
		rlim_t hard = ir->hard.set ? expected_rlim(it, &ir->hard.value, host) : 0;
		rlim_t soft = ir->soft.set ? expected_rlim(it, &ir->soft.value, host) : 0;
		if (ir->hard.set && ir->hard.rlim != hard)
			fail("%s hard of %s: effective %llu, written value gives %llu", name,
			     id->name, (unsigned long long)ir->hard.rlim, (unsigned long long)hard);
		if (ir->soft_clamped) {
			if (!ir->soft.set || !ir->hard.set || soft <= hard ||
			    ir->soft.rlim != ir->hard.rlim)
				fail("%s of %s: clamp flagged wrongly (soft %llu->%llu, hard %llu)",
				     name, id->name, (unsigned long long)soft,
				     (unsigned long long)ir->soft.rlim, (unsigned long long)hard);
		} else if (ir->soft.set && ir->soft.rlim != soft) {
			fail("%s soft of %s: effective %llu, written value gives %llu", name,
			     id->name, (unsigned long long)ir->soft.rlim, (unsigned long long)soft);
		}
		if (ir->soft.set && ir->hard.set && ir->soft.rlim > ir->hard.rlim)
			fail("%s of %s: soft %llu above hard %llu after the clamp", name, id->name,
			     (unsigned long long)ir->soft.rlim, (unsigned long long)ir->hard.rlim);
	}
}

static void describe_diff(const struct rl_result *a, const struct rl_result *b)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		const struct rl_half *ha[2] = {&a->item[it].soft, &a->item[it].hard};
		const struct rl_half *hb[2] = {&b->item[it].soft, &b->item[it].hard};
		for (int h = 0; h < 2; h++) {
			if (same_half(ha[h], hb[h]))
				continue;
			fprintf(
			    stderr,
			    "  %s %s: unfiltered set=%d value=%d/%llu rlim=%llu rule=%s %s:%u:%u | "
			    "filtered set=%d value=%d/%llu rlim=%llu rule=%s %s:%u:%u\n",
			    rl_items[it].name, h ? "hard" : "soft", ha[h]->set,
			    (int)ha[h]->value.type, (unsigned long long)ha[h]->value.n,
			    (unsigned long long)ha[h]->rlim, ha[h]->origin.rule, ha[h]->origin.file,
			    ha[h]->origin.line, ha[h]->origin.col, hb[h]->set,
			    (int)hb[h]->value.type, (unsigned long long)hb[h]->value.n,
			    (unsigned long long)hb[h]->rlim, hb[h]->origin.rule, hb[h]->origin.file,
			    hb[h]->origin.line, hb[h]->origin.col);
		}
		if (a->item[it].soft_clamped != b->item[it].soft_clamped) {
			fprintf(stderr, "  %s: unfiltered clamped=%d | filtered clamped=%d\n",
				rl_items[it].name, a->item[it].soft_clamped,
				b->item[it].soft_clamped);
		}
	}
}

static void resolve(const struct rl_policy *p, struct rl_ident *id, const struct rl_host *host,
		    struct rl_result *r)
{
	enum rl_status st = rl_resolve(p, id, host, r);
	if (st != RL_OK)
		fail("rl_resolve returned %d for %s", (int)st, id->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rl_host hosts[] = {
	    {16ULL << 30, 1048576},
	    {UINT64_MAX, 1024}, /* percentages at the edge of 128-bit math */
	};
	struct input in;
	struct rl_ident ids[ID_N];
	struct loaded all;

	split_input(data, size, &in);
	make_idents(ids);
	load(&in, NULL, &all);

	for (int i = 0; i < ID_N; i++) {
		struct loaded one;
		load(&in, &ids[i], &one);
		if (one.st != all.st || one.diag.hash != all.diag.hash ||
		    one.diag.errors != all.diag.errors || one.diag.others != all.diag.others)
			fail("filtered for %s: status %d, %u errors; unfiltered: status %d, %u "
			     "errors",
			     ids[i].name, (int)one.st, one.diag.errors, (int)all.st,
			     all.diag.errors);
		if (rl_policy_combine(one.p) != rl_policy_combine(all.p))
			fail("filtered for %s: another groups_combine", ids[i].name);
		if (all.st == RL_OK) {
			if (rl_policy_rule_count(one.p) > rl_policy_rule_count(all.p))
				fail("filtered for %s keeps %zu rules, unfiltered %zu", ids[i].name,
				     rl_policy_rule_count(one.p), rl_policy_rule_count(all.p));
			for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
				struct rl_result ra, rb, again;
				resolve(all.p, &ids[i], &hosts[h], &ra);
				resolve(one.p, &ids[i], &hosts[h], &rb);
				resolve(all.p, &ids[i], &hosts[h], &again);
				check_result(&in, &ids[i], &ra, &hosts[h]);
				if (!same_result(&ra, &again))
					fail("resolving %s twice gave two results", ids[i].name);
				if (!same_result(&ra, &rb)) {
					describe_diff(&ra, &rb);
					fail("filtered and unfiltered resolution differ for %s",
					     ids[i].name);
				}
			}
		}
		rl_policy_free(one.p);
	}

	rl_policy_free(all.p);
	for (int i = 0; i < ID_N; i++)
		rl_ident_free(&ids[i]);
	free_input(&in);
	return 0;
}
