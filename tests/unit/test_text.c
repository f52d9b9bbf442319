/*
 * test_text.c - policy/text.c: rl_utf8_next against every form libyaml
 * refuses; what counts as a control character; rl_cp_is_unsafe against
 * the list of code points it must name;
 * rl_text_safe's exact output for each kind of character, its cuts, and
 * that it unescapes to exactly its input (with an unescaper written here:
 * the product has none), so no two inputs give one line.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rl_utf8_next: every form libyaml refuses is 0; valid ones give length and code point. */
static void test_utf8_next(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int len;
		uint32_t cp;
	} cases[] = {
	    {"a", 1, 'a'},
	    {"\x7f", 1, 0x7f},
	    {"\xc2\x80", 2, 0x80},       /* smallest 2-byte */
	    {"\xdf\xbf", 2, 0x7ff},      /* largest 2-byte */
	    {"\xe0\xa0\x80", 3, 0x800},  /* smallest 3-byte */
	    {"\xed\x9f\xbf", 3, 0xd7ff}, /* just below the surrogates */
	    {"\xee\x80\x80", 3, 0xe000}, /* just above them */
	    {"\xef\xbf\xbf", 3, 0xffff},
	    {"\xf0\x90\x80\x80", 4, 0x10000},
	    {"\xf4\x8f\xbf\xbf", 4, 0x10ffff},
	    {"\x80", 0, 0},             /* stray continuation */
	    {"\xc3", 0, 0},             /* cut short by the NUL */
	    {"\xc3(", 0, 0},            /* bad continuation */
	    {"\xc0\xaf", 0, 0},         /* overlong '/' */
	    {"\xc1\xbf", 0, 0},         /* overlong */
	    {"\xe0\x80\xaf", 0, 0},     /* overlong 3-byte */
	    {"\xf0\x80\x80\xaf", 0, 0}, /* overlong 4-byte */
	    {"\xed\xa0\x80", 0, 0},     /* U+D800 */
	    {"\xed\xbf\xbf", 0, 0},     /* U+DFFF */
	    {"\xf4\x90\x80\x80", 0, 0}, /* U+110000 */
	    {"\xf5\x80\x80\x80", 0, 0},
	    {"\xf8\x88\x80\x80\x80", 0, 0}, /* 5-byte form */
	    {"\xff", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0xdeadbeef;
		int n = rl_utf8_next((const unsigned char *)cases[i].s, &cp);
		if (n != cases[i].len || (n > 0 && cp != cases[i].cp))
			fail_msg("case %zu: length %d code point %#x, want %d %#x", i, n,
				 (unsigned)cp, cases[i].len, (unsigned)cases[i].cp);
	}
}

/* rl_text_safe: controls and non-UTF-8 as \xNN, backslash doubled, the rest kept, cut whole. */
static void test_text_safe(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", ""},
	    {"alice", "alice"},
	    {"a b\"d", "a b\"d"},               /* quotes and spaces stay */
	    {"a\\b", "a\\\\b"},                 /* a backslash is doubled */
	    {"t\tab\n", "t\\x09ab\\x0a"},       /* C0 */
	    {"\x1b]0;x\x07", "\\x1b]0;x\\x07"}, /* a title-setting sequence */
	    {"del\x7f", "del\\x7f"},            /* DEL */
	    {"c1\xc2\x9b"
	     "2J",
	     "c1\\xc2\\x9b2J"},                       /* C1 CSI */
	    {"nel\xc2\x85", "nel\\xc2\\x85"},         /* NEL is C1 too */
	    {"\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9"}, /* U+00A0, e acute: kept */
	    {"\xe2\x80\xa8", "\\xe2\\x80\\xa8"},      /* LS */
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* outside the BMP */
	    {"bad\xffx", "bad\\xffx"},                /* not UTF-8: the byte */
	    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},      /* surrogate: byte by byte */
	    {"\xc3", "\\xc3"},                        /* cut short */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'z', sizeof(out));
		assert_ptr_equal(rl_text_safe(cases[i].in, out, sizeof(out)), out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].want);
	}

	/* RL_TEXT_SAFE_SIZE fits; less is cut at a character boundary, never mid-escape. */
	const char *in = "a\x1b\xc3\xa9";
	char fits[RL_TEXT_SAFE_SIZE(4)];
	assert_string_equal(rl_text_safe(in, fits, sizeof(fits)), "a\\x1b\xc3\xa9");
	static const struct {
		size_t size;
		const char *want;
	} cut[] = {{1, ""},       {2, "a"},      {5, "a"},
		   {6, "a\\x1b"}, {7, "a\\x1b"}, {8, "a\\x1b\xc3\xa9"}};
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		memset(out, 'z', sizeof(out));
		rl_text_safe(in, out, cut[i].size);
		if (strcmp(out, cut[i].want) != 0)
			fail_msg("size %zu: \"%s\", want \"%s\"", cut[i].size, out, cut[i].want);
	}
	out[0] = 'z';
	rl_text_safe(in, out, 0); /* nothing may be written */
	assert_int_equal(out[0], 'z');

	/*
	 * The worst case, every byte escaped, fits RL_TEXT_SAFE_SIZE exactly:
	 * the size is the output and its NUL, and a byte less cuts the last escape.
	 */
	char worst[] = "\x01\x02\x03";
	char big[RL_TEXT_SAFE_SIZE(3)];
	assert_int_equal(sizeof(big), strlen("\\x01\\x02\\x03") + 1);
	rl_text_safe(worst, big, sizeof(big));
	assert_string_equal(big, "\\x01\\x02\\x03");
	rl_text_safe(worst, big, sizeof(big) - 1);
	assert_string_equal(big, "\\x01\\x02");
}

