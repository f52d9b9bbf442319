#!/bin/sh
# run.sh - the login latency benchmark: pam_permit (the floor), pam_limits
# and pam_rlimit through real libpam, on a fake directory (nss_wrapper).
#
#   sh bench/run.sh BINDIR MODULE [REPORT]
#
# BINDIR holds bench_gen, pam_bench, heapcount.so and probe.so; MODULE is
# the pam_rlimit.so to measure (a missing one is reported as n/a).  The
# tables are printed and, with REPORT, also written there.
#
# A probe run of each pam_rlimit cell (pam_bench -V with probe.so) must
# show that every session started a libyaml parser (so that the probe sees
# the module's work) and that pam_rlimit logged no warning.  Any miss
# fails the bench.
#
# Tunables (environment):
#   BENCH_RULES    policy sizes                 (10 100 1000 10000)
#   BENCH_GROUPS   groups of the measured user  (1 50 500)
#   BENCH_SECONDS  timed seconds per cell       (2)
#   BENCH_MAX      most sessions per cell       (2000)
#   BENCH_MIN      fewest sessions per cell     (5)
#   BENCH_CAP      a pam_limits cell still running after this many seconds
#                  is stopped and shown as a lower bound (20)
#   BENCH_LIMITS_HEAP_MAX  largest policy whose pam_limits heap is measured (1000)
#   BENCH_MASSIF   1: cross-check pam_rlimit's heap at the largest size with
#                  valgrind massif (1)
#   BENCH_VERDICT  1: print the issue's targets with met / NOT MET (1)
#   PROBE_MODULE   the pam_rlimit.so the probe runs load (MODULE): the same
#                  code linked with libyaml as a library, when MODULE carries
#                  libyaml inside and the probe could not see its parsers
#   NSS_WRAPPER_SO path of libnss_wrapper.so
#   BENCH_SYSTEM_NSS  1: no nss_wrapper; glibc's own NSS answers, and the
#                  generated directory must already be /etc/passwd and
#                  /etc/group (bench/sysdir.sh arranges that in a private
#                  mount namespace) (0)
#   PAM_MODULE_DIR where pam_permit.so and pam_limits.so are
# Exit status: 0, or 1 when a session or a check failed (a timed-out
# pam_limits cell is not a failure).
set -eu

bindir=$1
module=$2
report=${3:-}
probe_module=${PROBE_MODULE:-$module}
: "${BENCH_RULES:=10 100 1000 10000}"
: "${BENCH_GROUPS:=1 50 500}"
: "${BENCH_SECONDS:=2}"
: "${BENCH_MAX:=2000}"
: "${BENCH_MIN:=5}"
: "${BENCH_CAP:=20}"
: "${BENCH_LIMITS_HEAP_MAX:=1000}"
: "${BENCH_MASSIF:=1}"
: "${BENCH_VERDICT:=1}"
: "${NSS_WRAPPER_SO:=libnss_wrapper.so}"
: "${BENCH_SYSTEM_NSS:=0}"
pamdir=${PAM_MODULE_DIR:-/lib/x86_64-linux-gnu/security}

