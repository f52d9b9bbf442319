/*
 * fuzz_value.c - libFuzzer target over the value parser and printer.
 *
 * The input is parsed as a value of every item.  The target aborts when:
 *   - a refused value changes *out, or its explanation is not one
 *     NUL-terminated line within the buffer, whatever the buffer's size;
 *   - an accepted value has white space, is longer than the parser allows,
 *     or is outside its item's range (a percentage for an item that takes
 *     none, a niceness outside -20..19, a priority above 99);
 *   - rl_value_format of an accepted number does not parse back to the
 *     same limit (2^64-1 and "unlimited" are the same rlim_t);
 *   - rl_value_format of the first eight input bytes, read as a limit, does
 *     not parse back to it, for every item whose range holds it;
 *   - rl_text_safe of the input lets a control character or invalid UTF-8
 *     through, loses or changes a character, or cuts anywhere but at a
 *     character boundary.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlimit_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void fail(const char *what, int item, const char *text, size_t len)
{
	fprintf(stderr, "fuzz_value: invariant broken for %s: %s; input \"",
		item < 0 ? "rl_text_safe" : rl_items[item].name, what);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("\"\n", stderr);
	abort();
}

/* The limit a parsed value stands for (percentages have none yet). */
static rlim_t limit_of(const struct rl_value *v)
{
	return v->type == RL_V_INF ? RLIM_INFINITY : (rlim_t)v->n;
}

/* Checks that buf holds one NUL-terminated line shorter than size. */
static void check_text(const char *buf, size_t size, int item, const char *what)
{
	const char *nul = memchr(buf, '\0', size);
	if (!nul)
		fail(what, item, buf, size);
	if (memchr(buf, '\n', (size_t)(nul - buf)))
		fail(what, item, buf, (size_t)(nul - buf));
}

/* rl_value_format(v) parsed back must be v, and fit small buffers safely. */
static void round_trip(int item, rlim_t v)
{
	char text[64], small[8];
	struct rl_value back;
	rl_value_format(item, v, text, sizeof(text));
	check_text(text, sizeof(text), item, "format: not one line");
	size_t len = strlen(text);
	enum rl_verr e = rl_value_parse(item, text, len, &back);
	if (e != RL_VERR_OK)
		fail("formatted value does not parse back", item, text, len);
	if (back.type != RL_V_NUM && back.type != RL_V_INF)
		fail("formatted value parses back as another kind", item, text, len);
	if (limit_of(&back) != v)
		fail("formatted value parses back to another limit", item, text, len);
	for (size_t n = 1; n <= sizeof(small); n++) {
		memset(small, 'x', sizeof(small));
		rl_value_format(item, v, small, n);
		check_text(small, n, item, "format: truncation without NUL");
		if (strncmp(small, text, n - 1) != 0)
			fail("format: truncated text is not a prefix", item, text, len);
	}
}

static void check_accepted(int item, const char *s, size_t len, const struct rl_value *v)
{
	const struct rl_item *it = &rl_items[item];
	if (len == 0 || len > 64)
		fail("accepted a value of this length", item, s, len);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\0')
			fail("accepted a value with white space or NUL", item, s, len);
	}
	struct rl_value again;
	if (rl_value_parse(item, s, len, &again) != RL_VERR_OK || again.type != v->type ||
	    again.n != v->n)
		fail("parsing twice gave two values", item, s, len);
	switch (v->type) {
	case RL_V_INF:
		if (!(len == 9 && memcmp(s, "unlimited", 9) == 0) &&
		    !(len == 8 && memcmp(s, "infinity", 8) == 0))
			fail("unlimited from other text", item, s, len);
		return;
	case RL_V_PCT:
		if (!it->percent_ok || v->n == 0 || v->n > 100 * RL_PCT_ONE || s[len - 1] != '%')
			fail("percentage out of place or range", item, s, len);
		return;
	case RL_V_NUM:
		if (it->kind == RL_KIND_NICE && (v->n < 1 || v->n > 40))
			fail("niceness outside -20..19", item, s, len);
		if (it->kind == RL_KIND_RTPRIO && v->n > 99)
			fail("priority above 99", item, s, len);
		if (s[0] == '-' && it->kind != RL_KIND_NICE)
			fail("negative value accepted", item, s, len);
		round_trip(item, (rlim_t)v->n);
		return;
	case RL_V_UNSET:
		break;
	}
	fail("accepted with no type", item, s, len);
}

