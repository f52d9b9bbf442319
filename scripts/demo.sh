#!/bin/sh
# make demo: pam_rlimit capping a researcher's runaway Python program, with
# no policy installed and nothing under /etc read or written.
#
# libpam is the real one; pam_wrapper points it at a private service folder
# and nss_wrapper supplies a throw-away passwd and group file.  A tiny login
# program (compiled here from the C below) opens a PAM session for the fake
# user "ada" of group research, runs a Python "model fit" with the limits
# the session set, and closes the session, as su or sshd would.
#
# As root the module is the one `make` builds (pam_module/pam_rlimit.so).
# As anyone else it is the test build (build/test/pam_rlimit.so), the same
# code compiled to also trust policy files owned by the user running it: the
# demo's copy of the example policy is owned by that user, and the real
# module trusts only root-owned policy files.  Nothing here changes identity.
#
# Usage: sh scripts/demo.sh   (from the top of the tree; `make demo` does it)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD:-build}
policy_src=examples/shared-workstation.yaml
python=/usr/bin/python3
user=ada
group=research

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/    /'; }
die() {
	say "demo: $*" >&2
	exit 1
}

lib_of() { # pkg-config name, fallback path
	p=$(pkg-config --libs "$1" 2>/dev/null | tr -d ' ') || p=
	[ -n "$p" ] && [ -r "$p" ] && {
		say "$p"
		return
	}
	say "$2"
}
pwrap=$(lib_of pam_wrapper /usr/lib/x86_64-linux-gnu/libpam_wrapper.so)
nwrap=$(lib_of nss_wrapper /usr/lib/x86_64-linux-gnu/libnss_wrapper.so)
for f in "$pwrap" "$nwrap"; do
	[ -r "$f" ] || die "missing $f: run 'sh scripts/deps.sh' (libpam-wrapper libnss-wrapper)"
done
[ -x "$python" ] || die "missing $python"
[ -r "$policy_src" ] || die "missing $policy_src"
grep -q "^  $group:" "$policy_src" ||
	die "$policy_src has no groups.$group rule: this demo's user ada is in group $group"

if [ "$(id -u)" -eq 0 ]; then
	module=pam_module/pam_rlimit.so
	[ -r "$module" ] || die "$module not built: run 'make'"
	who_note="You are root, so this is the module 'make install' would install."
else
	module=$build/test/pam_rlimit.so
	[ -r "$module" ] || make --no-print-directory -s "$module" >&2 ||
		die "cannot build $module"
	who_note="You are not root: the installed module trusts only policy files owned by
root, and the demo's copy of the policy is owned by you.  So the demo uses
$module: the same code, built to also trust files
owned by the user running it.  That build is never installed."
fi
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")

