#!/bin/sh
# sysdir.sh - the login latency benchmark on glibc's own NSS instead of
# nss_wrapper: the files backend alone, or fronted by nscd's cache, which
# is what a site with a big directory runs (nscd or sssd's memory cache).
#
#   sh bench/sysdir.sh BINDIR MODULE NSCD [REPORT]
#
# NSCD is the path of an nscd binary (Debian's nscd package; unpacking its
# .deb with dpkg -x is enough), or "none" for the files backend alone.
# BENCH_NSSWITCH=files puts a passwd: and group: line of just that in a
# private nsswitch.conf, leaving out what this machine adds (systemd).
# BENCH_DIRECTORY_USERS=N makes a small directory (bench/bench_gen.c).
# BINDIR, MODULE, REPORT and the other BENCH_* tunables are bench/run.sh's.
#
# Root only, and nothing outside this script's own mount namespace
# changes: it enters one (unshare -m, private propagation), generates the
# benchmark's directory, bind-mounts it over /etc/passwd and /etc/group,
# puts a tmpfs on /run for nscd's socket, starts nscd there with its own
# configuration (passwd and group cached and shared, nothing persistent),
# and runs bench/run.sh with BENCH_SYSTEM_NSS=1.  nscd is stopped when the
# run ends; the namespace goes with the last process in it.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: sh bench/sysdir.sh BINDIR MODULE NSCD|none [REPORT]" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "sysdir.sh: SKIP: needs root for a private mount namespace" >&2
	exit 77
fi
if [ -z "${SYSDIR_INNER:-}" ]; then
	exec unshare -m --propagation private env SYSDIR_INNER=1 sh "$0" "$@"
fi

bindir=$1
module=$2
nscd=$3
report=${4:-}
: "${BENCH_GROUPS:=1 50 500}"
: "${BENCH_RULES:=10 100 1000 10000}"
export BENCH_GROUPS BENCH_RULES

here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/pam_rlimit_sysdir.XXXXXX")
nscd_pid=
cleanup() {
	[ -z "$nscd_pid" ] || kill "$nscd_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# bench_gen writes the same directory for the same BENCH_GROUPS; run.sh
# generates it again and refuses to run unless it is the one mounted.
"$bindir/bench_gen" "$dir" "$BENCH_GROUPS" 10 >/dev/null
mount --bind "$dir/passwd" /etc/passwd
mount --bind "$dir/group" /etc/group
if [ -n "${BENCH_NSSWITCH:-}" ]; then
	printf 'passwd: %s\ngroup: %s\n' "$BENCH_NSSWITCH" "$BENCH_NSSWITCH" >"$dir/nsswitch.conf"
	mount --bind "$dir/nsswitch.conf" /etc/nsswitch.conf
fi
mount -t tmpfs -o mode=0755 sysdir-run /run

if [ "$nscd" != none ]; then
	mkdir -m 0755 /run/nscd
	conf=$dir/nscd.conf
	{
		echo "paranoia no"
		for db in passwd group; do
			echo "enable-cache $db yes"
			echo "positive-time-to-live $db 3600"
			echo "negative-time-to-live $db 3600"
			echo "suggested-size $db 10007"
			echo "check-files $db yes"
			echo "persistent $db no"
			echo "shared $db yes"
			echo "max-db-size $db 67108864"
		done
		for db in hosts services netgroup; do
			echo "enable-cache $db no"
		done
	} >"$conf"
	"$nscd" -F -f "$conf" &
	nscd_pid=$!
	n=0
	while [ ! -S /run/nscd/socket ]; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$nscd_pid" 2>/dev/null; then
			echo "sysdir.sh: nscd did not start" >&2
			exit 1
		fi
		sleep 0.1
	done
fi

rc=0
BENCH_SYSTEM_NSS=1 sh "$here/run.sh" "$bindir" "$module" ${report:+"$report"} || rc=$?
exit $rc
