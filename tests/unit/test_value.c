/*
 * test_value.c - policy/value.c and policy/items.c: rl_value_parse for every
 * item kind, every unit and every edge; rl_verr_describe's exact text;
 * rl_value_format and its round trip through the parser.
 *
 * Every check asserts the returned enum AND the value, and that a refused
 * text leaves *out untouched.
 */
#include "unit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(RLIM_INFINITY == UINT64_MAX, "2^64-1 as a number must be RLIM_INFINITY");

static const char *const verr_name[] = {
    "OK",           "EMPTY",         "SPACE",          "NEGATIVE", "SYNTAX",
    "LEADING_ZERO", "OVERFLOW",      "UNIT",           "SI_UNIT",  "UNIT_CASE",
    "PERCENT_ITEM", "PERCENT_RANGE", "PERCENT_DIGITS", "RANGE",    "TOO_LONG",
};

static const char *en(enum rl_verr e)
{
	return (unsigned)e < sizeof(verr_name) / sizeof(verr_name[0]) ? verr_name[e] : "?";
}

#define SENTINEL_TYPE ((enum rl_vtype)77)
#define SENTINEL_N 0x5eed5eed5eed5eedULL

static void check(const char *item, const char *s, size_t len, enum rl_verr want_e,
		  enum rl_vtype want_t, uint64_t want_n, const char *file, int line)
{
	struct rl_value v = {SENTINEL_TYPE, SENTINEL_N};
	enum rl_verr e = rl_value_parse(item_index(item), s, len, &v);
	if (e != want_e)
		fail_msg("%s:%d: %s \"%.*s\": got %s, want %s", file, line, item, (int)len, s,
			 en(e), en(want_e));
	if (e == RL_VERR_OK && (v.type != want_t || v.n != want_n))
		fail_msg("%s:%d: %s \"%.*s\": got type %d n %" PRIu64 ", want type %d n %" PRIu64,
			 file, line, item, (int)len, s, (int)v.type, v.n, (int)want_t, want_n);
	if (e != RL_VERR_OK && (v.type != SENTINEL_TYPE || v.n != SENTINEL_N))
		fail_msg("%s:%d: %s \"%.*s\": refused but *out was written", file, line, item,
			 (int)len, s);
}

/* For literals (the length includes embedded NULs) and for C strings. */
#define NUM(item, lit, n)                                                                          \
	check(item, lit, sizeof(lit) - 1, RL_VERR_OK, RL_V_NUM, n, __FILE__, __LINE__)
#define PCT(item, lit, n)                                                                          \
	check(item, lit, sizeof(lit) - 1, RL_VERR_OK, RL_V_PCT, n, __FILE__, __LINE__)
#define INF(item, lit)                                                                             \
	check(item, lit, sizeof(lit) - 1, RL_VERR_OK, RL_V_INF, 0, __FILE__, __LINE__)
#define ERR(item, lit, e) check(item, lit, sizeof(lit) - 1, RL_VERR_##e, 0, 0, __FILE__, __LINE__)
#define NUMS(item, str, n)                                                                         \
	check(item, str, strlen(str), RL_VERR_OK, RL_V_NUM, n, __FILE__, __LINE__)
#define ERRS(item, str, e) check(item, str, strlen(str), RL_VERR_##e, 0, 0, __FILE__, __LINE__)