/* C0, DEL and C1 are controls; their neighbours are not. */
static void test_cp_is_control(void **state)
{
	(void)state;
	static const uint32_t yes[] = {0, 0x09, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f};
	static const uint32_t no[] = {0x20,   'a',    0x7e,   0xa0,    0xff,
				      0x2028, 0x202e, 0xfeff, 0x10ffff};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!rl_cp_is_control(yes[i]))
			fail_msg("U+%04X is a control", (unsigned)yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (rl_cp_is_control(no[i]))
			fail_msg("U+%04X is not a control", (unsigned)no[i]);
	}
}

/* The code points rl_text_safe must escape besides C0, DEL and C1. */
static const uint32_t unsafe_cps[] = {
    0x061c,                                 /* ARABIC LETTER MARK */
    0x200e, 0x200f,                         /* LRM, RLM */
    0x2028, 0x2029,                         /* LINE and PARAGRAPH SEPARATOR */
    0x202a, 0x202b, 0x202c, 0x202d, 0x202e, /* LRE, RLE, PDF, LRO, RLO */
    0x2066, 0x2067, 0x2068, 0x2069,         /* LRI, RLI, FSI, PDI */
    0xfeff,                                 /* ZWNBSP, the byte-order mark */
};
#define NUNSAFE (sizeof(unsafe_cps) / sizeof(unsafe_cps[0]))

/* cp in UTF-8 into p (room for 5); returns the length. */
static int encode(uint32_t cp, char *p)
{
	int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
	for (int i = n - 1; i > 0; i--) {
		p[i] = (char)(0x80 | (cp & 0x3f));
		cp >>= 6;
	}
	p[0] = (char)(lead[n] | cp);
	p[n] = '\0';
	return n;
}

static bool listed_unsafe(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return true;
	for (size_t i = 0; i < NUNSAFE; i++) {
		if (unsafe_cps[i] == cp)
			return true;
	}
	return false;
}

/* rl_cp_is_unsafe names exactly the list above, over every code point. */
static void test_cp_is_unsafe(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (rl_cp_is_unsafe(cp) != listed_unsafe(cp))
			fail_msg("rl_cp_is_unsafe(U+%04X) is %d", (unsigned)cp,
				 rl_cp_is_unsafe(cp));
	}
}

/*
 * Each bidi control, separator and U+FEFF is written as the \xNN of its
 * three bytes, wherever it stands; the code points beside each are kept.
 */
static void test_text_safe_unsafe_chars(void **state)
{
	(void)state;
	for (size_t i = 0; i < NUNSAFE; i++) {
		char in[32], want[64], out[RL_TEXT_SAFE_SIZE(sizeof(in))], ch[5];
		int n = encode(unsafe_cps[i], ch);
		int w = 0;
		snprintf(in, sizeof(in), "a%sb", ch);
		w += snprintf(want + w, sizeof(want) - (size_t)w, "a");
		for (int k = 0; k < n; k++)
			w += snprintf(want + w, sizeof(want) - (size_t)w, "\\x%02x",
				      (unsigned char)ch[k]);
		snprintf(want + w, sizeof(want) - (size_t)w, "b");
		rl_text_safe(in, out, sizeof(out));
		if (strcmp(out, want) != 0)
			fail_msg("U+%04X: \"%s\", want \"%s\"", (unsigned)unsafe_cps[i], out, want);
		/* The neighbours are ordinary text. */
		for (int d = -1; d <= 1; d += 2) {
			uint32_t nb = unsafe_cps[i] + (uint32_t)d;
			if (listed_unsafe(nb))
				continue;
			encode(nb, ch);
			rl_text_safe(ch, out, sizeof(out));
			if (strcmp(out, ch) != 0)
				fail_msg("U+%04X was escaped: \"%s\"", (unsigned)nb, out);
		}
	}
}

