/*
 * value.c - pure parsers and printers for limit values.
 *
 * Strict on purpose: "10x" is an error, not 10; a value past 2^64-1 is an
 * error, not saturated; "10GB" is refused because it reads as 1000-based.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rlimit_policy.h"

#define RL_VALUE_MAX_LEN 64
#define RL_PCT_DECIMALS 6

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit size_units[] = {
    {"K", 1ULL << 10},   {"M", 1ULL << 20},   {"G", 1ULL << 30},   {"T", 1ULL << 40},
    {"P", 1ULL << 50},   {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40}, {"PiB", 1ULL << 50}, {NULL, 0},
};
static const struct unit cpu_units[] = {
    {"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}, {NULL, 0},
};
static const struct unit rttime_units[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000000},
    {NULL, 0},
};
static const struct unit no_units[] = {{NULL, 0}};

/* What a value parser needs to know of an item or a total. */
struct vspec {
	const char *name;
	enum rl_kind kind;
	bool percent_ok;
	bool zero_ok;
	int total; /* index into rl_totals, or -1 for an item */
};

#define QUOTA_MAX_PCT 1000000 /* 10,000 CPUs */
#define WEIGHT_MAX 10000

static bool spec_of_item(int i, struct vspec *v)
{
	if (i < 0 || i >= RL_NITEMS)
		return false;
	*v = (struct vspec){rl_items[i].name, rl_items[i].kind, rl_items[i].percent_ok, true, -1};
	return true;
}

static bool spec_of_total(int t, struct vspec *v)
{
	if (t < 0 || t >= RL_NTOTALS)
		return false;
	const struct rl_total *x = &rl_totals[t];
	*v = (struct vspec){x->name, x->kind, x->percent_ok, x->zero_ok, t};
	return true;
}