static const char *const all_items[] = {
    "as",    "data",    "rss",   "stack",      "core",     "cpu",  "fsize",  "nofile",
    "nproc", "memlock", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime"};
static const char *const size_items[] = {"as",   "data",  "rss",     "stack",
					 "core", "fsize", "memlock", "msgqueue"};
static const char *const pct_items[] = {"as", "data", "rss", "stack", "memlock"};
static const char *const count_items[] = {"nofile", "nproc", "locks", "sigpending"};
#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FOR(var, arr)                                                                              \
	for (size_t var##_i = 0; var##_i < N(arr) && ((var = arr[var##_i]), 1); var##_i++)

static bool is_pct_item(const char *item)
{
	for (size_t i = 0; i < N(pct_items); i++)
		if (strcmp(item, pct_items[i]) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ items */

static void test_items_table(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int res;
		enum rl_kind kind;
		bool pct;
	} want[RL_NITEMS] = {
	    {"as", RLIMIT_AS, RL_KIND_SIZE, true},
	    {"data", RLIMIT_DATA, RL_KIND_SIZE, true},
	    {"rss", RLIMIT_RSS, RL_KIND_SIZE, true},
	    {"stack", RLIMIT_STACK, RL_KIND_SIZE, true},
	    {"core", RLIMIT_CORE, RL_KIND_SIZE, false},
	    {"cpu", RLIMIT_CPU, RL_KIND_CPU, false},
	    {"fsize", RLIMIT_FSIZE, RL_KIND_SIZE, false},
	    {"nofile", RLIMIT_NOFILE, RL_KIND_COUNT, false},
	    {"nproc", RLIMIT_NPROC, RL_KIND_COUNT, false},
	    {"memlock", RLIMIT_MEMLOCK, RL_KIND_SIZE, true},
	    {"locks", RLIMIT_LOCKS, RL_KIND_COUNT, false},
	    {"sigpending", RLIMIT_SIGPENDING, RL_KIND_COUNT, false},
	    {"msgqueue", RLIMIT_MSGQUEUE, RL_KIND_SIZE, false},
	    {"nice", RLIMIT_NICE, RL_KIND_NICE, false},
	    {"rtprio", RLIMIT_RTPRIO, RL_KIND_RTPRIO, false},
	    {"rttime", RLIMIT_RTTIME, RL_KIND_RTTIME, false},
	    {"maxlogins", RL_NOT_RLIMIT, RL_KIND_LOGINS, false},
	    {"maxsyslogins", RL_NOT_RLIMIT, RL_KIND_LOGINS, false},
	    {"priority", RL_NOT_RLIMIT, RL_KIND_PRIORITY, false},
	    {"nonewprivs", RL_NOT_RLIMIT, RL_KIND_BOOL, false},
	};
	bool seen_res[RLIM_NLIMITS] = {false};
	int nrlimits = 0;
	for (int i = 0; i < RL_NITEMS; i++) {
		assert_string_equal(rl_items[i].name, want[i].name);
		assert_int_equal(rl_items[i].resource, want[i].res);
		assert_int_equal(rl_items[i].kind, want[i].kind);
		assert_int_equal(rl_items[i].percent_ok, want[i].pct);
		assert_non_null(rl_items[i].what);
		assert_true(strlen(rl_items[i].what) > 0);
		assert_int_equal(rl_item_is_rlimit(i), want[i].res != RL_NOT_RLIMIT);
		if (!rl_item_is_rlimit(i))
			continue;
		nrlimits++;
		assert_false(seen_res[rl_items[i].resource]);
		seen_res[rl_items[i].resource] = true;
	}
	/* Every Linux rlimit is in the table; the named indexes are right. */
	assert_int_equal(nrlimits, RLIM_NLIMITS);
	assert_string_equal(rl_items[RL_ITEM_MAXLOGINS].name, "maxlogins");
	assert_string_equal(rl_items[RL_ITEM_MAXSYSLOGINS].name, "maxsyslogins");
	assert_string_equal(rl_items[RL_ITEM_PRIORITY].name, "priority");
	assert_string_equal(rl_items[RL_ITEM_NONEWPRIVS].name, "nonewprivs");
}

static void test_item_lookup(void **state)
{
	(void)state;
	for (int i = 0; i < RL_NITEMS; i++)
		assert_int_equal(rl_item_lookup(rl_items[i].name, strlen(rl_items[i].name)), i);
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(rl_item_lookup("asdf", 2), 0);
	assert_int_equal(rl_item_lookup("a", 1), -1);
	assert_int_equal(rl_item_lookup("asx", 3), -1);
	assert_int_equal(rl_item_lookup("AS", 2), -1);
	assert_int_equal(rl_item_lookup("", 0), -1);
	assert_int_equal(rl_item_lookup("nofiles", 7), -1);
	assert_int_equal(rl_item_lookup("vmem", 4), -1);
}

/* --------------------------------------------------------- every item */

static void test_unlimited_every_item(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		INF(it, "unlimited");
		INF(it, "infinity");
		ERR(it, "Unlimited", SYNTAX);
		ERR(it, "UNLIMITED", SYNTAX);
		ERR(it, "inf", SYNTAX);
		ERR(it, "unlimite", SYNTAX);
		ERR(it, "unlimitedx", SYNTAX);
		ERR(it, "infinite", SYNTAX);
		ERR(it, "none", SYNTAX);
		ERR(it, "unlimited\0", SYNTAX);
	}
	ERR("as", "-unlimited", NEGATIVE);
	ERR("nice", "-unlimited", SYNTAX);
}

static void test_zero_every_item(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		if (strcmp(it, "nice") == 0)
			NUM(it, "0", 20); /* niceness 0 is rlimit 20 */
		else
			NUM(it, "0", 0);
	}
	NUM("as", "0K", 0);
	NUM("as", "0PiB", 0);
	NUM("cpu", "0d", 0);
	NUM("rttime", "0s", 0);
}

static void test_max_u64(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		if (strcmp(it, "nice") == 0 || strcmp(it, "rtprio") == 0)
			ERR(it, "18446744073709551615", RANGE);
		else
			NUM(it, "18446744073709551615", UINT64_MAX);
	}
	NUM("as", "18446744073709551614", UINT64_MAX - 1);
	NUM("cpu", "18446744073709551615s", UINT64_MAX); /* RLIM_INFINITY itself */
	/* The kernel counts CPU time in u64 nanoseconds: more seconds wrap. */
	NUM("cpu", "18446744073", RL_CPU_SECONDS_MAX);
	ERR("cpu", "18446744074", RANGE);
	ERR("cpu", "18446744073709551614", RANGE);
	NUM("cpu", "213503d", 213503ull * 86400);
	ERR("cpu", "213504d", RANGE);
	NUM("rttime", "18446744073709551615us", UINT64_MAX);
}

static void test_2_64_and_beyond(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		ERR(it, "18446744073709551616", OVERFLOW);
		ERR(it, "18446744073709551620", OVERFLOW);
		ERR(it, "99999999999999999999", OVERFLOW);
		ERR(it, "184467440737095516150", OVERFLOW);
		ERR(it, "340282366920938463463374607431768211456", OVERFLOW);
	}
	ERR("nice", "-99999999999999999999", OVERFLOW);
	ERR("as", "18446744073709551616K", OVERFLOW);
	ERR("cpu", "18446744073709551616s", OVERFLOW);
	ERR("rttime", "18446744073709551616us", OVERFLOW);
}

static void test_negative(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		if (strcmp(it, "nice") == 0)
			continue;
		ERR(it, "-1", NEGATIVE);
		ERR(it, "-0", NEGATIVE);
		ERR(it, "-", NEGATIVE);
		ERR(it, "-18446744073709551616", NEGATIVE);
	}
	ERR("as", "-1K", NEGATIVE);
	ERR("as", "-1%", NEGATIVE);
	ERR("cpu", "-1min", NEGATIVE);
	ERR("nice", "-", SYNTAX);
	ERR("nice", "--1", SYNTAX);
	ERR("as", "+1", SYNTAX);
	ERR("nice", "+1", SYNTAX);
}

static void test_trailing_junk(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		ERR(it, "10x", UNIT);
		ERR(it, "1,000", UNIT);
		ERR(it, "1_000", UNIT);
		ERR(it, "10\0", UNIT);
		ERR(it, "x10", SYNTAX);
		ERR(it, "10.5", SYNTAX);
		ERR(it, "10.", SYNTAX);
		ERR(it, ".5", SYNTAX);
		ERR(it, "\"10\"", SYNTAX);
		ERR(it, "1/2", UNIT);
	}
}

