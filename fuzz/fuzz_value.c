/*
 * fuzz_value.c - libFuzzer target over the value parser and printer.  The
 * input is parsed as a value of every item; it aborts when a refused value
 * changes *out, an accepted one is out of its item's range, or a formatted
 * limit does not parse back to itself.  rl_text_safe and rl_utf8_next are
 * held to an oracle from Unicode's Table 3-7, and rl_text_safe's output
 * must unescape to exactly the input.  Before the first input, the same
 * checks meet every BMP code point, the other planes' ends, every lead byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlimit_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

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
	if (rl_items[item].kind == RL_KIND_CPU && v != RLIM_INFINITY && v > RL_CPU_SECONDS_MAX)
		v %= RL_CPU_SECONDS_MAX + 1; /* more is refused (the kernel would wrap it) */
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
		if (it->kind == RL_KIND_PRIORITY || it->kind == RL_KIND_BOOL)
			fail("unlimited for an item that has no such value", item, s, len);
		return;
	case RL_V_PCT:
		if (!it->percent_ok || v->n == 0 || v->n > 100 * RL_PCT_ONE || s[len - 1] != '%')
			fail("percentage out of place or range", item, s, len);
		return;
	case RL_V_NUM:
		if ((it->kind == RL_KIND_NICE || it->kind == RL_KIND_PRIORITY) &&
		    (v->n < 1 || v->n > 40))
			fail("niceness outside -20..19", item, s, len);
		if (it->kind == RL_KIND_RTPRIO && v->n > 99)
			fail("priority above 99", item, s, len);
		if (it->kind == RL_KIND_CPU && v->n > RL_CPU_SECONDS_MAX && v->n != UINT64_MAX)
			fail("cpu beyond what the kernel counts", item, s, len);
		if (it->kind == RL_KIND_BOOL &&
		    !((len == 4 && memcmp(s, "true", 4) == 0 && v->n == 1) ||
		      (len == 5 && memcmp(s, "false", 5) == 0 && v->n == 0)))
			fail("a boolean from other text", item, s, len);
		if (s[0] == '-' && it->kind != RL_KIND_NICE && it->kind != RL_KIND_PRIORITY)
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
 * The length of the well-formed UTF-8 sequence at p (NUL-terminated) and its
 * code point in *cp, or 0.  Unicode's Table 3-7 written out row by row, not
 * rl_utf8_next: an oracle that shared the decoder would share its bugs (an
 * overlong form or a surrogate let through, a valid sequence refused).
 */
static int utf8_table(const unsigned char *p, uint32_t *cp)
{
	/* The row of the lead byte: the length, and the second byte's range.
	 * An if per row, so each is its own edge for the fuzzer to reach. */
	unsigned char b = p[0], lo = 0x80, hi = 0xbf;
	int len;
	if (b <= 0x7f) {
		*cp = b;
		return 1;
	} else if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
	} else if (b == 0xe0) {
		len = 3;
		lo = 0xa0;
	} else if (b >= 0xe1 && b <= 0xec) {
		len = 3;
	} else if (b == 0xed) {
		len = 3;
		hi = 0x9f;
	} else if (b >= 0xee && b <= 0xef) {
		len = 3;
	} else if (b == 0xf0) {
		len = 4;
		lo = 0x90;
	} else if (b >= 0xf1 && b <= 0xf3) {
		len = 4;
	} else if (b == 0xf4) {
		len = 4;
		hi = 0x8f;
	} else {
		return 0;
	}
	/* Byte by byte, so a NUL (never in 80..BF) stops it before the end. */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	/* The bits a lead byte of each length carries. */
	static const unsigned char lead_bits[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t v = b & lead_bits[len];
	for (int i = 1; i < len; i++)
		v = v << 6 | (p[i] & 0x3fu);
	*cp = v;
	return len;
}

/*
 * C0, DEL, C1, Unicode's Bidi_Control set, LS, PS and U+FEFF: what
 * rl_text_safe escapes.  Written out, not rl_cp_is_unsafe, for the same
 * reason.
 */
static int cp_unsafe(uint32_t cp)
{
	static const uint32_t listed[] = {0x061c, 0x200e, 0x200f, 0x2028, 0x2029,
					  0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
					  0x2066, 0x2067, 0x2068, 0x2069, 0xfeff};
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return 1;
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		if (cp == listed[i])
			return 1;
	}
	return 0;
}

/*
 * The inverse of rl_text_safe, the fuzzer's own (the product has none):
 * \\ is a backslash, \xNN (lower-case hex) a byte; a backslash followed by
 * anything else, a raw character that must be escaped, or bytes that are
 * not UTF-8 make the text one rl_text_safe could not have written: -1.
 * Otherwise the length written to out (room for strlen(s) + 1).
 */
