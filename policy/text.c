/*
 * text.c - UTF-8 decoding, and text for logs and terminals that reads one
 * way only (see rlimit_policy.h).
 */
#include "rlimit_policy.h"

#include <stdbool.h>
#include <string.h>

int rl_utf8_next(const unsigned char *p, uint32_t *cp)
{
	int n;
	if (p[0] < 0x80)
		n = 1;
	else if ((p[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	uint32_t v = n == 1 ? p[0] : p[0] & (0x7fu >> n);
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < least[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

bool rl_cp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool rl_cp_is_unsafe(uint32_t cp)
{
	switch (cp) {
	case 0x061c: /* ARABIC LETTER MARK */
	case 0x200e: /* LEFT-TO-RIGHT MARK */
	case 0x200f: /* RIGHT-TO-LEFT MARK */
	case 0x2028: /* LINE SEPARATOR */
	case 0x2029: /* PARAGRAPH SEPARATOR */
	case 0xfeff: /* ZERO WIDTH NO-BREAK SPACE, the byte-order mark */
		return true;
	}
	return rl_cp_is_control(cp) || (cp >= 0x202a && cp <= 0x202e) || /* LRE..RLO */
	       (cp >= 0x2066 && cp <= 0x2069);                           /* LRI..PDI */
}

char *rl_text_safe(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (size == 0)
		return out;
	const unsigned char *p = (const unsigned char *)s;
	for (int n; *p; p += n) {
		uint32_t cp = 0;
		n = rl_utf8_next(p, &cp);
		/* Every backslash in the output starts an escape: \\ or \xNN. */
		bool backslash = n == 1 && cp == '\\';
		bool plain = n > 0 && !backslash && !rl_cp_is_unsafe(cp);
		if (n == 0)
			n = 1; /* not UTF-8: show this byte, resync on the next */
		size_t need = plain ? (size_t)n : backslash ? 2 : 4 * (size_t)n;
		if (need >= size - o)
			break;
		if (plain) {
			memcpy(out + o, p, (size_t)n);
			o += (size_t)n;
		} else if (backslash) {
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			for (int i = 0; i < n; i++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i] >> 4];
				out[o++] = hex[p[i] & 0xf];
			}
		}
	}
	out[o] = '\0';
	return out;
}