static const struct unit *units_of(enum rl_kind kind)
{
	switch (kind) {
	case RL_KIND_SIZE:
		return size_units;
	case RL_KIND_CPU:
		return cpu_units;
	case RL_KIND_RTTIME:
		return rttime_units;
	default:
		return no_units;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool text_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Case-insensitive equality of s[0..len) and word. */
static bool text_is_nocase(const char *s, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char a = s[i], b = word[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* Reads decimal digits into *n; returns how many, or 0 on overflow with *ovf set. */
static size_t read_digits(const char *s, size_t len, uint64_t *n, bool *ovf)
{
	size_t i = 0;
	uint64_t v = 0;
	*ovf = false;
	while (i < len && is_digit(s[i])) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			*ovf = true;
		else
			v = v * 10 + d;
		i++;
	}
	*n = v;
	return i;
}

static enum rl_verr classify_unit(enum rl_kind kind, const char *u, size_t ulen, uint64_t *mult)
{
	for (const struct unit *t = units_of(kind); t->name; t++) {
		if (text_is(u, ulen, t->name)) {
			*mult = t->mult;
			return RL_VERR_OK;
		}
	}
	if (kind == RL_KIND_SIZE) {
		static const char *const si[] = {"KB", "MB", "GB", "TB", "PB", NULL};
		for (int i = 0; si[i]; i++) {
			if (text_is_nocase(u, ulen, si[i]))
				return RL_VERR_SI_UNIT;
		}
		for (const struct unit *t = size_units; t->name; t++) {
			if (text_is_nocase(u, ulen, t->name))
				return RL_VERR_UNIT_CASE;
		}
	}
	return RL_VERR_UNIT;
}

static enum rl_verr parse_percent(const char *s, size_t len, uint64_t whole, size_t ndig,
				  uint64_t max_whole, uint64_t min_n, struct rl_value *out)
{
	/* s[ndig..len) is "%" or ".ddd%" */
	uint64_t frac = 0;
	size_t i = ndig, nfrac = 0;
	if (s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			if (++nfrac > RL_PCT_DECIMALS)
				return RL_VERR_PERCENT_DIGITS;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
			i++;
		}
		if (nfrac == 0)
			return RL_VERR_SYNTAX;
	}
	if (i != len - 1 || s[i] != '%')
		return RL_VERR_SYNTAX;
	for (size_t k = nfrac; k < RL_PCT_DECIMALS; k++)
		frac *= 10;
	if (whole > max_whole)
		return RL_VERR_PERCENT_RANGE;
	uint64_t n = whole * RL_PCT_ONE + frac;
	if (n == 0 || n < min_n || n > max_whole * RL_PCT_ONE)
		return RL_VERR_PERCENT_RANGE;
	out->type = RL_V_PCT;
	out->n = n;
	return RL_VERR_OK;
}

static enum rl_verr parse_spec(const struct vspec *it, const char *s, size_t len,
			       struct rl_value *out)
{
	if (len == 0)
		return RL_VERR_EMPTY;
	if (len > RL_VALUE_MAX_LEN)
		return RL_VERR_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		if (is_space(s[i]))
			return RL_VERR_SPACE;
	}
	if (it->kind == RL_KIND_BOOL) {
		if (!text_is(s, len, "true") && !text_is(s, len, "false"))
			return RL_VERR_SYNTAX;
		out->type = RL_V_NUM;
		out->n = s[0] == 't';
		return RL_VERR_OK;
	}
	if (text_is(s, len, "unlimited") || text_is(s, len, "infinity")) {
		if (it->kind == RL_KIND_PRIORITY)
			return RL_VERR_SYNTAX;
		if (it->kind == RL_KIND_WEIGHT)
			return RL_VERR_RANGE;
		out->type = RL_V_INF;
		out->n = 0;
		return RL_VERR_OK;
	}

	bool neg = false;
	size_t start = 0;
	if (s[0] == '-') {
		if (it->kind != RL_KIND_NICE && it->kind != RL_KIND_PRIORITY)
			return RL_VERR_NEGATIVE;
		neg = true;
		start = 1;
	}
	uint64_t n;
	bool ovf;
	size_t ndig = read_digits(s + start, len - start, &n, &ovf);
	if (ndig == 0)
		return RL_VERR_SYNTAX;
	if (ndig > 1 && s[start] == '0')
		return RL_VERR_LEADING_ZERO;
	size_t rest = start + ndig;

	/* 0x10, 1e3: say "not a number" rather than "unknown unit x10". */
	if (rest + 1 < len) {
		bool hex = ndig == 1 && s[start] == '0' && (s[rest] == 'x' || s[rest] == 'X');
		bool expo = (s[rest] == 'e' || s[rest] == 'E') &&
			    (is_digit(s[rest + 1]) || s[rest + 1] == '+' || s[rest + 1] == '-');
		if (hex || expo)
			return RL_VERR_SYNTAX;
	}

	if (rest < len && (s[rest] == '.' || s[rest] == '%') && s[len - 1] == '%') {
		if (!it->percent_ok && it->kind != RL_KIND_QUOTA)
			return RL_VERR_PERCENT_ITEM;
		if (neg)
			return RL_VERR_NEGATIVE;
		if (it->kind == RL_KIND_QUOTA)
			return parse_percent(s + start, len - start, ovf ? UINT64_MAX : n, ndig,
					     QUOTA_MAX_PCT, RL_PCT_ONE, out);
		return parse_percent(s + start, len - start, ovf ? UINT64_MAX : n, ndig, 100, 0,
				     out);
	}
	if (it->kind == RL_KIND_QUOTA)
		return RL_VERR_UNIT; /* a quota is a percentage of one CPU */
	if (rest < len && s[rest] == '.')
		return RL_VERR_SYNTAX;
	if (ovf)
		return RL_VERR_OVERFLOW;

	if (it->kind == RL_KIND_NICE || it->kind == RL_KIND_PRIORITY) {
		if (rest != len)
			return RL_VERR_UNIT;
		if ((neg && n > 20) || (!neg && n > 19))
			return RL_VERR_RANGE;
		out->type = RL_V_NUM;
		out->n = neg ? 20 + n : 20 - n;
		return RL_VERR_OK;
	}

	uint64_t mult = 1;
	if (rest < len) {
		enum rl_verr e = classify_unit(it->kind, s + rest, len - rest, &mult);
		if (e != RL_VERR_OK)
			return e;
	}
	if (mult != 1 && n > UINT64_MAX / mult)
		return RL_VERR_OVERFLOW;
	n *= mult;
	if (it->kind == RL_KIND_RTPRIO && n > 99)
		return RL_VERR_RANGE;
	if (it->kind == RL_KIND_CPU && it->total < 0 && n > RL_CPU_SECONDS_MAX && n != UINT64_MAX)
		return RL_VERR_RANGE;
	if (it->kind == RL_KIND_WEIGHT && (n < 1 || n > WEIGHT_MAX))
		return RL_VERR_RANGE;
	if (n == 0 && !it->zero_ok)
		return RL_VERR_RANGE;
	out->type = RL_V_NUM;
	out->n = n;
	return RL_VERR_OK;
}

enum rl_verr rl_value_parse(int item_idx, const char *s, size_t len, struct rl_value *out)
{
	struct vspec v;
	if (!spec_of_item(item_idx, &v))
		return RL_VERR_SYNTAX;
	return parse_spec(&v, s, len, out);
}

enum rl_verr rl_total_value_parse(int t, const char *s, size_t len, struct rl_value *out)
{
	struct vspec v;
	if (!spec_of_total(t, &v))
		return RL_VERR_SYNTAX;
	return parse_spec(&v, s, len, out);
}

static const char *expected_of(const struct vspec *it)
{
	switch (it->kind) {
	case RL_KIND_SIZE:
		if (it->total >= 0)
			return it->percent_ok && it->zero_ok
				   ? "a size in bytes or with K, M, G, T or P (1024-based), a "
				     "percentage of RAM such as 50%, or unlimited"
				   : "a size above 0 in bytes or with K, M, G, T or P "
				     "(1024-based), "
				     "a percentage of RAM such as 50%, or unlimited";
		return it->percent_ok ? "a size in bytes or with K, M, G, T or P (1024-based), "
					"a percentage of RAM such as 50%, or unlimited"
				      : "a size in bytes or with K, M, G, T or P (1024-based), "
					"or unlimited";
	case RL_KIND_CPU:
		return it->total >= 0
			   ? "a duration above 0: seconds, or a number with s, min, h or "
			     "d, or unlimited"
			   : "seconds, or a number with s, min, h or d, or unlimited";
	case RL_KIND_RTTIME:
		return "microseconds, or a number with us, ms or s, or unlimited";
	case RL_KIND_COUNT:
		return it->total >= 0 ? "a whole number above 0, or unlimited"
				      : "a whole number, or unlimited";
	case RL_KIND_NICE:
		return "a niceness from -20 to 19";
	case RL_KIND_RTPRIO:
		return "a priority from 0 to 99, or unlimited";
	case RL_KIND_LOGINS:
		return "a number of sessions, or unlimited";
	case RL_KIND_PRIORITY:
		return "a niceness from -20 to 19";
	case RL_KIND_BOOL:
		return "true or false";
	case RL_KIND_WEIGHT:
		return "a weight from 1 to 10000 (100 is systemd's default)";
	case RL_KIND_QUOTA:
		return "a percentage of one CPU from 1% to 1000000% (200% is two CPUs' worth), or "
		       "unlimited";
	}
	return "a value";
}

/* Copies s[0..len) into dst for a message: printable ASCII only, shortened. */
static void quote_text(const char *s, size_t len, char *dst, size_t size)
{
	size_t o = 0, max = 40;
	for (size_t i = 0; i < len && o + 5 < size; i++) {
		if (i == max) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"') {
			dst[o++] = (char)c;
		} else {
			int k = snprintf(dst + o, size - o, "\\x%02x", c);
			if (k < 0 || (size_t)k >= size - o)
				break;
			o += (size_t)k;
		}
	}
	dst[o] = '\0';
}