static long unescape(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = 0;
		int n = utf8_table(p, &cp);
		if (n == 0 || cp_unsafe(cp))
			return -1;
		if (cp != '\\') {
			memcpy(out + o, p, (size_t)n);
			o += (size_t)n;
			p += n;
		} else if (p[1] == '\\') {
			out[o++] = '\\';
			p += 2;
		} else if (p[1] == 'x' && p[2] && strchr(hex, p[2]) && p[3] && strchr(hex, p[3])) {
			out[o++] =
			    (char)((strchr(hex, p[2]) - hex) << 4 | (strchr(hex, p[3]) - hex));
			p += 4;
		} else {
			return -1;
		}
	}
	out[o] = '\0';
	return (long)o;
}

/*
 * rl_utf8_next, which rl_text_safe, the CLI and the importer decode with,
 * agrees with Table 3-7 at every offset of the input (stray continuation
 * bytes included): the same length, and the same code point when valid.
 */
static void check_utf8_next(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const unsigned char *p = (const unsigned char *)in + i;
		uint32_t cp = 0, want_cp = 0;
		int n = rl_utf8_next(p, &cp), want = utf8_table(p, &want_cp);
		if (n != want || (n > 0 && cp != want_cp)) {
			char what[128];
			snprintf(what, sizeof(what),
				 "rl_utf8_next gives %d U+%04X at offset %zu, Table 3-7 %d U+%04X",
				 n, (unsigned)cp, i, want, (unsigned)want_cp);
			fail(what, -1, in, len);
		}
	}
}

/*
 * What rl_text_safe must write for in (len bytes, no NUL) in a buffer that
 * fits it, built from Table 3-7: a backslash doubled, each other valid
 * character that is not cp_unsafe copied, each byte of an unsafe character
 * or of invalid UTF-8 as \xNN (an invalid byte alone, resyncing on the
 * next).  want holds RL_TEXT_SAFE_SIZE(len);
 * ends, when not NULL, len of them, gets where the text of each input
 * character ends.  Returns the length written.
 */
static size_t expect_safe(const char *in, size_t len, char *want, size_t *ends, size_t *nunits_out)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0, nunits = 0;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)in + i;
		uint32_t cp = 0;
		int n = utf8_table(p, &cp);
		if (n == 1 && cp == '\\') {
			want[w++] = '\\';
			want[w++] = '\\';
		} else if (n > 0 && !cp_unsafe(cp)) {
			memcpy(want + w, p, (size_t)n);
			w += (size_t)n;
		} else {
			if (n == 0)
				n = 1;
			for (int k = 0; k < n; k++) {
				want[w++] = '\\';
				want[w++] = 'x';
				want[w++] = hex[p[k] >> 4];
				want[w++] = hex[p[k] & 0xf];
			}
		}
		i += (size_t)n;
		if (ends)
			ends[nunits] = w;
		nunits++;
	}
	want[w] = '\0';
	if (nunits_out)
		*nunits_out = nunits;
	return w;
}

/*
 * rl_text_safe of the input up to its first NUL, against expect_safe: byte
 * for byte in the size that always fits; in smaller sizes, a prefix of it
 * that ends where one input character's text ends and that the next
 * character's text would not have fitted after (rl_text_safe stops when
 * need >= size - o).
 */