/*
 * A user called with the four characters \x0a and one called with a
 * newline no longer log the same line; nor does a right-to-left override
 * turn "alice" around in front of the reader.
 */
static void test_text_safe_no_lookalikes(void **state)
{
	(void)state;
	char a[64], b[64];
	rl_text_safe("bob\\x0a", a, sizeof(a));
	rl_text_safe("bob\n", b, sizeof(b));
	assert_string_equal(a, "bob\\\\x0a");
	assert_string_equal(b, "bob\\x0a");
	assert_string_not_equal(a, b);

	rl_text_safe("user \xe2\x80\xae"
		     "ecila",
		     a, sizeof(a));
	assert_string_equal(a, "user \\xe2\\x80\\xae"
			       "ecila");
	rl_text_safe("\xef\xbb\xbfroot", a, sizeof(a)); /* an invisible BOM before root */
	assert_string_equal(a, "\\xef\\xbb\\xbfroot");
	/* A backslash cut in two is never written: the whole escape or nothing. */
	rl_text_safe("ab\\", a, 4);
	assert_string_equal(a, "ab");
	rl_text_safe("ab\\", a, 5);
	assert_string_equal(a, "ab\\\\");
}

/*
 * The test's own unescaper: \\ and \xNN (lower-case hex) and nothing else;
 * returns false on any other use of a backslash, or a raw unsafe character.
 */
static bool unescape(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = s; *p; o++) {
		if (o + 1 >= size)
			return false;
		if (*p != '\\') {
			out[o] = *p++;
			continue;
		}
		if (p[1] == '\\') {
			out[o] = '\\';
			p += 2;
			continue;
		}
		unsigned v;
		if (p[1] != 'x' || !strchr("0123456789abcdef", p[2]) || !p[2] ||
		    !strchr("0123456789abcdef", p[3]) || !p[3] || sscanf(p + 2, "%2x", &v) != 1)
			return false;
		out[o] = (char)v;
		p += 4;
	}
	out[o] = '\0';
	/* What it unescaped from holds no raw unsafe character and is UTF-8. */
	for (const unsigned char *q = (const unsigned char *)s; *q;) {
		uint32_t cp;
		int n = rl_utf8_next(q, &cp);
		if (n == 0 || rl_cp_is_unsafe(cp))
			return false;
		q += n;
	}
	return true;
}

/* Every input, whatever its bytes, comes back exactly from its escaped text. */
static void test_text_safe_round_trip(void **state)
{
	(void)state;
	static const char *const fixed[] = {
	    "",           "\\",
	    "\\\\",       "\\x41",
	    "x\\",        "\\xzz",
	    "\x01\\\x02", "caf\xc3\xa9 \xe2\x80\xae\xe2\x81\xa6",
	    "\xc3",       "\xff\xfe\\\xe2\x80",
	};
	char out[RL_TEXT_SAFE_SIZE(64)], back[65];
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		rl_text_safe(fixed[i], out, sizeof(out));
		if (!unescape(out, back, sizeof(back)) || strcmp(back, fixed[i]) != 0)
			fail_msg("fixed case %zu does not come back from \"%s\"", i, out);
	}
	/* Random strings over the bytes that matter: \, x, hex digits, controls,
	 * the leads and continuations of the unsafe characters, plain UTF-8. */
	static const unsigned char alphabet[] = {'\\', 'x',  '0',  'a',  'f',  'g',  '\n', 0x1b,
						 0x7f, 0xc2, 0x85, 0x9b, 0xe2, 0x80, 0x81, 0xa8,
						 0xae, 0xa6, 0xef, 0xbb, 0xbf, 0xd8, 0x9c, 0xff};
	uint64_t seed = 16;
	for (int round = 0; round < 200000; round++) {
		char in[65];
		size_t len = (size_t)(splitmix64(&seed) % 64);
		for (size_t k = 0; k < len; k++)
			in[k] = (char)alphabet[splitmix64(&seed) % sizeof(alphabet)];
		in[len] = '\0';
		rl_text_safe(in, out, sizeof(out));
		if (!unescape(out, back, sizeof(back)) || strcmp(back, in) != 0)
			fail_msg("round %d does not come back from \"%s\"", round, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_next),
	    cmocka_unit_test(test_cp_is_control),
	    cmocka_unit_test(test_text_safe),
	    cmocka_unit_test(test_cp_is_unsafe),
	    cmocka_unit_test(test_text_safe_unsafe_chars),
	    cmocka_unit_test(test_text_safe_no_lookalikes),
	    cmocka_unit_test(test_text_safe_round_trip),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
