/*
 * text.c - UTF-8 decoding and terminal-safe output (see text.h).
 */
#include "text.h"

int text_utf8_next(const unsigned char *p, uint32_t *cp)
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
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < least[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

void text_put_safe(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (int n; *p; p += n) {
		uint32_t cp = 0;
		n = text_utf8_next(p, &cp);
		if (n > 0 && cp >= 0x20 && (cp < 0x7f || cp > 0x9f)) {
			fwrite(p, 1, (size_t)n, f);
			continue;
		}
		if (n == 0)
			n = 1; /* not UTF-8: show this byte and resync on the next */
		for (int i = 0; i < n; i++)
			fprintf(f, "\\x%02x", p[i]);
	}
}
