/*
 * parse.c - one YAML document of policy into a struct rl_policy.
 *
 * libyaml's events, walked by a recursive descent as deep as the format.
 * Nodes of another shape are skipped with a depth count: libyaml 0.2.5 has
 * no nesting limit, and its process-wide settings are not ours inside sshd.
 * Errors are "file:line:column: message" and parsing goes on to show them
 * all; a rule that cannot apply to a filtered user is validated, not kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy_int.h"

#define MAX_SKIP_DEPTH 32
#define MAX_ERRORS_PER_FILE 50
#define MAX_SCALAR 4096

struct ld {
	struct rl_policy *p;
	const struct rl_sink *sink;
	const char *file;
	uint32_t file_idx;
	const unsigned char *buf;
	size_t len;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	bool stop;            /* this document cannot be read further */
	enum rl_status fatal; /* RL_ENOMEM once an allocation failed */
	unsigned errors;
};

struct pos {
	uint32_t line, col; /* 1-based */
};

static struct pos pos_of(yaml_mark_t m)
{
	struct pos p = {(uint32_t)m.line + 1, (uint32_t)m.column + 1};
	return p;
}

static struct pos here(const struct ld *ld)
{
	return pos_of(ld->ev.start_mark);
}

__attribute__((format(printf, 3, 0))) static void verr(struct ld *ld, struct pos at,
						       const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	ld->errors++;
	ld->p->errors++;
	if (ld->errors <= MAX_ERRORS_PER_FILE) {
		rl_report(ld->sink, RL_SEV_ERROR, "%s:%u:%u: %s", ld->file, at.line, at.col, msg);
		return;
	}
	rl_report(ld->sink, RL_SEV_ERROR, "%s:%u:%u: more than %d errors, stopped reading",
		  ld->file, at.line, at.col, MAX_ERRORS_PER_FILE);
	ld->stop = true;
}

__attribute__((format(printf, 3, 4))) static void err(struct ld *ld, struct pos at, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ld, at, fmt, ap);
	va_end(ap);
}

static void nomem(struct ld *ld)
{
	ld->fatal = RL_ENOMEM;
	ld->stop = true;
}

