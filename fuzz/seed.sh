#!/bin/sh
# Fills the fuzzers' scratch corpora with the project's policies, at run
# time, so new examples and fixtures seed the fuzzer without a copy kept here.
# Usage: fuzz/seed.sh POLICY_CORPUS_DIR VALUE_CORPUS_DIR IMPORT_CORPUS_DIR
#                     [INDEX_CORPUS_DIR RLIMIT_POLICY_TOOL]
set -eu
pc=$1 vc=$2 ic=$3 xc=${4:-} tool=${5:-}
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
	set -- $(ls "$d"limits.conf "$d"limits.d/*.conf 2>/dev/null)
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
[ -n "$xc" ] || exit 0

# fuzz_index: the same policies (it compiles each and damages the index)...
mkdir -p "$xc"
cp "$pc"/seed-* "$pc"/pair-* "$xc"/
# ... a few with an edit program of their own (fuzz_index.c, edit()): a
# 32-bit key overwritten then sealed; a cut in the rule area then fitted
# and sealed; a byte of the rule table flipped under the old hash.
x=0
for f in fuzz/seeds/*.yaml; do
	b=$(basename "$f" .yaml)
	{ cat "$f"; printf '\n#--index--\n\001\004\000\000\377\377\377\377\005'; } >"$xc/edit-key-$b"
	{ cat "$f"; printf '\n#--index--\n\003\006\020\000\006'; } >"$xc/edit-cut-$b"
	{ cat "$f"; printf '\n#--index--\n\000\003\000\000\200'; } >"$xc/edit-flip-$b"
	x=$((x + 3))
done

# ... and raw indexes: each policy that compiles, compiled by the tool (its
# documents as files of a drop-in layout, split where the fuzzers split).
c=0
if [ -n "$tool" ] && [ -x "$tool" ]; then
	src=$xc.src
	umask 022
	for f in "$pc"/seed-* "$pc"/pair-*; do
		rm -rf "$src"
		mkdir -p "$src/rlimit.d"
		awk -v dir="$src" 'BEGIN { out = dir "/rlimit.yaml" }
			$0 == "#--dropin--" { n++; out = sprintf("%s/rlimit.d/%d0-fuzz.yaml", dir, n); next }
			{ print > out }' "$f"
		if "$tool" --conf "$src/rlimit.yaml" --confdir "$src/rlimit.d" --owner "$(id -un)" \
			compile --output "$xc/idx-$(basename "$f")" >/dev/null 2>&1; then
			c=$((c + 1))
		fi
	done
	rm -rf "$src"
fi
echo "fuzz_index seeds: the policies, $x with edit programs, $c compiled indexes" \
	"($(ls "$xc" | wc -l) files in $xc)"