/* The text after the leading sign and digits (the unit as written). */
static void unit_text(const char *s, size_t len, char *dst, size_t size)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	while (i < len && is_digit(s[i]))
		i++;
	quote_text(s + i, len - i, dst, size);
}

static char *describe_spec(enum rl_verr err, const struct vspec *it, const char *s, size_t len,
			   char *buf, size_t size)
{
	char text[200], unit[200], why[300];
	quote_text(s, len, text, sizeof(text));
	unit_text(s, len, unit, sizeof(unit));

	switch (err) {
	case RL_VERR_OK:
		snprintf(why, sizeof(why), "no error");
		break;
	case RL_VERR_EMPTY:
		snprintf(why, sizeof(why), "the value is empty");
		break;
	case RL_VERR_SPACE:
		snprintf(why, sizeof(why), "white space is not allowed inside a value");
		break;
	case RL_VERR_NEGATIVE:
		snprintf(why, sizeof(why), "negative values are not allowed");
		break;
	case RL_VERR_SYNTAX:
		if (text_is_nocase(s, len, "unlimited") || text_is_nocase(s, len, "infinity")) {
			snprintf(why, sizeof(why), "write it in lower case");
			break;
		}
		snprintf(why, sizeof(why),
			 "not a plain decimal number (no signs, hexadecimal, exponents or "
			 "decimals outside percentages)");
		break;
	case RL_VERR_LEADING_ZERO: {
		size_t z = s[0] == '-' ? 1 : 0, k = z;
		while (k + 1 < len && s[k] == '0' && is_digit(s[k + 1]))
			k++;
		snprintf(why, sizeof(why),
			 "leading zeros are not allowed (they read as octal elsewhere): "
			 "write %s%.*s",
			 z ? "-" : "", (int)(len - k > 40 ? 40 : len - k), s + k);
	} break;
	case RL_VERR_OVERFLOW:
		snprintf(why, sizeof(why),
			 "too large: the largest value is 2^64-1 (write unlimited for no limit)");
		break;
	case RL_VERR_UNIT:
		if (it->kind == RL_KIND_QUOTA)
			snprintf(why, sizeof(why), "a quota is written with %%");
		else
			snprintf(why, sizeof(why), "unknown unit \"%s\"", unit);
		break;
	case RL_VERR_SI_UNIT: {
		/* Only K M G T P are classified here, in either case. */
		char up = unit[0] >= 'a' && unit[0] <= 'z' ? (char)(unit[0] - 'a' + 'A') : unit[0];
		snprintf(why, sizeof(why),
			 "\"%s\" reads as 1000-based; sizes here are 1024-based: write %c or %ciB",
			 unit, up, up);
		break;
	}
	case RL_VERR_UNIT_CASE: {
		char up = unit[0] >= 'a' && unit[0] <= 'z' ? (char)(unit[0] - 'a' + 'A') : unit[0];
		snprintf(why, sizeof(why), "units are upper-case: write %c or %ciB", up, up);
		break;
	}
	case RL_VERR_PERCENT_ITEM: {
		char list[120];
		if (it->total >= 0)
			snprintf(list, sizeof(list), "memory_max, memory_high and memory_swap_max");
		else
			rl_item_names(true, list, sizeof(list));
		snprintf(why, sizeof(why), "a percentage of RAM is accepted only for %s", list);
		break;
	}
	case RL_VERR_PERCENT_RANGE:
		if (it->kind == RL_KIND_QUOTA)
			snprintf(why, sizeof(why), "a quota must be at least 1%% and at most %d%%",
				 QUOTA_MAX_PCT);
		else
			snprintf(why, sizeof(why), "a percentage must be above 0 and at most 100");
		break;
	case RL_VERR_PERCENT_DIGITS:
		snprintf(why, sizeof(why), "a percentage takes at most %d decimals",
			 RL_PCT_DECIMALS);
		break;
	case RL_VERR_RANGE:
		if (it->kind == RL_KIND_CPU && it->total < 0)
			snprintf(why, sizeof(why),
				 "above %llu s (about 584 years), which the kernel cannot count "
				 "in nanoseconds: it would end every process at once (write "
				 "unlimited for no limit)",
				 (unsigned long long)RL_CPU_SECONDS_MAX);
		else if (it->total >= 0 && it->kind != RL_KIND_WEIGHT)
			snprintf(why, sizeof(why), "0 would stop every process it covers");
		else
			snprintf(why, sizeof(why), "out of range");
		break;
	case RL_VERR_TOO_LONG:
		snprintf(why, sizeof(why), "the value is too long");
		break;
	}
	snprintf(buf, size, "invalid value \"%s\" for %s: %s; expected %s", text, it->name, why,
		 expected_of(it));
	return buf;
}