/* Line and column of a byte offset, for reader errors that carry no mark. */
static struct pos pos_of_offset(const struct ld *ld, size_t off)
{
	struct pos p = {1, 1};
	for (size_t i = 0; i < off && i < ld->len; i++) {
		if (ld->buf[i] == '\n') {
			p.line++;
			p.col = 1;
		} else if ((ld->buf[i] & 0xC0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

/*
 * The byte offset of libyaml's mark index, which counts characters (a CRLF
 * as two); ld->len when the index is at or past the end.
 */
static size_t byte_of_index(const struct ld *ld, size_t index)
{
	size_t chars = 0;
	for (size_t i = 0; i < ld->len; i++) {
		if ((ld->buf[i] & 0xC0) == 0x80)
			continue;
		if (chars++ == index)
			return i;
	}
	return ld->len;
}

static void syntax_error(struct ld *ld)
{
	yaml_parser_t *ps = &ld->parser;
	const char *problem = ps->problem ? ps->problem : "malformed YAML";
	if (ps->error == YAML_MEMORY_ERROR) {
		nomem(ld);
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		err(ld, pos_of_offset(ld, ps->problem_offset), "not valid YAML text: %s", problem);
		ld->stop = true;
		return;
	}
	size_t at = byte_of_index(ld, ps->problem_mark.index);
	const char *hint =
	    at < ld->len && ld->buf[at] == '\t' ? "; a tab cannot indent YAML: use spaces" : "";
	struct pos where = pos_of(ps->problem_mark);
	if (at >= ld->len) {
		/*
		 * At the end of the stream libyaml counts a line past the last one
		 * (3:1 in a two-line file).  Point just after the last thing
		 * written instead, where an editor shows what is missing.
		 */
		size_t end = ld->len;
		while (end > 0 && strchr(" \t\r\n", ld->buf[end - 1]))
			end--;
		where = pos_of_offset(ld, end);
	}
	if (ps->context) {
		struct pos c = pos_of(ps->context_mark);
		err(ld, where, "YAML syntax error: %s (%s at line %u)%s", problem, ps->context,
		    c.line, hint);
	} else {
		err(ld, where, "YAML syntax error: %s%s", problem, hint);
	}
	ld->stop = true;
}

/* Moves to the next event.  False when the document cannot go on. */
static bool next(struct ld *ld)
{
	if (ld->have_ev) {
		yaml_event_delete(&ld->ev);
		ld->have_ev = false;
	}
	if (ld->stop)
		return false;
	if (!yaml_parser_parse(&ld->parser, &ld->ev)) {
		syntax_error(ld);
		return false;
	}
	ld->have_ev = true;
	return true;
}

static bool is_type(const struct ld *ld, yaml_event_type_t t)
{
	return ld->have_ev && ld->ev.type == t;
}

/*
 * Refuses anchors, tags and aliases on the current node.  Returns false for
 * an alias (there is no node to read).
 */
static bool check_props(struct ld *ld)
{
	const yaml_event_t *e = &ld->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	switch (e->type) {
	case YAML_ALIAS_EVENT:
		err(ld, here(ld), "aliases (*%s) are not allowed in a policy",
		    (const char *)e->data.alias.anchor);
		return false;
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		tag = e->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
		break;
	default:
		return true;
	}
	if (anchor)
		err(ld, here(ld), "anchors (&%.40s) are not allowed in a policy",
		    (const char *)anchor);
	if (tag)
		err(ld, here(ld), "tags (%.60s) are not allowed in a policy", (const char *)tag);
	return true;
}

/*
 * Consumes the node that starts at the current event, whatever it is,
 * counting depth so that a nesting bomb ends the document quickly.
 */
static void skip_node(struct ld *ld)
{
	unsigned depth = 0;
	do {
		switch (ld->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_SKIP_DEPTH) {
				err(ld, here(ld), "nesting deeper than %d levels", MAX_SKIP_DEPTH);
				ld->stop = true;
				return;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth == 0)
			return;
	} while (next(ld));
}

static const char *shape_of(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return e->data.scalar.length ? "a single value" : "an empty value";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_ALIAS_EVENT:
		return "an alias";
	default:
		return "nothing";
	}
}

/* Reports a node of the wrong shape and skips it. */
static void wrong_shape(struct ld *ld, const char *where, const char *expected)
{
	if (check_props(ld))
		err(ld, here(ld), "%s: expected %s, found %s", where, expected, shape_of(&ld->ev));
	skip_node(ld);
}

/* A scalar's text, checked for control characters and length. */
static bool scalar_text(struct ld *ld, const char **s, size_t *len)
{
	const char *t = (const char *)ld->ev.data.scalar.value;
	size_t n = ld->ev.data.scalar.length;
	if (n > MAX_SCALAR) {
		err(ld, here(ld), "text longer than %d bytes", MAX_SCALAR);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c < 0x20 || c == 0x7f) {
			err(ld, here(ld), "control character 0x%02x in text", c);
			return false;
		}
	}
	*s = t;
	*len = n;
	return true;
}

/*
 * Reads a mapping key.  Returns true with the text when the key is a
 * usable scalar; otherwise reports, skips key and value, and returns false.
 */
static bool read_key(struct ld *ld, const char *where, const char **k, size_t *klen)
{
	if (ld->ev.type != YAML_SCALAR_EVENT) {
		wrong_shape(ld, where, "a plain key");
		if (next(ld))
			skip_node(ld);
		return false;
	}
	bool ok = check_props(ld) && scalar_text(ld, k, klen);
	if (ok && *klen == 0) {
		err(ld, here(ld), "%s: empty key", where);
		ok = false;
	}
	if (!ok && next(ld))
		skip_node(ld);
	return ok;
}

/*
 * The current event opens the mapping that where must be; otherwise
 * reports that it is not (expected says what is) and returns false.
 */
static bool open_mapping(struct ld *ld, const char *where, const char *expected)
{
	if (ld->ev.type != YAML_MAPPING_START_EVENT) {
		wrong_shape(ld, where, expected);
		return false;
	}
	return check_props(ld);
}

/*
 * Moves to the next usable key of the open mapping: true with its text,
 * false at the mapping's end (or when the parse stops).  Keys that are not
 * usable are reported and skipped with their values (read_key).
 */
static bool next_key(struct ld *ld, const char *where, const char **k, size_t *klen)
{
	while (next(ld) && !is_type(ld, YAML_MAPPING_END_EVENT)) {
		if (read_key(ld, where, k, klen))
			return true;
	}
	return false;
}

/*
 * After a key of a mapping with a fixed set of keys (idx: which one, or
 * -1 for an unknown key the caller reported): reports a repeated key and
 * moves to the value.  The value of an unknown or repeated key is skipped.
 * True when the value is the caller's to read; seen[idx] and first[idx]
 * (the key's line) are then set.
 */
static bool claim_key(struct ld *ld, int idx, bool seen[], uint32_t first[], const char *where,
		      const char *noun, const char *key)
{
	struct pos at = here(ld);
	if (idx >= 0 && seen[idx])
		err(ld, at, "%s%sduplicate %s \"%s\" (first at line %u)", where ? where : "",
		    where ? ": " : "", noun, key, first[idx]);
	if (!next(ld))
		return false;
	if (idx < 0 || seen[idx]) {
		skip_node(ld);
		return false;
	}
	seen[idx] = true;
	first[idx] = at.line;
	return true;
}

/*
 * Strict decimal uid/gid: no sign, no leading zero, below (uid_t)-1.
 * Returns NULL, or why s[0..len) is not one.
 */
static const char *parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	if (len == 0)
		return "an id is missing";
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "ids are decimal numbers";
		if (v < UINT32_MAX)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (len > 1 && s[0] == '0')
		return "leading zeros are not allowed";
	if (v >= UINT32_MAX)
		return "the largest id is 4294967294";
	*out = (uint32_t)v;
	return NULL;
}

/*
 * What a users: or groups: key names.  The name is copied: the key's event
 * is gone once the parser moves on to the rule's body.
 */
struct rule_key {
	enum rl_rule_kind kind;
	bool has_name;
	char name[RL_NAME_MAX + 1];
	uint32_t lo, hi;
	struct pos at; /* where the key is written */
};

/* Parses "uid:N", "uid:N-M" (prefix "uid:" or "gid:") into k. */
static bool parse_id_rule(struct ld *ld, struct pos at, const char *s, size_t len, bool users,
			  struct rule_key *k)
{
	const char *prefix = users ? "uid" : "gid";
	const char *dash = memchr(s, '-', len);
	const char *why;
	int shown = (int)(len > 40 ? 40 : len);
	if (!dash) {
		if ((why = parse_id(s, len, &k->lo)) != NULL) {
			err(ld, at, "invalid %s rule \"%s:%.*s\": %s (write %s:N or %s:N-M)",
			    prefix, prefix, shown, s, why, prefix, prefix);
			return false;
		}
		k->kind = users ? RL_RULE_UID : RL_RULE_GID;
		k->hi = k->lo;
		return true;
	}
	size_t l1 = (size_t)(dash - s);
	if ((why = parse_id(s, l1, &k->lo)) != NULL ||
	    (why = parse_id(dash + 1, len - l1 - 1, &k->hi)) != NULL) {
		err(ld, at, "invalid %s range \"%s:%.*s\": %s (write %s:N-M)", prefix, prefix,
		    shown, s, why, prefix);
		return false;
	}
	if (k->lo > k->hi) {
		err(ld, at, "%s range \"%s:%.*s\" has its ends reversed (write %s:%u-%u)", prefix,
		    prefix, (int)len, s, prefix, k->hi, k->lo);
		return false;
	}
	k->kind = users ? RL_RULE_UID_RANGE : RL_RULE_GID_RANGE;
	return true;
}

static bool parse_rule_key(struct ld *ld, const char *s, size_t len, bool users, struct rule_key *k)
{
	struct pos at = here(ld);
	const char *what = users ? "user" : "group";
	memset(k, 0, sizeof(*k));
	k->at = at;
	if (len > 4 && (memcmp(s, "uid:", 4) == 0 || memcmp(s, "gid:", 4) == 0)) {
		bool uid = s[0] == 'u';
		if (uid != users) {
			err(ld, at, "\"%.4s\" rules belong under %s:, not %s:", s,
			    uid ? "users" : "groups", users ? "users" : "groups");
			return false;
		}
		return parse_id_rule(ld, at, s + 4, len - 4, users, k);
	}
	if (s[0] == '@' || s[0] == '%' || s[0] == '*') {
		err(ld, at,
		    "invalid %s name \"%.40s\": pam_limits' @group, %%group and * are written "
		    "groups: NAME and default: here",
		    what, s);
		return false;
	}
	if (len > RL_NAME_MAX || memchr(s, ':', len) || memchr(s, '/', len) ||
	    memchr(s, ' ', len)) {
		err(ld, at, "invalid %s name \"%.40s\": no spaces, ':' or '/', at most %d bytes",
		    what, s, RL_NAME_MAX);
		return false;
	}
	k->kind = users ? RL_RULE_USER : RL_RULE_GROUP;
	k->has_name = true;
	memcpy(k->name, s, len);
	k->name[len] = '\0';
	return true;
}

/* Orders two values of one item; false when they cannot be compared now. */
static bool value_above(const struct rl_value *a, const struct rl_value *b)
{
	if (a->type == RL_V_INF)
		return b->type != RL_V_INF;
	if (b->type == RL_V_INF)
		return false;
	if (a->type == b->type)
		return a->n > b->n;
	return false; /* a percentage against bytes: clamped at resolution */
}

/* The value of item idx, or of total idx of rl_totals when total. */
static void set_value(struct ld *ld, int idx, bool total, struct rl_setv *sv)
{
	const char *s;
	size_t len;
	struct rl_value v;
	if (!check_props(ld) || !scalar_text(ld, &s, &len))
		return;
	enum rl_verr e =
	    total ? rl_total_value_parse(idx, s, len, &v) : rl_value_parse(idx, s, len, &v);
	if (e != RL_VERR_OK) {
		char why[512];
		if (total)
			rl_total_verr_describe(e, idx, s, len, why, sizeof(why));
		else
			rl_verr_describe(e, idx, s, len, why, sizeof(why));
		err(ld, here(ld), "%s", why);
		return;
	}
	struct pos at = here(ld);
	sv->v = v;
	sv->seq = ++ld->p->seq;
	sv->line = at.line;
	sv->col = at.col;
	sv->file = ld->file_idx;
}

/* { soft: X, hard: Y } for item; current event is its MAPPING_START. */
static void parse_soft_hard(struct ld *ld, int item, struct rl_setv half[2])
{
	const char *name = rl_items[item].name;
	bool seen[2] = {false, false};
	uint32_t first[2];
	const char *k;
	size_t klen;
	while (next_key(ld, name, &k, &klen)) {
		int h = klen == 4 && memcmp(k, "soft", 4) == 0   ? RL_SOFT
			: klen == 4 && memcmp(k, "hard", 4) == 0 ? RL_HARD
								 : -1;
		if (h < 0)
			err(ld, here(ld), "%s: unknown key \"%.40s\" (expected soft or hard)", name,
			    k);
		if (!claim_key(ld, h, seen, first, name, "key", k))
			continue;
		if (ld->ev.type == YAML_SCALAR_EVENT)
			set_value(ld, item, false, &half[h]);
		else
			wrong_shape(ld, name, "a value");
	}
	if (!seen[RL_SOFT] && !seen[RL_HARD] && is_type(ld, YAML_MAPPING_END_EVENT))
		err(ld, here(ld), "%s: an empty mapping sets nothing (write soft:, hard: or both)",
		    rl_items[item].name);
}

/*
 * Keeps a rule whose body was read without error: in p, unless the policy
 * is filtered for a user it cannot apply to.  A group rule that cannot be
 * decided (group information unavailable) is kept, for the resolver to
 * name it as skipped.  RL_OK or RL_ENOMEM.
 */
static enum rl_status keep_rule(struct ld *ld, const struct rule_key *k, const char *label,
				const struct rl_body *body)
{
	struct rl_rule key = {.kind = k->kind, .lo = k->lo, .hi = k->hi, .label = label};
	key.name = k->has_name ? k->name : NULL;
	key.file = ld->file_idx;
	key.line = k->at.line;
	key.col = k->at.col;
	if (ld->p->filter) {
		bool match;
		enum rl_status st = rl_rule_matches(&key, ld->p->filter, &match);
		if (st == RL_ENSS)
			match = true;
		else if (st != RL_OK)
			return st;
		if (!match)
			return RL_OK;
	}
	return rl_policy_merge_rule(ld->p, &key, body);
}

/* session: or user: inside a rule: a mapping of totals, one value each. */
static void parse_totals(struct ld *ld, enum rl_scope scope, const char *label, struct rl_body *b)
{
	char where[RL_NAME_MAX + 32];
	bool seen[RL_NTOTALS] = {false};
	uint32_t first[RL_NTOTALS];
	const char *k;
	size_t klen;

	snprintf(where, sizeof(where), "%s.%s", label, rl_scope_name(scope));
	if (!open_mapping(ld, where, "a mapping of totals"))
		return;
	while (next_key(ld, where, &k, &klen)) {
		int t = rl_total_lookup(scope, k, klen);
		if (t < 0) {
			char names[160];
			err(ld, here(ld), "%s: unknown total \"%.40s\" (%s: takes %s)", where, k,
			    rl_scope_name(scope), rl_total_names(scope, names, sizeof(names)));
		}
		if (!claim_key(ld, t, seen, first, where, "total", k))
			continue;
		memset(&b->totals[t], 0, sizeof(b->totals[t]));
		b->tseen[t] = true;
		if (ld->ev.type == YAML_SCALAR_EVENT)
			set_value(ld, t, true, &b->totals[t]);
		else
			wrong_shape(ld, where, "a single value (totals have no soft and hard)");
	}
}

/* The scope whose map key k is ("session", "user"), or -1. */
static int scope_key(const char *k, size_t klen)
{
	if (klen == 7 && memcmp(k, "session", 7) == 0)
		return RL_SCOPE_SESSION;
	if (klen == 4 && memcmp(k, "user", 4) == 0)
		return RL_SCOPE_USER;
	return -1;
}

/* Reports an unknown key of a rule, naming the scope a total belongs in. */
static void unknown_item(struct ld *ld, const char *label, const char *name, size_t nlen)
{
	char names[256];
	bool s = rl_total_lookup(RL_SCOPE_SESSION, name, nlen) >= 0;
	bool u = rl_total_lookup(RL_SCOPE_USER, name, nlen) >= 0;
	if (s || u)
		err(ld, here(ld), "%s: \"%.40s\" is a total: write it under %s", label, name,
		    s && u ? "session: or user:"
		    : s    ? "session:"
			   : "user:");
	else
		err(ld, here(ld), "%s: unknown item \"%.40s\" (items are %s)", label, name,
		    rl_item_names(false, names, sizeof(names)));
}

/*
 * A rule's body: a mapping of items, and of the totals maps session: and
 * user:.  Values are validated whether or not the rule applies to the
 * filter's user, then the rule is kept or dropped.  Only the items written
 * are touched: a login reads every rule's body.
 */
static void parse_rule_body(struct ld *ld, const struct rule_key *k, const char *label)
{
	struct rl_body body;
	uint32_t first[RL_NITEMS];
	bool scope_seen[2] = {false, false};
	uint32_t scope_first[2];
	unsigned errors_before = ld->errors;

	memset(body.seen, 0, sizeof(body.seen));
	memset(body.tseen, 0, sizeof(body.tseen));
	if (!open_mapping(ld, label, "a mapping of limit items"))
		return;
	const char *name;
	size_t nlen;
	while (next_key(ld, label, &name, &nlen)) {
		int scope = scope_key(name, nlen);
		if (scope >= 0) {
			if (claim_key(ld, scope, scope_seen, scope_first, label, "key", name))
				parse_totals(ld, (enum rl_scope)scope, label, &body);
			continue;
		}
		int item = rl_item_lookup(name, nlen);
		if (item < 0)
			unknown_item(ld, label, name, nlen);
		if (!claim_key(ld, item, body.seen, first, label, "item", name))
			continue;
		struct rl_setv *half = body.items[item];
		memset(half, 0, sizeof(body.items[item]));
		if (ld->ev.type == YAML_SCALAR_EVENT) {
			set_value(ld, item, false, &half[RL_SOFT]);
			half[RL_HARD] = half[RL_SOFT];
		} else if (ld->ev.type == YAML_MAPPING_START_EVENT && !rl_item_is_rlimit(item)) {
			wrong_shape(ld, rl_items[item].name, "one value (it has no soft and hard)");
		} else if (ld->ev.type == YAML_MAPPING_START_EVENT && check_props(ld)) {
			parse_soft_hard(ld, item, half);
			const struct rl_setv *s = &half[RL_SOFT], *h = &half[RL_HARD];
			if (s->v.type != RL_V_UNSET && h->v.type != RL_V_UNSET &&
			    value_above(&s->v, &h->v)) {
				struct pos at = {s->line, s->col};
				char sv[32], hv[32];
				bool nice = rl_items[item].kind == RL_KIND_NICE;
				rl_value_text(item, &s->v, sv, sizeof(sv));
				rl_value_text(item, &h->v, hv, sizeof(hv));
				err(ld, at, "%s: %s: the soft limit %s %s than the hard limit %s",
				    label, rl_items[item].name, sv,
				    nice ? "allows more" : "is higher", hv);
			}
		} else {
			wrong_shape(ld, rl_items[item].name, "a value or {soft: X, hard: Y}");
		}
	}
	if (ld->stop || ld->errors != errors_before)
		return; /* the policy is refused anyway */
	bool any = false;
	for (int i = 0; i < RL_NITEMS; i++)
		any = any || body.seen[i];
	for (int t = 0; t < RL_NTOTALS; t++)
		any = any || body.tseen[t];
	if (!any)
		return; /* "alice: {}" sets nothing: nothing to keep */
	enum rl_status st = keep_rule(ld, k, label, &body);
	if (st != RL_OK) { /* RL_ENOMEM */
		ld->fatal = st;
		ld->stop = true;
	}
}

/* users: or groups: */
static void parse_rules(struct ld *ld, bool users)
{
	const char *section = users ? "users" : "groups";
	struct rl_keyset keys = {0};

	if (!open_mapping(ld, section, "a mapping of rules (write {} for none)"))
		return;
	const char *k;
	size_t klen;
	while (next_key(ld, section, &k, &klen)) {
		struct pos at = here(ld);
		uint32_t first;
		if (rl_keyset_add(&keys, k, klen, at.line, &first) != RL_OK) {
			nomem(ld);
			break;
		}
		struct rule_key rk;
		bool ok = false;
		char label[RL_NAME_MAX + 16];
		if (first) {
			err(ld, at, "%s: duplicate key \"%.40s\" (first at line %u)", section, k,
			    first);
		} else if (parse_rule_key(ld, k, klen, users, &rk)) {
			ok = true;
			/* section "." key; memcpy: this runs once per rule per login */
			size_t sl = strlen(section);
			memcpy(label, section, sl);
			label[sl] = '.';
			memcpy(label + sl + 1, k, klen);
			label[sl + 1 + klen] = '\0';
			struct rl_range range = {rk.lo, rk.hi, ld->file_idx, at.line, at.col};
			if (rk.kind == RL_RULE_UID_RANGE &&
			    rl_policy_add_range(ld->p, &range) != RL_OK) {
				nomem(ld);
				break;
			}
		}
		if (!next(ld))
			break;
		if (ok)
			parse_rule_body(ld, &rk, label);
		else
			skip_node(ld);
	}
	rl_keyset_free(&keys);
}

enum top_key { TK_VERSION, TK_COMBINE, TK_UNSET, TK_DEFAULT, TK_GROUPS, TK_USERS, TK_N };
static const char *const top_keys[TK_N] = {"version", "groups_combine", "unset",
					   "default", "groups",         "users"};

/* The current node as a scalar setting of key; false (reported) otherwise. */
static bool setting_text(struct ld *ld, const char *key, const char *expected, const char **s,
			 size_t *len)
{
	if (ld->ev.type != YAML_SCALAR_EVENT) {
		wrong_shape(ld, key, expected);
		return false;
	}
	return check_props(ld) && scalar_text(ld, s, len);
}

static void parse_version(struct ld *ld)
{
	const char *s;
	size_t len;
	if (!setting_text(ld, "version", "1", &s, &len))
		return;
	if (len != 1 || s[0] != '1')
		err(ld, here(ld),
		    "version: unsupported version \"%.20s\" (this pam_rlimit reads "
		    "version 1)",
		    s);
}

static void parse_combine(struct ld *ld)
{
	static const char *const names[] = {"max", "min", "last"};
	const char *s;
	size_t len;
	if (!setting_text(ld, "groups_combine", "max, min or last", &s, &len))
		return;
	for (int i = 0; i < 3; i++) {
		if (strlen(names[i]) == len && memcmp(s, names[i], len) == 0) {
			ld->p->combine = (enum rl_combine)i;
			return;
		}
	}
	err(ld, here(ld), "groups_combine: \"%.40s\" is not max, min or last", s);
}

/* unset: keep | pid1 -- what happens to the rlimits no rule sets. */
static void parse_unset(struct ld *ld)
{
	const char *s;
	size_t len;
	if (!setting_text(ld, "unset", "keep or pid1", &s, &len))
		return;
	if (len == 4 && memcmp(s, "keep", 4) == 0)
		ld->p->unset = RL_UNSET_KEEP;
	else if (len == 4 && memcmp(s, "pid1", 4) == 0)
		ld->p->unset = RL_UNSET_PID1;
	else
		err(ld, here(ld), "unset: \"%.40s\" is not keep or pid1", s);
}

static void parse_top(struct ld *ld)
{
	struct pos start = here(ld);
	bool seen[TK_N] = {false};
	uint32_t first[TK_N];
	static const struct rule_key default_key = {.kind = RL_RULE_DEFAULT};

	if (!open_mapping(ld, "policy", "a mapping with version: 1"))
		return;
	const char *k;
	size_t klen;
	while (next_key(ld, "policy", &k, &klen)) {
		int t = -1;
		for (int i = 0; i < TK_N; i++) {
			if (strlen(top_keys[i]) == klen && memcmp(top_keys[i], k, klen) == 0)
				t = i;
		}
		if (t < 0)
			err(ld, here(ld),
			    "unknown key \"%.40s\" (expected version, groups_combine, unset, "
			    "default, groups or users)",
			    k);
		if (!claim_key(ld, t, seen, first, NULL, "key", k))
			continue;
		switch ((enum top_key)t) {
		case TK_VERSION:
			parse_version(ld);
			break;
		case TK_COMBINE:
			parse_combine(ld);
			break;
		case TK_UNSET:
			parse_unset(ld);
			break;
		case TK_DEFAULT:
			parse_rule_body(ld, &default_key, "default");
			break;
		case TK_GROUPS:
			parse_rules(ld, false);
			break;
		case TK_USERS:
			parse_rules(ld, true);
			break;
		case TK_N:
			break;
		}
	}
	if (!ld->stop && !seen[TK_VERSION])
		err(ld, start, "missing \"version: 1\"");
}

static void parse_stream(struct ld *ld)
{
	if (!next(ld) || !is_type(ld, YAML_STREAM_START_EVENT))
		return;
	if (!next(ld))
		return;
	if (is_type(ld, YAML_STREAM_END_EVENT)) {
		err(ld, here(ld), "the policy is empty (it needs at least \"version: 1\")");
		return;
	}
	/* DOCUMENT_START, then the root node */
	if (!next(ld))
		return;
	if (is_type(ld, YAML_SCALAR_EVENT) && ld->ev.data.scalar.length == 0 &&
	    ld->ev.data.scalar.plain_implicit)
		err(ld, here(ld), "the policy is empty (it needs at least \"version: 1\")");
	else
		parse_top(ld);
	if (!next(ld)) /* DOCUMENT_END */
		return;
	if (!next(ld))
		return;
	if (is_type(ld, YAML_DOCUMENT_START_EVENT))
		err(ld, here(ld), "a policy file holds one YAML document, found another");
}

enum rl_status rl_policy_add_buffer(struct rl_policy *p, const char *name, const char *buf,
				    size_t len, const struct rl_sink *sink)
{
	uint32_t idx;
	if (!p || !name || (!buf && len))
		return RL_EUSAGE;
	if (rl_policy_add_file(p, name, &idx) != RL_OK)
		return RL_ENOMEM;

	struct ld ld = {
	    .p = p,
	    .sink = sink,
	    .file = p->files[idx],
	    .file_idx = idx,
	    .buf = (const unsigned char *)(buf ? buf : ""),
	    .len = len,
	    .fatal = RL_OK,
	};
	if (len >= 2 && ((ld.buf[0] == 0xFF && ld.buf[1] == 0xFE) ||
			 (ld.buf[0] == 0xFE && ld.buf[1] == 0xFF))) {
		struct pos at = {1, 1};
		err(&ld, at, "the policy must be UTF-8 text (this file is UTF-16)");
		return RL_EINVALID;
	}
	/* libyaml skips a byte-order mark only when it guesses the encoding. */
	if (ld.len >= 3 && memcmp(ld.buf, "\xEF\xBB\xBF", 3) == 0) {
		ld.buf += 3;
		ld.len -= 3;
	}
	if (!yaml_parser_initialize(&ld.parser))
		return RL_ENOMEM;
	yaml_parser_set_input_string(&ld.parser, ld.buf, ld.len);
	/* Positions are counted in UTF-8; libyaml would also take UTF-16. */
	yaml_parser_set_encoding(&ld.parser, YAML_UTF8_ENCODING);
	parse_stream(&ld);
	if (ld.have_ev)
		yaml_event_delete(&ld.ev);
	yaml_parser_delete(&ld.parser);
	if (ld.fatal != RL_OK)
		return ld.fatal;
	return ld.errors ? RL_EINVALID : RL_OK;
}
