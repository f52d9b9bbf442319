/*
 * nssfault.h - the interface of libnssfault.so, an LD_PRELOAD shim placed
 * before nss_wrapper that counts pam_rlimit's passwd and group lookups and
 * makes them fail on request.
 *
 * Only calls whose caller lies in an object whose path holds
 * NSSFAULT_CALLER (default "pam_rlimit.so") are counted or failed; every
 * call is passed on to the next definition (nss_wrapper) otherwise.
 * Faults are chosen by environment variables, read at each call:
 *
 *   NSSFAULT_PWNAM=E       getpwnam_r returns errno E (a number), no entry
 *   NSSFAULT_PWNAM_AT=K    ... only on the K-th counted call (default: all)
 *   NSSFAULT_GROUPLIST=fail  getgrouplist returns -1 without asking for a
 *                          bigger array (glibc's way of hiding an NSS error)
 *   NSSFAULT_GROUPLIST=grow  getgrouplist returns -1 and asks for twice the
 *                          array, forever (a directory that never settles)
 *   NSSFAULT_GRGID=E       getgrgid_r returns errno E, no entry ...
 *   NSSFAULT_GRGID_AT=K    ... only on the K-th counted call (default: all)
 *   NSSFAULT_GRNAM=E, NSSFAULT_GRNAM_AT=K   the same for getgrnam_r
 *   NSSFAULT_SERIALIZE=1   every getgrouplist call (from anyone) takes a
 *                          lock: nss_wrapper's own is not thread-safe
 *
 * A test reads the counts with dlsym(RTLD_DEFAULT, "nssfault_counts").
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
