#!/bin/sh
# The module runs inside sshd, login and su: it must export only the
# session hooks, and reach nothing that exits, aborts, prints or uses a
# non-reentrant libc lookup.  Checked on the built .so, so a call that
# sneaks in through the policy library is caught too.
#
# It must also need no library beyond libc, libpam and libyaml: libpam
# cannot load a module whose library is missing, and then every session
# with "session required pam_rlimit.so" fails, root's too (INSTALL.md).
# A new run-time dependency is a new way to lock everyone out, so it has
# to be a decision made here, not a side effect of a link line.
# Usage: check-symbols.sh MODULE.so
set -eu
so=${1:?usage: check-symbols.sh MODULE.so}
fail=0

exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
if [ "$exported" != "pam_sm_close_session pam_sm_open_session " ]; then
	echo "FAIL: $so exports: $exported(want only pam_sm_open_session pam_sm_close_session)"
	fail=1
fi

forbidden="exit _exit _Exit abort quick_exit err errx verr verrx warn warnx vwarn vwarnx
perror printf vprintf fprintf vfprintf dprintf puts fputs putchar fputc putc fwrite write
syslog vsyslog openlog strerror getpwnam getpwuid getgrnam getgrgid getgrent getpwent
setgrent setpwent gethostbyname localtime gmtime ctime asctime strtok readdir_r system popen
__assert_fail"
# _FORTIFY_SOURCE turns printf into __printf_chk, syslog into __syslog_chk...
undefined=$(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//; s/^__\(.*\)_chk$/\1/')
for f in $forbidden; do
	if printf '%s\n' "$undefined" | grep -qx "$f"; then
		echo "FAIL: $so calls $f"
		fail=1
	fi
done

allowed="libc.so.6 libpam.so.0 libyaml-0.so.2"
needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | sort | tr '\n' ' ')
for lib in $needed; do
	case " $allowed " in
	*" $lib "*) ;;
	*)
		echo "FAIL: $so needs $lib at run time (allowed: $allowed)"
		fail=1
		;;
	esac
done
case " $needed" in
*" libpam.so.0 "*) ;;
*)
	echo "FAIL: $so does not name libpam.so.0 (needed: $needed): is this the module?"
	fail=1
	;;
esac
[ "$fail" -eq 0 ] || exit 1
n=$(printf '%s\n' $forbidden | wc -l)
echo "check-module-symbols: exports exactly the 2 session hooks; none of $n forbidden functions used;" \
	"needs only: $(echo $needed)"
echo "1 passed, 0 failed"
