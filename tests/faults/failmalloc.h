/*
 * failmalloc.h - the control interface of libfailmalloc.so, which makes one
 * chosen allocation of pam_rlimit.so or libyaml fail.  An allocation counts
 * when its caller lies in a watched object (FAILMALLOC_OBJECTS: colon-
 * separated path substrings); libc's on the module's behalf do not.  Tests
 * find these functions with dlsym(RTLD_DEFAULT, ...), so that they run,
 * and say so, without the shim.
 */
#ifndef FAILMALLOC_H
#define FAILMALLOC_H

#include <stddef.h>
#include <stdint.h>

#define FAILMALLOC_MAX_LEAKS 8

struct failmalloc_site {
	char object[64];  /* basename of the object holding the caller */
	uintptr_t offset; /* caller's address minus the object's load address */
	char symbol[64];  /* nearest dynamic symbol, "" when none */
};

struct failmalloc_report {
	unsigned long counted;         /* allocations by watched objects since arming */
	unsigned long injected;        /* 1 if the armed failure happened, else 0 */
	struct failmalloc_site failed; /* where, when injected */
	unsigned long live;            /* counted blocks not freed yet */
	unsigned long live_bytes;
	struct failmalloc_site leaks[FAILMALLOC_MAX_LEAKS]; /* the first few */
	unsigned long table_overflow; /* blocks the leak table could not hold */
};

/*
 * Resets the counters and the table of live blocks, then makes the
 * fail_at-th counted allocation fail (1-based; 0: none fails).  With
 * sticky, that one and every later counted allocation fail.
 */
typedef void (*failmalloc_arm_fn)(unsigned long fail_at, int sticky);
/* Copies what happened since arming into *r. */
typedef void (*failmalloc_report_fn)(struct failmalloc_report *r);

#endif
