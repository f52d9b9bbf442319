#!/bin/sh
# The module runs inside sshd, login and su: it must export only the
# session hooks, and reach nothing that exits, aborts, prints or uses a
# non-reentrant libc lookup.  Checked on the built .so, so a call that
# sneaks in through the policy library is caught too.
#
# It must also need no library it was not meant to: libpam cannot load a
# module whose library is missing, and then every session with
# "session required pam_rlimit.so" fails, root's too (INSTALL.md).  A new
# run-time dependency is a new way to lock everyone out, so it has to be a
# decision made here, not a side effect of a link line.
#
# The totals reach systemd without a new dependency: the module speaks
# D-Bus on the system bus socket itself (policy/systemd.c), so it loads
# where there is no libsystemd.  It must not fork systemctl nor dlopen a
# library behind this check's back: fork, exec and dlopen are forbidden.
#
# Usage: check-symbols.sh MODULE.so static|shared OWN.so
#   static|shared  how MODULE.so got libyaml (scripts/module-yaml.sh --mode)
#   OWN.so         the same objects linked without libyaml: the module's own
#                  code and the policy library, whose calls are held to the
#                  list below with no exception.  With libyaml linked in,
#                  MODULE.so also calls what libyaml calls; of the forbidden
#                  functions only LIBYAML_OWN may come from there: its
#                  assert()s, which guard against a caller misusing its API,
#                  and the file writer of its emitter, which the module
#                  never uses.  A libyaml that calls anything more fails here.
set -eu
so=${1:?usage: check-symbols.sh MODULE.so static|shared OWN.so}
mode=${2:?usage: check-symbols.sh MODULE.so static|shared OWN.so}
own=${3:?usage: check-symbols.sh MODULE.so static|shared OWN.so}
fail=0

exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
if [ "$exported" != "pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ]; then
	echo "FAIL: $so exports: $exported(want only pam_sm_open_session pam_sm_close_session pam_sm_authenticate pam_sm_setcred)"
	fail=1
fi

forbidden="exit _exit _Exit abort quick_exit err errx verr verrx warn warnx vwarn vwarnx
perror printf vprintf fprintf vfprintf dprintf puts fputs putchar fputc putc fwrite write
syslog vsyslog openlog strerror getpwnam getpwuid getgrnam getgrgid getgrent getpwent
setgrent setpwent gethostbyname localtime gmtime ctime asctime strtok readdir_r system popen
__assert_fail fork vfork execve execv execvp execvpe execl execlp posix_spawn posix_spawnp
dlopen dlmopen"
LIBYAML_OWN="__assert_fail fwrite"

# The forbidden functions FILE.so calls.  _FORTIFY_SOURCE turns printf into
# __printf_chk, syslog into __syslog_chk...
calls() {
	undefined=$(nm -D --undefined-only "$1" | awk '{print $2}' | sed 's/@.*//; s/^__\(.*\)_chk$/\1/')
	for f in $forbidden; do
		if printf '%s\n' "$undefined" | grep -qx "$f"; then
			printf '%s ' "$f"
		fi
	done
}

own_calls=$(calls "$own")
for f in $own_calls; do
	echo "FAIL: the module's own code calls $f"
	fail=1
done
from_libyaml=
for f in $(calls "$so"); do
	case " $own_calls " in *" $f "*) continue ;; esac
	case " $LIBYAML_OWN " in
	*" $f "*)
		if [ "$mode" = static ]; then
			from_libyaml="$from_libyaml $f"
			continue
		fi
		;;
	esac
	echo "FAIL: $so calls $f"
	fail=1
done

case $mode in
static) allowed="libc.so.6 libpam.so.0" ;;
shared) allowed="libc.so.6 libpam.so.0 libyaml-0.so.2" ;;
*)
	echo "check-symbols.sh: mode must be static or shared, not '$mode'" >&2
	exit 2
	;;
esac
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | tr '\n' ' ')
if [ "$needed" != "$(echo $allowed | tr ' ' '\n' | sort | tr '\n' ' ')" ]; then
	echo "FAIL: $so needs at run time: $needed(want exactly: $allowed, libyaml $mode)"
	fail=1
fi
[ "$fail" -eq 0 ] || exit 1
n=$(printf '%s\n' $forbidden | wc -l)
echo "check-module-symbols: exports exactly the session hooks and the auth pair; the module's own code uses none of" \
	"$n forbidden functions${from_libyaml:+ (libyaml, linked in, calls:$from_libyaml)};" \
	"libyaml $mode; needs only: $(echo $needed)"
echo "1 passed, 0 failed"
