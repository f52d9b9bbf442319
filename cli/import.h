/*
 * import.h - "rlimit-policy import-limits-conf": pam_limits' limits.conf
 * carried over to a version-1 rlimit.yaml policy.
 *
 * An ordinary text transform: it reads limits.conf syntax the way Debian's
 * pam_limits (Linux-PAM 1.5) reads it and writes YAML.  The items, their
 * names and the way values are written come from the policy library's
 * table; the tool and the tests load its output with that library.
 */
#ifndef RLIMIT_IMPORT_H
#define RLIMIT_IMPORT_H

#include <stdio.h>

#define IMPORT_DEFAULT_CONF "/etc/security/limits.conf"
#define IMPORT_DEFAULT_GLOB "/etc/security/limits.d/*.conf"

/*
 * Converts files[0..nfiles), read in that order as pam_limits reads its
 * main file and then its drop-ins ("-" is standard input).  With nfiles 0,
 * reads IMPORT_DEFAULT_CONF and then IMPORT_DEFAULT_GLOB in byte order of
 * name, as pam_limits does.  On success returns 0 with the policy in *text
 * (*len bytes, malloc'd, the caller frees); returns 1 when a file could not
 * be read or memory ran out, with *text NULL.  Diagnostics go to err.
 */
int import_limits_conf(int nfiles, char *const files[], char **text, size_t *len, FILE *err);

#endif
