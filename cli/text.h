/*
 * text.h - UTF-8 decoding and terminal-safe output for rlimit-policy.
 *
 * What the tool prints comes partly from places an attacker may reach: group
 * names from NSS (an LDAP directory, say), names in policy drafts and in
 * drop-in folders.  A terminal acts on control characters, so those are
 * made visible before they reach it.
 */
#ifndef RLIMIT_CLI_TEXT_H
#define RLIMIT_CLI_TEXT_H

#include <stdint.h>
#include <stdio.h>

/*
 * The code point of the UTF-8 sequence at p (NUL-terminated) in *cp;
 * returns its length, or 0 when it is not one libyaml accepts: a stray or
 * missing continuation byte, an overlong form, a surrogate, or past
 * U+10FFFF.
 */
int text_utf8_next(const unsigned char *p, uint32_t *cp);

/*
 * Writes s to f with the C0 and C1 control characters, DEL, and every byte
 * that is not part of valid UTF-8 written as \xNN (one per byte), and
 * everything else as it is.
 */
void text_put_safe(FILE *f, const char *s);

#endif