static void test_exponent_and_hex(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		ERR(it, "1e3", SYNTAX);
		ERR(it, "1E3", SYNTAX);
		ERR(it, "1e+3", SYNTAX);
		ERR(it, "1e-3", SYNTAX);
		ERR(it, "0x10", SYNTAX);
		ERR(it, "0X1F", SYNTAX);
		ERR(it, "0xffffffffffffffffff", SYNTAX);
		ERR(it, "0o17", UNIT);
		ERR(it, "0b101", UNIT);
	}
	ERR("as", "1e2%", SYNTAX);
	ERR("nice", "-1e1", SYNTAX);
}

static void test_leading_zeros(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		ERR(it, "010", LEADING_ZERO);
		ERR(it, "00", LEADING_ZERO);
		ERR(it, "0001", LEADING_ZERO);
		ERR(it, "00000000000000000000000000000", LEADING_ZERO);
	}
	ERR("as", "007K", LEADING_ZERO);
	ERR("as", "01%", LEADING_ZERO);
	ERR("as", "00.5%", LEADING_ZERO);
	ERR("cpu", "01h", LEADING_ZERO);
	ERR("nice", "-01", LEADING_ZERO);
	ERR("nice", "09", LEADING_ZERO);
	/* One zero is a number, not a leading zero. */
	NUM("rtprio", "0", 0);
	PCT("as", "0.5%", 500000);
	PCT("as", "0.05%", 50000);
	PCT("as", "10.05%", 10050000);
}

static void test_spaces(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		ERR(it, " 10", SPACE);
		ERR(it, "10 ", SPACE);
		ERR(it, " 10 ", SPACE);
		ERR(it, "1 0", SPACE);
		ERR(it, "\t10", SPACE);
		ERR(it, "10\n", SPACE);
		ERR(it, "10\r", SPACE);
		ERR(it, "1\v0", SPACE);
		ERR(it, "1\f0", SPACE);
		ERR(it, "unlimited ", SPACE);
		ERR(it, " ", SPACE);
	}
	ERR("as", "10 G", SPACE);
	ERR("as", "10G ", SPACE);
	ERR("as", "50 %", SPACE);
	ERR("cpu", "5 min", SPACE);
	ERR("nice", "- 5", SPACE);
}

static void test_empty_and_too_long(void **state)
{
	(void)state;
	const char *it;
	char s[80];
	FOR(it, all_items)
	{
		ERR(it, "", EMPTY);
		/* len 0 never reads the pointer */
		check(it, NULL, 0, RL_VERR_EMPTY, 0, 0, __FILE__, __LINE__);
		/* 64 characters are read (and overflow); 65 are refused unread. */
		memset(s, '9', 64);
		s[64] = '\0';
		ERRS(it, s, OVERFLOW);
		s[64] = '9';
		s[65] = '\0';
		ERRS(it, s, TOO_LONG);
		memset(s, ' ', 65);
		ERRS(it, s, TOO_LONG);
	}
}

/* ------------------------------------------------------------- sizes */