static void check_text_safe(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size), full = RL_TEXT_SAFE_SIZE(len);
	char *in = malloc(len + 1), *out = malloc(full), *want = malloc(full);
	/* ends[k]: where the text of input character k ends in want. */
	size_t *ends = malloc((len + 1) * sizeof(*ends));
	if (!in || !out || !want || !ends)
		goto done;
	memcpy(in, data, len);
	in[len] = '\0';
	check_utf8_next(in, len);

	size_t nunits, w = expect_safe(in, len, want, ends, &nunits);

	rl_text_safe(in, out, full);
	if (strcmp(out, want) != 0)
		fail("output is not each character as is or \\xNN of its bytes", -1, in, len);
	/* The property itself, whatever the oracle says: back to exactly the input. */
	char *back = malloc(strlen(out) + 1);
	if (!back)
		goto done;
	long blen = unescape(out, back);
	if (blen < 0)
		fail("output holds a raw unsafe character, invalid UTF-8 or a stray backslash", -1,
		     in, len);
	if ((size_t)blen != len || memcmp(back, in, len) != 0)
		fail("output does not unescape to exactly the input", -1, in, len);

	/* Sizes that cut: nothing fits, about half, the last character just
	 * short, and the old half of the worst case; then a whole fit. */
	size_t sizes[] = {1, w / 2 + 1, w, full / 2, w + 1};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t small = sizes[s];
		/* Exact size: ASan sees any write past it. */
		char *cut = small ? malloc(small) : NULL;
		if (!cut)
			continue;
		rl_text_safe(in, cut, small);
		size_t clen = strnlen(cut, small);
		if (clen >= small || memcmp(cut, want, clen) != 0)
			fail("a cut output is not a prefix of the whole", -1, in, len);
		blen = unescape(cut, back);
		if (blen < 0 || (size_t)blen > len || memcmp(back, in, (size_t)blen) != 0)
			fail("a cut output does not unescape to a prefix of the input", -1, in,
			     len);
		/* The cut ends a character's text: not inside an escape, nor
		 * inside a multi-byte character, nor between the two escapes of
		 * a C1 control (rl_text_safe writes a character whole). */
		size_t k = 0;
		while (k < nunits && ends[k] < clen)
			k++;
		if (clen > 0 && (k == nunits || ends[k] != clen))
			fail("a cut output ends inside a character", -1, in, len);
		/* ... and the next character's text did not fit: nothing was
		 * dropped that the buffer had room for. */
		size_t next = clen == 0 ? 0 : k + 1;
		if (next < nunits && ends[next] < small)
			fail("a cut output stops short of what fits", -1, in, len);
		free(cut);
	}
	free(back);
done:
	free(in);
	free(out);
	free(want);
	free(ends);
}

/* cp in UTF-8 the plain way, surrogates included (they must be refused). */
static int utf8_encode(uint32_t cp, unsigned char *p)
{
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xc0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xe0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (unsigned char)(0xf0 | cp >> 18);
	p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	p[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Once, before fuzzing: random bytes seldom spell one given character (an
 * 'e' acute escaped, or U+10FFFF refused, went unseen in a minute's run),
 * so each code point of the BMP and of both ends of every other plane goes
 * alone through rl_utf8_next and rl_text_safe, and rl_utf8_next meets every
 * lead and second byte with each edge of the bytes after.  The encoder
 * checks the oracle's table too: each encoded non-surrogate is well-formed
 * there, with its own code point.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
		/* Past the BMP, the first and last 256 of each plane: all of them
		 * would take seconds under the fuzzer's instrumentation. */
		if (cp > 0xffff && (cp & 0xffff) == 0x100)
			cp |= 0xff00;
		unsigned char one[5] = {0};
		char out[RL_TEXT_SAFE_SIZE(4)], want[RL_TEXT_SAFE_SIZE(4)];
		uint32_t back = 0;
		int len = utf8_encode(cp, one);
		int surrogate = cp >= 0xd800 && cp <= 0xdfff;
		if (utf8_table(one, &back) != (surrogate ? 0 : len) || (!surrogate && back != cp))
			fail("the oracle's Table 3-7 disagrees with the encoder", -1, (char *)one,
			     (size_t)len);
		check_utf8_next((const char *)one, (size_t)len);
		expect_safe((const char *)one, (size_t)len, want, NULL, NULL);
		rl_text_safe((const char *)one, out, sizeof(out));
		if (strcmp(out, want) != 0)
			fail("output is not each character as is or \\xNN of its bytes", -1,
			     (char *)one, (size_t)len);
		char unesc[sizeof(out)];
		if (unescape(out, unesc) != len || memcmp(unesc, one, (size_t)len) != 0)
			fail("output does not unescape to exactly the input", -1, (char *)one,
			     (size_t)len);
	}
	static const unsigned char edges[] = {0x00, 0x7f, 0x80, 0xbf, 0xc0};
	unsigned char seq[5] = {0};
	/* Leads from C0: each second byte is a lead at offset 1 too. */
	for (unsigned lead = 0xc0; lead <= 0xff; lead++) {
		for (unsigned second = 0; second <= 0xff; second++) {
			for (size_t a = 0; a < sizeof(edges); a++) {
				for (size_t b = 0; b < sizeof(edges); b++) {
					seq[0] = (unsigned char)lead;
					seq[1] = (unsigned char)second;
					seq[2] = edges[a];
					seq[3] = edges[b];
					check_utf8_next((const char *)seq, strnlen((char *)seq, 4));
				}
			}
		}
	}
	return 0;
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
			case RL_KIND_PRIORITY:
				round_trip(item, (rlim_t)(1 + raw % 40));
				break;
			case RL_KIND_BOOL:
				round_trip(item, (rlim_t)(raw % 2));
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
