/*
 * text.c - UTF-8 decoding and control-free text for logs and terminals
 * (see rlimit_policy.h).
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
		bool plain = n > 0 && !rl_cp_is_control(cp);
		if (n == 0)
			n = 1; /* not UTF-8: show this byte, resync on the next */
		size_t need = plain ? (size_t)n : 4 * (size_t)n;
		if (need >= size - o)
			break;
		if (plain) {
			memcpy(out + o, p, (size_t)n);
			o += (size_t)n;
			continue;
		}
		for (int i = 0; i < n; i++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}
