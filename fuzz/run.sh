#!/bin/sh
# Runs one libFuzzer binary for a while and prints its final statistics.
# A crash, a leak, a timeout or an out-of-memory fails (exit 1) and leaves
# the input under ARTIFACTS with the report printed.
# Usage: fuzz/run.sh BINARY CORPUS SECONDS ARTIFACTS [libFuzzer options]...
set -u
bin=$1 corpus=$2 secs=$3 art=$4
shift 4
name=$(basename "$bin")
log=$corpus.log
mkdir -p "$art"
before=$(ls "$corpus" | wc -l)
start=$(date +%s)
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art/$name-" \
	"$@" "$corpus" >"$log" 2>&1
rc=$?
end=$(date +%s)

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
execs=$(stat number_of_executed_units)
eps=$(stat average_exec_per_sec)
units=$(stat new_units_added)
rss=$(stat peak_rss_mb)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
after=$(ls "$corpus" | wc -l)
echo "$name: ${execs:-?} executions in $((end - start)) s, ${eps:-?} exec/s;" \
	"corpus $before -> $after files (${units:-?} new units), ${cov:-no coverage line}," \
	"peak RSS ${rss:-?} MB"

if [ "$rc" -ne 0 ] || [ -z "$execs" ]; then
	echo "$name: FAILED (libFuzzer exit $rc); the end of $log:" >&2
	tail -n 80 "$log" >&2
	found=$(cd "$art" && for f in "$name"-*; do [ -e "$f" ] && printf '%s ' "$f"; done)
	[ -n "$found" ] && echo "$name: reproduce with: $bin $art/<file> ($found)" >&2
	exit 1
fi
