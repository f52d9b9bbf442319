/*
 * fuzz_policy.c - libFuzzer target over policy loading and resolution.
 *
 * The input is up to three documents split by "\n#--dropin--\n", loaded
 * as a main file and drop-ins: once whole, once filtered for each identity.
 * It aborts when the two disagree (status, diagnostics, groups_combine,
 * result), when a diagnostic is not "file:line:column: ..." inside its
 * document, or when a resolved half is not sane: no origin, a rule that
 * cannot apply, a value not the written one, soft above hard.
 */
#define FUZZ_NAME "fuzz_policy"

#include "../tests/common/testresult.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

/* The documents loaded with a sink that checks and counts the diagnostics. */
static void load(const struct input *in, struct rl_ident *filter, struct loaded *out)
{
	memset(out, 0, sizeof(*out));
	out->diag.in = in;
	out->diag.hash = 1469598103934665603ULL;
	struct rl_sink sink = {on_message, &out->diag};
	out->st = load_docs(in, filter, &sink, &out->p);
	if ((out->st == RL_OK) != (out->diag.errors == 0))
		fail("status %d after %u error messages", (int)out->st, out->diag.errors);
	if (rl_policy_file_count(out->p) != in->ndocs)
		fail("%zu files counted for %zu documents", rl_policy_file_count(out->p),
		     in->ndocs);
}

/* ------------------------------------------------------------------ */
/* Sanity of one result */

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
		if ((it->kind == RL_KIND_NICE || it->kind == RL_KIND_PRIORITY) &&
		    (v->n < 1 || v->n > 40))
			fail("%s %s: %llu outside 1..40", it->name, what, (unsigned long long)v->n);
		if (it->kind == RL_KIND_BOOL && v->n > 1)
			fail("%s %s: %llu not 0 or 1", it->name, what, (unsigned long long)v->n);
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

static bool same_result(const struct rl_result *a, const struct rl_result *b)
{
	for (int it = 0; it < RL_NITEMS; it++) {
		if (!tr_same_item(&a->item[it], &b->item[it]))
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
		if (!tr_same_half(h, &zero))
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
			if (tr_same_half(ha[h], hb[h]))
				continue;
			fprintf(
			    stderr,
			    "  %s %s: unfiltered set=%d value=%d/%llu rlim=%llu rule=%s %s:%u:%u | "
			    "filtered set=%d value=%d/%llu rlim=%llu rule=%s %s:%u:%u\n",
			    rl_items[it].name, h ? "hard" : "soft", ha[h]->set,
			    (int)ha[h]->value.type, (unsigned long long)ha[h]->value.n,
			    (unsigned long long)ha[h]->rlim, ha[h]->origin.rule,
			    ha[h]->origin.file ? ha[h]->origin.file : "-", ha[h]->origin.line,
			    ha[h]->origin.col, hb[h]->set, (int)hb[h]->value.type,
			    (unsigned long long)hb[h]->value.n, (unsigned long long)hb[h]->rlim,
			    hb[h]->origin.rule, hb[h]->origin.file ? hb[h]->origin.file : "-",
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
			for (size_t h = 0; h < NHOSTS; h++) {
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
				rl_result_free(&ra);
				rl_result_free(&rb);
				rl_result_free(&again);
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
