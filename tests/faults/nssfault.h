/*
 * nssfault.h - libnssfault.so, an LD_PRELOAD shim before nss_wrapper that
 * counts pam_rlimit's passwd and group lookups and fails them on request.
 * Only callers in an object whose path holds NSSFAULT_CALLER (default
 * "pam_rlimit.so") count; every call goes on to nss_wrapper otherwise.
 * Tests read the counts with dlsym(RTLD_DEFAULT, "nssfault_counts").
 * nss_wrapper's ENOENT for "no such entry" is passed on as glibc says it,
 * 0 with no result: ENOENT means a failed directory to the module.
 */

/*
 * Faults, from the environment at each call (E: an errno, or -1 for "no
 * such entry", which glibc says as 0 with a NULL result; K: the call to
 * fail).
 *   NSSFAULT_PWNAM=E, NSSFAULT_PWNAM_AT=K      getpwnam_r fails with E
 *   NSSFAULT_GRGID=E, NSSFAULT_GRGID_AT=K      getgrgid_r likewise
 *   NSSFAULT_GRNAM=E, NSSFAULT_GRNAM_AT=K      getgrnam_r likewise
 *   NSSFAULT_GROUPLIST=fail  -1 without asking for more (glibc's NSS error)
 *   NSSFAULT_GROUPLIST=grow  -1, asking for twice the array, forever
 */
/*
 * How the directory behaves, from the environment too.
 *   NSSFAULT_SERIALIZE=1   getgrouplist calls take turns (nss_wrapper's
 *                          is not thread-safe)
 *   NSSFAULT_DELAY_MS=N    each counted call sleeps N ms first (a slow one)
 */
#ifndef NSSFAULT_H
#define NSSFAULT_H

struct nssfault_counts {
	unsigned long getpwnam_r;
	unsigned long getgrouplist;
	unsigned long getgrgid_r;
	unsigned long getgrnam_r;
	unsigned long injected;
};

typedef void (*nssfault_counts_fn)(struct nssfault_counts *c);
typedef void (*nssfault_reset_fn)(void);

#endif
