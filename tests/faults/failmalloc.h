/*
 * failmalloc.h - the control interface of libfailmalloc.so, an LD_PRELOAD
 * shim that makes one chosen allocation of pam_rlimit.so or libyaml fail.
 *
 * The shim interposes malloc, calloc, realloc, free, strdup and strndup.
 * An allocation "counts" when its caller (the return address) lies in one
 * of the watched objects: pam_rlimit.so and libyaml (FAILMALLOC_OBJECTS,
 * colon-separated substrings of the loaded objects' paths, overrides
 * that).  Allocations made by libc on the module's behalf (inside
 * getpwnam_r, fdopendir, ...) or by nss_wrapper do not count.
 *
 * A test finds these functions with dlsym(RTLD_DEFAULT, ...) so it does not
 * link against the shim, and works unchanged when the shim is not loaded
 * (the functions are then missing and the test says so).
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
