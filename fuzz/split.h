/*
 * split.h - how the fuzz targets cut one input into several files: at each
 * "\n#--dropin--\n", into at most max parts (the last keeps any further
 * markers).  fuzz/seed.sh joins the seeds' files with the same marker.
 */
#ifndef RLIMIT_FUZZ_SPLIT_H
#define RLIMIT_FUZZ_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_MARKER "\n#--dropin--\n"

struct fuzz_part {
	const uint8_t *p;
	size_t len;
};

/* Fills parts[0..n) with the pieces of data (no copies); returns n >= 1. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, size_t max,
				struct fuzz_part *parts)
{
	const size_t mlen = strlen(FUZZ_MARKER);
	const uint8_t *at = data, *end = data + size;
	size_t n = 0;
	for (;;) {
		const uint8_t *m =
		    n + 1 < max ? memmem(at, (size_t)(end - at), FUZZ_MARKER, mlen) : NULL;
		parts[n].p = at;
		parts[n].len = (size_t)((m ? m : end) - at);
		n++;
		if (!m)
			return n;
		at = m + mlen;
	}
}

#endif
