/*
 * test_text.c - policy/text.c: the UTF-8 decoder every terminal and log
 * line goes through, what counts as a control character, and the escaping
 * of names for logs and terminals.
 */
#include "unit.h"

#include <stdio.h>
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

/* rl_text_safe: controls and non-UTF-8 as \xNN, the rest kept, cut whole. */
static void test_text_safe(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", ""},
	    {"alice", "alice"},
	    {"a b\\c\"d", "a b\\c\"d"},         /* only controls change */
	    {"t\tab\n", "t\\x09ab\\x0a"},       /* C0 */
	    {"\x1b]0;x\x07", "\\x1b]0;x\\x07"}, /* a title-setting sequence */
	    {"del\x7f", "del\\x7f"},            /* DEL */
	    {"c1\xc2\x9b"
	     "2J",
	     "c1\\xc2\\x9b2J"},                       /* C1 CSI */
	    {"nel\xc2\x85", "nel\\xc2\\x85"},         /* NEL is C1 too */
	    {"\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9"}, /* U+00A0, e acute: kept */
	    {"\xe2\x80\xa8", "\xe2\x80\xa8"},         /* LS: not a control */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_next),
	    cmocka_unit_test(test_cp_is_control),
	    cmocka_unit_test(test_text_safe),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