char *rl_verr_describe(enum rl_verr err, int item_idx, const char *s, size_t len, char *buf,
		       size_t size)
{
	struct vspec v;
	if (size == 0)
		return buf;
	if (!spec_of_item(item_idx, &v)) {
		snprintf(buf, size, "unknown item");
		return buf;
	}
	return describe_spec(err, &v, s, len, buf, size);
}

char *rl_total_verr_describe(enum rl_verr err, int t, const char *s, size_t len, char *buf,
			     size_t size)
{
	struct vspec v;
	if (size == 0)
		return buf;
	if (!spec_of_total(t, &v)) {
		snprintf(buf, size, "unknown total");
		return buf;
	}
	return describe_spec(err, &v, s, len, buf, size);
}

/* A percentage as written: "12.5%", no trailing zeros. */
static char *percent_text(uint64_t n, char *buf, size_t size)
{
	char frac[24];
	snprintf(frac, sizeof(frac), "%06" PRIu64, (uint64_t)(n % RL_PCT_ONE));
	for (int i = RL_PCT_DECIMALS - 1; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(buf, size, "%" PRIu64 "%s%s%%", (uint64_t)(n / RL_PCT_ONE), frac[0] ? "." : "",
		 frac);
	return buf;
}

char *rl_value_text(int item_idx, const struct rl_value *v, char *buf, size_t size)
{
	if (v->type != RL_V_PCT)
		return rl_value_format(item_idx, v->type == RL_V_NUM ? (rlim_t)v->n : RLIM_INFINITY,
				       buf, size);
	return percent_text(v->n, buf, size);
}

/* v in kind's own units, exact: the largest unit that divides it. */
static char *format_kind(enum rl_kind kind, uint64_t v, char *buf, size_t size)
{
	if (v == UINT64_MAX) {
		snprintf(buf, size, "unlimited");
		return buf;
	}
	if (kind == RL_KIND_BOOL) {
		snprintf(buf, size, "%s", v ? "true" : "false");
		return buf;
	}
	if (kind == RL_KIND_NICE || kind == RL_KIND_PRIORITY) {
		/* 1..40 are the niceness 19..-20; the kernel also allows others. */
		if (v >= 1 && v <= 40)
			snprintf(buf, size, "%d", 20 - (int)v);
		else
			snprintf(buf, size, "rlimit %" PRIu64, v);
		return buf;
	}
	if (kind == RL_KIND_QUOTA) /* microseconds per second: 10000 is 1% */
		return percent_text(v * (RL_PCT_ONE / 10000), buf, size);
	const struct unit *u = units_of(kind);
	const struct unit *best = NULL;
	for (const struct unit *t = u; t->name && v != 0; t++) {
		if (kind == RL_KIND_SIZE && strlen(t->name) != 1)
			continue; /* prefer "G" over "GiB" */
		if (v % t->mult == 0 && (!best || t->mult > best->mult))
			best = t;
	}
	if (best && best->mult > 1)
		snprintf(buf, size, "%" PRIu64 "%s", v / best->mult, best->name);
	else
		snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

char *rl_value_format(int item_idx, rlim_t v, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (item_idx < 0 || item_idx >= RL_NITEMS) {
		snprintf(buf, size, "?");
		return buf;
	}
	return format_kind(rl_items[item_idx].kind, v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v,
			   buf, size);
}

char *rl_total_format(int t, uint64_t n, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (t < 0 || t >= RL_NTOTALS) {
		snprintf(buf, size, "?");
		return buf;
	}
	return format_kind(rl_totals[t].kind, n, buf, size);
}

char *rl_total_value_text(int t, const struct rl_value *v, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (v->type == RL_V_PCT)
		return percent_text(v->n, buf, size);
	return rl_total_format(t, v->type == RL_V_NUM ? v->n : UINT64_MAX, buf, size);
}