static void check_refused(int item, enum rl_verr e, const char *s, size_t len,
			  const struct rl_value *v, const struct rl_value *before)
{
	char why[512], small[16];
	if (memcmp(v, before, sizeof(*v)) != 0)
		fail("a refused value changed *out", item, s, len);
	if (e < RL_VERR_EMPTY || e > RL_VERR_TOO_LONG)
		fail("unknown error code", item, s, len);
	rl_verr_describe(e, item, s, len, why, sizeof(why));
	check_text(why, sizeof(why), item, "describe: not one line");
	if (strncmp(why, "invalid value \"", 15) != 0 || strstr(why, rl_items[item].name) == NULL)
		fail("describe: not \"invalid value ... for ITEM\"", item, why, strlen(why));
	for (size_t n = 1; n <= sizeof(small); n += 5) {
		rl_verr_describe(e, item, s, len, small, n);
		check_text(small, n, item, "describe: truncation without NUL");
	}
}

/*
 * rl_text_safe of the input up to its first NUL, in the size that always
 * fits and in a smaller one: valid UTF-8 with no control character, never
 * past the buffer, the whole text when it fits, and a cut output a prefix
 * of the whole.
 */
static void check_text_safe(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *in = malloc(len + 1), *out = malloc(RL_TEXT_SAFE_SIZE(len));
	if (!in || !out) {
		free(in);
		free(out);
		return;
	}
	memcpy(in, data, len);
	in[len] = '\0';
	rl_text_safe(in, out, RL_TEXT_SAFE_SIZE(len));
	size_t olen = strlen(out);
	const unsigned char *p = (const unsigned char *)out;
	for (int n; *p; p += n) {
		uint32_t cp;
		n = rl_utf8_next(p, &cp);
		/* Written out, not rl_cp_is_control: the oracle does not lean on the code it
		 * checks. */
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fail("output holds a control or non-UTF-8", -1, in, len);
	}
	/* Everything is there: each input byte is itself, or \xNN of itself. */
	size_t i = 0, back = 0;
	while (i < olen) {
		if (back >= len)
			fail("output longer than the input", -1, in, len);
		unsigned char c = (unsigned char)in[back++];
		if (out[i] == '\\' && c != '\\') {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			if (olen - i < 4 || memcmp(out + i, esc, 4) != 0)
				fail("a wrong escape", -1, in, len);
			i += 4;
		} else if ((unsigned char)out[i] == c) {
			i++;
		} else {
			fail("output is not the input", -1, in, len);
		}
	}
	if (back != len)
		fail("output lost part of the input", -1, in, len);
	size_t small = RL_TEXT_SAFE_SIZE(len) / 2;
	char *cut = small ? malloc(small) : NULL;
	if (cut) {
		rl_text_safe(in, cut, small);
		if (strlen(cut) >= small || strncmp(cut, out, strlen(cut)) != 0)
			fail("a cut output is not a prefix of the whole", -1, in, len);
		free(cut);
	}
	free(in);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the value's end. */
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);

	for (int item = 0; item < RL_NITEMS; item++) {
		struct rl_value v, before;
		memset(&v, 0xA5, sizeof(v));
		before = v;
		enum rl_verr e = rl_value_parse(item, s, size, &v);
		if (e == RL_VERR_OK)
			check_accepted(item, s, size, &v);
		else
			check_refused(item, e, s, size, &v, &before);
	}

	if (size >= 8) {
		uint64_t raw;
		memcpy(&raw, data, sizeof(raw));
		for (int item = 0; item < RL_NITEMS; item++) {
			switch (rl_items[item].kind) {
			case RL_KIND_NICE:
				round_trip(item, (rlim_t)(1 + raw % 40));
				break;
			case RL_KIND_RTPRIO:
				round_trip(item, (rlim_t)(raw % 100));
				break;
			default:
				round_trip(item, (rlim_t)raw);
				/* exact multiples of every unit, the printer's favourite */
				round_trip(item, (rlim_t)((raw >> 40) << 30));
				break;
			}
		}
		round_trip(rl_item_lookup("rtprio", 6), RLIM_INFINITY); /* "unlimited" */
	}
	check_text_safe(data, size);
	free(s);
	return 0;
}