static const struct {
	const char *u;
	uint64_t mult;
} size_units[] = {
    {"K", 1ULL << 10},   {"M", 1ULL << 20},   {"G", 1ULL << 30},   {"T", 1ULL << 40},
    {"P", 1ULL << 50},   {"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40}, {"PiB", 1ULL << 50},
};

static void test_size_units(void **state)
{
	(void)state;
	const char *it;
	char s[64];
	FOR(it, size_items)
	{
		NUM(it, "1", 1);
		NUM(it, "4096", 4096);
		NUM(it, "1023", 1023);
		for (size_t u = 0; u < N(size_units); u++) {
			static const uint64_t factors[] = {0, 1, 3, 10, 1023, 1024, 1025};
			for (size_t f = 0; f < N(factors); f++) {
				snprintf(s, sizeof(s), "%" PRIu64 "%s", factors[f],
					 size_units[u].u);
				NUMS(it, s, factors[f] * size_units[u].mult);
			}
		}
	}
	/* Spelled-out values, so a wrong table cannot hide behind its own math. */
	NUM("as", "64G", 68719476736ULL);
	NUM("as", "64GiB", 68719476736ULL);
	NUM("data", "512M", 536870912ULL);
	NUM("stack", "8M", 8388608ULL);
	NUM("core", "1K", 1024);
	NUM("fsize", "2T", 2199023255552ULL);
	NUM("memlock", "3P", 3377699720527872ULL);
	NUM("msgqueue", "800KiB", 819200);
}

/*
 * The exact edge of each unit: the largest N with N*unit <= 2^64-1 is
 * accepted with the exact product, N+1 is an overflow.
 */
static void test_size_unit_overflow(void **state)
{
	(void)state;
	char s[64];
	for (size_t u = 0; u < N(size_units); u++) {
		uint64_t max = UINT64_MAX / size_units[u].mult;
		snprintf(s, sizeof(s), "%" PRIu64 "%s", max, size_units[u].u);
		NUMS("as", s, max * size_units[u].mult);
		snprintf(s, sizeof(s), "%" PRIu64 "%s", max + 1, size_units[u].u);
		ERRS("as", s, OVERFLOW);
		snprintf(s, sizeof(s), "%" PRIu64 "%s", UINT64_MAX, size_units[u].u);
		ERRS("fsize", s, OVERFLOW);
	}
	/* The same edges written out. */
	NUM("as", "16383P", 18445618173802708992ULL);
	ERR("as", "16384P", OVERFLOW);
	ERR("as", "16384PiB", OVERFLOW);
	NUM("as", "16777215T", 18446742974197923840ULL);
	ERR("as", "16777216T", OVERFLOW);
	NUM("as", "17179869183G", 18446744072635809792ULL);
	ERR("as", "17179869184G", OVERFLOW);
	ERR("as", "17179869184GiB", OVERFLOW);
	NUM("as", "17592186044415M", 18446744073708503040ULL);
	ERR("as", "17592186044416M", OVERFLOW);
	NUM("as", "18014398509481983K", 18446744073709550592ULL);
	ERR("as", "18014398509481984K", OVERFLOW);
	ERR("core", "18446744073709551615K", OVERFLOW);
}

static void test_si_units_refused(void **state)
{
	(void)state;
	static const char *const si[] = {"KB", "kB", "MB", "GB", "TB", "PB", "kb",
					 "Kb", "mb", "mB", "gb", "tb", "pb"};
	const char *it;
	char s[32];
	FOR(it, size_items)
	{
		for (size_t i = 0; i < N(si); i++) {
			snprintf(s, sizeof(s), "10%s", si[i]);
			ERRS(it, s, SI_UNIT);
		}
	}
	/* There is no E unit to point at: "EB" is just unknown. */
	ERR("as", "10EB", UNIT);
	ERR("as", "10eb", UNIT);
	/* Items without sizes have no units to confuse: just unknown. */
	ERR("nofile", "10KB", UNIT);
	ERR("cpu", "10KB", UNIT);
	ERR("rttime", "10MB", UNIT);
	ERR("rtprio", "10kB", UNIT);
	ERR("nice", "10GB", UNIT);
}

static void test_unit_case(void **state)
{
	(void)state;
	static const char *const low[] = {"k",   "m",   "g",   "t",   "p",   "kib", "mib",
					  "gib", "tib", "pib", "KIB", "Kib", "kiB", "GIB"};
	const char *it;
	char s[32];
	FOR(it, size_items)
	{
		for (size_t i = 0; i < N(low); i++) {
			snprintf(s, sizeof(s), "10%s", low[i]);
			ERRS(it, s, UNIT_CASE);
		}
	}
	ERR("nofile", "10k", UNIT);
	ERR("cpu", "10k", UNIT);
}

static void test_unknown_units(void **state)
{
	(void)state;
	static const char *const bad[] = {"B",    "E",  "EiB", "Ki", "KiBs", "KK",  "iB",
					  "Kb/s", "K%", "Z",   "Mi", "G1",   "GiB1"};
	const char *it;
	char s[32];
	FOR(it, size_items)
	{
		for (size_t i = 0; i < N(bad); i++) {
			snprintf(s, sizeof(s), "10%s", bad[i]);
			ERRS(it, s, UNIT);
		}
		ERR(it, "1.5K", SYNTAX);
		ERR(it, "K", SYNTAX);
	}
	/* Count items take no unit at all. */
	FOR(it, count_items)
	{
		NUM(it, "1024", 1024);
		ERR(it, "1K", UNIT);
		ERR(it, "1s", UNIT);
		ERR(it, "1KiB", UNIT);
	}
}

/* ------------------------------------------------------- percentages */

static void test_percent(void **state)
{
	(void)state;
	const char *it;
	FOR(it, pct_items)
	{
		PCT(it, "100%", 100 * RL_PCT_ONE);
		PCT(it, "100.0%", 100 * RL_PCT_ONE);
		PCT(it, "100.000000%", 100 * RL_PCT_ONE);
		PCT(it, "50%", 50 * RL_PCT_ONE);
		PCT(it, "1%", RL_PCT_ONE);
		PCT(it, "0.5%", 500000);
		PCT(it, "0.000001%", 1);
		PCT(it, "99.999999%", 99999999);
		PCT(it, "12.3456%", 12345600);
		PCT(it, "33.333333%", 33333333);
		ERR(it, "0.0000001%", PERCENT_DIGITS);
		ERR(it, "1.1234567%", PERCENT_DIGITS);
		ERR(it, "0%", PERCENT_RANGE);
		ERR(it, "0.0%", PERCENT_RANGE);
		ERR(it, "0.000000%", PERCENT_RANGE);
		ERR(it, "101%", PERCENT_RANGE);
		ERR(it, "100.000001%", PERCENT_RANGE);
		ERR(it, "1000%", PERCENT_RANGE);
		ERR(it, "18446744073709551616%", PERCENT_RANGE);
		ERR(it, "5.%", SYNTAX);
		ERR(it, ".5%", SYNTAX);
		ERR(it, "%", SYNTAX);
		ERR(it, "5%%", SYNTAX);
		ERR(it, "5.5.5%", SYNTAX);
		ERR(it, "5%x", UNIT);
		ERR(it, "5K%", UNIT);
		ERR(it, "5 %", SPACE);
		ERR(it, "-5%", NEGATIVE);
		ERR(it, "05%", LEADING_ZERO);
	}
}

static void test_percent_refused_items(void **state)
{
	(void)state;
	const char *it;
	FOR(it, all_items)
	{
		if (is_pct_item(it))
			continue;
		ERR(it, "50%", PERCENT_ITEM);
		ERR(it, "0.5%", PERCENT_ITEM);
		ERR(it, "100%", PERCENT_ITEM);
		/* The item is refused before the number is looked at. */
		ERR(it, "101%", PERCENT_ITEM);
		ERR(it, "0%", PERCENT_ITEM);
	}
	ERR("nice", "-5%", PERCENT_ITEM);
}

/* ---------------------------------------------------- special kinds */

static void test_nice(void **state)
{
	(void)state;
	char s[16];
	for (int n = -20; n <= 19; n++) {
		snprintf(s, sizeof(s), "%d", n);
		NUMS("nice", s, (uint64_t)(20 - n));
	}
	NUM("nice", "-20", 40);
	NUM("nice", "19", 1);
	NUM("nice", "-0", 20);
	ERR("nice", "-21", RANGE);
	ERR("nice", "20", RANGE);
	ERR("nice", "-100", RANGE);
	ERR("nice", "100", RANGE);
	ERR("nice", "18446744073709551615", RANGE);
	ERR("nice", "-18446744073709551615", RANGE);
	ERR("nice", "5K", UNIT);
	ERR("nice", "5s", UNIT);
	ERR("nice", "-5x", UNIT);
	ERR("nice", "1.5", SYNTAX);
	INF("nice", "unlimited");
}

static void test_rtprio(void **state)
{
	(void)state;
	char s[16];
	for (int n = 0; n <= 99; n++) {
		snprintf(s, sizeof(s), "%d", n);
		NUMS("rtprio", s, (uint64_t)n);
	}
	ERR("rtprio", "100", RANGE);
	ERR("rtprio", "1000", RANGE);
	ERR("rtprio", "-1", NEGATIVE);
	ERR("rtprio", "1s", UNIT);
	ERR("rtprio", "1K", UNIT);
	ERR("rtprio", "99%", PERCENT_ITEM);
	INF("rtprio", "unlimited");
}

static void test_cpu(void **state)
{
	(void)state;
	NUM("cpu", "90", 90);
	NUM("cpu", "1s", 1);
	NUM("cpu", "90s", 90);
	NUM("cpu", "2min", 120);
	NUM("cpu", "90min", 5400);
	NUM("cpu", "3h", 10800);
	NUM("cpu", "4d", 345600);
	NUM("cpu", "0min", 0);
	static const char *const bad[] = {"m",  "sec", "S", "H", "D",  "Min", "MIN", "mins",
					  "ms", "us",  "K", "w", "hr", "day", "hh"};
	char s[32];
	for (size_t i = 0; i < N(bad); i++) {
		snprintf(s, sizeof(s), "1%s", bad[i]);
		ERRS("cpu", s, UNIT);
	}
	ERR("cpu", "1.5h", SYNTAX);
	/*
	 * Edges: the largest count of each unit the kernel can count, one more
	 * (out of range), and the largest before 2^64 seconds (out of range).
	 */
	static const struct {
		const char *u;
		uint64_t mult;
	} units[] = {{"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}};
	for (size_t u = 0; u < N(units); u++) {
		uint64_t max = RL_CPU_SECONDS_MAX / units[u].mult;
		snprintf(s, sizeof(s), "%" PRIu64 "%s", max, units[u].u);
		NUMS("cpu", s, max * units[u].mult);
		snprintf(s, sizeof(s), "%" PRIu64 "%s", max + 1, units[u].u);
		ERRS("cpu", s, RANGE);
		if (units[u].mult > 1) {
			snprintf(s, sizeof(s), "%" PRIu64 "%s", UINT64_MAX / units[u].mult + 1,
				 units[u].u);
			ERRS("cpu", s, OVERFLOW);
		}
	}
	ERR("cpu", "213503982334601d", RANGE);
	ERR("cpu", "213503982334602d", OVERFLOW);
	ERR("cpu", "307445734561825860min", RANGE);
	NUM("cpu", "307445734min", 307445734ull * 60);
	ERR("cpu", "307445735min", RANGE);
	ERR("cpu", "307445734561825861min", OVERFLOW);
}

static void test_rttime(void **state)
{
	(void)state;
	NUM("rttime", "5", 5);
	NUM("rttime", "5us", 5);
	NUM("rttime", "5ms", 5000);
	NUM("rttime", "5s", 5000000);
	NUM("rttime", "0ms", 0);
	static const char *const bad[] = {"min", "h",  "d",  "US", "Ms", "MS",
					  "S",   "ns", "µs", "u",  "m"};
	char s[32];
	for (size_t i = 0; i < N(bad); i++) {
		snprintf(s, sizeof(s), "5%s", bad[i]);
		ERRS("rttime", s, UNIT);
	}
	NUM("rttime", "18446744073709551ms", 18446744073709551000ULL);
	ERR("rttime", "18446744073709552ms", OVERFLOW);
	NUM("rttime", "18446744073709s", 18446744073709000000ULL);
	ERR("rttime", "18446744073710s", OVERFLOW);
}

static void test_bad_item_index(void **state)
{
	(void)state;
	struct rl_value v = {SENTINEL_TYPE, SENTINEL_N};
	assert_int_not_equal(rl_value_parse(-1, "1", 1, &v), RL_VERR_OK);
	assert_int_not_equal(rl_value_parse(RL_NITEMS, "1", 1, &v), RL_VERR_OK);
	assert_int_equal(v.type, SENTINEL_TYPE);
	assert_int_equal(v.n, SENTINEL_N);
	char buf[64];
	assert_string_equal(rl_verr_describe(RL_VERR_UNIT, -1, "1", 1, buf, sizeof(buf)),
			    "unknown item");
	assert_string_equal(rl_value_format(RL_NITEMS, 1, buf, sizeof(buf)), "?");
}

/* ---------------------------------------------------------- describe */

static void expect_describe(const char *item, const char *s, size_t len, const char *want,
			    const char *file, int line)
{
	struct rl_value v;
	char buf[1024];
	enum rl_verr e = rl_value_parse(item_index(item), s, len, &v);
	if (e == RL_VERR_OK)
		fail_msg("%s:%d: %s \"%s\" parsed", file, line, item, s);
	char *r = rl_verr_describe(e, item_index(item), s, len, buf, sizeof(buf));
	assert_ptr_equal(r, buf);
	if (strcmp(buf, want) != 0)
		fail_msg("%s:%d: describe\n  got:  %s\n  want: %s", file, line, buf, want);
}
#define DESCRIBE(item, lit, want)                                                                  \
	expect_describe(item, lit, sizeof(lit) - 1, want, __FILE__, __LINE__)

#define EXP_SIZE_PCT                                                                               \
	"expected a size in bytes or with K, M, G, T or P (1024-based), a percentage of RAM "      \
	"such as 50%, or unlimited"
#define EXP_SIZE "expected a size in bytes or with K, M, G, T or P (1024-based), or unlimited"
#define EXP_COUNT "expected a whole number, or unlimited"

static void test_describe(void **state)
{
	(void)state;
	DESCRIBE("as", "10GB",
		 "invalid value \"10GB\" for as: \"GB\" reads as 1000-based; sizes here are "
		 "1024-based: write G or GiB; " EXP_SIZE_PCT);
	DESCRIBE("core", "10kB",
		 "invalid value \"10kB\" for core: \"kB\" reads as 1000-based; sizes here are "
		 "1024-based: write K or KiB; " EXP_SIZE);
	DESCRIBE("msgqueue", "10KB",
		 "invalid value \"10KB\" for msgqueue: \"KB\" reads as 1000-based; sizes here are "
		 "1024-based: write K or KiB; " EXP_SIZE);
	DESCRIBE("fsize", "1g",
		 "invalid value \"1g\" for fsize: units are upper-case: write G or GiB; " EXP_SIZE);
	DESCRIBE("nofile", "10x",
		 "invalid value \"10x\" for nofile: unknown unit \"x\"; " EXP_COUNT);
	DESCRIBE("nproc", "-1",
		 "invalid value \"-1\" for nproc: negative values are not allowed; " EXP_COUNT);
	DESCRIBE("core", "50%",
		 "invalid value \"50%\" for core: a percentage of RAM is accepted only for as, "
		 "data, rss, stack, memlock; " EXP_SIZE);
	DESCRIBE("as", "101%",
		 "invalid value \"101%\" for as: a percentage must be above 0 and at most "
		 "100; " EXP_SIZE_PCT);
	DESCRIBE("data", "0.0000001%",
		 "invalid value \"0.0000001%\" for data: a percentage takes at most 6 "
		 "decimals; " EXP_SIZE_PCT);
	DESCRIBE("nice", "20",
		 "invalid value \"20\" for nice: out of range; expected a niceness from -20 to 19");
	DESCRIBE("rtprio", "100",
		 "invalid value \"100\" for rtprio: out of range; expected a priority from 0 to "
		 "99, or unlimited");
	DESCRIBE("cpu", "1m",
		 "invalid value \"1m\" for cpu: unknown unit \"m\"; expected seconds, or a number "
		 "with s, min, h or d, or unlimited");
	DESCRIBE("rttime", "1min",
		 "invalid value \"1min\" for rttime: unknown unit \"min\"; expected microseconds, "
		 "or a number with us, ms or s, or unlimited");
	DESCRIBE("as", "18446744073709551616",
		 "invalid value \"18446744073709551616\" for as: too large: the largest value is "
		 "2^64-1 (write unlimited for no limit); " EXP_SIZE_PCT);
	DESCRIBE("data", "010",
		 "invalid value \"010\" for data: leading zeros are not allowed (they read as "
		 "octal elsewhere): write 10; " EXP_SIZE_PCT);
	DESCRIBE("as", "007K",
		 "invalid value \"007K\" for as: leading zeros are not allowed (they read as "
		 "octal elsewhere): write 7K; " EXP_SIZE_PCT);
	DESCRIBE("nofile", "00",
		 "invalid value \"00\" for nofile: leading zeros are not allowed (they read as "
		 "octal elsewhere): write 0; " EXP_COUNT);
	DESCRIBE("nice", "-05",
		 "invalid value \"-05\" for nice: leading zeros are not allowed (they read as "
		 "octal elsewhere): write -5; expected a niceness from -20 to 19");
	DESCRIBE("cpu", "Unlimited",
		 "invalid value \"Unlimited\" for cpu: write it in lower case; expected seconds, "
		 "or a number with s, min, h or d, or unlimited");
	DESCRIBE("core", "INFINITY",
		 "invalid value \"INFINITY\" for core: write it in lower case; " EXP_SIZE);
	DESCRIBE("stack", "1e3",
		 "invalid value \"1e3\" for stack: not a plain decimal number (no signs, "
		 "hexadecimal, exponents or decimals outside percentages); " EXP_SIZE_PCT);
	DESCRIBE("locks", "", "invalid value \"\" for locks: the value is empty; " EXP_COUNT);
	DESCRIBE("sigpending", " 1",
		 "invalid value \" 1\" for sigpending: white space is not allowed inside a "
		 "value; " EXP_COUNT);
	/* Quotes and control bytes are escaped; long text is cut at 40 characters. */
	DESCRIBE(
	    "nofile", "1\"\x01",
	    "invalid value \"1\\x22\\x01\" for nofile: unknown unit \"\\x22\\x01\"; " EXP_COUNT);
	DESCRIBE("nofile", "1234567890123456789012345678901234567890123456789012345678901234567890",
		 "invalid value \"1234567890123456789012345678901234567890...\" for nofile: the "
		 "value is too long; " EXP_COUNT);
}

/*
 * Every 1000-based spelling is refused with a hint, and the units the hint
 * names ("write G or GiB") must be units that parse.
 */
static void test_describe_si_hints_parse(void **state)
{
	(void)state;
	static const char *const si[] = {"KB", "kB", "kb", "Kb", "MB", "mb", "Mb",
					 "GB", "gb", "TB", "tb", "PB", "pb"};
	char bad[512] = "", buf[512], text[16], u1[8], u2[8], v[16];
	size_t nbad = 0;
	int as = item_index("as");
	for (size_t i = 0; i < N(si); i++) {
		struct rl_value out;
		snprintf(text, sizeof(text), "10%s", si[i]);
		assert_int_equal(rl_value_parse(as, text, strlen(text), &out), RL_VERR_SI_UNIT);
		rl_verr_describe(RL_VERR_SI_UNIT, as, text, strlen(text), buf, sizeof(buf));
		const char *w = strstr(buf, "write ");
		assert_non_null(w);
		assert_int_equal(sscanf(w, "write %7[A-Za-z] or %7[A-Za-z];", u1, u2), 2);
		bool ok = true;
		const char *units[2] = {u1, u2};
		for (int k = 0; k < 2; k++) {
			snprintf(v, sizeof(v), "10%s", units[k]);
			ok = ok && rl_value_parse(as, v, strlen(v), &out) == RL_VERR_OK;
		}
		if (!ok) {
			size_t o = strlen(bad);
			snprintf(bad + o, sizeof(bad) - o, "%s\"%s\" -> \"write %s or %s\"",
				 nbad++ ? ", " : "", text, u1, u2);
		}
	}
	if (nbad) {
		print_message("hints naming units that do not parse: %s\n", bad);
		fail_msg("every hint must name units that parse");
	}
}

static void test_describe_buffer(void **state)
{
	(void)state;
	char buf[16];
	memset(buf, 'Z', sizeof(buf));
	rl_verr_describe(RL_VERR_EMPTY, 0, "", 0, buf, 10);
	assert_string_equal(buf, "invalid v");
	assert_int_equal(buf[10], 'Z');
	memset(buf, 'Z', sizeof(buf));
	rl_verr_describe(RL_VERR_EMPTY, 0, "", 0, buf, 0);
	assert_int_equal(buf[0], 'Z');
	memset(buf, 'Z', sizeof(buf));
	rl_value_format(0, 68719476736ULL, buf, 3);
	assert_string_equal(buf, "64");
	memset(buf, 'Z', sizeof(buf));
	rl_value_format(0, 1, buf, 0);
	assert_int_equal(buf[0], 'Z');
}

/* ------------------------------------------------------------ format */

static void expect_format(const char *item, rlim_t v, const char *want, const char *file, int line)
{
	char buf[64];
	char *r = rl_value_format(item_index(item), v, buf, sizeof(buf));
	assert_ptr_equal(r, buf);
	if (strcmp(buf, want) != 0)
		fail_msg("%s:%d: format(%s, %" PRIu64 ") = \"%s\", want \"%s\"", file, line, item,
			 (uint64_t)v, buf, want);
}
#define FORMAT(item, v, want) expect_format(item, v, want, __FILE__, __LINE__)

static void test_format_exact(void **state)
{
	(void)state;
	FORMAT("as", 68719476736ULL, "64G");
	FORMAT("as", 0, "0");
	FORMAT("as", 1, "1");
	FORMAT("as", 1023, "1023");
	FORMAT("as", 1024, "1K");
	FORMAT("as", 1536, "1536");
	FORMAT("as", 3ULL << 20, "3M");
	FORMAT("as", 1ULL << 40, "1T");
	FORMAT("as", 1ULL << 50, "1P");
	FORMAT("as", 1ULL << 60, "1024P");
	FORMAT("as", RLIM_INFINITY, "unlimited");
	FORMAT("as", UINT64_MAX - 1, "18446744073709551614");
	FORMAT("msgqueue", 819200, "800K");
	FORMAT("cpu", 59, "59");
	FORMAT("cpu", 60, "1min");
	FORMAT("cpu", 61, "61");
	FORMAT("cpu", 5400, "90min");
	FORMAT("cpu", 3600, "1h");
	FORMAT("cpu", 90000, "25h");
	FORMAT("cpu", 86400, "1d");
	FORMAT("cpu", RLIM_INFINITY, "unlimited");
	FORMAT("rttime", 1500, "1500");
	FORMAT("rttime", 3000, "3ms");
	FORMAT("rttime", 2000000, "2s");
	FORMAT("nofile", 1024, "1024");
	FORMAT("nofile", 1048576, "1048576");
	FORMAT("nice", 25, "-5");
	FORMAT("nice", 20, "0");
	FORMAT("nice", 1, "19");
	FORMAT("nice", 40, "-20");
	FORMAT("rtprio", 50, "50");
	FORMAT("rtprio", RLIM_INFINITY, "unlimited");
}

/* rl_value_text writes what was parsed: each text parses and prints back as itself. */
static void test_value_text(void **state)
{
	(void)state;
	static const struct {
		const char *item, *text;
	} cases[] = {
	    {"as", "50%"},           {"as", "12.5%"},   {"data", "0.000001%"}, {"memlock", "100%"},
	    {"stack", "33.333333%"}, {"as", "64G"},     {"as", "unlimited"},   {"nice", "-5"},
	    {"cpu", "90min"},        {"rttime", "3ms"}, {"nofile", "1024"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rl_value v = {SENTINEL_TYPE, SENTINEL_N};
		char buf[64];
		int item = item_index(cases[i].item);
		assert_int_equal(rl_value_parse(item, cases[i].text, strlen(cases[i].text), &v),
				 RL_VERR_OK);
		assert_ptr_equal(rl_value_text(item, &v, buf, sizeof(buf)), buf);
		if (strcmp(buf, cases[i].text) != 0)
			fail_msg("%s: \"%s\" printed as \"%s\"", cases[i].item, cases[i].text, buf);
	}
	/* 1.5% with a buffer too small for it: cut, still terminated. */
	struct rl_value v = {RL_V_PCT, 1500000};
	char small[4];
	assert_string_equal(rl_value_text(item_index("as"), &v, small, sizeof(small)), "1.5");
}

/* The items that are not rlimits: their own spellings and edges. */
static void test_non_rlimit_values(void **state)
{
	(void)state;
	NUM("maxlogins", "0", 0);
	NUM("maxlogins", "1", 1);
	NUM("maxlogins", "18446744073709551614", UINT64_MAX - 1);
	INF("maxlogins", "unlimited");
	ERR("maxlogins", "-1", NEGATIVE);
	ERR("maxlogins", "2x", UNIT);
	ERR("maxlogins", "1K", UNIT);
	ERR("maxlogins", "01", LEADING_ZERO);
	ERR("maxlogins", "18446744073709551616", OVERFLOW);
	ERR("maxsyslogins", "", EMPTY);
	NUM("maxsyslogins", "100", 100);
	/* priority: a niceness, stored as 20 - nice like nice's rlimit */
	NUM("priority", "0", 20);
	NUM("priority", "-20", 40);
	NUM("priority", "19", 1);
	NUM("priority", "-1", 21);
	ERR("priority", "20", RANGE);
	ERR("priority", "-21", RANGE);
	ERR("priority", "unlimited", SYNTAX);
	ERR("priority", "5s", UNIT);
	ERR("priority", "--5", SYNTAX);
	/* nonewprivs: true or false, nothing else */
	NUM("nonewprivs", "true", 1);
	NUM("nonewprivs", "false", 0);
	ERR("nonewprivs", "1", SYNTAX);
	ERR("nonewprivs", "yes", SYNTAX);
	ERR("nonewprivs", "True", SYNTAX);
	ERR("nonewprivs", "unlimited", SYNTAX);
	ERR("nonewprivs", "truex", SYNTAX);
	ERR("nonewprivs", "", EMPTY);
	char buf[32];
	assert_string_equal(rl_value_format(item_index("nonewprivs"), 1, buf, sizeof(buf)), "true");
	assert_string_equal(rl_value_format(item_index("nonewprivs"), 0, buf, sizeof(buf)),
			    "false");
	assert_string_equal(rl_value_format(item_index("priority"), 25, buf, sizeof(buf)), "-5");
	assert_string_equal(rl_value_format(item_index("maxlogins"), 3, buf, sizeof(buf)), "3");
}

/* Parses back what format wrote and checks it is v again. */
static void roundtrip(int item, rlim_t v, unsigned *count)
{
	char buf[64];
	if (rl_items[item].kind == RL_KIND_CPU && v != RLIM_INFINITY && v > RL_CPU_SECONDS_MAX)
		v %= RL_CPU_SECONDS_MAX + 1; /* more is refused: test_cpu */
	struct rl_value out = {SENTINEL_TYPE, SENTINEL_N};
	rl_value_format(item, v, buf, sizeof(buf));
	enum rl_verr e = rl_value_parse(item, buf, strlen(buf), &out);
	if (e != RL_VERR_OK)
		fail_msg("%s %" PRIu64 " -> \"%s\" -> %s", rl_items[item].name, (uint64_t)v, buf,
			 en(e));
	if (v == RLIM_INFINITY ? out.type != RL_V_INF : (out.type != RL_V_NUM || out.n != v))
		fail_msg("%s %" PRIu64 " -> \"%s\" -> type %d n %" PRIu64, rl_items[item].name,
			 (uint64_t)v, buf, (int)out.type, out.n);
	(*count)++;
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	static const uint64_t mults[] = {1,          60,         3600,       86400,
					 1000,       1000000,    1ULL << 10, 1ULL << 20,
					 1ULL << 30, 1ULL << 40, 1ULL << 50};
	unsigned count = 0;
	uint64_t seed = 42;
	for (int it = 0; it < RL_NITEMS; it++) {
		switch (rl_items[it].kind) {
		case RL_KIND_NICE:
			for (rlim_t v = 1; v <= 40; v++)
				roundtrip(it, v, &count);
			roundtrip(it, RLIM_INFINITY, &count);
			continue;
		case RL_KIND_RTPRIO:
			for (rlim_t v = 0; v <= 99; v++)
				roundtrip(it, v, &count);
			roundtrip(it, RLIM_INFINITY, &count);
			continue;
		case RL_KIND_PRIORITY:
			for (rlim_t v = 1; v <= 40; v++)
				roundtrip(it, v, &count);
			continue;
		case RL_KIND_BOOL:
			roundtrip(it, 0, &count);
			roundtrip(it, 1, &count);
			continue;
		default:
			break;
		}
		roundtrip(it, 0, &count);
		roundtrip(it, RLIM_INFINITY, &count);
		roundtrip(it, UINT64_MAX - 1, &count);
		for (int k = 0; k < 64; k++) {
			uint64_t p = 1ULL << k;
			roundtrip(it, p, &count);
			roundtrip(it, p - 1, &count);
			if (p + 1 != RLIM_INFINITY)
				roundtrip(it, p + 1, &count);
		}
		for (size_t m = 0; m < N(mults); m++) {
			for (uint64_t f = 1; f <= 1025; f += (f < 10 ? 1 : 127))
				roundtrip(it, f * mults[m], &count);
			roundtrip(it, (UINT64_MAX / mults[m]) * mults[m], &count);
		}
		for (int r = 0; r < 2000; r++) {
			uint64_t v = splitmix64(&seed);
			v >>= splitmix64(&seed) % 64; /* every magnitude */
			if (r % 3 == 0)
				v &= ~((1ULL << (splitmix64(&seed) % 50)) - 1); /* unit-sized */
			if (v == RLIM_INFINITY)
				v--;
			roundtrip(it, v, &count);
		}
	}
	print_message("%u values formatted and parsed back\n", count);
	assert_true(count > 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_items_table),
	    cmocka_unit_test(test_non_rlimit_values),
	    cmocka_unit_test(test_item_lookup),
	    cmocka_unit_test(test_unlimited_every_item),
	    cmocka_unit_test(test_zero_every_item),
	    cmocka_unit_test(test_max_u64),
	    cmocka_unit_test(test_2_64_and_beyond),
	    cmocka_unit_test(test_negative),
	    cmocka_unit_test(test_trailing_junk),
	    cmocka_unit_test(test_exponent_and_hex),
	    cmocka_unit_test(test_leading_zeros),
	    cmocka_unit_test(test_spaces),
	    cmocka_unit_test(test_empty_and_too_long),
	    cmocka_unit_test(test_size_units),
	    cmocka_unit_test(test_size_unit_overflow),
	    cmocka_unit_test(test_si_units_refused),
	    cmocka_unit_test(test_unit_case),
	    cmocka_unit_test(test_unknown_units),
	    cmocka_unit_test(test_percent),
	    cmocka_unit_test(test_percent_refused_items),
	    cmocka_unit_test(test_nice),
	    cmocka_unit_test(test_rtprio),
	    cmocka_unit_test(test_cpu),
	    cmocka_unit_test(test_rttime),
	    cmocka_unit_test(test_bad_item_index),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_describe_si_hints_parse),
	    cmocka_unit_test(test_describe_buffer),
	    cmocka_unit_test(test_format_exact),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_value_text),
	};
	return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