work=$(mktemp -d "${TMPDIR:-/tmp}/rlimit-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/services"

# The login program: open a session, run the command in it, close it.
cat >"$work/login.c" <<'EOF'
#define _GNU_SOURCE
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int no_conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	(void)n; (void)m; (void)r; (void)d;
	return PAM_CONV_ERR;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *h = NULL;
	int rc, status = 0;
	pid_t pid;

	if (argc < 4)
		return 2;
	rc = pam_start(argv[1], argv[2], &conv, &h);
	if (rc == PAM_SUCCESS)
		rc = pam_open_session(h, 0);
	printf("pam_open_session(%s): %s\n", argv[2], pam_strerror(h, rc));
	fflush(stdout);
	if (rc != PAM_SUCCESS) {
		pam_end(h, rc);
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		/* The user's programs run without the test wrappers. */
		unsetenv("LD_PRELOAD");
		unsetenv("PAM_WRAPPER");
		execv(argv[3], argv + 3);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	rc = pam_close_session(h, 0);
	pam_end(h, rc);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
EOF
${CC:-cc} -O2 -Wall -Wextra -Werror -o "$work/login" "$work/login.c" -lpam ||
	die "cannot compile the demo's login program (libpam0g-dev?)"

# The runaway "model fit": ever larger work arrays, as a growing grid search
# does.  bytes(n) is lazily zeroed memory, like numpy.zeros, so this takes a
# moment; a program that fills its arrays is stopped at the same size, later.
cat >"$work/fit.py" <<'EOF'
import os, resource, sys, time

def gib(n):
    return "%.2f GiB" % (n / 2**30)

cap = resource.getrlimit(resource.RLIMIT_AS)[0]
ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
if cap == resource.RLIM_INFINITY or cap >= ram:
    print("[fit] no address-space cap below this machine's RAM is in effect:")
    print("[fit] refusing to run a memory hog on it.")
    sys.exit(3)
print("[fit] my address-space cap is %s (this machine has %s of RAM)" % (gib(cap), gib(ram)))
print("[fit] (work arrays are lazily zeroed, like numpy.zeros: refused the moment")
print("[fit]  the total passes the cap; make check-e2e shows one that fills them)")
held, size, start = [], 256 << 20, time.monotonic()
try:
    while True:
        print("[fit] asking for a %s work array..." % gib(size), end=" ", flush=True)
        held.append(bytes(size))
        print("ok, holding %s" % gib(sum(map(len, held))))
        size *= 2
except MemoryError:
    print("MemoryError")
    print("[fit] stopped after %.3f s, holding %s: the fit fails, the machine does not."
          % (time.monotonic() - start, gib(sum(map(len, held)))))
EOF

cp "$policy_src" "$work/rlimit.yaml"
chmod 0644 "$work/rlimit.yaml"
cat >"$work/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
$user:x:2001:2001:Ada, research group:/nonexistent:/bin/sh
EOF
cat >"$work/group" <<EOF
root:x:0:
$user:x:2001:
$group:x:3001:$user
EOF
stack="session required $module conf=$work/rlimit.yaml debug"
printf '%s\n' "$stack" >"$work/services/demo-login"
# Without "other" libpam logs a complaint of its own at every start.
printf 'session required pam_deny.so\n' >"$work/services/other"

login() { # user command...
	u=$1
	shift
	env LD_PRELOAD="$pwrap:$nwrap" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$work/services" PAM_WRAPPER_DEBUGLEVEL=2 \
		NSS_WRAPPER_PASSWD="$work/passwd" NSS_WRAPPER_GROUP="$work/group" \
		"$work/login" demo-login "$u" "$@" 2>"$work/log"
}
show_log() {
	say "  What pam_rlimit logged (syslog in real life; 'debug' names each rule):"
	sed -n 's/.*SYSLOG([0-9]): /pam_rlimit: /p' "$work/log" | sed "s|$work/||" | indent
}
# shellcheck disable=SC2016 # expanded by the session's shell, not this one
limits='printf "  ulimit -v (address space, KiB): soft %s hard %s\n" "$(ulimit -S -v)" "$(ulimit -H -v)"; printf "  ulimit -d (data, KiB):          soft %s hard %s\n" "$(ulimit -S -d)" "$(ulimit -H -d)"'

ram=$(($(getconf _PHYS_PAGES) * $(getconf PAGESIZE)))
say "pam_rlimit demo: a researcher's runaway Python fit, capped at login"
say "=================================================================="
say "Nothing is installed and nothing under /etc is read or written.  libpam"
say "reads a private service folder (pam_wrapper); users and groups come from a"
say "throw-away passwd and group file (nss_wrapper).  Module:"
say "  $module"
say "$who_note"
say ""
say "1. The policy, $policy_src, as /etc/security/rlimit.yaml would hold it:"
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$policy_src" | indent
say ""
say "2. The session stack, as one line in /etc/pam.d/common-session would be:"
say "    session required pam_rlimit.so debug"
say "   (here with conf= pointing at the copy of the policy)"
say ""
say "3. $user (group $group) logs in; this machine has $(awk -v b="$ram" 'BEGIN{printf "%.1f", b/2^30}') GiB of RAM."
rc=0
login "$user" /bin/sh -c "$limits; echo '  $user runs fit.py:'; exec $python $work/fit.py | sed 's/^/    /'" || rc=$?
show_log
[ "$rc" -eq 0 ] || die "the session or the fit failed (exit $rc); log above"
say ""
say "4. root logs in: only rules that name root apply (here core: 0), never"
say "   default or groups, so an admin is not capped by surprise and never"
say "   locked out by a broken policy."
login root /bin/sh -c "$limits; printf '  ulimit -c (core, blocks):       soft %s hard %s\n' \"\$(ulimit -S -c)\" \"\$(ulimit -H -c)\"" ||
	die "root's session failed"
show_log
say ""
say "Try it on your own policy without installing anything:"
say "  rlimit-policy check --conf FILE; rlimit-policy explain USER --conf FILE"
say "Install for real: see INSTALL.md (make install, then the pam.d line above)."