case $bindir in /*) ;; *) bindir=$(pwd)/$bindir ;; esac
case $module in /*) ;; *) module=$(pwd)/$module ;; esac
case $probe_module in /*) ;; *) probe_module=$(pwd)/$probe_module ;; esac
have_rlimit=1
[ -f "$module" ] || { have_rlimit=0; echo "bench: $module not built: pam_rlimit shown as n/a" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pam_rlimit_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -m 0755 "$tmp/svc" "$tmp/drop"
res=$tmp/results
: >"$res"
failed=0

"$bindir/bench_gen" "$tmp" "$BENCH_GROUPS" $BENCH_RULES >"$tmp/gen"
nsslib=$NSS_WRAPPER_SO
directory="nss_wrapper $(dpkg-query -W -f='${Version}' libnss-wrapper 2>/dev/null || echo '?')"
if [ "$BENCH_SYSTEM_NSS" = 1 ]; then
	# Never measure a directory other than the one generated: the users'
	# names, uids and groups must be exactly the policies' own.
	if ! cmp -s "$tmp/passwd" /etc/passwd || ! cmp -s "$tmp/group" /etc/group; then
		echo "bench: BENCH_SYSTEM_NSS=1 needs the generated directory at /etc/passwd" \
			"and /etc/group: run it through bench/sysdir.sh" >&2
		exit 1
	fi
	nsslib=
	directory="glibc NSS, $(grep '^group:' /etc/nsswitch.conf | tr -s ' \t' ' ')"
	if [ -S /run/nscd/socket ]; then
		directory="$directory, nscd running"
	else
		directory="$directory, no nscd"
	fi
fi
echo "session required $pamdir/pam_permit.so" >"$tmp/svc/permit"
for r in $BENCH_RULES; do
	echo "session required $pamdir/pam_limits.so conf=$tmp/limits-$r.conf" >"$tmp/svc/limits-$r"
	echo "session required $module conf=$tmp/policy-$r.yaml confdir=$tmp/drop" \
		>"$tmp/svc/yaml-$r"
	echo "session required $probe_module conf=$tmp/policy-$r.yaml confdir=$tmp/drop" \
		>"$tmp/svc/probe-yaml-$r"
done

# A clean environment: nss_wrapper calls getenv for every record it
# scans, so a long environment would make every directory lookup dearer.
pamrun() {
	env -i PATH=/usr/bin:/bin \
		LD_PRELOAD="$(echo ${PRELOAD_FIRST:-} $nsslib ${PRELOAD_MORE:-})" \
		NSS_WRAPPER_PASSWD="$tmp/passwd" NSS_WRAPPER_GROUP="$tmp/group" "$@"
}

# cell RULES GROUPS KIND SERVICE [CAP]: one timed cell into $res.
cell() {
	r=$1 g=$2 kind=$3 svc=$4 cap=${5:-0}
	set -- "$bindir/pam_bench" -c "$tmp/svc" -s "$svc" -u "bench$g" -n "$BENCH_MAX" \
		-m "$BENCH_MIN" -t "$BENCH_SECONDS"
	[ "$cap" = 0 ] || set -- timeout "$cap" "$@"
	rc=0
	out=$(pamrun "$@" 2>"$tmp/err") || rc=$?
	if [ $rc = 0 ]; then
		echo "time $r $g $kind $out" >>"$res"
	elif [ $rc = 124 ]; then
		echo "time $r $g $kind cut $cap" >>"$res"
	else
		echo "bench: $kind at $r rules, bench$g: $(cat "$tmp/err")" >&2
		echo "time $r $g $kind fail" >>"$res"
		failed=1
	fi
	printf '.' >&2
}

heap() {
	r=$1 g=$2 kind=$3 svc=$4 warm=$5
	if out=$(PRELOAD_MORE="$bindir/heapcount.so" pamrun "$bindir/pam_bench" -H -w "$warm" \
		-c "$tmp/svc" -s "$svc" -u "bench$g" 2>"$tmp/err"); then
		echo "heap $r $g $kind $out" >>"$res"
	else
		echo "bench: heap of $kind at $r rules, bench$g: $(cat "$tmp/err")" >&2
		failed=1
	fi
}

# probe RULES GROUPS KIND SERVICE: what three sessions asked of libyaml and
# NSS and what they logged, into $res; fails unless each session started
# one libyaml parser at least and pam_rlimit logged no warning.
probe() {
	r=$1 g=$2 kind=$3 svc=$4
	if ! out=$(PRELOAD_FIRST="$bindir/probe.so" pamrun "$bindir/pam_bench" -V -w 1 \
		-c "$tmp/svc" -s "$svc" -u "bench$g" 2>"$tmp/err"); then
		echo "bench: probe of $kind at $r rules, bench$g: $(cat "$tmp/err")" >&2
		failed=1
		return
	fi
	echo "probe $r $g $kind $out" >>"$res"
	why=$(echo "$out" | awk -v kind="$kind" '{
		for (i = 1; i < NF; i += 2)
			v[$i] = $(i + 1)
		n = v["sessions"] + 0; y = v["yaml_parsers"] + 0; w = v["rlimit_warnings"] + 0
		if (!("yaml_parsers" in v) || !("rlimit_warnings" in v) || n < 1)
			print "unreadable probe output: " $0
		else if (w > 0)
			print "pam_rlimit logged " w " warnings in " n " sessions"
		else if (y < n)
			print "pam_rlimit started " y " libyaml parsers in " n \
				" sessions: the probe does not see libyaml (a module with libyaml" \
				" linked in needs PROBE_MODULE)"
	}')
	if [ -n "$why" ]; then
		echo "bench: $kind at $r rules, bench$g: $why" >&2
		grep '^probe: syslog' "$tmp/err" | grep -v 'PAM _pam_init_handlers' | sort -u >&2
		failed=1
	fi
}

# The peak of mem_heap_B in a massif output file.
massif_peak() {
	awk -F= '/^mem_heap_B=/ { if ($2 + 0 > m) m = $2 + 0 } END { print m + 0 }' "$1"
}

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $BENCH_RULES; do
	for g in $BENCH_GROUPS; do
		cell "$r" "$g" permit permit
		cell "$r" "$g" limits "limits-$r" "$BENCH_CAP"
		if [ $have_rlimit = 1 ]; then
			cell "$r" "$g" yaml "yaml-$r"
			heap "$r" "$g" yaml "yaml-$r" 20
			probe "$r" "$g" yaml "probe-yaml-$r"
		fi
		[ "$r" -gt "$BENCH_LIMITS_HEAP_MAX" ] || heap "$r" "$g" limits "limits-$r" 1
	done
done
echo >&2

massif_line=
if [ "$BENCH_MASSIF" = 1 ] && [ $have_rlimit = 1 ] && command -v valgrind >/dev/null; then
	r=$(echo $BENCH_RULES | tr ' ' '\n' | sort -n | tail -1)
	g=$(echo $BENCH_GROUPS | tr ' ' '\n' | sort -n | tail -1)
	for svc in permit "yaml-$r"; do
		pamrun valgrind -q --tool=massif --massif-out-file="$tmp/massif.$svc" \
			"$bindir/pam_bench" -P -c "$tmp/svc" -s "$svc" -u "bench$g" -n 1 -m 1 -w 1 \
			-t 0.001 >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; failed=1; }
	done
	if [ -s "$tmp/massif.permit" ] && [ -s "$tmp/massif.yaml-$r" ]; then
		massif_line="massif $r $g $(massif_peak "$tmp/massif.permit")"
		massif_line="$massif_line $(massif_peak "$tmp/massif.yaml-$r")"
	fi
fi
elapsed=$(($(date +%s) - started))

{
	echo "pam_rlimit login latency benchmark"
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(uname -srm); cpus: $(nproc);" \
		"cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "libpam: $(dpkg-query -W -f='${Version}' libpam0g 2>/dev/null || echo '?');" \
				"libyaml: $(dpkg-query -W -f='${Version}' libyaml-0-2 2>/dev/null || echo '?');" \
		"uid: $(id -u); module: $module" \
		"(tree $(git describe --always --dirty 2>/dev/null || echo unknown))"
	echo "directory: $directory; $(wc -l <"$tmp/passwd") passwd entries, $(wc -l <"$tmp/group") groups;" \
		"measured users bench{$(echo $BENCH_GROUPS | tr ' ' ,)} in that many groups"
	echo "sessions per cell: up to $BENCH_MAX in ${BENCH_SECONDS}s, at least $BENCH_MIN;" \
		"pam_limits cut off after ${BENCH_CAP}s; took ${elapsed}s;" \
		"load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	awk -v massif="$massif_line" -v verdict="$BENCH_VERDICT" -f "$(dirname "$0")/table.awk" \
		"$tmp/gen" "$res"
} >"$tmp/report"
cat "$tmp/report"
[ -z "$report" ] || cp "$tmp/report" "$report"
exit $failed
