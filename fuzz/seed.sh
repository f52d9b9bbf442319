#!/bin/sh
# Fills the fuzzers' scratch corpora with the project's policies, at run
# time, so new examples and fixtures seed the fuzzer without a copy kept here.
# Usage: fuzz/seed.sh POLICY_CORPUS_DIR VALUE_CORPUS_DIR IMPORT_CORPUS_DIR
set -eu
pc=$1 vc=$2 ic=$3
marker='
#--dropin--
'
mkdir -p "$pc" "$vc" "$ic"

# Every policy of the project: examples, fixtures, the hostile corpus (and
# whatever else tests/ keeps as *.yaml), and this folder's own seeds.
list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	ls examples/*.yaml fuzz/seeds/*.yaml 2>/dev/null || true
	find tests -name '*.yaml' -type f 2>/dev/null | LC_ALL=C sort || true
} >"$list"
n=0
while IFS= read -r f; do
	cp "$f" "$pc/seed-$(printf '%s' "$f" | tr '/' '_')"
	n=$((n + 1))
done <"$list"

# Drop-in pairs: the first valid-looking main file followed by each of the
# others, so merging across documents starts from real policies.
main=$(ls examples/*.yaml 2>/dev/null | head -n 1 || true)
[ -n "$main" ] || main=fuzz/seeds/issue-example.yaml
pairs=0
while IFS= read -r f && [ "$pairs" -lt 64 ]; do
	[ "$f" = "$main" ] && continue
	{ cat "$main"; printf '%s' "$marker"; cat "$f"; } \
		>"$pc/pair-$(printf '%s' "$f" | tr '/' '_')"
	pairs=$((pairs + 1))
done <"$list"

# Values, one a line.
i=0
while IFS= read -r v; do
	i=$((i + 1))
	printf '%s' "$v" >"$vc/seed-$i"
done <fuzz/value-seeds.txt

# limits.conf files for fuzz_import: the import differential's real-world
# shapes (main files and drop-ins) and the CLI's golden import cases.
k=0
for f in $(find tests/cli -type f -name '*.conf' | LC_ALL=C sort); do
	cp "$f" "$ic/seed-$(printf '%s' "$f" | tr '/' '_')"
	k=$((k + 1))
done

# ... and each import case's files as one input, main file then drop-ins,
# split where fuzz_import splits them.
for d in tests/cli/import/*/ tests/cli/cases/import-*/; do
	set --
	for f in "$d"limits.conf "$d"limits.d/*.conf; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	[ $# -gt 1 ] || continue
	out="$ic/multi-$(printf "%s" "$d" | tr / _)"
	cat "$1" >"$out"
	shift
	for f in "$@"; do
		{ printf '%s' "$marker"; cat "$f"; } >>"$out"
	done
	k=$((k + 1))
done

echo "fuzz seeds: $n policies, $pairs drop-in pairs, $i values, $k limits.conf files" \
	"($(ls "$pc" | wc -l) files in $pc)"
